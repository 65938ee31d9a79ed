"""Streaming metrics reduced over the ranks: each rank accumulates its shard, and at the end
of an epoch the ranks' states are gathered and merged, so every rank logs the metric of the
whole epoch — the number one process would log.

Merging by kind of state: counts and sums add (``Mean``, the accuracies, MSE/MAE/RMSE,
the confusion matrix behind precision/recall/F1 — padded to the largest number of classes
seen); ``AUC``'s kept labels and scores concatenate; ``R2Score``'s moments combine with Chan
et al.'s parallel update. A metric of another class merges with its own
``merge_states(states)`` method, else the reduction refuses it with a clear error.

>>> from deepgrad import metrics as M
>>> a, b = M.Accuracy(), M.Accuracy()
>>> a.update(np.array([1, 0]), np.array([1, 1])); b.update(np.array([1]), np.array([1]))
>>> merged = M.Accuracy(); merge_into(merged, [a.state_dict(), b.state_dict()])
>>> merged.result()
0.6666666666666666
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import metrics as M
from ..metrics.regression import merge_r2_moments
from ..metrics.streaming import _CorrectFraction, _ErrorMean


def _pad(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    out = np.zeros(shape, dtype=a.dtype)
    out[tuple(slice(0, s) for s in a.shape)] = a
    return out


def _merge_confusion(states: list[dict[str, Any]]) -> dict[str, Any]:
    c = max(np.asarray(s["confusion"]).shape[0] for s in states)
    confusion = sum(_pad(np.asarray(s["confusion"], dtype=np.float64), (c, c)) for s in states)
    seen = np.zeros(c, dtype=bool)
    for s in states:
        seen |= _pad(np.asarray(s["seen"], dtype=bool), (c,))
    return {
        "confusion": confusion,
        "seen": seen,
        "weighted": any(bool(s["weighted"]) for s in states),
    }


def _merge_r2(states: list[dict[str, Any]]) -> dict[str, Any]:
    live = [s for s in states if int(s["count"]) > 0]
    if not live:
        return states[0]
    shift = np.asarray(live[0]["shift"], dtype=np.float64)

    def moments(s: dict[str, Any]) -> tuple:
        # each rank's mean is relative to its own first batch's mean: re-express on rank 0's
        mean = np.asarray(s["mean"], dtype=np.float64) + np.asarray(s["shift"]) - shift
        return (
            int(s["count"]),
            float(s["weight"]),
            mean,
            np.asarray(s["m2"]),
            np.asarray(s["sse"]),
        )

    acc = moments(live[0])
    for s in live[1:]:
        acc = merge_r2_moments(acc, moments(s))
    n, w, mean, m2, sse = acc
    return {"count": n, "weight": w, "shift": shift, "mean": mean, "m2": m2, "sse": sse}


def _merge_sums(states: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in states[0]:
        vals = [s[key] for s in states]
        if isinstance(vals[0], np.ndarray) or any(isinstance(v, np.ndarray) for v in vals):
            arrays = [np.asarray(v) for v in vals if np.asarray(v).size]
            out[key] = sum(arrays[1:], arrays[0].copy()) if arrays else np.asarray(vals[0])
        else:
            out[key] = sum(vals)
    return out


_SUMMED = (M.Mean, _CorrectFraction, _ErrorMean)


def merged_state(metric: Any, states: list[dict[str, Any]]) -> dict[str, Any]:
    """The state of ``metric`` over every rank, from the ranks' ``state_dict()``s."""
    if len(states) == 1:
        return states[0]
    if callable(getattr(metric, "merge_states", None)):
        return metric.merge_states(states)
    if isinstance(metric, M.ConfusionMatrix):
        return _merge_confusion(states)
    if isinstance(metric, M.R2Score):
        return _merge_r2(states)
    if isinstance(metric, M.AUC):
        live = [s for s in states if np.asarray(s["labels"]).size] or states[:1]
        return {
            k: np.concatenate([np.asarray(s[k]) for s in live])
            for k in ("labels", "scores", "weights")
        }
    if isinstance(metric, _SUMMED):
        return _merge_sums(states)
    raise TypeError(
        f"distributed training: the metric {type(metric).__name__} ({metric.name!r}) cannot be "
        "reduced over the ranks; give it a method merge_states(states) -> state that combines "
        "the ranks' state_dict()s"
    )


def merge_into(metric: Any, states: list[dict[str, Any]]) -> None:
    """Load into ``metric`` the merge of the ranks' ``states``."""
    metric.load_state_dict(merged_state(metric, states))
