"""Seeded differential fuzz against torch 2.13 of the activations with their arguments
(softplus beta/threshold, hardtanh bounds, gelu approximate, elu/celu/selu, leaky_relu with a
negative slope, rrelu in eval, glu dim, softmax/log_softmax/softmin with dtype=, the shrinks,
threshold, prelu, logsigmoid) and ``one_hot``; float32 and float64, empty and 0-d inputs,
invalid arguments (both must raise)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")


def _f(lib):
    return lib.nn.functional


def _shape(fz):
    return [fz.pick([0, 1, 2, 3]) for _ in range(fz.int(0, 3))]


def _dt(lib, d):
    return None if d is None else getattr(lib, d)


def _case(fz):
    """(name, kwargs) with arguments drawn for that activation."""
    name = fz.pick([
        "softplus", "hardtanh", "gelu", "elu", "celu", "selu", "leaky_relu", "rrelu", "glu",
        "softmax", "log_softmax", "softmin", "hardsigmoid", "hardswish", "silu", "mish",
        "tanhshrink", "softshrink", "hardshrink", "threshold", "logsigmoid", "relu6", "relu",
        "sigmoid", "tanh", "softsign",
    ])  # fmt: skip
    kw = {}
    if name == "softplus":
        kw = {
            "beta": fz.pick([1.0, 0.5, 2.0, -1.0, 0.0]),
            "threshold": fz.pick([20.0, 1.0, 0.0, -1.0]),
        }
    elif name == "hardtanh":
        kw = {"min_val": fz.pick([-1.0, -0.5, 0.0, 1.0]), "max_val": fz.pick([1.0, 0.5, 0.0, -1.0])}
    elif name == "gelu":
        kw = {"approximate": fz.pick(["none", "tanh", "bad"])}
    elif name in ("elu", "celu"):
        kw = {"alpha": fz.pick([1.0, 0.5, 2.0, -1.0] + ([0.0] if name == "celu" else []))}
    elif name == "leaky_relu":
        kw = {"negative_slope": fz.pick([0.01, 0.2, -0.5, 1.5, 0.0])}
    elif name == "rrelu":
        lo = fz.pick([0.125, 0.1, 0.3])
        kw = {"lower": lo, "upper": fz.pick([1 / 3, 0.3, 0.05]), "training": False}
    elif name == "glu":
        kw = {"dim": fz.pick([-1, 0, 1, -2])}
    elif name in ("softmax", "log_softmax", "softmin"):
        kw = {"dim": fz.pick([-1, 0, 1]), "dtype": fz.pick([None, "float64", "float32"])}
    elif name in ("softshrink", "hardshrink"):
        kw = {"lambd": fz.pick([0.5, 0.0, 1.0, -0.5] if name == "hardshrink" else [0.5, 0.0, 1.0])}
    elif name == "threshold":
        kw = {"threshold": fz.pick([0.0, 0.5, -1.0]), "value": fz.pick([0.0, -2.0, 3.0])}
    return name, kw


def test_fuzz_activations(fuzz):
    fz = fuzz(61)
    for _case_i in range(500):
        name, kw = _case(fz)
        dtype = fz.pick([np.float32, np.float64])
        shape = _shape(fz)
        if name == "glu" and shape and fz.chance(0.7):
            shape[kw["dim"] % len(shape) if -len(shape) <= kw["dim"] < len(shape) else -1] = (
                fz.pick([2, 4])
            )
        x = fz.array(shape, dtype, lo=-3, hi=3)
        if x.size and fz.chance(0.2):
            # values on the kinks (thresholds, bounds, 0)
            pts = [0.0, -1.0, 1.0, 0.5, -0.5, 20.0, -20.0]
            x.flat[: min(x.size, 4)] = [fz.pick(pts) for _ in range(min(x.size, 4))]
        what = f"{name} x{x.shape} {x.dtype} {kw}"

        def fn(lib, a, name=name, kw=kw):
            k = dict(kw)
            if "dtype" in k:
                k["dtype"] = _dt(lib, k["dtype"])
            if name in ("selu", "logsigmoid", "hardsigmoid", "hardswish", "silu", "mish",
                        "tanhshrink", "relu6", "relu", "softsign"):  # fmt: skip
                return getattr(_f(lib), name)(a, **k)
            if name in ("sigmoid", "tanh"):
                return getattr(lib, name)(a)
            if name == "threshold":
                return _f(lib).threshold(a, k["threshold"], k["value"])
            return getattr(_f(lib), name)(a, **k)

        gt = None
        if name == "hardsigmoid" or kw.get("dtype") == "float32":
            # 2.13's float64 hardsigmoid gradient is 1/6 rounded to float32 (README); a
            # softmax computed in float32 sends a float32-rounded gradient back to float64
            gt = 1e-6
        fz.check(what, fn, [fz.maybe_nc(x)], grad_tol=gt)
    fz.report(min_cases=500)


def test_fuzz_prelu(fuzz):
    fz = fuzz(62)
    for _ in range(80):
        dtype = fz.pick([np.float32, np.float64])
        nd = fz.int(0, 4)
        shape = [fz.pick([0, 1, 2, 3]) for _ in range(nd)]
        c = shape[1] if nd >= 2 else (shape[0] if nd == 1 else 1)
        wn = fz.pick([1, c, c + 1, 2])
        x = fz.array(shape, dtype, lo=-3, hi=3)
        w = fz.array([wn], dtype, lo=-1, hi=1)
        if fz.chance(0.1):
            w = fz.array([], dtype)
        what = f"prelu x{x.shape} w{w.shape} {x.dtype}"
        fz.check(what, lambda lib, a, b: _f(lib).prelu(a, b), [fz.maybe_nc(x), w])
    fz.report(min_cases=80)


def test_fuzz_one_hot(fuzz):
    fz = fuzz(63)
    for _ in range(80):
        shape = [fz.pick([0, 1, 2, 3]) for _ in range(fz.int(0, 3))]
        hi = fz.int(1, 5)
        t = fz.rng.integers(0, hi, size=shape).astype(np.int64)
        if t.size and fz.chance(0.15):
            t.flat[0] = fz.pick([-1, -3])
        nc = fz.pick([-1, -1, hi, hi + 2, hi - 1, 0, -2])
        what = f"one_hot t{t.shape} max={t.max(initial=-99)} num_classes={nc}"
        fz.check(what, lambda lib, a, nc=nc: _f(lib).one_hot(a, num_classes=nc), [t], grad=False)
    fz.report(min_cases=80)


# ---- regressions the fuzz found ------------------------------------------------------------
def test_one_hot_empty_refuses_nonpositive_num_classes():
    """torch refuses an empty index tensor with any num_classes < 1 (0, -2), not only -1."""
    import deepgrad as dg

    for nc in (0, -1, -2):
        with pytest.raises(ValueError, match="empty"):
            dg.nn.functional.one_hot(dg.zeros((0, 2), dtype=dg.int64), nc)
    assert dg.nn.functional.one_hot(dg.zeros((0, 2), dtype=dg.int64), 3).shape == (0, 2, 3)


def test_hardsigmoid_float64_gradient_is_exact_sixth():
    """2.13's float64 hardsigmoid gradient is 1/6 rounded to float32 (0.16666667163...);
    deepgrad keeps the exact float64 1/6 (README differences table)."""
    import deepgrad as dg

    x = dg.tensor([0.5, -4.0, 4.0], dtype=dg.float64, requires_grad=True)
    dg.nn.functional.hardsigmoid(x).sum().backward()
    assert x.grad.tolist() == [1 / 6, 0.0, 0.0]
