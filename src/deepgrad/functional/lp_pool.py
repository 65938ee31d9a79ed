"""Power-average pooling: ``lp_pool1d``, ``lp_pool2d``, ``lp_pool3d``, as PyTorch's.

Over each window ``X`` of ``k`` elements (no padding; ``stride`` defaults to the kernel size)

    y = (Σ_{x ∈ X} x^p)^(1/p) = (k · avg_pool(x^p))^(1/p)

``p = ∞`` is max pooling of ``|x|`` and ``p = -∞`` min pooling of ``|x|``; ``p = 1`` is sum
pooling. Built on :mod:`deepgrad.functional.pooling`, so gradients follow; where a window's
``Σ x^p`` is 0 the gradient is 0 (as PyTorch's), not the infinity of ``t^(1/p)`` at 0.
"""

from __future__ import annotations

import math
from typing import Any

from .. import backend
from ..tensor import Tensor
from .arguments import IntTuple, int_tuple
from .elementwise import abs, where
from .pooling import avg_pool1d, avg_pool2d, avg_pool3d, max_pool1d, max_pool2d, max_pool3d

_POOLS = {1: (avg_pool1d, max_pool1d), 2: (avg_pool2d, max_pool2d), 3: (avg_pool3d, max_pool3d)}


def _lp_pool(x: Tensor, p: float, kernel_size: Any, stride: Any, ceil_mode: bool, nd: int,
             ) -> Tensor:  # fmt: skip
    avg, mx = _POOLS[nd]
    if p == math.inf:
        return mx(abs(x), kernel_size, stride, 0, 1, ceil_mode)
    if p == -math.inf:
        return -mx(-abs(x), kernel_size, stride, 0, 1, ceil_mode)
    k = math.prod(int_tuple(kernel_size, nd, "kernel_size", f"lp_pool{nd}d"))
    inv = 1.0 / p  # p = 0 raises ZeroDivisionError, as PyTorch's
    out = avg(x**p, kernel_size, stride, 0, ceil_mode)
    zero = out._data == 0
    if not zero.any():
        return (out * k) ** inv
    # Σ x^p = 0: the value 0^(1/p), the gradient 0 (the other branch is evaluated at 1)
    safe = where(Tensor._from_op(zero, None, 0), 1.0, out)
    at_zero = backend.xp.asarray(0.0, out.dtype) ** out.dtype.type(inv)
    return where(
        Tensor._from_op(zero, None, 0), Tensor._from_op(at_zero, None, 0), (safe * k) ** inv
    )


def lp_pool1d(x: Tensor, norm_type: float, kernel_size: int, stride: int | None = None,
              ceil_mode: bool = False) -> Tensor:  # fmt: skip
    """1-D power-average pooling ``(Σ_window x^p)^(1/p)`` (``p = norm_type``):
    ``(N, C, L)`` or ``(C, L)`` → ``(N, C, Lo)`` / ``(C, Lo)``, ``Lo = ⌊(L - k) / s⌋ + 1``
    (``⌈…⌉`` with ``ceil_mode``).

    >>> import deepgrad as dg
    >>> dg.nn.functional.lp_pool1d(dg.tensor([[[3.0, 4.0, 1.0, 0.0]]]), 2, 2).tolist()
    [[[5.0, 1.0]]]
    """
    return _lp_pool(x, norm_type, kernel_size, stride, ceil_mode, 1)


def lp_pool2d(x: Tensor, norm_type: float, kernel_size: IntTuple, stride: IntTuple | None = None,
              ceil_mode: bool = False) -> Tensor:  # fmt: skip
    """2-D power-average pooling ``(Σ_window x^p)^(1/p)`` over ``kh × kw`` windows:
    ``(N, C, H, W)`` or ``(C, H, W)`` → ``(N, C, Ho, Wo)`` / ``(C, Ho, Wo)``.

    >>> import deepgrad as dg
    >>> dg.nn.functional.lp_pool2d(dg.ones(1, 1, 2, 2), 1, 2).tolist()
    [[[[4.0]]]]
    """
    return _lp_pool(x, norm_type, kernel_size, stride, ceil_mode, 2)


def lp_pool3d(x: Tensor, norm_type: float, kernel_size: IntTuple, stride: IntTuple | None = None,
              ceil_mode: bool = False) -> Tensor:  # fmt: skip
    """3-D power-average pooling ``(Σ_window x^p)^(1/p)`` over ``kd × kh × kw`` windows:
    ``(N, C, D, H, W)`` or ``(C, D, H, W)`` → ``(N, C, Do, Ho, Wo)`` / unbatched.

    >>> import deepgrad as dg
    >>> dg.nn.functional.lp_pool3d(dg.ones(1, 1, 2, 2, 2), 2, 2).tolist()
    [[[[[2.8284270763397217]]]]]
    """
    return _lp_pool(x, norm_type, kernel_size, stride, ceil_mode, 3)
