"""``max_pool1d/2d/3d(return_indices=True)`` and ``max_unpool1d/2d/3d`` against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepgrad as dg
import deepgrad.nn.functional as F
from deepgrad import nn

CASES = [  # (nd, shape, kernel, stride, padding, dilation, ceil_mode)
    (1, (2, 3, 9), 3, 2, 1, 1, False),
    (1, (2, 3, 10), 2, None, 0, 2, True),
    (2, (2, 3, 7, 8), 2, None, 0, 1, False),
    (2, (2, 2, 9, 7), 3, 2, 1, 1, True),
    (2, (1, 2, 8, 8), (3, 2), (2, 1), (1, 1), (1, 2), False),
    (3, (2, 2, 5, 6, 5), 2, None, 0, 1, False),
    (3, (1, 2, 6, 5, 7), 3, 2, 1, 1, True),
]


def _data(shape, ties: bool) -> np.ndarray:
    rng = np.random.default_rng(len(shape))
    x = rng.standard_normal(shape)
    return np.round(x) if ties else x  # rounding makes many ties


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("case", CASES)
def test_indices_match_torch(case, ties) -> None:
    nd, shape, k, s, p, d, ceil = case
    x = _data(shape, ties)
    name = f"max_pool{nd}d"
    y, i = getattr(F, name)(dg.tensor(x), k, s, p, d, ceil, True)
    ty, ti = getattr(torch.nn.functional, name)(torch.tensor(x), k, s, p, d, ceil, True)
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    assert i.dtype == np.int64
    module = getattr(nn, f"MaxPool{nd}d")(k, s, p, d, True, ceil)  # torch's positions
    my, mi = module(dg.tensor(x[0]))  # unbatched
    np.testing.assert_array_equal(mi.numpy(), ti.numpy()[0])


def test_indices_with_nan_and_minus_infinity_match_torch() -> None:
    x = np.full((1, 1, 4, 4), -np.inf)
    x[0, 0, 0, 1] = np.nan
    x[0, 0, 3, 3] = 1.0
    y, i = F.max_pool2d(dg.tensor(x), 3, 1, 1, return_indices=True)
    ty, ti = torch.nn.functional.max_pool2d(torch.tensor(x), 3, 1, 1, return_indices=True)
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())


@pytest.mark.parametrize("case", CASES)
def test_windows_holding_several_nans_point_at_the_last_as_torch(case) -> None:
    """PyTorch's kernels keep ``val > max || isnan(val)``: the index and the gradient of a
    window holding NaN go to its last NaN (deepgrad's gradient used to be lost there)."""
    nd, shape, k, s, p, d, ceil = case
    x = _data(shape, False)
    x.reshape(-1)[np.random.default_rng(7).choice(x.size, x.size // 3, replace=False)] = np.nan
    name = f"max_pool{nd}d"
    xd, xt = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, i = getattr(F, name)(xd, k, s, p, d, ceil, True)
    ty, ti = getattr(torch.nn.functional, name)(xt, k, s, p, d, ceil, True)
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    g = np.random.default_rng(8).standard_normal(ty.shape)
    y.backward(dg.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES)
def test_minus_infinity_windows_send_the_gradient_where_torch_does(case, dtype) -> None:
    """A window whose maximum is -inf (masked inputs) under padding or ceil_mode: PyTorch
    gives its gradient to the window's first position inside the input; deepgrad's gradient
    (without ``return_indices``) used to go to the padding, and be lost."""
    nd, shape, k, s, p, d, ceil = case
    x = _data(shape, True).astype(dtype)
    x.reshape(-1)[np.random.default_rng(9).random(x.size) < 0.7] = -np.inf
    name = f"max_pool{nd}d"
    xd, xt = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y = getattr(F, name)(xd, k, s, p, d, ceil)
    ty = getattr(torch.nn.functional, name)(xt, k, s, p, d, ceil)
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    g = np.random.default_rng(8).standard_normal(ty.shape).astype(dtype)
    y.backward(dg.tensor(g))
    ty.backward(torch.tensor(g))
    tol = 1e-6 if dtype == np.float32 else 0  # overlapping windows sum in another order
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("case", CASES)
def test_unpool_matches_torch_with_gradient(case) -> None:
    nd, shape, k, s, p, d, ceil = case
    if d not in (1, (1, 1)) or ceil:
        pytest.skip("PyTorch's default unpool size assumes dilation 1 and floor mode")
    x = _data(shape, False)
    y, i = getattr(F, f"max_pool{nd}d")(dg.tensor(x), k, s, p, return_indices=True)
    ty, ti = getattr(torch.nn.functional, f"max_pool{nd}d")(
        torch.tensor(x), k, s, p, return_indices=True
    )
    yd = dg.tensor(y.numpy(), requires_grad=True)
    yt = torch.tensor(ty.numpy(), requires_grad=True)
    out = getattr(F, f"max_unpool{nd}d")(yd, i, k, s, p, output_size=shape[2:])
    tout = getattr(torch.nn.functional, f"max_unpool{nd}d")(yt, ti, k, s, p, output_size=shape[2:])
    np.testing.assert_array_equal(out.numpy(), tout.detach().numpy())
    w = np.random.default_rng(0).standard_normal(out.shape)
    (out * dg.tensor(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(yd.grad.numpy(), yt.grad.numpy(), rtol=1e-12)
    module = getattr(nn, f"MaxUnpool{nd}d")(k, s, p)
    np.testing.assert_array_equal(module(y, i, shape[2:]).numpy(), tout.detach().numpy())


def test_unpool_gradcheck_and_errors() -> None:
    x = np.random.default_rng(1).standard_normal((1, 2, 4, 4))
    y, i = F.max_pool2d(dg.tensor(x), 2, return_indices=True)
    yd = dg.tensor(y.numpy(), requires_grad=True)
    assert dg.gradcheck(lambda a: F.max_unpool2d(a, i, 2), (yd,))
    with pytest.raises(ValueError, match="indices must be integers"):
        F.max_unpool2d(y, dg.tensor(i.numpy()[..., :1]), 2)
    with pytest.raises(ValueError, match="output_size"):
        F.max_unpool2d(y, i, 2, output_size=(9, 9))


@pytest.mark.parametrize(
    "name, args",
    [
        ("max_pool1d_with_indices", (3, 2, 1)),
        ("max_pool2d_with_indices", ((2, 3), 1)),
        ("max_pool3d_with_indices", (2,)),
        ("adaptive_max_pool1d_with_indices", (3,)),
        ("adaptive_max_pool2d_with_indices", ((2, 3),)),
        ("adaptive_max_pool3d_with_indices", (2,)),
    ],
)
def test_with_indices_names_always_return_indices_as_torch(name, args) -> None:
    nd = int(name.split("pool")[1][0])
    x = np.random.default_rng(nd).standard_normal((2, 3, *(5,) * nd))
    y, i = getattr(F, name)(dg.tensor(x), *args)
    ty, ti = getattr(torch.nn.functional, name)(torch.tensor(x), *args)
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
