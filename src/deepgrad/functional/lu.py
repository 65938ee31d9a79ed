"""LU factorization with partial pivoting, PyTorch's forms: ``linalg.lu_factor(_ex)`` (the
packed ``LU`` and LAPACK's 1-based int32 ``pivots``), ``linalg.lu`` (``P, L, U`` with
``A = P L U``), ``lu_unpack``, ``linalg.lu_solve`` and the older ``torch.lu`` /
``torch.lu_solve``.

The factorization is LAPACK's ``getrf`` (unblocked): at step ``j`` the row with the largest
``|a_ij|`` (the first one on ties) is swapped up, ``pivots[j]`` is its 1-based index, a zero
pivot sets ``info`` to ``j + 1`` (the first one) and its column is left unscaled. Gradient
of the packed ``LU`` for square ``A`` (PyTorch's ``linalg_lu_backward``), with
``G_L = tril(G, -1)``, ``G_U = triu(G)``:
``G_A = P L⁻ᴴ (tril(Lᴴ G_L, -1) + triu(G_U Uᴴ)) U⁻ᴴ``; ``lu_unpack`` and ``lu_solve`` are
written in differentiable operations (``tril``/``triu``, triangular solves), so theirs come
from them.
"""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import numpy

from .. import backend
from .._errors import LinAlgError, MatrixShapeError, refuse_integer
from ..autograd import Function
from ..tensor import Tensor, as_tensor
from .decompositions import _mH
from .linalg import matmul
from .shape import tril, triu
from .triangular import solve_triangular


def _getrf(a: Any) -> tuple[Any, Any, Any]:
    """``(LU, pivots, info)`` of a batch of matrices ``(*, m, n)`` (LAPACK's ``getrf``)."""
    xp = backend.xp
    batch, (m, n) = a.shape[:-2], a.shape[-2:]
    k = min(m, n)
    lu = a.reshape((-1, m, n)).copy()
    nb = lu.shape[0]
    piv = xp.zeros((nb, k), dtype=numpy.int32)
    info = xp.zeros((nb,), dtype=numpy.int32)
    idx = xp.arange(nb)
    for j in range(k):
        col = lu[:, j:, j]
        mag = xp.abs(col.real) + xp.abs(col.imag) if col.dtype.kind == "c" else xp.abs(col)
        p = xp.argmax(mag, axis=1) + j if nb else xp.zeros((0,), dtype=numpy.int64)
        piv[:, j] = p + 1
        row_j = lu[idx, j].copy()
        lu[idx, j] = lu[idx, p]
        lu[idx, p] = row_j
        pivot = lu[:, j, j]
        zero = pivot == 0
        info = xp.where(zero & (info == 0), j + 1, info).astype(numpy.int32)
        scale = xp.where(zero, 1, pivot)
        lu[:, j + 1 :, j] /= scale[:, None]
        lu[:, j + 1 :, j + 1 :] -= lu[:, j + 1 :, j, None] * lu[:, j, None, j + 1 :]
    return lu.reshape(a.shape), piv.reshape(batch + (k,)), info.reshape(batch)


def _permutation(pivots: Any, m: int, dtype: Any) -> Any:
    """``P`` (``(*, m, m)``) with ``A = P L U`` from LAPACK's 1-based row swaps."""
    xp = backend.xp
    batch, k = pivots.shape[:-1], pivots.shape[-1]
    piv = pivots.reshape((-1, k)).astype(numpy.int64) - 1
    nb = piv.shape[0]
    perm = xp.broadcast_to(xp.arange(m), (nb, m)).copy()
    idx = xp.arange(nb)
    for i in range(k):
        pi = piv[:, i]
        held = perm[idx, i].copy()
        perm[idx, i] = perm[idx, pi]
        perm[idx, pi] = held
    p = xp.zeros((nb, m, m), dtype=dtype)
    p[idx[:, None], perm, xp.arange(m)[None, :]] = 1  # row perm[i] of A is row i of P⁻¹A
    return p.reshape(batch + (m, m))


class LUFactor(Function):
    keep_output = True

    def forward(self, a: Any) -> Any:
        lu, self.pivots, self.info = _getrf(a)
        return lu

    def backward(self, g: Tensor) -> Tensor:
        m, n = self.inputs[0].shape[-2:]
        if m != n:
            raise RuntimeError(
                f"lu_factor: the gradient is implemented for square matrices; got a {m}x{n} input"
            )
        lu = self.output()
        p = Tensor._from_op(_permutation(self.pivots, m, lu.dtype), None, 0)
        ell, u = _unpack_lu(lu)
        phi = tril(matmul(_mH(ell), tril(g, -1)), -1) + triu(matmul(triu(g), _mH(u)))
        x = solve_triangular(_mH(ell), phi, upper=True, unitriangular=True)
        x = solve_triangular(_mH(u), x, upper=False, left=False)
        return matmul(p, x)


def _unpack_lu(lu: Tensor) -> tuple[Tensor, Tensor]:
    """``(L, U)`` of a packed ``LU`` ``(*, m, n)``: ``L`` ``(*, m, k)`` unit lower,
    ``U`` ``(*, k, n)`` upper, ``k = min(m, n)``."""
    m, n = lu.shape[-2:]
    k = min(m, n)
    eye = Tensor._from_op(backend.xp.eye(m, k, dtype=lu.dtype), None, 0)
    return tril(lu[..., :, :k], -1) + eye, triu(lu[..., :k, :])


def _matrices(fn: str, A: Any) -> Tensor:  # noqa: N803
    a = as_tensor(A)
    refuse_integer(fn, a)
    if a.ndim < 2:
        raise MatrixShapeError(f"{fn}: expected a tensor with 2 or more dimensions, got {a.shape}")
    return a


class LUFactorExResult(NamedTuple):
    """``(LU, pivots, info)`` of :func:`lu_factor_ex` (PyTorch's field names)."""

    LU: Tensor  # noqa: N815
    pivots: Tensor
    info: Tensor


class LUFactorResult(NamedTuple):
    """``(LU, pivots)`` of :func:`lu_factor` (PyTorch's field names)."""

    LU: Tensor  # noqa: N815
    pivots: Tensor


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False) -> LUFactorExResult:  # noqa: N803
    """``torch.linalg.lu_factor_ex``: the packed ``LU`` (``L`` below the diagonal, its unit
    diagonal implied, ``U`` on and above), the 1-based int32 ``pivots`` ``(*, min(m, n))`` and
    ``info`` (int32, ``(*)``: 0, or ``i`` when ``U[i-1, i-1]`` is zero; ``check_errors``
    raises then). ``pivot=False`` is refused, as PyTorch refuses it on the CPU.

    >>> import deepgrad as dg
    >>> LU, pivots, info = dg.linalg.lu_factor_ex(dg.tensor([[1.0, 2.0], [4.0, 4.0]]))
    >>> LU.tolist(), pivots.tolist(), info.item()
    ([[4.0, 4.0], [0.25, 1.0]], [2, 2], 0)
    """
    fn = "linalg.lu_factor_ex"
    a = _matrices(fn, A)
    if not pivot:
        raise RuntimeError(f"{fn}: LU without pivoting is not implemented on the CPU")
    node = LUFactor()
    lu = node(a)
    piv = Tensor._from_op(node.pivots, None, 0)
    info = Tensor._from_op(node.info, None, 0)
    if check_errors:
        _raise_info(fn, info._data)
    return LUFactorExResult(lu, piv, info)


def _host(info: Any) -> Any:
    return numpy.asarray(info.get() if hasattr(info, "get") else info)  # CuPy: to the host


def _raise_info(fn: str, info: Any) -> None:
    """``check_errors``: the first failed batch element, as PyTorch's ``LinAlgError``."""
    flat = _host(info).reshape(-1)
    if flat.size and flat.max() > 0:
        b = int(numpy.argmax(flat > 0))
        where = f"(Batch element {b}): " if numpy.ndim(info) else ""
        i = int(flat[b]) - 1
        raise LinAlgError(f"{fn}: {where}U[{i},{i}] is zero: the matrix is singular")


def lu_factor(A: Tensor, *, pivot: bool = True) -> LUFactorResult:  # noqa: N803
    """``torch.linalg.lu_factor``: :func:`lu_factor_ex`'s ``(LU, pivots)``; a singular matrix
    (a zero on ``U``'s diagonal) is refused, as PyTorch refuses it."""
    lu, piv, info = lu_factor_ex(A, pivot=pivot)
    flat = _host(info._data).reshape(-1)
    if flat.size and flat.max() > 0:
        i = int(flat[numpy.argmax(flat > 0)]) - 1
        raise LinAlgError(
            f"torch.linalg.lu_factor: U[{i},{i}] is zero and using it on lu_solve would result "
            "in a division by zero; call linalg.lu(A) or linalg.lu_factor_ex(A) to factor it"
        )
    return LUFactorResult(lu, piv)


class LUUnpackResult(NamedTuple):
    """``(P, L, U)`` of :func:`lu_unpack` and :func:`lu` (PyTorch's field names)."""

    P: Tensor  # noqa: N815
    L: Tensor  # noqa: N815
    U: Tensor  # noqa: N815


def lu_unpack(
    LU_data: Tensor,  # noqa: N803 - PyTorch's names
    LU_pivots: Tensor,  # noqa: N803
    unpack_data: bool = True,
    unpack_pivots: bool = True,
) -> LUUnpackResult:
    """``torch.lu_unpack``: ``(P, L, U)`` from a packed ``LU`` and its pivots; ``L``/``U``
    are empty when ``unpack_data`` is false, ``P`` when ``unpack_pivots`` is false."""
    lu, piv = as_tensor(LU_data), as_tensor(LU_pivots)
    if lu.ndim < 2:
        raise MatrixShapeError(f"lu_unpack: LU_data must have 2 or more dims, got {lu.shape}")
    if piv._data.dtype != numpy.int32:
        raise RuntimeError(f"lu_unpack: LU_pivots is expected to be int32, got {piv.dtype}")
    m, n = lu.shape[-2:]
    if piv.shape != lu.shape[:-2] + (min(m, n),):
        raise MatrixShapeError(
            f"lu_unpack: pivots of shape {piv.shape} do not fit LU of shape {lu.shape}"
        )
    empty = Tensor._from_op(backend.xp.zeros((0,), dtype=lu.dtype), None, 0)
    ell, u = _unpack_lu(lu) if unpack_data else (empty, empty)
    p = Tensor._from_op(_permutation(piv._data, m, lu.dtype), None, 0) if unpack_pivots else empty
    return LUUnpackResult(p, ell, u)


def lu(A: Tensor, *, pivot: bool = True) -> LUUnpackResult:  # noqa: N803
    """``torch.linalg.lu``: ``(P, L, U)`` with ``A = P L U`` (``L`` unit lower ``(*, m, k)``,
    ``U`` upper ``(*, k, n)``); singular matrices are factored too. Gradient: through
    :func:`lu_factor_ex` and the unpacking (square ``A``).

    >>> import deepgrad as dg
    >>> P, L, U = dg.linalg.lu(dg.tensor([[1.0, 2.0], [4.0, 4.0]]))
    >>> (P @ L @ U).tolist()
    [[1.0, 2.0], [4.0, 4.0]]
    """
    lu_, piv, _ = lu_factor_ex(A, pivot=pivot)
    return lu_unpack(lu_, piv)


def linalg_lu_solve(
    LU: Tensor,  # noqa: N803 - PyTorch's names
    pivots: Tensor,
    B: Tensor,  # noqa: N803
    *,
    left: bool = True,
    adjoint: bool = False,
) -> Tensor:
    """``torch.linalg.lu_solve``: ``X`` with ``A X = B`` (``adjoint``: ``Aᴴ X = B``;
    ``left=False``: ``X A = B`` / ``X Aᴴ = B``) from ``A``'s :func:`lu_factor`, batched and
    broadcast; differentiable in ``LU`` and ``B`` (triangular solves of the unpacked factors).
    """
    fn = "torch.linalg.lu_solve"
    lu_, b = as_tensor(LU), as_tensor(B)
    refuse_integer(fn, lu_, b)
    if lu_.ndim < 2 or lu_.shape[-1] != lu_.shape[-2]:
        raise MatrixShapeError(
            f"{fn}: A must be batches of square matrices, but they are "
            f"{lu_.shape[-2] if lu_.ndim >= 2 else '?'} by {lu_.shape[-1] if lu_.ndim else '?'} "
            "matrices"
        )
    if b.ndim < 2:
        raise MatrixShapeError(f"{fn}: B must have at least 2 dimensions, got {b.shape}")
    if b.dtype != lu_.dtype:
        raise RuntimeError(
            f"{fn}: Expected LU and B to have the same dtype, but found LU of type {lu_.dtype} "
            f"and B of type {b.dtype} instead"
        )
    if not left:  # X A = B  ⇔  Aᴴ Xᴴ = Bᴴ
        return _mH(linalg_lu_solve(lu_, pivots, _mH(b), adjoint=not adjoint))
    n = lu_.shape[-1]
    if b.shape[-2] != n:
        raise MatrixShapeError(f"{fn}: incompatible shapes of A and B ({n}x{n} and {b.shape})")
    p, ell, u = lu_unpack(lu_, pivots)
    if not adjoint:  # X = U⁻¹ L⁻¹ Pᵀ B
        y = solve_triangular(ell, matmul(_mH(p), b), upper=False, unitriangular=True)
        return solve_triangular(u, y, upper=True)
    y = solve_triangular(_mH(u), b, upper=False)  # Aᴴ = Uᴴ Lᴴ Pᵀ
    return matmul(p, solve_triangular(_mH(ell), y, upper=True, unitriangular=True))


def lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor) -> Tensor:  # noqa: N803
    """PyTorch's deprecated ``torch.lu_solve(b, LU_data, LU_pivots)``: :func:`linalg_lu_solve`
    with its arguments reversed, warning as PyTorch does."""
    warnings.warn(
        "torch.lu_solve is deprecated in favor of torch.linalg.lu_solve and will be removed in "
        "a future PyTorch release; note that torch.linalg.lu_solve has its arguments reversed: "
        "X = torch.lu_solve(B, LU, pivots) should be replaced with "
        "X = torch.linalg.lu_solve(LU, pivots, B)",
        UserWarning,
        stacklevel=2,
    )
    return linalg_lu_solve(LU_data, LU_pivots, b)


def lu_legacy(A: Tensor, pivot: bool = True, get_infos: bool = False) -> tuple:  # noqa: N803
    """PyTorch's deprecated ``torch.lu(A, pivot=True, get_infos=False)``: ``(LU, pivots)``
    (``get_infos``: ``(LU, pivots, infos)``), warning as PyTorch does."""
    warnings.warn(
        "torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex "
        "and will be removed in a future PyTorch release: LU, pivots = torch.lu(A, "
        "compute_pivots) should be replaced with LU, pivots = torch.linalg.lu_factor(A, "
        "compute_pivots)",
        UserWarning,
        stacklevel=2,
    )
    out = lu_factor_ex(A, pivot=pivot)
    return tuple(out) if get_infos else (out.LU, out.pivots)


__all__ = [
    "LUFactorExResult", "LUFactorResult", "LUUnpackResult", "linalg_lu_solve", "lu",
    "lu_factor", "lu_factor_ex", "lu_legacy", "lu_solve", "lu_unpack",
]  # fmt: skip
