"""viz.evaluation: ROC / precision–recall / calibration plots whose numbers are
scikit-learn's, and what ``deepgrad train`` writes for a classification recipe."""

from __future__ import annotations

import json

import numpy as np
import pytest
from matplotlib.image import imread
from sklearn.calibration import calibration_curve
from sklearn.metrics import (
    average_precision_score,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)

from deepgrad.viz import evaluation as E


def _multiclass(n=300, c=3, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, c, n)
    logits = rng.normal(size=(n, c)) + 1.2 * np.eye(c)[y]
    return y, logits


def _binary(n=300, seed=1):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    p = 1 / (1 + np.exp(-(rng.normal(size=n) + 1.5 * (2 * y - 1))))
    return y, p


def _legend(fig):
    return [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def test_probabilities_softmax_sigmoid_and_passthrough():
    y, logits = _multiclass()
    p = E.probabilities(logits)
    e = np.exp(logits - logits.max(1, keepdims=True))
    np.testing.assert_allclose(p, e / e.sum(1, keepdims=True))
    np.testing.assert_array_equal(E.probabilities(p), p)
    np.testing.assert_allclose(E.probabilities([[-2.0], [3.0]]), 1 / (1 + np.exp([2.0, -3.0])))
    with pytest.raises(ValueError, match="from_logits=True"):
        E.probabilities([[2.0, 3.0]], from_logits=False)


def test_binary_roc_equals_sklearn():
    y, p = _binary()
    fig = E.plot_roc(y, p)
    fpr, tpr, _ = roc_curve(y, p)
    line = fig.axes[0].lines[0]
    np.testing.assert_allclose(line.get_xdata(), fpr)
    np.testing.assert_allclose(line.get_ydata(), tpr)
    assert _legend(fig)[0] == f"class 1 (AUC = {roc_auc_score(y, p):.3f})"
    # (N, 2) probabilities are the same binary problem
    fig2 = E.plot_roc(y, np.stack([1 - p, p], 1), class_names=["neg", "pos"])
    assert _legend(fig2)[0] == f"pos (AUC = {roc_auc_score(y, p):.3f})"


def test_one_vs_rest_roc_and_pr_equal_sklearn():
    y, logits = _multiclass()
    p = E.probabilities(logits)
    names = ["circle", "square", "triangle"]
    roc = E.plot_roc(y, logits, class_names=names)
    pr = E.plot_precision_recall(y, logits, class_names=names)
    aucs, aps = [], []
    for c, name in enumerate(names):
        t = (y == c).astype(int)
        fpr, tpr, _ = roc_curve(t, p[:, c])
        np.testing.assert_allclose(roc.axes[0].lines[c].get_xdata(), fpr)
        np.testing.assert_allclose(roc.axes[0].lines[c].get_ydata(), tpr)
        aucs.append(roc_auc_score(t, p[:, c]))
        assert _legend(roc)[c] == f"{name} (AUC = {aucs[-1]:.3f})"
        prec, rec, _ = precision_recall_curve(t, p[:, c])
        np.testing.assert_allclose(pr.axes[0].lines[2 * c].get_xdata(), rec)
        np.testing.assert_allclose(pr.axes[0].lines[2 * c].get_ydata(), prec)
        aps.append(average_precision_score(t, p[:, c]))
        assert _legend(pr)[c] == f"{name} (AP = {aps[-1]:.3f})"
    macro = roc_auc_score(y, p, multi_class="ovr", average="macro")
    assert f"macro AUC = {macro:.3f}" in roc.axes[0].get_title()
    assert f"mean AP = {np.mean(aps):.3f}" in pr.axes[0].get_title()


def test_calibration_points_equal_sklearn_and_ece():
    y, p = _binary()
    fig = E.plot_calibration(y, p, n_bins=8)
    freq, conf = calibration_curve(y, p, n_bins=8)
    line = fig.axes[0].lines[1]
    np.testing.assert_allclose(line.get_xdata(), conf)
    np.testing.assert_allclose(line.get_ydata(), freq)
    counts = np.histogram(p, bins=np.linspace(0, 1, 9))[0]
    ece = np.sum(counts[counts > 0] / p.size * np.abs(freq - conf))
    assert f"ECE = {ece:.3f}" in _legend(fig)[1]
    # multi-class: top-label confidence against correctness
    y3, logits = _multiclass()
    q = E.probabilities(logits)
    fig3 = E.plot_calibration(y3, logits)
    f3, c3 = calibration_curve((q.argmax(1) == y3).astype(int), q.max(1), n_bins=10)
    np.testing.assert_allclose(fig3.axes[0].lines[1].get_ydata(), f3)
    np.testing.assert_allclose(fig3.axes[0].lines[1].get_xdata(), c3)


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match="3 samples but y_score holds 2"):
        E.plot_roc([0, 1, 1], [0.2, 0.8])


def _looks_like_a_plot(path):
    img = imread(path)
    assert img.shape[0] > 300 and img.shape[1] > 300
    rgb = img[..., :3]
    # not a blank canvas: many non-white pixels and several distinct colours
    assert (rgb.min(axis=2) < 0.9).mean() > 0.01
    assert len(np.unique(rgb.reshape(-1, 3).round(2), axis=0)) > 20


def test_write_classification_evaluation_files(tmp_path):
    y, logits = _multiclass()
    paths = E.write_classification_evaluation(y, logits, tmp_path, class_names=["a", "b", "c"])
    assert {p.name for p in paths} == {
        "classification_report.txt",
        "classification_report.json",
        "roc_curve.png",
        "precision_recall.png",
        "calibration.png",
    }
    for p in paths:
        if p.suffix == ".png":
            _looks_like_a_plot(p)
    report = json.loads((tmp_path / "classification_report.json").read_text())
    assert set(report) == {"a", "b", "c", "accuracy", "macro avg", "weighted avg"}
    assert "precision" in (tmp_path / "classification_report.txt").read_text()


def test_train_recipe_writes_the_evaluation(tmp_path):
    from deepgrad.app import recipe as R

    recipe = {
        "name": "iris-mlp",
        "data": {"name": "iris", "seed": 0},
        "model": {
            "layers": [
                {"type": "Linear", "args": [4, 16]},
                {"type": "ReLU"},
                {"type": "Linear", "args": [16, 3]},
            ]
        },
        "optimizer": {"name": "adam", "lr": 0.01},
        "training": {"epochs": 5, "batch_size": 16, "seed": 0, "verbose": 0},
    }
    R.run(recipe, tmp_path, print_fn=lambda s: None)
    for name in ("roc_curve.png", "precision_recall.png", "calibration.png"):
        _looks_like_a_plot(tmp_path / name)
    report = json.loads((tmp_path / "classification_report.json").read_text())
    assert len([k for k in report if k not in ("accuracy", "macro avg", "weighted avg")]) == 3
