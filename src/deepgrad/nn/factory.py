"""PyTorch's factory keywords on layer constructors: ``nn.Linear(3, 4, device=..., dtype=...)``.

Every layer whose constructor declares ``device`` and ``dtype`` (PyTorch's positions, before
deepgrad's own extras such as ``weight_init``) gets them handled here, in one place, by
:meth:`Module.__init_subclass__`'s constructor wrapper:

- ``dtype`` (a floating dtype) is the default dtype while the constructor runs, so the
  parameters and floating buffers are created in it, from the same initialization draws as
  ``dg.set_default_dtype(dtype)`` followed by the plain constructor;
- ``device`` is read as :class:`deepgrad.device` reads it before anything is built (``"cuda"``
  without a usable CuPy raises the same clear error as ``.to("cuda")``), and the finished
  module is moved there as ``module.to(device)`` moves it; a layer that creates its
  parameters at its first call moves them then.

>>> import deepgrad as dg
>>> dg.nn.Linear(3, 4, dtype=dg.float64).weight.dtype
dtype('float64')
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy

from .. import backend, devices

#: the constructor parameters this module handles
FACTORY_KWARGS = ("device", "dtype")


def read(device: Any, dtype: Any, where: str) -> tuple[devices.device | None, numpy.dtype | None]:
    """``(device or None, floating dtype or None)`` from a constructor's factory keywords, or a
    clear error naming ``where`` (the layer)."""
    dev = None if device is None else devices.device(device)
    if dev is not None and dev.type == "cuda" and backend.name() != "cupy":
        devices.cuda_module(f"{where}(device={str(dev)!r})")  # the error .to("cuda") gives
    if dtype is None:
        return dev, None
    try:
        dt = numpy.dtype(dtype)
    except TypeError:
        raise TypeError(
            f"{where}: dtype must be a floating dtype such as dg.float32 or dg.float64, "
            f"got {dtype!r}"
        ) from None
    if dt.kind == "c":  # PyTorch makes complex layers (complex initial draws): not here
        raise TypeError(
            f"{where}: dtype must be a floating dtype (dg.float16, dg.float32 or dg.float64), "
            f"got {dt}: deepgrad makes no complex layers (PyTorch's draws complex initial "
            f"weights; README, deliberate differences); build it in float32 and cast it, "
            f"{where}(...).to(dg.{dt.name}), for complex weights whose imaginary parts start "
            "at 0"
        )
    if dt.kind != "f":
        raise TypeError(
            f"{where}: dtype must be a floating dtype (dg.float16, dg.float32 or dg.float64), "
            f"got {dt}; a layer's parameters are floating point, as in PyTorch"
        )
    return dev, dt


@contextlib.contextmanager
def creating_in(dtype: numpy.dtype | None) -> Iterator[None]:
    """Run a block with ``dtype`` as the default dtype (no change for ``None``), restoring
    the previous one after it, also when the block raises."""
    if dtype is None:
        yield
        return
    previous = backend.get_default_dtype()
    backend.set_default_dtype(dtype)
    try:
        yield
    finally:
        backend.set_default_dtype(previous)
