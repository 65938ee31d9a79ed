"""Turning and laying out a tensor without changing its values: PyTorch's ``rot90``,
``fliplr``, ``flipud``, ``ravel`` and ``moveaxis`` (NumPy's name for ``movedim``), built from
:func:`~deepgrad.functional.shape.flip`, ``transpose`` and ``reshape`` (their gradients).

=========  ================================================================
function   result
=========  ================================================================
rot90      ``k`` quarter turns in the plane ``dims``, from the first dim toward the second:
           k=1: flip(dims[1]) then swap; k=2: flip both; k=3: flip(dims[0]) then swap
fliplr     flip dim 1 (at least 2 dims)
flipud     flip dim 0 (at least 1 dim)
ravel      the elements in row-major order, 1-D
moveaxis   ``movedim``
=========  ================================================================
"""

from __future__ import annotations

from collections.abc import Sequence

from .._errors import ShapeMismatchError, int_arg
from .._names import torch_names
from ..tensor import Tensor, as_tensor
from .shape import _norm_dims, contiguous, flip, movedim, reshape, swapaxes


@torch_names
def rot90(input: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:  # noqa: A002
    """Rotate by ``k`` × 90° in the plane of ``dims`` (from the first dim toward the second;
    negative ``k`` turns the other way).

    >>> import deepgrad as dg
    >>> dg.rot90(dg.tensor([[1, 2], [3, 4]])).tolist()
    [[2, 4], [1, 3]]
    """
    x = as_tensor(input)
    dims = tuple(dims)
    if len(dims) != 2:
        raise ValueError(f"rot90: dims must name 2 dims, got {dims}")
    if x.ndim < 2:
        raise ShapeMismatchError(
            f"expected total dims >= 2, but got total dims = {x.ndim}; "
            f"rot90: expected a tensor of at least 2 dims, got shape {x.shape}"
        )
    d0, d1 = _norm_dims(dims, x.ndim, "rot90")
    k = int_arg(k, "rot90", "k", 2) % 4
    if k == 1:
        return swapaxes(flip(x, d1), d0, d1)
    if k == 2:
        return flip(x, (d0, d1))
    if k == 3:
        return swapaxes(flip(x, d0), d0, d1)
    return contiguous(x)


def fliplr(input: Tensor) -> Tensor:  # noqa: A002
    """Reverse the columns: :func:`flip` of dim 1 (a tensor of at least 2 dims)."""
    x = as_tensor(input)
    if x.ndim < 2:
        raise ValueError(f"fliplr: expected a tensor of at least 2 dims, got shape {x.shape}")
    return flip(x, 1)


def flipud(input: Tensor) -> Tensor:  # noqa: A002
    """Reverse the rows: :func:`flip` of dim 0 (a tensor of at least 1 dim)."""
    x = as_tensor(input)
    if x.ndim < 1:
        raise ValueError("flipud: expected a tensor of at least 1 dim, got a 0-d one")
    return flip(x, 0)


def ravel(input: Tensor) -> Tensor:  # noqa: A002
    """The elements as a 1-D tensor, in row-major order (``reshape(-1)``)."""
    return reshape(as_tensor(input), (-1,))


def moveaxis(input: Tensor, source: int | Sequence[int], destination: int | Sequence[int]):  # noqa: A002
    """Alias of :func:`movedim` (NumPy's name, which PyTorch keeps)."""
    return movedim(as_tensor(input), source, destination)
