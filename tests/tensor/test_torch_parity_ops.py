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
