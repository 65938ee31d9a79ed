"""The function forms of views (``dg.narrow(x, ...)``, ``dg.split(x, ...)``...) are marked as
views exactly as the method forms are: ``detach_`` refuses them as PyTorch refuses its views,
on a leaf and on a non-leaf alike."""

from __future__ import annotations

import pytest

import deepgrad as dg
from deepgrad.functional.input_keyword import with_input
from deepgrad.functional.torch_namespace import VIEW_FUNCTIONS

CASES = {
    "narrow": lambda lib, x: lib.narrow(x, 0, 0, 2),
    "select": lambda lib, x: lib.select(x, 0, 1),
    "diagonal": lambda lib, x: lib.diagonal(x),
    "transpose": lambda lib, x: lib.transpose(x, 0, 1),
    "swapaxes": lambda lib, x: lib.swapaxes(x, 0, 1),
    "swapdims": lambda lib, x: lib.swapdims(x, 0, 1),
    "movedim": lambda lib, x: lib.movedim(x, 0, 1),
    "moveaxis": lambda lib, x: lib.moveaxis(x, 0, 1),
    "squeeze": lambda lib, x: lib.squeeze(x),
    "unsqueeze": lambda lib, x: lib.unsqueeze(x, 0),
    "t": lambda lib, x: lib.t(x),
    "adjoint": lambda lib, x: lib.adjoint(x),
    "unbind": lambda lib, x: lib.unbind(x),
    "split": lambda lib, x: lib.split(x, 2),
    "chunk": lambda lib, x: lib.chunk(x, 2),
    "tensor_split": lambda lib, x: lib.tensor_split(x, 2),
    "hsplit": lambda lib, x: lib.hsplit(x, 2),
    "vsplit": lambda lib, x: lib.vsplit(x, 3),
    "dsplit": lambda lib, x: lib.dsplit(x.reshape(1, 3, 4), 2),
    "permute": lambda lib, x: lib.permute(x, (1, 0)),
    "reshape": lambda lib, x: lib.reshape(x, (12,)),
    "reshape_copy": lambda lib, x: lib.reshape(x.t(), (12,)),
    "flatten": lambda lib, x: lib.flatten(x),
    "ravel": lambda lib, x: lib.ravel(x),
    "unflatten": lambda lib, x: lib.unflatten(x, 1, (2, 2)),
    "as_strided": lambda lib, x: lib.as_strided(x, (2,), (1,)),
    "method_hsplit": lambda lib, x: x.hsplit(2),
    "method_tensor_split": lambda lib, x: x.tensor_split(2),
    "method_moveaxis": lambda lib, x: x.moveaxis(0, 1),
    "method_ravel": lambda lib, x: x.ravel(),
    "method_adjoint": lambda lib, x: x.adjoint(),
    "method_mH": lambda lib, x: x.mH,
}


def _detach_outcome(lib, make, leaf):
    x = lib.ones(3, 4, requires_grad=True)
    x = x if leaf else x * 2
    out = make(lib, x)
    out = out[0] if isinstance(out, (tuple, list)) else out
    try:
        out.detach_()
    except RuntimeError as err:
        return "refused", str(err)
    return "detached", ""


@pytest.mark.parametrize("leaf", [True, False])
@pytest.mark.parametrize("name", sorted(CASES))
def test_function_form_views_detach_like_torch(name, leaf):
    torch = pytest.importorskip("torch")
    want, _ = _detach_outcome(torch, CASES[name], leaf)
    got, msg = _detach_outcome(dg, CASES[name], leaf)
    assert got == want
    if got == "refused":
        assert "Can't detach views in-place" in msg


def test_view_functions_keep_the_functional_signatures_and_values():
    x = dg.arange(12.0).reshape(3, 4)
    assert dg.transpose(x, dim0=0, dim1=1).shape == (4, 3)
    assert [t.tolist() for t in dg.split(x[0], split_size_or_sections=2)] == [[0, 1], [2, 3]]
    assert dg.narrow(x, 1, 1, 2).tolist() == [[1, 2], [5, 6], [9, 10]]
    assert dg.swapdims(x, 0, 1).tolist() == x.t().tolist()
    for name, fn in VIEW_FUNCTIONS.items():
        # (the top-level form takes PyTorch's input= too: the function, or its one wrapper)
        assert getattr(dg, name) in (fn, with_input(fn))
        assert fn.__name__ == name and fn.__doc__


def test_view_functions_pass_gradients():
    x = dg.ones(3, 4, requires_grad=True)
    (dg.narrow(x, 0, 1, 2).sum() + dg.split(x, 2, 1)[1].sum() * 2).backward()
    assert x.grad.tolist() == [[0, 0, 2, 2], [1, 1, 3, 3], [1, 1, 3, 3]]


def test_views_are_not_marked_when_they_copy():
    x = dg.ones(3, 4) * 2
    dg.reshape(x.t(), (12,)).detach_()  # a copy (PyTorch's reshape of a transpose) detaches
    dg.flatten(x.t()).detach_()
