"""Sliding-block layers, PyTorch's ``Unfold`` (im2col) and ``Fold`` (col2im): thin modules
over :func:`deepgrad.functional.unfold` and :func:`deepgrad.functional.fold`.

>>> import deepgrad as dg
>>> dg.nn.Unfold(2)(dg.zeros(1, 2, 4, 4)).shape
(1, 8, 9)
>>> dg.nn.Fold((4, 4), 2)(dg.zeros(1, 8, 9)).shape
(1, 2, 4, 4)
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import functional as F
from ..tensor import Tensor
from .module import Module

IntPair = int | Sequence[int]


class Unfold(Module):
    """Extracts sliding blocks: ``(N, C, H, W)`` → ``(N, C·kh·kw, L)`` (``(C, H, W)`` →
    ``(C·kh·kw, L)``), ``L`` the number of blocks."""

    def __init__(self, kernel_size: IntPair, dilation: IntPair = 1, padding: IntPair = 0,
                 stride: IntPair = 1) -> None:  # fmt: skip
        super().__init__()
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, input: Tensor) -> Tensor:
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")  # fmt: skip


class Fold(Module):
    """Sums sliding blocks into an image of ``output_size``: ``(N, C·kh·kw, L)`` →
    ``(N, C, H, W)`` (``(C·kh·kw, L)`` → ``(C, H, W)``); the adjoint of :class:`Unfold`."""

    def __init__(self, output_size: IntPair, kernel_size: IntPair, dilation: IntPair = 1,
                 padding: IntPair = 0, stride: IntPair = 1) -> None:  # fmt: skip
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)  # fmt: skip

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")  # fmt: skip
