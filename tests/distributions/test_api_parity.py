"""Every distribution of torch.distributions against deepgrad's: the same methods and
properties work (with the same result shapes) or raise the same exception class (mean, mode,
variance, stddev, entropy, perplexity, log_prob, cdf, icdf, sample, rsample,
enumerate_support, has_rsample, has_enumerate_support, the support's constraint class, batch
and event shapes), and deepgrad.distributions names every distribution torch's does."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg

V = np.array([0.3, 0.6])
P = np.array([0.3, 0.6])

CASES = {
    "Bernoulli": (lambda m: m.distributions.Bernoulli(m.tensor(P)), V * 0 + 1),
    "Beta": (lambda m: m.distributions.Beta(m.tensor(P + 1), m.tensor(P + 2)), V),
    "Binomial": (lambda m: m.distributions.Binomial(3, m.tensor(P)), V * 0 + 1),
    "Categorical": (lambda m: m.distributions.Categorical(m.tensor(P)), np.array(1)),
    "Cauchy": (lambda m: m.distributions.Cauchy(m.tensor(P), m.tensor(P)), V),
    "Chi2": (lambda m: m.distributions.Chi2(m.tensor(P + 1)), V),
    "ContinuousBernoulli": (lambda m: m.distributions.ContinuousBernoulli(m.tensor(P)), V),
    "Dirichlet": (lambda m: m.distributions.Dirichlet(m.tensor(P + 1)), np.array([0.4, 0.6])),
    "Exponential": (lambda m: m.distributions.Exponential(m.tensor(P)), V),
    "FisherSnedecor": (
        lambda m: m.distributions.FisherSnedecor(m.tensor(P + 5), m.tensor(P + 5)),
        V,
    ),
    "Gamma": (lambda m: m.distributions.Gamma(m.tensor(P + 1), m.tensor(P + 1)), V),
    "GeneralizedPareto": (
        lambda m: m.distributions.GeneralizedPareto(
            m.tensor(np.float32(0.0)), m.tensor(np.float32(1.0)), m.tensor(np.float32(0.2))
        ),
        np.float32(0.5),
    ),
    "Geometric": (lambda m: m.distributions.Geometric(m.tensor(P)), V * 0 + 1),
    "Gumbel": (lambda m: m.distributions.Gumbel(m.tensor(P), m.tensor(P)), V),
    "HalfCauchy": (lambda m: m.distributions.HalfCauchy(m.tensor(P)), V),
    "HalfNormal": (lambda m: m.distributions.HalfNormal(m.tensor(P)), V),
    "Independent": (
        lambda m: m.distributions.Independent(m.distributions.Normal(m.tensor(P), m.tensor(P)), 1),
        V,
    ),
    "InverseGamma": (lambda m: m.distributions.InverseGamma(m.tensor(P + 3), m.tensor(P + 1)), V),
    "Kumaraswamy": (lambda m: m.distributions.Kumaraswamy(m.tensor(P + 1), m.tensor(P + 1)), V),
    "LKJCholesky": (
        lambda m: m.distributions.LKJCholesky(2, m.tensor(2.0)),
        np.array([[1.0, 0], [0.6, 0.8]]),
    ),
    "Laplace": (lambda m: m.distributions.Laplace(m.tensor(P), m.tensor(P)), V),
    "LogNormal": (lambda m: m.distributions.LogNormal(m.tensor(P), m.tensor(P)), V),
    "LogisticNormal": (
        lambda m: m.distributions.LogisticNormal(m.tensor(P), m.tensor(P)),
        np.array([0.2, 0.3, 0.5]),
    ),
    "LowRankMultivariateNormal": (
        lambda m: m.distributions.LowRankMultivariateNormal(
            m.tensor(P), m.ones(2, 1, dtype=m.float64), m.tensor(P + 1)
        ),
        V,
    ),
    "MixtureSameFamily": (
        lambda m: m.distributions.MixtureSameFamily(
            m.distributions.Categorical(m.tensor(P)),
            m.distributions.Normal(m.tensor(P), m.tensor(P + 1)),
        ),
        np.array(0.3),
    ),
    "Multinomial": (lambda m: m.distributions.Multinomial(3, m.tensor(P)), np.array([1.0, 2.0])),
    "MultivariateNormal": (
        lambda m: m.distributions.MultivariateNormal(m.tensor(P), m.eye(2, dtype=m.float64)),
        V,
    ),
    "NegativeBinomial": (lambda m: m.distributions.NegativeBinomial(3.0, m.tensor(P)), V * 0 + 1),
    "Normal": (lambda m: m.distributions.Normal(m.tensor(P), m.tensor(P)), V),
    "OneHotCategorical": (
        lambda m: m.distributions.OneHotCategorical(m.tensor(P)),
        np.array([0.0, 1.0]),
    ),
    "OneHotCategoricalStraightThrough": (
        lambda m: m.distributions.OneHotCategoricalStraightThrough(m.tensor(P)),
        np.array([0.0, 1.0]),
    ),
    "Pareto": (lambda m: m.distributions.Pareto(m.tensor(P), m.tensor(P + 3)), V + 1),
    "Poisson": (lambda m: m.distributions.Poisson(m.tensor(P)), V * 0 + 1),
    "RelaxedBernoulli": (
        lambda m: m.distributions.RelaxedBernoulli(m.tensor(0.5, dtype=m.float64), m.tensor(P)),
        V,
    ),
    "RelaxedOneHotCategorical": (
        lambda m: m.distributions.RelaxedOneHotCategorical(
            m.tensor(0.5, dtype=m.float64), m.tensor(P)
        ),
        np.array([0.4, 0.6]),
    ),
    "StudentT": (lambda m: m.distributions.StudentT(m.tensor(P + 3)), V),
    "Uniform": (lambda m: m.distributions.Uniform(m.tensor(P - 1), m.tensor(P + 1)), V),
    "VonMises": (lambda m: m.distributions.VonMises(m.tensor(P), m.tensor(P)), V),
    "Weibull": (lambda m: m.distributions.Weibull(m.tensor(P + 1), m.tensor(P + 1)), V),
    "Wishart": (
        lambda m: m.distributions.Wishart(m.tensor(3.0), m.eye(2, dtype=m.float64)),
        np.eye(2),
    ),
}

OPS = ["mean", "mode", "variance", "stddev", "entropy", "perplexity", "log_prob", "cdf", "icdf",
       "sample", "rsample", "enumerate_support", "has_rsample", "has_enumerate_support",
       "support", "batch_shape", "event_shape"]  # fmt: skip


def _behaviour(m, make, v):
    d = make(m)
    out = {}
    for op in OPS:
        try:
            if op in ("log_prob", "cdf"):
                x = getattr(d, op)(m.tensor(v))
            elif op == "icdf":
                x = d.icdf(m.tensor(np.full(np.shape(v), 0.4, dtype=np.asarray(v).dtype)))
            elif op in ("sample", "rsample"):
                x = getattr(d, op)((2,))
            elif op in ("entropy", "perplexity", "enumerate_support"):
                x = getattr(d, op)()
            else:
                x = getattr(d, op)
            if hasattr(x, "shape"):
                out[op] = ("ok", tuple(x.shape))
            elif isinstance(x, (bool, tuple)):
                out[op] = tuple(x) if isinstance(x, tuple) else x
            else:
                out[op] = type(x).__name__.lstrip("_")
        except Exception as e:  # noqa: BLE001 - the class of what each raises is compared
            out[op] = type(e).__name__
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_methods_as_torch(torch, name):
    make, v = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs, ours = _behaviour(torch, make, v), _behaviour(dg, make, v)
    for op in OPS:
        assert ours[op] == theirs[op], (op, theirs[op], ours[op])


def test_every_torch_distribution_is_here(torch):
    names = {n for n in dir(torch.distributions)
             if isinstance(getattr(torch.distributions, n), type)
             and issubclass(getattr(torch.distributions, n), torch.distributions.Distribution)}  # fmt: skip
    assert names - set(dir(dg.distributions)) == set()
    assert names - {"Distribution", "ExponentialFamily", "TransformedDistribution"} <= set(CASES)


def test_every_public_name_of_torch_distributions_is_here(torch):
    """Classes, functions and PyTorch's module paths (``from torch.distributions.gamma import
    Gamma`` ports), and the transforms' and constraints' names."""
    public = {n for n in dir(torch.distributions) if not n.startswith("_")}
    assert public - set(dir(dg.distributions)) == set()
    for sub in ("transforms", "constraints", "constraint_registry", "kl", "utils"):
        theirs = getattr(torch.distributions, sub)
        names = set(getattr(theirs, "__all__", [n for n in dir(theirs) if not n.startswith("_")]))
        ours = set(dir(getattr(dg.distributions, sub)))
        missing = {n for n in names - ours if not n.startswith("_")}
        assert missing == set(), (sub, sorted(missing))
    from deepgrad.distributions.gamma import Gamma
    from deepgrad.distributions.studentT import StudentT
    from deepgrad.distributions.transformed_distribution import TransformedDistribution

    assert (Gamma, StudentT, TransformedDistribution) == (
        dg.distributions.Gamma,
        dg.distributions.StudentT,
        dg.distributions.TransformedDistribution,
    )


def test_class_level_supports_and_arg_constraints_as_torch(torch):
    """``Cls.support`` is a dependent constraint exactly where PyTorch's is (Binomial,
    Uniform, Pareto, TransformedDistribution, MixtureSameFamily, ...), of the same class
    elsewhere; ``arg_constraints`` name the same parameters with the same classes."""
    tc, dc = torch.distributions.constraints, dg.distributions.constraints
    for name in dir(torch.distributions):
        cls = getattr(torch.distributions, name)
        if not (isinstance(cls, type) and issubclass(cls, torch.distributions.Distribution)):
            continue
        ours = getattr(dg.distributions, name)
        try:
            theirs_support = (tc.is_dependent(cls.support), type(cls.support).__name__)
        except NotImplementedError:
            theirs_support = "NotImplementedError"
        try:
            ours_support = (dc.is_dependent(ours.support), type(ours.support).__name__)
        except NotImplementedError:
            ours_support = "NotImplementedError"
        if isinstance(theirs_support, tuple) and isinstance(ours_support, tuple):
            assert theirs_support[0] == ours_support[0], name
            assert theirs_support[1].lstrip("_") == ours_support[1].lstrip("_"), name
        else:
            assert theirs_support == ours_support, name
        ta, oa = cls.arg_constraints, ours.arg_constraints
        if isinstance(ta, property) or isinstance(oa, property):
            assert isinstance(ta, property) and isinstance(oa, property), name
            continue
        assert set(ta) == set(oa), name
        for k in ta:
            assert type(ta[k]).__name__.lstrip("_") == type(oa[k]).__name__.lstrip("_"), (name, k)
