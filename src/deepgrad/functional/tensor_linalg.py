"""``torch.linalg.tensorinv`` and ``tensorsolve``: the inverse of a tensor read as a linear map
between its leading and trailing dims, and the solution of ``tensordot(A, X, X.ndim) = B``.
Both reshape to a square matrix and call :func:`~deepgrad.functional.decompositions.inv` /
:func:`~deepgrad.functional.decompositions.solve`, so their gradients are those functions'
(through the reshapes), and their errors PyTorch's: shapes that do not make a square matrix a
``RuntimeError`` in PyTorch's words (a :class:`~deepgrad._errors.MatrixShapeError`, also a
``ValueError``), a singular one :class:`~deepgrad._errors.LinAlgError`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy

from .._errors import (
    DtypeError,
    IntArgumentError,
    MatrixShapeError,
    int_arg,
    ints_arg,
    kernel_dtype_name,
)
from ..tensor import Tensor
from .decompositions import inv, solve
from .shape import movedim, reshape

__all__ = ["tensorinv", "tensorsolve"]


def _tensor(value: object, fn: str, name: str, position: int) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(
            f"{fn}(): argument '{name}' (position {position}) must be Tensor, not "
            f"{type(value).__name__}; wrap it with deepgrad.tensor(...)"
        )
    return value


def tensorinv(input: Tensor, ind: int = 2) -> Tensor:  # noqa: A002 - PyTorch's keyword
    """The inverse ``X`` of ``A`` (``input``) read as a linear map from its trailing dims ``A.shape[ind:]``
    to its leading dims ``A.shape[:ind]``: ``tensordot(X, A, ind)`` is the identity on
    ``A.shape[ind:]``. ``X`` has shape ``A.shape[ind:] + A.shape[:ind]``; ``prod(A.shape[:ind])``
    must equal ``prod(A.shape[ind:])``. Computed as ``inv(A.reshape(m, m))`` reshaped, and
    differentiable through it.

    >>> import deepgrad as dg
    >>> A = dg.eye(4).reshape(4, 2, 2)
    >>> dg.linalg.tensorinv(A, ind=1).shape
    (2, 2, 4)
    """
    A = _tensor(input, "linalg_tensorinv", "input", 1)
    ind = int_arg(ind, "linalg_tensorinv", "ind", 2)
    if ind <= 0:
        raise MatrixShapeError(
            f"Expected a strictly positive integer for 'ind', but got {ind} (the number of "
            "leading dims of A that make the result's trailing dims; e.g. ind=2)"
        )
    shape = tuple(A.shape)
    if ind > len(shape):
        raise MatrixShapeError(
            f"ArrayRef: invalid slice, N = {ind}; size = {len(shape)} (linalg.tensorinv: ind="
            f"{ind} is more than the {len(shape)} dims of A; ind must be in [1, {len(shape)}])"
        )
    lead, trail = shape[:ind], shape[ind:]
    m, k = math.prod(trail), math.prod(lead)
    if m != k:
        raise MatrixShapeError(
            "Expected self to satisfy the requirement prod(self.shape[ind:]) == "
            f"prod(self.shape[:ind]), but got {m} != {k} (A has shape {shape}, ind={ind}: the "
            "leading and trailing dims must hold the same number of entries)"
        )
    return reshape(inv(reshape(A, (m, k))), trail + lead)


def tensorsolve(
    input: Tensor,  # noqa: A002 - PyTorch's keywords: input, other
    other: Tensor,
    dims: Sequence[int] | None = None,
) -> Tensor:
    """The ``X`` with ``tensordot(A, X, X.ndim) = B`` (``A`` is ``input``, ``B`` ``other``): ``A``'s dims ``dims`` (if given) are moved
    to its end first; then ``X`` has shape ``A.shape[B.ndim:]``, whose number of entries must
    equal ``B``'s, and ``A`` is read as the square matrix of that size. Computed as
    ``solve(A.reshape(m, m), B.flatten())`` reshaped, differentiable in ``A`` and ``B``.
    ``A`` and ``B`` must have one dtype, as PyTorch's ``linalg.solve`` requires.

    >>> import deepgrad as dg
    >>> A = dg.eye(6, dtype=dg.float64).reshape(2, 3, 6) * 2
    >>> dg.linalg.tensorsolve(A, dg.ones(2, 3, dtype=dg.float64)).tolist()
    [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
    """
    fn = "linalg_tensorsolve"
    A, B = _tensor(input, fn, "input", 1), _tensor(other, fn, "other", 2)
    if dims is not None:
        if isinstance(dims, (int, numpy.integer)):
            raise IntArgumentError(
                f"{fn}(): argument 'dims' must be tuple of ints, not int (pass dims=({dims},))"
            )
        dims = ints_arg(dims, fn, "dims")
        A = movedim(A, dims, tuple(range(A.ndim - len(dims), A.ndim)))
    shape, b_shape = tuple(A.shape), tuple(B.shape)
    if len(b_shape) > len(shape):
        raise MatrixShapeError(
            f"linalg.tensorsolve: B has {len(b_shape)} dims, more than A's {len(shape)} (A's "
            f"leading dims are B's shape, its trailing ones the result's; got A {shape}, B "
            f"{b_shape})"
        )
    result_shape = shape[len(b_shape) :]
    m, k = math.prod(result_shape), math.prod(b_shape)
    if m != k:
        raise MatrixShapeError(
            "Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
            f"prod(self.shape[:other.ndim]), but got {m} != {k} (A {shape}, B {b_shape}: A's "
            "trailing dims after B.ndim must hold as many entries as B)"
        )
    if m * m != math.prod(shape):
        raise MatrixShapeError(
            f"shape '[{m}, {m}]' is invalid for input of size {math.prod(shape)} (A {shape} is "
            f"not a {m} x {m} matrix; its leading dims must hold {m} entries, as B's {b_shape})"
        )
    if A.dtype != B.dtype:
        raise DtypeError(
            "linalg.solve: Expected A and B to have the same dtype, but found A of type "
            f"{kernel_dtype_name(A.dtype)} and B of type {kernel_dtype_name(B.dtype)} instead "
            "(convert one, e.g. B.to(A.dtype))"
        )
    return reshape(solve(reshape(A, (m, m)), reshape(B, (k,))), result_shape)
