"""Seeded differential fuzz against torch 2.13 of ``embedding`` (padding_idx, max_norm),
``normalize``, ``layer_norm``, ``group_norm``, ``batch_norm`` and ``instance_norm`` (training
flags, momentum None, running statistics None), float32 and float64, batch 0/1, invalid
arguments (both must raise)."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")


def _f(lib):
    return lib.nn.functional


def test_fuzz_embedding(fuzz):
    fz = fuzz(41)
    for _case in range(100):
        n, dim = fz.int(1, 6), fz.int(1, 4)
        w = fz.array([n, dim], fz.pick([np.float32, np.float64]))
        idx = fz.rng.integers(
            0, n + (1 if fz.chance(0.05) else 0), size=fz.pick([(3,), (2, 3), (0,), ()])
        ).astype(np.int64)
        kw = {}
        if fz.chance(0.4):
            kw["padding_idx"] = fz.pick([0, n - 1, -1, n if fz.chance(0.1) else 0])
        if fz.chance(0.4):
            kw["max_norm"] = fz.pick([0.5, 1.0, 2.0])
            kw["norm_type"] = fz.pick([1.0, 2.0, 3.0])
        what = f"embedding idx{idx.shape} w{w.shape} {kw}"
        # max_norm renormalises the weight in place: the gradient runs with the new rows
        fz.check(what, lambda lib, i, t, kw=kw: _f(lib).embedding(i, t if "max_norm" not in kw else t * 1, **kw),
                 [idx, w])  # fmt: skip
    fz.report()


def test_fuzz_normalize(fuzz):
    fz = fuzz(42)
    for _case in range(80):
        shape = [fz.pick([0, 1, 2, 3]) for _ in range(fz.int(1, 3))]
        x = fz.array(shape, fz.pick([np.float32, np.float64]))
        if fz.chance(0.1) and x.size:
            x[(0,) * x.ndim] = 0.0
        kw = dict(p=fz.pick([1.0, 2.0, 3.0, float("inf"), 0.5]), dim=fz.int(-x.ndim, x.ndim - 1),
                  eps=fz.pick([1e-12, 1e-3]))  # fmt: skip
        fz.check(f"normalize x{x.shape} {kw}", lambda lib, t, kw=kw: _f(lib).normalize(t, **kw),
                 [fz.maybe_nc(x)])  # fmt: skip
    fz.report()


def test_fuzz_layer_group_norm(fuzz):
    fz = fuzz(43)
    for _case in range(120):
        dtype = fz.pick([np.float32, np.float64])
        if fz.chance(0.5):
            shape = [fz.pick([0, 1, 2]), fz.int(1, 3), fz.int(1, 4)][: fz.int(1, 3)]
            x = fz.array(shape, dtype)
            k = fz.int(1, x.ndim)
            ns = list(x.shape[-k:]) if fz.chance(0.9) else [7]
            w = fz.array(ns, dtype) if fz.chance(0.6) else None
            b = fz.array(ns, dtype) if fz.chance(0.6) else None
            eps = fz.pick([1e-5, 1e-2])
            args = [fz.maybe_nc(x)] + [a for a in (w, b) if a is not None]
            what = f"layer_norm x{x.shape} ns={ns} w={w is not None} b={b is not None}"

            def fn(lib, t, *wb, ns=ns, hw=w is not None, hb=b is not None, eps=eps):
                wt = wb[0] if hw else None
                bt = wb[-1] if hb else None
                return _f(lib).layer_norm(t, ns, wt, bt, eps)

            fz.check(what, fn, args, tol=1e-4 if dtype == np.float32 else None)
        else:
            g = fz.int(1, 3)
            c = g * fz.int(1, 2) + (1 if fz.chance(0.05) else 0)
            x = fz.array(
                [fz.pick([0, 1, 2]), c] + [fz.int(1, 3) for _ in range(fz.int(0, 2))], dtype
            )
            w = fz.array([c], dtype) if fz.chance(0.6) else None
            b = fz.array([c], dtype) if fz.chance(0.6) else None
            args = [fz.maybe_nc(x)] + [a for a in (w, b) if a is not None]
            what = f"group_norm x{x.shape} g={g} w={w is not None} b={b is not None}"

            def fn(lib, t, *wb, g=g, hw=w is not None, hb=b is not None):
                wt = wb[0] if hw else None
                bt = wb[-1] if hb else None
                return _f(lib).group_norm(t, g, wt, bt, 1e-5)

            # one value per group normalises to 0 ± rounding: float32 at 1e-4
            fz.check(what, fn, args, tol=1e-4 if dtype == np.float32 else None)
    fz.report()


def test_fuzz_batch_instance_norm(fuzz):
    fz = fuzz(44)
    for _case in range(120):
        dtype = fz.pick([np.float32, np.float64])
        kind = fz.pick(["batch", "instance"])
        c = fz.int(1, 3)
        n = fz.pick([0, 1, 1, 2, 3])
        x = fz.array(
            [n, c] + [fz.pick([1, 2, 3]) for _ in range(fz.int(0 if kind == "batch" else 1, 2))],
            dtype,
        )
        running = fz.chance(0.6)
        rm = fz.array([c], dtype) if running else None
        rv = (np.abs(fz.array([c], dtype)) + 0.5).astype(dtype) if running else None
        training = fz.chance(0.6) if running else True
        if kind == "instance":
            training = fz.chance(0.7) if running else True
        w = fz.array([c], dtype) if fz.chance(0.6) else None
        b = fz.array([c], dtype) if fz.chance(0.6) else None
        momentum = fz.pick([0.1, 0.5, None if fz.chance(0.2) else 0.1])
        if kind == "instance" and n == 0 and (w is not None or b is not None):
            continue  # torch 2.13 raises an internal select() error here (README row)
        what = (f"{kind}_norm x{x.shape} {x.dtype} running={running} training={training} "
                f"w={w is not None} b={b is not None} momentum={momentum}")  # fmt: skip
        stats = {}

        def fn(lib, t, *wb, kind=kind, rm=rm, rv=rv, training=training, momentum=momentum,
               hw=w is not None, hb=b is not None, stats=stats):  # fmt: skip
            mk = (
                (lambda arr: torch.tensor(arr.copy()))
                if lib is torch
                else (lambda arr: dg.tensor(arr.copy()))
            )
            m = None if rm is None else mk(rm)
            v = None if rv is None else mk(rv)
            wt = wb[0] if hw else None
            bt = wb[-1] if hb else None
            if kind == "batch":
                y = _f(lib).batch_norm(t, m, v, wt, bt, training, momentum, 1e-5)
            else:
                y = _f(lib).instance_norm(t, m, v, wt, bt, training, momentum, 1e-5)
            stats[lib] = (m, v)
            return y

        gt = 1e-3 if dtype == np.float32 else None  # few values per channel: cancellation
        fz.check(what, fn, [fz.maybe_nc(x)] + [a for a in (w, b) if a is not None], grad_tol=gt)
        if n == 0 and kind == "instance":
            continue  # torch 2.13 averages an empty batch into NaN statistics (README row)
        if torch in stats and dg in stats and stats[torch][0] is not None:
            for i in range(2):
                a, e = stats[dg][i].numpy(), stats[torch][i].numpy()
                if not np.allclose(a, e, rtol=1e-5, atol=1e-6):
                    fz.failures.append(f"{what}: running stat {i} {a} vs torch {e}")
    fz.report()


def test_fuzz_batch_norm_layers(fuzz, copy_weights):
    """The layers (momentum None: a cumulative average; track_running_stats; eval after
    training steps): outputs, gradients and the running statistics after each step."""
    fz = fuzz(45)
    for _case in range(30):
        d = fz.int(1, 3)
        c = fz.int(1, 3)
        kw = dict(momentum=fz.pick([0.1, None]), affine=fz.chance(0.7),
                  track_running_stats=fz.chance(0.8))  # fmt: skip
        dtype = fz.pick([np.float32, np.float64])
        tm = getattr(torch.nn, f"BatchNorm{d}d")(c, **kw).to(getattr(torch, np.dtype(dtype).name))
        dm = getattr(dg.nn, f"BatchNorm{d}d")(c, **kw).to(
            dg.float64 if dtype == np.float64 else dg.float32
        )
        params = copy_weights(tm, dm)
        mods = {torch: tm, dg: dm}
        for step in range(3):
            train = step < 2 or fz.chance(0.5)
            tm.train(train)
            dm.train(train)
            spatial = [] if d == 1 and fz.chance(0.5) else [fz.int(1, 3) for _ in range(d)]
            x = fz.array([fz.int(2, 3), c] + spatial, dtype)
            what = f"BatchNorm{d}d({c}, {kw}) step {step} train={train} x{x.shape}"
            gt = 1e-3 if dtype == np.float32 else None
            fz.check(what, lambda lib, t, mods=mods: mods[lib](t), [x], params=params, grad_tol=gt)
            for name, buf in tm.named_buffers():
                mine = dict(dm.named_buffers())[name].numpy()
                if not np.allclose(mine, buf.numpy(), rtol=1e-5, atol=1e-6):
                    fz.failures.append(f"{what}: buffer {name} {mine} vs torch {buf.numpy()}")
            for p in list(tm.parameters()) + list(dm.parameters()):
                p.grad = None
    fz.report()


def test_batch_norm_eval_on_an_empty_batch():
    """Regression (fuzz): the eval path reshaped with -1 and failed on N = 0."""
    F = dg.nn.functional
    y = F.batch_norm(dg.tensor(np.zeros((0, 3), np.float32)), dg.zeros(3), dg.ones(3),
                     training=False)  # fmt: skip
    assert y.shape == (0, 3)


def test_functional_batch_and_instance_norm_refuse_momentum_none():
    """torch's F.batch_norm / F.instance_norm take a float momentum (the layer's None is
    its own)."""
    with pytest.raises(TypeError, match="momentum"):
        dg.nn.functional.instance_norm(dg.ones((2, 3, 4)), momentum=None)
    with pytest.raises(TypeError, match="momentum"):
        dg.nn.functional.batch_norm(dg.ones((2, 3)), dg.zeros(3), dg.ones(3), training=True,
                                    momentum=None)  # fmt: skip


def test_instance_norm_of_an_empty_batch_leaves_running_stats():
    rm, rv = dg.zeros(2), dg.ones(2)
    y = dg.nn.functional.instance_norm(dg.zeros((0, 2, 3)), rm, rv)
    assert y.shape == (0, 2, 3)
    assert rm.tolist() == [0.0, 0.0] and rv.tolist() == [1.0, 1.0]
