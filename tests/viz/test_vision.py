"""Segmentation and detection figures: written, non-trivial, and drawing what they are given."""

from __future__ import annotations

import numpy as np
from matplotlib.image import imread
from matplotlib.patches import Rectangle

from deepgrad.data.datasets import SHAPE_CLASSES, make_shapes_detection, make_shapes_segmentation
from deepgrad.viz.vision import plot_detections, plot_segmentation


def _non_trivial(path):
    img = imread(path)[..., :3]
    assert img.shape[0] > 200 and img.shape[1] > 300
    assert (img.min(axis=2) < 0.9).mean() > 0.05
    assert len(np.unique(img.reshape(-1, 3).round(2), axis=0)) > 20


def test_segmentation_figure(tmp_path):
    x, m = make_shapes_segmentation(6, size=32, seed=0)
    scores = np.eye(4)[m].transpose(0, 3, 1, 2)  # perfect (N, C, H, W) scores
    fig = plot_segmentation(x, m, scores, tmp_path / "seg.png", class_names=SHAPE_CLASSES, n=3)
    _non_trivial(tmp_path / "seg.png")
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["acc 1.00"] * 3
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == list(SHAPE_CLASSES)


def test_detection_figure(tmp_path):
    x, t = make_shapes_detection(3, size=48, seed=0)
    pred = [{**ti, "scores": np.linspace(0.9, 0.2, len(ti["labels"]))} for ti in t]
    fig = plot_detections(x, pred, tmp_path / "det.png", targets=t, class_names=SHAPE_CLASSES,
                          n=3, score_threshold=0.25)  # fmt: skip
    _non_trivial(tmp_path / "det.png")
    drawn = sum(isinstance(p, Rectangle) and p.get_linestyle() in ("-", "solid") for ax in fig.axes[:3]
                for p in ax.patches)  # fmt: skip
    shown = sum(int((p["scores"] >= 0.25).sum()) for p in pred)
    assert drawn == shown  # predicted boxes above the threshold
    dashed = sum(p.get_linestyle() in ("--", "dashed") for ax in fig.axes[:3] for p in ax.patches)
    assert dashed == sum(len(ti["labels"]) for ti in t)  # every true box
