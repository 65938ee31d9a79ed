"""Seeded differential fuzz against torch 2.13 of ``cross_entropy`` (ignore_index,
label_smoothing, class weights, probability targets, K-dim inputs, unbatched), ``nll_loss``
and ``ctc_loss`` over their reductions; float32 and float64, empty batches, invalid
arguments (both must raise)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")


def _f(lib):
    return lib.nn.functional


def _targets(fz, shape, c, ignore):
    t = fz.rng.integers(0, c, size=shape).astype(np.int64)
    if ignore is not None and t.size and fz.chance(0.5):
        t.flat[fz.rng.integers(0, t.size, size=max(1, t.size // 3))] = ignore
    if t.size and fz.chance(0.04):
        t.flat[0] = c  # out of range: both raise
    return t


def test_fuzz_cross_entropy_nll(fuzz):
    fz = fuzz(51)
    for _case in range(240):
        name = fz.pick(["cross_entropy", "nll_loss"])
        dtype = fz.pick([np.float32, np.float64])
        c = fz.int(1, 4)
        form = fz.pick(["unbatched", "batch", "kdim", "kdim"])
        n = fz.pick([0, 1, 2, 3]) if form != "unbatched" else None
        extra = [fz.int(1, 3) for _ in range(fz.int(1, 2))] if form == "kdim" else []
        xshape = [c] if form == "unbatched" else [n, c] + extra
        tshape = [] if form == "unbatched" else [n] + extra
        x = fz.array(xshape, dtype, lo=-3, hi=3)
        if name == "nll_loss":
            x = x - np.log(np.exp(x).sum(axis=0 if form == "unbatched" else 1, keepdims=True))
        kw = {"reduction": fz.pick(["mean", "sum", "none"])}
        ignore = None
        if fz.chance(0.4):
            ignore = fz.pick([-100, 0, c - 1, -1])
            kw["ignore_index"] = ignore
        args = [fz.maybe_nc(x)]
        probs = name == "cross_entropy" and fz.chance(0.3)
        if probs:
            p = np.abs(fz.array(xshape, dtype)) + 0.01
            p = p / p.sum(axis=0 if form == "unbatched" else 1, keepdims=True)
            args.append(p.astype(dtype))
        else:
            args.append(_targets(fz, tshape, c, ignore if ignore is not None else -100))
        weighted = fz.chance(0.4)
        if weighted:
            args.append(fz.const((np.abs(fz.array([c], dtype)) + 0.1).astype(dtype)))
        if name == "cross_entropy" and fz.chance(0.4):
            kw["label_smoothing"] = fz.pick([0.0, 0.1, 0.5, 1.0])
        what = f"{name} x{x.shape} {x.dtype} probs={probs} weight={weighted} {kw}"

        def fn(lib, inp, tgt, *w, name=name, kw=kw):
            return getattr(_f(lib), name)(inp, tgt, weight=w[0] if w else None, **kw)

        fz.check(what, fn, args)
    fz.report()


def test_fuzz_ctc_loss(fuzz):
    fz = fuzz(52)
    for _case in range(70):
        dtype = fz.pick([np.float32, np.float64])
        t_len, n, c = fz.int(1, 6), fz.pick([1, 2, 3]), fz.int(2, 4)
        batched = fz.chance(0.85)
        x = fz.array([t_len, n, c] if batched else [t_len, c], dtype)
        x = x - np.log(np.exp(x).sum(axis=-1, keepdims=True))
        blank = fz.pick([0, c - 1])
        nb = n if batched else 1
        in_lens = fz.rng.integers(1, t_len + 1, size=nb).astype(np.int64)
        tgt_lens = fz.rng.integers(0, t_len + 1, size=nb).astype(np.int64)
        labels = [v for v in range(c) if v != blank]
        concat = fz.chance(0.3) and batched
        s = int(tgt_lens.max()) if nb else 0
        tg = np.array(fz.rng.choice(labels, size=(nb, s)), dtype=np.int64)
        if concat:
            targets = np.concatenate([tg[i, : tgt_lens[i]] for i in range(nb)])
        else:
            targets = tg if batched else tg[0]
        if not batched:
            in_lens, tgt_lens = in_lens[0:1].reshape(()), tgt_lens[0:1].reshape(())
        kw = dict(blank=blank, reduction=fz.pick(["mean", "sum", "none"]),
                  zero_infinity=fz.chance(0.5))  # fmt: skip
        what = (f"ctc_loss x{x.shape} {x.dtype} targets{targets.shape} in={in_lens.tolist()} "
                f"tgt={tgt_lens.tolist()} {kw}")  # fmt: skip
        fz.check(what, lambda lib, a, b, il, tl, kw=kw: _f(lib).ctc_loss(a, b, il, tl, **kw),
                 [x, targets, in_lens, tgt_lens], tol=1e-4 if dtype == np.float32 else 1e-9)  # fmt: skip
    fz.report()


# ---- regressions the fuzz found ------------------------------------------------------------
def test_ctc_loss_with_every_target_empty():
    """(N, 0) padded targets: the recursion's skip transition had one column too many."""
    import deepgrad as dg

    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 3, 2))
    x = x - np.log(np.exp(x).sum(-1, keepdims=True))
    args = (np.zeros((3, 0), np.int64), np.array([2, 5, 2]), np.array([0, 0, 0]))
    xs, tx = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y = dg.nn.functional.ctc_loss(xs, *(dg.tensor(a) for a in args), reduction="sum")
    ty = torch.nn.functional.ctc_loss(tx, *(torch.tensor(a) for a in args), reduction="sum")
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12)
    y.backward()
    ty.backward()
    np.testing.assert_allclose(xs.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_cross_entropy_differentiates_probability_targets():
    """torch gives soft targets a gradient, ``-log_softmax(x) · w`` (smoothed): deepgrad gave
    none when the target required one."""
    import deepgrad as dg

    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 2))
    p = rng.random((2, 3, 2))
    p /= p.sum(1, keepdims=True)
    w = np.array([0.5, 1.0, 2.0])
    for red in ("mean", "sum", "none"):
        kw = dict(weight=None, reduction=red, label_smoothing=0.1)
        xs, ps = dg.tensor(x, requires_grad=True), dg.tensor(p, requires_grad=True)
        tx, tp = torch.tensor(x, requires_grad=True), torch.tensor(p, requires_grad=True)
        kw["weight"] = dg.tensor(w)
        y = dg.nn.functional.cross_entropy(xs, ps, **kw)
        kw["weight"] = torch.tensor(w)
        ty = torch.nn.functional.cross_entropy(tx, tp, **kw)
        np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12)
        y.sum().backward()
        ty.sum().backward()
        np.testing.assert_allclose(xs.grad.numpy(), tx.grad.numpy(), rtol=1e-10)
        np.testing.assert_allclose(ps.grad.numpy(), tp.grad.numpy(), rtol=1e-10)
