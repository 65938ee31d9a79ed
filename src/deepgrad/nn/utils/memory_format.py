"""PyTorch's ``nn.utils.convert_conv2d_weight_memory_format`` and its 3-d twin: the weights
of the convolutions in a module laid out in a memory format (``dg.channels_last``), their
values unchanged."""

from __future__ import annotations

from typing import Any

from ..conv import Conv2d, Conv3d, ConvTranspose2d, ConvTranspose3d
from ..module import Module


def _convert(module: Module, memory_format: Any, kinds: tuple[type, ...]) -> Module:
    if isinstance(module, kinds):
        module.weight._data = module.weight.detach().clone(memory_format=memory_format)._data
    for child in module.children():
        _convert(child, memory_format, kinds)
    return module


def convert_conv2d_weight_memory_format(module: Module, memory_format: Any) -> Module:
    """Every ``Conv2d``/``ConvTranspose2d`` weight in ``module`` (itself included) laid out in
    ``memory_format``, in place; returns ``module``. A layout only: the values, and so every
    result, stay the same."""
    return _convert(module, memory_format, (Conv2d, ConvTranspose2d))


def convert_conv3d_weight_memory_format(module: Module, memory_format: Any) -> Module:
    """Every ``Conv3d``/``ConvTranspose3d`` weight in ``module`` laid out in ``memory_format``
    (``dg.channels_last_3d``), in place; returns ``module``."""
    return _convert(module, memory_format, (Conv3d, ConvTranspose3d))
