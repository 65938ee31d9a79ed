import math

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.distributions import Bernoulli
from deepgrad.gradcheck import gradcheck

PROBS = [[0.1, 0.5, 0.9], [0.3, 0.02, 0.75]]
LOGITS = [[-2.0, 0.0, 1.5], [0.3, -4.0, 2.5]]
VALUE = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])


@pytest.mark.parametrize("param", ["logits", "probs"])
@pytest.mark.parametrize(
    "what",
    [
        lambda m, d: d.log_prob(m.tensor(VALUE)),
        lambda m, d: d.log_prob(m.tensor(VALUE[0])),  # broadcast
        lambda m, d: d.entropy(),
        lambda m, d: d.mean,
        lambda m, d: d.variance,
        lambda m, d: d.stddev,
        lambda m, d: d.probs,
        lambda m, d: d.logits,
    ],
)
def test_values_and_parameter_gradients_match_torch(twins, param, what):
    t = twins(LOGITS if param == "logits" else PROBS)
    t.check(lambda m, x: what(m, m.distributions.Bernoulli(**{param: x})))


def test_mode_scalar_parameter_and_support(torch):
    p = [0.2, 0.5, 0.8]
    got = Bernoulli(dg.tensor(p)).mode.numpy()
    want = torch.distributions.Bernoulli(torch.tensor(p)).mode.numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(got[~np.isnan(got)], want[~np.isnan(want)])
    d = Bernoulli(0.3)
    assert d.batch_shape == () and d.sample((4,)).shape == (4,)
    assert d.enumerate_support().tolist() == [0.0, 1.0]
    assert Bernoulli(dg.tensor(p)).enumerate_support().shape == (2, 3)


@pytest.mark.parametrize("sample_shape", [(), (7,), (2, 3)])
def test_sample_shape_dtype_and_frequency(sample_shape):
    d = Bernoulli(dg.tensor([0.2, 0.9]))
    s = d.sample(sample_shape)
    assert s.shape == sample_shape + (2,) and s.dtype == np.float32
    dg.manual_seed(5)
    big = d.sample((20000,))
    dg.manual_seed(5)
    assert bool((d.sample((20000,)) == big).all())
    np.testing.assert_allclose(big.mean(0).numpy(), [0.2, 0.9], atol=0.01)


def test_validation_errors_as_torch(torch):
    with pytest.raises(ValueError, match=r"parameter probs .* Interval\(lower_bound=0.0, upper"):
        Bernoulli(dg.tensor([1.5]))
    with pytest.raises(ValueError):
        torch.distributions.Bernoulli(torch.tensor([1.5]))
    with pytest.raises(ValueError, match=r"Boolean\(\)"):
        Bernoulli(dg.tensor([0.5])).log_prob(dg.tensor([0.5]))
    with pytest.raises(ValueError, match="not both"):
        Bernoulli()


def test_expand_keeps_the_given_parameter(torch):
    d = Bernoulli(logits=dg.tensor([0.0, 1.0])).expand((3, 2))
    assert "logits" in d.__dict__ and "probs" not in d.__dict__
    assert d.batch_shape == (3, 2)
    t = torch.distributions.Bernoulli(logits=torch.tensor([0.0, 1.0])).expand((3, 2))
    np.testing.assert_allclose(d.entropy().numpy(), t.entropy().numpy(), rtol=1e-6)


def test_gradcheck_float64():
    logits = dg.tensor(LOGITS, dtype=dg.float64, requires_grad=True)
    probs = dg.tensor(PROBS, dtype=dg.float64, requires_grad=True)
    v = dg.tensor(VALUE)
    assert gradcheck(lambda x: Bernoulli(logits=x).log_prob(v), logits)
    assert gradcheck(lambda x: Bernoulli(probs=x).log_prob(v), probs)
    assert gradcheck(lambda x: Bernoulli(probs=x).entropy(), probs)
    assert not math.isnan(Bernoulli(probs=dg.tensor(0.0)).entropy().item())
