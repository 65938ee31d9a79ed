"""Adagrad: per-coordinate learning rates that shrink with the accumulated squared gradients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import backend
from ..nn.parameter import is_lazy
from .optimizer import Optimizer, _floats


def _refuse_lazy(params: list[Any]) -> None:
    """PyTorch's ``ValueError`` for ``Adagrad(params)`` given a lazy layer's uninitialized
    parameter: PyTorch fills each parameter's ``sum`` at construction, which needs its shape
    (the other optimizers build their state at the first step, and take them)."""
    if any(is_lazy(p) for p in params):
        raise ValueError(
            "Adagrad: attempted to use an uninitialized parameter (a lazy layer's, before its "
            "first call): Adagrad builds its state at construction, which needs the "
            "parameters' shapes. Call the model's forward with a dummy batch first, then "
            "build the optimizer (the other optimizers take uninitialized parameters)"
        )


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

    As PyTorch's, which builds that state at construction, it refuses a lazy layer's
    uninitialized parameters there (``ValueError``): run the layer once before building it.
    """

    name = "adagrad"

    def __init__(
        self,
        params: Iterable[Any] | None = None,
        lr: float = 0.01,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            lr=lr,
            lr_decay=lr_decay,
            eps=eps,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            fused=fused,
        )
        _refuse_lazy(self._all_params() if params is not None else [])

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
