"""``deepgrad.utils.data`` against ``torch.utils.data``, call for call: the same batches (count,
contents, container types, dtypes, shapes, order), lengths, attributes and errors (their class,
and PyTorch's message inside deepgrad's, which may add what was expected and the fix). Random
orders are checked by their contract (a permutation, reproducible from a seeded generator),
since the two libraries' random streams differ (README, "random draws")."""

from __future__ import annotations

import random
import warnings
from collections import namedtuple

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.utils import data as du

torch = pytest.importorskip("torch")
tu = torch.utils.data

from ..data.test_torch_data_contracts import _norm  # noqa: E402 - after torch's importorskip

Pair = namedtuple("Pair", "left right")


# ---- comparing (a batch's picture: tests/data/test_torch_data_contracts.py's _norm) -----------
def _outcome(fn):
    try:
        return ("ok", _norm(fn()))
    except Exception as err:  # noqa: BLE001 - the class and message are compared
        return ("raises", err)


def _same(ours, theirs, message=True):
    """``ours()`` gives what ``theirs()`` gives, or raises an instance of the same class whose
    message holds PyTorch's (``message=False``: the class only)."""
    a, b = _outcome(ours), _outcome(theirs)
    if b[0] == "raises":
        assert a[0] == "raises", (a, b)
        assert isinstance(a[1], type(b[1])), (a, b)
        if message:
            assert str(b[1]) in str(a[1]), (str(a[1]), str(b[1]))
    else:
        assert a == b


def _tensor(lib):
    return torch.tensor if lib is tu else dg.tensor


# ---- datasets written once for both libraries ---------------------------------------------
def _samples(lib, kind):
    """A map-style dataset (a list, or the library's TensorDataset) of one kind of sample."""
    t = _tensor(lib)
    n = 7
    if kind == "TensorDataset":
        x = np.arange(2 * n, dtype=np.float32).reshape(n, 2)
        return lib.TensorDataset(t(x), t(np.arange(n)))
    make = {
        "ints": lambda i: i,
        "floats": lambda i: i / 2,
        "bools": lambda i: i % 2 == 0,
        "strings": lambda i: f"s{i}",
        "numpy arrays": lambda i: np.full((2, 3), i, dtype=np.int16),
        "numpy scalars": lambda i: np.float32(i),
        "0-d tensors": lambda i: t(float(i)),
        "tuples": lambda i: (np.arange(3, dtype=np.float32) + i, i, f"s{i}"),
        "lists": lambda i: [i, 0.5 * i],
        "named tuples": lambda i: Pair(i, np.float64(i)),
        "nested dicts": lambda i: {"x": {"y": [i, True], "z": Pair(i, "a")}, "w": 1.5 * i},
    }[kind]
    return [make(i) for i in range(n)]


KINDS = [
    "TensorDataset", "ints", "floats", "bools", "strings", "numpy arrays", "numpy scalars",
    "0-d tensors", "tuples", "lists", "named tuples", "nested dicts",
]  # fmt: skip

LOADER_OPTIONS = {
    "default": {},
    "batch_size=3": {"batch_size": 3},
    "batch_size=3, drop_last": {"batch_size": 3, "drop_last": True},
    "batch_size=7, drop_last": {"batch_size": 7, "drop_last": True},
    "batch_size=None": {"batch_size": None},
    "shuffle=False": {"batch_size": 2, "shuffle": False},
    "sampler": {"batch_size": 2, "sampler": [6, 0, 3, 3, 1]},
    "sampler, drop_last": {"batch_size": 2, "sampler": [6, 0, 3], "drop_last": True},
    "sampler, batch_size=None": {"batch_size": None, "sampler": [5, 2]},
    "batch_sampler": {"batch_sampler": [[4, 0], [6], [1, 2, 3]]},
    "custom collate_fn": {"batch_size": 3, "collate_fn": lambda b: ("n", len(b), b[0])},
    "collate_fn, batch_size=None": {"batch_size": None, "collate_fn": lambda s: [s]},
}


@pytest.mark.parametrize("options", LOADER_OPTIONS.values(), ids=LOADER_OPTIONS.keys())
@pytest.mark.parametrize("kind", KINDS)
def test_loader_batches_lengths_and_epochs_match_torch(kind, options):
    ours = du.DataLoader(_samples(du, kind), **options)
    theirs = tu.DataLoader(_samples(tu, kind), **options)
    _same(lambda: list(ours), lambda: list(theirs))
    _same(lambda: list(ours), lambda: list(theirs))  # a second epoch, the same batches
    assert len(ours) == len(theirs)


def test_loader_attributes_match_torch():
    for kw in ({}, {"batch_size": None}, {"batch_sampler": [[0]]}, {"num_workers": 1}):
        ours, theirs = du.DataLoader([1, 2], **kw), tu.DataLoader([1, 2], **kw)
        # PyTorch's: the collate function the loader applies, never None
        assert ours.collate_fn.__name__ == theirs.collate_fn.__name__
        assert ours.collate_fn is getattr(du, theirs.collate_fn.__name__)
        assert ours.prefetch_factor == theirs.prefetch_factor  # None without workers
        assert (ours.batch_size, ours.drop_last) == (theirs.batch_size, theirs.drop_last)
    assert next(iter(du.DataLoader([1, 2], num_workers=1))).tolist() == [1]
    for kw in ({"batch_size": 2}, {"batch_size": 2, "drop_last": True}, {"batch_size": None}):
        ours, theirs = iter(du.DataLoader([1, 2, 3], **kw)), iter(tu.DataLoader([1, 2, 3], **kw))
        assert len(ours) == len(theirs)  # the iterator has the loader's length
        assert _norm(list(ours)) == _norm(list(theirs))


@pytest.mark.parametrize(
    "name", ["batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
             "persistent_workers", "shuffle", "num_workers", "collate_fn", "generator"]
)  # fmt: skip
def test_setting_loader_attributes_after_init_matches_torch(name):
    value = {"collate_fn": lambda b: b, "num_workers": 0}.get(name)
    _same(lambda: setattr(du.DataLoader([1, 2]), name, value),
          lambda: setattr(tu.DataLoader([1, 2]), name, value))  # fmt: skip


GENERIC = ["Dataset", "IterableDataset", "Subset", "ConcatDataset", "StackDataset",
           "ChainDataset", "Sampler", "DataLoader", "TensorDataset", "SequentialSampler",
           "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler"]  # fmt: skip


@pytest.mark.parametrize("name", GENERIC)
def test_generic_classes_subscript_as_torchs(name):
    # class MySampler(Sampler[int]), class Pairs(Dataset[tuple[Tensor, Tensor]]): PyTorch's
    # generic classes take a type; the ones with a fixed sample type refuse it
    _same(lambda: getattr(du, name)[int] and None, lambda: getattr(tu, name)[int] and None,
          message=False)  # fmt: skip


def test_an_iterable_dataset_is_a_dataset_as_torchs():
    for lib in (du, tu):
        stream = _stream(lib)
        assert isinstance(stream, lib.Dataset) and isinstance(stream, lib.IterableDataset)
        assert isinstance(stream + stream, lib.ChainDataset)  # not a ConcatDataset
        assert not isinstance(lib.TensorDataset(_tensor(lib)([1])), lib.IterableDataset)
    _same(lambda: len(_stream(du, sized=False)), lambda: len(_stream(tu, sized=False)), False)


def test_a_subclass_of_a_subscripted_class_works_as_torchs():
    class Backwards(du.Sampler[int]):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n - 1, -1, -1))

        def __len__(self):
            return self.n

    class Squares(du.Dataset[tuple[int, int]]):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return i, i * i

    loader = du.DataLoader(Squares(), batch_size=3, sampler=Backwards(4))
    assert [[t.tolist() for t in b] for b in loader] == [[[3, 2, 1], [9, 4, 1]], [[0], [0]]]


# ---- the options PyTorch refuses ------------------------------------------------------------
REFUSED = {
    "sampler with shuffle": ({"sampler": [0, 1], "shuffle": True}, True),
    "batch_sampler with batch_size": ({"batch_sampler": [[0]], "batch_size": 2}, True),
    "batch_sampler with batch_size=None": ({"batch_sampler": [[0]], "batch_size": None}, True),
    "batch_sampler with shuffle": ({"batch_sampler": [[0]], "shuffle": True}, True),
    "batch_sampler with sampler": ({"batch_sampler": [[0]], "sampler": [0]}, True),
    "batch_sampler with drop_last": ({"batch_sampler": [[0]], "drop_last": True}, True),
    "batch_size=None with drop_last": ({"batch_size": None, "drop_last": True}, True),
    "batch_size=0": ({"batch_size": 0}, True),
    "batch_size=2.0": ({"batch_size": 2.0}, True),
    "batch_size=True": ({"batch_size": True}, True),
    "drop_last=1": ({"drop_last": 1}, True),
    "num_workers=-1": ({"num_workers": -1}, True),
    "timeout=-1": ({"timeout": -1}, True),
    "persistent_workers without workers": ({"persistent_workers": True}, True),
    "prefetch_factor without workers": ({"prefetch_factor": 2}, False),  # torch's typo
    "collate_fn=3": ({"collate_fn": 3}, False),  # torch fails calling it; deepgrad at once
    "num_workers=1.5": ({"num_workers": 1.5}, False),  # torch: TypeError from range()
    "multiprocessing_context without workers": ({"multiprocessing_context": "spawn"}, True),
    "an unknown multiprocessing_context": (
        {"multiprocessing_context": "threads", "num_workers": 1},
        True,
    ),
    "timeout without workers": ({"timeout": 2.0}, True),  # raised when iterated, as torch
}


@pytest.mark.parametrize(("kw", "message"), REFUSED.values(), ids=REFUSED.keys())
def test_loader_refuses_what_torch_refuses(kw, message):
    _same(lambda: list(du.DataLoader(list(range(4)), **kw)),
          lambda: list(tu.DataLoader(list(range(4)), **kw)), message)  # fmt: skip


def _stream(lib, n=5, sized=True):
    class Stream(lib.IterableDataset):
        def __iter__(self):
            return iter([{"a": i, "b": (float(i), "s")} for i in range(n)])

    class Sized(Stream):
        def __len__(self):
            return n

    return Sized() if sized else Stream()


@pytest.mark.parametrize("kw", [{"shuffle": True}, {"sampler": [0]}, {"batch_sampler": [[0]]}])
def test_an_iterable_dataset_refuses_indices_with_torchs_messages(kw):
    _same(lambda: du.DataLoader(_stream(du), **kw), lambda: tu.DataLoader(_stream(tu), **kw))


@pytest.mark.parametrize("sized", [True, False])
@pytest.mark.parametrize(
    "kw", [{}, {"batch_size": 2}, {"batch_size": 2, "drop_last": True}, {"batch_size": None},
           {"batch_size": 9}, {"shuffle": False, "batch_size": 3}]
)  # fmt: skip
def test_iterable_datasets_batches_and_len_match_torch(sized, kw):
    ours = du.DataLoader(_stream(du, sized=sized), **kw)
    theirs = tu.DataLoader(_stream(tu, sized=sized), **kw)
    _same(lambda: list(ours), lambda: list(theirs))
    _same(lambda: list(ours), lambda: list(theirs))  # iterated again: a new epoch
    _same(lambda: len(ours), lambda: len(theirs), message=False)  # unsized: TypeError
    _same(lambda: len(_stream(du, sized=sized)), lambda: len(_stream(tu, sized=sized)), False)


# ---- default_collate / default_convert ---------------------------------------------------
def test_default_collate_and_convert_are_importable_where_torch_has_them():
    from deepgrad.utils.data import dataloader

    assert dataloader.default_collate is du.default_collate
    assert dataloader.default_convert is du.default_convert
    assert tu.dataloader.default_collate is tu.default_collate
    from deepgrad.utils.data._utils.collate import default_collate, default_convert

    assert (default_collate, default_convert) == (du.default_collate, du.default_convert)


COLLATE = {
    "ints (int64)": lambda t: [1, 2, 3],
    "floats (float64)": lambda t: [0.5, 1.5],
    "bools": lambda t: [True, False],
    "strings (a list)": lambda t: ["a", "b"],
    "numpy arrays": lambda t: [np.zeros((2, 2), np.float32), np.ones((2, 2), np.float32)],
    "0-d tensors": lambda t: [t(1.0), t(2.0)],
    "int tensors": lambda t: [t([1, 2]), t([3, 4])],
    "tuples (a list of batches)": lambda t: [(1, "a", 0.5), (2, "b", 1.5)],
    "lists": lambda t: [[1, 2.0], [3, 4.0]],
    "nested dicts": lambda t: [{"a": {"b": (1, [t(2.0)])}}, {"a": {"b": (3, [t(4.0)])}}],
    "named tuples": lambda t: [Pair(1, t([1.0])), Pair(2, t([2.0]))],
    "tensors of different shapes": lambda t: [t([1.0, 2.0]), t([1.0, 2.0, 3.0])],
    "a tensor then an int": lambda t: [t(1), 2],
    "a tensor then an array": lambda t: [t([1.0]), np.ones(1)],
    "a tensor then a numpy scalar": lambda t: [t(1.0), np.float32(2)],
    "arrays of different shapes": lambda t: [np.zeros(2), np.zeros(3)],
    "3 tensors, the last one longer": lambda t: [t([1]), t([2]), t([3, 4])],
    "lists of different lengths": lambda t: [[1, 2], [3]],
}


@pytest.mark.parametrize("make", COLLATE.values(), ids=COLLATE.keys())
def test_default_collate_matches_torch(make):
    _same(lambda: du.default_collate(make(dg.tensor)),
          lambda: tu.default_collate(make(torch.tensor)))  # fmt: skip


@pytest.mark.parametrize(
    "sample", [3, 2.5, "s", np.arange(3), np.float32(2), (np.zeros(2), 1), [np.ones(1)],
               {"a": np.zeros(1), "b": (1, "x")}, Pair(np.zeros(1), 2)]
)  # fmt: skip
def test_default_convert_matches_torch(sample):
    _same(lambda: du.default_convert(sample), lambda: tu.default_convert(sample))


# ---- __getitems__: PyTorch's batched fetch ------------------------------------------------
class _Batched:
    """A dataset with ``__getitems__``: PyTorch's loader fetches a batch with one call."""

    def __init__(self):
        self.calls = []

    def __len__(self):
        return 5

    def __getitem__(self, i):
        return i

    def __getitems__(self, indices):
        self.calls.append(list(indices))
        return [10 * i for i in indices]


@pytest.mark.parametrize(
    "kw", [{"batch_size": 2}, {"batch_size": 2, "drop_last": True}, {"batch_size": None},
           {"batch_size": 3, "sampler": [4, 0, 1]}, {"batch_sampler": [[1, 3], [0]]},
           {"batch_size": 2, "collate_fn": lambda b: b}]
)  # fmt: skip
def test_the_loader_fetches_through_getitems_as_torch(kw):
    ours, theirs = _Batched(), _Batched()
    _same(lambda: list(du.DataLoader(ours, **kw)), lambda: list(tu.DataLoader(theirs, **kw)))
    assert ours.calls == theirs.calls


def test_subset_getitems_matches_torch():
    _same(lambda: du.Subset(_Batched(), [4, 2, 0]).__getitems__([2, 0]),
          lambda: tu.Subset(_Batched(), [4, 2, 0]).__getitems__([2, 0]))  # fmt: skip
    _same(lambda: du.Subset(list("abcde"), [4, 2]).__getitems__([1, 0, -1]),
          lambda: tu.Subset(list("abcde"), [4, 2]).__getitems__([1, 0, -1]))  # fmt: skip


class _Short(_Batched):
    def __getitems__(self, indices):
        return [0]


STACKED_PARTS = {
    "positional": lambda: ((_Batched(), list("abcde")), {}),
    "by keyword": lambda: ((), {"x": _Batched(), "y": range(5)}),
    "a part's __getitems__ of the wrong length": lambda: ((_Short(), range(5)), {}),
}


@pytest.mark.parametrize("parts", STACKED_PARTS.values(), ids=STACKED_PARTS.keys())
def test_stack_dataset_getitems_matches_torch(parts):
    args, kw = parts()
    _same(lambda: du.StackDataset(*args, **kw).__getitems__([3, 1]),
          lambda: tu.StackDataset(*args, **kw).__getitems__([3, 1]))  # fmt: skip
    _same(lambda: list(du.DataLoader(du.StackDataset(*args, **kw), batch_size=2)),
          lambda: list(tu.DataLoader(tu.StackDataset(*args, **kw), batch_size=2)))  # fmt: skip


# ---- shuffling: reproducible from the generator's seed -----------------------------------
SHUFFLED = {
    "a list": lambda: list(range(12)),
    "a TensorDataset": lambda: du.TensorDataset(dg.arange(12)),
    "a dataset with __getitems__": lambda: du.Subset(list(range(12)), list(range(12))),
}


@pytest.mark.parametrize("make", SHUFFLED.values(), ids=SHUFFLED.keys())
def test_shuffle_order_is_a_permutation_fixed_by_the_generator_seed(make):
    def epochs(seed):
        loader = du.DataLoader(make(), 5, True, generator=dg.Generator().manual_seed(seed))
        return [[v for b in loader for v in np.ravel(b[0] if isinstance(b, list) else b).tolist()]
                for _ in range(2)]  # fmt: skip

    first, second = epochs(3)
    assert sorted(first) == sorted(second) == list(range(12))
    assert first != second  # each epoch a new order
    assert epochs(3) == [first, second]  # the same seed, the same orders
    assert epochs(4)[0] != first  # another seed, another order


# ---- samplers ----------------------------------------------------------------------------
SAMPLER_ERRORS = {
    "RandomSampler replacement=1": lambda lib: lib.RandomSampler(range(3), replacement=1),
    "RandomSampler num_samples=0": lambda lib: lib.RandomSampler(range(3), num_samples=0),
    "RandomSampler num_samples=2.0": lambda lib: lib.RandomSampler(range(3), num_samples=2.0),
    "RandomSampler of nothing": lambda lib: lib.RandomSampler([]),
    "Weighted 2-d weights": lambda lib: lib.WeightedRandomSampler([[1.0, 2.0]], 1),
    "Weighted num_samples=0": lambda lib: lib.WeightedRandomSampler([1.0], 0),
    "Weighted num_samples=1.0": lambda lib: lib.WeightedRandomSampler([1.0], 1.0),
    "Weighted replacement=0": lambda lib: lib.WeightedRandomSampler([1.0], 1, replacement=0),
    "Weighted negative": lambda lib: list(lib.WeightedRandomSampler([-1.0, 2.0], 1)),
    "Weighted inf": lambda lib: list(lib.WeightedRandomSampler([np.inf, 2.0], 1)),
    "Weighted nan": lambda lib: list(lib.WeightedRandomSampler([np.nan, 2.0], 1)),
    "Weighted zero sum": lambda lib: list(lib.WeightedRandomSampler([0.0, 0.0], 1)),
    "Weighted more than there are": lambda lib: list(
        lib.WeightedRandomSampler([1.0, 2.0], 3, replacement=False)
    ),
    "BatchSampler batch_size=0": lambda lib: lib.BatchSampler(range(3), 0, False),
    "BatchSampler batch_size=1.0": lambda lib: lib.BatchSampler(range(3), 1.0, False),
    "BatchSampler drop_last=0": lambda lib: lib.BatchSampler(range(3), 2, 0),
}


@pytest.mark.parametrize("make", SAMPLER_ERRORS.values(), ids=SAMPLER_ERRORS.keys())
def test_samplers_refuse_with_torchs_errors(make):
    _same(lambda: make(du), lambda: make(tu))


class _TensorOrder:
    """A custom sampler yielding 0-d tensors (``iter(torch.randperm(n))`` style)."""

    def __init__(self, tensor):
        self.tensor = tensor

    def __iter__(self):
        return iter(self.tensor([3, 1, 0]))

    def __len__(self):
        return 3


@pytest.mark.parametrize("batch_size", [2, None])
@pytest.mark.parametrize(
    "make", [lambda lib: list("abcd"), lambda lib: lib.Subset(list("dcba"), [3, 2, 1, 0]),
             lambda lib: lib.TensorDataset(_tensor(lib)([5, 6, 7, 8])),
             lambda lib: lib.StackDataset(list("abcd"), range(4))]
)  # fmt: skip
def test_samplers_yielding_tensors_or_numpy_ints_index_as_torch(make, batch_size):
    for ours_sampler, theirs_sampler in (
        (_TensorOrder(dg.tensor), _TensorOrder(torch.tensor)),
        (np.array([3, 1, 0]), np.array([3, 1, 0])),
    ):
        _same(lambda s=ours_sampler: list(du.DataLoader(make(du), batch_size, sampler=s)),
              lambda s=theirs_sampler: list(tu.DataLoader(make(tu), batch_size, sampler=s)))  # fmt: skip


def test_batch_sampler_keeps_what_the_sampler_yields():
    # torch's BatchSampler passes indices on as they come: keys of a dict-backed dataset
    _same(lambda: list(du.BatchSampler(np.array([1, 2, 3]), 2, False)),
          lambda: list(tu.BatchSampler(np.array([1, 2, 3]), 2, False)))  # fmt: skip
    table = {"a": 1.5, "b": 2.5, "c": 3.5}
    _same(lambda: list(du.DataLoader(table, batch_size=2, sampler=["c", "a", "b"])),
          lambda: list(tu.DataLoader(table, batch_size=2, sampler=["c", "a", "b"])))  # fmt: skip


def test_sampler_lengths_and_orders_match_torch():
    for n in range(8):
        for b in (1, 3, 8):
            for drop_last in (False, True):
                ours = du.BatchSampler(du.SequentialSampler(range(n)), b, drop_last)
                theirs = tu.BatchSampler(tu.SequentialSampler(range(n)), b, drop_last)
                assert list(ours) == list(theirs) and len(ours) == len(theirs)
    assert list(du.SequentialSampler("abc")) == list(tu.SequentialSampler("abc")) == [0, 1, 2]
    for kw in ({}, {"num_samples": 11}, {"replacement": True, "num_samples": 4}):
        ours, theirs = du.RandomSampler(range(5), **kw), tu.RandomSampler(range(5), **kw)
        assert len(ours) == len(theirs) == len(list(ours)) == len(list(theirs))
    ours, theirs = du.SubsetRandomSampler([9, 4, 7]), tu.SubsetRandomSampler([9, 4, 7])
    assert len(ours) == len(theirs) and sorted(ours) == sorted(theirs) == [4, 7, 9]
    ours = du.WeightedRandomSampler([0.0, 1.0, 3.0], 6)
    theirs = tu.WeightedRandomSampler([0.0, 1.0, 3.0], 6)
    assert (
        len(ours) == len(theirs)
        and set(ours) <= {1, 2}
        and _norm(ours.weights) == _norm(theirs.weights)
    )


@pytest.mark.parametrize("drop_last", [False, True])
def test_distributed_sampler_shares_match_torch(drop_last):
    for n in range(12):
        for replicas in (1, 2, 3, 5):
            for rank in range(replicas):
                kw = {"shuffle": False, "drop_last": drop_last}
                ours = du.DistributedSampler(range(n), replicas, rank, **kw)
                theirs = tu.DistributedSampler(range(n), replicas, rank, **kw)
                assert (list(ours), len(ours)) == (list(theirs), len(theirs))
                assert (ours.num_samples, ours.total_size) == (
                    theirs.num_samples,
                    theirs.total_size,
                )
    for rank in (2, -1):
        _same(lambda r=rank: du.DistributedSampler(range(4), 2, r),
              lambda r=rank: tu.DistributedSampler(range(4), 2, r))  # fmt: skip


def test_distributed_sampler_shuffles_by_seed_and_epoch():
    def shares(seed=0, epoch=0):
        out = []
        for rank in range(3):
            sampler = du.DistributedSampler(range(10), 3, rank, seed=seed)
            sampler.set_epoch(epoch)
            out.append(list(sampler))
        return out

    first = shares()
    assert len(set(sum(first, []))) == 10 and all(len(s) == 4 for s in first)  # 2 repeated
    assert shares() == first  # every replica draws the same order: no global state
    assert shares(epoch=1) != first and shares(seed=1) != first
    # alone (deepgrad's MPI world of one; PyTorch needs a process group): everything, once
    alone = du.DistributedSampler(range(6))
    assert (alone.num_replicas, alone.rank) == (1, 0) and sorted(alone) == list(range(6))
    from deepgrad.utils.data.distributed import DistributedSampler

    loader = du.DataLoader(list(range(6)), batch_size=2, sampler=DistributedSampler(range(6), 2, 1))
    assert len(loader) == 2 and sum(len(b) for b in loader) == 3


# ---- datasets ----------------------------------------------------------------------------
def test_the_base_classes_refuse_as_torchs():
    class Indexed(du.Dataset):
        def __getitem__(self, i):
            return i

    class TorchIndexed(tu.Dataset):
        def __getitem__(self, i):
            return i

    _same(lambda: len(du.Dataset()), lambda: len(tu.Dataset()))  # no __len__: TypeError
    _same(lambda: du.Dataset()[0], lambda: tu.Dataset()[0])
    _same(lambda: len(Indexed()), lambda: len(TorchIndexed()), message=False)
    # a dataset without __len__ still loads through a sampler, as PyTorch's
    _same(lambda: list(du.DataLoader(Indexed(), sampler=[3, 1], batch_size=2)),
          lambda: list(tu.DataLoader(TorchIndexed(), sampler=[3, 1], batch_size=2)))  # fmt: skip


def test_tensor_dataset_matches_torch():
    for make in (
        lambda t: (t([[1.0, 2.0], [3.0, 4.0]]), t([0, 1])),
        lambda t: (t([1.0, 2.0]), t([0, 1, 2])),  # a size mismatch
        lambda t: (t([1.0, 2.0]), t(1)),  # a 0-d tensor: no first dimension
    ):
        _same(lambda make=make: du.TensorDataset(*make(dg.tensor))[-1],
              lambda make=make: tu.TensorDataset(*make(torch.tensor))[-1])  # fmt: skip


@pytest.mark.parametrize("index", [0, 1, 2, 3, 5, -1, -3, -6, 6, -7, 99])
def test_concat_dataset_indexing_matches_torch(index):
    parts = [list("ab"), [], list("cde"), [7]]
    _same(lambda: du.ConcatDataset(parts)[index], lambda: tu.ConcatDataset(parts)[index],
          message=index < 0)  # fmt: skip  # past the end: torch's is a list's IndexError
    assert len(du.ConcatDataset(parts)) == len(tu.ConcatDataset(parts)) == 6
    assert du.ConcatDataset(parts).cumulative_sizes == tu.ConcatDataset(parts).cumulative_sizes


def test_concat_dataset_refusals_and_addition_match_torch():
    _same(lambda: du.ConcatDataset([]), lambda: tu.ConcatDataset([]))
    _same(lambda: du.ConcatDataset([_stream(du)]), lambda: tu.ConcatDataset([_stream(tu)]))
    both = (du.TensorDataset(dg.arange(3)) + du.TensorDataset(dg.arange(2)), tu.TensorDataset(
        torch.arange(3)) + tu.TensorDataset(torch.arange(2)))  # fmt: skip
    assert type(both[0]).__name__ == type(both[1]).__name__ == "ConcatDataset"
    _same(lambda: list(du.DataLoader(both[0], batch_size=2)),
          lambda: list(tu.DataLoader(both[1], batch_size=2)))  # fmt: skip


def test_subset_matches_torch():
    data = list("abcdef")
    ours, theirs = du.Subset(data, [5, 0, 3]), tu.Subset(data, [5, 0, 3])
    assert len(ours) == len(theirs) == 3
    assert [ours[i] for i in range(-3, 3)] == [theirs[i] for i in range(-3, 3)]
    _same(lambda: ours[3], lambda: theirs[3], message=False)
    _same(lambda: list(du.DataLoader(ours, batch_size=2)),
          lambda: list(tu.DataLoader(theirs, batch_size=2)))  # fmt: skip


def _torch_accepts(lengths, n):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tu.random_split(range(n), lengths)
    except ValueError:
        return False
    return True


def test_random_split_sizes_match_torch_on_random_fractions():
    rng = random.Random(0)
    for _ in range(150):
        n = rng.randint(0, 30)
        w = [rng.random() ** 3 for _ in range(rng.randint(1, 5))]
        fractions = [round(v / sum(w), rng.choice([1, 2, 3, 17])) for v in w]
        if not _torch_accepts(fractions, n):  # PyTorch's float sum must be <= 1 exactly
            continue
        with warnings.catch_warnings(record=True) as ours_w:
            warnings.simplefilter("always")
            ours = [len(p) for p in du.random_split(range(n), fractions)]
        with warnings.catch_warnings(record=True) as theirs_w:
            warnings.simplefilter("always")
            theirs = [len(p) for p in tu.random_split(range(n), fractions)]
        assert ours == theirs, (n, fractions)
        assert [str(w.message) for w in ours_w] == [str(w.message) for w in theirs_w]


@pytest.mark.parametrize(
    "lengths",
    [[7, 3], [10], [1.0], [0.5, 0.5], [1, 0], [0, 1], [1], [0.5, 0.6], [1.2, -0.2], [5, 6],
     [3, 3.0], [], [0.3, 0.3], [True, 9]],
)  # fmt: skip
def test_random_split_sizes_and_errors_match_torch(lengths):
    def sizes(lib):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parts = lib.random_split(range(10), lengths)
        assert all(type(p.indices) is list for p in parts)
        return sorted(i for p in parts for i in p.indices), [len(p) for p in parts]

    _same(lambda: sizes(du), lambda: sizes(tu))


def test_random_split_is_fixed_by_the_generator_seed():
    def split(seed):
        parts = du.random_split(range(10), [0.3, 0.7], generator=dg.Generator().manual_seed(seed))
        return [p.indices for p in parts]

    assert split(0) == split(0) != split(1)


STACKS = {
    "positional": lambda lib: lib.StackDataset(list("abc"), [1, 2, 3]),
    "by keyword": lambda lib: lib.StackDataset(x=[0.5, 1.5, 2.5], y=[1, 2, 3]),
    "both": lambda lib: lib.StackDataset([1], y=[2]),
    "none": lambda lib: lib.StackDataset(),
    "lengths differ": lambda lib: lib.StackDataset([1], [2, 3]),
    "lengths differ by keyword": lambda lib: lib.StackDataset(a=[1], b=[2, 3]),
}


@pytest.mark.parametrize("make", STACKS.values(), ids=STACKS.keys())
def test_stack_dataset_matches_torch(make):
    _same(lambda: (len(make(du)), make(du)[1], make(du)[-1]),
          lambda: (len(make(tu)), make(tu)[1], make(tu)[-1]))  # fmt: skip
    _same(lambda: list(du.DataLoader(make(du), batch_size=2)),
          lambda: list(tu.DataLoader(make(tu), batch_size=2)))  # fmt: skip


def test_chain_dataset_matches_torch():
    ours = du.ChainDataset([_stream(du, 2), _stream(du, 3)])
    theirs = tu.ChainDataset([_stream(tu, 2), _stream(tu, 3)])
    _same(lambda: (list(ours), len(ours)), lambda: (list(theirs), len(theirs)))
    _same(lambda: list(du.DataLoader(ours, batch_size=2)),
          lambda: list(tu.DataLoader(theirs, batch_size=2)))  # fmt: skip
    _same(lambda: list(du.ChainDataset([[1]])), lambda: list(tu.ChainDataset([[1]])))
    _same(lambda: len(du.ChainDataset([_stream(du, sized=False)])),
          lambda: len(tu.ChainDataset([_stream(tu, sized=False)])), message=False)  # fmt: skip


class _SlowFrom(tu.Dataset):
    """Items 0 and 1 at once; from item 2 on, each takes ``delay`` seconds (module level:
    torch's worker process pickles it)."""

    def __init__(self, delay):
        self.delay = delay

    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i >= 2:
            import time

            time.sleep(self.delay)
        return i


def _time_out(lib):
    """The batches before the slow one, the timeout's message, how long it waited, and the
    slow batch once it comes; everything of ``lib``'s loader is released on return (torch's
    shuts its worker down then, not while deepgrad's loader is being timed)."""
    import time

    it = iter(lib.DataLoader(_SlowFrom(0.4), batch_size=1, num_workers=1, timeout=0.1))
    first = [int(next(it)), int(next(it))]
    start = time.monotonic()
    try:
        next(it)
        message = None
    except RuntimeError as e:
        message = str(e)
    waited = time.monotonic() - start
    for _ in range(20):  # the slow batch arrives ~0.4 s in: some tries time out first
        try:
            return first, message, waited, int(next(it))
        except RuntimeError:
            continue
    return first, message, waited, None


def test_worker_timeout_raises_torchs_runtime_error_and_a_later_next_waits_again():
    """PyTorch: with workers, a batch not ready within ``timeout`` seconds of being asked for
    is RuntimeError("DataLoader timed out after {timeout} seconds"); the batches before it
    arrive, and the iterator stays usable (a later next() waits for the batch again)."""
    for lib in (tu, du):
        first, message, waited, late = _time_out(lib)
        assert (first, message, late) == ([0, 1], "DataLoader timed out after 0.1 seconds", 2)
        assert waited < 0.35, (lib.__name__, waited)  # not the slow item's whole 0.4 s


def test_worker_timeout_is_not_hit_by_batches_that_arrive_in_time():
    loader = du.DataLoader(_SlowFrom(0.05), batch_size=2, num_workers=1, timeout=2)
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3]]
