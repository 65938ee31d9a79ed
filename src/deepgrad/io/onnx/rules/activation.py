"""ONNX rules for activation Functions: ReLU family, sigmoid/tanh, GELU, SiLU, Mish, softplus, softmax."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ....functional import activation as A
from ..common import Rule, dt, same

if TYPE_CHECKING:
    from ..graph import Exporter

RULES: dict[type, Rule] = {}

RULES[A.Erf] = same("Erf")
RULES[A.ReLU] = same("Relu")
RULES[A.Sigmoid] = same("Sigmoid")
RULES[A.Tanh] = same("Tanh")
RULES[A.Hardswish] = same("HardSwish")
RULES[A.Hardsigmoid] = same("HardSigmoid", alpha=1.0 / 6.0, beta=0.5)

RULES[A.LeakyReLU] = lambda ex, fa, fb, ins: ex.node("LeakyRelu", ins, alpha=float(fa.slope))


def elu(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    if fa.scale != 1.0:  # SELU: scale · elu(x, alpha) in one node
        return ex.node("Selu", ins, alpha=float(fa.alpha), gamma=float(fa.scale))
    return ex.node("Elu", ins, alpha=float(fa.alpha))


RULES[A.ELU] = elu
RULES[A.CELU] = lambda ex, fa, fb, ins: ex.node("Celu", ins, alpha=float(fa.alpha))
RULES[A.Softmax] = lambda ex, fa, fb, ins: ex.node("Softmax", ins, axis=int(fa.axis))
RULES[A.LogSoftmax] = lambda ex, fa, fb, ins: ex.node("LogSoftmax", ins, axis=int(fa.axis))


def gelu(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    if ex.opset >= 20:
        return ex.node("Gelu", ins)
    d = dt(fa)  # x · ½ (1 + erf(x / √2))
    e = ex.node("Erf", [ex.node("Mul", [ins[0], ex.scalar(1 / math.sqrt(2.0), d)])])
    cdf = ex.node("Mul", [ex.node("Add", [e, ex.scalar(1.0, d)]), ex.scalar(0.5, d)])
    return ex.node("Mul", [ins[0], cdf])


RULES[A.GELU] = gelu


def gelu_tanh(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    if ex.opset >= 20:
        return ex.node("Gelu", ins, approximate="tanh")
    d = dt(fa)  # ½ x (1 + tanh(β (x + κ x³)))
    x3 = ex.node("Mul", [ex.node("Mul", [ins[0], ins[0]]), ins[0]])
    inner = ex.node("Add", [ins[0], ex.node("Mul", [x3, ex.scalar(A._GELU_KAPPA, d)])])
    t = ex.node("Tanh", [ex.node("Mul", [inner, ex.scalar(A._GELU_BETA, d)])])
    half_x = ex.node("Mul", [ins[0], ex.scalar(0.5, d)])
    return ex.node("Mul", [half_x, ex.node("Add", [t, ex.scalar(1.0, d)])])


RULES[A.GELUTanh] = gelu_tanh
RULES[A.SiLU] = lambda ex, fa, fb, ins: ex.node("Mul", [ins[0], ex.node("Sigmoid", ins)])


def mish(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    if ex.opset >= 18:
        return ex.node("Mish", ins)
    return ex.node("Mul", [ins[0], ex.node("Tanh", [ex.node("Softplus", ins)])])


RULES[A.Mish] = mish


def softplus(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    d = dt(fa)
    if fa.beta == 1.0 and fa.threshold == math.inf:
        return ex.node("Softplus", ins)
    z = ins[0] if fa.beta == 1.0 else ex.node("Mul", [ins[0], ex.scalar(fa.beta, d)])
    y = ex.node("Softplus", [z])
    if fa.beta != 1.0:
        y = ex.node("Div", [y, ex.scalar(fa.beta, d)])
    if fa.threshold == math.inf:
        return y
    big = ex.node("Greater", [z, ex.scalar(fa.threshold, d)])
    return ex.node("Where", [big, ins[0], y])


RULES[A.Softplus] = softplus
# log σ(x) = −softplus(−x): ONNX has no LogSigmoid; Log(Sigmoid(x)) would underflow to −inf
RULES[A.LogSigmoid] = lambda ex, fa, fb, ins: ex.node(
    "Neg", [ex.node("Softplus", [ex.node("Neg", ins)])]
)


def threshold(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    d = dt(fa)
    below = ex.node("LessOrEqual", [ins[0], ex.scalar(fa.threshold, d)])  # NaN passes
    return ex.node("Where", [below, ex.scalar(fa.value, d), ins[0]])


RULES[A.Threshold] = threshold
