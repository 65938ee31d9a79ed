"""``torch.svd_lowrank`` and ``torch.pca_lowrank``: the top ``q`` singular triplets.

PyTorch approximates them with a randomized range finder (``niter`` power iterations);
deepgrad computes them exactly, from the thin SVD truncated to ``q``::

    A − M ≈ U diag(S) Vᵀ,   U (*, m, q), S (*, q), V (*, n, q)

which is what the randomized method converges to (the same values to its accuracy; a
singular vector may come with the opposite sign, as between any two SVD routines).
``pca_lowrank`` centres the columns first (``center=True``) and takes ``q = min(6, m, n)``
by default, as PyTorch's. Differentiable, through :func:`deepgrad.linalg.svd`.

>>> import deepgrad as dg
>>> U, S, V = dg.svd_lowrank(dg.tensor([[3.0, 0.0], [0.0, 1.0], [0.0, 0.0]]), q=1)
>>> U.shape, S.tolist(), V.shape
((3, 1), [3.0], (2, 1))
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor, as_tensor
from .decompositions import svd

__all__ = ["pca_lowrank", "svd_lowrank"]


def _check(q: Any, niter: Any, m: int, n: int, fn: str) -> int:
    if not isinstance(q, int) or isinstance(q, bool) or not 0 <= q <= min(m, n):
        raise ValueError(
            f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)} "
            f"({fn})"
        )
    if not isinstance(niter, int) or isinstance(niter, bool) or niter < 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer ({fn})")
    return q


def svd_lowrank(A: Tensor, q: int | None = 6, niter: int = 2, M: Tensor | None = None) -> tuple:  # noqa: N803
    """The ``q`` largest singular values of ``A − M`` (``M`` broadcast, default none) and their
    vectors: ``(U, S, V)`` with ``A − M ≈ U diag(S) Vᵀ`` (see the module's text)."""
    a = as_tensor(A)
    if a.ndim < 2:
        raise ValueError(f"svd_lowrank: expected a matrix (*, m, n), got shape {tuple(a.shape)}")
    m, n = a.shape[-2], a.shape[-1]
    q = _check(6 if q is None else q, niter, m, n, "svd_lowrank")
    if M is not None:
        a = a - as_tensor(M)
    u, s, vh = svd(a, full_matrices=False)
    return u[..., :q], s[..., :q], vh[..., :q, :].mT


def pca_lowrank(A: Tensor, q: int | None = None, center: bool = True, niter: int = 2) -> tuple:  # noqa: N803
    """Principal components of the rows of ``A``: ``svd_lowrank`` of ``A`` with each column's
    mean taken off (``center``), ``q = min(6, m, n)`` by default. ``V``'s columns are the
    principal directions, ``S² / (m − 1)`` the variances along them."""
    a = as_tensor(A)
    if a.ndim < 2:
        raise ValueError(f"pca_lowrank: expected a matrix (*, m, n), got shape {tuple(a.shape)}")
    m, n = a.shape[-2], a.shape[-1]
    q = _check(min(6, m, n) if q is None else q, niter, m, n, "pca_lowrank")
    if center:
        a = a - a.mean(dim=-2, keepdim=True)
    return svd_lowrank(a, q, niter)
