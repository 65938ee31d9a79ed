"""An ONNX backend (``onnx.backend.base.Backend``) on deepgrad's importer: ``prepare`` builds
an :class:`~deepgrad.io.onnx_import.OnnxModule`, ``run`` gives NumPy arrays. It is what runs
the ONNX project's backend node tests (``onnx.backend.test``) against deepgrad.

>>> import numpy as np
>>> from onnx import helper, TensorProto
>>> node = helper.make_node("Relu", ["x"], ["y"])
>>> g = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
...                       [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
>>> DeepgradBackend.run_model(helper.make_model(g), [np.array([-1.0, 2.0], np.float32)])[0]
array([0., 2.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy
from onnx.backend.base import Backend, BackendRep

from ... import autograd
from .module import OnnxModule, load_onnx


def _host(v: Any) -> Any:
    if isinstance(v, (list, tuple)):  # an ONNX sequence
        return [_host(x) for x in v]
    return numpy.asarray(v.numpy())


class DeepgradRep(BackendRep):
    """A prepared model: ``run(inputs)`` returns the outputs as a tuple of NumPy arrays."""

    def __init__(self, module: OnnxModule) -> None:
        self.module = module

    def run(self, inputs: Any, **kwargs: Any) -> tuple[numpy.ndarray, ...]:
        if isinstance(inputs, numpy.ndarray):
            inputs = [inputs]
        elif isinstance(inputs, dict):
            inputs = [inputs[n] for n in self.module.input_names]
        with autograd.no_grad():
            out = self.module(*inputs)
        if not isinstance(out, tuple):
            out = (out,)
        return tuple(_host(o) for o in out)


class DeepgradBackend(Backend):
    """deepgrad as an ONNX backend (CPU; CuPy devices follow deepgrad's backend)."""

    @classmethod
    def prepare(cls, model: Any, device: str = "CPU", **kwargs: Any) -> DeepgradRep:
        super().prepare(model, device, **kwargs)
        return DeepgradRep(load_onnx(model))

    @classmethod
    def run_model(cls, model: Any, inputs: Any, device: str = "CPU", **kwargs: Any) -> Any:
        return cls.prepare(model, device, **kwargs).run(inputs)

    @classmethod
    def supports_device(cls, device: str) -> bool:
        return device == "CPU"
