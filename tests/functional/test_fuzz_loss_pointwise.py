"""Seeded differential fuzz against torch 2.13 of the pointwise losses: binary_cross_entropy
(weight broadcasting), binary_cross_entropy_with_logits (weight, pos_weight over the last
axis), kl_div (log_target, 'batchmean'), gaussian_nll_loss (full, eps, var shapes, var < 0),
poisson_nll_loss (log_input, full), huber/smooth_l1 (delta/beta incl. 0), l1/mse; every
reduction, float32 and float64, empty and 0-d inputs, shape mismatches (both must raise)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

RED = ["mean", "sum", "none"]


def _f(lib):
    return lib.nn.functional


def _shape(fz, lo=0):
    return [fz.pick([0, 1, 2, 3]) for _ in range(fz.int(lo, 3))]


def _bcast(fz, shape):
    """A shape broadcastable to ``shape`` (trailing axes kept or 1, leading ones dropped)."""
    k = fz.int(0, len(shape))
    return [fz.pick([d, 1]) for d in shape[len(shape) - k :]]


def test_fuzz_bce(fuzz):
    fz = fuzz(71)
    for _ in range(200):
        logits = fz.chance(0.5)
        dtype = fz.pick([np.float32, np.float64])
        shape = _shape(fz)
        x = fz.array(shape, dtype, lo=-4, hi=4) if logits else fz.array(shape, dtype, 0.01, 0.99)
        if not logits and x.size and fz.chance(0.2):
            x.flat[0] = fz.pick([0.0, 1.0])
        y = fz.array(shape, dtype, 0, 1)
        if fz.chance(0.3):
            y = np.asarray(np.round(y), dtype)
        if fz.chance(0.05) and shape:
            y = fz.array(shape[:-1] + [shape[-1] + 1], dtype, 0, 1)  # mismatch: both raise
        args = [fz.maybe_nc(x), y if fz.chance(0.5) else fz.const(y)]
        kw = {"reduction": fz.pick(RED)}
        has_w = fz.chance(0.4)
        if has_w:
            ws = _bcast(fz, shape) if fz.chance(0.9) else [2] + shape  # larger: both raise
            args.append(fz.const(fz.array(ws, dtype, 0.1, 2)))
        has_pw = logits and fz.chance(0.4)
        if has_pw:
            pw = [fz.pick([shape[-1] if shape else 1, 1])] if fz.chance(0.8) else _bcast(fz, shape)
            args.append(fz.const(fz.array(pw, dtype, 0.1, 3)))
        name = "binary_cross_entropy_with_logits" if logits else "binary_cross_entropy"
        what = f"{name} x{x.shape} {x.dtype} w={has_w} pw={has_pw} {kw} " + str(
            [getattr(a, "a", a).shape for a in args]
        )

        def fn(lib, a, b, *rest, name=name, kw=kw, has_w=has_w, has_pw=has_pw):
            k = dict(kw)
            rest = list(rest)
            if has_w:
                k["weight"] = rest.pop(0)
            if has_pw:
                k["pos_weight"] = rest.pop(0)
            return getattr(_f(lib), name)(a, b, **k)

        fz.check(what, fn, args)
    fz.report(min_cases=200)


@pytest.mark.filterwarnings("ignore:reduction. .mean. divides:UserWarning")  # torch's
def test_fuzz_kl_div(fuzz):
    fz = fuzz(72)
    for _ in range(120):
        dtype = fz.pick([np.float32, np.float64])
        shape = _shape(fz)
        x = np.asarray(np.log(fz.array(shape, dtype, 0.05, 1)), dtype)
        log_target = fz.chance(0.5)
        t = fz.array(shape, dtype, 0.0, 1)
        if t.size and fz.chance(0.3):
            t.flat[0] = 0.0
        if log_target:
            t = np.asarray(np.log(fz.array(shape, dtype, 0.05, 1)), dtype)
        kw = {"reduction": fz.pick(RED + ["batchmean"]), "log_target": log_target}
        what = f"kl_div x{x.shape} {x.dtype} {kw}"
        fz.check(what, lambda lib, a, b, kw=kw: _f(lib).kl_div(a, b, **kw), [fz.maybe_nc(x), t])
    fz.report(min_cases=120)


def test_fuzz_gaussian_nll(fuzz):
    fz = fuzz(73)
    for _ in range(150):
        dtype = fz.pick([np.float32, np.float64])
        shape = _shape(fz, lo=1)
        form = fz.pick(["same", "fewer", "last1", "scalar", "bad"])
        vshape = {"same": shape, "fewer": shape[:-1], "last1": shape[:-1] + [1],
                  "scalar": [], "bad": shape[:-1] + [shape[-1] + 2]}[form]  # fmt: skip
        x, t = fz.array(shape, dtype), fz.array(shape, dtype)
        v = fz.array(vshape, dtype, 0.01, 2)
        if v.size and fz.chance(0.1):
            v.flat[0] = fz.pick([-0.5, 0.0])
        kw = {"full": fz.chance(0.5), "eps": fz.pick([1e-6, 0.1, 1.0]), "reduction": fz.pick(RED)}
        what = f"gaussian_nll_loss x{x.shape} var{v.shape} {x.dtype} {kw}"
        fz.check(what, lambda lib, a, b, c, kw=kw: _f(lib).gaussian_nll_loss(a, b, c, **kw),
                 [x, t, v])  # fmt: skip
    fz.report(min_cases=150)


def test_fuzz_poisson_nll(fuzz):
    fz = fuzz(74)
    for _ in range(120):
        dtype = fz.pick([np.float32, np.float64])
        shape = _shape(fz)
        log_input = fz.chance(0.5)
        x = fz.array(shape, dtype, -2, 2) if log_input else fz.array(shape, dtype, 0.0, 3)
        t = np.asarray(np.floor(fz.array(shape, dtype, 0, 5)), dtype)
        kw = {"log_input": log_input, "full": fz.chance(0.5), "eps": fz.pick([1e-8, 0.1]),
              "reduction": fz.pick(RED)}  # fmt: skip
        what = f"poisson_nll_loss x{x.shape} {x.dtype} {kw}"
        # full=True at a zero count: 2.13's target gradient is NaN (the masked Stirling
        # term's 0 · inf), deepgrad's 0 (README): such targets are passed as constants
        tt = fz.const(t) if kw["full"] and (t == 0).any() else t
        fz.check(what, lambda lib, a, b, kw=kw: _f(lib).poisson_nll_loss(a, b, **kw),
                 [fz.maybe_nc(x), tt])  # fmt: skip
    fz.report(min_cases=120)


def test_fuzz_regression_losses(fuzz):
    fz = fuzz(75)
    for _ in range(200):
        name = fz.pick(["huber_loss", "smooth_l1_loss", "l1_loss", "mse_loss"])
        dtype = fz.pick([np.float32, np.float64])
        shape = _shape(fz)
        # a target of another shape: torch broadcasts (with a warning), deepgrad refuses on
        # purpose (README differences table), so only equal shapes are drawn
        tshape = shape
        x, t = fz.array(shape, dtype), fz.array(tshape, dtype)
        if x.size and t.size and fz.chance(0.3):
            x.flat[0] = t.flat[0]  # a zero residual (the kink)
        kw = {"reduction": fz.pick(RED)}
        if name == "huber_loss":
            kw["delta"] = fz.pick([1.0, 0.5, 2.0, 0.0, -1.0])
        if name == "smooth_l1_loss":
            kw["beta"] = fz.pick([1.0, 0.5, 0.0, -1.0])
        what = f"{name} x{x.shape} t{t.shape} {x.dtype} {kw}"
        fz.check(what, lambda lib, a, b, n=name, kw=kw: getattr(_f(lib), n)(a, b, **kw),
                 [fz.maybe_nc(x), t])  # fmt: skip
    fz.report(min_cases=200)


# ---- regressions the fuzz found ------------------------------------------------------------
def _both(fn, *arrays, grad=(0,)):
    """fn on deepgrad and torch tensors (float64; those in ``grad`` require a gradient):
    the outputs and the gradients of a random upstream gradient."""
    import deepgrad as dg

    out = []
    for lib in (dg, torch):
        ts = [lib.tensor(a, requires_grad=i in grad) for i, a in enumerate(arrays)]
        y = fn(lib, *ts)
        g = np.random.default_rng(0).standard_normal(tuple(y.shape))
        (y * lib.tensor(g)).sum().backward()
        out.append((y.detach().numpy(), [ts[i].grad.numpy() for i in grad]))
    return out


def test_bce_target_gradient_and_pytorch_epsilon():
    """torch differentiates the target (-logit p) and clamps (1-p)p at 1e-12 rounded to
    float32; deepgrad gave the target no gradient and used the float64 1e-12."""
    p = np.array([[0.0, 0.3, 1.0, 0.9]])
    t = np.array([[0.37, 0.6, 0.2, 1.0]])
    w = np.array([0.5, 1.0, 2.0, 1.5])
    for red in ("none", "mean", "sum"):
        (y, gs), (ty, tgs) = _both(
            lambda lib, a, b, c, red=red: lib.nn.functional.binary_cross_entropy(
                a, b, weight=c, reduction=red
            ),
            p, t, w, grad=(0, 1),
        )  # fmt: skip
        np.testing.assert_allclose(y, ty, rtol=1e-12)
        for g, tg in zip(gs, tgs, strict=True):
            np.testing.assert_allclose(g, tg, rtol=1e-12)


def test_bce_weight_that_broadcasts_beyond_the_input_is_refused():
    import deepgrad as dg

    F = dg.nn.functional
    x, t = dg.tensor(0.5), dg.tensor(1.0)
    with pytest.raises(RuntimeError, match="does not broadcast"):
        F.binary_cross_entropy(x, t, weight=dg.ones(1))
    with pytest.raises(RuntimeError, match="does not broadcast"):
        F.binary_cross_entropy_with_logits(dg.zeros(2), dg.zeros(2), pos_weight=dg.ones(3, 2))


def test_kl_div_target_gradient_and_batchmean_edges():
    """torch differentiates the target (xlogy(t, t) - t·x, or e^t (t - x)); 'batchmean' on an
    empty batch is 0/0 = NaN and on a 0-d input the sum (deepgrad raised)."""
    import deepgrad as dg

    x = np.log(np.array([[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]]))
    t = np.array([[0.0, 0.6, 0.4], [0.3, 0.3, 0.4]])
    for log_target in (False, True):
        tt = np.log(t + 0.1) if log_target else t
        (y, gs), (ty, tgs) = _both(
            lambda lib, a, b, lt=log_target: lib.nn.functional.kl_div(
                a, b, reduction="none", log_target=lt
            ),
            x, tt, grad=(0, 1),
        )  # fmt: skip
        np.testing.assert_allclose(y, ty, rtol=1e-12)
        for g, tg in zip(gs, tgs, strict=True):
            np.testing.assert_allclose(g, tg, rtol=1e-12)
    F = dg.nn.functional
    assert np.isnan(F.kl_div(dg.zeros(0, 3), dg.zeros(0, 3), reduction="batchmean").item())
    y = F.kl_div(dg.tensor(-1.0), dg.tensor(0.5), reduction="batchmean")
    ty = torch.nn.functional.kl_div(torch.tensor(-1.0), torch.tensor(0.5), reduction="batchmean")
    assert y.item() == pytest.approx(ty.item(), rel=1e-6)


def test_poisson_nll_full_differentiates_the_stirling_term():
    """With full=True torch's target gradient includes the Stirling term (log t + 1/(2t)
    where t > 1); at t = 0 torch gives NaN (its masked 0 · inf), deepgrad 0 (README)."""
    x = np.array([0.3, -0.2, 1.1, 0.5])
    t = np.array([2.0, 1.0, 4.0, 0.5])
    for log_input in (True, False):
        xx = x if log_input else np.abs(x)
        (y, gs), (ty, tgs) = _both(
            lambda lib, a, b, li=log_input: lib.nn.functional.poisson_nll_loss(
                a, b, log_input=li, full=True, reduction="none"
            ),
            xx, t, grad=(0, 1),
        )  # fmt: skip
        np.testing.assert_allclose(y, ty, rtol=1e-12)
        for g, tg in zip(gs, tgs, strict=True):
            np.testing.assert_allclose(g, tg, rtol=1e-12)
    import deepgrad as dg

    tz = dg.tensor([0.0, 3.0], requires_grad=True)
    dg.nn.functional.poisson_nll_loss(dg.tensor([0.1, 0.2]), tz, full=True).backward()
    assert np.isfinite(tz.grad.numpy()).all()


def test_kl_div_of_a_negative_or_nan_target_is_nan_as_torch():
    """xlogy(t, t) is NaN for t < 0 (and NaN): deepgrad's constant-target path gave 0 there,
    a finite loss where PyTorch flags the invalid target."""
    import deepgrad as dg

    x = np.array([[0.5, -1.5, 2.0], [3.0, 0.25, -0.75]], np.float32)
    t = np.array([[1.0, 0.0, -1.0], [0.5, np.nan, 4.0]], np.float32)
    for reduction in ("none", "sum", "batchmean"):
        got = dg.nn.functional.kl_div(dg.tensor(x), dg.tensor(t), reduction=reduction)
        want = torch.nn.functional.kl_div(torch.tensor(x), torch.tensor(t), reduction=reduction)
        np.testing.assert_array_equal(got.numpy(), want.numpy())
