"""Saving and loading models: one zip file, JSON + safetensors, never pickle.

A model file (``model.save("net.dg")``) is a zip archive holding

``config.json``
    the format tag and version, the architecture (registered class names and constructor
    arguments, nested for containers), the input shape that built lazy layers, and the compile
    information (optimizer class and hyperparameters, loss, metrics);
``weights.safetensors``
    parameters and persistent buffers by their ``state_dict`` names;
``state.safetensors``
    the arrays of any other state (the optimizer's moments; for a training backup, callbacks'
    best weights), referenced from ``config.json`` as ``{"__array__": key}``.

Loading never executes anything from the file: there is no pickle, and the architecture may
only name classes of :mod:`deepgrad.io.registry`. Entries are checked before they are inflated
(declared size, compression ratio), and a truncated or corrupted file raises
:class:`ModelFileError` saying so. Files are written to a temporary file in the target's folder
and moved into place with ``os.replace``, so a crash never leaves half a file.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy

from .. import backend
from ..data.atomic import (  # noqa: F401  (their old home; every floor may use data/)
    STALE_TMP_SECONDS,
    atomic_write,
    clean_stale_tmp,
)
from . import budget, registry
from .safe_read import (
    MAX_COMPRESSION_RATIO,  # noqa: F401  (its old home; the limit lives in safe_read)
    ModelFileError,
    load_safetensors,
    looks_like_pickle,
    read_json,
    read_zip_entry,
    safetensors_metadata,
    zip_entries,
)

FORMAT = "deepgrad"
FORMAT_VERSION = 1
CONFIG = "config.json"
WEIGHTS = "weights.safetensors"
STATE = "state.safetensors"
_ENTRIES = (CONFIG, WEIGHTS, STATE)

#: largest JSON entry accepted (bytes, inflated)
MAX_CONFIG_BYTES = 16 * 2**20
#: largest array entry accepted (bytes, inflated); raise it for models larger than this
MAX_ENTRY_BYTES = 16 * 2**30
#: most layers one config may declare
MAX_MODULES = 50_000
#: most elements of the per-sample ``input`` shape that builds lazy layers
MAX_INPUT_ELEMENTS = 2**24
#: building lazy layers runs the model once on one sample of the recorded input shape; its
#: activations may hold this many times the sample's elements beyond the weights (live at once)
LAZY_ACTIVATION_FACTOR = 256


# ---- JSON-able values ------------------------------------------------------------------------------
def _encode_value(v: Any, where: str) -> Any:
    """A constructor argument as JSON: tuples, modules, dtypes and small arrays tagged."""
    from ..nn import Module

    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, numpy.generic):
        return v.item()
    if isinstance(v, Module):
        return module_to_config(v)
    if isinstance(v, tuple):
        return {"__tuple__": [_encode_value(x, where) for x in v]}
    if isinstance(v, list):
        return [_encode_value(x, where) for x in v]
    if isinstance(v, OrderedDict):
        return {"__odict__": [[str(k), _encode_value(x, where)] for k, x in v.items()]}
    if isinstance(v, dict):
        if not all(isinstance(k, str) for k in v):
            raise TypeError(f"{where}: dict arguments must have string keys to be saved")
        return {"__dict__": {k: _encode_value(x, where) for k, x in v.items()}}
    if isinstance(v, numpy.dtype) or (isinstance(v, type) and issubclass(v, numpy.generic)):
        return {"__dtype__": numpy.dtype(v).name}
    if hasattr(v, "shape") and hasattr(v, "dtype"):
        arr = backend.to_numpy(getattr(v, "data", v))
        if arr.size > 65536:
            raise TypeError(f"{where}: an array argument of {arr.size} elements is too large")
        return {"__ndarray__": arr.tolist(), "dtype": arr.dtype.name}
    raise TypeError(
        f"{where} is a {type(v).__name__}, which a saved architecture cannot hold (only numbers, "
        "strings, bools, None, lists, tuples, dicts, dtypes, small arrays and modules). Give the "
        "layer JSON-able constructor arguments (e.g. an initializer's name instead of a "
        "function), or save only the weights with save_weights"
    )


def _decode_value(v: Any) -> Any:
    if isinstance(v, list):
        return [_decode_value(x) for x in v]
    if not isinstance(v, dict):
        return v
    if "class" in v and set(v) <= {"class", "config"}:
        return module_from_config(v)
    if set(v) == {"__tuple__"}:
        return tuple(_decode_value(x) for x in v["__tuple__"])
    if set(v) == {"__odict__"}:
        return OrderedDict((str(k), _decode_value(x)) for k, x in v["__odict__"])
    if set(v) == {"__dict__"}:
        return {str(k): _decode_value(x) for k, x in v["__dict__"].items()}
    if set(v) == {"__dtype__"}:
        return numpy.dtype(_safe_dtype(v["__dtype__"]))
    if set(v) == {"__ndarray__", "dtype"}:
        return numpy.asarray(v["__ndarray__"], dtype=_safe_dtype(v["dtype"]))
    return {str(k): _decode_value(x) for k, x in v.items()}


#: the dtypes a model file may name (never object dtypes, which could hold Python objects)
SAFE_DTYPES = (
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
)


def _safe_dtype(name: Any) -> numpy.dtype:
    if not isinstance(name, str) or name not in SAFE_DTYPES:
        raise ModelFileError(
            f"refusing dtype {name!r:.60} in a model file; expected one of {list(SAFE_DTYPES)}"
        )
    return numpy.dtype(name)


# ---- architecture ------------------------------------------------------------------------------
def module_to_config(module: Any) -> dict[str, Any]:
    """The architecture of ``module`` as a JSON-able dict ``{"class": name, "config": args}``.

    ``name`` is the class's registry name; ``args`` are the constructor arguments
    (``module.get_config()``), with sub-modules (``Sequential``'s children, a model's
    ``encoder=...`` argument) nested in the same form. :func:`module_from_config` inverts it.

    >>> import deepgrad as dg
    >>> module_to_config(dg.nn.Sequential(dg.nn.Linear(2, 3), dg.nn.ReLU()))
    {'class': 'Sequential', 'config': {'modules': [{'class': 'Linear', 'config': {'in_features': 2, 'out_features': 3}}, {'class': 'ReLU', 'config': {}}]}}
    """
    cls = type(module)
    name = registry.name_of(cls)
    if name is None:
        raise TypeError(
            f"{cls.__qualname__} is not a registered layer class, so its architecture cannot be "
            "saved: decorate it with @dg.register (and import it before loading), or save only "
            "the weights with save_weights"
        )
    args = module.get_config()
    sig = inspect.signature(cls.__init__)
    config: dict[str, Any] = {}
    for key, value in args.items():
        where = f"{name} argument {key!r}"
        param = sig.parameters.get(key)
        if param is not None and param.kind is inspect.Parameter.VAR_POSITIONAL:
            config[key] = [_encode_value(x, where) for x in value]
        elif param is not None and param.kind is inspect.Parameter.VAR_KEYWORD:
            config[key] = {"__dict__": {k: _encode_value(x, where) for k, x in value.items()}}
        else:
            config[key] = _encode_value(value, where)
    return {"class": name, "config": config}


#: constructor arguments model files written by earlier versions name otherwise (read as now)
_RENAMED_ARGUMENTS: dict[str, dict[str, str]] = {
    "Flatten": {"start_axis": "start_dim", "end_axis": "end_dim"},  # PyTorch's names now
}


def module_from_config(config: dict[str, Any]) -> Any:
    """Build a module from :func:`module_to_config`'s form (also written by hand, e.g. in a
    TOML file: ``{"class": "Linear", "config": {"in_features": 4, "out_features": 2}}``;
    ``config`` may be omitted for a layer with no arguments). Only registered classes are
    built; their weights are freshly initialized. Anything malformed raises
    :class:`ModelFileError` naming the layer."""
    if not isinstance(config, dict) or "class" not in config:
        raise ModelFileError(
            f"a layer must be given as {{'class': name, 'config': {{...}}}}, got {config!r:.200}"
        )
    name = config["class"]
    if not isinstance(name, str):
        raise ModelFileError(
            f"a layer's 'class' must be a registered class name (a string), got "
            f"{type(name).__name__} {name!r:.60}"
        )
    unknown = set(config) - {"class", "config"}
    if unknown:
        raise ModelFileError(f"unexpected keys {sorted(unknown)} in the layer {name!r}")
    try:
        cls = registry.get_class(name)
    except KeyError as e:
        raise ModelFileError(e.args[0]) from None
    raw = config.get("config")
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise ModelFileError(
            f"the config of {name!r} must be a dict of constructor arguments, got "
            f"{type(raw).__name__}"
        )
    renamed = _RENAMED_ARGUMENTS.get(name, {})
    raw = {renamed.get(k, k): v for k, v in raw.items()}
    try:
        with budget.building(name):
            args, kwargs = _constructor_arguments(cls, name, raw)
            _tensor_arguments(cls, kwargs)
            return cls(*args, **kwargs)
    except ModelFileError:
        raise
    except (Exception, RecursionError, MemoryError) as e:
        raise ModelFileError(
            f"could not build {name} from its config: {type(e).__name__}: {e}"
        ) from e


def _tensor_arguments(cls: type, kwargs: dict[str, Any]) -> None:
    """The arguments a class takes as tensors only (``cls._tensor_arguments``: a loss's
    ``weight``/``pos_weight``, which PyTorch refuses as arrays) as tensors again: a saved
    tensor argument is decoded as an array."""
    from ..tensor import tensor

    for key in getattr(cls, "_tensor_arguments", ()):
        if isinstance(kwargs.get(key), numpy.ndarray):
            kwargs[key] = tensor(kwargs[key])


def _constructor_arguments(cls: type, name: str, raw: dict[str, Any]) -> tuple[list, dict]:
    """The positional and keyword arguments ``raw`` gives ``cls``'s constructor (decoded)."""
    sig = inspect.signature(cls.__init__)
    params = [p for n, p in sig.parameters.items() if n != "self"]
    names = {p.name for p in params}
    has_var_kw = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params)
    extra = set(raw) - names
    if extra and not has_var_kw:
        raise ModelFileError(
            f"{name} has no constructor argument(s) {sorted(extra)}; it takes "
            f"{[p.name for p in params]}"
        )
    has_var_pos = any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params)
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for p in params:
        if p.name not in raw:
            if has_var_pos and p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD:
                if p.default is inspect.Parameter.empty:
                    raise ModelFileError(f"{name}: missing argument {p.name!r}")
                args.append(p.default)
            continue
        value = raw[p.name]
        if p.kind is inspect.Parameter.VAR_POSITIONAL:
            if not isinstance(value, list):
                raise ModelFileError(f"{name}: {p.name!r} must be a list")
            args.extend(_decode_value(x) for x in value)
        elif p.kind is inspect.Parameter.VAR_KEYWORD:
            decoded = _decode_value(value)
            if not isinstance(decoded, dict):
                raise ModelFileError(f"{name}: {p.name!r} must be a dict")
            kwargs.update(decoded)
        elif p.kind is inspect.Parameter.POSITIONAL_ONLY or (
            has_var_pos and p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        ):
            args.append(_decode_value(value))
        else:
            kwargs[p.name] = _decode_value(value)
    for key in sorted(extra):
        kwargs[key] = _decode_value(raw[key])
    return args, kwargs


# ---- state (nested dicts/lists of arrays and numbers) ------------------------------------------
def pack_state(obj: Any, arrays: dict[str, numpy.ndarray], prefix: str) -> Any:
    """Split ``obj`` (dicts, lists, tuples, numbers, strings, arrays) into JSON and arrays:
    each array goes into ``arrays`` under a key derived from ``prefix`` and is replaced by
    ``{"__array__": key}``; :func:`unpack_state` inverts it (tuples and non-string dict keys
    survive)."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, numpy.generic) or (hasattr(obj, "shape") and hasattr(obj, "dtype")):
        arr = numpy.array(backend.to_numpy(getattr(obj, "data", obj)), copy=True, order="C")
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"cannot save an array of dtype {arr.dtype} ({prefix})")
        key = prefix
        while key in arrays:
            key += "_"
        arrays[key] = arr
        return {"__array__": key, "scalar": isinstance(obj, numpy.generic)}
    if isinstance(obj, tuple):
        return {"__tuple__": [pack_state(x, arrays, f"{prefix}.{i}") for i, x in enumerate(obj)]}
    if isinstance(obj, list):
        return [pack_state(x, arrays, f"{prefix}.{i}") for i, x in enumerate(obj)]
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj):
            return {"__dict__": {k: pack_state(v, arrays, f"{prefix}.{k}") for k, v in obj.items()}}
        items = []
        for k, v in obj.items():
            if not isinstance(k, (str, int, float, bool)) and k is not None:
                raise TypeError(f"cannot save a dict key of type {type(k).__name__} ({prefix})")
            items.append([k, pack_state(v, arrays, f"{prefix}.{k}")])
        return {"__items__": items}
    raise TypeError(f"cannot save a {type(obj).__name__} in a state ({prefix})")


def unpack_state(obj: Any, arrays: dict[str, numpy.ndarray]) -> Any:
    """Inverse of :func:`pack_state`; a malformed state raises :class:`ModelFileError`."""
    if isinstance(obj, list):
        return [unpack_state(x, arrays) for x in obj]
    if not isinstance(obj, dict):
        return obj
    if "__array__" in obj:
        key = obj["__array__"]
        if not isinstance(key, str) or key not in arrays:
            raise ModelFileError(f"the file references an array {key!r:.80} that it does not hold")
        arr = arrays[key]
        return arr[()] if obj.get("scalar") else arr
    if "__tuple__" in obj and isinstance(obj["__tuple__"], list):
        return tuple(unpack_state(x, arrays) for x in obj["__tuple__"])
    if "__dict__" in obj and isinstance(obj["__dict__"], dict):
        return {k: unpack_state(v, arrays) for k, v in obj["__dict__"].items()}
    if "__items__" in obj and isinstance(obj["__items__"], list):
        out = {}
        for item in obj["__items__"]:
            if not (
                isinstance(item, list)
                and len(item) == 2
                and (item[0] is None or isinstance(item[0], (str, int, float, bool)))
            ):
                raise ModelFileError(
                    f"a saved state's items must be [key, value] pairs, got {item!r:.80}"
                )
            out[item[0]] = unpack_state(item[1], arrays)
        return out
    raise ModelFileError(f"unexpected entry in a saved state: {sorted(obj)[:8]}")


# ---- archives ----------------------------------------------------------------------------------
def _st_bytes(arrays: dict[str, numpy.ndarray], metadata: dict[str, str] | None = None) -> bytes:
    from safetensors.numpy import save

    out = {k: v if v.flags.c_contiguous else numpy.array(v, order="C") for k, v in arrays.items()}
    return save(out, metadata=metadata)


def write_archive(
    path: str | os.PathLike,
    config: dict[str, Any],
    weights: dict[str, numpy.ndarray] | None = None,
    state: dict[str, numpy.ndarray] | None = None,
) -> None:
    """Write a deepgrad zip (``config.json`` + ``weights.safetensors`` [+ ``state.safetensors``])
    atomically."""
    head = {"format": FORMAT, "format_version": FORMAT_VERSION}
    head.update(config)
    text = json.dumps(head, indent=1, allow_nan=True).encode()

    def write(f: Any) -> None:
        with zipfile.ZipFile(f, "w") as zf:
            zf.writestr(CONFIG, text, compress_type=zipfile.ZIP_DEFLATED)
            if weights is not None:
                zf.writestr(WEIGHTS, _st_bytes(weights), compress_type=zipfile.ZIP_STORED)
            if state:
                zf.writestr(STATE, _st_bytes(state), compress_type=zipfile.ZIP_STORED)

    atomic_write(path, write)


#: what starts every HDF5 file: Keras's ``.h5`` / ``.weights.h5`` (and the weights inside a
#: ``.keras`` zip, whose other entries are these)
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_KERAS_ZIP_ENTRIES = ("model.weights.h5", "metadata.json")
_KERAS_HINT = (
    "deepgrad does not read Keras's formats (HDF5 weights). Build the model in deepgrad and "
    "copy the weights over with model.set_weights(keras_model.get_weights()) (Keras's order "
    "and layouts), then "
    "save with model.save('model.dg') / model.save_weights('model.safetensors')"
)


def _refuse_keras(path: Any, head: bytes, entries: Any = ()) -> None:
    """Refuse a file Keras wrote (an HDF5 file, or a ``.keras`` zip), naming it as such: read
    as a deepgrad file it would only look corrupted."""
    if head.startswith(HDF5_SIGNATURE):
        raise ModelFileError(f"{path} is an HDF5 file (Keras's .h5 / .weights.h5); {_KERAS_HINT}")
    if any(e in entries for e in _KERAS_ZIP_ENTRIES):
        raise ModelFileError(f"{path} is a Keras model file (.keras); {_KERAS_HINT}")


def _refuse_pickle(path: Any, data: bytes) -> None:
    if looks_like_pickle(data) and data[:4] != b"PK\x03\x04":  # a zip is judged by its entries
        raise ModelFileError(
            f"{path} looks like a Python pickle (e.g. from torch.save or pickle.dump); deepgrad "
            "never unpickles, as loading a pickle can run arbitrary code. Save the weights as "
            "safetensors and load them with load_weights"
        )


def read_archive(
    path: str | os.PathLike,
) -> tuple[dict[str, Any], dict[str, numpy.ndarray] | None, dict[str, numpy.ndarray]]:
    """Read and check a deepgrad zip: ``(config, weights or None, state arrays)``.

    Every entry is checked before it is inflated and every safetensors header before an array
    is made (:mod:`deepgrad.io.safe_read`): anything that is not an intact deepgrad file raises
    :class:`ModelFileError`, after work bounded by the file's real size.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"no model file at {str(path)!r}")
    with open(p, "rb") as f:
        head = f.read(8)
    _refuse_keras(path, head)
    _refuse_pickle(path, head[:4])
    size = p.stat().st_size
    try:
        with zipfile.ZipFile(p) as zf:
            infos = zip_entries(zf, path)
            _refuse_keras(path, b"", infos)
            if CONFIG not in infos:
                held = sorted(infos)[:8]
                hint = ""
                if any(n.endswith(".pkl") or "data.pkl" in n for n in infos):
                    hint = (
                        " — it holds a pickle (a PyTorch checkpoint?), which deepgrad never "
                        "loads, as unpickling can run arbitrary code"
                    )
                raise ModelFileError(
                    f"{path} is a zip archive but not a deepgrad model file (no {CONFIG}; it "
                    f"holds {held}){hint}"
                )
            zip_entries(zf, path, allowed=_ENTRIES)
            raw = read_zip_entry(zf, infos[CONFIG], MAX_CONFIG_BYTES, path, size)
            config = read_json(raw, f"{path}: {CONFIG}")
            if not isinstance(config, dict) or config.get("format") != FORMAT:
                raise ModelFileError(f"{path}: {CONFIG} is not a deepgrad config")
            version = config.get("format_version")
            if type(version) is not int or version > FORMAT_VERSION:
                raise ModelFileError(
                    f"{path} has format version {version!r:.40}; this deepgrad reads up to "
                    f"{FORMAT_VERSION} — upgrade deepgrad"
                )
            weights = None
            if WEIGHTS in infos:
                data = read_zip_entry(zf, infos[WEIGHTS], MAX_ENTRY_BYTES, path, size)
                weights = load_safetensors(data, f"{path}: {WEIGHTS}")
            state: dict[str, numpy.ndarray] = {}
            if STATE in infos:
                data = read_zip_entry(zf, infos[STATE], MAX_ENTRY_BYTES, path, size)
                state = load_safetensors(data, f"{path}: {STATE}")
    except zipfile.BadZipFile as e:
        raise ModelFileError(
            f"{path} is not a readable deepgrad model file (a zip archive holding {CONFIG} and "
            f"{WEIGHTS}): it is truncated or corrupted ({e})"
        ) from e
    except (EOFError, OSError, RuntimeError) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise ModelFileError(f"{path} is truncated or corrupted ({type(e).__name__}: {e})") from e
    except ModelFileError:
        raise
    except Exception as e:
        import zlib

        if isinstance(e, zlib.error):
            raise ModelFileError(f"{path} is corrupted (zlib: {e})") from e
        if isinstance(e, (ValueError, NotImplementedError, OverflowError)):
            # zipfile's own complaints (an unsupported compression method, a bad header field)
            raise ModelFileError(f"{path} is corrupted ({type(e).__name__}: {e})") from e
        raise
    return config, weights, state


# ---- models ------------------------------------------------------------------------------------
def _float_dtype(model: Any) -> numpy.dtype | None:
    for p in model.parameters():
        if p.dtype.kind == "f":
            return numpy.dtype(p.dtype)
    return None


def input_spec(model: Any) -> dict[str, Any] | None:
    """The per-sample input shape and dtype recorded at the model's first ``fit``/``predict``/
    ``summary`` (how lazy layers get built when loading)."""
    return model.__dict__.get("_dg_input_spec")


def check_input_spec(spec: Any, where: str) -> dict[str, Any] | None:
    """A recorded ``input`` spec ``{"shape": [per-sample dims], "dtype": name}`` checked: at
    most 8 positive dims of at most :data:`MAX_INPUT_ELEMENTS` elements in all, a safe dtype."""
    if spec is None:
        return None
    if not isinstance(spec, dict) or set(spec) != {"shape", "dtype"}:
        raise ModelFileError(
            f"{where}: 'input' must be {{'shape': [...], 'dtype': name}}, got {spec!r:.100}"
        )
    shape = spec["shape"]
    if (
        not isinstance(shape, list)
        or len(shape) > 8
        or not all(type(s) is int and s >= 1 for s in shape)
    ):
        raise ModelFileError(
            f"{where}: the input shape must be a list of at most 8 positive integers, got "
            f"{shape!r:.100}"
        )
    n = 1
    for s_ in shape:
        n *= s_
    if n > MAX_INPUT_ELEMENTS:
        raise ModelFileError(
            f"{where}: the input shape {tuple(shape)} has {n:,} elements per sample, over the "
            f"limit of {MAX_INPUT_ELEMENTS:,}"
        )
    _safe_dtype(spec["dtype"])
    return spec


def build_lazy(model: Any, spec: dict[str, Any] | None) -> None:
    """Run one forward pass on a zero batch of ``spec``'s shape under ``no_grad`` in eval mode
    (no running statistics change), which gives lazy layers (``Linear(None, n)``) their
    parameters."""
    if not spec:
        return
    from ..autograd import no_grad
    from ..tensor import Tensor

    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with no_grad():
            x = backend.xp.zeros((1, *spec["shape"]), dtype=_safe_dtype(spec["dtype"]))
            model(Tensor._from_op(x, None, 0))
    finally:
        for m, mode in modes:
            m.__dict__["training"] = mode
    model.__dict__["_dg_input_spec"] = spec


def model_config(model: Any, input_shape: Any = None) -> dict[str, Any]:
    """Everything ``config.json`` says about ``model`` except compile information."""
    spec = input_spec(model)
    if input_shape is not None:
        spec = {
            "shape": [int(s) for s in input_shape],
            "dtype": (spec or {}).get("dtype", "float32"),
        }
    dt = _float_dtype(model)
    return {
        "kind": "model",
        "deepgrad_version": _version(),
        "model": module_to_config(model),
        "input": spec,
        "dtype": dt.name if dt is not None else None,
    }


def _version() -> str:
    from .. import __version__

    return __version__


def built_state(model: Any) -> dict[str, Any]:
    """``model.state_dict()`` without a lazy layer's placeholders (layers not built yet have
    no weights to save or compare; PyTorch's state dict lists them)."""
    from ..nn.parameter import is_lazy

    return {k: v for k, v in model.state_dict().items() if not is_lazy(v)}


def _apply_weights(model: Any, weights: dict[str, numpy.ndarray], where: str) -> None:
    own = built_state(model)
    missing = [k for k in own if k not in weights]
    unexpected = [k for k in weights if k not in own]
    if missing or unexpected:
        hint = ""
        if unexpected and not missing:
            hint = (
                " — the model has layers without parameters yet (lazy layers such as "
                "Linear(None, n)); run it once on a batch (or pass input_shape) before loading"
            )
        raise ModelFileError(
            f"{where}: the weights do not match the model: missing {missing[:10]}, unexpected "
            f"{unexpected[:10]}{hint}"
        )
    check_weights(own, weights, where)
    model.load_state_dict(weights)


def check_weights(own: dict[str, Any], weights: dict[str, numpy.ndarray], where: str) -> None:
    """Refuse (:class:`ModelFileError`) a weight whose shape differs from the model's, or a
    non-float array for a float parameter."""
    for k, t in own.items():
        if k not in weights:
            continue
        w = weights[k]
        if tuple(w.shape) != tuple(t.shape):
            raise ModelFileError(
                f"{where}: {k!r} has shape {tuple(w.shape)} in the weights but the architecture "
                f"declares {tuple(t.shape)}"
            )
        if numpy.dtype(t.dtype).kind == "f" and w.dtype.kind != "f":
            raise ModelFileError(
                f"{where}: {k!r} is {w.dtype} in the weights but a floating parameter in the model"
            )


def _count_layers(arch: Any) -> int:
    n = 0
    level = [arch]
    while level:
        nxt: list[Any] = []
        for v in level:
            if type(v) is dict:
                n += "class" in v
                nxt.extend(v.values())
            elif type(v) is list:
                nxt.extend(v)
        level = nxt
    return n


def build_model(
    config: dict[str, Any], weights: dict[str, numpy.ndarray] | None, where: str
) -> Any:
    """Rebuild a model from a read ``config.json`` and its weights.

    Work is bounded by the file: at most :data:`MAX_MODULES` layers; building them may hold no
    more than the weights' elements plus a small slack alive at once
    (:func:`deepgrad.io.budget.allocation_budget`); every parameter's shape is compared with the
    weights' before anything runs. Only a model with lazy layers (weights the freshly built
    layers do not have yet) is run once on one sample of its recorded ``input`` shape, with
    :data:`LAZY_ACTIVATION_FACTOR` × that sample's elements more allowed for the activations.
    Anything else: :class:`ModelFileError`.
    """
    from ..nn import Module

    if weights is None:
        raise ModelFileError(f"{where} holds no {WEIGHTS}: it is not a complete model file")
    arch = config.get("model")
    if not isinstance(arch, dict):
        raise ModelFileError(f"{where}: the file holds no architecture ('model' is {arch!r:.60})")
    if _count_layers(arch) > MAX_MODULES:
        raise ModelFileError(f"{where}: the architecture declares over {MAX_MODULES} layers")
    dt = config.get("dtype")
    if dt is not None:
        _safe_dtype(dt)
    spec = check_input_spec(config.get("input"), where)
    held = sum(int(w.size) for w in weights.values())
    calls = 4 * len(weights) + budget.SLACK_CALLS
    with budget.allocation_budget(held + budget.SLACK_ELEMENTS, where, calls) as allowance:
        model = module_from_config(arch)
        if not isinstance(model, Module):
            raise ModelFileError(f"{where}: the architecture is not a Module")
        if dt is not None and _float_dtype(model) not in (None, numpy.dtype(_safe_dtype(dt))):
            model.to(_safe_dtype(dt))
        own = built_state(model)
        check_weights(own, weights, where)  # before lazy layers run
        if spec and dt is not None and numpy.dtype(_safe_dtype(spec["dtype"])).kind == "f":
            spec = {**spec, "dtype": _safe_dtype(dt).name}
        if spec and all(k in weights for k in own) and any(k not in own for k in weights):
            # lazy layers (Linear(None, n)) get their parameters from one forward pass on the
            # recorded input shape; its activations may exceed the weights, within a bound
            allowance.extend(LAZY_ACTIVATION_FACTOR * math.prod(spec["shape"]))
            try:
                build_lazy(model, spec)
            except ModelFileError:
                raise
            except (Exception, RecursionError, MemoryError) as e:
                cause = e.__cause__ or e.__context__
                if isinstance(cause, ModelFileError):  # a layer re-raised the refusal
                    raise cause from None
                raise ModelFileError(
                    f"{where}: the model does not run on its recorded input shape "
                    f"{tuple(spec['shape'])} ({type(e).__name__}: {e})"
                ) from e
            if dt is not None and _float_dtype(model) != numpy.dtype(_safe_dtype(dt)):
                model.to(_safe_dtype(dt))  # lazily built parameters came in the default dtype
        elif spec:
            model.__dict__["_dg_input_spec"] = spec
    _apply_weights(model, weights, where)
    return model


def save_weights(model: Any, path: str | os.PathLike) -> None:
    """Write the model's ``state_dict`` to a plain ``.safetensors`` file (atomically), with the
    recorded input shape in its metadata so lazy layers can be built when loading."""
    spec = input_spec(model)
    meta = {"format": FORMAT}
    if spec:
        meta["input"] = json.dumps(spec)
    from ..nn.module import state_arrays

    data = _st_bytes(state_arrays(model), metadata=meta)
    atomic_write(path, lambda f: f.write(data))


def load_weights(model: Any, path: str | os.PathLike, strict: bool = True) -> Any:
    """Load weights written by :func:`save_weights` (any safetensors file with matching names,
    or a full model file from ``save``) into ``model``; returns ``model``. The file is checked
    (:mod:`deepgrad.io.safe_read`) before any array is made."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"no weights file at {str(path)!r}")
    if zipfile.is_zipfile(p):
        config, weights, _ = read_archive(p)
        if weights is None:
            raise ModelFileError(f"{path} holds no weights")
        spec = config.get("input")
    else:
        if p.stat().st_size > MAX_ENTRY_BYTES:
            raise ModelFileError(f"{path} is larger than the limit of {MAX_ENTRY_BYTES} bytes")
        data = p.read_bytes()
        _refuse_keras(path, data[:8])
        _refuse_pickle(path, data)
        weights = load_safetensors(data, str(path))
        spec = None
        meta = safetensors_metadata(data, str(path))
        if "input" in meta:
            try:
                spec = read_json(meta["input"].encode(), f"{path}: input metadata")
            except ModelFileError:
                spec = None  # metadata is optional
    try:
        spec = check_input_spec(spec, str(path))
    except ModelFileError:
        spec = None
    if spec and input_spec(model) is None:
        own = built_state(model)
        if all(k in weights for k in own) and any(k not in own for k in weights):
            try:  # lazy layers without parameters yet: build them from the recorded shape
                build_lazy(model, spec)
            except (ValueError, TypeError, RuntimeError):
                pass  # not this model's input: the mismatch is reported below
    if strict:
        _apply_weights(model, weights, str(path))
    else:
        check_weights(built_state(model), weights, str(path))
        model.load_state_dict(weights, strict=False)
    return model
