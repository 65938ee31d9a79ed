"""The parts of a floating-point number: its sign (``copysign``), mantissa and exponent
(``frexp``, ``ldexp``) and its neighbours (``nextafter``), under PyTorch's names and contracts.

==========  ==================================  ============================================
function    forward                             gradient
==========  ==================================  ============================================
copysign    \\|a\\| with the sign (bit) of b      g · y/a for a (0 where a = 0), 0 for b
                                                (PyTorch's)
ldexp       a · 2ᵇ                              through ``a * 2**b``
frexp       (m, e): a = m · 2ᵉ, ½ ≤ \\|m\\| < 1     not differentiable (as PyTorch)
nextafter   the next float after a towards b    not differentiable (as PyTorch)
==========  ==================================  ============================================

Integer operands become the default float dtype (``copysign``, ``ldexp``), as PyTorch's.

>>> import deepgrad as dg
>>> dg.copysign(dg.tensor([1.0, -2.0]), -0.0).tolist()
[-1.0, -2.0]
>>> m, e = dg.frexp(dg.tensor([8.0]))
>>> m.tolist(), e.tolist()
([0.5], [4])
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy

from .. import backend
from ..autograd import Function
from ..tensor import Tensor
from .elementwise import _floating, _pair, mul, pow
from .shape import sum_to

#: ``torch.frexp``'s result: ``mantissa`` (the input's dtype) and ``exponent`` (int32)
FrexpResult = namedtuple("frexp", ["mantissa", "exponent"])


class CopySign(Function):
    def forward(self, a: Any, b: Any) -> Any:
        return backend.xp.copysign(a, b)

    def backward(self, gy: Tensor) -> tuple:
        """PyTorch's: ``g · y/a`` for ``a`` (the ±1 the sign flip multiplied by; 0 where
        ``a = 0``) and a zero gradient for ``b``."""
        a, b = self.inputs
        na, nb = self.needs_input_grad
        ga = gb = None
        if na:
            xa, y = a._data, self.output()._data
            ratio = backend.xp.where(xa == 0, 0, backend.xp.where((y < 0) == (xa < 0), 1, -1))
            ga = sum_to(gy * Tensor._from_op(ratio.astype(gy._data.dtype), None, 0), a.shape)
        if nb:
            gb = Tensor._from_op(backend.xp.zeros(b.shape, gy._data.dtype), None, 0)
        return ga, gb

    keep_output = True


def copysign(input: Any, other: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """``|input|`` with the sign of ``other`` (its sign bit: ``-0.0`` counts as negative);
    broadcasting, numbers for ``other``; integers give the default float dtype."""
    return CopySign()(*_pair(input, other, floating=True))


def ldexp(input: Any, other: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """``input · 2^other`` (PyTorch's composite ``input * 2 ** other``; differentiable in
    both); integer operands give the default float dtype."""
    a, b = _pair(input, other)
    a = _floating(a)
    return mul(a, pow(2.0, b if b._data.dtype.kind in "fc" else _floating(b)))


def frexp(input: Tensor) -> FrexpResult:  # noqa: A002 - PyTorch's name
    """The mantissa ``m`` (the input's dtype, ``½ ≤ |m| < 1`` or 0) and the int32 exponent
    ``e`` with ``input = m · 2^e`` (floating inputs only, as PyTorch; not differentiable)."""
    x = input if isinstance(input, Tensor) else Tensor(input)
    if x._data.dtype.kind != "f":
        raise RuntimeError(
            f"torch.frexp() only supports floating-point dtypes, got {x.dtype}; cast it with "
            f".double() or .float()"
        )
    m, e = backend.xp.frexp(x._data)
    return FrexpResult(Tensor._wrap(m), Tensor._wrap(e.astype(numpy.int32)))


def nextafter(input: Any, other: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """The next representable float after ``input`` towards ``other`` (one dtype, floating;
    not differentiable, as PyTorch's)."""
    a, b = _pair(input, other)
    if a._data.dtype.kind != "f":
        raise NotImplementedError(
            f"nextafter: expected floating tensors, got {a.dtype} (PyTorch's "
            f"'nextafter_cpu' is not implemented for integer dtypes)"
        )
    return Tensor._wrap(backend.xp.nextafter(a._data, b._data))
