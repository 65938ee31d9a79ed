"""The generated shapes data sets (segmentation masks and detection boxes)."""

from __future__ import annotations

import numpy as np
import pytest

from deepgrad.data.datasets import (
    SHAPE_CLASSES,
    make_shapes_detection,
    make_shapes_segmentation,
)


def test_segmentation_set_is_seeded_and_consistent():
    x, m = make_shapes_segmentation(40, size=32, seed=3)
    x2, m2 = make_shapes_segmentation(40, size=32, seed=3)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(m, m2)
    assert not np.array_equal(m, make_shapes_segmentation(40, size=32, seed=4)[1])
    assert x.shape == (40, 1, 32, 32) and x.dtype == np.float32 and m.dtype == np.int64
    assert 0.0 <= x.min() and x.max() <= 1.0
    assert set(np.unique(m)) == {0, 1, 2, 3}  # every class occurs in 40 images
    assert (m > 0).any(axis=(1, 2)).all()  # every image has a shape
    # shapes are brighter than the background on average, image by image
    for xi, mi in zip(x[:, 0], m):
        assert xi[mi > 0].mean() > xi[mi == 0].mean() + 0.2


def test_detection_boxes_are_tight_around_the_shapes():
    x, t = make_shapes_detection(30, size=48, max_objects=3, seed=1)
    assert x.shape == (30, 1, 48, 48)
    counts = [len(ti["labels"]) for ti in t]
    assert min(counts) >= 1 and max(counts) <= 3
    labels = np.concatenate([ti["labels"] for ti in t])
    assert set(labels.tolist()) == {1, 2, 3} and len(SHAPE_CLASSES) == 4
    for xi, ti in zip(x[:, 0], t):
        boxes = ti["boxes"]
        assert boxes.dtype == np.float32 and boxes.shape[1] == 4
        assert (boxes[:, 2] > boxes[:, 0]).all() and (boxes[:, 3] > boxes[:, 1]).all()
        assert boxes.min() >= 0 and boxes.max() <= 48
        for b in boxes.astype(int):
            inside = xi[b[1] : b[3], b[0] : b[2]]
            assert inside.max() > np.median(xi) + 0.2  # a bright shape inside each box
            # tight: the rows and columns along the box's edges hold shape pixels
            assert inside[0].max() > np.median(xi) + 0.2 and inside[-1].max() > np.median(xi) + 0.2


@pytest.mark.parametrize("fn", [make_shapes_segmentation, make_shapes_detection])
def test_bad_arguments(fn):
    with pytest.raises(ValueError, match="n_samples"):
        fn(0)
    with pytest.raises(ValueError, match="size must be an int >= 16"):
        fn(2, size=8)
