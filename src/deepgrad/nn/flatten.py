"""``Flatten``: merge dims (by default all but the batch dim); ``Unflatten``: split one."""

from __future__ import annotations

from collections.abc import Sequence

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

    def forward(self, input: Tensor) -> Tensor:
        return F.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Splits axis ``dim`` into ``unflattened_size`` (PyTorch's ``nn.Unflatten``; one entry
    may be -1): ``(N, 12)`` with ``Unflatten(1, (3, 4))`` → ``(N, 3, 4)``."""

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        if isinstance(dim, str) or not isinstance(unflattened_size, (list, tuple)):
            raise TypeError(
                f"Unflatten: expected an int dim and a tuple or list of sizes, got dim={dim!r}, "
                f"unflattened_size={unflattened_size!r} (named dims are not supported)"
            )
        self.dim, self.unflattened_size = dim, unflattened_size

    def forward(self, input: Tensor) -> Tensor:
        return F.unflatten(input, self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
