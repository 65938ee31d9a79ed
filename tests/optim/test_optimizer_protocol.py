"""PyTorch's optimizer protocol on every optimizer: step(closure) returns the closure's loss
and matches torch; zero_grad(set_to_none=...); the torch spellings and module paths."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import optim

_OPTS = [
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("Adam", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.01}),
    ("RAdam", {"lr": 0.01}),
    ("Adamax", {"lr": 0.01}),
    ("Adagrad", {"lr": 0.1}),
    ("Adadelta", {"lr": 1.0}),
    ("RMSprop", {"lr": 0.01}),
    ("Rprop", {"lr": 0.01}),
    ("ASGD", {"lr": 0.01}),
]


@pytest.mark.parametrize("name, kw", _OPTS)
def test_step_with_closure_matches_torch(torch, name, kw):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(8, 3)), rng.normal(size=8)
    losses = {}
    for lib, mod in ((dg, optim), (torch, torch.optim)):
        w = lib.tensor(np.zeros(3), requires_grad=True)
        X, Y = lib.tensor(x), lib.tensor(y)
        opt = getattr(mod, name)([w], **kw)

        def closure(opt=opt, w=w, X=X, Y=Y):
            opt.zero_grad()
            loss = ((X @ w - Y) ** 2).mean()
            loss.backward()
            return loss

        got = []
        for _ in range(4):
            loss = opt.step(closure)
            got.append(loss.item())
        assert opt.step() is None or lib is torch
        losses[lib.__name__] = got
    np.testing.assert_allclose(losses["deepgrad"], losses["torch"], rtol=1e-7)


def test_closure_runs_with_grad_enabled_and_must_be_callable():
    w = dg.zeros(2, requires_grad=True)
    opt = optim.SGD([w], lr=0.1)

    def closure():
        assert dg.is_grad_enabled()
        loss = (w + 1).sum()
        loss.backward()
        return loss

    with dg.no_grad():
        assert opt.step(closure).item() == 2.0
    np.testing.assert_allclose(w.numpy(), [-0.1, -0.1], rtol=1e-6)
    with pytest.raises(TypeError, match="callable"):
        opt.step(3)


def test_zero_grad_set_to_none(torch):
    w = dg.ones(2, requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    shared = dg.tensor([1.0, 2.0])
    w.grad = shared
    opt.zero_grad(set_to_none=False)
    assert w.grad.tolist() == [0.0, 0.0] and shared.tolist() == [1.0, 2.0]
    opt.zero_grad()
    assert w.grad is None
    model = dg.nn.Linear(2, 1)
    model(dg.ones(1, 2)).sum().backward()
    model.zero_grad(set_to_none=False)
    assert model.weight.grad.tolist() == [[0.0, 0.0]]
    model.zero_grad()
    assert model.weight.grad is None
    assert inspect.signature(optim.Optimizer.zero_grad).parameters["set_to_none"].default is True
    assert inspect.signature(torch.optim.Optimizer.zero_grad).parameters["set_to_none"].default


def test_torch_spellings_and_lr_scheduler_path(torch):
    for name in ("Adadelta", "Adagrad", "RMSprop", "LBFGS", "NAdam", "RAdam", "ASGD", "Rprop"):
        assert getattr(optim, name).__name__ == name  # PyTorch's spellings
    from deepgrad.optim import lr_scheduler

    for name in lr_scheduler.__all__:
        ours = inspect.signature(getattr(lr_scheduler, name))
        theirs = inspect.signature(getattr(torch.optim.lr_scheduler, name))
        assert [(p.name, p.default) for p in ours.parameters.values()] == [
            (p.name, p.default) for p in theirs.parameters.values()
        ], name
    w = dg.zeros(1, requires_grad=True)
    opt = optim.SGD([w], lr=1.0)
    sched = lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    opt.step()
    sched.step()
    assert sched.get_last_lr() == [0.5]


def test_a_one_element_tensor_learning_rate_is_taken_as_its_value(torch):
    """PyTorch accepts ``lr=torch.tensor(0.01)``; the steps are the same numbers."""
    from deepgrad import nn as dnn
    from deepgrad import optim as doptim

    w0 = np.array([[0.5, -1.0, 2.0]], np.float32)
    tw = torch.nn.Parameter(torch.tensor(w0))
    dw = dnn.Parameter(dg.tensor(w0))
    topt = torch.optim.Adam([tw], lr=torch.tensor(0.01))
    dopt = doptim.Adam([dw], lr=dg.tensor(0.01))
    assert dopt.param_groups[0]["lr"] == float(np.float32(0.01))  # the tensor's value
    for _ in range(3):
        topt.zero_grad()
        dopt.zero_grad()
        (tw**2).sum().backward()
        (dw**2).sum().backward()
        topt.step()
        dopt.step()
    np.testing.assert_allclose(dw.detach().numpy(), tw.detach().numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="learning rate"):
        doptim.SGD([dw], lr=dg.tensor([0.1, 0.2]))


def test_a_parameter_list_is_taken_as_its_parameters(torch):
    """PyTorch iterates a ``ParameterList`` given as ``params`` (MAML's hand-written learners
    return one from ``parameters()``); a model itself is still refused."""
    from deepgrad import nn as dnn

    plist = dnn.ParameterList([dnn.Parameter(dg.ones(2)), dnn.Parameter(dg.zeros(3))])
    opt = optim.SGD(plist, lr=0.5)
    assert [p is q for p, q in zip(opt.param_groups[0]["params"], plist)] == [True, True]
    (plist[0] * 2).sum().backward()
    opt.step()
    np.testing.assert_allclose(plist[0].detach().numpy(), [0.0, 0.0])
    with pytest.raises(TypeError, match="model.parameters()"):
        optim.SGD(dnn.Linear(2, 2), lr=0.1)


def _momentum_subclass(lib):
    """A PyTorch-style subclass: ``super().__init__(params, defaults)`` with a dict, tensor
    state in ``self.state[p]`` (a new parameter's entry is an empty dict)."""

    class Momentum(lib.optim.Optimizer):
        def __init__(self, params, lr=0.1, beta=0.9):
            super().__init__(params, dict(lr=lr, beta=beta))

        @lib.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    state = self.state[p]
                    if len(state) == 0:
                        state["step"] = lib.tensor(0.0)
                        state["buf"] = lib.zeros_like(p)
                    state["step"] += 1
                    state["buf"].mul_(group["beta"]).add_(p.grad)
                    p.add_(state["buf"], alpha=-group["lr"] / state["step"].item())

    return Momentum


def test_a_subclass_with_a_defaults_dict_and_tensor_state_matches_torch(torch):
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(8, 3)), rng.normal(size=8)
    results = {}
    for lib in (dg, torch):
        w = lib.tensor(np.zeros(3), requires_grad=True)
        opt = _momentum_subclass(lib)([w], lr=0.05)
        assert opt.defaults == {"lr": 0.05, "beta": 0.9}
        losses = []
        for i in range(6):
            if i == 3:  # resume from the state dict in a fresh optimizer: tensors come back
                sd = opt.state_dict()
                assert isinstance(sd["state"][0]["buf"], lib.Tensor)
                opt = _momentum_subclass(lib)([w], lr=1.0)
                opt.load_state_dict(sd)
                assert isinstance(opt.state[w]["step"], lib.Tensor)
                assert opt.param_groups[0]["lr"] == 0.05
            opt.zero_grad()
            loss = ((lib.tensor(x) @ w - lib.tensor(y)) ** 2).mean()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        results[lib.__name__] = losses, w.detach().numpy()
    np.testing.assert_allclose(results["deepgrad"][0], results["torch"][0], rtol=1e-12)
    np.testing.assert_allclose(results["deepgrad"][1], results["torch"][1], rtol=1e-12)


def test_defaults_must_be_a_dict():
    w = dg.zeros(2, requires_grad=True)
    with pytest.raises(TypeError, match="defaults must be a dict"):
        optim.Optimizer([w], 0.1)


@pytest.mark.parametrize("name, kw", _OPTS)
def test_a_state_dict_saved_by_torch_loads_and_continues_as_torch(torch, name, kw):
    # torch.load gives torch tensors in the state (step a 0-d float tensor) and the groups
    # carry foreach/fused/capturable/differentiable: deepgrad takes them and steps on as torch
    w = torch.nn.Parameter(torch.tensor([1.0, 2.0, -3.0], dtype=torch.float64))
    opt = getattr(torch.optim, name)([w], **kw)
    for _ in range(2):
        opt.zero_grad()
        (w**3).sum().backward()
        opt.step()
    v = dg.nn.Parameter(dg.tensor(w.detach().numpy().copy()))
    mine = getattr(optim, name)([v], **kw)
    mine.load_state_dict(opt.state_dict())
    for _ in range(3):
        for p, o in ((v, mine), (w, opt)):
            o.zero_grad()
            (p**3).sum().backward()
            o.step()
    # NAdam's mu_product and ASGD's eta/mu: PyTorch keeps them in float32
    tol = 1e-7 if name in ("NAdam", "ASGD") else 1e-12
    np.testing.assert_allclose(v.detach().numpy(), w.detach().numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "Rprop"])
def test_capturable_and_differentiable_flags(torch, name):
    w = dg.nn.Parameter(dg.ones(2))
    takes_capturable = "capturable" in inspect.signature(getattr(torch.optim, name)).parameters
    assert takes_capturable == ("capturable" in inspect.signature(getattr(optim, name)).parameters)
    flags = {"differentiable": False, **({"capturable": False} if takes_capturable else {})}
    getattr(optim, name)([w], lr=0.1, **flags)  # the CPU values are accepted
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        getattr(optim, name)([w], lr=0.1, differentiable=True)
    if takes_capturable:
        # taken, as PyTorch takes it, and the CPU step refused as PyTorch's (AssertionError,
        # still a ValueError as before) before anything moves; the groups carry the flag
        mine = getattr(optim, name)([w], lr=0.1, capturable=True)
        theirs = getattr(torch.optim, name)([torch.nn.Parameter(torch.ones(2))], capturable=True)
        assert mine.param_groups[0]["capturable"] is theirs.param_groups[0]["capturable"] is True
        w.grad = dg.ones(2)
        theirs.param_groups[0]["params"][0].grad = torch.ones(2)
        with pytest.raises(AssertionError, match="capturable=True"):
            theirs.step()
        for cls in (AssertionError, ValueError):
            with pytest.raises(cls, match="capturable=True"):
                mine.step()
        np.testing.assert_array_equal(w.detach().numpy(), np.ones(2))
