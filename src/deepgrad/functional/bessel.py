"""The Bessel and Airy functions of ``torch.special`` that PyTorch does not differentiate:
each result records no graph (``requires_grad`` is False, as PyTorch's, whose backward then
raises "element 0 of tensors does not require grad").

=========================  ===========================================  ====================
function                   value                                        at the edges
=========================  ===========================================  ====================
airy_ai                    Ai(x), the solution of y'' = x y that        0 for x > 103.892;
                           decays as x → ∞                              NaN at ±inf
bessel_y0, bessel_y1       Y₀(x), Y₁(x): Bessel of the second kind      -inf at 0, NaN for
                                                                        x < 0 and at ±inf
modified_bessel_i0, _i1    I₀(x), I₁(x) = i^(-ν) J_ν(ix)                ±inf once e^|x|
                                                                        overflows; NaN at ±inf
modified_bessel_k0, _k1    K₀(x), K₁(x): modified, second kind          inf at 0, NaN x < 0
scaled_modified_bessel_k*  e^x K₀(x), e^x K₁(x)                         inf at 0, NaN x < 0
spherical_bessel_j0        j₀(x) = sin(x)/x (1 at 0)                    0 at ±inf
=========================  ===========================================  ====================

The values are SciPy's (Cephes, as PyTorch's kernels) evaluated in float64 and rounded to the
input's dtype, with PyTorch's results at the edges; integer and bool tensors give the default
float dtype, float16 and complex tensors raise PyTorch's ``NotImplementedError``. In float32,
PyTorch computes in float32: where the result oscillates fast (Y₀, Y₁, Ai for |x| ≫ 100) its
float32 phase is off by more than the result's size, and deepgrad's value is the accurate one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy

from .. import backend
from .._errors import DtypeNotImplementedError, kernel_dtype_name, refuse_kernel_dtype
from ..tensor import Tensor
from .elementwise import _floating

__all__ = [
    "airy_ai", "bessel_y0", "bessel_y1", "modified_bessel_i0", "modified_bessel_i1",
    "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0",
    "scaled_modified_bessel_k1", "spherical_bessel_j0",
]  # fmt: skip


def refuse_special_dtype(x: Any, fn: str) -> None:
    """PyTorch's ``NotImplementedError`` for the dtypes its CPU kernels of the ``torch.special``
    Bessel functions and orthogonal polynomials lack: complex and float16 ("\\"airy_ai_cpu\\"
    not implemented for 'Half'")."""
    kernel = f"{fn}_cpu"
    refuse_kernel_dtype(x, fn, "c", kernel)
    dt = numpy.dtype(getattr(x, "dtype", numpy.float64))
    if dt == numpy.float16:
        raise DtypeNotImplementedError(
            f"\"{kernel}\" not implemented for '{kernel_dtype_name(dt)}' ({fn} takes float32 "
            "or float64 tensors, or integer ones as the default float dtype; convert it first, "
            "e.g. x.float())"
        )


def _no_graph(fn: str, x: Any, values: Callable[[Any, Any], Any]) -> Tensor:
    """``values(a, dtype)`` of ``x`` (``a`` a float64 array, SciPy's input; ``dtype`` the
    result's) as a tensor of ``x``'s float dtype that records no graph, as PyTorch's result of
    these functions."""
    if not isinstance(x, Tensor):
        raise TypeError(
            f"special_{fn}(): argument 'x' (position 1) must be Tensor, not "
            f"{type(x).__name__}; wrap it, e.g. dg.tensor({x!r})"
        )
    refuse_special_dtype(x, fn)
    a = _floating(x)._data
    with numpy.errstate(all="ignore"):
        out = values(a.astype(numpy.float64), a.dtype)
        return Tensor._wrap(backend.xp.asarray(out).astype(a.dtype, copy=False))


#: the coefficients u₁, u₂, u₃ of Ai's asymptotic series for x → -∞ (DLMF 9.7.9)
_AIRY_U = (5.0 / 72.0, 385.0 / 10368.0, 85085.0 / 2239488.0)


def _airy_ai_far_left(x: Any) -> Any:
    """Ai(x) for x ≪ 0 by its asymptotic series: with ``z = |x|``, ``ζ = ⅔ z^(3/2)``,
    ``Ai(x) = π^(-1/2) z^(-1/4) [sin(ζ + π/4)(1 - u₂/ζ²) - cos(ζ + π/4)(u₁/ζ - u₃/ζ³)]``,
    the phase rounded as PyTorch's (SciPy's is NaN below -10⁶)."""
    xp = backend.xp
    u1, u2, u3 = _AIRY_U
    z = 1.0 / (-2.0 * x * xp.sqrt(-x) / 3.0)
    t = -2.0 * x * xp.sqrt(-x) / 3.0 + 0.25 * math.pi
    f = 1.0 - u2 * z * z
    g = z * (u1 - u3 * z * z)
    return (1.0 / math.sqrt(math.pi)) / xp.sqrt(xp.sqrt(-x)) * (xp.sin(t) * f - xp.cos(t) * g)


def _airy_ai(a: Any, dtype: Any) -> Any:
    xp = backend.xp
    far = a < -1e3
    y = backend.special("airy")(xp.where(far, 0.0, a))[0]
    y = xp.where(far, _airy_ai_far_left(xp.where(far, a, -1e3)), y)
    big = float(numpy.finfo(dtype).max)
    zeta = 2.0 * xp.abs(a) * xp.sqrt(xp.abs(a)) / 3.0
    # PyTorch, in the dtype: 0 once its denominator 2 x^(1/4) e^ζ overflows (x > 25.77 in
    # float32) or x > 103.892, and NaN once ζ itself overflows for x < 0 (sin's phase is inf)
    with numpy.errstate(divide="ignore"):
        log_denominator = math.log(2.0) + 0.25 * xp.log(a) + zeta
    y = xp.where((a > 103.892) | ((a > 0) & (log_denominator > math.log(big))), 0.0, y)
    return xp.where(xp.isinf(a) | ((a < 0) & (1.5 * zeta > big)), xp.nan, y)


def airy_ai(x: Tensor) -> Tensor:
    """The Airy function ``Ai(x)``, the solution of ``y'' = x·y`` that decays for ``x → ∞``
    (``Ai(x) = (1/π) ∫₀^∞ cos(t³/3 + x t) dt``); 0 for ``x > 103.892`` and NaN at ±inf, as
    PyTorch. Elementwise, any shape; records no graph, as PyTorch.

    >>> import deepgrad as dg
    >>> f"{dg.special.airy_ai(dg.tensor(0.0, dtype=dg.float64)).item():.6f}"
    '0.355028'
    """
    return _no_graph("airy_ai", x, _airy_ai)


def _bessel_y(name: str) -> Callable[[Any], Any]:
    def values(a: Any, dtype: Any) -> Any:
        xp = backend.xp
        return xp.where(xp.isinf(a), xp.nan, backend.special(name)(a))

    return values


def bessel_y0(x: Tensor) -> Tensor:
    """The Bessel function of the second kind of order 0, ``Y₀(x)`` (the solution of
    ``x² y'' + x y' + x² y = 0`` singular at 0): ``-inf`` at 0, NaN for ``x < 0`` and at ±inf
    (PyTorch's). Records no graph, as PyTorch.

    >>> import deepgrad as dg
    >>> f"{dg.special.bessel_y0(dg.tensor(1.0, dtype=dg.float64)).item():.6f}"
    '0.088257'
    """
    return _no_graph("bessel_y0", x, _bessel_y("y0"))


def bessel_y1(x: Tensor) -> Tensor:
    """The Bessel function of the second kind of order 1, ``Y₁(x)``: ``-inf`` at 0, NaN for
    ``x < 0`` and at ±inf. Records no graph, as PyTorch.

    >>> import deepgrad as dg
    >>> f"{dg.special.bessel_y1(dg.tensor(1.0, dtype=dg.float64)).item():.6f}"
    '-0.781213'
    """
    return _no_graph("bessel_y1", x, _bessel_y("y1"))


def _bessel_i(name: str, odd: bool) -> Callable[[Any, Any], Any]:
    """SciPy's ``i0``/``i1`` with PyTorch's edges: ±inf where ``e^|x|`` overflows in the
    result's dtype (PyTorch computes ``e^|x| · (...)``), NaN at ±inf."""

    def values(a: Any, dtype: Any) -> Any:
        xp = backend.xp
        big = math.log(float(numpy.finfo(dtype).max))
        y = backend.special(name)(a)
        over = xp.abs(a) > big
        y = xp.where(over, xp.sign(a) * xp.inf if odd else xp.inf, y)
        return xp.where(xp.isinf(a), xp.nan, y)

    return values


def modified_bessel_i0(x: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 0,
    ``I₀(x) = Σₖ (x²/4)^k / (k!)²``; ``inf`` once ``e^|x|`` overflows the dtype (|x| > 88.72
    in float32, 709.78 in float64) and NaN at ±inf, as PyTorch. Records no graph (for a
    differentiable ``I₀`` use :func:`deepgrad.special.i0`).

    >>> import deepgrad as dg
    >>> dg.special.modified_bessel_i0(dg.tensor([0.0])).tolist()
    [1.0]
    """
    return _no_graph("modified_bessel_i0", x, _bessel_i("i0", odd=False))


def modified_bessel_i1(x: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 1,
    ``I₁(x) = (x/2) Σₖ (x²/4)^k / (k! (k+1)!)``; ``±inf`` once ``e^|x|`` overflows the dtype,
    NaN at ±inf, as PyTorch. Records no graph (differentiable: :func:`deepgrad.special.i1`).

    >>> import deepgrad as dg
    >>> dg.special.modified_bessel_i1(dg.tensor([0.0])).tolist()
    [0.0]
    """
    return _no_graph("modified_bessel_i1", x, _bessel_i("i1", odd=True))


def _scipy(name: str) -> Callable[[Any, Any], Any]:
    return lambda a, dtype: backend.special(name)(a)


def modified_bessel_k0(x: Tensor) -> Tensor:
    """The modified Bessel function of the second kind of order 0,
    ``K₀(x) = ∫₀^∞ e^(-x cosh t) dt``: ``inf`` at 0, NaN for ``x < 0``. Records no graph.

    >>> import deepgrad as dg
    >>> f"{dg.special.modified_bessel_k0(dg.tensor(1.0, dtype=dg.float64)).item():.6f}"
    '0.421024'
    """
    return _no_graph("modified_bessel_k0", x, _scipy("k0"))


def modified_bessel_k1(x: Tensor) -> Tensor:
    """The modified Bessel function of the second kind of order 1,
    ``K₁(x) = ∫₀^∞ e^(-x cosh t) cosh t dt``: ``inf`` at 0, NaN for ``x < 0``. Records no
    graph.

    >>> import deepgrad as dg
    >>> f"{dg.special.modified_bessel_k1(dg.tensor(1.0, dtype=dg.float64)).item():.6f}"
    '0.601907'
    """
    return _no_graph("modified_bessel_k1", x, _scipy("k1"))


def scaled_modified_bessel_k0(x: Tensor) -> Tensor:
    """The exponentially scaled ``K₀``: ``e^x K₀(x)`` (no underflow for large x): ``inf`` at
    0, NaN for ``x < 0``. Records no graph.

    >>> import deepgrad as dg
    >>> f"{dg.special.scaled_modified_bessel_k0(dg.tensor(1.0, dtype=dg.float64)).item():.6f}"
    '1.144463'
    """
    return _no_graph("scaled_modified_bessel_k0", x, _scipy("k0e"))


def scaled_modified_bessel_k1(x: Tensor) -> Tensor:
    """The exponentially scaled ``K₁``: ``e^x K₁(x)``: ``inf`` at 0, NaN for ``x < 0``.
    Records no graph.

    >>> import deepgrad as dg
    >>> f"{dg.special.scaled_modified_bessel_k1(dg.tensor(1.0, dtype=dg.float64)).item():.6f}"
    '1.636153'
    """
    return _no_graph("scaled_modified_bessel_k1", x, _scipy("k1e"))


#: the Taylor coefficients of sin(x)/x in x², from x² on: (-1)^k / (2k+1)!
_SINC_SERIES = tuple((-1) ** k / math.factorial(2 * k + 1) for k in range(1, 7))


def spherical_bessel_j0(x: Tensor) -> Tensor:
    """The spherical Bessel function of the first kind of order 0, ``j₀(x) = sin(x)/x``
    (its Taylor series ``1 - x²/6 + x⁴/120 - ...`` for ``|x| < 0.5``; 0 at ±inf), computed in
    the input's dtype as PyTorch. Records no graph.

    >>> import deepgrad as dg
    >>> dg.special.spherical_bessel_j0(dg.tensor([0.0])).tolist()
    [1.0]
    """
    if not isinstance(x, Tensor):
        return _no_graph("spherical_bessel_j0", x, lambda a, dtype: a)  # raises PyTorch's TypeError
    refuse_special_dtype(x, "spherical_bessel_j0")
    a = _floating(x)._data
    xp = backend.xp
    with numpy.errstate(all="ignore"):
        s = xp.zeros_like(a)
        for c in reversed(_SINC_SERIES):  # Horner in x²: 1 + x²(c₁ + x²(c₂ + ...))
            s = a * a * (a.dtype.type(c) + s)
        y = xp.where(xp.abs(a) < 0.5, 1 + s, xp.sin(a) / a)
        return Tensor._wrap(xp.where(xp.isinf(a), a.dtype.type(0), y).astype(a.dtype, copy=False))
