"""F.lp_pool1d/2d/3d against PyTorch: values and gradients for p = 1, 2, 3, 1.5, -2, ±∞,
stride and ceil_mode, windows whose Σ x^p is 0 (gradient 0), unbatched inputs; gradcheck;
bad arguments refused."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.nn import functional as F

SHAPES = {1: ((2, 3, 7), 3), 2: ((2, 3, 7, 6), (3, 2)), 3: ((1, 2, 5, 6, 7), (2, 3, 2))}


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("p", [1, 2, 3, 1.5, -2, math.inf, -math.inf])
@pytest.mark.parametrize("stride,ceil_mode", [(None, False), (2, True), (2, False)])
def test_lp_pool_as_torchs(torch, rng, nd, p, stride, ceil_mode):
    shape, k = SHAPES[nd]
    x = rng.standard_normal(shape)
    if p == 1.5:
        x = np.abs(x)  # a fractional power of a negative number is NaN (in both)
    x.reshape(-1)[:8] = 0  # the first window(s) sum to 0
    a, b = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 0 ** -2 (NumPy warns)
        y = getattr(F, f"lp_pool{nd}d")(a, p, k, stride, ceil_mode)
        yt = getattr(torch.nn.functional, f"lp_pool{nd}d")(b, p, k, stride, ceil_mode)
        w = rng.standard_normal(tuple(yt.shape))
        (y * dg.tensor(w)).sum().backward()
        (yt * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_unbatched_float32_and_gradcheck(torch, rng):
    x = rng.standard_normal((3, 6, 5)).astype(np.float32)
    for nd, k in ((1, 2), (2, 2)):
        y = getattr(F, f"lp_pool{nd}d")(dg.tensor(x), 2, k)
        yt = getattr(torch.nn.functional, f"lp_pool{nd}d")(torch.tensor(x), 2, k)
        assert y.dtype == np.float32 and y.shape == tuple(yt.shape)
        np.testing.assert_allclose(y.numpy(), yt.numpy(), rtol=1e-5)
    t = dg.tensor(np.abs(rng.standard_normal((1, 2, 4, 5))) + 0.1, requires_grad=True)
    for p, nd in itertools.product((2, 3, 1.5), (1, 2)):
        xt = t if nd == 2 else t.detach().reshape(2, 4, 5).requires_grad_()
        fn = getattr(F, f"lp_pool{nd}d")
        assert dg.gradcheck(lambda v, fn=fn, p=p: fn(v, p, 2, 1, True), (xt,))


def test_bad_arguments(torch):
    x = dg.randn(1, 2, 6, 6)
    with pytest.raises(TypeError, match="kernel_size"):
        F.lp_pool2d(x, 2, 2.5)
    with pytest.raises(ValueError, match="positive"):
        F.lp_pool2d(x, 2, (2, 0))
    with pytest.raises(ValueError):
        F.lp_pool1d(x, 2, 2)  # 4-D input to a 1-D pool
    with pytest.raises(ZeroDivisionError):
        F.lp_pool2d(x, 0, 2)
    with pytest.raises(ZeroDivisionError):
        torch.nn.functional.lp_pool2d(torch.randn(1, 2, 6, 6), 0, 2)
