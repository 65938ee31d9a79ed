"""optim.plateau.Plateau: the one plateau logic of both ReduceLROnPlateau classes."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn, optim
from deepgrad.optim.plateau import Plateau

torch = pytest.importorskip("torch")


@pytest.mark.parametrize(
    "kw",
    [
        {"mode": "min", "patience": 2, "cooldown": 0},
        {"mode": "min", "patience": 1, "cooldown": 2, "threshold_mode": "abs", "threshold": 0.05},
        {"mode": "max", "patience": 0, "cooldown": 1, "threshold": 0.1},
    ],
)
def test_schedule_matches_torch_on_a_noisy_metric(kw):
    """The schedule (Plateau's torch rule) sets torch's rates and counters at every step."""
    rng = np.random.default_rng(1)
    metrics = np.cumsum(rng.normal(0.0, 1.0, 40)) + 50
    w = torch.zeros(1, requires_grad=True)
    t_opt = torch.optim.SGD([w], lr=1.0)
    t_sched = torch.optim.lr_scheduler.ReduceLROnPlateau(t_opt, factor=0.5, **kw)
    opt = optim.SGD([nn.Parameter(dg.zeros(1))], lr=1.0)
    sched = optim.ReduceLROnPlateau(opt, factor=0.5, **kw)
    for m in metrics:
        t_sched.step(float(m))
        sched.step(float(m))
        assert opt.param_groups[0]["lr"] == t_opt.param_groups[0]["lr"]
        assert (sched.num_bad_epochs, sched.cooldown_counter) == (
            t_sched.num_bad_epochs,
            t_sched.cooldown_counter,
        )
        assert sched.best == t_sched.best


def test_schedule_state_dict_keeps_torch_keys_and_round_trips():
    opt = optim.SGD([nn.Parameter(dg.zeros(1))], lr=1.0)
    sched = optim.ReduceLROnPlateau(opt, patience=1, cooldown=1)
    for m in [3.0, 2.0, 2.5, 2.6]:
        sched.step(m)
    sd = sched.state_dict()
    assert {"best", "num_bad_epochs", "cooldown_counter", "mode", "patience"} <= set(sd)
    other = optim.ReduceLROnPlateau(optim.SGD([nn.Parameter(dg.zeros(1))], lr=1.0))
    other.load_state_dict(sd)
    assert other.state_dict() == sd


def test_keras_rule_counts_as_keras_does():
    """Keras: act after `patience` bad epochs; the epoch that ends cooldown counts as bad."""
    p = Plateau("min", patience=2, threshold=0.0, threshold_mode="abs", cooldown=1, rule="keras")

    def step(v):  # the callback's use: acted() when the rate did fall
        act = p.step(v)
        if act:
            p.acted()
        return act

    acts = [step(v) for v in [5.0, 6.0, 6.0, 6.0, 6.0, 6.0, 4.0, 5.0, 5.0]]
    assert acts == [False, False, True, False, True, False, False, False, True]
    q = Plateau("min", patience=2, threshold=0.0, threshold_mode="abs", cooldown=1, rule="torch")
    acts = [q.step(v) for v in [5.0, 6.0, 6.0, 6.0, 6.0, 6.0, 4.0, 5.0, 5.0]]
    assert acts == [False, False, False, True, False, False, False, False, False]


def test_keras_rule_without_acting_keeps_counting():
    """Keras restarts wait and the cooldown only when the rate fell (not at min_lr)."""
    p = Plateau("min", patience=2, threshold=0.0, threshold_mode="abs", cooldown=3, rule="keras")
    acts = [p.step(v) for v in [5.0, 6.0, 6.0, 6.0, 6.0]]
    assert acts == [False, False, True, True, True]
    assert (p.num_bad_epochs, p.cooldown_counter) == (4, 0)
    p.acted()
    assert (p.num_bad_epochs, p.cooldown_counter) == (0, 3)


def test_callback_uses_the_tracker_and_keeps_keras_state_names():
    cb = dg.callbacks.ReduceLROnPlateau(monitor="loss", patience=3, cooldown=2)
    assert cb._plateau.rule == "keras" and cb._plateau.patience == 3
    cb.patience = 1  # Keras's attribute, read by the tracker
    assert cb._plateau.patience == 1
    cb.load_state_dict({"best": 0.5, "wait": 1, "cooldown_counter": 0})
    assert cb.state_dict() == {"best": 0.5, "wait": 1, "cooldown_counter": 0}
    assert cb._plateau.num_bad_epochs == 1


def test_plateau_refuses_unknown_choices():
    with pytest.raises(ValueError, match="rule"):
        Plateau(rule="tf")
    with pytest.raises(ValueError, match="mode"):
        Plateau(mode="lowest")
