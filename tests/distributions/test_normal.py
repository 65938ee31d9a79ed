import math

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.distributions import Normal
from deepgrad.gradcheck import gradcheck

LOC = [[0.3, -1.2, 2.0], [0.0, 0.5, -0.7]]
SCALE = [[0.5, 2.0, 1.3], [0.9, 0.1, 3.0]]
VALUE = np.array([[0.1, 0.2, -0.4], [1.0, -3.0, 0.6]])


@pytest.mark.parametrize(
    "what",
    [
        lambda d, v: d.log_prob(v),
        lambda d, v: d.cdf(v),
        lambda d, v: d.entropy(),
        lambda d, v: d.mean + d.mode,
        lambda d, v: d.variance,
        lambda d, v: d.stddev,
        lambda d, v: d.perplexity(),
        lambda d, v: d.icdf(v * 0 + 0.3),
    ],
)
def test_values_and_parameter_gradients_match_torch(twins, what):
    t = twins(LOC, SCALE)
    t.check(lambda m, loc, scale: what(m.distributions.Normal(loc, scale), m.tensor(VALUE)))


def test_broadcast_parameters_and_number_arguments(twins, torch):
    t = twins([0.0, 1.0, 2.0])
    t.check(lambda m, loc: m.distributions.Normal(loc, 2.0).log_prob(m.tensor(VALUE)))
    d, p = Normal(0.0, 1.0), torch.distributions.Normal(0.0, 1.0)
    assert d.batch_shape == () == tuple(p.batch_shape)
    assert d.loc.dtype == dg.get_default_dtype()
    loc = Normal(dg.zeros(3, 1), dg.ones(4)).loc
    assert loc.shape == (3, 4)


@pytest.mark.parametrize("sample_shape", [(), (5,), (2, 3), dg.Size([4])])
@pytest.mark.parametrize("batch", [(), (3,), (2, 3)])
def test_sample_shapes(sample_shape, batch):
    d = Normal(dg.zeros(batch), dg.ones(batch))
    want = tuple(sample_shape) + batch
    assert d.sample(sample_shape).shape == want
    assert d.rsample(sample_shape).shape == want
    assert d.sample(sample_shape).dtype == np.float32


def test_rsample_sends_gradients_sample_does_not():
    loc = dg.tensor([1.0, -2.0], requires_grad=True)
    scale = dg.tensor([0.5, 3.0], requires_grad=True)
    dg.manual_seed(3)
    x = Normal(loc, scale).rsample((7,))
    x.sum().backward()
    dg.manual_seed(3)
    eps = dg.randn(7, 2)
    np.testing.assert_allclose(loc.grad.numpy(), [7.0, 7.0])
    np.testing.assert_allclose(scale.grad.numpy(), eps.sum(0).numpy(), rtol=1e-6)
    assert not Normal(loc, scale).sample().requires_grad


def test_draws_follow_manual_seed_and_the_distribution():
    d = Normal(dg.tensor([1.0, -3.0]), dg.tensor([2.0, 0.5]))
    dg.manual_seed(11)
    a = d.sample((20000,))
    dg.manual_seed(11)
    assert bool((d.sample((20000,)) == a).all())
    np.testing.assert_allclose(a.mean(0).numpy(), [1.0, -3.0], atol=0.05)
    np.testing.assert_allclose(a.std(0).numpy(), [2.0, 0.5], rtol=0.03)


def test_expand(torch):
    d = Normal(dg.tensor([0.0, 1.0]), dg.tensor([1.0, 2.0])).expand((3, 2))
    assert d.batch_shape == (3, 2) and d.sample().shape == (3, 2)
    p = torch.distributions.Normal(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 2.0]))
    np.testing.assert_allclose(
        d.log_prob(dg.ones(3, 2)).numpy(), p.expand((3, 2)).log_prob(torch.ones(3, 2)).numpy()
    )


def test_validation_errors_as_torch(torch):
    with pytest.raises(ValueError, match=r"parameter scale .* GreaterThan\(lower_bound=0.0\)"):
        Normal(dg.tensor([0.0]), dg.tensor([-1.0]))
    with pytest.raises(ValueError):
        torch.distributions.Normal(torch.tensor([0.0]), torch.tensor([-1.0]))
    with pytest.raises(ValueError, match=r"parameter loc .* Real\(\)"):
        Normal(dg.tensor([math.nan]), dg.tensor([1.0]))
    d = Normal(dg.zeros(2), dg.ones(2))
    with pytest.raises(ValueError, match="within the support"):
        d.log_prob(dg.tensor([0.0, math.nan]))
    with pytest.raises(ValueError, match="must be a Tensor"):
        d.log_prob(0.5)
    with pytest.raises(ValueError, match="not broadcastable"):
        d.log_prob(dg.zeros(3))
    assert Normal(dg.zeros(1), dg.tensor([-1.0]), validate_args=False).scale.item() == -1.0


def test_gradcheck_log_prob_float64():
    loc = dg.tensor([0.3, -1.2, 2.0], dtype=dg.float64, requires_grad=True)
    scale = dg.tensor([0.5, 2.0, 1.3], dtype=dg.float64, requires_grad=True)
    v = dg.tensor([0.1, 0.2, -0.4], dtype=dg.float64)
    assert gradcheck(lambda a, b: Normal(a, b).log_prob(v), loc, scale)
    assert gradcheck(lambda a, b: Normal(a, b).cdf(v), loc, scale)
