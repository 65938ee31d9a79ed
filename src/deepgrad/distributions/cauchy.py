"""PyTorch's module path ``torch.distributions.cauchy``, so ``from torch.distributions.cauchy
import Cauchy`` ports: ``Cauchy`` is defined with the other elementwise families in
``univariate``."""

from .univariate import Cauchy

__all__ = ["Cauchy"]
