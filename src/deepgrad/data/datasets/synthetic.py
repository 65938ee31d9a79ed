"""Generated data sets for teaching: 2-D classification, regression, sequences, tables.

Every generator is seeded (``seed=0`` by default) so that an experiment is repeatable;
features are float32, class labels int64, regression targets float32 of shape ``(N,)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "make_spirals",
    "make_moons",
    "make_circles",
    "make_linear_regression",
    "make_polynomial_regression",
    "make_sine_waves",
    "make_house_prices",
    "HOUSE_PRICES_FEATURES",
]


def _check_n(n: int, name: str, where: str, minimum: int = 1) -> None:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < minimum:
        raise ValueError(f"{where}: {name} must be an int >= {minimum}; got {n!r}")


def make_spirals(
    n_samples: int = 300, n_classes: int = 3, *, noise: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class (the CS231n spiral set); not linearly separable.

    Point ``i`` of class ``k`` lies at radius ``r = i / (n_k - 1)`` and angle
    ``t = 4k + 4r + noise * N(0, 1)``: ``(r sin t, r cos t)``.

    Parameters
    ----------
    n_samples : int
        Total number of points, shared as evenly as possible between the classes.
    n_classes : int
        Number of arms.
    noise : float
        Standard deviation of the angle noise (radians).
    seed : int
        Random seed.

    Returns
    -------
    x : numpy.ndarray
        ``(n_samples, 2)`` float32 in [-1, 1].
    y : numpy.ndarray
        ``(n_samples,)`` int64 in ``0..n_classes-1``.

    Examples
    --------
    >>> x, y = make_spirals(90, 3)
    >>> x.shape, x.dtype, np.bincount(y).tolist()
    ((90, 2), dtype('float32'), [30, 30, 30])
    """
    _check_n(n_samples, "n_samples", "make_spirals")
    _check_n(n_classes, "n_classes", "make_spirals")
    rng = np.random.default_rng(seed)
    counts = np.full(n_classes, n_samples // n_classes)
    counts[: n_samples % n_classes] += 1
    y = np.repeat(np.arange(n_classes, dtype=np.int64), counts)
    position = np.concatenate([np.linspace(0.0, 1.0, c) for c in counts])
    angle = 4.0 * y + 4.0 * position + noise * rng.standard_normal(n_samples)
    x = np.stack([position * np.sin(angle), position * np.cos(angle)], axis=1)
    return x.astype(np.float32), y


def make_moons(
    n_samples: int = 200, *, noise: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (scikit-learn's ``make_moons``), shuffled.

    Returns
    -------
    x : numpy.ndarray
        ``(n_samples, 2)`` float32.
    y : numpy.ndarray
        ``(n_samples,)`` int64 in {0, 1}.
    """
    from sklearn.datasets import make_moons as sk_make

    _check_n(n_samples, "n_samples", "make_moons", 2)
    x, y = sk_make(n_samples=n_samples, noise=noise, random_state=seed)
    return x.astype(np.float32), y.astype(np.int64)


def make_circles(
    n_samples: int = 200, *, noise: float = 0.05, factor: float = 0.5, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A small circle inside a large one (scikit-learn's ``make_circles``), shuffled.

    Parameters
    ----------
    factor : float
        Radius of the inner circle relative to the outer one (0 < factor < 1).

    Returns
    -------
    x : numpy.ndarray
        ``(n_samples, 2)`` float32.
    y : numpy.ndarray
        ``(n_samples,)`` int64: 0 outer circle, 1 inner circle.
    """
    from sklearn.datasets import make_circles as sk_make

    _check_n(n_samples, "n_samples", "make_circles", 2)
    x, y = sk_make(n_samples=n_samples, noise=noise, factor=factor, random_state=seed)
    return x.astype(np.float32), y.astype(np.int64)


def make_linear_regression(
    n_samples: int = 200,
    *,
    weights: Sequence[float] = (2.0, -3.4),
    bias: float = 4.2,
    noise: float = 0.1,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Linear data with known parameters: ``y = x @ weights + bias + noise * N(0, 1)``.

    The features are standard normal; a fitted linear model should recover ``weights``
    and ``bias``.

    Parameters
    ----------
    weights : sequence of float
        True weights; their number is the number of features ``F``.
    bias : float
        True intercept.
    noise : float
        Standard deviation of the added Gaussian noise.

    Returns
    -------
    x : numpy.ndarray
        ``(n_samples, F)`` float32.
    y : numpy.ndarray
        ``(n_samples,)`` float32.

    Examples
    --------
    >>> x, y = make_linear_regression(1000, noise=0.0)
    >>> w, *_ = np.linalg.lstsq(np.c_[x, np.ones(len(x))], y, rcond=None)
    >>> np.round(w, 3).tolist()
    [2.0, -3.4, 4.2]
    """
    _check_n(n_samples, "n_samples", "make_linear_regression")
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_samples, w.size))
    y = x @ w + bias + noise * rng.standard_normal(n_samples)
    return x.astype(np.float32), y.astype(np.float32)


def make_polynomial_regression(
    n_samples: int = 200,
    *,
    coefficients: Sequence[float] = (5.0, 1.2, -3.4, 5.6),
    x_range: tuple[float, float] = (-1.0, 1.0),
    noise: float = 0.1,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """One-feature polynomial data: ``y = sum_i coefficients[i] * x**i + noise * N(0, 1)``.

    The set for under- and over-fitting: fit polynomials of lower, equal and higher degree
    than ``len(coefficients) - 1`` and compare.

    Parameters
    ----------
    coefficients : sequence of float
        ``c_0, c_1, ..., c_d`` of the true polynomial, constant term first.
    x_range : (float, float)
        ``x`` is drawn uniformly from this interval.
    noise : float
        Standard deviation of the added Gaussian noise.

    Returns
    -------
    x : numpy.ndarray
        ``(n_samples, 1)`` float32.
    y : numpy.ndarray
        ``(n_samples,)`` float32.
    """
    _check_n(n_samples, "n_samples", "make_polynomial_regression")
    c = np.asarray(coefficients, dtype=np.float64).reshape(-1)
    rng = np.random.default_rng(seed)
    x = rng.uniform(x_range[0], x_range[1], n_samples)
    y = np.polynomial.polynomial.polyval(x, c) + noise * rng.standard_normal(n_samples)
    return x[:, None].astype(np.float32), y.astype(np.float32)


def make_sine_waves(
    n_sequences: int = 200,
    seq_len: int = 50,
    *,
    noise: float = 0.05,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Noisy sine-wave sequences and the value that follows each, for recurrent models.

    Sequence ``n`` is ``a_n sin(2 pi f_n t + phi_n) + noise * N(0, 1)`` for
    ``t = 0 .. seq_len`` with amplitude ``a_n ~ U(0.5, 1.5)``, frequency
    ``f_n ~ U(0.02, 0.1)`` cycles per step and phase ``phi_n ~ U(0, 2 pi)``. The first
    ``seq_len`` values are the input, the next one the target. Pass a different ``seed``
    each epoch (see :class:`deepgrad.data.EpochDataset`) for a fresh set every epoch.

    Returns
    -------
    x : numpy.ndarray
        ``(n_sequences, seq_len, 1)`` float32: (batch, time, features).
    y : numpy.ndarray
        ``(n_sequences, 1)`` float32: the value at step ``seq_len``.

    Examples
    --------
    >>> x, y = make_sine_waves(8, 20)
    >>> x.shape, y.shape
    ((8, 20, 1), (8, 1))
    """
    _check_n(n_sequences, "n_sequences", "make_sine_waves")
    _check_n(seq_len, "seq_len", "make_sine_waves")
    rng = np.random.default_rng(seed)
    amplitude = rng.uniform(0.5, 1.5, (n_sequences, 1))
    frequency = rng.uniform(0.02, 0.1, (n_sequences, 1))
    phase = rng.uniform(0.0, 2 * np.pi, (n_sequences, 1))
    t = np.arange(seq_len + 1)[None, :]
    waves = amplitude * np.sin(2 * np.pi * frequency * t + phase)
    waves = waves + noise * rng.standard_normal(waves.shape)
    return waves[:, :seq_len, None].astype(np.float32), waves[:, seq_len:].astype(np.float32)


#: Column names of :func:`make_house_prices`' features.
HOUSE_PRICES_FEATURES: tuple[str, ...] = (
    "area_m2",
    "bedrooms",
    "bathrooms",
    "age_years",
    "distance_to_center_km",
    "has_garage",
)


def make_house_prices(
    n_samples: int = 500,
    *,
    noise: float = 20.0,
    missing_rate: float = 0.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """A "house prices" tabular regression set with features on very different scales.

    Features (see :data:`HOUSE_PRICES_FEATURES`): living area 40..250 m², bedrooms 1..6,
    bathrooms 1..4, age 0..80 years, distance to the centre 0.5..40 km, garage 0/1. The
    price (thousands) is ``60 + 2.5 area + 12 bedrooms + 18 bathrooms - 0.9 age
    + 250 exp(-distance / 8) + 25 garage + noise * N(0, 1)``, at least 30. Standardize
    the features before training (:class:`deepgrad.data.StandardScaler`).

    Parameters
    ----------
    noise : float
        Standard deviation of the price noise (thousands).
    missing_rate : float
        Fraction of feature cells replaced by NaN, to practise imputation.
    seed : int
        Random seed.

    Returns
    -------
    x : numpy.ndarray
        ``(n_samples, 6)`` float32.
    y : numpy.ndarray
        ``(n_samples,)`` float32 prices in thousands.
    """
    _check_n(n_samples, "n_samples", "make_house_prices")
    if not 0.0 <= missing_rate < 1.0:
        raise ValueError(f"make_house_prices: missing_rate must be in [0, 1); got {missing_rate}")
    rng = np.random.default_rng(seed)
    area = rng.uniform(40.0, 250.0, n_samples)
    bedrooms = np.clip(np.round(area / 40.0 + rng.normal(0.0, 0.7, n_samples)), 1, 6)
    bathrooms = np.clip(np.round(bedrooms / 2.0 + rng.normal(0.0, 0.5, n_samples)), 1, 4)
    age = rng.uniform(0.0, 80.0, n_samples)
    distance = np.clip(rng.exponential(8.0, n_samples), 0.5, 40.0)
    garage = (rng.random(n_samples) < 0.6).astype(np.float64)
    price = (
        60.0
        + 2.5 * area
        + 12.0 * bedrooms
        + 18.0 * bathrooms
        - 0.9 * age
        + 250.0 * np.exp(-distance / 8.0)
        + 25.0 * garage
        + noise * rng.standard_normal(n_samples)
    )
    x = np.stack([area, bedrooms, bathrooms, age, distance, garage], axis=1)
    if missing_rate > 0:
        x[rng.random(x.shape) < missing_rate] = np.nan
    return x.astype(np.float32), np.maximum(price, 30.0).astype(np.float32)
