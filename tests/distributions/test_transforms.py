"""TransformedDistribution and the elementwise transforms against torch.distributions: the
squashed Gaussian of SAC (TanhTransform(cache_size=1), log_prob of its own rsample through the
cache), Affine+Sigmoid, Exp (a LogNormal), Softplus, an AffineTransform with event_dim=1 over
an Independent base; log_prob and gradients, inverses, Jacobians, shapes."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

rng = np.random.default_rng(0)
MU = rng.standard_normal((4, 3))
LOG_STD = 0.3 * rng.standard_normal((4, 3))
Y = np.tanh(rng.standard_normal((4, 3)))


def _build(lib, kind, mu, log_std):
    D, T = lib.distributions, lib.distributions.transforms
    base = D.Normal(mu, log_std.exp())
    if kind == "tanh":
        return D.TransformedDistribution(base, [T.TanhTransform(cache_size=1)])
    if kind == "affine_sigmoid":
        return D.TransformedDistribution(base, [T.AffineTransform(0.5, 2.0), T.SigmoidTransform()])
    if kind == "exp":
        return D.TransformedDistribution(base, T.ExpTransform())
    if kind == "softplus":
        return D.TransformedDistribution(base, [T.SoftplusTransform()])
    scale = lib.tensor([1.0, -2.0, 0.5], dtype=mu.dtype)
    return D.TransformedDistribution(
        D.Independent(base, 1), [T.AffineTransform(mu.detach() * 0 + 1.0, scale, event_dim=1)]
    )


VALUES = {
    "tanh": Y,
    "affine_sigmoid": (Y + 1) / 2,
    "exp": np.exp(Y),
    "softplus": np.log1p(np.exp(Y)),
    "affine_event": Y,
}


@pytest.mark.parametrize("kind", list(VALUES))
def test_log_prob_as_torch(torch, kind):
    ours_p = [dg.tensor(a, requires_grad=True) for a in (MU, LOG_STD)]
    theirs_p = [torch.tensor(a, requires_grad=True) for a in (MU, LOG_STD)]
    ours, theirs = _build(dg, kind, *ours_p), _build(torch, kind, *theirs_p)
    assert ours.batch_shape == tuple(theirs.batch_shape)
    assert ours.event_shape == tuple(theirs.event_shape)
    lp, tlp = ours.log_prob(dg.tensor(VALUES[kind])), theirs.log_prob(torch.tensor(VALUES[kind]))
    np.testing.assert_allclose(lp.detach().numpy(), tlp.detach().numpy(), rtol=1e-10)
    lp.sum().backward()
    tlp.sum().backward()
    for p, q in zip(ours_p, theirs_p):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-12)
    s = ours.rsample((2,))
    assert s.shape == (2, *ours.batch_shape, *ours.event_shape)
    assert bool(ours.support.check(ours.sample()).all())


def test_sac_squashed_gaussian_cache(torch):
    """SAC's ``action = dist.rsample(); logp = dist.log_prob(action)``: the cache hands back
    the pre-tanh sample, so a saturated action (tanh = ±1 in float64) stays finite, as
    PyTorch's; without the cache atanh(1) is inf in both."""
    for lib in (dg, torch):
        D, T = lib.distributions, lib.distributions.transforms
        mu = lib.tensor([30.0, 0.1], dtype=lib.float64, requires_grad=True)
        d = D.TransformedDistribution(D.Normal(mu, lib.ones(2, dtype=lib.float64)),
                                      [T.TanhTransform(cache_size=1)])  # fmt: skip
        x = d.base_dist.loc * 1.0  # a draw at the mean, pushed through the transform
        a = d.transforms[0](x)
        assert a[0].item() == 1.0
        lp = d.log_prob(a)
        assert bool(lp.isfinite().all())
        lp.sum().backward()
        assert bool(mu.grad.isfinite().all())
        nocache = D.TransformedDistribution(
            D.Normal(mu, lib.ones(2, dtype=lib.float64)), [T.TanhTransform()]
        )
        assert not bool(nocache.log_prob(a.detach()).isfinite().all())


def test_transform_methods_as_torch(torch):
    x = rng.standard_normal(5)
    for name, args in [("TanhTransform", ()), ("SigmoidTransform", ()), ("ExpTransform", ()),
                       ("SoftplusTransform", ()), ("AffineTransform", (1.5, -3.0))]:  # fmt: skip
        ours = getattr(dg.distributions.transforms, name)(*args)
        theirs = getattr(torch.distributions.transforms, name)(*args)
        y, ty = ours(dg.tensor(x)), theirs(torch.tensor(x))
        np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-12)
        np.testing.assert_allclose(ours.inv(y).numpy(), theirs.inv(ty).numpy(), rtol=1e-9)
        np.testing.assert_allclose(
            ours.log_abs_det_jacobian(dg.tensor(x), y).numpy(),
            theirs.log_abs_det_jacobian(torch.tensor(x), ty).numpy(),
            rtol=1e-12,
        )
        np.testing.assert_allclose(
            ours.inv.log_abs_det_jacobian(y, dg.tensor(x)).numpy(),
            theirs.inv.log_abs_det_jacobian(ty, torch.tensor(x)).numpy(),
            rtol=1e-12,
        )
