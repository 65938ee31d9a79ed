"""PyTorch's ``torch.distributions.Binomial``: the number of successes in ``total_count``
Bernoulli(``probs``) trials, ``P(k) = C(n, k) p^k (1 - p)^(n - k)``."""

from __future__ import annotations

from typing import Any

import numpy

from .. import _torch_rng, backend
from ..tensor import Size, Tensor, arange
from . import constraints
from .distribution import Distribution
from .utils import _enumerate_support, _probs_xor_logits, _ProbsLogits, broadcast_all

__all__ = ["Binomial"]


def _clamp_by_zero(x: Tensor) -> Tensor:
    """``clamp(x, min=0)`` with the gradient 0.5 at 0 (PyTorch's)."""
    return (x.clamp(min=0) + x - x.clamp(max=0)) / 2


class _CountAndProbsLogits(_ProbsLogits):
    """``total_count`` broadcast with ``probs`` or ``logits`` (Binomial, NegativeBinomial)."""

    def _set_count_and_param(self, total_count: Any, probs: Any, logits: Any) -> Size:
        """Store ``total_count`` (in the parameter's dtype) and the one of ``probs`` and
        ``logits`` given, broadcast together; the batch shape they give."""
        _probs_xor_logits(probs, logits)
        count, param = broadcast_all(total_count, probs if probs is not None else logits)
        self.total_count = count.type_as(param)
        self._store_param(param, probs is not None)
        return param.size()

    def _expand_count_and_param(self, new: Any, batch_shape: Size) -> None:
        """Give ``new`` ``total_count`` and the parameters this one holds, expanded."""
        new.total_count = self.total_count.expand(batch_shape)
        self._expand_param(new, batch_shape)


class Binomial(_CountAndProbsLogits, Distribution):
    """Binomial(``total_count``, ``probs``) or with ``logits`` (exactly one of the two);
    ``total_count`` (an int or a tensor of counts) broadcasts with the parameter, which gives
    the batch shape. ``entropy`` and ``enumerate_support`` need one ``total_count`` for the
    whole batch (``NotImplementedError`` otherwise, as PyTorch).

    >>> import deepgrad as dg
    >>> from deepgrad.distributions import Binomial
    >>> m = Binomial(10, dg.tensor([0.2, 0.5]))
    >>> m.mean.tolist(), m.sample((3,)).shape
    ([2.0, 5.0], (3, 2))
    """

    arg_constraints = {
        "total_count": constraints.nonnegative_integer,
        "probs": constraints.unit_interval,
        "logits": constraints.real,
    }
    has_enumerate_support = True

    def __init__(
        self,
        total_count: Any = 1,
        probs: Any = None,
        logits: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        batch_shape = self._set_count_and_param(total_count, probs, logits)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Binomial:
        new = self._get_checked_instance(Binomial, _instance)
        batch_shape = Size(batch_shape)
        self._expand_count_and_param(new, batch_shape)
        return self._expanded(new, batch_shape)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    @property
    def param_shape(self) -> Size:
        return self._param.size()

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        n = numpy.broadcast_to(backend.to_numpy(self.total_count._data), shape)
        p = numpy.broadcast_to(backend.to_numpy(self.probs.detach()._data), shape)
        dt = self._param.dtype  # PyTorch's: binomial(total_count, probs), its sampler
        out = _torch_rng.binomial(backend.rng(), n.astype(dt), p.astype(dt))
        return Tensor._wrap(backend.xp.asarray(out))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        n, logits = self.total_count, self.logits
        log_factorial_n = (n + 1).lgamma()
        log_factorial_k = (value + 1).lgamma()
        log_factorial_nmk = (n - value + 1).lgamma()
        normalize_term = (
            n * _clamp_by_zero(logits) + n * (-logits.abs()).exp().log1p() - log_factorial_n
        )
        return value * logits - log_factorial_k - log_factorial_nmk - normalize_term

    def _homogeneous_count(self, what: str) -> int:
        total_count = int(self.total_count.max())
        if not self.total_count.min() == total_count:
            raise NotImplementedError(f"Inhomogeneous total count not supported by `{what}`.")
        return total_count

    def entropy(self) -> Tensor:
        self._homogeneous_count("entropy")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(log_prob.exp() * log_prob).sum(0)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        total_count = self._homogeneous_count("enumerate_support")
        values = arange(1 + total_count, dtype=self._param.dtype)
        return _enumerate_support(values, self._batch_shape, expand)
