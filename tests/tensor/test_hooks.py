"""Tensor.register_hook: PyTorch's gradient hooks on leaves and intermediate tensors."""

from __future__ import annotations

import gc

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import autograd


def test_hooks_see_and_replace_gradients_like_torch(torch):
    x = dg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    seen = []
    y.register_hook(lambda g: seen.append(g.numpy().copy()) or g * 10)
    x.register_hook(lambda g: g + 1)
    (y**2).sum().backward()
    tx = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    ty = tx * 2
    ty.register_hook(lambda g: g * 10)
    tx.register_hook(lambda g: g + 1)
    (ty**2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_allclose(seen[0], [4.0, 8.0, 12.0])


def test_hook_for_gradient_clipping_and_removal():
    w = dg.tensor([3.0, -4.0], requires_grad=True)
    handle = w.register_hook(lambda g: g.clip(-1.0, 1.0))
    (w * dg.tensor([5.0, 5.0])).sum().backward()
    assert w.grad.tolist() == [1.0, 1.0]
    handle.remove()
    w.grad = None
    (w * dg.tensor([5.0, 5.0])).sum().backward()
    assert w.grad.tolist() == [5.0, 5.0]


def test_hooks_apply_in_dg_grad_and_in_order():
    x = dg.tensor(2.0, requires_grad=True)
    order = []
    x.register_hook(lambda g: order.append("a") or g * 2)
    x.register_hook(lambda g: order.append("b") or g * 3)
    (g,) = dg.grad(x * x, x)
    assert g.item() == 24.0 and order == ["a", "b"]


def test_hook_errors_and_no_leak():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        dg.tensor([1.0]).register_hook(lambda g: g)
    x = dg.tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="must be callable"):
        x.register_hook(3)
    x.register_hook(lambda g: dg.zeros(2))
    with pytest.raises(RuntimeError, match="returned shape"):
        (x * 1).sum().backward()
    key = id(x)
    del x
    gc.collect()
    assert key not in autograd._LEAF_HOOKS


def test_a_hook_sees_the_total_gradient_of_a_tensor_used_twice(torch):
    """A nonlinear hook (clipping) on a leaf and on an intermediate used by two ops gets the
    summed gradient once, as in PyTorch."""
    x = dg.tensor([0.3, -0.2], requires_grad=True)
    h = x * 1.5
    x.register_hook(lambda g: g.clip(-1.0, 1.0))
    h.register_hook(lambda g: g.clip(-2.0, 2.0))
    (x * x * 3 + h * h + h * 4).sum().backward()
    tx = torch.tensor([0.3, -0.2], requires_grad=True)
    th = tx * 1.5
    tx.register_hook(lambda g: g.clamp(-1.0, 1.0))
    th.register_hook(lambda g: g.clamp(-2.0, 2.0))
    (tx * tx * 3 + th * th + th * 4).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)
