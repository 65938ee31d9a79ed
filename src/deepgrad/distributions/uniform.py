"""PyTorch's ``torch.distributions.Uniform``: uniform on the half-open ``[low, high)``."""

from __future__ import annotations

import math
import numbers
from typing import Any

from .. import functional as F
from ..tensor import Size, Tensor
from . import constraints
from .distribution import Distribution
from .utils import _uniform, broadcast_all

__all__ = ["Uniform"]


class Uniform(Distribution):
    """U[``low``, ``high``), elementwise, ``low`` and ``high`` broadcast together (validation
    refuses ``low >= high``).

    >>> import deepgrad as dg
    >>> from deepgrad.distributions import Uniform
    >>> round(Uniform(0.0, 2.0).variance.item(), 4)
    0.3333
    """

    has_rsample = True

    @property
    def arg_constraints(self) -> dict:
        return {
            "low": constraints.less_than(self.high),
            "high": constraints.greater_than(self.low),
        }

    def __init__(self, low: Any, high: Any, validate_args: bool | None = None) -> None:
        self.low, self.high = broadcast_all(low, high)
        numbers_only = isinstance(low, numbers.Number) and isinstance(high, numbers.Number)
        batch_shape = Size() if numbers_only else self.low.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Uniform:
        new = self._get_checked_instance(Uniform, _instance)
        batch_shape = Size(batch_shape)
        new.low = self.low.expand(batch_shape)
        new.high = self.high.expand(batch_shape)
        return self._expanded(new, batch_shape)

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.interval(self.low, self.high)

    @property
    def mean(self) -> Tensor:
        return (self.high + self.low) / 2

    @property
    def mode(self) -> Tensor:
        return math.nan * self.high

    @property
    def stddev(self) -> Tensor:
        return (self.high - self.low) / 12**0.5

    @property
    def variance(self) -> Tensor:
        return (self.high - self.low).pow(2) / 12

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        rand = _uniform(shape, self.low.dtype)
        return self.low + rand * (self.high - self.low)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        inside = self.low.le(value) & self.high.gt(value)
        # PyTorch's log(lb * ub): 0 inside, -inf outside, a constant (no log(0) warning here)
        log_indicator = F.where(inside, 0.0, -math.inf).type_as(self.low)
        return log_indicator - (self.high - self.low).log()

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        result = (value - self.low) / (self.high - self.low)
        return result.clamp(min=0, max=1)

    def icdf(self, value: Tensor) -> Tensor:
        return value * (self.high - self.low) + self.low

    def entropy(self) -> Tensor:
        return (self.high - self.low).log()
