"""The CenterNet-style detector: target encoding and decoding, the loss against a NumPy
reference, and a tiny training run (the full measurement is examples/shapes_detection.py)."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import metrics, models, optim
from deepgrad.data.datasets import make_shapes_detection
from deepgrad.models.detector import decode, encode_targets


def _logit(p):
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def test_encode_then_decode_gives_back_the_boxes():
    x, t = make_shapes_detection(40, size=48, seed=2)
    y = encode_targets(t, 3, 48)
    assert y.shape == (40, 8, 12, 12) and y.dtype == np.float32
    assert y[:, 7].sum() == sum(len(ti["labels"]) for ti in t)  # one centre per box
    perfect = np.concatenate([_logit(y[:, :3]), y[:, 3:5], _logit(y[:, 5:7])], 1)
    pred = decode(perfect, 3)
    assert metrics.mean_average_precision(pred, t) == 1.0
    for p, ti in zip(pred, t):
        order = np.lexsort((p["boxes"][:, 1], p["boxes"][:, 0]))
        want = np.lexsort((ti["boxes"][:, 1], ti["boxes"][:, 0]))
        np.testing.assert_allclose(p["boxes"][order], ti["boxes"][want], atol=1e-4)


def test_decode_suppresses_duplicates_and_low_scores():
    out = np.full((1, 5, 8, 8), -10.0)  # one class, 32x32 input
    out[0, 1:3] = 2.0  # boxes of 8x8 pixels everywhere
    out[0, 3:5] = 0.0  # centre offset sigmoid(0) = 0.5 cell
    out[0, 0, 3, 3] = 3.0  # a peak
    out[0, 0, 3, 5] = 2.0  # another peak, 8 px to the right: IoU 0 with the first
    out[0, 0, 3, 4] = 1.0  # not a local maximum: dropped by the 3x3 peak test
    pred = decode(out, k=10, score_threshold=0.5)[0]
    assert pred["labels"].tolist() == [1, 1]
    np.testing.assert_allclose(pred["scores"], 1 / (1 + np.exp([-3.0, -2.0])))
    np.testing.assert_allclose(pred["boxes"][0], [10, 10, 18, 18])  # centre (3.5·4, 3.5·4)


def test_loss_matches_a_numpy_reference_and_has_gradients():
    rng = np.random.default_rng(0)
    _, t = make_shapes_detection(4, size=32, seed=0)
    y = encode_targets(t, 3, 32)
    z = rng.normal(size=(4, 7, 8, 8)).astype(np.float64)
    out = dg.tensor(z, requires_grad=True)
    loss = models.CenterNetLoss(3, size_weight=0.1)(out, y)
    p = 1 / (1 + np.exp(-z[:, :3]))
    pos = y[:, :3] == 1
    n = pos.sum()
    heat = -(((1 - p) ** 2 * np.log(p))[pos].sum()
             + ((1 - y[:, :3]) ** 4 * p**2 * np.log(1 - p))[~pos].sum()) / n  # fmt: skip
    mask = y[:, 7:8]
    size = (np.abs(z[:, 3:5] - y[:, 3:5]) * mask).sum() / n
    off = (np.abs(1 / (1 + np.exp(-z[:, 5:7])) - y[:, 5:7]) * mask).sum() / n
    assert loss.item() == pytest.approx(heat + 0.1 * size + off, rel=1e-6)
    loss.backward()
    assert out.grad is not None and np.isfinite(out.grad.numpy()).all()


def test_a_tiny_detector_learns():
    dg.manual_seed(0)
    x, t = make_shapes_detection(128, size=32, max_objects=2, seed=0)
    y = encode_targets(t, 3, 32)
    net = models.CenterNet(1, 3, width=8)
    net.compile(optimizer=optim.Adam(lr=1e-2), loss=models.CenterNetLoss(3), metrics=[])
    hist = net.fit(x, y, epochs=8, batch_size=16, verbose=0, seed=0)
    assert hist.history["loss"][-1] < 0.5 * hist.history["loss"][0]
    pred = decode(net.predict(x[:32]), 3)
    assert metrics.mean_average_precision(pred, t[:32]) > 0.3  # already finds many shapes


def test_bad_input_size():
    with pytest.raises(ValueError, match="multiples of 4"):
        models.CenterNet(1, 3, width=4)(dg.zeros(1, 1, 30, 32))
