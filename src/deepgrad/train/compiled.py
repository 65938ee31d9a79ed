"""What ``compile`` attaches to a model: the optimizer, the loss and the metrics.

Stored in the model's ``__dict__`` (not as attributes a ``Module`` would register: a loss
module assigned to the model would become one of its layers).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

_KEY = "_dg_compiled"


@dataclass
class Compiled:
    """The training configuration of a model.

    Attributes
    ----------
    optimizer : Optimizer
        Bound to the model's parameters at the first ``fit``.
    loss : callable
        ``loss(pred, target) -> Tensor`` (a loss module or a function).
    loss_name : str or None
        The registry name (``"cross_entropy"``) when the loss is a deepgrad loss module.
    loss_kind : str or None
        ``"regression"``, ``"binary"``, ``"multiclass"`` or ``"distribution"``
        (:data:`deepgrad.nn.loss.KIND`), which decides the checks made on targets.
    metrics : list of Metric
        Streaming metrics, updated on NumPy arrays after every step.
    """

    optimizer: Any
    loss: Any
    loss_name: str | None
    loss_kind: str | None
    metrics: list[Any] = field(default_factory=list)
    metric_specs: list[Any] = field(default_factory=list)

    def fresh_metrics(self, prefix: str = "") -> list[Any]:
        """Independent copies of the metrics, reset, named ``prefix + name``."""
        out = []
        for m in self.metrics:
            c = copy.deepcopy(m)
            c.reset()
            c.name = prefix + m.name
            out.append(c)
        return out


def get_compiled(model: Any, what: str = "fit") -> Compiled:
    """The model's :class:`Compiled`, or a clear error if ``compile`` was not called."""
    c = model.__dict__.get(_KEY)
    if c is None:
        raise RuntimeError(
            f"{what}: the model is not compiled; call model.compile(optimizer='adam', "
            "loss='cross_entropy', metrics=['accuracy']) (or the loss that fits your task) first"
        )
    return c


def set_compiled(model: Any, compiled: Compiled | None) -> None:
    if compiled is None:
        model.__dict__.pop(_KEY, None)
    else:
        model.__dict__[_KEY] = compiled


def get_lr(optimizer: Any) -> float:
    """The learning rate of the optimizer's first parameter group (the one a Keras-style
    schedule ``epoch -> lr`` speaks of; :func:`set_lr` keeps the others in proportion)."""
    return float(optimizer.param_groups[0]["lr"])


def _bases(optimizer: Any) -> list[float]:
    """Each group's base rate, ``group["initial_lr"]``, recorded the first time (as PyTorch's
    schedulers record it)."""
    return [float(g.setdefault("initial_lr", g["lr"])) for g in optimizer.param_groups]


def set_lr(optimizer: Any, lr: float) -> None:
    """Set the first group's learning rate to ``lr`` and every other group's in proportion to
    its own base rate, as PyTorch's schedulers scale each group's base: group ``g`` gets
    ``lr · initial_lr_g / initial_lr_0``. (A first group whose base is 0 cannot give a
    proportion: every group then gets ``lr``.)

    >>> import deepgrad as dg
    >>> w, b = dg.nn.Parameter(dg.zeros(2)), dg.nn.Parameter(dg.zeros(1))
    >>> opt = dg.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.01}], lr=0.1)
    >>> set_lr(opt, 0.05); [g["lr"] for g in opt.param_groups]
    [0.05, 0.005]
    """
    bases = _bases(optimizer)
    lr = float(lr)
    for i, (g, base) in enumerate(zip(optimizer.param_groups, bases)):
        g["lr"] = lr if i == 0 or bases[0] == 0 else lr * base / bases[0]


def scale_lr(optimizer: Any, factor: float, min_lr: float = 0.0) -> bool:
    """Multiply every group's learning rate by ``factor``, none below ``min_lr``, as
    PyTorch's ``ReduceLROnPlateau`` does group by group; whether any rate changed."""
    changed = False
    for g in optimizer.param_groups:
        old = float(g["lr"])
        new = max(old * factor, min_lr)
        if old - new > 1e-12 * max(old, 1.0):
            g["lr"] = new
            changed = True
    return changed
