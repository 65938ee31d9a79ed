"""PyTorch's ``torch.distributions.Weibull``: ``scale · E^(1/concentration)`` for ``E`` a
standard exponential, density ``(k/λ)(x/λ)^(k-1) exp(-(x/λ)^k)`` on ``x > 0``."""

from __future__ import annotations

from typing import Any

from .. import functional as F
from ..tensor import Tensor, ones_like
from . import constraints
from .transforms import AffineTransform, PowerTransform, TransformedDistribution
from .univariate import Exponential
from .utils import broadcast_all, euler_constant

__all__ = ["Weibull"]


class Weibull(TransformedDistribution):
    """Weibull(``scale`` λ, ``concentration`` k), a ``TransformedDistribution`` of
    Exponential(1) by ``PowerTransform(1/k)`` then ``AffineTransform(0, λ)`` as PyTorch's
    (reparameterized: ``rsample`` carries gradients to both parameters).

    >>> import deepgrad as dg
    >>> from deepgrad.distributions import Weibull
    >>> round(Weibull(dg.tensor(2.0), dg.tensor(1.0)).mean.item(), 4)
    2.0
    """

    arg_constraints = {"scale": constraints.positive, "concentration": constraints.positive}
    support = constraints.positive

    def __init__(self, scale: Any, concentration: Any, validate_args: bool | None = None) -> None:
        self.scale, self.concentration = broadcast_all(scale, concentration)
        self.concentration_reciprocal = self.concentration.reciprocal()
        base_dist = Exponential(ones_like(self.scale), validate_args=validate_args)
        transforms = [
            PowerTransform(exponent=self.concentration_reciprocal),
            AffineTransform(loc=0, scale=self.scale),
        ]
        super().__init__(base_dist, transforms, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Weibull:
        new = self._get_checked_instance(Weibull, _instance)
        new.scale = self.scale.expand(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        new.concentration_reciprocal = new.concentration.reciprocal()
        base_dist = self.base_dist.expand(batch_shape)
        transforms = [
            PowerTransform(exponent=new.concentration_reciprocal),
            AffineTransform(loc=0, scale=new.scale),
        ]
        TransformedDistribution.__init__(new, base_dist, transforms, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        return self.scale * F.exp(F.lgamma(1 + self.concentration_reciprocal))

    @property
    def mode(self) -> Tensor:
        k = self.concentration
        return self.scale * ((k - 1) / k) ** k.reciprocal()

    @property
    def variance(self) -> Tensor:
        r = self.concentration_reciprocal
        return self.scale.pow(2) * (F.exp(F.lgamma(1 + 2 * r)) - F.exp(2 * F.lgamma(1 + r)))

    def entropy(self) -> Tensor:
        r = self.concentration_reciprocal
        return euler_constant * (1 - r) + F.log(self.scale * r) + 1
