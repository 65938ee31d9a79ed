"""PyTorch's ``torch.utils`` surface: :mod:`deepgrad.utils.data` (datasets and loaders that
yield tensors), an adapter above the NumPy-only :mod:`deepgrad.data` package, and
:mod:`deepgrad.utils.checkpoint` (activation checkpointing's names)."""

from . import checkpoint, data

__all__ = ["checkpoint", "data"]
