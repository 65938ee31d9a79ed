"""PyTorch's module path ``torch.distributions.studentT``, so ``from torch.distributions.studentT
import StudentT`` ports: ``StudentT`` is defined with the other elementwise families in
``univariate``."""

from .univariate import StudentT

__all__ = ["StudentT"]
