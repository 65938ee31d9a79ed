"""PyTorch's ``torch.nn.modules`` path: ``deepgrad.nn.modules.module`` is
:mod:`deepgrad.nn.module` (``Module`` and the global hooks ``register_module_forward_hook``,
``register_module_forward_pre_hook``, ``register_module_full_backward_hook``,
``register_module_full_backward_pre_hook``); the layers are ``deepgrad.nn``'s."""

import sys as _sys
from typing import Any as _Any

from .. import module
from ..module import Module

_sys.modules[__name__ + ".module"] = module


def __getattr__(name: str) -> _Any:  # torch.nn.modules.Linear ...: deepgrad.nn's layers
    nn = _sys.modules[__name__.rpartition(".")[0]]
    if not name.startswith("_") and name in vars(nn):
        return vars(nn)[name]
    raise AttributeError(
        f"module 'deepgrad.nn.modules' has no attribute {name!r} (only deepgrad.nn.modules.module "
        "is provided under PyTorch's sub-module names; the layers are in deepgrad.nn)"
    )


__all__ = ["Module", "module"]
