"""What ``compile`` attaches to a model: the optimizer, the loss and the metrics.

Stored in the model's ``__dict__`` (not as attributes a ``Module`` would register: a loss
module assigned to the model would become one of its layers).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from ..optim.lr import get_lr, scale_lr, set_lr  # noqa: F401 - the per-group rates live in optim.lr

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
    exposed = model.__dict__.get("_dg_exposed") or {}
    if "optimizer" in exposed:  # Keras's: an optimizer assigned to model.optimizer is fit's
        own = model.__dict__.get("optimizer")
        if own is not exposed["optimizer"] and hasattr(own, "param_groups"):
            c.optimizer = exposed["optimizer"] = own
    return c


def set_compiled(model: Any, compiled: Compiled | None) -> None:
    if compiled is None:
        model.__dict__.pop(_KEY, None)
    else:
        model.__dict__[_KEY] = compiled
