"""Compiled kernels, each behind the NumPy function it stands in for, for the passes a profile
showed NumPy cannot make fast enough. Optional: they need `numba`_ (``pip install
'deepgrad[fast]'``); without it, or with ``DEEPGRAD_KERNELS=numpy``, every caller runs its
NumPy form, which stays the tested reference.

Why a kernel at all. A NumPy expression makes one pass over memory per operation. Adam's update
over a parameter group's flat buffers is twelve of them (three for ``m``, four for ``v``, five
for the step): on the MLP workload of ``benchmarks/`` (270k parameters) that was a quarter of the
training step, more than the work it does. The kernel reads ``g``, ``m``, ``v`` once and writes
``m``, ``v`` and the step once: 3x faster on its own (AMD EPYC, one thread), the MLP step
about 1.2x. Max pooling (2×2) in NumPy is three ``maximum`` calls over strided taps forward and
a dozen mask passes backward; the kernels make one pass each and keep a one-byte tap index
(forward + backward 3-4x, the CNN step 1.12x); col2im's slice-adds into a padded buffer become
one in-cache pass per tap (2-4.7x on its own); im2col over flat image rows one run per
tap copied with no padded copy of the image (0.51 → 0.34 ms for the CNN's second layer at
two threads, 1.6x at one, Intel Xeon), so that a few samples' columns can be made and used
while in cache. Layer norm's scaling (x̂ and the affine) and
its input gradient were four and five NumPy passes over the ``(M, n)`` rows; one each now
(its centring reuses batch norm's, the rows as the channels of one sample); so was the
attention's softmax backward (three passes over the scores; one now). A broadcast
subtraction of one value per row (layer norm's shift by each row's first value, the
softmax's shift by each score matrix's maximum) runs NumPy's inner loop once per row, 64 or
1,024 values: ``sub_rows`` makes it one pass (36 → 8 µs for layer norm's ``(1024, 64)``
rows on an Intel Xeon). Batch norm's per-channel sums are taken inside the passes that need
them, in a fixed lane order that its NumPy form follows too (five passes over the input for
the statistics and the scaling became three, four over the gradient three; the batch-norm
Fashion-MNIST recipe's step 1.03× at two threads on an Intel Xeon). The softmax
cross-entropy with integer labels was fourteen NumPy calls on a ``(batch, classes)`` array,
each a few microseconds of dispatch, which a training step makes 2-5x slower than a loop of
them shows (the GEMMs before it evict the interpreter's and NumPy's code from the caches):
the row maximum and shift, the row sums with each label's logit, the losses and their sum,
and the gradient are four kernels around NumPy's ``exp`` and ``log`` (the tiny MLP's step
1.05x, the MLP's 1.03x; Intel Xeon, two threads). Their sums are NumPy's, in NumPy's
pairwise order (:func:`_pairwise_sum`), so they are NumPy's bits.

Loops index from zero through slices (``dst, src = o[t0:t1], run[t0 + s : t1 + s]``) or with
unsigned indices: an index numba cannot prove non-negative gets a wraparound branch that
keeps LLVM from vectorizing the loop (5x on col2im's inner loop).

Why the numbers do not change. Each kernel performs, per element, the same IEEE operations in
the same order and the same precision as its NumPy form: scalars are converted to the arrays'
dtype first (as NumPy converts a Python float next to a float32 array), no ``fastmath`` (which
would let LLVM reorder, contract to FMA or use approximate reciprocals), and
``error_model="numpy"`` (a division by zero gives inf/nan as NumPy's does, instead of raising;
it is also what lets LLVM vectorize the loop). ``tests/test_kernels.py`` checks every kernel
against its NumPy form bit for bit, in float32 and float64. A kernel that fails to compile is
reported once (a warning) and its NumPy form used from then on.

What does not go through a kernel: arrays of another module (CuPy), dtypes other than
float32/float64, arrays that are not C-contiguous or do not share one dtype. Transcendental
functions (``tanh``, ``exp``) are left to NumPy: its SIMD versions are ~20x faster than the
scalar libm calls a compiled loop makes (measured on the LSTM cell: 700 µs vs 32 µs). One
exception: the recurrent layers' float32 ``tanh`` is a rational function of their own
(``rational_tanh``: multiplications, additions and one division, which LLVM vectorizes),
whose NumPy form is those operations as ufuncs; NumPy's float32 ``tanh`` without AVX-512
took 86 µs for an LSTM step's gates on an AMD EPYC, the kernel 18 µs.

Kernels are compiled on first use (about a second; cached on disk by numba afterwards), not
when deepgrad is imported.

>>> import numpy as np
>>> from deepgrad import kernels
>>> g = np.ones(4, np.float32); m = np.zeros(4, np.float32); v = np.zeros(4, np.float32)
>>> tmp = np.empty(4, np.float32)
>>> kernels.adam_direction(g, m, v, tmp, 0.9, 0.999, 1e-3, 1e-8, 1) in (True, False)
True
>>> m  # either way: m = 0.9 * 0 + 0.1 * 1
array([0.1, 0.1, 0.1, 0.1], dtype=float32)

.. _numba: https://numba.pydata.org
"""

from __future__ import annotations

import math
import os
import threading
import warnings
from collections.abc import Callable
from typing import Any

import numpy

from . import backend

__all__ = [
    "adam_direction",
    "adam_update",
    "add_cols",
    "add_cols_relu",
    "available",
    "batch_norm_center",
    "batch_norm_grad",
    "batch_norm_scale",
    "enabled",
    "layer_norm_grad",
    "layer_norm_scale",
    "lstm_backward",
    "lstm_gates",
    "col2im_flat",
    "rational_tanh",
    "im2col_flat",
    "max_pool2x2",
    "max_pool2x2_backward",
    "relu",
    "relu_backward",
    "set_enabled",
    "softmax_cross_entropy",
    "softmax_cross_entropy_grad",
    "softmax_grad",
    "sub_row_max",
    "sub_rows",
]

#: ``DEEPGRAD_KERNELS``: ``"numba"`` (the default, where numba is installed) or ``"numpy"``
_CHOICES = ("numba", "numpy")


def _enabled_from_env() -> bool:
    value = os.environ.get("DEEPGRAD_KERNELS", "numba").strip().lower() or "numba"
    if value not in _CHOICES:
        raise ValueError(
            f"DEEPGRAD_KERNELS={value!r}: expected one of {', '.join(map(repr, _CHOICES))}"
        )
    return value == "numba"


_enabled = _enabled_from_env()
_compiled: dict[str, Callable[..., Any]] | None = None  # None: not tried yet
_lock = threading.Lock()
_DTYPES = (numpy.dtype(numpy.float32), numpy.dtype(numpy.float64))


def set_enabled(on: bool) -> bool:
    """Use the compiled kernels (``True``, where numba is installed) or the NumPy forms;
    returns the previous setting. ``DEEPGRAD_KERNELS=numpy`` sets ``False`` at import."""
    global _enabled
    if not isinstance(on, bool):
        raise TypeError(f"set_enabled expects True or False, got {on!r}")
    before, _enabled = _enabled, on
    return before


def enabled() -> bool:
    """Whether callers are asked to use the compiled kernels (see :func:`set_enabled`): never
    on the CuPy backend (they run on NumPy arrays; CuPy's arrays take the array forms)."""
    return _enabled and not backend.gpu


def available() -> bool:
    """Whether the kernels are enabled and compiled (compiling them on the first call)."""
    return _enabled and not backend.gpu and bool(_kernels())


def _build() -> dict[str, Callable[..., Any]]:
    """Compile-on-first-call wrappers of the kernels (numba's ``njit``; see the module's
    docstring for why these flags keep the numbers NumPy's)."""
    import numba

    jit = numba.njit(cache=True, nogil=True, error_model="numpy", boundscheck=False)
    return {
        **_optimizer_kernels(jit),
        **_lstm_kernels(jit),
        **_conv_kernels(jit, numba.uint64),
        **_column_kernels(jit, numba.uint64),
        **_elementwise_kernels(jit),
        **_bn_sum_kernels(jit),
        **_bn_input_kernels(jit),
        **_row_kernels(jit),
        **_loss_kernels(jit),
    }


def _optimizer_kernels(jit: Any) -> dict[str, Callable[..., Any]]:
    """Adam's step over flat buffers (the direction, or the weights updated in place)."""

    @jit
    def adam(g: Any, m: Any, v: Any, out: Any, c: Any) -> None:  # pragma: no cover - compiled
        beta1, a1, beta2, a2, root2, eps, step = c[0], c[1], c[2], c[3], c[4], c[5], c[6]
        for i in range(g.size):
            gi = g[i]
            mi = m[i] * beta1 + gi * a1
            vi = v[i] * beta2 + (gi * gi) * a2
            m[i] = mi
            v[i] = vi
            out[i] = (mi / (math.sqrt(vi) / root2 + eps)) * step

    @jit
    def adam_update(w: Any, g: Any, m: Any, v: Any, c: Any) -> None:  # pragma: no cover
        beta1, a1, beta2, a2, root2, eps, step = c[0], c[1], c[2], c[3], c[4], c[5], c[6]
        for i in range(g.size):
            gi = g[i]
            mi = m[i] * beta1 + gi * a1
            vi = v[i] * beta2 + (gi * gi) * a2
            m[i] = mi
            v[i] = vi
            w[i] = w[i] - (mi / (math.sqrt(vi) / root2 + eps)) * step

    return {"adam": adam, "adam_update": adam_update}


def _lstm_kernels(jit: Any) -> dict[str, Callable[..., Any]]:
    """The recurrent layers' float32 tanh; the LSTM cell's elementwise work, forward and
    backward, gate rows batch-innermost."""

    @jit
    def tanh1(v: Any, k: Any) -> Any:  # pragma: no cover - compiled (inlined by LLVM)
        lim, one = k[0], k[1]
        v = lim if v > lim else v  # NaN passes, as through NumPy's minimum and maximum
        v = -lim if v < -lim else v
        s = v * v
        p = ((((k[7] * s + k[6]) * s + k[5]) * s + k[4]) * s + k[3]) * s + k[2]
        q = (((k[12] * s + k[11]) * s + k[10]) * s + k[9]) * s + k[8]
        r = (v * p) / q
        r = one if r > one else r
        return -one if r < -one else r

    @jit
    def rational_tanh(x: Any, y: Any, k: Any) -> None:  # pragma: no cover - compiled
        for i in range(x.size):
            y[i] = tanh1(x[i], k)

    @jit
    def rational_tanh_(x: Any, k: Any) -> None:  # pragma: no cover - compiled
        # in place: one array, so that LLVM vectorizes without a runtime overlap check
        # (which two views of one buffer fail, leaving the scalar loop: 7x slower)
        for i in range(x.size):
            x[i] = tanh1(x[i], k)

    @jit
    def lstm_gates(G: Any, cp: Any, c: Any, k: Any) -> None:  # pragma: no cover - compiled
        H, half = c.shape[0], k[1]
        for r in range(3 * H):  # σ(z) = ½ tanh(z/2) + ½ (the rows hold tanh(z/2))
            for b in range(G.shape[1]):
                G[r, b] = G[r, b] * half + half
        for r in range(H):
            for b in range(G.shape[1]):
                c[r, b] = G[H + r, b] * cp[r, b] + G[r, b] * G[3 * H + r, b]

    @jit
    def lstm_backward(
        G: Any, tc: Any, cp: Any, dm: Any, dc: Any, D: Any, k: Any, t: int
    ) -> None:  # pragma: no cover - compiled
        H, one = dc.shape[0], k[0]
        for r in range(H):
            Di, Df, Do, Dg = D[r, t], D[H + r, t], D[2 * H + r, t], D[3 * H + r, t]
            for b in range(dc.shape[1]):
                i, f = G[r, b], G[H + r, b]
                o, g = G[2 * H + r, b], G[3 * H + r, b]
                tv, d = tc[r, b], dm[r, b]
                do = d * tv
                dcv = dc[r, b] + ((one - tv * tv) * o) * d
                Di[b] = (dcv * g) * ((one - i) * i)
                Df[b] = (dcv * cp[r, b]) * ((one - f) * f)
                Do[b] = do * ((one - o) * o)
                Dg[b] = (dcv * i) * (one - g * g)
                dc[r, b] = dcv * f

    return {
        "rational_tanh": rational_tanh,
        "rational_tanh_": rational_tanh_,
        "lstm_gates": lstm_gates,
        "lstm_backward": lstm_backward,
    }


def _conv_kernels(jit: Any, uint64: Any) -> dict[str, Callable[..., Any]]:
    """2x2 max pooling (forward with its tap index, backward); ``uint64`` is numba's, for
    loop indices that cannot wrap around."""

    @jit
    def max_pool2x2(x: Any, y: Any, idx: Any) -> bool:  # pragma: no cover - compiled
        # branch-free selects (LLVM vectorizes them); strict `>`: the first maximum wins ties
        N, C, Ho, Wo = y.shape
        nan = False
        for n in range(N):
            for c in range(C):
                for i in range(Ho):
                    r0, r1 = x[n, c, 2 * i], x[n, c, 2 * i + 1]
                    yr, ir = y[n, c, i], idx[n, c, i]
                    for jj in range(Wo):
                        j = uint64(jj)  # unsigned: no negative-index wraparound
                        a, b = r0[2 * j], r0[2 * j + 1]
                        e, f = r1[2 * j], r1[2 * j + 1]
                        nan |= (a != a) | (b != b) | (e != e) | (f != f)
                        t = b > a
                        m = b if t else a
                        k = numpy.uint8(1) if t else numpy.uint8(0)
                        t = e > m
                        m = e if t else m
                        k = numpy.uint8(2) if t else k
                        t = f > m
                        yr[j] = f if t else m
                        ir[j] = numpy.uint8(3) if t else k
        return nan

    @jit
    def max_pool2x2_backward(gy: Any, idx: Any, gx: Any) -> None:  # pragma: no cover
        N, C, Ho, Wo = gy.shape
        W = gx.shape[3]
        zero = gy.dtype.type(0)
        for n in range(N):
            for c in range(C):
                plane = gx[n, c].reshape(-1)
                for t in range(plane.size):
                    plane[t] = zero
                for i in range(Ho):
                    gr, ir, rows = gy[n, c, i], idx[n, c, i], plane[2 * i * W :]
                    for jj in range(Wo):
                        j = uint64(jj)  # unsigned: no negative-index wraparound
                        k = uint64(ir[j])  # tap k = 2p + q: row 2i + p, column 2j + q
                        rows[(k >> 1) * W + 2 * j + (k & 1)] = gr[j]

    return {
        "max_pool2x2": max_pool2x2,
        "max_pool2x2_backward": max_pool2x2_backward,
    }


def _column_kernels(jit: Any, uint64: Any) -> dict[str, Callable[..., Any]]:
    """A convolution's columns over flat image rows: im2col (image → columns) and col2im
    (columns → image, the taps summed); ``uint64`` is numba's, for loop indices that cannot
    wrap around."""

    @jit
    def col2im_flat(
        cols: Any, bm: bool, out: Any, bias: Any, geom: Any, a: int, b: int
    ) -> None:  # pragma: no cover - compiled
        N, C, HW = out.shape
        pt, pl, dh, dw, W = geom[0], geom[1], geom[2], geom[3], geom[4]
        kh, kw, L = cols.shape[1 + bm], cols.shape[2 + bm], cols.shape[4]
        H, Ho = HW // W, L // W
        zero = out.dtype.type(0)
        # inside[q, t]: image column w = t mod W reads tap column w + s inside the row (the
        # flat run reads the neighbouring row's entries otherwise: they count as zero)
        inside = numpy.empty((kw, HW), numpy.bool_)
        for q in range(kw):
            s = pl - q * dw
            for t in range(HW):
                w = t % W
                inside[q, t] = 0 <= w + s < W
        # batch-major: one image at a time, its taps contiguous; otherwise one channel at a
        # time, the samples innermost: the columns cols[c, p, q, a:b] are then read in order
        # (samples outermost, each tap's run of Ho·W values lies N·Ho·W values from the
        # next: 3.5x slower at 7×7 maps). Either way each out[n, c] sums its taps in (p, q)
        # order from zero, then the bias: the same numbers
        n_outer = b - a if bm else 1
        for nb in range(a, a + n_outer):
            for c in range(C):
                n0, n1 = (nb, nb + 1) if bm else (a, b)
                for n in range(n0, n1):
                    o = out[n, c]
                    for t in range(HW):
                        o[t] = zero
                for p in range(kh):
                    h0, h1 = max(0, p * dh - pt), min(H, Ho + p * dh - pt)
                    for q in range(kw):
                        m = inside[q]
                        shift = (pt - p * dh) * W + pl - q * dw  # o[t] takes run[t + shift]
                        t0, t1 = max(h0 * W, -shift), min(h1 * W, L - shift)
                        if t0 >= t1:
                            continue
                        mk = m[t0:t1]
                        for n in range(n0, n1):
                            run = cols[n, c, p, q] if bm else cols[c, p, q, n]
                            # slices, indexed from 0: no negative-index wraparound in the
                            # loop, so LLVM vectorizes it (5x)
                            dst, src = out[n, c][t0:t1], run[t0 + shift : t1 + shift]
                            for t in range(t1 - t0):
                                v = src[t]  # loaded either way: a select, not a branch
                                dst[t] += v if mk[t] else zero
                if bias.size:
                    bc = bias[c]
                    for n in range(n0, n1):
                        o = out[n, c]
                        for t in range(HW):
                            o[t] += bc

    @jit
    def im2col_flat(x: Any, cols: Any, geom: Any, a: int, b: int) -> None:  # pragma: no cover
        N, C, HW = x.shape
        pt, pl, dh, dw, W, kh, kw = geom[0], geom[1], geom[2], geom[3], geom[4], geom[5], geom[6]
        L = cols.shape[2]
        Ho = L // W
        zero = x.dtype.type(0)
        for n in range(a, b):
            src, dst = x[n].reshape(C * HW), cols[n - a].reshape(cols.shape[1] * L)
            r = 0
            for c in range(C):
                for p in range(kh):
                    for q in range(kw):
                        # row r reads the flat image at m + d: one run, zero outside it
                        d = (p * dh - pt) * W + q * dw - pl
                        m0 = min(L, max(0, -d))
                        m1 = max(m0, min(L, HW - d))
                        o = uint64(r * L)
                        for m in range(m0):
                            dst[o + uint64(m)] = zero
                        run, at = uint64(m1 - m0), o + uint64(m0)
                        s0 = uint64(c * HW + m0 + d)
                        for m in range(run):  # unsigned: no wraparound branch (vectorized)
                            dst[at + m] = src[s0 + m]
                        for m in range(m1, L):
                            dst[o + uint64(m)] = zero
                        # the entries whose run wrapped past the row's left or right border
                        s = q * dw - pl
                        j0, j1 = (0, min(W, -s)) if s < 0 else (max(0, W - s), W)
                        if s != 0:
                            for i in range(Ho):
                                row = o + uint64(i * W)
                                for j in range(j0, j1):
                                    dst[row + uint64(j)] = zero
                        r += 1

    return {"col2im_flat": col2im_flat, "im2col_flat": im2col_flat}


def _elementwise_kernels(jit: Any) -> dict[str, Callable[..., Any]]:
    """ReLU forward and backward, batch norm's centring, scaling and input gradient."""

    @jit
    def relu(x: Any, y: Any) -> None:  # pragma: no cover - compiled
        zero = x.dtype.type(0)
        for i in range(x.size):
            v = x[i]
            y[i] = v if v > zero or v != v else zero  # NumPy's maximum(x, 0): NaN passes

    @jit
    def relu_backward(y: Any, g: Any, gx: Any) -> None:  # pragma: no cover - compiled
        zero = g.dtype.type(0)
        for i in range(y.size):
            v = g[i]
            gx[i] = zero if y[i] <= zero else v

    @jit
    def bn_center(xc: Any, mu: Any, sq: Any) -> None:  # pragma: no cover - compiled
        for n in range(xc.shape[0]):
            for c in range(xc.shape[1]):
                m, xs, ss = mu[c], xc[n, c], sq[n, c]
                for t in range(xs.size):
                    v = xs[t] - m
                    xs[t] = v
                    ss[t] = v * v

    @jit
    def bn_scale(xc: Any, rstd: Any, w: Any, b: Any, y: Any) -> None:  # pragma: no cover
        for n in range(xc.shape[0]):
            for c in range(xc.shape[1]):
                r, xs, ys = rstd[c], xc[n, c], y[n, c]
                if w.size and b.size:
                    wc, bc = w[c], b[c]
                    for t in range(xs.size):
                        v = xs[t] * r
                        xs[t] = v
                        ys[t] = v * wc + bc
                elif w.size:
                    wc = w[c]
                    for t in range(xs.size):
                        v = xs[t] * r
                        xs[t] = v
                        ys[t] = v * wc
                elif b.size:
                    bc = b[c]
                    for t in range(xs.size):
                        v = xs[t] * r
                        xs[t] = v
                        ys[t] = v + bc
                else:
                    for t in range(xs.size):
                        xs[t] = xs[t] * r

    @jit
    def bn_grad(
        xhat: Any, g: Any, cc: Any, aa: Any, scale: Any, gx: Any
    ) -> None:  # pragma: no cover - compiled
        for n in range(xhat.shape[0]):
            for c in range(xhat.shape[1]):
                cv, av, sv = cc[c], aa[c], scale[c]
                xs, gs, os = xhat[n, c], g[n, c], gx[n, c]
                for t in range(xs.size):
                    os[t] = ((gs[t] - xs[t] * cv) - av) * sv

    return {
        "bn_center": bn_center,
        "bn_grad": bn_grad,
        "bn_scale": bn_scale,
        "relu": relu,
        "relu_backward": relu_backward,
    }


def _lane_sum(v: Any, acc: Any) -> Any:  # pragma: no cover - compiled
    # the sum of v in LANES lanes (lane j: v[j], v[j + 16], ... in order), the lanes
    # folded in halves, then the tail: normalization._lane_sums' order, bit for bit
    n, m = v.size, v.size // 16
    if m == 0:
        total = v.dtype.type(0)
        if n:
            total = v[0]
            for t in range(1, n):
                total += v[t]
        return total
    zero = v.dtype.type(0)
    for j in range(16):  # from +0, as NumPy's sum over an outer axis starts
        acc[j] = zero
    for i in range(m):
        blk = v[16 * i : 16 * i + 16]
        for j in range(16):
            acc[j] += blk[j]
    for j in range(8):
        acc[j] += acc[j + 8]
    for j in range(4):
        acc[j] += acc[j + 4]
    for j in range(2):
        acc[j] += acc[j + 2]
    total = acc[0] + acc[1]
    for t in range(16 * m, n):
        total += v[t]
    return total


#: :func:`_lane_sum` compiled (set by :func:`_bn_sum_kernels`)
_lane_sum_jit: Any = None


def _bn_sum_kernels(jit: Any) -> dict[str, Callable[..., Any]]:
    """Batch norm's per-row sums in :func:`deepgrad.functional.normalization._lane_sums`'
    order, fused with the pass that needs them (the shift, the centring and its squares, the
    gradient's product with x̂)."""

    global _lane_sum_jit
    # a module global, not a closure variable: numba's on-disk cache cannot match a kernel
    # whose closure holds another dispatcher (a new object each process), so the three
    # kernels below were compiled again in every process (~1.2 s at the first batch norm)
    _lane_sum_jit = jit(_lane_sum)

    @jit
    def bn_shifted_sums(x: Any, piv: Any, s: Any) -> None:  # pragma: no cover - compiled
        acc, row = numpy.empty(16, x.dtype), numpy.empty(x.shape[2], x.dtype)
        for n in range(x.shape[0]):
            for c in range(x.shape[1]):
                xs, pv = x[n, c], piv[c]
                for t in range(xs.size):
                    row[t] = xs[t] - pv
                s[n, c] = _lane_sum_jit(row, acc)

    @jit
    def bn_center_sums(x: Any, piv: Any, mu: Any, xc: Any, s: Any) -> None:  # pragma: no cover
        acc, row = numpy.empty(16, x.dtype), numpy.empty(x.shape[2], x.dtype)
        for n in range(x.shape[0]):
            for c in range(x.shape[1]):
                xs, os, pv, m = x[n, c], xc[n, c], piv[c], mu[c]
                for t in range(xs.size):
                    d = (xs[t] - pv) - m
                    os[t] = d
                    row[t] = d * d
                s[n, c] = _lane_sum_jit(row, acc)

    @jit
    def bn_grad_sums(g: Any, xhat: Any, sg: Any, sgx: Any) -> None:  # pragma: no cover
        acc, row = numpy.empty(16, g.dtype), numpy.empty(g.shape[2], g.dtype)
        for n in range(g.shape[0]):
            for c in range(g.shape[1]):
                gs, xs = g[n, c], xhat[n, c]
                for t in range(gs.size):
                    row[t] = gs[t] * xs[t]
                sg[n, c] = _lane_sum_jit(gs, acc)
                sgx[n, c] = _lane_sum_jit(row, acc)

    @jit
    def bn_dev_sums(x: Any, piv: Any, mu: Any, s: Any) -> None:  # pragma: no cover - compiled
        acc, row = numpy.empty(16, x.dtype), numpy.empty(x.shape[2], x.dtype)
        for n in range(x.shape[0]):
            for c in range(x.shape[1]):
                xs, pv, m = x[n, c], piv[c], mu[c]
                for t in range(xs.size):
                    d = (xs[t] - pv) - m
                    row[t] = d * d
                s[n, c] = _lane_sum_jit(row, acc)

    @jit
    def bn_grad_sums_x(
        g: Any, x: Any, piv: Any, mu: Any, rstd: Any, sg: Any, sgx: Any
    ) -> None:  # pragma: no cover - compiled
        acc, row = numpy.empty(16, g.dtype), numpy.empty(g.shape[2], g.dtype)
        for n in range(g.shape[0]):
            for c in range(g.shape[1]):
                gs, xs, pv, m, r = g[n, c], x[n, c], piv[c], mu[c], rstd[c]
                for t in range(gs.size):
                    row[t] = gs[t] * (((xs[t] - pv) - m) * r)
                sg[n, c] = _lane_sum_jit(gs, acc)
                sgx[n, c] = _lane_sum_jit(row, acc)

    return {
        "bn_center_sums": bn_center_sums,
        "bn_dev_sums": bn_dev_sums,
        "bn_grad_sums": bn_grad_sums,
        "bn_grad_sums_x": bn_grad_sums_x,
        "bn_shifted_sums": bn_shifted_sums,
    }


def _bn_input_kernels(jit: Any) -> dict[str, Callable[..., Any]]:
    """Batch norm's output and input gradient in training made from the input ``x`` with
    ``x̂ = ((x − piv) − mu) · rstd`` computed again in the loop (the operations of the stored
    x̂, in their order: the same numbers), so that no x̂ is written in the forward."""

    @jit
    def bn_norm(
        x: Any, piv: Any, mu: Any, rstd: Any, w: Any, b: Any, y: Any
    ) -> None:  # pragma: no cover - compiled
        for n in range(x.shape[0]):
            for c in range(x.shape[1]):
                xs, ys, pv, m, r = x[n, c], y[n, c], piv[c], mu[c], rstd[c]
                if w.size and b.size:
                    wc, bc = w[c], b[c]
                    for t in range(xs.size):
                        ys[t] = (((xs[t] - pv) - m) * r) * wc + bc
                elif w.size:
                    wc = w[c]
                    for t in range(xs.size):
                        ys[t] = (((xs[t] - pv) - m) * r) * wc
                elif b.size:
                    bc = b[c]
                    for t in range(xs.size):
                        ys[t] = (((xs[t] - pv) - m) * r) + bc
                else:
                    for t in range(xs.size):
                        ys[t] = ((xs[t] - pv) - m) * r

    @jit
    def bn_grad_x(
        x: Any, piv: Any, mu: Any, rstd: Any, g: Any, cc: Any, aa: Any, scale: Any, gx: Any
    ) -> None:  # pragma: no cover - compiled
        for n in range(x.shape[0]):
            for c in range(x.shape[1]):
                pv, m, r, cv, av, sv = piv[c], mu[c], rstd[c], cc[c], aa[c], scale[c]
                xs, gs, os = x[n, c], g[n, c], gx[n, c]
                for t in range(xs.size):
                    os[t] = ((gs[t] - (((xs[t] - pv) - m) * r) * cv) - av) * sv

    return {"bn_grad_x": bn_grad_x, "bn_norm": bn_norm}


def _pairwise_block(v: Any, lo: int, n: int) -> Any:  # pragma: no cover - compiled
    # NumPy's pairwise_sum over n <= 128 contiguous values v[lo:lo + n], in its order:
    # fewer than 8 one after another from -0.0; else eight accumulators folded
    # ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)), then the tail
    if n < 8:
        res = v.dtype.type(-0.0)
        for i in range(lo, lo + n):
            res += v[i]
        return res
    r0, r1, r2, r3 = v[lo], v[lo + 1], v[lo + 2], v[lo + 3]
    r4, r5, r6, r7 = v[lo + 4], v[lo + 5], v[lo + 6], v[lo + 7]
    i, m = 8, n - n % 8
    while i < m:
        b = lo + i
        r0 += v[b]
        r1 += v[b + 1]
        r2 += v[b + 2]
        r3 += v[b + 3]
        r4 += v[b + 4]
        r5 += v[b + 5]
        r6 += v[b + 6]
        r7 += v[b + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += v[lo + i]
        i += 1
    return res


def _pairwise_sum(v: Any) -> Any:  # pragma: no cover - compiled
    # NumPy's add.reduce over a contiguous 1-D v, bit for bit: +0.0 plus its pairwise_sum,
    # which splits more than 128 values in two halves (the first a multiple of 8) and adds
    # the halves' sums. The recursion runs on an explicit stack (numba's on-disk cache
    # cannot load a function that calls itself): a node's phase 0 (to split), 1 (its left
    # half running), 2 (its right half running)
    n = v.size
    if n <= 128:
        return v.dtype.type(0) + _pairwise_block_jit(v, 0, n)
    los, ns = numpy.empty(64, numpy.int64), numpy.empty(64, numpy.int64)
    phase = numpy.zeros(64, numpy.int64)
    left, right = numpy.empty(64, v.dtype), numpy.empty(64, v.dtype)
    los[0], ns[0], sp = 0, n, 1
    val = v.dtype.type(0)
    while sp:
        t = sp - 1
        lo, m = los[t], ns[t]
        h = m // 2 - (m // 2) % 8
        if m <= 128:
            val = _pairwise_block_jit(v, lo, m)
        elif phase[t] == 0:
            phase[t], los[sp], ns[sp], phase[sp] = 1, lo, h, 0
            sp += 1
            continue
        elif phase[t] == 1:
            phase[t], los[sp], ns[sp], phase[sp] = 2, lo + h, m - h, 0
            sp += 1
            continue
        else:
            val = left[t] + right[t]
        sp -= 1
        if sp:  # the value of the parent's left or right half
            if phase[sp - 1] == 1:
                left[sp - 1] = val
            else:
                right[sp - 1] = val
    return v.dtype.type(0) + val


#: :func:`_pairwise_block` and :func:`_pairwise_sum` compiled (set by :func:`_loss_kernels`)
_pairwise_block_jit: Any = None
_pairwise_sum_jit: Any = None


def _loss_kernels(jit: Any) -> dict[str, Callable[..., Any]]:
    """The softmax cross-entropy with integer labels around NumPy's ``exp`` and ``log``:
    each row's sum and its label's shifted logit, the per-sample losses and their sum, and
    the gradient ``(softmax − one-hot) · c`` in one pass (NumPy's sums in NumPy's order)."""

    global _pairwise_block_jit, _pairwise_sum_jit
    _pairwise_block_jit = jit(_pairwise_block)  # module globals: see _bn_sum_kernels
    _pairwise_sum_jit = jit(_pairwise_sum)

    @jit
    def ce_rows(e: Any, z: Any, labels: Any, s: Any, pick: Any) -> bool:  # pragma: no cover
        zero, c = e.dtype.type(0), e.shape[1]
        for i in range(e.shape[0]):
            lab = labels[i]
            if lab < 0 or lab >= c:  # not a class: NumPy's form raises its IndexError
                return False
            s[i] = zero + _pairwise_block_jit(e[i], 0, c)  # c <= 128 (the wrapper's rule)
            pick[i] = z[i, lab]
        return True

    @jit
    def ce_losses(pick: Any, ls: Any, scale: Any, per: Any, total: Any) -> None:  # pragma: no cover
        sc = scale[0]
        for i in range(per.size):
            per[i] = -(pick[i] - ls[i]) * sc
        total[0] = _pairwise_sum_jit(per)

    @jit
    def ce_grad(e: Any, s: Any, labels: Any, c: Any, gx: Any) -> None:  # pragma: no cover
        one, cv = e.dtype.type(1), c[0]
        for i in range(e.shape[0]):
            es, gs, sv, lab = e[i], gx[i], s[i], labels[i]
            for j in range(es.size):
                v = es[j] / sv
                if j == lab:
                    v = v - one
                gs[j] = v * cv

    return {"ce_grad": ce_grad, "ce_losses": ce_losses, "ce_rows": ce_rows}


def _row_kernels(jit: Any) -> dict[str, Callable[..., Any]]:
    """Passes over the rows of ``(M, n)`` arrays with one or two values per row: layer
    norm's scaling and input gradient, the attention softmax's backward, the broadcast
    subtraction ``s − m[:, None]`` and the bias added to every row ``y + b[None, :]``."""

    @jit
    def add_cols(y: Any, b: Any) -> None:  # pragma: no cover - compiled
        for i in range(y.shape[0]):
            ys = y[i]
            for j in range(ys.size):
                ys[j] += b[j]

    @jit
    def add_cols_relu(y: Any, b: Any) -> None:  # pragma: no cover - compiled
        zero = y.dtype.type(0)
        for i in range(y.shape[0]):
            ys = y[i]
            for j in range(ys.size):
                v = ys[j] + b[j]
                ys[j] = v if v > zero or v != v else zero  # relu's: NaN passes, -0.0 → +0.0

    @jit
    def sub_rows(s: Any, m: Any, out: Any) -> None:  # pragma: no cover - compiled
        for i in range(s.shape[0]):
            xs, os, mv = s[i], out[i], m[i]
            for j in range(xs.size):
                os[j] = xs[j] - mv

    @jit
    def sub_row_max(x: Any, z: Any) -> None:  # pragma: no cover - compiled
        for i in range(x.shape[0]):
            xs, zs = x[i], z[i]
            m = xs[0]
            for j in range(1, xs.size):  # NumPy's maximum: NaN wins, a later equal replaces
                v = xs[j]
                if v >= m or v != v:
                    m = v
                    if m != m:
                        break
            for j in range(xs.size):
                zs[j] = xs[j] - m

    @jit
    def ln_scale(xc: Any, rstd: Any, w: Any, b: Any, y: Any) -> None:  # pragma: no cover
        for i in range(xc.shape[0]):
            r, xs, ys = rstd[i], xc[i], y[i]
            if w.size and b.size:
                for j in range(xs.size):
                    v = xs[j] * r
                    xs[j] = v
                    ys[j] = v * w[j] + b[j]
            elif w.size:
                for j in range(xs.size):
                    v = xs[j] * r
                    xs[j] = v
                    ys[j] = v * w[j]
            elif b.size:
                for j in range(xs.size):
                    v = xs[j] * r
                    xs[j] = v
                    ys[j] = v + b[j]
            else:
                for j in range(xs.size):
                    xs[j] = xs[j] * r

    @jit
    def ln_grad(
        xhat: Any, g: Any, w: Any, cc: Any, aa: Any, rstd: Any, gx: Any
    ) -> None:  # pragma: no cover - compiled
        for i in range(xhat.shape[0]):
            cv, av, r = cc[i], aa[i], rstd[i]
            xs, gs, os = xhat[i], g[i], gx[i]
            if w.size:
                for j in range(xs.size):
                    os[j] = (gs[j] * w[j]) * r - (xs[j] * cv + av)
            else:
                for j in range(xs.size):
                    os[j] = gs[j] * r - (xs[j] * cv + av)

    @jit
    def softmax_grad(ds: Any, t: Any, a: Any, scale: Any) -> None:  # pragma: no cover
        for i in range(ds.shape[0]):
            tv, dr, ar = t[i], ds[i], a[i]
            if scale.size:
                sv = scale[0]
                for j in range(dr.size):
                    dr[j] = ((dr[j] - tv) * ar[j]) * sv
            else:
                for j in range(dr.size):
                    dr[j] = (dr[j] - tv) * ar[j]

    return {
        "add_cols": add_cols,
        "add_cols_relu": add_cols_relu,
        "ln_grad": ln_grad,
        "ln_scale": ln_scale,
        "softmax_grad": softmax_grad,
        "sub_row_max": sub_row_max,
        "sub_rows": sub_rows,
    }


def _kernels() -> dict[str, Callable[..., Any]]:
    global _compiled
    if _compiled is None:
        with _lock:
            if _compiled is None:
                try:
                    _compiled = _build()
                except ImportError:  # no numba (or one that does not fit this NumPy)
                    _compiled = {}
                except Exception as e:  # e.g. numba finds no writable cache directory
                    warnings.warn(
                        f"deepgrad: the compiled kernels are unavailable ({type(e).__name__}: "
                        f"{e}); using the NumPy forms",
                        RuntimeWarning,
                        stacklevel=3,
                    )
                    _compiled = {}
    return _compiled


#: what :func:`_call` gives for a kernel it could not run
_FAILED = object()


def _call(name: str, *args: Any) -> Any:
    """Kernel ``name``'s result, or :data:`_FAILED` (and a one-time warning) if it cannot be
    compiled."""
    fn = (_compiled if _compiled is not None else _kernels()).get(name)
    if fn is None:
        return _FAILED
    try:
        return fn(*args)
    except Exception as e:  # a numba typing/lowering error: fall back to NumPy for good
        _drop(name, e)
        return _FAILED


def _run(name: str, *args: Any) -> bool:
    """Call kernel ``name``; ``False`` (and a one-time warning) if it cannot be compiled.
    (:func:`_call`'s lines again, not a call of it: a training step makes dozens of these.)"""
    fn = (_compiled if _compiled is not None else _kernels()).get(name)
    if fn is None:
        return False
    try:
        fn(*args)
    except Exception as e:  # a numba typing/lowering error: fall back to NumPy for good
        _drop(name, e)
        return False
    return True


def _drop(name: str, error: Exception) -> None:
    """Warn that kernel ``name`` failed and use its NumPy form from now on."""
    global _compiled
    warnings.warn(
        f"deepgrad: the compiled {name} kernel failed ({type(error).__name__}: {error}); "
        "using the NumPy form from now on",
        RuntimeWarning,
        stacklevel=4,  # the caller of the function that ran the kernel
    )
    _compiled = {k: f for k, f in _compiled.items() if k != name} if _compiled else {}


def flat_views(arrays: tuple[Any, ...]) -> list[Any] | None:
    """The arrays as 1-D views when they are NumPy arrays of one float dtype and shape, each
    C-contiguous (:func:`_same`), as the kernels take them; else ``None``."""
    return [a.reshape(-1) for a in arrays] if _same(*arrays) else None


def _adam_constants(dtype: Any, beta1: float, beta2: float, lr: float, eps: float, t: int) -> Any:
    """Adam's scalars in the arrays' dtype (as NumPy converts a Python float beside them):
    ``[β1, 1 − β1, β2, 1 − β2, √(1 − β2ᵗ), eps, lr / (1 − β1ᵗ)]``."""
    return numpy.array(
        [beta1, 1.0 - beta1, beta2, 1.0 - beta2, math.sqrt(1.0 - beta2**t), eps,
         lr / (1.0 - beta1**t)],
        dtype=dtype,
    )  # fmt: skip


def adam_update(
    quads: list[tuple[Any, Any, Any, Any]], beta1: float, beta2: float, lr: float, eps: float,
    step: int,
) -> bool:  # fmt: skip
    """Adam's whole step for several parameters, each ``(w, g, m, v)`` in place::

        m ← β1 · m + (1 − β1) · g;  v ← β2 · v + (1 − β2) · g²
        w ← w − lr / (1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + eps)

    or ``False`` (nothing written) when any of them is not taken (see
    :func:`adam_direction`). The same numbers as :func:`adam_direction` followed by
    ``w -= out``, without the flat copies of the gradients and of the step.
    """
    if not enabled() or not quads:
        return False
    flat = []
    for quad in quads:
        arrays = flat_views(quad)
        if arrays is None or arrays[0].dtype != quads[0][0].dtype:
            return False
        flat.append(arrays)
    return adam_update_flat(flat, beta1, beta2, lr, eps, step)


def adam_update_flat(
    flat: list[Any], beta1: float, beta2: float, lr: float, eps: float, step: int
) -> bool:
    """:func:`adam_update` on quads its caller has checked: each ``[w, g, m, v]`` 1-D views of
    C-contiguous NumPy arrays of one shape, all of one float dtype (the optimizer keeps the
    views of ``w``, ``m`` and ``v`` between steps and checks only the new gradient)."""
    fn = _kernels().get("adam_update") if enabled() and flat else None
    if fn is None:
        return False
    c = _adam_constants(flat[0][0].dtype, beta1, beta2, lr, eps, step)
    for k, (w, g, m, v) in enumerate(flat):
        try:  # the compiled kernel itself: one parameter costs a call, not _run's three
            fn(w, g, m, v, c)
            continue
        except Exception:  # noqa: BLE001 - handled by _run below, which warns once
            pass
        if not _run("adam_update", w, g, m, v, c):  # the same failure: the kernel is dropped
            if k == 0:
                return False  # nothing written: the caller's NumPy form runs
            for rest in flat[k:]:  # finish in NumPy, the same operations one pass each
                _adam_numpy(*rest, c)
            break
    return True


def _adam_numpy(w: Any, g: Any, m: Any, v: Any, c: Any) -> None:
    """:func:`adam_update`'s kernel as NumPy passes (the optimizer's own form, with the
    constants already in the arrays' dtype)."""
    tmp = numpy.multiply(g, c[1])
    m *= c[0]
    m += tmp
    v *= c[2]
    numpy.multiply(g, g, out=tmp)
    tmp *= c[3]
    v += tmp
    numpy.sqrt(v, out=tmp)
    tmp /= c[4]
    tmp += c[5]
    numpy.divide(m, tmp, out=tmp)
    tmp *= c[6]
    w -= tmp


def adam_direction(
    g: Any,
    m: Any,
    v: Any,
    out: Any,
    beta1: float,
    beta2: float,
    lr: float,
    eps: float,
    step: int,
) -> bool:
    """Adam's moments and step in one pass, in place, or ``False`` to say "run the NumPy
    form" (kernels off or unavailable, or arrays it does not take; nothing is written then)::

        m ← β1 · m + (1 − β1) · g
        v ← β2 · v + (1 − β2) · g²
        out ← lr / (1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + eps)

    ``g``, ``m``, ``v``, ``out`` share one shape and dtype (float32 or float64). The NumPy form
    is :func:`deepgrad.optim.adam._moments` followed by :meth:`Adam._direction`'s step.
    """
    if not enabled():
        return False
    arrays = flat_views((g, m, v, out))
    if arrays is None:
        return False
    return _run("adam", *arrays, _adam_constants(arrays[0].dtype, beta1, beta2, lr, eps, step))


def rational_tanh(x: Any, out: Any, k: Any) -> bool:
    """The recurrent layers' float32 tanh into ``out`` (``x`` itself, or memory apart from
    ``x``), or ``False`` to say "run the NumPy form"; with ``k = [X, 1, p0…p5, q0…q4]`` in
    ``x``'s dtype::

        v = clip(x, −X, X);  out ← clip(v · P(v²) / Q(v²), −1, 1)    (P, Q by Horner's rule)

    ``x`` and ``out`` of one shape and float dtype, C-contiguous. The NumPy form and the
    coefficients are :func:`deepgrad.functional.recurrent.gate_tanh`'s.
    """
    if not enabled() or not _same(x, out) or x.dtype != k.dtype:
        return False
    if x is out:
        return _run("rational_tanh_", x.reshape(-1), k)
    if numpy.may_share_memory(x, out):
        return False
    return _run("rational_tanh", x.reshape(-1), out.reshape(-1), k)


def lstm_gates(G: Any, c_prev: Any, c: Any) -> bool:
    """The LSTM cell's gates and cell state after ``G ← tanh(G)``, in place, or ``False`` to
    say "run the NumPy form"::

        G[:3H] ← ½ · G[:3H] + ½          (σ(z) = ½ tanh(z / 2) + ½: the rows i, f, o)
        c ← f ⊙ c_prev + i ⊙ g           (g = G[3H:])

    ``G (4H, B)``, ``c_prev`` and ``c`` ``(H, B)``, one float dtype, C-contiguous. The NumPy
    form is in :meth:`deepgrad.functional.recurrent.LSTMSequence.forward`.
    """
    if not enabled() or not _same(G) or not _same(c_prev, c) or G.dtype != c.dtype:
        return False
    if G.shape != (4 * c.shape[0], c.shape[1]):
        return False
    return _run("lstm_gates", G, c_prev, c, _constants(G.dtype))


def lstm_backward(
    G: Any, tc: Any, c_prev: Any, dm: Any, dc: Any, D: Any, t: int | None = None
) -> bool:
    """One LSTM step's backward through the gates, in place, or ``False`` to say "run the
    NumPy form"; with the activated gates ``G = [i; f; o; g] (4H, B)``, ``tc = tanh(c)``, the
    state's gradient ``dm`` and the cell's ``dc`` ``(H, B)``::

        dc ← dc + (1 − tc²) ⊙ o ⊙ dm
        D ← [dc ⊙ g ⊙ σ'(i); dc ⊙ c_prev ⊙ σ'(f); dm ⊙ tc ⊙ σ'(o); dc ⊙ i ⊙ (1 − g²)]
        dc ← dc ⊙ f                       (σ'(s) = (1 − s) s, for the next step back)

    All one float dtype and C-contiguous; ``D (4H, B)`` receives the pre-activation gradient,
    or, with ``t``, ``D (4H, T, B)`` receives it in ``D[:, t]`` (the weight GEMMs' operand
    written in place: a fresh block each step, not a scratch block that the previous step's
    GEMM threads read, whose every cache line a write would first have to take back from
    the other core). The NumPy form is in
    :meth:`deepgrad.functional.recurrent.LSTMSequence._grads`.
    """
    if not enabled() or not _same(tc, c_prev, dm, dc) or not _same(G):
        return False
    if t is None:
        D = D[:, None]  # (4H, 1, B): still C-contiguous
        t = 0
    if type(D) is not numpy.ndarray or not D.flags.c_contiguous or D.ndim != 3:
        return False
    if G.dtype != dc.dtype or D.dtype != dc.dtype or not 0 <= t < D.shape[1]:
        return False
    if G.shape != (4 * dc.shape[0], dc.shape[1]) or D.shape[::2] != G.shape:
        return False
    return _run("lstm_backward", G, tc, c_prev, dm, dc, D, _constants(G.dtype), t)


def batch_norm_center(xc: Any, mu: Any, sq: Any) -> bool:
    """``xc ← xc − mu[c]``, ``sq ← xc²`` in one pass over ``(n, C, L)`` arrays (``mu (C,)``),
    or ``False`` to say "run the NumPy form" (two passes, in
    :meth:`deepgrad.functional.normalization.BatchNorm.forward`)."""
    if not enabled() or not _same(xc, sq) or xc.ndim != 3 or not _same(mu):
        return False
    if mu.dtype != xc.dtype or mu.shape != (xc.shape[1],):
        return False
    return _run("bn_center", xc, mu, sq)


def batch_norm_scale(xc: Any, rstd: Any, w: Any, b: Any, y: Any) -> bool:
    """``xc ← xc · rstd[c]`` (x̂), then ``y ← x̂ · w[c] + b[c]`` (either may be ``None``; with
    neither, ``y`` is not written) in one pass, or ``False`` to say "run the NumPy form"
    (:meth:`deepgrad.functional.normalization.BatchNorm.forward`): the same operations in the
    same order, so the same numbers."""
    if not enabled() or not _same(xc, y) or xc.ndim != 3:
        return False
    empty = _EMPTY.get(xc.dtype)
    vectors = [v for v in (rstd, w, b) if v is not None]
    if not _same(*vectors) or vectors[0].dtype != xc.dtype or rstd.shape != (xc.shape[1],):
        return False
    w = empty if w is None else w
    b = empty if b is None else b
    return _run("bn_scale", xc, rstd, w, b, y)


#: the shortest rows the batch-norm sum kernels take: below one block of lanes (16 values)
#: each row's sum is a short serial loop, and the NumPy form (one pass per position over all
#: rows at once) is faster: BatchNorm1d's rows (L = 1) 16x, a 2×2 map's 2.8x (Intel Xeon)
BN_SUMS_MIN_ROW = 16


def _bn_sums_take(x: Any, *vectors: Any, sums: tuple = ()) -> bool:
    """Whether the batch-norm sum kernels take these: ``x`` a C-contiguous ``(n, C, L)``
    float array with ``L ≥`` :data:`BN_SUMS_MIN_ROW`, the per-channel ``vectors`` ``(C,)`` and
    the per-row ``sums`` ``(n, C)``, C-contiguous, of its dtype."""
    if not enabled() or not _same(x) or x.ndim != 3 or x.shape[2] < BN_SUMS_MIN_ROW:
        return False
    n, c = x.shape[0], x.shape[1]
    for v in vectors:
        if not _same(v) or v.dtype != x.dtype or v.shape != (c,):
            return False
    for s in sums:
        if not _same(s) or s.dtype != x.dtype or s.shape != (n, c):
            return False
    return True


def batch_norm_shifted_sums(x: Any, piv: Any, s: Any) -> bool:
    """``s[n, c] ← Σ_l (x[n, c, l] − piv[c])`` over ``(n, C, L)``, summed in
    :func:`deepgrad.functional.normalization._lane_sums`' order, in one pass that writes
    nothing but the sums, or ``False`` to say "run the NumPy form" (the same numbers)."""
    if not _bn_sums_take(x, piv, sums=(s,)):
        return False
    return _run("bn_shifted_sums", x, piv, s)


def batch_norm_center_sums(x: Any, piv: Any, mu: Any, xc: Any, s: Any) -> bool:
    """``xc ← (x − piv[c]) − mu[c]`` and ``s[n, c] ← Σ_l xc[n, c, l]²`` (in
    :func:`deepgrad.functional.normalization._lane_sums`' order) in one pass over
    ``(n, C, L)``, or ``False`` to say "run the NumPy form" (the same numbers)."""
    if not _bn_sums_take(x, piv, mu, sums=(s,)) or not _same(x, xc):
        return False
    return _run("bn_center_sums", x, piv, mu, xc, s)


def batch_norm_dev_sums(x: Any, piv: Any, mu: Any, s: Any) -> bool:
    """``s[n, c] ← Σ_l ((x − piv[c]) − mu[c])²`` (in
    :func:`deepgrad.functional.normalization._lane_sums`' order) in one pass over ``(n, C, L)``
    that writes nothing but the sums: :func:`batch_norm_center_sums` without the centred
    copy, or ``False`` to say "run the NumPy form" (the same numbers)."""
    if not _bn_sums_take(x, piv, mu, sums=(s,)):
        return False
    return _run("bn_dev_sums", x, piv, mu, s)


def batch_norm_normalize(
    x: Any, piv: Any, mu: Any, rstd: Any, w: Any, b: Any, y: Any
) -> bool:  # fmt: skip
    """Batch norm's output from its input in one pass over ``(n, C, L)``::

        x̂ = ((x − piv[c]) − mu[c]) · rstd[c],   y ← x̂ · w[c] + b[c]

    (``w``, ``b`` may be ``None``; x̂ is not stored), or ``False`` to say "run the NumPy form"
    (:meth:`deepgrad.functional.normalization.BatchNorm.forward`: the same operations in the
    same order, so the same numbers)."""
    if not enabled() or not _same(x, y) or x.ndim != 3:
        return False
    vectors = [v for v in (piv, mu, rstd, w, b) if v is not None]
    if not _same(*vectors) or vectors[0].dtype != x.dtype or rstd.shape != (x.shape[1],):
        return False
    empty = _EMPTY.get(x.dtype)
    w = empty if w is None else w
    b = empty if b is None else b
    return _run("bn_norm", x, piv, mu, rstd, w, b, y)


def batch_norm_grad_sums_x(
    g: Any, x: Any, piv: Any, mu: Any, rstd: Any, sg: Any, sgx: Any
) -> bool:  # fmt: skip
    """:func:`batch_norm_grad_sums` with ``x̂ = ((x − piv[c]) − mu[c]) · rstd[c]`` made again
    from the input ``x`` in the loop (the same numbers as from a stored x̂), or ``False``."""
    if not _bn_sums_take(g, piv, mu, rstd, sums=(sg, sgx)) or not _same(g, x):
        return False
    return _run("bn_grad_sums_x", g, x, piv, mu, rstd, sg, sgx)


def batch_norm_grad_x(
    x: Any, piv: Any, mu: Any, rstd: Any, g: Any, c: Any, a: Any, scale: Any, gx: Any
) -> bool:  # fmt: skip
    """:func:`batch_norm_grad` with ``x̂ = ((x − piv[ch]) − mu[ch]) · rstd[ch]`` made again
    from the input ``x`` in the loop (the same numbers as from a stored x̂), or ``False``."""
    if not enabled() or not _same(x, g, gx) or x.ndim != 3:
        return False
    if not _same(piv, mu, rstd, c, a, scale) or c.dtype != x.dtype or c.shape != (x.shape[1],):
        return False
    return _run("bn_grad_x", x, piv, mu, rstd, g, c, a, scale, gx)


def batch_norm_grad_sums(g: Any, xhat: Any, sg: Any, sgx: Any) -> bool:
    """``sg[n, c] ← Σ_l g`` and ``sgx[n, c] ← Σ_l g · x̂`` (in
    :func:`deepgrad.functional.normalization._lane_sums`' order) in one pass over
    ``(n, C, L)`` that writes nothing but the sums, or ``False`` to say "run the NumPy
    form" (the same numbers)."""
    if not _bn_sums_take(g, sums=(sg, sgx)) or not _same(g, xhat):
        return False
    return _run("bn_grad_sums", g, xhat, sg, sgx)


def batch_norm_grad(xhat: Any, g: Any, c: Any, a: Any, scale: Any, gx: Any) -> bool:
    """Batch norm's input gradient in training, one pass over ``(n, C, L)`` arrays::

        gx ← ((g − x̂ · c[ch]) − a[ch]) · scale[ch]

    (``a = mean(g)``, ``c = mean(g ⊙ x̂)``, ``scale = rstd · w`` per channel), or ``False``
    to say "run the NumPy form" (four passes, in
    :meth:`deepgrad.functional.normalization.BatchNorm.backward`; the same operations in
    the same order)."""
    if not enabled() or not _same(xhat, g, gx) or xhat.ndim != 3 or not _same(c, a, scale):
        return False
    if c.dtype != xhat.dtype or c.shape != (xhat.shape[1],):
        return False
    return _run("bn_grad", xhat, g, c, a, scale, gx)


def sub_rows(s: Any, m: Any, out: Any) -> bool:
    """``out[i] ← s[i] − m[i]`` over the rows of ``(R, n)`` arrays (``m (R,)``) in one pass,
    or ``False`` to say "run the NumPy form" (a broadcast subtraction, which runs NumPy's
    inner loop once per row: :func:`deepgrad.functional.attention._softmax_rows` shifts each
    score matrix, ``n = L·S`` values, by its maximum, and
    :meth:`deepgrad.functional.normalization.LayerNorm.forward` each row by its first value).
    The same subtraction, so the same numbers."""
    if not enabled() or not _same(s, out) or s.ndim != 2 or not _same(m):
        return False
    if m.dtype != s.dtype or m.shape != (s.shape[0],):
        return False
    return _run("sub_rows", s, m, out)


#: the longest rows :func:`sub_row_max` takes: its max is a scalar loop (NumPy's NaN rule
#: keeps LLVM from vectorizing it), which NumPy's vectorized reduction overtakes on long rows
#: (Intel Xeon: ``(128, 100)`` 8.7 against 12.2 µs, ``(128, 1000)`` 133 against 57 µs)
SUB_ROW_MAX_UP_TO = 128


def sub_row_max(x: Any, z: Any) -> bool:
    """``z ← x − max(x, axis=1, keepdims=True)`` over the rows of ``(R, n)`` arrays in one
    pass, or ``False`` to say "run the NumPy form" (rows longer than
    :data:`SUB_ROW_MAX_UP_TO`, empty rows, anything :func:`_same` refuses). NumPy's reduction
    over short rows runs its inner loop once per row: the softmax cross-entropy's shift of
    ``(32, 10)`` logits took 3.2 µs, ``(128, 10)`` 9.1, the kernel 0.4 and 1.0 (Intel Xeon).
    The maximum is NumPy's (a NaN in a row makes it NaN, ``±inf`` as they come), so the
    differences are the same numbers; where a row's maximum is a zero that appears with both
    signs the kernel may take the other sign, which changes only the sign of a zero
    difference (``−0 − (−0) = +0``, ``−0 − (+0) = −0``), invisible to ``exp`` and to the
    log-softmax that follows."""
    # checked inline, not through enabled()/_same(): a softmax cross-entropy on a small batch
    # is a few microseconds, and a NumPy array is never the CuPy backend's
    if not _enabled or type(x) is not numpy.ndarray or type(z) is not numpy.ndarray:
        return False
    shape, dt = x.shape, x.dtype
    if len(shape) != 2 or not 0 < shape[1] <= SUB_ROW_MAX_UP_TO or z.shape != shape:
        return False
    if dt not in _DTYPES or z.dtype != dt or not (x.flags.c_contiguous and z.flags.c_contiguous):
        return False
    return _run("sub_row_max", x, z)


def softmax_cross_entropy(x: Any, labels: Any, scale: Any, reduce_sum: bool) -> tuple | None:
    """The softmax cross-entropy of logits ``x (N, C)`` at integer ``labels (N,)`` (each in
    ``[0, C)``, checked by the caller), times ``scale`` (a 0-d array of ``x``'s dtype), summed
    when ``reduce_sum`` — :class:`deepgrad.functional.loss.SoftmaxCrossEntropy`'s forward —
    as ``(loss, e, s)`` with ``e = exp(x − max)`` and its row sums ``s (N, 1)`` for the
    backward (:func:`softmax_cross_entropy_grad`), or ``None`` to say "run the NumPy form".

    Five calls where the NumPy form makes fourteen: the shift (:func:`sub_row_max`), NumPy's
    ``exp``, each row's sum and its label's shifted logit (``ce_rows``), NumPy's ``log``, the
    losses ``−(z_label − log s) · scale`` and their sum (``ce_losses``). Small batches spend
    the loss in per-call overhead, which a training step makes 2-5x what a loop of calls
    shows (the GEMMs before it evict the interpreter's and NumPy's code from the caches). The
    sums are NumPy's, in its pairwise order, so the numbers are the NumPy form's, bit for
    bit. Rows of at most :data:`SUB_ROW_MAX_UP_TO` classes; float32/float64; C-contiguous."""
    if not _enabled or type(x) is not numpy.ndarray or type(labels) is not numpy.ndarray:
        return None
    shape, dt = x.shape, x.dtype
    if len(shape) != 2 or not 0 < shape[1] <= SUB_ROW_MAX_UP_TO or not shape[0]:
        return None
    if dt not in _DTYPES or not x.flags.c_contiguous or labels.shape != shape[:1]:
        return None
    if labels.dtype != numpy.int64 or not labels.flags.c_contiguous:
        return None
    if type(scale) is not numpy.ndarray or scale.dtype != dt or scale.ndim:
        return None
    z = numpy.empty_like(x)
    if not _run("sub_row_max", x, z):
        return None
    e = numpy.exp(z)
    n = shape[0]
    s, pick, per = numpy.empty((n, 1), dt), numpy.empty(n, dt), numpy.empty(n, dt)
    if _call("ce_rows", e, z, labels, s.reshape(n), pick) is not True:
        return None
    total = numpy.empty((), dt)
    if not _run(
        "ce_losses", pick, numpy.log(s).reshape(n), scale.reshape(1), per, total.reshape(1)
    ):
        return None
    return (total if reduce_sum else per), e, s


def softmax_cross_entropy_grad(e: Any, s: Any, labels: Any, c: Any) -> Any:
    """:func:`softmax_cross_entropy`'s gradient ``(e / s − one-hot(labels)) · c`` (``c`` a 0-d
    array: the scale times the incoming gradient) in one pass, a new ``(N, C)`` array, or
    ``None`` to say "run the NumPy form" (the division, the labels' ``− 1`` and the scaling,
    the same operations in the same order: bit for bit)."""
    if not _enabled or type(e) is not numpy.ndarray or e.ndim != 2 or e.dtype not in _DTYPES:
        return None
    dt, n = e.dtype, e.shape[0]
    if type(c) is not numpy.ndarray or c.dtype != dt or c.size != 1 or not e.flags.c_contiguous:
        return None
    if type(s) is not numpy.ndarray or s.dtype != dt or s.size != n or not s.flags.c_contiguous:
        return None
    if type(labels) is not numpy.ndarray or labels.dtype != numpy.int64 or labels.shape != (n,):
        return None
    gx = numpy.empty_like(e)
    if not _run("ce_grad", e, s.reshape(n), labels, c.reshape(1), gx):
        return None
    return gx


def add_cols(y: Any, b: Any) -> bool:
    """``y[i] ← y[i] + b`` over the rows of a ``(M, n)`` array (``b (n,)``: a bias added to
    every row) in place, in one pass, or ``False`` to say "run the NumPy form" (``y += b``,
    whose broadcast runs NumPy's inner loop once per row: 2.5x slower at the Transformer's
    ``(1024, 64…256)`` projections; :class:`deepgrad.functional.linalg.Linear`). The same
    additions, so the same numbers."""
    if not _rows_and_bias(y, b):
        return False
    return _run("add_cols", y, b)


def add_cols_relu(y: Any, b: Any) -> bool:
    """``y[i] ← relu(y[i] + b)`` over the rows of a ``(M, n)`` array in place, in one pass
    (``relu(v) = v if v > 0 or v is NaN else +0``, :func:`relu`'s), or ``False`` to say "run
    the NumPy form" (:class:`deepgrad.functional.linalg.LinearReLU`: the bias added, then
    ReLU's own pass). The same additions and comparisons, so the same numbers."""
    if not _rows_and_bias(y, b):
        return False
    return _run("add_cols_relu", y, b)


def layer_norm_scale(xc: Any, rstd: Any, w: Any, b: Any, y: Any) -> bool:
    """Layer norm's scaling over ``(M, n)`` rows in one pass: ``xc ← xc · rstd[row]`` (x̂),
    then ``y ← x̂ · w[col] + b[col]`` (either may be ``None``; with neither, ``y`` is not
    written), or ``False`` to say "run the NumPy form"
    (:meth:`deepgrad.functional.normalization.LayerNorm.forward`): the same operations in
    the same order, so the same numbers."""
    if not enabled() or not _same(xc, y) or xc.ndim != 2:
        return False
    empty = _EMPTY.get(xc.dtype)
    w = empty if w is None else w
    b = empty if b is None else b
    if not _same(rstd) or rstd.dtype != xc.dtype or rstd.shape != (xc.shape[0],):
        return False
    for v in (w, b):
        if not _same(v) or v.dtype != xc.dtype or v.size not in (0, xc.shape[1]) or v.ndim != 1:
            return False
    return _run("ln_scale", xc, rstd, w, b, y)


def layer_norm_grad(xhat: Any, g: Any, w: Any, c: Any, a: Any, rstd: Any, gx: Any) -> bool:
    """Layer norm's input gradient over ``(M, n)`` rows in one pass::

        gx ← (g · w[col]) · rstd[row] − (x̂ · c[row] + a[row])

    (``a = ⟨g w⟩ rstd``, ``c = ⟨g w x̂⟩ rstd`` per row; without ``w`` (``None``) the first
    product is ``g``), or ``False`` to say "run the NumPy form" (five passes, in
    :meth:`deepgrad.functional.normalization.LayerNorm.backward`; the same operations in the
    same order)."""
    if not enabled() or not _same(xhat, g, gx) or xhat.ndim != 2 or not _same(c, a, rstd):
        return False
    if c.dtype != xhat.dtype or c.shape != (xhat.shape[0],):
        return False
    if w is None:
        w = _EMPTY[xhat.dtype]
    elif not _same(w) or w.dtype != xhat.dtype or w.shape != (xhat.shape[1],):
        return False
    return _run("ln_grad", xhat, g, w, c, a, rstd, gx)


def softmax_grad(ds: Any, t: Any, a: Any, scale: Any) -> bool:
    """The row softmax's backward over ``(R, S)`` rows in one pass, in place::

        ds ← ((ds − t[row]) · a) · scale

    (``a`` the softmax's output, ``t = Σ_row ds ⊙ a``; ``scale`` a 1-element array of the
    dtype, or ``None`` for no scaling), or ``False`` to say "run the NumPy form" (three
    passes, in :func:`deepgrad.functional.attention._attn_backward`; the same operations in
    the same order)."""
    if not enabled() or not _same(ds, a) or ds.ndim != 2 or not _same(t):
        return False
    if t.dtype != ds.dtype or t.shape != (ds.shape[0],):
        return False
    if scale is None:
        scale = _EMPTY[ds.dtype]
    elif not _same(scale) or scale.dtype != ds.dtype or scale.shape != (1,):
        return False
    return _run("softmax_grad", ds, t, a, scale)


def col2im_flat(
    cols: Any, batch_major: bool, out: Any, bias: Any, geom: tuple, a: int, b: int
) -> bool:
    """col2im of a stride-1 convolution whose output is as wide as its input (``Wo = W``:
    :func:`deepgrad.functional.conv._flat_rows`) for samples ``a..b``, or ``False`` to say
    "run the NumPy form"::

        out[n, c, h, w] = Σ_{p,q} cols[c, p, q, n, h + pt − p·dh, w + pl − q·dw]  (+ bias[c])

    over the taps inside the column block, summed in tap order ``(p, q)`` from zero as the
    NumPy form's slice-adds into a zeroed buffer sum them (its out-of-image taps add exact
    zeros), so the numbers are the same bit for bit. Like the NumPy form, each tap is one
    flat run over the image's rows; the entries that run reads past a row's end add zero (a
    select, not a product: an inf there must not turn into NaN). ``cols`` is C-contiguous
    ``(C, kh, kw, N, Ho·W)``, or ``(N, C, kh, kw, Ho·W)`` with ``batch_major``; ``out (N, C,
    H·W)``; ``bias (C,)`` or ``None``; ``geom = (pt, pl, dh, dw, W)``. One pass per tap over each
    image, in cache, instead of the NumPy form's padded buffer, ``kh·kw`` read-add-write
    passes and copy out. The NumPy form is :func:`deepgrad.functional.conv._col2im_flat`.
    """
    if not enabled() or not _same(cols) or not _same(out) or cols.dtype != out.dtype:
        return False
    if cols.ndim != 5 or out.ndim != 3:
        return False
    if bias is None:
        bias = _EMPTY[out.dtype]
    elif not _same(bias) or bias.dtype != out.dtype or bias.shape != (out.shape[1],):
        return False
    return _run("col2im_flat", cols, batch_major, out, bias, numpy.array(geom, numpy.int64), a, b)


def im2col_flat(x: Any, cols: Any, geom: tuple, a: int, b: int) -> bool:
    """im2col of a stride-1 convolution whose output is as wide as its input (``Wo = W``:
    :func:`deepgrad.functional.conv._flat_rows`) for samples ``a..b`` into a block of
    batch-major columns, or ``False`` to say "run the NumPy form"::

        cols[n − a, (c, p, q), i·W + j] = x[n, c, i + p·dh − pt, j + q·dw − pl]   (0 outside)

    ``x (N, C, H·W)``; ``cols (b − a, R, Ho·W)`` with ``R ≥ C·kh·kw`` (rows past ``C·kh·kw``,
    such as a folded bias's row of ones, are left alone); ``geom = (pt, pl, dh, dw, W, kh,
    kw)``. Each row is one flat run of the image, as in the NumPy form
    (:func:`deepgrad.functional.conv._im2col_flat`), and then the entries it read past a
    row's end are set to zero: copies and zeros, so the same numbers bit for bit. One pass
    per sample, called block by block so that the columns are still in cache when the GEMM
    reads them (:func:`deepgrad.functional.conv._fused_blocks`)."""
    if not enabled() or not _same(x) or not _same(cols) or cols.dtype != x.dtype:
        return False
    if x.ndim != 3 or cols.ndim != 3 or not 0 <= a <= b <= x.shape[0] or cols.shape[0] < b - a:
        return False
    pt, pl, dh, dw, W, kh, kw = geom
    if W < 1 or cols.shape[2] % W or cols.shape[1] < x.shape[1] * kh * kw:
        return False
    return _run("im2col_flat", x, cols, numpy.array(geom, numpy.int64), a, b)


def max_pool2x2(x: Any, y: Any, idx: Any) -> bool:
    """2×2 max pooling with stride 2, or ``False`` to say "run the NumPy form" (kernels off or
    unavailable, arrays it does not take, or ``x`` holds a NaN: PyTorch's rule for NaN
    windows is the NumPy form's)::

        y[n, c, i, j] = max_{p,q ∈ {0,1}} x[n, c, 2i + p, 2j + q]
        idx[n, c, i, j] = 2p + q of the first maximum (row-major window order)

    ``x (N, C, H, W)`` with ``H ≥ 2·Ho``, ``W ≥ 2·Wo``, ``y (N, C, Ho, Wo)`` of the same float
    dtype, ``idx`` uint8 of ``y``'s shape; all C-contiguous. One pass over ``x`` instead of
    the NumPy form's three ``maximum`` calls (and, in training, its tap copies and the
    backward's comparisons). The NumPy form is
    :meth:`deepgrad.functional.pooling.MaxPool2dFunction.forward`.
    """
    if not enabled() or not _same(x) or not _same(y) or x.dtype != y.dtype or x.ndim != 4:
        return False
    if type(idx) is not numpy.ndarray or idx.dtype != numpy.uint8 or idx.shape != y.shape:
        return False
    if not idx.flags.c_contiguous or x.shape[:2] != y.shape[:2]:
        return False
    if x.shape[2] < 2 * y.shape[2] or x.shape[3] < 2 * y.shape[3]:
        return False
    if y.shape[2] * y.shape[3] < 2:  # one window a plane: the NumPy form's taps over all
        return False  # planes at once beat the kernel's plane loop (2.3x at (256, 64, 2, 2))
    nan = _call("max_pool2x2", x, y, idx)
    return nan is not _FAILED and not nan  # (a NaN: the NumPy form runs again over all of x)


def max_pool2x2_backward(gy: Any, idx: Any, gx: Any) -> bool:
    """The gradient of :func:`max_pool2x2`, or ``False`` to say "run the NumPy form"::

        gx[n, c, 2i + p, 2j + q] = gy[n, c, i, j] if 2p + q == idx[n, c, i, j] else 0

    and zero in the rows and columns past ``2·Ho`` / ``2·Wo``. The windows are disjoint, so
    every element of ``gx`` is written once: exact, like the NumPy form
    (:class:`deepgrad.functional.pooling._MaxPoolScatter`).
    """
    if not enabled() or not _same(gx) or type(gy) is not numpy.ndarray or gy.dtype != gx.dtype:
        return False
    if gy.shape != idx.shape or gy.shape[:2] != gx.shape[:2] or not gy.flags.c_contiguous:
        return False
    if idx.dtype != numpy.uint8 or not idx.flags.c_contiguous or gx.ndim != 4:
        return False
    if gx.shape[2] < 2 * gy.shape[2] or gx.shape[3] < 2 * gy.shape[3]:
        return False
    return _run("max_pool2x2_backward", gy, idx, gx)


def relu(x: Any, y: Any) -> bool:
    """``y = x if x > 0 or x is NaN else 0`` (NumPy's ``maximum(x, 0)``), one pass, or
    ``False`` to say "run the NumPy form" (:class:`deepgrad.functional.activation.ReLU`).
    ``x`` and ``y`` 1-D, one float dtype, C-contiguous."""
    if not _flat_same(x, y):
        return False
    return _run("relu", x, y)


def relu_backward(y: Any, g: Any, gx: Any) -> bool:
    """``gx = 0 if y ≤ 0 else g`` (PyTorch's ``threshold_backward``: a gradient reaching a
    unit that is off gives 0 even where it is inf or NaN; a NaN output lets it pass), one
    pass, or ``False`` to say "run the NumPy form". 1-D, one float dtype, C-contiguous."""
    if not (_flat_same(y, g) and _flat_same(y, gx)):
        return False
    return _run("relu_backward", y, g, gx)


#: an empty array of each dtype (a kernel's "no bias")
_EMPTY = {dt: numpy.empty(0, dt) for dt in _DTYPES}

#: ``[1, ½]`` in each dtype: a Python literal in a compiled loop is float64 and would turn the
#: loop's float32 arithmetic into float64 arithmetic (different roundings)
_CONSTANTS = {dt: numpy.array([1.0, 0.5], dt) for dt in _DTYPES}


def _constants(dtype: Any) -> Any:
    return _CONSTANTS[numpy.dtype(dtype)]


def _rows_and_bias(y: Any, b: Any) -> bool:
    """With the kernels enabled: ``y`` a C-contiguous ``(M, n)`` float32/float64 NumPy array
    and ``b`` one of ``n`` values of its dtype (a bias for every row). :func:`_same`'s checks,
    written out: a small layer's forward makes a few of these calls a step."""
    if not _enabled or type(y) is not numpy.ndarray or type(b) is not numpy.ndarray:
        return False
    dt = y.dtype
    if y.ndim != 2 or dt not in _DTYPES or b.dtype != dt or b.shape != (y.shape[1],):
        return False
    return y.flags.c_contiguous and b.flags.c_contiguous


def _flat_same(x: Any, y: Any) -> bool:
    """With the kernels enabled: ``x`` and ``y`` 1-D C-contiguous NumPy arrays of one shape
    and one float32/float64 dtype (:func:`_same` for two 1-D arrays, written out)."""
    if not _enabled or type(x) is not numpy.ndarray or type(y) is not numpy.ndarray:
        return False
    dt = x.dtype
    if x.ndim != 1 or dt not in _DTYPES or y.dtype != dt or y.shape != x.shape:
        return False
    return x.flags.c_contiguous and y.flags.c_contiguous


def _same(*arrays: Any) -> bool:
    """NumPy arrays of one shape and one float dtype (float32/float64), each C-contiguous."""
    first = arrays[0]
    if type(first) is not numpy.ndarray or first.dtype not in _DTYPES:
        return False
    dtype, shape = first.dtype, first.shape
    for a in arrays:  # a loop, not all(<generator>): this runs several times a training step
        if type(a) is not numpy.ndarray or a.dtype != dtype or a.shape != shape:
            return False
        if not a.flags.c_contiguous:
            return False
    return True
