"""Elementwise mathematical functions beyond arithmetic: inverse and hyperbolic trigonometry,
logarithms and exponentials in other bases, the gamma family, and NaN-aware or numerically
stable binary forms, under PyTorch's names and contracts.

Each one-input function is a :class:`Unary` node: the forward runs on arrays, the derivative
is written in tensor operations (so higher-order gradients work). Integer and bool inputs
give the default float dtype, as in PyTorch.

==============  ===============================  ============================================
function        forward                          local derivative(s)
==============  ===============================  ============================================
tan             tan x                            1 + y²
asin, acos      arcsin x, arccos x               ±1/√(1 - x²)
atan            arctan x                         1/(1 + x²)
sinh, cosh      sinh x, cosh x                   cosh x, sinh x
asinh           arsinh x                         1/√(x² + 1)
acosh           arcosh x                         1/√(x² - 1)
atanh           artanh x                         1/(1 - x²)
log2, log10     ln x / ln 2, ln x / ln 10        1/(x ln 2), 1/(x ln 10)
exp2            2ˣ                               y ln 2
lgamma          ln |Γ(x)|                        ψ(x)            (digamma)
digamma         ψ(x)                             ψ₁(x)           (polygamma(1, ·))
polygamma       ψₙ(x)                            ψₙ₊₁(x)
sinc            sin(πx)/(πx), 1 at 0             (πx cos πx - sin πx)/(πx²), 0 at 0
logit           ln(z/(1 - z)), z = clamp(x, ε)   1/(x(1 - x)) inside [ε, 1-ε], 0 outside
                                                 (NaN outside [0, 1] and g·inf at 0
                                                 and 1 without ε, as PyTorch)
atan2           arctan(a/b) in the right         b/(a² + b²), -a/(a² + b²); 0 where
                quadrant                         a² + b² = 0 (PyTorch's value)
hypot           √(a² + b²)                       a/y, b/y
logaddexp       ln(eᵃ + eᵇ)                      1/(1 + e^(b-a)), 1/(1 + e^(a-b))
logaddexp2      log₂(2ᵃ + 2ᵇ)                    1/(1 + 2^(b-a)), 1/(1 + 2^(a-b))
fmax, fmin      max/min ignoring NaN             to a where a wins, ties or b is NaN; else b
trunc (fix)     integer part                     0
frac            x - trunc x                      1
deg2rad         x π/180                          π/180
rad2deg         x 180/π                          180/π
float_power     a ** b in float64                as pow
heaviside       0, values, 1 for x <, =, > 0     not differentiable (as in PyTorch)
==============  ===============================  ============================================

The aliases PyTorch keeps (``absolute``, ``negative``, ``multiply``, ``subtract``, ``divide``,
``true_divide``, ``arctan2``, ``fix``) call the one function they name.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy

from .. import backend
from .._errors import (
    DtypeError,
    ValueRangeError,
    _refuse_complex_order,
    int_arg,
    refuse_kernel_dtype,
)
from ..autograd import Function
from ..tensor import Tensor
from .complex import conj
from .elementwise import (
    _NO_ALPHA,
    PiecewiseConstant,
    _floating,
    _keep,
    _pair,
    abs,
    add_scaled,
    astype,
    cos,
    div,
    exp,
    mul,
    neg,
    positional_alpha,
    pow,
    rsqrt,
    sin,
    sub,
    where,
)
from .shape import sum_to


class Unary(Function):
    """``y = fn(x)`` with ``dy/dx = deriv(x, y)``, the derivative built from tensor operations
    (so that it is differentiable in turn). A complex input's gradient is ``gy · conj(f'(x))``
    (PyTorch's convention for holomorphic functions, as ``mul``'s ``gy · conj(b)``)."""

    keep_output = True

    def __init__(self, fn: Callable[[Any], Any], deriv: Callable[[Tensor, Tensor], Tensor]):
        self.fn, self.deriv = fn, deriv

    def forward(self, x: Any) -> Any:
        with numpy.errstate(all="ignore"):  # NaN/inf outside the domain, as PyTorch: no warning
            return self.fn(x)

    def backward(self, gy: Tensor) -> Tensor:
        with backend.quiet():  # inf/nan at the domain's edges (atanh'(1)), as PyTorch's
            d = self.deriv(self.inputs[0], self.output())
            return gy * (conj(d) if isinstance(d, Tensor) else d)


def _unary(x: Any, fn: Callable[[Any], Any], deriv: Callable[[Tensor, Tensor], Tensor]) -> Tensor:
    return Unary(fn, deriv)(_floating(_tensor(x)))


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _ufunc(name: str) -> Callable[[Any], Any]:
    return lambda a: getattr(backend.xp, name)(a)


def _special(name: str) -> Callable[[Any], Any]:
    """A ``scipy.special`` function that keeps the input's float dtype."""
    return lambda a: backend.special(name)(a).astype(a.dtype, copy=False)


def tan(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """``tan x`` (derivative ``1 + tan² x``).

    >>> import deepgrad as dg
    >>> dg.tan(dg.tensor([0.0])).tolist()
    [0.0]
    """
    return _unary(input, _ufunc("tan"), lambda x, y: y * y + 1.0)


def asin(input: Tensor) -> Tensor:  # noqa: A002
    """``arcsin x`` on ``[-1, 1]`` (NaN outside; derivative ``1/√(1 - x²)``)."""
    return _unary(input, _ufunc("arcsin"), lambda x, y: rsqrt(1.0 - x * x))


def acos(input: Tensor) -> Tensor:  # noqa: A002
    """``arccos x`` on ``[-1, 1]`` (NaN outside; derivative ``-1/√(1 - x²)``)."""
    return _unary(input, _ufunc("arccos"), lambda x, y: -rsqrt(1.0 - x * x))


def atan(input: Tensor) -> Tensor:  # noqa: A002
    """``arctan x`` (derivative ``1/(1 + x²)``)."""
    return _unary(input, _ufunc("arctan"), lambda x, y: 1.0 / (x * x + 1.0))


def sinh(input: Tensor) -> Tensor:  # noqa: A002
    """``sinh x`` (derivative ``cosh x``)."""
    return _unary(input, _ufunc("sinh"), lambda x, y: cosh(x))


def cosh(input: Tensor) -> Tensor:  # noqa: A002
    """``cosh x`` (derivative ``sinh x``)."""
    return _unary(input, _ufunc("cosh"), lambda x, y: sinh(x))


def asinh(input: Tensor) -> Tensor:  # noqa: A002
    """``arsinh x`` (derivative ``1/√(x² + 1)``)."""
    return _unary(input, _ufunc("arcsinh"), lambda x, y: rsqrt(x * x + 1.0))


def acosh(input: Tensor) -> Tensor:  # noqa: A002
    """``arcosh x`` for ``x ≥ 1`` (NaN below; derivative ``1/√(x² - 1)``, for a complex
    input ``1/(√(x - 1)·√(x + 1))``: arcosh's branch cut, as PyTorch's)."""
    return _unary(input, _ufunc("arccosh"), _acosh_deriv)


def _acosh_deriv(x: Tensor, y: Tensor) -> Tensor:
    if x.dtype.kind == "c":  # √(x² - 1) takes another branch off the real line
        return rsqrt(x - 1.0) * rsqrt(x + 1.0)
    return rsqrt(x * x - 1.0)


def atanh(input: Tensor) -> Tensor:  # noqa: A002
    """``artanh x`` on ``(-1, 1)`` (±inf at ±1; derivative ``1/(1 - x²)``)."""
    return _unary(input, _ufunc("arctanh"), lambda x, y: 1.0 / (1.0 - x * x))


def log2(input: Tensor) -> Tensor:  # noqa: A002
    """``log₂ x`` (derivative ``1/(x ln 2)``).

    >>> import deepgrad as dg
    >>> dg.log2(dg.tensor([8])).tolist()
    [3.0]
    """
    return _unary(input, _ufunc("log2"), lambda x, y: 1.0 / (x * math.log(2.0)))


def log10(input: Tensor) -> Tensor:  # noqa: A002
    """``log₁₀ x`` (derivative ``1/(x ln 10)``)."""
    return _unary(input, _ufunc("log10"), lambda x, y: 1.0 / (x * math.log(10.0)))


def exp2(input: Tensor) -> Tensor:  # noqa: A002
    """``2ˣ`` (derivative ``2ˣ ln 2``)."""
    return _unary(input, _ufunc("exp2"), lambda x, y: y * math.log(2.0))


def _lgamma_array(a: Any) -> Any:
    xp = backend.xp
    y = backend.special("gammaln")(a).astype(a.dtype, copy=False)
    y = xp.where(a == -xp.inf, xp.inf, y)  # Γ's pole at -inf
    # ln Γ(x) = -ln|x| - γx + O(x²) near 0: SciPy's gammaln is inf below ~1e-308 (float64's
    # subnormals), PyTorch's lgamma(1e-310) is 713.8 (and inf at ±0, as -ln 0)
    small = xp.abs(a) < 2.0**-60
    if small.any():
        y = xp.where(small, -backend.silently(xp.log, xp.abs(a)), y)
    return y


def lgamma(input: Tensor) -> Tensor:  # noqa: A002
    """``ln |Γ(x)|`` (inf at 0, the negative integers and ±inf; derivative ``digamma(x)``;
    complex tensors refused, as in PyTorch)."""
    refuse_kernel_dtype(input, "lgamma", "c", "lgamma_vml_cpu")
    return _unary(input, _lgamma_array, lambda x, y: digamma(x))


def digamma(input: Tensor) -> Tensor:  # noqa: A002
    """``ψ(x) = d ln Γ(x)/dx`` (``-inf`` at ``+0``, ``inf`` at ``-0``, NaN at the negative
    integers, as PyTorch; derivative ``polygamma(1, x)``; complex tensors refused, as there)."""
    refuse_kernel_dtype(input, "digamma", "c")
    return _unary(input, _special("psi"), lambda x, y: polygamma(1, x))


def _trigamma_array(a: Any) -> Any:
    """``ψ₁(x)`` as PyTorch's CPU kernel computes it (``calc_trigamma`` in ATen's Math.h: the
    reflection below 1/2, six recurrence steps, then the asymptotic series), in the input's
    dtype, so ``digamma``'s gradient (Beta/Gamma/Dirichlet entropies and KLs) is PyTorch's to
    the last bit or two; SciPy's exact value differs from it by up to ~1e-9 relative."""
    xp = backend.xp
    dt = a.dtype.type
    x = a
    neg = x < dt(0.5)
    pi = dt(math.pi)
    with backend.quiet():
        s = xp.sin(pi * x)
        result = xp.where(neg, -(pi * pi) / (s * s), dt(0)).astype(a.dtype, copy=False)
        x = xp.where(neg, dt(1) - x, x).astype(a.dtype, copy=False)
        for _ in range(6):
            result = result + dt(1) / (x * x)
            x = x + dt(1)
        ixx = dt(1) / (x * x)
        tail = ixx * (dt(1.0 / 6) - ixx * (dt(1.0 / 30) - ixx * dt(1.0 / 42)))
        result = result + (dt(1) + dt(1) / (dt(2) * x) + tail) / x
    return xp.where(neg, -result, result).astype(a.dtype, copy=False)


def polygamma(n: int, input: Tensor) -> Tensor:  # noqa: A002
    """``ψₙ(x)``, the ``n``-th derivative of ``digamma`` (``n ≥ 0``; derivative
    ``polygamma(n + 1, x)``)."""
    n = int_arg(n, "polygamma", "n", 1)
    if n < 0:
        raise ValueRangeError(f"polygamma: n must be a non-negative int, got {n!r}")
    if n == 0:
        return digamma(input)

    def fn(a: Any) -> Any:
        if n == 1 and a.dtype.kind == "f":
            return _trigamma_array(a)
        # n as an array: CuPy's polygamma compares it with 0 by ``cupy.where``
        k = backend.xp.asarray(int(n))
        return backend.special("polygamma")(k, a).astype(a.dtype, copy=False)

    return _unary(input, fn, lambda x, y: polygamma(n + 1, x))


def _sinc_array(a: Any) -> Any:
    xp = backend.xp
    if a.dtype == numpy.float16:  # PyTorch's kernel: in float32 (πx in float16 loses x)
        return _sinc_array(a.astype(numpy.float32)).astype(numpy.float16)
    with numpy.errstate(invalid="ignore", divide="ignore"):
        px = a * a.dtype.type(math.pi)
        y = xp.sin(px) / px
    return xp.where(a == 0, a.dtype.type(1), y)


def _sinc_deriv(x: Tensor, y: Tensor) -> Tensor:
    """``(πx cos πx - sin πx)/(πx²)``, 0 where ``πx²`` is 0 (also where it underflows, as
    PyTorch)."""
    den = x * x * math.pi
    zero = den._data == 0
    xs = where(zero, 1.0, x)  # no 0/0 where the derivative is 0
    px = xs * math.pi
    d = (px * cos(px) - sin(px)) / where(zero, 1.0, den)
    return where(zero, 0.0, d)


def sinc(input: Tensor) -> Tensor:  # noqa: A002
    """The normalized sinc ``sin(πx)/(πx)``, 1 at ``x = 0`` (derivative 0 there)."""
    return _unary(input, _sinc_array, _sinc_deriv)


class Logit(Function):
    def __init__(self, eps: float | None) -> None:
        self.eps = eps

    def forward(self, x: Any) -> Any:
        if self.eps is None:
            z = x
        else:  # PyTorch's kernel: x < eps ? eps : (x > 1 - eps ? 1 - eps : x), so an eps
            # above 0.5 sends each side to the other bound (clip would give 1 - eps to all)
            xp, lo, hi = backend.xp, self.eps, 1 - self.eps
            z = xp.where(
                x < lo, xp.asarray(lo, x.dtype), xp.where(x > hi, xp.asarray(hi, x.dtype), x)
            )
        with numpy.errstate(divide="ignore", invalid="ignore"):
            return backend.xp.log(z / (1 - z))

    def backward(self, gy: Tensor) -> Tensor:
        """PyTorch's rule: ``1/(x(1 - x))`` inside, NaN (no ``eps``) or 0 (``eps``) outside."""
        x = self.inputs[0]
        lo, hi = (0.0, 1.0) if self.eps is None else (self.eps, 1 - self.eps)
        outside = (x._data < lo) | (x._data > hi)
        with numpy.errstate(divide="ignore", invalid="ignore"):  # ±inf at 0 and 1, as PyTorch
            d = gy / (x * (1.0 - x))
            if self.eps is None:  # PyTorch's kernel: g · inf at x = 0 and 1 (also at -0.0)
                d = where((x._data == 0) | (x._data == 1), gy * math.inf, d)
        return where(outside, math.nan if self.eps is None else 0.0, d)


def logit(input: Tensor, eps: float | None = None) -> Tensor:  # noqa: A002
    """``ln(z/(1 - z))`` with ``z = clamp(x, eps, 1 - eps)`` (``z = x`` when ``eps`` is None:
    NaN outside ``[0, 1]``, ∓inf at 0 and 1).

    >>> import deepgrad as dg
    >>> dg.logit(dg.tensor([0.5, 0.0]), eps=0.25).tolist()
    [0.0, -1.0986123085021973]
    """
    refuse_kernel_dtype(input, "logit", "c", "logit_cpu")  # as PyTorch
    return Logit(eps)(_floating(_tensor(input)))


def trunc(input: Tensor) -> Tensor:  # noqa: A002
    """The integer part, rounding toward zero (gradient 0; integer tensors unchanged)."""
    x = _tensor(input)
    refuse_kernel_dtype(x, "trunc", "bc", "trunc_vml_cpu")  # as PyTorch
    if x._data.dtype.kind in "iu":
        return Tensor._from_op(x._data.copy(), None, 0)
    return PiecewiseConstant(backend.xp.trunc)(x)


fix = trunc


def frac(input: Tensor) -> Tensor:  # noqa: A002
    """``x - trunc(x)``, keeping the sign of ``x`` (gradient 1; floating tensors only)."""
    x = _tensor(input)
    refuse_kernel_dtype(x, "frac", "biuc", "frac_cpu")  # floating tensors only, as PyTorch
    return Unary(lambda a: a - backend.xp.trunc(a), lambda x, y: 1.0)(x)  # type: ignore[arg-type]


def deg2rad(input: Tensor) -> Tensor:  # noqa: A002
    """Degrees to radians, ``x · π/180`` (complex tensors refused, as in PyTorch)."""
    _refuse_complex_angle(input, "deg2rad")
    return mul(_floating(_tensor(input)), math.pi / 180.0)


def rad2deg(input: Tensor) -> Tensor:  # noqa: A002
    """Radians to degrees, ``x · 180/π`` (complex tensors refused, as in PyTorch)."""
    _refuse_complex_angle(input, "rad2deg")
    return mul(_floating(_tensor(input)), 180.0 / math.pi)


def _refuse_complex_angle(x: Any, fn: str) -> None:
    """PyTorch's ``RuntimeError`` for a complex tensor in ``deg2rad``/``rad2deg``."""
    if numpy.dtype(getattr(x, "dtype", numpy.float64)).kind == "c":
        raise DtypeError(
            f"{fn} is not supported for complex tensors (got {x.dtype}); convert the real "
            f"and imaginary parts, {fn}(x.real), {fn}(x.imag)"
        )


def _float_pair(a: Any, b: Any, fn: str, ints: bool) -> tuple[Tensor, Tensor]:
    """Both operands promoted (PyTorch's rule); integer operands become the default float
    dtype when ``ints``, else are refused as PyTorch refuses them."""
    a, b = _pair(a, b, floating=ints)
    # PyTorch's NotImplementedError ("hypot_cpu" not implemented for 'Long'), a TypeError too
    refuse_kernel_dtype(a._data, fn, "iub", fn + "_cpu")
    return a, b


class Atan2(Function):
    def forward(self, a: Any, b: Any) -> Any:
        return backend.xp.arctan2(a, b)

    def backward(self, gy: Tensor) -> tuple:
        """``b/(a² + b²)`` and ``-a/(a² + b²)``; 0 where ``a² + b² = 0`` (PyTorch's value)."""
        a, b = self.inputs
        na, nb = self.needs_input_grad
        den = a * a + b * b
        zero = den._data == 0
        with numpy.errstate(over="ignore", invalid="ignore"):  # as PyTorch: inf/NaN past range
            r = 1.0 / where(zero, 1.0, den)
            ga = sum_to(where(zero, 0.0, gy * b * r), a.shape) if na else None
            gb = sum_to(where(zero, 0.0, gy * -a * r), b.shape) if nb else None
        return ga, gb


def atan2(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``arctan(input/other)`` in the quadrant of the point ``(other, input)``, in ``[-π, π]``
    (broadcasting; integer operands give the default float dtype).

    >>> import deepgrad as dg
    >>> round(dg.atan2(dg.tensor(1.0), dg.tensor(-1.0)).item(), 4)
    2.3562
    """
    return Atan2()(*_float_pair(input, other, "atan2", ints=True))


arctan2 = atan2
arcsin = asin
arccos = acos
arctan = atan
arcsinh = asinh
arccosh = acosh
arctanh = atanh


class Hypot(Function):
    keep_output = True

    def forward(self, a: Any, b: Any) -> Any:
        with backend.quiet():  # overflow to inf, silently as PyTorch
            return backend.xp.hypot(a, b)

    def backward(self, gy: Tensor) -> tuple:
        a, b = self.inputs
        na, nb = self.needs_input_grad
        y = self.output()  # (g·a)/y, in PyTorch's order: no g/y overflow at subnormal y
        with backend.quiet():  # 0/0 = nan at a = b = 0, as PyTorch's
            ga = sum_to(gy * a / y, a.shape) if na else None
            return ga, (sum_to(gy * b / y, b.shape) if nb else None)


def hypot(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``√(input² + other²)`` without overflow (floating tensors, broadcasting)."""
    return Hypot()(*_float_pair(input, other, "hypot", ints=False))


class LogAddExp(Function):
    def __init__(self, base2: bool) -> None:
        self.base2 = base2

    def forward(self, a: Any, b: Any) -> Any:
        xp = backend.xp
        with backend.quiet():
            if a.dtype.kind == "c":
                return _logaddexp_complex(a, b)
            return xp.logaddexp2(a, b) if self.base2 else xp.logaddexp(a, b)

    def backward(self, gy: Tensor) -> tuple:
        """``g / conj(1 + e^(b-a))`` and ``g / conj(1 + e^(a-b))`` (PyTorch's)."""
        a, b = self.inputs
        na, nb = self.needs_input_grad
        e = exp2 if self.base2 else exp
        with backend.quiet():  # e^(b-a) overflows to inf: gradient 0, as PyTorch's
            ga = sum_to(gy / conj(e(b - a) + 1.0), a.shape) if na else None
            gb = sum_to(gy / conj(e(a - b) + 1.0), b.shape) if nb else None
        return ga, gb


def _logaddexp_complex(a: Any, b: Any) -> Any:
    """PyTorch's complex ``log(e^a + e^b)``: ``max + log1p(e^(min - max))`` with ``min`` and
    ``max`` ordered by the real part (a NaN operand is the ``min``: NaN + NaNj); where both real
    parts are the same infinity, ``min`` for -inf and ``log(e^min + e^max)`` for +inf."""
    xp = backend.xp
    a_nan, b_nan = xp.isnan(a.real) | xp.isnan(a.imag), xp.isnan(b.real) | xp.isnan(b.imag)
    a_min = ~b_nan & (a_nan | (a.real < b.real))
    lo, hi = xp.where(a_min, a, b), xp.where(a_min, b, a)
    out = xp.log1p(xp.exp(lo - hi)) + hi
    same_inf = ~xp.isfinite(lo.real) & (lo.real == hi.real)
    out = xp.where(same_inf, xp.where(lo.real < 0, lo, xp.log(xp.exp(lo) + xp.exp(hi))), out)
    return xp.where(a_nan | b_nan, xp.asarray(complex(xp.nan, xp.nan), out.dtype), out)


def logaddexp(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``ln(e^input + e^other)``, stable for large operands (floating and complex tensors)."""
    return LogAddExp(False)(*_float_pair(input, other, "logaddexp", ints=False))


def logaddexp2(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``log₂(2^input + 2^other)``, stable for large operands (real floating tensors: complex
    ones are refused, as PyTorch refuses them)."""
    a, b = _float_pair(input, other, "logaddexp2", ints=False)
    if a._data.dtype.kind == "c":
        raise NotImplementedError(
            f"logaddexp2: not implemented for complex tensors (got {a.dtype}; PyTorch refuses "
            "them too); use logaddexp, the natural-log form, which takes them"
        )
    return LogAddExp(True)(a, b)


class FMax(Function):
    def __init__(self, take_max: bool) -> None:
        self.take_max = take_max

    def forward(self, a: Any, b: Any) -> Any:
        return backend.xp.fmax(a, b) if self.take_max else backend.xp.fmin(a, b)

    def backward(self, gy: Tensor) -> tuple:
        """PyTorch's rule: the gradient goes to ``a`` where it wins, ties or ``b`` is NaN."""
        a, b = self.inputs[0]._data, self.inputs[1]._data
        to_a = ((a >= b) if self.take_max else (a <= b)) | backend.xp.isnan(b)
        na, nb = self.needs_input_grad
        ga = sum_to(_keep(gy, to_a), a.shape) if na else None
        gb = sum_to(_keep(gy, ~to_a), b.shape) if nb else None
        return ga, gb


def fmax(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise maximum that ignores NaN: NaN only where both are NaN (``maximum``
    propagates NaN); complex operands are refused, as PyTorch refuses them."""
    _refuse_complex_order("fmax", input, other)
    return FMax(True)(*_pair(input, other))


def fmin(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise minimum that ignores NaN: NaN only where both are NaN (complex refused)."""
    _refuse_complex_order("fmin", input, other)
    return FMax(False)(*_pair(input, other))


def heaviside(input: Tensor, values: Any) -> Tensor:  # noqa: A002
    """The step ``0`` for ``x < 0``, ``values`` at ``x == 0``, ``1`` for ``x > 0`` (NaN gives
    0, as PyTorch); ``input`` and a tensor ``values`` must share a dtype. Not differentiable."""
    x = _tensor(input)
    if isinstance(values, numbers.Number):
        raise TypeError(
            f"heaviside(): argument 'values' (position 2) must be Tensor, not "
            f"{type(values).__name__} (as PyTorch's); pass dg.tensor(value, dtype=x.dtype)"
        )
    v = values if isinstance(values, Tensor) else Tensor(values, dtype=x.dtype)
    _refuse_complex_order("heaviside", x, v)
    if v.dtype != x.dtype:  # PyTorch's RuntimeError (and the TypeError of before)
        raise DtypeError(
            f"heaviside: input and values must have one dtype, got {x.dtype} and {v.dtype}"
        )
    xp = backend.xp
    out = xp.where(x._data == 0, v._data, (x._data > 0).astype(x.dtype))
    return Tensor._from_op(xp.asarray(out, dtype=x.dtype), None, 0)


def float_power(input: Any, exponent: Any) -> Tensor:  # noqa: A002
    """``input ** exponent`` computed in float64, or complex128 where either is complex (the
    result has that dtype whatever the inputs, as PyTorch's; gradients flow back in the
    inputs' dtypes)."""
    cplx = any(
        isinstance(v, complex) or (isinstance(v, Tensor) and v._data.dtype.kind == "c")
        for v in (input, exponent)
    )
    dt = numpy.dtype(numpy.complex128 if cplx else numpy.float64)
    num = complex if cplx else float
    if isinstance(exponent, numbers.Number) and not isinstance(input, numbers.Number):
        return pow(astype(_tensor(input), dt), num(exponent))
    a = astype(_tensor(input), dt) if not isinstance(input, numbers.Number) else num(input)
    b = astype(_tensor(exponent), dt)
    return pow(a, b)


# PyTorch's aliases of existing functions ------------------------------------------------------
def absolute(input: Tensor) -> Tensor:  # noqa: A002
    """Alias of :func:`abs`."""
    return abs(input)


def negative(input: Tensor) -> Tensor:  # noqa: A002
    """Alias of :func:`neg`."""
    return neg(input)


def multiply(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Alias of :func:`mul`."""
    return mul(input, other)


def subtract(input: Any, other: Any, *args: Any, alpha: Any = _NO_ALPHA) -> Tensor:  # noqa: A002
    """Alias of ``sub``: ``input - alpha · other`` (``alpha`` as in ``Tensor.sub``; PyTorch's
    ``subtract`` has no deprecated ``(alpha, other)`` overload, only ``(Number other, Number
    alpha)`` positionally)."""
    other, alpha = positional_alpha("subtract", other, args, alpha, deprecated=False, first=2)
    if type(alpha) is int and alpha == 1:
        return sub(input, other)
    return add_scaled(input, other, alpha, "subtract", negate=True)


def divide(input: Any, other: Any, **kwargs: Any) -> Tensor:  # noqa: A002
    """Alias of :func:`div` (its keywords too)."""
    return div(input, other, **kwargs)


def true_divide(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Alias of :func:`div` without rounding: true division."""
    return div(input, other)


__all__ = [
    "absolute", "acos", "acosh", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2",
    "arctanh", "asin", "asinh", "atan", "atan2", "atanh", "cosh",
    "deg2rad", "digamma", "divide", "exp2", "fix", "float_power", "fmax", "fmin", "frac",
    "heaviside", "hypot", "lgamma", "log2", "log10", "logaddexp", "logaddexp2", "logit",
    "multiply", "negative", "polygamma", "rad2deg", "sinc", "sinh", "subtract", "tan",
    "true_divide", "trunc",
]  # fmt: skip
