"""Special functions beyond the activations' ``erf``: the complementary and inverse error
functions and ``x·log y`` with PyTorch's value at ``x = 0``.

=============  ==================================  ========================================
function       forward                             local derivatives
=============  ==================================  ========================================
erfc           1 - erf x  (scipy's, exact tails)   -2/√π e^(-x²)
erfinv         erf⁻¹ x  (on [-1, 1])               √π/2 e^(y²)
xlogy          x ln y,  0 where x = 0              ln y (0 where x = 0 and y ≤ 0);  x / y
xlog1py        x ln(1 + y),  0 where x = 0         ln(1 + y) (0 where x = 0 and y ≤ -1);
                                                   x / (1 + y)
erfcx          e^(x²) erfc x                       2x·erfcx x - 2/√π
ndtr           Φ(x), the normal CDF                e^(-x²/2)/√(2π)
ndtri          Φ⁻¹(p)                              √(2π) e^(y²/2)
log_ndtr       ln Φ(x)                             e^(-x²/2 - y)/√(2π)
i0, i0e        I₀(x), e^(-|x|) I₀(x)               I₁(x);  i1e x - sign(x)·y
i1, i1e        I₁(x), e^(-|x|) I₁(x)               i0 x - y/x;  i0e x - y(sign x + 1/x)
                                                   (½ at 0, both)
entr           -x ln x (0 at 0, -inf below)        -(1 + ln x)
zeta           ζ(x, q), Hurwitz                    not in x (raises, as PyTorch); -x ζ(x+1, q)
gammainc(c)    P(a, x) (Q = 1 - P), regularized    not in a (raises, as PyTorch);
                                                   ±e^(-x) x^(a-1)/Γ(a)
multigammaln   Σᵢ ln Γ(a - i/2) + p(p-1)/4 ln π    through lgamma
bessel_j0/j1   J₀, J₁                              none: no graph recorded, as PyTorch
=============  ==================================  ========================================
"""

from __future__ import annotations

import math
from typing import Any

import numpy

from .. import backend
from .._errors import int_arg, refuse_kernel_dtype
from ..autograd import Function
from ..tensor import Tensor
from .elementwise import _floating, _pair, exp, log, log1p, sign, where
from .elementwise_math import _unary, lgamma
from .shape import sum_to


class Erfc(Function):
    def forward(self, x: Any) -> Any:
        return backend.special("erfc")(x).astype(x.dtype, copy=False)

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0]
        return gy * (-2.0 / math.sqrt(math.pi)) * exp(-(x * x))


def erfc(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """The complementary error function ``erfc x = 1 - erf x`` (accurate where ``erf x`` is
    near 1). Integer tensors give the default float dtype.

    >>> import deepgrad as dg
    >>> dg.erfc(dg.tensor(0.0)).item()
    1.0
    """
    refuse_kernel_dtype(input, "erfc", "c", "erfc_vml_cpu")  # as PyTorch
    return Erfc()(_floating(input))


class Erfinv(Function):
    keep_output = True

    def forward(self, x: Any) -> Any:
        y = backend.special("erfinv")(x).astype(x.dtype, copy=False)
        return backend.xp.where(x == 0, x, y)  # erfinv(-0.0) = -0.0, as PyTorch's (SciPy: 0.0)

    def backward(self, gy: Tensor) -> Tensor:
        y = self.output()
        return gy * (math.sqrt(math.pi) / 2.0) * exp(y * y)


def erfinv(input: Tensor) -> Tensor:  # noqa: A002
    """The inverse error function: ``erf(erfinv(y)) = y`` on ``[-1, 1]`` (±inf at ±1, NaN
    outside)."""
    refuse_kernel_dtype(input, "erfinv", "c", "erfinv_vml_cpu")  # as PyTorch
    return Erfinv()(_floating(input))


class XLogY(Function):
    def forward(self, x: Any, y: Any) -> Any:
        xp = backend.xp
        with numpy.errstate(divide="ignore", invalid="ignore"):
            out = x * xp.log(y)
        return xp.where((x == 0) & ~xp.isnan(y), x.dtype.type(0), out)

    def backward(self, gy: Tensor) -> tuple:
        x, y = self.inputs
        nx, ny = self.needs_input_grad
        gx = gy_ = None
        if nx:
            xd, yd = x._data, y._data
            dead = (xd == 0) & (yd <= 0)
            ln_y = log(where(dead, 1.0, y))  # PyTorch: 0 where x = 0 and y <= 0
            gx = sum_to(gy * ln_y, x.shape)
        if ny:
            gy_ = sum_to(gy * x / y, y.shape)
        return gx, gy_


def xlogy(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input · ln(other)``, and 0 where ``input`` is 0 (unless ``other`` is NaN): the term
    of an entropy or a KL divergence at a zero probability. Broadcasting; integers give the
    default float dtype.

    >>> import deepgrad as dg
    >>> dg.xlogy(dg.tensor([0.0, 2.0]), dg.tensor([0.0, 1.0])).tolist()
    [0.0, 0.0]
    """
    x, y = _pair(input, other, floating=True)
    if x._data.dtype.kind == "c":
        raise NotImplementedError(
            f"xlogy: not implemented for complex tensors (got {x.dtype}; PyTorch refuses them "
            "too); use x * log(y)"
        )
    return XLogY()(x, y)


def _scipy(name: str) -> Any:
    """``scipy.special.<name>`` on arrays, keeping the input's float dtype."""

    def fn(*arrays: Any) -> Any:
        return backend.special(name)(*arrays).astype(arrays[-1].dtype, copy=False)

    return fn


_SQRT_2PI = math.sqrt(2 * math.pi)


def erfcx(input: Tensor) -> Tensor:  # noqa: A002
    """The scaled complementary error function ``e^(x²) erfc x`` (no overflow for large x).

    >>> import deepgrad as dg
    >>> round(dg.special.erfcx(dg.tensor(0.0)).item(), 6)
    1.0
    """
    return _unary(input, _scipy("erfcx"), lambda x, y: 2.0 * x * y - 2.0 / math.sqrt(math.pi))


def ndtr(input: Tensor) -> Tensor:  # noqa: A002
    """The standard normal cumulative distribution function ``Φ(x)``.

    >>> import deepgrad as dg
    >>> dg.special.ndtr(dg.tensor([0.0])).tolist()
    [0.5]
    """
    return _unary(input, _scipy("ndtr"), lambda x, y: exp(-0.5 * x * x) / _SQRT_2PI)


def ndtri(input: Tensor) -> Tensor:  # noqa: A002
    """The inverse of :func:`ndtr` (``-inf`` at 0, ``inf`` at 1, NaN outside ``[0, 1]``)."""
    return _unary(input, _scipy("ndtri"), lambda x, y: _SQRT_2PI * exp(0.5 * y * y))


def log_ndtr(input: Tensor) -> Tensor:  # noqa: A002
    """``ln Φ(x)``, accurate far in the left tail where ``Φ(x)`` underflows."""
    return _unary(input, _scipy("log_ndtr"), lambda x, y: exp(-0.5 * x * x - y) / _SQRT_2PI)


def i0(input: Tensor) -> Tensor:  # noqa: A002
    """The modified Bessel function of the first kind of order 0, ``I₀(x)``.

    >>> import deepgrad as dg
    >>> dg.special.i0(dg.tensor([0.0])).tolist()
    [1.0]
    """
    refuse_kernel_dtype(input, "i0", "c", "i0_vml_cpu")  # as PyTorch
    return _unary(input, _scipy("i0"), lambda x, y: i1(x))


def i0e(input: Tensor) -> Tensor:  # noqa: A002
    """The exponentially scaled ``I₀``: ``e^(-|x|) I₀(x)``."""
    return _unary(input, _scipy("i0e"), lambda x, y: i1e(x) - sign(x) * y)


def _at_zero_half(x: Tensor, d: Any) -> Tensor:
    """``d(xs)`` with ``xs`` = x where x ≠ 0 (1 elsewhere, no 0/0), and ½ where x = 0."""
    zero = x._data == 0
    return where(zero, 0.5, d(where(zero, 1.0, x)))


def i1(input: Tensor) -> Tensor:  # noqa: A002
    """The modified Bessel function of the first kind of order 1, ``I₁(x)``."""
    return _unary(input, _scipy("i1"), lambda x, y: _at_zero_half(x, lambda s: i0(s) - i1(s) / s))


def i1e(input: Tensor) -> Tensor:  # noqa: A002
    """The exponentially scaled ``I₁``: ``e^(-|x|) I₁(x)``."""
    return _unary(
        input,
        _scipy("i1e"),
        lambda x, y: _at_zero_half(x, lambda s: i0e(s) - i1e(s) * (sign(s) + 1.0 / s)),
    )


def entr(input: Tensor) -> Tensor:  # noqa: A002
    """The elementwise entropy ``-x ln x``: 0 at 0, ``-inf`` for ``x < 0`` (derivative
    ``-(1 + ln x)``: ``inf`` at 0 and NaN below, as PyTorch).

    >>> import deepgrad as dg
    >>> dg.special.entr(dg.tensor([0.0, 1.0, -1.0])).tolist()
    [0.0, -0.0, -inf]
    """

    def fn(a: Any) -> Any:
        xp = backend.xp
        with numpy.errstate(all="ignore"):
            y = -a * xp.log(a)
        y = xp.where(a == 0, a.dtype.type(0), y)
        return xp.where(a < 0, a.dtype.type(-numpy.inf), y)

    return _unary(input, fn, lambda x, y: -(1.0 + log(x)))


class XLog1PY(Function):
    def forward(self, x: Any, y: Any) -> Any:
        xp = backend.xp
        with numpy.errstate(divide="ignore", invalid="ignore"):
            out = x * xp.log1p(y)
        return xp.where((x == 0) & ~xp.isnan(y), x.dtype.type(0), out)

    def backward(self, gy: Tensor) -> tuple:
        x, y = self.inputs
        nx, ny = self.needs_input_grad
        gx = gy_ = None
        if nx:
            dead = (x._data == 0) & (y._data <= -1)
            gx = sum_to(gy * log1p(where(dead, 0.0, y)), x.shape)  # PyTorch: 0 there
        if ny:
            gy_ = sum_to(gy * x / (1.0 + y), y.shape)
        return gx, gy_


def xlog1py(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input · ln(1 + other)``, and 0 where ``input`` is 0 (unless ``other`` is NaN).
    Broadcasting; numbers for either argument; integers give the default float dtype.

    >>> import deepgrad as dg
    >>> dg.special.xlog1py(dg.tensor([0.0, 2.0]), dg.tensor([-1.0, 0.0])).tolist()
    [0.0, 0.0]
    """
    x, y = _pair(input, other)
    return XLog1PY()(_floating(x), _floating(y))


class _NoGradIn:
    """The derivative PyTorch does not implement: raises, as PyTorch does."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __call__(self, *_: Any) -> Tensor:
        raise NotImplementedError(f"the derivative for '{self.what}' is not implemented.")


class Zeta(Function):
    def forward(self, x: Any, q: Any) -> Any:
        return backend.special("zeta")(x, q).astype(x.dtype, copy=False)

    def backward(self, gy: Tensor) -> tuple:
        x, q = self.inputs
        if self.needs_input_grad[0]:
            _NoGradIn("zeta")()
        return None, sum_to(gy * -x * zeta(x + 1.0, q), q.shape)


def zeta(input: Any, other: Any) -> Tensor:  # noqa: A002
    """The Hurwitz zeta function ``ζ(x, q) = Σₖ (k + q)^(-x)``; ``zeta(x, 1)`` is Riemann's.
    Differentiable in ``q`` only (a gradient for ``x`` raises ``NotImplementedError``, as
    PyTorch).

    >>> import deepgrad as dg
    >>> round(dg.special.zeta(dg.tensor(2.0), 1.0).item(), 6)
    1.644934
    """
    x, q = _pair(input, other)
    return Zeta()(_floating(x), _floating(q))


class GammaInc(Function):
    def __init__(self, upper: bool) -> None:
        self.upper = upper

    def forward(self, a: Any, x: Any) -> Any:
        name = "gammaincc" if self.upper else "gammainc"
        return backend.special(name)(a, x).astype(x.dtype, copy=False)

    def backward(self, gy: Tensor) -> tuple:
        a, x = self.inputs
        if self.needs_input_grad[0]:
            _NoGradIn("igammac: input" if self.upper else "igamma: input")()
        d = exp((a - 1.0) * log(x) - x - lgamma(a))
        return None, sum_to(gy * (-d if self.upper else d), x.shape)


def gammainc(input: Any, other: Any) -> Tensor:  # noqa: A002
    """The regularized lower incomplete gamma function ``P(a, x)``; differentiable in ``x``
    (a gradient for ``a`` raises ``NotImplementedError``, as PyTorch).

    >>> import deepgrad as dg
    >>> round(dg.special.gammainc(dg.tensor(1.0), dg.tensor(1.0)).item(), 6)
    0.632121
    """
    a, x = _pair(input, other)
    return GammaInc(False)(_floating(a), _floating(x))


def gammaincc(input: Any, other: Any) -> Tensor:  # noqa: A002
    """The regularized upper incomplete gamma function ``Q(a, x) = 1 - P(a, x)``."""
    a, x = _pair(input, other)
    return GammaInc(True)(_floating(a), _floating(x))


def multigammaln(input: Tensor, p: int) -> Tensor:  # noqa: A002
    """The multivariate log-gamma ``ln Γₚ(a) = p(p-1)/4 ln π + Σᵢ₌₀^(p-1) ln Γ(a - i/2)``;
    defined for ``a > (p - 1)/2`` (below it, PyTorch 2.13 gives the same sum without a check).

    >>> import deepgrad as dg
    >>> round(dg.special.multigammaln(dg.tensor(2.5), 2).item(), 5)
    0.85705
    """
    p = int_arg(p, "mvlgamma", "p", 2)
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    a = _floating(input)
    out = lgamma(a)
    for i in range(1, p):
        out = out + lgamma(a - 0.5 * i)
    return out + math.log(math.pi) * p * (p - 1) / 4


def _not_differentiable(name: str, input: Tensor) -> Tensor:
    x = _floating(input if isinstance(input, Tensor) else Tensor(input))
    return Tensor._wrap(_scipy(name)(x._data))


def bessel_j0(input: Tensor) -> Tensor:  # noqa: A002
    """The Bessel function of the first kind of order 0, ``J₀(x)``. Not differentiable, as in
    PyTorch: the result records no graph.

    >>> import deepgrad as dg
    >>> dg.special.bessel_j0(dg.tensor([0.0])).tolist()
    [1.0]
    """
    return _not_differentiable("j0", input)


def bessel_j1(input: Tensor) -> Tensor:  # noqa: A002
    """The Bessel function of the first kind of order 1, ``J₁(x)`` (no graph, as PyTorch)."""
    return _not_differentiable("j1", input)
