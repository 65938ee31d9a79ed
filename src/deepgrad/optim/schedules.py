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
the step count, so its whole state is ``last_epoch`` and resuming is exact (the exceptions:
:class:`MultiplicativeLR`, which multiplies the current rate, and :class:`CyclicLR` and
:class:`CosineAnnealingWarmRestarts`, which keep their own counters in their state). One schedule
drives an optimizer; to run them one after the other (warm-up then decay) use
:class:`SequentialLR`, to compose them at every step :class:`ChainedScheduler`.

Schedules work with an optimizer built without parameters (``optim.Adam(lr=1e-3)`` before
``model.compile``): they act on its placeholder group, whose values carry over when the
parameters are bound.
"""

from __future__ import annotations

import math
import numbers
import types
import warnings
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from .lr import _per_group, base_lrs, scale_lr
from .optimizer import Optimizer
from .plateau import Plateau, plateau_attribute

#: PyTorch's warning for the deprecated ``step(epoch)`` (its text)
EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being "
    "deprecated where possible. Please use `scheduler.step()` to step the "
    "scheduler. During the deprecation, if epoch is different from None, the "
    "closed form is used instead of the new chainable form, where available. "
    "Please open an issue if you are unable to replicate your use case: "
    "https://github.com/pytorch/pytorch/issues/new/choose."
)
#: PyTorch's warning for a schedule stepped before its optimizer (its text)
_ORDER_WARNING = (
    "Detected call of `lr_scheduler.step()` before `optimizer.step()`. "
    "In PyTorch 1.1.0 and later, you should call them in the opposite order: "
    "`optimizer.step()` before `lr_scheduler.step()`.  Failure to do this "
    "will result in PyTorch skipping the first value of the learning rate schedule. "
    "See more details at "
    "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate"
)


class LRScheduler:
    """Base of the schedules: ``step()``, ``get_last_lr()``, ``state_dict()``.

    Subclasses implement :meth:`get_lr`, the learning rates of the groups at
    ``self.last_epoch``.
    """

    #: attributes not saved by :meth:`state_dict` (objects, functions)
    _unsaved: tuple[str, ...] = ("optimizer",)
    #: attributes never saved (links to other objects, deepgrad's own flags)
    _never_saved = ("optimizer", "_chained", "_base_lrs_at_init", "_built_unbound")
    #: built on an unbound optimizer: its placeholder group may become several
    _built_unbound: bool = False
    #: PyTorch's per-step flags: saved (always false between steps), ignored when loading
    _TORCH_FLAGS = ("_is_initial", "_get_lr_called_within_step")
    #: set by :class:`ChainedScheduler`: ``step()`` then applies :meth:`_chain_lr`
    _chained: bool = False
    #: true during the step that construction performs (PyTorch's ``_is_initial``)
    _is_initial: bool = False

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
        #: the groups' base rates when the schedule was built (PyTorch's ``base_lrs``: a
        #: schedule built later that rewrites ``initial_lr``, OneCycleLR, does not move them)
        self._base_lrs_at_init = [g["initial_lr"] for g in optimizer.param_groups]
        if not optimizer.is_bound:
            self._built_unbound = True
        self.last_epoch = last_epoch
        self._last_lr: list[float] = []
        #: calls of ``step()``, the one of construction included (PyTorch's ``_step_count``)
        self._step_count = 0
        own = next(c for c in type(self).__mro__ if c.__module__.startswith("deepgrad."))
        if own is LRScheduler:
            # a schedule written by subclassing LRScheduler (or ``_LRScheduler``), its
            # attributes set before ``super().__init__``: PyTorch's base steps once here, so
            # the rate of epoch 0 is its ``get_lr()``'s (deepgrad's own schedules step at the
            # end of their ``__init__``)
            self._initial_step()

    def _initial_step(self) -> None:
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            del self._is_initial

    @property
    def base_lrs(self) -> list[float]:
        """The base learning rate of every group: ``group["initial_lr"]`` when the schedule was
        built (or as loaded), as PyTorch's; the groups' current ``initial_lr`` once an unbound
        optimizer's placeholder group has become several."""
        snap = getattr(self, "_base_lrs_at_init", None)
        if snap is None or (self._built_unbound and len(snap) != len(self.optimizer.param_groups)):
            return base_lrs(self.optimizer)
        return list(snap)

    @base_lrs.setter
    def base_lrs(self, value: Sequence[float]) -> None:
        """PyTorch's ``base_lrs`` is a plain attribute: a warm-up wrapper (ildoonet's
        ``GradualWarmupScheduler``) sets ``after_scheduler.base_lrs = [...]`` and the schedule
        then runs from those rates; the groups' ``initial_lr`` stay as they were."""
        self._base_lrs_at_init = list(value)

    def get_lr(self) -> list[float]:
        """PyTorch's ``get_lr``: the rates the next ``step()`` computes at ``self.last_epoch``
        from the groups' *current* rates (the recursive form, :meth:`_chain_lr`). Called
        outside ``step()`` it warns, as PyTorch's, to use :meth:`get_last_lr`: at a milestone
        of a ``MultiStepLR`` already stepped there it multiplies by ``gamma`` once more, as
        PyTorch's does (old training scripts print ``scheduler.get_lr()[0]``).

        A subclass may define ``get_lr`` itself, PyTorch's way (``step()`` then calls it, and
        ``super().get_lr()`` inside it gives the parent's rates without a warning)."""
        if (
            type(self)._chain_lr is LRScheduler._chain_lr
            and type(self)._closed_lr is LRScheduler._closed_lr
        ):
            raise NotImplementedError  # PyTorch's base class: a subclass defines get_lr
        if not self._in_step:
            warnings.warn(
                "To get the last learning rate computed by the scheduler, please use "
                "`get_last_lr()`.",
                UserWarning,
                stacklevel=2,
            )
        return self._chain_lr()

    #: true while ``step()`` computes the rates (PyTorch's ``_get_lr_called_within_step``)
    _in_step: bool = False

    def _user_get_lr(self) -> bool:
        return type(self).get_lr is not LRScheduler.get_lr

    def _closed_lr(self) -> list[float]:
        """The learning rates of the groups at ``self.last_epoch`` by the closed form (what
        ``step(epoch)`` uses); a subclass that defines only ``get_lr`` is its own."""
        if not self._user_get_lr():
            raise NotImplementedError
        return self._called_in_step(self.get_lr)

    def _called_in_step(self, f: Any) -> list[float]:
        before = self.__dict__.get("_in_step")
        self._in_step = True
        try:
            return f()
        finally:
            if before is None:
                del self._in_step
            else:
                self._in_step = before

    def _chain_lr(self) -> list[float]:
        """The learning rates at ``self.last_epoch`` as PyTorch's recursive ("chainable")
        ``get_lr`` computes them: from the groups' *current* rates, so that schedules composed
        by :class:`ChainedScheduler` multiply. The closed form (:meth:`_closed_lr`) for
        schedules that are closed forms in PyTorch too (:class:`LambdaLR`, :class:`OneCycleLR`...)."""
        return self._closed_lr()

    def _step_lr(self) -> list[float]:
        """The rates ``step()`` applies: a subclass's own ``get_lr`` (PyTorch's ``step`` calls
        it), else the recursive form."""
        return self._called_in_step(self.get_lr if self._user_get_lr() else self._chain_lr)

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch (or batch) and write the new learning rates into the groups, by
        PyTorch's recursive forms (:meth:`_chain_lr`: from the groups' current rates), as
        PyTorch's ``step()`` does: two schedules stepped on one optimizer compose (a warm-up
        ``LinearLR`` and a ``StepLR`` multiply), and the rates are PyTorch's to the last bit.

        ``step(epoch)``, deprecated in PyTorch (it warns, as PyTorch's does), goes to ``epoch``
        by the closed form (:meth:`get_lr`). The first ``step()`` after construction warns, as
        PyTorch's, when the optimizer has not stepped yet (the first rate would be skipped)."""
        if self._step_count == 1 and not getattr(self.optimizer, "_opt_called", False):
            warnings.warn(_ORDER_WARNING, UserWarning, stacklevel=2)
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
            self._set_epoch(epoch)
            return
        self.last_epoch += 1
        self._apply(self._step_lr())

    def _set_epoch(self, epoch: int) -> None:
        self.last_epoch = epoch
        self._apply(self._closed_lr())

    def _apply(self, lrs: list[float]) -> None:
        for group, lr in zip(self.optimizer.param_groups, lrs, strict=True):
            group["lr"] = lr
        self._last_lr = list(lrs)

    def _replay_initial(self) -> None:
        """Redo the step of construction in chained form (see :class:`ChainedScheduler`)."""
        self._is_initial = True
        last = self._last_lr  # PyTorch's schedule keeps the rates of its own construction
        try:
            self._apply(self._step_lr())
        finally:
            del self._is_initial
            self._last_lr = last

    def get_last_lr(self) -> list[float]:
        """The learning rates the schedule last set (one per parameter group), as PyTorch's:
        a rate changed by hand since is not seen. (After the placeholder group of an unbound
        optimizer became several, the groups' current rates.)"""
        last = getattr(self, "_last_lr", None) or []
        if not last or (self._built_unbound and len(last) != len(self.optimizer.param_groups)):
            return [g["lr"] for g in self.optimizer.param_groups]
        return list(last)

    def _own_state(self) -> dict[str, Any]:
        """The saved attributes (those not in ``_unsaved``), as plain Python values."""
        skip = (*self._unsaved, *self._never_saved)
        return {k: _plain(v) for k, v in self.__dict__.items() if k not in skip}

    def state_dict(self) -> dict[str, Any]:
        """PyTorch's state: every attribute but the optimizer (and functions), with
        ``base_lrs``, ``_step_count`` and PyTorch's flags ``_is_initial`` and
        ``_get_lr_called_within_step``, as plain Python values (JSON-able but for
        :class:`MultiStepLR`'s ``Counter``, whose keys JSON makes strings)."""
        state = self._own_state()
        state["base_lrs"] = [_plain(b) for b in self.base_lrs]
        state.update(dict.fromkeys(self._TORCH_FLAGS, False))
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state from :meth:`state_dict`, PyTorch's (values converted to Python's:
        tensors become floats or lists) or deepgrad's older one. A saved ``base_lrs`` becomes
        the groups' ``initial_lr``, the base the closed forms start from."""
        state = {k: _plain(v) for k, v in state_dict.items() if k not in self._TORCH_FLAGS}
        state.pop("_chained", None)
        bases = state.pop("base_lrs", None)
        if bases is not None:
            self._load_base_lrs(bases)
        self.__dict__.update(state)

    def _load_base_lrs(self, bases: list[float]) -> None:
        groups = self.optimizer.param_groups
        if len(bases) != len(groups):
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: the state has {len(bases)} base_lrs, "
                f"the optimizer {len(groups)} parameter groups"
            )
        for group, base in zip(groups, bases, strict=True):
            group["initial_lr"] = base
        self._base_lrs_at_init = list(bases)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch})"


class _LambdasLR(LRScheduler):
    """A schedule of functions ``self.lr_lambdas``, saved as PyTorch saves them: ``None`` for a
    function or lambda (give the same ones when resuming), a callable object's attributes."""

    _unsaved = ("optimizer", "lr_lambdas")
    lr_lambdas: list[Callable[[int], float]]

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["lr_lambdas"] = _callable_states(self.lr_lambdas, len(self.optimizer.param_groups))
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        fns = state.pop("lr_lambdas", None)
        super().load_state_dict(state)
        _load_callable_states(self.lr_lambdas, fns)


class LambdaLR(_LambdasLR):
    """``lr = base_lr · lr_lambda(epoch)``; ``lr_lambda`` is a function or one per group.

    The functions are not part of :meth:`state_dict` (give the same ones when resuming; a
    callable object's attributes are, as in PyTorch).
    """

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

    def _closed_lr(self) -> list[float]:
        fns = self.lr_lambdas
        if len(fns) == 1:
            fns = fns * len(self.optimizer.param_groups)
        return [base * fn(self.last_epoch) for base, fn in zip(self.base_lrs, fns, strict=True)]


def _check_count(name: str, value: Any, what: str = "total_iters") -> None:
    """A schedule's count (``total_iters``, ``step_size``): a positive whole number (an int,
    or a float such as ``4.0``, which PyTorch's formulas take as well)."""
    if isinstance(value, bool) or not (
        isinstance(value, numbers.Real) and value > 0 and float(value).is_integer()
    ):
        raise ValueError(f"{name}: {what} must be a positive whole number, got {value!r}")


class StepLR(LRScheduler):
    """Step decay: ``lr = base_lr · gamma^⌊epoch / step_size⌋``."""

    def __init__(
        self, optimizer: Optimizer, step_size: float, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        # a whole number, also as a float: PyTorch's tutorial passes ``StepLR(opt, 1.0, 0.95)``
        # (PyTorch takes any number; a fractional one decays where ``epoch % step_size == 0``)
        _check_count("StepLR", step_size, "step_size")
        super().__init__(optimizer, last_epoch)
        self.step_size = step_size
        self.gamma = gamma
        self._initial_step()

    def _closed_lr(self) -> list[float]:
        factor = self.gamma ** (self.last_epoch // self.step_size)
        return [base * factor for base in self.base_lrs]

    def _chain_lr(self) -> list[float]:
        """``lr · gamma`` at the non-zero multiples of ``step_size``, else ``lr``."""
        e = self.last_epoch
        if e == 0 or e % self.step_size != 0:
            return _current(self)
        return [g["lr"] * self.gamma for g in self.optimizer.param_groups]


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

    def _closed_lr(self) -> list[float]:
        factor = self.gamma ** bisect_right(self.milestones, self.last_epoch)
        return [base * factor for base in self.base_lrs]

    def state_dict(self) -> dict[str, Any]:
        """PyTorch's state: ``milestones`` a ``Counter`` (milestone: multiplicity)."""
        state = super().state_dict()
        state["milestones"] = Counter(self.milestones)
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Also takes the milestones as a dict whose keys JSON made strings, or a list."""
        state = dict(state_dict)
        ms = state.pop("milestones", None)
        super().load_state_dict(state)
        if isinstance(ms, dict):
            self.milestones = sorted(int(m) for m, n in ms.items() for _ in range(int(n)))
        elif ms is not None:
            self.milestones = sorted(int(m) for m in ms)

    def _chain_lr(self) -> list[float]:
        """``lr · gamma^n`` where the epoch is a milestone ``n`` times, else ``lr``."""
        n = self.milestones.count(self.last_epoch)
        if n == 0:
            return _current(self)
        return [g["lr"] * self.gamma**n for g in self.optimizer.param_groups]


class ExponentialLR(LRScheduler):
    """Exponential decay: ``lr = base_lr · gamma^epoch``."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        super().__init__(optimizer, last_epoch)
        self.gamma = gamma
        self._initial_step()

    def _closed_lr(self) -> list[float]:
        factor = self.gamma**self.last_epoch
        return [base * factor for base in self.base_lrs]

    def _chain_lr(self) -> list[float]:
        """``lr · gamma`` (``lr`` at the step of construction)."""
        if self._is_initial:
            return _current(self)
        return [g["lr"] * self.gamma for g in self.optimizer.param_groups]


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

    def _closed_lr(self) -> list[float]:
        c = (1.0 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2.0
        return [self.eta_min + (base - self.eta_min) * c for base in self.base_lrs]

    def _chain_lr(self) -> list[float]:
        """PyTorch's recursion ``lr ← eta_min + (lr − eta_min) · (1 + cos(π e / T_max)) /
        (1 + cos(π (e − 1) / T_max))``, with an additive step where the cosine restarts."""
        e, t_max, eta_min = self.last_epoch, self.T_max, self.eta_min
        groups = self.optimizer.param_groups
        if self._is_initial:
            return _current(self)
        if (e - 1 - t_max) % (2 * t_max) == 0:
            rise = (1 - math.cos(math.pi / t_max)) / 2
            return [g["lr"] + (base - eta_min) * rise for base, g in zip(self.base_lrs, groups)]
        ratio = (1 + math.cos(math.pi * e / t_max)) / (1 + math.cos(math.pi * (e - 1) / t_max))
        return [ratio * (g["lr"] - eta_min) + eta_min for g in groups]


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
        _check_count("LinearLR", total_iters)
        super().__init__(optimizer, last_epoch)
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        self._initial_step()

    def _closed_lr(self) -> list[float]:
        t = min(self.last_epoch, self.total_iters)
        f = self.start_factor + (self.end_factor - self.start_factor) * t / self.total_iters
        return [base * f for base in self.base_lrs]

    def _chain_lr(self) -> list[float]:
        """``lr · start_factor`` at step 0, then the ratio of consecutive factors."""
        e, start, end = self.last_epoch, self.start_factor, self.end_factor
        groups = self.optimizer.param_groups
        if e == 0:
            return [g["lr"] * start for g in groups]
        if self._is_initial or e > self.total_iters:
            return _current(self)
        f = 1.0 + (end - start) / (self.total_iters * start + (e - 1) * (end - start))
        return [g["lr"] * f for g in groups]


class _ComposedLR(LRScheduler):
    """A schedule made of other schedules (``self._schedulers``): its state holds theirs."""

    _schedulers: list[LRScheduler]

    def state_dict(self) -> dict[str, Any]:
        """Own attributes plus the schedules' states under ``"_schedulers"`` (PyTorch's keys)."""
        state = self._own_state()
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = {k: _plain(v) for k, v in state_dict.items()}
        subs = state.pop("_schedulers")
        if len(subs) != len(self._schedulers):
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: the state has {len(subs)} schedules, "
                f"this one {len(self._schedulers)}"
            )
        self.__dict__.update(state)
        for s, sd in zip(self._schedulers, subs, strict=True):
            s.load_state_dict(sd)


class SequentialLR(_ComposedLR):
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
            if not isinstance(s, LRScheduler) or isinstance(
                s, (ReduceLROnPlateau, SequentialLR, ChainedScheduler)
            ):
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
        first = self._schedulers[idx]
        for s in self._schedulers:  # PyTorch "undoes" the others' steps of construction
            if s is not first:
                s.last_epoch -= 1
        if self.last_epoch == start:
            # PyTorch redoes the first schedule's step of construction, in its recursive form,
            # from the groups' initial_lr (which a OneCycleLR built later may have rewritten)
            first.last_epoch = -1
            first._initial_step()
            self._last_lr = first._last_lr
            return
        first._step_count = 1 if type(first).step is LRScheduler.step else 0
        first._is_initial = True  # the step of construction (MultiplicativeLR keeps the rate)
        try:
            first._set_epoch(self.last_epoch - start)
        finally:
            del first._is_initial
        self._last_lr = first._last_lr

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


#: the fields of a phase of :class:`OneCycleLR` (PyTorch's ``_schedule_phases``' keys)
_PHASE_KEYS = ("end_step", "start_lr", "end_lr", "start_momentum", "end_momentum")


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
        if not (isinstance(pct_start, float) and 0.0 <= pct_start <= 1.0):  # PyTorch's check
            raise ValueError(
                f"OneCycleLR: pct_start must be a float in [0, 1] (PyTorch's check: 0.0, not 0), "
                f"got {pct_start!r}"
            )
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}"
            )
        n = self.total_steps
        if three_phase:
            phases = [
                (float(pct_start * n) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (
                    float(2 * pct_start * n) - 2,
                    "max_lr",
                    "initial_lr",
                    "base_momentum",
                    "max_momentum",
                ),
                (n - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            phases = [
                (float(pct_start * n) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (n - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        #: PyTorch's attributes (and state): the phases as dicts, the annealing's name
        self._schedule_phases = [dict(zip(_PHASE_KEYS, p, strict=True)) for p in phases]
        self._anneal_func_type = anneal_strategy
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

    @property
    def anneal_strategy(self) -> str:
        """``"cos"`` or ``"linear"`` (saved as PyTorch's ``_anneal_func_type``)."""
        return self._anneal_func_type

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def _closed_lr(self) -> list[float]:
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
            phases = self._schedule_phases
            for i, phase in enumerate(phases):
                end, lr0, lr1, m0, m1 = (phase[k] for k in _PHASE_KEYS)
                if step <= end or i == len(phases) - 1:
                    pct = (step - start) / (end - start)
                    lrs.append(self._anneal(group[lr0], group[lr1], pct))
                    if self.cycle_momentum:
                        self._set_momentum(group, self._anneal(group[m0], group[m1], pct))
                    break
                start = end
        return lrs

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["_schedule_phases"] = [dict(p) for p in self._schedule_phases]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Also takes deepgrad's older state (``_phases`` as lists, ``anneal_strategy``)."""
        state = dict(state_dict)
        old_phases = state.pop("_phases", None)
        if old_phases is not None:
            state["_schedule_phases"] = [dict(zip(_PHASE_KEYS, p, strict=True)) for p in old_phases]
        if "anneal_strategy" in state:
            state["_anneal_func_type"] = state.pop("anneal_strategy")
        for k in ("div_factor", "final_div_factor"):  # only construction used them
            state.pop(k, None)
        super().load_state_dict(state)
        self._schedule_phases = [
            {k: _plain(v) for k, v in p.items()} for p in self._schedule_phases
        ]


class ReduceLROnPlateau(LRScheduler):
    """Multiply the rate by ``factor`` when a metric has stopped improving (PyTorch's).

    ``step(metric)`` after each evaluation: if the metric has not improved on the best seen
    (``mode="min"``: below ``best · (1 − threshold)`` with ``threshold_mode="rel"``, or
    ``best − threshold`` with ``"abs"``; ``"max"`` mirrors) for more than ``patience`` calls,
    every group's rate becomes ``max(lr · factor, min_lr)`` (changes below ``eps`` are ignored)
    and ``cooldown`` calls pass before counting again. The counting is
    :class:`~deepgrad.optim.plateau.Plateau`'s ``rule="torch"``, the logic the Keras-style
    callback :class:`deepgrad.callbacks.ReduceLROnPlateau` shares (with Keras's rule).
    """

    _unsaved = ("optimizer", "_plateau")
    #: the tracker's attributes, shown and saved under PyTorch's names
    _PLATEAU = (
        "mode",
        "patience",
        "threshold",
        "threshold_mode",
        "cooldown",
        "best",
        "num_bad_epochs",
        "cooldown_counter",
    )
    mode = plateau_attribute("mode")
    patience = plateau_attribute("patience")
    threshold = plateau_attribute("threshold")
    threshold_mode = plateau_attribute("threshold_mode")
    cooldown = plateau_attribute("cooldown")
    best = plateau_attribute("best")
    num_bad_epochs = plateau_attribute("num_bad_epochs")
    cooldown_counter = plateau_attribute("cooldown_counter")

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
            self.default_min_lr: float | None = None
            self.min_lrs = [float(v) for v in min_lr]
        else:
            self.default_min_lr = float(min_lr)
            self.min_lrs = [float(min_lr)] * len(optimizer.param_groups)
        self._plateau = Plateau(mode, patience, threshold, threshold_mode, cooldown, rule="torch")
        if not optimizer.is_bound:
            self._built_unbound = True
        self.factor = factor
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = [g["lr"] for g in optimizer.param_groups]

    def is_better(self, a: float, best: float) -> bool:
        """Whether metric ``a`` improves on ``best`` by more than the threshold."""
        return self._plateau.is_better(a, best)

    def step(self, metrics: float, epoch: int | None = None) -> None:  # type: ignore[override]
        """Record one value of the monitored metric and reduce the rate if it has plateaued
        (``epoch``, deprecated in PyTorch and warning as there, sets ``last_epoch``)."""
        if epoch is None:
            self.last_epoch += 1
        else:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
            self.last_epoch = epoch
        if self._plateau.step(float(metrics)):
            groups = self.optimizer.param_groups
            if len(self.min_lrs) != len(groups) and self.default_min_lr is not None:
                self.min_lrs = [self.default_min_lr] * len(groups)  # groups added (or bound)
            elif len(self.min_lrs) != len(groups) and not self._built_unbound:
                raise RuntimeError(  # PyTorch's error
                    f"The number of param groups in the `optimizer` ({len(groups)}) differs "
                    f"from when `ReduceLROnPlateau` was initialized ({len(self.min_lrs)}), "
                    "usually due to a new param group being added to the optimizer. Please "
                    "modify the `min_lrs` field to match the length of the `optimizer` param "
                    "groups."
                )
            scale_lr(self.optimizer, self.factor, _expand(self.min_lrs, groups), self.eps)
        self._last_lr = [g["lr"] for g in self.optimizer.param_groups]

    @property
    def in_cooldown(self) -> bool:
        return self._plateau.in_cooldown

    def state_dict(self) -> dict[str, Any]:
        """The schedule's attributes and the tracker's (PyTorch's keys, ``mode_worse`` the
        starting ``best``)."""
        state = {**self._own_state(), **{k: getattr(self, k) for k in self._PLATEAU}}
        state["mode_worse"] = math.inf if self.mode == "min" else -math.inf
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = {k: _plain(v) for k, v in state_dict.items()}
        state.pop("mode_worse", None)  # follows from mode
        for k in self._PLATEAU:
            if k in state:
                setattr(self, k, state.pop(k))
        self.__dict__.update(state)


class ConstantLR(LRScheduler):
    """The rate times a constant ``factor`` for the first ``total_iters`` steps, then the base
    rate::

        lr = base_lr · factor   if epoch < total_iters,   else base_lr
    """

    def __init__(
        self,
        optimizer: Optimizer,
        factor: float = 1.0 / 3,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        if not (isinstance(factor, numbers.Real) and 0.0 <= factor <= 1.0):
            raise ValueError(f"ConstantLR: factor must be in [0, 1], got {factor!r}")
        _check_count("ConstantLR", total_iters)
        super().__init__(optimizer, last_epoch)
        self.factor = factor
        self.total_iters = total_iters
        self._initial_step()

    def _closed_lr(self) -> list[float]:
        f = self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor)
        return [base * f for base in self.base_lrs]

    def _chain_lr(self) -> list[float]:
        """``lr · factor`` at step 0, ``lr / factor`` at ``total_iters``, else ``lr``."""
        e, groups = self.last_epoch, self.optimizer.param_groups
        if e == 0:
            return [g["lr"] * self.factor for g in groups]
        if e != self.total_iters:
            return _current(self)
        return [g["lr"] * (1.0 / self.factor) for g in groups]


class PolynomialLR(LRScheduler):
    """Polynomial decay of the rate over ``total_iters`` steps::

        lr = base_lr · (1 − min(epoch, total_iters) / total_iters)^power

    It reaches 0 at ``total_iters`` (with ``power > 0``) and stays there.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        total_iters: int = 5,
        power: float = 1.0,
        last_epoch: int = -1,
    ) -> None:
        _check_count("PolynomialLR", total_iters)
        if not (isinstance(power, numbers.Real) and power >= 0):
            raise ValueError(f"PolynomialLR: power must be a number >= 0, got {power!r}")
        super().__init__(optimizer, last_epoch)
        self.total_iters = total_iters
        self.power = power
        self._initial_step()

    def _closed_lr(self) -> list[float]:
        f = (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters) ** self.power
        return [base * f for base in self.base_lrs]

    def _chain_lr(self) -> list[float]:
        """``lr`` times the ratio of consecutive factors (``lr`` after ``total_iters``)."""
        e, n = self.last_epoch, self.total_iters
        if self._is_initial or e > n:
            return _current(self)
        f = ((1.0 - e / n) / (1.0 - (e - 1) / n)) ** self.power
        return [g["lr"] * f for g in self.optimizer.param_groups]


class MultiplicativeLR(_LambdasLR):
    """Multiply the current rate by ``lr_lambda(epoch)`` at every step (not at construction)::

        lr ← lr · lr_lambda(epoch)

    ``lr_lambda`` is a function or one per group. Unlike the closed-form schedules this one
    reads the rate it changes, so resuming needs the optimizer's state (which holds the rate)
    as well as this one's; the functions are not part of :meth:`state_dict`.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"MultiplicativeLR expects a deepgrad Optimizer, got {type(optimizer).__name__}"
            )
        n = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n:
                raise ValueError(f"MultiplicativeLR: expected {n} lr_lambdas, got {len(lr_lambda)}")
            fns = list(lr_lambda)
        else:
            fns = [lr_lambda] * n
        for fn in fns:
            if not callable(fn):
                raise TypeError(
                    f"MultiplicativeLR: lr_lambda should be a function, got {type(fn).__name__}"
                )
        super().__init__(optimizer, last_epoch)
        self.lr_lambdas = fns
        self._initial_step()

    def _closed_lr(self) -> list[float]:
        if self._is_initial:
            return _current(self)
        groups = self.optimizer.param_groups
        fns = self.lr_lambdas
        if len(fns) == 1 and self._built_unbound:  # an unbound optimizer's placeholder group
            fns = fns * len(groups)
        return [g["lr"] * fn(self.last_epoch) for fn, g in zip(fns, groups, strict=True)]


class CosineAnnealingWarmRestarts(LRScheduler):
    """Cosine annealing with warm restarts (SGDR, Loshchilov & Hutter, 2017)::

        lr = eta_min + (base_lr − eta_min) · (1 + cos(π · T_cur / T_i)) / 2

    ``T_cur`` counts the steps since the last restart; a restart happens when it reaches
    ``T_i``, the current period, which starts at ``T_0`` and is multiplied by ``T_mult`` at
    every restart. ``step()`` advances by one; ``step(epoch)`` jumps to ``epoch``, which may
    be fractional (``step(epoch + i / iters)`` once per batch), as in PyTorch.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        T_0: int,  # noqa: N803 - PyTorch's names
        T_mult: int = 1,  # noqa: N803
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        if not (isinstance(T_0, int) and T_0 > 0):
            raise ValueError(
                f"CosineAnnealingWarmRestarts: T_0 must be a positive int, got {T_0!r}"
            )
        if not (isinstance(T_mult, int) and T_mult >= 1):
            raise ValueError(
                f"CosineAnnealingWarmRestarts: T_mult must be an int >= 1, got {T_mult!r}"
            )
        if not isinstance(eta_min, numbers.Real):
            raise ValueError(
                f"CosineAnnealingWarmRestarts: eta_min must be a number, got {eta_min!r}"
            )
        super().__init__(optimizer, last_epoch)
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur: float = last_epoch
        self._initial_step()

    def _closed_lr(self) -> list[float]:
        c = (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
        return [self.eta_min + (base - self.eta_min) * c for base in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:  # type: ignore[override]
        """Advance one step, or go to ``epoch`` (a float >= 0) when given."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            if not epoch >= 0:
                raise ValueError(
                    f"CosineAnnealingWarmRestarts: expected a non-negative epoch, got {epoch!r}"
                )
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:
                    n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult**n
            else:
                self.T_i = self.T_0
                self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        self._apply(self._closed_lr())


class CyclicLR(LRScheduler):
    """Cyclical learning rates (Smith, 2017), stepped once per batch.

    The rate goes from ``base_lr`` up to ``max_lr`` over ``step_size_up`` steps and back
    over ``step_size_down`` (default: the same), the height of the cycle scaled by a policy::

        cycle = ⌊1 + epoch / (up + down)⌋,   x = 1 + epoch / (up + down) − cycle
        s = x / r if x ≤ r else (x − 1) / (r − 1)          (r = up / (up + down))
        lr = base_lr + (max_lr − base_lr) · s · scale

    ``mode="triangular"``: scale 1; ``"triangular2"``: scale ``1 / 2^(cycle − 1)`` (halved
    every cycle); ``"exp_range"``: scale ``gamma^epoch``. A custom ``scale_fn(x)`` replaces the
    mode, evaluated at ``cycle`` or at the step count (``scale_mode="cycle"`` or
    ``"iterations"``); it is not part of :meth:`state_dict`.

    With ``cycle_momentum`` (the default) the momentum — or Adam's β1 — moves the other way,
    from ``max_momentum`` down to ``base_momentum`` and back; an optimizer with neither
    (Adagrad...) raises ``ValueError`` (pass ``cycle_momentum=False``).
    """

    _unsaved = ("optimizer", "_scale_fn_custom", "_base_lrs")

    def __init__(
        self,
        optimizer: Optimizer,
        base_lr: float | Sequence[float],
        max_lr: float | Sequence[float],
        step_size_up: int = 2000,
        step_size_down: int | None = None,
        mode: str = "triangular",
        gamma: float = 1.0,
        scale_fn: Callable[[float], float] | None = None,
        scale_mode: str = "cycle",
        cycle_momentum: bool = True,
        base_momentum: float | Sequence[float] = 0.8,
        max_momentum: float | Sequence[float] = 0.9,
        last_epoch: int = -1,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"CyclicLR expects a deepgrad Optimizer, got {type(optimizer).__name__}"
            )
        if not (isinstance(step_size_up, numbers.Real) and step_size_up > 0):
            raise ValueError(f"CyclicLR: step_size_up must be > 0, got {step_size_up!r}")
        if step_size_down is not None and not (
            isinstance(step_size_down, numbers.Real) and step_size_down >= 0
        ):
            raise ValueError(f"CyclicLR: step_size_down must be >= 0, got {step_size_down!r}")
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError(
                "CyclicLR: mode must be 'triangular', 'triangular2' or 'exp_range' (or give "
                f"scale_fn), got {mode!r}"
            )
        if scale_mode not in ("cycle", "iterations"):
            raise ValueError(
                f"CyclicLR: scale_mode must be 'cycle' or 'iterations', got {scale_mode!r}"
            )
        if scale_fn is not None and not callable(scale_fn):
            raise TypeError(f"CyclicLR: scale_fn must be callable, got {type(scale_fn).__name__}")
        groups = optimizer.param_groups
        base_lrs = _per_group("base_lr", base_lr, len(groups))
        if last_epoch == -1:
            for group, lr in zip(groups, base_lrs, strict=True):
                group["lr"] = lr
        self.max_lrs = _per_group("max_lr", max_lr, len(groups))
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        if scale_fn is None:
            self.scale_mode = "iterations" if mode == "exp_range" else "cycle"
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(
                    f"CyclicLR: cycle_momentum=True needs an optimizer with momentum or betas "
                    f"(PyTorch: optimizer must support momentum or beta1 with `cycle_momentum` "
                    f"option enabled); {type(optimizer).__name__} has neither (pass "
                    "cycle_momentum=False)"
                )
            self.use_beta1 = "betas" in optimizer.defaults
            self.base_momentums = _per_group("base_momentum", base_momentum, len(groups))
            self.max_momentums = _per_group("max_momentum", max_momentum, len(groups))
            if last_epoch == -1:
                moms = zip(groups, self.max_momentums, self.base_momentums, strict=True)
                for group, mm, bm in moms:
                    self._set_momentum(group, mm)
                    group["max_momentum"] = mm
                    group["base_momentum"] = bm
        super().__init__(optimizer, last_epoch)
        self._base_lrs = base_lrs
        self._own_initial = True
        try:
            self._initial_step()
        finally:
            del self._own_initial

    #: true during the step of construction (and its replay by ChainedScheduler), not when
    #: SequentialLR redoes it
    _own_initial = False

    def _replay_initial(self) -> None:
        self._own_initial = True
        try:
            super()._replay_initial()
        finally:
            del self._own_initial

    @property
    def base_lrs(self) -> list[float]:  # type: ignore[override]
        """The lower bounds of the cycles (``base_lr``), one per group."""
        return self._base_lrs

    @base_lrs.setter
    def base_lrs(self, value: Sequence[float]) -> None:
        self._base_lrs = list(value)

    def _load_base_lrs(self, bases: list[float]) -> None:
        self._base_lrs = [float(b) for b in bases]

    def state_dict(self) -> dict[str, Any]:
        """PyTorch's state; ``_scale_fn_custom`` is ``None`` but for a callable object (its
        attributes)."""
        state = super().state_dict()
        state["_scale_fn_custom"] = None
        if self._scale_fn_custom is not None:
            state["_scale_fn_custom"] = _callable_states([self._scale_fn_custom], 1)[0]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        fn = state.pop("_scale_fn_custom", None)
        super().load_state_dict(state)
        if fn is not None and self._scale_fn_custom is not None:
            _load_callable_states([self._scale_fn_custom], [fn])

    def _set_momentum(self, group: dict[str, Any], value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def scale_fn(self, x: float) -> float:
        """The policy's scale of the cycle's height at ``x`` (a cycle or a step count)."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma**x

    def _closed_lr(self) -> list[float]:
        """The rates at ``last_epoch``; sets the momenta too with ``cycle_momentum``."""
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        if x <= self.step_ratio:
            scale_factor = x / self.step_ratio
        else:
            scale_factor = (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        groups = self.optimizer.param_groups
        # PyTorch assigns base_lrs after its constructor's step, which used the groups'
        # initial_lr: base_lr unless another schedule had set it first (SequentialLR's redone
        # step uses base_lr)
        bases = [g["initial_lr"] for g in groups] if self._own_initial else self.base_lrs
        u = self._built_unbound
        pairs = zip(_expand(bases, groups, u), _expand(self.max_lrs, groups, u), strict=True)
        lrs = [base + (top - base) * scale_factor * scale for base, top in pairs]
        if self.cycle_momentum:
            pairs = zip(
                _expand(self.base_momentums, groups, u),
                _expand(self.max_momentums, groups, u),
                strict=True,
            )
            moms = [top - (top - base) * scale_factor * scale for base, top in pairs]
            for group, m in zip(groups, moms, strict=True):
                self._set_momentum(group, m)
        return lrs


class ChainedScheduler(_ComposedLR):
    """Compose schedules: every ``step()`` steps each of ``schedulers`` in order, each one
    changing the rate the previous one left (PyTorch's ``ChainedScheduler``), e.g. a constant
    warm-up factor on top of an exponential decay::

        warm = optim.ConstantLR(opt, factor=0.1, total_iters=2)
        decay = optim.ExponentialLR(opt, gamma=0.9)
        sched = optim.ChainedScheduler([warm, decay])

    Every schedule steps by PyTorch's recursive forms (:meth:`LRScheduler._chain_lr`: StepLR
    multiplies the current rate by ``gamma``, and so on), so that their effects multiply; those that are closed forms in PyTorch too (:class:`LambdaLR`,
    :class:`CyclicLR`, :class:`OneCycleLR`, :class:`CosineAnnealingWarmRestarts`) overwrite
    the rate. Construction redoes the schedules' first steps in that form, from the groups'
    ``initial_lr``. Give the schedules freshly built. :class:`ReduceLROnPlateau` and
    :class:`SequentialLR` cannot be chained.
    """

    _unsaved = ("optimizer", "_schedulers")

    def __init__(
        self, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None = None
    ) -> None:
        if not schedulers:
            raise ValueError("ChainedScheduler expects at least one scheduler")
        if optimizer is None:
            optimizer = getattr(schedulers[0], "optimizer", None)
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"ChainedScheduler expects a deepgrad Optimizer, got {type(optimizer).__name__}"
            )
        for i, s in enumerate(schedulers):
            if not isinstance(s, LRScheduler):
                raise TypeError(
                    f"ChainedScheduler: scheduler {i} is a {type(s).__name__}, not a schedule"
                )
            if isinstance(s, (ReduceLROnPlateau, SequentialLR)):
                raise ValueError(
                    f"ChainedScheduler: scheduler {i} ({type(s).__name__}) cannot be chained"
                )
            if s.optimizer is not optimizer:
                raise ValueError(
                    f"ChainedScheduler: scheduler {i} ({type(s).__name__}) belongs to another "
                    "optimizer"
                )
        self.optimizer = optimizer
        self._schedulers = list(schedulers)
        for s in self._schedulers:
            s._chained = True
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        self._replay_initial()
        self._last_lr = _current(self)

    @property
    def last_epoch(self) -> int:  # type: ignore[override]
        """The steps taken since construction (the first schedule's count; not saved, as in
        PyTorch, whose ChainedScheduler has none)."""
        return self._schedulers[0].last_epoch

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        state.pop("last_epoch", None)  # in deepgrad's older states
        super().load_state_dict(state)

    def _replay_initial(self) -> None:
        for s in self._schedulers:
            s._replay_initial()

    def step(self) -> None:
        """Step every schedule, in order."""
        for s in self._schedulers:
            s.step()
        self._last_lr = _current(self)


def _plain(value: Any) -> Any:
    """``value`` as plain Python: a tensor or NumPy value becomes a number or a list (PyTorch's
    rates may be tensors), a tuple a list."""
    if hasattr(value, "tolist") and not isinstance(value, (list, tuple, str, dict)):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _callable_states(fns: list[Any], n: int) -> list[dict[str, Any] | None]:
    """PyTorch's saved form of functions (``lr_lambdas``, ``scale_fn``), one per group: a
    callable object's ``__dict__``, ``None`` for a function or lambda (not saved)."""
    fns = fns * n if len(fns) == 1 else fns
    return [None if isinstance(fn, types.FunctionType) else dict(vars(fn)) for fn in fns]


def _load_callable_states(fns: list[Any], states: list[dict[str, Any] | None] | None) -> None:
    """Update callable objects from :func:`_callable_states`'s form."""
    for i, st in enumerate(states or []):
        if st is not None:
            vars(fns[i if len(fns) > 1 else 0]).update(st)


def _current(sched: LRScheduler) -> list[float]:
    """The groups' current learning rates."""
    return [g["lr"] for g in sched.optimizer.param_groups]


def _expand(values: list[float], groups: list[dict[str, Any]], unbound: bool = True) -> list[float]:
    """Per-group values given for an unbound optimizer's one placeholder group, repeated for
    the groups that binding created (the placeholder's values are every group's); not for a
    schedule built on bound groups (``unbound=False``: a group added later is PyTorch's error)."""
    if unbound and len(values) == 1 and len(groups) > 1:
        return values * len(groups)
    return values
