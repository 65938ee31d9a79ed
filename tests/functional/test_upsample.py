"""F.upsample_bilinear / F.upsample_nearest: PyTorch's deprecated forms of interpolate,
with its warnings and numbers; interpolate with NaN/inf inputs, and with antialias=True
(bilinear, bicubic, lanczos) against torch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.nn.functional as F


@pytest.mark.parametrize("name", ["upsample_bilinear", "upsample_nearest"])
@pytest.mark.parametrize("kw", [{"scale_factor": 2}, {"size": (3, 5)}])
def test_deprecated_upsampling_as_torch(torch, name, kw):
    a = np.linspace(-1, 2, 2 * 3 * 2 * 3).reshape(2, 3, 2, 3)
    got = []
    for lib in (dg, torch):
        x = lib.tensor(a, requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            y = getattr(lib.nn.functional, name)(x, **kw)
        (y * y).sum().backward()
        got.append(([(c.category, str(c.message), c.filename) for c in caught],
                    y.detach().numpy(), x.grad.numpy()))  # fmt: skip
    assert got[0][0] == got[1][0] and len(got[0][0]) == 1 and got[0][0][0][2] == __file__
    for u, v in zip(got[0][1:], got[1][1:]):
        np.testing.assert_allclose(u, v, rtol=1e-10, atol=1e-12)


def test_upsample_bilinear_gradcheck():
    x = dg.tensor(np.linspace(0, 1, 12).reshape(1, 2, 2, 3) ** 2, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert dg.gradcheck(lambda v: F.upsample_bilinear(v, scale_factor=2), (x,))


@pytest.mark.parametrize(
    "kw",
    [
        {"scale_factor": 2},
        {"size": (3, 5), "mode": "bilinear", "align_corners": True},
        {"scale_factor": 1.5, "mode": "bilinear"},
        {"size": 4, "mode": "bicubic", "align_corners": False},
    ],
)
def test_deprecated_upsample_as_torch(torch, kw):
    """``F.upsample`` (PyTorch's deprecated ``interpolate`` with its arguments): it was the
    ``deepgrad.functional.upsample`` module, so calling it raised "'module' object is not
    callable"."""
    a = np.linspace(-1, 2, 2 * 3 * 2 * 3).reshape(2, 3, 2, 3)
    got = []
    for lib in (dg, torch):
        x = lib.tensor(a, requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            y = lib.nn.functional.upsample(x, **kw)
        (y * y).sum().backward()
        got.append(([(c.category, str(c.message), c.filename) for c in caught],
                    y.detach().numpy(), x.grad.numpy()))  # fmt: skip
    assert got[0][0] == got[1][0] and len(got[0][0]) == 1 and got[0][0][0][2] == __file__
    for u, v in zip(got[0][1:], got[1][1:]):
        np.testing.assert_allclose(u, v, rtol=1e-10, atol=1e-12)


_NAN_CASES = [  # (input shape, interpolate keywords)
    ((2, 2, 5), dict(size=9, mode="linear", align_corners=True)),
    ((2, 2, 5), dict(size=8, mode="linear")),
    ((2, 2, 4, 5), dict(size=(7, 9), mode="bilinear")),
    ((2, 2, 4, 5), dict(size=(3, 8), mode="bilinear", align_corners=True)),
    ((2, 2, 4, 5), dict(size=(6, 4), mode="bicubic")),
    ((2, 2, 4, 5), dict(size=(4, 5), mode="bicubic", align_corners=True)),
    ((2, 2, 6, 7), dict(size=(4, 3), mode="area")),
    ((2, 2, 4, 5), dict(scale_factor=1.7, mode="nearest")),
    ((2, 2, 4, 5), dict(size=(7, 3), mode="nearest-exact")),
    ((1, 2, 3, 4, 5), dict(size=(5, 3, 7), mode="trilinear")),
    ((1, 2, 3, 4, 5), dict(size=(2, 3, 4), mode="area")),
]


@pytest.mark.parametrize("shape, kw", _NAN_CASES)
def test_a_nan_reaches_only_the_outputs_that_read_it(torch, shape, kw):
    """A NaN pixel makes NaN exactly the outputs whose taps read it, as PyTorch's (the
    matrix products made whole rows NaN: 0 · NaN), and the rest keep their values."""
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    x.reshape(-1)[[3, x.size // 2]] = np.nan
    got = F.interpolate(dg.tensor(x), **kw).numpy()
    want = torch.nn.functional.interpolate(torch.tensor(x), **kw).numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_area_to_an_empty_size_with_a_nan_input(torch):
    x = np.array([[[1.0, np.nan, 3.0]]], np.float32)
    got = F.interpolate(dg.tensor(x), size=0, mode="area")
    assert got.shape == tuple(
        torch.nn.functional.interpolate(torch.tensor(x), size=0, mode="area").shape
    )


# ---- antialias=True: PIL's resampling, as PyTorch's ------------------------------------------
_AA_SIZES = [
    ((9, 7), {"size": (4, 3)}),  # downsampling: the filter widens with the scale
    ((6, 10), {"size": (11, 4)}),  # one axis up, one down
    ((8, 8), {"scale_factor": 0.37}),  # the scale factor itself maps the coordinates
    ((8, 8), {"scale_factor": (0.5, 1.7), "recompute_scale_factor": True}),
    ((5, 6), {"size": (5, 6)}),  # the sizes kept
    ((7, 13), {"size": (1, 2)}),
]


@pytest.mark.parametrize(
    "mode, align",  # lanczos refuses align_corners=True (tested below)
    [
        ("bilinear", False),
        ("bilinear", True),
        ("bicubic", False),
        ("bicubic", True),
        ("lanczos", False),
    ],
)
@pytest.mark.parametrize("shape, kw", _AA_SIZES)
def test_antialias_as_torch(torch, mode, align, shape, kw):
    x = np.random.default_rng(0).standard_normal((2, 3, *shape))
    g = None
    for dtype, rtol in ((np.float64, 1e-12), (np.float32, 2e-6)):
        xt = torch.tensor(x.astype(dtype), requires_grad=True)
        want = torch.nn.functional.interpolate(
            xt, mode=mode, align_corners=align, antialias=True, **kw
        )
        xd = dg.tensor(x.astype(dtype), requires_grad=True)
        got = F.interpolate(xd, mode=mode, align_corners=align, antialias=True, **kw)
        assert got.dtype == xd.dtype and got.shape == tuple(want.shape)
        scale = np.abs(want.detach().numpy()).max()
        np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=rtol, atol=rtol * scale)
        g = np.random.default_rng(1).standard_normal(got.shape).astype(dtype)
        want.backward(torch.tensor(g))
        got.backward(dg.tensor(g))
        np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=rtol, atol=rtol * 10)


def test_antialias_downsampling_counts_every_pixel(torch):
    """The point of antialias: a 1-pixel stripe pattern halves to its mean, not to one phase."""
    stripes = np.tile([0.0, 1.0], 8)[None, None, None, :].repeat(4, axis=2)
    plain = F.interpolate(dg.tensor(stripes), size=(4, 4), mode="bilinear")
    smooth = F.interpolate(dg.tensor(stripes), size=(4, 4), mode="bilinear", antialias=True)
    assert np.ptp(plain.numpy()) == 0 and plain.numpy()[0, 0, 0, 0] in (0.0, 0.5, 1.0)
    np.testing.assert_allclose(smooth.numpy()[..., 1:-1], 0.5, atol=1e-12)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "lanczos"])
def test_antialias_with_nan_and_inf_reads_each_outputs_window(torch, mode):
    x = np.random.default_rng(2).standard_normal((2, 2, 9, 7))
    x[0, 0, 2, 3], x[1, 1, 5, 1], x[1, 0, 0, 0] = np.nan, np.inf, -np.inf
    want = torch.nn.functional.interpolate(torch.tensor(x), size=(4, 3), mode=mode, antialias=True)
    got = F.interpolate(dg.tensor(x), size=(4, 3), mode=mode, antialias=True)
    np.testing.assert_allclose(
        got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12
    )  # NaN, ±inf where torch's


def test_antialias_gradcheck():
    x = dg.tensor(np.random.default_rng(3).standard_normal((1, 2, 7, 6)), requires_grad=True)
    for mode in ("bilinear", "bicubic", "lanczos"):
        assert dg.gradcheck(
            lambda t, m=mode: F.interpolate(t, size=(3, 4), mode=m, antialias=True), (x,)
        )


def test_antialias_refusals_are_torchs(torch):
    x = dg.ones(1, 1, 6, 6)
    for kw in ({"mode": "nearest"}, {"mode": "area"}):
        with pytest.raises(ValueError, match="restricted to bilinear, bicubic, and lanczos"):
            F.interpolate(x, size=3, antialias=True, **kw)
    with pytest.raises(ValueError, match="restricted to bilinear, bicubic, and lanczos"):
        F.interpolate(dg.ones(1, 1, 6), size=3, mode="linear", antialias=True)
    with pytest.raises(ValueError, match="Lanczos mode requires antialias=True"):
        F.interpolate(x, size=3, mode="lanczos")
    with pytest.raises(ValueError, match="does not support align_corners=True"):
        F.interpolate(x, size=3, mode="lanczos", antialias=True, align_corners=True)
    for call in (
        lambda t: t.nn.functional.interpolate(
            t.ones(1, 1, 6), size=3, mode="lanczos", antialias=True
        ),
        lambda t: t.nn.functional.interpolate(t.ones(1, 1, 6, 6), size=3, mode="lanczos"),
    ):
        with pytest.raises(ValueError):
            call(torch)


def test_antialias_to_a_width_of_one_filters_each_row():
    """PyTorch 2.13 (CPU) gives every output row the first row's value when the output width is
    1 (its height filter is not applied per row: a bug; README table): deepgrad filters each."""
    x = np.arange(5.0)[None, None, :, None]  # a column 0..4
    got = F.interpolate(dg.tensor(x), size=(2, 1), mode="bilinear", antialias=True).numpy()
    m = F.interpolate(dg.tensor(x.repeat(3, axis=3)), size=(2, 3), mode="bilinear", antialias=True)
    np.testing.assert_allclose(got[..., 0], m.numpy()[..., 0], rtol=1e-15)
    assert got[0, 0, 0, 0] < 2 < got[0, 0, 1, 0]  # the top and the bottom of the column
