"""Rearranging layers, PyTorch's: ``PixelShuffle``, ``PixelUnshuffle``, ``ChannelShuffle``
(thin modules over :mod:`deepgrad.functional.shuffle`; no parameters).

>>> import deepgrad as dg
>>> dg.nn.PixelShuffle(2)(dg.zeros(1, 8, 3, 3)).shape
(1, 2, 6, 6)
"""

from __future__ import annotations

from .. import functional as F
from ..tensor import Tensor
from .module import Module


class PixelShuffle(Module):
    """Sub-pixel upsampling: ``(*, C·r², H, W)`` → ``(*, C, H·r, W·r)``, ``r =
    upscale_factor``."""

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """The inverse of :class:`PixelShuffle`: ``(*, C, H·r, W·r)`` → ``(*, C·r², H, W)``."""

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """ShuffleNet's channel shuffle of ``(N, C, *)``: channels seen as ``(groups,
    C/groups)`` are transposed. Shapes: the same."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
