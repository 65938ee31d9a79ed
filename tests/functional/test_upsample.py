"""F.upsample_bilinear / F.upsample_nearest: PyTorch's deprecated forms of interpolate,
with its warnings and numbers."""

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
