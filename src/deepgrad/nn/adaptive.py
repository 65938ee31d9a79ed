"""``AdaptiveLogSoftmaxWithLoss``: PyTorch's adaptive softmax (Grave et al., 2016, "Efficient
softmax approximation for GPUs") for outputs over many classes of skewed frequencies.

The classes ``[0, n_classes)`` are cut at ``cutoffs``: the first ``cutoffs[0]`` (the frequent
ones) are scored by ``head`` together with one score per later cluster; a class of cluster
``i`` takes its cluster's head log-probability plus its own log-probability within the
cluster, from ``tail[i]`` (a projection to ``in_features // div_value**(i+1)`` features, then to
the cluster's classes). The parameters are PyTorch's (``head.weight``, ``head.bias`` with
``head_bias``, ``tail.{i}.0.weight``, ``tail.{i}.1.weight``), so its state_dict loads.

>>> import deepgrad as dg
>>> _ = dg.manual_seed(0)
>>> asm = dg.nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs=[4, 7])
>>> out, loss = asm(dg.randn(5, 8), dg.tensor([0, 3, 5, 8, 9]))
>>> out.shape, loss.shape, asm.log_prob(dg.randn(2, 8)).exp().sum(1).allclose(dg.ones(2))
((5,), (), True)
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from typing import Any

import numpy

from .. import backend
from .. import functional as F
from ..tensor import Tensor, as_tensor
from .container import ModuleList, Sequential
from .linear import Linear
from .module import Module
from .parameter import Parameter

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class _EmptyLinear(Module):
    """A bias-free linear map with no values (``in_features`` or ``out_features`` 0), as
    PyTorch's ``Linear`` of a zero size: its output is zeros; ``weight`` is ``(out, in)``."""

    def __init__(self, in_features: int, out_features: int, bias: bool = False,
                 dtype: Any = None) -> None:  # fmt: skip
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        dt = backend.get_default_dtype() if dtype is None else dtype
        self.weight = Parameter(backend.xp.zeros((out_features, in_features), dt))

    def reset_parameters(self) -> None:
        """Nothing to draw: the weight has no values."""

    def forward(self, x: Tensor) -> Tensor:
        return F.matmul(x, self.weight.t())

    def _get_name(self) -> str:  # PyTorch's tail holds a Linear here
        return "Linear"

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias=False"


class AdaptiveLogSoftmaxWithLoss(Module):
    """Adaptive softmax: ``forward(input, target)`` returns ``(output, loss)``, ``output`` the
    log-probability of each row's target (``(N,)``, or ``()`` for one unbatched row) and
    ``loss`` their negated mean; :meth:`log_prob` gives all ``n_classes`` log-probabilities,
    :meth:`predict` the most probable class."""

    def __init__(
        self,
        in_features: int,
        n_classes: int,
        cutoffs: Sequence[int],
        div_value: float = 4.0,
        head_bias: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (
            cutoffs != sorted(cutoffs)
            or min(cutoffs) <= 0
            or max(cutoffs) > n_classes - 1
            or len(set(cutoffs)) != len(cutoffs)
            or any(int(c) != c for c in cutoffs)
        ):
            raise ValueError(
                "cutoffs should be a sequence of unique, positive integers sorted in an "
                "increasing order, where each value is between 1 and n_classes-1"
            )
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = [int(c) for c in cutoffs] + [n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, dtype=dtype)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hsz = int(in_features // (div_value ** (i + 1)))
            osz = self.cutoffs[i + 1] - self.cutoffs[i]
            layer = Linear if hsz > 0 else _EmptyLinear  # in_features // div_value**(i+1) may be 0
            self.tail.append(
                Sequential(
                    layer(in_features, hsz, bias=False, dtype=dtype),
                    layer(hsz, osz, bias=False, dtype=dtype),
                )
            )

    def reset_parameters(self) -> None:
        self.head.reset_parameters()
        for i2h, h2o in self.tail:
            i2h.reset_parameters()
            h2o.reset_parameters()

    def forward(self, input_: Tensor, target_: Any) -> _ASMoutput:
        target_ = as_tensor(target_)
        targ_dim = target_.dim()
        if targ_dim == 1:
            if input_.size(0) != target_.size(0):
                raise RuntimeError(
                    "Input and target should have the same size in the batch dimension."
                )
            if input_.dim() != 2:
                raise RuntimeError(
                    "1D target tensor expects 2D input tensors, but found inputs with size "
                    f"{tuple(input_.shape)}"
                )
        elif targ_dim == 0:
            if input_.dim() != 1:
                raise RuntimeError(
                    "0D target tensor expects 1D input tensors, but found inputs with size "
                    f"{tuple(input_.shape)}"
                )
        else:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        is_batched = targ_dim > 0
        inp = input_ if is_batched else input_.unsqueeze(0)
        target = backend.to_numpy(target_._data).reshape(-1).astype(numpy.int64)
        n = target.shape[0]
        gather = target.copy()
        used = 0
        cluster_parts = []
        bounds = [0, *self.cutoffs]
        for i in range(len(bounds) - 1):
            low, high = bounds[i], bounds[i + 1]
            rows = numpy.flatnonzero((target >= low) & (target < high))
            if rows.size == 0:
                continue
            used += rows.size
            if i == 0:
                continue
            gather[rows] = self.shortlist_size + i - 1
            rows_t = Tensor._wrap(backend.xp.asarray(rows))
            out = self.tail[i - 1](inp.index_select(0, rows_t))
            rel = Tensor._wrap(backend.xp.asarray((target[rows] - low)[:, None]))
            local = F.log_softmax(out, dim=1).gather(1, rel)[:, 0]
            cluster_parts.append((rows_t, local))
        if used != n:
            raise RuntimeError(
                f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                f"[{int(target.min())}, {int(target.max())}] were found. "
            )
        output = inp.new_zeros(n)
        for rows_t, local in cluster_parts:
            output = output.index_add(0, rows_t, local)
        head_logprob = F.log_softmax(self.head(inp), dim=1)
        idx = Tensor._wrap(backend.xp.asarray(gather[:, None]))
        output = output + head_logprob.gather(1, idx)[:, 0]
        loss = (-output).mean()
        if not is_batched:
            output = output.squeeze(0)
        return _ASMoutput(output, loss)

    def _get_full_log_prob(self, inp: Tensor, head_output: Tensor) -> Tensor:
        head_logprob = F.log_softmax(head_output, dim=1)
        parts = [head_logprob[:, : self.shortlist_size]]
        for i in range(self.n_clusters):
            cluster_logprob = F.log_softmax(self.tail[i](inp), dim=1)
            parts.append(cluster_logprob + head_logprob[:, self.shortlist_size + i].unsqueeze(1))
        return F.cat(parts, dim=1)

    def log_prob(self, input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        """The log-probabilities of all ``n_classes`` classes: ``(N, in_features)`` →
        ``(N, n_classes)``."""
        return self._get_full_log_prob(input, self.head(input))

    def predict(self, input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        """The most probable class of each row (``log_prob(input).argmax(1)``, computing the
        tails only for rows whose best head score is a cluster's)."""
        head_output = self.head(input)
        output = backend.to_numpy(head_output.argmax(dim=1)._data).copy()
        outside = output >= self.shortlist_size
        if outside.any():
            rows = Tensor._wrap(backend.xp.asarray(numpy.flatnonzero(outside)))
            log_prob = self._get_full_log_prob(
                input.index_select(0, rows), head_output.index_select(0, rows)
            )
            output[outside] = backend.to_numpy(log_prob.argmax(dim=1)._data)
        return Tensor._wrap(backend.xp.asarray(output))

    def extra_repr(self) -> str:
        return ""
