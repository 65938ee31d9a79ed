"""Normalization: ``BatchNormalization`` (inference, or training mode with the running
statistics as outputs), ``LayerNormalization``, ``InstanceNormalization``,
``GroupNormalization`` and ``LpNormalization``, written with deepgrad's differentiable
functions so gradients flow to the input and to the scale and bias."""

from __future__ import annotations

from typing import Any

from .... import functional as F
from ....tensor import Tensor
from ..registry import Node, array, op, wrap


def _channel(v: Tensor, ndim: int) -> Tensor:
    """A ``(C,)`` vector shaped ``(1, C, 1, ...)`` to broadcast over ``(N, C, *spatial)``."""
    return F.reshape(v, (1, -1) + (1,) * (ndim - 2))


def _normalize(x: Tensor, axes: tuple[int, ...], eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """``((x - mean) / sqrt(var + eps), mean, 1 / sqrt(var + eps))`` over ``axes``
    (population variance), the statistics kept with size-1 axes."""
    mean = F.mean(x, axis=axes, keepdims=True)
    d = x - mean
    var = F.mean(d * d, axis=axes, keepdims=True)
    inv = F.rsqrt(var + wrap(eps, dtype=x.dtype))
    return d * inv, mean, inv


@op("BatchNormalization")
def _batch_norm(node: Node, ins: list[Any]) -> Any:
    x, scale, bias, mean, var = ins[:5]
    eps = float(node.attr("epsilon", 1e-5))
    nd = x.ndim
    if int(node.attr("training_mode", 0)):
        axes = (0, *range(2, nd))
        y, bmean, _ = _normalize(x, axes, eps)
        y = y * _channel(scale, nd) + _channel(bias, nd)
        m = float(node.attr("momentum", 0.9))
        d = x - bmean
        bvar = F.mean(d * d, axis=axes)
        bmean = F.reshape(bmean, (-1,))
        run_mean = mean * wrap(m, dtype=mean.dtype) + bmean * wrap(1 - m, dtype=x.dtype)
        run_var = var * wrap(m, dtype=var.dtype) + bvar * wrap(1 - m, dtype=x.dtype)
        return [y, run_mean, run_var][: node.n_outputs]
    inv = F.rsqrt(_channel(var, nd) + wrap(eps, dtype=var.dtype))
    return (x - _channel(mean, nd)) * (inv * _channel(scale, nd)) + _channel(bias, nd)


@op("LayerNormalization")
def _layer_norm(node: Node, ins: list[Any]) -> Any:
    x, scale = ins[0], ins[1]
    bias = ins[2] if len(ins) > 2 else None
    axis = int(node.attr("axis", -1)) % x.ndim
    eps = float(node.attr("epsilon", 1e-5))
    y, mean, inv = _normalize(x, tuple(range(axis, x.ndim)), eps)
    y = y * scale
    if bias is not None:
        y = y + bias
    return [y, mean, inv][: node.n_outputs]


@op("InstanceNormalization")
def _instance_norm(node: Node, ins: list[Any]) -> Tensor:
    x, scale, bias = ins
    eps = float(node.attr("epsilon", 1e-5))
    y, _, _ = _normalize(x, tuple(range(2, x.ndim)), eps)
    return y * _channel(scale, x.ndim) + _channel(bias, x.ndim)


@op("GroupNormalization")
def _group_norm(node: Node, ins: list[Any]) -> Tensor:
    x, scale, bias = ins
    g = int(node.attr("num_groups"))
    eps = float(node.attr("epsilon", 1e-5))
    n, c = x.shape[0], x.shape[1]
    y, _, _ = _normalize(F.reshape(x, (n, g, -1)), (2,), eps)
    y = F.reshape(y, x.shape)
    if scale.shape[0] != c:  # opset 18: one scale and bias per group
        scale = F.reshape(F.broadcast_to(F.reshape(scale, (g, 1)), (g, c // g)), (c,))
        bias = F.reshape(F.broadcast_to(F.reshape(bias, (g, 1)), (g, c // g)), (c,))
    return y * _channel(scale, x.ndim) + _channel(bias, x.ndim)


@op("LpNormalization")
def _lp_norm(node: Node, ins: list[Any]) -> Tensor:
    x = ins[0]
    axis, p = int(node.attr("axis", -1)), int(node.attr("p", 2))
    if p == 1:
        norm = F.sum(F.abs(x), axis=axis, keepdims=True)
    else:
        norm = F.sqrt(F.sum(x * x, axis=axis, keepdims=True))
    safe = F.where(array(norm) == 0, wrap(1.0, dtype=x.dtype), norm)
    return x / safe


@op("LRN")
def _lrn(node: Node, ins: list[Any]) -> Tensor:
    """Local response normalization across channels (AlexNet's): ``y = x / (bias + α/size ·
    Σ_{c' near c} x_{c'}²)^β``, the window ``[c - ⌊(size-1)/2⌋, c + ⌈(size-1)/2⌉]``."""
    x = ins[0]
    size = int(node.attr("size"))
    alpha, beta = float(node.attr("alpha", 1e-4)), float(node.attr("beta", 0.75))
    bias = float(node.attr("bias", 1.0))
    if size < 1:
        raise node.fail(f"size {size}: expected a positive window of channels")
    c = x.shape[1]
    # a window reaching past every channel sums them all: clamped to the channels there are
    # (the same sums), so the padding and the loop below are bounded by the input, not by size
    lo, hi = min((size - 1) // 2, c - 1), min(size - 1 - (size - 1) // 2, c - 1)
    sq = F.pad(x * x, [(0, 0), (lo, hi)] + [(0, 0)] * (x.ndim - 2))
    total = sq[:, 0:c]
    for k in range(1, lo + hi + 1):
        total = total + sq[:, k : k + c]
    scale = total * wrap(alpha / size, dtype=x.dtype) + wrap(bias, dtype=x.dtype)
    return x / scale ** wrap(beta, dtype=x.dtype)
