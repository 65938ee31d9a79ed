"""RMSprop: gradients divided by a running root-mean-square of their recent magnitudes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import backend
from .optimizer import Optimizer, _floats


class RMSprop(Optimizer):
    """RMSprop (Hinton, 2012), PyTorch's ``RMSprop`` rule::

        g ← −g                                        (if maximize)
        g ← g + weight_decay · w                      (if weight_decay)
        s ← alpha · s + (1 − alpha) · g²
        if centered:  a ← alpha · a + (1 − alpha) · g;   d = √(s − a²) + eps
        else:                                             d = √s + eps
        if momentum:  b ← momentum · b + g / d;   w ← w − lr · b
        else:         w ← w − lr · g / d

    Parameters
    ----------
    params : iterable of Tensor or of group dicts, optional
    lr : float
        Learning rate (default 0.01).
    alpha : float
        Smoothing constant of the squared-gradient average, in [0, 1) (default 0.99).
    eps : float
        Added to the root-mean-square (default 1e-8).
    weight_decay : float
        L2 penalty added to the gradient (default 0).
    momentum : float
        Momentum factor (default 0).
    centered : bool
        Divide by an estimate of the gradient's variance instead of its second moment.
    maximize : bool
        Ascend: the rule sees ``−g`` (keyword only).

    State per parameter: ``step``, ``square_avg``, ``momentum_buffer``, ``grad_avg``.
    """

    _sparse_refusal = "RMSprop does not support sparse gradients"

    name = "rmsprop"

    def __init__(
        self,
        params: Iterable[Any] | None = None,
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-08,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr=lr,
            momentum=momentum,
            alpha=alpha,
            eps=eps,
            centered=centered,
            weight_decay=weight_decay,
            capturable=capturable,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
        )

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        self._check_range(group, "alpha", 0.0, 1.0, closed=True)
        if group.get("momentum", 0) < 0:
            raise ValueError(f"RMSprop: invalid momentum={group['momentum']!r}; expected >= 0")

    def _state_keys(self, group: dict[str, Any]) -> tuple[str, ...]:
        keys = ("square_avg",)
        if group["momentum"] > 0:
            keys += ("momentum_buffer",)
        if group["centered"]:
            keys += ("grad_avg",)
        return keys

    def _direction(self, g: Any, state: dict[str, Any], tmp: Any, group: dict, t: int) -> None:
        """Update the averages with ``g``; ``tmp ← lr · g / d`` (or ``lr · b`` with momentum)."""
        xp = backend.xp
        lr, alpha, eps, mom = _floats(group, "lr", "alpha", "eps", "momentum")
        s = state["square_avg"]
        s *= alpha
        xp.multiply(g, g, out=tmp)
        tmp *= 1.0 - alpha
        s += tmp
        if group["centered"]:
            a = state["grad_avg"]
            xp.subtract(g, a, out=tmp)  # a.lerp_(g, 1 − alpha)
            tmp *= 1.0 - alpha
            a += tmp
            xp.multiply(a, a, out=tmp)
            xp.subtract(s, tmp, out=tmp)
            xp.sqrt(tmp, out=tmp)
        else:
            xp.sqrt(s, out=tmp)
        tmp += eps
        xp.divide(g, tmp, out=tmp)
        if mom > 0:
            b = state["momentum_buffer"]
            b *= mom
            b += tmp
            xp.multiply(b, lr, out=tmp)
        else:
            tmp *= lr
