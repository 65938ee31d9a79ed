"""``torch.linalg.householder_product`` (and its older name ``torch.orgqr``): the first ``n``
columns of the product of Householder reflections ``H_1 H_2 ... H_k``,
``H_i = I - τ_i v_i v_iᴴ``, where ``v_i`` is column ``i`` of ``A`` below the diagonal with a 1 on
it and zeros above (LAPACK's ``orgqr`` layout, as ``geqrf`` leaves it). Written in
differentiable operations (a loop of rank-1 updates), so the gradients of ``A`` and ``tau``
and the higher orders come from them.
"""

from __future__ import annotations

from typing import Any

from .. import backend
from .._errors import MatrixShapeError, refuse_integer
from ..tensor import Tensor, as_tensor
from .complex import conj
from .elementwise import where
from .linalg import matmul
from .shape import unsqueeze


def householder_product(A: Tensor, tau: Tensor) -> Tensor:  # noqa: N803 - PyTorch's names
    """The first ``n`` columns of ``H_1 ... H_k`` for ``A`` ``(*, m, n)`` (``m ≥ n``) and
    ``tau`` ``(*, k)`` (``k ≤ n``, the same batch shape and dtype), as PyTorch's.

    >>> import deepgrad as dg
    >>> A = dg.tensor([[1.0, 0.0], [1.0, 1.0]])
    >>> dg.linalg.householder_product(A, dg.tensor([1.0])).tolist()
    [[0.0, -1.0], [-1.0, 0.0]]
    """
    fn = "linalg.householder_product"
    a, t = as_tensor(A), as_tensor(tau)
    refuse_integer(fn, a, t, not_implemented=True)
    if a.ndim < 2:
        raise MatrixShapeError(f"{fn}: input must have at least 2 dimensions, got {a.shape}")
    if t.ndim < 1:
        raise MatrixShapeError(f"{fn}: tau must have at least 1 dimension, got {t.shape}")
    m, n = a.shape[-2:]
    k = t.shape[-1]
    if m < n:
        raise MatrixShapeError(
            f"{fn}: input.shape[-2] must be greater than or equal to input.shape[-1], got {a.shape}"
        )
    if n < k:
        raise MatrixShapeError(
            f"{fn}: input.shape[-1] must be greater than or equal to tau.shape[-1], got "
            f"{a.shape} and {t.shape}"
        )
    if t.shape[:-1] != a.shape[:-2]:
        raise MatrixShapeError(
            f"{fn}: expected batch dimensions of tau to be equal to input.shape[:-2], but got "
            f"{t.shape[:-1]} and {a.shape[:-2]}"
        )
    if t.dtype != a.dtype:
        raise RuntimeError(f"{fn}: tau dtype {t.dtype} does not match input dtype {a.dtype}")
    xp = backend.xp
    eye = xp.broadcast_to(xp.eye(m, n, dtype=a.dtype), a.shape)
    q: Any = Tensor._from_op(eye.copy(), None, 0)
    rows = xp.arange(m)
    for i in range(k - 1, -1, -1):  # Q = H_1 (H_2 (... (H_k I)))
        unit = Tensor._from_op((rows == i).astype(a.dtype), None, 0)
        v = where(rows > i, a[..., :, i], unit)  # (*, m): 1 at i, A's column below it
        vhq = matmul(unsqueeze(conj(v), -2), q)  # (*, 1, n)
        q = q - unsqueeze(unsqueeze(t[..., i], -1), -1) * unsqueeze(v, -1) * vhq
    return q


def orgqr(input: Tensor, tau: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """``torch.orgqr``: :func:`householder_product`."""
    return householder_product(input, tau)


__all__ = ["householder_product", "orgqr"]
