"""Adamax: Adam with the infinity norm of the gradients in place of their second moment."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import backend
from .adam import _check_betas
from .optimizer import Optimizer, _floats


class Adamax(Optimizer):
    """Adamax (Kingma & Ba, 2015, section 7.1), PyTorch's rule. At step ``t`` (from 1)::

        g ← −g                                        (if maximize)
        g ← g + weight_decay · w                      (if weight_decay)
        m ← m + (1 − β1) · (g − m)                    (= β1 · m + (1 − β1) · g)
        u ← max(β2 · u, |g| + eps)
        w ← w − lr / (1 − β1ᵗ) · m / u

    Parameters
    ----------
    params : iterable of Tensor or of group dicts, optional (see :class:`Optimizer`)
    lr : float
        Learning rate (default 2e-3).
    betas : (float, float)
        Decay rates ``(β1, β2)`` of the first moment and of the infinity norm, each in [0, 1)
        (default (0.9, 0.999)).
    eps : float
        Added to ``|g|`` so that ``u`` is never 0 (default 1e-8).
    weight_decay : float
        L2 penalty added to the gradient (default 0).
    maximize : bool
        Ascend: the rule sees ``−g`` (keyword only).

    State per parameter: ``step``, ``exp_avg`` (m), ``exp_inf`` (u).
    """

    _sparse_refusal = "Adamax does not support sparse gradients"

    name = "adamax"

    def __init__(
        self,
        params: Iterable[Any] | None = None,
        lr: float = 0.002,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-08,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr=lr,
            betas=tuple(betas),
            eps=eps,
            weight_decay=weight_decay,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            capturable=capturable,
        )

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        _check_betas("Adamax", group)

    def _state_keys(self, group: dict[str, Any]) -> tuple[str, ...]:
        return ("exp_avg", "exp_inf")

    def _direction(self, g: Any, state: dict[str, Any], tmp: Any, group: dict, t: int) -> None:
        """Update ``m`` and ``u`` with ``g``; ``tmp ← lr / (1 − β1ᵗ) · m / u``."""
        xp = backend.xp
        beta1, beta2 = (float(b) for b in group["betas"])
        lr, eps = _floats(group, "lr", "eps")
        m, u = state["exp_avg"], state["exp_inf"]
        xp.subtract(g, m, out=tmp)  # m.lerp_(g, 1 − β1)
        tmp *= 1.0 - beta1
        m += tmp
        u *= beta2
        xp.abs(g, out=tmp)
        tmp += eps
        xp.maximum(u, tmp, out=u)
        xp.divide(m, u, out=tmp)
        tmp *= lr / (1.0 - beta1**t)
