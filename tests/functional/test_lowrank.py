"""svd_lowrank / pca_lowrank: the exact top-q singular triplets that PyTorch's randomized
routines approximate; shapes, defaults, errors and gradients as PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

A = np.random.default_rng(0).standard_normal((20, 8))


def test_svd_lowrank_is_the_truncated_svd():
    U, S, V = dg.svd_lowrank(dg.tensor(A), q=3)
    tU, tS, tVh = torch.linalg.svd(torch.tensor(A), full_matrices=False)
    np.testing.assert_allclose(S.numpy(), tS[:3].numpy(), rtol=1e-12)
    np.testing.assert_allclose(np.abs(np.sum(V.numpy() * tVh[:3].T.numpy(), 0)), 1, atol=1e-10)
    assert U.shape == (20, 3) and V.shape == (8, 3)
    np.testing.assert_allclose((U * S) @ V.T, A @ (V @ V.T), atol=1e-10)  # the rank-3 part
    torch.manual_seed(0)  # its random projection: seeded, or the 0.5 % below holds by chance
    _, rS, _ = torch.svd_lowrank(torch.tensor(A), q=3, niter=10)  # PyTorch's approximation
    np.testing.assert_allclose(S.numpy(), rS.numpy(), rtol=5e-3)


def test_pca_lowrank_as_torch():
    U, S, V = dg.pca_lowrank(dg.tensor(A))
    torch.manual_seed(0)  # its random projection, seeded (see above)
    tU, tS, tV = torch.pca_lowrank(torch.tensor(A), niter=10)
    assert (U.shape, S.shape, V.shape) == (tuple(tU.shape), tuple(tS.shape), tuple(tV.shape))
    np.testing.assert_allclose(S.numpy(), tS.numpy(), rtol=5e-3)
    c = A - A.mean(0)
    exact = np.linalg.svd(c, compute_uv=False)[:6]
    np.testing.assert_allclose(S.numpy(), exact, rtol=1e-12)
    _, S2, _ = dg.pca_lowrank(dg.tensor(A), q=2, center=False)
    np.testing.assert_allclose(S2.numpy(), np.linalg.svd(A, compute_uv=False)[:2], rtol=1e-12)


def test_errors_as_torch():
    for m in (dg, torch):
        with pytest.raises(ValueError, match="must be non-negative integer"):
            m.pca_lowrank(m.tensor(A), q=9)
        with pytest.raises(ValueError):
            m.pca_lowrank(m.tensor(A), q=-1)


def test_gradient_flows():
    a = dg.tensor(A[:6, :4], requires_grad=True)
    _, S, _ = dg.svd_lowrank(a, q=2)
    S.sum().backward()
    assert a.grad is not None and a.grad.shape == (6, 4)
