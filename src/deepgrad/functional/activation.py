"""Activation functions, in numerically stable forms.

=============  ===========================================  ===============================
function       forward                                      derivative
=============  ===========================================  ===============================
relu           max(x, 0)                                    1[x > 0]  (0 where x ≤ 0)
leaky_relu     x if x > 0 else a·x                          1 or a
elu            x if x > 0 else a(eˣ - 1)                    1 or y + a
gelu           x Φ(x)   (Φ: standard normal CDF)            Φ(x) + x φ(x)
sigmoid        1 / (1 + e⁻ˣ)  (via e^-|x|: no overflow)      y (1 - y)
tanh           tanh x                                       1 - y²
softplus       log(1 + eˣ) = max(x,0) + log1p(e^-|x|)       sigmoid(x)
softmax        e^(x - max) / Σ e^(x - max)                  y ⊙ (g - Σ g y)
log_softmax    x - logsumexp(x)                             g - eʸ Σ g
silu           x σ(x)                                       σ(x)(1 + x(1 - σ(x)))
mish           x tanh(softplus x)                           t + x σ(x)(1 - t²),  t = tanh sp
selu           s·elu(x, a)   (s, a: SELU's constants)        s or s·a eˣ
celu           x if x > 0 else a(e^(x/a) - 1)               1 or e^(x/a)
prelu          x if x > 0 else w·x   (w per channel)        1 or w;   ∂/∂w: min(x, 0)
hardtanh       clip(x, lo, hi)                              1[lo < x < hi]
relu6          hardtanh(x, 0, 6)                            1[0 < x < 6]
hardsigmoid    clip(x + 3, 0, 6) / 6                        1/6 · 1[-3 < x < 3]
hardswish      x · clip(x + 3, 0, 6) / 6                    0, x/3 + ½, 1  (x ≤ -3, < 3, ≥ 3)
softsign       x / (1 + |x|)                                1 / (1 + |x|)²
logsigmoid     -softplus(-x)   (no overflow)                σ(-x)
tanhshrink     x - tanh x                                   tanh² x
softmin        softmax(-x)                                  (through softmax)
threshold      x if x > t else v                            1[x > t]
=============  ===========================================  ===============================

``relu``, ``sigmoid`` and ``tanh`` (the hot activations) compute a first-order backward directly
on arrays, in one pass; under ``create_graph=True`` the same derivative is built from
differentiable operations, so higher-order gradients work.

``inplace=True`` is PyTorch's: the activation is written into ``x``'s own memory and dtype and
``x`` is returned (``F.relu(x, inplace=True) is x``; ``relu6`` writes ``hardtanh_(x, 0, 6)``,
as PyTorch's), recorded in the graph as every in-place write (the gradient flows through it;
a leaf that requires grad refuses, as in PyTorch). Under ``no_grad`` or outside a graph it is
a plain write.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy

from .. import _torch_rng, backend, kernels, threads
from .._errors import (
    ChoiceError,
    DtypeError,
    DtypeNotImplementedError,
    ShapeMismatchError,
    bool_arg,
    dim_error,
    int_arg,
    refuse_kernel_dtype,
)
from .._names import torch_names
from ..autograd import Function, _GradMode, is_grad_enabled
from ..tensor import Tensor
from ..threads import parallel_chunks
from .complex import conj
from .elementwise import _floating, _keep, _mask, abs, exp, minimum, where
from .half_math import float32_forward, float32_kernel
from .reduce import sum
from .shape import reshape


def _const(a: Any) -> Tensor:
    """A gradient computed directly on arrays (first-order backward: no graph is recorded)."""
    return Tensor._from_op(a, None, 0)


def _in_place(x: Tensor, fn: Any, name: str, *args: Any) -> Tensor:
    """``x <- fn(x, *args)`` in ``x``'s memory (PyTorch's ``name``, e.g. ``relu_``), recorded
    when ``x`` takes part in a graph; returns ``x``."""
    try:
        return x._write_op(None, name, lambda t, _: fn(t, *args))
    except TypeError as e:  # a float result into an integer tensor, a dtype refused
        raise type(e)(f"{name}: {e}") from None  # its class kept: PyTorch's RuntimeError too


class ReLU(Function):
    """``y = max(x, 0)`` (NaN passes; ``relu(-0.0)`` is ``+0.0``, where PyTorch keeps
    ``-0.0``: README, "What differs, on purpose"); ``dL/dx = 0 if y ≤ 0 else dL/dy``
    (PyTorch's ``threshold_backward``: a unit that is off passes nothing, not even an inf or
    NaN gradient, and a NaN output lets its gradient pass).

    Where numba is installed, both passes are compiled kernels (:func:`deepgrad.kernels.relu`,
    one pass each). The NumPy forms, on C-contiguous arrays, take NumPy's fast array-array
    loops: ``maximum(x, zeros)`` (a fresh calloc'd zero array: NumPy's scalar ``maximum``
    loop is not vectorized, 2-3.5x slower) and
    the gradient's bits times the mask ``y ≠ 0`` as integers 0/1 (exactly ``g`` or
    ``+0.0``, as fast as a float product, which would make an inf·0 NaN; ``np.where`` is
    15x slower on a random mask). Kernel and NumPy form agree bit for bit."""

    keep_output = True

    def forward(self, x: Any) -> Any:
        xp = backend.xp
        if x.flags.c_contiguous:
            y, xf = xp.empty(x.shape, x.dtype), x.reshape(-1)
            yf = y.reshape(-1)

            def chunk(a: int, b: int) -> None:  # elements a..b (split across threads)
                if not kernels.relu(xf[a:b], yf[a:b]):
                    xp.maximum(xf[a:b], xp.zeros(b - a, x.dtype), out=yf[a:b])

            parallel_chunks(chunk, x.size)
            return y
        return xp.maximum(x, 0)

    def backward(self, gy: Tensor) -> Tensor:
        xp = backend.xp
        y, g = self.output()._data, gy._data
        if _GradMode.enabled:  # create_graph: through differentiable ops
            return where(_const(y <= 0), _const(xp.zeros((), gy.dtype)), gy)
        return Tensor._from_op(relu_grad_array(y, g), None, 0)


def relu_grad_array(y: Any, g: Any) -> Any:
    """ReLU's input gradient as an array from its output ``y`` and the output's gradient
    ``g``: ``0 if y ≤ 0 else g`` (see :class:`ReLU`; also :class:`deepgrad.functional.linalg.
    LinearReLU`'s backward)."""
    xp = backend.xp
    if g.dtype != y.dtype or g.shape != y.shape:
        return xp.where(y <= 0, xp.zeros((), g.dtype), g)
    gx = xp.empty(y.shape, y.dtype)
    uint = _UINT[y.dtype.itemsize]
    if y.flags.c_contiguous and g.flags.c_contiguous:
        yf, gf, gxf = y.reshape(-1), g.reshape(-1), gx.reshape(-1)
        if y.size < 2 * threads.MIN_CHUNK and kernels.relu_backward(yf, gf, gxf):
            return gx  # one chunk, compiled: no closure, no pool
        gu, gxu = gf.view(uint), gxf.view(uint)

        def chunk(a: int, b: int) -> None:  # elements a..b (split across threads)
            if not kernels.relu_backward(yf[a:b], gf[a:b], gxf[a:b]):
                xp.not_equal(yf[a:b], 0, out=gxu[a:b])  # the mask as integers 0/1
                xp.multiply(gu[a:b], gxu[a:b], out=gxu[a:b])

        parallel_chunks(chunk, y.size)
    else:
        gxu = gx.view(uint)
        xp.not_equal(y, 0, out=gxu)
        xp.multiply(g.view(uint), gxu, out=gxu)
    return gx


#: the unsigned integer type of each float size: ReLU's backward multiplies the gradient's
#: bits by its 0/1 mask (exactly ``g`` or ``+0.0``; a float product would make inf·0 NaN)
_UINT = {2: numpy.uint16, 4: numpy.uint32, 8: numpy.uint64}


def relu(x: Tensor, inplace: bool = False) -> Tensor:
    """Rectified linear unit ``max(x, 0)`` (bool and complex tensors refused, as in PyTorch)."""
    if inplace:
        return _in_place(x, relu, "relu_")
    refuse_kernel_dtype(x, "relu", "bc")
    return ReLU()(x)


@float32_kernel
class LeakyReLU(Function):
    def __init__(self, slope: float) -> None:
        self.slope = slope

    def forward(self, x: Any) -> Any:
        return backend.xp.where(x > 0, x, x * self.slope)

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0]._data
        return gy * _mask(backend.xp.where(x > 0, 1.0, self.slope), gy)


def leaky_relu(x: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` for positive inputs, ``negative_slope · x`` otherwise (floating tensors only, as
    in PyTorch)."""
    if inplace:
        return _in_place(x, leaky_relu, "leaky_relu_", negative_slope)
    refuse_kernel_dtype(x, "leaky_relu", "biuc", "leaky_relu_cpu")
    return LeakyReLU(negative_slope)(x)


@float32_kernel
class ELU(Function):
    keep_output = True

    def __init__(self, alpha: float, scale: float = 1.0) -> None:
        self.alpha, self.scale = alpha, scale

    def forward(self, x: Any) -> Any:
        xp = backend.xp
        # minimum(0, x): -0.0 stays -0.0 (elu(-0.0) = -0.0, as PyTorch's)
        em1 = xp.expm1(xp.minimum(x.dtype.type(0), x))
        if self.scale == 1.0:
            return xp.where(x > 0, x, self.alpha * em1)
        # SELU in one pass, as PyTorch's elu kernel: x·scale, or (eˣ - 1)·(alpha·scale)
        pos, neg = (x.dtype.type(c) for c in (self.scale, self.alpha * self.scale))
        return xp.where(x > 0, x * pos, em1 * neg)

    def backward(self, gy: Tensor) -> Tensor:
        # α·eˣ from x (PyTorch's elu_backward), not y + α: float32's y + α rounds e^-100 to 0
        x = self.inputs[0]
        pos = x._data > 0
        if self.scale == 1.0:
            return where(pos, gy, gy * (exp(minimum(x, 0.0)) * self.alpha))
        dt = x._data.dtype.type
        return where(
            pos, gy * dt(self.scale), gy * dt(self.alpha * self.scale) * exp(minimum(x, 0.0))
        )


def elu(x: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """Exponential linear unit: ``x`` if ``x > 0`` else ``alpha (eˣ - 1)`` (floating tensors
    only, as in PyTorch)."""
    if inplace:
        return _in_place(x, elu, "elu_", alpha)
    refuse_kernel_dtype(x, "elu", "biuc", "elu_cpu")
    return ELU(alpha)(x)


class Erf(Function):
    def forward(self, x: Any) -> Any:
        return backend.special("erf")(x).astype(x.dtype, copy=False)

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0]
        return gy * (2.0 / math.sqrt(math.pi)) * exp(-(x * x))


def erf(x: Tensor) -> Tensor:
    """The error function ``erf x = 2/√π ∫₀ˣ e^(-t²) dt`` (complex tensors refused, as in
    PyTorch)."""
    refuse_kernel_dtype(x, "erf", "c", "erf_vml_cpu")
    return Erf()(_floating(x))


@float32_kernel
class GELU(Function):
    def forward(self, x: Any) -> Any:
        cdf = 0.5 * (1.0 + backend.special("erf")(x * (1 / math.sqrt(2.0))))
        return (x * cdf).astype(x.dtype, copy=False)

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0]
        cdf = (erf(x * (1 / math.sqrt(2.0))) + 1.0) * 0.5
        pdf = exp(x * x * -0.5) * (1 / math.sqrt(2 * math.pi))
        return gy * (cdf + x * pdf)


#: the tanh approximation's constants, as PyTorch's kernel: β = √2 · (2/√π) · ½ = √(2/π)
_GELU_BETA = math.sqrt(2.0) * (2.0 / math.sqrt(math.pi)) * 0.5
_GELU_KAPPA = 0.044715


@float32_kernel
class GELUTanh(Function):
    """``½ x (1 + tanh(β (x + κ x³)))`` in one node, as PyTorch's kernel writes it; backward
    ``½ (1 + t) + ½ x (1 - t²) β (1 + 3κ x²)`` with ``t = tanh(β (x + κ x³))``."""

    def forward(self, x: Any) -> Any:
        dt = x.dtype.type
        inner = dt(_GELU_BETA) * (x + dt(_GELU_KAPPA) * (x * x * x))
        return dt(0.5) * x * (1 + backend.xp.tanh(inner))

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0]
        x_sq = x * x
        t = tanh((x + x_sq * x * _GELU_KAPPA) * _GELU_BETA)
        left_d = (t + 1.0) * 0.5
        right_d = x * 0.5 * (1.0 - t * t) * ((x_sq * (3 * _GELU_KAPPA) + 1.0) * _GELU_BETA)
        return gy * (left_d + right_d)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit ``x Φ(x)``; ``approximate="tanh"`` uses
    ``0.5 x (1 + tanh(√(2/π)(x + 0.044715 x³)))`` (both as in PyTorch; floating tensors only,
    as there)."""
    refuse_kernel_dtype(x, "gelu", "biuc", "GeluKernelImpl")
    if approximate == "none":
        return GELU()(x)
    if approximate == "tanh":
        return GELUTanh()(x)
    raise ChoiceError(  # PyTorch's RuntimeError (and the ValueError of before)
        f"approximate argument must be either none or tanh. (gelu: got {approximate!r})"
    )


def _sigmoid(x: Any) -> Any:
    """``1 / (1 + e⁻ˣ)`` on an array, through ``e^-|x|`` (in (0, 1]: never overflows)."""
    xp = backend.xp
    e = xp.exp(-xp.abs(x))
    # the numerator picked first: one division instead of two, the same quotients
    y = xp.where(x >= 0, e.dtype.type(1), e)  # a one of e's dtype: no promotion on any backend
    e += 1
    y /= e
    return y


def _softplus(x: Any) -> Any:
    """``log(1 + eˣ) = max(x, 0) + log1p(e^-|x|)`` on an array, without overflow."""
    xp = backend.xp
    return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))


@float32_forward
class Sigmoid(Function):
    keep_output = True

    def forward(self, x: Any) -> Any:
        if x.dtype.kind == "c":  # no |x| trick for complex numbers: the plain formula
            return 1 / (1 + backend.xp.exp(-x))
        return _sigmoid(x)

    def backward(self, gy: Tensor) -> Tensor:
        y = self.output()
        if y.dtype.kind == "c":  # the conjugate derivative (PyTorch's convention)
            return gy * conj(y * (1.0 - y))
        if is_grad_enabled():
            return gy * (1.0 - y) * y
        yd = y._data  # PyTorch's sigmoid_backward: g·(1 - y)·y in that order
        return _const(gy._data * (1 - yd) * yd)  # one node instead of three


def sigmoid(x: Tensor) -> Tensor:
    """Logistic function ``1 / (1 + e⁻ˣ)``, stable at ±1000."""
    return Sigmoid()(_floating(x))


@float32_kernel
class Tanh(Function):
    keep_output = True

    def forward(self, x: Any) -> Any:
        return backend.xp.tanh(x)

    def backward(self, gy: Tensor) -> Tensor:
        y = self.output()
        if y.dtype.kind == "c":  # the conjugate derivative (PyTorch's convention)
            return gy * conj(1.0 - y * y)
        if is_grad_enabled():
            return gy * (1.0 - y * y)
        yd = y._data
        return _const(gy._data * (1 - yd * yd))


def tanh(x: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return Tanh()(_floating(x))


@float32_kernel
class Softplus(Function):
    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        self.beta, self.threshold = beta, threshold

    def forward(self, x: Any) -> Any:
        if self.beta == 1.0 and self.threshold == math.inf:
            return _softplus(x)
        z = x * self.beta
        with backend.quiet():  # β = 0: log 2 / 0 = inf, as PyTorch's
            y = _softplus(z) / self.beta
        self.linear = z > self.threshold
        return backend.xp.where(self.linear, x, y).astype(x.dtype, copy=False)

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0]
        if self.beta == 1.0 and self.threshold == math.inf:
            return gy * sigmoid(x)
        return gy * where(self.linear, 1.0, sigmoid(x * self.beta))


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """PyTorch's softplus: ``log(1 + e^(βx)) / β``, a smooth ReLU computed without overflow,
    and ``x`` itself where ``βx > threshold`` (the two agree there to float precision).
    Derivative ``σ(βx)`` (1 on the linear part). Any shape. A negative β is PyTorch's
    ``log(1 + e^(βx)) / β`` too (a smooth ``min(x, 0)``), and β = 0 gives inf (gradient 1/2).
    Floating tensors only, as in PyTorch."""
    refuse_kernel_dtype(x, "softplus", "biuc", "softplus_cpu")
    return Softplus(float(beta), float(threshold))(x)


class Softmax(Function):
    keep_output = True

    def __init__(self, axis: int | None) -> None:
        self.axis = axis

    def forward(self, x: Any) -> Any:
        xp = backend.xp
        if x.size == 0:  # an empty input (also along the axis) gives an empty output, as torch
            return xp.empty_like(x)
        if x.dtype == xp.float16:
            return backend.silently(self._half, x)
        # an all -inf row is NaN (-inf - -inf), silently as PyTorch's
        return backend.silently(self._softmax, x)

    def _softmax(self, x: Any) -> Any:
        xp = backend.xp
        e = xp.exp(shift_by_max(x, self.axis))
        e /= e.sum(axis=self.axis, keepdims=True)
        return e

    def _half(self, x: Any) -> Any:
        """PyTorch's CPU float16 arithmetic: in float32, rounded once; over the last dim
        (its lastdim kernel) the exponentials times the reciprocal of their sum. Over another
        dim its vectorized columns divide as here, but its scalar tail columns (which ones
        depends on the CPU's vector width and the thread count) round each exponential to
        float16 first: those differ by at most 1 ulp (README)."""
        xp = backend.xp
        f = x.astype(xp.float32)
        e = xp.exp(f - f.max(axis=self.axis, keepdims=True))
        s = e.sum(axis=self.axis, keepdims=True)
        if self.axis is None or self.axis == x.ndim - 1:
            e *= xp.float32(1.0) / s
        else:
            e /= s
        return e.astype(xp.float16)

    def backward(self, gy: Tensor) -> Tensor:
        y = self.output()
        gyy = gy * y
        return gyy - y * sum(gyy, self.axis, keepdim=True)


def shift_by_max(x: Any, axis: int | None) -> Any:
    """``x − max(x, axis, keepdims=True)`` on an array (the shift before a softmax's ``exp``):
    along the last axis of a C-contiguous float array with short rows, one compiled pass
    (:func:`deepgrad.kernels.sub_row_max`, the same numbers), else NumPy's two calls.

    >>> import numpy as np
    >>> shift_by_max(np.array([[1.0, 3.0], [2.0, -1.0]], np.float32), 1).tolist()
    [[-2.0, 0.0], [0.0, -3.0]]
    """
    nd, n = x.ndim, x.shape[-1] if x.ndim else 0
    if (
        axis == nd - 1
        and 0 < n <= kernels.SUB_ROW_MAX_UP_TO
        and type(x) is numpy.ndarray
        and x.flags.c_contiguous
    ):
        z = numpy.empty_like(x)
        if (
            kernels.sub_row_max(x, z)
            if nd == 2
            else kernels.sub_row_max(x.reshape(-1, n), z.reshape(-1, n))
        ):
            return z
    return x - x.max(axis=axis, keepdims=True)


@torch_names
def softmax(x: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """``e^(x_i - max x) / Σ_j e^(x_j - max x)`` along ``dim``; ``dtype`` casts ``x`` first,
    as PyTorch (``_stacklevel`` is PyTorch's, unused)."""
    x = _cast(x, dtype, "softmax", dim)
    return Softmax(_check_axis(x, dim, "softmax"))(x)


def _cast(x: Tensor, dtype: Any, fn: str, axis: int | None = None) -> Tensor:
    """``x`` in the floating ``dtype`` (a recorded cast), or ``x`` itself for ``None``; an
    integer or bool ``x`` without a ``dtype`` is refused, as PyTorch has no kernel for it."""
    if dtype is None:
        if x.dtype.kind in "biu":
            raise DtypeNotImplementedError(
                f"{fn}: not implemented for a {x.dtype} tensor (PyTorch has no {fn} kernel for "
                f"integer or bool input); pass dtype=dg.float32, or convert it first: x.float()"
            )
        if x.dtype.kind == "c":  # PyTorch's kernel names: the last dim or another
            last = axis is None or axis in (-1, x.ndim - 1)
            kernel = "softmax" if fn == "softmin" else fn
            refuse_kernel_dtype(x, fn, "c", f"{kernel}_{'lastdim_' if last else ''}kernel_impl")
        return x
    dt = numpy.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"{fn}: dtype must be a floating dtype, got {dt}")
    return x if x.dtype == dt else x.to(dt)


class LogSoftmax(Function):
    keep_output = True

    def __init__(self, axis: int | None) -> None:
        self.axis = axis

    def forward(self, x: Any) -> Any:
        xp = backend.xp
        if x.size == 0:
            return xp.empty_like(x)
        # an all -inf row is NaN (-inf - -inf), silently as PyTorch's
        return backend.silently(self._log_softmax, x)

    def _log_softmax(self, x: Any) -> Any:
        xp = backend.xp
        if x.dtype == xp.float16:  # in float32, rounded as PyTorch's CPU kernels round
            f = x.astype(xp.float32)
            z = f - f.max(axis=self.axis, keepdims=True)
            s = xp.exp(z).sum(axis=self.axis, keepdims=True)
            if self.axis is None or self.axis == x.ndim - 1:  # its lastdim kernel keeps the
                # sum and its log in float16
                s = s.astype(xp.float16).astype(xp.float32)
                return (z - xp.log(s).astype(xp.float16).astype(xp.float32)).astype(xp.float16)
            return (z - xp.log(s)).astype(xp.float16)
        z = shift_by_max(x, self.axis)
        return z - xp.log(xp.exp(z).sum(axis=self.axis, keepdims=True))

    def backward(self, gy: Tensor) -> Tensor:
        return gy - exp(self.output()) * sum(gy, self.axis, keepdim=True)


@torch_names
def log_softmax(
    x: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``: log-probabilities without overflow; ``dtype``
    casts ``x`` first, as PyTorch."""
    x = _cast(x, dtype, "log_softmax", dim)
    return LogSoftmax(_check_axis(x, dim, "log_softmax"))(x)


def _check_axis(x: Tensor, axis: int, fn: str) -> int | None:
    """The axis as a non-negative int; ``None`` for a 0-d tensor, whose only element is its
    own softmax (PyTorch accepts ``dim`` 0 or -1 there: the result is 1, or 0 for the log).
    ``dim=None`` given to ``softmax``/``log_softmax``/``softmin`` is PyTorch's deprecated
    implicit dim, with its warning: 0 for a 0-, 1- or 3-d input, 1 otherwise."""
    if axis is None and fn in ("softmax", "log_softmax", "softmin"):
        warnings.warn(
            f"Implicit dimension choice for {fn} has been deprecated. Change the call to "
            "include dim=X as an argument.",
            UserWarning,
            stacklevel=3,
        )
        axis = 0 if x.ndim in (0, 1, 3) else 1
    if type(axis) is not int:
        axis = int_arg(axis, fn, "dim")
    if not -max(x.ndim, 1) <= axis < max(x.ndim, 1):
        raise dim_error(fn, axis, x.ndim)
    return axis % x.ndim if x.ndim else None


# ---------------------------------------------------------------------------------------------
# more activations (PyTorch's names, defaults and derivatives at the kinks)
# ---------------------------------------------------------------------------------------------
@float32_kernel
class SiLU(Function):
    def forward(self, x: Any) -> Any:
        if x.dtype.kind == "c":  # no |x| trick for complex numbers: the plain formula
            return x / (1 + backend.xp.exp(-x))
        return x * _sigmoid(x)

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0]
        if x.dtype.kind == "c":  # the conjugate derivative (PyTorch's convention)
            s = sigmoid(x)
            return gy * conj(s * (1.0 + x * (1.0 - s)))
        if is_grad_enabled():
            s = sigmoid(x)
            return gy * s * (1.0 + x * (1.0 - s))
        xd = x._data
        s = _sigmoid(xd)
        return _const(gy._data * s * (1 + xd * (1 - s)))


def silu(x: Tensor, inplace: bool = False) -> Tensor:
    """Sigmoid linear unit (swish): ``silu(x) = x σ(x)``, ``σ`` the logistic function.

    Derivative ``σ(x) (1 + x (1 - σ(x)))``. Shapes: any → the same. Bool and integer tensors
    are refused, as in PyTorch.
    """
    if inplace:
        return _in_place(x, silu, "silu_")
    refuse_kernel_dtype(x, "silu", "biu", "silu_cpu")
    return SiLU()(x)


@float32_kernel
class Mish(Function):
    def forward(self, x: Any) -> Any:
        return x * backend.xp.tanh(_softplus(x))

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0]
        if is_grad_enabled():
            t = tanh(softplus(x))
            return gy * (t + x * sigmoid(x) * (1.0 - t * t))
        xd = x._data
        t = backend.xp.tanh(_softplus(xd))
        return _const(gy._data * (t + xd * _sigmoid(xd) * (1 - t * t)))


def mish(x: Tensor, inplace: bool = False) -> Tensor:
    """Mish: ``mish(x) = x tanh(softplus(x))`` (softplus computed without overflow).

    Derivative ``t + x σ(x) (1 - t²)`` with ``t = tanh(softplus(x))``. Shapes: any → the same.
    Floating tensors only, as in PyTorch.
    """
    if inplace:
        return _in_place(x, mish, "mish_")
    refuse_kernel_dtype(x, "mish", "biuc", "mish_cpu")
    return Mish()(x)


#: SELU's constants (Klambauer et al. 2017), as in PyTorch
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def selu(x: Tensor, inplace: bool = False) -> Tensor:
    """Scaled exponential linear unit:
    ``selu(x) = scale · (x if x > 0 else alpha (eˣ - 1))`` with ``alpha ≈ 1.6733`` and
    ``scale ≈ 1.0507`` (:data:`SELU_ALPHA`, :data:`SELU_SCALE`), i.e. ``scale · elu(x, alpha)``.

    The derivative at 0 is ``scale · alpha`` (the left branch), as in PyTorch. Shapes: any →
    the same.
    """
    if inplace:
        return _in_place(x, selu, "selu_")
    refuse_kernel_dtype(x, "selu", "biuc", "elu_cpu")
    return ELU(SELU_ALPHA, SELU_SCALE)(x)


@float32_kernel
class CELU(Function):
    keep_output = True

    def __init__(self, alpha: float) -> None:
        self.alpha = alpha

    def forward(self, x: Any) -> Any:
        xp = backend.xp
        m = xp.minimum(x.dtype.type(0), x)  # -0.0 stays -0.0, as PyTorch's
        return xp.where(x > 0, x, self.alpha * xp.expm1(m / self.alpha))

    def backward(self, gy: Tensor) -> Tensor:
        # e^(x/α) from x (PyTorch's), not y/α + 1, which rounds e^-100 to 0 in float32
        x = self.inputs[0]
        pos = x._data > 0
        return where(pos, gy, gy * exp(minimum(x, 0.0) * (1.0 / self.alpha)))


def celu(x: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """Continuously differentiable ELU:
    ``celu(x) = max(0, x) + min(0, alpha (e^(x/alpha) - 1))``.

    Derivative 1 for ``x > 0``, ``e^(x/alpha)`` otherwise (1 at 0). ``alpha`` must not be 0.
    Shapes: any → the same. Floating tensors only, as in PyTorch.
    """
    if inplace:
        return _in_place(x, celu, "celu_", alpha)
    refuse_kernel_dtype(x, "celu", "biuc", "elu_cpu")
    if alpha == 0:
        raise ValueError("celu: alpha cannot be 0 (it divides x)")
    return CELU(float(alpha))(x)


def prelu(x: Tensor, weight: Tensor) -> Tensor:
    """Parametric ReLU: ``prelu(x) = x if x > 0 else weight · x``, with a learnable slope.

    Shapes: ``x`` any; ``weight`` a scalar or 1-D tensor of 1 element (shared), or of ``C``
    elements for ``x (N, C, *)``, one slope per channel (axis 1, as in PyTorch). The gradient
    is ``1`` or ``weight`` for ``x`` (``weight`` at 0) and ``Σ min(x, 0) · g`` for ``weight``.
    """
    refuse_kernel_dtype(x, "prelu", "c", "prelu_cpu")
    if not isinstance(weight, Tensor):
        raise TypeError(f"prelu: weight must be a Tensor, got {type(weight).__name__}")
    if weight.ndim > 1:  # PyTorch's RuntimeError (still a ValueError)
        raise ShapeMismatchError(
            f"prelu: expected weight to be a scalar or 1-D tensor, got shape {weight.shape}"
        )
    if weight.dtype != x.dtype:  # PyTorch's RuntimeError (and the TypeError of before)
        raise DtypeError(
            f"prelu: input and weight must have the same dtype, got {x.dtype} and {weight.dtype}"
        )
    if weight.numel() != 1:
        if x.ndim == 0:
            raise ShapeMismatchError(
                f"prelu: a 0-d input takes a single slope, got weight of shape {weight.shape}"
            )
        channels = x.shape[1] if x.ndim > 1 else 1
        if weight.numel() != channels:
            raise ShapeMismatchError(
                f"prelu: expected weight with 1 or {channels} elements (the channels, axis 1 of "
                f"input shape {x.shape}), got {weight.numel()}"
            )
    shape = [1] * x.ndim
    if x.ndim > 1:
        shape[1] = weight.numel()
    w = reshape(weight, tuple(shape))
    return where(x._data > 0, x, x * w)


class Hardtanh(Function):
    def __init__(self, lo: float, hi: float) -> None:
        self.lo, self.hi = lo, hi

    def forward(self, x: Any) -> Any:
        return backend.xp.clip(x, x.dtype.type(self.lo), x.dtype.type(self.hi))

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0]._data
        return _keep(gy, (x > self.lo) & (x < self.hi))


def hardtanh(
    x: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    """``hardtanh(x) = min(max(x, min_val), max_val)``; the gradient is 1 strictly inside
    ``(min_val, max_val)`` and 0 elsewhere, at the bounds included (PyTorch's).

    Shapes: any → the same.
    """
    if inplace:
        return _in_place(x, hardtanh, "hardtanh_", min_val, max_val)
    if min_val > max_val:
        raise ValueError(
            f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})"
        )
    _refuse_hardtanh(x, min_val)
    return Hardtanh(min_val, max_val)(x)


def _refuse_hardtanh(x: Tensor, min_val: float) -> None:
    """PyTorch's refusals in ``hardtanh``/``relu6``: a bool tensor, a complex one, an unsigned
    one with a negative lower limit (``RuntimeError``s)."""
    if x.dtype == bool:
        raise DtypeError("Bool inputs not supported for hardtanh; convert the input, x.float()")
    refuse_kernel_dtype(x, "hardtanh", "c", "clamp")
    if numpy.dtype(x.dtype).kind == "u" and min_val < 0:
        raise DtypeError(
            f"cannot do hardtanh on an unsigned type with negative limits (min_val={min_val} "
            f"with {x.dtype}); use min_val >= 0 or convert the input, x.float()"
        )


def relu6(x: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x) = min(max(x, 0), 6)`` (:func:`hardtanh` on ``[0, 6]``: gradient 0 at 0 and 6).

    Shapes: any → the same.
    """
    if inplace:
        return _in_place(x, hardtanh, "hardtanh_", 0.0, 6.0)
    _refuse_hardtanh(x, 0.0)
    return Hardtanh(0.0, 6.0)(x)


@float32_kernel
class Hardsigmoid(Function):
    def forward(self, x: Any) -> Any:
        return backend.xp.clip(x + 3, 0, 6) / x.dtype.type(6)

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0]._data
        return _keep(gy, (x > -3) & (x < 3)) * (1.0 / 6.0)


def hardsigmoid(x: Tensor, inplace: bool = False) -> Tensor:
    """Piecewise-linear sigmoid: ``hardsigmoid(x) = min(max(x + 3, 0), 6) / 6``; gradient
    ``1/6`` for ``-3 < x < 3``, else 0.

    Shapes: any → the same. Floating tensors only, as in PyTorch.
    """
    if inplace:
        return _in_place(x, hardsigmoid, "hardsigmoid_")
    refuse_kernel_dtype(x, "hardsigmoid", "biuc", "hardsigmoid_cpu")
    return Hardsigmoid()(x)


@float32_kernel
class Hardswish(Function):
    def forward(self, x: Any) -> Any:
        return x * backend.xp.clip(x + 3, 0, 6) / x.dtype.type(6)

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0]
        xd = x._data
        return _keep(gy * where(xd < 3, x / 3.0 + 0.5, 1.0), xd > -3)  # PyTorch's x/3 + ½


def hardswish(x: Tensor, inplace: bool = False) -> Tensor:
    """``hardswish(x) = x · min(max(x + 3, 0), 6) / 6`` (MobileNetV3).

    Derivative (PyTorch's, at the kinks too): 0 for ``x ≤ -3``, ``x/3 + 1/2`` for
    ``-3 < x < 3``, 1 for ``x ≥ 3``. Shapes: any → the same. Floating tensors only, as in
    PyTorch.
    """
    if inplace:
        return _in_place(x, hardswish, "hardswish_")
    refuse_kernel_dtype(x, "hardswish", "biuc", "hardswish_cpu")
    return Hardswish()(x)


def softsign(x: Tensor) -> Tensor:
    """``softsign(x) = x / (1 + |x|)``; derivative ``1 / (1 + |x|)²``. Shapes: any → the same."""
    return x / (abs(x) + 1.0)


@float32_kernel
class LogSigmoid(Function):
    """``log σ(x) = min(x, 0) − log1p(e^{−|x|})`` (PyTorch's CPU formula: no cut-off, so
    ``logsigmoid(−25) = −25 − 1.4e−11``, not −25); derivative ``σ(−x)``, computed as
    PyTorch's ``log_sigmoid_backward``: with ``z = e^{−|x|}``, ``1 − z/(1+z)`` for
    ``x < 0`` and ``z/(1+z)`` otherwise."""

    def forward(self, x: Any) -> Any:
        xp = backend.xp
        out = xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))
        return out + 0  # +0.0 at +inf (0 − 0), as PyTorch's

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0]
        if _GradMode.enabled:  # create_graph: σ(−x) through differentiable ops
            return gy * sigmoid(-x)
        xp, xd = backend.xp, x._data
        z = xp.exp(-xp.abs(xd))
        share = z / (1 + z)
        return _const(gy._data * xp.where(xd < 0, 1 - share, share))


def logsigmoid(x: Tensor) -> Tensor:
    """``logsigmoid(x) = log σ(x) = min(x, 0) − log1p(e^{−|x|})``, stable for large ``|x|``
    (:class:`LogSigmoid`); derivative ``σ(−x)``. Shapes: any → the same. Floating tensors
    only, as in PyTorch."""
    refuse_kernel_dtype(x, "logsigmoid", "biuc", "log_sigmoid_cpu")
    return LogSigmoid()(x)


def tanhshrink(x: Tensor) -> Tensor:
    """``tanhshrink(x) = x - tanh(x)``; derivative ``tanh²(x)``. Shapes: any → the same."""
    return x - tanh(x)


@torch_names
def softmin(x: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """``softmin(x) = softmax(-x)`` along ``dim`` (without one, PyTorch's implicit dim, as
    :func:`softmax`):
    ``e^(-x_i) / Σ_j e^(-x_j)``; ``dtype`` casts ``x`` first. Shapes: any → the same (a 0-d
    input gives 1)."""
    # PyTorch negates in the input's dtype (a bool x is refused there, a uint8 one wraps
    # around), then casts, or refuses an integer result without dtype=
    axis = _check_axis(x, dim, "softmin")
    return Softmax(axis)(_cast(-x, dtype, "softmin", axis))


class Threshold(Function):
    def __init__(self, threshold: float, value: float) -> None:
        self.threshold, self.value = threshold, value

    def forward(self, x: Any) -> Any:
        # PyTorch's test, x <= threshold: NaN is not replaced (nor its gradient dropped)
        return backend.xp.where(x <= self.threshold, x.dtype.type(self.value), x)

    def backward(self, gy: Tensor) -> Tensor:
        return _keep(gy, ~(self.inputs[0]._data <= self.threshold))


def threshold(x: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``threshold(x) = value if x <= threshold else x``; gradient ``1[not x <= threshold]``
    (PyTorch's: a NaN passes, with its gradient).

    Shapes: any → the same.
    """
    refuse_kernel_dtype(x, "threshold", "c", "threshold_cpu")
    if inplace:
        return _in_place(x, _threshold, "threshold_", threshold, value)
    return Threshold(threshold, value)(x)


_threshold = threshold  # the parameter of threshold(..., threshold, ...) shadows the function


def softshrink(x: Tensor, lambd: float = 0.5) -> Tensor:
    """``softshrink(x) = x - λ`` if ``x > λ``, ``x + λ`` if ``x < -λ``, else 0 (PyTorch's
    ``F.softshrink``; ``λ ≥ 0``); gradient ``1[|x| > λ]``. Shapes: any → the same.

    >>> import deepgrad as dg
    >>> softshrink(dg.tensor([-1.0, 0.2, 2.0]), 0.5)
    tensor([-0.5000,  0.0000,  1.5000])
    """
    refuse_kernel_dtype(x, "softshrink", "biuc", "softshrink_check")  # floating only, as PyTorch
    if not lambd >= 0:
        raise ValueError(f"softshrink: lambd must be greater or equal to 0, got {lambd}")
    xd = x._data
    # NaN stays NaN (gradient 0), as PyTorch's
    return where(
        xd > lambd, x - lambd, where(xd < -lambd, x + lambd, where(xd != xd, _const(xd), 0.0))
    )


def hardshrink(x: Tensor, lambd: float = 0.5) -> Tensor:
    """``hardshrink(x) = x`` if ``|x| > λ`` else 0 (PyTorch's ``F.hardshrink``); gradient
    ``1[|x| > λ]``. Shapes: any → the same. Floating tensors only, as in PyTorch."""
    refuse_kernel_dtype(x, "hardshrink", "biuc", "hardshrink_cpu")
    xd = x._data
    # NaN stays NaN (gradient 0), as PyTorch's
    return where((xd > lambd) | (xd < -lambd), x, where(xd != xd, _const(xd), 0.0))


@torch_names
def glu(x: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: ``x`` split in halves ``a, b`` along ``dim``, ``a ⊙ σ(b)``.

    Shapes: ``(*, 2n, *)`` → ``(*, n, *)``; the halved axis must be even (PyTorch's error
    otherwise, and for a 0-d input)."""
    refuse_kernel_dtype(x, "glu", "c", "glu_cpu")
    if x.ndim == 0:
        raise ShapeMismatchError("glu does not support scalars because halving size must be even")
    axis = _check_axis(x, dim, "glu")
    if x.shape[axis] % 2:  # PyTorch's RuntimeError (and the ValueError of before)
        raise ShapeMismatchError(
            f"glu: halving dimension must be even, but dimension {axis} is size {x.shape[axis]} "
            f"(input shape {x.shape})"
        )
    half = x.shape[axis] // 2
    index = [slice(None)] * x.ndim
    index[axis] = slice(0, half)
    a = x[tuple(index)]
    index[axis] = slice(half, 2 * half)
    return a * sigmoid(x[tuple(index)])


def rrelu(
    x: Tensor,
    lower: float = 1.0 / 8.0,
    upper: float = 1.0 / 3.0,
    training: bool = False,
    inplace: bool = False,
) -> Tensor:
    """Randomized leaky ReLU (PyTorch's ``F.rrelu``): ``x`` if ``x > 0`` else ``a · x``.

    In training each non-positive element draws its own slope ``a ~ U(lower, upper)`` from
    deepgrad's seeded generator (``dg.manual_seed``; PyTorch's numbers: one float64 uniform
    per non-positive element, in order), and the gradient there is ``a``; in
    evaluation ``a = (lower + upper) / 2`` for every element (a leaky ReLU). ``inplace=True``
    writes the result into ``x`` (PyTorch's ``rrelu_``). Shapes: any → the same."""
    if inplace:
        return _in_place(x, rrelu, "rrelu_", lower, upper, training)
    training = bool_arg(training, "rrelu", "training", 4)
    if lower > upper:
        raise ValueError(f"rrelu: lower bound ({lower}) must not exceed upper bound ({upper})")
    if not training:
        return leaky_relu(x, (lower + upper) / 2.0)
    xd = x._data
    if xd.dtype.kind != "f":
        raise TypeError(f"rrelu: expected a floating tensor, got dtype {xd.dtype}")
    g = backend.rng()
    if getattr(g, "torch_stream", False):  # PyTorch's: a float64 U(lower, upper) for each
        neg = xd <= 0  # non-positive element in order (the bounds in the dtype first), the
        t = xd.dtype.type  # slope rounded to the dtype
        slope = numpy.ones(xd.shape, xd.dtype)
        slope[neg] = _torch_rng.uniform_scalar(g, int(neg.sum()), float(t(lower)), float(t(upper)))
    else:
        draw = g.uniform(lower, upper, size=xd.shape).astype(xd.dtype)
        slope = backend.xp.where(xd <= 0, draw, xd.dtype.type(1))
    return x * _const(slope)
