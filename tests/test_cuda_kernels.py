"""deepgrad.cuda_kernels against the array forms they replace, on the CuPy backend
(``DEEPGRAD_TEST_BACKEND=cupy``, tools/gpu_check.sh); on NumPy the kernels decline (checked
here too), so the array forms run."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.nn.functional as F
from deepgrad import cuda_kernels


def test_the_kernels_decline_on_numpy():
    if dg.backend.name() != "numpy":
        pytest.skip("checks the NumPy backend")
    a = np.zeros((1, 1, 2, 2), np.float32)
    assert not cuda_kernels.usable(a)
    assert not cuda_kernels.max_pool2x2(a, np.empty((1, 1, 1, 1), np.float32), np.empty(1))
    assert cuda_kernels.max_pool2x2_backward(a, a.astype(np.uint8), a.shape) is None
    assert not cuda_kernels.adam_direction(a, a, a, a, 0.9, 0.999, 1e-3, 1e-8, 1)


def _pool(x: np.ndarray, ceil_mode: bool, kernels_on: bool, monkeypatch) -> tuple:
    with monkeypatch.context() as mp:
        if not kernels_on:
            mp.setattr(cuda_kernels, "usable", lambda *a: False)
        t = dg.tensor(x, requires_grad=True)
        y = F.max_pool2d(t, 2, ceil_mode=ceil_mode)
        w = np.arange(np.prod(y.shape), dtype=x.dtype).reshape(y.shape)
        (y * dg.tensor(w)).sum().backward()
        return y.numpy(), t.grad.numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(2, 3, 6, 8), (1, 2, 7, 5)])
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_max_pool_kernel_is_the_array_form_with_ties_nan_and_inf(
    dtype, shape, ceil_mode, monkeypatch
):
    if dg.backend.name() != "cupy":
        pytest.skip("the GPU kernels run on the CuPy backend")
    rng = np.random.default_rng(0)
    x = rng.integers(-2, 3, shape).astype(dtype)  # many ties
    flat = x.reshape(-1)
    flat[3], flat[17], flat[18] = np.nan, -np.inf, np.nan
    flat[-4:] = -np.inf
    got = _pool(x, ceil_mode, True, monkeypatch)
    want = _pool(x, ceil_mode, False, monkeypatch)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adam_kernel_is_the_array_form(dtype, monkeypatch):
    if dg.backend.name() != "cupy":
        pytest.skip("the GPU kernels run on the CuPy backend")
    rng = np.random.default_rng(1)
    w0 = rng.standard_normal((5, 7)).astype(dtype)
    grads = [rng.standard_normal((5, 7)).astype(dtype) for _ in range(4)]
    results = []
    for on in (True, False):
        with monkeypatch.context() as mp:
            if not on:
                mp.setattr(cuda_kernels, "usable", lambda *a: False)
            p = dg.nn.Parameter(dg.tensor(w0))
            opt = dg.optim.Adam([p], lr=0.1)
            for gr in grads:
                p.grad = dg.tensor(gr)
                opt.step()
            results.append(p.numpy())
    tol = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(results[0], results[1], rtol=tol, atol=tol)
