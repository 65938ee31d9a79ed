"""PyTorch's module path ``torch.distributions.log_normal``, so ``from torch.distributions.log_normal
import LogNormal`` ports: ``LogNormal`` is defined with the other elementwise families in
``univariate``."""

from .univariate import LogNormal

__all__ = ["LogNormal"]
