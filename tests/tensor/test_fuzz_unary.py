"""Seeded differential fuzz against torch 2.13 of the unary elementwise operations' dtypes.

Every case runs one call on torch and on deepgrad and compares the result's dtype, shape and
values (integers and bools exactly, floats closely, NaN equal to NaN), or that both raise and
with the same family (``NotImplementedError`` where torch has no kernel for the dtype,
``RuntimeError``, ``TypeError``). The calls: ``torch.fn(x)``, ``x.fn()``, the in-place
``x.fn_()`` and ``torch.fn_(x)`` (a float result into an integer tensor raises) and ``out=``
where deepgrad takes it (``OUT``; elsewhere it raises ``TypeError``, README), for the
operations in ``OPS`` (``round`` with ``decimals=`` too); ``F.fn(x)`` with keywords, with
``inplace=True`` (deepgrad's returned tensor is compared: README) and ``F.fn_(x)`` for the
activations. Dtypes from bool to complex128 on 0-d, empty, 1-D and 2-D tensors, with NaN,
±inf and -0.0 among the floats and wide values now and then. The regressions the fuzz found
follow.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.nn.functional as dF

torch = pytest.importorskip("torch")
tF = torch.nn.functional

DTYPES = (
    "bool", "uint8", "int8", "int16", "int32", "int64",
    "float16", "float32", "float64", "complex64", "complex128",
)  # fmt: skip
SHAPES = ((), (0,), (5,), (2, 3), (0, 3))
RTOL = {"float16": 2e-3, "float32": 2e-5, "float64": 1e-12}
#: ``torch.fn(x)``, ``x.fn()``, ``x.fn_()`` and ``out=`` where each exists on torch
OPS = (
    "abs", "neg", "positive", "sign", "sgn", "signbit", "floor", "ceil", "round", "trunc",
    "frac", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt",
    "square", "reciprocal", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh",
    "tanh", "asinh", "acosh", "atanh", "sigmoid", "erf", "erfc", "erfinv", "lgamma",
    "digamma", "relu", "bitwise_not", "logical_not", "isnan", "isinf", "isfinite",
    "isposinf", "isneginf", "nan_to_num", "angle", "real", "imag",
    # the aliases, and neighbours the brief's list leaves out
    "absolute", "negative", "fix", "arcsin", "arccos", "arctan", "arcsinh", "arccosh",
    "arctanh", "i0", "sinc", "deg2rad", "rad2deg", "logit", "conj_physical", "isreal",
)  # fmt: skip
#: the operations deepgrad takes ``out=`` for (elsewhere it raises ``TypeError``: README)
OUT = ("abs", "exp", "log", "sqrt")
#: ``F.fn(x)`` and, where there is one, ``F.fn(x, inplace=True)`` (deepgrad's leaves ``x`` as
#: it was, README: the returned tensor is compared)
ACTIVATIONS = (
    "relu", "relu6", "gelu", "silu", "elu", "softplus", "hardtanh", "leaky_relu",
    "logsigmoid", "selu", "celu", "mish", "hardsigmoid", "hardswish", "softsign",
    "tanhshrink", "softshrink", "hardshrink", "tanh", "sigmoid",
)  # fmt: skip
INPLACE_ACT = (
    "relu", "relu6", "silu", "elu", "hardtanh", "leaky_relu", "selu", "celu", "mish",
    "hardsigmoid", "hardswish",
)  # fmt: skip


def _array(rng, shape, dtype):
    """Values of ``dtype``: small integers with the dtype's edges now and then; floats with
    NaN, ±inf and -0.0 sprinkled in (in [-1, 1] half the time, where asin/atanh are real)."""
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return np.asarray(rng.random(shape) < 0.5)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        lim = int(info.max) if rng.random() < 0.1 else 9
        lo = 0 if dt.kind == "u" else max(-lim, int(info.min))
        return np.asarray(rng.integers(lo, lim, size=shape, endpoint=True).astype(dt))
    part = np.finfo(dt).dtype
    wide = 1.0 if rng.random() < 0.5 else (4.0 if rng.random() < 0.8 else 100.0)
    re = rng.integers(-3, 4, size=shape) if rng.random() < 0.3 else rng.uniform(-wide, wide, shape)
    a = np.asarray(re, dtype=part)
    if a.size and rng.random() < 0.4:
        mask = rng.random(shape) < 0.3
        a[mask] = rng.choice(np.array([np.nan, np.inf, -np.inf, -0.0]), size=int(mask.sum()))
    if dt.kind == "c":
        a = a + 1j * np.asarray(rng.uniform(-1, 1, size=shape), dtype=part)
    return np.asarray(a, dtype=dt)


def _family(e):
    """The exception family that must match: torch's NotImplementedError (no kernel for the
    dtype) is a RuntimeError too, so deepgrad must raise one that is both."""
    for cls in (NotImplementedError, RuntimeError, TypeError):
        if isinstance(e, cls):
            return cls
    return type(e)


def _name(dtype):
    return str(dtype).removeprefix("torch.")


def _differs(d, t, tol=0.0):
    """Why deepgrad's ``d`` differs from torch's ``t`` (None when they agree); floats within
    their dtype's tolerance or ``tol`` where larger (an ``out=`` wider than the input keeps the
    input's precision: torch computes float32 ``exp`` with another libm than NumPy)."""
    if not isinstance(d, dg.Tensor):
        return f"a {type(d).__name__} where torch gives a tensor"
    if _name(d.dtype) != _name(t.dtype):
        return f"dtype {_name(d.dtype)} vs torch {_name(t.dtype)}"
    if tuple(d.shape) != tuple(t.shape):
        return f"shape {tuple(d.shape)} vs torch {tuple(t.shape)}"
    a, e = d.detach().numpy(), t.detach().resolve_conj().numpy()
    if a.dtype.kind not in "fc":
        return None if np.array_equal(a, e) else f"values {a.tolist()} vs torch {e.tolist()}"
    rtol = max(RTOL[np.finfo(a.dtype).dtype.name], tol) * 4
    with np.errstate(all="ignore"):
        ok = np.isclose(a, e, rtol=rtol, atol=rtol, equal_nan=True)
        ok |= np.isinf(a) & np.isinf(e) & (np.sign(a) == np.sign(e))
    return None if ok.all() else f"values {a.tolist()} vs torch {e.tolist()}"


def _run(lib, fn, arr):
    x = lib.tensor(arr.copy(), dtype=getattr(lib, arr.dtype.name))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(lib, x)


def _check(failures, what, fn, arr):
    try:
        t, terr = _run(torch, fn, arr), None
    except Exception as e:  # noqa: BLE001 - any torch error is an error case
        terr = e
    what = f"{what} {arr.dtype.name}{list(arr.shape)}"
    try:
        d, derr = _run(dg, fn, arr), None
    except Exception as e:  # noqa: BLE001
        derr = e
    if terr is not None:
        if derr is None:
            failures.append(f"{what}: torch raises {type(terr).__name__} ({str(terr)[:80]!r})")
        elif not isinstance(derr, _family(terr)):
            failures.append(
                f"{what}: deepgrad raises {type(derr).__name__}, torch {type(terr).__name__}"
            )
        return
    if derr is not None:
        failures.append(f"{what}: deepgrad raises {type(derr).__name__}: {str(derr)[:120]}")
        return
    bad = _differs(d, t, RTOL.get(arr.dtype.name, RTOL["float32"]))  # ints compute in float32
    if bad:
        failures.append(f"{what}: {bad}")


def _forms(name, rng, arr):
    """The call forms of ``name`` torch has, as ``(label, fn(lib, x))``."""
    kw = {}
    if name == "round" and rng.random() < 0.4:
        kw = {"decimals": int(rng.integers(-1, 3))}
    if name == "nan_to_num" and rng.random() < 0.5:
        kw = {"nan": 1.5, "posinf": 7.0}
    forms = [(f"torch.{name}(x, **{kw})", lambda lib, x: getattr(lib, name)(x, **kw))]
    if hasattr(torch.Tensor, name):
        forms.append((f"x.{name}(**{kw})", lambda lib, x: getattr(x, name)(**kw)))
    if hasattr(torch.Tensor, name + "_"):
        forms.append(
            (f"x.{name}_(**{kw})", lambda lib, x: _inplace(getattr(x, name + "_")(**kw), x))
        )
    if hasattr(torch, name + "_"):  # the top-level in-place form: torch.relu_(x)
        forms.append(
            (f"torch.{name}_(x, **{kw})", lambda lib, x: getattr(lib, name + "_")(x, **kw))
        )
    if name in OUT:
        out_dt = rng.choice(["same", "bool", "int64", "float32", "float64"])

        def with_out(lib, x, out_dt=out_dt):
            dt = x.dtype if out_dt == "same" else getattr(lib, out_dt)
            out = lib.empty(0, dtype=dt)
            r = getattr(lib, name)(x, out=out, **kw)
            assert r is out
            return out

        forms.append((f"torch.{name}(x, out={out_dt}, **{kw})", with_out))
        if arr.dtype.kind == "c":  # abs takes any float out, or the input's own complex one
            forms.append(
                (f"torch.{name}(x, out=float16)", lambda lib, x: with_out(lib, x, "float16"))
            )
    return forms


def _inplace(r, x):
    assert r is x
    return x


#: keyword arguments the activations are drawn with now and then
ACTIVATION_KWARGS = {
    "gelu": ({"approximate": "tanh"},),
    "elu": ({"alpha": 0.5}, {"alpha": 2.0}),
    "softplus": ({"beta": 2.0}, {"beta": 0.5, "threshold": 1.0}),
    "hardtanh": ({"min_val": 0.0, "max_val": 2.0}, {"min_val": -2.5, "max_val": 0.5}),
    "leaky_relu": ({"negative_slope": 0.2},),
}


def _activation_forms(name, rng=None):
    kw = {}
    if rng is not None and name in ACTIVATION_KWARGS and rng.random() < 0.5:
        options = ACTIVATION_KWARGS[name]
        kw = options[int(rng.integers(len(options)))]

    def call(lib, x, **more):
        return getattr(dF if lib is dg else tF, name)(x, **kw, **more)

    forms = [(f"F.{name}(x, **{kw})", call)]
    if name in INPLACE_ACT:
        forms.append(
            (f"F.{name}(x, inplace=True, **{kw})", lambda lib, x: call(lib, x, inplace=True))
        )
    if hasattr(tF, name + "_"):
        forms.append(
            (
                f"F.{name}_(x, **{kw})",
                lambda lib, x: getattr(dF if lib is dg else tF, name + "_")(x, **kw),
            )
        )
    return forms


def fuzz(seed, cases=80):
    """The failures of ``cases`` drawn calls (one dtype, shape and operation each)."""
    rng = np.random.default_rng(seed)
    failures = []
    for _ in range(cases):
        dtype = DTYPES[int(rng.integers(len(DTYPES)))]
        shape = SHAPES[int(rng.integers(len(SHAPES)))]
        arr = _array(rng, shape, dtype)
        if rng.random() < 0.8:
            name = OPS[int(rng.integers(len(OPS)))]
            forms = _forms(name, rng, arr)
        else:
            forms = _activation_forms(ACTIVATIONS[int(rng.integers(len(ACTIVATIONS)))], rng)
        for label, fn in forms:
            _check(failures, label, fn, arr)
    return failures


@pytest.mark.parametrize("seed", range(8))
def test_unary_matches_torch(seed):
    failures = fuzz(seed)
    assert not failures, "\n".join(failures[:20])


# ---- the regressions the fuzz found ------------------------------------------------------------
#: calls torch refuses for a dtype (no kernel, or a refusal of its own) that deepgrad computed
REFUSED = (
    ("abs", "bool"), ("floor", "bool"), ("ceil", "bool"), ("round", "bool"),
    ("round", "complex64"), ("sign", "complex64"), ("signbit", "complex64"),
    ("erf", "complex64"), ("erfc", "complex64"), ("digamma", "complex64"),
    ("relu", "bool"), ("relu", "complex64"), ("F.relu6", "bool"), ("F.hardtanh", "bool"),
    ("F.hardtanh", "uint8"), ("F.hardtanh", "complex64"), ("F.gelu", "int64"),
    ("F.gelu", "bool"), ("F.elu", "int32"), ("F.softplus", "uint8"), ("F.silu", "int16"),
    ("F.leaky_relu", "int8"), ("F.logsigmoid", "int64"), ("F.elu", "complex64"),
    ("F.celu", "int32"), ("F.mish", "int64"), ("F.hardsigmoid", "uint8"),
    ("F.hardswish", "int16"), ("F.softshrink", "bool"), ("F.hardshrink", "int64"),
    ("i0", "complex64"), ("logit", "complex64"), ("deg2rad", "complex64"),
    ("rad2deg", "complex64"),
)  # fmt: skip


@pytest.mark.parametrize(("name", "dtype"), REFUSED)
def test_refused_dtypes_raise_as_torch(name, dtype):
    arr = np.ones(3, dtype=dtype)
    if name.startswith("F."):
        forms = _activation_forms(name[2:])
    else:
        forms = [f for f in _forms(name, np.random.default_rng(0), arr) if "out=" not in f[0]]
    for _label, fn in forms:
        with pytest.raises(RuntimeError):  # NotImplementedError is one, as in torch
            _run(torch, fn, arr)
        with pytest.raises(RuntimeError) as caught:
            _run(dg, fn, arr)
        assert isinstance(caught.value, TypeError)  # deepgrad's earlier class still catches


def test_kernel_refusal_names_the_dtype_and_the_way_out():
    with pytest.raises(NotImplementedError, match=r"\"abs_cpu\" not implemented for 'Bool'.*float"):
        dg.abs(dg.tensor([True]))
    with pytest.raises(RuntimeError, match="unsigned type with negative limits"):
        dF.hardtanh(dg.tensor([1], dtype=dg.uint8))
    assert dF.hardtanh(dg.tensor([3], dtype=dg.uint8), 0.0, 2.0).tolist() == [2]


def test_round_with_decimals_refuses_integers_as_torch():
    x = dg.tensor([1, 2])
    assert x.round().tolist() == [1, 2] and dg.round(x).dtype == dg.int64
    for call in (lambda: dg.round(x, decimals=0), lambda: x.round(decimals=1)):
        with pytest.raises(NotImplementedError):
            call()
    with pytest.raises(NotImplementedError):
        torch.round(torch.tensor([1, 2]), decimals=0)


def test_square_of_bool_is_int64_and_its_in_place_form_raises():
    x = dg.tensor([True, False])
    assert dg.square(x).dtype == dg.int64 and x.square().tolist() == [1, 0]
    with pytest.raises(RuntimeError, match="can't be cast"):
        x.square_()


def test_in_place_abs_of_complex_raises_as_torch():
    for name in ("abs_", "absolute_"):
        with pytest.raises(RuntimeError, match="In-place abs"):
            getattr(dg.tensor([1 + 1j]), name)()
    x = dg.tensor([-2.0, 3.0])
    assert x.abs_() is x and x.tolist() == [2.0, 3.0]


def test_complex_silu_is_x_sigmoid_x_and_differentiates_as_the_composition():
    a = np.array([0.3 + 0.7j, -1.2 + 0.4j, 2 - 1j, -3 + 2j], np.complex128)
    want = tF.silu(torch.tensor(a)).numpy()
    x = dg.tensor(a, requires_grad=True)
    y = dF.silu(x)
    np.testing.assert_allclose(y.detach().numpy(), want, rtol=1e-12)
    g = dg.tensor(np.array([1 + 0.5j, 0.3 - 1j, 2j, 1.0]))
    y.backward(g)
    x2 = dg.tensor(a, requires_grad=True)
    (x2 * dg.sigmoid(x2)).backward(g)
    np.testing.assert_allclose(x.grad.numpy(), x2.grad.numpy(), rtol=1e-12)
    xr = dg.tensor(np.array([0.3, -1.2, 2.0]), requires_grad=True)
    assert dg.gradcheck(dF.silu, xr)


@pytest.mark.parametrize("name", ["exp", "abs", "trunc", "isnan", "lgamma", "relu", "sigmoid"])
def test_a_python_number_is_refused_as_torch(name):
    for lib in (torch, dg):
        with pytest.raises(TypeError, match="must be Tensor"):
            getattr(lib, name)(2.0)
    assert dg.special.gammaln is dg.lgamma and dg.special.expit is dg.sigmoid
    assert getattr(dg, name)(input=dg.tensor([0.5])).shape == (1,)


def test_abs_of_complex_writes_into_a_float_or_its_own_complex_out_as_torch():
    x = dg.tensor([3 + 4j, -1j])
    for dt in (dg.float16, dg.float64, dg.complex64):
        out = dg.empty(0, dtype=dt)
        assert dg.abs(x, out=out) is out and out.dtype == dt and out.tolist() == [5, 1]
    for dt in (dg.complex128, dg.int64):
        with pytest.raises(RuntimeError):
            dg.abs(x, out=dg.empty(0, dtype=dt))
    with pytest.raises(RuntimeError):  # a real input keeps the exact rule
        dg.abs(dg.tensor([1.0]), out=dg.empty(0, dtype=dg.float64))
