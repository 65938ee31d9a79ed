"""PyTorch's ``torch.distributions.ContinuousBernoulli`` (Loaiza-Ganem & Cunningham, 2019):
the density ``C(λ) λ^x (1 - λ)^(1-x)`` on ``[0, 1]``, ``λ = probs``, with the normalizer
``C(λ) = 2 artanh(1 - 2λ) / (1 - 2λ)`` (``log 2`` plus a Taylor series inside ``lims`` around
``λ = 1/2``, where the closed form is unstable)."""

from __future__ import annotations

import math
from typing import Any

from .. import functional as F
from ..tensor import Size, Tensor, ones_like, zeros_like
from . import constraints
from .exp_family import ExponentialFamily
from .utils import (
    _ProbsLogits,
    _uniform,
    broadcast_all,
    clamp_probs,
    lazy_property,
    logits_to_probs,
)

__all__ = ["ContinuousBernoulli"]


class ContinuousBernoulli(_ProbsLogits, ExponentialFamily):
    """ContinuousBernoulli(``probs`` or ``logits``, ``lims=(0.499, 0.501)``): ``probs`` are
    clamped into ``[eps, 1 - eps]`` (an out-of-range one raises only with an explicit
    ``validate_args``, as PyTorch's); ``rsample`` is the ``icdf`` of a uniform draw.

    >>> import deepgrad as dg
    >>> from deepgrad.distributions import ContinuousBernoulli
    >>> round(ContinuousBernoulli(dg.tensor(0.2)).mean.item(), 4)
    0.388
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    _mean_carrier_measure = 0
    has_rsample = True

    def __init__(
        self,
        probs: Any = None,
        logits: Any = None,
        lims: tuple[float, float] = (0.499, 0.501),
        validate_args: bool | None = None,
    ) -> None:
        batch_shape = self._set_probs_or_logits(probs, logits)
        if probs is not None:
            if validate_args is not None:
                if not bool(self.arg_constraints["probs"].check(self.probs).all()):
                    raise ValueError("The parameter probs has invalid values")
            self._store_param(clamp_probs(self.probs), True)
        self._lims = lims
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> ContinuousBernoulli:
        new = self._get_checked_instance(ContinuousBernoulli, _instance)
        new._lims = self._lims
        batch_shape = Size(batch_shape)
        self._expand_param(new, batch_shape)
        return self._expanded(new, batch_shape)

    def _outside_unstable_region(self) -> Tensor:
        return (self.probs <= self._lims[0]) | (self.probs > self._lims[1])

    def _cut_probs(self) -> Tensor:
        return F.where(self._outside_unstable_region(), self.probs, self._lims[0])

    def _cont_bern_log_norm(self) -> Tensor:
        """``log C(λ)`` as a function of ``probs``."""
        cut = self._cut_probs()
        below = F.where(cut <= 0.5, cut, zeros_like(cut))
        above = F.where(cut >= 0.5, cut, ones_like(cut))
        log_norm = ((-cut).log1p() - cut.log()).abs().log() - F.where(
            cut <= 0.5, (-2.0 * below).log1p(), (2.0 * above - 1.0).log()
        )
        x = (self.probs - 0.5).pow(2)
        taylor = math.log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * x) * x
        return F.where(self._outside_unstable_region(), log_norm, taylor)

    @property
    def mean(self) -> Tensor:
        cut = self._cut_probs()
        mus = cut / (2.0 * cut - 1.0) + 1.0 / ((-cut).log1p() - cut.log())
        x = self.probs - 0.5
        taylor = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * x.pow(2)) * x
        return F.where(self._outside_unstable_region(), mus, taylor)

    @property
    def stddev(self) -> Tensor:
        return self.variance.sqrt()

    @property
    def variance(self) -> Tensor:
        cut = self._cut_probs()
        vs = cut * (cut - 1.0) / (1.0 - 2.0 * cut).pow(2) + 1.0 / ((-cut).log1p() - cut.log()).pow(
            2
        )
        x = (self.probs - 0.5).pow(2)
        taylor = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x) * x
        return F.where(self._outside_unstable_region(), vs, taylor)

    @lazy_property
    def probs(self) -> Tensor:
        return clamp_probs(logits_to_probs(self.logits, is_binary=True))

    @property
    def param_shape(self) -> Size:
        return self._param.size()

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        u = _uniform(self._extended_shape(sample_shape), self.probs.dtype)
        return self.icdf(u)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return (
            -F.binary_cross_entropy_with_logits(logits, value, reduction="none")
            + self._cont_bern_log_norm()
        )

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        cut = self._cut_probs()
        cdfs = (cut.pow(value) * (1.0 - cut).pow(1.0 - value) + cut - 1.0) / (2.0 * cut - 1.0)
        unbounded = F.where(self._outside_unstable_region(), cdfs, value)
        return F.where(
            value <= 0.0,
            zeros_like(value),
            F.where(value >= 1.0, ones_like(value), unbounded),
        )

    def icdf(self, value: Tensor) -> Tensor:
        cut = self._cut_probs()
        return F.where(
            self._outside_unstable_region(),
            ((-cut + value * (2.0 * cut - 1.0)).log1p() - (-cut).log1p())
            / (cut.log() - (-cut).log1p()),
            value,
        )

    def entropy(self) -> Tensor:
        log_probs0 = (-self.probs).log1p()
        log_probs1 = self.probs.log()
        return self.mean * (log_probs0 - log_probs1) - self._cont_bern_log_norm() - log_probs0

    @property
    def _natural_params(self) -> tuple[Tensor]:
        return (self.logits,)

    def _log_normalizer(self, x: Tensor) -> Tensor:
        """The log normalizer as a function of the natural parameter."""
        low, high = self._lims[0] - 0.5, self._lims[1] - 0.5
        out_unst_reg = (x <= low) | (x > high)
        cut_nat_params = F.where(out_unst_reg, x, low * ones_like(x))
        log_norm = cut_nat_params.expm1().abs().log() - cut_nat_params.abs().log()
        taylor = 0.5 * x + x.pow(2) / 24.0 - x.pow(4) / 2880.0
        return F.where(out_unst_reg, log_norm, taylor)
