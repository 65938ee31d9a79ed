"""Reparameterized gamma and Dirichlet draws (PyTorch's ``_standard_gamma`` and
``_sample_dirichlet`` with their gradients), which give ``Gamma``, ``Chi2``, ``Beta``,
``Dirichlet`` and ``StudentT`` their ``rsample``.

A gamma draw has no smooth map from parameter-free noise, so the gradient is the implicit one
(Figurnov et al., 2018): holding the draw's CDF level fixed,
``dx/dα = -(∂F(x; α)/∂α) / f(x; α)``. PyTorch computes it with closed-form approximations
(ATen's ``standard_gamma_grad_one`` and ``dirichlet_grad_one``: a Taylor series for small
``x``, Rice saddle-point expansions for large parameters, fitted rational functions between);
the same approximations are vectorised here, so the gradients are PyTorch's. The draws are
NumPy's gamma draws (deepgrad's seeded generator), not PyTorch's numbers.
"""

from __future__ import annotations

from typing import Any

import numpy

from .. import _torch_rng, backend
from ..autograd import Function
from ..tensor import Tensor

__all__ = ["dirichlet_grad", "standard_gamma", "standard_gamma_grad"]

_GAMMA_UV = numpy.array([
    [0.16009398, -0.094634809, 0.025146376, -0.0030648343,
     1, 0.32668115, 0.10406089, 0.0014179084],
    [0.53487893, 0.1298071, 0.065735949, -0.0015649758,
     0.16639465, 0.020070113, -0.0035938915, -0.00058392623],
    [0.040121004, -0.0065914022, -0.0026286047, -0.0013441777,
     0.017050642, -0.0021309326, 0.00085092367, -1.5247877e-07],
])  # fmt: skip

_DIRICHLET_C = numpy.array([
    [[[1.003668233, -0.01061107488, -0.0657888334, 0.01201642863],
      [0.6336835991, -0.3557432599, 0.05486251648, -0.001465281033],
      [-0.03276231906, 0.004474107445, 0.002429354597, -0.0001557569013]],
     [[0.221950385, -0.3187676331, 0.01799915743, 0.01074823814],
      [-0.2951249643, 0.06219954479, 0.01535556598, 0.001550077057],
      [0.02155310298, 0.004170831599, 0.001292462449, 6.976601077e-05]],
     [[-0.05980841433, 0.008441916499, 0.01085618172, 0.002319392565],
      [0.02911413504, 0.01400243777, -0.002721828457, 0.000751041181],
      [0.005900514878, -0.001936558688, -9.495446725e-06, 5.385558597e-05]]],
    [[[1, -0.02924021934, -0.04438342661, 0.007285809825],
      [0.6357567472, -0.3473456711, 0.05454656494, -0.002407477521],
      [-0.03301322327, 0.004845219414, 0.00231480583, -0.0002307248149]],
     [[0.5925320577, -0.1757678135, 0.01505928619, 0.000564515273],
      [0.1014815858, -0.06589186703, 0.01272886114, -0.0007316646956],
      [-0.007258481865, 0.001096195486, 0.0003934994223, -4.12701925e-05]],
     [[0.06469649321, -0.0236701437, 0.002902096474, -5.896963079e-05],
      [0.001925008108, -0.002869809258, 0.0008000589141, -6.063713228e-05],
      [-0.0003477407336, 6.959756487e-05, 1.097287507e-05, -1.650964693e-06]]],
])  # fmt: skip


def _digamma(a: numpy.ndarray) -> numpy.ndarray:
    return backend.special("psi")(a)


def standard_gamma_grad(alpha: Any, x: Any) -> numpy.ndarray:
    """``-(∂F(x; α)/∂α) / f(x; α)`` for ``x`` a draw of Gamma(α, 1), elementwise on NumPy
    arrays (float64), as PyTorch's ``_standard_gamma_grad``."""
    alpha = numpy.asarray(alpha, dtype=numpy.float64)
    x = numpy.asarray(x, dtype=numpy.float64)
    alpha, x = numpy.broadcast_arrays(alpha, x)
    with numpy.errstate(all="ignore"):
        # a Taylor series for small x
        numer = numpy.ones_like(x)
        denom = alpha.copy()
        series1 = numer / denom
        series2 = numer / (denom * denom)
        for i in range(1, 6):
            numer = numer * (-x / i)
            denom = denom + 1
            series1 = series1 + numer / denom
            series2 = series2 + numer / (denom * denom)
        pow_x_alpha = x**alpha
        gamma_pdf = x ** (alpha - 1) * numpy.exp(-x)
        gamma_cdf = pow_x_alpha * series1
        gamma_cdf_alpha = (numpy.log(x) - _digamma(alpha)) * gamma_cdf - pow_x_alpha * series2
        small = -gamma_cdf_alpha / gamma_pdf
        small = numpy.where(numpy.isnan(small), 0.0, small)
        # a Rice saddle-point expansion for large alpha
        numer_1 = 1 + 24 * alpha * (1 + 12 * alpha)
        numer_2 = (
            1440 * (alpha * alpha)
            + 6 * x * (53 - 120 * x)
            - 65 * x * x / alpha
            + alpha * (107 + 3600 * x)
        )
        near = numer_1 * numer_2 / (1244160 * (alpha * alpha) * (alpha * alpha))
        sq = numpy.sqrt(8 * alpha)
        term2 = sq / (alpha - x)
        term3 = (x - alpha - alpha * numpy.log(x / alpha)) ** -1.5
        term23 = numpy.where(x < alpha, term2 - term3, term2 + term3)
        term1 = numpy.log(x / alpha) * term23 - numpy.sqrt(2 / alpha) * (alpha + x) / (
            (alpha - x) * (alpha - x)
        )
        stirling = 1 + 1 / (12 * alpha) * (1 + 1 / (24 * alpha))
        far = -stirling * (x * term1) / sq
        large = numpy.where((0.9 * alpha <= x) & (x <= 1.1 * alpha), near, far)
        # a bivariate rational approximation in between
        u = numpy.log(x / alpha)
        v = numpy.log(alpha)
        cv = [_GAMMA_UV[0, i] + u * (_GAMMA_UV[1, i] + u * _GAMMA_UV[2, i]) for i in range(8)]
        p = cv[0] + v * (cv[1] + v * (cv[2] + v * cv[3]))
        q = cv[4] + v * (cv[5] + v * (cv[6] + v * cv[7]))
        rational = numpy.exp(p / q)
    return numpy.where(x < 0.8, small, numpy.where(alpha > 8.0, large, rational))


def _beta_grad_alpha_small(x: Any, alpha: Any, beta: Any) -> Any:
    factor = _digamma(alpha) - _digamma(alpha + beta) - numpy.log(x)
    numer = numpy.ones_like(x)
    series = numer / alpha * (factor + 1 / alpha)
    for i in range(1, 11):
        numer = numer * ((i - beta) * x / i)
        denom = alpha + i
        series = series + numer / denom * (factor + 1 / denom)
    result = x * (1 - x) ** -beta * series
    return numpy.where(numpy.isnan(result), 0.0, result)


def _beta_grad_beta_small(x: Any, alpha: Any, beta: Any) -> Any:
    factor = _digamma(alpha + beta) - _digamma(beta)
    numer = numpy.ones_like(x)
    betas = numpy.ones_like(x)
    dbetas = numpy.zeros_like(x)
    series = factor / alpha
    for i in range(1, 9):
        numer = numer * (-x / i)
        dbetas = dbetas * (beta - i) + betas
        betas = betas * (beta - i)
        series = series + numer / (alpha + i) * (dbetas + factor * betas)
    result = -((1 - x) ** (1 - beta)) * series
    return numpy.where(numpy.isnan(result), 0.0, result)


def _beta_grad_alpha_mid(x: Any, alpha: Any, beta: Any) -> Any:
    total = alpha + beta
    mean = alpha / total
    std = numpy.sqrt(alpha * beta / (total + 1)) / total
    b2 = beta * beta
    poly = 47 * x * b2 * b2 + alpha * (
        (43 + 20 * (16 + 27 * beta) * x) * b2 * beta
        + alpha
        * (
            3 * (59 + 180 * beta - 90 * x) * b2
            + alpha
            * (
                (453 + 1620 * beta * (1 - x) - 455 * x) * beta
                + alpha * (8 * (1 - x) * (135 * beta - 11))
            )
        )
    )
    prefactor_num = (1 + 12 * alpha) * (1 + 12 * beta) / (total * total)
    prefactor_den = 12960 * alpha * alpha * alpha * beta * beta * (1 + 12 * total)
    at_mean = prefactor_num / (1 - x) * poly / prefactor_den
    prefactor = -x / numpy.sqrt(2 * alpha * beta / total)
    stirling = (
        (1 + 1 / (12 * alpha) + 1 / (288 * alpha * alpha))
        * (1 + 1 / (12 * beta) + 1 / (288 * beta * beta))
        / (1 + 1 / (12 * total) + 1 / (288 * total * total))
    )
    term1_num = 2 * (alpha * alpha) * (x - 1) + alpha * beta * (x - 1) - x * b2
    axbx = alpha * (x - 1) + beta * x
    term1_den = numpy.sqrt(2 * alpha / beta) * total**1.5 * axbx * axbx
    term1 = term1_num / term1_den
    term2 = 0.5 * numpy.log(alpha / (total * x))
    term3 = numpy.sqrt(8 * alpha * beta / total) / (beta * x + alpha * (x - 1))
    term4_base = beta * numpy.log(beta / (total * (1 - x))) + alpha * numpy.log(alpha / (total * x))
    term4 = term4_base**-1.5
    term1234 = term1 + term2 * (term3 + numpy.where(x < mean, term4, -term4))
    away = stirling * prefactor * term1234
    return numpy.where((mean - 0.1 * std <= x) & (x <= mean + 0.1 * std), at_mean, away)


def dirichlet_grad(x: Any, alpha: Any, total: Any) -> numpy.ndarray:
    """PyTorch's ``_dirichlet_grad``: ``-(∂F/∂α) / f / (1 - x)`` for ``x`` a draw of
    Beta(α, total - α), elementwise on NumPy arrays (float64)."""
    x, alpha, total = (numpy.asarray(a, dtype=numpy.float64) for a in (x, alpha, total))
    x, alpha, total = numpy.broadcast_arrays(x, alpha, total)
    beta = total - alpha
    boundary = total * x * (1 - x)
    with numpy.errstate(all="ignore"):
        near0 = _beta_grad_alpha_small(x, alpha, beta)
        near1 = -_beta_grad_beta_small(1 - x, beta, alpha)
        mid = _beta_grad_alpha_mid(x, alpha, beta)
        u = numpy.log(x)
        a = numpy.log(alpha) - u
        b = numpy.log(total) - a
        pow_u = (numpy.ones_like(u), u, u * u)
        pow_a = (numpy.ones_like(a), a, a * a)
        p = numpy.zeros_like(x)
        q = numpy.zeros_like(x)
        c = _DIRICHLET_C
        for i in range(3):
            for j in range(3):
                ua = pow_u[i] * pow_a[j]
                p = p + ua * (c[0, i, j, 0] + b * (c[0, i, j, 1] + b * (c[0, i, j, 2]
                                                                       + b * c[0, i, j, 3])))  # fmt: skip
                q = q + ua * (c[1, i, j, 0] + b * (c[1, i, j, 1] + b * (c[1, i, j, 2]
                                                                       + b * c[1, i, j, 3])))  # fmt: skip
        approx = x * (_digamma(total) - _digamma(alpha)) / beta
        rational = p / q * approx
    return numpy.where(
        (x <= 0.5) & (boundary < 2.5),
        near0,
        numpy.where(
            (x >= 0.5) & (boundary < 0.75),
            near1,
            numpy.where((alpha > 6) & (beta > 6), mid, rational),
        ),
    )


class _StandardGamma(Function):
    """Gamma(α, 1) draws of ``alpha``'s shape; the gradient is the implicit one."""

    keep_output = True

    def forward(self, alpha: Any) -> Any:
        a = backend.to_numpy(alpha)  # PyTorch's sampler and numbers (deepgrad._torch_rng)
        return backend.xp.asarray(_torch_rng.gamma(backend.rng(), a))

    def backward(self, grad: Tensor) -> Tensor:
        (alpha,) = self.inputs
        x = self.output()
        g = standard_gamma_grad(backend.to_numpy(alpha._data), backend.to_numpy(x._data))
        return grad * Tensor._wrap(backend.xp.asarray(g.astype(alpha.dtype)))


class _Dirichlet(Function):
    """Dirichlet(``concentration``) draws over the last dim (normalized gamma draws, clamped
    into ``[tiny, 1 - eps]``); the gradient is PyTorch's ``_Dirichlet_backward``."""

    keep_output = True

    def forward(self, concentration: Any) -> Any:
        c = backend.to_numpy(concentration)
        dt = c.dtype
        # PyTorch's: the gamma draws in float64 whatever the dtype, then normalized
        g = _torch_rng.gamma(backend.rng(), c.astype(numpy.float64))
        total = g.sum(-1, keepdims=True)
        with numpy.errstate(all="ignore"):
            x = g / total
        # every gamma draw of a row underflowing to 0 (tiny concentrations): the row's mass
        # goes to its first entry rather than 0/0
        empty = numpy.broadcast_to(total == 0, x.shape)
        first = numpy.zeros(x.shape, bool)
        if x.shape[-1]:
            first[..., 0] = True
        x = numpy.where(empty, first.astype(numpy.float64), x)
        finfo = numpy.finfo(dt)
        x = numpy.clip(x, float(finfo.tiny), 1.0 - float(finfo.eps))
        return backend.xp.asarray(x.astype(dt))

    def backward(self, grad: Tensor) -> Tensor:
        (concentration,) = self.inputs
        x = self.output()
        c = backend.to_numpy(concentration._data)
        total = numpy.broadcast_to(c.sum(-1, keepdims=True), c.shape)
        g = dirichlet_grad(backend.to_numpy(x._data), c, total)
        g = Tensor._wrap(backend.xp.asarray(g.astype(concentration.dtype)))
        return g * (grad - (x * grad).sum(-1, True))


def standard_gamma(alpha: Tensor) -> Tensor:
    """Gamma(``alpha``, 1) draws of ``alpha``'s shape (at least the smallest normal number),
    reparameterized: gradients flow to ``alpha`` by the implicit rule."""
    return _StandardGamma.apply(alpha)


def sample_dirichlet(concentration: Tensor) -> Tensor:
    """Dirichlet draws of ``concentration``'s shape (the last dim the simplex),
    reparameterized."""
    return _Dirichlet.apply(concentration)
