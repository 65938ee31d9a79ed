"""Convolution layers' public attributes and reprs against PyTorch's."""

from __future__ import annotations

import pytest

from deepgrad import nn


@pytest.mark.parametrize("d", [1, 2, 3])
def test_transposed_flag_and_repr_order_are_torchs(d):
    torch = pytest.importorskip("torch")
    for name in (f"Conv{d}d", f"ConvTranspose{d}d"):
        ours, theirs = getattr(nn, name)(4, 6, 3), getattr(torch.nn, name)(4, 6, 3)
        assert ours.transposed is theirs.transposed
    # dilation is printed before output_padding, as PyTorch prints them
    args = (4, 6, 3, 2, 1, 1, 2, False, 2)
    ours, theirs = (
        getattr(nn, f"ConvTranspose{d}d")(*args),
        getattr(torch.nn, f"ConvTranspose{d}d")(*args),
    )
    assert repr(ours) == repr(theirs)
