"""Diagonals: ``diagonal`` (read one), ``diag_embed`` (write one into zeros), ``diag`` (either,
by the input's rank), ``trace``, and the coordinates of a triangle (``triu_indices``,
``tril_indices``).

``diagonal`` and ``diag_embed`` are each other's adjoint, so each one's backward is the
other (higher-order gradients work): the diagonal with ``offset`` of the last two axes
``(..., m, n)`` is ``x[..., i, i + offset]`` (``x[..., i - offset, i]`` for a negative one).
"""

from __future__ import annotations

from typing import Any

import numpy

from .. import backend
from .._errors import MatrixShapeError, ShapeMismatchError, int_arg, refuse_kernel_dtype
from ..autograd import Function
from ..tensor import Tensor
from .reduce import cumsum, sum
from .shape import _norm_axis, getitem, movedim, reshape


def _diag_coords(m: int, n: int, offset: int) -> tuple[Any, Any]:
    """Row and column indices of the ``offset`` diagonal of an ``m × n`` matrix."""
    xp = backend.xp
    length = max(0, min(m, n - offset) if offset >= 0 else min(m + offset, n))
    i = xp.arange(length)
    return (i, i + offset) if offset >= 0 else (i - offset, i)


class LastDiagonal(Function):
    """The ``offset`` diagonal of the last two axes: ``(..., m, n) -> (..., L)``."""

    def __init__(self, offset: int) -> None:
        self.offset = offset

    def forward(self, x: Any) -> Any:
        """A view of ``x``'s memory, as PyTorch's (``x.diagonal().fill_(1)`` writes into
        ``x``): the diagonal is every ``(row stride + column stride)`` from its first
        element."""
        rows, cols = _diag_coords(x.shape[-2], x.shape[-1], self.offset)
        if not len(rows):
            return x[..., rows, cols]
        corner = x[..., int(rows[0]) :, int(cols[0]) :]
        return backend.xp.lib.stride_tricks.as_strided(
            corner,
            corner.shape[:-2] + (len(rows),),
            corner.strides[:-2] + (corner.strides[-2] + corner.strides[-1],),
        )

    def backward(self, gy: Tensor) -> Tensor:
        m, n = self.inputs[0].shape[-2:]
        return EmbedLastDiagonal(self.offset, m, n)(gy)


class EmbedLastDiagonal(Function):
    """``(..., L) -> (..., m, n)``: zeros with the last axis on the ``offset`` diagonal."""

    def __init__(self, offset: int, m: int, n: int) -> None:
        self.offset, self.m, self.n = offset, m, n

    def forward(self, v: Any) -> Any:
        out = backend.xp.zeros(v.shape[:-1] + (self.m, self.n), v.dtype)
        rows, cols = _diag_coords(self.m, self.n, self.offset)
        out[..., rows, cols] = v
        return out

    def backward(self, gy: Tensor) -> Tensor:
        return LastDiagonal(self.offset)(gy)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:  # noqa: A002
    """The ``offset`` diagonal of the matrices spanned by ``dim1`` and ``dim2`` (above the
    main one for ``offset > 0``): those two dims are removed and the diagonal becomes the
    last dim, as in PyTorch. Differentiable.

    >>> import deepgrad as dg
    >>> dg.arange(9).reshape(3, 3).diagonal(1).tolist()
    [1, 5]
    """
    offset = int_arg(offset, "diagonal", "offset", 2)
    if input.ndim < 2:
        raise ValueError(f"diagonal: expects at least 2 dims, got shape {input.shape}")
    d1 = _norm_axis(dim1, input.ndim, "diagonal")
    d2 = _norm_axis(dim2, input.ndim, "diagonal")
    if d1 == d2:
        raise ShapeMismatchError(
            f"diagonal dimensions cannot be identical {dim1}, {dim2} (diagonal: dim1 and dim2 "
            f"cannot be the same dim, got {dim1}, {dim2})"
        )
    return LastDiagonal(int(offset))(movedim(input, (d1, d2), (-2, -1)))


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:  # noqa: A002
    """Matrices with ``input``'s last dim on their ``offset`` diagonal, zeros elsewhere: the
    output has one more dim, of size ``n + |offset|`` at ``dim1`` and ``dim2`` (counted in the
    output). The adjoint of :func:`diagonal`.

    >>> import deepgrad as dg
    >>> dg.diag_embed(dg.tensor([1, 2])).tolist()
    [[1, 0], [0, 2]]
    """
    offset = int_arg(offset, "diag_embed", "offset", 2)
    if input.ndim == 0:
        raise ValueError("diag_embed: expects at least 1 dim, got a 0-d tensor")
    nd = input.ndim + 1
    d1, d2 = _norm_axis(dim1, nd, "diag_embed"), _norm_axis(dim2, nd, "diag_embed")
    if d1 == d2:
        raise ShapeMismatchError(
            f"diagonal dimensions cannot be identical {dim1}, {dim2} (diag_embed: dim1 and dim2 "
            f"cannot be the same dim, got {dim1}, {dim2})"
        )
    n = input.shape[-1] + abs(int(offset))
    out = EmbedLastDiagonal(int(offset), n, n)(input)
    return movedim(out, (-2, -1), (d1, d2))


def diag(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """PyTorch's ``diag``: of a 1-D tensor, the square matrix with it on the ``diagonal``-th
    diagonal; of a 2-D tensor, that diagonal as a 1-D tensor.

    >>> import deepgrad as dg
    >>> dg.diag(dg.tensor([[1, 2], [3, 4]])).tolist()
    [1, 4]
    """
    diagonal = int_arg(diagonal, "diag", "diagonal", 2)
    if input.ndim == 1:
        return diag_embed(input, diagonal)
    if input.ndim == 2:  # a new tensor, as PyTorch's (`diagonal` is the view)
        return LastDiagonal(int(diagonal))(input).clone()
    raise ShapeMismatchError(
        f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D; "
        f"diag: expects a 1-D or 2-D tensor, got shape {input.shape}"
    )


def trace(input: Tensor) -> Tensor:  # noqa: A002
    """The sum of the main diagonal of a 2-D tensor (integers sum to int64, as in PyTorch; a
    bool one raises its ``NotImplementedError``; float32 accumulates in float64, float16 in
    float32, complex64 in complex128, each rounded once, as PyTorch's kernel).

    >>> import deepgrad as dg
    >>> dg.tensor([[1.0, 2.0], [3.0, 4.0]]).trace().item()
    5.0
    """
    if input.ndim != 2:
        raise MatrixShapeError(
            f"trace: expected a matrix, but got tensor with dim {input.ndim} (trace: expects a "
            f"2-D tensor (a matrix), got shape {input.shape})"
        )
    refuse_kernel_dtype(input, "trace", "b")  # PyTorch has no bool kernel
    d = LastDiagonal(0)(input)
    if d._data.dtype.kind in "iub":
        return Tensor._from_op(backend.xp.asarray(d._data.sum(dtype=numpy.int64)), None, 0)
    if d.shape[0] == 0:
        return sum(d)
    # PyTorch's trace kernel: a running sum along the diagonal, wider for float32 (float64),
    # float16 (float32) and complex64, rounded once: the last running value of a scan
    return getitem(cumsum(d, 0), -1)


def _triangle(row: int, col: int, offset: int, upper: bool, dtype: Any, fn: str) -> Tensor:
    row, col = int_arg(row, fn, "row", 1), int_arg(col, fn, "col", 2)
    offset = int_arg(offset, fn, "offset", 3)
    for name, v in (("row", row), ("col", col)):
        if v < 0:
            raise ValueError(f"{fn}: {name} must be a non-negative int, got {v!r}")
    xp = backend.xp
    r, c = (xp.triu_indices if upper else xp.tril_indices)(row, offset, col)
    dt = numpy.dtype(numpy.int64 if dtype is None else dtype)
    return Tensor._from_op(xp.stack([r, c]).astype(dt).reshape(2, -1), None, 0)


def triu_indices(
    row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None
) -> Tensor:
    """The ``(2, N)`` coordinates of the upper triangle (``j - i >= offset``) of a ``row ×
    col`` matrix, row by row (int64 unless ``dtype`` is given).

    >>> import deepgrad as dg
    >>> dg.triu_indices(3, 3, 1).tolist()
    [[0, 0, 1], [1, 2, 2]]
    """
    return _triangle(row, col, offset, True, dtype, "triu_indices")


def tril_indices(
    row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None
) -> Tensor:
    """The ``(2, N)`` coordinates of the lower triangle (``j - i <= offset``), row by row."""
    return _triangle(row, col, offset, False, dtype, "tril_indices")


def diagflat(input: Tensor, offset: int = 0) -> Tensor:  # noqa: A002 - PyTorch's name
    """The square matrix with the flattened ``input`` on its ``offset``-th diagonal
    (PyTorch's ``diagflat``: any rank, a 0-d tensor gives a 1×1 matrix).

    >>> import deepgrad as dg
    >>> dg.diagflat(dg.tensor([[1, 2]]), 1).tolist()
    [[0, 1, 0], [0, 0, 2], [0, 0, 0]]
    """
    return diag_embed(reshape(input, (-1,)), int_arg(offset, "diagflat", "offset", 2))


class DiagonalScatter(Function):
    """``input`` with its diagonal ``(offset, dim1, dim2)`` replaced by ``src``; gradients:
    ``g`` with that diagonal zeroed for ``input``, ``g``'s diagonal for ``src``."""

    reads_inputs = False

    def __init__(self, offset: int, dim1: int, dim2: int) -> None:
        self.offset, self.dim1, self.dim2 = offset, dim1, dim2

    def forward(self, x: Any, src: Any) -> Any:
        out = x.copy()
        moved = backend.xp.moveaxis(out, (self.dim1, self.dim2), (-2, -1))
        r, c = _diag_coords(moved.shape[-2], moved.shape[-1], self.offset)
        moved[..., r, c] = src
        return out

    def backward(self, gy: Tensor) -> tuple:
        nx, ns = self.needs_input_grad
        zeros = Tensor._from_op(backend.xp.zeros(self.inputs[1].shape, gy._data.dtype), None, 0)
        gx = DiagonalScatter(self.offset, self.dim1, self.dim2)(gy, zeros) if nx else None
        gs = diagonal(gy, self.offset, self.dim1, self.dim2) if ns else None
        return gx, gs


def diagonal_scatter(
    input: Tensor,  # noqa: A002 - PyTorch's name
    src: Tensor,
    offset: int = 0,
    dim1: int = 0,
    dim2: int = 1,
) -> Tensor:
    """A copy of ``input`` whose ``diagonal(offset, dim1, dim2)`` is ``src`` (of exactly
    that diagonal's shape and ``input``'s dtype); differentiable in both.

    >>> import deepgrad as dg
    >>> dg.diagonal_scatter(dg.zeros(2, 2), dg.ones(2)).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    x = input if isinstance(input, Tensor) else Tensor(input)
    s = src if isinstance(src, Tensor) else Tensor(src)
    want = diagonal(x, offset, dim1, dim2).shape  # the checks of diagonal
    if s.shape != want:
        raise RuntimeError(
            f"diagonal_scatter: expected src to have a size equal to the diagonal of the "
            f"input: {tuple(want)}, got {tuple(s.shape)}"
        )
    if s.dtype != x.dtype:
        raise RuntimeError(
            f"diagonal_scatter: expected src's dtype {s.dtype} to equal input's {x.dtype}"
        )
    d1, d2 = _norm_axis(dim1, x.ndim, "diagonal_scatter"), _norm_axis(dim2, x.ndim, "x")
    return DiagonalScatter(int(offset), d1, d2)(x, s)
