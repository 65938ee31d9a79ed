import numpy as np
import pytest

import deepgrad as dg
from deepgrad.distributions import Categorical, OneHotCategorical
from deepgrad.gradcheck import gradcheck

LOGITS = [[1.0, 2.0, 0.5, -1.0], [0.0, -1.0, 3.0, 0.2], [0.4, 0.4, 0.4, 0.4]]
PROBS = [[0.1, 0.2, 0.3, 0.4], [0.5, 0.25, 0.125, 0.125], [0.7, 0.1, 0.1, 0.1]]
ACTIONS = [3, 0, 2]


@pytest.mark.parametrize("param", ["logits", "probs"])
@pytest.mark.parametrize(
    "what",
    [
        lambda m, d: d.log_prob(m.tensor(ACTIONS)),
        lambda m, d: d.log_prob(m.tensor([[0], [1]])),  # broadcast against the batch
        lambda m, d: d.entropy(),
        lambda m, d: d.probs,
        lambda m, d: d.logits,
        lambda m, d: d.perplexity(),
    ],
)
def test_values_and_parameter_gradients_match_torch(twins, param, what):
    t = twins(LOGITS if param == "logits" else PROBS)
    t.check(lambda m, x: what(m, m.distributions.Categorical(**{param: x})))


def test_logits_are_normalized_and_probs_unnormalized_are_normalized(torch):
    d = Categorical(logits=dg.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(d.logits.exp().sum().item(), 1.0, rtol=1e-6)
    p = Categorical(probs=dg.tensor([1.0, 1.0, 2.0]))
    np.testing.assert_allclose(p.probs.numpy(), [0.25, 0.25, 0.5])
    t = torch.distributions.Categorical(probs=torch.tensor([0.0, 1.0]))
    d = Categorical(probs=dg.tensor([0.0, 1.0]))
    np.testing.assert_allclose(d.logits.numpy(), t.logits.numpy())  # clamped, not -inf


def test_moments_mode_and_support(torch):
    d = Categorical(probs=dg.tensor(PROBS))
    t = torch.distributions.Categorical(probs=torch.tensor(PROBS))
    assert d.mode.tolist() == t.mode.tolist()
    assert d.mean.shape == (3,) and bool(d.mean.isnan().all())
    assert bool(d.variance.isnan().all())
    assert d.enumerate_support().tolist() == t.enumerate_support().tolist()
    assert d.enumerate_support(expand=False).shape == (4, 1)
    assert repr(d.support) == repr(t.support)
    assert d.param_shape == (3, 4)


@pytest.mark.parametrize("sample_shape", [(), (6,), (2, 5)])
@pytest.mark.parametrize("batch", [(), (3,), (2, 3)])
def test_sample_shapes_and_dtype(sample_shape, batch):
    d = Categorical(logits=dg.zeros(batch + (4,)))
    s = d.sample(sample_shape)
    assert s.shape == sample_shape + batch and s.dtype == np.int64
    assert d.sample((0,)).shape == (0,) + batch


def test_sample_frequencies_and_seed():
    d = Categorical(probs=dg.tensor([[0.1, 0.2, 0.7], [0.6, 0.3, 0.1]]))
    dg.manual_seed(4)
    s = d.sample((20000,))
    dg.manual_seed(4)
    assert bool((d.sample((20000,)) == s).all())
    freq = np.stack([(s.numpy() == k).mean(0) for k in range(3)], -1)
    np.testing.assert_allclose(freq, [[0.1, 0.2, 0.7], [0.6, 0.3, 0.1]], atol=0.015)


def test_reinforce_update_matches_torch(torch):
    """A policy network's REINFORCE loss: -(log_prob(actions) * returns).sum(), backward."""
    rng = np.random.default_rng(0)
    w, x = rng.standard_normal((5, 3)), rng.standard_normal((8, 5))
    returns = rng.standard_normal(8)
    wd, wt = dg.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    dist_d = Categorical(logits=dg.tensor(x) @ wd)
    actions = dist_d.sample()
    dist_t = torch.distributions.Categorical(logits=torch.tensor(x) @ wt)
    loss_d = -(dist_d.log_prob(actions) * dg.tensor(returns)).sum() - 0.01 * dist_d.entropy().sum()
    loss_t = (
        -(dist_t.log_prob(torch.tensor(actions.numpy())) * torch.tensor(returns)).sum()
        - 0.01 * dist_t.entropy().sum()
    )
    loss_d.backward()
    loss_t.backward()
    np.testing.assert_allclose(loss_d.item(), loss_t.item(), rtol=1e-10)
    np.testing.assert_allclose(wd.grad.numpy(), wt.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_validation_errors_as_torch(torch):
    with pytest.raises(ValueError, match="not both"):
        Categorical(probs=dg.ones(2), logits=dg.ones(2))
    with pytest.raises(ValueError, match="at least one-dimensional"):
        Categorical(probs=dg.tensor(1.0))
    with pytest.raises(ValueError, match=r"parameter probs .* Simplex\(\)"):
        Categorical(probs=dg.tensor([-0.5, 1.0]))
    with pytest.raises(ValueError):
        torch.distributions.Categorical(probs=torch.tensor([-0.5, 1.0]))
    d = Categorical(logits=dg.zeros(3))
    with pytest.raises(ValueError, match=r"IntegerInterval\(lower_bound=0, upper_bound=2\)"):
        d.log_prob(dg.tensor(3))
    with pytest.raises(ValueError, match="within the support"):
        d.log_prob(dg.tensor(1.5))


def test_expand(torch):
    d = Categorical(logits=dg.tensor([0.0, 1.0, 2.0])).expand((4,))
    t = torch.distributions.Categorical(logits=torch.tensor([0.0, 1.0, 2.0])).expand((4,))
    assert d.batch_shape == (4,) and d.sample().shape == (4,)
    v = [0, 1, 2, 1]
    np.testing.assert_allclose(
        d.log_prob(dg.tensor(v)).numpy(), t.log_prob(torch.tensor(v)).numpy(), rtol=1e-6
    )


def test_gradcheck_log_prob_float64():
    logits = dg.tensor(LOGITS, dtype=dg.float64, requires_grad=True)
    probs = dg.tensor(PROBS, dtype=dg.float64, requires_grad=True)
    a = dg.tensor(ACTIONS)
    assert gradcheck(lambda x: Categorical(logits=x).log_prob(a), logits)
    assert gradcheck(lambda x: Categorical(logits=x).entropy(), logits)
    assert gradcheck(lambda x: Categorical(probs=x, validate_args=False).log_prob(a), probs)


@pytest.mark.parametrize("param", ["logits", "probs"])
def test_one_hot_categorical_matches_torch(twins, param):
    t = twins(LOGITS if param == "logits" else PROBS)
    value = np.eye(4)[ACTIONS]
    t.check(lambda m, x: m.distributions.OneHotCategorical(**{param: x}).log_prob(m.tensor(value)))
    t.check(lambda m, x: m.distributions.OneHotCategorical(**{param: x}).entropy())
    t.check(lambda m, x: m.distributions.OneHotCategorical(**{param: x}).variance)


def test_one_hot_categorical_samples_support_and_straight_through(torch):
    d = OneHotCategorical(logits=dg.zeros(2, 3))
    s = d.sample((5,))
    assert s.shape == (5, 2, 3) and bool((s.sum(-1) == 1).all())
    assert d.event_shape == (3,) and d.batch_shape == (2,)
    assert d.enumerate_support().shape == (3, 2, 3)
    assert d.mode.tolist() == [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]
    with pytest.raises(ValueError, match=r"OneHot\(\)"):
        d.log_prob(dg.tensor([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]]))
    logits = dg.tensor([0.5, 1.0, -1.0], requires_grad=True)
    st = dg.distributions.OneHotCategoricalStraightThrough(logits=logits)
    (st.rsample() * dg.tensor([1.0, 2.0, 3.0])).sum().backward()
    lt = torch.tensor([0.5, 1.0, -1.0], requires_grad=True)
    p = torch.softmax(lt, -1)
    (p * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(logits.grad.numpy(), lt.grad.numpy(), rtol=1e-6)
