"""PyTorch's ``torch.distributions.Bernoulli``: 1 with probability ``probs``, else 0."""

from __future__ import annotations

import math
from typing import Any

from .. import functional as F
from ..autograd import no_grad
from ..tensor import Size, Tensor, arange
from . import constraints
from .exp_family import ExponentialFamily
from .utils import _enumerate_support, _ProbsLogits, broadcast_all

__all__ = ["Bernoulli"]


class Bernoulli(_ProbsLogits, ExponentialFamily):
    """Bernoulli(``probs``) or, with ``logits``, Bernoulli(sigmoid(``logits``)) (exactly one
    of the two); the other is computed on first use.

    >>> import deepgrad as dg
    >>> from deepgrad.distributions import Bernoulli
    >>> Bernoulli(dg.tensor([0.0, 1.0])).sample().tolist()
    [0.0, 1.0]
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True
    _mean_carrier_measure = 0

    def __init__(
        self, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        batch_shape = self._set_probs_or_logits(probs, logits)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Bernoulli:
        new = self._get_checked_instance(Bernoulli, _instance)
        batch_shape = Size(batch_shape)
        self._expand_param(new, batch_shape)
        return self._expanded(new, batch_shape)

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        p = self.probs
        mode = (p >= 0.5).type_as(p)
        return F.where(p == 0.5, math.nan, mode)

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    @property
    def param_shape(self) -> Size:
        return self._param.size()

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            return F.bernoulli(self.probs.expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -F.binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self) -> Tensor:
        return F.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    @property
    def _natural_params(self) -> tuple[Tensor]:
        return (F.logit(self.probs),)

    def _log_normalizer(self, x: Tensor) -> Tensor:
        return F.exp(x).log1p()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        return _enumerate_support(arange(2, dtype=self._param.dtype), self._batch_shape, expand)
