"""L1/L2 penalties: values, gradients (incl. double backward), relation to weight decay."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn, optim


def _params(dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    # keep l1's inputs away from 0, where |w| has no derivative
    arrays = [rng.uniform(0.2, 1.0, s) * rng.choice([-1, 1], s) for s in [(3, 4), (4,), (2, 1, 3)]]
    return [dg.tensor(a.astype(dtype), requires_grad=True) for a in arrays]


def test_values():
    ps = _params()
    arrays = [p.numpy() for p in ps]
    np.testing.assert_allclose(nn.l1_penalty(ps).item(), sum(np.abs(a).sum() for a in arrays))
    np.testing.assert_allclose(nn.l2_penalty(ps).item(), sum((a**2).sum() for a in arrays))
    assert nn.l2_penalty(ps[0]).shape == ()
    assert nn.l1_penalty([]).item() == 0.0 and nn.l2_penalty([]).item() == 0.0


def test_float32_stays_float32():
    ps = _params(np.float32)
    assert nn.l1_penalty(ps).dtype == np.float32
    assert nn.l2_penalty(ps).dtype == np.float32


@pytest.mark.parametrize("fn", [nn.l1_penalty, nn.l2_penalty])
def test_gradcheck(fn):
    ps = _params()
    assert dg.gradcheck(lambda *xs: fn(list(xs)), *ps)


def test_gradients_and_double_backward():
    ps = _params()
    (nn.l1_penalty(ps) + 0.5 * nn.l2_penalty(ps)).backward()
    for p in ps:
        np.testing.assert_allclose(p.grad.data, np.sign(p.numpy()) + p.numpy())
    w = ps[0]
    (g,) = dg.grad(nn.l2_penalty(w), w, create_graph=True)
    (gg,) = dg.grad(g.sum(), w)
    np.testing.assert_allclose(gg.data, np.full(w.shape, 2.0))


def test_matches_torch():
    torch = pytest.importorskip("torch")
    ps = _params()
    qs = [torch.tensor(p.numpy(), requires_grad=True) for p in ps]
    (0.3 * nn.l1_penalty(ps) + 0.7 * nn.l2_penalty(ps)).backward()
    (0.3 * sum(q.abs().sum() for q in qs) + 0.7 * sum((q**2).sum() for q in qs)).backward()
    for p, q in zip(ps, qs, strict=True):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-12)


def test_half_l2_in_the_loss_equals_weight_decay():
    lam = 0.1
    x = dg.tensor(np.random.default_rng(1).standard_normal((8, 3)))
    w1 = dg.tensor(np.ones((3, 2)), requires_grad=True)
    w2 = dg.tensor(np.ones((3, 2)), requires_grad=True)
    opt1 = optim.SGD([w1], lr=0.05, weight_decay=lam)
    opt2 = optim.SGD([w2], lr=0.05)
    for _ in range(5):
        opt1.zero_grad()
        ((x @ w1) ** 2).mean().backward()
        opt1.step()
        opt2.zero_grad()
        (((x @ w2) ** 2).mean() + lam / 2 * nn.l2_penalty([w2])).backward()
        opt2.step()
    np.testing.assert_allclose(w1.data, w2.data, rtol=1e-12)


def test_bad_input():
    with pytest.raises(TypeError, match="l2_penalty expects Tensors"):
        nn.l2_penalty([np.ones(3)])
