"""``Linear`` (fully connected / dense), ``Bilinear`` and ``Identity``."""

from __future__ import annotations

import math
from typing import Any

from .. import backend
from .. import functional as F
from .._errors import MatrixShapeError, ValueRangeError, with_prefix
from ..functional.linalg import Linear as _LinearFn
from ..functional.linalg import LinearReLU as _LinearReLUFn
from ..functional.linalg import product_mismatch_words
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter, UninitializedParameter, built_tensor, is_lazy, is_placeholder


class Linear(Module):
    """Affine layer ``y = x @ weightᵀ + bias``.

    Shapes: input ``(*, in_features)`` → output ``(*, out_features)``; ``weight`` is
    ``(out_features, in_features)`` and ``bias`` ``(out_features,)``, as in PyTorch.

    ``in_features=None`` infers the input size at the first call. Default initialization is
    PyTorch's: ``U(-1/√in, 1/√in)`` for weight and bias; pass ``weight_init`` (a name of
    :func:`deepgrad.nn.init.get` such as ``"kaiming_normal"``, or a callable) to change it.
    ``device``/``dtype`` are PyTorch's factory keywords (:mod:`deepgrad.nn.factory`).
    """

    def __init__(
        self,
        in_features: int | None,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
        weight_init: Any = None,
        bias_init: Any = None,
    ) -> None:
        super().__init__()
        if out_features < 0 or (in_features is not None and in_features < 0):
            raise ValueRangeError(  # PyTorch's RuntimeError (negative dimension), a ValueError
                f"Linear: features must be >= 0 (0 makes an empty layer, as in PyTorch), got "
                f"in={in_features}, out={out_features}"
            )
        self.in_features = in_features
        self.out_features = out_features
        self._weight_init = weight_init
        self._bias_init = bias_init
        self._use_bias = bias
        self.weight: Parameter | None
        self.bias: Parameter | None
        if in_features is None:  # lazy: PyTorch's placeholders until the first call
            self.weight = UninitializedParameter()
            self.register_parameter("bias", UninitializedParameter() if bias else None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
            self._build(in_features)

    def _size_from_state(self, prefix: str, state_dict: Any) -> None:
        """A lazy layer not built yet: ``in_features`` from the state dict's weight."""
        w = state_dict.get(prefix + "weight")
        if is_lazy(self.weight) and not is_placeholder(w) and w is not None and len(w.shape) == 2:
            self._build(int(w.shape[1]))

    def _build(self, in_features: int) -> None:
        dt = self._param_dtype()
        xp = backend.xp
        self.in_features = in_features
        self.weight = built_tensor(self, "weight", xp.empty((self.out_features, in_features), dt))
        if self._use_bias:
            self.bias = built_tensor(self, "bias", xp.empty((self.out_features,), dt))
        self.reset_parameters()
        self._place_new_parameters()

    def reset_parameters(self) -> None:
        """The weight and bias drawn again as at construction, in place: PyTorch's
        ``U(-1/√in_features, 1/√in_features)`` (or the ``weight_init``/``bias_init`` given). A
        lazy layer not built yet keeps its placeholders."""
        if is_lazy(self.weight):
            return
        in_features = self.weight.shape[1]
        bound = 1 / math.sqrt(in_features) if in_features else 0.0
        if self._weight_init is None:  # PyTorch's very call (the same bound, rounded alike)
            init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        else:
            init.get(self._weight_init)(self.weight)
        if self.bias is not None:
            if self._bias_init is None:
                init.uniform_(self.bias, -bound, bound)
            else:
                init.get(self._bias_init)(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        w, shape = self.weight, input.shape
        if (
            w is not None
            and shape
            and shape[-1] == self.in_features == w._data.shape[1]
            and input.dtype == w.dtype
        ):
            # the checks below and F.linear's passed: record the node directly
            b = self.bias
            return _LinearFn()(input, w) if b is None else _LinearFn()(input, w, b)
        if is_lazy(w):  # one access: a parametrized weight is computed on each
            if input.ndim == 0:
                raise ValueError("Linear: input must have at least 1 dim")
            self._build(input.shape[-1])
            w = self.weight
        if input.ndim == 0 or input.shape[-1] != self.in_features:
            words = product_mismatch_words(
                input.shape or (1,), (self.in_features, self.out_features)
            )
            raise MatrixShapeError(
                f"{words} (Linear({self.in_features}, {self.out_features}): expected input with "
                f"last axis {self.in_features}, got shape {input.shape})"
            )
        return F.linear(input, w, self.bias)

    def _forward_relu(self, input: Any) -> Tensor | None:
        """``relu(self(input))`` as one node (:class:`deepgrad.functional.linalg.LinearReLU`:
        the same numbers, forward and backward) where :meth:`forward` would record the linear
        map directly (its checks pass) with a bias, on a real floating input; else ``None``
        (the caller runs the layer and the ReLU). The caller checks that neither module has
        hooks."""
        if type(input) is not Tensor:
            return None
        w, b, shape = self.weight, self.bias, input.shape
        if is_lazy(w) and shape:  # built on the first call, as forward builds it
            self._build(shape[-1])
            w, b = self.weight, self.bias
        if (
            w is not None
            and b is not None
            and shape
            and shape[-1] == self.in_features == w._data.shape[1]
            and input.dtype == w.dtype
            and input.dtype.kind == "f"
        ):
            return _LinearReLUFn()(input, w, b)
        return None

    def extra_repr(self) -> str:
        in_features = 0 if self.in_features is None else self.in_features  # lazy: PyTorch's 0
        return f"in_features={in_features}, out_features={self.out_features}, bias={bool(self._use_bias)}"


class NonDynamicallyQuantizableLinear(Linear):
    """PyTorch's ``Linear`` subclass for ``MultiheadAttention.out_proj`` (its name marks it
    for PyTorch's quantization tools): a ``Linear`` in every other way."""


class Identity(Module):
    """Returns its input unchanged (a placeholder layer). Any arguments are accepted and
    ignored, as PyTorch's (``nn.Identity(54, unused="x")``), so that it can stand in for a
    layer without changing the call."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:
        return input


class Bilinear(Module):
    """Bilinear layer ``y = x1ᵀ W x2 + b``: ``y[..., o] = Σ_{i,j} x1[..., i] W[o, i, j]
    x2[..., j] + b[o]`` (PyTorch's ``nn.Bilinear``).

    Shapes: ``x1 (*, in1_features)``, ``x2 (*, in2_features)`` → ``(*, out_features)``;
    ``weight (out_features, in1_features, in2_features)``, ``bias (out_features,)``, both
    initialized ``U(-1/√in1, 1/√in1)`` as in PyTorch.

    >>> import deepgrad as dg
    >>> dg.nn.Bilinear(3, 4, 2)(dg.zeros(5, 3), dg.zeros(5, 4)).shape
    (5, 2)
    """

    def __init__(
        self,
        in1_features: int,
        in2_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if min(in1_features, in2_features) <= 0 or out_features < 0:  # PyTorch's rule
            raise ValueRangeError(
                f"Bilinear: in1_features and in2_features must be > 0 and out_features >= 0, "
                f"got in1={in1_features}, "
                f"in2={in2_features}, out={out_features}"
            )
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        dt = backend.get_default_dtype()
        xp = backend.xp
        self.weight = Parameter(xp.empty((out_features, in1_features, in2_features), dt))
        self.bias: Parameter | None
        if bias:
            self.bias = Parameter(xp.empty((out_features,), dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """The weight and bias drawn again from ``U(-1/√in1_features, 1/√in1_features)``, in
        place (PyTorch's)."""
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        try:
            return F.bilinear(input1, input2, self.weight, self.bias)
        except ValueError as e:
            raise with_prefix(e, f"Bilinear({self.extra_repr()})") from None

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )
