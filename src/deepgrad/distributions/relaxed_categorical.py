"""PyTorch's ``torch.distributions.RelaxedOneHotCategorical`` (the Concrete / Gumbel-softmax
distribution of Maddison et al. and Jang et al., 2017) and its log-space
``ExpRelaxedCategorical``: a reparameterized relaxation of OneHotCategorical onto the
simplex, ``softmax((logits + Gumbel noise) / temperature)``."""

from __future__ import annotations

from typing import Any

from .. import functional as F
from ..tensor import Size, Tensor, full_like
from . import constraints
from .categorical import Categorical, _OverCategorical
from .distribution import Distribution
from .transforms import ExpTransform, TransformedDistribution
from .utils import _clamped_uniform, _RelaxedParams, broadcast_all

__all__ = ["ExpRelaxedCategorical", "RelaxedOneHotCategorical"]


class ExpRelaxedCategorical(_OverCategorical, Distribution):
    """The log of a RelaxedOneHotCategorical draw: ``s - logsumexp(s)`` with
    ``s = (logits + g) / temperature``, ``g`` Gumbel(0, 1) noise; the log-density is
    ``lgamma(K) + (K - 1) log t + Σ (score - logsumexp(score))``, ``score = logits - t x``."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.real_vector  # the true support is a submanifold of this
    has_rsample = True

    def __init__(
        self,
        temperature: Tensor,
        probs: Tensor | None = None,
        logits: Tensor | None = None,
        validate_args: bool | None = None,
    ) -> None:
        self._categorical = Categorical(probs, logits)
        self.temperature = temperature
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> ExpRelaxedCategorical:
        new = self._get_checked_instance(ExpRelaxedCategorical, _instance)
        batch_shape = Size(batch_shape)
        new.temperature = self.temperature
        new._categorical = self._categorical.expand(batch_shape)
        return self._expanded(new, batch_shape, self.event_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        uniforms = _clamped_uniform(shape, self.logits.dtype)
        gumbels = -((-(uniforms.log())).log())
        scores = (self.logits + gumbels) / self.temperature
        return scores - scores.logsumexp(dim=-1, keepdim=True)

    def log_prob(self, value: Tensor) -> Tensor:
        k = self._categorical._num_events
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        log_scale = F.lgamma(full_like(self.temperature, float(k))) - self.temperature.log().mul(
            -(k - 1)
        )
        score = logits - value.mul(self.temperature)
        score = (score - score.logsumexp(dim=-1, keepdim=True)).sum(-1)
        return score + log_scale


class RelaxedOneHotCategorical(_RelaxedParams, TransformedDistribution):
    """RelaxedOneHotCategorical(``temperature``, ``probs`` or ``logits``): ``exp`` of an
    ``ExpRelaxedCategorical`` draw, a point of the simplex; ``rsample`` carries gradients.

    >>> import deepgrad as dg
    >>> from deepgrad.distributions import RelaxedOneHotCategorical
    >>> m = RelaxedOneHotCategorical(dg.tensor(0.5), probs=dg.tensor([0.1, 0.2, 0.7]))
    >>> m.rsample((4,)).shape
    (4, 3)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.simplex
    has_rsample = True

    def __init__(
        self,
        temperature: Tensor,
        probs: Tensor | None = None,
        logits: Tensor | None = None,
        validate_args: bool | None = None,
    ) -> None:
        base_dist = ExpRelaxedCategorical(temperature, probs, logits, validate_args=validate_args)
        super().__init__(base_dist, ExpTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> RelaxedOneHotCategorical:
        new = self._get_checked_instance(RelaxedOneHotCategorical, _instance)
        return super().expand(batch_shape, _instance=new)
