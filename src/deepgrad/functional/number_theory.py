"""Integer number theory, elementwise: ``gcd`` and ``lcm`` (PyTorch's names and contracts:
integer tensors only, broadcasting, non-negative results; not differentiable).

>>> import deepgrad as dg
>>> dg.gcd(dg.tensor([12, -18, 0]), dg.tensor([8, 12, 0])).tolist()
[4, 6, 0]
>>> dg.lcm(dg.tensor([4, -6]), dg.tensor([6, 4])).tolist()
[12, 12]
"""

from __future__ import annotations

from typing import Any

from .. import backend
from ..tensor import Tensor
from .elementwise import _pair


def _integers(input: Any, other: Any, fn: str) -> tuple[Any, Any]:
    a, b = _pair(input, other)
    if a._data.dtype.kind not in "iu" or b._data.dtype.kind not in "iu":
        raise NotImplementedError(
            f"{fn}: expected integer tensors (int8 … int64, uint8), got {a.dtype} and "
            f"{b.dtype} (PyTorch's '{fn}_cpu' is not implemented for them)"
        )
    return a._data, b._data


def gcd(input: Any, other: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """The greatest common divisor of each pair (``gcd(0, 0) = 0``, always ≥ 0)."""
    a, b = _integers(input, other, "gcd")
    return Tensor._wrap(backend.xp.gcd(a, b))


def lcm(input: Any, other: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """The least common multiple of each pair (0 when either is 0, always ≥ 0)."""
    a, b = _integers(input, other, "lcm")
    return Tensor._wrap(backend.xp.lcm(a, b))
