"""ONNX rules for the fused layer Functions: batch and layer normalization, dropout, embedding."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy

from ....functional import normalization as N
from ....functional.dropout import Dropout
from ....functional.embedding import Embedding
from ..common import Rule, dt, index_source

if TYPE_CHECKING:
    from ..graph import Exporter

RULES: dict[type, Rule] = {}


def batch_norm(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    if fa.training:
        raise NotImplementedError(
            f"export_onnx: {ex.model_name}: BatchNorm with batch statistics (training "
            "mode) has no ONNX translation; the exporter runs the model in eval mode"
        )
    C = fa.inputs[0].shape[1]
    d = dt(fa)
    rest = list(ins[1:])
    scale = rest.pop(0) if fa.has_w else ex.init(numpy.ones(C, d), "bn_scale")
    bias = rest.pop(0) if fa.has_b else ex.init(numpy.zeros(C, d), "bn_bias")
    mean = ex.array_const(fa.mean, fb.mean, "running mean", "running_mean")
    var = ex.array_const(fa.var, fb.var, "running variance", "running_var")
    return ex.node("BatchNormalization", [ins[0], scale, bias, mean, var],
                   epsilon=float(fa.eps))  # fmt: skip


RULES[N.BatchNorm] = batch_norm


def layer_norm(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    shape = fa.inputs[0].shape
    axis, size = len(shape), 1
    while size < fa.n and axis > 0:
        axis -= 1
        size *= shape[axis]
    rest = list(ins[1:])
    ns = shape[axis:]
    scale = rest.pop(0) if fa.has_w else ex.init(numpy.ones(ns, dt(fa)), "ln_scale")
    ins2 = [ins[0], scale] + ([rest.pop(0)] if fa.has_b else [])
    if fa.has_w and tuple(fa.inputs[1].shape) != tuple(ns):
        ins2[1] = ex.node("Reshape", [scale, ex.ints(ns)])
    if fa.has_b and tuple(fa.inputs[-1].shape) != tuple(ns):
        ins2[2] = ex.node("Reshape", [ins2[2], ex.ints(ns)])
    return ex.node("LayerNormalization", ins2, axis=axis - len(shape),
                   epsilon=float(fa.eps))  # fmt: skip


RULES[N.LayerNorm] = layer_norm


def dropout(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    raise NotImplementedError(
        f"export_onnx: {ex.model_name}: Dropout in training mode (a random mask) has no "
        "ONNX translation; call F.dropout with training=self.training"
    )


RULES[Dropout] = dropout


def embedding(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    idx = index_source(ex, fa.indices, fb.indices)
    return ex.node("Gather", [ins[0], idx], axis=0)


RULES[Embedding] = embedding
