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
from typing import Any

import numpy

from .safe_read import ModelFileError


def _table() -> dict[str, tuple[type, tuple[str, ...], tuple[str, ...]]]:
    """class name -> (class, constructor parameters, fitted attributes) that a file may set."""
    from ..data import preprocessing as P

    out = {}
    for cls in (
        P.StandardScaler,
        P.MinMaxScaler,
        P.Normalizer,
        P.OneHotEncoder,
        P.LabelEncoder,
        P.SimpleImputer,
    ):
        out[cls.__name__] = (cls, tuple(cls._params), tuple(cls._fitted))
    return out


#: the transformer classes a model file may name (built when first needed)
TRANSFORMERS: dict[str, tuple[type, tuple[str, ...], tuple[str, ...]]] = {}

#: fitted attributes holding one value per input feature (their length is checked)
PER_FEATURE = {"mean_", "var_", "scale_", "data_min_", "data_max_", "data_range_", "min_",
               "statistics_"}  # fmt: skip


def _transformers() -> dict[str, tuple[type, tuple[str, ...], tuple[str, ...]]]:
    if not TRANSFORMERS:
        TRANSFORMERS.update(_table())
    return TRANSFORMERS


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
        if v.ndim == 1 and all(isinstance(x, str) for x in v.tolist()):
            return {"__strings__": [str(x) for x in v.tolist()]}
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
    """``{"class", "params", "fitted"}`` of an allow-listed transformer (arrays into
    ``arrays``); ``TypeError`` for a class the allow-list does not hold."""
    name = type(t).__name__
    entry = _transformers().get(name)
    if entry is None or type(t) is not entry[0]:
        raise TypeError(
            f"a {type(t).__qualname__} cannot be saved in a model file; the preprocessing steps "
            f"a file may hold are {sorted(_transformers())}"
        )
    _, params, fitted = entry
    return {
        "class": name,
        "params": {p: _encode(getattr(t, p), arrays, f"{prefix}.{p}") for p in params},
        "fitted": {
            a: _encode(getattr(t, a), arrays, f"{prefix}.{a}")
            for a in fitted
            if getattr(t, a, None) is not None
        },
    }


def transformer_from_config(cfg: Any, arrays: dict[str, numpy.ndarray], where: str) -> Any:
    """Rebuild a transformer written by :func:`transformer_to_config`, checking everything."""
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
    cls, params, fitted = table[name]
    for part, allowed in (("params", params), ("fitted", fitted)):
        if not isinstance(cfg[part], dict) or set(cfg[part]) - set(allowed):
            extra = sorted(set(cfg[part]) - set(allowed)) if isinstance(cfg[part], dict) else []
            raise ModelFileError(
                f"{where}: {name} {part} must be a table of {list(allowed)}; unexpected {extra}"
            )
    kwargs = {k: _decode(v, arrays, f"{where}: {name}.{k}") for k, v in cfg["params"].items()}
    if "feature_range" in kwargs and isinstance(kwargs["feature_range"], list):
        kwargs["feature_range"] = tuple(kwargs["feature_range"])
    try:
        t = cls(**kwargs)
    except Exception as e:
        raise ModelFileError(f"{where}: cannot build {name}: {type(e).__name__}: {e}") from e
    values = {k: _decode(v, arrays, f"{where}: {name}.{k}") for k, v in cfg["fitted"].items()}
    n = values.get("n_features_in_")
    if n is not None and (type(n) is not int or n < 0):
        raise ModelFileError(f"{where}: {name}.n_features_in_ must be a count, got {n!r:.40}")
    for k, v in values.items():
        if k in PER_FEATURE:
            if not (isinstance(v, numpy.ndarray) and v.dtype.kind in "biuf" and v.ndim == 1):
                raise ModelFileError(f"{where}: {name}.{k} must be a 1-D numeric array")
            if n is not None and len(v) != n:
                raise ModelFileError(f"{where}: {name}.{k} has {len(v)} values for {n} features")
            v = v.astype(numpy.float64)
        elif k == "categories_":
            if not (isinstance(v, list) and all(isinstance(c, numpy.ndarray) for c in v)):
                raise ModelFileError(f"{where}: {name}.categories_ must be a list of arrays")
        elif k == "classes_" and not isinstance(v, numpy.ndarray):
            raise ModelFileError(f"{where}: {name}.classes_ must be an array")
        setattr(t, k, v)
    return t


# ---- the record ----------------------------------------------------------------------------------
def preprocessing_to_config(pre: Any, arrays: dict[str, numpy.ndarray], prefix: str) -> dict:
    """The JSON form of a :class:`~deepgrad.data.Preprocessing` (arrays into ``arrays``)."""
    steps = []
    for i, (name, t) in enumerate(pre.steps):
        entry = transformer_to_config(t, arrays, f"{prefix}.{i}")
        steps.append({"name": str(name), **entry})
    return {
        "steps": steps,
        "features": None if pre.features is None else [str(f) for f in pre.features],
        "classes": None if pre.classes is None else [str(c) for c in pre.classes],
        "task": pre.task,
        "data": pre.data,
    }


def _strings(v: Any, what: str, where: str) -> list[str] | None:
    if v is None:
        return None
    if not (isinstance(v, list) and all(isinstance(s, str) for s in v)):
        raise ModelFileError(f"{where}: preprocessing {what} must be a list of strings")
    return list(v)


def preprocessing_from_config(cfg: Any, arrays: dict[str, numpy.ndarray], where: str) -> Any:
    """Rebuild the :class:`~deepgrad.data.Preprocessing` of a model file, checking every field
    (:class:`ModelFileError` otherwise)."""
    from ..data import Preprocessing

    keys = {"steps", "features", "classes", "task", "data"}
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
    if task not in (None, "classification", "regression"):
        raise ModelFileError(f"{where}: preprocessing task {task!r:.40} is not a task")
    data = cfg.get("data")
    if data is not None and not isinstance(data, dict):
        raise ModelFileError(f"{where}: preprocessing data must be a table")
    return Preprocessing(
        steps=steps,
        features=_strings(cfg.get("features"), "features", where),
        classes=_strings(cfg.get("classes"), "classes", where),
        task=task,
        data=data,
    )
