"""Reductions over axes: sum, mean, max, min, var, std, logsumexp.

The backward of a reduction spreads the incoming gradient back over the reduced axes
(``broadcast_to`` after restoring them as size-1 axes): evenly for ``sum``/``mean`` (÷ n),
onto the arg-max elements for ``max``/``min`` (split evenly on ties), and by the softmax
``e^(x - y)`` for ``logsumexp``.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy

from .. import backend
from ..autograd import Function
from ..tensor import Tensor
from .elementwise import _mask, exp, sqrt
from .shape import broadcast_to, reshape

Axis = int | Sequence[int] | None


def _axes(axis: Axis, ndim: int, fn: str) -> tuple[int, ...] | None:
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in axes:
        if not -builtins.max(ndim, 1) <= a < builtins.max(ndim, 1):
            raise ValueError(f"{fn}: axis {a} is out of range for a tensor with {ndim} dims")
        if ndim:  # a 0-d tensor accepts axis 0 / -1 (as in PyTorch) and reduces nothing
            out.append(a % ndim)
    return tuple(out)


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...] | None) -> tuple[int, ...]:
    """``shape`` with the reduced axes set to 1 (the ``keepdims=True`` shape)."""
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _expand(gy: Tensor, shape: tuple[int, ...], axes: tuple[int, ...] | None) -> Tensor:
    """Spread a reduced gradient back to the input's ``shape``."""
    return broadcast_to(reshape(gy, _kept_shape(shape, axes)), shape)


class Sum(Function):
    def __init__(self, axes: tuple[int, ...] | None, keepdims: bool) -> None:
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x: Any) -> Any:
        return x.sum(axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy: Tensor) -> Tensor:
        return _expand(gy, self.inputs[0].shape, self.axes)


def sum(x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Sum of elements over ``axis`` (all when None)."""
    return Sum(_axes(axis, x.ndim, "sum"), keepdims)(x)


class Mean(Function):
    def __init__(self, axes: tuple[int, ...] | None, keepdims: bool) -> None:
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x: Any) -> Any:
        return x.mean(axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy: Tensor) -> Tensor:
        shape = self.inputs[0].shape
        n = 1
        for i, s in enumerate(shape):
            if self.axes is None or i in self.axes:
                n *= s
        return _expand(gy * (1.0 / builtins.max(n, 1)), shape, self.axes)


def mean(x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Arithmetic mean over ``axis``: ``Σx / n``."""
    return Mean(_axes(axis, x.ndim, "mean"), keepdims)(x)


class Max(Function):
    keep_output = True

    def __init__(self, axes: tuple[int, ...] | None, keepdims: bool, take_max: bool) -> None:
        self.axes, self.keepdims, self.take_max = axes, keepdims, take_max

    def forward(self, x: Any) -> Any:
        if x.size == 0:
            raise ValueError(f"{'max' if self.take_max else 'min'}: empty tensor")
        f = x.max if self.take_max else x.min
        return f(axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0]
        kept = _kept_shape(x.shape, self.axes)
        hit = x.data == self.output().data.reshape(kept)
        share = hit / hit.sum(axis=self.axes, keepdims=True)
        return _expand(gy, x.shape, self.axes) * _mask(share, gy)


def max(x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Largest element over ``axis`` (gradient split evenly among ties)."""
    return Max(_axes(axis, x.ndim, "max"), keepdims, True)(x)


def min(x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Smallest element over ``axis`` (gradient split evenly among ties)."""
    return Max(_axes(axis, x.ndim, "min"), keepdims, False)(x)


def var(x: Tensor, axis: Axis = None, keepdims: bool = False, correction: int = 1) -> Tensor:
    """Variance ``Σ(x - mean)² / (n - correction)``; ``correction=1`` (the default, as in
    PyTorch) is the unbiased estimate, ``correction=0`` the population variance."""
    axes = _axes(axis, x.ndim, "var")
    n = 1
    for i, s in enumerate(x.shape):
        if axes is None or i in axes:
            n *= s
    d = x - mean(x, axes, keepdims=True)
    return sum(d * d, axes, keepdims) * (1.0 / builtins.max(n - correction, 1))


def std(x: Tensor, axis: Axis = None, keepdims: bool = False, correction: int = 1) -> Tensor:
    """Standard deviation ``√var``."""
    return sqrt(var(x, axis, keepdims, correction))


class LogSumExp(Function):
    keep_output = True

    def __init__(self, axes: tuple[int, ...] | None, keepdims: bool) -> None:
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x: Any) -> Any:
        xp = backend.xp
        m = x.max(axis=self.axes, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        with numpy.errstate(divide="ignore"):  # an all -inf slice gives -inf, as in PyTorch
            y = xp.log(xp.exp(x - m).sum(axis=self.axes, keepdims=True)) + m
        if not self.keepdims:
            y = y.squeeze(axis=self.axes) if self.axes is not None else y.reshape(())
        return y

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0]
        kept = _kept_shape(x.shape, self.axes)
        return _expand(gy, x.shape, self.axes) * exp(x - reshape(self.output(), kept))


def logsumexp(x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """``log Σ e^x`` computed stably as ``m + log Σ e^(x - m)`` with ``m = max x``."""
    return LogSumExp(_axes(axis, x.ndim, "logsumexp"), keepdims)(x)
