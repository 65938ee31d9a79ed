"""Where max pooling found its maxima (``return_indices=True``), and the inverse,
``max_unpool1d/2d/3d``, as PyTorch defines them.

An index is the flat position of a window's maximum in its input plane: ``l`` for 1-D,
``h·W + w`` for 2-D, ``(d·H + h)·W + w`` for 3-D. Ties go to the first maximum in window
(row-major) order and a window holding a NaN points at its last NaN, as PyTorch's CPU kernels;
padding positions are never chosen.

``max_unpool`` puts each value at its index in a zero plane of the output size:
``out[n, c].flat[indices[n, c, ...]] = input[n, c, ...]`` (its gradient reads the same
positions back).

>>> import deepgrad as dg
>>> y, i = dg.nn.functional.max_pool1d(dg.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2, return_indices=True)
>>> i.tolist(), max_unpool1d(y, i, 2).tolist()
([[[1, 2]]], [[[0.0, 3.0, 2.0, 0.0]]])
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy

from .. import backend
from ..autograd import Function
from ..tensor import Tensor
from .arguments import IntTuple, int_tuple


def window_argmax(
    x: Any, y: Any, k: Sequence[int], s: Sequence[int], p: Sequence[int], d: Sequence[int]
) -> Any:
    """The int64 flat index into each input plane of each window's maximum.

    ``x (N, C, *spatial)`` is the input array and ``y (N, C, *out)`` the pooled maxima;
    ``k``, ``s``, ``p``, ``d`` are per-axis kernel, stride, padding and dilation.
    """
    xp = backend.xp
    spatial, out = x.shape[2:], y.shape[2:]
    nd = len(spatial)
    ext = [
        max(n + 2 * pp, (o - 1) * ss + dd * (kk - 1) + 1)
        for n, o, kk, ss, pp, dd in zip(spatial, out, k, s, p, d)
    ]
    buf = xp.full((*x.shape[:2], *ext), -numpy.inf, x.dtype)
    buf[(slice(None), slice(None), *(slice(pp, pp + n) for pp, n in zip(p, spatial)))] = x
    plane_strides = [math.prod(spatial[i + 1 :]) for i in range(nd)]
    idx = xp.zeros(y.shape, numpy.int64)
    nan_y = y != y
    nan_left = nan_y.copy()  # windows whose last NaN (in window order) is not yet found
    # reverse window order: the first tap that matches writes last and wins; a NaN window
    # keeps the first NaN met in reverse, its last one (PyTorch's `val > max || isnan(val)`)
    for offs in reversed(list(itertools.product(*(range(kk) for kk in k)))):
        taps = tuple(
            slice(o * dd, o * dd + (n - 1) * ss + 1, ss) for o, dd, n, ss in zip(offs, d, out, s)
        )
        t = buf[(slice(None), slice(None), *taps)]
        flat = xp.zeros(out, numpy.int64)
        valid = xp.ones(out, bool)
        for axis in range(nd):
            shape = [1] * nd
            shape[axis] = out[axis]
            pos = (xp.arange(out[axis]) * s[axis] + offs[axis] * d[axis] - p[axis]).reshape(shape)
            flat = flat + pos * plane_strides[axis]
            valid = valid & (pos >= 0) & (pos < spatial[axis])
        hit = xp.where(nan_y, (t != t) & nan_left, t == y) & valid
        nan_left &= ~hit
        xp.copyto(idx, xp.broadcast_to(flat, idx.shape), where=hit)
    return idx


class MaxUnpoolFunction(Function):
    """``out[n, c].flat[index] = x[n, c]`` in zero planes of ``plane`` elements; backward
    gathers ``gout[n, c].flat[index]``."""

    def __init__(self, index: Any, out_spatial: tuple[int, ...]) -> None:
        self.index, self.out_spatial = index, out_spatial

    def forward(self, x: Any) -> Any:
        xp = backend.xp
        n, c = x.shape[:2]
        plane = math.prod(self.out_spatial)
        out = xp.zeros((n, c, plane), x.dtype)
        xp.put_along_axis(out, self.index.reshape(n, c, -1), x.reshape(n, c, -1), axis=2)
        return out.reshape(n, c, *self.out_spatial)

    def backward(self, gy: Tensor) -> Tensor:
        return _UnpoolGather(self.index)(gy)


class _UnpoolGather(Function):
    """Adjoint of :class:`MaxUnpoolFunction`: ``a (N, C, *out)`` → ``a[n, c].flat[index]``."""

    def __init__(self, index: Any) -> None:
        self.index = index

    def forward(self, a: Any) -> Any:
        n, c = a.shape[:2]
        src = a.reshape(n, c, -1)
        got = backend.xp.take_along_axis(src, self.index.reshape(n, c, -1), axis=2)
        return got.reshape(self.index.shape)

    def backward(self, gy: Tensor) -> Tensor:
        return MaxUnpoolFunction(self.index, tuple(self.inputs[0].shape[2:]))(gy)


def _max_unpool(
    x: Tensor,
    indices: Any,
    nd: int,
    kernel_size: IntTuple,
    stride: IntTuple | None,
    padding: IntTuple,
    output_size: Sequence[int] | None,
) -> Tensor:
    fn = f"max_unpool{nd}d"
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}: expected a Tensor, got {type(x).__name__}")
    if x.ndim not in (nd + 1, nd + 2):
        raise ValueError(
            f"{fn}: expected a {nd + 2}-D or unbatched {nd + 1}-D input, got {x.shape}"
        )
    idx = indices._data if isinstance(indices, Tensor) else backend.xp.asarray(indices)
    if tuple(idx.shape) != x.shape or idx.dtype.kind not in "iu":
        raise ValueError(
            f"{fn}: indices must be integers of the input's shape {x.shape}, got "
            f"{idx.dtype} {tuple(idx.shape)} (pass the indices max_pool{nd}d returned)"
        )
    unbatched = x.ndim == nd + 1
    xb = x.reshape(1, *x.shape) if unbatched else x
    idx = idx.reshape(1, *idx.shape) if unbatched else idx
    k = int_tuple(kernel_size, nd, "kernel_size", fn)
    s = k if stride is None else int_tuple(stride, nd, "stride", fn)
    p = int_tuple(padding, nd, "padding", fn)
    default = tuple((i - 1) * ss - 2 * pp + kk for i, ss, pp, kk in zip(xb.shape[2:], s, p, k))
    if output_size is None:
        out = default
    else:
        out = tuple(int(v) for v in output_size)[-nd:]
        if len(out) != nd:
            raise ValueError(f"{fn}: output_size must give {nd} sizes, got {output_size!r}")
        for o, dflt, ss in zip(out, default, s):
            if not dflt - ss < o < dflt + ss:
                raise ValueError(
                    f"{fn}: output_size {out} must lie between {tuple(v - t for v, t in zip(default, s))} "
                    f"and {tuple(v + t for v, t in zip(default, s))} (exclusive)"
                )
    plane = math.prod(out)
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= plane):
        raise ValueError(
            f"{fn}: found an index outside the output plane of {plane} elements {out} "
            f"(indices in [{int(idx.min())}, {int(idx.max())}])"
        )
    y = MaxUnpoolFunction(idx.astype(numpy.int64, copy=False), out)(xb)
    return y.reshape(*y.shape[1:]) if unbatched else y


def max_unpool1d(
    input: Tensor,  # noqa: A002 - PyTorch's name
    indices: Any,
    kernel_size: IntTuple,
    stride: IntTuple | None = None,
    padding: IntTuple = 0,
    output_size: Sequence[int] | None = None,
) -> Tensor:
    """Inverse of :func:`max_pool1d` with ``return_indices=True``: ``(N, C, Lo)`` values and
    indices → ``(N, C, L)`` zeros holding each value at its index; ``L = (Lo - 1)·stride -
    2·padding + kernel_size`` unless ``output_size`` says otherwise (as PyTorch)."""
    return _max_unpool(input, indices, 1, kernel_size, stride, padding, output_size)


def max_unpool2d(
    input: Tensor,  # noqa: A002 - PyTorch's name
    indices: Any,
    kernel_size: IntTuple,
    stride: IntTuple | None = None,
    padding: IntTuple = 0,
    output_size: Sequence[int] | None = None,
) -> Tensor:
    """Inverse of :func:`max_pool2d` with ``return_indices=True``: ``(N, C, Ho, Wo)`` →
    ``(N, C, H, W)`` zeros holding each value at its flat index ``h·W + w``; sizes as
    :func:`max_unpool1d` per axis."""
    return _max_unpool(input, indices, 2, kernel_size, stride, padding, output_size)


def max_unpool3d(
    input: Tensor,  # noqa: A002 - PyTorch's name
    indices: Any,
    kernel_size: IntTuple,
    stride: IntTuple | None = None,
    padding: IntTuple = 0,
    output_size: Sequence[int] | None = None,
) -> Tensor:
    """Inverse of :func:`max_pool3d` with ``return_indices=True``: ``(N, C, Do, Ho, Wo)`` →
    ``(N, C, D, H, W)``; sizes as :func:`max_unpool1d` per axis."""
    return _max_unpool(input, indices, 3, kernel_size, stride, padding, output_size)
