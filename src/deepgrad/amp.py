"""Automatic mixed precision (``torch.amp``): deepgrad trains in float32 (or float64), so
``autocast`` and ``GradScaler`` are here for programs that use them, with PyTorch's behaviour
on a machine without CUDA.

- ``autocast(device_type="cuda", ...)``: as PyTorch does without CUDA, warns once and runs
  disabled (a no-op); ``enabled=False`` is a silent no-op on any device.
- ``autocast(device_type="cpu")`` enabled: raises — deepgrad has no bfloat16/float16 autocast;
  train in float32 (the default) or cast the model with ``model.to(dg.float16)`` yourself.
- ``GradScaler``: PyTorch's loss scaling. On ``"cpu"`` it scales, unscales, skips steps whose
  gradients are not finite and moves its scale as PyTorch's CPU scaler does; on ``"cuda"``
  (the default device) without the CuPy backend it is disabled, as PyTorch's is without CUDA,
  with the same warning: ``scale(loss)`` is ``loss``, ``step(opt)`` is ``opt.step()``,
  ``update()`` and ``unscale_(opt)`` do nothing, ``get_scale()`` is 1.0.

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

import numpy

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
    """PyTorch's loss scaling (``torch.amp.GradScaler``), with its numbers.

    ``scale(loss)`` multiplies by the scale ``S`` (``init_scale``, 2¹⁶); ``unscale_(opt)``
    multiplies the optimizer's gradients by ``1/S`` (computed in float32) and notes whether
    any is infinite or NaN; ``step(opt)`` unscales if that was not done, then steps unless a
    gradient was not finite (the step is skipped, PyTorch's ``None``); ``update()`` halves
    ``S`` (``backoff_factor``) after a skipped step and doubles it (``growth_factor``) after
    ``growth_interval`` clean ones in a row. Enabled on ``"cpu"`` (as PyTorch's CPU scaler)
    and on ``"cuda"`` while the CuPy backend is on; on ``"cuda"`` without it the scaler
    disables itself with PyTorch's warning and is an identity (``get_scale()`` is 1.0).

    >>> import deepgrad as dg
    >>> s = dg.amp.GradScaler("cpu", init_scale=8.0)
    >>> s.scale(dg.tensor(2.0)).item(), s.get_scale()
    (16.0, 8.0)
    """

    def __init__(
        self,
        device: str = "cuda",
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        from . import backend

        self._device = str(device)
        if enabled and self._device.split(":")[0] == "cuda" and not backend.gpu:
            warnings.warn(
                "torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                stacklevel=2,
            )
            enabled = False
        self._enabled = bool(enabled)
        if self._enabled:
            if not growth_factor > 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if not backoff_factor < 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
        self._init_scale = float(init_scale)
        self._scale: float | None = None  # float32, made by the first scale() (PyTorch's)
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._growth_tracker = 0
        self._per_optimizer: dict[int, dict[str, Any]] = {}  # by id: "stage", "found_inf"

    def is_enabled(self) -> bool:
        """Whether the scaler scales (see the class)."""
        return self._enabled

    def scale(self, outputs: Any) -> Any:
        """``outputs`` (a tensor, or an iterable of them, nested) times the scale; unchanged
        when disabled."""
        if not self._enabled:
            return outputs
        from .tensor import Tensor

        if self._scale is None:
            self._scale = float(numpy.float32(self._init_scale))
        factor = self._scale

        def times(v: Any) -> Any:
            if isinstance(v, Tensor):
                return v * v._data.dtype.type(factor)
            if isinstance(v, (list, tuple)):
                return type(v)(times(x) for x in v)
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")

        return times(outputs)

    def _state(self, optimizer: Any) -> dict[str, Any]:
        return self._per_optimizer.setdefault(id(optimizer), {"stage": "ready", "found_inf": False})

    def unscale_(self, optimizer: Any) -> None:
        """Divide ``optimizer``'s gradients by the scale (× ``1/S`` in float32), in place, and
        note whether any is not finite; once per optimizer between updates (PyTorch's
        ``RuntimeError`` otherwise)."""
        if not self._enabled:
            return
        self._check_scaled("unscale_")
        state = self._state(optimizer)
        if state["stage"] == "unscaled":
            raise RuntimeError(
                "unscale_() has already been called on this optimizer since the last update()."
            )
        if state["stage"] == "stepped":
            raise RuntimeError("unscale_() is being called after step().")
        from . import backend

        inv = numpy.float32(1.0) / numpy.float32(self._scale)
        found = False
        for group in optimizer.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                a = g._data
                if a.dtype == numpy.float16:
                    raise ValueError("Attempting to unscale FP16 gradients.")
                found = found or not bool(backend.xp.isfinite(a).all())
                a *= a.dtype.type(inv)
        state["found_inf"] = found
        state["stage"] = "unscaled"

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """``optimizer.step(*args, **kwargs)`` after unscaling, unless a gradient was
        infinite or NaN (then the step is skipped and ``None`` returned)."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        state = self._state(optimizer)
        if state["stage"] == "stepped":
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] == "ready":
            self.unscale_(optimizer)
        out = None if state["found_inf"] else optimizer.step(*args, **kwargs)
        state["stage"] = "stepped"
        return out

    def update(self, new_scale: Any = None) -> None:
        """The next scale: ``new_scale`` if given, else backed off after a skipped step, grown
        after ``growth_interval`` clean ones (see the class)."""
        if not self._enabled:
            return
        self._check_scaled("update")
        if new_scale is not None:
            from .tensor import Tensor

            if not isinstance(new_scale, (float, Tensor)):
                raise TypeError(
                    "new_scale should be a float or a 1-element tensor with requires_grad=False, "
                    f"got {type(new_scale).__name__}"
                )
            self._scale = float(numpy.float32(float(new_scale)))
        elif not self._per_optimizer:
            raise AssertionError("No inf checks were recorded prior to update.")
        else:
            if any(st["found_inf"] for st in self._per_optimizer.values()):
                self._scale = float(numpy.float32(self._scale * self._backoff_factor))
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    self._scale = float(numpy.float32(self._scale * self._growth_factor))
                    self._growth_tracker = 0
        self._per_optimizer = {}

    def get_scale(self) -> float:
        """The current scale (1.0 when disabled, as PyTorch's)."""
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else self._scale

    def _check_scaled(self, what: str) -> None:
        if self._scale is None:
            raise AssertionError(
                f"Attempted {what} but _scale is None.  This may indicate your script did not "
                "use scaler.scale(loss or outputs) earlier in the iteration."
            )

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        self._growth_factor = float(new_factor)

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        self._backoff_factor = float(new_factor)

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        self._growth_interval = int(new_interval)

    def state_dict(self) -> dict[str, Any]:
        """PyTorch's keys (empty when disabled)."""
        if not self._enabled:
            return {}
        return {
            "scale": self.get_scale(),
            "growth_factor": self._growth_factor,
            "backoff_factor": self._backoff_factor,
            "growth_interval": self._growth_interval,
            "_growth_tracker": self._growth_tracker,
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore :meth:`state_dict`'s values (PyTorch's ``RuntimeError`` for an empty one
        given to an enabled scaler)."""
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError(
                "The source state dict is empty, possibly because it was saved from a disabled "
                "instance of GradScaler."
            )
        self._init_scale = float(state_dict["scale"])
        if self._scale is not None:
            self._scale = float(numpy.float32(self._init_scale))
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict.get("_growth_tracker", 0))


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
