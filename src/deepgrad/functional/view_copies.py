"""PyTorch's ``*_copy`` functions: a view operation's result as a tensor of its own.

``torch.permute_copy(x, dims)`` is ``x.permute(dims)`` with memory that no other tensor
shares (writes into it never reach ``x``), and it is differentiable the same way: here each
is the view followed by ``clone`` (whose gradient is the identity), so the gradient is the
view's. Tuple results (``split_copy``, ``unbind_copy``) are cloned piece by piece.

==========================  ===================================================
function                    the view it copies
==========================  ===================================================
``alias_copy(x)``           ``x`` itself
``as_strided_copy``         ``x.as_strided(size, stride, storage_offset)``
``detach_copy(x)``          ``x.detach()`` (no graph)
``diagonal_copy``           ``x.diagonal(offset, dim1, dim2)``
``expand_copy``             ``x.expand(size)``
``permute_copy``            ``x.permute(dims)``
``select_copy``             ``x.select(dim, index)``
``slice_copy``              ``x[..., start:end:step, ...]`` along ``dim``
``split_copy``              ``x.split(split_size, dim)``
``split_with_sizes_copy``   ``x.split(split_sizes, dim)``
``squeeze_copy``            ``x.squeeze(dim)``
``t_copy(x)``               ``x.t()``
``transpose_copy``          ``x.transpose(dim0, dim1)``
``unbind_copy``             ``x.unbind(dim)``
``unfold_copy``             ``x.unfold(dimension, size, step)``
``unsqueeze_copy``          ``x.unsqueeze(dim)``
``view_copy``               ``x.view(size)`` or ``x.view(dtype)``
``view_as_real_copy``       ``view_as_real(x)``
``view_as_complex_copy``    ``view_as_complex(x)``
==========================  ===================================================

>>> import deepgrad as dg
>>> x = dg.arange(6.0).reshape(2, 3)
>>> y = dg.permute_copy(x, (1, 0))
>>> _ = y.fill_(0.0)
>>> y.shape, x.sum().item()
((3, 2), 15.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._names import torch_names
from ..tensor import Tensor
from .complex import view_as_complex, view_as_real

__all__ = [
    "alias_copy", "as_strided_copy", "detach_copy", "diagonal_copy", "expand_copy",
    "permute_copy", "select_copy", "slice_copy", "split_copy", "split_with_sizes_copy",
    "squeeze_copy", "t_copy", "transpose_copy", "unbind_copy", "unfold_copy",
    "unsqueeze_copy", "view_as_complex_copy", "view_as_real_copy", "view_copy",
]  # fmt: skip


def _own(v: Any) -> Any:
    """A view's result with memory of its own: each tensor cloned (differentiably)."""
    if isinstance(v, (tuple, list)):
        return tuple(t.clone() for t in v)
    return v.clone()


def alias_copy(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """A copy of ``input`` (the copy of the alias ``input`` itself)."""
    return input.clone()


def as_strided_copy(
    input: Tensor,  # noqa: A002
    size: Sequence[int],
    stride: Sequence[int],
    storage_offset: int | None = None,
) -> Tensor:
    """``input.as_strided(size, stride, storage_offset)`` as a new tensor."""
    return _own(input.as_strided(size, stride, storage_offset))


def detach_copy(input: Tensor) -> Tensor:  # noqa: A002
    """``input.detach()`` as a new tensor (no graph, memory of its own)."""
    return input.detach().clone()


def diagonal_copy(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:  # noqa: A002
    """``input.diagonal(offset, dim1, dim2)`` as a new tensor."""
    return _own(input.diagonal(offset, dim1, dim2))


def expand_copy(input: Tensor, size: Sequence[int], *, implicit: bool = False) -> Tensor:  # noqa: A002
    """``input.expand(size)`` as a new tensor (every repeated element stored)."""
    del implicit  # PyTorch's tracing flag: no effect on the result
    return _own(input.expand(*size))


@torch_names
def permute_copy(input: Tensor, dims: Sequence[int]) -> Tensor:  # noqa: A002
    """``input.permute(dims)`` as a new tensor."""
    return _own(input.permute(*dims))


@torch_names
def select_copy(input: Tensor, dim: int, index: int) -> Tensor:  # noqa: A002
    """``input.select(dim, index)`` as a new tensor."""
    return _own(input.select(dim, index))


@torch_names
def slice_copy(
    input: Tensor,  # noqa: A002
    dim: int = 0,
    start: int | None = None,
    end: int | None = None,
    step: int = 1,
) -> Tensor:
    """``input[..., start:end:step, ...]`` along ``dim`` as a new tensor (``step ≥ 1``, as
    PyTorch's)."""
    if step < 1:
        raise ValueError(f"slice_copy: slice step must be positive, got {step}")
    d = dim + input.ndim if dim < 0 else dim
    if not 0 <= d < max(input.ndim, 1):
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-input.ndim}, "
            f"{input.ndim - 1}], but got {dim})"
        )
    index = (slice(None),) * d + (slice(start, end, step),)
    return _own(input[index])


@torch_names
def split_copy(input: Tensor, split_size: int | Sequence[int], dim: int = 0) -> tuple:  # noqa: A002
    """``input.split(split_size, dim)``, each piece a new tensor."""
    return _own(input.split(split_size, dim))


@torch_names
def split_with_sizes_copy(input: Tensor, split_sizes: Sequence[int], dim: int = 0) -> tuple:  # noqa: A002
    """``input.split(split_sizes, dim)`` (a list of sizes), each piece a new tensor."""
    return _own(input.split(list(split_sizes), dim))


@torch_names
def squeeze_copy(input: Tensor, dim: Any = None) -> Tensor:  # noqa: A002
    """``input.squeeze(dim)`` as a new tensor."""
    return _own(input.squeeze() if dim is None else input.squeeze(dim))


def t_copy(input: Tensor) -> Tensor:  # noqa: A002
    """``input.t()`` as a new tensor."""
    return _own(input.t())


def transpose_copy(input: Tensor, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    """``input.transpose(dim0, dim1)`` as a new tensor."""
    return _own(input.transpose(dim0, dim1))


@torch_names
def unbind_copy(input: Tensor, dim: int = 0) -> tuple:  # noqa: A002
    """``input.unbind(dim)``, each slice a new tensor."""
    return _own(input.unbind(dim))


def unfold_copy(input: Tensor, dimension: int, size: int, step: int) -> Tensor:  # noqa: A002
    """``input.unfold(dimension, size, step)`` as a new tensor."""
    return _own(input.unfold(dimension, size, step))


@torch_names
def unsqueeze_copy(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    """``input.unsqueeze(dim)`` as a new tensor."""
    return _own(input.unsqueeze(dim))


def view_copy(input: Tensor, size: Any) -> Tensor:  # noqa: A002
    """``input.view(size)`` (a shape, or a dtype: the same bytes read as it) as a new
    tensor."""
    return _own(input.view(size))


def view_as_real_copy(input: Tensor) -> Tensor:  # noqa: A002
    """``view_as_real(input)`` as a new tensor: a complex ``(*)`` as real ``(*, 2)``."""
    return _own(view_as_real(input))


def view_as_complex_copy(input: Tensor) -> Tensor:  # noqa: A002
    """``view_as_complex(input)`` as a new tensor: a real ``(*, 2)`` as complex ``(*)``."""
    return _own(view_as_complex(input))
