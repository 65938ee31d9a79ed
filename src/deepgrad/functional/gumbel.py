"""The Gumbel-softmax (concrete) distribution: ``gumbel_softmax``, as PyTorch's.

A sample of a categorical distribution given by ``logits``, made differentiable: Gumbel noise
``g = -log(E)`` (``E ~ Exp(1)``, drawn from deepgrad's generator, so ``dg.manual_seed``
decides it) is added to the logits and the result softened at temperature ``τ``:

    y = softmax((logits + g) / τ)

``hard=True`` returns the one-hot vector of ``y``'s largest entry in the forward pass and
``y``'s gradient in the backward (the straight-through estimator):
``y_hard - detach(y) + y``.
"""

from __future__ import annotations

import warnings

from .. import _torch_rng, backend
from .._errors import int_arg
from .._names import torch_names
from ..tensor import Tensor
from .activation import softmax


@torch_names
def gumbel_softmax(
    logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1
) -> Tensor:
    """A Gumbel-softmax sample over ``dim`` (PyTorch's ``F.gumbel_softmax``).

    Parameters
    ----------
    logits : unnormalized log-probabilities, any shape ``(*, K, *)`` (floating)
    tau : the temperature ``τ > 0`` (small: nearly one-hot samples)
    hard : one-hot samples whose gradient is the soft sample's (straight-through)
    eps : PyTorch's deprecated argument: any other value than the default warns, no effect
    dim : the axis of the ``K`` categories

    Returns
    -------
    A tensor of ``logits``' shape that sums to 1 along ``dim``.

    >>> import deepgrad as dg
    >>> _ = dg.manual_seed(0)
    >>> y = dg.nn.functional.gumbel_softmax(dg.zeros(2, 3), tau=0.5, hard=True)
    >>> y.sum(1).tolist(), sorted(set(y.flatten().tolist()))
    ([1.0, 1.0], [0.0, 1.0])
    """
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", UserWarning, stacklevel=2)
    xd = logits._data
    if xd.dtype.kind != "f":
        raise TypeError(f"gumbel_softmax: expected floating logits, got dtype {xd.dtype}")
    xp = backend.xp
    g = backend.rng()
    if getattr(g, "torch_stream", False):  # PyTorch's: -log(empty_like(logits).exponential_())
        gumbels = -xp.log(_torch_rng.exponential(g, xd.shape, xd.dtype))
    else:
        gumbels = -xp.log(g.standard_exponential(xd.shape)).astype(xd.dtype)
    dim = int_arg(dim, "softmax", "dim", 1)  # an int: not softmax's implicit dim=None
    y = softmax((logits + Tensor._from_op(gumbels, None, 0)) / tau, dim)
    if not hard:
        return y
    axis = dim % max(y.ndim, 1)
    idx = xp.expand_dims(xp.argmax(y._data, axis=axis), axis) if y.ndim else 0
    one_hot = xp.zeros_like(y._data)
    if y.ndim:
        xp.put_along_axis(one_hot, idx, 1, axis=axis)
    else:
        one_hot[...] = 1
    return Tensor._from_op(one_hot, None, 0) - y.detach() + y
