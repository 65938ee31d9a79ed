"""PyTorch's ``torch.distributions.ExponentialFamily``: the base class of the distributions
with densities ``p(x; θ) = exp(⟨t(x), θ⟩ - F(θ) + k(x))`` (natural parameters ``θ``, log
normalizer ``F``, carrier measure ``k``). It gives the entropy ``F(θ) - ⟨θ, ∇F(θ)⟩ - E[k]``
by automatic differentiation, and ``kl_divergence`` between two of one family without a
closed form of their own the Bregman divergence of ``F`` (``kl.py``).

Subclasses define ``_natural_params`` (a tuple of tensors), ``_log_normalizer(*θ)`` and
``_mean_carrier_measure``: Bernoulli, Beta, Chi2, ContinuousBernoulli, Dirichlet,
Exponential, Gamma, Normal, Poisson and Wishart are exponential families here, as in PyTorch.
"""

from __future__ import annotations

from typing import Any

from ..autograd import grad
from ..tensor import Tensor
from .distribution import Distribution

__all__ = ["ExponentialFamily"]


class ExponentialFamily(Distribution):
    """An exponential family: ``entropy`` from the log normalizer's gradient.

    >>> import deepgrad as dg
    >>> from deepgrad.distributions import ExponentialFamily, Normal
    >>> m = Normal(dg.tensor(0.0), dg.tensor(2.0))
    >>> isinstance(m, ExponentialFamily), round(ExponentialFamily.entropy(m).item(), 4)
    (True, 2.1121)
    """

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        """The natural parameters ``θ``, a tuple of tensors."""
        raise NotImplementedError

    def _log_normalizer(self, *natural_params: Tensor) -> Tensor:
        """The log normalizer ``F(θ)``, batch-shaped."""
        raise NotImplementedError

    @property
    def _mean_carrier_measure(self) -> Any:
        """``E[k(x)]``, the expected carrier measure (0 for most families)."""
        raise NotImplementedError

    def entropy(self) -> Tensor:
        """``F(θ) - ⟨θ, ∇F(θ)⟩ - E[k(x)]`` (Nielsen & Nock, 2010), differentiable."""
        result: Any = -self._mean_carrier_measure
        nparams = [p.detach().requires_grad_() for p in self._natural_params]
        lg_normal = self._log_normalizer(*nparams)
        gradients = grad(lg_normal.sum(), nparams, create_graph=True)
        result = result + lg_normal
        for p, g in zip(nparams, gradients, strict=True):
            result = result - (p * g).reshape(tuple(self._batch_shape) + (-1,)).sum(-1)
        return result
