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


class OutOfMemoryError(RuntimeError):
    """PyTorch's ``torch.cuda.OutOfMemoryError`` (also ``torch.OutOfMemoryError``), a
    ``RuntimeError``: here for programs that catch it around a GPU allocation. On the CPU,
    deepgrad's allocations fail as NumPy's do, with a ``MemoryError``.
    """


def is_available() -> bool:
    """True when tensors can live on a GPU: the CuPy backend is active (it checked for one)."""
    return backend.name() == "cupy"


def device_count() -> int:
    """The number of GPUs usable through CuPy (0 unless :func:`is_available`)."""
    if not is_available():
        return 0
    return int(backend.xp.cuda.runtime.getDeviceCount())


def current_device() -> int:
    """The index of the GPU CuPy computes on; without CUDA PyTorch's ``AssertionError``."""
    if not is_available():
        raise _not_compiled("current_device()")
    return int(backend.xp.cuda.runtime.getDevice())


def set_device(device: Any) -> None:
    """Compute on GPU ``device`` (an index, ``"cuda:1"`` or a ``dg.device``); without CUDA
    PyTorch's ``AssertionError``."""
    if not is_available():
        raise _not_compiled("set_device()")
    backend.xp.cuda.Device(_index(device)).use()


def manual_seed(seed: int) -> None:
    """Seed the GPU's draws: on the CuPy backend this is ``dg.manual_seed(seed)`` (its one
    generator); on the CPU nothing (as ``torch.cuda.manual_seed`` leaves CPU draws alone)."""
    if is_available():
        backend.manual_seed(seed)


def manual_seed_all(seed: int) -> None:
    """Same as :func:`manual_seed` (deepgrad computes on one GPU at a time)."""
    manual_seed(seed)


def synchronize(device: Any = None) -> None:
    """Wait for the GPU's queued work; without CUDA PyTorch's ``AssertionError`` (a program
    that times GPU work this way would otherwise time nothing)."""
    if not is_available():
        raise _not_compiled("synchronize()")
    backend.xp.cuda.Device().synchronize()


def _no_byte_state(fn: str) -> RuntimeError:
    """Why a CUDA generator state cannot be had: PyTorch's ``AssertionError`` without CUDA;
    on the CuPy backend a ``RuntimeError`` (CuPy's generator has no byte state)."""
    if not is_available():
        return _not_compiled(fn)
    return RuntimeError(
        f"dg.cuda.{fn}: the CuPy backend's generator has no byte state (CUDA's Philox is "
        "PyTorch's); restart it with dg.manual_seed, or save a run with fit's checkpoints, "
        "which keep it"
    )


def get_rng_state(device: Any = "cuda") -> Any:
    """PyTorch's CUDA generator state. Without CUDA its ``AssertionError``; on the CuPy
    backend a ``RuntimeError``: CuPy's generator has no byte state (``fit``'s checkpoints
    save and restore it; ``dg.manual_seed`` restarts it)."""
    raise _no_byte_state("get_rng_state()")


def set_rng_state(new_state: Any, device: Any = "cuda") -> None:
    """PyTorch's CUDA generator state, restored: see :func:`get_rng_state`."""
    raise _no_byte_state("set_rng_state()")


def get_rng_state_all() -> list:
    """Every GPU's generator state: see :func:`get_rng_state`."""
    raise _no_byte_state("get_rng_state_all()")


def set_rng_state_all(new_states: Any) -> None:
    """Every GPU's generator state, restored: see :func:`get_rng_state`."""
    raise _no_byte_state("set_rng_state_all()")


class Stream:
    """PyTorch's ``torch.cuda.Stream``: a CuPy stream on the CuPy backend; without CUDA
    PyTorch's ``RuntimeError``."""

    def __new__(cls, device: Any = None, priority: int = 0, **kwargs: Any) -> Any:
        if not is_available():
            raise RuntimeError("dg.cuda.Stream requires CUDA support (the CuPy backend)")
        return backend.xp.cuda.Stream(non_blocking=True)


class Event:
    """PyTorch's ``torch.cuda.Event``: a CuPy event on the CuPy backend (``enable_timing``,
    ``blocking``, ``interprocess`` as CuPy takes them); without CUDA a ``RuntimeError``."""

    def __new__(
        cls, enable_timing: bool = False, blocking: bool = False, interprocess: bool = False
    ) -> Any:
        if not is_available():
            raise RuntimeError("dg.cuda.Event requires CUDA support (the CuPy backend)")
        return backend.xp.cuda.Event(
            block=blocking, disable_timing=not enable_timing, interprocess=interprocess
        )


def empty_cache() -> None:
    """Release cached GPU memory: CuPy's memory pools on the CuPy backend; nothing to release
    on the CPU (``torch.cuda.empty_cache()`` in a training script runs as is)."""
    if is_available():
        backend.xp.get_default_memory_pool().free_all_blocks()
        backend.xp.get_default_pinned_memory_pool().free_all_blocks()


class _NoCuda(AssertionError, RuntimeError):
    """PyTorch's ``AssertionError`` for CUDA on a build without it; also a ``RuntimeError``,
    what deepgrad raised for some of these before."""


def _not_compiled(fn: str) -> AssertionError:
    """PyTorch's error for a CUDA query on a build without CUDA (here: the CuPy backend off)."""
    return _NoCuda(
        f"Torch not compiled with CUDA enabled (dg.cuda.{fn}: deepgrad uses a GPU through "
        "CuPy after dg.set_backend('cupy'))"
    )


def memory_allocated(device: Any = None) -> int:
    """Bytes of GPU memory held by tensors: CuPy's memory pool's used bytes on the CuPy
    backend, 0 otherwise (as PyTorch's on a machine without CUDA: logging code runs)."""
    if not is_available():
        return 0
    return int(backend.xp.get_default_memory_pool().used_bytes())


def memory_reserved(device: Any = None) -> int:
    """Bytes the GPU memory pool holds (used and cached): CuPy's pool's total on the CuPy
    backend, 0 otherwise (PyTorch's answer without CUDA)."""
    if not is_available():
        return 0
    return int(backend.xp.get_default_memory_pool().total_bytes())


#: the highest :func:`memory_allocated` / :func:`memory_reserved` seen since the last reset
_PEAK = {"allocated": 0, "reserved": 0}


def max_memory_allocated(device: Any = None) -> int:
    """The peak of :func:`memory_allocated` as sampled by the calls to it and to this
    function since :func:`reset_peak_memory_stats` (CuPy's pool keeps no high-water mark);
    0 without CUDA, as PyTorch's."""
    _PEAK["allocated"] = max(_PEAK["allocated"], memory_allocated(device))
    return _PEAK["allocated"]


def max_memory_reserved(device: Any = None) -> int:
    """The peak of :func:`memory_reserved` as sampled (see :func:`max_memory_allocated`)."""
    _PEAK["reserved"] = max(_PEAK["reserved"], memory_reserved(device))
    return _PEAK["reserved"]


def reset_peak_memory_stats(device: Any = None) -> None:
    """Start the peaks of :func:`max_memory_allocated` / :func:`max_memory_reserved` again.
    Without CUDA PyTorch's raises (its CUDA hooks are missing): so does this, naming it."""
    if not is_available():
        raise _not_compiled("reset_peak_memory_stats")
    _PEAK["allocated"] = _PEAK["reserved"] = 0


def memory_stats(device: Any = None) -> dict:
    """PyTorch's statistics dict: empty without CUDA (PyTorch's answer); on the CuPy backend
    the current and peak allocated and reserved bytes under PyTorch's keys."""
    if not is_available():
        return {}
    return {
        "allocated_bytes.all.current": memory_allocated(),
        "allocated_bytes.all.peak": max_memory_allocated(),
        "reserved_bytes.all.current": memory_reserved(),
        "reserved_bytes.all.peak": max_memory_reserved(),
    }


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """False: NumPy and CuPy have no bfloat16 (PyTorch's answer without CUDA too)."""
    return False


def is_initialized() -> bool:
    """Whether the GPU is in use: the CuPy backend is active."""
    return is_available()


def get_device_name(device: Any = None) -> str:
    """The GPU's name (CuPy's device properties); without CUDA PyTorch's ``AssertionError``."""
    if not is_available():
        raise _not_compiled("get_device_name")
    dev = backend.xp.cuda.Device() if device is None else backend.xp.cuda.Device(_index(device))
    name = backend.xp.cuda.runtime.getDeviceProperties(dev.id)["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


def get_device_capability(device: Any = None) -> tuple[int, int]:
    """The GPU's compute capability ``(major, minor)``; without CUDA PyTorch's
    ``AssertionError``."""
    if not is_available():
        raise _not_compiled("get_device_capability")
    dev = backend.xp.cuda.Device() if device is None else backend.xp.cuda.Device(_index(device))
    cc = str(dev.compute_capability)
    return int(cc[:-1]), int(cc[-1])


def _index(device: Any) -> int:
    """A device's index: an int, ``"cuda:1"`` or a ``dg.device``."""
    if isinstance(device, int):
        return device
    index = getattr(device, "index", None)
    if index is None and isinstance(device, str) and ":" in device:
        index = int(device.split(":", 1)[1])
    return int(index or 0)
