"""Feature preprocessing with scikit-learn's names and its fit/transform contract.

Fit on the training data only (``scaler.fit(x_train)``), then transform every split with
the statistics learned there. Each transformer is written in NumPy and can be saved with
a model: :meth:`Transformer.state_dict` returns only NumPy arrays and JSON-able values,
and :meth:`Transformer.load_state_dict` restores it.

Inputs are 2-D ``(N, F)`` arrays (samples x features). Float64 input gives float64 output;
anything else gives float32, deepgrad's default. NaN is refused with advice to impute,
except by :class:`SimpleImputer`, whose job it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Self

import numpy as np

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


class Transformer:
    """Base class: ``fit(x)`` learns statistics, ``transform(x)`` applies them.

    Subclasses list their constructor arguments in ``_params`` and the attributes that
    ``fit`` sets in ``_fitted``; saving and loading work from those lists.
    """

    _params: tuple[str, ...] = ()
    _fitted: tuple[str, ...] = ()

    # --------------------------------------------------------------- contract
    def fit(self, x: Any, y: Any = None) -> Self:
        raise NotImplementedError

    def transform(self, x: Any) -> np.ndarray:
        raise NotImplementedError

    def fit_transform(self, x: Any, y: Any = None) -> np.ndarray:
        """``fit(x)`` then ``transform(x)``."""
        return self.fit(x, y).transform(x)

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """The transformer's configuration and fitted statistics.

        Returns
        -------
        dict
            ``{"class": name, <constructor arguments>: JSON values, <fitted>: arrays}``.
        """
        state: dict[str, Any] = {"class": type(self).__name__}
        for name in self._params:
            state[name] = _to_json(getattr(self, name))
        if self.is_fitted:
            for name in self._fitted:
                state[name] = self._save_fitted(name, getattr(self, name))
        return state

    def load_state_dict(self, state: dict[str, Any]) -> Self:
        """Restore what :meth:`state_dict` returned; returns ``self``."""
        cls = state.get("class", type(self).__name__)
        if cls != type(self).__name__:
            raise ValueError(f"{type(self).__name__}.load_state_dict: the state is of a {cls}")
        for name in self._params:
            if name in state:
                setattr(self, name, _from_json(name, state[name]))
        for name in self._fitted:
            if name in state:
                setattr(self, name, self._load_fitted(name, state[name]))
        return self

    def _save_fitted(self, name: str, value: Any) -> Any:
        return np.asarray(value) if isinstance(value, np.ndarray) else value

    def _load_fitted(self, name: str, value: Any) -> Any:
        return np.asarray(value) if isinstance(value, list | np.ndarray) else value

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor arguments, as scikit-learn's ``get_params``."""
        return {name: getattr(self, name) for name in self._params}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # ---------------------------------------------------------------- helpers
    @property
    def is_fitted(self) -> bool:
        """True once :meth:`fit` (or :meth:`load_state_dict`) has run."""
        return all(getattr(self, name, None) is not None for name in self._fitted)

    def _check_fitted(self) -> None:
        if not self.is_fitted:
            name = type(self).__name__
            raise RuntimeError(
                f"{name} is not fitted yet: call {name}.fit(x_train) before transform"
            )

    def _check_x(
        self, x: Any, *, fitting: bool, allow_nan: bool = False, numeric: bool = True
    ) -> np.ndarray:
        name = type(self).__name__
        arr = as_array(x, "x", name)
        if arr.ndim != 2:
            hint = " (one feature: x.reshape(-1, 1); one sample: x.reshape(1, -1))"
            raise ValueError(
                f"{name}: expected a 2-D array (samples, features); got shape {arr.shape}"
                + (hint if arr.ndim == 1 else "")
            )
        if numeric:
            if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
                raise ValueError(f"{name}: expected numeric features; got dtype {arr.dtype}")
            if arr.dtype != np.float64:
                arr = arr.astype(np.float32)
            if not allow_nan and np.isnan(arr).any():
                rows, cols = np.nonzero(np.isnan(arr))
                raise ValueError(
                    f"{name}: input contains {rows.size} NaN value(s), the first at row "
                    f"{rows[0]}, column {cols[0]}; fill missing values first (SimpleImputer)"
                )
        if fitting:
            if arr.shape[0] == 0:
                raise ValueError(f"{name}: cannot fit on 0 samples")
            self.n_features_in_ = arr.shape[1]
        elif arr.shape[1] != self.n_features_in_:
            raise ValueError(
                f"{name}: fitted on {self.n_features_in_} features, but x has "
                f"{arr.shape[1]} features (shape {arr.shape})"
            )
        return arr


def _to_json(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return [_to_json(v) for v in value]
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    if isinstance(value, float) and np.isnan(value):
        return "nan"
    if isinstance(value, type) or isinstance(value, np.dtype):
        return np.dtype(value).name
    return value


def _from_json(name: str, value: Any) -> Any:
    if value == "nan":
        return np.nan
    if name == "feature_range":
        return tuple(value)
    return value


def _nonzero_scale(scale: np.ndarray) -> np.ndarray:
    """Replace zero scales (constant features) by 1 so that they are left unscaled."""
    scale = scale.copy()
    scale[scale == 0.0] = 1.0
    return scale


# --------------------------------------------------------------------------- scalers
class StandardScaler(Transformer):
    """Standardize features to zero mean and unit variance: ``z = (x - mean) / std``.

    The standard deviation is the population one (``ddof=0``), as scikit-learn's;
    constant features get a scale of 1.

    Parameters
    ----------
    with_mean : bool
        Subtract the mean.
    with_std : bool
        Divide by the standard deviation.

    Attributes
    ----------
    mean_, var_, scale_ : numpy.ndarray
        ``(F,)`` float64 per-feature mean, variance and scale (std, 1 where it is 0).

    Examples
    --------
    >>> StandardScaler().fit_transform(np.array([[1.0], [3.0]])).ravel().tolist()
    [-1.0, 1.0]
    """

    _params = ("with_mean", "with_std")
    _fitted = ("mean_", "var_", "scale_", "n_features_in_")

    def __init__(self, *, with_mean: bool = True, with_std: bool = True) -> None:
        self.with_mean = with_mean
        self.with_std = with_std
        self.mean_: np.ndarray | None = None
        self.var_: np.ndarray | None = None
        self.scale_: np.ndarray | None = None
        self.n_features_in_: int | None = None

    def fit(self, x: Any, y: Any = None) -> Self:
        """Learn the per-feature mean and standard deviation of ``x`` ``(N, F)``."""
        arr = self._check_x(x, fitting=True).astype(np.float64)
        self.mean_ = arr.mean(axis=0)
        self.var_ = arr.var(axis=0)
        constant = np.ptp(arr, axis=0) == 0
        self.var_[constant] = 0.0
        self.scale_ = _nonzero_scale(np.sqrt(self.var_))
        return self

    def transform(self, x: Any) -> np.ndarray:
        """Return ``(x - mean_) / scale_``, shape ``(N, F)``."""
        self._check_fitted()
        arr = self._check_x(x, fitting=False)
        out = arr.astype(np.float64)
        if self.with_mean:
            out = out - self.mean_
        if self.with_std:
            out = out / self.scale_
        return out.astype(arr.dtype)

    def inverse_transform(self, x: Any) -> np.ndarray:
        """Undo :meth:`transform`: ``z * scale_ + mean_``."""
        self._check_fitted()
        arr = self._check_x(x, fitting=False)
        out = arr.astype(np.float64)
        if self.with_std:
            out = out * self.scale_
        if self.with_mean:
            out = out + self.mean_
        return out.astype(arr.dtype)


class MinMaxScaler(Transformer):
    """Scale each feature linearly to ``feature_range`` (default [0, 1]).

    ``x_scaled = x * scale_ + min_`` with ``scale_ = (hi - lo) / (data_max_ - data_min_)``
    and ``min_ = lo - data_min_ * scale_``; constant features get a range of 1.

    Parameters
    ----------
    feature_range : (float, float)
        Target interval ``(lo, hi)``.
    clip : bool
        Clip transformed values of unseen data to ``feature_range``.

    Examples
    --------
    >>> MinMaxScaler().fit_transform(np.array([[2.0], [4.0], [3.0]])).ravel().tolist()
    [0.0, 1.0, 0.5]
    """

    _params = ("feature_range", "clip")
    _fitted = ("data_min_", "data_max_", "data_range_", "scale_", "min_", "n_features_in_")

    def __init__(self, feature_range: tuple[float, float] = (0.0, 1.0), *, clip: bool = False):
        lo, hi = feature_range
        if not lo < hi:
            raise ValueError(
                f"MinMaxScaler: feature_range must be (lo, hi) with lo < hi; got {feature_range}"
            )
        self.feature_range = (float(lo), float(hi))
        self.clip = clip
        self.data_min_: np.ndarray | None = None
        self.data_max_: np.ndarray | None = None
        self.data_range_: np.ndarray | None = None
        self.scale_: np.ndarray | None = None
        self.min_: np.ndarray | None = None
        self.n_features_in_: int | None = None

    def fit(self, x: Any, y: Any = None) -> Self:
        """Learn the per-feature minimum and maximum of ``x`` ``(N, F)``."""
        arr = self._check_x(x, fitting=True).astype(np.float64)
        lo, hi = self.feature_range
        self.data_min_ = arr.min(axis=0)
        self.data_max_ = arr.max(axis=0)
        self.data_range_ = self.data_max_ - self.data_min_
        self.scale_ = (hi - lo) / _nonzero_scale(self.data_range_)
        self.min_ = lo - self.data_min_ * self.scale_
        return self

    def transform(self, x: Any) -> np.ndarray:
        """Return ``x * scale_ + min_``, shape ``(N, F)``."""
        self._check_fitted()
        arr = self._check_x(x, fitting=False)
        out = arr.astype(np.float64) * self.scale_ + self.min_
        if self.clip:
            out = np.clip(out, *self.feature_range)
        return out.astype(arr.dtype)

    def inverse_transform(self, x: Any) -> np.ndarray:
        """Undo :meth:`transform`: ``(x - min_) / scale_``."""
        self._check_fitted()
        arr = self._check_x(x, fitting=False)
        return ((arr.astype(np.float64) - self.min_) / self.scale_).astype(arr.dtype)


class Normalizer(Transformer):
    """Scale every *sample* (row) to unit norm; stateless, rows of norm 0 stay 0.

    Parameters
    ----------
    norm : {"l2", "l1", "max"}
        The norm each row is divided by.

    Examples
    --------
    >>> Normalizer().fit_transform(np.array([[3.0, 4.0]])).tolist()
    [[0.6, 0.8]]
    """

    _params = ("norm",)
    _fitted = ("n_features_in_",)

    def __init__(self, norm: str = "l2") -> None:
        if norm not in ("l1", "l2", "max"):
            raise ValueError(f"Normalizer: norm must be 'l1', 'l2' or 'max'; got {norm!r}")
        self.norm = norm
        self.n_features_in_: int | None = None

    def fit(self, x: Any, y: Any = None) -> Self:
        """Only records the number of features."""
        self._check_x(x, fitting=True)
        return self

    def transform(self, x: Any) -> np.ndarray:
        """Return each row of ``x`` divided by its norm, shape ``(N, F)``."""
        self._check_fitted()
        arr = self._check_x(x, fitting=False)
        a = arr.astype(np.float64)
        if self.norm == "l2":
            norms = np.sqrt((a * a).sum(axis=1))
        elif self.norm == "l1":
            norms = np.abs(a).sum(axis=1)
        else:
            norms = np.abs(a).max(axis=1)
        return (a / _nonzero_scale(norms)[:, None]).astype(arr.dtype)


# ------------------------------------------------------------------------- encoders
class OneHotEncoder(Transformer):
    """Encode categorical features as one-hot columns, one block per feature.

    Feature ``j`` with categories ``categories_[j]`` (sorted) becomes
    ``len(categories_[j])`` columns; a sample has a 1 in the column of its category.

    Parameters
    ----------
    handle_unknown : {"error", "ignore"}
        A category not seen in ``fit``: raise, or encode as all zeros.
    dtype : numpy dtype
        Output dtype (float32 by default).

    Examples
    --------
    >>> enc = OneHotEncoder().fit(np.array([["red"], ["green"], ["red"]]))
    >>> enc.categories_[0].tolist(), enc.transform(np.array([["red"]])).tolist()
    (['green', 'red'], [[0.0, 1.0]])
    """

    _params = ("handle_unknown", "dtype")
    _fitted = ("categories_", "n_features_in_")

    def __init__(self, *, handle_unknown: str = "error", dtype: Any = np.float32) -> None:
        if handle_unknown not in ("error", "ignore"):
            raise ValueError(
                f"OneHotEncoder: handle_unknown must be 'error' or 'ignore'; got {handle_unknown!r}"
            )
        self.handle_unknown = handle_unknown
        self.dtype = np.dtype(dtype).name
        self.categories_: list[np.ndarray] | None = None
        self.n_features_in_: int | None = None

    def _check_categories(self, x: Any, fitting: bool) -> np.ndarray:
        arr = self._check_x(x, fitting=fitting, numeric=False)
        if arr.dtype.kind == "f" and np.isnan(arr).any():
            raise ValueError(
                "OneHotEncoder: input contains NaN; fill missing values first (SimpleImputer)"
            )
        return arr

    def fit(self, x: Any, y: Any = None) -> Self:
        """Learn the sorted categories of each column of ``x`` ``(N, F)``."""
        arr = self._check_categories(x, fitting=True)
        self.categories_ = [np.unique(arr[:, j]) for j in range(arr.shape[1])]
        return self

    def transform(self, x: Any) -> np.ndarray:
        """Return the one-hot matrix ``(N, sum of category counts)``."""
        self._check_fitted()
        assert self.categories_ is not None
        arr = self._check_categories(x, fitting=False)
        n = arr.shape[0]
        widths = [len(c) for c in self.categories_]
        out = np.zeros((n, sum(widths)), dtype=self.dtype)
        offset = 0
        for j, cats in enumerate(self.categories_):
            column = arr[:, j]
            pos = np.clip(np.searchsorted(cats, column), 0, len(cats) - 1)
            known = cats[pos] == column
            if not known.all():
                if self.handle_unknown == "error":
                    unknown = np.unique(column[~known])[:5].tolist()
                    raise ValueError(
                        f"OneHotEncoder: feature {j} has categories {unknown} not seen in fit "
                        f"(known: {cats[:10].tolist()}); pass handle_unknown='ignore' to "
                        "encode them as zeros"
                    )
            rows = np.nonzero(known)[0]
            out[rows, offset + pos[known]] = 1
            offset += len(cats)
        return out

    def inverse_transform(self, x: Any) -> np.ndarray:
        """Map one-hot rows back to categories ``(N, F)`` (None for all-zero blocks)."""
        self._check_fitted()
        assert self.categories_ is not None
        arr = np.asarray(x)
        widths = [len(c) for c in self.categories_]
        if arr.ndim != 2 or arr.shape[1] != sum(widths):
            raise ValueError(
                f"OneHotEncoder.inverse_transform: expected shape (N, {sum(widths)}); "
                f"got {arr.shape}"
            )
        columns = []
        offset = 0
        for cats, w in zip(self.categories_, widths):
            block = arr[:, offset : offset + w]
            values = cats[block.argmax(axis=1)].astype(object)
            values[block.max(axis=1) == 0] = None
            columns.append(values)
            offset += w
        result = np.stack(columns, axis=1)
        if all(v is not None for v in result.ravel()):
            return result.astype(np.result_type(*self.categories_))
        return result

    def _save_fitted(self, name: str, value: Any) -> Any:
        if name == "categories_":
            return [c.tolist() for c in value]
        return value

    def _load_fitted(self, name: str, value: Any) -> Any:
        if name == "categories_":
            return [np.asarray(c) for c in value]
        return value


class LabelEncoder(Transformer):
    """Encode class labels (numbers or strings) as integers ``0 .. n_classes - 1``.

    Attributes
    ----------
    classes_ : numpy.ndarray
        The sorted distinct labels; label ``classes_[k]`` is encoded as ``k``.

    Examples
    --------
    >>> enc = LabelEncoder().fit(["cat", "dog", "cat", "bird"])
    >>> enc.transform(["dog", "bird"]).tolist(), enc.inverse_transform([0]).tolist()
    ([2, 0], ['bird'])
    """

    _fitted = ("classes_",)

    def __init__(self) -> None:
        self.classes_: np.ndarray | None = None

    def _check_y(self, y: Any) -> np.ndarray:
        arr = as_array(y, "y", "LabelEncoder")
        if arr.ndim != 1:
            raise ValueError(f"LabelEncoder: expected a 1-D array of labels; got shape {arr.shape}")
        if arr.dtype.kind == "f" and np.isnan(arr).any():
            raise ValueError("LabelEncoder: labels contain NaN")
        return arr

    def fit(self, y: Any, _: Any = None) -> Self:
        """Learn the distinct labels of ``y`` ``(N,)``."""
        self.classes_ = np.unique(self._check_y(y))
        return self

    def transform(self, y: Any) -> np.ndarray:
        """Return the int64 codes of ``y``, shape ``(N,)``."""
        self._check_fitted()
        assert self.classes_ is not None
        arr = self._check_y(y)
        pos = np.clip(np.searchsorted(self.classes_, arr), 0, len(self.classes_) - 1)
        known = self.classes_[pos] == arr
        if not known.all():
            unknown = np.unique(arr[~known])[:5].tolist()
            raise ValueError(
                f"LabelEncoder: labels {unknown} were not seen in fit "
                f"(known: {self.classes_[:10].tolist()})"
            )
        return pos.astype(np.int64)

    def fit_transform(self, y: Any, _: Any = None) -> np.ndarray:
        """``fit(y)`` then ``transform(y)``."""
        return self.fit(y).transform(y)

    def inverse_transform(self, codes: Any) -> np.ndarray:
        """Return the labels of integer ``codes`` ``(N,)``."""
        self._check_fitted()
        assert self.classes_ is not None
        c = np.asarray(codes)
        if c.size and (c.min() < 0 or c.max() >= len(self.classes_)):
            raise ValueError(
                f"LabelEncoder.inverse_transform: codes must be in [0, {len(self.classes_)}); "
                f"got min {c.min()}, max {c.max()}"
            )
        return self.classes_[c.astype(np.int64)]

    def _save_fitted(self, name: str, value: Any) -> Any:
        return value.tolist()


class SimpleImputer(Transformer):
    """Fill missing values of each feature with a statistic learned in ``fit``.

    Parameters
    ----------
    strategy : {"mean", "median", "most_frequent", "constant"}
        Per-feature fill value: the mean or median of the observed values, their most
        frequent value (the smallest on ties), or ``fill_value``.
    fill_value : float, optional
        Used with ``strategy="constant"`` (default 0).
    missing_values : float
        The marker of a missing value (NaN by default).

    A feature with no observed value at all is filled with 0 (scikit-learn would drop it).

    Attributes
    ----------
    statistics_ : numpy.ndarray
        ``(F,)`` float64 fill value of every feature.

    Examples
    --------
    >>> SimpleImputer().fit_transform(np.array([[1.0], [np.nan], [3.0]])).ravel().tolist()
    [1.0, 2.0, 3.0]
    """

    _params = ("strategy", "fill_value", "missing_values")
    _fitted = ("statistics_", "n_features_in_")

    def __init__(
        self,
        *,
        strategy: str = "mean",
        fill_value: float | None = None,
        missing_values: float = np.nan,
    ) -> None:
        if strategy not in ("mean", "median", "most_frequent", "constant"):
            raise ValueError(
                "SimpleImputer: strategy must be 'mean', 'median', 'most_frequent' or "
                f"'constant'; got {strategy!r}"
            )
        self.strategy = strategy
        self.fill_value = fill_value
        self.missing_values = missing_values
        self.statistics_: np.ndarray | None = None
        self.n_features_in_: int | None = None

    def _missing(self, arr: np.ndarray) -> np.ndarray:
        if self.missing_values is None or np.isnan(self.missing_values):
            return np.isnan(arr)
        return arr == self.missing_values

    def fit(self, x: Any, y: Any = None) -> Self:
        """Learn the fill value of every column of ``x`` ``(N, F)``."""
        arr = self._check_x(x, fitting=True, allow_nan=True).astype(np.float64)
        missing = self._missing(arr)
        stats = np.zeros(arr.shape[1])
        if self.strategy == "constant":
            stats[:] = 0.0 if self.fill_value is None else self.fill_value
        else:
            masked = np.where(missing, np.nan, arr)
            observed = (~missing).any(axis=0)
            for j in np.nonzero(observed)[0]:
                values = masked[~missing[:, j], j]
                if self.strategy == "mean":
                    stats[j] = values.mean()
                elif self.strategy == "median":
                    stats[j] = np.median(values)
                else:
                    uniq, counts = np.unique(values, return_counts=True)
                    stats[j] = uniq[np.argmax(counts)]
        self.statistics_ = stats
        return self

    def transform(self, x: Any) -> np.ndarray:
        """Return ``x`` with each missing value replaced by its column's statistic."""
        self._check_fitted()
        arr = self._check_x(x, fitting=False, allow_nan=True)
        missing = self._missing(arr)
        out = arr.copy()
        rows, cols = np.nonzero(missing)
        out[rows, cols] = self.statistics_[cols]
        return out


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
    task : {"classification", "regression"}, optional
    data : dict, optional
        Where the training data came from (a recipe's ``[data]`` section): ``deepgrad
        evaluate`` rebuilds the test set from it.

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

    def transform(self, x: Any) -> np.ndarray:
        """Apply every step to raw inputs ``x`` ``(N, F)``; float32 out."""
        out = np.asarray(x, dtype=np.float32)
        for _, step in self.steps:
            out = np.asarray(step.transform(out), dtype=np.float32)
        return out

    def class_names(self, indices: Any) -> np.ndarray:
        """The names of class ``indices`` (the indices themselves when no names are known)."""
        idx = np.asarray(indices)
        if self.classes is None:
            return idx
        return np.asarray(self.classes)[idx]

    @classmethod
    def from_legacy(cls, state: dict[str, Any]) -> Preprocessing:
        """Read the ``preprocessing.json`` that ``deepgrad train`` wrote beside ``model.dg``
        before the model file held its preprocessing: ``{"features", "classes", "imputer":
        state, "scaler": {"kind", "state"}}``."""
        if not isinstance(state, dict):
            raise ValueError(f"preprocessing.json must hold a JSON object, got {state!r:.60}")
        steps: list[tuple[str, Any]] = []
        if "imputer" in state:
            steps.append(("imputer", _legacy_step(SimpleImputer, state["imputer"])))
        if "scaler" in state:
            kind = state["scaler"].get("kind")
            scaler = {"standard": StandardScaler, "minmax": MinMaxScaler}.get(kind)
            if scaler is None:
                raise ValueError(f"preprocessing.json: unknown scaler kind {kind!r}")
            steps.append(("scaler", _legacy_step(scaler, state["scaler"].get("state", {}))))
        return cls(steps=steps, features=state.get("features"), classes=state.get("classes"))


def _legacy_step(cls: type, state: dict[str, Any]) -> Any:
    t = cls()
    t.load_state_dict(state)
    for name in t._fitted:
        value = getattr(t, name)
        if isinstance(value, list):
            setattr(t, name, np.asarray(value, dtype=np.float64))
    return t


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
