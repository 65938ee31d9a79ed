"""``dg.save(obj, f)`` / ``dg.load(f)``: what PyTorch programs save with ``torch.save``, in a
safe format — one safetensors file, never pickle.

``obj`` may nest dicts (any str/int/float/bool/None keys; ``OrderedDict`` kept), lists, tuples,
tensors, NumPy arrays and scalars, Python numbers, strings, bools and ``None``: a model's
``state_dict()``, an optimizer's, a checkpoint dict ``{"epoch": 3, "model": ..., "optimizer":
..., "loss": 0.12}``. :func:`load` returns the same structure (tensors as tensors with their
``requires_grad``, arrays as arrays, numbers as numbers).

The file is a plain safetensors file: every array is stored under its path in ``obj``
(a state dict's own names, e.g. ``fc.weight``; ``model.fc.weight`` inside a checkpoint dict), and
the structure is JSON in the header's ``__metadata__`` under ``deepgrad.structure``. Any
safetensors reader can open it, and :func:`load` also reads safetensors files written elsewhere
(``safetensors.torch.save_file``), returning a dict of tensors.

Loading a file runs no code from it, and refuses a hostile file before allocating, with
:mod:`deepgrad.io.safe_read`'s checks: the header length against the file's size and a limit,
every tensor's dtype (numbers and bools only), shape and byte range against the file, and the
structure's JSON against nesting and duplicate keys.

:func:`load` also reads what ``torch.save`` writes in its default zip format, with PyTorch's
``weights_only=True`` contract (:mod:`deepgrad.io.torch_zip`: tensors, numbers, strings and
containers; any other object the pickle names is refused, and nothing in the file is run). Any
other pickle — a legacy ``torch.save(..., _use_new_zipfile_serialization=False)`` file, a
``pickle.dump`` file — is refused with a message saying so: deepgrad never unpickles arbitrary
objects.

>>> import io, deepgrad as dg
>>> buf = io.BytesIO()
>>> dg.save({"epoch": 3, "w": dg.ones(2), "hist": [0.5, (1, None)]}, buf)
>>> _ = buf.seek(0)
>>> dg.load(buf)
{'epoch': 3, 'w': tensor([1., 1.]), 'hist': [0.5, (1, None)]}
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from typing import Any

import numpy

from .. import backend, devices
from ..nn.buffer import UninitializedBuffer
from ..nn.parameter import Parameter, UninitializedParameter, is_lazy
from ..tensor import Tensor
from .safe_read import (
    SAFETENSORS_DTYPES,
    ModelFileError,
    load_safetensors,
    looks_like_pickle,
    read_json,
    safetensors_header,
    safetensors_metadata,
)
from .serialization import atomic_write
from .torch_zip import read_torch_zip

__all__ = ["load", "save", "MAX_DEPTH"]

#: the tag of deepgrad's structure in the safetensors metadata
STRUCTURE_KEY = "deepgrad.structure"
FORMAT = "deepgrad.checkpoint"
FORMAT_VERSION = 1
#: deepest nesting of the saved structure accepted
MAX_DEPTH = 64

#: the dtypes a checkpoint holds (numbers and bools; never objects): safetensors' own
_DTYPES = frozenset(numpy.dtype(d).newbyteorder("=") for d in SAFETENSORS_DTYPES.values())


# ---- save ------------------------------------------------------------------------------------
def _pack(obj: Any, path: str, arrays: dict[str, numpy.ndarray], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise ValueError(f"dg.save: the object nests deeper than {MAX_DEPTH} levels at {path!r}")
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    kind = None
    if is_lazy(obj):  # a lazy layer's placeholder: saved as one, as torch.save keeps it
        which = "parameter" if isinstance(obj, Parameter) else "buffer"
        return {"__uninitialized__": which, "dtype": obj.dtype.name,
                "requires_grad": bool(obj.requires_grad)}  # fmt: skip
    if isinstance(obj, Tensor):
        kind, arr = "tensor", backend.to_numpy(obj._data)
    elif isinstance(obj, numpy.ndarray):
        kind, arr = "ndarray", obj
    elif isinstance(obj, numpy.generic):
        kind, arr = "scalar", numpy.asarray(obj)
    elif hasattr(obj, "__cuda_array_interface__") and hasattr(obj, "get"):  # a CuPy array
        kind, arr = "ndarray", backend.to_numpy(obj)
    if kind is not None:
        if arr.dtype.kind not in "biuf" or arr.dtype.newbyteorder("=") not in _DTYPES:
            raise TypeError(f"dg.save: cannot save an array of dtype {arr.dtype} ({path!r})")
        key = path or "_"
        while key in arrays:
            key += "_"
        arrays[key] = arr if arr.flags.c_contiguous else arr.copy(order="C")
        node: dict[str, Any] = {"__" + kind + "__": key}
        if kind == "tensor" and obj.requires_grad:
            node["requires_grad"] = True
        return node
    sub = f"{path}." if path else ""
    if isinstance(obj, tuple):
        return {"__tuple__": [_pack(v, f"{sub}{i}", arrays, depth + 1) for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [_pack(v, f"{sub}{i}", arrays, depth + 1) for i, v in enumerate(obj)]
    if isinstance(obj, dict):
        tag = "__odict__" if isinstance(obj, OrderedDict) else "__dict__"
        items = []
        for k, v in obj.items():
            if not (k is None or isinstance(k, (str, int, float, bool))):
                raise TypeError(
                    f"dg.save: a dict key must be a str, number, bool or None; got a "
                    f"{type(k).__name__} at {path or 'the top'!r}"
                )
            items.append([k, _pack(v, f"{sub}{k}", arrays, depth + 1)])
        node = {tag: items}
        meta = getattr(obj, "_metadata", None)
        if tag == "__odict__" and meta is not None:  # a state_dict()'s (kept, as by pickle)
            node["metadata"] = _plain_metadata(meta, path)
        return node
    raise TypeError(
        f"dg.save: cannot save a {type(obj).__name__} at {path or 'the top'!r}. deepgrad saves "
        "tensors, NumPy arrays, numbers, strings, bools, None, and dicts/lists/tuples of them "
        "(state_dict()s, never pickled objects): save a module's state_dict(), not the module"
    )


def _is_plain(v: Any) -> bool:
    return v is None or isinstance(v, (bool, int, float, str))


def _plain_metadata(meta: Any, path: str) -> dict[str, dict[str, Any]]:
    """A state dict's ``_metadata`` (``{prefix: {"version": 1}}``) as JSON: string keys, each
    to a dict of strings to numbers, strings, bools or ``None``."""
    out = {}
    for k, v in dict(meta).items():
        if not (isinstance(k, str) and isinstance(v, dict)):
            raise TypeError(
                f"dg.save: cannot save the _metadata entry {k!r} at {path or 'the top'!r}"
            )
        if not all(isinstance(a, str) and _is_plain(b) for a, b in v.items()):
            raise TypeError(f"dg.save: cannot save the _metadata of {k!r} ({v!r})")
        out[k] = dict(v)
    return out


def _read_metadata(meta: Any, name: str) -> OrderedDict[str, dict[str, Any]]:
    if not isinstance(meta, dict) or not all(
        isinstance(v, dict) and all(_is_plain(b) for b in v.values()) for v in meta.values()
    ):
        raise ModelFileError(f"{name}: a malformed state dict _metadata in the structure")
    return OrderedDict((k, dict(v)) for k, v in meta.items())


def save(obj: Any, f: str | os.PathLike | Any, **kwargs: Any) -> None:
    """Write ``obj`` (tensors, arrays, numbers, strings, ``None``, and dicts/lists/tuples of
    them) to ``f`` (a path, written atomically, or a binary file object) as a safetensors file.

    PyTorch's ``pickle_module``/``pickle_protocol``/``_use_new_zipfile_serialization`` are
    accepted and ignored (deepgrad never pickles).
    """
    unknown = set(kwargs) - {"pickle_module", "pickle_protocol", "_use_new_zipfile_serialization", "_disable_byteorder_record"}  # fmt: skip
    if unknown:
        raise TypeError(f"dg.save() got unexpected keyword arguments {sorted(unknown)}")
    from safetensors.numpy import save as st_save

    arrays: dict[str, numpy.ndarray] = {}
    structure = _pack(obj, "", arrays, 0)
    meta = {
        "format": FORMAT,
        "format_version": str(FORMAT_VERSION),
        STRUCTURE_KEY: json.dumps(structure, allow_nan=True, separators=(",", ":")),
    }
    data = st_save(arrays, metadata=meta)
    if hasattr(f, "write"):
        f.write(data)
    else:
        atomic_write(f, lambda fh: fh.write(data))


# ---- load ------------------------------------------------------------------------------------
def _read_all(f: Any) -> tuple[bytes, str]:
    if hasattr(f, "read"):
        return f.read(), getattr(f, "name", "<file object>")
    name = os.fspath(f)
    if not os.path.isfile(name):
        raise FileNotFoundError(f"dg.load: no file at {name!r}")
    with open(name, "rb") as fh:
        return fh.read(), name


def _refuse_pickle(data: bytes, name: str) -> None:
    if looks_like_pickle(data):
        raise ModelFileError(
            f"{name} is not a safetensors file: it looks like a pickle (a legacy torch.save "
            "file, written with _use_new_zipfile_serialization=False, or a pickle.dump file). "
            "deepgrad never unpickles, as loading a pickle can run arbitrary code; it reads "
            "torch.save's default zip format. In PyTorch, re-save it once with torch.save(obj, "
            "path) (the default format) or safetensors.torch.save_file(torch.load(path), "
            "'weights.safetensors'), then dg.load that file"
        )


def _unpack(node: Any, arrays: dict[str, numpy.ndarray], depth: int, name: str) -> Any:
    if depth > MAX_DEPTH:
        raise ModelFileError(f"{name}: the saved structure nests deeper than {MAX_DEPTH} levels")
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, list):
        return [_unpack(v, arrays, depth + 1, name) for v in node]
    if isinstance(node, dict) and len(node) >= 1:
        tag = next(iter(node))
        value = node[tag]
        if tag in ("__tensor__", "__ndarray__", "__scalar__"):
            if not isinstance(value, str) or value not in arrays:
                raise ModelFileError(f"{name}: the structure names an array {value!r} it lacks")
            arr = arrays[value]
            if tag == "__scalar__":
                return arr[()]
            if tag == "__ndarray__":
                return arr
            return Tensor._wrap(
                backend.xp.asarray(arr), requires_grad=bool(node.get("requires_grad"))
            )
        if tag == "__uninitialized__":
            return _placeholder(node, name)
        if tag == "__tuple__" and isinstance(value, list):
            return tuple(_unpack(v, arrays, depth + 1, name) for v in value)
        if tag in ("__dict__", "__odict__") and isinstance(value, list):
            out: dict[Any, Any] = OrderedDict() if tag == "__odict__" else {}
            for item in value:
                if not (isinstance(item, list) and len(item) == 2):
                    raise ModelFileError(f"{name}: a malformed dict entry in the structure")
                k = item[0]
                if not (k is None or isinstance(k, (str, int, float, bool))):
                    raise ModelFileError(f"{name}: a dict key of type {type(k).__name__}")
                out[k] = _unpack(item[1], arrays, depth + 1, name)
            if tag == "__odict__" and "metadata" in node:
                out._metadata = _read_metadata(node["metadata"], name)  # type: ignore[attr-defined]
            return out
    raise ModelFileError(f"{name}: unexpected entry in the saved structure: {str(node)[:100]}")


def _placeholder(node: dict[str, Any], name: str) -> Any:
    """A saved lazy layer's placeholder (``UninitializedParameter`` or ``UninitializedBuffer``),
    of a floating dtype a checkpoint holds."""
    which, dt = node["__uninitialized__"], node.get("dtype")
    kinds = {"parameter": UninitializedParameter, "buffer": UninitializedBuffer}
    cls = kinds.get(which) if isinstance(which, str) else None
    try:
        dtype = numpy.dtype(dt) if isinstance(dt, str) else None
    except TypeError:
        dtype = None
    if cls is None or dtype is None or dtype.kind != "f" or dtype not in _DTYPES:
        raise ModelFileError(f"{name}: a malformed uninitialized entry: {str(node)[:100]}")
    return cls(requires_grad=bool(node.get("requires_grad")), dtype=dtype)


def load(
    f: str | os.PathLike | Any,
    map_location: Any = None,
    pickle_module: Any = None,
    *,
    weights_only: bool | None = None,
    mmap: bool | None = None,
    **pickle_load_args: Any,
) -> Any:
    """Read what :func:`save` wrote (or any safetensors file: a dict of tensors by name), or
    what ``torch.save`` wrote in its default zip format (read as ``torch.load(f,
    weights_only=True)`` reads it: :mod:`deepgrad.io.torch_zip`).

    ``map_location``: tensors are created on deepgrad's active backend. A device (or its
    name) is checked as PyTorch checks it: ``"cuda"`` while the CUDA backend is off raises
    PyTorch's ``RuntimeError`` (its words: use ``map_location="cpu"``), a name deepgrad does
    not know its ``ValueError``; a dict or a function is accepted (deepgrad's files record no
    device to map from).
    ``weights_only`` is accepted and always holds, ``weights_only=False`` included: loading never
    runs code from the file, and a ``torch.save`` archive is read by the same restricted reader
    (deepgrad never unpickles arbitrary objects; classes and functions the program allowlisted
    with :func:`deepgrad.serialization.add_safe_globals` are allowed, as in PyTorch). ``mmap`` is accepted and ignored. Raises
    :class:`~deepgrad.io.ModelFileError` for a file that is not an intact safetensors file or
    ``torch.save`` archive, for an object the restricted reader refuses, and for any other
    pickle (a legacy non-zip ``torch.save`` file), which deepgrad never loads.
    """
    if pickle_module is not None or pickle_load_args:
        raise TypeError("dg.load: deepgrad never unpickles; pickle_module and its options are "
                        "not accepted")  # fmt: skip
    if isinstance(map_location, (str, devices.device)):
        if devices.device(map_location).type == "cuda" and not backend.gpu:
            raise RuntimeError(
                "Attempting to deserialize object on a CUDA device but "
                "torch.cuda.is_available() is False. If you are running on a CPU-only machine, "
                "please use torch.load with map_location=torch.device('cpu') to map your "
                "storages to the CPU. (dg.load: deepgrad's CUDA backend is off; "
                "dg.set_backend('cupy') turns it on where CuPy is installed)"
            )
    data, name = _read_all(f)
    if data[:4] == b"PK\x03\x04" and looks_like_pickle(
        data
    ):  # a zip: what torch.save writes (no safetensors file starts so)
        return read_torch_zip(data, name, max_depth=MAX_DEPTH)
    _refuse_pickle(data, name)
    header = safetensors_header(data, name)  # checked against the file before any array
    arrays = load_safetensors(data, name, header)
    meta = safetensors_metadata(data, name)
    text = meta.get(STRUCTURE_KEY)
    if text is None:  # a safetensors file from elsewhere: its tensors by name
        return {k: Tensor._wrap(backend.xp.asarray(v)) for k, v in arrays.items()}
    version = meta.get("format_version", "")
    if not (version.isascii() and version.isdigit()) or int(version) > FORMAT_VERSION:
        raise ModelFileError(
            f"{name} has checkpoint format version {version!r}; this deepgrad reads up to "
            f"{FORMAT_VERSION} — upgrade deepgrad"
        )
    # each level of the saved object is at most three levels of JSON ({"__dict__": [[k, v]]})
    structure = read_json(text.encode(), f"{name}: the saved structure", max_depth=3 * MAX_DEPTH + 3)  # fmt: skip
    return _unpack(structure, arrays, 0, name)
