"""deepgrad.metrics: equal to scikit-learn, streaming equal to plain, clear errors."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deepgrad import metrics
from deepgrad.metrics import (
    AUC,
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    ConfusionMatrix,
    F1Score,
    Mean,
    MeanAbsoluteError,
    MeanSquaredError,
    Metric,
    Precision,
    R2Score,
    Recall,
    RootMeanSquaredError,
    SparseCategoricalAccuracy,
    TopKAccuracy,
)

SEEDS = range(12)


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def maybe_weights(rng: np.random.Generator, n: int, weighted: bool) -> np.ndarray | None:
    return rng.uniform(0.1, 3.0, size=n) if weighted else None


# ----------------------------------------------------------------------------- accuracy


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weighted", [False, True])
def test_accuracy_kinds_match_sklearn(seed: int, weighted: bool) -> None:
    rng = np.random.default_rng(seed)
    n, c = int(rng.integers(1, 60)), int(rng.integers(2, 7))
    w = maybe_weights(rng, n, weighted)
    # binary from probabilities, (N,) and (N, 1), and from logits
    y = rng.integers(0, 2, size=n)
    p = rng.uniform(size=n)
    expected = skm.accuracy_score(y, (p > 0.5).astype(int), sample_weight=w)
    assert metrics.accuracy(y, p, sample_weight=w) == pytest.approx(expected)
    assert metrics.accuracy(y, p[:, None], sample_weight=w) == pytest.approx(expected)
    assert metrics.accuracy(y[:, None], p, sample_weight=w) == pytest.approx(expected)
    z = rng.normal(size=n) * 3
    expected = skm.accuracy_score(y, (z > 0).astype(int), sample_weight=w)
    assert metrics.accuracy(y, z, from_logits=True, sample_weight=w) == pytest.approx(expected)
    expected = skm.accuracy_score(y, (p > 0.7).astype(int), sample_weight=w)
    assert metrics.accuracy(y, p, threshold=0.7, sample_weight=w) == pytest.approx(expected)
    # sparse and categorical from class scores
    labels = rng.integers(0, c, size=n)
    scores = rng.normal(size=(n, c))
    expected = skm.accuracy_score(labels, scores.argmax(1), sample_weight=w)
    assert metrics.accuracy(labels, scores, sample_weight=w) == pytest.approx(expected)
    assert metrics.accuracy(np.eye(c)[labels], scores, sample_weight=w) == pytest.approx(expected)
    # plain labels
    pred = rng.integers(0, c, size=n)
    expected = skm.accuracy_score(labels, pred, sample_weight=w)
    assert metrics.accuracy(labels, pred, sample_weight=w) == pytest.approx(expected)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weighted", [False, True])
def test_top_k_accuracy_matches_sklearn_with_ties(seed: int, weighted: bool) -> None:
    rng = np.random.default_rng(seed)
    n, c = int(rng.integers(1, 60)), int(rng.integers(3, 8))
    labels = rng.integers(0, c, size=n)
    # few distinct values: many ties, broken like sklearn's stable sort
    scores = rng.integers(0, 3, size=(n, c)).astype(float)
    w = maybe_weights(rng, n, weighted)
    for k in range(1, c):
        expected = skm.top_k_accuracy_score(
            labels, scores, k=k, labels=np.arange(c), sample_weight=w
        )
        got = metrics.top_k_accuracy(labels, scores, k=k, sample_weight=w)
        assert got == pytest.approx(expected), k


def test_top_k_accuracy_k_at_least_classes_is_perfect() -> None:
    assert metrics.top_k_accuracy([0, 2], [[0.1, 0.2, 0.7], [0.8, 0.1, 0.1]], k=3) == 1.0


# Keras 3.15 (torch backend): compile(metrics=["sparse_top_k_categorical_accuracy"]) on a model of
# 2 (or 4) outputs raises in evaluate ("selected index k out of range", k = 5 > C); with 5
# outputs it gives 1.0, with 6 a fraction. deepgrad's streaming metric gave 1.0 for any C <= 5.
KERAS_TOP5_RAISES_FOR_CLASSES = (2, 4)


@pytest.mark.parametrize(
    "name", ["sparse_top_k_categorical_accuracy", "top_k_categorical_accuracy"]
)
def test_streaming_top_k_refuses_k_above_the_classes_as_keras(name) -> None:
    y = np.array([0, 1, 1])
    for c in KERAS_TOP5_RAISES_FOR_CLASSES:
        scores = np.random.default_rng(c).normal(size=(3, c))
        target = y if name.startswith("sparse") else np.eye(c)[y]
        with pytest.raises(ValueError, match=f"k=5 is more than the {c} classes"):
            metrics.get(name).update(scores, target)
    m = metrics.get(name)
    m.update(np.eye(5)[[2, 3, 4]], np.eye(5)[y] if not name.startswith("sparse") else y)
    assert m.result() == 1.0  # k == C: every class is in the top 5


def test_keras_top_k_raises_above_the_classes(monkeypatch) -> None:
    monkeypatch.setenv("KERAS_BACKEND", os.environ.get("KERAS_BACKEND", "torch"))
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("recorded on Keras's torch backend")
    y = np.array([0, 1, 1])
    for c in KERAS_TOP5_RAISES_FOR_CLASSES:
        with pytest.raises(Exception, match="out of range"):
            keras.metrics.SparseTopKCategoricalAccuracy(k=5).update_state(y, np.zeros((3, c)))
    m = keras.metrics.SparseTopKCategoricalAccuracy(k=5)
    m.update_state(y, np.eye(5)[[2, 3, 4]])
    assert float(m.result()) == 1.0


# ----------------------------------------------------------------------------- P / R / F1


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("average", ["macro", "micro", "weighted"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("zero_division", [0.0, 1.0])
def test_prf_multiclass_match_sklearn(
    seed: int, average: str, weighted: bool, zero_division: float
) -> None:
    rng = np.random.default_rng(seed)
    n, c = int(rng.integers(1, 50)), int(rng.integers(3, 7))
    y = rng.integers(0, c, size=n)
    # predictions drawn from fewer classes: some classes are never predicted
    pred = rng.integers(0, max(1, c - 2), size=n)
    w = maybe_weights(rng, n, weighted)
    kw = {"average": average, "sample_weight": w, "zero_division": zero_division}
    for ours, theirs in [
        (metrics.precision, skm.precision_score),
        (metrics.recall, skm.recall_score),
        (metrics.f1_score, skm.f1_score),
    ]:
        assert ours(y, pred, **kw) == pytest.approx(theirs(y, pred, **kw)), ours.__name__


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("pos_label", [0, 1])
def test_prf_binary_match_sklearn(seed: int, weighted: bool, pos_label: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 40))
    y = rng.integers(0, 2, size=n)
    p = rng.uniform(size=n) ** 3  # mostly below 0.5: few positives predicted
    w = maybe_weights(rng, n, weighted)
    pred = (p > 0.5).astype(int)
    kw = {"sample_weight": w, "zero_division": 0.0, "pos_label": pos_label}
    for ours, theirs in [
        (metrics.precision, skm.precision_score),
        (metrics.recall, skm.recall_score),
        (metrics.f1_score, skm.f1_score),
    ]:
        expected = theirs(y, pred, **kw)
        assert ours(y, pred, **kw) == pytest.approx(expected)
        assert ours(y, p, **kw) == pytest.approx(expected)  # from probabilities


def test_prf_never_predicted_class_gives_zero_without_warning() -> None:
    y = np.array([0, 1, 2, 2, 1])
    pred = np.array([0, 1, 1, 1, 1])  # class 2 never predicted
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = metrics.precision(y, pred, average="macro")
        f = metrics.f1_score(y, pred, average="macro")
        assert metrics.precision([0, 0, 0], [0, 0, 0]) == 0.0  # no positive at all
        assert metrics.f1_score([0, 0], [0, 0], zero_division=1.0) == 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn warns, then uses 0
        assert p == pytest.approx(skm.precision_score(y, pred, average="macro"))
        assert f == pytest.approx(skm.f1_score(y, pred, average="macro"))
        assert skm.precision_score([0, 0, 0], [0, 0, 0]) == 0.0


def test_prf_accepts_scores_and_one_hot() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, size=30)
    scores = rng.normal(size=(30, 4))
    expected = skm.f1_score(y, scores.argmax(1), average="weighted")
    assert metrics.f1_score(y, scores, average="weighted") == pytest.approx(expected)
    assert metrics.f1_score(np.eye(4)[y], scores, average="weighted") == pytest.approx(expected)


def test_binary_average_refuses_multiclass_with_advice() -> None:
    with pytest.raises(ValueError, match="average='binary'.*macro"):
        metrics.precision([0, 1, 2], [0, 1, 2])


# ----------------------------------------------------------------------------- confusion


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("normalize", [None, "true", "pred", "all"])
@pytest.mark.parametrize("weighted", [False, True])
def test_confusion_matrix_matches_sklearn(seed: int, normalize: str | None, weighted: bool) -> None:
    rng = np.random.default_rng(seed)
    n, c = int(rng.integers(1, 50)), int(rng.integers(2, 6))
    y = rng.integers(0, c, size=n)
    pred = rng.integers(0, c, size=n)
    w = maybe_weights(rng, n, weighted)
    got = metrics.confusion_matrix(y, pred, num_classes=c, normalize=normalize, sample_weight=w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = skm.confusion_matrix(
            y, pred, labels=np.arange(c), normalize=normalize, sample_weight=w
        )
    np.testing.assert_allclose(got, np.nan_to_num(expected))
    assert got.shape == (c, c)
    if not weighted and normalize is None:
        assert got.dtype == np.int64


def test_confusion_matrix_sizes() -> None:
    assert metrics.confusion_matrix([0, 1], [0.2, 0.9]).shape == (2, 2)  # binary scores
    assert metrics.confusion_matrix([0, 1], np.zeros((2, 5))).shape == (5, 5)  # (N, C) scores
    assert metrics.confusion_matrix([0, 3], [0, 1]).shape == (4, 4)  # largest label + 1


# ----------------------------------------------------------------------------- ROC-AUC


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weighted", [False, True])
def test_roc_auc_binary_matches_sklearn_with_ties(seed: int, weighted: bool) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 80))
    y = rng.integers(0, 2, size=n)
    y[0], y[1] = 0, 1
    w = maybe_weights(rng, n, weighted)
    for scores in (rng.normal(size=n), np.round(rng.uniform(size=n), 1)):  # 2nd: many ties
        expected = skm.roc_auc_score(y, scores, sample_weight=w)
        assert metrics.roc_auc(y, scores, sample_weight=w) == pytest.approx(expected, abs=1e-12)
        assert metrics.roc_auc(y, scores[:, None], sample_weight=w) == pytest.approx(expected)
    two = rng.dirichlet(np.ones(2), size=n)
    expected = skm.roc_auc_score(y, two[:, 1], sample_weight=w)
    assert metrics.roc_auc(y, two, sample_weight=w) == pytest.approx(expected)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("average", ["macro", "weighted"])
@pytest.mark.parametrize("weighted", [False, True])
def test_roc_auc_multiclass_ovr_matches_sklearn(seed: int, average: str, weighted: bool) -> None:
    rng = np.random.default_rng(seed)
    c = int(rng.integers(3, 6))
    n = int(rng.integers(2 * c, 80))
    y = np.concatenate([np.arange(c), rng.integers(0, c, size=n - c)])
    probs = softmax(np.round(rng.normal(size=(n, c)), 1))
    w = maybe_weights(rng, n, weighted)
    expected = skm.roc_auc_score(y, probs, multi_class="ovr", average=average, sample_weight=w)
    got = metrics.roc_auc(y, probs, average=average, sample_weight=w)
    assert got == pytest.approx(expected, abs=1e-12)


def test_roc_auc_one_class_is_an_error() -> None:
    with pytest.raises(ValueError, match="only one class"):
        metrics.roc_auc([1, 1, 1], [0.2, 0.5, 0.9])
    with pytest.raises(ValueError, match="class 2 of 3"):
        metrics.roc_auc([0, 1, 1, 0], softmax(np.zeros((4, 3))))


# ----------------------------------------------------------------------------- regression


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("outputs", [None, 1, 3])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("multioutput", ["uniform_average", "raw_values"])
def test_regression_matches_sklearn(
    seed: int, outputs: int | None, weighted: bool, multioutput: str
) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 60))
    shape = (n,) if outputs is None else (n, outputs)
    y = rng.normal(size=shape) * 10
    pred = y + rng.normal(size=shape) * 3
    w = maybe_weights(rng, n, weighted)
    kw = {"sample_weight": w, "multioutput": multioutput}
    for ours, theirs in [
        (metrics.mean_squared_error, skm.mean_squared_error),
        (metrics.root_mean_squared_error, skm.root_mean_squared_error),
        (metrics.mean_absolute_error, skm.mean_absolute_error),
        (metrics.r2_score, skm.r2_score),
    ]:
        np.testing.assert_allclose(ours(y, pred, **kw), theirs(y, pred, **kw), rtol=1e-10)


def test_regression_prediction_column_against_flat_targets() -> None:
    y = np.array([1.0, 2.0, 3.0])
    p = np.array([[1.5], [2.0], [2.0]])  # a Linear(k, 1) head
    assert metrics.mean_squared_error(y, p) == pytest.approx(skm.mean_squared_error(y, p[:, 0]))
    assert metrics.r2_score(y[:, None], p[:, 0]) == pytest.approx(skm.r2_score(y, p[:, 0]))


def test_r2_edge_cases_like_sklearn() -> None:
    const = np.array([3.0, 3.0, 3.0])
    assert metrics.r2_score(const, const) == 1.0 == skm.r2_score(const, const)
    assert metrics.r2_score(const, const + 1) == 0.0 == skm.r2_score(const, const + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(skm.r2_score([1.0], [2.0]))
    assert np.isnan(metrics.r2_score([1.0], [2.0]))


# ----------------------------------------------------------------------------- streaming


def split(n: int, cuts: list[int]) -> list[slice]:
    points = sorted({0, n, *[min(c, n) for c in cuts]})
    return [slice(a, b) for a, b in zip(points[:-1], points[1:])]


def stream(metric: Metric, y_pred: np.ndarray, y_true: np.ndarray, w, cuts: list[int]):
    """Feed batches, saving and restoring the state half-way into a fresh copy."""
    slices = split(len(y_true), cuts)
    for i, s in enumerate(slices):
        metric.update(y_pred[s], y_true[s], None if w is None else w[s])
        if i == len(slices) // 2:
            fresh = type(metric).__new__(type(metric))
            fresh.__dict__.update(metric.__dict__)
            fresh.reset()
            fresh.load_state_dict(metric.state_dict())
            metric = fresh
    return metric.result()


CLASSIFICATION_CASES = {
    "binary_probs": lambda rng, n, c: (rng.integers(0, 2, n), rng.uniform(size=(n, 1))),
    "binary_logits": lambda rng, n, c: (rng.integers(0, 2, n), rng.normal(size=n)),
    "sparse": lambda rng, n, c: (rng.integers(0, c, n), rng.normal(size=(n, c))),
    "categorical": lambda rng, n, c: (np.eye(c)[rng.integers(0, c, n)], rng.normal(size=(n, c))),
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 40),
    c=st.integers(2, 5),
    cuts=st.lists(st.integers(0, 40), max_size=6),
    case=st.sampled_from(sorted(CLASSIFICATION_CASES)),
    weighted=st.booleans(),
    average=st.sampled_from(["macro", "micro", "weighted"]),
)
def test_streaming_classification_equals_plain(seed, n, c, cuts, case, weighted, average) -> None:
    rng = np.random.default_rng(seed)
    y, p = CLASSIFICATION_CASES[case](rng, n, c)
    w = maybe_weights(rng, n, weighted)
    logits = case == "binary_logits"
    kw = {"sample_weight": w}
    assert stream(Accuracy(from_logits=logits), p, y, w, cuts) == pytest.approx(
        metrics.accuracy(y, p, from_logits=logits, **kw)
    )
    labels = y if y.ndim == 1 else y.argmax(1)
    if case.startswith("binary"):
        assert stream(BinaryAccuracy(from_logits=logits), p, y, w, cuts) == pytest.approx(
            metrics.accuracy(y, p, from_logits=logits, **kw)
        )
        for avg in ("binary", average):
            for cls, fn in [
                (Precision, metrics.precision),
                (Recall, metrics.recall),
                (F1Score, metrics.f1_score),
            ]:
                got = stream(cls(average=avg, from_logits=logits), p, y, w, cuts)
                assert got == pytest.approx(fn(y, p, average=avg, from_logits=logits, **kw))
    else:
        cls_acc = SparseCategoricalAccuracy if case == "sparse" else CategoricalAccuracy
        assert stream(cls_acc(), p, y, w, cuts) == pytest.approx(metrics.accuracy(y, p, **kw))
        for k in (1, 2, c):  # k > c raises, as Keras's
            assert stream(TopKAccuracy(k=k), p, y, w, cuts) == pytest.approx(
                metrics.top_k_accuracy(y, p, k=k, **kw)
            )
        for cls, fn in [
            (Precision, metrics.precision),
            (Recall, metrics.recall),
            (F1Score, metrics.f1_score),
        ]:
            got = stream(cls(average=average), p, y, w, cuts)
            assert got == pytest.approx(fn(y, p, average=average, **kw))
        cm = stream(ConfusionMatrix(), p, y, w, cuts)
        np.testing.assert_allclose(cm, metrics.confusion_matrix(labels, p, **kw))
    # AUC: exact over all batches, NaN (not an error) when a class is missing
    scores = softmax(p) if p.ndim == 2 and p.shape[1] > 1 else p
    try:
        expected = metrics.roc_auc(labels, scores, **kw)
    except ValueError:
        expected = float("nan")
    got = stream(AUC(from_logits=p.ndim == 2 and p.shape[1] > 1), p, y, w, cuts)
    assert got == pytest.approx(expected, nan_ok=True)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 40),
    outputs=st.sampled_from([None, 1, 2]),
    cuts=st.lists(st.integers(0, 40), max_size=6),
    weighted=st.booleans(),
    offset=st.sampled_from([0.0, 1e6]),
)
def test_streaming_regression_equals_plain(seed, n, outputs, cuts, weighted, offset) -> None:
    rng = np.random.default_rng(seed)
    shape = (n,) if outputs is None else (n, outputs)
    y = rng.normal(size=shape) + offset  # a large offset would break sum(y^2) - sum(y)^2
    p = y + rng.normal(size=shape)
    w = maybe_weights(rng, n, weighted)
    for cls, fn in [
        (MeanSquaredError, metrics.mean_squared_error),
        (RootMeanSquaredError, _keras_rmse),
        (MeanAbsoluteError, metrics.mean_absolute_error),
        (R2Score, metrics.r2_score),
    ]:
        got, want = stream(cls(), p, y, w, cuts), fn(y, p, sample_weight=w)
        rel = 1e-9
        if cls is R2Score:  # R² = 1 - SS_res / SS_tot: with the 1e6 offset, y's last ~10
            # digits carry the signal, so the ratio SS_res / SS_tot agrees to ~1e-9 relative
            # (an R² near 0, or one of -934 when two samples of y nearly coincide)
            got, want, rel = 1 - got, 1 - want, 1e-8
        assert got == pytest.approx(want, rel=rel, abs=1e-9), cls


def _keras_rmse(y, p, sample_weight=None):
    """Keras's RootMeanSquaredError: sqrt of the MSE over samples and outputs."""
    return float(np.sqrt(metrics.mean_squared_error(y, p, sample_weight=sample_weight)))


# keras.metrics.RootMeanSquaredError() (Keras 3.15) on y_true [[0, 1], [2, 3], [1, 1]], y_pred 0:
# updated with the first two rows, then the third; and in one update with sample_weight
# [1, 2, 0.5] (scikit-learn's mean of the two outputs' RMSEs is 1.6029... unweighted)
KERAS_RMSE = (1.632993221282959, 2.0)


def test_rmse_is_the_root_of_the_mse_over_outputs_as_keras() -> None:
    yt = np.array([[0.0, 1], [2, 3], [1, 1]])
    yp = np.zeros((3, 2))
    m = RootMeanSquaredError()
    m.update(yp[:2], yt[:2])
    m.update(yp[2:], yt[2:])
    assert m.result() == pytest.approx(KERAS_RMSE[0], rel=1e-6)
    m.reset()
    m.update(yp, yt, sample_weight=np.array([1.0, 2, 0.5]))
    assert m.result() == pytest.approx(KERAS_RMSE[1], rel=1e-6)
    # the function keeps scikit-learn's contract: the outputs' RMSEs averaged
    assert metrics.root_mean_squared_error(yt, yp) == pytest.approx(
        (np.sqrt(5 / 3) + np.sqrt(11 / 3)) / 2
    )


def test_rmse_constants_are_keras() -> None:
    import os

    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")

    yt = np.array([[0.0, 1], [2, 3], [1, 1]])
    yp = np.zeros((3, 2))
    k = keras.metrics.RootMeanSquaredError()
    k.update_state(yt[:2], yp[:2])
    k.update_state(yt[2:], yp[2:])
    assert float(k.result()) == pytest.approx(KERAS_RMSE[0], rel=1e-6)
    k.reset_state()
    k.update_state(yt, yp, sample_weight=np.array([1.0, 2, 0.5]))
    assert float(k.result()) == pytest.approx(KERAS_RMSE[1], rel=1e-6)


def test_mean_is_a_running_weighted_average() -> None:
    m = Mean(name="loss")
    m.update(2.0, sample_weight=4)
    m.update(np.array([1.0, 3.0]), sample_weight=np.array([1.0, 1.0]))
    assert m.result() == pytest.approx((8 + 1 + 3) / 6)
    state = m.state_dict()
    m.reset()
    assert m.result() == 0.0
    m.load_state_dict(state)
    assert m.result() == pytest.approx(2.0)
    m.update(float("nan"))
    assert np.isnan(m.result())  # the loss going NaN is seen, not hidden


def test_results_before_any_update_and_reset() -> None:
    for name in ["accuracy", "top5", "precision", "f1", "auc", "mse", "rmse", "mae", "r2"]:
        assert metrics.get(name).result() == 0.0
    acc = Accuracy()
    acc.update(np.array([0.9, 0.1]), np.array([1, 1]))
    assert acc.result() == 0.5
    acc.reset()
    acc.update(np.array([0.9]), np.array([1]))
    assert acc.result() == 1.0


def test_state_dict_is_plain_and_checked() -> None:
    f1 = F1Score(average="macro")
    f1.update(np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([1, 1]))
    state = f1.state_dict()
    assert all(isinstance(v, (np.ndarray, float, int, bool)) for v in state.values())
    with pytest.raises(ValueError, match="missing"):
        F1Score().load_state_dict({"confusion": state["confusion"]})
    auc = AUC()
    auc.update(np.array([0.1, 0.8]), np.array([0, 1]))
    state = auc.state_dict()
    assert set(state) == {"labels", "scores", "weights"}
    other = AUC()
    other.load_state_dict(state)
    other.update(np.array([0.5]), np.array([0]))
    assert other.result() == pytest.approx(metrics.roc_auc([0, 1, 0], [0.1, 0.8, 0.5]))


def test_confusion_matrix_streaming_grows_with_labels() -> None:
    cm = ConfusionMatrix()
    cm.update(np.array([0, 1]), np.array([0, 1]))
    cm.update(np.array([3]), np.array([2]))
    np.testing.assert_array_equal(
        cm.result(), skm.confusion_matrix([0, 1, 2], [0, 1, 3], labels=range(4))
    )


# ----------------------------------------------------------------------------- get


def test_get_resolves_names_classes_and_instances() -> None:
    expected = {
        "accuracy": Accuracy,
        "acc": Accuracy,
        "binary_accuracy": BinaryAccuracy,
        "categorical_accuracy": CategoricalAccuracy,
        "sparse_categorical_accuracy": SparseCategoricalAccuracy,
        "top_k_accuracy": TopKAccuracy,
        "top5": TopKAccuracy,
        "sparse_top_k_categorical_accuracy": TopKAccuracy,
        "top_k_categorical_accuracy": TopKAccuracy,
        "precision": Precision,
        "recall": Recall,
        "f1": F1Score,
        "auc": AUC,
        "mse": MeanSquaredError,
        "rmse": RootMeanSquaredError,
        "mae": MeanAbsoluteError,
        "r2": R2Score,
    }
    for name, cls in expected.items():
        m = metrics.get(name)
        assert type(m) is cls, name
    assert metrics.get("top5").k == 5
    assert metrics.get("acc").name == "accuracy"
    inst = Recall(average="macro")
    assert metrics.get(inst) is inst
    assert isinstance(metrics.get(R2Score), R2Score)
    with pytest.raises(
        ValueError,
        match=r"unknown metric .accuracyy.; did you mean .accuracy.\? Known names:.*sparse_cat",
    ):
        metrics.get("accuracyy")
    with pytest.raises(TypeError):
        metrics.get(3)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- inputs, errors


class HasNumpy:
    """Stands in for a deepgrad Tensor: only `.numpy()`."""

    def __init__(self, a) -> None:
        self._a = np.asarray(a)

    def numpy(self) -> np.ndarray:
        return self._a


class HasArray:
    def __init__(self, a) -> None:
        self._a = np.asarray(a)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        return self._a


def test_tensor_like_inputs() -> None:
    y, p = [0, 1, 1], [[0.8, 0.2], [0.3, 0.7], [0.6, 0.4]]
    assert metrics.accuracy(HasNumpy(y), HasNumpy(p)) == pytest.approx(2 / 3)
    assert metrics.accuracy(HasArray(y), HasArray(p)) == pytest.approx(2 / 3)
    m = SparseCategoricalAccuracy()
    m.update(HasNumpy(p), HasNumpy(y), sample_weight=HasNumpy([1.0, 1.0, 0.0]))
    assert m.result() == 1.0
    mse = MeanSquaredError()
    mse.update(HasNumpy([[1.0], [2.0]]), HasNumpy([1.0, 4.0]))
    assert mse.result() == 2.0


def test_length_mismatch_names_both_shapes() -> None:
    with pytest.raises(ValueError, match=r"\(3,\).*\(4, 2\)"):
        metrics.accuracy([0, 1, 1], np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"\(5,\).*\(4,\)"):
        MeanSquaredError().update(np.zeros(4), np.zeros(5))
    with pytest.raises(ValueError, match="sample_weight must have shape"):
        metrics.accuracy([0, 1], [0.1, 0.9], sample_weight=[1.0])


def test_column_predictions_never_broadcast_to_n_by_n() -> None:
    y = np.array([0.0, 1.0, 2.0, 3.0])
    p = y[:, None] + 0.5
    assert metrics.mean_absolute_error(y, p) == 0.5  # N x N broadcasting would give 1.5
    with pytest.raises(ValueError, match=r"\(4,\).*\(4, 3\)"):
        metrics.mean_squared_error(y, np.zeros((4, 3)))
    acc = BinaryAccuracy()
    acc.update(np.array([[0.9], [0.2], [0.7]]), np.array([1, 0, 0]))
    assert acc.result() == pytest.approx(2 / 3)


def test_labels_out_of_range_negative_or_fractional() -> None:
    with pytest.raises(ValueError, match="class label 3, out of range for 3 classes"):
        metrics.accuracy([0, 3], np.zeros((2, 3)))
    with pytest.raises(ValueError, match="out of range for 4 classes"):
        SparseCategoricalAccuracy().update(np.zeros((2, 4)), np.array([1, 7]))
    with pytest.raises(ValueError, match="negative class label -1"):
        metrics.top_k_accuracy([0, -1], np.zeros((2, 3)), k=1)
    with pytest.raises(ValueError, match="fractional value 1.5"):
        metrics.f1_score([0, 1.5], np.zeros((2, 3)), average="macro")
    with pytest.raises(ValueError, match="num_classes=3"):
        metrics.confusion_matrix([0, 1], np.zeros((2, 4)), num_classes=3)


def test_logits_without_flag_and_non_binary_targets_are_explained() -> None:
    with pytest.raises(ValueError, match="from_logits=True"):
        metrics.accuracy([0, 1], [-2.0, 3.0])
    with pytest.raises(ValueError, match=r"y_true in \{0, 1\}"):
        BinaryAccuracy().update(np.array([0.2, 0.9]), np.array([0, 2]))
    with pytest.raises(ValueError, match="binary scores"):
        metrics.precision([0, 2, 1], [0.1, 0.9, 0.4], average="macro")
    with pytest.raises(ValueError, match="one-hot y_true"):
        CategoricalAccuracy().update(np.zeros((2, 3)), np.eye(4)[:2])


def test_nan_predictions_are_refused() -> None:
    with pytest.raises(ValueError, match="NaN or Inf"):
        metrics.accuracy([0, 1], [0.2, np.nan])
    with pytest.raises(ValueError, match="NaN or Inf"):
        metrics.r2_score([0.0, 1.0], [0.2, np.inf])
    with pytest.raises(ValueError, match="NaN or Inf"):
        AUC().update(np.array([np.nan, 0.1]), np.array([0, 1]))


def test_bad_parameters() -> None:
    with pytest.raises(ValueError, match="average must be one of"):
        metrics.f1_score([0, 1], [0, 1], average="samples")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="average must be one of"):
        F1Score(average="none")
    with pytest.raises(ValueError, match="k must be a positive integer"):
        metrics.top_k_accuracy([0], [[0.1, 0.9]], k=0)
    with pytest.raises(ValueError, match="threshold"):
        metrics.accuracy([0, 1], [0.1, 0.9], threshold=1.5)
    with pytest.raises(ValueError, match="0 samples"):
        metrics.accuracy(np.zeros(0), np.zeros(0))


def test_streaming_shape_changes_between_batches_are_named() -> None:
    mse = MeanSquaredError()
    mse.update(np.zeros((3, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="3 outputs, earlier ones had 2"):
        mse.update(np.zeros((3, 3)), np.zeros((3, 3)))
    r2 = R2Score()
    r2.update(np.arange(3.0), np.arange(3.0))
    with pytest.raises(ValueError, match="2 output"):
        r2.update(np.zeros((3, 2)), np.zeros((3, 2)))
    auc = AUC()
    auc.update(np.array([0.2, 0.8]), np.array([0, 1]))
    auc.update(softmax(np.zeros((3, 3))), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="different widths"):
        auc.result()
    with pytest.raises(ValueError, match="does not fit values"):
        Mean().update(np.zeros(3), sample_weight=np.ones(2))


def test_auc_streaming_nan_when_one_class_and_logits_softmaxed() -> None:
    auc = AUC()
    auc.update(np.array([0.2, 0.8]), np.array([1, 1]))
    assert np.isnan(auc.result())
    rng = np.random.default_rng(3)
    z = rng.normal(size=(40, 3)) * 2
    y = np.concatenate([np.arange(3), rng.integers(0, 3, 37)])
    auc = AUC(from_logits=True)
    auc.update(z, y)
    expected = skm.roc_auc_score(y, softmax(z), multi_class="ovr")
    assert auc.result() == pytest.approx(expected)


def test_deepgrad_tensors_are_accepted() -> None:
    import deepgrad as dg

    logits = dg.tensor([[0.2, 0.8], [0.9, 0.1], [0.3, 0.7]], requires_grad=True)
    target = dg.tensor([1, 1, 1])
    assert metrics.accuracy(target, logits) == pytest.approx(2 / 3)
    acc = metrics.get("accuracy")
    acc.update(logits, target)
    assert acc.result() == pytest.approx(2 / 3)


def test_metrics_use_numpy_only() -> None:
    """The metrics never import the engine (tensor, autograd, nn, ...): only NumPy."""
    import ast
    import pathlib

    package = pathlib.Path(metrics.__file__).parent
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
                assert node.level == 0, path
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                # difflib, functools, inspect (standard library): the nearest name of an
                # unknown metric or constructor keyword
                allowed = {"__future__", "typing", "numpy", "difflib", "functools", "inspect"}
                assert top in allowed or name.startswith("deepgrad.metrics"), (path.name, name)


def test_zero_weights_keep_labels_present_like_sklearn() -> None:
    y = np.array([0, 1, 2, 2, 1, 0])
    pred = np.array([0, 2, 2, 1, 1, 0])
    w = np.array([1.0, 0.0, 2.0, 1.0, 0.0, 1.0])
    for average in ("macro", "micro", "weighted"):
        expected = skm.f1_score(y, pred, average=average, sample_weight=w, zero_division=0)
        assert metrics.f1_score(y, pred, average=average, sample_weight=w) == pytest.approx(
            expected
        )
        f1 = F1Score(average=average)
        f1.update(pred[:3], y[:3], w[:3])
        f1.update(pred[3:], y[3:], w[3:])
        assert f1.result() == pytest.approx(expected)


def test_load_state_dict_accepts_arrays_for_scalars() -> None:
    """A state read back from a file may hold 0-d arrays where floats were written."""
    acc = Accuracy()
    acc.update(np.array([0.9, 0.1]), np.array([1, 1]))
    restored = Accuracy()
    restored.load_state_dict({k: np.asarray(v) for k, v in acc.state_dict().items()})
    assert isinstance(restored.correct, float)
    restored.update(np.array([0.8]), np.array([1]))
    assert restored.result() == pytest.approx(2 / 3)


# ---- streamed over batches, with and without sample weights, against Keras ---------------------
# Keras 3.15 (torch backend): each metric updated with batches of 8 of the 30 samples below
#   (update_state(y_true, y_pred, sample_weight)), result() without and with the weights w
KERAS_STREAMED = {
    "binary_accuracy_0.3": (0.5333333611488342, 0.6690347790718079),
    "sparse_categorical_accuracy": (0.4000000059604645, 0.41399767994880676),
    "sparse_top_2": (0.6000000238418579, 0.6532124876976013),
    "precision_0.3": (0.4761904776096344, 0.6694705486297607),
    "precision_thresholds_0.3": (0.4761904776096344, 0.6694705486297607),
    "recall_0.7": (0.38461539149284363, 0.3230501711368561),
    "recall_thresholds_0.7": (0.38461539149284363, 0.3230501711368561),
    "f1_macro": (0.40073809027671814, 0.4231564402580261),
    "f1_micro": (0.3999999761581421, 0.413997620344162),
    "f1_weighted": (0.39220404624938965, 0.4010210335254669),
}


def _streamed_data():
    rng = np.random.default_rng(0)
    n = 30
    p = rng.uniform(size=(n, 1)).astype("float32")
    yb = (rng.uniform(size=(n, 1)) > 0.5).astype("float32")
    s = rng.normal(size=(n, 4)).astype("float32")
    yl = rng.integers(0, 4, n)
    yo = np.eye(4, dtype="float32")[yl]
    w = rng.uniform(0.1, 2, n).astype("float32")
    return {"p": p, "yb": yb, "s": s, "yl": yl, "yo": yo}, w


# name -> (deepgrad metric, Keras class name and arguments, predictions, targets)
_STREAMED = {
    "binary_accuracy_0.3": (lambda: BinaryAccuracy(threshold=0.3),
                            ("BinaryAccuracy", {"threshold": 0.3}), "p", "yb"),
    "sparse_categorical_accuracy": (SparseCategoricalAccuracy,
                                    ("SparseCategoricalAccuracy", {}), "s", "yl"),
    "sparse_top_2": (lambda: TopKAccuracy(k=2), ("SparseTopKCategoricalAccuracy", {"k": 2}),
                     "s", "yl"),
    "precision_0.3": (lambda: Precision(threshold=0.3), ("Precision", {"thresholds": 0.3}),
                      "p", "yb"),
    "precision_thresholds_0.3": (lambda: Precision(thresholds=0.3),  # Keras's keyword
                                 ("Precision", {"thresholds": 0.3}), "p", "yb"),
    "recall_0.7": (lambda: Recall(threshold=0.7), ("Recall", {"thresholds": 0.7}), "p", "yb"),
    "recall_thresholds_0.7": (lambda: Recall(thresholds=0.7), ("Recall", {"thresholds": 0.7}),
                              "p", "yb"),
    "f1_macro": (lambda: F1Score(average="macro"), ("F1Score", {"average": "macro"}), "s", "yo"),
    "f1_micro": (lambda: F1Score(average="micro"), ("F1Score", {"average": "micro"}), "s", "yo"),
    "f1_weighted": (lambda: F1Score(average="weighted"), ("F1Score", {"average": "weighted"}),
                    "s", "yo"),
}  # fmt: skip


def _stream(update, data, w, pred, true):
    for i in range(0, 30, 8):
        update(data[pred][i : i + 8], data[true][i : i + 8], None if w is None else w[i : i + 8])


@pytest.mark.parametrize("name", sorted(_STREAMED))
def test_streamed_metrics_are_keras(name) -> None:
    make, _, pred, true = _STREAMED[name]
    data, w = _streamed_data()
    for weights, expected in zip((None, w), KERAS_STREAMED[name]):
        m = make()
        _stream(lambda p, t, sw, m=m: m.update(p, t, sample_weight=sw), data, weights, pred, true)
        assert m.result() == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("name", sorted(_STREAMED))
def test_streamed_metric_constants_are_keras(name, monkeypatch) -> None:
    monkeypatch.setenv("KERAS_BACKEND", os.environ.get("KERAS_BACKEND", "torch"))
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("these comparisons need Keras on its torch backend")
    _, (cls, kwargs), pred, true = _STREAMED[name]
    data, w = _streamed_data()
    for weights, expected in zip((None, w), KERAS_STREAMED[name]):
        k = getattr(keras.metrics, cls)(**kwargs)
        _stream(
            lambda p, t, sw, k=k: k.update_state(t, p, sample_weight=sw), data, weights, pred, true
        )
        assert float(k.result()) == pytest.approx(expected, rel=1e-6)


def test_keras_thresholds_keyword_takes_one_value() -> None:
    assert Precision(thresholds=0.3).threshold == 0.3
    with pytest.raises(ValueError, match=r"one value here.*one metric per threshold"):
        Recall(thresholds=[0.3, 0.5])
    with pytest.raises(TypeError, match="not both"):
        Precision(threshold=0.2, thresholds=0.3)


def test_a_misspelt_metric_keyword_names_the_nearest_valid_one():
    for cls, kwargs, near in [
        (metrics.Accuracy, {"nme": "a"}, "name"),
        (metrics.AUC, {"num_threshold": 200}, "num_thresholds"),
        (metrics.Precision, {"topk": 1}, "top_k"),
    ]:
        with pytest.raises(
            TypeError, match=f"{cls.__name__}\\(\\) got an unexpected keyword argument .*'{near}'"
        ):
            cls(**kwargs)
    assert metrics.Precision(thresholds=0.3, name="p").name == "p"  # valid ones pass through
