"""Saving a model's :class:`~deepgrad.data.Preprocessing` inside its model file, safely.

A fitted transformer is written as its class name, its constructor parameters and its fitted
attributes — numbers and strings as JSON, numeric arrays into the file's safetensors — through an
explicit allow-list (:data:`TRANSFORMERS`): only the classes listed there can be named by a
file, only their listed parameters and attributes are set, and every value is checked (types,
array dtypes, the shapes of per-feature statistics). Never pickle, never an import of a name
read from the file.

>>> import numpy as np
>>> from deepgrad.data import Preprocessing, StandardScaler
>>> pre = Preprocessing([("scaler", StandardScaler().fit(np.array([[0.0], [2.0]])))])
>>> arrays = {}
>>> cfg = preprocessing_to_config(pre, arrays, "preprocessing")
>>> cfg["steps"][0]["class"], sorted(arrays)[:2]
('StandardScaler', ['preprocessing.0.mean_', 'preprocessing.0.scale_'])
>>> back = preprocessing_from_config(cfg, arrays, "demo")
>>> back.transform(np.array([[2.0]])).tolist()
[[1.0]]
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import numpy

from ..data.datasets.csv import MAX_CATEGORIES
from .safe_read import ModelFileError


@dataclass(frozen=True)
class Allowed:
    """One transformer class a model file may name: its constructor parameters and fitted
    attributes that a file may set (nothing else is read), and which attributes hold one value
    per input feature (their length is checked against ``n_features_in_``)."""

    cls: type
    params: tuple[str, ...]
    fitted: tuple[str, ...]
    per_feature: tuple[str, ...] = ()


def _table() -> dict[str, Allowed]:
    from sklearn import preprocessing as skp

    from .. import data as P  # the names users import

    scaler = ("mean_", "var_", "scale_")
    minmax = ("min_", "scale_", "data_min_", "data_max_", "data_range_")
    onehot = ("categories", "drop", "sparse_output", "dtype", "handle_unknown", "min_frequency",
              "max_categories", "feature_name_combiner")  # fmt: skip
    common = ("n_features_in_", "feature_names_in_")
    return {
        "StandardScaler": Allowed(
            P.StandardScaler,
            ("copy", "with_mean", "with_std"),
            (*scaler, "n_samples_seen_", *common),
            scaler,
        ),
        "MinMaxScaler": Allowed(
            P.MinMaxScaler,
            ("feature_range", "copy", "clip"),
            (*minmax, "n_samples_seen_", *common),
            minmax,
        ),
        "Normalizer": Allowed(P.Normalizer, ("norm", "copy"), common),
        "SimpleImputer": Allowed(
            P.SimpleImputer,
            ("missing_values", "strategy", "fill_value", "copy", "keep_empty_features"),
            ("statistics_", *common),
            ("statistics_",),
        ),
        "LabelEncoder": Allowed(P.LabelEncoder, (), ("classes_",)),
        "OneHotEncoder": Allowed(P.OneHotEncoder, onehot, ("categories_", *common)),
        "sklearn.OneHotEncoder": Allowed(skp.OneHotEncoder, onehot, ("categories_", *common)),
    }


#: the transformer classes a model file may name (filled when first needed)
TRANSFORMERS: dict[str, Allowed] = {}

#: most input features a restored transformer may declare
MAX_FEATURES = 2**20
#: most cells of the small table a OneHotEncoder is refitted on when restored
MAX_ONEHOT_CELLS = 2**22


def _transformers() -> dict[str, Allowed]:
    if not TRANSFORMERS:
        TRANSFORMERS.update(_table())
    return TRANSFORMERS


def _name_of(t: Any) -> str | None:
    for name, allowed in _transformers().items():
        if type(t) is allowed.cls:
            return name
    return None


# ---- values ------------------------------------------------------------------------------------
def _encode(v: Any, arrays: dict[str, numpy.ndarray], key: str) -> Any:
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return v
    if isinstance(v, numpy.generic):
        return v.item()
    if isinstance(v, numpy.dtype) or (isinstance(v, type) and issubclass(v, numpy.generic)):
        return {"__dtype__": numpy.dtype(v).name}
    if isinstance(v, numpy.ndarray):
        if v.dtype.kind in "biuf":
            arrays[key] = numpy.ascontiguousarray(v)
            return {"__array__": key}
        items = v.tolist() if v.ndim == 1 else None
        if items is not None and all(isinstance(x, str) for x in items):
            return {"__strings__": [str(x) for x in items]}
        if items is not None and all(
            isinstance(x, (int, float)) and not isinstance(x, bool) for x in items
        ):  # numbers in an object array (SimpleImputer's "constant" statistics)
            arrays[key] = numpy.asarray(items, dtype=numpy.float64)
            return {"__array__": key}
        raise TypeError(f"{key}: cannot save an array of dtype {v.dtype} in a model file")
    if isinstance(v, tuple):
        return {"__tuple__": [_encode(x, arrays, f"{key}.{i}") for i, x in enumerate(v)]}
    if isinstance(v, list):
        return [_encode(x, arrays, f"{key}.{i}") for i, x in enumerate(v)]
    raise TypeError(f"{key}: a {type(v).__name__} cannot be saved in a model file")


def _decode(v: Any, arrays: dict[str, numpy.ndarray], where: str) -> Any:
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, list):
        return [_decode(x, arrays, where) for x in v]
    if isinstance(v, dict) and len(v) == 1:
        ((tag, x),) = v.items()
        if tag == "__array__" and isinstance(x, str) and x in arrays:
            return arrays[x]
        if tag == "__strings__" and isinstance(x, list) and all(isinstance(s, str) for s in x):
            return numpy.asarray(x, dtype=str)
        if tag == "__tuple__" and isinstance(x, list):
            return tuple(_decode(y, arrays, where) for y in x)
        if tag == "__dtype__":
            from .serialization import _safe_dtype

            return _safe_dtype(x)
    raise ModelFileError(f"{where}: unexpected value {v!r:.80}")


# ---- transformers ------------------------------------------------------------------------------
def transformer_to_config(t: Any, arrays: dict[str, numpy.ndarray], prefix: str) -> dict:
    """``{"class", "params", "fitted"}`` of an allow-listed, fitted transformer (arrays into
    ``arrays``); ``TypeError`` for a class or a setting the allow-list does not hold."""
    name = _name_of(t)
    if name is None:
        raise TypeError(
            f"a {type(t).__qualname__} cannot be saved in a model file; the preprocessing steps "
            f"a file may hold are {sorted(_transformers())}"
        )
    allowed = _transformers()[name]
    if getattr(t, "add_indicator", False) or getattr(t, "min_frequency", None) is not None:
        raise TypeError(f"{name}: add_indicator / min_frequency cannot be saved in a model file")
    if getattr(t, "max_categories", None) is not None:
        raise TypeError(f"{name}: max_categories cannot be saved in a model file")
    params = t.get_params(deep=False)
    return {
        "class": name,
        "params": {p: _encode(params[p], arrays, f"{prefix}.{p}") for p in allowed.params},
        "fitted": {
            a: _encode(getattr(t, a), arrays, f"{prefix}.{a}")
            for a in allowed.fitted
            if hasattr(t, a)
        },
    }


def _synthetic(name: str, t: Any, values: dict[str, Any], where: str) -> Any:
    """A small table that ``t.fit`` accepts, of the width and dtype the saved statistics say,
    so that scikit-learn itself sets every internal attribute of its version; the saved public
    statistics then replace what this fit learned."""
    if name.endswith("OneHotEncoder"):
        cats = values["categories_"]
        rows = max((len(c) for c in cats), default=0)
        if rows == 0 or rows * len(cats) > MAX_ONEHOT_CELLS:
            raise ModelFileError(f"{where}: {name} has {rows} × {len(cats)} categories")
        numeric = all(c.dtype.kind in "biuf" for c in cats)
        table = numpy.empty((rows, len(cats)), dtype=numpy.float64 if numeric else object)
        for j, c in enumerate(cats):
            table[:, j] = numpy.resize(c, rows)
        return table
    n = values.get("n_features_in_")
    if type(n) is not int or not 1 <= n <= MAX_FEATURES:
        raise ModelFileError(
            f"{where}: {name}.n_features_in_ must be a count of features (1..{MAX_FEATURES}), "
            f"got {n!r:.40}"
        )
    dtype = numpy.float64
    stats = values.get("statistics_")
    if isinstance(stats, numpy.ndarray) and stats.dtype.kind == "f":
        dtype = stats.dtype
    fill = 0.0
    missing = getattr(t, "missing_values", None)
    if isinstance(missing, (int, float)) and missing == 0:
        fill = 1.0
    return numpy.full((2, n), fill, dtype=dtype)


def _check_fitted(name: str, allowed: Allowed, values: dict[str, Any], where: str) -> None:
    n = values.get("n_features_in_")
    if "n_features_in_" in values and (type(n) is not int or not 1 <= n <= MAX_FEATURES):
        raise ModelFileError(
            f"{where}: {name}.n_features_in_ must be a count of features (1..{MAX_FEATURES}), "
            f"got {n!r:.40}"
        )
    for k in allowed.per_feature:
        v = values.get(k)
        if v is None:
            continue
        if not (isinstance(v, numpy.ndarray) and v.dtype.kind in "biuf" and v.ndim == 1):
            raise ModelFileError(f"{where}: {name}.{k} must be a 1-D numeric array")
        if len(v) != n:
            raise ModelFileError(f"{where}: {name}.{k} has {len(v)} values for {n!r:.20} features")
    if "categories_" in values:
        cats = values["categories_"]
        if not (
            isinstance(cats, list)
            and all(isinstance(c, numpy.ndarray) and c.ndim == 1 for c in cats)
        ):
            raise ModelFileError(f"{where}: {name}.categories_ must be a list of 1-D arrays")
        if n is not None and len(cats) != n:
            raise ModelFileError(f"{where}: {name} has categories for {len(cats)} of {n} features")
    if "classes_" in values and not (
        isinstance(values["classes_"], numpy.ndarray) and values["classes_"].ndim == 1
    ):
        raise ModelFileError(f"{where}: {name}.classes_ must be a 1-D array")
    names = values.get("feature_names_in_")
    if names is not None and not (isinstance(names, numpy.ndarray) and len(names) == n):
        raise ModelFileError(f"{where}: {name}.feature_names_in_ must name {n!r:.20} features")


def transformer_from_config(cfg: Any, arrays: dict[str, numpy.ndarray], where: str) -> Any:
    """Rebuild a transformer written by :func:`transformer_to_config`, checking everything:
    the class must be allow-listed, the parameters and fitted attributes its listed ones, every
    per-feature statistic a 1-D numeric array of ``n_features_in_`` values."""
    if not isinstance(cfg, dict) or set(cfg) != {"class", "params", "fitted"}:
        raise ModelFileError(f"{where}: a step must be {{'class', 'params', 'fitted'}}")
    name = cfg["class"]
    table = _transformers()
    if not isinstance(name, str) or name not in table:
        close = difflib.get_close_matches(str(name), table, n=2)
        hint = f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""
        raise ModelFileError(
            f"{where}: {name!r:.60} is not a preprocessing step a model file may hold{hint}; "
            f"known: {sorted(table)}"
        )
    allowed = table[name]
    for part, keys in (("params", allowed.params), ("fitted", allowed.fitted)):
        if not isinstance(cfg[part], dict) or set(cfg[part]) - set(keys):
            extra = sorted(set(cfg[part]) - set(keys)) if isinstance(cfg[part], dict) else []
            raise ModelFileError(
                f"{where}: {name} {part} must be a table of {list(keys)}; unexpected {extra}"
            )
    kwargs = {k: _decode(v, arrays, f"{where}: {name}.{k}") for k, v in cfg["params"].items()}
    values = {k: _decode(v, arrays, f"{where}: {name}.{k}") for k, v in cfg["fitted"].items()}
    _check_fitted(name, allowed, values, where)
    if name.endswith("OneHotEncoder"):
        if "categories_" not in values:
            raise ModelFileError(f"{where}: {name} holds no categories_")
        kwargs["categories"] = values["categories_"]
    try:
        t = allowed.cls(**kwargs)
        if name != "LabelEncoder":
            t.fit(_synthetic(name, t, values, where))
    except ModelFileError:
        raise
    except Exception as e:
        raise ModelFileError(f"{where}: cannot rebuild {name}: {type(e).__name__}: {e}") from e
    for k, v in values.items():
        setattr(t, k, v)
    return t


# ---- the record ----------------------------------------------------------------------------------
def preprocessing_to_config(pre: Any, arrays: dict[str, numpy.ndarray], prefix: str) -> dict:
    """The JSON form of a :class:`~deepgrad.data.Preprocessing` (arrays into ``arrays``)."""
    for what in ("features", "classes"):
        names = [str(n) for n in getattr(pre, what) or ()]
        if _repeated(names):
            raise ValueError(
                f"model.preprocessing.{what} names {_repeated(names)[:5]} more than once"
            )
    steps = []
    for i, (name, t) in enumerate(pre.steps):
        entry = transformer_to_config(t, arrays, f"{prefix}.{i}")
        steps.append({"name": str(name), **entry})
    out = {
        "steps": steps,
        "features": None if pre.features is None else [str(f) for f in pre.features],
        "classes": None if pre.classes is None else [str(c) for c in pre.classes],
        "task": pre.task,
        "data": pre.data,
    }
    if pre.categories:  # (written only where there are some: files without them stay as were)
        out["categories"] = {str(k): [str(c) for c in v] for k, v in pre.categories.items()}
    return out


def _strings(v: Any, what: str, where: str) -> list[str] | None:
    if v is None:
        return None
    if not (isinstance(v, list) and all(isinstance(s, str) for s in v)):
        raise ModelFileError(f"{where}: preprocessing {what} must be a list of strings")
    twice = _repeated(v)
    if twice:  # a feature read twice from a CSV, two classes printed alike
        raise ModelFileError(f"{where}: preprocessing {what} names {twice[:5]} more than once")
    return list(v)


def _repeated(names: list[str]) -> list[str]:
    seen: set[str] = set()
    return [n for n in names if n in seen or seen.add(n)]  # type: ignore[func-returns-value]


def preprocessing_from_config(cfg: Any, arrays: dict[str, numpy.ndarray], where: str) -> Any:
    """Rebuild the :class:`~deepgrad.data.Preprocessing` of a model file, checking every field
    (:class:`ModelFileError` otherwise)."""
    from ..data import Preprocessing

    keys = {"steps", "features", "classes", "task", "data", "categories"}
    if not isinstance(cfg, dict) or set(cfg) - keys:
        raise ModelFileError(f"{where}: 'preprocessing' must be a table of {sorted(keys)}")
    raw_steps = cfg.get("steps", [])
    if not isinstance(raw_steps, list):
        raise ModelFileError(f"{where}: preprocessing steps must be a list")
    steps = []
    for i, s in enumerate(raw_steps):
        if not isinstance(s, dict) or not isinstance(s.get("name"), str):
            raise ModelFileError(f"{where}: preprocessing step {i} needs a name")
        rest = {k: v for k, v in s.items() if k != "name"}
        steps.append((s["name"], transformer_from_config(rest, arrays, f"{where}: step {i}")))
    task = cfg.get("task")
    if task not in (None, "classification", "regression", "segmentation", "detection"):
        raise ModelFileError(f"{where}: preprocessing task {task!r:.40} is not a task")
    data = cfg.get("data")
    if data is not None and not isinstance(data, dict):
        raise ModelFileError(f"{where}: preprocessing data must be a table")
    features = _strings(cfg.get("features"), "features", where)
    categories = _categories(cfg.get("categories"), features, where)
    pre = Preprocessing(
        steps=steps,
        features=features,
        classes=_strings(cfg.get("classes"), "classes", where),
        task=task,
        data=data,
        categories=categories,
    )
    n_in = getattr(steps[0][1], "n_features_in_", None) if steps else None
    if features is not None and n_in is not None and pre.width() != n_in:
        cats = f" ({pre.width()} columns with the categories)" if categories else ""
        raise ModelFileError(
            f"{where}: preprocessing names {len(features)} features{cats}, its first step "
            f"({type(steps[0][1]).__name__}) takes {n_in}"
        )
    return pre


def _categories(v: Any, features: list[str] | None, where: str) -> dict[str, list[str]] | None:
    """A record's categorical features: ``{feature: [category, ...]}``, each a feature of the
    list, its categories distinct non-empty strings."""
    if v is None:
        return None
    if not isinstance(v, dict) or features is None or not set(v) <= set(features):
        raise ModelFileError(
            f"{where}: preprocessing categories must be a table of the features' categories"
        )
    out = {}
    for k, cats in v.items():
        cats = _strings(cats, f"categories of {k!r:.40}", where)
        if not cats or "" in cats:
            raise ModelFileError(f"{where}: preprocessing categories of {k!r:.40} are empty")
        if len(cats) > MAX_CATEGORIES:  # each a column of every input row predict reads
            raise ModelFileError(
                f"{where}: preprocessing lists {len(cats)} categories of {k!r:.40}, more than "
                f"load_csv's {MAX_CATEGORIES}"
            )
        out[k] = cats
    return out


# ---- preprocessing.json of older runs ------------------------------------------------------------
_LEGACY = {
    "StandardScaler": (("with_mean", "with_std"), ("mean_", "var_", "scale_")),
    "MinMaxScaler": (
        ("feature_range", "clip"),
        ("data_min_", "data_max_", "data_range_", "scale_", "min_"),
    ),  # fmt: skip
    "SimpleImputer": (("strategy", "fill_value", "missing_values"), ("statistics_",)),
}


def _legacy_step(state: Any, where: str, arrays: dict[str, numpy.ndarray], i: int) -> dict:
    if not isinstance(state, dict) or state.get("class") not in _LEGACY:
        raise ModelFileError(f"{where}: step {i} is not a scaler or imputer state")
    name = state["class"]
    params, stats = _LEGACY[name]
    out: dict[str, Any] = {"class": name, "params": {}, "fitted": {}}
    for p in params:
        if p in state:
            v = state[p]
            if p == "missing_values" and v == "nan":
                v = float("nan")
            out["params"][p] = {"__tuple__": v} if p == "feature_range" else v
    if name == "SimpleImputer":  # deepgrad's own imputer filled empty features with 0
        out["params"]["keep_empty_features"] = True
    for k in stats:
        v = state.get(k)
        if not isinstance(v, list) or not all(isinstance(x, (int, float)) for x in v):
            raise ModelFileError(f"{where}: {name}.{k} must be a list of numbers")
        arrays[f"legacy.{i}.{k}"] = numpy.asarray(v, dtype=numpy.float64)
        out["fitted"][k] = {"__array__": f"legacy.{i}.{k}"}
    out["fitted"]["n_features_in_"] = state.get("n_features_in_")
    return out


def preprocessing_from_legacy(state: Any, where: str) -> Any:
    """The :class:`~deepgrad.data.Preprocessing` of the ``preprocessing.json`` that ``deepgrad
    train`` wrote beside ``model.dg`` before model files held it (``{"features", "classes",
    "imputer": state, "scaler": {"kind", "state"}}``), checked as a model file's is."""
    if not isinstance(state, dict):
        raise ModelFileError(f"{where} must hold a JSON object")
    arrays: dict[str, numpy.ndarray] = {}
    steps = []
    if "imputer" in state:
        steps.append({"name": "imputer", **_legacy_step(state["imputer"], where, arrays, 0)})
    if "scaler" in state:
        sc = state["scaler"]
        if not isinstance(sc, dict):
            raise ModelFileError(f"{where}: 'scaler' must be a table")
        steps.append({"name": "scaler", **_legacy_step(sc.get("state"), where, arrays, 1)})
    cfg = {"steps": steps, "features": state.get("features"), "classes": state.get("classes")}
    return preprocessing_from_config(cfg, arrays, where)


# ---- the pairing with the model ------------------------------------------------------------------
def preprocessing_width(pre: Any) -> tuple[int, str] | None:
    """``(features per sample that pre.transform hands the model, what says so)``, or ``None``
    where the steps do not tell. Counted from the fitted state, never by running a transform."""
    from sklearn.base import OneToOneFeatureMixin

    for name, step in reversed(pre.steps):
        n_in = getattr(step, "n_features_in_", None)
        if isinstance(step, OneToOneFeatureMixin) and type(n_in) is int:  # the scalers
            return n_in, f"its step {name!r} ({type(step).__name__})"
        if hasattr(step, "get_feature_names_out") and n_in is not None:
            try:  # the imputer (drops empty features), the one-hot encoder: per-feature state
                n = len(step.get_feature_names_out())
            except Exception:  # noqa: BLE001  (an unusual setting: no claim, no check)
                return None
            return n, f"its step {name!r} ({type(step).__name__})"
    if not pre.steps and pre.features is not None:
        return pre.width(), "its feature list" + (" and categories" if pre.categories else "")
    return None


def model_input_width(model: Any) -> tuple[int, str] | None:
    """``(features per sample the model takes, what says so)``: the recorded per-sample input
    shape when it is 1-D, else the first layer of a ``Sequential`` (or the zoo's ``MLP``) when
    that is a ``Linear`` or ``BatchNorm1d`` (``Flatten``/``Dropout``/``Identity`` before it
    skipped); ``None`` where the architecture does not tell."""
    from ..models.mlp import MLP
    from ..nn import BatchNorm1d, Flatten, Identity, Linear, Sequential
    from ..nn.dropout import _DropoutNd
    from .serialization import input_spec

    spec = input_spec(model)
    if spec and len(spec.get("shape", ())) == 1:
        return int(spec["shape"][0]), "its recorded input shape"
    m, path = model, []
    while isinstance(m, (Sequential, MLP)):
        kids = [
            (n, c)
            for n, c in m.named_children()
            if not isinstance(c, (Flatten, Identity, _DropoutNd))
        ]
        if not kids:
            return None
        path.append(kids[0][0])
        m = kids[0][1]
    where = f"its first layer {'.'.join(path)!r} ({type(m).__name__})"
    if isinstance(m, Linear) and type(m.in_features) is int:
        return m.in_features, where
    if isinstance(m, BatchNorm1d):
        return int(m.num_features), where
    return None


def check_pairing(model: Any, pre: Any, where: str) -> None:
    """Refuse (:class:`ModelFileError`) a preprocessing whose output width is not the model's
    input width: a scaler saved with another model would fail, or mislead, only at predict."""
    out = preprocessing_width(pre)
    takes = model_input_width(model)
    if out is None or takes is None or out[0] == takes[0]:
        return
    raise ModelFileError(
        f"{where}: the saved preprocessing hands the model {out[0]} features per sample "
        f"({out[1]} outputs {out[0]}), but the model takes {takes[0]} ({takes[1]}); the "
        "preprocessing belongs to another model: save the model with the preprocessing it was "
        "trained with"
    )
