"""Elementwise arithmetic with NumPy broadcasting.

Each backward multiplies the incoming gradient by the local derivative and then sums it back
to the input's shape (``sum_to``), undoing broadcasting:

=============  ================================  =====================================
function       forward                           local derivatives
=============  ================================  =====================================
add            a + b                             1, 1
sub            a - b                             1, -1
mul            a * b                             b, a
div            a / b                             1/b, -a/b²
pow            a ** c                            c a^(c-1)   (and a^b ln a for a tensor b)
exp            e^x                               e^x
log            ln x                              1/x
sqrt           √x                                1/(2√x)
abs            |x|                               sign(x)
maximum        max(a, b)                         1 where a wins (½ each on ties)
clip           min(max(x, lo), hi)               1 inside [lo, hi], 0 outside
where          c ? a : b                         c, ¬c
sin, cos       sin x, cos x                      cos x, -sin x
log1p, expm1   ln(1 + x), e^x - 1                1/(1 + x), e^x
rsqrt          1/√x                              -y³/2
reciprocal     1/x                               -y²
sign, floor,   steps                             0 (PyTorch's gradient everywhere)
ceil, round
=============  ================================  =====================================

``clamp`` is PyTorch's name for ``clip`` (tensor bounds allowed), ``square`` is ``x ** 2`` and
``masked_fill`` is ``where(mask, value, x)``.
"""

from __future__ import annotations

import numbers
import operator
import warnings
from typing import Any

import numpy

from .. import backend
from .._errors import (
    DtypeError,
    IndexShapeError,
    IntegerZeroDivisionError,
    ShapeMismatchError,
    ValueRangeError,
    _refuse_complex_order,
    broadcast_words,
    refuse_kernel_dtype,
)
from ..autograd import Function, _GradMode
from ..tensor import _NO_ALPHA, Tensor, _checked_scalar
from .complex import Real, conj
from .half_math import float32_forward
from .search import nonzero
from .shape import sum_to, sum_to_array

#: the default of ``where``'s ``a`` and ``b``: ``where(cond)`` alone is ``nonzero``
_ONE_ARGUMENT: Any = object()


def _const(v: Any, like: Tensor | None) -> Tensor:
    """Wrap a non-tensor operand; Python scalars take the tensor's dtype (float32 stays
    float32), ints meeting an int tensor stay ints, an int meeting a bool tensor is int64 and
    a float meeting an integer tensor takes the default float dtype, a complex number meeting
    a real tensor complex64 (complex128 beside float64), as in PyTorch."""
    if isinstance(v, Tensor):
        return v
    if isinstance(v, numbers.Number) and like is not None:
        dt = like._data.dtype
        if not isinstance(v, numbers.Real) and dt.kind != "c":  # 1j * x: complex64, or
            double = dt == numpy.float64  # complex128 beside float64 (PyTorch's pairing)
            dtype = numpy.dtype(numpy.complex128 if double else numpy.complex64)
            return Tensor._from_op(backend.xp.asarray(v, dtype=dtype), None, 0)
        if dt.kind in "fc" or (
            isinstance(v, numbers.Integral) and (dt.kind != "b" or isinstance(v, bool))
        ):
            dtype = dt
            if dt.kind in "iu" and not isinstance(v, bool):
                v = backend.wrap_int(int(v), dt)
        elif isinstance(v, numbers.Integral):
            dtype = numpy.dtype(numpy.int64)
        else:
            dtype = backend.get_default_dtype()
        # a number past the dtype's range is ±inf there, silently as PyTorch's
        return Tensor._from_op(backend.silently(backend.xp.asarray, v, dtype), None, 0)
    return Tensor._wrap(v)


def _pair(a: Any, b: Any, floating: bool = False) -> tuple[Tensor, Tensor]:
    """Both operands as tensors of one dtype, PyTorch's (:func:`~deepgrad.backend.result_type`):
    a Python number takes the tensor's dtype (see :func:`_const`); two tensors meet in the
    dtype PyTorch gives them, not NumPy's (``float32 + int64`` and ``float32 + 0-d float64``
    stay float32). A cast of a tensor that needs a gradient is recorded.

    ``floating`` is for PyTorch's float operations (true division, ``atan2``, ``copysign``):
    where the common dtype is integral or bool, both operands become the default float dtype,
    a Python number converted as it is (``int8_tensor / 300`` divides by 300, not by 300
    wrapped into int8 as ``int8_tensor + 300`` adds it)."""
    if floating:
        a, b = (v if isinstance(v, (Tensor, numbers.Number)) else Tensor(v) for v in (a, b))
        if backend.result_type(a, b).kind in "iub":
            return _in_default_float(a), _in_default_float(b)
    if isinstance(a, Tensor):
        if not isinstance(b, Tensor):
            tb = type(b)
            if tb is float or tb is int:  # the common case of _const: a float tensor and a number
                dt = a._data.dtype
                if dt.kind == "f":
                    try:
                        c = backend.xp.asarray(b, dtype=dt)
                    except backend.FP_ERRORS:  # f32 * 1e300: the number is inf in float32
                        c = backend.silently(backend.xp.asarray, b, dt)
                    return a, Tensor._from_op(c, None, 0)
            if isinstance(b, numbers.Number):
                return _meet_scalar(a, b), _const(b, a)
            b = Tensor._wrap(b)
    elif isinstance(b, Tensor):
        if isinstance(a, numbers.Number):
            return _const(a, b), _meet_scalar(b, a)
        a = Tensor._wrap(a)
    else:
        return Tensor._wrap(a), Tensor._wrap(b)
    da, db = a._data.dtype, b._data.dtype
    if da != db:
        dt = backend.result_type(a._data, b._data)
        if da != dt:
            a = astype(a, dt)
        if db != dt:
            b = astype(b, dt)
    return a, b


def _in_default_float(v: Any) -> Tensor:
    """A tensor or a Python number as a tensor of the default float dtype."""
    dt = backend.get_default_dtype()
    if isinstance(v, Tensor):
        return Tensor._from_op(v._data.astype(dt), None, 0)
    return Tensor._from_op(backend.silently(backend.xp.asarray, v, dt), None, 0)


def _meet_scalar(t: Tensor, v: Any) -> Tensor:
    """An integer/bool tensor meeting a Python float is computed in the default float dtype
    (``int_tensor * 0.5`` is float32, as in PyTorch; NumPy would give float64); a real tensor
    meeting a complex number in the complex dtype :func:`_const` gives the number."""
    if t._data.dtype.kind in "iub" and isinstance(v, float):
        return Tensor._from_op(t._data.astype(backend.get_default_dtype()), None, 0)
    if t._data.dtype.kind != "c" and not isinstance(v, numbers.Real):  # a complex number
        return astype(t, _const(v, t)._data.dtype)  # (a float tensor's gradient recorded)
    return t


def _grad(g: Any, shape: tuple[int, ...]) -> Tensor:
    """A first-order gradient computed on arrays (no graph to record: ``create_graph`` is
    off), summed back to ``shape`` where broadcasting expanded it. Small tensors spend most
    of a backward pass in per-node overhead; the numbers are those of the tensor form."""
    return Tensor._from_op(sum_to_array(g, shape), None, 0)


def _cj(a: Any) -> Any:
    """The conjugate of a complex array, a real one as it is: a product's gradient takes the
    other factor's conjugate (PyTorch's convention, :mod:`~deepgrad.functional.complex`)."""
    return a.conj() if a.dtype.kind == "c" else a


def _mask(cond: Any, like: Tensor) -> Tensor:
    """A constant 0/1 tensor of ``like``'s dtype (no gradient flows through a mask)."""
    return Tensor._from_op(cond.astype(like._data.dtype), None, 0)


def _keep(gy: Tensor, keep: Any) -> Tensor:
    """``gy`` where the bool array ``keep`` holds, else 0: PyTorch's ``masked_fill`` /
    ``where`` form of a gradient that a place does not receive (a clamped value, the loser of
    a ``maximum``), so an inf or NaN gradient arriving there gives 0, where ``gy · mask``
    would give ``inf · 0 = NaN``. Differentiable in ``gy`` when a graph is recorded."""
    zero = backend.xp.zeros((), gy._data.dtype)
    if _GradMode.enabled:
        return where(keep, gy, Tensor._from_op(zero, None, 0))
    return Tensor._from_op(backend.xp.where(keep, gy._data, zero), None, 0)


class Add(Function):
    reads_inputs = False  # its backward reads the inputs' shapes, not their values

    def forward(self, a: Any, b: Any) -> Any:
        return a + b

    def backward(self, gy: Tensor) -> tuple:
        a, b = self.inputs
        na, nb = self.needs_input_grad
        return (sum_to(gy, a.shape) if na else None, sum_to(gy, b.shape) if nb else None)


def add(a: Any, b: Any) -> Tensor:
    """``a + b`` (broadcasting)."""
    return Add()(*_pair(a, b))


class Sub(Function):
    reads_inputs = False  # its backward reads the inputs' shapes, not their values

    def forward(self, a: Any, b: Any) -> Any:
        return a - b

    def backward(self, gy: Tensor) -> tuple:
        a, b = self.inputs
        na, nb = self.needs_input_grad
        if not _GradMode.enabled:  # first order: on arrays
            return (
                sum_to(gy, a.shape) if na else None,
                _grad(-gy._data, b._data.shape) if nb else None,
            )
        return (sum_to(gy, a.shape) if na else None, sum_to(-gy, b.shape) if nb else None)


def sub(a: Any, b: Any) -> Tensor:
    """``a - b`` (broadcasting). A bool operand (tensor or Python ``bool``) is refused, as in
    PyTorch: ``~mask`` or ``logical_not`` inverts a mask, ``^`` / ``logical_xor`` compares
    two."""
    _refuse_bool_sub(a, b)
    return Sub()(*_pair(a, b))


def _refuse_bool_sub(a: Any, b: Any) -> None:
    """PyTorch's refusal of a bool operand (tensor or Python ``bool``) in a subtraction."""
    for v in (a, b):
        if v is True or v is False or (isinstance(v, Tensor) and v._data.dtype == numpy.bool_):
            two = all(isinstance(u, Tensor) and u._data.dtype == numpy.bool_ for u in (a, b))
            raise RuntimeError(
                "Subtraction, the `-` operator, with two bool tensors is not supported: use "
                "the `^` or logical_xor() operator instead"
                if two
                else "Subtraction, the `-` operator, with a bool tensor is not supported: to "
                "invert a mask, use the `~` or logical_not() operator instead"
            )


def positional_alpha(
    fn: str, other: Any, rest: tuple, alpha: Any, deprecated: bool = True, first: int = 1
) -> tuple[Any, Any]:
    """``(other, alpha)`` of ``add``/``sub``/``subtract``/``rsub`` called with a positional
    argument after ``other`` (``rest``), read by PyTorch's overloads: ``(Number other,
    Number alpha)`` (``x.sub(2, 3)`` is ``x - 3·2``) and, for ``add``/``sub`` only
    (``deprecated``), the deprecated ``(Number alpha, Tensor other)`` (``x.add(3, y)`` is
    ``x + 3·y``, with PyTorch's warning). With a tensor ``other`` alpha is keyword-only:
    ``x.add(y, 2)`` is PyTorch's ``TypeError``, never ``x + 2·y`` in silence. ``first``: the
    positional arguments before ``other`` (1 for the method, 2 for the function's words)."""
    if alpha is not _NO_ALPHA and rest:
        raise TypeError(f"{fn}() got multiple values for argument 'alpha'")
    if not rest:
        if alpha is _NO_ALPHA:
            return other, 1
        if isinstance(alpha, Tensor):  # PyTorch's parser takes a 0-d tensor as the Number
            if alpha.ndim != 0:
                raise TypeError(f"{fn}(): argument 'alpha' must be Number, not Tensor")
            alpha = alpha.item()
        return other, alpha
    if len(rest) > 1:
        raise TypeError(
            f"{fn}() takes at most {first + 2} positional arguments but "
            f"{first + 1 + len(rest)} were given"
        )
    number = (int, float, complex, numpy.number)
    (second,) = rest
    if isinstance(other, number) and isinstance(second, number):
        return other, second
    if deprecated and isinstance(other, number) and isinstance(second, Tensor):
        warnings.warn(
            f"This overload of {fn} is deprecated: {fn}(Number alpha, Tensor other); use "
            f"{fn}(other, alpha=alpha) instead",
            UserWarning,
            stacklevel=3,
        )
        return second, other
    if isinstance(other, number):  # subtract(x, 3, y): no (alpha, other) overload there
        hint = f"pass {fn}(other, alpha={other!r}) with the tensor as 'other'"
    else:
        hint = f"with a tensor 'other' alpha is keyword-only: pass {fn}(other, alpha={second!r})"
    raise TypeError(
        f"{fn}() takes {first} positional argument{'s' if first > 1 else ''} but {first + 1} "
        f"were given (got {type(other).__name__} other, then {type(second).__name__}); no "
        f"overload of PyTorch's {fn}() takes them: {hint}"
    )


def keyword_other(fn: str, other: Any, rest: tuple, alpha: Any, kwargs: dict) -> tuple[Any, Any]:
    """``(other, alpha)`` of ``add``/``sub``/``add_``/``sub_`` called with keywords
    (``kwargs``, besides ``alpha``): ``other=`` names the tensor, so ``x.add(3, other=y)``
    is PyTorch's deprecated ``(Number alpha, Tensor other)`` overload, ``x + 3·y`` with its
    warning (a 0-d tensor counts as the number, as PyTorch's parser takes it); a tensor
    before ``other=``, a second positional or an ``alpha=`` too is its ``TypeError``.
    ``other`` is :data:`_NO_ALPHA` when no positional came."""
    for k in kwargs:
        if k != "other":
            raise TypeError(f"{fn}() got an unexpected keyword argument '{k}'")
    if "other" not in kwargs:
        if other is _NO_ALPHA:
            raise TypeError(f'{fn}() missing 1 required positional arguments: "other"')
        return positional_alpha(fn, other, rest, alpha)
    named = kwargs["other"]
    if other is _NO_ALPHA:
        return positional_alpha(fn, named, rest, alpha)
    number = isinstance(other, (int, float, complex, numpy.number, numpy.bool_)) or (
        isinstance(other, Tensor) and other.ndim == 0
    )
    if rest or alpha is not _NO_ALPHA or not number:
        raise TypeError(f"{fn}() got multiple values for argument 'other'")
    warnings.warn(
        f"This overload of {fn} is deprecated: {fn}(Number alpha, Tensor other); use "
        f"{fn}(other, alpha=alpha) instead",
        UserWarning,
        stacklevel=3,
    )
    return named, other.item() if isinstance(other, Tensor) else other


def add_scaled(a: Any, b: Any, alpha: Any, fn: str, negate: bool = False) -> Tensor:
    """``a + alpha · b`` (``a - alpha · b`` with ``negate``): ``add``/``sub`` with ``alpha`` as
    PyTorch computes them. ``a`` and ``b`` meet in their common dtype (``alpha`` takes no part
    in it) and ``b`` is scaled in that dtype (``int8 + 2·bool`` stays int8); float16 as
    PyTorch's vectorized kernel: ``alpha`` rounded to float16, ``a + alpha·b`` fused in
    float32 and rounded once to float16. An ``alpha`` that dtype cannot take raises
    PyTorch's error: a float one with integer or bool operands, a bool one unless both are
    bool, a complex one unless the dtype is complex. A subtraction refuses bool operands
    first, as :func:`sub`. ``fn`` names the operation in the errors."""
    if negate:
        _refuse_bool_sub(a, b)
    a, b = _pair(a, b)
    dt = numpy.promote_types(a._data.dtype, b._data.dtype)
    if isinstance(alpha, (bool, numpy.bool_)) and dt.kind != "b":
        raise RuntimeError(
            f"{fn}: Boolean alpha only supported for Boolean results (got alpha={alpha!r} with "
            f"{dt} operands); pass an int alpha such as {int(alpha)}"
        )
    if dt.kind in "iub" and not isinstance(alpha, numbers.Integral):
        raise RuntimeError(
            f"{fn}: For integral input tensors, argument alpha must not be a floating point "
            f"number (got alpha={alpha!r} with {dt} operands); pass an int alpha, or convert "
            "the tensors to a float dtype first"
        )
    if dt.kind != "c" and not isinstance(alpha, numbers.Real):
        raise RuntimeError(
            f"{fn}: For non-complex input tensors, argument alpha must not be a complex "
            f"number (got alpha={alpha!r} with {dt} operands); pass a real alpha"
        )
    if alpha == 1:
        return sub(a, b) if negate else add(a, b)
    alpha = bool(alpha) if dt.kind == "b" else (-alpha if negate else alpha)
    if dt == numpy.float16:  # PyTorch's: alpha in float16, fma(alpha, b, a) in float32,
        f64 = numpy.dtype(numpy.float64)  # rounded (exact in float64, then to float32)
        fma = add(astype(a, f64), mul(astype(b, f64), float(numpy.float16(alpha))))
        return astype(astype(fma, numpy.float32), dt)
    return add(a, mul(b, alpha))


class Mul(Function):
    reads_when = ((1,), (0,))  # each factor read for the other's gradient only

    def forward(self, a: Any, b: Any) -> Any:
        return a * b

    def backward(self, gy: Tensor) -> tuple:
        a, b = self.inputs
        na, nb = self.needs_input_grad
        if not _GradMode.enabled:  # first order: on arrays
            g, ad, bd = gy._data, a._data, b._data
            return (
                _grad(g * _cj(bd), ad.shape) if na else None,
                _grad(g * _cj(ad), bd.shape) if nb else None,
            )
        return (
            sum_to(gy * conj(b), a.shape) if na else None,
            sum_to(gy * conj(a), b.shape) if nb else None,
        )


def mul(a: Any, b: Any) -> Tensor:
    """``a * b`` (broadcasting; a float16 tensor times a number as PyTorch, see
    :func:`_half_by_scalar`)."""
    h = _half_by_scalar(a, b)
    if h is not None:
        return astype(Mul()(*h), numpy.float16)
    return Mul()(*_pair(a, b))


def _half_by_scalar(a: Any, b: Any) -> tuple[Tensor, Tensor] | None:
    """``a`` and ``b`` in float32 where PyTorch multiplies or divides in float32: a float16
    tensor ``a`` by a Python number or a 0-d tensor ``b`` that leaves the result float16 (its
    CPU kernels read such a second operand unrounded, in float32, and round the result once:
    ``half * 0.1`` is not ``half * half(0.1)``, ``half(0.001) * 70000`` is 70, not inf;
    ``div`` with a rounding mode and ``//`` too, not ``%``/``fmod``). None elsewhere (``0.1 *
    half`` too is ``half * 0.1``; a 0-d tensor first is not)."""
    if not isinstance(a, Tensor) or a._data.dtype != numpy.float16:
        return None
    f32 = numpy.dtype(numpy.float32)
    if type(b) is float or type(b) is int:
        c = Tensor._from_op(backend.silently(backend.xp.asarray, b, f32), None, 0)
    elif (
        isinstance(b, Tensor)
        and b.ndim == 0
        and b._data.dtype.kind in "iuf"
        and backend.result_type(a, b) == numpy.float16
    ):
        c = astype(b, f32)
    else:
        return None
    return astype(a, f32), c


def _div_grad_b(g: Any, a: Any, b: Any) -> Any:
    return -g * _cj(a / b / b)


def _rsqrt(x: Any) -> Any:
    return 1 / backend.xp.sqrt(x)


class Div(Function):
    reads_when = ((1,), (0, 1))  # a read for b's gradient only, b for both

    def forward(self, a: Any, b: Any) -> Any:
        return backend.divide(a, b)  # x/0 = inf, 0/0 = nan silently (on the hot path: no cost)

    def backward(self, gy: Tensor) -> tuple:
        a, b = self.inputs
        na, nb = self.needs_input_grad
        if not _GradMode.enabled:  # first order: on arrays
            g, ad, bd = gy._data, a._data, b._data
            ga = _grad(backend.divide(g, _cj(bd)), ad.shape) if na else None
            # g·a/b² is ±inf/nan where b = 0, as PyTorch's (silently)
            gb = _grad(backend.silently(_div_grad_b, g, ad, bd), bd.shape) if nb else None
            return ga, gb
        with backend.quiet():
            ga = sum_to(gy / conj(b), a.shape) if na else None
            # -g · (a / b) / b, PyTorch's order (not a / b²): x / |x| then has gradient 0 exactly
            gb = sum_to(-gy * conj(a / b / b), b.shape) if nb else None
        return ga, gb


def div(a: Any, b: Any, *, rounding_mode: str | None = None) -> Tensor:
    """``a / b`` (true division, broadcasting; integer operands give the default float
    dtype, as in PyTorch). PyTorch's ``rounding_mode``: ``"trunc"`` rounds the quotient
    toward zero and ``"floor"`` down, keeping integer dtypes (gradient 0 for both, as
    PyTorch's; an integer divided by 0 raises).

    >>> import deepgrad as dg
    >>> dg.div(dg.tensor([-7, 7]), 2, rounding_mode="trunc").tolist()
    [-3, 3]
    """
    if rounding_mode is not None:
        if rounding_mode not in _ROUNDING:
            raise ValueError(
                f"div: rounding_mode must be one of {_ROUNDING}, got {rounding_mode!r}"
            )
        return _rounded(a, b, rounding_mode, "div")
    h = _half_by_scalar(a, b)
    if h is not None:
        return astype(Div()(*h), numpy.float16)
    return Div()(*_pair(a, b, floating=True))


class Neg(Function):
    reads_inputs = False  # its backward reads the inputs' shapes, not their values

    def forward(self, x: Any) -> Any:
        return -x

    def backward(self, gy: Tensor) -> Tensor:
        if not _GradMode.enabled:  # first order: on arrays
            return Tensor._from_op(-gy._data, None, 0)
        return -gy


def neg(x: Tensor) -> Tensor:
    """``-x``; a bool tensor is refused, as PyTorch refuses it (``RuntimeError``; NumPy's
    ``TypeError`` before, so it is both)."""
    if getattr(getattr(x, "dtype", None), "kind", None) == "b":
        raise DtypeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
            "to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return Neg()(x)


class PowScalar(Function):
    def __init__(self, c: float) -> None:
        self.c = c

    def forward(self, x: Any) -> Any:
        """``x ** c``, through the same special forms as PyTorch's kernel (``x·x``, ``x·x·x``,
        ``√x``, ``1/√x``, ``1/x``, ``1/(x·x)``), so that signed zeros and infinities agree:
        ``(-0.0) ** -0.5`` is ``-inf`` there, as ``1/√(-0.0)``, where ``pow`` gives ``inf``."""
        # 0 ** -1 = inf, (-1) ** 0.5 = nan, overflow: silent, as PyTorch's
        return backend.silently(self._pow, x)

    def _pow(self, x: Any) -> Any:
        if x.dtype == numpy.float16:  # PyTorch's: C's pow in float32 of the exponent rounded
            c = numpy.float32(numpy.float16(self.c))  # to float16, rounded once
            xp = backend.xp
            c = xp.full(x.shape, c)  # an array: NumPy's scalar (or stride-0) 0.5 is √x
            return xp.power(x.astype(numpy.float32), c).astype(numpy.float16)
        return _pow_array(x, self.c)

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0]
        c = self.c
        if c == 2:
            if not _GradMode.enabled:  # first order: on arrays
                return Tensor._from_op(gy._data * _cj(x._data) * 2, None, 0)
            return gy * conj(x) * 2
        if c == 1:
            return gy
        if c == 0:  # x⁰ = 1 is constant, also at x = 0 (not 0 · 0⁻¹): PyTorch's rule
            return Tensor._wrap(backend.xp.zeros(x.shape, dtype=x._data.dtype))
        with backend.quiet():  # c·x^(c-1) is inf/nan at 0 for c < 1, as PyTorch's
            return gy * conj(x ** (c - 1) * c)


def _pow_array(x: Any, c: Any) -> Any:
    """``x ** c`` through PyTorch's special forms (see :meth:`PowScalar.forward`)."""
    xp = backend.xp
    if c == 2:
        return x * x
    if c == 3:
        return x * x * x
    if x.dtype.kind != "f":
        return x**c
    if c == 0.5:
        return xp.sqrt(x)
    if c in (-0.5, -1, -2):
        d = xp.sqrt(x) if c == -0.5 else (x if c == -1 else x * x)
        return xp.divide(x.dtype.type(1), d)
    return x**c


class Pow(Function):
    keep_output = True

    def forward(self, a: Any, b: Any) -> Any:
        if b.dtype.kind in "iu" and a.dtype.kind in "iu" and (b < 0).any():
            # PyTorch's integer rule for a negative exponent: 1 for a base 1, ±1 for -1, else 0
            xp = backend.xp
            one = xp.ones((), a.dtype)
            neg = xp.where(a == 1, one, xp.where(a == -1, xp.where(b % 2 == 0, one, -one), 0))
            return xp.where(b < 0, neg, a ** xp.maximum(b, 0)).astype(a.dtype, copy=False)
        # 0 ** -1 = inf, (-2) ** 0.5 = nan, overflow: silent, as PyTorch's
        return backend.silently(operator.pow, a, b)

    def backward(self, gy: Tensor) -> tuple:
        """``∂a = b · a^(b-1)``, 0 where ``b = 0``; ``∂b = a^b · ln a``, 0 where ``a = 0`` and
        ``b ≥ 0`` (PyTorch's rules: ``0⁰ = 1`` has gradient 0 in both)."""
        with backend.quiet():  # inf/nan gradients at 0 and for a < 0, as PyTorch's: silent
            return self._grads(gy)

    def _grads(self, gy: Tensor) -> tuple:
        a, b = self.inputs
        na, nb = self.needs_input_grad
        ga = gb = None
        if na:
            b_zero = b._data == 0
            base = where(b_zero, 1.0, a)  # no 0^(-1) computed where the result is masked
            ga = sum_to(where(b_zero, 0.0, gy * conj(b * base ** (b - 1))), a.shape)
        if nb:
            a_zero = (a._data == 0) & (b._data >= 0)
            ln_a = log(where(a_zero, 1.0, a))  # ln 1 = 0 where a = 0 and b ≥ 0
            gb = sum_to(gy * conj(self.output() * ln_a), b.shape)
        return ga, gb


def pow(a: Any, b: Any) -> Tensor:  # noqa: A001 - the operator's name
    """``a ** b``; a Python number exponent uses the cheaper rule ``c a^(c-1)``."""
    if isinstance(a, Tensor) and isinstance(b, numbers.Real) and not isinstance(b, bool):
        if a._data.dtype.kind in "biu" and isinstance(b, numbers.Integral) and b < 0:
            # PyTorch's RuntimeError (NumPy raised a plain ValueError); a tensor exponent
            # follows PyTorch's integer rule instead (Pow.forward)
            raise ValueRangeError("Integers to negative integer powers are not allowed.")
        if a._data.dtype.kind == "b" and isinstance(b, numbers.Integral):
            a = astype(a, numpy.int64)  # bool ** 2 is int64, as PyTorch's result_type
        if a._data.dtype == numpy.float16:
            backend.check_number(b, numpy.float16, "pow")
        return PowScalar(b)(_meet_scalar(a, b))  # int ** 0.5: the default float dtype
    if isinstance(a, Tensor) and isinstance(b, bool) and a._data.dtype.kind == "b":
        return a.clone() if b else a.clone().fill_(True)  # PyTorch's x ** True, x ** False
    a, b = _pair(a, b)
    _refuse_bool_pair(a, b, "pow")
    return Pow()(a, b)


class Exp(Function):
    keep_output = True

    def forward(self, x: Any) -> Any:
        return backend.silently(backend.xp.exp, x)  # exp(1000) = inf, silently as PyTorch

    def backward(self, gy: Tensor) -> Tensor:
        if not _GradMode.enabled:  # first order: on arrays
            return Tensor._from_op(gy._data * _cj(self.output()._data), None, 0)
        return gy * conj(self.output())


def exp(x: Tensor) -> Tensor:
    """``e^x`` (of an integer tensor: in the default float dtype, as in PyTorch)."""
    return Exp()(_floating(x))


class Log(Function):
    def forward(self, x: Any) -> Any:
        return backend.silently(backend.xp.log, x)  # log(0) = -inf, log(-1) = nan: silent

    def backward(self, gy: Tensor) -> Tensor:
        return gy / conj(self.inputs[0])


def log(x: Tensor) -> Tensor:
    """Natural logarithm ``ln x``."""
    return Log()(_floating(x))


class Sqrt(Function):
    keep_output = True

    def forward(self, x: Any) -> Any:
        return backend.silently(backend.xp.sqrt, x)  # √-1 = nan, silently as PyTorch

    def backward(self, gy: Tensor) -> Tensor:
        return gy / conj(self.output() * 2)  # inf at 0, as PyTorch's (Div is silent)


def sqrt(x: Tensor) -> Tensor:
    """``√x``."""
    return Sqrt()(_floating(x))


class Abs(Function):
    def forward(self, x: Any) -> Any:
        return backend.xp.abs(x)

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0]
        if x.dtype.kind == "c":  # g · z/|z| (0 at z = 0), PyTorch's sgn
            zd = x._data
            nz = zd != 0
            safe = where(nz, x, _mask(zd == 0, x))  # 1 where z = 0
            return where(
                nz,
                gy * (safe / abs(safe)),
                Tensor._from_op(backend.xp.zeros((), zd.dtype), None, 0),
            )
        g = gy._data
        sign = backend.xp.sign(x._data)
        if sign.dtype.kind in "fc":  # PyTorch's derivative at NaN is 0, not NaN
            sign = backend.xp.nan_to_num(sign, nan=0.0)
        if sign.dtype.kind == "c":  # sgn(x) = x / |x|: a complex gradient (PyTorch's)
            return gy * Tensor._from_op(sign, None, 0)
        if not _GradMode.enabled:  # first order: on arrays
            return Tensor._from_op(g * sign.astype(g.dtype), None, 0)
        return gy * _mask(sign, gy)


def abs(x: Tensor) -> Tensor:  # noqa: A001
    """``|x|`` (derivative ``sign(x)``, 0 at 0); a bool tensor is refused, as in PyTorch."""
    refuse_kernel_dtype(x, "abs", "b", "abs_cpu")
    return Abs()(x)


class Maximum(Function):
    def __init__(self, take_max: bool) -> None:
        self.take_max = take_max

    def forward(self, a: Any, b: Any) -> Any:
        return backend.xp.maximum(a, b) if self.take_max else backend.xp.minimum(a, b)

    def backward(self, gy: Tensor) -> tuple:
        # PyTorch's rule: each side gets the gradient unless it lost (half each on a tie);
        # where either side is NaN neither lost, so both get it
        a, b = self.inputs[0]._data, self.inputs[1]._data
        half = 1.0 - 0.5 * (a == b)
        a_lost, b_lost = (a < b, a > b) if self.take_max else (a > b, a < b)
        na, nb = self.needs_input_grad
        g = gy * _mask(half, gy) if (a == b).any() else gy
        ga = sum_to(_keep(g, ~a_lost), self.inputs[0].shape) if na else None
        gb = sum_to(_keep(g, ~b_lost), self.inputs[1].shape) if nb else None
        return ga, gb


def maximum(a: Any, other: Any) -> Tensor:
    """Elementwise ``max(a, other)``; on ties the gradient is split in half."""
    _refuse_complex_order("maximum", a, other)
    return Maximum(True)(*_pair(a, other))


def minimum(a: Any, other: Any) -> Tensor:
    """Elementwise ``min(a, other)``; on ties the gradient is split in half."""
    _refuse_complex_order("minimum", a, other)
    return Maximum(False)(*_pair(a, other))


class Clip(Function):
    def __init__(self, lo: Any, hi: Any) -> None:
        self.lo, self.hi = lo, hi

    def forward(self, x: Any) -> Any:
        return backend.xp.clip(x, self.lo, self.hi)

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0]._data
        inside = backend.xp.ones(x.shape, dtype=bool)
        if self.lo is not None:
            inside &= x >= self.lo
        if self.hi is not None:
            inside &= x <= self.hi
        return _keep(gy, inside)


def clip(x: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """Limit values to ``[min, max]`` (either may be None); gradient 1 inside, 0 outside.
    Number bounds are PyTorch's ``Scalar`` bounds: the result has the dtype of ``x`` meeting
    them (``result_type``: an int tensor with a float bound is float32, a bool one with an int
    bound int64), a bound is converted to it as PyTorch converts (an int past an integer
    dtype's range, or a finite float past float16's, raises; ``uint8`` takes ``-1`` as 255).
    Tensor bounds are :func:`clamp`'s."""
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return clamp(x, min, max)
    if min is None and max is None:
        raise ValueRangeError(
            "torch.clamp: At least one of 'min' or 'max' must not be None (clip: at least one "
            "of min and max must be given)"
        )
    _refuse_complex_order("clamp", x, min, max)
    if x.dtype == bool and all(v is None or isinstance(v, bool) for v in (min, max)):
        raise NotImplementedError(
            "clamp: not implemented for a bool tensor with bool bounds (PyTorch refuses it "
            "too); use x & bound / x | bound, or tensor bounds"
        )
    dt = backend.result_type(x, *(v for v in (min, max) if v is not None))
    lo, hi = (_bound(v, dt) for v in (min, max))
    return Clip(lo, hi)(astype(x, dt))


def _bound(v: Any, dt: numpy.dtype) -> Any:
    """A number bound of ``clip`` in the result dtype ``dt``, as PyTorch converts it."""
    if v is None:
        return None
    if getattr(v, "ndim", 0):  # an array bound (deepgrad takes them): in the result dtype
        return backend.xp.asarray(v).astype(dt, copy=False)
    backend.check_number(v, dt, "clamp")
    if dt.kind in "iu":
        return backend.wrap_int(int(v), dt)
    return float(v) if dt.kind == "f" else v


class Where(Function):
    def __init__(self, cond: Any) -> None:
        self.cond = cond

    def forward(self, a: Any, b: Any) -> Any:
        return backend.xp.where(self.cond, a, b)

    def backward(self, gy: Tensor) -> tuple:
        a, b = self.inputs
        na, nb = self.needs_input_grad
        # selected, not multiplied by a 0/1 mask: a NaN/inf gradient of the branch not
        # taken stays out (0 · NaN would be NaN), as PyTorch's where backward
        zero = Tensor._from_op(backend.xp.zeros((), gy._data.dtype), None, 0)
        ga = sum_to(Where(self.cond)(gy, zero), a.shape) if na else None
        gb = sum_to(Where(~self.cond)(gy, zero), b.shape) if nb else None
        return ga, gb


def where(
    condition: Any,
    input: Any = _ONE_ARGUMENT,  # noqa: A002 - PyTorch's names
    other: Any = _ONE_ARGUMENT,
) -> Any:
    """``input`` where ``condition`` is true, else ``other`` (broadcasting all three; PyTorch's
    argument names). ``where(condition)`` alone is ``nonzero(condition, as_tuple=True)``, as
    PyTorch's: one int64 index tensor per dim."""
    cond, a, b = condition, input, other
    if a is _ONE_ARGUMENT and b is _ONE_ARGUMENT:
        return nonzero(cond if isinstance(cond, Tensor) else Tensor(cond), as_tuple=True)
    if a is _ONE_ARGUMENT or b is _ONE_ARGUMENT:
        raise TypeError("where(condition, input, other) takes both input and other, or neither")
    c = cond._data if isinstance(cond, Tensor) else backend.xp.asarray(cond)
    if c.dtype != bool:
        if isinstance(cond, Tensor):
            _refuse_condition(c.dtype)
        c = c.astype(bool)
    if isinstance(a, numbers.Number) and isinstance(b, numbers.Number):  # PyTorch's dtype:
        dt = backend.result_type(a, b)  # where(c, 1, 0.5) is float32, where(c, 1, 0) int64
        a, b = (Tensor._from_op(backend.xp.asarray(v, dtype=dt), None, 0) for v in (a, b))
    ta, tb = _pair(a, b)
    if ta._data.dtype.kind in "iu":  # an int past the dtype's range raises, as PyTorch's
        for v in (a, b):
            if isinstance(v, int) and not isinstance(v, bool):
                backend.check_number(v, ta._data.dtype, "where")
    return Where(c)(ta, tb)


def _refuse_condition(dt: numpy.dtype) -> None:
    """PyTorch's ``where`` takes a bool condition tensor, a uint8 one with a warning."""
    if dt != numpy.uint8:
        raise RuntimeError(
            f"where expected condition to be a boolean tensor, but got a tensor with dtype "
            f"{dt}: compare it (cond != 0) or convert it with .bool()"
        )
    warnings.warn(
        "where received a uint8 condition tensor. This behavior is deprecated and will be "
        "removed in a future version of PyTorch. Use a boolean condition instead.",
        UserWarning,
        stacklevel=3,
    )


class AsType(Function):
    reads_inputs = False  # its backward reads the inputs' shapes, not their values

    def __init__(self, dtype: Any) -> None:
        self.dtype = dtype

    def forward(self, x: Any) -> Any:
        if x.dtype.kind == "f" and x.dtype.itemsize > numpy.dtype(self.dtype).itemsize:
            with backend.quiet():  # a float past the narrower range is ±inf, as PyTorch's
                return x.astype(self.dtype)
        return x.astype(self.dtype)

    def backward(self, gy: Tensor) -> Tensor:
        dt = self.inputs[0].dtype
        if gy.dtype.kind == "c" and dt.kind != "c":  # real → complex: the real part flows back
            gy = Real()(gy)
        return astype(gy, dt)


def astype(x: Tensor, dtype: Any) -> Tensor:
    """``x`` cast to ``dtype`` (gradients flow between floating dtypes)."""
    dtype = numpy.dtype(dtype)
    if x.dtype == dtype:
        return x
    if dtype.kind not in "fc":
        return Tensor._from_op(x._data.astype(dtype), None, 0)
    return AsType(dtype)(x)


def computed_in(dtype: Any) -> numpy.dtype:
    """The dtype PyTorch's CPU kernels compute a normalization, pooling or attention of
    ``dtype`` in: float32 for float16 (the result rounded back once), else ``dtype`` itself.
    With :func:`astype` on the way in and out (no-ops for the other dtypes)."""
    dtype = numpy.dtype(dtype)
    return numpy.dtype(numpy.float32) if dtype == numpy.float16 else dtype


def clamp(x: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """PyTorch's ``clamp``: ``min(max(x, min), max)``, either bound optional (not both).

    Number bounds are :func:`clip` (gradient 1 where ``min <= x <= max``, else 0), as is a 0-d
    tensor beside a number (PyTorch reads it as a number there); a tensor with dimensions
    beside a number raises ``TypeError``, as PyTorch's. Tensor bounds: the result has the
    dtype of the three (``result_type``), the bounds cast to it (wrapping, as PyTorch's); a
    NaN bound gives NaN; a bound broadcasts and receives the gradient where it is taken;
    where the result is NaN (``x`` or a bound NaN) no gradient flows, as PyTorch's."""
    if not isinstance(min, Tensor) and not isinstance(max, Tensor):
        return clip(x, min, max)
    if any(v is not None and not isinstance(v, Tensor) for v in (min, max)):
        if any(isinstance(v, Tensor) and v.ndim for v in (min, max)):
            raise TypeError(
                "clamp(): min and max must both be numbers or both tensors (or None), as in "
                f"PyTorch; got {type(min).__name__} and {type(max).__name__} with dimensions: "
                "wrap the number in a tensor (dg.tensor(v))"
            )
        return clip(x, *(v.item() if isinstance(v, Tensor) else v for v in (min, max)))
    _refuse_complex_order("clamp", x, min, max)
    dt = backend.result_type(x, *(v for v in (min, max) if v is not None))
    if dt.kind == "b" and min is not None and max is not None:
        raise NotImplementedError(
            "clamp: not implemented for bool tensors with both bounds (PyTorch refuses it "
            "too); use (x | min) & max"
        )
    y, lo, hi = (None if v is None else astype(v, dt) for v in (x, min, max))
    shapes = [v.shape for v in (y, lo, hi) if v is not None]
    try:
        numpy.broadcast_shapes(*shapes)
    except ValueError:
        raise ShapeMismatchError(f"{broadcast_words(*shapes)} (clamp: shapes {shapes})") from None
    if lo is not None:
        y = where(_beyond(y._data < lo._data, lo), lo, y)
    if hi is not None:
        y = where(_beyond(y._data > hi._data, hi), hi, y)
    if dt.kind == "f":
        nan = y._data != y._data
        if nan.any():  # NaN from x or a bound: no gradient to any of them there, as PyTorch's
            y = where(nan, Tensor._from_op(y._data, None, 0), y)
    return y


def _beyond(mask: Any, bound: Tensor) -> Any:
    """Where ``clamp`` takes the bound: ``mask`` (outside it), or the bound is NaN."""
    b = bound._data
    return mask | (b != b) if b.dtype.kind == "f" else mask


def _floating(x: Tensor) -> Tensor:
    """An integer/bool tensor as the default float dtype (``sin`` of ints is float, as in
    PyTorch); a floating tensor unchanged."""
    if x._data.dtype.kind in "iub":
        return Tensor._from_op(x._data.astype(backend.get_default_dtype()), None, 0)
    return x


class PiecewiseConstant(Function):
    """``sign``, ``floor``, ``ceil``, ``round``: steps whose derivative is 0 wherever it
    exists; the gradient is 0 everywhere, as in PyTorch."""

    def __init__(self, fn: Any) -> None:
        self.fn = fn

    def forward(self, x: Any) -> Any:
        return self.fn(x)

    def backward(self, gy: Tensor) -> Tensor:
        return Tensor._from_op(backend.xp.zeros_like(gy._data), None, 0)


def sign(x: Tensor) -> Tensor:
    """``-1, 0, 1`` for negative, zero, positive elements (gradient 0); a complex tensor is
    refused, as in PyTorch (use ``sgn``)."""
    refuse_kernel_dtype(x, "sign", "c")
    if x._data.dtype.kind == "b":
        return Tensor._from_op(x._data.copy(), None, 0)
    return PiecewiseConstant(_sign)(x)


def _sign(x: Any) -> Any:
    """PyTorch's ``(0 < x) - (x < 0)``: ``sign(nan)`` is 0 (NumPy's is NaN)."""
    y = backend.xp.asarray(backend.xp.sign(x))  # an array for a 0-d input too
    if y.dtype.kind == "f":
        y[y != y] = 0
    return y


def floor(x: Tensor) -> Tensor:
    """Largest integer ``<= x`` (gradient 0; integer tensors are returned unchanged, bool and
    complex ones refused, as in PyTorch)."""
    refuse_kernel_dtype(x, "floor", "bc", "floor_vml_cpu")
    if x._data.dtype.kind in "iub":
        return Tensor._from_op(x._data.copy(), None, 0)
    return PiecewiseConstant(backend.xp.floor)(x)


def ceil(x: Tensor) -> Tensor:
    """Smallest integer ``>= x`` (gradient 0; integer tensors are returned unchanged, bool and
    complex ones refused, as in PyTorch)."""
    refuse_kernel_dtype(x, "ceil", "bc", "ceil_vml_cpu")
    if x._data.dtype.kind in "iub":
        return Tensor._from_op(x._data.copy(), None, 0)
    return PiecewiseConstant(backend.xp.ceil)(x)


def round(x: Tensor, decimals: int | None = None) -> Tensor:  # noqa: A001 - PyTorch's name
    """Round to ``decimals`` decimal places, halves to even (``round(2.5) = 2``, as PyTorch
    and NumPy); gradient 0. Integer tensors are returned unchanged; PyTorch refuses them where
    ``decimals`` is given (``decimals=0`` too: its other overload), and bool and complex
    tensors always, as deepgrad does."""
    given = decimals is not None
    refuse_kernel_dtype(x, "round", "bciu" if given else "bc", "round_vml_cpu")
    decimals = decimals or 0
    if x._data.dtype.kind in "iub":
        return Tensor._from_op(x._data.copy(), None, 0)
    return PiecewiseConstant(lambda a: backend.xp.round(a, decimals))(x)


class Sin(Function):
    def forward(self, x: Any) -> Any:
        return backend.xp.sin(x)

    def backward(self, gy: Tensor) -> Tensor:
        return gy * conj(cos(self.inputs[0]))


def sin(x: Tensor) -> Tensor:
    """``sin x`` (derivative ``cos x``)."""
    return Sin()(_floating(x))


class Cos(Function):
    def forward(self, x: Any) -> Any:
        return backend.xp.cos(x)

    def backward(self, gy: Tensor) -> Tensor:
        return -(gy * conj(sin(self.inputs[0])))


def cos(x: Tensor) -> Tensor:
    """``cos x`` (derivative ``-sin x``)."""
    return Cos()(_floating(x))


class Log1p(Function):
    def forward(self, x: Any) -> Any:
        return backend.silently(backend.xp.log1p, x)  # log1p(-1) = -inf, silently

    def backward(self, gy: Tensor) -> Tensor:
        return gy / conj(self.inputs[0] + 1)


def log1p(x: Tensor) -> Tensor:
    """``ln(1 + x)``, accurate for small ``x`` (derivative ``1 / (1 + x)``)."""
    return Log1p()(_floating(x))


class Expm1(Function):
    keep_output = True

    def forward(self, x: Any) -> Any:
        return backend.silently(backend.xp.expm1, x)  # overflow to inf, silently

    def backward(self, gy: Tensor) -> Tensor:
        return gy * conj(self.output() + 1)


def expm1(x: Tensor) -> Tensor:
    """``e^x - 1``, accurate for small ``x`` (derivative ``e^x = y + 1``)."""
    return Expm1()(_floating(x))


def square(x: Tensor) -> Tensor:
    """``x²`` (derivative ``2x``; integer tensors stay integer, a bool one gives int64, as
    PyTorch's ``pow(x, 2)``)."""
    if x._data.dtype.kind == "b":
        x = astype(x, numpy.int64)
    return PowScalar(2)(x)


@float32_forward
class Rsqrt(Function):
    keep_output = True

    def forward(self, x: Any) -> Any:
        return backend.silently(_rsqrt, x)  # 1/√0 = inf, 1/√-1 = nan, silently

    def backward(self, gy: Tensor) -> Tensor:
        y = self.output()
        with backend.quiet():
            return gy * conj(y * y * y) * -0.5


def rsqrt(x: Tensor) -> Tensor:
    """``1 / √x`` (derivative ``-y³ / 2``)."""
    return Rsqrt()(_floating(x))


class Reciprocal(Function):
    keep_output = True

    def forward(self, x: Any) -> Any:
        return backend.divide(1, x)  # 1/0 = inf, silently as PyTorch

    def backward(self, gy: Tensor) -> Tensor:
        y = self.output()
        with backend.quiet():
            return -(gy * conj(y * y))


def reciprocal(x: Tensor) -> Tensor:
    """``1 / x`` (derivative ``-1/x² = -y²``)."""
    return Reciprocal()(_floating(x))


def masked_fill(x: Tensor, mask: Any, value: Any) -> Tensor:
    """``value`` where the boolean ``mask`` is true, ``x`` elsewhere (``mask`` broadcasts
    with ``x``; ``value`` is a number or a 0-d tensor, which then gets the gradient of the
    positions it fills)."""
    m = _fill_mask(x, mask, value, "masked_fill")
    if isinstance(value, Tensor) and value.requires_grad and _GradMode.enabled:
        if x._data.dtype.kind not in "fc":  # (PyTorch's masked_fill_ records it: not refused)
            raise DtypeError(
                f"masked_fill: a value that requires grad cannot fill a {x._data.dtype} tensor "
                "(Autograd not support dtype; detach the value or fill a float tensor)"
            )
    return _filled(x, m, value)


def _filled(x: Tensor, m: Any, value: Any) -> Tensor:
    """``masked_fill``'s result, its checks done (``m`` the mask's array)."""
    if not isinstance(value, Tensor):  # cast first: 2.5 into an int64 tensor is 2
        value = _checked_scalar(value, x.dtype, op=True)
        value = Tensor._from_op(backend.xp.asarray(value).astype(x._data.dtype), None, 0)
    return astype(where(m, value, x), x.dtype)  # x's dtype, as PyTorch's


def _fill_mask(x: Tensor, mask: Any, value: Any, fn: str) -> Any:
    """``masked_fill``'s checks (PyTorch's ``RuntimeError``s): a bool mask that broadcasts
    with ``x``, a number or 0-d tensor value. Returns the mask's array."""
    m = mask._data if isinstance(mask, Tensor) else backend.xp.asarray(mask)
    if m.dtype != bool:
        raise DtypeError(f"{fn}: mask must be a boolean tensor, got dtype {m.dtype}")
    if isinstance(value, Tensor) and value.ndim != 0:
        raise IndexShapeError(
            f"{fn}: value must be a number or a 0-d tensor, got shape {value.shape}"
        )

    try:
        numpy.broadcast_shapes(m.shape, x.shape)
    except ValueError:
        raise IndexShapeError(
            f"{fn}: mask of shape {m.shape} does not broadcast with the input of shape {x.shape}"
        ) from None
    return m


# ---- division with rounding; remainders ---------------------------------------------------
def _refuse_int_zero(a: Tensor, b: Tensor, fn: str) -> None:
    """Integer division by zero raises (PyTorch's ``ZeroDivisionError``); floats give inf/NaN."""
    if a._data.dtype.kind in "iub" and b._data.dtype.kind in "iub" and (b._data == 0).any():
        raise IntegerZeroDivisionError(
            f"ZeroDivisionError ({fn}: integer division by zero; a float tensor gives inf/NaN)"
        )


def _trunc_divide(a: Any, b: Any) -> Any:
    """``a / b`` rounded toward zero: ``trunc(a / b)`` for floats; exact for integers."""
    xp = backend.xp
    if a.dtype.kind == "f":
        return xp.trunc(a / b)
    q = xp.floor_divide(a, b)
    return q + ((xp.remainder(a, b) != 0) & ((a < 0) != (b < 0))).astype(q.dtype)


class RoundedDiv(Function):
    """``div(a, b, rounding_mode="floor"|"trunc")``: a step in both operands, gradient 0 (as
    PyTorch's); ``floor_divide``/``//`` has no derivative there (PyTorch raises too)."""

    def __init__(self, mode: str, differentiable: bool = True) -> None:
        self.mode, self.differentiable = mode, differentiable

    def forward(self, a: Any, b: Any) -> Any:
        with backend.quiet():
            if self.mode == "floor":
                return backend.floor_divide(a, b)
            return _trunc_divide(a, b)

    def backward(self, gy: Tensor) -> tuple:
        if not self.differentiable:
            raise RuntimeError(
                "the derivative of floor_divide (//) is not implemented (as in PyTorch); use "
                "div(a, b, rounding_mode='floor'), whose gradient is 0"
            )
        a, b = self.inputs
        z = backend.xp.zeros
        return (
            Tensor._from_op(z(a.shape, a._data.dtype), None, 0),
            Tensor._from_op(z(b.shape, b._data.dtype), None, 0),
        )


def _rounded(a: Any, b: Any, mode: str, fn: str, differentiable: bool = True) -> Tensor:
    if a is None or b is None:
        raise TypeError(f"{fn}: needs two operands")
    h = _half_by_scalar(a, b)  # float16 by a number: in float32, as PyTorch's kernels
    if h is not None:
        return astype(RoundedDiv(mode, differentiable)(*h), numpy.float16)
    a, b = _pair(a, b)
    if a._data.dtype.kind == "b" and b._data.dtype.kind == "b":
        raise TypeError(f"{fn}: not defined for two bool tensors (PyTorch refuses it too)")
    _refuse_int_zero(a, b, fn)
    return RoundedDiv(mode, differentiable)(a, b)


def floor_divide(input: Any, other: Any) -> Tensor:  # noqa: A002 - PyTorch's names
    """``input // other``: the quotient rounded down, ``floor(a / b)`` computed as Python's
    float ``//`` (``-7 // 2 = -4``; ``1 // 0.1 = 9``, as PyTorch). Integer operands stay
    integers; dividing an integer by 0 raises. Not differentiable (PyTorch's ``//`` is not);
    :func:`div` with ``rounding_mode="floor"`` has gradient 0.

    >>> import deepgrad as dg
    >>> (dg.tensor([-7, 7]) // 2).tolist()
    [-4, 3]
    """
    return _rounded(input, other, "floor", "floor_divide", differentiable=False)


class Remainder(Function):
    """``remainder`` (Python's ``%``: the sign of the divisor) or ``fmod`` (C's: the sign of
    the dividend): ``a - b·q`` with ``q`` the floor (trunc) quotient; ``∂a = 1``, ``∂b = -q``."""

    def __init__(self, python_sign: bool) -> None:
        self.python_sign = python_sign

    def forward(self, a: Any, b: Any) -> Any:
        xp = backend.xp
        with backend.quiet():
            if not self.python_sign:
                return xp.fmod(a, b)
            if a.dtype.kind not in "fc":
                return xp.remainder(a, b)
            # PyTorch's floating remainder: fmod, moved by b where its sign differs from b's;
            # a zero keeps a's sign (remainder(-1.0, 1.0) is -0.0; NumPy's takes b's)
            m = xp.fmod(a, b)
            return xp.where((m != 0) & ((b < 0) != (m < 0)), m + b, m)

    def backward(self, gy: Tensor) -> tuple:
        a, b = self.inputs
        na, nb = self.needs_input_grad
        ga = sum_to(gy, a.shape) if na else None
        gb = None
        if nb:
            mode = "floor" if self.python_sign else "trunc"
            q = RoundedDiv(mode)(Tensor._from_op(a._data, None, 0), b.detach())
            gb = sum_to(-gy * q, b.shape)
        return ga, gb


def _refuse_bool_pair(a: Tensor, b: Tensor, fn: str) -> None:
    """PyTorch has no ``remainder``/``fmod``/``pow`` kernel for bool: two bool operands raise."""
    if a._data.dtype.kind == "b" and b._data.dtype.kind == "b":
        raise NotImplementedError(
            f"{fn}: not implemented for two bool operands (PyTorch refuses it too); convert "
            "one first, e.g. x.long()"
        )


def _remainder(a: Any, b: Any, python_sign: bool, fn: str) -> Tensor:
    a, b = _pair(a, b)
    _refuse_bool_pair(a, b, fn)
    _refuse_int_zero(a, b, fn)
    return Remainder(python_sign)(a, b)


def remainder(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input % other``, Python's modulo: ``a - b·floor(a / b)``, with the sign of ``b``
    (``-7 % 3 = 2``). Gradient ``1`` for ``a`` and ``-floor(a / b)`` for ``b``.

    >>> import deepgrad as dg
    >>> (dg.tensor([-7.0, 7.0]) % 3).tolist()
    [2.0, 1.0]
    """
    return _remainder(input, other, True, "remainder")


def fmod(input: Any, other: Any) -> Tensor:  # noqa: A002
    """C's remainder: ``a - b·trunc(a / b)``, with the sign of ``a`` (``fmod(-7, 3) = -1``).
    Gradient ``1`` for ``a`` and ``-trunc(a / b)`` for ``b``."""
    return _remainder(input, other, False, "fmod")


_ROUNDING = (None, "trunc", "floor")


class Lerp(Function):
    """``a + w (b - a)``, written as PyTorch's kernel writes it (``b - (b - a)(1 - w)`` for
    ``w >= 0.5``, exact at ``w = 1``); ``∂a = 1 - w``, ``∂b = w``, ``∂w = b - a``."""

    def forward(self, a: Any, b: Any, w: Any) -> Any:
        xp = backend.xp
        return xp.where(xp.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w))

    def backward(self, gy: Tensor) -> tuple:
        a, b, w = self.inputs
        na, nb, nw = self.needs_input_grad
        ga = sum_to(gy * (1 - w), a.shape) if na else None
        gb = sum_to(gy * w, b.shape) if nb else None
        gw = sum_to(gy * (b - a), w.shape) if nw else None
        return ga, gb, gw


def lerp(input: Tensor, end: Any, weight: Any) -> Tensor:  # noqa: A002
    """Linear interpolation ``input + weight · (end - input)`` (broadcasting all three;
    ``weight`` a number or a tensor). As PyTorch's: ``end`` and a ``weight`` with dimensions
    of ``input``'s dtype (no promotion); a 0-d ``weight`` of any dtype promotes with them
    (``result_type``); a number ``weight`` converts to ``input``'s floating dtype (a complex
    one into a real dtype raises); float16 is computed in float32, rounded once.

    >>> import deepgrad as dg
    >>> dg.lerp(dg.tensor([0.0, 10.0]), dg.tensor([10.0, 20.0]), 0.25).tolist()
    [2.5, 12.5]
    """
    a = input if isinstance(input, Tensor) else Tensor(input)
    dt = a._data.dtype
    for name, v in (("end", end), ("weight", weight)):
        if isinstance(v, Tensor) and v._data.dtype != dt and (name == "end" or v.ndim):
            raise RuntimeError(
                f"lerp: expected dtype {dt} for `{name}` but got dtype {v.dtype} (PyTorch's "
                f"rule: no promotion); convert it with .to({dt})"
            )
    if isinstance(weight, Tensor):
        dt = backend.result_type(a, end, weight)
    kernel = "lerp_kernel_tensor" if isinstance(weight, Tensor) else "lerp_kernel_scalar"
    refuse_kernel_dtype(numpy.empty(0, dt), "lerp", "biu", kernel)  # PyTorch's NotImplementedError
    work = numpy.dtype(numpy.float32) if dt == numpy.float16 else dt
    if not isinstance(weight, Tensor):
        backend.check_number(weight, work, "lerp")
        if isinstance(weight, complex) and work.kind != "c":
            weight = weight.real  # 2+0j into a real dtype: 2.0, as PyTorch converts it
    a, b = _pair(astype(a, dt), end)
    a, b = astype(a, work), astype(b, work)
    # a tensor weight is cast to the result dtype first (float16: rounded), a number is not
    w = astype(astype(weight, dt), work) if isinstance(weight, Tensor) else _const(weight, a)
    return astype(Lerp()(a, b, w), dt)


def addcmul(input: Tensor, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:  # noqa: A002
    """``input + value · tensor1 · tensor2`` (broadcasting; see :func:`_addc`)."""
    return _addc(input, tensor1, tensor2, value, "addcmul")


def addcdiv(input: Tensor, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:  # noqa: A002
    """``input + value · tensor1 / tensor2`` (broadcasting; integer ``tensor1`` and
    ``tensor2`` are refused, as PyTorch refuses them; see :func:`_addc`)."""
    return _addc(input, tensor1, tensor2, value, "addcdiv")


def _addc(x: Any, t1: Any, t2: Any, value: Any, fn: str) -> Tensor:
    """``addcmul``/``addcdiv`` as PyTorch computes them: the three tensors meet in one dtype
    (``result_type`` of the three; ``value`` takes no part), ``value`` converted to it as a
    number argument (truncated for integers; past the range raises), then ``x + value · t1 ⊙
    t2`` in that order (float16 in float32, rounded once)."""
    x, t1, t2 = (v if isinstance(v, Tensor) else Tensor(v) for v in (x, t1, t2))
    if fn == "addcdiv" and all(t._data.dtype.kind in "iub" for t in (t1, t2)):
        raise TypeError(
            "addcdiv: integer division of tensors is not supported (as in PyTorch); "
            "use floating tensors or div(..., rounding_mode='trunc')"
        )
    dt = backend.result_type(x, t1, t2)
    if dt.kind == "b":
        raise NotImplementedError(
            f"{fn}: not implemented for bool tensors (PyTorch refuses them too); convert "
            "them first, e.g. x.long()"
        )
    backend.check_number(value, dt, fn)
    if isinstance(value, complex) and dt.kind != "c":
        value = value.real  # 2+0j for a real dtype: 2.0, as PyTorch converts it
    if dt.kind in "iu":
        value = int(value)
    work = numpy.dtype(numpy.float32) if dt == numpy.float16 else dt
    x, t1, t2 = (astype(astype(t, dt), work) for t in (x, t1, t2))
    q = t1 if type(value) is int and value == 1 else mul(t1, value)
    q = div(q, t2) if fn == "addcdiv" else mul(q, t2)
    return astype(add(x, q), dt)


def clamp_min(input: Tensor, min: Any) -> Tensor:  # noqa: A002
    """``clamp(input, min=min)``."""
    return clamp(input, min, None)


def clamp_max(input: Tensor, max: Any) -> Tensor:  # noqa: A002
    """``clamp(input, max=max)``."""
    return clamp(input, None, max)


class NanToNum(Function):
    def __init__(self, nan: float, posinf: Any, neginf: Any) -> None:
        self.nan, self.posinf, self.neginf = nan, posinf, neginf

    def forward(self, x: Any) -> Any:
        return backend.xp.nan_to_num(x, nan=self.nan, posinf=self.posinf, neginf=self.neginf)

    def backward(self, gy: Tensor) -> Tensor:
        return gy * _mask(backend.xp.isfinite(self.inputs[0]._data), gy)


def nan_to_num(
    input: Tensor,  # noqa: A002
    nan: float = 0.0,
    posinf: float | None = None,
    neginf: float | None = None,
) -> Tensor:
    """NaN → ``nan``, +inf → ``posinf``, -inf → ``neginf`` (by default the dtype's largest and
    lowest finite values). Gradient 1 at finite elements, 0 at the replaced ones. Integer and
    bool tensors come back unchanged (a copy)."""
    if input._data.dtype.kind in "iub":
        return Tensor._from_op(input._data.copy(), None, 0)
    return NanToNum(nan, posinf, neginf)(input)
