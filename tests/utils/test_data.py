"""deepgrad.utils.data: PyTorch's data API yielding tensors, batch for batch as torch's."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.utils import data as du


def _as_np(batch):
    if isinstance(batch, dg.Tensor):
        return ("T", batch.numpy().dtype.name, batch.numpy().tolist())
    if hasattr(batch, "detach"):  # a torch tensor
        a = batch.numpy()
        return ("T", a.dtype.name, a.tolist())
    if isinstance(batch, dict):
        return {k: _as_np(v) for k, v in batch.items()}
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):
        return (type(batch).__name__, [_as_np(v) for v in batch])
    if isinstance(batch, (list, tuple)):
        return (type(batch).__name__, [_as_np(v) for v in batch])
    return batch


Point = namedtuple("Point", "x y")


class _Samples:
    """A map-style dataset of mixed samples, written once for both libraries."""

    def __init__(self, kind):
        self.kind = kind

    def __len__(self):
        return 7

    def __getitem__(self, i):
        x = np.arange(3, dtype=np.float32) + i
        if self.kind == "tuple":
            return x, i
        if self.kind == "dict":
            return {"x": x, "label": i, "w": 0.5 * i, "name": f"s{i}", "flag": bool(i % 2)}
        if self.kind == "list":
            return [x, np.int64(i)]
        return Point(x, float(i))


@pytest.mark.parametrize("kind", ["tuple", "dict", "list", "named"])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batches_match_torch(torch, kind, drop_last):
    tl = torch.utils.data.DataLoader(_Samples(kind), batch_size=3, drop_last=drop_last)
    dl = du.DataLoader(_Samples(kind), batch_size=3, drop_last=drop_last)
    assert len(dl) == len(tl)
    assert [_as_np(b) for b in dl] == [_as_np(b) for b in tl]


def test_default_collate_matches_torch(torch):
    for batch in (
        [1, 2],
        [1.5, 2.5],
        [True, False],
        [np.float32(1), np.float32(2)],
        [np.zeros((2, 2), np.float64), np.ones((2, 2), np.float64)],
        [dg.tensor([1, 2]), dg.tensor([3, 4])],
        ["a", "b"],
        [(1, "a"), (2, "b")],
    ):
        tbatch = [torch.tensor(b.numpy()) if isinstance(b, dg.Tensor) else b for b in batch]
        assert _as_np(du.default_collate(batch)) == _as_np(torch.utils.data.default_collate(tbatch))


def test_tensor_dataset_and_fast_path(torch):
    x = np.random.default_rng(0).normal(size=(10, 2))
    y = np.arange(10)
    dl = du.DataLoader(du.TensorDataset(dg.tensor(x), dg.tensor(y)), batch_size=4)
    tl = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y)), batch_size=4
    )
    assert [_as_np(b) for b in dl] == [_as_np(b) for b in tl]
    xb, yb = next(iter(dl))
    assert isinstance(xb, dg.Tensor) and xb.dtype == np.float64 and yb.dtype == np.int64
    with pytest.raises(ValueError, match="Size mismatch"):
        du.TensorDataset(dg.zeros(3), dg.zeros(4))


def test_shuffle_is_a_permutation_seeded_by_manual_seed():
    ds = du.TensorDataset(dg.arange(20))

    def order():
        return [v for (b,) in du.DataLoader(ds, batch_size=6, shuffle=True) for v in b.tolist()]

    dg.manual_seed(3)
    a, b = order(), order()
    assert sorted(a) == list(range(20)) and a != list(range(20))
    assert a != b  # a new order each epoch
    dg.manual_seed(3)
    assert order() == a  # reproducible from the seed
    gen = np.random.default_rng(5)
    c = [v for (bt,) in du.DataLoader(ds, batch_size=6, shuffle=True, generator=gen) for v in bt.tolist()]  # fmt: skip
    assert sorted(c) == list(range(20))


@pytest.mark.parametrize("num_workers", [1, 2])
def test_num_workers_gives_the_same_batches(num_workers):
    ds = _Samples("dict")
    dg.manual_seed(1)
    ref = [_as_np(b) for b in du.DataLoader(ds, batch_size=2, shuffle=True)]
    dg.manual_seed(1)
    loader = du.DataLoader(ds, batch_size=2, shuffle=True, num_workers=num_workers,
                           persistent_workers=True, pin_memory=True)  # fmt: skip
    assert [_as_np(b) for b in loader] == ref


def test_samplers_and_batch_sampler(torch):
    ds = _Samples("tuple")
    seq = list(du.DataLoader(ds, batch_size=2, sampler=du.SequentialSampler(ds)))
    assert _as_np(seq) == _as_np(list(du.DataLoader(ds, batch_size=2)))
    bs = du.BatchSampler(du.SequentialSampler(ds), batch_size=3, drop_last=True)
    assert list(bs) == list(
        torch.utils.data.BatchSampler(torch.utils.data.SequentialSampler(ds), 3, True)
    )
    got = [b[1].tolist() for b in du.DataLoader(ds, batch_sampler=[[0, 5], [2]])]
    assert got == [[0, 5], [2]]
    sub = [b[1].item() for b in du.DataLoader(ds, sampler=du.SubsetRandomSampler([1, 4, 6]))]
    assert sorted(sub) == [1, 4, 6]
    w = [b[1].item() for b in du.DataLoader(ds, sampler=du.WeightedRandomSampler([0, 0, 1, 0, 0, 0, 0], 4))]  # fmt: skip
    assert w == [2, 2, 2, 2]
    assert len(list(du.RandomSampler(ds))) == 7
    with pytest.raises(ValueError, match="mutually exclusive"):
        du.DataLoader(ds, sampler=du.SequentialSampler(ds), shuffle=True)


def test_batch_size_none_and_iterable_dataset(torch):
    ds = _Samples("tuple")
    one = next(iter(du.DataLoader(ds, batch_size=None)))
    assert isinstance(one[0], dg.Tensor) and one[1] == 0

    class Stream(du.IterableDataset):
        def __iter__(self):
            return iter([(np.float32(i), i) for i in range(5)])

    got = [_as_np(b) for b in du.DataLoader(Stream(), batch_size=2)]

    class TStream(torch.utils.data.IterableDataset):
        def __iter__(self):
            return iter([(np.float32(i), i) for i in range(5)])

    assert got == [_as_np(b) for b in torch.utils.data.DataLoader(TStream(), batch_size=2)]
    with pytest.raises(ValueError, match="IterableDataset"):
        du.DataLoader(Stream(), shuffle=True)


def test_random_split_subset_concat():
    ds = du.TensorDataset(dg.arange(10))
    dg.manual_seed(0)
    a, b = du.random_split(ds, [0.7, 0.3])
    assert (len(a), len(b)) == (7, 3)
    got = sorted(int(a[i][0].item()) for i in range(7)) + sorted(
        int(b[i][0].item()) for i in range(3)
    )
    assert sorted(got) == list(range(10))
    dg.manual_seed(0)
    a2, _ = du.random_split(ds, [7, 3])
    assert list(a2.indices) == list(a.indices)
    both = du.ConcatDataset([du.Subset(ds, [1, 2]), ds])
    assert len(both) == 12 and both[2][0].item() == 0
    xs = [b[0].tolist() for b in du.DataLoader(both, batch_size=5)]
    assert xs[0] == [1, 2, 0, 1, 2]


def test_errors_are_clear():
    with pytest.raises(ValueError, match="positive"):
        du.DataLoader(_Samples("tuple"), batch_size=0)
    with pytest.raises(ValueError, match="num_workers"):
        du.DataLoader(_Samples("tuple"), num_workers=-1)
    with pytest.raises(RuntimeError, match="equal size"):
        du.default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(TypeError, match="generator"):
        du.DataLoader(_Samples("tuple"), shuffle=True, generator="x").__iter__()


def test_batch_size_none_converts_a_tuple_sample_to_a_list(torch):
    """PyTorch's ``default_convert`` turns a plain tuple into a list (named tuples stay)."""
    x = np.arange(6, dtype=np.float32).reshape(3, 2)
    ours = next(iter(du.DataLoader(du.TensorDataset(dg.tensor(x)), batch_size=None)))
    theirs = next(iter(torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.tensor(x)), batch_size=None)))  # fmt: skip
    assert type(ours) is type(theirs) is list
    assert type(du.default_convert((1, np.ones(2)))) is list
    Point = namedtuple("Point", "x y")
    assert type(du.default_convert(Point(1, np.ones(2)))) is Point


def test_random_sampler_yields_python_ints_and_checks_its_arguments(torch):
    for kw in ({}, {"num_samples": 8}, {"num_samples": 3, "replacement": True}):
        got = list(du.RandomSampler(range(5), **kw))
        assert all(type(i) is int for i in got)
        assert len(got) == len(list(torch.utils.data.RandomSampler(range(5), **kw)))
    # without replacement, num_samples beyond the length repeats whole permutations
    counts = np.bincount(list(du.RandomSampler(range(5), num_samples=8)), minlength=5)
    assert counts.sum() == 8 and set(counts.tolist()) == {1, 2}  # a permutation and 3 more
    for kw, err in (({"num_samples": 0}, ValueError), ({"num_samples": 2.5}, ValueError),
                    ({"replacement": 1}, TypeError)):  # fmt: skip
        with pytest.raises(err):
            torch.utils.data.RandomSampler(range(3), **kw)
        with pytest.raises(err, match="RandomSampler"):
            du.RandomSampler(range(3), **kw)


def test_weighted_sampler_refuses_what_it_cannot_draw():
    with pytest.raises(ValueError, match="without replacement from 2 indices"):
        du.WeightedRandomSampler([0.1, 0.9, 0.0], 3, replacement=False)
    with pytest.raises(ValueError, match="positive integer"):
        du.WeightedRandomSampler([0.1, 0.9], 0)
    with pytest.raises(TypeError, match="boolean"):
        du.WeightedRandomSampler([0.1, 0.9], 2, replacement="no")
    got = list(du.WeightedRandomSampler([0.1, 0.9, 0.0], 2, replacement=False))
    assert sorted(got) == [0, 1] and all(type(i) is int for i in got)


def test_dataset_addition_and_stack_dataset(torch):
    x = np.arange(8, dtype=np.float32).reshape(4, 2)
    both = du.TensorDataset(dg.tensor(x)) + du.TensorDataset(dg.tensor(x[:2]))
    tboth = torch.utils.data.TensorDataset(torch.tensor(x)) + torch.utils.data.TensorDataset(
        torch.tensor(x[:2])
    )
    assert isinstance(both, du.ConcatDataset) and len(both) == len(tboth) == 6
    np.testing.assert_array_equal(both[5][0].numpy(), tboth[5][0].numpy())

    labels = [0, 1, 1, 0]
    ours = du.StackDataset(image=du.TensorDataset(dg.tensor(x)), label=labels)
    theirs = torch.utils.data.StackDataset(
        image=torch.utils.data.TensorDataset(torch.tensor(x)), label=labels
    )
    assert len(ours) == len(theirs) == 4 and ours[2]["label"] == theirs[2]["label"] == 1
    for a, b in zip(
        du.DataLoader(ours, batch_size=3), torch.utils.data.DataLoader(theirs, batch_size=3)
    ):
        assert a.keys() == b.keys()
        np.testing.assert_array_equal(a["image"][0].numpy(), b["image"][0].numpy())
        np.testing.assert_array_equal(a["label"].numpy(), b["label"].numpy())
    pos = du.StackDataset(du.TensorDataset(dg.tensor(x)), labels)
    assert isinstance(pos[1], tuple) and pos[1][1] == 1
    with pytest.raises(ValueError, match="Size mismatch"):
        du.StackDataset(labels, labels[:2])
    with pytest.raises(ValueError, match="not both"):
        du.StackDataset(labels, label=labels)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timeout": -1}, "timeout option should be non-negative"),
        ({"num_workers": 1, "timeout": -2}, "timeout option should be non-negative"),
        ({"persistent_workers": True}, "persistent_workers option needs num_workers > 0"),
        ({"num_workers": 1, "prefetch_factor": -1}, "prefetch_factor option should be"),
    ],
)
def test_loader_options_refused_as_pytorch_refuses_them(torch, kwargs, message):
    with pytest.raises(ValueError, match=message):
        torch.utils.data.DataLoader(range(3), **kwargs)
    with pytest.raises(ValueError, match=message):
        du.DataLoader(range(3), **kwargs)


def test_prefetch_factor_zero_still_bounds_the_queue(monkeypatch):
    # PyTorch accepts prefetch_factor=0 with workers; deepgrad keeps one batch ahead (a queue
    # of size 0 would be unbounded)
    sizes = []
    real = du._prefetched

    def spy(batches, size, **kwargs):
        sizes.append(size)
        return real(batches, size, **kwargs)

    monkeypatch.setattr(du, "_prefetched", spy)
    loader = du.DataLoader(range(5), batch_size=2, num_workers=1, prefetch_factor=0)
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3], [4]]
    assert sizes == [1]


def test_distributed_sampler_defaults_to_the_world_distributed_installs(monkeypatch):
    """Without num_replicas/rank it asks utils.data.world_size_and_rank: one process until
    deepgrad.distributed.init() installs its world there (the distributed floor reaches down)."""
    from deepgrad.utils import data

    assert data.world_size_and_rank() == (1, 0)
    monkeypatch.setattr(data, "world_size_and_rank", lambda: (4, 2))
    s = data.DistributedSampler(list(range(10)), shuffle=False)
    assert (s.num_replicas, s.rank, list(s)) == (4, 2, [2, 6, 0])  # padded, as torch's
