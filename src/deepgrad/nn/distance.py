"""Distance layers, PyTorch's: ``CosineSimilarity`` and ``PairwiseDistance`` (thin modules
over :func:`deepgrad.functional.cosine_similarity` and
:func:`deepgrad.functional.pairwise_distance`)."""

from __future__ import annotations

from .. import functional as F
from ..tensor import Tensor
from .module import Module


class CosineSimilarity(Module):
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim``:
    ``Σ x1·x2 / (max(‖x1‖, eps) · max(‖x2‖, eps))``.

    Shapes: ``x1``, ``x2`` broadcasting to a common shape → that shape without ``dim``
    (``(N, D)`` → ``(N,)`` by default).

    >>> import deepgrad as dg
    >>> dg.nn.CosineSimilarity()(dg.tensor([[1.0, 0.0]]), dg.tensor([[0.0, 2.0]]))
    tensor([0.])
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """``p``-norm distance between matching rows, ``‖x1 - x2 + eps‖_p`` over the last axis
    (the norm's order is kept as ``norm``, PyTorch's attribute name).

    Shapes: ``(N, D)`` and ``(N, D)`` (or ``(D,)``) → ``(N,)`` (``(N, 1)`` with ``keepdim``).
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
