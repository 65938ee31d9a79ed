"""PyTorch's older top-level linear-algebra forms, each built on its ``torch.linalg``
successor (so its gradient is that function's):

==========================================  ==================================================
PyTorch                                     deepgrad
==========================================  ==================================================
``torch.cholesky(A, upper=False)``          :func:`~.decompositions.cholesky` (warns: deprecated,
                                            as PyTorch)
``torch.svd(A, some=True, compute_uv=True)``  ``(U, S, V)`` with ``V = Vhᴴ`` (not ``Vh``);
                                            ``compute_uv=False``: zero ``U`` (m, m), ``V`` (n, n)
``torch.qr(A, some=True)``                  ``linalg.qr`` with ``mode="reduced"``/``"complete"``
``torch.pinverse(A, rcond=1e-15)``          ``linalg.pinv(A, rtol=rcond)``
``torch.cholesky_inverse(L, upper=False)``  ``(L Lᴴ)⁻¹`` (``upper``: ``(Uᴴ U)⁻¹``) through
                                            ``cholesky_solve``
``torch.orgqr(A, tau)``                     :func:`~.householder.householder_product`
==========================================  ==================================================
"""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

from .. import backend
from .._errors import MatrixShapeError, bool_arg, refuse_integer
from ..tensor import Tensor, as_tensor
from .decompositions import _mH
from .decompositions import cholesky as _linalg_cholesky
from .decompositions import qr as _linalg_qr
from .decompositions import svd as _linalg_svd
from .least_squares import pinv
from .triangular import cholesky_solve


def cholesky(input: Tensor, upper: bool = False) -> Tensor:  # noqa: A002 - PyTorch's names
    """``torch.cholesky``: :func:`deepgrad.linalg.cholesky` (``upper``: the factor ``U = Lᴴ``
    with ``A = Uᴴ U``), warning that it is deprecated, as PyTorch does.

    >>> import deepgrad as dg, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     dg.cholesky(dg.tensor([[4.0, 2.0], [2.0, 3.0]]))[1, 0].item()
    1.0
    """
    warnings.warn(
        "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a "
        "future PyTorch release: L = torch.cholesky(A) should be replaced with "
        "L = torch.linalg.cholesky(A), and U = torch.cholesky(A, upper=True) with "
        "U = torch.linalg.cholesky(A).mH",
        UserWarning,
        stacklevel=2,
    )
    return _linalg_cholesky(input, upper=bool(upper))


class SVDLegacyResult(NamedTuple):
    """``(U, S, V)`` of :func:`svd` (PyTorch's field names; ``V``, not ``Vh``)."""

    U: Tensor  # noqa: N815
    S: Tensor  # noqa: N815
    V: Tensor  # noqa: N815


def svd(input: Tensor, some: bool = True, compute_uv: bool = True) -> SVDLegacyResult:  # noqa: A002
    """``torch.svd``: ``A = U diag(S) Vᴴ`` with ``V`` itself (``linalg.svd`` returns ``Vh``);
    ``some=True`` the reduced factors, ``some=False`` the full ones; ``compute_uv=False``
    gives ``S`` with zero-filled ``U`` ``(*, m, m)`` and ``V`` ``(*, n, n)``, as PyTorch.

    >>> import deepgrad as dg
    >>> U, S, V = dg.svd(dg.tensor([[3.0, 0.0], [0.0, 2.0], [0.0, 0.0]]))
    >>> U.shape, S.tolist(), V.shape
    ((3, 2), [3.0, 2.0], (2, 2))
    """
    some = bool_arg(some, "svd", "some")
    compute_uv = bool_arg(compute_uv, "svd", "compute_uv")
    a = as_tensor(input)
    refuse_integer("svd", a)
    if a.ndim < 2:
        raise MatrixShapeError(f"svd: expected matrices (*, m, n), got shape {a.shape}")
    if not compute_uv:
        s = _linalg_svd(a, full_matrices=False).S
        m, n = a.shape[-2:]
        batch = a.shape[:-2]
        zeros = backend.xp.zeros
        u = Tensor._from_op(zeros(batch + (m, m), dtype=a.dtype), None, 0)
        v = Tensor._from_op(zeros(batch + (n, n), dtype=a.dtype), None, 0)
        return SVDLegacyResult(u, s, v)
    u, s, vh = _linalg_svd(a, full_matrices=not some)
    return SVDLegacyResult(u, s, _mH(vh))


def qr(input: Tensor, some: bool = True) -> Any:  # noqa: A002
    """``torch.qr``: :func:`deepgrad.linalg.qr` with ``mode="reduced"`` (``some=True``) or
    ``"complete"`` (``some=False``)."""
    return _linalg_qr(input, mode="reduced" if some else "complete")


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:  # noqa: A002
    """``torch.pinverse``: :func:`deepgrad.linalg.pinv` with ``rtol=rcond``.

    >>> import deepgrad as dg
    >>> dg.pinverse(dg.tensor([[2.0, 0.0], [0.0, 0.0]])).tolist()
    [[0.5, 0.0], [0.0, 0.0]]
    """
    return pinv(input, rtol=rcond)


def cholesky_inverse(L: Tensor, upper: bool = False) -> Tensor:  # noqa: N803 - PyTorch's names
    """``torch.cholesky_inverse``: the inverse of ``A = L Lᴴ`` (``upper``: ``A = Uᴴ U``) from
    its Cholesky factor, batched (``(*, n, n)``), through :func:`cholesky_solve` with the
    identity (so its gradient is that function's).

    >>> import deepgrad as dg
    >>> dg.cholesky_inverse(dg.tensor([[2.0, 0.0], [0.0, 4.0]])).tolist()
    [[0.25, 0.0], [0.0, 0.0625]]
    """
    f = as_tensor(L)
    refuse_integer("cholesky_inverse", f, not_implemented=True)
    if f.ndim < 2 or f.shape[-1] != f.shape[-2]:
        raise MatrixShapeError(
            f"cholesky_inverse: expected square matrices (*, n, n), got shape {f.shape}"
        )
    eye = backend.xp.broadcast_to(backend.xp.eye(f.shape[-1], dtype=f.dtype), f.shape)
    return cholesky_solve(Tensor._from_op(eye.copy(), None, 0), f, upper=bool(upper))


__all__ = ["SVDLegacyResult", "cholesky", "cholesky_inverse", "pinverse", "qr", "svd"]
