"""Convolution as matrix multiplication: ``conv1d``, ``conv2d``, ``conv3d``,
``conv_transpose1d``, ``conv_transpose2d``, ``conv_transpose3d``.

Shapes (PyTorch's, channels first): ``conv2d(x, w)`` takes ``x (N, C, H, W)`` and a weight
``w (O, C/groups, kh, kw)`` and gives ``y (N, O, Ho, Wo)`` with

    y[n, o, i, j] = b[o] + Σ_{c, p, q} w[o, c, p, q] · xpad[n, g·C/groups + c, i·sh + p·dh, j·sw + q·dw]
    Ho = ⌊(H + pad_top + pad_bottom - dh·(kh - 1) - 1) / sh⌋ + 1      (the same for Wo)

Every function also takes one unbatched sample ``(C, *spatial)``, as PyTorch's do, and gives
``(O, *spatial')``: it runs as a batch of one (:func:`unbatched`).

How it is computed (one GEMM per layer over the whole batch, per group):

1. **im2col**: the padded input is viewed through strides as ``(C, kh, kw, N, Ho, Wo)`` (no
   copy) and copied once into the column matrix ``cols (C·kh·kw, N·Ho·Wo)``.
2. **GEMM**: ``y_t = W (O, C·kh·kw) @ cols`` gives the output as ``(O, N, Ho, Wo)``; one copy
   puts it in ``(N, O, Ho, Wo)`` order and adds the bias in the same pass.

With a short reduction (``C·kh·kw < 32``, e.g. a first layer on 1-channel images), or long
rows and a moderate one (``Ho·Wo ≥ 128``, ``C·kh·kw ≤ 320``), the columns are batch-major
instead, ``(N, C·kh·kw, Ho·Wo)``, and the GEMM runs once per sample (BLAS is slow on a
``(O, 9) @ (9, N·Ho·Wo)`` product), the samples split across deepgrad's pool with BLAS at one
thread each (:func:`_samples_matmul`); its output is then already in ``(N, O, Ho, Wo)``
order, and a bias enters the GEMM as a last weight column against a row of ones in the
columns (:func:`_gemm_bias`) rather than in a pass over the output, the largest array of a
first layer.

Where numba is installed, batch-major columns over flat rows (below) come from a compiled
im2col (:func:`deepgrad.kernels.im2col_flat`: no padded copy of the image), and where no
column matrix is kept for a weight gradient (inference, a frozen weight, or one larger than
:data:`KEEP_COLUMNS_MAX`, which the weight gradient makes again) and in the transposed
convolution (``∂/∂x``), the columns are not made for the whole batch at all: a few
samples' at a time, in a block that stays in cache between the im2col (or GEMM) that
writes it and the GEMM (or col2im) that reads it (:func:`_fused_blocks`). Same copies, same
per-sample GEMM calls: the same numbers bit for bit.

Large scratch buffers (padded images, column matrices, re-laid-out GEMM results) are reused
from step to step (:class:`_Scratch`): on the machines measured, the page faults of freshly
allocated memory cost more than the arithmetic.

Convolution is bilinear, and three operations close under differentiation:

=====================  ========================================  =============================
operation              computes                                  is
=====================  ========================================  =============================
``conv(x, w)``         ``y = W @ im2col(x)``                      the forward
``conv_t(y, w)``       ``x = col2im(Wᵀ @ y_t)``                   ``∂/∂x`` of conv, and the
                                                                  transposed convolution
``conv_wgrad(x, y)``   ``w = y_t @ im2col(x)ᵀ``                   ``∂/∂w`` of conv
=====================  ========================================  =============================

col2im adds each tap's slice of the column gradient into the padded image: ``kh·kw``
strided slice-adds, no scatter over pixels. With stride 1 and an output as wide as the input
(a ``"same"`` convolution) both im2col and col2im read each image as one flat run of rows, so
every tap is one contiguous run (:func:`_flat_rows`): long inner loops instead of ``Wo``-long
ones, the same numbers bit for bit. Where numba is installed, that col2im is a compiled
kernel (:func:`deepgrad.kernels.col2im_flat`: each image sums its taps in cache, one pass
per tap, instead of a padded buffer and a copy out), again bit for bit. Each operation's backward is written with the
other two (``∂ conv_t / ∂y = conv``, ``∂ conv_wgrad / ∂x = conv_t(y, ·)`` ...), so gradients
of any order work, and ``conv_transpose2d`` is the same machinery read the other way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy

from .. import backend, kernels
from .._errors import ShapeMismatchError, refuse_mixed_dtypes
from ..autograd import Function, is_grad_enabled
from ..tensor import Tensor
from ..threads import parallel_chunks, worker_count
from .arguments import IntTuple, int_tuple
from .complex import conjugate_adjoint
from .half_math import in_float32
from .reduce import sum as _sum
from .shape import pad, permute, reshape, stack

#: reduction length ``C/groups·kh·kw`` below which columns are batch-major (one GEMM per
#: sample); at or above it, one GEMM over the whole batch. Both paths are exact; tests set it
#: to 0 or a large number to exercise each.
BATCH_MAJOR_BELOW_K = 32

#: batch-major columns also for one group with ``K ≤ BATCH_MAJOR_MAX_K`` and at least
#: ``BATCH_MAJOR_MIN_L`` output pixels per sample: the per-sample products are then long
#: enough for BLAS, split across the pool one thread each (:func:`_samples_matmul`), and the
#: output needs no re-layout. Measured (Intel Xeon, forward + backward of one layer, 1 and 2
#: threads): ``(64, 16, 14, 14) → 32`` 1.02× / 1.23×, ``(128, 32, 14, 14) → 64`` 1.01× /
#: 1.06×, ``(128, 16, 28, 28) → 32`` 1.02× / 1.07× against one GEMM over the batch; short
#: rows (``L = 49, 64``) or ``K = 576`` lose (0.66–0.93×). Tests set it to 0 to keep the
#: batch-wide layout.
BATCH_MAJOR_MAX_K = 320
BATCH_MAJOR_MIN_L = 128

#: batch-major columns get a last row of ones and the GEMM the bias as a last weight column
#: (:func:`_gemm_bias`), instead of a pass adding the bias to the whole output; tests switch
#: it off to compare the two.
FOLD_BIAS = True

#: use flat image rows (:func:`_flat_rows`) in im2col/col2im wherever the geometry allows;
#: tests switch it off to check that both paths give the same numbers bit for bit.
FLAT_ROWS = True

#: make batch-major columns a few samples at a time inside the loop of per-sample GEMMs that
#: reads them (:func:`_fused_blocks`) where the compiled im2col applies, instead of the whole
#: column matrix first; tests switch it off to compare the two (the same numbers bit for bit)
FUSE_COLUMNS = True

#: the largest column matrix (bytes) a convolution keeps from its forward for its weight
#: gradient; a larger one, where :func:`_fused_blocks` applies, is not made at all: the
#: forward and the weight gradient each make its blocks in cache (writing and reading 29 MB
#: cost more than the second im2col: the Fashion-MNIST recipes' steps 1.03-1.06x, Intel
#: Xeon, one and two threads; the CNN workload's 7 MB, kept, ran as fast either way)
KEEP_COLUMNS_MAX = 16 << 20

#: bytes of columns one block holds: a few samples', small enough to stay in the core's L2
#: cache between the im2col that writes them and the GEMM (or col2im) that reads them
BLOCK_BYTES = 1 << 20


# ---- argument handling -----------------------------------------------------------------------
def _padding4(
    padding: IntTuple | str,
    kernel: tuple[int, int],
    dilation: tuple[int, int],
    stride: Any,
    fn: str,
) -> tuple[int, int, int, int]:
    """``(top, bottom, left, right)`` from an int, a pair, ``"valid"`` or ``"same"``."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding == "same":
            if tuple(stride) != (1, 1):
                raise ValueError(f"{fn}: padding='same' needs stride 1, got stride {stride}")
            th, tw = dilation[0] * (kernel[0] - 1), dilation[1] * (kernel[1] - 1)
            return (th // 2, th - th // 2, tw // 2, tw - tw // 2)
        raise ValueError(
            f"{fn}: padding must be an int, a tuple, 'same' or 'valid', got {padding!r}"
        )
    ph, pw = int_tuple(padding, 2, "padding", fn)
    if ph < 0 or pw < 0:
        raise ValueError(f"{fn}: padding must be non-negative, got {padding!r}")
    return (ph, ph, pw, pw)


def _positive(t: tuple[int, ...], name: str, fn: str) -> None:
    if min(t) < 1:
        raise ValueError(f"{fn}: {name} must be positive, got {t if len(set(t)) > 1 else t[0]}")


class _Geom:
    """Everything about one convolution's shapes: input ``(N, C, H, W)``, weight
    ``(O, C/G, kh, kw)``, stride, dilation, padding ``(top, bottom, left, right)``, output
    ``(Ho, Wo)`` (``L = Ho·Wo`` columns per sample), and the column layout (``bm``:
    batch-major)."""

    __slots__ = (
        "N", "C", "H", "W", "O", "G", "kh", "kw", "sh", "sw", "dh", "dw",
        "pt", "pb", "pl", "pr", "Hp", "Wp", "Ho", "Wo", "L", "bm",
    )  # fmt: skip

    def __init__(
        self,
        x_shape: tuple[int, ...],
        w_shape: tuple[int, ...],
        stride: tuple[int, int],
        padding: tuple[int, int, int, int],
        dilation: tuple[int, int],
        groups: int,
    ) -> None:
        self.N, self.C, self.H, self.W = x_shape
        self.O, _, self.kh, self.kw = w_shape
        self.G = groups
        self.sh, self.sw = stride
        self.dh, self.dw = dilation
        self.pt, self.pb, self.pl, self.pr = padding
        self.Hp = self.H + self.pt + self.pb
        self.Wp = self.W + self.pl + self.pr
        self.Ho = (self.Hp - self.dh * (self.kh - 1) - 1) // self.sh + 1
        self.Wo = (self.Wp - self.dw * (self.kw - 1) - 1) // self.sw + 1
        self.L = self.Ho * self.Wo
        # batch-major columns (N, K, L) with one small GEMM per sample when the reduction
        # K = C/G·kh·kw is short (BLAS runs a (O, K) @ (K, N·L) product with K < 32 slowly)
        # or the rows long and K moderate (BATCH_MAJOR_MAX_K); otherwise one GEMM over the
        # whole batch with columns (K, N·L)
        k = (self.C // groups) * self.kh * self.kw
        self.bm = k < BATCH_MAJOR_BELOW_K or (
            groups == 1 and k <= BATCH_MAJOR_MAX_K and self.L >= BATCH_MAJOR_MIN_L
        )


def _check_fits(g: _Geom, fn: str) -> None:
    eh, ew = g.dh * (g.kh - 1) + 1, g.dw * (g.kw - 1) + 1
    if eh > g.Hp or ew > g.Wp:
        raise ShapeMismatchError(
            f"Calculated padded input size per channel: ({g.Hp} x {g.Wp}). Kernel size: "
            f"({eh} x {ew}). Kernel size can't be greater than actual input size ({fn}: kernel "
            f"size {g.kh}x{g.kw} (extent {eh}x{ew} with dilation {g.dh}x{g.dw}) is larger than "
            f"the padded input {g.Hp}x{g.Wp} (input {g.H}x{g.W}, padding top/bottom "
            f"{g.pt}/{g.pb}, left/right {g.pl}/{g.pr}))"
        )


# ---- array kernels -----------------------------------------------------------------------------
def _as_strided(a: Any, shape: tuple[int, ...], strides: tuple[int, ...]) -> Any:
    return backend.xp.lib.stride_tricks.as_strided(a, shape=shape, strides=strides)


class _Scratch:
    """A small pool of reusable arrays for buffers that die inside the step that made them
    (padded images, GEMM outputs that are re-laid out, column matrices and their gradients).

    Why: a large array freshly taken from the allocator costs a page fault per 4 KiB page on
    first touch, and glibc returns freed heap memory to the system between steps, so the
    same buffers fault again every step; on the machines measured that cost (about 0.6 ms
    per MB) exceeded the arithmetic. Reusing buffers keeps their pages mapped. Arrays are
    keyed by shape, dtype and a tag (a tag's buffer may carry an invariant, such as zero
    borders); at most two per key and :data:`LIMIT` bytes in all are kept.
    """

    LIMIT = 256 << 20
    BIG = 64 << 20  # arrays above this size are never kept

    def __init__(self) -> None:
        self.free: dict[tuple, list] = {}
        self.nbytes = 0
        self.lock = threading.Lock()  # taken and given from the pool's threads too

    def take(self, shape: tuple[int, ...], dtype: Any, tag: Any = None) -> tuple[Any, bool]:
        """An array of ``shape`` (contents undefined, or zeros if new) and whether it is new."""
        key = (backend.xp, shape, dtype, tag)
        with self.lock:
            lst = self.free.get(key)
            if lst:
                a = lst.pop()
                self.nbytes -= a.nbytes
                return a, False
        return backend.xp.zeros(shape, dtype), True

    def give(self, a: Any, tag: Any = None) -> None:
        """Return an array that nothing else references any more."""
        if a.nbytes > self.BIG:
            return
        key = (backend.xp, a.shape, a.dtype, tag)
        with self.lock:
            if self.nbytes + a.nbytes > self.LIMIT:
                return
            lst = self.free.setdefault(key, [])
            if len(lst) < 2:
                lst.append(a)
                self.nbytes += a.nbytes

    def clear(self) -> None:
        with self.lock:
            self.free.clear()
            self.nbytes = 0


SCRATCH = _Scratch()


def _im2col(x: Any, g: _Geom, pooled: bool = False, ones: bool = False) -> Any:
    """``x (N, C, H, W)`` → columns, C-contiguous, rows in ``(c, p, q)`` order:
    ``(N, C·kh·kw, L)`` (batch-major) or ``(C·kh·kw, N·L)``. With ``pooled`` the columns come
    from :data:`SCRATCH` (give them back when done). With ``ones`` (batch-major only) each
    sample's columns have one more row, of ones: ``(N, C·kh·kw + 1, L)``, for a bias folded
    into the GEMM (:func:`_gemm_bias`)."""
    N, C = g.N, g.C
    if _flat_rows(g):
        return _im2col_flat(x, g, pooled, ones)
    buf = x
    # the padded image: a scratch buffer whose border stays zero (only the interior is written)
    pad_tag = ("pad", g.pt, g.pl, g.H, g.W)
    if g.pt or g.pb or g.pl or g.pr:
        buf, _ = SCRATCH.take((N, C, g.Hp, g.Wp), x.dtype, pad_tag)
        buf[:, :, g.pt : g.pt + g.H, g.pl : g.pl + g.W] = x
    sN, sC, sH, sW = buf.strides
    taps = (g.kh, g.kw, g.Ho, g.Wo)
    tstr = (g.dh * sH, g.dw * sW, g.sh * sH, g.sw * sW)
    if g.bm:
        view = _as_strided(buf, (N, C, *taps[:2], *taps[2:]), (sN, sC, *tstr[:2], *tstr[2:]))
    else:
        view = _as_strided(buf, (C, *taps[:2], N, *taps[2:]), (sC, *tstr[:2], sN, *tstr[2:]))
    cols, target = _new_cols(g, x.dtype, pooled, ones)
    target.reshape(view.shape)[...] = view
    if buf is not x:
        SCRATCH.give(buf, pad_tag)
    return cols


def _new_cols(g: _Geom, dtype: Any, pooled: bool, ones: bool) -> tuple[Any, Any]:
    """A column matrix for :func:`_im2col` (from :data:`SCRATCH` with ``pooled``) and the
    part of it that im2col fills: all of it, or with ``ones`` all rows but the last, which
    is set to 1."""
    K = g.C * g.kh * g.kw
    shape = (g.N, K + ones, g.L) if g.bm else (K, g.N * g.L)
    cols = SCRATCH.take(shape, dtype)[0] if pooled else backend.xp.empty(shape, dtype)
    if not ones:
        return cols, cols
    cols[:, K] = 1
    return cols, cols[:, :K]


def _flat_rows(g: _Geom) -> bool:
    """Whether im2col/col2im can read each image as one flat run of rows: stride 1 and an
    output as wide as the input (``Wo = W``, e.g. a 3×3 ``"same"`` convolution).

    Then tap ``(p, q)`` of output pixel ``(i, j)`` sits at flat position ``(i + p·dh)·W + j +
    q·dw − pl`` of the image padded in height only, so each tap is one contiguous run of
    ``Ho·W`` values; the positions a run reads or writes past the left or right border wrap
    into the neighbouring row, and exactly those column entries are zeroed (:func:`_wrapped`).
    NumPy runs these long inner loops several times faster than ``Wo``-long rows.
    """
    return FLAT_ROWS and g.sh == 1 and g.sw == 1 and g.Wo == g.W


def _flat_len(g: _Geom) -> int:
    """Length of one flat image buffer: ``pl`` slack, ``Hp`` rows of ``W``, ``pr`` slack."""
    return g.pl + g.Hp * g.W + g.pr


def _wrapped(cols6: Any, g: _Geom, q_axis: int) -> None:
    """Zero the column entries of taps whose flat run wrapped past the left or right border:
    for tap column ``q`` with shift ``d = q·dw − pl``, output columns ``j < −d`` or
    ``j ≥ W − d`` (every column when ``|d| ≥ W``: a kernel wider than the image, as a 7×7
    ``padding=3`` convolution of a 2×2 map). ``cols6`` has the kernel-column axis at
    ``q_axis`` and ``Wo`` last."""
    for q in range(g.kw):
        d = q * g.dw - g.pl
        if d:
            js = slice(0, -d) if d < 0 else slice(max(g.W - d, 0), g.W)
            index = [slice(None)] * cols6.ndim
            index[q_axis], index[-1] = q, js
            cols6[tuple(index)] = 0


def _im2col_flat(x: Any, g: _Geom, pooled: bool, ones: bool = False) -> Any:
    """:func:`_im2col` through flat image rows (:func:`_flat_rows`); the batch is split
    across :func:`~deepgrad.threads.parallel_chunks` (every sample's columns are copies of
    its own image, so the chunks compute exactly what one pass computes)."""
    N, C, W = g.N, g.C, g.W
    if g.bm and kernels.flat_views((x,)) is not None and kernels.available():
        cols, _ = _new_cols(g, x.dtype, pooled, ones)  # compiled: no padded copy of x
        fill, ok = _compiled_im2col(x, g), [True]

        def kernel(a: int, b: int) -> None:
            ok[0] &= fill(cols[a:b], a, b)

        parallel_chunks(kernel, N, cols.size)
        if ok[0]:
            return cols
    F = _flat_len(g)
    tag = ("flat", g.pt, g.pl, g.H, W)
    buf, _ = SCRATCH.take((N, C, F), x.dtype, tag)  # zero outside the image: stays so
    start = g.pl + g.pt * W
    sN, sC, s1 = buf.strides
    run, tap = g.Ho * W, (g.kh, g.kw)
    tstr = (g.dh * W * s1, g.dw * s1)
    cols, target = _new_cols(g, x.dtype, pooled, ones)
    if g.bm:
        view = _as_strided(buf, (N, C, *tap, run), (sN, sC, *tstr, s1))
        c5, c6 = target.reshape(view.shape), target.reshape(N, C, g.kh, g.kw, g.Ho, W)
    else:
        view = _as_strided(buf, (C, *tap, N, run), (sC, *tstr, sN, s1))
        c5, c6 = cols.reshape(view.shape), cols.reshape(C, g.kh, g.kw, N, g.Ho, W)
    n_ax = 0 if g.bm else 3  # the batch axis of view, c5 and c6

    def chunk(a: int, b: int) -> None:
        buf[a:b, :, start : start + g.H * W] = x[a:b].reshape(b - a, C, g.H * W)
        rows = (slice(None),) * n_ax + (slice(a, b),)
        c5[rows] = view[rows]
        _wrapped(c6[rows], g, 3 if g.bm else 2)

    parallel_chunks(chunk, N, cols.size)
    SCRATCH.give(buf, tag)
    return cols


def _col2im_flat(cols: Any, g: _Geom, bias: Any) -> Any:
    """:func:`_col2im` through flat image rows (:func:`_flat_rows`); zeroes the wrapped
    entries of ``cols`` (a scratch GEMM result) in place. Every image position receives its
    taps' values in the same order as in the general path, so the sums are the same. The
    batch is split across :func:`~deepgrad.threads.parallel_chunks` (each sample's sums in
    the same order)."""
    N, C, W = g.N, g.C, g.W
    run = g.Ho * W
    if kernels.enabled():  # compiled: one pass per tap over each image (kernels.col2im_flat)
        out = backend.xp.empty((N, C, g.H, W), cols.dtype)
        c5 = cols.reshape((N, C, g.kh, g.kw, run) if g.bm else (C, g.kh, g.kw, N, run))
        o3, geom, ok = out.reshape(N, C, g.H * W), (g.pt, g.pl, g.dh, g.dw, W), [True]

        def kernel(a: int, b: int) -> None:
            ok[0] &= kernels.col2im_flat(c5, g.bm, o3, bias, geom, a, b)

        parallel_chunks(kernel, N, cols.size)
        if ok[0]:
            return out
    if g.bm:
        c6 = cols.reshape(N, C, g.kh, g.kw, g.Ho, W)
        c = cols.reshape(N, C, g.kh, g.kw, run)
        buf, new = SCRATCH.take((N, C, _flat_len(g)), cols.dtype)
    else:
        c6 = cols.reshape(C, g.kh, g.kw, N, g.Ho, W)
        c = cols.reshape(C, g.kh, g.kw, N, run)
        buf, new = SCRATCH.take((C, N, _flat_len(g)), cols.dtype)
    start = g.pl + g.pt * W
    out = backend.xp.empty((N, C, g.H, W), cols.dtype)

    def chunk(a: int, b: int) -> None:
        rows = slice(a, b)
        if g.bm:
            _wrapped(c6[rows], g, 3)
            bb = buf[rows]
        else:
            _wrapped(c6[:, :, :, rows], g, 2)
            bb = buf[:, rows]
        if not new:
            bb[...] = 0
        for p in range(g.kh):
            for q in range(g.kw):
                s0 = p * g.dh * W + q * g.dw
                tap = c[rows, :, p, q] if g.bm else c[:, p, q, rows]
                bb[:, :, s0 : s0 + run] += tap
        src = bb[:, :, start : start + g.H * W].reshape(bb.shape[0], bb.shape[1], g.H, W)
        _image_out(src, g, bias, out[rows])

    parallel_chunks(chunk, N, cols.size)
    SCRATCH.give(buf)
    return out


def _image_out(src: Any, g: _Geom, bias: Any, out: Any) -> None:
    """Write the image ``out (n, C, H, W)`` from col2im's cropped buffer ``src`` (``(C, n, H,
    W)`` unless batch-major) plus ``bias (C,)``."""
    if not g.bm:
        src = src.transpose(1, 0, 2, 3)
    if bias is None:
        out[...] = src
    else:
        backend.xp.add(src, bias.reshape(g.C, 1, 1), out=out)


def _to_cols_layout(y: Any, g: _Geom) -> tuple[Any, bool]:
    """An output-shaped array ``y (N, O, Ho, Wo)`` → the column layout, ``(N, O, L)`` or
    ``(O, N·L)``, and whether the result is a :data:`SCRATCH` buffer."""
    if g.bm:
        return backend.xp.ascontiguousarray(y).reshape(g.N, g.O, g.L), False
    # taken in the shape it is given back in (the GEMM buffers' key), so that it is reused
    out, _ = SCRATCH.take((g.O, g.N * g.L), y.dtype)
    dst, src = out.reshape(g.O, g.N, g.Ho, g.Wo), y.transpose(1, 0, 2, 3)

    def chunk(a: int, b: int) -> None:  # channels a..b: each writes one contiguous block
        dst[a:b] = src[a:b]

    parallel_chunks(chunk, g.O, out.size)
    return out, True


def _from_cols_layout(yt: Any, g: _Geom, bias: Any) -> Any:
    """Column layout → ``(N, O, Ho, Wo)``, adding ``bias (O,)`` in the same pass (the batch
    split across :func:`~deepgrad.threads.parallel_chunks`)."""
    xp = backend.xp
    if g.bm:  # the GEMM's output is already (N, O, Ho, Wo)
        if bias is not None:
            b2 = bias.reshape(g.O, 1)

            def add_bias(a: int, b: int) -> None:
                yt[a:b] += b2

            parallel_chunks(add_bias, g.N, yt.size)
        return yt.reshape(g.N, g.O, g.Ho, g.Wo)
    # written through the output's transposed view, channels a..b per chunk: the GEMM's
    # rows are read in order (1.1-1.7x the sample-by-sample copy at 7×7 and 14×14 maps)
    src = yt.reshape(g.O, g.N, g.Ho, g.Wo)
    out = xp.empty((g.N, g.O, g.Ho, g.Wo), yt.dtype)
    dst = out.transpose(1, 0, 2, 3)
    b4 = None if bias is None else bias.reshape(g.O, 1, 1, 1)

    def chunk(a: int, b: int) -> None:
        if b4 is None:
            dst[a:b] = src[a:b]
        else:
            xp.add(src[a:b], b4[a:b], out=dst[a:b])

    parallel_chunks(chunk, g.O, out.size)
    return out


def _col2im(cols: Any, g: _Geom, bias: Any) -> Any:
    """Adjoint of :func:`_im2col`: columns → ``x (N, C, H, W)``; each kernel tap's slice is
    added into the padded image (``kh·kw`` strided slice-adds), plus ``bias (C,)``. ``cols``
    is consumed: its entries for out-of-image taps may be zeroed in place."""
    if _flat_rows(g):
        return _col2im_flat(cols, g, bias)
    N, C = g.N, g.C
    if g.bm:
        c = cols.reshape(N, C, g.kh, g.kw, g.Ho, g.Wo)
        buf, new = SCRATCH.take((N, C, g.Hp, g.Wp), cols.dtype)
    else:
        c = cols.reshape(C, g.kh, g.kw, N, g.Ho, g.Wo).transpose(0, 3, 1, 2, 4, 5)
        buf, new = SCRATCH.take((C, N, g.Hp, g.Wp), cols.dtype)
    if not new:
        buf.fill(0)
    eh, ew = g.sh * (g.Ho - 1) + 1, g.sw * (g.Wo - 1) + 1
    for p in range(g.kh):
        for q in range(g.kw):
            h0, w0 = p * g.dh, q * g.dw
            buf[:, :, h0 : h0 + eh : g.sh, w0 : w0 + ew : g.sw] += c[:, :, p, q]
    out = backend.xp.empty((N, C, g.H, g.W), cols.dtype)
    _image_out(buf[:, :, g.pt : g.pt + g.H, g.pl : g.pl + g.W], g, bias, out)
    SCRATCH.give(buf)
    return out


def _samples_matmul(a: Any, b: Any, out: Any) -> Any:
    """``out[n] = a @ b[n]`` (``a`` shared) or ``a[n] @ b[n]`` over the leading sample axis,
    the samples split across :func:`~deepgrad.threads.parallel_chunks` with BLAS at one
    thread per chunk (each sample's product the same one-thread BLAS call whatever the
    split; unsplit, BLAS runs at its own thread count). Per-sample products on one thread
    each beat one two-thread call over the batch (64 samples' ``(32, 144) @ (144, 196)``:
    0.72 against 1.10 ms, Intel Xeon)."""
    xp = backend.xp
    shared = a.ndim < out.ndim

    def chunk(s: int, e: int) -> None:
        xp.matmul(a if shared else a[s:e], b[s:e], out=out[s:e])

    parallel_chunks(chunk, out.shape[0], b.size + out.size, blas=True)
    return out


def _cols_bytes(g: _Geom, x: Any) -> int:
    """Bytes of this convolution's whole column matrix."""
    return g.N * g.C * g.kh * g.kw * g.L * x.dtype.itemsize


def _fusable(x: Any, g: _Geom) -> bool:
    """Whether :func:`_fused_blocks` runs this convolution: batch-major columns of one group
    over flat image rows (:func:`_flat_rows`), ``x`` a C-contiguous float32/float64 NumPy
    array, compiled kernels available."""
    return (
        FUSE_COLUMNS
        and g.bm
        and g.G == 1
        and _flat_rows(g)
        and kernels.flat_views((x,)) is not None
        and kernels.available()
    )


def _fused_blocks(g: _Geom, rows: int, dtype: Any, fn: Callable[[Any, int, int], None]) -> None:
    """Run ``fn(buf, a, b)`` over the batch in blocks of samples ``a..b``, each with a scratch
    block ``buf (b − a, rows, L)`` of its thread (kept in cache: :data:`BLOCK_BYTES`), the
    batch split across the pool with BLAS at one thread per chunk as in
    :func:`_samples_matmul` (each sample's product the same one-thread call).

    Why: the whole column matrix ``(N, K, L)`` is written to memory by im2col and read back
    by the GEMMs (7 MB for the CNN's second layer: im2col alone took 0.55 ms of a 1.3 ms
    forward at two threads on an Intel Xeon); a block's columns are written and read in L2.
    The numbers are those of the whole-matrix path: the same copies, the same per-sample
    GEMM calls."""
    per = max(1, BLOCK_BYTES // max(1, rows * g.L * dtype.itemsize))
    shape = (min(per, g.N), rows, g.L)
    free = [SCRATCH.take(shape, dtype, "block")[0] for _ in range(max(1, worker_count()))]

    def chunk(s: int, e: int) -> None:
        try:  # one block buffer per running chunk (list.pop/append: atomic)
            buf = free.pop()
        except IndexError:
            buf = backend.xp.empty(shape, dtype)
        for a in range(s, e, shape[0]):
            b = min(e, a + shape[0])
            fn(buf[: b - a], a, b)
        free.append(buf)

    parallel_chunks(chunk, g.N, g.N * (rows + g.O) * g.L, blas=True)
    for buf in free:
        SCRATCH.give(buf, "block")


def _compiled_im2col(x: Any, g: _Geom) -> Callable[[Any, int, int], bool]:
    """:func:`deepgrad.kernels.im2col_flat` bound to ``x`` and the geometry ``g`` (flat rows):
    ``fill(cols, a, b)`` writes the batch-major columns of samples ``a..b`` into ``cols``, or
    returns ``False`` (nothing taken)."""
    x3 = x.reshape(g.N, g.C, g.H * g.W)
    geom = (g.pt, g.pl, g.dh, g.dw, g.W, g.kh, g.kw)
    return lambda cols, a, b: kernels.im2col_flat(x3, cols, geom, a, b)


def _im2col_block(fill: Any, x: Any, g: _Geom, buf: Any, a: int, b: int) -> None:
    """``buf[:, :C·kh·kw]`` ← the batch-major columns of samples ``a..b``: ``fill``
    (:func:`_compiled_im2col`), or where it declines :func:`_im2col` of those samples."""
    if not fill(buf, a, b):
        part = _Geom(x[a:b].shape, (g.O, g.C, g.kh, g.kw), (g.sh, g.sw),
                     (g.pt, g.pb, g.pl, g.pr), (g.dh, g.dw), g.G)  # fmt: skip
        part.bm = True
        buf[:, : g.C * g.kh * g.kw] = _im2col(x[a:b], part)


def _conv_fused(x: Any, w: Any, b: Any, g: _Geom) -> Any:
    """:class:`Conv2dFunction`'s forward by :func:`_fused_blocks`: ``y[n] = [W | b] @
    cols[n]`` (the bias folded as in :func:`_gemm_bias`) → ``(N, O, Ho, Wo)``."""
    K = g.C * g.kh * g.kw
    w2 = w.reshape(g.O, K)
    if b is not None and FOLD_BIAS:
        w2 = backend.xp.concatenate([w2, b.reshape(g.O, 1)], axis=1)
    y = backend.xp.empty((g.N, g.O, g.L), x.dtype)
    fill = _compiled_im2col(x, g)

    def block(buf: Any, a: int, e: int) -> None:
        if w2.shape[1] > K:
            buf[:, K] = 1
        _im2col_block(fill, x, g, buf, a, e)
        backend.xp.matmul(w2, buf, out=y[a:e])

    _fused_blocks(g, w2.shape[1], x.dtype, block)
    if b is not None and w2.shape[1] == K:
        return _from_cols_layout(y, g, b)
    return y.reshape(g.N, g.O, g.Ho, g.Wo)


def _wgrad_fused(x: Any, yt: Any, g: _Geom) -> Any:
    """:func:`_gemm_nt` with the columns made again block by block (:func:`_fused_blocks`):
    ``Σ_n cols[n] @ y_t[n]ᵀ`` → ``(O, C, kh, kw)``."""
    K = g.C * g.kh * g.kw
    return _wgrad_blocks(x, yt, g, K).T.reshape(g.O, g.C, g.kh, g.kw)


def _wgrad_blocks(x: Any, yt: Any, g: _Geom, rows: int) -> Any:
    """``Σ_n cols[n] @ y_t[n]ᵀ`` → ``(rows, O)`` with the columns made block by block;
    ``rows = C·kh·kw + 1`` adds a row of ones to each block (the bias gradient's row)."""
    K = g.C * g.kh * g.kw
    per = backend.xp.empty((g.N, rows, g.O), yt.dtype)
    ytt, fill = yt.transpose(0, 2, 1), _compiled_im2col(x, g)

    def block(buf: Any, a: int, e: int) -> None:
        if rows > K:
            buf[:, K] = 1
        _im2col_block(fill, x, g, buf, a, e)
        backend.xp.matmul(buf, ytt[a:e], out=per[a:e])

    _fused_blocks(g, rows, yt.dtype, block)
    return per.sum(axis=0)


def _wgrad_bias(x: Any, cols: Any, yt: Any, g: _Geom) -> tuple[Any, Any] | None:
    """The weight and bias gradients of a first-order backward in one set of per-sample
    products, where the columns have (or get) the folded bias's row of ones: that row's
    product with ``y_t[n]ᵀ`` is ``Σ_l y_t[n, :, l]``, the bias gradient's sum, so it needs
    no pass of its own over the output gradient (0.26 ms of the CNN's first layer's 0.64 ms
    backward at two threads, Intel Xeon). The same sums to rounding as ``Σ_{n,i,j} gy``
    (BLAS's order, not NumPy's). ``None`` where the columns have no such row (the caller's
    paths run)."""
    K = g.C * g.kh * g.kw
    if not (FOLD_BIAS and g.bm and g.G == 1):
        return None
    if cols is not None:
        if cols.shape[1] != K + 1:
            return None
        per = backend.xp.empty((g.N, K + 1, g.O), yt.dtype)
        r = _samples_matmul(cols, yt.transpose(0, 2, 1), per).sum(axis=0)
    elif _fusable(x, g):
        r = _wgrad_blocks(x, yt, g, K + 1)
    else:
        return None
    return r[:K].T.reshape(g.O, g.C, g.kh, g.kw), r[K].copy()


def _conv_t_fused(w: Any, yt: Any, g: _Geom, bias: Any) -> Any:
    """:class:`ConvTranspose2dFunction`'s forward by :func:`_fused_blocks`: each block's
    column gradient ``Wᵀ @ y_t[n]`` goes through col2im while in cache. ``None`` where the
    compiled col2im does not take these arrays (the caller's path runs)."""
    K = g.C * g.kh * g.kw
    wt = w.reshape(g.O, K).T
    out = backend.xp.empty((g.N, g.C, g.H, g.W), yt.dtype)
    o3, geom, ok = out.reshape(g.N, g.C, g.H * g.W), (g.pt, g.pl, g.dh, g.dw, g.W), [True]

    def block(buf: Any, a: int, e: int) -> None:
        backend.xp.matmul(wt, yt[a:e], out=buf)
        c5 = buf.reshape(e - a, g.C, g.kh, g.kw, g.L)
        ok[0] &= kernels.col2im_flat(c5, True, o3[a:e], bias, geom, 0, e - a)

    _fused_blocks(g, K, yt.dtype, block)
    return out if ok[0] else None


def _gemm(w: Any, cols: Any, g: _Geom) -> Any:
    """Grouped ``W (O, C/G·kh·kw) @ cols`` → ``(N, O, L)`` or ``(O, N·L)`` (a
    :data:`SCRATCH` buffer unless it is already the final ``(N, O, Ho, Wo)`` output)."""
    G = g.G
    w2 = w.reshape(g.O, -1)
    if G == 1 and not g.bm:
        return backend.xp.matmul(w2, cols, out=SCRATCH.take((g.O, g.N * g.L), cols.dtype)[0])
    if g.bm:
        if G == 1:
            return _samples_matmul(w2, cols, backend.xp.empty((g.N, g.O, g.L), cols.dtype))
        r = w2.reshape(G, g.O // G, -1) @ cols.reshape(g.N, G, -1, g.L)
        return r.reshape(g.N, g.O, g.L)
    return (w2.reshape(G, g.O // G, -1) @ cols.reshape(G, -1, cols.shape[-1])).reshape(g.O, -1)


def _gemm_bias(w: Any, b: Any, cols: Any, g: _Geom) -> Any:
    """``[W | b] (O, K + 1) @ cols (N, K + 1, L)`` → ``y (N, O, Ho, Wo)`` for batch-major
    columns with a last row of ones (:func:`_im2col` with ``ones``), one group: the bias
    enters each dot product as its last term instead of in a pass over the whole output
    (which runs at memory speed: the first layer's output is the largest). The same sums
    to rounding: BLAS may accumulate ``K + 1`` terms in another order than ``K`` (float64
    on OpenBLAS's SkylakeX kernels: 1 ulp on ~2 % of the outputs), never less exactly."""
    w2 = backend.xp.concatenate([w.reshape(g.O, -1), b.reshape(g.O, 1)], axis=1)
    y = _samples_matmul(w2, cols, backend.xp.empty((g.N, g.O, g.L), cols.dtype))
    return y.reshape(g.N, g.O, g.Ho, g.Wo)


def _gemm_tn(w: Any, yt: Any, g: _Geom) -> Any:
    """Grouped ``Wᵀ @ y_t`` → columns ``(N, C·kh·kw, L)`` or ``(C·kh·kw, N·L)``."""
    G = g.G
    w2 = w.reshape(g.O, -1)
    if G == 1:
        K = w2.shape[1]
        shape = (g.N, K, g.L) if g.bm else (K, g.N * g.L)
        out = SCRATCH.take(shape, yt.dtype)[0]
        if g.bm:
            return _samples_matmul(w2.T, yt, out)
        return backend.xp.matmul(w2.T, yt, out=out)
    wg = w2.reshape(G, g.O // G, -1).transpose(0, 2, 1)
    if g.bm:
        return (wg @ yt.reshape(g.N, G, g.O // G, g.L)).reshape(g.N, -1, g.L)
    return (wg @ yt.reshape(G, g.O // G, -1)).reshape(-1, yt.shape[-1])


def _gemm_nt(yt: Any, cols: Any, g: _Geom) -> Any:
    """Grouped ``Σ y_t @ colsᵀ`` → weight-shaped ``(O, C/G, kh, kw)``."""
    G = g.G
    wshape = (g.O, g.C // G, g.kh, g.kw)
    if g.bm:
        # per sample (K, L) @ (L, O/G), summed over the batch
        c = cols.reshape(g.N, G, -1, g.L)
        ytt = yt.reshape(g.N, G, g.O // G, g.L).transpose(0, 1, 3, 2)
        per = backend.xp.empty((g.N, G, c.shape[2], g.O // G), yt.dtype)
        r = _samples_matmul(c, ytt, per).sum(axis=0)
        return r.transpose(0, 2, 1).reshape(wshape)
    if G == 1:
        # as (cols @ ytᵀ)ᵀ: the same dot products (bit for bit at the shapes measured), but
        # BLAS runs this orientation 1.02-1.45x faster for every conv shape measured (the
        # short side, O, as the product's columns; AMD EPYC, 1 and 2 threads, 2026-12-05)
        return (cols @ yt.T).T.reshape(wshape)
    M = yt.shape[-1]
    r = yt.reshape(G, g.O // G, M) @ cols.reshape(G, -1, M).transpose(0, 2, 1)
    return r.reshape(wshape)


# ---- the three differentiable operations ------------------------------------------------------
def _from_gemm(yt: Any, g: _Geom, bias: Any) -> Any:
    """``(N, O, Ho, Wo)`` output from a GEMM result, recycling the GEMM buffer."""
    y = _from_cols_layout(yt, g, bias)
    if not g.bm and g.G == 1:
        SCRATCH.give(yt)
    return y


class Conv2dFunction(Function):
    """``y = conv2d(x, w) + b``; ``∂x = conv_t(gy, w)``, ``∂w = conv_wgrad(x, gy)``,
    ``∂b = Σ_{n,i,j} gy``."""

    reads_when = ((1,), (0,), ())  # the input for the weight's gradient, the weight for
    # the input's; the bias never

    def __init__(self, g: _Geom) -> None:
        self.g = g

    def __call__(self, *inputs: Tensor) -> Any:
        # keep the column matrix for the weight gradient only when one will be wanted
        x, g = inputs[0], self.g
        self.keep_cols = (
            is_grad_enabled()
            and inputs[1].requires_grad
            and (_cols_bytes(g, x) <= KEEP_COLUMNS_MAX or not _fusable(x._data, g))
        )
        return super().__call__(*inputs)

    def forward(self, x: Any, w: Any, b: Any = None) -> Any:
        g = self.g
        if not self.keep_cols and _fusable(x, g):  # no column matrix kept for a backward
            return _conv_fused(x, w, b, g)
        fold = FOLD_BIAS and b is not None and g.bm and g.G == 1
        cols = _im2col(x, g, pooled=True, ones=fold)
        if fold:  # the bias as each dot product's last term: no pass over the output
            y = _gemm_bias(w, b, cols, g)
        else:
            y = _from_gemm(_gemm(w, cols, g), g, b)
        if self.keep_cols:
            self.cols = cols  # back to the pool when this node is released
        else:
            SCRATCH.give(cols)
        return y

    @conjugate_adjoint
    def backward(self, gy: Tensor) -> tuple:
        g = self.g
        x, w = self.inputs[0], self.inputs[1]
        need = self.needs_input_grad
        has_b = len(need) > 2
        gyt, gyt_pooled = _to_cols_layout(gy._data, g)
        gx = gw = gb = None
        if need[0]:
            gx = ConvTranspose2dFunction(g, gyt)(gy, w)
        cols = self.__dict__.get("cols")
        if need[1] and has_b and need[2] and not is_grad_enabled():
            both = _wgrad_bias(x._data, cols, gyt, g)
            if both is not None:
                gw, gb = (Tensor._from_op(a, None, 0) for a in both)
        if need[1] and gw is None:
            if cols is not None and g.bm and cols.shape[1] != g.C * g.kh * g.kw:
                cols = cols[:, :-1]  # without the folded bias's row of ones
            gw = Conv2dWeightGradFunction(g, cols, gyt)(x, gy)
        if has_b and need[2] and gb is None:
            if is_grad_enabled():
                gb = _sum(gy, (0, 2, 3))
            else:
                gb = Tensor._from_op(gyt.sum(axis=-1).reshape(-1, g.O).sum(axis=0), None, 0)
        if gyt_pooled and not is_grad_enabled():  # no recorded node holds it
            SCRATCH.give(gyt)
        return (gx, gw, gb) if has_b else (gx, gw)

    def _release(self) -> None:
        cols = self.__dict__.get("cols")
        if cols is not None:
            SCRATCH.give(cols)
        super()._release()


class ConvTranspose2dFunction(Function):
    """``x = conv_t(y, w) + b``, the adjoint of ``conv2d`` in its input, for the geometry
    ``g`` (``y (N, O, Ho, Wo)``, ``w (O, C/G, kh, kw)`` → ``x (N, C, H, W)``).
    ``∂y = conv2d(gx, w)``, ``∂w = conv_wgrad(gx, y)``, ``∂b = Σ_{n,i,j} gx``."""

    reads_when = ((1,), (0,), ())  # the input for the weight's gradient, the weight for
    # the input's; the bias never

    def __init__(self, g: _Geom, yt: Any = None) -> None:
        self.g = g
        self.yt = yt  # the input already in column layout (a hint from Conv2d's backward)

    def __call__(self, *inputs: Tensor) -> Any:
        self.keep_yt = is_grad_enabled() and inputs[1].requires_grad
        return super().__call__(*inputs)

    def forward(self, y: Any, w: Any, b: Any = None) -> Any:
        g = self.g
        pooled = False
        if self.yt is not None:
            yt = self.yt
        else:
            yt, pooled = _to_cols_layout(y, g)
            if pooled and self.keep_yt:  # kept by this node: back to the pool on release
                self.yt_owned = True
                pooled = False
        x = _conv_t_fused(w, yt, g, b) if _fusable(yt, g) else None
        if x is None:
            gcols = _gemm_tn(w, yt, g)
            x = _col2im(gcols, g, b)
            if g.G == 1:
                SCRATCH.give(gcols)
        if pooled:
            SCRATCH.give(yt)
        self.yt = yt if self.keep_yt else None
        return x

    @conjugate_adjoint
    def backward(self, gx: Tensor) -> tuple:
        g = self.g
        y, w = self.inputs[0], self.inputs[1]
        need = self.needs_input_grad
        has_b = len(need) > 2
        gy = gw = gb = None
        if need[0] or need[1]:
            graph = is_grad_enabled()
            cols = _im2col(gx._data, g, pooled=not graph)
            if need[0]:
                if graph:
                    gy = Conv2dFunction(g)(gx, w)
                else:
                    gy = Tensor._from_op(_from_gemm(_gemm(w._data, cols, g), g, None), None, 0)
            if need[1]:
                gw = Conv2dWeightGradFunction(g, cols, self.yt)(gx, y)
            if not graph:
                SCRATCH.give(cols)
        if has_b and need[2]:
            gb = _sum(gx, (0, 2, 3))
        return (gy, gw, gb) if has_b else (gy, gw)

    def _release(self) -> None:
        if self.__dict__.get("yt_owned") and self.yt is not None:
            SCRATCH.give(self.yt)
        super()._release()


class Conv2dWeightGradFunction(Function):
    """``w = conv_wgrad(x, gy)``: ``Σ_n gy_t @ im2col(x)ᵀ``, the adjoint of ``conv2d`` in its
    weight. ``∂x = conv_t(gy, gw')``, ``∂gy = conv2d(x, gw')``."""

    def __init__(self, g: _Geom, cols: Any = None, yt: Any = None) -> None:
        self.g = g
        self.cols, self.yt = cols, yt

    def forward(self, x: Any, gy: Any) -> Any:
        g = self.g
        if self.yt is not None:
            yt, pooled = self.yt, False
        else:
            yt, pooled = _to_cols_layout(gy, g)
        if self.cols is None and _fusable(x, g):  # the columns made again, block by block
            self.yt = None
            return _wgrad_fused(x, yt, g)
        cols = self.cols if self.cols is not None else _im2col(x, g, pooled=True)
        w = _gemm_nt(yt, cols, g)
        if self.cols is None:
            SCRATCH.give(cols)
        if pooled:
            SCRATCH.give(yt)
        self.cols = self.yt = None
        return w

    @conjugate_adjoint
    def backward(self, ggw: Tensor) -> tuple:
        g = self.g
        x, gy = self.inputs
        need = self.needs_input_grad
        gx = ConvTranspose2dFunction(g)(gy, ggw) if need[0] else None
        ggy = Conv2dFunction(g)(x, ggw) if need[1] else None
        return gx, ggy


# ---- public functions ------------------------------------------------------------------------
class _EmptyBatch(Function):
    """A convolution of an empty batch (``N = 0``), as PyTorch's: an empty output of the
    right shape, and zero gradients for the weight and bias (no sample contributed)."""

    def __init__(self, out_shape: tuple[int, ...]) -> None:
        self.out_shape = out_shape

    def forward(self, x: Any, *params: Any) -> Any:
        return backend.xp.zeros(self.out_shape, dtype=x.dtype)

    def backward(self, gy: Tensor) -> tuple:
        xp = backend.xp
        return tuple(Tensor(xp.zeros(t.shape, dtype=t._data.dtype)) for t in self.inputs)


def unbatched(f: Any, x: Tensor, *args: Any, **kwargs: Any) -> Any:
    """``f`` on one unbatched sample ``x (C, *spatial)``, as PyTorch's convolution and pooling
    functions accept it: ``x`` runs as a batch of one, ``(1, C, *spatial)``, and the batch axis
    is removed from the result (from each result when ``f`` returns a tuple)."""
    out = f(reshape(x, (1, *x.shape)), *args, **kwargs)
    if isinstance(out, tuple):
        return tuple(reshape(o, o.shape[1:]) for o in out)
    return reshape(out, out.shape[1:])


def input_dims(nd: int) -> str:
    """The accepted input forms of an ``nd``-D convolution or pooling, for error messages."""
    spatial = {1: "L", 2: "H, W"}.get(nd, "D, H, W")
    return f"a {nd + 2}-D input (N, C, {spatial}) or an unbatched {nd + 1}-D input (C, {spatial})"


def channel_words(x: Any, weight: Any, groups: int, want: int) -> str:
    """PyTorch's words for a convolution input with the wrong channel count ("Given groups=1,
    weight of size [4, 2, 3, 3], expected input[1, 3, 8, 8] to have 2 channels, but got 3
    channels instead")."""
    nd = len(weight.shape) - 2
    shape = list(x.shape) if len(x.shape) == nd + 2 else [1, *x.shape]
    return (
        f"Given groups={groups}, weight of size {list(weight.shape)}, expected input{shape} to "
        f"have {want} channels, but got {x.shape[-nd - 1]} channels instead"
    )


def _check_conv_args(x: Tensor, weight: Tensor, bias: Tensor | None, groups: int, fn: str,
                     nd: int, transposed: bool) -> None:  # fmt: skip
    if not isinstance(x, Tensor) or not isinstance(weight, Tensor):
        raise TypeError(f"{fn}: input and weight must be Tensors")
    if x.ndim not in (nd + 1, nd + 2):
        raise ShapeMismatchError(
            f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {fn}, but got input "
            f"of size: {list(x.shape)} ({fn}: expected {input_dims(nd)}, got shape {x.shape})"
        )
    if weight.ndim != nd + 2:
        raise ValueError(f"{fn}: expected a {nd + 2}-D weight, got shape {weight.shape}")
    if groups < 1:
        raise ValueError(f"{fn}: groups must be positive, got {groups}")
    refuse_mixed_dtypes(fn, x, weight=weight)
    C = x.shape[-nd - 1]
    batch = x.shape[0] if x.ndim == nd + 2 else 1
    if batch and C and 0 in x.shape[-nd:]:
        raise ValueError(
            f"{fn}: only zero batch or zero channel inputs are supported (as PyTorch), got an "
            f"input of shape {x.shape} with a 0-size spatial axis"
        )
    if transposed:
        if weight.shape[0] != C:
            raise ShapeMismatchError(
                f"{channel_words(x, weight, groups, weight.shape[0])} ({fn}: weight of shape "
                f"{weight.shape} expects {weight.shape[0]} input channels, got input of shape "
                f"{x.shape} ({C} channels))"
            )
        if C % groups:
            raise ValueError(f"{fn}: {C} input channels are not divisible by groups={groups}")
        out_ch = weight.shape[1] * groups
    else:
        if C != weight.shape[1] * groups:
            raise ShapeMismatchError(
                f"{channel_words(x, weight, groups, weight.shape[1] * groups)} ({fn}: weight of "
                f"shape {weight.shape} with groups={groups} expects {weight.shape[1] * groups} "
                f"input channels, got input of shape {x.shape} ({C} channels))"
            )
        if weight.shape[0] % groups:
            raise ValueError(
                f"{fn}: {weight.shape[0]} output channels are not divisible by groups={groups}"
            )
        out_ch = weight.shape[0]
    if bias is not None:
        if not isinstance(bias, Tensor):
            raise TypeError(f"{fn}: bias must be a Tensor or None")
        if bias.shape != (out_ch,):
            raise ValueError(f"{fn}: expected a bias of shape ({out_ch},), got {bias.shape}")
        if bias.dtype != x.dtype:
            raise TypeError(f"{fn}: bias dtype {bias.dtype} differs from input dtype {x.dtype}")


def conv2d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntTuple = 1,
    padding: IntTuple | str = 0,
    dilation: IntTuple = 1,
    groups: int = 1,
) -> Tensor:
    """2-D convolution (cross-correlation, as in PyTorch).

    ``y[n, o] = bias[o] + Σ_c Σ_{p,q} weight[o, c, p, q] · xpad[n, c_g, i·sh + p·dh, j·sw + q·dw]``
    over the input channels ``c`` of ``o``'s group.

    Parameters
    ----------
    x : ``(N, C, H, W)``, or one unbatched sample ``(C, H, W)``
    weight : ``(O, C/groups, kh, kw)``
    bias : ``(O,)`` or None
    stride, dilation : int or ``(h, w)``
    padding : int, ``(h, w)``, ``"valid"`` (0) or ``"same"`` (output size = input size;
        stride 1; an odd total padding puts the extra row/column at the bottom/right)
    groups : input and output channels split into ``groups`` independent convolutions

    Returns
    -------
    ``(N, O, Ho, Wo)`` (``(O, Ho, Wo)`` for an unbatched input) with
    ``Ho = ⌊(H + 2·ph - dh·(kh-1) - 1) / sh⌋ + 1``.
    """
    fn = "conv2d"
    _check_conv_args(x, weight, bias, groups, fn, 2, False)
    if x.ndim == 3:
        return unbatched(conv2d, x, weight, bias, stride, padding, dilation, groups)
    stride_t = int_tuple(stride, 2, "stride", fn)
    dil = int_tuple(dilation, 2, "dilation", fn)
    _positive(stride_t, "stride", fn)
    _positive(dil, "dilation", fn)
    pad = _padding4(padding, weight.shape[2:], dil, stride_t, fn)
    g = _Geom(x.shape, weight.shape, stride_t, pad, dil, groups)
    _check_fits(g, fn)
    if g.N == 0:
        return _EmptyBatch((0, g.O, g.Ho, g.Wo))(x, weight, *(() if bias is None else (bias,)))
    return _in_float32(Conv2dFunction(g), x, weight, bias)


def conv_transpose2d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntTuple = 1,
    padding: IntTuple = 0,
    output_padding: IntTuple = 0,
    groups: int = 1,
    dilation: IntTuple = 1,
) -> Tensor:
    """2-D transposed convolution ("deconvolution"): the gradient of ``conv2d`` with respect
    to its input, used to upsample (argument order as PyTorch's, ``groups`` before
    ``dilation``).

    Each input pixel ``x[n, i, h, w]`` adds ``x · weight[i, :, p, q]`` at output position
    ``(h·sh - ph + p·dh, w·sw - pw + q·dw)``.

    Parameters
    ----------
    x : ``(N, Cin, H, W)``, or one unbatched sample ``(Cin, H, W)``
    weight : ``(Cin, Cout/groups, kh, kw)``
    bias : ``(Cout,)`` or None
    output_padding : extra rows/columns on the bottom/right of the output (``< stride`` or
        ``< dilation``), to pick among the output sizes that a strided conv2d maps to ``H``.

    Returns
    -------
    ``(N, Cout, Hout, Wout)`` (``(Cout, Hout, Wout)`` for an unbatched input) with
    ``Hout = (H - 1)·sh - 2·ph + dh·(kh - 1) + oph + 1``.
    """
    fn = "conv_transpose2d"
    _check_conv_args(x, weight, bias, groups, fn, 2, True)
    if x.ndim == 3:
        return unbatched(conv_transpose2d, x, weight, bias, stride, padding, output_padding,
                         groups, dilation)  # fmt: skip
    st = int_tuple(stride, 2, "stride", fn)
    dil = int_tuple(dilation, 2, "dilation", fn)
    _positive(st, "stride", fn)
    _positive(dil, "dilation", fn)
    ph, pw = int_tuple(padding, 2, "padding", fn)
    oph, opw = int_tuple(output_padding, 2, "output_padding", fn)
    if min(ph, pw, oph, opw) < 0:
        raise ValueError(f"{fn}: padding and output_padding must be non-negative")
    if not ((oph < st[0] or oph < dil[0]) and (opw < st[1] or opw < dil[1])):
        raise ValueError(
            f"{fn}: output_padding {(oph, opw)} must be smaller than the stride {st} or the "
            f"dilation {dil}"
        )
    N, Cin, H, W = x.shape
    kh, kw = weight.shape[2:]
    Hout = (H - 1) * st[0] - 2 * ph + dil[0] * (kh - 1) + oph + 1
    Wout = (W - 1) * st[1] - 2 * pw + dil[1] * (kw - 1) + opw + 1
    if Hout < 1 or Wout < 1:
        raise ValueError(
            f"{fn}: the output size {Hout}x{Wout} is not positive (input {H}x{W}, kernel "
            f"{kh}x{kw}, stride {st}, padding {(ph, pw)}, dilation {dil})"
        )
    Cout = weight.shape[1] * groups
    if N == 0:
        return _EmptyBatch((0, Cout, Hout, Wout))(x, weight, *(() if bias is None else (bias,)))
    if oph >= st[0] or opw >= st[1]:
        # output_padding at or past the stride (allowed below the dilation): the full
        # transposed convolution (no padding), cropped by the padding at the top/left and
        # extended with zeros where output_padding reaches past it, then the bias
        y = conv_transpose2d(x, weight, None, st, 0, 0, groups, dil)
        y = pad(y, (0, max(0, opw - pw), 0, max(0, oph - ph)))[:, :, ph : ph + Hout, pw : pw + Wout]
        return y if bias is None else y + reshape(bias, (Cout, 1, 1))
    g = _Geom((N, Cout, Hout, Wout), (Cin, Cout // groups, kh, kw), st, (ph, ph, pw, pw), dil,
              groups)  # fmt: skip
    if (g.Ho, g.Wo) != (H, W):  # pragma: no cover - guaranteed by the output_padding check
        raise AssertionError(f"{fn}: geometry mismatch {(g.Ho, g.Wo)} vs {(H, W)}")
    return _in_float32(ConvTranspose2dFunction(g), x, weight, bias)


def _in_float32(node: Function, x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """``node(x, weight[, bias])``; float16 operands computed in float32 and the result
    rounded once, as PyTorch's CPU convolutions (col2im's slice-adds in float16 rounded at
    every tap: 2.5× PyTorch's error in a transposed convolution), gradients the same way."""
    args = (x, weight) if bias is None else (x, weight, bias)
    return in_float32(node, args) if x._data.dtype == numpy.float16 else node(*args)


def conv1d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] | str = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
) -> Tensor:
    """1-D convolution: ``x (N, C, L)``, ``weight (O, C/groups, k)``, ``bias (O,)`` →
    ``(N, O, Lo)``, ``Lo = ⌊(L + 2p - d·(k-1) - 1) / s⌋ + 1``; computed as a ``conv2d`` over
    an image of height 1. ``padding`` may be ``"same"`` or ``"valid"``. One unbatched sample
    ``(C, L)`` gives ``(O, Lo)``."""
    fn = "conv1d"
    _check_conv_args(x, weight, bias, groups, fn, 1, False)
    if x.ndim == 2:
        return unbatched(conv1d, x, weight, bias, stride, padding, dilation, groups)
    s = int_tuple(stride, 1, "stride", fn)[0]
    d = int_tuple(dilation, 1, "dilation", fn)[0]
    p: Any = padding if isinstance(padding, str) else (0, int_tuple(padding, 1, "padding", fn)[0])
    N, C, L = x.shape
    O, Cg, k = weight.shape
    try:
        y = conv2d(reshape(x, (N, C, 1, L)), reshape(weight, (O, Cg, 1, k)), bias, (1, s), p,
                   (1, d), groups)  # fmt: skip
    except ValueError as e:
        raise ValueError(str(e).replace("conv2d", fn)) from None
    return reshape(y, (N, O, y.shape[-1]))


def conv_transpose1d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int = 1,
    padding: int = 0,
    output_padding: int = 0,
    groups: int = 1,
    dilation: int = 1,
) -> Tensor:
    """1-D transposed convolution: ``x (N, Cin, L)``, ``weight (Cin, Cout/groups, k)`` →
    ``(N, Cout, (L-1)·s - 2p + d·(k-1) + output_padding + 1)``; one unbatched sample
    ``(Cin, L)`` gives ``(Cout, Lout)``."""
    fn = "conv_transpose1d"
    _check_conv_args(x, weight, bias, groups, fn, 1, True)
    if x.ndim == 2:
        return unbatched(conv_transpose1d, x, weight, bias, stride, padding, output_padding,
                         groups, dilation)  # fmt: skip
    N, C, L = x.shape
    Ci, Cg, k = weight.shape
    s = int_tuple(stride, 1, "stride", fn)[0]
    p = int_tuple(padding, 1, "padding", fn)[0]
    op = int_tuple(output_padding, 1, "output_padding", fn)[0]
    d = int_tuple(dilation, 1, "dilation", fn)[0]
    y = conv_transpose2d(reshape(x, (N, C, 1, L)), reshape(weight, (Ci, Cg, 1, k)), bias,
                         (1, s), (0, p), (0, op), groups, (1, d))  # fmt: skip
    return reshape(y, (N, y.shape[1], y.shape[-1]))


# ---- 3-D: the depth taps gathered into channels, then one 2-D convolution ------------------------
def _depth_padding(padding: IntTuple | str, k: tuple, d: tuple, s: tuple, fn: str) -> tuple:
    """``((front, back), hw_padding)``: the depth padding and what conv2d gets for H, W."""
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(
                f"{fn}: padding must be an int, a tuple, 'same' or 'valid', got {padding!r}"
            )
        if padding == "valid":
            return (0, 0), 0
        if tuple(s) != (1, 1, 1):
            raise ValueError(f"{fn}: padding='same' needs stride 1, got stride {s}")
        t = d[0] * (k[0] - 1)
        return (t // 2, t - t // 2), "same"
    p = int_tuple(padding, 3, "padding", fn)
    if min(p) < 0:
        raise ValueError(f"{fn}: padding must be non-negative, got {padding!r}")
    return (p[0], p[0]), p[1:]


def conv3d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntTuple = 1,
    padding: IntTuple | str = 0,
    dilation: IntTuple = 1,
    groups: int = 1,
) -> Tensor:
    """3-D convolution (cross-correlation, as PyTorch's ``F.conv3d``).

    ``y[n, o, t, i, j] = b[o] + Σ_{c, a, p, q} w[o, c, a, p, q] · xpad[n, c_g, t·sd + a·dd,
    i·sh + p·dh, j·sw + q·dw]``.

    Computed with the 2-D machinery in one GEMM: the ``kd`` depth taps of every output
    slice are gathered into channels (``(N·Do, kd·C, H, W)``, ordered per group), the weight
    is read as ``(O, kd·C/groups, kh, kw)``, and :func:`conv2d` does the rest.

    Parameters
    ----------
    x : ``(N, C, D, H, W)``, or one unbatched sample ``(C, D, H, W)``
    weight : ``(O, C/groups, kd, kh, kw)``; bias ``(O,)`` or None
    stride, dilation : int or ``(d, h, w)``; padding : int, ``(d, h, w)``, ``"valid"`` or
        ``"same"`` (stride 1; an odd total puts the extra plane/row/column at the end)

    Returns
    -------
    ``(N, O, Do, Ho, Wo)``, ``Do = ⌊(D + 2·pd - dd·(kd-1) - 1) / sd⌋ + 1`` (the same for H, W).
    """
    fn = "conv3d"
    _check_conv_args(x, weight, bias, groups, fn, 3, False)
    if x.ndim == 4:
        return unbatched(conv3d, x, weight, bias, stride, padding, dilation, groups)
    if x._data.dtype == numpy.float16:  # in float32, rounded once (the depth taps' sums too)
        return in_float32(conv3d, (x, weight, bias), stride, padding, dilation, groups)
    st = int_tuple(stride, 3, "stride", fn)
    dil = int_tuple(dilation, 3, "dilation", fn)
    _positive(st, "stride", fn)
    _positive(dil, "dilation", fn)
    (pf, pb), hw_pad = _depth_padding(padding, weight.shape[2:], dil, st, fn)
    N, C, D, H, W = x.shape
    O, Cg, kd, kh, kw = weight.shape
    G = groups
    Do = (D + pf + pb - dil[0] * (kd - 1) - 1) // st[0] + 1
    if Do < 1:
        raise ShapeMismatchError(
            f"Calculated padded input size per channel: ({D + pf + pb} x ...). Kernel size: "
            f"({dil[0] * (kd - 1) + 1} x ...). Kernel size can't be greater than actual input "
            f"size ({fn}: kernel depth {kd} (extent {dil[0] * (kd - 1) + 1} with dilation "
            f"{dil[0]}) is larger than the padded input depth {D + pf + pb} (input shape "
            f"{x.shape}))"
        )
    xp_ = pad(x, (0, 0, 0, 0, pf, pb)) if pf or pb else x
    last = st[0] * (Do - 1) + 1
    taps = stack([xp_[:, :, a * dil[0] : a * dil[0] + last : st[0]] for a in range(kd)], 2)
    taps = permute(reshape(taps, (N, G, Cg, kd, Do, H, W)), (0, 4, 1, 3, 2, 5, 6))
    w2 = reshape(permute(weight, (0, 2, 1, 3, 4)), (O, kd * Cg, kh, kw))
    try:
        y = conv2d(reshape(taps, (N * Do, C * kd, H, W)), w2, None, st[1:], hw_pad, dil[1:], G)
    except ValueError as e:
        raise ValueError(str(e).replace("conv2d", fn)) from None
    y = permute(reshape(y, (N, Do, O, *y.shape[2:])), (0, 2, 1, 3, 4))
    return y if bias is None else y + reshape(bias, (O, 1, 1, 1))


def conv_transpose3d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntTuple = 1,
    padding: IntTuple = 0,
    output_padding: IntTuple = 0,
    groups: int = 1,
    dilation: IntTuple = 1,
) -> Tensor:
    """3-D transposed convolution (PyTorch's ``F.conv_transpose3d``), the adjoint of
    :func:`conv3d` in its input: each input voxel ``x[n, i, t, h, w]`` adds
    ``x · weight[i, :, a, p, q]`` at ``(t·sd - pd + a·dd, h·sh - ph + p·dh, w·sw - pw + q·dw)``.

    Computed as one :func:`conv_transpose2d` over ``(N·D, Cin, H, W)`` whose output channels
    hold the ``kd`` depth taps (weight read as ``(Cin, kd·Cout/groups, kh, kw)``); each tap's
    planes are then spread along depth with stride ``sd``, shifted by ``a·dd`` and summed.

    Shapes: ``x (N, Cin, D, H, W)`` (or unbatched ``(Cin, D, H, W)``), ``weight
    (Cin, Cout/groups, kd, kh, kw)``, ``bias (Cout,)`` → ``(N, Cout, Dout, Hout, Wout)``,
    ``Dout = (D - 1)·sd - 2·pd + dd·(kd - 1) + output_padding_d + 1``.
    """
    fn = "conv_transpose3d"
    _check_conv_args(x, weight, bias, groups, fn, 3, True)
    if x.ndim == 4:
        return unbatched(conv_transpose3d, x, weight, bias, stride, padding, output_padding,
                         groups, dilation)  # fmt: skip
    if x._data.dtype == numpy.float16:  # in float32, rounded once (the depth taps' sums too)
        tensors = (x, weight, bias)
        return in_float32(conv_transpose3d, tensors, stride, padding, output_padding, groups,
                          dilation)  # fmt: skip
    st = int_tuple(stride, 3, "stride", fn)
    dil = int_tuple(dilation, 3, "dilation", fn)
    _positive(st, "stride", fn)
    _positive(dil, "dilation", fn)
    pd = int_tuple(padding, 3, "padding", fn)
    op = int_tuple(output_padding, 3, "output_padding", fn)
    if min(pd + op) < 0:
        raise ValueError(f"{fn}: padding and output_padding must be non-negative")
    if not all(o < s or o < d for o, s, d in zip(op, st, dil)):
        raise ValueError(
            f"{fn}: output_padding {op} must be smaller than the stride {st} or the dilation {dil}"
        )
    N, Ci, D, H, W = x.shape
    _, Cg, kd, kh, kw = weight.shape
    G = groups
    Dout = (D - 1) * st[0] - 2 * pd[0] + dil[0] * (kd - 1) + op[0] + 1
    if Dout < 1:
        raise ValueError(f"{fn}: the output depth {Dout} is not positive (input shape {x.shape})")
    w2 = reshape(permute(weight, (0, 2, 1, 3, 4)), (Ci, kd * Cg, kh, kw))
    x2 = reshape(permute(x, (0, 2, 1, 3, 4)), (N * D, Ci, H, W))
    try:
        z = conv_transpose2d(x2, w2, None, st[1:], pd[1:], op[1:], G, dil[1:])
    except ValueError as e:
        raise ValueError(str(e).replace("conv_transpose2d", fn)) from None
    Ho, Wo = z.shape[2:]
    # (N, D, G, kd, Cg, Ho, Wo) -> (kd, N, G·Cg, D, Ho, Wo): one block of planes per depth tap
    z = reshape(permute(reshape(z, (N, D, G, kd, Cg, Ho, Wo)), (3, 0, 2, 4, 1, 5, 6)),
                (kd, N, G * Cg, D, Ho, Wo))  # fmt: skip
    span = st[0] * (D - 1) + 1
    if st[0] > 1:  # spread the planes: D planes with sd - 1 zero planes between them
        z = pad(reshape(z, (kd, N, G * Cg, D, 1, Ho * Wo)), (0, 0, 0, st[0] - 1))
        z = reshape(z, (kd, N, G * Cg, D * st[0], Ho, Wo))[:, :, :, :span]
    full = max(span + dil[0] * (kd - 1), pd[0] + Dout)
    y = None
    for a in range(kd):
        front = a * dil[0]
        za = pad(z[a], (0, 0, 0, 0, front, full - front - span))
        y = za if y is None else y + za
    y = y[:, :, pd[0] : pd[0] + Dout]
    return y if bias is None else y + reshape(bias, (G * Cg, 1, 1, 1))
