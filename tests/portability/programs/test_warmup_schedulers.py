"""Learning-rate warm-ups as repositories write them by hand, each driving a small classifier:
ildoonet/pytorch-gradual-warmup-lr's ``GradualWarmupScheduler`` (a ``_LRScheduler`` subclass
whose attributes are set before ``super().__init__``, its own ``step`` handing over to an
``after_scheduler`` whose ``base_lrs`` it assigns, ``get_last_lr()`` of the inner one),
maskrcnn-benchmark's ``WarmupMultiStepLR`` (``bisect_right`` over milestones, linear or
constant warm-up factor), a ``StepLR`` subclass overriding ``get_lr`` with
``super().get_lr()`` after the warm-up, and the Annotated Transformer's ``NoamOpt`` wrapper
writing ``p['lr']`` into ``optimizer.param_groups`` itself; the rates are read back with
``get_last_lr()`` and ``optimizer.param_groups[0]["lr"]``."""

from __future__ import annotations

from bisect import bisect_right

import numpy as np


def warmups(torch, nn, F, optim, data, init, path, X, y, which):
    _LRScheduler = torch.optim.lr_scheduler._LRScheduler
    ReduceLROnPlateau = torch.optim.lr_scheduler.ReduceLROnPlateau

    class GradualWarmupScheduler(_LRScheduler):
        """Gradually warm-up(increasing) learning rate in optimizer."""

        def __init__(self, optimizer, multiplier, total_epoch, after_scheduler=None):
            self.multiplier = multiplier
            if self.multiplier < 1.0:
                raise ValueError("multiplier should be greater thant or equal to 1.")
            self.total_epoch = total_epoch
            self.after_scheduler = after_scheduler
            self.finished = False
            super(GradualWarmupScheduler, self).__init__(optimizer)

        def get_lr(self):
            if self.last_epoch > self.total_epoch:
                if self.after_scheduler:
                    if not self.finished:
                        self.after_scheduler.base_lrs = [
                            base_lr * self.multiplier for base_lr in self.base_lrs
                        ]
                        self.finished = True
                    return self.after_scheduler.get_last_lr()
                return [base_lr * self.multiplier for base_lr in self.base_lrs]
            if self.multiplier == 1.0:
                return [base_lr * (float(self.last_epoch) / self.total_epoch)
                        for base_lr in self.base_lrs]  # fmt: skip
            else:
                return [base_lr * ((self.multiplier - 1.0) * self.last_epoch / self.total_epoch + 1.0)
                        for base_lr in self.base_lrs]  # fmt: skip

        def step(self, epoch=None, metrics=None):
            if type(self.after_scheduler) != ReduceLROnPlateau:  # noqa: E721 - as written
                if self.finished and self.after_scheduler:
                    if epoch is None:
                        self.after_scheduler.step(None)
                    else:
                        self.after_scheduler.step(epoch - self.total_epoch)
                    self._last_lr = self.after_scheduler.get_last_lr()
                else:
                    return super(GradualWarmupScheduler, self).step(epoch)

    class WarmupMultiStepLR(torch.optim.lr_scheduler._LRScheduler):
        def __init__(self, optimizer, milestones, gamma=0.1, warmup_factor=1.0 / 3,
                     warmup_iters=500, warmup_method="linear", last_epoch=-1):  # fmt: skip
            if not list(milestones) == sorted(milestones):
                raise ValueError("Milestones should be a list of increasing integers.")
            if warmup_method not in ("constant", "linear"):
                raise ValueError(f"Only 'constant' or 'linear' warmup_method accepted got {warmup_method}")  # fmt: skip
            self.milestones = milestones
            self.gamma = gamma
            self.warmup_factor = warmup_factor
            self.warmup_iters = warmup_iters
            self.warmup_method = warmup_method
            super(WarmupMultiStepLR, self).__init__(optimizer, last_epoch)

        def get_lr(self):
            warmup_factor = 1
            if self.last_epoch < self.warmup_iters:
                if self.warmup_method == "constant":
                    warmup_factor = self.warmup_factor
                elif self.warmup_method == "linear":
                    alpha = float(self.last_epoch) / self.warmup_iters
                    warmup_factor = self.warmup_factor * (1 - alpha) + alpha
            return [
                base_lr
                * warmup_factor
                * self.gamma ** bisect_right(self.milestones, self.last_epoch)  # fmt: skip
                for base_lr in self.base_lrs
            ]

    class WarmStepLR(torch.optim.lr_scheduler.StepLR):
        def __init__(self, optimizer, step_size, gamma=0.1, warmup=3):
            self.warmup = warmup
            super().__init__(optimizer, step_size, gamma)

        def get_lr(self):
            if self.last_epoch < self.warmup:
                return [b * (self.last_epoch + 1) / self.warmup for b in self.base_lrs]
            return super().get_lr()

    class NoamOpt:
        "Optim wrapper that implements rate."

        def __init__(self, model_size, factor, warmup, optimizer):
            self.optimizer = optimizer
            self._step = 0
            self.warmup = warmup
            self.factor = factor
            self.model_size = model_size
            self._rate = 0

        def step(self):
            "Update parameters and rate"
            self._step += 1
            rate = self.rate()
            for p in self.optimizer.param_groups:
                p["lr"] = rate
            self._rate = rate
            self.optimizer.step()

        def rate(self, step=None):
            "Implement `lrate` above"
            if step is None:
                step = self._step
            return self.factor * (
                self.model_size ** (-0.5) * min(step ** (-0.5), step * self.warmup ** (-1.5))
            )

    model = init(nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3)))
    loader = data.DataLoader(data.TensorDataset(X, y), batch_size=8)
    if which == "noam":
        base = torch.optim.Adam(model.parameters(), lr=0, betas=(0.9, 0.98), eps=1e-9)
        optimizer = NoamOpt(16, 1, 4, base)
    else:
        optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    if which == "gradual_step":
        after = optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)
        scheduler = GradualWarmupScheduler(
            optimizer, multiplier=4, total_epoch=3, after_scheduler=after
        )
    elif which == "gradual_cosine":
        after = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=8)
        scheduler = GradualWarmupScheduler(
            optimizer, multiplier=1, total_epoch=3, after_scheduler=after
        )
    elif which == "maskrcnn":
        scheduler = WarmupMultiStepLR(optimizer, [4, 7], warmup_factor=0.1, warmup_iters=3)
    elif which == "warm_step":
        scheduler = WarmStepLR(optimizer, step_size=2, gamma=0.5, warmup=3)
    log = []
    for epoch in range(10):
        losses = []
        for xb, yb in loader:
            if which == "noam":
                optimizer.optimizer.zero_grad()
            else:
                optimizer.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        if which == "noam":
            log.append([losses, optimizer._rate])
        else:
            scheduler.step()
            log.append([losses, optimizer.param_groups[0]["lr"], scheduler.get_last_lr()[0]])
    return log


def _run(portability, which):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((24, 6))
    y = (X[:, 0] > 0).astype(np.int64) + (X[:, 1] > 0.5).astype(np.int64)

    def program(torch, **kw):
        return warmups(torch, X=torch.from_numpy(X), y=torch.from_numpy(y), which=which, **kw)

    portability.assert_same(program, rtol=1e-9)


def test_gradual_warmup_then_steplr(portability):
    _run(portability, "gradual_step")


def test_gradual_warmup_then_cosine(portability):
    _run(portability, "gradual_cosine")


def test_maskrcnn_warmup_multistep(portability):
    _run(portability, "maskrcnn")


def test_steplr_subclass_warmup(portability):
    _run(portability, "warm_step")


def test_noam_opt(portability):
    _run(portability, "noam")
