"""Every optimizer both libraries have keeps PyTorch 2.13's constructor and defaults: the
same arguments (names, order, positional or keyword-only, defaults), and ``defaults`` /
``param_groups`` with the same keys in the same order, the same values of the same types —
the implementation flags ``foreach``, ``fused``, ``capturable``, ``differentiable`` included,
and AdamW's ``decoupled_weight_decay=True``. Each flag that changes the numbers does so as in
PyTorch (``maximize``, ``decoupled_weight_decay``, per group too)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import optim

torch = pytest.importorskip("torch")


def _both():
    names = []
    for name in dir(torch.optim):
        cls = getattr(torch.optim, name)
        if isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer):
            if cls is not torch.optim.Optimizer and hasattr(optim, name):
                names.append(name)
    return names


NAMES = _both()


def test_every_torch_optimizer_is_here():
    ours = {n for n in dir(optim) if isinstance(getattr(optim, n, None), type)}
    theirs = {
        n
        for n in dir(torch.optim)
        if isinstance(getattr(torch.optim, n), type)
        and issubclass(getattr(torch.optim, n), torch.optim.Optimizer)
    }
    assert theirs - ours <= {"Adafactor", "Muon"}, sorted(theirs - ours)


def _param(lib, shape=(2, 2)):
    return (
        torch.nn.Parameter(torch.ones(shape)) if lib is torch else dg.nn.Parameter(dg.ones(*shape))
    )


@pytest.mark.parametrize("name", NAMES)
def test_constructor_is_torchs(name):
    theirs = inspect.signature(getattr(torch.optim, name).__init__).parameters
    ours = inspect.signature(getattr(optim, name).__init__).parameters
    assert list(ours) == list(theirs)
    for key, p in theirs.items():
        if key in ("self", "params"):  # (deepgrad's params may come later: None)
            continue
        q = ours[key]
        assert q.kind == p.kind, key
        assert q.default == p.default and type(q.default) is type(p.default), key


@pytest.mark.parametrize("name", NAMES)
def test_defaults_and_groups_are_torchs(name):
    theirs = getattr(torch.optim, name)([_param(torch)])
    ours = getattr(optim, name)([_param(dg)])
    assert list(ours.defaults) == list(theirs.defaults)
    for key, value in theirs.defaults.items():
        assert ours.defaults[key] == value and type(ours.defaults[key]) is type(value), key
    assert list(ours.param_groups[0]) == list(theirs.param_groups[0])


def test_adamw_group_without_decoupled_decay_is_adams_l2_as_torch():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 2))
    res = []
    for lib, opt_cls in ((dg, optim.AdamW), (torch, torch.optim.AdamW)):
        w = lib.tensor(a.copy(), requires_grad=True)
        v = lib.tensor(a.copy(), requires_grad=True)
        opt = opt_cls(
            [{"params": [w], "decoupled_weight_decay": False}, {"params": [v]}],
            lr=0.05,
            weight_decay=0.3,
        )
        for _ in range(4):
            opt.zero_grad()
            ((w**3).sum() + (v**3).sum()).backward()
            opt.step()
        res.append((w.detach().numpy(), v.detach().numpy()))
    for x, y in zip(*res, strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-12)
    assert not np.allclose(res[0][0], res[0][1])  # the two groups did decay differently


@pytest.mark.parametrize("name", ["Adam", "NAdam", "RAdam"])
def test_decoupled_weight_decay_and_maximize_as_torch(name):
    rng = np.random.default_rng(1)
    a = rng.standard_normal(5)
    for kw in (
        {"weight_decay": 0.2, "decoupled_weight_decay": True},
        {"weight_decay": 0.2, "decoupled_weight_decay": True, "maximize": True},
        {"weight_decay": 0.2, "maximize": True},
    ):
        out = []
        for lib, mod in ((dg, optim), (torch, torch.optim)):
            w = lib.tensor(a.copy(), requires_grad=True)
            opt = getattr(mod, name)([w], lr=0.05, **kw)
            for _ in range(5):
                opt.zero_grad()
                (w.sin() * w).sum().backward()
                opt.step()
            out.append(w.detach().numpy())
        np.testing.assert_allclose(out[0], out[1], rtol=1e-7 if name == "NAdam" else 1e-12)


def test_a_torch_state_dict_with_every_flag_round_trips():
    w = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    topt = torch.optim.Adam([w], lr=0.1, foreach=False, fused=None)
    w.grad = torch.ones(3, dtype=torch.float64)
    topt.step()
    v = dg.nn.Parameter(dg.ones(3, dtype=dg.float64))
    opt = optim.Adam([v], lr=0.1)
    opt.load_state_dict(topt.state_dict())
    assert opt.param_groups[0]["foreach"] is False
    sd = opt.state_dict()
    assert {k: x for k, x in sd["param_groups"][0].items()} == topt.state_dict()["param_groups"][0]
