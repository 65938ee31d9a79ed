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
