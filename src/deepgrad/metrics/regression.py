"""Regression metrics as plain functions on NumPy arrays.

Every function takes ``(y_true, y_pred)`` of shape ``(N,)`` or ``(N, D)`` (``D`` outputs)
and returns what ``sklearn.metrics`` returns on the same inputs. A prediction of shape
``(N, 1)`` against targets of shape ``(N,)`` (what a ``Linear(k, 1)`` head gives) is
squeezed on purpose; any other shape mismatch is an error naming both shapes, never a
silent broadcast to ``N x N``.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from deepgrad.metrics._inputs import (
    as_array,
    check_finite,
    check_length,
    sample_weights,
    squeeze_column,
)

MultiOutput = Literal["uniform_average", "raw_values"]

__all__ = [
    "mean_absolute_error",
    "mean_squared_error",
    "r2_score",
    "root_mean_squared_error",
]


def regression_inputs(y_true: Any, y_pred: Any, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Return targets and predictions as float64 ``(N, D)`` arrays of the same shape."""
    yt = as_array(y_true, "y_true", where)
    yp = as_array(y_pred, "y_pred", where)
    check_length(yt, yp, where)
    yt2, yp2 = squeeze_column(yt), squeeze_column(yp)
    if yt2.shape != yp2.shape or yt2.ndim > 2:
        raise ValueError(
            f"{where}: y_true has shape {yt.shape} and y_pred has shape {yp.shape}; they must "
            "match ((N,) and (N, 1) are both accepted as one output)"
        )
    if yt2.dtype.kind not in "biuf" or yp2.dtype.kind not in "biuf":
        raise ValueError(f"{where}: y_true and y_pred must be numeric")
    yt2 = yt2.astype(np.float64)
    yp2 = yp2.astype(np.float64)
    if yt2.ndim == 1:
        yt2, yp2 = yt2[:, None], yp2[:, None]
    check_finite(yt2, "y_true", where)
    check_finite(yp2, "y_pred", where)
    return yt2, yp2


def _combine(per_output: np.ndarray, multioutput: str, where: str) -> float | np.ndarray:
    if multioutput == "raw_values":
        return per_output
    if multioutput == "uniform_average":
        return float(per_output.mean())
    raise ValueError(
        f"{where}: multioutput must be 'uniform_average' or 'raw_values', got {multioutput!r}"
    )


def error_sums(
    y_true: Any, y_pred: Any, sample_weight: Any, power: int, where: str
) -> tuple[float, np.ndarray]:
    """Total weight ``W = sum_i w_i`` and per-output ``sum_i w_i |y_i - p_i|^power``, ``(D,)``."""
    yt, yp = regression_inputs(y_true, y_pred, where)
    w = sample_weights(sample_weight, yt.shape[0], where)
    err = np.abs(yt - yp) ** power
    if w is None:
        return float(yt.shape[0]), err.sum(axis=0)
    return float(w.sum()), w @ err


def _mean_error(y_true: Any, y_pred: Any, sample_weight: Any, power: int, where: str) -> np.ndarray:
    total, sums = error_sums(y_true, y_pred, sample_weight, power, where)
    if total == 0:
        raise ValueError(f"{where}: got 0 samples (or sample weights summing to zero)")
    return sums / total


def mean_squared_error(
    y_true: Any,
    y_pred: Any,
    *,
    sample_weight: Any = None,
    multioutput: MultiOutput = "uniform_average",
) -> float | np.ndarray:
    """Mean squared error ``sum_i w_i (y_i - p_i)^2 / sum_i w_i``, per output, then averaged.

    Parameters
    ----------
    y_true, y_pred : arrays of shape (N,), (N, 1) or (N, D)
    sample_weight : array of shape (N,), optional
    multioutput : {"uniform_average", "raw_values"}
        Average the D outputs' errors, or return them as a ``(D,)`` array.

    Returns
    -------
    float (or ``(D,)`` array), as ``sklearn.metrics.mean_squared_error``.

    Examples
    --------
    >>> mean_squared_error([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0])
    0.375
    """
    where = "mean_squared_error"
    return _combine(_mean_error(y_true, y_pred, sample_weight, 2, where), multioutput, where)


def root_mean_squared_error(
    y_true: Any,
    y_pred: Any,
    *,
    sample_weight: Any = None,
    multioutput: MultiOutput = "uniform_average",
) -> float | np.ndarray:
    """Root mean squared error ``sqrt(sum_i w_i (y_i - p_i)^2 / sum_i w_i)`` per output, then
    averaged over outputs (as ``sklearn.metrics.root_mean_squared_error``).

    Parameters
    ----------
    y_true, y_pred : arrays of shape (N,), (N, 1) or (N, D)
    sample_weight : array of shape (N,), optional
    multioutput : {"uniform_average", "raw_values"}

    Returns
    -------
    float (or ``(D,)`` array).

    Examples
    --------
    >>> root_mean_squared_error([0.0, 0.0, 0.0, 0.0], [1.0, -1.0, 1.0, -1.0])
    1.0
    """
    where = "root_mean_squared_error"
    mse = _mean_error(y_true, y_pred, sample_weight, 2, where)
    return _combine(np.sqrt(mse), multioutput, where)


def mean_absolute_error(
    y_true: Any,
    y_pred: Any,
    *,
    sample_weight: Any = None,
    multioutput: MultiOutput = "uniform_average",
) -> float | np.ndarray:
    """Mean absolute error ``sum_i w_i |y_i - p_i| / sum_i w_i``, per output, then averaged.

    Parameters
    ----------
    y_true, y_pred : arrays of shape (N,), (N, 1) or (N, D)
    sample_weight : array of shape (N,), optional
    multioutput : {"uniform_average", "raw_values"}

    Returns
    -------
    float (or ``(D,)`` array), as ``sklearn.metrics.mean_absolute_error``.

    Examples
    --------
    >>> mean_absolute_error([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0])
    0.5
    """
    where = "mean_absolute_error"
    return _combine(_mean_error(y_true, y_pred, sample_weight, 1, where), multioutput, where)


def r2_moments(
    y_true: Any,
    y_pred: Any,
    sample_weight: Any,
    where: str = "r2_score",
    shift: np.ndarray | None = None,
) -> tuple[int, float, np.ndarray, np.ndarray, np.ndarray]:
    """Sufficient statistics of R²: ``(n, W, mean, M2, SSE)``.

    ``n`` samples, total weight ``W``, per-output weighted mean of ``y_true - shift``, the
    weighted sum of squared deviations ``M2 = sum_i w_i (y_i - mean)^2`` and the residual
    sum ``SSE = sum_i w_i (y_i - p_i)^2`` (each ``(D,)``). Batches combine with
    :func:`merge_r2_moments`; a ``shift`` near the data (the first batch's mean) keeps the
    means small, so that their differences stay exact even for targets like ``1e6 + x``.
    """
    yt, yp = regression_inputs(y_true, y_pred, where)
    n, d = yt.shape
    w = sample_weights(sample_weight, n, where)
    w = np.ones(n) if w is None else w
    total = float(w.sum())
    if total == 0:
        return n, 0.0, np.zeros(d), np.zeros(d), np.zeros(d)
    sse = w @ (yt - yp) ** 2
    if shift is not None:
        if shift.shape != (d,):
            raise ValueError(
                f"{where}: this batch has {d} output(s), earlier ones had {shift.shape[0]}"
            )
        yt = yt - shift
    mean = (w @ yt) / total
    m2 = w @ (yt - mean) ** 2
    return n, total, mean, m2, sse


def merge_r2_moments(
    a: tuple[int, float, np.ndarray, np.ndarray, np.ndarray],
    b: tuple[int, float, np.ndarray, np.ndarray, np.ndarray],
) -> tuple[int, float, np.ndarray, np.ndarray, np.ndarray]:
    """Combine the moments of two batches (Chan et al.'s parallel update, stable in float):

    ``delta = mean_b - mean_a``, ``W = W_a + W_b``, ``mean = mean_a + delta W_b / W``,
    ``M2 = M2_a + M2_b + delta^2 W_a W_b / W``.
    """
    n_a, w_a, mean_a, m2_a, sse_a = a
    n_b, w_b, mean_b, m2_b, sse_b = b
    total = w_a + w_b
    if w_a == 0 or w_b == 0:
        mean, m2 = (mean_b, m2_a + m2_b) if w_a == 0 else (mean_a, m2_a + m2_b)
        return n_a + n_b, total, mean, m2, sse_a + sse_b
    delta = mean_b - mean_a
    mean = mean_a + delta * (w_b / total)
    m2 = m2_a + m2_b + delta**2 * (w_a * w_b / total)
    return n_a + n_b, total, mean, m2, sse_a + sse_b


def r2_from_moments(
    n: int, m2: np.ndarray, sse: np.ndarray, multioutput: str = "uniform_average"
) -> float | np.ndarray:
    """``R² = 1 - SSE / M2`` per output, with scikit-learn's finite conventions: a constant
    target gives 1.0 for perfect predictions and 0.0 otherwise; fewer than two samples
    give NaN."""
    where = "r2_score"
    if n < 2:
        nan = np.full(m2.shape, np.nan)
        return _combine(nan, multioutput, where)
    scores = np.ones(m2.shape)
    valid = (m2 != 0) & (sse != 0)
    scores[valid] = 1.0 - sse[valid] / m2[valid]
    scores[(sse != 0) & (m2 == 0)] = 0.0
    return _combine(scores, multioutput, where)


def r2_score(
    y_true: Any,
    y_pred: Any,
    *,
    sample_weight: Any = None,
    multioutput: MultiOutput = "uniform_average",
) -> float | np.ndarray:
    """Coefficient of determination ``R² = 1 - sum_i w_i (y_i - p_i)^2 / sum_i w_i (y_i - ȳ)^2``
    (``ȳ`` the weighted mean of y_true), per output, then averaged.

    1 is perfect; 0 is what predicting the mean scores; it can be negative. A constant
    target gives 1.0 for perfect predictions and 0.0 otherwise, and fewer than two samples
    give NaN, as ``sklearn.metrics.r2_score``.

    Parameters
    ----------
    y_true, y_pred : arrays of shape (N,), (N, 1) or (N, D)
    sample_weight : array of shape (N,), optional
    multioutput : {"uniform_average", "raw_values"}

    Returns
    -------
    float (or ``(D,)`` array).

    Examples
    --------
    >>> r2_score([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0])
    0.9486081370449679
    """
    n, total, _, m2, sse = r2_moments(y_true, y_pred, sample_weight)
    if n == 0 or total == 0:
        raise ValueError("r2_score: got 0 samples (or sample weights summing to zero)")
    return r2_from_moments(n, m2, sse, multioutput)
