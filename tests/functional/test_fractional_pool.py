"""fractional_max_pool2d/3d and nn.FractionalMaxPool2d/3d: with PyTorch's ``_random_samples``
the same values, indices and input gradients as PyTorch (float64, float32, float16 window
arithmetic; output_size and output_ratio; unbatched, empty batch, size-1 kernels and outputs;
NaN windows), float64 gradient checks, draws from deepgrad's seeded generator, and errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.functional as F
from deepgrad import nn

CASES = [  # (nd, input shape, kernel_size, output_size, output_ratio)
    (2, (2, 3, 7, 9), (2, 3), (4, 5), None),
    (2, (2, 3, 17, 13), 3, None, (0.5, 0.7)),
    (2, (3, 10, 10), 2, 5, None),  # unbatched
    (2, (0, 3, 7, 9), 2, 3, None),  # empty batch
    (2, (2, 3, 5, 5), 1, 5, None),  # 1x1 kernel, output = input
    (2, (2, 3, 5, 5), 5, 1, None),  # one window covering the plane
    (2, (1, 1, 1, 6), (1, 2), (1, 3), None),  # size-1 axis
    (3, (2, 2, 9, 8, 7), 2, (4, 3, 5), None),
    (3, (2, 9, 8, 7), (3, 2, 2), None, (0.5, 0.5, 0.5)),  # unbatched
]


def _run(lib, fn, x, case, u, dtype):
    nd, _, k, out, ratio = case
    xt = lib.tensor(x, requires_grad=True)
    y, i = fn(xt, k, out, ratio, True, _random_samples=lib.tensor(u))
    g = np.random.default_rng(3).standard_normal(tuple(y.shape)).astype(dtype)
    y.backward(lib.tensor(g))
    return y.detach().numpy(), i.numpy(), xt.grad.numpy()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES)
def test_matches_torch_given_the_samples(torch, case, dtype):
    nd, shape, *_ = case
    rng = np.random.default_rng(len(shape) + shape[-1])
    for _ in range(3):  # several draws of the windows
        x = rng.standard_normal(shape).astype(dtype)
        n = 1 if len(shape) == nd + 1 else shape[0]
        u = rng.random((n, shape[-nd - 1], nd)).astype(dtype)
        name = f"fractional_max_pool{nd}d"
        ours = _run(dg, getattr(F, name), x, case, u, dtype)
        theirs = _run(torch, getattr(torch.nn.functional, name), x, case, u, dtype)
        np.testing.assert_array_equal(ours[1], theirs[1])
        assert ours[1].dtype == np.int64
        np.testing.assert_array_equal(ours[0], theirs[0])
        np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_window_arithmetic_is_torchs_in_low_precision(torch, dtype):
    """The steps are computed in the input's type, rounded as PyTorch's kernels round them:
    long axes show any difference in the rounding."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 16, 3, 997)).astype(dtype)
    u = rng.random((4, 16, 2)).astype(dtype)
    _, i = F.fractional_max_pool2d(dg.tensor(x), (2, 3), (2, 331), None, True, dg.tensor(u))
    _, ti = torch.nn.functional.fractional_max_pool2d(
        torch.tensor(x), (2, 3), (2, 331), None, True, torch.tensor(u)
    )
    np.testing.assert_array_equal(i.numpy(), ti.numpy())


def test_nan_windows_as_torch(torch):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 9, 9))
    x.reshape(-1)[rng.choice(x.size, 60, replace=False)] = np.nan
    u = rng.random((2, 3, 2))
    case = (2, x.shape, 3, (4, 4), None)
    ours = _run(dg, F.fractional_max_pool2d, x, case, u, np.float64)
    theirs = _run(torch, torch.nn.functional.fractional_max_pool2d, x, case, u, np.float64)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("nd", [2, 3])
def test_gradcheck(nd):
    rng = np.random.default_rng(0)
    x = dg.tensor(rng.standard_normal((2, 2, *([6] * nd))), requires_grad=True)
    u = dg.tensor(rng.random((2, 2, nd)))
    fn = getattr(F, f"fractional_max_pool{nd}d")
    assert dg.gradcheck(lambda t: fn(t, 2, 4, _random_samples=u), x)

    def first(t):  # second order
        (g,) = dg.grad((fn(t, 2, 4, _random_samples=u) ** 3).sum(), [t], create_graph=True)
        return (g * g).sum()

    assert dg.gradcheck(first, x)


def test_samples_come_from_deepgrads_generator():
    x = dg.randn(2, 3, 11, 11)  # steps of 9/4: the draws decide the windows
    dg.manual_seed(5)
    a = F.fractional_max_pool2d(x, 2, output_ratio=0.5, return_indices=True)[1]
    b = F.fractional_max_pool2d(x, 2, output_ratio=0.5, return_indices=True)[1]
    dg.manual_seed(5)
    c = F.fractional_max_pool2d(x, 2, output_ratio=0.5, return_indices=True)[1]
    np.testing.assert_array_equal(a.numpy(), c.numpy())
    assert not np.array_equal(a.numpy(), b.numpy())  # new windows each call
    assert a.shape == (2, 3, 5, 5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_seeded_draws_are_torchs(torch, dtype):
    """Without ``_random_samples`` the windows come from ``rand(N, C, nd)`` in the input's
    dtype: the same seed gives PyTorch's windows, and the generator moves as PyTorch's."""
    rng = np.random.default_rng(0)
    a2 = rng.standard_normal((2, 3, 9, 9)).astype(dtype)
    a3 = rng.standard_normal((2, 2, 6, 7, 5)).astype(dtype)
    got = []
    for lib in (dg, torch):
        lib.manual_seed(7)
        y, i = lib.nn.functional.fractional_max_pool2d(
            lib.tensor(a2), 2, (5, 4), return_indices=True
        )
        y3, i3 = lib.nn.functional.fractional_max_pool3d(
            lib.tensor(a3), 2, output_ratio=(0.5, 0.6, 0.7), return_indices=True
        )
        u = lib.nn.FractionalMaxPool2d(3, output_ratio=0.5)(lib.tensor(a2[0]))
        got.append([t.numpy() for t in (y, i, y3, i3, u, lib.rand(3))])
    for a, b in zip(*got, strict=True):
        np.testing.assert_array_equal(a, b)


def test_layers_match_torch_and_keep_their_samples(torch, tmp_path):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 8, 7, 9))
    u = rng.random((2, 3, 3))
    layer = nn.FractionalMaxPool3d((2, 3, 2), output_size=(3, 4, 5), return_indices=True,
                                   _random_samples=dg.tensor(u))  # fmt: skip
    tlayer = torch.nn.FractionalMaxPool3d((2, 3, 2), output_size=(3, 4, 5), return_indices=True,
                                          _random_samples=torch.tensor(u))  # fmt: skip
    (y, i), (ty, ti) = layer(dg.tensor(x)), tlayer(torch.tensor(x))
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    assert list(layer.state_dict()) == list(tlayer.state_dict()) == ["_random_samples"]
    assert repr(layer) == repr(tlayer) == "FractionalMaxPool3d()"
    again = dg.io.module_from_config(dg.io.module_to_config(layer))
    np.testing.assert_array_equal(again(dg.tensor(x))[1].numpy(), ti.numpy())
    m2 = nn.FractionalMaxPool2d(3, output_ratio=0.5)
    assert (m2.kernel_size, m2.output_size, m2.output_ratio) == ((3, 3), None, (0.5, 0.5))
    assert m2(dg.zeros(2, 4, 10, 9)).shape == (2, 4, 5, 4)
    assert list(m2.state_dict()) == []


def test_errors_name_what_was_expected():
    x = dg.zeros(2, 3, 7, 9)
    u = dg.tensor(np.random.default_rng(0).random((2, 3, 2)).astype(np.float32))
    with pytest.raises(ValueError, match="requires specifying either an output_size or an"):
        F.fractional_max_pool2d(x, 2)
    with pytest.raises(ValueError, match="output height 4 with kernel height 5 needs an input"):
        F.fractional_max_pool2d(x, 5, (4, 5), _random_samples=u)
    with pytest.raises(
        ValueError, match=r"_random_samples must have shape \(N', C, 2\).*\(2, 3, 3\)"
    ):
        F.fractional_max_pool2d(x, 2, 3, _random_samples=dg.zeros(2, 3, 3))
    with pytest.raises(ValueError, match=r"batch size 2 .*got \(1, 3, 2\)"):
        F.fractional_max_pool2d(x, 2, 3, _random_samples=dg.zeros(1, 3, 2))
    with pytest.raises(TypeError, match="_random_samples must have the input's dtype float32"):
        F.fractional_max_pool2d(x, 2, 3, _random_samples=dg.zeros(2, 3, 2, dtype=dg.float64))
    with pytest.raises(ValueError, match="output_ratio must be a number or a tuple of 2"):
        F.fractional_max_pool2d(x, 2, output_ratio=(0.5, 0.5, 0.5))
    with pytest.raises(ValueError, match=r"fractional_max_pool2d: expected a 4-D input.*\(7, 9\)"):
        F.fractional_max_pool2d(dg.zeros(7, 9), 2, 3)
    with pytest.raises(ValueError, match=r"fractional_max_pool3d: expected a 5-D input"):
        F.fractional_max_pool3d(dg.zeros(3, 7, 9), 2, 3)
    with pytest.raises(TypeError, match="expected a floating input"):
        F.fractional_max_pool2d(dg.zeros(2, 3, 7, 9, dtype=dg.int64), 2, 3)
    with pytest.raises(ValueError, match="non-empty channel and pooled axes"):
        F.fractional_max_pool2d(dg.zeros(2, 0, 7, 9), 2, 3)
    with pytest.raises(ValueError, match="kernel_size must be positive"):
        F.fractional_max_pool2d(x, 0, 3)
    with pytest.raises(ValueError, match="output_size must be greater than or equal to 0"):
        F.fractional_max_pool2d(x, 2, -1)
    with pytest.raises(ValueError, match=r"output_ratio must be between 0 and 1 \(got 1.0\)"):
        nn.FractionalMaxPool2d(2, output_ratio=1.0)
    with pytest.raises(ValueError, match="only one of output_size and output_ratio"):
        nn.FractionalMaxPool2d(2, output_size=2, output_ratio=0.5)
    with pytest.raises(ValueError, match="FractionalMaxPool3d requires specifying either"):
        nn.FractionalMaxPool3d(2)


@pytest.mark.parametrize("nd", [2, 3])
def test_with_indices_names_return_indices_as_torch(torch, nd):
    rng = np.random.default_rng(nd)
    x, u = rng.standard_normal((2, 3, *(7,) * nd)), rng.random((2, 3, nd))
    name = f"fractional_max_pool{nd}d_with_indices"
    y, i = getattr(F, name)(dg.tensor(x), 2, 4, _random_samples=dg.tensor(u))
    ty, ti = getattr(torch.nn.functional, name)(
        torch.tensor(x), 2, 4, _random_samples=torch.tensor(u)
    )
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    np.testing.assert_array_equal(y.numpy(), ty.numpy())


@pytest.mark.parametrize("nd, out", [(2, 0), (2, (0, 3)), (3, (2, 0, 1))])
def test_zero_output_size_as_torch(torch, nd, out):
    """A 0 in output_size (or a ratio that floors to 0): PyTorch's empty output and int64
    indices; the input's gradient is zeros, as PyTorch's."""
    shape = (2, 3, 7, 9, 5)[: nd + 2]
    name = f"fractional_max_pool{nd}d"
    x = dg.randn(*shape, requires_grad=True)
    y, i = getattr(F, name)(x, 2, out, return_indices=True)
    xt = torch.randn(*shape, requires_grad=True)
    yt, it = getattr(torch.nn.functional, name)(xt, 2, out, return_indices=True)
    assert y.shape == tuple(yt.shape) and i.shape == tuple(it.shape) and i.dtype == dg.int64
    y.sum().backward()
    yt.sum().backward()
    assert x.grad.shape == shape and not x.grad.numpy().any() and not xt.grad.any()
    r = F.fractional_max_pool2d(dg.randn(1, 1, 7, 9), 2, output_ratio=(0.1, 0.5))
    assert r.shape == (1, 1, 0, 4)
