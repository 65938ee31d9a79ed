"""Seeded differential fuzz against torch 2.13 of cosine_similarity (broadcasting, eps, dim),
pairwise_distance (p incl. 0 and inf, keepdim, eps) and cdist (p 0/1/2/inf and fractional,
compute_mode, batched and empty); float32 and float64, coincident points (the kinks)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")


def _f(lib):
    return lib.nn.functional


def test_fuzz_cosine_similarity(fuzz):
    fz = fuzz(91)
    for _ in range(150):
        dtype = fz.pick([np.float32, np.float64])
        shape = [fz.pick([1, 2, 3]) for _ in range(fz.int(1, 3))]
        other = [fz.pick([d, 1]) for d in shape[len(shape) - fz.int(1, len(shape)) :]]
        a, b = fz.array(shape, dtype), fz.array(other, dtype)
        if fz.chance(0.5):
            a, b = b, a
        if fz.chance(0.15):
            a[...] = 0.0
        dim = fz.pick([-1, 0, 1])
        eps = fz.pick([1e-8, 0.5, 1e-3])
        what = f"cosine_similarity {a.shape} {b.shape} {dtype.__name__} dim={dim} eps={eps}"
        fz.check(what, lambda lib, u, v, d=dim, e=eps: _f(lib).cosine_similarity(u, v, d, e),
                 [fz.maybe_nc(a), b])  # fmt: skip
    fz.report(min_cases=150)


def test_fuzz_pairwise_distance(fuzz):
    fz = fuzz(92)
    for _ in range(150):
        dtype = fz.pick([np.float32, np.float64])
        n, d = fz.pick([0, 1, 2, 3]), fz.int(1, 4)
        shape = [n, d] if fz.chance(0.8) else [d]
        bshape = shape if fz.chance(0.8) else [1, d]
        a, b = fz.array(shape, dtype), fz.array(bshape, dtype)
        if fz.chance(0.2) and a.shape == b.shape:
            b = a.copy()
        kw = {"p": fz.pick([2.0, 1.0, 0.0, 3.0, float("inf"), 0.5]), "eps": fz.pick([1e-6, 0.0, 0.1]),
              "keepdim": fz.chance(0.5)}  # fmt: skip
        what = f"pairwise_distance {a.shape} {b.shape} {dtype.__name__} {kw}"
        fz.check(what, lambda lib, u, v, kw=kw: _f(lib).pairwise_distance(u, v, **kw),
                 [fz.maybe_nc(a), b])  # fmt: skip
    fz.report(min_cases=150)


def test_fuzz_cdist(fuzz):
    fz = fuzz(93)
    for _ in range(150):
        dtype = fz.pick([np.float32, np.float64])
        batch = [fz.pick([0, 1, 2]) for _ in range(fz.int(0, 2))]
        p_, r, m = fz.pick([0, 1, 3]), fz.pick([0, 1, 2, 4]), fz.int(1, 4)
        a, b = fz.array(batch + [p_, m], dtype), fz.array(batch + [r, m], dtype)
        if a.size and b.size and fz.chance(0.2):
            b[..., 0, :] = a[..., 0, :]  # a zero distance
        p = fz.pick([2.0, 1.0, 0.0, float("inf"), 3.0, 0.5])
        mode = fz.pick(["use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                        "donot_use_mm_for_euclid_dist"])  # fmt: skip
        what = f"cdist {a.shape} {b.shape} {dtype.__name__} p={p} {mode}"
        # the matmul form cancels: float32 to 1e-3 absolute (as torch's own tests)
        tol = 1e-3 if mode == "use_mm_for_euclid_dist" and p == 2.0 else None
        fz.check(what, lambda lib, u, v, p=p, mode=mode: lib.cdist(u, v, p, mode),
                 [fz.maybe_nc(a), b], tol=tol if dtype == np.float32 else None)  # fmt: skip
    fz.report(min_cases=150)
