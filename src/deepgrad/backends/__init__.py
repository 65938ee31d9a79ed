"""PyTorch's ``torch.backends`` flags, so that programs setting them run: ``cudnn`` and ``mps``
(settable, with no effect: deepgrad runs on NumPy, or CuPy with ``dg.set_backend("cupy")``)."""

from . import cudnn, mps

__all__ = ["cudnn", "mps"]
