"""Indexing follows PyTorch's rule: ``x[index]``, ``x[index] = v`` and the gradient of
``x[index]`` compared with torch 2.13 over every combination (up to three entries, plus a
sample of four) of ints, slices, None, Ellipsis, bools, lists, index tensors and boolean masks.
NumPy's rule differs where integers meet index arrays (``a[0, :, [0, 0, 1]]``): there the
result would be silently transposed."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
import torch

import deepgrad as dg

SHAPE = (2, 3, 4, 5)
POOL = [
    0,
    -1,
    1,
    slice(None),
    slice(1, None),
    slice(None, None, 2),
    None,
    Ellipsis,
    [0, 1],
    [[0], [1]],
    [1, 0, 1],
    True,
    False,
    ("t", 1),  # a 0-d index tensor: selects, as an int
    ("t", [1, 0]),
    ("t", [True, False]),
]


def _as(lib, item):
    if isinstance(item, tuple) and item[0] == "t":
        return lib.tensor(item[1])
    return item


def _combos():
    out = []
    for k in (1, 2, 3):
        out += list(itertools.product(range(len(POOL)), repeat=k))
    rng = random.Random(0)
    out += [tuple(rng.randrange(len(POOL)) for _ in range(4)) for _ in range(600)]
    return [c for c in out if sum(POOL[i] is Ellipsis for i in c) <= 1]


COMBOS = _combos()


def _index(x, lib, items):
    """``x[items]`` with ``lib``'s tensors for the index tensors, or the error raised."""
    try:
        return x[tuple(_as(lib, i) for i in items)]
    except (IndexError, ValueError, TypeError, RuntimeError) as e:
        return e


def test_getitem_matches_torch_everywhere():
    a = np.arange(np.prod(SHAPE), dtype=np.float64).reshape(SHAPE)
    t, d = torch.tensor(a), dg.tensor(a)
    mismatches = []
    for combo in COMBOS:
        items = [POOL[i] for i in combo]
        tr = _index(t, torch, items)
        dr = _index(d, dg, items)
        if isinstance(tr, Exception) or isinstance(dr, Exception):
            if isinstance(tr, Exception) != isinstance(dr, Exception):
                mismatches.append((items, repr(tr)[:60], repr(dr)[:60]))
            continue
        if dr.shape != tuple(tr.shape) or not np.array_equal(dr.numpy(), tr.numpy()):
            mismatches.append((items, tuple(tr.shape), dr.shape))
    assert not mismatches, mismatches[:10]
    assert len(COMBOS) > 4000


@pytest.mark.numpy_only(
    "repeated indices: which write wins is undefined on a GPU, as in PyTorch CUDA"
)
def test_setitem_matches_torch():
    a = np.zeros(SHAPE)
    mismatches = []
    for combo in COMBOS[::7]:
        items = [POOL[i] for i in combo]
        t, d = torch.tensor(a), dg.tensor(a)
        tr = _index(t, torch, items)
        if isinstance(tr, Exception) or tr.numel() == 0:
            continue
        value = np.arange(1, tr.numel() + 1, dtype=np.float64).reshape(tuple(tr.shape))
        t[tuple(_as(torch, x) for x in items)] = torch.tensor(value)
        d[tuple(_as(dg, x) for x in items)] = dg.tensor(value)
        if not np.array_equal(d.numpy(), t.numpy()):
            mismatches.append(items)
        d2 = dg.tensor(a)  # a broadcast scalar and a tensor value of a broadcastable shape
        t2 = torch.tensor(a)
        d2[tuple(_as(dg, x) for x in items)] = 7.0
        t2[tuple(_as(torch, x) for x in items)] = 7.0
        if not np.array_equal(d2.numpy(), t2.numpy()):
            mismatches.append(("scalar", items))
    assert not mismatches, mismatches[:10]


def test_gradients_match_torch():
    rng = np.random.default_rng(0)
    a = rng.standard_normal(SHAPE)
    mismatches = []
    for combo in COMBOS[::5]:
        items = [POOL[i] for i in combo]
        t = torch.tensor(a, requires_grad=True)
        tr = _index(t, torch, items)
        if isinstance(tr, Exception):
            continue
        d = dg.tensor(a, requires_grad=True)
        dr = d[tuple(_as(dg, x) for x in items)]
        g = rng.standard_normal(tuple(tr.shape))
        tr.backward(torch.tensor(g))
        dr.backward(dg.tensor(g))
        if not np.allclose(d.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=0):
            mismatches.append(items)
    assert not mismatches, mismatches[:10]


@pytest.mark.parametrize(
    "index",
    [
        (0, slice(None), [0, 0, 1]),
        (slice(None), 1, slice(None), [2, 2]),
        (None, 0, Ellipsis, [1, 0]),
        (1, slice(None), np.array([True, False, True, True])),
        (True, 0, slice(None), [0, 1]),
        (0, np.array([[True, False, True, True]] * 3), [4, 0, 1, 0, 2, 3, 1, 1, 0]),
    ],
)
def test_mixed_index_gradcheck(index):
    x = dg.tensor(np.random.default_rng(1).standard_normal((2, 3, 4, 5)), requires_grad=True)
    y = x[index]
    t = torch.tensor(x.numpy())[
        tuple(torch.tensor(i) if isinstance(i, np.ndarray) else i for i in index)
    ]
    assert y.shape == tuple(t.shape)
    assert dg.gradcheck(lambda u: u[index], x)


@pytest.mark.parametrize(
    "items",
    [
        (range(2),),
        (range(2), 1),
        (1, range(1, 3)),
        (range(2), 0, range(1, 3)),
        (None, range(0)),
        (Ellipsis, range(4), 2),
        (slice(None), range(3), [0, 2, 1]),
    ],  # fmt: skip
    ids=str,
)
def test_a_range_is_an_index_array_next_to_integers(items):
    """``x_[range(n), y] = x.max()`` with an int ``y`` (mnist_forward_forward): a ``range``
    is a list of indices, wherever it stands."""
    a = np.arange(np.prod(SHAPE), dtype=np.float64).reshape(SHAPE)
    ours, theirs = dg.tensor(a), torch.tensor(a)
    np.testing.assert_array_equal(ours[items].numpy(), theirs[items].numpy())
    ours[items], theirs[items] = -1.0, -1.0
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_the_transposing_case_of_the_issue():
    a = np.arange(24).reshape(2, 3, 4)
    d = dg.tensor(a)[0, :, [0, 0, 1]]
    assert d.shape == (3, 3) and d.tolist() == torch.tensor(a)[0, :, [0, 0, 1]].tolist()
    assert d.tolist() != a[0, :, [0, 0, 1]].tolist()  # NumPy's rule would transpose


# ---- x[index] = value recorded in the graph (PyTorch's copy into a slice) ------------------------
def _assignment_programs():
    def rows(lib):  # the seq2seq tutorial: a constant buffer filled row by row
        w = lib.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
        buf = lib.zeros(4, 3, dtype=lib.float64)
        for i in range(2):
            buf[i] = w[i] * (i + 1)
        (buf.sum() * 2 + (buf**2).sum()).backward()
        return [w.grad]

    def minus_one(lib):  # makemore: dlogits[range(n), Yb] -= 1 on a non-leaf
        x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=lib.float64, requires_grad=True)
        d = x * 2 + 1
        d[[0, 1], [1, 2]] -= 1
        (d * lib.tensor([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]], dtype=lib.float64)).sum().backward()
        return [x.grad, d]

    def accumulate(lib):  # makemore: dC[ix] += demb[k] with repeated ix
        w = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        dC = lib.zeros(5, dtype=lib.float64)
        for k, ix in enumerate([0, 3, 0]):
            dC[ix] += w[k] * 2
        (dC * lib.arange(5, dtype=lib.float64)).sum().backward()
        return [w.grad, dC]

    def broadcast(lib):  # a value broadcast over a slice; a float32 value into float64
        v = lib.tensor([1.0, 2.0], requires_grad=True)
        h = lib.zeros(3, 2, dtype=lib.float64)
        h[1:] = v
        (h * h).sum().backward()
        return [v.grad]

    def overwrite(lib):  # into a non-leaf that other values flow through
        p = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        q = lib.tensor(5.0, dtype=lib.float64, requires_grad=True)
        y = p * 3
        y[1] = q * q
        (y * p).sum().backward()
        return [p.grad, q.grad, y]

    def masked(lib):  # a boolean mask and a scalar into a recorded tensor
        p = lib.tensor([1.0, -2.0, 3.0, -4.0], dtype=lib.float64, requires_grad=True)
        y = p * p
        y[p < 0] = 0.0
        y.sum().backward()
        return [p.grad, y]

    return [rows, minus_one, accumulate, broadcast, overwrite, masked]


@pytest.mark.parametrize("program", _assignment_programs(), ids=lambda f: f.__name__)
def test_an_assignment_is_recorded_as_torch_records_it(program, torch):
    for got, want in zip(program(dg), program(torch), strict=True):
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-12)


def test_an_assignment_stays_in_place_and_refuses_a_leaf_that_requires_grad():
    w = dg.tensor([1.0, 2.0], requires_grad=True)
    buf = dg.zeros(3, 2)
    row = buf[2]  # a view taken before the write sees it
    buf[2] = w * 3
    assert row.tolist() == [3.0, 6.0] and buf.requires_grad and buf.grad_fn is not None
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        w[0] = 5.0
    with dg.no_grad():  # not recorded: a plain write, as before
        w[0] = 5.0
    assert w.tolist() == [5.0, 2.0] and w.grad_fn is None


def test_an_assignment_differentiates_numerically():
    rng = np.random.default_rng(0)
    a = dg.tensor(rng.normal(size=(3, 4)), requires_grad=True)
    v = dg.tensor(rng.normal(size=(4,)), requires_grad=True)

    def f(a, v):
        y = a * 2
        y[1] = v * v
        y[[0, 2], 1:3] += v[:2]
        return (y * y).sum()

    assert dg.gradcheck(f, (a, v))


def test_a_refused_assignment_leaves_the_graph_as_it_was():
    p = dg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = p * 2
    with pytest.raises((ValueError, IndexError)):
        y[0:2] = dg.tensor([1.0, 2.0, 3.0], requires_grad=True)  # shape mismatch
    y.sum().backward()
    assert p.grad.tolist() == [2.0, 2.0, 2.0] and y.tolist() == [2.0, 4.0, 6.0]


@pytest.mark.parametrize(
    "index",
    [
        (slice(None, None, 3), [False, False, False, True], Ellipsis, [1, -1, -2]),
        ([0, 1], Ellipsis, [1, 0]),  # on (2, 4, 2) the ellipsis spans one dim: not adjacent
        (Ellipsis, [0, 1], [1, 0]),
        ([1], Ellipsis, slice(None), [0, 1]),
    ],
)
@pytest.mark.numpy_only(
    "repeated indices: which write wins is undefined on a GPU, as in PyTorch CUDA"
)
def test_an_ellipsis_between_index_arrays_is_the_slices_it_spans(index):
    # an ellipsis that spans no dim leaves the arrays next to each other (their dims stay
    # in place, as in PyTorch); NumPy counts it as a separator and moves them to the front
    a = np.arange(16.0).reshape(2, 4, 2)

    def as_(lib, i):
        if isinstance(i, list):
            return lib.tensor(i, dtype=lib.bool if isinstance(i[0], bool) else lib.int64)
        return i

    want = torch.tensor(a)[tuple(as_(torch, i) for i in index)]
    got = dg.tensor(a)[tuple(as_(dg, i) for i in index)]
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    d, t = dg.tensor(a), torch.tensor(a)
    d[tuple(as_(dg, i) for i in index)] = dg.tensor(
        -1.0 - np.arange(want.numel()).reshape(want.shape)
    )
    t[tuple(as_(torch, i) for i in index)] = torch.tensor(
        -1.0 - np.arange(want.numel()).reshape(want.shape)
    )
    np.testing.assert_array_equal(d.numpy(), t.numpy())


def _put(x, index, value):
    x[index] = value
    return x


@pytest.mark.parametrize(
    "call, error",
    [
        # index tensors: the value's dtype must be the tensor's (NumPy would cast)
        (
            lambda lib: _put(lib.zeros(3), lib.tensor([0, 1]), lib.ones(2, dtype=lib.float64)),
            RuntimeError,
        ),
        (lambda lib: _put(lib.zeros(3, dtype=lib.int64), [0], lib.tensor(2.5)), RuntimeError),
        # a uint8 mask and a one-element value: PyTorch's masked_fill_ refuses the byte mask
        (lambda lib: _put(lib.zeros(2), lib.tensor([1, 0], dtype=lib.uint8), 2.5), RuntimeError),
        # a value that does not broadcast: RuntimeError (NumPy's ValueError/TypeError before)
        (lambda lib: _put(lib.zeros(3), [0, 1], lib.ones(3)), RuntimeError),
        (
            lambda lib: _put(lib.zeros(3, 2), lib.ones(3, 2, dtype=lib.bool), lib.ones(3, 2)),
            RuntimeError,
        ),
        (lambda lib: _put(lib.zeros(4), slice(0, 2), lib.ones(3)), RuntimeError),
    ],
)
def test_what_pytorch_refuses_raises_its_error(call, error):
    with pytest.raises(error):
        call(torch)
    with pytest.raises(error):
        call(dg)


@pytest.mark.parametrize(
    "call",
    [
        # a one-element value through one bool mask is cast (PyTorch's masked_fill_)
        lambda lib: _put(
            lib.zeros(2, 3, dtype=lib.int64), lib.tensor([True, False]), lib.tensor(2.5)
        ),
        lambda lib: _put(
            lib.zeros(2, 3),
            (slice(None), lib.tensor([True, False, True])),
            lib.tensor([[2.5]], dtype=lib.float64),
        ),
        lambda lib: _put(lib.zeros(3, 2), lib.tensor([[True, False]] * 3), lib.ones(1, 1) * 5),
        # ints and slices alone cast (PyTorch's copy_)
        lambda lib: _put(lib.zeros(2, 3, dtype=lib.int64), 0, lib.tensor([1.5, 2.5, -1.5])),
        lambda lib: _put(lib.zeros(2, 3), True, lib.tensor([1, 2, 3])),
    ],
)
def test_assignments_that_cast_as_pytorchs(call):
    want, got = call(torch).numpy(), call(dg).numpy()
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_a_value_that_requires_grad_into_an_integer_tensor_is_a_plain_copy():
    # PyTorch: no graph (an integer tensor cannot carry a gradient); deepgrad recorded one
    for lib in (torch, dg):
        y = lib.zeros(3, dtype=lib.int64)
        y[0] = lib.tensor(2.5, requires_grad=True)
        assert not y.requires_grad and y.tolist() == [2, 0, 0]
        y.masked_fill_(lib.tensor([False, True, False]), lib.tensor(3.5, requires_grad=True))
        assert y.tolist() == [2, 3, 0]  # (torch's result has a grad_fn here; deepgrad's not)


_WRITES = {
    "x[i] = v": lambda lib, y, v: _put(y, 0, v),
    "x[[i]] = v": lambda lib, y, v: _put(y, [0], v),
    "x[mask] = v": lambda lib, y, v: _put(y, lib.tensor([True, False]), v),
    "masked_fill": lambda lib, y, v: y.masked_fill(lib.tensor([True, False]), v),
    "masked_fill_": lambda lib, y, v: y.masked_fill_(lib.tensor([True, False]), v),
    "index_fill": lambda lib, y, v: y.index_fill(0, lib.tensor([0]), v),
    "scatter": lambda lib, y, v: y.scatter(0, lib.tensor([0]), v),
}


def _outcome(lib, write, dtype, v):
    try:
        return repr(write(lib, lib.zeros(2, dtype=getattr(lib, dtype)), v).tolist())
    except (RuntimeError, ValueError, TypeError, OverflowError) as e:
        return tuple(c for c in (RuntimeError, ValueError, OverflowError) if isinstance(e, c))


def test_a_number_written_into_a_tensor_is_converted_as_pytorchs():
    # NumPy wrapped 2**40 into int32 as 0 (masked_fill), refused -1 into uint8 (x[i] = -1),
    # truncated NaN; PyTorch wraps a negative int into an unsigned dtype and raises its
    # overflow error where the dtype cannot hold the value
    values = [2**40, -1, -129, 256, 2.9, -2.9, -0.5, float("nan"), 1e40, 70000.0, 1 + 2j, 2**63]
    bad = []
    for name, write in _WRITES.items():
        for dtype in ("uint8", "int8", "int32", "float32", "float16", "float64", "complex64"):
            for v in values:
                want = _outcome(torch, write, dtype, v)
                got = _outcome(dg, write, dtype, v)
                if got != want and not (isinstance(want, tuple) and set(want) <= set(got or ())):
                    bad.append((name, dtype, v, want, got))
    assert not bad, bad[:10]
