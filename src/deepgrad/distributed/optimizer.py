"""Data parallelism for a hand-written loop: Horovod's recipe.

::

    import deepgrad.distributed as dist
    comm = dist.init()
    opt = dist.DistributedOptimizer(optim.SGD(model.parameters(), lr=0.1))
    dist.broadcast_parameters(model)             # every replica starts from rank 0's weights
    for epoch in range(epochs):
        for xb, yb, share in dist.batches(x, y, batch_size=32, epoch=epoch, seed=0):
            opt.zero_grad()
            loss_fn(model(dg.tensor(xb)), dg.tensor(yb)).backward()
            opt.step(share)                      # allreduce (bucketed), then the update

:class:`DistributedOptimizer` wraps any optimizer: ``step()`` first replaces the gradients by
their average over the ranks (one allreduce per bucket of parameters), then runs the wrapped
optimizer's update — the same on every rank, so the replicas stay equal. Everything else
(``zero_grad``, ``param_groups``, ``state_dict``, learning-rate schedules) is the wrapped
optimizer's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..optim.optimizer import Optimizer
from ..train.sources import ArraySource
from .comm import Communicator, world
from .gradients import GradientReducer
from .sharding import EMPTY, ShardedSource


def DistributedOptimizer(  # noqa: N802 - Horovod's name, a class-like factory
    optimizer: Optimizer, comm: Communicator | None = None, bucket_mb: float = 25.0
) -> Optimizer:
    """``optimizer`` whose ``step(share=None)`` first averages the gradients over the ranks.

    Returns an instance of a subclass of ``type(optimizer)`` sharing its state (as
    Horovod's ``DistributedOptimizer`` does), so schedules and ``isinstance`` checks work.
    ``share`` is this rank's fraction of the global batch (``len(my batch) / global batch
    size``; default ``1 / size``) — give it when the shards are uneven.

    >>> from deepgrad import nn, optim
    >>> opt = DistributedOptimizer(optim.SGD(nn.Linear(2, 1).parameters(), lr=0.1))
    >>> isinstance(opt, optim.SGD), type(opt).__name__
    (True, 'DistributedSGD')
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"DistributedOptimizer wraps a deepgrad optimizer, got {type(optimizer).__name__}"
        )
    if not optimizer.is_bound:
        raise ValueError(
            "DistributedOptimizer: the optimizer has no parameters yet; build it with them "
            "(optim.SGD(model.parameters(), lr=...)) — with fit, just call dist.init(): fit "
            "averages the gradients itself"
        )
    base = type(optimizer)
    cls = type(f"Distributed{base.__name__}", (base,), {"step": _step, "name": None})
    wrapped = object.__new__(cls)
    wrapped.__dict__.update(optimizer.__dict__)
    wrapped.__dict__["_dg_comm"] = comm or world()
    wrapped.__dict__["_dg_bucket_mb"] = float(bucket_mb)
    wrapped.__dict__["_dg_reducer"] = None
    wrapped.__dict__["_dg_base"] = base
    return wrapped


def _step(self: Any, share: float | None = None) -> None:
    reducer = self.__dict__["_dg_reducer"]
    if reducer is None:
        params = [p for g in self.param_groups for p in g["params"]]
        reducer = GradientReducer(params, self._dg_comm, self._dg_bucket_mb)
        self.__dict__["_dg_reducer"] = reducer
    reducer.reduce(share)
    self._dg_base.step(self)


def batches(
    x: Any,
    y: Any = None,
    *,
    batch_size: int = 32,
    epoch: int = 0,
    seed: int = 0,
    shuffle: bool = True,
    comm: Communicator | None = None,
) -> Iterator[tuple[Any, Any, float]]:
    """This rank's part of each global batch of ``size × batch_size`` samples of epoch
    ``epoch``: ``(x_part, y_part, share)`` with ``share = len(x_part) / global batch`` (pass
    it to ``opt.step(share)``). The epoch's order is ``default_rng([seed, epoch])``'s
    permutation on every rank (as in ``fit``). A rank left without samples in the last global
    batch gets empty arrays and ``share = 0`` — it must still call ``opt.step(0.0)``.

    >>> import numpy as np
    >>> [len(xb) for xb, _, _ in batches(np.zeros((10, 2)), batch_size=4, shuffle=False)]
    [4, 4, 2]
    """
    comm = comm or world()
    xa = np.asarray(x)
    ya = None if y is None else np.asarray(y)
    src = ShardedSource(ArraySource(xa, ya, None, batch_size, shuffle), comm.rank, comm.size)
    for b in src.batches(epoch, 0, seed):
        if b is EMPTY:
            yield xa[:0], (None if ya is None else ya[:0]), 0.0
        else:
            yield b[0], b[1], len(b[0]) / src.global_count
