"""PyTorch's ``input=`` keyword on deepgrad's top-level functions (TabNet's ``torch.sort(
input=input, dim=dim, descending=True)``): the set of functions taking it is PyTorch's, the
values are the positional call's, and the input given twice is a TypeError."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.functional.input_keyword import NOT_INPUT


def _torch_first_is_input(torch, name):
    fn = getattr(torch, name, None)
    if fn is None:
        return None
    doc = (fn.__doc__ or "").strip().split("\n")[0]
    if doc.startswith((f"{name}(input,", f"{name}(input)", f"{name}(input:")):
        return True
    try:
        params = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return None
    return bool(params) and params[0] == "input"


def test_input_keyword_set_is_pytorchs():
    torch = pytest.importorskip("torch")
    takes = {n for n in dir(dg) if getattr(getattr(dg, n, None), "takes_input", False)}
    assert len(takes) > 90
    for name in sorted(takes):
        if name == "pad":  # deepgrad's top-level pad is F.pad(input, pad)
            continue
        assert _torch_first_is_input(torch, name) is not False, name
    for name in NOT_INPUT:
        assert name not in takes and _torch_first_is_input(torch, name) is not True, name
    # every PyTorch function documented as name(input, ...) that deepgrad has takes input=
    missing = []
    for name in dir(torch):
        if name.startswith("_") or not hasattr(dg, name) or isinstance(getattr(dg, name), type):
            continue
        if not callable(getattr(dg, name)) or _torch_first_is_input(torch, name) is not True:
            continue
        try:
            first = next(iter(inspect.signature(getattr(dg, name)).parameters), None)
        except (TypeError, ValueError):
            continue
        if name not in takes and first != "input":
            missing.append(name)
    assert not missing, missing


def test_input_keyword_values_and_errors():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((3, 4))
    calls = [("sort", {"dim": 1, "descending": True}), ("sum", {"dim": 0}),
             ("clamp", {"min": 0.0}), ("softmax", {"dim": -1}), ("cumsum", {"dim": 1}),
             ("gather", {"dim": 1, "index": np.array([[0, 2], [1, 1], [3, 0]])}),
             ("matmul", {"other": a.T}), ("argsort", {"dim": 1})]  # fmt: skip
    for name, kw in calls:
        kw_dg = {k: dg.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        kw_t = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        got = getattr(dg, name)(input=dg.tensor(a), **kw_dg)
        want = getattr(torch, name)(input=torch.tensor(a), **kw_t)
        got = got[0] if isinstance(got, tuple) else got
        want = want[0] if isinstance(want, tuple) else want
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, err_msg=name)
    with pytest.raises(TypeError, match="both positionally and as input="):
        dg.sum(dg.tensor(a), input=dg.tensor(a))
    x = dg.tensor(a, requires_grad=True)
    dg.sort(input=x, dim=1)[0].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones_like(a))


def _nn_first(torch, name):
    fn = getattr(torch.nn.functional, name, None)
    if fn is None:
        return None
    try:
        params = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return None
    return params[0] if params else ""


def test_nn_functional_input_keyword_set_is_pytorchs():
    """``deepgrad.nn.functional`` (``F``) takes ``input=`` where ``torch.nn.functional`` does;
    ``deepgrad.functional`` itself (what deepgrad's own code calls) is left unwrapped."""
    torch = pytest.importorskip("torch")
    import deepgrad.functional as G
    import deepgrad.nn.functional as F

    takes = {n for n in dir(F) if getattr(getattr(F, n, None), "takes_input", False)}
    for name in takes:
        # max_pool2d & co. are boolean_dispatch (*args, **kwargs) forms there: they take input=
        assert _nn_first(torch, name) in ("input", "args", None), name
    missing = []
    for name in dir(torch.nn.functional):
        if name.startswith("_") or not hasattr(F, name) or _nn_first(torch, name) != "input":
            continue
        fn = getattr(F, name)
        if callable(fn) and not isinstance(fn, type) and name not in takes:
            if next(iter(inspect.signature(fn).parameters), None) != "input":
                missing.append(name)
    assert not missing, missing
    assert not getattr(G.softmax, "takes_input", False) and F.softmax.takes_input
    assert F.cat is G.cat  # (PyTorch's first parameter there is tensors)
    private = next(n for n in vars(G) if n.startswith("_") and not n.startswith("__"))
    assert getattr(F, private) is getattr(G, private)  # served from deepgrad.functional


def test_nn_functional_input_keyword_values():
    torch = pytest.importorskip("torch")
    import torch.nn.functional as TF

    import deepgrad.nn.functional as F

    rng = np.random.default_rng(1)
    a, w = rng.standard_normal((3, 4)), rng.standard_normal((2, 4))
    lab = np.array([0, 1, 3])
    cases = [
        ("softmax", lambda lib, F: F.softmax(input=lib.tensor(a), dim=-1)),
        ("linear", lambda lib, F: F.linear(input=lib.tensor(a), weight=lib.tensor(w))),
        (
            "cross_entropy",
            lambda lib, F: F.cross_entropy(input=lib.tensor(a), target=lib.tensor(lab)),
        ),  # fmt: skip
        (
            "layer_norm",
            lambda lib, F: F.layer_norm(input=lib.tensor(a), normalized_shape=(4,)),
        ),  # fmt: skip
        ("pad", lambda lib, F: F.pad(input=lib.tensor(a), pad=(1, 2))),
        (
            "embedding",
            lambda lib, F: F.embedding(input=lib.tensor(lab), weight=lib.tensor(a.T)),
        ),  # fmt: skip
        (
            "max_pool2d",
            lambda lib, F: F.max_pool2d(input=lib.tensor(a)[None, None], kernel_size=2),
        ),  # fmt: skip
    ]
    for name, call in cases:
        got, want = call(dg, F), call(torch, TF)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, err_msg=name)
    with pytest.raises(TypeError, match="both positionally and as input="):
        F.relu(dg.tensor(a), input=dg.tensor(a))


def test_one_hot_takes_input_keyword():
    """``F.one_hot``: documented as ``one_hot(tensor, ...)``, PyTorch's parameter is
    ``input`` (VQ-VAE code writes ``F.one_hot(input=idx, num_classes=K)``)."""
    torch = pytest.importorskip("torch")
    import deepgrad.nn.functional as F

    idx = np.array([0, 2, 1])
    got = F.one_hot(input=dg.tensor(idx), num_classes=4)
    want = torch.nn.functional.one_hot(input=torch.tensor(idx), num_classes=4)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_input_keyword_wrappers_pickle():
    """A wrapper is found by pickle where it was first installed (a whole model holding
    ``activation=F.gelu`` saved with pickle), and comes back as the same object."""
    import pickle

    import deepgrad.nn.functional as F

    for fn in (F.gelu, F.relu, F.linear, F.softmax, dg.sum, dg.sigmoid, dg.special.expit):
        assert pickle.loads(pickle.dumps(fn)) is fn
    layer = dg.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, activation=F.gelu)
    again = pickle.loads(pickle.dumps(layer))
    x = dg.ones(1, 3, 4)
    np.testing.assert_array_equal(
        again.eval()(x).detach().numpy(), layer.eval()(x).detach().numpy()
    )


def test_where_takes_pytorchs_keyword_names(torch):
    m, x, y = [True, False], [1.0, 2.0], [3.0, 4.0]
    want = torch.where(condition=torch.tensor(m), input=torch.tensor(x), other=torch.tensor(y))
    got = dg.where(condition=dg.tensor(m), input=dg.tensor(x), other=dg.tensor(y))
    assert got.tolist() == want.tolist() == [1.0, 4.0]
    assert dg.where(dg.tensor(m), dg.tensor(x), 0.0).tolist() == [1.0, 0.0]
