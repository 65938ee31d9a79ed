"""Padding layers (``ZeroPad``, ``ConstantPad``, ``ReflectionPad``, ``ReplicationPad``,
``CircularPad``, 1-3d): PyTorch's values, gradients, reprs and refusals."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn

KINDS = ["ZeroPad", "ConstantPad", "ReflectionPad", "ReplicationPad", "CircularPad"]


def _make(lib, kind, nd, padding):
    cls = getattr(lib.nn, f"{kind}{nd}d")
    return cls(padding, 2.5) if kind == "ConstantPad" else cls(padding)


CASES = [
    (kind, nd, padding, batched)
    for kind in KINDS
    for nd in (1, 2, 3)
    for padding in (1, tuple(range(2 * nd)), tuple((-1) ** i * (i % 3) for i in range(2 * nd)))
    for batched in (True, False)
]


@pytest.mark.parametrize("kind, nd, padding, batched", CASES, ids=[str(c) for c in CASES])
def test_matches_torch(kind, nd, padding, batched, torch):
    shape = (2, 3) + (6,) * nd if batched else (3,) + (6,) * nd
    a = np.random.default_rng(0).normal(size=shape)
    x, tx = dg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = _make(dg, kind, nd, padding)(x), _make(torch, kind, nd, padding)(tx)
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    v = np.random.default_rng(1).normal(size=y.shape)
    (y * dg.tensor(v)).sum().backward()
    (ty * torch.tensor(v)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    assert repr(_make(dg, kind, nd, padding)) == repr(_make(torch, kind, nd, padding))


def test_constant_pads_any_leading_axes_and_keeps_ints(torch):
    a = np.arange(8).reshape(2, 2, 2)
    ours = nn.ConstantPad1d(2, 3)(dg.tensor(a)).numpy()
    theirs = torch.nn.ConstantPad1d(2, 3)(torch.tensor(a)).numpy()
    np.testing.assert_array_equal(ours, theirs)
    assert ours.dtype == theirs.dtype
    assert nn.ZeroPad2d(1)(dg.zeros(3, 3)).shape == (5, 5)


def test_gradcheck():
    x = dg.tensor(np.random.default_rng(0).normal(size=(1, 2, 4, 4)), requires_grad=True)
    for layer in (nn.ReflectionPad2d((1, 2, 0, 3)), nn.CircularPad2d((2, -1, 1, 0)),
                  nn.ReplicationPad2d(2), nn.ConstantPad2d((1, -2, 0, 1), 0.5)):  # fmt: skip
        dg.gradcheck(layer, x)


@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda lib: lib.nn.ReflectionPad1d(1), (2, 2, 2, 3)),
        (lambda lib: lib.nn.ReflectionPad2d(1), (3,)),
        (lambda lib: lib.nn.CircularPad1d(1), (2, 2, 2, 3)),
        (lambda lib: lib.nn.ReflectionPad1d(3), (1, 2, 3)),
        (lambda lib: lib.nn.CircularPad1d(4), (1, 2, 3)),
        (lambda lib: lib.nn.ReplicationPad1d(1), (2, 0, 3)),
        (lambda lib: lib.nn.ZeroPad2d(1), (3,)),
        (lambda lib: lib.nn.ZeroPad1d(-2), (2, 3)),
    ],
)
def test_refused_as_torch_refuses(make, shape, torch):
    with pytest.raises((RuntimeError, ValueError)) as theirs:
        make(torch)(torch.zeros(shape))
    with pytest.raises(type(theirs.value), match=r"Pad\dd|Padding length"):
        make(dg)(dg.zeros(*shape))


def test_bad_padding_argument(torch):
    # PyTorch's TypeError (at the call there; at construction here)
    for bad in ((1.5, 1), "ab", True, None):
        with pytest.raises(TypeError):
            torch.nn.ZeroPad2d(bad)(torch.zeros(3, 3))
        with pytest.raises(TypeError, match=r"ZeroPad2d: padding must be an int or a tuple"):
            nn.ZeroPad2d(bad)
