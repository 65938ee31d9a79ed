"""Bundled (scikit-learn) and synthetic data sets: shapes, dtypes, seeds."""

import numpy as np
import pytest

from deepgrad.data import (
    HOUSE_PRICES_FEATURES,
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    load_wine,
    make_circles,
    make_house_prices,
    make_linear_regression,
    make_moons,
    make_polynomial_regression,
    make_sine_waves,
    make_spirals,
)


@pytest.mark.parametrize(
    "loader,shape,classes",
    [(load_iris, (150, 4), 3), (load_wine, (178, 13), 3), (load_breast_cancer, (569, 30), 2)],
)
def test_bundled_classification_sets(loader, shape, classes):
    x, y = loader()
    assert x.shape == shape and x.dtype == np.float32
    assert y.shape == (shape[0],) and y.dtype == np.int64
    assert sorted(np.unique(y).tolist()) == list(range(classes))


def test_digits_as_images_or_rows():
    x, y = load_digits()
    assert x.shape == (1797, 1, 8, 8) and x.dtype == np.float32 and y.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0
    flat, _ = load_digits(flat=True)
    assert flat.shape == (1797, 64)
    np.testing.assert_array_equal(flat, x.reshape(1797, 64))


def test_diabetes_regression():
    x, y = load_diabetes()
    assert x.shape == (442, 10) and x.dtype == np.float32
    assert y.shape == (442,) and y.dtype == np.float32


CLASSIFIERS = [
    lambda seed: make_spirals(150, 3, seed=seed),
    lambda seed: make_moons(100, seed=seed),
    lambda seed: make_circles(100, seed=seed),
]
REGRESSIONS = [
    lambda seed: make_linear_regression(100, seed=seed),
    lambda seed: make_polynomial_regression(100, seed=seed),
    lambda seed: make_house_prices(100, seed=seed),
    lambda seed: make_sine_waves(10, 20, seed=seed),
]


@pytest.mark.parametrize("make", CLASSIFIERS + REGRESSIONS)
def test_synthetic_sets_are_seeded_and_typed(make):
    x1, y1 = make(0)
    x2, y2 = make(0)
    x3, _ = make(1)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(x1, x3)
    assert x1.dtype == np.float32 and len(x1) == len(y1)
    assert y1.dtype in (np.int64, np.float32)


@pytest.mark.parametrize("make", CLASSIFIERS)
def test_synthetic_classification_is_balanced_2d(make):
    x, y = make(0)
    assert x.shape[1] == 2 and y.dtype == np.int64
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= 1


def test_spirals_are_interleaved_arms():
    x, y = make_spirals(300, 3, noise=0.0)
    radius = np.linalg.norm(x, axis=1)
    assert radius.max() <= 1.0 + 1e-6
    assert np.bincount(y).tolist() == [100, 100, 100]
    assert np.bincount(make_spirals(10, 3)[1]).tolist() == [4, 3, 3]


def test_regressions_follow_their_formulas():
    x, y = make_linear_regression(500, weights=(1.5, -2.0, 0.5), bias=3.0, noise=0.0)
    assert x.shape == (500, 3) and y.shape == (500,)
    np.testing.assert_allclose(y, x @ np.array([1.5, -2.0, 0.5]) + 3.0, rtol=1e-5, atol=1e-5)
    x, y = make_polynomial_regression(200, coefficients=(1.0, 0.0, 2.0), noise=0.0)
    assert x.shape == (200, 1)
    np.testing.assert_allclose(y, 1.0 + 2.0 * x[:, 0] ** 2, rtol=1e-5)
    noisy_x, noisy_y = make_linear_regression(2000, noise=0.5)
    residual = noisy_y - (noisy_x @ np.array([2.0, -3.4]) + 4.2)
    assert abs(residual.std() - 0.5) < 0.05


def test_sine_waves_shapes_and_target_continues_the_wave():
    x, y = make_sine_waves(16, 30, noise=0.0)
    assert x.shape == (16, 30, 1) and y.shape == (16, 1)
    assert np.abs(x).max() <= 1.5
    # without noise the target continues the wave: one step moves it by at most
    # amplitude * 2 pi * frequency <= 1.5 * 2 pi * 0.1
    assert np.abs(y[:, 0] - x[:, -1, 0]).max() <= 1.5 * 2 * np.pi * 0.1
    assert np.abs(np.diff(x[:, :, 0], axis=1)).max() <= 1.5 * 2 * np.pi * 0.1


def test_house_prices_features_and_missing_values():
    x, y = make_house_prices(400)
    assert x.shape == (400, len(HOUSE_PRICES_FEATURES)) and y.shape == (400,)
    area = x[:, HOUSE_PRICES_FEATURES.index("area_m2")]
    assert area.min() >= 40 and area.max() <= 250
    assert np.corrcoef(area, y)[0, 1] > 0.7
    assert y.min() >= 30
    xm, _ = make_house_prices(400, missing_rate=0.1)
    assert 0.05 < np.isnan(xm).mean() < 0.15
    assert not np.isnan(x).any()
    with pytest.raises(ValueError, match="missing_rate"):
        make_house_prices(10, missing_rate=1.5)
    with pytest.raises(ValueError, match="n_samples must be an int >= 1"):
        make_spirals(0)
