"""PyTorch's ``torch.distributions.Dirichlet``: the distribution over the simplex with density
``Γ(Σα) / ∏Γ(α_i) ∏ x_i^(α_i - 1)``, ``α = concentration`` (the last dim is the event)."""

from __future__ import annotations

from typing import Any

from .. import functional as F
from ..tensor import Size, Tensor
from . import constraints
from .exp_family import ExponentialFamily
from .implicit_reparameterization import sample_dirichlet

__all__ = ["Dirichlet"]


class Dirichlet(ExponentialFamily):
    """Dirichlet(``concentration``) with ``concentration`` of shape ``batch + (K,)``: mean
    ``α / Σα``, variance ``α (α0 - α) / (α0² (α0 + 1))``. ``rsample`` draws normalized gamma
    variables and carries PyTorch's implicit reparameterization gradient to ``α``.

    >>> import deepgrad as dg
    >>> from deepgrad.distributions import Dirichlet
    >>> m = Dirichlet(dg.tensor([1.0, 3.0]))
    >>> m.mean.tolist(), m.sample((5,)).shape
    ([0.25, 0.75], (5, 2))
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration: Tensor, validate_args: bool | None = None) -> None:
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        batch_shape, event_shape = concentration.shape[:-1], concentration.shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Dirichlet:
        new = self._get_checked_instance(Dirichlet, _instance)
        batch_shape = Size(batch_shape)
        new.concentration = self.concentration.expand(tuple(batch_shape) + tuple(self.event_shape))
        return self._expanded(new, batch_shape, self.event_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """Normalized gamma draws (NumPy's) with PyTorch's implicit Dirichlet gradient."""
        shape = tuple(self._extended_shape(sample_shape))
        return sample_dirichlet(self.concentration.expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        return F.xlogy(c - 1.0, value).sum(-1) + F.lgamma(c.sum(-1)) - F.lgamma(c).sum(-1)

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.concentration.sum(-1, True)

    @property
    def mode(self) -> Tensor:
        c = self.concentration
        concentrationm1 = (c - 1).clamp(min=0.0)
        mode = concentrationm1 / concentrationm1.sum(-1, True)
        mask = (c < 1).all(dim=-1, keepdim=True)
        one_hot = F.one_hot(mode.argmax(dim=-1), c.shape[-1]).to(mode.dtype)
        return F.where(mask, one_hot, mode)

    @property
    def variance(self) -> Tensor:
        c = self.concentration
        con0 = c.sum(-1, True)
        return c * (con0 - c) / (con0.pow(2) * (con0 + 1))

    def entropy(self) -> Tensor:
        c = self.concentration
        k = c.size(-1)
        a0 = c.sum(-1)
        return (
            F.lgamma(c).sum(-1)
            - F.lgamma(a0)
            - (k - a0) * F.digamma(a0)
            - ((c - 1.0) * F.digamma(c)).sum(-1)
        )

    @property
    def _natural_params(self) -> tuple[Tensor]:
        return (self.concentration,)

    def _log_normalizer(self, x: Tensor) -> Tensor:
        return F.lgamma(x).sum(-1) - F.lgamma(x.sum(-1))
