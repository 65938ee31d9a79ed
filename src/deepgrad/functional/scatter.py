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
==============  ===========================================  ==============================
"""

from __future__ import annotations

from typing import Any

from .. import backend
from .._names import torch_names
from ..autograd import Function
from ..tensor import Tensor
from .elementwise import _const, _mask, where
from .shape import (
    _check_bounds,
    _index_array,
    _norm_axis,
    gather,
    getitem,
    index_select,
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


def _prepare(x: Tensor, dim: int, index: Any, src: Any, fn: str) -> tuple[int, Any, Tensor]:
    """Check the shapes (PyTorch's rules) and cut ``src`` to ``index``'s shape."""
    idx = _index_array(index, fn)
    axis = _norm_axis(dim, max(x.ndim, 1), fn)
    if x.ndim == 0:
        raise ValueError(f"{fn}: expects an input with at least 1 dim, got a 0-d tensor")
    if idx.ndim != x.ndim:
        raise ValueError(
            f"{fn}: index of shape {idx.shape} must have as many dims as the input of shape "
            f"{x.shape}"
        )
    for d, n in enumerate(idx.shape):
        if d != axis and n > x.shape[d]:
            raise ValueError(
                f"{fn}: index of shape {idx.shape} is larger than the input of shape "
                f"{x.shape} along dim {d} (only dim {axis} may be)"
            )
        if isinstance(src, Tensor) and n > (src.shape[d] if src.ndim else 1):
            raise ValueError(
                f"{fn}: index of shape {idx.shape} is larger than src of shape {src.shape} "
                f"along dim {d}"
            )
    _check_bounds(idx, x.shape[axis], axis, fn)
    if isinstance(src, Tensor):
        if src.dtype != x.dtype:
            raise TypeError(f"{fn}: src of dtype {src.dtype} must have the input's dtype {x.dtype}")
        if src.shape != idx.shape:
            src = getitem(src, tuple(slice(0, n) for n in idx.shape))
    else:
        # a number, cast to the input's dtype (7.5 into an int64 tensor is 7, as in PyTorch)
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
            backend.xp.add.at(out, where_, src)
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
    if reduce is not None:
        ops = {"add": "sum", "multiply": "prod"}
        if reduce not in ops:
            raise ValueError(f"scatter: reduce must be 'add' or 'multiply', got {reduce!r}")
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
        xp.add.at(count, self.where, 1)
        return xp.maximum(count, 1)

    def forward(self, x: Any, src: Any) -> Any:
        xp, r = backend.xp, self.reduce
        out = x.copy()
        if not self.include_self:  # the written positions start from the reduction's identity
            big = xp.inf if x.dtype.kind == "f" else xp.iinfo(x.dtype).max
            start = {"sum": 0, "mean": 0, "prod": 1, "amax": -big, "amin": big}[r]
            out[self.where] = start
        ufunc = {"sum": xp.add, "mean": xp.add, "prod": xp.multiply}.get(r)
        ufunc = ufunc or (xp.maximum if r == "amax" else xp.minimum)
        ufunc.at(out, self.where, src)
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
        xp.add.at(n, self.where, src_hit.astype(n.dtype))
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
    if reduce not in _REDUCE:
        raise ValueError(f"scatter_reduce: reduce must be one of {_REDUCE}, got {reduce!r}")
    axis, idx, s = _prepare(input, dim, index, src, "scatter_reduce")
    return ScatterReduce(axis, idx, reduce, bool(include_self))(input, s)


class IndexAdd(Function):
    def __init__(self, axis: int, idx: Any, alpha: Any) -> None:
        self.axis, self.idx, self.alpha = axis, idx, alpha

    def forward(self, x: Any, src: Any) -> Any:
        out = x.copy()
        s = src if self.alpha == 1 else src * x.dtype.type(self.alpha)
        backend.xp.add.at(out, (slice(None),) * self.axis + (self.idx,), s)
        return out

    def backward(self, gy: Tensor) -> tuple:
        nx, ns = self.needs_input_grad
        gs = None
        if ns:
            gs = index_select(gy, self.axis, self.idx)
            gs = gs if self.alpha == 1 else gs * self.alpha
        return (gy if nx else None), gs


def _index_1d(x: Tensor, dim: int, index: Any, fn: str) -> tuple[int, Any]:
    idx = _index_array(index, fn)
    if idx.ndim > 1:
        raise ValueError(f"{fn}: index must be 1-D (or 0-d), got shape {idx.shape}")
    axis = _norm_axis(dim, max(x.ndim, 1), fn)
    n = x.shape[axis] if x.ndim else 1
    if idx.size and (int(idx.min()) < -n or int(idx.max()) >= n):
        bad = int(idx.min()) if int(idx.min()) < -n else int(idx.max())
        raise IndexError(f"{fn}: index {bad} is out of bounds for dim {axis} of size {n}")
    return axis, idx.reshape(-1) % max(n, 1)


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
    if input.ndim == 0:
        return index_add(input.reshape(1), 0, idx, source.reshape(-1), alpha=alpha).reshape(())
    want = input.shape[:axis] + (idx.size,) + input.shape[axis + 1 :]
    if source.shape != want:
        raise ValueError(
            f"index_add: source of shape {source.shape} must have shape {want} (the input's "
            f"{input.shape} with len(index) = {idx.size} along dim {axis})"
        )
    if source.dtype != input.dtype:
        raise TypeError(
            f"index_add: source of dtype {source.dtype} must have the input's dtype {input.dtype}"
        )
    return IndexAdd(axis, idx, alpha)(input, source)


@torch_names
def index_fill(input: Tensor, dim: int, index: Any, value: Any) -> Tensor:  # noqa: A002
    """``input`` with the slices ``index`` (1-D) along ``dim`` set to ``value`` (a number,
    cast to the input's dtype, or a 0-d tensor, which then gets their gradient)."""
    axis, idx = _index_1d(input, dim, index, "index_fill")
    if isinstance(value, Tensor) and value.ndim != 0:
        raise ValueError(
            f"index_fill: value must be a number or a 0-d tensor, got shape {value.shape}"
        )
    mask = backend.xp.zeros(input.shape, dtype=bool)
    if input.ndim == 0:
        mask[...] = idx.size > 0
    else:
        mask[(slice(None),) * axis + (idx,)] = True
    if not isinstance(value, Tensor):
        value = _const(input.dtype.type(value), input)
    elif value.dtype != input.dtype:
        value = (
            Tensor._from_op(value._data.astype(input.dtype), None, 0)
            if not value.requires_grad
            else value
        )
    return where(mask, value, input)
