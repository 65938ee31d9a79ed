"""``dg.cpu``: PyTorch's ``torch.cpu``, the CPU's answers to the questions device-agnostic code
asks of ``torch.cuda`` (``getattr(torch, device.type).synchronize()``).

deepgrad computes on the CPU unless the CuPy backend is active, and its CPU work is finished
when a call returns: so, as PyTorch's, there is one CPU device, synchronizing waits for
nothing, and streams and events are placeholders whose waits return at once.
``dg.cpu.amp`` is PyTorch's older ``torch.cpu.amp`` path to :class:`deepgrad.amp.autocast`.

>>> import deepgrad as dg
>>> dg.cpu.is_available(), dg.cpu.device_count(), dg.cpu.current_device()
(True, 1, 'cpu')
>>> dg.cpu.synchronize()
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from .amp import cpu_amp as amp

__all__ = [
    "Event",
    "Stream",
    "StreamContext",
    "amp",
    "current_device",
    "current_stream",
    "device_count",
    "is_available",
    "is_initialized",
    "set_device",
    "stream",
    "synchronize",
]


def is_available() -> bool:
    """True: the CPU is always there."""
    return True


def is_initialized() -> bool:
    """True: the CPU needs no initialization."""
    return True


def device_count() -> int:
    """1: the CPU counts as one device (its cores are threads, :func:`deepgrad.get_num_threads`)."""
    return 1


def current_device() -> str:
    """``"cpu"``, PyTorch's answer."""
    return "cpu"


def set_device(device: Any) -> None:
    """Nothing to select: there is one CPU device (PyTorch ignores the argument too)."""


def synchronize(device: Any = None) -> None:
    """Nothing to wait for: deepgrad's CPU work is done when a call returns."""


class Stream:
    """A placeholder stream (PyTorch's ``torch.cpu.Stream``): work on the CPU runs in order,
    so its waits and records do nothing."""

    def __init__(self, priority: int = -1) -> None:
        self.priority = priority

    def wait_stream(self, stream: Any) -> None:
        """Nothing to wait for."""

    def record_event(self) -> None:
        """Nothing to record."""

    def wait_event(self, event: Any) -> None:
        """Nothing to wait for."""


class Event:
    """A placeholder event (PyTorch's ``torch.cpu.Event``): always complete."""

    def query(self) -> bool:
        """True: the CPU's work before it is done."""
        return True

    def record(self, stream: Any = None) -> None:
        """Nothing to record."""

    def synchronize(self) -> None:
        """Nothing to wait for."""

    def wait(self, stream: Any = None) -> None:
        """Nothing to wait for."""


_default_stream = Stream()
_current = _default_stream


def current_stream(device: Any = None) -> Stream:
    """The stream selected by :class:`StreamContext` / :func:`stream` (the default one
    outside them)."""
    return _current


class StreamContext(AbstractContextManager):
    """Selects ``stream`` for the ``with`` block (``None``: leaves the selection alone)."""

    def __init__(self, stream: Stream | None) -> None:
        self.stream = stream
        self.prev_stream = _default_stream

    def __enter__(self) -> None:
        global _current
        if self.stream is None:
            return
        self.prev_stream, _current = _current, self.stream

    def __exit__(self, *exc: object) -> None:
        global _current
        if self.stream is not None:
            _current = self.prev_stream


def stream(stream: Stream | None) -> AbstractContextManager:
    """``with dg.cpu.stream(s):`` — :class:`StreamContext`."""
    return StreamContext(stream)
