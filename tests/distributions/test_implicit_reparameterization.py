"""Reparameterized Gamma, Chi2, Beta, Dirichlet, StudentT, InverseGamma and FisherSnedecor
draws (PyTorch's implicit
gradient): the gradient kernels equal torch's ``_standard_gamma_grad``/``_dirichlet_grad``
over the parameter range and each approximation branch; rsample's gradient is that kernel at
the draw; averaged over many draws it is the gradient of the analytic mean (the estimator is
unbiased); the noise-free parameters (rate, loc, scale) gradchecked in float64 at a fixed
seed; draws keep their support and moments."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import distributions as D
from deepgrad.distributions.implicit_reparameterization import dirichlet_grad, standard_gamma_grad
from deepgrad.gradcheck import gradcheck

R = np.random.default_rng(11)


def test_standard_gamma_grad_is_torchs_kernel(torch):
    # every branch: x < 0.8 (series), alpha > 8 near and away from the mode (saddle point),
    # and the rational approximation between
    alpha = np.concatenate([R.uniform(0.01, 0.3, 500), R.uniform(0.3, 8, 2000),
                            R.uniform(8, 200, 2000)])  # fmt: skip
    x = np.maximum(R.gamma(alpha), 1e-300)
    ours = standard_gamma_grad(alpha, x)
    theirs = torch._standard_gamma_grad(torch.tensor(alpha), torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-11, atol=1e-300)


def test_dirichlet_grad_is_torchs_kernel(torch):
    alpha = np.concatenate([R.uniform(0.05, 3, 1500), R.uniform(6, 60, 1500)])
    total = alpha + np.concatenate([R.uniform(0.05, 30, 1500), R.uniform(6, 60, 1500)])
    x = np.clip(R.beta(alpha, total - alpha), 1e-300, 1 - 1e-16)
    ours = dirichlet_grad(x, alpha, total)
    theirs = torch._dirichlet_grad(
        torch.tensor(x), torch.tensor(alpha), torch.tensor(total)
    ).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-300)


def test_gamma_rsample_gradient_is_the_kernel_at_the_draw(torch):
    a = dg.tensor([0.4, 2.0, 15.0], dtype=dg.float64, requires_grad=True)
    r = dg.tensor([1.5, 0.5, 2.0], dtype=dg.float64, requires_grad=True)
    dg.manual_seed(0)
    s = D.Gamma(a, r).rsample((7,))
    s.sum().backward()
    x = s.detach().numpy() * r.detach().numpy()  # the standard gamma draws
    expected = (
        torch._standard_gamma_grad(
            torch.tensor(np.broadcast_to(a.detach().numpy(), x.shape).copy()), torch.tensor(x)
        ).numpy()
        / r.detach().numpy()
    )
    np.testing.assert_allclose(a.grad.numpy(), expected.sum(0), rtol=1e-10)
    np.testing.assert_allclose(r.grad.numpy(), (-s.detach().numpy() / r.detach().numpy()).sum(0))


MEANS = {
    "Gamma": (lambda a, b: D.Gamma(a, b), lambda t, a, b: t.distributions.Gamma(a, b),
              ([0.4, 2.0, 15.0], [1.5, 0.5, 2.0])),
    "Chi2": (lambda d: D.Chi2(d), lambda t, d: t.distributions.Chi2(d), ([0.7, 3.0, 20.0],)),
    "Beta": (lambda a, b: D.Beta(a, b), lambda t, a, b: t.distributions.Beta(a, b),
             ([0.3, 2.0, 9.0], [1.5, 0.6, 12.0])),
    "InverseGamma": (lambda a, b: D.InverseGamma(a, b),
                     lambda t, a, b: t.distributions.InverseGamma(a, b),
                     ([6.0, 9.0], [1.5, 4.0])),
    "FisherSnedecor": (lambda a, b: D.FisherSnedecor(a, b),
                       lambda t, a, b: t.distributions.FisherSnedecor(a, b),
                       ([4.0, 9.0], [14.0, 20.0])),
    "Dirichlet": (lambda c: D.Dirichlet(c), lambda t, c: t.distributions.Dirichlet(c),
                  ([[0.3, 2.0, 4.0], [7.0, 9.0, 0.8]],)),
}  # fmt: skip


@pytest.mark.parametrize("name", list(MEANS))
def test_rsample_gradient_is_unbiased(torch, name):
    """The mean over many draws of rsample's gradient is the gradient of the analytic mean
    (PyTorch's autograd of ``mean``), for a random weighting of the outputs."""
    ours_make, theirs_make, params = MEANS[name]
    ours_p = [dg.tensor(p, dtype=dg.float64, requires_grad=True) for p in params]
    theirs_p = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    d = ours_make(*ours_p)
    assert d.has_rsample
    w = np.random.default_rng(2).standard_normal(tuple(d.batch_shape + d.event_shape))
    dg.manual_seed(1)
    (d.rsample((200000,)).mean(0) * dg.tensor(w)).sum().backward()
    (theirs_make(torch, *theirs_p).mean * torch.tensor(w)).sum().backward()
    for p, q in zip(ours_p, theirs_p):
        expected = np.zeros(p.shape) if q.grad is None else q.grad.numpy()  # mean free of it
        np.testing.assert_allclose(p.grad.numpy(), expected, rtol=0.03, atol=0.005)


def test_studentt_rsample_gradient_is_unbiased(torch):
    df = dg.tensor([9.0, 14.0], dtype=dg.float64, requires_grad=True)
    loc = dg.tensor([0.5, -1.0], dtype=dg.float64, requires_grad=True)
    scale = dg.tensor([1.0, 2.0], dtype=dg.float64, requires_grad=True)
    dg.manual_seed(2)
    s = D.StudentT(df, loc, scale).rsample((400000,))
    ((s - loc.detach()) ** 2).mean(0).sum().backward()  # E[(X - loc)^2] = variance
    tdf, tscale = (torch.tensor(v.detach().numpy(), requires_grad=True) for v in (df, scale))
    torch.distributions.StudentT(tdf, 0.0, tscale).variance.sum().backward()
    np.testing.assert_allclose(df.grad.numpy(), tdf.grad.numpy(), rtol=0.1)
    np.testing.assert_allclose(scale.grad.numpy(), tscale.grad.numpy(), rtol=0.03)


def _seeded(make):
    def draw(*p):
        dg.manual_seed(4)  # the same gamma draws at every evaluation
        return make(*p).rsample((3,))

    return draw


def test_noise_free_parameters_gradcheck_float64():
    alpha = dg.tensor([0.5, 2.0, 6.0], dtype=dg.float64)
    rate = dg.tensor([1.5, 0.5, 2.0], dtype=dg.float64, requires_grad=True)
    assert gradcheck(_seeded(lambda r: D.Gamma(alpha, r)), rate)
    df = dg.tensor([3.0, 8.0], dtype=dg.float64)
    loc = dg.tensor([0.5, -1.0], dtype=dg.float64, requires_grad=True)
    scale = dg.tensor([1.0, 2.0], dtype=dg.float64, requires_grad=True)
    assert gradcheck(_seeded(lambda m, s: D.StudentT(df, m, s)), loc, scale)
    assert gradcheck(_seeded(lambda r: D.InverseGamma(alpha, r)), rate)


@pytest.mark.parametrize("name", list(MEANS))
def test_draws_support_shapes_and_moments(torch, name):
    ours_make, theirs_make, params = MEANS[name]
    d = ours_make(*[dg.tensor(p, dtype=dg.float64) for p in params])
    t = theirs_make(torch, *[torch.tensor(p, dtype=torch.float64) for p in params])
    dg.manual_seed(3)
    s = d.rsample((50000,))
    assert s.shape == tuple(t.rsample((50000,)).shape) and s.dtype == dg.float64
    assert not s.requires_grad or d.has_rsample
    assert bool(d.support.check(s).all())
    np.testing.assert_allclose(s.numpy().mean(0), t.mean.numpy(), rtol=0.03, atol=0.005)
    np.testing.assert_allclose(s.numpy().var(0), t.variance.numpy(), rtol=0.06, atol=0.005)
    assert d.sample((4,)).requires_grad is False


def test_float32_draws_stay_float32_and_positive():
    dg.manual_seed(0)
    s = D.Gamma(dg.tensor([1e-3, 1.0]), dg.tensor([1.0, 1.0])).rsample((1000,))
    assert s.dtype == dg.float32 and bool((s > 0).all())
    x = D.Dirichlet(dg.tensor([1e-3, 1e-3, 1e-3])).rsample((1000,))
    assert x.dtype == dg.float32 and bool((x > 0).all())
    np.testing.assert_allclose(x.numpy().sum(-1), 1.0, rtol=1e-5)
