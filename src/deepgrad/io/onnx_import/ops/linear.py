"""Matrix products: ``MatMul``, ``Gemm`` (``alpha · A' B' + beta · C``) and ``Einsum``."""

from __future__ import annotations

import math
from typing import Any

import numpy

from .... import functional as F
from ....tensor import Tensor
from ..registry import Node, array, is_float, op, wrap


def _check_product(node: Node, a: Any, b: Any) -> None:
    """Refuse (before it is made) a product whose output is past the node's size limit: an
    outer product ``(N, 1) @ (1, N)`` makes ``N²`` elements from ``2N``, and the batch axes
    broadcast. A 1-D operand makes an output no larger than the other one. The work, output x
    inner dimension, is bounded too (:meth:`Node.check_work`)."""
    if a.ndim >= 2 and b.ndim >= 2:
        batch = node.check_broadcast([tuple(a.shape[:-2]), tuple(b.shape[:-2])])
        out = node.check_size((*batch, a.shape[-2], b.shape[-1]))
        node.check_work(math.prod(out) * a.shape[-1], f"a product of {out} over {a.shape[-1]}")


@op("MatMul")
def _matmul(node: Node, ins: list[Any]) -> Tensor:
    a, b = ins
    _check_product(node, a, b)
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
    _check_product(node, a, b)
    if c is not None and a.ndim == b.ndim == 2:
        node.check_broadcast([(a.shape[0], b.shape[1]), tuple(c.shape)])
    y = F.matmul(a, b)
    if alpha != 1.0:
        y = y * wrap(alpha, dtype=y.dtype)
    if c is not None:
        y = y + (c if beta == 1.0 else c * wrap(beta, dtype=c.dtype))
    return y


@op("Einsum")
def _einsum(node: Node, ins: list[Any]) -> Tensor:
    eq = node.attr("equation").replace(" ", "")
    _check_einsum(node, eq, ins)
    if all(is_float(x) for x in ins):
        return F.einsum(eq, *ins)
    return wrap(numpy.einsum(eq, *[array(x) for x in ins]))


def _check_einsum(node: Node, eq: str, ins: list[Any]) -> None:
    """Refuse an einsum whose output is past the node's size limit (``i,j->ij`` is an outer
    product), or whose work is past its work limit (``i,j,k->`` makes one number from three
    vectors of N in N³ steps: every letter's size multiplied, the loop a plain einsum runs),
    from the operands' shapes, before anything is computed."""
    from ....functional.linalg import _parse_einsum

    try:
        terms, out = _parse_einsum(eq, [tuple(x.shape) for x in ins])
    except ValueError as e:
        raise node.fail(str(e)) from None
    sizes: dict[str, int] = {}
    for term, x in zip(terms, ins):
        for c, n in zip(term, x.shape):
            sizes[c] = n if sizes.get(c, 1) == 1 else sizes[c]
    node.check_size(sizes[c] for c in out)
    node.check_work(math.prod(sizes.values()), f"the einsum {eq!r} over {sizes}")
