"""Streaming metrics for training loops: ``update`` per batch, ``result`` per epoch.

Each metric keeps small sufficient statistics (sums, counts, a confusion matrix; only
:class:`AUC` keeps every score, to be exact) and computes its value from them in
``result()``, so updating batch after batch gives the plain function's value on all the
batches at once. Note the argument order: ``update(y_pred, y_true)``, predictions first
like a loss ``loss_fn(pred, target)``; the plain functions take scikit-learn's
``(y_true, y_pred)``.

Example
-------
>>> import numpy as np
>>> acc = Accuracy()
>>> acc.update(np.array([[0.9, 0.1], [0.2, 0.8]]), np.array([0, 0]))
>>> acc.update(np.array([[0.3, 0.7]]), np.array([1]))
>>> round(acc.result(), 4)
0.6667
>>> get("mse").name
'mse'
"""

from __future__ import annotations

import difflib
import functools
import inspect
from typing import Any, ClassVar

import numpy as np

from deepgrad.metrics._inputs import as_array, class_labels, sample_weights
from deepgrad.metrics.classification import (
    AVERAGES,
    AccuracyKind,
    accuracy_correct,
    auc_from_scores,
    confusion_counts,
    normalize_confusion,
    prf_from_confusion,
    roc_inputs,
    top_k_correct,
)
from deepgrad.metrics.regression import (
    error_sums,
    merge_r2_moments,
    r2_from_moments,
    r2_moments,
)

__all__ = [
    "AUC",
    "Accuracy",
    "BinaryAccuracy",
    "CategoricalAccuracy",
    "ConfusionMatrix",
    "F1Score",
    "Mean",
    "MeanAbsoluteError",
    "MeanSquaredError",
    "Metric",
    "Precision",
    "R2Score",
    "Recall",
    "RootMeanSquaredError",
    "SparseCategoricalAccuracy",
    "TopKAccuracy",
    "get",
]

State = dict[str, Any]


def _checking_keywords(init: Any) -> Any:
    """A metric's ``__init__`` refusing a misspelt keyword naming the nearest valid one
    (``AUC(num_threshold=)`` → ``num_thresholds``), as ``deepgrad._choices.unexpected_keyword``
    words it for the floors above (metrics/ imports no other floor)."""
    params = inspect.signature(init).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return init
    valid = [k for k, p in params.items() if k != "self" and p.kind is not p.VAR_POSITIONAL]

    @functools.wraps(init)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> None:
        for key in kwargs:
            if key not in params:
                near = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
                hint = f"did you mean {near[0]!r}? " if near else ""
                raise TypeError(
                    f"{type(self).__name__}() got an unexpected keyword argument {key!r}; "
                    f"{hint}it takes {', '.join(valid)}"
                )
        init(self, *args, **kwargs)

    return wrapper


class Metric:
    """Base class of streaming metrics.

    A subclass lists its state in ``_state`` (names of attributes holding floats or
    arrays), sets them in ``reset()``, adds to them in ``update()`` and reads them in
    ``result()``; ``state_dict()``/``load_state_dict()`` then come for free.

    Attributes
    ----------
    name : str
        Key of the metric in training logs (``"accuracy"``, ``"val_accuracy"``, ...).
    direction : "up", "down" or None
        Which way is better (Keras's ``_direction``): what ``mode="auto"`` of ``EarlyStopping``,
        ``ModelCheckpoint`` and ``ReduceLROnPlateau`` follows. ``None`` (a new metric's
        default): unknown, so those callbacks need ``mode="min"`` or ``"max"`` to watch it.
    """

    default_name: ClassVar[str] = "metric"
    direction: ClassVar[str | None] = None
    _state: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None and cls.__module__.startswith("deepgrad."):
            # a misspelt keyword (AUC(num_threshold=)) names the nearest valid one
            cls.__init__ = _checking_keywords(init)  # type: ignore[method-assign]

    def __init__(self, name: str | None = None) -> None:
        self.name = name or self.default_name
        self.reset()

    def update(self, y_pred: Any, y_true: Any, sample_weight: Any = None) -> None:
        """Add one batch: predictions ``y_pred``, targets ``y_true``, optional ``(N,)`` weights."""
        raise NotImplementedError

    def result(self) -> float | np.ndarray:
        """The metric over everything seen since the last ``reset()``."""
        raise NotImplementedError

    def reset(self) -> None:
        """Forget every batch (called at the start of each epoch)."""
        raise NotImplementedError

    def state_dict(self) -> State:
        """The accumulated state as plain floats and arrays (copies), to save and resume."""
        out: State = {}
        for key in self._state:
            value = getattr(self, key)
            out[key] = value.copy() if isinstance(value, np.ndarray) else value
        return out

    def load_state_dict(self, state: State) -> None:
        """Restore a state written by ``state_dict()``; the keys must match exactly."""
        expected, given = set(self._state), set(state)
        if expected != given:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: expected keys {sorted(expected)}, got "
                f"{sorted(given)} (missing {sorted(expected - given)}, unexpected "
                f"{sorted(given - expected)})"
            )
        for key in self._state:
            current = getattr(self, key)
            value = state[key]
            # keep each entry's kind: arrays stay arrays, counters plain Python numbers
            if isinstance(current, np.ndarray):
                value = np.array(value, dtype=current.dtype)
            elif isinstance(current, bool):
                value = bool(value)
            elif isinstance(current, int):
                value = int(value)
            else:
                value = float(value)
            setattr(self, key, value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class Mean(Metric):
    """Running weighted mean ``sum_i w_i v_i / sum_i w_i`` of the values given (the loss).

    ``update(values, sample_weight=None)`` takes a scalar or an array of values (and
    weights broadcastable to them); NaN propagates to the result so it can be seen.

    >>> m = Mean(name="loss")
    >>> m.update(2.0, sample_weight=3); m.update(1.0)
    >>> m.result()
    1.75
    """

    default_name = "mean"
    _state = ("total", "weight")

    def reset(self) -> None:
        self.total = 0.0
        self.weight = 0.0

    def update(self, values: Any, sample_weight: Any = None) -> None:  # type: ignore[override]
        v = np.asarray(as_array(values, "values", self.name), dtype=np.float64)
        if sample_weight is None:
            w = np.ones_like(v)
        else:
            w = np.asarray(as_array(sample_weight, "sample_weight", self.name), np.float64)
            try:
                w = np.broadcast_to(w, v.shape)
            except ValueError:
                raise ValueError(
                    f"{self.name}: sample_weight of shape {w.shape} does not fit values of "
                    f"shape {v.shape}"
                ) from None
        self.total += float(np.sum(w * v))
        self.weight += float(np.sum(w))

    def result(self) -> float:
        return self.total / self.weight if self.weight else 0.0


class _CorrectFraction(Metric):
    """Weighted fraction of per-sample hits; subclasses say what a hit is."""

    direction = "up"
    _state = ("correct", "weight")

    def reset(self) -> None:
        self.correct = 0.0
        self.weight = 0.0

    def _hits(self, y_pred: Any, y_true: Any) -> np.ndarray:
        raise NotImplementedError

    def update(self, y_pred: Any, y_true: Any, sample_weight: Any = None) -> None:
        hit = self._hits(y_pred, y_true)
        w = sample_weights(sample_weight, hit.shape[0], self.name)
        self.correct += float(hit.sum() if w is None else np.dot(w, hit))
        self.weight += float(hit.shape[0] if w is None else w.sum())

    def result(self) -> float:
        return self.correct / self.weight if self.weight else 0.0


class Accuracy(_CorrectFraction):
    """Accuracy that reads the task from the shapes (see :func:`~deepgrad.metrics.accuracy`).

    * ``y_pred`` ``(N,)``/``(N, 1)`` scores: binary, ``p > threshold`` (logits with
      ``from_logits=True``: ``z > 0``);
    * ``y_pred`` ``(N, C)`` and ``y_true`` ``(N,)`` labels: sparse categorical (argmax);
    * ``y_pred`` ``(N, C)`` and ``y_true`` ``(N, C)`` one-hot: categorical (argmax of both).

    Parameters
    ----------
    threshold : float
        Probability above which a binary prediction is 1.
    from_logits : bool
        Binary predictions are logits.
    name : str, optional
    """

    default_name = "accuracy"
    _kind: ClassVar[AccuracyKind] = "auto"

    def __init__(
        self, threshold: float = 0.5, from_logits: bool = False, name: str | None = None
    ) -> None:
        self.threshold = threshold
        self.from_logits = from_logits
        super().__init__(name)

    def _hits(self, y_pred: Any, y_true: Any) -> np.ndarray:
        return accuracy_correct(
            y_true,
            y_pred,
            kind=self._kind,
            threshold=self.threshold,
            from_logits=self.from_logits,
            where=self.name,
        )


class BinaryAccuracy(Accuracy):
    """Binary accuracy: ``[p > threshold] = y`` per output (``z > 0`` for logits), averaged.

    ``y_pred`` and ``y_true`` of the same shape, ``(N,)``, ``(N, 1)`` or multi-label ``(N, C)``
    (a sample scores the fraction of its C outputs that are right); ``y_true`` holds 0/1.
    """

    default_name = "binary_accuracy"
    _kind = "binary"


class CategoricalAccuracy(Accuracy):
    """Categorical accuracy: ``argmax(y_pred) = argmax(y_true)`` for one-hot ``(N, C)`` targets."""

    default_name = "categorical_accuracy"
    _kind = "categorical"

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name=name)


class SparseCategoricalAccuracy(Accuracy):
    """Sparse categorical accuracy: ``argmax(y_pred) = y`` for ``(N,)`` integer targets."""

    default_name = "sparse_categorical_accuracy"
    _kind = "sparse"

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name=name)


class TopKAccuracy(_CorrectFraction):
    """Top-k accuracy: the true class is among the ``k`` highest of the ``(N, C)`` scores.
    ``k`` larger than ``C`` raises, as Keras's ``sparse_top_k_categorical_accuracy`` does
    (the function :func:`~deepgrad.metrics.top_k_accuracy` gives scikit-learn's 1.0).

    Parameters
    ----------
    k : int
        Number of top classes that count (default 5).
    name : str, optional
    """

    default_name = "top_k_accuracy"

    def __init__(self, k: int = 5, name: str | None = None) -> None:
        self.k = k
        super().__init__(name)

    def _hits(self, y_pred: Any, y_true: Any) -> np.ndarray:
        ys = as_array(y_pred, "y_pred", self.name)
        if ys.ndim == 2 and self.k > ys.shape[1]:  # Keras's in_top_k raises here too
            raise ValueError(
                f"{self.name}: k={self.k} is more than the {ys.shape[1]} classes of the scores "
                f"(shape {ys.shape}), so every sample would count as a hit; pass "
                f"metrics.TopKAccuracy(k=...) with k <= {ys.shape[1]}"
            )
        return top_k_correct(y_true, ys, self.k, self.name)


class ConfusionMatrix(Metric):
    """Streaming confusion matrix ``M[i, j]``: (weighted) count of class i predicted as j.

    Labels, binary scores or ``(N, C)`` class scores are reduced to labels as in
    :func:`~deepgrad.metrics.confusion_matrix`. Without ``num_classes`` the matrix grows to
    the largest class seen. ``result()`` is an int64 array, float64 when weighted or
    normalized.

    Parameters
    ----------
    num_classes : int, optional
    threshold, from_logits : float, bool
        How binary scores become labels.
    normalize : {"true", "pred", "all"}, optional
    name : str, optional
    """

    default_name = "confusion_matrix"
    _state = ("confusion", "seen", "weighted")

    def __init__(
        self,
        num_classes: int | None = None,
        threshold: float = 0.5,
        from_logits: bool = False,
        normalize: str | None = None,
        name: str | None = None,
    ) -> None:
        self.num_classes = num_classes
        self.threshold = threshold
        self.from_logits = from_logits
        self.normalize = normalize
        super().__init__(name)

    def reset(self) -> None:
        c = self.num_classes or 0
        self.confusion = np.zeros((c, c))
        self.seen = np.zeros(c, dtype=bool)
        self.weighted = False

    def update(self, y_pred: Any, y_true: Any, sample_weight: Any = None) -> None:
        true, pred, classes = class_labels(
            y_true,
            y_pred,
            self.name,
            threshold=self.threshold,
            from_logits=self.from_logits,
            num_classes=self.num_classes,
        )
        if true.shape[0] == 0:
            return
        w = sample_weights(sample_weight, true.shape[0], self.name)
        c = max(self.confusion.shape[0], classes or 0, int(max(true.max(), pred.max())) + 1)
        if c > self.confusion.shape[0]:
            old = self.confusion.shape[0]
            grown = np.zeros((c, c))
            grown[:old, :old] = self.confusion
            self.confusion = grown
            self.seen = np.concatenate([self.seen, np.zeros(c - old, dtype=bool)])
        cm, seen = confusion_counts(true, pred, c, w)
        self.confusion += cm
        self.seen |= seen
        self.weighted = self.weighted or w is not None

    def result(self) -> np.ndarray:
        if self.normalize is not None:
            return normalize_confusion(self.confusion, self.normalize, self.name)
        return self.confusion.copy() if self.weighted else self.confusion.astype(np.int64)


class _PRF(ConfusionMatrix):
    direction = "up"
    _which: ClassVar[int] = 0

    def __init__(
        self,
        average: str = "binary",
        pos_label: int = 1,
        num_classes: int | None = None,
        threshold: float = 0.5,
        from_logits: bool = False,
        zero_division: float = 0.0,
        name: str | None = None,
        *,
        thresholds: float | None = None,
        top_k: int | None = None,
        class_id: int | None = None,
    ) -> None:
        keras_columns = top_k is not None or class_id is not None
        if keras_columns:
            self._check_keras_columns(top_k, class_id, average)
        if average not in AVERAGES:
            raise ValueError(f"{type(self).__name__}: average must be one of {AVERAGES}")
        if thresholds is not None:  # Keras's name; one value here
            if isinstance(thresholds, bool) or not isinstance(thresholds, (int, float)):
                raise ValueError(
                    f"{type(self).__name__}: thresholds= (Keras's name of threshold=) takes one "
                    f"value here, got {thresholds!r}; Keras's list (one result per threshold) "
                    "is not supported: make one metric per threshold"
                )
            if threshold != 0.5:
                raise TypeError(
                    f"{type(self).__name__}: give threshold= or Keras's thresholds=, not both"
                )
            threshold = float(thresholds)
        self.average = average
        self.pos_label = pos_label
        self.zero_division = zero_division
        self.top_k = None if top_k is None else int(top_k)
        self.class_id = None if class_id is None else int(class_id)
        # Keras's threshold: none (-inf: the top k entries are the positives) with top_k,
        # unless one is given
        self._column_threshold = (
            -np.inf if top_k is not None and thresholds is None and threshold == 0.5 else threshold
        )
        super().__init__(2 if keras_columns else num_classes, threshold, from_logits, None, name)

    def _check_keras_columns(self, top_k: Any, class_id: Any, average: str) -> None:
        if self._which == 2:
            raise TypeError("F1Score() got an unexpected keyword argument 'top_k' or 'class_id'")
        for key, v, low in (("top_k", top_k, 1), ("class_id", class_id, 0)):
            if v is not None and (
                isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low
            ):
                raise ValueError(f"{type(self).__name__}: {key} must be an int >= {low}, got {v!r}")
        if average != "binary":
            raise ValueError(
                f"{type(self).__name__}: top_k= / class_id= (Keras's multi-label columns) "
                f"count every kept entry as one binary decision; average={average!r} does not "
                "apply: leave it out"
            )

    def update(self, y_pred: Any, y_true: Any, sample_weight: Any = None) -> None:
        if self.top_k is None and self.class_id is None:
            super().update(y_pred, y_true, sample_weight)
            return
        super().update(*self._keras_columns(y_pred, y_true, sample_weight))

    def _keras_columns(self, y_pred: Any, y_true: Any, sample_weight: Any) -> tuple:
        """Keras's ``top_k`` / ``class_id``: ``(N, C)`` multi-label scores, each row's entries
        outside its ``top_k`` highest dropped (ties: the first), then column ``class_id``
        alone; every remaining entry is one binary decision (score above the threshold),
        its target nonzero or not, weighted by its row's weight."""
        yp = as_array(y_pred, "y_pred", self.name).astype(np.float64)
        yt = as_array(y_true, "y_true", self.name)
        yp = yp[:, None] if yp.ndim == 1 else yp
        yt = yt[:, None] if yt.ndim == 1 else yt
        if yp.ndim != 2 or yt.shape != yp.shape:
            raise ValueError(
                f"{self.name}: top_k= / class_id= take (N, C) scores and multi-hot (N, C) "
                f"targets of one shape, got y_pred {yp.shape} and y_true {yt.shape}"
            )
        if self.from_logits:
            yp = 1.0 / (1.0 + np.exp(-yp))
        if self.top_k is not None:
            order = np.argsort(-yp, axis=1, kind="stable")[:, : self.top_k]
            keep = np.zeros(yp.shape, dtype=bool)
            np.put_along_axis(keep, order, True, axis=1)
            yp = np.where(keep, yp, -np.inf)
        if self.class_id is not None:
            if self.class_id >= yp.shape[1]:
                raise ValueError(
                    f"{self.name}: class_id={self.class_id} but y_pred has {yp.shape[1]} columns"
                )
            yp, yt = (
                yp[:, self.class_id : self.class_id + 1],
                yt[:, self.class_id : self.class_id + 1],
            )
        pred = (yp > self._column_threshold).astype(np.int64).ravel()
        true = (yt != 0).astype(np.int64).ravel()
        w = None
        if sample_weight is not None:
            w = np.repeat(sample_weights(sample_weight, yp.shape[0], self.name), yp.shape[1])
        return pred, true, w

    def result(self) -> float:  # type: ignore[override]
        if not self.seen.any():
            return 0.0
        values = prf_from_confusion(
            self.confusion, self.seen, self.average, self.pos_label, self.zero_division, self.name
        )
        return values[self._which]


_PRF_DOC = """

    Parameters
    ----------
    average : {"binary", "macro", "micro", "weighted"}
        As in :func:`~deepgrad.metrics.precision`; ``binary`` needs labels 0/1.
    pos_label : int
        Positive class for ``binary``.
    num_classes : int, optional
    threshold, from_logits : float, bool
        How binary scores become labels; ``(N, C)`` scores use argmax. Keras's
        ``thresholds=0.3`` (one value) is taken as ``threshold=0.3``.
    top_k, class_id : int, optional
        Keras's multi-label reading (``Precision`` and ``Recall``): ``(N, C)`` scores with
        multi-hot targets, each row's ``top_k`` highest entries kept (positive without a
        threshold), then column ``class_id`` alone; each kept entry is one binary decision.
    zero_division : float
        Value of a ratio with a zero denominator.
    name : str, optional

    The state is a C x C confusion matrix, so any average can be computed exactly.
    """


class Precision(_PRF):
    """Streaming precision ``TP / (TP + FP)``."""

    __doc__ = (__doc__ or "") + _PRF_DOC
    default_name = "precision"
    _which = 0


class Recall(_PRF):
    """Streaming recall ``TP / (TP + FN)``."""

    __doc__ = (__doc__ or "") + _PRF_DOC
    default_name = "recall"
    _which = 1


class F1Score(_PRF):
    """Streaming F1 ``2 TP / (2 TP + FP + FN)``."""

    __doc__ = (__doc__ or "") + _PRF_DOC
    default_name = "f1"
    _which = 2


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class AUC(Metric):
    """Exact streaming ROC-AUC: keeps every score and label, computes at ``result()``.

    Binary for ``(N,)``/``(N, 1)`` scores (column 1 of ``(N, 2)``), one-vs-rest for
    ``(N, C)``, as :func:`~deepgrad.metrics.roc_auc`. With ``from_logits=True``, ``(N, C)``
    logits go through a softmax first (binary logits need nothing: the sigmoid keeps
    their order). ``result()`` is NaN while a class lacks positives or negatives, rather
    than an error that would stop a training loop.

    Parameters
    ----------
    average : {"macro", "weighted"}
    from_logits : bool
    name : str, optional
    """

    default_name = "auc"
    direction = "up"
    _state = ("labels", "scores", "weights")

    def __init__(
        self,
        average: str = "macro",
        from_logits: bool = False,
        name: str | None = None,
        *,
        num_thresholds: int | None = None,
        curve: str = "ROC",
    ) -> None:
        if average not in ("macro", "weighted"):
            raise ValueError(f"AUC: average must be 'macro' or 'weighted', got {average!r}")
        if curve != "ROC":
            raise ValueError(
                f"AUC: Keras's curve={curve!r} is not supported: this is the ROC area; for the "
                "area under the precision-recall curve use deepgrad.metrics.average_precision"
                if curve == "PR"
                else f"AUC: curve must be 'ROC', got {curve!r}"
            )
        if num_thresholds is not None and (
            isinstance(num_thresholds, bool)
            or not isinstance(num_thresholds, (int, np.integer))
            or num_thresholds <= 1
        ):
            raise ValueError(
                f"AUC: num_thresholds must be an int > 1 (Keras's rule), got {num_thresholds!r}"
            )
        self.num_thresholds = None if num_thresholds is None else int(num_thresholds)
        self.curve = curve
        self.average = average
        self.from_logits = from_logits
        super().__init__(name)

    def reset(self) -> None:
        empty = (np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
        self._parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = [empty]

    def _gather(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Concatenate the batches kept so far (once; later calls reuse the result)."""
        if len(self._parts) > 1:
            parts = [p for p in self._parts if p[0].size] or self._parts[:1]
            if len({p[1].shape[1:] for p in parts}) > 1:
                shapes = sorted({str(p[1].shape[1:]) for p in parts})
                raise ValueError(f"{self.name}: batches gave scores of different widths {shapes}")
            self._parts = [tuple(np.concatenate([p[i] for p in parts]) for i in range(3))]  # type: ignore[list-item]
        return self._parts[0]

    @property
    def labels(self) -> np.ndarray:
        return self._gather()[0]

    @property
    def scores(self) -> np.ndarray:
        return self._gather()[1]

    @property
    def weights(self) -> np.ndarray:
        return self._gather()[2]

    def load_state_dict(self, state: State) -> None:
        expected, given = set(self._state), set(state)
        if expected != given:
            raise ValueError(
                f"AUC.load_state_dict: expected keys {sorted(expected)}, got {sorted(given)}"
            )
        self._parts = [
            (
                np.array(state["labels"], dtype=np.int64),
                np.array(state["scores"], dtype=np.float64),
                np.array(state["weights"], dtype=np.float64),
            )
        ]

    def update(self, y_pred: Any, y_true: Any, sample_weight: Any = None) -> None:
        yp = as_array(y_pred, "y_pred", self.name)
        if self.from_logits and yp.ndim == 2 and yp.shape[1] > 1:
            yp = _softmax(yp.astype(np.float64))
        true, scores = roc_inputs(y_true, yp, self.name)
        if self.num_thresholds is not None:
            if scores.ndim == 2:
                raise ValueError(
                    f"{self.name}: num_thresholds= (Keras's bucketed approximation) is for "
                    f"binary scores, got {scores.shape}; leave it out for the exact "
                    "one-vs-rest AUC of (N, C) scores"
                )
            if self.from_logits:
                scores = 1.0 / (1.0 + np.exp(-scores))
            if scores.size and (scores.min() < 0 or scores.max() > 1):
                raise ValueError(
                    f"{self.name}: num_thresholds= buckets probabilities in [0, 1], got scores "
                    f"in [{scores.min():g}, {scores.max():g}]; pass from_logits=True for logits"
                )
        w = sample_weights(sample_weight, true.shape[0], self.name)
        self._parts.append((true, scores, np.ones(true.shape[0]) if w is None else w))

    def result(self) -> float:
        true, scores, w = self._gather()
        if true.size == 0:
            return 0.0
        if self.num_thresholds is not None:
            return _bucketed_roc_auc(true, scores, w, self.num_thresholds)
        try:
            return auc_from_scores(true, scores, w, self.average, self.name)
        except ValueError:
            return float("nan")


def _bucketed_roc_auc(true: np.ndarray, scores: np.ndarray, w: np.ndarray, n: int) -> float:
    """Keras's ``AUC(num_thresholds=n)``: true/false positive rates at ``n`` thresholds
    (``-1e-7``, ``i/(n-1)`` for ``i = 1..n-2``, ``1 + 1e-7``; a score counts as positive above
    a threshold, compared in float32 as Keras's), joined by trapezoids (its
    ``summation_method="interpolation"``); a rate with a zero denominator is 0."""
    eps = 1e-7
    t = np.array([0.0 - eps, *[(i + 1) / (n - 1) for i in range(n - 2)], 1.0 + eps], np.float32)
    above = scores.astype(np.float32)[None, :] > t[:, None]
    pos = (true > 0).astype(np.float64) * w
    neg = (true <= 0).astype(np.float64) * w
    tp, fp = above @ pos, above @ neg
    tpr = np.divide(tp, pos.sum(), out=np.zeros_like(tp), where=pos.sum() > 0)
    fpr = np.divide(fp, neg.sum(), out=np.zeros_like(fp), where=neg.sum() > 0)
    return float(np.sum((fpr[:-1] - fpr[1:]) * (tpr[:-1] + tpr[1:]) / 2))


class _ErrorMean(Metric):
    direction = "down"
    _power: ClassVar[int] = 2
    _state = ("weight", "sums")

    def reset(self) -> None:
        self.weight = 0.0
        self.sums = np.zeros(0)

    def update(self, y_pred: Any, y_true: Any, sample_weight: Any = None) -> None:
        weight, sums = error_sums(y_true, y_pred, sample_weight, self._power, self.name)
        if self.sums.size and sums.shape != self.sums.shape:
            raise ValueError(
                f"{self.name}: this batch has {sums.shape[0]} outputs, earlier ones had "
                f"{self.sums.shape[0]}"
            )
        self.sums = sums if not self.sums.size else self.sums + sums
        self.weight += weight

    def _per_output(self) -> np.ndarray:
        return self.sums / self.weight

    def result(self) -> float:
        if self.weight == 0:
            return 0.0
        return float(self._per_output().mean())


class MeanSquaredError(_ErrorMean):
    """Streaming MSE ``sum_i w_i (y_i - p_i)^2 / sum_i w_i`` (averaged over outputs)."""

    default_name = "mse"
    _power = 2


class RootMeanSquaredError(_ErrorMean):
    """Streaming RMSE ``sqrt(MSE)``: the root of the squared error averaged over samples and
    outputs, as Keras's ``RootMeanSquaredError``. (For ``(N, D)`` outputs this is not
    :func:`~deepgrad.metrics.root_mean_squared_error`, scikit-learn's mean of the D outputs'
    RMSEs.)"""

    default_name = "rmse"
    _power = 2

    def result(self) -> float:
        return float(np.sqrt(super().result()))


class MeanAbsoluteError(_ErrorMean):
    """Streaming MAE ``sum_i w_i |y_i - p_i| / sum_i w_i`` (averaged over outputs)."""

    default_name = "mae"
    _power = 1


class R2Score(Metric):
    """Streaming R² ``1 - SSE / M2``, averaged over outputs (see :func:`r2_score`).

    Keeps the count, total weight, weighted mean of the targets (relative to the first
    batch's mean, ``shift``), their sum of squared deviations M2 and the residual sum SSE,
    merged batch by batch with Chan et al.'s parallel update: no ``sum y^2 - (sum y)^2``
    cancellation, exact to rounding even for targets like ``1e6 + x``.
    """

    default_name = "r2"
    direction = "up"
    _state = ("count", "weight", "shift", "mean", "m2", "sse")

    def reset(self) -> None:
        self.count = 0
        self.weight = 0.0
        self.shift = np.zeros(0)  # the first batch's mean; `mean` is relative to it
        self.mean = np.zeros(0)
        self.m2 = np.zeros(0)
        self.sse = np.zeros(0)

    def update(self, y_pred: Any, y_true: Any, sample_weight: Any = None) -> None:
        if self.count == 0:
            batch = r2_moments(y_true, y_pred, sample_weight, self.name)
            if batch[0] == 0:
                return
            n, total, mean, m2, sse = batch
            self.shift = mean
            merged = (n, total, np.zeros_like(mean), m2, sse)
        else:
            batch = r2_moments(y_true, y_pred, sample_weight, self.name, self.shift)
            if batch[0] == 0:
                return
            merged = merge_r2_moments(
                (self.count, self.weight, self.mean, self.m2, self.sse), batch
            )
        self.count, self.weight, self.mean, self.m2, self.sse = merged

    def result(self) -> float:
        if self.count == 0:
            return 0.0
        return float(r2_from_moments(self.count, self.m2, self.sse))


_REGISTRY: dict[str, type[Metric]] = {
    "accuracy": Accuracy,
    "binary_accuracy": BinaryAccuracy,
    "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "top_k_accuracy": TopKAccuracy,
    "precision": Precision,
    "recall": Recall,
    "f1": F1Score,
    "auc": AUC,
    "mse": MeanSquaredError,
    "rmse": RootMeanSquaredError,
    "mae": MeanAbsoluteError,
    "r2": R2Score,
}
#: other names of the same metrics: short forms, and Keras's and scikit-learn's names
_SHORT_FORMS = {
    "acc": "accuracy",
    "top5": "top_k_accuracy",
    "sparse_top_k_categorical_accuracy": "top_k_accuracy",  # Keras's (k = 5, labels)
    "top_k_categorical_accuracy": "top_k_accuracy",  # Keras's (k = 5, one-hot rows)
    "mean_squared_error": "mse",
    "mean_absolute_error": "mae",
    "root_mean_squared_error": "rmse",
    "f1_score": "f1",
    "r2_score": "r2",
}


def names() -> list[str]:
    """Every metric name :func:`get` accepts (with the other names of the same metrics)."""
    return sorted([*_REGISTRY, *_SHORT_FORMS])


def get(name_or_metric: str | Metric | type[Metric]) -> Metric:
    """Resolve a metric given by name (a new instance), class (instantiated) or instance (as is).

    Names: ``accuracy``, ``binary_accuracy``, ``categorical_accuracy``,
    ``sparse_categorical_accuracy``, ``top_k_accuracy`` (k=5), ``precision``, ``recall``,
    ``f1``, ``auc``, ``mse``, ``rmse``, ``mae``, ``r2``; short forms ``acc`` and ``top5``;
    Keras's and scikit-learn's names of the same metrics (``mean_squared_error``,
    ``mean_absolute_error``, ``root_mean_squared_error``, ``f1_score``, ``r2_score``,
    ``sparse_top_k_categorical_accuracy``, ``top_k_categorical_accuracy``).

    >>> get("acc")
    Accuracy(name='accuracy')
    """
    if isinstance(name_or_metric, Metric):
        return name_or_metric
    if isinstance(name_or_metric, type) and issubclass(name_or_metric, Metric):
        return name_or_metric()
    if not isinstance(name_or_metric, str):
        raise TypeError(
            f"metrics.get: expected a metric name or a Metric, got {type(name_or_metric).__name__}"
        )
    key = name_or_metric.strip().lower()
    key = _SHORT_FORMS.get(key, key)
    if key not in _REGISTRY:
        import difflib

        close = difflib.get_close_matches(key, names(), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else "."
        known = ", ".join(names())
        raise ValueError(
            f"metrics.get: unknown metric {name_or_metric!r}{hint} Known names: {known}"
        )
    return _REGISTRY[key]()
