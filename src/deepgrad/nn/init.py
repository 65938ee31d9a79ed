"""Weight initializers (in place, PyTorch's names), and how layers pick one by name.

=====================  ==========================================  ===========================
initializer            distribution                                use with
=====================  ==========================================  ===========================
normal_(std=0.01)      N(0, std²)                                  the guides' "Gaussian 0.01"
xavier_uniform_        U(-a, a), a = gain·√(6 / (fan_in + fan_out)) sigmoid, tanh (Glorot)
xavier_normal_         N(0, gain² · 2 / (fan_in + fan_out))         sigmoid, tanh
kaiming_uniform_       U(-b, b), b = gain·√(3 / fan)                 ReLU (He)
kaiming_normal_        N(0, gain² / fan), gain = √2 for ReLU        ReLU (He)
orthogonal_            a (semi-)orthogonal matrix × gain            recurrent weights
=====================  ==========================================  ===========================

Xavier is ``√(2 / (fan_in + fan_out))`` (Glorot & Bengio, 2010), not ``√(1 / n)``.
For a weight of shape ``(out, in, *kernel)``: ``fan_in = in · Πkernel``,
``fan_out = out · Πkernel``.

>>> import deepgrad as dg
>>> w = dg.zeros(256, 784)
>>> _ = dg.nn.init.kaiming_normal_(w, nonlinearity="relu")
>>> round(float(w.numpy().std()), 2)  # √(2/784) ≈ 0.0505
0.05
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy

from .. import _torch_rng, backend
from .._errors import DtypeNotImplementedError, ValueRangeError, kernel_dtype_name
from ..autograd import no_grad
from ..tensor import Tensor, check_uniform_bounds
from .parameter import _UNINITIALIZED_USE, is_lazy

Initializer = Callable[[Tensor], Tensor]


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for an activation (PyTorch's table): 1 for linear/sigmoid,
    5/3 for tanh, √2 for ReLU, √(2 / (1 + slope²)) for leaky ReLU, 3/4 for SELU."""
    linear = {"linear", "identity", "sigmoid", "conv1d", "conv2d", "conv3d"}
    linear |= {"conv_transpose1d", "conv_transpose2d", "conv_transpose3d"}
    if nonlinearity in linear:
        return 1  # PyTorch's int
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is not None and (isinstance(param, bool) or not isinstance(param, (int, float))):
            raise ValueError(f"negative_slope {param} not a valid number")  # PyTorch's check
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}")


def fan_in_and_fan_out(t: Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight shaped ``(out, in, *kernel)``."""
    if t.ndim < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
            f"(got shape {tuple(t.shape)})"
        )
    receptive = 1
    for s in t.shape[2:]:
        receptive *= s
    return t.shape[1] * receptive, t.shape[0] * receptive


#: PyTorch's private name, which public code calls (``fan_in, _ =
#: init._calculate_fan_in_and_fan_out(self.weight)`` in a ``reset_parameters``)
_calculate_fan_in_and_fan_out = fan_in_and_fan_out


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    """PyTorch's private helper: ``fan_in`` or ``fan_out`` of ``tensor`` by ``mode``."""
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fi, fo = fan_in_and_fan_out(tensor)
    return fi if mode == "fan_in" else fo


def _no_placeholder(init: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """``init`` refusing a lazy layer's placeholder (not built yet: no values to fill) with
    PyTorch's ``ValueError``."""

    @functools.wraps(init)
    def checked(tensor: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        if is_lazy(tensor):
            raise ValueError(_UNINITIALIZED_USE.format(what=f"nn.init.{init.__name__}"))
        return init(tensor, *args, **kwargs)

    return checked


def _fill(t: Tensor, values: Any) -> Tensor:
    with no_grad():
        t._data[...] = backend.xp.asarray(values, dtype=t.dtype)
    return t


def _rng(generator: Any = None) -> Any:
    """``generator``'s stream when one is given (PyTorch's ``generator=``), else the global one."""
    from ..tensor import _gen

    return _gen(generator)


def _draw(draw: Any, t: Tensor, generator: Any, *params: float) -> Any:
    """PyTorch's ``uniform_``/``normal_`` values for ``t`` (:mod:`deepgrad._torch_rng`: the
    same numbers as PyTorch's for the same seed in float32 and float64)."""
    from ..tensor import _draw_like

    return _draw_like(t, draw, generator, *params)


@_no_placeholder
def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
    """Fill with samples of U(a, b); bounds PyTorch refuses (``a > b``, outside the dtype's
    range, ``b − a`` past its largest value) raise its ``RuntimeError`` (also a
    ``ValueError``)."""
    check_uniform_bounds(tensor.dtype, a, b)
    return _fill(tensor, _draw(_torch_rng.uniform, tensor, generator, a, b))


@_no_placeholder
def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Tensor:
    """Fill with samples of N(mean, std²); ``normal_(w, std=0.01)`` is the guides' init.
    ``std < 0`` (or NaN) raises PyTorch's ``RuntimeError`` (also a ``ValueError``)."""
    if numpy.dtype(tensor.dtype).kind in "biu":  # PyTorch has no kernel for them
        raise DtypeNotImplementedError(
            f"\"normal_kernel_cpu\" not implemented for '{kernel_dtype_name(tensor.dtype)}' "
            "(normal_ fills floating tensors)"
        )
    if not std >= 0:  # NaN too, as PyTorch
        raise ValueRangeError(f"normal expects std >= 0.0, but found std {std}")
    return _fill(tensor, _draw(_torch_rng.normal, tensor, generator, mean, std))


@_no_placeholder
def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val`` (PyTorch's name for it)."""
    return _fill(tensor, val)


@_no_placeholder
def zeros_(tensor: Tensor) -> Tensor:
    return _fill(tensor, 0.0)


@_no_placeholder
def ones_(tensor: Tensor) -> Tensor:
    return _fill(tensor, 1.0)


@_no_placeholder
def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot uniform: U(-a, a) with ``a = gain · √(6 / (fan_in + fan_out))``."""
    fi, fo = fan_in_and_fan_out(tensor)
    a = gain * math.sqrt(6.0 / (fi + fo))
    return uniform_(tensor, -a, a, generator)


@_no_placeholder
def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot normal: N(0, σ²) with ``σ = gain · √(2 / (fan_in + fan_out))``."""
    fi, fo = fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fi + fo)), generator)


def _kaiming_std(t: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    fi, fo = fan_in_and_fan_out(t)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan = fi if mode == "fan_in" else fo
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def _no_op_on_empty(tensor: Tensor) -> bool:
    """PyTorch's Kaiming initializers leave a zero-element tensor (an empty layer's weight,
    whose fan may be 0) as it is, with a warning."""
    if tensor.numel() == 0:
        warnings.warn("Initializing zero-element tensors is a no-op", UserWarning, stacklevel=3)
        return True
    return False


@_no_placeholder
def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Any = None,
) -> Tensor:
    """He uniform: U(-b, b) with ``b = gain · √(3 / fan)`` (``a`` is the leaky slope)."""
    if _no_op_on_empty(tensor):
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


@_no_placeholder
def kaiming_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Any = None,
) -> Tensor:
    """He normal: N(0, σ²) with ``σ = gain / √fan`` (``√(2 / fan_in)`` for ReLU)."""
    if _no_op_on_empty(tensor):
        return tensor
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


@_no_placeholder
def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """A (semi-)orthogonal matrix (QR of a Gaussian matrix, signs fixed) times ``gain``: after
    the same seed PyTorch's matrix, to the rounding of the two LAPACKs' QR."""
    t = tensor
    if t.ndim < 2:
        raise ValueError(f"orthogonal_ needs at least 2 dims, got shape {t.shape}")
    if _no_op_on_empty(t):
        return t
    rows = t.shape[0]
    cols = t.numel() // rows
    # PyTorch's draws: normal_(0, 1) of (rows, cols) in the tensor's dtype, QR in that dtype
    flat = _draw(_torch_rng.normal, t, generator, 0.0, 1.0).reshape(rows, cols)
    if rows < cols:
        flat = flat.T
    q, r = backend.xp.linalg.qr(flat)
    q = q * backend.xp.sign(backend.xp.diag(r))
    if rows < cols:
        q = q.T
    return _fill(t, q.reshape(t.shape) * q.dtype.type(gain))


@_no_placeholder
def trunc_normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: Any = None,
) -> Tensor:
    """Fill with samples of N(mean, std²) restricted to ``[a, b]`` (absolute bounds), exactly
    distributed, as PyTorch's ``trunc_normal_`` (2.13) draws them — so after the same seed
    PyTorch's values (float64 bit for bit; float32 within an ulp of its normal draws).

    Where ``[a, b]`` holds more than 30 % of the normal's mass, normal draws of the whole
    tensor, each round redrawing the whole tensor and keeping the new values where the old
    ones fell outside; else rejection from ``U(a, b)``: a candidate ``x`` is kept when
    ``ln u ≤ -½((x - mean)/std)² - ln peak`` for ``u ~ U(0, 1)`` (``peak`` the density's
    highest value on ``[a, b]``).
    """
    if a > b:  # PyTorch's RuntimeError (its uniform_ draw's), also a ValueError
        raise ValueRangeError(
            f"uniform_ expects to return a [from, to) range, but found from={a} > to={b} "
            f"(trunc_normal_: need a <= b, got a={a}, b={b})"
        )
    if std < 0:
        raise ValueError(f"trunc_normal_: need std >= 0, got std={std}")
    if a == b:  # every draw is the one point of [a, b], as PyTorch's clamp leaves it
        return _fill(tensor, float(a))
    if std == 0:  # a point mass (PyTorch divides by zero)
        if not a <= mean <= b:
            raise ValueError(
                f"trunc_normal_: std=0 puts every value at mean={mean}, outside [{a}, {b}]"
            )
        return _fill(tensor, float(mean))

    def cdf(v: float) -> float:
        return (1.0 + math.erf(v / math.sqrt(2.0))) / 2.0

    if cdf((b - mean) / std) - cdf((a - mean) / std) > 0.3:
        return _fill(tensor, _trunc_by_normals(tensor, mean, std, a, b, generator))
    return _fill(tensor, _trunc_by_uniforms(tensor, mean, std, a, b, generator))


def _trunc_by_normals(t: Tensor, mean: float, std: float, a: float, b: float, gen: Any) -> Any:
    """PyTorch's first way: whole-tensor normal draws until every value lies in ``[a, b]``
    (the bounds rounded to ``t``'s dtype)."""
    xp = backend.xp
    result = _draw(_torch_rng.normal, t, gen, mean, std)
    lo, hi = result.dtype.type(a), result.dtype.type(b)
    while True:
        outside = (result < lo) | (result > hi)
        if not outside.any():
            return result
        result = xp.where(outside, _draw(_torch_rng.normal, t, gen, mean, std), result)


def _trunc_by_uniforms(t: Tensor, mean: float, std: float, a: float, b: float, gen: Any) -> Any:
    """PyTorch's second way: rejection from ``U(a, b)`` against the normal's density over its
    peak on ``[a, b]``, whole-tensor draws each round, in ``t``'s dtype."""
    xp = backend.xp
    mode = max(a, min(mean, b))
    log_peak = -0.5 * ((mode - mean) / std) ** 2

    def log_ratio(x: Any) -> Any:
        dt = x.dtype.type
        return ((x - dt(mean)) / dt(std)) ** 2 * dt(-0.5) - dt(log_peak)

    def rejected(x: Any) -> Any:
        return xp.log(_draw(_torch_rng.uniform, t, gen, 0.0, 1.0)) > log_ratio(x)

    result = _draw(_torch_rng.uniform, t, gen, a, b)
    pending = rejected(result)
    while pending.any():
        candidates = _draw(_torch_rng.uniform, t, gen, a, b)
        result = xp.where(pending, candidates, result)
        pending = xp.where(pending, rejected(candidates), pending)
    return result


@_no_placeholder
def eye_(tensor: Tensor) -> Tensor:
    """The identity matrix (ones on the diagonal of a 2-D tensor, zeros elsewhere)."""
    if tensor.ndim != 2:
        raise ValueError(f"eye_ needs a 2-D tensor, got shape {tensor.shape}")
    return _fill(tensor, backend.xp.eye(*tensor.shape))


@_no_placeholder
def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """A convolution kernel ``(out, in/groups, k...)`` that passes its input through: a 1 at
    the kernel's centre for ``out == in`` within each group (PyTorch's ``dirac_``)."""
    t = tensor
    if t.ndim not in (3, 4, 5):
        raise ValueError(f"dirac_ needs a 3-, 4- or 5-D tensor, got shape {t.shape}")
    out_ch = t.shape[0]
    if out_ch % groups:
        raise ValueError(f"dirac_: out channels {out_ch} not divisible by groups {groups}")
    per = out_ch // groups
    w = backend.xp.zeros(t.shape)
    centre = tuple(k // 2 for k in t.shape[2:])
    for g in range(groups):
        for d in range(min(per, t.shape[1])):
            w[(g * per + d, d, *centre)] = 1.0
    return _fill(t, w)


@_no_placeholder
def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator: Any = None) -> Tensor:
    """A 2-D matrix with ``ceil(sparsity · rows)`` zeros in each column (at random rows) and
    N(0, std²) elsewhere (Martens, 2010; PyTorch's ``sparse_``, its draws: ``normal_`` from
    ``generator``, each column's rows by ``randperm`` from the global stream, as PyTorch's)."""
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    num_zeros = math.ceil(sparsity * rows)
    w = _draw(_torch_rng.normal, tensor, generator, 0.0, std)
    for col in range(cols):  # as PyTorch's: the rows from the global stream, not ``generator``
        w[_torch_rng.randperm(backend.rng(), rows)[:num_zeros], col] = 0
    return _fill(tensor, w)


def _deprecated(new: Callable[..., Tensor]) -> Callable[..., Tensor]:
    old = new.__name__[:-1]

    def deprecated_init(*args: Any, **kwargs: Any) -> Tensor:
        import warnings

        warnings.warn(
            f"`nn.init.{old}` is now deprecated in favor of `nn.init.{new.__name__}`.",
            FutureWarning,
            stacklevel=2,
        )
        return new(*args, **kwargs)

    deprecated_init.__name__ = old
    deprecated_init.__doc__ = f"PyTorch's deprecated spelling of :func:`{new.__name__}`."
    return deprecated_init


# the old spellings without the trailing underscore, still in PyTorch (with a FutureWarning)
uniform = _deprecated(uniform_)
normal = _deprecated(normal_)
constant = _deprecated(constant_)
eye = _deprecated(eye_)
dirac = _deprecated(dirac_)
xavier_uniform = _deprecated(xavier_uniform_)
xavier_normal = _deprecated(xavier_normal_)
kaiming_uniform = _deprecated(kaiming_uniform_)
kaiming_normal = _deprecated(kaiming_normal_)
orthogonal = _deprecated(orthogonal_)
sparse = _deprecated(sparse_)


_BY_NAME: dict[str, Callable[[Tensor], Tensor]] = {
    "zeros": zeros_,
    "ones": ones_,
    "normal": lambda t: normal_(t, 0.0, 0.01),
    "xavier_uniform": xavier_uniform_,
    "xavier_normal": xavier_normal_,
    "kaiming_uniform": lambda t: kaiming_uniform_(t, nonlinearity="relu"),
    "kaiming_normal": lambda t: kaiming_normal_(t, nonlinearity="relu"),
    "orthogonal": orthogonal_,
}


def get(init: str | Initializer) -> Initializer:
    """Resolve an initializer given by name or as a callable ``f(tensor)`` (in place).

    Names: ``"normal"`` (N(0, 0.01²), the guides' Gaussian), ``"xavier_uniform"``,
    ``"xavier_normal"``, ``"kaiming_uniform"``, ``"kaiming_normal"`` (He, for ReLU),
    ``"orthogonal"``, ``"zeros"``, ``"ones"``.
    """
    if callable(init):
        return init
    try:
        return _BY_NAME[init]
    except KeyError:
        from .._choices import did_you_mean

        raise ValueError(
            f"unknown initializer {init!r}{did_you_mean(init, _BY_NAME) or '.'} Expected one "
            f"of {sorted(_BY_NAME)} or a callable"
        ) from None
