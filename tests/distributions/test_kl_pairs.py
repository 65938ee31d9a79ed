"""kl_divergence for every pair PyTorch registers between families deepgrad has (same family
and across families: Normal‖Laplace, Gamma‖Normal, Uniform‖Beta, LowRank‖MultivariateNormal,
TransformedDistribution‖TransformedDistribution, ...): values (inf where q misses part of p's
support) and the gradients to both sides' parameters as torch's; NotImplementedError where
PyTorch raises it."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import distributions as D

R = np.random.default_rng(5)
N = 4


def _u(lo, hi, *shape):
    return R.uniform(lo, hi, shape or (N,))


def _mvn(m, mu, a):
    return m.distributions.MultivariateNormal(
        mu, scale_tril=m.tril(a, -1) + m.diag_embed(a.diagonal(dim1=-2, dim2=-1).abs() + 0.5)
    )


# name -> (make(mod, *params), params); one batch of 4 (vectors of 3 for the multivariate)
FAMILIES = {
    "Normal": (lambda m, a, b: m.distributions.Normal(a, b), (R.standard_normal(N), _u(0.5, 2))),
    "Laplace": (lambda m, a, b: m.distributions.Laplace(a, b), (R.standard_normal(N), _u(0.5, 2))),
    "Gumbel": (lambda m, a, b: m.distributions.Gumbel(a, b), (R.standard_normal(N), _u(0.5, 2))),
    "Cauchy": (lambda m, a, b: m.distributions.Cauchy(a, b), (R.standard_normal(N), _u(0.5, 2))),
    "Exponential": (lambda m, r: m.distributions.Exponential(r), (_u(0.5, 2),)),
    "Gamma": (lambda m, a, b: m.distributions.Gamma(a, b), (_u(0.5, 3), _u(0.5, 2))),
    "Beta": (lambda m, a, b: m.distributions.Beta(a, b), (_u(0.5, 3), _u(0.5, 3))),
    "Uniform": (lambda m, a, b: m.distributions.Uniform(a, b),
                (np.array([0.1, 0.2, -0.3, 0.05]), np.array([0.7, 0.9, 0.8, 1.4]))),
    "Pareto": (lambda m, s, a: m.distributions.Pareto(s, a),
               (_u(0.5, 1.5), np.array([0.8, 1.5, 2.5, 4.0]))),
    "Poisson": (lambda m, r: m.distributions.Poisson(r), (_u(0.5, 3),)),
    "Bernoulli": (lambda m, p: m.distributions.Bernoulli(p), (_u(0.1, 0.9),)),
    "Binomial": (lambda m, p: m.distributions.Binomial(5, p), (_u(0.1, 0.9),)),
    "Geometric": (lambda m, p: m.distributions.Geometric(p), (_u(0.1, 0.9),)),
    "Dirichlet": (lambda m, a: m.distributions.Dirichlet(a), (_u(0.5, 3, N, 3),)),
    "MultivariateNormal": (_mvn, (R.standard_normal((N, 3)), R.standard_normal((N, 3, 3)))),
    "LowRankMultivariateNormal": (
        lambda m, mu, w, d: m.distributions.LowRankMultivariateNormal(mu, w, d),
        (R.standard_normal((N, 3)), R.standard_normal((N, 3, 2)), _u(0.5, 2, N, 3))),
    "Weibull": (lambda m, s, k: m.distributions.Weibull(s, k), (_u(0.5, 2), _u(0.5, 2))),
    "ContinuousBernoulli": (lambda m, p: m.distributions.ContinuousBernoulli(p),
                            (np.array([0.1, 0.4995, 0.5, 0.8]),)),
}  # fmt: skip


def _pairs():
    kl = pytest.importorskip("torch.distributions.kl")
    _KL_REGISTRY = kl._KL_REGISTRY  # noqa: N806

    names = {(p.__name__, q.__name__) for p, q in _KL_REGISTRY}
    out = sorted((p, q) for p, q in names if p in FAMILIES and q in FAMILIES)
    out += [("Weibull", "Weibull")]  # through TransformedDistribution‖TransformedDistribution
    return out


@pytest.mark.parametrize(("pname", "qname"), _pairs())
def test_kl_as_torch(torch, twins, pname, qname):
    pmake, pparams = FAMILIES[pname]
    qmake, qparams = FAMILIES[qname]
    k = len(pparams)
    if pname == qname == "Weibull":  # the same transforms: PyTorch compares them by value
        qparams = (pparams[0], pparams[1])

        def f(m, *p):
            return m.distributions.kl_divergence(pmake(m, p[0], p[1]), qmake(m, p[0], p[1]))
    else:

        def f(m, *p):
            return m.distributions.kl_divergence(pmake(m, *p[:k]), qmake(m, *p[k:]))

    try:
        f(torch, *map(torch.tensor, pparams + qparams))
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            f(dg, *map(dg.tensor, pparams + qparams))
        return
    out = twins(*(pparams + qparams)).check(f, rtol=1e-9, atol=1e-10)
    assert out.shape == (N,)


def test_every_torch_pair_between_deepgrad_families_is_registered(torch):
    from torch.distributions.kl import _KL_REGISTRY

    ours = {(p.__name__, q.__name__) for p, q in D.kl._KL_REGISTRY}
    have = set(D.__all__)
    missing = sorted(
        (p.__name__, q.__name__)
        for p, q in _KL_REGISTRY
        if p.__name__ in have and q.__name__ in have and (p.__name__, q.__name__) not in ours
    )
    assert missing == []


def test_kl_errors_as_torch(torch):
    for m in (dg, torch):
        kl = m.distributions.kl_divergence
        p5 = m.distributions.Binomial(5, m.tensor([0.5]))
        p7 = m.distributions.Binomial(7, m.tensor([0.5]))
        with pytest.raises(NotImplementedError):
            kl(p5, p7)
        assert kl(p7, p5).tolist() == [float("inf")]
        w1 = m.distributions.Weibull(m.tensor([1.0]), m.tensor([2.0]))
        w2 = m.distributions.Weibull(m.tensor([1.0]), m.tensor([3.0]))
        with pytest.raises(NotImplementedError):  # different transforms
            kl(w1, w2)
        assert kl(w1, w1).tolist() == [0.0]
        mvn = m.distributions.MultivariateNormal(m.zeros(2), m.eye(2))
        lr = m.distributions.LowRankMultivariateNormal(m.zeros(3), m.ones(3, 1), m.ones(3))
        with pytest.raises(ValueError):
            kl(mvn, lr)
        with pytest.raises(ValueError):
            kl(lr, mvn)
