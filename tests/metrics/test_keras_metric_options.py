"""Keras's options of ``AUC`` (``num_thresholds``: its bucketed approximation), ``Precision``
and ``Recall`` (``top_k``, ``class_id``: refused, naming what does the same here). Keras values
recorded as constants (CI has no Keras)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from deepgrad import metrics as M

os.environ.setdefault("KERAS_BACKEND", "torch")


def _data():
    r = np.random.default_rng(3)
    yt = (r.random(300) < 0.4).astype("float32")
    yp = np.clip(yt * 0.3 + r.random(300) * 0.7, 0, 1).astype("float32")
    w = r.random(300).astype("float32")
    z = r.normal(size=300).astype("float32") + yt
    return yt, yp, w, z


# Keras 3.15 (torch backend): keras.metrics.AUC(num_thresholds=n).update_state(yt, yp) ->
# result(), then with sample_weight=w, then AUC(num_thresholds=n, from_logits=True) on z.
KERAS_AUC = {
    200: (0.7801047563552856, 0.7973023056983948, 0.7384360432624817),
    7: (0.7733560800552368, 0.7918816804885864, 0.7115615606307983),
}
# the 8-sample example: AUC(num_thresholds=3) 0.875, (num_thresholds=10) 0.90625
SMALL_T = np.array([0, 0, 1, 1, 1, 0, 1, 0.0])
SMALL_P = np.array([0.1, 0.4, 0.35, 0.8, 0.65, 0.5, 0.9, 0.2])


def _ours(n, yt, s, w=None, from_logits=False):
    m = M.AUC(num_thresholds=n, from_logits=from_logits)
    m.update(s, yt, sample_weight=w)
    return m.result()


@pytest.mark.parametrize("n", [200, 7])
def test_auc_num_thresholds_is_keras_bucketed_area(n):
    yt, yp, w, z = _data()
    got = (_ours(n, yt, yp), _ours(n, yt, yp, w), _ours(n, yt, z, from_logits=True))
    np.testing.assert_allclose(got, KERAS_AUC[n], rtol=2e-6)


def test_auc_small_example_and_exact_default():
    assert _ours(3, SMALL_T, SMALL_P) == pytest.approx(0.875)
    assert _ours(10, SMALL_T, SMALL_P) == pytest.approx(0.90625)
    exact = M.AUC()
    exact.update(SMALL_P, SMALL_T)
    assert exact.result() == pytest.approx(0.875)
    yt, yp, _, _ = _data()
    exact = M.AUC()
    exact.update(yp, yt)
    assert exact.result() != pytest.approx(KERAS_AUC[200][0], abs=1e-7)  # exact, not bucketed


def test_auc_keras_options_live():
    keras = pytest.importorskip("keras")
    yt, yp, w, z = _data()
    for n in (200, 7):
        a = keras.metrics.AUC(num_thresholds=n)
        a.update_state(yt, yp, sample_weight=w)
        assert _ours(n, yt, yp, w) == pytest.approx(float(a.result()), rel=2e-6)
    with pytest.raises(ValueError, match="num_thresholds"):
        keras.metrics.AUC(num_thresholds=1)


def test_auc_refusals():
    with pytest.raises(ValueError, match="int > 1"):
        M.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="average_precision"):
        M.AUC(curve="PR")
    m = M.AUC(num_thresholds=200)
    with pytest.raises(ValueError, match="binary scores"):
        m.update(np.full((4, 3), 1 / 3), np.array([0, 1, 2, 0]))
    with pytest.raises(ValueError, match="from_logits=True"):
        m.update(np.array([-1.0, 2.0]), np.array([0, 1]))


def _multilabel():
    r = np.random.default_rng(5)
    yt = (r.random((40, 4)) < 0.35).astype("float32")
    yp = r.random((40, 4)).astype("float32")
    w = r.random(40).astype("float32")
    return yt, yp, w


# Keras 3.15: Precision(**kw) and Recall(**kw), update_state(yt, yp) then (another metric)
# update_state(yt, yp, sample_weight=w) -> [precision, weighted precision, recall, weighted recall]
KERAS_PR = [
    ({"top_k": 1}, [0.4000000059604645, 0.45110082626342773, 0.30188679695129395, 0.32239004969596863]),
    ({"top_k": 2}, [0.36250001192092896, 0.3649233281612396, 0.5471698045730591, 0.5216025114059448]),
    ({"class_id": 1}, [0.3529411852359772, 0.37515631318092346, 0.4615384638309479, 0.6056040525436401]),
    ({"class_id": 2, "top_k": 2}, [0.3684210479259491, 0.314426064491272, 0.5384615659713745, 0.523637592792511]),
    ({"class_id": 3, "thresholds": 0.3}, [0.4166666567325592, 0.5622346997261047, 0.5882353186607361, 0.6233935952186584]),
    ({"top_k": 2, "thresholds": 0.4}, [0.34328359365463257, 0.3542340397834778, 0.43396225571632385, 0.42357614636421204]),
]  # fmt: skip


def _pr(kw, yt, yp, w):
    out = []
    for cls in (M.Precision, M.Recall):
        a, b = cls(**kw), cls(**kw)
        a.update(yp, yt)
        b.update(yp[:20], yt[:20], sample_weight=w[:20])  # streamed in two batches
        b.update(yp[20:], yt[20:], sample_weight=w[20:])
        out += [a.result(), b.result()]
    return out


@pytest.mark.parametrize(("kw", "expected"), KERAS_PR)
def test_precision_recall_top_k_class_id_are_keras(kw, expected):
    np.testing.assert_allclose(_pr(kw, *_multilabel()), expected, rtol=1e-6)


def test_precision_recall_top_k_class_id_live():
    keras = pytest.importorskip("keras")
    yt, yp, w = _multilabel()
    for kw, _ in KERAS_PR:
        got = []
        for cls in (keras.metrics.Precision, keras.metrics.Recall):
            a, b = cls(**kw), cls(**kw)
            a.update_state(yt, yp)
            b.update_state(yt, yp, sample_weight=w)
            got += [float(a.result()), float(b.result())]
        np.testing.assert_allclose(_pr(kw, yt, yp, w), got, rtol=1e-6)


def test_top_k_class_id_refusals():
    with pytest.raises(ValueError, match="top_k must be an int >= 1"):
        M.Precision(top_k=0)
    with pytest.raises(ValueError, match="average="):
        M.Recall(class_id=1, average="macro")
    with pytest.raises(TypeError, match="unexpected keyword"):
        M.F1Score(top_k=1)
    m = M.Precision(class_id=5)
    with pytest.raises(ValueError, match="class_id=5"):
        m.update(np.zeros((2, 3)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="multi-hot"):
        M.Recall(top_k=1).update(np.zeros((2, 3)), np.array([0, 1]))


def test_options_survive_a_model_file(tmp_path):
    from deepgrad import nn
    from deepgrad.train import load_model

    model = nn.Sequential(nn.Linear(4, 1), nn.Sigmoid())
    model.compile(
        "sgd",
        "binary_crossentropy",
        metrics=[M.AUC(num_thresholds=7, name="auc7"), M.Precision(top_k=2, name="p2")],
    )
    model.save(tmp_path / "m.dg")
    back = load_model(tmp_path / "m.dg")
    auc, prec = back.__dict__["_dg_compiled"].metrics
    assert (auc.num_thresholds, auc.curve, prec.top_k, prec._column_threshold) == (
        7, "ROC", 2, -np.inf,
    )  # fmt: skip
    assert back.metrics_names == ["loss", "auc7", "p2"]
