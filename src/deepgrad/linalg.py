"""``deepgrad.linalg``: PyTorch's ``torch.linalg`` names for the matrix functions of
:mod:`deepgrad.functional` (``dg.linalg.inv``, ``dg.linalg.solve``, ``dg.linalg.norm``...).

A namespace only: each name is the one function of that name in ``deepgrad.functional``
(``deepgrad.linalg.cross`` is :func:`~deepgrad.functional.linalg.linalg_cross`, whose ``dim``
defaults to -1, ``deepgrad.linalg.norm`` is :func:`~deepgrad.functional.matrix_norms.linalg_norm`
and ``deepgrad.linalg.vander`` is :func:`~deepgrad.functional.grids.linalg_vander`, PyTorch's
increasing powers, batched).
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
from .functional.least_squares import lstsq, pinv
from .functional.linalg import linalg_cross as cross
from .functional.linalg import matmul, multi_dot, vecdot
from .functional.matrix_exp import matrix_exp
from .functional.matrix_norms import linalg_norm as norm
from .functional.matrix_norms import matrix_norm, vector_norm
from .functional.triangular import solve_triangular

__all__ = [
    "LinAlgError", "cholesky", "cond", "cross", "det", "eig", "eigh", "eigvals", "eigvalsh", "inv",
    "lstsq", "matmul", "matrix_exp", "matrix_norm", "matrix_power", "matrix_rank", "multi_dot",
    "norm", "pinv", "qr", "slogdet", "solve", "solve_triangular", "svd", "svdvals", "vander",
    "vecdot", "vector_norm",
]  # fmt: skip
