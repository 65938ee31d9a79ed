"""K-fold cross-validation of any model with ``fit`` and ``evaluate`` (or ``score``).

This module knows nothing of deepgrad's engine: a model is whatever ``model_factory()``
returns, as long as it can ``fit(x, y, ...)`` and then either ``evaluate(x, y)`` (a dict
of metric name -> number, Keras-style, or a single loss) or ``score(x, y)`` (one number,
scikit-learn-style). A fresh model is built for every fold, so no fold sees another's
training.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from deepgrad.data.dataset import as_array
from deepgrad.data.splits import KFold, StratifiedKFold

__all__ = ["cross_validate", "CrossValidationResult"]


@dataclass
class CrossValidationResult:
    """Per-fold metrics of a cross-validation and their mean and standard deviation.

    Attributes
    ----------
    folds : list of dict
        ``folds[k][metric]``: the metric on the held-out part of fold ``k``.
    mean, std : dict
        Mean and (population) standard deviation of every metric over the folds.
    """

    folds: list[dict[str, float]]
    mean: dict[str, float] = field(default_factory=dict)
    std: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.mean and self.folds:
            names = [k for k in self.folds[0] if all(k in f for f in self.folds)]
            for name in names:
                values = np.array([f[name] for f in self.folds], dtype=np.float64)
                self.mean[name] = float(values.mean())
                self.std[name] = float(values.std())

    def summary(self) -> str:
        """One line per metric: ``name: mean ± std (K folds)``."""
        k = len(self.folds)
        return "\n".join(
            f"{name}: {self.mean[name]:.4f} ± {self.std[name]:.4f} ({k} folds)"
            for name in self.mean
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form ``{"folds": [...], "mean": {...}, "std": {...}}``."""
        return {
            "folds": [dict(f) for f in self.folds],
            "mean": dict(self.mean),
            "std": dict(self.std),
        }

    def __str__(self) -> str:
        return self.summary()


def _call(method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``method``, passing only the keyword arguments it accepts."""
    try:
        params = inspect.signature(method).parameters
    except (TypeError, ValueError):
        return method(*args, **kwargs)
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return method(*args, **kwargs)
    return method(*args, **{k: v for k, v in kwargs.items() if k in params})


def _metrics(model: Any, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    if hasattr(model, "evaluate"):
        result = _call(model.evaluate, x, y, verbose=0, return_dict=True)
        if isinstance(result, Mapping):
            return {str(k): float(v) for k, v in result.items()}
        if np.ndim(result) == 0:
            return {"loss": float(result)}
        raise TypeError(
            "cross_validate: model.evaluate(x, y) must return a dict of metrics or a number; "
            f"got {type(result).__name__}"
        )
    if hasattr(model, "score"):
        return {"score": float(model.score(x, y))}
    raise TypeError(
        f"cross_validate: the model ({type(model).__name__}) has neither evaluate(x, y) nor "
        "score(x, y)"
    )


def _is_classification(y: np.ndarray) -> bool:
    return y.ndim == 1 and (y.dtype.kind in "iubUSO")


def cross_validate(
    model_factory: Callable[[], Any],
    x: Any,
    y: Any,
    folds: int | Any = 5,
    *,
    stratify: bool | None = None,
    shuffle: bool = True,
    seed: int | None = 0,
    fit_kwargs: Mapping[str, Any] | None = None,
    verbose: int = 0,
) -> CrossValidationResult:
    """Train a fresh model on each of K folds and score it on the held-out fold.

    Parameters
    ----------
    model_factory : callable
        ``model_factory()`` returns a new, untrained model with ``fit(x, y, ...)`` and
        ``evaluate(x, y)`` (dict of metrics, or a loss) or ``score(x, y)``.
    x : array-like
        Inputs ``(N, ...)``.
    y : array-like
        Targets ``(N, ...)``.
    folds : int or splitter
        Number of folds ``K``, or an object with ``split(x, y)`` yielding
        ``(train_index, test_index)`` (e.g. :class:`KFold`).
    stratify : bool, optional
        Keep class proportions in every fold. Default: yes when ``y`` is a 1-D array of
        integer or string labels.
    shuffle : bool
        Shuffle before cutting the folds.
    seed : int, optional
        Seed of the shuffle.
    fit_kwargs : mapping, optional
        Extra arguments of ``fit`` (``epochs``, ``batch_size``, ...); ``verbose`` is passed
        to ``fit`` and ``evaluate`` when they accept it.
    verbose : int
        Print each fold's metrics when > 0.

    Returns
    -------
    CrossValidationResult
        ``folds`` (one dict of metrics per fold), ``mean`` and ``std``.

    Examples
    --------
    >>> class MeanModel:                     # predicts the training mean
    ...     def fit(self, x, y): self.m = y.mean()
    ...     def evaluate(self, x, y): return {"mse": float(((y - self.m) ** 2).mean())}
    >>> res = cross_validate(MeanModel, np.zeros((8, 1)), np.arange(8.0), folds=4)
    >>> len(res.folds), sorted(res.mean)
    (4, ['mse'])
    """
    xa = as_array(x, "x", "cross_validate")
    ya = as_array(y, "y", "cross_validate")
    if len(xa) != len(ya):
        raise ValueError(
            f"cross_validate: x has {len(xa)} samples but y has {len(ya)}; they must match"
        )
    if isinstance(folds, int | np.integer):
        if folds < 2:
            raise ValueError(f"cross_validate: folds must be >= 2; got {folds}")
        if folds > len(xa):
            raise ValueError(
                f"cross_validate: {folds} folds need at least {folds} samples; got {len(xa)}"
            )
        use_strata = _is_classification(ya) if stratify is None else stratify
        splitter_cls = StratifiedKFold if use_strata else KFold
        splitter = splitter_cls(int(folds), shuffle=shuffle, seed=seed if shuffle else None)
    elif hasattr(folds, "split"):
        splitter = folds
    else:
        raise TypeError(
            f"cross_validate: folds must be an int or a splitter with split(x, y); got {folds!r}"
        )
    kwargs = dict(fit_kwargs or {})
    kwargs.setdefault("verbose", 0)
    results: list[dict[str, float]] = []
    for k, (train_idx, test_idx) in enumerate(splitter.split(xa, ya)):
        model = model_factory()
        _call(model.fit, xa[train_idx], ya[train_idx], **kwargs)
        metrics = _metrics(model, xa[test_idx], ya[test_idx])
        bad = [name for name, v in metrics.items() if not math.isfinite(v)]
        if bad and verbose:
            print(f"fold {k + 1}: non-finite metrics {bad}")
        results.append(metrics)
        if verbose:
            shown = ", ".join(f"{name}={v:.4f}" for name, v in metrics.items())
            print(f"fold {k + 1}: {shown}")
    return CrossValidationResult(results)
