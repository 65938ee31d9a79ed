"""``dg.accelerator``: PyTorch's device-generic ``torch.accelerator`` questions, answered for
deepgrad, whose one accelerator is an NVIDIA GPU through CuPy (``dg.set_backend("cupy")``).

PyTorch's quickstart picks its device with ``torch.accelerator.current_accelerator().type if
torch.accelerator.is_available() else "cpu"``; here that reads ``"cpu"`` unless the CuPy
backend is active, as :mod:`deepgrad.cuda` answers.

>>> import deepgrad as dg
>>> dg.accelerator.is_available(), dg.accelerator.current_accelerator(), dg.accelerator.device_count()
(False, None, 0)
"""

from __future__ import annotations

from typing import Any

from . import cuda
from .devices import device


def is_available() -> bool:
    """True when an accelerator can be used: the CuPy backend is active."""
    return cuda.is_available()


def current_accelerator(check_available: bool = False) -> device | None:
    """``device("cuda")`` on the CuPy backend, else ``None`` (as PyTorch without one)."""
    return device("cuda") if cuda.is_available() else None


def device_count() -> int:
    """The number of GPUs usable through CuPy (0 unless :func:`is_available`)."""
    return cuda.device_count()


def _require(where: str) -> None:
    if not cuda.is_available():
        raise RuntimeError(
            f"dg.accelerator.{where}(): Cannot access accelerator device when none is "
            "available (deepgrad uses a GPU through CuPy after dg.set_backend('cupy'))"
        )


def current_device_index() -> int:
    """The index of the GPU CuPy computes on; raises without an accelerator, as PyTorch."""
    _require("current_device_index")
    return cuda.current_device()


def synchronize(device: Any = None) -> None:
    """Wait for the GPU's queued work; raises without an accelerator, as PyTorch."""
    _require("synchronize")
    cuda.synchronize(device)
