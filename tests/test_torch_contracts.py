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


# ---- max / min ---------------------------------------------------------------------------------
MAX_CASES = [
    ((3, 4), 1, False),
    ((3, 4), 0, True),
    ((2, 3, 4), -1, False),
    ((2, 3, 4), 1, True),
    ((), 0, False),
    ((), -1, True),
    ((0, 3), 1, False),
    ((2, 2), 1, False),  # two rows: `_, pred = out.max(1)` must unpack (values, indices)
]


@pytest.mark.parametrize("op", ["max", "min"])
@pytest.mark.parametrize("case", MAX_CASES)
def test_max_min_along_a_dim_match_torch(op, case):
    shape, dim, keepdim = case
    rng = np.random.default_rng(0)
    a = rng.integers(0, 3, shape).astype(np.float64)  # ties: the first index wins
    x = dg.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    dv, di = getattr(x, op)(dim, keepdim=keepdim)
    tv, ti = getattr(t, op)(dim, keepdim=keepdim)
    assert dv.shape == tuple(tv.shape) and di.dtype == np.int64
    np.testing.assert_array_equal(dv.numpy(), tv.detach().numpy())
    np.testing.assert_array_equal(di.numpy(), ti.numpy())
    r = getattr(dg, op)(x, dim=dim, keepdim=keepdim)
    assert r.values.shape == dv.shape and r.indices.tolist() == di.tolist()
    g = rng.standard_normal(dv.shape)
    dv.backward(dg.tensor(g))
    tv.backward(torch.tensor(g))
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())  # to the chosen index only
    if dv.numel():
        assert dg.gradcheck(
            lambda u: getattr(u, op)(dim, keepdim).values,
            dg.tensor(a + rng.standard_normal(shape), requires_grad=True),
        )


def test_max_accuracy_idiom_with_two_rows():
    out = dg.tensor([[0.1, 0.9, 0.0], [0.8, 0.1, 0.1]])
    _, pred = out.max(1)
    assert pred.tolist() == [1, 0]
    assert (pred == dg.tensor([1, 0])).sum().item() == 2


@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_other_forms_match_torch(op):
    a = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, -1.0]])
    b = np.array([[2.0, 3.0, 0.0], [1.0, 5.0, -1.0]])
    x, y = dg.tensor(a, requires_grad=True), dg.tensor(b, requires_grad=True)
    t, u = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    # the whole tensor: a 0-d value, the gradient split among ties
    dm, tm = getattr(x, op)(), getattr(t, op)()
    assert dm.shape == () and dm.item() == tm.item()
    # elementwise against another tensor (torch.max(input, other))
    de, te = getattr(dg, op)(x, y), getattr(torch, op)(t, u)
    np.testing.assert_array_equal(de.numpy(), te.detach().numpy())
    (dm + getattr(x, op)(y).sum()).backward()
    (tm + getattr(t, op)(u).sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())
    np.testing.assert_allclose(y.grad.numpy(), u.grad.numpy())


def test_max_refuses_what_torch_refuses():
    with pytest.raises(TypeError, match="amax"):
        dg.zeros(2, 3).max((0, 1))
    with pytest.raises(IndexError, match="size 0"):
        dg.zeros(0, 3).max(0)
    with pytest.raises(ValueError, match="out of range"):
        dg.zeros(2, 3).max(2)


@pytest.mark.parametrize("op", ["argmax", "argmin"])
@pytest.mark.parametrize("dim,keepdim", [(None, False), (0, False), (1, True), (-1, False)])
def test_argmax_argmin_match_torch(op, dim, keepdim):
    a = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, -1.0]])
    d = getattr(dg.tensor(a), op)(dim=dim, keepdim=keepdim)
    t = getattr(torch.tensor(a), op)(dim=dim, keepdim=keepdim)
    assert d.tolist() == t.tolist() and d.shape == tuple(t.shape)
