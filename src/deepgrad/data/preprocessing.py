"""Feature preprocessing: scikit-learn's transformers, and the record a model keeps of them.

The transformers are scikit-learn's own (re-exported here so that ``deepgrad.data`` offers them
beside the datasets): :class:`StandardScaler`, :class:`MinMaxScaler`, :class:`Normalizer`,
:class:`LabelEncoder`, :class:`SimpleImputer`; :class:`OneHotEncoder` is scikit-learn's with the
defaults a network wants (dense float32 output). Fit on the training data only
(``scaler.fit(x_train)``), then transform every split with the statistics learned there.

deepgrad adds what scikit-learn lacks: :class:`Preprocessing`, the record of the fitted steps, the
feature and class names a model was trained with (saved inside the model file, through an
allow-list of these classes and their attributes: :mod:`deepgrad.io.transformers`), and Keras's
:func:`to_categorical`.

>>> StandardScaler().fit_transform(np.array([[1.0], [3.0]])).ravel().tolist()
[-1.0, 1.0]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import TransformerMixin as Transformer
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import LabelEncoder, MinMaxScaler, Normalizer, StandardScaler
from sklearn.preprocessing import OneHotEncoder as _SkOneHotEncoder

from deepgrad.data.dataset import as_array

__all__ = [
    "Transformer",
    "StandardScaler",
    "MinMaxScaler",
    "Normalizer",
    "OneHotEncoder",
    "LabelEncoder",
    "SimpleImputer",
    "Preprocessing",
    "to_categorical",
]


class OneHotEncoder(_SkOneHotEncoder):
    """scikit-learn's ``OneHotEncoder`` with the defaults a network wants: a dense
    (``sparse_output=False``) float32 (``dtype``) matrix; every other argument and behaviour is
    scikit-learn's.

    >>> enc = OneHotEncoder().fit(np.array([["red"], ["green"], ["red"]]))
    >>> enc.categories_[0].tolist(), enc.transform(np.array([["red"]])).tolist()
    (['green', 'red'], [[0.0, 1.0]])
    """

    def __init__(
        self,
        *,
        categories: Any = "auto",
        drop: Any = None,
        sparse_output: bool = False,
        dtype: Any = np.float32,
        handle_unknown: str = "error",
        min_frequency: Any = None,
        max_categories: Any = None,
        feature_name_combiner: Any = "concat",
    ) -> None:
        super().__init__(
            categories=categories,
            drop=drop,
            sparse_output=sparse_output,
            dtype=dtype,
            handle_unknown=handle_unknown,
            min_frequency=min_frequency,
            max_categories=max_categories,
            feature_name_combiner=feature_name_combiner,
        )


# ------------------------------------------------------------- a model's record
@dataclass
class Preprocessing:
    """What turns raw inputs into a model's inputs, and its outputs into answers: saved inside
    the model file (``model.preprocessing``), so that the file alone is enough to predict.

    Parameters
    ----------
    steps : list of (name, transformer)
        Fitted transformers applied in order by :meth:`transform` (e.g. ``("imputer",
        SimpleImputer)``, then ``("scaler", StandardScaler)``); an empty list means the model
        takes the raw inputs as they are.
    features : list of str, optional
        The input columns, in order (a model trained on a CSV: ``deepgrad predict`` reads a CSV
        by these column names).
    classes : list of str, optional
        The name of output class ``k`` (``deepgrad predict`` prints names, not indices).
    task : {"classification", "regression", "segmentation", "detection"}, optional
    data : dict, optional
        Where the training data came from (a recipe's ``[data]`` section): ``deepgrad
        evaluate`` rebuilds the test set from it.
    categories : dict of str to list of str, optional
        The categorical ones among ``features``, each with its categories in the order of
        its one-hot columns (``load_csv(..., categorical=categories)`` reads a new CSV so).

    Examples
    --------
    >>> sc = StandardScaler().fit(np.array([[0.0], [2.0]]))
    >>> pre = Preprocessing(steps=[("scaler", sc)], classes=["no", "yes"])
    >>> pre.transform(np.array([[2.0]])).tolist(), pre.class_names([1, 0]).tolist()
    ([[1.0]], ['yes', 'no'])
    """

    steps: list[tuple[str, Any]] = field(default_factory=list)
    features: list[str] | None = None
    classes: list[str] | None = None
    task: str | None = None
    data: dict[str, Any] | None = None
    categories: dict[str, list[str]] | None = None

    def width(self) -> int | None:
        """The columns a CSV read by ``features`` gives the first step: one per feature, one
        per category of a categorical one (``None`` without a feature list)."""
        if self.features is None:
            return None
        cats = self.categories or {}
        return sum(len(cats[f]) if f in cats else 1 for f in self.features)

    def transform(self, x: Any) -> np.ndarray:
        """Apply every step to raw inputs ``x`` ``(N, F)``; float32 out."""
        out = np.asarray(x, dtype=np.float32)
        for _, step in self.steps:
            out = np.asarray(step.transform(out), dtype=np.float32)
        return out

    def class_names(self, indices: Any) -> np.ndarray:
        """The names of class ``indices`` (the indices themselves when no names are known):
        the labels of the training data, as integers when every name is one (a CSV's
        classes 3/7/9 or -1/1 come back as the numbers they were, not as text)."""
        idx = np.asarray(indices)
        if self.classes is None:
            return idx
        names = np.asarray(self.classes)
        if names.size and all(re.fullmatch(r"-?[0-9]+", str(c)) for c in self.classes):
            names = names.astype(np.int64)
        return names[idx]


# ---------------------------------------------------------------------- labels
def to_categorical(y: Any, num_classes: int | None = None, dtype: Any = np.float32) -> np.ndarray:
    """One-hot encode integer class labels (Keras's ``to_categorical``).

    Parameters
    ----------
    y : array-like of int
        Labels ``0 .. num_classes - 1``, any shape ``S``.
    num_classes : int, optional
        Number of classes ``K`` (default: ``max(y) + 1``).
    dtype : numpy dtype
        Output dtype.

    Returns
    -------
    numpy.ndarray
        Shape ``S + (K,)``; a column vector ``(N, 1)`` counts as ``(N,)``.

    Examples
    --------
    >>> to_categorical([0, 2], 3).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    arr = as_array(y, "y", "to_categorical")
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.dtype.kind == "f":
        if np.isnan(arr).any() or not np.all(arr == np.round(arr)):
            raise ValueError("to_categorical: labels must be whole numbers")
    elif arr.dtype.kind not in "iub":
        raise ValueError(f"to_categorical: labels must be integers; got dtype {arr.dtype}")
    labels = arr.astype(np.int64)
    if labels.size and labels.min() < 0:
        raise ValueError(f"to_categorical: labels must be >= 0; got {labels.min()}")
    top = int(labels.max()) + 1 if labels.size else 0
    k = top if num_classes is None else int(num_classes)
    if top > k:
        raise ValueError(
            f"to_categorical: label {top - 1} is out of range for num_classes={k} "
            f"(labels must be in 0..{k - 1})"
        )
    out = np.zeros(labels.shape + (k,), dtype=dtype)
    np.put_along_axis(out, labels[..., None], 1, axis=-1)
    return out
