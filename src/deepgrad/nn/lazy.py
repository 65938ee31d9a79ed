"""PyTorch's ``Lazy*`` layers: the input size (features or channels) is taken from the
first batch.

deepgrad's own layers are lazy when their input size is ``None`` (``nn.Linear(None, 10)``,
``nn.Conv2d(None, 16, 3)``); these classes are the same layers under PyTorch's names and
signatures (the input size left out): ``nn.LazyLinear(10)`` is ``nn.Linear(None, 10)``,
``nn.LazyBatchNorm2d()`` is ``nn.BatchNorm2d(None)``. As PyTorch's, the lazy instance norms
default to ``affine=True`` and ``track_running_stats=True`` (the plain ones to ``False``).

>>> import deepgrad as dg
>>> layer = dg.nn.LazyLinear(3)
>>> layer(dg.ones(2, 5)).shape, layer.weight.shape
((2, 3), (3, 5))
"""

from __future__ import annotations

from typing import Any

from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .linear import Linear
from .normalization import (
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    InstanceNorm1d,
    InstanceNorm2d,
    InstanceNorm3d,
)


class LazyLinear(Linear):
    """``Linear(None, out_features, bias)``: ``in_features`` from the first input."""

    def __init__(self, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:  # fmt: skip
        super().__init__(None, out_features, bias)


def _lazy_conv(base: type) -> type:
    """``Lazy<base>``: ``base(None, out_channels, ...)`` under PyTorch's signature."""

    def __init__(
        self: Any,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        base.__init__(self, None, out_channels, kernel_size, stride, padding, dilation, groups,
                      bias, padding_mode)  # fmt: skip

    return _lazy_class(base, __init__)


def _lazy_class(base: type, init: Any) -> type:
    name = "Lazy" + base.__name__
    doc = f"``{base.__name__}(None, out_channels, ...)``: ``in_channels`` from the first input."
    return type(name, (base,), {"__init__": init, "__doc__": doc, "__module__": __name__,
                                "__qualname__": name})  # fmt: skip


def _lazy_conv_transpose(base: type) -> type:
    """``Lazy<base>`` for a transposed convolution: ``base(None, out_channels, ...)`` under
    PyTorch's signature (``output_padding`` after ``padding``, ``dilation`` after ``bias``)."""

    def __init__(
        self: Any,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Any = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        base.__init__(self, None, out_channels, kernel_size, stride, padding, output_padding,
                      groups, bias, dilation, padding_mode)  # fmt: skip

    return _lazy_class(base, __init__)


LazyConv1d = _lazy_conv(Conv1d)
LazyConv2d = _lazy_conv(Conv2d)
LazyConv3d = _lazy_conv(Conv3d)
LazyConvTranspose1d = _lazy_conv_transpose(ConvTranspose1d)
LazyConvTranspose2d = _lazy_conv_transpose(ConvTranspose2d)
LazyConvTranspose3d = _lazy_conv_transpose(ConvTranspose3d)


def _lazy_norm(base: type) -> type:
    """``Lazy<base>``: ``base(None, ...)`` under PyTorch's signature (``affine`` and
    ``track_running_stats`` default to True, also for the instance norms)."""

    def __init__(
        self: Any,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        base.__init__(self, None, eps, momentum, affine, track_running_stats, bias=bias)

    name = "Lazy" + base.__name__
    doc = f"``{base.__name__}(None, ...)``: ``num_features`` from the first input's channels."
    return type(name, (base,), {"__init__": __init__, "__doc__": doc, "__module__": __name__,
                                "__qualname__": name})  # fmt: skip


LazyBatchNorm1d = _lazy_norm(BatchNorm1d)
LazyBatchNorm2d = _lazy_norm(BatchNorm2d)
LazyBatchNorm3d = _lazy_norm(BatchNorm3d)
LazyInstanceNorm1d = _lazy_norm(InstanceNorm1d)
LazyInstanceNorm2d = _lazy_norm(InstanceNorm2d)
LazyInstanceNorm3d = _lazy_norm(InstanceNorm3d)
