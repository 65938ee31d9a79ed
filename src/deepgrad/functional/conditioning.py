"""How far a matrix is from singular: ``linalg.matrix_rank`` (the number of singular values
above a tolerance) and ``linalg.cond`` (the condition number ``‖A‖_p ‖A⁻¹‖_p``), batched over
leading dims, as PyTorch's.

``cond`` with ``p`` = ``None``/``2``/``-2`` is ``σ_max/σ_min`` (``σ_min/σ_max``) of any
``(*, m, n)`` matrix, differentiable through ``svdvals``; the other ``p`` (``'fro'``,
``'nuc'``, ``inf``, ``-inf``, ``1``, ``-1``) need square matrices and give ``inf`` for a
singular one (an exactly zero pivot of its LU factorization), as PyTorch's, differentiable
through ``matrix_norm`` and ``inv``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy

from .. import backend
from .._errors import MatrixShapeError, refuse_integer
from ..tensor import Tensor, as_tensor
from .complex import _real_dtype
from .decompositions import eigvalsh, inv, svdvals
from .elementwise import abs, where
from .matrix_norms import matrix_norm


def matrix_rank(
    A: Tensor,  # noqa: N803 - PyTorch's names
    tol: float | None = None,
    hermitian: bool = False,
    *,
    atol: Any = None,
    rtol: Any = None,
) -> Tensor:
    """The numerical rank of each matrix (int64, ``(*)``): the number of singular values (of
    ``|eigenvalues|`` when ``hermitian``, read from the lower triangle) above
    ``max(atol, rtol · σ_max)``. ``rtol`` defaults to ``eps · max(m, n)`` when neither is given
    or ``atol ≤ 0``, else 0; ``tol`` is PyTorch's older name for ``atol``.

    >>> import deepgrad as dg
    >>> dg.linalg.matrix_rank(dg.tensor([[1.0, 2.0], [2.0, 4.0]])).item()
    1
    """
    a = as_tensor(A)
    refuse_integer("linalg.matrix_rank", a)
    if a.ndim < 2:
        raise MatrixShapeError(f"linalg.matrix_rank: A must have at least 2 dims, got {a.shape}")
    if tol is not None:
        if atol is not None:
            raise TypeError("linalg.matrix_rank: give tol (the older name) or atol, not both")
        atol = tol
    xp = backend.xp
    s = abs(eigvalsh(a))._data if hermitian else svdvals(a)._data
    atol_a = xp.asarray(0.0 if atol is None else getattr(atol, "_data", atol))
    if rtol is None:
        eps = numpy.finfo(_real_dtype(a.dtype)).eps * max(a.shape[-2:])
        rtol_a = xp.where(atol_a > 0, 0.0, eps) if atol is not None else xp.asarray(eps)
    else:
        rtol_a = xp.asarray(getattr(rtol, "_data", rtol))
    smax = s.max(-1) if s.shape[-1] else xp.zeros(s.shape[:-1], s.dtype)
    cutoff = xp.maximum(atol_a, rtol_a * smax)
    rank = (s > cutoff[..., None]).sum(-1).astype(numpy.int64)
    return Tensor._from_op(rank, None, 0)


def cond(A: Tensor, p: Any = None) -> Tensor:  # noqa: N803
    """The condition number of each matrix in the norm ``p`` (see above): real, ``(*)``.

    >>> import deepgrad as dg
    >>> dg.linalg.cond(dg.tensor([[2.0, 0.0], [0.0, 0.5]])).item()
    4.0
    """
    a = as_tensor(A)
    refuse_integer("linalg.cond", a)
    if a.ndim < 2:
        raise MatrixShapeError(f"linalg.cond: A must have at least 2 dims, got shape {a.shape}")
    if p in (None, 2, -2):
        s = svdvals(a)
        big, small = s[..., 0], s[..., -1]
        with numpy.errstate(divide="ignore", invalid="ignore"):  # inf for a singular A: silent
            return big / small if p != -2 else small / big
    if p not in ("fro", "nuc", 1, -1, math.inf, -math.inf):
        raise ValueError(
            f"linalg.cond: p must be None, 'fro', 'nuc', 1, -1, 2, -2, inf or -inf, got {p!r}"
        )
    if a.shape[-1] != a.shape[-2]:
        raise MatrixShapeError(
            f"linalg.cond(ord={p}): A must be batches of square matrices, but they are "
            f"{a.shape[-2]} by {a.shape[-1]} matrices"
        )
    xp = backend.xp
    singular = xp.linalg.slogdet(a._data)[0] == 0 if a.shape[-1] else xp.zeros(a.shape[:-2], bool)
    eye = xp.broadcast_to(xp.eye(a.shape[-1], dtype=a.dtype), a.shape)
    safe = where(singular[..., None, None], Tensor._from_op(eye, None, 0), a)
    c = matrix_norm(a, p) * matrix_norm(inv(safe), p)
    return where(singular, math.inf, c)


__all__ = ["cond", "matrix_rank"]
