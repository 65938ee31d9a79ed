"""Matrix products: ``matmul`` (batched, broadcasting) and the fused affine map ``linear``.

For ``Y = A @ B``: ``dL/dA = dL/dY @ Bᵀ`` and ``dL/dB = Aᵀ @ dL/dY`` (summed over broadcast
batch axes). ``linear(x, W, b) = x @ Wᵀ + b`` is one node whose backward is three products:
``dx = dy @ W``, ``dW = dyᵀ @ x``, ``db = Σ_rows dy``.
"""

from __future__ import annotations

from typing import Any

import numpy

from ..autograd import Function
from ..tensor import Tensor
from .elementwise import _pair
from .shape import reshape, sum_to, swapaxes


class MatMul(Function):
    def forward(self, a: Any, b: Any) -> Any:
        return a @ b

    def backward(self, gy: Tensor) -> tuple:
        a, b = self.inputs
        na, nb = self.needs_input_grad
        ga = sum_to(matmul(gy, swapaxes(b, -1, -2)), a.shape) if na else None
        gb = sum_to(matmul(swapaxes(a, -1, -2), gy), b.shape) if nb else None
        return ga, gb


def matmul(a: Any, b: Any) -> Tensor:
    """Matrix product ``a @ b`` with NumPy's rules: 1-D operands are promoted to a row
    (``a``) or a column (``b``) and the added axis removed; leading axes broadcast.

    >>> import deepgrad as dg
    >>> dg.matmul(dg.ones(2, 3), dg.ones(4, 5))
    Traceback (most recent call last):
    ...
    ValueError: matmul: shapes (2, 3) and (4, 5) are not aligned: 3 (last axis of a) != 4 (second-to-last axis of b)
    """
    a, b = _pair(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: both operands need at least 1 dim, got {a.shape} and {b.shape}")
    sa, sb = a.shape, b.shape
    k_b = sb[-2] if len(sb) > 1 else sb[0]
    if sa[-1] != k_b:
        raise ValueError(
            f"matmul: shapes {sa} and {sb} are not aligned: {sa[-1]} (last axis of a) != "
            f"{k_b} ({'second-to-last' if len(sb) > 1 else 'only'} axis of b)"
        )
    if len(sa) > 2 or len(sb) > 2:
        try:
            numpy.broadcast_shapes(sa[:-2], sb[:-2])
        except ValueError:
            raise ValueError(
                f"matmul: shapes {sa} and {sb} have batch axes {sa[:-2]} and {sb[:-2]} that "
                "do not broadcast"
            ) from None
    if len(sa) > 1 and len(sb) > 1:
        return MatMul()(a, b)
    # 1-D operands: a row (a) or a column (b), the added axis removed from the result
    a2 = reshape(a, (1, sa[0])) if len(sa) == 1 else a
    b2 = reshape(b, (sb[0], 1)) if len(sb) == 1 else b
    y = MatMul()(a2, b2)
    shape = list(y.shape)
    if len(sb) == 1:
        del shape[-1]
    if len(sa) == 1:
        del shape[-1 if len(sb) == 1 else -2]
    return reshape(y, tuple(shape))


class Linear(Function):
    def forward(self, x: Any, w: Any, b: Any = None) -> Any:
        lead = x.shape[:-1]
        if x.ndim != 2:  # one 2-D GEMM over all leading axes, not a batched loop of small ones
            x = x.reshape(-1, x.shape[-1])
        y = x @ w.T
        if b is not None:
            y += b
        return y.reshape(*lead, w.shape[0]) if len(lead) != 1 else y

    def backward(self, gy: Tensor) -> tuple:
        x, w = self.inputs[0], self.inputs[1]
        need = self.needs_input_grad
        gx = None
        if need[0]:
            gx = (
                matmul(gy, w)
                if gy.ndim == 2
                else reshape(matmul(reshape(gy, (-1, gy.shape[-1])), w), x.shape)
            )
        gw = gb = None
        if need[1] or (len(need) > 2 and need[2]):
            gy2 = reshape(gy, (-1, gy.shape[-1])) if gy.ndim != 2 else gy
            if need[1]:
                x2 = reshape(x, (-1, x.shape[-1])) if x.ndim != 2 else x
                gw = matmul(swapaxes(gy2, 0, 1), x2)
            if len(need) > 2 and need[2]:
                gb = gy2.sum(axis=0)
        return (gx, gw, gb) if len(need) > 2 else (gx, gw)


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """Affine map ``y = x @ weightᵀ + bias``.

    Shapes: ``x (*, in)``, ``weight (out, in)``, ``bias (out,)`` → ``y (*, out)``.
    """
    if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"linear: input of shape {x.shape} does not fit a weight of shape "
            f"{weight.shape}: expected last axis {weight.shape[1]}, got "
            f"{x.shape[-1] if x.ndim else 'a scalar'}"
        )
    if bias is None:
        return Linear()(x, weight)
    return Linear()(x, weight, bias)
