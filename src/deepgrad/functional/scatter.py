"""Writing by index: ``scatter``, ``scatter_add``, ``scatter_reduce``, ``index_add`` and
``index_fill`` — the adjoints of ``gather`` and ``index_select``.

``index`` (int64) names, for every element of ``src``, the position along ``dim`` it is
written to; the other coordinates are its own (``out[index[i][j]][j] = src[i][j]`` for
``dim=0``). Only the part of ``src`` the size of ``index`` is read, as in PyTorch.

==============  ===========================================  ==============================
function        forward                                      local derivatives
==============  ===========================================  ==============================
scatter         out = x;  out[index] = src                   x: 1 where not written;
                                                             src: gather(g, index)
scatter_add     out = x;  out[index] += src                  x: 1;  src: gather(g, index)
scatter_reduce  out[index] = reduce(x?, src...)  (sum,       sum/mean: 1 (÷ count);
                prod, mean, amax, amin)                      amax/amin: split among the
                                                             elements equal to the result;
                                                             prod: out / x
index_add       out = x;  out[:, index] += alpha · src       x: 1;  src: alpha · g[:, index]
index_fill      x with ``value`` in the slices ``index``     (through ``where``)
index_put       out = x;  out[indices] = values  (``+=``     x: 1 where not written (1 with
                with ``accumulate``)                         accumulate);  values: g[indices]
                                                             summed to their shape
index_copy      index_put at ``[:, index]`` along ``dim``    (as index_put)
masked_scatter  out = x;  out[mask] = source's first         x: 1 where not masked;  source:
                ``mask.sum()`` elements, in order            g[mask] in those places, else 0
put             index_put into ``x`` seen as 1-D             (as index_put)
==============  ===========================================  ==============================

``index_put``'s ``indices`` are a tuple of index tensors, exactly what ``x[indices] = values``
takes (integer tensors broadcast together; a bool tensor is a mask).
"""

from __future__ import annotations

from typing import Any

import numpy

from .. import backend
from .._errors import ChoiceError, DtypeError, IndexRangeError, IndexShapeError
from .._names import torch_names
from ..autograd import Function, is_grad_enabled
from ..tensor import Tensor, _check_device_bounds, _checked_scalar
from .elementwise import _const, _mask, astype, where
from .selection import bool_mask
from .shape import (
    _check_bounds,
    _index_array,
    _norm_axis,
    broadcast_to,
    gather,
    getitem,
    index_select,
    reshape,
    sum_to,
)

_REDUCE = ("sum", "prod", "mean", "amax", "amin")


def _coords(idx: Any, axis: int) -> tuple:
    """The full coordinates written by ``idx``: ``idx`` along ``axis``, its own elsewhere."""
    xp = backend.xp
    return tuple(
        idx
        if d == axis
        else xp.arange(idx.shape[d]).reshape([-1 if e == d else 1 for e in range(idx.ndim)])
        for d in range(idx.ndim)
    )


def _as_vector(x: Tensor, dim: int, index: Any, src: Any, fn: str) -> tuple:
    """A 0-d input, its index and src read as 1-element vectors (PyTorch's rule), for the
    caller to scatter into and reshape back to 0-d."""
    _norm_axis(dim, 1, fn)
    idx = _index_array(index, fn)
    if idx.ndim > 1 or (isinstance(src, Tensor) and src.ndim > 1):
        raise IndexShapeError(
            f"{fn}: a 0-d input takes an index (and src) of at most 1 dim, got index of shape "
            f"{idx.shape}"
        )
    return (
        reshape(x, (1,)),
        idx.reshape(-1),
        reshape(src, (-1,)) if isinstance(src, Tensor) else src,
    )


def _prepare(x: Tensor, dim: int, index: Any, src: Any, fn: str) -> tuple[int, Any, Tensor]:
    """Check the shapes (PyTorch's rules) and cut ``src`` to ``index``'s shape."""
    idx = _index_array(index, fn)
    axis = _norm_axis(dim, max(x.ndim, 1), fn)
    if isinstance(src, Tensor) and src.dtype != x.dtype:
        raise DtypeError(f"{fn}: src of dtype {src.dtype} must have the input's dtype {x.dtype}")
    if idx.ndim != x.ndim or (isinstance(src, Tensor) and src.ndim != x.ndim):
        raise IndexShapeError(
            "Index tensor must have the same number of dimensions as self tensor "
            f"({fn}: index of shape {idx.shape} (and a tensor src) must have as many dims as the "
            f"input of shape {x.shape}"
            + (f", got src of shape {src.shape})" if isinstance(src, Tensor) else ")")
        )
    for d, n in enumerate(idx.shape):
        if d != axis and n > x.shape[d]:
            raise IndexShapeError(
                f"{fn}: index of shape {idx.shape} is larger than the input of shape "
                f"{x.shape} along dim {d} (only dim {axis} may be)"
            )
        if isinstance(src, Tensor) and n > src.shape[d]:
            raise IndexShapeError(
                f"Expected index {list(idx.shape)} to be no larger than self {list(x.shape)} "
                f"apart from dimension {axis} and to be no larger size than src "
                f"{list(src.shape)} ({fn}: index of shape {idx.shape} is larger than src of "
                f"shape {src.shape} along dim {d})"
            )
    _check_bounds(idx, x.shape[axis], axis, fn)
    if isinstance(src, Tensor):
        if src.shape != idx.shape:
            src = getitem(src, tuple(slice(0, n) for n in idx.shape))
    else:
        # a number, cast to the input's dtype (7.5 into an int64 tensor is 7, as in PyTorch)
        src = _checked_scalar(src, x.dtype, op=True)
        src = Tensor._from_op(backend.xp.full(idx.shape, src, dtype=x.dtype), None, 0)
    return axis, idx, src


class Scatter(Function):
    """``out = x; out[coords] = src`` (``add``: ``+=``)."""

    def __init__(self, axis: int, idx: Any, add: bool) -> None:
        self.axis, self.idx, self.add = axis, idx, add

    def forward(self, x: Any, src: Any) -> Any:
        out = x.copy()
        where_ = _coords(self.idx, self.axis)
        if self.add:
            backend.ufunc_at("add", out, where_, src)
        else:
            out[where_] = src
        return out

    def backward(self, gy: Tensor) -> tuple:
        nx, ns = self.needs_input_grad
        gx = gs = None
        if nx:
            gx = gy
            if not self.add:
                kept = backend.xp.ones(gy.shape, dtype=bool)
                kept[_coords(self.idx, self.axis)] = False
                gx = gy * _mask(kept, gy)
        if ns:
            gs = gather(gy, self.axis, self.idx)
        return gx, gs


@torch_names
def scatter(
    input: Tensor,  # noqa: A002 - PyTorch's names
    dim: int,
    index: Any,
    src: Any = None,
    *,
    value: Any = None,
    reduce: str | None = None,
) -> Tensor:
    """``input`` with ``src`` (a tensor, or a number; also as ``value=``) written at
    ``index`` along ``dim``. Where ``index`` repeats a position, one of the writes wins (the
    last; PyTorch leaves it unspecified). ``reduce="add"``/``"multiply"`` is PyTorch's older
    form of :func:`scatter_reduce` (``"sum"``/``"prod"``)."""
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter: needs src (a tensor or a number) or value")
    if input.ndim == 0:
        x1, i1, s1 = _as_vector(input, dim, index, src, "scatter")
        return reshape(scatter(x1, 0, i1, s1, reduce=reduce), ())
    if reduce is not None:
        ops = {"add": "sum", "multiply": "prod"}
        if reduce not in ops:
            raise ChoiceError(f"scatter: reduce must be 'add' or 'multiply', got {reduce!r}")
        axis, idx, s = _prepare(input, dim, index, src, "scatter")
        return ScatterReduce(axis, idx, ops[reduce], True)(input, s)
    axis, idx, s = _prepare(input, dim, index, src, "scatter")
    return Scatter(axis, idx, False)(input, s)


@torch_names
def scatter_add(input: Tensor, dim: int, index: Any, src: Tensor) -> Tensor:  # noqa: A002
    """``input`` plus ``src`` added at ``index`` along ``dim`` (repeated positions add up).

    >>> import deepgrad as dg
    >>> dg.zeros(3).scatter_add(0, dg.tensor([0, 0, 2]), dg.ones(3)).tolist()
    [2.0, 0.0, 1.0]
    """
    if input.ndim == 0:
        x1, i1, s1 = _as_vector(input, dim, index, src, "scatter_add")
        return reshape(scatter_add(x1, 0, i1, s1), ())
    axis, idx, s = _prepare(input, dim, index, src, "scatter_add")
    return Scatter(axis, idx, True)(input, s)


class ScatterReduce(Function):
    keep_output = True

    def __init__(self, axis: int, idx: Any, reduce: str, include_self: bool) -> None:
        self.axis, self.idx, self.reduce, self.include_self = axis, idx, reduce, include_self
        self.where = _coords(idx, axis)

    def _counts(self, shape: tuple, dtype: Any) -> Any:
        xp = backend.xp
        count = xp.ones(shape, dtype) if self.include_self else xp.zeros(shape, dtype)
        backend.ufunc_at("add", count, self.where, 1)
        return xp.maximum(count, 1)

    def forward(self, x: Any, src: Any) -> Any:
        xp, r = backend.xp, self.reduce
        out = x.copy()
        if not self.include_self:  # the written positions start from the reduction's identity
            big = xp.inf if x.dtype.kind == "f" else xp.iinfo(x.dtype).max
            start = {"sum": 0, "mean": 0, "prod": 1, "amax": -big, "amin": big}[r]
            out[self.where] = start
        ufunc = {"sum": "add", "mean": "add", "prod": "multiply"}.get(r)
        backend.ufunc_at(ufunc or ("maximum" if r == "amax" else "minimum"), out, self.where, src)
        if r == "mean":
            count = self._counts(x.shape, x.dtype)
            out = out / count if x.dtype.kind == "f" else xp.floor_divide(out, count)
        return out.astype(x.dtype, copy=False)

    def backward(self, gy: Tensor) -> tuple:
        x, src = self.inputs
        out, xp, r = self.output(), backend.xp, self.reduce
        written = xp.zeros(x.shape, dtype=bool)
        written[self.where] = True
        if r in ("sum", "mean"):
            g = gy / _mask(self._counts(x.shape, x._data.dtype), gy) if r == "mean" else gy
            gx = g if self.include_self else gy * _mask(~written, gy)
            return gx, gather(g, self.axis, self.idx)
        if r == "prod":
            if (x._data == 0).any() or (src._data == 0).any():
                raise RuntimeError(
                    "scatter_reduce(reduce='prod'): the gradient at a zero element is not "
                    "supported; use reduce='sum' of logs or avoid zeros"
                )
            gx = where(written, gy * out / x, gy) if self.include_self else gy * _mask(~written, gy)
            return gx, gather(gy * out, self.axis, self.idx) / src
        # amax/amin: split evenly among the elements equal to the result
        value = gather(out, self.axis, self.idx)._data
        src_hit = src._data == value
        x_hit = x._data == out._data
        n = x_hit.astype(x._data.dtype) if self.include_self else xp.zeros(x.shape, x._data.dtype)
        backend.ufunc_at("add", n, self.where, src_hit.astype(n.dtype))
        share = gy / _mask(xp.maximum(n, 1), gy)
        gx = share * _mask(x_hit, gy) if self.include_self else gy * _mask(~written, gy)
        return gx, gather(share, self.axis, self.idx) * _mask(src_hit, gy)


@torch_names
def scatter_reduce(
    input: Tensor,  # noqa: A002
    dim: int,
    index: Any,
    src: Tensor,
    reduce: str,
    *,
    include_self: bool = True,
) -> Tensor:
    """``input`` with ``src``'s elements reduced into the positions ``index`` names along
    ``dim``: ``reduce`` is ``"sum"``, ``"prod"``, ``"mean"``, ``"amax"`` or ``"amin"``;
    ``include_self=False`` leaves ``input``'s own values out of the written positions.

    >>> import deepgrad as dg
    >>> x = dg.zeros(3)
    >>> x.scatter_reduce(0, dg.tensor([0, 0, 1]), dg.tensor([1.0, 2.0, 3.0]), "amax").tolist()
    [2.0, 3.0, 0.0]
    """
    reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)  # PyTorch's aliases
    if reduce not in _REDUCE:
        raise ChoiceError(f"scatter_reduce: reduce must be one of {_REDUCE}, got {reduce!r}")
    if input.ndim == 0:
        x1, i1, s1 = _as_vector(input, dim, index, src, "scatter_reduce")
        return reshape(scatter_reduce(x1, 0, i1, s1, reduce, include_self=include_self), ())
    axis, idx, s = _prepare(input, dim, index, src, "scatter_reduce")
    return ScatterReduce(axis, idx, reduce, bool(include_self))(input, s)


class IndexAdd(Function):
    def __init__(self, axis: int, idx: Any, alpha: Any) -> None:
        self.axis, self.idx, self.alpha = axis, idx, alpha

    def forward(self, x: Any, src: Any) -> Any:
        out = x.copy()
        s = src if self.alpha == 1 else src * x.dtype.type(self.alpha)
        backend.ufunc_at("add", out, (slice(None),) * self.axis + (self.idx,), s)
        return out

    def backward(self, gy: Tensor) -> tuple:
        nx, ns = self.needs_input_grad
        gs = None
        if ns:
            gs = index_select(gy, self.axis, self.idx)
            gs = gs if self.alpha == 1 else gs * self.alpha
        return (gy if nx else None), gs


def _index_1d(
    x: Tensor, dim: int, index: Any, fn: str, negative: bool = False, long_only: bool = False
) -> tuple[int, Any]:
    """The 1-D (or 0-d) index of ``index_add``/``index_copy``/``index_fill``/``index_reduce``
    along ``dim``, checked: in ``[0, n)``, or ``[-n, n)`` where PyTorch takes ``negative``
    ones (``index_fill``); int64 alone with ``long_only``."""
    idx = _index_array(index, fn, long_only)
    if idx.ndim > 1:
        raise IndexShapeError(f"{fn}: index must be 1-D (or 0-d), got shape {idx.shape}")
    axis = _norm_axis(dim, max(x.ndim, 1), fn)
    n = x.shape[axis] if x.ndim else 1
    lo = -n if negative else 0
    if idx.size and (int(idx.min()) < lo or int(idx.max()) >= n):
        bad = int(idx.min()) if int(idx.min()) < lo else int(idx.max())
        raise IndexRangeError(
            f"{fn}: index {bad} is out of bounds for dim {axis} of size {n} (expected an index "
            f"in [{lo}, {n - 1}])"
        )
    return axis, idx.reshape(-1) % max(n, 1)


def _check_source(input: Tensor, axis: int, idx: Any, source: Tensor, fn: str) -> None:  # noqa: A002
    """``source`` of ``input``'s shape with ``len(index)`` along ``axis``, and its dtype."""
    if source.dtype != input.dtype:
        raise DtypeError(
            f"{fn}: source of dtype {source.dtype} must have the input's dtype {input.dtype}"
        )
    want = input.shape[:axis] + (idx.size,) + input.shape[axis + 1 :]
    if input.ndim == 0:  # PyTorch: a 0-d source, one index
        want = () if idx.size == 1 else want
    if source.shape != want:
        raise IndexShapeError(
            f"{fn}: source of shape {source.shape} must have shape {want} (the input's "
            f"{input.shape} with len(index) = {idx.size} along dim {axis}; a 0-d source "
            "for a 0-d input)"
        )


@torch_names
def index_add(
    input: Tensor,  # noqa: A002
    dim: int,
    index: Any,
    source: Tensor,
    *,
    alpha: Any = 1,
) -> Tensor:
    """``input`` plus ``alpha · source`` added into the slices ``index`` (1-D) along ``dim``;
    repeated indices add up. ``source`` has ``input``'s shape with ``len(index)`` along
    ``dim``.

    >>> import deepgrad as dg
    >>> dg.zeros(3).index_add(0, dg.tensor([0, 0]), dg.ones(2)).tolist()
    [2.0, 0.0, 0.0]
    """
    axis, idx = _index_1d(input, dim, index, "index_add")
    _check_source(input, axis, idx, source, "index_add")
    if input.ndim == 0:
        return index_add(input.reshape(1), 0, idx, source.reshape(-1), alpha=alpha).reshape(())
    return IndexAdd(axis, idx, alpha)(input, source)


@torch_names
def index_reduce(
    input: Tensor,  # noqa: A002
    dim: int,
    index: Any,
    source: Tensor,
    reduce: str,
    *,
    include_self: bool = True,
) -> Tensor:
    """``input`` with each slice ``index[i]`` (1-D) along ``dim`` combined with ``source``'s
    slice ``i`` by ``reduce`` (``"prod"``, ``"mean"``, ``"amax"``, ``"amin"``); with
    ``include_self=False`` the slices named get the reduction of their sources alone. The
    same as :func:`scatter_reduce` with ``index`` spread along ``dim`` over ``source``'s
    shape, and so its gradients (PyTorch's rules).

    >>> import deepgrad as dg
    >>> dg.ones(3).index_reduce(0, dg.tensor([0, 0, 2]), dg.tensor([2., 4., 3.]), "prod").tolist()
    [8.0, 1.0, 3.0]
    """
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise ChoiceError(
            f"index_reduce: reduce must be one of 'prod', 'mean', 'amax' or 'amin', got {reduce!r}"
        )
    axis, idx = _index_1d(input, dim, index, "index_reduce")
    if input.ndim == 0:
        out = index_reduce(input.reshape(1), 0, idx, source.reshape(-1), reduce,
                           include_self=include_self)  # fmt: skip
        return out.reshape(())
    _check_source(input, axis, idx, source, "index_reduce")
    spread = [1] * input.ndim
    spread[axis] = idx.size
    full = backend.xp.broadcast_to(idx.reshape(spread), source.shape)
    return scatter_reduce(input, axis, full, source, reduce, include_self=include_self)


@torch_names
def index_fill(input: Tensor, dim: int, index: Any, value: Any) -> Tensor:  # noqa: A002
    """``input`` with the slices ``index`` (1-D int64; negative ones count from the end) along
    ``dim`` set to ``value`` (a number, cast to the input's dtype, or a 0-d tensor, which then
    gets their gradient)."""
    axis, idx = _index_1d(input, dim, index, "index_fill", negative=True, long_only=True)
    if isinstance(value, Tensor) and value.ndim != 0:
        raise IndexShapeError(
            f"index_fill: value must be a number or a 0-d tensor, got shape {value.shape}"
        )
    mask = backend.xp.zeros(input.shape, dtype=bool)
    if input.ndim == 0:
        mask[...] = idx.size > 0
    else:
        mask[(slice(None),) * axis + (idx,)] = True
    if not isinstance(value, Tensor):
        value = _const(input.dtype.type(_checked_scalar(value, input.dtype, op=True)), input)
    elif value.dtype != input.dtype:  # the input's dtype (the gradient goes back cast)
        if value.requires_grad and is_grad_enabled() and input.dtype.kind not in "fc":
            raise DtypeError(
                f"index_fill: a value that requires grad cannot fill a {input.dtype} tensor "
                "(Autograd not support dtype; detach the value or fill a float tensor)"
            )
        value = astype(value, input.dtype)
    return where(mask, value, input)


class IndexPut(Function):
    """``out = x; out[key] = v`` (``accumulate``: ``+=``, repeated positions adding up)."""

    def __init__(self, key: tuple, accumulate: bool) -> None:
        self.key, self.accumulate = key, accumulate

    def forward(self, x: Any, v: Any) -> Any:
        out = x.copy()
        if self.accumulate:
            backend.ufunc_at("add", out, self.key, v)
        else:
            out[self.key] = v
        return out

    def backward(self, gy: Tensor) -> tuple:
        nx, nv = self.needs_input_grad
        gx = gv = None
        if nx:
            gx = gy
            if not self.accumulate:
                kept = backend.xp.ones(gy.shape, dtype=bool)
                kept[self.key] = False
                gx = gy * _mask(kept, gy)
        if nv:
            gv = sum_to(getitem(gy, self.key), self.inputs[1].shape)
        return gx, gv


def _same_dtype(x: Tensor, values: Any, what: str, fn: str) -> Tensor:
    if not isinstance(values, Tensor):
        raise TypeError(f"{fn}: {what} must be a tensor, got {type(values).__name__}")
    if values.dtype != x.dtype:
        raise DtypeError(
            f"{fn}: {what} of dtype {values.dtype} must have the input's dtype {x.dtype} "
            f"(cast it with .to({x.dtype}))"
        )
    return values


def _index_key(indices: Any, fn: str) -> tuple:
    """``index_put``'s tuple of index tensors as a NumPy index (a uint8 one is a mask)."""
    if isinstance(indices, Tensor) or not isinstance(indices, (tuple, list)):
        raise TypeError(f"{fn}: indices must be a tuple of index tensors, got {indices!r}")
    key = []
    for i in indices:
        a = i._data if isinstance(i, Tensor) else backend.xp.asarray(i)
        if a.dtype == "uint8":
            a = a.astype(bool)
        if a.dtype.kind not in "iub":
            raise TypeError(f"{fn}: indices must be integer or bool tensors, got dtype {a.dtype}")
        key.append(a)
    return tuple(key)


def index_put(
    input: Tensor,  # noqa: A002 - PyTorch's names
    indices: Any,
    values: Tensor,
    accumulate: bool = False,
) -> Tensor:
    """``input`` with ``values`` (broadcast; the input's dtype) written at ``input[indices]``:
    what ``x[indices] = values`` does, out of place. With ``accumulate`` the values add to
    what is there, repeated positions adding up; without it one of the repeated writes wins.

    >>> import deepgrad as dg
    >>> dg.zeros(3).index_put((dg.tensor([0, 0]),), dg.tensor(1.0), accumulate=True).tolist()
    [2.0, 0.0, 0.0]
    """
    key = _index_key(indices, "index_put")
    shape = _selected_shape(input.shape, key)  # the indices broadcast together first
    _check_device_bounds(input.shape, key)
    values = _same_dtype(input, values, "values", "index_put")
    _check_value_shape(values.shape, shape, "index_put")
    return IndexPut(key, bool(accumulate))(input, values)


def _selected_shape(shape: tuple, key: tuple) -> tuple:
    """The shape of ``x[key]`` for ``x`` of ``shape``, before the indices' range is checked
    (integer arrays read as zeros): PyTorch checks the value's shape first."""
    xp = backend.xp
    probe = tuple(xp.zeros(a.shape, xp.intp) if a.dtype.kind in "iu" else a for a in key)
    try:
        return xp.broadcast_to(xp.zeros((), bool), shape)[probe].shape
    except ValueError as exc:  # CuPy's word for index arrays that do not broadcast (NumPy's:
        raise IndexShapeError(  # IndexError, passed through)
            f"shape mismatch: indexing tensors could not be broadcast together ({exc})"
        ) from None


def _check_value_shape(vshape: tuple, shape: tuple, fn: str) -> None:
    """A value written at ``x[key]`` broadcasts to its ``shape`` (PyTorch's expand)."""
    try:
        fits = len(vshape) <= len(shape) and numpy.broadcast_shapes(vshape, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise IndexShapeError(
            f"{fn}: shape mismatch: value tensor of shape {vshape} cannot be broadcast to "
            f"indexing result of shape {shape}"
        )


@torch_names
def index_copy(input: Tensor, dim: int, index: Any, source: Tensor) -> Tensor:  # noqa: A002
    """``input`` with the slices ``index`` (1-D) along ``dim`` replaced by ``source``'s
    (``input``'s shape with ``len(index)`` along ``dim``; the input's dtype).

    >>> import deepgrad as dg
    >>> dg.zeros(2, 3).index_copy(1, dg.tensor([2]), dg.ones(2, 1)).tolist()
    [[0.0, 0.0, 1.0], [0.0, 0.0, 1.0]]
    """
    axis, idx = _index_1d(input, dim, index, "index_copy", long_only=True)
    if not isinstance(source, Tensor):
        raise TypeError(f"index_copy: source must be a tensor, got {type(source).__name__}")
    want = input.shape[:axis] + (idx.size,) + input.shape[axis + 1 :]
    if input.ndim == 0 or source.ndim == 0:  # PyTorch: one index, one element
        if idx.size != 1 or source.numel() != 1 or int(numpy.prod(want)) != 1:
            raise IndexShapeError(
                f"index_copy: a 0-d input or source takes one index and one source element, got "
                f"{idx.size} indices and a source of shape {source.shape}"
            )
        source = reshape(source, want)
    if source.shape != want:  # the shapes first, then the dtype (PyTorch's order)
        raise IndexShapeError(
            f"index_copy: source of shape {source.shape} must have shape {want} (the input's "
            f"{input.shape} with len(index) = {idx.size} along dim {axis})"
        )
    source = _same_dtype(input, source, "source", "index_copy")
    if input.ndim == 0:
        return reshape(index_copy(reshape(input, (1,)), 0, idx, reshape(source, (-1,))), ())
    return IndexPut((slice(None),) * axis + (idx,), False)(input, source)


def masked_scatter(input: Tensor, mask: Any, source: Tensor) -> Tensor:  # noqa: A002
    """``input`` with the places where ``mask`` (bool, broadcast with ``input``) is True
    filled by ``source``'s elements in row-major order (``source`` needs at least as many as
    the mask has True values; the input's dtype).

    >>> import deepgrad as dg
    >>> dg.zeros(4).masked_scatter(dg.tensor([True, False, True, False]), dg.tensor([1.0, 2.0, 3.0])).tolist()
    [1.0, 0.0, 2.0, 0.0]
    """
    m, shape = bool_mask(mask, input.shape, "masked_scatter")
    source = _same_dtype(input, source, "source", "masked_scatter")
    n = int(m.sum())
    if source.numel() < n:
        raise IndexShapeError(
            f"masked_scatter: source has {source.numel()} elements, fewer than the mask's {n} "
            "True values"
        )
    x = input if input.shape == shape else broadcast_to(input, shape)
    return IndexPut((m,), False)(x, getitem(reshape(source, (-1,)), slice(0, n)))


def put(input: Tensor, index: Any, source: Tensor, accumulate: bool = False) -> Tensor:  # noqa: A002
    """``input`` seen as 1-D (row-major) with ``source``'s elements written at ``index``'s
    (as many; negative ones count from the end); with ``accumulate`` they add up.

    >>> import deepgrad as dg
    >>> dg.zeros(2, 2).put(dg.tensor([3, 0]), dg.tensor([1.0, 2.0])).tolist()
    [[2.0, 0.0], [0.0, 1.0]]
    """
    idx = _index_array(index, "put", long_only=True).reshape(-1)
    source = _same_dtype(input, source, "source", "put")
    if source.numel() != idx.size:
        raise IndexShapeError(
            f"put: index has {idx.size} elements and source {source.numel()}; they must match"
        )
    n = input.numel()
    if idx.size and (int(idx.min()) < -n or int(idx.max()) >= n):
        bad = int(idx.min()) if int(idx.min()) < -n else int(idx.max())
        raise IndexRangeError(
            f"put: index {bad} is out of range for a tensor of {n} elements (expected an index "
            f"in [{-n}, {n - 1}])"
        )
    flat = IndexPut((idx,), bool(accumulate))(reshape(input, (-1,)), reshape(source, (-1,)))
    return reshape(flat, input.shape)
