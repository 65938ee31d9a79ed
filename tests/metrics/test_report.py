"""metrics.classification_report: scikit-learn's report on deepgrad's inputs."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import classification_report as sk_report

from deepgrad.metrics import classification_report


def _data(n=200, c=4, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, c, n)
    scores = rng.normal(size=(n, c)) + 1.5 * np.eye(c)[y]
    return y, scores


def test_report_equals_sklearn_on_scores_and_labels():
    y, scores = _data()
    pred = scores.argmax(axis=1)
    names = ["a", "b", "c", "d"]
    want = sk_report(y, pred, target_names=names, digits=3, zero_division=0.0)
    assert classification_report(y, scores, class_names=names, digits=3) == want
    assert classification_report(y, pred, class_names=names, digits=3) == want
    got = classification_report(y, scores, output_dict=True)
    want_d = sk_report(y, pred, output_dict=True, zero_division=0.0)
    assert got.keys() == want_d.keys()
    for k in want_d:
        if k == "accuracy":
            assert got[k] == want_d[k]
        else:
            assert got[k] == pytest.approx(want_d[k])


def test_every_class_gets_a_row_even_if_absent():
    y = np.array([0, 0, 1, 1])
    scores = np.array([[0.9, 0.1, 0.0], [0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.2, 0.7]])
    d = classification_report(y, scores, output_dict=True)
    assert set(d) >= {"0", "1", "2"} and d["2"]["support"] == 0
    want = sk_report(y, scores.argmax(1), labels=[0, 1, 2], output_dict=True, zero_division=0.0)
    assert d["2"] == want["2"] and d["macro avg"] == pytest.approx(want["macro avg"])
    for zd in (0.0, 1.0):
        for digits in (2, 5):
            want_t = sk_report(
                y, scores.argmax(1), labels=[0, 1, 2], digits=digits, zero_division=zd
            )
            assert classification_report(y, scores, digits=digits, zero_division=zd) == want_t


def test_random_labels_match_sklearn_text_and_dict():
    rng = np.random.default_rng(3)
    for c in (2, 5, 11):
        y = rng.integers(0, c, 57)
        pred = rng.integers(0, c, 57)
        labels = list(range(c))
        assert classification_report(y, pred, num_classes=c) == sk_report(
            y, pred, labels=labels, zero_division=0.0
        )
        got = classification_report(y, pred, num_classes=c, output_dict=True)
        want = sk_report(y, pred, labels=labels, output_dict=True, zero_division=0.0)
        assert got.keys() == want.keys()
        for k, v in want.items():
            assert got[k] == pytest.approx(v)


def test_wrong_number_of_names_is_refused():
    y, scores = _data(c=3)
    with pytest.raises(ValueError, match="3 classes but 2 class_names"):
        classification_report(y, scores, class_names=["a", "b"])
