"""``optimizer.state_dict()`` as PyTorch 2.13's: the per-parameter states hold the live state
tensors (the next step changes them), the groups are copies listing parameter indices;
``dg.save`` writes the values at the time; ``load_state_dict`` casts the state tensors but
``step`` to the parameter's dtype, as PyTorch's, and copies them (PyTorch's keeps a tensor
of the right dtype as it came, shared with the dict it was given: deepgrad's state never
shares memory with another optimizer's)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import optim

torch = pytest.importorskip("torch")

SHAPES = [(3, 4), (4,)]

CASES = [
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("AdamW", {"lr": 0.05}),
    ("NAdam", {"lr": 0.05}),
    ("RAdam", {"lr": 0.05}),
    ("Adamax", {"lr": 0.05}),
    ("Adagrad", {"lr": 0.1}),
    ("Adadelta", {"lr": 0.5}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.8, "centered": True}),
    ("Rprop", {"lr": 0.05}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("ASGD", {"lr": 0.05, "t0": 2}),
]
IDS = [f"{n}-{'-'.join(map(str, kw.values()))}" for n, kw in CASES]


def _arrays(dtype=np.float32):
    rng = np.random.default_rng(5)
    return [rng.standard_normal(s).astype(dtype) for s in SHAPES]


def _loss(ps):
    return sum(((p * p) * 0.5 + (p * 3).sin() * 0.3).sum() for p in ps)


def _pair(name, kwargs, dtype=np.float32):
    arrays = _arrays(dtype)
    ours = [dg.tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    return (
        ours,
        theirs,
        getattr(optim, name)(ours, **kwargs),
        getattr(torch.optim, name)(theirs, **kwargs),
    )


def _step(ps, opt, n=1):
    for _ in range(n):
        opt.zero_grad()
        _loss(ps).backward()
        opt.step()


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
def test_state_dict_holds_the_live_state_tensors_as_torch(name, kwargs):
    ours, theirs, opt, topt = _pair(name, kwargs)
    _step(ours, opt, 2)
    _step(theirs, topt, 2)
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sorted(sd["state"]) == sorted(tsd["state"])
    for i, (p, q) in enumerate(zip(ours, theirs, strict=True)):
        assert set(sd["state"][i]) == set(tsd["state"][i])
        for k, tv in tsd["state"][i].items():
            if torch.is_tensor(tv):
                assert (tv is topt.state[q][k]) and sd["state"][i][k] is opt.state[p][k], k
    # the next step changes the tensors the dicts hold, in both
    before = {k: v.clone() for k, v in sd["state"][0].items()}
    tbefore = {k: v.clone() for k, v in tsd["state"][0].items()}
    _step(ours, opt)
    _step(theirs, topt)
    for k in before:
        changed = not np.array_equal(before[k].numpy(), sd["state"][0][k].numpy())
        tchanged = not torch.equal(tbefore[k], tsd["state"][0][k])
        assert changed == tchanged, k
        np.testing.assert_allclose(
            sd["state"][0][k].numpy(), tsd["state"][0][k].numpy(), rtol=1e-4, atol=1e-6
        )


@pytest.mark.parametrize(("name", "kwargs"), CASES[:4], ids=IDS[:4])
def test_param_groups_are_copies_with_indices(name, kwargs):
    ours, theirs, opt, topt = _pair(name, kwargs)
    _step(ours, opt)
    _step(theirs, topt)
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [g["params"] for g in tsd["param_groups"]]
    assert set(sd["param_groups"][0]) == set(tsd["param_groups"][0])
    for d in (sd, tsd):
        d["param_groups"][0]["lr"] = 123.0
        d["state"][0]["extra"] = 1  # the per-parameter dict: a key added there
    assert opt.param_groups[0]["lr"] == topt.param_groups[0]["lr"] == kwargs["lr"]
    assert "params" in opt.param_groups[0] and "params" not in opt.state[ours[0]]
    # deepgrad's per-parameter dicts and group options are copies (PyTorch's dict is its
    # state dict itself: the key lands in its state; a mutable option is shared there)
    assert "extra" not in opt.state[ours[0]] and "extra" in topt.state[theirs[0]]
    opt.param_groups[0]["tags"] = ["a"]
    assert opt.state_dict()["param_groups"][0]["tags"] is not opt.param_groups[0]["tags"]


def test_save_writes_the_values_at_the_time(tmp_path):
    ours, _, opt, _ = _pair("Adam", {"lr": 0.05})
    _step(ours, opt, 2)
    sd = opt.state_dict()
    dg.save(sd, tmp_path / "opt.pt")
    snapshot = copy.deepcopy(sd)
    saved_m = sd["state"][0]["exp_avg"].numpy().copy()
    _step(ours, opt)  # changes the live tensors, not the file or the deep copy
    assert not np.array_equal(sd["state"][0]["exp_avg"].numpy(), saved_m)
    loaded = dg.load(tmp_path / "opt.pt")
    np.testing.assert_array_equal(loaded["state"][0]["exp_avg"].numpy(), saved_m)
    np.testing.assert_array_equal(snapshot["state"][0]["exp_avg"].numpy(), saved_m)
    assert loaded["state"][0]["step"].item() == 2.0
    # a fresh optimizer from the file goes on as one from the snapshot
    outs = []
    for state in (loaded, snapshot):
        ps = [dg.tensor(a.copy(), requires_grad=True) for a in _arrays()]
        o = optim.Adam(ps, lr=0.05)
        o.load_state_dict(state)
        _step(ps, o, 2)
        outs.append([p.detach().numpy() for p in ps])
    for a, b in zip(*outs, strict=True):
        np.testing.assert_array_equal(a, b)


def test_load_copies_the_state_it_is_given():
    ours, _, opt, _ = _pair("Adam", {"lr": 0.05})
    _step(ours, opt, 2)
    ps = [dg.tensor(a.copy(), requires_grad=True) for a in _arrays()]
    other = optim.Adam(ps, lr=0.05)
    other.load_state_dict(opt.state_dict())
    assert other.state[ps[0]]["exp_avg"] is not opt.state[ours[0]]["exp_avg"]
    m = opt.state[ours[0]]["exp_avg"].numpy().copy()
    _step(ps, other)
    np.testing.assert_array_equal(opt.state[ours[0]]["exp_avg"].numpy(), m)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [("NAdam", {"lr": 0.05}), ("ASGD", {"lr": 0.05, "t0": 1}), ("Adam", {"lr": 0.05})],
)
@pytest.mark.parametrize("direction", ["float32 state, float64 params", "float64 state, float32"])
def test_load_casts_the_state_but_step_to_the_parameter_dtype_as_torch(name, kwargs, direction):
    saved_dtype, param_dtype = (
        (np.float32, np.float64) if direction.startswith("float32") else (np.float64, np.float32)
    )
    _, theirs, _, topt = _pair(name, kwargs, saved_dtype)
    _step(theirs, topt, 3)
    tsd = topt.state_dict()
    ours = [dg.tensor(a, requires_grad=True) for a in _arrays(param_dtype)]
    mine = [torch.tensor(a, requires_grad=True) for a in _arrays(param_dtype)]
    opt = getattr(optim, name)(ours, **kwargs)
    topt2 = getattr(torch.optim, name)(mine, **kwargs)
    opt.load_state_dict(tsd)
    topt2.load_state_dict(tsd)
    for p, q in zip(ours, mine, strict=True):
        st, tst = opt.state[p], topt2.state[q]
        assert set(st) == set(tst)
        for k, tv in tst.items():
            assert str(st[k].dtype) == str(tv.dtype).removeprefix("torch."), k
            np.testing.assert_array_equal(st[k].numpy(), tv.numpy().astype(st[k].numpy().dtype))
    _step(ours, opt, 2)
    _step(mine, topt2, 2)
    for p, q in zip(ours, mine, strict=True):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-5, atol=1e-6)
        for k, tv in topt2.state[q].items():
            assert str(opt.state[p][k].dtype) == str(tv.dtype).removeprefix("torch."), k
