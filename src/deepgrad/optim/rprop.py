"""Rprop: per-coordinate step sizes adapted from the sign changes of the gradient."""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

from .. import backend
from .optimizer import Optimizer


class Rprop(Optimizer):
    """Resilient backpropagation (Riedmiller & Braun, 1993), PyTorch's ``Rprop`` rule. Each
    coordinate has its own step size ``s`` (starting at ``lr``) and moves by ``s`` against the
    sign of its gradient; ``prev`` is the gradient of the previous step::

        g ← −g                                        (if maximize)
        f = etaplus if g · prev > 0, etaminus if g · prev < 0, else 1
        s ← clip(s · f, step_size_min, step_size_max)
        g ← 0 where g · prev < 0                      (no move right after a sign change)
        w ← w − sign(g) · s;   prev ← g

    Meant for full-batch training: the gradient's magnitude is ignored, only its sign counts.

    Parameters
    ----------
    params : iterable of Tensor or of group dicts, optional (see :class:`Optimizer`)
    lr : float
        The initial step size (default 0.01).
    etas : (float, float)
        ``(etaminus, etaplus)``, the factors that shrink and grow a step size, with
        ``0 < etaminus < 1 < etaplus`` (default (0.5, 1.2)).
    step_sizes : (float, float)
        ``(step_size_min, step_size_max)``, the bounds of a step size (default (1e-6, 50)).
    maximize : bool
        Ascend: the rule sees ``−g`` (keyword only).

    State per parameter: ``step``, ``prev``, ``step_size``.
    """

    _sparse_refusal = "Rprop does not support sparse gradients"

    name = "rprop"

    def __init__(
        self,
        params: Iterable[Any] | None = None,
        lr: float = 0.01,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-06, 50),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr=lr,
            etas=tuple(etas),
            step_sizes=tuple(step_sizes),
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            capturable=capturable,
        )

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        etas = group.get("etas")
        if etas is not None:
            ok = (
                isinstance(etas, (tuple, list))
                and len(etas) == 2
                and all(isinstance(e, numbers.Real) for e in etas)
                and 0.0 < etas[0] < 1.0 < etas[1]
            )
            if not ok:
                raise ValueError(
                    f"Rprop: invalid etas={etas!r}; expected a pair (etaminus, etaplus) with "
                    "0 < etaminus < 1 < etaplus"
                )
        sizes = group.get("step_sizes")
        if sizes is not None:
            ok = (
                isinstance(sizes, (tuple, list))
                and len(sizes) == 2
                and all(isinstance(s, numbers.Real) for s in sizes)
                and 0.0 <= sizes[0] <= sizes[1]
            )
            if not ok:
                raise ValueError(
                    f"Rprop: invalid step_sizes={sizes!r}; expected a pair (step_size_min, "
                    "step_size_max) with 0 <= step_size_min <= step_size_max"
                )

    def _state_keys(self, group: dict[str, Any]) -> tuple[str, ...]:
        return ("prev", "step_size")

    def _initial_value(self, key: str, group: dict[str, Any]) -> float:
        return float(group["lr"]) if key == "step_size" else 0.0

    def _direction(self, g: Any, state: dict[str, Any], tmp: Any, group: dict, t: int) -> None:
        """Adapt the step sizes from ``sign(g · prev)``; ``tmp ← sign(g') · s`` with ``g'`` the
        gradient zeroed where its sign flipped (kept as the next ``prev``)."""
        xp = backend.xp
        etaminus, etaplus = (float(e) for e in group["etas"])
        lo, hi = (float(s) for s in group["step_sizes"])
        prev, size = state["prev"], state["step_size"]
        xp.multiply(g, prev, out=tmp)
        flipped = tmp < 0
        one = xp.ones((), dtype=tmp.dtype)
        factor = xp.where(tmp > 0, etaplus * one, xp.where(flipped, etaminus * one, one))
        size *= factor
        xp.clip(size, lo, hi, out=size)
        prev[...] = g
        prev[flipped] = 0
        xp.sign(prev, out=tmp)
        tmp *= size
