"""Spatial transformers, as PyTorch's: ``affine_grid`` (the sampling grid of an affine map)
and ``grid_sample`` (an image read at a grid of points, with interpolation).

A grid holds normalized coordinates in ``[-1, 1]`` (``-1`` the left/top edge, ``+1`` the
right/bottom), ``x`` (width) first. For an axis of ``n`` pixels the coordinate ``g`` becomes
the pixel position

    c = (g + 1) / 2 · (n - 1)        align_corners=True   (±1: the corner pixels' centres)
    c = ((g + 1) · n - 1) / 2        align_corners=False  (±1: the corner pixels' outer edges)

``padding_mode`` decides what lies outside: ``zeros`` reads 0 there, ``border`` clips ``c``
to ``[0, n - 1]``, ``reflection`` reflects ``c`` at the border (the centres or edges, as
``align_corners`` says) and then clips it. ``bilinear`` mixes the ``2^d`` neighbours with the
weights ``∏ (1 - |c - corner|)``; ``nearest`` reads the pixel at ``c`` rounded (halves to
even); ``bicubic`` (4-D) mixes the 4 × 4 pixels around ``c`` with Keys' cubic weights
(``A = -0.75``), padding each tap's position rather than ``c`` (PyTorch's rule). Both are built from differentiable operations: the gradient reaches the input
through the reads (repeated reads add up) and the grid through the bilinear weights
(``nearest``'s is 0, as PyTorch's); clipping and reflection carry PyTorch's derivatives
(0 where clipped, ±1 where reflected).
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy

from .. import backend
from .._errors import DtypeError, ShapeMismatchError, bool_arg
from ..autograd import Function
from ..tensor import Tensor
from .elementwise import where
from .linalg import matmul
from .shape import getitem, reshape, transpose
from .upsample import cubic_conv1, cubic_conv2

_ALIGN_WARNING = (
    "Default grid_sample and affine_grid behavior has changed to align_corners=False since "
    "1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
    "documentation of grid_sample for details."
)


def _const(a: Any) -> Tensor:
    return Tensor._from_op(a, None, 0)


def _align(align_corners: bool | None, fn: str, position: int) -> bool:
    """PyTorch's default: ``None`` warns and means ``False``; otherwise a Python bool, as
    its parser takes it (``1`` is its ``TypeError``)."""
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=3)
        return False
    return bool_arg(align_corners, fn, "align_corners", position)


# ---------------------------------------------------------------------------------------------
# affine_grid
# ---------------------------------------------------------------------------------------------
def _linspace(n: int, align: bool, dtype: Any) -> Any:
    """The normalized coordinates of ``n`` pixel centres (0 for a single pixel)."""
    xp = backend.xp
    if n <= 1:
        return xp.zeros((n,), dtype)
    r = xp.linspace(-1.0, 1.0, n).astype(dtype)
    return r if align else r * dtype.type((n - 1) / n)


def affine_grid(theta: Tensor, size: Sequence[int], align_corners: bool | None = None) -> Tensor:
    """The sampling grid of a batch of affine maps, for :func:`grid_sample`:
    ``grid[n, h, w] = θₙ @ (x_w, y_h, 1)`` with ``(x_w, y_h)`` the output pixels' normalized
    coordinates (see the module's docstring for ``align_corners``).

    Shapes: ``theta (N, 2, 3)`` and ``size = (N, C, H, W)`` → ``(N, H, W, 2)``; ``theta
    (N, 3, 4)`` and ``size = (N, C, D, H, W)`` → ``(N, D, H, W, 3)``. Differentiable in
    ``theta``.

    >>> import deepgrad as dg
    >>> theta = dg.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    >>> dg.nn.functional.affine_grid(theta, (1, 1, 2, 2), align_corners=True)[0, :, :, 0].tolist()
    [[-1.0, 1.0], [-1.0, 1.0]]
    """
    align = _align(align_corners, "affine_grid_generator", 3)
    if theta.dtype.kind != "f":
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(int(s) for s in size)
    if len(size) not in (4, 5):
        raise NotImplementedError(
            "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
            f"respectively. Got size {list(size)}."
        )
    nd = len(size) - 2
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (nd, nd + 1):
        raise ValueError(
            f"Expected a batch of {nd}D affine matrices of shape Nx{nd}x{nd + 1} for size "
            f"{list(size)}. Got {theta.shape}."
        )
    spatial = size[2:]
    if align and min(spatial) == 1:
        warnings.warn(
            "Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
            "align_corners=True. This is not an intended use case of affine_grid. See the "
            "documentation of affine_grid for details.",
            UserWarning,
            stacklevel=2,
        )
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {list(size)}")
    if theta.shape[0] != size[0]:
        raise ValueError(
            f"affine_grid: theta has {theta.shape[0]} matrices but size asks for a batch of "
            f"{size[0]}"
        )
    xp, dt = backend.xp, theta._data.dtype
    base = xp.ones((*spatial, nd + 1), dt)  # (x, y[, z], 1) at every output pixel
    for k in range(nd):  # coordinate k runs along spatial axis nd - 1 - k
        axis = nd - 1 - k
        shape = [1] * nd
        shape[axis] = spatial[axis]
        base[..., k] = _linspace(spatial[axis], align, dt).reshape(shape)
    base = _const(base.reshape(1, -1, nd + 1))
    grid = matmul(base, transpose(theta, 1, 2))  # (N, P, nd)
    return reshape(grid, (size[0], *spatial, nd))


# ---------------------------------------------------------------------------------------------
# grid_sample
# ---------------------------------------------------------------------------------------------
class _PiecewiseLinear(Function):
    """A value computed on arrays whose derivative is a given ``slope`` per element (the
    clipped or reflected coordinate: slope 0 where clipped, ±1 where reflected)."""

    # the backward reads memory of the output (its output): a write into the
    # output afterwards is refused at backward, as PyTorch refuses one
    keep_output = True

    def __init__(self, value: Any, slope: Any) -> None:
        self.value, self.slope = value, slope

    def forward(self, x: Any) -> Any:
        return self.value

    def backward(self, gy: Tensor) -> Tensor:
        return gy * _const(self.slope)


def _reflect(c: Any, n: int, align: bool) -> tuple[Any, Any]:
    """``c`` reflected into the span (centres ``[0, n-1]`` or edges ``[-½, n-½]``) and the
    derivative (±1), as PyTorch's ``reflect_coordinates``."""
    xp = backend.xp
    lo2, hi2 = (0, 2 * (n - 1)) if align else (-1, 2 * n - 1)
    if lo2 == hi2:  # a single pixel with aligned corners: always its centre
        return xp.zeros_like(c), xp.zeros_like(c)
    low, span = lo2 / 2, (hi2 - lo2) / 2
    d = c - low
    sign = xp.where(d < 0, -1.0, 1.0).astype(c.dtype)
    d = xp.abs(d)
    extra = xp.fmod(d, span)
    even = xp.floor(d / span) % 2 == 0
    return xp.where(even, extra + low, span - extra + low), xp.where(even, sign, -sign)


def _unnormalize(g: Tensor, n: int, align: bool) -> Tensor:
    """The pixel position of normalized coordinates ``g`` along an axis of ``n`` (see the
    module), neither clipped nor reflected."""
    return (g + 1) / 2 * (n - 1) if align else ((g + 1) * n - 1) / 2


def _source_index(g: Tensor, n: int, padding_mode: str, align: bool) -> Tensor:
    """The pixel position ``c`` along an axis of ``n`` pixels for normalized coordinates ``g``,
    clipped or reflected as ``padding_mode`` says."""
    c = _unnormalize(g, n, align)
    if padding_mode == "zeros":
        return c
    xp = backend.xp
    a, slope = c._data, xp.ones_like(c._data)
    if padding_mode == "reflection":
        a, slope = _reflect(a, n, align)
    inside = (a > 0) & (a < n - 1)  # PyTorch: derivative 0 on the clipping bounds themselves
    value = xp.clip(a, 0, n - 1).astype(a.dtype)
    return _PiecewiseLinear(value, slope * inside)(c)


def _read(xf: Tensor, idx: Sequence[Any], sizes: Sequence[int]) -> tuple[Tensor, Any]:
    """``xf (N, C, ∏sizes)`` read at the integer positions ``idx`` (one array ``(N, P)`` per
    spatial axis) → ``(N, C, P)``, 0 at the positions outside the input (selected, not
    multiplied: a NaN or inf at the pixel read in their place stays out, as in PyTorch's
    ``zeros`` padding), and the mask of the positions inside."""
    xp = backend.xp
    n = idx[0].shape[0]
    valid = xp.ones(idx[0].shape, bool)
    flat = xp.zeros(idx[0].shape, xp.int64)
    for i, s in zip(idx, sizes):
        valid &= (i >= 0) & (i < s)
        flat = flat * s + xp.clip(i, 0, s - 1).astype(xp.int64)
    flat = xp.where(valid, flat, 0)
    batch = xp.arange(n).reshape(n, 1, 1)
    channels = xp.arange(xf.shape[1]).reshape(1, -1, 1)
    values = getitem(xf, (batch, channels, flat[:, None, :]))
    if not valid.all():
        zero = _const(xp.zeros((), xf._data.dtype))
        values = where(_const(xp.broadcast_to(valid[:, None, :], values.shape)), values, zero)
    return values, valid


#: Keys' cubic convolution parameter of PyTorch's bicubic modes
_A = -0.75


def _cubic_weights(t: Tensor) -> list[Tensor]:
    """The four taps' weights at fractions ``t``: ``c₂(t + 1), c₁(t), c₁(1 - t), c₂(2 - t)``
    (Keys' kernel, :func:`~deepgrad.functional.upsample.cubic_conv1` / ``cubic_conv2``), as
    Tensor arithmetic, so that the grid's gradient flows through ``t``."""
    return [
        cubic_conv2(t + 1, _A),
        cubic_conv1(t, _A),
        cubic_conv1(1 - t, _A),
        cubic_conv2(2 - t, _A),
    ]


def _tap_index(i: Any, n: int, padding_mode: str, align: bool) -> Any:
    """A tap's integer position along an axis of ``n``, padded as PyTorch pads bicubic taps:
    clipped (``border``), reflected then clipped (``reflection``), as is (``zeros``: a tap
    outside reads 0)."""
    xp = backend.xp
    if padding_mode == "zeros":
        return i
    c = i.astype(xp.float64)
    if padding_mode == "reflection":
        c = _reflect(c, n, align)[0]
    return xp.clip(c, 0, n - 1).astype(xp.int64)


def _bicubic(xf: Tensor, g: Tensor, sizes: Sequence[int], padding_mode: str, align: bool) -> Tensor:
    """PyTorch's bicubic ``grid_sample``: at ``c = (cx, cy)`` (unnormalized, not clipped),
    the 4 × 4 pixels around ``⌊c⌋`` (offsets -1 … 2, each tap padded by :func:`_tap_index`)
    mixed with Keys' weights (``A = -0.75``) of ``t = c - ⌊c⌋``: along x in each row, then
    the rows along y, as PyTorch sums them. ``xf (N, C, H·W)``, ``g (N, M, 2)`` →
    ``(N, C, M)``."""
    xp = backend.xp
    n, m = g.shape[0], g.shape[1]
    lows, ws = [], []
    for j in range(2):  # axis j (0: height, 1: width) is the grid's component 1 - j
        c = _unnormalize(g[:, :, 1 - j], sizes[j], align)
        low = xp.floor(c._data)
        lows.append(low)
        ws.append([reshape(w, (n, 1, m)) for w in _cubic_weights(c - _const(low))])
    with numpy.errstate(invalid="ignore"):  # NaN or huge coordinates: out of range, read as 0
        base = [xp.where(xp.isfinite(lo), lo, -(2**40)).astype(xp.int64) for lo in lows]
    rows = [_tap_index(base[0] + k - 1, sizes[0], padding_mode, align) for k in range(4)]
    cols = [_tap_index(base[1] + k - 1, sizes[1], padding_mode, align) for k in range(4)]
    y = None
    for i in range(4):
        row = None
        for k in range(4):
            v = _read(xf, [rows[i], cols[k]], sizes)[0] * ws[1][k]
            row = v if row is None else row + v
        term = row * ws[0][i]
        y = term if y is None else y + term
    return y


def _check_grid_sample(x: Tensor, grid: Tensor, mode: str, padding_mode: str) -> None:
    fn = "nn.functional.grid_sample()"
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(
            f"{fn}: expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: '{mode}'"
        )
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(
            f"{fn}: expected padding_mode to be 'zeros', 'border', or 'reflection', but got: "
            f"'{padding_mode}'"
        )
    if x.ndim not in (4, 5) or grid.ndim != x.ndim:
        raise ShapeMismatchError(
            f"{fn}: expected 4D or 5D input and grid with same number of dimensions, but got "
            f"input with sizes {list(x.shape)} and grid with sizes {list(grid.shape)}"
        )
    if grid.shape[-1] != x.ndim - 2 or grid.shape[0] != x.shape[0]:
        raise ShapeMismatchError(
            f"{fn}: expected grid of shape (N, *out, {x.ndim - 2}) with the input's batch size "
            f"N = {x.shape[0]}, but got input with sizes {list(x.shape)} and grid with sizes "
            f"{list(grid.shape)}"
        )
    if mode == "bicubic" and x.ndim != 4:
        raise ValueError(f"{fn}: bicubic interpolation only supports 4D input")
    if min(x.shape[2:]) == 0:
        raise ValueError(f"{fn}: expected input to have non-empty spatial dimensions, but "
                         f"input has sizes {list(x.shape)}")  # fmt: skip
    if x.dtype.kind != "f" or grid.dtype != x.dtype:
        raise DtypeError(f"{fn}: expected input and grid to have the same floating dtype, but "
                        f"got {x.dtype} and {grid.dtype}")  # fmt: skip


def grid_sample(
    x: Tensor,
    grid: Tensor,
    mode: str = "bilinear",
    padding_mode: str = "zeros",
    align_corners: bool | None = None,
) -> Tensor:
    """``x`` read at the normalized positions ``grid`` (PyTorch's ``F.grid_sample``):
    ``y[n, c, h, w] = x[n, c]`` interpolated at ``grid[n, h, w] = (x, y)``.

    Parameters
    ----------
    x : ``(N, C, H, W)`` (or ``(N, C, D, H, W)``, with ``bilinear`` then trilinear)
    grid : ``(N, H_out, W_out, 2)`` (or ``(N, D_out, H_out, W_out, 3)``), ``x`` coordinate
        first, values in ``[-1, 1]`` inside the input
    mode : ``"bilinear"``, ``"nearest"`` or ``"bicubic"`` (4-D; see :func:`_bicubic`)
    padding_mode : ``"zeros"``, ``"border"`` or ``"reflection"`` (see the module docstring)
    align_corners : ``±1`` at the corner pixels' centres (``True``) or outer edges
        (``False``; ``None`` warns and means ``False``, as PyTorch)

    Returns
    -------
    ``(N, C, H_out, W_out)`` (or ``(N, C, D_out, H_out, W_out)``).

    >>> import deepgrad as dg
    >>> x = dg.arange(4.0).reshape(1, 1, 2, 2)
    >>> grid = dg.tensor([[[[0.0, 0.0], [1.0, -1.0]]]])
    >>> dg.nn.functional.grid_sample(x, grid, align_corners=True).tolist()
    [[[[1.5, 1.0]]]]
    """
    _check_grid_sample(x, grid, mode, padding_mode)
    align = _align(align_corners, "grid_sampler", 5)
    xp = backend.xp
    nd, (n, ch), sizes = x.ndim - 2, x.shape[:2], x.shape[2:]
    out_shape = grid.shape[1:-1]
    m = math.prod(out_shape)  # explicit sizes: an empty batch has no -1 to infer
    g = reshape(grid, (n, m, nd))
    xf = reshape(x, (n, ch, math.prod(sizes)))
    if mode == "bicubic":  # its taps are padded, not the coordinate
        return reshape(_bicubic(xf, g, sizes, padding_mode, align), (n, ch, *out_shape))
    # one coordinate per spatial axis (axis j is the grid's component nd - 1 - j)
    coords = [_source_index(g[:, :, nd - 1 - j], sizes[j], padding_mode, align) for j in range(nd)]
    if mode == "nearest":
        idx = [xp.round(c._data).astype(xp.int64) for c in coords]
        values, valid = _read(xf, idx, sizes)
        weight = _PiecewiseLinear(valid.astype(x._data.dtype), xp.zeros_like(coords[0]._data))
        y = values * reshape(weight(coords[0]), (n, 1, m))
    else:
        lows = [xp.floor(c._data) for c in coords]
        y = None
        for corner in itertools.product((0, 1), repeat=nd):
            idx = [(lo + k).astype(xp.int64) for lo, k in zip(lows, corner)]
            values = _read(xf, idx, sizes)[0]  # 0 outside: no mask in the weight
            weight = None
            for c, lo, k in zip(coords, lows, corner):  # 1 - |c - corner| along each axis
                f = c - _const(lo) if k else _const(lo + 1) - c
                weight = f if weight is None else weight * f
            term = values * reshape(weight, (n, 1, m))
            y = term if y is None else y + term
    return reshape(y, (n, ch, *out_shape))
