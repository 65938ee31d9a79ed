"""Special functions beyond the activations' ``erf``: the complementary and inverse error
functions and ``x·log y`` with PyTorch's value at ``x = 0``.

=============  ==================================  ========================================
function       forward                             local derivatives
=============  ==================================  ========================================
erfc           1 - erf x  (scipy's, exact tails)   -2/√π e^(-x²)
erfinv         erf⁻¹ x  (on [-1, 1])               √π/2 e^(y²)
xlogy          x ln y,  0 where x = 0              ln y (0 where x = 0 and y ≤ 0);  x / y
=============  ==================================  ========================================
"""

from __future__ import annotations

import math
from typing import Any

import numpy

from .. import backend
from ..autograd import Function
from ..tensor import Tensor
from .elementwise import _floating, _pair, exp, log, where
from .shape import sum_to


class Erfc(Function):
    def forward(self, x: Any) -> Any:
        return backend.special("erfc")(x).astype(x.dtype, copy=False)

    def backward(self, gy: Tensor) -> Tensor:
        x = self.inputs[0]
        return gy * (-2.0 / math.sqrt(math.pi)) * exp(-(x * x))


def erfc(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """The complementary error function ``erfc x = 1 - erf x`` (accurate where ``erf x`` is
    near 1). Integer tensors give the default float dtype.

    >>> import deepgrad as dg
    >>> round(dg.erfc(dg.tensor(0.0)).item(), 6)
    1.0
    """
    return Erfc()(_floating(input))


class Erfinv(Function):
    keep_output = True

    def forward(self, x: Any) -> Any:
        return backend.special("erfinv")(x).astype(x.dtype, copy=False)

    def backward(self, gy: Tensor) -> Tensor:
        y = self.output()
        return gy * (math.sqrt(math.pi) / 2.0) * exp(y * y)


def erfinv(input: Tensor) -> Tensor:  # noqa: A002
    """The inverse error function: ``erf(erfinv(y)) = y`` on ``[-1, 1]`` (±inf at ±1, NaN
    outside)."""
    return Erfinv()(_floating(input))


class XLogY(Function):
    def forward(self, x: Any, y: Any) -> Any:
        xp = backend.xp
        with numpy.errstate(divide="ignore", invalid="ignore"):
            out = x * xp.log(y)
        return xp.where((x == 0) & ~xp.isnan(y), x.dtype.type(0), out)

    def backward(self, gy: Tensor) -> tuple:
        x, y = self.inputs
        nx, ny = self.needs_input_grad
        gx = gy_ = None
        if nx:
            xd, yd = x._data, y._data
            dead = (xd == 0) & (yd <= 0)
            ln_y = log(where(dead, 1.0, y))  # PyTorch: 0 where x = 0 and y <= 0
            gx = sum_to(gy * ln_y, x.shape)
        if ny:
            gy_ = sum_to(gy * x / y, y.shape)
        return gx, gy_


def xlogy(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input · ln(other)``, and 0 where ``input`` is 0 (unless ``other`` is NaN): the term
    of an entropy or a KL divergence at a zero probability. Broadcasting; integers give the
    default float dtype.

    >>> import deepgrad as dg
    >>> dg.xlogy(dg.tensor([0.0, 2.0]), dg.tensor([0.0, 1.0])).tolist()
    [0.0, 0.0]
    """
    x, y = _pair(input, other)
    return XLogY()(_floating(x), _floating(y))
