"""RAdam: Adam whose adaptive step is switched on only once its variance is tractable."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from .. import backend
from .adam import _check_betas
from .optimizer import Optimizer, _floats


class RAdam(Optimizer):
    """Rectified Adam (Liu et al., 2020), PyTorch's ``RAdam`` rule. At step ``t`` (from 1)::

        g ← −g                                        (if maximize)
        g ← g + weight_decay · w                      (coupled L2, if weight_decay; or
                                                       w ← w · (1 − lr · weight_decay) if
                                                       decoupled_weight_decay)
        m ← m + (1 − β1) · (g − m)
        v ← β2 · v + (1 − β2) · g²
        ρ∞ = 2 / (1 − β2) − 1,   ρ_t = ρ∞ − 2t · β2ᵗ / (1 − β2ᵗ)
        if ρ_t > 5:  r_t = √((ρ_t − 4)(ρ_t − 2) ρ∞ / ((ρ∞ − 4)(ρ∞ − 2) ρ_t))
                     w ← w − lr · m / (1 − β1ᵗ) · r_t · √(1 − β2ᵗ) / (√v + eps)
        else:        w ← w − lr · m / (1 − β1ᵗ)           (SGD with momentum)

    Parameters
    ----------
    params : iterable of Tensor or of group dicts, optional (see :class:`Optimizer`)
    lr : float
        Learning rate (default 1e-3).
    betas : (float, float)
        ``(β1, β2)``, each in [0, 1) (default (0.9, 0.999)).
    eps : float
        Added to ``√v`` (default 1e-8).
    weight_decay : float
        Weight decay (default 0), coupled L2 unless ``decoupled_weight_decay``.
    decoupled_weight_decay : bool
        Decay the weights directly, as AdamW does (default False).
    maximize : bool
        Ascend: the rule sees ``−g`` (keyword only).

    State per parameter: ``step``, ``exp_avg`` (m), ``exp_avg_sq`` (v).
    """

    _sparse_refusal = "RAdam does not support sparse gradients"

    name = "radam"

    def __init__(
        self,
        params: Iterable[Any] | None = None,
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-08,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr=lr,
            betas=tuple(betas),
            eps=eps,
            weight_decay=weight_decay,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            decoupled_weight_decay=decoupled_weight_decay,
            differentiable=differentiable,
        )

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        _check_betas("RAdam", group)

    def _state_keys(self, group: dict[str, Any]) -> tuple[str, ...]:
        return ("exp_avg", "exp_avg_sq")

    def _decoupled(self, group: dict[str, Any]) -> bool:
        return bool(group.get("decoupled_weight_decay", False))

    def _direction(self, g: Any, state: dict[str, Any], tmp: Any, group: dict, t: int) -> None:
        """Update ``m`` and ``v`` with ``g``; ``tmp ← lr · m / (1 − β1ᵗ)``, times the
        rectified adaptive factor ``r_t · √(1 − β2ᵗ) / (√v + eps)`` once ``ρ_t > 5``."""
        xp = backend.xp
        beta1, beta2 = (float(b) for b in group["betas"])
        lr, eps = _floats(group, "lr", "eps")
        m, v = state["exp_avg"], state["exp_avg_sq"]
        xp.subtract(g, m, out=tmp)  # m.lerp_(g, 1 − β1)
        tmp *= 1.0 - beta1
        m += tmp
        v *= beta2
        xp.multiply(g, g, out=tmp)
        tmp *= 1.0 - beta2
        v += tmp
        bias1, bias2 = 1.0 - beta1**t, 1.0 - beta2**t
        rho_inf = 2.0 / (1.0 - beta2) - 1.0
        rho_t = rho_inf - 2.0 * t * beta2**t / bias2
        if rho_t > 5.0:
            rect = math.sqrt(
                (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
            )
            xp.sqrt(v, out=tmp)
            tmp += eps
            xp.divide(m, tmp, out=tmp)
            tmp *= lr * rect * math.sqrt(bias2) / bias1
        else:
            xp.multiply(m, lr / bias1, out=tmp)
