"""Loss modules (thin wrappers of :mod:`deepgrad.functional.loss`) and the name registry
used by ``compile(loss="cross_entropy")``."""

from __future__ import annotations

import inspect
from typing import Any

from .. import functional as F
from ..functional import loss as L
from ..tensor import Tensor
from .module import Module


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(
                f"{type(self).__name__}: reduction must be 'mean', 'sum' or 'none', "
                f"got {reduction!r}"
            )
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """Mean squared error ``mean((x - y)²)`` — for regression."""

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """Mean absolute error ``mean|x - y|`` (MAE) — for regression, robust to outliers."""

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.l1_loss(input, target, self.reduction)


class HuberLoss(_Loss):
    """Quadratic near zero, linear beyond ``delta``."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.huber_loss(input, target, self.reduction, self.delta)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities (after a sigmoid)."""

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight = weight

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross-entropy on raw scores, in one stable expression."""

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(reduction)
        self.weight, self.pos_weight = weight, pos_weight

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.binary_cross_entropy_with_logits(
            input, target, self.weight, self.reduction, self.pos_weight
        )


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy from logits ``(N, C[, d...])`` against integer labels or class
    probabilities; ``weight``, ``ignore_index`` and ``label_smoothing`` as in PyTorch."""

    def __init__(
        self,
        weight: Any = None,
        ignore_index: int = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(reduction)
        self.weight, self.ignore_index, self.label_smoothing = weight, ignore_index, label_smoothing

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.cross_entropy(
            input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing
        )


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities (after ``LogSoftmax``)."""

    def __init__(
        self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean"
    ) -> None:
        super().__init__(reduction)
        self.weight, self.ignore_index = weight, ignore_index

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class KLDivLoss(_Loss):
    """KL divergence ``Σ y (log y - input)``, ``input`` being log-probabilities."""

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        Module.__init__(self)
        if reduction not in ("mean", "sum", "none", "batchmean"):
            raise ValueError(f"KLDivLoss: unknown reduction {reduction!r}")
        self.reduction, self.log_target = reduction, log_target

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.kl_div(input, target, self.reduction, self.log_target)


_BY_NAME: dict[str, type[_Loss]] = {
    "mse": MSELoss,
    "mae": L1Loss,
    "huber": HuberLoss,
    "bce": BCELoss,
    "bce_with_logits": BCEWithLogitsLoss,
    "cross_entropy": CrossEntropyLoss,
    "nll": NLLLoss,
    "kl_div": KLDivLoss,
}

#: what each named loss is for: "classification" losses need class labels / probabilities
KIND: dict[str, str] = {
    "mse": "regression",
    "mae": "regression",
    "huber": "regression",
    "bce": "binary",
    "bce_with_logits": "binary",
    "cross_entropy": "multiclass",
    "nll": "multiclass",
    "kl_div": "distribution",
}


def get(loss: str | Module | Any, **kwargs: Any) -> Any:
    """Resolve a loss given by name (``"mse"``, ``"mae"``, ``"huber"``, ``"bce"``,
    ``"bce_with_logits"``, ``"cross_entropy"``, ``"nll"``, ``"kl_div"``), as a module, or as
    a callable ``loss(pred, target) -> Tensor``. ``kwargs`` go to a named loss's module
    (``get("cross_entropy", label_smoothing=0.1)``)."""
    if isinstance(loss, str):
        if loss not in _BY_NAME:
            raise ValueError(
                f"unknown loss {loss!r}; expected one of {sorted(_BY_NAME)}, a loss module or "
                "a callable"
            )
        cls = _BY_NAME[loss]
        try:
            inspect.signature(cls).bind(**kwargs)
        except TypeError:
            allowed = [n for n in inspect.signature(cls).parameters if n != "self"]
            raise ValueError(
                f"loss {loss!r}: unknown option(s) {sorted(kwargs)}; it takes {allowed}"
            ) from None
        return cls(**kwargs)
    if kwargs:
        raise ValueError(f"loss options {sorted(kwargs)} need a loss given by name")
    if callable(loss):
        return loss
    raise TypeError(f"loss must be a name, a module or a callable, got {type(loss).__name__}")


def name_of(loss: Any) -> str | None:
    """The registry name of a loss module (None for custom callables)."""
    for n, cls in _BY_NAME.items():
        if type(loss) is cls:
            return n
    return None


del F
