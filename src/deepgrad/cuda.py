"""``dg.cuda``: PyTorch's ``torch.cuda`` questions, answered for deepgrad.

deepgrad runs on an NVIDIA GPU through CuPy, once ``dg.set_backend("cupy")`` has made CuPy
the array module. So :func:`is_available` is True only then (CuPy installed, a GPU present,
and the CuPy backend active): the usual ``device = "cuda" if torch.cuda.is_available() else
"cpu"`` picks the CPU otherwise, and nothing else in the program needs to change.

>>> import deepgrad as dg
>>> dg.cuda.is_available(), dg.cuda.device_count()
(False, 0)
"""

from __future__ import annotations

from typing import Any

from . import backend


def is_available() -> bool:
    """True when tensors can live on a GPU: the CuPy backend is active (it checked for one)."""
    return backend.name() == "cupy"


def device_count() -> int:
    """The number of GPUs usable through CuPy (0 unless :func:`is_available`)."""
    if not is_available():
        return 0
    return int(backend.xp.cuda.runtime.getDeviceCount())


def current_device() -> int:
    """The index of the GPU CuPy computes on."""
    if not is_available():
        raise RuntimeError(
            "dg.cuda.current_device(): CUDA is not available (deepgrad uses a GPU through "
            "CuPy after dg.set_backend('cupy'))"
        )
    return int(backend.xp.cuda.runtime.getDevice())


def manual_seed(seed: int) -> None:
    """Seed the GPU's draws: on the CuPy backend this is ``dg.manual_seed(seed)`` (its one
    generator); on the CPU nothing (as ``torch.cuda.manual_seed`` leaves CPU draws alone)."""
    if is_available():
        backend.manual_seed(seed)


def manual_seed_all(seed: int) -> None:
    """Same as :func:`manual_seed` (deepgrad computes on one GPU at a time)."""
    manual_seed(seed)


def synchronize(device: Any = None) -> None:
    """Wait for the GPU's queued work (nothing to wait for on the CPU)."""
    if is_available():
        backend.xp.cuda.Device().synchronize()


def empty_cache() -> None:
    """Release cached GPU memory: CuPy's memory pools on the CuPy backend; nothing to release
    on the CPU (``torch.cuda.empty_cache()`` in a training script runs as is)."""
    if is_available():
        backend.xp.get_default_memory_pool().free_all_blocks()
        backend.xp.get_default_pinned_memory_pool().free_all_blocks()
