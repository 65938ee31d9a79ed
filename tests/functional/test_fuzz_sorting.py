"""Seeded differential fuzz of sorting, selection and set operations against torch 2.13:
sort/argsort/msort (stable, descending, NaN placement), topk (largest, sorted, k=0, ties),
kthvalue, unique (sorted, inverse, counts, dim), unique_consecutive, bincount, histc,
searchsorted/bucketize (right, side, sorter, out_int32, scalar values); inputs with ties,
NaN, ±inf, -0.0, int/bool/float dtypes, 0-d, size-0 and size-1 axes, non-contiguous; method
and function forms and ``out=``."""

from __future__ import annotations

import numpy as np
import pytest

from ._fuzz_values import ALL, FLOATS, dim_arg, shape, values

torch = pytest.importorskip("torch")


def _call(lib, t, name, method, *args, **kw):
    if method:
        return getattr(t, name)(*args, **kw)
    return getattr(lib, name)(t, *args, **kw)


def test_fuzz_sort_topk_kthvalue(fuzz):
    fz = fuzz(201)
    for _ in range(350):
        name = fz.pick(["sort", "argsort", "msort", "topk", "kthvalue"])
        a = values(fz, shape(fz), fz.pick(ALL[:6]))
        x = fz.maybe_nc(a)
        method = fz.chance(0.5)
        kw = {}
        args = ()
        dim = dim_arg(fz, a.ndim, allow_tuple=False, allow_none=False)
        n = a.shape[dim % a.ndim] if a.ndim else 1
        if name in ("sort", "argsort"):
            if fz.chance(0.7):
                kw["dim"] = dim
            if fz.chance(0.5):
                kw["descending"] = fz.chance(0.5)
            if fz.chance(0.5):
                kw["stable"] = True
        elif name == "topk":
            args = (fz.pick([0, 1, n, n + 1, max(n - 1, 0)]),)
            if fz.chance(0.7):
                kw["dim"] = dim
            if fz.chance(0.5):
                kw["largest"] = fz.chance(0.5)
            if fz.chance(0.3):
                kw["sorted"] = True
        elif name == "kthvalue":
            args = (fz.pick([1, n, max(n // 2, 1), n + 1, 0]),)
            if fz.chance(0.7):
                kw["dim"] = dim
            if fz.chance(0.4):
                kw["keepdim"] = fz.chance(0.5)
        what = f"{name}{' method' if method else ''} x{a.shape} {a.dtype} args={args} {kw}"
        # ties: the indices are PyTorch's too (its kernels' order: functional/tie_order.py),
        # and so the values' gradient reaches the same tied element
        fz.check(what, lambda lib, t, n=name, m=method, ar=args, k=kw: _call(lib, t, n, m, *ar, **k),
                 [x], grad=True)  # fmt: skip
    fz.report()


def test_fuzz_sort_out(fuzz):
    fz = fuzz(202)
    for _ in range(60):
        name = fz.pick(["sort", "topk", "kthvalue", "cummax", "cummin", "median", "mode"])
        a = values(fz, shape(fz), fz.pick(FLOATS))
        a = np.unique(a.ravel())[: a.size]
        fz.rng.shuffle(a)
        a = np.asarray(a)
        args = {"topk": (1,), "kthvalue": (1,), "cummax": (0,), "cummin": (0,), "median": (0,)}.get(
            name, ()
        )
        if name == "mode":
            args = (0,)
        od = fz.pick([a.dtype, np.float64])
        what = f"{name} out x{a.shape} {a.dtype} out {od}"

        def fn(lib, t, n=name, ar=args, od=od):
            outs = (
                lib.zeros(0, dtype=getattr(lib, np.dtype(od).name)),
                lib.zeros(0, dtype=lib.int64),
            )
            r = getattr(lib, n)(t, *ar, out=outs)
            assert r[0] is outs[0] and r[1] is outs[1]
            return tuple(r)

        fz.check(what, fn, [fz.const(a)])
    fz.report()


def test_fuzz_unique(fuzz):
    fz = fuzz(203)
    for _ in range(250):
        name = fz.pick(["unique", "unique_consecutive"])
        a = values(fz, shape(fz), fz.pick(ALL))
        x = fz.maybe_nc(a)
        method = fz.chance(0.5)
        kw = {}
        if name == "unique" and fz.chance(0.3):
            kw["sorted"] = True
        if fz.chance(0.5):
            kw["return_inverse"] = True
        if fz.chance(0.5):
            kw["return_counts"] = True
        if fz.chance(0.4):
            kw["dim"] = dim_arg(fz, a.ndim, allow_tuple=False, allow_none=False)
            if name == "unique" and a.dtype.kind == "f" and np.isnan(a).any():
                a = np.where(np.isnan(a), a.dtype.type(0.5), a)  # a README row: PyTorch's
                x = fz.maybe_nc(a)  # unique(dim=) orders NaN rows erratically
        what = f"{name}{' method' if method else ''} x{a.shape} {a.dtype} {kw}"
        fz.check(
            what, lambda lib, t, n=name, m=method, k=kw: _call(lib, t, n, m, **k), [x], grad=False
        )
    fz.report()


def test_fuzz_bincount_histc(fuzz):
    fz = fuzz(204)
    for _ in range(200):
        name = fz.pick(["bincount", "histc"])
        method = fz.chance(0.5)
        kw = {}
        extra = []
        if name == "bincount":
            n = fz.pick([0, 1, 3, 5])
            a = np.asarray(
                fz.rng.integers(0, 5, size=(n,)), fz.pick([np.int64, np.int32, np.uint8])
            )
            if fz.chance(0.1):
                a = np.asarray(fz.rng.integers(-1, 3, size=fz.pick([(n,), (2, 2), ()])), np.int64)
            if fz.chance(0.1):
                a = a.astype(np.float32)
            if fz.chance(0.4):
                extra.append(values(fz, a.shape, fz.pick(FLOATS + (np.int64,)), special=0))
            if fz.chance(0.4):
                kw["minlength"] = fz.pick([0, 3, 7, -1])
        else:
            a = values(fz, shape(fz), fz.pick(FLOATS + (np.int64,)))
            kw["bins"] = fz.pick([1, 3, 5, 0])
            if fz.chance(0.6):
                lo = fz.pick([0, -1, -3, 2])
                kw["min"], kw["max"] = lo, fz.pick([lo, lo + 1, lo + 4, lo - 1])
        what = f"{name}{' method' if method else ''} x{a.shape} {a.dtype} {[e.dtype for e in extra]} {kw}"

        def fn(lib, t, *more, n=name, m=method, k=kw):
            r = _call(lib, t, n, m, *more, **k)
            if n == "bincount" and more and t.numel() == 0:
                return r.double()  # a README row: PyTorch's is int64 there, weights or not
            return r

        fz.check(what, fn, [fz.const(a), *map(fz.const, extra)], grad=False)
    fz.report()


def test_fuzz_searchsorted_bucketize(fuzz):
    fz = fuzz(205)
    for _ in range(250):
        name = fz.pick(["searchsorted", "bucketize"])
        dt = fz.pick(FLOATS + (np.int64,))
        inner = fz.pick([0, 1, 3, 5])
        lead = fz.pick([(), (), (2,), (1,)]) if name == "searchsorted" else ()
        seq = values(fz, lead + (inner,), dt, special=0.1)
        use_sorter = name == "searchsorted" and fz.chance(0.3)
        sorter = np.argsort(seq, axis=-1, kind="stable") if use_sorter else None
        if not use_sorter:
            seq = np.sort(seq, axis=-1)
        vshape = lead + (fz.pick([0, 1, 4]),) if lead and fz.chance(0.8) else shape(fz, 2)
        v = values(fz, vshape, fz.pick([dt, np.float64, np.int64]), special=0.1)
        scalar = fz.chance(0.15)
        kw = {}
        if fz.chance(0.5):
            kw["right"] = fz.chance(0.5)
        if name == "searchsorted" and fz.chance(0.3):
            kw["side"] = fz.pick(["left", "right", "middle"])
        if fz.chance(0.3):
            kw["out_int32"] = True
        sv = float(v.ravel()[0]) if scalar and v.size else 1.5
        what = f"{name} seq{seq.shape} {seq.dtype} v{'scalar' if scalar else v.shape} {v.dtype} sorter={use_sorter} {kw}"

        def fn(lib, s, vv, *more, n=name, k=kw, scalar=scalar, sv=sv):
            k = dict(k)
            if more:
                k["sorter"] = more[0]
            if n == "searchsorted":
                return lib.searchsorted(s, sv if scalar else vv, **k)
            return lib.bucketize(sv if scalar else vv, s, **k)

        args = [fz.const(seq), fz.const(v)] + ([fz.const(sorter)] if use_sorter else [])
        fz.check(what, fn, args, grad=False)
    fz.report()
