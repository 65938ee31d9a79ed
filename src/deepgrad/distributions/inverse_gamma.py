"""PyTorch's ``torch.distributions.InverseGamma``: ``1/X`` for ``X ~ Gamma(concentration,
rate)``, density ``rate^a / Γ(a) x^(-a-1) exp(-rate / x)`` on ``x > 0``."""

from __future__ import annotations

import math
from typing import Any

from .. import functional as F
from ..tensor import Tensor
from . import constraints
from .transforms import PowerTransform, TransformedDistribution
from .univariate import Gamma

__all__ = ["InverseGamma"]


class InverseGamma(TransformedDistribution):
    """InverseGamma(``concentration``, ``rate``), a ``TransformedDistribution`` of
    Gamma(``concentration``, ``rate``) by ``PowerTransform(-1)`` as PyTorch's; ``rsample``
    through Gamma's reparameterized draw. Mean ``rate / (a - 1)`` (inf for ``a ≤ 1``).

    >>> import deepgrad as dg
    >>> from deepgrad.distributions import InverseGamma
    >>> InverseGamma(dg.tensor(3.0), dg.tensor(4.0)).mean.item()
    2.0
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None) -> None:
        base_dist = Gamma(concentration, rate, validate_args=validate_args)
        neg_one = -base_dist.rate.new_ones(())
        super().__init__(base_dist, PowerTransform(neg_one), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> InverseGamma:
        new = self._get_checked_instance(InverseGamma, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def concentration(self) -> Tensor:
        return self.base_dist.concentration

    @property
    def rate(self) -> Tensor:
        return self.base_dist.rate

    @property
    def mean(self) -> Tensor:
        result = self.rate / (self.concentration - 1)
        return F.where(self.concentration > 1, result, math.inf)

    @property
    def mode(self) -> Tensor:
        return self.rate / (self.concentration + 1)

    @property
    def variance(self) -> Tensor:
        a = self.concentration
        result = self.rate.square() / ((a - 1).square() * (a - 2))
        return F.where(a > 2, result, math.inf)

    def entropy(self) -> Tensor:
        a = self.concentration
        return a + self.rate.log() + F.lgamma(a) - (1 + a) * F.digamma(a)
