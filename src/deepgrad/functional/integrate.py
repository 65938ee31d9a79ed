"""Numerical integration by the trapezoidal rule along one dim: PyTorch's ``trapezoid``
(alias ``trapz``) and ``cumulative_trapezoid``, in PyTorch's own forms (so the float32 sums
round alike), built from slicing, sums and ``cumsum`` (their gradients):

======================  ==================================================================
case                    value along ``dim`` (``y₀ … yₙ₋₁``)
======================  ==================================================================
spacing ``dx`` (number) ``(Σ yᵢ - (y₀ + yₙ₋₁)/2) · dx``
sample points ``x``     ``Σ (yᵢ + yᵢ₊₁)(xᵢ₊₁ - xᵢ) / 2``
cumulative, ``dx``      ``cumsum(dx/2 · (yᵢ + yᵢ₊₁))``  (n - 1 values)
cumulative, ``x``       ``cumsum((yᵢ + yᵢ₊₁)(xᵢ₊₁ - xᵢ)) / 2``
======================  ==================================================================

``x`` is 1-D (one coordinate per position along ``dim``) or broadcasts with ``y``. An empty
``dim`` integrates to 0. Integer ``y`` gives the default float dtype, as in PyTorch.
"""

from __future__ import annotations

import numbers
from typing import Any

from .. import backend
from .._names import torch_names
from ..tensor import Tensor, as_tensor
from .elementwise import _floating
from .reduce import cumsum, sum
from .shape import _norm_axis, getitem, reshape


def _cut(t: Tensor, axis: int, start: int | None, stop: int | None) -> Tensor:
    return getitem(t, (slice(None),) * axis + (slice(start, stop),))


def _spacing(y: Tensor, x: Any, dx: Any, axis: int, fn: str) -> Any:
    """``dx`` as a number, or the differences of ``x`` laid along ``axis`` (a tensor)."""
    if x is not None and dx is not None:
        raise TypeError(f"{fn}: give the sample points x or the spacing dx, not both")
    if x is None or isinstance(x, numbers.Number):
        d = 1 if x is None and dx is None else (x if dx is None else dx)
        if not isinstance(d, numbers.Number):
            raise TypeError(f"{fn}: dx must be a number, got {type(d).__name__}")
        return d
    xt = as_tensor(x)
    _refuse_bool(y, xt, fn)
    if xt.ndim == 1:
        if xt.shape[0] != y.shape[axis]:
            raise ValueError(
                f"{fn}: x has {xt.shape[0]} points but dim {axis} of y (shape {y.shape}) has "
                f"{y.shape[axis]}"
            )
        xt = reshape(xt, tuple(-1 if d == axis else 1 for d in range(y.ndim)))
    elif xt.ndim < y.ndim:
        xt = reshape(xt, (1,) * (y.ndim - xt.ndim) + xt.shape)
    elif xt.ndim > y.ndim:
        raise ValueError(f"{fn}: x of shape {xt.shape} has more dims than y of shape {y.shape}")
    return _cut(xt, axis, 1, None) - _cut(xt, axis, 0, -1)


def _refuse_bool(y: Tensor, x: Tensor | None, fn: str) -> None:
    """PyTorch refuses bool ``y`` (and bool sample points ``x``)."""
    if y.dtype.kind == "b" or (x is not None and x.dtype.kind == "b"):
        which = "`y`" if x is None else "`x` or `y`"
        raise TypeError(f"{fn}: received a bool input for {which}, but bool is not supported")


def _prepare(y: Any, dim: int, fn: str) -> tuple[Tensor, int]:
    yt = as_tensor(y)
    if yt.ndim == 0:
        raise ValueError(f"{fn}: y must have at least 1 dim, got a 0-d tensor")
    return yt, _norm_axis(dim, yt.ndim, fn)


@torch_names
def trapezoid(y: Any, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """∫ y along ``dim`` by the trapezoidal rule, at unit spacing, spacing ``dx``, or sample
    points ``x`` (a second positional argument may be either, as in PyTorch).

    >>> import deepgrad as dg
    >>> dg.trapezoid(dg.tensor([1, 2, 4])).item()
    4.5
    >>> dg.trapezoid(dg.tensor([1.0, 2.0]), dg.tensor([0.0, 3.0])).item()
    4.5
    """
    yt, axis = _prepare(y, dim, "trapezoid")
    if yt.shape[axis] == 0:  # PyTorch's gives y's dtype here (a README row)
        if x is not None and dx is not None:
            raise TypeError("trapezoid: give the sample points x or the spacing dx, not both")
        shape = yt.shape[:axis] + yt.shape[axis + 1 :]
        return Tensor._from_op(backend.xp.zeros(shape, _floating(yt).dtype), None, 0)
    d = _spacing(yt, x, dx, axis, "trapezoid")
    _refuse_bool(yt, None, "trapezoid")
    if isinstance(d, numbers.Number):
        first = getitem(yt, (slice(None),) * axis + (0,))
        last = getitem(yt, (slice(None),) * axis + (-1,))
        return (sum(yt, axis) - (first + last) * 0.5) * d
    pairs = _cut(yt, axis, 0, -1) + _cut(yt, axis, 1, None)
    return sum(pairs * d, axis) / 2.0


trapz = trapezoid


@torch_names
def cumulative_trapezoid(y: Any, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """The running trapezoidal integral of ``y`` along ``dim``: ``n - 1`` values, the
    ``k``-th the integral from the first sample to sample ``k + 1``.

    >>> import deepgrad as dg
    >>> dg.cumulative_trapezoid(dg.tensor([1, 2, 4])).tolist()
    [1.5, 4.5]
    """
    yt, axis = _prepare(y, dim, "cumulative_trapezoid")
    d = _spacing(yt, x, dx, axis, "cumulative_trapezoid")
    _refuse_bool(yt, None, "cumulative_trapezoid")
    pairs = _cut(yt, axis, 0, -1) + _cut(yt, axis, 1, None)
    if isinstance(d, numbers.Number):
        return cumsum(_floating(pairs) * (d / 2.0), axis)
    return cumsum(pairs * d, axis) / 2.0
