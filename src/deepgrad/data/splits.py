"""Splitting data: hold-out splits (train/validation/test) and K-fold splitters.

These are scikit-learn's splitters; deepgrad adds the train/validation/test form of
:func:`train_test_split` (``val_size``) and ``seed=`` naming (with a fixed default, so a split
is reproducible unless asked otherwise). The splitters are scikit-learn objects, so they also
work with scikit-learn's own tools.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn import model_selection as _skms
from sklearn.utils import check_consistent_length

from deepgrad.data.seeding import draw_seed

__all__ = ["train_test_split", "KFold", "StratifiedKFold"]


def train_test_split(
    *arrays: Any,
    test_size: float | int | None = 0.25,
    val_size: float | int | None = None,
    train_size: float | int | None = None,
    stratify: Any = None,
    shuffle: bool = True,
    seed: int | None = 0,
) -> list[Any]:
    """Split arrays into random train and test (and optionally validation) parts:
    scikit-learn's ``train_test_split`` (``random_state=seed``), plus ``val_size``.

    Parameters
    ----------
    *arrays : array-like
        Arrays (or lists) with the same number of samples ``N``.
    test_size, val_size : float or int, optional
        Fraction of the *whole* data (float in (0, 1)) or number of samples (int) for the
        test and validation parts. Without ``val_size`` there is no validation part.
    train_size : float or int, optional
        Size of the training part (default: the rest).
    stratify : array-like, optional
        Class labels ``(N,)``; every part then keeps the class proportions.
    shuffle : bool
        Shuffle before splitting (stratification requires it).
    seed : int or None
        Random seed; ``None`` draws one from deepgrad's global generator (``dg.manual_seed``
        decides it).

    Returns
    -------
    list
        ``[a_train, a_test, b_train, b_test, ...]`` as scikit-learn's, or with
        ``val_size``: ``[a_train, a_val, a_test, b_train, b_val, b_test, ...]``.

    Examples
    --------
    >>> x, y = np.arange(20).reshape(10, 2), np.arange(10)
    >>> x_tr, x_va, x_te, y_tr, y_va, y_te = train_test_split(x, y, test_size=0.2, val_size=0.2)
    >>> len(y_tr), len(y_va), len(y_te)
    (6, 2, 2)
    """
    if not arrays:
        raise ValueError("train_test_split: give at least one array")
    if seed is None and shuffle:
        seed = draw_seed() % (2**32 - 1)  # scikit-learn's random_state range (and seed + 1)
    common = {"shuffle": shuffle}
    if val_size is None:
        return _skms.train_test_split(
            *arrays,
            test_size=test_size,
            train_size=train_size,
            stratify=stratify,
            random_state=seed,
            **common,
        )
    check_consistent_length(*arrays, *(() if stratify is None else (stratify,)))
    n = len(arrays[0])
    test_n = _count(test_size, n, "test_size")
    val_n = _count(val_size, n, "val_size")
    train_n = n - test_n - val_n if train_size is None else _count(train_size, n, "train_size")
    if train_n < 1 or train_n + val_n + test_n > n:
        raise ValueError(
            f"train_test_split: with {n} samples, test {test_n} + validation {val_n} + "
            f"train {train_n} do not fit; make the parts smaller"
        )
    extra = () if stratify is None else (stratify,)
    parts = _skms.train_test_split(
        *arrays,
        *extra,
        test_size=test_n,
        train_size=train_n + val_n,
        stratify=stratify,
        random_state=seed,
        **common,
    )
    rest, test = parts[0::2], parts[1::2]
    strat_rest = rest.pop() if extra else None
    parts = _skms.train_test_split(
        *rest,
        test_size=val_n,
        train_size=train_n,
        stratify=strat_rest,
        random_state=None if seed is None else seed + 1,
        **common,
    )
    train, val = parts[0::2], parts[1::2]
    return [p for trio in zip(train, val, test) for p in trio]


def _count(size: float | int | None, n: int, name: str) -> int:
    if size is None:
        raise ValueError(f"train_test_split: {name} is needed together with val_size")
    if isinstance(size, float):
        if not 0.0 < size < 1.0:
            raise ValueError(f"train_test_split: a float {name} must be in (0, 1); got {size}")
        return int(np.ceil(size * n)) if name != "train_size" else int(np.floor(size * n))
    if size < 1 or size >= n:
        raise ValueError(f"train_test_split: an int {name} must be in [1, {n}); got {size}")
    return int(size)


class KFold(_skms.KFold):
    """K-fold cross-validation splitter (scikit-learn's, with ``seed=``).

    ``split(x)`` yields ``n_splits`` pairs ``(train_index, test_index)``; every sample is
    in exactly one test fold.

    Parameters
    ----------
    n_splits : int
        Number of folds ``K >= 2``.
    shuffle : bool
        Shuffle the samples before cutting them into folds.
    seed : int, optional
        Random seed of the shuffle; ``None`` draws one from deepgrad's global generator
        (``dg.manual_seed`` decides it) when the splitter is made.

    Examples
    --------
    >>> [test.tolist() for _, test in KFold(3).split(np.zeros(6))]
    [[0, 1], [2, 3], [4, 5]]
    """

    def __init__(self, n_splits: int = 5, *, shuffle: bool = False, seed: int | None = None):
        super().__init__(n_splits, shuffle=shuffle, random_state=_shuffle_seed(shuffle, seed))
        self.seed = seed


class StratifiedKFold(_skms.StratifiedKFold):
    """K-fold splitter whose folds keep the class proportions (scikit-learn's, ``seed=``).

    ``split(x, y)`` yields ``(train_index, test_index)`` pairs.

    Parameters
    ----------
    n_splits : int
        Number of folds; each class needs at least this many samples.
    shuffle : bool
        Shuffle each class's samples before cutting them into folds.
    seed : int, optional
        Random seed of the shuffle; ``None`` draws one from deepgrad's global generator
        (``dg.manual_seed`` decides it) when the splitter is made.
    """

    def __init__(self, n_splits: int = 5, *, shuffle: bool = False, seed: int | None = None):
        super().__init__(n_splits, shuffle=shuffle, random_state=_shuffle_seed(shuffle, seed))
        self.seed = seed


def _shuffle_seed(shuffle: bool, seed: int | None) -> int | None:
    """The splitter's ``random_state``: none without shuffling, else ``seed`` or a drawn one."""
    if not shuffle:
        return None
    return draw_seed() % 2**32 if seed is None else seed  # scikit-learn's range
