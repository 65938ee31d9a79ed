"""Geometric, Binomial, NegativeBinomial, Multinomial, Dirichlet, Weibull, Pareto, Chi2,
Kumaraswamy, RelaxedBernoulli, RelaxedOneHotCategorical, LowRankMultivariateNormal, HalfCauchy,
InverseGamma, LogisticNormal, FisherSnedecor, VonMises and ContinuousBernoulli against
torch.distributions: log_prob, entropy and the moments (values and the gradients they send to
the parameters) on several parameter shapes (0-d, broadcast, batched); batch/event shapes,
expand, sample shapes and support; draws' moments with a fixed seed; rsample's gradients
gradchecked in float64; validation raising PyTorch's exception types."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import distributions as D
from deepgrad.gradcheck import gradcheck

from .conftest import lib

R = np.random.default_rng(0)


def _pos(*shape, lo=0.3, hi=3.0):
    return R.uniform(lo, hi, shape)


def _probs(*shape):
    return R.uniform(0.1, 0.9, shape)


def _simplex(*shape):
    p = R.uniform(0.2, 1.0, shape)
    return p / p.sum(-1, keepdims=True)


T = 0.7  # a temperature (a float64 tensor on each side)

# name -> (make(mod, *params), [(params, value)], moments, entropy, cdf)
SPECS = {
    "Geometric": (
        lambda m, p: lib(m).Geometric(p),
        [((_probs(4),), np.array([0.0, 1.0, 3.0, 7.0])),
         ((np.array(0.3),), np.array(2.0)),
         ((_probs(2, 1),), np.array([[0.0, 1.0, 4.0]]))],
        ("mean", "mode", "variance", "stddev"), True, False,
    ),
    "GeometricLogits": (
        lambda m, z: lib(m).Geometric(logits=z),
        [((R.standard_normal(4),), np.array([0.0, 1.0, 3.0, 7.0])),
         ((np.array(-0.4),), np.array(2.0))],
        ("mean", "variance"), True, False,
    ),
    "Binomial": (
        lambda m, p: lib(m).Binomial(6, p),
        [((_probs(4),), np.array([0.0, 1.0, 3.0, 6.0])),
         ((np.array(0.3),), np.array(2.0)),
         ((_probs(2, 1),), np.array([[0.0, 5.0, 4.0]]))],
        ("mean", "mode", "variance", "stddev"), True, False,
    ),
    "BinomialCounts": (
        lambda m, z: lib(m).Binomial(m.tensor([[3.0], [8.0]], dtype=m.float64), logits=z),
        [((R.standard_normal(3),), np.array([[0.0, 1.0, 3.0], [8.0, 2.0, 0.0]]))],
        ("mean", "mode", "variance"), False, False,
    ),
    "NegativeBinomial": (
        lambda m, r, p: lib(m).NegativeBinomial(r, p),
        [((_pos(4), _probs(4)), np.array([0.0, 1.0, 3.0, 7.0])),
         ((np.array(2.5), np.array(0.4)), np.array(2.0)),
         ((_pos(2, 1), _probs(3)), np.array([[0.0, 1.0, 4.0]]))],
        ("mean", "mode", "variance"), False, False,
    ),
    "Multinomial": (
        lambda m, p: lib(m).Multinomial(7, p),
        [((_simplex(4),), np.array([1.0, 2.0, 4.0, 0.0])),
         ((_simplex(2, 3),), np.array([[1.0, 2.0, 4.0], [7.0, 0.0, 0.0]]))],
        ("mean", "variance"), False, False,
    ),
    "MultinomialLogits": (
        lambda m, z: lib(m).Multinomial(5, logits=z),
        [((R.standard_normal((2, 3)),), np.array([[1.0, 2.0, 2.0], [5.0, 0.0, 0.0]]))],
        ("mean", "variance"), False, False,
    ),
    "Dirichlet": (
        lambda m, a: lib(m).Dirichlet(a),
        [((_pos(3),), np.array([0.2, 0.3, 0.5])),
         ((_pos(2, 3),), _simplex(4, 1, 3)),
         ((_pos(2, 3, lo=1.2),), _simplex(2, 3))],
        ("mean", "mode", "variance", "stddev"), True, False,
    ),
    "Weibull": (
        lambda m, s, k: lib(m).Weibull(s, k),
        [((_pos(4), _pos(4)), _pos(4)),
         ((np.array(1.5), np.array(0.8)), np.array(0.7)),
         ((_pos(2, 1), _pos(3)), _pos(2, 3))],
        ("mean", "mode", "variance"), True, True,
    ),
    "Pareto": (
        lambda m, s, a: lib(m).Pareto(s, a),
        [((_pos(4, hi=1.0), _pos(4, lo=2.5, hi=5.0)), _pos(4, lo=1.0, hi=4.0)),
         ((np.array(0.5), np.array(3.0)), np.array(0.7)),
         ((_pos(2, 1, hi=1.0), np.array([0.6, 1.0, 2.0, 3.5])), _pos(2, 4, lo=1.0))],
        ("mean", "mode", "variance"), True, True,
    ),
    "Chi2": (
        lambda m, df: lib(m).Chi2(df),
        [((_pos(4),), _pos(4)), ((np.array(3.0),), np.array(0.7))],
        ("mean", "mode", "variance"), True, False,
    ),
    "Kumaraswamy": (
        lambda m, a, b: lib(m).Kumaraswamy(a, b),
        [((_pos(4), _pos(4)), _probs(4)),
         ((np.array(1.5), np.array(2.8)), np.array(0.7)),
         ((_pos(2, 1, lo=1.1), _pos(3, lo=1.1)), _probs(2, 3))],
        ("mean", "mode", "variance"), True, True,
    ),
    "RelaxedBernoulli": (
        lambda m, p: lib(m).RelaxedBernoulli(m.tensor(T, dtype=m.float64), probs=p),
        [((_probs(4),), _probs(4)), ((np.array(0.3),), np.array(0.6)),
         ((_probs(2, 1),), _probs(3))],
        (), False, False,
    ),
    "RelaxedOneHotCategorical": (
        lambda m, z: lib(m).RelaxedOneHotCategorical(m.tensor(T, dtype=m.float64), logits=z),
        [((R.standard_normal(3),), _simplex(3)),
         ((R.standard_normal((2, 3)),), _simplex(4, 1, 3))],
        (), False, False,
    ),
    "HalfCauchy": (
        lambda m, s: lib(m).HalfCauchy(s),
        [((_pos(4),), _pos(4)), ((np.array(1.5),), np.array(0.7)),
         ((_pos(2, 1),), _pos(3))],
        ("mean", "mode", "variance"), True, True,
    ),
    "InverseGamma": (
        lambda m, a, b: lib(m).InverseGamma(a, b),
        [((np.array([0.5, 1.5, 2.5, 4.0]), _pos(4)), _pos(4)),
         ((np.array(3.0), np.array(0.8)), np.array(0.7)),
         ((_pos(2, 1, lo=2.5, hi=5), _pos(3)), _pos(2, 3))],
        ("mean", "mode", "variance"), True, False,
    ),
    "LogisticNormal": (
        lambda m, mu, s: lib(m).LogisticNormal(mu, s),
        [((R.standard_normal(3), _pos(3)), _simplex(4)),
         ((R.standard_normal((2, 3)), _pos(3)), _simplex(5, 1, 4)),
         ((np.array(0.3), np.array(1.2)), _simplex(2))],
        (), False, False,
    ),
    "FisherSnedecor": (
        lambda m, a, b: lib(m).FisherSnedecor(a, b),
        [((np.array([1.5, 3.0, 6.0, 9.0]), np.array([1.5, 3.0, 5.0, 12.0])), _pos(4)),
         ((np.array(5.0), np.array(7.0)), np.array(0.7)),
         ((_pos(2, 1, lo=2.5, hi=8), _pos(3, lo=4.5, hi=9)), _pos(2, 3))],
        ("mean", "mode", "variance"), False, False,
    ),
    "VonMises": (
        lambda m, mu, k: lib(m).VonMises(mu, k),
        [((R.uniform(-3, 3, 6), np.array([0.01, 0.5, 3.0, 3.76, 10.0, 100.0])),
          R.uniform(-3.1, 3.1, 6)),
         ((np.array(0.5), np.array(2.0)), np.array(-0.7)),
         ((R.uniform(-3, 3, (2, 1)), _pos(3, hi=6.0)), R.uniform(-3.1, 3.1, (2, 3)))],
        ("mean", "mode", "variance"), False, False,
    ),
    "ContinuousBernoulli": (
        lambda m, p: lib(m).ContinuousBernoulli(p),
        [((np.array([0.1, 0.4995, 0.5, 0.7, 0.999]),), np.array([0.2, 0.3, 0.9, 0.0, 1.0])),
         ((np.array(0.3),), np.array(0.6)), ((_probs(2, 1),), _probs(3))],
        ("mean", "variance", "stddev"), True, True,
    ),
    "ContinuousBernoulliLogits": (
        lambda m, z: lib(m).ContinuousBernoulli(logits=z),
        [((R.standard_normal(4),), _probs(4))],
        ("mean", "variance"), True, True,
    ),
    "LowRankMultivariateNormal": (
        lambda m, mu, w, d: lib(m).LowRankMultivariateNormal(mu, w, d),
        [((R.standard_normal(3), R.standard_normal((3, 2)), _pos(3)), R.standard_normal(3)),
         ((R.standard_normal((2, 3)), R.standard_normal((4, 1, 3, 2)), _pos(3)),
          R.standard_normal((5, 1, 1, 3)))],
        ("mean", "mode", "variance", "stddev", "covariance_matrix", "precision_matrix",
         "scale_tril"), True, False,
    ),
}  # fmt: skip

CASES = [(name, i) for name, spec in SPECS.items() for i in range(len(spec[1]))]


@pytest.mark.parametrize(("name", "case"), CASES)
def test_log_prob_entropy_moments_as_torch(torch, twins, name, case):
    make, cases, moments, has_entropy, has_cdf = SPECS[name]
    params, value = cases[case]
    tw = twins(*params)
    tw.check(lambda m, *p: make(m, *p).log_prob(m.tensor(value)))
    if has_entropy:
        tw.check(lambda m, *p: make(m, *p).entropy())
    for moment in moments:
        tw.check(lambda m, *p, k=moment: getattr(make(m, *p), k))
    if has_cdf:
        tw.check(lambda m, *p: make(m, *p).cdf(m.tensor(value)))
        u = np.resize(np.array([0.1, 0.4, 0.6, 0.95]), value.shape)
        tw.check(lambda m, *p: make(m, *p).icdf(m.tensor(u)))
    ours = make(dg, *map(dg.tensor, params))
    theirs = make(torch, *map(torch.tensor, params))
    assert ours.batch_shape == tuple(theirs.batch_shape)
    assert ours.event_shape == tuple(theirs.event_shape)
    assert ours.has_rsample == theirs.has_rsample
    assert ours.has_enumerate_support == theirs.has_enumerate_support
    big = (2,) + tuple(theirs.batch_shape)
    assert ours.expand(big).batch_shape == tuple(theirs.expand(big).batch_shape)
    try:
        expected = theirs.expand(big).log_prob(torch.tensor(value)).detach().numpy()
    except ValueError:  # the value does not broadcast with the bigger batch
        with pytest.raises(ValueError):
            ours.expand(big).log_prob(dg.tensor(value))
    else:
        got = ours.expand(big).log_prob(dg.tensor(value)).detach().numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-10)
    s = ours.sample((5,))
    assert s.shape == tuple(theirs.sample((5,)).shape) and s.dtype == dg.float64
    assert bool(ours.support.check(s).all())


def test_multinomial_entropy_as_torch_within_its_float32_lgamma(torch):
    """PyTorch's Multinomial.entropy takes lgamma(n + 1) of an int64 tensor, which it computes
    in float32; here it is float64, so the two agree to float32's precision."""
    p = _simplex(2, 4)
    ours = D.Multinomial(9, dg.tensor(p)).entropy()
    theirs = torch.distributions.Multinomial(9, torch.tensor(p)).entropy()
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    expected = (9 * D.Categorical(dg.tensor(p)).entropy()).numpy()
    assert np.all(ours.numpy() < expected)  # the multinomial spreads less than 9 draws' sum


def test_binomial_enumerate_support_and_inhomogeneous_counts(torch):
    for m in (dg, torch):
        b = lib(m).Binomial(3, m.tensor([0.2, 0.7], dtype=m.float64))
        assert tuple(b.enumerate_support().shape) == (4, 2)
        assert tuple(b.enumerate_support(False).shape) == (4, 1)
        mixed = lib(m).Binomial(m.tensor([2.0, 3.0]), m.tensor([0.2, 0.7]))
        with pytest.raises(NotImplementedError):
            mixed.entropy()
        with pytest.raises(NotImplementedError):
            mixed.enumerate_support()


DRAWS = {
    "Geometric": lambda: D.Geometric(dg.tensor([0.2, 0.7], dtype=dg.float64)),
    "Binomial": lambda: D.Binomial(dg.tensor([5.0, 12.0]).double(),
                                   dg.tensor([0.3, 0.8], dtype=dg.float64)),
    "NegativeBinomial": lambda: D.NegativeBinomial(dg.tensor([2.5, 0.0]).double(),
                                                   dg.tensor([0.4, 0.6], dtype=dg.float64)),
    "Multinomial": lambda: D.Multinomial(10, dg.tensor([0.2, 0.3, 0.5], dtype=dg.float64)),
    "Dirichlet": lambda: D.Dirichlet(dg.tensor([[0.5, 1.5, 3.0], [0.1, 0.2, 0.3]]).double()),
    "Weibull": lambda: D.Weibull(dg.tensor([1.0, 2.0]).double(), dg.tensor([0.8, 3.0]).double()),
    "Pareto": lambda: D.Pareto(dg.tensor([1.0, 2.0]).double(), dg.tensor([6.0, 9.0]).double()),
    "Chi2": lambda: D.Chi2(dg.tensor([1.0, 4.0]).double()),
    "Kumaraswamy": lambda: D.Kumaraswamy(dg.tensor([0.5, 2.0]).double(),
                                         dg.tensor([1.5, 4.0]).double()),
    "HalfCauchy": None,
    "InverseGamma": lambda: D.InverseGamma(dg.tensor([5.0, 9.0]).double(),
                                           dg.tensor([1.0, 3.0]).double()),
    "FisherSnedecor": lambda: D.FisherSnedecor(dg.tensor([5.0, 9.0]).double(),
                                               dg.tensor([12.0, 15.0]).double()),
    "ContinuousBernoulli": lambda: D.ContinuousBernoulli(dg.tensor([0.1, 0.5, 0.8]).double()),
    "LowRankMultivariateNormal": lambda: D.LowRankMultivariateNormal(
        dg.tensor([1.0, -1.0, 0.0]).double(), dg.tensor([[1.0], [0.5], [-1.0]]).double(),
        dg.tensor([0.5, 1.0, 2.0]).double()),
}  # fmt: skip


@pytest.mark.parametrize("name", [n for n in DRAWS if DRAWS[n] is not None])
def test_draws_have_the_moments(name):
    dg.manual_seed(0)
    d = DRAWS[name]()
    s = d.sample((40000,)).numpy()
    assert bool(d.support.check(dg.tensor(s)).all())
    np.testing.assert_allclose(s.mean(0), d.mean.numpy(), rtol=0.03, atol=0.01)
    np.testing.assert_allclose(s.var(0), d.variance.numpy(), rtol=0.08, atol=0.01)
    if name == "LowRankMultivariateNormal":
        np.testing.assert_allclose(np.cov(s.T), d.covariance_matrix.numpy(), atol=0.06)


def test_von_mises_draws_have_the_circular_moments():
    dg.manual_seed(0)
    loc = dg.tensor([0.5, -3.0, 2.5], dtype=dg.float64)
    d = D.VonMises(loc, dg.tensor([0.5, 4.0, 60.0], dtype=dg.float64))
    s = d.sample((40000,)).numpy()
    assert ((s >= -np.pi) & (s < np.pi)).all() and not d.has_rsample
    resultant = np.exp(1j * s).mean(0)
    np.testing.assert_allclose(np.angle(resultant), loc.numpy(), atol=0.03)
    np.testing.assert_allclose(1 - np.abs(resultant), d.variance.numpy(), rtol=0.03, atol=0.003)
    f32 = D.VonMises(dg.tensor([0.0]), dg.tensor([1e-6])).sample((100,))  # no hang near 0
    assert f32.dtype == dg.float32 and f32.shape == (100, 1)


def test_relaxed_draws():
    dg.manual_seed(0)
    p = dg.tensor([0.2, 0.9], dtype=dg.float64)
    s = D.RelaxedBernoulli(dg.tensor(0.05, dtype=dg.float64), probs=p).sample((20000,)).numpy()
    assert ((s > 0) & (s < 1)).all()
    np.testing.assert_allclose((s > 0.5).mean(0), p.numpy(), atol=0.02)  # nearly Bernoulli
    q = dg.tensor([0.2, 0.3, 0.5], dtype=dg.float64)
    c = D.RelaxedOneHotCategorical(dg.tensor(0.05, dtype=dg.float64), probs=q)
    s = c.sample((20000,)).numpy()
    np.testing.assert_allclose(s.sum(-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.bincount(s.argmax(-1), minlength=3) / 20000, q.numpy(), atol=0.02)


RSAMPLE = {
    "Weibull": (lambda s, k: D.Weibull(s, k), (_pos(3), _pos(3))),
    "Pareto": (lambda s, a: D.Pareto(s, a), (_pos(3), _pos(3))),
    "Kumaraswamy": (lambda a, b: D.Kumaraswamy(a, b), (_pos(3), _pos(3))),
    "RelaxedBernoulli": (lambda t, p: D.RelaxedBernoulli(t, probs=p), (np.array(0.6), _probs(3))),
    "RelaxedBernoulliLogits": (lambda t, z: D.RelaxedBernoulli(t, logits=z),
                               (np.array(1.3), R.standard_normal(3))),
    "RelaxedOneHotCategorical": (lambda t, z: D.RelaxedOneHotCategorical(t, logits=z),
                                 (np.array(0.6), R.standard_normal((2, 3)))),
    "HalfCauchy": (lambda s: D.HalfCauchy(s), (_pos(3),)),
    "LogisticNormal": (lambda mu, s: D.LogisticNormal(mu, s), (R.standard_normal((2, 3)), _pos(3))),
    "ContinuousBernoulli": (lambda p: D.ContinuousBernoulli(p), (np.array([0.2, 0.4995, 0.8]),)),
    "LowRankMultivariateNormal": (lambda mu, w, d: D.LowRankMultivariateNormal(mu, w, d),
                                  (R.standard_normal(3), R.standard_normal((2, 3, 2)), _pos(3))),
}  # fmt: skip


@pytest.mark.parametrize("name", list(RSAMPLE))
def test_rsample_gradcheck_float64(name):
    make, params = RSAMPLE[name]

    def draw(*p):
        dg.manual_seed(3)  # the same noise at every evaluation
        return make(*p).rsample((4,))

    leaves = [dg.tensor(p, requires_grad=True) for p in params]
    assert make(*leaves).has_rsample
    assert gradcheck(draw, *leaves)


BAD = [
    ("Geometric", lambda m: lib(m).Geometric(m.tensor([0.0, 0.5]))),
    ("Geometric", lambda m: lib(m).Geometric(m.tensor([1.5]))),
    ("Geometric", lambda m: lib(m).Geometric(m.tensor([0.5])).log_prob(m.tensor([1.5]))),
    ("Binomial", lambda m: lib(m).Binomial(m.tensor([2.5]), m.tensor([0.5]))),
    ("Binomial", lambda m: lib(m).Binomial(3, m.tensor([0.5])).log_prob(m.tensor([4.0]))),
    ("NegativeBinomial", lambda m: lib(m).NegativeBinomial(2.0, m.tensor([1.0]))),
    ("NegativeBinomial", lambda m: lib(m).NegativeBinomial(-1.0, m.tensor([0.5]))),
    ("Multinomial", lambda m: lib(m).Multinomial(3, m.tensor([0.5, 0.5])).log_prob(
        m.tensor([2.0, 2.0]))),
    ("Multinomial", lambda m: lib(m).Multinomial(3, m.tensor([-0.5, 0.5]))),
    ("Dirichlet", lambda m: lib(m).Dirichlet(m.tensor([1.0, -1.0]))),
    ("Dirichlet", lambda m: lib(m).Dirichlet(m.tensor([1.0, 1.0])).log_prob(
        m.tensor([0.5, 0.6]))),
    ("Weibull", lambda m: lib(m).Weibull(m.tensor([1.0]), m.tensor([0.0]))),
    ("Weibull", lambda m: lib(m).Weibull(m.tensor([1.0]), m.tensor([1.0])).log_prob(
        m.tensor([-1.0]))),
    ("Pareto", lambda m: lib(m).Pareto(m.tensor([1.0]), m.tensor([1.0])).log_prob(
        m.tensor([0.5]))),
    ("Chi2", lambda m: lib(m).Chi2(m.tensor([-1.0]))),
    ("Kumaraswamy", lambda m: lib(m).Kumaraswamy(m.tensor([1.0]), m.tensor([1.0])).log_prob(
        m.tensor([1.5]))),
    ("RelaxedBernoulli", lambda m: lib(m).RelaxedBernoulli(m.tensor(0.5), m.tensor([1.5]))),
    ("RelaxedOneHotCategorical", lambda m: lib(m).RelaxedOneHotCategorical(
        m.tensor(0.5), m.tensor([0.5, 0.5])).log_prob(m.tensor([0.5, 0.7]))),
    ("HalfCauchy", lambda m: lib(m).HalfCauchy(m.tensor([-1.0]))),
    ("HalfCauchy", lambda m: lib(m).HalfCauchy(m.tensor([1.0])).log_prob(m.tensor([-1.0]))),
    ("InverseGamma", lambda m: lib(m).InverseGamma(m.tensor([1.0]), m.tensor([0.0]))),
    ("InverseGamma", lambda m: lib(m).InverseGamma(m.tensor([1.0]), m.tensor([1.0])).log_prob(
        m.tensor([-1.0]))),
    ("LogisticNormal", lambda m: lib(m).LogisticNormal(m.zeros(2), m.tensor([1.0, 0.0]))),
    ("LogisticNormal", lambda m: lib(m).LogisticNormal(m.zeros(2), m.ones(2)).log_prob(
        m.tensor([0.5, 0.6, 0.2]))),
    ("FisherSnedecor", lambda m: lib(m).FisherSnedecor(m.tensor([1.0]), m.tensor([-2.0]))),
    ("FisherSnedecor", lambda m: lib(m).FisherSnedecor(m.tensor([1.0]), m.tensor([2.0])).log_prob(
        m.tensor([-1.0]))),
    ("VonMises", lambda m: lib(m).VonMises(m.tensor([0.0]), m.tensor([0.0]))),
    ("VonMises", lambda m: lib(m).VonMises(m.tensor([0.0]), m.tensor([1.0])).log_prob(
        m.tensor([float("nan")]))),
    ("ContinuousBernoulli", lambda m: lib(m).ContinuousBernoulli(
        m.tensor([1.5]), validate_args=True)),
    ("ContinuousBernoulli", lambda m: lib(m).ContinuousBernoulli(m.tensor([0.5])).log_prob(
        m.tensor([1.5]))),
    ("LowRankMultivariateNormal", lambda m: lib(m).LowRankMultivariateNormal(
        m.zeros(2), m.ones(2, 1), m.tensor([1.0, -1.0]))),
]  # fmt: skip


@pytest.mark.parametrize(("name", "call"), BAD, ids=[f"{n}-{i}" for i, (n, _) in enumerate(BAD)])
def test_validation_raises_as_torch(torch, name, call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)):
        call(dg)


def test_continuous_bernoulli_clamps_probs_unless_validate_args_is_given(torch):
    for m in (dg, torch):
        d = lib(m).ContinuousBernoulli(m.tensor([1.5], dtype=m.float64))  # clamped, no error
        assert float(d.probs) == 1 - np.finfo(np.float64).eps


GP = (
    np.array([0.0, 1.0, -1.0, 0.5, 0.2]),
    np.array([1.0, 0.5, 2.0, 1.5, 0.7]),
    np.array([0.0, -0.3, 0.4, 1.2, 0.6]),
)
GP_X = np.array([0.5, 1.5, 0.0, 3.0, 0.9])


def test_generalized_pareto_as_torch_in_float32(torch):
    """PyTorch's GeneralizedPareto.log_prob/cdf raise for float64 parameters (its isclose
    against a float32 zero: 'Double did not match Float'); float32 is compared with torch, and
    float64 (which works here) with the float32 results."""
    params32 = [p.astype(np.float32) for p in GP]
    ours = D.GeneralizedPareto(*map(dg.tensor, params32))
    theirs = torch.distributions.GeneralizedPareto(*map(torch.tensor, params32))
    x, u = GP_X.astype(np.float32), np.array([0.1, 0.5, 0.7, 0.9, 0.3], np.float32)
    pairs = [
        (ours.log_prob(dg.tensor(x)), theirs.log_prob(torch.tensor(x))),
        (ours.cdf(dg.tensor(x)), theirs.cdf(torch.tensor(x))),
        (ours.icdf(dg.tensor(u)), theirs.icdf(torch.tensor(u))),
        (ours.entropy(), theirs.entropy()),
        (ours.mean, theirs.mean),
        (ours.variance, theirs.variance),
        (ours.mode, theirs.mode),
    ]
    for a, b in pairs:
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7)
    assert (
        ours.support.check(dg.tensor(x)).tolist() == theirs.support.check(torch.tensor(x)).tolist()
    )
    with pytest.raises(RuntimeError, match="Double did not match Float"):
        torch.distributions.GeneralizedPareto(*map(torch.tensor, GP)).log_prob(torch.tensor(GP_X))
    ours64 = D.GeneralizedPareto(*map(dg.tensor, GP))
    np.testing.assert_allclose(
        ours64.log_prob(dg.tensor(GP_X)).numpy(), pairs[0][1].numpy(), rtol=1e-6
    )
    assert ours64.expand((3, 5)).batch_shape == (3, 5) and ours64.has_rsample
    with pytest.raises(ValueError):  # x below loc: outside the support
        ours64.log_prob(dg.tensor([-5.0, 1.5, 0.0, 3.0, 0.9]))
    with pytest.raises(ValueError):
        D.GeneralizedPareto(0.0, -1.0, 0.5)


def test_generalized_pareto_gradcheck_float64():
    # (away from ξ = 0, where the exponential branch takes over and, as PyTorch's, has no
    # gradient to ξ)
    leaves = [dg.tensor(p, requires_grad=True) for p in (GP[0], GP[1], GP[2] + 0.05)]
    assert gradcheck(lambda *p: D.GeneralizedPareto(*p).log_prob(dg.tensor(GP_X)), *leaves)
    assert gradcheck(lambda *p: D.GeneralizedPareto(*p).entropy(), *leaves)

    def draw(*p):
        dg.manual_seed(5)
        return D.GeneralizedPareto(*p).rsample((3,))

    assert gradcheck(draw, *leaves)
    dg.manual_seed(0)
    d = D.GeneralizedPareto(dg.tensor([0.5]).double(), dg.tensor([2.0]).double(),
                            dg.tensor([0.1]).double())  # fmt: skip
    s = d.sample((40000,)).numpy()
    np.testing.assert_allclose(s.mean(0), d.mean.numpy(), rtol=0.03)


def test_constructor_errors_as_torch(torch):
    for m in (dg, torch):
        with pytest.raises(ValueError):
            lib(m).Geometric()
        with pytest.raises(ValueError):
            lib(m).Binomial(3, m.tensor([0.5]), m.tensor([0.0]))
        with pytest.raises(NotImplementedError):
            lib(m).Multinomial(m.tensor(3), m.tensor([0.5, 0.5]))
        with pytest.raises(ValueError):
            lib(m).Dirichlet(m.tensor(1.0))
        with pytest.raises(ValueError):
            lib(m).LowRankMultivariateNormal(m.zeros(3), m.ones(2, 1), m.ones(3))
        with pytest.raises(ValueError):
            lib(m).LowRankMultivariateNormal(m.zeros(2, 3), m.ones(3, 3, 1), m.ones(3))


def _finite_moments(make, params, moments):
    d = make(dg, *[dg.tensor(p, requires_grad=True) for p in params])
    return [
        k
        for k in moments
        if np.isfinite(getattr(d, k).detach().numpy()).all() and getattr(d, k).requires_grad
    ]


@pytest.mark.parametrize(("name", "case"), CASES)
def test_gradcheck_float64(name, case):
    """log_prob, entropy, cdf and the finite, non-constant moments against central
    differences (VonMises' κ = 3.76, not at 3.75 where PyTorch's two Bessel approximations
    meet and the derivative jumps)."""
    make, cases, moments, has_entropy, has_cdf = SPECS[name]
    params, value = cases[case]
    leaves = [dg.tensor(p, requires_grad=True) for p in params]
    v = dg.tensor(value)
    assert gradcheck(lambda *p: make(dg, *p).log_prob(v), *leaves)
    if has_entropy:
        assert gradcheck(lambda *p: make(dg, *p).entropy(), *leaves)
    if has_cdf:
        assert gradcheck(lambda *p: make(dg, *p).cdf(v), *leaves)
    for k in _finite_moments(make, params, moments):
        if k == "mode" and name in ("Geometric", "Binomial", "NegativeBinomial", "Kumaraswamy"):
            continue  # piecewise constant (floor) or NaN-masked: no derivative to check
        assert gradcheck(lambda *p, k=k: getattr(make(dg, *p), k), *leaves), k
