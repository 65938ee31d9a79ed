import numpy as np
import pytest

import deepgrad as dg
from deepgrad.distributions import MultivariateNormal
from deepgrad.gradcheck import gradcheck

LOC = [[0.5, -1.0, 2.0], [0.0, 0.3, -0.2]]
TRIL = [[1.5, 0.0, 0.0], [0.4, 0.8, 0.0], [-0.3, 0.2, 1.1]]
COV = (np.array(TRIL) @ np.array(TRIL).T).tolist()
VALUE = np.array([[[0.1, 0.2, 0.3], [1.0, -1.0, 0.5]], [[2.0, 0.0, -1.0], [0.0, 0.0, 0.0]]])


@pytest.mark.parametrize("param", ["scale_tril", "covariance_matrix", "precision_matrix"])
@pytest.mark.parametrize(
    "what",
    [
        lambda m, d: d.log_prob(m.tensor(VALUE)),  # (2, 2, 3): sample dims before the batch
        lambda m, d: d.entropy(),
        lambda m, d: d.variance,
        lambda m, d: d.covariance_matrix,
        lambda m, d: d.precision_matrix,
        lambda m, d: d.scale_tril,
    ],
)
def test_values_and_parameter_gradients_match_torch(twins, param, what):
    t = twins(LOC, TRIL if param == "scale_tril" else COV)
    t.check(
        lambda m, loc, mat: what(m, m.distributions.MultivariateNormal(loc, **{param: mat})),
        rtol=1e-6,
        atol=1e-9,
    )


def test_batched_matrices_broadcast_with_loc(twins):
    mats = np.stack([TRIL, np.diag([1.0, 2.0, 0.5])])
    t = twins([0.0, 1.0, -1.0], mats)
    d = t.check(
        lambda m, loc, mat: m.distributions.MultivariateNormal(loc, scale_tril=mat).log_prob(
            m.tensor(VALUE)
        ),
        rtol=1e-6,
    )
    assert d.shape == (2, 2)


@pytest.mark.parametrize("sample_shape", [(), (4,), (2, 5)])
def test_shapes_and_rsample_gradient(sample_shape, torch):
    loc = dg.tensor(LOC, requires_grad=True)
    tril = dg.tensor(TRIL, requires_grad=True)
    d = MultivariateNormal(loc, scale_tril=tril)
    assert d.batch_shape == (2,) and d.event_shape == (3,)
    x = d.rsample(sample_shape)
    assert x.shape == sample_shape + (2, 3)
    assert d.sample(sample_shape).shape == x.shape and not d.sample().requires_grad
    x.sum().backward()
    assert loc.grad is not None and tril.grad is not None


def test_sample_statistics_follow_the_covariance():
    d = MultivariateNormal(dg.tensor([1.0, -2.0, 0.0], dtype=dg.float64),
                           scale_tril=dg.tensor(TRIL, dtype=dg.float64))  # fmt: skip
    dg.manual_seed(7)
    x = d.sample((40000,)).numpy()
    np.testing.assert_allclose(x.mean(0), [1.0, -2.0, 0.0], atol=0.03)
    np.testing.assert_allclose(np.cov(x.T), COV, atol=0.05)


def test_validation_errors_as_torch(torch):
    with pytest.raises(ValueError, match="Exactly one of"):
        MultivariateNormal(dg.zeros(2))
    with pytest.raises(ValueError, match="at least one-dimensional"):
        MultivariateNormal(dg.tensor(0.0), dg.eye(1))
    with pytest.raises(ValueError, match=r"covariance_matrix .* PositiveDefinite\(\)"):
        MultivariateNormal(dg.zeros(2), dg.tensor([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(ValueError):
        torch.distributions.MultivariateNormal(
            torch.zeros(2), torch.tensor([[1.0, 2.0], [2.0, 1.0]])
        )
    with pytest.raises(ValueError, match=r"scale_tril .* LowerCholesky\(\)"):
        MultivariateNormal(dg.zeros(2), scale_tril=dg.tensor([[1.0, 1.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="event_shape"):
        MultivariateNormal(dg.zeros(2), dg.eye(2)).log_prob(dg.zeros(3))


def test_expand(torch):
    d = MultivariateNormal(dg.zeros(3), scale_tril=dg.tensor(TRIL)).expand((4,))
    t = torch.distributions.MultivariateNormal(
        torch.zeros(3), scale_tril=torch.tensor(TRIL)
    ).expand((4,))
    assert d.batch_shape == (4,) and d.scale_tril.shape == (4, 3, 3)
    v = np.ones((4, 3), dtype=np.float32)
    np.testing.assert_allclose(
        d.log_prob(dg.tensor(v)).numpy(), t.log_prob(torch.tensor(v)).numpy(), rtol=1e-5
    )


def test_gradcheck_log_prob_float64():
    loc = dg.tensor(LOC, dtype=dg.float64, requires_grad=True)
    tril = dg.tensor(TRIL, dtype=dg.float64, requires_grad=True)
    cov = dg.tensor(COV, dtype=dg.float64, requires_grad=True)
    v = dg.tensor(VALUE)
    # the finite differences step off the lower triangle: validation (as PyTorch's) is off
    assert gradcheck(
        lambda a, b: MultivariateNormal(a, scale_tril=b, validate_args=False).log_prob(v),
        loc,
        tril,
    )
    # cholesky reads one triangle: the covariance is made symmetric inside (as PyTorch's
    # symmetrized cholesky gradient assumes)
    assert gradcheck(lambda a, b: MultivariateNormal(a, (b + b.mT) / 2).log_prob(v), loc, cov)
