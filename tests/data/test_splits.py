"""train_test_split (train/val/test, stratified), K-fold splitters, cross_validate."""

import numpy as np
import pytest
from sklearn.linear_model import Ridge
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from threadpoolctl import threadpool_limits

from deepgrad.data import (
    CrossValidationResult,
    KFold,
    StratifiedKFold,
    cross_validate,
    load_iris,
    train_test_split,
)


@pytest.fixture(autouse=True)
def one_blas_thread():
    """Tiny fits: BLAS threads only add contention on a busy machine."""
    with threadpool_limits(1):
        yield


def labelled(n=200, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.2).astype(np.int64)  # imbalanced: about 20% ones
    x = rng.normal(size=(n, 3)).astype(np.float32)
    return x, y


def test_train_test_split_sizes_alignment_and_seed():
    x, y = labelled(100)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.2)
    assert len(x_tr) == 80 and len(x_te) == 20
    ids = np.arange(100)
    a = train_test_split(ids, seed=3)
    b = train_test_split(ids, seed=3)
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(train_test_split(ids, seed=4)[1], a[1])
    # rows stay aligned across arrays
    i_tr, i_te, y_tr2, y_te2 = train_test_split(ids, y, test_size=0.2, seed=0)
    np.testing.assert_array_equal(y[i_tr], y_tr2)
    np.testing.assert_array_equal(y[i_te], y_te2)
    # lists are split as lists
    texts = [f"t{i}" for i in range(10)]
    t_tr, t_te = train_test_split(texts, test_size=3)
    assert isinstance(t_tr, list) and len(t_te) == 3


def test_train_val_test_partition_everything_once():
    ids = np.arange(100)
    tr, va, te = train_test_split(ids, test_size=0.2, val_size=0.1, seed=0)
    assert (len(tr), len(va), len(te)) == (70, 10, 20)
    assert sorted(np.concatenate([tr, va, te]).tolist()) == list(range(100))
    tr, va, te = train_test_split(ids, test_size=10, val_size=15, seed=0)
    assert (len(tr), len(va), len(te)) == (75, 15, 10)


def test_stratified_splits_keep_class_proportions():
    x, y = labelled(500)
    share = y.mean()
    parts = train_test_split(x, y, test_size=0.2, val_size=0.2, stratify=y, seed=1)
    y_tr, y_va, y_te = parts[3:]
    for part in (y_tr, y_va, y_te):
        assert abs(part.mean() - share) < 0.01
    _, _, y_tr2, y_te2 = train_test_split(x, y, test_size=0.25, stratify=y)
    assert abs(y_te2.mean() - share) < 0.01


def test_split_errors():
    x, y = labelled(10)
    # scikit-learn's messages
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples: \[10, 9\]"):
        train_test_split(x, y[:9])
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples: \[10, 9\]"):
        train_test_split(x, y, stratify=y[:9])
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples: \[10, 10, 9\]"):
        train_test_split(x, y, stratify=y[:9], val_size=2, test_size=2)
    with pytest.raises(ValueError, match="do not fit"):
        train_test_split(x, test_size=0.5, val_size=0.5)


def test_kfold_and_stratified_kfold():
    x, y = labelled(100)
    tests = [t for _, t in KFold(5, shuffle=True, seed=0).split(x)]
    assert sorted(np.concatenate(tests).tolist()) == list(range(100))
    assert [len(t) for t in tests] == [20] * 5
    again = [t for _, t in KFold(5, shuffle=True, seed=0).split(x)]
    for a, b in zip(tests, again):
        np.testing.assert_array_equal(a, b)
    for train, test in StratifiedKFold(4, shuffle=True, seed=0).split(x, y):
        assert abs(y[test].mean() - y.mean()) <= 1 / len(test) + 1e-9  # within one sample
        assert len(np.intersect1d(train, test)) == 0
    assert "seed=0" in repr(KFold(3, shuffle=True, seed=0))


class SklearnAdapter:
    """A tiny adapter: the deepgrad Model interface on a scikit-learn estimator."""

    instances = 0

    def __init__(self, estimator):
        self.estimator = estimator
        self.fitted = False
        SklearnAdapter.instances += 1

    def fit(self, x, y, epochs=1, batch_size=32, verbose=0):
        assert not self.fitted, "cross_validate must build a fresh model per fold"
        self.estimator.fit(x, y)
        self.fitted = True
        self.fit_args = (epochs, batch_size, verbose)
        return self

    def evaluate(self, x, y, verbose=0):
        pred = self.estimator.predict(x)
        return {"accuracy": float((pred == y).mean()), "errors": float((pred != y).sum())}


def test_cross_validate_with_an_adapted_scikit_learn_model():
    x, y = load_iris()
    SklearnAdapter.instances = 0
    made = []

    def factory():
        model = SklearnAdapter(KNeighborsClassifier(5))
        made.append(model)
        return model

    result = cross_validate(factory, x, y, folds=5, fit_kwargs={"epochs": 3, "batch_size": 16})
    assert isinstance(result, CrossValidationResult)
    assert SklearnAdapter.instances == 5 and len(result.folds) == 5
    assert all(m.fit_args == (3, 16, 0) for m in made)
    accs = [f["accuracy"] for f in result.folds]
    assert result.mean["accuracy"] == pytest.approx(np.mean(accs))
    assert result.std["accuracy"] == pytest.approx(np.std(accs))
    assert result.mean["accuracy"] > 0.9
    # the same folds as scikit-learn's own cross-validation
    skf = StratifiedKFold(5, shuffle=True, seed=0)
    ref = cross_val_score(KNeighborsClassifier(5), x, y, cv=skf)
    np.testing.assert_allclose(accs, ref)
    assert "accuracy: 0.9" in result.summary() and "± " in result.summary()
    assert set(result.to_dict()) == {"folds", "mean", "std"}


def test_cross_validate_with_score_and_regression_folds(capsys):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 2))
    y = x @ np.array([1.0, -2.0]) + 0.01 * rng.normal(size=60)
    result = cross_validate(lambda: Ridge(alpha=1e-3), x, y, folds=3, verbose=1)
    assert list(result.mean) == ["score"] and result.mean["score"] > 0.99
    assert "fold 3: score=" in capsys.readouterr().out
    custom = cross_validate(lambda: Ridge(), x, y, folds=KFold(4))
    assert len(custom.folds) == 4

    class LossOnly:
        def fit(self, x, y):
            self.m = y.mean()

        def evaluate(self, x, y):
            return float(((y - self.m) ** 2).mean())

    assert list(cross_validate(LossOnly, x, y, folds=2).mean) == ["loss"]


def test_cross_validate_errors():
    x, y = labelled(20)
    with pytest.raises(ValueError, match="x has 20 samples but y has 19"):
        cross_validate(lambda: None, x, y[:19])
    with pytest.raises(ValueError, match="folds must be >= 2"):
        cross_validate(lambda: None, x, y, folds=1)

    class NoScore:
        def fit(self, x, y):
            pass

    with pytest.raises(TypeError, match="neither evaluate"):
        cross_validate(NoScore, x, y, folds=2)
