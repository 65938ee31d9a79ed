"""``Linear`` (fully connected / dense) and ``Identity``."""

from __future__ import annotations

import math
from typing import Any

from .. import backend
from .. import functional as F
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter


class Linear(Module):
    """Affine layer ``y = x @ weightᵀ + bias``.

    Shapes: input ``(*, in_features)`` → output ``(*, out_features)``; ``weight`` is
    ``(out_features, in_features)`` and ``bias`` ``(out_features,)``, as in PyTorch.

    ``in_features=None`` infers the input size at the first call. Default initialization is
    PyTorch's: ``U(-1/√in, 1/√in)`` for weight and bias; pass ``weight_init`` (a name of
    :func:`deepgrad.nn.init.get` such as ``"kaiming_normal"``, or a callable) to change it.
    """

    def __init__(
        self,
        in_features: int | None,
        out_features: int,
        bias: bool = True,
        weight_init: Any = None,
        bias_init: Any = None,
    ) -> None:
        super().__init__()
        if out_features <= 0 or (in_features is not None and in_features <= 0):
            raise ValueError(
                f"Linear: features must be positive, got in={in_features}, out={out_features}"
            )
        self.in_features = in_features
        self.out_features = out_features
        self._weight_init = weight_init
        self._bias_init = bias_init
        self._use_bias = bias
        self.weight: Parameter | None
        self.bias: Parameter | None
        self.register_parameter("weight", None)
        self.register_parameter("bias", None)
        if in_features is not None:
            self._build(in_features)

    def _build(self, in_features: int) -> None:
        dt = backend.get_default_dtype()
        xp = backend.xp
        self.in_features = in_features
        self.weight = Parameter(xp.empty((self.out_features, in_features), dt))
        if self._weight_init is None:
            bound = 1 / math.sqrt(in_features)
            init.uniform_(self.weight, -bound, bound)
        else:
            init.get(self._weight_init)(self.weight)
        if self._use_bias:
            self.bias = Parameter(xp.empty((self.out_features,), dt))
            if self._bias_init is None:
                bound = 1 / math.sqrt(in_features)
                init.uniform_(self.bias, -bound, bound)
            else:
                init.get(self._bias_init)(self.bias)

    def forward(self, x: Tensor) -> Tensor:
        if self.weight is None:
            if x.ndim == 0:
                raise ValueError("Linear: input must have at least 1 dim")
            self._build(x.shape[-1])
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"Linear({self.in_features}, {self.out_features}): expected input with last "
                f"axis {self.in_features}, got shape {x.shape}"
            )
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self._use_bias}"


class Identity(Module):
    """Returns its input unchanged (a placeholder layer)."""

    def __init__(self) -> None:
        super().__init__()

    def forward(self, x: Any) -> Any:
        return x
