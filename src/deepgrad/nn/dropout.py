"""Dropout layers: thin modules over :mod:`deepgrad.functional.dropout`."""

from __future__ import annotations

from .. import functional as F
from ..functional.dropout import _check_p, dropout2d
from ..tensor import Tensor
from .module import Module


class Dropout(Module):
    """Inverted dropout: in training each element is zeroed with probability ``p`` and the
    survivors are scaled by ``1 / (1 - p)``; in eval mode the layer is the identity.

    Shapes: any → the same shape. ``inplace`` is accepted for PyTorch compatibility and
    ignored (tensors are not modified in place).
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        _check_p(p, "Dropout")
        self.p = p
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Dropout2d(Module):
    """Channel dropout: zeroes whole feature maps ``x[n, c]`` with probability ``p`` (scaled by
    ``1 / (1 - p)``) in training; identity in eval mode.

    Shapes: ``(N, C, H, W)`` or ``(C, H, W)`` → the same shape.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        _check_p(p, "Dropout2d")
        self.p = p
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return dropout2d(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"
