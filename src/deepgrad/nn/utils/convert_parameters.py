"""Parameters as one flat vector and back (PyTorch's ``nn.utils.parameters_to_vector`` /
``vector_to_parameters``)."""

from __future__ import annotations

from collections.abc import Iterable

from ... import functional as F
from ...tensor import Tensor
from ..parameter import refuse_placeholder


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """The parameters' values flattened and concatenated, in order: a new ``(Σ numel,)`` tensor
    (a copy), differentiable as PyTorch's (``parameters_to_vector(m.parameters()).pow(2).sum()``
    is an L2 penalty whose gradient reaches the parameters).

    >>> import deepgrad as dg
    >>> parameters_to_vector([dg.ones(2, 2), dg.zeros(1)]).tolist()
    [1.0, 1.0, 1.0, 1.0, 0.0]
    """
    params = list(parameters)
    if not params:
        raise ValueError("parameters_to_vector: got no parameters")
    for p in params:
        refuse_placeholder(p, "parameters_to_vector")
    return F.cat([F.reshape(p, (-1,)) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of ``vec`` into the parameters' values (in place), the inverse of
    :func:`parameters_to_vector`."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected vec to be a Tensor, but got: {type(vec).__name__}")
    params = list(parameters)
    for p in params:
        refuse_placeholder(p, "vector_to_parameters")
    total = sum(p._data.size for p in params)
    if vec.ndim != 1 or vec._data.size != total:
        raise ValueError(
            f"vector_to_parameters: vec has shape {tuple(vec.shape)}, the parameters hold "
            f"{total} values; expected shape ({total},)"
        )
    offset = 0
    for p in params:
        n = p._data.size
        p._data[...] = vec._data[offset : offset + n].reshape(p._data.shape)
        offset += n
