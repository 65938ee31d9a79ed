"""PyTorch's ``torch.distributions.VonMises``: the circular distribution with density
``exp(κ cos(x - loc)) / (2π I₀(κ))`` on ``[-π, π)``, ``κ = concentration``.

``log I₀`` and ``log I₁`` are PyTorch's polynomial approximations (Abramowitz & Stegun 9.8.1
to 9.8.4), so ``log_prob`` and ``variance`` are PyTorch's numbers; draws are Best & Fisher's
rejection sampler in float64, from deepgrad's seeded generator.
"""

from __future__ import annotations

import math
from typing import Any

import numpy

from .. import _torch_rng, backend
from .. import functional as F
from ..tensor import Size, Tensor
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["VonMises"]

_I0_COEF_SMALL = [1.0, 3.5156229, 3.0899424, 1.2067492, 0.2659732, 0.360768e-1, 0.45813e-2]
_I0_COEF_LARGE = [0.39894228, 0.1328592e-1, 0.225319e-2, -0.157565e-2, 0.916281e-2,
                  -0.2057706e-1, 0.2635537e-1, -0.1647633e-1, 0.392377e-2]  # fmt: skip
_I1_COEF_SMALL = [0.5, 0.87890594, 0.51498869, 0.15084934, 0.2658733e-1, 0.301532e-2,
                  0.32411e-3]  # fmt: skip
_I1_COEF_LARGE = [0.39894228, -0.3988024e-1, -0.362018e-2, 0.163801e-2, -0.1031555e-1,
                  0.2282967e-1, -0.2895312e-1, 0.1787654e-1, -0.420059e-2]  # fmt: skip
_COEF_SMALL = [_I0_COEF_SMALL, _I1_COEF_SMALL]
_COEF_LARGE = [_I0_COEF_LARGE, _I1_COEF_LARGE]


def _eval_poly(y: Any, coef: list) -> Any:
    coef = list(coef)
    result = coef.pop()
    while coef:
        result = coef.pop() + y * result
    return result


def _log_modified_bessel_fn(x: Tensor, order: int = 0) -> Tensor:
    """``log I_order(x)`` for ``x > 0``, ``order`` 0 or 1 (PyTorch's approximation)."""
    if order not in (0, 1):
        raise ValueError(f"order must be 0 or 1, got {order}")
    y = x / 3.75
    y = y * y
    small = _eval_poly(y, _COEF_SMALL[order])
    if order == 1:
        small = x.abs() * small
    small = small.log()
    y = 3.75 / x
    large = x - 0.5 * x.log() + _eval_poly(y, _COEF_LARGE[order]).log()
    return F.where(x < 3.75, small, large)


def _rejection_sample(loc: Any, kappa: Any, proposal_r: Any, shape: tuple) -> numpy.ndarray:
    """Best & Fisher (1979): accepted draws in ``[-π, π)`` around ``loc`` (float64), as
    PyTorch's sampler makes them: each round draws float64 uniforms ``(3, *shape)`` for every
    value (``dg.rand``'s: PyTorch's numbers after the same seed) until every value has been
    accepted once, and a value accepted again in a later round takes the later draw (as
    PyTorch's; each accepted draw is a von Mises sample)."""
    rng = backend.rng()
    x = numpy.zeros(shape)
    done = numpy.zeros(shape, dtype=bool)
    while not done.all():
        u1, u2, u3 = _torch_rng.uniform(rng, (3,) + shape, numpy.float64)
        z = numpy.cos(math.pi * u1)
        f = (1 + proposal_r * z) / (proposal_r + z)
        c = kappa * (proposal_r - f)
        with numpy.errstate(all="ignore"):
            accept = ((c * (2 - c) - u2) > 0) | (numpy.log(c / u2) + 1 - c >= 0)
        x = numpy.where(accept, numpy.sign(u3 - 0.5) * numpy.arccos(numpy.clip(f, -1, 1)), x)
        done |= accept
    return numpy.mod(x + math.pi + loc, 2 * math.pi) - math.pi


class VonMises(Distribution):
    """VonMises(``loc``, ``concentration``) (broadcast together): the circular ``mean`` and
    ``mode`` are ``loc``, the circular ``variance`` ``1 - I₁(κ)/I₀(κ)``; ``sample`` only (no
    ``rsample``, as PyTorch's).

    >>> import deepgrad as dg
    >>> from deepgrad.distributions import VonMises
    >>> m = VonMises(dg.tensor(0.0), dg.tensor(2.0))
    >>> round(m.log_prob(dg.tensor(0.0)).item(), 4), m.sample((3,)).shape
    (-0.6619, (3,))
    """

    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, loc: Any, concentration: Any, validate_args: bool | None = None) -> None:
        self.loc, self.concentration = broadcast_all(loc, concentration)
        super().__init__(self.loc.shape, Size(), validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> VonMises:
        validate_args = self.__dict__.get("_validate_args")
        loc = self.loc.expand(tuple(batch_shape))
        concentration = self.concentration.expand(tuple(batch_shape))
        return type(self)(loc, concentration, validate_args=validate_args)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        log_prob = self.concentration * F.cos(value - self.loc)
        return (
            log_prob - math.log(2 * math.pi) - _log_modified_bessel_fn(self.concentration, order=0)
        )

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        loc = numpy.broadcast_to(
            backend.to_numpy(self.loc.detach()._data).astype(numpy.float64), shape
        )
        kappa = numpy.broadcast_to(
            backend.to_numpy(self.concentration.detach()._data).astype(numpy.float64), shape
        )
        with numpy.errstate(all="ignore"):
            tau = 1 + numpy.sqrt(1 + 4 * kappa**2)
            rho = (tau - numpy.sqrt(2 * tau)) / (2 * kappa)
            proposal_r = numpy.where(kappa < 1e-5, 1 / kappa + kappa, (1 + rho**2) / (2 * rho))
        out = _rejection_sample(loc, kappa, proposal_r, shape)
        return Tensor._wrap(backend.xp.asarray(out.astype(self.loc.dtype)))

    @property
    def mean(self) -> Tensor:
        """The circular mean."""
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        """The circular variance ``1 - I₁(κ)/I₀(κ)``."""
        k = self.concentration
        return 1 - (_log_modified_bessel_fn(k, order=1) - _log_modified_bessel_fn(k, order=0)).exp()
