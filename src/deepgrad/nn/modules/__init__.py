"""PyTorch's ``torch.nn.modules`` path: ``deepgrad.nn.modules.module`` is
:mod:`deepgrad.nn.module` (``Module`` and the global hooks ``register_module_forward_hook``,
``register_module_forward_pre_hook``, ``register_module_full_backward_hook``,
``register_module_full_backward_pre_hook``); the layers are ``deepgrad.nn``'s. PyTorch's
sub-module names that programs import base classes from (``from torch.nn.modules.batchnorm
import _BatchNorm``, ``...conv import _ConvNd``, ``...loss import _Loss``) name the deepgrad
module holding the same classes; ``deepgrad.nn.modules.utils`` has ``_pair`` and its kin."""

import importlib as _importlib
import sys as _sys
import types as _types
from typing import Any as _Any

from .. import module
from ..module import Module
from . import utils  # torch.nn.modules.utils (``_pair``), an attribute as in PyTorch

_sys.modules[__name__ + ".module"] = module

#: PyTorch's ``torch.nn.modules.<name>`` → the deepgrad module with those classes
_TORCH_NAMES = {
    "activation": "activation",
    "batchnorm": "normalization",
    "container": "container",
    "conv": "conv",
    "distance": "distance",
    "dropout": "dropout",
    "flatten": "flatten",
    "fold": "fold",
    "instancenorm": "normalization",
    "linear": "linear",
    "loss": "loss",
    "normalization": "normalization",
    "padding": "padding",
    "pixelshuffle": "shuffle",
    "pooling": "pooling",
    "rnn": "recurrent",
    "sparse": "embedding",
    "transformer": "transformer",
    "upsampling": "upsample",
}


class _TorchPath(_types.ModuleType):
    """``deepgrad.nn.modules.<PyTorch's name>``: the names of the deepgrad module holding
    those classes, then those of ``deepgrad.nn`` (the same class objects, so ``isinstance``
    against an imported base class works)."""

    def __init__(self, name: str, ours: _types.ModuleType) -> None:
        super().__init__(name, ours.__doc__)
        self._ours = ours

    def __getattr__(self, attr: str) -> _Any:
        nn = _sys.modules[__name__.rpartition(".")[0]]
        for source in (self._ours, nn):
            if attr in vars(source):
                return vars(source)[attr]
        raise AttributeError(f"module {self.__name__!r} has no attribute {attr!r}")


for _torch_name, _ours in _TORCH_NAMES.items():
    # importable (``from torch.nn.modules.batchnorm import _BatchNorm``) and an attribute
    # (``isinstance(m, nn.modules.batchnorm._BatchNorm)``, as SAM's README writes it)
    _sys.modules[f"{__name__}.{_torch_name}"] = globals()[_torch_name] = _TorchPath(
        f"{__name__}.{_torch_name}",
        _importlib.import_module(f"{__name__.rpartition('.')[0]}.{_ours}"),
    )


def __getattr__(name: str) -> _Any:  # torch.nn.modules.Linear ...: deepgrad.nn's layers
    nn = _sys.modules[__name__.rpartition(".")[0]]
    if not name.startswith("_") and name in vars(nn):
        return vars(nn)[name]
    raise AttributeError(
        f"module 'deepgrad.nn.modules' has no attribute {name!r} (only deepgrad.nn.modules.module "
        "is provided under PyTorch's sub-module names; the layers are in deepgrad.nn)"
    )


__all__ = ["Module", "module", "utils"]
