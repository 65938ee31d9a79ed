"""Rearranging channels and pixels: ``pixel_shuffle``, ``pixel_unshuffle``, ``channel_shuffle``.

Each is a reshape, a permutation of axes and a reshape, so its gradient is the inverse
rearrangement (through :func:`~deepgrad.functional.shape.reshape` and
:func:`~deepgrad.functional.shape.permute`):

================  ==========================================  ===========================
function          shapes                                      element
================  ==========================================  ===========================
pixel_shuffle     ``(*, C·r², H, W)`` → ``(*, C, H·r, W·r)``  ``y[c, h·r+i, w·r+j] =
                                                              x[c·r² + i·r + j, h, w]``
pixel_unshuffle   ``(*, C, H·r, W·r)`` → ``(*, C·r², H, W)``  the inverse
channel_shuffle   ``(N, C, *)`` → the same, ``C = g·k``        ``y[:, i·g + j] = x[:, j·k + i]``
================  ==========================================  ===========================

>>> import deepgrad as dg
>>> pixel_shuffle(dg.zeros(1, 8, 3, 3), 2).shape
(1, 2, 6, 6)
"""

from __future__ import annotations

from .._errors import ShapeMismatchError, int_arg
from ..tensor import Tensor
from .shape import permute, reshape


def _factor(r: int, what: str, fn: str) -> int:
    """``r`` as an int (PyTorch's parser: a float or bool is a ``TypeError``), positive."""
    r = int_arg(r, fn, what, 2)
    if r <= 0:
        raise ValueError(f"{fn}: expects a positive {what}, but got {r!r}")
    return r


def pixel_shuffle(x: Tensor, upscale_factor: int) -> Tensor:
    """Sub-pixel convolution's rearrangement (PyTorch's ``F.pixel_shuffle``): channel blocks of
    ``r²`` become ``r × r`` pixel blocks. ``(*, C·r², H, W)`` → ``(*, C, H·r, W·r)``."""
    fn, r = "pixel_shuffle", upscale_factor
    r = _factor(r, "upscale_factor", fn)
    if x.ndim < 3:
        raise ValueError(f"{fn}: expects input to have at least 3 dimensions, got shape {x.shape}")
    *lead, c, h, w = x.shape
    if c % (r * r):
        raise ShapeMismatchError(
            f"{fn}: expects its input's 'channel' dimension to be divisible by the square of "
            f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r} (input shape "
            f"{x.shape})"
        )
    n = len(lead)
    y = reshape(x, (*lead, c // (r * r), r, r, h, w))
    y = permute(y, (*range(n), n, n + 3, n + 1, n + 4, n + 2))
    return reshape(y, (*lead, c // (r * r), h * r, w * r))


def pixel_unshuffle(x: Tensor, downscale_factor: int) -> Tensor:
    """The inverse of :func:`pixel_shuffle` (PyTorch's ``F.pixel_unshuffle``):
    ``(*, C, H·r, W·r)`` → ``(*, C·r², H, W)``."""
    fn, r = "pixel_unshuffle", downscale_factor
    r = _factor(r, "downscale_factor", fn)
    if x.ndim < 3:
        raise ValueError(f"{fn}: expects input to have at least 3 dimensions, got shape {x.shape}")
    *lead, c, h, w = x.shape
    for axis, size in (("height", h), ("width", w)):
        if size % r:
            raise ValueError(
                f"{fn}: expects {axis} to be divisible by downscale_factor, but input size "
                f"{size} is not divisible by {r} (input shape {x.shape})"
            )
    n = len(lead)
    y = reshape(x, (*lead, c, h // r, r, w // r, r))
    y = permute(y, (*range(n), n, n + 2, n + 4, n + 1, n + 3))
    return reshape(y, (*lead, c * r * r, h // r, w // r))


def channel_shuffle(x: Tensor, groups: int) -> Tensor:
    """ShuffleNet's channel shuffle (PyTorch's ``F.channel_shuffle``): the channels of
    ``(N, C, *)``, seen as ``(groups, C/groups)``, are transposed to ``(C/groups, groups)``.
    Shapes: ``(N, C, *)`` with at least 3 dims → the same."""
    fn = "channel_shuffle"
    groups = _factor(groups, "groups", fn)
    if x.ndim < 3:
        raise ValueError(f"{fn}: expects input with > 2 dims, got shape {x.shape}")
    n, c, *rest = x.shape
    if c % groups:
        raise ValueError(
            f"{fn}: number of channels must be divisible by groups, got {c} channels and "
            f"{groups} groups (input shape {x.shape})"
        )
    y = reshape(x, (n, groups, c // groups, *rest))
    y = permute(y, (0, 2, 1, *range(3, x.ndim + 1)))
    return reshape(y, x.shape)
