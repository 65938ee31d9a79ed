"""Evaluating a classifier by looking: ROC and precision–recall curves (binary, or one-vs-rest
per class) with the AUC / average precision in the legend, a calibration (reliability) plot,
and the per-class report — the numbers from ``sklearn.metrics``, the plots from Matplotlib.

``y_score`` is what a model gives: probabilities, or logits (turned into probabilities by
:func:`probabilities`). Binary scores are ``(N,)`` / ``(N, 1)`` (the positive class) or
``(N, 2)``; multi-class scores are ``(N, C)`` and each class is drawn one-vs-rest.

>>> import numpy as np
>>> y = np.array([0, 0, 1, 1]); p = np.array([0.1, 0.4, 0.35, 0.8])
>>> fig = plot_roc(y, p)
>>> fig.axes[0].get_legend().get_texts()[0].get_text()
'class 1 (AUC = 0.750)'
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np  # plots are host-side: NumPy arrays, not the engine's xp
from matplotlib.figure import Figure

from .plots import COLORS, new_figure, save_figure


def probabilities(y_score: Any, *, from_logits: bool | None = None) -> np.ndarray:
    """Class probabilities from model outputs.

    ``(N,)`` / ``(N, 1)`` binary scores give ``(N,)`` positive-class probabilities (a logistic
    sigmoid ``1 / (1 + e^-z)`` if they are logits); ``(N, C)`` scores give ``(N, C)`` rows
    (a softmax ``e^z_c / sum_k e^z_k`` if they are logits). ``from_logits=None`` decides by
    the values: probabilities lie in [0, 1] (and rows sum to 1); anything else is logits.

    >>> probabilities([[0.0, 0.0]]).tolist()
    [[0.5, 0.5]]
    >>> probabilities([0.2, 0.7]).tolist()
    [0.2, 0.7]
    """
    s = np.asarray(y_score, dtype=np.float64)
    if s.ndim == 2 and s.shape[1] == 1:
        s = s[:, 0]
    if s.ndim not in (1, 2):
        raise ValueError(f"probabilities: y_score must be (N,), (N, 1) or (N, C), got {s.shape}")
    if not np.all(np.isfinite(s)):
        raise ValueError("probabilities: y_score contains NaN or Inf")
    in_unit = s.size == 0 or (s.min() >= 0.0 and s.max() <= 1.0)
    if s.ndim == 2:
        in_unit = in_unit and bool(np.allclose(s.sum(axis=1), 1.0, atol=1e-4))
    if from_logits is None:
        from_logits = not in_unit
    if not from_logits:
        if not in_unit:
            raise ValueError(
                "probabilities: y_score is not probabilities (values outside [0, 1] or rows "
                "not summing to 1); pass from_logits=True"
            )
        return s
    if s.ndim == 1:
        return 1.0 / (1.0 + np.exp(-s))
    z = s - s.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _one_vs_rest(
    y_true: Any, y_score: Any, class_names: Sequence[str] | None
) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """``[(name, is_class (N,) 0/1, score (N,))]``: one entry for a binary problem (the
    positive class), one per class for ``C > 2``."""
    y = np.asarray(y_true).reshape(-1)
    p = probabilities(y_score)
    if p.shape[0] != y.shape[0]:
        raise ValueError(
            f"y_true holds {y.shape[0]} samples but y_score holds {p.shape[0]}; they must agree"
        )
    if p.ndim == 1 or p.shape[1] == 2:
        score = p if p.ndim == 1 else p[:, 1]
        name = class_names[1] if class_names is not None and len(class_names) == 2 else "class 1"
        return [(str(name), (y == 1).astype(np.int64), score)]
    names = class_names if class_names is not None else [f"class {c}" for c in range(p.shape[1])]
    if len(names) != p.shape[1]:
        raise ValueError(f"{p.shape[1]} classes in y_score but {len(names)} class_names")
    return [(str(names[c]), (y == c).astype(np.int64), p[:, c]) for c in range(p.shape[1])]


def _finish(fig: Figure, path: str | os.PathLike | None) -> Figure:
    if path is not None:
        save_figure(fig, path)
    return fig


def _label(ax: Any, labels: tuple[str, str], title: str, values: list[float], what: str) -> None:
    """Unit-square limits, axis labels, and the title (with the mean over classes if > 1)."""
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.05)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    if len(values) > 1:
        title = f"{title} (one-vs-rest, {what} = {np.mean(values):.3f})"
    ax.set_title(title)


def plot_roc(
    y_true: Any,
    y_score: Any,
    path: str | os.PathLike | None = None,
    *,
    class_names: Sequence[str] | None = None,
    title: str = "ROC curve",
) -> Figure:
    """ROC curves: true-positive rate against false-positive rate as the threshold falls
    (``sklearn.metrics.roc_curve``), one per class one-vs-rest (one for a binary problem),
    with ``roc_auc_score`` in the legend and, for ``C > 2``, the macro-average AUC in the
    title. Classes without both positives and negatives are left out. Writes a PNG at
    ``path`` if given; returns the figure."""
    from sklearn.metrics import roc_auc_score, roc_curve

    fig, axes = new_figure(panel_size=(5.2, 4.6))
    ax = axes[0, 0]
    aucs = []
    for k, (name, t, s) in enumerate(_one_vs_rest(y_true, y_score, class_names)):
        if t.min(initial=0) == t.max(initial=0):
            continue
        fpr, tpr, _ = roc_curve(t, s)
        auc = float(roc_auc_score(t, s))
        aucs.append(auc)
        ax.plot(fpr, tpr, color=COLORS[k % len(COLORS)], lw=1.6, label=f"{name} (AUC = {auc:.3f})")
    ax.plot([0, 1], [0, 1], color="0.6", ls="--", lw=1, label="chance (AUC = 0.5)")
    _label(ax, ("false positive rate", "true positive rate"), title, aucs, "macro AUC")
    ax.legend(loc="lower right", fontsize=8, framealpha=0.85)
    return _finish(fig, path)


def plot_precision_recall(
    y_true: Any,
    y_score: Any,
    path: str | os.PathLike | None = None,
    *,
    class_names: Sequence[str] | None = None,
    title: str = "Precision–recall curve",
) -> Figure:
    """Precision–recall curves (``sklearn.metrics.precision_recall_curve``), one per class
    one-vs-rest (one for a binary problem), with the average precision
    ``AP = sum_n (R_n - R_{n-1}) P_n`` (``average_precision_score``) in the legend and the
    class's prevalence as the chance level. Writes a PNG at ``path`` if given."""
    from sklearn.metrics import average_precision_score, precision_recall_curve

    fig, axes = new_figure(panel_size=(5.2, 4.6))
    ax = axes[0, 0]
    aps = []
    for k, (name, t, s) in enumerate(_one_vs_rest(y_true, y_score, class_names)):
        if t.max(initial=0) == 0:
            continue
        prec, rec, _ = precision_recall_curve(t, s)
        ap = float(average_precision_score(t, s))
        aps.append(ap)
        color = COLORS[k % len(COLORS)]
        ax.step(rec, prec, where="post", color=color, lw=1.6, label=f"{name} (AP = {ap:.3f})")
        ax.axhline(t.mean(), color=color, ls=":", lw=0.8)
    _label(ax, ("recall", "precision"), title, aps, "mean AP")
    ax.legend(loc="lower left", fontsize=8, framealpha=0.85)
    return _finish(fig, path)


def plot_calibration(
    y_true: Any,
    y_score: Any,
    path: str | os.PathLike | None = None,
    *,
    n_bins: int = 10,
    title: str = "Calibration",
) -> Figure:
    """A reliability diagram: in each of ``n_bins`` equal-width bins of predicted probability,
    the observed frequency against the mean prediction (``sklearn.calibration.
    calibration_curve``); a calibrated model lies on the diagonal. Binary scores use
    ``P(class 1)``; multi-class scores use the top-label confidence ``max_c p_c`` against
    whether the top label is right. The lower panel is the histogram of the predictions,
    and the legend gives the expected calibration error
    ``ECE = sum_b (n_b / N) |freq_b - conf_b|``. Writes a PNG at ``path`` if given."""
    from sklearn.calibration import calibration_curve

    y = np.asarray(y_true).reshape(-1)
    p = probabilities(y_score)
    if p.ndim == 2 and p.shape[1] == 2:
        p = p[:, 1]
    if p.ndim == 1:
        hit, conf, what = (y == 1).astype(np.int64), p, "P(class 1)"
    else:
        hit = (p.argmax(axis=1) == y).astype(np.int64)
        conf, what = p.max(axis=1), "top-label confidence"
    freq, mean_pred = calibration_curve(hit, conf, n_bins=n_bins, strategy="uniform")
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    counts = np.histogram(conf, bins=edges)[0]
    nonempty = counts > 0
    ece = float(np.sum(counts[nonempty] / conf.size * np.abs(freq - mean_pred)))
    fig = Figure(figsize=(5.2, 6.0), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    top.plot([0, 1], [0, 1], color="0.6", ls="--", lw=1, label="perfectly calibrated")
    top.plot(mean_pred, freq, "o-", color=COLORS[0], lw=1.6, label=f"model (ECE = {ece:.3f})")
    top.set_ylabel("observed frequency" if p.ndim == 1 else "accuracy")
    top.set_xlim(-0.01, 1.01)
    top.set_ylim(-0.01, 1.01)
    top.set_title(title)
    top.legend(loc="upper left", fontsize=8)
    top.grid(True, alpha=0.3)
    bottom.hist(conf, bins=edges, color=COLORS[0], alpha=0.8)
    bottom.set_xlabel(f"predicted probability ({what})")
    bottom.set_ylabel("count")
    bottom.grid(True, alpha=0.3)
    return _finish(fig, path)


def write_classification_evaluation(
    y_true: Any,
    y_score: Any,
    out_dir: str | os.PathLike,
    *,
    class_names: Sequence[str] | None = None,
) -> list[Path]:
    """Write what a person looks at after training a classifier, into ``out_dir``:
    ``classification_report.txt`` / ``.json`` (:func:`deepgrad.metrics.
    classification_report`), ``roc_curve.png``, ``precision_recall.png`` and
    ``calibration.png``. ``y_score`` is the model's ``(N, C)`` (or binary ``(N,)``) output,
    logits or probabilities. Returns the paths written."""
    from ..data.atomic import atomic_write_text
    from ..metrics import classification_report

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    y = np.asarray(y_true).reshape(-1)
    p = probabilities(y_score)
    pred = p.argmax(axis=1) if p.ndim == 2 else (p > 0.5).astype(np.int64)
    n_classes = p.shape[1] if p.ndim == 2 else 2
    names = list(class_names) if class_names is not None else None
    if names is not None and len(names) != n_classes:
        names = None
    kw: dict[str, Any] = {"num_classes": n_classes, "class_names": names, "digits": 4}
    paths = [out / "classification_report.txt", out / "classification_report.json"]
    atomic_write_text(paths[0], str(classification_report(y, pred, **kw)))
    report = classification_report(y, pred, output_dict=True, **kw)
    atomic_write_text(paths[1], json.dumps(report, indent=2))
    for name, plot in (
        ("roc_curve.png", plot_roc),
        ("precision_recall.png", plot_precision_recall),
    ):
        plot(y, p, out / name, class_names=names)
        paths.append(out / name)
    plot_calibration(y, p, out / "calibration.png")
    paths.append(out / "calibration.png")
    return paths
