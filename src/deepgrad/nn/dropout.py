"""Dropout layers: thin modules over :mod:`deepgrad.functional.dropout`.

``Dropout`` (elements), ``Dropout1d``/``Dropout2d``/``Dropout3d`` (whole channels),
``AlphaDropout``/``FeatureAlphaDropout`` (for SELU networks). Each is the identity in eval
mode; ``inplace=True`` writes the result into the input in training and returns it, as
PyTorch's (whose ``AlphaDropout`` and ``FeatureAlphaDropout`` keep ``inplace`` without passing
it on: the same here).
"""

from __future__ import annotations

from typing import Any

from .. import functional as F
from ..functional.dropout import _check_p
from ..tensor import Tensor
from .module import Module


class _DropoutNd(Module):
    """The shared ``p``/``inplace`` handling; ``_fn(x, p, training)`` is the function."""

    _fn: Any

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        _check_p(p, type(self).__name__)
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._fn(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Inverted dropout: in training each element is zeroed with probability ``p`` and the
    survivors are scaled by ``1 / (1 - p)``; in eval mode the layer is the identity.

    Shapes: any → the same shape.
    """

    _fn = staticmethod(F.dropout)


class Dropout1d(_DropoutNd):
    """Channel dropout of sequences: zeroes whole channels ``x[n, c]`` with probability ``p``
    (scaled by ``1 / (1 - p)``) in training. Shapes: ``(N, C, L)`` or ``(C, L)`` → the same."""

    _fn = staticmethod(F.dropout1d)


class Dropout2d(_DropoutNd):
    """Channel dropout: zeroes whole feature maps ``x[n, c]`` with probability ``p`` (scaled by
    ``1 / (1 - p)``) in training; identity in eval mode.

    Shapes: ``(N, C, H, W)`` or ``(C, H, W)`` → the same shape.
    """

    _fn = staticmethod(F.dropout2d)


class Dropout3d(_DropoutNd):
    """Channel dropout of volumes: ``(N, C, D, H, W)`` or ``(C, D, H, W)`` → the same."""

    _fn = staticmethod(F.dropout3d)


class AlphaDropout(_DropoutNd):
    """Alpha dropout (SELU networks): dropped elements take SELU's saturation value and the
    result is rescaled to keep zero mean and unit variance. Shapes: any → the same."""

    _fn = staticmethod(F.alpha_dropout)

    def forward(self, input: Tensor) -> Tensor:
        return F.alpha_dropout(input, self.p, self.training)  # ``inplace`` not passed: PyTorch's


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels ``x[n, c]`` of ``(N, C, *)``. Shapes: the same."""

    _fn = staticmethod(F.feature_alpha_dropout)

    def forward(self, input: Tensor) -> Tensor:
        return F.feature_alpha_dropout(
            input, self.p, self.training
        )  # ``inplace`` not passed: PyTorch's
