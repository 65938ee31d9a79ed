"""F.gumbel_softmax against PyTorch's: with the same Gumbel noise the same values and
gradients (soft and straight-through hard); the noise from deepgrad's seeded generator,
distributed as Gumbel-max says; gradcheck; PyTorch's deprecation warning for ``eps``."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.nn import functional as F


@pytest.mark.parametrize("shape,dim", [((4, 5), -1), ((3, 4, 2), 1), ((6,), 0), ((2, 1), -1)])
@pytest.mark.parametrize("hard", [False, True])
@pytest.mark.parametrize("tau", [1.0, 0.3])
def test_same_noise_same_values_and_gradients_as_torch(torch, monkeypatch, rng, shape, dim, hard, tau):  # fmt: skip
    logits = rng.standard_normal(shape)
    dg.manual_seed(11)  # the soft sample fixes the noise up to a factor along dim:
    soft = F.gumbel_softmax(dg.tensor(logits), tau=tau, dim=dim)  # E = exp(logits - τ log y)
    noise = torch.tensor(np.exp(logits - tau * np.log(soft.numpy())))
    monkeypatch.setattr(torch.Tensor, "exponential_", lambda self, *s, **k: self.copy_(noise))
    dg.manual_seed(11)
    a, b = dg.tensor(logits, requires_grad=True), torch.tensor(logits, requires_grad=True)
    y = F.gumbel_softmax(a, tau=tau, hard=hard, dim=dim)
    yt = torch.nn.functional.gumbel_softmax(b, tau=tau, hard=hard, dim=dim)
    w = rng.standard_normal(shape)
    (y * dg.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-8, atol=1e-10)


def test_hard_is_one_hot_with_the_soft_gradient():
    logits = dg.randn(5, 4, requires_grad=True)
    dg.manual_seed(3)
    y = F.gumbel_softmax(logits, tau=0.5, hard=True)
    assert set(np.unique(y.numpy())) <= {0.0, 1.0} and (y.numpy().sum(1) == 1).all()
    (y * dg.arange(4.0)).sum().backward()
    g_hard = logits.grad.numpy().copy()
    logits.grad = None
    dg.manual_seed(3)
    ys = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_array_equal(y.numpy().argmax(1), ys.numpy().argmax(1))
    (ys * dg.arange(4.0)).sum().backward()
    np.testing.assert_allclose(g_hard, logits.grad.numpy(), rtol=1e-6)


def test_seeded_and_distributed_as_gumbel_max():
    logits = dg.tensor(np.log([0.5, 0.3, 0.15, 0.05]))
    dg.manual_seed(7)
    a = F.gumbel_softmax(logits.expand(20000, 4), hard=True)
    dg.manual_seed(7)
    b = F.gumbel_softmax(logits.expand(20000, 4), hard=True)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_allclose(a.numpy().mean(0), [0.5, 0.3, 0.15, 0.05], atol=0.015)
    assert F.gumbel_softmax(dg.zeros(3, 2, dtype=dg.float32)).dtype == np.float32


def test_gradcheck_and_arguments():
    x = dg.randn(3, 4, dtype=dg.float64, requires_grad=True)

    def f(t):
        dg.manual_seed(1)
        return F.gumbel_softmax(t, tau=0.7, dim=0)

    assert dg.gradcheck(f, (x,))
    with pytest.warns(UserWarning, match="`eps` parameter is deprecated"):
        F.gumbel_softmax(x, eps=1e-5)
    with pytest.raises(TypeError, match="floating"):
        F.gumbel_softmax(dg.zeros(2, 3, dtype=dg.int64))
    with pytest.raises(ValueError, match="out of range"):
        F.gumbel_softmax(x, dim=2)
