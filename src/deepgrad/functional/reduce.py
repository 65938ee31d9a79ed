"""Reductions over axes: sum, mean, max, min, var, std, logsumexp, and PyTorch's prod, norm,
amax/amin, all/any; the running scans cumsum and cumprod.

The backward of a reduction spreads the incoming gradient back over the reduced axes
(``broadcast_to`` after restoring them as size-1 axes): evenly for ``sum``/``mean`` (÷ n),
onto the arg-max elements for ``max``/``min`` (split evenly on ties), and by the softmax
``e^(x - y)`` for ``logsumexp``.
"""

from __future__ import annotations

import builtins
import functools
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy

from .. import backend
from .._errors import (
    DtypeError,
    IndexShapeError,
    ValueRangeError,
    _refuse_complex_order,
    dim_error,
    int_arg,
    ints_arg,
    kernel_dtype_name,
    refuse_kernel_dtype,
)
from .._names import torch_names
from ..autograd import Function, _GradMode
from ..tensor import Tensor
from .complex import conj, imag, real
from .complex import sgn as _sgn
from .elementwise import _keep, _mask, abs, astype, exp, log, maximum, minimum, sign, where
from .shape import (
    ValuesIndices,
    broadcast_to,
    concat,
    flip,
    gather,
    getitem,
    movedim,
    reshape,
    unsqueeze,
)

Axis = int | Sequence[int] | None


def _axes(axis: Axis, ndim: int, fn: str, empty_is_all: bool = True) -> tuple[int, ...] | None:
    """``axis`` as non-negative ints, None for all. An empty tuple or list reduces over all
    dims, as in PyTorch (``x.sum(dim=())`` is ``x.sum()``), except for ``all``/``any``
    (``empty_is_all=False``), where PyTorch reduces over none."""
    if axis is None:
        return None
    axes = (axis,) if type(axis) is int else ints_arg(axis, fn, "dim")
    if not axes and empty_is_all:
        return None
    out = []
    for a in axes:
        if not -builtins.max(ndim, 1) <= a < builtins.max(ndim, 1):
            raise dim_error(fn, a, ndim)
        out.append(a % builtins.max(ndim, 1))
    if len(out) > 1 and len(set(out)) < len(out):
        raise RuntimeError(f"{fn}: dim {out[-1]} appears multiple times in the list of dims")
    # a 0-d tensor accepts axis 0 / -1 (as in PyTorch) and reduces nothing
    return tuple(out) if ndim else ()


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...] | None) -> tuple[int, ...]:
    """``shape`` with the reduced axes set to 1 (the ``keepdims=True`` shape)."""
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _expand(gy: Tensor, shape: tuple[int, ...], axes: tuple[int, ...] | None) -> Tensor:
    """Spread a reduced gradient back to the input's ``shape``."""
    return broadcast_to(reshape(gy, _kept_shape(shape, axes)), shape)


def _reduced_size(shape: tuple[int, ...], axes: tuple[int, ...] | None) -> int:
    """How many elements each output element of a reduction over ``axes`` reduces."""
    n = 1
    for i, s in enumerate(shape):
        if axes is None or i in axes:
            n *= s
    return n


def _reduced_shape(shape: tuple[int, ...], axes: tuple[int, ...] | None, keepdims: bool) -> tuple:
    """The output shape of a reduction of ``shape`` over ``axes``."""
    if keepdims:
        return _kept_shape(shape, axes)
    return tuple(s for i, s in enumerate(shape) if axes is not None and i not in axes)


def _refuse_empty_reduction(
    shape: tuple[int, ...], axes: tuple[int, ...] | None, fn: str, per_dim: type = IndexShapeError
) -> None:
    """Raise where the max/min of no elements would be asked for, as PyTorch raises: over all
    dims a ``RuntimeError`` (:class:`ValueRangeError`), over a dim of size 0 an ``IndexError``
    (:class:`IndexShapeError`; ``per_dim`` for a reduction whose PyTorch error is another,
    as the norms' ``RuntimeError``); both are also ``ValueError``, the class deepgrad raised
    before. A reduction over non-empty axes of an empty tensor is allowed and gives an
    empty result."""
    if axes is None or not axes:
        raise ValueRangeError(
            f"{fn}(): Expected reduction dim to be specified for input.numel() == 0. Specify "
            f"the reduction dim with the 'dim' argument. ({fn}: the tensor of shape {shape} is "
            f"empty and the {fn} of no elements is undefined; give a dim whose size is not 0)"
        )
    for a in axes:
        if shape[a] == 0:
            raise per_dim(
                f"{fn}(): Expected reduction dim {a} to have non-zero size. ({fn}: dim {a} of "
                f"shape {shape} is empty and the {fn} of no elements is undefined; reduce over "
                "a non-empty dim)"
            )


def _acc(x: Any, given: Any = None) -> Any:
    """The dtype a sum or product of ``x`` accumulates in: ``given`` (a ``dtype=``) when not
    None; int64 for the unsigned types, as PyTorch's (NumPy's would be uint64: a uint64 sum past
    int64's range wraps, as there); None
    otherwise (NumPy's own: int64 for bool and the signed ints, the input's for floats, as
    PyTorch's)."""
    if given is not None:
        return given
    return numpy.int64 if x.dtype.kind == "u" else None


def _cast(x: Tensor, dtype: Any, fn: str) -> tuple[Tensor, Any]:
    """PyTorch's ``dtype=`` of a reduction or scan: ``x`` cast to ``dtype`` first, and the
    dtype to accumulate in (exactly ``dtype``: ``int8`` sums wrap, as PyTorch's); ``(x,
    None)`` for None. A tensor that needs a gradient takes only a floating ``dtype`` (PyTorch
    refuses the others too: a gradient cannot flow into an integer result)."""
    if dtype is None:
        return x, None
    dt = numpy.dtype(dtype)
    if dt.kind not in "fc" and x.requires_grad and _GradMode.enabled:
        raise RuntimeError(
            f"{fn}: dtype={dt} on a tensor that requires grad: gradients need a floating "
            "dtype (cast with x.detach() first, or pick a float dtype)"
        )
    return astype(x, dt), dt


class Sum(Function):
    reads_inputs = False  # its backward reads the inputs' shapes, not their values

    def __init__(self, axes: tuple[int, ...] | None, keepdims: bool, acc: Any = None) -> None:
        self.axes, self.keepdims, self.acc = axes, keepdims, acc

    def forward(self, x: Any) -> Any:
        # float16 summed in float32 and rounded once, as PyTorch (NumPy's float16 sum over
        # a strided axis adds in float16: 51.88 for a column whose sum is 51.67)
        acc = _acc(x, self.acc)
        return _half_in_float(x.sum, x, acc, axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy: Tensor) -> Tensor:
        shape = self.inputs[0].shape
        if not _GradMode.enabled:  # first order: the same broadcast view, made on arrays
            g = gy._data.reshape(_kept_shape(shape, self.axes))
            return Tensor._from_op(
                g if g.shape == shape else backend.xp.broadcast_to(g, shape), None, 0
            )
        return _expand(gy, shape, self.axes)


@torch_names
def sum(x: Tensor, dim: Axis = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A001
    """Sum of elements over ``dim`` (an int or a tuple; all when None); ``dtype`` casts ``x``
    first and is the result's dtype."""
    x, acc = _cast(x, dtype, "sum")
    return Sum(_axes(dim, x.ndim, "sum"), keepdim, acc)(x)


class Mean(Function):
    reads_inputs = False  # its backward reads the inputs' shapes, not their values

    def __init__(self, axes: tuple[int, ...] | None, keepdims: bool) -> None:
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x: Any) -> Any:
        if _reduced_size(x.shape, self.axes) == 0:  # the mean of no elements: NaN, as torch
            return backend.xp.full(
                _reduced_shape(x.shape, self.axes, self.keepdims), numpy.nan, x.dtype
            )
        return x.mean(axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy: Tensor) -> Tensor:
        shape = self.inputs[0].shape
        n = 1
        for i, s in enumerate(shape):
            if self.axes is None or i in self.axes:
                n *= s
        # gy / n, divided as PyTorch's mean_backward (gy · (1/n) differs in the last bit)
        return _expand(gy / float(builtins.max(n, 1)), shape, self.axes)


def _refuse_mean_dtype(x: Tensor, dtype: Any, fn: str) -> None:
    """PyTorch's refusal of a mean it cannot give a dtype to: an integer or bool input
    without a floating ``dtype=``, or an integer or bool ``dtype=`` (``DtypeError``, its
    ``RuntimeError``; deepgrad's mean of integers was float64 before)."""
    what, dt = "Input", x._data.dtype
    if dtype is not None:
        what, dt = "Optional", numpy.dtype(dtype)
    if dt.kind in "fc":
        return
    raise DtypeError(
        f"{fn}(): could not infer output dtype. {what} dtype must be either a floating point "
        f"or complex dtype. Got: {kernel_dtype_name(dt)} (give a floating "
        f"dtype: x.float().{fn}() or {fn}(x, dtype=float32))"
    )


@torch_names
def mean(x: Tensor, dim: Axis = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Arithmetic mean over ``dim``: ``Σx / n``; ``dtype`` (a floating one) casts ``x`` first.
    As PyTorch's, an integer or bool input needs a floating ``dtype`` (``DtypeError``, its
    ``RuntimeError``, without one)."""
    _refuse_mean_dtype(x, dtype, "mean")
    x, _ = _cast(x, dtype, "mean")
    return Mean(_axes(dim, x.ndim, "mean"), keepdim)(x)


class Max(Function):
    keep_output = True

    def __init__(
        self, axes: tuple[int, ...] | None, keepdims: bool, take_max: bool, nan_wins: bool = False
    ) -> None:
        # nan_wins: x.max() / x.min() over all elements send the gradient to the NaNs that won
        # (PyTorch's evenly_distribute_backward); amax/amin give NaN there, as PyTorch's do
        self.axes, self.keepdims, self.take_max, self.nan_wins = axes, keepdims, take_max, nan_wins

    def forward(self, x: Any) -> Any:
        if x.size == 0:
            _refuse_empty_reduction(x.shape, self.axes, "max" if self.take_max else "min")
        f = x.max if self.take_max else x.min
        return f(axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0]
        kept = _kept_shape(x.shape, self.axes)
        out = self.output()._data.reshape(kept)
        hit = x._data == out
        if self.nan_wins:  # PyTorch's masked_fill of grad / count: 0 elsewhere, even for inf
            if out.dtype.kind in "fc" and backend.xp.isnan(out).any():
                hit = backend.xp.isnan(x._data)
            return _keep(gy / int(hit.sum()), hit)
        with numpy.errstate(invalid="ignore", divide="ignore"):  # amax's NaN, as PyTorch's
            share = hit / hit.sum(axis=self.axes, keepdims=True)
        return _expand(gy, x.shape, self.axes) * _mask(share, gy)


def _max_min(x: Tensor, dim: Any, keepdim: bool, take_max: bool) -> Any:
    """PyTorch's ``max``/``min``: the value over all elements, the ``(values, indices)`` pair
    along one ``dim``, or the elementwise extreme when ``dim`` is a tensor (``other``)."""
    fn = "max" if take_max else "min"
    if isinstance(dim, Tensor):  # torch.max(input, other)
        if keepdim:
            raise TypeError(f"{fn}(input, other) takes no keepdim")
        return maximum(x, dim) if take_max else minimum(x, dim)
    if dim is None:
        if keepdim:
            raise TypeError(f"{fn}(): keepdim needs a dim (for all dims use amax/amin)")
        return Max(None, False, take_max, nan_wins=True)(x)
    if not isinstance(dim, (int, numpy.integer)) or isinstance(dim, bool):
        raise TypeError(
            f"{fn}(): dim must be one int (the pair (values, indices) is along one dim), got "
            f"{dim!r}; for several dims use {'amax' if take_max else 'amin'}(x, dim)"
        )
    axis = _dim(int(dim), x.ndim, fn)
    if x.ndim == 0:
        idx = backend.xp.zeros((), numpy.int64)
        return ValuesIndices((x, Tensor._from_op(idx, None, 0)))
    if x.shape[axis] == 0:
        _refuse_empty_reduction(x.shape, (axis,), fn)
    arg = x._data.argmax if take_max else x._data.argmin
    idx = arg(axis=axis, keepdims=True).astype(numpy.int64, copy=False)
    values = gather(x, axis, idx)  # the gradient goes to the chosen element (as PyTorch's)
    if not keepdim:
        values, idx = reshape(values, x.shape[:axis] + x.shape[axis + 1 :]), idx.squeeze(axis)
    return ValuesIndices((values, Tensor._from_op(idx, None, 0)))


@torch_names
def max(x: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001
    """PyTorch's ``max``, in its three forms:

    - ``max(x)``: the largest element (a 0-d tensor; the gradient is split evenly among
      tied maxima);
    - ``max(x, dim, keepdim=False)``: the pair ``(values, indices)`` along ``dim`` (named,
      as ``torch.return_types.max``; the index of the first maximum; the gradient goes to
      that element);
    - ``max(x, other)`` with a tensor ``other``: the elementwise :func:`maximum`.

    >>> import deepgrad as dg
    >>> x = dg.tensor([[1.0, 5.0], [7.0, 2.0]])
    >>> values, indices = x.max(1)
    >>> values.tolist(), indices.tolist(), x.max().item()
    ([5.0, 7.0], [1, 0], 7.0)
    """
    _refuse_complex_order("max", x, dim)
    return _max_min(x, dim, keepdim, True)


@torch_names
def min(x: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001
    """PyTorch's ``min``: ``min(x)`` the smallest element, ``min(x, dim)`` the pair
    ``(values, indices)``, ``min(x, other)`` the elementwise :func:`minimum` (see
    :func:`max`)."""
    _refuse_complex_order("min", x, dim)
    return _max_min(x, dim, keepdim, False)


def _pivot(a: Any, axes: tuple[int, ...] | None) -> Any:
    """The first element of every slice a reduction over ``axes`` reduces (keepdims shape)."""
    if axes is None:
        return a.reshape(-1)[:1].reshape((1,) * a.ndim)
    return a[tuple(slice(0, 1) if i in axes else slice(None) for i in range(a.ndim))]


class Var(Function):
    """``Σ(x - mean)² / (n - correction)``; backward ``2 (x - mean) / (n - correction)``.

    ``x - mean`` is computed from ``x`` shifted by one of its own values, ``(x - x₀) -
    ⟨x - x₀⟩``: exactly 0 for a constant input (variance 0 and gradient 0, as PyTorch's), and
    with less cancellation when the values sit far from 0. With ``n - correction ≤ 0`` (one
    element and the unbiased estimate, or none at all) the value is NaN (``0 / 0``) or
    ``inf``, as in PyTorch, whose backward then divides by ``n - correction`` itself.
    """

    def __init__(self, axes: tuple[int, ...] | None, keepdims: bool, dof: int) -> None:
        self.axes, self.keepdims, self.dof = axes, keepdims, dof

    def forward(self, x: Any) -> Any:
        xp = backend.xp
        shape = _reduced_shape(x.shape, self.axes, self.keepdims)
        if x.size == 0:
            return xp.full(shape, numpy.nan, x.dtype)
        wide = CPU_ACC_DTYPE.get(x.dtype)  # PyTorch's CPU variance accumulates wider (double
        # for float32) and rounds once: float32's two-pass result differed in the last bit
        if wide is not None:
            return self._finish(self._var(x.astype(wide))).astype(x.dtype).reshape(shape)
        return self._finish(self._var(x)).reshape(shape)

    def _finish(self, v: Any) -> Any:
        """The variance as it is (:class:`Std` takes its root, in the wide dtype)."""
        return v

    def _var(self, x: Any) -> Any:
        d = x - _pivot(x, self.axes)
        d -= d.mean(axis=self.axes, keepdims=True)
        ss = (d * d).sum(axis=self.axes, keepdims=self.keepdims)
        with numpy.errstate(divide="ignore", invalid="ignore"):
            return backend.xp.asarray(ss / x.dtype.type(builtins.max(self.dof, 0)))

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0]
        if x._data.size == 0:
            return Tensor._wrap(backend.xp.zeros(x.shape, x._data.dtype))
        pivot = _pivot(x._data, self.axes)
        if pivot.dtype.kind == "f":  # an infinite pivot: x - mean itself, as PyTorch's
            pivot = backend.xp.where(backend.xp.isfinite(pivot), pivot, 0)
        shifted = x - Tensor._wrap(pivot)
        d = shifted - mean(shifted, self.axes, keepdim=True)
        whole = self.axes is None or x.ndim == 0
        if self.dof > 0 or (self.dof < 0 and not whole):
            return _expand(gy, x.shape, self.axes) * d * (2.0 / self.dof)
        # PyTorch's rules where 2 / (n - correction) is not finite: over the whole tensor,
        # NaN where x = mean and inf elsewhere; over dims, 2 / 0 = inf times x - mean
        with numpy.errstate(invalid="ignore"):  # 0 · inf: NaN, as in PyTorch
            xp = backend.xp
            if whole:  # x == mean compared as such (an inf x equals its mean; a NaN does not)
                same = (d._data == 0) | (x._data == x._data.mean(axis=self.axes, keepdims=True))
                factor = xp.where(same, numpy.nan, numpy.inf)
            else:
                factor = d._data * numpy.inf
            g = _expand(gy, x.shape, self.axes)._data * factor
        return Tensor._wrap(g.astype(x.dtype, copy=False))


def _correction(
    fn: str, dim: Any, unbiased: Any, correction: Any, keepdim: Any = False
) -> tuple[Any, int | float]:
    """PyTorch's overloads of ``var``/``std``: ``(dim, unbiased, keepdim)`` positionally,
    ``(unbiased)`` alone (``x.std(False)``), and ``correction`` keyword-only; so a bool in
    the second place is never taken for ``keepdim``, nor a bool in the first for a ``dim``.
    The ``(unbiased)`` overload takes nothing else: ``std(x, True, keepdim=True)`` (or with
    ``unbiased=`` or ``correction=``) is PyTorch's ``TypeError``, as here. ``unbiased`` is a
    Python bool: a NumPy bool (``x.std(numpy.True_)``, ``unbiased=numpy.False_``) matches
    none of PyTorch's overloads, its ``TypeError`` too."""
    for value in (dim, unbiased):
        if isinstance(value, numpy.bool_):
            raise TypeError(
                f"{fn}(): unbiased must be a Python bool, not numpy.bool ({value!r}): no "
                f"overload of PyTorch's {fn}() takes a NumPy bool; pass bool(...) "
                f"({fn}(x, unbiased={bool(value)}))"
            )
    if isinstance(dim, bool):  # x.var(False): the unbiased-only overload
        extra = {
            k: v for k, v in (("unbiased", unbiased), ("correction", correction)) if v is not None
        }
        if keepdim:
            extra["keepdim"] = keepdim
        if extra:
            got = ", ".join(f"{k}={v!r}" for k, v in extra.items())
            raise TypeError(
                f"{fn}(): a bool in the first place after the tensor ({fn}(x, {bool(dim)})) is "
                f"PyTorch's unbiased-only overload, which takes nothing else; got also {got}. "
                f"Pass {fn}(x, dim=None, unbiased={bool(dim)}, keepdim=...) or correction= "
                "by keyword instead"
            )
        unbiased, dim = dim, None
    if unbiased is None:
        return dim, 1 if correction is None else correction
    if correction is not None:
        raise TypeError(
            f"{fn}() got both 'correction' and 'unbiased': they are two names for one "
            "argument; pass one"
        )
    if not isinstance(unbiased, bool):
        raise TypeError(
            f"{fn}(): unbiased must be a bool, got {unbiased!r} (it is PyTorch's second "
            "positional argument: pass keepdim= and correction= by keyword)"
        )
    return dim, 1 if unbiased else 0


def _unbiased_positional(fn: Any) -> Any:
    """Refuse ``dim=True`` by keyword, as PyTorch does: its ``(unbiased)`` overload takes the
    bool positionally only (``torch.std(x, True)``), and ``dim`` is never a bool. Also wraps
    ``deepgrad.std``/``deepgrad.var`` (:mod:`.torch_namespace`), outside ``torch_names``, so
    ``axis=True`` is refused too."""
    name = fn.__name__

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = next((k for k in ("dim", "axis") if k in kwargs), None)
        dim = kwargs.get(key) if key else None
        if isinstance(dim, (bool, numpy.bool_)):
            raise TypeError(
                f"{name}(): argument '{key}' must be an int, a tuple of ints or None, not bool "
                f"({key}={dim!r}); PyTorch takes a bool there only positionally, as the "
                f"unbiased-only overload: pass {name}(x, {bool(dim)}) or "
                f"{name}(x, unbiased={bool(dim)})"
            )
        _refuse_overload_mix(name, len(args[1:]), key is not None, kwargs)
        return fn(*args, **kwargs)

    return wrapper


def _refuse_overload_mix(name: str, npos: int, dim_kw: bool, kwargs: dict[str, Any]) -> None:
    """torch 2.13's overloads of ``var``/``std`` (``(dim, unbiased, keepdim)`` with ``dim``
    required; ``(dim=None, *, correction, keepdim)``; ``(unbiased)`` alone) refuse, as
    ``TypeError``, ``unbiased`` with ``keepdim`` but no ``dim`` (``x.std(unbiased=True,
    keepdim=True)``: no overload has it; deepgrad reduced over all dims) and ``unbiased``
    with ``correction``, even ``correction=None`` (``npos``: the arguments after the tensor
    passed positionally)."""
    unbiased = npos >= 2 or "unbiased" in kwargs
    if "unbiased" in kwargs and "keepdim" in kwargs and not (npos or dim_kw):
        raise TypeError(
            f"{name}(): unbiased= with keepdim= needs a dim, as PyTorch's overload "
            f"(dim, unbiased, keepdim) does; got no dim. Pass {name}(x, dim=None, "
            f"unbiased={kwargs['unbiased']!r}, keepdim={kwargs['keepdim']!r}) or "
            f"correction= instead of unbiased="
        )
    if unbiased and "correction" in kwargs:
        raise TypeError(
            f"{name}() got both 'correction' and 'unbiased' (correction="
            f"{kwargs['correction']!r}): they are two names for one argument, in two of "
            "PyTorch's overloads; pass one"
        )


@torch_names
@_unbiased_positional
def var(
    x: Tensor,
    dim: Axis = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: int | float | None = None,
) -> Tensor:
    """Variance ``Σ(x - mean)² / (n - correction)``; ``correction=1`` (the default, as in
    PyTorch) is the unbiased estimate, ``correction=0`` the population variance, and
    ``unbiased`` (a bool, PyTorch's second positional argument) says the same as 1 or 0:
    ``x.var(1, False)`` is the population variance over dim 1, ``x.var(False)`` over all.
    With ``n - correction ≤ 0`` the result is NaN (or ``inf``), as PyTorch's, with its
    warning. A complex input's variance is real, ``Σ|x - mean|² / (n - correction)``:
    the real parts' variance plus the imaginary parts' (PyTorch's)."""
    dim, correction = _correction("var", dim, unbiased, correction, keepdim)
    return _spread(x, dim, keepdim, correction, Var)


def _spread(x: Tensor, dim: Axis, keepdim: bool, correction: float, node: type) -> Tensor:
    """The variance (``node`` :class:`Var`) or standard deviation (:class:`Std`) node of
    ``x`` over ``dim``, after PyTorch's checks and its warning for ``n - correction ≤ 0``;
    a complex ``x``'s variance is the sum of its parts'."""
    _refuse_integer_spread(x, "std and var")
    axes = _axes(dim, x.ndim, "var")
    dof = _reduced_size(x.shape, axes) - correction
    if dof <= 0:
        warnings.warn(
            f"var/std: degrees of freedom {dof} <= 0 (the reduction has "
            f"{_reduced_size(x.shape, axes)} elements, correction={correction}): the result "
            "is NaN or inf, as PyTorch's",
            UserWarning,
            stacklevel=3,  # past _spread: the frame var's warning named before
        )
    if x._data.dtype.kind == "c":
        return Var(axes, keepdim, dof)(real(x)) + Var(axes, keepdim, dof)(imag(x))
    return node(axes, keepdim, dof)(x)


def _refuse_integer_spread(x: Tensor, fn: str) -> None:
    """PyTorch's refusal of an integer or bool input to ``var``, ``std``, ``var_mean`` and
    ``std_mean`` (``DtypeError``, its ``RuntimeError``)."""
    if x._data.dtype.kind not in "fc":
        raise DtypeError(
            f"{fn} only support floating point and complex dtypes, got {x.dtype} (convert it "
            "first: x.float())"
        )


class StdFromVar(Function):
    """``√v`` whose gradient is 0 where ``v = 0`` (PyTorch's ``std`` backward): the standard
    deviation of a constant input has gradient 0, not ``1 / 0``."""

    keep_output = True

    def forward(self, v: Any) -> Any:
        return backend.xp.sqrt(v)

    def backward(self, gy: Tensor) -> Tensor:
        return _root_grad(gy, self.output())


def _root_grad(gy: Tensor, y: Tensor) -> Tensor:
    """``gy / (2y)``, the gradient through ``y = √v``; 0 where ``y = 0`` (PyTorch's ``std``)."""
    zero = y._data == 0
    return where(zero, 0.0, gy / (where(zero, 1.0, y) * 2.0))


class Std(Var):
    """``√var`` with the root taken before rounding (a float16/float32 variance accumulates
    wider: its root too, as PyTorch's); gradient ``gy / (2 std) · ∂var``, 0 where the
    standard deviation is 0 (a constant input), as :class:`StdFromVar`."""

    keep_output = True

    def _finish(self, v: Any) -> Any:
        return backend.xp.sqrt(v)

    def backward(self, gy: Tensor) -> Tensor:
        return super().backward(_root_grad(gy, self.output()))


@torch_names
@_unbiased_positional
def std(
    x: Tensor,
    dim: Axis = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: int | float | None = None,
) -> Tensor:
    """Standard deviation ``√var`` (the arguments as :func:`var`'s); its gradient is 0 where
    it is 0 (a constant input), as PyTorch's."""
    dim, correction = _correction("std", dim, unbiased, correction, keepdim)
    if x._data.dtype in (numpy.float16, numpy.float32):  # the root before the rounding
        return _spread(x, dim, keepdim, correction, Std)
    return StdFromVar()(_spread(x, dim, keepdim, correction, Var))


class LogSumExp(Function):
    keep_output = True

    def __init__(self, axes: tuple[int, ...] | None, keepdims: bool) -> None:
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x: Any) -> Any:
        xp = backend.xp
        if _reduced_size(x.shape, self.axes) == 0:  # log Σ over no elements: log 0 = -inf
            return xp.full(_reduced_shape(x.shape, self.axes, self.keepdims), -numpy.inf, x.dtype)
        m = x.max(axis=self.axes, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        with numpy.errstate(divide="ignore"):  # an all -inf slice gives -inf, as in PyTorch
            y = xp.log(xp.exp(x - m).sum(axis=self.axes, keepdims=True)) + m
        if not self.keepdims:
            y = y.squeeze(axis=self.axes) if self.axes is not None else y.reshape(())
        return y

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0]
        kept = _kept_shape(x.shape, self.axes)
        with backend.quiet():  # an all -inf slice: -inf - -inf is NaN, as PyTorch's
            return _expand(gy, x.shape, self.axes) * conj(exp(x - reshape(self.output(), kept)))


@torch_names
def logsumexp(x: Tensor, dim: Axis, keepdim: bool = False) -> Tensor:
    """``log Σ e^x`` over ``dim`` (an int or a tuple: required, as PyTorch's) computed stably
    as ``m + log Σ e^(x - m)`` with ``m = max x``; an integer or bool ``x`` in the default
    float dtype, as in PyTorch."""
    if dim is None:
        raise TypeError(
            "logsumexp(): argument 'dim' must be an int or a tuple of ints, not None (PyTorch "
            "requires it: pass tuple(range(x.ndim)) to reduce every dim)"
        )
    if x._data.dtype.kind in "biu":
        x = astype(x, backend.get_default_dtype())
    if isinstance(dim, (tuple, list)) and len(dim) == 0 and not keepdim and x.ndim and x._data.size:
        raise RuntimeError(
            "logsumexp: dim=() (or []) reduces every dim, and PyTorch then fails with "
            f"keepdim=False on a non-empty {x.ndim}-d input (output with shape [] doesn't match "
            f"the broadcast shape {[1] * x.ndim}); pass keepdim=True, or "
            "dim=tuple(range(x.ndim)) for a 0-d result"
        )
    return LogSumExp(_axes(dim, x.ndim, "logsumexp"), keepdim)(x)


# ---- PyTorch's other reductions and scans -----------------------------------------------------
def _dim(dim: int, ndim: int, fn: str) -> int:
    """One axis in ``[-ndim, ndim)`` (0 and -1 for a 0-d tensor), as a non-negative int."""
    if type(dim) is not int:
        try:
            dim = int_arg(dim, fn, "dim")
        except TypeError as e:
            raise TypeError(f"{e} ({fn}: dim must be one int, got {dim!r})") from None
    axes = _axes(dim, ndim, fn)
    return axes[0] if axes else 0


def _reverse_cumsum(g: Tensor, axis: int) -> Tensor:
    """``Σ_{j >= i} g_j`` along ``axis``: the adjoint of a cumulative sum."""
    return flip(cumsum(flip(g, axis), axis), axis)


class CumSum(Function):
    reads_inputs = False  # its backward reads the inputs' shapes, not their values

    def __init__(self, axis: int, acc: Any = None) -> None:
        self.axis, self.acc = axis, acc

    def forward(self, x: Any) -> Any:
        return _scan_wide(x.cumsum, x, _acc(x, self.acc), axis=self.axis)

    def backward(self, gy: Tensor) -> Tensor:
        return _reverse_cumsum(gy, self.axis)


def _half_in_float(op: Callable[..., Any], x: Any, acc: Any, **kw: Any) -> Any:
    """``op(dtype=acc, **kw)`` (``x``'s ``cumsum``, ``cumprod`` or ``prod``); a float16
    ``x``'s, with no ``dtype=`` given, accumulated in float32 and rounded to float16 at the
    end, as PyTorch accumulates half precision (a float16 running sum stops growing: 0.05 at a
    time it stays at 256)."""
    if acc is None and x.dtype == numpy.float16:
        return op(dtype=numpy.float32, **kw).astype(numpy.float16)
    return op(dtype=acc, **kw)


#: the dtype PyTorch's CPU scans (cumsum, cumprod, logcumsumexp) and variances accumulate a
#: float dtype in (``at::acc_type`` on the CPU: double for float, float for half)
CPU_ACC_DTYPE = {
    numpy.dtype(numpy.float16): numpy.float32,
    numpy.dtype(numpy.float32): numpy.float64,
    numpy.dtype(numpy.complex64): numpy.complex128,
}


def _scan_wide(op: Callable[..., Any], x: Any, acc: Any, **kw: Any) -> Any:
    """``op(dtype=acc, **kw)`` (``x``'s ``cumsum`` or ``cumprod``); a float16, float32 or
    complex64 ``x``'s accumulated in the next wider dtype and each running value rounded
    once, as PyTorch's CPU scans (a float32 running sum of 300 normal values was off in its
    last bits at 83 % of the places)."""
    wide = CPU_ACC_DTYPE.get(x.dtype) if acc is None or numpy.dtype(acc) == x.dtype else None
    if wide is not None:
        return op(dtype=wide, **kw).astype(x.dtype)
    return op(dtype=acc, **kw)


def _on_float32(f: Callable[[Any], Any], x: Any) -> Any:
    """``f(x)``; a float16 ``x``'s computed in float32 and rounded to float16 once, as
    PyTorch computes half precision (a float16 variance of 100k values came out 0)."""
    if x.dtype == numpy.float16:
        return f(x.astype(numpy.float32)).astype(numpy.float16)
    return f(x)


@torch_names
def cumsum(x: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running sum along ``dim``: ``y_i = Σ_{j <= i} x_j`` (same shape; integer and bool
    tensors give int64; ``dtype`` casts ``x`` first). Gradient ``dx_i = Σ_{j >= i} dy_j``."""
    axis = _dim(dim, x.ndim, "cumsum")
    x, acc = _cast(x, dtype, "cumsum")
    if x.ndim == 0:
        return reshape(CumSum(0, acc)(reshape(x, (1,))), ())
    return CumSum(axis, acc)(x)


class CumProd(Function):
    keep_output = True

    def __init__(self, axis: int, acc: Any = None) -> None:
        self.axis, self.acc = axis, acc

    def forward(self, x: Any) -> Any:
        return _scan_wide(x.cumprod, x, _acc(x, self.acc), axis=self.axis)

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0]
        if x.shape[self.axis] == 1:  # y = x: dy itself (also at NaN/±inf), as PyTorch's
            return gy
        if not (x._data == 0).any():  # dx_i = Σ_{j >= i} dy_j y_j / x_i
            return _reverse_cumsum(gy * conj(self.output()), self.axis) / conj(x)
        return _cumprod_grad_with_zeros(x, gy, self.axis)


def _cumprod_grad_with_zeros(x: Tensor, gy: Tensor, axis: int) -> Tensor:
    """``dx_k = Σ_{j >= k} dy_j Π_{i <= j, i != k} x_i`` without dividing by ``x`` (exact
    when ``x`` holds zeros): ``O(n²)`` in the length ``n`` of ``axis``. With ``x`` moved to
    the last axis, ``X[..., k, i] = x_i`` for ``i != k`` and ``1`` on the diagonal, so
    ``cumprod(X)[..., k, j] = Π_{i <= j, i != k} x_i``."""
    xp = backend.xp
    n = x.shape[axis]
    xm, gm = movedim(x, axis, -1), movedim(gy, axis, -1)
    rows = broadcast_to(unsqueeze(xm, -2), xm.shape[:-1] + (n, n))
    others = cumprod(where(xp.eye(n, dtype=bool), 1.0, rows), -1)
    upper = _mask(xp.triu(xp.ones((n, n))), gy)  # j >= k
    gx = sum(unsqueeze(gm, -2) * conj(others) * upper, -1)
    return movedim(gx, -1, axis)


@torch_names
def cumprod(x: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running product along ``dim``: ``y_i = Π_{j <= i} x_j`` (same shape).

    Gradient ``dx_i = Σ_{j >= i} dy_j Π_{k <= j, k != i} x_k``: computed as
    ``Σ_{j >= i} dy_j y_j / x_i`` (``O(n)``) when ``x`` has no zero, and by the exact
    ``O(n²)`` product (no division) when it has one — correct at zeros, as PyTorch's.
    ``dtype`` casts ``x`` first and is the result's dtype."""
    axis = _dim(dim, x.ndim, "cumprod")
    x, acc = _cast(x, dtype, "cumprod")
    if x.ndim == 0:
        return reshape(CumProd(0, acc)(reshape(x, (1,))), ())
    return CumProd(axis, acc)(x)


class Prod(Function):
    def __init__(self, axis: int, keepdims: bool, acc: Any = None) -> None:
        self.axis, self.keepdims, self.acc = axis, keepdims, acc

    def forward(self, x: Any) -> Any:
        acc = _acc(x, self.acc)
        return _half_in_float(x.prod, x, acc, axis=self.axis, keepdims=self.keepdims)

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0]
        return _expand(gy, x.shape, (self.axis,)) * conj(_product_of_others(x, self.axis))


def _product_of_others(x: Tensor, axis: int) -> Tensor:
    """``Π_{j != i} x_j`` along ``axis`` for every ``i``, as the product of the exclusive
    running products from the left and from the right (no division, so exact at zeros)."""
    n = x.shape[axis]
    if n <= 1:
        return Tensor._from_op(backend.xp.ones(x.shape, x._data.dtype), None, 0)
    xm = movedim(x, axis, -1)
    one = Tensor._from_op(backend.xp.ones(xm.shape[:-1] + (1,), x._data.dtype), None, 0)
    left = cumprod(concat([one, getitem(xm, (..., slice(0, n - 1)))], -1), -1)
    right = flip(cumprod(concat([one, getitem(flip(xm, -1), (..., slice(0, n - 1)))], -1), -1), -1)
    return movedim(left * right, -1, axis)


@torch_names
def prod(x: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Product of the elements along ``dim`` (all of them when None): ``y = Π x_i``;
    ``dtype`` casts ``x`` first and is the result's dtype.

    Gradient ``dx_i = dy Π_{j != i} x_j``, computed without division (exact at zeros)."""
    x, acc = _cast(x, dtype, "prod")
    if dim is None:
        y = Prod(0, False, acc)(reshape(x, -1))
        return reshape(y, (1,) * x.ndim) if keepdim else y
    axis = _dim(dim, x.ndim, "prod")
    if x.ndim == 0:
        return reshape(Prod(0, False, acc)(reshape(x, (1,))), ())
    return Prod(axis, keepdim, acc)(x)


@torch_names
def amax(x: Tensor, dim: Axis = None, keepdim: bool = False) -> Tensor:
    """Largest element over ``dim`` (all dims when None or ``()``); the gradient is split
    evenly among tied maxima, as PyTorch's ``amax``."""
    _refuse_complex_order("amax", x)
    return Max(_axes(dim, x.ndim, "amax"), keepdim, True)(x)


@torch_names
def amin(x: Tensor, dim: Axis = None, keepdim: bool = False) -> Tensor:
    """Smallest element over ``dim`` (all dims when None or ``()``); the gradient is split
    evenly among tied minima, as PyTorch's ``amin``."""
    _refuse_complex_order("amin", x)
    return Max(_axes(dim, x.ndim, "amin"), keepdim, False)(x)


@torch_names
def all(x: Tensor, dim: Axis = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Whether every element over ``dim`` is nonzero (a bool tensor, uint8 for a uint8 input as
    in PyTorch; not differentiable)."""
    axes = _axes(dim, x.ndim, "all", empty_is_all=False)
    y = backend.xp.asarray(x._data.all(axis=axes, keepdims=keepdim))
    return Tensor._from_op(y.astype(x._data.dtype) if x._data.dtype == numpy.uint8 else y, None, 0)


@torch_names
def any(x: Tensor, dim: Axis = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Whether some element over ``dim`` is nonzero (a bool tensor; not differentiable)."""
    axes = _axes(dim, x.ndim, "any", empty_is_all=False)
    y = backend.xp.asarray(x._data.any(axis=axes, keepdims=keepdim))
    return Tensor._from_op(y.astype(x._data.dtype) if x._data.dtype == numpy.uint8 else y, None, 0)


class VectorNorm(Function):
    keep_output = True

    def __init__(self, p: float, axes: tuple[int, ...] | None, keepdims: bool) -> None:
        self.p, self.axes, self.keepdims = p, axes, keepdims

    def forward(self, x: Any) -> Any:
        return _on_float32(self._norm, x)

    def _norm(self, x: Any) -> Any:
        xp, p = backend.xp, self.p
        if p == 2:
            if x.dtype.kind == "c":  # |x|², real (x * x is not, for complex x)
                x = x.real * x.real + x.imag * x.imag
                return xp.sqrt(x.sum(axis=self.axes, keepdims=self.keepdims))
            return xp.sqrt((x * x).sum(axis=self.axes, keepdims=self.keepdims))
        return (xp.abs(x) ** p).sum(axis=self.axes, keepdims=self.keepdims) ** (1.0 / p)

    def backward(self, gy: Tensor) -> Tensor:
        # dy/dx_i = sign(x_i) |x_i|^(p-1) / y^(p-1); 0 where y = 0 (PyTorch's subgradient)
        x, p = self.inputs[0], self.p
        kept = _kept_shape(x.shape, self.axes)
        y = reshape(self.output(), kept)
        zero = y._data == 0
        y_safe = where(zero, 1.0, y)
        if p == 2:
            scale, local = _gy_over(gy, y_safe, zero, kept, 1.0), x
        elif p < 1:  # |x|^(p-1) blows up at x = 0, where PyTorch takes 0
            xz = x._data == 0
            local = _sgn(x) * where(xz, 0.0, abs(where(xz, 1.0, x)) ** (p - 1))
            scale = _gy_over(gy, y_safe, zero, kept, p - 1)
        else:
            local = _sgn(x) * abs(x) ** (p - 1)  # x/|x| for complex x
            scale = _gy_over(gy, y_safe, zero, kept, p - 1)
        return broadcast_to(scale, x.shape) * local


class InfNorm(Function):
    """``max |x|`` (``min |x|`` for ``-inf``) over ``axes``. The gradient ``sign(x)`` is split
    evenly among the elements that reach it, and is 0 everywhere where the norm is NaN (no
    element equals it), as PyTorch's ``linalg.vector_norm`` (``amax``'s gives NaN there)."""

    keep_output = True

    def __init__(self, axes: tuple[int, ...] | None, keepdims: bool, take_max: bool) -> None:
        self.axes, self.keepdims, self.take_max = axes, keepdims, take_max

    def forward(self, x: Any) -> Any:
        a = backend.xp.abs(x)
        if a.size == 0:
            _refuse_empty_reduction(a.shape, self.axes, "norm", per_dim=ValueRangeError)
        f = a.max if self.take_max else a.min
        return f(axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy: Tensor) -> Tensor:
        xp, x = backend.xp, self.inputs[0]._data
        a = xp.abs(x)
        hit = a == self.output()._data.reshape(_kept_shape(x.shape, self.axes))
        count = xp.maximum(hit.sum(axis=self.axes, keepdims=True), 1)
        if x.dtype.kind == "c":
            with numpy.errstate(invalid="ignore", divide="ignore"):
                sgn = x / xp.where(a == 0, 1, a)
        else:
            sgn = xp.sign(x)
        share = xp.where(hit & (a != 0), sgn, 0) / count
        share = share.astype(x.dtype, copy=False)
        return _expand(gy, x.shape, self.axes) * Tensor._from_op(share, None, 0)


def _gy_over(gy: Tensor, y_safe: Tensor, zero: Any, kept: tuple[int, ...], q: float) -> Tensor:
    """``gy / y^q`` on the kept shape, 0 where the norm ``y`` is 0."""
    s = reshape(gy, kept) / (y_safe if q == 1 else y_safe**q)
    return where(zero, 0.0, s)


def _norm_cast(x: Tensor, dtype: Any, fn: str) -> Tensor:
    """The input of a norm, checked, cast to ``dtype`` (PyTorch's rules: a floating or
    complex tensor; ``dtype`` of the same kind, real or complex, and no narrower)."""
    have = x._data.dtype
    if have.kind not in "fc":
        raise DtypeError(f"{fn}: expected a floating point or complex tensor, got dtype {have}")
    if dtype is None:
        return x
    dt = numpy.dtype(dtype)
    kind = "complex" if have.kind == "c" else "real floating"
    if dt.kind not in "fc" or (dt.kind == "c") != (have.kind == "c"):
        raise TypeError(
            f"{fn}: dtype must be a {kind} dtype for a tensor of dtype {have}, got dtype={dt}"
        )
    if not numpy.can_cast(have, dt, "safe"):
        raise TypeError(
            f"{fn}: dtype={dt} is narrower than the tensor's dtype {have} (PyTorch refuses "
            f"narrowing); pass dtype={have} or wider, or cast the tensor first (x.to({dt}))"
        )
    return x if dt == have else astype(x, dt)


@torch_names
def norm(
    x: Tensor, p: float | str = 2, dim: Axis = None, keepdim: bool = False, *, dtype: Any = None
) -> Tensor:
    """Vector ``p``-norm over ``dim`` (all elements when None; PyTorch's
    ``linalg.vector_norm``): ``(Σ |x_i|^p)^(1/p)``; ``p = inf`` is ``max |x_i|``, ``-inf``
    ``min |x_i|``, ``0`` the number of nonzero elements.

    ``p = "fro"`` is the 2-norm of the elements, ``p = "nuc"`` the nuclear norm of the matrices
    over two ``dim`` (PyTorch's ``torch.norm`` forms).

    Gradients as PyTorch's: ``x / ‖x‖`` for ``p = 2`` and
    ``sign(x) |x|^(p-1) / ‖x‖^(p-1)`` in general, 0 where the norm is 0; ``sign(x)`` for
    ``p = 1``; for ``±inf`` split evenly among the tied extreme elements; 0 for ``p = 0``.
    ``dtype`` (floating, or complex for a complex tensor; not narrower) casts ``x`` first."""
    x = _norm_cast(x, dtype, "norm")
    if p == "fro":  # PyTorch's torch.norm: the 2-norm of the elements over dim (all if None)
        p = 2
    elif p == "nuc":  # the sum of singular values of the matrices over dim (two axes)
        from .matrix_norms import matrix_norm

        if dim is None and x.ndim != 2:
            raise ValueError(
                f"norm: p='nuc' needs a 2-d tensor or two dims, got shape {x.shape} and dim=None"
            )
        return matrix_norm(x, "nuc", (-2, -1) if dim is None else dim, keepdim)
    if isinstance(p, bool) or not isinstance(p, (int, float)):
        raise TypeError(f"norm: p must be a number, 'fro' or 'nuc', got {p!r}")
    axes = _axes(dim, x.ndim, "norm")
    if p in (numpy.inf, -numpy.inf):
        return InfNorm(axes, keepdim, p > 0)(x)
    if p == 0:  # sign(|x|) is 1 for nonzero elements (NaN too) and has gradient 0
        nonzero = sign(abs(x))
        if x._data.dtype.kind in "fc" and backend.xp.isnan(x._data).any():
            nonzero = where(backend.xp.isnan(x._data), 1.0, nonzero)
        return sum(nonzero, axes, keepdim)
    if p == 1:
        return sum(abs(x), axes, keepdim)
    if p < 0 and x._data.size == 0:
        reduced = range(x.ndim) if axes is None else axes
        if x.ndim == 0 or builtins.any(x.shape[a] == 0 for a in reduced):
            raise RuntimeError(  # 1/Σ|x|^p over no elements: PyTorch refuses, no identity
                f"norm: cannot compute the {p} norm over an empty dim of the tensor of shape "
                f"{x.shape} (a negative ord has no identity); reduce over non-empty dims"
            )
    return VectorNorm(float(p), axes, keepdim)(x)


# ---- NaN-ignoring reductions, paired statistics ---------------------------------------------
@torch_names
def nansum(x: Tensor, dim: Axis = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """:func:`sum` treating NaN as 0 (gradient 0 at the NaNs, 1 elsewhere); ``dtype`` casts
    ``x`` first (its NaNs as 0, as PyTorch's: ``nansum([1.5, nan], dtype=int64)`` is 1).
    Complex tensors are refused, as PyTorch refuses them."""
    _refuse_complex_nan(x, "nansum")
    if dtype is not None:
        if x._data.dtype.kind in "fc":
            x = where(backend.xp.isnan(x._data), 0.0, x)
        x, _ = _cast(x, dtype, "nansum")
        return (
            nansum(x, dim, keepdim) if x.dtype.kind in "fc" else sum(x, dim, keepdim, dtype=dtype)
        )
    if x._data.dtype.kind not in "fc":
        return sum(x, dim, keepdim)
    return sum(NanToZero()(x), dim, keepdim)


class NanToZero(Function):
    """``x`` with its NaNs 0; the gradient is ``dy`` masked by multiplication (PyTorch's
    ``nansum`` backward: an infinite ``dy``, as ``nanmean``'s over all-NaN, gives NaN)."""

    def forward(self, x: Any) -> Any:
        self.keep = ~backend.xp.isnan(x)
        return backend.xp.where(self.keep, x, 0)

    def backward(self, gy: Tensor) -> Tensor:
        return gy * Tensor._from_op(self.keep.astype(gy._data.dtype), None, 0)


def _refuse_complex_nan(x: Tensor, fn: str) -> None:
    if x._data.dtype.kind == "c":
        raise DtypeError(f"{fn} on CPU does not support complex inputs (as PyTorch's)")


@torch_names
def nanmean(x: Tensor, dim: Axis = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The mean of the elements that are not NaN: ``nansum / count`` (NaN where every element
    is NaN, as PyTorch's). Floating tensors only.

    >>> import deepgrad as dg
    >>> dg.tensor([1.0, float("nan"), 3.0]).nanmean().item()
    2.0
    """
    dt = x._data.dtype
    if dt.kind not in "fc":  # whatever `dtype` is, as PyTorch's
        raise DtypeError(
            "nanmean(): expected input to have floating point or complex dtype but got "
            f"{kernel_dtype_name(dt)} (convert it first: x.float())"
        )
    _refuse_complex_nan(x, "nansum")  # PyTorch's nanmean is its nansum's: its message
    if dtype is not None:
        _refuse_mean_dtype(x, dtype, "nanmean")
    x, _ = _cast(x, dtype, "nanmean")
    axes = _axes(dim, x.ndim, "nanmean")
    count = (~backend.xp.isnan(x._data)).sum(axis=axes, keepdims=keepdim)
    with numpy.errstate(divide="ignore", invalid="ignore"):
        return nansum(x, dim, keepdim) / Tensor._from_op(count.astype(x._data.dtype), None, 0)


@torch_names
@_unbiased_positional
def var_mean(
    x: Tensor,
    dim: Axis = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: int | float | None = None,
) -> tuple[Tensor, Tensor]:
    """``(var(x, ...), mean(x, dim))`` in one call, as ``torch.var_mean`` (the arguments
    as :func:`var`'s, PyTorch's overloads included)."""
    dim, correction = _correction("var_mean", dim, unbiased, correction, keepdim)
    _refuse_integer_spread(x, "var_mean")
    return var(x, dim, keepdim=keepdim, correction=correction), mean(x, dim, keepdim)


@torch_names
@_unbiased_positional
def std_mean(
    x: Tensor,
    dim: Axis = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: int | float | None = None,
) -> tuple[Tensor, Tensor]:
    """``(std(x, ...), mean(x, dim))`` in one call, as ``torch.std_mean`` (the arguments
    as :func:`std`'s, PyTorch's overloads included)."""
    dim, correction = _correction("std_mean", dim, unbiased, correction, keepdim)
    _refuse_integer_spread(x, "std_mean")
    return std(x, dim, keepdim=keepdim, correction=correction), mean(x, dim, keepdim)


class MinMax(tuple):
    """``(min, max)`` of :func:`aminmax`, read by name as ``torch.return_types.aminmax``."""

    def __repr__(self) -> str:
        return f"MinMax(min={self[0]!r}, max={self[1]!r})"

    @property
    def min(self) -> Tensor:  # noqa: A003
        return self[0]

    @property
    def max(self) -> Tensor:  # noqa: A003
        return self[1]


@torch_names
def aminmax(x: Tensor, *, dim: int | None = None, keepdim: bool = False) -> MinMax:
    """``(amin(x, dim), amax(x, dim))`` as the pair ``(min, max)``; ``dim`` one int or None
    (all elements). The gradient of each is split evenly among tied elements."""
    _refuse_complex_order("aminmax", x)
    if dim is not None:
        dim = int_arg(dim, "aminmax", "dim")
    return MinMax((amin(x, dim, keepdim), amax(x, dim, keepdim)))


# ---- more scans: log-cumulative-sum-exp, running extremes; finite differences ------------------
class LogCumSumExp(Function):
    """``y_i = log Σ_{j <= i} e^(x_j)``, accumulated by ``logaddexp`` (no overflow, no early
    underflow). ``dx_i = Σ_{j >= i} dy_j e^(x_i - y_j)``, computed as PyTorch does in log
    space, the positive and negative parts of ``dy`` apart."""

    keep_output = True

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x: Any) -> Any:
        wide = CPU_ACC_DTYPE.get(x.dtype)  # accumulated wider, as PyTorch's scan
        if wide is not None:
            return backend.accumulate("logaddexp", x.astype(wide), self.axis).astype(x.dtype)
        return backend.accumulate("logaddexp", x, self.axis)

    def backward(self, gy: Tensor) -> Tensor:
        x, y, axis = self.inputs[0], self.output(), self.axis
        xp = backend.xp
        g = gy._data
        out = None
        for part, sgn in ((g > 0, 1.0), (g < 0, -1.0)):
            if not part.any():
                continue
            with numpy.errstate(divide="ignore"):
                log_g = Tensor._from_op(xp.where(part, xp.log(xp.abs(g)), -numpy.inf), None, 0)
            if gy.requires_grad:  # keep the graph through gy for higher orders
                log_g = where(part, log(abs(where(part, gy, 1.0))), -numpy.inf)
            rev = flip(logcumsumexp(flip(log_g - y, axis), axis), axis)
            term = exp(rev + x) * sgn
            out = term if out is None else out + term
        if out is None:
            return Tensor._from_op(xp.zeros(x.shape, x._data.dtype), None, 0)
        return out


@torch_names
def logcumsumexp(x: Tensor, dim: int) -> Tensor:
    """``log Σ_{j <= i} e^(x_j)`` along ``dim`` (same shape), stable at any magnitude (a
    complex ``x``: shifted by its largest real part along ``dim``).

    >>> import deepgrad as dg
    >>> dg.round(dg.logcumsumexp(dg.tensor([0.0, 0.0]), 0).double(), decimals=4).tolist()
    [0.0, 0.6931]
    """
    refuse_kernel_dtype(x, "logcumsumexp", "biu", "logcumsumexp_out_cpu")
    axis = _dim(dim, x.ndim, "logcumsumexp")
    if x.ndim == 0:  # x itself, gradient dy (also at NaN/±inf), as PyTorch's
        return x * 1
    if x._data.dtype.kind == "c":  # log Σ e^(x - s) + s, s the largest real part (a
        # constant): the gradient comes from exp, cumsum and log, conjugated as theirs
        with numpy.errstate(invalid="ignore"):
            s = backend.xp.nan_to_num(x._data.real.max(axis=axis, keepdims=True))
        shift = Tensor._from_op(s.astype(x._data.dtype), None, 0)
        with backend.quiet():
            return log(cumsum(exp(x - shift), axis)) + shift
    return LogCumSumExp(axis)(x)


def _cum_extreme(x: Tensor, dim: int, take_max: bool) -> ValuesIndices:
    """Running max/min and where it was last reached (ties: the later index; a NaN sticks),
    as PyTorch's ``cummax``/``cummin``; the values' gradient goes to those indices."""
    fn = "cummax" if take_max else "cummin"
    axis = _dim(dim, x.ndim, fn)
    if x.ndim == 0:
        zero = Tensor._from_op(backend.xp.zeros((), numpy.int64), None, 0)
        if x._data.dtype.kind == "b":  # x * 1 would be int64
            return ValuesIndices((Tensor._from_op(x._data.copy(), None, 0), zero))
        return ValuesIndices((x * 1, zero))
    xp, a = backend.xp, x._data
    if a.dtype.kind == "b":
        run = "logical_or" if take_max else "logical_and"
    else:  # NaN propagates, as in PyTorch
        run = "maximum" if take_max else "minimum"
    values = backend.accumulate(run, a, axis)
    hit = a == values
    if a.dtype.kind == "f":
        hit |= xp.isnan(a)
    pos = xp.arange(a.shape[axis]).reshape([-1 if d == axis else 1 for d in range(a.ndim)])
    idx = backend.accumulate("maximum", xp.where(hit, pos, 0), axis).astype(numpy.int64)
    return ValuesIndices((gather(x, axis, idx), Tensor._from_op(idx, None, 0)))


@torch_names
def cummax(x: Tensor, dim: int) -> ValuesIndices:
    """``(values, indices)``: the running maximum along ``dim`` and the index where it was
    (last) reached.

    >>> import deepgrad as dg
    >>> v, i = dg.cummax(dg.tensor([1.0, 3.0, 2.0, 3.0]), 0)
    >>> v.tolist(), i.tolist()
    ([1.0, 3.0, 3.0, 3.0], [0, 1, 1, 3])
    """
    _refuse_complex_order("cummax", x)
    return _cum_extreme(x, dim, True)


@torch_names
def cummin(x: Tensor, dim: int) -> ValuesIndices:
    """``(values, indices)``: the running minimum along ``dim`` (see :func:`cummax`)."""
    _refuse_complex_order("cummin", x)
    return _cum_extreme(x, dim, False)


@torch_names
def diff(
    input: Tensor,  # noqa: A002 - PyTorch's names
    n: int = 1,
    dim: int = -1,
    prepend: Tensor | None = None,
    append: Tensor | None = None,
) -> Tensor:
    """The ``n``-th forward difference along ``dim``: ``y_i = x_{i+1} - x_i`` applied ``n``
    times (``prepend``/``append`` are concatenated first, except for ``n = 0``, which returns
    ``input`` as PyTorch's does); bool tensors give ``x_{i+1} ≠
    x_i``. Shape: ``dim`` shrinks by ``n`` (to 0 at most).

    >>> import deepgrad as dg
    >>> dg.diff(dg.tensor([1, 4, 9, 16])).tolist()
    [3, 5, 7]
    """
    if input.ndim == 0:
        raise ValueError("diff: expects a tensor with at least 1 dim, got a 0-d tensor")
    n = int_arg(n, "diff", "n", 2)
    if n < 0:
        raise ValueRangeError(
            f"order must be non-negative but got {n} (diff: order n must be a non-negative "
            "int; n=0 returns the input)"
        )
    if n == 0:  # PyTorch's: the input itself (prepend/append and dim not even looked at)
        return input
    axis = _dim(dim, input.ndim, "diff")
    parts = [t for t in (prepend, input, append) if t is not None]
    x = concat(parts, axis) if len(parts) > 1 else input
    for _ in range(n):
        m = x.shape[axis]
        if m == 0:
            break
        hi = getitem(x, (slice(None),) * axis + (slice(1, None),))
        lo = getitem(x, (slice(None),) * axis + (slice(0, m - 1),))
        if x._data.dtype.kind == "b":
            x = Tensor._from_op(hi._data != lo._data, None, 0)
        else:
            x = hi - lo
    return x
