"""Learning rates per parameter group: the one place that reads, sets and scales them.

An optimizer's rate lives in each group (``group["lr"]``), and its *base* rate in
``group["initial_lr"]``, recorded the first time it is needed (as PyTorch's schedules record
it). The lead rate is group 0's: the rate a Keras-style schedule ``epoch -> lr`` and the
``lr`` column of a History speak of.

- :func:`get_lrs` — every group's rate; :func:`get_lr` — the lead rate (group 0's).
- :func:`set_lr` — a list gives each group its own rate; a single rate becomes group 0's and
  every other group's in proportion to its base rate (as PyTorch's schedules scale each
  group's base), so ``set_lr(opt, get_lrs(opt))`` and ``get_lr(set_lr(opt, r)) == r`` hold.
- :func:`scale_lr` — every group's rate times a factor, none below its ``min_lr``
  (``ReduceLROnPlateau``, both of them).
- :func:`base_lrs` — every group's base rate (the schedules' closed forms start there).

>>> import deepgrad as dg
>>> w, b = dg.nn.Parameter(dg.zeros(2)), dg.nn.Parameter(dg.zeros(1))
>>> opt = dg.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.01}], lr=0.1)
>>> set_lr(opt, 0.05); get_lrs(opt)
[0.05, 0.005]
>>> set_lr(opt, [0.2, 0.3]); get_lr(opt)
0.2
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["base_lrs", "get_lr", "get_lrs", "scale_lr", "set_lr"]


def base_lrs(optimizer: Any) -> list[float]:
    """Each group's base rate, ``group["initial_lr"]``, recorded from ``group["lr"]`` the first
    time."""
    return [g.setdefault("initial_lr", g["lr"]) for g in optimizer.param_groups]


def get_lrs(optimizer: Any) -> list[float]:
    """Every parameter group's learning rate, in order."""
    return [float(g["lr"]) for g in optimizer.param_groups]


def get_lr(optimizer: Any) -> float:
    """The lead learning rate: the first parameter group's (the one a Keras-style schedule
    ``epoch -> lr`` speaks of; :func:`set_lr` keeps the others in proportion)."""
    return float(optimizer.param_groups[0]["lr"])


def _per_group(name: str, value: Any, n: int) -> list[float]:
    """``value`` for each of ``n`` groups: a list or tuple of ``n``, or one value for all."""
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(
                f"expected {n} values for {name} (one per parameter group), got {len(value)}"
            )
        return [float(v) for v in value]
    return [float(value)] * n


def set_lr(optimizer: Any, lr: float | Sequence[float]) -> None:
    """Set the learning rates: a list or tuple gives each group its own; a single ``lr`` is
    the first group's, and group ``g`` gets ``lr · initial_lr_g / initial_lr_0`` (in proportion
    to its own base rate, as PyTorch's schedules scale each group's base; a first group whose
    base is 0 cannot give a proportion: every group then gets ``lr``)."""
    groups = optimizer.param_groups
    if isinstance(lr, (list, tuple)):
        for g, value in zip(groups, _per_group("set_lr", lr, len(groups)), strict=True):
            g["lr"] = value
        return
    bases = [float(b) for b in base_lrs(optimizer)]
    lr = float(lr)
    for i, (g, base) in enumerate(zip(groups, bases, strict=True)):
        g["lr"] = lr if i == 0 or bases[0] == 0 else lr * base / bases[0]


def scale_lr(
    optimizer: Any,
    factor: float,
    min_lr: float | Sequence[float] = 0.0,
    eps: float = 1e-12,
) -> bool:
    """Multiply every group's learning rate by ``factor``, none below its ``min_lr`` (one for
    all or one per group): ``lr ← max(lr · factor, min_lr)``, a change of ``eps`` or less
    ignored (PyTorch's ``ReduceLROnPlateau``, group by group). Whether any rate changed."""
    groups = optimizer.param_groups
    changed = False
    for g, floor in zip(groups, _per_group("scale_lr", min_lr, len(groups)), strict=True):
        old = float(g["lr"])
        new = max(old * factor, floor)
        if old - new > eps:
            g["lr"] = new
            changed = True
    return changed
