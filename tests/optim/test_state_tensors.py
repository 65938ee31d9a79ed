"""``optimizer.state[p]`` holds tensors, as PyTorch's: the moment estimates are deepgrad
tensors sharing the memory the update writes (no copy per step), ``step`` a 0-d float32
tensor (float64 under a float64 default dtype, as ``torch``'s ``_get_scalar_dtype``). Tensor
methods work on them (``zero_``, ``mul_``, ``copy_``, ``clone``, ``norm``), and an in-place
write changes the next step exactly as in PyTorch, whether the group is updated on the flat
(fused) buffers, one parameter at a time, or by the compiled Adam kernel. ``state_dict()``
holds tensors too and round-trips; a state saved by an earlier version (NumPy arrays, int
steps) still loads.
"""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import kernels, optim

torch = pytest.importorskip("torch")

SHAPES = [(3, 4), (4,), ()]

# (deepgrad class, kwargs): each keeps tensors where PyTorch does
CASES = [
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1, "maximize": True}),
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


@pytest.fixture(autouse=True)
def _float64_defaults():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    dg.set_default_dtype(dg.float64)  # restored by the conftest fixture
    yield
    torch.set_default_dtype(old)


def _init(i):
    rng = np.random.default_rng(i)
    return [rng.standard_normal(s) for s in SHAPES]


def _loss(lib, ps):
    return sum(((p * p) * 0.5 + (p * 3).sin() * 0.3).sum() for p in ps)


def _pair(name, kwargs, one_group=True):
    arrays = _init(0)
    ours = [dg.tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    groups = (lambda ps: ps) if one_group else (lambda ps: [{"params": [p]} for p in ps])
    opt = getattr(optim, name)(groups(ours), **kwargs)
    topt = getattr(torch.optim, name)(groups(theirs), **kwargs)
    return ours, theirs, opt, topt


def _steps(ours, theirs, opt, topt, n):
    for _ in range(n):
        for lib, ps, o in ((dg, ours, opt), (torch, theirs, topt)):
            o.zero_grad()
            _loss(lib, ps).backward()
            o.step()


def _same(ours, theirs, rtol=1e-9):
    for p, q in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=rtol, atol=1e-10)


def _state_like_torch(opt, topt, ours, theirs):
    for p, q in zip(ours, theirs, strict=True):
        st, tst = opt.state[p], topt.state[q]
        for k in set(st) & set(tst):
            v, tv = st[k], tst[k]
            assert isinstance(v, dg.Tensor) == torch.is_tensor(tv), k
            if torch.is_tensor(tv):
                assert v.shape == tuple(tv.shape), k
                assert str(v.dtype) == str(tv.dtype).removeprefix("torch."), k
                np.testing.assert_allclose(v.numpy(), tv.numpy(), rtol=1e-7, atol=1e-12)


def _writes(lib, st):
    """In-place writes a user makes on the state between steps: each exists in both."""
    for k, v in st.items():
        if k in ("step", "eta", "mu") or v is None:
            continue
        if k in ("exp_avg", "momentum_buffer", "square_avg", "sum", "ax", "prev"):
            v.mul_(0.5)
        elif k in ("exp_avg_sq", "acc_delta", "exp_inf", "grad_avg"):
            v.zero_()
        elif k == "step_size":
            v.copy_(lib.full_like(v, 0.02))
        elif k == "max_exp_avg_sq":
            v.fill_(0.25)


@pytest.mark.parametrize("one_group", [True, False], ids=["fused", "per-parameter"])
@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
def test_state_tensors_written_in_place_steer_the_next_step_as_torch(name, kwargs, one_group):
    ours, theirs, opt, topt = _pair(name, kwargs, one_group)
    _steps(ours, theirs, opt, topt, 3)
    _state_like_torch(opt, topt, ours, theirs)
    for p, q in zip(ours, theirs, strict=True):
        _writes(dg, opt.state[p])
        _writes(torch, topt.state[q])
    # and the step count of the first parameter only (the others keep theirs; NAdam's
    # mu_product goes on from where it was, in both)
    if "step" in topt.state[theirs[0]]:
        opt.state[ours[0]]["step"].zero_()
        topt.state[theirs[0]]["step"].zero_()
    _steps(ours, theirs, opt, topt, 3)
    _same(ours, theirs)
    _state_like_torch(opt, topt, ours, theirs)


@pytest.mark.parametrize("compiled", [True, False], ids=["kernel", "numpy"])
def test_adam_state_tensors_share_the_memory_the_update_writes(compiled):
    before = kernels.set_enabled(compiled)
    try:
        ours, theirs, opt, topt = _pair("Adam", {"lr": 0.05})
        _steps(ours, theirs, opt, topt, 2)
        st = opt.state[ours[0]]
        m, v, step = st["exp_avg"], st["exp_avg_sq"], st["step"]
        seen = m.clone()
        _steps(ours, theirs, opt, topt, 1)
        # the same tensors, updated in place (no copy per step)
        assert st["exp_avg"] is m and st["exp_avg_sq"] is v and st["step"] is step
        assert step.item() == 3.0 and step.dtype == np.float64 and step.ndim == 0
        assert not np.array_equal(m.numpy(), seen.numpy())
        np.testing.assert_allclose(m.numpy(), topt.state[theirs[0]]["exp_avg"].numpy(), rtol=1e-12)
        assert float(m.norm()) == pytest.approx(float(topt.state[theirs[0]]["exp_avg"].norm()))
        # a copy_ into the moment and a new step count: the next step as torch's
        m.copy_(dg.ones_like(m))
        topt.state[theirs[0]]["exp_avg"].copy_(torch.ones_like(topt.state[theirs[0]]["exp_avg"]))
        step.fill_(10.0)
        topt.state[theirs[0]]["step"].fill_(10.0)
        _steps(ours, theirs, opt, topt, 2)
        _same(ours, theirs, rtol=1e-12)
    finally:
        kernels.set_enabled(before)


def test_step_is_float32_under_the_float32_default():
    dg.set_default_dtype(dg.float32)
    torch.set_default_dtype(torch.float32)
    w = dg.nn.Parameter(dg.ones(3))
    tw = torch.nn.Parameter(torch.ones(3))
    opt, topt = optim.Adam([w]), torch.optim.Adam([tw])
    for p, o in ((w, opt), (tw, topt)):
        p.grad = p.detach() * 0 + 1
        o.step()
    assert opt.state[w]["step"].dtype == np.float32
    assert str(topt.state[tw]["step"].dtype) == "torch.float32"


def test_a_replaced_state_tensor_is_written_in_place_as_torch():
    """``state[p]["exp_avg"] = t``: the next steps update ``t`` itself, as PyTorch's."""
    ours, theirs, opt, topt = _pair("Adam", {"lr": 0.05})
    _steps(ours, theirs, opt, topt, 2)
    t = opt.state[ours[0]]["exp_avg"] * 2.0
    tt = topt.state[theirs[0]]["exp_avg"] * 2.0
    opt.state[ours[0]]["exp_avg"], topt.state[theirs[0]]["exp_avg"] = t, tt
    _steps(ours, theirs, opt, topt, 2)
    assert opt.state[ours[0]]["exp_avg"] is t
    np.testing.assert_allclose(t.numpy(), tt.numpy(), rtol=1e-12)
    _same(ours, theirs, rtol=1e-12)


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
def test_state_dict_holds_tensors_and_round_trips(name, kwargs):
    ours, theirs, opt, topt = _pair(name, kwargs)
    _steps(ours, theirs, opt, topt, 3)
    sd = opt.state_dict()
    tsd = topt.state_dict()
    for i, st in sd["state"].items():
        for k, v in st.items():
            assert isinstance(v, dg.Tensor) == torch.is_tensor(tsd["state"][i][k]), k
            if isinstance(v, dg.Tensor):  # the live state tensor, as torch's
                assert v is opt.state[ours[i]][k]
    # a fresh optimizer loads deepgrad's state dict, another torch's: both go on as torch
    fresh_params = [dg.tensor(p.detach().numpy().copy(), requires_grad=True) for p in ours]
    fresh = getattr(optim, name)(fresh_params, **kwargs)
    fresh.load_state_dict(sd)
    from_torch_params = [dg.tensor(p.detach().numpy().copy(), requires_grad=True) for p in ours]
    from_torch = getattr(optim, name)(from_torch_params, **kwargs)
    from_torch.load_state_dict(tsd)
    for p in (*fresh_params, *from_torch_params):
        assert all(isinstance(v, dg.Tensor) for v in (fresh.state.get(p) or {}).values())
    _steps(ours, theirs, opt, topt, 2)
    for ps, o in ((fresh_params, fresh), (from_torch_params, from_torch)):
        for _ in range(2):
            o.zero_grad()
            _loss(dg, ps).backward()
            o.step()
        for p, q in zip(ps, ours, strict=True):
            np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy()) if (
                o is fresh
            ) else np.testing.assert_allclose(
                p.detach().numpy(), q.detach().numpy(), rtol=1e-7, atol=1e-10
            )


def test_a_state_saved_by_an_earlier_version_loads():
    """Earlier versions saved NumPy arrays and an int step: they load as tensors."""
    w = dg.tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    opt = optim.Adam([w], lr=0.1)
    old = {
        "state": {0: {"step": 2, "exp_avg": np.full(3, 0.1), "exp_avg_sq": np.full(3, 0.01)}},
        "param_groups": [
            {
                "lr": 0.1,
                "betas": [0.9, 0.999],
                "eps": 1e-8,
                "weight_decay": 0.0,
                "amsgrad": False,
                "maximize": False,
                "params": [0],
            }  # fmt: skip
        ],
    }
    opt.load_state_dict(old)
    st = opt.state[w]
    assert isinstance(st["step"], dg.Tensor) and st["step"].item() == 2.0
    assert isinstance(st["exp_avg"], dg.Tensor) and st["exp_avg"].dtype == np.float64
    tw = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    topt = torch.optim.Adam([tw], lr=0.1)
    topt.load_state_dict(
        {
            "state": {
                0: {
                    "step": torch.tensor(2.0),
                    "exp_avg": torch.full((3,), 0.1),
                    "exp_avg_sq": torch.full((3,), 0.01),
                }
            },  # fmt: skip
            "param_groups": topt.state_dict()["param_groups"],
        }
    )
    for p, o in ((w, opt), (tw, topt)):
        p.grad = p.detach() * 0 + 0.5
        o.step()
    np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-12)


def test_asgd_scalars_are_tensors_and_old_numbers_load():
    w = dg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    opt = optim.ASGD([w], lr=0.1, t0=1)
    w.grad = dg.ones(2)
    opt.step()
    st = opt.state[w]
    assert all(isinstance(st[k], dg.Tensor) and st[k].ndim == 0 for k in ("step", "eta", "mu"))
    fresh = optim.ASGD([dg.tensor(np.array([1.0, 2.0]), requires_grad=True)], lr=0.1, t0=1)
    old = opt.state_dict()
    old["state"][0] = {k: (v.item() if v.ndim == 0 else v.numpy()) for k, v in st.items()}
    old["state"][0]["step"] = int(old["state"][0]["step"])
    fresh.load_state_dict(old)
    assert all(isinstance(v, dg.Tensor) for v in next(iter(fresh.state.values())).values())
