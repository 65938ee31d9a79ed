"""Automatic mixed precision (``torch.amp``): deepgrad trains in float32 (or float64), so
``autocast`` and ``GradScaler`` are here for programs that use them, with PyTorch's behaviour
on a machine without CUDA.

- ``autocast(device_type="cuda", ...)``: as PyTorch does without CUDA, warns once and runs
  disabled (a no-op); ``enabled=False`` is a silent no-op on any device.
- ``autocast(device_type="cpu")`` enabled: raises — deepgrad has no bfloat16/float16 autocast;
  train in float32 (the default) or cast the model with ``model.to(dg.float16)`` yourself.
- ``GradScaler``: disabled (as PyTorch's is without CUDA, with the same warning when asked for
  ``enabled=True``): ``scale(loss)`` is ``loss``, ``step(opt)`` is ``opt.step()``, ``update()`` and
  ``unscale_(opt)`` do nothing, ``get_scale()`` is 1.0.

>>> import deepgrad as dg
>>> with dg.autocast(device_type="cpu", enabled=False):
...     y = dg.ones(2) * 2
>>> GradScaler(enabled=False).scale(y) is y
True
"""

from __future__ import annotations

import functools
import types
import warnings
from collections.abc import Callable
from typing import Any

__all__ = ["GradScaler", "autocast", "is_autocast_available"]


def is_autocast_available(device_type: str) -> bool:
    """False: deepgrad has no mixed-precision autocast."""
    return False


class autocast:  # noqa: N801 - PyTorch's name
    """A mixed-precision region in PyTorch; here disabled (see the module docstring).
    Usable as a context manager or a decorator."""

    def __init__(
        self,
        device_type: str = "cuda",
        dtype: Any = None,
        enabled: bool = True,
        cache_enabled: bool | None = None,
    ) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"autocast: device_type must be a str, got {type(device_type)}")
        self.device_type = device_type.split(":")[0]
        self.fast_dtype = dtype
        if enabled and self.device_type == "cuda":
            warnings.warn(
                "User provided device_type of 'cuda', but CUDA is not available. Disabling",
                stacklevel=2,
            )
            enabled = False
        if enabled:
            raise NotImplementedError(
                f"autocast(device_type={device_type!r}): deepgrad has no mixed-precision "
                "autocast; it trains in float32 (the default dtype). Drop the autocast, pass "
                "enabled=False, or cast the model yourself (model.to(dg.float16))"
            )
        self._enabled = False

    def __enter__(self) -> autocast:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return fn(*args, **kwargs)

        return wrapper


class GradScaler:
    """Loss scaling for float16 training in PyTorch; here always disabled, an identity."""

    def __init__(
        self,
        device: str = "cuda",
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        if enabled:
            warnings.warn(
                "torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                stacklevel=2,
            )
        self._enabled = False

    def is_enabled(self) -> bool:
        """False: nothing is scaled."""
        return self._enabled

    def scale(self, outputs: Any) -> Any:
        """``outputs`` unchanged."""
        return outputs

    def unscale_(self, optimizer: Any) -> None:
        """Nothing to unscale."""

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """``optimizer.step(*args, **kwargs)``."""
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale: Any = None) -> None:
        """Nothing to update."""

    def get_scale(self) -> float:
        """1.0 (PyTorch's value for a disabled scaler)."""
        return 1.0

    def state_dict(self) -> dict[str, Any]:
        """Empty, as PyTorch's for a disabled scaler."""
        return {}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Accepted (a disabled scaler has no state)."""


class _CudaAutocast(autocast):
    """``torch.cuda.amp.autocast(enabled=True, dtype=torch.float16, cache_enabled=True)``:
    :class:`autocast` on ``"cuda"`` (disabled here, with PyTorch's warning)."""

    def __init__(self, enabled: bool = True, dtype: Any = None, cache_enabled: bool = True) -> None:
        super().__init__("cuda", dtype, enabled, cache_enabled)


class _CudaGradScaler(GradScaler):
    """``torch.cuda.amp.GradScaler(init_scale=2.**16, ...)``: :class:`GradScaler` for
    ``"cuda"`` (disabled here, an identity)."""

    def __init__(
        self,
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        super().__init__(
            "cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled
        )


#: ``deepgrad.cuda.amp`` (PyTorch's older path ``torch.cuda.amp``): the same, with that path's
#: signatures (no ``device_type`` argument)
cuda_amp = types.ModuleType(
    "deepgrad.cuda.amp", "PyTorch's torch.cuda.amp path (see deepgrad.amp)."
)
cuda_amp.autocast = _CudaAutocast  # type: ignore[attr-defined]
cuda_amp.GradScaler = _CudaGradScaler  # type: ignore[attr-defined]
