"""Optimizers: equality with PyTorch's over ten steps, state round trips, late binding, clipping."""

from __future__ import annotations

import json

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import optim

SHAPES = [(4, 3), (3,), (2, 2, 2)]

# (deepgrad class, kwargs, torch class name)
CASES = [
    ("SGD", {"lr": 0.1}, "SGD"),
    ("SGD", {"lr": 0.1, "momentum": 0.9}, "SGD"),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5, "weight_decay": 0.01}, "SGD"),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}, "SGD"),
    ("Adagrad", {"lr": 0.1}, "Adagrad"),
    (
        "Adagrad",
        {
            "lr": 0.1,
            "lr_decay": 0.01,
            "weight_decay": 0.1,
            "initial_accumulator_value": 0.5,
            "eps": 1e-6,
        },
        "Adagrad",
    ),
    ("RMSprop", {"lr": 0.01}, "RMSprop"),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "centered": True}, "RMSprop"),
    ("RMSprop", {"lr": 0.01, "momentum": 0.8, "weight_decay": 0.1}, "RMSprop"),
    ("RMSprop", {"lr": 0.01, "momentum": 0.8, "centered": True, "eps": 1e-4}, "RMSprop"),
    ("Adam", {"lr": 0.01}, "Adam"),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.1}, "Adam"),
    ("Adam", {"lr": 0.01, "amsgrad": True, "eps": 1e-6}, "Adam"),
    ("AdamW", {"lr": 0.01}, "AdamW"),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.5, "amsgrad": True}, "AdamW"),
    ("Adadelta", {}, "Adadelta"),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-4, "weight_decay": 0.1}, "Adadelta"),
    ("NAdam", {}, "NAdam"),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "momentum_decay": 0.01}, "NAdam"),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}, "NAdam"),
]
IDS = [f"{c}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}" for c, kw, _ in CASES]


def _problem(dtype, steps=10, seed=0, none_at=()):
    """Initial parameters and a fixed sequence of gradients (None where listed)."""
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    grads = []
    for t in range(steps):
        gs = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
        grads.append([None if (t, i) in none_at else g for i, g in enumerate(gs)])
    return init, grads


def _run_dg(cls_name, kwargs, init, grads, opt=None):
    params = [dg.tensor(a.copy(), requires_grad=True) for a in init]
    opt = getattr(optim, cls_name)(params, **kwargs)
    for gs in grads:
        for p, g in zip(params, gs, strict=True):
            p.grad = None if g is None else dg.tensor(g.copy())
        opt.step()
    return params, opt


def _run_torch(torch, cls_name, kwargs, init, grads):
    params = [torch.tensor(a.copy(), requires_grad=True) for a in init]
    opt = getattr(torch.optim, cls_name)(params, **kwargs)
    for gs in grads:
        for p, g in zip(params, gs, strict=True):
            p.grad = None if g is None else torch.tensor(g.copy())
        opt.step()
    return params


@pytest.fixture
def torch64():
    torch = pytest.importorskip("torch")
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # both keep NAdam's mu_product in this dtype
    dg.set_default_dtype(dg.float64)  # restored by the conftest fixture
    yield torch
    torch.set_default_dtype(old)


@pytest.mark.parametrize(("name", "kwargs", "torch_name"), CASES, ids=IDS)
def test_matches_torch_float64(torch64, name, kwargs, torch_name):
    init, grads = _problem(np.float64, none_at={(3, 1), (4, 1), (7, 0)})
    ours, _ = _run_dg(name, kwargs, init, grads)
    theirs = _run_torch(torch64, torch_name, kwargs, init, grads)
    for p, q in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("name", "kwargs", "torch_name"), CASES, ids=IDS)
def test_matches_torch_float32_and_stays_float32(name, kwargs, torch_name):
    torch = pytest.importorskip("torch")
    init, grads = _problem(np.float32)
    ours, opt = _run_dg(name, kwargs, init, grads)
    theirs = _run_torch(torch, torch_name, kwargs, init, grads)
    for p, q in zip(ours, theirs, strict=True):
        assert p.data.dtype == np.float32
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-5, atol=1e-6)
    for st in opt.state.values():
        for k, v in st.items():
            if isinstance(v, np.ndarray):
                assert v.dtype == np.float32, k


def test_param_groups_match_torch(torch64):
    init, grads = _problem(np.float64)

    def groups(ps):
        return [{"params": ps[:2]}, {"params": ps[2:], "lr": 0.05, "betas": (0.5, 0.9)}]

    ps = [dg.tensor(a.copy(), requires_grad=True) for a in init]
    opt = optim.Adam(groups(ps), lr=0.01, weight_decay=0.1)
    assert opt.param_groups[1]["lr"] == 0.05 and opt.param_groups[1]["weight_decay"] == 0.1
    qs = [torch64.tensor(a.copy(), requires_grad=True) for a in init]
    topt = torch64.optim.Adam(groups(qs), lr=0.01, weight_decay=0.1)
    for gs in grads:
        for p, q, g in zip(ps, qs, gs, strict=True):
            p.grad, q.grad = dg.tensor(g), torch64.tensor(g)
        opt.step()
        topt.step()
    for p, q in zip(ps, qs, strict=True):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-10)


def test_momentum_follows_the_guides_formula():
    init, grads = _problem(np.float64)
    ours, _ = _run_dg("Momentum", {"lr": 0.05, "momentum": 0.8}, init, grads)
    w = [a.copy() for a in init]
    v = [np.zeros_like(a) for a in init]
    for gs in grads:
        for i, g in enumerate(gs):
            v[i] = 0.8 * v[i] - 0.05 * g
            w[i] = w[i] + v[i]
    for p, expected in zip(ours, w, strict=True):
        np.testing.assert_allclose(p.data, expected, rtol=1e-12)
    # with a constant lr it equals PyTorch-style SGD momentum
    sgd, _ = _run_dg("SGD", {"lr": 0.05, "momentum": 0.8}, init, grads)
    for p, q in zip(ours, sgd, strict=True):
        np.testing.assert_allclose(p.data, q.data, rtol=1e-10)


def test_momentum_keeps_velocity_when_lr_changes():
    w = dg.tensor(np.array([1.0]), requires_grad=True)
    opt = optim.Momentum([w], lr=0.1, momentum=0.5)
    w.grad = dg.tensor(np.array([1.0]))
    opt.step()  # v = -0.1
    opt.param_groups[0]["lr"] = 1.0
    opt.step()  # v = -0.05 - 1.0
    np.testing.assert_allclose(w.data, [1.0 - 0.1 - 1.05])


def test_grad_is_not_modified_in_place():
    init, grads = _problem(np.float32, steps=3)
    params = [dg.tensor(a.copy(), requires_grad=True) for a in init]
    for name, kwargs, _ in CASES:
        opt = getattr(optim, name)(params, **kwargs)
        for gs in grads:
            for p, g in zip(params, gs, strict=True):
                p.grad = dg.tensor(g.copy())
            opt.step()
            for p, g in zip(params, gs, strict=True):
                np.testing.assert_array_equal(p.grad.data, g)


def _through_json(state):
    """Write a state dict as JSON + a dict of arrays (as a safetensors checkpoint would) and
    read it back."""
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


@pytest.mark.parametrize(("name", "kwargs", "torch_name"), CASES, ids=IDS)
def test_state_dict_round_trip_resumes_exactly(name, kwargs, torch_name):
    init, grads = _problem(np.float32, none_at={(2, 1)})
    straight, _ = _run_dg(name, kwargs, init, grads)
    first, opt = _run_dg(name, kwargs, init, grads[:5])
    state = _through_json(opt.state_dict())
    params = [dg.tensor(p.numpy().copy(), requires_grad=True) for p in first]
    fresh = getattr(optim, name)(params, **kwargs)
    fresh.load_state_dict(state)
    for gs in grads[5:]:
        for p, g in zip(params, gs, strict=True):
            p.grad = None if g is None else dg.tensor(g.copy())
        fresh.step()
    for p, q in zip(params, straight, strict=True):
        np.testing.assert_array_equal(p.data, q.data)


def test_state_dict_is_keyed_by_position_and_live():
    init, grads = _problem(np.float32, steps=2)
    params, opt = _run_dg("Adam", {"lr": 0.1}, init, grads)
    sd = opt.state_dict()
    assert sorted(sd["state"]) == [0, 1, 2]
    assert sd["param_groups"][0]["params"] == [0, 1, 2]
    assert sd["state"][0]["step"] == 2
    assert isinstance(sd["state"][0]["exp_avg"], dg.Tensor)  # tensors, as PyTorch's
    before = sd["state"][0]["exp_avg"].clone()
    for p in params:
        p.grad = dg.tensor(np.ones_like(p.data))
    opt.step()
    # the live state tensors, as PyTorch's: the step changed them
    assert sd["state"][0]["exp_avg"] is opt.state[params[0]]["exp_avg"]
    assert not np.array_equal(sd["state"][0]["exp_avg"].numpy(), before.numpy())


def test_load_state_dict_errors():
    init, grads = _problem(np.float32, steps=2)
    _, opt = _run_dg("Adam", {}, init, grads)
    sd = opt.state_dict()
    other = optim.Adam([dg.tensor(np.zeros((4, 3), np.float32), requires_grad=True)])
    with pytest.raises(ValueError, match="group 0 has 3 parameters"):
        other.load_state_dict(sd)
    wrong = [dg.tensor(np.zeros((5,), np.float32), requires_grad=True) for _ in range(3)]
    with pytest.raises(ValueError, match="shape"):
        optim.Adam(wrong).load_state_dict(sd)
    with pytest.raises(ValueError, match="param_groups"):
        opt.load_state_dict({"state": {}})


def _trained(name, **kw):
    dg.manual_seed(0)
    model = dg.nn.Linear(3, 2)
    opt = getattr(optim, name)(model.parameters(), lr=0.1, **kw)
    for _ in range(2):
        opt.zero_grad()
        (model(dg.ones((4, 3))) ** 2).sum().backward()
        opt.step()
    return model, opt


_DROP = object()


def _edit(sd, where, value):
    """``sd`` with the entry at the key path ``where`` set to ``value`` (removed if _DROP)."""
    *path, last = where
    node = sd
    for k in path:
        node = node[k]
    if value is _DROP:
        del node[last]
    else:
        node[last] = value
    return sd


@pytest.mark.parametrize(
    ("name", "kw", "where", "value", "match"),
    [
        # a number in place of a state array was broadcast over the parameter (Adam), or kept
        # as a number that never accumulated (SGD's momentum buffer), silently
        ("Adam", {}, ("state", 0, "exp_avg"), np.float32(0.5),
         r"state 'exp_avg' of parameter 0 has shape \(\), the parameter \(2, 3\)"),
        ("SGD", {"momentum": 0.9}, ("state", 0, "momentum_buffer"), 0.5,
         "'momentum_buffer' of parameter 0 has a float, the parameter"),
        ("ASGD", {}, ("state", 1, "ax"), np.zeros(3, np.float32),
         r"'ax' of parameter 1 has shape \(3,\), the parameter \(2,\)"),
        # a missing moment restarted from zero silently
        ("Adam", {}, ("state", 0, "exp_avg_sq"), _DROP, r"parameter 0 lacks \['exp_avg_sq'\]"),
        ("Adam", {}, ("param_groups", 0, "amsgrad"), True, r"lacks \['max_exp_avg_sq'\]"),
        ("RMSprop", {}, ("state", 0, "step"), _DROP, r"lacks \['step'\]"),  # was a KeyError
        ("Adam", {}, ("state", 0, "step"), -3, "step of parameter 0 is -3; expected a count"),
        ("Adam", {}, ("state", 0, "step"), 2.5, "step of parameter 0 is 2.5"),
        ("Adam", {}, ("state", "x"), {}, "state for parameter 'x' out of range"),  # int() error
        ("Adam", {}, ("state", 7), {}, "state for parameter 7 out of range"),
        ("Adam", {}, ("state", 0), 5, "the state of parameter 0 is a int, not a dict"),
        # hyperparameters of the wrong kind failed inside the next step
        ("Adam", {}, ("param_groups", 0, "lr"), "abc", r"group 0's lr is 'abc'; expected a num"),
        ("Adam", {}, ("param_groups", 0, "betas"), [0.9], r"betas is \[0.9\]; expected 2 numbers"),
        ("Adam", {}, ("param_groups", 0, "eps"), None, "eps is None; expected a number"),
        ("Adam", {}, ("param_groups", 0, "lr"), -1.0, "invalid learning rate lr=-1.0"),
        ("Adam", {}, ("param_groups", 0, "params"), [0, 0], "parameter index 0 appears twice"),
    ],
)  # fmt: skip
def test_load_state_dict_refuses_a_broken_checkpoint(tmp_path, name, kw, where, value, match):
    """The state goes through a real checkpoint file (dg.save / dg.load), as when resuming."""
    _, opt = _trained(name, **kw)
    dg.save(_edit(opt.state_dict(), where, value), tmp_path / "opt.pt")
    model, fresh = _trained(name, **kw)
    before = fresh.state_dict()
    with pytest.raises(ValueError, match=rf"{name}.load_state_dict: .*{match}|{match}"):
        fresh.load_state_dict(dg.load(tmp_path / "opt.pt"))
    after = fresh.state_dict()  # nothing was changed
    assert after["param_groups"] == before["param_groups"]
    for k, st in before["state"].items():
        for key, v in st.items():
            np.testing.assert_array_equal(after["state"][k][key], v)


def test_load_state_dict_maps_indices_by_position_as_pytorch():
    """A state whose groups list the indices in another order: state i belongs to the
    parameter at i's position in the saved groups (PyTorch's mapping), not to parameter i."""
    _, opt = _trained("Adam")
    sd = opt.state_dict()
    sd["param_groups"][0]["params"] = [1, 0]
    sd["state"] = {1: sd["state"][0], 0: sd["state"][1]}
    model, fresh = _trained("Adam")
    fresh.load_state_dict(sd)
    np.testing.assert_array_equal(
        dg.backend.to_numpy(fresh.state[model.weight]["exp_avg"]),
        dg.backend.to_numpy(opt.state_dict()["state"][0]["exp_avg"]),
    )


def test_late_binding():
    init, grads = _problem(np.float32)
    expected, _ = _run_dg("Adam", {"lr": 0.01}, init, grads)
    opt = optim.Adam(lr=0.01)
    assert not opt.is_bound
    with pytest.raises(RuntimeError, match="bind"):
        opt.step()
    params = [dg.tensor(a.copy(), requires_grad=True) for a in init]
    assert opt.bind(params) is opt
    opt.bind(params)  # the same parameters again: no-op (fit may bind on every call)
    with pytest.raises(RuntimeError, match="already bound"):
        opt.bind([dg.tensor(np.zeros(2), requires_grad=True)])
    for gs in grads:
        for p, g in zip(params, gs, strict=True):
            p.grad = dg.tensor(g)
        opt.step()
    for p, q in zip(params, expected, strict=True):
        np.testing.assert_array_equal(p.data, q.data)


def test_late_binding_keeps_placeholder_hyperparameters_and_pending_state():
    init, grads = _problem(np.float32)
    straight, _ = _run_dg("SGD", {"lr": 0.05, "momentum": 0.9}, init, grads)
    first, opt = _run_dg("SGD", {"lr": 0.05, "momentum": 0.9}, init, grads[:5])
    state = opt.state_dict()
    late = optim.SGD(lr=0.5, momentum=0.9)
    late.param_groups[0]["lr"] = 0.05  # e.g. written by a schedule before binding
    late.load_state_dict(state)  # kept until bind
    params = [dg.tensor(p.numpy().copy(), requires_grad=True) for p in first]
    late.bind(params)
    assert late.param_groups[0]["lr"] == 0.05
    for gs in grads[5:]:
        for p, g in zip(params, gs, strict=True):
            p.grad = dg.tensor(g)
        late.step()
    for p, q in zip(params, straight, strict=True):
        np.testing.assert_array_equal(p.data, q.data)


def test_add_param_group_binds_an_unbound_optimizer():
    a = dg.tensor(np.ones(3, np.float32), requires_grad=True)
    b = dg.tensor(np.ones(2, np.float32), requires_grad=True)
    opt = optim.SGD(lr=0.1)
    opt.add_param_group({"params": [a]})
    opt.add_param_group({"params": b, "lr": 1.0})
    assert len(opt.param_groups) == 2 and opt.param_groups[1]["lr"] == 1.0
    a.grad = dg.tensor(np.ones(3, np.float32))
    b.grad = dg.tensor(np.ones(2, np.float32))
    opt.step()
    np.testing.assert_allclose(a.data, 0.9)
    np.testing.assert_allclose(b.data, 0.0)
    with pytest.raises(ValueError, match="more than one group"):
        opt.add_param_group({"params": [a]})


def test_zero_grad_sets_none_and_missing_grads_are_skipped():
    a = dg.tensor(np.ones(3), requires_grad=True)
    b = dg.tensor(np.ones(3), requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    (a * 2.0).sum().backward()
    opt.step()
    assert b.grad is None and np.all(b.numpy() == 1.0) and b not in opt.state
    opt.zero_grad()
    assert a.grad is None


def test_get_resolves_names():
    for name, cls in [
        ("sgd", optim.SGD),
        ("momentum", optim.Momentum),
        ("adagrad", optim.Adagrad),
        ("rmsprop", optim.RMSprop),
        ("adam", optim.Adam),
        ("adamw", optim.AdamW),
        ("adadelta", optim.Adadelta),
        ("nadam", optim.NAdam),
    ]:
        opt = optim.get(name, lr=0.5)
        assert type(opt) is cls and opt.param_groups[0]["lr"] == 0.5 and not opt.is_bound
    opt = optim.Adam()
    assert optim.get(opt) is opt
    assert isinstance(optim.get(optim.SGD), optim.SGD)
    with pytest.raises(ValueError, match="adadelta.*sgd"):
        optim.get("adamz")


@pytest.mark.parametrize(
    ("cls", "kwargs", "match"),
    [
        (optim.SGD, {"lr": -0.1}, "learning rate"),
        (optim.Adam, {"lr": -1e-3}, "learning rate"),
        (optim.Adam, {"betas": (1.0, 0.999)}, "beta1"),
        (optim.NAdam, {"betas": (0.9, -0.1)}, "beta2"),
        (optim.AdamW, {"betas": (0.9,)}, "pair"),
        (optim.Adam, {"eps": -1.0}, "eps"),
        (optim.Adam, {"weight_decay": -0.1}, "weight_decay"),
        (optim.SGD, {"momentum": -0.5}, "momentum"),
        (optim.SGD, {"nesterov": True}, "nesterov"),
        (optim.Momentum, {"momentum": 1.5}, "momentum"),
        (optim.RMSprop, {"alpha": -0.1}, "alpha"),
        (optim.Adadelta, {"rho": 1.5}, "rho"),
        (optim.Adagrad, {"lr_decay": -1.0}, "lr_decay"),
    ],
)
def test_bad_hyperparameters_raise(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls(**kwargs)


def test_bad_params_raise():
    w = dg.tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match="empty"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="set"):
        optim.SGD({w}, lr=0.1)
    with pytest.raises(TypeError, match="Tensors"):
        optim.SGD([np.ones(2)], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([w * 2.0], lr=0.1)
    with pytest.raises(ValueError, match="more than one group"):
        optim.SGD([w, w], lr=0.1)
    with pytest.raises(ValueError, match="learning rate"):
        optim.SGD([{"params": [w], "lr": -1.0}], lr=0.1)


# ---- gradient clipping ---------------------------------------------------------------------


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    torch = pytest.importorskip("torch")
    _, grads = _problem(np.float32, steps=1)
    ps = [dg.tensor(np.zeros_like(g), requires_grad=True) for g in grads[0]]
    qs = [torch.zeros(g.shape, requires_grad=True) for g in grads[0]]
    for p, q, g in zip(ps, qs, grads[0], strict=True):
        p.grad, q.grad = dg.tensor(g.copy()), torch.tensor(g.copy())
    total = optim.clip_grad_norm_(ps, max_norm, norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(qs, max_norm, norm_type)
    assert isinstance(total, dg.Tensor) and total.shape == () and total.dtype == np.float32
    np.testing.assert_allclose(total.item(), ttotal.item(), rtol=1e-5)
    for p, q in zip(ps, qs, strict=True):
        assert p.grad.data.dtype == np.float32
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_clip_grad_value_matches_torch():
    torch = pytest.importorskip("torch")
    _, grads = _problem(np.float32, steps=1)
    ps = [dg.tensor(np.zeros_like(g), requires_grad=True) for g in grads[0]]
    qs = [torch.zeros(g.shape, requires_grad=True) for g in grads[0]]
    for p, q, g in zip(ps, qs, grads[0], strict=True):
        p.grad, q.grad = dg.tensor(g.copy()), torch.tensor(g.copy())
    optim.clip_grad_value_(ps, 0.3)
    torch.nn.utils.clip_grad_value_(qs, 0.3)
    for p, q in zip(ps, qs, strict=True):
        np.testing.assert_array_equal(p.grad.data, q.grad.numpy())


def test_clip_does_not_scale_a_shared_gradient_twice():
    g = np.array([3.0, 4.0])
    a = dg.tensor(np.zeros(2), requires_grad=True)
    b = dg.tensor(np.zeros(2), requires_grad=True)
    a.grad = b.grad = dg.tensor(g)  # one gradient array shared by two tensors
    total = optim.clip_grad_norm_([a, b], 1.0)
    np.testing.assert_allclose(total.item(), np.sqrt(50.0))
    np.testing.assert_allclose(a.grad.data, g / np.sqrt(50.0), rtol=1e-5)
    np.testing.assert_allclose(b.grad.data, g / np.sqrt(50.0), rtol=1e-5)
    np.testing.assert_array_equal(g, [3.0, 4.0])
    with pytest.raises(ValueError, match="max_norm"):
        optim.clip_grad_norm_([a], -1.0)


def test_trains_a_small_model():
    """End to end: Adam fits a linear regression with a hand-written loop."""
    dg.manual_seed(0)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 3)).astype(np.float32)
    y = X @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3
    model = dg.nn.Linear(3, 1)
    opt = optim.Adam(model.parameters(), lr=0.1)
    sched = optim.StepLR(opt, step_size=100, gamma=0.5)
    xb, yb = dg.tensor(X), dg.tensor(y)
    for _ in range(300):
        opt.zero_grad()
        loss = ((model(xb) - yb) ** 2).mean()
        loss.backward()
        opt.step()
        sched.step()
    assert loss.item() < 1e-4


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_fused_path_survives_state_changes(name):
    """The fused (whole-group) update and the per-parameter one agree, and loading a state
    into an optimizer that already ran rebuilds the flat buffers."""
    kwargs = {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}
    init, grads = _problem(np.float64)
    other_init, other_grads = _problem(np.float64, seed=1)
    expected, b = _run_dg(name, kwargs, other_init, other_grads)  # 10 steps of run B
    _, b5 = _run_dg(name, kwargs, other_init, other_grads[:5])
    params, a = _run_dg(name, kwargs, init, grads[:5])  # run A built its flat buffers
    a.load_state_dict(b5.state_dict())
    b_params_after5 = _run_dg(name, kwargs, other_init, other_grads[:5])[0]
    for p, q in zip(params, b_params_after5, strict=True):
        p.data[...] = q.data
    for gs in other_grads[5:]:
        for p, g in zip(params, gs, strict=True):
            p.grad = dg.tensor(g.copy())
        a.step()
    for p, q in zip(params, expected, strict=True):
        np.testing.assert_array_equal(p.data, q.data)
    # a parameter without a gradient: the per-parameter path, then the state stays consistent
    params[1].grad = None
    a.step()
    assert a.state[params[1]]["step"] == 10 and a.state[params[0]]["step"] == 11


def test_fused_path_rechecks_replaced_arrays_and_state_dicts(monkeypatch):
    """The fused path's fast re-check between steps: a parameter whose array was replaced
    (``p.data = ...``) is updated in its new array, a state dict replaced by a copy keeps
    counting steps, a second-moment array replaced alone is the one updated, a gradient
    that is not C-contiguous takes the NumPy form for that step, a gradient of the wrong
    shape is refused as before; each run agrees with an optimizer that took the same steps
    one parameter at a time (one group each)."""
    from deepgrad import kernels

    init, grads = _problem(np.float64, steps=14)
    compiled_steps = []
    flat = kernels.adam_update_flat

    def spy(quads, *args):
        done = flat(quads, *args)
        compiled_steps.append(done)
        return done

    monkeypatch.setattr(kernels, "adam_update_flat", spy)

    def run(fused):
        params = [dg.tensor(a.copy(), requires_grad=True) for a in init]
        groups = [{"params": params}] if fused else [{"params": [p]} for p in params]
        opt = optim.Adam(groups, lr=0.01)
        for t, gs in enumerate(grads):
            if t == 3:
                params[0].data = dg.tensor(params[0]._data * 0.5)  # a new array
            if t == 6:
                opt.state[params[2]] = dict(opt.state[params[2]])  # a new state dict
            if t == 8:  # a new second moment alone: the optimizer must write this one
                opt.state[params[1]]["exp_avg_sq"] = opt.state[params[1]]["exp_avg_sq"] * 1.0
            for p, g in zip(params, gs, strict=True):
                p.grad = dg.tensor(g.copy())
            if t == 10:  # a transposed view: not C-contiguous
                params[0]._grad = dg.from_numpy(np.ascontiguousarray(gs[0].T).T)
            opt.step()
        return params, opt

    ours, opt = run(True)
    if kernels.enabled() and "adam_update" in kernels._kernels():
        assert compiled_steps.count(True) == len(grads) - 1  # all but the transposed step
    ref, _ = run(False)
    assert opt._fused  # the fused path ran
    assert [opt.state[p]["step"] for p in ours] == [len(grads)] * len(ours)
    for p, q in zip(ours, ref, strict=True):
        np.testing.assert_array_equal(p.numpy(), q.numpy())
    with pytest.raises(RuntimeError, match="same size"):  # PyTorch's check on assignment
        ours[1].grad = dg.tensor(np.zeros(ours[1].shape[::-1] + (2,)))
    ours[1]._grad = dg.tensor(np.zeros(ours[1].shape[::-1] + (2,)))  # past that check
    with pytest.raises(ValueError):
        opt.step()


def test_fused_update_with_a_frozen_parameter_matches_torch(torch64):
    frozen = {(t, 1) for t in range(10)}
    init, grads = _problem(np.float64, none_at=frozen)
    ours, opt = _run_dg("Adam", {"lr": 0.01, "weight_decay": 0.1}, init, grads)
    theirs = _run_torch(torch64, "Adam", {"lr": 0.01, "weight_decay": 0.1}, init, grads)
    assert opt._fused and ours[1] not in opt.state  # the fast path ran over the other two
    for p, q in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_nadam_fills_the_template_and_resumes_exactly():
    """NAdam is a _direction of the optimizer template (no step of its own, Adam's moments);
    its momentum product is in the state (float64 under the float64 default, as the
    parameters), so a state_dict round trip mid-run gives the uninterrupted run's weights; a
    group of several parameters (fused path) matches the one-by-one path."""
    from deepgrad.optim.optimizer import Optimizer

    dg.set_default_dtype(dg.float64)  # restored by the conftest fixture

    assert optim.NAdam.step is Optimizer.step
    rng = np.random.default_rng(0)
    grads = [[rng.normal(size=s) for s in [(3, 2), (4,)]] for _ in range(6)]

    def run(split, fused=True):
        ps = [dg.nn.Parameter(dg.tensor(np.ones(s))) for s in [(3, 2), (4,)]]
        groups = [{"params": ps}] if fused else [{"params": [p]} for p in ps]
        opt = optim.NAdam(groups, lr=0.05, weight_decay=0.01)
        for i, gs in enumerate(grads):
            if i == split:
                sd = opt.state_dict()
                opt = optim.NAdam(groups, lr=0.05, weight_decay=0.01)
                opt.load_state_dict(sd)
            for p, g in zip(ps, gs):
                p.grad = dg.tensor(g)
            opt.step()
        return [p.numpy().copy() for p in ps]

    ref = run(-1)
    for a, b in zip(ref, run(3)):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(ref, run(-1, fused=False)):
        np.testing.assert_allclose(a, b, rtol=1e-12)


@pytest.mark.parametrize("compiled", [True, False])
def test_a_state_array_replaced_alone_is_the_one_updated(compiled):
    """``state[p]["exp_avg_sq"] = ...`` between steps (the second moment alone, not the first):
    the next step reads and updates the new array, kernels on or off, as PyTorch's does (the
    NumPy form once kept using the flat buffer it had built, and the two forms disagreed)."""
    from deepgrad import kernels

    before = kernels.set_enabled(compiled)
    try:
        rng = np.random.default_rng(0)
        ps = [dg.tensor(rng.standard_normal(3), requires_grad=True) for _ in range(2)]
        opt = optim.Adam(ps, lr=0.1)
        for p in ps:
            p.grad = dg.tensor(rng.standard_normal(3))
        opt.step()
        replaced = opt.state[ps[1]]["exp_avg_sq"] * 100.0
        opt.state[ps[1]]["exp_avg_sq"] = replaced
        v = replaced.numpy().copy()  # (the step writes into the tensor put there, as PyTorch's)
        m = opt.state[ps[1]]["exp_avg"].numpy().copy()
        w = ps[1].numpy().copy()
        g = rng.standard_normal(3)
        for p in ps:
            p.grad = dg.tensor(g)
        opt.step()
    finally:
        kernels.set_enabled(before)
    m = 0.9 * m + 0.1 * g
    v = 0.999 * v + 0.001 * g * g
    w = w - 0.1 / (1 - 0.9**2) * m / (np.sqrt(v) / np.sqrt(1 - 0.999**2) + 1e-8)
    assert opt.state[ps[1]]["exp_avg_sq"] is replaced
    np.testing.assert_allclose(replaced.numpy(), v, rtol=1e-12)
    np.testing.assert_allclose(ps[1].numpy(), w, rtol=1e-12)


def test_every_optimizer_keeps_pytorchs_default_hyperparameters():
    """``optim.X(params)`` with nothing else is ``torch.optim.X(params)``: every hyperparameter
    both groups hold has torch 2.13's default (``SGD``'s rate is 1e-3 there: deepgrad's was
    0.01, a silent 10× step); ``optim.get("sgd")`` keeps Keras's 0.01 for the name."""
    torch = pytest.importorskip("torch")
    checked = 0
    for name in dir(torch.optim):
        cls = getattr(torch.optim, name)
        if not (isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer)):
            continue
        if cls is torch.optim.Optimizer or not hasattr(optim, name):
            continue
        shape = (2, 2) if name == "Muon" else (2,)  # Muon takes 2-D parameters only
        theirs = cls([torch.nn.Parameter(torch.ones(shape))]).param_groups[0]
        ours = getattr(optim, name)([dg.ones(shape, requires_grad=True)]).param_groups[0]
        for key, value in theirs.items():
            if key == "params":
                continue
            assert ours[key] == value, (name, key, ours[key], value)
            checked += 1
    assert checked > 80
    assert optim.SGD([dg.tensor(np.ones(2), requires_grad=True)]).defaults["lr"] == 1e-3
    assert optim.get("sgd").defaults["lr"] == 0.01
