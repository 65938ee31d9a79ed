"""PyTorch does not order complex numbers: the functions that sort, rank or pick extremes
refuse complex input (NumPy would order them lexicographically: a silent different result)."""

from __future__ import annotations

import pytest

import deepgrad as dg

ORDERING = {
    "sort": lambda m, x: m.sort(x),
    "argsort": lambda m, x: m.argsort(x),
    "topk": lambda m, x: m.topk(x, 1),
    "max": lambda m, x: m.max(x),
    "max(dim)": lambda m, x: m.max(x, 0),
    "min": lambda m, x: m.min(x),
    "amax": lambda m, x: m.amax(x),
    "amin": lambda m, x: m.amin(x),
    "aminmax": lambda m, x: m.aminmax(x),
    "argmax": lambda m, x: m.argmax(x),
    "argmin": lambda m, x: m.argmin(x),
    "cummax": lambda m, x: m.cummax(x, 0),
    "cummin": lambda m, x: m.cummin(x, 0),
    "median": lambda m, x: m.median(x),
    "nanmedian": lambda m, x: m.nanmedian(x),
    "kthvalue": lambda m, x: m.kthvalue(x, 1),
    "mode": lambda m, x: m.mode(x),
    "unique": lambda m, x: m.unique(x),
    "searchsorted": lambda m, x: m.searchsorted(x, x),
    "x.max()": lambda m, x: x.max(),
    "x.sort()": lambda m, x: x.sort(),
}


@pytest.mark.parametrize("name", sorted(ORDERING))
def test_ordering_a_complex_tensor_is_refused_as_torch(torch, name):
    with pytest.raises((RuntimeError, NotImplementedError)):
        ORDERING[name](torch, torch.tensor([1 + 1j, 2, 0.5j]))
    with pytest.raises(NotImplementedError, match="complex"):
        ORDERING[name](dg, dg.tensor([1 + 1j, 2, 0.5j]))


def test_real_inputs_still_order():
    x = dg.tensor([3.0, 1.0, 2.0])
    assert x.sort().values.tolist() == [1.0, 2.0, 3.0] and x.max().item() == 3.0
