"""Resizing images, volumes and sequences: ``interpolate`` (nearest, nearest-exact, linear,
bilinear, trilinear, bicubic, area), as PyTorch.

Every mode is a linear map applied separably, one per spatial axis:
``y = A_h @ x @ A_wᵀ`` with ``A (out, in)`` an interpolation matrix (for a volume, one more
along the depth axis), so the gradient is ``A_hᵀ @ gy @ A_w`` (and the second derivative
exists) through ``matmul``. An input holding NaN or ±inf is mapped tap by tap instead
(:func:`along_axis`): output ``i`` of an axis is ``Σ_t w_t[i] · x[idx_t[i]]`` over
PyTorch's taps (1 for nearest, 2 for linear, 4 for bicubic, the window for area), so a NaN
reaches only the outputs whose taps read it, as in PyTorch (a matrix row's zeros times a
NaN made whole rows NaN); a tap of weight 0 on an inf gives NaN, which PyTorch's 2-D kernel
gives at some such places and not at others.

* ``nearest``: output index ``i`` copies input ``min(⌊i·scale⌋, in - 1)`` with
  ``scale = in/out`` (or ``1/scale_factor`` when a scale factor is given). An integer scale
  factor is a plain repeat (broadcast + reshape; its gradient sums each block).
  ``nearest-exact`` reads ``min(⌊(i + ½)·scale⌋, in - 1)`` (pixel centres; PIL's rule).
* ``linear``/``bilinear``/``trilinear``: source coordinate ``src = i·(in-1)/(out-1)`` with
  ``align_corners=True``, else ``max((i + ½)·scale - ½, 0)``; output ``i`` mixes inputs
  ``⌊src⌋`` and ``⌊src⌋ + 1`` with weights ``1 - λ`` and ``λ = src - ⌊src⌋``.
* ``bicubic`` (4-D): the same source coordinate without the clamp at 0, and Keys' cubic
  convolution with ``A = -0.75`` over inputs ``⌊src⌋ - 1 … ⌊src⌋ + 2`` (indices clamped to
  the border): weights ``c₂(t + 1), c₁(t), c₁(1 - t), c₂(2 - t)``, ``t = src - ⌊src⌋``,
  ``c₁(x) = ((A + 2)x - (A + 3))x² + 1``, ``c₂(x) = ((Ax - 5A)x + 8A)x - 4A``.
* ``area``: adaptive average pooling: output ``i`` averages inputs
  ``⌊i·in/out⌋ … ⌈(i + 1)·in/out⌉ - 1``.
* ``antialias=True`` (``bilinear``, ``bicubic``, ``lanczos``; 4-D): PIL's resampling, as
  PyTorch's: with ``scale = in/out`` (``(in - 1)/(out - 1)`` with ``align_corners``, or
  ``1/scale_factor``), ``s = max(scale, 1)`` and a filter of support ``r`` (1 triangle,
  2 Keys' cubic with ``A = -0.5``, 3 Lanczos-3 ``sinc(x)·sinc(x/3)``), output ``i`` centred at
  ``c = scale·(i + ½)`` reads inputs ``j ∈ [⌊c - r·s + ½⌋, ⌊c + r·s + ½⌋)`` (inside the axis)
  with weights ``f((j - c + ½)/s)`` normalized to sum 1: a downsampling filter as wide as the
  scale, so every input pixel counts (without it, one in ``scale`` does). ``lanczos``
  exists only with ``antialias=True`` (PyTorch's rule).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy

from .. import backend
from .._errors import ChoiceNotImplementedError, ValueRangeError, bool_arg, ints_arg
from ..tensor import Tensor
from .elementwise import where
from .half_math import in_float32
from .linalg import matmul
from .shape import broadcast_to, index_select, reshape


def axis_matrix(n_in: int, n_out: int, mode: str, align_corners: bool, scale_factor: float | None,
            bc: bool = False) -> numpy.ndarray:  # fmt: skip
    """The ``(n_out, n_in)`` interpolation matrix of one axis. ``bc``: PyTorch's 2-D
    ``nearest`` kernel (its ``nearest_idx``) copies rows as they are when ``n_out == n_in`` and
    reads row ``i // 2`` when ``n_out == 2·n_in``, whatever scale factor was given; its 1-D and
    3-D kernels apply the scale factor."""
    m = numpy.zeros((n_out, n_in))
    rows = numpy.arange(n_out)
    if n_out == 0:
        return m
    if n_out == n_in and mode in ("linear", "bilinear", "trilinear"):
        # PyTorch's linear kernels copy an axis whose size is kept, whatever the scale factor
        m[rows, rows] = 1.0
        return m
    scale = 1.0 / scale_factor if scale_factor else n_in / n_out
    if mode in ("nearest", "nearest-exact"):
        f32 = numpy.float32
        pos = rows.astype(f32) + (f32(0.5) if mode == "nearest-exact" else f32(0))
        src = numpy.minimum(numpy.floor(pos * f32(scale)).astype(int), n_in - 1)
        if bc and mode == "nearest" and n_out in (n_in, 2 * n_in):
            src = rows if n_out == n_in else rows // 2
        m[rows, src] = 1.0
    elif mode == "area":
        idx, _, (inside, size) = area_taps(n_in, n_out)
        r, t = numpy.nonzero(inside)
        m[r, idx[r, t]] = 1.0 / size[r]
    else:
        if align_corners:
            s = rows * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
        else:
            s = (rows + 0.5) * scale - 0.5
            if mode != "bicubic":
                s = numpy.maximum(s, 0.0)
        i0 = numpy.floor(s).astype(int)
        lam = s - i0
        if mode == "bicubic":
            a = -0.75
            taps = [(-1, cubic_conv2(lam + 1, a)), (0, cubic_conv1(lam, a)), (1, cubic_conv1(1 - lam, a)),
                    (2, cubic_conv2(2 - lam, a))]  # fmt: skip
            for off, w in taps:
                numpy.add.at(m, (rows, numpy.clip(i0 + off, 0, n_in - 1)), w)
        else:
            i0 = numpy.minimum(i0, n_in - 1)
            i1 = numpy.minimum(i0 + 1, n_in - 1)
            lam = s - i0
            numpy.add.at(m, (rows, i0), 1.0 - lam)
            numpy.add.at(m, (rows, i1), lam)
    return m


def _bicubic_taps(n_in: int, n_out: int, align: bool, scale_factor: float | None) -> tuple:
    """Bicubic's four taps per output, as PyTorch reads them: inputs ``⌊src⌋ - 1 … ⌊src⌋ + 2``
    clamped to the border (repeated there, not merged), Keys' weights (see the module)."""
    rows = numpy.arange(n_out)
    if align:
        s = rows * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    else:
        s = (rows + 0.5) * (1.0 / scale_factor if scale_factor else n_in / n_out) - 0.5
    i0 = numpy.floor(s).astype(int)
    lam = s - i0
    a = -0.75
    ws = [
        cubic_conv2(lam + 1, a),
        cubic_conv1(lam, a),
        cubic_conv1(1 - lam, a),
        cubic_conv2(2 - lam, a),
    ]
    idx = numpy.stack([numpy.clip(i0 + off, 0, n_in - 1) for off in (-1, 0, 1, 2)], axis=1)
    return idx, numpy.stack(ws, axis=1), None


#: antialiased modes: (filter support r, the filter)
_AA_FILTERS = {
    "bilinear": (1, lambda x: numpy.maximum(1.0 - numpy.abs(x), 0.0)),
    "bicubic": (2, lambda x: _keys(numpy.abs(x), -0.5)),
    "lanczos": (3, lambda x: numpy.where(numpy.abs(x) < 3, numpy.sinc(x) * numpy.sinc(x / 3), 0.0)),
}


def _keys(x: numpy.ndarray, a: float) -> numpy.ndarray:
    """Keys' cubic convolution kernel at ``|t| = x``: ``c₁`` below 1, ``c₂`` below 2, else 0."""
    return numpy.where(x < 1, cubic_conv1(x, a), numpy.where(x < 2, cubic_conv2(x, a), 0.0))


def aa_taps(n_in: int, n_out: int, mode: str, align: bool, scale_factor: float | None) -> tuple:
    """The antialiased taps of one axis (see the module): ``idx (n_out, K)`` over each output's
    window (padded by repeating its last position), the normalized weights ``w`` (0 on the
    padding) and ``(inside, ones)``: the window mask, for :func:`along_axis`."""
    support, f = _AA_FILTERS[mode]
    if align:
        scale = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    else:
        scale = 1.0 / scale_factor if scale_factor else n_in / n_out
    s = max(scale, 1.0)
    rows = numpy.arange(n_out)
    center = scale * (rows + 0.5)
    lo = numpy.maximum((center - support * s + 0.5).astype(int), 0)
    hi = numpy.minimum((center + support * s + 0.5).astype(int), n_in)
    k = max(1, int((hi - lo).max())) if n_out else 1
    pos = lo[:, None] + numpy.arange(k)
    inside = pos < hi[:, None]
    w = numpy.where(inside, f((pos - center[:, None] + 0.5) / s), 0.0)
    total = w.sum(axis=1, keepdims=True)
    w = numpy.divide(w, total, out=numpy.zeros_like(w), where=total != 0)
    idx = numpy.minimum(pos, numpy.maximum(hi, 1)[:, None] - 1)
    return idx, w, (inside, numpy.ones(n_out))


def _aa_matrix(taps: tuple, n_in: int) -> numpy.ndarray:
    """The ``(n_out, n_in)`` matrix of :func:`aa_taps`' weights."""
    idx, w, (inside, _) = taps
    m = numpy.zeros((idx.shape[0], n_in))
    r, t = numpy.nonzero(inside)
    numpy.add.at(m, (r, idx[r, t]), w[r, t])
    return m


def all_finite(a: Any) -> bool:
    """Whether array ``a`` holds no NaN nor ±inf, from its sum (one pass, no temporary; a sum
    that overflows says no: the caller's exact path for non-finite values then runs)."""
    with numpy.errstate(invalid="ignore", over="ignore"):  # inf + -inf: NaN, said quietly
        return bool(backend.xp.isfinite(a.sum()))


def area_taps(n_in: int, n_out: int) -> tuple:
    """Adaptive pooling's taps along one axis (``mode="area"``): each output's window
    ``[⌊i·n_in/n_out⌋, ⌈(i+1)·n_in/n_out⌉)`` as ``idx (n_out, k)``, padded to the longest by
    repeating its last position, the mask of the positions not padded, and the window sizes
    (for :func:`along_axis`; adaptive max pooling reads ``idx`` alone)."""
    rows = numpy.arange(n_out)
    start = (rows * n_in) // n_out
    end = -((-(rows + 1) * n_in) // n_out)
    k = int((end - start).max()) if n_out else 0
    pos = start[:, None] + numpy.arange(k)
    return numpy.minimum(pos, end[:, None] - 1), None, (pos < end[:, None], end - start)


def _taps(m: numpy.ndarray, mode: str) -> tuple[numpy.ndarray, numpy.ndarray | None, Any]:
    """The taps of one axis's interpolation matrix ``m (out, in)``: ``idx (out, T)`` and the
    weights ``w (out, T)`` (``None`` where every weight is 1), and for ``area`` the window
    mask ``(out, T)`` and sizes ``(out,)`` (``w`` None: sums, divided by the sizes). Linear
    modes read both neighbours even where one's weight is 0 (PyTorch's kernels do: a NaN
    there gives NaN); bicubic its four clamped taps (``axis_matrix`` summed repeated ones)."""
    n_out, n_in = m.shape
    if mode == "area":
        return area_taps(n_in, n_out)
    if mode in ("nearest", "nearest-exact"):
        return m.argmax(axis=1)[:, None], None, None
    nz = m != 0
    t = max(1, int(nz.sum(axis=1).max())) if n_out else 1
    idx = numpy.zeros((n_out, t), int)
    w = numpy.zeros((n_out, t))
    for i in range(n_out):  # over output positions of one axis, not pixels
        cols = numpy.flatnonzero(nz[i])
        idx[i, : cols.size], w[i, : cols.size] = cols, m[i, cols]
        # the rest read with weight 0: the next neighbour (PyTorch's linear kernels read it
        # where its weight is 0), else the last tap again
        idx[i, cols.size :] = min(cols[-1] + 1, n_in - 1) if t == 2 else cols[-1]
    return idx, w, None


def along_axis(y: Tensor, axis: int, taps: tuple) -> Tensor:
    """Axis ``axis`` of ``y`` mapped tap by tap (``taps`` from :func:`_taps` or
    :func:`_bicubic_taps`)."""
    idx, w, area = taps
    shape = [1] * y.ndim
    shape[axis] = idx.shape[0]
    out = None
    for t in range(idx.shape[1]):
        v = index_select(y, axis, backend.xp.asarray(idx[:, t]))
        if area is not None and not area[0][:, t].all():
            keep = backend.xp.asarray(area[0][:, t].reshape(shape))
            v = where(keep, v, Tensor._from_op(backend.xp.zeros((), y._data.dtype), None, 0))
        if w is not None:
            v = v * _const(w[:, t].reshape(shape), y)
        out = v if out is None else out + v
    if area is not None:
        out = out / _const(area[1].reshape(shape).astype(float), y)
    return out


def cubic_conv1(x: Any, a: float) -> Any:
    """Keys' cubic convolution kernel on ``|t| < 1``: ``((A + 2)x - (A + 3))x² + 1`` (arrays
    or Tensors: grid_sample's bicubic weights carry the grid's gradient through it)."""
    return ((a + 2) * x - (a + 3)) * x * x + 1


def cubic_conv2(x: Any, a: float) -> Any:
    """Keys' cubic convolution kernel on ``1 ≤ |t| < 2``: ``((Ax - 5A)x + 8A)x - 4A``."""
    return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a


#: the linear mode of each number of spatial axes, and the modes of any
_LINEAR = {1: "linear", 2: "bilinear", 3: "trilinear"}
_ANY = ("nearest", "nearest-exact", "area")


def interpolate(
    x: Tensor,
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize ``x (N, C, L)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)`` to ``size`` or by
    ``scale_factor``.

    Parameters
    ----------
    size : output spatial size (an int for every axis, or one per axis)
    scale_factor : multiplier(s) of the spatial size (output ``⌊in · scale⌋``)
    mode : ``"nearest"``, ``"nearest-exact"``, ``"area"``, ``"linear"`` (3-D input),
        ``"bilinear"`` or ``"bicubic"`` (4-D input), ``"trilinear"`` (5-D input),
        ``"lanczos"`` (4-D input, with ``antialias=True``)
    align_corners : for linear modes: map the corner pixels' centres onto each other
        (``True``) or the corners' edges (``False``, the default)
    recompute_scale_factor : with ``scale_factor``, ``True`` maps coordinates by the
        output/input size ratio instead of ``scale_factor`` itself (PyTorch's meaning)
    antialias : PIL's anti-aliased resampling (``bilinear``, ``bicubic``, ``lanczos``, 4-D
        input; see the module): downsampling averages over the whole footprint

    Returns
    -------
    ``(N, C, *size)``.
    """
    fn = "interpolate"
    if isinstance(x, Tensor) and x._data.dtype == numpy.float16:
        # PyTorch's kernels weigh float16 in float32 and round once (per axis here it rounded
        # after every axis: ~2x PyTorch's error for bilinear), and their backward adds each
        # pixel's shares in float32 (nearest's too)
        return in_float32(interpolate, (x,), size, scale_factor, mode, align_corners,
                          recompute_scale_factor, antialias)  # fmt: skip
    if not isinstance(x, Tensor) or x.ndim not in (3, 4, 5):
        raise ValueError(
            f"{fn}: expected a 3-D (N, C, L), 4-D (N, C, H, W) or 5-D (N, C, D, H, W) input, "
            f"got shape {getattr(x, 'shape', type(x).__name__)}"
        )
    nd = x.ndim - 2
    allowed = {*_ANY, _LINEAR[nd], *(("bicubic", "lanczos") if nd == 2 else ())}
    if mode not in allowed:
        # PyTorch's NotImplementedError (also the ValueError deepgrad raised before)
        raise ChoiceNotImplementedError(
            f"{fn}: mode {mode!r} is not supported for a {x.ndim}-D input of shape {x.shape}; "
            f"expected one of {sorted(allowed)}"
        )
    if mode in _ANY and align_corners is not None:
        raise ValueError(
            f"{fn}: align_corners can only be set with a linear or bicubic mode (got mode {mode!r})"
        )
    # PyTorch's upsample kernels take a Python bool (align_corners=1 is their TypeError)
    align = False if align_corners is None else bool_arg(align_corners, fn, "align_corners")
    antialias = bool_arg(antialias, fn, "antialias")
    if antialias and mode not in _AA_FILTERS:
        raise ValueError(
            "Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and "
            f"requires a 4-D tensor as input ({fn}: got mode {mode!r}, a {x.ndim}-D input)"
        )
    if mode == "lanczos" and align:
        raise ValueError(f"Lanczos mode does not support align_corners=True ({fn})")
    if mode == "lanczos" and not antialias:
        raise ValueError(f"Lanczos mode requires antialias=True ({fn})")
    if recompute_scale_factor and size is not None:
        raise ValueError(
            f"{fn}: recompute_scale_factor is not meaningful with an explicit size (as PyTorch)"
        )
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{fn}: give exactly one of size and scale_factor")
    in_sizes = x.shape[2:]
    factors: tuple[float | None, ...]
    if size is not None:
        sizes = ints_arg(size, fn, "size")  # 2.5 or True refused, as PyTorch's, not truncated
        if len(sizes) == 1 and not isinstance(size, (tuple, list)):
            sizes *= nd
        factors = (None,) * nd
    else:
        factors = (
            (float(scale_factor),) * nd  # type: ignore[arg-type]
            if isinstance(scale_factor, (int, float))
            else tuple(float(f) for f in scale_factor)  # type: ignore[union-attr]
        )
        if len(factors) != nd or min(factors) <= 0:  # type: ignore[type-var]
            raise ValueRangeError(
                f"{fn}: expected {nd} positive scale factor(s), got {scale_factor!r}"
            )
        sizes = tuple(math.floor(n * f) for n, f in zip(in_sizes, factors))  # type: ignore[operator]
        if recompute_scale_factor:
            factors = (None,) * nd  # map by the sizes, as an explicit size does
    # "area" is adaptive average pooling, which PyTorch lets give an empty output
    if len(sizes) != nd or min(sizes) < (0 if mode == "area" else 1):
        raise ValueRangeError(f"{fn}: expected {nd} positive output size(s), got {sizes}")

    N, C = x.shape[:2]
    # nearest with integer factors: a repeat of every pixel
    if mode == "nearest" and all(o % n == 0 for o, n in zip(sizes, in_sizes)):
        reps = [o // n for o, n in zip(sizes, in_sizes)]
        if all(f is None or f == r for f, r in zip(factors, reps)):
            expanded = [N, C]
            for n in in_sizes:
                expanded += [n, 1]
            full = [N, C]
            for n, r in zip(in_sizes, reps):
                full += [n, r]
            y = broadcast_to(reshape(x, tuple(expanded)), tuple(full))
            return reshape(y, (N, C, *sizes))

    # the last axis first, then the height and the depth; an identity map is skipped
    y = x
    if antialias:
        return _antialiased(x, in_sizes, sizes, mode, align, factors)
    if min(sizes) > 0 and not all_finite(x._data):  # tap by tap: a NaN or inf stays local
        for k in range(nd - 1, -1, -1):
            if mode == "bicubic":  # never skipped: PyTorch reads the four taps at any size
                taps = _bicubic_taps(in_sizes[k], sizes[k], align, factors[k])
            else:
                m = axis_matrix(in_sizes[k], sizes[k], mode, align, factors[k], nd == 2 and k < 2)
                if _is_identity(m):
                    continue
                taps = _taps(m, mode)
            y = along_axis(y, 2 + k, taps)
        return y
    # finite values: the matrices (one GEMM an axis, 17-33x faster than the gathers)
    mw = axis_matrix(in_sizes[-1], sizes[-1], mode, align, factors[-1], nd == 2)
    if not _is_identity(mw):
        y = matmul(y, _const(mw.T, x))
    if nd >= 2:
        mh = axis_matrix(in_sizes[-2], sizes[-2], mode, align, factors[-2], nd == 2)
        if not _is_identity(mh):
            y = matmul(_const(mh, x), y)
    if nd == 3:
        md = axis_matrix(in_sizes[0], sizes[0], mode, align, factors[0])
        if not _is_identity(md):
            d, h, w = y.shape[2:]
            y = reshape(matmul(_const(md, x), reshape(y, (N, C, d, h * w))), (N, C, sizes[0], h, w))
    return y


def _antialiased(x: Tensor, in_sizes: tuple, sizes: tuple, mode: str, align: bool,
                 factors: tuple) -> Tensor:  # fmt: skip
    """:func:`interpolate` with ``antialias=True`` (4-D): the width's taps, then the height's,
    as two matrix products, or tap by tap where ``x`` holds NaN or ±inf (PyTorch reads each
    output's window, weights of 0 included)."""
    y = x
    local = min(sizes) > 0 and not all_finite(x._data)
    for k in (1, 0):
        taps = aa_taps(in_sizes[k], sizes[k], mode, align, factors[k])
        if local:
            y = along_axis(y, 2 + k, taps)
            continue
        m = _aa_matrix(taps, in_sizes[k])
        if _is_identity(m):
            continue
        y = matmul(y, _const(m.T, x)) if k == 1 else matmul(_const(m, x), y)
    return y


def upsample(
    input: Tensor,  # noqa: A002 - PyTorch's name
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
) -> Tensor:
    """PyTorch's deprecated ``F.upsample``: a warning, then
    ``interpolate(input, size, scale_factor, mode, align_corners)``."""
    warnings.warn(
        "`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_bilinear(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:  # noqa: A002
    """PyTorch's deprecated ``F.upsample_bilinear``: a warning, then
    ``interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)``."""
    warnings.warn(
        "`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def upsample_nearest(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:  # noqa: A002
    """PyTorch's deprecated ``F.upsample_nearest``: a warning, then
    ``interpolate(input, size, scale_factor, mode="nearest")``."""
    warnings.warn(
        "`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode="nearest")


def _is_identity(m: numpy.ndarray) -> bool:
    return m.shape[0] == m.shape[1] and bool((m == numpy.eye(m.shape[0])).all())


def _const(m: numpy.ndarray, like: Tensor) -> Tensor:
    return Tensor._from_op(backend.xp.asarray(m, dtype=like.dtype), None, 0)
