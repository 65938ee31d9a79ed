"""Activation layers: thin modules over :mod:`deepgrad.functional.activation`."""

from __future__ import annotations

from .. import functional as F
from ..tensor import Tensor
from .module import Module


class ReLU(Module):
    """``max(x, 0)``."""

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x)


class LeakyReLU(Module):
    """``x`` if positive else ``negative_slope · x``."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """``x`` if positive else ``alpha (eˣ - 1)``."""

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, x: Tensor) -> Tensor:
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class GELU(Module):
    """``x Φ(x)`` (``approximate="tanh"`` for the tanh approximation)."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(x, self.approximate)


class Sigmoid(Module):
    """``1 / (1 + e⁻ˣ)``."""

    def forward(self, x: Tensor) -> Tensor:
        return F.sigmoid(x)


class Tanh(Module):
    """``tanh x``."""

    def forward(self, x: Tensor) -> Tensor:
        return F.tanh(x)


class Softplus(Module):
    """``log(1 + eˣ)``."""

    def forward(self, x: Tensor) -> Tensor:
        return F.softplus(x)


class Softmax(Module):
    """Softmax along ``axis`` (default the last)."""

    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = axis

    def forward(self, x: Tensor) -> Tensor:
        return F.softmax(x, self.axis)


class LogSoftmax(Module):
    """Log-softmax along ``axis`` (default the last)."""

    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = axis

    def forward(self, x: Tensor) -> Tensor:
        return F.log_softmax(x, self.axis)
