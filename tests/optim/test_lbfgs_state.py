"""LBFGS keeps PyTorch 2.13's state, of PyTorch's kinds: ``d`` and ``prev_flat_grad`` flat
tensors, ``old_dirs`` / ``old_stps`` lists of them, ``ro`` and ``al`` lists of 0-d tensors,
``H_diag`` a 0-d tensor, ``t`` a 0-d tensor or a float where PyTorch's is one, ``prev_loss``
a float, ``n_iter`` / ``func_evals`` ints; state dicts move between the libraries and the
next steps agree; loading casts the tensors to the first parameter's dtype, as PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import optim

torch = pytest.importorskip("torch")

#: float32 runs drift apart by rounding over the iterations (L-BFGS amplifies it): their values
#: are checked loosely, their kinds exactly; the float64 runs check the values
DTYPES = {"float32": (np.float32, 1e-2), "float64": (np.float64, 1e-9)}
KWARGS = [
    {"max_iter": 4, "history_size": 3},
    {"max_iter": 1, "lr": 0.5},
    {"max_iter": 3, "lr": 0.1},
    {"max_iter": 4, "history_size": 2, "line_search_fn": "strong_wolfe"},
    {"max_iter": 6, "line_search_fn": "strong_wolfe"},
]
KW_IDS = ["-".join(f"{k}={v}" for k, v in kw.items()) for kw in KWARGS]


def _problem(lib, dtype):
    """A least-squares fit with a quartic penalty in 16 unknowns: far from converged after
    the steps here (where the stopping tests would decide on rounding)."""
    rng = np.random.default_rng(2)
    A = lib.tensor((rng.normal(size=(40, 16)) * np.geomspace(1, 8, 16)).astype(dtype))
    b = lib.tensor(rng.normal(size=40).astype(dtype))
    w = lib.tensor(np.full(15, 0.2, dtype=dtype), requires_grad=True)
    c = lib.tensor(np.zeros(1, dtype=dtype), requires_grad=True)

    def closure_of(opt):
        def closure():
            opt.zero_grad()
            r = A @ lib.cat([w, c]) - b
            loss = (r * r).mean() + 0.05 * (w**4).sum()
            loss.backward()
            return loss

        return closure

    return [w, c], closure_of


def _kind(v):
    """What a state value is: a tensor (shape, dtype), a list of kinds, None, int or float."""
    if torch.is_tensor(v) or isinstance(v, dg.Tensor):
        return ("tensor", tuple(v.shape), str(v.dtype).removeprefix("torch."))
    if isinstance(v, list):
        return [_kind(a) for a in v]
    return None if v is None else type(v).__name__


def _values(v):
    if torch.is_tensor(v) or isinstance(v, dg.Tensor):
        return np.asarray(v.detach().numpy(), dtype=np.float64)
    if isinstance(v, list):
        return [_values(a) for a in v]
    return v


def _same_state(st, tst, rtol):
    assert set(st) == set(tst)
    for k, tv in tst.items():
        assert _kind(st[k]) == _kind(tv), k
        a, b = _values(st[k]), _values(tv)
        pairs = [(x, y) for x, y in zip(a, b, strict=True) if y is not None] if (
            isinstance(b, list)
        ) else [(a, b)] if b is not None else []  # fmt: skip
        # an entry's scale: its largest value (a list's over its items)
        scale = max((float(np.max(np.abs(y))) for _, y in pairs), default=0.0)
        for x, y in pairs:
            np.testing.assert_allclose(x, y, rtol=rtol, atol=rtol * 1e-2 * scale, err_msg=k)


def _run(lib, cls, dtype, kwargs, steps):
    ps, closure_of = _problem(lib, dtype)
    opt = cls(ps, **kwargs)
    for _ in range(steps):
        opt.step(closure_of(opt))
    return ps, closure_of, opt


@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("kwargs", KWARGS, ids=KW_IDS)
def test_state_has_torchs_keys_kinds_and_values(kwargs, dtype):
    dt, rtol = DTYPES[dtype]
    ps, _, opt = _run(dg, optim.LBFGS, dt, kwargs, 2)
    tps, _, topt = _run(torch, torch.optim.LBFGS, dt, kwargs, 2)
    _same_state(opt.state[ps[0]], topt.state[tps[0]], rtol)
    for p, q in zip(ps, tps, strict=True):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=rtol, atol=rtol)


def _to_numpy(v):
    if torch.is_tensor(v):
        return v.detach().numpy().copy()
    if isinstance(v, list):
        return [_to_numpy(a) for a in v]
    return v


def _to_torch(v):
    if isinstance(v, dg.Tensor):
        return torch.tensor(v.numpy())
    if isinstance(v, list):
        return [_to_torch(a) for a in v]
    return v


def _moved(sd, convert):
    return {
        "state": {i: {k: convert(v) for k, v in st.items()} for i, st in sd["state"].items()},
        "param_groups": sd["param_groups"],
    }


@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("kwargs", KWARGS, ids=KW_IDS)
def test_state_dicts_move_between_the_libraries(kwargs, dtype):
    dt, rtol = DTYPES[dtype]
    ps, closure_of, opt = _run(dg, optim.LBFGS, dt, kwargs, 2)
    tps, tclosure_of, topt = _run(torch, torch.optim.LBFGS, dt, kwargs, 2)
    # torch's state (NumPy arrays) into deepgrad over torch's weights, and the other way
    mine, my_closure_of = _problem(dg, dt)
    yours, your_closure_of = _problem(torch, dt)
    with dg.no_grad(), torch.no_grad():
        for p, q, src_p, src_q in zip(mine, yours, tps, ps, strict=True):
            p.copy_(dg.tensor(src_p.detach().numpy()))
            q.copy_(torch.tensor(src_q.detach().numpy()))
    loaded = optim.LBFGS(mine, **kwargs)
    loaded.load_state_dict(_moved(topt.state_dict(), _to_numpy))
    tloaded = torch.optim.LBFGS(yours, **kwargs)
    tloaded.load_state_dict(_moved(opt.state_dict(), _to_torch))
    _same_state(loaded.state[mine[0]], topt.state[tps[0]], 0)
    _same_state(opt.state[ps[0]], tloaded.state[yours[0]], 0)
    for _ in range(2):
        loaded.step(my_closure_of(loaded))
        topt.step(tclosure_of(topt))
        opt.step(closure_of(opt))
        tloaded.step(your_closure_of(tloaded))
    for a, b in ((mine, tps), (ps, yours)):
        for p, q in zip(a, b, strict=True):
            np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=rtol, atol=rtol)
    _same_state(loaded.state[mine[0]], topt.state[tps[0]], rtol)


def test_load_casts_to_the_first_parameters_dtype_as_torch():
    _, _, topt = _run(torch, torch.optim.LBFGS, np.float32, {"max_iter": 3}, 2)
    sd = topt.state_dict()
    mine, _ = _problem(dg, np.float64)
    yours, _ = _problem(torch, np.float64)
    loaded = optim.LBFGS(mine, max_iter=3)
    loaded.load_state_dict(_moved(sd, lambda v: v))  # torch tensors, as torch.load gives
    tloaded = torch.optim.LBFGS(yours, max_iter=3)
    tloaded.load_state_dict(sd)
    _same_state(loaded.state[mine[0]], tloaded.state[yours[0]], 1e-7)
    assert loaded.state[mine[0]]["d"].dtype == np.float64
