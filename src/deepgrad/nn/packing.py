"""Packed variable-length sequences, as PyTorch's ``torch.nn.utils.rnn``.

A padded batch ``(T, B, *)`` with per-sample ``lengths`` is packed into
``data (Σ lengths, *)``: the samples sorted by decreasing length, then time step by time step
the rows still running (``batch_sizes[t]`` of them). :class:`~deepgrad.nn.RNN`,
:class:`~deepgrad.nn.LSTM` and :class:`~deepgrad.nn.GRU` accept a :class:`PackedSequence`
and return one; the simpler way is ``lstm(padded, lengths=lengths)``, which gives the same
numbers on the padded layout (zeros past each length).

>>> import deepgrad as dg
>>> x = dg.randn(5, 3, 2)                                 # T=5, B=3, 2 features
>>> p = dg.nn.pack_padded_sequence(x, [5, 2, 3], enforce_sorted=False)
>>> p.data.shape, p.batch_sizes.tolist()
((10, 2), [3, 3, 2, 1, 1])
>>> y, lengths = dg.nn.pad_packed_sequence(p)
>>> y.shape, lengths.tolist()
((5, 3, 2), [5, 2, 3])
"""

from __future__ import annotations

import builtins
from typing import Any, NamedTuple

import numpy

from .. import backend
from .. import functional as F
from .._errors import ValueRangeError
from ..autograd import Function
from ..functional import tie_order
from ..tensor import Tensor, as_tensor


class PackedSequence(NamedTuple):
    """``data (Σ lengths, *)``; ``batch_sizes (T,)`` (an int64 CPU tensor, as PyTorch's);
    ``sorted_indices`` (the batch order by decreasing length, an int64 tensor, or None when
    the input was sorted) and ``unsorted_indices`` (its inverse)."""

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """``data.to(...)`` (the indices follow it to its device; ``batch_sizes`` stays on
        the CPU), PyTorch's; the sequence itself when ``data`` does not change."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        dev = data.device
        idx = [
            None if t is None else t.to(dev) for t in (self.sorted_indices, self.unsorted_indices)
        ]
        return type(self)(data, self.batch_sizes, *idx)

    def cpu(self) -> PackedSequence:
        return self.to("cpu")

    def cuda(self, *args: Any, **kwargs: Any) -> PackedSequence:
        return self.to(self.data.cuda(*args, **kwargs).device)

    def double(self) -> PackedSequence:
        return self.to(dtype=numpy.dtype(numpy.float64))

    def float(self) -> PackedSequence:
        return self.to(dtype=numpy.dtype(numpy.float32))

    def half(self) -> PackedSequence:
        return self.to(dtype=numpy.dtype(numpy.float16))

    def long(self) -> PackedSequence:
        return self.to(dtype=numpy.dtype(numpy.int64))

    def int(self) -> PackedSequence:
        return self.to(dtype=numpy.dtype(numpy.int32))

    @property
    def is_cuda(self) -> bool:
        """Whether ``data`` is on a GPU."""
        return self.data.device.type == "cuda"


def _host(a: Any) -> numpy.ndarray | None:
    """An index tensor (or array) of a packed sequence as a NumPy int64 array (None stays)."""
    if a is None:
        return None
    return numpy.asarray(backend.to_numpy(a._data if isinstance(a, Tensor) else a), numpy.int64)


def _index_tensor(a: numpy.ndarray | None) -> Tensor | None:
    return None if a is None else Tensor._wrap(numpy.asarray(a, numpy.int64))


class _Gather(Function):
    """``rows = x[index]`` along the first axis of ``x (N, *)``, distinct indices; the
    backward scatters."""

    def __init__(self, index: Any, n: int) -> None:
        self.index, self.n = index, n

    def forward(self, x: Any) -> Any:
        return x[backend.index_for(x, self.index)]  # the host index on the array's device

    def backward(self, gy: Tensor) -> Tensor:
        return _Scatter(self.index, self.n, 0.0)(gy)


class _Scatter(Function):
    """``out (N, *)`` filled with ``fill``, ``out[index] = rows`` (distinct indices)."""

    def __init__(self, index: Any, n: int, fill: float) -> None:
        self.index, self.n, self.fill = index, n, fill

    def forward(self, rows: Any) -> Any:
        out = backend.xp.full((self.n,) + rows.shape[1:], self.fill, dtype=rows.dtype)
        out[backend.index_for(out, self.index)] = rows
        return out

    def backward(self, gy: Tensor) -> Tensor:
        return _Gather(self.index, self.n)(gy)


def _lengths_array(lengths: Any, B: int, fn: str) -> numpy.ndarray:
    lens = numpy.asarray(
        backend.to_numpy(lengths._data if isinstance(lengths, Tensor) else lengths)
    )
    if lens.ndim != 1 or lens.shape[0] != B or lens.dtype.kind not in "iu":
        raise ValueError(f"{fn}: expected {B} integer lengths, got {lens.tolist()!r}")
    if B and lens.min() < 1:
        raise ValueError(f"{fn}: every length must be at least 1, got {lens.tolist()}")
    return lens.astype(numpy.int64)


def _flat_index(sorted_indices: numpy.ndarray, batch_sizes: numpy.ndarray, B: int) -> Any:
    """Row ``t·B + sample`` of the ``(T·B, *)`` padded layout for each packed row."""
    idx = [t * B + sorted_indices[:b] for t, b in enumerate(batch_sizes)]
    return backend.xp.asarray(numpy.concatenate(idx) if idx else numpy.zeros(0, numpy.int64))


def pack_padded_sequence(
    input: Any,  # noqa: A002 - PyTorch's name
    lengths: Any,
    batch_first: bool = False,
    enforce_sorted: bool = True,
) -> PackedSequence:
    """Pack a padded batch ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``) whose sample
    ``b`` is ``lengths[b]`` steps long. With ``enforce_sorted`` the lengths must be
    decreasing; otherwise the batch is sorted (and remembered in ``sorted_indices``).
    Differentiable with respect to ``input``."""
    x = as_tensor(input)
    if x.ndim < 2:
        raise ValueError(f"pack_padded_sequence: expected at least 2 dims, got shape {x.shape}")
    if batch_first:
        x = F.swapaxes(x, 0, 1)
    T, B = x.shape[0], x.shape[1]
    lens = _lengths_array(lengths, B, "pack_padded_sequence")
    if enforce_sorted and numpy.any(numpy.diff(lens) > 0):  # PyTorch checks this first
        raise ValueRangeError(
            f"`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
            f"True (pack_padded_sequence: lengths {lens.tolist()} are not sorted; sort the "
            "batch or pass enforce_sorted=False)"
        )
    if B and lens.max() > T:
        raise ValueRangeError(
            f"pack_padded_sequence: a length {lens.max()} exceeds the padded length {T}"
        )
    if enforce_sorted:
        sorted_idx = None
        order = numpy.arange(B)
    else:
        # PyTorch's sort(lengths, descending=True): its order among equal lengths
        order = tie_order.sort_ties(lens[None, :], numpy.argsort(-lens, kind="stable")[None, :],
                                    True)[0]  # fmt: skip
        sorted_idx = order
    Tmax = int(lens.max()) if B else 0
    batch_sizes = (lens[None, :] > numpy.arange(Tmax)[:, None]).sum(axis=1).astype(numpy.int64)
    flat = _flat_index(order, batch_sizes, B)
    x2 = F.reshape(x, (T * B,) + x.shape[2:])
    data = _Gather(flat, T * B)(x2)
    unsorted = None if sorted_idx is None else numpy.argsort(sorted_idx)
    return PackedSequence(
        data, _index_tensor(batch_sizes), _index_tensor(sorted_idx), _index_tensor(unsorted)
    )


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[Tensor, Tensor]:
    """Inverse of :func:`pack_padded_sequence`: ``(padded (T, B, *), lengths (B,))`` in the
    original batch order; ``T = max(lengths)`` or ``total_length``."""
    data, batch_sizes, sorted_idx = sequence.data, sequence.batch_sizes, sequence.sorted_indices
    bs = _host(batch_sizes)
    T = len(bs)
    B = int(bs[0]) if T else 0
    if total_length is not None:
        if total_length < T:
            raise ValueError(
                f"pad_packed_sequence: total_length {total_length} is shorter than the longest "
                f"sequence ({T})"
            )
        T = total_length
    order = numpy.arange(B) if sorted_idx is None else _host(sorted_idx)
    flat = _flat_index(order, bs, B)
    out = _Scatter(flat, T * B, padding_value)(data)
    out = F.reshape(out, (T, B) + data.shape[1:])
    lens_sorted = (bs[None, :] > numpy.arange(B)[:, None]).sum(axis=1)
    lens = numpy.empty(B, numpy.int64)
    lens[order] = lens_sorted
    if batch_first:
        out = F.swapaxes(out, 0, 1)
    return out, Tensor._wrap(lens)


def _unpack_for_rnn(seq: PackedSequence) -> tuple[Tensor, numpy.ndarray, tuple]:
    """A packed sequence as ``(padded (T, B, *), lengths, info)`` for the recurrent layers."""
    x, lens = pad_packed_sequence(seq)
    return x, lens.numpy(), (seq.batch_sizes, seq.sorted_indices, seq.unsorted_indices)


def _pack_like(out: Tensor, info: tuple) -> PackedSequence:
    """Pack a layer's padded output ``(T, B, *)`` like the packed input it came from."""
    batch_sizes, sorted_idx, unsorted = info
    T, B = out.shape[0], out.shape[1]
    order = numpy.arange(B) if sorted_idx is None else _host(sorted_idx)
    flat = _flat_index(order, _host(batch_sizes), B)
    data = _Gather(flat, T * B)(F.reshape(out, (T * B,) + out.shape[2:]))
    return PackedSequence(data, batch_sizes, sorted_idx, unsorted)


def pad_sequence(
    sequences: Any,
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack tensors of different lengths ``(L_i, *)`` into one ``(L_max, B, *)`` tensor
    (``(B, L_max, *)`` with ``batch_first``), filling the missing steps with ``padding_value``
    after each sequence (before it with ``padding_side="left"``): PyTorch's
    ``nn.utils.rnn.pad_sequence``, differentiable.

    >>> import deepgrad as dg
    >>> pad_sequence([dg.tensor([1, 2, 3]), dg.tensor([4])], batch_first=True).tolist()
    [[1, 2, 3], [4, 0, 0]]
    """
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'right' or 'left', got {padding_side!r}")  # fmt: skip
    seqs = [sequences] if isinstance(sequences, Tensor) else list(sequences)
    if not seqs:
        raise ValueError("pad_sequence: received an empty list of sequences")
    seqs = [s if isinstance(s, Tensor) else as_tensor(s) for s in seqs]
    trailing = seqs[0].shape[1:]
    for i, s in enumerate(seqs):
        if s.ndim == 0 or s.shape[1:] != trailing:
            raise ValueError(
                f"pad_sequence: every sequence must be (L, *{trailing}); sequence {i} has shape "
                f"{s.shape}"
            )
    longest = max(s.shape[0] for s in seqs)
    padded = []
    for s in seqs:
        n = longest - s.shape[0]
        width = ((n, 0) if padding_side == "left" else (0, n),) + ((0, 0),) * len(trailing)
        padded.append(F.pad(s, width, value=padding_value) if n else s)
    return F.stack(padded, axis=0 if batch_first else 1)


def pack_sequence(sequences: Any, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of tensors ``(L_i, *)`` (PyTorch's ``nn.utils.rnn.pack_sequence``):
    :func:`pad_sequence` then :func:`pack_padded_sequence` with their lengths."""
    seqs = [s if isinstance(s, Tensor) else as_tensor(s) for s in sequences]
    lengths = numpy.asarray([s.shape[0] if s.ndim else 0 for s in seqs], numpy.int64)
    return pack_padded_sequence(pad_sequence(seqs), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences: Tensor, lengths: Any, batch_first: bool = False) -> list:
    """The tensors ``(L_i, *)`` of a padded batch, ``lengths[i]`` steps each (PyTorch's
    ``nn.utils.rnn.unpad_sequence``; unlike 2.13's, the input is not transposed in place)."""
    x = padded_sequences if batch_first else F.swapaxes(padded_sequences, 0, 1)
    lens = numpy.asarray(
        backend.to_numpy(lengths._data if isinstance(lengths, Tensor) else lengths)
    )
    if lens.ndim != 1 or lens.shape[0] != x.shape[0] or lens.dtype.kind not in "iu":
        raise ValueError(
            f"unpad_sequence: expected {x.shape[0]} integer lengths, got {lens.tolist()!r}"
        )
    # PyTorch's mask ``arange(T) < length``: 0 (or less) gives an empty sequence, more than
    # the padded length the whole row
    return [x[i, : builtins.max(int(n), 0)] for i, n in enumerate(lens)]


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The tensors ``(L_i, *)`` of a packed batch in their original order (PyTorch's
    ``nn.utils.rnn.unpack_sequence``)."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
