"""Schedules added after the first set (CosineAnnealingWarmRestarts, PolynomialLR, ConstantLR,
CyclicLR, MultiplicativeLR, ChainedScheduler): the same rates (and cycled momenta) as PyTorch's
over 40 steps, state round trips, late binding, errors, recipes."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import optim

STEPS = 40
LRS = (0.1, 0.02)


def _opt_pair(torch, cls="SGD", lrs=LRS):
    ps = [dg.tensor(np.zeros(2), requires_grad=True) for _ in lrs]
    qs = [torch.zeros(2, requires_grad=True) for _ in lrs]
    kwargs = {"momentum": 0.9} if cls == "SGD" else {}
    tcls = {"SGD": "SGD", "Adam": "Adam", "Adagrad": "Adagrad"}[cls]
    ours = getattr(optim, cls)([{"params": [p], "lr": lr} for p, lr in zip(ps, lrs)], **kwargs)
    theirs = getattr(torch.optim, tcls)(
        [{"params": [q], "lr": lr} for q, lr in zip(qs, lrs)], **kwargs
    )
    return ours, theirs


def _halve(x):
    return 0.5**x


def _build(name, module, opt, kwargs):
    if name == "ChainedScheduler":
        subs = [_build(n, module, opt, kw) for n, kw in kwargs["schedulers"]]
        return module.ChainedScheduler(subs)
    if name == "MultiplicativeLR":
        fns = {"0.95": lambda e: 0.95, "two": [lambda e: 0.9, lambda e: 1.0 - 0.01 * e]}
        return module.MultiplicativeLR(opt, fns[kwargs["lr_lambda"]])
    return getattr(module, name)(opt, **kwargs)


SCHEDULES = [
    ("CosineAnnealingWarmRestarts", {"T_0": 5}),
    ("CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 2, "eta_min": 0.001}),
    ("CosineAnnealingWarmRestarts", {"T_0": 2, "T_mult": 3}),
    ("PolynomialLR", {}),
    ("PolynomialLR", {"total_iters": 20, "power": 2.0}),
    ("PolynomialLR", {"total_iters": 30, "power": 0.5}),
    ("ConstantLR", {}),
    ("ConstantLR", {"factor": 0.5, "total_iters": 10}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4}),
    ("CyclicLR", {"base_lr": [0.01, 0.001], "max_lr": [0.1, 0.05], "step_size_up": 3,
                  "step_size_down": 5, "mode": "triangular2"}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 5, "mode": "exp_range",
                  "gamma": 0.95, "base_momentum": 0.7, "max_momentum": [0.95, 0.85]}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "scale_fn": _halve,
                  "scale_mode": "iterations"}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2, "step_size_down": 6,
                  "scale_fn": _halve, "cycle_momentum": False}),
    ("MultiplicativeLR", {"lr_lambda": "0.95"}),
    ("MultiplicativeLR", {"lr_lambda": "two"}),
    ("ChainedScheduler", {"schedulers": [("ConstantLR", {"factor": 0.1, "total_iters": 3}),
                                         ("ExponentialLR", {"gamma": 0.9})]}),
    ("ChainedScheduler", {"schedulers": [("LinearLR", {"start_factor": 0.2, "total_iters": 6}),
                                         ("StepLR", {"step_size": 4, "gamma": 0.5}),
                                         ("CosineAnnealingLR", {"T_max": 7, "eta_min": 1e-3})]}),
    ("ChainedScheduler", {"schedulers": [("MultiStepLR", {"milestones": [5, 9, 9], "gamma": 0.5}),
                                         ("PolynomialLR", {"total_iters": 30, "power": 1.5}),
                                         ("MultiplicativeLR", {"lr_lambda": "0.95"})]}),
    ("ChainedScheduler", {"schedulers": [("CosineAnnealingLR", {"T_max": 10}),
                                         ("ConstantLR", {"factor": 0.5, "total_iters": 4})]}),
    ("ChainedScheduler", {"schedulers": [("ExponentialLR", {"gamma": 0.8}),
                                         ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1,
                                                       "step_size_up": 4}),
                                         ("ConstantLR", {"factor": 0.5, "total_iters": 6})]}),
]  # fmt: skip
IDS = [s[0] + str(i) for i, s in enumerate(SCHEDULES)]


def _assert_same_groups(ours, theirs, cls, t):
    for g, tg in zip(ours.param_groups, theirs.param_groups, strict=True):
        assert g["lr"] == pytest.approx(tg["lr"], rel=1e-12, abs=1e-15), t
        if cls == "SGD":
            assert g["momentum"] == pytest.approx(tg["momentum"], rel=1e-12), t
        else:
            assert g["betas"][0] == pytest.approx(tg["betas"][0], rel=1e-12), t


@pytest.mark.parametrize(("name", "kwargs"), SCHEDULES, ids=IDS)
@pytest.mark.parametrize("cls", ["SGD", "Adam"])
def test_matches_torch(torch, name, kwargs, cls):
    ours, theirs = _opt_pair(torch, cls)
    s = _build(name, optim, ours, kwargs)
    ts = _build(name, torch.optim.lr_scheduler, theirs, kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for t in range(STEPS):
            np.testing.assert_allclose(s.get_last_lr(), ts.get_last_lr(), rtol=1e-12, err_msg=t)
            _assert_same_groups(ours, theirs, cls, t)
            theirs.step()
            s.step()
            ts.step()


@pytest.mark.parametrize(
    "kwargs", [{"T_0": 3}, {"T_0": 3, "T_mult": 2, "eta_min": 0.01}, {"T_0": 2, "T_mult": 3}]
)
def test_warm_restarts_with_fractional_epochs_match_torch(torch, kwargs):
    """``step(epoch + i / iters)`` once per batch, then jumps (PyTorch's closed form of the
    restart that contains the epoch)."""
    ours, theirs = _opt_pair(torch)
    s = optim.CosineAnnealingWarmRestarts(ours, **kwargs)
    ts = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(theirs, **kwargs)
    epochs = [e + i / 4 for e in range(12) for i in range(4)] + [30, 7.5, 0, 2.25, 100.0, 13]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in epochs:
            s.step(epoch)
            ts.step(epoch)
            np.testing.assert_allclose(s.get_last_lr(), ts.get_last_lr(), rtol=1e-12)
            assert (s.T_cur, s.T_i, s.last_epoch) == pytest.approx(
                (ts.T_cur, ts.T_i, ts.last_epoch)
            )
        for _ in range(10):  # and plain steps from there
            s.step()
            ts.step()
            np.testing.assert_allclose(s.get_last_lr(), ts.get_last_lr(), rtol=1e-12)


def test_warm_restarts_with_t_mult_2_restart_where_expected():
    opt = optim.SGD([dg.tensor(np.zeros(1), requires_grad=True)], lr=1.0)
    s = optim.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2)
    lrs = [s.get_last_lr()[0]]
    for _ in range(14):
        s.step()
        lrs.append(s.get_last_lr()[0])
    restarts = [i for i, lr in enumerate(lrs) if lr == 1.0]
    assert restarts == [0, 2, 6, 14]  # periods 2, 4, 8


def test_cyclic_lr_triangular2_halves_each_cycle():
    opt = optim.SGD([dg.tensor(np.zeros(1), requires_grad=True)], lr=1.0)
    s = optim.CyclicLR(opt, 0.0, 1.0, step_size_up=2, mode="triangular2", cycle_momentum=False)
    lrs = [s.get_last_lr()[0]]
    for _ in range(12):
        s.step()
        lrs.append(s.get_last_lr()[0])
    np.testing.assert_allclose(lrs, [0, 0.5, 1, 0.5, 0, 0.25, 0.5, 0.25, 0, 0.125, 0.25, 0.125, 0])


@pytest.mark.parametrize(("name", "kwargs"), SCHEDULES, ids=IDS)
def test_state_dict_round_trip(name, kwargs):
    def make():
        groups = [{"params": [dg.tensor(np.zeros(1), requires_grad=True)], "lr": lr}
                  for lr in LRS]  # fmt: skip
        opt = optim.Adam(groups)
        return opt, _build(name, optim, opt, kwargs)

    opt, s = make()
    straight = []
    for _ in range(60):
        s.step()
        straight.append((s.get_last_lr(), [g["betas"] for g in opt.param_groups]))
    opt, s = make()
    for _ in range(30):
        s.step()
    sd = json.loads(json.dumps(s.state_dict()))
    osd = opt.state_dict()
    opt2, s2 = make()
    opt2.load_state_dict(osd)
    s2.load_state_dict(sd)
    resumed = []
    for _ in range(30):
        s2.step()
        resumed.append((s2.get_last_lr(), [g["betas"] for g in opt2.param_groups]))
    assert resumed == straight[30:]


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [s for s in SCHEDULES if s[0] != "ChainedScheduler" and not (
        s[0] == "MultiplicativeLR" and s[1]["lr_lambda"] == "two")
        and not isinstance(s[1].get("base_lr"), list)],
)  # fmt: skip
def test_schedule_built_before_the_optimizer_is_bound(name, kwargs):
    def run(late):
        w = dg.tensor(np.ones(3), requires_grad=True)
        opt = optim.Adam(lr=0.1) if late else optim.Adam([w], lr=0.1)
        if "max_momentum" in kwargs:
            kw = kwargs | {"max_momentum": 0.95}
        else:
            kw = kwargs
        s = _build(name, optim, opt, kw)
        lrs = []
        for t in range(30):
            if late and t == 3:
                opt.bind([w])
            if opt.is_bound:
                w.grad = dg.tensor(np.full(3, 0.5))
                opt.step()
            s.step()
            lrs.append((s.get_last_lr(), opt.param_groups[0]["betas"]))
        return lrs

    assert run(late=True) == run(late=False)


def test_cyclic_lr_binds_later_with_two_groups():
    """Per-group values given for the placeholder group serve every group once bound."""
    a = dg.tensor(np.ones(2), requires_grad=True)
    b = dg.tensor(np.ones(2), requires_grad=True)
    opt = optim.SGD(lr=0.1, momentum=0.9)
    s = optim.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=2)
    opt.bind([{"params": [a]}, {"params": [b]}])
    s.step()
    assert s.get_last_lr() == pytest.approx([0.055, 0.055])
    assert [g["momentum"] for g in opt.param_groups] == pytest.approx([0.85, 0.85])


COMPOSITIONS = {
    "sequential-warm-restarts": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, 0.2, total_iters=4), m.CosineAnnealingWarmRestarts(o, 3, 2)], [4]
    ),
    "sequential-multiplicative-second": lambda m, o: m.SequentialLR(
        o, [m.ConstantLR(o, 0.5, 3), m.MultiplicativeLR(o, lambda e: 0.9)], [5]
    ),
    "sequential-multiplicative-first": lambda m, o: m.SequentialLR(
        o, [m.MultiplicativeLR(o, lambda e: 0.9), m.PolynomialLR(o, 10, 2.0)], [5]
    ),
    "nested-chains": lambda m, o: m.ChainedScheduler(
        [m.ChainedScheduler([m.ConstantLR(o, 0.5, 3), m.ExponentialLR(o, 0.9)]), m.StepLR(o, 4)]
    ),
    "chain-one-cycle": lambda m, o: m.ChainedScheduler(
        [m.OneCycleLR(o, 1.0, total_steps=50), m.ConstantLR(o, 0.5, 3)]
    ),
    "chain-warm-restarts": lambda m, o: m.ChainedScheduler(
        [m.CosineAnnealingWarmRestarts(o, 3, 2), m.MultiplicativeLR(o, lambda e: 0.97)]
    ),
}


@pytest.mark.parametrize("build", COMPOSITIONS.values(), ids=COMPOSITIONS.keys())
def test_compositions_match_torch(torch, build):
    ours, theirs = _opt_pair(torch)
    s, ts = build(optim, ours), build(torch.optim.lr_scheduler, theirs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for t in range(STEPS):
            np.testing.assert_allclose(s.get_last_lr(), ts.get_last_lr(), rtol=1e-12, err_msg=t)
            _assert_same_groups(ours, theirs, "SGD", t)
            theirs.step()
            s.step()
            ts.step()


def test_chained_scheduler_steps_every_schedule_and_multiplies():
    opt = optim.SGD([dg.tensor(np.zeros(1), requires_grad=True)], lr=1.0)
    warm = optim.ConstantLR(opt, factor=0.5, total_iters=2)
    decay = optim.ExponentialLR(opt, gamma=0.9)
    s = optim.ChainedScheduler([warm, decay])
    lrs = [s.get_last_lr()[0]]
    for _ in range(4):
        s.step()
        lrs.append(s.get_last_lr()[0])
    np.testing.assert_allclose(lrs, [0.5, 0.45, 0.81, 0.729, 0.6561])
    assert warm.last_epoch == decay.last_epoch == 4


def test_cycle_momentum_needs_momentum_or_betas(torch):
    w = dg.tensor(np.zeros(1), requires_grad=True)
    with pytest.raises(ValueError, match="momentum or beta"):
        optim.CyclicLR(optim.Adagrad([w], lr=0.1), base_lr=0.01, max_lr=0.1)
    with pytest.raises(ValueError, match="momentum or beta"):  # PyTorch refuses it too
        q = torch.zeros(1, requires_grad=True)
        torch.optim.lr_scheduler.CyclicLR(torch.optim.Adagrad([q]), base_lr=0.01, max_lr=0.1)
    s = optim.CyclicLR(optim.Adagrad([w], lr=0.1), 0.01, 0.1, cycle_momentum=False)
    s.step()
    assert s.get_last_lr() == [pytest.approx(0.01 + 0.09 / 2000)]
    # optimizers that have momentum (RMSprop, the guides' Momentum) or betas (Adamax) work
    for opt in (optim.RMSprop([w]), optim.Momentum([w]), optim.Adamax([w])):
        optim.CyclicLR(opt, 0.01, 0.1, step_size_up=2).step()
        g = opt.param_groups[0]
        assert (g["betas"][0] if "betas" in g else g["momentum"]) == pytest.approx(0.85)


def test_errors():
    w = dg.tensor(np.zeros(1), requires_grad=True)
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    other = optim.SGD([dg.tensor(np.zeros(1), requires_grad=True)], lr=0.1)
    cases = [
        (lambda: optim.CosineAnnealingWarmRestarts(opt, T_0=0), "T_0"),
        (lambda: optim.CosineAnnealingWarmRestarts(opt, T_0=2.5), "T_0"),
        (lambda: optim.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=0), "T_mult"),
        (lambda: optim.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=1.5), "T_mult"),
        (lambda: optim.CosineAnnealingWarmRestarts(opt, T_0=2, eta_min="0"), "eta_min"),
        (lambda: optim.CosineAnnealingWarmRestarts(opt, T_0=2).step(-1), "non-negative"),
        (lambda: optim.PolynomialLR(opt, total_iters=0), "total_iters"),
        (lambda: optim.PolynomialLR(opt, power=-1.0), "power"),
        (lambda: optim.ConstantLR(opt, factor=1.5), "factor"),
        (lambda: optim.ConstantLR(opt, factor=-0.1), "factor"),
        (lambda: optim.ConstantLR(opt, total_iters=0), "total_iters"),
        (lambda: optim.CyclicLR(opt, 0.01, 0.1, mode="triangle"), "mode"),
        (lambda: optim.CyclicLR(opt, 0.01, 0.1, step_size_up=0), "step_size_up"),
        (lambda: optim.CyclicLR(opt, 0.01, 0.1, step_size_down=-1), "step_size_down"),
        (lambda: optim.CyclicLR(opt, 0.01, 0.1, scale_mode="epoch"), "scale_mode"),
        (lambda: optim.CyclicLR(opt, [0.01, 0.02], 0.1), "expected 1 values"),
        (lambda: optim.MultiplicativeLR(opt, [lambda e: 1.0] * 2), "expected 1"),
        (lambda: optim.ChainedScheduler([]), "at least one"),
        (lambda: optim.ChainedScheduler([optim.ReduceLROnPlateau(opt)]), "cannot be chained"),
        (lambda: optim.ChainedScheduler([optim.StepLR(opt, 2), optim.StepLR(other, 2)]), "another"),
        (
            lambda: optim.SequentialLR(
                opt, [optim.ChainedScheduler([optim.StepLR(opt, 2)]), optim.StepLR(opt, 2)], [3]
            ),
            "cannot be sequenced",
        ),
    ]
    for fn, match in cases:
        with pytest.raises(ValueError, match=match):
            fn()
    with pytest.raises(TypeError, match="function"):
        optim.MultiplicativeLR(opt, 0.95)
    with pytest.raises(TypeError, match="Optimizer"):
        optim.CyclicLR("sgd", 0.01, 0.1)
    with pytest.raises(TypeError, match="not a schedule"):
        optim.ChainedScheduler([optim.StepLR(opt, 2), "cosine"])


def test_recipes_find_the_new_schedules(tmp_path):
    """A recipe's [schedule] names a class of deepgrad.optim: the new ones are found."""
    from deepgrad.app.recipe import build_callbacks
    from deepgrad.train import callbacks as C

    for spec in [
        {"name": "CosineAnnealingWarmRestarts", "T_0": 5, "T_mult": 2},
        {"name": "PolynomialLR", "total_iters": 10, "power": 2.0},
        {"name": "ConstantLR", "factor": 0.5},
        {"name": "CyclicLR", "base_lr": 0.001, "max_lr": 0.01, "interval": "step"},
    ]:
        opt = optim.Adam(lr=0.01)
        cbs = build_callbacks({"csv_logger": False}, spec, opt, tmp_path)
        sched = [c for c in cbs if isinstance(c, C.LearningRateScheduler)]
        assert len(sched) == 1 and type(sched[0].schedule).__name__ == spec["name"]
        assert not sched[0]._takes_metric  # step() is called without a metric


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("LinearLR", {"start_factor": 0.5, "total_iters": 4.0}),
        ("ConstantLR", {"factor": 0.5, "total_iters": 3.0}),
        ("PolynomialLR", {"total_iters": 4.0, "power": 2.0}),
    ],
)
def test_a_whole_float_total_iters_is_taken_as_pytorch_takes_it(torch, name, kwargs):
    rates = []
    for lib in (torch, dg):
        w = lib.nn.Parameter(lib.ones(1))
        opt = lib.optim.SGD([w], lr=1.0)
        sched = getattr(lib.optim.lr_scheduler, name)(opt, **kwargs)
        out = []
        for _ in range(6):
            opt.step()
            sched.step()
            out.append(sched.get_last_lr()[0])
        rates.append(out)
    np.testing.assert_allclose(rates[1], rates[0], rtol=1e-12)
    with pytest.raises(ValueError, match="positive whole number"):
        w = dg.nn.Parameter(dg.ones(1))
        getattr(dg.optim.lr_scheduler, name)(
            dg.optim.SGD([w], lr=1.0), **{**kwargs, "total_iters": 2.5}
        )
