"""Adadelta: step sizes from the ratio of running RMS of updates and of gradients (no lr needed)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import backend
from .optimizer import Optimizer, _floats


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012), PyTorch's ``Adadelta`` rule::

        g ← −g                                        (if maximize)
        g ← g + weight_decay · w                      (if weight_decay)
        s ← rho · s + (1 − rho) · g²
        Δ = √(u + eps) / √(s + eps) · g
        u ← rho · u + (1 − rho) · Δ²
        w ← w − lr · Δ

    Parameters
    ----------
    params : iterable of Tensor or of group dicts, optional
    lr : float
        Scale of the update (default 1.0).
    rho : float
        Decay of the running averages, in [0, 1] (default 0.9).
    eps : float
        Added inside both square roots (default 1e-6).
    weight_decay : float
        L2 penalty added to the gradient (default 0).
    maximize : bool
        Ascend: the rule sees ``−g`` (keyword only).

    State per parameter: ``step``, ``square_avg`` (``s``), ``acc_delta`` (``u``).
    """

    _sparse_refusal = "Adadelta does not support sparse gradients"

    name = "adadelta"

    def __init__(
        self,
        params: Iterable[Any] | None = None,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-06,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr=lr,
            rho=rho,
            eps=eps,
            weight_decay=weight_decay,
            maximize=maximize,
            capturable=capturable,
            foreach=foreach,
            differentiable=differentiable,
        )

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        self._check_range(group, "rho", 0.0, 1.0, closed=True)

    def _state_keys(self, group: dict[str, Any]) -> tuple[str, ...]:
        return ("square_avg", "acc_delta")

    def _direction(self, g: Any, state: dict[str, Any], tmp: Any, group: dict, t: int) -> None:
        """Update ``s`` and ``u`` with ``g``; ``tmp ← lr · Δ``."""
        xp = backend.xp
        lr, rho, eps = _floats(group, "lr", "rho", "eps")
        s, u = state["square_avg"], state["acc_delta"]
        s *= rho
        xp.multiply(g, g, out=tmp)
        tmp *= 1.0 - rho
        s += tmp
        delta = xp.add(u, eps, out=xp.empty_like(u))  # Δ is needed while tmp is reused
        xp.sqrt(delta, out=delta)
        xp.add(s, eps, out=tmp)
        xp.sqrt(tmp, out=tmp)
        delta /= tmp
        delta *= g
        u *= rho
        xp.multiply(delta, delta, out=tmp)
        tmp *= 1.0 - rho
        u += tmp
        xp.multiply(delta, lr, out=tmp)
