"""PyTorch's module path ``torch.distributions.beta``, so ``from torch.distributions.beta
import Beta`` ports: ``Beta`` is defined with the other elementwise families in
``univariate``."""

from .univariate import Beta

__all__ = ["Beta"]
