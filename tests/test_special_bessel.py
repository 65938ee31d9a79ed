"""deepgrad.special's Bessel and Airy functions (airy_ai, bessel_y0/y1, modified_bessel_i0/i1/
k0/k1, scaled_modified_bessel_k0/k1, spherical_bessel_j0) against torch.special: values in
float64 and float32 over wide ranges, the edges (0, ±inf, NaN, overflow) exactly, dtypes,
shapes, no graph, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deepgrad as dg

NAMES = (
    "airy_ai", "bessel_y0", "bessel_y1", "modified_bessel_i0", "modified_bessel_i1",
    "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0",
    "scaled_modified_bessel_k1", "spherical_bessel_j0",
)  # fmt: skip

#: the functions whose tensor PyTorch also takes as input= (x= all of them)
TAKES_INPUT = {"bessel_y0", "bessel_y1", "modified_bessel_i0", "modified_bessel_i1",
               "modified_bessel_k0", "modified_bessel_k1"}  # fmt: skip

#: PyTorch's float64 kernels of these are within this of the true value (SciPy's, deepgrad's):
#: Ai near its switch to the asymptotic form at x = -2.09 (3e-6), Y₀/Y₁ near 5 (1e-6)
TORCH_F64_ERROR = {"airy_ai": 4e-6, "bessel_y0": 1e-6, "bessel_y1": 1e-6}


def _grid(rng):
    return np.concatenate([
        np.linspace(-120, 120, 4801), rng.standard_normal(200) * 1e-3,
        np.logspace(-30, 3, 200), -np.logspace(-30, 3, 200),
        -np.logspace(3, 8, 300),  # Ai's far left: its asymptotic series, PyTorch's phase
    ])  # fmt: skip


def _both(torch, name, a):
    got = getattr(dg.special, name)(dg.tensor(a)).numpy()
    want = getattr(torch.special, name)(torch.from_numpy(a)).numpy()
    assert got.dtype == want.dtype == a.dtype
    return got, want


@pytest.mark.parametrize("name", NAMES)
def test_float64_values_as_torch(torch, rng, name):
    a = _grid(rng)
    got, want = _both(torch, name, a)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    fin = np.isfinite(want)
    err = TORCH_F64_ERROR.get(name, 0.0)
    scale = np.maximum(np.abs(want[fin]), 1.0) if err else np.abs(want[fin])
    far = np.abs(got[fin] - want[fin]) / np.maximum(scale, 1e-300)
    # far left of Ai: both round the phase ⅔|x|^1.5 alike (~1e-16 |x|^1.5 absolute)
    assert far.max() <= max(err, 1e-13), (name, a[fin][np.argmax(far)])


@pytest.mark.parametrize("name", NAMES)
def test_float32_values_as_torch(torch, rng, name):
    # PyTorch computes in float32: where the result oscillates fast (Ai, Y for |x| > 60) its
    # float32 phase drifts; deepgrad's value is float64's, rounded
    a = np.concatenate([np.linspace(-60, 60, 2401), np.logspace(-30, 1.7, 100)]).astype("f4")
    got, want = _both(torch, name, a)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    fin = np.isfinite(want)
    np.testing.assert_allclose(got[fin], want[fin], rtol=2e-6, atol=1e-5)


EDGES = [
    0.0, -0.0, math.inf, -math.inf, math.nan, -1.0, 1.0, 2.09, -2.09, 5.0, 8.0, 25.7, 25.8,
    26.1, 88.7, 88.73, 90.0, 91.9, 92.0, 103.892, 103.9, 200.0, 709.7, 709.8, 712.0, 720.0,
    -88.73, -92.0, -709.8, -712.0, 1e6, -1e6, -2e6, 1e30, -1e30, 1e300, -1e300,
]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_edges_as_torch(torch, name, dtype):
    with np.errstate(over="ignore"):
        a = np.array(EDGES).astype(dtype)
    got, want = _both(torch, name, a)
    special = ~np.isfinite(want) | (want == 0) | np.isinf(a)
    np.testing.assert_array_equal(got[special], want[special])  # NaN, ±inf, 0 exactly
    np.testing.assert_array_equal(np.isfinite(got), np.isfinite(want))
    fin = np.isfinite(want) & (np.abs(a) <= 30)  # beyond: float32 phases (the grids test it)
    np.testing.assert_allclose(got[fin], want[fin], rtol=4e-6, atol=4e-6)


@pytest.mark.parametrize("name", NAMES)
def test_dtypes_shapes_and_no_graph(torch, name):
    fn, tfn = getattr(dg.special, name), getattr(torch.special, name)
    for values in ([1, 2, 3], [True, False]):  # integers and bools: the default float dtype
        got, want = fn(dg.tensor(values)), tfn(torch.tensor(values))
        assert got.dtype == dg.float32 and want.dtype == torch.float32
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=2e-6)
    for shape in ((), (0,), (2, 0, 3), (2, 3)):
        a = np.full(shape, 1.5)
        got, want = fn(dg.tensor(a)), tfn(torch.tensor(a))
        assert tuple(got.shape) == tuple(want.shape)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
    x, t = dg.tensor([0.5, 1.5], requires_grad=True), torch.tensor([0.5, 1.5], requires_grad=True)
    y, ty = fn(x), tfn(t)
    assert y.requires_grad is ty.requires_grad is False  # no derivative: no graph, as torch
    for out in (y, ty):
        with pytest.raises(RuntimeError, match="does not require grad"):
            out.sum().backward()
    np.testing.assert_allclose(
        fn(x=dg.tensor([1.0])).numpy(), tfn(x=torch.tensor([1.0])).numpy(), rtol=2e-6
    )
    dg.set_default_dtype(dg.float64)
    assert fn(dg.tensor([1, 2])).dtype == dg.float64


@pytest.mark.parametrize("name", NAMES)
def test_errors_as_torch(torch, name):
    fn, tfn = getattr(dg.special, name), getattr(torch.special, name)
    for dtype in ("float16", "complex64"):
        with pytest.raises(NotImplementedError, match="not implemented for"):
            tfn(torch.ones(2, dtype=getattr(torch, dtype)))
        with pytest.raises(NotImplementedError, match=f'"{name}_cpu" not implemented for'):
            fn(dg.ones(2, dtype=getattr(dg, dtype)))
    for mod in (dg, torch):
        with pytest.raises(TypeError):
            getattr(mod.special, name)(1.0)  # a number: PyTorch takes tensors only
        fn = getattr(mod.special, name)
        if name in TAKES_INPUT:
            assert fn(input=mod.tensor([1.0])).shape == (1,)
        else:
            with pytest.raises(TypeError):
                fn(input=mod.tensor([1.0]))  # PyTorch names it x only


def test_against_the_true_values():
    # where PyTorch's float64 kernels are off (~1e-6), deepgrad's are the true values
    # (mpmath to 30 digits: Ai(-2.5), Y0(5.01), Y1(5.5))
    x = dg.tensor([-2.5, 5.01, 5.5], dtype=dg.float64)
    np.testing.assert_allclose(dg.special.airy_ai(x)[0].item(), -0.11232506769296609, rtol=1e-14)
    np.testing.assert_allclose(dg.special.bessel_y0(x)[1].item(), -0.30997933991664645, rtol=1e-14)
    np.testing.assert_allclose(dg.special.bessel_y1(x)[2].item(), -0.023758238956389618, rtol=1e-13)
