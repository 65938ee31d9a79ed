"""Built-in layers name forward's first parameter as PyTorch's do (``input`` for most), so
``layer(input=t)`` and with_kwargs forward pre-hooks see PyTorch's names."""

from __future__ import annotations

import inspect

import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

#: abstract bases whose forward takes anything (``*args, **kwargs``) in deepgrad
_BASES = {"Container", "Module", "ModuleDict", "ModuleList", "ParameterDict", "ParameterList",
          "RNNBase", "RNNCellBase"}  # fmt: skip


def _pairs():
    for name in dir(torch.nn):
        tc, dc = getattr(torch.nn, name), getattr(dg.nn, name, None)
        if name in _BASES or dc is None or not inspect.isclass(tc) or not inspect.isclass(dc):
            continue
        if issubclass(tc, torch.nn.Module):
            yield name, tc, dc


def test_first_forward_parameter_as_torch():
    wrong = []
    for name, tc, dc in _pairs():
        try:
            tp = list(inspect.signature(tc.forward).parameters)[1:2]
            dp = list(inspect.signature(dc.forward).parameters)[1:2]
        except (TypeError, ValueError):
            continue
        if tp and dp and tp != dp:
            wrong.append((name, dp, tp))
    assert not wrong


def test_calls_by_keyword():
    for m in (dg, torch):
        x = m.ones(2, 3)
        assert m.nn.Linear(3, 2)(input=x).shape == (2, 2)
        assert m.nn.ReLU()(input=x).shape == (2, 3)
        assert m.nn.Sequential(m.nn.Linear(3, 1))(input=x).shape == (2, 1)
