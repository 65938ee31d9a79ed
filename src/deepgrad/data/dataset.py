"""Datasets: the things a :class:`~deepgrad.data.DataLoader` draws samples from.

Two kinds, as in PyTorch:

- **map-style** (:class:`Dataset`): ``len(ds)`` samples, ``ds[i]`` returns sample ``i``.
  :class:`ArrayDataset` wraps NumPy arrays and serves whole batches by fancy indexing.
- **iterable** (:class:`IterableDataset`): ``iter(ds)`` yields samples one after the other;
  for streams and generators whose length is unknown or infinite.

A dataset that changes from one epoch to the next (a fresh random set of sequences for
every epoch, say) defines ``set_epoch(epoch)``; the loader calls it before each epoch.
:class:`EpochDataset` and :class:`GeneratorDataset` build such datasets from a function of
the epoch number.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

import numpy as np

from deepgrad.data.seeding import draw_seed

__all__ = [
    "Dataset",
    "IterableDataset",
    "ArrayDataset",
    "Subset",
    "ConcatDataset",
    "ChainDataset",
    "EpochDataset",
    "GeneratorDataset",
    "as_array",
    "collate",
]


def as_array(value: Any, name: str = "array", where: str = "deepgrad.data") -> np.ndarray:
    """Convert ``value`` to a NumPy array, refusing ragged nested lists with a clear error.

    Parameters
    ----------
    value : array-like
        A NumPy array, or a (nested) list/tuple of numbers or strings.
    name : str
        What the value is, for the error message (``"x"``, ``"labels"``).
    where : str
        Which function is asking, for the error message.

    Returns
    -------
    numpy.ndarray
        ``value`` itself when it already is an array, else ``numpy.asarray(value)``.

    Examples
    --------
    >>> as_array([[1, 2], [3, 4]]).shape
    (2, 2)
    """
    if isinstance(value, np.ndarray):
        return value
    try:
        arr = np.asarray(value)
    except ValueError as err:  # NumPy >= 1.24 refuses inhomogeneous nested lists
        lengths = _row_lengths(value)
        detail = f" (row lengths {lengths})" if lengths else ""
        raise ValueError(
            f"{where}: {name} is ragged{detail}: every sample must have the same shape; "
            "pad sequences first (see deepgrad.data.pad_sequences)"
        ) from err
    if arr.dtype == object:
        lengths = _row_lengths(value)
        raise ValueError(
            f"{where}: {name} is ragged (row lengths {lengths}): every sample must have the "
            "same shape; pad sequences first (see deepgrad.data.pad_sequences)"
        )
    return arr


def _row_lengths(value: Any, limit: int = 8) -> list[int] | None:
    try:
        lengths = [len(row) for row in value]
    except TypeError:
        return None
    distinct = sorted(set(lengths))
    return distinct[:limit]


def collate(samples: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch.

    A sample is an array (or number), or a tuple of them; the batch is an array with a
    new leading axis, or a tuple of such arrays, one per field.

    Parameters
    ----------
    samples : sequence
        ``B`` samples, all of the same structure and shapes.

    Returns
    -------
    numpy.ndarray or tuple of numpy.ndarray
        Batch arrays of shape ``(B, *sample_shape)``.

    Examples
    --------
    >>> xb, yb = collate([(np.zeros(3), 1), (np.ones(3), 0)])
    >>> xb.shape, yb.tolist()
    ((2, 3), [1, 0])
    """
    if len(samples) == 0:
        raise ValueError("collate: cannot build a batch from zero samples")
    first = samples[0]
    if isinstance(first, tuple):
        return tuple(_stack([s[i] for s in samples], f"field {i}") for i in range(len(first)))
    return _stack(list(samples), "sample")


def _stack(values: list[Any], what: str) -> np.ndarray:
    try:
        return np.stack([np.asarray(v) for v in values])
    except ValueError as err:
        shapes = sorted({np.shape(v) for v in values})
        raise ValueError(
            f"collate: the samples' {what} have different shapes {shapes[:6]}; "
            "all samples in a batch must have the same shape"
        ) from err


#: the type of a dataset's samples (``Dataset[T]``, as PyTorch's generic classes)
T_co = TypeVar("T_co", covariant=True)


class _NoLengthError(NotImplementedError, TypeError):
    """``len()`` of a dataset that defines no ``__len__``: PyTorch's ``Dataset`` has none, so
    ``len`` raises ``TypeError``; deepgrad raised ``NotImplementedError`` before, so it is
    both."""


class Dataset(Generic[T_co]):
    """Map-style dataset: ``len(ds)`` samples, ``ds[i]`` gives sample ``i``.

    Subclasses define ``__len__`` and ``__getitem__``. A sample is an array or a tuple of
    arrays (typically ``(x, y)``). :meth:`get_batch` gathers several samples at once; the
    default stacks ``ds[i]`` for each index, and array-backed datasets override it with
    one fancy-indexing gather.
    """

    def __len__(self) -> int:
        raise _NoLengthError(
            f"object of type '{type(self).__name__}' has no len() ({type(self).__name__} must "
            "define __len__)"
        )

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(
            f"Subclasses of Dataset should implement __getitem__. ({type(self).__name__} must "
            "define __getitem__)"
        )

    def get_batch(self, indices: np.ndarray) -> Any:
        """Return the samples at ``indices`` stacked into a batch (see :func:`collate`)."""
        return collate([self[int(i)] for i in indices])

    def __add__(self, other: Any) -> ConcatDataset:
        """``a + b``: the samples of ``a`` then those of ``b`` (:class:`ConcatDataset`), as
        PyTorch's ``Dataset.__add__``."""
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co]):
    """Iterable dataset: ``iter(ds)`` yields samples (arrays or tuples of arrays).

    Subclasses define ``__iter__``; they may define ``__len__`` when the number of samples
    is known, and ``set_epoch(epoch)`` to change what they yield from epoch to epoch. It is a
    :class:`Dataset` too, as PyTorch's (``isinstance(stream, Dataset)``), so code that must
    tell the two kinds apart asks ``isinstance(d, IterableDataset)`` first.
    """

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __add__(self, other: Any) -> ChainDataset:
        """``a + b``: the samples of ``a`` then those of ``b`` (:class:`ChainDataset`), as
        PyTorch's ``IterableDataset.__add__``."""
        return ChainDataset([self, other])


class _ArgumentAssertion(ValueError, AssertionError):
    """An argument PyTorch refuses with an ``assert`` (``AssertionError``); deepgrad raised
    ``ValueError`` before, so it is both."""


class _TypeAssertion(TypeError, AssertionError):
    """A dataset of the wrong kind, which PyTorch refuses with an ``assert``; deepgrad raised
    ``TypeError`` before, so it is both."""


class _IndexValueError(IndexError, ValueError):
    """A negative index beyond the length: PyTorch's ``ConcatDataset`` raises ``ValueError``;
    it is an ``IndexError`` too, as every other index out of range."""


class ArrayDataset(Dataset):
    """A dataset of NumPy arrays that share their first axis (PyTorch's ``TensorDataset``).

    Sample ``i`` is ``(a[i] for a in arrays)``; a batch is gathered from every array by
    one fancy-indexing operation, without a Python loop over samples.

    Parameters
    ----------
    *arrays : array-like
        One or more arrays of shapes ``(N, ...)``: features, labels, weights, ...

    Raises
    ------
    ValueError
        If no array is given, an array is ragged or a scalar, or the arrays do not all have
        ``N`` samples.

    Examples
    --------
    >>> ds = ArrayDataset(np.arange(12).reshape(6, 2), np.arange(6))
    >>> len(ds), ds[1][0].tolist(), int(ds[1][1])
    (6, [2, 3], 1)
    >>> xb, yb = ds.get_batch(np.array([4, 0]))
    >>> xb.tolist(), yb.tolist()
    ([[8, 9], [0, 1]], [4, 0])
    """

    def __init__(self, *arrays: Any) -> None:
        if not arrays:
            raise ValueError("ArrayDataset: give at least one array, e.g. ArrayDataset(x, y)")
        names = ["x", "y"] + [f"array {i}" for i in range(2, len(arrays))]
        converted = []
        for name, a in zip(names, arrays):
            arr = as_array(a, name, "ArrayDataset")
            if arr.ndim == 0:
                raise ValueError(
                    f"ArrayDataset: {name} is a scalar; expected an array of shape (N, ...)"
                )
            converted.append(arr)
        lengths = [len(a) for a in converted]
        if len(set(lengths)) != 1:
            described = ", ".join(f"{n}: {k}" for n, k in zip(names, lengths))
            raise ValueError(
                "ArrayDataset: all arrays must have the same number of samples "
                f"(first axis); got {described}"
            )
        self.arrays: tuple[np.ndarray, ...] = tuple(converted)

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index: int) -> Any:
        if len(self.arrays) == 1:
            return self.arrays[0][index]
        return tuple(a[index] for a in self.arrays)

    def get_batch(self, indices: np.ndarray) -> Any:
        if len(self.arrays) == 1:
            return self.arrays[0][indices]
        return tuple(a[indices] for a in self.arrays)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{a.shape} {a.dtype}" for a in self.arrays)
        return f"ArrayDataset({shapes})"


class Subset(Dataset[T_co]):
    """The samples of ``dataset`` at ``indices``, in that order.

    Parameters
    ----------
    dataset : Dataset
        A map-style dataset.
    indices : array-like of int
        Positions in ``dataset``.

    Examples
    --------
    >>> sub = Subset(ArrayDataset(np.arange(10)), [7, 3])
    >>> len(sub), int(sub[0])
    (2, 7)
    """

    def __init__(self, dataset: Dataset, indices: Sequence[int] | np.ndarray) -> None:
        self.dataset = dataset
        self.indices = indices

    @property
    def indices(self) -> Any:
        """The positions, as given (a list stays a list, as in PyTorch)."""
        return self._indices

    @indices.setter
    def indices(self, indices: Sequence[int] | np.ndarray) -> None:
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        n = len(self.dataset)
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise IndexError(
                f"Subset: indices must lie in [0, {n}) for a dataset of {n} samples; "
                f"got min {idx.min()}, max {idx.max()}"
            )
        self._indices, self._positions = indices, idx

    def __len__(self) -> int:
        return len(self._positions)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, list):  # PyTorch's: a list of positions, passed on as one list
            return self.dataset[[int(self._positions[i]) for i in index]]
        return self.dataset[int(self._positions[index])]

    def __getitems__(self, indices: list[int]) -> list[Any]:
        """The samples at ``indices`` (PyTorch's batched fetch): through the dataset's own
        ``__getitems__`` where it has one."""
        positions = [int(self._positions[i]) for i in indices]
        getitems = getattr(self.dataset, "__getitems__", None)
        if callable(getitems):
            return getitems(positions)
        return [self.dataset[i] for i in positions]

    def get_batch(self, indices: np.ndarray) -> Any:
        return self.dataset.get_batch(self._positions[indices])


class ConcatDataset(Dataset[T_co]):
    """The samples of several map-style datasets one after the other (PyTorch's name):
    index ``i`` of the whole is index ``i - offset_k`` of the ``k``-th part.

    >>> both = ConcatDataset([ArrayDataset(np.arange(3)), ArrayDataset(np.arange(10, 12))])
    >>> len(both), int(both[3]), both.get_batch(np.array([4, 0])).tolist()
    (5, 10, [11, 0])
    """

    def __init__(self, datasets: Sequence[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise _ArgumentAssertion(
                "datasets should not be an empty iterable (ConcatDataset: expected at least one "
                "dataset, got none)"
            )
        for k, d in enumerate(self.datasets):
            if isinstance(d, IterableDataset) or not hasattr(d, "__len__"):
                raise _TypeAssertion(
                    f"ConcatDataset does not support IterableDataset (part {k}, "
                    f"{type(d).__name__}, is not a map-style dataset with __len__ and "
                    "__getitem__; chain iterable datasets with ChainDataset)"
                )
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self) -> int:
        return int(self.cumulative_sizes[-1])

    def _locate(self, index: int) -> tuple[int, int]:
        n = len(self)
        if index >= n:
            raise IndexError(f"ConcatDataset: index {index} is out of range for {n} samples")
        if index < -n:  # PyTorch's ValueError and message
            raise _IndexValueError(
                "absolute value of index should not exceed dataset length (ConcatDataset: "
                f"index {index} is out of range for {n} samples)"
            )
        index %= n
        k = int(np.searchsorted(self.cumulative_sizes, index, side="right"))
        return k, index - (self.cumulative_sizes[k - 1] if k else 0)

    def __getitem__(self, index: int) -> Any:
        k, i = self._locate(int(index))
        return self.datasets[k][i]

    def get_batch(self, indices: np.ndarray) -> Any:
        if not all(callable(getattr(d, "get_batch", None)) for d in self.datasets):
            return collate([self[int(i)] for i in indices])
        idx = np.asarray(indices, dtype=np.int64) % len(self)
        part = np.searchsorted(self.cumulative_sizes, idx, side="right")
        starts = np.concatenate([[0], self.cumulative_sizes[:-1]])
        pieces, where = [], []
        for k in np.unique(part):
            sel = np.flatnonzero(part == k)
            pieces.append(self.datasets[k].get_batch(idx[sel] - starts[k]))
            where.append(sel)
        order = np.argsort(np.concatenate(where), kind="stable")

        def join(parts: list[Any]) -> Any:
            if isinstance(parts[0], tuple):
                return tuple(join([p[f] for p in parts]) for f in range(len(parts[0])))
            return np.concatenate([np.asarray(p) for p in parts])[order]

        return join(pieces)


class ChainDataset(IterableDataset[T_co]):
    """Several iterable datasets one after the other (PyTorch's name): iterating yields the
    samples of the first, then of the second, ...; ``len`` is the sum of their lengths.

    >>> class Count(IterableDataset):
    ...     def __init__(self, n): self.n = n
    ...     def __iter__(self): return iter(range(self.n))
    ...     def __len__(self): return self.n
    >>> both = ChainDataset([Count(2), Count(3)])
    >>> list(both), len(both)
    ([0, 1, 0, 1, 2], 5)
    """

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = datasets

    def __iter__(self) -> Iterator[Any]:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise _TypeAssertion(
                    f"ChainDataset only supports IterableDataset; got {type(d).__name__} "
                    "(for map-style datasets use ConcatDataset)"
                )
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise _TypeAssertion(
                    f"ChainDataset only supports IterableDataset; got {type(d).__name__} "
                    "(for map-style datasets use ConcatDataset)"
                )
            total += len(d)  # type: ignore[arg-type]
        return total


def random_split(
    dataset: Any, lengths: Sequence[float], seed: int | np.random.Generator | None = None
) -> list[Subset]:
    """Split a map-style dataset into non-overlapping random :class:`Subset` s (PyTorch's
    ``random_split``). ``lengths`` are sizes summing to ``len(dataset)``, or fractions
    summing to 1 (each part gets ``floor(f·n)`` samples and the remainder goes one by one to
    the first parts, PyTorch's rule). ``seed`` makes the split reproducible; ``None`` draws
    one from deepgrad's global generator (``dg.manual_seed`` decides it).

    >>> a, b = random_split(ArrayDataset(np.arange(10)), [0.8, 0.2], seed=0)
    >>> len(a), len(b), sorted(np.concatenate([a.indices, b.indices]).tolist()) == list(range(10))
    (8, 2, True)
    """
    n = len(dataset)
    sizes = _split_sizes(list(lengths), n)
    rng = (
        seed
        if isinstance(seed, np.random.Generator)
        else np.random.default_rng(draw_seed() if seed is None else seed)
    )
    perm = rng.permutation(n)
    out, start = [], 0
    for size in sizes:
        out.append(Subset(dataset, perm[start : start + size]))
        start += size
    return out


_SUM_ERROR = "Sum of input lengths does not equal the length of the input dataset!"


def _split_sizes(lengths: list[Any], n: int) -> list[int]:
    """The part sizes of :func:`random_split`, by PyTorch's rule: lengths summing to 1 (ints
    too: ``[1, 0]`` is everything and nothing) are fractions, each part ``floor(f·n)`` and the
    remainder one by one to the first parts (a warning for an empty part); other lengths are
    sizes summing to ``n``. Errors begin with PyTorch's messages."""
    integral = all(isinstance(v, (int, np.integer)) for v in lengths)
    total = sum(lengths) if lengths else 0
    if lengths and (total == 1 if integral else abs(total - 1) <= 1e-6):
        for k, f in enumerate(lengths):
            if not 0 <= f <= 1:
                raise ValueError(
                    f"Fraction at index {k} is not between 0 and 1 (random_split: fractions "
                    f"{[float(v) for v in lengths]} must lie in [0, 1] and sum to 1)"
                )
        sizes = [int(np.floor(n * float(f))) for f in lengths]
        for k in range(n - sum(sizes)):
            sizes[k % len(sizes)] += 1
        for k, size in enumerate(sizes):
            if size == 0:  # PyTorch's warning
                warnings.warn(
                    f"Length of split at index {k} is 0. This might result in an empty dataset.",
                    stacklevel=3,
                )
        return sizes
    if not lengths:
        raise ValueError(f"{_SUM_ERROR} (random_split: lengths is empty; give sizes or fractions)")
    if not integral:
        raise ValueError(
            f"{_SUM_ERROR} (random_split: fractions {[float(v) for v in lengths]} must lie in "
            f"[0, 1] and sum to 1 (sum {float(total):g}), or give int sizes summing to {n})"
        )
    sizes = [int(v) for v in lengths]
    if any(v < 0 for v in sizes) or sum(sizes) != n:
        detail = (
            f"random_split: sizes {sizes} must be non-negative and sum to the dataset's {n} "
            f"samples (sum {sum(sizes)})"
        )  # PyTorch's message when the sum is off (it takes negative sizes)
        raise ValueError(f"{_SUM_ERROR} ({detail})" if sum(sizes) != n else detail)
    return sizes


class EpochDataset(Dataset):
    """A map-style dataset rebuilt for every epoch by ``factory(epoch)``.

    The loader calls :meth:`set_epoch` before each epoch; the dataset then serves what
    ``factory(epoch)`` returned (a :class:`Dataset`, or a tuple of arrays that is wrapped
    in an :class:`ArrayDataset`). This is the guides' "a different dataset for every
    iteration", e.g. fresh random sine waves for an LSTM autoencoder each epoch.

    Parameters
    ----------
    factory : callable
        ``factory(epoch: int) -> Dataset | tuple of arrays``.

    Examples
    --------
    >>> ds = EpochDataset(lambda epoch: (np.full((4, 1), epoch),))
    >>> ds.set_epoch(3)
    >>> len(ds), int(ds[0][0])
    (4, 3)
    """

    def __init__(self, factory: Callable[[int], Any]) -> None:
        self.factory = factory
        self.epoch: int | None = None
        self._current: Dataset | None = None

    def set_epoch(self, epoch: int) -> None:
        """Build (or rebuild) the dataset of ``epoch``."""
        if epoch == self.epoch and self._current is not None:
            return
        made = self.factory(epoch)
        if isinstance(made, tuple):
            made = ArrayDataset(*made)
        elif isinstance(made, np.ndarray):
            made = ArrayDataset(made)
        if not isinstance(made, Dataset) or isinstance(made, IterableDataset):
            raise TypeError(
                "EpochDataset: factory(epoch) must return a Dataset (map-style) or a tuple of "
                "arrays; "
                f"got {type(made).__name__}"
            )
        self.epoch = epoch
        self._current = made

    @property
    def current(self) -> Dataset:
        """The dataset of the current epoch (epoch 0 if no epoch was set yet)."""
        if self._current is None:
            self.set_epoch(0)
        assert self._current is not None
        return self._current

    def __len__(self) -> int:
        return len(self.current)

    def __getitem__(self, index: int) -> Any:
        return self.current[index]

    def get_batch(self, indices: np.ndarray) -> Any:
        return self.current.get_batch(indices)


class GeneratorDataset(IterableDataset):
    """An iterable dataset whose samples come from ``generator_fn(epoch)``.

    Each epoch calls ``generator_fn(epoch)`` afresh, so a stream can differ from one epoch
    to the next (new random samples) or replay the same data.

    Parameters
    ----------
    generator_fn : callable
        ``generator_fn(epoch: int) -> iterable of samples``.
    length : int, optional
        Number of samples per epoch, if known (makes ``len()`` work).

    Examples
    --------
    >>> ds = GeneratorDataset(lambda epoch: ((np.array([i]), epoch) for i in range(3)))
    >>> [int(y) for _, y in ds]
    [0, 0, 0]
    >>> ds.set_epoch(2)
    >>> [int(y) for _, y in ds]
    [2, 2, 2]
    """

    def __init__(
        self, generator_fn: Callable[[int], Iterable[Any]], length: int | None = None
    ) -> None:
        self.generator_fn = generator_fn
        self.length = length
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Make the next iteration yield the samples of ``epoch``."""
        self.epoch = epoch

    def __iter__(self) -> Iterator[Any]:
        return iter(self.generator_fn(self.epoch))

    def __len__(self) -> int:
        if self.length is None:
            raise TypeError("GeneratorDataset: length unknown; pass length= to make len() work")
        return self.length
