"""``deepgrad.linalg``: PyTorch's ``torch.linalg`` names for the matrix functions of
:mod:`deepgrad.functional` (``dg.linalg.inv``, ``dg.linalg.solve``, ``dg.linalg.norm``...).

A namespace only: each name is the one function of that name in ``deepgrad.functional``
(``deepgrad.linalg.cross`` is :func:`~deepgrad.functional.linalg.linalg_cross`, whose ``dim``
defaults to -1, ``deepgrad.linalg.norm`` is :func:`~deepgrad.functional.matrix_norms.linalg_norm`
``deepgrad.linalg.vander`` is :func:`~deepgrad.functional.grids.linalg_vander`, PyTorch's
increasing powers, batched, ``deepgrad.linalg.lu_solve`` is
:func:`~deepgrad.functional.lu.linalg_lu_solve` and ``deepgrad.linalg.diagonal`` is
:func:`~deepgrad.functional.torch_namespace.linalg_diagonal`, a view; ``tensorinv`` and
``tensorsolve`` are :mod:`deepgrad.functional.tensor_linalg`'s, ``inv``/``solve`` of the tensor
reshaped to a square matrix).
"""

from __future__ import annotations

from ._errors import LinAlgError
from .functional.conditioning import cond, matrix_rank
from .functional.decompositions import (
    cholesky,
    det,
    eigh,
    eigvalsh,
    inv,
    matrix_power,
    qr,
    slogdet,
    solve,
    svd,
    svdvals,
)
from .functional.eig import eig, eigvals
from .functional.grids import linalg_vander as vander
from .functional.householder import householder_product
from .functional.ldl import ldl_factor, ldl_factor_ex, ldl_solve
from .functional.least_squares import lstsq, pinv
from .functional.linalg import linalg_cross as cross
from .functional.linalg import matmul, multi_dot, vecdot
from .functional.linalg_ex import cholesky_ex, inv_ex, solve_ex
from .functional.lu import linalg_lu_solve as lu_solve
from .functional.lu import lu, lu_factor, lu_factor_ex
from .functional.matrix_exp import matrix_exp
from .functional.matrix_norms import linalg_norm as norm
from .functional.matrix_norms import matrix_norm, vector_norm
from .functional.tensor_linalg import tensorinv, tensorsolve
from .functional.torch_namespace import linalg_diagonal as diagonal
from .functional.triangular import solve_triangular

__all__ = [
    "LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eig", "eigh",
    "eigvals", "eigvalsh", "householder_product", "inv", "inv_ex", "ldl_factor",
    "ldl_factor_ex", "ldl_solve", "lstsq", "lu", "lu_factor",
    "lu_factor_ex", "lu_solve", "matmul", "matrix_exp", "matrix_norm", "matrix_power",
    "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve", "solve_ex",
    "solve_triangular", "svd", "svdvals", "tensorinv", "tensorsolve", "vander", "vecdot",
    "vector_norm",
]  # fmt: skip
