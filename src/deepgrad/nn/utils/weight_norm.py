"""PyTorch's older ``nn.utils.weight_norm`` / ``remove_weight_norm``: weight normalization as
a forward pre-hook. ``weight`` is replaced by the parameters ``weight_g`` (magnitude) and
``weight_v`` (direction), and recomputed as ``g · v / ‖v‖`` before every forward. PyTorch
deprecates it (a ``FutureWarning``) in favour of
:func:`deepgrad.nn.utils.parametrizations.weight_norm`.
"""

from __future__ import annotations

import warnings
from typing import Any

from ...tensor import Tensor
from ..module import Module
from ..parameter import Parameter, refuse_uninitialized
from .parametrizations import _norm_except_dim, _weight_norm

__all__ = ["WeightNorm", "remove_weight_norm", "weight_norm"]


class WeightNorm:
    """The forward pre-hook that recomputes ``module.<name>`` from ``<name>_g`` and
    ``<name>_v``."""

    def __init__(self, name: str, dim: int | None) -> None:
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module: Module) -> Tensor:
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return _weight_norm(v, g, self.dim)

    @staticmethod
    def apply(module: Module, name: str, dim: int | None) -> WeightNorm:
        warnings.warn(
            "`torch.nn.utils.weight_norm` is deprecated in favor of "
            "`torch.nn.utils.parametrizations.weight_norm`.",
            FutureWarning,
            stacklevel=3,
        )
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(
                    f"Cannot register two weight_norm hooks on the same parameter {name}"
                )
        fn = WeightNorm(name, dim)
        weight = module._parameters.get(name)
        if weight is None:
            raise ValueError(f"weight_norm: {type(module).__name__} has no parameter {name!r}")
        refuse_uninitialized(weight, "WeightNorm", "weight normalization")
        del module._parameters[name]
        module.register_parameter(name + "_g", Parameter(_norm_except_dim(weight.detach(), fn.dim)))
        module.register_parameter(name + "_v", Parameter(weight.detach()))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        module.__dict__.pop(self.name + "_g", None)
        module.__dict__.pop(self.name + "_v", None)
        setattr(module, self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Weight normalization of ``module.<name>`` by a forward pre-hook (PyTorch's deprecated
    ``nn.utils.weight_norm``): parameters ``<name>_g`` = ‖w‖ over every dimension but ``dim``
    (the whole tensor with ``dim=None``) and ``<name>_v`` = w; ``w = g · v / ‖v‖`` is
    recomputed before every forward. Warns (``FutureWarning``) as PyTorch 2.13 does. Returns
    ``module``."""
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module: Module, name: str = "weight") -> Module:
    """Undo :func:`weight_norm`: ``<name>`` is a plain parameter again holding ``g · v / ‖v‖``.
    Returns ``module``."""
    hooks = module._forward_pre_hooks
    for k, hook in list(hooks.items()):
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del hooks[k]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
