"""PyTorch's contracts where deepgrad uses PyTorch's names: ``p.data``, ``size()``,
``max(dim)``, creation signatures, dtype names, the device API... Each test runs the same
code on torch 2.13 and on deepgrad and compares."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepgrad as dg


# ---- p.data ------------------------------------------------------------------------------------
def test_data_is_a_detached_tensor_sharing_memory():
    p = dg.nn.Parameter(dg.tensor([1.0, 2.0]))
    d = p.data
    assert isinstance(d, dg.Tensor) and not d.requires_grad and d.grad_fn is None
    d[0] = 5.0  # the memory is shared
    assert p.tolist() == [5.0, 2.0]


@pytest.mark.parametrize("lib", [torch, dg])
def test_manual_sgd_through_data_updates_the_parameter(lib):
    w = lib.tensor([1.0, -2.0, 3.0], dtype=lib.float64, requires_grad=True)
    for _ in range(3):
        loss = (w * w).sum()
        loss.backward()
        w.data.add_(w.grad, alpha=-0.1)
        w.grad.data.zero_()
    np.testing.assert_allclose(np.asarray(w.detach()), np.array([1.0, -2.0, 3.0]) * 0.8**3)


@pytest.mark.parametrize("lib", [torch, dg])
def test_data_copy_and_assignment_update_the_parameter(lib):
    p = lib.nn.Parameter(lib.zeros(2, 3))
    p.data.copy_(lib.ones(2, 3))
    assert p.sum().item() == 6.0
    p.data = lib.full((2, 3), 2.0)
    assert p.sum().item() == 12.0 and p.requires_grad
    p.data.mul_(0.5).sub_(lib.ones(2, 3), alpha=2)
    np.testing.assert_allclose(np.asarray(p.detach()), -np.ones((2, 3)))
    p.data.fill_(0.25)
    assert p.sum().item() == 1.5


# ---- size() / numel() --------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(), (0,), (2, 3), (2, 0, 4)])
def test_size_is_torchs(shape):
    t, d = torch.zeros(shape), dg.zeros(shape)
    assert d.size() == t.size() and isinstance(d.size(), tuple)
    assert d.numel() == t.numel() and d.size().numel() == t.size().numel()
    assert repr(d.size()) == repr(t.size()).replace("torch", "deepgrad")
    for dim in range(-len(shape), len(shape)):
        assert d.size(dim) == t.size(dim) and isinstance(d.size(dim), int)
    for dim in (len(shape), -len(shape) - 1):
        with pytest.raises(IndexError):
            t.size(dim)
        with pytest.raises(IndexError, match="out of range"):
            d.size(dim)
    assert d.size()[1:] == t.size()[1:] and type(d.size()[1:]) is dg.Size
