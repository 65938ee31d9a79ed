"""PyTorch's ``torch.random`` functions over deepgrad's global generator: the state as a
byte tensor, and the seed.

deepgrad draws from NumPy's PCG64, so its state is not PyTorch's 5056-byte Mersenne-Twister
state: :func:`get_rng_state` returns deepgrad's own (a uint8 tensor of
:data:`STATE_BYTES` bytes) and :func:`set_rng_state` takes only such a tensor back (a
PyTorch state is refused by its size). Draws after ``set_rng_state(s)`` repeat those made
after ``s = get_rng_state()``.

>>> import deepgrad as dg
>>> s = dg.get_rng_state()
>>> a = dg.rand(3); dg.set_rng_state(s)
>>> bool((dg.rand(3) == a).all()), s.dtype, tuple(s.shape)
(True, dtype('uint8'), (49,))
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

import numpy

from . import backend
from .backend import default_generator, manual_seed
from .tensor import Tensor

__all__ = [
    "default_generator",
    "fork_rng",
    "get_rng_state",
    "initial_seed",
    "manual_seed",
    "seed",
    "set_rng_state",
]

_MAGIC = b"DGR1"  # deepgrad, PCG64, layout 1
#: the bytes of a state: magic, PCG64's 128-bit state and increment, its buffered 32-bit
#: draw (flag and value), and the seed the stream started from (64 bits)
STATE_BYTES = 4 + 16 + 16 + 1 + 4 + 8


def _pcg64_state() -> dict:
    st = backend.rng().bit_generator.state
    if not isinstance(st, dict) or st.get("bit_generator") != "PCG64":
        raise RuntimeError(
            "get_rng_state/set_rng_state: the generator is not NumPy's PCG64 (the CuPy "
            "backend's has no byte state); use dg.manual_seed to restart it instead"
        )
    return st


def get_rng_state() -> Tensor:
    """The global generator's state as a uint8 tensor (deepgrad's layout, see the module
    docstring), for :func:`set_rng_state`."""
    st = _pcg64_state()
    inner = st["state"]
    seed_ = (backend._seed or 0) % 2**64
    raw = (
        _MAGIC
        + int(inner["state"]).to_bytes(16, "little")
        + int(inner["inc"]).to_bytes(16, "little")
        + bytes([int(st["has_uint32"])])
        + int(st["uinteger"]).to_bytes(4, "little")
        + seed_.to_bytes(8, "little")
    )
    return Tensor._wrap(numpy.frombuffer(raw, dtype=numpy.uint8).copy())


def set_rng_state(new_state: Any) -> None:
    """Restore the global generator to a state from :func:`get_rng_state`."""
    if not isinstance(new_state, Tensor) or new_state.dtype != numpy.uint8:
        what = new_state.dtype if isinstance(new_state, Tensor) else type(new_state).__name__
        raise TypeError(f"RNG state must be a uint8 tensor (from dg.get_rng_state()), got {what}")
    raw = bytes(backend.to_numpy(new_state._data).reshape(-1).tobytes())
    if len(raw) != STATE_BYTES or raw[:4] != _MAGIC:
        raise RuntimeError(
            f"set_rng_state: expected deepgrad's generator state of {STATE_BYTES} bytes from "
            f"dg.get_rng_state(), got {len(raw)} bytes (PyTorch's states cannot be loaded: "
            "deepgrad draws from NumPy's PCG64, not PyTorch's generator)"
        )
    st = _pcg64_state()
    st = {
        "bit_generator": "PCG64",
        "state": {
            "state": int.from_bytes(raw[4:20], "little"),
            "inc": int.from_bytes(raw[20:36], "little"),
        },
        "has_uint32": raw[36],
        "uinteger": int.from_bytes(raw[37:41], "little"),
    }
    backend.rng().bit_generator.state = st
    backend._seed = int.from_bytes(raw[41:49], "little")


def seed() -> int:
    """Reseed the global generator from the operating system's entropy; returns the seed."""
    s = int(numpy.random.SeedSequence().entropy % 2**63)
    manual_seed(s)
    return s


def initial_seed() -> int:
    """The seed the global generator started from (``manual_seed``'s, or the one drawn at
    import)."""
    return int(backend._seed or 0)


@contextlib.contextmanager
def fork_rng(
    devices: Iterable[Any] | None = None,
    enabled: bool = True,
    _caller: str = "fork_rng",
    _devices_kw: str = "devices",
    device_type: str | None = None,
) -> Iterator[None]:
    """PyTorch's ``torch.random.fork_rng``: run a block, then put the global generator back
    where it was (its state and seed), so that draws after the block are those that would
    have come without it; with ``enabled=False`` nothing is saved. ``devices`` and
    ``device_type`` name CUDA devices in PyTorch; deepgrad has one stream (the CuPy
    backend's, when it is on), which is forked.

    >>> import deepgrad as dg
    >>> _ = dg.manual_seed(0); a = dg.rand(2)
    >>> _ = dg.manual_seed(0)
    >>> with dg.random.fork_rng():
    ...     _ = dg.manual_seed(9); _ = dg.rand(100)
    >>> bool((dg.rand(2) == a).all()), dg.initial_seed()
    (True, 0)
    """
    del devices, _caller, _devices_kw, device_type
    if not enabled:
        yield
        return
    state, seed_ = backend.get_rng_state(), backend._seed
    try:
        yield
    finally:
        backend.set_rng_state(state)
        backend._seed = seed_
