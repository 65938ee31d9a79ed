"""Fractional max pooling (Graham, 2014): ``fractional_max_pool2d`` and ``fractional_max_pool3d``,
PyTorch's functions.

Each sample and channel draws one number ``u ∈ [0, 1)`` per pooled axis (``_random_samples``,
shape ``(N, C, 2)`` or ``(N, C, 3)``; drawn from deepgrad's seeded generator when not given).
On an axis of input size ``n``, output size ``m`` and kernel ``k``, window ``i`` starts at

    start_i = ⌊(i + u)·α⌋ - ⌊u·α⌋,   α = (n - k) / (m - 1),   and start_{m-1} = n - k,

computed in the input's floating type as PyTorch's kernels compute it (so the same samples
give PyTorch's windows exactly); the output is the maximum of each ``k``-sized box. The
samples' last axis lists the axes as PyTorch reads them: ``(W, H)`` in 2-D, ``(D, H, W)`` in
3-D.

The gradient goes to each window's maximum (the first one; the last NaN where the window holds
NaN, as PyTorch's kernels): a scatter into the input plane whose backward is the gather.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy

from .. import backend
from ..autograd import Function
from ..tensor import Tensor, _draw
from .arguments import int_tuple
from .conv import input_dims, unbatched
from .pooling import _adaptive_output, _PlaneScatter, window_max
from .shape import reshape


def _starts(u: Any, n_in: int, n_out: int, k: int, dtype: Any) -> Any:
    """Window starts ``(..., n_out)`` on one axis for samples ``u (...)``, in PyTorch's
    arithmetic (every step rounded to the input's floating type ``dtype``)."""
    xp = backend.xp
    dt = numpy.dtype(dtype)
    u = u.astype(dt, copy=False)
    starts = xp.zeros((*u.shape, n_out), numpy.int64)
    if n_out > 1:
        alpha = dt.type(dt.type(n_in - k) / dt.type(n_out - 1))
        i = xp.arange(n_out - 1, dtype=dt)
        first = ((i + u[..., None]) * alpha).astype(numpy.int64)
        starts[..., :-1] = first - (u * alpha).astype(numpy.int64)[..., None]
    starts[..., -1] = n_in - k
    return starts


class FractionalMaxPoolFunction(Function):
    """``y[n, c, i, …] = max of x[n, c]`` over the box starting at ``starts[a][n, c, i_a]`` on
    each axis ``a`` with the kernel's size; ``self.index`` keeps the flat position in the input
    plane of each box's maximum. Backward: the scatter of ``gy`` to those positions."""

    def __init__(self, starts: list[Any], kernel: tuple[int, ...]) -> None:
        self.starts, self.kernel = starts, kernel

    def forward(self, x: Any) -> Any:
        xp = backend.xp
        (N, C), spatial, nd = x.shape[:2], x.shape[2:], len(self.kernel)
        out = tuple(s.shape[-1] for s in self.starts)

        def along(a: int, n: int) -> list[int]:  # n at axis a of nd, 1 elsewhere
            return [n if b == a else 1 for b in range(nd)]

        pos = xp.zeros((1, 1) + (1,) * 2 * nd, numpy.int64)
        for a, (s, k) in enumerate(zip(self.starts, self.kernel)):
            coord = s.reshape(N, C, *along(a, out[a]), *([1] * nd))
            coord = coord + xp.arange(k).reshape(along(a, k))
            pos = pos + coord * math.prod(spatial[a + 1 :])
        K = math.prod(self.kernel)
        pos = xp.broadcast_to(pos, (N, C, *out, *self.kernel)).reshape(N, C, math.prod(out) * K)
        win = xp.take_along_axis(x.reshape(N, C, math.prod(spatial)), pos, axis=2)
        y, k = window_max(win.reshape(N, C, *out, K))
        index = xp.take_along_axis(pos.reshape(N, C, *out, K), k[..., None], axis=-1)
        self.index, self.in_size = index[..., 0], spatial
        return y

    def backward(self, gy: Tensor) -> Tensor:
        return _PlaneScatter(self.index, self.in_size)(gy)


def _output_size(x: Tensor, output_size: Any, output_ratio: Any, nd: int, fn: str) -> tuple:
    spatial = x.shape[-nd:]
    if output_size is None and output_ratio is None:
        raise ValueError(f"{fn} requires specifying either an output_size or an output_ratio")
    if output_size is not None:
        return _adaptive_output(output_size, spatial, fn, allow_none=False)
    if isinstance(output_ratio, numbers.Real):
        output_ratio = (output_ratio,) * nd
    ratio = tuple(output_ratio)
    if len(ratio) not in (1, nd) or not all(isinstance(r, numbers.Real) for r in ratio):
        raise ValueError(
            f"{fn}: output_ratio must be a number or a tuple of {nd} numbers in (0, 1), got "
            f"{output_ratio!r}"
        )
    ratio = ratio * nd if len(ratio) == 1 else ratio
    return _adaptive_output(tuple(int(n * r) for n, r in zip(spatial, ratio)), spatial, fn, False)


def _samples(samples: Any, x: Tensor, nd: int, fn: str) -> Any:
    """The ``(N, C, nd)`` sample array: the given one checked as PyTorch checks it, else
    ``rand(N, C, nd)`` in the input's dtype from deepgrad's generator (PyTorch's draws: the
    same seed gives PyTorch's windows)."""
    N, C = x.shape[:2]
    if samples is None:
        return _draw("rand", backend.rng(), (N, C, nd), numpy.dtype(x.dtype))
    u = samples._data if isinstance(samples, Tensor) else backend.xp.asarray(samples)
    if u.ndim != 3 or u.shape[0] < N or u.shape[1:] != (C, nd):
        raise ValueError(
            f"{fn}: _random_samples must have shape (N', C, {nd}) with N' ≥ the batch size "
            f"{N} and C = {C} channels, got {tuple(u.shape)}"
        )
    if u.dtype != x.dtype:
        raise TypeError(
            f"{fn}: _random_samples must have the input's dtype {x.dtype}, got {u.dtype}"
        )
    return u[:N]


def _fractional(x: Tensor, kernel_size: Any, output_size: Any, output_ratio: Any,
                return_indices: bool, samples: Any, nd: int) -> Any:  # fmt: skip
    fn = f"fractional_max_pool{nd}d"
    if not isinstance(x, Tensor) or x.ndim not in (nd + 1, nd + 2):
        got = getattr(x, "shape", type(x).__name__)
        raise ValueError(f"{fn}: expected {input_dims(nd)}, got shape {got}")
    if x.dtype.kind != "f":
        raise TypeError(f"{fn}: expected a floating input, got dtype {x.dtype}")
    if x.ndim == nd + 1:
        return unbatched(_fractional, x, kernel_size, output_size, output_ratio,
                         return_indices, samples, nd)  # fmt: skip
    if min(x.shape[1:]) < 1:
        raise ValueError(f"{fn}: expected non-empty channel and pooled axes, got {x.shape}")
    k = int_tuple(kernel_size, nd, "kernel_size", fn)
    if min(k) < 1:
        raise ValueError(f"{fn}: kernel_size must be positive, got {k}")
    out = _output_size(x, output_size, output_ratio, nd, fn)
    names = ("depth", "height", "width")[3 - nd :]
    for n, o, kk, name in zip(x.shape[2:], out, k, names):
        if o + kk - 1 > n:
            raise ValueError(
                f"{fn}: output {name} {o} with kernel {name} {kk} needs an input {name} of at "
                f"least {o + kk - 1}, got {n}"
            )
    u = _samples(samples, x, nd, fn)
    if 0 in out:  # PyTorch's empty output, which no input element reaches (zero gradient)
        y = reshape(reshape(x, (-1,))[:0], (*x.shape[:2], *out))
        if not return_indices:
            return y
        return y, Tensor._from_op(backend.xp.empty(y.shape, numpy.int64), None, 0)
    order = (1, 0) if nd == 2 else (0, 1, 2)  # the sample each axis reads, as PyTorch
    starts = [_starts(u[..., order[a]], n, o, kk, x.dtype)
              for a, (n, o, kk) in enumerate(zip(x.shape[2:], out, k))]  # fmt: skip
    f = FractionalMaxPoolFunction(starts, k)
    y = f(x)
    if not return_indices:
        return y
    return y, Tensor._from_op(f.index, None, 0)


def fractional_max_pool2d(
    x: Tensor,
    kernel_size: int | tuple[int, int],
    output_size: int | tuple[int, int] | None = None,
    output_ratio: float | tuple[float, float] | None = None,
    return_indices: bool = False,
    _random_samples: Any = None,
) -> Tensor | tuple[Tensor, Tensor]:
    """2-D fractional max pooling (PyTorch's ``F.fractional_max_pool2d``): the maximum over
    ``kernel_size`` boxes at pseudo-random steps that shrink ``(H, W)`` to ``output_size``
    (or ``⌊H·rh⌋, ⌊W·rw⌋`` for ``output_ratio``); see the module docstring for the windows.

    Parameters
    ----------
    x : ``(N, C, H, W)``, or one unbatched sample ``(C, H, W)``
    kernel_size : int or ``(kh, kw)``
    output_size, output_ratio : one of them; a ratio is a number or a pair in ``(0, 1)``
    return_indices : also return the int64 flat position ``h·W + w`` of each maximum
    _random_samples : ``(N, C, 2)`` numbers in ``[0, 1)`` of the input's dtype (``[..., 0]``
        for the width, ``[..., 1]`` for the height); PyTorch's samples give PyTorch's result

    >>> import deepgrad as dg
    >>> u = dg.full((1, 1, 2), 0.5)
    >>> fractional_max_pool2d(dg.arange(25.0).reshape(1, 1, 5, 5), 2, 3, _random_samples=u)
    tensor([[[[ 6.,  8.,  9.],
              [16., 18., 19.],
              [21., 23., 24.]]]])
    """
    return _fractional(x, kernel_size, output_size, output_ratio, return_indices,
                       _random_samples, 2)  # fmt: skip


def fractional_max_pool3d(
    x: Tensor,
    kernel_size: int | tuple[int, int, int],
    output_size: int | tuple[int, int, int] | None = None,
    output_ratio: float | tuple[float, float, float] | None = None,
    return_indices: bool = False,
    _random_samples: Any = None,
) -> Tensor | tuple[Tensor, Tensor]:
    """3-D fractional max pooling (PyTorch's ``F.fractional_max_pool3d``): ``(N, C, D, H, W)``
    or ``(C, D, H, W)`` → ``(N, C, Do, Ho, Wo)``; ``_random_samples`` is ``(N, C, 3)`` (depth,
    height, width); indices are ``(d·H + h)·W + w``. Otherwise as
    :func:`fractional_max_pool2d`."""
    return _fractional(x, kernel_size, output_size, output_ratio, return_indices,
                       _random_samples, 3)  # fmt: skip


def fractional_max_pool2d_with_indices(x: Tensor, kernel_size: Any, output_size: Any = None,
                                       output_ratio: Any = None, return_indices: bool = False,
                                       _random_samples: Any = None) -> tuple[Tensor, Tensor]:  # fmt: skip
    """:func:`fractional_max_pool2d` returning ``(y, indices)`` (as PyTorch's)."""
    return _fractional(x, kernel_size, output_size, output_ratio, True, _random_samples, 2)


def fractional_max_pool3d_with_indices(x: Tensor, kernel_size: Any, output_size: Any = None,
                                       output_ratio: Any = None, return_indices: bool = False,
                                       _random_samples: Any = None) -> tuple[Tensor, Tensor]:  # fmt: skip
    """:func:`fractional_max_pool3d` returning ``(y, indices)`` (as PyTorch's)."""
    return _fractional(x, kernel_size, output_size, output_ratio, True, _random_samples, 3)
