"""``linalg.solve_triangular``, ``triangular_solve`` (deprecated, warns) and ``cholesky_solve``
against PyTorch in float64 (real and complex, batched and broadcast): values, gradients, float64
gradient checks, second order, errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg


def _compare(torch, fd, ft, arrays, rtol=1e-11, atol=1e-12):
    xs = [dg.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = fd(*xs), ft(*ts)
    assert y.shape == tuple(ty.shape) and str(y.dtype) == str(ty.dtype).removeprefix("torch.")
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=rtol, atol=atol)
    w = np.random.default_rng(1).standard_normal(y.shape)
    dg.real(y * dg.tensor(w)).sum().backward()
    torch.real(ty * torch.tensor(w)).sum().backward()
    for x, t in zip(xs, ts, strict=True):
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=atol)


R = np.random.default_rng(0)
TRI = R.standard_normal((2, 3, 3)) + 3 * np.eye(3)
CTRI = TRI + 1j * R.standard_normal((2, 3, 3))


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unit", [False, True])
def test_solve_triangular_matches_pytorch(torch, upper, left, unit):
    b = R.standard_normal((4, 2, 3, 2) if left else (4, 2, 2, 3))  # batch dims broadcast
    for a, bb in [(TRI, b), (CTRI, b + 1j * R.standard_normal(b.shape)), (TRI[0], b[0, 0])]:
        kw = {"upper": upper, "left": left, "unitriangular": unit}
        _compare(
            torch,
            lambda x, y, kw=kw: dg.linalg.solve_triangular(x, y, **kw),
            lambda x, y, kw=kw: torch.linalg.solve_triangular(x, y, **kw),
            [a, bb],
        )
    f = lambda x, y: dg.linalg.solve_triangular(x, y, upper=upper, left=left, unitriangular=unit)  # noqa: E731
    args = [dg.tensor(TRI, requires_grad=True), dg.tensor(b[0], requires_grad=True)]
    assert dg.gradcheck(f, *args)
    x = dg.tensor(TRI, requires_grad=True)  # second order
    (g,) = dg.autograd.grad(f(x, dg.tensor(b[0])).pow(2).sum(), x, create_graph=True)
    assert g.requires_grad
    g.sum().backward()


def test_solve_triangular_zero_pivot_and_errors_as_pytorch(torch):
    a, b = np.array([[0.0, 0.0], [1.0, 1.0]]), np.ones((2, 1))
    y = dg.linalg.solve_triangular(dg.tensor(a), dg.tensor(b), upper=False)
    np.testing.assert_array_equal(
        y.numpy(), torch.linalg.solve_triangular(torch.tensor(a), torch.tensor(b), upper=False)
    )
    with pytest.raises(RuntimeError, match="at least 2 dims"):
        dg.linalg.solve_triangular(dg.ones(2, 2), dg.ones(2), upper=True)
    with pytest.raises(RuntimeError, match="square"):
        dg.linalg.solve_triangular(dg.ones(2, 3), dg.ones(2, 1), upper=True)
    with pytest.raises(RuntimeError, match=r"XA = B \(2x2 and 2x3\)"):
        dg.linalg.solve_triangular(dg.ones(2, 2), dg.ones(2, 3), upper=True, left=False)
    with pytest.raises(TypeError, match="upper"):
        dg.linalg.solve_triangular(dg.ones(2, 2), dg.ones(2, 1))


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("transpose", [True, False])
def test_triangular_solve_deprecated_form(torch, upper, transpose):
    b = R.standard_normal((2, 3, 2))
    with pytest.warns(UserWarning, match="deprecated"):
        x, a = dg.triangular_solve(dg.tensor(b), dg.tensor(TRI), upper, transpose)
    tx, ta = torch.triangular_solve(torch.tensor(b), torch.tensor(TRI), upper, transpose)
    np.testing.assert_allclose(x.numpy(), tx.numpy(), rtol=1e-12)
    np.testing.assert_array_equal(a.numpy(), ta.numpy())


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_matches_pytorch(torch, upper):
    for m in (TRI, CTRI):
        f = np.triu(m) if upper else np.tril(m)
        b = R.standard_normal((2, 3, 2)).astype(m.dtype)
        _compare(
            torch,
            lambda y, x: dg.cholesky_solve(y, x, upper),
            lambda y, x: torch.cholesky_solve(y, x, upper),
            [b, f],
        )
    # PyTorch's gradient is that of (L Lᴴ)⁻¹ B for a full L (not projected on the triangle
    # read), so the check differentiates through the triangle
    tri = dg.triu if upper else dg.tril
    assert dg.gradcheck(
        lambda y, x: dg.cholesky_solve(y, tri(x), upper),
        dg.tensor(b.real, requires_grad=True),
        dg.tensor(np.tril(TRI), requires_grad=True),
    )
    with pytest.raises(RuntimeError, match="at least 2 dims"):
        dg.cholesky_solve(dg.ones(2), dg.eye(2))
