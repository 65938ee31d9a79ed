"""DeepgradClassifier / DeepgradRegressor: scikit-learn's estimator contract (clone, params,
GridSearchCV, cross_val_score, Pipeline, check_estimator) and the behaviour of the wrappers."""

from __future__ import annotations

import inspect
import pickle
import subprocess
import sys

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits, load_iris, make_regression
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import deepgrad as dg
from deepgrad import nn, optim
from deepgrad.integrations import DeepgradClassifier, DeepgradRegressor
from deepgrad.train.compiled import get_compiled


def mlp(n_features_in_, n_classes_, hidden=16):
    """A one-hidden-layer classifier sized from the data."""
    return nn.Sequential(
        nn.Linear(n_features_in_, hidden), nn.ReLU(), nn.Linear(hidden, n_classes_)
    )


def mlp_reg(n_features_in_, n_outputs_, hidden=16):
    return nn.Sequential(
        nn.Linear(n_features_in_, hidden), nn.ReLU(), nn.Linear(hidden, n_outputs_)
    )


def linear_reg(n_features_in_, n_outputs_):
    return nn.Linear(n_features_in_, n_outputs_)


def logit(n_features_in_, hidden=8):
    """One output: a logit for bce_with_logits."""
    return nn.Sequential(nn.Linear(n_features_in_, hidden), nn.ReLU(), nn.Linear(hidden, 1))


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    perm = np.random.default_rng(0).permutation(len(X))  # iris is sorted by class
    names = np.array(["setosa", "versicolor", "virginica"])
    return X[perm], names[y[perm]]


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(n_samples=200, n_features=4, noise=0.5, random_state=0)
    return X.astype(np.float32), (y / np.std(y)).astype(np.float32)


def clf(**kw):
    return DeepgradClassifier(mlp, **{"lr": 3e-2, "epochs": 15, "seed": 0, **kw})


# ---- basics ---------------------------------------------------------------------------------------
def test_fit_predict_shapes_and_string_classes(iris):
    X, y = iris
    est = clf()
    assert est.fit(X, y) is est
    assert est.classes_.tolist() == ["setosa", "versicolor", "virginica"]
    assert est.n_classes_ == 3 and est.n_features_in_ == 4 and est.input_shape_ == (4,)
    pred = est.predict(X[:7])
    assert pred.shape == (7,) and set(pred) <= set(est.classes_)
    proba = est.predict_proba(X[:7])
    assert proba.shape == (7, 3) and proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(pred, est.classes_[proba.argmax(axis=1)])
    assert isinstance(est.model_, nn.Module)
    assert len(est.history_["loss"]) == 15


def test_predict_proba_is_softmax_of_the_logits(iris):
    X, y = iris
    est = clf(epochs=2).fit(X, y)
    z = est.model_.predict(X[:5]).astype(np.float64)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(est.predict_proba(X[:5]), e / e.sum(axis=1, keepdims=True))


def test_score_beats_the_majority_baseline(iris):
    X, y = iris
    base = DummyClassifier(strategy="most_frequent").fit(X, y).score(X, y)
    score = clf().fit(X, y).score(X, y)
    assert base < 0.4 and score > 0.9


def test_integer_labels_that_are_not_0_to_k(iris):
    X, y = iris
    yi = np.select([y == "setosa", y == "versicolor"], [10, 20], 30)
    est = clf(epochs=5).fit(X, yi)
    assert est.classes_.tolist() == [10, 20, 30]
    assert set(est.predict(X)) <= {10, 20, 30}


def test_bce_with_logits_binary_classifier():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X[y < 2])
    labels = np.array(["no", "yes"])[y[y < 2]]
    est = DeepgradClassifier(logit, loss="bce_with_logits", lr=3e-2, epochs=10, seed=0)
    est.fit(X, labels)
    proba = est.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    z = est.model_.predict(X).astype(np.float64)[:, 0]
    np.testing.assert_allclose(proba[:, 1], 1.0 / (1.0 + np.exp(-z)), rtol=1e-10)
    assert est.classes_.tolist() == ["no", "yes"]
    assert est.score(X, labels) > 0.95


def test_bce_with_logits_and_one_logit_per_sample_of_shape_n():
    X, y = load_iris(return_X_y=True)
    X, y = StandardScaler().fit_transform(X[y < 2]), y[y < 2]

    class Flat(nn.Module):
        def __init__(self, n_features_in_):
            super().__init__()
            self.lin = nn.Linear(n_features_in_, 1)

        def forward(self, x):
            return self.lin(x).reshape(-1)  # (N,)

    est = DeepgradClassifier(Flat, loss="bce_with_logits", lr=5e-2, epochs=5, seed=0).fit(X, y)
    proba = est.predict_proba(X)
    assert proba.shape == (len(X), 2) and est.score(X, y) > 0.95


def test_bce_on_probabilities(iris):
    X, y = iris
    Xb, yb = X[y != "virginica"], y[y != "virginica"]

    def prob(n_features_in_):
        return nn.Sequential(nn.Linear(n_features_in_, 1), nn.Sigmoid())

    est = DeepgradClassifier(prob, loss="bce", lr=5e-2, epochs=10, seed=0).fit(Xb, yb)
    proba = est.predict_proba(Xb)
    p = est.model_.predict(Xb).astype(np.float64)[:, 0]
    np.testing.assert_allclose(proba, np.stack([1 - p, p], axis=1))
    assert est.score(Xb, yb) > 0.95


def test_regressor_r2_on_a_linear_problem(regression):
    X, y = regression
    reg = DeepgradRegressor(linear_reg, lr=5e-2, epochs=30, seed=0).fit(X, y)
    pred = reg.predict(X)
    assert pred.shape == (len(X),) and pred.dtype == np.float64
    assert reg.n_outputs_ == 1
    assert reg.score(X, y) > 0.9


def test_regressor_multi_output(regression):
    X, y = regression
    Y = np.stack([y, -2 * y], axis=1)
    reg = DeepgradRegressor(linear_reg, lr=5e-2, epochs=30, seed=0).fit(X, Y)
    assert reg.n_outputs_ == 2
    assert reg.predict(X[:5]).shape == (5, 2)
    assert reg.score(X, Y) > 0.9


def test_regressor_validation_data_targets_are_shaped_like_the_training_ones(regression):
    X, y = regression
    reg = DeepgradRegressor(linear_reg, epochs=2, seed=0, metrics=["mae"])
    reg.fit(X[:150], y[:150], validation_data=(X[150:], y[150:]))
    assert len(reg.history_["val_mae"]) == 2


def test_regressor_column_target_keeps_its_shape(regression):
    X, y = regression
    reg = DeepgradRegressor(linear_reg, epochs=1, seed=0).fit(X, y[:, None])
    assert reg.predict(X[:3]).shape == (3, 1)


def test_images_are_not_flattened():
    X, y = load_digits(return_X_y=True)
    X = (X[:120] / 16.0).reshape(-1, 1, 8, 8)
    y = y[:120]

    def cnn(input_shape_, n_classes_):
        c = input_shape_[0]
        return nn.Sequential(
            nn.Conv2d(c, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(4 * 4 * 4, n_classes_),
        )  # fmt: skip

    est = DeepgradClassifier(cnn, lr=1e-2, epochs=2, seed=0).fit(X, y)
    assert est.input_shape_ == (1, 8, 8) and est.n_features_in_ == 1
    assert est.predict_proba(X[:3]).shape == (3, 10)
    with pytest.raises(ValueError, match=r"samples of shape \(1, 4, 4\).*\(1, 8, 8\)"):
        est.predict(X[:3, :, :4, :4])


# ---- scikit-learn tools ------------------------------------------------------------------------------
def test_grid_search_over_lr_and_routed_model_parameter(iris):
    X, y = iris
    grid = GridSearchCV(
        DeepgradClassifier(mlp, epochs=5, seed=0),
        {"lr": [1e-4, 3e-2], "model__hidden": [2, 12]},
        cv=2,
    )
    grid.fit(X, y)
    assert set(grid.best_params_) == {"lr", "model__hidden"}
    assert grid.best_params_["lr"] == 3e-2  # 1e-4 does not learn in 5 epochs
    best = grid.best_estimator_
    assert best.get_params()["model__hidden"] == grid.best_params_["model__hidden"]
    assert best.model_[0].out_features == grid.best_params_["model__hidden"]
    assert grid.score(X, y) > 0.8


def test_cross_val_score(iris):
    X, y = iris
    scores = cross_val_score(clf(epochs=10), X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.8


def test_pipeline_with_standard_scaler():
    X, y = load_iris(return_X_y=True)
    perm = np.random.default_rng(1).permutation(len(X))
    X, y = X[perm] * 10 + 5, y[perm]  # unscaled
    pipe = make_pipeline(StandardScaler(), clf())
    assert pipe.fit(X, y).score(X, y) > 0.9
    assert pipe.predict_proba(X[:3]).shape == (3, 3)
    grid = GridSearchCV(pipe, {"deepgradclassifier__model__hidden": [4, 8]}, cv=2).fit(X, y)
    assert grid.best_params_["deepgradclassifier__model__hidden"] in (4, 8)


def test_clone_keeps_parameters_and_is_unfitted(iris):
    X, y = iris
    est = clf(model__hidden=7, optimizer__weight_decay=1e-4).fit(X, y)
    c = clone(est)
    assert c.get_params() == est.get_params()
    assert c.get_params()["model__hidden"] == 7
    assert not hasattr(c, "model_") and not hasattr(c, "classes_")
    with pytest.raises(NotFittedError):
        c.predict(X)


def test_get_params_set_params_round_trip():
    est = DeepgradClassifier(mlp, lr=0.1, model__hidden=8, optimizer__momentum=0.9)
    p = est.get_params()
    for k, v in {"model": mlp, "lr": 0.1, "model__hidden": 8, "optimizer__momentum": 0.9}.items():
        assert p[k] == v
    assert {"optimizer", "loss", "metrics", "epochs", "batch_size", "seed"} <= set(p)
    est.set_params(lr=0.5, model__hidden=3, optimizer__nesterov=True, loss__label_smoothing=0.1)
    p2 = est.get_params()
    assert p2["lr"] == 0.5 and p2["model__hidden"] == 3 and p2["optimizer__nesterov"] is True
    assert p2["loss__label_smoothing"] == 0.1
    assert DeepgradClassifier(**p2).get_params() == p2
    with pytest.raises(ValueError, match="Invalid parameter 'hidden'"):
        est.set_params(hidden=3)


def test_pickle_round_trip(iris):
    X, y = iris
    est = clf(epochs=3).fit(X, y)
    back = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(back.predict_proba(X), est.predict_proba(X))


# ---- parameters reach their targets --------------------------------------------------------------
def test_routed_parameters_reach_optimizer_and_loss(iris):
    X, y = iris
    est = clf(epochs=1, optimizer="sgd", optimizer__momentum=0.9, loss__label_smoothing=0.1)
    c = get_compiled(est.fit(X, y).model_, "test")
    assert isinstance(c.optimizer, optim.SGD)
    assert c.optimizer.param_groups[0]["momentum"] == 0.9
    assert c.optimizer.param_groups[0]["lr"] == 3e-2
    assert c.loss.label_smoothing == 0.1


def test_optimizer_lr_wins_and_lr_none_keeps_the_default(iris):
    X, y = iris
    est = clf(epochs=1, optimizer=optim.Adam, optimizer__lr=0.123).fit(X, y)
    assert get_compiled(est.model_, "test").optimizer.param_groups[0]["lr"] == 0.123
    est = clf(epochs=1, optimizer="sgd", lr=None).fit(X, y)
    assert (
        get_compiled(est.model_, "test").optimizer.param_groups[0]["lr"]
        == optim.get("sgd").defaults["lr"]
        == 0.01  # Keras's rate for the name; optim.SGD()'s own is PyTorch's 1e-3
    )


def test_module_instance_is_copied_at_each_fit(iris):
    X, y = iris
    net = mlp(4, 3)
    w0 = net[0].weight.numpy().copy()
    est = DeepgradClassifier(net, lr=3e-2, epochs=3, seed=0).fit(X, y)
    assert est.model_ is not net
    np.testing.assert_array_equal(net[0].weight.numpy(), w0)  # the parameter is untouched
    assert est.score(X, y) > 0.6


def test_a_module_class_as_model(iris):
    X, y = iris

    class Net(nn.Module):
        def __init__(self, n_features_in_, n_classes_, hidden=8):
            super().__init__()
            self.body = nn.Linear(n_features_in_, hidden)
            self.head = nn.Linear(hidden, n_classes_)

        def forward(self, x):
            return self.head(self.body(x).relu())

    est = DeepgradClassifier(Net, lr=3e-2, epochs=5, seed=0, model__hidden=5).fit(X, y)
    assert isinstance(est.model_, Net) and est.model_.body.out_features == 5


def test_callbacks_and_metrics_are_copied_not_mutated(iris):
    X, y = iris
    es = dg.callbacks.EarlyStopping(monitor="loss", patience=1)
    est = clf(epochs=3, callbacks=[es], metrics=["accuracy"]).fit(X, y)
    assert es.model is None  # fit trained with a copy
    assert est.get_params()["callbacks"][0] is es
    assert "accuracy" in est.history_


def test_validation_split_and_validation_data_with_original_labels(iris):
    X, y = iris
    est = clf(epochs=2, validation_split=0.2).fit(X, y)
    assert len(est.history_["val_loss"]) == 2
    est = clf(epochs=2, metrics=["accuracy"]).fit(
        X[:100], y[:100], validation_data=(X[100:], y[100:])
    )
    assert len(est.history_["val_accuracy"]) == 2


def test_fit_params_override_settings(iris):
    X, y = iris
    est = clf(epochs=9).fit(X, y, epochs=2, shuffle=False)
    assert len(est.history_["loss"]) == 2
    assert est.get_params()["epochs"] == 9


def test_class_weight_by_original_labels(iris):
    X, y = iris
    clf(epochs=1).fit(X, y, class_weight={"setosa": 2.0, "virginica": 0.5})
    clf(epochs=1).fit(X, y, class_weight="balanced")
    with pytest.raises(ValueError, match=r"label 'rose' is not among the classes"):
        clf(epochs=1).fit(X, y, class_weight={"rose": 2.0})


def test_sample_weight(iris):
    X, y = iris
    est = clf(epochs=2).fit(X, y, sample_weight=np.ones(len(X)))
    assert est.score(X, y) > 0.5
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(150,\)"):
        clf(epochs=1).fit(X, y, sample_weight=np.ones(149))


def test_seed_makes_fits_identical(iris):
    X, y = iris
    a = clf(epochs=4).fit(X, y).predict_proba(X)
    dg.manual_seed(123)  # the global state before fit does not matter
    b = clf(epochs=4).fit(X, y).predict_proba(X)
    c = clf(epochs=4, seed=1).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_pandas_feature_names(iris):
    pd = pytest.importorskip("pandas")
    X, y = iris
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    est = clf(epochs=1).fit(df, y)
    assert est.feature_names_in_.tolist() == ["a", "b", "c", "d"]
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        np.testing.assert_array_equal(est.predict(df), est.predict(X))
    with pytest.raises(ValueError, match="feature names should match"):
        est.predict(df.rename(columns={"a": "z"}))


# ---- errors --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["predict", "predict_proba", "score"])
def test_not_fitted_error(iris, method):
    X, y = iris
    args = (X, y) if method == "score" else (X,)
    with pytest.raises(NotFittedError):
        getattr(clf(), method)(*args)
    with pytest.raises(NotFittedError):
        DeepgradRegressor(linear_reg).predict(X)


def test_mismatched_lengths(iris):
    X, y = iris
    with pytest.raises(ValueError, match="x has 150 samples but y has 149"):
        clf().fit(X, y[:-1])


def test_wrong_feature_count_at_predict(iris):
    X, y = iris
    est = clf(epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but DeepgradClassifier is expecting 4"):
        est.predict(X[:, :3])


@pytest.mark.parametrize(
    "X, err, match",
    [
        (np.ones(5), ValueError, r"X must have shape \(n_samples, n_features\).*got shape \(5,\)"),
        (np.ones((0, 4)), ValueError, "0 sample"),
        (np.full((5, 4), np.nan), ValueError, "X contains NaN at sample 0"),
        (np.array([["a", "b"]] * 5), TypeError, "must hold numbers"),
        (np.ones((5, 4), dtype=complex), ValueError, "Complex data not supported"),
    ],
)
def test_bad_X(X, err, match):
    with pytest.raises(err, match=match):
        clf().fit(X, np.arange(len(X)) % 2)


def test_sparse_X_is_refused_with_advice():
    from scipy import sparse

    with pytest.raises(TypeError, match=r"sparse.*X\.toarray\(\)"):
        clf().fit(sparse.csr_matrix(np.eye(4)), [0, 1, 0, 1])


def test_unknown_routed_prefix_is_an_error_at_fit(iris):
    X, y = iris
    est = clf(modle__hidden=3)  # no error in __init__ (scikit-learn's rule)
    with pytest.raises(ValueError, match=r"unknown parameter 'modle__hidden'.*model__<name>"):
        est.fit(X, y)
    with pytest.raises(ValueError, match="unknown parameter 'hidden'"):
        clf(hidden=3).fit(X, y)


def test_model_function_errors(iris):
    X, y = iris
    with pytest.raises(
        ValueError,
        match=r"mlp with .*'width'.*it takes \['n_features_in_', 'n_classes_', 'hidden'\]",
    ):
        clf(model__width=3).fit(X, y)
    with pytest.raises(ValueError, match="no model given"):
        DeepgradClassifier().fit(X, y)
    with pytest.raises(TypeError, match="must return an nn.Module, got int"):
        DeepgradClassifier(lambda: 3).fit(X, y)
    with pytest.raises(ValueError, match="model__ parameters.*Sequential instance"):
        DeepgradClassifier(mlp(4, 3), model__hidden=3).fit(X, y)
    with pytest.raises(TypeError, match="by name or class"):
        clf(optimizer=optim.Adam(lr=0.1)).fit(X, y)
    with pytest.raises(ValueError, match="cannot build the optimizer 'adam'"):
        clf(optimizer__momentum=0.9).fit(X, y)


def test_output_count_must_match_the_classes(iris):
    X, y = iris
    with pytest.raises(ValueError, match=r"outputs shape \(1, 5\), but y holds 3 class"):
        DeepgradClassifier(lambda: mlp(4, 5)).fit(X, y)
    with pytest.raises(ValueError, match=r"bce_with_logits is for two classes.*3 classes"):
        DeepgradClassifier(logit, loss="bce_with_logits").fit(X, y)


def test_loss_of_the_wrong_kind(iris, regression):
    X, y = iris
    with pytest.raises(ValueError, match="mse is a regression loss.*DeepgradRegressor"):
        clf(loss="mse").fit(X, y)
    Xr, yr = regression
    with pytest.raises(ValueError, match="Unknown label type: continuous.*DeepgradRegressor"):
        clf().fit(Xr, yr)
    with pytest.raises(ValueError, match="classification loss.*DeepgradClassifier"):
        DeepgradRegressor(linear_reg, loss="cross_entropy").fit(Xr, yr)


def test_multilabel_y_is_refused(iris):
    X, _ = iris
    Y = (np.random.default_rng(0).random((len(X), 3)) > 0.5).astype(int)
    with pytest.raises(ValueError, match="multilabel-indicator, which is not supported"):
        clf().fit(X, Y)


def test_import_deepgrad_does_not_import_sklearn():
    code = "import sys, deepgrad, deepgrad.train; print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---- scikit-learn's own estimator checks -------------------------------------------------------------
#: checks that fail by design, with the reason (scikit-learn's ``expected_failed_checks``)
EXPECTED_FAILED = {
    "check_sample_weight_equivalence_on_dense_data": (
        "mini-batch training: repeating a sample changes the batches drawn each epoch, and the "
        "weighted loss is sum(w * loss) / batch size (Keras's rule), not / sum(w), so a weight "
        "of 2 and a repeated sample give gradients of different scale (with Adam, one full "
        "batch and float64 the two fits do agree)"
    ),
}


class MLP(nn.Module):
    """``mlp`` as a class: its repr (in the test ids) has no memory address, so the ids are
    the same in every process (pytest-xdist compares them)."""

    def __init__(self, n_features_in_, n_classes_=None, n_outputs_=None, hidden=16):
        super().__init__()
        self.net = mlp(n_features_in_, n_classes_ or n_outputs_, hidden)

    def forward(self, x):
        return self.net(x)


_CHECKED = [
    DeepgradClassifier(MLP, lr=1e-2, epochs=20, seed=0),
    DeepgradRegressor(MLP, lr=1e-2, epochs=20, seed=0),
]

if "expected_failed_checks" in inspect.signature(parametrize_with_checks).parameters:

    @parametrize_with_checks(_CHECKED, expected_failed_checks=lambda est: EXPECTED_FAILED)
    def test_sklearn_estimator_checks(estimator, check):
        check(estimator)


def test_the_old_import_path_still_works_and_says_where_the_estimators_went():
    import deepgrad.train

    with pytest.warns(DeprecationWarning, match="moved to deepgrad.integrations"):
        old = deepgrad.train.DeepgradClassifier
    assert old is DeepgradClassifier
    with pytest.raises(AttributeError):
        deepgrad.train.NoSuchEstimator  # noqa: B018
