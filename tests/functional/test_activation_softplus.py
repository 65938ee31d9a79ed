"""softplus with PyTorch's beta and threshold: values, first and second derivatives."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn

X = np.concatenate([np.linspace(-30, 30, 61), [19.99, 20.0, 20.01, 9.99, 10.0, 10.01]])


@pytest.mark.parametrize(("beta", "threshold"), [(1, 20), (2, 20), (0.5, 5), (3, 1)])
def test_softplus_matches_torch(beta, threshold, torch):
    a = dg.tensor(X, dtype=dg.float64, requires_grad=True)
    y = dg.functional.softplus(a, beta, threshold)
    (g,) = dg.grad(y.sum(), a, create_graph=True)
    (gg,) = dg.grad(g.sum(), a)
    t = torch.tensor(X, requires_grad=True)
    ty = torch.nn.functional.softplus(t, beta, threshold)
    (tg,) = torch.autograd.grad(ty.sum(), t, create_graph=True)
    (tgg,) = torch.autograd.grad(tg.sum(), t)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g.numpy(), tg.detach().numpy(), rtol=1e-12, atol=1e-12)
    # PyTorch's double backward gives 0 at exactly βx = threshold, its first derivative σ(βx)
    # there: the second derivative is compared off that point
    off = X * beta != threshold
    np.testing.assert_allclose(gg.numpy()[off], tgg.numpy()[off], rtol=1e-10, atol=1e-12)
    module = nn.Softplus(beta, threshold)
    np.testing.assert_allclose(module(dg.tensor(X)).numpy(), ty.detach().numpy(), rtol=1e-5)


def test_softplus_gradcheck_and_float32_extremes():
    x = dg.tensor(np.random.default_rng(0).normal(size=(3, 4)) * 3, dtype=dg.float64,
                  requires_grad=True)  # fmt: skip
    assert dg.gradcheck(lambda t: dg.functional.softplus(t, 2.0, 4.0), [x])
    big = dg.functional.softplus(dg.tensor([-1e4, 0.0, 1e4]))
    assert big.dtype == np.float32 and np.isfinite(big.numpy()).all()
    np.testing.assert_allclose(big.numpy(), [0.0, np.log(2.0), 1e4], rtol=1e-6)


def test_softplus_nonpositive_beta_and_config(torch):
    """PyTorch takes any β: negative (a smooth min(x, 0)) and 0 (inf, gradient 1/2); the
    functional fuzz found deepgrad refusing them."""
    x = np.array([-2.0, 0.5, 2.0])
    for beta, threshold in ((-1.0, 1.0), (-2.0, 20.0), (0.0, 20.0)):
        a, t = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y = nn.Softplus(beta, threshold)(a)
        ty = torch.nn.Softplus(beta, threshold)(t)
        np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12)
        y.sum().backward()
        ty.sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    m = nn.Softplus(2.0, 5.0)
    assert repr(m) == "Softplus(beta=2.0, threshold=5.0)"
    assert m.get_config() == {"beta": 2.0, "threshold": 5.0}
