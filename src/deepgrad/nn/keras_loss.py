"""Keras's losses, with Keras's contract: what ``compile(loss="categorical_crossentropy")``
means in Keras is what it computes here, to the last digit Keras computes.

=============================  ==============================================================
loss (Keras name)              per sample (mean over the last axis unless a sum is shown)
=============================  ==============================================================
BinaryCrossentropy             -[y log p + (1 - y) log(1 - p)],  p clipped to [ε, 1 - ε]
  binary_crossentropy            (from_logits: the logits form, no clipping)
CategoricalCrossentropy        -Σ_c y_c log p_c,  p = clip(p / Σp, ε, 1 - ε)
  categorical_crossentropy       (from_logits: p = softmax(x)); targets one-hot/probabilities
SparseCategoricalCrossentropy  -log p_t,  p as above, t an integer label
  sparse_categorical_crossentropy
KLDivergence  kl_divergence    Σ_c y_c log(y_c / p_c),  y and p clipped to [ε, 1]
Hinge  hinge                   max(1 - y·x, 0),  0/1 labels read as -1/+1
SquaredHinge  squared_hinge    max(1 - y·x, 0)²
LogCosh  log_cosh              d + softplus(-2d) - log 2,  d = x - y
=============================  ==============================================================

ε = 1e-7 (Keras's ``backend.epsilon()``). ``reduction`` is Keras's: ``"mean"`` (Keras's
``"sum_over_batch_size"``, the default) averages the per-sample losses, ``"sum"`` adds them,
``"none"`` returns them.

**Probabilities, as in Keras.** Keras's cross-entropies take *probabilities* unless
``from_logits=True`` — a model ending in ``Softmax``/``Sigmoid``. deepgrad's own models end
in a linear layer (logits), so these losses refuse predictions that are not probabilities
(outside [0, 1] for the binary one, negative for the categorical ones) instead of clipping
them into a silently wrong number: pass ``from_logits=True``, or use deepgrad's
``"cross_entropy"`` / ``"bce_with_logits"``.

>>> import deepgrad as dg
>>> p = dg.tensor([[0.9, 0.1], [0.2, 0.8]])
>>> round(CategoricalCrossentropy()(p, [[1.0, 0.0], [0.0, 1.0]]).item(), 4)
0.1643
"""

from __future__ import annotations

import math
from typing import Any

from .. import backend
from .. import functional as F
from ..functional.loss import binary_cross_entropy_unchecked
from ..tensor import Tensor
from .module import Module

#: Keras's ``backend.epsilon()``
EPSILON = 1e-7


def _floats(t: Any, like: Tensor) -> Tensor:
    arr = t._data if isinstance(t, Tensor) else backend.xp.asarray(t)
    return Tensor._from_op(backend.xp.asarray(arr, dtype=like.dtype), None, 0)


def _same_shape(x: Tensor, y: Tensor, name: str) -> None:
    if x.shape != y.shape:
        raise ValueError(
            f"{name}: predictions of shape {tuple(x.shape)} and targets of shape "
            f"{tuple(y.shape)} differ; give one target per prediction (one-hot rows for "
            "categorical_crossentropy, integer labels for sparse_categorical_crossentropy)"
        )


def _value_range(x: Tensor) -> str:
    return f"[{float(x._data.min()):g}, {float(x._data.max()):g}]"


class _KerasLoss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction == "sum_over_batch_size":
            reduction = "mean"
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(
                f"{type(self).__name__}: reduction must be 'mean' (Keras's "
                f"'sum_over_batch_size'), 'sum' or 'none', got {reduction!r}"
            )
        self.reduction = reduction

    def _reduce(self, per_sample: Tensor) -> Tensor:
        if self.reduction == "mean":
            return F.mean(per_sample)
        if self.reduction == "sum":
            return F.sum(per_sample)
        return per_sample

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class _FromLogits(_KerasLoss):
    def __init__(
        self, from_logits: bool = False, label_smoothing: float = 0.0, reduction: str = "mean"
    ) -> None:
        super().__init__(reduction)
        if not isinstance(from_logits, bool):
            raise TypeError(
                f"{type(self).__name__}: from_logits must be a bool, got {from_logits!r}"
            )
        if not 0.0 <= float(label_smoothing) <= 1.0:
            raise ValueError(
                f"{type(self).__name__}: label_smoothing must be in [0, 1], got {label_smoothing}"
            )
        self.from_logits = from_logits
        self.label_smoothing = float(label_smoothing)

    def _refuse_non_probabilities(self, p: Tensor, upper: bool) -> None:
        if p._data.size == 0:
            return
        d = p._data
        bad = bool((d < 0).any()) or (upper and bool((d > 1).any()))
        if bad:
            want = "in [0, 1]" if upper else "non-negative"
            last = "Sigmoid" if upper else "Softmax"
            name = _KERAS_NAME[type(self).__name__]
            raise ValueError(
                f"{name} (Keras's contract) takes probabilities, {want}, unless "
                f"from_logits=True; the predictions hold values in {_value_range(p)}, which "
                f"look like logits. End the model with {last}, or pass from_logits=True "
                f'(in a recipe: loss = {{name = "{name}", from_logits = true}})'
            )

    def extra_repr(self) -> str:
        return f"from_logits={self.from_logits}, reduction={self.reduction!r}"


class BinaryCrossentropy(_FromLogits):
    """Keras's ``binary_crossentropy``: predictions are probabilities (after a sigmoid)
    unless ``from_logits=True``; targets 0/1 (or probabilities) of the predictions' shape.
    ``label_smoothing`` = s moves targets to ``y (1 - s) + s / 2``."""

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        y = _floats(target, input)
        _same_shape(input, y, "binary_crossentropy")
        if self.label_smoothing:
            y = y * (1.0 - self.label_smoothing) + 0.5 * self.label_smoothing
        if self.from_logits:
            per = F.binary_cross_entropy_with_logits(input, y, reduction="none")
        else:
            self._refuse_non_probabilities(input, upper=True)
            p = F.clip(input, EPSILON, 1.0 - EPSILON)  # no range check on y, as Keras
            per = binary_cross_entropy_unchecked(p, y, reduction="none")
        return self._reduce(F.mean(per, -1) if per.ndim else per)


def _log_probabilities(x: Tensor, from_logits: bool) -> Tensor:
    if from_logits:
        return F.log_softmax(x, -1)
    p = x / F.sum(x, -1, keepdim=True)
    return F.log(F.clip(p, EPSILON, 1.0 - EPSILON))


class CategoricalCrossentropy(_FromLogits):
    """Keras's ``categorical_crossentropy``: targets one-hot rows (or probabilities) of the
    predictions' shape ``(N, C)``; predictions probabilities (rows rescaled to sum to 1, then
    clipped to [ε, 1 - ε]) unless ``from_logits=True``. ``label_smoothing`` = s moves targets
    to ``y (1 - s) + s / C``."""

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        y = _floats(target, input)
        _same_shape(input, y, "categorical_crossentropy")
        if not self.from_logits:
            self._refuse_non_probabilities(input, upper=False)
        if self.label_smoothing:
            c = input.shape[-1]
            y = y * (1.0 - self.label_smoothing) + self.label_smoothing / c
        per = -F.sum(y * _log_probabilities(input, self.from_logits), -1)
        return self._reduce(per)


class SparseCategoricalCrossentropy(_FromLogits):
    """Keras's ``sparse_categorical_crossentropy``: integer labels ``(N,)`` (or ``(N, 1)``)
    against predictions ``(N, C)`` — probabilities (rescaled and clipped as in
    :class:`CategoricalCrossentropy`) unless ``from_logits=True``. ``ignore_class``: labels
    equal to it add nothing and are not counted in the mean."""

    def __init__(
        self, from_logits: bool = False, ignore_class: int | None = None, reduction: str = "mean"
    ) -> None:
        super().__init__(from_logits, 0.0, reduction)
        self.ignore_class = ignore_class

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        xp = backend.xp
        t = target._data if isinstance(target, Tensor) else xp.asarray(target)
        if t.ndim == input.ndim and t.shape[-1] == 1:
            t = t[..., 0]
        if t.dtype.kind == "f":
            if t.size and not bool((t == xp.round(t)).all()):
                raise ValueError(
                    "sparse_categorical_crossentropy: targets must be integer class labels; "
                    "got fractional values (for one-hot rows use categorical_crossentropy)"
                )
        t = t.astype(xp.int64)
        if tuple(t.shape) != tuple(input.shape[:-1]):
            raise ValueError(
                f"sparse_categorical_crossentropy: labels of shape {tuple(t.shape)} do not fit "
                f"predictions of shape {tuple(input.shape)}; expected {tuple(input.shape[:-1])}"
            )
        c = input.shape[-1]
        keep = xp.ones(t.shape, dtype=bool) if self.ignore_class is None else t != self.ignore_class
        if t.size and bool(((t[keep] < 0) | (t[keep] >= c)).any()):
            raise ValueError(
                f"sparse_categorical_crossentropy: labels must be in 0..{c - 1} for {c} "
                f"outputs; got values in [{int(t.min())}, {int(t.max())}]"
            )
        if not self.from_logits:
            self._refuse_non_probabilities(input, upper=False)
        safe = xp.where(keep, t, 0)
        logp = _log_probabilities(input, self.from_logits)
        idx = Tensor._from_op(safe[..., None].astype("int64"), None, 0)
        picked = F.take_along_dim(logp, idx, -1)[..., 0]
        mask = Tensor._from_op(keep.astype(input.dtype), None, 0)
        per = -picked * mask
        if self.reduction == "mean" and self.ignore_class is not None:
            n = float(keep.sum())
            return F.sum(per) / max(n, 1.0)
        return self._reduce(per)

    def extra_repr(self) -> str:
        return super().extra_repr() + (
            "" if self.ignore_class is None else f", ignore_class={self.ignore_class}"
        )


class KLDivergence(_KerasLoss):
    """Keras's ``kl_divergence`` (``kld``): ``Σ_c y_c log(y_c / p_c)`` per sample, targets
    and predictions both *probabilities* clipped to [ε, 1] (unlike PyTorch's ``kl_div``,
    whose input is log-probabilities)."""

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        y = _floats(target, input)
        _same_shape(input, y, "kl_divergence")
        if input._data.size and bool((input._data < 0).any()):
            raise ValueError(
                "kl_divergence (Keras's contract) takes probabilities; the predictions hold "
                f"values in {_value_range(input)}. End the model with Softmax (PyTorch's "
                "kl_div, which takes log-probabilities, is the loss 'kl_div')"
            )
        y = F.clip(y, EPSILON, 1.0)
        p = F.clip(input, EPSILON, 1.0)
        return self._reduce(F.sum(y * F.log(y / p), -1))


def _hinge_labels(y: Tensor) -> Tensor:
    d = y._data
    if d.size and bool(((d == 0) | (d == 1)).all()):
        return y * 2.0 - 1.0
    return y


class Hinge(_KerasLoss):
    """Keras's ``hinge``: ``mean(max(1 - y·x, 0))`` over the last axis, labels ±1 (0/1
    labels are read as -1/+1, as Keras does)."""

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        y = _hinge_labels(_floats(target, input))
        _same_shape(input, y, "hinge")
        per = F.relu(1.0 - y * input)
        return self._reduce(F.mean(per, -1) if per.ndim else per)


class SquaredHinge(_KerasLoss):
    """Keras's ``squared_hinge``: ``mean(max(1 - y·x, 0)²)`` over the last axis."""

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        y = _hinge_labels(_floats(target, input))
        _same_shape(input, y, "squared_hinge")
        h = F.relu(1.0 - y * input)
        per = h * h
        return self._reduce(F.mean(per, -1) if per.ndim else per)


class LogCosh(_KerasLoss):
    """Keras's ``log_cosh``: ``mean(log cosh(x - y))`` over the last axis, computed as
    ``d + softplus(-2d) - log 2`` (no overflow for large ``|d|``)."""

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        y = _floats(target, input)
        _same_shape(input, y, "log_cosh")
        d = input - y
        per = d + F.softplus(d * -2.0) - math.log(2.0)
        return self._reduce(F.mean(per, -1) if per.ndim else per)


_KERAS_NAME = {
    "BinaryCrossentropy": "binary_crossentropy",
    "CategoricalCrossentropy": "categorical_crossentropy",
    "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy",
}
