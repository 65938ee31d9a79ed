"""PyTorch's ``optim.swa_utils``: stochastic weight averaging (Izmailov et al., 2018) and
exponential moving averages of a model's weights.

- :class:`AveragedModel` keeps a copy of a model whose parameters are the running average of
  the model's (``update_parameters(model)`` after each step or epoch); ``n_averaged`` counts
  the updates (a buffer, saved in the state dict as PyTorch saves it).
- :func:`get_swa_avg_fn` (equal weights), :func:`get_ema_avg_fn` /
  :func:`get_ema_multi_avg_fn` (``decay``) are the averaging rules.
- :class:`SWALR` anneals each group's rate to ``swa_lr`` over ``anneal_epochs`` and holds it.
- :func:`update_bn` recomputes batch-norm running statistics for the averaged weights with
  one pass over the data.

Example::

    swa_model = optim.swa_utils.AveragedModel(model)
    swa_sched = optim.swa_utils.SWALR(opt, swa_lr=0.05)
    for epoch in range(epochs):
        train_one_epoch(model, opt)
        if epoch >= swa_start:
            swa_model.update_parameters(model)
            swa_sched.step()
    optim.swa_utils.update_bn(loader, swa_model)
"""

from __future__ import annotations

import copy
import itertools
import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy

from ..autograd import no_grad
from ..nn.module import Module
from ..nn.normalization import _BatchNorm
from ..tensor import Tensor
from .optimizer import Optimizer
from .schedules import LRScheduler

__all__ = [
    "SWALR",
    "AveragedModel",
    "get_ema_avg_fn",
    "get_ema_multi_avg_fn",
    "get_swa_avg_fn",
    "get_swa_multi_avg_fn",
    "update_bn",
]


def _check_decay(decay: float) -> None:
    if decay < 0.0 or decay > 1.0:
        raise ValueError(
            f"Invalid decay value {decay} provided. Please provide a value in [0,1] range."
        )


def _is_float(t: Tensor) -> bool:
    return t.dtype.kind in "fc"


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable[..., None]:
    """The in-place rule over lists: ``ema ← ema + (1 - decay)(p - ema)`` (``lerp``) for
    floating tensors, ``ema·decay + p·(1 - decay)`` otherwise."""
    _check_decay(decay)

    def ema_update(ema_params: Sequence[Tensor], params: Sequence[Tensor], _: Any) -> None:
        with no_grad():
            for p_ema, p in zip(ema_params, params, strict=True):
                if _is_float(p_ema):
                    p_ema.lerp_(p, 1 - decay)
                else:
                    p_ema.copy_(p_ema * decay + p * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn() -> Callable[..., None]:
    """The in-place equal-weight rule over lists: ``avg ← avg + (p - avg) / (n + 1)``."""

    def swa_update(avg_params: Sequence[Tensor], params: Sequence[Tensor], n: Any) -> None:
        n = int(n.item()) if isinstance(n, Tensor) else n
        with no_grad():
            for p_avg, p in zip(avg_params, params, strict=True):
                if _is_float(p_avg):
                    p_avg.lerp_(p, 1 / (n + 1))
                else:
                    p_avg.copy_(p_avg + (p - p_avg) / (n + 1))

    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> Callable[..., Tensor]:
    """The rule ``decay · ema + (1 - decay) · p`` (returns the new average)."""
    _check_decay(decay)

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn() -> Callable[..., Tensor]:
    """The rule ``avg + (p - avg) / (n + 1)`` (returns the new average)."""

    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


class AveragedModel(Module):
    """A deep copy of ``model`` (on ``device``, if given) whose parameters (and buffers, with
    ``use_buffers=True``) are averaged by :meth:`update_parameters`: the first call copies the
    model's values, later ones apply ``avg_fn(avg, p, n_averaged)`` (returns the new value) or
    ``multi_avg_fn(avgs, ps, n_averaged)`` (in place over lists); the default is the equal
    average (SWA). Without ``use_buffers`` the buffers are copied from the model. Calling it
    runs the copy (``forward`` is ``self.module``'s).
    """

    def __init__(
        self,
        model: Module,
        device: Any = None,
        avg_fn: Callable[[Tensor, Tensor, Any], Tensor] | None = None,
        multi_avg_fn: Callable[[Sequence[Tensor], Sequence[Tensor], Any], None] | None = None,
        use_buffers: bool = False,
    ) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", Tensor._wrap(numpy.asarray(0, dtype=numpy.int64)))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.module(*args, **kwargs)

    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current values into the average and count one more update."""
        if self.use_buffers:
            own = list(itertools.chain(self.module.parameters(), self.module.buffers()))
            theirs = list(itertools.chain(model.parameters(), model.buffers()))
        else:
            own, theirs = list(self.parameters()), list(model.parameters())
        own = [p.detach() for p in own]  # share the arrays: copy_/lerp_ write through
        theirs = [p.detach() for p in theirs][: len(own)]
        own = own[: len(theirs)]
        n = int(self.n_averaged.item())
        with no_grad():
            if n == 0:
                for p_avg, p in zip(own, theirs):
                    p_avg.copy_(p)
            elif self.avg_fn is not None:
                for p_avg, p in zip(own, theirs):
                    p_avg.copy_(self.avg_fn(p_avg, p, self.n_averaged))
            else:
                (self.multi_avg_fn or get_swa_multi_avg_fn())(own, theirs, self.n_averaged)
            if not self.use_buffers:
                for b_avg, b in zip(self.module.buffers(), model.buffers(), strict=True):
                    b_avg.detach().copy_(b.detach())
        self.n_averaged.copy_(n + 1)


def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    """Recompute the running mean and variance of every batch-norm layer of ``model`` with
    one pass over ``loader`` (its items, or their first element when they are
    ``(input, target)`` pairs, are fed to the model in training mode, as a cumulative average:
    ``momentum=None``); the layers' momenta and the model's mode are restored after."""
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with no_grad():
        for x in loader:
            if isinstance(x, (list, tuple)):
                x = x[0]
            if device is not None:
                x = x.to(device)
            model(x)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's rate from its current value to ``swa_lr`` over ``anneal_epochs``
    steps (``"cos"``: ``α = (1 - cos πt)/2``, or ``"linear"``: ``α = t``, ``t = step /
    anneal_epochs``), then hold it: ``lr = swa_lr · α + lr₀ · (1 - α)``, PyTorch's recursive
    form (each step recovers ``lr₀`` from the group's current rate). ``swa_lr`` is one value
    or one per group."""

    _unsaved = ("optimizer", "anneal_func")

    def __init__(
        self,
        optimizer: Optimizer,
        swa_lr: float | Sequence[float],
        anneal_epochs: int = 10,
        anneal_strategy: str = "cos",
        last_epoch: int = -1,
    ) -> None:
        groups = optimizer.param_groups
        if isinstance(swa_lr, (list, tuple)):
            if len(swa_lr) != len(groups):
                raise ValueError(f"swa_lr must have the same length as optimizer.param_groups: "
                                 f"expected {len(groups)}, got {len(swa_lr)}")  # fmt: skip
            swa_lrs = list(swa_lr)
        else:
            swa_lrs = [swa_lr] * len(groups)
        for lr, group in zip(swa_lrs, groups, strict=True):
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}"
            )
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, numbers.Integral) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)
        self._initial_step()

    @staticmethod
    def _linear_anneal(t: float) -> float:
        return t

    @staticmethod
    def _cosine_anneal(t: float) -> float:
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr: float, swa_lr: float, alpha: float) -> float:
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def _set_anneal_func(self, anneal_strategy: str) -> None:
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal

    def get_lr(self) -> list[float]:
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        groups = self.optimizer.param_groups
        prev_lrs = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha) for g in groups]
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [g["swa_lr"] * alpha + lr * (1 - alpha) for g, lr in zip(groups, prev_lrs)]

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        self._set_anneal_func(self._anneal_strategy)
