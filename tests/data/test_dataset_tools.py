"""PyTorch's dataset tools: ConcatDataset, random_split, DataLoader(collate_fn=...)."""

from __future__ import annotations

import numpy as np
import pytest

from deepgrad import data as D


class Squares(D.Dataset):
    """A map-style dataset without get_batch (samples one by one)."""

    def __len__(self) -> int:
        return 4

    def __getitem__(self, i: int):
        return np.float32([i * i]), i


def test_concat_dataset_indexing_batches_and_loader():
    a = D.ArrayDataset(np.arange(5.0)[:, None], np.arange(5))
    b = D.ArrayDataset(np.arange(10.0, 13.0)[:, None], np.arange(10, 13))
    both = D.ConcatDataset([a, b])
    assert len(both) == 8 and both.cumulative_sizes == [5, 8]
    assert both[5][1] == 10 and both[-1][1] == 12
    x, y = both.get_batch(np.array([6, 0, 7, 2]))
    assert y.tolist() == [11, 0, 12, 2] and x[:, 0].tolist() == [11.0, 0.0, 12.0, 2.0]
    seen = np.concatenate([yb for _, yb in D.DataLoader(both, batch_size=3, shuffle=True, seed=0)])
    assert sorted(seen.tolist()) == [0, 1, 2, 3, 4, 10, 11, 12]
    mixed = D.ConcatDataset([a, Squares()])  # one part without get_batch
    xb, yb = mixed.get_batch(np.array([6, 1]))
    assert yb.tolist() == [1, 1] and xb[:, 0].tolist() == [1.0, 1.0]
    with pytest.raises(IndexError, match="out of range for 9 samples"):
        mixed[9]
    with pytest.raises(ValueError, match="at least one dataset"):
        D.ConcatDataset([])
    with pytest.raises(TypeError, match="not a map-style dataset"):
        D.ConcatDataset([a, D.GeneratorDataset(lambda epoch: iter([]))])


def test_random_split_sizes_fractions_and_reproducibility():
    ds = D.ArrayDataset(np.arange(10))
    parts = D.random_split(ds, [3, 7], seed=1)
    assert [len(p) for p in parts] == [3, 7]
    together = np.concatenate([p.indices for p in parts])
    assert sorted(together.tolist()) == list(range(10))
    again = D.random_split(ds, [3, 7], seed=1)
    assert all(np.array_equal(p.indices, q.indices) for p, q in zip(parts, again))
    # PyTorch's rounding: floor each, remainder one by one from the first part
    assert [len(p) for p in D.random_split(D.ArrayDataset(np.arange(11)), [0.5, 0.3, 0.2])] == [
        6,
        3,
        2,
    ]
    with pytest.raises(ValueError, match="sum to the dataset's 10 samples"):
        D.random_split(ds, [3, 3])
    with pytest.raises(ValueError, match="sum to 1"):
        D.random_split(ds, [0.5, 0.4])


def test_collate_fn_builds_batches_from_samples():
    seqs = D.ArrayDataset(np.arange(6))

    def pad_collate(samples):
        lengths = [int(s) % 3 + 1 for s in samples]
        out = np.zeros((len(samples), max(lengths)), np.int64)
        for row, (s, n) in enumerate(zip(samples, lengths)):
            out[row, :n] = s
        return out, np.array(lengths)

    batches = list(D.DataLoader(seqs, batch_size=4, collate_fn=pad_collate))
    assert [b[0].shape for b in batches] == [(4, 3), (2, 3)]
    assert batches[0][1].tolist() == [1, 2, 3, 1]
    stream = D.GeneratorDataset(lambda epoch: iter(range(5)))
    got = list(D.DataLoader(stream, batch_size=2, collate_fn=lambda s: sum(s)))
    assert got == [1, 5, 4]
    with pytest.raises(TypeError, match="collate_fn must be callable"):
        D.DataLoader(seqs, collate_fn=3)
