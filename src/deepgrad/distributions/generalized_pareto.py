"""PyTorch's ``torch.distributions.GeneralizedPareto``: for ``z = (x - loc) / scale`` and
``ξ = concentration``, the density ``(1 + ξ z)^(-1/ξ - 1) / scale`` (``exp(-z) / scale`` at
``ξ = 0``), on ``[loc, loc - scale/ξ]`` for ``ξ < 0`` and ``[loc, inf)`` otherwise."""

from __future__ import annotations

import math
import numbers
from typing import Any

from .. import functional as F
from ..tensor import Size, Tensor, ones_like, zeros_like
from . import constraints
from .distribution import Distribution
from .utils import _uniform, broadcast_all

__all__ = ["GeneralizedPareto"]


class GeneralizedPareto(Distribution):
    """GeneralizedPareto(``loc``, ``scale``, ``concentration``): ``rsample`` is the ``icdf``
    of a uniform draw; mean NaN for ``ξ ≥ 1`` and variance NaN for ``ξ ≥ 1/2`` (PyTorch's).

    >>> import deepgrad as dg
    >>> from deepgrad.distributions import GeneralizedPareto
    >>> GeneralizedPareto(dg.tensor(0.0), dg.tensor(1.0), dg.tensor(0.0)).mean.item()
    1.0
    """

    arg_constraints = {
        "loc": constraints.real,
        "scale": constraints.positive,
        "concentration": constraints.real,
    }
    has_rsample = True

    def __init__(
        self, loc: Any, scale: Any, concentration: Any, validate_args: bool | None = None
    ) -> None:
        self.loc, self.scale, self.concentration = broadcast_all(loc, scale, concentration)
        numbers_only = all(isinstance(v, numbers.Number) for v in (loc, scale, concentration))
        batch_shape = Size() if numbers_only else self.loc.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> GeneralizedPareto:
        new = self._get_checked_instance(GeneralizedPareto, _instance)
        batch_shape = Size(batch_shape)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        return self._expanded(new, batch_shape)

    def _z(self, x: Tensor) -> Tensor:
        return (x - self.loc) / self.scale

    def _safe(self) -> tuple[Tensor, Tensor]:
        c = self.concentration
        eq_zero = F.isclose(c, zeros_like(c))
        return eq_zero, F.where(eq_zero, ones_like(c), c)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        u = _uniform(self._extended_shape(sample_shape), self.loc.dtype)
        return self.icdf(u)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        eq_zero, safe_conc = self._safe()
        y = 1 / safe_conc + ones_like(z)
        where_nonzero = F.where(y == 0, y, y * (safe_conc * z).log1p())
        return -self.scale.log() - F.where(eq_zero, z, where_nonzero)

    def log_survival_function(self, value: Tensor) -> Tensor:
        """``log P(X > value)``."""
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        eq_zero, safe_conc = self._safe()
        return F.where(eq_zero, -z, -(safe_conc * z).log1p() / safe_conc)

    def log_cdf(self, value: Tensor) -> Tensor:
        """``log P(X ≤ value)``."""
        return (-self.log_survival_function(value).exp()).log1p()

    def cdf(self, value: Tensor) -> Tensor:
        return self.log_cdf(value).exp()

    def icdf(self, value: Tensor) -> Tensor:
        eq_zero, safe_conc = self._safe()
        logu = (-value).log1p()
        where_nonzero = self.loc + self.scale / safe_conc * (-safe_conc * logu).expm1()
        where_zero = self.loc - self.scale * logu
        return F.where(eq_zero, where_zero, where_nonzero)

    @property
    def mean(self) -> Tensor:
        c = self.concentration
        valid = c < 1
        safe_conc = F.where(valid, c, 0.5)
        return F.where(valid, self.loc + self.scale / (1 - safe_conc), math.nan)

    @property
    def variance(self) -> Tensor:
        c = self.concentration
        valid = c < 0.5
        safe_conc = F.where(valid, c, 0.25)
        result = self.scale**2 / ((1 - safe_conc) ** 2 * (1 - 2 * safe_conc))
        return F.where(valid, result, math.nan)

    def entropy(self) -> Tensor:
        ans = self.scale.log() + self.concentration + 1
        return F.broadcast_to(ans, tuple(self._batch_shape))

    @property
    def mode(self) -> Tensor:
        return self.loc

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> constraints.Constraint:
        lower = self.loc
        upper = F.where(self.concentration < 0, lower - self.scale / self.concentration, math.inf)
        return constraints.interval(lower, upper)
