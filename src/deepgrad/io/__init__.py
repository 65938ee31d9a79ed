"""Saving and loading: the layer registry, safetensors + JSON model files (never pickle).

The user-facing functions are ``model.save(path)``, ``deepgrad.load_model(path)``,
``model.save_weights`` / ``load_weights`` (in :mod:`deepgrad.train`, which adds the compile
information); this package holds the file format and the registry they use.
"""

from .onnx import export_onnx
from .registry import get_class, name_of, register, registered, unregister
from .serialization import (
    ModelFileError,
    atomic_write,
    load_weights,
    module_from_config,
    module_to_config,
    pack_state,
    read_archive,
    save_weights,
    unpack_state,
    write_archive,
)

__all__ = [
    "ModelFileError",
    "atomic_write",
    "export_onnx",
    "get_class",
    "load_weights",
    "module_from_config",
    "module_to_config",
    "name_of",
    "pack_state",
    "read_archive",
    "register",
    "registered",
    "save_weights",
    "unpack_state",
    "unregister",
    "write_archive",
]
