"""Seeded differential fuzz against torch 2.13 of linear/bilinear with odd shapes (0-size
axes, 1-d and 0-d inputs, no bias, mismatches), local_response_norm (size, alpha, beta, k;
3-d to 5-d inputs) and embedding_bag (sum/mean/max, offsets with include_last_offset,
per_sample_weights, padding_idx, 2-D input, empty bags); float32 and float64."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")


def _f(lib):
    return lib.nn.functional


def test_fuzz_linear_bilinear(fuzz):
    fz = fuzz(101)
    for _ in range(200):
        dtype = fz.pick([np.float32, np.float64])
        bilinear = fz.chance(0.4)
        lead = [fz.pick([0, 1, 2, 3]) for _ in range(fz.int(0, 2))]
        i1, i2, o = fz.pick([0, 1, 3]), fz.pick([0, 1, 2]), fz.pick([0, 1, 4])
        has_b = fz.chance(0.6)
        if bilinear:
            # 0 input features: 2.13 raises (a reshape to [-1, 0]), deepgrad gives the bias
            # (README; test_bilinear_with_no_input_features)
            i1, i2 = max(i1, 1), max(i2, 1)
            x1, x2 = fz.array(lead + [i1], dtype), fz.array(lead + [i2], dtype)
            if fz.chance(0.05):
                x2 = fz.array(lead + [i2 + 1], dtype)  # mismatch: both raise
            w = fz.array([o, i1, i2], dtype)
            args = [x1, x2, w] + ([fz.array([o], dtype)] if has_b else [])
            fn = lambda lib, a, b, w, *bb: _f(lib).bilinear(a, b, w, bb[0] if bb else None)  # noqa: E731
        else:
            x = fz.array(lead + [i1] if fz.chance(0.9) else [], dtype)
            w = fz.array([o, i1] if fz.chance(0.85) else [i1], dtype)
            if fz.chance(0.05):
                w = fz.array([o, i1 + 1], dtype)
            bshape = [o] if w.ndim == 2 else []
            # a 1-D weight, a bias and a 2-D input: 2.13's addmm path raises where its 1-D
            # and 3-D inputs work; deepgrad takes all three (README)
            has_b = has_b and not (w.ndim == 1 and x.ndim == 2)
            args = [fz.maybe_nc(x), fz.maybe_nc(w)] + ([fz.array(bshape, dtype)] if has_b else [])
            fn = lambda lib, a, w, *bb: _f(lib).linear(a, w, bb[0] if bb else None)  # noqa: E731
        what = f"{'bilinear' if bilinear else 'linear'} {[getattr(a, 'a', a).shape for a in args]} {dtype.__name__}"
        fz.check(what, fn, args)
    fz.report(min_cases=200)


def test_fuzz_local_response_norm(fuzz):
    fz = fuzz(102)
    for _ in range(100):
        dtype = fz.pick([np.float32, np.float64])
        nd = fz.pick([2, 3, 4, 5])
        shape = [fz.pick([0, 1, 2])] + [fz.int(1, 5)] + [fz.int(1, 3) for _ in range(nd - 2)]
        x = fz.array(shape, dtype)
        kw = {"size": fz.int(1, 6), "alpha": fz.pick([1e-4, 0.5, 1.0]),
              "beta": fz.pick([0.75, 0.5, 1.0]), "k": fz.pick([1.0, 2.0, 0.5])}  # fmt: skip
        what = f"local_response_norm x{x.shape} {dtype.__name__} {kw}"
        # a strided 5-d input: 2.13 raises (a .view), deepgrad computes it (README)
        fz.check(what, lambda lib, a, kw=kw: _f(lib).local_response_norm(a, **kw),
                 [fz.maybe_nc(x) if nd < 5 else x], tol=1e-4 if dtype == np.float32 else 1e-9)  # fmt: skip
    fz.report(min_cases=100)


def test_fuzz_embedding_bag(fuzz):
    fz = fuzz(103)
    for _ in range(200):
        dtype = fz.pick([np.float32, np.float64])
        num, dim = fz.int(1, 6), fz.int(1, 3)
        w = fz.array([num, dim], dtype)
        mode = fz.pick(["sum", "mean", "max"])
        kw = {"mode": mode}
        two_d = fz.chance(0.35)
        if two_d:
            # (B, 0): 2.13 raises 'step must be nonzero' in every mode, deepgrad gives
            # empty bags (README; test_embedding_bag_2d_with_no_columns)
            b, n = fz.pick([0, 1, 2, 3]), fz.pick([1, 2, 3])
            idx = fz.rng.integers(0, num, size=(b, n)).astype(np.int64)
            args = [idx, w]
        else:
            length = fz.int(0, 7)
            idx = fz.rng.integers(0, num, size=length).astype(np.int64)
            cuts = np.sort(fz.rng.integers(0, length + 1, size=fz.int(1, 4)))
            cuts[0] = 0 if fz.chance(0.9) else cuts[0]  # torch requires offsets[0] == 0
            ilo = fz.chance(0.3)
            if ilo:
                cuts = np.append(cuts, length)
                kw["include_last_offset"] = True
            args = [idx, w, cuts.astype(np.int64)]
        if idx.size and fz.chance(0.05):
            idx.flat[0] = num  # out of range: both raise
        if fz.chance(0.3):
            kw["padding_idx"] = fz.pick([0, num - 1, -1])
        psw = mode == "sum" and fz.chance(0.4) or fz.chance(0.05)
        if psw:
            args.append(fz.array(idx.shape, dtype, 0.1, 2))
        what = (f"embedding_bag idx{idx.shape} w{w.shape} {dtype.__name__} psw={psw} "
                f"offsets={args[2].tolist() if not two_d else None} {kw}")  # fmt: skip

        def fn(lib, i, wt, *rest, two_d=two_d, psw=psw, kw=kw):
            rest = list(rest)
            off = None if two_d else rest.pop(0)
            p = rest.pop(0) if psw else None
            return _f(lib).embedding_bag(i, wt, off, per_sample_weights=p, **kw)

        fz.check(what, fn, args)
    fz.report(min_cases=200)


# ---- regressions the fuzz found, and deepgrad's answers where 2.13 fails ----------------------
def test_linear_with_an_empty_feature_or_output_axis():
    """A 1-d or 3-d input with 0 features (or 0 outputs) reshaped with -1, which NumPy
    refuses for a 0-size array."""
    import deepgrad as dg

    for xs, ws in (((0,), (4, 0)), ((3, 3, 0), (1, 0)), ((3,), (0, 3)), ((2, 3, 2), (0, 2))):
        x = np.random.default_rng(0).standard_normal(xs)
        w = np.random.default_rng(1).standard_normal(ws)
        b = np.arange(ws[0], dtype=np.float64)
        xa, wa, ba = (dg.tensor(a, requires_grad=True) for a in (x, w, b))
        xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
        y, ty = dg.nn.functional.linear(xa, wa, ba), torch.nn.functional.linear(xt, wt, bt)
        np.testing.assert_allclose(y.numpy(), ty.detach().numpy())
        y.sum().backward()
        ty.sum().backward()
        for a, t in ((xa, xt), (wa, wt), (ba, bt)):
            np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy())


def test_bilinear_with_no_input_features():
    import deepgrad as dg

    b = dg.tensor([1.0, 2.0])
    y = dg.nn.functional.bilinear(dg.zeros(3, 0), dg.ones(3, 2), dg.zeros(2, 0, 2), b)
    assert y.tolist() == [[1.0, 2.0]] * 3


def test_embedding_bag_2d_with_no_columns():
    import deepgrad as dg

    w = dg.ones(3, 2)
    for mode in ("sum", "mean", "max"):
        y = dg.nn.functional.embedding_bag(dg.zeros(2, 0, dtype=dg.int64), w, mode=mode)
        assert y.tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_local_response_norm_on_a_strided_5d_input():
    """2.13 raises on a non-contiguous 5-d input (a .view); deepgrad gives the contiguous
    input's numbers."""
    x = np.random.default_rng(0).standard_normal((2, 3, 2, 2, 3))
    import deepgrad as dg

    y = dg.nn.functional.local_response_norm(dg.tensor(x).transpose(-1, -2), 3)
    ty = torch.nn.functional.local_response_norm(torch.tensor(x).transpose(-1, -2).contiguous(), 3)
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-12)
