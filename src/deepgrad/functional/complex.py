"""Complex numbers: ``conj``, ``real``, ``imag``, ``complex``, ``view_as_real``,
``view_as_complex``, ``polar``, ``angle``, ``is_complex``.

Gradients follow PyTorch's convention for complex tensors: the gradient of a real loss ``L``
with respect to ``z = x + iy`` is ``∂L/∂x + i ∂L/∂y`` (the conjugate Wirtinger derivative,
doubled), so that ``z - lr * z.grad`` descends. A function ``w = f(z)`` then sends ``gw`` back
as ``gz = conj(∂w/∂z) · gw + (∂w/∂z̄) · conj(gw)``; for a holomorphic ``f`` (``z·c``, ``eᶻ``)
only the first term is left, which is why products conjugate the other factor
(``mul``, ``matmul``, ``einsum`` in their own modules).

=====================  ===================================  ===============================
function               forward                              gradient sent back
=====================  ===================================  ===============================
conj                   x - iy                               conj(g)
real                   x                                    g + 0i
imag                   y                                    0 + ig
complex(a, b)          a + ib                               real(g), imag(g)
view_as_real           [..., (x, y)]                        view_as_complex(g)
view_as_complex        x[..., 0] + i x[..., 1]              view_as_real(g)
angle                  atan2(y, x)                          g · iz / |z|²  (0 at z = 0)
=====================  ===================================  ===============================

``polar(r, θ)`` is ``complex(r cos θ, r sin θ)`` and gets its gradient from the table.

Deliberate difference (README's table): PyTorch's ``real``, ``imag``, ``view_as_real`` and
``view_as_complex`` return views sharing the input's memory and ``conj`` a lazily conjugated
view; here all five return new tensors (writing into the result does not change the input).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy

from .. import backend
from ..autograd import Function
from ..tensor import Tensor
from .shape import sum_to


def is_complex(x: Tensor) -> bool:
    """Whether ``x`` has a complex dtype (complex64 or complex128)."""
    return x.dtype.kind == "c"


def _real_dtype(dt: Any) -> numpy.dtype:
    """The real dtype of a complex one (complex64 → float32), else the dtype itself."""
    dt = numpy.dtype(dt)
    return (
        numpy.dtype(numpy.float32 if dt == numpy.complex64 else numpy.float64)
        if dt.kind == "c"
        else dt
    )


def _complex_dtype(dt: Any) -> numpy.dtype:
    """The complex dtype pairing a real one (float32 → complex64, float64 → complex128)."""
    dt = numpy.dtype(dt)
    if dt.kind == "c":
        return dt
    return numpy.dtype(numpy.complex64 if dt == numpy.float32 else numpy.complex128)


def _const(arr: Any) -> Tensor:
    return Tensor._from_op(arr, None, 0)


class Conj(Function):
    reads_inputs = False  # its backward reads the inputs' shapes, not their values

    def forward(self, x: Any) -> Any:
        return backend.xp.conj(x)

    def backward(self, gy: Tensor) -> Tensor:
        return conj(gy)


def conjugate_adjoint(backward: Callable[[Any, Tensor], Any]) -> Callable[[Any, Tensor], Any]:
    """A bilinear node's ``backward`` made right for complex operands. For ``y = B(a, b)``
    with real coefficients (a convolution, a linear map), the real backward computes
    ``B_a(b)ᵀ gy``; the complex gradient is ``B_a(conj b)ᵀ gy = conj(B_a(b)ᵀ conj(gy))``
    (and the same for ``b``; a bias's ``Σ gy`` is unchanged). So a complex ``gy`` runs the
    real backward on ``conj(gy)`` and conjugates what comes back: still recorded operations,
    so differentiable again; real ones are untouched."""

    @functools.wraps(backward)
    def wrapper(self: Any, gy: Tensor) -> Any:
        if gy._data.dtype.kind != "c":
            return backward(self, gy)
        grads = backward(self, conj(gy))
        return tuple(None if g is None else conj(g) for g in grads)

    return wrapper


def conj(x: Tensor) -> Tensor:
    """The complex conjugate ``x - iy``; a real tensor is returned as it is (PyTorch's)."""
    if x.dtype.kind != "c":
        return x
    return Conj()(x)


class Real(Function):
    reads_inputs = False  # its backward reads the inputs' shapes, not their values

    def forward(self, x: Any) -> Any:
        return x.real.copy()

    def backward(self, gy: Tensor) -> Tensor:
        return Complex()(gy, _const(backend.xp.zeros_like(gy._data)))


class Imag(Function):
    reads_inputs = False  # its backward reads the inputs' shapes, not their values

    def forward(self, x: Any) -> Any:
        return x.imag.copy()

    def backward(self, gy: Tensor) -> Tensor:
        return Complex()(_const(backend.xp.zeros_like(gy._data)), gy)


def real(x: Tensor) -> Tensor:
    """The real part of a complex tensor (a new tensor, not a view: README); a real tensor is
    returned as it is."""
    if x.dtype.kind != "c":
        return x
    return Real()(x)


def imag(x: Tensor) -> Tensor:
    """The imaginary part of a complex tensor (a new tensor, not a view: README)."""
    if x.dtype.kind != "c":
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return Imag()(x)


class Complex(Function):
    def forward(self, a: Any, b: Any) -> Any:
        shape = numpy.broadcast_shapes(a.shape, b.shape)
        out = backend.xp.empty(shape, dtype=_complex_dtype(a.dtype))
        out.real, out.imag = a, b
        return out

    def backward(self, gy: Tensor) -> tuple:
        a, b = self.inputs
        na, nb = self.needs_input_grad
        return (
            sum_to(Real()(gy), a.shape) if na else None,
            sum_to(Imag()(gy), b.shape) if nb else None,
        )


def complex(real: Tensor, imag: Tensor) -> Tensor:  # noqa: A001 - PyTorch's name
    """``real + i·imag`` (broadcasting): two float32 tensors give complex64, two float64
    complex128; the dtypes must match, as in PyTorch."""
    if not isinstance(real, Tensor) or not isinstance(imag, Tensor):
        raise TypeError(
            f"complex(): argument 'real' and 'imag' must be Tensor, not "
            f"{type(real).__name__} and {type(imag).__name__}"
        )
    for name, t in (("real", real), ("imag", imag)):
        if t.dtype not in (numpy.float32, numpy.float64):
            raise RuntimeError(
                f"complex: expected both inputs to be float32 or float64, but {name} is {t.dtype}"
            )
    if real.dtype != imag.dtype:
        raise RuntimeError(
            f"complex: expected real and imag to have the same dtype, but got {real.dtype} "
            f"and {imag.dtype}"
        )
    return Complex()(real, imag)


class ViewAsReal(Function):
    reads_inputs = False  # its backward reads the inputs' shapes, not their values

    def forward(self, x: Any) -> Any:
        out = backend.xp.empty(x.shape + (2,), dtype=_real_dtype(x.dtype))
        out[..., 0], out[..., 1] = x.real, x.imag
        return out

    def backward(self, gy: Tensor) -> Tensor:
        return ViewAsComplex()(gy)


class ViewAsComplex(Function):
    reads_inputs = False  # its backward reads the inputs' shapes, not their values

    def forward(self, x: Any) -> Any:
        out = backend.xp.empty(x.shape[:-1], dtype=_complex_dtype(x.dtype))
        out.real, out.imag = x[..., 0], x[..., 1]
        return out

    def backward(self, gy: Tensor) -> Tensor:
        return ViewAsReal()(gy)


def view_as_real(x: Tensor) -> Tensor:
    """A complex tensor ``(*shape)`` as a real one ``(*shape, 2)`` holding ``(real, imag)``
    pairs (a copy, not a view: README)."""
    if x.dtype.kind != "c":
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return ViewAsReal()(x)


def view_as_complex(x: Tensor) -> Tensor:
    """A real tensor ``(*shape, 2)`` of ``(real, imag)`` pairs as a complex one ``(*shape)``
    (a copy, not a view: README)."""
    if x.dtype not in (numpy.float32, numpy.float64):
        raise RuntimeError(
            f"view_as_complex is only supported for float and double tensors, but got a tensor "
            f"of scalar type: {x.dtype}"
        )
    if x.ndim == 0 or x.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    return ViewAsComplex()(x)


class Angle(Function):
    def forward(self, x: Any) -> Any:
        xp = backend.xp
        if x.dtype.kind != "c":  # PyTorch's rule for a real x: π if x < 0, else 0 (also at
            # -0.0, where atan2 gives π), NaN for NaN
            pi = xp.asarray(numpy.pi, x.dtype)
            return xp.where(x < 0, pi, xp.where(x != x, x, xp.zeros((), x.dtype)))
        return xp.angle(x).astype(_real_dtype(x.dtype), copy=False)

    def backward(self, gy: Tensor) -> Tensor:
        z = self.inputs[0]
        if z.dtype.kind != "c":  # a step function of a real input: 0 (PyTorch's)
            return _const(backend.xp.zeros_like(z._data))
        from .elementwise import where  # elementwise imports this module

        zd = z._data
        nonzero = zd != 0
        safe = where(_const(nonzero), z, _const(backend.xp.ones((), zd.dtype)))
        mag2 = Real()(safe * conj(safe))
        g = Complex()(_const(backend.xp.zeros_like(gy._data)), gy) * safe / mag2
        return where(_const(nonzero), g, _const(backend.xp.zeros((), zd.dtype)))


def angle(x: Tensor) -> Tensor:
    """The argument ``atan2(imag, real)`` of each element, in ``(-π, π]`` (of a real tensor:
    0, or π for negatives; integers give the default float dtype, as in PyTorch)."""
    if x.dtype.kind in "iub":
        x = _const(x._data.astype(backend.get_default_dtype()))
    return Angle()(x)


def polar(abs: Tensor, angle: Tensor) -> Tensor:  # noqa: A002 - PyTorch's names
    """``abs · (cos angle + i sin angle)``: float32 gives complex64, float64 complex128."""
    from .elementwise import cos, sin  # elementwise imports this module

    return complex(abs * cos(angle), abs * sin(angle))


class Sgn(Function):
    """``z/|z|`` (0 at 0) of a complex tensor; PyTorch's gradient
    ``(g - Re(g · conj(w)) · w) / |z|`` (0 at ``z = 0``), ``w`` the output."""

    keep_output = True

    def forward(self, z: Any) -> Any:
        xp = backend.xp
        mag = xp.abs(z)
        with numpy.errstate(invalid="ignore", divide="ignore"):
            out = z / xp.where(mag == 0, 1, mag)
        return out.astype(z.dtype, copy=False)

    def backward(self, gy: Tensor) -> Tensor:
        from .elementwise import where  # elementwise imports this module

        z, w = self.inputs[0], self.output()
        zd = z._data
        nonzero = _const(zd != 0)
        safe = where(nonzero, z, _const(backend.xp.ones((), zd.dtype)))
        mag = Real()(safe * conj(safe)) ** 0.5
        g = (gy - Real()(gy * conj(w)) * w) / mag
        return where(nonzero, g, _const(backend.xp.zeros((), zd.dtype)))


def sgn(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """The sign extended to complex numbers: ``z/|z|`` (0 at 0) of a complex tensor,
    :func:`~deepgrad.functional.sign` of a real one.

    >>> import deepgrad as dg
    >>> dg.sgn(dg.tensor([1j, -2.0, 0j])).tolist()
    [1j, (-1+0j), 0j]
    """
    x = input if isinstance(input, Tensor) else Tensor(input)
    if x.dtype.kind != "c":
        from .elementwise import sign  # elementwise imports this module

        return sign(x)
    return Sgn()(x)
