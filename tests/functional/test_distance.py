"""F.pdist against torch's: values, gradients (rows that coincide included), the
order of the pairs, errors; float64 gradcheck."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.nn.functional as F


@pytest.mark.parametrize("p", [2.0, 1.0, 0.0, 3.0, 0.5, float("inf")])
def test_pdist_as_torch(torch, p):
    a = np.array([[1.0, 2.0, 0.5], [1.0, 2.0, 0.5], [0.0, 5.0, -1.0], [2.0, -1.0, 0.25]])
    w = np.arange(1.0, 7.0)
    x, tx = dg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = F.pdist(x, p), torch.nn.functional.pdist(tx, p)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
    (y * dg.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert dg.pdist(x, p).shape == (6,)


@pytest.mark.parametrize("p", [2.0, 1.5, 1.0])
def test_pdist_gradcheck(p):
    x = dg.tensor(np.linspace(-1, 1, 12).reshape(4, 3) ** 3, requires_grad=True)
    assert dg.gradcheck(lambda v: F.pdist(v, p), (x,))


def test_pdist_edges_and_errors_as_torch(torch):
    for lib in (dg, torch):
        pdist = lib.nn.functional.pdist
        assert tuple(pdist(lib.ones(1, 2)).shape) == (0,)
        assert tuple(pdist(lib.ones(0, 2)).shape) == (0,)
        with pytest.raises(RuntimeError, match="pdist only supports 2D tensors, got: 1D"):
            pdist(lib.ones(3))
        with pytest.raises(RuntimeError, match="pdist only supports non-negative p values"):
            pdist(lib.ones(3, 2), -1)
        with pytest.raises(RuntimeError, match="pdist only supports floating-point dtypes"):
            pdist(lib.ones(3, 2, dtype=lib.long))
