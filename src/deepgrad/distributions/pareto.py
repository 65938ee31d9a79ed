"""PyTorch's ``torch.distributions.Pareto``: ``scale · exp(E)`` for ``E ~ Exponential(alpha)``,
density ``alpha scale^alpha / x^(alpha + 1)`` on ``x ≥ scale``."""

from __future__ import annotations

from typing import Any

from .. import functional as F
from ..tensor import Tensor
from . import constraints
from .transforms import AffineTransform, ExpTransform, TransformedDistribution
from .univariate import Exponential
from .utils import broadcast_all

__all__ = ["Pareto"]


def _clamp_min(x: Tensor, low: float) -> Tensor:
    """``x.clamp(min=low)`` whose gradient is 0 (not NaN) where it clamps and the formula
    above it is infinite, as PyTorch's clamp backward (a select, not a product)."""
    return F.where(x < low, low, x)


class Pareto(TransformedDistribution):
    """Pareto(``scale``, ``alpha``), a ``TransformedDistribution`` of Exponential(``alpha``)
    by ``ExpTransform`` then ``AffineTransform(0, scale)`` as PyTorch's. The mean is infinite
    for ``alpha ≤ 1`` and the variance for ``alpha ≤ 2`` (PyTorch's clamped formulas).

    >>> import deepgrad as dg
    >>> from deepgrad.distributions import Pareto
    >>> round(Pareto(dg.tensor(1.0), dg.tensor(3.0)).mean.item(), 4)
    1.5
    """

    arg_constraints = {"alpha": constraints.positive, "scale": constraints.positive}

    def __init__(self, scale: Any, alpha: Any, validate_args: bool | None = None) -> None:
        self.scale, self.alpha = broadcast_all(scale, alpha)
        base_dist = Exponential(self.alpha, validate_args=validate_args)
        transforms = [ExpTransform(), AffineTransform(loc=0, scale=self.scale)]
        super().__init__(base_dist, transforms, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Pareto:
        new = self._get_checked_instance(Pareto, _instance)
        new.scale = self.scale.expand(batch_shape)
        new.alpha = self.alpha.expand(batch_shape)
        return super().expand(batch_shape, _instance=new)

    @property
    def mean(self) -> Tensor:
        a = _clamp_min(self.alpha, 1.0)
        return a * self.scale / (a - 1)

    @property
    def mode(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        a = _clamp_min(self.alpha, 2.0)
        return self.scale.pow(2) * a / ((a - 1).pow(2) * (a - 2))

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.greater_than_eq(self.scale)

    def entropy(self) -> Tensor:
        return (self.scale / self.alpha).log() + (1 + self.alpha.reciprocal())
