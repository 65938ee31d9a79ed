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
from ..tensor import Size, Tensor, rand, randn, tensor

__all__ = [
    "broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs", "probs_to_logits",
    "tril_matrix_to_vec", "vec_to_tril_matrix",
]  # fmt: skip

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
    """N(0, 1) draws of ``shape`` from deepgrad's seeded generator (``dg.manual_seed``):
    ``dg.randn``'s, PyTorch's numbers as its ``_standard_normal`` draws them."""
    return randn(*tuple(shape), dtype=numpy.dtype(dtype))


def _uniform(shape: Any, dtype: Any) -> Tensor:
    """U[0, 1) draws of ``shape`` from deepgrad's seeded generator: ``dg.rand``'s."""
    return rand(*tuple(shape), dtype=numpy.dtype(dtype))


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


def _probs_xor_logits(probs: Any, logits: Any) -> None:
    """PyTorch's ``ValueError`` unless exactly one of ``probs`` and ``logits`` is given."""
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


class _ProbsLogits:
    """The ``probs``/``logits`` parameter of the Bernoulli-like distributions (``logits`` are
    log-odds) and, with ``_is_binary = False``, the Categorical-like ones (``logits`` are
    log-probabilities over the last dim): the one given is stored, and named by ``_param``;
    the other is computed from it on first use."""

    _is_binary = True

    def _store_param(self, param: Tensor, is_probs: bool) -> None:
        """Keep ``param`` as ``probs`` (``is_probs``) or as ``logits``, and as ``_param``."""
        if is_probs:
            self.probs = param
        else:
            self.logits = param
        self._param = param

    def _set_probs_or_logits(self, probs: Any, logits: Any) -> Size:
        """Store the one of ``probs`` and ``logits`` given (exactly one; a number becomes a
        tensor of the default dtype); the batch shape it gives (``()`` for a number)."""
        _probs_xor_logits(probs, logits)
        given = probs if probs is not None else logits
        (param,) = broadcast_all(given)
        self._store_param(param, probs is not None)
        return Size() if isinstance(given, numbers.Number) else param.size()

    def _expand_param(self, new: Any, shape: Any) -> None:
        """Give ``new`` the parameters this one holds (``probs``, ``logits`` or both: whichever
        was given or has been computed), expanded to ``shape``."""
        if "probs" in self.__dict__:
            new.probs = self.probs.expand(shape)
            new._param = new.probs
        if "logits" in self.__dict__:
            new.logits = self.logits.expand(shape)
            new._param = new.logits

    @lazy_property
    def logits(self) -> Tensor:
        """The log-odds (binary) or logs of the clamped ``probs``."""
        return probs_to_logits(self.probs, is_binary=self._is_binary)

    @lazy_property
    def probs(self) -> Tensor:
        """``sigmoid(logits)`` (binary) or ``softmax(logits)`` over the last dim."""
        return logits_to_probs(self.logits, is_binary=self._is_binary)


def _enumerate_support(values: Tensor, batch_shape: Any, expand: bool) -> Tensor:
    """The support ``values`` (one dim, the first) shaped ``(n, 1, ..., 1)`` against
    ``batch_shape``; expanded to ``(n,) + batch_shape`` with ``expand``."""
    values = values.reshape((-1,) + (1,) * len(batch_shape))
    if expand:
        values = values.expand((-1,) + tuple(batch_shape))
    return values


def _clamped_uniform(shape: Any, dtype: Any) -> Tensor:
    """U(0, 1) draws of ``shape`` clamped into ``[eps, 1 - eps]`` (their logs and
    ``log1p(-u)`` finite): the noise of the relaxed (Concrete) distributions."""
    return clamp_probs(_uniform(shape, dtype))


class _RelaxedParams:
    """``temperature``, ``logits`` and ``probs`` of a relaxed distribution: its base
    distribution's (RelaxedBernoulli's LogitRelaxedBernoulli, RelaxedOneHotCategorical's
    ExpRelaxedCategorical)."""

    @property
    def temperature(self) -> Tensor:
        """The relaxation's temperature."""
        return self.base_dist.temperature

    @property
    def logits(self) -> Tensor:
        """The base distribution's ``logits``."""
        return self.base_dist.logits

    @property
    def probs(self) -> Tensor:
        """The base distribution's ``probs``."""
        return self.base_dist.probs


def _tril_positions(n: int, diag: int) -> numpy.ndarray:
    """The flat indices (row order) of the entries of an ``n × n`` matrix on or below the
    ``diag``-th diagonal."""
    rows, cols = numpy.nonzero(numpy.arange(n) < numpy.arange(n).reshape(-1, 1) + (diag + 1))
    return rows * n + cols


def tril_matrix_to_vec(mat: Tensor, diag: int = 0) -> Tensor:
    """The entries of ``mat`` (``... × D × D``) on or below its ``diag``-th diagonal, in row
    order, as a vector (``...``, the batch, kept).

    >>> import deepgrad as dg
    >>> tril_matrix_to_vec(dg.tensor([[1.0, 2.0], [3.0, 4.0]])).tolist()
    [1.0, 3.0, 4.0]
    """
    n = mat.shape[-1]
    if diag < -n or diag >= n:
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    flat = mat.reshape(tuple(mat.shape[:-2]) + (n * n,))
    return flat[..., backend.xp.asarray(_tril_positions(n, diag))]


def vec_to_tril_matrix(vec: Tensor, diag: int = 0) -> Tensor:
    """The ``D × D`` lower-triangular matrix (below its ``diag``-th diagonal, row order)
    holding ``vec``'s last dim; zeros elsewhere. The inverse of :func:`tril_matrix_to_vec`.

    >>> import deepgrad as dg
    >>> vec_to_tril_matrix(dg.tensor([1.0, 3.0, 4.0])).tolist()
    [[1.0, 0.0], [3.0, 4.0]]
    """
    length = vec.shape[-1]
    n = (
        -(1 + 2 * diag) + ((1 + 2 * diag) ** 2 + 8 * length + 4 * abs(diag) * (diag + 1)) ** 0.5
    ) / 2
    if round(n) - n > float(numpy.finfo(vec.dtype).eps):
        raise ValueError(
            f"The size of last dimension is {length} which cannot be expressed as the lower "
            "triangular part of a square D x D matrix."
        )
    n = round(n)
    positions = _tril_positions(n, diag)
    if len(positions) != length:  # PyTorch's check above is one-sided: its indexing refuses
        raise RuntimeError(
            f"shape mismatch: value tensor of shape [{length}] cannot be broadcast to indexing "
            f"result of shape [{len(positions)}]"
        )
    # a zero in front of vec: every position of the matrix gathers from the padded vector
    index = numpy.zeros(n * n, dtype=numpy.int64)
    index[positions] = numpy.arange(1, length + 1)
    padded = F.pad(vec, [1, 0], value=0.0)
    out = padded[..., backend.xp.asarray(index)]
    return out.reshape(tuple(vec.shape[:-1]) + (n, n))
