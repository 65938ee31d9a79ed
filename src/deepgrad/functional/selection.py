"""Picking elements out of a tensor and writing slices back: PyTorch's ``masked_select``,
``take``, ``select``, ``narrow_copy``, ``repeat_interleave`` and the out-of-place
``select_scatter``/``slice_scatter``.

The picks are indexing (:func:`~deepgrad.functional.shape.getitem`), so their gradients
scatter back into the input (repeated positions add up). The scatters are one node,
:class:`ScatterSlice`: ``y = x`` with ``y[index] = src``, whose gradient is ``g`` with the
slot zeroed for ``x`` and ``g[index]`` for ``src``.

===================  ===================================================================
function             result (shape)
===================  ===================================================================
masked_select        the elements where the (broadcast) boolean mask is true, 1-D
take                 ``input.flatten()[index]``, index's shape (negative indices count back)
select               ``input`` indexed by one int along ``dim`` (that dim removed)
narrow_copy          ``narrow`` as a new tensor
repeat_interleave    each element (or slice along ``dim``) repeated ``repeats`` times
select_scatter       ``input`` with ``select(dim, index)`` replaced by ``src``
slice_scatter        ``input`` with the slice ``start:end:step`` of ``dim`` replaced by ``src``
===================  ===================================================================
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy

from .. import backend
from .._errors import DtypeError, IndexRangeError, IndexShapeError, ShapeMismatchError, int_arg
from .._names import torch_names
from ..autograd import Function
from ..tensor import Tensor, as_tensor
from .elementwise import astype
from .shape import (
    _index_array,
    _norm_axis,
    broadcast_to,
    contiguous,
    getitem,
    index_select,
    narrow,
    reshape,
)


def masked_select(input: Tensor, mask: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """The elements of ``input`` where the boolean ``mask`` is true, as a 1-D tensor
    (``input`` and ``mask`` broadcast together first).

    >>> import deepgrad as dg
    >>> x = dg.tensor([[1, 2], [3, 4]])
    >>> dg.masked_select(x, x > 2).tolist()
    [3, 4]
    """
    x = as_tensor(input)
    m, shape = bool_mask(mask, x.shape, "masked_select")
    xb = broadcast_to(x, shape) if x.shape != shape else x
    return getitem(xb, m)


def bool_mask(mask: Any, shape: tuple[int, ...], fn: str) -> tuple[Any, tuple[int, ...]]:
    """``mask`` as a bool array broadcast with an input of ``shape``, and the broadcast shape;
    PyTorch's errors for another dtype (``DtypeError``) or shapes that do not broadcast."""
    m = mask._data if isinstance(mask, Tensor) else backend.xp.asarray(mask)
    if m.dtype != bool:
        raise DtypeError(f"{fn}: mask must be a bool tensor, got dtype {m.dtype}")
    try:
        out = numpy.broadcast_shapes(tuple(shape), m.shape)
    except ValueError:
        raise IndexShapeError(
            f"{fn}: mask of shape {m.shape} does not broadcast with the input of shape "
            f"{tuple(shape)}"
        ) from None
    return backend.xp.broadcast_to(m, out), out


def take(input: Tensor, index: Any) -> Tensor:  # noqa: A002
    """``input`` read as 1-D at ``index`` (an int64 tensor of any shape, which the result
    takes; negative indices count from the end).

    >>> import deepgrad as dg
    >>> dg.take(dg.tensor([[1, 2], [3, 4]]), dg.tensor([[0, -1]])).tolist()
    [[1, 4]]
    """
    x = as_tensor(input)
    idx = _index_array(index, "take", long_only=True)
    n = x.numel()
    if idx.size and (int(idx.min()) < -n or int(idx.max()) >= n):
        bad = int(idx.min()) if int(idx.min()) < -n else int(idx.max())
        raise IndexRangeError(
            f"take: index {bad} is out of range for a tensor of {n} elements (expected an index "
            f"in [{-n}, {n - 1}])"
        )
    flat = backend.xp.where(idx < 0, idx + n, idx).reshape(-1)
    return reshape(index_select(reshape(x, (-1,)), 0, flat), idx.shape)


@torch_names
def select(input: Tensor, dim: int, index: int) -> Tensor:  # noqa: A002
    """``input[..., index, ...]`` with ``index`` (an int, negative from the end) along
    ``dim``: that dim is removed."""
    x = as_tensor(input)
    if x.ndim == 0:
        raise IndexError("select: cannot be applied to a 0-d tensor")
    axis = _norm_axis(dim, x.ndim, "select")
    index = int_arg(index, "select", "index", 3)
    n = x.shape[axis]
    if not -n <= index < n:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(x.shape)} at "
            f"dimension {axis} (select: index {index} is out of range for dim {axis} of size {n} "
            f"(shape {x.shape}))"
        )
    return getitem(x, (slice(None),) * axis + (int(index),))


@torch_names
def narrow_copy(input: Tensor, dim: int, start: int, length: int) -> Tensor:  # noqa: A002
    """:func:`narrow` as a new tensor (not a view)."""
    return contiguous(narrow(as_tensor(input), dim, start, length))


class ScatterSlice(Function):
    """``y = x`` with ``y[index] = src`` (``index``: ints and slices)."""

    def __init__(self, index: tuple) -> None:
        self.index = index

    def forward(self, x: Any, src: Any) -> Any:
        y = x.copy()
        y[self.index] = src
        return y

    def backward(self, gy: Tensor) -> tuple:
        nx, ns = self.needs_input_grad
        gx = (
            ScatterSlice(self.index)(gy, Tensor._wrap(backend.xp.zeros((), gy.dtype)))
            if nx
            else None
        )
        return gx, (getitem(gy, self.index) if ns else None)


def _scatter(x: Tensor, src: Any, index: tuple, fn: str) -> Tensor:
    s = as_tensor(src)
    if s.dtype != x.dtype:  # the input's dtype wins, as in PyTorch's in-place copy
        s = astype(s, x.dtype)
    want = x._data[index].shape
    if s.shape != want:
        raise ShapeMismatchError(  # PyTorch: RuntimeError; deepgrad's ValueError before
            f"expected src to have a size equal to the slice of self. src size = {list(s.shape)}, "
            f"slice size = {list(want)} ({fn}: src must have shape {want} (the slot it fills), "
            f"got {s.shape})"
        )
    return ScatterSlice(index)(x, s)


@torch_names
def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:  # noqa: A002
    """A copy of ``input`` whose ``select(dim, index)`` is ``src`` (of that slot's shape)."""
    x = as_tensor(input)
    select(x, dim, index)  # the checks
    axis = _norm_axis(dim, x.ndim, "select_scatter")
    return _scatter(x, src, (slice(None),) * axis + (int(index),), "select_scatter")


@torch_names
def slice_scatter(
    input: Tensor,  # noqa: A002
    src: Tensor,
    dim: int = 0,
    start: int | None = None,
    end: int | None = None,
    step: int = 1,
) -> Tensor:
    """A copy of ``input`` whose slice ``start:end:step`` along ``dim`` is ``src``."""
    x = as_tensor(input)
    if start is not None:
        start = int_arg(start, "slice_scatter", "start", 4)
    if end is not None:
        end = int_arg(end, "slice_scatter", "end", 5)
    step = int_arg(step, "slice_scatter", "step", 6)
    if step <= 0:
        raise ValueError(f"slice_scatter: step must be positive, got {step}")
    axis = _norm_axis(dim, x.ndim, "slice_scatter")
    return _scatter(x, src, (slice(None),) * axis + (slice(start, end, step),), "slice_scatter")


def _repeats(repeats: Any, n: int, fn: str) -> Any:
    """Per-element counts: an int (or 1-element tensor) for all, or one per element."""
    xp = backend.xp
    if isinstance(repeats, numbers.Integral) and not isinstance(repeats, bool):
        r = xp.full(n, int(repeats), dtype=numpy.int64)
    else:
        r = _index_array(repeats, fn, any_int=True).reshape(-1)
        if r.size == 1:
            r = xp.full(n, int(r[0]), dtype=numpy.int64)
        elif r.size != n:
            raise ShapeMismatchError(
                f"repeats must have the same size as input along dim, but got repeats.size(0) "
                f"= {r.size} and input.size(0) = {n} ({fn}: repeats must have {n} entries (one "
                f"per element), got {r.size})"
            )
    if r.size and int(r.min()) < 0:
        raise ValueError(f"{fn}: repeats must be non-negative, got {int(r.min())}")
    return r


@torch_names
def repeat_interleave(
    input: Any,  # noqa: A002
    repeats: Any = None,
    dim: int | None = None,
    *,
    output_size: int | None = None,
) -> Tensor:
    """Repeat each element (each slice along ``dim``; of the flattened input when ``dim`` is
    None) ``repeats`` times: an int, or a tensor of one count per element. With ``input``
    alone (an integer tensor of counts), the indices ``i`` repeated ``input[i]`` times.

    >>> import deepgrad as dg
    >>> dg.repeat_interleave(dg.tensor([1, 2]), 2).tolist()
    [1, 1, 2, 2]
    >>> dg.repeat_interleave(dg.tensor([1, 2])).tolist()
    [0, 1, 1]
    """
    xp = backend.xp
    if repeats is None:
        counts = _index_array(input, "repeat_interleave", any_int=True)
        if counts.ndim != 1 or (counts.size and int(counts.min()) < 0):
            raise ValueError(
                "repeat_interleave: repeats alone must be a 1-D tensor of non-negative counts, "
                f"got shape {counts.shape}"
            )
        idx = xp.repeat(xp.arange(counts.size, dtype=numpy.int64), counts)
        _check_size(idx.size, output_size)
        return Tensor._from_op(idx, None, 0)
    x = as_tensor(input)
    if dim is None:
        x, axis = reshape(x, (-1,)), 0
    else:
        axis = _norm_axis(dim, x.ndim, "repeat_interleave")
    n = x.shape[axis] if x.ndim else 1
    counts = _repeats(repeats, n, "repeat_interleave")
    idx = xp.repeat(xp.arange(n, dtype=numpy.int64), counts)
    _check_size(idx.size, output_size)
    return index_select(x, axis, idx)


def _check_size(n: int, output_size: int | None) -> None:
    if output_size is not None and output_size != n:
        raise ValueError(
            f"repeat_interleave: output_size={output_size} but the repeats give {n} elements"
        )
