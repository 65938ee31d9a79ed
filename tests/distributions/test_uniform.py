import numpy as np
import pytest

import deepgrad as dg
from deepgrad.distributions import Uniform
from deepgrad.gradcheck import gradcheck

LOW = [[0.0, -1.0], [2.0, -3.5]]
HIGH = [[1.0, 1.0], [5.0, -0.5]]
VALUE = np.array([[0.5, 0.9], [4.99, -3.5]])


@pytest.mark.parametrize(
    "what",
    [
        lambda m, d: d.log_prob(m.tensor(VALUE)),
        lambda m, d: d.cdf(m.tensor(VALUE)),
        lambda m, d: d.icdf(m.tensor([0.25, 0.5])),
        lambda m, d: d.entropy(),
        lambda m, d: d.mean,
        lambda m, d: d.variance,
        lambda m, d: d.stddev,
    ],
)
def test_values_and_parameter_gradients_match_torch(twins, what):
    t = twins(LOW, HIGH)
    t.check(lambda m, lo, hi: what(m, m.distributions.Uniform(lo, hi)))


def test_log_prob_outside_without_validation_is_minus_inf(torch):
    d = Uniform(dg.zeros(2), dg.ones(2), validate_args=False)
    t = torch.distributions.Uniform(torch.zeros(2), torch.ones(2), validate_args=False)
    v = [-0.5, 1.0]  # high is excluded
    np.testing.assert_array_equal(
        d.log_prob(dg.tensor(v)).numpy(), t.log_prob(torch.tensor(v)).numpy()
    )


def test_rsample_gradients_shapes_and_statistics():
    lo = dg.tensor([0.0, 2.0], requires_grad=True)
    hi = dg.tensor([1.0, 6.0], requires_grad=True)
    dg.manual_seed(2)
    x = Uniform(lo, hi).rsample((20000,))
    assert x.shape == (20000, 2)
    x.sum().backward()
    dg.manual_seed(2)
    u = dg.rand(20000, 2).sum(0).numpy()
    np.testing.assert_allclose(hi.grad.numpy(), u, rtol=1e-4)
    np.testing.assert_allclose(lo.grad.numpy(), 20000 - u, rtol=1e-4)
    np.testing.assert_allclose(x.detach().mean(0).numpy(), [0.5, 4.0], atol=0.03)
    np.testing.assert_allclose(x.detach().var(0).numpy(), [1 / 12, 16 / 12], rtol=0.04)
    assert bool(((x >= lo) & (x < hi)).all())
    assert Uniform(0.0, 1.0).sample((2, 3)).shape == (2, 3)


def test_validation_errors_as_torch(torch):
    with pytest.raises(ValueError, match=r"parameter low .* LessThan"):
        Uniform(dg.tensor([2.0]), dg.tensor([1.0]))
    with pytest.raises(ValueError):
        torch.distributions.Uniform(torch.tensor([2.0]), torch.tensor([1.0]))
    with pytest.raises(ValueError, match=r"Interval\(lower_bound="):
        Uniform(0.0, 1.0).log_prob(dg.tensor(1.5))
    assert repr(Uniform(0.0, 1.0).support) == repr(torch.distributions.Uniform(0.0, 1.0).support)


def test_expand_and_gradcheck():
    d = Uniform(dg.tensor([0.0]), dg.tensor([2.0])).expand((4, 1))
    assert d.batch_shape == (4, 1) and d.sample().shape == (4, 1)
    lo = dg.tensor([0.0, -1.0], dtype=dg.float64, requires_grad=True)
    hi = dg.tensor([1.0, 3.0], dtype=dg.float64, requires_grad=True)
    v = dg.tensor([0.5, 0.0], dtype=dg.float64)
    assert gradcheck(lambda a, b: Uniform(a, b).log_prob(v), lo, hi)
    assert gradcheck(lambda a, b: Uniform(a, b).cdf(v), lo, hi)
