"""Where ``fit`` gets its mini-batches: arrays (batched here) or a loader (an iterable of
``(x, y)`` / ``(x, y, sample_weight)`` NumPy batches, like :class:`deepgrad.data.DataLoader`).

Arrays are converted once (inputs to the model's float dtype, labels to int64) and cut into
``ceil(N / batch_size)`` batches per epoch, without replacement; with ``shuffle`` the order of
epoch ``e`` is :func:`deepgrad.data.seeding.epoch_order` (the permutation of
``numpy.random.default_rng([seed, e])``, the data package's one shuffling rule), which depends
on nothing else — what makes an interrupted run resumable mid-epoch.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..data.seeding import epoch_order
from . import checks
from .inputs import inputs_by_name, several_inputs

Batch = tuple[np.ndarray, np.ndarray | None, np.ndarray | None]


class ArraySource:
    """Mini-batches cut from arrays ``x``, ``y`` (optional), ``w`` (optional sample weights)."""

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray | None,
        w: np.ndarray | None,
        batch_size: int,
        shuffle: bool | str,
    ) -> None:
        self.x, self.y, self.w = x, y, w
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.n = len(x)
        self.steps = math.ceil(self.n / self.batch_size)

    def first(self) -> Batch:
        b = self.batch_size
        return (
            self.x[:b],
            None if self.y is None else self.y[:b],
            None if self.w is None else self.w[:b],
        )

    def order(self, epoch: int, seed: int) -> np.ndarray:
        """The sample order of ``epoch``: shuffled by ``(seed, epoch)``, or ``0 … N−1``; with
        Keras's ``shuffle="batch"`` the batches stay the consecutive chunks, in order, and only
        the samples within each are shuffled (by ``(seed, epoch)``)."""
        if isinstance(self.shuffle, str):  # "batch", checked by fit
            order = np.arange(self.n)
            rng = np.random.default_rng([seed, epoch])
            for s in range(0, self.n, self.batch_size):
                order[s : s + self.batch_size] = rng.permutation(order[s : s + self.batch_size])
            return order
        return epoch_order(self.n, seed, epoch) if self.shuffle else np.arange(self.n)

    def batches(self, epoch: int = 0, start: int = 0, seed: int = 0) -> Iterator[Batch]:
        x, y, w, b = self.x, self.y, self.w, self.batch_size
        if self.shuffle:
            order = self.order(epoch, seed)
            for s in range(start, self.steps):
                idx = order[s * b : (s + 1) * b]
                yield x[idx], (None if y is None else y[idx]), (None if w is None else w[idx])
        else:
            for s in range(start, self.steps):
                sl = slice(s * b, (s + 1) * b)
                yield x[sl], (None if y is None else y[sl]), (None if w is None else w[sl])


class LoaderSource:
    """Mini-batches from a loader; each batch is converted like arrays are.

    ``set_epoch(epoch)`` is called on the loader before each epoch when it has one (so a
    seeded :class:`~deepgrad.data.DataLoader` shuffles each epoch reproducibly), and a resumed
    epoch skips the batches already done.
    """

    def __init__(
        self,
        loader: Any,
        model: Any,
        dtype: np.dtype,
        kind: str | None,
        loss_name: str | None,
        where: str,
        need_y: bool,
    ) -> None:
        self.loader = loader
        self.model = model
        self.dtype = dtype
        self.kind, self.loss_name, self.where = kind, loss_name, where
        self.need_y = need_y
        try:
            self.steps: int | None = len(loader)
        except TypeError:
            self.steps = None
        self._checked = False
        #: integer one-hot rows (N, C) are read as class probabilities (set by fit's checks)
        self.int_onehot = False
        #: the batch ``first()`` took from a one-shot iterator (a generator), given back first
        #: by the next ``batches()``
        self._peeked: Any = None

    def convert(self, batch: Any) -> Batch:
        if isinstance(batch, dict):
            raise TypeError(f"{self.where}: batches must be (x, y) tuples, got a dict")
        if isinstance(batch, (tuple, list)):
            if len(batch) == 1:
                xb, yb, wb = batch[0], None, None
            elif len(batch) == 2:
                (xb, yb), wb = batch, None
            elif len(batch) == 3:
                xb, yb, wb = batch
            else:
                raise ValueError(
                    f"{self.where}: a batch must be (x, y) or (x, y, sample_weight), got a "
                    f"{len(batch)}-tuple"
                )
        else:
            xb, yb, wb = batch, None, None
        if yb is None and self.need_y:
            raise ValueError(
                f"{self.where}: the loader yields inputs only; training and evaluation need (x, y) "
                "batches"
            )
        if isinstance(xb, dict):  # Keras's ({"a": xa, "b": xb}, y) batches
            xb = inputs_by_name(xb, self.model, self.where)
        xi = several_inputs(xb, self.model, "x", self.where)  # Keras's ([x1, x2], y) batches
        if xi is not None:
            xb = xi.map(lambda a: checks.input_array(a, self.model, self.dtype))
            if not self._checked:
                for i, a in enumerate(xb.arrays):
                    checks.check_finite(a, f"x[{i}] (first batch)", self.where)
        else:
            xb = checks.input_array(checks.to_numpy(xb, "x", self.where), self.model, self.dtype)
            if not self._checked:
                checks.check_finite(xb, "x (first batch)", self.where)
        if yb is not None:
            yb = checks.prepare_targets(
                checks.to_numpy(yb, "y", self.where),
                self.kind,
                self.loss_name,
                self.dtype,
                self.where,
            )
            checks.check_lengths(xb, yb, None, self.where)
            if self.int_onehot and yb.dtype.kind in "iu":
                yb = yb.astype(self.dtype)
        if wb is not None:
            wb = np.asarray(checks.to_numpy(wb, "sample_weight", self.where), dtype=self.dtype)
        self._checked = True
        return xb, yb, wb

    def first(self) -> Batch:
        """The first batch, converted. A one-shot iterator (a generator: ``iter(it) is it``)
        keeps it, and the next :meth:`batches` yields it first, so no batch is lost."""
        if self._peeked is not None:
            return self.convert(self._peeked)
        it = iter(self.loader)
        for batch in it:
            if it is self.loader:
                self._peeked = batch
            return self.convert(batch)
        raise ValueError(f"{self.where}: the loader yielded no batch")

    def batches(self, epoch: int = 0, start: int = 0, seed: int = 0) -> Iterator[Batch]:
        set_epoch = getattr(self.loader, "set_epoch", None)
        if callable(set_epoch):
            set_epoch(epoch)
        peeked, self._peeked = self._peeked, None
        stream = self.loader if peeked is None else itertools.chain([peeked], self.loader)
        for s, batch in enumerate(stream):
            if s < start:
                continue
            yield self.convert(batch)


class EpochSteps:
    """Keras's ``fit(steps_per_epoch=n)``: each epoch draws the next ``n`` batches of
    ``source``, continuing across epochs where the previous one stopped; a pass over the data
    that runs out mid-epoch ends that epoch early, with Keras's warning, and the next epoch
    starts a new pass (shuffled anew: pass ``k`` is the source's epoch ``k``)."""

    def __init__(self, source: Any, steps: int) -> None:
        self.source, self.steps = source, steps
        self.n = None  # samples per epoch: not a fixed number
        self._pass = -1
        self._live: Iterator[Batch] | None = None

    def first(self) -> Batch:
        return self.source.first()

    def batches(self, epoch: int = 0, start: int = 0, seed: int = 0) -> Iterator[Batch]:
        for i in range(start, self.steps):
            if self._live is None:
                self._pass += 1
                self._live = self.source.batches(self._pass, 0, seed)
            batch = next(self._live, None)
            if batch is None:
                self._live = None
                warnings.warn(
                    "Your input ran out of data; interrupting training. Make sure that your "
                    "dataset or generator can generate at least `steps_per_epoch * epochs` "
                    f"batches (Keras's warning): this epoch ends after {i} batches and the next "
                    "starts a new pass over the data",
                    UserWarning,
                    stacklevel=2,
                )
                return
            yield batch
