"""``linalg.lstsq`` against PyTorch for every driver: the named tuple's four fields (shapes,
dtypes, values: which are filled, and when), batched/broadcast, vector ``B``, wide, complex and
rank-deficient inputs; gradients (PyTorch's pinv-based backward), float64 gradient checks."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

R = np.random.default_rng(0)
CASES = {
    "tall": (R.standard_normal((2, 5, 3)), R.standard_normal((2, 5, 4))),
    "wide": (R.standard_normal((3, 5)), R.standard_normal((3, 2))),
    "deficient": (np.array([[1.0, 2.0], [2.0, 4.0], [1.0, 2.0]]), np.ones((3, 1))),
    "vector": (R.standard_normal((5, 3)), R.standard_normal(5)),
    "broadcast": (R.standard_normal((1, 5, 3)), R.standard_normal((4, 5, 2))),
    "complex": (
        R.standard_normal((4, 3)) + 1j * R.standard_normal((4, 3)),
        R.standard_normal((4, 2)) + 1j * R.standard_normal((4, 2)),
    ),
}


@pytest.mark.parametrize("driver", [None, "gels", "gelsy", "gelsd", "gelss"])
@pytest.mark.parametrize("case", list(CASES))
def test_lstsq_matches_pytorch(torch, case, driver):
    if driver == "gels" and case == "deficient":
        pytest.skip("gels assumes full rank (PyTorch's result there is rounding noise)")
    a, b = CASES[case]
    x, y = dg.tensor(a, requires_grad=True), dg.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    out, tout = dg.linalg.lstsq(x, y, driver=driver), torch.linalg.lstsq(ta, tb, driver=driver)
    assert out._fields == tout._fields if hasattr(tout, "_fields") else len(out) == 4
    for u, tu in zip(out, tout, strict=True):
        assert u.shape == tuple(tu.shape) and str(u.dtype) == str(tu.dtype).removeprefix("torch.")
        np.testing.assert_allclose(u.detach().numpy(), tu.detach().numpy(), rtol=1e-10, atol=1e-12)
    w = R.standard_normal(out.solution.shape)
    loss, tloss = (
        dg.real(out.solution * dg.tensor(w)).sum(),
        torch.real(tout.solution * torch.tensor(w)).sum(),
    )
    if out.residuals.numel():
        loss, tloss = loss + out.residuals.sum(), tloss + tout.residuals.sum()
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(x.grad.numpy(), ta.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(y.grad.numpy(), tb.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_lstsq_gradcheck_rcond_and_errors(torch):
    for case in ("tall", "wide"):
        a, b = CASES[case]
        assert dg.gradcheck(
            lambda p, q: dg.linalg.lstsq(p, q).solution,
            dg.tensor(a, requires_grad=True),
            dg.tensor(b, requires_grad=True),
        )
    a = np.diag([1.0, 1e-3, 0.0])
    out = dg.linalg.lstsq(dg.tensor(a), dg.ones(3, 1, dtype=dg.float64), rcond=1e-2, driver="gelsd")
    tout = torch.linalg.lstsq(
        torch.tensor(a), torch.ones(3, 1, dtype=torch.float64), rcond=1e-2, driver="gelsd"
    )
    np.testing.assert_allclose(out.solution.numpy(), tout.solution.numpy())
    assert out.rank.item() == tout.rank.item() == 1
    with pytest.raises(ValueError, match="driver"):
        dg.linalg.lstsq(dg.ones(3, 2), dg.ones(3, 1), driver="foo")
    with pytest.raises(RuntimeError, match="rows"):
        dg.linalg.lstsq(dg.ones(3, 2), dg.ones(4, 1))
