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

__all__ = [
    "GradScaler",
    "autocast",
    "clear_autocast_cache",
    "custom_bwd",
    "custom_fwd",
    "get_autocast_dtype",
    "is_autocast_available",
    "is_autocast_cache_enabled",
    "is_autocast_enabled",
    "set_autocast_cache_enabled",
    "set_autocast_dtype",
    "set_autocast_enabled",
]


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


#: what the autocast setters recorded: the dtypes per device type (PyTorch's defaults: cuda
#: float16; cpu bfloat16, which NumPy lacks, so None until set) and the cache flag
_AUTOCAST: dict[str, Any] = {"cuda": "float16", "cpu": None, "cache": True}


def _refuse_enabling(what: str) -> None:
    raise NotImplementedError(
        f"{what}: deepgrad has no mixed-precision autocast; it trains in float32 (the "
        "default dtype). Leave it disabled, or cast the model yourself (model.to(dg.float16))"
    )


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """False: autocast is never on in deepgrad."""
    return False


def set_autocast_enabled(*args: Any) -> None:
    """``set_autocast_enabled(enabled)`` or ``(device_type, enabled)``: False is accepted
    (it is off), True refused."""
    if len(args) not in (1, 2):
        raise TypeError(
            "set_autocast_enabled expects (enabled) or (device_type, enabled), got "
            f"{len(args)} arguments"
        )
    if args[-1]:
        _refuse_enabling("set_autocast_enabled(True)")


def _device_type(device_type: Any) -> str:
    d = str(getattr(device_type, "type", device_type)).split(":")[0]
    if d not in ("cpu", "cuda"):
        raise RuntimeError(f"autocast dtype: device_type must be 'cpu' or 'cuda', got {d!r}")
    return d


def get_autocast_dtype(device_type: str) -> Any:
    """The dtype autocast would use on ``device_type``: float16 on ``"cuda"``, or what
    :func:`set_autocast_dtype` recorded. PyTorch's CPU default is bfloat16, which NumPy
    (hence deepgrad) lacks: asked for before a dtype was set, it is refused."""
    import numpy

    d = _device_type(device_type)
    dt = _AUTOCAST[d]
    if dt is None:
        raise TypeError(
            "get_autocast_dtype('cpu'): PyTorch's CPU autocast dtype is bfloat16, which NumPy "
            "(hence deepgrad) lacks; set_autocast_dtype('cpu', dg.float16) records another"
        )
    return numpy.dtype(dt)


def set_autocast_dtype(device_type: str, dtype: Any) -> None:
    """Record the dtype for :func:`get_autocast_dtype` (a float dtype NumPy has)."""
    import numpy

    d = _device_type(device_type)
    try:
        dt = numpy.dtype(dtype)
    except TypeError as e:
        raise TypeError(
            f"set_autocast_dtype: {dtype!r} is not a dtype deepgrad has (bfloat16 is not); "
            "expected float16, float32 or float64"
        ) from e
    if dt.kind != "f":
        raise TypeError(f"set_autocast_dtype: expected a floating dtype, got {dt}")
    _AUTOCAST[d] = dt.name


def is_autocast_cache_enabled() -> bool:
    return bool(_AUTOCAST["cache"])


def set_autocast_cache_enabled(enabled: bool) -> None:
    """Recorded (autocast has no cache to keep here)."""
    _AUTOCAST["cache"] = bool(enabled)


def clear_autocast_cache() -> None:
    """Nothing to clear."""


def _deprecated(old: str, new: str) -> None:
    warnings.warn(
        f"torch.{old}() is deprecated. Please use torch.{new} instead.",
        DeprecationWarning,
        stacklevel=3,
    )


def is_autocast_cpu_enabled() -> bool:
    _deprecated("is_autocast_cpu_enabled", "is_autocast_enabled('cpu')")
    return False


def set_autocast_cpu_enabled(enabled: bool) -> None:
    _deprecated("set_autocast_cpu_enabled", "set_autocast_enabled('cpu', enabled)")
    set_autocast_enabled("cpu", enabled)


def get_autocast_cpu_dtype() -> Any:
    _deprecated("get_autocast_cpu_dtype", "get_autocast_dtype('cpu')")
    return get_autocast_dtype("cpu")


def get_autocast_gpu_dtype() -> Any:
    _deprecated("get_autocast_gpu_dtype", "get_autocast_dtype('cuda')")
    return get_autocast_dtype("cuda")


def set_autocast_cpu_dtype(dtype: Any) -> None:
    _deprecated("set_autocast_cpu_dtype", "set_autocast_dtype('cpu', dtype)")
    set_autocast_dtype("cpu", dtype)


def set_autocast_gpu_dtype(dtype: Any) -> None:
    _deprecated("set_autocast_gpu_dtype", "set_autocast_dtype('cuda', dtype)")
    set_autocast_dtype("cuda", dtype)


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
    ``"cuda"`` (disabled here, an identity); the older paths' signature, without ``device``."""

    _device, _deprecation = "cuda", None

    def __init__(
        self,
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        if self._deprecation:
            warnings.warn(self._deprecation, FutureWarning, stacklevel=2)
        super().__init__(
            self._device, init_scale, growth_factor, backoff_factor, growth_interval, enabled
        )


def custom_fwd(
    fwd: Callable | None = None, *, device_type: str, cast_inputs: Any = None
) -> Callable:
    """PyTorch's ``torch.amp.custom_fwd`` for a custom ``autograd.Function``'s ``forward``
    (``@custom_fwd(device_type="cuda")``): the forward runs as written, since deepgrad has no
    autocast region to leave or enter; ``cast_inputs`` is where PyTorch would cast inputs
    inside autocast, which never runs here.

    >>> import deepgrad as dg
    >>> class Double(dg.autograd.Function):
    ...     @staticmethod
    ...     @dg.amp.custom_fwd(device_type="cpu")
    ...     def forward(ctx, x):
    ...         return x * 2
    ...     @staticmethod
    ...     @dg.amp.custom_bwd(device_type="cpu")
    ...     def backward(ctx, g):
    ...         return g * 2
    >>> Double.apply(dg.ones(2))
    tensor([2., 2.])
    """
    if not isinstance(device_type, str):
        raise TypeError(f"custom_fwd: device_type must be a str, got {type(device_type)}")
    del cast_inputs
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type)
    return fwd


def custom_bwd(bwd: Callable | None = None, *, device_type: str) -> Callable:
    """PyTorch's ``torch.amp.custom_bwd``: the backward runs as written (see
    :func:`custom_fwd`)."""
    if not isinstance(device_type, str):
        raise TypeError(f"custom_bwd: device_type must be a str, got {type(device_type)}")
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)
    return bwd


def _cuda_custom_fwd(fwd: Callable | None = None, *, cast_inputs: Any = None) -> Callable:
    """``torch.cuda.amp.custom_fwd`` (the older path, bare or called): :func:`custom_fwd`."""
    if fwd is None:
        return functools.partial(_cuda_custom_fwd, cast_inputs=cast_inputs)
    return fwd


def _cuda_custom_bwd(bwd: Callable) -> Callable:
    """``torch.cuda.amp.custom_bwd`` (the older path): :func:`custom_bwd`."""
    return bwd


#: ``deepgrad.cuda.amp`` (PyTorch's older path ``torch.cuda.amp``): the same, with that path's
#: signatures (no ``device_type`` argument)
cuda_amp = types.ModuleType(
    "deepgrad.cuda.amp", "PyTorch's torch.cuda.amp path (see deepgrad.amp)."
)
cuda_amp.autocast = _CudaAutocast  # type: ignore[attr-defined]
cuda_amp.GradScaler = _CudaGradScaler  # type: ignore[attr-defined]
cuda_amp.custom_fwd = _cuda_custom_fwd  # type: ignore[attr-defined]
cuda_amp.custom_bwd = _cuda_custom_bwd  # type: ignore[attr-defined]


class _CpuAutocast(autocast):
    """``torch.cpu.amp.autocast(enabled=True, dtype=torch.bfloat16, cache_enabled=True)``,
    PyTorch's deprecated path: :class:`autocast` on ``"cpu"`` (which deepgrad refuses to
    enable), with PyTorch's ``FutureWarning``."""

    def __init__(self, enabled: bool = True, dtype: Any = None, cache_enabled: bool = True) -> None:
        warnings.warn(
            "`torch.cpu.amp.autocast(args...)` is deprecated. Please use "
            "`torch.amp.autocast('cpu', args...)` instead.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__("cpu", dtype, enabled, cache_enabled)


class _CpuGradScaler(_CudaGradScaler):
    """``torch.cpu.amp.GradScaler(init_scale=2.**16, ...)``, PyTorch's deprecated path:
    :class:`GradScaler` for ``"cpu"``, with PyTorch's ``FutureWarning``."""

    _device = "cpu"
    _deprecation = (
        "`torch.cpu.amp.GradScaler(args...)` is deprecated. Please use "
        "`torch.amp.GradScaler('cpu', args...)` instead."
    )


#: ``deepgrad.cpu.amp`` (PyTorch's deprecated path ``torch.cpu.amp``)
cpu_amp = types.ModuleType("deepgrad.cpu.amp", "PyTorch's torch.cpu.amp path (see deepgrad.amp).")
cpu_amp.autocast = _CpuAutocast  # type: ignore[attr-defined]
cpu_amp.GradScaler = _CpuGradScaler  # type: ignore[attr-defined]
