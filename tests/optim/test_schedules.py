"""Learning-rate schedules: the same rates as PyTorch's over 100 steps, state round trips,
late binding."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import optim

STEPS = 100


def _opt_pair(torch, lrs=(0.1,), cls="SGD", **kwargs):
    ps = [dg.tensor(np.zeros(2), requires_grad=True) for _ in lrs]
    ours = getattr(optim, cls)([{"params": [p], "lr": lr} for p, lr in zip(ps, lrs)], **kwargs)
    tcls = {"SGD": "SGD", "Adam": "Adam"}[cls]
    qs = [torch.zeros(2, requires_grad=True) for _ in lrs]
    theirs = getattr(torch.optim, tcls)(
        [{"params": [q], "lr": lr} for q, lr in zip(qs, lrs)], **kwargs
    )
    return ours, theirs


def _build(sched_name, module, opt, kwargs):
    if sched_name == "SequentialLR":
        subs = [getattr(module, n)(opt, **kw) for n, kw in kwargs["schedulers"]]
        return module.SequentialLR(opt, subs, milestones=kwargs["milestones"])
    return getattr(module, sched_name)(opt, **kwargs)


SCHEDULES = [
    ("StepLR", {"step_size": 7}),
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("StepLR", {"step_size": 1.0, "gamma": 0.95}),  # the Transformer tutorial's float step
    ("MultiStepLR", {"milestones": [10, 30, 30, 80], "gamma": 0.5}),
    ("ExponentialLR", {"gamma": 0.95}),
    ("CosineAnnealingLR", {"T_max": 100}),
    ("CosineAnnealingLR", {"T_max": 30, "eta_min": 0.01}),
    ("LinearLR", {}),
    ("LinearLR", {"start_factor": 0.1, "end_factor": 0.5, "total_iters": 20}),
    ("SequentialLR", {"schedulers": [("LinearLR", {"start_factor": 0.1, "total_iters": 5}),
                                     ("CosineAnnealingLR", {"T_max": 95})], "milestones": [5]}),
    ("SequentialLR", {"schedulers": [("LinearLR", {"start_factor": 0.25, "total_iters": 10}),
                                     ("StepLR", {"step_size": 10, "gamma": 0.5}),
                                     ("ExponentialLR", {"gamma": 0.9})], "milestones": [10, 60]}),
    ("OneCycleLR", {"max_lr": 1.0, "total_steps": 100}),
    ("OneCycleLR", {"max_lr": [1.0, 0.5], "total_steps": 120, "anneal_strategy": "linear",
                    "three_phase": True, "pct_start": 0.25}),
    ("OneCycleLR", {"max_lr": 0.1, "epochs": 10, "steps_per_epoch": 11, "div_factor": 10.0}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "kwargs"), SCHEDULES, ids=[s[0] + str(i) for i, s in enumerate(SCHEDULES)]
)
@pytest.mark.parametrize("cls", ["SGD", "Adam"])
def test_matches_torch(name, kwargs, cls):
    torch = pytest.importorskip("torch")
    two = isinstance(kwargs.get("max_lr"), list)
    lrs = (0.1, 0.02) if two or name in ("StepLR", "ExponentialLR") else (0.1,)
    extra = {"momentum": 0.9} if cls == "SGD" else {}
    ours, theirs = _opt_pair(torch, lrs, cls, **extra)
    s, ts = (
        _build(name, optim, ours, kwargs),
        _build(name, torch.optim.lr_scheduler, theirs, kwargs),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for t in range(STEPS):
            np.testing.assert_allclose(s.get_last_lr(), ts.get_last_lr(), rtol=1e-9, err_msg=t)
            for g, tg in zip(ours.param_groups, theirs.param_groups, strict=True):
                assert g["lr"] == pytest.approx(tg["lr"], rel=1e-9)
                if cls == "SGD":
                    assert g["momentum"] == pytest.approx(tg["momentum"], rel=1e-9)
                else:
                    assert g["betas"][0] == pytest.approx(tg["betas"][0], rel=1e-9)
            theirs.step()
            s.step()
            ts.step()


def test_one_cycle_refuses_steps_past_the_end():
    opt = optim.SGD([dg.tensor(np.zeros(1), requires_grad=True)], lr=0.1, momentum=0.9)
    s = optim.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    for _ in range(10):
        s.step()
    with pytest.raises(ValueError, match="total_steps"):
        s.step()
    with pytest.raises(ValueError, match="momentum or betas"):
        optim.OneCycleLR(optim.Adagrad(lr=0.1), max_lr=1.0, total_steps=10)
    with pytest.raises(ValueError, match="total_steps"):
        optim.OneCycleLR(opt, max_lr=1.0)


def test_lambda_lr_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _opt_pair(torch, (0.1, 0.05))
    fns = [lambda e: 0.97**e, lambda e: 1.0 / (1 + e)]
    s = optim.LambdaLR(ours, fns)
    ts = torch.optim.lr_scheduler.LambdaLR(theirs, fns)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(STEPS):
            np.testing.assert_allclose(s.get_last_lr(), ts.get_last_lr(), rtol=1e-12)
            theirs.step()
            s.step()
            ts.step()


def _metric_sequence():
    rng = np.random.default_rng(0)
    base = np.concatenate([np.linspace(1.0, 0.5, 20), np.full(40, 0.5), np.linspace(0.5, 0.2, 10),
                           np.full(30, 0.2)])  # fmt: skip
    return base + rng.uniform(-1e-3, 1e-3, size=base.shape)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"patience": 3},
        {"patience": 2, "cooldown": 3, "factor": 0.5, "min_lr": 0.003},
        {"mode": "max", "patience": 4, "threshold_mode": "abs", "threshold": 0.01},
        {"patience": 1, "threshold": 0.05, "min_lr": [0.01, 0.0]},
    ],
)
def test_reduce_on_plateau_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    ours, theirs = _opt_pair(torch, (0.1, 0.05))
    s = optim.ReduceLROnPlateau(ours, **kwargs)
    ts = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs, **kwargs)
    metrics = _metric_sequence()
    if kwargs.get("mode") == "max":
        metrics = -metrics
    for m in metrics:
        s.step(m)
        ts.step(m)
        np.testing.assert_allclose(s.get_last_lr(), ts.get_last_lr(), rtol=1e-12)
    assert s.get_last_lr() != [0.1, 0.05]  # it did reduce


@pytest.mark.parametrize(
    ("name", "kwargs"), SCHEDULES, ids=[s[0] + str(i) for i, s in enumerate(SCHEDULES)]
)
def test_state_dict_round_trip(name, kwargs):
    def make():
        two = isinstance(kwargs.get("max_lr"), list)
        groups = [{"params": [dg.tensor(np.zeros(1), requires_grad=True)], "lr": lr}
                  for lr in ((0.1, 0.02) if two else (0.1,))]  # fmt: skip
        opt = optim.Adam(groups)
        return opt, _build(name, optim, opt, kwargs)

    opt, s = make()
    straight = []
    for _ in range(60):
        s.step()
        straight.append(s.get_last_lr())
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
        resumed.append(s2.get_last_lr())
    assert resumed == straight[30:]


def test_reduce_on_plateau_state_round_trip():
    def make():
        opt = optim.SGD([dg.tensor(np.zeros(1), requires_grad=True)], lr=0.1)
        return opt, optim.ReduceLROnPlateau(opt, patience=2, cooldown=1)

    metrics = _metric_sequence()
    opt, s = make()
    for m in metrics:
        s.step(m)
    opt1, s1 = make()
    for m in metrics[:50]:
        s1.step(m)
    opt2, s2 = make()
    opt2.load_state_dict(opt1.state_dict())
    s2.load_state_dict(json.loads(json.dumps(s1.state_dict())))
    for m in metrics[50:]:
        s2.step(m)
    assert s2.get_last_lr() == s.get_last_lr()


def test_lr_at_step_zero_is_the_initial_one():
    opt = optim.SGD([dg.tensor(np.zeros(1), requires_grad=True)], lr=0.3)
    s = optim.CosineAnnealingLR(opt, T_max=10)
    assert s.get_last_lr() == [0.3] and opt.param_groups[0]["lr"] == 0.3
    s.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.15 * (1 + math.cos(math.pi / 10)))


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [s for s in SCHEDULES if s[0] != "SequentialLR"] + [("ReduceLROnPlateau", {"patience": 1})],
)
def test_schedule_built_before_the_optimizer_is_bound(name, kwargs):
    def run(late):
        w = dg.tensor(np.ones(3), requires_grad=True)
        opt = optim.Adam(lr=0.1) if late else optim.Adam([w], lr=0.1)
        s = _build(name, optim, opt, {k: v for k, v in kwargs.items() if k != "max_lr"} | (
            {"max_lr": 0.5} if "max_lr" in kwargs else {}))  # fmt: skip
        lrs = []
        for t in range(40):
            if late and t == 3:
                opt.bind([w])
            if opt.is_bound:
                w.grad = dg.tensor(np.full(3, 0.5))
                opt.step()
            if name == "ReduceLROnPlateau":
                s.step(1.0)
            else:
                s.step()
            lrs.append((s.get_last_lr(), opt.param_groups[0]["betas"]))
        return lrs

    assert run(late=True) == run(late=False)


def test_sequential_lr_errors():
    opt = optim.SGD([dg.tensor(np.zeros(1), requires_grad=True)], lr=0.1)
    other = optim.SGD([dg.tensor(np.zeros(1), requires_grad=True)], lr=0.1)
    a = optim.LinearLR(opt)
    with pytest.raises(ValueError, match="milestones"):
        optim.SequentialLR(opt, [a, optim.StepLR(opt, 3)], milestones=[])
    with pytest.raises(ValueError, match="another optimizer"):
        optim.SequentialLR(opt, [a, optim.StepLR(other, 3)], milestones=[5])
    with pytest.raises(TypeError, match="Optimizer"):
        optim.StepLR("sgd", 3)
    with pytest.raises(ValueError, match="step_size"):
        optim.StepLR(opt, 0)
    with pytest.raises(ValueError, match="step_size must be a positive whole number"):
        optim.StepLR(opt, 2.5)  # PyTorch's decay at ``epoch % 2.5 == 0`` is not followed
    with pytest.raises(ValueError, match="factor"):
        optim.ReduceLROnPlateau(opt, factor=1.5)


_GET_LR_CASES = [
    ("MultiStepLR", {"milestones": [2, 3, 3]}),
    ("StepLR", {"step_size": 2, "gamma": 0.5}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 4}),
    ("LinearLR", {"start_factor": 0.5, "total_iters": 3}),
    ("LambdaLR", {"lr_lambda": lambda e: 1 / (e + 1)}),
    ("PolynomialLR", {"total_iters": 4, "power": 2.0}),
]


@pytest.mark.parametrize("name,kw", _GET_LR_CASES, ids=[c[0] for c in _GET_LR_CASES])
def test_public_get_lr_as_torch(torch, name, kw):
    """``scheduler.get_lr()`` called by a training script (Lextal/pspnet-pytorch prints
    ``scheduler.get_lr()[0]``): PyTorch's recursive form from the current rates, with its
    warning to use ``get_last_lr()`` (at a ``MultiStepLR`` milestone it applies ``gamma`` once
    more); deepgrad returned the closed form."""
    ours, theirs = _opt_pair(torch, lrs=(0.1, 0.02))
    s_ours = getattr(optim.lr_scheduler, name)(ours, **kw)
    s_theirs = getattr(torch.optim.lr_scheduler, name)(theirs, **kw)
    for _ in range(6):
        ours.step(), theirs.step()
        s_ours.step(), s_theirs.step()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got = s_ours.get_lr()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = s_theirs.get_lr()
        np.testing.assert_allclose(got, expected, rtol=1e-12)
        assert [str(w.message) for w in caught] == [
            "To get the last learning rate computed by the scheduler, please use `get_last_lr()`."
        ]
        assert s_ours.get_last_lr() == pytest.approx(s_theirs.get_last_lr(), rel=1e-12)


def test_subclassed_schedules_as_torch(torch):
    """Schedules written by subclassing: ``_LRScheduler`` with attributes set before
    ``super().__init__`` and a ``get_lr`` (maskrcnn-benchmark's ``WarmupMultiStepLR``, the
    warm-up schedulers of many repositories) take PyTorch's step of construction, so epoch 0
    runs at ``get_lr()``'s rate (deepgrad left the base rate for one epoch); a subclass of a
    built-in overriding ``get_lr`` is what ``step()`` calls, its ``super().get_lr()`` the
    parent's rates without a warning; the base class's ``get_lr`` raises
    ``NotImplementedError``."""
    from bisect import bisect_right

    def classes(lib):
        sched = lib.optim.lr_scheduler

        class WarmupMultiStepLR(sched._LRScheduler):
            def __init__(self, optimizer, milestones, gamma=0.1, warmup_factor=1.0 / 3,
                         warmup_iters=3, last_epoch=-1):  # fmt: skip
                self.milestones = milestones
                self.gamma = gamma
                self.warmup_factor = warmup_factor
                self.warmup_iters = warmup_iters
                super().__init__(optimizer, last_epoch)

            def get_lr(self):
                warmup_factor = 1
                if self.last_epoch < self.warmup_iters:
                    alpha = float(self.last_epoch) / self.warmup_iters
                    warmup_factor = self.warmup_factor * (1 - alpha) + alpha
                return [
                    base_lr
                    * warmup_factor
                    * self.gamma ** bisect_right(self.milestones, self.last_epoch)  # fmt: skip
                    for base_lr in self.base_lrs
                ]

        class WarmStep(sched.StepLR):
            def get_lr(self):
                if self.last_epoch < 3:
                    return [0.1 * (self.last_epoch + 1) * b for b in self.base_lrs]
                return super().get_lr()

        return WarmupMultiStepLR, WarmStep

    runs = []
    for lib in (dg, torch):
        warm_multi, warm_step = classes(lib)
        p = lib.nn.Parameter(lib.zeros(1))
        rates = []
        for make in (lambda o, c=warm_multi: c(o, [4, 6]), lambda o, c=warm_step: c(o, 2, 0.5)):
            opt = lib.optim.SGD([p], lr=1.0)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                s = make(opt)
                rates.extend([opt.param_groups[0]["lr"], s.last_epoch])
                for _ in range(8):
                    opt.step()
                    s.step()
                    rates.append(opt.param_groups[0]["lr"])
            assert not [w for w in caught if "get_last_lr" in str(w.message)]
        runs.append(rates)
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-12)

    class Bare(optim.lr_scheduler.LRScheduler):
        def get_lr(self):
            return super().get_lr()

    with pytest.raises(NotImplementedError):
        Bare(optim.SGD([dg.nn.Parameter(dg.zeros(1))], lr=1.0))


@pytest.mark.parametrize(
    "name,kw",
    [("StepLR", {"step_size": 2}), ("CosineAnnealingLR", {"T_max": 5}),
     ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2})],
)  # fmt: skip
def test_base_lrs_assignable_as_torch(torch, name, kw):
    """``sched.base_lrs = [...]`` (PyTorch's plain attribute; ildoonet's
    ``GradualWarmupScheduler`` hands its warmed-up rates to the schedule after it this way):
    the schedule runs from them (deepgrad's read-only property raised ``AttributeError``)."""
    ours, theirs = _opt_pair(torch, lrs=(0.1, 0.05))
    s_ours = getattr(optim.lr_scheduler, name)(ours, **kw)
    s_theirs = getattr(torch.optim.lr_scheduler, name)(theirs, **kw)
    s_ours.base_lrs = [0.4, 0.2]
    s_theirs.base_lrs = [0.4, 0.2]
    for _ in range(7):
        ours.step(), theirs.step()
        s_ours.step(), s_theirs.step()
        assert s_ours.get_last_lr() == pytest.approx(s_theirs.get_last_lr(), rel=1e-12)
    assert s_ours.base_lrs == s_theirs.base_lrs == [0.4, 0.2]
    assert [g["initial_lr"] for g in ours.param_groups] == [
        g["initial_lr"] for g in theirs.param_groups
    ]
