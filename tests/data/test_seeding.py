"""data.seeding.epoch_order: the one shuffling rule of the DataLoader, fit on arrays and the
data-parallel shards."""

from __future__ import annotations

import numpy as np

from deepgrad.data import DataLoader
from deepgrad.data.seeding import epoch_order
from deepgrad.train.sources import ArraySource


def test_epoch_order_is_default_rng_of_seed_and_epoch():
    """The stream is the one the three copies used before they were one (results unchanged)."""
    for seed, epoch, n in [(0, 0, 7), (3, 5, 10), (12345, 1, 1)]:
        expected = np.random.default_rng([seed, epoch]).permutation(n)
        np.testing.assert_array_equal(epoch_order(n, seed, epoch), expected)


def test_loader_and_fit_source_shuffle_alike():
    x = np.arange(10, dtype=np.float32)[:, None]
    y = np.arange(10)
    loader = DataLoader((x, y), batch_size=10, shuffle=True, seed=4)
    source = ArraySource(x, y, None, batch_size=10, shuffle=True)
    for epoch in range(3):
        (_, yb_loader) = next(iter(loader))
        (_, yb_fit, _) = next(source.batches(epoch=epoch, seed=4))
        np.testing.assert_array_equal(yb_loader, epoch_order(10, 4, epoch))
        np.testing.assert_array_equal(yb_fit, yb_loader)
