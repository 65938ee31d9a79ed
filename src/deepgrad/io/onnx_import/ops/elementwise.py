"""Elementwise ONNX operators: arithmetic, comparisons and logic, activations, ``Where``,
``Clip``, ``Cast``, ``Softmax`` / ``LogSoftmax``, ``Identity`` and ``Dropout`` (inference).

Floating-point tensors go through deepgrad's differentiable functions; integer and boolean
tensors are computed with NumPy (they carry no gradient)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy

from .... import functional as F
from ....tensor import Tensor
from ..registry import Node, array, is_float, op, wrap


def _unary(dg_fn: Callable[[Tensor], Tensor], np_fn: Callable | None = None) -> Callable:
    def handler(node: Node, ins: list[Any]) -> Tensor:
        x = ins[0]
        if is_float(x):
            return dg_fn(x)
        if np_fn is None:
            raise node.fail(f"input of dtype {x.dtype} is not supported (floating point only)")
        return wrap(np_fn(array(x)).astype(x.dtype))

    return handler


for _name, _dg, _np in (
    ("Abs", F.abs, numpy.abs),
    ("Neg", F.neg, numpy.negative),
    ("Exp", F.exp, None),
    ("Log", F.log, None),
    ("Sqrt", F.sqrt, None),
    ("Reciprocal", F.reciprocal, None),
    ("Sin", F.sin, None),
    ("Cos", F.cos, None),
    ("Tanh", F.tanh, None),
    ("Sigmoid", F.sigmoid, None),
    ("Relu", F.relu, lambda a: numpy.maximum(a, 0)),
    ("Floor", F.floor, None),
    ("Ceil", F.ceil, None),
    ("Round", F.round, None),
    ("Sign", F.sign, numpy.sign),
    ("Erf", F.erf, None),
    ("Softsign", F.softsign, None),
    ("Mish", F.mish, None),
):
    op(_name)(_unary(_dg, _np))


@op("Softplus")
def _softplus(node: Node, ins: list[Any]) -> Tensor:
    return F.softplus(ins[0])


@op("Identity")
def _identity(node: Node, ins: list[Any]) -> Any:
    return ins[0]


def _scalar(x: Tensor, v: float) -> Tensor:
    """``v`` as a 0-d tensor of ``x``'s dtype (so a float32 graph stays float32)."""
    return wrap(v, dtype=x.dtype)


@op("LeakyRelu")
def _leaky_relu(node: Node, ins: list[Any]) -> Tensor:
    return F.leaky_relu(ins[0], float(node.attr("alpha", 0.01)))


def _elu_part(x: Tensor, alpha: float) -> Tensor:
    """``x`` where ``x > 0``, else ``alpha (e^x - 1)`` (computed on ``min(x, 0)``)."""
    neg = F.expm1(F.clamp(x, max=0.0)) * _scalar(x, alpha)
    return F.where(array(x) > 0, x, neg)


@op("Elu")
def _elu(node: Node, ins: list[Any]) -> Tensor:
    return _elu_part(ins[0], float(node.attr("alpha", 1.0)))


@op("Selu")
def _selu(node: Node, ins: list[Any]) -> Tensor:
    alpha = float(node.attr("alpha", 1.67326319217681884765625))
    gamma = float(node.attr("gamma", 1.05070102214813232421875))
    return _elu_part(ins[0], alpha) * _scalar(ins[0], gamma)


@op("Celu")
def _celu(node: Node, ins: list[Any]) -> Tensor:
    x, alpha = ins[0], float(node.attr("alpha", 1.0))
    return F.relu(x) + F.clamp(F.expm1(x * _scalar(x, 1.0 / alpha)) * _scalar(x, alpha), max=0.0)


@op("HardSigmoid")
def _hard_sigmoid(node: Node, ins: list[Any]) -> Tensor:
    x = ins[0]
    a, b = float(node.attr("alpha", 0.2)), float(node.attr("beta", 0.5))
    return F.clamp(x * _scalar(x, a) + _scalar(x, b), 0.0, 1.0)


@op("HardSwish")
def _hard_swish(node: Node, ins: list[Any]) -> Tensor:
    x = ins[0]
    return x * F.clamp(x * _scalar(x, 1 / 6) + _scalar(x, 0.5), 0.0, 1.0)


@op("ThresholdedRelu")
def _thresholded_relu(node: Node, ins: list[Any]) -> Tensor:
    x = ins[0]
    return F.where(array(x) > float(node.attr("alpha", 1.0)), x, _scalar(x, 0.0))


@op("Gelu")
def _gelu(node: Node, ins: list[Any]) -> Tensor:
    return F.gelu(ins[0], approximate=node.attr("approximate", "none"))


@op("PRelu")
def _prelu(node: Node, ins: list[Any]) -> Tensor:
    x, slope = ins
    return F.where(array(x) < 0, x * slope, x)


# ------------------------------------------------------------------------- arithmetic
def _binary(dg_fn: Callable, np_fn: Callable) -> Callable:
    def handler(node: Node, ins: list[Any]) -> Tensor:
        a, b = ins
        if is_float(a) and is_float(b):
            return dg_fn(a, b)
        return wrap(numpy.asarray(np_fn(array(a), array(b))).astype(a.dtype))

    return handler


def _int_div(a: numpy.ndarray, b: numpy.ndarray) -> numpy.ndarray:
    return numpy.trunc(a / b).astype(a.dtype)  # C's integer division, as ONNX's reference


def _mod(node: Node, ins: list[Any]) -> Tensor:
    a, b = array(ins[0]), array(ins[1])
    if int(node.attr("fmod", 0)):
        return wrap(numpy.fmod(a, b).astype(a.dtype))
    return wrap(numpy.mod(a, b).astype(a.dtype))


op("Add")(_binary(F.add, numpy.add))
op("Sub")(_binary(F.sub, numpy.subtract))
op("Mul")(_binary(F.mul, numpy.multiply))
op("Div")(_binary(F.div, _int_div))
op("Mod")(_mod)


@op("Pow")
def _pow(node: Node, ins: list[Any]) -> Tensor:
    a, b = ins
    if is_float(a):
        if b.dtype != a.dtype:
            b = F.astype(b, a.dtype) if is_float(b) else wrap(array(b), dtype=a.dtype)
        return F.pow(a, b)
    return wrap(numpy.power(array(a).astype(numpy.float64), array(b)).astype(a.dtype))


def _variadic(dg_fn: Callable, np_fn: Callable, mean: bool = False) -> Callable:
    def handler(node: Node, ins: list[Any]) -> Tensor:
        xs = [x for x in ins if x is not None]
        if all(is_float(x) for x in xs):
            out = xs[0]
            for x in xs[1:]:
                out = dg_fn(out, x)
            if len(xs) == 1:
                out = out + _scalar(out, 0.0)
            return out * _scalar(out, 1.0 / len(xs)) if mean else out
        arrs = [array(x) for x in xs]
        out = arrs[0]
        for a in arrs[1:]:
            out = np_fn(out, a)
        return wrap(numpy.asarray(out / len(arrs) if mean else out).astype(arrs[0].dtype))

    return handler


op("Max")(_variadic(F.maximum, numpy.maximum))
op("Min")(_variadic(F.minimum, numpy.minimum))
op("Sum")(_variadic(F.add, numpy.add))
op("Mean")(_variadic(F.add, numpy.add, mean=True))


# -------------------------------------------------------------- comparisons and logic
def _compare(np_fn: Callable) -> Callable:
    def handler(node: Node, ins: list[Any]) -> Tensor:
        return wrap(np_fn(array(ins[0]), array(ins[1])))

    return handler


for _name, _fn in (
    ("Equal", numpy.equal),
    ("Greater", numpy.greater),
    ("Less", numpy.less),
    ("GreaterOrEqual", numpy.greater_equal),
    ("LessOrEqual", numpy.less_equal),
    ("And", numpy.logical_and),
    ("Or", numpy.logical_or),
    ("Xor", numpy.logical_xor),
):
    op(_name)(_compare(_fn))


@op("Not")
def _not(node: Node, ins: list[Any]) -> Tensor:
    return wrap(numpy.logical_not(array(ins[0])))


@op("IsNaN")
def _isnan(node: Node, ins: list[Any]) -> Tensor:
    return wrap(numpy.isnan(array(ins[0])))


@op("Where")
def _where(node: Node, ins: list[Any]) -> Tensor:
    cond, a, b = ins
    if is_float(a) and is_float(b):
        return F.where(array(cond).astype(bool), a, b)
    return wrap(numpy.where(array(cond), array(a), array(b)))


@op("Clip")
def _clip(node: Node, ins: list[Any]) -> Tensor:
    x = ins[0]
    if node.opset < 11:
        lo, hi = node.attr("min"), node.attr("max")
    else:
        lo = None if len(ins) < 2 or ins[1] is None else array(ins[1]).item()
        hi = None if len(ins) < 3 or ins[2] is None else array(ins[2]).item()
    if is_float(x):
        if lo is None and hi is None:
            return x
        return F.clamp(x, lo, hi)
    return wrap(numpy.clip(array(x), lo, hi).astype(x.dtype))


# ------------------------------------------------------------------- types, softmax
def _np_dtype(to: int) -> numpy.dtype:
    from onnx import helper

    return numpy.dtype(helper.tensor_dtype_to_np_dtype(to))


_PLAIN_KINDS = "fiub"


@op("Cast")
def _cast(node: Node, ins: list[Any]) -> Tensor:
    x = ins[0]
    try:
        to = _np_dtype(int(node.attr("to")))
    except Exception as e:
        raise node.fail(f"cannot cast to ONNX type {node.attr('to')}: {e}") from None
    if (
        to.kind not in _PLAIN_KINDS
        or to.name == "bfloat16"
        or numpy.dtype(x.dtype).kind not in _PLAIN_KINDS
    ):
        raise node.fail(f"cast from {x.dtype} to {to} is not supported (numeric types only)")
    if is_float(x) and to.kind == "f":
        return F.astype(x, to)
    return wrap(array(x).astype(to))


@op("CastLike")
def _cast_like(node: Node, ins: list[Any]) -> Tensor:
    x, like = ins
    to = numpy.dtype(like.dtype)
    if to.kind not in _PLAIN_KINDS or numpy.dtype(x.dtype).kind not in _PLAIN_KINDS:
        raise node.fail(f"cast from {x.dtype} to {to} is not supported (numeric types only)")
    if is_float(x) and to.kind == "f":
        return F.astype(x, to)
    return wrap(array(x).astype(to))


def _softmax_like(fn: Callable) -> Callable:
    def handler(node: Node, ins: list[Any]) -> Tensor:
        x = ins[0]
        if node.opset >= 13:
            return fn(x, int(node.attr("axis", -1)))
        axis = int(node.attr("axis", 1)) % max(x.ndim, 1)  # opset < 13: 2-D coercion
        rows = math.prod(x.shape[:axis])
        return F.reshape(fn(F.reshape(x, (rows, -1)), 1), x.shape)

    return handler


op("Softmax")(_softmax_like(F.softmax))
op("LogSoftmax")(_softmax_like(F.log_softmax))


@op("Dropout")
def _dropout(node: Node, ins: list[Any]) -> Any:
    x = ins[0]
    ratio = float(array(ins[1]).item()) if len(ins) > 1 and ins[1] is not None else 0.5
    training = bool(array(ins[2]).item()) if len(ins) > 2 and ins[2] is not None else False
    if node.opset < 12:
        ratio = float(node.attr("ratio", 0.5))
    if training and ratio > 0.0:
        raise node.fail(
            "training-mode dropout (random) is not supported; the module runs it "
            "as inference (identity)"
        )
    mask = wrap(numpy.ones(x.shape, dtype=bool))
    return [x, mask] if node.n_outputs > 1 else x
