"""PyTorch's module path ``torch.distributions.half_normal``, so ``from torch.distributions.half_normal
import HalfNormal`` ports: ``HalfNormal`` is defined with the other elementwise families in
``univariate``."""

from .univariate import HalfNormal

__all__ = ["HalfNormal"]
