"""NAdam keeps PyTorch 2.13's state: ``step`` and ``mu_product`` (the running product of the
momentum coefficients, apart from the step) as 0-d tensors of the scalar dtype, ``exp_avg``
and ``exp_avg_sq``. A state dict moves between the two libraries (torch's converted to NumPy
loads here; deepgrad's converted to torch tensors loads there) and the next steps agree; a
step count or product written in place steers the next steps as in PyTorch; a state saved
before deepgrad kept ``mu_product`` loads with the product its steps made.
"""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import optim

torch = pytest.importorskip("torch")

SHAPES = [(3, 4), (4,), ()]

KWARGS = [
    {"lr": 0.05},
    {"lr": 0.05, "momentum_decay": 0.02},
    {"lr": 0.05, "weight_decay": 0.1},
    {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True},
    {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True},
    {"lr": 0.05, "betas": (0.8, 0.99), "momentum_decay": 0.0},
]
KW_IDS = ["-".join(f"{k}={v}" for k, v in kw.items()) for kw in KWARGS]
DTYPES = {
    "float32": (dg.float32, torch.float32, 1e-5),
    "float64": (dg.float64, torch.float64, 1e-11),
}


@pytest.fixture(params=list(DTYPES), autouse=True)
def default_dtype(request):
    """Both libraries under the same default dtype (the 0-d state follows it)."""
    ours, theirs, rtol = DTYPES[request.param]
    old = torch.get_default_dtype()
    torch.set_default_dtype(theirs)
    dg.set_default_dtype(ours)  # restored by the conftest fixture
    yield rtol
    torch.set_default_dtype(old)


def _arrays():
    rng = np.random.default_rng(3)
    return [rng.standard_normal(s) for s in SHAPES]


def _loss(ps):
    return sum(((p * p) * 0.5 + (p * 3).sin() * 0.3).sum() for p in ps)


def _pair(kwargs, one_group=True):
    dtype = np.float32 if torch.get_default_dtype() == torch.float32 else np.float64
    arrays = [a.astype(dtype) for a in _arrays()]
    ours = [dg.tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    groups = (lambda ps: ps) if one_group else (lambda ps: [{"params": [p]} for p in ps])
    return (
        ours,
        theirs,
        optim.NAdam(groups(ours), **kwargs),
        torch.optim.NAdam(groups(theirs), **kwargs),
    )


def _step(ps, opt, n=1):
    for _ in range(n):
        opt.zero_grad()
        _loss(ps).backward()
        opt.step()


def _same_params(ours, theirs, rtol):
    for p, q in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=rtol, atol=rtol)


def _same_state(opt, topt, ours, theirs, rtol):
    for p, q in zip(ours, theirs, strict=True):
        st, tst = opt.state[p], topt.state[q]
        assert set(st) == set(tst) == {"step", "mu_product", "exp_avg", "exp_avg_sq"}
        for k, tv in tst.items():
            v = st[k]
            assert isinstance(v, dg.Tensor), k
            assert v.shape == tuple(tv.shape) and str(v.dtype) == str(tv.dtype)[6:], k
            np.testing.assert_allclose(v.numpy(), tv.numpy(), rtol=rtol, atol=rtol * 1e-2)


@pytest.mark.parametrize("one_group", [True, False], ids=["fused", "per-parameter"])
@pytest.mark.parametrize("kwargs", KWARGS, ids=KW_IDS)
def test_state_and_steps_match_torch(kwargs, one_group, default_dtype):
    ours, theirs, opt, topt = _pair(kwargs, one_group)
    for _ in range(6):
        _step(ours, opt)
        _step(theirs, topt)
    _same_state(opt, topt, ours, theirs, default_dtype)
    _same_params(ours, theirs, default_dtype)
    # the products are the float32 (float64) running products torch keeps, exactly
    for p, q in zip(ours, theirs, strict=True):
        assert opt.state[p]["mu_product"].item() == topt.state[q]["mu_product"].item()


@pytest.mark.parametrize("one_group", [True, False], ids=["fused", "per-parameter"])
def test_a_reset_step_goes_on_with_the_product_as_torch(one_group, default_dtype):
    ours, theirs, opt, topt = _pair({"lr": 0.05}, one_group)
    _step(ours, opt, 4)
    _step(theirs, topt, 4)
    for st in (opt.state[ours[0]], topt.state[theirs[0]]):
        st["step"].zero_()  # the first parameter only: its mu_product is kept
    st, tst = opt.state[ours[1]], topt.state[theirs[1]]
    st["mu_product"].fill_(0.5)  # another's product, alone: the group no longer agrees
    tst["mu_product"].fill_(0.5)
    _step(ours, opt, 4)
    _step(theirs, topt, 4)
    _same_state(opt, topt, ours, theirs, default_dtype)
    _same_params(ours, theirs, default_dtype)


def _to_numpy(sd):
    return {
        "state": {i: {k: v.numpy() for k, v in st.items()} for i, st in sd["state"].items()},
        "param_groups": sd["param_groups"],
    }


def _to_torch(sd):
    return {
        "state": {
            i: {k: torch.tensor(v.numpy()) for k, v in st.items()} for i, st in sd["state"].items()
        },
        "param_groups": sd["param_groups"],
    }


@pytest.mark.parametrize("kwargs", KWARGS, ids=KW_IDS)
def test_state_dicts_move_between_the_libraries(kwargs, default_dtype):
    ours, theirs, opt, topt = _pair(kwargs)
    _step(ours, opt, 3)
    _step(theirs, topt, 3)
    # torch's state, as NumPy arrays, into a fresh deepgrad NAdam over torch's weights
    mine = [dg.tensor(q.detach().numpy().copy(), requires_grad=True) for q in theirs]
    loaded = optim.NAdam(mine, **kwargs)
    loaded.load_state_dict(_to_numpy(topt.state_dict()))
    _same_state(loaded, topt, mine, theirs, 0)
    # deepgrad's state, as torch tensors, into a fresh torch NAdam over deepgrad's weights
    yours = [torch.tensor(p.detach().numpy().copy(), requires_grad=True) for p in ours]
    tloaded = torch.optim.NAdam(yours, **kwargs)
    tloaded.load_state_dict(_to_torch(opt.state_dict()))
    _same_state(opt, tloaded, ours, yours, 0)
    for ps, o in ((mine, loaded), (theirs, topt), (ours, opt), (yours, tloaded)):
        _step(ps, o, 3)
    _same_params(mine, theirs, default_dtype)
    _same_params(ours, yours, default_dtype)
    _same_state(loaded, topt, mine, theirs, default_dtype)


def test_a_state_saved_without_mu_product_gets_its_steps_product(default_dtype):
    """Earlier deepgrad versions kept no ``mu_product`` (it was a function of the step)."""
    ours, theirs, opt, topt = _pair({"lr": 0.05, "momentum_decay": 0.05})
    _step(ours, opt, 5)
    _step(theirs, topt, 5)
    old = opt.state_dict()
    old["state"] = {
        i: {k: v.numpy() for k, v in st.items() if k != "mu_product"}
        for i, st in old["state"].items()
    }
    old["state"][0]["step"] = 5  # an int step, as those versions saved it
    mine = [dg.tensor(p.detach().numpy().copy(), requires_grad=True) for p in ours]
    fresh = optim.NAdam(mine, lr=0.05, momentum_decay=0.05)
    fresh.load_state_dict(old)
    for p, q in zip(mine, theirs, strict=True):
        assert fresh.state[p]["mu_product"].item() == topt.state[q]["mu_product"].item()
    _step(mine, fresh, 3)
    _step(theirs, topt, 3)
    _same_params(mine, theirs, default_dtype)


def test_momentum_decay_is_checked_as_torch():
    w = dg.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="momentum_decay"):
        torch.optim.NAdam([torch.zeros(2, requires_grad=True)], momentum_decay=-0.1)
    with pytest.raises(ValueError, match="momentum_decay=-0.1"):
        optim.NAdam([w], momentum_decay=-0.1)


def test_the_signature_is_torchs():
    import inspect

    ours = inspect.signature(optim.NAdam.__init__).parameters
    theirs = inspect.signature(torch.optim.NAdam.__init__).parameters
    assert list(ours) == list(theirs)
    for name, p in theirs.items():
        assert ours[name].kind == p.kind, name
        if name != "params":
            assert ours[name].default == p.default, name
