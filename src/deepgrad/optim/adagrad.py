"""Adagrad: per-coordinate learning rates that shrink with the accumulated squared gradients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import backend
from .optimizer import Optimizer, _floats


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011), PyTorch's ``Adagrad`` rule. At step ``t`` (from 1)::

        g  ← −g                                     (if maximize)
        g  ← g + weight_decay · w                   (if weight_decay)
        η_t = lr / (1 + (t − 1) · lr_decay)
        h  ← h + g²                                 (h starts at initial_accumulator_value)
        w  ← w − η_t · g / (√h + eps)

    Parameters
    ----------
    params : iterable of Tensor or of group dicts, optional
    lr : float
        Learning rate (default 0.01).
    lr_decay : float
        Decay of the learning rate with the step count (default 0).
    weight_decay : float
        L2 penalty added to the gradient (default 0).
    initial_accumulator_value : float
        Starting value of ``h`` (default 0).
    eps : float
        Added to ``√h`` (default 1e-10).
    maximize : bool
        Ascend: the rule sees ``−g`` (keyword only).

    State per parameter: ``step``, ``sum`` (``h``).
    """

    name = "adagrad"

    def __init__(
        self,
        params: Iterable[Any] | None = None,
        lr: float = 0.01,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
            maximize=maximize,
            foreach=foreach,
            differentiable=differentiable,
            fused=fused,
        )

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        for key in ("lr_decay", "initial_accumulator_value"):
            if group.get(key, 0) < 0:
                raise ValueError(f"Adagrad: invalid {key}={group[key]!r}; expected >= 0")

    def _state_keys(self, group: dict[str, Any]) -> tuple[str, ...]:
        return ("sum",)

    def _initial_value(self, key: str, group: dict[str, Any]) -> float:
        return float(group["initial_accumulator_value"])

    def _direction(self, g: Any, state: dict[str, Any], tmp: Any, group: dict, t: int) -> None:
        """``h ← h + g²``; ``tmp ← lr / (1 + (t − 1) · lr_decay) · g / (√h + eps)``."""
        xp = backend.xp
        lr, lr_decay, eps = _floats(group, "lr", "lr_decay", "eps")
        h = state["sum"]
        xp.multiply(g, g, out=tmp)
        h += tmp
        xp.sqrt(h, out=tmp)
        tmp += eps
        xp.divide(g, tmp, out=tmp)
        tmp *= lr / (1 + (t - 1) * lr_decay)
