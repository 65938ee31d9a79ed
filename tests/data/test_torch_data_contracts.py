"""``deepgrad.utils.data`` against ``torch.utils.data``: the same batches, types, dtypes, lengths
and errors, call for call; what is random is checked by its contract (a permutation, the
generator honoured), since the two libraries' random streams differ."""

from __future__ import annotations

import collections
from collections import namedtuple

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.utils import data as du

torch = pytest.importorskip("torch")
tu = torch.utils.data

Point = namedtuple("Point", "a b")


class _Items(list):
    """A list subclass: PyTorch's collation keeps it."""


def _norm(x):
    """A comparable picture of a batch: container types, tensor dtypes and values."""
    if isinstance(x, (dg.Tensor, torch.Tensor)):
        a = x.detach().numpy() if isinstance(x, torch.Tensor) else x.numpy()
        return ("tensor", a.dtype.name, a.shape, a.tolist())
    if isinstance(x, np.ndarray):
        return ("ndarray", x.dtype.name, x.tolist())
    if isinstance(x, collections.abc.Mapping):
        return (type(x).__name__, {k: _norm(v) for k, v in x.items()})
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [_norm(v) for v in x])
    return (type(x).__name__, x)


def _to_torch(x):
    if isinstance(x, dg.Tensor):
        return torch.tensor(x.numpy())
    if isinstance(x, dict):
        return {k: _to_torch(v) for k, v in x.items()}
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*(_to_torch(v) for v in x))
    if isinstance(x, (list, tuple)):
        return type(x)(_to_torch(v) for v in x)
    return x


def _outcome(fn):
    try:
        return ("ok", _norm(fn()))
    except Exception as err:  # noqa: BLE001 - the class is what is compared
        return ("raises", type(err))


def _same(ours, theirs):
    """``ours()`` gives what ``theirs()`` gives, or raises an instance of the same class."""
    a, b = _outcome(ours), _outcome(theirs)
    if a[0] == b[0] == "raises":
        assert issubclass(a[1], b[1]), (a, b)
    else:
        assert a == b


# ---- default_collate ---------------------------------------------------------------------
COLLATE_CASES = {
    "python ints": [1, 2, 3],
    "python floats (float64)": [1.0, 2.5],
    "python bools": [True, False],
    "ints then a float (default float dtype)": [1, 2.5],
    "a bool then ints": [True, 2],
    "floats then an int": [1.5, 2],
    "strings": ["a", "b"],
    "bytes": [b"a", b"b"],
    "numpy strings": [np.str_("a"), np.str_("b")],
    "float32 arrays": [np.zeros(2, np.float32), np.ones(2, np.float32)],
    "float64 arrays": [np.zeros((2, 2)), np.ones((2, 2))],
    "int32 arrays": [np.zeros(2, np.int32), np.ones(2, np.int32)],
    "uint8 arrays": [np.zeros(2, np.uint8), np.ones(2, np.uint8)],
    "bool arrays": [np.zeros(2, bool), np.ones(2, bool)],
    "float16 arrays": [np.zeros(2, np.float16), np.ones(2, np.float16)],
    "complex arrays": [np.zeros(2, np.complex64), np.ones(2, np.complex64)],
    "float32 and float64 arrays": [np.zeros(2, np.float32), np.ones(2)],
    "0-d arrays": [np.array(1.0), np.array(2.0)],
    "numpy int32 scalars": [np.int32(1), np.int32(2)],
    "numpy float32 scalars": [np.float32(1), np.float32(2)],
    "numpy bool scalars": [np.bool_(True), np.bool_(False)],
    "a numpy int and a float": [np.int64(1), 2.5],
    "int64 tensors": [dg.tensor([1, 2]), dg.tensor([3, 4])],
    "float32 tensors": [dg.tensor([1.0, 2.0]), dg.tensor([3.0, 4.0])],
    "float64 tensors": [dg.tensor([1.0], dtype=dg.float64), dg.tensor([3.0], dtype=dg.float64)],
    "bool tensors": [dg.tensor([True]), dg.tensor([False])],
    "0-d tensors": [dg.tensor(1.0), dg.tensor(2.0)],
    "int64 and float32 tensors (promoted)": [dg.tensor([1]), dg.tensor([1.5])],
    "tuples": [(np.zeros(2), 1, "x"), (np.ones(2), 2, "y")],
    "lists": [[np.zeros(2), 1], [np.ones(2), 2]],
    "dicts": [{"a": 1, "b": np.zeros(2)}, {"a": 2, "b": np.ones(2)}],
    "named tuples": [Point(1, 2.0), Point(3, 4.0)],
    "nested": [
        {"x": (1, [2.0, 3.0]), "y": {"z": "s"}, "p": Point(np.int64(1), "q")},
        {"x": (4, [5.0, 6.0]), "y": {"z": "t"}, "p": Point(np.int64(2), "r")},
    ],
    "a list subclass": [_Items([1, 2.0]), _Items([3, 4.0])],
    "ranges": [range(2), range(2)],
    # refused alike
    "arrays of unequal shapes": [np.zeros(2), np.zeros(3)],
    "tensors of unequal shapes": [dg.zeros(2), dg.zeros(3)],
    "fields of unequal shapes": [(dg.zeros(2), 1), (dg.zeros(3), 2)],
    "lists of unequal lengths": [[1, 2], [1, 2, 3]],
    "string arrays": [np.array(["a"]), np.array(["b"])],
    "object arrays": [np.array([1, None], dtype=object)] * 2,
    "None": [None, None],
    "sets": [{1}, {2}],
    "an int beyond int64": [2**63, 1],
    "an int then a string": [1, "a"],
    "no samples": [],
}


@pytest.mark.parametrize("batch", COLLATE_CASES.values(), ids=COLLATE_CASES.keys())
def test_default_collate_matches_torch(batch):
    _same(lambda: du.default_collate(batch), lambda: tu.default_collate(_to_torch(batch)))


def test_default_collate_keeps_mapping_types_and_the_graph():
    dd = [collections.defaultdict(int, a=1), collections.defaultdict(int, a=2)]
    ours, theirs = du.default_collate(dd), tu.default_collate(dd)
    assert type(ours) is type(theirs) is collections.defaultdict
    assert ours.default_factory is int and ours["a"].tolist() == [1, 2]
    od = [collections.OrderedDict(b=1, a=2)] * 2
    assert type(du.default_collate(od)) is collections.OrderedDict
    assert list(du.default_collate(od)) == list(tu.default_collate(od)) == ["b", "a"]
    # stacking tensors is an operation of the graph, as torch.stack
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    batch = du.default_collate([x, 2 * x])
    assert batch.requires_grad
    batch.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


CONVERT_CASES = {
    "int": 3,
    "float": 2.5,
    "string": "ab",
    "float32 array": np.arange(3, dtype=np.float32),
    "complex array": np.ones(2, np.complex64),
    "numpy scalar": np.float32(1.5),
    "numpy bool": np.bool_(True),
    "numpy string": np.str_("a"),
    "string array": np.array(["a", "b"]),
    "tuple": (np.zeros(2), 1),
    "named tuple": Point(np.zeros(2), 1),
    "dict": {"x": np.zeros(2), "s": "a"},
    "list subclass": _Items([np.zeros(2)]),
}


@pytest.mark.parametrize("sample", CONVERT_CASES.values(), ids=CONVERT_CASES.keys())
def test_default_convert_matches_torch(sample):
    _same(lambda: du.default_convert(sample), lambda: tu.default_convert(sample))


# ---- DataLoader --------------------------------------------------------------------------
class _Samples:
    """A plain map-style dataset (no base class), the same object for both libraries."""

    def __len__(self):
        return 7

    def __getitem__(self, i):
        if not 0 <= i < 7:
            raise IndexError(i)
        return np.arange(2, dtype=np.float32) + i, i


def _loaders(**kw):
    ds = kw.pop("dataset", None) or _Samples()
    return (lambda: du.DataLoader(ds, **kw)), (lambda: tu.DataLoader(ds, **kw))


LOADER_CASES = {
    "default": {},
    "batch_size=3": {"batch_size": 3},
    "drop_last": {"batch_size": 3, "drop_last": True},
    "batch_size=None": {"batch_size": None},
    "batch_size=None with collate_fn": {"batch_size": None, "collate_fn": lambda s: s},
    "collate_fn=lambda x: x": {"batch_size": 2, "collate_fn": lambda x: x},
    "sampler": {"batch_size": 2, "sampler": [6, 0, 3]},
    "sampler, drop_last": {"batch_size": 2, "sampler": [6, 0, 3], "drop_last": True},
    "sampler, batch_size=None": {"batch_size": None, "sampler": [6, 0]},
    "batch_sampler": {"batch_sampler": [[0, 5], [2]]},
    "a range": {"dataset": range(5), "batch_size": 2},
    "a list": {"dataset": [1.5, 2.5, 3.5], "batch_size": 2},
}


@pytest.mark.parametrize("kw", LOADER_CASES.values(), ids=LOADER_CASES.keys())
def test_loader_batches_and_len_match_torch(kw):
    ours, theirs = _loaders(**kw)
    _same(lambda: list(ours()), lambda: list(theirs()))
    _same(lambda: len(ours()), lambda: len(theirs()))


REFUSED = {
    "sampler with shuffle": {"sampler": [0, 1], "shuffle": True},
    "batch_sampler with batch_size": {"batch_sampler": [[0]], "batch_size": 2},
    "batch_sampler with shuffle": {"batch_sampler": [[0]], "shuffle": True},
    "batch_sampler with sampler": {"batch_sampler": [[0]], "sampler": [0]},
    "batch_sampler with drop_last": {"batch_sampler": [[0]], "drop_last": True},
    "batch_size=None with drop_last": {"batch_size": None, "drop_last": True},
    "batch_size=0": {"batch_size": 0},
    "batch_size=-1": {"batch_size": -1},
    "batch_size=2.0": {"batch_size": 2.0},
    "batch_size=True": {"batch_size": True},
    "batch_size='2'": {"batch_size": "2"},
    "num_workers=-1": {"num_workers": -1},
}


@pytest.mark.parametrize("kw", REFUSED.values(), ids=REFUSED.keys())
def test_loader_refuses_what_torch_refuses(kw):
    with pytest.raises(Exception) as theirs:  # noqa: PT011 - the class is compared below
        tu.DataLoader(_Samples(), **kw)
    with pytest.raises(theirs.type):
        du.DataLoader(_Samples(), **kw)


def test_accepted_options_stay_accepted():
    # sampler without shuffle, batch_sampler with the default batch_size/shuffle=False
    for kw in ({"sampler": [1, 0], "shuffle": False}, {"batch_sampler": [[0]], "shuffle": False},
               {"batch_sampler": [[0]], "batch_size": 1}):  # fmt: skip
        _same(lambda kw=kw: list(du.DataLoader(_Samples(), **kw)),
              lambda kw=kw: list(tu.DataLoader(_Samples(), **kw)))  # fmt: skip


def _streams(lib, sized):
    class Stream(lib.IterableDataset):
        def __iter__(self):
            yield from (np.float32(i) for i in range(5))

    class Sized(Stream):
        def __len__(self):
            return 5

    return Sized() if sized else Stream()


@pytest.mark.parametrize("sized", [False, True])
@pytest.mark.parametrize(("batch_size", "drop_last"), [(2, False), (2, True), (None, False)])
def test_iterable_datasets_len_and_batches(sized, batch_size, drop_last):
    kw = {"batch_size": batch_size, "drop_last": drop_last}
    ours = du.DataLoader(_streams(du, sized), **kw)
    theirs = tu.DataLoader(_streams(tu, sized), **kw)
    _same(lambda: list(ours), lambda: list(theirs))
    _same(lambda: len(ours), lambda: len(theirs))  # unsized: TypeError in both


@pytest.mark.parametrize("kw", [{"shuffle": True}, {"sampler": [0]}, {"batch_sampler": [[0]]}])
def test_iterable_dataset_refuses_shuffle_and_samplers(kw):
    with pytest.raises(ValueError):  # noqa: PT011
        tu.DataLoader(_streams(tu, True), **kw)
    with pytest.raises(ValueError, match="IterableDataset"):
        du.DataLoader(_streams(du, True), **kw)


def test_get_worker_info_is_none_in_the_main_process():
    def stream(lib):
        class Info(lib.IterableDataset):
            def __iter__(self):
                yield lib.get_worker_info() is None

        return Info()

    assert [b.tolist() for b in du.DataLoader(stream(du), num_workers=0)] == [[True]]
    assert [b.tolist() for b in tu.DataLoader(stream(tu), num_workers=0)] == [[True]]
    assert du.get_worker_info() is None and tu.get_worker_info() is None


# ---- samplers ----------------------------------------------------------------------------
def _custom_sampler(lib):
    class Backwards(lib.Sampler):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n - 1, -1, -1))

        def __len__(self):
            return self.n

    return Backwards(5)


@pytest.mark.parametrize("drop_last", [False, True])
def test_custom_sampler_subclass(drop_last):
    kw = {"batch_size": 2, "drop_last": drop_last}
    ours = du.DataLoader(_Samples(), sampler=_custom_sampler(du), **kw)
    theirs = tu.DataLoader(_Samples(), sampler=_custom_sampler(tu), **kw)
    _same(lambda: list(ours), lambda: list(theirs))
    assert len(ours) == len(theirs)


@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_and_sequential_samplers(drop_last):
    for n, b in ((7, 3), (6, 3), (2, 5)):
        ours = du.BatchSampler(du.SequentialSampler(range(n)), b, drop_last)
        theirs = tu.BatchSampler(tu.SequentialSampler(range(n)), b, drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
    assert list(du.SequentialSampler(range(4))) == list(tu.SequentialSampler(range(4)))
    assert len(du.SequentialSampler(range(4))) == 4


@pytest.mark.parametrize(
    "args", [(0, False), (-1, False), (2.0, False), (True, False), (2, 1), (2, None)]
)
def test_batch_sampler_refuses_what_torch_refuses(args):
    with pytest.raises(ValueError):  # noqa: PT011
        tu.BatchSampler(range(4), *args)
    with pytest.raises(ValueError, match="should be a"):
        du.BatchSampler(range(4), *args)


@pytest.mark.parametrize(
    "kw", [{}, {"replacement": True}, {"num_samples": 12}, {"replacement": True, "num_samples": 3}]
)
def test_random_sampler_contract(kw):
    ours = list(du.RandomSampler(range(5), **kw))
    theirs = list(tu.RandomSampler(range(5), **kw))
    assert len(ours) == len(theirs) == len(du.RandomSampler(range(5), **kw))
    assert all(type(i) is int and 0 <= i < 5 for i in ours)
    if not kw.get("replacement"):  # whole permutations, then a part of one
        assert sorted(ours[:5]) == list(range(5))


def test_subset_random_sampler_contract():
    idx = [9, 3, 5, 12]
    ours, theirs = du.SubsetRandomSampler(idx), tu.SubsetRandomSampler(idx)
    assert sorted(ours) == sorted(theirs) == sorted(idx) and len(ours) == len(theirs) == 4
    got = [b[1].item() for b in du.DataLoader(list(zip(range(20), range(20))), sampler=ours)]
    assert sorted(got) == sorted(idx)


@pytest.mark.parametrize("replacement", [True, False])
def test_weighted_random_sampler_contract(replacement):
    w = [0.1, 0.0, 0.5, 0.4]
    n = 3 if not replacement else 50
    ours = du.WeightedRandomSampler(w, n, replacement=replacement)
    theirs = tu.WeightedRandomSampler(w, n, replacement=replacement)
    drawn = list(ours)
    assert len(drawn) == len(ours) == len(theirs) == n
    assert all(type(i) is int for i in drawn) and 1 not in drawn  # zero weight: never drawn
    if not replacement:
        assert sorted(drawn) == [0, 2, 3]
    assert _norm(ours.weights) == _norm(theirs.weights)  # a float64 tensor


@pytest.mark.parametrize(
    ("weights", "kw"),
    [
        ([0.5, 0.5], {"num_samples": 3, "replacement": False}),  # more than there are
        ([-1.0, 1.0], {"num_samples": 1}),
        ([0.0, 0.0], {"num_samples": 1}),
        ([[1.0, 1.0]], {"num_samples": 1}),
        ([1.0, 1.0], {"num_samples": 0}),
        ([1.0, 1.0], {"num_samples": 2.0}),
        ([1.0, 1.0], {"num_samples": 2, "replacement": 1}),
    ],
)
def test_weighted_random_sampler_refuses_what_torch_refuses(weights, kw):
    with pytest.raises(Exception) as theirs:  # noqa: PT011 - torch raises while drawing
        list(tu.WeightedRandomSampler(weights, **kw))
    with pytest.raises(theirs.type):  # deepgrad already when it is made
        list(du.WeightedRandomSampler(weights, **kw))


def test_weighted_sampler_refuses_zero_weights_torch_would_draw():
    # torch draws index 0 here although its documentation forbids it (fewer non-zero weights
    # than samples without replacement); deepgrad refuses with a clear error instead
    with pytest.raises(RuntimeError, match="without replacement from 1 indices"):
        du.WeightedRandomSampler([0.0, 1.0, 0.0], 2, replacement=False)


# ---- randomness: the contract, not torch's numbers ---------------------------------------
def _order(seed, make):
    return make(dg.Generator().manual_seed(seed))


RANDOM_SOURCES = {
    "DataLoader(shuffle=True)": lambda g: [
        b.item() for b in du.DataLoader(range(12), shuffle=True, generator=g)
    ],
    "DataLoader of a TensorDataset": lambda g: [
        v
        for (b,) in du.DataLoader(du.TensorDataset(dg.arange(12)), 5, True, generator=g)
        for v in b.tolist()
    ],
    "RandomSampler": lambda g: list(du.RandomSampler(range(12), generator=g)),
    "SubsetRandomSampler": lambda g: list(du.SubsetRandomSampler(list(range(12)), g)),
    "WeightedRandomSampler": lambda g: list(
        du.WeightedRandomSampler([1.0] * 12, 12, replacement=False, generator=g)
    ),
    "random_split": lambda g: [
        i for s in du.random_split(range(12), [0.5, 0.5], generator=g) for i in s.indices
    ],
}


@pytest.mark.parametrize("make", RANDOM_SOURCES.values(), ids=RANDOM_SOURCES.keys())
def test_generator_is_honoured(make):
    a, b, c = _order(7, make), _order(7, make), _order(8, make)
    assert sorted(a) == list(range(12))  # a permutation
    assert a == b  # equal seeds, equal orders
    assert a != c  # another seed, another order


def test_a_generator_advances_from_epoch_to_epoch_as_torch():
    g = dg.Generator().manual_seed(0)
    loader = du.DataLoader(range(12), shuffle=True, generator=g)
    first, second = [b.item() for b in loader], [b.item() for b in loader]
    assert sorted(first) == sorted(second) == list(range(12)) and first != second
    again = du.DataLoader(range(12), shuffle=True, generator=dg.Generator().manual_seed(0))
    assert [b.item() for b in again] == first


def test_global_seed_governs_shuffling_without_a_generator():
    dg.manual_seed(11)
    a = [b.item() for b in du.DataLoader(range(12), shuffle=True)]
    dg.manual_seed(11)
    assert [b.item() for b in du.DataLoader(range(12), shuffle=True)] == a


# ---- random_split, Subset, ConcatDataset, ChainDataset, TensorDataset ---------------------
@pytest.mark.parametrize(
    ("n", "lengths"),
    [
        (10, [7, 3]),
        (10, [0.8, 0.2]),
        (10, [0.33, 0.33, 0.34]),
        (10, [0.3, 0.3, 0.4]),
        (10, [0.25] * 4),
        (7, [0.5, 0.5]),
        (7, [0.1, 0.2, 0.7]),
        (11, [0.6, 0.2, 0.2]),
        (10, [6, 3]),
        (10, [0.8, 0.3]),
    ],
)
def test_random_split_sizes_match_torch(n, lengths):
    _same(lambda: [len(s) for s in du.random_split(range(n), lengths)],
          lambda: [len(s) for s in tu.random_split(range(n), lengths)])  # fmt: skip


def test_random_split_parts_are_disjoint_subsets_of_int_lists():
    parts = du.random_split(range(10), [0.8, 0.2], generator=dg.Generator().manual_seed(0))
    assert all(isinstance(p, du.Subset) for p in parts)
    assert all(type(p.indices) is list and all(type(i) is int for i in p.indices) for p in parts)
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))  # lists concatenate
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        du.random_split(range(3), [0.9, 0.1])


def test_subset_matches_torch():
    data = list("abcdef")
    ours, theirs = du.Subset(data, [4, 1, 2]), tu.Subset(data, [4, 1, 2])
    assert len(ours) == len(theirs) == 3
    assert [ours[i] for i in range(3)] == [theirs[i] for i in range(3)] == ["e", "b", "c"]
    assert ours[-1] == theirs[-1] == "c"
    assert type(ours.indices) is type(theirs.indices) is list
    xs = dg.arange(6) * 10
    ours_t = du.Subset(xs, [5, 0])
    theirs_t = tu.Subset(torch.arange(6) * 10, [5, 0])
    assert ours_t[[0, 1]].tolist() == theirs_t[[0, 1]].tolist() == [50, 0]  # a list of positions
    batch = next(iter(du.DataLoader(du.Subset(du.TensorDataset(xs), [5, 0, 3]), batch_size=3)))
    assert batch[0].tolist() == [50, 0, 30]
    ours.indices = [0]  # reassigned, as some programs do
    assert len(ours) == 1 and ours[0] == "a"


@pytest.mark.parametrize("index", [0, 2, 3, 4, -1, -5, 5, 10, -6, -9])
def test_concat_dataset_indexing_matches_torch(index):
    _same(lambda: du.ConcatDataset([list("abc"), list("de")])[index],
          lambda: tu.ConcatDataset([list("abc"), list("de")])[index])  # fmt: skip


def test_concat_dataset_sizes_and_refusals():
    parts = [list("abc"), list("de")]
    assert du.ConcatDataset(parts).cumulative_sizes == tu.ConcatDataset(parts).cumulative_sizes
    with pytest.raises(AssertionError):
        tu.ConcatDataset([])
    with pytest.raises(AssertionError, match="at least one"):
        du.ConcatDataset([])
    with pytest.raises(AssertionError):
        tu.ConcatDataset([_streams(tu, True)])
    with pytest.raises(AssertionError, match="map-style"):
        du.ConcatDataset([_streams(du, True)])


def test_chain_dataset_matches_torch():
    ours = du.ChainDataset([_streams(du, True), _streams(du, True)])
    theirs = tu.ChainDataset([_streams(tu, True), _streams(tu, True)])
    _same(lambda: list(ours), lambda: list(theirs))
    assert len(ours) == len(theirs) == 10
    _same(lambda: list(du.DataLoader(ours, batch_size=4)),
          lambda: list(tu.DataLoader(theirs, batch_size=4)))  # fmt: skip
    added = _streams(du, True) + _streams(du, False)
    assert isinstance(added, du.ChainDataset) and len(list(added)) == 10
    with pytest.raises(AssertionError):
        list(tu.ChainDataset([[1, 2]]))
    with pytest.raises(AssertionError, match="IterableDataset"):
        list(du.ChainDataset([[1, 2]]))


def test_tensor_dataset_matches_torch():
    x, y = np.arange(6.0).reshape(3, 2), np.arange(3)
    ours = du.TensorDataset(dg.tensor(x), dg.tensor(y))
    theirs = tu.TensorDataset(torch.tensor(x), torch.tensor(y))
    for i in (0, 2, -1):
        assert _norm(ours[i]) == _norm(theirs[i])
    _same(lambda: ours[3], lambda: theirs[3])
    _same(lambda: list(du.DataLoader(ours, batch_size=2)),
          lambda: list(tu.DataLoader(theirs, batch_size=2)))  # fmt: skip
    _same(lambda: list(du.DataLoader(ours, batch_size=None)),
          lambda: list(tu.DataLoader(theirs, batch_size=None)))  # fmt: skip
    with pytest.raises(AssertionError):
        tu.TensorDataset(torch.zeros(3), torch.zeros(4))
    with pytest.raises(AssertionError, match="Size mismatch"):
        du.TensorDataset(dg.zeros(3), dg.zeros(4))


@pytest.mark.parametrize(
    "kw",
    [
        {"batch_size": 2},
        {"batch_size": 2, "shuffle": True},
        {"batch_size": None, "shuffle": True},
        {"batch_size": 3, "drop_last": True},
        {"batch_sampler": [[0, 1], [2]]},
    ],
)
def test_loader_sampler_attributes_match_torch(kw):
    ours, theirs = du.DataLoader(_Samples(), **kw), tu.DataLoader(_Samples(), **kw)
    assert type(ours.sampler).__name__ == type(theirs.sampler).__name__
    assert len(ours.sampler) == len(theirs.sampler) == 7  # e.g. len(loader.sampler) samples
    assert type(ours.batch_sampler).__name__ == type(theirs.batch_sampler).__name__
    if isinstance(theirs.batch_sampler, tu.BatchSampler):
        assert ours.batch_sampler.batch_size == theirs.batch_sampler.batch_size
        assert ours.batch_sampler.drop_last == theirs.batch_sampler.drop_last
    assert (ours.batch_size, ours.drop_last) == (theirs.batch_size, theirs.drop_last)


def test_shuffling_an_empty_dataset_is_refused_as_torch():
    with pytest.raises(ValueError, match="num_samples"):
        tu.DataLoader([], shuffle=True)
    with pytest.raises(ValueError, match="num_samples"):
        du.DataLoader([], shuffle=True)
    assert list(du.DataLoader([])) == list(tu.DataLoader([])) == []


def test_a_plain_generator_is_read_as_an_iterable_dataset():
    # README's differences: PyTorch raises TypeError (no len); deepgrad streams it
    with pytest.raises(TypeError):
        list(tu.DataLoader(i for i in range(3)))
    batches = du.DataLoader((np.float32(i) for i in range(3)), batch_size=2)
    assert [b.tolist() for b in batches] == [[0.0, 1.0], [2.0]]
