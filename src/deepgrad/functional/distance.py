"""Distances between points: ``dist`` (one norm of a difference), ``cdist`` (every pair of
rows of two sets) and ``pdist`` (every pair of rows of one set), composed from ``norm`` so their gradients are ``norm``'s (0 where two
points coincide, as PyTorch's)."""

from __future__ import annotations

from typing import Any

from .. import backend
from .._errors import MatrixShapeError
from ..tensor import Tensor
from .elementwise import _pair
from .reduce import norm
from .shape import unsqueeze


def dist(input: Tensor, other: Any, p: float = 2) -> Tensor:  # noqa: A002 - PyTorch's names
    """``‖input - other‖_p`` over all elements (broadcasting): a 0-d tensor.

    >>> import deepgrad as dg
    >>> dg.dist(dg.tensor([0.0, 0.0]), dg.tensor([3.0, 4.0])).item()
    5.0
    """
    a, b = _pair(input, other)
    return norm(a - b, p)


def cdist(
    x1: Tensor,
    x2: Tensor,
    p: float = 2.0,
    compute_mode: str = "use_mm_for_euclid_dist_if_necessary",
) -> Tensor:
    """The ``p``-norm distance between every row of ``x1 (…, P, M)`` and every row of
    ``x2 (…, R, M)``: ``(…, P, R)`` (batch dims broadcast). Computed from the differences
    (PyTorch may use a matrix product for ``p = 2`` on large sets: equal to rounding).

    >>> import deepgrad as dg
    >>> dg.cdist(dg.tensor([[0.0, 0.0]]), dg.tensor([[3.0, 4.0], [0.0, 1.0]])).tolist()
    [[5.0, 1.0]]
    """
    modes = (
        "use_mm_for_euclid_dist_if_necessary",
        "use_mm_for_euclid_dist",
        "donot_use_mm_for_euclid_dist",
    )
    if compute_mode not in modes:
        raise ValueError(f"cdist: compute_mode must be one of {modes}, got {compute_mode!r}")
    if x1.ndim < 2 or x2.ndim < 2:
        raise ValueError(f"cdist: expects at least 2-D inputs, got {x1.shape} and {x2.shape}")
    if x1.shape[-1] != x2.shape[-1]:
        raise MatrixShapeError(
            f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: "
            f"{x2.shape[-1]} (cdist: x1 {x1.shape} and x2 {x2.shape} must have the same number "
            "of columns)"
        )
    if p < 0:
        raise ValueError(f"cdist: p must be >= 0, got {p}")
    if x1.dtype.kind != "f" or x2.dtype.kind != "f":
        raise TypeError(f"cdist: expects floating inputs, got {x1.dtype} and {x2.dtype}")
    a, b = _pair(x1, x2)
    return norm(unsqueeze(a, -2) - unsqueeze(b, -3), p, -1)


def pdist(input: Tensor, p: float = 2.0) -> Tensor:  # noqa: A002 - PyTorch's names
    """The ``p``-norm distance between every pair of rows ``i < j`` of ``input (N, M)``, in
    the order of the upper triangle row by row: ``(N (N - 1) / 2,)``, PyTorch's
    ``F.pdist`` (its errors; the gradient 0 where two rows coincide).

    >>> import deepgrad as dg
    >>> dg.pdist(dg.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]])).tolist()
    [5.0, 1.0, 4.242640495300293]
    """
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if input.dtype.kind != "f":
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    i, j = backend.xp.triu_indices(input.shape[0], 1)
    return norm(input[i] - input[j], p, -1)
