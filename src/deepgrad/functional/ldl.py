"""``torch.linalg.ldl_factor(_ex)`` and ``ldl_solve``: the Bunch-Kaufman factorization
``A = P L D Lᵀ Pᵀ`` of a symmetric matrix (its lower triangle read), in LAPACK's ``sytf2``
layout, as PyTorch returns it: ``LD`` holds ``L`` (unit diagonal implied) below the diagonal
and the 1x1 / 2x2 blocks of ``D`` on it (its upper triangle zero), ``pivots`` (int32, 1-based)
is positive for a 1x1 block (the row swapped in) and ``-p`` on both rows of a 2x2 block;
``info`` is ``k`` when ``D``'s ``k``-th diagonal block is exactly singular.

Computed per matrix with LAPACK's unblocked pivoting rule (``α = (1 + √17) / 8``), on the host;
PyTorch has no derivative for these functions, and a backward through them raises, as there.
Complex matrices are taken as symmetric (``hermitian=False``); ``hermitian=True`` is refused
for complex input (real input ignores it, as PyTorch).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy

from .. import backend
from .._errors import LinAlgError, MatrixShapeError, refuse_integer
from ..autograd import Function
from ..tensor import Tensor, as_tensor

_ALPHA = (1.0 + math.sqrt(17.0)) / 8.0


def _cabs1(x: Any) -> Any:
    return abs(x.real) + abs(x.imag) if numpy.iscomplexobj(x) else abs(x)


def _sytf2(a: numpy.ndarray) -> tuple[numpy.ndarray, numpy.ndarray, int]:
    """LAPACK's ``?sytf2`` (lower) of one matrix: ``(LD, pivots, info)``."""
    a = numpy.tril(a).copy()
    n = a.shape[0]
    ipiv = numpy.zeros(n, dtype=numpy.int32)
    info = 0
    k = 0
    while k < n:
        kstep = 1
        absakk = _cabs1(a[k, k])
        if k < n - 1:
            imax = k + 1 + int(numpy.argmax(_cabs1(a[k + 1 :, k])))
            colmax = _cabs1(a[imax, k])
        else:
            imax, colmax = k, 0.0
        if max(absakk, colmax) == 0 or numpy.isnan(absakk):
            info = info or k + 1
            kp = k
        else:
            if absakk >= _ALPHA * colmax:
                kp = k
            else:
                jmax = k + int(numpy.argmax(_cabs1(a[imax, k:imax])))
                rowmax = _cabs1(a[imax, jmax])
                if imax < n - 1:
                    jmax = imax + 1 + int(numpy.argmax(_cabs1(a[imax + 1 :, imax])))
                    rowmax = max(rowmax, _cabs1(a[jmax, imax]))
                if absakk >= _ALPHA * colmax * (colmax / rowmax):
                    kp = k
                elif _cabs1(a[imax, imax]) >= _ALPHA * rowmax:
                    kp = imax
                else:
                    kp, kstep = imax, 2
            kk = k + kstep - 1
            if kp != kk:  # swap rows and columns kk and kp of the trailing lower triangle
                if kp < n - 1:
                    a[kp + 1 :, [kk, kp]] = a[kp + 1 :, [kp, kk]]
                t = a[kk + 1 : kp, kk].copy()
                a[kk + 1 : kp, kk] = a[kp, kk + 1 : kp]
                a[kp, kk + 1 : kp] = t
                a[kk, kk], a[kp, kp] = a[kp, kp], a[kk, kk]
                if kstep == 2:
                    a[k + 1, k], a[kp, k] = a[kp, k], a[k + 1, k]
            if kstep == 1:
                if k < n - 1:
                    d11 = 1.0 / a[k, k]
                    x = a[k + 1 :, k].copy()
                    a[k + 1 :, k + 1 :] -= numpy.tril(d11 * numpy.outer(x, x))
                    a[k + 1 :, k] *= d11
            elif k < n - 2:
                d21 = a[k + 1, k]
                d11 = a[k + 1, k + 1] / d21
                d22 = a[k, k] / d21
                t = 1.0 / (d11 * d22 - 1.0)
                d21 = t / d21
                for j in range(k + 2, n):
                    wk = d21 * (d11 * a[j, k] - a[j, k + 1])
                    wkp1 = d21 * (d22 * a[j, k + 1] - a[j, k])
                    a[j:, j] -= a[j:, k] * wk + a[j:, k + 1] * wkp1
                    a[j, k], a[j, k + 1] = wk, wkp1
        if kstep == 1:
            ipiv[k] = kp + 1
        else:
            ipiv[k] = ipiv[k + 1] = -(kp + 1)
        k += kstep
    return a, ipiv, info


def _sytrs(ld: numpy.ndarray, ipiv: numpy.ndarray, b: numpy.ndarray) -> numpy.ndarray:
    """LAPACK's ``?sytrs`` (lower): ``X`` with ``A X = B`` from ``A``'s ``sytf2``."""
    b = b.copy()
    n = ld.shape[0]
    k = 0
    while k < n:  # P L D: forward
        if ipiv[k] > 0:
            kp = ipiv[k] - 1
            b[[k, kp]] = b[[kp, k]]
            b[k + 1 :] -= numpy.outer(ld[k + 1 :, k], b[k])
            b[k] /= ld[k, k]
            k += 1
        else:
            kp = -ipiv[k] - 1
            b[[k + 1, kp]] = b[[kp, k + 1]]
            b[k + 2 :] -= numpy.outer(ld[k + 2 :, k], b[k]) + numpy.outer(
                ld[k + 2 :, k + 1], b[k + 1]
            )
            akm1k = ld[k + 1, k]
            akm1, ak = ld[k, k] / akm1k, ld[k + 1, k + 1] / akm1k
            denom = akm1 * ak - 1.0
            bkm1, bk = b[k] / akm1k, b[k + 1] / akm1k
            b[k], b[k + 1] = (ak * bkm1 - bk) / denom, (akm1 * bk - bkm1) / denom
            k += 2
    k = n - 1
    while k >= 0:  # Lᵀ Pᵀ: backward
        if ipiv[k] > 0:
            b[k] -= ld[k + 1 :, k] @ b[k + 1 :]
            kp = ipiv[k] - 1
            b[[k, kp]] = b[[kp, k]]
            k -= 1
        else:
            b[k] -= ld[k + 1 :, k] @ b[k + 1 :]
            b[k - 1] -= ld[k + 1 :, k - 1] @ b[k + 1 :]
            kp = -ipiv[k] - 1
            b[[k, kp]] = b[[kp, k]]
            k -= 2
    return b


class _NoDerivative(Function):
    """A node whose backward raises, as PyTorch's for ``ldl_factor``/``ldl_solve``."""

    def __init__(self, name: str, compute: Any) -> None:
        self.name, self.compute = name, compute

    def forward(self, *arrays: Any) -> Any:
        return self.compute(*arrays)

    def backward(self, *grads: Any) -> Any:
        raise RuntimeError(f"derivative for {self.name} is not implemented (as in PyTorch)")


def _host(x: Any) -> numpy.ndarray:
    return numpy.asarray(x.get() if hasattr(x, "get") else x)


def _symmetric(fn: str, A: Any, hermitian: bool) -> Tensor:  # noqa: N803
    a = as_tensor(A)
    refuse_integer(fn, a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise MatrixShapeError(f"{fn}: A must be batches of square matrices, got shape {a.shape}")
    if hermitian and a.dtype.kind == "c":
        raise NotImplementedError(
            f"{fn}: hermitian=True for complex matrices is not supported by deepgrad; "
            "expected hermitian=False (complex symmetric) or a real matrix"
        )
    return a


class LDLFactorExResult(NamedTuple):
    """``(LD, pivots, info)`` of :func:`ldl_factor_ex` (PyTorch's field names)."""

    LD: Tensor  # noqa: N815
    pivots: Tensor
    info: Tensor


class LDLFactorResult(NamedTuple):
    """``(LD, pivots)`` of :func:`ldl_factor` (PyTorch's field names)."""

    LD: Tensor  # noqa: N815
    pivots: Tensor


def ldl_factor_ex(
    A: Tensor,  # noqa: N803 - PyTorch's names
    *,
    hermitian: bool = False,
    check_errors: bool = False,
) -> LDLFactorExResult:
    """``torch.linalg.ldl_factor_ex``: ``(LD, pivots, info)`` of each symmetric matrix
    (``(*, n, n)``, lower triangle read), batched.

    >>> import deepgrad as dg
    >>> LD, pivots, info = dg.linalg.ldl_factor_ex(dg.tensor([[4.0, 2.0], [2.0, 3.0]]))
    >>> LD.tolist(), pivots.tolist(), info.item()
    ([[4.0, 0.0], [0.5, 2.0]], [1, 2], 0)
    """
    fn = "torch.linalg.ldl_factor_ex"
    a = _symmetric(fn, A, hermitian)
    n = a.shape[-1]
    flat = _host(a._data).reshape((-1, n, n))
    outs = [_sytf2(m) for m in flat]
    ld = numpy.stack([o[0] for o in outs]) if outs else numpy.zeros_like(flat)
    piv = numpy.stack([o[1] for o in outs]) if outs else numpy.zeros((0, n), numpy.int32)
    info = numpy.array([o[2] for o in outs], dtype=numpy.int32)
    if check_errors and info.size and info.max() > 0:
        b = int(numpy.argmax(info > 0))
        where = f"(Batch element {b}): " if a.ndim > 2 else ""
        raise LinAlgError(
            f"{fn}: {where}the factorization could not be completed: D[{info[b] - 1},{info[b] - 1}] is zero"
        )
    xp, batch = backend.xp, a.shape[:-2]
    ld_t = _NoDerivative("linalg.ldl_factor", lambda _: xp.asarray(ld.reshape(a.shape)))(a)
    return LDLFactorExResult(
        ld_t,
        Tensor._from_op(xp.asarray(piv.reshape(batch + (n,))), None, 0),
        Tensor._from_op(xp.asarray(info.reshape(batch)), None, 0),
    )


def ldl_factor(A: Tensor, *, hermitian: bool = False) -> LDLFactorResult:  # noqa: N803
    """``torch.linalg.ldl_factor``: :func:`ldl_factor_ex`'s ``(LD, pivots)``, raising where
    ``info > 0``, as PyTorch."""
    ld, piv, _ = ldl_factor_ex(A, hermitian=hermitian, check_errors=True)
    return LDLFactorResult(ld, piv)


def ldl_solve(
    LD: Tensor,  # noqa: N803 - PyTorch's names
    pivots: Tensor,
    B: Tensor,  # noqa: N803
    *,
    hermitian: bool = False,
) -> Tensor:
    """``torch.linalg.ldl_solve``: ``X`` with ``A X = B`` from ``A``'s :func:`ldl_factor`;
    ``B`` ``(*, n, k)``, the batch dims broadcast."""
    fn = "torch.linalg.ldl_solve"
    ld = _symmetric(fn, LD, hermitian)
    b, piv = as_tensor(B), as_tensor(pivots)
    refuse_integer(fn, b)
    if piv._data.dtype != numpy.int32:
        raise RuntimeError(f"{fn}: pivots must be int32, got {piv.dtype}")
    if b.ndim < 2 or b.shape[-2] != ld.shape[-1]:
        raise MatrixShapeError(f"{fn}: B of shape {b.shape} does not fit LD of shape {ld.shape}")
    if b.dtype != ld.dtype:
        raise RuntimeError(f"{fn}: LD and B must have the same dtype, got {ld.dtype} and {b.dtype}")
    n, k = ld.shape[-1], b.shape[-1]
    batch = numpy.broadcast_shapes(ld.shape[:-2], piv.shape[:-1], b.shape[:-2])
    lds = numpy.broadcast_to(_host(ld._data), batch + (n, n)).reshape((-1, n, n))
    pvs = numpy.broadcast_to(_host(piv._data), batch + (n,)).reshape((-1, n))
    bs = numpy.broadcast_to(_host(b._data), batch + (n, k)).reshape((-1, n, k))
    x = numpy.stack([_sytrs(*t) for t in zip(lds, pvs, bs)]) if bs.size else bs.copy()
    out = backend.xp.asarray(x.reshape(batch + (n, k)))
    return _NoDerivative("linalg.ldl_solve", lambda *_: out)(ld, b)


__all__ = [
    "LDLFactorExResult", "LDLFactorResult", "ldl_factor", "ldl_factor_ex", "ldl_solve",
]  # fmt: skip
