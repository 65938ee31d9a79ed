"""Schedules' state dicts are PyTorch's: the same keys and values after some steps, and a
deepgrad schedule resumed from PyTorch's state continues with PyTorch's learning rates."""

from __future__ import annotations

import copy
import json
import math
import warnings
from collections import Counter

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import optim
from deepgrad.optim import lr_scheduler as dg_sched


class Decay:
    """A callable object: PyTorch saves its attributes (a function or lambda is not saved)."""

    def __init__(self, rate: float) -> None:
        self.rate = rate

    def __call__(self, epoch: int) -> float:
        return self.rate


CASES = {
    "StepLR": lambda m, o: m.StepLR(o, 2, gamma=0.5),
    "MultiStepLR": lambda m, o: m.MultiStepLR(o, [3, 1, 3], gamma=0.5),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, 0.9),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, 5, eta_min=0.001),
    "CosineAnnealingWarmRestarts": lambda m, o: m.CosineAnnealingWarmRestarts(o, 2, 2, 0.001),
    "ReduceLROnPlateau": lambda m, o: m.ReduceLROnPlateau(o, patience=0, cooldown=1),
    "ReduceLROnPlateau-min_lrs": lambda m, o: m.ReduceLROnPlateau(
        o, mode="max", patience=1, min_lr=[0.01, 0.001]
    ),
    "CyclicLR": lambda m, o: m.CyclicLR(o, [0.01, 0.02], 0.1, 2, 3, mode="triangular2"),
    "OneCycleLR": lambda m, o: m.OneCycleLR(o, [0.1, 0.2], total_steps=12),
    "OneCycleLR-three": lambda m, o: m.OneCycleLR(
        o, 0.1, epochs=3, steps_per_epoch=4, anneal_strategy="linear", three_phase=True
    ),
    "LambdaLR": lambda m, o: m.LambdaLR(o, lambda e: 0.9**e),
    "MultiplicativeLR": lambda m, o: m.MultiplicativeLR(o, Decay(0.8)),
    "LinearLR": lambda m, o: m.LinearLR(o, start_factor=0.25, total_iters=4),
    "ConstantLR": lambda m, o: m.ConstantLR(o, factor=0.5, total_iters=2),
    "PolynomialLR": lambda m, o: m.PolynomialLR(o, total_iters=4, power=2.0),
    "SequentialLR": lambda m, o: m.SequentialLR(
        o, [m.ExponentialLR(o, 0.8), m.StepLR(o, 2)], milestones=[2]
    ),
    "SequentialLR-warmup": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.5, total_iters=2), m.ExponentialLR(o, 0.9)], [3]
    ),
    "ChainedScheduler": lambda m, o: m.ChainedScheduler(
        [m.ConstantLR(o, factor=0.5, total_iters=2), m.ExponentialLR(o, 0.9)]
    ),
}
METRICS = [1.0, 1.0, 0.5, 0.6, 0.7, 0.4, 0.45, 0.5, 0.5, 0.3]


def _optimizers(torch):
    ours = optim.SGD(
        [{"params": [dg.zeros(2, requires_grad=True)]},
         {"params": [dg.zeros(1, requires_grad=True)], "lr": 0.05}],
        lr=0.1, momentum=0.9,
    )  # fmt: skip
    theirs = torch.optim.SGD(
        [{"params": [torch.zeros(2, requires_grad=True)]},
         {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.05}],
        lr=0.1, momentum=0.9,
    )  # fmt: skip
    return ours, theirs


def _step(sched, i):
    if "Plateau" in type(sched).__name__:
        sched.step(METRICS[i])
    else:
        sched.step()


def _same(ours, theirs, where="state"):
    """Equal values: floats to rounding, containers element by element."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict), where
        assert sorted(ours, key=str) == sorted(theirs, key=str), where
        assert type(ours) is type(theirs), where  # Counter stays a Counter
        for k in theirs:
            _same(ours[k], theirs[k], f"{where}[{k!r}]")
    elif isinstance(theirs, (list, tuple)):
        assert isinstance(ours, list) and len(ours) == len(theirs), where
        for i, (a, b) in enumerate(zip(ours, theirs)):
            _same(a, b, f"{where}[{i}]")
    elif isinstance(theirs, float) and not math.isinf(theirs):
        assert isinstance(ours, (int, float)), where
        assert math.isclose(ours, theirs, rel_tol=1e-12, abs_tol=1e-15), (where, ours, theirs)
    else:
        assert ours == theirs, (where, ours, theirs)


def _hyperparameters(ours, theirs):
    """Copy PyTorch's groups' values (lr, initial_lr, momentum, max_lr...) into ours, as
    loading the optimizer's state would."""
    for g, tg in zip(ours.param_groups, theirs.param_groups, strict=True):
        for k, v in tg.items():
            if k != "params" and k in ("lr", "initial_lr", "momentum", "max_lr", "min_lr",
                                       "max_momentum", "base_momentum"):  # fmt: skip
                g[k] = float(v)


PARAMS = [(name, steps) for name in CASES for steps in (1, 3, 6)]


@pytest.mark.parametrize(("name", "steps"), PARAMS)
def test_state_dict_is_torchs_and_resumes(torch, name, steps):
    tsched = torch.optim.lr_scheduler
    ours, theirs = _optimizers(torch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s, t = CASES[name](dg_sched, ours), CASES[name](tsched, theirs)
        if isinstance(s, optim.MultiplicativeLR):
            s.lr_lambdas[0].rate = t.lr_lambdas[0].rate = 0.7  # saved: an attribute
        for i in range(steps):
            theirs.step()
            _step(s, i)
            _step(t, i)
        _same(s.state_dict(), t.state_dict())
        # resume a fresh deepgrad schedule (a fresh optimizer) from PyTorch's state
        ours2, _ = _optimizers(torch)
        s2 = CASES[name](dg_sched, ours2)
        if isinstance(s2, optim.MultiplicativeLR):
            s2.lr_lambdas[0].rate = 0.8
        _hyperparameters(ours2, theirs)
        saved = copy.deepcopy(t.state_dict())
        s2.load_state_dict(saved)
        _same(s2.state_dict(), t.state_dict(), "reloaded")
        for i in range(steps, steps + 4):
            theirs.step()
            _step(s2, i)
            _step(t, i)
            np.testing.assert_allclose(s2.get_last_lr(), t.get_last_lr(), rtol=1e-12)
            assert [g["lr"] for g in ours2.param_groups] == pytest.approx(
                [g["lr"] for g in theirs.param_groups], rel=1e-12
            )


def test_torch_state_with_tensor_values_is_converted(torch):
    ours, theirs = _optimizers(torch)
    s = optim.StepLR(ours, 2, gamma=0.5)
    for _ in range(3):
        s.step()
    state = s.state_dict()
    f64 = torch.float64
    state["base_lrs"] = [torch.tensor(0.2, dtype=f64), torch.tensor(0.1, dtype=f64)]
    state["_last_lr"] = [torch.tensor(0.05, dtype=f64), torch.tensor(0.025, dtype=f64)]
    s2 = optim.StepLR(_optimizers(torch)[0], 2, gamma=0.5)
    s2.load_state_dict(state)
    assert s2.base_lrs == [0.2, 0.1] and all(type(b) is float for b in s2.base_lrs)
    assert all(type(v) is float for v in s2.state_dict()["_last_lr"])
    s2.step()
    assert s2.get_last_lr() == pytest.approx([0.05, 0.025])


def _old_states():
    """deepgrad's state dicts before they took PyTorch's keys."""
    return {
        "MultiStepLR": {"_last_lr": [0.025, 0.0125], "gamma": 0.5, "last_epoch": 3,
                        "milestones": [1, 3, 3]},
        "CyclicLR": {"_last_lr": [0.04, 0.06], "_base_lrs": [0.01, 0.02], "cycle_momentum": True,
                     "base_momentums": [0.8, 0.8], "gamma": 1.0, "last_epoch": 3,
                     "max_lrs": [0.1, 0.1], "max_momentums": [0.9, 0.9], "mode": "triangular2",
                     "scale_mode": "cycle", "step_ratio": 0.4, "total_size": 5.0,
                     "use_beta1": False},
        "OneCycleLR": {"_last_lr": [0.06, 0.12], "_phases": [[2.6, "initial_lr", "max_lr",
                       "max_momentum", "base_momentum"], [11.0, "max_lr", "min_lr",
                       "base_momentum", "max_momentum"]], "anneal_strategy": "cos",
                       "cycle_momentum": True, "div_factor": 25.0, "final_div_factor": 1e4,
                       "last_epoch": 3, "total_steps": 12, "use_beta1": False},
        "ChainedScheduler": {"_last_lr": [0.0729, 0.03645], "last_epoch": 3, "_schedulers": [
            {"_last_lr": [0.0729, 0.03645], "factor": 0.5, "total_iters": 2, "last_epoch": 3,
             "_chained": True},
            {"_last_lr": [0.0729, 0.03645], "gamma": 0.9, "last_epoch": 3, "_chained": True}]},
        "ReduceLROnPlateau": {"_last_lr": [0.01, 0.005], "min_lrs": [0.0], "factor": 0.1,
                              "eps": 1e-8, "last_epoch": 3, "mode": "min", "patience": 0,
                              "threshold": 1e-4, "threshold_mode": "rel", "cooldown": 1,
                              "best": 0.5, "num_bad_epochs": 0, "cooldown_counter": 0},
    }  # fmt: skip


@pytest.mark.parametrize("name", list(_old_states()))
def test_older_deepgrad_states_still_load(torch, name):
    """An older state, loaded, continues as PyTorch's schedule after the same steps."""
    ours, theirs = _optimizers(torch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = CASES[name](torch.optim.lr_scheduler, theirs)
        for i in range(3):
            theirs.step()
            _step(t, i)
        s = CASES[name](dg_sched, ours)
        _hyperparameters(ours, theirs)
        s.load_state_dict(json.loads(json.dumps(_old_states()[name])))
        for i in range(3, 7):
            _step(s, i)
            _step(t, i)
            np.testing.assert_allclose(s.get_last_lr(), t.get_last_lr(), rtol=1e-12)


def test_milestones_survive_json():
    ours = optim.SGD([dg.zeros(1, requires_grad=True)], lr=0.1)
    s = optim.MultiStepLR(ours, [3, 1, 3])
    sd = s.state_dict()
    assert sd["milestones"] == Counter({1: 1, 3: 2})
    s2 = optim.MultiStepLR(optim.SGD([dg.zeros(1, requires_grad=True)], lr=0.1), [5])
    s2.load_state_dict(json.loads(json.dumps(sd)))
    assert s2.milestones == [1, 3, 3]


def test_two_schedules_stepped_on_one_optimizer_compose_as_torch(torch):
    """A warm-up LinearLR and a StepLR stepped side by side (no SequentialLR): PyTorch's
    step() uses the recursive forms, so the two multiply; the rates equal torch's exactly."""

    def run(lib, sched):
        opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1)
        warm = sched.LinearLR(opt, start_factor=0.25, total_iters=4)
        decay = sched.StepLR(opt, 3, gamma=0.5)
        out = [opt.param_groups[0]["lr"]]
        for _ in range(8):
            opt.step()
            warm.step()
            decay.step()
            out.append(opt.param_groups[0]["lr"])
        return out

    assert run(dg, dg_sched) == run(torch, torch.optim.lr_scheduler)
