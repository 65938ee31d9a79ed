"""PyTorch's ``torch.distributions.Geometric``: the number of failures before the first
success of Bernoulli(``probs``) trials, ``P(k) = (1 - p)^k p`` on ``k = 0, 1, ...``."""

from __future__ import annotations

from typing import Any

import numpy

from .. import functional as F
from ..autograd import no_grad
from ..tensor import Size, Tensor, zeros_like
from . import constraints
from .distribution import Distribution, _invalid_parameter
from .utils import _ProbsLogits, _uniform, broadcast_all

__all__ = ["Geometric"]


class Geometric(_ProbsLogits, Distribution):
    """Geometric(``probs``) with ``probs`` in ``(0, 1]`` or, with ``logits``,
    Geometric(sigmoid(``logits``)) (exactly one of the two). Mean ``1/p - 1``, variance
    ``(1/p - 1)/p``; draws are ``floor(log U / log(1 - p))``.

    >>> import deepgrad as dg
    >>> from deepgrad.distributions import Geometric
    >>> round(Geometric(dg.tensor(0.25)).log_prob(dg.tensor(2.0)).item(), 4)
    -1.9617
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(
        self, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        batch_shape = self._set_probs_or_logits(probs, logits)
        super().__init__(batch_shape, validate_args=validate_args)
        if self._validate_args and probs is not None:
            value = self.probs
            valid = value > 0
            if not bool(valid.all()):
                raise _invalid_parameter(self, "probs", value, "be positive", value[~valid])

    def expand(self, batch_shape: Any, _instance: Any = None) -> Geometric:
        new = self._get_checked_instance(Geometric, _instance)
        batch_shape = Size(batch_shape)
        self._expand_param(new, batch_shape)
        return self._expanded(new, batch_shape)

    @property
    def mean(self) -> Tensor:
        return 1.0 / self.probs - 1.0

    @property
    def mode(self) -> Tensor:
        return zeros_like(self.probs)

    @property
    def variance(self) -> Tensor:
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        tiny = float(numpy.finfo(self.probs.dtype).tiny)
        with no_grad():
            u = _uniform(shape, self.probs.dtype).clamp(min=tiny)
            return (u.log() / (-self.probs.detach()).log1p()).floor()

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        probs = F.where((probs == 1) & (value == 0), 0.0, probs)
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self) -> Tensor:
        return (
            F.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")
            / self.probs
        )
