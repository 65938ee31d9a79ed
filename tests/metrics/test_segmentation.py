"""Segmentation metrics against scikit-learn on the flattened label maps."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, jaccard_score

from deepgrad import metrics


def _maps(seed=0, n=3, c=4, hw=(6, 7)):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, c, (n, *hw))
    p = np.where(rng.random((n, *hw)) < 0.7, t, rng.integers(0, c, (n, *hw)))
    return t, p


def test_pixel_accuracy_and_iou_equal_sklearn():
    for seed in range(4):
        t, p = _maps(seed)
        assert metrics.pixel_accuracy(t, p) == pytest.approx(accuracy_score(t.ravel(), p.ravel()))
        want = jaccard_score(t.ravel(), p.ravel(), average=None, labels=range(4))
        np.testing.assert_allclose(metrics.iou_per_class(t, p, 4), want)
        assert metrics.mean_iou(t, p, 4) == pytest.approx(
            jaccard_score(t.ravel(), p.ravel(), average="macro")
        )
        fg = jaccard_score(t.ravel(), p.ravel(), average="macro", labels=[1, 2, 3])
        assert metrics.mean_iou(t, p, 4, include_background=False) == pytest.approx(fg)


def test_scores_are_argmaxed_and_absent_classes_ignored():
    t = np.zeros((1, 2, 2), dtype=int)
    t[0, 0, 0] = 2
    scores = np.zeros((1, 5, 2, 2))
    scores[0, 0] = 1.0
    scores[0, 2, 0, 0] = 5.0  # argmax: class 2 at (0, 0), background elsewhere
    iou = metrics.iou_per_class(t, scores)
    assert iou.shape == (5,) and iou[0] == 1.0 and iou[2] == 1.0
    assert np.isnan(iou[[1, 3, 4]]).all()  # in neither: left out of the mean
    assert metrics.mean_iou(t, scores) == 1.0
    cm = metrics.segmentation_confusion(t, scores)
    assert cm.shape == (5, 5) and cm[0, 0] == 3 and cm[2, 2] == 1


def test_hand_computed_case():
    t = np.array([[[0, 0, 1], [1, 1, 2]]])
    p = np.array([[[0, 1, 1], [1, 2, 2]]])
    # class 0: 1/2, class 1: 2/4, class 2: 1/2
    np.testing.assert_allclose(metrics.iou_per_class(t, p), [0.5, 0.5, 0.5])
    assert metrics.pixel_accuracy(t, p) == pytest.approx(4 / 6)


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match=r"y_true has shape \(1, 2, 2\) but y_pred has shape"):
        metrics.pixel_accuracy(np.zeros((1, 2, 2), int), np.zeros((1, 3, 2), int))
    with pytest.raises(ValueError, match="num_classes=3"):
        metrics.mean_iou(np.zeros((1, 2, 2), int), np.zeros((1, 4, 2, 2)), num_classes=3)
    with pytest.raises(ValueError, match="negative class label"):
        metrics.mean_iou(np.full((1, 2, 2), -1), np.zeros((1, 2, 2), int))
