"""optim.lr: one per-group learning-rate API (get_lr/get_lrs/set_lr/scale_lr/base_lrs)."""

from __future__ import annotations

import pytest

import deepgrad as dg
from deepgrad import optim
from deepgrad.optim.lr import base_lrs, get_lr, get_lrs, scale_lr, set_lr


def _opt():
    w, b = dg.nn.Parameter(dg.zeros(2)), dg.nn.Parameter(dg.zeros(1))
    return optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.01}], lr=0.1)


def test_get_and_set_are_inverse_per_group_and_for_the_lead_rate():
    opt = _opt()
    set_lr(opt, get_lrs(opt))
    assert get_lrs(opt) == [0.1, 0.01]
    set_lr(opt, 0.02)  # the lead rate; the other group in proportion to its base
    assert get_lr(opt) == 0.02 and get_lrs(opt) == pytest.approx([0.02, 0.002])
    assert base_lrs(opt) == [0.1, 0.01]
    set_lr(opt, (0.3, 0.4))
    assert get_lrs(opt) == [0.3, 0.4]
    with pytest.raises(ValueError, match="expected 2 values for set_lr"):
        set_lr(opt, [0.1])


def test_scale_lr_floors_each_group_and_says_whether_anything_changed():
    opt = _opt()
    assert scale_lr(opt, 0.5, min_lr=[0.0, 0.01])
    assert get_lrs(opt) == [0.05, 0.01]
    assert not scale_lr(opt, 0.5, min_lr=[0.05, 0.01])


def test_train_layer_uses_the_same_functions():
    from deepgrad.train import callbacks, compiled, loop

    assert compiled.set_lr is set_lr and compiled.get_lr is get_lr
    assert callbacks.scale_lr is scale_lr and loop.get_lr is get_lr
