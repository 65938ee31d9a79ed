"""PyTorch's ``torch.distributions.utils`` (the module name is PyTorch's, so
``from torch.distributions.utils import broadcast_all`` ports): turning numbers and tensors
into broadcast parameters, converting between probabilities and logits, the lazily computed
parameter, and the standard-normal draw every reparameterized sample starts from.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy

from .. import backend
from .. import functional as F
from ..autograd import enable_grad
from ..tensor import Tensor, tensor

__all__ = ["broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs", "probs_to_logits"]

euler_constant = 0.57721566490153286060


def broadcast_all(*values: Any) -> tuple[Tensor, ...]:
    """The values broadcast together as tensors; numbers become tensors of the first tensor's
    dtype (the default dtype when all are numbers).

    >>> import deepgrad as dg
    >>> a, b = broadcast_all(dg.zeros(3, dtype=dg.float64), 1.0)
    >>> b.shape, b.dtype
    ((3,), dtype('float64'))
    """
    if not all(isinstance(v, (Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of Number or deepgrad Tensor.")
    first = next((v for v in values if isinstance(v, Tensor)), None)
    dtype = first.dtype if first is not None else backend.get_default_dtype()
    new = [v if isinstance(v, Tensor) else tensor(v, dtype=dtype) for v in values]
    return tuple(F.broadcast_tensors(*new))


def _standard_normal(shape: Any, dtype: Any) -> Tensor:
    """N(0, 1) draws of ``shape`` from deepgrad's seeded generator (``dg.manual_seed``)."""
    dt = numpy.dtype(dtype)
    return Tensor._wrap(backend.rng().standard_normal(tuple(shape), dtype=dt))


def _uniform(shape: Any, dtype: Any) -> Tensor:
    """U[0, 1) draws of ``shape`` from deepgrad's seeded generator."""
    return Tensor._wrap(backend.rng().random(tuple(shape), dtype=numpy.dtype(dtype)))


def _sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """``value`` summed over its ``dim`` rightmost dims."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:-dim]) + (-1,)).sum(-1)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """Probabilities from logits: ``sigmoid`` (binary, log-odds) or ``softmax`` over the
    last dim."""
    if is_binary:
        return F.sigmoid(logits)
    return F.softmax(logits, dim=-1)


def clamp_probs(probs: Tensor) -> Tensor:
    """``probs`` clamped to ``[eps, 1 - eps]`` (``eps`` of the dtype)."""
    eps = float(numpy.finfo(probs.dtype).eps)
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """Logits from probabilities (clamped first): log-odds (binary) or ``log``."""
    ps = clamp_probs(probs)
    if is_binary:
        return ps.log() - (-ps).log1p()
    return ps.log()


class lazy_property:  # noqa: N801 - PyTorch's name
    """A parameter computed on first access (with gradients on) and then stored on the
    instance: Categorical's ``logits`` when it was given ``probs``, and the reverse."""

    def __init__(self, wrapped: Callable[[Any], Any]) -> None:
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__
        self.__name__ = wrapped.__name__

    def __get__(self, instance: Any, obj_type: Any = None) -> Any:
        if instance is None:
            return self
        with enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value
