"""memory_format: clone/contiguous lay the array out as PyTorch's formats do, and
is_contiguous(memory_format=...) answers from the strides as PyTorch's does."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg


def test_layouts_and_is_contiguous_as_torch(torch):
    answers = []
    for lib in (dg, torch):
        x = lib.arange(24.0).reshape(2, 3, 2, 2)
        cl = x.contiguous(memory_format=lib.channels_last)
        row = []
        for t in (x, cl, x.clone(memory_format=lib.channels_last), cl.clone(), cl.contiguous(),
                  lib.ones(2, 1, 3, 3), x.permute(0, 2, 3, 1)):  # fmt: skip
            row += [t.is_contiguous(), t.is_contiguous(memory_format=lib.channels_last)]
            np.testing.assert_array_equal(np.asarray(t.tolist()), np.asarray(t.tolist()))
        v = lib.ones(1, 2, 3, 4, 5).contiguous(memory_format=lib.channels_last_3d)
        row.append(v.is_contiguous(memory_format=lib.channels_last_3d))
        assert cl.tolist() == x.tolist()
        answers.append(row)
        with pytest.raises(RuntimeError, match="required rank 4 tensor to use channels_last"):
            lib.ones(3).contiguous(memory_format=lib.channels_last)
        with pytest.raises(TypeError, match="argument 'memory_format' must be"):
            x.clone(memory_format=1)
    assert answers[0] == answers[1]


def test_gradient_through_a_layout_copy():
    x = dg.randn(1, 2, 3, 3, dtype=dg.float64, requires_grad=True)
    y = x.contiguous(memory_format=dg.channels_last) * dg.arange(18.0).reshape(1, 2, 3, 3)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.arange(18.0).reshape(1, 2, 3, 3))
    assert dg.zeros_like(x, memory_format=dg.channels_last).is_contiguous()


@pytest.mark.parametrize("grad", [False, True])
@pytest.mark.parametrize("fmt", ["preserve_format", "contiguous_format", "channels_last"])
def test_clone_copies_bits_and_layout_as_torch(torch, grad, fmt):
    """``clone`` is a copy whether or not it is recorded: ``-0.0``, NaN's bits, infinities
    unchanged (it was ``x + 0`` under autograd, which made ``-0.0`` ``+0.0``), in the layout
    PyTorch gives, the gradient passing through unchanged."""
    vals = np.array([-0.0, 0.0, np.inf, -np.inf, np.nan, 1.5], np.float32)
    base = np.resize(vals, (2, 3, 2, 2)).transpose(0, 2, 3, 1)  # a non-contiguous layout
    leaf = dg.tensor(np.ascontiguousarray(base), requires_grad=grad)
    leaf_t = torch.tensor(np.ascontiguousarray(base), requires_grad=grad)
    x, t = leaf.permute(0, 3, 1, 2), leaf_t.permute(0, 3, 1, 2)
    c = x.clone(memory_format=getattr(dg, fmt))
    ct = t.clone(memory_format=getattr(torch, fmt))
    assert c.stride() == ct.stride() and (c.grad_fn is not None) == grad
    got, want = c.detach().numpy(), ct.detach().numpy()
    assert np.array_equal(got.view(np.uint32), want.view(np.uint32))
    if grad:
        w = np.arange(24, dtype=np.float32).reshape(c.shape)
        (c * dg.tensor(w)).sum().backward()
        (ct * torch.tensor(w)).sum().backward()
        np.testing.assert_array_equal(leaf.grad.numpy(), leaf_t.grad.numpy())


def test_clone_gradcheck_and_double_backward():
    x = dg.tensor([[1.0, -0.0], [2.0, 3.0]], dtype=dg.float64, requires_grad=True)
    assert dg.autograd.gradcheck(lambda a: (a.t().clone() ** 3).sum(), (x,))
    assert dg.autograd.gradgradcheck(lambda a: (a.clone() ** 3).sum(), (x,))
