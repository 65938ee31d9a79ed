"""The in-place activations of ``torch.nn.functional``: ``relu_``, ``elu_``, ``leaky_relu_``,
``hardtanh_``, ``threshold_``, ``celu_``, ``selu_``, ``rrelu_``.

Each writes its activation into ``x``'s own memory and dtype and returns ``x`` (a float
result into an integer tensor is a ``TypeError``). As every in-place operation in deepgrad
(``x.relu_()``, ``x.add_(y)``), a write into a tensor that takes part in a recorded graph is
recorded as PyTorch records it (the gradient flows through it); a leaf that requires grad
refuses it, as in PyTorch: use ``dg.no_grad()`` for a hand-written edit.

>>> import deepgrad as dg
>>> x = dg.tensor([-1.0, 2.0])
>>> dg.nn.functional.relu_(x) is x, x.tolist()
(True, [0.0, 2.0])
"""

from __future__ import annotations

from ..tensor import Tensor
from .activation import _in_place as _apply
from .activation import _threshold, celu, elu, hardtanh, leaky_relu, relu, rrelu, selu


def relu_(x: Tensor) -> Tensor:
    """In place :func:`~deepgrad.functional.relu`: ``x <- max(x, 0)``."""
    return _apply(x, relu, "relu_")


def elu_(x: Tensor, alpha: float = 1.0) -> Tensor:
    """In place :func:`~deepgrad.functional.elu`."""
    return _apply(x, elu, "elu_", alpha)


def leaky_relu_(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In place :func:`~deepgrad.functional.leaky_relu`."""
    return _apply(x, leaky_relu, "leaky_relu_", negative_slope)


def hardtanh_(x: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In place :func:`~deepgrad.functional.hardtanh`: ``x <- clip(x, min_val, max_val)``."""
    return _apply(x, hardtanh, "hardtanh_", min_val, max_val)


def threshold_(x: Tensor, threshold: float, value: float) -> Tensor:
    """In place :func:`~deepgrad.functional.threshold`: ``value`` where ``x <= threshold``."""
    return _apply(x, _threshold, "threshold_", threshold, value)


def celu_(x: Tensor, alpha: float = 1.0) -> Tensor:
    """In place :func:`~deepgrad.functional.celu`."""
    return _apply(x, celu, "celu_", alpha)


def selu_(x: Tensor) -> Tensor:
    """In place :func:`~deepgrad.functional.selu`."""
    return _apply(x, selu, "selu_")


def rrelu_(x: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
           ) -> Tensor:  # fmt: skip
    """In place :func:`~deepgrad.functional.rrelu` (in training the slopes are drawn from
    deepgrad's seeded generator)."""
    return _apply(x, rrelu, "rrelu_", lower, upper, training)
