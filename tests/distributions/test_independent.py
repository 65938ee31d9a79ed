import numpy as np
import pytest

import deepgrad as dg
from deepgrad.distributions import Bernoulli, Independent, Normal
from deepgrad.gradcheck import gradcheck

LOC = np.array([[0.3, -1.2, 2.0], [0.0, 0.5, -0.7]])
SCALE = np.array([[0.5, 2.0, 1.3], [0.9, 0.1, 3.0]])


@pytest.mark.parametrize("ndims", [0, 1, 2])
@pytest.mark.parametrize(
    "what",
    [
        lambda m, d: d.log_prob(m.tensor(LOC * 0.5)),
        lambda m, d: d.entropy(),
        lambda m, d: d.mean,
        lambda m, d: d.variance,
    ],
)
def test_values_and_gradients_match_torch(twins, ndims, what):
    t = twins(LOC, SCALE)
    t.check(
        lambda m, loc, scale: what(
            m, m.distributions.Independent(m.distributions.Normal(loc, scale), ndims)
        )
    )


def test_shapes_support_and_repr(torch):
    d = Independent(Normal(dg.zeros(4, 2, 3), dg.ones(4, 2, 3)), 2)
    t = torch.distributions.Independent(
        torch.distributions.Normal(torch.zeros(4, 2, 3), torch.ones(4, 2, 3)), 2
    )
    assert d.batch_shape == (4,) and d.event_shape == (2, 3)
    assert d.sample((5,)).shape == (5, 4, 2, 3) and d.rsample().shape == (4, 2, 3)
    assert d.has_rsample and not d.has_enumerate_support
    assert repr(d.support) == repr(t.support)
    assert repr(d).startswith("Independent(Normal(")
    e = d.expand((6, 4))
    assert e.batch_shape == (6, 4) and e.log_prob(dg.zeros(2, 3)).shape == (6, 4)
    with pytest.raises(ValueError, match="reinterpreted_batch_ndims"):
        Independent(Normal(dg.zeros(3), dg.ones(3)), 2)
    with pytest.raises(NotImplementedError):
        Independent(Bernoulli(dg.ones(3) / 2), 1).enumerate_support()
    with pytest.raises(ValueError, match="within the support"):
        Independent(Bernoulli(dg.ones(3) / 2), 1).log_prob(dg.tensor([0.0, 0.5, 1.0]))


def test_gradcheck_float64():
    loc = dg.tensor(LOC, requires_grad=True)
    scale = dg.tensor(SCALE, requires_grad=True)
    v = dg.tensor(LOC * 0.5)
    assert gradcheck(lambda a, b: Independent(Normal(a, b), 1).log_prob(v), loc, scale)
