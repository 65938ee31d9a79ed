"""PyTorch's ``torch.nn.modules.utils`` helpers that custom layers import: ``_single``,
``_pair``, ``_triple``, ``_quadruple`` and ``_ntuple(n)`` — an int (or any non-iterable) repeated
``n`` times, an iterable returned as a tuple.

>>> _pair(3), _pair((1, 2)), _ntuple(3)(0)
((3, 3), (1, 2), (0, 0, 0))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import repeat
from typing import Any


def _ntuple(n: int, name: str = "parse") -> Callable[[Any], tuple]:
    def parse(x: Any) -> tuple:
        if isinstance(x, Iterable) and not isinstance(x, str):
            return tuple(x)
        return tuple(repeat(x, n))

    parse.__name__ = name
    return parse


_single = _ntuple(1, "_single")
_pair = _ntuple(2, "_pair")
_triple = _ntuple(3, "_triple")
_quadruple = _ntuple(4, "_quadruple")

__all__ = ["_ntuple", "_pair", "_quadruple", "_single", "_triple"]
