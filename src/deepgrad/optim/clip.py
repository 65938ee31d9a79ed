"""Gradient clipping: by the global norm of all gradients, or elementwise by value.

Both replace ``p.grad`` with a new tensor instead of scaling its array in place, since one
gradient array may be shared by several tensors (the backward of ``a + b`` hands the same
array to both).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from .. import backend
from ..tensor import Tensor


def _params_with_grad(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p for p in parameters if p.grad is not None]


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0
) -> float:
    """Rescale the gradients so that their global norm is at most ``max_norm``.

    ``total = ‖(‖g_1‖_p, ‖g_2‖_p, ...)‖_p`` over all gradients (``p = norm_type``, ``inf`` for
    the largest absolute value); when ``total > max_norm`` every gradient is multiplied by
    ``max_norm / (total + 1e-6)`` (PyTorch's rule). Returns ``total`` (before clipping) as a
    Python float; parameters without a gradient are ignored.
    """
    if max_norm < 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0, got {max_norm!r}")
    params = _params_with_grad(parameters)
    if not params:
        return 0.0
    xp = backend.xp
    norm_type = float(norm_type)
    if math.isinf(norm_type):
        total = max(float(xp.abs(p.grad._data).max(initial=0.0)) for p in params)
    elif norm_type == 2.0:
        total = math.sqrt(sum(_sumsq(p.grad._data) for p in params))
    else:
        norms = [
            float(xp.sum(xp.abs(p.grad._data) ** norm_type)) ** (1.0 / norm_type) for p in params
        ]
        total = sum(n**norm_type for n in norms) ** (1.0 / norm_type)
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        for p in params:
            p.grad = Tensor._from_op(p.grad._data * coef, None, 0)
    return total


def _sumsq(a: object) -> float:
    flat = a.reshape(-1)  # type: ignore[attr-defined]
    return float(backend.xp.dot(flat, flat))


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clip every gradient elementwise into ``[-clip_value, clip_value]``."""
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value!r}")
    xp = backend.xp
    for p in _params_with_grad(parameters):
        p.grad = Tensor._from_op(xp.clip(p.grad._data, -clip_value, clip_value), None, 0)
