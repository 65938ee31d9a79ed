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


def test_the_transposing_case_of_the_issue():
    a = np.arange(24).reshape(2, 3, 4)
    d = dg.tensor(a)[0, :, [0, 0, 1]]
    assert d.shape == (3, 3) and d.tolist() == torch.tensor(a)[0, :, [0, 0, 1]].tolist()
    assert d.tolist() != a[0, :, [0, 0, 1]].tolist()  # NumPy's rule would transpose
