"""PyTorch's ``Lazy*`` layers: the input size is taken from the first batch.

deepgrad's own layers are lazy when their input size is ``None`` (``nn.Linear(None, 10)``,
``nn.Conv2d(None, 16, 3)``); these classes are the same layers under PyTorch's names and
signatures (the input size left out): ``nn.LazyLinear(10)`` is ``nn.Linear(None, 10)``.

>>> import deepgrad as dg
>>> layer = dg.nn.LazyLinear(3)
>>> layer(dg.ones(2, 5)).shape, layer.weight.shape
((2, 3), (3, 5))
"""

from __future__ import annotations

from typing import Any

from .conv import Conv1d, Conv2d, Conv3d
from .linear import Linear


class LazyLinear(Linear):
    """``Linear(None, out_features, bias)``: ``in_features`` from the first input."""

    def __init__(self, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:  # fmt: skip
        super().__init__(None, out_features, bias)


class LazyConv1d(Conv1d):
    """``Conv1d(None, out_channels, ...)``: ``in_channels`` from the first input."""

    def __init__(
        self,
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
        super().__init__(None, out_channels, kernel_size, stride, padding, dilation, groups,
                         bias, padding_mode)  # fmt: skip


class LazyConv2d(Conv2d):
    """``Conv2d(None, out_channels, ...)``: ``in_channels`` from the first input."""

    def __init__(
        self,
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
        super().__init__(None, out_channels, kernel_size, stride, padding, dilation, groups,
                         bias, padding_mode)  # fmt: skip


class LazyConv3d(Conv3d):
    """``Conv3d(None, out_channels, ...)``: ``in_channels`` from the first input."""

    def __init__(
        self,
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
        super().__init__(None, out_channels, kernel_size, stride, padding, dilation, groups,
                         bias, padding_mode)  # fmt: skip
