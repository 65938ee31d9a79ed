"""PyTorch's ``torch.distributions.LogisticNormal``: a Normal(``loc``, ``scale``) vector of
``K - 1`` entries pushed onto the ``K``-simplex by ``StickBreakingTransform``."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import constraints
from .normal import Normal
from .transforms import StickBreakingTransform, TransformedDistribution

__all__ = ["LogisticNormal"]


class LogisticNormal(TransformedDistribution):
    """LogisticNormal(``loc``, ``scale``): event shape ``loc.shape[-1:] + 1`` (a 0-d ``loc``
    is one entry, as PyTorch's); ``rsample`` reparameterized.

    >>> import deepgrad as dg
    >>> from deepgrad.distributions import LogisticNormal
    >>> LogisticNormal(dg.zeros(2), dg.ones(2)).rsample((5,)).shape
    (5, 3)
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        base_dist = Normal(loc, scale, validate_args=validate_args)
        if not base_dist.batch_shape:
            base_dist = base_dist.expand([1])
        super().__init__(base_dist, StickBreakingTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> LogisticNormal:
        new = self._get_checked_instance(LogisticNormal, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def loc(self) -> Tensor:
        return self.base_dist.base_dist.loc

    @property
    def scale(self) -> Tensor:
        return self.base_dist.base_dist.scale
