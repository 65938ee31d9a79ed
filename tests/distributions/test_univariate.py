"""Laplace, Exponential, LogNormal, Gamma, Beta, Poisson, StudentT, Cauchy, HalfNormal, Gumbel
against torch.distributions: the same
log-densities (and their gradients), entropies, moments, cdf/icdf; draws on the support with
the right moments; reparameterized draws carry gradients; parameter validation."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import distributions as D

X = np.array([0.3, 1.2, 2.0, 0.05])
A = np.array([0.5, 1.5, 2.0, 3.0])
B = np.array([1.0, 0.5, 2.5, 4.0])

CASES = {
    "Laplace": ((A - 1, B), X - 0.5),
    "Exponential": ((B,), X),
    "LogNormal": ((A - 1, B), X),
    "Gamma": ((A, B), X),
    "Beta": ((A, B), X / 2.5),
    "Poisson": ((B,), np.array([0.0, 1.0, 3.0, 2.0])),
    "StudentT": ((A + 2, A - 1, B), X - 0.5),
    "Cauchy": ((A - 1, B), X - 0.5),
    "HalfNormal": ((B,), X),
    "Gumbel": ((A - 1, B), X - 0.5),
}
MOMENTS = {
    "Laplace": ("mean", "mode", "variance", "stddev"),
    "Exponential": ("mean", "mode", "variance", "stddev"),
    "LogNormal": ("mean", "mode", "variance"),
    "Gamma": ("mean", "mode", "variance"),
    "Beta": ("mean", "mode", "variance"),
    "Poisson": ("mean", "mode", "variance"),
    "StudentT": ("mean", "mode", "variance"),
    "Cauchy": ("mean", "mode", "variance"),
    "HalfNormal": ("mean", "mode", "variance"),
    "Gumbel": ("mean", "mode", "variance", "stddev"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_densities_and_moments_as_torch(torch, name):
    params, x = CASES[name]
    ours_p = [dg.tensor(p, requires_grad=True) for p in params]
    theirs_p = [torch.tensor(p, requires_grad=True) for p in params]
    ours, theirs = getattr(D, name)(*ours_p), getattr(torch.distributions, name)(*theirs_p)
    lp, tlp = ours.log_prob(dg.tensor(x)), theirs.log_prob(torch.tensor(x))
    np.testing.assert_allclose(lp.detach().numpy(), tlp.detach().numpy(), rtol=1e-12)
    lp.sum().backward()
    tlp.sum().backward()
    for p, q in zip(ours_p, theirs_p):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-10)
    for m in MOMENTS[name]:
        np.testing.assert_allclose(
            getattr(ours, m).detach().numpy(), getattr(theirs, m).detach().numpy(), rtol=1e-12
        )
    if name != "Poisson":
        np.testing.assert_allclose(
            ours.entropy().detach().numpy(), theirs.entropy().detach().numpy(), rtol=1e-12
        )
    if name in ("Laplace", "Exponential", "LogNormal", "Cauchy", "HalfNormal"):
        u = np.array([0.1, 0.4, 0.6, 0.95])
        np.testing.assert_allclose(
            ours.cdf(dg.tensor(x)).detach().numpy(),
            theirs.cdf(torch.tensor(x)).detach().numpy(),
            rtol=1e-12,
        )
        np.testing.assert_allclose(
            ours.icdf(dg.tensor(u)).detach().numpy(),
            theirs.icdf(torch.tensor(u)).detach().numpy(),
            rtol=1e-12,
        )
    assert ours.batch_shape == tuple(theirs.batch_shape)
    assert ours.expand((3, 4)).batch_shape == (3, 4)


@pytest.mark.parametrize("name", list(CASES))
def test_draws(name):
    params, _ = CASES[name]
    d = getattr(D, name)(*[dg.tensor(p) for p in params])
    s = d.sample((20000,))
    assert s.shape == (20000, 4) and s.dtype == dg.float64
    assert bool(d.support.check(s).all())
    if name == "LogNormal":  # heavy tails: the logs' mean is loc
        np.testing.assert_allclose(np.log(s.numpy()).mean(0), d.loc.numpy(), atol=0.1)
    elif name == "Cauchy":  # no mean: the median is loc
        np.testing.assert_allclose(np.median(s.numpy(), 0), d.loc.numpy(), atol=0.1)
    else:
        np.testing.assert_allclose(s.numpy().mean(0), d.mean.numpy(), rtol=0.1, atol=0.05)
    if d.has_rsample:
        p = [dg.tensor(v, requires_grad=True) for v in params]
        getattr(D, name)(*p).rsample((5,)).sum().backward()
        assert all(q.grad is not None for q in p)
    elif name != "Poisson":
        with pytest.raises(NotImplementedError):
            d.rsample()


def test_validation_as_torch(torch):
    for lib in (dg, torch):
        with pytest.raises(ValueError):
            lib.distributions.Gamma(lib.tensor([-1.0]), lib.tensor([1.0]))
        with pytest.raises(ValueError):
            lib.distributions.Beta(lib.tensor([0.5]), lib.tensor([1.0])).log_prob(lib.tensor([1.5]))
        with pytest.raises(ValueError):
            lib.distributions.Poisson(lib.tensor([1.0])).log_prob(lib.tensor([0.5]))


KL_CASES = {
    "Beta": ((A, B), (B, A + 1)),
    "Exponential": ((B,), (A,)),
    "Gamma": ((A, B), (B, A)),
    "Gumbel": ((A - 1, B), (B, A)),
    "Laplace": ((A - 1, B), (B - 2, A)),
    "Poisson": ((B,), (A,)),
    "LogNormal": ((A - 1, B), (B, A)),
    "HalfNormal": ((B,), (A,)),
}


@pytest.mark.parametrize("name", list(KL_CASES))
def test_kl_divergence_as_torch(torch, name):
    """``kl_divergence`` between two of one family: PyTorch's closed forms (and gradients)."""
    pp, qp = KL_CASES[name]
    ours_p = [dg.tensor(v, requires_grad=True) for v in pp]
    theirs_p = [torch.tensor(v, requires_grad=True) for v in pp]
    ours = D.kl_divergence(getattr(D, name)(*ours_p), getattr(D, name)(*map(dg.tensor, qp)))
    theirs = torch.distributions.kl_divergence(
        getattr(torch.distributions, name)(*theirs_p),
        getattr(torch.distributions, name)(*map(torch.tensor, qp)),
    )
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-11)
    ours.sum().backward()
    theirs.sum().backward()
    for p, q in zip(ours_p, theirs_p):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-10)


def test_gamma_cdf_and_gumbel_icdf_as_torch(torch, twins):
    """Gamma.cdf (the regularized incomplete gamma; gradient to the rate only, as PyTorch's
    igamma) and Gumbel.icdf (through PyTorch's uniform base on [tiny, 1 - eps])."""
    x = np.array([0.3, 1.2, 2.0, 4.0])
    for lib in (dg, torch):
        with pytest.raises(RuntimeError):  # igamma has no gradient to its first argument
            c = lib.tensor(A, requires_grad=True)
            lib.distributions.Gamma(c, lib.tensor(B)).cdf(lib.tensor(x)).sum().backward()
    twins(B).check(lambda m, r: m.distributions.Gamma(m.tensor(A), r).cdf(m.tensor(x)))
    twins(B, grad=False).check(lambda m, df: m.distributions.Chi2(df).cdf(m.tensor(x)))
    u = np.array([0.0, 0.1, 0.5, 0.999])
    twins(A - 1, B).check(lambda m, lo, s: m.distributions.Gumbel(lo, s).icdf(m.tensor(u)))


def test_mixture_support_is_every_components(torch):
    for m in (dg, torch):
        d = m.distributions.MixtureSameFamily(
            m.distributions.Categorical(m.tensor([0.5, 0.5])),
            m.distributions.Uniform(m.tensor([0.0, 1.0]), m.tensor([2.0, 3.0])),
        )
        assert type(d.support).__name__ == "MixtureSameFamilyConstraint"
        assert d.support.check(m.tensor([0.5, 1.5, -1.0])).tolist() == [False, True, False]
        with pytest.raises(ValueError):
            d.log_prob(m.tensor(0.5))
