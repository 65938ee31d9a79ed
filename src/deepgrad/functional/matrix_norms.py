"""Norms of vectors and matrices under ``torch.linalg``'s names and rules:
``vector_norm`` (the ``p``-norm of :func:`~deepgrad.functional.reduce.norm`), ``matrix_norm``
and ``norm``, which picks one of the two from ``ord`` and ``dim`` as PyTorch does.

==========  =========================================================================
matrix ord  value over the two dims (rows ``-2``, columns ``-1`` by default)
==========  =========================================================================
"fro"       √(Σ a²)                    (vector 2-norm of the elements)
"nuc"       Σ σᵢ                       (singular values; gradient through ``svdvals``)
2, -2       σ_max, σ_min
1, -1       max / min over columns of Σ_rows |a|
inf, -inf   max / min over rows of Σ_columns |a|
==========  =========================================================================
"""

from __future__ import annotations

import math
from typing import Any

from .._errors import ChoiceError
from .._names import torch_names
from ..tensor import Tensor, as_tensor
from .decompositions import svdvals
from .elementwise import _const, abs, where
from .reduce import _norm_cast, amax, amin, sum
from .reduce import norm as _vector_norm
from .shape import _norm_dims, movedim, unsqueeze


@torch_names
def vector_norm(
    x: Tensor,
    ord: float = 2,
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,  # noqa: A002
) -> Tensor:
    """``(Σ |x|^ord)^(1/ord)`` over ``dim`` (all elements when None); ``ord`` ``inf``,
    ``-inf``, ``0`` as in PyTorch. ``dtype`` casts ``x`` first.

    >>> import deepgrad as dg
    >>> dg.linalg.vector_norm(dg.tensor([3.0, 4.0])).item()
    5.0
    """
    x = _norm_cast(as_tensor(x), dtype, "vector_norm")
    return _vector_norm(x, ord, dim, keepdim)


def _amax0(t: Tensor, dim: int, keepdim: bool) -> Tensor:
    """``amax`` of non-negative values, 0 over an empty ``dim`` (PyTorch's matrix norms of
    empty matrices: ``ord`` 2, 1, inf give 0; the ``amin`` of the negative ords raises)."""
    if t.shape[dim] == 0:
        return sum(t, dim, keepdim=keepdim)
    return amax(t, dim, keepdim)


@torch_names
def matrix_norm(
    A: Tensor,  # noqa: N803
    ord: Any = "fro",  # noqa: A002
    dim: tuple[int, int] = (-2, -1),
    keepdim: bool = False,
    *,
    dtype: Any = None,
) -> Tensor:
    """A matrix norm over the two dims ``dim`` (see the table above)."""
    a = _norm_cast(as_tensor(A), dtype, "matrix_norm")
    if a.ndim < 2:
        raise ValueError(f"matrix_norm: expected matrices (*, m, n), got shape {a.shape}")
    r, c = _norm_dims(tuple(dim), a.ndim, "matrix_norm")
    if len((r, c)) != 2:
        raise ValueError(f"matrix_norm: dim must name 2 dims, got {dim}")
    if ord == "fro":
        return _vector_norm(a, 2, (r, c), keepdim)
    if ord in ("nuc", 2, -2):
        s = svdvals(movedim(a, (r, c), (-2, -1)))
        y = sum(s, -1) if ord == "nuc" else (_amax0(s, -1, False) if ord == 2 else amin(s, -1))
        if keepdim:
            for d in sorted((r, c)):
                y = unsqueeze(y, d)
        return y
    if ord in (1, -1, math.inf, -math.inf):
        inner, outer = (r, c) if ord in (1, -1) else (c, r)
        sums = sum(abs(a), inner, keepdim=True)
        y = _amax0(sums, outer, True) if ord > 0 else amin(sums, outer, keepdim=True)
        return y if keepdim else sum(y, (r, c))
    raise ChoiceError(  # PyTorch's RuntimeError; deepgrad's ValueError before
        f"linalg.matrix_norm: Order {ord} not supported. (ord must be 'fro', 'nuc', 1, -1, 2, "
        f"-2, inf or -inf, got {ord!r})"
    )


@torch_names
def linalg_norm(
    A: Tensor,  # noqa: N803
    ord: Any = None,  # noqa: A002
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
) -> Tensor:
    """``torch.linalg.norm``: a vector norm when ``dim`` is an int (or ``A`` is 1-D), a
    matrix norm when ``dim`` is a pair (or ``A`` is 2-D and ``ord`` is given); with
    ``ord`` and ``dim`` both None, the 2-norm of all elements."""
    a = as_tensor(A)
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None and len(dim) == 2 or (dim is None and ord is not None and a.ndim == 2):
        return matrix_norm(a, "fro" if ord is None else ord, dim or (-2, -1), keepdim, dtype=dtype)
    if dim is None and ord is not None and a.ndim != 1:
        raise ValueError(
            f"norm: with ord={ord!r} and dim=None, A must be 1-D or 2-D, got {a.shape}"
        )
    if isinstance(ord, str):
        raise ValueError(f"norm: ord={ord!r} is a matrix norm; it needs a pair of dims")
    return vector_norm(a, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


@torch_names
def renorm(input: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:  # noqa: A002
    """``input`` with each sub-tensor along ``dim`` (``input.select(dim, i)``) whose ``p``-norm
    exceeds ``maxnorm`` scaled down to it, as PyTorch's ``renorm``: the factor is
    ``maxnorm / (norm + 1e-7)`` where ``norm > maxnorm``, else 1. The input needs 2 or more
    dims, a floating or complex dtype (the factor is real), ``p > 0`` and ``maxnorm >= 0``. The gradient flows through the
    norm as well (the factor depends on the input).

    >>> import deepgrad as dg
    >>> y = dg.renorm(dg.tensor([[3.0, 4.0], [0.3, 0.4]]), 2, 0, 1.0)
    >>> [round(v, 4) for v in y.tolist()[0]], [round(v, 4) for v in y.tolist()[1]]
    ([0.6, 0.8], [0.3, 0.4])
    """
    input = as_tensor(input)  # noqa: A001
    if input.ndim < 2:
        raise ValueError(f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions")
    if input.dtype.kind not in "fc":
        raise TypeError(f"renorm: expected a floating point or complex input, got {input.dtype}")
    if not p > 0:
        raise ValueError(f"renorm: non-positive-norm not supported (p={p!r})")
    if not maxnorm >= 0:
        raise ValueError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm!r}")
    axis = _norm_dims(dim, input.ndim, "renorm")[0]
    others = tuple(d for d in range(input.ndim) if d != axis)
    over = _vector_norm(input.detach(), p, others, True)._data > maxnorm
    # the norm that scales, of the sub-tensors over maxnorm only: the others (also a NaN one,
    # whose norm is not > maxnorm) keep factor 1 and gradient 1, as PyTorch's, not 0 · NaN
    zero = _const(input.dtype.type(0), input)
    norm = _vector_norm(where(over, input, zero), p, others, True)
    factor = where(over, maxnorm / (norm + 1e-7), _const(norm.dtype.type(1), norm))
    return input * factor


@torch_names
def frobenius_norm(input: Tensor, dim: Any = (-2, -1), keepdim: bool = False) -> Tensor:  # noqa: A002
    """PyTorch's deprecated ``torch.frobenius_norm``: ``linalg.vector_norm(input, 2, dim,
    keepdim)``, with its deprecation warning."""
    import warnings

    warnings.warn(
        "at::frobenius_norm is deprecated and it is just left for JIT compatibility. It will "
        "be removed in a future PyTorch release. Please use `linalg.vector_norm(A, 2., dim, "
        "keepdim)` instead",
        UserWarning,
        stacklevel=3,
    )
    d = (dim,) if isinstance(dim, int) else tuple(dim)
    return _vector_norm(as_tensor(input), 2, d, keepdim)


@torch_names
def nuclear_norm(input: Tensor, dim: Any = (-2, -1), keepdim: bool = False) -> Tensor:  # noqa: A002
    """PyTorch's deprecated ``torch.nuclear_norm``: ``linalg.matrix_norm(input, 'nuc', dim,
    keepdim)``, with its deprecation warning (``nuclear_norm(x, keepdim)`` takes the bool
    second, as PyTorch's overload)."""
    import warnings

    warnings.warn(
        "at::nuclear_norm is deprecated and it is just left for JIT compatibility. It will be "
        "removed in a future PyTorch release. Please use `linalg.matrix_norm(A, 'nuc', dim, "
        "keepdim)` instead",
        UserWarning,
        stacklevel=3,
    )
    if isinstance(dim, bool):  # nuclear_norm(input, keepdim)
        dim, keepdim = (-2, -1), dim
    return matrix_norm(input, "nuc", tuple(dim), keepdim)
