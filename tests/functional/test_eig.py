"""``linalg.eig`` / ``linalg.eigvals`` against PyTorch: complex results (complex64 from
float32, complex128 from float64), the same normalised eigenvectors, gradients of phase-invariant
losses (real and complex input), float64 gradient checks, the refusal of a phase-dependent loss."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

R = np.random.default_rng(0)


@pytest.mark.parametrize(
    "a",
    [
        R.standard_normal((2, 4, 4)),
        R.standard_normal((3, 3)) + 1j * R.standard_normal((3, 3)),
        R.standard_normal((3, 3)).astype(np.float32),
        np.array([[0.0, 1.0], [-1.0, 0.0]]),
    ],
    ids=["batch", "complex", "float32", "rotation"],
)
def test_eig_matches_pytorch(torch, a):
    x, t = dg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    (w, v), (tw, tv) = dg.linalg.eig(x), torch.linalg.eig(t)
    tol = 1e-5 if a.dtype == np.float32 else 1e-12
    for u, tu in ((w, tw), (v, tv), (dg.linalg.eigvals(x), torch.linalg.eigvals(t))):
        assert u.shape == tuple(tu.shape) and str(u.dtype) == str(tu.dtype).removeprefix("torch.")
        np.testing.assert_allclose(u.detach().numpy(), tu.detach().numpy(), atol=tol)
    gw, gv = R.standard_normal(w.shape), R.standard_normal(v.shape)
    loss = (dg.real(w) + dg.imag(w) * 2) * dg.tensor(gw)
    dg.real(loss).sum().add(dg.real(v * dg.conj(v)).mul(dg.tensor(gv)).sum()).backward()
    tloss = (tw.real + tw.imag * 2) * torch.tensor(gw)
    (tloss.sum() + ((tv * tv.conj()).real * torch.tensor(gv)).sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), atol=10 * tol)


def test_eig_gradcheck_and_phase_dependent_loss_refused():
    a = R.standard_normal((2, 3, 3))
    assert dg.gradcheck(
        lambda x: dg.real(dg.linalg.eigvals(x) ** 2), dg.tensor(a, requires_grad=True)
    )
    vec = lambda x: dg.real(dg.linalg.eig(x).eigenvectors * dg.conj(dg.linalg.eig(x).eigenvectors))  # noqa: E731
    assert dg.gradcheck(vec, dg.tensor(a, requires_grad=True))
    z = dg.tensor(a[0] + 1j * R.standard_normal((3, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match="e\\^\\{i phi\\}"):
        dg.real(dg.linalg.eig(z).eigenvectors).sum().backward()
    with pytest.raises(RuntimeError, match="square"):
        dg.linalg.eig(dg.ones(2, 3))
