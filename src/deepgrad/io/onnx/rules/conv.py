"""ONNX rules for convolution and pooling: Conv, ConvTranspose, MaxPool, AveragePool, adaptive pooling."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy

from .... import backend
from ....functional import conv as C
from ....functional import pooling as P
from ..common import Rule, dt

if TYPE_CHECKING:
    from ..graph import Exporter

RULES: dict[type, Rule] = {}


def conv(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    g = fa.g
    return ex.node(
        "Conv", ins, kernel_shape=[g.kh, g.kw], strides=[g.sh, g.sw],
        pads=[g.pt, g.pl, g.pb, g.pr], dilations=[g.dh, g.dw], group=g.G,
    )  # fmt: skip


RULES[C.Conv2dFunction] = conv


def conv_t(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    g = fa.g  # the geometry of the conv2d this is the adjoint of: (H, W) is the output
    oph = g.H - (g.sh * (g.Ho - 1) + g.dh * (g.kh - 1) + 1 - g.pt - g.pb)
    opw = g.W - (g.sw * (g.Wo - 1) + g.dw * (g.kw - 1) + 1 - g.pl - g.pr)
    return ex.node(
        "ConvTranspose", ins, kernel_shape=[g.kh, g.kw], strides=[g.sh, g.sw],
        pads=[g.pt, g.pl, g.pb, g.pr], dilations=[g.dh, g.dw], group=g.G,
        output_padding=[oph, opw],
    )  # fmt: skip


RULES[C.ConvTranspose2dFunction] = conv_t


def ceil_mode(g: Any) -> int:
    floor = [(n + 2 * p - d * (k - 1) - 1) // s + 1
             for n, p, d, k, s in ((g.H, g.ph, g.dh, g.kh, g.sh), (g.W, g.pw, g.dw, g.kw, g.sw))]  # fmt: skip
    return 0 if floor == [g.Ho, g.Wo] else 1


def max_pool(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    g = fa.g
    return ex.node(
        "MaxPool", ins, kernel_shape=[g.kh, g.kw], strides=[g.sh, g.sw],
        pads=[g.ph, g.pw, g.ph, g.pw], dilations=[g.dh, g.dw], ceil_mode=ceil_mode(g),
    )  # fmt: skip


RULES[P.MaxPool2dFunction] = max_pool


def avg_pool(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    g = fa.g
    attrs = dict(kernel_shape=[g.kh, g.kw], strides=[g.sh, g.sw],
                 pads=[g.ph, g.pw, g.ph, g.pw], ceil_mode=ceil_mode(g))  # fmt: skip
    divisor = fa.divisor
    full = float(g.kh * g.kw)
    if isinstance(divisor, float):
        y = ex.node("AveragePool", ins, count_include_pad=1, **attrs)
        if divisor != full:  # divisor_override
            y = ex.node("Mul", [y, ex.scalar(full / divisor, dt(fa))])
        return y
    exclude = P._avg_divisor(g, False, None, numpy.float64)
    if not isinstance(exclude, float) and numpy.allclose(backend.to_numpy(divisor), exclude):
        return ex.node("AveragePool", ins, count_include_pad=0, **attrs)
    # windows clipped at the padded border (ceil mode): sum, then PyTorch's divisors
    y = ex.node("AveragePool", ins, count_include_pad=1, **attrs)
    return ex.node("Mul", [y, ex.init(full / backend.to_numpy(divisor), "avg_pool_scale")])


RULES[P.AvgPool2dFunction] = avg_pool


def adaptive_max(ex: Exporter, fa: Any, fb: Any, ins: list[str]) -> str:
    spatial, out = fa.inputs[0].shape[2:], fa.out_size
    if all(m == 1 for m in out):
        return ex.node("GlobalMaxPool", ins)
    if all(n % m == 0 for n, m in zip(spatial, out)):
        k = [n // m for n, m in zip(spatial, out)]
        return ex.node("MaxPool", ins, kernel_shape=k, strides=k)
    # PyTorch's windows [⌊i·n/m⌋, ⌈(i+1)·n/m⌉) differ in size: the maximum over a box is
    # the maximum along one axis of the maxima along the others
    y = ins[0]
    for axis, n, m in zip(range(2, 2 + len(out)), spatial, out):
        if n == m:
            continue
        parts = []
        for i in range(m):
            a, b = (i * n) // m, -((-(i + 1) * n) // m)
            window = ex.node("Slice", [y, ex.ints([a]), ex.ints([b]), ex.ints([axis])])
            parts.append(ex.reduce("ReduceMax", window, [axis], True))
        y = ex.node("Concat", parts, axis=axis)
    return y


RULES[P.AdaptiveMaxPoolFunction] = adaptive_max
