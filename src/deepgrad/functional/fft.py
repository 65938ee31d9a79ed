"""Discrete Fourier transforms (PyTorch's ``torch.fft``): ``fft``/``ifft``, ``rfft``/``irfft``,
``hfft``/``ihfft`` and their 2-D and n-D forms, ``fftfreq``, ``rfftfreq``, ``fftshift``,
``ifftshift``.

Over the ``n`` points of each transformed dim, with ``ω = e^{-2πi/n}``:

    fft:  X[k] = s · Σ_j x[j] ω^{jk}          ifft:  x[j] = s' · Σ_k X[k] ω^{-jk}

where ``norm`` sets the scales: ``"backward"`` (the default) ``s = 1, s' = 1/n``; ``"ortho"``
``s = s' = 1/√n``; ``"forward"`` ``s = 1/n, s' = 1``. ``rfft`` keeps the ``n//2 + 1``
non-negative frequencies of a real signal's (Hermitian) transform; ``irfft`` takes them and
gives the real signal back. ``n`` (or ``s``) trims or zero-pads the input first (``irfft``:
its input to ``n//2 + 1``, ``n`` being the output length, ``2(m - 1)`` by default).

NumPy's ``numpy.fft`` computes in float64/complex128; the results are cast back to PyTorch's
dtypes (float32 → complex64, float64 → complex128; integers take the default float dtype).

Four operations close under differentiation (PyTorch's ``_fft_c2c``/``_fft_r2c``/``_fft_c2r``
backward rules; ``norm*`` swaps ``"backward"`` and ``"forward"``, the scale of the adjoint):

==================  ==========================  ============================================
operation           forward                     gradient sent back (complex convention of
                                                :mod:`~deepgrad.functional.complex`)
==================  ==========================  ============================================
``resize``          trim / zero-pad to sizes    resize back (pad ↔ trim)
``c2c``             fftn or ifftn               the other one, with ``norm*``: Fᴴ g
``r2c`` (onesided)  rfftn                       real(ifftn(zero-pad g to n), ``norm*``)
``c2r``             irfftn                      rfftn(g, ``norm*``), bins 1 … n - (n//2 + 1)
                                                doubled (each stands for its mirror too)
==================  ==========================  ============================================

``fft`` of a real input is ``c2c`` of its complex cast (whose gradient is the real part),
``hfft(x)`` is ``irfft(conj x)`` with ``norm*`` and ``ihfft(x)`` is ``conj(rfft(x))`` with
``norm*``, as in PyTorch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy

from .. import backend
from .._errors import dim_error, int_arg, ints_arg
from ..autograd import Function
from ..tensor import Tensor
from .complex import Real, _complex_dtype, _real_dtype, conj
from .elementwise import astype, mul
from .shape import roll

_NORMS = ("backward", "ortho", "forward")
_DUAL = {"backward": "forward", "ortho": "ortho", "forward": "backward"}


# ---- argument handling -----------------------------------------------------------------------
def _norm(norm: str | None) -> str:
    if norm is None:
        return "backward"
    if norm not in _NORMS:
        raise RuntimeError(f'Invalid normalization mode: "{norm}"')
    return norm


def _input(x: Any, fn: str, kind: str | None = None) -> Tensor:
    """``x`` as a floating or complex tensor: integers and bools take the default float dtype;
    ``kind="real"`` refuses a complex input (``rfft``, ``ihfft``), as PyTorch does."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument 'input' must be Tensor, not {type(x).__name__}")
    k = x.dtype.kind
    if k in "iub":
        x = Tensor._from_op(x._data.astype(backend.get_default_dtype()), None, 0)
    elif x.dtype == numpy.float16:
        raise RuntimeError(f"{fn}: unsupported dtype float16 (PyTorch's CPU FFT: Half)")
    if kind == "real" and x.dtype.kind == "c":
        raise RuntimeError(f"{fn} expects a real input tensor, but got {x.dtype}")
    return x


def _dims(
    x: Tensor, s: Sequence[int] | None, dim: int | Sequence[int] | None, fn: str
) -> tuple[tuple[int, ...], list[int | None]]:
    """The transformed dims (wrapped, unique) and their requested sizes (``None``: as is)."""
    if dim is not None:
        dim = ints_arg(dim, f"fft_{fn}", "dim")
    if s is not None:
        s = ints_arg(s, f"fft_{fn}", "s", 2)
    if dim is None:
        dim = tuple(range(x.ndim)) if s is None else tuple(range(x.ndim - len(s), x.ndim))
    elif s is not None and len(s) != len(dim):
        raise RuntimeError("When given, dim and shape arguments must have the same length")
    if s is not None and len(s) > x.ndim:
        raise RuntimeError(
            f"Got shape with {len(s)} values but input tensor only has {x.ndim} dimensions."
        )
    dims = []
    for d in dim:
        if not -max(x.ndim, 1) <= d < max(x.ndim, 1) or x.ndim == 0:
            raise dim_error(f"fft.{fn}", d, x.ndim)
        dims.append(d % x.ndim)
    if len(set(dims)) != len(dims):
        raise RuntimeError("FFT dims must be unique")
    sizes: list[int | None] = (
        [None] * len(dims) if s is None else [None if n == -1 else int(n) for n in s]
    )
    for n in sizes:
        if n is not None and n < 1:
            raise RuntimeError(f"Invalid number of data points ({n}) specified")
    return tuple(dims), sizes


def _check_points(x: Tensor, dims: Sequence[int]) -> None:
    for d in dims:
        if x.shape[d] < 1:
            raise RuntimeError(f"Invalid number of data points ({x.shape[d]}) specified")


# ---- the four primitives ---------------------------------------------------------------------
class Resize(Function):
    """Trim or zero-pad ``x`` to ``sizes`` along ``dims`` (the ``n``/``s`` of the transforms)."""

    def __init__(self, dims: tuple[int, ...], sizes: tuple[int, ...]) -> None:
        self.dims, self.sizes = dims, sizes

    def forward(self, x: Any) -> Any:
        shape = list(x.shape)
        for d, n in zip(self.dims, self.sizes):
            shape[d] = n
        out = backend.xp.zeros(shape, dtype=x.dtype)
        common = tuple(
            slice(0, min(x.shape[i], shape[i])) if i in self.dims else slice(None)
            for i in range(x.ndim)
        )
        out[common] = x[common]
        return out

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0]
        return Resize(self.dims, tuple(x.shape[d] for d in self.dims))(gy)


def _resize(x: Tensor, dims: tuple[int, ...], sizes: Sequence[int | None]) -> Tensor:
    want = tuple(x.shape[d] if n is None else n for d, n in zip(dims, sizes))
    if all(x.shape[d] == n for d, n in zip(dims, want)):
        return x
    return Resize(dims, want)(x)


class C2C(Function):
    """``fftn`` (``forward=True``) or ``ifftn`` of a complex tensor over ``dims``."""

    def __init__(self, dims: tuple[int, ...], norm: str, forward: bool) -> None:
        self.dims, self.norm, self.forward_ = dims, norm, forward

    def forward(self, x: Any) -> Any:
        if not self.dims:
            return x.copy()
        f = backend.xp.fft.fftn if self.forward_ else backend.xp.fft.ifftn
        return f(x, axes=self.dims, norm=self.norm).astype(x.dtype, copy=False)

    def backward(self, gy: Tensor) -> Tensor:
        return C2C(self.dims, _DUAL[self.norm], not self.forward_)(gy)


class R2C(Function):
    """``rfftn`` of a real tensor over ``dims`` (the last one halved: ``n//2 + 1`` bins)."""

    def __init__(self, dims: tuple[int, ...], norm: str) -> None:
        self.dims, self.norm = dims, norm

    def forward(self, x: Any) -> Any:
        y = backend.xp.fft.rfftn(x, axes=self.dims, norm=self.norm)
        return y.astype(_complex_dtype(x.dtype), copy=False)

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0]
        full = _resize(gy, self.dims[-1:], (x.shape[self.dims[-1]],))
        return Real()(C2C(self.dims, _DUAL[self.norm], False)(full))


class C2R(Function):
    """``irfftn`` of a onesided complex tensor over ``dims``: ``n`` real points along the last
    one (the input holds ``n//2 + 1`` there)."""

    def __init__(self, dims: tuple[int, ...], norm: str, n: int) -> None:
        self.dims, self.norm, self.n = dims, norm, n

    def forward(self, x: Any) -> Any:
        s = [x.shape[d] for d in self.dims[:-1]] + [self.n]
        y = backend.xp.fft.irfftn(x, s=s, axes=self.dims, norm=self.norm)
        return y.astype(_real_dtype(x.dtype), copy=False)

    def backward(self, gy: Tensor) -> Tensor:
        g = R2C(self.dims, _DUAL[self.norm])(gy)
        last = self.dims[-1]
        double = self.n - g.shape[last]  # bins 1 … n - (n//2 + 1) stand for their mirrors too
        if double <= 0:
            return g
        w = backend.xp.ones(g.shape[last], dtype=_real_dtype(g.dtype))
        w[1 : 1 + double] = 2
        shape = [1] * g.ndim
        shape[last] = g.shape[last]
        return mul(g, Tensor._from_op(w.reshape(shape), None, 0))


# ---- the public transforms -------------------------------------------------------------------
def _c2c(x: Any, s: Any, dim: Any, norm: Any, forward: bool, fn: str) -> Tensor:
    x = _input(x, fn)
    norm = _norm(norm)
    dims, sizes = _dims(x, s, dim, fn)
    if x.dtype.kind != "c":
        x = astype(x, _complex_dtype(x.dtype))
    x = _resize(x, dims, sizes)
    _check_points(x, dims)
    return C2C(dims, norm, forward)(x)


def _r2c(x: Any, s: Any, dim: Any, norm: Any, fn: str) -> Tensor:
    x = _input(x, fn, "real")
    norm = _norm(norm)
    dims, sizes = _dims(x, s, dim, fn)
    if not dims:
        raise RuntimeError(f"{fn} must transform at least one axis")
    x = _resize(x, dims, sizes)
    _check_points(x, dims)
    return R2C(dims, norm)(x)


def _c2r(x: Any, s: Any, dim: Any, norm: Any, fn: str) -> Tensor:
    x = _input(x, fn)
    norm = _norm(norm)
    dims, sizes = _dims(x, s, dim, fn)
    if not dims:
        raise RuntimeError(f"{fn} must transform at least one axis")
    last = dims[-1]
    n = sizes[-1] if sizes[-1] is not None else 2 * (x.shape[last] - 1)
    if n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")
    if x.dtype.kind != "c":
        x = astype(x, _complex_dtype(x.dtype))
    x = _resize(x, dims, list(sizes[:-1]) + [n // 2 + 1])
    _check_points(x, dims)
    return C2R(dims, norm, n)(x)


def _one(n: int | None, fn: str) -> list[int] | None:
    return None if n is None else [int_arg(n, f"fft_{fn}", "n", 2)]


def fft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:  # noqa: A002
    """The 1-D discrete Fourier transform along ``dim`` (``n`` points: the input trimmed or
    zero-padded). A real input gives the complex dtype of its precision.

    >>> import deepgrad as dg
    >>> dg.fft.fft(dg.tensor([1.0, 2.0, 3.0, 4.0]))
    tensor([10.+0.j, -2.+2.j, -2.+0.j, -2.-2.j])
    """
    return _c2c(input, _one(n, "fft"), int_arg(dim, "fft_fft", "dim"), norm, True, "fft")


def ifft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:  # noqa: A002
    """The 1-D inverse discrete Fourier transform along ``dim`` (scaled by ``1/n`` by default)."""
    return _c2c(input, _one(n, "ifft"), int_arg(dim, "fft_ifft", "dim"), norm, False, "ifft")


def fft2(
    input: Tensor,
    s: Sequence[int] | None = None,
    dim: Sequence[int] = (-2, -1),
    norm: str | None = None,
) -> Tensor:  # noqa: A002
    """The 2-D discrete Fourier transform over ``dim`` (sizes ``s``)."""
    return _c2c(input, s, dim, norm, True, "fft2")


def ifft2(
    input: Tensor,
    s: Sequence[int] | None = None,
    dim: Sequence[int] = (-2, -1),
    norm: str | None = None,
) -> Tensor:  # noqa: A002
    """The 2-D inverse discrete Fourier transform over ``dim`` (sizes ``s``)."""
    return _c2c(input, s, dim, norm, False, "ifft2")


def fftn(
    input: Tensor,
    s: Sequence[int] | None = None,
    dim: Sequence[int] | None = None,
    norm: str | None = None,
) -> Tensor:  # noqa: A002
    """The n-D discrete Fourier transform over ``dim`` (all dims, or the last ``len(s)``)."""
    return _c2c(input, s, dim, norm, True, "fftn")


def ifftn(
    input: Tensor,
    s: Sequence[int] | None = None,
    dim: Sequence[int] | None = None,
    norm: str | None = None,
) -> Tensor:  # noqa: A002
    """The n-D inverse discrete Fourier transform over ``dim``."""
    return _c2c(input, s, dim, norm, False, "ifftn")


def rfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:  # noqa: A002
    """The FFT of a real signal: its ``n//2 + 1`` non-negative frequencies.

    >>> import deepgrad as dg
    >>> dg.fft.rfft(dg.tensor([1.0, 2.0, 3.0, 4.0]))
    tensor([10.+0.j, -2.+2.j, -2.+0.j])
    """
    return _r2c(input, _one(n, "rfft"), int_arg(dim, "fft_rfft", "dim"), norm, "rfft")


def irfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:  # noqa: A002
    """The inverse of :func:`rfft`: ``n`` real points (``2(m - 1)`` by default) from the
    ``m`` non-negative frequencies (the imaginary parts of the zero and, for an even ``n``,
    the Nyquist bin are ignored).

    >>> import deepgrad as dg
    >>> dg.fft.irfft(dg.fft.rfft(dg.tensor([1.0, 2.0, 3.0, 4.0])))
    tensor([1., 2., 3., 4.])
    """
    return _c2r(input, _one(n, "irfft"), int_arg(dim, "fft_irfft", "dim"), norm, "irfft")


def rfft2(
    input: Tensor,
    s: Sequence[int] | None = None,
    dim: Sequence[int] = (-2, -1),
    norm: str | None = None,
) -> Tensor:  # noqa: A002
    """The 2-D FFT of a real signal (the last of ``dim`` halved)."""
    return _r2c(input, s, dim, norm, "rfft2")


def irfft2(
    input: Tensor,
    s: Sequence[int] | None = None,
    dim: Sequence[int] = (-2, -1),
    norm: str | None = None,
) -> Tensor:  # noqa: A002
    """The inverse of :func:`rfft2`."""
    return _c2r(input, s, dim, norm, "irfft2")


def rfftn(
    input: Tensor,
    s: Sequence[int] | None = None,
    dim: Sequence[int] | None = None,
    norm: str | None = None,
) -> Tensor:  # noqa: A002
    """The n-D FFT of a real signal (the last of ``dim`` halved)."""
    return _r2c(input, s, dim, norm, "rfftn")


def irfftn(
    input: Tensor,
    s: Sequence[int] | None = None,
    dim: Sequence[int] | None = None,
    norm: str | None = None,
) -> Tensor:  # noqa: A002
    """The inverse of :func:`rfftn`."""
    return _c2r(input, s, dim, norm, "irfftn")


def _hermitian(x: Any, s: Any, dim: Any, norm: Any, fn: str) -> Tensor:
    x = _input(x, fn)
    return _c2r(conj(x), s, dim, _DUAL[_norm(norm)], fn)


def _ihermitian(x: Any, s: Any, dim: Any, norm: Any, fn: str) -> Tensor:
    return conj(_r2c(x, s, dim, _DUAL[_norm(norm)], fn))


def hfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:  # noqa: A002
    """The FFT of a Hermitian-symmetric signal given by its first half: ``n`` real points
    (``irfft`` of the conjugate, with the opposite scaling)."""
    return _hermitian(input, _one(n, "hfft"), int_arg(dim, "fft_hfft", "dim"), norm, "hfft")


def ihfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:  # noqa: A002
    """The inverse of :func:`hfft`: the ``n//2 + 1`` first points of a real signal's ``ifft``."""
    return _ihermitian(input, _one(n, "ihfft"), int_arg(dim, "fft_ihfft", "dim"), norm, "ihfft")


def hfft2(
    input: Tensor,
    s: Sequence[int] | None = None,
    dim: Sequence[int] = (-2, -1),
    norm: str | None = None,
) -> Tensor:  # noqa: A002
    """The 2-D :func:`hfft`."""
    return _hermitian(input, s, dim, norm, "hfft2")


def ihfft2(
    input: Tensor,
    s: Sequence[int] | None = None,
    dim: Sequence[int] = (-2, -1),
    norm: str | None = None,
) -> Tensor:  # noqa: A002
    """The 2-D :func:`ihfft`."""
    return _ihermitian(input, s, dim, norm, "ihfft2")


def hfftn(
    input: Tensor,
    s: Sequence[int] | None = None,
    dim: Sequence[int] | None = None,
    norm: str | None = None,
) -> Tensor:  # noqa: A002
    """The n-D :func:`hfft`."""
    return _hermitian(input, s, dim, norm, "hfftn")


def ihfftn(
    input: Tensor,
    s: Sequence[int] | None = None,
    dim: Sequence[int] | None = None,
    norm: str | None = None,
) -> Tensor:  # noqa: A002
    """The n-D :func:`ihfft`."""
    return _ihermitian(input, s, dim, norm, "ihfftn")


# ---- frequencies and shifts ------------------------------------------------------------------
def _freq_dtype(dtype: Any) -> numpy.dtype:
    return backend.get_default_dtype() if dtype is None else numpy.dtype(dtype)


def fftfreq(
    n: int, d: float = 1.0, *, dtype: Any = None, requires_grad: bool = False, **_: Any
) -> Tensor:
    """The sample frequencies of an ``n``-point FFT with spacing ``d``:
    ``[0, 1, …, ⌈n/2⌉ - 1, -⌊n/2⌋, …, -1] / (d·n)``.

    >>> import deepgrad as dg
    >>> dg.fft.fftfreq(4).tolist()
    [0.0, 0.25, -0.5, -0.25]
    """
    n = int_arg(n, "fft_fftfreq", "n", 1)
    dt = _freq_dtype(dtype)
    k = backend.xp.fft.fftfreq(n) * n  # the integers, exactly
    out = Tensor._wrap((k * (1.0 / (n * d))).astype(dt))
    return out.requires_grad_(requires_grad) if requires_grad else out


def rfftfreq(
    n: int, d: float = 1.0, *, dtype: Any = None, requires_grad: bool = False, **_: Any
) -> Tensor:
    """The non-negative sample frequencies of an ``n``-point :func:`rfft`:
    ``[0, 1, …, ⌊n/2⌋] / (d·n)``."""
    dt = _freq_dtype(dtype)
    k = backend.xp.arange(n // 2 + 1, dtype=numpy.float64)
    out = Tensor._wrap((k * (1.0 / (n * d))).astype(dt))
    return out.requires_grad_(requires_grad) if requires_grad else out


def _shift(x: Tensor, dim: Any, inverse: bool) -> Tensor:
    if dim is None:
        dim = tuple(range(x.ndim))
    elif isinstance(dim, int):
        dim = (dim,)
    if not dim:
        return x
    shifts = [(x.shape[d] + 1) // 2 if inverse else x.shape[d] // 2 for d in dim]
    return roll(x, shifts, tuple(dim))


def fftshift(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:  # noqa: A002
    """Move the zero frequency to the centre: roll each of ``dim`` (all by default) by
    ``n//2``.

    >>> import deepgrad as dg
    >>> dg.fft.fftshift(dg.fft.fftfreq(4)).tolist()
    [-0.5, -0.25, 0.0, 0.25]
    """
    return _shift(input, dim, False)


def ifftshift(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:  # noqa: A002
    """The inverse of :func:`fftshift`: roll each of ``dim`` by ``-(n//2)``."""
    return _shift(input, dim, True)
