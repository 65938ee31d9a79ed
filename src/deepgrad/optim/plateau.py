"""The plateau logic: when has a watched quantity stopped improving?

One small tracker, used by both ``ReduceLROnPlateau`` classes — the schedule
(:class:`deepgrad.optim.ReduceLROnPlateau`, PyTorch's) and the callback
(:class:`deepgrad.callbacks.ReduceLROnPlateau`, Keras's). Each keeps its ecosystem's
constructor names and counting, which differ in three places (``rule``):

============================  ===================================  ==================================
                              ``rule="torch"``                     ``rule="keras"``
============================  ===================================  ==================================
act after                     more than ``patience`` bad steps     ``patience`` bad steps
                              (``num_bad_epochs > patience``)      (``wait >= patience``)
the step that ends cooldown   not counted as bad                   counted as bad
improvement                   ``threshold`` rel. (default) or abs  ``min_delta``, absolute
acting when the rate is at    restarts the count and the cooldown  neither: the bad steps go on
its floor (``min_lr``)                                             counting (:meth:`Plateau.acted`)
============================  ===================================  ==================================

``step(value)`` returns whether to act now (reduce the rate); once acted (``rule="torch"``:
always; ``rule="keras"``: when the caller calls :meth:`Plateau.acted`, as Keras does only when
the rate did fall) the counters restart and ``cooldown`` steps pass before bad steps count
again.

>>> p = Plateau(mode="min", patience=1, threshold=0.0, threshold_mode="abs", rule="keras")
>>> [p.step(v) for v in [1.0, 0.5, 0.7, 0.6]]
[False, False, True, True]
>>> p = Plateau(mode="min", patience=1, threshold=0.0, threshold_mode="abs", rule="torch")
>>> [p.step(v) for v in [1.0, 0.5, 0.7, 0.6, 0.8]]
[False, False, False, True, False]
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["Plateau"]

_RULES = ("torch", "keras")


class Plateau:
    """Counts steps without an improvement of a watched value (see the module's table).

    Parameters
    ----------
    mode : ``"min"`` or ``"max"``
        Whether lower or higher is better.
    patience : int
        Bad steps tolerated (``rule`` says whether acting comes after ``patience`` or more).
    threshold : float
        An improvement beats ``best`` by more than this: ``best · (1 ∓ threshold)`` with
        ``threshold_mode="rel"``, ``best ∓ threshold`` with ``"abs"``.
    threshold_mode : ``"rel"`` or ``"abs"``
    cooldown : int
        Steps after acting during which bad steps are not counted.
    rule : ``"torch"`` or ``"keras"``
        Whose counting (the module's table).

    Attributes ``best``, ``num_bad_epochs`` and ``cooldown_counter`` are the state
    (:meth:`state_dict`).
    """

    def __init__(
        self,
        mode: str = "min",
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        rule: str = "torch",
    ) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"plateau: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"plateau: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}"
            )
        if rule not in _RULES:
            raise ValueError(f"plateau: rule must be one of {_RULES}, got {rule!r}")
        self.mode = mode
        self.patience = patience
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.cooldown = cooldown
        self.rule = rule
        self.reset()

    def reset(self) -> None:
        """Forget the history: no best yet, no bad steps, no cooldown. (PyTorch's best
        starts at the worst value, so a NaN never improves; Keras's starts at ``None``, so the
        first value, even a NaN, is the best and nothing improves on a NaN.)"""
        if self.rule == "keras":
            self.best: float | None = None
        else:
            self.best = math.inf if self.mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def is_better(self, a: float, best: float) -> bool:
        """Whether value ``a`` improves on ``best`` by more than the threshold."""
        if self.mode == "min":
            if self.threshold_mode == "rel":
                return a < best * (1.0 - self.threshold)
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def step(self, value: float) -> bool:
        """Record one value; whether the quantity has plateaued (act now)."""
        improved = self.best is None or self.is_better(value, self.best)
        if improved:
            self.best = value
            self.num_bad_epochs = 0
        if self.rule == "torch":  # PyTorch's ReduceLROnPlateau.step
            if not improved:
                self.num_bad_epochs += 1
            if self.in_cooldown:
                self.cooldown_counter -= 1
                self.num_bad_epochs = 0
            act = self.num_bad_epochs > self.patience
        else:  # Keras's ReduceLROnPlateau.on_epoch_end
            if self.in_cooldown:
                self.cooldown_counter -= 1
                self.num_bad_epochs = 0
            if improved or self.in_cooldown:
                return False
            self.num_bad_epochs += 1
            # Keras restarts the counters only when the rate did fall (not at min_lr): the
            # caller says so with acted()
            return self.num_bad_epochs >= self.patience
        if act:
            self.acted()
        return act

    def acted(self) -> None:
        """The caller acted on :meth:`step`'s answer (the rate fell): restart the count and
        begin the cooldown. ``rule="torch"``'s ``step`` calls it itself, whether the rate
        could still fall or not (PyTorch's); under ``rule="keras"`` the caller calls it only
        when the rate fell, so at ``min_lr`` the bad epochs go on counting (Keras's ``wait``)."""
        self.cooldown_counter = self.cooldown
        self.num_bad_epochs = 0

    def state_dict(self) -> dict[str, Any]:
        return {
            "best": self.best,
            "num_bad_epochs": self.num_bad_epochs,
            "cooldown_counter": self.cooldown_counter,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best = None if state["best"] is None else float(state["best"])
        self.num_bad_epochs = int(state["num_bad_epochs"])
        self.cooldown_counter = int(state["cooldown_counter"])


def plateau_attribute(name: str, doc: str = "") -> property:
    """A property that reads and writes ``self._plateau.<name>``: how the two
    ``ReduceLROnPlateau`` classes show the tracker's settings and counters under their
    ecosystem's attribute names (``sched.num_bad_epochs``, the callback's ``wait``)."""

    def get(self: Any) -> Any:
        return getattr(self._plateau, name)

    def set_(self: Any, value: Any) -> None:
        setattr(self._plateau, name, value)

    return property(get, set_, doc=doc or f"The plateau tracker's ``{name}``.")
