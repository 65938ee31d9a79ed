"""Truth-valued and bit-level elementwise functions: logical and bitwise operators and the
predicates on values (NaN, infinities, the sign bit). None is differentiable: each result is
a constant tensor (bool, or the integer dtype of a bitwise operation).

==================  ===================================================================
function            result
==================  ===================================================================
logical_and/or/xor  bool: the operands' truth (nonzero) combined; any dtypes, broadcasting
logical_not         bool: ``x == 0``
bitwise_and/or/xor  the promoted integer/bool dtype (PyTorch's rule); floats refused
bitwise_not         ``~x`` (logical not for bool)
bitwise_left_shift  ``<<``, ``>>`` of integer tensors; shifts out of ``[0, bits)`` give 0
bitwise_right_shift (-1 for a negative signed input shifted right), as PyTorch's
isnan, isinf,       bool masks; integer tensors are finite, never NaN
isfinite, isposinf,
isneginf, isreal
signbit             bool: the sign bit is set (true for -0.0 and negative NaN)
==================  ===================================================================
"""

from __future__ import annotations

from typing import Any

from .. import backend
from .._errors import refuse_kernel_dtype
from ..tensor import Tensor
from .elementwise import _pair


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _const(a: Any) -> Tensor:
    return Tensor._from_op(a, None, 0)


def _truth(a: Any) -> Any:
    """``a`` as its logical ufuncs take it: a complex array as ``a ≠ 0`` on CuPy, whose
    logical ufuncs have no complex loops (NumPy's do, with the same meaning)."""
    return a != 0 if backend.gpu and a.dtype.kind == "c" else a


def _arrays(input: Any, other: Any) -> tuple[Any, Any]:  # noqa: A002
    a = input._data if isinstance(input, Tensor) else backend.xp.asarray(input)
    b = other._data if isinstance(other, Tensor) else backend.xp.asarray(other)
    return _truth(a), _truth(b)


def logical_and(input: Any, other: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """``input ≠ 0 and other ≠ 0``, elementwise (bool, broadcasting).

    >>> import deepgrad as dg
    >>> dg.logical_and(dg.tensor([1, 0, 2]), dg.tensor([1.0, 1.0, 0.0])).tolist()
    [True, False, False]
    """
    return _const(backend.xp.logical_and(*_arrays(input, other)))


def logical_or(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input ≠ 0 or other ≠ 0``, elementwise (bool, broadcasting)."""
    return _const(backend.xp.logical_or(*_arrays(input, other)))


def logical_xor(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Exactly one of ``input``, ``other`` nonzero, elementwise (bool, broadcasting)."""
    return _const(backend.xp.logical_xor(*_arrays(input, other)))


def logical_not(input: Any) -> Tensor:  # noqa: A002
    """``input == 0``, elementwise (bool)."""
    return _const(backend.xp.logical_not(_truth(_t(input)._data)))


def _integral_pair(input: Any, other: Any, fn: str) -> tuple[Any, Any]:  # noqa: A002
    a, b = _pair(input, other)
    # PyTorch's NotImplementedError ("bitwise_and_cpu" not implemented for 'Float'), which
    # is a TypeError too (deepgrad's class before)
    kernel = {"bitwise_left_shift": "lshift_cpu", "bitwise_right_shift": "rshift_cpu"}
    refuse_kernel_dtype(a._data, fn, "fc", kernel.get(fn, fn + "_cpu"))
    return a._data, b._data


def bitwise_and(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Bitwise AND of integer/bool tensors (logical AND for bool).

    >>> import deepgrad as dg
    >>> dg.bitwise_and(dg.tensor([12, 10]), 6).tolist()
    [4, 2]
    """
    return _const(backend.xp.bitwise_and(*_integral_pair(input, other, "bitwise_and")))


def bitwise_or(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Bitwise OR of integer/bool tensors."""
    return _const(backend.xp.bitwise_or(*_integral_pair(input, other, "bitwise_or")))


def bitwise_xor(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Bitwise XOR of integer/bool tensors."""
    return _const(backend.xp.bitwise_xor(*_integral_pair(input, other, "bitwise_xor")))


def _shift(input: Any, other: Any, left: bool) -> Tensor:  # noqa: A002
    fn = "bitwise_left_shift" if left else "bitwise_right_shift"
    a, b = _integral_pair(input, other, fn)
    if a.dtype != b.dtype:  # a bool tensor meeting a Python int: int64, as PyTorch's
        dt = backend.result_type(a, b)
        a, b = a.astype(dt, copy=False), b.astype(dt, copy=False)
    if a.dtype.kind == "b":
        raise TypeError(f"{fn}: expected integer tensors, got two bool ones (as PyTorch)")
    xp = backend.xp
    bits = a.dtype.itemsize * 8
    outside = (b < 0) | (b >= bits)  # PyTorch's: every bit shifted out (NumPy's is undefined)
    s = xp.where(outside, 0, b).astype(a.dtype, copy=False)
    y = xp.left_shift(a, s) if left else xp.right_shift(a, s)
    if outside.any():
        gone = 0 if left or a.dtype.kind == "u" else xp.where(a < 0, -1, 0)
        y = xp.where(outside, gone, y).astype(y.dtype, copy=False)
    return _const(y)


def bitwise_left_shift(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input << other`` of integer tensors: ``input · 2^other`` wrapped to the dtype; a
    shift by a negative amount or by the bit width or more gives 0, as PyTorch's.

    >>> import deepgrad as dg
    >>> dg.bitwise_left_shift(dg.tensor([1, 3]), 2).tolist()
    [4, 12]
    """
    return _shift(input, other, True)


def bitwise_right_shift(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input >> other`` of integer tensors (arithmetic: the sign is kept); a shift by a
    negative amount or by the bit width or more gives 0 (-1 for a negative signed input), as
    PyTorch's."""
    return _shift(input, other, False)


def bitwise_not(input: Any) -> Tensor:  # noqa: A002
    """``~x`` of an integer tensor (two's complement), logical NOT of a bool one."""
    a = _t(input)._data
    refuse_kernel_dtype(a, "bitwise_not", "fc", "bitwise_not_cpu")  # as PyTorch
    return _const(backend.xp.invert(a))


def _float_test(input: Any, test: str, ints: bool) -> Tensor:  # noqa: A002
    """``xp.<test>`` of a floating tensor; ``ints`` for every element of an integer one."""
    a = _t(input)._data
    if a.dtype.kind in "iub":
        return _const(backend.xp.full(a.shape, ints))
    return _const(getattr(backend.xp, test)(a))


def isnan(input: Any) -> Tensor:  # noqa: A002
    """True where the value is NaN."""
    return _float_test(input, "isnan", False)


def isinf(input: Any) -> Tensor:  # noqa: A002
    """True where the value is ±inf."""
    return _float_test(input, "isinf", False)


def isfinite(input: Any) -> Tensor:  # noqa: A002
    """True where the value is neither NaN nor ±inf."""
    return _float_test(input, "isfinite", True)


def isposinf(input: Any) -> Tensor:  # noqa: A002
    """True where the value is +inf (complex tensors refused, as in PyTorch)."""
    refuse_kernel_dtype(_t(input), "isposinf", "c")
    return _float_test(input, "isposinf", False)


def isneginf(input: Any) -> Tensor:  # noqa: A002
    """True where the value is -inf (complex tensors refused, as in PyTorch)."""
    refuse_kernel_dtype(_t(input), "isneginf", "c")
    return _float_test(input, "isneginf", False)


def isreal(input: Any) -> Tensor:  # noqa: A002
    """True where the imaginary part is 0: everywhere for real tensors."""
    a = _t(input)._data
    return _const(backend.xp.isreal(a) if a.dtype.kind == "c" else backend.xp.full(a.shape, True))


def signbit(input: Any) -> Tensor:  # noqa: A002
    """True where the sign bit is set: negative values, ``-0.0``, negative NaN (bool)."""
    a = _t(input)._data
    refuse_kernel_dtype(a, "signbit", "c")  # as PyTorch
    if a.dtype.kind == "b":
        return _const(backend.xp.zeros(a.shape, bool))
    return _const(backend.xp.signbit(a) if a.dtype.kind == "f" else a < 0)


__all__ = [
    "bitwise_and", "bitwise_not", "bitwise_or", "bitwise_xor", "isfinite", "isinf", "isnan",
    "isneginf", "isposinf", "isreal", "logical_and", "logical_not", "logical_or", "logical_xor",
    "signbit",
]  # fmt: skip
