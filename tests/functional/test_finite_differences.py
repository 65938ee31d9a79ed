"""torch.gradient (deepgrad.functional.finite_differences), against torch."""

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

R = np.random.default_rng(2)
X = R.normal(size=(4, 5, 3))
C0 = np.cumsum(R.random(4) + 0.1)
C2 = np.cumsum(R.random(3) + 0.1)

CASES = [
    ({}, {}),
    ({"spacing": 2.0, "dim": 1}, {"spacing": 2.0, "dim": 1}),
    ({"spacing": [2.0, 0.5], "dim": [0, 2]}, {"spacing": [2.0, 0.5], "dim": [0, 2]}),
    (
        {"spacing": [dg.tensor(C0), dg.tensor(C2)], "dim": [0, -1]},
        {"spacing": [torch.tensor(C0), torch.tensor(C2)], "dim": [0, -1]},
    ),
    ({"spacing": (dg.tensor(C0),), "dim": 0}, {"spacing": (torch.tensor(C0),), "dim": 0}),
]


@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize("kw_d, kw_t", CASES)
def test_values_and_gradient_match_torch(edge_order, kw_d, kw_t):
    xd = dg.tensor(X, requires_grad=True)
    xt = torch.tensor(X, requires_grad=True)
    got = dg.gradient(xd, edge_order=edge_order, **kw_d)
    want = torch.gradient(xt, edge_order=edge_order, **kw_t)
    assert len(got) == len(want)
    w = [R.normal(size=X.shape) for _ in got]
    for g, t in zip(got, want):
        np.testing.assert_allclose(g.numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12)
    sum((g * dg.tensor(v)).sum() for g, v in zip(got, w)).backward()
    sum((t * torch.tensor(v)).sum() for t, v in zip(want, w)).backward()
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_gradcheck_ints_and_refusals():
    x = dg.tensor(R.normal(size=(3, 4)), requires_grad=True)
    assert dg.gradcheck(lambda t: dg.gradient(t, edge_order=2, spacing=0.5)[1], x)
    got = dg.gradient(dg.tensor([1, 2, 4, 8]))[0]
    want = torch.gradient(torch.tensor([1, 2, 4, 8]))[0]
    assert got.dtype == want.numpy().dtype and got.tolist() == want.tolist()
    with pytest.raises(RuntimeError, match="edge_order"):
        dg.gradient(x, edge_order=3)
    with pytest.raises(RuntimeError, match="multiple times"):
        dg.gradient(x, dim=[0, 0])
    with pytest.raises(RuntimeError, match="at least edge_order"):
        dg.gradient(dg.ones(2, 3), edge_order=2)
    with pytest.raises(RuntimeError, match="list of length"):
        dg.gradient(x, spacing=[1.0, 2.0, 3.0])
