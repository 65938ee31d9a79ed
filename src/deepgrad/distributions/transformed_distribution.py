"""PyTorch's module path ``torch.distributions.transformed_distribution``, so
``from torch.distributions.transformed_distribution import TransformedDistribution`` ports:
the class is defined with the transforms in ``transforms``."""

from .transforms import TransformedDistribution

__all__ = ["TransformedDistribution"]
