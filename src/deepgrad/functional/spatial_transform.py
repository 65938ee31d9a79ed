"""Spatial transformers (PyTorch's ``affine_grid`` and ``grid_sample``, 2-D): a grid of
sampling locations from affine matrices, and an image read at those locations.

Both are built from differentiable operations (``matmul``, indexing, products), so gradients
flow to ``theta``, to the grid and to the input, and differentiate again.

* ``affine_grid(theta (N, 2, 3), size (N, C, H, W))``: ``grid[n, i, j] = theta[n] @ (x_j,
  y_i, 1)`` with ``x_j = (2j + 1)/W - 1`` (``align_corners=False``) or ``-1 + 2j/(W - 1)``
  (``True``); the result is ``(N, H, W, 2)``, (x, y) last.
* ``grid_sample(input (N, C, H, W), grid (N, Ho, Wo, 2))``: (x, y) in [-1, 1] maps to
  ``((x + 1)·W - 1)/2`` (or ``(x + 1)/2·(W - 1)`` with ``align_corners=True``); ``bilinear``
  mixes the four neighbours with weights linear in the location, ``nearest`` takes the
  rounded one (half to even, as PyTorch; the grid's gradient is zero);
  a location exactly on a pixel takes the cell to its right, so its gradient to the grid is
  that cell's slope (PyTorch's CPU kernel rounds such locations by its vector arithmetic,
  and may take either side); ``padding_mode="zeros"`` reads 0 outside,
  ``"border"`` clamps the location to the image.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy

from .. import backend
from ..tensor import Tensor
from .elementwise import clamp
from .linalg import matmul
from .shape import permute, reshape

__all__ = ["affine_grid", "grid_sample"]


def _base(n: int, align_corners: bool, dtype: numpy.dtype) -> numpy.ndarray:
    """PyTorch's ``linspace(-1, 1, n)`` (the first half stepped from -1, the second from 1),
    times ``(n - 1)/n`` without ``align_corners``: bit for bit, since a location that lands
    on a pixel (the identity transform) picks its bilinear cell by the last bit."""
    if n <= 1:
        return numpy.zeros(n, dtype)
    one = dtype.type(1)
    step = (one + one) / dtype.type(n - 1)
    i = numpy.arange(n)
    a = numpy.where(
        i < n // 2, -one + step * i.astype(dtype), one - step * (n - 1 - i).astype(dtype)
    )
    a = a.astype(dtype)
    return a if align_corners else (a * dtype.type(n - 1) / dtype.type(n)).astype(dtype)


def affine_grid(theta: Tensor, size: Sequence[int], align_corners: bool | None = None) -> Tensor:
    """The ``(N, H, W, 2)`` sampling grid of the affine matrices ``theta (N, 2, 3)`` for an
    output of ``size (N, C, H, W)`` (PyTorch's ``F.affine_grid``; 2-D only)."""
    size = tuple(int(s) for s in size)
    if len(size) != 4:
        raise NotImplementedError(
            f"affine_grid: only 4-D sizes (N, C, H, W) are supported, got {size}"
        )
    n, _, h, w = size
    if theta.ndim != 3 or tuple(theta.shape) != (n, 2, 3):
        raise ValueError(
            f"affine_grid: expected a theta of shape ({n}, 2, 3) for size {size}, "
            f"got {tuple(theta.shape)}"
        )
    ac = bool(align_corners)
    dtype = numpy.dtype(theta.dtype)
    xs, ys = numpy.meshgrid(_base(w, ac, dtype), _base(h, ac, dtype))
    base = numpy.stack([xs, ys, numpy.ones_like(xs)], axis=-1).reshape(1, h * w, 3)
    base_t = Tensor(backend.xp.asarray(base, dtype=theta.dtype))
    grid = matmul(base_t, permute(theta, (0, 2, 1)))  # (N, H*W, 2)
    return reshape(grid, (n, h, w, 2))


def _unnormalize(coord: Tensor, size: int, align_corners: bool) -> Tensor:
    if align_corners:
        return (coord + 1) * ((size - 1) / 2)
    return ((coord + 1) * size - 1) / 2


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear",  # noqa: A002
                padding_mode: str = "zeros", align_corners: bool | None = None) -> Tensor:  # fmt: skip
    """``input (N, C, H, W)`` read at the locations ``grid (N, Ho, Wo, 2)`` (x, y in
    [-1, 1]): ``(N, C, Ho, Wo)`` (PyTorch's ``F.grid_sample``; 2-D, modes ``bilinear`` and
    ``nearest``, padding ``zeros`` and ``border``)."""
    if input.ndim != 4 or grid.ndim != 4 or grid.shape[-1] != 2:
        raise NotImplementedError(
            "grid_sample: only 4-D input (N, C, H, W) with a grid (N, Ho, Wo, 2) is supported"
        )
    if mode not in ("bilinear", "nearest"):
        raise NotImplementedError(
            f"grid_sample: mode {mode!r} is not supported (bilinear, nearest)"
        )
    if padding_mode not in ("zeros", "border"):
        raise NotImplementedError(
            f"grid_sample: padding_mode {padding_mode!r} is not supported (zeros, border)"
        )
    n, c, h, w = input.shape
    if grid.shape[0] != n:
        raise ValueError(f"grid_sample: grid has batch {grid.shape[0]}, input {n}")
    ac = bool(align_corners)
    ix = _unnormalize(grid[..., 0], w, ac)
    iy = _unnormalize(grid[..., 1], h, ac)
    if padding_mode == "border":
        ix, iy = clamp(ix, 0, w - 1), clamp(iy, 0, h - 1)
    ix_at, iy_at = ix._data, iy._data
    xp = backend.xp
    batch = xp.arange(n).reshape(n, 1, 1)

    def read(yy: numpy.ndarray, xx: numpy.ndarray) -> Tensor:
        """input at integer (yy, xx), 0 outside: (N, Ho, Wo, C)."""
        inside = (xx >= 0) & (xx < w) & (yy >= 0) & (yy < h)
        v = input[batch, :, xp.clip(yy, 0, h - 1), xp.clip(xx, 0, w - 1)]
        return v * Tensor(inside[..., None].astype(input.dtype))

    if mode == "nearest":
        out = read(xp.rint(iy_at).astype(numpy.int64), xp.rint(ix_at).astype(numpy.int64))
        out = out + ((ix + iy) * 0)[..., None]  # the grid's gradient: zeros, as PyTorch's
    else:
        x0 = xp.floor(ix_at)
        y0 = xp.floor(iy_at)
        wx1 = ix - Tensor(x0)
        wy1 = iy - Tensor(y0)
        wx0, wy0 = 1 - wx1, 1 - wy1
        x0i, y0i = x0.astype(numpy.int64), y0.astype(numpy.int64)
        out = (
            read(y0i, x0i) * (wy0 * wx0)[..., None]
            + read(y0i, x0i + 1) * (wy0 * wx1)[..., None]
            + read(y0i + 1, x0i) * (wy1 * wx0)[..., None]
            + read(y0i + 1, x0i + 1) * (wy1 * wx1)[..., None]
        )
    return permute(out, (0, 3, 1, 2))
