"""Gradient clipping (PyTorch's ``nn.utils.clip_grad_norm_`` / ``clip_grad_value_``): by the
global norm of all gradients, or elementwise by value.

Both replace ``p.grad`` with a new tensor instead of scaling its array in place, since one
gradient array may be shared by several tensors (the backward of ``a + b`` hands the same
array to both).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from typing import Any

from ... import backend
from ...tensor import Tensor


def _params_with_grad(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p for p in parameters if p.grad is not None]


def _vector_norm(a: Any, p: float) -> float:
    """``torch.linalg.vector_norm`` of an array's elements, as a Python float."""
    xp = backend.xp
    a = a.reshape(-1)
    if math.isinf(p):
        if a.size == 0:
            return 0.0
        return float(xp.abs(a).max() if p > 0 else xp.abs(a).min())
    if p == 0:
        return float(xp.count_nonzero(a))
    if p == 2:
        return math.sqrt(float(xp.dot(a, a)))
    return float(xp.sum(xp.abs(a.astype(xp.float64)) ** p)) ** (1.0 / p)


def _total_norm(arrays: list, norm_type: float, error_if_nonfinite: bool) -> float:
    """The ``norm_type`` norm of the arrays' norms (PyTorch's total norm)."""
    total = _vector_norm(
        backend.xp.asarray([_vector_norm(a, norm_type) for a in arrays]), norm_type
    )
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the gradients "
            "by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    return total


def get_total_norm(
    tensors: Tensor | Iterable[Tensor],
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """The norm of the tensors' norms, ``‖(‖t_1‖_p, ‖t_2‖_p, ...)‖_p`` (``p = norm_type``,
    ``inf`` for the largest absolute value), as a 0-d tensor without a graph (PyTorch's
    ``torch.nn.utils.get_total_norm``; ``tensor(0.)`` for no tensors). With
    ``error_if_nonfinite`` a NaN or infinite total raises ``RuntimeError``. ``foreach`` is
    accepted and has no effect.

    >>> import deepgrad as dg
    >>> get_total_norm([dg.tensor([3.0]), dg.tensor([4.0])]).item()
    5.0
    """
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    xp = backend.xp
    if not tensors:
        return Tensor._wrap(xp.asarray(0.0, dtype=backend.get_default_dtype()))
    total = _total_norm([t._data for t in tensors], float(norm_type), error_if_nonfinite)
    dtype = xp.result_type(*[t._data.dtype for t in tensors])
    return Tensor._wrap(xp.asarray(total, dtype=dtype))


def clip_grads_with_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    total_norm: Tensor | float,
    foreach: bool | None = None,
) -> None:
    """Multiply every gradient by ``min(1, max_norm / (total_norm + 1e-6))``, ``total_norm``
    being given (from :func:`get_total_norm` of the gradients, say): PyTorch's
    ``torch.nn.utils.clip_grads_with_norm_``, the second half of :func:`clip_grad_norm_`.

    >>> import deepgrad as dg
    >>> w = dg.zeros(2, requires_grad=True)
    >>> w.grad = dg.tensor([3.0, 4.0])
    >>> clip_grads_with_norm_([w], 1.0, get_total_norm([w.grad]))
    >>> [round(v, 4) for v in w.grad.tolist()]
    [0.6, 0.8]
    """
    params = _params_with_grad(parameters)
    if not params:
        return
    coef = min(float(max_norm) / (float(total_norm) + 1e-6), 1.0)
    for p in params:
        _set_grad(p, p.grad._data * p.grad._data.dtype.type(coef))


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
    ``min(1, max_norm / (total + 1e-6))`` (PyTorch's rule: :func:`get_total_norm`, then
    :func:`clip_grads_with_norm_`). Returns ``total`` (before clipping) as a 0-d tensor, as
    PyTorch does (``float(total)`` or ``total.item()`` for a number); parameters without a
    gradient are ignored. With ``error_if_nonfinite`` a NaN or infinite total raises
    ``RuntimeError``. ``foreach`` is accepted and has no effect.

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
        return Tensor._wrap(xp.asarray(0.0, dtype=backend.get_default_dtype()))
    dtype = params[0].grad._data.dtype
    total = _total_norm([p.grad._data for p in params], float(norm_type), error_if_nonfinite)
    if max_norm / (total + 1e-6) < 1.0:  # (a factor of 1 would change nothing)
        clip_grads_with_norm_(params, max_norm, total)
    return Tensor._wrap(xp.asarray(total, dtype=dtype))


def clip_grad_norm(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """PyTorch's deprecated name of :func:`clip_grad_norm_` (a ``FutureWarning``, then the
    same clipping)."""
    warnings.warn(
        "`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
        "`torch.nn.utils.clip_grad_norm_`.",
        FutureWarning,
        stacklevel=2,
    )
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(
    parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None
) -> None:
    """Clip every gradient elementwise into ``[-clip_value, clip_value]`` (``foreach`` is
    accepted and has no effect)."""
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value!r}")
    xp = backend.xp
    for p in _params_with_grad(parameters):
        _set_grad(p, xp.clip(p.grad._data, -clip_value, clip_value))


def _set_grad(p: Tensor, data: Any) -> None:
    """``p.grad`` replaced by a new tensor of ``data`` (a gradient array may be shared), of
    the old one's class: a ``sparse=True`` embedding's gradient stays marked sparse (PyTorch
    has no kernel to clip a sparse gradient; deepgrad's are dense, and clip as such)."""
    g = Tensor._from_op(data, None, 0)
    g.__class__ = type(p.grad)
    p.grad = g
