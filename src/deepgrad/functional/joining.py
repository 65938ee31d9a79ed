"""Joining tensors along a direction and splitting them back: PyTorch's (and NumPy's)
``hstack``/``vstack``/``dstack``/``column_stack``, the ``atleast_nd`` promotions they use, and
``tensor_split`` with its ``hsplit``/``vsplit``/``dsplit`` forms.

Everything here is built from :func:`~deepgrad.functional.shape.concat`,
:func:`~deepgrad.functional.shape.reshape` and slicing, so the gradients are theirs: a joined
tensor's gradient is cut back into the pieces, a split tensor's pieces' gradients are joined.

=============  ======================================================================
function       what it does (shapes)
=============  ======================================================================
atleast_1d     0-d → (1,)
atleast_2d     0-d → (1, 1), (n,) → (1, n)
atleast_3d     0-d → (1, 1, 1), (n,) → (1, n, 1), (m, n) → (m, n, 1)
hstack         concat along dim 1 (dim 0 for 1-D tensors)
vstack         ``atleast_2d`` then concat along dim 0 (``row_stack`` is its alias)
dstack         ``atleast_3d`` then concat along dim 2
column_stack   0-d and 1-D tensors as columns (n, 1), then concat along dim 1
block_diag     each tensor ``atleast_2d``, zero-padded to the total width, then concat along
               dim 0 (the blocks on the diagonal; dtypes promoted as ``cat``)
tensor_split   ``sections`` near-equal pieces (the first ``n % sections`` one longer), or
               pieces cut at the listed indices (NumPy's ``array_split``)
hsplit/vsplit  ``tensor_split`` along dim 1 (dim 0 for 1-D) / 0 / 2; a number of
/dsplit        sections must divide the dim evenly
=============  ======================================================================
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

from .. import backend
from .._errors import DtypeError, ShapeMismatchError, ints_arg, kernel_dtype_name
from .._names import torch_names
from ..tensor import Tensor, as_tensor
from .shape import _norm_axis, concat, getitem, pad, reshape


def _tensors(tensors: Any, fn: str) -> list[Tensor]:
    if isinstance(tensors, Tensor):
        raise TypeError(f"{fn}: expected a sequence of tensors, got a single tensor")
    ts = [as_tensor(t) for t in tensors]
    if not ts:
        raise ValueError(f"{fn}: expected a non-empty sequence of tensors")
    return ts


def _atleast(args: tuple, ndim: int, shape_of: Any) -> Any:
    """One tensor in, one out; several (or one sequence) in, a tuple out (as PyTorch)."""
    many = len(args) != 1 or isinstance(args[0], (list, tuple))
    ts = args[0] if len(args) == 1 and isinstance(args[0], (list, tuple)) else args
    out = tuple(reshape(t, shape_of(t.shape)) if t.ndim < ndim else t for t in map(as_tensor, ts))
    return out if many else out[0]


def atleast_1d(*tensors: Any) -> Any:
    """Each tensor with at least 1 dim (0-d → ``(1,)``)."""
    return _atleast(tensors, 1, lambda s: (1,))


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor with at least 2 dims (0-d → ``(1, 1)``, ``(n,)`` → ``(1, n)``)."""
    return _atleast(tensors, 2, lambda s: (1, *s) if s else (1, 1))


def atleast_3d(*tensors: Any) -> Any:
    """Each tensor with at least 3 dims (0-d → ``(1, 1, 1)``, ``(n,)`` → ``(1, n, 1)``,
    ``(m, n)`` → ``(m, n, 1)``)."""
    return _atleast(tensors, 3, lambda s: {0: (1, 1, 1), 1: (1, *s, 1), 2: (*s, 1)}[len(s)])


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join horizontally: along dim 1, or dim 0 for 1-D tensors (0-d ones become 1-D).

    >>> import deepgrad as dg
    >>> dg.hstack([dg.tensor([1, 2]), dg.tensor([3])]).tolist()
    [1, 2, 3]
    """
    ts = atleast_1d(_tensors(tensors, "hstack"))
    return concat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join vertically: each tensor at least 2-D (``(n,)`` → ``(1, n)``), then along dim 0.

    >>> import deepgrad as dg
    >>> dg.vstack([dg.tensor([1, 2]), dg.tensor([3, 4])]).tolist()
    [[1, 2], [3, 4]]
    """
    return concat(atleast_2d(_tensors(tensors, "vstack")), 0)


row_stack = vstack


def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join in depth: each tensor at least 3-D (see :func:`atleast_3d`), then along dim 2."""
    return concat(atleast_3d(_tensors(tensors, "dstack")), 2)


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """Join as columns: 0-d and 1-D tensors become ``(n, 1)`` columns, then along dim 1.

    >>> import deepgrad as dg
    >>> dg.column_stack([dg.tensor([1, 2]), dg.tensor([3, 4])]).tolist()
    [[1, 3], [2, 4]]
    """
    ts = _tensors(tensors, "column_stack")
    return concat([reshape(t, (t.numel(), 1)) if t.ndim <= 1 else t for t in ts], 1)


def block_diag(*tensors: Tensor) -> Tensor:
    """The block-diagonal matrix of ``tensors`` (PyTorch's ``block_diag``): each a 0-d (a
    ``1 × 1`` block), 1-D (a row ``1 × n``) or 2-D block, placed along the diagonal with zeros
    elsewhere; the dtype is the tensors' promoted one, as ``cat``'s. No tensor gives an empty
    ``(1, 0)`` matrix of the default dtype, as PyTorch.

    >>> import deepgrad as dg
    >>> dg.block_diag(dg.tensor(1), dg.tensor([2, 3])).tolist()
    [[1, 0, 0], [0, 2, 3]]
    """
    ts = [as_tensor(t) for t in tensors]
    for i, t in enumerate(ts):
        if t.ndim > 2:
            raise ShapeMismatchError(
                f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                f"{t.ndim} dimensions; "
                f"block_diag: input tensors must have 2 or fewer dimensions; input {i} has "
                f"shape {t.shape}"
            )
    if not ts:
        return Tensor._wrap(backend.xp.zeros((1, 0), backend.get_default_dtype()))
    blocks = atleast_2d(ts)
    width = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        rows.append(pad(b, (left, width - left - b.shape[1])))
        left += b.shape[1]
    return concat(rows, 0)


def _cuts(indices_or_sections: Any, n: int, fn: str) -> list[int] | int:
    """A number of sections (an int or a 0-d integer tensor) or a list of cut indices."""
    v = indices_or_sections
    if isinstance(v, Tensor):
        if v.dtype.kind not in "iu":  # PyTorch's RuntimeError (a TypeError too, as before)
            raise DtypeError(
                f"{fn} expected tensor_indices_or_sections to have dtype of long, but got "
                f"{kernel_dtype_name(v.dtype)} (a 0-d or 1-D integer tensor, e.g. "
                "dg.tensor([1, 3]))"
            )
        if v.ndim > 1:
            raise TypeError(
                f"{fn}: a tensor indices_or_sections must be a 0-d or 1-D integer tensor, "
                f"got dtype {v.dtype} and shape {v.shape}"
            )
        v = int(v.item()) if v.ndim == 0 else [int(i) for i in v.tolist()]
    if isinstance(v, numbers.Integral) and not isinstance(v, bool):
        if v <= 0:
            raise ShapeMismatchError(
                f"number of sections must be larger than 0, got {v} ({fn}: the number of "
                f"sections must be positive, got {v})"
            )
        return int(v)
    if isinstance(v, (list, tuple)):  # PyTorch's parser: a bool or float index is refused
        return list(ints_arg(v, fn, "indices", 2))
    raise TypeError(
        f"{fn}: expected an int number of sections or a list of indices, got {indices_or_sections!r}"
    )


_NO_SPLIT: Any = object()


def _sections_or_indices(fn: str, ios: Any, sections: Any, indices: Any) -> Any:
    """The split argument of ``tensor_split``/``hsplit``/``vsplit``/``dsplit``: positional, or
    by PyTorch's keywords ``sections=`` (an int) or ``indices=`` (a list of ints); deepgrad also
    takes NumPy's ``indices_or_sections=``. Exactly one of them."""
    given = {
        k: v
        for k, v in (("indices_or_sections", ios), ("sections", sections), ("indices", indices))
        if v is not _NO_SPLIT
    }
    if len(given) != 1:
        raise TypeError(
            f"{fn}() takes one of sections= (an int) or indices= (a list of ints), "
            f"positionally or by keyword; got {sorted(given) or 'none'}"
        )
    if "sections" in given and isinstance(sections, (list, tuple)):
        raise TypeError(
            f"{fn}(): argument 'sections' must be int, not {type(sections).__name__} "
            f"(pass indices={list(sections)!r} to split at those indices)"
        )
    if "indices" in given and not isinstance(indices, (list, tuple, Tensor)):
        raise TypeError(
            f"{fn}(): argument 'indices' must be tuple of ints, not {type(indices).__name__} "
            f"(pass sections={indices!r} for that many sections)"
        )
    return next(iter(given.values()))


@torch_names
def tensor_split(
    input: Tensor,  # noqa: A002
    indices_or_sections: Any = _NO_SPLIT,
    dim: int = 0,
    *,
    sections: Any = _NO_SPLIT,
    indices: Any = _NO_SPLIT,
) -> tuple:
    """Split ``input`` along ``dim`` into ``sections`` near-equal pieces (the first
    ``n % sections`` get one more element) or at the listed indices (``[2, 5]``: pieces
    ``[:2]``, ``[2:5]``, ``[5:]``; indices past the end or decreasing give empty pieces).

    >>> import deepgrad as dg
    >>> [t.tolist() for t in dg.tensor_split(dg.arange(7), 3)]
    [[0, 1, 2], [3, 4], [5, 6]]
    """
    indices_or_sections = _sections_or_indices(
        "tensor_split", indices_or_sections, sections, indices
    )
    x = as_tensor(input)
    if x.ndim == 0:
        raise ValueError("tensor_split: expected at least a 1-D tensor, got a 0-d one")
    axis = _norm_axis(dim, x.ndim, "tensor_split")
    n = x.shape[axis]
    cuts = _cuts(indices_or_sections, n, "tensor_split")
    if isinstance(cuts, int):
        size, extra = divmod(n, cuts)
        bounds, acc = [], 0
        for i in range(cuts - 1):
            acc += size + (i < extra)
            bounds.append(acc)
        cuts = bounds
    edges = [0, *cuts, None]
    lead = (slice(None),) * axis
    return tuple(getitem(x, (*lead, slice(a, b))) for a, b in zip(edges[:-1], edges[1:]))


def _split_along(x: Any, v: Any, axis: int, fn: str) -> tuple:
    x = as_tensor(x)
    cuts = _cuts(v, x.shape[axis], fn)
    if isinstance(cuts, int) and x.shape[axis] % cuts:
        raise ShapeMismatchError(  # PyTorch's RuntimeError (also the ValueError of before)
            f"{fn}: dim {axis} of size {x.shape[axis]} is not divisible into {cuts} sections "
            f"(shape {x.shape}); tensor_split takes uneven sections"
        )
    return tensor_split(x, cuts, axis)


def hsplit(
    input: Tensor,  # noqa: A002
    indices_or_sections: Any = _NO_SPLIT,
    *,
    sections: Any = _NO_SPLIT,
    indices: Any = _NO_SPLIT,
) -> tuple:
    """:func:`tensor_split` along dim 1 (dim 0 for a 1-D tensor); sections split evenly."""
    indices_or_sections = _sections_or_indices("hsplit", indices_or_sections, sections, indices)
    x = as_tensor(input)
    if x.ndim == 0:
        raise ValueError("hsplit: expected at least a 1-D tensor, got a 0-d one")
    return _split_along(x, indices_or_sections, 0 if x.ndim == 1 else 1, "hsplit")


def vsplit(
    input: Tensor,  # noqa: A002
    indices_or_sections: Any = _NO_SPLIT,
    *,
    sections: Any = _NO_SPLIT,
    indices: Any = _NO_SPLIT,
) -> tuple:
    """:func:`tensor_split` along dim 0 of a tensor of at least 2 dims."""
    indices_or_sections = _sections_or_indices("vsplit", indices_or_sections, sections, indices)
    x = as_tensor(input)
    if x.ndim < 2:
        raise ValueError(f"vsplit: expected at least a 2-D tensor, got shape {x.shape}")
    return _split_along(x, indices_or_sections, 0, "vsplit")


def dsplit(
    input: Tensor,  # noqa: A002
    indices_or_sections: Any = _NO_SPLIT,
    *,
    sections: Any = _NO_SPLIT,
    indices: Any = _NO_SPLIT,
) -> tuple:
    """:func:`tensor_split` along dim 2 of a tensor of at least 3 dims."""
    indices_or_sections = _sections_or_indices("dsplit", indices_or_sections, sections, indices)
    x = as_tensor(input)
    if x.ndim < 3:
        raise ShapeMismatchError(
            f"torch.dsplit requires a tensor with at least 3 dimension, but got a tensor with "
            f"{x.ndim} dimensions! (dsplit: got shape {x.shape}; hsplit splits dim 1, vsplit "
            "dim 0)"
        )
    return _split_along(x, indices_or_sections, 2, "dsplit")
