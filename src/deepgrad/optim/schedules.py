"""Learning-rate schedules (PyTorch's names and arguments).

A schedule writes ``group["lr"]`` of its optimizer's parameter groups. Build it after the
optimizer and call ``step()`` once per epoch (or per batch, for :class:`OneCycleLR`), after
``opt.step()``::

    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = optim.StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch(model, opt)
        sched.step()

Construction performs step 0: the learning rate of the first epoch is the schedule's value at
0 (the initial ``lr`` for all but :class:`LinearLR` warm-up, which starts at
``start_factor · lr``). Every schedule here except :class:`ReduceLROnPlateau` is a closed form
``lr(base_lr, epoch)`` of the base rate (``group["initial_lr"]``, recorded at construction) and
the step count, so its whole state is ``last_epoch`` and resuming is exact. One schedule drives
an optimizer; to chain them (warm-up then decay) use :class:`SequentialLR`.

Schedules work with an optimizer built without parameters (``optim.Adam(lr=1e-3)`` before
``model.compile``): they act on its placeholder group, whose values carry over when the
parameters are bound.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Sequence
from typing import Any

from .optimizer import Optimizer


class LRScheduler:
    """Base of the schedules: ``step()``, ``get_last_lr()``, ``state_dict()``.

    Subclasses implement :meth:`get_lr`, the learning rates of the groups at
    ``self.last_epoch``.
    """

    #: attributes not saved by :meth:`state_dict` (objects, functions)
    _unsaved: tuple[str, ...] = ("optimizer",)

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__} expects a deepgrad Optimizer, got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when "
                        f"resuming {type(self).__name__} with last_epoch={last_epoch}"
                    )
        self.last_epoch = last_epoch
        self._last_lr: list[float] = []

    def _initial_step(self) -> None:
        self.step()

    @property
    def base_lrs(self) -> list[float]:
        """The base learning rate of every group (``group["initial_lr"]``)."""
        return [g.setdefault("initial_lr", g["lr"]) for g in self.optimizer.param_groups]

    def get_lr(self) -> list[float]:
        """The learning rates of the groups at ``self.last_epoch``."""
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch (or batch) and write the new learning rates into the groups."""
        self._set_epoch(self.last_epoch + 1)

    def _set_epoch(self, epoch: int) -> None:
        self.last_epoch = epoch
        lrs = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, lrs, strict=True):
            group["lr"] = lr
        self._last_lr = list(lrs)

    def get_last_lr(self) -> list[float]:
        """The learning rates the schedule last set (one per parameter group)."""
        return [g["lr"] for g in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """Every attribute but the optimizer (ints, floats, lists: JSON-able)."""
        return {k: v for k, v in self.__dict__.items() if k not in self._unsaved}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state from :meth:`state_dict`."""
        self.__dict__.update(state_dict)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch})"


class LambdaLR(LRScheduler):
    """``lr = base_lr · lr_lambda(epoch)``; ``lr_lambda`` is a function or one per group.

    The functions are not part of :meth:`state_dict` (give the same ones when resuming).
    """

    _unsaved = ("optimizer", "lr_lambdas")

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        super().__init__(optimizer, last_epoch)
        n = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n:
                raise ValueError(f"LambdaLR: expected {n} lr_lambdas, got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda]
        self._initial_step()

    def get_lr(self) -> list[float]:
        fns = self.lr_lambdas
        if len(fns) == 1:
            fns = fns * len(self.optimizer.param_groups)
        return [base * fn(self.last_epoch) for base, fn in zip(self.base_lrs, fns, strict=True)]


class StepLR(LRScheduler):
    """Step decay: ``lr = base_lr · gamma^⌊epoch / step_size⌋``."""

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        if not (isinstance(step_size, int) and step_size > 0):
            raise ValueError(f"StepLR: step_size must be a positive int, got {step_size!r}")
        super().__init__(optimizer, last_epoch)
        self.step_size = step_size
        self.gamma = gamma
        self._initial_step()

    def get_lr(self) -> list[float]:
        factor = self.gamma ** (self.last_epoch // self.step_size)
        return [base * factor for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """``lr = base_lr · gamma^k``, ``k`` = the number of milestones ≤ epoch (counted with
    multiplicity)."""

    def __init__(
        self,
        optimizer: Optimizer,
        milestones: Sequence[int],
        gamma: float = 0.1,
        last_epoch: int = -1,
    ) -> None:
        super().__init__(optimizer, last_epoch)
        self.milestones = sorted(int(m) for m in milestones)
        self.gamma = gamma
        self._initial_step()

    def get_lr(self) -> list[float]:
        factor = self.gamma ** bisect_right(self.milestones, self.last_epoch)
        return [base * factor for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Exponential decay: ``lr = base_lr · gamma^epoch``."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        super().__init__(optimizer, last_epoch)
        self.gamma = gamma
        self._initial_step()

    def get_lr(self) -> list[float]:
        factor = self.gamma**self.last_epoch
        return [base * factor for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing (SGDR without restarts)::

        lr = eta_min + (base_lr − eta_min) · (1 + cos(π · epoch / T_max)) / 2

    It reaches ``eta_min`` at ``T_max`` and, stepped further, rises again (period 2·T_max).
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:  # noqa: N803 - PyTorch's name
        if not T_max > 0:
            raise ValueError(f"CosineAnnealingLR: T_max must be > 0, got {T_max!r}")
        super().__init__(optimizer, last_epoch)
        self.T_max = T_max
        self.eta_min = eta_min
        self._initial_step()

    def get_lr(self) -> list[float]:
        c = (1.0 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2.0
        return [self.eta_min + (base - self.eta_min) * c for base in self.base_lrs]


class LinearLR(LRScheduler):
    """Linear warm-up (or decay) of the rate's factor from ``start_factor`` to ``end_factor``
    over ``total_iters`` steps, then constant::

        lr = base_lr · (start_factor + (end_factor − start_factor) · min(epoch, total_iters)
                        / total_iters)
    """

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        if not 0.0 < start_factor <= 1.0:
            raise ValueError(f"LinearLR: start_factor must be in (0, 1], got {start_factor!r}")
        if not 0.0 <= end_factor <= 1.0:
            raise ValueError(f"LinearLR: end_factor must be in [0, 1], got {end_factor!r}")
        if not (isinstance(total_iters, int) and total_iters > 0):
            raise ValueError(f"LinearLR: total_iters must be a positive int, got {total_iters!r}")
        super().__init__(optimizer, last_epoch)
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        self._initial_step()

    def get_lr(self) -> list[float]:
        t = min(self.last_epoch, self.total_iters)
        f = self.start_factor + (self.end_factor - self.start_factor) * t / self.total_iters
        return [base * f for base in self.base_lrs]


class SequentialLR(LRScheduler):
    """Run ``schedulers[i]`` from ``milestones[i-1]`` on (each restarting at its step 0), e.g.
    warm-up then decay::

        warm = optim.LinearLR(opt, start_factor=0.1, total_iters=5)
        decay = optim.CosineAnnealingLR(opt, T_max=95)
        sched = optim.SequentialLR(opt, [warm, decay], milestones=[5])
    """

    _unsaved = ("optimizer", "_schedulers")

    def __init__(
        self,
        optimizer: Optimizer,
        schedulers: Sequence[LRScheduler],
        milestones: Sequence[int],
        last_epoch: int = -1,
    ) -> None:
        if not schedulers:
            raise ValueError("SequentialLR expects at least one scheduler")
        for i, s in enumerate(schedulers):
            if not isinstance(s, LRScheduler) or isinstance(s, (ReduceLROnPlateau, SequentialLR)):
                raise ValueError(
                    f"SequentialLR: scheduler {i} ({type(s).__name__}) cannot be sequenced"
                )
            if s.optimizer is not optimizer:
                raise ValueError(
                    f"SequentialLR: scheduler {i} ({type(s).__name__}) belongs to another optimizer"
                )
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                f"SequentialLR: expected {len(schedulers) - 1} milestones for "
                f"{len(schedulers)} schedulers, got {len(milestones)}"
            )
        self.optimizer = optimizer
        self._schedulers = list(schedulers)
        self._milestones = [int(m) for m in milestones]
        self.last_epoch = last_epoch + 1
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        idx = bisect_right(self._milestones, self.last_epoch)
        start = self._milestones[idx - 1] if idx > 0 else 0
        self._schedulers[idx]._set_epoch(self.last_epoch - start)
        self._last_lr = self._schedulers[idx]._last_lr

    def step(self) -> None:
        """Advance one step, in the scheduler whose interval contains the new step."""
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._set_epoch(0)
        else:
            scheduler.step()
        self._last_lr = scheduler._last_lr

    def state_dict(self) -> dict[str, Any]:
        """Own attributes plus the sub-schedulers' states under ``"_schedulers"``."""
        state = super().state_dict()
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        subs = state.pop("_schedulers")
        self.__dict__.update(state)
        for s, sd in zip(self._schedulers, subs, strict=True):
            s.load_state_dict(sd)


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin, 2018), stepped once per batch.

    The rate rises from ``max_lr / div_factor`` to ``max_lr`` over the first ``pct_start`` of
    ``total_steps`` (or ``epochs · steps_per_epoch``), then anneals to
    ``max_lr / (div_factor · final_div_factor)``; ``anneal_strategy`` is ``"cos"`` or
    ``"linear"``; ``three_phase`` returns to the initial rate before the final anneal. With
    ``cycle_momentum`` the momentum (or Adam's β1) moves inversely between ``max_momentum``
    and ``base_momentum``. Stepping past ``total_steps`` raises ``ValueError``.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | Sequence[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | Sequence[float] = 0.85,
        max_momentum: float | Sequence[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"OneCycleLR expects a deepgrad Optimizer, got {type(optimizer).__name__}"
            )
        if total_steps is not None:
            if not (isinstance(total_steps, int) and total_steps > 0):
                raise ValueError(
                    f"OneCycleLR: total_steps must be a positive int, got {total_steps!r}"
                )
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            if not (isinstance(epochs, int) and epochs > 0):
                raise ValueError(f"OneCycleLR: epochs must be a positive int, got {epochs!r}")
            if not (isinstance(steps_per_epoch, int) and steps_per_epoch > 0):
                raise ValueError(
                    f"OneCycleLR: steps_per_epoch must be a positive int, got {steps_per_epoch!r}"
                )
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("OneCycleLR: give total_steps, or both epochs and steps_per_epoch")
        if not 0.0 <= pct_start <= 1.0:
            raise ValueError(f"OneCycleLR: pct_start must be in [0, 1], got {pct_start!r}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}"
            )
        n = self.total_steps
        if three_phase:
            self._phases = [
                (float(pct_start * n) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (
                    float(2 * pct_start * n) - 2,
                    "max_lr",
                    "initial_lr",
                    "base_momentum",
                    "max_momentum",
                ),
                (n - 1.0, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            self._phases = [
                (float(pct_start * n) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (n - 1.0, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        self.anneal_strategy = anneal_strategy
        self.div_factor = div_factor
        self.final_div_factor = final_div_factor
        self.cycle_momentum = cycle_momentum
        self.optimizer = optimizer
        groups = optimizer.param_groups
        max_lrs = _per_group("max_lr", max_lr, len(groups))
        if last_epoch == -1:
            for group, lr in zip(groups, max_lrs, strict=True):
                group["initial_lr"] = lr / div_factor
                group["max_lr"] = lr
                group["min_lr"] = group["initial_lr"] / final_div_factor
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(
                    f"OneCycleLR: cycle_momentum=True needs an optimizer with momentum or betas, "
                    f"{type(optimizer).__name__} has neither (pass cycle_momentum=False)"
                )
            self.use_beta1 = "betas" in optimizer.defaults
            maxm = _per_group("max_momentum", max_momentum, len(groups))
            basem = _per_group("base_momentum", base_momentum, len(groups))
            if last_epoch == -1:
                for group, mm, bm in zip(groups, maxm, basem, strict=True):
                    self._set_momentum(group, mm)
                    group["max_momentum"] = mm
                    group["base_momentum"] = bm
        super().__init__(optimizer, last_epoch)
        self._initial_step()

    def _set_momentum(self, group: dict[str, Any], value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(
                f"OneCycleLR: tried to step {step} times; total_steps is {self.total_steps}"
            )
        lrs = []
        for group in self.optimizer.param_groups:
            if "max_lr" not in group:  # a group added after construction
                raise KeyError("OneCycleLR: a parameter group has no 'max_lr' (added later?)")
            start = 0.0
            for i, (end, lr0, lr1, m0, m1) in enumerate(self._phases):
                if step <= end or i == len(self._phases) - 1:
                    pct = (step - start) / (end - start)
                    lrs.append(self._anneal(group[lr0], group[lr1], pct))
                    if self.cycle_momentum:
                        self._set_momentum(group, self._anneal(group[m0], group[m1], pct))
                    break
                start = end
        return lrs

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["_phases"] = [list(p) for p in self._phases]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        self._phases = [tuple(p) for p in self._phases]


class ReduceLROnPlateau(LRScheduler):
    """Multiply the rate by ``factor`` when a metric has stopped improving.

    ``step(metric)`` after each evaluation: if the metric has not improved on the best seen
    (``mode="min"``: below ``best · (1 − threshold)`` with ``threshold_mode="rel"``, or
    ``best − threshold`` with ``"abs"``; ``"max"`` mirrors) for more than ``patience`` calls,
    every group's rate becomes ``max(lr · factor, min_lr)`` (changes below ``eps`` are ignored)
    and ``cooldown`` calls pass before counting again.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | Sequence[float] = 0.0,
        eps: float = 1e-8,
    ) -> None:
        if factor >= 1.0 or factor <= 0.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be in (0, 1), got {factor!r}")
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}"
            )
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"ReduceLROnPlateau expects a deepgrad Optimizer, got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(optimizer.param_groups):
                raise ValueError(
                    f"ReduceLROnPlateau: expected {len(optimizer.param_groups)} min_lrs, "
                    f"got {len(min_lr)}"
                )
            self.min_lrs = [float(v) for v in min_lr]
        else:
            self.min_lrs = [float(min_lr)]
        self.mode = mode
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self._last_lr = [g["lr"] for g in optimizer.param_groups]

    def is_better(self, a: float, best: float) -> bool:
        """Whether metric ``a`` improves on ``best`` by more than the threshold."""
        if self.mode == "min":
            if self.threshold_mode == "rel":
                return a < best * (1.0 - self.threshold)
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def step(self, metrics: float) -> None:  # type: ignore[override]
        """Record one value of the monitored metric and reduce the rate if it has plateaued."""
        current = float(metrics)
        self.last_epoch += 1
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            groups = self.optimizer.param_groups
            min_lrs = self.min_lrs * len(groups) if len(self.min_lrs) == 1 else self.min_lrs
            for group, min_lr in zip(groups, min_lrs, strict=True):
                old = float(group["lr"])
                new = max(old * self.factor, min_lr)
                if old - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [g["lr"] for g in self.optimizer.param_groups]

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0


def _per_group(name: str, value: Any, n: int) -> list[float]:
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"expected {n} values for {name}, got {len(value)}")
        return [float(v) for v in value]
    return [float(value)] * n
