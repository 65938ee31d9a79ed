"""deepgrad.distributions against torch.distributions beyond values: validation errors (the
exception class and the message, which names the distribution as PyTorch's repr does),
support checks in ``log_prob``, ``expand`` (shapes, values, refusals), and moments, entropy
and log-densities on edge parameters (probabilities 0 and 1, concentrations below 1, degrees
of freedom where a moment is infinite or undefined)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg

from .test_api_parity import CASES


def _t(m, x):
    return m.tensor(np.asarray(x, dtype=np.float64))


def _outcome(f, m):
    """``f(m)`` as comparable data: ('E', class, first message line without the module
    names), or ('T', shape, values), or the plain value."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            x = f(m)
    except Exception as e:  # noqa: BLE001 - the class of what each raises is compared
        line = str(e).split("\n")[0].replace("torch.", "").replace("deepgrad.", "")
        return ("E", type(e).__name__, line)
    if hasattr(x, "detach"):
        return ("T", tuple(x.shape), np.asarray(x.detach().numpy(), dtype=np.float64))
    return ("V", x)


@pytest.fixture
def torch64(torch):
    """PyTorch with a float64 default dtype: its GeneralizedPareto mixes the default dtype into
    log_prob and cdf (a float64 distribution raises 'Double did not match Float' otherwise)."""
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(before)


def _assert_same(torch, f, message=True, atol=1e-12):
    theirs, ours = _outcome(f, torch), _outcome(f, dg)
    assert theirs[0] == ours[0], (theirs, ours)
    if theirs[0] == "E":
        assert theirs[1] == ours[1], (theirs, ours)
        if message:
            assert theirs[2] == ours[2]
    elif theirs[0] == "T":
        assert theirs[1] == ours[1]
        np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-7, atol=atol)
    else:
        assert theirs == ours


# ---- expand ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(CASES))
def test_expand_as_torch(torch, name):
    """The expanded distribution's shapes, log-densities and draws' shape; a batch shape the
    parameters cannot expand to raises RuntimeError, as PyTorch's."""
    make, v = CASES[name]

    def expanded(m):
        d = make(m)
        return d.expand((3,) + tuple(d.batch_shape))

    _assert_same(torch, lambda m: (tuple(expanded(m).batch_shape), tuple(expanded(m).event_shape)))
    _assert_same(torch, lambda m: expanded(m)._validate_args)
    _assert_same(torch, lambda m: tuple(expanded(m).sample((2,)).shape))
    if name != "GeneralizedPareto":  # PyTorch's refuses its float32 parameters here
        _assert_same(torch, lambda m: expanded(m).log_prob(m.tensor(v)))
    theirs, ours = (
        _outcome(lambda m: make(m).expand((5, 7)), torch),
        _outcome(lambda m: make(m).expand((5, 7)), dg),
    )
    assert theirs[0] == ours[0]
    if theirs[0] == "E":
        assert theirs[1] == "RuntimeError"
        with pytest.raises(RuntimeError):
            make(dg).expand((5, 7))


# ---- validation messages ---------------------------------------------------------------------
def _d(m):
    return m.distributions


BAD = {
    "Normal scale<0": lambda m: _d(m).Normal(_t(m, [0.0]), _t(m, [-1.0]), validate_args=True),
    "Bernoulli p>1": lambda m: _d(m).Bernoulli(_t(m, [1.5]), validate_args=True),
    "Binomial n<0": lambda m: _d(m).Binomial(-1, _t(m, [0.5]), validate_args=True),
    "Binomial n frac": lambda m: _d(m).Binomial(_t(m, [1.5]), _t(m, [0.5]), validate_args=True),
    "Geometric p=0": lambda m: _d(m).Geometric(_t(m, [0.0]), validate_args=True),
    "NegBin p=1": lambda m: _d(m).NegativeBinomial(2.0, _t(m, [1.0]), validate_args=True),
    "Categorical 0-d": lambda m: _d(m).Categorical(_t(m, 0.5)),
    "Multinomial float n": lambda m: _d(m).Multinomial(2.5, _t(m, [0.5, 0.5])),
    "Uniform low>high": lambda m: _d(m).Uniform(_t(m, [1.0]), _t(m, [0.0]), validate_args=True),
    "Gamma neg": lambda m: _d(m).Gamma(_t(m, [-1.0]), _t(m, [1.0]), validate_args=True),
    "Poisson neg": lambda m: _d(m).Poisson(_t(m, [-1.0]), validate_args=True),
    "VonMises neg": lambda m: _d(m).VonMises(_t(m, [0.0]), _t(m, [-1.0]), validate_args=True),
    "Pareto neg": lambda m: _d(m).Pareto(_t(m, [-1.0]), _t(m, [1.0]), validate_args=True),
    "Weibull neg": lambda m: _d(m).Weibull(_t(m, [-1.0]), _t(m, [1.0]), validate_args=True),
    "Kumaraswamy neg": lambda m: _d(m).Kumaraswamy(_t(m, [-1.0]), _t(m, [1.0]), validate_args=True),
    "HalfCauchy neg": lambda m: _d(m).HalfCauchy(_t(m, [-1.0]), validate_args=True),
    "InverseGamma neg": lambda m: _d(m).InverseGamma(
        _t(m, [-1.0]), _t(m, [1.0]), validate_args=True
    ),
    "FisherSnedecor neg": lambda m: _d(m).FisherSnedecor(
        _t(m, [-1.0]), _t(m, [1.0]), validate_args=True
    ),
    "RelaxedBernoulli p>1": lambda m: _d(m).RelaxedBernoulli(
        _t(m, 0.5), _t(m, [1.5]), validate_args=True
    ),
    "ContinuousBernoulli p>1": lambda m: _d(m).ContinuousBernoulli(
        _t(m, [1.5]), validate_args=True
    ),
    "GeneralizedPareto scale<0": lambda m: _d(m).GeneralizedPareto(
        _t(m, 0.0), _t(m, -1.0), _t(m, 0.1), validate_args=True
    ),
    "LKJCholesky dim 1": lambda m: _d(m).LKJCholesky(1, _t(m, 1.0)),
    "Wishart neither": lambda m: _d(m).Wishart(_t(m, 3.0)),
    "MultivariateNormal neither": lambda m: _d(m).MultivariateNormal(_t(m, [0.0, 0.0])),
    "MultivariateNormal 0-d loc": lambda m: _d(m).MultivariateNormal(
        _t(m, 0.0), m.eye(2, dtype=m.float64)
    ),
    "Independent too many dims": lambda m: _d(m).Independent(
        _d(m).Normal(_t(m, [0.0]), _t(m, [1.0])), 2
    ),
}
# PyTorch validates these through an inner Dirichlet or Chi2, whose name its message carries;
# deepgrad's names the distribution made: the same class of exception
INNER_NAMED = {
    "Beta neg": lambda m: _d(m).Beta(_t(m, [-1.0]), _t(m, [1.0]), validate_args=True),
    "StudentT df 0": lambda m: _d(m).StudentT(_t(m, [0.0]), validate_args=True),
    "LKJCholesky concentration<0": lambda m: _d(m).LKJCholesky(2, _t(m, -1.0), validate_args=True),
}


@pytest.mark.parametrize("name", list(BAD))
def test_invalid_parameters_raise_torchs_error(torch, name):
    """The exception class and message's first line (parameter, type and shape, the
    distribution's repr, the constraint) as PyTorch's."""
    _assert_same(torch, BAD[name])


@pytest.mark.parametrize("name", list(INNER_NAMED))
def test_invalid_parameters_validated_through_an_inner_distribution(torch, name):
    _assert_same(torch, INNER_NAMED[name], message=False)
    with pytest.raises(ValueError, match="Expected parameter"):
        INNER_NAMED[name](dg)


PROBS_OR_LOGITS = {
    "Bernoulli": (),
    "Geometric": (),
    "ContinuousBernoulli": (),
    "Binomial": (3,),
    "NegativeBinomial": (3.0,),
    "Categorical": (),
    "OneHotCategorical": (),
    "Multinomial": (3,),
    "RelaxedBernoulli": (0.5,),
    "RelaxedOneHotCategorical": (0.5,),
}


@pytest.mark.parametrize("name", list(PROBS_OR_LOGITS))
@pytest.mark.parametrize("given", ["both", "neither"])
def test_exactly_one_of_probs_and_logits(torch, name, given):
    first = PROBS_OR_LOGITS[name]

    def make(m):
        args = [_t(m, a) if isinstance(a, float) and name.startswith("Relaxed") else a
                for a in first]  # fmt: skip
        p = _t(m, [0.3, 0.7])
        kwargs = {"probs": p, "logits": p} if given == "both" else {}
        return getattr(_d(m), name)(*args, **kwargs)

    _assert_same(torch, make)


def test_transformed_families_are_named_as_torchs(torch):
    """A family built on TransformedDistribution shows its own name and the parameters it
    holds (PyTorch's repr, which its validation messages carry); TransformedDistribution
    itself shows its base and transforms."""
    for name in ("Pareto", "Weibull", "Kumaraswamy", "HalfCauchy", "InverseGamma",
                 "LogisticNormal", "RelaxedBernoulli", "RelaxedOneHotCategorical"):  # fmt: skip
        make = CASES[name][0]
        theirs = repr(make(torch)).replace("torch.", "")
        assert repr(make(dg)).replace("deepgrad.", "") == theirs, name
    base = dg.distributions.Normal(0.0, 1.0)
    td = dg.distributions.TransformedDistribution(base, [dg.distributions.ExpTransform()])
    assert repr(td) == "TransformedDistribution(Normal(loc: 0.0, scale: 1.0), [ExpTransform()])"


# ---- support checks in log_prob --------------------------------------------------------------
OUTSIDE = {
    "Bernoulli": (lambda m: _d(m).Bernoulli(_t(m, [0.5])), [2.0]),
    "Binomial": (lambda m: _d(m).Binomial(3, _t(m, [0.5])), [4.0]),
    "Categorical": (lambda m: _d(m).Categorical(_t(m, [0.5, 0.5])), 3.0),
    "Exponential": (lambda m: _d(m).Exponential(_t(m, [1.0])), [-1.0]),
    "Beta": (lambda m: _d(m).Beta(_t(m, [1.0]), _t(m, [1.0])), [1.5]),
    "Uniform": (lambda m: _d(m).Uniform(_t(m, [0.0]), _t(m, [1.0])), [2.0]),
    "Poisson": (lambda m: _d(m).Poisson(_t(m, [1.0])), [0.5]),
    "Dirichlet": (lambda m: _d(m).Dirichlet(_t(m, [1.0, 1.0])), [0.5, 0.6]),
    "Geometric": (lambda m: _d(m).Geometric(_t(m, [0.5])), [-1.0]),
    "Pareto": (lambda m: _d(m).Pareto(_t(m, [1.0]), _t(m, [1.0])), [0.5]),
    "Multinomial": (lambda m: _d(m).Multinomial(3, _t(m, [0.5, 0.5])), [4.0, 0.0]),
    "OneHotCategorical": (lambda m: _d(m).OneHotCategorical(_t(m, [0.5, 0.5])), [1.0, 1.0]),
    "Weibull": (lambda m: _d(m).Weibull(_t(m, [1.0]), _t(m, [1.0])), [-1.0]),
    "LKJCholesky": (lambda m: _d(m).LKJCholesky(2, _t(m, 1.0)), [[1.0, 0.0], [0.5, 0.5]]),
    "Wishart": (
        lambda m: _d(m).Wishart(_t(m, 3.0), m.eye(2, dtype=m.float64)),
        [[1.0, 2.0], [2.0, 1.0]],
    ),
    "GeneralizedPareto": (
        lambda m: _d(m).GeneralizedPareto(_t(m, 0.0), _t(m, 1.0), _t(m, -0.5)),
        3.0,
    ),
    "ContinuousBernoulli": (lambda m: _d(m).ContinuousBernoulli(_t(m, [0.3])), [2.0]),
    "RelaxedBernoulli": (lambda m: _d(m).RelaxedBernoulli(_t(m, 0.5), _t(m, [0.3])), [1.5]),
    "Kumaraswamy": (lambda m: _d(m).Kumaraswamy(_t(m, [1.0]), _t(m, [1.0])), [1.5]),
    "HalfNormal": (lambda m: _d(m).HalfNormal(_t(m, [1.0])), [-1.0]),
    "NegativeBinomial": (lambda m: _d(m).NegativeBinomial(2.0, _t(m, [0.5])), [0.5]),
}


@pytest.mark.parametrize("name", list(OUTSIDE))
def test_values_outside_the_support_are_refused(torch, torch64, name):
    """``log_prob`` (and ``cdf``) of a value outside the support raise ValueError where
    PyTorch's do, with validation on; a wrong shape too."""
    make, v = OUTSIDE[name]
    _assert_same(torch, lambda m: make(m).log_prob(_t(m, v)), message=False)
    _assert_same(torch, lambda m: make(m).cdf(_t(m, v)), message=False)
    _assert_same(torch, lambda m: make(m).log_prob(_t(m, np.zeros((5, 7, 3)))), message=False)
    with pytest.raises(ValueError):
        make(dg).log_prob(_t(dg, v))


# ---- edge parameters -------------------------------------------------------------------------
EDGE = {
    "Bernoulli p=0,1,1/2": (lambda m: _d(m).Bernoulli(_t(m, [0.0, 1.0, 0.5])), [1.0, 0.0, 1.0]),
    "Bernoulli logits ±inf": (
        lambda m: _d(m).Bernoulli(logits=_t(m, [-np.inf, np.inf, 0.0])),
        [0.0, 1.0, 1.0],
    ),
    "Binomial p=0,1": (lambda m: _d(m).Binomial(3, _t(m, [0.0, 1.0, 0.5])), [0.0, 3.0, 2.0]),
    "Binomial n=0": (
        lambda m: _d(m).Binomial(_t(m, [0.0, 2.0, 5.0]), _t(m, [0.3, 0.3, 0.3])),
        [0.0, 1.0, 5.0],
    ),
    "Geometric p=1": (lambda m: _d(m).Geometric(_t(m, [1.0, 0.5, 1e-3])), [0.0, 1.0, 3.0]),
    "NegativeBinomial p=0": (
        lambda m: _d(m).NegativeBinomial(_t(m, [1.0, 0.0, 2.0]), _t(m, [0.0, 0.5, 0.9])),
        [0.0, 0.0, 3.0],
    ),
    "Poisson rate=0": (lambda m: _d(m).Poisson(_t(m, [0.0, 1.0, 1e-10])), [0.0, 0.0, 1.0]),
    "Categorical zero probs": (
        lambda m: _d(m).Categorical(_t(m, [[0.0, 1.0, 0.0], [0.5, 0.5, 0.0]])),
        [1.0, 2.0],
    ),
    "Multinomial zero probs": (
        lambda m: _d(m).Multinomial(3, _t(m, [0.0, 1.0, 0.0])),
        [0.0, 3.0, 0.0],
    ),
    "StudentT df<=2": (
        lambda m: _d(m).StudentT(_t(m, [0.5, 1.0, 1.5, 2.0, 3.0])),
        [0.0, 1.0, 2.0, 3.0, 4.0],
    ),
    "Pareto alpha<=2": (
        lambda m: _d(m).Pareto(_t(m, [1.0, 1.0, 1.0]), _t(m, [0.5, 1.0, 2.0])),
        [1.5, 2.0, 3.0],
    ),
    "FisherSnedecor small df": (
        lambda m: _d(m).FisherSnedecor(_t(m, [1.0, 3.0, 5.0]), _t(m, [1.0, 2.0, 4.5])),
        [0.5, 1.0, 2.0],
    ),
    "Gamma c<1": (lambda m: _d(m).Gamma(_t(m, [0.5, 1.0, 2.0]), _t(m, 1.0)), [0.0, 0.5, 1.0]),
    "Beta c<=1": (
        lambda m: _d(m).Beta(
            _t(m, [0.5, 1.0, 2.0, 0.5, 1.0, 3.0]), _t(m, [0.5, 1.0, 0.5, 2.0, 0.5, 1.0])
        ),
        [0.1, 0.5, 0.9, 0.2, 0.3, 0.7],
    ),  # fmt: skip
    "Dirichlet c<1": (
        lambda m: _d(m).Dirichlet(_t(m, [[0.5, 0.5], [1.0, 1.0], [2.0, 0.5]])),
        [[0.5, 0.5], [0.0, 1.0], [0.3, 0.7]],
    ),
    "InverseGamma c<=2": (
        lambda m: _d(m).InverseGamma(_t(m, [0.5, 1.0, 2.0, 3.0]), _t(m, 1.0)),
        [0.5, 1.0, 2.0, 3.0],
    ),
    "Kumaraswamy small": (
        lambda m: _d(m).Kumaraswamy(_t(m, [0.5, 1.0, 2.0]), _t(m, [0.5, 1.0, 3.0])),
        [0.1, 0.5, 0.9],
    ),
    "Weibull small k": (
        lambda m: _d(m).Weibull(_t(m, [1.0, 1.0, 2.0]), _t(m, [0.5, 1.0, 3.0])),
        [0.0, 0.5, 1.0],
    ),
    "GeneralizedPareto shapes": (
        lambda m: _d(m).GeneralizedPareto(_t(m, 0.0), _t(m, 1.0), _t(m, [-0.5, 0.0, 0.5, 1.0])),
        [0.5, 1.0, 1.5, 1.5],
    ),
    "ContinuousBernoulli edges": (
        lambda m: _d(m).ContinuousBernoulli(_t(m, [0.0, 0.5, 1.0, 0.4999])),
        [0.0, 0.5, 1.0, 0.3],
    ),
    "Chi2 df<2": (lambda m: _d(m).Chi2(_t(m, [0.5, 1.0, 2.0, 3.0])), [0.0, 0.5, 1.0, 2.0]),
    "VonMises concentration": (
        lambda m: _d(m).VonMises(_t(m, [0.0, 1.0, 0.0]), _t(m, [1e-8, 1.0, 500.0])),
        [0.1, 1.0, 3.0],
    ),
    "Wishart df": (lambda m: _d(m).Wishart(_t(m, 1.5), m.eye(2, dtype=m.float64)), np.eye(2)),
    "LKJCholesky concentration<1": (lambda m: _d(m).LKJCholesky(3, _t(m, 0.5)), np.eye(3)),
    "RelaxedBernoulli p=0,1": (
        lambda m: _d(m).RelaxedBernoulli(_t(m, 0.5), _t(m, [0.0, 1.0, 0.5])),
        [0.1, 0.5, 0.9],
    ),
}


@pytest.mark.parametrize("name", list(EDGE))
def test_edge_parameters_as_torch(torch, torch64, name):
    """mean, mode, variance, stddev, entropy, log_prob (validated and not) and cdf: the same
    values (inf and NaN where PyTorch's are) or the same exception class."""
    make, v = EDGE[name]
    for op in ("mean", "mode", "variance", "stddev"):
        _assert_same(torch, lambda m, op=op: getattr(make(m), op), message=False)
    # PyTorch's entropy of a degenerate Multinomial is -2e-8 (its clamped probabilities)
    _assert_same(torch, lambda m: make(m).entropy(), message=False, atol=1e-7)
    _assert_same(torch, lambda m: make(m).log_prob(_t(m, v)), message=False)
    _assert_same(torch, lambda m: make(m).cdf(_t(m, v)), message=False)

    def unvalidated(m):
        d = make(m)
        d._validate_args = False
        return d.log_prob(_t(m, v))

    _assert_same(torch, unvalidated, message=False)


def test_beta_mode_as_torch_with_its_gradient(twins):
    """Beta's mode is the first coordinate of Dirichlet(c1, c0)'s, as PyTorch's: in the
    support (1 where c1 > 1 > c0, 0 where c0 > 1 > c1, 1 where both are below 1, NaN at
    c1 = c0 = 1), and the gradient where it has one."""
    tw = twins(np.array([2.0, 0.5, 3.0, 0.5, 1.5]), np.array([0.5, 2.0, 4.0, 0.3, 1.2]))
    out = tw.check(lambda m, a, b: m.distributions.Beta(a, b).mode)
    np.testing.assert_array_equal(out.detach().numpy()[[0, 1, 3]], [1.0, 0.0, 1.0])
    m = dg.distributions.Beta(dg.tensor([1.0]), dg.tensor([1.0]))
    assert np.isnan(m.mode.item())


# ---- kl_divergence on edge parameters --------------------------------------------------------
KL_EDGE = {
    "Bernoulli‖Bernoulli": lambda m: (
        _d(m).Bernoulli(_t(m, [0.0, 1.0, 0.5, 0.0, 1.0])),
        _d(m).Bernoulli(_t(m, [0.0, 1.0, 0.0, 0.5, 0.5])),
    ),
    "Categorical‖Categorical": lambda m: (
        _d(m).Categorical(_t(m, [[0.0, 1.0], [0.5, 0.5], [1.0, 0.0]])),
        _d(m).Categorical(_t(m, [[0.5, 0.5], [1.0, 0.0], [1.0, 0.0]])),
    ),
    "OneHotCategorical‖OneHotCategorical": lambda m: (
        _d(m).OneHotCategorical(_t(m, [[0.0, 1.0], [0.5, 0.5]])),
        _d(m).OneHotCategorical(_t(m, [[0.5, 0.5], [1.0, 0.0]])),
    ),
    "Binomial‖Binomial": lambda m: (
        _d(m).Binomial(3, _t(m, [0.0, 1.0, 0.5])),
        _d(m).Binomial(3, _t(m, [0.5, 0.5, 1.0])),
    ),
    "Binomial‖Binomial counts": lambda m: (
        _d(m).Binomial(_t(m, [3.0, 5.0]), _t(m, [0.3, 0.5])),
        _d(m).Binomial(_t(m, [3.0, 4.0]), _t(m, [0.5, 0.5])),
    ),
    "Geometric‖Geometric": lambda m: (
        _d(m).Geometric(_t(m, [1.0, 0.5, 0.3])),
        _d(m).Geometric(_t(m, [0.5, 1.0, 0.3])),
    ),
    "Poisson‖Poisson": lambda m: (
        _d(m).Poisson(_t(m, [0.0, 1.0, 2.0])),
        _d(m).Poisson(_t(m, [1.0, 0.0, 2.0])),
    ),
    "Bernoulli‖Poisson": lambda m: (
        _d(m).Bernoulli(_t(m, [0.0, 1.0, 0.5])),
        _d(m).Poisson(_t(m, [1.0, 0.0, 2.0])),
    ),
    "Uniform‖Uniform": lambda m: (
        _d(m).Uniform(_t(m, [0.0, 0.0, -1.0]), _t(m, [1.0, 2.0, 1.0])),
        _d(m).Uniform(_t(m, [0.0, 0.5, -2.0]), _t(m, [1.0, 2.0, 2.0])),
    ),
    "Uniform‖Beta": lambda m: (
        _d(m).Uniform(_t(m, [0.0, 0.1, 0.5]), _t(m, [1.0, 0.9, 1.5])),
        _d(m).Beta(_t(m, [1.0, 2.0, 2.0]), _t(m, [1.0, 3.0, 2.0])),
    ),
    "Uniform‖Pareto": lambda m: (
        _d(m).Uniform(_t(m, [1.0, 0.5]), _t(m, [2.0, 2.0])),
        _d(m).Pareto(_t(m, [1.0, 1.0]), _t(m, [2.0, 2.0])),
    ),
    "Pareto‖Exponential": lambda m: (
        _d(m).Pareto(_t(m, [1.0, 1.0]), _t(m, [0.5, 2.0])),
        _d(m).Exponential(_t(m, [1.0, 2.0])),
    ),
    "ContinuousBernoulli‖ContinuousBernoulli": lambda m: (
        _d(m).ContinuousBernoulli(_t(m, [0.0, 0.5, 0.3])),
        _d(m).ContinuousBernoulli(_t(m, [0.5, 1.0, 0.3])),
    ),
    "ContinuousBernoulli‖Uniform": lambda m: (
        _d(m).ContinuousBernoulli(_t(m, [0.3, 0.6])),
        _d(m).Uniform(_t(m, [0.0, -0.5]), _t(m, [1.0, 1.5])),
    ),
    "Uniform‖ContinuousBernoulli": lambda m: (
        _d(m).Uniform(_t(m, [0.0, 0.2]), _t(m, [1.0, 0.8])),
        _d(m).ContinuousBernoulli(_t(m, [0.3, 0.6])),
    ),
    "Normal‖Exponential": lambda m: (
        _d(m).Normal(_t(m, [0.0]), _t(m, [1.0])),
        _d(m).Exponential(_t(m, [1.0])),
    ),
    "Independent‖Independent of other ndims": lambda m: (
        _d(m).Independent(_d(m).Normal(_t(m, [[0.0, 1.0]]), _t(m, [[1.0, 2.0]])), 1),
        _d(m).Independent(_d(m).Normal(_t(m, [[1.0, 1.0]]), _t(m, [[1.0, 1.0]])), 2),
    ),
    "MixtureSameFamily‖Normal": lambda m: (
        _d(m).MixtureSameFamily(
            _d(m).Categorical(_t(m, [0.5, 0.5])),
            _d(m).Normal(_t(m, [0.0, 1.0]), _t(m, [1.0, 1.0])),
        ),
        _d(m).Normal(0.0, 1.0),
    ),
}


@pytest.mark.parametrize("name", list(KL_EDGE))
def test_kl_on_edge_parameters_as_torch(torch, name):
    """Probabilities 0 and 1, supports that touch or miss: the same values (0, inf) or the
    same exception class (NotImplementedError for a pair PyTorch has no formula for)."""
    _assert_same(torch, lambda m: _d(m).kl_divergence(*KL_EDGE[name](m)), message=False)
