"""F.affine_grid / F.grid_sample against PyTorch: values and gradients (input and grid) for
every mode, padding mode and align_corners, 4-D and 5-D; float64 gradcheck; PyTorch's errors
and warnings."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.nn import functional as F

CASES = [  # (input shape, grid shape): ordinary, a 1-pixel input, 3-D volumes
    ((2, 3, 5, 4), (2, 6, 7, 2)),
    ((1, 1, 1, 1), (1, 3, 3, 2)),
    ((2, 2, 3, 4, 5), (2, 3, 2, 4, 3)),
    ((1, 1, 1, 1, 1), (1, 2, 2, 2, 3)),
]


@pytest.mark.parametrize("shapes", CASES)
@pytest.mark.parametrize(
    "mode,padding_mode,align",
    list(itertools.product(("bilinear", "nearest", "bicubic"), ("zeros", "border", "reflection"), (True, False))),
)  # fmt: skip
def test_grid_sample_as_torchs(torch, rng, shapes, mode, padding_mode, align):
    xs, gs = shapes
    if mode == "bicubic" and len(xs) == 5:
        return  # 4-D only (PyTorch's error: test_errors_and_warnings_as_torchs)
    x, g = rng.standard_normal(xs), rng.uniform(-1.6, 1.6, gs)  # some points outside
    tx, tg = torch.tensor(x, requires_grad=True), torch.tensor(g, requires_grad=True)
    ty = torch.nn.functional.grid_sample(tx, tg, mode, padding_mode, align)
    w = rng.standard_normal(tuple(ty.shape))
    (ty * torch.tensor(w)).sum().backward()
    a, b = dg.tensor(x, requires_grad=True), dg.tensor(g, requires_grad=True)
    y = F.grid_sample(a, b, mode, padding_mode, align)
    (y * dg.tensor(w)).sum().backward()
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), tg.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_grid_sample_float32_and_points_on_the_grid(torch, rng):
    x = rng.standard_normal((2, 3, 8, 8)).astype(np.float32)
    g = np.stack(np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-1, 1, 4)), -1)
    g = np.broadcast_to(g, (2, 4, 5, 2)).astype(np.float32)  # points on pixel centres/edges
    for mode, pad, align in itertools.product(("bilinear", "nearest", "bicubic"), ("zeros", "border", "reflection"), (True, False)):  # fmt: skip
        y = F.grid_sample(dg.tensor(x), dg.tensor(g), mode, pad, align)
        ty = torch.nn.functional.grid_sample(torch.tensor(x), torch.tensor(g), mode, pad, align)
        assert y.dtype == np.float32
        np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("pad", ["zeros", "border", "reflection"])
def test_grid_sample_bicubic_gradcheck_and_special_grids(torch, pad):
    """Bicubic: Keys' weights of the fraction (the grid's gradient), each of the 16 taps padded
    by its integer position (PyTorch's rule); NaN and ±inf coordinates and far-out points as
    PyTorch's."""
    x = dg.randn(1, 2, 4, 5, dtype=dg.float64, requires_grad=True)
    g = dg.tensor(np.random.default_rng(2).uniform(-1.3, 1.3, (1, 2, 3, 2)), requires_grad=True)
    assert dg.gradcheck(lambda a, b: F.grid_sample(a, b, "bicubic", pad, True), (x, g))
    xs = np.arange(20.0).reshape(1, 1, 4, 5)
    gs = np.array([[[[np.nan, 0.2], [0.1, np.inf], [-np.inf, 0.0], [3e9, 0.5], [1.0, -1.0]]]])
    for align in (False, True):
        want = torch.nn.functional.grid_sample(
            torch.tensor(xs), torch.tensor(gs), "bicubic", pad, align
        )
        got = F.grid_sample(dg.tensor(xs), dg.tensor(gs), "bicubic", pad, align)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("pad", ["zeros", "border", "reflection"])
def test_grid_sample_gradcheck(pad):
    x = dg.randn(1, 2, 3, 4, dtype=dg.float64, requires_grad=True)
    # points away from pixel boundaries (the bilinear weights have kinks there)
    g = dg.tensor(np.random.default_rng(1).uniform(-1.3, 1.3, (1, 2, 3, 2)), requires_grad=True)
    assert dg.gradcheck(lambda a, b: F.grid_sample(a, b, "bilinear", pad, False), (x, g))
    assert dg.gradcheck(lambda a: F.grid_sample(a, g.detach(), "nearest", pad, True), (x,))


def test_affine_grid_as_torchs(torch, rng):
    for size, align in itertools.product(
        [(2, 3, 4, 5), (1, 1, 1, 3), (2, 1, 3, 2, 4)], (True, False)
    ):
        nd = len(size) - 2
        th = rng.standard_normal((size[0], nd, nd + 1))
        a, b = dg.tensor(th, requires_grad=True), torch.tensor(th, requires_grad=True)
        if align and min(size[2:]) == 1:
            with pytest.warns(UserWarning, match="unit-size"):
                y = F.affine_grid(a, size, align_corners=align)
        else:
            y = F.affine_grid(a, size, align_corners=align)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PyTorch warns about unit sizes too
            ty = torch.nn.functional.affine_grid(b, size, align_corners=align)
        assert y.shape == tuple(ty.shape)
        np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-12)
        w = rng.standard_normal(y.shape)
        (y * dg.tensor(w)).sum().backward()
        (ty * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10)
    theta = dg.tensor(rng.standard_normal((2, 2, 3)), requires_grad=True)
    assert dg.gradcheck(lambda t: F.affine_grid(t, (2, 1, 3, 4), align_corners=False), (theta,))


def test_spatial_transformer_round_trip():
    """The identity affine grid with align_corners=False reads every pixel exactly."""
    x = dg.randn(2, 3, 5, 6)
    theta = dg.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]] * 2)
    grid = F.affine_grid(theta, (2, 3, 5, 6), align_corners=False)
    for mode in ("bilinear", "nearest"):
        y = F.grid_sample(x, grid, mode, align_corners=False)
        np.testing.assert_allclose(y.numpy(), x.numpy(), atol=1e-6)


def test_errors_and_warnings_as_torchs(torch):
    x, g = dg.randn(1, 1, 3, 3), dg.zeros(1, 2, 2, 2)
    with pytest.warns(UserWarning, match="align_corners=False"):
        F.grid_sample(x, g)
    with pytest.warns(UserWarning, match="align_corners=False"):
        F.affine_grid(dg.zeros(1, 2, 3), (1, 1, 2, 2))
    with pytest.raises(ValueError, match="expected mode"):
        F.grid_sample(x, g, "area", align_corners=False)
    with pytest.raises(ValueError, match="expected padding_mode"):
        F.grid_sample(x, g, padding_mode="circular", align_corners=False)
    with pytest.raises(ValueError, match="bicubic interpolation only supports 4D input"):
        F.grid_sample(
            dg.randn(1, 1, 2, 2, 2), dg.zeros(1, 1, 1, 1, 3), "bicubic", align_corners=False
        )
    with pytest.raises(RuntimeError, match="bicubic interpolation only supports 4D input"):
        torch.nn.functional.grid_sample(
            torch.randn(1, 1, 2, 2, 2), torch.zeros(1, 1, 1, 1, 3), "bicubic", align_corners=False
        )
    with pytest.raises(ValueError, match="same number of dimensions"):
        F.grid_sample(x, dg.zeros(1, 2, 2), align_corners=False)
    with pytest.raises(ValueError, match="grid of shape"):
        F.grid_sample(x, dg.zeros(1, 2, 2, 3), align_corners=False)
    with pytest.raises(ValueError, match="batch size"):
        F.grid_sample(x, dg.zeros(2, 2, 2, 2), align_corners=False)
    with pytest.raises(TypeError, match="dtype"):
        F.grid_sample(x, g.double(), align_corners=False)
    with pytest.raises(ValueError, match="floating point"):
        F.affine_grid(dg.zeros(1, 2, 3, dtype=dg.int64), (1, 1, 2, 2), False)
    with pytest.raises(ValueError, match="Nx2x3"):
        F.affine_grid(dg.zeros(1, 3, 4), (1, 1, 2, 2), False)
    with pytest.raises(NotImplementedError, match="4D and 5D"):
        F.affine_grid(dg.zeros(1, 2, 3), (1, 1, 2), False)
    with pytest.raises(ValueError, match="positive output size"):
        F.affine_grid(dg.zeros(1, 2, 3), (1, 1, 0, 2), False)
    for call in (
        lambda: torch.nn.functional.grid_sample(torch.zeros(1, 1, 3, 3), torch.zeros(1, 2, 2),
                                                align_corners=False),
        lambda: torch.nn.functional.affine_grid(torch.zeros(1, 3, 4), (1, 1, 2, 2), False),
    ):  # fmt: skip  # PyTorch refuses the same arguments
        with pytest.raises((RuntimeError, ValueError)):
            call()


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("nd", [2, 3])
def test_points_outside_read_zero_even_beside_a_nan_pixel(torch, mode, nd):
    """With ``zeros`` padding a point outside the input reads 0, not ``0 ·`` the pixel read in
    its place (pixel 0: a NaN there made every such point NaN), as PyTorch's; the gradients
    too."""
    rng = np.random.default_rng(0)
    shape = (2, 2, 3, 4) if nd == 2 else (1, 2, 3, 4, 2)
    x = rng.standard_normal(shape)
    x.reshape(2 if nd == 2 else 1, 2, -1)[0, 0, 0] = np.nan
    x.reshape(2 if nd == 2 else 1, 2, -1)[0, 1, 0] = np.inf
    grid = rng.uniform(-1.6, 1.6, (shape[0], 3, 5, nd) if nd == 2 else (1, 2, 3, 4, nd))
    t, tt = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    g, gt = dg.tensor(grid), torch.tensor(grid)
    y = F.grid_sample(t, g, mode=mode, align_corners=False)
    yt = torch.nn.functional.grid_sample(tt, gt, mode=mode, align_corners=False)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-12)
