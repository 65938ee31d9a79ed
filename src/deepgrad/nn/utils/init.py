"""PyTorch's ``nn.utils.init``: :func:`skip_init`, a module made without its initialization."""

from __future__ import annotations

import inspect
from typing import Any

from ... import backend
from ...autograd import no_grad
from ..module import Module

__all__ = ["skip_init"]


def skip_init(module_cls: type, *args: Any, **kwargs: Any) -> Module:
    """``module_cls(*args, **kwargs)`` with its parameters and buffers left uninitialized,
    as PyTorch's ``torch.nn.utils.skip_init`` (which builds the module on the ``meta``
    device): here they are zeros, as ``dg.empty`` gives, and the global random stream is not
    advanced (the initializers' draws go to a stream of their own). ``module_cls`` must take
    a ``device`` argument (``RuntimeError`` otherwise, as PyTorch's).

    >>> import deepgrad as dg
    >>> lin = skip_init(dg.nn.Linear, 3, 2)
    >>> lin.weight.shape, float(lin.weight.abs().sum())
    ((2, 3), 0.0)
    """
    if not issubclass(module_cls, Module):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    with backend.fork_rng(0):
        module = module_cls(*args, **kwargs)
    with no_grad():
        for t in (*module.parameters(), *module.buffers()):
            t._data[...] = 0
    return module
