"""Normalization: ``batch_norm`` (statistics over the batch, per channel) and ``layer_norm``
(statistics over the last axes, per sample). Both are fused nodes: one forward, one backward.
``group_norm`` (per sample and group of channels) and ``instance_norm`` (per sample and
channel) reuse the layer-norm node on a reshaped input; ``normalize``, ``cosine_similarity``
and ``pairwise_distance`` work on vectors along one axis.

For the normalized values ``x̂ = (x - μ) / √(σ² + ε)`` (biased variance σ²) and
``y = γ x̂ + β``, with ``g = γ ⊙ dL/dy`` and means ``⟨·⟩`` taken over the ``n`` elements that
share one ``μ``:

    dL/dx = (g - ⟨g⟩ - x̂ ⟨g x̂⟩) / √(σ² + ε)        (statistics computed from x)
    dL/dx = g / √(σ_run² + ε)                        (batch norm in eval: fixed statistics)
    dL/dγ = Σ dL/dy ⊙ x̂,   dL/dβ = Σ dL/dy         (summed over everything but the feature)

The mean is taken of the input shifted by one of its own values (each row's or channel's
first), ``μ = x₀ + ⟨x - x₀⟩``, so ``x - μ`` is computed as ``(x - x₀) - ⟨x - x₀⟩``: exactly 0
for a constant input (whose normalized value is then exactly 0, as PyTorch's), and with less
cancellation when the values sit far from 0.

The fused backward works on arrays (layer norm's row means of ``(M, n)`` matrices are
matrix-vector products, which NumPy runs far faster than ``mean(axis=-1)`` over short rows;
batch norm's per-channel sums are row sums in a fixed lane order, :func:`_lane_sums`, which
its compiled kernels compute inside the passes that need them: two passes over the input for
the statistics, one over ``dL/dy`` and ``x̂`` for the gradient's sums). When the
backward itself is being recorded (``create_graph=True``, for gradients of gradients) the
same formulas are evaluated with tensor operations instead, so double backward works.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy

from .. import backend, kernels
from .._errors import (
    IntArgumentError,
    ShapeMismatchError,
    _type_words,
    bool_arg,
    broadcast_words,
    dim_error,
    int_arg,
    ints_arg,
    kernel_dtype_name,
    refuse_kernel_dtype,
    refuse_mixed_dtypes,
    tensor_needed,
)
from .._names import torch_names
from ..autograd import Function, is_grad_enabled
from ..tensor import Tensor
from ..threads import parallel_chunks
from .conv import _EmptyBatch
from .elementwise import astype, clip, computed_in
from .linalg import _ones_row
from .reduce import mean, norm
from .reduce import sum as tsum
from .shape import broadcast_to, pad, reshape


def _const(a: Any) -> Tensor:
    return Tensor._from_op(a, None, 0)


# ---------------------------------------------------------------------------------------------
# layer norm
# ---------------------------------------------------------------------------------------------
class LayerNorm(Function):
    """Fused layer norm over the last axes: inputs ``x`` and optionally ``weight``/``bias``
    (flags ``has_w``/``has_b`` say which are present)."""

    # the backward reads memory of the output (x̂, the output without an affine): a write into the
    # output afterwards is refused at backward, as PyTorch refuses one
    keep_output = True

    def __init__(self, n: int, eps: float, has_w: bool, has_b: bool) -> None:
        self.n, self.eps, self.has_w, self.has_b = n, eps, has_w, has_b

    def forward(self, x: Any, *params: Any) -> Any:
        xp = backend.xp
        n = self.n
        if n == 0:  # an empty normalized shape (LayerNorm(0)): an empty result, as PyTorch's
            return x.copy()
        x2 = x.reshape(-1, n)
        avg = xp.full((n,), 1.0 / n, dtype=x.dtype)  # row means as GEMV: x2 @ avg
        xc = xp.empty(x2.shape, x2.dtype)  # shifted by each row's first value (_shifted)
        if not kernels.sub_rows(x2, x2[:, 0].copy(), xc):
            xp.subtract(x2, x2[:, :1], out=xc)
        mu = xc @ avg
        sq = xp.empty_like(xc)
        # the rows as the channels of one (1, M, n) sample: batch norm's centring pass
        if not kernels.batch_norm_center(xc[None], mu, sq[None]):
            xc -= mu[:, None]
            xp.multiply(xc, xc, out=sq)
        var = sq @ avg
        var += self.eps
        rstd = xp.sqrt(var)
        xp.divide(1.0, rstd, out=rstd)
        self.xhat, self.rstd = xc, rstd
        w = params[0].reshape(n) if self.has_w else None
        b = params[1 if self.has_w else 0].reshape(n) if self.has_b else None
        y = xc if w is None and b is None else sq  # sq is free again: it takes y
        if not kernels.layer_norm_scale(xc, rstd, w, b, y):
            xc *= rstd[:, None]  # xc is now x̂
            if w is not None or b is not None:  # else y is xc: x̂ is the output
                _scale_shift_rows(xc, w, b, y)
        return y.reshape(x.shape)

    def backward(self, gy: Tensor) -> tuple:
        if self.n == 0:  # every input is empty: so are the gradients
            return tuple(_const(backend.xp.zeros(t.shape, t.dtype)) for t in self.inputs)
        if is_grad_enabled():
            return self._backward_graph(gy)
        xp = backend.xp
        n = self.n
        need = self.needs_input_grad
        inputs = self.inputs
        xhat, rstd = self.xhat, self.rstd
        g2 = gy._data.reshape(-1, n)
        out: list[Any] = [None] * len(inputs)
        ones_m = _ones_row(g2)
        gxh = g2 * xhat  # dL/dy ⊙ x̂: gives dL/dγ and, times γ/n, ⟨g x̂⟩
        i = 1
        if self.has_w:
            w = inputs[1]._data.reshape(n)
            if need[1]:
                out[1] = _const((ones_m @ gxh).reshape(inputs[1].shape))
            i = 2
        if self.has_b and need[i]:
            out[i] = _const((ones_m @ g2).reshape(inputs[i].shape))
        if need[0]:
            # ⟨γ g⟩ and ⟨γ g x̂⟩ per row: the sums, then divided by n (one rounding; summing
            # terms each scaled by 1/n left a row of equal gradients ~n ulp from its mean,
            # which the row's 1/σ amplifies: a constant row got ~1e-5 instead of 0)
            wa = w if self.has_w else _ones_row(g2.T)
            a = g2 @ wa
            c = gxh @ wa
            a /= n
            c /= n
            a *= rstd
            c *= rstd
            gx = gxh  # its products are taken: it takes the gradient
            wv = w if self.has_w else None
            if not kernels.layer_norm_grad(xhat, g2, wv, c, a, rstd, gx):
                if wv is None:
                    gx[...] = g2
                else:
                    xp.multiply(g2, w, out=gx)
                gx *= rstd[:, None]
                t = xhat * c[:, None]
                t += a[:, None]
                gx -= t
            out[0] = _const(gx.reshape(inputs[0].shape))
        return tuple(out)

    def _backward_graph(self, gy: Tensor) -> tuple:
        """The same gradients from tensor operations (differentiable again)."""
        x = self.inputs[0]
        n, need = self.n, self.needs_input_grad
        x2 = reshape(x, (-1, n))
        x2 = x2 - _const(x2._data[:, :1])  # the forward's shift (x - μ does not depend on it)
        xc = x2 - mean(x2, -1, keepdims=True)
        rstd = (mean(xc * xc, -1, keepdims=True) + self.eps) ** -0.5
        xhat = xc * rstd
        g2 = reshape(gy, (-1, n))
        out: list[Any] = [None] * len(self.inputs)
        i = 1
        g = g2
        if self.has_w:
            w = self.inputs[1]
            g = g2 * reshape(w, (n,))
            if need[1]:
                out[1] = reshape(tsum(g2 * xhat, 0), w.shape)
            i = 2
        if self.has_b and need[i]:
            out[i] = reshape(tsum(g2, 0), self.inputs[i].shape)
        if need[0]:
            gx = (g - mean(g, -1, keepdims=True) - xhat * mean(g * xhat, -1, keepdims=True)) * rstd
            out[0] = reshape(gx, x.shape)
        return tuple(out)


def _trailing_shape(x: Tensor, normalized_shape: Any, params: dict[str, Any], fn: str) -> tuple:
    """``normalized_shape`` as a tuple, checked against ``x``'s trailing axes, ``x``'s dtype
    (floating) and the shapes of the affine ``params`` (name → tensor or None).

    As PyTorch's ``F.layer_norm``/``F.rms_norm``, ``normalized_shape`` is a tuple or list of
    ints (a ``Size``): one int alone, a tensor or an array is its ``TypeError`` ("must be
    tuple of ints, not int"), though the layers (``nn.LayerNorm(5)``) take an int."""
    if not isinstance(normalized_shape, (tuple, list)):
        hint = ""
        if isinstance(normalized_shape, int) and not isinstance(normalized_shape, bool):
            hint = f" (pass ({normalized_shape},); nn.LayerNorm/nn.RMSNorm take an int)"
        raise IntArgumentError(
            f"{fn}(): argument 'normalized_shape' (position 2) must be tuple of ints, not "
            f"{_type_words(normalized_shape)}{hint}"
        )
    ns = ints_arg(normalized_shape, fn, "normalized_shape", 2)
    k = len(ns)
    if k == 0:
        raise ShapeMismatchError(
            "Expected normalized_shape to be at least 1-dimensional, i.e., containing at "
            f"least one element, but got normalized_shape = [] ({fn}: pass the trailing "
            f"sizes to normalize over, e.g. ({x.shape[-1] if x.ndim else 1},))"
        )
    if x.ndim < k or tuple(x.shape[-k:]) != ns:
        raise ShapeMismatchError(
            f"Given normalized_shape={list(ns)}, expected input with shape "
            f"[*, {', '.join(str(s) for s in ns)}], but got input of size{list(x.shape)} ({fn}: "
            f"expected input with trailing shape {ns} (normalized_shape), got input of shape "
            f"{x.shape})"
        )
    if x.dtype.kind != "f":
        raise TypeError(f"{fn}: expected a floating tensor, got dtype {x.dtype}")
    for name, p in params.items():
        if p is not None and tuple(p.shape) != ns:
            raise ValueError(f"{fn}: {name} must have shape {ns} (normalized_shape), got {p.shape}")  # fmt: skip
    return ns


def layer_norm(
    x: Tensor,
    normalized_shape: Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Layer normalization over the last ``len(normalized_shape)`` axes:
    ``y = (x - μ) / √(σ² + eps) ⊙ weight + bias`` with ``μ``, ``σ²`` (biased) per sample.

    Shapes: ``x (*, *normalized_shape)``, ``weight``/``bias`` ``normalized_shape`` → ``y`` like
    ``x``.

    >>> import deepgrad as dg
    >>> y = dg.functional.layer_norm(dg.tensor([[1.0, 2.0, 3.0]]), (3,))
    >>> dg.round(y.double(), decimals=4).tolist()
    [[-1.2247, 0.0, 1.2247]]
    """
    ns = _trailing_shape(x, normalized_shape, {"weight": weight, "bias": bias}, "layer_norm")
    refuse_mixed_dtypes("layer_norm", x, True, weight=weight, bias=bias)
    params = [p for p in (weight, bias) if p is not None]
    norm = LayerNorm(math.prod(ns), float(eps), weight is not None, bias is not None)
    wide = computed_in(x.dtype)  # float16 in float32, as PyTorch's half precision
    return astype(norm(*[astype(t, wide) for t in (x, *params)]), x.dtype)


def rms_norm(
    x: Tensor,
    normalized_shape: Sequence[int],
    weight: Tensor | None = None,
    eps: float | None = None,
) -> Tensor:
    """Root-mean-square normalization over the last ``len(normalized_shape)`` axes (PyTorch's
    ``F.rms_norm``): ``y = x / √(mean(x²) + eps) ⊙ weight``; ``eps`` defaults to the machine
    epsilon of ``x``'s dtype, as PyTorch's. Built from differentiable operations, so
    gradients of any order follow.

    >>> import deepgrad as dg
    >>> y = dg.functional.rms_norm(dg.tensor([[3.0, 4.0]]), (2,))
    >>> dg.round(y.double(), decimals=4).tolist()
    [[0.8485, 1.1314]]
    """
    ns = _trailing_shape(x, normalized_shape, {"weight": weight}, "rms_norm")
    e = float(numpy.finfo(x.dtype).eps) if eps is None else float(eps)
    dims = tuple(range(x.ndim - len(ns), x.ndim))
    y = x * ((x * x).mean(dim=dims, keepdim=True) + e).rsqrt()
    return y if weight is None else y * weight


# ---------------------------------------------------------------------------------------------
# batch norm
# ---------------------------------------------------------------------------------------------
class BatchNorm(Function):
    """Fused batch norm on ``x`` viewed as ``(N, C, L)``; optional ``weight``/``bias`` ``(C,)``.

    In training the statistics come from the batch (``batch_mean``/``batch_var`` are left on
    the node for the running averages); otherwise ``mean``/``var`` are the given arrays.
    """

    # the backward reads memory of the output (x̂, the output without an affine): a write into the
    # output afterwards is refused at backward, as PyTorch refuses one
    keep_output = True

    def __init__(
        self, training: bool, eps: float, has_w: bool, has_b: bool, mean: Any, var: Any
    ) -> None:
        self.training, self.eps, self.has_w, self.has_b = training, eps, has_w, has_b
        self.mean, self.var = mean, var

    def forward(self, x: Any, *params: Any) -> Any:
        xp = backend.xp
        c = x.shape[1]
        x3 = x.reshape(x.shape[0], c, math.prod(x.shape[2:]))  # no -1: N may be 0
        w = params[0][:, None] if self.has_w else None
        b = params[1 if self.has_w else 0][:, None] if self.has_b else None
        # in training x̂ is not stored: the output and the backward make it again from x
        # (RECOMPUTE_XHAT, _xhat_rows); in eval xc holds x − mean, then x̂
        again = RECOMPUTE_XHAT and self.training
        xc = None if again else xp.empty(x3.shape, x.dtype)
        if self.training:
            cnt = x3.shape[0] * x3.shape[2]
            pivot = x3[:1, :, :1]  # each channel's first value (see the module's notes)
            piv = xp.ascontiguousarray(pivot.reshape(-1))
            mu, var = _batch_stats(x3, piv, xc, cnt)
            if again:
                self.stats = (piv, mu.copy())  # the shift and the mean of x − piv
            if pivot.size:
                mu += piv
            self.batch_mean, self.batch_var = mu, var
        else:
            mu = xp.asarray(self.mean, dtype=x.dtype)
            var = xp.asarray(self.var, dtype=x.dtype)
            _rows(lambda i, j: xp.subtract(x3[i:j], mu[:, None], out=xc[i:j]), xc)
        rstd = 1.0 / xp.sqrt(var + self.eps)
        self.xhat, self.rstd = xc, rstd
        wv = params[0] if self.has_w else None
        bv = params[1 if self.has_w else 0] if self.has_b else None
        if again:
            y = xp.empty(x3.shape, x.dtype)
            pv, ms = self.stats

            def normalize(i: int, j: int) -> None:
                if kernels.batch_norm_normalize(x3[i:j], pv, ms, rstd, wv, bv, y[i:j]):
                    return
                _scale_shift_rows(_xhat_rows(x3, pv, ms, rstd, i, j), w, b, y[i:j])

            _rows(normalize, x3)
            return y.reshape(x.shape)
        y = xc if w is None and b is None else xp.empty_like(xc)

        def scale(i: int, j: int) -> None:
            if kernels.batch_norm_scale(xc[i:j], rstd, wv, bv, y[i:j]):
                return
            xs = xc[i:j]
            xs *= rstd[:, None]  # x̂
            if w is not None or b is not None:  # else y is xc: x̂ is the output
                _scale_shift_rows(xs, w, b, y[i:j])

        _rows(scale, xc)
        return y.reshape(x.shape)

    def backward(self, gy: Tensor) -> tuple:
        if is_grad_enabled():
            return self._backward_graph(gy)
        xp = backend.xp
        need = self.needs_input_grad
        inputs = self.inputs
        xhat, rstd = self.xhat, self.rstd
        again = xhat is None  # x̂ made again from x (the forward's RECOMPUTE_XHAT)
        if again:
            x = inputs[0]._data
            x3 = x.reshape(x.shape[0], x.shape[1], math.prod(x.shape[2:]))
            src, (pv, ms) = x3, self.stats
        else:
            src = xhat
        g3 = gy._data.reshape(src.shape)
        out: list[Any] = [None] * len(inputs)
        i = 1
        gsum = gxsum = buf = None
        if self.training or (self.has_b and need[-1]) or (self.has_w and need[1]):
            # Σ dL/dy and Σ dL/dy ⊙ x̂ per channel, in one pass
            gsum, gxsum = _grad_sums(g3, xhat) if not again else _grad_sums_x(g3, x3, pv, ms, rstd)
        if self.has_w:
            w = inputs[1]._data
            if need[1]:
                out[1] = _const(gxsum)
            i = 2
        if self.has_b and need[i]:
            out[i] = _const(gsum)
        if need[0]:
            scale = (rstd * w if self.has_w else rstd)[:, None]
            gx = xp.empty(src.shape, g3.dtype) if buf is None else buf
            if self.training:
                cnt = g3.shape[0] * g3.shape[2]
                a = (gsum * (1.0 / cnt))[:, None]
                c = (gxsum * (1.0 / cnt))[:, None]
                sv = scale[:, 0]

                def grad(i: int, j: int) -> None:
                    if again:
                        if kernels.batch_norm_grad_x(
                            x3[i:j], pv, ms, rstd, g3[i:j], c[:, 0], a[:, 0], sv, gx[i:j]
                        ):
                            return
                        xh = _xhat_rows(x3, pv, ms, rstd, i, j)
                    elif kernels.batch_norm_grad(xhat[i:j], g3[i:j], c[:, 0], a[:, 0], sv, gx[i:j]):
                        return
                    else:
                        xh = xhat[i:j]
                    gs = xp.multiply(xh, c, out=gx[i:j])
                    xp.subtract(g3[i:j], gs, out=gs)
                    gs -= a
                    gs *= scale

                _rows(grad, gx)
            else:  # PyTorch's: (gy · invstd) · w, invstd = 1/√(var + eps) in float64, rounded
                inv = (1.0 / xp.sqrt(self.var.astype(numpy.float64) + self.eps)).astype(g3.dtype)
                wv = w[:, None] if self.has_w else None

                def grad_eval(i: int, j: int) -> None:
                    gs = xp.multiply(g3[i:j], inv[:, None], out=gx[i:j])
                    if wv is not None:
                        gs *= wv

                _rows(grad_eval, gx)
            out[0] = _const(gx.reshape(inputs[0].shape))
        return tuple(out)

    def _backward_graph(self, gy: Tensor) -> tuple:
        """The same gradients from tensor operations (differentiable again)."""
        x = self.inputs[0]
        need = self.needs_input_grad
        n, c = x.shape[0], x.shape[1]
        x3 = reshape(x, (n, c, -1))
        if self.training:
            x3 = x3 - _const(x3._data[:1, :, :1])  # the forward's shift
            xc = x3 - mean(x3, (0, 2), keepdims=True)
            rstd = (mean(xc * xc, (0, 2), keepdims=True) + self.eps) ** -0.5
        else:
            xc = x3 - _const(self.mean.astype(x.dtype, copy=False).reshape(c, 1))
            rstd = _const(
                (1.0 / backend.xp.sqrt(self.var + self.eps)).astype(x.dtype).reshape(c, 1)
            )
        xhat = xc * rstd
        g3 = reshape(gy, x3.shape)
        out: list[Any] = [None] * len(self.inputs)
        i = 1
        g = g3
        if self.has_w:
            w = self.inputs[1]
            g = g3 * reshape(w, (c, 1))
            if need[1]:
                out[1] = tsum(g3 * xhat, (0, 2))
            i = 2
        if self.has_b and need[i]:
            out[i] = tsum(g3, (0, 2))
        if need[0]:
            if self.training:
                gx = g - mean(g, (0, 2), keepdims=True)
                gx = (gx - xhat * mean(g * xhat, (0, 2), keepdims=True)) * rstd
            else:
                gx = g * rstd
            out[0] = reshape(gx, x.shape)
        return tuple(out)


#: in training, batch norm keeps no x̂ (the size of its input): its output and its backward
#: make x̂ again from the input in their passes, the same operations in the same order (the
#: same numbers). That saves the forward a pass's writes (with an affine output two: the
#: centred copy and x̂; Intel Xeon, the batch-norm Fashion-MNIST recipe's training step 1.03x
#: at two threads, 1.04x at one; a (128, 32, 28, 28) forward 3.19 → 2.61 ms), and with an
#: affine output a tensor of the input's size held until the backward. Tests switch it off
#: to compare the two.
RECOMPUTE_XHAT = True

#: batch norm's elementwise passes run over the batch in blocks of at most this many
#: elements (per thread, :func:`~deepgrad.threads.parallel_chunks`), so that consecutive
#: passes find their block in cache
CACHE_BLOCK = 1 << 19


def _rows(fn: Any, a3: Any) -> None:
    """``fn(i, j)`` over the samples of ``a3 (N, C, L)``, split across deepgrad's worker
    threads and cache-sized blocks (each sample's values computed as in one call)."""
    parallel_chunks(fn, a3.shape[0], a3.size, CACHE_BLOCK)


#: lanes of :func:`_lane_sums` (a vector register of float32 on AVX-512)
LANES = 16


def _lane_sums(a: Any) -> Any:
    """Sums over the last axis of ``a (..., L)`` in a fixed order: lane ``j`` adds ``a[j],
    a[j + 16], …`` in turn to ``+0``, the 16 lanes are folded in halves (8, 4, 2, 1), then the
    ``L mod 16`` tail values are added in order (``L < 16``: all in order, from the first).
    The batch-norm kernels (:func:`deepgrad.kernels.batch_norm_shifted_sums` and the others)
    sum in this order, so the two forms give the same numbers; it is as accurate as a SIMD
    dot product (BLAS's GEMV, which summed these before, also adds in lanes).

    >>> import numpy as np
    >>> float(_lane_sums(np.arange(40, dtype=np.float32)))
    780.0
    """
    xp = backend.xp
    n = a.shape[-1]
    m = n // LANES
    if m == 0:
        if n == 0:
            return xp.zeros(a.shape[:-1], a.dtype)
        total = a[..., 0].copy()
        for t in range(1, n):
            total += a[..., t]
        return total
    v = a[..., : LANES * m].reshape(*a.shape[:-1], m, LANES)
    # NumPy reduces over an outer axis block by block, in order (its pairwise sum is for
    # the contiguous axis): each lane adds its values in turn (tests/test_kernels.py)
    acc = v.sum(axis=-2)
    half = LANES // 2
    while half:
        acc = acc[..., :half] + acc[..., half : 2 * half]
        half //= 2
    total = acc[..., 0]
    for t in range(LANES * m, n):
        total += a[..., t]
    return total


def _batch_stats(x3: Any, piv: Any, xc: Any, cnt: int) -> tuple[Any, Any]:
    """Batch norm's statistics in training, two passes over ``x3 (N, C, L)``: the mean of
    ``x − piv`` per channel, then ``xc ← (x − piv) − mean`` (kept for x̂; not written where
    ``xc`` is ``None``) and the mean of its squares. Row sums in :func:`_lane_sums`' order,
    then summed over the batch; one compiled pass each where numba is installed (the same
    numbers). Returns ``(mean of x − piv, biased variance)``, both ``(C,)``."""
    xp = backend.xp
    n, c = x3.shape[0], x3.shape[1]
    s1, s2 = xp.empty((n, c), x3.dtype), xp.empty((n, c), x3.dtype)
    p3 = piv[None, :, None]

    def shifted(i: int, j: int) -> None:
        if not kernels.batch_norm_shifted_sums(x3[i:j], piv, s1[i:j]):
            s1[i:j] = _lane_sums(x3[i:j] - p3)

    _rows(shifted, x3)
    mu = s1.sum(axis=0) * (1.0 / cnt)

    def center(i: int, j: int) -> None:
        if xc is None:  # the sums only (x̂ made again later)
            if kernels.batch_norm_dev_sums(x3[i:j], piv, mu, s2[i:j]):
                return
        elif kernels.batch_norm_center_sums(x3[i:j], piv, mu, xc[i:j], s2[i:j]):
            return
        xs = xp.subtract(x3[i:j], p3, out=None if xc is None else xc[i:j])
        xs -= mu[:, None]
        s2[i:j] = _lane_sums(xs * xs)

    _rows(center, x3)
    return mu, s2.sum(axis=0) * (1.0 / cnt)


def _scale_shift_rows(xs: Any, w: Any, b: Any, out: Any) -> None:
    """``out ← x̂ · w + b`` for rows ``x̂`` (``w``, ``b`` broadcast against them; either may be
    None: then that step is left out, and with neither ``out`` is a copy of ``x̂``)."""
    xp = backend.xp
    if w is not None:
        xp.multiply(xs, w, out=out)
        if b is not None:
            out += b
    elif b is not None:
        xp.add(xs, b, out=out)
    else:
        out[...] = xs


def _xhat_rows(x3: Any, piv: Any, mu: Any, rstd: Any, i: int, j: int) -> Any:
    """``x̂ = ((x − piv) − mu) · rstd`` for samples ``i..j`` of ``x3 (N, C, L)``: the
    operations that made the stored x̂ (``_batch_stats``' centring, then the scaling), in
    their order, so the same numbers."""
    xs = backend.xp.subtract(x3[i:j], piv[:, None])
    xs -= mu[:, None]
    xs *= rstd[:, None]
    return xs


def _grad_sums_x(g3: Any, x3: Any, piv: Any, mu: Any, rstd: Any) -> tuple[Any, Any]:
    """:func:`_grad_sums` with x̂ made again from ``x3`` (:func:`_xhat_rows`)."""
    xp = backend.xp
    n, c = g3.shape[0], g3.shape[1]
    sg, sgx = xp.empty((n, c), g3.dtype), xp.empty((n, c), g3.dtype)

    def sums(i: int, j: int) -> None:
        if not kernels.batch_norm_grad_sums_x(g3[i:j], x3[i:j], piv, mu, rstd, sg[i:j], sgx[i:j]):
            sg[i:j] = _lane_sums(g3[i:j])
            sgx[i:j] = _lane_sums(g3[i:j] * _xhat_rows(x3, piv, mu, rstd, i, j))

    _rows(sums, g3)
    return sg.sum(axis=0), sgx.sum(axis=0)


def _grad_sums(g3: Any, xhat: Any) -> tuple[Any, Any]:
    """``(Σ g, Σ g ⊙ x̂)`` per channel over ``(N, C, L)``: row sums in :func:`_lane_sums`'
    order, then over the batch; one compiled pass where numba is installed."""
    xp = backend.xp
    n, c = g3.shape[0], g3.shape[1]
    sg, sgx = xp.empty((n, c), g3.dtype), xp.empty((n, c), g3.dtype)

    def sums(i: int, j: int) -> None:
        if not kernels.batch_norm_grad_sums(g3[i:j], xhat[i:j], sg[i:j], sgx[i:j]):
            sg[i:j] = _lane_sums(g3[i:j])
            sgx[i:j] = _lane_sums(g3[i:j] * xhat[i:j])

    _rows(sums, g3)
    return sg.sum(axis=0), sgx.sum(axis=0)


def _iadd(a: Any, b: Any) -> Any:
    a += b
    return a


def batch_norm(
    x: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalization per channel (axis 1): ``y = (x - μ) / √(σ² + eps) ⊙ weight + bias``.

    In training ``μ``, ``σ²`` are the batch's mean and biased variance over every axis but 1,
    and the running statistics (when given) are updated in place as PyTorch does:
    ``running = (1 - momentum) · running + momentum · batch``, with the *unbiased* batch
    variance ``σ² · n / (n - 1)`` for ``running_var``. Outside training the running
    statistics normalize (they must be given).

    Shapes: ``x (N, C)``, ``(N, C, L)`` or ``(N, C, H, W)``; ``running_*``, ``weight``, ``bias``
    ``(C,)`` → ``y`` like ``x``.
    """
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected input (N, C, *), got shape {x.shape}")
    training = bool_arg(training, "batch_norm", "training", 6)
    if momentum is None:  # nn.BatchNorm's momentum=None (a cumulative average) is the layer's
        raise TypeError(
            "batch_norm: momentum must be a float, not None (as PyTorch's F.batch_norm; "
            "nn.BatchNorm*d(momentum=None) keeps a cumulative average)"
        )
    if x.dtype.kind != "f":
        raise TypeError(f"batch_norm: expected a floating tensor, got dtype {x.dtype}")
    refuse_mixed_dtypes("batch_norm", x, True, running_mean=running_mean,
                        running_var=running_var, weight=weight, bias=bias)  # fmt: skip
    c = x.shape[1]
    for name, t in (
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", weight),
        ("bias", bias),
    ):
        if t is not None and tuple(t.shape) != (c,):
            raise ShapeMismatchError(
                f"{name} should contain {c} elements not {t.numel()} (batch_norm: {name} must "
                f"have shape ({c},) for an input with {c} channels (axis 1 of {x.shape}), got "
                f"{t.shape})"
            )
    cnt = x._data.size // c if c else 0
    if training and cnt == 1:  # PyTorch's check (an empty batch passes: see below)
        raise ValueError(
            f"batch_norm: expected more than 1 value per channel when training, got input "
            f"of shape {x.shape}"
        )
    if not training and (running_mean is None or running_var is None):
        raise ValueError("batch_norm: running_mean and running_var are needed outside training")
    params = [p for p in (weight, bias) if p is not None]
    if training and cnt == 0:  # an empty batch: an empty output, statistics left as they are
        return _EmptyBatch(x.shape)(x, *params)
    # float16 in float32, as PyTorch's half precision (the running statistics stay float16
    # buffers, updated in place below)
    wide = computed_in(x.dtype)
    stats = (None, None) if training else (running_mean._data, running_var._data)
    fn = BatchNorm(training, float(eps), weight is not None, bias is not None,
                   *(None if a is None else a.astype(wide, copy=False) for a in stats))  # fmt: skip
    y = astype(fn(astype(x, wide), *[astype(p, wide) for p in params]), x.dtype)
    if training and momentum is not None:
        m = float(momentum)
        with backend.quiet():  # statistics of an infinite batch: inf/NaN, as PyTorch's
            if running_mean is not None:
                rm = running_mean._data
                rm *= 1.0 - m
                rm += (m * fn.batch_mean).astype(rm.dtype, copy=False)
            if running_var is not None:
                rv = running_var._data
                rv *= 1.0 - m
                rv += (fn.batch_var * (m * cnt / (cnt - 1))).astype(rv.dtype, copy=False)
    return y


# ---------------------------------------------------------------------------------------------
# group norm and instance norm
# ---------------------------------------------------------------------------------------------
def _affine(y: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:
    """``y ⊙ weight + bias`` with ``weight``/``bias`` ``(C,)`` broadcast over axis 1 of ``y``."""
    shape = (y.shape[1],) + (1,) * (y.ndim - 2)
    if weight is not None:
        y = y * reshape(weight, shape)
    if bias is not None:
        y = y + reshape(bias, shape)
    return y


def _check_channel_params(fn: str, x: Tensor, **params: Tensor | None) -> None:
    c = x.shape[1]
    for name, t in params.items():
        if t is not None and not isinstance(t, Tensor):
            raise tensor_needed(fn, name, t)
        if t is not None and tuple(t.shape) != (c,):
            raise ShapeMismatchError(
                f"{name} should contain {c} elements not {t.numel()} ({fn}: {name} must have "
                f"shape ({c},) for an input with {c} channels (axis 1 of {x.shape}), got "
                f"{t.shape})"
            )


def group_norm(
    x: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Group normalization (Wu & He 2018): the channels are split into ``num_groups`` groups
    and each sample's group is normalized by its own statistics,
    ``y = (x - μ_ng) / √(σ²_ng + eps) ⊙ weight_c + bias_c`` (biased variance ``σ²`` over the
    group's channels and spatial positions), the same in training and eval.

    Shapes: ``x (N, C, *)`` with ``C`` divisible by ``num_groups``; ``weight``, ``bias``
    ``(C,)`` → ``y`` like ``x``. ``num_groups=1`` normalizes each sample as a whole (layer
    norm over ``(C, *)``), ``num_groups=C`` each channel alone (instance norm).
    """
    fn = "group_norm"
    if x.ndim < 2:
        raise ValueError(
            f"{fn}: expected input (N, C, *) with at least 2 dims, got shape {x.shape}"
        )
    if x.dtype.kind != "f":
        raise TypeError(f"{fn}: expected a floating tensor, got dtype {x.dtype}")
    refuse_mixed_dtypes(fn, x, True, weight=weight, bias=bias)
    num_groups = int_arg(num_groups, fn, "num_groups", 2)
    if num_groups <= 0:
        raise ValueError(f"{fn}: num_groups must be a positive int, got {num_groups!r}")
    n, c = x.shape[0], x.shape[1]
    if c % num_groups:
        raise ShapeMismatchError(
            f"Expected number of channels in input to be divisible by num_groups, but got input "
            f"of shape {list(x.shape)} and num_groups={num_groups}; "
            f"{fn}: expected the number of channels to be divisible by num_groups, got input "
            f"of shape {x.shape} ({c} channels) and num_groups={num_groups}"
        )
    _check_channel_params(fn, x, weight=weight, bias=bias)
    spatial = math.prod(x.shape[2:])
    if n * (c // num_groups) * spatial == 1:  # PyTorch's check, word for word
        raise ValueError(
            f"{fn}: expected more than 1 value per channel when training, got input of shape "
            f"{x.shape}"
        )
    per_group = (c // num_groups) * spatial
    xh = layer_norm(reshape(x, (n, num_groups, per_group)), (per_group,), eps=eps)
    return _affine(reshape(xh, x.shape), weight, bias)


def instance_norm(
    x: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Instance normalization (Ulyanov et al. 2016): each sample's channel is normalized by
    its own statistics over the spatial axes,
    ``y = (x - μ_nc) / √(σ²_nc + eps) ⊙ weight_c + bias_c`` (biased variance).

    With ``use_input_stats`` (the default) the running statistics, when given, move as
    PyTorch's do: ``running = (1 - momentum) · running + momentum · mean_n(stat_nc)`` with
    the unbiased variance ``σ² · L / (L - 1)`` (``L`` spatial positions); otherwise the running
    statistics normalize (they must be given).

    Shapes: ``x (N, C, *)``; ``running_*``, ``weight``, ``bias`` ``(C,)`` → ``y`` like ``x``.
    """
    fn = "instance_norm"
    use_input_stats = bool_arg(use_input_stats, fn, "use_input_stats", 6)
    if momentum is None:  # as PyTorch's F.instance_norm (the layers pass a float)
        raise TypeError(f"{fn}: momentum must be a float, not None (as PyTorch's)")
    if x.ndim < 2:
        raise ValueError(
            f"{fn}: expected input (N, C, *) with at least 2 dims, got shape {x.shape}"
        )
    if x.dtype.kind != "f":
        raise TypeError(f"{fn}: expected a floating tensor, got dtype {x.dtype}")
    _check_channel_params(
        fn, x, running_mean=running_mean, running_var=running_var, weight=weight, bias=bias
    )
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ValueError(
                f"{fn}: running_mean and running_var are needed when use_input_stats=False"
            )
        return batch_norm(x, running_mean, running_var, weight, bias, False, momentum, eps)
    n, c = x.shape[0], x.shape[1]
    spatial = math.prod(x.shape[2:])
    if spatial <= 1:
        raise ValueError(
            f"{fn}: expected more than 1 spatial element when training (statistics per sample "
            f"and channel), got input of shape {x.shape}"
        )
    xh = layer_norm(reshape(x, (n, c, spatial)), (spatial,), eps=eps)
    if n and (running_mean is not None or running_var is not None):  # empty batch: unchanged
        x3 = x._data.reshape(n, c, spatial)
        m = float(momentum)
        for run, stat in (
            (running_mean, lambda: x3.mean(axis=2)),
            (running_var, lambda: x3.var(axis=2, ddof=1)),
        ):
            if run is not None:
                r = run._data
                with backend.quiet():  # statistics of an infinite input: inf/NaN, silently
                    r *= 1.0 - m
                    r += (m * stat().mean(axis=0)).astype(r.dtype, copy=False)
    return _affine(reshape(xh, x.shape), weight, bias)


# ---------------------------------------------------------------------------------------------
# vectors along one axis: normalize, cosine similarity, pairwise distance
# ---------------------------------------------------------------------------------------------
def _clamp_shift(d: Any, lo: float) -> Any:
    """``max(d, lo) - d``, 0 where ``d`` is not below ``lo`` (an infinite norm stays infinite:
    ``inf - inf`` would make it NaN)."""
    low = d.dtype.type(lo)
    if low != low:  # a NaN bound: NaN everywhere, as PyTorch's clamp gives
        return backend.xp.full_like(d, low)
    return backend.xp.where(d < low, low - d, d.dtype.type(0))


def _clamp_min_straight_through(t: Tensor, lo: float) -> Tensor:
    """``max(t, lo)`` in value, with the gradient of ``t`` itself (identity even where
    clamped): PyTorch clamps a copy under ``no_grad`` in ``cosine_similarity`` and
    ``gaussian_nll_loss``, and this reproduces its gradients."""
    d = t._data
    shift = backend.silently(_clamp_shift, d, lo)  # inf - inf = nan, silently
    return t + Tensor._from_op(shift, None, 0)


def _broadcast_shape(fn: str, *tensors: Tensor) -> tuple[int, ...]:
    try:
        return tuple(numpy.broadcast_shapes(*(t.shape for t in tensors)))
    except ValueError:
        shapes = " and ".join(str(t.shape) for t in tensors)
        raise ShapeMismatchError(
            f"{broadcast_words(*(t.shape for t in tensors))} ({fn}: input shapes {shapes} do not "
            "broadcast together)"
        ) from None


@torch_names
def normalize(
    x: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Any = None
) -> Tensor:
    """``x`` divided by its ``p``-norm along ``dim``: ``y = x / max(‖x‖_p, eps)`` (PyTorch's
    ``F.normalize``; rows of ``(N, D)`` by default). The gradient through the clamp is 0
    where ``‖x‖_p < eps``. PyTorch's ``out=`` is refused (use the returned tensor).

    Shapes: any with ``ndim ≥ 1`` (``dim`` in range) → the same.
    """
    if out is not None:
        raise TypeError(
            "normalize: out= is not supported by deepgrad (results are new tensors); "
            "assign the result instead: y = F.normalize(x, p, dim)"
        )
    if dim is not None:  # PyTorch's dim=None: the norm of every element
        dim = int_arg(dim, "normalize", "dim")
        if not -max(x.ndim, 1) <= dim < max(x.ndim, 1):
            raise dim_error("normalize", dim, x.ndim)
    denom = clip(norm(x, p, dim, keepdim=True), eps, None)
    return x / denom


@torch_names
def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim``:
    ``Σ (x1 / max(‖x1‖, eps)) ⊙ (x2 / max(‖x2‖, eps))`` — each side divided by its own norm
    first, as PyTorch does (stable, and in [-1, 1]); the clamp passes gradients through as
    PyTorch's does.

    Shapes: ``x1``, ``x2`` broadcasting to a common shape → that shape without ``dim``.
    """
    fn = "cosine_similarity"
    kinds = [numpy.dtype(getattr(x, "dtype", numpy.float64)) for x in (x1, x2)]
    if any(k.kind == "c" for k in kinds):  # PyTorch's: Σ x1·x2 and Σ x1·conj(x2) differ
        common = kernel_dtype_name(numpy.result_type(*kinds))
        raise RuntimeError(
            f"expected common dtype to be floating point, yet common dtype is {common} "
            f"(cosine_similarity: got {kinds[0]} and {kinds[1]}; compare real tensors, e.g. "
            "dg.view_as_real(x).flatten(-2))"
        )
    shape = _broadcast_shape(fn, x1, x2)
    nd = len(shape)
    if not -max(nd, 1) <= dim < max(nd, 1):
        raise dim_error(fn, dim, nd, f"inputs of shape {shape}")
    x1, x2 = broadcast_to(x1, shape), broadcast_to(x2, shape)
    n1 = _clamp_min_straight_through(norm(x1, 2, dim, keepdim=True), eps)
    n2 = _clamp_min_straight_through(norm(x2, 2, dim, keepdim=True), eps)
    return tsum((x1 / n1) * (x2 / n2), dim)


@torch_names
def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """``p``-norm distance between matching rows: ``‖x1 - x2 + eps‖_p`` over the last axis
    (``eps`` keeps the gradient defined where the rows coincide), as PyTorch's.

    Shapes: ``x1 (N, D)``, ``x2 (N, D)`` (or ``(D,)``; broadcasting) → ``(N,)`` (``(N, 1)``
    with ``keepdim``).
    """
    shape = _broadcast_shape("pairwise_distance", x1, x2)
    return norm(x1 - x2 + eps, p, max(len(shape) - 1, 0), keepdim)


# ---------------------------------------------------------------------------------------------
# local response normalization (AlexNet's)
# ---------------------------------------------------------------------------------------------
def local_response_norm(
    x: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
) -> Tensor:
    """Normalization across neighbouring channels (AlexNet's, PyTorch's
    ``F.local_response_norm``):

        y[n, c] = x[n, c] / (k + α/size · Σ_{c' = c - ⌊size/2⌋}^{c + ⌈size/2⌉ - 1} x[n, c']²)^β

    (channels outside ``[0, C)`` count as 0; the average always divides by ``size``).

    Shapes: ``(N, C, *)`` with at least 3 dims → the same.
    """
    refuse_kernel_dtype(x, "local_response_norm", "c", "avg_pool2d")
    if x.ndim < 3:
        raise ValueError(
            f"local_response_norm: expected 3D or higher dimensionality input (N, C, *), got "
            f"shape {x.shape}"
        )
    size = int_arg(size, "local_response_norm", "size", 2)
    if size < 1:
        raise ValueError(f"local_response_norm: size must be a positive int, got {size!r}")
    if x.numel() == 0:
        return x
    C = x.shape[1]
    sq = pad(x * x, ((0, 0), (size // 2, (size - 1) // 2)) + ((0, 0),) * (x.ndim - 2))
    window = sq[:, 0:C]
    for j in range(1, size):
        window = window + sq[:, j : j + C]
    return x / (window * (alpha / size) + k) ** beta
