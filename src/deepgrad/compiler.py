"""``dg.compile`` (PyTorch's ``torch.compile``): a documented no-op that returns the model or
function it is given, so that programs calling it run. deepgrad executes eagerly on NumPy; its
speed comes from fused kernels, not from a graph compiler.

>>> import deepgrad as dg
>>> from deepgrad import nn
>>> net = nn.Linear(2, 2)
>>> dg.compile(net) is net
True
>>> @dg.compile(mode="max-autotune")
... def f(x):
...     return x * 2
>>> f(3)
6
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["compile"]


def compile(model: Any = None, **options: Any) -> Any:  # noqa: A001 - PyTorch's name
    """Return ``model`` unchanged (with no model: a decorator that does the same). PyTorch's
    options (``mode``, ``fullgraph``, ``dynamic``, ``backend``...) are accepted and ignored."""
    if model is None:

        def decorate(fn: Callable) -> Callable:
            return fn

        return decorate
    if not callable(model):
        raise TypeError(f"dg.compile expects a Module or a function, got {type(model).__name__}")
    return model
