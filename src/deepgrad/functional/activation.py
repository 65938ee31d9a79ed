"""Activation functions, in numerically stable forms.

=============  ===========================================  ===============================
function       forward                                      derivative
=============  ===========================================  ===============================
relu           max(x, 0)                                    1[x > 0]
leaky_relu     x if x > 0 else a·x                          1 or a
elu            x if x > 0 else a(eˣ - 1)                    1 or y + a
gelu           x Φ(x)   (Φ: standard normal CDF)            Φ(x) + x φ(x)
sigmoid        1 / (1 + e⁻ˣ)  (via e^-|x|: no overflow)      y (1 - y)
tanh           tanh x                                       1 - y²
softplus       log(1 + eˣ) = max(x,0) + log1p(e^-|x|)       sigmoid(x)
softmax        e^(x - max) / Σ e^(x - max)                  y ⊙ (g - Σ g y)
log_softmax    x - logsumexp(x)                             g - eʸ Σ g
=============  ===========================================  ===============================

``relu``, ``sigmoid`` and ``tanh`` (the hot activations) compute a first-order backward directly
on arrays, in one pass; under ``create_graph=True`` the same derivative is built from
differentiable operations, so higher-order gradients work.
"""

from __future__ import annotations

import math
from typing import Any

from .. import backend
from ..autograd import Function, is_grad_enabled
from ..tensor import Tensor
from .elementwise import _mask, exp, where
from .reduce import sum


def _const(a: Any) -> Tensor:
    """A gradient computed directly on arrays (first-order backward: no graph is recorded)."""
    return Tensor._from_op(a, None, 0)


class ReLU(Function):
    keep_output = True

    def forward(self, x: Any) -> Any:
        return backend.xp.maximum(x, 0)

    def backward(self, gy: Tensor) -> Tensor:
        positive = self.output().data > 0
        if is_grad_enabled():  # create_graph: through differentiable ops
            return gy * _mask(positive, gy)
        return _const(gy.data * positive)  # one pass, no float copy of the mask


def relu(x: Tensor) -> Tensor:
    """Rectified linear unit ``max(x, 0)``."""
    return ReLU()(x)


class LeakyReLU(Function):
    def __init__(self, slope: float) -> None:
        self.slope = slope

    def forward(self, x: Any) -> Any:
        return backend.xp.where(x > 0, x, x * self.slope)

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0].data
        return gy * _mask(backend.xp.where(x > 0, 1.0, self.slope), gy)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """``x`` for positive inputs, ``negative_slope · x`` otherwise."""
    return LeakyReLU(negative_slope)(x)


class ELU(Function):
    keep_output = True

    def __init__(self, alpha: float) -> None:
        self.alpha = alpha

    def forward(self, x: Any) -> Any:
        xp = backend.xp
        return xp.where(x > 0, x, self.alpha * xp.expm1(xp.minimum(x, 0)))

    def backward(self, gy: Tensor) -> Tensor:
        pos = self.inputs[0].data > 0
        return where(pos, gy, gy * (self.output() + self.alpha))


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """Exponential linear unit: ``x`` if ``x > 0`` else ``alpha (eˣ - 1)``."""
    return ELU(alpha)(x)


class Erf(Function):
    def forward(self, x: Any) -> Any:
        return backend.special("erf")(x).astype(x.dtype, copy=False)

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0]
        return gy * (2.0 / math.sqrt(math.pi)) * exp(-(x * x))


def erf(x: Tensor) -> Tensor:
    """The error function ``erf x = 2/√π ∫₀ˣ e^(-t²) dt``."""
    return Erf()(x)


class GELU(Function):
    def forward(self, x: Any) -> Any:
        cdf = 0.5 * (1.0 + backend.special("erf")(x * (1 / math.sqrt(2.0))))
        return (x * cdf).astype(x.dtype, copy=False)

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0]
        cdf = (erf(x * (1 / math.sqrt(2.0))) + 1.0) * 0.5
        pdf = exp(x * x * -0.5) * (1 / math.sqrt(2 * math.pi))
        return gy * (cdf + x * pdf)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit ``x Φ(x)``; ``approximate="tanh"`` uses
    ``0.5 x (1 + tanh(√(2/π)(x + 0.044715 x³)))`` (both as in PyTorch)."""
    if approximate == "none":
        return GELU()(x)
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * math.sqrt(2 / math.pi)
        return x * (tanh(inner) + 1.0) * 0.5
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


class Sigmoid(Function):
    keep_output = True

    def forward(self, x: Any) -> Any:
        xp = backend.xp
        e = xp.exp(-xp.abs(x))  # in (0, 1]: never overflows
        return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))

    def backward(self, gy: Tensor) -> Tensor:
        y = self.output()
        if is_grad_enabled():
            return gy * y * (1.0 - y)
        yd = y.data
        return _const(gy.data * yd * (1 - yd))  # one node instead of three


def sigmoid(x: Tensor) -> Tensor:
    """Logistic function ``1 / (1 + e⁻ˣ)``, stable at ±1000."""
    return Sigmoid()(x)


class Tanh(Function):
    keep_output = True

    def forward(self, x: Any) -> Any:
        return backend.xp.tanh(x)

    def backward(self, gy: Tensor) -> Tensor:
        y = self.output()
        if is_grad_enabled():
            return gy * (1.0 - y * y)
        yd = y.data
        return _const(gy.data * (1 - yd * yd))


def tanh(x: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return Tanh()(x)


class Softplus(Function):
    def forward(self, x: Any) -> Any:
        xp = backend.xp
        return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))

    def backward(self, gy: Tensor) -> Tensor:
        return gy * sigmoid(self.inputs[0])


def softplus(x: Tensor) -> Tensor:
    """``log(1 + eˣ)``, a smooth ReLU, computed without overflow."""
    return Softplus()(x)


class Softmax(Function):
    keep_output = True

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x: Any) -> Any:
        xp = backend.xp
        e = xp.exp(x - x.max(axis=self.axis, keepdims=True))
        e /= e.sum(axis=self.axis, keepdims=True)
        return e

    def backward(self, gy: Tensor) -> Tensor:
        y = self.output()
        gyy = gy * y
        return gyy - y * sum(gyy, self.axis, keepdims=True)


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """``e^(x_i - max x) / Σ_j e^(x_j - max x)`` along ``axis``."""
    _check_axis(x, axis, "softmax")
    return Softmax(axis)(x)


class LogSoftmax(Function):
    keep_output = True

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x: Any) -> Any:
        xp = backend.xp
        z = x - x.max(axis=self.axis, keepdims=True)
        return z - xp.log(xp.exp(z).sum(axis=self.axis, keepdims=True))

    def backward(self, gy: Tensor) -> Tensor:
        return gy - exp(self.output()) * sum(gy, self.axis, keepdims=True)


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """``x - logsumexp(x)`` along ``axis``: log-probabilities without overflow."""
    _check_axis(x, axis, "log_softmax")
    return LogSoftmax(axis)(x)


def _check_axis(x: Tensor, axis: int, fn: str) -> None:
    if not -x.ndim <= axis < max(x.ndim, 1):
        raise ValueError(f"{fn}: axis {axis} is out of range for a tensor with {x.ndim} dims")
