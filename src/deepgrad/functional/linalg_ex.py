"""PyTorch's ``*_ex`` forms: the factor or solution together with ``info`` (int32, the batch
shape): 0 where the matrix was fine, else PyTorch's (LAPACK's) failure index (``cholesky_ex``:
the order of the first leading minor that is not positive-definite; ``inv_ex``/``solve_ex``:
``i`` when ``U[i-1, i-1]`` of the LU factorization is zero). ``check_errors=False`` (the default)
never raises; ``True`` raises :class:`~deepgrad.LinAlgError` (a ``RuntimeError``) naming the
first failed batch element.

The values of a failed batch element are unspecified in PyTorch (LAPACK's partial results);
deepgrad gives NaN there (README: differences), and its gradient there is 0. The others are
:func:`~.decompositions.cholesky`, :func:`~.decompositions.inv` and
:func:`~.decompositions.solve` of the matrix, with their gradients.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy

from .. import backend
from .._errors import LinAlgError, refuse_integer
from ..tensor import Tensor, as_tensor
from .decompositions import _square, cholesky, inv, raising, solve
from .elementwise import where
from .lu import _getrf, _host


def _failed_where(a: Tensor, info: Any) -> tuple[Tensor, Any]:
    """``a`` with its failed matrices replaced by the identity (a constant) and the mask."""
    xp = backend.xp
    failed = info > 0
    if not bool(failed.any()):
        return a, failed
    eye = Tensor._from_op(xp.eye(a.shape[-1], dtype=a.dtype), None, 0)
    return where(failed[..., None, None], eye, a), failed


def _nan_where(x: Tensor, failed: Any, extra: int) -> Tensor:
    if not bool(failed.any()):
        return x
    return where(failed.reshape(failed.shape + (1,) * extra), float("nan"), x)


def _check(fn: str, info: Any, message: str) -> None:
    flat = _host(info).reshape(-1)
    if flat.size and flat.max() > 0:
        b = int(numpy.argmax(flat > 0))
        where_ = f"(Batch element {b}): " if numpy.ndim(info) else ""
        raise LinAlgError(f"{fn}: {where_}" + message.format(int(flat[b])))


def _cholesky_info(a: Any) -> Any:
    """LAPACK's ``potrf`` info of each matrix (lower triangle read): 0, or the order of its
    first leading minor that is not positive-definite."""
    xp = backend.xp
    n = a.shape[-1]
    flat = a.reshape((-1, n, n))
    info = numpy.zeros(flat.shape[0], dtype=numpy.int32)
    try:
        with raising():
            xp.linalg.cholesky(flat)
        return xp.asarray(info.reshape(a.shape[:-2]))
    except numpy.linalg.LinAlgError:
        pass
    for b in range(flat.shape[0]):
        for k in range(1, n + 1):
            try:
                with raising():
                    xp.linalg.cholesky(flat[b, :k, :k])
            except numpy.linalg.LinAlgError:
                info[b] = k
                break
    return xp.asarray(info.reshape(a.shape[:-2]))


class CholeskyExResult(NamedTuple):
    """``(L, info)`` of :func:`cholesky_ex` (PyTorch's field names)."""

    L: Tensor  # noqa: N815
    info: Tensor


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False) -> CholeskyExResult:  # noqa: N803
    """``torch.linalg.cholesky_ex``: :func:`~deepgrad.linalg.cholesky` and ``info``.

    >>> import deepgrad as dg
    >>> L, info = dg.linalg.cholesky_ex(dg.tensor([[4.0, 2.0], [2.0, 3.0]]))
    >>> L[1, 0].item(), info.item()
    (1.0, 0)
    """
    a = _square(A, "linalg.cholesky_ex")
    info = _cholesky_info(a._data)
    if check_errors:
        _check(
            "linalg.cholesky_ex",
            info,
            "The factorization could not be completed because the input is not "
            "positive-definite (the leading minor of order {} is not positive-definite).",
        )
    safe, failed = _failed_where(a, info)
    ell = _nan_where(cholesky(safe, upper=bool(upper)), failed, 2)
    return CholeskyExResult(ell, Tensor._from_op(info, None, 0))


def _lu_info(a: Tensor) -> Any:
    """``getrf``'s info of each matrix: all 0 when LAPACK's inversion succeeds (its ``getrf``
    met no zero pivot), else from the factorization."""
    xp = backend.xp
    try:
        with raising():
            xp.linalg.inv(a._data)
        return xp.zeros(a.shape[:-2], dtype=numpy.int32)
    except numpy.linalg.LinAlgError:
        return _getrf(a._data)[2]


class InvExResult(NamedTuple):
    """``(inverse, info)`` of :func:`inv_ex` (PyTorch's field names)."""

    inverse: Tensor
    info: Tensor


def inv_ex(A: Tensor, *, check_errors: bool = False) -> InvExResult:  # noqa: N803
    """``torch.linalg.inv_ex``: :func:`~deepgrad.linalg.inv` and ``info``.

    >>> import deepgrad as dg
    >>> dg.linalg.inv_ex(dg.tensor([[1.0, 2.0], [2.0, 4.0]])).info.item()
    2
    """
    a = _square(A, "linalg.inv_ex")
    info = _lu_info(a)
    if check_errors:
        _check(
            "linalg.inv_ex",
            info,
            "The diagonal element {} is zero, the inversion could not be completed because "
            "the input matrix is singular.",
        )
    safe, failed = _failed_where(a, info)
    return InvExResult(_nan_where(inv(safe), failed, 2), Tensor._from_op(info, None, 0))


class SolveExResult(NamedTuple):
    """``(result, info)`` of :func:`solve_ex` (PyTorch's field names)."""

    result: Tensor
    info: Tensor


def solve_ex(
    A: Tensor,  # noqa: N803 - PyTorch's names
    B: Tensor,  # noqa: N803
    *,
    left: bool = True,
    check_errors: bool = False,
) -> SolveExResult:
    """``torch.linalg.solve_ex``: :func:`~deepgrad.linalg.solve` and ``info`` (of ``A``)."""
    a = _square(A, "linalg.solve_ex")
    b = as_tensor(B)
    refuse_integer("linalg.solve_ex", b)
    info = _lu_info(a)
    if check_errors:
        _check(
            "linalg.solve_ex",
            info,
            "The solver failed because the input matrix is singular (U[{0},{0}] is zero).",
        )
    safe, failed = _failed_where(a, info)
    x = solve(safe, b, left=left)
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    return SolveExResult(_nan_where(x, failed, 1 if vector else 2), Tensor._from_op(info, None, 0))


__all__ = [
    "CholeskyExResult", "InvExResult", "SolveExResult", "cholesky_ex", "inv_ex", "solve_ex",
]  # fmt: skip
