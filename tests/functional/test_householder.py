"""``linalg.householder_product`` / ``orgqr`` against PyTorch: values (real, complex,
batched, 0-size, k = 0), errors, float64 gradients of A and tau (gradcheck and PyTorch's)."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

R = np.random.default_rng(3)


@pytest.mark.parametrize(
    "ashape,tshape",
    [((4, 3), (2,)), ((2, 5, 3), (2, 3)), ((0, 4, 3), (0, 2)), ((4, 3), (0,)), ((3, 3), (3,))],
)
def test_householder_product_matches_torch(ashape, tshape):
    torch = pytest.importorskip("torch")
    a, t = R.standard_normal(ashape), R.standard_normal(tshape)
    want = torch.linalg.householder_product(torch.tensor(a), torch.tensor(t))
    got = dg.linalg.householder_product(dg.tensor(a), dg.tensor(t))
    assert got.shape == tuple(want.shape)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(
        dg.orgqr(dg.tensor(a), dg.tensor(t)).numpy(), want.numpy(), atol=1e-14
    )


def test_complex_and_geqrf_roundtrip():
    torch = pytest.importorskip("torch")
    a = R.standard_normal((4, 3)) + 1j * R.standard_normal((4, 3))
    t = R.standard_normal(3) + 1j * R.standard_normal(3)
    want = torch.linalg.householder_product(torch.tensor(a), torch.tensor(t))
    got = dg.linalg.householder_product(dg.tensor(a), dg.tensor(t))
    np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-13)
    qr_, tau = torch.geqrf(torch.tensor(a))  # Q of A's QR from LAPACK's reflectors
    q = dg.linalg.householder_product(dg.tensor(qr_.numpy()), dg.tensor(tau.numpy()))
    np.testing.assert_allclose(q.numpy(), torch.linalg.qr(torch.tensor(a)).Q.numpy(), atol=1e-12)


def test_gradients_match_torch():
    torch = pytest.importorskip("torch")
    a, t, w = R.standard_normal((2, 4, 3)), R.standard_normal((2, 2)), R.standard_normal((2, 4, 3))
    x, y = dg.tensor(a, requires_grad=True), dg.tensor(t, requires_grad=True)
    assert dg.gradcheck(dg.linalg.householder_product, (x, y))
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(t, requires_grad=True)
    (torch.linalg.householder_product(tx, ty) * torch.tensor(w)).sum().backward()
    (dg.linalg.householder_product(x, y) * dg.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(y.grad.numpy(), ty.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "ashape,tshape,match",
    [((3, 4), (2,), "shape\\[-2\\]"), ((4, 3), (4,), "tau.shape"), ((2, 4, 3), (3, 2), "batch")],
)
def test_errors_like_torch(ashape, tshape, match):
    torch = pytest.importorskip("torch")
    a, t = R.standard_normal(ashape), R.standard_normal(tshape)
    with pytest.raises(RuntimeError):
        torch.linalg.householder_product(torch.tensor(a), torch.tensor(t))
    with pytest.raises(RuntimeError, match=match):
        dg.linalg.householder_product(dg.tensor(a), dg.tensor(t))
    with pytest.raises(RuntimeError, match="does not match"):
        dg.linalg.householder_product(
            dg.tensor(R.standard_normal((4, 3))), dg.tensor(np.ones(2, np.float32))
        )
