"""Seeded differential fuzz of pooling over its argument space against torch 2.13:
kernel, stride, padding, dilation, ceil_mode, count_include_pad, divisor_override,
return_indices, adaptive output sizes (larger than the input, None entries), lp pooling;
batch 1, 0-size and unbatched inputs, float32 and float64, non-contiguous inputs."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")


def _fn(lib):
    return lib.nn.functional


def _input(fz, d, channels):
    spatial = [
        fz.pick([0, 1, 1, 2, 3, 4, 5, 7]) if fz.chance(0.1) else fz.int(1, 7) for _ in range(d)
    ]
    dtype = fz.pick([np.float32, np.float64])
    lead = fz.pick([[], [1], [2], [3], [0]])
    return fz.array(lead + [channels] + spatial, dtype), dtype


def _tup(fz, d, lo, hi):
    if fz.chance(0.5):
        return fz.int(lo, hi)
    return tuple(fz.int(lo, hi) for _ in range(d))


def _pool_args(fz, d):
    k = _tup(fz, d, 1, 3)
    stride = fz.pick([None, _tup(fz, d, 1, 3)])
    padding = _tup(fz, d, 0, 2)
    return k, stride, padding


def test_fuzz_max_pool(fuzz):
    fz = fuzz(7)
    for _case in range(100):
        d = fz.int(1, 3)
        x, _ = _input(fz, d, fz.int(1, 2))
        k, stride, padding = _pool_args(fz, d)
        kw = dict(
            kernel_size=k,
            stride=stride,
            padding=padding,
            dilation=_tup(fz, d, 1, 2),
            ceil_mode=fz.chance(0.5),
            return_indices=fz.chance(0.4),
        )
        what = f"max_pool{d}d x{x.shape} {x.dtype} {kw}"
        fz.check(
            what,
            lambda lib, t, d=d, kw=kw: getattr(_fn(lib), f"max_pool{d}d")(t, **kw),
            [fz.maybe_nc(x)],
            finite_grad_only=True,
        )
    fz.report()


def test_fuzz_avg_pool(fuzz):
    fz = fuzz(8)
    for _case in range(100):
        d = fz.int(1, 3)
        x, _ = _input(fz, d, fz.int(1, 2))
        k, stride, padding = _pool_args(fz, d)
        kw = dict(
            kernel_size=k,
            stride=stride,
            padding=padding,
            ceil_mode=fz.chance(0.5),
            count_include_pad=fz.chance(0.5),
        )
        if d > 1 and fz.chance(0.3):
            kw["divisor_override"] = fz.pick([1, 2, 3, 0])
        what = f"avg_pool{d}d x{x.shape} {x.dtype} {kw}"
        fz.check(
            what,
            lambda lib, t, d=d, kw=kw: getattr(_fn(lib), f"avg_pool{d}d")(t, **kw),
            [fz.maybe_nc(x)],
        )
    fz.report()


def test_fuzz_adaptive_pool(fuzz):
    fz = fuzz(9)
    for _case in range(100):
        d = fz.int(1, 3)
        x, _ = _input(fz, d, fz.int(1, 2))
        if d == 1 or fz.chance(0.3):
            size = fz.int(0, 8) if fz.chance(0.1) else fz.int(1, 8)
        else:
            size = tuple(fz.pick([None, fz.int(1, 8)]) for _ in range(d))
        if 0 in x.shape[-d:] or (size == 0 if isinstance(size, int) else 0 in size):
            continue  # torch: an empty output (or NaN averages of empty axes); deepgrad refuses (README)
        kind = fz.pick(["avg", "max"])
        kw = {"return_indices": fz.chance(0.5)} if kind == "max" else {}
        what = f"adaptive_{kind}_pool{d}d x{x.shape} {x.dtype} size={size} {kw}"
        name = f"adaptive_{kind}_pool{d}d"
        fz.check(
            what,
            lambda lib, t, n=name, s=size, kw=kw: getattr(_fn(lib), n)(t, s, **kw),
            [fz.maybe_nc(x)],
        )
    fz.report()


def test_fuzz_lp_pool(fuzz):
    fz = fuzz(10)
    for _case in range(60):
        d = fz.int(1, 3)
        x, _ = _input(fz, d, fz.int(1, 2))
        x = np.abs(x) + 0.1 if fz.chance(0.7) else x
        # lp_pool1d: an int kernel (torch's raises on a 1-tuple unless p is inf: README row)
        k = fz.int(1, 3) if d == 1 else _tup(fz, d, 1, 3)
        kw = dict(stride=fz.pick([None, _tup(fz, d, 1, 3)]), ceil_mode=fz.chance(0.5))
        p = fz.pick([1, 2, 3, 1.5, float("inf")])
        what = f"lp_pool{d}d x{x.shape} {x.dtype} p={p} k={k} {kw}"
        fz.check(
            what,
            lambda lib, t, d=d, p=p, k=k, kw=kw: getattr(_fn(lib), f"lp_pool{d}d")(t, p, k, **kw),
            [fz.maybe_nc(x)],
        )
    fz.report()


# ---- regressions the fuzz found ------------------------------------------------------------
F = dg.nn.functional
TF = torch.nn.functional


def _same(y, ty):
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12)


def test_pool1d_takes_one_tuples_for_padding_and_dilation():
    x = np.random.default_rng(0).standard_normal((2, 2, 7))
    kw = dict(kernel_size=(3,), stride=(2,), padding=(1,), dilation=(2,), ceil_mode=True)
    _same(F.max_pool1d(dg.tensor(x), **kw), TF.max_pool1d(torch.tensor(x), **kw))
    kw = dict(kernel_size=(3,), stride=(2,), padding=(1,))
    _same(F.avg_pool1d(dg.tensor(x), **kw), TF.avg_pool1d(torch.tensor(x), **kw))


def test_pool_padding_is_bounded_by_half_the_undilated_kernel():
    x = dg.tensor(np.zeros((1, 1, 6, 5)))
    with pytest.raises(ValueError, match="half of the kernel size"):
        F.max_pool2d(x, 3, stride=1, padding=2, dilation=2)  # torch raises too


def test_ceil_mode_window_may_run_past_the_padded_input():
    x = np.random.default_rng(1).standard_normal((1, 1, 7, 2, 6))
    kw = dict(kernel_size=(2, 2, 1), stride=(1, 2, 2), dilation=2, ceil_mode=True)
    _same(F.max_pool3d(dg.tensor(x), **kw), TF.max_pool3d(torch.tensor(x), **kw))
    x2 = np.random.default_rng(2).standard_normal((1, 1, 1, 4))
    kw = dict(kernel_size=2, stride=(2, 3), ceil_mode=True)
    _same(F.avg_pool2d(dg.tensor(x2), **kw), TF.avg_pool2d(torch.tensor(x2), **kw))
    with pytest.raises(ValueError, match="too small"):
        F.max_pool2d(dg.tensor(x2), 2)  # floor mode: no window fits, as torch


def test_avg_pool3d_needs_the_unpadded_input_to_hold_the_kernel():
    x = dg.tensor(np.zeros((1, 1, 1, 4, 7)))
    with pytest.raises(ValueError, match="smaller than the kernel"):
        F.avg_pool3d(x, 3, padding=1)  # torch: "input image ... smaller than kernel size"


def test_pooling_refuses_empty_non_batch_axes():
    with pytest.raises(ValueError, match="non-empty"):
        F.avg_pool2d(dg.tensor(np.zeros((2, 2, 0, 2))), 2, padding=1)
    assert F.max_pool2d(dg.tensor(np.zeros((0, 2, 4, 4))), 2).shape == (0, 2, 2, 2)


def test_lp_pool1d_accepts_a_one_tuple_kernel():
    """torch 2.13's lp_pool1d raises a TypeError on kernel_size=(2,) (it multiplies the tuple)
    unless p is inf; deepgrad reads it as 2 (README row)."""
    x = np.abs(np.random.default_rng(3).standard_normal((1, 2, 6))) + 0.1
    y = F.lp_pool1d(dg.tensor(x), 2, (2,))
    _same(y, TF.lp_pool1d(torch.tensor(x), 2, 2))
