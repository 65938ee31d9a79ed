"""PyTorch's control-flow operators and symbolic-number helpers, run eagerly.

``torch.cond(pred, true_fn, false_fn, operands)`` and ``torch.while_loop(cond_fn, body_fn,
carried_inputs)`` exist so that ``torch.compile``/``torch.export`` can capture branches and
loops; run eagerly (as deepgrad always runs) they are::

    cond(pred, f, g, xs)        = f(*xs) if pred else g(*xs)
    while_loop(c, body, xs)     : while c(*xs): xs = body(*xs); return xs

with PyTorch's argument checks (a boolean or one-element predicate, a tuple or list of
operands, a body returning as many values). The ``sym_*`` helpers are PyTorch's functions
on numbers that may be symbolic during tracing: on plain numbers (and 0-d tensors) they are
Python's ``int``, ``float``, ``max``, ``min``, ``not``, ``math.sqrt``, ``sum`` and a
conditional expression.

>>> import deepgrad as dg
>>> dg.cond(dg.tensor(True), lambda x: x + 1, lambda x: x - 1, (dg.tensor(1.0),)).item()
2.0
>>> dg.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s * 2), (dg.tensor(0), dg.tensor(1)))
(tensor(3), tensor(8))
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from ..tensor import Tensor

__all__ = ["cond", "sym_float", "sym_int", "sym_ite", "sym_max", "sym_min", "sym_not",
           "sym_sqrt", "sym_sum", "while_loop"]  # fmt: skip


def _truth(pred: Any, fn: str) -> bool:
    if isinstance(pred, Tensor):
        if pred.numel() != 1:
            raise RuntimeError(
                f"{fn}: expected the predicate to be a boolean tensor with one element, got "
                f"shape {tuple(pred.shape)}"
            )
        return bool(pred.item())
    if isinstance(pred, (bool, int)):
        return bool(pred)
    raise RuntimeError(f"{fn}: expected the predicate to be a bool or a tensor, got {pred!r}")


def _operands(xs: Any, fn: str) -> tuple:
    if not isinstance(xs, (tuple, list)):
        raise RuntimeError(
            f"{fn}: expected operands to be a tuple or a list, got {type(xs).__name__}"
        )
    return tuple(xs)


def cond(pred: Any, true_fn: Callable[..., Any], false_fn: Callable[..., Any],
         operands: Any = ()) -> Any:  # fmt: skip
    """``true_fn(*operands)`` if ``pred`` else ``false_fn(*operands)`` (PyTorch's ``torch.cond``,
    run eagerly)."""
    if not callable(true_fn) or not callable(false_fn):
        raise RuntimeError("cond: expected true_fn and false_fn to be callable")
    xs = _operands(operands, "cond")
    return true_fn(*xs) if _truth(pred, "cond") else false_fn(*xs)


def while_loop(cond_fn: Callable[..., Any], body_fn: Callable[..., Any],
               carried_inputs: Any) -> tuple:  # fmt: skip
    """Apply ``body_fn`` to the carried values while ``cond_fn`` holds (PyTorch's
    ``torch.while_loop``, run eagerly); the body must return as many values as it takes."""
    xs = _operands(carried_inputs, "while_loop")
    while _truth(cond_fn(*xs), "while_loop"):
        out = body_fn(*xs)
        out = out if isinstance(out, (tuple, list)) else (out,)
        if len(out) != len(xs):
            raise RuntimeError(
                f"while_loop: body_fn returned {len(out)} values for {len(xs)} carried inputs"
            )
        xs = tuple(out)
    return xs


def _num(x: Any) -> Any:
    return x.item() if isinstance(x, Tensor) else x


def sym_int(a: Any) -> int:
    """``int(a)`` (rounding toward zero), PyTorch's ``sym_int``."""
    return int(math.trunc(_num(a)))


def sym_float(a: Any) -> float:
    """``float(a)``."""
    return float(_num(a))


def sym_max(a: Any, b: Any) -> Any:
    """``max(a, b)``."""
    return max(_num(a), _num(b))


def sym_min(a: Any, b: Any) -> Any:
    """``min(a, b)``."""
    return min(_num(a), _num(b))


def sym_not(a: Any) -> bool:
    """``not a``."""
    return not _num(a)


def sym_sqrt(a: Any) -> float:
    """``math.sqrt(a)``."""
    return math.sqrt(_num(a))


def sym_sum(args: Iterable[Any]) -> Any:
    """``sum(args)``."""
    return sum(_num(a) for a in args)


def sym_ite(b: Any, t: Any, f: Any) -> Any:
    """``t if b else f``."""
    return t if _num(b) else f
