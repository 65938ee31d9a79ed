"""PyTorch's ``torch.random`` functions over deepgrad's global generator: the state as a
byte tensor, and the seed.

deepgrad's generator is PyTorch's CPU generator (a Mersenne Twister seeded as PyTorch seeds
it: :class:`deepgrad.backend.Stream`), and :func:`get_rng_state` returns its state in
PyTorch's own 5056-byte layout (the initial seed, the twister's 624 words and position, the
cached normal value), so ``dg.set_rng_state(torch.get_rng_state())`` continues PyTorch's
stream and ``torch.set_rng_state(dg.get_rng_state())`` deepgrad's. Draws after
``set_rng_state(s)`` repeat those made after ``s = get_rng_state()``.

>>> import deepgrad as dg
>>> s = dg.get_rng_state()
>>> a = dg.rand(3); dg.set_rng_state(s)
>>> bool((dg.rand(3) == a).all()), s.dtype, tuple(s.shape)
(True, dtype('uint8'), (5056,))
"""

from __future__ import annotations

import contextlib
import struct
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

#: PyTorch's CPU generator state: seed (u64), left, seeded (i32), next (u64), the 624 words
#: (u64 each), the double normal's x, y, rho (f64) and valid flag (i32, 4 bytes padding),
#: the float normal (f32) and its flag (bool, 3 bytes padding)
_HEAD = struct.Struct("<QiiQ")
_TAIL = struct.Struct("<dddi4xf?3x")
STATE_BYTES = _HEAD.size + 624 * 8 + _TAIL.size


def _stream() -> Any:
    g = backend.rng()
    if not isinstance(g, backend.Stream):
        raise RuntimeError(
            "get_rng_state/set_rng_state: the generator is not deepgrad's CPU stream (the "
            "CuPy backend's has no byte state); use dg.manual_seed to restart it instead"
        )
    return g


def _fresh(key: numpy.ndarray) -> bool:
    """Whether the twister's words are those of its seeding, not yet regenerated."""
    k0 = int(key[0])
    return int(key[1]) == (1812433253 * (k0 ^ (k0 >> 30)) + 1) & 0xFFFFFFFF


def _state_tensor(g: Any, seed_: int) -> Tensor:
    """Stream ``g`` (started from ``seed_``) as PyTorch's 5056 state bytes, a uint8 tensor."""
    st = g.bit_generator.state["state"]
    key, pos = numpy.asarray(st["key"], numpy.uint32), int(st["pos"])
    if pos >= 624:  # the next draw regenerates the words
        left, nxt = 1, 0 if _fresh(key) else 624
    else:
        left, nxt = 625 - pos, pos
    cache = g.normal_cache
    raw = (
        _HEAD.pack(seed_ % 2**64, left, 1, nxt)
        + key.astype("<u8").tobytes()
        + _TAIL.pack(0.0, 0.0 if cache is None else cache, 0.0, cache is not None, 0.0, False)
    )
    return Tensor._wrap(numpy.frombuffer(raw, dtype=numpy.uint8).copy())


def _check_state(new_state: Any, who: str) -> None:
    """PyTorch's ``TypeError`` for a state that is not a uint8 tensor."""
    if not isinstance(new_state, Tensor) or new_state.dtype != numpy.uint8:
        what = new_state.dtype if isinstance(new_state, Tensor) else type(new_state).__name__
        raise TypeError(f"RNG state must be a uint8 tensor (from {who}), got {what}")


def _load_state(g: Any, new_state: Any, who: str) -> int:
    """Put PyTorch's state bytes ``new_state`` (a uint8 tensor) into stream ``g``; returns the
    seed they record. ``who`` names the caller in the errors."""
    _check_state(new_state, who)
    raw = bytes(backend.to_numpy(new_state._data).reshape(-1).tobytes())
    if len(raw) != STATE_BYTES:
        raise RuntimeError(
            f"set_rng_state: expected a generator state of {STATE_BYTES} bytes (PyTorch's CPU "
            f"layout, from {who} or PyTorch's), got {len(raw)} bytes"
        )
    seed_, left, _seeded, nxt = _HEAD.unpack_from(raw, 0)
    words = numpy.frombuffer(raw, "<u8", 624, _HEAD.size)
    _x, y, _rho, valid, _f, _fvalid = _TAIL.unpack_from(raw, _HEAD.size + 624 * 8)
    if (words >> 32).any() or not 1 <= left <= 625 or not 0 <= nxt <= 624:
        raise RuntimeError(
            "set_rng_state: the state's Mersenne Twister words or position are corrupt"
        )
    pos = 624 if left == 1 else int(nxt)
    g.bit_generator.state = {
        "bit_generator": "MT19937",
        "state": {"key": words.astype(numpy.uint32), "pos": pos},
    }
    g.normal_cache = float(y) if valid else None
    return int(seed_)


def get_rng_state() -> Tensor:
    """The global generator's state as a uint8 tensor in PyTorch's layout (see the module
    docstring), for :func:`set_rng_state` — deepgrad's or PyTorch's."""
    return _state_tensor(_stream(), backend.default_generator.initial_seed())


def set_rng_state(new_state: Any) -> None:
    """Restore the global generator to a state from :func:`get_rng_state` (or PyTorch's
    ``torch.get_rng_state()``)."""
    _check_state(new_state, "dg.get_rng_state()")  # before the CuPy backend's refusal
    backend._set_current_seed(_load_state(_stream(), new_state, "dg.get_rng_state()"))


def _generator_get_state(self: Any) -> Tensor:
    """PyTorch's ``Generator.get_state()``: the stream's state as 5056 uint8 bytes in
    PyTorch's layout (``torch.Generator().set_state`` takes it, and this generator takes
    PyTorch's)."""
    if isinstance(self, backend._DefaultGenerator):
        return get_rng_state()
    return _state_tensor(self.rng, self._seed)


def _generator_set_state(self: Any, new_state: Any) -> Any:
    """PyTorch's ``Generator.set_state(state)``: continue from a state of
    :meth:`get_state` (or of a ``torch.Generator``); returns the generator."""
    if isinstance(self, backend._DefaultGenerator):
        set_rng_state(new_state)
    else:
        self._seed = _load_state(self.rng, new_state, "Generator.get_state()")
    return self


# the generators' states as PyTorch's byte tensors (the backend, a floor below the tensor,
# keeps dicts; this module puts PyTorch's methods in place, as devices.py puts ``device``)
for _cls in (backend.Generator, backend._DefaultGenerator):
    _cls.get_state = _generator_get_state  # type: ignore[method-assign]
    _cls.set_state = _generator_set_state  # type: ignore[method-assign]


def seed() -> int:
    """Reseed the global generator from the operating system's entropy; returns the seed."""
    s = int(numpy.random.SeedSequence().entropy % 2**63)
    manual_seed(s)
    return s


def initial_seed() -> int:
    """The seed the global generator started from (``manual_seed``'s, or the one drawn at
    import); in a DataLoader worker, its own (``base_seed + worker_id``, as PyTorch's)."""
    return backend.default_generator.initial_seed()


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
