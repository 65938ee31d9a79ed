"""ONNX rules for attention: scaled dot-product attention and the multi-head attention core."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy

from .... import backend
from ....functional import attention as At
from ..common import Rule

if TYPE_CHECKING:
    from ..graph import Exporter

RULES: dict[type, Rule] = {}


def _scores(ex: Exporter, q: str, kt: str, scale: float, mask: str, dtype: Any) -> str:
    s = ex.node("MatMul", [q, kt])
    if scale != 1.0:
        s = ex.node("Mul", [s, ex.scalar(scale, dtype)])
    if mask:
        s = ex.node("Add", [s, mask])
    return ex.node("Softmax", [s], axis=-1)


def _mask(ex: Exporter, fa: Any, fb: Any, dtype: Any, per_sample: bool = False) -> str:
    """The additive attention mask: ``where(m, -inf, 0)`` of a boolean model input ``m`` (a
    padding mask given with the batch: ``key_padding_mask=m``, ``attn_mask=m[:, None, :]``),
    or a constant (``attn_mask``, a causal mask) unless ``per_sample`` (a mask made per
    sample from something other than a mask input cannot be exported)."""
    ma, mb = fa.mask, fb.mask
    if ma is not None and mb is not None:
        a, b = backend.to_numpy(ma), backend.to_numpy(mb)
        hide_a, hide_b = numpy.isneginf(a), numpy.isneginf(b)
        if hide_a.any() and not (a[~hide_a] != 0).any() and not (b[~hide_b] != 0).any():
            m = ex.bool_input(hide_a, hide_b)
            if m is not None:
                return ex.node("Where", [m, ex.scalar(-numpy.inf, dtype), ex.scalar(0, dtype)])
    if per_sample:
        raise ex.data_error(
            f"a per-sample attention mask of shape {ma.shape} (key_padding_mask; give it as a "
            "boolean model input to export it)"
        )
    return ex.array_const(ma, mb, "attention mask", "attn_mask")


def _attention(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> list[str]:
    if fa.drop is not None:
        raise NotImplementedError(
            f"export_onnx: {ex.model_name}: attention dropout in training mode has no ONNX "
            "translation"
        )
    d = fa.inputs[0].dtype
    kd = fa.inputs[1].ndim
    perm = list(range(kd))
    perm[-1], perm[-2] = perm[-2], perm[-1]
    kt = ex.node("Transpose", [ins[1]], perm=perm)
    mask = _mask(ex, fa, fb, d)
    p = _scores(ex, ins[0], kt, fa.scale, mask, d)
    return [ex.node("MatMul", [p, ins[2]]), p]


def _mha(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> list[str]:
    if fa.drop is not None:
        raise NotImplementedError(
            f"export_onnx: {ex.model_name}: attention dropout in training mode has no ONNX "
            "translation"
        )
    h, bf = fa.h, fa.bf
    d = fa.inputs[0].dtype
    perm = [0, 2, 1, 3] if bf else [1, 2, 0, 3]
    if len(ins) == 1:  # packed (a, b, 3E)
        e3 = fa.inputs[0].shape[-1]
        x5 = ex.node("Reshape", [ins[0], ex.ints([0, 0, 3, h, e3 // (3 * h)])])
        parts = ex.node("Split", [x5, ex.ints([1, 1, 1])], n_out=3, axis=2)
        heads = [
            ex.node("Transpose", [ex.squeeze(p, [2])], perm=perm) for p in parts
        ]  # fmt: skip
    else:
        heads = []
        for x, t in zip(ins, fa.inputs):
            e = t.shape[-1]
            x4 = ex.node("Reshape", [x, ex.ints([0, 0, h, e // h])])
            heads.append(ex.node("Transpose", [x4], perm=perm))
    qh, kh, vh = heads
    kt = ex.node("Transpose", [kh], perm=[0, 1, 3, 2])
    m, L = fa.mask, fa.inputs[0].shape[1 if bf else 0]
    per_sample = m is not None and (m.shape[0] != 1 or (m.shape[2] == 1 and L > 1))
    mask = _mask(ex, fa, fb, d, per_sample)
    p = _scores(ex, qh, kt, fa.scale, mask, d)
    yh = ex.node("MatMul", [p, vh])  # (N, H, L, D)
    y = ex.node("Transpose", [yh], perm=[0, 2, 1, 3] if bf else [2, 0, 1, 3])
    y = ex.node("Reshape", [y, ex.ints([0, 0, -1])])
    return [y, p]


RULES[At.Attention] = _attention
RULES[At.MultiHeadAttentionCore] = _mha
