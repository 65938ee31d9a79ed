import doctest
import importlib
import pkgutil

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.distributions as D
from deepgrad.distributions import Categorical, Distribution, Normal, constraints


def test_reachable_as_dg_distributions_like_torch_distributions(torch):
    assert dg.distributions is D
    for name in D.__all__:
        assert hasattr(torch.distributions, name), name


def test_set_default_validate_args(torch):
    Distribution.set_default_validate_args(False)
    assert Normal(dg.zeros(1), dg.tensor([-1.0])).scale.item() == -1.0
    assert Normal(0.0, 1.0).log_prob(dg.tensor(float("nan"))).isnan().item()
    with pytest.raises(ValueError):
        Normal(dg.zeros(1), dg.tensor([-1.0]), validate_args=True)
    Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        Normal(dg.zeros(1), dg.tensor([-1.0]))
    with pytest.raises(ValueError):
        Distribution.set_default_validate_args("yes")
    with pytest.raises(ValueError):
        torch.distributions.Distribution.set_default_validate_args("yes")


def test_validation_is_on_by_default_and_inherited_by_expand():
    assert Distribution._validate_args is True
    d = Normal(dg.zeros(2), dg.ones(2), validate_args=False).expand((3, 2))
    assert d._validate_args is False


def test_sample_records_no_graph_and_sample_n_is_deprecated():
    loc = dg.zeros(2, requires_grad=True)
    assert not Normal(loc, 1.0).sample().requires_grad
    assert Normal(loc, 1.0).rsample().requires_grad
    with pytest.warns(FutureWarning, match="sample_n"):
        assert Normal(loc, 1.0).sample_n(3).shape == (3, 2)


def test_base_class_refuses_what_it_cannot_do():
    d = Distribution(batch_shape=(2,), validate_args=False)
    assert d.batch_shape == (2,) and d.event_shape == ()
    for call in (d.sample, d.entropy, lambda: d.log_prob(dg.zeros(2)), lambda: d.mean):
        with pytest.raises(NotImplementedError):
            call()
    with pytest.raises(NotImplementedError, match="mode"):
        _ = d.mode


def test_constraints_reprs_and_checks_match_torch(torch):
    pairs = [
        ("real", [0.0, float("nan")]),
        ("positive", [-1.0, 0.0, 2.0]),
        ("nonnegative", [-1.0, 0.0, 2.0]),
        ("unit_interval", [-0.1, 0.0, 1.0, 1.1]),
        ("boolean", [0.0, 1.0, 0.5]),
        ("nonnegative_integer", [0.0, 1.0, 0.5, -1.0]),
        ("simplex", [[0.5, 0.5], [1.2, -0.2]]),
        ("real_vector", [[0.0, 1.0], [float("nan"), 0.0]]),
        ("lower_cholesky", [[[1.0, 0.0], [2.0, 1.0]], [[1.0, 1.0], [0.0, 1.0]]]),
        ("positive_definite", [[[2.0, 0.5], [0.5, 1.0]], [[1.0, 2.0], [2.0, 1.0]]]),
        ("one_hot", [[0.0, 1.0], [1.0, 1.0]]),
    ]
    for name, v in pairs:
        ours, theirs = getattr(constraints, name), getattr(torch.distributions.constraints, name)
        assert repr(ours) == repr(theirs)
        assert ours.check(dg.tensor(v)).tolist() == theirs.check(torch.tensor(v)).tolist(), name
    assert repr(constraints.interval(0.0, 2.0)) == repr(
        torch.distributions.constraints.interval(0.0, 2.0)
    )
    assert constraints.is_dependent(constraints.dependent)
    assert constraints.is_dependent(Categorical.support)


def test_docstring_examples_run():
    for info in pkgutil.iter_modules(D.__path__):
        mod = importlib.import_module(f"deepgrad.distributions.{info.name}")
        result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, info.name
    assert doctest.testmod(D).failed == 0


def test_draws_are_decided_by_manual_seed():
    def draws():
        dg.manual_seed(123)
        return [
            Normal(0.0, 1.0).sample((3,)),
            Categorical(logits=dg.zeros(4)).sample((3,)),
            D.Bernoulli(0.5).sample((3,)),
            D.Uniform(0.0, 1.0).sample((3,)),
            D.MultivariateNormal(dg.zeros(2), dg.eye(2)).sample((3,)),
        ]

    for a, b in zip(draws(), draws()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
