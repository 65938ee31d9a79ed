"""ExponentialFamily as torch's: the families that are exponential families here are
PyTorch's; the generic entropy (from the log normalizer's gradient) equals each family's own
and PyTorch's generic value (with gradients); kl_divergence between two Wisharts (the Bregman
divergence) is PyTorch's; between different families it raises NotImplementedError."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import distributions as D

R = np.random.default_rng(9)
A = R.uniform(0.5, 3.0, 4)
B = R.uniform(0.5, 3.0, 4)


def _spd(p=3):
    a = R.standard_normal((2, p, p))
    return a @ np.swapaxes(a, -1, -2) + np.eye(p)


FAMILIES = {
    "Bernoulli": (lambda m, p: m.distributions.Bernoulli(p), (A / 3.5,)),
    "Beta": (lambda m, a, b: m.distributions.Beta(a, b), (A, B)),
    "Chi2": (lambda m, a: m.distributions.Chi2(a), (A,)),
    "ContinuousBernoulli": (lambda m, p: m.distributions.ContinuousBernoulli(p),
                            (np.array([0.1, 0.4995, 0.7, 0.95]),)),
    "Dirichlet": (lambda m, a: m.distributions.Dirichlet(a), (R.uniform(0.5, 3, (2, 3)),)),
    "Exponential": (lambda m, r: m.distributions.Exponential(r), (A,)),
    "Gamma": (lambda m, a, b: m.distributions.Gamma(a, b), (A, B)),
    "Normal": (lambda m, a, b: m.distributions.Normal(a, b), (A - 1, B)),
    "Wishart": (lambda m, df, c: m.distributions.Wishart(df, c), (np.array([4.5, 6.0]), _spd())),
}  # fmt: skip


def test_the_same_classes_are_exponential_families(torch):
    theirs = {n for n in dir(torch.distributions)
              if isinstance(getattr(torch.distributions, n), type)
              and issubclass(getattr(torch.distributions, n), torch.distributions.ExponentialFamily)}  # fmt: skip
    ours = {n for n in D.__all__
            if isinstance(getattr(D, n), type) and issubclass(getattr(D, n), D.ExponentialFamily)}  # fmt: skip
    assert ours == theirs


@pytest.mark.parametrize("name", list(FAMILIES))
def test_generic_entropy_as_torch(torch, twins, name):
    make, params = FAMILIES[name]
    try:
        torch.distributions.ExponentialFamily.entropy(make(torch, *map(torch.tensor, params)))
    except NotImplementedError:  # no _mean_carrier_measure (Beta, Dirichlet), as there
        with pytest.raises(NotImplementedError):
            D.ExponentialFamily.entropy(make(dg, *map(dg.tensor, params)))
        return
    tw = twins(*params)
    out = tw.check(lambda m, *p: m.distributions.ExponentialFamily.entropy(make(m, *p)), rtol=1e-8)
    own = make(dg, *map(dg.tensor, params)).entropy()
    np.testing.assert_allclose(out.detach().numpy(), own.detach().numpy(), rtol=1e-8)


def test_poisson_has_no_entropy_as_torch(torch):
    for m in (dg, torch):
        with pytest.raises(NotImplementedError):
            m.distributions.Poisson(m.tensor([1.0])).entropy()


def test_kl_between_wisharts_is_the_bregman_divergence(torch, twins):
    c1, c2 = _spd(), _spd()
    df1, df2 = np.array([4.5, 6.0]), np.array([5.0, 3.5])

    def f(m, a, b, x, y):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return m.distributions.kl_divergence(
                m.distributions.Wishart(a, x), m.distributions.Wishart(b, y)
            )

    twins(df1, df2, c1, c2).check(f, rtol=1e-8)


def test_cross_family_kl_raises_as_torch(torch):
    for m in (dg, torch):
        with pytest.raises(NotImplementedError):
            m.distributions.kl_divergence(
                m.distributions.Bernoulli(m.tensor([0.3])),
                m.distributions.Beta(m.tensor([1.0]), m.tensor([2.0])),
            )
