"""Each rank's part of every global batch.

With ``size`` ranks and a per-rank ``batch_size`` B, one step consumes a **global batch** of
``G = size × B`` samples: for arrays, the samples ``order[s G : (s + 1) G]`` of the epoch's
order — the very order one process uses (``default_rng([seed, epoch]).permutation(N)`` when
shuffling, else ``0..N-1``), the same on every rank since it depends only on the seed and the
epoch. The global batch is cut into ``size`` contiguous parts whose sizes differ by at most
one (``numpy.array_split``), and rank r takes part r. An epoch has ``ceil(N / G)`` steps on
every rank; the last global batch may be smaller than G, and a rank whose part is empty (when
fewer than ``size`` samples are left) yields an empty batch ``(None, None, None)`` so that it
still joins the step's gradient allreduce with nothing to add.

A loader (a ``DataLoader`` or any iterable of batches) is sharded by batches instead: step s
gives rank r the loader's batch ``s × size + r``.

>>> import numpy as np
>>> from deepgrad.train.sources import ArraySource
>>> src = ArraySource(np.arange(10.0)[:, None], np.arange(10), None, 2, shuffle=False)
>>> [None if b[0] is None else b[1].tolist() for b in ShardedSource(src, 1, 2).batches(0)]
[[2, 3], [6, 7], [9]]
>>> [None if b[0] is None else b[1].tolist() for b in ShardedSource(src, 0, 2).batches(0)]
[[0, 1], [4, 5], [8]]
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..train.sources import ArraySource

EMPTY = (None, None, None)


def split_sizes(m: int, size: int) -> np.ndarray:
    """The sizes of ``size`` contiguous parts of ``m`` samples (``numpy.array_split``'s)."""
    base, extra = divmod(m, size)
    return np.array([base + (1 if r < extra else 0) for r in range(size)], dtype=np.int64)


class ShardedSource:
    """Rank ``rank``'s part of each global batch of ``source`` (an ``ArraySource`` or a
    ``LoaderSource``), over ``size`` ranks.

    After each yielded batch, ``global_count`` is the number of samples in the step's global
    batch, so a rank's share of the gradient is ``len(batch) / global_count``.
    """

    def __init__(self, source: Any, rank: int, size: int) -> None:
        self.source = source
        self.rank, self.size = int(rank), int(size)
        self.arrays = isinstance(source, ArraySource)
        if self.arrays:
            self.n = source.n
            self.batch_size = source.batch_size
            self.global_batch = self.batch_size * self.size
            self.steps: int | None = math.ceil(self.n / self.global_batch)
        else:
            self.n = getattr(source, "n", None)
            inner = source.steps
            self.steps = None if inner is None else math.ceil(inner / self.size)
        self.global_count = 0

    def first(self) -> Any:
        return self.source.first()

    def _array_batches(self, epoch: int, start: int, seed: int) -> Iterator[Any]:
        src, G, r = self.source, self.global_batch, self.rank
        x, y, w = src.x, src.y, src.w
        order = src.order(epoch, seed)  # the one process's order (data.seeding.epoch_order)
        for s in range(start, self.steps or 0):
            chunk = order[s * G : (s + 1) * G]
            sizes = split_sizes(len(chunk), self.size)
            lo = int(sizes[:r].sum())
            idx = chunk[lo : lo + int(sizes[r])]
            self.global_count = len(chunk)
            if not len(idx):
                yield EMPTY
                continue
            if not src.shuffle:  # contiguous: slices, no copy
                idx = slice(int(idx[0]), int(idx[-1]) + 1)
            yield x[idx], (None if y is None else y[idx]), (None if w is None else w[idx])

    def _loader_batches(self, epoch: int, start: int) -> Iterator[Any]:
        src, size, r = self.source, self.size, self.rank
        set_epoch = getattr(src.loader, "set_epoch", None)
        if callable(set_epoch):
            set_epoch(epoch)
        it = iter(src.loader)
        step = 0
        while True:
            group = []
            for _ in range(size):
                try:
                    group.append(next(it))
                except StopIteration:
                    break
            if not group:
                return
            if step >= start:
                counts = [_batch_len(b) for b in group]
                self.global_count = sum(counts)
                yield src.convert(group[r]) if r < len(group) else EMPTY
            step += 1
            if len(group) < size:
                return

    def batches(self, epoch: int = 0, start: int = 0, seed: int = 0) -> Iterator[Any]:
        """This rank's batches of ``epoch`` from global step ``start`` on."""
        if self.arrays:
            return self._array_batches(epoch, start, seed)
        return self._loader_batches(epoch, start)


def _batch_len(batch: Any) -> int:
    first = batch[0] if isinstance(batch, (tuple, list)) else batch
    return len(first)


def shard_rows(n: int, rank: int, size: int) -> slice:
    """Rank ``rank``'s contiguous rows of ``n`` (for evaluation): ``numpy.array_split``'s."""
    sizes = split_sizes(n, size)
    lo = int(sizes[:rank].sum())
    return slice(lo, lo + int(sizes[rank]))
