"""PyTorch's module path ``torch.distributions.poisson``, so ``from torch.distributions.poisson
import Poisson`` ports: ``Poisson`` is defined with the other elementwise families in
``univariate``."""

from .univariate import Poisson

__all__ = ["Poisson"]
