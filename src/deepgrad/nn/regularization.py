"""L1 and L2 weight penalties to add to a loss (regularization by the loss, not the optimizer).

``l1_penalty(params) = Σ|w|`` and ``l2_penalty(params) = Σw²`` over every element of every
tensor given; the caller supplies the factor (Keras's convention ``λ · Σw²``)::

    weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
    loss = loss_fn(model(x), y) + 1e-4 * nn.l2_penalty(weights)

The gradient of ``λ · l2_penalty`` is ``2λw``, so ``(λ/2) · l2_penalty(params)`` in the loss is
what ``weight_decay=λ`` does inside :class:`~deepgrad.optim.SGD` or :class:`~deepgrad.optim.Adam`
(coupled L2); :class:`~deepgrad.optim.AdamW`'s decoupled decay has no loss-term equivalent.
Both results are differentiable scalars (double backward included); biases are usually left
out, as above.
"""

from __future__ import annotations

from collections.abc import Iterable

from .. import backend
from .. import functional as F
from ..tensor import Tensor


def _tensors(params: Tensor | Iterable[Tensor], name: str) -> list[Tensor]:
    if isinstance(params, Tensor):
        return [params]
    out = list(params)
    for p in out:
        if not isinstance(p, Tensor):
            raise TypeError(f"{name} expects Tensors, got {type(p).__name__}")
    return out


def _total(terms: list[Tensor]) -> Tensor:
    if not terms:
        return Tensor._from_op(backend.xp.zeros((), dtype=backend.get_default_dtype()), None, 0)
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total


def l1_penalty(params: Tensor | Iterable[Tensor]) -> Tensor:
    """``Σ|w|`` over all elements of ``params`` (a scalar tensor; 0 for no tensors).

    Its gradient is ``sign(w)`` (0 at 0), which drives weights to exactly zero (sparsity).
    """
    return _total([F.sum(F.abs(p)) for p in _tensors(params, "l1_penalty")])


def l2_penalty(params: Tensor | Iterable[Tensor]) -> Tensor:
    """``Σw²`` over all elements of ``params`` (a scalar tensor; 0 for no tensors).

    Its gradient is ``2w``; ``(λ/2) · l2_penalty`` equals an optimizer's ``weight_decay=λ``.
    """
    return _total([F.sum(p * p) for p in _tensors(params, "l2_penalty")])
