"""Matrix products: ``MatMul``, ``Gemm`` (``alpha · A' B' + beta · C``) and ``Einsum``."""

from __future__ import annotations

from typing import Any

import numpy

from .... import functional as F
from ....tensor import Tensor
from ..registry import Node, array, is_float, op, wrap


@op("MatMul")
def _matmul(node: Node, ins: list[Any]) -> Tensor:
    a, b = ins
    if is_float(a) and is_float(b):
        return F.matmul(a, b)
    return wrap(numpy.matmul(array(a), array(b)))


@op("Gemm")
def _gemm(node: Node, ins: list[Any]) -> Tensor:
    a, b = ins[0], ins[1]
    c = ins[2] if len(ins) > 2 else None
    alpha, beta = float(node.attr("alpha", 1.0)), float(node.attr("beta", 1.0))
    if int(node.attr("transA", 0)):
        a = F.swapaxes(a, 0, 1)
    if int(node.attr("transB", 0)):
        b = F.swapaxes(b, 0, 1)
    y = F.matmul(a, b)
    if alpha != 1.0:
        y = y * wrap(alpha, dtype=y.dtype)
    if c is not None:
        y = y + (c if beta == 1.0 else c * wrap(beta, dtype=c.dtype))
    return y


@op("Einsum")
def _einsum(node: Node, ins: list[Any]) -> Tensor:
    eq = node.attr("equation").replace(" ", "")
    if all(is_float(x) for x in ins):
        return F.einsum(eq, *ins)
    return wrap(numpy.einsum(eq, *[array(x) for x in ins]))
