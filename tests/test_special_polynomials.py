"""deepgrad.special's orthogonal polynomials (Chebyshev T/U/V/W and their shifted forms,
Hermite H/He, Laguerre L, Legendre P) against torch.special: values in float64 and float32 over
wide x (|x| < 1, ±1, 0, beyond, ±inf) and degrees (negative, small, the switches to the
trigonometric forms, large), n as a tensor or a number, fractional/NaN/inf degrees, dtype
promotion, broadcasting, 0-d and empty shapes, no graph, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deepgrad as dg

NAMES = (
    "chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
    "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
    "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w", "hermite_polynomial_h",
    "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p",
)  # fmt: skip

DEGREES = [-3, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 30, 60, 128, 129, 200, 512, 513, 1000]


def _xs(rng):
    return np.concatenate([
        np.linspace(-3, 3, 301), rng.uniform(-1.2, 1.2, 40),
        [0.0, -0.0, 1.0, -1.0, 0.5, 1 - 1e-16, -1 + 1e-16, 1 + 1e-15, 2.0, 1e10, -1e10, 1e300,
         math.inf, -math.inf],
    ])  # fmt: skip


def _call(mod, name, x, n):
    return getattr(mod.special, name)(x, n)


def _compare(got, want, n, dtype):
    """The same NaN/inf pattern and infinities exactly; finite values to a tolerance that grows
    with the degree (a float32 trigonometric form ``cos(n·acos x)`` carries libm's ulp of
    ``acos x`` times n; a float64 recurrence rounds as PyTorch's fused multiply-adds do but
    for the rare double rounding)."""
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(got[np.isinf(want)], want[np.isinf(want)])
    fin = np.isfinite(want)
    n = np.broadcast_to(np.abs(n), want.shape)[fin]
    ulp = 1e-13 if dtype == "float64" else 1.2e-6
    tol = ulp * (n + 2) * np.maximum(np.abs(want[fin]), 1.0)
    assert np.all(np.abs(got[fin] - want[fin]) <= tol)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_values_as_torch_over_x_and_degrees(torch, rng, name, dtype):
    with np.errstate(over="ignore"):
        x = _xs(rng).astype(dtype)[:, None]
    n = np.array(DEGREES)[None, :]
    got = _call(dg, name, dg.tensor(x), dg.tensor(n)).numpy()
    want = _call(torch, name, torch.from_numpy(x), torch.from_numpy(n)).numpy()
    _compare(got, want, n, dtype)
    same = (got == want) | (np.isnan(got) & np.isnan(want))
    assert same.mean() > 0.9  # mostly bit for bit: PyTorch's recurrences, fused as its kernels


@pytest.mark.parametrize("name", NAMES)
def test_degree_as_a_number_and_odd_degrees(torch, rng, name):
    x = _xs(rng)
    for n in (-1, 0, 1, 3, 7, 9, 25, -0.5, 0.5, 0.99, 2.7, 7.9, math.nan, math.inf, -math.inf,
              1e19, 1e30, True, np.int64(4)):  # fmt: skip
        got = _call(dg, name, dg.tensor(x), n).numpy()
        want = _call(torch, name, torch.tensor(x), n).numpy()
        _compare(got, want, np.array(abs(int(n)) if abs(n) < 1e4 else 0), "float64")
    # a huge degree: the trigonometric forms for |x| < 1 (Chebyshev), NaN (Hermite); the
    # recurrences would run 2**62 steps, in PyTorch too
    if "chebyshev" in name or "hermite" in name:
        a = np.array([0.3, 0.71, -0.2]) + (0.5 if "shifted" in name else 0.0)
        got = _call(dg, name, dg.tensor(a), 2**62).numpy()
        want = _call(torch, name, torch.tensor(a), 2**62).numpy()
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_allclose(
            got, want, atol=1e-2 * 2**62 if "polynomial_t" not in name else 1
        )
    # fractional, NaN and infinite degrees as a tensor: truncated; NaN/inf/beyond int64 give 0
    n = np.array([-0.5, 0.5, 2.7, math.nan, math.inf, -math.inf, 1e19, 3.0])
    got = _call(dg, name, dg.tensor(0.3, dtype=dg.float64), dg.tensor(n)).numpy()
    want = _call(torch, name, torch.tensor(0.3, dtype=torch.float64), torch.tensor(n)).numpy()
    _compare(got, want, np.array([0, 0, 2, 0, 0, 0, 0, 3]), "float64")


@pytest.mark.parametrize("name", NAMES)
def test_x_as_a_number_dtypes_and_shapes(torch, name):
    cases = [
        (lambda m: m.tensor([0.3, 2.0]), lambda m: 3),
        (lambda m: m.tensor([0.3, 2.0]), lambda m: 2.5),
        (lambda m: m.tensor([1, 2]), lambda m: 3),  # int x: the default float dtype
        (lambda m: m.tensor([True, False]), lambda m: 2),
        (lambda m: 0.3, lambda m: m.tensor([1, 2, 3])),  # a number x, an integer n
        (lambda m: 2, lambda m: m.tensor([1, 2, 3])),
        (lambda m: 0.3, lambda m: m.tensor([3.0], dtype=m.float64)),
        (lambda m: m.tensor([0.3]), lambda m: m.tensor([3])),
        (lambda m: m.tensor([0.3]), lambda m: m.tensor([3.0], dtype=m.float64)),
        (lambda m: m.tensor([0.3]), lambda m: m.tensor(3.0, dtype=m.float64)),  # 0-d: float32
        (lambda m: m.tensor(0.3, dtype=m.float64), lambda m: m.tensor([3.0])),
        (lambda m: m.tensor([1], dtype=m.int32), lambda m: m.tensor([2], dtype=m.int32)),
        (lambda m: m.tensor([[0.3], [0.7]]), lambda m: m.tensor([1, 2, 3])),  # broadcast (2, 3)
        (lambda m: m.tensor(0.3), lambda m: m.tensor(4)),  # 0-d
        (lambda m: m.tensor(0.3), lambda m: m.tensor([], dtype=m.int64)),  # empty
        (lambda m: m.zeros(2, 0, 3), lambda m: 5),
    ]
    for x, n in cases:
        got, want = _call(dg, name, x(dg), n(dg)), _call(torch, name, x(torch), n(torch))
        assert got.numpy().dtype == np.dtype(str(want.dtype).replace("torch.", ""))
        assert tuple(got.shape) == tuple(want.shape)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
    dg.set_default_dtype(dg.float64)
    assert _call(dg, name, dg.tensor([1, 2]), 3).dtype == dg.float64


@pytest.mark.parametrize("name", NAMES)
def test_no_graph_as_torch(torch, name):
    x, t = dg.tensor([0.3, 1.5], requires_grad=True), torch.tensor([0.3, 1.5], requires_grad=True)
    n, tn = dg.tensor([3.0], requires_grad=True), torch.tensor([3.0], requires_grad=True)
    for y, ty in ((_call(dg, name, x, 3), _call(torch, name, t, 3)),
                  (_call(dg, name, 0.3, n), _call(torch, name, 0.3, tn))):  # fmt: skip
        assert y.requires_grad is ty.requires_grad is False  # no derivative: no graph
        for out in (y, ty):
            with pytest.raises(RuntimeError, match="does not require grad"):
                out.sum().backward()


@pytest.mark.parametrize("name", NAMES)
def test_errors_as_torch(torch, name):
    for mod in (dg, torch):
        fn = getattr(mod.special, name)
        with pytest.raises(TypeError):
            fn(0.5, 3)  # two numbers: PyTorch's overloads take a tensor
        with pytest.raises(TypeError):
            fn(mod.tensor([0.5]), "3")
        with pytest.raises(OverflowError, match="int too big to convert"):
            fn(mod.tensor([0.5]), 2**70)  # beyond int64: PyTorch's parser refuses it
        with pytest.raises(OverflowError):
            fn(-(2**70), mod.tensor([2]))
        with pytest.raises(TypeError):
            fn(input=mod.tensor([0.5]), n=3)  # PyTorch names the tensor x
        assert fn(x=mod.tensor([0.5]), n=2).shape == (1,)
        with pytest.raises(RuntimeError, match="must match the size"):
            fn(mod.tensor([0.5, 0.2]), mod.tensor([1, 2, 3]))
        for dtype in ("float16", "complex64"):
            with pytest.raises(NotImplementedError, match=f'"{name}_cpu" not implemented for'):
                fn(mod.ones(2, dtype=getattr(mod, dtype)), 2)
        with pytest.raises(NotImplementedError, match="not implemented for 'ComplexFloat'"):
            fn(mod.ones(2), mod.ones(2, dtype=mod.complex64))


@pytest.mark.parametrize("name", NAMES)
def test_nan_x(torch, name):
    # P_0 = 1 and P_1 as PyTorch; above, PyTorch 2.13 returns an uninitialised accumulator for
    # some of these (0, a denormal, ±inf): deepgrad gives NaN
    x = dg.tensor([math.nan])
    assert _call(dg, name, x, 0).item() == 1.0
    np.testing.assert_array_equal(
        _call(dg, name, x, 1).numpy(), _call(torch, name, torch.tensor([math.nan]), 1).numpy()
    )
    assert all(math.isnan(_call(dg, name, x, n).item()) for n in (2, 3, 9, 20))


def test_closed_forms():
    # T_n(cos θ) = cos nθ, U_n(1) = n + 1, H_3(x) = 8x³ - 12x, L_2(x) = (x² - 4x + 2)/2
    sp = dg.special
    theta = np.linspace(0.1, 3.0, 7)
    x = dg.tensor(np.cos(theta))
    np.testing.assert_allclose(
        sp.chebyshev_polynomial_t(x, 9).numpy(), np.cos(9 * theta), atol=1e-12
    )
    assert sp.chebyshev_polynomial_u(dg.tensor([1.0, -1.0]), 4).tolist() == [5.0, 5.0]
    a = np.linspace(-2, 2, 9)
    np.testing.assert_allclose(sp.hermite_polynomial_h(dg.tensor(a), 3).numpy(), 8 * a**3 - 12 * a)
    np.testing.assert_allclose(
        sp.laguerre_polynomial_l(dg.tensor(a), 2).numpy(), (a * a - 4 * a + 2) / 2, atol=1e-15
    )
