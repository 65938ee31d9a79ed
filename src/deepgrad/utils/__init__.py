"""PyTorch's ``torch.utils`` surface: :mod:`deepgrad.utils.data` (datasets and loaders that
yield tensors), an adapter above the NumPy-only :mod:`deepgrad.data` package,
:mod:`deepgrad.utils.checkpoint` (activation checkpointing's names) and
:mod:`deepgrad.utils.hooks` (``RemovableHandle``) and :mod:`deepgrad.utils.benchmark`
(``Timer``, ``Measurement``, ``Compare``)."""

from . import benchmark, checkpoint, data, hooks

__all__ = ["benchmark", "checkpoint", "data", "hooks"]
