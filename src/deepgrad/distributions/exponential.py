"""PyTorch's module path ``torch.distributions.exponential``, so ``from torch.distributions.exponential
import Exponential`` ports: ``Exponential`` is defined with the other elementwise families in
``univariate``."""

from .univariate import Exponential

__all__ = ["Exponential"]
