"""ONNX import: ``deepgrad.io.load_onnx(path)`` builds a deepgrad module from an ONNX model.

* :mod:`.module` — :func:`load_onnx` and :class:`OnnxModule` (the graph run node by node);
* :mod:`.registry` — the operator table and what a handler sees;
* :mod:`.ops` — the handlers, one module per operator family (elementwise, linear, conv,
  pooling, normalization, shape, reduce, recurrent);
* :mod:`.backend` — :class:`DeepgradBackend`, an ``onnx.backend.base.Backend`` that runs the
  ONNX project's backend node tests through the importer.

>>> "Conv" in supported_operators() and "LSTM" in supported_operators()
True
"""

from __future__ import annotations

from .module import OnnxModule, check_supported, load_onnx
from .registry import HANDLERS, OnnxImportError


def supported_operators() -> list[str]:
    """The ONNX operators (default domain) that :func:`load_onnx` can import, sorted."""
    return sorted(HANDLERS)


__all__ = ["OnnxImportError", "OnnxModule", "check_supported", "load_onnx", "supported_operators"]
