"""Shape functions: reshape, transpose, broadcasting, squeeze, concat/stack/split, indexing, pad,
and PyTorch's flip, roll, cat, chunk, repeat/tile, narrow, movedim, unflatten, gather,
index_select, take_along_dim.

Each moves or copies elements without arithmetic, so each backward is the inverse movement:
``reshape`` back, the inverse permutation, ``sum_to`` for ``broadcast_to`` (and vice versa),
scatter for ``getitem`` (and ``gather``/``index_select``/``take_along_dim``, which are
``getitem`` with integer-array indices), slicing for ``pad``/``concat``, the same flip for
``flip``, the opposite shift for ``roll``.
"""

from __future__ import annotations

import builtins
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy

from .. import backend
from .._errors import (
    ChoiceNotImplementedError,
    DimError,
    DtypeError,
    IndexDtypeError,
    IndexRangeError,
    IndexShapeError,
    IntArgumentError,
    ShapeMismatchError,
    ValueRangeError,
    _refuse_complex_order,
    _type_words,
    bool_arg,
    dim_error,
    int_arg,
    ints_arg,
)
from .._names import torch_names
from ..autograd import Function
from ..tensor import Tensor, _check_device_bounds, _index_arrays, _pytorch_index, as_tensor
from . import tie_order


def _norm_axis(axis: int, ndim: int, fn: str) -> int:
    # a 0-d tensor accepts axis 0 and -1, as PyTorch's (it wraps dims as if ndim were 1)
    if type(axis) is not int:  # PyTorch's parser: a float or bool dim is a TypeError
        axis = int_arg(axis, fn, "dim")
    n = max(ndim, 1)
    if not -n <= axis < n:
        raise dim_error(fn, axis, ndim)
    return axis % ndim if ndim else 0


def _norm_dims(dims: int | Sequence[int], ndim: int, fn: str) -> tuple[int, ...]:
    """Normalise one axis or several (each in ``[-ndim, ndim)``), refusing repeats as PyTorch
    does (``squeeze(x, (0, -3))`` on a 3-d tensor names axis 0 twice)."""
    dims = (dims,) if type(dims) is int else ints_arg(dims, fn, "dim")
    out: list[int] = []
    for d in dims:
        a = _norm_axis(d, ndim, fn)
        if a in out:
            raise ShapeMismatchError(
                f"dim {a} appears multiple times in the list of dims ({fn}: axis {a} appears "
                f"multiple times in {dims} (a tensor with {ndim} dims))"
            )
        out.append(a)
    return tuple(out)


def sum_to_array(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum array ``g`` over the axes that broadcasting added or expanded, to get ``shape``."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and g.shape[i + lead] != 1
    )
    y = g.sum(axis=axes, keepdims=True)
    return y.reshape(shape) if lead else y


class Reshape(Function):
    reads_inputs = False  # its backward reads the inputs' shapes, not their values

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, x: Any) -> Any:
        try:
            return x.reshape(self.shape)
        except ValueError:
            torch_words = (
                "only one dimension can be inferred"
                if list(self.shape).count(-1) > 1
                else f"shape '{list(self.shape)}' is invalid for input of size {x.size}"
            )
            raise ShapeMismatchError(
                f"{torch_words} (reshape: cannot reshape a tensor of shape {x.shape} "
                f"({x.size} elements) into shape {self.shape})"
            ) from None

    def backward(self, gy: Tensor) -> Tensor:
        return reshape(gy, self.inputs[0].shape)


def reshape(x: Tensor, shape: int | Sequence[int]) -> Tensor:
    """``x`` with a new shape of the same size (one entry may be -1): a new tensor sharing
    ``x``'s memory where its layout allows (its own shape too: ``reshape(x, x.shape)`` is a
    new view recorded in the graph, as PyTorch's, never ``x`` itself)."""
    shape = (shape,) if type(shape) is int else ints_arg(shape, "reshape", "shape", 2)
    for i, s in enumerate(shape):
        if s < -1:  # NumPy takes any negative size as -1
            raise ShapeMismatchError(
                f"invalid shape dimension {s} at index {i} of shape {list(shape)}; "
                f"reshape: invalid shape dimension {s} at index {i} of shape {shape} (sizes are "
                ">= 0, or -1 for the one inferred)"
            )
    return Reshape(shape)(x)


class Permute(Function):
    reads_inputs = False  # its backward reads the inputs' shapes, not their values

    def __init__(self, dims: tuple[int, ...]) -> None:
        self.dims = dims

    def forward(self, x: Any) -> Any:
        return x.transpose(self.dims)

    def backward(self, gy: Tensor) -> Tensor:
        inv = [0] * len(self.dims)
        for i, a in enumerate(self.dims):
            inv[a % len(self.dims)] = i
        return permute(gy, tuple(inv))


@torch_names
def permute(x: Tensor, dims: Sequence[int]) -> Tensor:
    """The dims of ``x`` reordered: output dim ``i`` is input dim ``dims[i]`` (``torch.permute``;
    NumPy calls it ``transpose(x, axes)``).

    >>> import deepgrad as dg
    >>> permute(dg.zeros((2, 3, 4)), (2, 0, 1)).shape
    (4, 2, 3)
    """
    dims = ints_arg(dims, "permute", "dims", 2)
    hint = f"permute: dims {dims} are not a permutation of {x.ndim} dims"
    if len(dims) != x.ndim:
        raise ShapeMismatchError(
            f"permute(): number of dimensions in the tensor input does not match the length of "
            f"the desired ordering of dimensions i.e. input.dim() = {x.ndim} is not equal to "
            f"len(dims) = {len(dims)} ({hint})"
        )
    for d in dims:
        _norm_axis(d, x.ndim, "permute")  # PyTorch's IndexError for a dim out of range
    if sorted(d % max(x.ndim, 1) for d in dims) != list(range(x.ndim)):
        raise ShapeMismatchError(f"permute(): duplicate dims are not allowed. ({hint})")
    return Permute(dims)(x)


def _reversed_dims(x: Tensor) -> Tensor:
    """``x`` with its dims reversed (``Tensor.T``; NumPy's ``transpose(x)``)."""
    return permute(x, tuple(range(x.ndim - 1, -1, -1)))


_NO_DIM: Any = object()


def transpose(x: Tensor, dim0: int = _NO_DIM, dim1: int = _NO_DIM) -> Tensor:
    """``x`` with dims ``dim0`` and ``dim1`` exchanged (``torch.transpose``; the same function
    as :func:`swapaxes`). NumPy's ``transpose(x)`` / ``transpose(x, axes)`` — a permutation of
    all dims — is refused with a pointer to :func:`permute`, never silently taken.

    >>> import deepgrad as dg
    >>> transpose(dg.zeros((2, 3, 4)), 0, 2).shape
    (4, 3, 2)
    """
    if dim0 is _NO_DIM or dim1 is _NO_DIM or isinstance(dim0, (tuple, list)):
        given = ", ".join(repr(d) for d in (dim0, dim1) if d is not _NO_DIM)
        raise TypeError(
            f"transpose(x, dim0, dim1) swaps two dims, as torch.transpose does; got "
            f"transpose(x{', ' + given if given else ''}). For a permutation of all dims "
            "(NumPy's transpose(x, axes)) use permute(x, dims); to reverse the dims, x.T"
        )
    return swapaxes(x, int_arg(dim0, "transpose", "dim0", 2), int_arg(dim1, "transpose", "dim1", 3))


class SwapAxes(Function):
    reads_inputs = False  # its backward reads the inputs' shapes, not their values

    def __init__(self, a: int, b: int) -> None:
        self.a, self.b = a, b

    def forward(self, x: Any) -> Any:
        return x.swapaxes(self.a, self.b)

    def backward(self, gy: Tensor) -> Tensor:
        return swapaxes(gy, self.a, self.b)


def swapaxes(x: Tensor, a: int, b: int) -> Tensor:
    """Exchange axes ``a`` and ``b``."""
    _norm_axis(a, x.ndim, "swapaxes")
    _norm_axis(b, x.ndim, "swapaxes")
    if x.ndim == 0:  # swapping axis 0 / -1 of a 0-d tensor: a view of it, as PyTorch's
        return Reshape(())(x)
    return SwapAxes(a, b)(x)


def _expand_words(shape: tuple[int, ...], target: tuple[int, ...]) -> str:
    """PyTorch's words for ``expand`` of ``shape`` to ``target`` failing: too few sizes, or
    the first trailing dim that neither matches nor is 1."""
    if len(target) < len(shape):
        return (
            f"expand: the number of sizes provided ({len(target)}) must be greater or equal to "
            f"the number of dimensions in the tensor ({len(shape)})"
        )
    for i in range(1, len(shape) + 1):
        s, t = shape[-i], target[-i]
        if s != t and s != 1 and t != -1:
            return (
                f"The expanded size of the tensor ({t}) must match the existing size ({s}) at "
                f"non-singleton dimension {len(target) - i}.  Target sizes: {list(target)}.  "
                f"Tensor sizes: {list(shape)}"
            )
    return f"expand: cannot expand a tensor of shape {list(shape)} to {list(target)}"


class BroadcastTo(Function):
    reads_inputs = False  # its backward reads the inputs' shapes, not their values

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, x: Any) -> Any:
        try:
            return backend.xp.broadcast_to(x, self.shape)
        except ValueError:
            raise ShapeMismatchError(
                f"{_expand_words(x.shape, self.shape)} (broadcast_to: cannot broadcast shape "
                f"{x.shape} to {self.shape})"
            ) from None

    def backward(self, gy: Tensor) -> Tensor:
        return sum_to(gy, self.inputs[0].shape)


def broadcast_to(x: Tensor, shape: int | Sequence[int]) -> Tensor:
    """``x`` repeated along size-1 (or new leading) axes to ``shape`` (a read-only view; to
    its own shape a writable view, as PyTorch's). ``-1`` keeps an axis's size
    (``torch.broadcast_to``, which is ``Tensor.expand``)."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    lead = len(shape) - x.ndim
    shape = tuple(x.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(shape))
    if x.shape == shape:
        return Reshape(shape)(x)
    return BroadcastTo(shape)(x)


def expand(x: Tensor, shape: int | Sequence[int]) -> Tensor:
    """Deprecated: PyTorch has ``expand`` only as a method (``x.expand(*sizes)``); the function
    is :func:`broadcast_to`."""
    import warnings

    warnings.warn(
        "deepgrad.functional.expand is deprecated: torch has no module-level expand; use "
        "broadcast_to(x, shape) (torch.broadcast_to) or the method x.expand(*sizes)",
        DeprecationWarning,
        stacklevel=2,
    )
    return broadcast_to(x, shape)


class SumTo(Function):
    reads_inputs = False  # its backward reads the inputs' shapes, not their values

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, x: Any) -> Any:
        return sum_to_array(x, self.shape)

    def backward(self, gy: Tensor) -> Tensor:
        return broadcast_to(gy, self.inputs[0].shape)


def sum_to(x: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum ``x`` down to ``shape``: the adjoint of broadcasting (used by every backward)."""
    if x.shape == shape:
        return x
    return SumTo(tuple(shape))(x)


@torch_names
def squeeze(x: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """Remove dims of size 1 (all of them, or those of the given ones that have size 1)."""
    if dim is None:
        shape = tuple(s for s in x.shape if s != 1)
    else:
        axes = set(_norm_dims(dim, x.ndim, "squeeze"))
        if x.ndim == 0:  # squeeze(0) / squeeze(-1) of a 0-d tensor: a view, as PyTorch's
            return reshape(x, ())
        # a named dim of another size than 1 stays, as in PyTorch (``x.squeeze(-1)`` of an
        # (N, C) tensor is itself)
        shape = tuple(s for i, s in enumerate(x.shape) if i not in axes or s != 1)
    return reshape(x, shape)


@torch_names
def unsqueeze(x: Tensor, dim: int) -> Tensor:
    """Insert a dim of size 1 at position ``dim`` (``-x.ndim - 1 <= dim <= x.ndim``)."""
    dim = int_arg(dim, "unsqueeze", "dim", 2)
    if not -x.ndim - 1 <= dim <= x.ndim:
        raise dim_error("unsqueeze", dim, x.ndim, extra=1 if x.ndim else 0)
    a = dim % (x.ndim + 1)
    return reshape(x, x.shape[:a] + (1,) + x.shape[a:])


@torch_names
def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim..end_dim`` into one (``flatten(x, 1)`` keeps the batch)."""
    if x.ndim == 0:  # PyTorch: 0-d → (1,), for dims 0 / -1 only
        _norm_axis(start_dim, 0, "flatten")
        _norm_axis(end_dim, 0, "flatten")
        return reshape(x, (1,))
    s = _norm_axis(start_dim, x.ndim, "flatten")
    e = _norm_axis(end_dim, x.ndim, "flatten")
    if s > e:
        raise ShapeMismatchError(
            f"flatten() has invalid args: start_dim cannot come after end_dim (flatten: "
            f"start_dim {start_dim} cannot come after end_dim {end_dim} "
            f"(dims {s} and {e} of a tensor with {x.ndim} dims))"
        )
    if s == e:  # nothing to merge: ``x`` itself, as PyTorch's
        return x
    size = 1
    for d in x.shape[s : e + 1]:
        size *= d
    return reshape(x, x.shape[:s] + (size,) + x.shape[e + 1 :])


class Concat(Function):
    reads_inputs = False  # its backward reads the inputs' shapes, not their values

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *xs: Any) -> Any:
        return backend.xp.concatenate(xs, axis=self.axis)

    def backward(self, gy: Tensor) -> tuple:
        out, start = [], 0
        pre = (slice(None),) * self.axis
        for x, need in zip(self.inputs, self.needs_input_grad):
            n = x.shape[self.axis]
            out.append(getitem(gy, pre + (slice(start, start + n),)) if need else None)
            start += n
        return tuple(out)


@torch_names
def concat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dim."""
    ts = [as_tensor(t) for t in tensors]
    if not ts:
        raise ShapeMismatchError(
            "torch.cat(): expected a non-empty list of Tensors (concat: expected at least one "
            "tensor)"
        )
    dt = ts[0]._data.dtype
    for t in ts[1:]:  # PyTorch's promotion (int64 with float32 is float32), not NumPy's
        dt = backend.promote_types(dt, t._data.dtype)
    # a 1-d empty tensor (``torch.tensor([])``) joins anything, as in PyTorch's cat
    ts = [t for t in ts if t.shape != (0,)] or ts[:1]
    ts = [t if t._data.dtype == dt else t.to(dt) for t in ts]
    axis = _norm_axis(dim, ts[0].ndim, "concat")
    for t in ts[1:]:
        if t.ndim != ts[0].ndim:
            raise ShapeMismatchError(
                f"Tensors must have same number of dimensions: got {ts[0].ndim} and {t.ndim} "
                f"(concat: shapes {ts[0].shape} and {t.shape})"
            )
        if any(a != b for i, (a, b) in enumerate(zip(t.shape, ts[0].shape)) if i != axis):
            raise ShapeMismatchError(
                f"Sizes of tensors must match except in dimension {axis} (concat: shapes "
                f"{ts[0].shape} and {t.shape} differ outside dim {axis})"
            )
    return Concat(axis)(*ts)


@torch_names
def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors of one shape along a new dim."""
    ts = [as_tensor(t) for t in tensors]
    if not ts:
        raise ShapeMismatchError("stack expects a non-empty TensorList (got no tensors)")
    for i, t in enumerate(ts[1:], 1):
        if t.shape != ts[0].shape:
            raise ShapeMismatchError(
                f"stack expects each tensor to be equal size, but got {list(ts[0].shape)} at "
                f"entry 0 and {list(t.shape)} at entry {i}"
            )
    a = _norm_axis(dim, ts[0].ndim + 1, "stack")
    return concat([unsqueeze(t, a) for t in ts], a)


class Split(Function):
    reads_inputs = False  # its backward reads the inputs' shapes, not their values

    def __init__(self, bounds: list[int], axis: int) -> None:
        self.bounds, self.axis = bounds, axis

    def forward(self, x: Any) -> Any:
        return tuple(backend.xp.split(x, self.bounds, axis=self.axis))

    def backward(self, *gys: Tensor | None) -> Tensor:
        x = self.inputs[0]
        edges = [0, *self.bounds, x.shape[self.axis]]
        parts = []
        for i, g in enumerate(gys):
            if g is None:
                shape = list(x.shape)
                shape[self.axis] = edges[i + 1] - edges[i]
                dtype = next(gg for gg in gys if gg is not None).dtype
                g = Tensor._from_op(backend.xp.zeros(shape, dtype), None, 0)
            parts.append(g)
        return concat(parts, self.axis)


@torch_names
def split(x: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple:
    """Split ``x`` along ``dim`` into chunks of ``split_size`` (an int, PyTorch's meaning) or
    into pieces of the listed sizes."""
    axis = _norm_axis(dim, x.ndim, "split")
    n = x.shape[axis]
    sections = split_size_or_sections
    if not hasattr(sections, "__iter__") or getattr(sections, "ndim", 1) == 0:  # one size
        size = int_arg(sections, "split", "split_size", 2)
        if size < 0 or (size == 0 and n):
            raise ShapeMismatchError(
                f"split_size can only be 0 if dimension size is 0, but got dimension size of "
                f"{n} (split: split_size must be positive, got {size})"
            )
        if size == 0:  # PyTorch: one empty piece
            return (x.clone(),)
        sizes = [size] * (n // size) + ([n % size] if n % size else [])
    else:
        sizes = list(ints_arg(sections, "split_with_sizes", "split_sizes", 2))
        if sum(sizes) != n:
            raise ShapeMismatchError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's "
                f"size at dimension {axis}), but got split_sizes={sizes} (split: sizes {sizes} "
                f"do not add up to {n} (axis {axis}))"
            )
    bounds, acc = [], 0
    for s in sizes[:-1]:
        acc += s
        bounds.append(acc)
    return Split(bounds, axis)(x)


@torch_names
def unbind(x: Tensor, dim: int = 0) -> tuple:
    """The slices of ``x`` along ``dim``, that dim removed: a tuple of ``x.shape[dim]``
    tensors (``x[i]`` for ``dim=0``). Differentiable; one graph node for all the slices.

    >>> import deepgrad as dg
    >>> [t.tolist() for t in dg.tensor([[1, 2], [3, 4]]).unbind(1)]
    [[1, 3], [2, 4]]
    """
    if x.ndim == 0:
        raise ValueError("unbind: expects a tensor with at least 1 dim, got a 0-d tensor")
    axis = _norm_axis(dim, x.ndim, "unbind")
    n = x.shape[axis]
    if n == 0:
        return ()
    pieces = Split(list(range(1, n)), axis)(x)
    rest = x.shape[:axis] + x.shape[axis + 1 :]
    return tuple(reshape(p, rest) for p in pieces)


def _is_advanced(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return any(not (i is None or i is Ellipsis or isinstance(i, (int, slice))) for i in items)


class GetItem(Function):
    reads_inputs = False  # its backward reads the inputs' shapes, not their values

    def __init__(self, index: Any) -> None:
        self.index = index

    def forward(self, x: Any) -> Any:
        y = x[self.index]
        if not isinstance(y, backend.xp.ndarray):  # NumPy's scalar for an element: take the
            # 0-d view instead, so that ``c[i][j] += 1`` writes into ``c`` as in PyTorch
            idx = self.index if isinstance(self.index, tuple) else (self.index,)
            y = x[(*idx, Ellipsis)]
        return y

    def backward(self, gy: Tensor) -> Tensor:
        return GetItemGrad(self.index, self.inputs[0].shape)(gy)


class GetItemGrad(Function):
    """Scatter ``gy`` into zeros of the input's shape (repeated indices add up)."""

    def __init__(self, index: Any, shape: tuple[int, ...]) -> None:
        self.index, self.shape = index, shape

    def forward(self, gy: Any) -> Any:
        gx = backend.xp.zeros(self.shape, gy.dtype)
        if _is_advanced(self.index):
            backend.ufunc_at("add", gx, self.index, gy)
        else:
            gx[self.index] = gy
        return gx

    def backward(self, ggx: Tensor) -> Tensor:
        return GetItem(self.index)(ggx)


def getitem(x: Tensor, index: Any) -> Tensor:
    """``x[index]`` with ints, slices, None, Ellipsis, integer arrays (tensors, lists) or
    boolean masks, by PyTorch's rule where it differs from NumPy's (see
    :func:`_pytorch_index`): ``x[0, :, [0, 0, 1]]`` on ``(2, 3, 4)`` has shape ``(3, 3)``,
    rows from the middle dim. The gradient scatters back (repeated indices add up)."""
    try:
        basic, advanced = _pytorch_index(_index_arrays(index), x.ndim)
        _check_device_bounds(x.shape, basic)
        y = GetItem(basic)(x)
        if advanced is None:
            return y
        _check_device_bounds(y.shape, advanced)
        return GetItem(advanced)(y)
    except IndexError as exc:
        raise IndexError(f"getitem: {exc} (tensor of shape {x.shape})") from None
    except ValueError as exc:  # CuPy's word for index arrays that do not broadcast together
        if "broadcast" not in str(exc):
            raise
        raise IndexShapeError(
            f"getitem: shape mismatch: indexing tensors could not be broadcast together ({exc}; "
            f"tensor of shape {x.shape})"
        ) from None


class Contiguous(Function):
    """A row-major copy; the gradient passes through unchanged."""

    reads_inputs = False  # its backward reads the inputs' shapes, not their values

    def forward(self, x: Any) -> Any:
        return x.copy(order="C")

    def backward(self, gy: Tensor) -> Tensor:
        return gy


def contiguous(x: Tensor) -> Tensor:
    """``x``'s values in a row-major (C-contiguous) array."""
    return Contiguous()(x)


class Clone(Function):
    """``x.clone()``: a copy laid out by ``layout`` (a function of the array returning a new
    array); the gradient passes through unchanged. A copy, bit for bit: ``x + 0`` would turn
    ``-0.0`` into ``+0.0``."""

    reads_inputs = False  # its backward reads nothing of the input

    def __init__(self, layout: Any) -> None:
        self.layout = layout

    def forward(self, x: Any) -> Any:
        return self.layout(x)

    def backward(self, gy: Tensor) -> Tensor:
        return gy


def copy_as(x: Tensor, layout: Any) -> Tensor:
    """:class:`Clone`: ``x``'s values copied by ``layout``, differentiable (``x.clone()``)."""
    return Clone(layout)(x)


def _tri_mask(x: Tensor, diagonal: int, lower: bool, fn: str) -> Any:
    if x.ndim < 2:
        raise ShapeMismatchError(
            f"{fn}: input tensor must have at least 2 dimensions ({fn}: expected a tensor with "
            f"at least 2 dims, got shape {x.shape})"
        )
    diagonal = int_arg(diagonal, fn, "diagonal", 2)
    n, m = x.shape[-2:]
    if lower:  # j <= i + diagonal
        return backend.xp.tri(n, m, k=int(diagonal), dtype=bool)
    return ~backend.xp.tri(n, m, k=int(diagonal) - 1, dtype=bool)  # j >= i + diagonal


def tril(x: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dims: ``x[..., i, j]`` where ``j <= i + diagonal``,
    0 elsewhere (the gradient likewise).

    >>> import deepgrad as dg
    >>> dg.tril(dg.ones(2, 3)).tolist()
    [[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]]
    """
    return _keep_where(x, _tri_mask(x, diagonal, True, "tril"))


def triu(x: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dims: ``x[..., i, j]`` where ``j >= i + diagonal``,
    0 elsewhere."""
    return _keep_where(x, _tri_mask(x, diagonal, False, "triu"))


def _keep_where(x: Tensor, keep: Any) -> Tensor:
    from .elementwise import where

    zero = Tensor._from_op(backend.xp.zeros((), x.dtype), None, 0)
    return where(keep, x, zero)


class Pad(Function):
    reads_inputs = False  # its backward reads the inputs' shapes, not their values

    def __init__(self, pad_width: tuple, value: float) -> None:
        self.pad_width, self.value = pad_width, value

    def forward(self, x: Any) -> Any:
        return backend.xp.pad(x, self.pad_width, constant_values=self.value)

    def backward(self, gy: Tensor) -> Tensor:
        index = tuple(slice(b, s - a) for (b, a), s in zip(self.pad_width, gy.shape))
        return getitem(gy, index)


#: ``pad`` modes other than ``"constant"``, with NumPy's name for each
_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


class PadMode(Function):
    """Pad by copying the input's own values (``mode`` reflect, replicate or circular).

    Along each axis of size ``n`` padded by ``(b, a)``, output position ``k`` (``0 <= k <
    b + n + a``) reads input position ``src(k - b)``, with ``src(i)`` = ``i`` inside and

    * reflect: ``-i`` left, ``2(n-1) - i`` right (the edge itself is not repeated);
    * replicate: ``0`` left, ``n - 1`` right;
    * circular: ``i mod n``.

    The axes are independent, so the map is a gather; its backward is the matching scatter
    (:class:`PadModeAdjoint`), whose backward is this gather again."""

    def __init__(self, pad_width: tuple, mode: str) -> None:
        self.pad_width, self.mode = pad_width, mode

    def forward(self, x: Any) -> Any:
        return backend.xp.pad(x, self.pad_width, mode=_PAD_MODES[self.mode])

    def backward(self, gy: Tensor) -> Tensor:
        return PadModeAdjoint(self.pad_width, self.mode)(gy)


class PadModeAdjoint(Function):
    """Adjoint of :class:`PadMode`: ``gy`` (padded shape) → ``gx`` (input shape), each padded
    position's value added to the input position it was copied from, one axis at a time."""

    def __init__(self, pad_width: tuple, mode: str) -> None:
        self.pad_width, self.mode = pad_width, mode

    def forward(self, gy: Any) -> Any:
        g = gy
        for axis, (b, a) in enumerate(self.pad_width):
            if b or a:
                g = self._fold(g, axis, b, a)
        return g

    def _fold(self, g: Any, axis: int, b: int, a: int) -> Any:
        """Fold the ``b`` leading and ``a`` trailing positions of ``axis`` back onto the
        ``n`` inner ones."""
        n = g.shape[axis] - b - a

        def at(sl: slice) -> tuple:
            return (slice(None),) * axis + (sl,)

        gx = g[at(slice(b, b + n))].copy()
        left, right = g[at(slice(0, b))], g[at(slice(b + n, b + n + a))]
        if self.mode == "replicate":
            if b:
                gx[at(slice(0, 1))] += left.sum(axis=axis, keepdims=True)
            if a:
                gx[at(slice(n - 1, n))] += right.sum(axis=axis, keepdims=True)
        elif self.mode == "reflect":  # left k -> b - k, right b + n + k -> n - 2 - k
            if b:
                gx[at(slice(1, b + 1))] += backend.xp.flip(left, axis)
            if a:
                gx[at(slice(n - 1 - a, n - 1))] += backend.xp.flip(right, axis)
        else:  # circular: left k -> n - b + k, right b + n + k -> k
            if b:
                gx[at(slice(n - b, n))] += left
            if a:
                gx[at(slice(0, a))] += right
        return gx

    def backward(self, ggx: Tensor) -> Tensor:
        return PadMode(self.pad_width, self.mode)(ggx)


def _pad_pairs(pad_width: Any, ndim: int) -> tuple[tuple[int, int], ...]:
    """One ``(before, after)`` pair per axis from any of ``pad``'s three forms. Its numbers
    are PyTorch's "tuple of ints": Python or NumPy ints, or integer tensors of one element;
    a bool, a float (``1.0`` too), a float tensor, or a pad that is one bool, float or tensor
    is PyTorch's ``TypeError``, in its words (never a silent ``True == 1``)."""
    if isinstance(pad_width, (int, numpy.integer)) and not isinstance(pad_width, bool):
        return ((int(pad_width), int(pad_width)),) * ndim
    if isinstance(pad_width, (Tensor, str, bytes)) or not hasattr(pad_width, "__iter__"):
        raise IntArgumentError(
            f"pad(): argument 'pad' (position 2) must be tuple of ints, not "
            f"{_type_words(pad_width)} (PyTorch's flat tuple, e.g. (1, 1); deepgrad also "
            "takes one int for every side)"
        )
    items = tuple(pad_width)
    if not any(isinstance(p, (tuple, list, numpy.ndarray)) for p in items):
        # PyTorch's flat tuple, from the last axis backwards (empty: nothing to pad)
        items = ints_arg(items, "pad", "pad", 2)
        if len(items) % 2:
            raise ValueRangeError(
                f"Padding length must be divisible by 2, got pad {pad_width!r} (PyTorch's "
                "flat tuple: (before, after) pairs from the last axis backwards)"
            )
        if len(items) > 2 * ndim:
            raise ValueRangeError(
                "Padding length should be less than or equal to two times the input dimension "
                f"but got padding length {len(items)} and input of dimension {ndim} (pad "
                f"{pad_width!r}: (before, after) pairs from the last axis backwards)"
            )
        pairs = [(int(items[i]), int(items[i + 1])) for i in range(0, len(items), 2)]
        return tuple([(0, 0)] * (ndim - len(pairs)) + pairs[::-1])  # negative: a crop
    # NumPy's pad_width: a (before, after) pair (or one int) per axis, the first axis first
    pw = [
        ints_arg(p if isinstance(p, (tuple, list, numpy.ndarray)) else (p, p), "pad", "pad", 2)
        for p in items
    ]
    if len(pw) != ndim or any(len(p) != 2 or min(p) < 0 for p in pw):
        raise ValueError(
            f"pad: expected PyTorch's flat pad tuple or {ndim} non-negative (before, after) "
            f"pairs, got {pad_width!r}"
        )
    return tuple((int(b), int(a)) for b, a in pw)


def _pad_value(value: Any) -> Any:
    """``pad``'s fill as PyTorch's parser takes a "float": a real Python or NumPy number
    (a bool too) or a 0-d real tensor (as its number); a complex number, a string, an array
    or a tensor of more dims is PyTorch's ``TypeError``."""
    if value is None or (isinstance(value, numbers.Real) and not isinstance(value, Tensor)):
        return value
    if isinstance(value, numpy.bool_):
        return builtins.bool(value)
    if isinstance(value, Tensor) and value.ndim == 0:
        if value._data.dtype.kind == "c":  # PyTorch: "cannot be converted ... without overflow"
            raise DtypeError(
                f"pad: value must be a real number, got a complex tensor ({value.item()!r}); "
                "PyTorch cannot convert it to a float fill either"
            )
        return value.item()
    got = f"a {value.ndim}-d Tensor" if isinstance(value, Tensor) else _type_words(value)
    raise TypeError(
        f"pad(): argument 'value' (position 4) must be float, not {got} (pad: the fill is one "
        "real number, e.g. value=0.0)"
    )


def pad(
    x: Tensor, pad: int | Sequence, mode: str = "constant", value: float | None = None
) -> Tensor:
    """Pad ``x``, with PyTorch's signature ``pad(input, pad, mode="constant", value=None)``.

    ``pad`` is PyTorch's flat tuple, read from the **last** axis backwards:
    ``(left, right)`` pads the last axis, ``(left, right, top, bottom)`` the last two, and so
    on (an even length up to ``2 · ndim``; ``()`` gives a copy of the input). Two other forms, which ``torch.nn.functional.pad``
    refuses and so cannot be mistaken for it, are accepted too: NumPy's ``pad_width``, one
    ``(before, after)`` pair per axis from the first (``((0, 0), (1, 2))``), and one int for
    every side of every axis. Its numbers are PyTorch's "tuple of ints" (Python or NumPy ints,
    integer tensors of one element); a bool or a float in it, a ``mode`` that is not a str, or
    a ``value`` that is not one real number (a complex, a str, a 1-d tensor) is PyTorch's
    ``TypeError``.

    ``mode`` (PyTorch's names):

    * ``"constant"``: fill with ``value`` (0 when None);
    * ``"reflect"``: mirror at the edge without repeating it (``[1 2 3]`` padded by 2 →
      ``[3 2 1 2 3 2 1]``); each padding must be smaller than the axis;
    * ``"replicate"``: repeat the edge value (``[1 1 1 2 3 3 3]``);
    * ``"circular"``: wrap around (``[2 3 1 2 3 1 2]``); each padding at most the axis size.

    Shape ``(..., n, ...)`` → ``(..., before + n + after, ...)``; the gradient adds each padded
    position's gradient into the input position it copies. A negative pad in PyTorch's flat
    tuple crops that side, as PyTorch: ``"constant"`` and ``"circular"`` crop first and pad
    what is left (``(-1, 2)`` drops the first element of the last axis, then pads two at its
    end), ``"reflect"`` and ``"replicate"`` pad from the input's own edges and then crop
    (leaving at least one element, as PyTorch); the gradient is zero where it cropped.

    Widths the input does not fit (cropping more than an axis holds, reflect/circular
    widths beyond the axis, an empty padded axis) and a flat tuple of odd length or of more
    pairs than axes raise ``ValueRangeError``: PyTorch's ``RuntimeError``, also a
    ``ValueError``.

    >>> import deepgrad as dg
    >>> pad(dg.zeros(2, 3), (1, 2)).shape        # the last axis: 1 + 3 + 2
    (2, 6)
    >>> pad(dg.zeros(2, 3), ((1, 1), (0, 0))).shape  # NumPy's pairs, first axis first
    (4, 3)
    """
    if isinstance(mode, (int, float)) and not isinstance(mode, bool):
        raise TypeError(
            f"pad: the third argument is the mode (PyTorch's order: pad(input, pad, mode, "
            f"value)), got {mode!r}; pass value={mode!r} for a constant fill"
        )
    if not isinstance(mode, str):  # PyTorch's argument parser: a str only
        raise TypeError(
            f"pad(): argument 'mode' (position 3) must be str, not {_type_words(mode)} (one of "
            "'constant', 'reflect', 'replicate', 'circular')"
        )
    value = _pad_value(value)
    if mode != "constant" and mode not in _PAD_MODES:  # PyTorch checks it first
        raise ChoiceNotImplementedError(
            f"Unrecognised padding mode {mode} (pad: mode must be one of 'constant', 'reflect', "
            f"'replicate', 'circular', got {mode!r})"
        )
    pad_width = pad
    if x.ndim == 0 and (isinstance(pad_width, (int, numpy.integer)) or len(pad_width)):
        raise ValueRangeError(  # PyTorch's RuntimeError (a pad longer than twice 0 dims)
            f"pad: cannot pad a 0-d tensor (shape ()): it has no axes; got pad "
            f"{pad_width!r} (reshape it to 1-d first)"
        )
    pw = _pad_pairs(pad_width, x.ndim)
    if mode != "constant" and not isinstance(pad_width, (int, numpy.integer)):
        _check_mode_pad(x, pad_width, mode, value)
    if not pw or (mode == "constant" and not any(b or a for b, a in pw)):
        return x.clone()  # PyTorch's F.pad(x, ()): a copy of the input
    value = 0.0 if value is None else value
    if not any(min(p) < 0 for p in pw):
        return _pad_pairs_mode(x, pw, mode, value)
    # PyTorch's negative pads crop: constant and circular crop first and pad the rest;
    # reflect and replicate pad the input first (from its own edges) and then crop
    late = mode in ("reflect", "replicate")
    # PyTorch's 1-D reflect/replicate kernels need an output of at least 1; its 2-D and 3-D
    # ones accept an empty output
    one_d = late and not isinstance(pad_width, (int, numpy.integer)) and len(pad_width) == 2
    for axis, ((b, a), n) in enumerate(zip(pw, x.shape)):
        low = 1 if one_d and min(b, a) < 0 else 0
        if (not late and n + min(b, 0) + min(a, 0) < 0) or n + b + a < low:
            raise ValueRangeError(
                f"pad: padding {(b, a)} on axis {axis} of size {n} crops more than the "
                f"axis holds{' (mode ' + repr(mode) + ' leaves at least 1)' if low else ''} "
                f"(input shape {x.shape})"
            )
    positive = tuple((max(b, 0), max(a, 0)) for b, a in pw)
    if late:
        x = _pad_pairs_mode(x, positive, mode, value)
    crop = tuple(slice(-min(b, 0), n + min(a, 0)) for (b, a), n in zip(pw, x.shape))
    x = getitem(x, crop)  # its gradient is the adjoint: zeros where it cropped
    return x if late else _pad_pairs_mode(x, positive, mode, value)


def _check_mode_pad(x: Tensor, pad_width: Sequence, mode: str, value: float | None) -> None:
    """PyTorch's rules for a non-constant ``mode`` with its flat pad tuple: no fill ``value``,
    and 2, 4 or 6 numbers padding the last 1, 2 or 3 axes of an input with one or two more
    axes (batch and channels, or channels only)."""
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    n = len(pad_width)
    flat = all(isinstance(p, (int, numpy.integer)) for p in pad_width)
    if flat and (n not in (2, 4, 6) or x.ndim not in (n // 2 + 1, n // 2 + 2)):
        raise NotImplementedError(
            f"Padding size {n} is not supported for {x.ndim}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
        )
    if flat and mode in ("reflect", "replicate"):
        rest = x.shape[1:] if x.ndim == n // 2 + 2 else x.shape
        if 0 in rest:
            raise ValueRangeError(
                f"pad: mode {mode!r} expects a tensor with possibly 0 batch size and other "
                f"non-zero dimensions (as PyTorch), got shape {x.shape}"
            )


def _pad_pairs_mode(x: Tensor, pw: tuple, mode: str, value: float) -> Tensor:
    """``x`` padded by the non-negative ``(before, after)`` pairs ``pw`` in ``mode``."""
    if mode == "constant":
        return Pad(pw, value)(x)
    for axis, ((b, a), n) in enumerate(zip(pw, x.shape)):
        if not (b or a):
            continue
        if n == 0:
            raise ValueRangeError(
                f"pad: mode {mode!r} cannot pad axis {axis} of size 0 (input shape {x.shape})"
            )
        if (mode == "reflect" and max(b, a) >= n) or (mode == "circular" and max(b, a) > n):
            need = "smaller than" if mode == "reflect" else "at most"
            raise ValueRangeError(
                f"pad: mode {mode!r} needs each padding {need} the axis size, got padding "
                f"{(b, a)} on axis {axis} of size {n} (input shape {x.shape})"
            )
    if not any(b or a for b, a in pw):
        return x.clone()  # a new tensor, as PyTorch's
    return PadMode(pw, mode)(x)


# ---- PyTorch's other movement functions -------------------------------------------------------
class Flip(Function):
    reads_inputs = False  # its backward reads the inputs' shapes, not their values

    def __init__(self, axes: tuple[int, ...]) -> None:
        self.axes = axes

    def forward(self, x: Any) -> Any:
        return backend.xp.flip(x, self.axes).copy()  # a new tensor, as PyTorch's (no view)

    def backward(self, gy: Tensor) -> Tensor:
        return Flip(self.axes)(gy)


@torch_names
def flip(x: Tensor, dims: int | Sequence[int]) -> Tensor:
    """Reverse the order of elements along ``dims``: ``y[..., i, ...] = x[..., n-1-i, ...]``
    (same shape; its own inverse, so the gradient is the flipped gradient)."""
    axes = _norm_dims(dims, x.ndim, "flip")
    if x.ndim == 0 or not axes:
        return x.clone()
    return Flip(axes)(x)


class Roll(Function):
    reads_inputs = False  # its backward reads the inputs' shapes, not their values

    def __init__(self, shifts: tuple[int, ...], axes: tuple[int, ...]) -> None:
        self.shifts, self.axes = shifts, axes

    def forward(self, x: Any) -> Any:
        return backend.xp.roll(x, self.shifts, self.axes)

    def backward(self, gy: Tensor) -> Tensor:
        return Roll(tuple(-s for s in self.shifts), self.axes)(gy)


@torch_names
def roll(x: Tensor, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None) -> Tensor:
    """Shift elements circularly: ``y[..., (i + s) mod n, ...] = x[..., i, ...]`` along each
    of ``dims`` by the matching entry of ``shifts``; with ``dims=None`` the flattened tensor
    is rolled and the shape restored (PyTorch's ``roll``). The gradient rolls back by ``-s``."""
    sh = ints_arg(shifts, "roll", "shifts", 2)
    if dims is None:
        if len(sh) != 1:
            raise ValueError(f"roll: with dims=None, shifts must be one int, got {shifts!r}")
        return reshape(Roll(sh, (0,))(reshape(x, -1)), x.shape)
    ds = ints_arg(dims, "roll", "dims", 3)
    if len(sh) != len(ds):
        raise ShapeMismatchError(
            f"shifts and dimensions must align. shifts: {len(sh)}, dims:{len(ds)} (roll: shifts "
            f"and dims must align, got {len(sh)} shifts {sh} and {len(ds)} dims {ds})"
        )
    axes = tuple(_norm_axis(d, x.ndim, "roll") for d in ds)
    if x.ndim == 0 or not axes:
        return x.clone()
    return Roll(sh, axes)(x)


#: PyTorch's name for :func:`concat`
cat = concat


@torch_names
def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple:
    """Split ``x`` along ``dim`` into ``chunks`` pieces of ``ceil(n / chunks)`` elements (the
    last one smaller; fewer pieces when ``n`` does not fill them, as in PyTorch)."""
    chunks = int_arg(chunks, "chunk", "chunks", 2)
    if chunks <= 0:
        raise ShapeMismatchError(
            f"chunk expects `chunks` to be greater than 0, got: {chunks} (chunk: chunks must be "
            f"a positive int, got {chunks!r})"
        )
    if x.ndim == 0:
        raise ValueError("chunk: expected a tensor with at least 1 dim, got a 0-d tensor")
    axis = _norm_axis(dim, x.ndim, "chunk")
    n = x.shape[axis]
    if n == 0:  # PyTorch: `chunks` empty pieces
        return split(x, [0] * chunks, axis)
    return split(x, -(-n // chunks), axis)


def repeat(x: Tensor, sizes: int | Sequence[int]) -> Tensor:
    """Tile ``x`` ``sizes[d]`` times along each dim (PyTorch's ``Tensor.repeat``, NumPy's
    ``tile``); ``len(sizes) >= x.ndim``, extra counts add leading dims.

    Shape ``(s_0, ..., s_k)`` → ``(r_0 s_0, ..., r_k s_k)``. Built as reshape to
    ``(1, s_0, 1, s_1, ...)``, broadcast to ``(r_0, s_0, r_1, s_1, ...)`` and reshape, so the
    gradient sums the copies."""
    reps = ints_arg(sizes, "repeat", "repeats", 1)
    if len(reps) < x.ndim:
        raise ShapeMismatchError(
            f"Number of dimensions of repeat dims can not be smaller than number of dimensions "
            f"of tensor (repeat: expected at least {x.ndim} repeat counts (one per dim of a "
            f"tensor of shape {x.shape}), got {reps})"
        )
    if any(r < 0 for r in reps):
        shape = (1,) * (len(reps) - x.ndim) + x.shape
        sizes_out = [r * s for r, s in zip(reps, shape)]
        bad = next(v for v in sizes_out if v < 0)
        raise ShapeMismatchError(
            f"Trying to create tensor with negative dimension {bad}: {sizes_out} (repeat: "
            f"repeat counts must be non-negative, got {reps})"
        )
    shape = (1,) * (len(reps) - x.ndim) + x.shape
    spread = tuple(v for s in shape for v in (1, s))
    copies = tuple(v for r, s in zip(reps, shape) for v in (r, s))
    out = tuple(r * s for r, s in zip(reps, shape))
    if out == x.shape:
        return x.clone()
    return reshape(broadcast_to(reshape(x, spread), copies), out)


@torch_names
def tile(x: Tensor, dims: int | Sequence[int]) -> Tensor:
    """PyTorch's ``tile``: :func:`repeat`, with ``dims`` padded by leading 1s when it has
    fewer entries than ``x`` has dims."""
    reps = ints_arg(dims, "tile", "dims", 2)
    return repeat(x, (1,) * (x.ndim - len(reps)) + reps)


@torch_names
def narrow(x: Tensor, dim: int, start: int, length: int) -> Tensor:
    """Elements ``start .. start + length - 1`` along ``dim`` (``start`` may be negative)."""
    if x.ndim == 0:
        raise ValueError("narrow: cannot be applied to a 0-d tensor")
    axis = _norm_axis(dim, x.ndim, "narrow")
    start, length = int_arg(start, "narrow", "start", 3), int_arg(length, "narrow", "length", 4)
    n = x.shape[axis]
    if not -n <= start <= n:
        raise ValueError(f"narrow: start {start} is out of range [{-n}, {n}] for axis {axis}")
    start = start + n if start < 0 else start
    if length < 0 or start + length > n:
        raise ShapeMismatchError(
            f"start ({start}) + length ({length}) exceeds dimension size ({n}). (narrow: start "
            f"({start}) + length ({length}) exceeds the size {n} of axis {axis} (shape {x.shape}))"
        )
    return getitem(x, (slice(None),) * axis + (slice(start, start + length),))


def movedim(x: Tensor, source: int | Sequence[int], destination: int | Sequence[int]) -> Tensor:
    """Move dims ``source`` to positions ``destination``; the others keep their order."""
    src = _norm_dims(source, x.ndim, "movedim")
    dst = _norm_dims(destination, x.ndim, "movedim")
    if len(src) != len(dst):
        raise ShapeMismatchError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
            f"contain the same number of dims as destination ({list(dst)} dims); "
            f"movedim: source {source} and destination {destination} need the same number of dims"
        )
    if x.ndim == 0:
        return x
    order = [a for a in range(x.ndim) if a not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(x, order)


@torch_names
def unflatten(x: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Split dim ``dim`` into several of shape ``sizes`` (one entry may be -1): the inverse
    of :func:`flatten`."""
    sizes = ints_arg(sizes, "unflatten", "sizes", 3)
    if x.ndim == 0:
        raise ValueError("unflatten: cannot be applied to a 0-d tensor")
    if not sizes:
        raise ValueError("unflatten: sizes must be non-empty")
    axis = _norm_axis(dim, x.ndim, "unflatten")
    n = x.shape[axis]
    known = 1
    for s in sizes:
        known *= s if s != -1 else 1
    if sizes.count(-1) > 1 or any(s < -1 for s in sizes):
        raise ShapeMismatchError(
            f"unflatten: only one dimension can be inferred (unflatten: sizes may hold one -1 "
            f"and no other negative, got {sizes})"
        )
    if -1 in sizes:
        if known == 0 or n % known:
            raise ShapeMismatchError(
                f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim "
                f"{axis} ({n}) in the input tensor (unflatten: sizes {sizes} cannot fill axis "
                f"{axis} of size {n} (shape {x.shape}))"
            )
        sizes = tuple(n // known if s == -1 else s for s in sizes)
    elif known != n:
        raise ShapeMismatchError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim "
            f"{axis} ({n}) in the input tensor (unflatten: sizes {sizes} multiply to {known}, "
            f"not to the size {n} of axis {axis} (shape {x.shape}))"
        )
    return reshape(x, x.shape[:axis] + sizes + x.shape[axis + 1 :])


# ---- gathering by integer index (gradients scatter-add through GetItemGrad) -----------------
def _index_array(index: Any, fn: str, long_only: bool = False, any_int: bool = False) -> Any:
    """The array of an index tensor of PyTorch's index dtypes, int64 or int32 (``long_only``:
    int64 alone, as PyTorch's ``take``, ``put``, ``take_along_dim``, ``index_copy``,
    ``index_fill``; ``any_int``: any integer dtype); any other dtype is refused."""
    arr = index._data if isinstance(index, Tensor) else backend.xp.asarray(index)
    wanted = ("int64",) if long_only else ("int64", "int32")
    if arr.dtype.kind not in "iu" or (not any_int and arr.dtype.name not in wanted):
        want = "int64" if long_only else "int64 (or int32)"
        raise IndexDtypeError(
            f"{fn}: index must be an integer tensor of dtype {want}, got dtype {arr.dtype}; "
            "convert it with .long()"
        )
    return arr


def _check_bounds(idx: Any, n: int, axis: int, fn: str) -> None:
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= n):
        bad = int(idx.min()) if int(idx.min()) < 0 else int(idx.max())
        raise IndexRangeError(
            f"{fn}: index {bad} is out of bounds for axis {axis} of size {n} (expected an "
            f"index in [0, {n - 1}])"
        )


@torch_names
def gather(x: Tensor, dim: int, index: Any, *, sparse_grad: bool = False) -> Tensor:
    """PyTorch's ``gather``: ``y[i][j][k] = x[index[i][j][k]][j][k]`` for ``dim=0`` (the
    index replaces the coordinate along ``dim``).

    ``index`` is an integer tensor with ``x``'s number of dims, no larger than ``x`` along the
    other dims, with entries in ``[0, x.shape[dim])``; the output has ``index``'s shape. The
    gradient adds each output gradient into the element it was read from. ``sparse_grad`` is
    accepted for PyTorch's signature (the gradient is dense: the same numbers)."""
    idx = _index_array(index, "gather")
    if x.ndim == 0 and idx.ndim <= 1:  # as PyTorch: a 0-d tensor acts as a 1-element vector
        _norm_axis(dim, 0, "gather")
        _check_bounds(idx, 1, 0, "gather")
        return reshape(gather(reshape(x, (1,)), 0, idx.reshape(-1)), idx.shape)
    axis = _norm_axis(dim, x.ndim, "gather")
    if idx.ndim != x.ndim:
        raise IndexShapeError(
            "Index tensor must have the same number of dimensions as input tensor (gather: "
            f"index of shape {idx.shape} has {idx.ndim} dims but the input of shape "
            f"{x.shape} has {x.ndim}: they need the same number of dims)"
        )
    for d, (i, s) in enumerate(zip(idx.shape, x.shape)):
        if d != axis and i > s:
            raise IndexShapeError(
                f"Size does not match at dimension {d} expected index {list(idx.shape)} to be no "
                f"larger than self {list(x.shape)} apart from dimension {axis} (gather: index of "
                f"shape {idx.shape} is larger than the input of shape {x.shape} along axis {d} "
                f"(only axis {axis} may differ))"
            )
    _check_bounds(idx, x.shape[axis], axis, "gather")
    xp = backend.xp
    full = tuple(
        idx
        if d == axis
        else xp.arange(idx.shape[d]).reshape([-1 if e == d else 1 for e in range(x.ndim)])
        for d in range(x.ndim)
    )
    return GetItem(full)(x)


@torch_names
def index_select(x: Tensor, dim: int, index: Any) -> Tensor:
    """The slices of ``x`` at positions ``index`` (1-D integer) along ``dim``: shape of ``x``
    with ``dim`` of size ``len(index)``; repeated indices add their gradients."""
    idx = _index_array(index, "index_select")
    if idx.ndim > 1:
        raise IndexShapeError(
            "index_select(): Index is supposed to be a vector (index_select: index must be 1-D "
            f"(or 0-d), got shape {idx.shape})"
        )
    axis = _norm_axis(dim, x.ndim, "index_select")
    if x.ndim == 0 and idx.size != 1:
        raise IndexShapeError(
            f"index_select: the index into a 0-d tensor must have one value, got {idx.size}"
        )
    _check_bounds(idx, x.shape[axis] if x.ndim else 1, axis, "index_select")
    if x.ndim == 0:  # PyTorch: a 0-d input gives its single element, 0-d
        return reshape(GetItem(idx.reshape(-1))(reshape(x, (1,))), ())
    return GetItem((slice(None),) * axis + (idx.reshape(-1),))(x)


@torch_names
def take_along_dim(x: Tensor, indices: Any, dim: int | None = None) -> Tensor:
    """PyTorch's ``take_along_dim`` (NumPy's ``take_along_axis``): :func:`gather` where
    ``x`` and ``indices`` (int64) broadcast against each other outside ``dim`` and negative
    indices count from the end. With ``dim=None`` both are flattened first, and the indices
    (int32 too) are in ``[0, x.numel())``: PyTorch refuses negative ones there."""
    idx = _index_array(indices, "take_along_dim", long_only=dim is not None)
    if dim is None:
        x, idx, axis = reshape(x, -1), idx.reshape(-1), 0
        _check_bounds(idx, x.shape[0], 0, "take_along_dim")
    else:
        if idx.ndim != x.ndim:
            raise IndexShapeError(
                f"take_along_dim: input of shape {x.shape} and indices of shape {idx.shape} "
                "need the same number of dims"
            )
        if x.ndim == 0:
            raise DimError(
                f"take_along_dim: dim {dim} given for a 0-d tensor, which has no dims; pass "
                "dim=None (PyTorch's rule)"
            )
        axis = _norm_axis(dim, x.ndim, "take_along_dim")
    n = x.shape[axis]
    if idx.size and (int(idx.min()) < -n or int(idx.max()) >= n):
        bad = int(idx.min()) if int(idx.min()) < -n else int(idx.max())
        raise IndexRangeError(
            f"take_along_dim: index {bad} is out of bounds for axis {axis} of size {n} "
            f"(expected an index in [{-n}, {n - 1}])"
        )
    idx = backend.xp.where(idx < 0, idx + n, idx)
    xs, js = list(x.shape), list(idx.shape)
    xs[axis] = js[axis] = 1
    try:
        common = numpy.broadcast_shapes(tuple(xs), tuple(js))
    except ValueError:
        raise IndexShapeError(
            f"take_along_dim: input of shape {x.shape} and indices of shape {idx.shape} do not "
            f"broadcast outside axis {axis}"
        ) from None
    xb = broadcast_to(x, common[:axis] + (n,) + common[axis + 1 :])
    ib = backend.xp.broadcast_to(idx, common[:axis] + (idx.shape[axis],) + common[axis + 1 :])
    return gather(xb, axis, ib)


class ValuesIndices(tuple):
    """``(values, indices)`` of :func:`sort`, :func:`topk` and ``max``/``min`` along a dim:
    a pair that unpacks (``values, idx = x.max(1)``) and reads by name as PyTorch's
    ``torch.return_types`` (``.values``, ``.indices``)."""

    def __repr__(self) -> str:
        return f"ValuesIndices(values={self[0]!r}, indices={self[1]!r})"

    @property
    def values(self) -> Tensor:
        return self[0]

    @property
    def indices(self) -> Tensor:
        return self[1]


@torch_names
def sort(x: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> ValuesIndices:
    """The values of ``x`` sorted along ``dim`` (ascending, or ``descending``), and the int64
    positions they came from: ``values = take_along_dim(x, indices, dim)``. NaN sorts as the
    largest value (last, or first when ``descending``), as PyTorch's. Tied values: with
    ``stable=True`` in their order; by default in PyTorch's order (its CPU kernel's
    ``std::sort``, an unstable sort beyond 16 elements: :mod:`deepgrad.functional.tie_order`).
    The gradient of ``values`` flows back to the positions read. ``descending`` and ``stable``
    are Python bools, as PyTorch's parser takes them."""
    descending = bool_arg(descending, "sort", "descending", 3)
    stable = False if stable is None else bool_arg(stable, "sort", "stable")
    _refuse_complex_order("sort", x)
    axis = _norm_axis(dim, max(x.ndim, 1), "sort")
    if x.ndim == 0:
        return ValuesIndices((x, Tensor._from_op(backend.xp.zeros((), numpy.int64), None, 0)))
    xp = backend.xp
    data = x._data
    if descending:
        # ~x reverses the order of bool, signed and unsigned ints without -x's overflow
        data = ~data if data.dtype.kind in "biu" else -data
    idx = xp.argsort(data, axis=axis, kind="stable").astype(numpy.int64)
    if descending and data.dtype.kind == "f":
        nan = xp.isnan(xp.take_along_axis(data, idx, axis))
        if nan.any():  # PyTorch's order: NaN is the largest, so first when descending
            idx = xp.take_along_axis(idx, xp.argsort(~nan, axis=axis, kind="stable"), axis)
    if not stable and x.shape[axis] > 16 and not backend.gpu:
        idx = _by_rows(x._data, idx, axis, lambda r, o: tie_order.sort_ties(r, o, descending))
    return ValuesIndices((take_along_dim(x, idx, axis), Tensor._from_op(idx, None, 0)))


def _by_rows(a: Any, order: Any, axis: int, fn: Callable[[Any, Any], Any]) -> Any:
    """``fn(rows, order_rows)`` on ``a`` and ``order`` seen as 2-D rows along ``axis``, its
    result (rows of any length) put back along ``axis``."""
    rows = numpy.moveaxis(a, axis, -1)
    lead = rows.shape[:-1]
    m = int(numpy.prod(lead, dtype=numpy.int64))
    r2 = rows.reshape(m, rows.shape[-1])
    o2 = numpy.moveaxis(order, axis, -1).reshape(m, order.shape[axis])
    out = fn(r2, o2)
    return numpy.moveaxis(out.reshape(lead + out.shape[-1:]), -1, axis)


@torch_names
def argsort(x: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
    """The int64 positions that sort ``x`` along ``dim`` (:func:`sort`'s indices: tied values
    in their order with ``stable=True``, else in PyTorch's)."""
    descending = bool_arg(descending, "argsort", "descending", 3)
    stable = bool_arg(stable, "argsort", "stable")
    return sort(x, dim, descending, stable)[1]


@torch_names
def topk(
    x: Tensor,
    k: int,
    dim: int = -1,
    largest: bool = True,
    sorted: bool = True,  # noqa: A002
) -> ValuesIndices:
    """The ``k`` largest (or smallest) values along ``dim`` and their int64 positions, largest
    first (PyTorch's ``topk``); differentiable in the values. Tied values, and the order with
    ``sorted=False``, are PyTorch's (its CPU kernel's selection:
    :mod:`deepgrad.functional.tie_order`). ``largest`` and ``sorted`` are Python bools, as
    PyTorch's parser takes them."""
    largest = bool_arg(largest, "topk", "largest", 4)
    sorted = bool_arg(sorted, "topk", "sorted", 5)  # noqa: A001 - PyTorch's name
    axis = _norm_axis(dim, max(x.ndim, 1), "topk")
    n = x.shape[axis] if x.ndim else 1
    k = int_arg(k, "topk", "k", 2)
    if not 0 <= k <= n:
        raise ValueRangeError(
            f"selected index k out of range (topk: k must be a whole number in [0, {n}] for dim {dim}, got {k})"
        )
    values, idx = sort(x, axis, descending=largest, stable=True)
    if x.ndim == 0:
        return ValuesIndices((values, idx))
    if backend.gpu:
        sl = (slice(None),) * axis + (slice(0, int(k)),)
        # getitem, not values[sl]: a new tensor for the caller, not a view (detach_ takes it)
        return ValuesIndices((getitem(values, sl), Tensor._from_op(idx._data[sl], None, 0)))
    picked = _by_rows(
        x._data, idx._data, axis, lambda r, o: tie_order.topk_ties(r, o, int(k), largest, sorted)
    )
    return ValuesIndices((take_along_dim(x, picked, axis), Tensor._from_op(picked, None, 0)))
