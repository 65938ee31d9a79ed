"""Parameter surgery and learning-rate cycling, as fine-tuning scripts, forum answers and the
fastai-style LR finder posts write them: freezing by name (``for name, param in
model.named_parameters(): if name.startswith('features.'): param.requires_grad = False``),
``requires_grad_`` toggles on a submodule between steps (unfreezing the last block after a few
steps, a frozen parameter keeping ``grad is None``), discriminative learning rates through
parameter groups built from ``named_parameters`` (``'bias' in n`` without weight decay), an
``optimizer.add_param_group`` for an unfrozen block mid-training, a new head swapped in and
``state_dict`` keys; an LR range test (exponential ``lr_mult = (end_lr / start_lr) ** (1 /
num_iter)`` written into every ``param_group['lr']``, an exponentially smoothed loss with bias
correction, stop when ``smoothed > 4 * best``, ``copy.deepcopy(model.state_dict())`` restored
afterwards); ``CyclicLR`` on SGD with momentum cycling (``triangular``, ``triangular2`` and
``exp_range`` with ``gamma``, ``cycle_momentum=True`` with ``base_momentum``/``max_momentum``,
``step_size_up``/``step_size_down``) and on Adam with ``cycle_momentum=False``; ``OneCycleLR``
with ``three_phase=True`` and ``anneal_strategy='linear'`` cycling SGD's momentum and Adam's
``betas``; ``get_last_lr()`` and the groups' ``momentum`` logged each step; the cyclic schedule resumed
from its ``state_dict()`` in a fresh scheduler (its keys are not compared: deepgrad's
schedulers keep their own private entries)."""

from __future__ import annotations

import copy
import math

import numpy as np


def surgery(torch, nn, F, optim, data, init, path, x, y):
    log = []
    X, Y = torch.tensor(x), torch.tensor(y)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU())
            self.block = nn.Sequential(nn.Linear(16, 16), nn.Tanh())
            self.classifier = nn.Linear(16, 3)

        def forward(self, x):
            return self.classifier(self.block(self.features(x)))

    base = init(Net())

    def loss_of(model):
        return F.cross_entropy(model(X), Y)

    # freeze by name, train the rest, unfreeze the block by add_param_group
    model = copy.deepcopy(base)
    for name, param in model.named_parameters():
        if name.startswith("features.") or name.startswith("block."):
            param.requires_grad = False
    log.append([n for n, p in model.named_parameters() if p.requires_grad])
    opt = optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=0.1, momentum=0.9)
    for step in range(6):
        if step == 3:
            model.block.requires_grad_(True)
            opt.add_param_group({"params": model.block.parameters(), "lr": 0.01})
        opt.zero_grad()
        loss = loss_of(model)
        loss.backward()
        opt.step()
        log.append([loss.item(), model.block[0].weight.grad is None,
                    model.features[0].weight.grad is None])  # fmt: skip
    log.append([(g["lr"], g["momentum"], len(g["params"])) for g in opt.param_groups])

    # discriminative learning rates, no weight decay on biases
    model = copy.deepcopy(base)
    decay, no_decay = [], []
    for n, p in model.named_parameters():
        (no_decay if "bias" in n else decay).append(p)
    groups = [
        {
            "params": [
                p
                for n, p in model.named_parameters()
                if n.startswith("features") and "bias" not in n
            ],
            "lr": 1e-3,
        },  # fmt: skip
        {
            "params": [
                p
                for n, p in model.named_parameters()
                if not n.startswith("features") and "bias" not in n
            ]
        },  # fmt: skip
        {"params": no_decay, "weight_decay": 0.0},
    ]
    opt = optim.AdamW(groups, lr=1e-2, weight_decay=0.05)
    log.append([len(decay), len(no_decay), [len(g["params"]) for g in opt.param_groups]])
    for step in range(5):
        opt.zero_grad()
        loss = loss_of(model)
        loss.backward()
        opt.step()
        log.append(loss.item())
    # a new head, the old frozen
    model.requires_grad_(False)
    model.classifier = nn.Linear(16, 4)
    init(model.classifier)
    log.append(sorted(model.state_dict().keys()))
    log.append(sum(p.numel() for p in model.parameters() if p.requires_grad))
    opt = optim.SGD(model.classifier.parameters(), lr=0.5)
    y4 = (Y + 1) % 4
    for step in range(4):
        opt.zero_grad()
        loss = F.cross_entropy(model(X), y4)
        loss.backward()
        opt.step()
        log.append([loss.item(), model.block[0].weight.grad is None])

    # LR range test
    model = copy.deepcopy(base)
    saved = copy.deepcopy(model.state_dict())
    opt = optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)
    start_lr, end_lr, num_iter, beta = 1e-4, 10.0, 30, 0.98
    lr_mult = (end_lr / start_lr) ** (1 / num_iter)
    lr, avg_loss, best_loss, lrs, losses = start_lr, 0.0, float("inf"), [], []
    for batch_num in range(1, num_iter + 1):
        opt.zero_grad()
        loss = loss_of(model)
        avg_loss = beta * avg_loss + (1 - beta) * loss.item()
        smoothed = avg_loss / (1 - beta**batch_num)
        if batch_num > 1 and smoothed > 4 * best_loss:
            break
        if smoothed < best_loss or batch_num == 1:
            best_loss = smoothed
        losses.append(smoothed)
        lrs.append(math.log10(lr))
        loss.backward()
        opt.step()
        lr *= lr_mult
        for param_group in opt.param_groups:
            param_group["lr"] = lr
    log.append(losses)
    log.append(lrs)
    log.append(lrs[int(np.argmin(losses))])
    model.load_state_dict(saved)
    log.append(loss_of(model).item())

    # CyclicLR with momentum cycling
    for mode, kw in (("triangular", {}), ("triangular2", {}), ("exp_range", {"gamma": 0.9})):
        model = copy.deepcopy(base)
        opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        sched = optim.lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.2, step_size_up=3,
                                            step_size_down=2, mode=mode, cycle_momentum=True,
                                            base_momentum=0.8, max_momentum=0.95, **kw)  # fmt: skip
        for step in range(12):
            opt.zero_grad()
            loss = loss_of(model)
            loss.backward()
            opt.step()
            sched.step()
            log.append([loss.item(), sched.get_last_lr()[0], opt.param_groups[0]["momentum"]])
    model = copy.deepcopy(base)
    opt = optim.Adam(model.parameters(), lr=1e-3)
    sched = optim.lr_scheduler.CyclicLR(opt, base_lr=1e-3, max_lr=2e-2, step_size_up=4,
                                        cycle_momentum=False)  # fmt: skip
    for step in range(10):
        opt.zero_grad()
        loss = loss_of(model)
        loss.backward()
        opt.step()
        sched.step()
        log.append([loss.item(), sched.get_last_lr()[0]])
    log.append([sched.base_lrs, sched.max_lrs, sched.last_epoch])
    # resume the cycle from the scheduler's state dict
    sd = copy.deepcopy(sched.state_dict())
    fresh = optim.lr_scheduler.CyclicLR(optim.Adam(model.parameters(), lr=1e-3), base_lr=1e-3,
                                        max_lr=2e-2, step_size_up=4, cycle_momentum=False)  # fmt: skip
    fresh.load_state_dict(sd)
    for _ in range(5):
        fresh.optimizer.step()
        fresh.step()
        sched.step()
        log.append([fresh.get_last_lr()[0], sched.get_last_lr()[0]])

    # OneCycleLR, three phases, linear annealing, momentum and betas cycled
    for make in (lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
                 lambda ps: optim.Adam(ps, lr=0.01, betas=(0.9, 0.99))):  # fmt: skip
        model = copy.deepcopy(base)
        opt = make(model.parameters())
        sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=12, pct_start=0.3,
                                              anneal_strategy="linear", three_phase=True,
                                              div_factor=10.0, final_div_factor=100.0)  # fmt: skip
        for step in range(12):
            opt.zero_grad()
            loss = loss_of(model)
            loss.backward()
            opt.step()
            sched.step()
            g = opt.param_groups[0]
            mom = g["momentum"] if "momentum" in g else g["betas"][0]
            log.append([loss.item(), sched.get_last_lr()[0], mom, g["initial_lr"], g["max_lr"],
                        g["min_lr"]])  # fmt: skip
    return log


def test_param_surgery_lr_finder(portability):
    rng = np.random.default_rng(21)
    x = rng.standard_normal((48, 8))
    y = (x[:, :3] - 0.5 * x[:, 5:]).argmax(1).tolist()
    portability.assert_same(surgery, rtol=1e-9, x=x, y=y)
