"""Classification metrics as plain functions on NumPy arrays.

Every function takes ``(y_true, y_pred)`` in scikit-learn's order and returns what
``sklearn.metrics`` returns on the same inputs. Predictions may be labels or scores:

* ``(N,)`` integer labels, compared as they are;
* ``(N,)`` or ``(N, 1)`` floating binary scores: probabilities thresholded at ``threshold``
  (``p > 0.5``), or logits with ``from_logits=True`` (``z > 0``);
* ``(N, C)`` class scores (probabilities or logits), reduced by argmax.

Targets are ``(N,)`` / ``(N, 1)`` integer labels 0..C-1 or ``(N, C)`` one-hot rows.
The streaming classes of :mod:`deepgrad.metrics.streaming` accumulate the same
sufficient statistics (counts, a confusion matrix) that the helpers here compute.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from deepgrad.metrics._inputs import (
    as_array,
    binary_scores_to_labels,
    check_finite,
    check_length,
    class_labels,
    int_labels,
    sample_weights,
    squeeze_column,
)

Average = Literal["binary", "macro", "micro", "weighted"]
AccuracyKind = Literal["auto", "binary", "categorical", "sparse"]
AVERAGES = ("binary", "macro", "micro", "weighted")

__all__ = [
    "accuracy",
    "confusion_matrix",
    "f1_score",
    "precision",
    "recall",
    "roc_auc",
    "top_k_accuracy",
]


# ----------------------------------------------------------------------------- helpers


def _weighted_mean(values: np.ndarray, w: np.ndarray | None, where: str) -> float:
    if values.shape[0] == 0:
        raise ValueError(f"{where}: got 0 samples")
    if w is None:
        return float(np.mean(values))
    total = float(w.sum())
    if total == 0.0:
        raise ValueError(f"{where}: sample weights sum to zero")
    return float(np.dot(w, values) / total)


def _check_binary_targets(yt: np.ndarray, where: str) -> np.ndarray:
    if yt.dtype == bool:
        return yt.astype(np.int64)
    check_finite(yt, "y_true", where)
    if yt.size and not np.all((yt == 0) | (yt == 1)):
        bad = yt[(yt != 0) & (yt != 1)].ravel()[0]
        raise ValueError(
            f"{where}: binary accuracy needs y_true in {{0, 1}}, got the value {bad}; for class "
            "labels 0..C-1 give y_pred as (N, C) scores"
        )
    return yt.astype(np.int64)


def accuracy_correct(
    y_true: Any,
    y_pred: Any,
    *,
    kind: AccuracyKind = "auto",
    threshold: float = 0.5,
    from_logits: bool = False,
    where: str = "accuracy",
) -> np.ndarray:
    """Per-sample correctness in [0, 1], shape ``(N,)`` (the statistic behind every accuracy).

    ``kind="auto"`` decides from the shapes: ``(N,)``/``(N, 1)`` floating predictions are
    binary scores, integer ones are labels; ``(N, C)`` predictions with ``(N,)`` targets are
    sparse, with ``(N, C)`` targets categorical. A binary prediction of shape ``(N, C)``
    (multi-label) scores each sample by the fraction of its C outputs that are right.
    """
    yt = as_array(y_true, "y_true", where)
    yp = as_array(y_pred, "y_pred", where)
    check_length(yt, yp, where)
    yt, yp = squeeze_column(yt), squeeze_column(yp)
    if kind == "auto":
        if yp.ndim == 2:
            kind = "sparse" if yt.ndim == 1 else "categorical"
        elif yp.ndim == 1 and yp.dtype.kind != "f":
            if yt.ndim != 1:
                raise ValueError(
                    f"{where}: y_pred holds labels of shape {yp.shape} but y_true has shape "
                    f"{yt.shape}; give y_true as (N,) labels"
                )
            true = int_labels(yt, "y_true", where)
            pred = int_labels(yp, "y_pred", where)
            return (true == pred).astype(np.float64)
        else:
            kind = "binary"
    if kind == "binary":
        if yt.shape != yp.shape:
            raise ValueError(
                f"{where}: binary accuracy needs y_true and y_pred of the same shape, got "
                f"y_true {yt.shape} and y_pred {yp.shape}"
            )
        true = _check_binary_targets(yt, where)
        if yp.dtype.kind == "f":
            pred = binary_scores_to_labels(yp, threshold, from_logits, where)
        else:
            pred = _check_binary_targets(yp, where)
        hit = (true == pred).astype(np.float64)
        return hit if hit.ndim == 1 else hit.reshape(hit.shape[0], -1).mean(axis=1)
    if yp.ndim != 2:
        raise ValueError(
            f"{where}: {kind} accuracy needs y_pred of shape (N, C) class scores, got {yp.shape}"
        )
    check_finite(yp, "y_pred", where)
    pred = np.argmax(yp, axis=1)
    if kind == "sparse":
        if yt.ndim != 1:
            raise ValueError(
                f"{where}: sparse accuracy needs y_true of (N,) integer labels, got shape "
                f"{yt.shape} against y_pred {yp.shape}"
            )
        true = int_labels(yt, "y_true", where, yp.shape[1])
    elif kind == "categorical":
        if yt.shape != yp.shape:
            raise ValueError(
                f"{where}: categorical accuracy needs one-hot y_true of the shape of y_pred, got "
                f"y_true {yt.shape} and y_pred {yp.shape}"
            )
        check_finite(yt, "y_true", where)
        true = np.argmax(yt, axis=1)
    else:
        raise ValueError(f"{where}: unknown kind {kind!r}")
    return (true == pred).astype(np.float64)


def top_k_correct(y_true: Any, y_score: Any, k: int, where: str = "top_k_accuracy") -> np.ndarray:
    """Per-sample hit (1.0/0.0) of the true class among the k highest scores, shape ``(N,)``.

    The rank of the true class j is ``#{i: s_i > s_j} + #{i > j: s_i == s_j}``: ties are
    broken towards the higher class index, exactly as scikit-learn's stable sort does.
    """
    if int(k) != k or k < 1:
        raise ValueError(f"{where}: k must be a positive integer, got {k}")
    yt = as_array(y_true, "y_true", where)
    ys = as_array(y_score, "y_score", where)
    check_length(yt, ys, where)
    if ys.ndim != 2:
        raise ValueError(f"{where}: y_score must have shape (N, C), got {ys.shape}")
    check_finite(ys, "y_score", where)
    yt = squeeze_column(yt)
    if yt.ndim == 2:
        if yt.shape != ys.shape:
            raise ValueError(
                f"{where}: one-hot y_true has shape {yt.shape} but y_score has shape {ys.shape}"
            )
        true = np.argmax(yt, axis=1)
    else:
        true = int_labels(yt, "y_true", where, ys.shape[1])
    n, c = ys.shape
    s_true = ys[np.arange(n), true][:, None]
    higher_index = np.arange(c)[None, :] > true[:, None]
    rank = np.sum(ys > s_true, axis=1) + np.sum((ys == s_true) & higher_index, axis=1)
    return (rank < k).astype(np.float64)


def confusion_counts(
    true: np.ndarray, pred: np.ndarray, num_classes: int, w: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted ``(C, C)`` confusion matrix (rows true, columns predicted) and the ``(C,)``
    mask of classes that occur in either array (whatever their weight)."""
    c = num_classes
    cm = np.bincount(true * c + pred, weights=w, minlength=c * c).astype(np.float64)
    seen = np.zeros(c, dtype=bool)
    seen[true] = True
    seen[pred] = True
    return cm.reshape(c, c), seen


def _divide(num: np.ndarray, den: np.ndarray, zero_division: float) -> np.ndarray:
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.full(num.shape, float(zero_division))
    ok = den != 0
    out[ok] = num[ok] / den[ok]
    return out


def prf_from_confusion(
    cm: np.ndarray,
    seen: np.ndarray,
    average: str,
    pos_label: int = 1,
    zero_division: float = 0.0,
    where: str = "precision",
) -> tuple[float, float, float]:
    """Precision, recall and F1 from a confusion matrix, averaged like scikit-learn.

    Per class k: ``P = TP / (TP + FP)``, ``R = TP / (TP + FN)``,
    ``F1 = 2 TP / (2 TP + FP + FN)``; a zero denominator gives ``zero_division``.
    ``macro`` averages over the classes present in y_true or y_pred, ``weighted`` weights
    them by support, ``micro`` pools TP/FP/FN first, ``binary`` reports ``pos_label``.
    """
    if average not in AVERAGES:
        raise ValueError(f"{where}: average must be one of {AVERAGES}, got {average!r}")
    c = cm.shape[0]
    tp = np.diag(cm)
    pred_sum = cm.sum(axis=0)
    true_sum = cm.sum(axis=1)
    if average == "binary":
        if pos_label not in (0, 1):
            raise ValueError(f"{where}: pos_label must be 0 or 1, got {pos_label}")
        if c > 2 and seen[2:].any():
            top = int(np.flatnonzero(seen)[-1])
            raise ValueError(
                f"{where}: average='binary' needs labels 0/1, but the data hold class {top}; "
                "use average='macro', 'micro' or 'weighted' for more than two classes"
            )
        if c <= pos_label:
            tp_k = pred_k = true_k = np.zeros(1)
        else:
            tp_k, pred_k, true_k = tp[[pos_label]], pred_sum[[pos_label]], true_sum[[pos_label]]
        p, r = _divide(tp_k, pred_k, zero_division), _divide(tp_k, true_k, zero_division)
        f = _divide(2 * tp_k, true_k + pred_k, zero_division)
        return float(p[0]), float(r[0]), float(f[0])
    labels = np.flatnonzero(seen)
    if labels.size == 0:
        return float("nan"), float("nan"), float("nan")
    tp, pred_sum, true_sum = tp[labels], pred_sum[labels], true_sum[labels]
    if average == "micro":
        tp, pred_sum, true_sum = tp.sum(), pred_sum.sum(), true_sum.sum()
    p = _divide(tp, pred_sum, zero_division)
    r = _divide(tp, true_sum, zero_division)
    f = _divide(2 * tp, true_sum + pred_sum, zero_division)
    if average == "weighted":
        total = true_sum.sum()
        if total == 0:
            return float(zero_division), float(zero_division), float(zero_division)
        p, r, f = (np.dot(true_sum, v) / total for v in (p, r, f))
    return float(np.mean(p)), float(np.mean(r)), float(np.mean(f))


def binary_auc(labels: np.ndarray, scores: np.ndarray, w: np.ndarray | None) -> float:
    """Area under the ROC curve for 0/1 ``labels``; tied scores count one half.

    ``AUC = sum_{i pos, j neg} w_i w_j ([s_i > s_j] + 0.5 [s_i = s_j]) / (W_pos W_neg)``,
    the Mann-Whitney statistic, which equals the trapezoidal area under the ROC curve.
    Returns NaN when a class has no (weighted) samples.
    """
    w = np.ones(labels.shape[0]) if w is None else w
    uniq, inv = np.unique(scores, return_inverse=True)
    pos_w = np.bincount(inv, weights=w * labels, minlength=uniq.size)
    neg_w = np.bincount(inv, weights=w * (1 - labels), minlength=uniq.size)
    total_pos, total_neg = pos_w.sum(), neg_w.sum()
    if total_pos == 0 or total_neg == 0:
        return float("nan")
    neg_below = np.cumsum(neg_w) - neg_w
    return float(np.dot(pos_w, neg_below + 0.5 * neg_w) / (total_pos * total_neg))


def auc_from_scores(
    true: np.ndarray,
    scores: np.ndarray,
    w: np.ndarray | None,
    average: str = "macro",
    where: str = "roc_auc",
) -> float:
    """ROC-AUC from ``(N,)`` labels and ``(N,)`` binary or ``(N, C)`` class scores.

    Multiclass is one-vs-rest: the AUC of ``scores[:, k]`` for ``true == k``, averaged over
    classes (``macro``) or weighted by each class's (weighted) number of positives.
    """
    if average not in ("macro", "weighted"):
        raise ValueError(f"{where}: average must be 'macro' or 'weighted', got {average!r}")
    if scores.ndim == 1:
        if true.size and true.max() > 1:
            raise ValueError(
                f"{where}: binary scores of shape {scores.shape} need labels 0/1, but y_true "
                f"holds class {int(true.max())}; give (N, C) class scores for one-vs-rest"
            )
        value = binary_auc(true.astype(np.float64), scores, w)
        if np.isnan(value):
            raise ValueError(
                f"{where}: only one class present in y_true; ROC AUC is not defined then"
            )
        return value
    n_classes = scores.shape[1]
    values = np.empty(n_classes)
    positives = np.empty(n_classes)
    for k in range(n_classes):
        onehot = (true == k).astype(np.float64)
        values[k] = binary_auc(onehot, scores[:, k], w)
        positives[k] = onehot.sum() if w is None else np.dot(w, onehot)
        if np.isnan(values[k]):
            raise ValueError(
                f"{where}: class {k} of {n_classes} has no positive or no negative sample in "
                "y_true; one-vs-rest ROC AUC is not defined for it"
            )
    if average == "weighted":
        return float(np.dot(values, positives) / positives.sum())
    return float(values.mean())


def roc_inputs(y_true: Any, y_score: Any, where: str = "roc_auc") -> tuple[np.ndarray, np.ndarray]:
    """Check and shape ROC-AUC inputs: ``(N,)`` labels and ``(N,)`` or ``(N, C)`` scores.

    ``(N, 1)`` scores are squeezed; ``(N, 2)`` scores with 0/1 labels use column 1 (the
    positive class of a softmax output). One-hot ``(N, C)`` targets become labels.
    """
    yt = as_array(y_true, "y_true", where)
    ys = as_array(y_score, "y_score", where)
    check_length(yt, ys, where)
    yt, ys = squeeze_column(yt), squeeze_column(ys)
    if ys.ndim > 2:
        raise ValueError(f"{where}: y_score must be (N,) or (N, C), got {ys.shape}")
    check_finite(ys, "y_score", where)
    if yt.ndim == 2:
        if yt.shape != ys.shape:
            raise ValueError(
                f"{where}: one-hot y_true has shape {yt.shape} but y_score has shape {ys.shape}"
            )
        true = np.argmax(yt, axis=1).astype(np.int64)
    else:
        true = int_labels(yt, "y_true", where, ys.shape[1] if ys.ndim == 2 else None)
    ys = ys.astype(np.float64)
    if ys.ndim == 2 and ys.shape[1] == 2:
        ys = ys[:, 1]
    return true, ys


# ----------------------------------------------------------------------------- public


def accuracy(
    y_true: Any,
    y_pred: Any,
    *,
    threshold: float = 0.5,
    from_logits: bool = False,
    sample_weight: Any = None,
) -> float:
    """Fraction of correct predictions: ``sum_i w_i [pred_i = true_i] / sum_i w_i``.

    The kind of accuracy follows from the shapes:

    * binary: ``y_pred`` of floating dtype, shape ``(N,)`` or ``(N, 1)``, holds probabilities
      (``pred = p > threshold``) or, with ``from_logits=True``, logits
      (``pred = z > log(t / (1 - t))``, i.e. ``z > 0``); ``y_true`` holds 0/1;
    * labels: ``y_pred`` of integer dtype, shape ``(N,)``, compared with ``y_true`` as is;
    * sparse: ``y_pred`` ``(N, C)`` scores and ``y_true`` ``(N,)`` labels: ``argmax`` of the row;
    * categorical: ``y_pred`` and ``y_true`` both ``(N, C)``: ``argmax`` of each row.

    Parameters
    ----------
    y_true : array of shape (N,), (N, 1) or (N, C)
        Targets: 0/1, class labels or one-hot rows.
    y_pred : array of shape (N,), (N, 1) or (N, C)
        Probabilities, logits, labels or class scores.
    threshold : float
        Probability above which a binary prediction is 1.
    from_logits : bool
        Binary predictions are logits rather than probabilities.
    sample_weight : array of shape (N,), optional
        Non-negative weight per sample.

    Returns
    -------
    float in [0, 1], equal to ``sklearn.metrics.accuracy_score`` on the predicted labels.

    Examples
    --------
    >>> accuracy([0, 1, 1, 0], [0.2, 0.9, 0.4, 0.1])
    0.75
    >>> accuracy([2, 0], [[0.1, 0.2, 0.7], [0.5, 0.4, 0.1]])
    1.0
    """
    where = "accuracy"
    correct = accuracy_correct(
        y_true, y_pred, threshold=threshold, from_logits=from_logits, where=where
    )
    return _weighted_mean(correct, sample_weights(sample_weight, correct.shape[0], where), where)


def top_k_accuracy(y_true: Any, y_score: Any, *, k: int = 5, sample_weight: Any = None) -> float:
    """Fraction of samples whose true class is among the ``k`` highest scores.

    ``hit_i = [rank_i < k]`` with ``rank_i`` the number of classes scored above the true
    one (ties broken towards the higher class index, as in
    ``sklearn.metrics.top_k_accuracy_score``); result ``sum_i w_i hit_i / sum_i w_i``.

    Parameters
    ----------
    y_true : array of shape (N,) labels or (N, C) one-hot
    y_score : array of shape (N, C)
        Class scores (probabilities or logits: only their order matters).
    k : int
        How many of the top classes count as a hit.
    sample_weight : array of shape (N,), optional

    Returns
    -------
    float in [0, 1].

    Examples
    --------
    >>> top_k_accuracy([2, 1], [[0.5, 0.3, 0.2], [0.1, 0.6, 0.3]], k=2)
    0.5
    """
    where = "top_k_accuracy"
    hit = top_k_correct(y_true, y_score, k, where)
    return _weighted_mean(hit, sample_weights(sample_weight, hit.shape[0], where), where)


def _confusion_from_inputs(
    y_true: Any,
    y_pred: Any,
    where: str,
    num_classes: int | None,
    threshold: float,
    from_logits: bool,
    sample_weight: Any,
) -> tuple[np.ndarray, np.ndarray]:
    true, pred, classes = class_labels(
        y_true,
        y_pred,
        where,
        threshold=threshold,
        from_logits=from_logits,
        num_classes=num_classes,
    )
    if true.shape[0] == 0:
        raise ValueError(f"{where}: got 0 samples")
    w = sample_weights(sample_weight, true.shape[0], where)
    if classes is None:
        classes = int(max(true.max(), pred.max())) + 1
    return confusion_counts(true, pred, classes, w)


def _prf(
    which: int,
    where: str,
    y_true: Any,
    y_pred: Any,
    average: str,
    pos_label: int,
    num_classes: int | None,
    threshold: float,
    from_logits: bool,
    zero_division: float,
    sample_weight: Any,
) -> float:
    cm, seen = _confusion_from_inputs(
        y_true, y_pred, where, num_classes, threshold, from_logits, sample_weight
    )
    return prf_from_confusion(cm, seen, average, pos_label, zero_division, where)[which]


_PRF_PARAMETERS = """
    Parameters
    ----------
    y_true : array of shape (N,) labels 0..C-1, or (N, C) one-hot
    y_pred : array of shape (N,) integer labels, (N,) / (N, 1) binary scores, or (N, C) scores
    average : {"binary", "macro", "micro", "weighted"}
        ``binary`` reports class ``pos_label`` and needs labels 0/1; ``macro`` is the plain
        mean over the classes present in y_true or y_pred; ``weighted`` weights each class
        by its support; ``micro`` pools the counts of all classes first.
    pos_label : int
        The positive class (0 or 1) for ``average="binary"``.
    num_classes : int, optional
        Number of classes, to check the labels against (inferred otherwise).
    threshold, from_logits : float, bool
        How binary scores become labels (``p > threshold``; logits ``z > 0`` for 0.5).
    zero_division : float
        Value of a ratio whose denominator is zero (scikit-learn's default is 0).
    sample_weight : array of shape (N,), optional

    Returns
    -------
    float in [0, 1], equal to scikit-learn's on the same labels.
"""


def precision(
    y_true: Any,
    y_pred: Any,
    *,
    average: Average = "binary",
    pos_label: int = 1,
    num_classes: int | None = None,
    threshold: float = 0.5,
    from_logits: bool = False,
    zero_division: float = 0.0,
    sample_weight: Any = None,
) -> float:
    """Precision ``TP / (TP + FP)``: of the samples predicted as a class, the share that are.

    Examples
    --------
    >>> precision([0, 1, 1, 0], [1, 1, 0, 0])
    0.5
    >>> precision([0, 1, 2, 2], [0, 2, 2, 2], average="macro")  # (1 + 0 + 2/3) / 3
    0.5555555555555555
    """
    return _prf(
        0, "precision", y_true, y_pred, average, pos_label, num_classes, threshold,
        from_logits, zero_division, sample_weight,
    )  # fmt: skip


def recall(
    y_true: Any,
    y_pred: Any,
    *,
    average: Average = "binary",
    pos_label: int = 1,
    num_classes: int | None = None,
    threshold: float = 0.5,
    from_logits: bool = False,
    zero_division: float = 0.0,
    sample_weight: Any = None,
) -> float:
    """Recall ``TP / (TP + FN)``: of the samples of a class, the share predicted as it.

    Examples
    --------
    >>> recall([0, 1, 1, 0], [1, 1, 0, 0])
    0.5
    """
    return _prf(
        1, "recall", y_true, y_pred, average, pos_label, num_classes, threshold,
        from_logits, zero_division, sample_weight,
    )  # fmt: skip


def f1_score(
    y_true: Any,
    y_pred: Any,
    *,
    average: Average = "binary",
    pos_label: int = 1,
    num_classes: int | None = None,
    threshold: float = 0.5,
    from_logits: bool = False,
    zero_division: float = 0.0,
    sample_weight: Any = None,
) -> float:
    """F1, the harmonic mean of precision and recall: ``2 TP / (2 TP + FP + FN)``.

    Examples
    --------
    >>> f1_score([0, 1, 1, 1], [0, 1, 0, 1])
    0.8
    """
    return _prf(
        2, "f1_score", y_true, y_pred, average, pos_label, num_classes, threshold,
        from_logits, zero_division, sample_weight,
    )  # fmt: skip


# The three share their parameters; insert them once, before each one's examples.
for _fn in (precision, recall, f1_score):
    _head, _sep, _tail = (_fn.__doc__ or "").partition("\n    Examples\n")
    _fn.__doc__ = _head.rstrip() + "\n" + _PRF_PARAMETERS + _sep + _tail


def normalize_confusion(cm: np.ndarray, normalize: str | None, where: str) -> np.ndarray:
    """Divide a confusion matrix by its row sums (``"true"``), column sums (``"pred"``) or
    total (``"all"``); empty rows/columns give zeros, as in scikit-learn."""
    if normalize is None:
        return cm
    cm = cm.astype(np.float64)
    if normalize == "true":
        den = cm.sum(axis=1, keepdims=True)
    elif normalize == "pred":
        den = cm.sum(axis=0, keepdims=True)
    elif normalize == "all":
        den = np.asarray(cm.sum())
    else:
        raise ValueError(
            f"{where}: normalize must be None, 'true', 'pred' or 'all', got {normalize!r}"
        )
    return np.divide(cm, den, out=np.zeros_like(cm), where=den != 0)


def confusion_matrix(
    y_true: Any,
    y_pred: Any,
    *,
    num_classes: int | None = None,
    threshold: float = 0.5,
    from_logits: bool = False,
    normalize: Literal["true", "pred", "all"] | None = None,
    sample_weight: Any = None,
) -> np.ndarray:
    """Confusion matrix ``M[i, j]`` = (weighted) number of samples of class i predicted as j.

    Rows and columns are the classes ``0..C-1``, with ``C`` = ``num_classes``, the width of
    ``(N, C)`` scores, 2 for binary scores, or the largest label + 1. This equals
    ``sklearn.metrics.confusion_matrix(y_true, y_pred, labels=range(C))``.

    Parameters
    ----------
    y_true : array of shape (N,) labels or (N, C) one-hot
    y_pred : array of shape (N,) labels, (N,) / (N, 1) binary scores, or (N, C) scores
    num_classes : int, optional
    threshold, from_logits : float, bool
        How binary scores become labels.
    normalize : {"true", "pred", "all"}, optional
        Divide by row sums, column sums or the total.
    sample_weight : array of shape (N,), optional

    Returns
    -------
    array of shape (C, C): int64 counts, float64 when weighted or normalized.

    Examples
    --------
    >>> confusion_matrix([0, 1, 2, 2], [0, 2, 2, 1])
    array([[1, 0, 0],
           [0, 0, 1],
           [0, 1, 1]])
    """
    where = "confusion_matrix"
    cm, _ = _confusion_from_inputs(
        y_true, y_pred, where, num_classes, threshold, from_logits, sample_weight
    )
    if sample_weight is None and normalize is None:
        return cm.astype(np.int64)
    return normalize_confusion(cm, normalize, where)


def roc_auc(
    y_true: Any,
    y_score: Any,
    *,
    average: Literal["macro", "weighted"] = "macro",
    sample_weight: Any = None,
) -> float:
    """Area under the ROC curve: the probability that a random positive outscores a random
    negative, ties counting one half.

    ``AUC = sum_{i pos, j neg} w_i w_j ([s_i > s_j] + 0.5 [s_i = s_j]) / (W_pos W_neg)``.
    Binary for ``(N,)`` scores (or ``(N, 2)``, whose column 1 is used); one-vs-rest for
    ``(N, C)`` scores, averaged over classes (``macro``) or by prevalence (``weighted``),
    as ``sklearn.metrics.roc_auc_score(..., multi_class="ovr")``. Scores are used as they
    are (probabilities, logits or any ranking).

    Parameters
    ----------
    y_true : array of shape (N,) labels or (N, C) one-hot
    y_score : array of shape (N,), (N, 1) or (N, C)
    average : {"macro", "weighted"}
        How the one-vs-rest AUCs are combined.
    sample_weight : array of shape (N,), optional

    Returns
    -------
    float in [0, 1].

    Raises
    ------
    ValueError
        When y_true holds only one class (for a class of a multiclass problem: no
        positive or no negative sample), where the AUC is undefined.

    Examples
    --------
    >>> roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    where = "roc_auc"
    true, scores = roc_inputs(y_true, y_score, where)
    if true.shape[0] == 0:
        raise ValueError(f"{where}: got 0 samples")
    w = sample_weights(sample_weight, true.shape[0], where)
    return auc_from_scores(true, scores, w, average, where)
