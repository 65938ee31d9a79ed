"""Triangular systems: ``linalg.solve_triangular``, ``triangular_solve`` (PyTorch's deprecated
form) and ``cholesky_solve``, batched over leading dims (which broadcast), real or complex.

The forward is substitution (what LAPACK's ``trsm``, and so PyTorch, does): row by row, each
row one matrix product over the rows already solved, so a zero on the diagonal gives ``inf`` /
``nan`` as in PyTorch (no singularity check). Gradients, for ``X = op(A)⁻¹ B`` and upstream ``G``:

================  ==============================  =======================================
function          forward                         gradient
================  ==============================  =======================================
solve_triangular  A X = B (A's triangle read)     G_B = A⁻ᴴ G,  G_A = -G_B Xᴴ on A's
                                                  triangle (strict when unitriangular)
cholesky_solve    (L Lᴴ) X = B                    G_B = (L Lᴴ)⁻¹ G,  G_L = -(G_B Xᴴ + X G_Bᴴ) L
                                                  (upper: -U (…)), not projected (PyTorch's)
================  ==============================  =======================================

Each backward is written in these functions, so higher-order gradients work.
"""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

from .. import backend
from .._errors import MatrixShapeError, refuse_integer, refuse_unequal_dtypes
from ..autograd import Function
from ..tensor import Tensor, as_tensor
from .decompositions import _mH, _mT
from .elementwise import _floating, astype
from .linalg import matmul
from .shape import sum_to, tril, triu


def _substitute(a: Any, b: Any, upper: bool, unit: bool) -> Any:
    """``X`` with ``A X = B`` for triangular ``A`` (``(*, n, n)``, ``B`` ``(*, n, k)``)."""
    xp = backend.xp
    shape = xp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    x = xp.empty(shape + b.shape[-2:], backend.result_type(a, b))
    n = a.shape[-1]
    with backend.quiet():
        for i in range(n - 1, -1, -1) if upper else range(n):
            done = slice(i + 1, n) if upper else slice(0, i)
            r = b[..., i : i + 1, :] - a[..., i : i + 1, done] @ x[..., done, :]
            x[..., i : i + 1, :] = r if unit else r / a[..., i : i + 1, i : i + 1]
    return x


class SolveTriangular(Function):
    keep_output = True

    def __init__(self, upper: bool, unit: bool) -> None:
        self.upper, self.unit = upper, unit

    def forward(self, a: Any, b: Any) -> Any:
        return _substitute(a, b, self.upper, self.unit)

    def backward(self, gx: Tensor) -> tuple:
        a, b = self.inputs
        na, nb = self.needs_input_grad
        gb = SolveTriangular(not self.upper, self.unit)(_mH(a), gx)
        ga = None
        if na:
            g = -matmul(gb, _mH(self.output()))
            k = 1 if self.unit else 0
            ga = sum_to(triu(g, k) if self.upper else tril(g, -k), a.shape)
        return ga, (sum_to(gb, b.shape) if nb else None)


def _operands(fn: str, A: Any, B: Any, integer_b: bool = True) -> tuple[Tensor, Tensor]:  # noqa: N803
    a, b = as_tensor(A), as_tensor(B)
    refuse_integer(fn, a, not_implemented=True)  # PyTorch: no kernel for integers
    if not integer_b:
        refuse_integer(fn, b)
    b = _floating(b)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise MatrixShapeError(f"{fn}: A must be batches of square matrices, got shape {a.shape}")
    if b.ndim < 2:
        raise MatrixShapeError(f"{fn}: B must have at least 2 dims, got shape {b.shape}")
    dt = backend.result_type(a._data, b._data)
    return astype(a, dt), astype(b, dt)


def solve_triangular(
    A: Tensor,  # noqa: N803 - PyTorch's names
    B: Tensor,  # noqa: N803
    *,
    upper: bool,
    left: bool = True,
    unitriangular: bool = False,
) -> Tensor:
    """The solution ``X`` of ``A X = B`` (``left=False``: ``X A = B``) for triangular ``A``
    (``(*, n, n)``; only its upper or lower triangle is read, and with ``unitriangular`` its
    diagonal is taken as ones); ``B`` is ``(*, n, k)`` (``(*, k, n)`` when ``left=False``).
    ``upper`` is required, as in PyTorch. No singularity check: a zero on the diagonal gives
    ``inf``/``nan``, as PyTorch's.

    >>> import deepgrad as dg
    >>> A = dg.tensor([[2.0, 1.0], [0.0, 4.0]])
    >>> dg.linalg.solve_triangular(A, dg.tensor([[3.0], [4.0]]), upper=True).tolist()
    [[1.0], [1.0]]
    """
    a, b = _operands("linalg.solve_triangular", A, B)
    n = a.shape[-1]
    if (b.shape[-2] if left else b.shape[-1]) != n:
        eq = "AX = B" if left else "XA = B"
        raise MatrixShapeError(
            f"linalg.solve_triangular: incompatible shapes of A and B for the equation {eq} "
            f"({n}x{n} and {b.shape[-2]}x{b.shape[-1]})"
        )
    if not left:  # X A = B  ⇔  Aᵀ Xᵀ = Bᵀ, Aᵀ's triangle the other one
        return _mT(SolveTriangular(not upper, bool(unitriangular))(_mT(a), _mT(b)))
    return SolveTriangular(bool(upper), bool(unitriangular))(a, b)


class TriangularSolveResult(NamedTuple):
    """``(solution, cloned_coefficient)`` of :func:`triangular_solve` (PyTorch's fields)."""

    solution: Tensor
    cloned_coefficient: Tensor


def triangular_solve(
    b: Tensor,
    A: Tensor,  # noqa: N803
    upper: bool = True,
    transpose: bool = False,
    unitriangular: bool = False,
) -> TriangularSolveResult:
    """PyTorch's deprecated ``torch.triangular_solve(b, A)``: ``(X, A.clone())`` with
    ``op(A) X = b`` (``op(A) = Aᵀ`` when ``transpose``), warning as PyTorch does; use
    :func:`solve_triangular` (arguments reversed, no copy of ``A``)."""
    warnings.warn(
        "torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangular and "
        "will be removed in a future PyTorch release: X = triangular_solve(B, A).solution "
        "should be replaced with X = linalg.solve_triangular(A, B, upper=True)",
        UserWarning,
        stacklevel=2,
    )
    a = as_tensor(A)
    refuse_integer("triangular_solve", a, not_implemented=True)
    refuse_integer("triangular_solve", b)  # PyTorch: b and A of one dtype
    refuse_unequal_dtypes("", as_tensor(b), a, ("b", "A"))
    op = _mT(a) if transpose else a
    x = solve_triangular(op, b, upper=bool(upper) != bool(transpose), unitriangular=unitriangular)
    return TriangularSolveResult(x, a.clone())


class CholeskySolve(Function):
    keep_output = True

    def __init__(self, upper: bool) -> None:
        self.upper = upper

    def forward(self, b: Any, f: Any) -> Any:
        fh = backend.xp.conj(backend.xp.swapaxes(f, -1, -2))
        lo, hi = (fh, f) if self.upper else (f, fh)
        return _substitute(hi, _substitute(lo, b, False, False), True, False)

    def backward(self, gx: Tensor) -> tuple:
        b, f = self.inputs
        nb, nf = self.needs_input_grad
        gb = CholeskySolve(self.upper)(gx, f)
        gf = None
        if nf:
            common = matmul(gb, _mH(self.output()))
            common = common + _mH(common)
            gf = sum_to(-(matmul(f, common) if self.upper else matmul(common, f)), f.shape)
        return (sum_to(gb, b.shape) if nb else None), gf


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False) -> Tensor:  # noqa: N803
    """``torch.cholesky_solve``: the solution ``X`` of ``A X = B`` given ``A``'s Cholesky
    factor ``L`` (``A = L Lᴴ``; ``upper``: ``U`` with ``A = Uᴴ U``), ``B`` ``(*, n, k)``.

    >>> import deepgrad as dg
    >>> L = dg.tensor([[2.0, 0.0], [1.0, 3.0]])
    >>> dg.cholesky_solve(dg.tensor([[4.0], [11.0]]), L).tolist()
    [[0.5], [1.0]]
    """
    f, b = _operands("cholesky_solve", L, B, integer_b=False)  # integers refused first
    refuse_unequal_dtypes("", as_tensor(B), as_tensor(L), ("b", "A"))  # PyTorch's words
    if b.shape[-2] != f.shape[-1]:
        raise MatrixShapeError(
            f"cholesky_solve: B of shape {b.shape} does not fit the factor of shape {f.shape}"
        )
    return CholeskySolve(bool(upper))(b, f)


__all__ = [
    "TriangularSolveResult", "cholesky_solve", "solve_triangular", "triangular_solve",
]  # fmt: skip
