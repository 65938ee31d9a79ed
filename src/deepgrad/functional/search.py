"""Where values are and how many: ``nonzero``/``argwhere``, ``count_nonzero``, ``unique``,
``unique_consecutive``, ``bincount``, ``bucketize``/``searchsorted`` (binary search in sorted
boundaries) and ``histc``.

Their outputs are indices or counts (int64 by default, as PyTorch's; ``histc`` counts in the
input's float dtype): none of them is differentiable, and none records a graph — except
``bincount`` with weights, whose sums pass the gradient back to the weights.
"""

from __future__ import annotations

import builtins
import numbers
from collections.abc import Sequence
from typing import Any

import numpy

from .. import backend
from .._errors import (
    ShapeMismatchError,
    ValueRangeError,
    _refuse_complex_order,
    bool_arg,
    dim_error,
    int_arg,
    ints_arg,
    refuse_kernel_dtype,
)
from .._names import torch_names
from ..autograd import Function
from ..tensor import Tensor


def _out(a: Any, dtype: Any = numpy.int64) -> Tensor:
    return Tensor._from_op(backend.xp.asarray(a).astype(dtype, copy=False), None, 0)


def _array(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else backend.xp.asarray(x)


def nonzero(input: Tensor, *, as_tuple: bool = False) -> Any:  # noqa: A002 - PyTorch's name
    """The indices of the nonzero elements, in row-major order: an int64 tensor of shape
    ``(count, ndim)``, or with ``as_tuple=True`` one 1-D tensor per dim (a 0-d input counts
    as 1-D there, as in PyTorch).

    >>> import deepgrad as dg
    >>> dg.tensor([[0, 1], [2, 0]]).nonzero().tolist()
    [[0, 1], [1, 0]]
    """
    as_tuple = bool_arg(as_tuple, "nonzero", "as_tuple")
    a = _array(input)
    if as_tuple:
        return tuple(_out(i) for i in backend.xp.nonzero(a.reshape(-1) if a.ndim == 0 else a))
    return _out(backend.xp.argwhere(a))


def nonzero_static(input: Tensor, *, size: int, fill_value: int = -1) -> Tensor:  # noqa: A002
    """:func:`nonzero` with a fixed number of rows (PyTorch's): the first ``size`` index rows,
    padded with ``fill_value`` rows where there are fewer. Shape ``(size, ndim)``, int64.

    >>> import deepgrad as dg
    >>> dg.nonzero_static(dg.tensor([0, 1, 0, 2]), size=3).tolist()
    [[1], [3], [-1]]
    """
    if not isinstance(size, (int, numpy.integer)) or isinstance(size, bool) or size < 0:
        raise RuntimeError(f"nonzero_static: 'size' must be an non-negative integer, got {size!r}")
    a = _array(input)
    found = backend.xp.argwhere(a)[:size]
    out = backend.xp.full((int(size), a.ndim), int(fill_value), dtype=numpy.int64)
    out[: len(found)] = found
    return _out(out)


def argwhere(input: Tensor) -> Tensor:  # noqa: A002
    """``nonzero(input)``: the ``(count, ndim)`` int64 indices of the nonzero elements."""
    return nonzero(input)


@torch_names
def count_nonzero(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:  # noqa: A002
    """The number of nonzero elements over ``dim`` (an int, a tuple, or all when None): int64.

    >>> import deepgrad as dg
    >>> dg.count_nonzero(dg.tensor([[0, 1], [2, 3]]), dim=0).tolist()
    [1, 2]
    """
    a = _array(input)
    if dim is not None:
        dims = ints_arg(dim, "count_nonzero", "dim", 2)
        dims = dims or tuple(range(a.ndim))  # dim=() counts over all dims, as PyTorch's
        nd = max(a.ndim, 1)
        for d in dims:
            if not -nd <= d < nd:
                raise dim_error("count_nonzero", d, a.ndim)
        if len(set(d % nd for d in dims)) != len(dims):
            raise RuntimeError(f"count_nonzero: dim {dim} names a dim more than once")
        dim = tuple(d % nd for d in dims) if a.ndim else None
    return _out((a != 0).sum(axis=dim))


@torch_names
def unique(
    input: Tensor,  # noqa: A002
    sorted: bool = True,  # noqa: A002
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
) -> Any:
    """The distinct elements (or, with ``dim``, the distinct slices along ``dim``), in
    ascending order, with optionally the inverse (where each element of ``input`` went:
    ``output[inverse] == input``) and the count of each. NaNs are not equal to each other
    (each is its own element), as in PyTorch. Returns a tensor, or a tuple when an extra
    output is asked for. ``sorted=False`` gives ascending order too (PyTorch leaves the
    order unspecified there; on the CPU it is ascending as well).

    >>> import deepgrad as dg
    >>> out, counts = dg.unique(dg.tensor([3, 1, 3]), return_counts=True)
    >>> out.tolist(), counts.tolist()
    ([1, 3], [1, 2])
    """
    sorted = bool_arg(sorted, "unique", "sorted", 2)  # noqa: A001 - PyTorch's name
    return_inverse = bool_arg(return_inverse, "unique", "return_inverse", 3)
    return_counts = bool_arg(return_counts, "unique", "return_counts", 4)
    _refuse_complex_order("unique", input)
    a = _array(input)
    xp = backend.xp
    if dim is not None:
        dim = int_arg(dim, "unique_dim", "dim", 2)
        if a.ndim == 0:
            raise IndexError(f"unique: dim {dim} given for a 0-d tensor")
        nd = a.ndim
        if not -nd <= dim < nd:
            raise IndexError(f"unique: dim {dim} is out of range for a tensor with {nd} dims")
        _refuse_zero_dims(a.shape, "unique")
        if a.size == 0 and a.shape[dim % nd]:  # PyTorch's refusal (unique_consecutive's too)
            raise ValueError(
                f"unique: the tensor of shape {a.shape} has a dim of size 0 other than dim "
                f"{dim % nd}: its slices along dim {dim % nd} cannot be compared"
            )
        if a.shape[dim % nd] == 0:
            u, inv, cnt = a, xp.zeros(0, numpy.int64), xp.zeros(0, numpy.int64)
        else:
            # bool slices as bytes on CuPy, whose unique along an axis subtracts (refused for
            # bool); the same order and counts (False < True as 0 < 1)
            b = a.view(numpy.uint8) if backend.gpu and a.dtype == numpy.bool_ else a
            u, inv, cnt = xp.unique(
                b, return_inverse=True, return_counts=True, axis=dim % nd, equal_nan=False
            )
            u = u.view(numpy.bool_) if b is not a else u
    else:
        u, inv, cnt = xp.unique(
            a.reshape(-1), return_inverse=True, return_counts=True, equal_nan=False
        )
        inv = inv.reshape(a.shape)
    out: list[Tensor] = [Tensor._from_op(u, None, 0)]
    if return_inverse:
        out.append(_out(inv.reshape(-1) if dim is not None else inv))
    if return_counts:
        out.append(_out(cnt))
    return out[0] if len(out) == 1 else tuple(out)


def _refuse_zero_dims(shape: tuple[int, ...], fn: str) -> None:
    if builtins.sum(1 for s in shape if s == 0) > 1:
        raise ValueError(
            f"{fn}: the tensor of shape {shape} has more than one dim of size 0: with dim= "
            "PyTorch refuses it (as here)"
        )


@torch_names
def unique_consecutive(
    input: Tensor,  # noqa: A002
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
) -> Any:
    """Each run of equal consecutive elements (or, with ``dim``, of equal consecutive slices
    along ``dim``) collapsed to one, in order — PyTorch's ``unique_consecutive`` (``[1, 1, 2,
    1]`` gives ``[1, 2, 1]``); optionally the inverse (the run each element, or slice, went to:
    the input's shape, or 1-D with ``dim``) and the length of each run. NaNs are not equal to
    each other. Returns a tensor, or a tuple when an extra output is asked for.

    >>> import deepgrad as dg
    >>> out, counts = dg.unique_consecutive(dg.tensor([1, 1, 2, 1]), return_counts=True)
    >>> out.tolist(), counts.tolist()
    ([1, 2, 1], [2, 1, 1])
    """
    return_inverse = bool_arg(return_inverse, "unique_consecutive", "return_inverse")
    return_counts = bool_arg(return_counts, "unique_consecutive", "return_counts")
    a = _array(input)
    xp = backend.xp
    if dim is None:
        rows = a.reshape(-1, 1)
    else:
        dim = int_arg(dim, "unique_consecutive", "dim")
        if a.ndim == 0:
            raise IndexError(f"unique_consecutive: dim {dim} given for a 0-d tensor")
        if not -a.ndim <= dim < a.ndim:
            raise dim_error("unique_consecutive", dim, a.ndim)
        dim %= a.ndim
        _refuse_zero_dims(a.shape, "unique_consecutive")
        if a.size == 0 and a.shape[dim]:
            raise ValueError(
                f"unique_consecutive: the tensor of shape {a.shape} has a dim of size 0 other "
                f"than dim {dim}: its slices along dim {dim} cannot be compared"
            )
        rows = xp.moveaxis(a, dim, 0).reshape(a.shape[dim], a.size // builtins.max(a.shape[dim], 1))
    n = rows.shape[0]
    starts = xp.ones(n, dtype=bool)
    starts[1:] = (rows[1:] != rows[:-1]).any(axis=1)  # NaN != NaN: each NaN starts a run
    if dim is None:
        out = a.reshape(-1)[starts]
    else:
        out = xp.moveaxis(xp.moveaxis(a, dim, 0)[starts], 0, dim)
    result: list[Tensor] = [Tensor._from_op(out, None, 0)]
    if return_inverse:
        inv = xp.cumsum(starts) - 1
        result.append(_out(inv.reshape(a.shape) if dim is None else inv))
    if return_counts:
        result.append(_out(xp.diff(xp.append(xp.flatnonzero(starts), n))))
    return result[0] if len(result) == 1 else tuple(result)


class _BinCount(Function):
    """The weighted count of each value: ``y[v] = Σ_{i: x_i = v} w_i``; ``dw_i = dy[x_i]``."""

    def __init__(self, index: Any, length: int) -> None:
        self.index, self.length = index, length

    def forward(self, w: Any) -> Any:
        return backend.xp.bincount(self.index, w, self.length).astype(w.dtype, copy=False)

    def backward(self, gy: Tensor) -> Tensor:
        return gy[Tensor._from_op(self.index, None, 0)]


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:  # noqa: A002
    """How often each value ``0 … max(input)`` occurs in the 1-D non-negative integer
    ``input`` (at least ``minlength`` bins): int64; with ``weights`` (1-D, one per element),
    the sum of the weights of each value instead — float32 for float32 weights, float64 for
    any other (PyTorch's rule), differentiable with respect to the weights (``dw_i = dy[x_i]``;
    PyTorch's backward raises there).

    >>> import deepgrad as dg
    >>> dg.bincount(dg.tensor([1, 1, 3])).tolist()
    [0, 2, 0, 1]
    """
    a = _array(input)
    refuse_kernel_dtype(a, "bincount", "fcb", "bincount_cpu")  # PyTorch's NotImplementedError
    if a.dtype.kind not in "iu":
        raise TypeError(f"bincount: expects an integer tensor, got dtype {a.dtype}")
    if a.ndim != 1 or (a.size and a.min() < 0):  # PyTorch's RuntimeError (and a ValueError)
        raise ValueRangeError(
            "bincount only supports 1-d non-negative integral inputs. (bincount: got shape "
            f"{a.shape}" + (f" with minimum {a.min()}" if a.ndim == 1 else "") + "; count "
            "the values of a flattened tensor with x.flatten(), shifted by -x.min() if negative)"
        )
    minlength = int_arg(minlength, "bincount", "minlength", 3)
    if minlength < 0:
        raise ValueRangeError(f"minlength should be >= 0 (bincount: got {minlength})")
    length = builtins.max(int(minlength), int(a.max()) + 1 if a.size else 0)
    index = a.astype(numpy.int64, copy=False)
    if weights is None:
        return _out(backend.xp.bincount(index, minlength=length))
    w = weights if isinstance(weights, Tensor) else Tensor(weights)
    if w.ndim != 1 or w.shape[0] != a.shape[0]:
        raise ShapeMismatchError(
            "weights should be 1-d and have the same length as input (bincount: one weight "
            f"per element of input, shape {a.shape}; got weights of shape {w.shape})"
        )
    dtype = numpy.float32 if w.dtype == numpy.float32 else numpy.float64
    return _BinCount(index, length)(w if w.dtype == dtype else w.to(dtype))


def _side(right: bool, side: str | None, fn: str) -> str:
    if side is None:
        return "right" if right else "left"
    if side not in ("left", "right"):
        raise ValueError(f"{fn}: side must be 'left' or 'right', got {side!r}")
    if right and side == "left":
        raise ValueError(f"{fn}: side='left' and right=True contradict each other")
    return side


def searchsorted(
    sorted_sequence: Tensor,
    input: Any,  # noqa: A002 - PyTorch's name
    *,
    out_int32: bool = False,
    right: bool = False,
    side: str | None = None,
    sorter: Tensor | None = None,
) -> Tensor:
    """Where the values ``input`` would be inserted into ``sorted_sequence`` (sorted along
    its last dim) to keep it sorted: the first such place (``side="left"``, ``a[i-1] < v <=
    a[i]``) or the last (``right=True`` / ``side="right"``, ``a[i-1] <= v < a[i]``). A 1-D
    sequence serves every value; an N-D one searches row by row, its leading dims matching
    ``input``'s. int64 (int32 with ``out_int32``); a number ``input`` gives a 0-d result.

    >>> import deepgrad as dg
    >>> dg.searchsorted(dg.tensor([1, 3, 5]), dg.tensor([0, 3, 6])).tolist()
    [0, 1, 3]
    """
    out_int32 = bool_arg(out_int32, "searchsorted", "out_int32")
    right = bool_arg(right, "searchsorted", "right")
    _refuse_complex_order("searchsorted", sorted_sequence, input)
    xp = backend.xp
    how = _side(right, side, "searchsorted")
    seq = _array(sorted_sequence)
    if sorter is not None:
        seq = xp.take_along_axis(seq, _array(sorter).astype(numpy.int64), -1)
    scalar = isinstance(input, numbers.Number)
    v = _array(input)
    if seq.ndim == 0:
        raise ValueError("searchsorted: sorted_sequence must have at least 1 dim, got a 0-d one")
    dtype = numpy.int32 if out_int32 else numpy.int64
    if seq.ndim > 1 and (scalar or v.shape[:-1] != seq.shape[:-1]):
        raise ValueError(
            f"searchsorted: the boundaries of shape {seq.shape} and the input of shape "
            f"{v.shape} must match in all dims but the last (or the boundaries be 1-D)"
        )
    if seq.dtype.kind != "f" or not xp.isnan(seq).any():
        if seq.ndim == 1:
            return _out(xp.searchsorted(seq, v, side=how), dtype)
        rows = int(numpy.prod(seq.shape[:-1]))
        rows_s, rows_v = seq.reshape(rows, seq.shape[-1]), v.reshape(rows, v.shape[-1])
        # one binary search per row: the rows have boundaries of their own
        out = xp.empty(rows_v.shape, numpy.int64)
        for i in range(rows):
            out[i] = xp.searchsorted(rows_s[i], rows_v[i], side=how)
        return _out(out.reshape(v.shape), dtype)
    return _out(_binary_search(seq, v, how == "right"), dtype)


def _binary_search(seq: Any, v: Any, right: bool) -> Any:
    """PyTorch's binary search, step for step, where the boundaries hold NaN (sorted last, as
    ``sort`` puts them): a step moves right unless ``seq[mid] >= v`` (``> v`` for ``right``),
    so a NaN boundary counts as smaller than every value, and the result depends on where the
    search meets it (NumPy's ``searchsorted`` counts NaN as the largest instead)."""
    xp = backend.xp
    n = seq.shape[-1]
    if seq.ndim == 1:
        b = xp.broadcast_to(seq, v.shape + (n,)) if v.ndim else seq
    else:
        b = xp.broadcast_to(seq[..., None, :], v.shape + (n,))
    lo = xp.zeros(v.shape, numpy.int64)
    hi = xp.full(v.shape, n, numpy.int64)
    with numpy.errstate(invalid="ignore"):
        while True:
            active = lo < hi
            if not active.any():
                return lo
            mid = (lo + hi) >> 1
            m = xp.take_along_axis(b, xp.minimum(mid, n - 1)[..., None], -1)[..., 0]
            stop = (m > v) if right else (m >= v)
            lo = xp.where(active & ~stop, mid + 1, lo)
            hi = xp.where(active & stop, mid, hi)


def bucketize(
    input: Any,  # noqa: A002
    boundaries: Tensor,
    *,
    out_int32: bool = False,
    right: bool = False,
) -> Tensor:
    """The bucket of each element of ``input`` between the sorted 1-D ``boundaries``: ``i``
    with ``boundaries[i-1] < x <= boundaries[i]`` (``right=True``: ``boundaries[i-1] <= x <
    boundaries[i]``). Same shape as ``input``, int64 (int32 with ``out_int32``).

    >>> import deepgrad as dg
    >>> dg.bucketize(dg.tensor([0.5, 1.0, 7.0]), dg.tensor([1.0, 5.0])).tolist()
    [0, 0, 2]
    """
    out_int32 = bool_arg(out_int32, "bucketize", "out_int32")
    right = bool_arg(right, "bucketize", "right")
    b = _array(boundaries)
    if b.ndim != 1:
        raise ValueError(f"bucketize: boundaries must be 1-D, got shape {b.shape}")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def isin(
    elements: Any, test_elements: Any, *, assume_unique: bool = False, invert: bool = False
) -> Tensor:
    """Whether each element of ``elements`` equals some element of ``test_elements``: a bool
    tensor of ``elements``' shape (0-d for a number). Values compare after type promotion (``2``
    is in ``[2.0, 3.5]``); NaN is in nothing; ``invert=True`` gives the complement.
    ``assume_unique`` is accepted as PyTorch's hint (the result does not depend on it). One of
    the two may be a number, not both; bool and complex inputs are refused, as PyTorch does.

    >>> import deepgrad as dg
    >>> dg.isin(dg.tensor([1, 2, 3]), dg.tensor([2.0, 3.5])).tolist()
    [False, True, False]
    """
    assume_unique = bool_arg(assume_unique, "isin", "assume_unique")
    invert = bool_arg(invert, "isin", "invert")
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError(
            "isin: expected a Tensor for elements or test_elements (one may be a number), got "
            f"{type(elements).__name__} and {type(test_elements).__name__}"
        )
    xp = backend.xp
    a, b = _array(elements), _array(test_elements)
    for x in (a, b):
        if x.dtype.kind in "bc":
            kind = "Bool" if x.dtype.kind == "b" else "complex"
            raise RuntimeError(
                f"isin: unsupported input type {kind} ({x.dtype}); PyTorch's isin takes "
                "integer and floating-point tensors"
            )
    # NumPy's isin compares values across dtypes, never matches NaN, and is what PyTorch
    # computes for every assume_unique (the hint only selects PyTorch's algorithm)
    out = xp.isin(a, b, invert=invert)
    return _out(out, numpy.bool_)


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
    """A histogram of ``bins`` equal-width bins over ``[min, max]`` (the data's own range when
    ``min == max``, refused when the data hold NaN or ±inf, as PyTorch's; widened by 1 each side if still equal). Elements outside, and NaN, are
    not counted; ``max`` itself falls in the last bin. The counts have the input's float
    dtype, as in PyTorch; integer inputs are refused, as there.

    >>> import deepgrad as dg
    >>> dg.histc(dg.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3).tolist()
    [0.0, 2.0, 1.0, 0.0]
    """
    a = _array(input)
    xp = backend.xp
    if a.dtype.kind != "f":
        raise TypeError(f"histc: expects a floating tensor, got dtype {a.dtype}")
    bins = int_arg(bins, "histc", "bins", 2)
    if bins <= 0:
        raise ValueRangeError(
            f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0 (histc: "
            "bins must be a positive int)"
        )
    lo, hi = a.dtype.type(min), a.dtype.type(max)
    if lo > hi:
        raise ValueError(f"histc: max ({max}) must be larger than or equal to min ({min})")
    if lo == hi and a.size:  # a NaN in the data makes the range NaN: refused, as PyTorch's
        lo, hi = a.min(), a.max()
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (numpy.isfinite(lo) and numpy.isfinite(hi)):
        raise ValueError(f"histc: range of [{lo}, {hi}] is not finite")
    flat = a.reshape(-1)
    inside = flat[(flat >= lo) & (flat <= hi)]
    with numpy.errstate(invalid="ignore", over="ignore"):
        pos = ((inside - lo) * a.dtype.type(bins) / (hi - lo)).astype(numpy.int64)
    pos = xp.minimum(pos, bins - 1)  # max itself falls in the last bin
    return _out(xp.bincount(pos, minlength=bins), a.dtype)


def unravel_index(indices: Any, shape: Any) -> tuple[Tensor, ...]:
    """The coordinates in a tensor of ``shape`` of flat (row-major) ``indices``: one int64
    tensor of ``indices``' shape per dim (PyTorch 2.13's arithmetic: a negative index has
    the size added once, then the coordinates are floor remainders, so an index out of range
    wraps rather than raising).

    >>> import deepgrad as dg
    >>> [t.tolist() for t in dg.unravel_index(dg.tensor([5, -1]), (2, 3))]
    [[1, 1], [2, 2]]
    """
    idx = indices._data if isinstance(indices, Tensor) else backend.xp.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {idx.dtype}")
    dims = (int(shape),) if isinstance(shape, numbers.Integral) else tuple(int(s) for s in shape)
    if any(d < 0 for d in dims):
        raise ValueError(f"'shape' cannot have negative values, but got {dims}")
    numel = 1
    for d in dims:
        numel *= d
    flat = idx.astype(numpy.int64)
    flat = backend.xp.where(flat < 0, flat + numel, flat)
    out = []
    for d in reversed(dims):
        out.append(flat % d if d else flat * 0)
        flat = flat // d if d else flat
    return tuple(Tensor._wrap(o) for o in reversed(out))
