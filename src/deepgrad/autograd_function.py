"""``torch.autograd.function`` and ``torch.autograd.grad_mode``: the paths custom-function code
imports from (``from torch.autograd.function import Function, once_differentiable``,
``from torch.autograd.grad_mode import no_grad``).

``Function`` and ``FunctionCtx`` are :class:`deepgrad.autograd.Function` (the ``ctx``
protocol: ``forward(ctx, ...)``, ``backward(ctx, ...)``, ``apply``) and its context.
:func:`once_differentiable` marks a ``backward`` that is written on plain values and so can be
differentiated once only, as PyTorch's: it runs under ``no_grad``, and where the gradient is
being recorded (``create_graph=True``) its results take part in the graph through a node whose
own backward raises ``RuntimeError("trying to differentiate twice a function that was marked
with @once_differentiable")`` — a second-order gradient through it is refused, never silently
zero.

>>> import deepgrad as dg
>>> from deepgrad.autograd.function import Function, once_differentiable
>>> class Square(Function):
...     @staticmethod
...     def forward(ctx, x):
...         ctx.save_for_backward(x)
...         return x * x
...     @staticmethod
...     @once_differentiable
...     def backward(ctx, g):
...         (x,) = ctx.saved_tensors
...         return 2 * x * g
>>> x = dg.tensor([3.0], requires_grad=True)
>>> Square.apply(x).sum().backward()
>>> x.grad.tolist()
[6.0]
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable
from typing import Any

from .autograd import (
    Function,
    FunctionCtx,
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from .tensor import Tensor

__all__ = ["Function", "FunctionCtx", "once_differentiable"]

#: PyTorch's words for a second differentiation through a once-differentiable backward
_TWICE = "trying to differentiate twice a function that was marked with @once_differentiable"


class _DelayedError(Function):
    """``y = x`` whose backward raises ``message`` (PyTorch's ``DelayedError``)."""

    def __init__(self, message: str) -> None:
        self.message = message

    def forward(self, x: Any) -> Any:
        return x

    def backward(self, gy: Tensor) -> Tensor:
        raise RuntimeError(self.message)


def once_differentiable(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a custom function's ``backward(ctx, *grads)``: it runs without recording; when
    the gradient itself is being recorded (a ``grad_output`` requires grad), each tensor it
    returns requires grad through a node that raises if differentiated (PyTorch's rule)."""

    @functools.wraps(fn)
    def wrapper(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        with no_grad():
            outputs = fn(ctx, *args, **kwargs)
        if not is_grad_enabled():
            return outputs
        if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            return outputs
        many = isinstance(outputs, tuple)
        wrapped = tuple(
            _DelayedError(_TWICE)(o.detach().requires_grad_()) if isinstance(o, Tensor) else o
            for o in (outputs if many else (outputs,))
        )
        return wrapped if many else wrapped[0]

    return wrapper


#: ``torch.autograd.grad_mode`` (``from torch.autograd.grad_mode import no_grad``)
grad_mode = types.ModuleType("deepgrad.autograd.grad_mode", "PyTorch's grad-mode switches.")
grad_mode.no_grad = no_grad  # type: ignore[attr-defined]
grad_mode.enable_grad = enable_grad  # type: ignore[attr-defined]
grad_mode.set_grad_enabled = set_grad_enabled  # type: ignore[attr-defined]
grad_mode.inference_mode = inference_mode  # type: ignore[attr-defined]
