"""Optimizers written by hand, the way ``torch/optim/sgd.py`` and ``adam.py`` (their
single-tensor paths), lucidrains' ``lion-pytorch`` and blog posts write them: subclasses of
``torch.optim.Optimizer`` with ``defaults = dict(...)`` and ``super().__init__(params,
defaults)``, ``__setstate__`` with ``group.setdefault('nesterov', False)``, a ``@torch.no_grad()``
``step(self, closure=None)`` that calls the closure under ``torch.enable_grad()``, state keyed by
parameter (``state = self.state[p]``, ``len(state) == 0`` for the first step); SGD with momentum
(``d_p = d_p.add(p, alpha=weight_decay)``, ``buf = torch.clone(d_p).detach()``,
``buf.mul_(momentum).add_(d_p, alpha=1 - dampening)``, Nesterov ``d_p.add(buf, alpha=momentum)``,
``p.add_(d_p, alpha=-lr)``); Adam (``exp_avg.lerp_(grad, 1 - beta1)``, ``exp_avg_sq.mul_(beta2)
.addcmul_(grad, grad.conj(), value=1 - beta2)``, ``(exp_avg_sq.sqrt() / bias_correction2_sqrt)
.add_(eps)``, ``p.addcdiv_(exp_avg, denom, value=-step_size)``, AdamW's ``p.mul_(1 - lr *
weight_decay)``) checked step by step against the library's own ``optim.SGD``/``optim.Adam``/
``optim.AdamW`` on a copy of the model; Lion (``update = exp_avg.clone().mul_(beta1).add(grad,
alpha=1 - beta1).sign_()``, ``exp_avg.mul_(beta2).add_(grad, alpha=1 - beta2)``); the older
blog form over ``p.data`` (``p.data.add_(-lr, ...)`` is gone, ``p.data.sub_(lr * v)``) with a
plain ``dict`` state keyed by parameter and ``torch.zeros_like``; the hand-written optimizer's
``state_dict()`` (integer ids for parameters) loaded into a fresh one to resume, and
``add_param_group`` for a new head mid-training."""

from __future__ import annotations

import copy
import math

import numpy as np


def handwritten(torch, nn, F, optim, data, init, path, x, y):
    log = []

    class SGDM(torch.optim.Optimizer):
        def __init__(self, params, lr=0.1, momentum=0, dampening=0, weight_decay=0,
                     nesterov=False):  # fmt: skip
            if lr < 0.0:
                raise ValueError(f"Invalid learning rate: {lr}")
            defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                            weight_decay=weight_decay, nesterov=nesterov)  # fmt: skip
            super().__init__(params, defaults)

        def __setstate__(self, state):
            super().__setstate__(state)
            for group in self.param_groups:
                group.setdefault("nesterov", False)

        @torch.no_grad()
        def step(self, closure=None):
            loss = None
            if closure is not None:
                with torch.enable_grad():
                    loss = closure()
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    d_p = p.grad
                    if group["weight_decay"] != 0:
                        d_p = d_p.add(p, alpha=group["weight_decay"])
                    if group["momentum"] != 0:
                        state = self.state[p]
                        buf = state.get("momentum_buffer")
                        if buf is None:
                            buf = torch.clone(d_p).detach()
                            state["momentum_buffer"] = buf
                        else:
                            buf.mul_(group["momentum"]).add_(d_p, alpha=1 - group["dampening"])
                        if group["nesterov"]:
                            d_p = d_p.add(buf, alpha=group["momentum"])
                        else:
                            d_p = buf
                    p.add_(d_p, alpha=-group["lr"])
            return loss

    class MyAdam(torch.optim.Optimizer):
        def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                     decoupled=False):  # fmt: skip
            defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                            decoupled=decoupled)  # fmt: skip
            super().__init__(params, defaults)

        @torch.no_grad()
        def step(self, closure=None):
            loss = None
            if closure is not None:
                with torch.enable_grad():
                    loss = closure()
            for group in self.param_groups:
                beta1, beta2 = group["betas"]
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    grad = p.grad
                    state = self.state[p]
                    if len(state) == 0:
                        state["step"] = torch.tensor(0.0)
                        state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                        state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)  # fmt: skip
                    exp_avg, exp_avg_sq, step_t = state["exp_avg"], state["exp_avg_sq"], state["step"]  # fmt: skip
                    step_t += 1
                    if group["weight_decay"] != 0:
                        if group["decoupled"]:
                            p.mul_(1 - group["lr"] * group["weight_decay"])
                        else:
                            grad = grad.add(p, alpha=group["weight_decay"])
                    exp_avg.lerp_(grad, 1 - beta1)
                    exp_avg_sq.mul_(beta2).addcmul_(grad, grad.conj(), value=1 - beta2)
                    step = step_t.item()
                    bias_correction1 = 1 - beta1**step
                    bias_correction2 = 1 - beta2**step
                    step_size = group["lr"] / bias_correction1
                    bias_correction2_sqrt = math.sqrt(bias_correction2)
                    denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(group["eps"])
                    p.addcdiv_(exp_avg, denom, value=-step_size)
            return loss

    class Lion(torch.optim.Optimizer):
        def __init__(self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
            assert lr > 0.0
            assert all([0.0 <= beta <= 1.0 for beta in betas])
            super().__init__(params, dict(lr=lr, betas=betas, weight_decay=weight_decay))

        @torch.no_grad()
        def step(self, closure=None):
            loss = None
            if closure is not None:
                with torch.enable_grad():
                    loss = closure()
            for group in self.param_groups:
                for p in filter(lambda p: p.grad is not None, group["params"]):
                    grad, lr, wd = p.grad, group["lr"], group["weight_decay"]
                    beta1, beta2 = group["betas"]
                    state = self.state[p]
                    if len(state) == 0:
                        state["exp_avg"] = torch.zeros_like(p)
                    exp_avg = state["exp_avg"]
                    p.data.mul_(1 - lr * wd)
                    update = exp_avg.clone().mul_(beta1).add(grad, alpha=1 - beta1).sign_()
                    p.add_(update, alpha=-lr)
                    exp_avg.mul_(beta2).add_(grad, alpha=1 - beta2)
            return loss

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(6, 16)
            self.fc2 = nn.Linear(16, 3)

        def forward(self, x):
            return self.fc2(torch.tanh(self.fc1(x)))

    X, Y = torch.tensor(x), torch.tensor(y)
    base = init(Net())

    def train(model, opt, steps=6, closure=False):
        out = []
        for _ in range(steps):
            if closure:

                def closure_fn():
                    opt.zero_grad()
                    loss = F.cross_entropy(model(X), Y)
                    loss.backward()
                    return loss

                loss = opt.step(closure_fn)
            else:
                opt.zero_grad()
                loss = F.cross_entropy(model(X), Y)
                loss.backward()
                opt.step()
            out.append(loss.item())
        return out

    pairs = [
        (lambda ps: SGDM(ps, lr=0.1, momentum=0.9, weight_decay=1e-3),
         lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=1e-3)),
        (lambda ps: SGDM(ps, lr=0.05, momentum=0.9, dampening=0.1),
         lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, dampening=0.1)),
        (lambda ps: SGDM(ps, lr=0.05, momentum=0.8, nesterov=True),
         lambda ps: optim.SGD(ps, lr=0.05, momentum=0.8, nesterov=True)),
        (lambda ps: MyAdam(ps, lr=1e-2, weight_decay=1e-2),
         lambda ps: optim.Adam(ps, lr=1e-2, weight_decay=1e-2)),
        (lambda ps: MyAdam(ps, lr=1e-2, betas=(0.8, 0.99), weight_decay=0.1, decoupled=True),
         lambda ps: optim.AdamW(ps, lr=1e-2, betas=(0.8, 0.99), weight_decay=0.1)),
    ]  # fmt: skip
    for mine, library in pairs:
        m1, m2 = copy.deepcopy(base), copy.deepcopy(base)
        a = train(m1, mine(m1.parameters()), closure=True)
        b = train(m2, library(m2.parameters()))
        log.append(a)
        log.append(max(abs(u - v) for u, v in zip(a, b)) < 1e-12)
        log.append(max((p - q).abs().max().item() for p, q in zip(m1.parameters(), m2.parameters())) < 1e-12)  # fmt: skip

    m = copy.deepcopy(base)
    log.append(train(m, Lion(m.parameters(), lr=1e-3, weight_decay=1e-2), steps=5))

    # blog form: a plain dict keyed by parameter, updates through .data
    m = copy.deepcopy(base)
    velocity = {p: torch.zeros_like(p) for p in m.parameters()}
    lr, mu = 0.1, 0.9
    for _ in range(5):
        m.zero_grad()
        loss = F.cross_entropy(m(X), Y)
        loss.backward()
        for p in m.parameters():
            v = velocity[p]
            v.mul_(mu).add_(p.grad.data)
            p.data.sub_(lr * v)
        log.append(loss.item())
    log.append(len(velocity))

    # state_dict of the hand-written optimizer, resumed in a fresh one
    m = copy.deepcopy(base)
    opt = MyAdam(m.parameters(), lr=1e-2)
    log.append(train(m, opt, steps=3))
    sd = opt.state_dict()
    log.append(sorted(sd["state"].keys()))
    log.append(sorted(sd["state"][0].keys()))
    log.append(sd["state"][0]["step"].item())
    log.append([sorted(k for k in g if k != "params") for g in sd["param_groups"]])
    log.append(sd["param_groups"][0]["params"])
    resumed_model = copy.deepcopy(m)
    resumed = MyAdam(resumed_model.parameters(), lr=1.0)
    resumed.load_state_dict(copy.deepcopy(sd))
    log.append(resumed.param_groups[0]["lr"])
    log.append(train(m, opt, steps=3))
    log.append(train(resumed_model, resumed, steps=3))

    # a new head's parameters join mid-training with their own lr
    m = copy.deepcopy(base)
    head = init(nn.Linear(3, 3))
    opt = SGDM(m.parameters(), lr=0.1, momentum=0.9)
    for step in range(6):
        if step == 3:
            opt.add_param_group({"params": head.parameters(), "lr": 0.01})
        opt.zero_grad()
        out = m(X)
        if step >= 3:
            out = head(out)
        loss = F.cross_entropy(out, Y)
        loss.backward()
        opt.step()
        log.append(loss.item())
    log.append([(g["lr"], g["momentum"], g["nesterov"], len(g["params"])) for g in opt.param_groups])  # fmt: skip
    log.append(len(opt.state))
    return log


def test_handwritten_optimizers(portability):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((32, 6))
    y = (x[:, :3] + 0.3 * x[:, 3:]).argmax(1).tolist()
    portability.assert_same(handwritten, rtol=1e-9, x=x, y=y)
