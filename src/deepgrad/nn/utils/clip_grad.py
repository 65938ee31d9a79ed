"""Gradient clipping (PyTorch's ``nn.utils.clip_grad_norm_`` / ``clip_grad_value_``): by the
global norm of all gradients, or elementwise by value.

Both replace ``p.grad`` with a new tensor instead of scaling its array in place, since one
gradient array may be shared by several tensors (the backward of ``a + b`` hands the same
array to both).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from ... import backend
from ...tensor import Tensor


def _params_with_grad(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p for p in parameters if p.grad is not None]


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Rescale the gradients so that their global norm is at most ``max_norm``.

    ``total = ‖(‖g_1‖_p, ‖g_2‖_p, ...)‖_p`` over all gradients (``p = norm_type``, ``inf`` for
    the largest absolute value); every gradient is multiplied by
    ``min(1, max_norm / (total + 1e-6))`` (PyTorch's rule). Returns ``total`` (before clipping)
    as a 0-d tensor, as PyTorch does (``float(total)`` or ``total.item()`` for a number);
    parameters without a gradient are ignored. With ``error_if_nonfinite`` a NaN or infinite
    total raises ``RuntimeError``. ``foreach`` is accepted and has no effect.

    >>> import deepgrad as dg
    >>> w = dg.zeros(2, requires_grad=True)
    >>> w.grad = dg.tensor([3.0, 4.0])
    >>> clip_grad_norm_([w], max_norm=1.0).item(), [round(v, 4) for v in w.grad.tolist()]
    (5.0, [0.6, 0.8])
    """
    if max_norm < 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0, got {max_norm!r}")
    params = _params_with_grad(parameters)
    xp = backend.xp
    if not params:
        return Tensor(xp.asarray(0.0, dtype=backend.get_default_dtype()))
    dtype = params[0].grad._data.dtype
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
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the gradients "
            "by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        for p in params:
            p.grad = Tensor._from_op(p.grad._data * p.grad._data.dtype.type(coef), None, 0)
    return Tensor(xp.asarray(total, dtype=dtype))


def _sumsq(a: object) -> float:
    flat = a.reshape(-1)  # type: ignore[attr-defined]
    return float(backend.xp.dot(flat, flat))


def clip_grad_value_(
    parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None
) -> None:
    """Clip every gradient elementwise into ``[-clip_value, clip_value]`` (``foreach`` is
    accepted and has no effect)."""
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value!r}")
    xp = backend.xp
    for p in _params_with_grad(parameters):
        p.grad = Tensor._from_op(xp.clip(p.grad._data, -clip_value, clip_value), None, 0)
