"""Order statistics: the median, the k-th smallest value, the mode and quantiles.

Each reads a sorted copy of its input (NaN last, as PyTorch's; which of tied elements is
named is PyTorch's CPU kernels' choice, :mod:`deepgrad.functional.tie_order`). The values
along a dim are gathered from the input, so their gradient goes to the element chosen (for
the median of all elements: split evenly among the elements equal to it, as PyTorch's);
quantiles interpolate two gathered values with :func:`~deepgrad.functional.lerp`.

==============  ==========================================================================
function        value
==============  ==========================================================================
median          the lower median: element ``(n - 1) // 2`` of the sorted values; NaN if any
nanmedian       the same over the elements that are not NaN
kthvalue        element ``k - 1`` of the sorted values (NaN counts as the largest)
mode            the most frequent value (the smallest of those tied), at its last position
quantile        ``lerp(s[⌊r⌋], s[⌈r⌉], r - ⌊r⌋)`` with ``r = q (n - 1)``; NaN if any NaN
nanquantile     the same with ``n`` the number of elements that are not NaN
==============  ==========================================================================
"""

from __future__ import annotations

from typing import Any

import numpy

from .. import backend
from .._errors import (
    DtypeError,
    IndexRangeError,
    IndexShapeError,
    ValueRangeError,
    _refuse_complex_order,
    int_arg,
)
from .._names import torch_names
from ..autograd import Function
from ..tensor import Tensor
from . import tie_order
from .elementwise import _keep, lerp
from .shape import (
    ValuesIndices,
    _by_rows,
    _norm_axis,
    gather,
    movedim,
    reshape,
    squeeze,
    take_along_dim,
)


def _index(a: Any) -> Tensor:
    return Tensor._from_op(backend.xp.asarray(a, dtype=numpy.int64), None, 0)


class SelectEvenly(Function):
    """One value picked from all of ``x`` (``value`` given); the gradient is split evenly
    among the elements equal to it (NaN counts as equal to NaN), PyTorch's rule for the
    median of a whole tensor."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def forward(self, x: Any) -> Any:
        return backend.xp.asarray(self.value, dtype=x.dtype)

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0]._data
        xp = backend.xp
        hit = (x == self.value) | (xp.isnan(x) & xp.isnan(self.value))
        return _keep(gy / max(int(hit.sum()), 1), hit)  # PyTorch's masked_fill: 0 elsewhere


def _check_nonempty(x: Tensor, fn: str) -> None:
    """PyTorch's refusal of an empty input (a ``RuntimeError``; also an ``IndexError``, the
    class deepgrad raised before)."""
    if x.numel() == 0:
        raise IndexShapeError(
            f"{fn}() input tensor must be non-empty ({fn}: cannot take the {fn} of an empty "
            f"tensor, shape {x.shape})"
        )


def _sorted(a: Any, axis: int) -> Any:
    """Stable argsort along ``axis`` with NaN last (NumPy's order, and PyTorch's)."""
    return backend.xp.argsort(a, axis=axis, kind="stable")


def _pick(x: Tensor, dim: int, keepdim: bool, pos: Any, fn: str, ties: Any = None) -> ValuesIndices:
    """The element at sorted position ``pos`` (an int or an array broadcasting over the
    other dims) along ``dim``, and its index in ``x`` (``ties(rows, picked)``, given, names
    which of tied elements: ``kthvalue``'s)."""
    axis = _norm_axis(dim, max(x.ndim, 1), fn)
    if x.ndim == 0:
        if x._data.dtype.kind == "b":  # x * 1 would be int64
            return ValuesIndices((Tensor._from_op(x._data.copy(), None, 0), _index(0)))
        return ValuesIndices((x * 1, _index(0)))
    if x.shape[axis] == 0:
        raise IndexShapeError(
            f"{fn}(): Expected reduction dim {dim} to have non-zero size. ({fn}: dim {dim} of "
            f"the input of shape {x.shape} has size 0)"
        )
    order = _sorted(x._data, axis)
    xp = backend.xp
    rest = x.shape[:axis] + x.shape[axis + 1 :]
    where_ = xp.expand_dims(xp.broadcast_to(xp.asarray(pos, dtype=numpy.int64), rest), axis)
    idx = xp.take_along_axis(order, where_, axis)
    if ties is not None and not backend.gpu:
        idx = _by_rows(x._data, idx, axis, lambda r, o: ties(r, o[:, 0])[:, None])
    values = gather(x, axis, idx)
    if not keepdim:
        values, idx = squeeze(values, axis), idx.squeeze(axis)
    return ValuesIndices((values, _index(idx)))


def _refuse_bool(x: Tensor, fn: str) -> None:
    if x._data.dtype.kind == "b":  # PyTorch has no bool kernel for these
        raise NotImplementedError(f"{fn}: not implemented for bool tensors (convert: x.long())")


@torch_names
def median(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """PyTorch's ``median``: the lower median (element ``(n - 1) // 2`` in sorted order, not
    the mean of the middle two).

    - ``median(x)``: of all elements, a 0-d tensor (NaN if ``x`` holds a NaN);
    - ``median(x, dim, keepdim=False)``: the pair ``(values, indices)`` along ``dim``.

    >>> import deepgrad as dg
    >>> dg.tensor([4.0, 1.0, 3.0, 2.0]).median().item()
    2.0
    """
    _refuse_complex_order("median", x)
    return _median(x, dim, keepdim, ignore_nan=False)


@torch_names
def nanmedian(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """:func:`median` over the elements that are not NaN (NaN only where all of them are)."""
    _refuse_complex_order("nanmedian", x)
    return _median(x, dim, keepdim, ignore_nan=True)


def _median(x: Tensor, dim: int | None, keepdim: bool, ignore_nan: bool) -> Any:
    fn = "nanmedian" if ignore_nan else "median"
    _refuse_bool(x, fn)
    xp = backend.xp
    if dim is None:
        if keepdim:
            raise TypeError(f"{fn}(): keepdim needs a dim")
        if x.numel() == 0:  # the median of no elements: NaN, as PyTorch's; an integer
            dt = x._data.dtype  # tensor gets NaN cast to it there: the dtype's minimum
            return SelectEvenly(numpy.nan if dt.kind in "fc" else numpy.iinfo(dt).min)(x)
        flat = xp.sort(x._data.reshape(-1))  # NaN last
        n = flat.size
        if x._data.dtype.kind == "f":
            valid = int((~xp.isnan(flat)).sum())
            if ignore_nan:
                n = valid  # all NaN: flat[0] is NaN
            elif valid < n:
                return SelectEvenly(numpy.nan)(x)
        return SelectEvenly(flat[max(n - 1, 0) // 2])(x)
    axis = _norm_axis(dim, max(x.ndim, 1), fn)
    n = x.shape[axis] if x.ndim else 1
    if ignore_nan and x._data.dtype.kind == "f" and x.ndim:
        valid = (~xp.isnan(x._data)).sum(axis=axis)
        return _pick(x, dim, keepdim, xp.maximum(valid - 1, 0) // 2, fn, tie_order.nanmedian_ties)
    if not ignore_nan and x._data.dtype.kind == "f" and x.ndim:
        nan = xp.isnan(x._data)
        first_nan = xp.where(nan.any(axis=axis), n - nan.sum(axis=axis), (n - 1) // 2)
        return _pick(x, dim, keepdim, first_nan, fn)
    return _pick(x, dim, keepdim, (n - 1) // 2, fn)


@torch_names
def kthvalue(x: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
    """``(values, indices)``: the ``k``-th smallest element along ``dim`` (``k`` from 1; NaN
    counts as the largest). Tied values: the index PyTorch's quickselect names
    (:mod:`deepgrad.functional.tie_order`).

    >>> import deepgrad as dg
    >>> dg.tensor([5.0, 1.0, 4.0]).kthvalue(2).values.item()
    4.0
    """
    _refuse_complex_order("kthvalue", x)
    _refuse_bool(x, "kthvalue")
    k = int_arg(k, "kthvalue", "k", 2)
    n = x.shape[_norm_axis(dim, max(x.ndim, 1), "kthvalue")] if x.ndim else 1
    if n == 0:  # PyTorch checks the dim's size before k
        raise IndexShapeError(
            f"kthvalue(): Expected reduction dim {dim} to have non-zero size. (kthvalue: dim "
            f"{dim} of the input of shape {x.shape} has size 0)"
        )
    if not 1 <= k <= n:
        raise IndexRangeError(
            f"kthvalue(): selected number k out of range for dimension {dim} (kthvalue: k "
            f"must be an int in [1, {n}] (the size of dim {dim}), got {k!r})"
        )
    k = int(k)
    return _pick(x, dim, keepdim, k - 1, "kthvalue", lambda r, p: tie_order.kth_ties(r, p, k))


@torch_names
def mode(x: Tensor, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
    """``(values, indices)``: the most frequent value along ``dim`` (the smallest of several
    equally frequent ones) and the index PyTorch's CPU kernel names: the last of its
    occurrences after PyTorch's sort (:mod:`deepgrad.functional.tie_order`; in order up to 16
    elements, the last index).

    >>> import deepgrad as dg
    >>> v, i = dg.tensor([2, 1, 2, 1, 3]).mode()
    >>> v.item(), i.item()
    (1, 3)
    """
    _refuse_complex_order("mode", x)
    axis = _norm_axis(dim, max(x.ndim, 1), "mode")
    if x.ndim == 0:
        if x._data.dtype.kind == "b":  # x * 1 would be int64
            return ValuesIndices((Tensor._from_op(x._data.copy(), None, 0), _index(0)))
        return ValuesIndices((x * 1, _index(0)))
    if x.shape[axis] == 0:
        raise IndexShapeError(
            f"mode(): Expected reduction dim {dim} to have non-zero size. (mode: dim {dim} of "
            f"the input of shape {x.shape} has size 0)"
        )
    xp = backend.xp
    a = xp.moveaxis(x._data, axis, -1)
    n = a.shape[-1]
    order = _sorted(a, -1)
    s = xp.take_along_axis(a, order, -1)
    new_run = xp.ones(s.shape, dtype=bool)
    new_run[..., 1:] = s[..., 1:] != s[..., :-1]
    if s.dtype.kind == "f":  # NaNs form one run, as equal values
        new_run[..., 1:] &= ~(xp.isnan(s[..., 1:]) & xp.isnan(s[..., :-1]))
    pos = xp.arange(n)
    start = backend.accumulate("maximum", xp.where(new_run, pos, 0), -1)
    length = pos - start + 1  # the length of each run so far: its last element holds it all
    best = xp.argmax(length, axis=-1)  # the first (smallest value) of the longest runs
    last = xp.take_along_axis(order, best[..., None], -1)  # stable: its last occurrence
    if n > 16 and not backend.gpu:  # which occurrence PyTorch's sort leaves last
        flat = tie_order.mode_ties(a.reshape(-1, n), last.reshape(-1))
        last = flat.reshape(last.shape)
    idx = xp.moveaxis(last, -1, axis)
    values = gather(x, axis, idx)
    if not keepdim:
        values, idx = squeeze(values, axis), idx.squeeze(axis)
    return ValuesIndices((values, _index(idx)))


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


@torch_names
def quantile(
    input: Tensor,  # noqa: A002 - PyTorch's names
    q: Any,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    interpolation: str = "linear",
) -> Tensor:
    """The ``q``-th quantiles along ``dim`` (all elements when None): with the sorted values
    ``s`` and ``r = q (n - 1)``, ``lerp(s[⌊r⌋], s[⌈r⌉], r - ⌊r⌋)`` (``interpolation`` as
    PyTorch's: ``"linear"``, ``"lower"``, ``"higher"``, ``"midpoint"``, ``"nearest"``). A
    slice holding NaN gives NaN. ``q`` a number or a 1-D tensor in ``[0, 1]``; for a tensor
    the output gains a first dim of ``len(q)``. Differentiable in ``input``.

    >>> import deepgrad as dg
    >>> dg.quantile(dg.tensor([0.0, 1.0, 2.0, 3.0]), 0.5).item()
    1.5
    """
    return _quantile(input, q, dim, keepdim, interpolation, ignore_nan=False)


@torch_names
def nanquantile(
    input: Tensor,  # noqa: A002
    q: Any,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    interpolation: str = "linear",
) -> Tensor:
    """:func:`quantile` over the elements that are not NaN (NaN where all of them are)."""
    return _quantile(input, q, dim, keepdim, interpolation, ignore_nan=True)


def _quantile_q(q: Any, x: Tensor, fn: str) -> tuple[Any, bool]:
    """``q`` as a 1-D array of ``x``'s dtype, and whether it was a scalar."""
    xp = backend.xp
    qa = q._data if isinstance(q, Tensor) else xp.asarray(q, dtype=x._data.dtype)
    if isinstance(q, Tensor) and q._data.dtype != x._data.dtype:
        raise DtypeError(
            f"quantile() q tensor must be same dtype as the input tensor ({fn}: q of dtype "
            f"{q.dtype}, the input {x.dtype})"
        )
    if qa.ndim > 1:
        raise IndexShapeError(
            f"quantile() q must be a scalar or 1D tensor ({fn}: got shape {tuple(qa.shape)})"
        )
    if qa.size and (bool((qa < 0).any()) or bool((qa > 1).any()) or bool(xp.isnan(qa).any())):
        raise ValueRangeError(
            f"quantile() q must be in the range [0, 1] but got {qa.tolist()} ({fn}: q values "
            "must be in the range [0, 1])"
        )
    return qa.reshape(-1), qa.ndim == 0


def _quantile(
    x: Tensor, q: Any, dim: int | None, keepdim: bool, interpolation: str, ignore_nan: bool
) -> Tensor:
    fn = "nanquantile" if ignore_nan else "quantile"
    if x._data.dtype not in (numpy.float32, numpy.float64):
        raise DtypeError(f"{fn}: expects a float32 or float64 input, got dtype {x.dtype}")
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(
            f"{fn}: interpolation must be one of {_INTERPOLATIONS}, got {interpolation!r}"
        )
    qa, scalar = _quantile_q(q, x, fn)
    _check_nonempty(x, fn)
    xp = backend.xp
    if dim is None:
        axis, xs = 0, reshape(x, (-1,))
        out_kept = (1,) * x.ndim
    else:
        axis = _norm_axis(dim, max(x.ndim, 1), fn)
        xs = movedim(x, axis, -1) if x.ndim else reshape(x, (1,))
        kept = list(x.shape)
        if x.ndim:
            kept[axis] = 1
        out_kept = tuple(kept)
    order = _sorted(xs._data, -1)
    if xs.ndim and xs.shape[-1] > 16 and not backend.gpu:  # PyTorch's sort: its tie order,
        a = xs._data  # which decides which tied element the gradient reaches
        order = tie_order.sort_ties(a.reshape(-1, a.shape[-1]), order.reshape(-1, a.shape[-1]),
                                    False).reshape(order.shape)  # fmt: skip
    s = take_along_dim(xs, _index(order), -1)  # (..., n) sorted, NaN last
    n = s.shape[-1]
    nan = xp.isnan(s._data)
    # ranks: (len(q), ..., 1)
    qb = qa.reshape((-1,) + (1,) * s.ndim)
    if ignore_nan:
        ranks = qb * (xp.expand_dims((~nan).sum(-1), -1) - 1).astype(s._data.dtype)
        ranks = xp.where(ranks < 0, 0, ranks)
    else:
        ranks = xp.where(xp.expand_dims(nan.any(-1), -1), n - 1, qb * (n - 1))
    ranks = xp.broadcast_to(ranks, (len(qa),) + s.shape[:-1] + (1,))
    if interpolation == "lower":
        ranks = xp.floor(ranks)
    elif interpolation == "higher":
        ranks = xp.ceil(ranks)
    elif interpolation == "nearest":
        ranks = xp.round(ranks)
    below = ranks.astype(numpy.int64)
    sb = s.unsqueeze(0).expand(len(qa), *s.shape) if s.ndim else s
    lo = gather(sb, -1, below)
    if interpolation in ("linear", "midpoint"):
        above = xp.ceil(ranks).astype(numpy.int64)
        weight = xp.full_like(ranks, 0.5) if interpolation == "midpoint" else ranks - below
        lo = lerp(lo, gather(sb, -1, above), Tensor._from_op(weight.astype(s._data.dtype), None, 0))
    out = squeeze(lo, -1)  # (len(q), ...)
    if keepdim:
        out = reshape(out, (len(qa),) + out_kept)
    return squeeze(out, 0) if scalar else out


def msort(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """The values sorted along the first dim (``sort(input, dim=0).values``, differentiable
    as :func:`sort`; a 0-d tensor is returned as a copy).

    >>> import deepgrad as dg
    >>> dg.msort(dg.tensor([[3, 1], [2, 4]])).tolist()
    [[2, 1], [3, 4]]
    """
    from .shape import sort

    x = input if isinstance(input, Tensor) else Tensor(input)
    if x.ndim == 0:
        return x.clone()
    return sort(x, 0).values
