"""Optimizer state the user made and put in ``opt.state[p]`` before the first step, shared
or not (A3C's ``SharedAdam`` / ``SharedRMSprop`` of github.com/ikostrikov/pytorch-a3c
``my_optim.py``: ``state["step"] = torch.zeros(1)``, the moments ``share_memory_()``-ed), is
updated as PyTorch's: in place in its own memory (shared memory stays shared, so fork-ed
workers train one optimizer), a ``step`` of shape ``(1,)`` incremented in place keeping its
shape and dtype. The optimizer's flat (fused) buffers keep serving the state it made itself.
"""

from __future__ import annotations

import copy
import multiprocessing

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import optim

torch = pytest.importorskip("torch")

# (optimizer, its arguments, the state a user makes by hand: key -> "zeros" (like the
# parameter), "lr" (filled with the rate), "one" / "rate" (a (1,) tensor of 1 / of lr))
CASES = [
    ("Adam", {"lr": 0.05}, {"exp_avg": "zeros", "exp_avg_sq": "zeros"}),
    (
        "Adam",
        {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1},
        {"exp_avg": "zeros", "exp_avg_sq": "zeros", "max_exp_avg_sq": "zeros"},
    ),
    ("AdamW", {"lr": 0.05}, {"exp_avg": "zeros", "exp_avg_sq": "zeros"}),
    ("RMSprop", {"lr": 0.01}, {"square_avg": "zeros"}),
    (
        "RMSprop",
        {"lr": 0.01, "momentum": 0.8, "centered": True},
        {"square_avg": "zeros", "momentum_buffer": "zeros", "grad_avg": "zeros"},
    ),
    ("SGD", {"lr": 0.1, "momentum": 0.9}, {"momentum_buffer": "zeros"}),
    ("Adagrad", {"lr": 0.1}, {"sum": "zeros"}),
    ("Adadelta", {"lr": 0.5}, {"square_avg": "zeros", "acc_delta": "zeros"}),
    ("Adamax", {"lr": 0.05}, {"exp_avg": "zeros", "exp_inf": "zeros"}),
    ("RAdam", {"lr": 0.05}, {"exp_avg": "zeros", "exp_avg_sq": "zeros"}),
    ("NAdam", {"lr": 0.05}, {"exp_avg": "zeros", "exp_avg_sq": "zeros", "mu_product": "one"}),
    ("ASGD", {"lr": 0.05, "t0": 2}, {"eta": "rate", "mu": "one", "ax": "zeros"}),
    ("Rprop", {"lr": 0.05}, {"prev": "zeros", "step_size": "lr"}),
]
IDS = [f"{n}-{'-'.join(map(str, kw.values()))}" for n, kw, _ in CASES]
SHAPES = [(3, 4), (4,), ()]


@pytest.fixture
def _float64():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    dg.set_default_dtype(dg.float64)  # restored by the conftest fixture
    yield
    torch.set_default_dtype(old)


def _params(lib):
    rng = np.random.default_rng(0)
    return [lib.tensor(rng.standard_normal(s), requires_grad=True) for s in SHAPES]


def _hand_made(lib, opt, params, kwargs, spec, shared):
    """The state a user puts in ``opt.state[p]`` before the first step, as A3C's does."""
    for p in params:
        st = opt.state[p]
        if "step" not in spec and type(opt).__name__ != "SGD":
            st["step"] = lib.zeros(1)
        for k, how in spec.items():
            if how == "zeros":
                st[k] = p.detach().new().resize_as_(p.detach()).zero_()
            elif how == "lr":
                st[k] = lib.full_like(p.detach(), kwargs["lr"])
            else:
                st[k] = lib.zeros(1) + (1.0 if how == "one" else kwargs["lr"])
        if shared:
            p.share_memory_()
            for v in st.values():
                v.share_memory_()


def _run(lib, opt, params, n, start=0):
    """``n`` steps on gradients that are the same numbers in both libraries."""
    for i in range(start, start + n):
        for p in params:
            w = p.detach().numpy()
            p.grad = lib.tensor(np.cos(3 * w + i) + 0.5 * w)
        opt.step()


@pytest.mark.usefixtures("_float64")
@pytest.mark.parametrize("shared", [True, False], ids=["shared", "not-shared"])
@pytest.mark.parametrize(("name", "kwargs", "spec"), CASES, ids=IDS)
def test_hand_made_state_is_updated_in_its_own_memory_as_torch(name, kwargs, spec, shared):
    ours, theirs = _params(dg), _params(torch)
    opt = getattr(optim, name)(ours, **kwargs)
    topt = getattr(torch.optim, name)(theirs, **kwargs)
    _hand_made(dg, opt, ours, kwargs, spec, shared)
    _hand_made(torch, topt, theirs, kwargs, spec, shared)
    made = [dict(opt.state[p]) for p in ours]
    memory = [{k: v._data for k, v in st.items()} for st in made]
    seen = [{k: v.numpy() for k, v in st.items()} for st in made]  # aliases, taken before
    _run(dg, opt, ours, 4)
    _run(torch, topt, theirs, 4)
    for p, q, st, mem, alias in zip(ours, theirs, made, memory, seen, strict=True):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-12, atol=1e-14)
        assert p.is_shared() == shared == q.is_shared()
        tst = topt.state[q]
        assert set(opt.state[p]) == set(tst)
        for k, v in opt.state[p].items():
            tv = tst[k]
            assert v is st[k] and v._data is mem[k], k  # the user's tensor, in its memory
            assert v.is_shared() == shared, k
            assert v.shape == tuple(tv.shape) and str(v.dtype) == str(tv.dtype)[6:], k
            np.testing.assert_allclose(v.numpy(), tv.numpy(), rtol=1e-12, atol=1e-14)
            np.testing.assert_array_equal(alias[k], v.numpy())  # seen through the alias
        if "step" in tst:
            assert opt.state[p]["step"].tolist() == [4.0] == tst["step"].tolist()


@pytest.mark.usefixtures("_float64")
@pytest.mark.parametrize(("name", "kwargs", "spec"), CASES, ids=IDS)
def test_hand_made_shared_state_steps_as_the_optimizers_own_bit_for_bit(name, kwargs, spec):
    """The per-parameter path on the user's shared tensors gives the numbers of the fused
    path on state the optimizer made (the same initial values), bit for bit."""
    mine, own = _params(dg), _params(dg)
    opt = getattr(optim, name)(mine, **kwargs)
    _hand_made(dg, opt, mine, kwargs, spec, shared=True)
    reference = getattr(optim, name)(own, **kwargs)
    _run(dg, opt, mine, 5)
    _run(dg, reference, own, 5)
    assert not reference._fused or not reference._fused[0].apart  # the fused path ran there
    for p, q in zip(mine, own, strict=True):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
        for k, v in reference.state[q].items():
            np.testing.assert_array_equal(opt.state[p][k].numpy().reshape(v.shape), v.numpy())


@pytest.mark.usefixtures("_float64")
@pytest.mark.parametrize("what", ["state", "parameters"])
def test_sharing_after_steps_keeps_the_state_in_place_from_then_on(what):
    """``share_memory_()`` on the state the optimizer made (or on the model) after fused
    steps: the next steps update the shared memory in place, as PyTorch's."""
    ours, theirs = _params(dg), _params(torch)
    opt, topt = optim.Adam(ours, lr=0.05), torch.optim.Adam(theirs, lr=0.05)
    _run(dg, opt, ours, 2)
    _run(torch, topt, theirs, 2)
    for p, q in zip(ours, theirs, strict=True):
        targets = (opt.state[p], topt.state[q]) if what == "state" else ({0: p}, {0: q})
        for st in targets:
            for v in st.values():
                v.share_memory_()
    if what == "parameters":  # then the state, made by the optimizer while not shared
        for p in ours:
            for v in opt.state[p].values():
                v.share_memory_()
    memory = [{k: v._data for k, v in opt.state[p].items()} for p in ours]
    _run(dg, opt, ours, 3, start=2)
    _run(torch, topt, theirs, 3, start=2)
    for p, q, mem in zip(ours, theirs, memory, strict=True):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-12, atol=1e-14)
        for k, v in opt.state[p].items():
            assert v.is_shared() and v._data is mem[k], k
            np.testing.assert_allclose(v.numpy(), topt.state[q][k].numpy(), rtol=1e-12)
        assert opt.state[p]["step"].item() == 5.0


@pytest.mark.usefixtures("_float64")
def test_a_shared_parameter_steps_apart_the_others_stay_fused():
    ours, theirs = _params(dg), _params(torch)
    ours[1].share_memory_()
    opt, topt = optim.Adam(ours, lr=0.05), torch.optim.Adam(theirs, lr=0.05)
    _run(dg, opt, ours, 3)
    _run(torch, topt, theirs, 3)
    fused = opt._fused[0]
    assert fused.apart == [ours[1]] and fused.params == [ours[0], ours[2]]
    assert fused.still_valid(opt.param_groups[0]["params"], ("exp_avg", "exp_avg_sq"), opt.state)
    assert not opt.state[ours[1]]["exp_avg"].is_shared()  # made by the step, in its own memory
    for p, q in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-12, atol=1e-14)
        assert opt.state[p]["step"].item() == 3.0 and opt.state[p]["step"].shape == ()


@pytest.mark.usefixtures("_float64")
def test_the_optimizers_own_state_stays_on_the_fused_path_after_load_and_deepcopy():
    ours = _params(dg)
    opt = optim.Adam(ours, lr=0.05)
    _run(dg, opt, ours, 2)
    again = [dg.tensor(p.detach().numpy().copy(), requires_grad=True) for p in ours]
    loaded = optim.Adam(again, lr=0.05)
    loaded.load_state_dict(opt.state_dict())
    copied = copy.deepcopy(opt)
    twins = copied.param_groups[0]["params"]
    for o, ps in ((opt, ours), (loaded, again), (copied, twins)):
        _run(dg, o, ps, 2, start=2)
        assert o._fused[0].params == ps and not o._fused[0].apart
    for a, b, c in zip(ours, again, twins, strict=True):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
        np.testing.assert_array_equal(a.detach().numpy(), c.detach().numpy())
        for k in ("exp_avg", "exp_avg_sq", "step"):  # the copy's state tensors follow its steps
            np.testing.assert_array_equal(copied.state[c][k].numpy(), opt.state[a][k].numpy())


@pytest.mark.parametrize("name", ["Adam", "RAdam", "ASGD", "Adafactor"])
def test_a_step_tensor_of_two_elements_raises_as_torch(name):
    for lib in (dg, torch):
        w = lib.nn.Parameter(lib.ones(3))
        opt = getattr(lib.optim, name)([w])
        w.grad = lib.ones(3)
        opt.step()
        opt.state[w]["step"] = lib.zeros(2)
        with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted"):
            opt.step()


@pytest.mark.usefixtures("_float64")
def test_adafactor_hand_made_shared_state_as_torch():
    """Adafactor (its own step): the factored state and a (1,) step, shared, in place."""
    shapes = {(3, 4): {"row_var": (3, 1), "col_var": (1, 4)}, (4,): {"variance": (4,)}}
    found = {}
    for lib in (dg, torch):
        ps = [p for p in _params(lib) if p.dim() > 0]
        opt = lib.optim.Adafactor(ps, lr=0.01)
        for p in ps:
            opt.state[p]["step"] = lib.zeros(1)
            for k, shape in shapes[tuple(p.shape)].items():
                opt.state[p][k] = lib.zeros(*shape)
            for v in opt.state[p].values():
                v.share_memory_()
        made = [dict(opt.state[p]) for p in ps]
        _run(lib, opt, ps, 3)
        for p, st in zip(ps, made, strict=True):
            assert all(opt.state[p][k] is v and v.is_shared() for k, v in st.items())
            assert st["step"].tolist() == [3.0]
        found[lib] = [p.detach().numpy() for p in ps]
    for a, b in zip(found[dg], found[torch], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.usefixtures("_float64")
def test_a_step_of_shape_1_in_a_subclass_with_its_own_step():
    """SparseAdam keeps the step the user put there (a (1,) tensor), incremented in place."""
    found = {}
    for lib in (dg, torch):
        emb = lib.nn.Embedding(3, 2, sparse=True)
        with lib.no_grad():
            emb.weight.copy_(lib.tensor(np.arange(6.0).reshape(3, 2)))
        opt = lib.optim.SparseAdam([emb.weight], lr=0.1)
        step = lib.zeros(1)
        opt.state[emb.weight].update(step=step, exp_avg=lib.zeros(3, 2))
        opt.state[emb.weight]["exp_avg_sq"] = lib.zeros(3, 2)
        for _ in range(2):
            opt.zero_grad()
            emb(lib.tensor(np.array([0, 2]))).sum().backward()
            opt.step()
        assert opt.state[emb.weight]["step"] is step and step.tolist() == [2.0]
        found[lib] = emb.weight.detach().numpy()
    np.testing.assert_allclose(found[dg], found[torch], rtol=1e-12)


# ---- A3C: one optimizer whose state is shared by hand, trained by fork-ed workers ----------


def _shared_adam(lib):
    class SharedAdam(lib.optim.Adam):  # pytorch-a3c's my_optim.py, on the built-in step
        def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0):
            super().__init__(params, lr, betas, eps, weight_decay)
            for group in self.param_groups:
                for p in group["params"]:
                    state = self.state[p]
                    state["step"] = lib.zeros(1)
                    state["exp_avg"] = p.data.new().resize_as_(p.data).zero_()
                    state["exp_avg_sq"] = p.data.new().resize_as_(p.data).zero_()

        def share_memory(self):
            for group in self.param_groups:
                for p in group["params"]:
                    for k in ("step", "exp_avg", "exp_avg_sq"):
                        self.state[p][k].share_memory_()

    return SharedAdam


def _shared_rmsprop(lib):
    class SharedRMSprop(lib.optim.RMSprop):  # pytorch-a3c's my_optim.py
        def __init__(self, params, lr=7e-4, alpha=0.99, eps=0.1, weight_decay=0):
            super().__init__(params, lr, alpha, eps, weight_decay)
            for group in self.param_groups:
                for p in group["params"]:
                    state = self.state[p]
                    state["step"] = lib.zeros(1)
                    state["square_avg"] = p.data.new().resize_as_(p.data).zero_()

        def share_memory(self):
            for group in self.param_groups:
                for p in group["params"]:
                    self.state[p]["square_avg"].share_memory_()
                    self.state[p]["step"].share_memory_()

    return SharedRMSprop


#: deepgrad's SharedAdam under a module-level name: a spawn-ed child unpickles the optimizer
_SpawnSharedAdam = _shared_adam(dg)
_SpawnSharedAdam.__qualname__ = "_SpawnSharedAdam"


def _spawned_worker(rank, shared_model, optimizer, steps):
    _worker(dg, rank, shared_model, optimizer, steps)


def _worker(lib, rank, shared_model, optimizer, steps):
    """An A3C worker: a local model synced from the shared one, its gradients handed to the
    shared parameters (``ensure_shared_grads``), the shared optimizer stepped."""
    if lib is torch:
        torch.set_num_threads(1)
    model = lib.nn.Linear(3, 2)
    x = lib.tensor(np.linspace(-1.0, 1.0, 12, dtype=np.float32).reshape(4, 3) * (rank + 1))
    for _ in range(steps):
        model.load_state_dict(shared_model.state_dict())
        loss = (model(x) - 0.5).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        for param, shared_param in zip(model.parameters(), shared_model.parameters()):
            if shared_param.grad is not None:
                break
            shared_param._grad = param.grad
        optimizer.step()


def _a3c(lib, make, concurrent, workers=2, steps=3, method="fork"):
    shared = lib.nn.Linear(3, 2)
    with lib.no_grad():
        shared.weight.copy_(lib.tensor(np.arange(6, dtype=np.float32).reshape(2, 3) / 10))
        shared.bias.copy_(lib.tensor(np.array([0.1, -0.2], dtype=np.float32)))
    shared.share_memory()
    opt = make(lib)(shared.parameters(), lr=0.01)
    opt.share_memory()
    ctx = multiprocessing.get_context(method)
    if method == "fork":
        work = [(_worker, (lib, r, shared, opt, steps)) for r in range(workers)]
    else:
        work = [(_spawned_worker, (r, shared, opt, steps)) for r in range(workers)]
    procs = [ctx.Process(target=f, args=a) for f, a in work]
    codes = []
    for group in [procs] if concurrent else [[p] for p in procs]:
        for p in group:
            p.start()
        for p in group:
            p.join()
            codes.append(p.exitcode)
    assert codes == [0] * workers
    return shared, opt


@pytest.mark.parametrize(
    "make", [_shared_adam, _shared_rmsprop], ids=["SharedAdam", "SharedRMSprop"]
)
def test_a3c_workers_one_after_another_train_the_shared_optimizer_as_torch(make):
    ours, opt = _a3c(dg, make, concurrent=False)
    theirs, topt = _a3c(torch, make, concurrent=False)
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-6, atol=1e-7)
        st, tst = opt.state[p], topt.state[q]
        assert set(st) == set(tst)
        for k, v in st.items():  # the parent sees what the workers wrote
            assert v.is_shared() or k not in ("step", "exp_avg", "exp_avg_sq", "square_avg")
            assert v.shape == tuple(tst[k].shape) and str(v.dtype) == str(tst[k].dtype)[6:]
            np.testing.assert_allclose(v.numpy(), tst[k].numpy(), rtol=1e-5, atol=1e-8)
        assert st["step"].tolist() == [6.0] == tst["step"].tolist()


@pytest.mark.parametrize(
    "make", [_shared_adam, _shared_rmsprop], ids=["SharedAdam", "SharedRMSprop"]
)
def test_a3c_concurrent_workers_update_the_parents_model_and_moments(make):
    shared, opt = _a3c(dg, make, concurrent=True)
    assert not np.allclose(shared.weight.detach().numpy(), np.arange(6).reshape(2, 3) / 10)
    for p in shared.parameters():
        st = opt.state[p]
        # each worker's increments are its own; two at the same instant may meet (PyTorch's
        # ``step_t += 1`` on shared memory is not atomic either)
        assert 3.0 <= st["step"].item() <= 6.0 and st["step"].shape == (1,)
        moment = st["exp_avg_sq"] if "exp_avg_sq" in st else st["square_avg"]
        assert moment.is_shared() and float(moment.abs().sum()) > 0


def test_a3c_with_spawn_trains_the_shared_optimizer_as_with_fork():
    """spawn pickles the optimizer: its shared state tensors travel as their memory (by file
    descriptor), so the parent sees the children's steps as with fork."""
    spawned, sopt = _a3c(dg, lambda lib: _SpawnSharedAdam, False, 1, method="spawn")
    forked, fopt = _a3c(dg, lambda lib: _SpawnSharedAdam, False, 1)
    for p, q in zip(spawned.parameters(), forked.parameters(), strict=True):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
        for k, v in sopt.state[p].items():
            assert v.is_shared()
            np.testing.assert_array_equal(v.numpy(), fopt.state[q][k].numpy())
        assert sopt.state[p]["step"].tolist() == [3.0]
