"""``optim.Adafactor`` against ``torch.optim.Adafactor`` (PyTorch 2.13): step for step over
several steps on matrices (factored second moment), a 3-d tensor (factored over its last two
dims), vectors, scalars and 1×1, with weight decay, maximize, both eps, ``d``, ``beta2_decay``,
parameter groups with their own options, float32, its state (tensors of PyTorch's shapes),
its checks (PyTorch's ``ValueError`` words) and its state dict both ways."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import optim

torch = pytest.importorskip("torch")

SHAPES = [(3, 4), (2, 3, 4), (5,), (), (1, 1), (4, 1)]
OPTIONS = [
    {},
    {"weight_decay": 0.1},
    {"maximize": True},
    {"lr": 0.5, "eps": (1e-30, 1e-3)},
    {"beta2_decay": -0.5, "eps": (None, 0.1), "d": 2.0},
    {"foreach": True},
]


@pytest.fixture(autouse=True)
def _float64_defaults():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    dg.set_default_dtype(dg.float64)  # restored by the conftest fixture
    yield
    torch.set_default_dtype(old)


def _loss(ps):
    return sum(((p * p) * 0.5 + (p * 3).sin() * 0.3).sum() for p in ps)


def _run(arrays, kwargs, groups_of=lambda ps: ps, steps=6):
    out = []
    for lib, mod in ((dg, optim), (torch, torch.optim)):
        ps = [lib.tensor(a.copy(), requires_grad=True) for a in arrays]
        opt = mod.Adafactor(groups_of(ps), **kwargs)
        for _ in range(steps):
            opt.zero_grad()
            _loss(ps).backward()
            opt.step()
        out.append((ps, opt))
    return out


def _same(ours, theirs, rtol=1e-12):
    for p, q in zip(ours, theirs, strict=True):
        assert p.dtype == np.dtype(str(q.dtype).removeprefix("torch."))
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=rtol, atol=1e-14)


@pytest.mark.parametrize("kwargs", OPTIONS, ids=str)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_steps_match_torch(shape, kwargs):
    a = np.random.default_rng(0).standard_normal(shape)
    (ours, opt), (theirs, topt) = _run([a], kwargs)
    _same(ours, theirs)
    st, tst = opt.state[ours[0]], topt.state[theirs[0]]
    assert list(st) == list(tst)
    for k, tv in tst.items():
        assert isinstance(st[k], dg.Tensor) and st[k].shape == tuple(tv.shape), k
        assert str(st[k].dtype) == str(tv.dtype).removeprefix("torch."), k
        np.testing.assert_allclose(st[k].numpy(), tv.numpy(), rtol=1e-12, atol=1e-15)


def test_groups_with_their_own_options_match_torch():
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s) for s in [(3, 4), (5,), (2, 2)]]

    def groups(ps):
        return [
            {"params": ps[:1]},
            {"params": ps[1:2], "lr": 0.1, "weight_decay": 0.2, "maximize": True},
            {"params": ps[2:], "eps": (1e-20, 0.05), "d": 1.5, "beta2_decay": -0.6},
        ]

    (ours, opt), (theirs, topt) = _run(arrays, {"lr": 0.02}, groups)
    _same(ours, theirs)
    assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in topt.param_groups]


def test_float32_matches_torch():
    a = np.random.default_rng(2).standard_normal((4, 3)).astype(np.float32)
    b = np.random.default_rng(3).standard_normal(3).astype(np.float32)
    (ours, opt), (theirs, _) = _run([a, b], {"weight_decay": 0.01})
    _same(ours, theirs, rtol=1e-5)
    assert opt.state[ours[0]]["row_var"].dtype == np.float32


def test_defaults_and_checks_are_torchs():
    w = dg.nn.Parameter(dg.ones(2, 2))
    tw = torch.nn.Parameter(torch.ones(2, 2))
    assert optim.Adafactor([w]).defaults == torch.optim.Adafactor([tw]).defaults
    assert list(optim.Adafactor([w]).param_groups[0]) == list(
        torch.optim.Adafactor([tw]).param_groups[0]
    )
    for bad, words in [
        ({"lr": -1.0}, "lr"),
        ({"beta2_decay": 0.5}, "beta2_decay should be <= 0"),
        ({"eps": (-1.0, 1e-3)}, "epsilon1 should be >= 0"),
        ({"eps": (None, -1.0)}, "epsilon2 should be >= 0"),
        ({"d": 0.5}, "Clipping threshold d should be >= 1"),
        ({"weight_decay": -0.1}, "weight_decay"),
    ]:
        with pytest.raises(ValueError):
            torch.optim.Adafactor([tw], **bad)
        with pytest.raises(ValueError, match=words):
            optim.Adafactor([w], **bad)
    with pytest.raises(TypeError):
        torch.optim.Adafactor([tw], fused=True)
    with pytest.raises(TypeError, match="fused"):
        optim.Adafactor([w], fused=True)
    assert optim.get("adafactor", lr=0.1).defaults["lr"] == 0.1


def test_state_dict_round_trips_and_loads_torchs():
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal(s) for s in [(3, 4), (5,)]]
    (ours, opt), (theirs, topt) = _run(arrays, {"weight_decay": 0.1}, steps=3)
    saved = [opt.state_dict(), copy.deepcopy(topt.state_dict())]  # (torch's holds live tensors)
    fresh = []
    for sd in saved:
        ps = [dg.tensor(p.detach().numpy().copy(), requires_grad=True) for p in ours]
        o = optim.Adafactor(ps, weight_decay=0.1)
        o.load_state_dict(sd)
        assert isinstance(o.state[ps[0]]["step"], dg.Tensor)
        fresh.append((ps, o))
    for _ in range(3):
        for qs, o in [(ours, opt), (theirs, topt), *fresh]:
            o.zero_grad()
            _loss(qs).backward()
            o.step()
    _same(ours, theirs)
    for ps, _ in fresh:
        _same(ps, theirs)
    bad = opt.state_dict()
    bad["state"][0]["row_var"] = np.zeros((4, 1))
    params = [dg.tensor(a, requires_grad=True) for a in arrays]
    with pytest.raises(ValueError, match="row_var"):
        optim.Adafactor(params).load_state_dict(bad)


def test_sparse_gradients_are_refused_as_torch():
    w = dg.nn.Parameter(dg.ones(4, 2))
    opt = optim.Adafactor([w])
    dg.nn.functional.embedding(dg.tensor([1]), w, sparse=True).sum().backward()
    with pytest.raises(RuntimeError, match="Adafactor does not support sparse gradients"):
        opt.step()
