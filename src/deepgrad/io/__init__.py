"""Saving and loading: the layer registry, safetensors + JSON model files (never pickle).

The user-facing functions are ``model.save(path)``, ``deepgrad.load_model(path)``,
``model.save_weights`` / ``load_weights`` (:mod:`.model_file`: what a model file holds,
compile settings and preprocessing included); this package also holds the file format and the
registry they use, the checked readers of untrusted files (:mod:`.safe_read`) that every loader
goes through, and ONNX export (:mod:`.onnx`) and import (:func:`load_onnx`, :mod:`.onnx_import`).
"""

from .budget import AllocationRefused, allocation_budget
from .model_file import load_model, model_from_config
from .model_file import save as save_model
from .onnx import export_onnx
from .onnx_import import load_onnx
from .registry import get_class, name_of, register, registered, unregister
from .serialization import (
    ModelFileError,
    atomic_write,
    clean_stale_tmp,
    load_weights,
    module_from_config,
    module_to_config,
    pack_state,
    read_archive,
    save_weights,
    unpack_state,
    write_archive,
)
from .safe_read import (
    TensorInfo,
    load_safetensors,
    read_json,
    read_zip_entry,
    safetensors_header,
    zip_entries,
)

__all__ = [
    "AllocationRefused",
    "ModelFileError",
    "TensorInfo",
    "allocation_budget",
    "atomic_write",
    "clean_stale_tmp",
    "export_onnx",
    "get_class",
    "load_model",
    "load_onnx",
    "load_safetensors",
    "load_weights",
    "module_from_config",
    "model_from_config",
    "module_to_config",
    "name_of",
    "pack_state",
    "read_archive",
    "read_json",
    "read_zip_entry",
    "register",
    "registered",
    "safetensors_header",
    "save_model",
    "save_weights",
    "unpack_state",
    "unregister",
    "write_archive",
    "zip_entries",
]
