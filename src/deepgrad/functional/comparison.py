"""Comparing whole tensors: ``isclose`` (elementwise, with tolerances), ``allclose`` and
``equal`` (one Python bool). Not differentiable."""

from __future__ import annotations

from typing import Any

from .. import backend
from .._errors import bool_arg
from ..tensor import Tensor


def _arr(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else backend.xp.asarray(x)


def isclose(
    input: Tensor,  # noqa: A002 - PyTorch's names
    other: Any,
    rtol: float = 1e-05,
    atol: float = 1e-08,
    equal_nan: bool = False,
) -> Tensor:
    """Elementwise ``|input - other| <= atol + rtol · |other|`` (a bool tensor,
    broadcasting; two tensors of different dtypes are refused, as PyTorch's); equal
    infinities are close, NaN only to NaN with ``equal_nan``.

    >>> import deepgrad as dg
    >>> dg.isclose(dg.tensor([1.0, 2.0]), dg.tensor([1.0 + 1e-9, 2.1])).tolist()
    [True, False]
    """
    equal_nan = bool_arg(equal_nan, "isclose", "equal_nan", 5)
    if rtol < 0 or atol < 0:
        raise ValueError(f"isclose: rtol and atol must be >= 0, got rtol={rtol}, atol={atol}")
    if isinstance(other, Tensor) and isinstance(input, Tensor) and input.dtype != other.dtype:
        raise RuntimeError(  # PyTorch's isclose does not promote
            f"isclose: input ({input.dtype}) and other ({other.dtype}) must have the same "
            "dtype; cast one with .to(other.dtype)"
        )
    a, b = _arr(input), _arr(other)
    out = backend.xp.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
    return Tensor._from_op(backend.xp.asarray(out), None, 0)


def allclose(
    input: Tensor,  # noqa: A002
    other: Any,
    rtol: float = 1e-05,
    atol: float = 1e-08,
    equal_nan: bool = False,
) -> bool:
    """Whether every element is :func:`isclose` (a Python bool)."""
    equal_nan = bool_arg(equal_nan, "allclose", "equal_nan", 5)
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input: Tensor, other: Any) -> bool:  # noqa: A002
    """Whether the two tensors have the same shape and the same elements (a Python bool)."""
    a, b = _arr(input), _arr(other)
    return a.shape == b.shape and bool((a == b).all())
