"""DataLoader: cut a dataset into mini-batches of NumPy arrays, epoch after epoch.

Each epoch of a map-style dataset visits every sample exactly once: the indices
``0 .. N-1`` are (optionally) permuted and cut into consecutive batches, so batches are
drawn *without* replacement. Array-backed datasets gather each batch with a single
fancy-indexing operation. Iterable datasets are read in order and grouped into batches.
"""

from __future__ import annotations

import math
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from deepgrad.data.dataset import ArrayDataset, Dataset, IterableDataset, collate
from deepgrad.data.seeding import draw_seed, epoch_order

__all__ = ["DataLoader", "make_rng"]


def make_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """Return a NumPy ``Generator``: ``seed`` itself if it is one, else ``default_rng(seed)``;
    ``None`` seeds it from :func:`~deepgrad.data.seeding.draw_seed` (so ``dg.manual_seed``
    decides it).

    Examples
    --------
    >>> bool(make_rng(0).integers(100) == make_rng(0).integers(100))
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and not isinstance(seed, int | np.integer):
        raise TypeError(
            f"seed must be an int, a numpy.random.Generator or None; got {type(seed).__name__}"
        )
    return np.random.default_rng(draw_seed() if seed is None else seed)


class DataLoader:
    """Iterate over a dataset in mini-batches of NumPy arrays.

    Parameters
    ----------
    dataset : Dataset, IterableDataset, array or tuple of arrays
        What to draw from. Arrays (``x`` or ``(x, y, ...)``) are wrapped in an
        :class:`~deepgrad.data.ArrayDataset`. Any object with ``__len__`` and
        ``__getitem__`` is used as a map-style dataset, any other iterable as a stream.
        If the dataset has ``set_epoch(epoch)``, it is called before every epoch.
    batch_size : int
        Samples per batch ``B``.
    shuffle : bool
        Permute the samples anew at the start of every epoch (map-style datasets only).
    drop_last : bool
        Drop the last batch when it has fewer than ``batch_size`` samples.
    seed : int, numpy.random.Generator or None
        Source of the shuffling order. With an int, epoch ``e`` uses the permutation of
        ``default_rng([seed, e])``, so an epoch's order does not depend on how many epochs
        ran before (resuming reproduces it); a ``Generator`` is drawn from in sequence;
        ``None`` draws the int once, from deepgrad's global generator, when the loader is
        first iterated (PyTorch's rule: ``dg.manual_seed`` decides the shuffling).
    transform : callable, optional
        Applied to the input (first field) of every sample, ``x_i -> x_i``, before batching.
    batch_transform : callable, optional
        Applied to the input (first field) of every batch, ``(B, ...) -> (B, ...)``, e.g.
        an augmentation pipeline from :mod:`deepgrad.data.augmentation` (which sees a batch
        ``(B, H, W)`` as ``(B, 1, H, W)``: one random draw per image). Labels and other
        fields are passed through untouched.
    prefetch : int
        When > 0, a background thread prepares up to ``prefetch`` batches ahead while the
        consumer trains on the current one.
    collate_fn : callable, optional
        Builds a batch from the list of a batch's samples (PyTorch's hook, e.g. to pad
        sequences of different lengths); the default stacks each field into an array.

    Yields
    ------
    numpy.ndarray or tuple of numpy.ndarray
        Batches of shape ``(B, ...)``, one array per field of the samples.

    Examples
    --------
    >>> x, y = np.arange(10.0).reshape(5, 2), np.arange(5)
    >>> loader = DataLoader((x, y), batch_size=2)
    >>> len(loader), [yb.tolist() for _, yb in loader]
    (3, [[0, 1], [2, 3], [4]])
    >>> loader = DataLoader((x, y), batch_size=2, shuffle=True, seed=0, drop_last=True)
    >>> len(loader), sum(len(yb) for _, yb in loader)
    (2, 4)
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 32,
        shuffle: bool = False,
        *,
        drop_last: bool = False,
        seed: int | np.random.Generator | None = None,
        transform: Callable[[np.ndarray], np.ndarray] | None = None,
        batch_transform: Callable[[np.ndarray], np.ndarray] | None = None,
        prefetch: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer):
            raise TypeError(f"DataLoader: batch_size must be an int; got {batch_size!r}")
        if batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be >= 1; got {batch_size}")
        if prefetch < 0:
            raise ValueError(f"DataLoader: prefetch must be >= 0; got {prefetch}")
        self.dataset = _as_dataset(dataset)
        if shuffle and not _is_map_style(self.dataset):
            raise ValueError(
                "DataLoader: shuffle=True needs a map-style dataset (with __len__ and "
                f"__getitem__); {type(self.dataset).__name__} is a stream. Shuffle inside "
                "the stream, or collect it into an ArrayDataset"
            )
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.seed = seed
        self.transform = transform
        self.batch_transform = batch_transform
        self.prefetch = int(prefetch)
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader: collate_fn must be callable; got {collate_fn!r}")
        self.collate_fn = collate_fn
        self.epoch = 0
        make_rng(0 if seed is None else seed)  # checks the type
        self._rng = seed if isinstance(seed, np.random.Generator) else None
        self._base_seed = None if seed is None or self._rng is not None else int(seed)

    # ------------------------------------------------------------------ epochs
    def set_epoch(self, epoch: int) -> None:
        """Make the next iteration be epoch ``epoch`` (for resuming a training run)."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        """Batches per epoch: ``ceil(N / B)``, or ``floor(N / B)`` with ``drop_last``."""
        try:
            n = len(self.dataset)
        except TypeError as err:
            raise TypeError(
                f"DataLoader: the number of batches is unknown because "
                f"{type(self.dataset).__name__} has no length"
            ) from err
        if self.drop_last:
            return n // self.batch_size
        return math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        epoch = self.epoch
        self.epoch += 1
        if self.shuffle and self._rng is None and self._base_seed is None:
            self._base_seed = draw_seed()  # here, not in a prefetching thread
        set_epoch = getattr(self.dataset, "set_epoch", None)
        if callable(set_epoch):
            set_epoch(epoch)
        if _is_map_style(self.dataset):
            batches = self._map_batches(epoch)
        else:
            batches = self._stream_batches()
        if self.prefetch:
            return _prefetched(batches, self.prefetch)
        return batches

    # ----------------------------------------------------------------- batches
    def _order(self, n: int, epoch: int) -> np.ndarray:
        if not self.shuffle:
            return np.arange(n)
        if self._rng is not None:  # a Generator given as seed: its own stream, epoch after epoch
            return self._rng.permutation(n)
        return epoch_order(n, self._base_seed, epoch)

    def _map_batches(self, epoch: int) -> Iterator[Any]:
        ds = self.dataset
        n = len(ds)
        order = self._order(n, epoch)
        stop = n - n % self.batch_size if self.drop_last else n
        get_batch = getattr(ds, "get_batch", None)
        for start in range(0, stop, self.batch_size):
            idx = order[start : start + self.batch_size]
            if self.collate_fn is not None:
                batch = self.collate_fn([ds[int(i)] for i in idx])
            elif callable(get_batch):
                batch = get_batch(idx)
            else:
                batch = collate([ds[int(i)] for i in idx])
            if self.transform is not None:
                batch = _map_first(batch, self._transform_each)
            yield self._finish(batch)

    def _stream_batches(self) -> Iterator[Any]:
        buffer: list[Any] = []
        for sample in self.dataset:
            buffer.append(sample)
            if len(buffer) == self.batch_size:
                yield self._finish(self._collate_stream(buffer))
                buffer = []
        if buffer and not self.drop_last:
            yield self._finish(self._collate_stream(buffer))

    def _collate_stream(self, samples: list[Any]) -> Any:
        batch = (self.collate_fn or collate)(samples)
        if self.transform is not None:
            batch = _map_first(batch, self._transform_each)
        return batch

    def _transform_each(self, xb: np.ndarray) -> np.ndarray:
        assert self.transform is not None
        return np.stack([np.asarray(self.transform(xi)) for xi in xb])

    def _finish(self, batch: Any) -> Any:
        if self.batch_transform is not None:
            batch = _map_first(batch, self._transform_batch)
        return batch

    def _transform_batch(self, xb: Any) -> Any:
        """``batch_transform`` on a batch; an augmentation given ``(B, H, W)`` one-channel
        images sees them as ``(B, 1, H, W)`` (3-D, it would take them for one image of B
        channels, every image shifted and flipped alike)."""
        from deepgrad.data.augmentation import Augmentation

        assert self.batch_transform is not None
        if isinstance(self.batch_transform, Augmentation) and np.ndim(xb) == 3:
            return self.batch_transform(np.asarray(xb)[:, None])[:, 0]
        return self.batch_transform(xb)

    def __repr__(self) -> str:
        return (
            f"DataLoader({self.dataset!r}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last})"
        )


def _as_dataset(dataset: Any) -> Any:
    if isinstance(dataset, Dataset | IterableDataset):
        return dataset
    if isinstance(dataset, np.ndarray):
        return ArrayDataset(dataset)
    if isinstance(dataset, tuple) and dataset and all(_is_array_like(a) for a in dataset):
        return ArrayDataset(*dataset)
    if hasattr(dataset, "__iter__") or _is_map_style(dataset):
        return dataset
    raise TypeError(
        "DataLoader: dataset must be a Dataset, an IterableDataset, an array or a tuple of "
        f"arrays (x, y); got {type(dataset).__name__}"
    )


def _is_array_like(value: Any) -> bool:
    return isinstance(value, np.ndarray | list)


def _is_map_style(dataset: Any) -> bool:
    if isinstance(dataset, IterableDataset):
        return False
    return hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")


def _map_first(batch: Any, fn: Callable[[np.ndarray], np.ndarray]) -> Any:
    """Apply ``fn`` to the input field of a batch, leaving the other fields untouched."""
    if isinstance(batch, tuple):
        return (fn(batch[0]), *batch[1:])
    return fn(batch)


_DONE = object()


def _prefetched(batches: Iterator[Any], depth: int, timeout: float = 0) -> Iterator[Any]:
    """Run ``batches`` in a background thread, keeping up to ``depth`` batches ready.

    With ``timeout > 0`` a batch that is not ready within ``timeout`` seconds of being asked
    for raises PyTorch's ``RuntimeError("DataLoader timed out after {timeout} seconds")``;
    the thread goes on preparing it, and a later ``next`` waits for it again (as PyTorch's
    iterator). The thread stops when the batches are done, fail, or the iterator is closed
    or dropped (a ``break``)."""
    slots: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                slots.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:  # refers to the queue and the event only, never to the iterator,
        try:  # so that dropping the iterator stops the thread
            for batch in batches:
                if not put(("batch", batch)):
                    return
            put(("done", _DONE))
        except BaseException as err:  # handed to the consumer, re-raised there
            put(("error", err))

    worker = threading.Thread(target=work, name="deepgrad-prefetch", daemon=True)
    worker.start()
    return _Prefetched(slots, stop, worker, timeout)


class _Prefetched:
    """The consumer's side of :func:`_prefetched`: an iterator over the queue's batches."""

    def __init__(
        self, slots: queue.Queue, stop: threading.Event, worker: threading.Thread, timeout: float
    ) -> None:
        self._slots, self._stop, self._worker = slots, stop, worker
        self._timeout, self._finished = timeout, False

    def __iter__(self) -> _Prefetched:
        return self

    def __next__(self) -> Any:
        if self._finished:
            raise StopIteration
        try:
            if self._timeout > 0:
                kind, item = self._slots.get(timeout=self._timeout)
            else:
                kind, item = self._slots.get()
        except queue.Empty:
            raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds") from None
        if kind == "batch":
            return item
        self.close()
        if kind == "done":
            raise StopIteration
        raise item

    def close(self) -> None:
        """Stop the thread (after the batch it is preparing) and wait for it."""
        self._finished = True
        self._stop.set()
        if self._worker is not threading.current_thread():
            self._worker.join()

    def __del__(self) -> None:
        self.close()
