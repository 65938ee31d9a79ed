"""deepgrad.data's transformers are scikit-learn's (OneHotEncoder with dense float32 defaults);
their fitted state round-trips through a model file's allow-list (JSON + arrays); clear errors."""

import json

import numpy as np
import pytest
from sklearn import preprocessing as skp
from sklearn.exceptions import NotFittedError
from sklearn.impute import SimpleImputer as SkImputer

from deepgrad.data import (
    LabelEncoder,
    MinMaxScaler,
    Normalizer,
    OneHotEncoder,
    SimpleImputer,
    StandardScaler,
    to_categorical,
)
from deepgrad.io.transformers import transformer_from_config, transformer_to_config


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x = rng.normal(5.0, 3.0, (40, 4)) * np.array([1.0, 10.0, 0.1, 1.0])
    x[:, 3] = 2.0  # a constant feature
    test = rng.normal(5.0, 3.0, (10, 4))
    return x, test


def roundtrip(t):
    """Save ``t`` as a model file does (JSON, checked by dumping, + arrays) and load it back."""
    arrays = {}
    plain = json.loads(json.dumps(transformer_to_config(t, arrays, "t")))
    return transformer_from_config(plain, arrays, "test")


@pytest.mark.parametrize(
    "ours,theirs",
    [
        (StandardScaler(), skp.StandardScaler()),
        (StandardScaler(with_mean=False), skp.StandardScaler(with_mean=False)),
        (MinMaxScaler(), skp.MinMaxScaler()),
        (MinMaxScaler((-1, 1), clip=True), skp.MinMaxScaler((-1, 1), clip=True)),
        (Normalizer(), skp.Normalizer()),
        (Normalizer("l1"), skp.Normalizer("l1")),
        (Normalizer("max"), skp.Normalizer("max")),
    ],
    ids=repr,
)
def test_scalers_equal_scikit_learn(data, ours, theirs):
    x, test = data
    np.testing.assert_allclose(
        ours.fit_transform(x), theirs.fit_transform(x), rtol=1e-10, atol=1e-12
    )
    np.testing.assert_allclose(ours.transform(test), theirs.transform(test), rtol=1e-10, atol=1e-12)
    if hasattr(ours, "inverse_transform") and not getattr(ours, "clip", False):
        np.testing.assert_allclose(ours.inverse_transform(ours.transform(test)), test, rtol=1e-10)
    # save as plain JSON + arrays, load into a fresh object, same output
    restored = roundtrip(ours)
    assert type(restored) is type(ours) and repr(restored) == repr(ours)
    np.testing.assert_array_equal(restored.transform(test), ours.transform(test))


def test_float32_in_float32_out(data):
    x, _ = data
    for t in (StandardScaler(), MinMaxScaler(), Normalizer()):
        out = t.fit_transform(x.astype(np.float32))
        assert out.dtype == np.float32
        ref = t.fit_transform(x)
        np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)


def test_standard_scaler_statistics(data):
    x, _ = data
    ours = StandardScaler().fit(x)
    sk = skp.StandardScaler().fit(x)
    np.testing.assert_allclose(ours.mean_, sk.mean_)
    np.testing.assert_allclose(ours.var_, sk.var_, atol=1e-12)
    np.testing.assert_allclose(ours.scale_, sk.scale_)
    z = ours.transform(x)
    np.testing.assert_allclose(z[:, :3].mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(z[:, :3].std(0), 1)


def test_one_hot_encoder_equals_scikit_learn():
    x = np.array([["red", "S"], ["green", "M"], ["blue", "S"], ["red", "L"]])
    ours = OneHotEncoder().fit(x)
    sk = skp.OneHotEncoder(sparse_output=False).fit(x)
    np.testing.assert_array_equal(ours.transform(x), sk.transform(x))
    assert ours.transform(x).dtype == np.float32
    for a, b in zip(ours.categories_, sk.categories_):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ours.inverse_transform(ours.transform(x)), x)
    ints = np.array([[3], [1], [3], [7]])
    np.testing.assert_array_equal(
        OneHotEncoder().fit_transform(ints),
        skp.OneHotEncoder(sparse_output=False).fit_transform(ints),
    )
    with pytest.raises(ValueError, match=r"unknown categories \[.*'purple'\)?\] in column 0"):
        ours.transform(np.array([["purple", "S"]]))
    ignore = OneHotEncoder(handle_unknown="ignore").fit(x)
    np.testing.assert_array_equal(
        ignore.transform(np.array([["purple", "S"]])),
        skp.OneHotEncoder(sparse_output=False, handle_unknown="ignore")
        .fit(x)
        .transform(np.array([["purple", "S"]])),
    )
    restored = roundtrip(ours)
    np.testing.assert_array_equal(restored.transform(x), ours.transform(x))
    np.testing.assert_array_equal(roundtrip(ignore).transform(x[:1]), ignore.transform(x[:1]))


def test_label_encoder_equals_scikit_learn():
    y = np.array(["b", "a", "c", "a", "b"])
    ours = LabelEncoder().fit(y)
    sk = skp.LabelEncoder().fit(y)
    np.testing.assert_array_equal(ours.transform(y), sk.transform(y))
    assert ours.transform(y).dtype == np.int64
    np.testing.assert_array_equal(ours.inverse_transform([2, 0]), sk.inverse_transform([2, 0]))
    with pytest.raises(ValueError, match=r"previously unseen labels: .*'z'"):
        ours.transform(["z"])
    np.testing.assert_array_equal(roundtrip(ours).transform(y), sk.transform(y))
    nums = LabelEncoder().fit([10, 5, 10])
    np.testing.assert_array_equal(nums.transform([5, 10]), [0, 1])


@pytest.mark.parametrize("strategy", ["mean", "median", "most_frequent", "constant"])
def test_simple_imputer_equals_scikit_learn(strategy):
    rng = np.random.default_rng(1)
    x = rng.integers(0, 5, (30, 3)).astype(np.float64)
    x[rng.random(x.shape) < 0.2] = np.nan
    test = rng.integers(0, 5, (8, 3)).astype(np.float64)
    test[0, :] = np.nan
    kwargs = {"fill_value": -1.0} if strategy == "constant" else {}
    ours = SimpleImputer(strategy=strategy, **kwargs).fit(x)
    sk = SkImputer(strategy=strategy, **kwargs).fit(x)
    np.testing.assert_allclose(
        ours.statistics_.astype(np.float64), sk.statistics_.astype(np.float64)
    )
    np.testing.assert_allclose(ours.transform(test), sk.transform(test))
    restored = roundtrip(ours)
    np.testing.assert_array_equal(restored.transform(test), ours.transform(test))
    assert restored.strategy == strategy


def test_simple_imputer_with_a_numeric_marker():
    x = np.array([[1.0, -1.0], [3.0, 4.0], [-1.0, 8.0]])
    ours = SimpleImputer(missing_values=-1.0).fit_transform(x)
    sk = SkImputer(missing_values=-1.0).fit_transform(x)
    np.testing.assert_allclose(ours, sk)


def test_to_categorical():
    out = to_categorical(np.array([2, 0, 1]))
    np.testing.assert_array_equal(out, np.eye(3)[[2, 0, 1]])
    assert out.dtype == np.float32
    assert to_categorical([[1], [0]], 4).shape == (2, 4)
    assert to_categorical(np.array([[1, 2], [0, 0]]), 3).shape == (2, 2, 3)
    with pytest.raises(ValueError, match=r"label 5 is out of range for num_classes=3"):
        to_categorical([0, 5], 3)
    with pytest.raises(ValueError, match=">= 0"):
        to_categorical([-1, 0])
    with pytest.raises(ValueError, match="whole numbers"):
        to_categorical([0.5])


def test_clear_errors(data):
    """scikit-learn's own errors (a NaN is scikit-learn's "missing": ignored by the scalers'
    fit and kept by transform; deepgrad's training checks refuse NaN inputs)."""
    x, _ = data
    with pytest.raises(NotFittedError, match="StandardScaler instance is not fitted yet"):
        StandardScaler().transform(x)
    with pytest.raises(NotFittedError, match="LabelEncoder instance is not fitted yet"):
        LabelEncoder().transform([1])
    scaler = MinMaxScaler().fit(x)
    with pytest.raises(ValueError, match=r"X has 3 features, but MinMaxScaler is expecting 4"):
        scaler.transform(x[:, :3])
    bad = x.copy()
    bad[2, 1] = np.nan
    out = StandardScaler().fit(bad).transform(bad)
    assert np.isnan(out[2, 1]) and np.isfinite(np.delete(out.ravel(), 2 * 4 + 1)).all()
    with pytest.raises(ValueError, match=r"(?s)Expected 2D array.*reshape\(-1, 1\)"):
        StandardScaler().fit(x[:, 0])
    with pytest.raises(ValueError, match="inhomogeneous"):
        StandardScaler().fit([[1.0, 2.0], [3.0]])
    with pytest.raises(ValueError, match="could not convert string to float"):
        StandardScaler().fit(np.array([["a"]]))
    with pytest.raises(ValueError, match="Minimum of desired feature range must be smaller"):
        MinMaxScaler((1, 0)).fit(x)


def test_class_names_of_numeric_labels_come_back_as_numbers():
    """A CSV's classes 3/7/9 or -1/1 are recorded as names; class_names gave the text '7'
    (never equal to the label 7 the user compares with)."""
    from deepgrad.data import Preprocessing

    got = Preprocessing(classes=["-1", "1"]).class_names([1, 0, 1])
    assert got.dtype == np.int64 and got.tolist() == [1, -1, 1]
    assert Preprocessing(classes=["3", "7", "9"]).class_names(np.array([2])).tolist() == [9]
    assert Preprocessing(classes=["no", "7"]).class_names([1]).tolist() == ["7"]
