"""``linalg.matrix_rank`` (atol/rtol/tol/hermitian) and ``linalg.cond`` (every ``p``) against
PyTorch: values, dtypes, singular and batched inputs, gradients and float64 gradient checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deepgrad as dg

R = np.random.default_rng(0)
SING = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
BATCH = np.stack([R.standard_normal((3, 3)) + 2 * np.eye(3), np.diag([2.0, 0.0, 3.0])])


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"atol": 1.0},
        {"rtol": 0.3},
        {"atol": 0.5, "rtol": 0.1},
        {"hermitian": True},
        {"tol": 1.5},
    ],
)
def test_matrix_rank_matches_pytorch(torch, kw):
    for a in (BATCH, SING, R.standard_normal((2, 3, 5)), BATCH + BATCH.swapaxes(-1, -2)):
        if kw.get("hermitian"):
            a = a @ a.swapaxes(-1, -2) - 1.0
        r, tr = (
            dg.linalg.matrix_rank(dg.tensor(a), **kw),
            torch.linalg.matrix_rank(torch.tensor(a), **kw),
        )
        assert r.dtype == dg.int64 and r.tolist() == tr.tolist()


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", math.inf, -math.inf, 1, -1])
def test_cond_matches_pytorch(torch, p):
    for a in (BATCH, BATCH[0] + 1j * R.standard_normal((3, 3))):
        x, t = dg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        c, tc = dg.linalg.cond(x, p), torch.linalg.cond(t, p)
        assert c.shape == tuple(tc.shape) and str(c.dtype) == str(tc.dtype).removeprefix("torch.")
        np.testing.assert_allclose(c.detach().numpy(), tc.detach().numpy(), rtol=1e-9)
    good = R.standard_normal((2, 3, 3)) + 2 * np.eye(3)
    x, t = dg.tensor(good, requires_grad=True), torch.tensor(good, requires_grad=True)
    dg.linalg.cond(x, p).sum().backward()
    if p in (None, 2, -2, "nuc"):
        torch.linalg.cond(t, p).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-12)
    else:  # PyTorch 2.13's backward raises here (an in-place write into inv_ex's output)
        with pytest.raises(RuntimeError, match="inplace"):
            torch.linalg.cond(t, p).sum().backward()
    assert dg.gradcheck(lambda m: dg.linalg.cond(m, p), dg.tensor(good, requires_grad=True))


def test_cond_and_matrix_rank_errors(torch):
    with pytest.raises(RuntimeError, match="square"):
        dg.linalg.cond(dg.ones(3, 2), 1)
    with pytest.raises(ValueError, match="p must be"):
        dg.linalg.cond(dg.eye(2), 3)
    wide = R.standard_normal((2, 4))
    assert dg.linalg.cond(dg.tensor(wide)).item() == pytest.approx(
        torch.linalg.cond(torch.tensor(wide)).item(), rel=1e-12
    )
    with pytest.raises(RuntimeError, match="at least 2 dims"):
        dg.linalg.matrix_rank(dg.ones(3))
