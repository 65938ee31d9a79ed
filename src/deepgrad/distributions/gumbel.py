"""PyTorch's module path ``torch.distributions.gumbel``, so ``from torch.distributions.gumbel
import Gumbel`` ports: ``Gumbel`` is defined with the other elementwise families in
``univariate``."""

from .univariate import Gumbel

__all__ = ["Gumbel"]
