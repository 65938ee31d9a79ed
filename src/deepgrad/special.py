"""``deepgrad.special``: PyTorch's ``torch.special`` names.

A namespace: a name that deepgrad already has is that one function (``expit`` is
:func:`~deepgrad.sigmoid`, ``gammaln`` is :func:`~deepgrad.lgamma`, ``psi`` is
:func:`~deepgrad.digamma`); the others (``erfcx``, ``ndtr``, ``ndtri``, ``log_ndtr``, the
Bessel functions ``i0``/``i0e``/``i1``/``i1e``/``bessel_j0``/``bessel_j1``, ``entr``,
``xlog1py``, ``zeta``, ``gammainc``/``gammaincc``, ``multigammaln``) live with the other special
functions in :mod:`deepgrad.functional.special`, each with its derivative. The Airy and the
other Bessel functions (``airy_ai``, ``bessel_y0``/``y1``, ``modified_bessel_i0``/``i1``/``k0``/
``k1``, ``scaled_modified_bessel_k0``/``k1``, ``spherical_bessel_j0``) live in
:mod:`deepgrad.functional.bessel`: PyTorch differentiates none of them, and their results
record no graph; so do the orthogonal polynomials of
:mod:`deepgrad.functional.orthogonal_polynomials` (``chebyshev_polynomial_t``/``u``/``v``/``w``
and their ``shifted_`` forms, ``hermite_polynomial_h``/``he``, ``laguerre_polynomial_l``,
``legendre_polynomial_p``), which take ``x`` and the degree ``n`` broadcast.

>>> import deepgrad as dg
>>> dg.special.expit(dg.tensor([0.0])).tolist(), dg.special.gammaln(dg.tensor([1.0])).tolist()
([0.5], [0.0])
"""

from __future__ import annotations

from typing import Any

from .functional import (
    digamma,
    erf,
    erfc,
    erfinv,
    exp2,
    expm1,
    lgamma,
    log1p,
    logit,
    logsumexp,
    polygamma,
    sigmoid,
    sinc,
    xlogy,
)
from .functional import log_softmax as _log_softmax
from .functional import round as _round
from .functional import softmax as _softmax
from .functional.bessel import (
    airy_ai,
    bessel_y0,
    bessel_y1,
    modified_bessel_i0,
    modified_bessel_i1,
    modified_bessel_k0,
    modified_bessel_k1,
    scaled_modified_bessel_k0,
    scaled_modified_bessel_k1,
    spherical_bessel_j0,
)
from .functional.input_keyword import accept_input_keyword
from .functional.orthogonal_polynomials import (
    chebyshev_polynomial_t,
    chebyshev_polynomial_u,
    chebyshev_polynomial_v,
    chebyshev_polynomial_w,
    hermite_polynomial_h,
    hermite_polynomial_he,
    laguerre_polynomial_l,
    legendre_polynomial_p,
    shifted_chebyshev_polynomial_t,
    shifted_chebyshev_polynomial_u,
    shifted_chebyshev_polynomial_v,
    shifted_chebyshev_polynomial_w,
)
from .functional.special import (
    bessel_j0,
    bessel_j1,
    entr,
    erfcx,
    gammainc,
    gammaincc,
    i0,
    i0e,
    i1,
    i1e,
    log_ndtr,
    multigammaln,
    ndtr,
    ndtri,
    xlog1py,
    zeta,
)
from .tensor import Tensor

expit = sigmoid
gammaln = lgamma
psi = digamma

__all__ = [
    "bessel_j0", "bessel_j1", "digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2",
    "expit", "expm1", "gammainc", "gammaincc", "gammaln", "i0", "i0e", "i1", "i1e", "log1p",
    "log_ndtr", "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri",
    "polygamma", "psi", "round", "sinc", "softmax", "xlog1py", "xlogy", "zeta",
    "airy_ai", "bessel_y0", "bessel_y1", "modified_bessel_i0", "modified_bessel_i1",
    "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0",
    "scaled_modified_bessel_k1", "spherical_bessel_j0", "chebyshev_polynomial_t",
    "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
    "hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l",
    "legendre_polynomial_p", "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
    "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w",
]  # fmt: skip

#: the names whose first parameter PyTorch calls only ``x`` (``input=`` raises there): some
#: Bessel functions and the orthogonal polynomials
_X_ONLY = (
    "airy_ai", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "spherical_bessel_j0",
    *(name for name in __all__ if "_polynomial_" in name),
)  # fmt: skip


def softmax(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """``torch.special.softmax``: :func:`deepgrad.softmax` with ``dim`` required."""
    return _softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """``torch.special.log_softmax``: :func:`deepgrad.log_softmax` with ``dim`` required."""
    return _log_softmax(input, dim, dtype=dtype)


def round(input: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A001,A002 - PyTorch's name
    """``torch.special.round``: :func:`deepgrad.round`, ``decimals`` by keyword."""
    return _round(input, decimals=decimals)


# PyTorch's input=: torch.special.expit(input=x); not where PyTorch names it x (airy_ai(x=...))
accept_input_keyword(globals(), [n for n in __all__ if n not in _X_ONLY])
