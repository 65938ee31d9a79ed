"""PyTorch's ``torch.utils`` surface: :mod:`deepgrad.utils.data` (datasets and loaders that
yield tensors), an adapter above the NumPy-only :mod:`deepgrad.data` package."""

from . import data

__all__ = ["data"]
