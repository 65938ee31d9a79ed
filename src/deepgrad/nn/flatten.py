"""``Flatten``: merge dims (by default all but the batch dim)."""

from __future__ import annotations

from .. import functional as F
from .._names import torch_names
from ..tensor import Tensor
from .module import Module


class Flatten(Module):
    """``(N, *dims)`` → ``(N, Πdims)`` for the default ``start_dim=1, end_dim=-1``."""

    @torch_names
    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        return F.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
