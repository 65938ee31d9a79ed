"""PyTorch's ``torch.distributions.MultivariateNormal``: the Gaussian N(loc, Σ) over vectors,
given by its covariance, its precision or the lower Cholesky factor ``L`` (Σ = L Lᵀ); every
computation goes through ``L``.

PyTorch solves with ``L`` by ``torch.linalg.solve_triangular``; here the general
``linalg.solve`` of the lower triangle of ``L`` gives the same numbers and gradients (the
upper triangle, which a triangular solve never reads, gets a zero gradient in both).
"""

from __future__ import annotations

import math
from typing import Any

from .. import functional as F
from ..functional.decompositions import cholesky, solve
from ..tensor import Size, Tensor, eye
from . import constraints
from .distribution import Distribution
from .utils import _standard_normal, lazy_property

__all__ = ["MultivariateNormal"]


def _batch_mv(bmat: Tensor, bvec: Tensor) -> Tensor:
    """Matrix-vector products, batch dims broadcast."""
    return F.matmul(bmat, bvec.unsqueeze(-1)).squeeze(-1)


def _solve_tril(bL: Tensor, b: Tensor) -> Tensor:  # noqa: N803
    """``X`` with ``tril(bL) X = b`` (``b`` a batch of matrices), batch dims broadcast."""
    return solve(bL.tril(), b)


def _batch_mahalanobis(bL: Tensor, bx: Tensor) -> Tensor:  # noqa: N803
    """The squared Mahalanobis distance ``xᵀ (L Lᵀ)⁻¹ x``, the batch of ``bL`` broadcast to
    that of ``bx``."""
    return _solve_tril(bL, bx.unsqueeze(-1)).squeeze(-1).pow(2).sum(-1)


def _precision_to_scale_tril(P: Tensor) -> Tensor:  # noqa: N803
    """The lower Cholesky factor of ``P⁻¹`` (by PyTorch's flip trick)."""
    Lf = cholesky(F.flip(P, (-2, -1)))  # noqa: N806
    L_inv = F.flip(Lf, (-2, -1)).mT  # noqa: N806
    return _solve_tril(L_inv, eye(P.shape[-1], dtype=P.dtype))


def _half_log_det(L: Tensor) -> Tensor:  # noqa: N803
    return L.diagonal(dim1=-2, dim2=-1).log().sum(-1)


class MultivariateNormal(Distribution):
    """N(``loc``, Σ) with exactly one of ``covariance_matrix``, ``precision_matrix`` or
    ``scale_tril``; their batch dims broadcast with ``loc``'s.

    >>> import deepgrad as dg
    >>> from deepgrad.distributions import MultivariateNormal
    >>> m = MultivariateNormal(dg.zeros(2), dg.eye(2))
    >>> m.event_shape, m.sample((3,)).shape
    (deepgrad.Size([2]), (3, 2))
    """

    arg_constraints = {
        "loc": constraints.real_vector,
        "covariance_matrix": constraints.positive_definite,
        "precision_matrix": constraints.positive_definite,
        "scale_tril": constraints.lower_cholesky,
    }
    support = constraints.real_vector
    has_rsample = True

    def __init__(
        self,
        loc: Tensor,
        covariance_matrix: Tensor | None = None,
        precision_matrix: Tensor | None = None,
        scale_tril: Tensor | None = None,
        validate_args: bool | None = None,
    ) -> None:
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = [(n, m) for n, m in (("scale_tril", scale_tril),
                 ("covariance_matrix", covariance_matrix),
                 ("precision_matrix", precision_matrix)) if m is not None]  # fmt: skip
        if len(given) != 1:
            raise ValueError(
                "Exactly one of covariance_matrix or precision_matrix or scale_tril may be "
                "specified."
            )
        name, matrix = given[0]
        if matrix.dim() < 2:
            raise ValueError(
                f"{name} matrix must be at least two-dimensional, with optional leading "
                "batch dimensions"
            )
        batch_shape = F.broadcast_shapes(tuple(matrix.shape[:-2]), tuple(loc.shape[:-1]))
        setattr(self, name, matrix.expand(tuple(batch_shape) + (-1, -1)))
        self.loc = loc.expand(tuple(batch_shape) + (-1,))
        super().__init__(batch_shape, self.loc.shape[-1:], validate_args=validate_args)
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = matrix
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = cholesky(matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(matrix)

    def expand(self, batch_shape: Any, _instance: Any = None) -> MultivariateNormal:
        new = self._get_checked_instance(MultivariateNormal, _instance)
        batch_shape = Size(batch_shape)
        loc_shape = tuple(batch_shape) + tuple(self.event_shape)
        cov_shape = loc_shape + tuple(self.event_shape)
        new.loc = self.loc.expand(loc_shape)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        for name in ("covariance_matrix", "scale_tril", "precision_matrix"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(cov_shape))
        return self._expanded(new, batch_shape, self.event_shape)

    def _matrix_shape(self) -> tuple:
        return tuple(self._batch_shape) + tuple(self._event_shape) * 2

    @lazy_property
    def scale_tril(self) -> Tensor:
        return self._unbroadcasted_scale_tril.expand(self._matrix_shape())

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        L = self._unbroadcasted_scale_tril  # noqa: N806
        return F.matmul(L, L.mT).expand(self._matrix_shape())

    @lazy_property
    def precision_matrix(self) -> Tensor:
        L = self._unbroadcasted_scale_tril  # noqa: N806
        # PyTorch's cholesky_inverse: (L Lᵀ)⁻¹ as a function of the whole of L (its gradient
        # is not confined to the lower triangle, unlike a triangular solve's)
        L_inv = solve(L, eye(L.shape[-1], dtype=L.dtype))  # noqa: N806
        return F.matmul(L_inv.mT, L_inv).expand(self._matrix_shape())

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        v = self._unbroadcasted_scale_tril.pow(2).sum(-1)
        return v.expand(tuple(self._batch_shape) + tuple(self._event_shape))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        eps = _standard_normal(shape, self.loc.dtype)
        return self.loc + _batch_mv(self._unbroadcasted_scale_tril, eps)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        M = _batch_mahalanobis(self._unbroadcasted_scale_tril, diff)  # noqa: N806
        half_log_det = _half_log_det(self._unbroadcasted_scale_tril)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + M) - half_log_det

    def entropy(self) -> Tensor:
        half_log_det = _half_log_det(self._unbroadcasted_scale_tril)
        H = 0.5 * self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + half_log_det  # noqa: N806
        if len(self._batch_shape) == 0:
            return H
        return H.expand(tuple(self._batch_shape))
