"""Seeded differential fuzz of ``optim.lr_scheduler`` against PyTorch's.

For each schedule random constructor arguments (valid and invalid) and random step sequences:
every group's rate (and cycled momentum / Adam β1) after every step, ``get_last_lr()``,
``last_epoch``, the ``state_dict()`` keys, a save/load round trip mid-run (a fresh optimizer
and schedule, loaded from deepgrad's own state or from PyTorch's, continue with the same
rates), and the errors (same class) and warnings (PyTorch's step-order and ``step(epoch)``
deprecation warnings).
"""

from __future__ import annotations

import math
import random
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import optim
from deepgrad.optim import lr_scheduler as dg_sched

torch = pytest.importorskip("torch")
t_sched = torch.optim.lr_scheduler

SEED = 20261203
RTOL = 1e-12


# --- functions given to LambdaLR / MultiplicativeLR / CyclicLR (the same objects for both) ---
class Power:
    def __init__(self, r: float) -> None:
        self.r = r

    def __call__(self, e: float) -> float:
        return self.r**e


class Const:
    def __init__(self, r: float) -> None:
        self.r = r

    def __call__(self, e: float) -> float:
        return self.r


class Inv:
    def __call__(self, e: float) -> float:
        return 1.0 / (1.0 + e)


def _fn(rng: random.Random, kind: str) -> Any:
    if kind == "mult":
        return Const(rng.choice([0.5, 0.9, 0.95, 1.0, 1.1]))
    return rng.choice([Power(rng.choice([0.5, 0.9, 0.97])), Inv(), Const(0.3)])


@dataclass
class Case:
    name: str
    spec: dict[str, Any]  # how to build the schedule (the same for both libraries)
    lrs: list[float]
    opt: str = "SGD"  # "SGD" (momentum) or "Adam"
    resume: int | None = None  # last_epoch != -1: set initial_lr first
    actions: list[tuple] = field(default_factory=list)
    roundtrip_at: int | None = None
    torch_state: bool = False  # load PyTorch's state into the fresh deepgrad schedule
    skip_opt_step: bool = False  # step the schedule before the optimizer (the warning)


# --- building the pair ----------------------------------------------------------------------
def _opts(case: Case, initial: list[float] | None = None):
    ps = [dg.tensor(np.zeros(2), requires_grad=True) for _ in case.lrs]
    qs = [torch.zeros(2, dtype=torch.float64, requires_grad=True) for _ in case.lrs]
    extra: dict[str, Any] = {"SGD": {"momentum": 0.9}, "Adam": {"betas": (0.9, 0.999)}}.get(
        case.opt, {}
    )
    groups_d = [{"params": [p], "lr": lr} for p, lr in zip(ps, case.lrs)]
    groups_t = [{"params": [q], "lr": lr} for q, lr in zip(qs, case.lrs)]
    if initial is not None:
        for gd, gt, base in zip(groups_d, groups_t, initial):
            gd["initial_lr"] = base
            gt["initial_lr"] = base
    od = getattr(optim, case.opt)(groups_d, **extra)
    ot = getattr(torch.optim, case.opt)(groups_t, **extra)
    for p in ps:
        p.grad = dg.tensor(np.ones(2))
    for q in qs:
        q.grad = torch.ones(2, dtype=torch.float64)
    return od, ot


def _build(m: Any, opt: Any, spec: dict[str, Any]) -> Any:
    kind = spec["kind"]
    kw = dict(spec.get("kw", {}))
    if kind == "ChainedScheduler":
        subs = [_build(m, opt, s) for s in spec["subs"]]
        return m.ChainedScheduler(subs, **kw)
    if kind == "SequentialLR":
        subs = [_build(m, opt, s) for s in spec["subs"]]
        return m.SequentialLR(opt, subs, **kw)
    return getattr(m, kind)(opt, **kw)


def _pair(case: Case):
    initial = None
    if case.resume is not None:
        initial = [lr * 2 for lr in case.lrs]
    od, ot = _opts(case, initial)
    spec = {k: v for k, v in case.spec.items() if k != "bad"}
    if case.resume is not None:
        spec["kw"] = {**spec.get("kw", {}), "last_epoch": case.resume}
    errs, out, warned = [], [], []
    for m, o in ((dg_sched, od), (t_sched, ot)):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try:
                out.append(_build(m, o, spec))
                errs.append(None)
            except Exception as e:  # noqa: BLE001 - compared below
                out.append(None)
                errs.append(e)
        warned.append(_warned(w))
    assert warned[0] == warned[1], f"{case.spec}: construction warned {warned}"
    return od, ot, out[0], out[1], errs


# --- comparing ----------------------------------------------------------------------------
def _num(v: Any) -> float:
    return float(v.item()) if hasattr(v, "item") else float(v)


def _close(a: float, b: float) -> bool:
    a, b = _num(a), _num(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=RTOL, abs_tol=1e-300)


def _momentum(group: dict[str, Any]) -> float | None:
    if "betas" in group:
        return _num(group["betas"][0])
    return _num(group["momentum"]) if "momentum" in group else None


def _compare(where: str, od, ot, sd, st) -> None:
    for i, (gd, gt) in enumerate(zip(od.param_groups, ot.param_groups, strict=True)):
        assert _close(gd["lr"], gt["lr"]), f"{where}: group {i} lr {gd['lr']!r} != {gt['lr']!r}"
        md, mt = _momentum(gd), _momentum(gt)
        assert (md is None) == (mt is None) and (md is None or _close(md, mt)), (
            f"{where}: group {i} momentum {md!r} != {mt!r}"
        )
    ld, lt = sd.get_last_lr(), st.get_last_lr()
    assert len(ld) == len(lt) and all(map(_close, ld, lt)), f"{where}: last_lr {ld} != {lt}"
    if hasattr(st, "last_epoch"):
        assert sd.last_epoch == st.last_epoch, (
            f"{where}: last_epoch {sd.last_epoch} != {st.last_epoch}"
        )


def _warned(ws: list) -> set[str]:
    keys = set()
    for w in ws:
        msg = str(w.message)
        if "before `optimizer.step()`" in msg:
            keys.add("order")
        elif "epoch parameter in `scheduler.step()`" in msg:
            keys.add("epoch")
    return keys


def _call(fn, *args):
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        try:
            fn(*args)
            err = None
        except Exception as e:  # noqa: BLE001 - compared by the caller
            err = e
    return err, _warned(ws)


def _act(where: str, case: Case, od, ot, sd, st, action: tuple, first: bool) -> bool:
    """Run one action on both; False when both raised (the run ends)."""
    if not (case.skip_opt_step and first):
        od.step()
        ot.step()
    kind, arg = action
    if kind == "add_group":  # a parameter group added after the schedule was built
        od.add_param_group({"params": [dg.tensor(np.zeros(2), requires_grad=True)], "lr": arg})
        ot.add_param_group(
            {"params": [torch.zeros(2, dtype=torch.float64, requires_grad=True)], "lr": arg}
        )
        return True
    if kind == "poke":  # the user changes the rates between steps
        for o in (od, ot):
            for g in o.param_groups:
                g["lr"] = g["lr"] * arg
        return True
    if kind == "step":
        ed, wd = _call(sd.step)
        et, wt = _call(st.step)
    elif kind == "metric":
        ed, wd = _call(sd.step, arg)
        et, wt = _call(st.step, arg)
    elif kind == "metric_epoch":
        ed, wd = _call(sd.step, *arg)
        et, wt = _call(st.step, *arg)
    else:  # "epoch": the deprecated step(epoch)
        ed, wd = _call(sd.step, arg)
        et, wt = _call(st.step, arg)
    assert (ed is None) == (et is None), f"{where} {action}: deepgrad {ed!r}, torch {et!r}"
    if et is not None:
        assert _same_error(ed, et), f"{where} {action}: deepgrad {ed!r}, torch {et!r}"
        return False
    assert wd == wt, f"{where} {action}: deepgrad warned {wd}, torch {wt}"
    return True


def _same_error(ed: Exception, et: Exception) -> bool:
    return isinstance(ed, type(et)) or isinstance(et, type(ed))


def _same_state(where: str, state_d: dict, state_t: dict) -> None:
    """The same keys, and the same numbers under them (functions aside)."""
    keys_d, keys_t = set(state_d), set(state_t)
    assert keys_d == keys_t, f"{where}: state_dict keys {keys_d ^ keys_t}"
    for k in keys_t:
        vd, vt = state_d[k], state_t[k]
        if k == "_schedulers":
            for a, b in zip(vd, vt, strict=True):
                _same_state(f"{where}/sub", a, b)
        elif isinstance(vt, (int, float)) and not isinstance(vt, bool) and vt is not None:
            assert vd is not None and _close(vd, vt), f"{where}: state[{k!r}] {vd!r} != {vt!r}"
        elif isinstance(vt, (list, tuple)) and all(
            isinstance(x, (int, float)) and not isinstance(x, bool) for x in vt
        ):
            assert len(vd) == len(vt) and all(map(_close, vd, vt)), (
                f"{where}: state[{k!r}] {vd!r} != {vt!r}"
            )
        elif isinstance(vt, (str, bool)) or vt is None:
            assert vd == vt, f"{where}: state[{k!r}] {vd!r} != {vt!r}"


def _roundtrip(case: Case, od, ot, sd, st):
    """Fresh optimizers and schedules loaded from the states; they replace the running ones."""
    state_d, state_t = sd.state_dict(), st.state_dict()
    _same_state(case.name, state_d, state_t)
    od2, ot2 = _opts(case)
    if any(g["lr"] < -1e-12 for g in od.param_groups):
        # a negative rate (PyTorch's recursive forms after rates changed by hand): PyTorch's
        # optimizer loads it, deepgrad's load_state_dict refuses it as its constructor does
        with pytest.raises(ValueError, match="invalid learning rate"):
            od2.load_state_dict(od.state_dict())
        return None
    od2.load_state_dict(od.state_dict())
    ot2.load_state_dict(ot.state_dict())
    nd = _build_fresh(dg_sched, od2, case)
    nt = _build_fresh(t_sched, ot2, case)
    nd.load_state_dict(state_t if case.torch_state else state_d)
    nt.load_state_dict(state_t)
    for o_new, o_old in ((od2, od), (ot2, ot)):  # the optimizer's state holds the rates
        for g_new, g_old in zip(o_new.param_groups, o_old.param_groups):
            for k in ("lr", "momentum", "betas"):
                if k in g_old:
                    g_new[k] = g_old[k]
    return od2, ot2, nd, nt


def _build_fresh(m: Any, opt: Any, case: Case) -> Any:
    """A schedule like the case's, on an optimizer whose groups already have initial_lr."""
    spec = dict(case.spec)
    if spec["kind"] not in ("ChainedScheduler", "SequentialLR", "ReduceLROnPlateau"):
        spec["kw"] = {**spec.get("kw", {}), "last_epoch": max(case.resume or 0, 0)}
    return _build(m, opt, spec)


#: arguments deepgrad refuses (``ValueError`` naming the argument) where PyTorch goes on with a
#: nonsensical schedule or fails later with an arithmetic error: a non-positive or fractional
#: step/period/length, an unknown ``scale_mode``
STRICTER = {
    ("StepLR", "step_size"),
    ("ConstantLR", "total_iters"),
    ("LinearLR", "total_iters"),
    ("LinearLR", "start_factor"),
    ("LinearLR", "end_factor"),
    ("PolynomialLR", "total_iters"),
    ("CosineAnnealingLR", "T_max"),
    ("CyclicLR", "scale_mode"),
    ("CyclicLR", "step_size_up"),
    ("CyclicLR", "step_size_down"),
}


def _stricter(case: Case, err: Exception) -> bool:
    bad = case.spec.get("bad")
    return (case.spec["kind"], bad) in STRICTER and isinstance(err, ValueError) and bad in str(err)


def run_case(case: Case) -> str:
    od, ot, sd, st, (ed, et) = _pair(case)
    where = f"{case.name} {case.spec} lrs={case.lrs} opt={case.opt} resume={case.resume}"
    if ed is not None and (et is None or isinstance(et, ZeroDivisionError)) and _stricter(case, ed):
        return "refused"
    assert (ed is None) == (et is None), f"{where}: construction deepgrad {ed!r}, torch {et!r}"
    if et is not None:
        assert _same_error(ed, et), f"{where}: deepgrad {ed!r}, torch {et!r}"
        return "error"
    _compare(f"{where} @construction", od, ot, sd, st)
    for i, action in enumerate(case.actions):
        if case.roundtrip_at == i:
            loaded = _roundtrip(case, od, ot, sd, st)
            if loaded is None:
                return "refused-load"
            od, ot, sd, st = loaded
            _compare(f"{where} @roundtrip {i}", od, ot, sd, st)
        if not _act(f"{where} @{i}", case, od, ot, sd, st, action, i == 0):
            return "raised"
        _compare(f"{where} @{i} {action}", od, ot, sd, st)
    return "ok"


# --- random cases ---------------------------------------------------------------------------
def _gamma(rng: random.Random) -> float:
    return rng.choice([0.1, 0.5, 0.9, round(rng.uniform(0.05, 1.0), 6), 1.0, 1.5])


def _simple_spec(rng: random.Random, kind: str, n_groups: int, invalid: bool) -> dict:
    bad = invalid and rng.random() < 0.5
    kw: dict[str, Any] = {}
    if kind == "LambdaLR":
        kw["lr_lambda"] = (
            [_fn(rng, "lambda") for _ in range(n_groups)] if rng.random() < 0.4 else _fn(rng, "l")
        )
        if bad:
            kw["lr_lambda"] = [_fn(rng, "lambda")] * (n_groups + 1)
    elif kind == "MultiplicativeLR":
        kw["lr_lambda"] = (
            [_fn(rng, "mult") for _ in range(n_groups)] if rng.random() < 0.4 else _fn(rng, "mult")
        )
        if bad:
            kw["lr_lambda"] = [_fn(rng, "mult")] * (n_groups + 1)
    elif kind == "StepLR":
        kw["step_size"] = rng.choice([1, 2, 3, 5]) if not bad else rng.choice([0, -1, 2.5])
        kw["gamma"] = _gamma(rng)
        bad = bad and "step_size"
    elif kind == "MultiStepLR":
        kw["milestones"] = [rng.randint(0, 8) for _ in range(rng.randint(0, 4))]
        kw["gamma"] = _gamma(rng)
    elif kind == "ConstantLR":
        kw["factor"] = rng.choice([0.25, 0.5, 1 / 3, 1.0]) if not bad else rng.choice([1.5, -0.1])
        kw["total_iters"] = rng.choice([1, 2, 4, 6])
        if bad and rng.random() < 0.5:
            kw["factor"], kw["total_iters"] = 0.5, rng.choice([0, -1, 2.0])
            bad = "total_iters"
    elif kind == "LinearLR":
        kw["start_factor"] = rng.choice([0.1, 0.25, 1 / 3, 1.0, round(rng.uniform(0.01, 1), 5)])
        kw["end_factor"] = rng.choice([1.0, 0.5, 0.0, round(rng.uniform(0, 1), 5)])
        kw["total_iters"] = rng.choice([1, 2, 3, 5, 8])
        if bad:
            kw[rng.choice(["start_factor", "end_factor"])] = rng.choice([0.0, 1.5, -0.5])
            if kw["start_factor"] == 0.0 and rng.random() < 0.5:
                kw["end_factor"] = 0.0
            if rng.random() < 0.3:
                kw["start_factor"], kw["end_factor"] = 0.5, 1.0
                kw["total_iters"] = rng.choice([0, -2, 3.0])
                bad = "total_iters"
    elif kind == "ExponentialLR":
        kw["gamma"] = _gamma(rng)
    elif kind == "PolynomialLR":
        kw["total_iters"] = rng.choice([1, 2, 4, 6])
        kw["power"] = rng.choice([1.0, 2.0, 0.5, 3.0, 0.0])
        if bad:
            kw["total_iters"] = rng.choice([0, -1, 4.0])
            bad = "total_iters"
    elif kind == "CosineAnnealingLR":
        kw["T_max"] = rng.choice([1, 2, 3, 5, 6])
        kw["eta_min"] = rng.choice([0.0, 0.0, 1e-3, 0.005, 0.5])
        if bad:
            kw["T_max"] = rng.choice([0, -3, 2.5])
            bad = "T_max"
    elif kind == "CosineAnnealingWarmRestarts":
        kw["T_0"] = rng.choice([1, 2, 3, 5]) if not bad else rng.choice([0, -1])
        kw["T_mult"] = rng.choice([1, 1, 2, 3])
        kw["eta_min"] = rng.choice([0.0, 1e-3])
    return {"kind": kind, "kw": kw, "bad": bad}


SIMPLE = [
    "LambdaLR",
    "MultiplicativeLR",
    "StepLR",
    "MultiStepLR",
    "ConstantLR",
    "LinearLR",
    "ExponentialLR",
    "PolynomialLR",
    "CosineAnnealingLR",
]
CHAINABLE = [
    "StepLR",
    "MultiStepLR",
    "ConstantLR",
    "LinearLR",
    "ExponentialLR",
    "PolynomialLR",
    "CosineAnnealingLR",
    "LambdaLR",
    "MultiplicativeLR",
]
SEQUENCEABLE = [k for k in SIMPLE if k != "MultiplicativeLR"]


def _lrs(rng: random.Random) -> list[float]:
    n = rng.choice([1, 2, 2, 3])
    return [rng.choice([0.1, 0.05, 0.01, 1.0, round(rng.uniform(1e-3, 1), 6)]) for _ in range(n)]


def _sub_spec(rng: random.Random, kinds: list[str], n: int) -> dict:
    """A valid schedule for ChainedScheduler / SequentialLR; now and then a per-batch one."""
    if rng.random() < 0.15:
        kind = rng.choice(["CyclicLR", "OneCycleLR", "CosineAnnealingWarmRestarts"])
        return make_case(rng, kind, n, allow_invalid=False).spec
    return _simple_spec(rng, rng.choice(kinds), n, False)


def make_case(rng: random.Random, kind: str, n: int | None = None, allow_invalid=True) -> Case:
    lrs = _lrs(rng)
    if n is not None:
        lrs = (lrs * 3)[:n]
    n = len(lrs)
    invalid = allow_invalid and rng.random() < 0.15
    opt = rng.choice(["SGD", "Adam"] * 10 + ["Adagrad"])
    resume = None
    n_steps = rng.randint(1, 25)
    actions: list[tuple] = [("step", None)] * n_steps
    if kind in SIMPLE or kind == "CosineAnnealingWarmRestarts":
        spec = _simple_spec(rng, kind, n, invalid)
        if rng.random() < 0.15:
            resume = rng.randint(0, 6)
    elif kind == "ChainedScheduler":
        subs = [_sub_spec(rng, CHAINABLE, n) for _ in range(rng.randint(1, 3))]
        spec = {"kind": kind, "subs": subs}
        if rng.random() < 0.2:
            subs.append(_simple_spec(rng, "CosineAnnealingWarmRestarts", n, False))
            if rng.random() < 0.5:
                subs.insert(0, subs.pop())
    elif kind == "SequentialLR":
        k = rng.randint(1, 3)
        subs = [_sub_spec(rng, SEQUENCEABLE, n) for _ in range(k)]
        ms = sorted(rng.randint(0 if rng.random() < 0.2 else 1, 8) for _ in range(k - 1))
        if invalid:
            ms = ms + [9]
        spec = {"kind": kind, "subs": subs, "kw": {"milestones": ms}}

    elif kind == "ReduceLROnPlateau":
        kw: dict[str, Any] = {
            "mode": rng.choice(["min", "max"]),
            "factor": rng.choice([0.1, 0.5, 0.9]),
            "patience": rng.randint(0, 3),
            "threshold": rng.choice([1e-4, 0.0, 0.1, 0.5]),
            "threshold_mode": rng.choice(["rel", "abs"]),
            "cooldown": rng.randint(0, 2),
            "min_lr": rng.choice([0.0, 1e-3, [1e-3 * (i + 1) for i in range(n)]]),
            "eps": rng.choice([1e-8, 1e-3]),
        }
        if invalid:
            key = rng.choice(["mode", "threshold_mode", "factor", "min_lr"])
            kw[key] = {"factor": 1.5, "min_lr": [0.1] * (n + 1)}.get(key, "bogus")
        spec = {"kind": kind, "kw": kw}
        vals = [1.0, 0.5, 0.5, 0.51, 0.49, 2.0, -1.0, 0.0, math.nan, math.inf, -math.inf]
        actions = [("metric", rng.choice(vals)) for _ in range(n_steps)]
        if rng.random() < 0.2:  # the deprecated step(metrics, epoch)
            actions = [("metric_epoch", (v, rng.randint(0, 9))) for _, v in actions]
    elif kind == "CyclicLR":
        base = [round(rng.uniform(1e-3, 0.05), 6) for _ in range(n)]
        kw = {
            "base_lr": base if rng.random() < 0.5 else base[0],
            "max_lr": rng.choice([0.1, [0.1 * (i + 1) for i in range(n)]]),
            "step_size_up": rng.choice([1, 2, 3, 4]),
            "step_size_down": rng.choice([None, 1, 2, 5]),
            "mode": rng.choice(["triangular", "triangular2", "exp_range"]),
            "gamma": rng.choice([1.0, 0.9, 0.99]),
            "cycle_momentum": rng.random() < 0.6,
            "base_momentum": rng.choice([0.8, 0.85]),
            "max_momentum": rng.choice([0.9, 0.95]),
        }
        if rng.random() < 0.3:
            kw["scale_fn"] = rng.choice([Power(0.9), Inv(), Const(0.5)])
            kw["scale_mode"] = rng.choice(["cycle", "iterations"])
        bad = None
        if invalid:
            bad = rng.choice(["mode", "scale_mode", "step_size_up", "step_size_down"])
            kw[bad] = {"step_size_up": 0, "step_size_down": -1}.get(bad, "bogus")
        if rng.random() < 0.1:
            kw["step_size_down"] = 0
        spec = {"kind": kind, "kw": kw, "bad": bad}
        if rng.random() < 0.15:
            resume = rng.randint(0, 6)
    elif kind == "OneCycleLR":
        kw = {
            "max_lr": rng.choice([0.1, 1.0, [0.1 * (i + 1) for i in range(n)]]),
            "pct_start": rng.choice([0.3, 0.25, 0.5, 0.1]),
            "anneal_strategy": rng.choice(["cos", "linear"]),
            "cycle_momentum": rng.random() < 0.6,
            "div_factor": rng.choice([25.0, 10.0, 3.0]),
            "final_div_factor": rng.choice([1e4, 100.0, 1.0]),
            "three_phase": rng.random() < 0.4,
        }
        if rng.random() < 0.5:
            kw["total_steps"] = rng.randint(4, 20)
            total = kw["total_steps"]
        else:
            kw["epochs"] = rng.randint(1, 4)
            kw["steps_per_epoch"] = rng.randint(2, 6)
            total = kw["epochs"] * kw["steps_per_epoch"]
        if invalid:
            key = rng.choice(["pct_start", "anneal_strategy", "total_steps", "epochs"])
            kw[key] = {
                "pct_start": rng.choice([1.5, 0, 1, -0.1]),
                "anneal_strategy": "bogus",
                "total_steps": rng.choice([0, -1, 4.0]),
                "epochs": 0,
            }[key]
            if key == "epochs":
                kw.pop("total_steps", None)
                kw["steps_per_epoch"] = 3
        spec = {"kind": kind, "kw": kw}
        actions = [("step", None)] * rng.randint(1, total + 2)
        if rng.random() < 0.1:
            resume = rng.randint(0, 3)
    else:
        raise AssertionError(kind)
    if kind == "CosineAnnealingWarmRestarts" and rng.random() < 0.5:
        # fractional epochs within epochs, as PyTorch's docstring does
        iters = rng.randint(1, 4)
        actions = [("epoch", e + i / iters) for e in range(rng.randint(1, 6)) for i in range(iters)]
    elif kind == "CosineAnnealingWarmRestarts" and rng.random() < 0.5:
        # step() and step(epoch) interleaved, epochs going back and forth
        actions = [
            ("epoch", rng.choice([rng.randint(0, 30), round(rng.uniform(0, 30), 3)]))
            if rng.random() < 0.4
            else ("step", None)
            for _ in range(n_steps)
        ]
    elif kind not in ("ReduceLROnPlateau",) and rng.random() < 0.12:
        actions = [("epoch", rng.randint(0, 10)) if rng.random() < 0.3 else a for a in actions]
    if kind != "ReduceLROnPlateau" and rng.random() < 0.1:
        actions = [("poke", rng.choice([0.5, 2.0])) if rng.random() < 0.2 else a for a in actions]
    rt = rng.randint(0, len(actions) - 1) if rng.random() < 0.5 else None
    if rng.random() < 0.08:  # a parameter group added after the schedule was built
        k = rng.randint(0, len(actions))
        actions = [*actions[:k], ("add_group", 0.03), *actions[k:]]
        rt = None
    return Case(
        name=kind,
        spec=spec,
        lrs=lrs,
        opt=opt,
        resume=resume,
        actions=actions,
        roundtrip_at=rt,
        torch_state=rng.random() < 0.5,
        skip_opt_step=rng.random() < 0.1,
    )


KINDS = [*SIMPLE, "ChainedScheduler", "SequentialLR", "ReduceLROnPlateau", "CyclicLR"]
KINDS += ["OneCycleLR", "CosineAnnealingWarmRestarts"]
N_CASES = 30


@pytest.mark.parametrize("kind", KINDS)
def test_fuzz_against_torch(kind):
    rng = random.Random(f"{SEED}-{kind}")
    for _ in range(N_CASES):
        run_case(make_case(rng, kind))


# --- the divergences the fuzz found, kept as cases --------------------------------------------
STEPS = [("step", None)] * 12
REGRESSIONS = {
    # step(epoch): PyTorch's deprecated form (closed form, a UserWarning) was a TypeError
    "step-epoch": Case(
        "StepLR",
        {"kind": "StepLR", "kw": {"step_size": 2, "gamma": 0.5}},
        [0.1, 0.02],
        actions=[("step", None), ("epoch", 7), ("step", None), ("epoch", 0), ("step", None)],
    ),
    "multiplicative-step-epoch": Case(
        "MultiplicativeLR",
        {"kind": "MultiplicativeLR", "kw": {"lr_lambda": Const(0.9)}},
        [0.1],
        actions=[("step", None), ("epoch", 5), ("step", None)],
    ),
    "plateau-step-epoch": Case(
        "ReduceLROnPlateau",
        {"kind": "ReduceLROnPlateau", "kw": {"patience": 0}},
        [0.1],
        actions=[("metric_epoch", (1.0, 5)), ("metric", 2.0), ("metric_epoch", (3.0, 2))],
    ),
    "chained-step-epoch-refused": Case(
        "ChainedScheduler",
        {"kind": "ChainedScheduler", "subs": [{"kind": "ExponentialLR", "kw": {"gamma": 0.9}}]},
        [0.1],
        actions=[("step", None), ("epoch", 3)],
    ),
    # the first step() before optimizer.step() warns as PyTorch's
    "order-warning": Case(
        "CosineAnnealingLR",
        {"kind": "CosineAnnealingLR", "kw": {"T_max": 3}},
        [0.1],
        actions=STEPS[:3],
        skip_opt_step=True,
    ),
    # get_last_lr is the rates the schedule set, not a rate changed by hand since
    "last-lr-after-hand-change": Case(
        "StepLR",
        {"kind": "StepLR", "kw": {"step_size": 3, "gamma": 0.5}},
        [0.1, 0.05],
        actions=[("step", None), ("poke", 0.5), ("step", None), ("poke", 2.0)],
    ),
    # OneCycleLR(pct_start=0): PyTorch wants a float
    "onecycle-int-pct": Case(
        "OneCycleLR",
        {"kind": "OneCycleLR", "kw": {"max_lr": 0.1, "total_steps": 5, "pct_start": 0}},
        [0.1],
    ),
    # LinearLR to 0 leaves lr = -6.6e-17 (PyTorch's recursion): its checkpoint loads
    "linear-to-zero-roundtrip": Case(
        "LinearLR",
        {"kind": "LinearLR", "kw": {"start_factor": 0.1, "end_factor": 0.0, "total_iters": 4}},
        [0.1],
        opt="Adam",
        actions=STEPS[:6],
        roundtrip_at=5,
    ),
    # a OneCycleLR built after StepLR rewrites initial_lr; StepLR's base_lrs stay its own
    "base-lrs-snapshot": Case(
        "SequentialLR",
        {
            "kind": "SequentialLR",
            "subs": [
                {"kind": "StepLR", "kw": {"step_size": 1, "gamma": 0.7}},
                {"kind": "OneCycleLR", "kw": {"max_lr": 0.1, "total_steps": 12}},
            ],
            "kw": {"milestones": [6]},
        },
        [0.1, 0.4],
        actions=STEPS,
        roundtrip_at=3,
    ),
    # SequentialLR with milestone 0 starting in a CyclicLR: its base_lr, not initial_lr
    "sequential-cyclic-first": Case(
        "SequentialLR",
        {
            "kind": "SequentialLR",
            "subs": [
                {"kind": "ExponentialLR", "kw": {"gamma": 0.5}},
                {"kind": "CyclicLR", "kw": {"base_lr": 0.04, "max_lr": 0.1, "step_size_up": 3}},
            ],
            "kw": {"milestones": [0]},
        },
        [0.3],
        actions=STEPS,
    ),
    # SequentialLR starting in CosineAnnealingWarmRestarts: its step count stays 0
    "sequential-warm-restarts-count": Case(
        "SequentialLR",
        {
            "kind": "SequentialLR",
            "subs": [{"kind": "CosineAnnealingWarmRestarts", "kw": {"T_0": 2}}],
            "kw": {"milestones": []},
        },
        [0.1],
        actions=STEPS[:4],
        roundtrip_at=0,
    ),
    # ChainedScheduler keeps each schedule's own last rates (its state)
    "chained-sub-last-lr": Case(
        "ChainedScheduler",
        {
            "kind": "ChainedScheduler",
            "subs": [
                {"kind": "CosineAnnealingLR", "kw": {"T_max": 6, "eta_min": 0.001}},
                {"kind": "OneCycleLR", "kw": {"max_lr": 0.1, "total_steps": 18}},
            ],
        },
        [0.05, 1.0],
        opt="Adam",
        actions=STEPS,
        roundtrip_at=0,
    ),
    # a group added after the schedule was built: get_last_lr stays the schedule's; PyTorch's
    # errors where its forms need one value a group (one-group schedules no longer repeated)
    "added-group-multiplicative": Case(
        "MultiplicativeLR",
        {"kind": "MultiplicativeLR", "kw": {"lr_lambda": Const(0.9)}},
        [0.1],
        actions=[("step", None), ("add_group", 0.03), ("step", None)],
    ),
    "added-group-cyclic": Case(
        "CyclicLR",
        {"kind": "CyclicLR", "kw": {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2}},
        [0.1],
        actions=[("step", None), ("add_group", 0.03), ("step", None)],
    ),
    "added-group-plateau-min-lrs": Case(
        "ReduceLROnPlateau",
        {"kind": "ReduceLROnPlateau", "kw": {"patience": 0, "min_lr": [0.0, 0.001]}},
        [0.1, 0.2],
        actions=[("metric", 1.0), ("add_group", 0.03), ("metric", 2.0)],
    ),
    "added-group-exponential": Case(
        "ExponentialLR",
        {"kind": "ExponentialLR", "kw": {"gamma": 0.5}},
        [0.1, 0.2],
        actions=[("step", None), ("add_group", 0.03), ("step", None), ("step", None)],
    ),
}


@pytest.mark.parametrize("name", sorted(REGRESSIONS))
def test_regressions(name):
    run_case(REGRESSIONS[name])


def test_step_epoch_and_order_warnings():
    p = dg.tensor(np.zeros(1), requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    sched = dg_sched.ExponentialLR(opt, 0.5)
    with pytest.warns(UserWarning, match=r"before `optimizer.step\(\)`"):
        sched.step()
    with pytest.warns(UserWarning, match=r"epoch parameter in `scheduler.step\(\)`"):
        sched.step(3)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1 * 0.5**3, rel=1e-15)
    # LBFGS (a step with a closure) marks the optimizer as stepped too
    lb = optim.LBFGS([p], lr=0.1)
    sched = dg_sched.StepLR(lb, 1)
    p.grad = None

    def closure():
        lb.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    lb.step(closure)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()


def test_sequential_last_epoch_resumes():
    """SequentialLR(last_epoch=N) starts where a fresh one is after N + 1 steps (PyTorch 2.13
    starts the first schedule at 0 whatever N: pytorch/pytorch#162591; a README row)."""

    def build(last_epoch=-1):
        p = dg.tensor(np.zeros(1), requires_grad=True)
        opt = optim.SGD([{"params": [p], "lr": 0.1, "initial_lr": 0.1}], lr=0.1)
        subs = [dg_sched.LinearLR(opt, 0.25, total_iters=4), dg_sched.ExponentialLR(opt, 0.9)]
        return opt, dg_sched.SequentialLR(opt, subs, milestones=[4], last_epoch=last_epoch)

    opt, sched = build()
    opt.step()
    rates = []
    for _ in range(10):
        sched.step()
        rates.append(opt.param_groups[0]["lr"])
    for n in (2, 5):
        opt2, sched2 = build(n)
        assert opt2.param_groups[0]["lr"] == pytest.approx(rates[n], rel=1e-12)
        assert sched2.last_epoch == n + 1
