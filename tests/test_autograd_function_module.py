"""``deepgrad.autograd.function`` / ``deepgrad.autograd.grad_mode`` at PyTorch's paths, and
``once_differentiable`` against torch 2.13: the same first-order gradients, the results of a
once-differentiable backward take part in a recorded gradient (``create_graph=True``) and a
second differentiation through them raises PyTorch's error, never a silent zero."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import deepgrad as dg


def _square(lib):
    once_differentiable = importlib.import_module(
        f"{lib.__name__}.autograd.function"
    ).once_differentiable

    class Square(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.save_for_backward(x)
            ctx.k = k
            return x * x * k, x + 1

        @staticmethod
        @once_differentiable
        def backward(ctx, g, h):
            (x,) = ctx.saved_tensors
            assert not lib.is_grad_enabled()  # the backward runs without recording
            return 2 * x * g * ctx.k + h, None

    return Square


def test_paths_as_torch():
    from deepgrad.autograd.function import Function, FunctionCtx, once_differentiable
    from deepgrad.autograd.grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled

    assert Function is dg.autograd.Function and FunctionCtx is dg.autograd.FunctionCtx
    assert (no_grad, enable_grad, set_grad_enabled, inference_mode) == (
        dg.no_grad,
        dg.enable_grad,
        dg.set_grad_enabled,
        dg.inference_mode,
    )
    assert callable(once_differentiable)
    assert dg.autograd.function.once_differentiable is once_differentiable


def test_first_order_as_torch(torch):
    got = []
    for lib in (dg, torch):
        x = lib.tensor([1.0, -2.0, 3.0], dtype=lib.float64, requires_grad=True)
        y, z = _square(lib).apply(x, 1.5)
        (y.sum() + (z * 3).sum()).backward()
        got.append((y.detach().numpy(), x.grad.numpy()))
    for a, b in zip(*got, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-15)


def test_recorded_gradient_refuses_a_second_order_as_torch(torch):
    for lib in (dg, torch):
        x = lib.tensor([1.0, -2.0, 3.0], dtype=lib.float64, requires_grad=True)
        y, _ = _square(lib).apply(x, 2.0)
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)  # a constant grad_output
        assert not g.requires_grad  # nothing recorded: PyTorch's rule
        y, _ = _square(lib).apply(x, 2.0)
        (g,) = lib.autograd.grad((y**2).sum(), x, create_graph=True)
        assert g.requires_grad and g.grad_fn is not None
        np.testing.assert_allclose(g.detach().numpy(), [16.0, -128.0, 432.0])
        with pytest.raises(RuntimeError, match="differentiate twice a function that was marked"):
            g.sum().backward()


def test_no_record_without_create_graph():
    x = dg.tensor([2.0], requires_grad=True)
    y, _ = _square(dg).apply(x, 1.0)
    (g,) = dg.autograd.grad(y.sum(), x)
    assert not g.requires_grad and g.tolist() == [4.0]
