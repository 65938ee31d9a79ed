"""Convolutions: ``Conv`` and ``ConvTranspose`` over 1-D and 2-D inputs ``(N, C, *spatial)``.

ONNX's padding (``pads = [b_1, b_2, ..., e_1, e_2, ...]``, possibly uneven, or ``auto_pad``)
is applied with an explicit zero :func:`~deepgrad.functional.pad` when the two sides differ;
``ConvTranspose`` computes the full transposed convolution and then crops ``pads`` (or
``output_shape``) from it."""

from __future__ import annotations

import math
from typing import Any

from .... import functional as F
from ....tensor import Tensor
from ..registry import Node, op


def spatial_pads(
    node: Node,
    in_sizes: tuple[int, ...],
    kernel: list[int],
    strides: list[int],
    dilations: list[int],
) -> list[tuple[int, int]]:
    """``[(before, after)]`` per spatial axis from ``pads`` or ``auto_pad``."""
    nd = len(in_sizes)
    auto = node.attr("auto_pad", "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        out = []
        for n, k, s, d in zip(in_sizes, kernel, strides, dilations):
            total = max(0, (math.ceil(n / s) - 1) * s + (k - 1) * d + 1 - n)
            small = total // 2
            out.append((small, total - small) if auto == "SAME_UPPER" else (total - small, small))
        return out
    if auto == "VALID":
        return [(0, 0)] * nd
    pads = list(node.attr("pads", [0] * (2 * nd)))
    if len(pads) != 2 * nd:
        raise node.fail(f"pads {tuple(pads)}: expected {2 * nd} values (begin and end per axis)")
    return [(pads[i], pads[i + nd]) for i in range(nd)]


def geometry(node: Node, x: Tensor, kernel: list[int]) -> tuple[list[int], list[int]]:
    nd = x.ndim - 2
    strides = list(node.attr("strides", [1] * nd))
    dilations = list(node.attr("dilations", [1] * nd))
    check_geometry(node, nd, kernel, strides, dilations)
    return strides, dilations


def check_geometry(
    node: Node, nd: int, kernel: list[int], strides: list[int], dilations: list[int]
) -> None:
    """Kernel, strides and dilations: ``nd`` positive ints each."""
    for name, v in (("kernel_shape", kernel), ("strides", strides), ("dilations", dilations)):
        if len(v) != nd or any(int(s) < 1 for s in v):
            raise node.fail(f"{name} {tuple(v)}: expected {nd} positive sizes")


def check_padded(node: Node, x: Tensor, pads: list[tuple[int, int]], channels: int) -> None:
    """Refuse (before allocating) pads that make the padded input, or an output of
    ``channels`` channels as large, bigger than the node may make."""
    if any(len(p) != 2 for p in pads) or len(pads) != x.ndim - 2:
        raise node.fail(f"pads {pads}: expected a begin and an end for each of {x.ndim - 2} axes")
    sizes = [n + lo + hi for n, (lo, hi) in zip(x.shape[2:], pads)]
    node.check_size((x.shape[0], max(x.shape[1], channels), *sizes), "a padded input of shape")


def pad_input(x: Tensor, pads: list[tuple[int, int]], value: float = 0.0) -> Tensor:
    if any(p for pair in pads for p in pair):
        return F.pad(x, [(0, 0), (0, 0), *pads], value=value)
    return x


def _as_2d(x: Tensor) -> Tensor:
    return F.unsqueeze(x, 2)


def _args(node: Node, ins: list[Any], what: str) -> tuple[Any, ...]:
    """``x, w, b, nd, kernel, strides, dilations`` of a (transposed) convolution node."""
    x, w = ins[0], ins[1]
    b = ins[2] if len(ins) > 2 else None
    nd = x.ndim - 2
    if nd not in (1, 2):
        raise node.fail(f"{nd}-D {what} is not supported (1-D and 2-D are)")
    kernel = list(node.attr("kernel_shape", w.shape[2:]))
    strides, dilations = geometry(node, x, kernel)
    return x, w, b, nd, kernel, strides, dilations


@op("Conv")
def _conv(node: Node, ins: list[Any]) -> Tensor:
    x, w, b, nd, kernel, strides, dilations = _args(node, ins, "convolution")
    pads = spatial_pads(node, x.shape[2:], kernel, strides, dilations)
    check_padded(node, x, pads, w.shape[0])
    group = int(node.attr("group", 1))
    even = all(p == q for p, q in pads)
    padding = tuple(p for p, _ in pads) if even else 0
    if not even:
        x = pad_input(x, pads)
    if nd == 1:
        x, w = _as_2d(x), _as_2d(w)
        strides, dilations = [1, *strides], [1, *dilations]
        padding = (0, padding[0]) if even else 0
    y = F.conv2d(
        x, w, b, stride=tuple(strides), padding=padding, dilation=tuple(dilations), groups=group
    )
    return F.squeeze(y, 2) if nd == 1 else y


@op("ConvTranspose")
def _conv_transpose(node: Node, ins: list[Any]) -> Tensor:
    x, w, b, nd, kernel, strides, dilations = _args(node, ins, "transposed convolution")
    group = int(node.attr("group", 1))
    out_pad = list(node.attr("output_padding", [0] * nd))
    in_sizes = x.shape[2:]
    full_sizes = [
        s * (n - 1) + (k - 1) * d + 1 for n, k, s, d in zip(in_sizes, kernel, strides, dilations)
    ]
    grown = [f + max(o, 0) for f, o in zip(full_sizes, out_pad)]
    node.check_size((x.shape[0], w.shape[1] * group, *grown))
    xs, ws = (_as_2d(x), _as_2d(w)) if nd == 1 else (x, w)
    s2 = tuple([1] * (2 - nd) + strides)
    d2 = tuple([1] * (2 - nd) + dilations)
    full = F.conv_transpose2d(xs, ws, None, stride=s2, padding=0, groups=group, dilation=d2)
    if nd == 1:
        full = F.squeeze(full, 2)
    out_shape = node.attr("output_shape")
    auto = node.attr("auto_pad", "NOTSET")
    if out_shape is not None or auto in ("SAME_UPPER", "SAME_LOWER"):
        target = (
            list(out_shape)[-nd:]
            if out_shape is not None
            else [n * s for n, s in zip(in_sizes, strides)]
        )
        pads = []
        for fs, op_, t in zip(full_sizes, out_pad, target):
            total = fs + op_ - t
            small = total // 2
            # ONNX: SAME_UPPER puts the larger half at the end, otherwise at the start
            pads.append((small, total - small) if auto == "SAME_UPPER" else (total - small, small))
    else:
        p = list(node.attr("pads", [0] * (2 * nd)))
        pads = [(p[i], p[i + nd]) for i in range(nd)]
    # extend by output_padding (and negative pads) with zeros, then crop the pads
    grow = [(max(-lo, 0), o + max(-hi, 0)) for (lo, hi), o in zip(pads, out_pad)]
    sizes = [n + a + b for n, (a, b) in zip(full.shape[2:], grow)]
    node.check_size((*full.shape[:2], *sizes), "an output grown by negative pads to")
    if any(a or b for a, b in grow):
        full = F.pad(full, [(0, 0), (0, 0), *grow])
    index: list[Any] = [slice(None), slice(None)]
    for (lo, hi), n in zip(pads, full.shape[2:]):
        index.append(slice(max(lo, 0), n - max(hi, 0)))
    y = full[tuple(index)]
    if b is not None:
        y = y + F.reshape(b, (1, -1) + (1,) * nd)
    return y
