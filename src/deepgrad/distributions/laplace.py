"""PyTorch's module path ``torch.distributions.laplace``, so ``from torch.distributions.laplace
import Laplace`` ports: ``Laplace`` is defined with the other elementwise families in
``univariate``."""

from .univariate import Laplace

__all__ = ["Laplace"]
