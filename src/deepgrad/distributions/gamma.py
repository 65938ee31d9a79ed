"""PyTorch's module path ``torch.distributions.gamma``, so ``from torch.distributions.gamma
import Gamma`` ports: ``Gamma`` is defined with the other elementwise families in
``univariate``."""

from .univariate import Gamma

__all__ = ["Gamma"]
