"""Keras's names on every optimizer: ``learning_rate`` / ``lr`` (the lead group's rate, read
and set) and ``iterations`` (steps taken)."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn, optim


def test_learning_rate_set_changes_the_next_step_and_keeps_group_proportions():
    w, b = nn.Parameter(dg.ones(2)), nn.Parameter(dg.ones(1))
    opt = optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.01}], lr=0.1)
    assert opt.learning_rate == opt.lr == pytest.approx(0.1)
    opt.learning_rate = 0.5
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([0.5, 0.05])
    opt.lr = np.float32(0.2)
    assert opt.learning_rate == pytest.approx(0.2)
    w.grad, b.grad = dg.ones(2), dg.ones(1)
    assert opt.iterations == 0
    opt.step()
    assert opt.iterations == 1
    np.testing.assert_allclose(w.numpy(), [0.8, 0.8], rtol=1e-6)
    np.testing.assert_allclose(b.numpy(), [0.98], rtol=1e-6)


def test_learning_rate_refuses_what_is_not_a_rate():
    opt = optim.Adam()  # unbound: the placeholder group holds the rate
    opt.learning_rate = 3e-4
    assert opt.param_groups[0]["lr"] == pytest.approx(3e-4)
    with pytest.raises(ValueError, match="learning rate >= 0"):
        opt.learning_rate = -1.0
    with pytest.raises(ValueError, match="schedule"):
        opt.learning_rate = lambda step: 0.1


def test_a_subclass_keeping_its_own_lr_attribute_keeps_it():
    class Mine(optim.Optimizer):
        def __init__(self, params, lr=0.1):
            self.lr = lr  # before super().__init__: a plain attribute of its own
            super().__init__(params, {"momentum": 0.0})

        def step(self):
            for g in self.param_groups:
                for p in g["params"]:
                    p._data -= self.lr * p.grad._data

    w = nn.Parameter(dg.ones(1))
    opt = Mine([w], lr=0.25)
    assert opt.lr == 0.25
    w.grad = dg.ones(1)
    opt.step()
    np.testing.assert_allclose(w.numpy(), [0.75])
    assert opt.iterations == 1
