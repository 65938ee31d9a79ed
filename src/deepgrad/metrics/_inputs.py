"""Turning what a user or ``fit`` hands a metric into checked NumPy arrays.

Private: every function here raises a ``ValueError`` that names the metric, the expected
and the actual shape or value, so the public metrics stay short.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def as_array(x: Any, what: str, where: str) -> np.ndarray:
    """Return ``x`` as a NumPy array: arrays, lists, anything with ``__array__`` or ``.numpy()``.

    deepgrad tensors (and PyTorch tensors) expose ``.numpy()``; the metrics never import
    the engine.
    """
    if isinstance(x, np.ndarray):
        return x
    if callable(getattr(x, "numpy", None)):
        x = x.numpy()  # deepgrad / PyTorch tensors
    elif type(x).__module__.startswith("cupy") and callable(getattr(x, "get", None)):
        x = x.get()  # a CuPy array, copied to the host
    try:
        arr = np.asarray(x)
    except Exception as exc:  # pragma: no cover - exotic objects
        name = type(x).__name__
        raise TypeError(f"{where}: cannot turn {what} of type {name} into an array") from exc
    if arr.dtype == object:
        raise TypeError(f"{where}: {what} must be numeric, got an array of Python objects")
    return arr


def check_finite(arr: np.ndarray, what: str, where: str) -> None:
    """Refuse NaN or Inf in ``arr`` (naming how many and the metric)."""
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        bad = int(np.count_nonzero(~np.isfinite(arr)))
        raise ValueError(f"{where}: {what} contains {bad} NaN or Inf value(s)")


def check_length(y_true: np.ndarray, y_pred: np.ndarray, where: str) -> None:
    """Both arrays hold one row per sample: their first dimensions must agree."""
    if y_true.ndim == 0 or y_pred.ndim == 0:
        raise ValueError(
            f"{where}: y_true and y_pred must be arrays of samples, got shapes "
            f"{y_true.shape} and {y_pred.shape}"
        )
    if y_true.shape[0] != y_pred.shape[0]:
        raise ValueError(
            f"{where}: y_true has shape {y_true.shape} and y_pred has shape {y_pred.shape}; "
            "they must hold the same number of samples (first dimension)"
        )


def sample_weights(sample_weight: Any, n: int, where: str) -> np.ndarray | None:
    """Return the weights as a float64 ``(n,)`` array, or ``None`` when not given."""
    if sample_weight is None:
        return None
    w = as_array(sample_weight, "sample_weight", where).astype(np.float64)
    if w.ndim == 2 and w.shape[1] == 1:
        w = w[:, 0]
    if w.shape != (n,):
        raise ValueError(f"{where}: sample_weight must have shape ({n},), got {w.shape}")
    check_finite(w, "sample_weight", where)
    if np.any(w < 0):
        raise ValueError(f"{where}: sample_weight must be non-negative")
    return w


def squeeze_column(arr: np.ndarray) -> np.ndarray:
    """``(N, 1)`` -> ``(N,)``; anything else unchanged."""
    if arr.ndim == 2 and arr.shape[1] == 1:
        return arr[:, 0]
    return arr


def int_labels(
    arr: np.ndarray, what: str, where: str, num_classes: int | None = None
) -> np.ndarray:
    """Check ``arr`` holds class indices 0..C-1 and return them as ``int64``.

    Floating arrays are accepted when every value is a whole number (``1.0``); booleans
    become 0/1. Negative, fractional or out-of-range labels are named in the error.
    """
    if arr.dtype == bool:
        return arr.astype(np.int64)
    if arr.dtype.kind == "f":
        check_finite(arr, what, where)
        if arr.size and not np.all(arr == np.round(arr)):
            frac = arr[arr != np.round(arr)].ravel()[0]
            raise ValueError(
                f"{where}: {what} must hold integer class labels, got a fractional value {frac}"
            )
    elif arr.dtype.kind not in "iu":
        raise ValueError(f"{where}: {what} must hold integer class labels, got dtype {arr.dtype}")
    labels = arr.astype(np.int64)
    if labels.size:
        lo, hi = int(labels.min()), int(labels.max())
        if lo < 0:
            raise ValueError(f"{where}: {what} has a negative class label {lo}; labels are 0..C-1")
        if num_classes is not None and hi >= num_classes:
            raise ValueError(
                f"{where}: {what} has class label {hi}, out of range for {num_classes} classes "
                f"(labels must be in 0..{num_classes - 1})"
            )
    return labels


def binary_scores_to_labels(
    scores: np.ndarray, threshold: float, from_logits: bool, where: str
) -> np.ndarray:
    """Threshold binary scores: ``p > threshold``, or on logits ``z > log(t / (1 - t))``.

    Without ``from_logits`` the scores must be probabilities in [0, 1]; values outside
    look like logits and are refused with that advice rather than silently misread.
    """
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"{where}: threshold must be a probability in (0, 1), got {threshold}")
    check_finite(scores, "y_pred", where)
    if from_logits:
        cut = float(np.log(threshold) - np.log1p(-threshold))
        return (scores > cut).astype(np.int64)
    if scores.size and (scores.min() < 0.0 or scores.max() > 1.0):
        raise ValueError(
            f"{where}: y_pred holds values outside [0, 1] (min {scores.min():.4g}, max "
            f"{scores.max():.4g}); these look like logits: pass from_logits=True"
        )
    return (scores > threshold).astype(np.int64)


def class_labels(
    y_true: Any,
    y_pred: Any,
    where: str,
    *,
    threshold: float = 0.5,
    from_logits: bool = False,
    num_classes: int | None = None,
) -> tuple[np.ndarray, np.ndarray, int | None]:
    """Reduce ``(y_true, y_pred)`` to two ``(N,)`` integer label arrays.

    ``y_pred`` may be labels ``(N,)`` of integer dtype, binary scores ``(N,)`` / ``(N, 1)``
    of floating dtype (thresholded), or class scores ``(N, C)`` (argmax). ``y_true`` may be
    labels ``(N,)`` / ``(N, 1)`` or one-hot ``(N, C)`` (argmax). Returns the labels and the
    number of classes fixed by the shapes (``C`` of ``(N, C)`` scores, 2 for binary scores,
    ``num_classes`` if given, else ``None``).
    """
    yt = as_array(y_true, "y_true", where)
    yp = as_array(y_pred, "y_pred", where)
    check_length(yt, yp, where)
    yp = squeeze_column(yp)
    if yp.ndim > 2:
        raise ValueError(f"{where}: y_pred must be (N,), (N, 1) or (N, C); got {yp.shape}")
    classes = num_classes
    if yp.ndim == 2:
        check_finite(yp, "y_pred", where)
        c = yp.shape[1]
        if classes is not None and classes != c:
            raise ValueError(f"{where}: num_classes={classes} but y_pred has shape {yp.shape}")
        classes = c
        pred = np.argmax(yp, axis=1).astype(np.int64)
    elif yp.dtype.kind == "f":
        pred = binary_scores_to_labels(yp, threshold, from_logits, where)
        if classes is None:
            classes = 2
    else:
        pred = int_labels(yp, "y_pred", where, classes)
    yt = squeeze_column(yt)
    if yt.ndim == 2:
        if yp.ndim != 2 or yt.shape != yp.shape:
            raise ValueError(
                f"{where}: one-hot y_true has shape {yt.shape} but y_pred has shape "
                f"{yp.shape}; give y_true as (N,) labels or y_pred as matching (N, C) scores"
            )
        check_finite(yt, "y_true", where)
        true = np.argmax(yt, axis=1).astype(np.int64)
    elif yt.ndim == 1:
        binary_scores = yp.ndim == 1 and yp.dtype.kind == "f"
        true = int_labels(yt, "y_true", where, None if binary_scores else classes)
        if binary_scores and true.size and true.max() > 1:
            raise ValueError(
                f"{where}: y_pred of shape {yp.shape} with floating dtype is read as binary "
                f"scores, but y_true has class label {int(true.max())}; pass predicted "
                "labels as integers or class scores as (N, C)"
            )
    else:
        raise ValueError(f"{where}: y_true must be (N,), (N, 1) or (N, C); got {yt.shape}")
    return true, pred, classes
