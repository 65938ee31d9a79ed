"""histc (deepgrad.functional.search): the error classes of torch 2.13."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg


@pytest.mark.parametrize("bins", [0, -3])
def test_histc_bins_not_positive_is_torchs_runtime_error(torch, bins):
    """torch: RuntimeError "torch.histogram(): bins must be > 0"; deepgrad raised ValueError
    (still one)."""
    x = np.linspace(0.0, 1.0, 7)
    with pytest.raises(RuntimeError):
        torch.histc(torch.tensor(x), bins)
    with pytest.raises(RuntimeError, match="bins must be > 0") as info:
        dg.histc(dg.tensor(x), bins)
    assert isinstance(info.value, ValueError)


def test_bincount_of_floats_is_torchs_not_implemented_error():
    torch = pytest.importorskip("torch")
    with pytest.raises(NotImplementedError) as want:
        torch.bincount(torch.tensor([1.5, 2.0]))
    with pytest.raises(NotImplementedError) as got:
        dg.bincount(dg.tensor([1.5, 2.0]))
    assert isinstance(got.value, TypeError)
    assert str(want.value) in str(got.value)
