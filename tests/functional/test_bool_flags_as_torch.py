"""Flags PyTorch's parser takes as Python bools only (``sort``'s ``descending``, ``topk``'s
``largest``/``sorted``, ``unique``'s, ``searchsorted``/``bucketize``'s ``right``/``out_int32``,
``isclose``/``allclose``'s ``equal_nan``): an int or a NumPy bool there is its ``TypeError``;
deepgrad took any truthy value."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

CASES = {
    "x.sort(0, 1)": lambda L, x: x.sort(0, 1),
    "sort(x, descending=1)": lambda L, x: L.sort(x, descending=1),
    "x.argsort(0, 1)": lambda L, x: x.argsort(0, 1),
    "x.topk(1, 0, 1)": lambda L, x: x.topk(1, 0, 1),
    "x.topk(1, 0, True, 0)": lambda L, x: x.topk(1, 0, True, 0),
    "topk(x, 1, largest=np.True_)": lambda L, x: L.topk(x, 1, largest=np.True_),
    "unique(x, 1)": lambda L, x: L.unique(x, 1),
    "unique(x, return_counts=1)": lambda L, x: L.unique(x, return_counts=1),
    "unique(x, return_inverse=1)": lambda L, x: L.unique(x, return_inverse=1),
    "searchsorted(right=1)": lambda L, x: L.searchsorted(x[0, 0], x[0, 0], right=1),
    "searchsorted(out_int32=1)": lambda L, x: L.searchsorted(x[0, 0], x[0, 0], out_int32=1),
    "bucketize(right=1)": lambda L, x: L.bucketize(x, x[0, 0], right=1),
    "isclose(equal_nan=1)": lambda L, x: L.isclose(x, x, equal_nan=1),
    "allclose(equal_nan=1)": lambda L, x: L.allclose(x, x, equal_nan=1),
}


@pytest.mark.parametrize("case", list(CASES))
def test_flags_must_be_bools_as_torch(torch, case):
    a = np.arange(24.0).reshape(2, 3, 4)
    with pytest.raises(TypeError):
        CASES[case](torch, torch.tensor(a))
    with pytest.raises(TypeError, match="must be bool"):
        CASES[case](dg, dg.tensor(a))


def test_bool_flags_still_work(torch):
    a = np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
    for f in (
        lambda L, x: x.sort(1, True)[0],
        lambda L, x: x.topk(2, 1, False, True)[0],
        lambda L, x: L.unique(x, sorted=True, return_counts=True)[1],
        lambda L, x: L.searchsorted(x[0].sort()[0], x[1], right=True),
        lambda L, x: L.isclose(x, x, equal_nan=True),
        lambda L, x: x.sort(stable=True, dim=1)[1],
    ):
        np.testing.assert_array_equal(
            f(dg, dg.tensor(a)).numpy(), f(torch, torch.tensor(a)).numpy()
        )
