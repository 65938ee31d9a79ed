"""PyTorch's ``torch.distributions.NegativeBinomial``: the number of successes (probability
``probs`` each) before ``total_count`` failures,
``P(k) = Γ(k + r) / (k! Γ(r)) p^k (1 - p)^r``; ``total_count`` may be any real ``r ≥ 0``."""

from __future__ import annotations

from typing import Any

import numpy

from .. import _torch_rng, backend
from .. import functional as F
from ..tensor import Size, Tensor
from . import constraints
from .binomial import _CountAndProbsLogits
from .distribution import Distribution

__all__ = ["NegativeBinomial"]


class NegativeBinomial(_CountAndProbsLogits, Distribution):
    """NegativeBinomial(``total_count``, ``probs``) or with ``logits`` (exactly one of the
    two). Mean ``r e^logits``, variance ``mean / sigmoid(-logits)``; draws are Poisson of
    Gamma(``r``, ``exp(-logits)``) rates, as PyTorch's.

    >>> import deepgrad as dg
    >>> from deepgrad.distributions import NegativeBinomial
    >>> NegativeBinomial(3.0, dg.tensor([0.5])).mean.tolist()
    [3.0]
    """

    arg_constraints = {
        "total_count": constraints.greater_than_eq(0),
        "probs": constraints.half_open_interval(0.0, 1.0),
        "logits": constraints.real,
    }
    support = constraints.nonnegative_integer

    def __init__(
        self,
        total_count: Any,
        probs: Any = None,
        logits: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        batch_shape = self._set_count_and_param(total_count, probs, logits)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> NegativeBinomial:
        new = self._get_checked_instance(NegativeBinomial, _instance)
        batch_shape = Size(batch_shape)
        self._expand_count_and_param(new, batch_shape)
        return self._expanded(new, batch_shape)

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.logits.exp()

    @property
    def mode(self) -> Tensor:
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self) -> Tensor:
        return self.mean / F.sigmoid(-self.logits)

    @property
    def param_shape(self) -> Size:
        return self._param.size()

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        # PyTorch's: rate ~ Gamma(total_count, exp(-logits)) (standard gamma draws over the
        # rate, at least the dtype's tiny), then poisson(rate); its samplers and numbers
        dt = self._param.dtype
        r = numpy.broadcast_to(backend.to_numpy(self.total_count.detach()._data), shape)
        inv = numpy.exp(-backend.to_numpy(self.logits.detach()._data)).astype(dt)
        rng = backend.rng()
        rate = _torch_rng.gamma(rng, numpy.array(r, dtype=dt)) / numpy.broadcast_to(inv, shape)
        rate = numpy.maximum(rate, numpy.finfo(dt).tiny).astype(dt)
        return Tensor._wrap(backend.xp.asarray(_torch_rng.poisson(rng, rate)))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        r = self.total_count
        log_unnormalized_prob = r * F.logsigmoid(-self.logits) + value * F.logsigmoid(self.logits)
        log_normalization = -(r + value).lgamma() + (1.0 + value).lgamma() + r.lgamma()
        log_normalization = log_normalization.masked_fill(r + value == 0.0, 0.0)
        return log_unnormalized_prob - log_normalization
