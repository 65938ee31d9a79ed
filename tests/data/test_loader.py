"""Dataset and DataLoader: batching, shuffling, epochs, streams, prefetch, bad input."""

import ast
import pathlib
import threading

import numpy as np
import pytest

from deepgrad.data import (
    ArrayDataset,
    DataLoader,
    Dataset,
    EpochDataset,
    GeneratorDataset,
    IterableDataset,
    Subset,
    collate,
    make_sine_waves,
)

DATA_SRC = pathlib.Path(__file__).resolve().parents[2] / "src" / "deepgrad" / "data"


def test_data_package_never_imports_the_engine():
    for path in DATA_SRC.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path.name}: use absolute imports"
                names = [node.module or ""]
            for name in names:
                if name.startswith("deepgrad"):
                    assert name.startswith("deepgrad.data"), f"{path.name} imports {name}"


def xy(n=10, features=3):
    x = np.arange(n * features, dtype=np.float32).reshape(n, features)
    y = np.arange(n, dtype=np.int64)
    return x, y


@pytest.mark.parametrize(
    "n,batch,drop_last,expected",
    [
        (10, 3, False, 4),
        (10, 3, True, 3),
        (9, 3, False, 3),
        (9, 3, True, 3),
        (2, 5, False, 1),
        (2, 5, True, 0),
    ],
)
def test_len_is_ceil_or_floor(n, batch, drop_last, expected):
    loader = DataLoader(ArrayDataset(*xy(n)), batch_size=batch, drop_last=drop_last)
    assert len(loader) == expected
    assert len(list(loader)) == expected


def test_epoch_visits_every_sample_exactly_once_without_replacement():
    x, y = xy(103)
    loader = DataLoader((x, y), batch_size=16, shuffle=True, seed=1)
    for _ in range(3):
        seen = np.concatenate([yb for _, yb in loader])
        assert sorted(seen.tolist()) == list(range(103))
    batches = list(loader)
    assert [len(b[1]) for b in batches] == [16] * 6 + [7]
    for xb, yb in batches:  # x and y stay aligned
        np.testing.assert_array_equal(xb, x[yb])


def test_shuffle_is_seeded_and_changes_between_epochs():
    x, y = xy(50)
    a = DataLoader((x, y), batch_size=50, shuffle=True, seed=7)
    b = DataLoader((x, y), batch_size=50, shuffle=True, seed=7)
    ea1, ea2 = [next(iter(a))[1] for _ in range(2)]
    eb1, eb2 = [next(iter(b))[1] for _ in range(2)]
    np.testing.assert_array_equal(ea1, eb1)
    np.testing.assert_array_equal(ea2, eb2)
    assert not np.array_equal(ea1, ea2)
    # resuming at epoch 1 reproduces epoch 1's order
    c = DataLoader((x, y), batch_size=50, shuffle=True, seed=7)
    c.set_epoch(1)
    np.testing.assert_array_equal(next(iter(c))[1], ea2)


def test_shuffle_with_a_generator_and_without_shuffle_keeps_order():
    x, y = xy(20)
    rng = np.random.default_rng(3)
    first = next(iter(DataLoader((x, y), batch_size=20, shuffle=True, seed=rng)))[1]
    expected = np.random.default_rng(3).permutation(20)
    np.testing.assert_array_equal(first, expected)
    ordered = np.concatenate([yb for _, yb in DataLoader((x, y), batch_size=6)])
    np.testing.assert_array_equal(ordered, y)


def test_array_dataset_gathers_whole_batches_by_fancy_indexing():
    class CountingArray(np.ndarray):
        gathers = 0

        def __getitem__(self, idx):
            if isinstance(idx, np.ndarray):
                CountingArray.gathers += 1
            return np.asarray(super().__getitem__(idx))

    x, y = xy(40)
    ds = ArrayDataset(x.view(CountingArray), y)
    loader = DataLoader(ds, batch_size=8, shuffle=True, seed=0)
    n_batches = sum(1 for _ in loader)
    assert n_batches == 5
    assert CountingArray.gathers == 5  # one gather per batch, not one per sample


def test_single_array_dataset_and_plain_arrays():
    x, _ = xy(7)
    batches = list(DataLoader(x, batch_size=4))
    assert isinstance(batches[0], np.ndarray)
    assert [b.shape for b in batches] == [(4, 3), (3, 3)]


def test_transform_per_sample_and_batch_transform_leave_labels_untouched():
    x, y = xy(10)
    calls = []

    def per_sample(xi):
        assert xi.shape == (3,)
        calls.append(1)
        return xi * 2

    loader = DataLoader((x, y), batch_size=4, transform=per_sample, batch_transform=lambda b: b + 1)
    out_x = np.concatenate([xb for xb, _ in loader])
    out_y = np.concatenate([yb for _, yb in loader])
    np.testing.assert_array_equal(out_x, x * 2 + 1)
    np.testing.assert_array_equal(out_y, y)
    assert len(calls) == 20


class Squares(Dataset):
    """A map-style dataset with no get_batch override."""

    def __len__(self):
        return 5

    def __getitem__(self, i):
        return np.array([i, i * i], dtype=np.float32), i


def test_custom_map_style_dataset_and_subset():
    batches = list(DataLoader(Squares(), batch_size=2))
    np.testing.assert_array_equal(batches[1][0], [[2, 4], [3, 9]])
    np.testing.assert_array_equal(batches[2][1], [4])
    sub = Subset(Squares(), [4, 0])
    ((xb, yb),) = list(DataLoader(sub, batch_size=8))
    np.testing.assert_array_equal(yb, [4, 0])
    with pytest.raises(IndexError, match=r"\[0, 5\)"):
        Subset(Squares(), [5])


class Counter(IterableDataset):
    def __init__(self, n):
        self.n = n
        self.epoch = 0

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __iter__(self):
        for i in range(self.n):
            yield np.array([i + 100 * self.epoch]), i


def test_iterable_dataset_batches_in_order_and_changes_per_epoch():
    loader = DataLoader(Counter(5), batch_size=2)
    e0 = [xb[:, 0].tolist() for xb, _ in loader]
    e1 = [xb[:, 0].tolist() for xb, _ in loader]
    assert e0 == [[0, 1], [2, 3], [4]]
    assert e1 == [[100, 101], [102, 103], [104]]
    assert len(list(DataLoader(Counter(5), batch_size=2, drop_last=True))) == 2
    with pytest.raises(TypeError, match="no length"):
        len(loader)
    with pytest.raises(ValueError, match="shuffle=True needs a map-style dataset"):
        DataLoader(Counter(5), shuffle=True)


def test_generator_dataset_and_plain_generator_function():
    ds = GeneratorDataset(lambda epoch: ((np.full(2, epoch), epoch) for _ in range(3)), length=3)
    loader = DataLoader(ds, batch_size=3)
    assert len(loader) == 1
    assert [yb.tolist() for _, yb in loader] == [[0, 0, 0]]
    assert [yb.tolist() for _, yb in loader] == [[1, 1, 1]]


def test_epoch_dataset_gives_a_different_dataset_every_epoch():
    # The guides' LSTM autoencoder: fresh random sine waves each epoch.
    ds = EpochDataset(lambda epoch: make_sine_waves(32, 10, seed=epoch))
    loader = DataLoader(ds, batch_size=8, shuffle=True, seed=0)
    epoch0 = np.concatenate([xb for xb, _ in loader])
    epoch1 = np.concatenate([xb for xb, _ in loader])
    assert epoch0.shape == epoch1.shape == (32, 10, 1)
    assert not np.allclose(np.sort(epoch0.ravel()), np.sort(epoch1.ravel()))
    # each epoch still visits every sample of its own dataset exactly once
    x1, _ = make_sine_waves(32, 10, seed=1)
    np.testing.assert_array_equal(np.sort(epoch1.ravel()), np.sort(x1.ravel()))
    with pytest.raises(TypeError, match="must return a Dataset"):
        EpochDataset(lambda e: 5).set_epoch(0)


def test_prefetch_gives_the_same_batches_and_propagates_errors():
    x, y = xy(50)
    plain = list(DataLoader((x, y), batch_size=7, shuffle=True, seed=2))
    fetched = list(DataLoader((x, y), batch_size=7, shuffle=True, seed=2, prefetch=2))
    assert len(plain) == len(fetched)
    for (a, b), (c, d) in zip(plain, fetched):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)

    def boom(batch):
        raise RuntimeError("augmentation failed")

    with pytest.raises(RuntimeError, match="augmentation failed"):
        list(DataLoader((x, y), batch_size=7, batch_transform=boom, prefetch=2))


def test_prefetch_runs_in_a_background_thread_and_stops_on_break():
    x, y = xy(100)
    threads = set()

    def note(batch):
        threads.add(threading.current_thread().name)
        return batch

    loader = DataLoader((x, y), batch_size=5, batch_transform=note, prefetch=3)
    for i, _ in enumerate(loader):
        if i == 2:
            break
    assert threads == {"deepgrad-prefetch"}
    assert not any(t.name == "deepgrad-prefetch" for t in threading.enumerate())


def test_bad_input_gives_clear_errors():
    x, y = xy(10)
    with pytest.raises(ValueError, match=r"same number of samples.*x: 10, y: 9"):
        ArrayDataset(x, y[:9])
    with pytest.raises(ValueError, match="ragged"):
        ArrayDataset([[1, 2], [3]], [0, 1])
    with pytest.raises(ValueError, match="at least one array"):
        ArrayDataset()
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        DataLoader((x, y), batch_size=0)
    with pytest.raises(TypeError, match="batch_size must be an int"):
        DataLoader((x, y), batch_size=2.5)
    with pytest.raises(TypeError, match="dataset must be"):
        DataLoader(42)
    with pytest.raises(ValueError, match="different shapes"):
        collate([np.zeros(2), np.zeros(3)])
