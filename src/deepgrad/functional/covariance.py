"""Covariance and correlation matrices of variables observed together: PyTorch's ``cov``
(with frequency and reliability weights) and ``corrcoef``.

``input`` is ``(variables, observations)``; a 1-D input is one variable. With the product
``w = fweights · aweights`` of the weights given (1 when none):

=============  =====================================================================
quantity       formula (PyTorch's)
=============  =====================================================================
mean           ``avg_i = Σ_k w_k x_ik / Σ w``
norm factor    ``Σ w - correction · Σ(w · aweights) / Σ w`` with aweights and a
               correction, else ``Σ w - correction``; set to 0 (a warning) when ``<= 0``
cov            ``(x - avg) (w · (x - avg))ᴴ / norm``, size-1 dims squeezed (ᴴ: the
               conjugate transpose, for complex input)
corrcoef       ``cov_ij / sqrt(cov_ii cov_jj)`` clipped to ``[-1, 1]`` (a 0-d cov: ``c / c``);
               complex: the real and imaginary parts clipped each, ``√Re(cov_ii)``
=============  =====================================================================

Everything is built from differentiable ops (sum, matmul, sqrt, clip), so the gradients are
theirs, ``aweights``' included.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy

from .. import backend
from .._names import torch_names
from ..tensor import Tensor, as_tensor
from .complex import complex, conj, imag, real
from .diagonal import diagonal
from .elementwise import astype, clip, sqrt
from .linalg import matmul
from .shape import reshape, squeeze, transpose


def _weights(w: Any, name: str, n: int, integral: bool) -> Tensor:
    w = as_tensor(w)
    kind = "integral" if integral else "floating point"
    if w.ndim > 1:
        raise ValueError(f"cov(): expected {name} to have one or fewer dimensions, got {w.shape}")
    if (w.dtype.kind in "iu") != integral or w.dtype.kind == "b":
        raise TypeError(f"cov(): expected {name} to have {kind} dtype, got {w.dtype}")
    if w.numel() != n:
        raise ValueError(
            f"cov(): expected {name} to have the same numel as there are observations in the "
            f"input but got {w.numel()} != {n}"
        )
    if n and float(w._data.min()) < 0:
        raise ValueError(f"cov(): {name} cannot be negative")
    return reshape(w, (n,))


@torch_names
def cov(
    input: Tensor,  # noqa: A002
    *,
    correction: int = 1,
    fweights: Tensor | None = None,
    aweights: Tensor | None = None,
) -> Tensor:
    """The covariance matrix of the rows of ``input`` (variables × observations), PyTorch's
    ``cov``: ``correction=1`` is the unbiased (Bessel) estimate, 0 the maximum-likelihood one;
    ``fweights`` (integers) count each observation, ``aweights`` (floats) weigh it. A 1-D
    input or a single variable gives a 0-d variance. Integer input gives the default float.

    >>> import deepgrad as dg
    >>> dg.cov(dg.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]])).tolist()
    [[1.0, -1.0], [-1.0, 1.0]]
    """
    if input.ndim > 2:
        raise ValueError(
            f"cov(): expected input to have two or fewer dimensions but got shape {input.shape}"
        )
    if input.dtype.kind == "b":
        raise TypeError("cov(): bool dtype is not supported for input")
    if isinstance(correction, bool) or not isinstance(correction, (int, numpy.integer)):
        raise TypeError(f"cov(): correction must be an int, got {correction!r}")
    x = input if input.ndim == 2 else reshape(input, (1, -1))
    if x.dtype.kind in "iu":
        x = astype(x, backend.get_default_dtype())
    n = x.shape[1]
    w = None if fweights is None else _weights(fweights, "fweights", n, True)
    aw = None if aweights is None else _weights(aweights, "aweights", n, False)
    if aw is not None:
        w = aw if w is None else w * aw
    if w is None:
        w_sum: Any = n
    else:
        w_sum = w.sum()
        if float(w_sum._data) == 0:
            raise ValueError("cov(): weights sum to zero, can't be normalized")
    with numpy.errstate(divide="ignore", invalid="ignore"):  # no observations: NaN, as PyTorch
        avg = (x if w is None else x * w).sum(1) / w_sum
    if aw is not None and correction != 0:
        norm = w_sum - correction * (w * aw).sum() / w_sum
    else:
        norm = w_sum - correction
    if float(norm._data if isinstance(norm, Tensor) else norm) <= 0:
        warnings.warn(
            "cov(): degrees of freedom is <= 0. Correction should be strictly less than the "
            "number of observations.",
            UserWarning,
            stacklevel=2,
        )
        norm = 0
    xc = x - reshape(avg, (-1, 1))
    c = matmul(xc, conj(transpose(xc if w is None else xc * w, 0, 1)))
    if not isinstance(norm, Tensor):  # a number: keep c's dtype (0 gives inf / nan as torch)
        norm = Tensor._wrap(backend.xp.asarray(norm, dtype=c.dtype))
    with numpy.errstate(divide="ignore", invalid="ignore"):  # as PyTorch: inf/NaN, no warning
        return squeeze(c / norm)


def corrcoef(input: Tensor) -> Tensor:  # noqa: A002
    """Pearson's correlation coefficients of the rows of ``input`` (variables ×
    observations), PyTorch's ``corrcoef``: ``cov`` normalized by the standard deviations and
    clipped to ``[-1, 1]``; a single variable gives ``c / c`` (1, or NaN for a constant).

    >>> import deepgrad as dg
    >>> dg.corrcoef(dg.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]])).tolist()
    [[1.0, -1.0], [-1.0, 1.0]]
    """
    if input.ndim > 2:
        raise ValueError(
            f"corrcoef(): expected input to have two or fewer dimensions but got shape "
            f"{input.shape}"
        )
    c = cov(input)
    with numpy.errstate(divide="ignore", invalid="ignore"):  # as PyTorch: NaN, no warning
        if c.ndim == 0:
            return c / c
        d = diagonal(c)
        std = sqrt(real(d) if d.dtype.kind == "c" else d)
        c = c / reshape(std, (-1, 1))
        c = c / reshape(std, (1, -1))
        if c.dtype.kind == "c":  # each part clipped, as PyTorch's
            return complex(clip(real(c), -1, 1), clip(imag(c), -1, 1))
        return clip(c, -1, 1)
