"""Small real data sets that ship with scikit-learn: usable offline, in a second.

Features are float32, class labels int64, regression targets float32.
"""

from __future__ import annotations

import numpy as np

__all__ = ["load_digits", "load_iris", "load_wine", "load_breast_cancer", "load_diabetes"]


def _classification(loader) -> tuple[np.ndarray, np.ndarray]:
    x, y = loader(return_X_y=True)
    return np.asarray(x, dtype=np.float32), np.asarray(y, dtype=np.int64)


def load_digits(*, flat: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Handwritten digits: 1,797 images of 8x8 pixels, classes 0..9.

    Parameters
    ----------
    flat : bool
        Return rows of 64 pixels instead of images.

    Returns
    -------
    x : numpy.ndarray
        ``(1797, 1, 8, 8)`` (or ``(1797, 64)`` if ``flat``) float32, scaled to [0, 1]
        (the raw pixel values 0..16 divided by 16).
    y : numpy.ndarray
        ``(1797,)`` int64 digit labels.

    Examples
    --------
    >>> x, y = load_digits()
    >>> x.shape, x.dtype, y.dtype, float(x.max())
    ((1797, 1, 8, 8), dtype('float32'), dtype('int64'), 1.0)
    """
    from sklearn.datasets import load_digits as sk_load

    x, y = _classification(sk_load)
    x = x / np.float32(16.0)
    return (x if flat else x.reshape(-1, 1, 8, 8)), y


def load_iris() -> tuple[np.ndarray, np.ndarray]:
    """Iris flowers: 150 samples, 4 features (sepal/petal length/width in cm), 3 classes.

    Returns
    -------
    x : numpy.ndarray
        ``(150, 4)`` float32.
    y : numpy.ndarray
        ``(150,)`` int64 in 0..2 (setosa, versicolor, virginica).
    """
    from sklearn.datasets import load_iris as sk_load

    return _classification(sk_load)


def load_wine() -> tuple[np.ndarray, np.ndarray]:
    """Wine recognition: 178 samples, 13 chemical features, 3 cultivars.

    Returns
    -------
    x : numpy.ndarray
        ``(178, 13)`` float32 (unscaled: standardize before training).
    y : numpy.ndarray
        ``(178,)`` int64 in 0..2.
    """
    from sklearn.datasets import load_wine as sk_load

    return _classification(sk_load)


def load_breast_cancer() -> tuple[np.ndarray, np.ndarray]:
    """Breast cancer Wisconsin (diagnostic): 569 samples, 30 features, binary labels.

    Returns
    -------
    x : numpy.ndarray
        ``(569, 30)`` float32 (unscaled).
    y : numpy.ndarray
        ``(569,)`` int64: 0 malignant, 1 benign.
    """
    from sklearn.datasets import load_breast_cancer as sk_load

    return _classification(sk_load)


def load_diabetes() -> tuple[np.ndarray, np.ndarray]:
    """Diabetes progression: 442 patients, 10 (already standardized) features; regression.

    Returns
    -------
    x : numpy.ndarray
        ``(442, 10)`` float32.
    y : numpy.ndarray
        ``(442,)`` float32, disease progression one year after baseline (25..346).
    """
    from sklearn.datasets import load_diabetes as sk_load

    x, y = sk_load(return_X_y=True)
    return np.asarray(x, dtype=np.float32), np.asarray(y, dtype=np.float32)
