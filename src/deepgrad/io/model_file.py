"""The model file: ``save`` / ``load_model`` (the whole model: architecture, weights, compile
settings and optimizer state, and ``model.preprocessing``), ``save_weights`` / ``load_weights``,
and ``model_from_config``.

The format (a zip of ``config.json`` + ``weights.safetensors``, never pickle) and its checked
readers live in :mod:`.serialization` and :mod:`.safe_read`; this module decides what a model
file holds. ``model.save(path)`` and ``deepgrad.load_model(path)`` are the user's names for
these; ``deepgrad.train`` re-exports them.

>>> import deepgrad as dg, tempfile, os
>>> model = dg.nn.Sequential(dg.nn.Linear(3, 2))
>>> _ = model.compile(optimizer="sgd", loss="mse")
>>> path = os.path.join(tempfile.mkdtemp(), "m.dg")
>>> save(model, path)
>>> type(load_model(path)).__name__
'Sequential'
"""

from __future__ import annotations

import inspect
import os
from typing import Any

import numpy as np

from ..nn.module import state_arrays
from .safe_read import ModelFileError
from .serialization import load_weights as _load_weights
from .serialization import module_from_config, module_to_config, pack_state, unpack_state
from .serialization import save_weights as _save_weights

__all__ = ["load_model", "load_weights", "model_from_config", "save", "save_weights"]


#: Keras's file suffixes, which deepgrad does not write (Keras and h5py could not read its files)
KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")


def refuse_keras_suffix(path: Any, weights_only: bool, where: str) -> None:
    """Raise ``ValueError`` when ``path`` ends in one of Keras's suffixes (``.keras``, ``.h5``,
    ``.weights.h5``, ``.hdf5``), naming deepgrad's format for it: writing deepgrad's own
    format under Keras's name would make a file that Keras and h5py cannot read.

    >>> refuse_keras_suffix("net.dg", False, "model.save")
    >>> refuse_keras_suffix("net.keras", False, "model.save")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: model.save('net.keras'): '.keras' is Keras's format, ... e.g. 'net.dg' ...
    """
    try:
        name = os.fspath(path)
    except TypeError:
        return
    if not isinstance(name, str):
        return
    lower = name.lower()
    suffix = next((s for s in KERAS_SUFFIXES if lower.endswith(s)), None)
    if suffix is None:
        return
    stem = name[: -len(suffix)]
    if weights_only:
        shown = ".weights.h5" if lower.endswith(".weights.h5") else suffix
        fix = (
            f"Save the weights as safetensors, e.g. {stem + '.safetensors'!r}, and read them "
            "with load_weights"
        )
    else:
        shown = suffix
        fix = (
            f"Save a deepgrad model file, e.g. {stem + '.dg'!r} (a zip of config.json + "
            "weights.safetensors), and read it with deepgrad.load_model"
        )
    raise ValueError(
        f"{where}({name!r}): {shown!r} is Keras's format, which deepgrad does not write (Keras "
        f"and h5py could not read the file). {fix}"
    )


def _metric_spec(m: Any) -> dict[str, Any]:
    args = {}
    try:
        sig = inspect.signature(type(m).__init__)
        for name in sig.parameters:
            if name in ("self", "name"):
                continue
            v = getattr(m, name, None)
            if isinstance(v, (bool, int, float, str)) or v is None:
                args[name] = v
    except (TypeError, ValueError):
        pass
    return {"class": type(m).__name__, "name": m.name, "args": args}


def _metric_from_spec(spec: dict[str, Any]) -> Any:
    from .. import metrics as M

    cls = getattr(M, str(spec.get("class")), None)
    if not (isinstance(cls, type) and issubclass(cls, M.Metric)):
        raise ModelFileError(f"unknown metric class {spec.get('class')!r} in the model file")
    args = {
        k: v
        for k, v in (spec.get("args") or {}).items()
        if isinstance(v, (bool, int, float, str)) or v is None
    }
    sig = inspect.signature(cls.__init__)
    args = {k: v for k, v in args.items() if k in sig.parameters}
    if "name" in sig.parameters:
        args["name"] = spec.get("name")
    m = cls(**args)
    m.name = spec.get("name") or m.name
    return m


def _compile_config(
    model: Any, include_optimizer: bool, arrays: dict[str, np.ndarray]
) -> dict[str, Any] | None:
    from ..nn import Module

    c = model.__dict__.get("_dg_compiled")
    if c is None:
        return None
    opt = c.optimizer
    loss_cfg = None
    if isinstance(c.loss, Module):
        try:
            loss_cfg = module_to_config(c.loss)
        except TypeError:
            loss_cfg = None
    out: dict[str, Any] = {
        "optimizer": {
            "name": getattr(opt, "name", None),
            "class": type(opt).__name__,
            "defaults": pack_state(dict(opt.defaults), arrays, "optimizer.defaults"),
        },
        "loss": loss_cfg,
        "metrics": [_metric_spec(m) for m in c.metrics],
    }
    if include_optimizer and opt.is_bound:
        out["optimizer_state"] = pack_state(opt.state_dict(), arrays, "optimizer.state")
    return out


def _check_overwrite(path: str | os.PathLike, overwrite: Any, where: str) -> None:
    """Keras's ``overwrite``: ``True`` (its default) replaces an existing file; ``False``
    refuses one (Keras asks at the terminal instead)."""
    if not isinstance(overwrite, (bool, np.bool_)):
        raise TypeError(f"{where}: overwrite must be True or False, got {overwrite!r}")
    if not overwrite and os.path.exists(path):
        raise FileExistsError(
            f"{where}: {os.fspath(path)!r} exists and overwrite=False (Keras would ask at the "
            "terminal; deepgrad does not ask): pass overwrite=True to replace it"
        )


def save(
    model: Any,
    path: str | os.PathLike,
    overwrite: bool = True,
    *,
    include_optimizer: bool = True,
    input_shape: Any = None,
) -> None:
    """Save ``model`` to one file (a zip of ``config.json`` + ``weights.safetensors`` + the
    optimizer state), atomically; never pickle. :func:`load_model` rebuilds it — with its
    compile settings and optimizer state, so ``fit`` continues exactly, and with
    ``model.preprocessing`` (a :class:`deepgrad.data.Preprocessing`: fitted scalers, feature and
    class names) when the model has one. The model's classes
    must be deepgrad's or registered with ``@dg.register``; lazy layers need the input shape,
    recorded by ``fit``/``predict``/``summary`` or given as ``input_shape``. Keras's suffixes
    (``.keras``, ``.h5``) are refused (``ValueError``): the file is deepgrad's, not Keras's.
    ``overwrite`` (Keras's): ``True`` replaces an existing file, ``False`` refuses one
    (``FileExistsError``; Keras asks at the terminal)."""
    from . import serialization as S

    refuse_keras_suffix(path, False, "model.save")
    _check_overwrite(path, overwrite, "model.save")
    arrays: dict[str, np.ndarray] = {}
    config = S.model_config(model, input_shape)
    config["compile"] = _compile_config(model, include_optimizer, arrays)
    from ..data import Preprocessing

    pre = model.__dict__.get("preprocessing")
    if isinstance(pre, Preprocessing):
        from .transformers import check_pairing, preprocessing_to_config

        check_pairing(model, pre, "model.preprocessing")  # a file that would not load
        config["preprocessing"] = preprocessing_to_config(pre, arrays, "preprocessing")
    S.write_archive(path, config, state_arrays(model), arrays)


def load_model(path: str | os.PathLike, *, compile: bool = True) -> Any:  # noqa: A002
    """Load a model written by :func:`save` (architecture, weights, ``model.preprocessing``
    when the file holds one, and — with ``compile`` — optimizer, loss, metrics and optimizer
    state). Nothing from the file is executed: only
    registered layer classes are built, and the work is bounded by the file's real size; a
    file that is not an intact deepgrad model raises :class:`deepgrad.io.ModelFileError`
    naming the problem.

    ``model.predict(x)`` takes the model's own inputs, as Keras's does: for a model trained by
    a recipe on raw features, ``x = model.preprocessing.transform(raw)`` first (the fitted
    imputer and scaler; ``deepgrad predict`` does it), and
    ``model.preprocessing.class_names(scores.argmax(1))`` gives the original labels."""
    from . import serialization as S

    config, weights, arrays = S.read_archive(path)
    if config.get("kind") != "model":
        raise ModelFileError(
            f"{path} is a deepgrad {config.get('kind')!r:.40} file, not a saved model"
        )
    model = S.build_model(config, weights, str(path))
    if config.get("preprocessing") is not None:
        from .transformers import check_pairing, preprocessing_from_config

        pre = preprocessing_from_config(config["preprocessing"], arrays, str(path))
        if "preprocessing" in model._modules:
            raise ModelFileError(
                f"{path}: the model has a layer named 'preprocessing', where the file's "
                "preprocessing record would go"
            )
        check_pairing(model, pre, str(path))
        model.preprocessing = pre
    cc = config.get("compile")
    if compile and cc:
        try:
            _restore_compile(model, cc, arrays, path)
        except ModelFileError:
            raise
        except (Exception, RecursionError) as e:
            raise ModelFileError(
                f"{path}: the compile information is malformed ({type(e).__name__}: {e})"
            ) from e
    return model


def _restore_compile(model: Any, cc: Any, arrays: dict[str, np.ndarray], path: Any) -> None:
    """Compile ``model`` as the file's ``compile`` section says, with its optimizer state."""
    from ..optim import get as get_optimizer
    from ..train.api import compile as compile_model

    if not isinstance(cc, dict) or not isinstance(cc.get("optimizer"), dict):
        raise ModelFileError(f"{path}: 'compile' must hold an 'optimizer' table")
    o = cc["optimizer"]
    name = o.get("name") or o.get("class")
    if not isinstance(name, str):
        raise ModelFileError(f"{path}: the optimizer's name must be a string, got {name!r:.60}")
    defaults = unpack_state(o.get("defaults", {"__dict__": {}}), arrays)
    if not isinstance(defaults, dict):
        raise ModelFileError(f"{path}: the optimizer's defaults must be a table")
    try:
        opt = get_optimizer(o.get("name") or name.lower(), **defaults)
    except (ValueError, TypeError) as e:
        raise ModelFileError(f"{path}: cannot rebuild the optimizer {name!r}: {e}") from e
    loss = module_from_config(cc["loss"]) if cc.get("loss") else None
    if loss is None:
        import warnings

        warnings.warn(
            f"{path}: the model was compiled with a custom loss function, which a file "
            "cannot hold; the model is loaded uncompiled: call model.compile(...) again",
            stacklevel=3,
        )
        return
    specs = cc.get("metrics", [])
    if not isinstance(specs, list) or not all(isinstance(m, dict) for m in specs):
        raise ModelFileError(f"{path}: 'metrics' must be a list of tables")
    metrics = [_metric_from_spec(m) for m in specs]
    compile_model(model, opt, loss, metrics)
    if "optimizer_state" in cc:
        state = unpack_state(cc["optimizer_state"], arrays)
        opt.bind(list(model.parameters()))
        try:
            opt.load_state_dict(state)
        except (Exception, RecursionError) as e:
            raise ModelFileError(
                f"{path}: the optimizer state is malformed ({type(e).__name__}: {e})"
            ) from e


def save_weights(model: Any, path: str | os.PathLike, overwrite: bool = True) -> None:
    """Write the weights (``state_dict``) to a ``.safetensors`` file, atomically. Keras's
    suffixes (``.weights.h5``, ``.h5``, ``.keras``) are refused: the file is not HDF5.
    ``overwrite`` (Keras's): ``True`` replaces an existing file, ``False`` refuses one."""
    refuse_keras_suffix(path, True, "save_weights")
    _check_overwrite(path, overwrite, "save_weights")
    _save_weights(model, path)


def load_weights(model: Any, path: str | os.PathLike, strict: bool = True) -> Any:
    """Load weights from a ``.safetensors`` file (or a saved model file) into ``model``."""
    return _load_weights(model, path, strict)


def model_from_config(config: Any) -> Any:
    """Build a model (fresh weights) from an architecture config: a dict
    ``{"class": "Sequential", "config": {"modules": [{"class": "Linear", "config": {...}},
    ...]}}`` (as written by ``save``, or by hand in a JSON/TOML file), or a JSON string.
    Only registered classes can be named."""
    import json

    if isinstance(config, str):
        config = json.loads(config)
    if isinstance(config, dict) and "model" in config and "class" not in config:
        config = config["model"]
    return module_from_config(config)
