"""PyTorch's ``Laplace``, ``Exponential``, ``LogNormal``, ``Gamma``, ``Beta`` and ``Poisson``:
elementwise distributions with PyTorch's parameters, formulas (``log_prob``, ``entropy``,
moments, ``cdf``/``icdf`` where PyTorch has them) and constraints. All but ``Poisson`` (which
is discrete) sample by reparameterization (``rsample``): ``Gamma``, ``Beta`` and ``StudentT``
through PyTorch's implicit gradient of the gamma draw (``implicit_reparameterization``).

>>> import deepgrad as dg
>>> from deepgrad.distributions import Beta, Laplace
>>> round(Laplace(0.0, 1.0).log_prob(dg.tensor(1.0)).item(), 4)
-1.6931
>>> round(Beta(dg.tensor(2.0), dg.tensor(3.0)).mean.item(), 4)
0.4
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy

from .. import _torch_rng, backend
from .. import functional as F
from ..tensor import Size, Tensor, full_like
from . import constraints
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .implicit_reparameterization import sample_dirichlet, standard_gamma
from .normal import Normal
from .utils import _standard_normal, _uniform, broadcast_all

__all__ = [
    "Beta", "Cauchy", "Exponential", "Gamma", "Gumbel", "HalfNormal", "Laplace", "LogNormal",
    "Poisson", "StudentT",
]  # fmt: skip


class _Elementwise(Distribution):
    """Parameters (named by ``_params``) broadcast together; ``expand`` expands them."""

    _params: tuple[str, ...] = ()

    def _set_params(self, values: tuple, validate_args: bool | None) -> None:
        tensors = broadcast_all(*values)
        for name, t in zip(self._params, tensors, strict=True):
            setattr(self, name, t)
        numbers_only = all(isinstance(v, numbers.Number) for v in values)
        batch_shape = Size() if numbers_only else tensors[0].size()
        Distribution.__init__(self, batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Any:
        new = self._get_checked_instance(type(self), _instance)
        batch_shape = Size(batch_shape)
        for name in self._params:
            setattr(new, name, getattr(self, name).expand(batch_shape))
        return self._expanded(new, batch_shape)

    def _first(self) -> Tensor:
        return getattr(self, self._params[0])

    def _draw(self, sample_shape: Any, draw: Any) -> Tensor:
        """A draw of NumPy's seeded generator (``draw(rng, *params, shape)``), no graph."""
        shape = tuple(self._extended_shape(sample_shape))
        params = [numpy.broadcast_to(backend.to_numpy(getattr(self, n)._data), shape)
                  for n in self._params]  # fmt: skip
        out = draw(backend.rng(), *params, shape)
        return Tensor._wrap(backend.xp.asarray(numpy.asarray(out, dtype=self._first().dtype)))


class Laplace(_Elementwise):
    """Laplace(``loc``, ``scale``): density ``exp(-|x - loc| / scale) / (2 scale)``."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True
    _params = ("loc", "scale")

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self._set_params((loc, scale), validate_args)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        return 2 * self.scale.pow(2)

    @property
    def stddev(self) -> Tensor:
        return (2**0.5) * self.scale

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        eps = float(numpy.finfo(self.loc.dtype).eps)
        u = _uniform(shape, self.loc.dtype) * (2 - eps) + (eps - 1)  # U(eps - 1, 1)
        return self.loc - self.scale * u.sign() * F.log1p(-u.abs())

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return -F.log(2 * self.scale) - (value - self.loc).abs() / self.scale

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 - 0.5 * (value - self.loc).sign() * F.expm1(
            -(value - self.loc).abs() / self.scale
        )

    def icdf(self, value: Tensor) -> Tensor:
        term = value - 0.5
        return self.loc - self.scale * term.sign() * F.log1p(-2 * term.abs())

    def entropy(self) -> Tensor:
        return 1 + F.log(2 * self.scale)


class Exponential(_Elementwise, ExponentialFamily):
    """Exponential(``rate``): density ``rate · exp(-rate x)`` on ``x ≥ 0``."""

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _params = ("rate",)

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        self._set_params((rate,), validate_args)

    @property
    def mean(self) -> Tensor:
        return self.rate.reciprocal()

    @property
    def mode(self) -> Tensor:
        return Tensor._wrap(backend.xp.zeros_like(self.rate._data))

    @property
    def stddev(self) -> Tensor:
        return self.rate.reciprocal()

    @property
    def variance(self) -> Tensor:
        return self.rate.pow(-2)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        # PyTorch's: exponential_() draws (-log1p(-u), u a 53-bit uniform) over the rate
        shape, dt = tuple(self._extended_shape(sample_shape)), numpy.dtype(self.rate.dtype)
        return Tensor._wrap(_torch_rng.exponential(backend.rng(), shape, dt)) / self.rate

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 1 - F.exp(-self.rate * value)

    def icdf(self, value: Tensor) -> Tensor:
        return -F.log1p(-value) / self.rate

    def entropy(self) -> Tensor:
        return 1.0 - self.rate.log()

    _mean_carrier_measure = 0

    @property
    def _natural_params(self) -> tuple[Tensor]:
        return (-self.rate,)

    def _log_normalizer(self, x: Tensor) -> Tensor:
        return -(-x).log()


class LogNormal(_Elementwise):
    """LogNormal(``loc``, ``scale``): ``exp`` of a Normal(``loc``, ``scale``) variable."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive
    has_rsample = True
    _params = ("loc", "scale")

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self._set_params((loc, scale), validate_args)

    @property
    def base_dist(self) -> Normal:
        return Normal(self.loc, self.scale, validate_args=False)

    @property
    def mean(self) -> Tensor:
        return F.exp(self.loc + self.scale.pow(2) / 2)

    @property
    def mode(self) -> Tensor:
        return F.exp(self.loc - self.scale.square())

    @property
    def variance(self) -> Tensor:
        scale_sq = self.scale.pow(2)
        return F.expm1(scale_sq) * F.exp(2 * self.loc + scale_sq)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        eps = _standard_normal(self._extended_shape(sample_shape), self.loc.dtype)
        return F.exp(self.loc + eps * self.scale)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        y = F.log(value)
        return self.base_dist.log_prob(y) - y

    def cdf(self, value: Tensor) -> Tensor:
        return self.base_dist.cdf(F.log(value))

    def icdf(self, value: Tensor) -> Tensor:
        return F.exp(self.base_dist.icdf(value))

    def entropy(self) -> Tensor:
        return self.base_dist.entropy() + self.loc


class Gamma(_Elementwise, ExponentialFamily):
    """Gamma(``concentration``, ``rate``): density ``rate^c x^(c-1) e^(-rate x) / Γ(c)``."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _params = ("concentration", "rate")

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None) -> None:
        self._set_params((concentration, rate), validate_args)

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """Gamma draws (NumPy's) with PyTorch's implicit reparameterization gradient."""
        shape = tuple(self._extended_shape(sample_shape))
        value = standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)
        value.detach().clamp_(min=float(numpy.finfo(value.dtype).tiny))
        return value

    def log_prob(self, value: Tensor) -> Tensor:
        value = value if isinstance(value, Tensor) else full_like(self.rate, value)
        if self._validate_args:
            self._validate_sample(value)
        c, r = self.concentration, self.rate
        return F.xlogy(c, r) + F.xlogy(c - 1, value) - r * value - F.lgamma(c)

    def cdf(self, value: Tensor) -> Tensor:
        """The regularized lower incomplete gamma ``P(c, rate · value)`` (no gradient to
        ``concentration``, as PyTorch's)."""
        if self._validate_args:
            self._validate_sample(value)
        return F.igamma(self.concentration, self.rate * value)

    def entropy(self) -> Tensor:
        c = self.concentration
        return c - self.rate.log() + F.lgamma(c) + (1.0 - c) * F.digamma(c)

    _mean_carrier_measure = 0

    @property
    def _natural_params(self) -> tuple[Tensor, Tensor]:
        return (self.concentration - 1, -self.rate)

    def _log_normalizer(self, x: Tensor, y: Tensor) -> Tensor:
        return F.lgamma(x + 1) + (x + 1) * (-y.reciprocal()).log()


class Beta(_Elementwise, ExponentialFamily):
    """Beta(``concentration1``, ``concentration0``) on the unit interval."""

    arg_constraints = {
        "concentration1": constraints.positive,
        "concentration0": constraints.positive,
    }
    support = constraints.unit_interval
    has_rsample = True
    _params = ("concentration1", "concentration0")

    def __init__(
        self, concentration1: Any, concentration0: Any, validate_args: bool | None = None
    ) -> None:
        self._set_params((concentration1, concentration0), validate_args)

    @property
    def mean(self) -> Tensor:
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Tensor:
        """PyTorch's: the first coordinate of the mode of Dirichlet(c1, c0),
        ``(c1 - 1) / ((c1 - 1) + (c0 - 1))`` with each ``c - 1`` clamped at 0 (so 1 where
        ``c1 > 1 > c0``, and NaN where that is 0 / 0); 1, an end, where both are below 1."""
        c = F.stack([self.concentration1, self.concentration0], -1)
        return Dirichlet(c, validate_args=False).mode[..., 0]

    @property
    def variance(self) -> Tensor:
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """The first coordinate of a Dirichlet(``[c1, c0]``) draw, reparameterized as
        PyTorch's (its implicit Dirichlet gradient)."""
        shape = tuple(self._extended_shape(sample_shape)) + (2,)
        both = F.stack([self.concentration1, self.concentration0], -1).expand(shape)
        return sample_dirichlet(both).select(-1, 0)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        c1, c0 = self.concentration1, self.concentration0
        return (
            F.xlogy(c1 - 1.0, value)
            + F.xlogy(c0 - 1.0, 1.0 - value)
            + F.lgamma(c1 + c0)
            - F.lgamma(c1)
            - F.lgamma(c0)
        )

    def entropy(self) -> Tensor:
        c1, c0 = self.concentration1, self.concentration0
        a0 = c1 + c0
        return (
            F.lgamma(c1)
            + F.lgamma(c0)
            - F.lgamma(a0)
            - (2 - a0) * F.digamma(a0)
            - ((c1 - 1.0) * F.digamma(c1) + (c0 - 1.0) * F.digamma(c0))
        )

    @property
    def _natural_params(self) -> tuple[Tensor, Tensor]:
        return (self.concentration1, self.concentration0)

    def _log_normalizer(self, x: Tensor, y: Tensor) -> Tensor:
        return F.lgamma(x) + F.lgamma(y) - F.lgamma(x + y)


class Poisson(_Elementwise, ExponentialFamily):
    """Poisson(``rate``): ``P(k) = rate^k e^(-rate) / k!`` on the non-negative integers."""

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer
    _params = ("rate",)

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        self._set_params((rate,), validate_args)

    @property
    def mean(self) -> Tensor:
        return self.rate

    @property
    def mode(self) -> Tensor:
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        return self.rate

    def sample(self, sample_shape: Any = ()) -> Tensor:
        # PyTorch's: poisson(rate.expand(shape)), its sampler and numbers
        return self._draw(sample_shape, lambda g, r, shape: _torch_rng.poisson(g, r.copy()))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        rate = self.rate
        return F.xlogy(value, rate) - rate - F.lgamma(value + 1)

    @property
    def _natural_params(self) -> tuple[Tensor]:
        return (self.rate.log(),)

    def _log_normalizer(self, x: Tensor) -> Tensor:
        return F.exp(x)


class StudentT(_Elementwise):
    """Student's t with ``df`` degrees of freedom, ``loc`` and ``scale``; ``rsample`` carries
    gradients to all three (through a reparameterized chi-square draw, as PyTorch's)."""

    arg_constraints = {
        "df": constraints.positive,
        "loc": constraints.real,
        "scale": constraints.positive,
    }
    support = constraints.real
    has_rsample = True
    _params = ("df", "loc", "scale")

    def __init__(
        self, df: Any, loc: Any = 0.0, scale: Any = 1.0, validate_args: bool | None = None
    ) -> None:
        self._set_params((df, loc, scale), validate_args)

    @property
    def mean(self) -> Tensor:
        return F.where(self.df > 1, self.loc, float("nan"))

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        df = self.df
        finite = self.scale.pow(2) * df / F.where(df > 2, df - 2, 1.0)
        return F.where(df > 2, finite, F.where(df > 1, float("inf"), float("nan")))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``loc + scale · X / sqrt(Z / df)``, ``X`` standard normal, ``Z`` a reparameterized
        Chi2(``df``) draw (PyTorch's construction)."""
        shape = tuple(self._extended_shape(sample_shape))
        x = _standard_normal(shape, self.df.dtype)
        z = standard_gamma((0.5 * self.df).expand(shape)) / 0.5
        z.detach().clamp_(min=float(numpy.finfo(z.dtype).tiny))
        return self.loc + self.scale * (x * (z / self.df).rsqrt())

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        df = self.df
        y = (value - self.loc) / self.scale
        z = (
            self.scale.log()
            + 0.5 * df.log()
            + 0.5 * math.log(math.pi)
            + F.lgamma(0.5 * df)
            - F.lgamma(0.5 * (df + 1.0))
        )
        return -0.5 * (df + 1.0) * F.log1p(y**2.0 / df) - z

    def entropy(self) -> Tensor:
        df = self.df
        lbeta = F.lgamma(0.5 * df) + math.lgamma(0.5) - F.lgamma(0.5 * (df + 1))
        return (
            self.scale.log()
            + 0.5 * (df + 1) * (F.digamma(0.5 * (df + 1)) - F.digamma(0.5 * df))
            + 0.5 * df.log()
            + lbeta
        )


class Cauchy(_Elementwise):
    """Cauchy(``loc``, ``scale``): no mean (NaN) and infinite variance, as PyTorch's."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True
    _params = ("loc", "scale")

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self._set_params((loc, scale), validate_args)

    @property
    def mean(self) -> Tensor:
        return full_like(self.loc, float("nan"))

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        return full_like(self.loc, float("inf"))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        # PyTorch's: standard cauchy_() draws (tan(π(u - ½)), u a 53-bit uniform), scaled
        shape, dt = tuple(self._extended_shape(sample_shape)), numpy.dtype(self.loc.dtype)
        eps = Tensor._wrap(_torch_rng.cauchy(backend.rng(), shape, dt))
        return self.loc + eps * self.scale

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return (
            -math.log(math.pi) - self.scale.log() - (((value - self.loc) / self.scale) ** 2).log1p()
        )

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return F.atan((value - self.loc) / self.scale) / math.pi + 0.5

    def icdf(self, value: Tensor) -> Tensor:
        return F.tan(math.pi * (value - 0.5)) * self.scale + self.loc

    def entropy(self) -> Tensor:
        return math.log(4 * math.pi) + self.scale.log()


class HalfNormal(_Elementwise):
    """HalfNormal(``scale``): ``|X|`` for ``X ~ Normal(0, scale)``."""

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _params = ("scale",)

    def __init__(self, scale: Any, validate_args: bool | None = None) -> None:
        self._set_params((scale,), validate_args)

    @property
    def base_dist(self) -> Normal:
        return Normal(self.scale * 0, self.scale, validate_args=False)

    @property
    def mean(self) -> Tensor:
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def mode(self) -> Tensor:
        return self.scale * 0

    @property
    def variance(self) -> Tensor:
        return self.scale.pow(2) * (1 - 2 / math.pi)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        return self.base_dist.rsample(sample_shape).abs()

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        log_prob = self.base_dist.log_prob(value) + math.log(2)
        return F.where(value >= 0, log_prob, float("-inf"))

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob: Tensor) -> Tensor:
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self) -> Tensor:
        return self.base_dist.entropy() - math.log(2)


class Gumbel(_Elementwise):
    """Gumbel(``loc``, ``scale``): ``loc - scale · log(-log U)``."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True
    _params = ("loc", "scale")
    _euler = 0.57721566490153286060

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self._set_params((loc, scale), validate_args)

    @property
    def mean(self) -> Tensor:
        return self.loc + self.scale * self._euler

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self) -> Tensor:
        return self.stddev.pow(2)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        finfo = numpy.finfo(self.loc.dtype)
        u = _uniform(self._extended_shape(sample_shape), self.loc.dtype)
        u = u.clamp(min=float(finfo.tiny), max=1.0 - float(finfo.eps))
        return self.loc - self.scale * F.log(-F.log(u))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        return -(self.scale.log() + z + F.exp(-z))

    def cdf(self, value: Tensor) -> Tensor:
        return F.exp(-F.exp(-(value - self.loc) / self.scale))

    def icdf(self, value: Tensor) -> Tensor:
        """``loc - scale · log(-log u)`` with ``u`` PyTorch's uniform base ``icdf``
        (``tiny + value · (1 - eps - tiny)``)."""
        finfo = numpy.finfo(self.loc.dtype)
        tiny, eps = float(finfo.tiny), float(finfo.eps)
        u = value * (1 - eps - tiny) + tiny
        return self.loc - self.scale * F.log(-F.log(u))

    def entropy(self) -> Tensor:
        return self.scale.log() + (1 + self._euler)
