"""Shared input drawing for the reduction/sorting fuzz: small integer-valued floats (ties),
NaN, ±inf and -0.0 sprinkled in, int64/int32/bool/uint8/float32/float64, 0-d, size-0 and
size-1 axes."""

from __future__ import annotations

import numpy as np

FLOATS = (np.float32, np.float64)
ALL = (np.float32, np.float64, np.float32, np.float64, np.int64, np.int32, np.bool_, np.uint8)


def shape(fz, max_ndim: int = 3) -> tuple[int, ...]:
    nd = fz.int(0, max_ndim)
    return tuple(fz.pick([0, 1, 1, 2, 3, 4]) if fz.chance(0.3) else fz.int(1, 4) for _ in range(nd))


def values(fz, shp, dtype=np.float32, special: float = 0.15, ties: float = 0.5):
    """An array of ``shp``: integer-valued (ties) half the time, with NaN/±inf/-0.0 in floats."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return np.asarray(fz.rng.random(shp) < 0.5)
    if dtype.kind in "iu":
        lo = 0 if dtype.kind == "u" else -3
        return np.asarray(fz.rng.integers(lo, 4, size=shp).astype(dtype))
    if fz.chance(ties):
        a = fz.rng.integers(-3, 4, size=shp).astype(dtype)
    else:
        a = fz.rng.uniform(-2, 2, size=shp).astype(dtype)
    if special and a.size and fz.chance(0.5):
        mask = fz.rng.random(shp) < special
        a[mask] = fz.rng.choice(
            np.array([np.nan, np.inf, -np.inf, -0.0], dtype), size=int(mask.sum())
        )
    return np.asarray(a)


def dim_arg(fz, ndim: int, allow_tuple: bool = True, allow_none: bool = True):
    """None, an int (maybe negative / out of range), or a tuple (maybe duplicated / empty)."""
    n = max(ndim, 1)
    r = fz.rng.random()
    if allow_none and r < 0.2:
        return None
    if not allow_tuple or r < 0.6:
        d = fz.int(-n, n - 1)
        if fz.chance(0.03):
            d = n + 1
        return d
    k = fz.int(0, n)
    dims = [fz.int(-n, n - 1) for _ in range(k)]
    if dims and fz.chance(0.1):
        dims.append(dims[0])
    return tuple(dims)
