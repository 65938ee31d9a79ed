"""Operations PyTorch programs use that deepgrad lacked or answered differently, against
PyTorch 2.13: ``where(cond)`` alone, ``bincount``, ``unique_consecutive``, indexed writes
(``index_put``, ``index_copy``, ``masked_scatter``, ``put_``), ``view(dtype)``, ``norm('fro')``,
shifts, Python ints out of an integer dtype's range, and gradients at NaN inputs."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")


def _same(call, rtol=1e-6):
    """``call(torch)`` and ``call(dg)`` give the same shapes, dtypes and values (tuples
    element by element)."""
    t, d = call(torch), call(dg)
    ts, ds = (t, d) if isinstance(t, tuple) else ((t,), (d,))
    assert len(ds) == len(ts)
    for u, v in zip(ds, ts, strict=True):
        assert u.shape == tuple(v.shape)
        assert str(u.dtype) == str(v.dtype).removeprefix("torch.")
        np.testing.assert_allclose(u.numpy(), v.detach().numpy(), rtol=rtol, equal_nan=True)


def _grads(f, *arrays):
    """The gradients of ``f(*leaves).sum()`` in torch and in deepgrad, as NumPy pairs."""
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    ds = [dg.tensor(a, requires_grad=True) for a in arrays]
    f(torch, *ts).sum().backward()
    f(dg, *ds).sum().backward()
    return [(d.grad.numpy(), t.grad.numpy()) for d, t in zip(ds, ts, strict=True)]


# ---- where(cond) alone --------------------------------------------------------------------
@pytest.mark.parametrize(
    "cond", [[[0, 1], [2, 0]], [True, False, True], 1, 0.0, [[0.5, 0.0, -1.0]], np.zeros((2, 0))]
)
def test_where_with_one_argument_is_nonzero_as_tuple(cond):
    _same(lambda L: L.where(L.tensor(cond)))


def test_where_with_two_arguments_raises():
    with pytest.raises(TypeError):
        torch.where(torch.tensor([True]), torch.tensor([1.0]))
    with pytest.raises(TypeError, match="both"):
        dg.where(dg.tensor([True]), dg.tensor([1.0]))


# ---- bincount and unique_consecutive ------------------------------------------------------
X = [1, 1, 3, 0, 3]
W = [0.5, 0.25, 1.0, 2.0, 3.0]
BINCOUNT = {
    "plain": lambda L: L.bincount(L.tensor(X)),
    "minlength": lambda L: L.bincount(L.tensor(X), minlength=7),
    "method": lambda L: L.tensor(X).bincount(None, 2),
    "f32_weights": lambda L: L.bincount(L.tensor(X), weights=L.tensor(W)),
    "f64_weights": lambda L: L.bincount(L.tensor(X), L.tensor(W, dtype=L.float64)),
    "f16_weights": lambda L: L.bincount(L.tensor(X), L.tensor(W, dtype=L.float16)),
    "int_weights": lambda L: L.bincount(L.tensor(X), L.tensor([1, 2, 3, 4, 5], dtype=L.int8)),
    "bool_weights": lambda L: L.bincount(L.tensor(X), L.tensor([True, False, True, True, True])),
    "uint8_input": lambda L: L.bincount(L.tensor([1, 2, 2], dtype=L.uint8)),
    "int8_input": lambda L: L.bincount(L.tensor([1, 2, 2], dtype=L.int8), minlength=5),
    "empty": lambda L: L.bincount(L.tensor([], dtype=L.int64)),
    "empty_minlength": lambda L: L.bincount(L.tensor([], dtype=L.int64), minlength=3),
}


@pytest.mark.parametrize("name", sorted(BINCOUNT))
def test_bincount_matches_torch(name):
    _same(BINCOUNT[name])


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.bincount(L.tensor([-1, 2])),
        lambda L: L.bincount(L.tensor([1.0, 2.0])),
        lambda L: L.bincount(L.tensor([[1, 2]])),
        lambda L: L.bincount(L.tensor([True, False])),
        lambda L: L.bincount(L.tensor(X), minlength=-1),
        lambda L: L.bincount(L.tensor(X), L.tensor([1.0, 2.0])),
    ],
)
def test_bincount_refuses_what_torch_refuses(call):
    with pytest.raises((RuntimeError, NotImplementedError)):
        call(torch)
    with pytest.raises((ValueError, TypeError), match="bincount"):
        call(dg)


def test_the_weights_of_bincount_get_a_gradient():
    # (PyTorch's backward raises "not implemented"; deepgrad's is dw_i = dy[x_i])
    w = dg.tensor(np.linspace(0.5, 2.0, 5), requires_grad=True)
    index = dg.tensor(X)
    assert dg.gradcheck(lambda v: dg.bincount(index, v, minlength=6), w)
    w32 = dg.tensor(W, dtype=dg.float16, requires_grad=True)
    (dg.bincount(index, w32) * dg.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    assert w32.grad.dtype == np.float16 and w32.grad.tolist() == [2.0, 2.0, 4.0, 1.0, 4.0]


Y = [1, 1, 2, 2, 3, 1, 1, 2]
Z = [[1, 1], [1, 1], [2, 3], [1, 1]]
NAN = float("nan")
UNIQUE_CONSECUTIVE = {
    "plain": lambda L: L.unique_consecutive(L.tensor(Y)),
    "all": lambda L: L.unique_consecutive(L.tensor(Y), return_inverse=True, return_counts=True),
    "counts": lambda L: L.unique_consecutive(L.tensor(Y), return_counts=True),
    "method": lambda L: L.tensor(Y).unique_consecutive(True, True, None),
    "2d_flat": lambda L: L.unique_consecutive(L.tensor(Z), True, True),
    "dim0": lambda L: L.unique_consecutive(L.tensor(Z), True, True, dim=0),
    "dim1": lambda L: L.unique_consecutive(L.tensor(Z), True, True, dim=1),
    "dim_neg": lambda L: L.tensor(Z).unique_consecutive(return_counts=True, dim=-2),
    "nan": lambda L: L.unique_consecutive(L.tensor([NAN, NAN, 1.0, 1.0]), True, True),
    "empty": lambda L: L.unique_consecutive(L.tensor([], dtype=L.int64), True, True),
    "0d": lambda L: L.unique_consecutive(L.tensor(5), True, True),
    "empty_dim0": lambda L: L.unique_consecutive(L.zeros(0, 3), True, True, dim=0),
    "empty_dim1": lambda L: L.unique_consecutive(L.zeros(2, 0), True, True, dim=1),
    "floats": lambda L: L.unique_consecutive(L.tensor([0.5, 0.5, -1.0, 0.5])),
}


@pytest.mark.parametrize("name", sorted(UNIQUE_CONSECUTIVE))
def test_unique_consecutive_matches_torch(name):
    _same(UNIQUE_CONSECUTIVE[name])


def test_unique_consecutive_refuses_what_torch_refuses():
    for L in (torch, dg):
        with pytest.raises((RuntimeError, ValueError)):
            L.unique_consecutive(L.zeros(2, 0), dim=0)
        with pytest.raises(IndexError):
            L.unique_consecutive(L.zeros(2, 3), dim=2)
