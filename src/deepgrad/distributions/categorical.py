"""PyTorch's ``torch.distributions.Categorical``: one of ``K`` categories (an int64 index)
with the probabilities of the last dim of ``probs`` (or ``softmax(logits)``)."""

from __future__ import annotations

import math
from typing import Any

import numpy

from .. import functional as F
from ..tensor import Size, Tensor, arange, full, multinomial, zeros
from . import constraints
from .distribution import Distribution
from .utils import _enumerate_support, _probs_xor_logits, _ProbsLogits

__all__ = ["Categorical"]


class Categorical(_ProbsLogits, Distribution):
    """Categorical over the last dim of ``probs`` (non-negative, normalized to sum to 1) or
    of ``logits`` (unnormalized log-probabilities, stored as ``logits - logsumexp``); the
    leading dims are the batch.

    >>> import deepgrad as dg
    >>> from deepgrad.distributions import Categorical
    >>> m = Categorical(probs=dg.tensor([0.0, 1.0, 0.0]))
    >>> m.sample().item(), round(m.log_prob(dg.tensor(1)).item(), 4)
    (1, -0.0)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True
    _is_binary = False

    def __init__(
        self, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        _probs_xor_logits(probs, logits)
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            param = probs / probs.sum(-1, keepdim=True)
        else:
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            param = logits - logits.logsumexp(dim=-1, keepdim=True)
        self._store_param(param, probs is not None)
        self._num_events = self._param.size()[-1]
        batch_shape = self._param.size()[:-1] if self._param.dim() > 1 else Size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Categorical:
        new = self._get_checked_instance(Categorical, _instance)
        batch_shape = Size(batch_shape)
        param_shape = tuple(batch_shape) + (self._num_events,)
        self._expand_param(new, param_shape)
        new._num_events = self._num_events
        return self._expanded(new, batch_shape)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self._num_events - 1)

    @property
    def param_shape(self) -> Size:
        return self._param.size()

    @property
    def mean(self) -> Tensor:
        return full(self._extended_shape(), math.nan, dtype=self.probs.dtype)

    @property
    def mode(self) -> Tensor:
        return self.probs.argmax(dim=-1)

    @property
    def variance(self) -> Tensor:
        return full(self._extended_shape(), math.nan, dtype=self.probs.dtype)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        sample_shape = Size(sample_shape)
        n = sample_shape.numel()
        shape = self._extended_shape(sample_shape)
        if n == 0 or self._batch_shape.numel() == 0:
            return zeros(shape, dtype=numpy.int64)
        probs_2d = self.probs.detach().reshape(-1, self._num_events)
        samples_2d = multinomial(probs_2d, n, True).T
        return samples_2d.reshape(shape)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        value = value.long().unsqueeze(-1)
        value, log_pmf = F.broadcast_tensors(value, self.logits)
        value = value[..., :1]
        return log_pmf.gather(-1, value).squeeze(-1)

    def entropy(self) -> Tensor:
        min_real = float(numpy.finfo(self.logits.dtype).min)
        logits = self.logits.clamp(min=min_real)
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = arange(self._num_events, dtype=numpy.int64)
        return _enumerate_support(values, self._batch_shape, expand)


class _OverCategorical:
    """``probs``, ``logits`` and ``param_shape`` of a distribution made over a Categorical
    (``_categorical``): OneHotCategorical, Multinomial and ExpRelaxedCategorical."""

    @property
    def probs(self) -> Tensor:
        """The Categorical's (normalized) ``probs``."""
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        """The Categorical's (normalized) ``logits``."""
        return self._categorical.logits

    @property
    def param_shape(self) -> Size:
        """The shape of the parameter given (batch shape and the categories)."""
        return self._categorical.param_shape
