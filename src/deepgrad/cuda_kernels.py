"""GPU kernels (CuPy) for the passes whose array form is many small launches on a GPU.

On the CuPy backend every array call is one kernel launch, and a launch costs the host about
10-20 µs of Python and driver time: a step built from many small calls is bound by the host,
not by the GPU. A profile of the CNN benchmark's training step on an H200
(``python -m benchmarks.gpu --profile cnn``) put 2×2 max pooling first: its array form is
7 launches forward (4 tap copies, 3 ``maximum``) and ~16 backward plus two host round trips
(``isnan(y).any()``). Here each is one launch, computing what the array form computes:

* ``max_pool2x2(src, y, idx)``: ``y = max`` of each 2×2 window of ``src (N, C, 2·Ho', 2·Wo')``
  (stride 2; ``src`` already padded with -inf for ``ceil_mode``), ``idx`` the window's tap
  (0-3, row-major) by PyTorch's rule: a tap replaces the running maximum if it is greater or
  NaN, so ties go to the first tap, a NaN window to its last NaN, an all -inf window to its
  first tap (inside the image). ``y`` is NaN where the window holds one.
* ``max_pool2x2_backward(gy, idx, shape)``: ``gx[n, c, h, w] = gy[n, c, h//2, w//2]`` where
  ``(h % 2)·2 + w % 2`` is that window's ``idx``, else 0 (0 outside every window too).
* ``adam_direction(g, m, v, out, ...)``: Adam's moments and step in one pass, the formula of
  :func:`deepgrad.kernels.adam_direction` (whose NumPy form is the reference).

Each function returns ``False`` (nothing written) where it does not apply — the NumPy backend,
dtypes other than float32/float64 — and the caller runs the array form, which stays the
tested reference. Tests compare the two on the CuPy backend (``DEEPGRAD_TEST_BACKEND=cupy``).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy

from . import backend

__all__ = ["adam_direction", "max_pool2x2", "max_pool2x2_backward", "usable"]

_FLOATS = (numpy.dtype(numpy.float32), numpy.dtype(numpy.float64))


def usable(*arrays: Any) -> bool:
    """Whether the kernels take these arrays: the CuPy backend, float32 or float64 alike."""
    if not backend.gpu or not arrays:
        return False
    dt = arrays[0].dtype
    return dt in _FLOATS and all(a.dtype == dt for a in arrays)


@functools.cache
def _pool_forward() -> Any:
    return backend.xp.ElementwiseKernel(
        "raw T src, int64 H, int64 W, int64 Ho, int64 Wo, T neg_inf",
        "T y, uint8 idx",
        """
        const long long j = i % Wo;
        const long long r = (i / Wo) % Ho;
        const long long plane = i / (Wo * Ho);
        const long long top = plane * H * W + 2 * r * W + 2 * j;
        T best = neg_inf;
        unsigned char at = 0;
        for (int k = 0; k < 4; ++k) {
            const T v = src[top + (k >> 1) * W + (k & 1)];
            if (v > best || isnan(v)) {
                best = v;
                at = (unsigned char)k;
            }
        }
        y = best;
        idx = at;
        """,
        "deepgrad_max_pool2x2",
    )


@functools.cache
def _pool_backward() -> Any:
    return backend.xp.ElementwiseKernel(
        "raw T gy, raw uint8 idx, int64 H, int64 W, int64 Ho, int64 Wo",
        "T gx",
        """
        const long long w = i % W;
        const long long h = (i / W) % H;
        const long long plane = i / (W * H);
        const long long r = h >> 1, j = w >> 1;
        if (r < Ho && j < Wo) {
            const long long o = (plane * Ho + r) * Wo + j;
            gx = idx[o] == (unsigned char)(((h & 1) << 1) | (w & 1)) ? gy[o] : (T)0;
        } else {
            gx = (T)0;
        }
        """,
        "deepgrad_max_pool2x2_backward",
    )


def max_pool2x2(src: Any, y: Any, idx: Any) -> bool:
    """2×2, stride-2 max pooling of ``src (N, C, H, W)`` into ``y (N, C, Ho, Wo)`` (``2·Ho ≤
    H``, ``2·Wo ≤ W``) and the window taps into ``idx`` (uint8), or ``False``."""
    if not usable(src, y) or idx.dtype != numpy.uint8:
        return False
    H, W = src.shape[-2:]
    Ho, Wo = y.shape[-2:]
    if 2 * Ho > H or 2 * Wo > W or not (y.flags.c_contiguous and idx.flags.c_contiguous):
        return False
    neg_inf = src.dtype.type(-numpy.inf)
    _pool_forward()(backend.xp.ascontiguousarray(src), H, W, Ho, Wo, neg_inf, y, idx)
    return True


def max_pool2x2_backward(gy: Any, idx: Any, shape: tuple[int, ...]) -> Any:
    """The gradient of :func:`max_pool2x2` for ``src``'s ``shape`` (a new array), or
    ``None``."""
    if not usable(gy) or idx.dtype != numpy.uint8 or gy.shape != idx.shape:
        return None
    gx = backend.xp.empty(shape, gy.dtype)
    H, W = shape[-2:]
    Ho, Wo = gy.shape[-2:]
    xp = backend.xp
    _pool_backward()(xp.ascontiguousarray(gy), xp.ascontiguousarray(idx), H, W, Ho, Wo, gx)
    return gx


@functools.cache
def _adam() -> Any:
    return backend.xp.ElementwiseKernel(
        "T g, T b1, T c1, T b2, T c2, T root2, T eps, T rate",
        "T m, T v, T out",
        """
        m = m * b1 + g * c1;
        v = v * b2 + (g * g) * c2;
        out = m / (sqrt(v) / root2 + eps) * rate;
        """,
        "deepgrad_adam_direction",
    )


def adam_direction(
    g: Any, m: Any, v: Any, out: Any, beta1: float, beta2: float, lr: float, eps: float, t: int
) -> bool:
    """``m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; out ← lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) +
    eps)`` in one launch, in ``g``'s dtype, or ``False``."""
    if not usable(g, m, v, out):
        return False
    c = g.dtype.type
    root2 = (1.0 - beta2**t) ** 0.5
    rate = lr / (1.0 - beta1**t)
    _adam()(g, c(beta1), c(1.0 - beta1), c(beta2), c(1.0 - beta2), c(root2), c(eps), c(rate),
            m, v, out)  # fmt: skip
    return True
