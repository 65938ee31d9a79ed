"""Reductions of empty tensors raise what PyTorch 2.13 raises: a ``RuntimeError`` where no
dim is given, an ``IndexError`` for a dim of size 0 (the norms: ``RuntimeError``), with
PyTorch's words first. deepgrad's classes are also ``ValueError`` (what they were before)."""

from __future__ import annotations

import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

CASES = [
    "e.max()", "e.min()", "e.max(0)", "e.min(0)", "e.amax()", "e.amax(0)", "e.amin()",
    "e.argmax()", "e.argmax(0)", "e.argmin()", "e.argmin(0)", "z.max()", "z.argmax(0)",
    "z.argmax(-1)", "e.aminmax()", "e.aminmax(dim=0)", "e.median(0)", "e.mode(0)",
    "e.kthvalue(1, 0)", "e.quantile(0.5)", "e.nanquantile(0.5)",
    "e.norm(float('inf'))", "e.norm(float('-inf'), 0)", "T.max(e)", "T.argmax(e)",
]  # fmt: skip

OK = ["e.max(1)", "e.argmax(1)", "e.amin(1)", "e.logsumexp(0)", "e.sum()", "e.prod(0)"]


def _raised(lib, code):
    e, z = lib.zeros(0, 3), lib.zeros(0)
    try:
        eval(code, {"T": lib, "e": e, "z": z})
    except Exception as err:  # noqa: BLE001 - the class is what is compared
        return err
    return None


@pytest.mark.parametrize("code", CASES)
def test_an_empty_reduction_raises_pytorchs_class(code):
    want = _raised(torch, code)
    got = _raised(dg, code)
    assert want is not None and got is not None
    assert isinstance(got, type(want)), (code, type(want), type(got), got)
    # the first words are PyTorch's, where PyTorch names the reduction and the dim
    if "Expected reduction dim" in str(want):
        assert "Expected reduction dim" in str(got)


@pytest.mark.parametrize("code", OK)
def test_a_reduction_over_a_non_empty_dim_of_an_empty_tensor_gives_an_empty_result(code):
    assert _raised(torch, code) is None and _raised(dg, code) is None
    e = dg.zeros(0, 3)
    r = eval(code, {"e": e})
    t = eval(code, {"e": torch.zeros(0, 3)})
    r = r[0] if isinstance(r, tuple) else r
    t = t[0] if isinstance(t, tuple) else t
    assert tuple(r.shape) == tuple(t.shape)
    assert r.numpy().tolist() == t.numpy().tolist()


def test_the_new_classes_are_still_value_errors():
    for code in ("e.max()", "e.max(0)", "e.argmax()"):
        assert isinstance(_raised(dg, code), ValueError)
