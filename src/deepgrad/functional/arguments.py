"""Checking the integer hyperparameters that convolution, pooling and their layers share.

``kernel_size=3`` means ``(3, 3)`` for a 2-D operation, ``(3,)`` for a 1-D one; a sequence must
have one entry per spatial axis, and every entry must be an integer (``2.0`` is refused, not
truncated: a ``kernel_size`` of ``2.5`` cannot be honoured, so it raises instead of running
with 2).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

from .._errors import int_arg

IntTuple = int | Sequence[int]


def int_tuple(v: Any, n: int, name: str, where: str) -> tuple[int, ...]:
    """``v`` as a tuple of ``n`` Python ints: an int is repeated ``n`` times.

    Raises ``TypeError`` (not an int, a bool, a float) or ``ValueError`` (wrong length), naming
    ``where`` (the function or layer), the argument ``name``, what was expected and what came.

    >>> int_tuple(3, 2, "kernel_size", "conv2d")
    (3, 3)
    >>> int_tuple((1, 2), 2, "stride", "conv2d")
    (1, 2)
    """
    want = f"an int or a tuple of {n} ints"
    if _is_int(v):
        return (operator.index(v),) * n
    try:
        items = tuple(v)
    except TypeError:
        raise TypeError(f"{where}: {name} must be {want}, got {v!r}") from None
    if not all(_is_int(a) for a in items):
        raise TypeError(f"{where}: {name} must be {want}, got {v!r}")
    if len(items) != n:
        raise ValueError(f"{where}: {name} must be {want}, got {v!r} ({len(items)} entries)")
    return tuple(operator.index(a) for a in items)


def _is_int(v: Any) -> bool:
    """An int as PyTorch's parser takes one (:func:`deepgrad._errors.int_arg`): a NumPy
    integer and a one-element integer tensor too; never a bool or a float."""
    try:
        int_arg(v, "", "")
    except TypeError:
        return False
    return True
