"""PyTorch's ``torch.distributions.HalfCauchy``: ``|X|`` for ``X ~ Cauchy(0, scale)``,
density ``2 / (π scale (1 + (x/scale)²))`` on ``x ≥ 0``."""

from __future__ import annotations

import math
from typing import Any

from .. import functional as F
from ..tensor import Tensor, full, tensor, zeros_like
from . import constraints
from .transforms import AbsTransform, TransformedDistribution
from .univariate import Cauchy

__all__ = ["HalfCauchy"]


class HalfCauchy(TransformedDistribution):
    """HalfCauchy(``scale``), a ``TransformedDistribution`` of Cauchy(0, ``scale``) by
    ``AbsTransform`` as PyTorch's: infinite mean and variance, ``rsample`` reparameterized.

    >>> import deepgrad as dg
    >>> from deepgrad.distributions import HalfCauchy
    >>> round(HalfCauchy(dg.tensor(1.0)).cdf(dg.tensor(1.0)).item(), 4)
    0.5
    """

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale: Any, validate_args: bool | None = None) -> None:
        base_dist = Cauchy(0, scale, validate_args=False)
        super().__init__(base_dist, AbsTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> HalfCauchy:
        new = self._get_checked_instance(HalfCauchy, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def scale(self) -> Tensor:
        return self.base_dist.scale

    @property
    def mean(self) -> Tensor:
        return full(tuple(self._extended_shape()), math.inf, dtype=self.scale.dtype)

    @property
    def mode(self) -> Tensor:
        return zeros_like(self.scale)

    @property
    def variance(self) -> Tensor:
        return self.base_dist.variance

    def log_prob(self, value: Any) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        if not isinstance(value, Tensor):
            value = tensor(value, dtype=self.base_dist.scale.dtype)
        log_prob = self.base_dist.log_prob(value) + math.log(2)
        return F.where(value >= 0, log_prob, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob: Tensor) -> Tensor:
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self) -> Tensor:
        return self.base_dist.entropy() - math.log(2)
