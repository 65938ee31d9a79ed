"""PyTorch's ``torch.distributions.LKJCholesky``: the LKJ distribution over Cholesky factors
``L`` of ``dim × dim`` correlation matrices, density proportional to
``det(L Lᵀ)^(η - 1) = ∏_i L_ii^(2(η - 1))`` times the Jacobian of ``L ↦ L Lᵀ``; drawn by
the onion method (Lewandowski, Kurowicka & Joe, 2009) in PyTorch's vectorised form, with the
squared row norms drawn from the method's Beta(k/2, ·) (PyTorch 2.13 draws Beta(k - 1/2, ·) for
rows k ≥ 2, which leaves its ``dim ≥ 3`` samples off the LKJ law its ``log_prob`` gives: the
off-diagonal correlations' variance is not ``1 / (2η + dim - 1)``)."""

from __future__ import annotations

import math
from typing import Any

import numpy

from .. import functional as F
from ..tensor import Size, Tensor, arange, randn
from . import constraints
from .distribution import Distribution
from .univariate import Beta
from .utils import broadcast_all

__all__ = ["LKJCholesky"]


class LKJCholesky(Distribution):
    """LKJCholesky(``dim`` ≥ 2, ``concentration`` η > 0): event shape ``(dim, dim)``, batch
    shape ``concentration``'s; ``sample`` only (no ``rsample``, as PyTorch's); ``log_prob`` is
    PyTorch's, the draws follow it (every off-diagonal correlation of ``L Lᵀ`` has the LKJ
    marginal ``2 Beta(η - 1 + dim/2, η - 1 + dim/2) - 1``).

    >>> import deepgrad as dg
    >>> from deepgrad.distributions import LKJCholesky
    >>> LKJCholesky(3, dg.tensor(0.5)).sample((2,)).shape
    (2, 3, 3)
    """

    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(
        self, dim: int, concentration: Any = 1.0, validate_args: bool | None = None
    ) -> None:
        if dim < 2:
            raise ValueError(
                f"Expected dim to be an integer greater than or equal to 2. Found dim={dim}."
            )
        self.dim = dim
        (self.concentration,) = broadcast_all(concentration)
        batch_shape = self.concentration.size()
        event_shape = Size((dim, dim))
        marginal_conc = self.concentration + 0.5 * (self.dim - 2)
        offset = arange(self.dim - 1, dtype=self.concentration.dtype)
        offset = F.cat([offset.new_zeros((1,)), offset])
        # row k of the factor (k ≥ 1) draws its squared norm from Beta(k/2, ·) (Lewandowski et
        # al. 2009, §3.2); PyTorch's offset + 0.5 gives Beta(k - 1/2, ·) for k ≥ 2, so its
        # draws for dim ≥ 3 do not follow its own log_prob (see the README's row)
        beta_conc1 = 0.5 * offset + 0.5
        beta_conc0 = marginal_conc.unsqueeze(-1) - 0.5 * offset
        self._beta = Beta(beta_conc1, beta_conc0)
        super().__init__(batch_shape, event_shape, validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> LKJCholesky:
        new = self._get_checked_instance(LKJCholesky, _instance)
        batch_shape = Size(batch_shape)
        new.dim = self.dim
        new.concentration = self.concentration.expand(batch_shape)
        new._beta = self._beta.expand(tuple(batch_shape) + (self.dim,))
        return self._expanded(new, batch_shape, self.event_shape)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        y = self._beta.sample(sample_shape).unsqueeze(-1)
        u_normal = randn(tuple(self._extended_shape(sample_shape)), dtype=y.dtype).tril(-1)
        u_hypersphere = u_normal / u_normal.norm(dim=-1, keepdim=True)
        first_row = (arange(self.dim) == 0).reshape(-1, 1)
        u_hypersphere = F.where(first_row, 0.0, u_hypersphere)  # 0/0 in the first row
        w = y.sqrt() * u_hypersphere
        tiny = float(numpy.finfo(w.dtype).tiny)
        diag_elems = (1 - (w**2).sum(dim=-1)).clamp(min=tiny).sqrt()
        return (w + F.diag_embed(diag_elems)).detach()

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        diag_elems = value.diagonal(dim1=-1, dim2=-2)[..., 1:]
        order = arange(2, self.dim + 1, dtype=self.concentration.dtype)
        order = 2 * (self.concentration - 1).unsqueeze(-1) + self.dim - order
        unnormalized_log_pdf = (order * diag_elems.log()).sum(dim=-1)
        dm1 = self.dim - 1
        alpha = self.concentration + 0.5 * dm1
        denominator = F.lgamma(alpha) * dm1
        numerator = F.mvlgamma(alpha - 0.5, dm1)
        pi_constant = 0.5 * dm1 * math.log(math.pi)
        return unnormalized_log_pdf - (pi_constant + numerator - denominator)
