"""``deepgrad.linalg``: PyTorch's ``torch.linalg`` names for the matrix functions of
:mod:`deepgrad.functional` (``dg.linalg.inv``, ``dg.linalg.solve``, ``dg.linalg.norm``...).

A namespace only: each name is the one function of that name in ``deepgrad.functional``
(``deepgrad.linalg.cross`` is :func:`~deepgrad.functional.linalg.linalg_cross`, whose ``dim``
defaults to -1, and ``deepgrad.linalg.norm`` is :func:`~deepgrad.functional.matrix_norms.linalg_norm`).
"""

from __future__ import annotations

from ._errors import LinAlgError
from .functional.decompositions import (
    cholesky,
    det,
    eigh,
    eigvalsh,
    inv,
    matrix_power,
    pinv,
    qr,
    slogdet,
    solve,
    svd,
    svdvals,
)
from .functional.linalg import linalg_cross as cross
from .functional.linalg import matmul
from .functional.matrix_norms import linalg_norm as norm
from .functional.matrix_norms import matrix_norm, vector_norm

__all__ = [
    "LinAlgError", "cholesky", "cross", "det", "eigh", "eigvalsh", "inv", "matmul", "matrix_norm", "matrix_power", "norm",
    "pinv", "qr",
    "slogdet", "solve", "svd", "svdvals", "vector_norm",
]  # fmt: skip
