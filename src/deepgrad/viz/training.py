"""Plots of a training run: loss and metric curves, and the confusion matrix."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .plots import new_figure, plot_curves, plot_heatmap, save_figure


def plot_history(history: Any, path: str | os.PathLike, title: str = "") -> Path:
    """One panel per quantity (loss, then each metric), training and validation curves
    together, against the epoch. ``history`` is a :class:`~deepgrad.train.History` or its
    ``history`` dict (``{"loss": [...], "val_loss": [...], "accuracy": [...]}``); given the
    ``History``, a quantity logged in some epochs only (``val_*`` under ``validation_freq``)
    is drawn at the epochs it was logged in. Writes a PNG at ``path``."""
    epochs_of: Mapping[str, Sequence[int]] = getattr(history, "epochs_of", {})
    logs: Mapping[str, Sequence[float]] = getattr(history, "history", history)
    names = [k for k in logs if not k.startswith("val_") and k not in ("lr", "learning_rate")]
    fig, axes = new_figure(1, max(len(names), 1), title=title or None)
    for ax, name in zip(axes[0], names):
        keys = {"training": name}
        if f"val_{name}" in logs:
            keys["validation"] = f"val_{name}"
        curves = {label: logs[k] for label, k in keys.items()}
        x = {label: [e + 1 for e in epochs_of[k]] for label, k in keys.items() if k in epochs_of}
        plot_curves(
            curves,
            x=x if len(x) == len(curves) else None,
            ax=ax,
            ylabel=name,
            title=name.replace("_", " "),
        )
    return save_figure(fig, path)


def plot_confusion_matrix(
    cm: np.ndarray,
    path: str | os.PathLike,
    class_names: Sequence[str] | None = None,
    normalize: bool = True,
) -> Path:
    """The confusion matrix (rows: true class, columns: predicted), normalized per row so
    each row shows where that class's samples went; writes a PNG at ``path``."""
    m = np.asarray(cm, dtype=np.float64)
    if normalize:
        m = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
    size = max(4.0, 0.45 * m.shape[0] + 2)
    fig, axes = new_figure(panel_size=(size + 1, size))
    ax = axes[0, 0]
    plot_heatmap(
        ax,
        m,
        title="confusion matrix" + (" (row-normalized)" if normalize else ""),
        xlabel="predicted class",
        ylabel="true class",
        cmap="Blues",
        vmin=0.0,
        vmax=1.0 if normalize else None,
        annotate=m.shape[0] <= 12,
    )
    if class_names is not None:
        ax.set_xticklabels(class_names, rotation=45, ha="right")
        ax.set_yticklabels(class_names)
    return save_figure(fig, path)
