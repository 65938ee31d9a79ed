"""kthvalue and quantile (deepgrad.functional.order): the error classes of torch 2.13."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

X = np.arange(12.0).reshape(3, 4) / 7


@pytest.mark.parametrize(
    "call",
    [
        lambda m, t: m.kthvalue(t, 0),
        lambda m, t: m.kthvalue(t, 5),
        lambda m, t: m.kthvalue(t, 4, 0),
        lambda m, t: m.quantile(t, -1.0),
        lambda m, t: m.quantile(t, 1.5, dim=1),
        lambda m, t: m.nanquantile(t, -0.1),
    ],
)
def test_k_and_q_out_of_range_are_torchs_runtime_error(torch, call):
    """torch raises RuntimeError ("kthvalue(): selected number k out of range for dimension
    1", "quantile() q must be in the range [0, 1]"); deepgrad raised IndexError and
    ValueError (still those)."""
    with pytest.raises(RuntimeError):
        call(torch, torch.tensor(X))
    with pytest.raises(
        RuntimeError, match=r"out of range for dimension|in the range \[0, 1\]"
    ) as info:
        call(dg, dg.tensor(X))
    assert isinstance(info.value, (IndexError, ValueError))


@pytest.mark.parametrize(
    "q, match",
    [
        (lambda m: m.tensor([0.5], dtype=m.float32), "same dtype as the input"),
        (lambda m: m.tensor([[0.5]], dtype=m.float64), "scalar or 1D tensor"),
    ],
)
def test_a_q_tensor_of_another_dtype_or_rank_is_torchs_runtime_error(torch, q, match):
    """torch raises RuntimeError ("quantile() q tensor must be same dtype as the input
    tensor", "quantile() q must be a scalar or 1D tensor"); deepgrad raised TypeError and
    ValueError (still those)."""
    for m in (torch, dg):
        with pytest.raises(RuntimeError, match=match):
            m.quantile(m.tensor(X), q(m))
    with pytest.raises((TypeError, ValueError)):
        dg.quantile(dg.tensor(X), q(dg))
