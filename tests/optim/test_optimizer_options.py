"""Optimizers added after the first set (Adamax, RAdam, NAdam, Rprop, ASGD) and the options
PyTorch users expect (maximize, amsgrad, decoupled_weight_decay, nesterov, dampening, centered
RMSprop with momentum): equality with torch.optim over 25 steps with two parameter groups, exact
resumption from a state dict, save/load of a compiled model, clear errors for bad values."""

from __future__ import annotations

import json

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn, optim

SHAPES = [(4, 3), (3,), (2, 2, 2), (5,)]
STEPS = 25
NONE_AT = {(3, 1), (4, 1), (9, 3), (17, 0)}  # (step, parameter) without a gradient

# (deepgrad class, kwargs, torch class, overrides of the second parameter group)
CASES = [
    ("Adamax", {}, "Adamax", {"lr": 0.01}),
    ("Adamax", {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.1}, "Adamax", {"eps": 1e-3}),
    ("Adamax", {"lr": 0.01, "maximize": True}, "Adamax", {"betas": (0.5, 0.9)}),
    ("RAdam", {"lr": 0.01}, "RAdam", {"lr": 0.05}),
    ("RAdam", {"lr": 0.01, "betas": (0.8, 0.9), "weight_decay": 0.1}, "RAdam", {"eps": 1e-4}),
    (
        "RAdam",
        {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True},
        "RAdam",
        {"weight_decay": 0.5},
    ),
    ("RAdam", {"lr": 0.01, "maximize": True}, "RAdam", {"betas": (0.9, 0.99)}),
    ("NAdam", {}, "NAdam", {"lr": 0.01}),
    ("NAdam", {"lr": 0.01, "momentum_decay": 4e-3}, "NAdam", {"momentum_decay": 0.01}),
    ("NAdam", {"lr": 0.01, "maximize": True, "weight_decay": 0.1}, "NAdam", {}),
    (
        "NAdam",
        {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True},
        "NAdam",
        {"lr": 0.03},
    ),
    ("Rprop", {}, "Rprop", {"lr": 0.05}),
    (
        "Rprop",
        {"lr": 0.02, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.04)},
        "Rprop",
        {"etas": (0.6, 1.1)},
    ),
    ("Rprop", {"lr": 0.01, "maximize": True}, "Rprop", {"step_sizes": (0.0, 0.02)}),
    ("ASGD", {}, "ASGD", {"lr": 0.05}),
    (
        "ASGD",
        {"lr": 0.05, "lambd": 1e-2, "alpha": 0.5, "t0": 5.0, "weight_decay": 0.1},
        "ASGD",
        {"t0": 0.0},
    ),
    ("ASGD", {"lr": 0.05, "t0": 3.0, "maximize": True}, "ASGD", {"lambd": 0.1}),
    ("Adam", {"lr": 0.01, "amsgrad": True, "maximize": True}, "Adam", {"lr": 0.02}),
    (
        "Adam",
        {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True},
        "Adam",
        {"amsgrad": True},
    ),
    ("AdamW", {"lr": 0.01, "amsgrad": True}, "AdamW", {"weight_decay": 0.5}),
    ("AdamW", {"lr": 0.01, "maximize": True}, "AdamW", {"amsgrad": True}),
    ("SGD", {"lr": 0.05, "maximize": True}, "SGD", {"lr": 0.1}),
    (
        "SGD",
        {"lr": 0.05, "momentum": 0.9, "nesterov": True, "maximize": True, "weight_decay": 0.1},
        "SGD",
        {"momentum": 0.5},
    ),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}, "SGD", {"dampening": 0.0}),
    ("Adagrad", {"lr": 0.1, "maximize": True, "weight_decay": 0.1}, "Adagrad", {"lr": 0.05}),
    (
        "RMSprop",
        {"lr": 0.01, "momentum": 0.8, "centered": True, "maximize": True},
        "RMSprop",
        {"centered": False},
    ),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "weight_decay": 0.1}, "RMSprop", {"alpha": 0.9}),
    ("Adadelta", {"lr": 0.5, "maximize": True, "weight_decay": 0.1}, "Adadelta", {"rho": 0.8}),
]
IDS = [
    f"{c}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}-{i}"
    for i, (c, kw, _, _) in enumerate(CASES)
]


def _problem(dtype, steps=STEPS, seed=0):
    """Initial parameters and a fixed sequence of gradients (None at ``NONE_AT``)."""
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    grads = []
    for t in range(steps):
        gs = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
        # a drift, so that sign-based rules (Rprop) see runs of equal signs as well as flips
        gs = [g + (0.8 if i % 2 else -0.8) for i, g in enumerate(gs)]
        grads.append([None if (t, i) in NONE_AT else g for i, g in enumerate(gs)])
    return init, grads


def _groups(params, second):
    return [{"params": params[:2]}, {"params": params[2:], **second}]


def _run_dg(name, kwargs, second, init, grads, params=None, opt=None):
    if params is None:
        params = [dg.tensor(a.copy(), requires_grad=True) for a in init]
    if opt is None:
        opt = getattr(optim, name)(_groups(params, second), **kwargs)
    for gs in grads:
        for p, g in zip(params, gs, strict=True):
            p.grad = None if g is None else dg.tensor(g.copy())
        opt.step()
    return params, opt


def _run_torch(torch, name, kwargs, second, init, grads):
    params = [torch.tensor(a.copy(), requires_grad=True) for a in init]
    opt = getattr(torch.optim, name)(_groups(params, second), **kwargs)
    for gs in grads:
        for p, g in zip(params, gs, strict=True):
            p.grad = None if g is None else torch.tensor(g.copy())
        opt.step()
    return params, opt


@pytest.fixture
def torch64():
    torch = pytest.importorskip("torch")
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # torch's scalar state (ASGD's eta, mu) in float64
    dg.set_default_dtype(dg.float64)  # and deepgrad's, which follows its default as torch's
    yield torch
    torch.set_default_dtype(old)


@pytest.mark.parametrize(("name", "kwargs", "torch_name", "second"), CASES, ids=IDS)
def test_matches_torch_float64_with_two_groups(torch64, name, kwargs, torch_name, second):
    init, grads = _problem(np.float64)
    ours, opt = _run_dg(name, kwargs, second, init, grads)
    theirs, topt = _run_torch(torch64, torch_name, kwargs, second, init, grads)
    assert opt.param_groups[1]["lr"] == topt.param_groups[1]["lr"]
    for p, q in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-10, atol=1e-12)
    if name == "ASGD":  # the running average is part of what ASGD computes
        for p, q in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(
                dg.backend.to_numpy(opt.state[p]["ax"]),
                topt.state[q]["ax"].numpy(),
                rtol=1e-10,
                atol=1e-12,
            )


@pytest.mark.parametrize(("name", "kwargs", "torch_name", "second"), CASES, ids=IDS)
def test_matches_torch_float32_and_stays_float32(torch, name, kwargs, torch_name, second):
    init, grads = _problem(np.float32, steps=10)
    ours, opt = _run_dg(name, kwargs, second, init, grads)
    theirs, _ = _run_torch(torch, torch_name, kwargs, second, init, grads)
    for p, q in zip(ours, theirs, strict=True):
        assert p.data.dtype == np.float32
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-5, atol=1e-5)
    for st in opt.state.values():
        for k, v in st.items():
            if isinstance(v, np.ndarray):
                assert v.dtype == np.float32, k


def test_maximize_ascends_the_mirrored_descent(torch64):
    """maximize=True on g equals descending on −g, for every rule (a check that holds without
    PyTorch's numbers)."""
    init, grads = _problem(np.float64, steps=8)
    neg = [[None if g is None else -g for g in gs] for gs in grads]
    for name, kwargs, _, second in CASES:
        if not kwargs.get("maximize"):
            continue
        plain = {k: v for k, v in kwargs.items() if k != "maximize"}
        up, _ = _run_dg(name, kwargs, second, init, grads)
        down, _ = _run_dg(name, plain, second, init, neg)
        for p, q in zip(up, down, strict=True):
            np.testing.assert_array_equal(p.data, q.data, err_msg=name)


def test_old_optimizer_names_are_deprecated_aliases_of_pytorchs():
    """One name per thing: PyTorch's (NAdam, Adagrad, Adadelta, RMSprop); the old spellings
    still resolve to the same class, with a DeprecationWarning naming the new one."""
    import warnings

    for old, new in [
        ("Nadam", "NAdam"),
        ("AdaGrad", "Adagrad"),
        ("AdaDelta", "Adadelta"),
        ("RMSProp", "RMSprop"),
    ]:
        with pytest.warns(DeprecationWarning, match=f"use deepgrad.optim.{new}"):
            assert getattr(optim, old) is getattr(optim, new)
        assert old not in optim.__all__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in optim.__all__:  # the public names warn nothing
            getattr(optim, name)
    with pytest.raises(AttributeError, match="no attribute 'Adamm'"):
        optim.Adamm  # noqa: B018
    opt = optim.NAdam()
    assert opt.defaults["momentum_decay"] == 4e-3 and opt.defaults["lr"] == 2e-3
    assert type(optim.get("NAdam")) is optim.NAdam


def test_defaults_are_pytorchs(torch):
    """The new optimizers' defaults are PyTorch's (the hyperparameters both have)."""
    for name, tname in [
        ("Adamax", "Adamax"),
        ("RAdam", "RAdam"),
        ("NAdam", "NAdam"),
        ("Rprop", "Rprop"),
        ("ASGD", "ASGD"),
    ]:
        ours = getattr(optim, name)().defaults
        theirs = getattr(torch.optim, tname)([torch.zeros(1, requires_grad=True)]).defaults
        for k, v in ours.items():
            assert theirs[k] == v, (name, k)


def _through_json(state):
    """Write a state dict as JSON + arrays (as a checkpoint would) and read it back."""
    arrays = {}

    def enc(x, path):
        if isinstance(x, dg.Tensor):  # state tensors are written as their arrays
            x = x.numpy()
        if isinstance(x, np.ndarray):
            arrays[path] = x.copy()
            return {"__array__": path}
        if isinstance(x, dict):
            return {str(k): enc(v, f"{path}.{k}") for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [enc(v, f"{path}.{i}") for i, v in enumerate(x)]
        assert isinstance(x, (int, float, bool, str)) or x is None, type(x)
        return x

    text = json.dumps(enc(state, "s"))

    def dec(x):
        if isinstance(x, dict):
            if "__array__" in x:
                return arrays[x["__array__"]]
            return {k: dec(v) for k, v in x.items()}
        if isinstance(x, list):
            return [dec(v) for v in x]
        return x

    return dec(json.loads(text))


@pytest.mark.parametrize(("name", "kwargs", "torch_name", "second"), CASES, ids=IDS)
def test_state_dict_round_trip_mid_run_continues_identically(name, kwargs, torch_name, second):
    # load_state_dict casts the 0-d state (NAdam's mu_product, ASGD's eta and mu) to the
    # parameters' dtype, as PyTorch's: a float64 run resumes exactly when they were float64
    # already (the float64 default), in both libraries
    dg.set_default_dtype(dg.float64)  # restored by the conftest fixture
    init, grads = _problem(np.float64)
    straight, _ = _run_dg(name, kwargs, second, init, grads)
    first, opt = _run_dg(name, kwargs, second, init, grads[:12])
    state = _through_json(opt.state_dict())
    params = [dg.tensor(p.numpy().copy(), requires_grad=True) for p in first]
    fresh = getattr(optim, name)(_groups(params, second), **kwargs)
    fresh.load_state_dict(state)
    assert fresh.param_groups[1] == opt.param_groups[1] | {"params": params[2:]}
    _run_dg(name, kwargs, second, init, grads[12:], params=params, opt=fresh)
    for p, q in zip(params, straight, strict=True):
        np.testing.assert_array_equal(p.data, q.data)


def test_rprop_step_sizes_start_at_lr_and_stay_within_bounds():
    w = dg.tensor(np.zeros(3), requires_grad=True)
    opt = optim.Rprop([w], lr=0.1, etas=(0.5, 2.0), step_sizes=(0.01, 0.3))
    for g in ([1.0, 1.0, 1.0], [1.0, -1.0, 0.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]):
        w.grad = dg.tensor(np.array(g))
        opt.step()
    # coordinate 0: 0.1 → 0.2 → 0.3 (capped) → 0.3; coordinate 1: 0.1, then 0.05 (a flip: no
    # move, prev zeroed), 0.05 (no growth after a flip), 0.1; coordinate 2: a zero gradient
    # keeps the size and does not move: 0.1, (0.1), 0.1, 0.2
    np.testing.assert_allclose(dg.backend.to_numpy(opt.state[w]["step_size"]), [0.3, 0.1, 0.2])
    np.testing.assert_allclose(w.data, [-(0.1 + 0.2 + 0.3 + 0.3), -(0.1 + 0.05 + 0.1), -0.4])


def test_get_resolves_the_new_names():
    for name, cls in [
        ("adamax", optim.Adamax),
        ("radam", optim.RAdam),
        ("nadam", optim.NAdam),
        ("rprop", optim.Rprop),
        ("asgd", optim.ASGD),
        ("Adamax", optim.Adamax),
        ("RAdam", optim.RAdam),
    ]:
        opt = optim.get(name, lr=0.5)
        assert type(opt) is cls and opt.param_groups[0]["lr"] == 0.5 and not opt.is_bound


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("Adamax", {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.01}),
        ("RAdam", {"lr": 0.01, "weight_decay": 0.01, "decoupled_weight_decay": True}),
        ("NAdam", {"lr": 0.01, "momentum_decay": 0.01}),
        ("Rprop", {"lr": 0.01, "etas": (0.4, 1.3), "step_sizes": (1e-5, 1.0)}),
        ("ASGD", {"lr": 0.05, "t0": 3.0, "lambd": 1e-3}),
        ("Adam", {"lr": 0.01, "maximize": False, "amsgrad": True, "decoupled_weight_decay": True}),
    ],
)
def test_compiled_model_round_trips_through_save_and_load(tmp_path, name, kwargs):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], np.float32)).astype(np.float32)

    def make():
        dg.manual_seed(0)
        return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))

    model = make().compile(getattr(optim, name)(**kwargs), "mse")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, seed=1)
    model.save(tmp_path / "m.dg")
    loaded = dg.load_model(tmp_path / "m.dg")
    opt = loaded.__dict__["_dg_compiled"].optimizer
    assert type(opt) is getattr(optim, name)
    assert opt.defaults == model.__dict__["_dg_compiled"].optimizer.defaults
    h1 = model.fit(x, y, epochs=4, initial_epoch=2, batch_size=8, verbose=0, seed=1)
    h2 = loaded.fit(x, y, epochs=4, initial_epoch=2, batch_size=8, verbose=0, seed=1)
    assert h1.history == h2.history
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(loaded.state_dict()[k], v, err_msg=k)


@pytest.mark.parametrize(
    ("cls", "kwargs", "match"),
    [
        (optim.Adamax, {"lr": -1.0}, "learning rate"),
        (optim.Adamax, {"betas": (0.9, 1.0)}, "beta2"),
        (optim.Adamax, {"eps": -1e-8}, "eps"),
        (optim.RAdam, {"lr": -1e-3}, "learning rate"),
        (optim.RAdam, {"betas": (-0.1, 0.999)}, "beta1"),
        (optim.RAdam, {"weight_decay": -0.1}, "weight_decay"),
        (optim.NAdam, {"betas": (0.9,)}, "pair"),
        (optim.NAdam, {"momentum_decay": -1.0}, "momentum_decay"),
        (optim.Rprop, {"lr": -0.1}, "learning rate"),
        (optim.Rprop, {"etas": (1.5, 1.2)}, "etas"),
        (optim.Rprop, {"etas": (0.5, 0.9)}, "etas"),
        (optim.Rprop, {"etas": (0.5,)}, "etas"),
        (optim.Rprop, {"step_sizes": (1.0, 0.1)}, "step_sizes"),
        (optim.Rprop, {"step_sizes": (-1.0, 1.0)}, "step_sizes"),
        (optim.ASGD, {"lr": -0.1}, "learning rate"),
        (optim.ASGD, {"lambd": -1e-4}, "lambd"),
        (optim.ASGD, {"alpha": -0.5}, "alpha"),
        (optim.ASGD, {"weight_decay": -1.0}, "weight_decay"),
        (optim.SGD, {"momentum": 0.9, "dampening": 0.5, "nesterov": True}, "nesterov"),
    ],
)
def test_bad_hyperparameters_raise(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls(**kwargs)


def test_bad_group_hyperparameters_raise():
    a = dg.tensor(np.ones(2), requires_grad=True)
    b = dg.tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match="etas"):
        optim.Rprop([{"params": [a]}, {"params": [b], "etas": (0.0, 1.2)}])
    with pytest.raises(ValueError, match="beta1"):
        optim.RAdam([{"params": [a]}, {"params": [b], "betas": (1.0, 0.9)}])


# PyTorch's implementation choices: every optimizer that has ``foreach`` (and the four with
# ``fused``) accepts them, with the numbers of the default implementation
FOREACH = ["SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Rprop", "Adagrad",
           "Adadelta", "ASGD"]  # fmt: skip
FUSED = ["SGD", "Adam", "AdamW", "Adagrad"]


@pytest.mark.parametrize("name", FOREACH)
def test_foreach_and_fused_are_accepted_and_change_nothing(torch64, name):
    init, grads = _problem(np.float64, steps=6)
    kwargs = {"lr": 0.01, "momentum": 0.9} if name in ("SGD", "RMSprop") else {"lr": 0.01}
    choices = [{"foreach": True}, {"foreach": False}, {"foreach": None}]
    choices += [{"fused": True}, {"fused": False}] if name in FUSED else []
    for choice in choices:
        ours, _ = _run_dg(name, {**kwargs, **choice}, {}, init, grads)
        theirs, _ = _run_torch(torch64, name, {**kwargs, **choice}, {}, init, grads)
        for p, q in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_foreach_and_fused_refused_as_pytorch_refuses_them():
    with pytest.raises(RuntimeError, match="cannot be `True` together"):
        optim.Adam([dg.zeros(2, requires_grad=True)], foreach=True, fused=True)
    with pytest.raises(TypeError, match="foreach must be None, True or False"):
        optim.SGD([dg.zeros(2, requires_grad=True)], lr=0.1, foreach="yes")
    with pytest.raises(TypeError, match="fused"):
        optim.RMSprop([dg.zeros(2, requires_grad=True)], fused=True)  # PyTorch has no fused RMSprop
