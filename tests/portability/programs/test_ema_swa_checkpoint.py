"""Weight averaging and memory-saving idioms as training repos write them: a hand-written
``ModelEMA`` (timm/YOLOv5 style: ``copy.deepcopy(model).eval()``, ``requires_grad_(False)``,
a decay warm-up ``decay * (1 - math.exp(-updates / 2000))``, ``ema_v.copy_(ema_v * d + (1. -
d) * msd[k].detach())`` over the ``state_dict(keep_vars=True)`` entries of floating dtype;
here ``v.is_floating_point()`` for YOLOv5's ``v.dtype.is_floating_point`` and
``torch.as_tensor(msd[k])``, since deepgrad's dtypes are NumPy's and its state-dict values
NumPy arrays, two README rows) and the
``torch.no_grad()`` + ``lerp_`` form over ``parameters()``; ``torch.optim.swa_utils``
(``AveragedModel`` with the default SWA average and with ``get_ema_multi_avg_fn``,
``SWALR(anneal_strategy="cos")`` after a ``CosineAnnealingLR``, ``update_bn`` over a
loader, ``n_averaged``, ``swa_model.module``); ``torch.utils.checkpoint.checkpoint(block, x,
use_reentrant=False)`` and ``checkpoint_sequential``; gradient accumulation with
``clip_grad_norm_`` returning the total norm (``error_if_nonfinite``, ``foreach``); custom init
through ``model.apply`` with ``trunc_normal_`` / ``constant_``; ``MultiStepLR``,
``ExponentialLR`` and ``ChainedScheduler``."""

from __future__ import annotations

import copy
import math

import numpy as np


def ema_swa_checkpoint(torch, nn, F, optim, data, init, path, X, y):
    log = []
    X = torch.tensor(X)
    y = torch.tensor(y)
    loader = data.DataLoader(data.TensorDataset(X, y), batch_size=8)

    class Block(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.fc1 = nn.Linear(dim, dim * 2)
            self.norm = nn.LayerNorm(dim * 2)
            self.fc2 = nn.Linear(dim * 2, dim)

        def forward(self, x):
            return x + self.fc2(F.gelu(self.norm(self.fc1(x))))

    class Net(nn.Module):
        def __init__(self, use_ckpt=False):
            super().__init__()
            # BatchNorm outside the checkpointed blocks: PyTorch's recomputation updates
            # running statistics a second time, deepgrad's checkpoint does not recompute
            self.stem = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6))
            self.blocks = nn.Sequential(Block(6), Block(6))
            self.head = nn.Linear(6, 3)
            self.use_ckpt = use_ckpt

        def forward(self, x):
            x = self.stem(x)
            if self.use_ckpt and self.training:
                for blk in self.blocks:
                    x = torch.utils.checkpoint.checkpoint(blk, x, use_reentrant=False)
            else:
                x = self.blocks(x)
            return self.head(x)

    def _init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.trunc_normal_(m.weight, std=0.02)  # drawn by each library: replaced below
            if m.bias is not None:
                nn.init.constant_(m.bias, 0)
        elif isinstance(m, (nn.BatchNorm1d, nn.LayerNorm)):
            nn.init.constant_(m.weight, 1.0)
            nn.init.constant_(m.bias, 0)

    class ModelEMA:
        def __init__(self, model, decay=0.9, tau=20, updates=0):
            self.ema = copy.deepcopy(model).eval()
            self.updates = updates
            self.decay = lambda x: decay * (1 - math.exp(-x / tau))
            for p in self.ema.parameters():
                p.requires_grad_(False)

        def update(self, model):
            self.updates += 1
            d = self.decay(self.updates)
            msd = model.state_dict()
            with torch.no_grad():
                for k, v in self.ema.state_dict(keep_vars=True).items():
                    if v.is_floating_point():  # YOLOv5: v.dtype.is_floating_point
                        v.copy_(v * d + (1.0 - d) * torch.as_tensor(msd[k]).detach())

    model = Net(use_ckpt=True)
    model.apply(_init_weights)
    model = init(model)
    log.append([model.blocks[0].norm.weight.sum().item(), model.stem[0].bias.abs().sum().item()])
    ema = ModelEMA(model)
    shadow = [p.detach().clone() for p in model.parameters()]
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
    scheduler = optim.lr_scheduler.ChainedScheduler([
        optim.lr_scheduler.MultiStepLR(optimizer, milestones=[2, 4], gamma=0.5),
        optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9),
    ])  # fmt: skip
    accum = 2
    for epoch in range(5):
        model.train()
        optimizer.zero_grad()
        for i, (xb, yb) in enumerate(loader):
            loss = F.cross_entropy(model(xb), yb) / accum
            loss.backward()
            if (i + 1) % accum == 0:
                total_norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0, error_if_nonfinite=True, foreach=True)  # fmt: skip
                optimizer.step()
                optimizer.zero_grad()
                ema.update(model)
                with torch.no_grad():
                    for s, p in zip(shadow, model.parameters()):
                        s.lerp_(p, 0.1)
                log.append([loss.item() * accum, total_norm.item()])
        scheduler.step()
        log.append(scheduler.get_last_lr())
        model.eval()
        ema.ema.eval()
        with torch.no_grad():
            log.append([F.cross_entropy(model(X), y).item(), F.cross_entropy(ema.ema(X), y).item()])  # fmt: skip
    log.append([ema.updates, ema.ema.stem[1].running_var.sum().item(), shadow[0].sum().item()])  # fmt: skip

    # checkpoint_sequential gives the same gradients as the plain forward
    seq = init(nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 5), nn.Tanh(), nn.Linear(5, 3)))  # fmt: skip
    xin = X[:6].clone().requires_grad_(True)
    out = torch.utils.checkpoint.checkpoint_sequential(seq, 2, xin, use_reentrant=False)
    out.pow(2).sum().backward()
    g_ckpt = [p.grad.clone() for p in seq.parameters()] + [xin.grad.clone()]
    seq.zero_grad()
    xin.grad = None
    seq(xin).pow(2).sum().backward()
    g_plain = [p.grad for p in seq.parameters()] + [xin.grad]
    log.append([torch.allclose(a, b) for a, b in zip(g_ckpt, g_plain)])
    log.append([g.sum().item() for g in g_ckpt])

    # stochastic weight averaging
    swa_base = init(Net())
    swa_model = optim.swa_utils.AveragedModel(swa_base)
    ema_model = optim.swa_utils.AveragedModel(swa_base, multi_avg_fn=optim.swa_utils.get_ema_multi_avg_fn(0.8))  # fmt: skip
    opt = optim.SGD(swa_base.parameters(), lr=0.05)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=3)
    swa_start = 2
    swa_scheduler = optim.swa_utils.SWALR(opt, swa_lr=0.02, anneal_epochs=2, anneal_strategy="cos")  # fmt: skip
    for epoch in range(5):
        swa_base.train()
        for xb, yb in loader:
            opt.zero_grad()
            loss = F.cross_entropy(swa_base(xb), yb)
            loss.backward()
            opt.step()
            ema_model.update_parameters(swa_base)
        if epoch >= swa_start:
            swa_model.update_parameters(swa_base)
            swa_scheduler.step()
        else:
            sched.step()
        log.append([loss.item(), opt.param_groups[0]["lr"], int(swa_model.n_averaged)])
    optim.swa_utils.update_bn(loader, swa_model)
    swa_model.eval()
    ema_model.eval()
    with torch.no_grad():
        log.append([F.cross_entropy(swa_model(X), y).item(), F.cross_entropy(ema_model(X), y).item()])  # fmt: skip
    log.append([swa_model.module.stem[1].running_mean.sum().item(),
                list(swa_model.state_dict().keys())[:3]])  # fmt: skip
    return log


def test_ema_swa_checkpoint(portability):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((32, 4))
    y = (np.argmax(X[:, :3] + 0.3 * rng.standard_normal((32, 3)), axis=1)).tolist()
    portability.assert_same(ema_swa_checkpoint, rtol=1e-8, X=X, y=y)
