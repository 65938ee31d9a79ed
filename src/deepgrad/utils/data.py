"""PyTorch's data API (``torch.utils.data``), yielding tensors: ``Dataset``,
``TensorDataset``, ``DataLoader``, ``random_split``, ``Subset``, ``ConcatDataset``,
``ChainDataset``, samplers (``DistributedSampler`` too), ``get_worker_info`` and
``default_collate``.

An adapter above :mod:`deepgrad.data` (which stays NumPy-only): the batching, shuffling and
``drop_last`` logic is :class:`deepgrad.data.DataLoader`'s, run over the dataset with
:func:`default_collate` as its collate function, which turns samples into tensors as PyTorch's
does. A program written for ``torch.utils.data`` runs unchanged::

    from deepgrad.utils.data import DataLoader, TensorDataset
    loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)
    for xb, yb in loader:          # two tensors per batch
        ...

Randomness: with ``shuffle=True`` (or :func:`random_split`, :class:`RandomSampler`) and no
``generator``, each epoch's order is drawn from deepgrad's global generator, so
``dg.manual_seed(s)`` makes it reproducible — and PyTorch's order for the same seed.
``generator`` may be a ``numpy.random.Generator``, an int seed, or an object with a
``numpy.random.Generator`` under ``.rng``.

``num_workers > 0`` prepares up to ``prefetch_factor · num_workers`` batches ahead in one
background thread, in order (a map-style dataset's batches are those of ``num_workers=0``); with
``timeout > 0`` a batch that is not ready within ``timeout`` seconds of being asked for
raises PyTorch's ``RuntimeError("DataLoader timed out after {timeout} seconds")`` (the thread
goes on preparing it: a later ``next`` waits again, as PyTorch's). A map-style dataset's
batch ``i`` is prepared as PyTorch's worker ``i % num_workers`` would prepare it
(:class:`_Workers`): on that worker's own random stream seeded ``base_seed + id`` (kept
across epochs with ``persistent_workers``), with :func:`get_worker_info` and
``worker_init_fn``, so random augmentation in ``__getitem__`` draws PyTorch's numbers and
never the main stream's. An iterable dataset is iterated by every worker over its own
(shallow) copy, their batches taken in turn (:meth:`_Workers.iterate`), as PyTorch's.
``pin_memory`` and ``multiprocessing_context`` are accepted for
PyTorch's signature and have no effect.

>>> import deepgrad as dg
>>> from deepgrad.utils.data import DataLoader, TensorDataset
>>> ds = TensorDataset(dg.arange(6.0).reshape(3, 2), dg.tensor([0, 1, 0]))
>>> [(xb.shape, yb.tolist()) for xb, yb in DataLoader(ds, batch_size=2)]
[((2, 2), [0, 1]), ((1, 2), [0])]
"""

from __future__ import annotations

import collections.abc
import copy
import itertools
import math
import re
import sys as _sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Generic

import numpy as np

from .. import _torch_rng, backend
from ..data import ChainDataset, ConcatDataset, Dataset, IterableDataset, Subset
from ..data import DataLoader as _NumpyLoader
from ..data.dataset import T_co, _split_sizes
from ..data.loader import _prefetched
from ..functional import stack
from ..tensor import Tensor, as_tensor, tensor

__all__ = [
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "DistributedSampler",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "StackDataset",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "default_collate",
    "default_convert",
    "WorkerInfo",
    "get_worker_info",
    "random_split",
]


# ---- randomness ------------------------------------------------------------------------------
def _numpy_rng(generator: Any) -> np.random.Generator:
    """The NumPy generator behind ``generator``: a fresh one seeded from deepgrad's global
    generator when ``None`` (so ``dg.manual_seed`` governs it)."""
    if generator is None:
        return np.random.default_rng(int(backend.rng().integers(2**63)))
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        return np.random.default_rng(int(generator))
    inner = getattr(generator, "rng", None)
    inner = inner() if callable(inner) else inner
    if isinstance(inner, np.random.Generator):
        return inner
    raise TypeError(
        "generator must be None, an int seed, a numpy.random.Generator or an object holding one "
        f"under .rng; got {type(generator).__name__}"
    )


def _stream(generator: Any) -> Any:
    """The stream PyTorch's ``generator=`` argument draws from: the global generator itself
    when ``None`` (``torch.default_generator``), else ``generator``'s (:func:`_numpy_rng`)."""
    return backend.rng() if generator is None else _numpy_rng(generator)


def _seeded_stream(generator: Any) -> Any:
    """PyTorch's samplers' private generator: without ``generator``, a new one seeded with an
    int64 ``random_()`` draw from the global stream (``RandomSampler``'s rule); else
    ``generator``'s stream."""
    if generator is not None:
        return _numpy_rng(generator)
    seed = _torch_rng.random_int64(backend.rng())
    return backend.Stream(seed) if not backend.gpu else np.random.default_rng(seed)


# ---- collation -------------------------------------------------------------------------------
#: NumPy dtypes (by ``dtype.str``) that make no tensor: strings, bytes and objects (PyTorch's)
_NOT_NUMERIC = re.compile(r"[SaUO]")

_COLLATE_ERROR = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


def default_convert(data: Any) -> Any:
    """PyTorch's ``default_convert``: NumPy arrays and scalars inside ``data`` become tensors
    (arrays of strings or objects, and NumPy strings, stay); dicts, named tuples and lists keep
    their type and structure, a plain tuple becomes a list (as PyTorch's does); anything else
    is unchanged (what the loader applies to each sample when ``batch_size=None``)."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, (np.ndarray, np.generic)) and not isinstance(data, (str, bytes)):
        if isinstance(data, np.ndarray) and _NOT_NUMERIC.search(data.dtype.str):
            return data
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_mapping(data, {k: default_convert(data[k]) for k in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(v) for v in data))
    if isinstance(data, tuple):  # a plain tuple becomes a list, as in PyTorch
        return [default_convert(v) for v in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_sequence(data, [default_convert(v) for v in data])
    return data


def _rebuild_mapping(elem: Any, values: dict[Any, Any]) -> Any:
    """``values`` in ``elem``'s mapping type, as PyTorch rebuilds it: a copy updated in place
    for a mutable mapping (a ``defaultdict`` keeps its factory), else ``type(elem)(values)``,
    else a plain dict."""
    try:
        if isinstance(elem, collections.abc.MutableMapping):
            clone = copy.copy(elem)
            clone.update(values)
            return clone
        return type(elem)(values)  # type: ignore[call-arg]
    except TypeError:
        return values


def _rebuild_sequence(elem: Any, values: list[Any]) -> Any:
    """``values`` in ``elem``'s sequence type, as PyTorch rebuilds it (a list subclass stays
    that subclass); a type that cannot be rebuilt gives a list."""
    try:
        if isinstance(elem, collections.abc.MutableSequence):
            clone = copy.copy(elem)
            for i, v in enumerate(values):
                clone[i] = v
            return clone
        return type(elem)(values)  # type: ignore[call-arg]
    except TypeError:
        return values


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch, as PyTorch's ``default_collate``.

    Tensors and NumPy arrays are stacked into a tensor ``(B, *shape)`` (by ``stack``: mixed
    dtypes promote and a graph is kept, as in PyTorch); NumPy scalars and Python ints become a
    tensor of the dtype ``tensor(batch)`` infers (ints int64, bools bool, ints mixed with
    floats the default float dtype), Python floats a float64 tensor; strings stay as they came
    (a list, or a tuple inside a tuple of fields); a dict becomes a dict of batches, a named
    tuple a named tuple of batches, a list a list of batches and a tuple of fields a **list**
    of batches (PyTorch's rule). Arrays of strings or objects raise ``TypeError``, samples of
    unequal shapes ``RuntimeError``.

    >>> import numpy as np
    >>> xb, yb = default_collate([(np.zeros(2), 1), (np.ones(2), 0)])
    >>> xb.shape, xb.dtype, yb.tolist(), yb.dtype
    ((2, 2), dtype('float64'), [1, 0], dtype('int64'))
    >>> default_collate([{"x": 1.5, "name": "a"}, {"x": 2.5, "name": "b"}])["x"].dtype
    dtype('float64')
    """
    if len(batch) == 0:  # PyTorch fails on batch[0] with an IndexError
        raise IndexError("default_collate: cannot build a batch from zero samples")
    elem = batch[0]
    if isinstance(elem, Tensor):
        for k, t in enumerate(batch):
            if not isinstance(t, Tensor):  # PyTorch's torch.stack error
                kind = type(t).__name__
                if type(t).__module__ == "numpy":
                    kind = f"numpy.{kind}"
                raise TypeError(f"expected Tensor as element {k} in argument 0, but got {kind}")
        _same_shapes([t.shape for t in batch])
        return stack(list(batch))
    if isinstance(elem, np.ndarray):
        if _NOT_NUMERIC.search(elem.dtype.str):
            raise TypeError(_COLLATE_ERROR.format(elem.dtype))
        return default_collate([as_tensor(a) for a in batch])
    if isinstance(elem, (np.bool_, np.number, np.object_)):
        return as_tensor(list(batch))
    if isinstance(elem, float):
        return tensor(list(batch), dtype=np.float64)
    if isinstance(elem, int):  # bools too: tensor() infers bool, int64 or a float dtype
        return tensor(list(batch))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return _rebuild_mapping(elem, {k: default_collate([d[k] for d in batch]) for k in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if len({len(s) for s in batch}) != 1:
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = [default_collate(s) for s in zip(*batch)]
        return fields if isinstance(elem, tuple) else _rebuild_sequence(elem, fields)
    raise TypeError(_COLLATE_ERROR.format(type(elem)))


def _same_shapes(shapes: list[Any]) -> None:
    """PyTorch's ``torch.stack`` error (its text first, naming the first two entries whose
    shapes differ), then the usual fix."""
    first = tuple(shapes[0])
    for k, shape in enumerate(shapes):
        if tuple(shape) != first:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(first)} at entry 0 "
                f"and {list(shape)} at entry {k} (default_collate: pad samples of different "
                "shapes in a collate_fn, e.g. with nn.utils.rnn.pad_sequence)"
            )


# ---- datasets --------------------------------------------------------------------------------
class _SizeMismatchError(ValueError, AssertionError):
    """Tensors of different lengths: PyTorch asserts (``AssertionError``); deepgrad raised
    ``ValueError`` before, so it is both."""


class _NoFirstAxisError(IndexError, ValueError):
    """A 0-d tensor in a ``TensorDataset``: PyTorch's ``IndexError`` (``size(0)`` of a 0-d
    tensor); deepgrad raised ``ValueError`` before, so it is both."""


class TensorDataset(Dataset):
    """Tensors sharing their first axis: sample ``i`` is ``(t[i] for t in tensors)``
    (PyTorch's ``TensorDataset``). The loader gathers a batch from every tensor at once.

    >>> import deepgrad as dg
    >>> ds = TensorDataset(dg.zeros(4, 3), dg.arange(4))
    >>> len(ds), ds[1][0].shape, ds[1][1].item()
    (4, (3,), 1)
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset: give at least one tensor, e.g. TensorDataset(x, y)")
        ts = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
        for k, t in enumerate(ts):
            if t.ndim == 0:
                raise _NoFirstAxisError(
                    "Dimension specified as 0 but tensor has no dimensions (TensorDataset: "
                    f"tensor {k} is 0-d; every tensor needs a first axis of samples)"
                )
        sizes = [t.shape[0] for t in ts]
        if len(set(sizes)) != 1:
            raise _SizeMismatchError(
                f"Size mismatch between tensors (TensorDataset: first dimensions {sizes}; every "
                "tensor needs the same number of samples along its first axis)"
            )
        self.tensors = ts

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return tuple(Tensor._from_op(t._data[index], None, 0) for t in self.tensors)

    def get_batch(self, indices: np.ndarray) -> list[Tensor]:
        """The samples at ``indices`` as a batch (a list of tensors, as ``default_collate``
        makes of tuples), gathered by one fancy index per tensor."""
        return [
            Tensor._from_op(t._data[backend.index_for(t._data, indices)], None, 0)
            for t in self.tensors
        ]


class StackDataset(Dataset[T_co]):
    """Several datasets of one length side by side (PyTorch's ``StackDataset``): sample ``i``
    is ``(d[i] for d in datasets)`` when they are given positionally, or ``{name: d[i]}`` when
    given by keyword.

    >>> import deepgrad as dg
    >>> ds = StackDataset(image=TensorDataset(dg.zeros(3, 2)), label=[0, 1, 1])
    >>> len(ds), ds[2]["label"]
    (3, 1)
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args and kwargs:
            raise ValueError(
                "Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like "
                "input/output, but both types are given. (StackDataset: give the datasets "
                "either positionally (tuple samples) or by keyword (dict samples), not both)"
            )
        parts = list(args) or list(kwargs.values())
        if not parts:
            raise ValueError(
                "At least one dataset should be passed (StackDataset(images, labels) or "
                "StackDataset(image=images, label=labels))"
            )
        sizes = [len(d) for d in parts]
        if len(set(sizes)) != 1:
            raise ValueError(f"Size mismatch between datasets (StackDataset: lengths {sizes})")
        self.datasets: tuple[Any, ...] | dict[str, Any] = tuple(args) if args else dict(kwargs)
        self._length = sizes[0]

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: int) -> Any:
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices: list[int]) -> list[Any]:
        """The samples at ``indices`` (PyTorch's batched fetch, which the loader calls): each
        part's own ``__getitems__`` where it has one, else its samples one by one."""
        named = isinstance(self.datasets, dict)
        parts = self.datasets.items() if named else enumerate(self.datasets)  # type: ignore[union-attr]
        columns = {k: _fetch_many(d, indices) for k, d in parts}
        if named:
            return [{k: col[j] for k, col in columns.items()} for j in range(len(indices))]
        return [tuple(col[j] for col in columns.values()) for j in range(len(indices))]


def _fetch_many(dataset: Any, indices: list[int]) -> list[Any]:
    """``dataset.__getitems__(indices)`` where it is defined (PyTorch's batched fetch; a
    result of another length raises PyTorch's ``ValueError``), else ``[dataset[i] ...]``."""
    getitems = getattr(dataset, "__getitems__", None)
    if not callable(getitems):
        return [dataset[i] for i in indices]
    items = getitems(indices)
    if len(items) != len(indices):
        raise ValueError(
            f"Nested dataset's output size mismatch. Expected {len(indices)}, got {len(items)} "
            f"(from {type(dataset).__name__}.__getitems__)"
        )
    return list(items)


def _batches_fast(dataset: Any) -> bool:
    """Whether ``dataset.get_batch`` yields what ``default_collate`` of its samples would."""
    while isinstance(dataset, Subset):
        dataset = dataset.dataset
    return isinstance(dataset, TensorDataset)


def random_split(
    dataset: Any, lengths: Sequence[int | float], generator: Any = None
) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random :class:`Subset` s of the given sizes (or
    fractions summing to 1), PyTorch's ``random_split``; the order comes from ``generator``
    (default: deepgrad's global generator, so ``dg.manual_seed`` fixes it). Each part's
    ``indices`` is a list of ints, as PyTorch's (``a.indices + b.indices`` concatenates).

    >>> import deepgrad as dg
    >>> a, b = random_split(TensorDataset(dg.arange(10)), [7, 3])
    >>> len(a), len(b), sorted(a.indices + b.indices) == list(range(10))
    (7, 3, True)
    """
    sizes = _split_sizes(list(lengths), len(dataset))  # PyTorch's rules and errors
    perm = _torch_rng.randperm(_stream(generator), sum(sizes)).tolist()  # PyTorch's numbers
    ends = np.cumsum(sizes).tolist()
    return [Subset(dataset, perm[e - k : e]) for e, k in zip(ends, sizes, strict=True)]


# ---- samplers --------------------------------------------------------------------------------
class Sampler(Generic[T_co]):
    """Base of the samplers: ``iter(sampler)`` yields dataset indices (PyTorch's ``Sampler``)."""

    def __init__(self, data_source: Any = None) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler):
    """Indices ``0, 1, ..., len(data_source) - 1``."""

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation of the indices each epoch (or ``num_samples`` indices drawn with
    replacement when ``replacement=True``)."""

    def __init__(
        self,
        data_source: Any,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: Any = None,
    ) -> None:
        super().__init__(data_source)
        if not isinstance(replacement, bool):
            raise TypeError(
                f"replacement should be a boolean value, but got replacement={replacement!r} "
                "(RandomSampler: True or False)"
            )
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        n = self.num_samples if num_samples is None else num_samples
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
            raise ValueError(
                f"num_samples should be a positive integer value, but got num_samples={n!r} "
                + (
                    "(RandomSampler: an empty dataset has no samples to draw)"
                    if n == 0 and num_samples is None
                    else "(RandomSampler: an int >= 1, or None for len(data_source))"
                )
            )

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else int(self._num_samples)

    def __iter__(self) -> Iterator[int]:
        """PyTorch's order (drawn when the first index is asked for): a private generator
        seeded from the global stream (or ``generator``), then whole ``randperm(n)`` s and
        the start of one more; with replacement, ``randint(n)`` in blocks of 32."""
        g = _seeded_stream(self.generator)
        n, k = len(self.data_source), self.num_samples
        if self.replacement:
            for size in [32] * (k // 32) + [k % 32]:
                yield from _torch_rng.randint(g, 0, n, (size,)).tolist()
            return
        for _ in range(k // n):
            yield from _torch_rng.randperm(g, n).tolist()
        yield from _torch_rng.randperm(g, n)[: k % n].tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order each epoch."""

    def __init__(self, indices: Sequence[int], generator: Any = None) -> None:
        super().__init__(None)
        self.indices = list(indices)
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        perm = _torch_rng.randperm(_stream(self.generator), len(self.indices))  # PyTorch's
        yield from (self.indices[i] for i in perm.tolist())

    def __len__(self) -> int:
        return len(self.indices)


class _SamplerError(ValueError, RuntimeError):
    """Weights a sampler cannot draw from: PyTorch's ``multinomial`` raises ``RuntimeError``;
    deepgrad raised ``ValueError`` before, so it is both."""


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights``."""

    def __init__(
        self,
        weights: Sequence[float],
        num_samples: int,
        replacement: bool = True,
        generator: Any = None,
    ) -> None:
        super().__init__(None)
        w = np.asarray(weights._data if isinstance(weights, Tensor) else weights, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(
                "weights should be a 1d sequence but given weights have shape "
                f"{tuple(w.shape)} (WeightedRandomSampler: one weight per sample)"
            )
        if not np.isfinite(w).all() or (w < 0).any() or not w.sum() > 0:
            # PyTorch's multinomial raises RuntimeError (when the sampler is iterated)
            problem = (
                "probability tensor contains either `inf`, `nan` or element < 0"
                if not np.isfinite(w).all() or (w < 0).any()
                else "invalid multinomial distribution (sum of probabilities <= 0)"
            )
            raise _SamplerError(
                f"{problem} (WeightedRandomSampler: weights must be finite and non-negative "
                f"with a positive sum, got {w.tolist()[:8]})"
            )
        if (
            isinstance(num_samples, bool)
            or not isinstance(num_samples, (int, np.integer))
            or (num_samples <= 0)
        ):
            raise ValueError(
                "num_samples should be a positive integer value, but got "
                f"num_samples={num_samples!r} (WeightedRandomSampler: an int >= 1)"
            )
        if not isinstance(replacement, bool):
            raise _ArgumentTypeError(
                f"replacement should be a boolean value, but got replacement={replacement!r} "
                "(WeightedRandomSampler: True or False)"
            )
        if not replacement and num_samples > int((w > 0).sum()):
            # PyTorch: RuntimeError ("cannot sample n_sample > prob_dist.size(-1) samples
            # without replacement") when num_samples > len(weights); beyond the non-zero
            # weights it draws zero-weight indices, which its documentation rules out
            detail = (
                f"WeightedRandomSampler: cannot draw {num_samples} samples without replacement "
                f"from {int((w > 0).sum())} indices of non-zero weight; pass replacement=True or "
                "num_samples <= that number"
            )
            too_many = "cannot sample n_sample > prob_dist.size(-1) samples without replacement"
            raise _SamplerError(f"{too_many} ({detail})" if num_samples > w.size else detail)
        self.weights = Tensor._wrap(w)  # a float64 tensor, as PyTorch's
        self.num_samples, self.replacement = int(num_samples), replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        # PyTorch's: multinomial(weights, num_samples, replacement), drawn at the first index
        w = np.asarray(backend.to_numpy(self.weights._data), dtype=np.float64)[None]
        g = _stream(self.generator)
        if not getattr(g, "torch_stream", False):  # a NumPy generator handed in: its draws
            yield from g.choice(w.size, self.num_samples, self.replacement, w[0] / w.sum()).tolist()
            return
        yield from _torch_rng.multinomial(g, w, self.num_samples, self.replacement)[0].tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size`` (the last one shorter
    unless ``drop_last``).

    >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
    [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        super().__init__(None)
        _check_batch_size(batch_size)
        if not isinstance(drop_last, bool):
            raise _ArgumentTypeError(
                f"drop_last should be a boolean value, but got drop_last={drop_last!r}"
            )
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch: list[int] = []
        for i in self.sampler:
            batch.append(i)  # as the sampler yields it (a key, a tuple), as PyTorch's
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)


def _one_process() -> tuple[int, int]:
    return 1, 0


#: ``() -> (world size, rank)`` for :class:`DistributedSampler` without ``num_replicas`` /
#: ``rank``: one process until ``deepgrad.distributed.init`` installs its MPI world here (the
#: distributed floor sits above this one, so it reaches down, not this module up)
world_size_and_rank: Callable[[], tuple[int, int]] = _one_process


class DistributedSampler(Sampler[T_co]):
    """The share of a dataset's indices that replica ``rank`` of ``num_replicas`` reads
    (PyTorch's ``DistributedSampler``): the order (a permutation drawn from ``seed + epoch``
    when ``shuffle``, so every replica draws the same one) is padded by repeating its start to
    a multiple of ``num_replicas`` (or cut to one with ``drop_last``), and replica ``rank``
    takes every ``num_replicas``-th index from position ``rank``. Call :meth:`set_epoch` before
    each epoch for a new order.

    ``num_replicas`` / ``rank`` default to deepgrad's MPI world (``dist.get_world_size()``,
    ``dist.get_rank()``: 1 and 0 when the program runs alone), where PyTorch needs an
    initialized process group. The shuffled order is PyTorch's (``randperm`` of a generator
    seeded with ``seed + epoch``).

    >>> s = DistributedSampler(range(5), num_replicas=2, rank=1, shuffle=False)
    >>> list(s), len(s)
    ([1, 3, 0], 3)
    """

    def __init__(
        self,
        dataset: Any,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        size, here = world_size_and_rank()
        num_replicas = size if num_replicas is None else num_replicas
        rank = here if rank is None else rank
        if rank >= num_replicas or rank < 0:
            raise ValueError(
                f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]"
            )
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.epoch, self.drop_last, self.shuffle, self.seed = 0, drop_last, shuffle, seed
        n = len(dataset)
        if drop_last and n % num_replicas != 0:  # the nearest length that splits evenly
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:  # the same order on every replica: seeded by seed + epoch alone
            g = backend.Stream(self.seed + self.epoch)  # PyTorch's generator and randperm
            indices = _torch_rng.randperm(g, n).tolist()
        else:
            indices = list(range(n))
        if not self.drop_last:  # pad by repeating the start, to a multiple of num_replicas
            padding = self.total_size - n
            indices += (indices * math.ceil(padding / max(n, 1)))[:padding]
        else:
            indices = indices[: self.total_size]
        return iter(indices[self.rank : self.total_size : self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Make the next iteration shuffle for ``epoch`` (PyTorch's: call it every epoch)."""
        self.epoch = epoch


class _ArgumentTypeError(ValueError, TypeError):
    """An argument of the wrong type (a float ``batch_size``, a non-bool flag): PyTorch raises
    ``ValueError``; deepgrad raised ``TypeError`` before, so it is both."""


def _check_batch_size(batch_size: Any) -> None:
    """PyTorch's check: a ``ValueError`` for a float, a bool or a number below 1 alike."""
    wrong_type = isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer))
    if wrong_type or batch_size < 1:
        raise (_ArgumentTypeError if wrong_type else ValueError)(
            f"batch_size should be a positive integer value, but got batch_size={batch_size}"
        )


class WorkerInfo:
    """What :func:`get_worker_info` gives while a worker prepares a batch (PyTorch's
    attributes): ``id``, ``num_workers``, ``seed`` (``base_seed + id``) and ``dataset``."""

    def __init__(self, id: int, num_workers: int, seed: int, dataset: Any) -> None:  # noqa: A002
        self.id, self.num_workers, self.seed, self.dataset = id, num_workers, seed, dataset

    def __repr__(self) -> str:
        return (
            f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed}, "
            f"dataset={self.dataset!r})"
        )


_worker_info = threading.local()


def get_worker_info() -> WorkerInfo | None:
    """In a map-style loader's worker (``num_workers > 0``) while it prepares a batch: its
    :class:`WorkerInfo`; elsewhere ``None`` (PyTorch's value in the main process)."""
    return getattr(_worker_info, "info", None)


class _Workers:
    """PyTorch's ``num_workers`` worker processes as deepgrad runs them: one thread (the
    prefetching one) preparing batch ``i`` as worker ``i % num_workers`` would — the dataset
    read and collated with that worker's own random stream seeded ``base_seed + id``
    (:class:`deepgrad.backend.WorkerStream`: ``dg.rand``, ``dg.manual_seed``,
    ``initial_seed`` there act on it), :func:`get_worker_info` giving its
    :class:`WorkerInfo`, and ``worker_init_fn(id)`` run on it once before its first batch.
    So a dataset drawing PyTorch random numbers in ``__getitem__`` (augmentation) gives
    PyTorch's batches, and the main thread's stream is never touched by the workers; an
    iterable dataset is read by every worker (:meth:`iterate`).
    Python's ``random`` and NumPy's global generator are process-wide: not per worker."""

    def __init__(self, loader: DataLoader, base_seed: int) -> None:
        n = loader.num_workers
        self.streams = [backend.WorkerStream(base_seed + k) for k in range(n)]
        self.infos = [
            WorkerInfo(k, n, self.streams[k].seed, loader.dataset) for k in range(n)
        ]  # fmt: skip
        self.init_fn, self.started = loader.worker_init_fn, [False] * n
        self.dataset = loader.dataset

    def run(self, k: int, fn: Callable[[], Any]) -> Any:
        """``fn()`` as worker ``k``: its stream and info, its ``worker_init_fn`` first."""
        before = getattr(_worker_info, "info", None)
        _worker_info.info = self.infos[k]
        try:
            with backend.worker_stream(self.streams[k]):
                if not self.started[k]:
                    self.started[k] = True
                    if self.init_fn is not None:
                        self.init_fn(k)
                return fn()
        finally:
            _worker_info.info = before

    def batches(self, batches: Iterator[Any]) -> Iterator[Any]:
        """A map-style dataset's ``batches``, batch ``i`` made as worker ``i % num_workers``
        (round robin, as PyTorch's iterator hands out the indices)."""
        n = len(self.streams)
        for i in itertools.count():
            done, batch = self.run(i % n, lambda: _next_or_done(batches))
            if done:
                return
            yield batch

    def iterate(self, make: Callable[[Any], Iterator[Any]]) -> Iterator[Any]:
        """An iterable dataset as PyTorch's workers read it: each worker ``k`` its own copy
        (a shallow one: PyTorch's workers are processes, so a ``worker_init_fn`` setting
        ``get_worker_info().dataset.start`` shards that worker's copy alone) iterated in
        full by ``make(copy)`` — batched and collated there —, with its stream, info and
        ``worker_init_fn``; their batches taken in turn, 0, 1, …, N-1, 0, …, a worker left
        out once it is done (PyTorch's in-order iterator). Without sharding by
        ``get_worker_info()`` every worker yields the whole dataset, as in PyTorch."""
        its: dict[int, Iterator[Any]] = {}
        for k, info in enumerate(self.infos):
            if info.dataset is self.dataset:  # a worker's own copy, made once
                info.dataset = _worker_copy(self.dataset)
            its[k] = make(info.dataset)
        while its:
            for k in list(its):
                done, batch = self.run(k, lambda: _next_or_done(its[k]))  # noqa: B023
                if done:
                    del its[k]
                else:
                    yield batch


def _worker_copy(dataset: Any) -> Any:
    """A worker's copy of an iterable dataset (shallow: its own attributes, shared arrays);
    the dataset itself where it cannot be copied."""
    try:
        return copy.copy(dataset)
    except Exception:  # noqa: BLE001 - an uncopyable dataset is shared, as before
        return dataset


def _next_or_done(it: Iterator[Any]) -> tuple[bool, Any]:
    try:
        return False, next(it)
    except StopIteration:
        return True, None


# ---- the loader ------------------------------------------------------------------------------
class DataLoader(Generic[T_co]):
    """Iterate over a dataset in batches of tensors (PyTorch's ``DataLoader``).

    Parameters
    ----------
    dataset : map-style (``len``/``[]``) or iterable dataset
        The samples: tensors, NumPy arrays, numbers, or dicts/tuples/lists of them. A
        map-style dataset with ``__getitems__(indices)`` gives each batch's samples in one call
        (PyTorch's batched fetch).
    batch_size : int or None
        Samples per batch (``None``: samples one by one, converted to tensors).
    shuffle : bool
        A new random order every epoch (drawn from ``generator``, default deepgrad's global
        generator).
    sampler, batch_sampler : iterable, optional
        Where the indices (or lists of indices) come from, instead of ``shuffle``.
    num_workers : int
        ``> 0`` prepares batches ahead in a background thread as PyTorch's workers would
        (a map-style dataset's batches are those of ``0``; an iterable dataset is read by
        every worker).
    timeout : float
        With workers, how long (seconds) to wait for each batch before PyTorch's
        ``RuntimeError`` ("DataLoader timed out after ... seconds"); 0 waits for ever.
    collate_fn : callable, optional
        Builds a batch from a list of samples; default :func:`default_collate`.
    drop_last : bool
        Drop the last incomplete batch.
    generator : optional
        Source of the shuffling order (see the module docstring).

    Yields
    ------
    What ``collate_fn`` returns: for ``(x, y)`` samples a list ``[xb, yb]`` of tensors
    ``(B, ...)``, which unpacks as ``for xb, yb in loader``.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Iterable[int] | None = None,
        batch_sampler: Iterable[Sequence[int]] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Any = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        _check_worker_options(
            num_workers, prefetch_factor, timeout, persistent_workers, multiprocessing_context
        )
        num_workers = int(num_workers)
        iterable = isinstance(dataset, IterableDataset) or not (
            hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")
        )
        if iterable:
            _check_iterable_options(shuffle, sampler, batch_sampler)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, "
                    "sampler, and drop_last"
                )
            batch_size, drop_last = None, False
        elif batch_size is None:
            if drop_last:
                raise ValueError(
                    "batch_size=None option disables auto-batching and is mutually exclusive "
                    "with drop_last"
                )
        else:
            _check_batch_size(batch_size)
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"collate_fn must be callable; got {collate_fn!r}")
        # PyTorch's attributes: a map-style dataset always has a sampler (sequential or
        # random) and, when batching, a batch sampler over it
        self._sampler_given = sampler is not None or batch_sampler is not None
        if not iterable:
            if sampler is None:
                sampler = (
                    RandomSampler(dataset, generator=generator)
                    if shuffle
                    else SequentialSampler(dataset)
                )
            if batch_sampler is None and batch_size is not None:
                batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        if collate_fn is None:  # PyTorch's attribute: the function the loader applies
            batched = batch_sampler is not None or batch_size is not None
            collate_fn = default_collate if batched else default_convert
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.generator = generator
        # PyTorch's: 2 by default with workers, None without them
        self.prefetch_factor = 2 if prefetch_factor is None and num_workers > 0 else prefetch_factor
        self.pin_memory, self.timeout, self.worker_init_fn = pin_memory, timeout, worker_init_fn
        self.persistent_workers = persistent_workers
        self._iterable = iterable
        self._initialized = True

    def __setattr__(self, name: str, value: Any) -> None:
        """PyTorch's rule: what decides the batches is fixed once the loader is made (a new
        ``batch_size`` would leave ``batch_sampler`` and ``len`` behind); make a new loader."""
        if name in _FIXED_ATTRIBUTES and self.__dict__.get("_initialized"):
            raise ValueError(
                f"{name} attribute should not be set after {type(self).__name__} is initialized "
                f"(make a new DataLoader with {name}=...)"
            )
        super().__setattr__(name, value)

    def __len__(self) -> int:
        if not self._iterable:
            return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)  # type: ignore[arg-type]
        n = len(self.dataset)  # an iterable dataset with __len__ (else TypeError, as PyTorch's)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> _BatchIterator:
        if self.timeout > 0 and self.num_workers == 0:  # PyTorch's single-process iterator
            raise AssertionError(
                "_SingleProcessDataLoaderIter requires timeout == 0 (timeout is how long to wait "
                "for a worker's batch: give num_workers > 0, or timeout=0)"
            )
        if not (
            self.persistent_workers and self.num_workers > 0 and self.__dict__.get("_iterated")
        ):
            # PyTorch's iterator draws its workers' base seed (an int64 random_()) first, from
            # the loader's generator or the global stream, shuffled or not (a persistent
            # workers' iterator, once): later draws stay PyTorch's
            base_seed = _torch_rng.random_int64(_stream(self.generator))
            if self.num_workers > 0:  # workers seeded from it
                self.__dict__["_workers"] = _Workers(self, base_seed)
        self.__dict__["_iterated"] = True
        workers = self.__dict__.get("_workers") if self.num_workers > 0 else None
        if workers is None:
            batches = self._batches()
        elif self._iterable:  # each worker reads its own copy
            batches = workers.iterate(self._worker_batches)
        else:
            batches = workers.batches(self._batches())
        if self.num_workers > 0:
            # at least one batch ahead (a queue of size 0 would be unbounded)
            depth = max(1, (self.prefetch_factor or 0) * self.num_workers)
            batches = _prefetched(batches, depth, timeout=self.timeout)
        return _BatchIterator(batches, self)

    def _batches(self) -> Iterator[Any]:
        ds = self.dataset
        collate = self.collate_fn or default_collate
        # a sampler's first indices are drawn here, in the calling thread, so that its draws
        # from the global stream (RandomSampler's seed) come in PyTorch's order even where a
        # prefetching thread fetches the batches
        shuffled = self.shuffle and not self._sampler_given
        if self.batch_size is None and self.batch_sampler is None:  # samples one by one
            convert = self.collate_fn or default_convert
            source = iter(ds) if self._iterable else (ds[i] for i in _primed(self.sampler))
            return (convert(s) for s in source)
        fast = collate is default_collate and _batches_fast(ds)
        if (
            self._sampler_given
            or shuffled
            or (not fast and callable(getattr(ds, "__getitems__", None)))
        ):
            return (self._fetch(list(b)) for b in _primed(self.batch_sampler))
        # in order: deepgrad.data's loader (its batches and drop_last); our collation
        inner = _NumpyLoader(
            ds,
            batch_size=self.batch_size,
            shuffle=False,
            drop_last=self.drop_last,
            collate_fn=None if fast else collate,
        )
        return iter(inner)

    def _worker_batches(self, dataset: Any) -> Iterator[Any]:
        """One worker's batches of an iterable dataset (its copy): ``iter(dataset)`` at its
        first ``next`` (in the worker), ``batch_size`` samples a batch, the last one short
        unless ``drop_last`` (each worker's own, as PyTorch's fetcher), or the samples one by
        one where ``batch_size`` is None."""
        it = iter(dataset)
        if self.batch_size is None:
            convert = self.collate_fn or default_convert
            yield from (convert(s) for s in it)
            return
        collate = self.collate_fn or default_collate
        while chunk := list(itertools.islice(it, self.batch_size)):
            if len(chunk) < self.batch_size and self.drop_last:
                return
            yield collate(chunk)

    def _fetch(self, indices: list[int]) -> Any:
        """One batch from its indices, as PyTorch's fetcher: the dataset's ``__getitems__``
        where it has one (else its samples one by one), then ``collate_fn``."""
        collate = self.collate_fn or default_collate
        if collate is default_collate and _batches_fast(self.dataset):
            return self.dataset.get_batch(np.asarray([int(i) for i in indices], dtype=np.int64))
        getitems = getattr(self.dataset, "__getitems__", None)
        if callable(getitems):
            return collate(getitems(indices))
        return collate([self.dataset[i] for i in indices])

    def __repr__(self) -> str:
        return (
            f"DataLoader({type(self.dataset).__name__}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}, num_workers={self.num_workers})"
        )


def _primed(indices: Any) -> Iterator[Any]:
    """``iter(indices)`` with its first item already drawn (by the calling thread)."""
    it = iter(indices)
    for first in it:
        return itertools.chain([first], it)
    return iter(())


#: the DataLoader attributes PyTorch refuses to set after ``__init__``
_FIXED_ATTRIBUTES = frozenset(
    ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")
)


class _BatchIterator:
    """What ``iter(loader)`` gives: the batches one by one, and ``len()`` the loader's number
    of batches (PyTorch's loader iterator has ``__len__`` too)."""

    def __init__(self, batches: Iterator[Any], loader: DataLoader) -> None:
        self._batches, self._loader = batches, loader

    def __iter__(self) -> _BatchIterator:
        return self

    def __next__(self) -> Any:
        return next(self._batches)

    def __len__(self) -> int:
        return len(self._loader)


def _check_worker_options(
    num_workers: Any,
    prefetch_factor: Any,
    timeout: Any,
    persistent_workers: Any,
    multiprocessing_context: Any,
) -> None:
    """PyTorch's checks of the worker options, with its messages (deepgrad's workers are one
    thread, but a program PyTorch refuses is refused alike)."""
    if isinstance(num_workers, bool) or not isinstance(num_workers, (int, np.integer)):
        raise _ArgumentTypeError(  # PyTorch: TypeError from range(num_workers)
            f"num_workers should be an int >= 0, got num_workers={num_workers!r}"
        )
    if num_workers < 0:
        raise ValueError(
            "num_workers option should be non-negative; use num_workers=0 to disable "
            f"multiprocessing. (got num_workers={num_workers})"
        )
    if prefetch_factor is not None and num_workers == 0:
        raise ValueError(
            "prefetch_factor option could only be specified in multiprocessing. Let "
            "num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None."
        )
    if prefetch_factor is not None and prefetch_factor < 0:
        raise ValueError("prefetch_factor option should be non-negative")
    if timeout < 0:
        raise ValueError("timeout option should be non-negative")
    if persistent_workers and num_workers == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")
    if multiprocessing_context is None:
        return
    if num_workers == 0:
        raise ValueError(
            "multiprocessing_context can only be used with multi-process loading "
            f"(num_workers > 0), but got num_workers={num_workers}"
        )
    methods = ["fork", "spawn", "forkserver"]
    if isinstance(multiprocessing_context, str) and multiprocessing_context not in methods:
        raise ValueError(
            f"multiprocessing_context option should specify a valid start method in {methods}, "
            f"but got multiprocessing_context={multiprocessing_context!r}"
        )


def _check_iterable_options(shuffle: Any, sampler: Any, batch_sampler: Any) -> None:
    """PyTorch's refusals (one ``ValueError`` per option, in its order) of the options an
    iterable dataset cannot take: it has no indices to shuffle or sample."""
    for name, value, given in (
        ("shuffle", shuffle, shuffle not in (False, None)),
        ("sampler", sampler, sampler is not None),
        ("batch_sampler", batch_sampler, batch_sampler is not None),
    ):
        if given:
            raise ValueError(
                f"DataLoader with IterableDataset: expected unspecified {name} option, but got "
                f"{name}={value} (an iterable dataset yields its samples in its own order: "
                "shuffle or sample inside its __iter__, or use a map-style Dataset)"
            )


# PyTorch's sub-module paths name this module (``from torch.utils.data.sampler import
# SubsetRandomSampler``, ``...dataloader import default_collate``, ``...dataset import
# Dataset``, ``..._utils.collate import default_collate``, ``...distributed import
# DistributedSampler``): ``import
# deepgrad.utils.data.sampler`` finds it in ``sys.modules``
for _sub in ("sampler", "dataloader", "dataset", "distributed", "_utils", "_utils.collate"):
    _sys.modules[f"{__name__}.{_sub}"] = _sys.modules[__name__]
# ... and as attributes, which ``import torch`` leaves on ``torch.utils.data``
# (``torch.utils.data.dataloader.default_collate``, ``torch.utils.data.sampler.Sampler``)
for _sub in ("sampler", "dataloader", "dataset", "distributed"):
    setattr(_sys.modules[__name__], _sub, _sys.modules[__name__])
