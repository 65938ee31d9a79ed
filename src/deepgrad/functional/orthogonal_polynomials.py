"""The orthogonal polynomials of ``torch.special``: ``P_n(x)`` for a tensor ``x`` and an
integer degree ``n`` (a tensor or a number, broadcast against ``x``), by PyTorch's rules.

=================================  ===============================  =========================
function                           P₀, P₁                           P_(m+1) from P_m, P_(m-1)
=================================  ===============================  =========================
chebyshev_polynomial_t  (T)        1, x                             2x P_m - P_(m-1)
chebyshev_polynomial_u  (U)        1, 2x                            2x P_m - P_(m-1)
chebyshev_polynomial_v  (V)        1, 2x - 1                        2x P_m - P_(m-1)
chebyshev_polynomial_w  (W)        1, 2x + 1                        2x P_m - P_(m-1)
shifted_chebyshev_polynomial_*     the above at 2x - 1 (on [0, 1])
hermite_polynomial_h    (H)        1, 2x                            2x P_m - 2m P_(m-1)
hermite_polynomial_he   (He)       1, x                             x P_m - m P_(m-1)
laguerre_polynomial_l   (L)        1, 1 - x                         ((2m + 1 - x) P_m - m P_(m-1))/(m+1)
legendre_polynomial_p   (P)        1, x                             ((2m + 1) x P_m - m P_(m-1))/(m+1)
=================================  ===============================  =========================

PyTorch's rules, which deepgrad follows: the degree is truncated to an integer (``n = 2.7`` is
2, ``n = -0.5`` is 0) and a negative one gives 0, as does a NaN, infinite or out-of-int64 one;
the Chebyshev polynomials take their closed forms at ``x = ±1`` (shifted: ``x = 0, 1``) and,
for ``|x| < 1`` and a degree above 6 (U, V, W: 8; shifted W: 4), their trigonometric forms
(``T_n(cos θ) = cos nθ``); ``L_n(0) = 1``, ``P_n(±1) = (±1)^n``; H and He are NaN above degree
128 (float32) / 512 (float64); the recurrence runs in the result's dtype. The dtype is
PyTorch's promotion of ``x`` and ``n`` (integers and bools give the default float dtype;
float16 and complex raise ``NotImplementedError``). PyTorch differentiates none of them: the
result records no graph. Where ``x`` is NaN and ``n ≥ 2``, PyTorch 2.13 returns whatever its
uninitialised accumulator held for some of them (U, W, the shifted ones, L, P: 0, a
denormal, ±inf); deepgrad gives NaN.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy

from .. import backend
from .._errors import ShapeMismatchError, broadcast_words
from ..tensor import Tensor
from .bessel import refuse_special_dtype

__all__ = [
    "chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
    "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t",
    "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
    "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
    "laguerre_polynomial_l", "legendre_polynomial_p",
]  # fmt: skip

_INT64_LIMIT = 2.0**63


def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Number) and not isinstance(v, Tensor)


def _operands(fn: str, x: Any, n: Any) -> tuple[Any, Any]:
    """``x`` and the integer degree ``n`` as broadcast arrays: ``x`` in the result's dtype
    (PyTorch's promotion of both; integers give the default float dtype), ``n`` as int64
    after a round trip through that dtype (truncated; NaN, ±inf and values beyond int64: -1)."""
    xt, nt = isinstance(x, Tensor), isinstance(n, Tensor)
    if not (xt or nt) or not (xt or _is_number(x)) or not (nt or _is_number(n)):
        raise TypeError(
            f"special_{fn}() received an invalid combination of arguments - got "
            f"({type(x).__name__}, {type(n).__name__}), but expected one of: (Tensor x, Tensor "
            "n), (Number x, Tensor n), (Tensor x, Number n); wrap the values with dg.tensor(...)"
        )
    for v in (x, n):
        if isinstance(v, int) and not -(2**63) <= v < 2**63:
            raise OverflowError(
                f"int too big to convert ({fn}: {v} is beyond int64, as PyTorch's parser reads "
                "a number; pass it as a float or a tensor)"
            )
    dt = backend.result_type(x, n)
    if dt.kind in "iub":
        dt = numpy.dtype(backend.get_default_dtype())
    refuse_special_dtype(numpy.empty(0, dt), fn)
    xp = backend.xp
    a = xp.asarray(x._data if xt else x).astype(dt)
    with numpy.errstate(all="ignore"):
        m = xp.asarray(n._data if nt else n).astype(dt)
    try:
        shape = numpy.broadcast_shapes(a.shape, m.shape)
    except ValueError:
        raise ShapeMismatchError(
            f"{fn}: {broadcast_words(a.shape, m.shape)} (x has shape {tuple(a.shape)}, n "
            f"{tuple(m.shape)}); give n one degree or a shape that broadcasts against x"
        ) from None
    a = xp.broadcast_to(a, shape).copy()  # writable, contiguous, 0-d kept
    m = xp.broadcast_to(m, shape)
    valid = xp.abs(m) < _INT64_LIMIT  # False for NaN: C's cast gives INT64_MIN there
    degree = xp.where(valid, xp.trunc(xp.where(valid, m, 0)), -1).astype(numpy.int64)
    return a, degree


def _recurrence(
    x: Any, n: Any, todo: Any, first: Any, step: Callable[..., Any], nan_stop: bool = True
) -> Any:
    """``P_n(x)`` where ``todo`` (there ``n ≥ 2``; 0 elsewhere) by the three-term recurrence
    ``P_(m+1) = step(m, x, P_m, P_(m-1))`` from ``P_0 = 1`` and ``P_1 = first``, in ``x``'s
    dtype. Each element leaves the loop at its degree (or, with ``nan_stop``, once NaN, as
    PyTorch's loop does: the value stays NaN), so the loop runs to the largest degree left."""
    xp = backend.xp
    out = xp.zeros_like(x)
    flat = out.reshape(-1)
    idx = xp.flatnonzero(todo)
    xs, ns = x.reshape(-1)[idx], n.reshape(-1)[idx]
    p, q = xp.ones_like(xs), first.reshape(-1)[idx]
    m = 1
    while idx.size:
        p, q = q, step(m, xs, q, p)
        m += 1
        done = ns == m
        if nan_stop:
            done |= xp.isnan(q)
        if done.any():
            flat[idx[done]] = q[done]
            keep = ~done
            idx, xs, ns, p, q = idx[keep], xs[keep], ns[keep], p[keep], q[keep]
    return out


def _fma(a: Any, b: Any, c: Any) -> Any:
    """``a·b + c`` rounded once, as PyTorch's compiled recurrences compute it (fused
    multiply-add): float32 through float64 (exact products), float64 through NumPy's long
    double where it is wider (x86's 80 bits), else unfused."""
    dt = numpy.result_type(a, b, c)
    wide = numpy.float64 if dt == numpy.float32 else numpy.longdouble
    if backend.name() != "numpy" or numpy.finfo(wide).nmant <= numpy.finfo(dt).nmant:
        return a * b + c
    return (numpy.asarray(a, wide) * numpy.asarray(b, wide) + numpy.asarray(c, wide)).astype(dt)


def _trig(name: str, a: Any) -> Any:
    """``xp.<name>(a)`` correctly rounded to ``a``'s dtype as C's ``acosf``/``cosf``/``sinf``
    give it PyTorch (NumPy's float32 SIMD forms can be an ulp off, which ``n·θ`` magnifies):
    float32 through float64."""
    fn = getattr(backend.xp, name)
    return fn(a.astype(numpy.float64)).astype(a.dtype) if a.dtype == numpy.float32 else fn(a)


def _compose(x: Any, n: Any, cases: list[tuple[Any, Any]], first: Any, step: Any, **kw: Any) -> Any:
    """PyTorch's order of cases: 0 for ``n < 0``, then ``cases`` (mask, value) in order, then
    ``P_0 = 1``, ``P_1 = first``, then the recurrence for the rest."""
    xp = backend.xp
    one = x.dtype.type(1)
    cases = [(n < 0, x.dtype.type(0)), *cases, (n == 0, one), (n == 1, first)]
    taken = xp.zeros(x.shape, dtype=bool)
    for mask, _ in cases:
        taken |= mask
    out = _recurrence(x, n, ~taken, xp.broadcast_to(first, x.shape), step, **kw)
    for mask, value in reversed(cases):
        out = xp.where(mask, value, out)
    return out.astype(x.dtype, copy=False)


def _f(n: Any, dtype: Any) -> Any:
    return n.astype(dtype)


def _parity(n: Any, even: Any, odd: Any) -> Any:
    return backend.xp.where(n % 2 == 0, even, odd)


def _trig_form(kind: str, shifted: bool, y: Any, n: Any) -> tuple[Any, Any]:
    """The trigonometric form of the Chebyshev polynomial of ``kind`` at ``y = cos θ``
    (``T_n = cos nθ``, ``U_n = sin((n+1)θ)/sin θ``, ``V_n = cos((n+½)θ)/cos(θ/2)``,
    ``W_n = sin((n+½)θ)/sin(θ/2)``, with PyTorch's values where the denominator rounds to 0),
    and ``P_1``."""
    xp, dt = backend.xp, y.dtype
    t = _trig("arccos", y)
    two_n1 = _f(n + n + 1, dt)
    half = t / dt.type(2)
    if kind == "T":
        return _trig("cos", _f(n, dt) * t), y
    if kind == "U":
        s, k = _trig("sin", t), _f(n + 1, dt)
        return xp.where(s != 0, _trig("sin", k * t) / s, k * _trig("cos", k * t) / y), y + y
    h = _f(n, dt) + dt.type(0.5)
    if kind == "V":
        at_1 = _parity(n, two_n1, -two_n1)
        v = _trig("cos", h * t) / _trig("cos", half)
        return xp.where(_trig("sin", half) != 1, v, at_1), y + y - 1
    at_1 = _parity(n, dt.type(1), dt.type(-1))
    if not shifted:  # PyTorch's unshifted W: 2n + 1 where y > 0, as at y = 1
        at_1 = xp.where(y > 0, two_n1, at_1)
    w = _trig("sin", h * t) / _trig("sin", half)
    return xp.where(_trig("cos", half) != 1, w, at_1), y + y + 1


#: the degree above which PyTorch takes the trigonometric form for |y| < 1: (unshifted, shifted)
_TRIG_ABOVE = {"T": (6, 6), "U": (8, 6), "V": (8, 6), "W": (8, 4)}


def _chebyshev(kind: str, shifted: bool) -> Callable[[Any, Any], Any]:
    """The kernel of the (shifted) Chebyshev polynomial of ``kind`` (T, U, V, W): its closed
    forms at ``y = ±1`` (``y = x``, or ``2x - 1`` shifted), the trigonometric form for
    ``|y| < 1`` above a degree, the recurrence ``P_(m+1) = 2y P_m - P_(m-1)`` elsewhere."""

    def at(x: Any) -> Any:
        return x + x - x.dtype.type(1) if shifted else x

    def kernel(x: Any, n: Any) -> Any:
        xp, dt = backend.xp, x.dtype
        one, k1, two_n1 = dt.type(1), _f(n + 1, dt), _f(n + n + 1, dt)
        y = at(x)
        # at y = 1 and y = -1: T 1, ±1; U n+1, ±(n+1); V 1, ±(2n+1); W 2n+1, ±1 (± by parity)
        high, low = {
            "T": (one, _parity(n, one, -one)),
            "U": (k1, _parity(n, k1, -k1)),
            "V": (one, _parity(n, two_n1, -two_n1)),
            "W": (two_n1, _parity(n, one, -one)),
        }[kind]
        trig, first = _trig_form(kind, shifted, y, n)
        inside = (n > _TRIG_ABOVE[kind][shifted]) & (xp.abs(y) < one)
        cases = [(x == one, high), ((x == 0) if shifted else (x == -one), low), (inside, trig)]

        def step(m: int, xs: Any, q: Any, p: Any) -> Any:
            return _fma(at(xs) + at(xs), q, -p)

        return _compose(x, n, cases, first, step)

    return kernel


def _hermite(physicists: bool) -> Callable[[Any, Any], Any]:
    """H (``physicists``: ``H_(m+1) = 2x H_m - 2m H_(m-1)``) or He (``x He_m - m He_(m-1)``);
    NaN above degree 128 (float32) / 512 (float64), as PyTorch."""

    def step(m: int, xs: Any, q: Any, p: Any) -> Any:
        return _fma(xs + xs, q, -((m + m) * p)) if physicists else _fma(xs, q, -(m * p))

    def kernel(x: Any, n: Any) -> Any:
        limit = 128 if x.dtype == numpy.float32 else 512
        first = x + x if physicists else x
        return _compose(x, n, [(n > limit, x.dtype.type(numpy.nan))], first, step, nan_stop=False)

    return kernel


def _laguerre(x: Any, n: Any) -> Any:
    one = x.dtype.type(1)

    def step(m: int, xs: Any, q: Any, p: Any) -> Any:
        return _fma((m + m) + (one - xs), q, -(m * p)) / (m + 1)

    return _compose(x, n, [(x == 0, one)], one - x, step)


def _legendre(x: Any, n: Any) -> Any:
    one = x.dtype.type(1)

    def step(m: int, xs: Any, q: Any, p: Any) -> Any:
        return _fma((m + m + 1) * xs, q, -(m * p)) / (m + 1)

    ends = backend.xp.where((x > 0) | (n % 2 == 0), one, -one)
    return _compose(x, n, [(backend.xp.abs(x) == one, ends)], x, step)


def _polynomial(fn: str, x: Any, n: Any, kernel: Callable[[Any, Any], Any]) -> Tensor:
    a, degree = _operands(fn, x, n)
    with numpy.errstate(all="ignore"):
        return Tensor._wrap(kernel(a, degree))


def chebyshev_polynomial_t(x: Tensor | float, n: Tensor | float) -> Tensor:
    """The Chebyshev polynomial of the first kind ``T_n(x)``: ``T_0 = 1``, ``T_1 = x``,
    ``T_(m+1) = 2x T_m - T_(m-1)``; ``T_n(cos θ) = cos nθ``. ``x`` and ``n`` broadcast (one
    of them may be a number); the degree is truncated to an integer, and a negative one gives
    0. Records no graph, as PyTorch.

    >>> import deepgrad as dg
    >>> dg.special.chebyshev_polynomial_t(dg.tensor([0.5, 2.0]), 3).tolist()
    [-1.0, 26.0]
    """
    return _polynomial("chebyshev_polynomial_t", x, n, _chebyshev("T", shifted=False))


def chebyshev_polynomial_u(x: Tensor | float, n: Tensor | float) -> Tensor:
    """The Chebyshev polynomial of the second kind ``U_n(x)``: ``U_0 = 1``, ``U_1 = 2x``,
    ``U_(m+1) = 2x U_m - U_(m-1)``; ``U_n(cos θ) = sin((n+1)θ)/sin θ``. Records no graph.

    >>> import deepgrad as dg
    >>> dg.special.chebyshev_polynomial_u(dg.tensor([0.5, 2.0]), 3).tolist()
    [-1.0, 56.0]
    """
    return _polynomial("chebyshev_polynomial_u", x, n, _chebyshev("U", shifted=False))


def chebyshev_polynomial_v(x: Tensor | float, n: Tensor | float) -> Tensor:
    """The Chebyshev polynomial of the third kind ``V_n(x)``: ``V_0 = 1``, ``V_1 = 2x - 1``,
    ``V_(m+1) = 2x V_m - V_(m-1)``; ``V_n(cos θ) = cos((n+½)θ)/cos(θ/2)``. Records no graph.

    >>> import deepgrad as dg
    >>> dg.special.chebyshev_polynomial_v(dg.tensor([0.5, 2.0]), 3).tolist()
    [-1.0, 41.0]
    """
    return _polynomial("chebyshev_polynomial_v", x, n, _chebyshev("V", shifted=False))


def chebyshev_polynomial_w(x: Tensor | float, n: Tensor | float) -> Tensor:
    """The Chebyshev polynomial of the fourth kind ``W_n(x)``: ``W_0 = 1``, ``W_1 = 2x + 1``,
    ``W_(m+1) = 2x W_m - W_(m-1)``; ``W_n(cos θ) = sin((n+½)θ)/sin(θ/2)``. Records no graph.

    >>> import deepgrad as dg
    >>> dg.special.chebyshev_polynomial_w(dg.tensor([0.5, 2.0]), 3).tolist()
    [-1.0, 71.0]
    """
    return _polynomial("chebyshev_polynomial_w", x, n, _chebyshev("W", shifted=False))


def shifted_chebyshev_polynomial_t(x: Tensor | float, n: Tensor | float) -> Tensor:
    """The shifted Chebyshev polynomial of the first kind ``T*_n(x) = T_n(2x - 1)``, orthogonal
    on ``[0, 1]``. Records no graph.

    >>> import deepgrad as dg
    >>> dg.special.shifted_chebyshev_polynomial_t(dg.tensor([0.75, 1.5]), 3).tolist()
    [-1.0, 26.0]
    """
    return _polynomial("shifted_chebyshev_polynomial_t", x, n, _chebyshev("T", shifted=True))


def shifted_chebyshev_polynomial_u(x: Tensor | float, n: Tensor | float) -> Tensor:
    """The shifted Chebyshev polynomial of the second kind ``U*_n(x) = U_n(2x - 1)``. Records
    no graph.

    >>> import deepgrad as dg
    >>> dg.special.shifted_chebyshev_polynomial_u(dg.tensor([0.75, 1.5]), 3).tolist()
    [-1.0, 56.0]
    """
    return _polynomial("shifted_chebyshev_polynomial_u", x, n, _chebyshev("U", shifted=True))


def shifted_chebyshev_polynomial_v(x: Tensor | float, n: Tensor | float) -> Tensor:
    """The shifted Chebyshev polynomial of the third kind ``V*_n(x) = V_n(2x - 1)``. Records
    no graph.

    >>> import deepgrad as dg
    >>> dg.special.shifted_chebyshev_polynomial_v(dg.tensor([0.75, 1.5]), 3).tolist()
    [-1.0, 41.0]
    """
    return _polynomial("shifted_chebyshev_polynomial_v", x, n, _chebyshev("V", shifted=True))


def shifted_chebyshev_polynomial_w(x: Tensor | float, n: Tensor | float) -> Tensor:
    """The shifted Chebyshev polynomial of the fourth kind ``W*_n(x) = W_n(2x - 1)``. Records
    no graph.

    >>> import deepgrad as dg
    >>> dg.special.shifted_chebyshev_polynomial_w(dg.tensor([0.75, 1.5]), 3).tolist()
    [-1.0, 71.0]
    """
    return _polynomial("shifted_chebyshev_polynomial_w", x, n, _chebyshev("W", shifted=True))


def hermite_polynomial_h(x: Tensor | float, n: Tensor | float) -> Tensor:
    """The physicists' Hermite polynomial ``H_n(x)``: ``H_0 = 1``, ``H_1 = 2x``,
    ``H_(m+1) = 2x H_m - 2m H_(m-1)``; NaN above degree 128 (float32) / 512 (float64), as
    PyTorch. Records no graph.

    >>> import deepgrad as dg
    >>> dg.special.hermite_polynomial_h(dg.tensor([0.5, 2.0]), 3).tolist()
    [-5.0, 40.0]
    """
    return _polynomial("hermite_polynomial_h", x, n, _hermite(physicists=True))


def hermite_polynomial_he(x: Tensor | float, n: Tensor | float) -> Tensor:
    """The probabilists' Hermite polynomial ``He_n(x)``: ``He_0 = 1``, ``He_1 = x``,
    ``He_(m+1) = x He_m - m He_(m-1)``; NaN above degree 128 (float32) / 512 (float64).
    Records no graph.

    >>> import deepgrad as dg
    >>> dg.special.hermite_polynomial_he(dg.tensor([0.5, 2.0]), 3).tolist()
    [-1.375, 2.0]
    """
    return _polynomial("hermite_polynomial_he", x, n, _hermite(physicists=False))


def laguerre_polynomial_l(x: Tensor | float, n: Tensor | float) -> Tensor:
    """The Laguerre polynomial ``L_n(x)``: ``L_0 = 1``, ``L_1 = 1 - x``,
    ``L_(m+1) = ((2m + 1 - x) L_m - m L_(m-1))/(m + 1)``; ``L_n(0) = 1``. Records no graph.

    >>> import deepgrad as dg
    >>> dg.special.laguerre_polynomial_l(dg.tensor([0.0, 2.0]), 2).tolist()
    [1.0, -1.0]
    """
    return _polynomial("laguerre_polynomial_l", x, n, _laguerre)


def legendre_polynomial_p(x: Tensor | float, n: Tensor | float) -> Tensor:
    """The Legendre polynomial ``P_n(x)``: ``P_0 = 1``, ``P_1 = x``,
    ``P_(m+1) = ((2m + 1) x P_m - m P_(m-1))/(m + 1)``; ``P_n(±1) = (±1)^n``. Records no graph.

    >>> import deepgrad as dg
    >>> dg.special.legendre_polynomial_p(dg.tensor([0.5, -1.0]), 2).tolist()
    [-0.125, 1.0]
    """
    return _polynomial("legendre_polynomial_p", x, n, _legendre)
