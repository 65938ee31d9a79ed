"""``deepgrad.jit``: PyTorch's ``torch.jit`` names, so that programs calling them run.
As :func:`deepgrad.compile`, ``script`` and ``trace`` return the module or function they are
given: deepgrad executes eagerly on NumPy and has no graph format. Saving goes through
deepgrad's model file instead: ``jit.save`` and ``jit.load`` raise, naming it.

>>> import deepgrad as dg
>>> from deepgrad import nn
>>> net = nn.Linear(2, 2)
>>> import warnings
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore", DeprecationWarning)  # PyTorch 2.13 deprecates both
...     dg.jit.script(net) is net, dg.jit.trace(net, dg.randn(1, 2)) is net
(True, True)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

__all__ = ["export", "ignore", "is_scripting", "is_tracing", "load", "save", "script", "trace", "unused"]  # fmt: skip


def _callable(obj: Any, where: str) -> Any:
    warnings.warn(  # PyTorch 2.13's deprecation, the same category and text
        f"`torch.jit.{where}` is deprecated. Please switch to `torch.compile` or `torch.export`.",
        DeprecationWarning,
        stacklevel=3,
    )
    if not callable(obj):
        raise TypeError(f"dg.jit.{where} expects a Module or a function, got {type(obj).__name__}")
    return obj


def script(obj: Any, optimize: Any = None, _frames_up: int = 0, _rcb: Any = None,
           example_inputs: Any = None) -> Any:  # fmt: skip
    """Return ``obj`` (a module or function) unchanged: it runs as Python, with the same
    results a scripted one gives. Warns (``DeprecationWarning``) as PyTorch 2.13 does."""
    return _callable(obj, "script")


def trace(func: Any, example_inputs: Any = None, *args: Any, **kwargs: Any) -> Any:
    """Return ``func`` unchanged (PyTorch's options are accepted and ignored). Unlike a
    PyTorch trace, data-dependent control flow is not frozen to the example's path: the
    function keeps running as Python. Warns (``DeprecationWarning``) as PyTorch 2.13 does."""
    return _callable(func, "trace")


def _no_graph_file(name: str) -> Callable:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f"dg.jit.{name}: deepgrad has no TorchScript format; save a model with "
            "model.save('model.dg') (or dg.save(model.state_dict(), path)) and load it with "
            "dg.load_model('model.dg') (or model.load_state_dict(dg.load(path)))"
        )

    refuse.__name__ = name
    refuse.__doc__ = f"Raises ``NotImplementedError``, naming deepgrad's model file ({name})."
    return refuse


save = _no_graph_file("save")
load = _no_graph_file("load")


def ignore(drop: Any = False, **kwargs: Any) -> Any:
    """The decorator (``@jit.ignore`` or ``@jit.ignore(drop=...)``): the function unchanged."""
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn: Callable) -> Callable:
    """The decorator: the function unchanged."""
    return fn


def export(fn: Callable) -> Callable:
    """The decorator: the function unchanged."""
    return fn


def is_scripting() -> bool:
    """False: nothing is ever scripted."""
    return False


def is_tracing() -> bool:
    """False: nothing is ever traced."""
    return False
