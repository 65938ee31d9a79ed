import math

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.distributions import (
    Bernoulli,
    Categorical,
    Distribution,
    Normal,
    Uniform,
    kl_divergence,
    register_kl,
)

TRIL_P = [[1.5, 0.0], [0.4, 0.8]]
TRIL_Q = [[[0.7, 0.0], [-0.2, 1.3]], [[2.0, 0.0], [0.5, 0.5]]]


def _pair(m, make, a, b):
    return m.distributions.kl_divergence(make(m, *a), make(m, *b))


CASES = {
    "normal": (
        lambda m, loc, scale: m.distributions.Normal(loc, scale),
        ([0.0, 1.0, -2.0], [1.0, 0.5, 2.0]),
        ([0.5, 1.0, 0.0], [2.0, 0.5, 0.3]),
    ),
    "categorical": (
        lambda m, logits: m.distributions.Categorical(logits=logits),
        ([[0.1, 2.0, -1.0], [0.0, 0.0, 0.0]],),
        ([[1.0, 0.0, 0.5], [3.0, -1.0, 0.2]],),
    ),
    "categorical_probs": (
        lambda m, probs: m.distributions.Categorical(probs=probs),
        ([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]],),
        ([[0.1, 0.1, 0.8], [0.3, 0.3, 0.4]],),
    ),
    "one_hot": (
        lambda m, logits: m.distributions.OneHotCategorical(logits=logits),
        ([[0.1, 2.0, -1.0]],),
        ([[1.0, 0.0, 0.5]],),
    ),
    "bernoulli": (
        lambda m, probs: m.distributions.Bernoulli(probs),
        ([0.1, 0.5, 0.9],),
        ([0.3, 0.4, 0.6],),
    ),
    "bernoulli_logits": (
        lambda m, logits: m.distributions.Bernoulli(logits=logits),
        ([-1.0, 0.5, 3.0],),
        ([0.3, -2.0, 0.0],),
    ),
    "uniform": (
        lambda m, lo, hi: m.distributions.Uniform(lo, hi),
        ([0.0, 1.0], [1.0, 2.0]),
        ([-1.0, 0.5], [2.0, 3.0]),
    ),
    "independent": (
        lambda m, loc, scale: m.distributions.Independent(m.distributions.Normal(loc, scale), 1),
        ([[0.0, 1.0], [2.0, -1.0]], [[1.0, 0.5], [0.3, 2.0]]),
        ([[0.5, 0.0], [2.0, 1.0]], [[2.0, 0.4], [1.0, 1.0]]),
    ),
    "mvn": (
        lambda m, loc, tril: m.distributions.MultivariateNormal(loc, scale_tril=tril),
        ([1.0, -1.0], TRIL_P),
        ([[0.0, 0.5], [2.0, 0.0]], TRIL_Q),
    ),
    "mvn_cov": (
        lambda m, loc, cov: m.distributions.MultivariateNormal(loc, cov),
        ([1.0, -1.0], [[2.0, 0.3], [0.3, 1.0]]),
        ([0.0, 0.5], [[1.0, -0.2], [-0.2, 0.5]]),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_kl_values_and_gradients_of_both_sides_match_torch(twins, case):
    make, a, b = CASES[case]
    t = twins(*a, *b)
    n = len(a)
    t.check(lambda m, *ps: _pair(m, make, ps[:n], ps[n:]), rtol=1e-6, atol=1e-9)


def test_infinite_and_zero_cases_match_torch(torch):
    p, q = [0.0, 1.0, 0.5], [0.5, 0.5, 0.0]
    got = kl_divergence(Bernoulli(dg.tensor(p)), Bernoulli(dg.tensor(q))).numpy()
    want = torch.distributions.kl_divergence(
        torch.distributions.Bernoulli(torch.tensor(p)),
        torch.distributions.Bernoulli(torch.tensor(q)),
    ).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5)
    assert math.isinf(got[2])
    pc, qc = [[0.5, 0.5, 0.0]], [[0.5, 0.0, 0.5]]
    got = kl_divergence(Categorical(dg.tensor(pc)), Categorical(dg.tensor(qc)))
    want = torch.distributions.kl_divergence(
        torch.distributions.Categorical(torch.tensor(pc)),
        torch.distributions.Categorical(torch.tensor(qc)),
    )
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    got = kl_divergence(Uniform(0.0, 2.0), Uniform(dg.tensor([0.5, -1.0]), dg.tensor([3.0, 3.0])))
    assert math.isinf(got[0].item()) and got[1].item() == pytest.approx(math.log(2.0))


def test_unregistered_pairs_and_register_kl():
    with pytest.raises(NotImplementedError, match="No KL"):
        kl_divergence(Normal(0.0, 1.0), Categorical(dg.tensor([0.5, 0.5])))
    with pytest.raises(NotImplementedError, match="different exponential families"):
        kl_divergence(Normal(0.0, 1.0), Bernoulli(0.5))  # both exponential families, as torch
    with pytest.raises(TypeError):
        register_kl(int, Normal)

    class Shifted(Normal):
        pass

    @register_kl(Shifted, Normal)
    def _kl(p, q):
        return p.loc * 0 + 42.0

    assert kl_divergence(Shifted(0.0, 1.0), Normal(0.0, 1.0)).item() == 42.0
    assert kl_divergence(Normal(0.0, 1.0), Shifted(1.0, 1.0)).item() == pytest.approx(0.5)
    assert issubclass(Shifted, Distribution)


def test_vae_style_kl_to_standard_normal(torch):
    """A VAE's KL(q(z|x) || N(0, I)) summed over latents, with the reparameterized sample."""
    rng = np.random.default_rng(0)
    mu, logvar = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    md, lvd = dg.tensor(mu, requires_grad=True), dg.tensor(logvar, requires_grad=True)
    mt, lvt = torch.tensor(mu, requires_grad=True), torch.tensor(logvar, requires_grad=True)
    qd = dg.distributions.Normal(md, (0.5 * lvd).exp())
    qt = torch.distributions.Normal(mt, (0.5 * lvt).exp())
    kd = kl_divergence(qd, dg.distributions.Normal(dg.zeros_like(md), dg.ones_like(md))).sum()
    kt = torch.distributions.kl_divergence(
        qt, torch.distributions.Normal(torch.zeros_like(mt), torch.ones_like(mt))
    ).sum()
    kd.backward()
    kt.backward()
    np.testing.assert_allclose(kd.item(), kt.item(), rtol=1e-10)
    np.testing.assert_allclose(md.grad.numpy(), mt.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(lvd.grad.numpy(), lvt.grad.numpy(), rtol=1e-10)
    closed = -0.5 * (1 + logvar - mu**2 - np.exp(logvar)).sum()
    np.testing.assert_allclose(kd.item(), closed, rtol=1e-10)
