"""PyTorch's ``torch.distributions.LowRankMultivariateNormal``: the Gaussian N(loc, Σ) with
``Σ = W Wᵀ + diag(D)``, ``W = cov_factor`` (``n × m``, ``m`` small) and ``D = cov_diag``.

``log_prob`` and ``entropy`` never form Σ: the Woodbury identity
``Σ⁻¹ = D⁻¹ - D⁻¹ W C⁻¹ Wᵀ D⁻¹`` and the determinant lemma ``log|Σ| = log|C| + log|D|`` need
only the Cholesky factor of the ``m × m`` capacitance ``C = I + Wᵀ D⁻¹ W``, as PyTorch's.
"""

from __future__ import annotations

import math
from typing import Any

from .. import functional as F
from ..functional.decompositions import cholesky
from ..tensor import Size, Tensor, eye
from . import constraints
from .distribution import Distribution
from .multivariate_normal import _batch_mahalanobis, _batch_mv, _solve_tril
from .utils import _standard_normal, lazy_property

__all__ = ["LowRankMultivariateNormal"]


def _batch_capacitance_tril(W: Tensor, D: Tensor) -> Tensor:  # noqa: N803
    """The Cholesky factor of ``I + Wᵀ D⁻¹ W`` for a batch of ``W`` and of vectors ``D``."""
    m = W.size(-1)
    K = F.matmul(W.mT / D.unsqueeze(-2), W) + eye(m, dtype=W.dtype)  # noqa: N806
    return cholesky(K)


def _batch_lowrank_logdet(W: Tensor, D: Tensor, capacitance_tril: Tensor) -> Tensor:  # noqa: N803
    """``log|W Wᵀ + D| = log|C| + log|D|`` (the matrix determinant lemma)."""
    return 2 * capacitance_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1) + D.log().sum(-1)


def _batch_lowrank_mahalanobis(
    W: Tensor,  # noqa: N803
    D: Tensor,  # noqa: N803
    x: Tensor,
    capacitance_tril: Tensor,
) -> Tensor:
    """``xᵀ (W Wᵀ + D)⁻¹ x`` by the Woodbury identity."""
    wt_dinv = W.mT / D.unsqueeze(-2)
    wt_dinv_x = _batch_mv(wt_dinv, x)
    return (x.pow(2) / D).sum(-1) - _batch_mahalanobis(capacitance_tril, wt_dinv_x)


class LowRankMultivariateNormal(Distribution):
    """N(``loc``, ``cov_factor @ cov_factor.mT + diag(cov_diag)``): ``loc`` of shape
    ``batch + (n,)``, ``cov_factor`` ``batch + (n, m)``, ``cov_diag`` ``batch + (n,)`` (batch
    dims broadcast). ``rsample`` is ``loc + W ε_m + sqrt(D) ε_n``.

    >>> import deepgrad as dg
    >>> from deepgrad.distributions import LowRankMultivariateNormal
    >>> m = LowRankMultivariateNormal(dg.zeros(2), dg.tensor([[1.0], [0.0]]), dg.ones(2))
    >>> m.variance.tolist(), m.rsample((3,)).shape
    ([2.0, 1.0], (3, 2))
    """

    arg_constraints = {
        "loc": constraints.real_vector,
        "cov_factor": constraints.independent(constraints.real, 2),
        "cov_diag": constraints.independent(constraints.positive, 1),
    }
    support = constraints.real_vector
    has_rsample = True

    def __init__(
        self,
        loc: Tensor,
        cov_factor: Tensor,
        cov_diag: Tensor,
        validate_args: bool | None = None,
    ) -> None:
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        event_shape = loc.shape[-1:]
        if cov_factor.dim() < 2:
            raise ValueError(
                "cov_factor must be at least two-dimensional, with optional leading batch "
                "dimensions"
            )
        if tuple(cov_factor.shape[-2:-1]) != tuple(event_shape):
            raise ValueError(
                f"cov_factor must be a batch of matrices with shape {event_shape[0]} x m"
            )
        if tuple(cov_diag.shape[-1:]) != tuple(event_shape):
            raise ValueError(f"cov_diag must be a batch of vectors with shape {Size(event_shape)}")
        try:
            loc_, self.cov_factor, cov_diag_ = F.broadcast_tensors(
                loc.unsqueeze(-1), cov_factor, cov_diag.unsqueeze(-1)
            )
        except (RuntimeError, ValueError) as e:
            raise ValueError(
                f"Incompatible batch shapes: loc {loc.size()}, cov_factor "
                f"{cov_factor.size()}, cov_diag {cov_diag.size()}"
            ) from e
        self.loc = loc_[..., 0]
        self.cov_diag = cov_diag_[..., 0]
        batch_shape = self.loc.shape[:-1]
        self._unbroadcasted_cov_factor = cov_factor
        self._unbroadcasted_cov_diag = cov_diag
        self._capacitance_tril = _batch_capacitance_tril(cov_factor, cov_diag)
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> LowRankMultivariateNormal:
        new = self._get_checked_instance(LowRankMultivariateNormal, _instance)
        batch_shape = Size(batch_shape)
        loc_shape = tuple(batch_shape) + tuple(self.event_shape)
        new.loc = self.loc.expand(loc_shape)
        new.cov_diag = self.cov_diag.expand(loc_shape)
        new.cov_factor = self.cov_factor.expand(loc_shape + tuple(self.cov_factor.shape[-1:]))
        new._unbroadcasted_cov_factor = self._unbroadcasted_cov_factor
        new._unbroadcasted_cov_diag = self._unbroadcasted_cov_diag
        new._capacitance_tril = self._capacitance_tril
        return self._expanded(new, batch_shape, self.event_shape)

    def _matrix_shape(self) -> tuple:
        return tuple(self._batch_shape) + tuple(self._event_shape) * 2

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @lazy_property
    def variance(self) -> Tensor:  # type: ignore[override]
        v = self._unbroadcasted_cov_factor.pow(2).sum(-1) + self._unbroadcasted_cov_diag
        return v.expand(tuple(self._batch_shape) + tuple(self._event_shape))

    @lazy_property
    def scale_tril(self) -> Tensor:
        n = self._event_shape[0]
        d_sqrt = self._unbroadcasted_cov_diag.sqrt().unsqueeze(-1)
        dinvsqrt_w = self._unbroadcasted_cov_factor / d_sqrt
        K = F.matmul(dinvsqrt_w, dinvsqrt_w.mT) + eye(n, dtype=dinvsqrt_w.dtype)  # noqa: N806
        return (d_sqrt * cholesky(K)).expand(self._matrix_shape())

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        W = self._unbroadcasted_cov_factor  # noqa: N806
        cov = F.matmul(W, W.mT) + F.diag_embed(self._unbroadcasted_cov_diag)
        return cov.expand(self._matrix_shape())

    @lazy_property
    def precision_matrix(self) -> Tensor:
        D = self._unbroadcasted_cov_diag  # noqa: N806
        wt_dinv = self._unbroadcasted_cov_factor.mT / D.unsqueeze(-2)
        A = _solve_tril(self._capacitance_tril, wt_dinv)  # noqa: N806
        precision = F.diag_embed(D.reciprocal()) - F.matmul(A.mT, A)
        return precision.expand(self._matrix_shape())

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        w_shape = shape[:-1] + tuple(self.cov_factor.shape[-1:])
        eps_w = _standard_normal(w_shape, self.loc.dtype)
        eps_d = _standard_normal(shape, self.loc.dtype)
        return (
            self.loc
            + _batch_mv(self._unbroadcasted_cov_factor, eps_w)
            + self._unbroadcasted_cov_diag.sqrt() * eps_d
        )

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag  # noqa: N806
        M = _batch_lowrank_mahalanobis(W, D, diff, self._capacitance_tril)  # noqa: N806
        log_det = _batch_lowrank_logdet(W, D, self._capacitance_tril)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + log_det + M)

    def entropy(self) -> Tensor:
        log_det = _batch_lowrank_logdet(
            self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag, self._capacitance_tril
        )
        H = 0.5 * (self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + log_det)  # noqa: N806
        if len(self._batch_shape) == 0:
            return H
        return H.expand(tuple(self._batch_shape))
