"""AdaDelta: step sizes from the ratio of running RMS of updates and of gradients (no lr needed)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import backend
from .optimizer import Optimizer, _floats


class AdaDelta(Optimizer):
    """AdaDelta (Zeiler, 2012), PyTorch's ``Adadelta`` rule::

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

    State per parameter: ``step``, ``square_avg`` (``s``), ``acc_delta`` (``u``).
    """

    name = "adadelta"

    def __init__(
        self,
        params: Iterable[Any] | None = None,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr=lr, rho=rho, eps=eps, weight_decay=weight_decay)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        self._check_range(group, "rho", 0.0, 1.0, closed=True)

    def step(self) -> None:
        """One update of every parameter that has a gradient."""
        self._require_bound()
        xp = backend.xp
        for group in self.param_groups:
            lr, rho, eps, wd = _floats(group, "lr", "rho", "eps", "weight_decay")
            for p in group["params"]:
                if p.grad is None:
                    continue
                w, g = p.data, p.grad.data
                state = self.state.get(p)
                if not state:
                    state = self.state[p] = {
                        "step": 0,
                        "square_avg": xp.zeros_like(w),
                        "acc_delta": xp.zeros_like(w),
                    }
                state["step"] += 1
                if wd:
                    g = w * wd
                    g += p.grad.data
                s, u, tmp = state["square_avg"], state["acc_delta"], self._tmp(p)
                s *= rho
                xp.multiply(g, g, out=tmp)
                tmp *= 1.0 - rho
                s += tmp
                delta = u + eps  # a fresh array: Δ is needed while tmp is reused
                xp.sqrt(delta, out=delta)
                xp.add(s, eps, out=tmp)
                xp.sqrt(tmp, out=tmp)
                delta /= tmp
                delta *= g
                u *= rho
                xp.multiply(delta, delta, out=tmp)
                tmp *= 1.0 - rho
                u += tmp
                delta *= lr
                w -= delta
