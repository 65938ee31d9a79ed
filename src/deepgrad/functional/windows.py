"""Window functions for spectral analysis (``stft``'s ``window``), PyTorch's ``*_window``
factories: ``hann``, ``hamming``, ``blackman``, ``bartlett`` and ``kaiser``.

``periodic=True`` (the default, as PyTorch's) gives the window for spectral analysis: the
symmetric window of ``window_length + 1`` points without its last one; ``periodic=False``
the symmetric one. A length of 1 gives ``[1.]``, 0 an empty tensor. With ``N`` the symmetric
length and ``n = 0 … N - 1``:

==========  ==========================================================
hann        ½ - ½ cos(2πn/(N - 1))
hamming     α - β cos(2πn/(N - 1))      (α = 0.54, β = 0.46)
blackman    0.42 - ½ cos(2πn/(N - 1)) + 0.08 cos(4πn/(N - 1))
bartlett    1 - |2n/(N - 1) - 1|
kaiser      I₀(β √(1 - ((n - m)/m)²)) / I₀(β),  m = (N - 1)/2
==========  ==========================================================

The values are computed in float64 and returned in ``dtype`` (the default float dtype).

>>> import deepgrad as dg
>>> dg.hann_window(4).tolist()
[0.0, 0.5, 1.0, 0.5]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy

from .. import backend
from .._errors import int_arg
from ..tensor import Tensor, _dtype, _leaf, _options


def _window(
    name: str,
    window_length: int,
    periodic: bool,
    fn: Callable[[Any, int], Any],
    dtype: Any,
    device: Any,
    requires_grad: bool,
    kw: dict,
) -> Tensor:
    _options(name, kw)
    window_length = int_arg(window_length, name, "window_length", 1)
    if window_length < 0:
        raise RuntimeError(
            f"{name} requires non-negative window_length, got window_length={window_length}"
        )
    dt = _dtype(dtype)
    if dt.kind != "f":
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dt}")
    if window_length <= 1:
        values = numpy.ones(window_length)
    else:
        N = window_length + 1 if periodic else window_length
        values = fn(numpy.arange(N, dtype=numpy.float64), N)[:window_length]
    return _leaf(backend.xp.asarray(values.astype(dt)), device, requires_grad, name)


def _cosine_sum(*coeffs: float) -> Callable[[Any, int], Any]:
    def fn(n: Any, N: int) -> Any:
        out = numpy.zeros_like(n)
        for k, a in enumerate(coeffs):
            out = out + (-1) ** k * a * numpy.cos(2 * numpy.pi * k * n / (N - 1))
        return out

    return fn


def hann_window(
    window_length: int,
    periodic: bool = True,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kw: Any,
) -> Tensor:
    """The Hann window ``½ - ½ cos(2πn/(N - 1))``."""
    fn = _cosine_sum(0.5, 0.5)
    return _window("hann_window", window_length, periodic, fn, dtype, device, requires_grad, kw)


def hamming_window(
    window_length: int,
    periodic: bool = True,
    alpha: float = 0.54,
    beta: float = 0.46,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kw: Any,
) -> Tensor:
    """The Hamming window ``α - β cos(2πn/(N - 1))``."""
    fn = _cosine_sum(float(alpha), float(beta))
    return _window("hamming_window", window_length, periodic, fn, dtype, device, requires_grad, kw)


def blackman_window(
    window_length: int,
    periodic: bool = True,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kw: Any,
) -> Tensor:
    """The Blackman window ``0.42 - ½ cos(2πn/(N - 1)) + 0.08 cos(4πn/(N - 1))``."""
    fn = _cosine_sum(0.42, 0.5, 0.08)
    return _window("blackman_window", window_length, periodic, fn, dtype, device, requires_grad, kw)


def bartlett_window(
    window_length: int,
    periodic: bool = True,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kw: Any,
) -> Tensor:
    """The Bartlett (triangular) window ``1 - |2n/(N - 1) - 1|``."""

    def fn(n: Any, N: int) -> Any:
        return 1.0 - numpy.abs(2.0 * n / (N - 1) - 1.0)

    return _window("bartlett_window", window_length, periodic, fn, dtype, device, requires_grad, kw)


def kaiser_window(
    window_length: int,
    periodic: bool = True,
    beta: float = 12.0,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **kw: Any,
) -> Tensor:
    """The Kaiser window ``I₀(β √(1 - ((n - m)/m)²)) / I₀(β)``, ``m = (N - 1)/2``."""

    def fn(n: Any, N: int) -> Any:
        m = (N - 1) / 2.0
        r = numpy.sqrt(numpy.clip(1.0 - ((n - m) / m) ** 2, 0.0, None))
        return numpy.i0(float(beta) * r) / numpy.i0(float(beta))

    return _window("kaiser_window", window_length, periodic, fn, dtype, device, requires_grad, kw)
