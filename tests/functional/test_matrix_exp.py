"""``linalg.matrix_exp`` / ``torch.matrix_exp`` / ``Tensor.matrix_exp`` against PyTorch:
values (real, complex, batched, large and small norms, empty), gradients (PyTorch's block-matrix
form), float64 gradient check, second order, errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

R = np.random.default_rng(0)


@pytest.mark.parametrize(
    "a",
    [
        R.standard_normal((2, 4, 4)) * 3,
        R.standard_normal((3, 3)) * 0.01,
        R.standard_normal((2, 2)) * 40,
        R.standard_normal((3, 3)) + 1j * R.standard_normal((3, 3)),
        np.zeros((0, 2, 2)),
        np.array([[1.5]]),
    ],
    ids=["batch", "small", "large", "complex", "empty", "1x1"],
)
def test_matrix_exp_matches_pytorch(torch, a):
    for fd, ft in [
        (dg.linalg.matrix_exp, torch.linalg.matrix_exp),
        (dg.matrix_exp, torch.matrix_exp),
        (lambda x: x.matrix_exp(), lambda x: x.matrix_exp()),
    ]:
        x, t = dg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        y, ty = fd(x), ft(t)
        assert y.shape == tuple(ty.shape) and str(y.dtype) == str(ty.dtype).removeprefix("torch.")
        # PyTorch's Taylor form is a little less accurate than Padé-13 at small norms (~5e-13)
        scale = max(1.0, np.abs(ty.detach().numpy()).max(initial=0))
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), atol=1e-12 * scale)
        w = np.random.default_rng(1).standard_normal(y.shape)
        dg.real(y * dg.tensor(w)).sum().backward()
        torch.real(ty * torch.tensor(w)).sum().backward()
        gscale = max(1.0, np.abs(t.grad.numpy()).max(initial=0))
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), atol=1e-12 * gscale)


def test_matrix_exp_gradcheck_second_order_and_errors():
    x = dg.tensor(R.standard_normal((2, 3, 3)), requires_grad=True)
    assert dg.gradcheck(dg.linalg.matrix_exp, x)
    (g,) = dg.autograd.grad(dg.linalg.matrix_exp(x).pow(2).sum(), x, create_graph=True)
    num = dg.numerical_grad(
        lambda t: dg.autograd.grad(dg.linalg.matrix_exp(t).pow(2).sum(), t, create_graph=True)[
            0
        ].sum(),
        dg.tensor(x.numpy(), requires_grad=True),
    )
    (gg,) = dg.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), num[0], rtol=1e-5, atol=1e-6)
    assert dg.linalg.matrix_exp(dg.tensor([[0.0, 1], [0, 0]])).tolist() == [[1.0, 1.0], [0.0, 1.0]]
    with pytest.raises(RuntimeError, match="float64"):  # PyTorch refuses integers too
        dg.linalg.matrix_exp(dg.tensor([[0, 1], [0, 0]]))
    with pytest.raises(RuntimeError, match="square"):
        dg.linalg.matrix_exp(dg.ones(2, 3))
