"""``trace`` as PyTorch's kernel computes it: a running sum along the diagonal, accumulated
wider for float16, float32 and complex64 and rounded once (NumPy's pairwise float32 sum
differed in the last bit for about two matrices in three)."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "complex64", "int32"])
def test_trace_is_torchs_bit_for_bit(dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    for n in (1, 7, 30, 60):
        m = (rng.standard_normal((n, n + 2)) * 3).astype(dtype)
        if dtype == "complex64":
            m = m + 1j * m[::-1]
        got, want = dg.tensor(m).trace(), torch.tensor(m).trace()
        assert got.dtype == np.dtype(str(want.dtype).replace("torch.", ""))
        np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_trace_gradient_and_empty_matrix():
    m = dg.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    (g,) = dg.autograd.grad(m.trace(), m)
    np.testing.assert_array_equal(g.numpy(), np.eye(3, 4))
    assert dg.zeros(0, 3).trace().item() == 0.0
