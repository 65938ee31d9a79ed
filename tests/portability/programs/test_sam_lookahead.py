"""Optimizer wrappers as their repositories write them. davda54/sam's ``SAM``: an ``Optimizer``
subclass whose ``__init__`` builds the base optimizer from its own ``self.param_groups``
(groups carrying the extra ``rho``/``adaptive`` keys) and then shares them
(``self.param_groups = self.base_optimizer.param_groups``, ``self.defaults.update(...)``),
``first_step`` under ``@torch.no_grad()`` storing ``self.state[p]["old_p"] = p.data.clone()``
and climbing with ``p.add_(e_w)`` (``scale.to(p)``, the ASAM variant's ``torch.pow(p, 2)``),
``second_step`` restoring ``p.data = self.state[p]["old_p"]`` before ``base_optimizer.step()``,
``_grad_norm`` through ``torch.norm(torch.stack([... .norm(p=2).to(shared_device)]), p=2)``,
and the closure form ``step(closure)`` with ``torch.enable_grad()(closure)``; the README's
``disable_running_stats``/``enable_running_stats`` (``momentum`` of the BatchNorm layers saved
in ``backup_momentum`` and set to 0 through ``model.apply``). alphadl/lookahead.pytorch's
``Lookahead``: an ``Optimizer`` subclass that never calls ``Optimizer.__init__``, shares the
inner optimizer's ``param_groups`` and ``state``, keeps its own ``defaultdict(dict)`` state of
slow weights (``torch.zeros_like(fast.data)``, ``slow += (fast.data - slow) * self.alpha``,
``fast.data.copy_(slow)``) and a ``counter`` key added to every group, with timm's additions that PyTorch 2 needs
(``self.defaults`` borrowed from the inner optimizer, ``zero_grad`` delegated to it)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np


def wrappers(torch, nn, F, optim, data, init, path, X, y, variant):
    class SAM(torch.optim.Optimizer):
        def __init__(self, params, base_optimizer, rho=0.05, adaptive=False, **kwargs):
            assert rho >= 0.0, f"Invalid rho, should be non-negative: {rho}"
            defaults = dict(rho=rho, adaptive=adaptive, **kwargs)
            super(SAM, self).__init__(params, defaults)
            self.base_optimizer = base_optimizer(self.param_groups, **kwargs)
            self.param_groups = self.base_optimizer.param_groups
            self.defaults.update(self.base_optimizer.defaults)

        @torch.no_grad()
        def first_step(self, zero_grad=False):
            grad_norm = self._grad_norm()
            for group in self.param_groups:
                scale = group["rho"] / (grad_norm + 1e-12)
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    self.state[p]["old_p"] = p.data.clone()
                    e_w = (torch.pow(p, 2) if group["adaptive"] else 1.0) * p.grad * scale.to(p)
                    p.add_(e_w)  # climb to the local maximum "w + e(w)"
            if zero_grad:
                self.zero_grad()

        @torch.no_grad()
        def second_step(self, zero_grad=False):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    p.data = self.state[p]["old_p"]  # get back to "w" from "w + e(w)"
            self.base_optimizer.step()  # do the actual "sharpness-aware" update
            if zero_grad:
                self.zero_grad()

        @torch.no_grad()
        def step(self, closure=None):
            assert closure is not None, "Sharpness Aware Minimization requires closure"
            closure = torch.enable_grad()(
                closure
            )  # the closure should do a full forward-backward pass
            self.first_step(zero_grad=True)
            closure()
            self.second_step()

        def _grad_norm(self):
            shared_device = self.param_groups[0]["params"][0].device
            norm = torch.norm(
                torch.stack([
                    ((torch.abs(p) if group["adaptive"] else 1.0) * p.grad).norm(p=2).to(shared_device)  # fmt: skip
                    for group in self.param_groups
                    for p in group["params"]
                    if p.grad is not None
                ]),
                p=2,
            )  # fmt: skip
            return norm

        def load_state_dict(self, state_dict):
            super().load_state_dict(state_dict)
            self.base_optimizer.param_groups = self.param_groups

    class Lookahead(torch.optim.Optimizer):
        def __init__(self, optimizer, k=5, alpha=0.5):
            self.optimizer = optimizer
            self.k = k
            self.alpha = alpha
            self.param_groups = self.optimizer.param_groups
            self.defaults = self.optimizer.defaults  # as timm's version adds
            self.state = defaultdict(dict)
            self.fast_state = self.optimizer.state
            for group in self.param_groups:
                group["counter"] = 0

        def update(self, group):
            for fast in group["params"]:
                param_state = self.state[fast]
                if "slow_param" not in param_state:
                    param_state["slow_param"] = torch.zeros_like(fast.data)
                    param_state["slow_param"].copy_(fast.data)
                slow = param_state["slow_param"]
                slow += (fast.data - slow) * self.alpha
                fast.data.copy_(slow)

        def update_lookahead(self):
            for group in self.param_groups:
                self.update(group)

        def step(self, closure=None):
            loss = self.optimizer.step(closure)
            for group in self.param_groups:
                if group["counter"] == 0:
                    self.update(group)
                group["counter"] += 1
                if group["counter"] >= self.k:
                    group["counter"] = 0
            return loss

        def zero_grad(self, set_to_none=True):  # timm's: Optimizer.zero_grad would re-patch step
            self.optimizer.zero_grad(set_to_none)

        def add_param_group(self, param_group):
            param_group["counter"] = 0
            self.optimizer.add_param_group(param_group)

    def disable_running_stats(model):
        def _disable(module):
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.backup_momentum = module.momentum
                module.momentum = 0

        model.apply(_disable)

    def enable_running_stats(model):
        def _enable(module):
            if isinstance(module, nn.modules.batchnorm._BatchNorm) and hasattr(module, "backup_momentum"):  # fmt: skip
                module.momentum = module.backup_momentum

        model.apply(_enable)

    model = init(nn.Sequential(nn.Linear(5, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3)))
    loader = data.DataLoader(data.TensorDataset(X, y), batch_size=8)
    loss_function = nn.CrossEntropyLoss(label_smoothing=0.1)
    log = []
    if variant in ("sam", "asam"):
        base_optimizer = torch.optim.SGD
        optimizer = SAM(model.parameters(), base_optimizer, rho=2.0 if variant == "asam" else 0.05,
                        adaptive=variant == "asam", lr=0.1, momentum=0.9)  # fmt: skip
        scheduler = optim.lr_scheduler.StepLR(optimizer, 2, gamma=0.5)
        for epoch in range(4):
            model.train()
            for inputs, targets in loader:
                # first forward-backward step
                enable_running_stats(model)
                predictions = model(inputs)
                loss = loss_function(predictions, targets)
                loss.mean().backward()
                optimizer.first_step(zero_grad=True)
                # second forward-backward step
                disable_running_stats(model)
                loss_function(model(inputs), targets).mean().backward()
                optimizer.second_step(zero_grad=True)
                with torch.no_grad():
                    correct = torch.argmax(predictions.data, 1) == targets
                log.append([loss.item(), correct.float().mean().item()])
            scheduler.step()
        log.append(model[1].running_mean.tolist())
    elif variant == "sam_closure":
        optimizer = SAM(model.parameters(), torch.optim.Adam, rho=0.1, lr=0.01)
        for inputs, targets in list(loader) * 2:

            def closure(inputs=inputs, targets=targets):
                loss = loss_function(model(inputs), targets)
                loss.backward()
                return loss

            loss = loss_function(model(inputs), targets)
            loss.backward()
            optimizer.step(closure)
            optimizer.zero_grad()
            log.append(loss.item())
        sd = optimizer.state_dict()
        log.append([sd["param_groups"][0][k] for k in ("rho", "adaptive", "lr", "betas")])
    else:
        base = torch.optim.Adam(model.parameters(), lr=0.02)
        optimizer = Lookahead(base, k=3, alpha=0.5)
        for epoch in range(3):
            for inputs, targets in loader:
                optimizer.zero_grad()
                loss = loss_function(model(inputs), targets)
                loss.backward()
                optimizer.step()
                log.append(loss.item())
        log.append([g["counter"] for g in optimizer.param_groups])
        log.append(sum(s["slow_param"].sum().item() for s in optimizer.state.values()))
    return log


def _run(portability, variant):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((24, 5))
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64) + (X[:, 2] > 0.8).astype(np.int64)

    def program(torch, **kw):
        return wrappers(torch, X=torch.from_numpy(X), y=torch.from_numpy(y), variant=variant, **kw)

    portability.assert_same(program, rtol=1e-8)


def test_sam(portability):
    _run(portability, "sam")


def test_asam(portability):
    _run(portability, "asam")


def test_sam_closure_adam(portability):
    _run(portability, "sam_closure")


def test_lookahead(portability):
    _run(portability, "lookahead")
