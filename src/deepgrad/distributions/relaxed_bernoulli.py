"""PyTorch's ``torch.distributions.RelaxedBernoulli`` (the binary Concrete / Gumbel-sigmoid of
Maddison et al. and Jang et al., 2017) and its pre-sigmoid ``LogitRelaxedBernoulli``: a
reparameterized relaxation of Bernoulli(``probs``) on ``(0, 1)``, sharper as ``temperature``
goes to 0."""

from __future__ import annotations

from typing import Any

from ..tensor import Size, Tensor
from . import constraints
from .distribution import Distribution
from .transforms import SigmoidTransform, TransformedDistribution
from .utils import _clamped_uniform, _ProbsLogits, _RelaxedParams, broadcast_all, clamp_probs

__all__ = ["LogitRelaxedBernoulli", "RelaxedBernoulli"]


class LogitRelaxedBernoulli(_ProbsLogits, Distribution):
    """The logit of a RelaxedBernoulli draw:
    ``(logit(U) + logits) / temperature`` for ``U ~ U(0, 1)``, with the log-density
    ``log t + (logits - t x) - 2 log(1 + exp(logits - t x))``."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.real
    has_rsample = True

    def __init__(
        self,
        temperature: Tensor,
        probs: Any = None,
        logits: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        self.temperature = temperature
        batch_shape = self._set_probs_or_logits(probs, logits)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> LogitRelaxedBernoulli:
        new = self._get_checked_instance(LogitRelaxedBernoulli, _instance)
        batch_shape = Size(batch_shape)
        new.temperature = self.temperature
        self._expand_param(new, batch_shape)
        return self._expanded(new, batch_shape)

    @property
    def param_shape(self) -> Size:
        return self._param.size()

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        probs = clamp_probs(self.probs.expand(shape))
        uniforms = _clamped_uniform(shape, probs.dtype)
        return (
            uniforms.log() - (-uniforms).log1p() + probs.log() - (-probs).log1p()
        ) / self.temperature

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        diff = logits - value.mul(self.temperature)
        return self.temperature.log() + diff - 2 * diff.exp().log1p()


class RelaxedBernoulli(_RelaxedParams, TransformedDistribution):
    """RelaxedBernoulli(``temperature``, ``probs`` or ``logits``): ``sigmoid`` of a
    ``LogitRelaxedBernoulli`` draw, on ``(0, 1)``; ``rsample`` carries gradients to
    ``probs``/``logits`` (and ``temperature``).

    >>> import deepgrad as dg
    >>> from deepgrad.distributions import RelaxedBernoulli
    >>> m = RelaxedBernoulli(dg.tensor(0.5), probs=dg.tensor([0.1, 0.9]))
    >>> m.rsample((4,)).shape
    (4, 2)
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(
        self,
        temperature: Tensor,
        probs: Any = None,
        logits: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        base_dist = LogitRelaxedBernoulli(temperature, probs, logits)
        super().__init__(base_dist, SigmoidTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> RelaxedBernoulli:
        new = self._get_checked_instance(RelaxedBernoulli, _instance)
        return super().expand(batch_shape, _instance=new)
