"""Seeded differential fuzz of the reductions and scans against torch 2.13: sum/prod/mean/
nansum/nanmean, amax/amin/max/min/argmax/argmin/aminmax, median/nanmedian/quantile/
nanquantile/mode, var/std/var_mean/std_mean, logsumexp, norm/vector_norm/matrix_norm,
cumsum/cumprod/cummax/cummin/logcumsumexp, count_nonzero/all/any, diff, trapezoid/
cumulative_trapezoid, cross, renorm, dist, allclose/isclose; inputs with ties, NaN, ±inf,
-0.0, int/bool/float dtypes, 0-d, size-0 and size-1 axes, non-contiguous; method and function
forms and ``out=``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from ._fuzz_values import ALL, FLOATS, dim_arg, shape, values

torch = pytest.importorskip("torch")


def _dt(lib, d):
    if d is None:
        return None
    name = {np.bool_: "bool"}.get(d, np.dtype(d).name)
    return getattr(lib, name)


def _call(lib, t, name, method, *args, **kw):
    """``t.name(...)`` or ``lib.name(t, ...)``."""
    if method:
        return getattr(t, name)(*args, **kw)
    return getattr(lib, name)(t, *args, **kw)


def _x(fz, dtypes=ALL, max_ndim=3):
    d = fz.pick(dtypes)
    a = values(fz, shape(fz, max_ndim), d)
    return fz.maybe_nc(a), a


def _quiet(fn):
    def run(*a, **k):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*a, **k)

    return run


def test_fuzz_sum_prod_mean(fuzz):
    fz = fuzz(101)
    for _ in range(300):
        name = fz.pick(["sum", "prod", "mean", "nansum", "nanmean"])
        x, a = _x(fz)
        method = fz.chance(0.5)
        kw = {}
        if name == "prod":
            dim = dim_arg(fz, a.ndim, allow_tuple=False)
        else:
            dim = dim_arg(fz, a.ndim)
        args = () if dim is None else (dim,)
        if dim is not None and fz.chance(0.5):
            kw["keepdim"] = fz.chance(0.5)
        if fz.chance(0.3):
            kw["dtype"] = fz.pick([np.float32, np.float64, np.int64, np.int32, np.bool_])
        what = f"{name}{' method' if method else ''} x{a.shape} {a.dtype} dim={dim} {kw}"
        # prod's gradient where another element is NaN/inf: a README row (PyTorch divides
        # the product by x, NaN everywhere; deepgrad multiplies the others)
        grad = name != "prod" or bool(np.isfinite(a).all()) if a.dtype.kind == "f" else True

        def fn(lib, t, name=name, method=method, args=args, kw=kw):
            k = dict(kw)
            if "dtype" in k:
                k["dtype"] = _dt(lib, k["dtype"])
            return _call(lib, t, name, method, *args, **k)

        # a float32 dtype= on float64 input: PyTorch's gradient passes through float32
        fz.check(what, fn, [x], grad=grad, grad_tol=1e-6 if "dtype" in kw else None)
    fz.report()


def test_fuzz_sum_out(fuzz):
    fz = fuzz(102)
    for _ in range(80):
        name = fz.pick(["sum", "mean"])  # the reductions deepgrad takes out= on
        _, a = _x(fz)
        dim = dim_arg(fz, a.ndim, allow_tuple=name not in ("prod",), allow_none=False)
        od = fz.pick([np.float32, np.float64, np.int64, a.dtype.type])
        oshape = fz.pick([(0,), (1,), ()])
        what = f"{name} out x{a.shape} {a.dtype} dim={dim} out {od} {oshape}"

        def fn(lib, t, name=name, dim=dim, od=od, oshape=oshape):
            out = lib.zeros(oshape, dtype=_dt(lib, od))
            r = getattr(lib, name)(t, dim, out=out)
            assert r is out
            return r

        fz.check(what, _quiet(fn), [fz.const(a)])
    fz.report()


def test_fuzz_max_min(fuzz):
    fz = fuzz(103)
    for _ in range(300):
        name = fz.pick(["amax", "amin", "max", "min", "argmax", "argmin", "aminmax"])
        x, a = _x(fz)
        method = fz.chance(0.5) and name != "aminmax"
        kw = {}
        if name in ("amax", "amin"):
            dim = fz.pick([dim_arg(fz, a.ndim), ()])
            args = () if dim is None else (dim,)
        else:
            dim = dim_arg(fz, a.ndim, allow_tuple=False)
            args = () if dim is None or name == "aminmax" else (dim,)
            if name == "aminmax" and dim is not None:
                kw["dim"] = dim
        if (dim is not None or name in ("argmax", "argmin")) and fz.chance(0.5):
            kw["keepdim"] = fz.chance(0.5)
        what = f"{name}{' method' if method else ''} x{a.shape} {a.dtype} dim={dim} {kw}"
        # ties: torch's max/min along a dim and argmax take the first index; the gradient of
        # amax/amin splits evenly among the tied maxima
        fz.check(
            what, lambda lib, t, n=name, m=method, ar=args, k=kw: _call(lib, t, n, m, *ar, **k), [x]
        )
    fz.report()


def test_fuzz_median_quantile_mode(fuzz):
    fz = fuzz(104)
    for _ in range(300):
        name = fz.pick(["median", "nanmedian", "quantile", "nanquantile", "mode"])
        dtypes = FLOATS if name in ("quantile", "nanquantile") else ALL[:6]
        x, a = _x(fz, dtypes)
        if name == "mode" and a.dtype.kind == "f" and np.isnan(a).any():
            a = np.where(np.isnan(a), a.dtype.type(0.5), a)  # a README row: PyTorch's mode
            x = fz.maybe_nc(a)  # sorts NaN with an invalid comparator (erratic)
        method = fz.chance(0.5)
        kw = {}
        args = ()
        if name in ("median", "nanmedian"):
            dim = dim_arg(fz, a.ndim, allow_tuple=False)
            if dim is not None:
                args = (dim,)
                if fz.chance(0.5):
                    kw["keepdim"] = fz.chance(0.5)
        elif name == "mode":
            dim = dim_arg(fz, a.ndim, allow_tuple=False, allow_none=False)
            args = (dim,)
            if fz.chance(0.5):
                kw["keepdim"] = fz.chance(0.5)
        else:
            dim = dim_arg(fz, a.ndim, allow_tuple=False)
            qk = fz.pick(["float", "0d", "1d", "bad"])
            q = {
                "float": fz.pick([0.0, 0.25, 0.5, 0.7, 1.0]),
                "0d": np.array(fz.pick([0.0, 0.3, 1.0]), a.dtype),
                "1d": np.array(sorted(fz.rng.uniform(0, 1, fz.int(0, 3))), a.dtype),
                "bad": fz.pick([1.5, -0.1]),
            }[qk]
            args = (q, dim)
            if fz.chance(0.5):
                kw["keepdim"] = fz.chance(0.5)
            if fz.chance(0.6):
                kw["interpolation"] = fz.pick(
                    ["linear", "lower", "higher", "midpoint", "nearest", "bad"]
                )
        what = f"{name}{' method' if method else ''} x{a.shape} {a.dtype} args={args} {kw}"

        def fn(lib, t, n=name, m=method, ar=args, k=kw):
            ar = tuple(lib.tensor(v) if isinstance(v, np.ndarray) else v for v in ar)
            return _call(lib, t, n, m, *ar, **k)

        # ties: quantile's gradient goes to the sorted position each framework's sort picked
        ties = name in ("quantile", "nanquantile") and a.size != np.unique(a).size
        fz.check(what, fn, [x], grad=not ties)
    fz.report()


def test_fuzz_var_std(fuzz):
    fz = fuzz(105)
    for _ in range(250):
        name = fz.pick(["var", "std", "var_mean", "std_mean"])
        x, a = _x(fz, FLOATS + (np.int64,))
        if name in ("var_mean", "std_mean") and a.dtype.kind == "f" and np.isinf(a).any():
            a = np.where(np.isinf(a), a.dtype.type(7), a)  # a README row: PyTorch's var_mean
            x = fz.maybe_nc(a)  # gives a NaN mean where an element is ±inf
        method = fz.chance(0.5) and name in ("var", "std")
        dim = dim_arg(fz, a.ndim)
        kw = {}
        args = ()
        form = fz.pick(["corr", "unbiased", "positional", "none"])
        if form == "corr":
            kw["correction"] = fz.pick([0, 1, 2, 5, 0.5])
            if dim is not None:
                kw["dim"] = dim
        elif form == "unbiased":
            kw["unbiased"] = fz.chance(0.5)
            if dim is not None:
                kw["dim"] = dim
        elif form == "positional":
            args = (dim,) if dim is not None else ()
        if dim is not None and fz.chance(0.5):
            kw["keepdim"] = fz.chance(0.5)
        what = f"{name}{' method' if method else ''} x{a.shape} {a.dtype} args={args} {kw}"
        # dim=(): a README row: PyTorch 2.13 reduces over every dim forward, but its
        # backward reduces over none (n = 1: ±inf / NaN gradients)
        grad = dim != ()
        fz.check(
            what,
            _quiet(lambda lib, t, n=name, m=method, ar=args, k=kw: _call(lib, t, n, m, *ar, **k)),
            [x],
            grad=grad,
        )
    fz.report()


def test_fuzz_logsumexp_norms(fuzz):
    fz = fuzz(106)
    for _ in range(300):
        name = fz.pick(["logsumexp", "norm", "vector_norm", "matrix_norm", "dist", "renorm"])
        x, a = _x(fz, FLOATS + FLOATS + (np.int64,))
        method = fz.chance(0.5) and name in ("logsumexp", "norm", "dist", "renorm")
        kw = {}
        args = ()
        extra = []
        if name == "logsumexp":
            dim = dim_arg(fz, a.ndim, allow_none=False)
            args = (dim,)
            if fz.chance(0.5):
                kw["keepdim"] = fz.chance(0.5)
        elif name == "vector_norm":
            kw["ord"] = fz.pick([2, 1, 0, 3, 0.5, float("inf"), float("-inf"), -1])
            dim = dim_arg(fz, a.ndim)
            if dim is not None:
                kw["dim"] = dim
            if fz.chance(0.3):
                kw["keepdim"] = True
        elif name == "matrix_norm":
            if a.dtype.kind == "f" and not np.isfinite(a).all():  # an SVD of inf/NaN: noise
                a = np.where(np.isfinite(a), a, a.dtype.type(1.5))
                x = fz.maybe_nc(a)
            kw["ord"] = fz.pick(["fro", "nuc", 1, -1, float("inf"), float("-inf"), 2, -2])
            if fz.chance(0.3) and a.ndim >= 2:
                kw["dim"] = fz.pick([(0, 1), (-1, -2), (0, -1)])
            if fz.chance(0.3):
                kw["keepdim"] = True
        elif name == "norm":
            p = fz.pick(["fro", 2, 1, 0, float("inf"), float("-inf"), 3, "nuc", -1])
            kw["p"] = p
            if p == "nuc" and a.dtype.kind == "f" and not np.isfinite(a).all():
                a = np.where(np.isfinite(a), a, a.dtype.type(1.5))  # an SVD of inf/NaN: noise
                x = fz.maybe_nc(a)
            if fz.chance(0.6):
                kw["dim"] = dim_arg(fz, a.ndim, allow_none=False)
            if fz.chance(0.3):
                kw["keepdim"] = True
        elif name == "dist":
            b = values(fz, fz.pick([a.shape, a.shape[1:], ()]), a.dtype)
            extra = [b]
            args = () if fz.chance(0.3) else (fz.pick([2, 1, 0, float("inf"), float("-inf"), 3.5]),)
        else:  # renorm
            args = (
                fz.pick([1, 2, 3.0, float("inf")]),
                dim_arg(fz, a.ndim, allow_tuple=False, allow_none=False),
                fz.pick([0.5, 1.0, 5.0]),
            )
        what = f"{name}{' method' if method else ''} x{a.shape} {a.dtype} args={args} {kw}"

        def fn(lib, t, *more, n=name, m=method, ar=args, k=kw):
            if n in ("vector_norm", "matrix_norm"):
                return getattr(lib.linalg, n)(t, **k)
            return _call(lib, t, n, m, *more, *ar, **k)

        # the gradient of a norm at 0 / at a tie of |x| (inf-norm) is a subgradient choice
        fz.check(what, _quiet(fn), [x, *extra], grad_tol=1e-4 if a.dtype == np.float32 else 1e-8)
    fz.report()


def test_fuzz_scans(fuzz):
    fz = fuzz(107)
    for _ in range(300):
        name = fz.pick(["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"])
        x, a = _x(fz, ALL if name != "logcumsumexp" else FLOATS)
        method = fz.chance(0.5)
        dim = dim_arg(fz, a.ndim, allow_tuple=False, allow_none=False)
        kw = {}
        if name in ("cumsum", "cumprod") and fz.chance(0.3):
            kw["dtype"] = fz.pick([np.float32, np.float64, np.int64])
        if name == "cumprod" and a.dtype.kind == "f" and fz.chance(0.5) and a.size:
            a = a.copy()
            a.flat[fz.int(0, a.size - 1)] = 0.0  # zeros in cumprod's gradient
            if fz.chance(0.5):
                a.flat[fz.int(0, a.size - 1)] = 0.0
            a[~np.isfinite(a)] = 1.5
            x = fz.maybe_nc(a)
        what = f"{name}{' method' if method else ''} x{a.shape} {a.dtype} dim={dim} {kw}"

        def fn(lib, t, n=name, m=method, d=dim, k=kw):
            k = dict(k)
            if "dtype" in k:
                k["dtype"] = _dt(lib, k["dtype"])
            return _call(lib, t, n, m, d, **k)

        # cumprod's gradient beside NaN/inf: a README row (as prod's)
        grad = name != "cumprod" or a.dtype.kind != "f" or bool(np.isfinite(a).all())
        # a float32 dtype= on float64 input: PyTorch's gradient passes through float32
        fz.check(what, fn, [x], grad=grad, grad_tol=1e-6 if "dtype" in kw else None)
    fz.report()


def test_fuzz_logical_reductions(fuzz):
    fz = fuzz(108)
    for _ in range(250):
        name = fz.pick(["count_nonzero", "all", "any"])
        x, a = _x(fz)
        method = fz.chance(0.5)
        dim = dim_arg(fz, a.ndim)
        kw = {}
        if dim is not None:
            kw["dim"] = dim
            if name != "count_nonzero" and fz.chance(0.5):
                kw["keepdim"] = fz.chance(0.5)
        what = f"{name}{' method' if method else ''} x{a.shape} {a.dtype} {kw}"
        fz.check(what, lambda lib, t, n=name, m=method, k=kw: _call(lib, t, n, m, **k), [x])
    fz.report()


def test_fuzz_diff_trapezoid_cross(fuzz):
    fz = fuzz(109)
    for _ in range(300):
        name = fz.pick(["diff", "trapezoid", "cumulative_trapezoid", "cross", "linalg_cross"])
        x, a = _x(fz, FLOATS + FLOATS + (np.int64, np.bool_))
        method = fz.chance(0.5) and name in ("diff", "cross")
        kw = {}
        extra = []
        if name == "diff":
            kw["n"] = fz.pick([1, 1, 2, 3, 0, -1])
            kw["dim"] = dim_arg(fz, a.ndim, allow_tuple=False, allow_none=False)
            for side in ("prepend", "append"):
                if fz.chance(0.3):
                    s = list(a.shape) or [1]
                    s[kw["dim"] % max(a.ndim, 1)] = fz.int(0, 2)
                    extra.append(values(fz, s if a.ndim else (), a.dtype))
                    kw[side] = len(extra)
        elif name in ("trapezoid", "cumulative_trapezoid"):
            kw["dim"] = dim_arg(fz, a.ndim, allow_tuple=False, allow_none=False)
            if fz.chance(0.4):
                n = a.shape[kw["dim"] % a.ndim] if a.ndim else 1
                extra.append(values(fz, fz.pick([(n,), a.shape]), fz.pick(FLOATS), special=0))
                kw["x"] = 1
            elif fz.chance(0.5):
                kw["dx"] = fz.pick([0.5, 2, -1.0])
        else:
            s = list(a.shape)
            if s and fz.chance(0.8):
                s[fz.int(0, len(s) - 1)] = 3
            a = values(fz, s, a.dtype)
            x = fz.maybe_nc(a)
            extra.append(values(fz, fz.pick([s, s[1:], s]), fz.pick([a.dtype, np.float64])))
            if fz.chance(0.6):
                kw["dim"] = dim_arg(fz, a.ndim, allow_tuple=False, allow_none=False)
        what = f"{name}{' method' if method else ''} x{a.shape} {a.dtype} {[e.shape for e in extra]} {kw}"

        def fn(lib, t, *more, n=name, m=method, k=kw):
            k = dict(k)
            for key in ("prepend", "append", "x"):
                if key in k:
                    k[key] = more[k[key] - 1]
            if n in ("cross", "linalg_cross"):
                f = lib.linalg.cross if n == "linalg_cross" else None
                if f is not None:
                    return f(t, more[0], **k)
                return _call(lib, t, "cross", m, more[0], **k)
            r = _call(lib, t, n, m, **k)
            if n == "trapezoid" and t.shape[k["dim"]] == 0:
                return r.double()  # a README row: PyTorch's is y's dtype there (even bool)
            return r

        fz.check(what, _quiet(fn), [x, *extra])
    fz.report()


def test_fuzz_isclose(fuzz):
    fz = fuzz(110)
    for _ in range(200):
        name = fz.pick(["isclose", "allclose"])
        x, a = _x(fz)
        b = values(
            fz, fz.pick([a.shape, a.shape[1:], ()]), fz.pick([a.dtype, np.float64, np.int64])
        )
        if fz.chance(0.5) and a.shape == b.shape and a.dtype == b.dtype:
            b = (
                np.asarray(a + values(fz, a.shape, a.dtype, special=0) * 1e-6)
                if a.dtype.kind == "f"
                else a.copy()
            )
        kw = {}
        if fz.chance(0.5):
            kw["equal_nan"] = fz.chance(0.5)
        if fz.chance(0.4):
            kw["rtol"] = fz.pick([0, 1, 1e-3, -1.0])
        if fz.chance(0.4):
            kw["atol"] = fz.pick([0, 1, 1e-3, -1.0])
        method = fz.chance(0.5)
        what = f"{name}{' method' if method else ''} x{a.shape} {a.dtype} b{b.shape} {b.dtype} {kw}"

        def fn(lib, t, u, n=name, m=method, k=kw):
            r = _call(lib, t, n, m, u, **k)
            return lib.tensor(r) if isinstance(r, bool) else r

        fz.check(what, fn, [x, fz.const(b)], grad=False)
    fz.report()
