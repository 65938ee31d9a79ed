"""Reductions: ``ReduceSum``/``Mean``/``Max``/``Min``/``Prod``/``L1``/``L2``/``SumSquare``/
``LogSum``/``LogSumExp``, ``ArgMax`` and ``ArgMin``.

The axes come from an input (opset 13 for ``ReduceSum``, 18 for the rest) or an attribute
(older); no axes reduce everything, unless ``noop_with_empty_axes`` makes it the identity."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy

from .... import functional as F
from ....tensor import Tensor
from ..registry import Node, array, ints, is_float, op, wrap


def _axes(node: Node, ins: list[Any], x: Tensor) -> tuple[int, ...] | None:
    if len(ins) > 1 and ins[1] is not None:
        axes = ints(ins[1])
    else:
        axes = node.attr("axes")
        axes = None if axes is None else [int(a) for a in axes]
    if not axes:
        return None
    return tuple(sorted(a % x.ndim for a in axes))


def _dg_prod(x: Tensor, axes: tuple[int, ...], keep: bool) -> Tensor:
    for a in sorted(axes, reverse=True):
        x = F.prod(x, dim=a, keepdim=True)
    return x if keep else F.reshape(x, tuple(s for i, s in enumerate(x.shape) if i not in axes))


def _lowest(dtype: numpy.dtype) -> Any:
    """The identity of ``max``: −∞, the type's minimum, or False."""
    if dtype.kind == "f":
        return -numpy.inf
    return False if dtype.kind == "b" else numpy.iinfo(dtype).min


def _highest(dtype: numpy.dtype) -> Any:
    if dtype.kind == "f":
        return numpy.inf
    return True if dtype.kind == "b" else numpy.iinfo(dtype).max


_FLOAT: dict[str, Callable[[Tensor, tuple[int, ...], bool], Tensor]] = {
    "ReduceSum": lambda x, a, k: F.sum(x, axis=a, keepdims=k),
    "ReduceMean": lambda x, a, k: F.mean(x, axis=a, keepdims=k),
    "ReduceMax": lambda x, a, k: F.amax(x, dim=a, keepdim=k),
    "ReduceMin": lambda x, a, k: F.amin(x, dim=a, keepdim=k),
    "ReduceProd": _dg_prod,
    "ReduceL1": lambda x, a, k: F.sum(F.abs(x), axis=a, keepdims=k),
    "ReduceL2": lambda x, a, k: F.sqrt(F.sum(x * x, axis=a, keepdims=k)),
    "ReduceSumSquare": lambda x, a, k: F.sum(x * x, axis=a, keepdims=k),
    "ReduceLogSum": lambda x, a, k: F.log(F.sum(x, axis=a, keepdims=k)),
    "ReduceLogSumExp": lambda x, a, k: F.logsumexp(x, axis=a, keepdims=k),
}

_NUMPY: dict[str, Callable[[numpy.ndarray, tuple[int, ...], bool], numpy.ndarray]] = {
    "ReduceSum": lambda x, a, k: numpy.sum(x, axis=a, keepdims=k),
    "ReduceMean": lambda x, a, k: numpy.mean(x, axis=a, keepdims=k),
    "ReduceMax": lambda x, a, k: numpy.max(x, axis=a, keepdims=k, initial=_lowest(x.dtype)),
    "ReduceMin": lambda x, a, k: numpy.min(x, axis=a, keepdims=k, initial=_highest(x.dtype)),
    "ReduceProd": lambda x, a, k: numpy.prod(x, axis=a, keepdims=k),
    "ReduceL1": lambda x, a, k: numpy.sum(numpy.abs(x), axis=a, keepdims=k),
    "ReduceL2": lambda x, a, k: numpy.sqrt(
        numpy.sum(x.astype(numpy.float64) ** 2, axis=a, keepdims=k)
    ),
    "ReduceSumSquare": lambda x, a, k: numpy.sum(x * x, axis=a, keepdims=k),
    "ReduceLogSum": lambda x, a, k: numpy.log(numpy.sum(x, axis=a, keepdims=k)),
    "ReduceLogSumExp": lambda x, a, k: numpy.log(
        numpy.sum(numpy.exp(x.astype(numpy.float64)), axis=a, keepdims=k)
    ),
}


def _reduce(node: Node, ins: list[Any]) -> Tensor:
    x = ins[0]
    axes = _axes(node, ins, x)
    keep = bool(node.attr("keepdims", 1))
    if axes is None:
        if int(node.attr("noop_with_empty_axes", 0)):
            return x
        axes = tuple(range(x.ndim))
    if is_float(x) and math.prod(x.shape) > 0:
        return _FLOAT[node.op_type](x, axes, keep)
    with numpy.errstate(divide="ignore", invalid="ignore"):
        out = _NUMPY[node.op_type](array(x), axes, keep)
    return wrap(numpy.asarray(out).astype(x.dtype))


for _name in _FLOAT:
    op(_name)(_reduce)


def _arg(fn: Callable) -> Callable:
    def handler(node: Node, ins: list[Any]) -> Tensor:
        x = array(ins[0])
        axis = int(node.attr("axis", 0)) % max(x.ndim, 1)
        if int(node.attr("select_last_index", 0)):
            flipped = numpy.flip(x, axis)
            idx = x.shape[axis] - 1 - fn(flipped, axis=axis)
        else:
            idx = fn(x, axis=axis)
        if int(node.attr("keepdims", 1)):
            idx = numpy.expand_dims(idx, axis)
        return wrap(idx.astype(numpy.int64))

    return handler


op("ArgMax")(_arg(numpy.argmax))
op("ArgMin")(_arg(numpy.argmin))
