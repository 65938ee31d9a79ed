"""ONNX rules for reductions: sum, mean (global average pooling), max/min, logsumexp, var/std,
cumsum, prod, norms."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy

from ....functional import reduce as Re
from ..common import Rule, dt

if TYPE_CHECKING:
    from ..graph import Exporter

RULES: dict[type, Rule] = {}


def reduction(op: str) -> Rule:
    return lambda ex, fa, fb, ins: ex.reduce(op, ins[0], fa.axes, fa.keepdims)


RULES[Re.Sum] = reduction("ReduceSum")


def mean(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    x = fa.inputs[0]
    if (
        x.ndim >= 3
        and fa.keepdims
        and fa.axes is not None
        and sorted(fa.axes) == list(range(2, x.ndim))
    ):
        return ex.node("GlobalAveragePool", ins)
    return ex.reduce("ReduceMean", ins[0], fa.axes, fa.keepdims)


RULES[Re.Mean] = mean
RULES[Re.Max] = lambda ex, fa, fb, ins: ex.reduce(
    "ReduceMax" if fa.take_max else "ReduceMin", ins[0], fa.axes, fa.keepdims
)


def logsumexp(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    m = ex.reduce("ReduceMax", ins[0], fa.axes, True)  # stable: m + log Σ e^(x - m)
    s = ex.reduce("ReduceSum", ex.node("Exp", [ex.node("Sub", [ins[0], m])]), fa.axes, True)
    y = ex.node("Add", [ex.node("Log", [s]), m])
    if fa.keepdims:
        return y
    axes = fa.axes if fa.axes is not None else range(fa.inputs[0].ndim)
    return ex.squeeze(y, list(axes)) if fa.inputs[0].ndim else y


RULES[Re.LogSumExp] = logsumexp


def var(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    """``Σ (x - mean)² / (n - correction)`` (the shift deepgrad centres on is exact algebra:
    the plain form is exported)."""
    d = ex.node("Sub", [ins[0], ex.reduce("ReduceMean", ins[0], fa.axes, True)])
    ss = ex.reduce("ReduceSum", ex.node("Mul", [d, d]), fa.axes, fa.keepdims)
    return ex.node("Div", [ss, ex.scalar(float(max(fa.dof, 0)), dt(fa))])


RULES[Re.Var] = var
RULES[Re.Std] = lambda ex, fa, fb, ins: ex.node("Sqrt", [var(ex, fa, fb, ins)])
RULES[Re.StdFromVar] = lambda ex, fa, fb, ins: ex.node("Sqrt", ins)
RULES[Re.CumSum] = lambda ex, fa, fb, ins: ex.node(
    "CumSum", [ins[0], ex.const(int(fa.axis), numpy.int64, "axis")]
)
RULES[Re.Prod] = lambda ex, fa, fb, ins: ex.reduce(
    "ReduceProd", ins[0], None if fa.axis is None else [fa.axis], fa.keepdims
)


def vector_norm(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    p = fa.p
    if p == 2:
        return ex.reduce("ReduceL2", ins[0], fa.axes, fa.keepdims)
    if p == 1:
        return ex.reduce("ReduceL1", ins[0], fa.axes, fa.keepdims)
    d = dt(fa)
    s = ex.reduce(
        "ReduceSum", ex.node("Pow", [ex.node("Abs", ins), ex.scalar(p, d)]), fa.axes,
        fa.keepdims,
    )  # fmt: skip
    return ex.node("Pow", [s, ex.scalar(1.0 / p, d)])


RULES[Re.VectorNorm] = vector_norm
