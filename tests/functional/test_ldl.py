"""``linalg.ldl_factor(_ex)`` / ``ldl_solve`` against PyTorch (LAPACK's Bunch-Kaufman
``sytf2``/``sytrs``): the packed ``LD``, int32 pivots (2x2 blocks negative), info, solves,
batched and 0-size shapes, complex symmetric; PyTorch has no derivative and neither does
deepgrad (backward raises)."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

R = np.random.default_rng(4)


def _cases():
    out = []
    for trial in range(60):
        n = 1 + trial % 6
        a = R.standard_normal((2, n, n))
        if trial % 3 == 0:
            a[..., trial % n, :] = 0  # singular blocks: info > 0
        if trial % 5 == 0:
            a = np.round(a)  # ties in the pivot search
        a = a + np.swapaxes(a, -1, -2)
        if trial % 4 == 0:
            a[..., np.arange(n), np.arange(n)] = 0  # forces 2x2 pivots
        out.append(a)
    return out


@pytest.mark.parametrize("a", _cases())
def test_ldl_factor_ex_and_solve_match_torch(a):
    torch = pytest.importorskip("torch")
    want = torch.linalg.ldl_factor_ex(torch.tensor(a))
    got = dg.linalg.ldl_factor_ex(dg.tensor(a))
    np.testing.assert_allclose(got.LD.numpy(), want.LD.numpy(), rtol=1e-10, atol=1e-12)
    assert got.pivots.dtype == np.int32 and got.info.dtype == np.int32
    assert got.pivots.tolist() == want.pivots.tolist()
    assert got.info.tolist() == want.info.tolist()
    if (want.info == 0).all():
        b = R.standard_normal(a.shape[:-1] + (2,))
        x = dg.linalg.ldl_solve(got.LD, got.pivots, dg.tensor(b))
        tx = torch.linalg.ldl_solve(want.LD, want.pivots, torch.tensor(b))
        np.testing.assert_allclose(x.numpy(), tx.numpy(), rtol=1e-8, atol=1e-10)


def test_complex_symmetric_zero_size_and_errors():
    torch = pytest.importorskip("torch")
    a = R.standard_normal((4, 4)) + 1j * R.standard_normal((4, 4))
    a = a + a.T
    want, got = torch.linalg.ldl_factor(torch.tensor(a)), dg.linalg.ldl_factor(dg.tensor(a))
    np.testing.assert_allclose(got.LD.numpy(), want.LD.numpy(), atol=1e-12)
    assert got.pivots.tolist() == want.pivots.tolist()
    z = dg.linalg.ldl_factor_ex(dg.zeros(0, 3, 3, dtype=dg.float64))
    assert (z.LD.shape, z.pivots.shape, z.info.shape) == ((0, 3, 3), (0, 3), (0,))
    with pytest.raises(RuntimeError, match="Batch element 1"):
        dg.linalg.ldl_factor(dg.tensor(np.stack([np.eye(2), np.zeros((2, 2))])))
    with pytest.raises(NotImplementedError, match="hermitian=False"):
        dg.linalg.ldl_factor(dg.tensor(a), hermitian=True)
    with pytest.raises(RuntimeError, match="floating point"):
        dg.linalg.ldl_factor(dg.tensor([[1, 2], [2, 1]]))


def test_no_derivative_like_torch():
    x = dg.tensor(np.eye(3) * 2.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="derivative for linalg.ldl_factor is not implemented"):
        dg.linalg.ldl_factor(x).LD.sum().backward()
    ld, piv = dg.linalg.ldl_factor(x.detach())
    b = dg.ones(3, 1, dtype=dg.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="derivative for linalg.ldl_solve"):
        dg.linalg.ldl_solve(ld, piv, b).sum().backward()
    np.testing.assert_allclose(dg.linalg.ldl_solve(ld, piv, b).detach().numpy(), 0.5)
