"""Half precision computed as PyTorch's CPU kernels compute it: in float32, rounded once.

PyTorch stores a float16 tensor in half precision but runs each CPU kernel on it in float32
(its "opmath" type): the inputs are widened, the whole formula is evaluated in float32, and
the result is rounded to float16 once. NumPy's float16 arithmetic rounds after every ufunc,
so a formula of several steps (``x·σ(x)``, ``gy·y·(1 - y)``) computed on float16 arrays
rounds several times: results ~1–2 ulp off PyTorch's, and worse in the gradients (``σ'(7.65)``
is 4.9e-4 in PyTorch's float16 and 0 when ``1 - y`` rounds to 0 first).

:func:`float32_kernel` is a class decorator for a :class:`~deepgrad.autograd.Function` whose
forward and backward are each one such kernel in PyTorch (the activations: ``tanh`` and
``tanh_backward``, ``gelu`` and ``gelu_backward``, ...; :func:`float32_forward` for those whose
backward kernel PyTorch computes in float16 arithmetic, ``sigmoid_backward``):

- ``forward(*arrays)``: float16 arrays widened to float32, float32 results rounded back;
- ``backward(*grads)`` of float16 gradients, when the backward is not itself recorded: it
  runs on a shallow copy of the node whose inputs and outputs are float32 copies, and the
  gradients are rounded once. Under ``create_graph`` (a recorded backward) the float16
  tensor operations stand, rounding per operation as PyTorch's composite double backward.

Other dtypes pass through untouched (the decorator costs one dtype test per call, of the
first operand: the decorated nodes refuse mixed dtypes before they run).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy

from ..autograd import Function, is_grad_enabled
from ..tensor import Tensor

_HALF = numpy.dtype(numpy.float16)
_SINGLE = numpy.dtype(numpy.float32)


def _widened(a: Any) -> Any:
    return a.astype(_SINGLE) if getattr(a, "dtype", None) == _HALF else a


def _rounded(a: Any) -> Any:
    return a.astype(_HALF) if getattr(a, "dtype", None) == _SINGLE else a


def _widened_tensor(t: Any) -> Any:
    if isinstance(t, Tensor) and t._data.dtype == _HALF:
        return Tensor._from_op(t._data.astype(_SINGLE), None, 0)
    return t


def _rounded_tensor(t: Any) -> Any:
    if isinstance(t, Tensor) and t._data.dtype == _SINGLE:
        return Tensor._from_op(t._data.astype(_HALF), None, 0)
    return t


def float32_forward(cls: type[Function]) -> type[Function]:
    """Make ``cls``'s forward compute float16 in float32 and round once; its backward
    stays in float16 arithmetic, where PyTorch's backward kernel rounds per operation too
    (``sigmoid_backward``'s ``g·(1 - y)·y`` in float16)."""
    forward = cls.forward

    @functools.wraps(forward)
    def half_forward(self: Function, *arrays: Any) -> Any:
        # the first operand decides (the decorated nodes refuse mixed dtypes before): one
        # comparison on the hot path of every other dtype
        if not arrays or getattr(arrays[0], "dtype", None) != _HALF:
            return forward(self, *arrays)
        ys = forward(self, *[_widened(a) for a in arrays])
        return tuple(_rounded(y) for y in ys) if type(ys) is tuple else _rounded(ys)

    cls.forward = half_forward  # type: ignore[method-assign]
    return cls


def float32_kernel(cls: type[Function]) -> type[Function]:
    """Make ``cls``'s forward and (first-order) backward compute float16 in float32 and
    round once, as PyTorch's CPU kernels (see the module's docstring)."""
    float32_forward(cls)
    backward = cls.backward

    @functools.wraps(backward)
    def half_backward(self: Function, *grads: Tensor) -> Any:
        g0 = grads[0] if grads else None  # the dtype first: cheaper than the grad mode
        if not isinstance(g0, Tensor) or g0._data.dtype != _HALF or is_grad_enabled():
            return backward(self, *grads)
        wide = copy.copy(self)
        wide.inputs = tuple(_widened_tensor(t) for t in self.inputs)
        if self.keep_output:
            outs = [_widened_tensor(self.output(i)) for i in range(self.n_outputs)]
            wide._outputs = outs if self.n_outputs > 1 else outs[0]
        result = backward(wide, *[_widened_tensor(g) for g in grads])
        if type(result) is tuple:
            return tuple(_rounded_tensor(g) for g in result)
        return _rounded_tensor(result)

    cls.backward = half_backward  # type: ignore[method-assign]
    return cls


def in_float32(f: Callable[..., Tensor], tensors: Sequence[Tensor | None], *args: Any) -> Tensor:
    """``f(*tensors, *args)`` with the float16 ``tensors`` (``None`` kept) cast to float32 and
    the result rounded to float16 once: PyTorch's CPU half precision for a function whose
    steps would otherwise round one by one (col2im's slice-adds, conv3d's depth taps, a
    separable resampling's axes). The casts are recorded: gradients flow in float32 and are
    rounded back at the boundary."""
    from .elementwise import astype  # elementwise's nodes are decorated from here

    wide = [None if t is None else astype(t, _SINGLE) for t in tensors]
    return astype(f(*wide, *args), _HALF)
