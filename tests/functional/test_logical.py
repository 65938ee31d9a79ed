"""Logical and bitwise functions, the value predicates and the ``& | ^ ~`` operators against
PyTorch: result dtypes (bool, or the promoted integer dtype), broadcasting, 0-d and empty
shapes, and the refusals PyTorch makes (bitwise operations on floats)."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

CASES = [
    (np.array([0, 1, 2, -3]), np.array([1, 0, 2, 5])),
    (np.array([[True], [False]]), np.array([True, False, True])),
    (np.array(5), np.array([[3, 6], [1, 0]])),
    (np.zeros((0, 2), np.int32), np.array([7, 1], np.int64)),
    (np.array([1, 2], np.uint8), np.array([3, 255], np.int16)),
]


def _same(y, ty):
    assert y.dtype == np.dtype(str(ty.dtype).removeprefix("torch.")), (y.dtype, ty.dtype)
    np.testing.assert_array_equal(y.numpy(), ty.numpy())


@pytest.mark.parametrize("a, b", CASES)
@pytest.mark.parametrize("op", ["and", "or", "xor"])
def test_logical_and_bitwise_match_pytorch(torch, a, b, op):
    for kind in ("logical", "bitwise"):
        name = f"{kind}_{op}"
        _same(getattr(dg, name)(dg.tensor(a), dg.tensor(b)),
              getattr(torch, name)(torch.tensor(a), torch.tensor(b)))  # fmt: skip
        _same(getattr(dg.tensor(a), name)(dg.tensor(b)),
              getattr(torch.tensor(a), name)(torch.tensor(b)))  # fmt: skip
    sym = {"and": "__and__", "or": "__or__", "xor": "__xor__"}[op]
    _same(getattr(dg.tensor(a), sym)(dg.tensor(b)), getattr(torch.tensor(a), sym)(torch.tensor(b)))


def test_logical_any_dtype_and_not(torch):
    a, b = np.array([0.0, 0.5, np.nan, -0.0]), np.array([1, 0, 0, 3])
    _same(
        dg.logical_and(dg.tensor(a), dg.tensor(b)),
        torch.logical_and(torch.tensor(a), torch.tensor(b)),
    )
    for x in (a, b, np.array([True, False])):
        _same(dg.logical_not(dg.tensor(x)), torch.logical_not(torch.tensor(x)))
        if x.dtype != np.float64:
            _same(dg.bitwise_not(dg.tensor(x)), torch.bitwise_not(torch.tensor(x)))
            _same(~dg.tensor(x), ~torch.tensor(x))


def test_bitwise_with_python_scalars_and_refusals(torch):
    x = np.array([12, 10], np.int32)
    _same(dg.bitwise_and(dg.tensor(x), 6), torch.bitwise_and(torch.tensor(x), 6))
    _same(dg.tensor(x) | 1, torch.tensor(x) | 1)
    _same(3 & dg.tensor(x), 3 & torch.tensor(x))
    _same(dg.tensor([True, False]) ^ True, torch.tensor([True, False]) ^ True)
    for bad in (lambda: dg.bitwise_and(dg.tensor([1.0]), dg.tensor([1.0])),
                lambda: dg.tensor([1.0]) & dg.tensor([1.0]),
                lambda: dg.bitwise_not(dg.tensor([1.5])),
                lambda: dg.bitwise_or(dg.tensor([1]), 0.5)):  # fmt: skip
        with pytest.raises(TypeError, match="integer or bool"):
            bad()


@pytest.mark.parametrize(
    "a",
    [
        np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -2.0, 3.0]),
        np.array([3, -1, 0]),
        np.array([True, False]),
        np.array(-np.inf),
        np.zeros((0, 3)),
    ],  # fmt: skip
)
def test_predicates_match_pytorch(torch, a):
    for name in ("isnan", "isinf", "isfinite", "isposinf", "isneginf", "isreal", "signbit"):
        _same(getattr(dg, name)(dg.tensor(a)), getattr(torch, name)(torch.tensor(a)))
        _same(getattr(dg.tensor(a), name)(), getattr(torch.tensor(a), name)())


@pytest.mark.parametrize(
    "name",
    ["bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift"],
)
def test_bitwise_on_floats_is_torchs_not_implemented_error(name):
    torch = pytest.importorskip("torch")
    x = np.array([1.5, 2.5], np.float32)
    with pytest.raises(NotImplementedError) as want:
        getattr(torch, name)(torch.tensor(x), torch.tensor(x))
    with pytest.raises(NotImplementedError) as got:
        getattr(dg, name)(dg.tensor(x), dg.tensor(x))
    assert isinstance(got.value, TypeError)  # the class deepgrad raised before
    assert str(want.value) in str(got.value)  # '"bitwise_and_cpu" not implemented for 'Float''
