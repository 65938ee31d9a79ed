"""Plot helpers for learners: training curves, optimizer paths over a contour plot, activation
histograms, decision boundaries, heatmaps and image grids.

Every helper draws with Matplotlib's object API on a :class:`~matplotlib.figure.Figure` (never
``pyplot``'s global state or the global backend): a PNG is rendered by Matplotlib's Agg
canvas, so it works headless, and each helper returns its figure; :func:`save_figure` writes it as a PNG. The figures are meant for a slide: a title,
labelled axes, a legend whenever there is more than one line, and a readable font size.

>>> fig = plot_curves({"SGD": [1.0, 0.5, 0.3], "Adam": [1.0, 0.2, 0.1]},
...                   xlabel="step", ylabel="loss", title="Training loss")
>>> [ax.get_title() for ax in fig.axes]
['Training loss']
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np  # plots are host-side: NumPy arrays, not the engine's xp
from matplotlib.axes import Axes
from matplotlib.figure import Figure

#: Colours of the series, in order (Matplotlib's colour-blind-friendly "tab10").
COLORS: tuple[str, ...] = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)

_STYLE = {
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.fontsize": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
}


def new_figure(
    nrows: int = 1,
    ncols: int = 1,
    *,
    panel_size: tuple[float, float] = (4.8, 3.6),
    title: str | None = None,
    sharex: bool = False,
    sharey: bool = False,
) -> tuple[Figure, np.ndarray]:
    """A figure with an ``nrows × ncols`` grid of panels ``panel_size`` inches each.

    Returns ``(figure, axes)`` with ``axes`` always a 2-D array ``(nrows, ncols)``.
    """
    with matplotlib.rc_context(_STYLE):
        fig = Figure(
            figsize=(panel_size[0] * ncols, panel_size[1] * nrows + (0.4 if title else 0)),
            layout="constrained",
        )
        axes = fig.subplots(nrows, ncols, squeeze=False, sharex=sharex, sharey=sharey)
        for ax in axes.flat:
            ax.grid(True, alpha=0.3)
    if title:
        fig.suptitle(title, fontsize=13, fontweight="bold")
    return fig, axes


def save_figure(fig: Figure, path: str | os.PathLike[str], *, dpi: int = 110) -> Path:
    """Write ``fig`` as a PNG at ``path`` (folders created) and return the path. The write is
    atomic: a failure mid-way leaves the old file intact."""
    from ..data.atomic import atomic_write

    path = Path(path)
    atomic_write(path, lambda f: fig.savefig(f, dpi=dpi, format="png", facecolor="white"))
    return path


def smooth(values: Sequence[float], window: int) -> np.ndarray:
    """Moving average over ``window`` points (shorter at the start): a readable noisy curve."""
    v = np.asarray(values, dtype=np.float64)
    if window <= 1 or v.size == 0:
        return v
    c = np.cumsum(np.insert(v, 0, 0.0))
    idx = np.arange(1, v.size + 1)
    lo = np.maximum(idx - window, 0)
    return (c[idx] - c[lo]) / (idx - lo)


def plot_curves(
    curves: Mapping[str, Sequence[float]],
    *,
    x: Sequence[float] | Mapping[str, Sequence[float]] | None = None,
    xlabel: str = "epoch",
    ylabel: str = "loss",
    title: str = "",
    ax: Axes | None = None,
    logy: bool = False,
    logx: bool = False,
    smooth_window: int = 1,
    styles: Mapping[str, Mapping[str, Any]] | None = None,
    marks: Mapping[str, tuple[float, float, str]] | None = None,
) -> Figure:
    """Line plot of named series (training curves).

    Parameters
    ----------
    curves : mapping name → values
        One line per entry, labelled in the legend.
    x : sequence, or mapping name → sequence, optional
        The x values (default ``1, 2, …``).
    smooth_window : int
        Moving-average window; the raw series is drawn faintly behind the smoothed one.
    styles : mapping name → Matplotlib keyword arguments, optional
        Per-series overrides (``{"linestyle": "--"}``).
    marks : mapping label → (x, y, colour), optional
        Points to mark with a star and a legend entry (e.g. the restored epoch).
    """
    fig = ax.figure if ax is not None else None
    if ax is None:
        fig, axes = new_figure()
        ax = axes[0, 0]
    for i, (name, values) in enumerate(curves.items()):
        v = np.asarray(values, dtype=np.float64)
        if isinstance(x, Mapping):
            xs = np.asarray(x[name], dtype=np.float64)
        elif x is not None:
            xs = np.asarray(x, dtype=np.float64)
        else:
            xs = np.arange(1, v.size + 1)
        kw: dict[str, Any] = {"color": COLORS[i % len(COLORS)], "linewidth": 1.8}
        kw.update((styles or {}).get(name, {}))
        if smooth_window > 1:
            ax.plot(xs, v, color=kw["color"], alpha=0.2, linewidth=0.8)
            ax.plot(xs, smooth(v, smooth_window), label=name, **kw)
        else:
            ax.plot(xs, v, label=name, **kw)
    for label, (mx, my, color) in (marks or {}).items():
        ax.plot([mx], [my], marker="*", markersize=14, color=color, linestyle="none", label=label)
    if logy:
        ax.set_yscale("log")
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if len(curves) + len(marks or {}) > 1:
        ax.legend(loc="best", framealpha=0.85)
    return fig  # type: ignore[return-value]


def plot_contour_paths(
    f: Callable[[np.ndarray, np.ndarray], np.ndarray],
    paths: Mapping[str, np.ndarray],
    *,
    xlim: tuple[float, float] = (-10.0, 10.0),
    ylim: tuple[float, float] = (-5.0, 5.0),
    minimum: tuple[float, float] | None = (0.0, 0.0),
    title: str = "",
    subtitles: Mapping[str, str] | None = None,
    ncols: int = 3,
    levels: int = 20,
) -> Figure:
    """One panel per optimizer: the contour lines of ``f(x, y)`` and the path ``(T, 2)`` taken.

    ``f`` is evaluated on a grid (NumPy arrays in, array out). The start is a circle, the end a
    square, the minimum a cross; ``subtitles`` adds a line under each panel's name.
    """
    n = len(paths)
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig, axes = new_figure(nrows, ncols, panel_size=(4.4, 3.4), title=title)
    gx, gy = np.meshgrid(np.linspace(*xlim, 300), np.linspace(*ylim, 200))
    z = f(gx, gy)
    for i, (name, path) in enumerate(paths.items()):
        ax = axes.flat[i]
        ax.contour(gx, gy, z, levels=levels, cmap="Greys", linewidths=0.7, alpha=0.8)
        p = np.asarray(path, dtype=np.float64)
        color = COLORS[i % len(COLORS)]
        ax.plot(p[:, 0], p[:, 1], "-o", color=color, markersize=3, linewidth=1.5, label="path")
        ax.plot(p[0, 0], p[0, 1], "o", color="black", markersize=7, label="start")
        ax.plot(p[-1, 0], p[-1, 1], "s", color=color, markersize=7, label="end")
        if minimum is not None:
            ax.plot(*minimum, "+", color="red", markersize=14, mew=2, label="minimum")
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        sub = (subtitles or {}).get(name)
        ax.set_title(f"{name}\n{sub}" if sub else name)
        if i == 0:
            ax.legend(loc="lower right", fontsize=8, framealpha=0.85)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    return fig


def plot_histograms(
    panels: Mapping[str, Mapping[str, np.ndarray]],
    *,
    ncols: int = 3,
    bins: int | Sequence[float] = 30,
    range_: tuple[float, float] | Mapping[str, tuple[float, float]] | None = None,
    xlabel: str | Mapping[str, str] = "activation value",
    ylabel: str = "fraction of units",
    title: str = "",
    logy: bool = False,
) -> Figure:
    """A grid of panels, each with overlaid step histograms (e.g. one per layer).

    ``panels`` maps a panel title to ``{series name: values}``; the series' histograms are
    normalised to fractions so panels compare at a glance. ``range_`` and ``xlabel`` may be
    given per panel (mappings keyed by panel title).
    """
    n = len(panels)
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig, axes = new_figure(nrows, ncols, panel_size=(4.0, 3.0), title=title)
    for i, (panel, series) in enumerate(panels.items()):
        ax = axes.flat[i]
        for j, (name, values) in enumerate(series.items()):
            v = np.asarray(values, dtype=np.float64).ravel()
            rng_ = range_.get(panel) if isinstance(range_, Mapping) else range_
            counts, edges = np.histogram(v, bins=bins, range=rng_)
            frac = counts / max(v.size, 1)
            ax.stairs(frac, edges, color=COLORS[j % len(COLORS)], linewidth=1.5, label=name)
        if logy:
            ax.set_yscale("log")
        ax.set_title(panel)
        ax.set_xlabel(xlabel.get(panel, "") if isinstance(xlabel, Mapping) else xlabel)
        ax.set_ylabel(ylabel)
        if i == 0 and len(series) > 1:
            ax.legend(loc="best", framealpha=0.85)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    return fig


def plot_decision_boundary(
    ax: Axes,
    predict_proba: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    *,
    boundaries: Mapping[str, Callable[[np.ndarray], np.ndarray]] | None = None,
    title: str = "",
    resolution: int = 200,
    margin: float = 0.5,
) -> Axes:
    """Binary classification in 2-D: the points coloured by class, the predicted probability
    of class 1 as a background, and the 0.5 contour of ``predict_proba`` (and of each extra
    function in ``boundaries``, e.g. earlier epochs, as labelled lines).

    ``predict_proba`` maps points ``(M, 2)`` to probabilities ``(M,)``.
    """
    x = np.asarray(x, dtype=np.float64)
    lo, hi = x.min(axis=0) - margin, x.max(axis=0) + margin
    gx, gy = np.meshgrid(
        np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    )
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1)
    p = np.asarray(predict_proba(grid)).reshape(gx.shape)
    ax.contourf(gx, gy, p, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.25)
    handles = []
    if boundaries:
        for i, (name, fn) in enumerate(boundaries.items()):
            pb = np.asarray(fn(grid)).reshape(gx.shape)
            if pb.min() < 0.5 < pb.max():
                shade = 0.25 + 0.6 * i / max(len(boundaries) - 1, 1)
                cs = ax.contour(
                    gx,
                    gy,
                    pb,
                    levels=[0.5],
                    colors=[(shade, shade, shade)],
                    linewidths=1.2,
                    linestyles="--",
                )
                handles.append((cs.legend_elements()[0][0], name))
    cs = ax.contour(gx, gy, p, levels=[0.5], colors="black", linewidths=2.2)
    handles.append((cs.legend_elements()[0][0], "final boundary"))
    for c, color in ((0, COLORS[0]), (1, COLORS[3])):
        m = y == c
        h = ax.scatter(x[m, 0], x[m, 1], s=14, color=color, edgecolor="white", linewidth=0.4)
        handles.append((h, f"class {c}"))
    ax.legend(*zip(*handles, strict=True), loc="best", fontsize=8, framealpha=0.85)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel("feature 1")
    ax.set_ylabel("feature 2")
    if title:
        ax.set_title(title)
    return ax


def plot_heatmap(
    ax: Axes,
    matrix: np.ndarray,
    *,
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
    cmap: str = "viridis",
    vmin: float | None = None,
    vmax: float | None = None,
    annotate: bool = False,
    colorbar: bool = True,
) -> Axes:
    """A matrix as an image with a colour bar (and the values written in the cells if
    ``annotate``)."""
    m = np.asarray(matrix, dtype=np.float64)
    im = ax.imshow(m, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
    if annotate:
        for (i, j), v in np.ndenumerate(m):
            r, g, b, _ = im.cmap(im.norm(v))
            light = 0.299 * r + 0.587 * g + 0.114 * b > 0.55
            ax.text(
                j,
                i,
                f"{v:.2f}",
                ha="center",
                va="center",
                fontsize=8,
                color="black" if light else "white",
            )
    ax.set_xticks(range(m.shape[1]))
    ax.set_yticks(range(m.shape[0]))
    ax.grid(False)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(im, ax=ax, shrink=0.85)
    return ax


def plot_bars(
    ax: Axes,
    groups: Mapping[str, Mapping[str, float]],
    *,
    ylabel: str = "",
    title: str = "",
    ylim: tuple[float, float] | None = None,
    annotate: bool = True,
) -> Axes:
    """Grouped bar chart: ``groups`` maps a group (x tick) to ``{series: value}``."""
    names = list(groups)
    series = list(dict.fromkeys(s for g in groups.values() for s in g))
    width = 0.8 / max(len(series), 1)
    for j, s in enumerate(series):
        xs = np.arange(len(names)) + (j - (len(series) - 1) / 2) * width
        vals = [groups[g].get(s, np.nan) for g in names]
        bars = ax.bar(xs, vals, width=width * 0.95, color=COLORS[j % len(COLORS)], label=s)
        if annotate:
            ax.bar_label(bars, fmt="%.2f", fontsize=8, padding=2)
    ax.set_xticks(np.arange(len(names)), names)
    if ylim:
        ax.set_ylim(*ylim)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if len(series) > 1:
        ax.legend(loc="best", framealpha=0.85)
    ax.grid(True, axis="y", alpha=0.3)
    ax.grid(False, axis="x")
    return ax


def plot_image_grid(
    ax: Axes,
    images: np.ndarray,
    *,
    ncols: int = 10,
    title: str = "",
    row_labels: Sequence[str] | None = None,
    cmap: str = "gray_r",
) -> Axes:
    """Tile images ``(N, H, W)`` (or ``(N, 1, H, W)``) into one picture on ``ax``."""
    imgs = np.asarray(images, dtype=np.float64)
    if imgs.ndim == 4:
        imgs = imgs[:, 0]
    n, h, w = imgs.shape
    nrows = -(-n // ncols)
    canvas = np.full((nrows * (h + 1) - 1, ncols * (w + 1) - 1), np.nan)
    for k in range(n):
        r, c = divmod(k, ncols)
        canvas[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = imgs[k]
    ax.imshow(canvas, cmap=cmap, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    if row_labels:
        ax.set_yticks([r * (h + 1) + h / 2 for r in range(len(row_labels))], list(row_labels))
    if title:
        ax.set_title(title)
    return ax
