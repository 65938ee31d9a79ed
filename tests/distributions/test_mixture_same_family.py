"""MixtureSameFamily against torch.distributions: the mixture density network's head
(``Categorical(logits)`` over ``Independent(Normal(mu, sigma), 1)`` components, and scalar
``Normal`` components), log_prob and its gradients, mean, variance, cdf; draws' shapes and
moments; PyTorch's refusals."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

rng = np.random.default_rng(0)
PI = rng.standard_normal((5, 3))
MU = rng.standard_normal((5, 3, 2))
SIG = np.exp(0.3 * rng.standard_normal((5, 3, 2)))
Y = rng.standard_normal((5, 2))


def _mixture(lib, independent, params):
    pi, mu, sig = params
    if independent:
        comp = lib.distributions.Independent(lib.distributions.Normal(mu, sig), 1)
    else:
        comp = lib.distributions.Normal(mu[..., 0], sig[..., 0])
    return lib.distributions.MixtureSameFamily(lib.distributions.Categorical(logits=pi), comp)


@pytest.mark.parametrize("independent", [True, False])
def test_mdn_head_as_torch(torch, independent):
    ours_p = [dg.tensor(a, requires_grad=True) for a in (PI, MU, SIG)]
    theirs_p = [torch.tensor(a, requires_grad=True) for a in (PI, MU, SIG)]
    ours, theirs = _mixture(dg, independent, ours_p), _mixture(torch, independent, theirs_p)
    y = Y if independent else Y[:, 0]
    lp, tlp = ours.log_prob(dg.tensor(y)), theirs.log_prob(torch.tensor(y))
    np.testing.assert_allclose(lp.detach().numpy(), tlp.detach().numpy(), rtol=1e-12)
    (-lp.mean()).backward()
    (-tlp.mean()).backward()
    for p, q in zip(ours_p, theirs_p):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-10, atol=1e-14)
    for m in ("mean", "variance"):
        np.testing.assert_allclose(
            getattr(ours, m).detach().numpy(), getattr(theirs, m).detach().numpy(), rtol=1e-12
        )
    assert ours.batch_shape == tuple(theirs.batch_shape)
    assert ours.event_shape == tuple(theirs.event_shape)
    if not independent:
        np.testing.assert_allclose(
            ours.cdf(dg.tensor(y)).detach().numpy(),
            theirs.cdf(torch.tensor(y)).detach().numpy(),
            rtol=1e-12,
        )
    s = ours.sample((4000,))
    assert s.shape == (4000, *ours.batch_shape, *ours.event_shape)
    np.testing.assert_allclose(s.numpy().mean(0), ours.mean.detach().numpy(), atol=0.15)
    assert ours.expand((2, 5)).log_prob(dg.tensor(y)).shape == (2, 5)


def test_refusals_as_torch(torch):
    for lib in (dg, torch):
        with pytest.raises(ValueError):
            lib.distributions.MixtureSameFamily(
                lib.distributions.Categorical(logits=lib.zeros(4)),
                lib.distributions.Normal(lib.zeros(3), 1.0),
            )
        with pytest.raises(ValueError):
            lib.distributions.MixtureSameFamily(
                lib.distributions.Normal(lib.zeros(3), 1.0),
                lib.distributions.Normal(lib.zeros(3), 1.0),
            )
