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
from typing import Any

import numpy

from .. import backend
from ..autograd import Function
from ..tensor import Tensor
from .shape import sum_to


def _const(v: Any, like: Tensor | None) -> Tensor:
    """Wrap a non-tensor operand; Python scalars take the tensor's dtype (float32 stays
    float32), ints meeting an int tensor stay ints, an int meeting a bool tensor is int64 and
    a float meeting an integer tensor takes the default float dtype (as in PyTorch)."""
    if isinstance(v, Tensor):
        return v
    if isinstance(v, numbers.Number) and like is not None:
        dt = like._data.dtype
        if dt.kind in "fc" or (
            isinstance(v, numbers.Integral) and (dt.kind != "b" or isinstance(v, bool))
        ):
            dtype = dt
        elif isinstance(v, numbers.Integral):
            dtype = numpy.dtype(numpy.int64)
        else:
            dtype = backend.get_default_dtype()
        return Tensor._from_op(backend.xp.asarray(v, dtype=dtype), None, 0)
    return Tensor(v)


def _pair(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """Both operands as tensors of one dtype, PyTorch's (:func:`~deepgrad.backend.result_type`):
    a Python number takes the tensor's dtype (see :func:`_const`); two tensors meet in the
    dtype PyTorch gives them, not NumPy's (``float32 + int64`` and ``float32 + 0-d float64``
    stay float32). A cast of a tensor that needs a gradient is recorded."""
    if isinstance(a, Tensor):
        if not isinstance(b, Tensor):
            if isinstance(b, numbers.Number):
                return _meet_scalar(a, b), _const(b, a)
            b = Tensor(b)
    elif isinstance(b, Tensor):
        if isinstance(a, numbers.Number):
            return _const(a, b), _meet_scalar(b, a)
        a = Tensor(a)
    else:
        return Tensor(a), Tensor(b)
    da, db = a._data.dtype, b._data.dtype
    if da != db:
        dt = backend.result_type(a._data, b._data)
        if da != dt:
            a = astype(a, dt)
        if db != dt:
            b = astype(b, dt)
    return a, b


def _meet_scalar(t: Tensor, v: Any) -> Tensor:
    """An integer/bool tensor meeting a Python float is computed in the default float dtype
    (``int_tensor * 0.5`` is float32, as in PyTorch; NumPy would give float64)."""
    if t._data.dtype.kind in "iub" and isinstance(v, float):
        return Tensor._from_op(t._data.astype(backend.get_default_dtype()), None, 0)
    return t


def _mask(cond: Any, like: Tensor) -> Tensor:
    """A constant 0/1 tensor of ``like``'s dtype (no gradient flows through a mask)."""
    return Tensor._from_op(cond.astype(like._data.dtype), None, 0)


class Add(Function):
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
    def forward(self, a: Any, b: Any) -> Any:
        return a - b

    def backward(self, gy: Tensor) -> tuple:
        a, b = self.inputs
        na, nb = self.needs_input_grad
        return (sum_to(gy, a.shape) if na else None, sum_to(-gy, b.shape) if nb else None)


def sub(a: Any, b: Any) -> Tensor:
    """``a - b`` (broadcasting)."""
    return Sub()(*_pair(a, b))


class Mul(Function):
    def forward(self, a: Any, b: Any) -> Any:
        return a * b

    def backward(self, gy: Tensor) -> tuple:
        a, b = self.inputs
        na, nb = self.needs_input_grad
        return (sum_to(gy * b, a.shape) if na else None, sum_to(gy * a, b.shape) if nb else None)


def mul(a: Any, b: Any) -> Tensor:
    """``a * b`` (broadcasting)."""
    return Mul()(*_pair(a, b))


class Div(Function):
    def forward(self, a: Any, b: Any) -> Any:
        return a / b

    def backward(self, gy: Tensor) -> tuple:
        a, b = self.inputs
        na, nb = self.needs_input_grad
        ga = sum_to(gy / b, a.shape) if na else None
        gb = sum_to(-gy * a / (b * b), b.shape) if nb else None
        return ga, gb


def div(a: Any, b: Any) -> Tensor:
    """``a / b`` (true division, broadcasting; integer operands give the default float
    dtype, as in PyTorch)."""
    a, b = _pair(a, b)
    if a._data.dtype.kind in "iub" and b._data.dtype.kind in "iub":
        dt = backend.get_default_dtype()
        a = Tensor._from_op(a._data.astype(dt), None, 0)
        b = Tensor._from_op(b._data.astype(dt), None, 0)
    return Div()(a, b)


class Neg(Function):
    def forward(self, x: Any) -> Any:
        return -x

    def backward(self, gy: Tensor) -> Tensor:
        return -gy


def neg(x: Tensor) -> Tensor:
    """``-x``."""
    return Neg()(x)


class PowScalar(Function):
    def __init__(self, c: float) -> None:
        self.c = c

    def forward(self, x: Any) -> Any:
        """``x ** c``, through the same special forms as PyTorch's kernel (``x·x``, ``x·x·x``,
        ``√x``, ``1/√x``, ``1/x``, ``1/(x·x)``), so that signed zeros and infinities agree:
        ``(-0.0) ** -0.5`` is ``-inf`` there, as ``1/√(-0.0)``, where ``pow`` gives ``inf``."""
        xp, c = backend.xp, self.c
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

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0]
        c = self.c
        if c == 2:
            return gy * x * 2
        if c == 1:
            return gy
        if c == 0:  # x⁰ = 1 is constant, also at x = 0 (not 0 · 0⁻¹): PyTorch's rule
            return Tensor(backend.xp.zeros(x.shape, dtype=x._data.dtype))
        return gy * c * x ** (c - 1)


class Pow(Function):
    keep_output = True

    def forward(self, a: Any, b: Any) -> Any:
        return a**b

    def backward(self, gy: Tensor) -> tuple:
        """``∂a = b · a^(b-1)``, 0 where ``b = 0``; ``∂b = a^b · ln a``, 0 where ``a = 0`` and
        ``b ≥ 0`` (PyTorch's rules: ``0⁰ = 1`` has gradient 0 in both)."""
        a, b = self.inputs
        na, nb = self.needs_input_grad
        ga = gb = None
        if na:
            b_zero = b._data == 0
            base = where(b_zero, 1.0, a)  # no 0^(-1) computed where the result is masked
            ga = sum_to(where(b_zero, 0.0, gy * b * base ** (b - 1)), a.shape)
        if nb:
            a_zero = (a._data == 0) & (b._data >= 0)
            ln_a = log(where(a_zero, 1.0, a))  # ln 1 = 0 where a = 0 and b ≥ 0
            gb = sum_to(gy * self.output() * ln_a, b.shape)
        return ga, gb


def pow(a: Any, b: Any) -> Tensor:  # noqa: A001 - the operator's name
    """``a ** b``; a Python number exponent uses the cheaper rule ``c a^(c-1)``."""
    if isinstance(a, Tensor) and isinstance(b, numbers.Real) and not isinstance(b, bool):
        return PowScalar(b)(a)
    return Pow()(*_pair(a, b))


class Exp(Function):
    keep_output = True

    def forward(self, x: Any) -> Any:
        return backend.xp.exp(x)

    def backward(self, gy: Tensor) -> Tensor:
        return gy * self.output()


def exp(x: Tensor) -> Tensor:
    """``e^x``."""
    return Exp()(x)


class Log(Function):
    def forward(self, x: Any) -> Any:
        return backend.xp.log(x)

    def backward(self, gy: Tensor) -> Tensor:
        return gy / self.inputs[0]


def log(x: Tensor) -> Tensor:
    """Natural logarithm ``ln x``."""
    return Log()(x)


class Sqrt(Function):
    keep_output = True

    def forward(self, x: Any) -> Any:
        return backend.xp.sqrt(x)

    def backward(self, gy: Tensor) -> Tensor:
        return gy / (self.output() * 2)


def sqrt(x: Tensor) -> Tensor:
    """``√x``."""
    return Sqrt()(x)


class Abs(Function):
    def forward(self, x: Any) -> Any:
        return backend.xp.abs(x)

    def backward(self, gy: Tensor) -> Tensor:
        return gy * _mask(backend.xp.sign(self.inputs[0]._data), gy)


def abs(x: Tensor) -> Tensor:  # noqa: A001
    """``|x|`` (derivative ``sign(x)``, 0 at 0)."""
    return Abs()(x)


class Maximum(Function):
    def __init__(self, take_max: bool) -> None:
        self.take_max = take_max

    def forward(self, a: Any, b: Any) -> Any:
        return backend.xp.maximum(a, b) if self.take_max else backend.xp.minimum(a, b)

    def backward(self, gy: Tensor) -> tuple:
        a, b = self.inputs
        wins = a._data > b._data if self.take_max else a._data < b._data
        ties = a._data == b._data
        wa = wins + 0.5 * ties
        na, nb = self.needs_input_grad
        ga = sum_to(gy * _mask(wa, gy), a.shape) if na else None
        gb = sum_to(gy * _mask(1.0 - wa, gy), b.shape) if nb else None
        return ga, gb


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise ``max(a, b)``; on ties the gradient is split in half."""
    return Maximum(True)(*_pair(a, b))


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise ``min(a, b)``; on ties the gradient is split in half."""
    return Maximum(False)(*_pair(a, b))


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
        return gy * _mask(inside, gy)


def clip(x: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """Limit values to ``[min, max]`` (either may be None); gradient 1 inside, 0 outside."""
    if min is None and max is None:
        raise ValueError("clip: at least one of min and max must be given")
    return Clip(min, max)(x)


class Where(Function):
    def __init__(self, cond: Any) -> None:
        self.cond = cond

    def forward(self, a: Any, b: Any) -> Any:
        return backend.xp.where(self.cond, a, b)

    def backward(self, gy: Tensor) -> tuple:
        a, b = self.inputs
        na, nb = self.needs_input_grad
        ga = sum_to(gy * _mask(self.cond, gy), a.shape) if na else None
        gb = sum_to(gy * _mask(~self.cond, gy), b.shape) if nb else None
        return ga, gb


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """``a`` where ``cond`` is true, else ``b`` (broadcasting all three)."""
    c = cond._data if isinstance(cond, Tensor) else backend.xp.asarray(cond)
    if c.dtype != bool:
        c = c.astype(bool)
    return Where(c)(*_pair(a, b))


class AsType(Function):
    def __init__(self, dtype: Any) -> None:
        self.dtype = dtype

    def forward(self, x: Any) -> Any:
        return x.astype(self.dtype)

    def backward(self, gy: Tensor) -> Tensor:
        return astype(gy, self.inputs[0].dtype)


def astype(x: Tensor, dtype: Any) -> Tensor:
    """``x`` cast to ``dtype`` (gradients flow between floating dtypes)."""
    dtype = numpy.dtype(dtype)
    if x.dtype == dtype:
        return x
    if dtype.kind not in "fc":
        return Tensor._from_op(x._data.astype(dtype), None, 0)
    return AsType(dtype)(x)


def clamp(x: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """PyTorch's ``clamp``: ``min(max(x, min), max)``, either bound optional (not both).

    Number bounds are :func:`clip` (gradient 1 where ``min <= x <= max``, else 0). A tensor
    bound broadcasts and receives the gradient where it is the value taken."""
    if not isinstance(min, Tensor) and not isinstance(max, Tensor):
        return clip(x, min, max)
    if min is None and max is None:  # pragma: no cover - excluded above
        raise ValueError("clamp: at least one of min and max must be given")
    y = x
    if min is not None:
        y = where(_data(y) < _data(min), min, y)
    if max is not None:
        y = where(_data(y) > _data(max), max, y)
    return y


def _data(v: Any) -> Any:
    return v._data if isinstance(v, Tensor) else v


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
    """``-1, 0, 1`` for negative, zero, positive elements (gradient 0)."""
    if x._data.dtype.kind == "b":
        return Tensor._from_op(x._data.copy(), None, 0)
    return PiecewiseConstant(backend.xp.sign)(x)


def floor(x: Tensor) -> Tensor:
    """Largest integer ``<= x`` (gradient 0; integer tensors are returned unchanged)."""
    if x._data.dtype.kind in "iub":
        return Tensor._from_op(x._data.copy(), None, 0)
    return PiecewiseConstant(backend.xp.floor)(x)


def ceil(x: Tensor) -> Tensor:
    """Smallest integer ``>= x`` (gradient 0; integer tensors are returned unchanged)."""
    if x._data.dtype.kind in "iub":
        return Tensor._from_op(x._data.copy(), None, 0)
    return PiecewiseConstant(backend.xp.ceil)(x)


def round(x: Tensor, decimals: int = 0) -> Tensor:  # noqa: A001 - PyTorch's name
    """Round to ``decimals`` decimal places, halves to even (``round(2.5) = 2``, as PyTorch
    and NumPy); gradient 0. Integer tensors are returned unchanged."""
    if x._data.dtype.kind in "iub":
        return Tensor._from_op(x._data.copy(), None, 0)
    return PiecewiseConstant(lambda a: backend.xp.round(a, decimals))(x)


class Sin(Function):
    def forward(self, x: Any) -> Any:
        return backend.xp.sin(x)

    def backward(self, gy: Tensor) -> Tensor:
        return gy * cos(self.inputs[0])


def sin(x: Tensor) -> Tensor:
    """``sin x`` (derivative ``cos x``)."""
    return Sin()(_floating(x))


class Cos(Function):
    def forward(self, x: Any) -> Any:
        return backend.xp.cos(x)

    def backward(self, gy: Tensor) -> Tensor:
        return -(gy * sin(self.inputs[0]))


def cos(x: Tensor) -> Tensor:
    """``cos x`` (derivative ``-sin x``)."""
    return Cos()(_floating(x))


class Log1p(Function):
    def forward(self, x: Any) -> Any:
        return backend.xp.log1p(x)

    def backward(self, gy: Tensor) -> Tensor:
        return gy / (self.inputs[0] + 1)


def log1p(x: Tensor) -> Tensor:
    """``ln(1 + x)``, accurate for small ``x`` (derivative ``1 / (1 + x)``)."""
    return Log1p()(_floating(x))


class Expm1(Function):
    keep_output = True

    def forward(self, x: Any) -> Any:
        return backend.xp.expm1(x)

    def backward(self, gy: Tensor) -> Tensor:
        return gy * (self.output() + 1)


def expm1(x: Tensor) -> Tensor:
    """``e^x - 1``, accurate for small ``x`` (derivative ``e^x = y + 1``)."""
    return Expm1()(_floating(x))


def square(x: Tensor) -> Tensor:
    """``x²`` (derivative ``2x``; integer tensors stay integer, as in PyTorch)."""
    return PowScalar(2)(x)


class Rsqrt(Function):
    keep_output = True

    def forward(self, x: Any) -> Any:
        return 1 / backend.xp.sqrt(x)

    def backward(self, gy: Tensor) -> Tensor:
        y = self.output()
        return gy * (y * y * y) * -0.5


def rsqrt(x: Tensor) -> Tensor:
    """``1 / √x`` (derivative ``-y³ / 2``)."""
    return Rsqrt()(_floating(x))


class Reciprocal(Function):
    keep_output = True

    def forward(self, x: Any) -> Any:
        return 1 / x

    def backward(self, gy: Tensor) -> Tensor:
        y = self.output()
        return -(gy * y * y)


def reciprocal(x: Tensor) -> Tensor:
    """``1 / x`` (derivative ``-1/x² = -y²``)."""
    return Reciprocal()(_floating(x))


def masked_fill(x: Tensor, mask: Any, value: Any) -> Tensor:
    """``value`` where the boolean ``mask`` is true, ``x`` elsewhere (``mask`` broadcasts
    with ``x``; ``value`` is a number or a 0-d tensor, which then gets the gradient of the
    positions it fills)."""
    m = mask._data if isinstance(mask, Tensor) else backend.xp.asarray(mask)
    if m.dtype != bool:
        raise TypeError(f"masked_fill: mask must be a boolean tensor, got dtype {m.dtype}")
    if isinstance(value, Tensor) and value.ndim != 0:
        raise ValueError(
            f"masked_fill: value must be a number or a 0-d tensor, got shape {value.shape}"
        )
    try:
        numpy.broadcast_shapes(m.shape, x.shape)
    except ValueError:
        raise ValueError(
            f"masked_fill: mask of shape {m.shape} does not broadcast with the input of shape "
            f"{x.shape}"
        ) from None
    return where(m, value, x)
