"""PyTorch's ``torch.distributions.Kumaraswamy``: density
``a b x^(a-1) (1 - x^a)^(b-1)`` on the unit interval, ``a = concentration1``,
``b = concentration0``; draws ``(1 - U^(1/b))^(1/a)`` (reparameterized)."""

from __future__ import annotations

import math
from typing import Any

from .. import functional as F
from ..tensor import Tensor, full_like
from . import constraints
from .transforms import AffineTransform, PowerTransform, TransformedDistribution
from .uniform import Uniform
from .utils import broadcast_all, euler_constant

__all__ = ["Kumaraswamy"]


def _moments(a: Tensor, b: Tensor, n: int) -> Tensor:
    """The ``n``-th moment ``b B(1 + n/a, b)``."""
    arg1 = 1 + n / a
    log_value = F.lgamma(arg1) + F.lgamma(b) - F.lgamma(arg1 + b)
    return b * F.exp(log_value)


class Kumaraswamy(TransformedDistribution):
    """Kumaraswamy(``concentration1``, ``concentration0``), a ``TransformedDistribution`` of
    Uniform(0, 1) by ``PowerTransform(1/b)``, ``AffineTransform(1, -1)`` and
    ``PowerTransform(1/a)`` as PyTorch's.

    >>> import deepgrad as dg
    >>> from deepgrad.distributions import Kumaraswamy
    >>> round(Kumaraswamy(dg.tensor(1.0), dg.tensor(1.0)).mean.item(), 4)
    0.5
    """

    arg_constraints = {
        "concentration1": constraints.positive,
        "concentration0": constraints.positive,
    }
    support = constraints.unit_interval
    has_rsample = True

    def __init__(
        self, concentration1: Any, concentration0: Any, validate_args: bool | None = None
    ) -> None:
        self.concentration1, self.concentration0 = broadcast_all(concentration1, concentration0)
        base_dist = Uniform(
            full_like(self.concentration0, 0),
            full_like(self.concentration0, 1),
            validate_args=validate_args,
        )
        transforms = [
            PowerTransform(exponent=self.concentration0.reciprocal()),
            AffineTransform(loc=1.0, scale=-1.0),
            PowerTransform(exponent=self.concentration1.reciprocal()),
        ]
        super().__init__(base_dist, transforms, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Kumaraswamy:
        new = self._get_checked_instance(Kumaraswamy, _instance)
        new.concentration1 = self.concentration1.expand(batch_shape)
        new.concentration0 = self.concentration0.expand(batch_shape)
        return super().expand(batch_shape, _instance=new)

    @property
    def mean(self) -> Tensor:
        return _moments(self.concentration1, self.concentration0, 1)

    @property
    def mode(self) -> Tensor:
        c1, c0 = self.concentration1, self.concentration0
        log_mode = c0.reciprocal() * (-c0).log1p() - (-c0 * c1).log1p()
        return F.where((c0 < 1) | (c1 < 1), math.nan, log_mode).exp()

    @property
    def variance(self) -> Tensor:
        c1, c0 = self.concentration1, self.concentration0
        return _moments(c1, c0, 2) - self.mean.pow(2)

    def entropy(self) -> Tensor:
        t1 = 1 - self.concentration1.reciprocal()
        t0 = 1 - self.concentration0.reciprocal()
        h0 = F.digamma(self.concentration0 + 1) + euler_constant
        return t0 + t1 * h0 - self.concentration1.log() - self.concentration0.log()
