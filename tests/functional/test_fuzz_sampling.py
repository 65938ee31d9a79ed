"""Seeded differential fuzz against torch 2.13 of the resampling and rearranging functions:
``pad`` (constant/reflect/replicate/circular, negative pads), ``grid_sample`` (modes,
padding modes, align_corners), ``affine_grid``, ``unfold``/``fold``, ``pixel_shuffle`` /
``pixel_unshuffle``; batch 0/1, unbatched where torch accepts it, float32 and float64,
non-contiguous inputs, invalid arguments (both must raise)."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")


def _f(lib):
    return lib.nn.functional


def _circular_pads_an_emptied_axis(shape, pads):
    for i in range(len(pads) // 2):
        if i >= len(shape):
            return False
        b, a = pads[2 * i], pads[2 * i + 1]
        n = shape[-1 - i] + min(b, 0) + min(a, 0)
        if max(b, a) > max(n, 0):  # more wrap-around than the cropped axis holds
            return True
    return False


def test_fuzz_pad(fuzz):
    fz = fuzz(31)
    for _case in range(220):
        mode = fz.pick(["constant", "reflect", "replicate", "circular"])
        ndim = fz.int(1, 5)
        shape = [fz.pick([0, 1, 2, 3, 4]) if fz.chance(0.1) else fz.int(1, 5) for _ in range(ndim)]
        x = fz.array(shape, fz.pick([np.float32, np.float64]))
        npairs = fz.int(1, min(3, ndim)) if fz.chance(0.9) else fz.int(1, 4)
        pads = []
        for _ in range(2 * npairs):
            pads.append(fz.int(-2, 3) if fz.chance(0.3) else fz.int(0, 3))
        pads = tuple(pads)
        kw = {"mode": mode}
        if mode == "constant" and fz.chance(0.5):
            kw["value"] = fz.pick([0.0, 1.5, -2.0])
        if mode == "circular" and _circular_pads_an_emptied_axis(x.shape, pads):
            continue  # torch 2.13: an overlap error, or (2-D/3-D) memory it never wrote (README)
        what = f"pad x{x.shape} {x.dtype} {pads} {kw}"
        fz.check(what, lambda lib, t, p=pads, kw=kw: _f(lib).pad(t, p, **kw), [fz.maybe_nc(x)])
    fz.report()


def test_fuzz_grid_sample(fuzz):
    fz = fuzz(32)
    for _case in range(150):
        d = fz.pick([2, 2, 3])
        n = fz.pick([0, 1, 2]) if fz.chance(0.2) else fz.int(1, 2)
        dtype = fz.pick([np.float32, np.float64])
        x = fz.array([n, fz.int(1, 2)] + [fz.int(1, 5) for _ in range(d)], dtype)
        gshape = [n] + [fz.int(1, 4) for _ in range(d)] + [d]
        grid = fz.array(gshape, dtype, lo=-1.3, hi=1.3)
        mode = fz.pick(["bilinear", "nearest"] + (["bicubic"] if d == 2 else []))
        kw = dict(mode=mode, padding_mode=fz.pick(["zeros", "border", "reflection"]),
                  align_corners=fz.pick([None, True, False]))  # fmt: skip
        what = f"grid_sample x{x.shape} grid{grid.shape} {x.dtype} {kw}"
        # nearest: the grid has no gradient (torch's is 0); values near a rounding tie are
        # avoided by the random grid
        fz.check(what, lambda lib, a, g, kw=kw: _f(lib).grid_sample(a, g, **kw),
                 [fz.maybe_nc(x), grid], tol=1e-4 if dtype == np.float32 else None)  # fmt: skip
    fz.report()


def test_fuzz_affine_grid(fuzz):
    fz = fuzz(33)
    for _case in range(80):
        d = fz.pick([2, 3])
        n = fz.int(0, 2)
        dtype = fz.pick([np.float32, np.float64])
        theta = fz.array([n, d, d + 1], dtype)
        size = [n, fz.int(1, 3)] + [fz.int(1, 5) for _ in range(d)]
        if fz.chance(0.1):
            size = size[:-1]  # wrong length: both raise
        ac = fz.pick([None, True, False])
        what = f"affine_grid theta{theta.shape} size={size} align_corners={ac}"
        fz.check(what, lambda lib, t, s=size, ac=ac: _f(lib).affine_grid(t, s, align_corners=ac),
                 [theta])  # fmt: skip
    fz.report()


def test_fuzz_unfold_fold(fuzz):
    fz = fuzz(34)
    for _case in range(120):
        dtype = fz.pick([np.float32, np.float64])
        k = fz.int(1, 3) if fz.chance(0.5) else (fz.int(1, 3), fz.int(1, 3))
        kw = dict(dilation=fz.pick([1, 2, (1, 2)]), padding=fz.pick([0, 1, (0, 1)]),
                  stride=fz.pick([1, 2, (2, 1)]))  # fmt: skip
        lead = fz.pick([[], [1], [2], [0]])
        if fz.chance(0.5):
            x = fz.array(lead + [fz.int(1, 2), fz.int(1, 6), fz.int(1, 6)], dtype)
            what = f"unfold x{x.shape} k={k} {kw}"
            fz.check(what, lambda lib, t, k=k, kw=kw: _f(lib).unfold(t, k, **kw),
                     [fz.maybe_nc(x)])  # fmt: skip
        else:
            out = (fz.int(1, 6), fz.int(1, 6))
            kk = (k, k) if isinstance(k, int) else k
            dl = (kw["dilation"],) * 2 if isinstance(kw["dilation"], int) else kw["dilation"]
            pd = (kw["padding"],) * 2 if isinstance(kw["padding"], int) else kw["padding"]
            st = (kw["stride"],) * 2 if isinstance(kw["stride"], int) else kw["stride"]
            L = 1
            for o, a, b, c, e in zip(out, kk, dl, pd, st, strict=True):
                L *= max((o + 2 * c - b * (a - 1) - 1) // e + 1, 0)
            if fz.chance(0.1):
                L += 1  # wrong block count: both raise
            c = fz.int(1, 2)
            x = fz.array(lead + [c * kk[0] * kk[1], L], dtype)
            what = f"fold x{x.shape} out={out} k={k} {kw}"
            fz.check(what, lambda lib, t, o=out, k=k, kw=kw: _f(lib).fold(t, o, k, **kw),
                     [fz.maybe_nc(x)])  # fmt: skip
    fz.report()


def test_fuzz_pixel_shuffle(fuzz):
    fz = fuzz(35)
    for _case in range(80):
        r = fz.int(1, 3)
        dtype = fz.pick([np.float32, np.float64])
        lead = fz.pick([[], [1], [2], [0], [2, 1]])
        if fz.chance(0.5):
            c = fz.int(1, 2) * r * r + (1 if fz.chance(0.1) else 0)
            x = fz.array(lead + [c, fz.int(1, 3), fz.int(1, 3)], dtype)
            fz.check(f"pixel_shuffle x{x.shape} r={r}",
                     lambda lib, t, r=r: _f(lib).pixel_shuffle(t, r), [fz.maybe_nc(x)])  # fmt: skip
        else:
            h = fz.int(1, 2) * r + (1 if fz.chance(0.1) else 0)
            if lead and lead[0] == 0:
                continue  # torch 2.13 returns an empty batch unshuffled (README row)
            x = fz.array(lead + [fz.int(1, 2), h, fz.int(1, 2) * r], dtype)
            fz.check(f"pixel_unshuffle x{x.shape} r={r}",
                     lambda lib, t, r=r: _f(lib).pixel_unshuffle(t, r), [fz.maybe_nc(x)])  # fmt: skip
    fz.report()


# ---- regressions the fuzz found ------------------------------------------------------------
F = dg.nn.functional
TF = torch.nn.functional


def test_pad_2d_reflect_replicate_may_crop_to_empty():
    """torch's 2-D/3-D reflect and replicate accept an empty output; its 1-D ones do not."""
    x = np.random.default_rng(0).standard_normal((5, 4, 4))
    for mode in ("reflect", "replicate"):
        y = F.pad(dg.tensor(x), (-2, 3, -2, -2), mode=mode)
        assert y.shape == tuple(TF.pad(torch.tensor(x), (-2, 3, -2, -2), mode=mode).shape)
        with pytest.raises(ValueError, match="leaves at least 1"):
            F.pad(dg.tensor(x[:1]), (-2, -2), mode=mode)
        with pytest.raises(ValueError, match="non-zero dimensions"):
            F.pad(dg.tensor(np.zeros((3, 0, 4, 5, 2))), (1, 3, -2, 0, 1, 0), mode=mode)


def test_circular_pad_of_an_emptied_axis_is_refused():
    """torch 2.13 returns uninitialised memory here (README row)."""
    with pytest.raises(ValueError, match="size 0"):
        F.pad(dg.tensor(np.zeros((1, 3, 1, 5))), (-2, 2, 1, -1), mode="circular")


def test_grid_sample_empty_batch():
    for x, g in [((0, 2, 2, 2), (0, 3, 4, 2)), ((0, 1, 5, 2, 5), (0, 1, 2, 4, 3))]:
        xs = dg.tensor(np.zeros(x), requires_grad=True)
        y = F.grid_sample(xs, dg.tensor(np.zeros(g)), align_corners=False)
        assert y.shape == (0, x[1], *g[1:-1])


def test_pixel_unshuffle_of_an_empty_batch_has_the_unshuffled_shape():
    """torch 2.13 returns (0, 2, 4, 2) unchanged; the shape is (0, 8, 2, 1) (README row)."""
    assert F.pixel_unshuffle(dg.tensor(np.zeros((0, 2, 4, 2))), 2).shape == (0, 8, 2, 1)
    assert F.pixel_shuffle(dg.tensor(np.zeros((0, 8, 2, 1))), 2).shape == (0, 2, 4, 2)
