"""Pooling layers' attributes and reprs against PyTorch's (the values a program reads back
from a layer: ``pool.kernel_size[0]``, ``print(model)``)."""

from __future__ import annotations

import pytest

from deepgrad import nn


@pytest.mark.parametrize(
    ("name", "args"),
    [("AvgPool1d", (3,)), ("AvgPool1d", (3, 2, 1)), ("MaxUnpool1d", (2,)),
     ("MaxUnpool2d", (2,)), ("MaxUnpool2d", ((2, 3), 1)), ("MaxUnpool3d", (2, None, 1))],
)  # fmt: skip
def test_sizes_are_stored_as_torchs_tuples(name, args):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    for attr in ("kernel_size", "stride", "padding"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("d", [1, 2, 3])
def test_adaptive_max_pool_repr_is_torchs(d):
    torch = pytest.importorskip("torch")
    name = f"AdaptiveMaxPool{d}d"
    for ri in (False, True):
        assert repr(getattr(nn, name)(3, ri)) == repr(getattr(torch.nn, name)(3, ri))
