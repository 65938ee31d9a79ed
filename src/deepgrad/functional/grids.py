"""Tensors laid against each other: broadcasting several tensors to one shape, coordinate
grids (``meshgrid``), the products of 1-D tensors' elements (``cartesian_prod``,
``combinations``) and the Vandermonde matrix (``vander``).

All are built from ``broadcast_to``, ``reshape``, indexing and ``cumprod``, so the gradients
are theirs (a broadcast copy's gradient is summed back).

=================  ======================================================================
function           result
=================  ======================================================================
broadcast_shapes   the shape the given shapes broadcast to (a ``Size``)
broadcast_tensors  each tensor expanded to that shape
meshgrid           ``indexing="ij"``: output ``i`` varies along dim ``i``; ``"xy"``: the first
                   two dims swapped (PyTorch warns when ``indexing`` is not given, then
                   uses ``"ij"``)
cartesian_prod     ``(Π nᵢ, k)``: every tuple of one element from each 1-D tensor
combinations       ``(C(n, r), r)``: the ``r``-element subsets (with repetition on request)
vander             columns ``x^(N-1) … x⁰`` (``increasing``: ``x⁰ … x^(N-1)``)
=================  ======================================================================
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence
from typing import Any

import numpy

from .. import backend
from .._errors import DtypeError, MatrixShapeError, ShapeMismatchError, broadcast_words, int_arg
from ..tensor import Size, Tensor, as_tensor
from .elementwise import astype
from .reduce import cumprod
from .shape import broadcast_to, concat, flip, getitem, reshape, stack


def _varargs(tensors: tuple) -> list[Tensor]:
    seq = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    return [as_tensor(t) for t in seq]


def broadcast_shapes(*shapes: Any) -> Size:
    """The shape that tensors of ``shapes`` broadcast to (an int counts as a 1-D shape).

    >>> import deepgrad as dg
    >>> dg.broadcast_shapes((2, 1), (3,))
    deepgrad.Size([2, 3])
    """
    norm = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    try:
        return Size(numpy.broadcast_shapes(*norm))
    except ValueError:
        raise ShapeMismatchError(
            f"{broadcast_words(*norm)} (broadcast_shapes: shapes {norm} do not broadcast together)"
        ) from None


def broadcast_tensors(*tensors: Any) -> tuple:
    """Each tensor expanded to the shape they broadcast to (gradients are summed back)."""
    ts = _varargs(tensors)
    shape = tuple(broadcast_shapes(*[t.shape for t in ts]))
    return tuple(t if t.shape == shape else broadcast_to(t, shape) for t in ts)


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple:
    """Coordinate grids from 0-d or 1-D tensors of one dtype: with ``indexing="ij"`` output
    ``i`` has shape ``(n₀, n₁, …)`` and varies along dim ``i``; with ``"xy"`` (NumPy's
    default) the first two dims are swapped. Without ``indexing`` PyTorch's warning is given
    and ``"ij"`` used.

    >>> import deepgrad as dg
    >>> [g.tolist() for g in dg.meshgrid(dg.tensor([1, 2]), dg.tensor([3, 4, 5]), indexing="ij")]
    [[[1, 1, 1], [2, 2, 2]], [[3, 4, 5], [3, 4, 5]]]
    """
    if indexing is None:
        warnings.warn(
            "meshgrid: in an upcoming release, it will be required to pass the indexing "
            'argument (as torch.meshgrid); using indexing="ij"',
            UserWarning,
            stacklevel=2,
        )
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f'meshgrid: indexing must be "ij" or "xy", got {indexing!r}')
    ts = _varargs(tensors)
    if not ts:
        raise ValueError("meshgrid: expected at least one tensor")
    for t in ts:
        if t.ndim > 1 or t.dtype != ts[0].dtype:
            raise ShapeMismatchError(
                "meshgrid: expected 0-d or 1-D tensors of one dtype, got shapes "
                f"{[t.shape for t in ts]} and dtypes {[str(t.dtype) for t in ts]}"
            )
    k = len(ts)
    axis = list(range(k))
    if indexing == "xy" and k >= 2:
        axis[0], axis[1] = 1, 0
    sizes = [0] * k
    for i, t in enumerate(ts):
        sizes[axis[i]] = t.numel()
    out = []
    for i, t in enumerate(ts):
        shape = [1] * k
        shape[axis[i]] = sizes[axis[i]]
        out.append(broadcast_to(reshape(t, tuple(shape)), tuple(sizes)))
    return tuple(out)


def cartesian_prod(*tensors: Any) -> Tensor:
    """Every tuple ``(a, b, …)`` with one element from each 1-D tensor, in row-major order:
    shape ``(n₁·n₂·…, k)`` (one tensor: itself).

    >>> import deepgrad as dg
    >>> dg.cartesian_prod(dg.tensor([1, 2]), dg.tensor([3])).tolist()
    [[1, 3], [2, 3]]
    """
    ts = _varargs(tensors)
    if any(t.ndim != 1 for t in ts):
        raise ShapeMismatchError(
            f"Expect a 1D vector, but got shape {[list(t.shape) for t in ts if t.ndim != 1][0]}; "
            f"cartesian_prod: expected 1-D tensors, got shapes {[t.shape for t in ts]}"
        )
    if len(ts) == 1:
        return ts[0]
    grids = meshgrid(*ts, indexing="ij")
    return stack([reshape(g, (-1,)) for g in grids], 1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:  # noqa: A002
    """The ``r``-element combinations of a 1-D tensor's elements, in order, as rows
    (``itertools.combinations``, or ``combinations_with_replacement``); ``r = 0`` gives an
    empty 1-D tensor.

    >>> import deepgrad as dg
    >>> dg.combinations(dg.tensor([1, 2, 3])).tolist()
    [[1, 2], [1, 3], [2, 3]]
    """
    x = as_tensor(input)
    if x.ndim != 1:
        raise ValueError(f"combinations: expected a 1-D tensor, got shape {x.shape}")
    r = int_arg(r, "combinations", "r", 2)
    if r < 0:
        raise ValueError(f"combinations: r must be non-negative, got {r}")
    if r == 0:
        return Tensor._from_op(backend.xp.zeros((0,), x.dtype), None, 0)
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = numpy.array(list(pick(range(x.shape[0]), r)), dtype=numpy.int64).reshape(-1, r)
    return getitem(x, backend.xp.asarray(idx))


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:  # noqa: N803
    """The Vandermonde matrix of 1-D ``x``: ``(len(x), N)``, columns ``x^(N-1), …, x, 1``
    (``increasing``: ``1, x, …, x^(N-1)``); ``N`` defaults to ``len(x)``. Integer and bool
    inputs give int64, as in PyTorch. Built with ``cumprod`` (as PyTorch), so the gradient
    is exact at ``x = 0``.

    >>> import deepgrad as dg
    >>> dg.vander(dg.tensor([2, 3]), N=3).tolist()
    [[4, 2, 1], [9, 3, 1]]
    """
    x = as_tensor(x)
    if x.ndim != 1:
        raise ValueError(f"vander: x must be a 1-D tensor, got shape {x.shape}")
    n = x.shape[0] if N is None else int_arg(N, "vander", "N", 2)
    if n < 0:
        raise ValueError(f"vander: N must be non-negative, got {N}")
    if x.dtype.kind in "iub" and x.dtype != numpy.int64:
        x = astype(x, numpy.int64)
    ones = Tensor._from_op(backend.xp.ones((x.shape[0], min(n, 1)), x.dtype), None, 0)
    cols = [ones]
    if n > 1:
        cols.append(cumprod(broadcast_to(reshape(x, (-1, 1)), (x.shape[0], n - 1)), 1))
    y = concat(cols, 1)
    return y if increasing else flip(y, 1)


__all__: Sequence[str] = [
    "broadcast_shapes", "broadcast_tensors", "cartesian_prod", "combinations", "meshgrid",
    "linalg_vander", "vander",
]  # fmt: skip


def linalg_vander(x: Tensor, *, N: int | None = None) -> Tensor:  # noqa: N803 - PyTorch's name
    """``torch.linalg.vander``: ``(*, n)`` → ``(*, n, N)``, the powers ``1, x, …, x^(N-1)``
    (increasing, unlike :func:`vander`), batched over leading dims; ``N`` defaults to ``n``.
    Built with ``cumprod``, so the gradient is exact at ``x = 0``.

    >>> import deepgrad as dg
    >>> dg.linalg.vander(dg.tensor([2, 3]), N=3).tolist()
    [[1, 2, 4], [1, 3, 9]]
    """
    x = as_tensor(x)
    if x.dtype.kind == "b":
        raise DtypeError("linalg.vander: x must be floating point, complex or integer, got bool")
    n = x.shape[-1] if N is None and x.ndim else N
    if n is None or n <= 1:
        raise MatrixShapeError(f"linalg.vander: N must be greater than 1, got N={n} (x: {x.shape})")
    if x.dtype.kind in "iu" and x.dtype != numpy.int64:
        x = astype(x, numpy.int64)
    ones = Tensor._from_op(backend.xp.ones(x.shape + (1,), x.dtype), None, 0)
    powers = cumprod(broadcast_to(reshape(x, x.shape + (1,)), x.shape + (n - 1,)), -1)
    return concat([ones, powers], -1)
