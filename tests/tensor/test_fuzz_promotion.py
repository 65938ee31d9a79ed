"""Seeded differential fuzz against torch 2.13 of elementwise dtype promotion.

Every case runs the same call on torch and on deepgrad and compares the result's dtype, shape
and values (integers and bools exactly, floats closely, NaN equal to NaN) or that both raise.
The calls: the binary operations as functions, methods, operators (reflected too: ``2 - t``,
``2 ** t``, ``1 / t``), in-place methods and augmented assignments, and ``out=`` where deepgrad
takes it (``BINARY``: arithmetic with ``alpha`` and rounding modes, comparisons, logical and
bitwise operations, ``atan2``, ``hypot``, ``copysign``, ``logaddexp``, ``xlogy``, ...);
``where``, ``clamp``/``clip``, ``lerp``, ``addcmul``/``addcdiv``; ``result_type``,
``promote_types`` and ``can_cast``. Operands are tensors with dimensions, 0-d tensors and
Python bool/int/float/complex numbers, of every dtype from bool to complex128. The README's
deliberate differences are left out where they are drawn: float16 meeting a complex number
(``_readme_difference``), complex ``+``/``-`` with an infinite part and complex64
``logaddexp`` of far-apart operands; complex ``pow`` compares dtypes only. Where torch takes
only tensors and deepgrad a number too (README), torch gets the number as the 0-d tensor of
the dtype it meets the other operand in (``Number0d``). The regressions the fuzz found follow.
"""

from __future__ import annotations

import importlib.util
import math
import operator
import pathlib
import warnings

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

_spec = importlib.util.spec_from_file_location(
    "_functional_fuzz_harness",
    pathlib.Path(__file__).resolve().parents[1] / "functional" / "conftest.py",
)
_harness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_harness)
Fuzz = _harness.Fuzz

DTYPES = (
    "bool", "uint8", "int8", "int16", "int32", "int64",
    "float16", "float32", "float64", "complex64", "complex128",
)  # fmt: skip
#: drawn more often than complex (which most of these operations refuse)
WEIGHTED = DTYPES[:9] * 3 + DTYPES[9:]
#: shapes that broadcast together to (2, 3), the shape of in-place targets and of out=
SHAPES = ((2, 3), (3,), (1, 3), (2, 1), (1,))
INTS = (0, 1, 2, 3, -1, -3, 5, 7, 100, -100, 300, -300, 70000)
FLOATS = (0.5, -1.5, 2.5, 0.1, 3.0, -0.0, 0.001, 1e5, math.nan, math.inf, -math.inf)
COMPLEXES = (1j, 2 - 1j, 0.5 + 0.25j)
#: float tolerance by result dtype (float16: one rounding of its own at any step)
RTOL = {"float16": 2e-3, "float32": 2e-5, "float64": 1e-12}


# ---- operands ---------------------------------------------------------------------------------
def _array(fz, shape, dtype):
    """Values of ``dtype``: small integers (ties, exact results) with the dtype's edges now and
    then; floats integer-valued or not, with NaN, ±inf and -0.0 sprinkled in."""
    dt = np.dtype(dtype)
    rng = fz.rng
    if dt.kind == "b":
        return np.asarray(rng.random(shape) < 0.5)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        lim = int(info.max) if fz.chance(0.1) else (120 if fz.chance(0.2) else 9)
        lo = 0 if dt.kind == "u" else max(-lim, int(info.min))
        return np.asarray(rng.integers(lo, lim, size=shape, endpoint=True).astype(dt))
    part = np.float64 if dt.kind == "c" else dt
    re = rng.integers(-6, 7, size=shape) if fz.chance(0.4) else rng.uniform(-4, 4, size=shape)
    a = np.asarray(re, dtype=part)
    if a.size and fz.chance(0.3):
        mask = rng.random(shape) < 0.2
        a[mask] = rng.choice(np.array([np.nan, np.inf, -np.inf, -0.0]), size=int(mask.sum()))
    if dt.kind == "c":
        a = a + 1j * np.asarray(rng.uniform(-2, 2, size=shape), dtype=part)
    return np.asarray(a, dtype=dt)


def _scalar(fz, kinds="bifc"):
    kind = fz.pick([k for k in "bbiiiiffffc" if k in kinds])
    if kind == "b":
        return fz.pick([True, False])
    if kind == "i":
        return fz.pick(INTS)
    if kind == "f":
        return fz.pick(FLOATS)
    return fz.pick(COMPLEXES)


def _tensor(fz, dtype=None, shape=None, zero_dim=None):
    """An array to become a tensor: dimensioned (one of SHAPES) or 0-d."""
    dtype = dtype or fz.pick(WEIGHTED)
    if zero_dim is None:
        zero_dim = fz.chance(0.3)
    shape = () if zero_dim else (shape if shape is not None else fz.pick(SHAPES))
    return _array(fz, shape, dtype)


def _operand(fz, scalar_p=0.35, kinds="bifc"):
    """A dimensioned tensor, a 0-d tensor or a Python number."""
    return _scalar(fz, kinds) if fz.chance(scalar_p) else _tensor(fz)


def _make(lib, v):
    if isinstance(v, Number0d):
        return (
            torch.tensor(v.value, dtype=_EXACT[type(v.value)]).to(v.dtype)
            if lib is torch
            else v.value
        )
    if isinstance(v, np.ndarray):
        return lib.tensor(v.copy(), dtype=getattr(lib, v.dtype.name))
    return v


def _describe(v):
    if isinstance(v, Number0d):
        return f"{v.value!r} (torch: 0-d {_name(v.dtype)})"
    if isinstance(v, np.ndarray):
        return f"{v.dtype.name}{list(v.shape)}"
    return repr(v)


# ---- comparison -------------------------------------------------------------------------------
def _name(dtype):
    return str(dtype).removeprefix("torch.")


def _differs(d, t, values=True, tol=0.0):
    """Why deepgrad's result ``d`` differs from torch's ``t`` (None when they agree); with
    ``values`` False only the dtype and shape count; floats compare within the tolerance of
    their dtype, or ``tol`` where larger (the operands' precision)."""
    if isinstance(t, torch.Tensor):
        if not isinstance(d, dg.Tensor):
            return f"a {type(d).__name__} where torch gives a tensor"
        if _name(d.dtype) != _name(t.dtype):
            return f"dtype {_name(d.dtype)} vs torch {_name(t.dtype)}"
        if tuple(d.shape) != tuple(t.shape):
            return f"shape {tuple(d.shape)} vs torch {tuple(t.shape)}"
        a, e = d.detach().numpy(), t.detach().numpy()
        if not values:
            return None
        if a.dtype.kind not in "fc":
            return None if np.array_equal(a, e) else f"values {a.tolist()} vs torch {e.tolist()}"
        rtol = max(RTOL[np.finfo(a.dtype).dtype.name], tol)
        scale = max(1.0, float(np.abs(np.where(np.isfinite(e), e, 0)).max(initial=0)))
        with np.errstate(all="ignore"):
            ok = np.isclose(a, e, rtol=rtol, atol=rtol * scale, equal_nan=True)
        return None if ok.all() else f"values {a.tolist()} vs torch {e.tolist()}"
    if isinstance(t, torch.dtype):
        return None if _name(d) == _name(t) else f"{_name(d)} vs torch {_name(t)}"
    return None if d == t and type(d) is type(t) else f"{d!r} vs torch {t!r}"


def _operand_tolerance(operands):
    """The float tolerance of the least precise floating operand (a result cast into a wider
    ``out=`` keeps its operands' precision)."""
    tols = [0.0]
    for v in operands:
        v = getattr(v, "value", v)
        if isinstance(v, np.ndarray) and v.dtype.kind in "fc":
            tols.append(RTOL[np.finfo(v.dtype).dtype.name])
        elif isinstance(v, (float, complex)):
            tols.append(RTOL["float32"])  # the default float dtype
    return max(tols)


def _check(fz, what, fn, *operands, values=True):
    """``fn(lib, *operands made for lib)`` on torch, then on deepgrad; a difference is a
    failure (a RuntimeWarning of deepgrad's too: PyTorch's results are silent). ``values`` False
    compares dtypes and shapes only."""
    fz.cases += 1
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = fn(torch, *(_make(torch, v) for v in operands))
        terr = None
    except Exception as e:  # noqa: BLE001 - any torch error is an error case
        terr = e
    what = f"{what} {[_describe(v) for v in operands]}"
    try:
        with warnings.catch_warnings(record=True) as caught:  # deepgrad's filters stay
            d = fn(dg, *(_make(dg, v) for v in operands))
        derr = None
    except Exception as e:  # noqa: BLE001
        derr = e
    if terr is not None:
        fz.raised += 1
        if derr is None:
            fz.failures.append(f"{what}: torch raises ({str(terr)[:100]!r}), deepgrad returns")
        return
    if derr is not None:
        fz.failures.append(f"{what}: deepgrad raises {type(derr).__name__}: {str(derr)[:150]}")
        return
    bad = _differs(d, t, values, _operand_tolerance(operands))
    if bad:
        fz.failures.append(f"{what}: {bad}")
    elif any(issubclass(w.category, RuntimeWarning) for w in caught):
        fz.failures.append(f"{what}: deepgrad warns {caught[0].message}")


# ---- the operations ---------------------------------------------------------------------------
#: (torch name, operator, its augmented form, in-place method, takes out= in deepgrad, kwargs)
BINARY = [
    ("add", operator.add, operator.iadd, True, True, {}),
    ("add", None, None, True, True, {"alpha": 2}),
    ("add", None, None, True, True, {"alpha": 0.5}),
    ("sub", operator.sub, operator.isub, True, True, {}),
    ("sub", None, None, True, True, {"alpha": -3}),
    ("mul", operator.mul, operator.imul, True, True, {}),
    ("div", operator.truediv, operator.itruediv, True, True, {}),
    ("div", None, None, True, True, {"rounding_mode": "floor"}),
    ("div", None, None, True, True, {"rounding_mode": "trunc"}),
    ("floor_divide", operator.floordiv, operator.ifloordiv, True, False, {}),
    ("remainder", operator.mod, operator.imod, True, False, {}),
    ("fmod", None, None, True, False, {}),
    ("pow", operator.pow, operator.ipow, True, True, {}),
    ("maximum", None, None, False, True, {}),
    ("minimum", None, None, False, True, {}),
    ("fmax", None, None, True, False, {}),
    ("fmin", None, None, True, False, {}),
    ("atan2", None, None, True, False, {}),
    ("hypot", None, None, True, False, {}),
    ("copysign", None, None, True, False, {}),
    ("logaddexp", None, None, True, False, {}),
    ("eq", operator.eq, None, True, False, {}),
    ("ne", operator.ne, None, True, False, {}),
    ("lt", operator.lt, None, True, False, {}),
    ("le", operator.le, None, True, False, {}),
    ("gt", operator.gt, None, True, False, {}),
    ("ge", operator.ge, None, True, False, {}),
    ("logical_and", None, None, True, False, {}),
    ("logical_or", None, None, True, False, {}),
    ("logical_xor", None, None, True, False, {}),
    ("bitwise_and", operator.and_, operator.iand, True, False, {}),
    ("bitwise_or", operator.or_, operator.ior, True, False, {}),
    ("bitwise_xor", operator.xor, operator.ixor, True, False, {}),
    ("bitwise_left_shift", operator.lshift, operator.ilshift, True, False, {}),
    ("bitwise_right_shift", operator.rshift, operator.irshift, True, False, {}),
    ("true_divide", None, None, True, True, {}),
    ("subtract", None, None, True, True, {"alpha": 2}),
    ("multiply", None, None, True, True, {}),
    ("divide", None, None, True, True, {"rounding_mode": "floor"}),
    ("rsub", None, None, False, False, {"alpha": 2}),
    ("xlogy", None, None, True, False, {}),
    ("float_power", None, None, True, False, {}),
    ("heaviside", None, None, True, False, {}),
    ("nextafter", None, None, True, False, {}),
    ("clamp_min", None, None, True, False, {}),
    ("clamp_max", None, None, True, False, {}),
]
#: torch takes only tensors for these: a Python number raises TypeError there, and deepgrad
#: takes it as ``+`` takes a number (README); compared against torch given the number as the
#: 0-d tensor of the dtype it meets the other operand in (``Number0d``)
TENSORS_ONLY = {
    "maximum", "minimum", "fmax", "fmin", "atan2", "hypot", "logaddexp",
    "logical_and", "logical_or", "logical_xor", "nextafter",
}  # fmt: skip
#: the operations that compute integers in the default float dtype
FLOAT_OPS = {"atan2"}


def _readme_difference(*operands):
    """A case the README lists as a deliberate difference: float16 meeting a complex number
    (torch's complex32)."""
    kinds = set()
    for v in operands:
        if isinstance(v, np.ndarray):
            kinds.add("h" if v.dtype == np.float16 else v.dtype.kind)
        elif isinstance(v, complex):
            kinds.add("c")
    return "h" in kinds and "c" in kinds


def _complex_with_inf(*operands):
    """README: PyTorch's complex ``a + b`` / ``a - b`` computes ``a + alpha·b`` with ``alpha =
    1+0j``, so an infinite part of ``b`` makes the other part NaN; deepgrad's sum is exact
    (and complex division by an infinite part follows another algorithm than NumPy's)."""
    values = [np.asarray(v) for v in operands]
    cplx = any(v.dtype.kind == "c" for v in values)
    return cplx and any(v.dtype.kind in "fc" and np.isinf(v).any() for v in values)


def _complex_far_apart(*operands):
    """README: PyTorch's complex64 ``log1p`` of a subnormal is NaN, so its ``logaddexp`` of
    operands whose real parts lie ~100 apart is NaN; deepgrad's is exact."""
    values = [np.asarray(v) for v in operands]
    cplx = any(v.dtype.kind == "c" for v in values)
    return cplx and any(np.abs(v.real).max(initial=0) > 40 for v in values)


def _binary_call(name, op, iop, form, kw):
    def fn(lib, a, b):
        if form == "function":
            return getattr(lib, name)(a, b, **kw)
        if form == "method":
            return getattr(a, name)(b, **kw)
        if form == "operator":
            return op(a, b)
        if form == "in-place":
            x = a.clone()
            r = getattr(x, name + "_")(b, **kw)
            assert r is x
            return x
        if form == "augmented":
            x = a.clone()
            return iop(x, b)
        out = lib.zeros((2, 3), dtype=getattr(lib, form.removeprefix("out=")))
        r = getattr(lib, name)(a, b, out=out, **kw)
        assert r is out
        return out

    return fn


class Number0d:
    """A Python number for deepgrad; for torch, which takes only tensors there, the 0-d tensor
    of the dtype the number would have met the other operand in (``result_type``)."""

    def __init__(self, value, dtype):
        self.value, self.dtype = value, dtype


_EXACT = {bool: torch.bool, int: torch.int64, float: torch.float64, complex: torch.complex128}


def _as_zero_dim(v, other, name):
    if isinstance(v, np.ndarray):
        return v
    rt = torch.result_type(_make(torch, other), v)
    if name in FLOAT_OPS and not (rt.is_floating_point or rt.is_complex):
        rt = torch.get_default_dtype()  # a float op converts an int unwrapped, as deepgrad
    return Number0d(v, rt)


def _binary_case(fz, name, op, iop, inplace, out, kw):
    forms = ["function", "method"] + ["operator"] * (op is not None) * 2
    forms += ["in-place"] * inplace + ["augmented"] * (iop is not None)
    form = fz.pick(forms)
    if fz.chance(0.12) and out:
        form = "out=" + fz.pick(DTYPES)
    if form in ("in-place", "augmented") or form.startswith("out="):
        a = _tensor(fz, shape=(2, 3), zero_dim=False)
        b = _operand(fz)
    elif form == "operator" and fz.chance(0.4):
        a, b = _scalar(fz), _tensor(fz)  # reflected: 2 - t
    else:
        a, b = _tensor(fz), _operand(fz)
    if _readme_difference(a, b) or (name in ("add", "sub") and _complex_with_inf(a, b)):
        return
    if name == "logaddexp" and _complex_far_apart(a, b):
        return
    what = f"{name}{kw or ''} {form}"
    if name in TENSORS_ONLY:
        a, b = _as_zero_dim(a, b, name), _as_zero_dim(b, a, name)
    # complex pow (README): PyTorch's is exp(b·log a), inexact, NaN at 0 ** 0; NumPy's multiplies
    loose = name in ("pow", "float_power") and any(
        np.asarray(getattr(v, "value", v)).dtype.kind == "c" for v in (a, b)
    )
    _check(fz, what, _binary_call(name, op, iop, form, kw), a, b, values=not loose)


def test_fuzz_binary_promotion():
    fz = Fuzz(31)
    for _ in range(12):
        for entry in BINARY:
            for _ in range(8):
                _binary_case(fz, *entry)
    fz.report(min_cases=3000)


def _bound(fz):
    """A clamp bound: None, a Python number or a tensor."""
    r = fz.rng.random()
    if r < 0.25:
        return None
    return _scalar(fz, "bif") if r < 0.6 else _tensor(fz)


def _clamp_case(fz):
    name = fz.pick(["clamp", "clip"])
    form = fz.pick(["function", "method", "in-place", "out="])
    fixed = form in ("in-place", "out=")
    x = _tensor(fz, shape=(2, 3) if fixed else None, zero_dim=False if fixed else None)
    lo, hi = _bound(fz), _bound(fz)
    out = fz.pick(DTYPES)

    def fn(lib, x, lo, hi):
        if form == "function":
            return getattr(lib, name)(x, lo, hi)
        if form == "method":
            return getattr(x, name)(lo, hi)
        if form == "in-place":
            y = x.clone()
            getattr(y, name + "_")(lo, hi)
            return y
        o = lib.zeros((2, 3), dtype=getattr(lib, out))
        getattr(lib, name)(x, lo, hi, out=o)
        return o

    if not _readme_difference(x, lo, hi):
        _check(fz, f"{name} {form}{out if form == 'out=' else ''}", fn, x, lo, hi)


def _where_case(fz):
    form = fz.pick(["function", "function", "method", "out="])
    cond = _tensor(fz, "bool") if fz.chance(0.9) else _tensor(fz)
    a = _operand(fz) if form != "method" else _tensor(fz)
    b = _operand(fz)
    out = fz.pick(DTYPES)

    def fn(lib, c, a, b):
        if form == "function":
            return lib.where(c, a, b)
        if form == "method":
            return a.where(c, b)
        o = lib.zeros((2, 3), dtype=getattr(lib, out))
        lib.where(c, a, b, out=o)
        return o

    if not _readme_difference(a, b):
        _check(fz, f"where {form}{out if form == 'out=' else ''}", fn, cond, a, b)


def _lerp_case(fz):
    form = fz.pick(["function", "method", "in-place"])
    shape = (2, 3) if form == "in-place" else None
    a = _tensor(fz, fz.pick(DTYPES[5:]), shape=shape, zero_dim=False if shape else None)
    b = _tensor(fz, a.dtype if fz.chance(0.6) else fz.pick(DTYPES[5:]))
    w = _scalar(fz) if fz.chance(0.5) else _tensor(fz, fz.pick([a.dtype, *DTYPES[5:]]))

    def fn(lib, a, b, w):
        if form == "function":
            return lib.lerp(a, b, w)
        if form == "method":
            return a.lerp(b, w)
        y = a.clone()
        y.lerp_(b, w)
        return y

    if not _readme_difference(a, b, w):
        _check(fz, f"lerp {form}", fn, a, b, w)


def _addc_case(fz):
    name = fz.pick(["addcmul", "addcdiv"])
    form = fz.pick(["function", "method", "in-place"])
    shape = (2, 3) if form == "in-place" else None
    x = _tensor(fz, shape=shape, zero_dim=False if shape else None)
    t1, t2 = _tensor(fz), _tensor(fz)
    value = fz.pick([1, 2, -1, 0.5, -1.5, True, 300, 2 + 0j, 1j])

    def fn(lib, x, t1, t2):
        if form == "function":
            return getattr(lib, name)(x, t1, t2, value=value)
        if form == "method":
            return getattr(x, name)(t1, t2, value=value)
        y = x.clone()
        getattr(y, name + "_")(t1, t2, value=value)
        return y

    if not _readme_difference(x, t1, t2) and not _complex_with_inf(x, t1, t2):
        _check(fz, f"{name} value={value!r} {form}", fn, x, t1, t2)


def test_fuzz_ternary_promotion():
    fz = Fuzz(32)
    for _ in range(150):
        _clamp_case(fz)
        _where_case(fz)
        _lerp_case(fz)
        _addc_case(fz)
    fz.report(min_cases=500)


def test_promotion_tables_match_torch():
    """``promote_types`` and ``can_cast`` for every pair of dtypes, and ``result_type`` of
    every pair of operand kinds (tensor, 0-d tensor, number) drawn from them."""
    fz = Fuzz(33)
    for a in DTYPES:
        for b in DTYPES:
            _check(fz, f"promote_types {a} {b}", lambda L, a=a, b=b: L.promote_types(*_dt(L, a, b)))
            _check(fz, f"can_cast {a} {b}", lambda L, a=a, b=b: L.can_cast(*_dt(L, a, b)))
    for _ in range(600):
        a, b = _operand(fz, 0.3), _operand(fz, 0.3)
        if not _readme_difference(a, b):
            _check(fz, "result_type", lambda L, a, b: L.result_type(a, b), a, b)
    fz.report(min_cases=800)


def _dt(lib, *names):
    return tuple(getattr(lib, n) for n in names)


# ---- regressions the fuzz found ---------------------------------------------------------------
def _same(call):
    """``call(torch)`` and ``call(dg)`` agree (dtype, shape, values), or both raise."""
    fz = Fuzz(0)
    _check(fz, "call", lambda L: call(L))
    assert not fz.failures, fz.failures


I8 = [[5, -44, 100]]


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.tensor(I8, dtype=L.int8) / 300,
        lambda L: L.tensor([5, 44], dtype=L.uint8) / -1,
        lambda L: 300 / L.tensor(I8, dtype=L.int8),
        lambda L: L.tensor(I8, dtype=L.int8).div(300),
        lambda L: L.atan2(L.tensor(I8, dtype=L.int8), L.tensor(300)),
        lambda L: L.copysign(L.tensor([5, 44], dtype=L.uint8), -300),
        lambda L: L.tensor([True, False]) / True,
    ],
)
def test_float_ops_convert_a_python_int_without_wrapping_it(call):
    """Regression (fuzz): true division, atan2 and copysign of integer operands compute in
    the default float dtype, the Python int converted as it is: ``int8 / 300`` divides by 300
    (it divided by 300 wrapped into int8, 44)."""
    _same(call)


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.tensor([1, 2], dtype=L.int8).add(L.tensor([True, False]), alpha=2),
        lambda L: L.tensor([True, False]).add(L.tensor([True, True]), alpha=2),
        lambda L: L.tensor([True, False]).add(2, alpha=2),
        lambda L: L.tensor([1.5, 2.0]).add(L.tensor([-117, 100], dtype=L.int8), alpha=2),
        lambda L: L.tensor([1.5, 2.0], dtype=L.float16).add(L.tensor([3, 4]), alpha=0.5),
        lambda L: L.tensor([1, 2]).add(L.tensor([3, 4]), alpha=0.5),
        lambda L: L.tensor([1, 2]).add(L.tensor([3, 4]), alpha=1.0),
        lambda L: L.tensor([1, 2]).add(L.tensor([3, 4]), alpha=True),
        lambda L: L.tensor([1.0, 2.0]).add(L.tensor([3.0, 4.0]), alpha=1j),
        lambda L: L.tensor([1, 2]).sub(L.tensor([True, False]), alpha=-3),
        lambda L: L.sub(L.tensor([1, 2]), True, alpha=2),
        lambda L: L.subtract(L.tensor([1, 2], dtype=L.int8), L.tensor([100, 3]), alpha=2),
        lambda L: L.rsub(L.tensor([1, 2], dtype=L.uint8), 7, alpha=3),
        lambda L: L.tensor([1, 2], dtype=L.uint8).sub_(L.tensor([3, 4], dtype=L.uint8), alpha=-3),
        lambda L: L.tensor([1.0, 2.0]).sub_(L.tensor([3.3, 4.1], dtype=L.float16), alpha=-3),
        lambda L: L.tensor([1, 2], dtype=L.int16).add_(L.tensor(-117, dtype=L.int8), alpha=2),
        lambda L: L.tensor([1, 2]).add_(L.tensor([3, 4]), alpha=0.5),
        lambda L: L.add(L.tensor([1, 2]), 3, alpha=2, out=L.zeros(2, dtype=L.float64)),
    ],
)
def test_alpha_scales_in_the_common_dtype_and_is_checked_as_torch(call):
    """Regression (fuzz): ``add``/``sub`` with ``alpha`` promote ``input`` and ``other`` first
    (``alpha`` takes no part) and scale in that dtype: ``int8 + 2·bool`` stays int8 and
    ``float32 + 2·int8`` does not wrap; a float ``alpha`` with integer tensors, a bool one
    with a non-bool result, a complex one with real tensors raise, as a bool operand of
    ``sub`` does."""
    _same(call)


def test_alpha_keeps_gradients():
    a = dg.tensor(np.random.default_rng(0).standard_normal((2, 3)), requires_grad=True)
    b = dg.tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
    assert dg.gradcheck(lambda a, b: a.add(b, alpha=2.5), a, b)
    assert dg.gradcheck(lambda a, b: a.sub(b, alpha=-0.5), a, b)
    assert dg.gradcheck(lambda a, b: dg.subtract(a, b, alpha=3), a, b)
    assert dg.gradcheck(lambda a, b: dg.rsub(a, b, alpha=1.5), a, b)
    assert dg.gradcheck(lambda a, b: (a * 1).add_(b, alpha=2.5), a, b)


@pytest.mark.parametrize("mode", ["floor", "trunc"])
def test_div_in_place_takes_a_rounding_mode(mode):
    """Regression (fuzz): ``div_`` took no ``rounding_mode``."""
    _same(lambda L: L.tensor([-7, 7, 9]).div_(2, rounding_mode=mode))
    _same(lambda L: L.tensor([-7.5, 7.5]).div_(L.tensor([2.0, -2.0]), rounding_mode=mode))
    _same(lambda L: L.tensor([-7, 7]).div_(2.5, rounding_mode=mode))  # float into int: raises


@pytest.mark.parametrize("name", ["fmax", "fmin"])
def test_fmax_fmin_refuse_complex_as_torch(name):
    """Regression (fuzz): PyTorch's fmax/fmin do not order complex numbers."""
    _same(lambda L: getattr(L, name)(L.tensor([1 + 1j]), L.tensor([2.0])))
    _same(lambda L: getattr(L, name)(L.tensor([1.0]), L.tensor([2.0 + 0j])))


HALF = np.concatenate([np.random.default_rng(5).uniform(-4, 4, 300), [0, -0.0, np.inf, -np.inf]])


@pytest.mark.parametrize(
    "call",
    [
        lambda L, t: t * 0.1,
        lambda L, t: 0.1 * t,
        lambda L, t: t * 70000,
        lambda L, t: t / 0.1,
        lambda L, t: 0.1 / t,
        lambda L, t: t * L.tensor(0.1),
        lambda L, t: t / L.tensor(0.1, dtype=L.float64),
        lambda L, t: t.clone().mul_(0.1),
        lambda L, t: t.clone().div_(0.3),
        lambda L, t: L.mul(t, 0.1),
        lambda L, t: t**1.7,
        lambda L, t: t**0.5,
        lambda L, t: t**-0.5,
        lambda L, t: t**3,
        lambda L, t: t.float().div(0.1).rsqrt().mul(3.7).reciprocal().mul(0.3) / 1.3,
        lambda L, t: 0.3 / t.double(),
    ],
)
def test_float16_meeting_a_number_rounds_as_torch_bit_for_bit(call):
    """Regression (fuzz): PyTorch multiplies and divides a float16 tensor by a number (a
    Python one or a 0-d tensor, on the right) in float32 with the number unrounded, and takes
    a number exponent rounded to float16 in float32's C ``pow``, rounding the result once;
    deepgrad rounded the number to float16 first (1 ulp off in a third of the elements, and
    ``half(0.001) * 70000`` was inf). ``number / t`` is PyTorch's ``reciprocal(t) * number``
    in every dtype."""
    t, d = (L.tensor(HALF.astype(np.float16)) for L in (torch, dg))
    e, a = call(torch, t).numpy(), call(dg, d).numpy()
    assert a.dtype == e.dtype
    np.testing.assert_array_equal(a, e)
    np.testing.assert_array_equal(np.signbit(a)[~np.isnan(e)], np.signbit(e)[~np.isnan(e)])


def test_float16_pow_of_a_number_past_its_range_raises_as_torch():
    _same(lambda L: L.tensor([1.0, 2.0], dtype=L.float16) ** 1e5)
    _same(lambda L: L.tensor([1.0, 2.0], dtype=L.float16) ** float("inf"))


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.tensor([1.0, -2.0], dtype=L.float16) < 1e5,
        lambda L: 1e5 > L.tensor([1.0, -2.0], dtype=L.float16),
        lambda L: L.tensor([1.0], dtype=L.float16) == L.tensor([[70000, 1]]),
    ],
)
def test_float16_compared_with_a_value_past_its_range_is_silent(call):
    """Regression (fuzz): the value is inf in float16, silently as PyTorch's (deepgrad's cast
    warned, an error under the suite's warning filter)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _same(call)


def test_complex_logaddexp_is_torchs():
    """Regression (fuzz): PyTorch computes ``logaddexp`` of complex tensors (deepgrad raised
    NumPy's TypeError), its gradient ``g / conj(1 + e^(b-a))``; ``logaddexp2`` refuses them."""
    a = np.array([1 + 2j, -3 + 0.5j, complex(np.inf, 0), complex(-np.inf, 1), complex(np.nan, 0)])
    b = np.array([0.5 - 1j, 2 + 1j, complex(np.inf, 0), complex(-np.inf, 2), 1 + 1j])
    _same(lambda L: L.logaddexp(L.tensor(a), L.tensor(b)))
    _same(lambda L: L.logaddexp(L.tensor(a.astype(np.complex64)), L.tensor([1, 2, 3, 4, 5])))
    _same(lambda L: L.logaddexp2(L.tensor(a), L.tensor(b)))
    grads = []
    for L in (torch, dg):
        x, y = (L.tensor(v[:2], requires_grad=True) for v in (a, b))
        L.logaddexp(x, y).abs().sum().backward()
        grads.append((x.grad.numpy(), y.grad.numpy()))
    np.testing.assert_allclose(grads[1][0], grads[0][0], rtol=1e-12)
    np.testing.assert_allclose(grads[1][1], grads[0][1], rtol=1e-12)
    r = np.random.default_rng(2)
    x, y = (dg.tensor(r.standard_normal(4), requires_grad=True) for _ in range(2))
    assert dg.gradcheck(dg.logaddexp, x, y)


U8 = [[5, 200, 0]]


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.clamp(L.tensor(U8, dtype=L.uint8), -1),
        lambda L: L.clamp(L.tensor(U8, dtype=L.int8), 300),
        lambda L: L.tensor([1.0], dtype=L.float16).clamp(1e5),
        lambda L: L.tensor([1.0], dtype=L.float16).clamp_(max=1e5),
        lambda L: L.tensor(U8, dtype=L.uint8).clamp(float("nan")),
        lambda L: L.tensor([True, False]).clamp(0, 2),
        lambda L: L.tensor(U8, dtype=L.uint8).clamp_(L.tensor(-4, dtype=L.int32)),
        lambda L: L.tensor(U8, dtype=L.int16).clamp(L.tensor(2.5, dtype=L.float64), 3),
        lambda L: L.tensor(U8, dtype=L.int16).clamp(L.tensor(2.5, dtype=L.float64)),
        lambda L: L.tensor(U8, dtype=L.int16).clamp(L.tensor([2.5]), 3),
        lambda L: L.clamp(L.tensor([1.0, 2.0]), L.tensor([float("nan"), 0.0])),
        lambda L: L.clamp(L.tensor(U8, dtype=L.int8), L.tensor(300), None),
        lambda L: L.clip(L.tensor([1.0, 5.0]), L.tensor([2.0, 2.0]), L.tensor(4.0)),
        lambda L: L.tensor([1, 5]).clip(L.tensor([2.5, 2.0])),
        lambda L: L.clamp(L.tensor([True]), L.tensor(True), L.tensor([False])),
        lambda L: L.clamp(L.tensor([1.0]), L.tensor([0.0]), out=L.zeros(1, dtype=L.float64)),
        lambda L: L.clamp(L.tensor([1.0]), 0.0, out=L.zeros(1, dtype=L.float64)),
    ],
)
def test_clamp_promotes_and_converts_its_bounds_as_torch(call):
    """Regression (fuzz): number bounds are PyTorch's Scalars (checked conversion, uint8's -1
    is 255, a NaN bound gives a float NaN); tensor bounds promote with the input together
    (``result_type`` of the three, cast wrapping) and a NaN bound propagates; a 0-d tensor
    beside a number is a number, a tensor with dimensions beside one raises; ``clip`` takes
    tensor bounds; ``out=`` casts for tensor bounds only."""
    _same(call)


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.where(L.tensor([1, 0], dtype=L.int16), 1.0, 2.0),
        lambda L: L.where(L.tensor([1.0, 0.0]), L.tensor([1, 2]), 0),
        lambda L: L.where(L.tensor([True, False]), 70000, L.tensor([1, 2], dtype=L.int16)),
        lambda L: L.where(L.tensor([True, False]), -1, L.tensor([1, 2], dtype=L.uint8)),
        lambda L: L.where(L.tensor([True]), 1, L.tensor([2]), out=L.zeros(1, dtype=L.int64)),
    ],
)
def test_where_checks_its_condition_and_numbers_as_torch(call):
    """Regression (fuzz): a condition that is not bool (or uint8) raises; an int past the
    result dtype's range raises (uint8 takes -1 as 255); the out= form takes tensors only."""
    _same(call)


def test_where_takes_a_uint8_condition_with_torchs_warning():
    _same(lambda L: L.where(L.tensor([1, 0], dtype=L.uint8), 1, 2))
    with pytest.warns(UserWarning, match="uint8 condition"):
        dg.where(dg.tensor([1, 0], dtype=dg.uint8), 1, 2)


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.lerp(L.tensor([1.0]), L.tensor([2.0], dtype=L.float64), 0.5),
        lambda L: L.lerp(L.tensor([1.0]), L.tensor([2.0]), L.tensor([0.5], dtype=L.float64)),
        lambda L: L.lerp(L.tensor([1.0]), L.tensor([2.0]), L.tensor(0.5, dtype=L.float64)),
        lambda L: L.lerp(L.tensor([1, 3]), L.tensor([2, 5]), L.tensor(0.5, dtype=L.float64)),
        lambda L: L.lerp(L.tensor([1.0]), L.tensor([2.0]), L.tensor(1 + 2j)),
        lambda L: L.lerp(L.tensor([1.0]), L.tensor([2.0]), 1 + 2j),
        lambda L: L.lerp(L.tensor([1, 3]), L.tensor([2, 5]), 0.5),
        lambda L: L.tensor([1, 3]).lerp_(L.tensor([2, 5]), 0.5),
        lambda L: L.tensor([1.0, -2.0], dtype=L.float16).lerp(
            L.tensor([3.0, 1.5], dtype=L.float16), 70000
        ),
        lambda L: L.tensor([1.0, -2.0, 3.0]).lerp_(L.tensor(0.5), float("inf")),
        lambda L: L.tensor([1.0, -2.0]).lerp_(L.tensor([2.0, 7.0]), 0.75),
    ],
)
def test_lerp_dtypes_and_values_as_torch(call):
    """Regression (fuzz): ``end`` and a weight with dimensions must have the input's dtype (no
    promotion; deepgrad promoted), a 0-d weight promotes, a number weight converts to the
    input's dtype (float16: computed in float32); integers raise; ``lerp_`` is ``lerp``'s
    formula (it was ``x + w(e - x)``: NaN where PyTorch's gives ±inf)."""
    _same(call)


@pytest.mark.parametrize("name", ["addcmul", "addcdiv"])
@pytest.mark.parametrize(
    "args",
    [
        lambda L: (L.tensor([1, 2], dtype=L.int32), L.tensor([True]), L.tensor(3), -1.5),
        lambda L: (
            L.tensor([1, 2], dtype=L.uint8),
            L.tensor([1], dtype=L.uint8),
            L.tensor(2),
            -1.5,
        ),
        lambda L: (
            L.tensor(1.5),
            L.tensor(3, dtype=L.int16),
            L.tensor([200, 100], dtype=L.uint8),
            True,
        ),
        lambda L: (
            L.tensor([1.0], dtype=L.float16),
            L.tensor([70000], dtype=L.int32),
            L.tensor([0.0], dtype=L.float16),
            -1,
        ),
        lambda L: (L.tensor([True]), L.tensor([True]), L.tensor([True]), 1),
        lambda L: (L.tensor([1.0, 2.0]), L.tensor([3, 4]), L.tensor([2, 2]), 0.5),
        lambda L: (L.tensor([1.0, 2.0]), L.tensor([3.0, 4.0]), L.tensor([2, 5]), 0.5),
    ],
)
@pytest.mark.parametrize("form", ["function", "in-place"])
def test_addcmul_addcdiv_promote_the_three_tensors_as_torch(name, args, form):
    """Regression (fuzz): the three tensors meet in one dtype (``value`` takes no part: an int
    result stays int, ``value`` truncated; a value past the range raises); they are cast to
    it before computing (float16 ``inf · 0`` is NaN); bool raises; ``addcdiv_`` refuses two
    integer tensors as ``addcdiv`` does."""

    def call(L):
        x, t1, t2, value = args(L)
        if form == "function":
            return getattr(L, name)(x, t1, t2, value=value)
        return getattr(x.clone(), name + "_")(t1, t2, value=value)

    _same(call)


def test_ternary_gradients_after_promotion():
    r = np.random.default_rng(3)
    x, lo, hi, t1, t2 = (
        dg.tensor(r.standard_normal(s), requires_grad=True) for s in (4, 4, 1, 4, 4)
    )
    w = dg.tensor(r.uniform(0, 1, 4), requires_grad=True)
    assert dg.gradcheck(lambda x, lo, hi: dg.clamp(x, lo, hi + 1.0), x, lo, hi)
    assert dg.gradcheck(lambda x, t1, w: dg.lerp(x, t1, w), x, t1, w)
    assert dg.gradcheck(lambda x, t1, t2: dg.addcmul(x, t1, t2, value=-1.5), x, t1, t2)
    t3 = dg.tensor(r.uniform(1, 2, 4), requires_grad=True)
    assert dg.gradcheck(lambda x, t1, t3: dg.addcdiv(x, t1, t3, value=0.5), x, t1, t3)
    x16 = dg.tensor(r.standard_normal(4).astype(np.float16), requires_grad=True)
    dg.lerp(x16, x16 * 2, 0.25).sum().backward()
    assert x16.grad.dtype == np.float16 and np.allclose(x16.grad.numpy(), 1.25)


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.xlogy(L.tensor(-7, dtype=L.int16), L.tensor([[3], [5]], dtype=L.uint8)),
        lambda L: L.xlogy(L.tensor([1.0, 2.0]), L.tensor([1 + 1j, 2.0])),
        lambda L: L.float_power(L.tensor([1, 2], dtype=L.int16), L.tensor([1j, 2.0])),
        lambda L: L.float_power(L.tensor([1.5, 2.0]), 2 - 1j),
        lambda L: L.tensor([1.5, 2.0], dtype=L.float64).float_power_(L.tensor([1j, 2.0])),
        lambda L: L.heaviside(L.tensor([-1.0, 0.0, 2.0]), 0.5),
        lambda L: L.heaviside(L.tensor([1j, 0j]), L.tensor([1j])),
    ],
)
def test_xlogy_float_power_heaviside_dtypes_as_torch(call):
    """Regression (fuzz): ``xlogy`` of integers converts each operand to float as it is (a
    0-d int16 -7 was wrapped into uint8 first) and refuses complex; ``float_power`` is
    complex128 where an operand is complex; ``heaviside`` takes tensors only, not complex."""
    _same(call)


@pytest.mark.parametrize(
    "call",
    [
        lambda L, a, b: a.add(b, alpha=0.1),
        lambda L, a, b: a.sub(b, alpha=0.3),
        lambda L, a, b: a.add(0.7, alpha=0.1),
        lambda L, a, b: a.clone().add_(b, alpha=0.1),
        lambda L, a, b: L.lerp(a, b, 0.3),
        lambda L, a, b: L.lerp(a, b, L.tensor(0.3)),
        lambda L, a, b: L.addcmul(a, a, b, value=0.1),
        lambda L, a, b: L.addcdiv(a, a, b, value=0.1),
    ],
)
def test_float16_alpha_weight_value_round_as_torch(call):
    """Regression (fuzz): float16 ``add``/``sub`` with ``alpha`` (alpha rounded to float16,
    ``a + alpha·b`` fused in float32), ``lerp`` (a 0-d weight rounded to float16 first, a
    number not) and ``addcmul``/``addcdiv`` compute as PyTorch's vectorized kernels: 64
    elements, a whole number of vectors (PyTorch's leftover elements round each step)."""
    r = np.random.default_rng(1)
    x, y = (r.uniform(-4, 4, 64).astype(np.float16) for _ in range(2))
    e = call(torch, torch.tensor(x), torch.tensor(y)).numpy()
    a = call(dg, dg.tensor(x), dg.tensor(y)).numpy()
    assert a.dtype == e.dtype
    np.testing.assert_array_equal(a, e)


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.add(L.tensor([70000, 1]), 1, out=L.zeros(2, dtype=L.float16)),
        lambda L: L.tensor([1.0], dtype=L.float16).nextafter_(L.tensor([1e5])),
        lambda L: L.tensor([1.0, 2.0], dtype=L.float16).add_(L.tensor([1e5, 1.0])),
    ],
)
def test_a_result_past_float16s_range_is_written_as_inf_silently(call):
    """Regression (fuzz): writing into a float16 ``out=`` or in-place target warned (an error
    under the suite's filter); PyTorch writes inf silently."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _same(call)


def test_float64_gradients_of_the_operations_whose_promotion_changed():
    r = np.random.default_rng(4)
    x, y = (dg.tensor(r.uniform(0.5, 2.0, 5), requires_grad=True) for _ in range(2))
    assert dg.gradcheck(lambda x: 2.5 / x, x)
    assert dg.gradcheck(lambda x: 2.5 * x, x)
    assert dg.gradcheck(lambda x, y: dg.xlogy(x, y), x, y)
    assert dg.gradcheck(lambda x, y: dg.float_power(x, y), x, y)
    assert dg.gradcheck(lambda x, y: dg.copysign(x, y - 1.2), x, y)
    assert dg.gradcheck(lambda x, y: dg.atan2(x, y - 1.2), x, y)
    assert dg.gradcheck(lambda x: dg.clip(x, 0.8, 1.7), x)
    assert dg.gradcheck(lambda x: x.clamp(dg.tensor(0.8, dtype=dg.float64), 1.7), x)
    assert dg.gradcheck(lambda x, y: dg.where(x > 1, x, y), x, y)
    assert dg.gradcheck(lambda x: x * dg.tensor(3, dtype=dg.int64) / dg.tensor(2), x)
