"""``Flatten``: merge axes (by default all but the batch axis)."""

from __future__ import annotations

from .. import functional as F
from .._names import torch_names
from ..tensor import Tensor
from .module import Module


class Flatten(Module):
    """``(N, *dims)`` → ``(N, Πdims)`` for the default ``start_axis=1, end_axis=-1``
    (``start_dim``/``end_dim``, PyTorch's names, are accepted too)."""

    @torch_names
    def __init__(self, start_axis: int = 1, end_axis: int = -1) -> None:
        super().__init__()
        self.start_axis, self.end_axis = start_axis, end_axis

    def forward(self, x: Tensor) -> Tensor:
        return F.flatten(x, self.start_axis, self.end_axis)

    def extra_repr(self) -> str:
        return f"start_axis={self.start_axis}, end_axis={self.end_axis}"
