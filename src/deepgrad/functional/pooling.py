"""Pooling: ``max_pool2d``, ``avg_pool2d``, ``adaptive_avg_pool2d`` (and global pooling),
``adaptive_max_pool2d``, the 3-D forms, and the 1-D forms ``max_pool1d``, ``avg_pool1d``,
``adaptive_avg_pool1d``, ``adaptive_max_pool1d``.

Shapes (PyTorch's): ``x (N, C, H, W)`` → ``(N, C, Ho, Wo)`` (one unbatched sample
``(C, H, W)`` → ``(C, Ho, Wo)``, and likewise ``(C, L)`` for the 1-D forms) with

    Ho = ⌊(H + 2·ph - dh·(kh - 1) - 1) / sh⌋ + 1        (⌈…⌉ with ceil_mode; a window must
                                                          start inside the input or left padding)

Every window is read as ``kh·kw`` strided views of the (padded) input, one per kernel tap,
combined elementwise: ``y = max(tap₀, tap₁, …)`` or ``y = Σ tapₖ / divisor``. Elementwise
``maximum``/``add`` over views is much faster in NumPy than a reduction over small trailing
window axes, and nothing is copied when there is no padding.

Gradients:

* max: ``gx`` receives ``gy`` at the position of each window's maximum; on ties the first
  tap in row-major window order wins (as PyTorch's CPU kernel). The positions are recomputed
  from the saved input and output in the backward pass (``tap == y``), so inference stores
  nothing; a window whose maximum is NaN sends ``gy`` to its last NaN, as PyTorch's. For
  ``MaxPool2d(2)`` (2×2 windows, stride 2, no padding), where numba is installed, compiled
  kernels (:func:`deepgrad.kernels.max_pool2x2`) make the forward one pass and keep each
  window's tap index (one byte per output) for a one-pass backward; the same numbers. The backward is a linear "scatter" whose own backward is the matching "gather",
  so gradients of any order work.
* average: ``gx`` adds ``gy / divisor`` into every tap's slice (``kh·kw`` slice-adds); its
  backward is the average pooling again.
* adaptive max: the windows differ in size and may overlap, so the forward gathers every
  window (padded to the largest by repeating its last row/column, which leaves the maximum
  unchanged) and records the flat position ``h·W + w`` of each window's first maximum (the
  last NaN where the window holds NaN, as PyTorch's kernels); the
  backward adds ``gy`` at those positions (a scatter whose backward is the gather).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any

import numpy

from .. import backend, cuda_kernels, kernels
from .._errors import ShapeMismatchError, ValueRangeError, bool_arg, int_arg
from ..autograd import Function, is_grad_enabled
from ..tensor import Tensor
from ..threads import parallel_chunks
from .activation import _UINT
from .arguments import IntTuple, _is_int, int_tuple
from .conv import SCRATCH, input_dims, unbatched
from .elementwise import astype, computed_in
from .linalg import matmul
from .pool_indices import window_argmax
from .reduce import mean
from .shape import reshape
from .upsample import all_finite, along_axis, area_taps, axis_matrix

#: max pooling runs over the batch in blocks of at most this many input elements (per
#: thread): its 4-16 passes over strided taps then reread a block still in the 2 MB L2 cache.
#: A/B (forward + backward): 1.21x at (128, 32, 28, 28), 1.17x at (128, 64, 14, 14), 0.98-1.00x
#: at the CNN benchmark's (64, 16, 28, 28) and (64, 32, 14, 14)
CACHE_BLOCK = 1 << 19


class _PoolGeom:
    """Shapes of one pooling: input ``(N, C, H, W)``, kernel, stride, padding, dilation, output
    ``(Ho, Wo)``, and the padded extent ``(Hp, Wp)`` (ceil mode may need extra bottom/right
    padding)."""

    __slots__ = ("N", "C", "H", "W", "kh", "kw", "sh", "sw", "ph", "pw", "dh", "dw",
                 "Ho", "Wo", "Hp", "Wp", "padded")  # fmt: skip

    def __init__(self, shape: tuple[int, ...], kernel: tuple[int, int], stride: tuple[int, int],
                 padding: tuple[int, int], dilation: tuple[int, int], ceil_mode: bool,
                 fn: str) -> None:  # fmt: skip
        self.N, self.C, self.H, self.W = shape
        if 0 in shape[1:]:
            raise ValueError(
                f"{fn}: expected an input whose axes other than the batch are non-empty (as "
                f"PyTorch), got shape {shape}"
            )
        self.kh, self.kw = kernel
        self.sh, self.sw = stride
        self.ph, self.pw = padding
        self.dh, self.dw = dilation
        outs, ext = [], []
        for size, k, s, p, d, axis in (
            (self.H, self.kh, self.sh, self.ph, self.dh, "height"),
            (self.W, self.kw, self.sw, self.pw, self.dw, "width"),
        ):
            extent = d * (k - 1) + 1
            if p > k // 2:  # PyTorch's rule: half the kernel size, not of its dilated extent
                raise ValueRangeError(  # PyTorch's RuntimeError (and the ValueError of before)
                    f"{fn}: padding {p} must be at most half of the kernel size {k} "
                    f"(at most {k // 2})"
                )
            span = size + 2 * p - extent
            o = (span + (s - 1 if ceil_mode else 0)) // s + 1
            if ceil_mode and (o - 1) * s >= size + p:
                o -= 1
            if o < 1:  # with ceil_mode a window may run past the padded input, as PyTorch
                raise ShapeMismatchError(
                    f"Output size is too small (calculated output size {o} along the {axis}); "
                    f"{fn}: kernel size {k} (extent {extent} with dilation {d}) is larger than "
                    f"the padded input {axis} {size + 2 * p} (input {size}, padding {p}): the "
                    f"output size {o} is too small"
                )
            outs.append(o)
            ext.append(max(size + 2 * p, (o - 1) * s + extent))
        self.Ho, self.Wo = outs
        self.Hp, self.Wp = ext
        self.padded = (self.Hp, self.Wp) != (self.H, self.W)

    def taps(self, src: Any) -> list[Any]:
        """The ``kh·kw`` strided views ``(N, C, Ho, Wo)`` of a padded-shape array, in
        row-major window order."""
        eh, ew = self.sh * (self.Ho - 1) + 1, self.sw * (self.Wo - 1) + 1
        out = []
        for p in range(self.kh):
            for q in range(self.kw):
                h0, w0 = p * self.dh, q * self.dw
                out.append(src[:, :, h0 : h0 + eh : self.sh, w0 : w0 + ew : self.sw])
        return out

    def pad(self, x: Any, value: float) -> Any:
        """``x`` in a padded-shape array (``x`` itself when there is no padding)."""
        if not self.padded:
            return x
        buf = backend.xp.full((self.N, self.C, self.Hp, self.Wp), value, dtype=x.dtype)
        buf[:, :, self.ph : self.ph + self.H, self.pw : self.pw + self.W] = x
        return buf

    def crop(self, buf: Any) -> Any:
        if not self.padded:
            return buf
        return backend.xp.ascontiguousarray(
            buf[:, :, self.ph : self.ph + self.H, self.pw : self.pw + self.W]
        )

    def overlapping(self) -> bool:
        return self.dh * (self.kh - 1) >= self.sh or self.dw * (self.kw - 1) >= self.sw


def _check_input(x: Tensor, fn: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}: expected a Tensor, got {type(x).__name__}")
    if x.ndim not in (3, 4):
        raise ShapeMismatchError(
            f"non-empty 3D or 4D (batch mode) tensor expected for input; {fn}: expected "
            f"{input_dims(2)}, got shape {x.shape}"
        )
    if x.dtype.kind != "f":
        raise TypeError(f"{fn}: expected a floating input, got dtype {x.dtype}")


# ---- max pooling -------------------------------------------------------------------------------
class MaxPool2dFunction(Function):
    """``y = max over each window``; backward scatters ``gy`` to each window's first maximum."""

    # the backward reads memory of the output (its output, for the backward's mask): a write into the
    # output afterwards is refused at backward, as PyTorch refuses one
    keep_output = True

    def __init__(self, g: _PoolGeom) -> None:
        self.g = g

    def __call__(self, x: Tensor) -> Any:
        self.train = is_grad_enabled() and x.requires_grad
        return super().__call__(x)

    def forward(self, x: Any) -> Any:
        xp = backend.xp
        g = self.g
        src = g.pad(x, -numpy.inf)
        y = xp.empty((g.N, g.C, g.Ho, g.Wo), x.dtype)
        self.idx = None
        if _two_by_two(g) and cuda_kernels.usable(src):  # one launch on a GPU, PyTorch's rule
            idx = xp.empty(y.shape, numpy.uint8)
            if cuda_kernels.max_pool2x2(src, y, idx):
                if self.train:
                    self.src, self.y, self.tm, self.idx = src, y, None, idx
                return y
        if _two_by_two(g) and kernels.enabled():
            # the compiled 2×2 kernel: one pass, each window's tap index kept for the
            # backward (a quarter of y's bytes); it declines NaN and arrays it does not take
            idx, ok = xp.empty(y.shape, numpy.uint8), [True]

            def kernel(a: int, b: int) -> None:
                ok[0] &= kernels.max_pool2x2(src[a:b], y[a:b], idx[a:b])

            parallel_chunks(kernel, g.N, src.size)
            if ok[0]:
                if self.train:
                    self.src, self.y, self.tm, self.idx = src, y, None, idx
                return y

        # training with disjoint windows: the taps are first copied into one contiguous
        # tap-major block (kh·kw, N, C, Ho, Wo) that the backward reuses; see _tap_major
        tm = xp.empty((g.kh * g.kw, *y.shape), x.dtype) if self.train and _tap_major(g) else None

        def chunk(a: int, b: int) -> None:  # samples a..b (the batch split across threads)
            taps, ys = g.taps(src[a:b]), y[a:b]
            if len(taps) == 1:
                ys[...] = taps[0]
                return
            if tm is not None:
                for k, t in enumerate(taps):
                    tm[k, a:b] = t
                taps = list(tm[:, a:b])
            xp.maximum(taps[0], taps[1], out=ys)
            for t in taps[2:]:
                xp.maximum(ys, t, out=ys)

        parallel_chunks(chunk, g.N, src.size, CACHE_BLOCK)
        if self.train:
            self.src, self.y, self.tm = src, y, tm
        return y

    def backward(self, gy: Tensor) -> Tensor:
        g, xp = self.g, backend.xp
        # `tap == y` misses NaN, and where padding is on a window whose maximum is -inf, the
        # padding's -inf taps would take the gradient (PyTorch gives it to the window's first
        # position inside the image): there, go by PyTorch's indices
        if self.idx is not None and cuda_kernels.usable(self.y):  # PyTorch's rule built in
            return _MaxPoolScatter(g, self.src, self.y, self.tm, self.idx)(gy)
        # the NumPy scatter multiplies gy by 0/1 masks: an inf or NaN gradient would reach
        # the taps that lost as inf·0 = NaN, where PyTorch's scatter leaves them 0
        masked = self.idx is None and not xp.isfinite(gy._data).all()
        # the compiled forward (idx kept) ran only on unpadded windows free of NaN: no check
        nan_or_pad = self.idx is None and (
            xp.isnan(self.y).any() or (g.padded and xp.isneginf(self.y).any())
        )
        if masked or nan_or_pad:
            k, s, p, d = (g.kh, g.kw), (g.sh, g.sw), (g.ph, g.pw), (g.dh, g.dw)
            index = window_argmax(g.crop(self.src), self.y, k, s, p, d)
            return _PlaneScatter(index, (g.H, g.W))(gy)
        return _MaxPoolScatter(g, self.src, self.y, self.tm, self.idx)(gy)


def _two_by_two(g: _PoolGeom) -> bool:
    """Whether the compiled kernels (:func:`deepgrad.kernels.max_pool2x2`) take this
    geometry: 2×2 windows, stride 2, no dilation, no padding (``MaxPool2d(2)``, with or
    without ceil_mode). Not with padding: where a window holds only -inf, PyTorch sends the
    gradient to its first position inside the image, the kernel to its first tap."""
    return (g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.ph, g.pw) == (2, 2, 2, 2, 1, 1, 0, 0)


def _tap_major(g: _PoolGeom) -> bool:
    """Whether a training forward keeps its taps as one contiguous ``(kh·kw, N, C, Ho, Wo)``
    copy: for disjoint windows of at least two taps. NumPy runs an op whose operands are
    strided taps (inner runs of ``Wo`` values, every ``sw``-th) 5-9x slower than the same op
    on contiguous arrays; copying each tap once costs the forward what the strided
    ``maximum`` calls it replaces cost, and lets the backward's comparisons and mask updates
    run on contiguous blocks (A/B at the CNN benchmark's shapes: backward 1.8x, forward
    equal)."""
    return g.kh * g.kw > 1 and not g.overlapping()


class _MaxPoolScatter(Function):
    """``gy (N, C, Ho, Wo)`` → ``gx (N, C, H, W)``: each value goes to its window's argmax."""

    def __init__(self, g: _PoolGeom, src: Any, y: Any, tm: Any = None, idx: Any = None) -> None:
        self.g, self.src, self.y, self.tm, self.idx = g, src, y, tm, idx

    def forward(self, gy: Any) -> Any:
        xp = backend.xp
        g, y, tm, idx = self.g, self.y, self.tm, self.idx
        shape = (g.N, g.C, g.Hp, g.Wp) if g.padded else (g.N, g.C, g.H, g.W)
        if idx is not None and cuda_kernels.usable(gy):
            gx = cuda_kernels.max_pool2x2_backward(gy, idx, shape)
            if gx is not None:
                return g.crop(gx)
        if idx is not None:  # the forward's compiled kernel kept each window's tap index
            buf, gyc, ok = xp.empty(shape, gy.dtype), xp.ascontiguousarray(gy), [True]

            def kernel(a: int, b: int) -> None:
                ok[0] &= kernels.max_pool2x2_backward(gyc[a:b], idx[a:b], buf[a:b])

            parallel_chunks(kernel, g.N, buf.size)
            if ok[0]:
                return g.crop(buf)
        overlap = g.overlapping()
        # every element written exactly once (the windows tile the plane: no gaps between
        # them, none inside them, none left at the border): no need to zero the buffer first
        covered = (
            (g.kh == 1 or g.dh == 1) and (g.kw == 1 or g.dw == 1) and (g.sh, g.sw) == (g.kh, g.kw)
            and (g.sh * g.Ho, g.sw * g.Wo) == shape[2:]
        )  # fmt: skip
        buf = xp.empty(shape, gy.dtype) if covered else xp.zeros(shape, gy.dtype)
        # boolean scratch: tap k's window maxima not already taken by an earlier tap (the
        # first tap in window order wins ties), and the maxima taken so far; working on
        # 1-byte masks instead of subtracting the given share from a float copy of gy
        # reads and writes a quarter of the memory (A/B: 1.3-2.5x on this backward)
        first, _ = SCRATCH.take(gy.shape, numpy.dtype(bool))
        taken, _ = SCRATCH.take(gy.shape, numpy.dtype(bool), "taken")
        last = g.kh * g.kw - 1
        uint = _UINT[gy.dtype.itemsize]

        def chunk(a: int, b: int) -> None:  # samples a..b (the batch split across threads)
            ys, gys, fst, tkn = y[a:b], gy[a:b], first[a:b], taken[a:b]
            taps = g.taps(self.src[a:b]) if tm is None else tm[:, a:b]
            for k, (t, d) in enumerate(zip(taps, g.taps(buf[a:b]))):
                xp.equal(t, ys, out=fst)
                if k:
                    xp.greater(fst, tkn, out=fst)  # first and not taken
                if k < last:
                    if k:
                        xp.logical_or(tkn, fst, out=tkn)
                    else:
                        tkn[...] = fst
                # multiply by the 0/1 mask (much faster in NumPy than a masked copy); where
                # each input is in one window, the gradient's bits times the mask as integers:
                # exactly gy or +0.0, as PyTorch's scatter (a float product gives -0.0 for a
                # negative gy); overlapping windows add into +0.0, which stays +0.0
                if overlap:
                    d += gys * fst
                else:
                    xp.multiply(gys.view(uint), fst, out=d.view(uint))

        parallel_chunks(chunk, g.N, buf.size, CACHE_BLOCK)
        SCRATCH.give(first)
        SCRATCH.give(taken, "taken")
        return g.crop(buf)

    def backward(self, ggx: Tensor) -> Tensor:
        return _MaxPoolGather(self.g, self.src, self.y)(ggx)


class _MaxPoolGather(Function):
    """Adjoint of :class:`_MaxPoolScatter`: ``(N, C, H, W)`` → the value at each window's
    argmax ``(N, C, Ho, Wo)``."""

    def __init__(self, g: _PoolGeom, src: Any, y: Any) -> None:
        self.g, self.src, self.y = g, src, y

    def forward(self, a: Any) -> Any:
        xp = backend.xp
        g, y = self.g, self.y
        vals = g.taps(g.pad(a, 0.0))
        out = xp.zeros(y.shape, a.dtype)
        # reverse order: the first tap in window order writes last and wins ties
        for t, v in zip(reversed(g.taps(self.src)), reversed(vals)):
            xp.copyto(out, v, where=t == y)
        return out

    def backward(self, gy: Tensor) -> Tensor:
        return _MaxPoolScatter(self.g, self.src, self.y)(gy)


def max_pool2d(
    x: Tensor,
    kernel_size: IntTuple,
    stride: IntTuple | None = None,
    padding: IntTuple = 0,
    dilation: IntTuple = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """2-D max pooling: ``y[n, c, i, j] = max_{p,q} xpad[n, c, i·sh + p·dh, j·sw + q·dw]``
    (padding with -∞).

    Parameters
    ----------
    x : ``(N, C, H, W)``, or one unbatched sample ``(C, H, W)`` (the result is unbatched too)
    kernel_size : int or ``(kh, kw)``
    stride : defaults to ``kernel_size``
    padding : at most half the kernel size (undilated, as PyTorch); ``dilation`` spaces the window's taps;
    ceil_mode : round the output size up (windows may run past the bottom/right border)
    return_indices : also return where each maximum is (:mod:`.pool_indices`), as PyTorch

    Returns
    -------
    ``(N, C, Ho, Wo)``, or ``(y, indices)`` with int64 ``indices (N, C, Ho, Wo)``: the flat
    position ``h·W + w`` in the input plane of each window's first maximum.
    """
    fn = "max_pool2d"
    _check_input(x, fn)
    ceil_mode = bool_arg(ceil_mode, fn, "ceil_mode", 6)
    if x.ndim == 3:
        return unbatched(
            max_pool2d, x, kernel_size, stride, padding, dilation, ceil_mode, return_indices
        )
    k = int_tuple(kernel_size, 2, "kernel_size", fn)
    s = k if stride is None else int_tuple(stride, 2, "stride", fn)
    p = int_tuple(padding, 2, "padding", fn)
    d = int_tuple(dilation, 2, "dilation", fn)
    if min(k + s + d) < 1 or min(p) < 0:  # PyTorch's RuntimeError (also a ValueError)
        raise ValueRangeError(
            f"{fn}: kernel_size, stride and dilation must be positive and padding non-negative, "
            f"got kernel_size={k}, stride={s}, padding={p}, dilation={d}"
        )
    y = MaxPool2dFunction(_PoolGeom(x.shape, k, s, p, d, ceil_mode, fn))(x)
    if not return_indices:
        return y
    return y, Tensor._from_op(window_argmax(x._data, y._data, k, s, p, d), None, 0)


def max_pool1d(
    x: Tensor,
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
    dilation: int = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """1-D max pooling over the last axis: ``x (N, C, L)`` → ``(N, C, Lo)``, or unbatched
    ``(C, L)`` → ``(C, Lo)``; with ``return_indices`` also the int64 position ``l`` of each
    window's first maximum ``(N, C, Lo)``, as PyTorch."""
    _check_1d(x, "max_pool1d")
    ceil_mode = bool_arg(ceil_mode, "max_pool1d", "ceil_mode", 6)
    if x.ndim == 2:
        return unbatched(
            max_pool1d, x, kernel_size, stride, padding, dilation, ceil_mode, return_indices
        )
    N, C, L = x.shape
    k = int_tuple(kernel_size, 1, "kernel_size", "max_pool1d")[0]
    s = k if stride is None else int_tuple(stride, 1, "stride", "max_pool1d")[0]
    p = int_tuple(padding, 1, "padding", "max_pool1d")
    d = int_tuple(dilation, 1, "dilation", "max_pool1d")
    y = max_pool2d(reshape(x, (N, C, 1, L)), (1, k), (1, s), (0, p[0]), (1, d[0]), ceil_mode)
    y = reshape(y, (N, C, y.shape[-1]))
    if not return_indices:
        return y
    return y, Tensor._from_op(window_argmax(x._data, y._data, (k,), (s,), p, d), None, 0)


def _check_1d(x: Tensor, fn: str) -> None:
    if not isinstance(x, Tensor) or x.ndim not in (2, 3):
        raise ShapeMismatchError(
            f"{fn}: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
            f"input, but got:{list(getattr(x, 'shape', ()))}; {fn}: expected "
            f"{input_dims(1)}, got shape {getattr(x, 'shape', x)}"
        )


# ---- average pooling ---------------------------------------------------------------------------
def _avg_flags(ceil_mode: Any, count_include_pad: Any, divisor_override: Any,
               fn: str) -> tuple[bool, bool, int | None]:  # fmt: skip
    """PyTorch's parser: ``ceil_mode`` and ``count_include_pad`` Python bools (``1`` is its
    ``TypeError``, not a truth value), ``divisor_override`` an int or None (not ``2.0``)."""
    return (
        bool_arg(ceil_mode, fn, "ceil_mode", 5),
        bool_arg(count_include_pad, fn, "count_include_pad", 6),
        None if divisor_override is None else int_arg(divisor_override, fn, "divisor_override", 7),
    )


def _avg_divisor(g: _PoolGeom, count_include_pad: bool, divisor_override: int | None,
               dtype: Any) -> Any:  # fmt: skip
    """The divisor per output position (a Python float when it is the same everywhere), as
    PyTorch: windows are clipped to the padded input; ``count_include_pad=False`` counts only
    input pixels. The window sums are divided by it, as PyTorch's kernel does (times its
    reciprocal differed in the last bit wherever the divisor is not a power of two)."""
    if divisor_override is not None:
        return float(divisor_override)

    def sizes(n_out: int, s: int, p: int, k: int, size: int) -> numpy.ndarray:
        start = numpy.arange(n_out) * s - p
        end = numpy.minimum(start + k, size + p)
        if count_include_pad:
            return end - start
        return numpy.minimum(end, size) - numpy.maximum(start, 0)

    hs = sizes(g.Ho, g.sh, g.ph, g.kh, g.H)
    ws = sizes(g.Wo, g.sw, g.pw, g.kw, g.W)
    if (hs == hs[0]).all() and (ws == ws[0]).all():
        return float(hs[0] * ws[0])
    return backend.xp.asarray(numpy.outer(hs, ws), dtype=dtype)


class AvgPool2dFunction(Function):
    """``y = Σ_taps xpad_tap / divisor`` (the taps added in row-major order, as PyTorch's
    kernel); backward is :class:`_AvgPoolAdjoint`."""

    def __init__(self, g: _PoolGeom, divisor: Any) -> None:
        self.g, self.divisor = g, divisor

    def forward(self, x: Any) -> Any:
        taps = self.g.taps(self.g.pad(x, 0.0))
        y = taps[0] + taps[1] if len(taps) > 1 else taps[0].copy()
        for t in taps[2:]:
            y += t
        y /= self.divisor
        return y

    def backward(self, gy: Tensor) -> Tensor:
        return _AvgPoolAdjoint(self.g, self.divisor)(gy)


class _AvgPoolAdjoint(Function):
    """``gy`` → ``gx``: ``gy / divisor`` added into every tap's slice of the padded input."""

    def __init__(self, g: _PoolGeom, divisor: Any) -> None:
        self.g, self.divisor = g, divisor

    def forward(self, gy: Any) -> Any:
        xp = backend.xp
        g = self.g
        gs = gy / self.divisor
        shape = (g.N, g.C, g.Hp, g.Wp) if g.padded else (g.N, g.C, g.H, g.W)
        buf = xp.zeros(shape, gy.dtype)
        overlap = g.overlapping()
        # the taps last to first: each input pixel then takes its windows' shares in the
        # windows' row-major order, PyTorch's order of additions where windows overlap
        for d in reversed(g.taps(buf)):
            if overlap:
                d += gs
            else:
                d[...] = gs
        return g.crop(buf)

    def backward(self, ggx: Tensor) -> Tensor:
        return AvgPool2dFunction(self.g, self.divisor)(ggx)


def avg_pool2d(
    x: Tensor,
    kernel_size: IntTuple,
    stride: IntTuple | None = None,
    padding: IntTuple = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """2-D average pooling: ``y[n, c, i, j] = Σ_{p,q} xpad[n, c, i·sh + p, j·sw + q] / divisor``.

    The divisor is the window's size clipped to the padded input (``count_include_pad=True``,
    PyTorch's default), the number of input pixels in it (``False``), or
    ``divisor_override``. Shapes as :func:`max_pool2d`.
    """
    fn = "avg_pool2d"
    _check_input(x, fn)
    ceil_mode, count_include_pad, divisor_override = _avg_flags(
        ceil_mode, count_include_pad, divisor_override, fn
    )
    if x.ndim == 3:
        return unbatched(avg_pool2d, x, kernel_size, stride, padding, ceil_mode,
                         count_include_pad, divisor_override)  # fmt: skip
    k = int_tuple(kernel_size, 2, "kernel_size", fn)
    s = k if stride is None else int_tuple(stride, 2, "stride", fn)
    p = int_tuple(padding, 2, "padding", fn)
    if min(k + s) < 1 or min(p) < 0:  # PyTorch's RuntimeError (also a ValueError)
        raise ValueRangeError(
            f"{fn}: kernel_size and stride must be positive and padding non-negative, got "
            f"kernel_size={k}, stride={s}, padding={p}"
        )
    if divisor_override is not None and divisor_override <= 0:
        raise ValueRangeError(
            f"divisor must be not zero ({fn}: divisor_override must be positive, got {divisor_override})"
        )
    g = _PoolGeom(x.shape, k, s, p, (1, 1), ceil_mode, fn)
    wide = computed_in(x.dtype)  # float16 in float32, as PyTorch's half precision
    pool = AvgPool2dFunction(g, _avg_divisor(g, count_include_pad, divisor_override, wide))
    return astype(pool(astype(x, wide)), x.dtype)


def avg_pool1d(
    x: Tensor,
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """1-D average pooling over the last axis: ``x (N, C, L)`` → ``(N, C, Lo)``, or unbatched
    ``(C, L)`` → ``(C, Lo)``."""
    _check_1d(x, "avg_pool1d")
    ceil_mode, count_include_pad, _ = _avg_flags(ceil_mode, count_include_pad, None, "avg_pool1d")
    if x.ndim == 2:
        return unbatched(avg_pool1d, x, kernel_size, stride, padding, ceil_mode, count_include_pad)
    N, C, L = x.shape
    k = int_tuple(kernel_size, 1, "kernel_size", "avg_pool1d")[0]
    s = k if stride is None else int_tuple(stride, 1, "stride", "avg_pool1d")[0]
    p = int_tuple(padding, 1, "padding", "avg_pool1d")[0]
    y = avg_pool2d(reshape(x, (N, C, 1, L)), (1, k), (1, s), (0, p), ceil_mode,
                   count_include_pad)  # fmt: skip
    return reshape(y, (N, C, y.shape[-1]))


# ---- adaptive average pooling --------------------------------------------------------------------
def _adaptive_matrix(n_in: int, n_out: int, dtype: Any) -> Tensor:
    """``(n_out, n_in)`` averaging matrix of PyTorch's adaptive windows
    ``[⌊i·n_in/n_out⌋, ⌈(i+1)·n_in/n_out⌉)`` (``interpolate``'s ``area`` matrix; for finite
    inputs: see :func:`_window_means`)."""
    m = axis_matrix(n_in, n_out, "area", False, None)
    return Tensor._from_op(backend.xp.asarray(m, dtype=dtype), None, 0)


def _window_means(x: Tensor, axes: Sequence[tuple[int, int, int]]) -> Tensor:
    """Adaptive average pooling of an input holding NaN or ±inf: ``(axis, n_in, n_out)`` in
    ``axes``, each axis's window sums divided by their sizes
    (:func:`~.upsample.along_axis`), so that a NaN or inf reaches only the outputs whose
    windows hold it, as in PyTorch (the averaging matrices multiply it by their zeros)."""
    for axis, n, o in axes:
        if o != n:
            x = along_axis(x, axis, area_taps(n, o))
    return x


def adaptive_avg_pool2d(x: Tensor, output_size: int | Sequence[int | None]) -> Tensor:
    """Average pooling to a fixed output size ``(Ho, Wo)`` whatever the input size: output
    ``(i, j)`` averages rows ``[⌊i·H/Ho⌋, ⌈(i+1)·H/Ho⌉)`` and the matching columns (PyTorch's
    windows). ``output_size=1`` is global average pooling; ``None`` keeps that axis.

    ``(N, C, H, W)`` → ``(N, C, Ho, Wo)``. When ``Ho`` divides ``H`` (and ``Wo`` divides
    ``W``) this is ``avg_pool2d`` with kernel = stride = ``H/Ho``; otherwise it is
    ``A_h @ x @ A_wᵀ`` with averaging matrices, or, for an input holding NaN or ±inf, the
    window means of :func:`_window_means`.
    """
    fn = "adaptive_avg_pool2d"
    _check_input(x, fn)
    if x.ndim == 3:
        return unbatched(adaptive_avg_pool2d, x, output_size)
    N, C, H, W = x.shape
    Ho, Wo = _adaptive_output(output_size, (H, W), fn)
    if not Ho or not Wo:
        return _empty_pool(x, (Ho, Wo), fn)
    if (Ho, Wo) == (H, W):
        return x
    if (Ho, Wo) == (1, 1):
        return mean(x, (2, 3), keepdims=True)
    if H % Ho == 0 and W % Wo == 0:
        return avg_pool2d(x, (H // Ho, W // Wo))
    if not all_finite(x._data):
        return _window_means(x, ((3, W, Wo), (2, H, Ho)))
    y = x
    if Wo != W:
        y = matmul(y, _adaptive_matrix(W, Wo, x.dtype).T)
    if Ho != H:
        y = matmul(_adaptive_matrix(H, Ho, x.dtype), y)
    return y


def adaptive_avg_pool3d(x: Tensor, output_size: int | Sequence[int | None]) -> Tensor:
    """Average pooling of a volume to a fixed output size ``(Do, Ho, Wo)`` (PyTorch's windows
    ``[⌊i·D/Do⌋, ⌈(i+1)·D/Do⌉)`` on each axis; ``None`` keeps that axis): ``(N, C, D, H, W)``
    → ``(N, C, Do, Ho, Wo)``, or one unbatched sample ``(C, D, H, W)``. Computed as averaging
    matrices applied along each axis (window sums for an input holding NaN or ±inf).

    >>> import deepgrad as dg
    >>> dg.nn.functional.adaptive_avg_pool3d(dg.ones(1, 2, 4, 5, 6), (2, 1, None)).shape
    (1, 2, 2, 1, 6)
    """
    fn = "adaptive_avg_pool3d"
    if not isinstance(x, Tensor) or x.ndim not in (4, 5):
        raise ValueError(
            f"{fn}: expected a 5-D (N, C, D, H, W) or 4-D (C, D, H, W) input, got shape "
            f"{getattr(x, 'shape', type(x).__name__)}"
        )
    if x.dtype.kind != "f":
        raise TypeError(f"{fn}: expected a floating input, got dtype {x.dtype}")
    if x.ndim == 4:
        return reshape(adaptive_avg_pool3d(reshape(x, (1, *x.shape)), output_size), (
            x.shape[0], *_adaptive_output(output_size, x.shape[1:], fn)))  # fmt: skip
    D, H, W = x.shape[2:]
    Do, Ho, Wo = _adaptive_output(output_size, (D, H, W), fn)
    if not (Do and Ho and Wo):
        return _empty_pool(x, (Do, Ho, Wo), fn)
    if not all_finite(x._data):
        return _window_means(x, ((4, W, Wo), (3, H, Ho), (2, D, Do)))
    y = x
    N, C = x.shape[:2]
    if Wo != W:
        y = matmul(y, _adaptive_matrix(W, Wo, x.dtype).T)
    if Ho != H:
        y = matmul(_adaptive_matrix(H, Ho, x.dtype), y)
    if Do != D:
        w = y.shape[-1]
        flat = reshape(y, (N, C, D, Ho * w))
        y = reshape(matmul(_adaptive_matrix(D, Do, x.dtype), flat), (N, C, Do, Ho, w))
    return y


def adaptive_avg_pool1d(x: Tensor, output_size: int | Sequence[int]) -> Tensor:
    """Average pooling of a sequence to a fixed length ``Lo``: output ``i`` averages
    ``x[..., ⌊i·L/Lo⌋ : ⌈(i+1)·L/Lo⌉]`` (PyTorch's windows). ``(N, C, L)`` → ``(N, C, Lo)``;
    ``output_size`` is an int or a 1-tuple."""
    fn = "adaptive_avg_pool1d"
    _check_1d(x, fn)
    _check_float(x, fn)
    if x.ndim == 2:
        return unbatched(adaptive_avg_pool1d, x, output_size)
    N, C, L = x.shape
    (Lo,) = _adaptive_output(output_size, (L,), fn, allow_none=False)
    y = adaptive_avg_pool2d(reshape(x, (N, C, 1, L)), (1, Lo))  # Lo = 0: its empty output
    return reshape(y, (N, C, Lo))


# ---- adaptive max pooling ----------------------------------------------------------------------
def _check_float(x: Tensor, fn: str) -> None:
    if x.dtype.kind != "f":
        raise TypeError(f"{fn}: expected a floating input, got dtype {x.dtype}")


def _adaptive_output(
    output_size: Any, in_sizes: tuple[int, ...], fn: str, allow_none: bool = True
) -> tuple[int, ...]:
    """The output size per pooled axis from ``output_size`` (an int for every axis, or one
    entry per axis; ``None`` keeps that axis's input size where ``allow_none``)."""
    n = len(in_sizes)
    what = "an int" if n == 1 else f"an int or a tuple of {n} ints or None"
    if n == 1:
        what += " or a tuple of 1 int"
    if _is_int(output_size):
        out = (operator.index(output_size),) * n
    else:
        try:
            items = tuple(output_size)
        except TypeError:
            raise TypeError(f"{fn}: output_size must be {what}, got {output_size!r}") from None
        if len(items) != n:
            raise ValueError(f"{fn}: output_size must be {what}, got {output_size!r}")
        for v in items:
            if not _is_int(v) and not (v is None and allow_none):
                raise TypeError(f"{fn}: output_size must be {what}, got {output_size!r}")
        out = tuple(size if v is None else operator.index(v) for v, size in zip(items, in_sizes))
    if min(out) < 0:
        raise ValueRangeError(
            f"{fn}: elements of output_size must be greater than or equal to 0, got {output_size!r}"
        )
    if min(in_sizes) < 1:
        raise ValueError(f"{fn}: expected non-empty pooled axes, got sizes {in_sizes}")
    return out


class EmptyAdaptivePool(Function):
    """An adaptive pooling to an output size with a zero in it: PyTorch's empty result
    ``(N, C, *output_size)``, which no input element reaches. Its backward raises
    PyTorch's error (PyTorch's adaptive pooling backward refuses an empty gradient; a
    gradient of zeros would differ from it without a word)."""

    def __init__(self, shape: tuple[int, ...], fn: str) -> None:
        self.shape, self.fn = shape, fn

    def forward(self, x: Any) -> Any:
        return backend.xp.empty(self.shape, x.dtype)

    def backward(self, gy: Tensor) -> Any:
        empty = next((i for i, n in enumerate(gy.shape) if i >= 2 and n == 0), 2)
        raise RuntimeError(
            f"{self.fn}_backward(): Expected grad_output to have non-zero size for non-batch "
            f"dimensions, but grad_output has sizes {list(gy.shape)} with dimension {empty} "
            "being empty (an output_size with a 0 gives an empty output; PyTorch refuses to "
            "differentiate it)"
        )


def _empty_pool(x: Tensor, out: tuple[int, ...], fn: str, return_indices: bool = False) -> Any:
    """:class:`EmptyAdaptivePool` of batched ``x`` to the pooled sizes ``out`` (one of them
    0), with PyTorch's empty int64 indices where ``return_indices``."""
    y = EmptyAdaptivePool((*x.shape[:2], *out), fn)(x)
    if not return_indices:
        return y
    return y, Tensor._from_op(backend.xp.empty(y.shape, numpy.int64), None, 0)


def _adaptive_windows(n_in: int, n_out: int) -> Any:
    """``(n_out, k)`` input positions of PyTorch's adaptive windows ``[⌊i·n_in/n_out⌋,
    ⌈(i+1)·n_in/n_out⌉)``, each padded to the longest ``k`` by repeating its last position."""
    return backend.xp.asarray(area_taps(n_in, n_out)[0])


def window_max(win: Any) -> tuple[Any, Any]:
    """Maximum and its position along the last axis of ``win (..., K)``, as PyTorch's CPU
    kernels choose them (``val > max || isnan(val)`` in window order): the first maximum, or
    the last NaN where the window holds one."""
    xp = backend.xp
    k = win.argmax(axis=-1)
    nan = win != win
    if nan.any():
        last_nan = win.shape[-1] - 1 - nan[..., ::-1].argmax(axis=-1)
        k = xp.where(nan.any(axis=-1), last_nan, k)
    return xp.take_along_axis(win, k[..., None], axis=-1)[..., 0], k


class AdaptiveMaxPoolFunction(Function):
    """``y[n, c, i, j, …] = max of x[n, c]`` over the window ``[⌊i·H/Ho⌋, ⌈(i+1)·H/Ho⌉)`` on
    each pooled axis (one, two or three); ``self.index`` keeps the flat position in the input
    plane (``h·W + w`` in 2-D) of each window's maximum (:func:`window_max`, row-major window
    order, as PyTorch). Backward: :class:`_PlaneScatter`."""

    def __init__(self, out_size: tuple[int, ...]) -> None:
        self.out_size = out_size

    def forward(self, x: Any) -> Any:
        xp = backend.xp
        spatial, out, nd = x.shape[2:], self.out_size, len(self.out_size)
        wins = [_adaptive_windows(n, o) for n, o in zip(spatial, out)]
        ks = tuple(w.shape[1] for w in wins)

        def along(a: int, n: int) -> list[int]:  # a shape with n at axis a of nd, 1 elsewhere
            return [n if b == a else 1 for b in range(nd)]

        # (N, C, *out, *k): every window, gathered once (axis a's windows broadcast along
        # output axis a and kernel axis nd + a)
        gather = tuple(w.reshape(along(a, o) + along(a, k))
                       for a, (w, o, k) in enumerate(zip(wins, out, ks)))  # fmt: skip
        win = x[(slice(None), slice(None), *gather)].reshape(*x.shape[:2], *out, math.prod(ks))
        y, k = window_max(win)
        index = xp.zeros(k.shape, numpy.int64)
        for a, (w, r) in enumerate(zip(wins, xp.unravel_index(k, ks))):
            pos = w[xp.arange(out[a]).reshape(along(a, out[a])), r]
            index += pos * math.prod(spatial[a + 1 :])
        self.index, self.in_size = index, spatial
        return y

    def backward(self, gy: Tensor) -> Tensor:
        return _PlaneScatter(self.index, self.in_size)(gy)


class _PlaneScatter(Function):
    """``gy (N, C, *out)`` → ``gx (N, C, *in_size)``: ``gx[n, c].flat[index[n, c, …]] +=
    gy[n, c, …]`` (windows may share a maximum, so values add up)."""

    def __init__(self, index: Any, in_size: tuple[int, ...]) -> None:
        self.index, self.in_size = index, tuple(in_size)

    def forward(self, gy: Any) -> Any:
        xp = backend.xp
        N, C = gy.shape[:2]
        plane = math.prod(self.in_size)
        flat = self.index.reshape(N * C, math.prod(self.index.shape[2:]))
        flat = flat + (xp.arange(N * C) * plane)[:, None]
        gx = xp.bincount(flat.ravel(), weights=gy.ravel(), minlength=N * C * plane)
        return gx.astype(gy.dtype, copy=False).reshape(N, C, *self.in_size)

    def backward(self, ggx: Tensor) -> Tensor:
        return _PlaneGather(self.index)(ggx)


class _PlaneGather(Function):
    """Adjoint of :class:`_PlaneScatter`: ``a (N, C, *in_size)`` → ``a[n, c].flat[index]``."""

    def __init__(self, index: Any) -> None:
        self.index = index

    def forward(self, a: Any) -> Any:
        N, C = a.shape[:2]
        src = a.reshape(N, C, math.prod(a.shape[2:]))
        index = self.index.reshape(N, C, math.prod(self.index.shape[2:]))
        out = backend.xp.take_along_axis(src, index, axis=2)
        return out.reshape(self.index.shape)

    def backward(self, gy: Tensor) -> Tensor:
        return _PlaneScatter(self.index, self.inputs[0].shape[2:])(gy)


def _adaptive_max(x: Tensor, out_size: tuple[int, ...], return_indices: bool, fn: str) -> Any:
    if 0 in out_size:
        return _empty_pool(x, out_size, fn, return_indices)
    f = AdaptiveMaxPoolFunction(out_size)
    y = f(x)
    if not return_indices:
        return y
    return y, Tensor._from_op(f.index.astype(numpy.int64, copy=False), None, 0)


def adaptive_max_pool2d(
    x: Tensor, output_size: int | Sequence[int | None], return_indices: bool = False
) -> Tensor | tuple[Tensor, Tensor]:
    """Max pooling to a fixed output size ``(Ho, Wo)`` whatever the input size: output
    ``(i, j)`` is the maximum over rows ``[⌊i·H/Ho⌋, ⌈(i+1)·H/Ho⌉)`` and columns
    ``[⌊j·W/Wo⌋, ⌈(j+1)·W/Wo⌉)`` (PyTorch's windows; they overlap when the sizes do not
    divide, and repeat input pixels when the output is larger than the input).

    Parameters
    ----------
    x : ``(N, C, H, W)``, or one unbatched sample ``(C, H, W)`` (the result is unbatched too)
    output_size : int or ``(Ho, Wo)``; ``None`` keeps that axis's size
    return_indices : also return the position of each maximum, as PyTorch

    Returns
    -------
    ``y (N, C, Ho, Wo)``, or ``(y, indices)`` with ``indices (N, C, Ho, Wo)`` int64, the flat
    position ``h·W + w`` of each window's first maximum (row-major). The gradient goes to
    those positions (adding up where windows share a maximum).
    """
    fn = "adaptive_max_pool2d"
    _check_input(x, fn)
    if x.ndim == 3:
        return unbatched(adaptive_max_pool2d, x, output_size, return_indices)
    H, W = x.shape[2:]
    return _adaptive_max(x, _adaptive_output(output_size, (H, W), fn), return_indices, fn)


def adaptive_max_pool1d(
    x: Tensor, output_size: int | Sequence[int], return_indices: bool = False
) -> Tensor | tuple[Tensor, Tensor]:
    """Max pooling of a sequence to a fixed length ``Lo``: output ``i`` is the maximum of
    ``x[..., ⌊i·L/Lo⌋ : ⌈(i+1)·L/Lo⌉]``. ``(N, C, L)`` → ``(N, C, Lo)`` (and the int64
    positions ``(N, C, Lo)`` of the maxima with ``return_indices``)."""
    fn = "adaptive_max_pool1d"
    _check_1d(x, fn)
    _check_float(x, fn)
    if x.ndim == 2:
        return unbatched(adaptive_max_pool1d, x, output_size, return_indices)
    N, C, L = x.shape
    (Lo,) = _adaptive_output(output_size, (L,), fn, allow_none=False)
    out = _adaptive_max(reshape(x, (N, C, 1, L)), (1, Lo), return_indices, "adaptive_max_pool2d")
    if not return_indices:
        return reshape(out, (N, C, Lo))
    y, idx = out
    return reshape(y, (N, C, Lo)), reshape(idx, (N, C, Lo))


def adaptive_max_pool3d(
    x: Tensor, output_size: int | Sequence[int | None], return_indices: bool = False
) -> Tensor | tuple[Tensor, Tensor]:
    """Max pooling of a volume to a fixed output size ``(Do, Ho, Wo)``: output ``(t, i, j)`` is
    the maximum over PyTorch's windows ``[⌊t·D/Do⌋, ⌈(t+1)·D/Do⌉)`` × … on each axis (``None``
    keeps that axis). ``(N, C, D, H, W)`` → ``(N, C, Do, Ho, Wo)``, or one unbatched sample
    ``(C, D, H, W)``; with ``return_indices`` also the int64 flat position ``(d·H + h)·W + w``
    of each window's maximum (the first one; the last NaN where the window holds NaN, as
    PyTorch). The gradient goes to those positions.

    >>> import deepgrad as dg
    >>> y, i = dg.nn.functional.adaptive_max_pool3d(dg.arange(8.0).reshape(1, 1, 2, 2, 2), 1, True)
    >>> y.tolist(), i.tolist()
    ([[[[[7.0]]]]], [[[[[7]]]]])
    """
    fn = "adaptive_max_pool3d"
    if not isinstance(x, Tensor) or x.ndim not in (4, 5):
        raise ValueError(
            f"{fn}: expected a 5-D (N, C, D, H, W) or 4-D (C, D, H, W) input, got shape "
            f"{getattr(x, 'shape', type(x).__name__)}"
        )
    _check_float(x, fn)
    if x.ndim == 4:
        return unbatched(adaptive_max_pool3d, x, output_size, return_indices)
    return _adaptive_max(x, _adaptive_output(output_size, x.shape[2:], fn), return_indices, fn)


# ---- 3-D pooling: separable into a 2-D pooling over (H, W) and one over D --------------------
def _pool3d_args(x: Tensor, kernel_size: IntTuple, stride: IntTuple | None, padding: IntTuple,
                 dilation: IntTuple, fn: str) -> tuple:  # fmt: skip
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}: expected a Tensor, got {type(x).__name__}")
    if x.ndim not in (4, 5):
        raise ShapeMismatchError(
            f"non-empty 4D or 5D (batch mode) tensor expected for input; {fn}: expected "
            f"{input_dims(3)}, got shape {x.shape}"
        )
    k = int_tuple(kernel_size, 3, "kernel_size", fn)
    s = k if stride is None else int_tuple(stride, 3, "stride", fn)
    p = int_tuple(padding, 3, "padding", fn)
    d = int_tuple(dilation, 3, "dilation", fn)
    if min(k + s + d) < 1 or min(p) < 0:  # PyTorch's RuntimeError (also a ValueError)
        raise ValueRangeError(
            f"{fn}: kernel_size, stride and dilation must be positive and padding non-negative, "
            f"got kernel_size={k}, stride={s}, padding={p}, dilation={d}"
        )
    return k, s, p, d


def _separable(x: Tensor, pool2d: Any, hw: tuple, depth: tuple, fn: str) -> Tensor:
    """``pool2d`` over (H, W) of every depth plane, then over D (as a ``(kd, 1)`` window on
    ``(N, C, D, Ho·Wo)``). ``hw`` and ``depth`` are the two calls' other arguments."""
    N, C, D, H, W = x.shape
    name = pool2d.__name__
    try:
        y = pool2d(reshape(x, (N, C * D, H, W)), *hw)
    except ValueError as e:
        raise ValueError(str(e).replace(name, fn)) from None
    Ho, Wo = y.shape[2:]
    try:
        y = pool2d(reshape(y, (N, C, D, Ho * Wo)), *depth)
    except ValueError as e:
        raise ValueError(str(e).replace(name, fn).replace("height", "depth")) from None
    return reshape(y, (N, C, y.shape[2], Ho, Wo))


def max_pool3d(
    x: Tensor,
    kernel_size: IntTuple,
    stride: IntTuple | None = None,
    padding: IntTuple = 0,
    dilation: IntTuple = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """3-D max pooling (PyTorch's ``F.max_pool3d``): ``y[n, c, t, i, j] = max over the
    window of xpad[n, c, t·sd + a·dd, i·sh + p·dh, j·sw + q·dw]`` (padding with -∞).

    A box maximum is a maximum over depth of maxima over (H, W), so this is
    :func:`max_pool2d` twice; the gradient goes to the first maximum in (depth, row, column)
    order, as PyTorch's. Shapes: ``(N, C, D, H, W)`` or ``(C, D, H, W)`` →
    ``(N, C, Do, Ho, Wo)`` (sizes as :func:`max_pool2d` per axis). ``return_indices`` also
    returns the int64 flat position ``(d·H + h)·W + w`` of each box's first maximum."""
    fn = "max_pool3d"
    k, s, p, d = _pool3d_args(x, kernel_size, stride, padding, dilation, fn)
    ceil_mode = bool_arg(ceil_mode, fn, "ceil_mode", 6)
    if x.ndim == 4:
        return unbatched(max_pool3d, x, k, s, p, d, ceil_mode, return_indices)
    hw = (k[1:], s[1:], p[1:], d[1:], ceil_mode)
    depth = ((k[0], 1), (s[0], 1), (p[0], 0), (d[0], 1), ceil_mode)
    y = _separable(x, max_pool2d, hw, depth, fn)
    if not return_indices:
        return y
    return y, Tensor._from_op(window_argmax(x._data, y._data, k, s, p, d), None, 0)


def avg_pool3d(
    x: Tensor,
    kernel_size: IntTuple,
    stride: IntTuple | None = None,
    padding: IntTuple = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """3-D average pooling (PyTorch's ``F.avg_pool3d``): the window sum divided by the
    window's size clipped to the padded input (``count_include_pad=True``), by the number of
    input voxels in it (``False``), or by ``divisor_override``.

    Each of these divisors is a product of one size per axis, so the mean is
    :func:`avg_pool2d` over (H, W) and then over D. Shapes as :func:`max_pool3d`."""
    fn = "avg_pool3d"
    k, s, p, _ = _pool3d_args(x, kernel_size, stride, padding, 1, fn)
    ceil_mode, count_include_pad, divisor_override = _avg_flags(
        ceil_mode, count_include_pad, divisor_override, fn
    )
    if divisor_override is not None and divisor_override <= 0:
        raise ValueRangeError(
            f"divisor must be not zero ({fn}: divisor_override must be positive, got {divisor_override})"
        )
    if x.ndim == 4:
        return unbatched(avg_pool3d, x, k, s, p, ceil_mode, count_include_pad, divisor_override)
    if any(n < kk for n, kk in zip(x.shape[2:], k)):  # PyTorch's avg_pool3d check (unpadded)
        raise ValueError(
            f"{fn}: input (D, H, W) = {tuple(x.shape[2:])} is smaller than the kernel size {k} "
            f"(PyTorch's avg_pool3d requires the unpadded input to hold the kernel)"
        )
    over = None if divisor_override is None else 1  # sums, divided at the end
    hw = (k[1:], s[1:], p[1:], ceil_mode, count_include_pad, over)
    depth = ((k[0], 1), (s[0], 1), (p[0], 0), ceil_mode, count_include_pad, over)
    y = _separable(x, avg_pool2d, hw, depth, fn)
    return y if divisor_override is None else y * (1.0 / divisor_override)


# ---- PyTorch's `*_with_indices` names: the pooling with return_indices=True --------------------
def max_pool1d_with_indices(x: Tensor, kernel_size: int, stride: int | None = None,
                            padding: int = 0, dilation: int = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:  # fmt: skip
    """:func:`max_pool1d` returning ``(y, indices)`` whatever ``return_indices`` says (as
    PyTorch's)."""
    return max_pool1d(x, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(x: Tensor, kernel_size: IntTuple, stride: IntTuple | None = None,
                            padding: IntTuple = 0, dilation: IntTuple = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:  # fmt: skip
    """:func:`max_pool2d` returning ``(y, indices)`` (as PyTorch's)."""
    return max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(x: Tensor, kernel_size: IntTuple, stride: IntTuple | None = None,
                            padding: IntTuple = 0, dilation: IntTuple = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:  # fmt: skip
    """:func:`max_pool3d` returning ``(y, indices)`` (as PyTorch's)."""
    return max_pool3d(x, kernel_size, stride, padding, dilation, ceil_mode, True)


def adaptive_max_pool1d_with_indices(x: Tensor, output_size: Any,
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:  # fmt: skip
    """:func:`adaptive_max_pool1d` returning ``(y, indices)`` (as PyTorch's)."""
    return adaptive_max_pool1d(x, output_size, True)


def adaptive_max_pool2d_with_indices(x: Tensor, output_size: Any,
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:  # fmt: skip
    """:func:`adaptive_max_pool2d` returning ``(y, indices)`` (as PyTorch's)."""
    return adaptive_max_pool2d(x, output_size, True)


def adaptive_max_pool3d_with_indices(x: Tensor, output_size: Any,
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:  # fmt: skip
    """:func:`adaptive_max_pool3d` returning ``(y, indices)`` (as PyTorch's)."""
    return adaptive_max_pool3d(x, output_size, True)
