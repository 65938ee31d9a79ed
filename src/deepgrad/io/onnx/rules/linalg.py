"""ONNX rules for linear algebra: matmul, linear (Gemm), einsum."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ....functional import linalg as L
from ..common import Rule, same

if TYPE_CHECKING:
    from ..graph import Exporter

RULES: dict[type, Rule] = {}

RULES[L.MatMul] = same("MatMul")


def linear(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    if fa.inputs[0].ndim == 2:
        return ex.node("Gemm", ins, transB=1)
    wt = ex.node("Transpose", [ins[1]], perm=[1, 0])
    y = ex.node("MatMul", [ins[0], wt])
    return ex.node("Add", [y, ins[2]]) if len(ins) > 2 else y


RULES[L.Linear] = linear
# Sequential's fused Linear → ReLU node: the two operations it stands for
RULES[L.LinearReLU] = lambda ex, fa, fb, ins: ex.node("Relu", [linear(ex, fa, fb, ins)])


def einsum(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    return ex.node("Einsum", ins, equation=",".join(fa.terms) + "->" + fa.out)


RULES[L.Einsum] = einsum
