"""Averaging gradients over the ranks in buckets, and broadcasting weights from rank 0.

A :class:`GradientReducer` packs the gradients of a model's trainable parameters into a few
flat buffers (*buckets* of at most ``bucket_mb`` megabytes, float32 for a float32 model, in
reverse registration order as PyTorch's DDP does) and sums each bucket over the ranks with
**one** ``MPI_Allreduce`` — not one call per tensor, whose latency would dominate a model of
many small tensors. Each rank first scales its gradients by its share of the global batch,
``w_r = n_r / Σ_q n_q`` (``1 / size`` for equal shards), so the sum is the gradient of the
loss averaged over the global batch:

    g = Σ_r w_r g_r        (g_r: the mean-loss gradient on rank r's n_r samples)

Each bucket also carries one flag per parameter (1 where the rank has a gradient): a
parameter that no rank touched keeps ``grad = None``, exactly as in one process (the
optimizer then skips it), and one that some ranks touched gets the weighted sum of theirs.

>>> from deepgrad import nn
>>> from deepgrad.distributed.comm import Communicator
>>> model = nn.Linear(3, 2)
>>> reducer = GradientReducer(model.parameters(), Communicator.local())
>>> reducer.num_buckets, reducer.num_elements
(1, 8)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .. import backend
from ..tensor import Tensor
from .comm import Communicator

__all__ = ["GradientReducer", "broadcast_model", "broadcast_optimizer_state"]


class _Bucket:
    def __init__(self, params: list[Any], dtype: np.dtype, extras: int = 0) -> None:
        self.params = params
        self.shapes = [tuple(p._data.shape) for p in params]
        sizes = [int(np.prod(s)) for s in self.shapes]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.numel = int(self.offsets[-1])
        # the gradients, one presence flag per parameter, then the extra values
        self.buffer = np.zeros(self.numel + len(params) + extras, dtype=dtype)


class GradientReducer:
    """Sum the weighted gradients of ``params`` over the ranks, one allreduce per bucket.

    Parameters
    ----------
    params : iterable of Parameter
        The parameters whose gradients are averaged (those with ``requires_grad``).
    comm : Communicator
    bucket_mb : float
        The most megabytes of gradients in one bucket (PyTorch DDP's default: 25).
    extras : int
        Room for this many more numbers (``reduce(extras=...)``), reduced in the first
        bucket's call: ``fit`` sends the step's loss there, so every rank logs the loss of
        the global batch without a call of its own.
    """

    def __init__(
        self, params: Iterable[Any], comm: Communicator, bucket_mb: float = 25.0, extras: int = 0
    ) -> None:
        if bucket_mb <= 0:
            raise ValueError(f"GradientReducer: bucket_mb must be > 0, got {bucket_mb}")
        self.comm = comm
        trainable = [p for p in params if getattr(p, "requires_grad", False)]
        limit = bucket_mb * 2**20
        self.buckets: list[_Bucket] = []
        by_dtype: dict[np.dtype, list[Any]] = {}
        for p in reversed(trainable):  # backward produces the last layers' gradients first
            by_dtype.setdefault(np.dtype(p._data.dtype), []).append(p)
        for dtype, ps in by_dtype.items():
            cur: list[Any] = []
            size = 0
            for p in ps:
                nbytes = p._data.size * dtype.itemsize
                if cur and size + nbytes > limit:
                    self.buckets.append(_Bucket(cur, dtype))
                    cur, size = [], 0
                cur.append(p)
                size += nbytes
            if cur:
                self.buckets.append(_Bucket(cur, dtype))
        if not self.buckets:
            raise ValueError("GradientReducer: no trainable parameters (requires_grad=True)")
        self.extras = int(extras)
        if self.extras:
            first = self.buckets[0]
            self.buckets[0] = _Bucket(first.params, first.buffer.dtype, self.extras)
        self.params = trainable

    @property
    def num_buckets(self) -> int:
        """How many allreduce calls one :meth:`reduce` makes."""
        return len(self.buckets)

    @property
    def num_elements(self) -> int:
        """Gradient values reduced per step (without the flags)."""
        return sum(b.numel for b in self.buckets)

    @property
    def bytes_per_step(self) -> int:
        """Bytes each rank sends into the allreduces of one step (with the flags)."""
        return sum(b.buffer.nbytes for b in self.buckets)

    def reduce(self, weight: float | None = None, extras: Any = ()) -> np.ndarray:
        """Replace every parameter's ``grad`` by ``Σ_r w_r grad_r`` over the ranks, where
        ``w_r = weight`` on this rank (default ``1 / size``: the plain average). Returns the
        sums over the ranks of ``extras`` (at most the ``extras`` given at construction)."""
        comm = self.comm
        w = 1.0 / comm.size if weight is None else float(weight)
        extras = np.asarray(extras, dtype=np.float64).reshape(-1)
        if len(extras) > self.extras:
            raise ValueError(
                f"GradientReducer.reduce: {len(extras)} extra values, room for {self.extras}"
            )
        if comm.size == 1 and w == 1.0:
            return extras
        to_np = backend.to_numpy
        out = extras
        for k, b in enumerate(self.buckets):
            buf, off, n = b.buffer, b.offsets, b.numel
            np_ = len(b.params)
            if k == 0 and self.extras:
                buf[n + np_ :] = 0
                buf[n + np_ : n + np_ + len(extras)] = extras
            for i, p in enumerate(b.params):
                seg = buf[off[i] : off[i + 1]]
                g = p.grad
                if g is None:
                    seg.fill(0)
                    buf[n + i] = 0
                else:
                    np.multiply(to_np(g._data).reshape(-1), w, out=seg, casting="unsafe")
                    buf[n + i] = 1
            comm.allreduce_sum_(buf, f"allreduce of gradient bucket {k + 1}/{len(self.buckets)}")
            if k == 0 and self.extras:
                out = buf[n + np_ : n + np_ + len(extras)].astype(np.float64)
            for i, p in enumerate(b.params):
                if buf[n + i] == 0:
                    p.grad = None
                    continue
                seg = buf[off[i] : off[i + 1]].reshape(b.shapes[i])
                g = p.grad
                if g is not None and backend.xp is np and g._data.dtype == seg.dtype:
                    g._data[...] = seg
                else:
                    p.grad = Tensor._from_op(backend.xp.asarray(seg.astype(p._data.dtype)), None, 0)
        return out


def broadcast_model(model: Any, comm: Communicator | None = None, root: int = 0) -> None:
    """Overwrite every rank's parameters and buffers with rank ``root``'s (in place)."""
    if comm is None:
        from .comm import world

        comm = world()
    if comm.size == 1:
        return
    tensors = list(model.parameters()) + list(model.buffers())
    for k, t in enumerate(tensors):
        arr = t._data
        if backend.xp is np and arr.flags.c_contiguous:
            comm.bcast_(arr, root, f"broadcast of the weights ({k + 1}/{len(tensors)})")
        else:
            host = np.ascontiguousarray(backend.to_numpy(arr))
            comm.bcast_(host, root, f"broadcast of the weights ({k + 1}/{len(tensors)})")
            t._data[...] = backend.xp.asarray(host)


def broadcast_optimizer_state(
    optimizer: Any, comm: Communicator | None = None, root: int = 0
) -> None:
    """Give every rank rank ``root``'s optimizer state (moments, step counts, learning
    rates)."""
    if comm is None:
        from .comm import world

        comm = world()
    if comm.size == 1 or not optimizer.is_bound:
        return
    state = comm.bcast_object(
        optimizer.state_dict() if comm.rank == root else None, root, "broadcast of the optimizer"
    )
    if comm.rank != root:
        optimizer.load_state_dict(state)
