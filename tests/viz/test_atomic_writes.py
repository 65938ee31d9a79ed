"""viz's writers are atomic: a write that fails mid-way (a full disk) leaves the old file."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.viz import evaluation as E
from deepgrad.viz.graph import write_dot
from deepgrad.viz.plots import new_figure, save_figure


def test_save_figure_failing_midway_keeps_the_old_png(tmp_path, disk_full_after):
    path = tmp_path / "fig.png"
    fig, _ = new_figure()
    save_figure(fig, path)
    before = path.read_bytes()
    fig, axes = new_figure(panel_size=(6, 6))
    axes[0, 0].imshow(np.random.default_rng(0).random((200, 200)))  # noise: a large PNG
    with disk_full_after(len(before) // 2), pytest.raises(OSError):
        save_figure(fig, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["fig.png"]


def test_classification_report_failing_midway_keeps_the_old_files(tmp_path, disk_full_after):
    rng = np.random.default_rng(0)
    E.write_classification_evaluation(
        np.array([0, 1, 0, 1]), np.array([0.1, 0.9, 0.2, 0.7]), tmp_path
    )
    txt, js = tmp_path / "classification_report.txt", tmp_path / "classification_report.json"
    old = txt.read_text(), js.read_text()
    y, score = rng.integers(0, 40, 400), rng.random((400, 40))  # 40 classes: longer reports
    with disk_full_after(len(old[0]) + 10), pytest.raises(OSError):
        E.write_classification_evaluation(y, score, tmp_path)
    assert (txt.read_text(), js.read_text()) == old
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]


def test_write_dot_failing_midway_keeps_the_old_file(tmp_path, disk_full_after):
    path = tmp_path / "graph.dot"
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    write_dot((x * 2).sum(), path)
    before = path.read_text()
    y = x
    for _ in range(200):
        y = y * 1.5 + 1.0
    with disk_full_after(len(before) + 10), pytest.raises(OSError):
        write_dot(y.sum(), path)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["graph.dot"]
