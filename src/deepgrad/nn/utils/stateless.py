"""PyTorch's ``nn.utils.stateless``: the deprecated home of :func:`functional_call`."""

from __future__ import annotations

import warnings
from typing import Any

from ..module import Module

__all__ = ["functional_call"]


def functional_call(
    module: Module,
    parameters_and_buffers: dict,
    args: Any = None,
    kwargs: dict | None = None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
) -> Any:
    """PyTorch's deprecated ``torch.nn.utils.stateless.functional_call``: a
    ``FutureWarning``, then :func:`deepgrad.func.functional_call` (``module(*args,
    **kwargs)`` with the given tensors in place of its parameters and buffers)."""
    warnings.warn(
        "`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 and will "
        "be removed in a future version of PyTorch. Please use `torch.func.functional_call` "
        "instead which is a drop-in replacement.",
        FutureWarning,
        stacklevel=2,
    )
    from ...func import functional_call as call  # the same layer, imported on use

    return call(
        module, parameters_and_buffers, args, kwargs, tie_weights=tie_weights, strict=strict
    )
