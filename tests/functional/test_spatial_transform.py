"""``F.affine_grid`` and ``F.grid_sample`` against PyTorch (values, gradients to input and theta,
float64), their gradcheck, the identity grid bit for bit, and the refused options."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.functional as F


def _run(lib, fn, x, theta, w, out_size, **kw):
    xt = lib.tensor(x, requires_grad=True)
    tt = lib.tensor(theta, requires_grad=True)
    grid = fn.affine_grid(tt, out_size, align_corners=kw.get("align_corners"))
    y = fn.grid_sample(xt, grid, **kw)
    (y * lib.tensor(w)).sum().backward()
    return [a.detach().numpy() for a in (grid, y, xt.grad, tt.grad)]


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border"])
def test_affine_grid_and_grid_sample_match_torch(align_corners, mode, padding_mode):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 5, 6))
    theta = rng.standard_normal((2, 2, 3)) * 0.7
    w = rng.standard_normal((2, 3, 4, 7))
    kw = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    want = _run(torch, torch.nn.functional, x, theta, w, (2, 3, 4, 7), **kw)
    got = _run(dg, F, x, theta, w, (2, 3, 4, 7), **kw)
    for g, e in zip(got, want):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("n", [1, 2, 5, 8, 20])
def test_the_identity_grid_is_pytorchs_bit_for_bit_in_float64(n):
    """A location on a pixel picks its bilinear cell by the last bit (the STN tutorial starts
    from the identity): the grid is computed as PyTorch's."""
    torch = pytest.importorskip("torch")
    theta = np.array([[[1.0, 0, 0], [0, 1, 0]]])
    want = torch.nn.functional.affine_grid(torch.tensor(theta), (1, 1, n, n), False).numpy()
    got = F.affine_grid(dg.tensor(theta), (1, 1, n, n), align_corners=False).numpy()
    assert np.array_equal(got, want)


def test_grid_sample_gradcheck():
    rng = np.random.default_rng(1)
    x = dg.tensor(rng.standard_normal((1, 2, 4, 5)), requires_grad=True)
    grid = dg.tensor(rng.uniform(-1.1, 1.1, (1, 3, 3, 2)), requires_grad=True)
    theta = dg.tensor(rng.standard_normal((1, 2, 3)), requires_grad=True)
    assert dg.gradcheck(lambda a, g: F.grid_sample(a, g, align_corners=False), x, grid)
    assert dg.gradcheck(lambda t: F.affine_grid(t, (1, 2, 3, 4), align_corners=True), theta)


def test_unsupported_options_are_refused():
    x = dg.zeros(1, 1, 2, 2)
    grid = dg.zeros(1, 2, 2, 2)
    with pytest.raises(NotImplementedError, match="reflection"):
        F.grid_sample(x, grid, padding_mode="reflection")
    with pytest.raises(NotImplementedError, match="bicubic"):
        F.grid_sample(x, grid, mode="bicubic")
    with pytest.raises(NotImplementedError, match="4-D"):
        F.affine_grid(dg.zeros(1, 3, 4), (1, 1, 2, 2, 2))
    with pytest.raises(ValueError, match=r"\(2, 2, 3\)"):
        F.affine_grid(dg.zeros(1, 2, 3), (2, 1, 2, 2))
