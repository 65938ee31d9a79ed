"""``linalg.pinv`` and ``linalg.lstsq``: pseudo-inverses, and least-squares solutions of ``A X ≈ B`` (``(*, m, n)`` and ``(*, m, k)``,
batch dims broadcast), with PyTorch's named tuple ``(solution, residuals, rank,
singular_values)`` filled as PyTorch fills it on the CPU for each ``driver``:

========  ========================  =================================================
driver    rank / singular_values    residuals ‖A X - B‖² per column of ``B``
========  ========================  =================================================
gelsy     rank; (0,) (the default)  (0,)
gelsd     rank; (*, min(m, n))      (*, k) when m > n and every A has full rank, else (0,)
gelss     as gelsd                  as gelsd
gels      (0,); (0,)                (*, k) when m > n (A is assumed to have full rank)
========  ========================  =================================================

The solution is the minimum-norm one, ``A⁺ B``, singular values at or below ``rcond · σ_max``
counting as 0 (``rcond`` defaults to ``eps · max(m, n)``), as ``gelsy``/``gelsd``/``gelss``
compute it. ``gels`` assumes full rank: on a rank-deficient ``A`` PyTorch returns LAPACK's
division by a vanishing pivot (huge, rounding-dependent numbers); here that ``A`` gets the
minimum-norm solution too.

Gradient (PyTorch's ``linalg_lstsq_backward``): that of ``pinv(A) @ B``, with
``pinv``'s own derivative (Golub & Pereyra; PyTorch's ``pinv_backward``)::

    K = Gᴴ A⁺ (m ≤ n):  G_A = -(A⁺ K)ᴴ + K A⁺ᴴ - A A⁺ K A⁺ᴴ + A⁺ᴴ A⁺ (Gᴴ - K A)

(the transposed form when m > n), written in differentiable operations.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy

from .. import backend
from .._errors import MatrixShapeError, refuse_integer, refuse_unequal_dtypes
from ..autograd import Function
from ..tensor import Tensor, as_tensor
from .complex import _real_dtype, conj, real
from .decompositions import _mH
from .elementwise import astype
from .linalg import matmul
from .reduce import sum as _sum
from .shape import unsqueeze

DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def _pinv_array(a: Any, atol: Any, rtol: Any, hermitian: bool = False) -> tuple[Any, Any, Any]:
    """``(A⁺, s, rank)`` of each matrix, singular values ``≤ max(atol, rtol · σ_max)``
    dropped (``hermitian``: through ``eigh`` of the lower triangle, |λ| for s, as PyTorch)."""
    xp = backend.xp
    if hermitian:
        lam, u = xp.linalg.eigh(a)
        s, vh = xp.abs(lam), xp.conj(xp.swapaxes(u, -1, -2))
        smax = s.max(-1, keepdims=True) if s.shape[-1] else s
    else:
        u, lam, vh = xp.linalg.svd(a, full_matrices=False)
        s = lam
        smax = s[..., :1] if s.shape[-1] else s
    keep = s > xp.maximum(xp.asarray(atol)[..., None], xp.asarray(rtol)[..., None] * smax)
    with backend.quiet():
        s_inv = xp.where(keep, 1.0 / xp.where(keep, lam, 1), 0).astype(lam.dtype)
    pinv = xp.conj(xp.swapaxes(vh, -1, -2)) * s_inv[..., None, :] @ xp.conj(xp.swapaxes(u, -1, -2))
    return pinv, s, keep.sum(-1)


class PseudoInverse(Function):
    keep_output = True

    def __init__(self, atol: Any, rtol: Any, hermitian: bool = False) -> None:
        self.atol, self.rtol, self.hermitian = atol, rtol, hermitian

    def forward(self, a: Any) -> Any:
        pinv, self.s, self.rank = _pinv_array(a, self.atol, self.rtol, self.hermitian)
        return pinv

    def backward(self, g: Tensor) -> Tensor:
        a, p = self.inputs[0], self.output()
        ph, gh = _mH(p), _mH(g)
        if a.shape[-2] <= a.shape[-1]:
            k = matmul(gh, p)
            kph = matmul(k, ph)
            return (
                -_mH(matmul(p, k))
                + kph
                - matmul(matmul(a, p), kph)
                + matmul(matmul(ph, p), gh - matmul(k, a))
            )
        k = matmul(p, gh)
        phk = matmul(ph, k)
        return (
            -_mH(matmul(k, p))
            + matmul(matmul(gh - matmul(a, k), p), ph)
            + phk
            - matmul(matmul(phk, p), a)
        )


class LstsqResult(NamedTuple):
    """``(solution, residuals, rank, singular_values)`` of :func:`lstsq` (PyTorch's fields)."""

    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


def _operands(A: Any, B: Any) -> tuple[Tensor, Tensor, bool]:  # noqa: N803
    a, b = as_tensor(A), as_tensor(B)
    refuse_integer("linalg.lstsq", a, b)
    refuse_unequal_dtypes("torch.linalg.lstsq: ", a, b, ("input", "other"))
    if a.ndim < 2:
        raise MatrixShapeError(f"linalg.lstsq: A must have at least 2 dims, got shape {a.shape}")
    vector = b.ndim == a.ndim - 1
    if b.ndim < 1 or (not vector and b.ndim < 2):
        raise MatrixShapeError(f"linalg.lstsq: B of shape {b.shape} does not fit A {a.shape}")
    if (b.shape[-1] if vector else b.shape[-2]) != a.shape[-2]:
        raise MatrixShapeError(
            f"linalg.lstsq: A's rows ({a.shape[-2]}) must match B's "
            f"({b.shape[-1] if vector else b.shape[-2]}): shapes {a.shape} and {b.shape}"
        )
    dt = backend.result_type(a._data, b._data)
    return astype(a, dt), astype(unsqueeze(b, -1) if vector else b, dt), vector


def lstsq(
    A: Tensor,  # noqa: N803 - PyTorch's names
    B: Tensor,  # noqa: N803
    rcond: float | None = None,
    *,
    driver: str | None = None,
) -> LstsqResult:
    """The least-squares solution of ``A X ≈ B`` and PyTorch's companions (table above).

    >>> import deepgrad as dg
    >>> A = dg.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    >>> dg.linalg.lstsq(A, dg.tensor([[1.0], [2.0], [3.0]]), driver="gelsd").residuals.tolist()
    [9.0]
    """
    driver = "gelsy" if driver is None else driver
    if driver not in DRIVERS:
        raise ValueError(f"linalg.lstsq: driver must be one of {DRIVERS}, got {driver!r}")
    a, b, vector = _operands(A, B)
    m, n = a.shape[-2:]
    rdt = _real_dtype(a.dtype)
    rcond = float(numpy.finfo(rdt).eps * max(m, n)) if rcond is None or rcond < 0 else rcond
    fn = PseudoInverse(0.0, rcond)
    x = matmul(fn(a), b)
    empty = Tensor._from_op(backend.xp.zeros((0,), rdt), None, 0)
    rank = Tensor._from_op(fn.rank.astype(numpy.int64), None, 0)
    full = driver == "gels" or bool((fn.rank == min(m, n)).all())
    residuals = empty
    if m > n and full and driver != "gelsy":
        r = matmul(a, x) - b
        residuals = _sum(real(r * conj(r)), dim=-2)
    return LstsqResult(
        x[..., 0] if vector else x,
        residuals,
        Tensor._from_op(backend.xp.zeros((0,), numpy.int64), None, 0) if driver == "gels" else rank,
        Tensor._from_op(fn.s, None, 0) if driver in ("gelsd", "gelss") else empty,
    )


def _tolerance(t: Any) -> Any:
    return backend.xp.asarray(t._data if isinstance(t, Tensor) else t, dtype=numpy.float64)


def pinv(
    A: Tensor,  # noqa: N803 - PyTorch's names
    *,
    atol: Any = None,
    rtol: Any = None,
    hermitian: bool = False,
) -> Tensor:
    """The Moore-Penrose pseudo-inverse of each matrix (``(*, m, n)``), through the SVD
    (``hermitian``: ``eigh`` of the lower triangle, as PyTorch): singular values (``|λ|``) at
    or below ``max(atol, rtol · σ_max)`` count as 0; ``atol``/``rtol`` are numbers or tensors
    of the batch shape, ``rtol`` defaulting to ``eps · max(m, n)`` where ``atol`` is not
    given or not positive (else 0), as PyTorch. Gradient: PyTorch's ``pinv_backward`` (above),
    finite also where singular values repeat or vanish.

    >>> import deepgrad as dg
    >>> dg.linalg.pinv(dg.tensor([[2.0, 0.0], [0.0, 0.0]])).tolist()
    [[0.5, 0.0], [0.0, 0.0]]
    """
    a = as_tensor(A)
    refuse_integer("linalg.pinv", a)
    if a.ndim < 2:
        raise MatrixShapeError(f"pinv: expected matrices (*, m, n), got shape {a.shape}")
    if hermitian and a.shape[-1] != a.shape[-2]:
        raise MatrixShapeError(f"pinv: hermitian=True needs square matrices, got {a.shape}")
    default = numpy.finfo(_real_dtype(a.dtype)).eps * max(a.shape[-2:])
    atol_ = _tolerance(0.0 if atol is None else atol)
    if rtol is not None:
        rtol_ = _tolerance(rtol)
    else:
        rtol_ = backend.xp.where(atol_ > 0, 0.0, default) if atol is not None else default
    return PseudoInverse(atol_, rtol_, bool(hermitian))(a)


__all__ = ["LstsqResult", "lstsq", "pinv"]
