"""The operator families of the ONNX importer; importing this package fills
:data:`~deepgrad.io.onnx_import.registry.HANDLERS`."""

from . import conv, elementwise, linear, normalization, pooling, recurrent, reduce, shape
