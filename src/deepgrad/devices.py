"""Devices, as PyTorch names them: ``dg.device("cpu")``, ``dg.device("cuda:0")``.

deepgrad computes with one array module at a time (:mod:`deepgrad.backend`): NumPy on the CPU,
or CuPy on an NVIDIA GPU after ``dg.set_backend("cupy")``. A tensor's :attr:`~deepgrad.Tensor.device`
says where its array lives: ``cpu`` for a NumPy array, ``cuda:N`` for a CuPy array. Moving a
tensor (``.to(device)``, ``.cuda()``, ``.cpu()``) copies its array between the two; ``cuda``
is refused with a clear error where CuPy or a GPU is missing.

>>> import deepgrad as dg
>>> dg.device("cpu"), str(dg.device("cuda", 1)), dg.zeros(2).device
(device(type='cpu'), 'cuda:1', device(type='cpu'))
"""

from __future__ import annotations

import difflib
import importlib
from typing import Any

import numpy

from . import backend
from ._absent import AbsentDtype

_TYPES = ("cpu", "cuda")


class device:  # noqa: N801 - PyTorch's name
    """A device: ``type`` (``"cpu"`` or ``"cuda"``) and ``index`` (None, or the GPU number).

    Built from ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``("cuda", 1)`` or another device.
    """

    __slots__ = ("type", "index")

    def __init__(self, type: Any, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if not isinstance(type, str):
            raise TypeError(f"device(): expected a string such as 'cpu' or 'cuda:0', got {type!r}")
        name = type
        if ":" in type:
            type, _, num = type.partition(":")
            if index is not None or not num.isdigit():
                raise ValueError(
                    f"device(): cannot read {name!r} (expected 'cpu', 'cuda' or 'cuda:N')"
                )
            index = int(num)
        if type not in _TYPES:
            near = difflib.get_close_matches(type, _TYPES, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise ValueError(
                f"device(): deepgrad runs on 'cpu' (NumPy) and 'cuda' (CuPy), got {name!r}{hint}"
            )
        if index is not None and (not isinstance(index, (int, numpy.integer)) or index < 0):
            raise ValueError(f"device(): the index must be a non-negative int, got {index!r}")
        if type == "cpu" and index not in (None, 0):
            raise ValueError(f"device(): the CPU has no index {index}")
        self.type = type
        self.index = None if index is None else int(index)

    def __repr__(self) -> str:
        extra = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{extra})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except (TypeError, ValueError):
                return False
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))


def of_array(a: Any) -> device:
    """The device an array lives on: ``cpu`` for NumPy, ``cuda:N`` for CuPy."""
    if isinstance(a, (numpy.ndarray, numpy.generic)):
        return device("cpu")
    dev = getattr(a, "device", None)
    return device("cuda", int(getattr(dev, "id", 0) or 0))


def cuda_module(what: str) -> Any:
    """The ``cupy`` module, or a clear error naming ``what`` was asked for."""
    try:
        cupy = importlib.import_module("cupy")
        n = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # ImportError, or CUDA runtime errors without a GPU
        raise RuntimeError(
            f"{what}: CUDA is not available here ({type(exc).__name__}: {exc}). deepgrad runs "
            "on an NVIDIA GPU through CuPy: pip install cupy-cuda12x, then "
            "dg.set_backend('cupy'); otherwise keep tensors on 'cpu' "
            "(dg.cuda.is_available() says which)"
        ) from None
    if n < 1:
        raise RuntimeError(f"{what}: CUDA is not available here (no GPU found by CuPy)")
    return cupy


def move(a: Any, target: device) -> Any:
    """Array ``a`` on ``target`` (``a`` itself when it is there already)."""
    here = of_array(a)
    if here.type == target.type and (target.index is None or target.index == here.index):
        return a
    if target.type == "cpu":
        return backend.to_numpy(a)
    cupy = cuda_module(f"moving a tensor to {target}")
    with cupy.cuda.Device(target.index or 0):
        return cupy.asarray(a)


def is_dtype(x: Any) -> bool:
    """Whether ``x`` names a dtype (``dg.float64``, ``"float32"``, a NumPy dtype)."""
    if isinstance(x, (device, bool)) or x is None:
        return False
    if isinstance(x, str):
        try:
            device(x)
            return False
        except ValueError:
            pass
    try:
        numpy.dtype(x)
    except TypeError:
        return False
    return True


def parse_to(args: tuple, kwargs: dict, where: str) -> tuple[device | None, Any]:
    """PyTorch's ``to`` arguments → ``(device or None, dtype or None)``: ``to(device)``,
    ``to(dtype)``, ``to(device, dtype)``, ``to(tensor)`` (its device and dtype), and the
    keywords ``device=``, ``dtype=``, ``non_blocking=``, ``copy=`` (accepted, no effect)."""
    from ._errors import bool_arg
    from .tensor import Tensor

    kwargs = dict(kwargs)
    for flag in ("non_blocking", "copy"):  # accepted, no effect; Python bools, as PyTorch's
        if flag in kwargs:
            bool_arg(kwargs.pop(flag), "to", flag)
    kwargs.pop("memory_format", None)
    dev, dtype = kwargs.pop("device", None), kwargs.pop("dtype", None)
    if kwargs:
        raise TypeError(f"{where}: unexpected keyword {sorted(kwargs)[0]!r}")
    args = list(args)
    if args and isinstance(args[-1], bool):  # to(device, dtype, non_blocking)
        args.pop()
    for a in args:
        if isinstance(a, Tensor):
            dev, dtype = a.device, a.dtype
        elif is_dtype(a):
            dtype = a
        elif isinstance(a, (str, device, int)) and not isinstance(a, bool):
            dev = device("cuda", a) if isinstance(a, int) else a
        else:
            if isinstance(a, AbsentDtype):
                a.dtype  # noqa: B018 - raises the TypeError that names the dtype to use
            raise TypeError(f"{where}: expected a device, a dtype or a tensor, got {a!r}")
    return (None if dev is None else device(dev)), (None if dtype is None else numpy.dtype(dtype))


# the generators' ``device`` as a device object, PyTorch's ``Generator.device`` (the backend,
# a layer below, knows only the name)
backend.Generator.device = property(  # type: ignore[method-assign]
    lambda self: device(self._device), doc="The generator's device (a ``dg.device``)."
)


def set_default_device(device: Any) -> None:  # noqa: A002 - PyTorch's name
    """Accepts ``"cpu"`` (or None), where deepgrad makes tensors; another device is refused
    (move tensors with ``.to(device)`` or switch with ``dg.set_backend("cupy")``)."""
    if device is None:
        return
    d = device if isinstance(device, globals()["device"]) else globals()["device"](device)
    if d.type != "cpu":
        raise RuntimeError(
            f"set_default_device({str(d)!r}): deepgrad makes new tensors on the CPU only; pass "
            "'cpu' or None, and move tensors with .to(device) (or dg.set_backend('cupy'))"
        )


def get_default_device() -> device:
    """``device('cpu')``: where deepgrad's factories make tensors."""
    return device("cpu")
