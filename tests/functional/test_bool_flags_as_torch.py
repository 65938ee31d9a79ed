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


DROPOUT = {
    "dropout(training=0)": lambda F, x: F.dropout(x, 0.5, training=0),
    "dropout(x, 0.5, 1)": lambda F, x: F.dropout(x, 0.5, 1),
    "dropout2d(x, 0.5, 1)": lambda F, x: F.dropout2d(x, 0.5, 1),
    "dropout1d(x, 0.5, 1)": lambda F, x: F.dropout1d(x, 0.5, 1),
    "dropout3d(training=np.True_)": lambda F, x: F.dropout3d(x[None], 0.5, training=np.True_),
    "alpha_dropout(x, 0.5, 1)": lambda F, x: F.alpha_dropout(x, 0.5, 1),
    "feature_alpha_dropout(x, 0.5, 1)": lambda F, x: F.feature_alpha_dropout(x, 0.5, 1),
}


@pytest.mark.parametrize("case", list(DROPOUT))
def test_dropout_training_must_be_a_bool_as_torch(torch, case):
    """``F.dropout``'s family: ``training`` reaches PyTorch's parser as ``train`` (a bool);
    ``inplace`` stays a Python truth test, as in PyTorch (``dropout(x, 0.5, True, 1)`` works)."""
    a = np.ones((2, 3, 4))
    with pytest.raises(TypeError):
        DROPOUT[case](torch.nn.functional, torch.tensor(a))
    with pytest.raises(TypeError, match="'train'.*must be bool"):
        DROPOUT[case](dg.nn.functional, dg.tensor(a))
    dg.nn.functional.dropout(dg.tensor(a), 0.5, True, 1)
