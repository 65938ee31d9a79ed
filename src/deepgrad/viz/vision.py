"""Figures for the dense vision tasks: segmentation (input, true mask, predicted mask side by
side) and detection (images with predicted and true boxes).

>>> import numpy as np
>>> x = np.zeros((2, 1, 8, 8)); m = np.zeros((2, 8, 8), dtype=int); m[:, 2:5, 2:5] = 1
>>> fig = plot_segmentation(x, m, m, class_names=["background", "square"])
>>> len(fig.axes) >= 6
True
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np  # plots are host-side: NumPy arrays, not the engine's xp
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from .plots import COLORS, save_figure

#: background black, then the series colours
_MASK_COLORS = ["#000000", *COLORS]


def _mask_cmap(n: int) -> ListedColormap:
    return ListedColormap(_MASK_COLORS[: max(n, 2)])


def _image(a: np.ndarray) -> np.ndarray:
    """``(C, H, W)`` or ``(H, W)`` → something ``imshow`` draws (grey or RGB)."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 3:
        a = a[0] if a.shape[0] == 1 else np.moveaxis(a[:3], 0, -1)
    return a


def plot_segmentation(
    images: Any,
    true_masks: Any,
    pred_masks: Any,
    path: str | os.PathLike | None = None,
    *,
    class_names: Sequence[str] | None = None,
    n: int = 6,
    title: str = "Segmentation: input, true mask, predicted mask",
) -> Figure:
    """Three rows for the first ``n`` samples: the input images ``(N, C, H, W)``, the true
    label maps ``(N, H, W)`` and the predicted ones (label maps, or ``(N, K, H, W)`` scores,
    argmax over ``K``); each predicted panel is titled with its pixel accuracy. A legend
    names the classes' colours. Writes a PNG at ``path`` if given."""
    x = np.asarray(images)
    t = np.asarray(true_masks)
    p = np.asarray(pred_masks)
    if p.ndim == t.ndim + 1:
        p = p.argmax(axis=1)
    n = min(n, len(x))
    k = int(max(t.max(initial=0), p.max(initial=0))) + 1
    if class_names is not None:
        k = max(k, len(class_names))
    cmap = _mask_cmap(k)
    fig = Figure(figsize=(1.9 * n + 1.6, 6.2), layout="constrained")
    axes = fig.subplots(3, n, squeeze=False)
    for j in range(n):
        axes[0, j].imshow(_image(x[j]), cmap="gray", interpolation="nearest")
        axes[1, j].imshow(t[j], cmap=cmap, vmin=-0.5, vmax=k - 0.5, interpolation="nearest")
        axes[2, j].imshow(p[j], cmap=cmap, vmin=-0.5, vmax=k - 0.5, interpolation="nearest")
        axes[2, j].set_title(f"acc {np.mean(p[j] == t[j]):.2f}", fontsize=9)
        for i in range(3):
            axes[i, j].set_xticks([])
            axes[i, j].set_yticks([])
    for i, label in enumerate(("input", "true", "predicted")):
        axes[i, 0].set_ylabel(label)
    names = class_names or [f"class {c}" for c in range(k)]
    handles = [Patch(color=_MASK_COLORS[c], label=names[c]) for c in range(min(k, len(names)))]
    fig.legend(handles=handles, loc="outside right center", fontsize=9)
    fig.suptitle(title, fontsize=12, fontweight="bold")
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_detections(
    images: Any,
    predictions: Sequence[dict[str, Any]],
    path: str | os.PathLike | None = None,
    *,
    targets: Sequence[dict[str, Any]] | None = None,
    class_names: Sequence[str] | None = None,
    n: int = 6,
    score_threshold: float = 0.3,
    title: str = "Detections",
) -> Figure:
    """The first ``n`` images with their predicted boxes (``predictions[i]`` =
    ``{"boxes": (K, 4) x1 y1 x2 y2, "labels": (K,), "scores": (K,)}``; solid, coloured by
    class as in :func:`plot_segmentation`, labelled with class and score, those above ``score_threshold``) and, if given, the
    true boxes (``targets[i]``, dashed white). Writes a PNG at ``path`` if given."""
    x = np.asarray(images)
    n = min(n, len(x))
    ncols = min(n, 3)
    nrows = -(-n // ncols)
    fig = Figure(figsize=(3.2 * ncols, 3.3 * nrows + 0.4), layout="constrained")
    axes = np.atleast_2d(fig.subplots(nrows, ncols, squeeze=False))
    for j, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if j >= n:
            ax.axis("off")
            continue
        ax.imshow(_image(x[j]), cmap="gray", interpolation="nearest")
        if targets is not None:
            for b in np.asarray(targets[j]["boxes"]).reshape(-1, 4):
                ax.add_patch(Rectangle((b[0] - 0.5, b[1] - 0.5), b[2] - b[0], b[3] - b[1],
                                       fill=False, ls="--", lw=1.0, ec="white"))  # fmt: skip
        pred = predictions[j]
        scores = np.asarray(pred.get("scores", np.ones(len(pred["boxes"]))))
        for b, c, s in zip(np.asarray(pred["boxes"]).reshape(-1, 4), pred["labels"], scores):
            if s < score_threshold:
                continue
            color = _MASK_COLORS[int(c) % len(_MASK_COLORS)] if int(c) else "white"
            ax.add_patch(Rectangle((b[0] - 0.5, b[1] - 0.5), b[2] - b[0], b[3] - b[1],
                                   fill=False, lw=1.6, ec=color))  # fmt: skip
            name = class_names[int(c)] if class_names is not None else str(int(c))
            ax.text(b[0] - 0.5, b[1] - 1.5, f"{name} {s:.2f}", color=color, fontsize=7,
                    va="bottom", ha="left")  # fmt: skip
    if targets is not None:
        fig.legend(
            handles=[Patch(fill=False, ec="0.4", ls="--", label="true box (white, dashed)")],
            loc="outside lower center",
            fontsize=8,
        )
    fig.suptitle(title, fontsize=12, fontweight="bold")
    if path is not None:
        save_figure(fig, path)
    return fig
