"""``dg.serialization``: PyTorch's ``torch.serialization`` — :func:`save` and :func:`load`,
and the allowlist of classes and functions that a ``torch.save`` checkpoint may name.

deepgrad reads ``torch.save`` archives as PyTorch's ``weights_only=True`` loader does
(:mod:`deepgrad.io.torch_zip`): tensors, numbers, strings and containers, and no other global
unless the *program* allowlists it. A checkpoint that holds, say, a NumPy number or an
``argparse.Namespace`` of hyperparameters loads after
``add_safe_globals([numpy.dtype, ...])`` in both frameworks, with the same names:
:func:`add_safe_globals`, the :class:`safe_globals` context manager, :func:`get_safe_globals`,
:func:`clear_safe_globals` and :func:`get_unsafe_globals_in_checkpoint` (which names what a
file would need). Only allowlist what you trust: an allowlisted class is created and its
state set from the file, as in PyTorch.

>>> import argparse, deepgrad as dg
>>> dg.serialization.add_safe_globals([argparse.Namespace])
>>> dg.serialization.get_safe_globals() == [argparse.Namespace]
True
>>> dg.serialization.clear_safe_globals()
>>> with dg.serialization.safe_globals([argparse.Namespace]):
...     len(dg.serialization.get_safe_globals())
1
>>> dg.serialization.get_safe_globals()
[]
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from .io.checkpoint import _read_all, load, save
from .io.torch_zip import (
    _REFUSED,
    SAFE_GLOBALS,
    check_safe_global,
    globals_in_archive,
    user_globals,
)
from .io.torch_zip import GLOBALS as _DEFAULT_GLOBALS

__all__ = [
    "DEFAULT_PROTOCOL",
    "add_safe_globals",
    "clear_safe_globals",
    "get_safe_globals",
    "get_unsafe_globals_in_checkpoint",
    "load",
    "safe_globals",
    "save",
]

#: PyTorch's pickle protocol for ``torch.save`` (deepgrad's own files are safetensors: no pickle)
DEFAULT_PROTOCOL = 2

Entry = Callable[..., Any] | tuple[Callable[..., Any], str]


def _entries(items: Iterable[Entry], fn: str) -> list[Entry]:
    if isinstance(items, (str, bytes, tuple)) or not isinstance(items, Iterable):
        shown = getattr(items, "__qualname__", None) or repr(items)[:60]
        raise TypeError(
            f"{fn} expects a list of classes or functions (or (object, 'module.name') pairs), "
            f"got {type(items).__name__} {shown}: wrap it in a list, {fn}([{shown}])"
        )
    out = list(items)
    for entry in out:
        check_safe_global(entry)
    return out


def add_safe_globals(safe_globals: list[Entry]) -> None:
    """Allowlist classes and functions for loading ``torch.save`` checkpoints (for the rest of
    the process): a file may then name them, call them, create instances of the classes and
    set their state. Each entry is the object itself, found in a file by
    ``f"{obj.__module__}.{obj.__qualname__}"``, or ``(obj, "module.name")`` to give the name the
    file uses (a checkpoint written under NumPy 1 names ``numpy.core.multiarray.scalar``)."""
    for entry in _entries(safe_globals, "add_safe_globals"):
        SAFE_GLOBALS[entry] = None


def get_safe_globals() -> list[Entry]:
    """The entries :func:`add_safe_globals` and active :class:`safe_globals` blocks added."""
    return list(SAFE_GLOBALS)


def clear_safe_globals() -> None:
    """Empty the allowlist (the defaults — tensors, containers — stay allowed)."""
    SAFE_GLOBALS.clear()


class safe_globals:  # noqa: N801 - PyTorch's name
    """``with dg.serialization.safe_globals([cls, ...]):`` — the entries are allowlisted
    inside the block only (removed on exit, also after an error)."""

    def __init__(self, safe_globals: list[Entry]) -> None:
        self.safe_globals = _entries(safe_globals, "safe_globals")

    def __enter__(self) -> None:
        for entry in self.safe_globals:
            SAFE_GLOBALS[entry] = None

    def __exit__(self, *exc: object) -> None:
        for entry in self.safe_globals:
            SAFE_GLOBALS.pop(entry, None)


def get_unsafe_globals_in_checkpoint(f: str | os.PathLike | Any) -> list[str]:
    """The globals a ``torch.save`` checkpoint names that loading would refuse: neither allowed
    by default nor allowlisted (``"module.name"`` strings, to pass to :func:`add_safe_globals`
    as the objects they name). The file's pickle is disassembled, never run.

    Raises ``ValueError`` for a file that is not a ``torch.save`` zip archive (PyTorch's)."""
    data, name = _read_all(f)
    if data[:4] != b"PK\x03\x04":
        raise ValueError("Expected input to be a checkpoint returned by torch.save")
    found = globals_in_archive(data, name)
    return sorted(found - set(_DEFAULT_GLOBALS) - _REFUSED - set(user_globals()))
