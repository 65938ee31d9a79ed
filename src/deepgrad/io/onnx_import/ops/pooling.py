"""Pooling: ``MaxPool``, ``AveragePool`` (1-D and 2-D), ``GlobalAveragePool``,
``GlobalMaxPool``.

ONNX's strides default to 1 (PyTorch's to the kernel). Uneven ``pads`` are applied with an
explicit pad (−∞ for max pooling); an average that leaves the padding out
(``count_include_pad=0``, ONNX's default) divides the window sum by the number of real pixels
in the window, ``avg(x_pad) / avg(mask_pad)``."""

from __future__ import annotations

import math
from typing import Any

import numpy

from .... import functional as F
from ....tensor import Tensor
from ..registry import Node, is_float, op, wrap
from .conv import check_geometry, check_padded, pad_input, spatial_pads


def _setup(node: Node, x: Tensor) -> tuple[Tensor, list[int], list[int], list[int], list]:
    nd = x.ndim - 2
    if nd not in (1, 2):
        raise node.fail(f"{nd}-D pooling is not supported (1-D and 2-D are)")
    kernel = list(node.attr("kernel_shape"))
    strides = list(node.attr("strides", [1] * nd))
    dilations = list(node.attr("dilations", [1] * nd))
    check_geometry(node, nd, kernel, strides, dilations)
    pads = spatial_pads(node, x.shape[2:], kernel, strides, dilations)
    check_padded(node, x, pads, x.shape[1])
    windows = 1
    for n, (lo, hi), k, s, d in zip(x.shape[2:], pads, kernel, strides, dilations):
        windows *= max((n + lo + hi - (k - 1) * d - 1) // s + 2, 1)  # ceil_mode's one more
    window = math.prod(kernel)
    n_windows = x.shape[0] * x.shape[1] * windows
    node.check_work(n_windows * window, f"pooling {n_windows:,} windows of {window:,} taps")
    if nd == 1:
        x = F.unsqueeze(x, 2)
        kernel, strides, dilations, pads = (
            [1, *kernel],
            [1, *strides],
            [1, *dilations],
            [(0, 0), *pads],
        )
    return x, kernel, strides, dilations, pads


@op("MaxPool")
def _max_pool(node: Node, ins: list[Any]) -> Tensor:
    x = ins[0]
    if node.n_outputs > 1:
        raise node.fail("the Indices output of MaxPool is not supported")
    dtype = x.dtype
    if not is_float(x):
        x = F.astype(x, numpy.float64)
    nd = x.ndim - 2
    x, kernel, strides, dilations, pads = _setup(node, x)
    extent = [(k - 1) * d + 1 for k, d in zip(kernel, dilations)]
    even = all(p == q and 2 * p <= e for (p, q), e in zip(pads, extent))
    padding = tuple(p for p, _ in pads) if even else 0
    if not even:
        x = pad_input(x, pads, value=-numpy.inf)
    ceil = bool(node.attr("ceil_mode", 0))
    y = F.max_pool2d(x, tuple(kernel), tuple(strides), padding, tuple(dilations), ceil_mode=ceil)
    if nd == 1:
        y = F.squeeze(y, 2)
    return y if y.dtype == dtype else wrap(y.numpy().astype(dtype))


@op("AveragePool")
def _avg_pool(node: Node, ins: list[Any]) -> Tensor:
    x = ins[0]
    nd = x.ndim - 2
    x, kernel, strides, dilations, pads = _setup(node, x)
    if any(d != 1 for d in dilations):
        raise node.fail("dilated average pooling is not supported")
    ceil = bool(node.attr("ceil_mode", 0))
    xp = pad_input(x, pads)
    k, s = tuple(kernel), tuple(strides)
    y = F.avg_pool2d(xp, k, s, 0, ceil_mode=ceil, count_include_pad=True)
    if not int(node.attr("count_include_pad", 0)) or ceil:
        mask = numpy.zeros((1, 1, *xp.shape[2:]), dtype=x.dtype)
        hw = x.shape[2:]
        mask[:, :, pads[0][0] : pads[0][0] + hw[0], pads[1][0] : pads[1][0] + hw[1]] = 1
        if int(node.attr("count_include_pad", 0)):
            mask[:] = 1
        frac = F.avg_pool2d(wrap(mask), k, s, 0, ceil_mode=ceil, count_include_pad=True)
        y = y / frac
    return F.squeeze(y, 2) if nd == 1 else y


@op("GlobalAveragePool")
def _global_avg(node: Node, ins: list[Any]) -> Tensor:
    x = ins[0]
    return F.mean(x, axis=tuple(range(2, x.ndim)), keepdims=True)


@op("GlobalMaxPool")
def _global_max(node: Node, ins: list[Any]) -> Tensor:
    x = ins[0]
    return F.amax(x, dim=tuple(range(2, x.ndim)), keepdim=True)
