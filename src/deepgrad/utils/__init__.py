"""PyTorch's ``torch.utils`` surface: :mod:`deepgrad.utils.data` (datasets and loaders that
yield tensors), an adapter above the NumPy-only :mod:`deepgrad.data` package,
:mod:`deepgrad.utils.checkpoint` (activation checkpointing's names) and
:mod:`deepgrad.utils.hooks` (``RemovableHandle``)."""

from . import checkpoint, data, hooks

__all__ = ["checkpoint", "data", "hooks"]
