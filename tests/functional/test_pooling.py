"""max_pool2d / avg_pool2d / adaptive_avg_pool2d / 1-D pooling / interpolate and MaxPool2d,
AvgPool2d, AdaptiveAvgPool2d, MaxPool1d, AvgPool1d, Upsample: shapes, float64 gradient checks
(first and second order), equality with PyTorch (outputs and input gradients, ties included),
dtypes and errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.functional as F
from deepgrad import nn


def _t(rng, *shape, grad=True, dtype=np.float64):
    return dg.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=grad)


def _compare(torch, fn_dg, fn_t, x, rtol=1e-6):
    rng = np.random.default_rng(1)
    xt = torch.tensor(x, requires_grad=True)
    xd = dg.tensor(x, requires_grad=True)
    yt, yd = fn_t(xt), fn_dg(xd)
    assert yd.shape == tuple(yt.shape)
    assert yd.dtype == x.dtype
    np.testing.assert_allclose(yd.numpy(), yt.detach().numpy(), rtol=rtol, atol=rtol)
    g = rng.standard_normal(yd.shape).astype(x.dtype)
    yt.backward(torch.tensor(g))
    yd.backward(dg.tensor(g))
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=rtol, atol=rtol)


MAX_CASES = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2},
    {"kernel_size": 3, "stride": 1, "padding": 1},
    {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 0), "dilation": (1, 2)},
    {"kernel_size": 3, "stride": 2, "ceil_mode": True},
    {"kernel_size": 2, "stride": 2, "padding": 1, "ceil_mode": True},
    {"kernel_size": 3, "stride": 3, "dilation": 2},
    {"kernel_size": 1},
    # stride beyond the kernel: rows/columns between windows get no gradient (they were left
    # uninitialised once, where the strided windows' ends met the input's)
    {"kernel_size": 2, "stride": (3, 2)},
    {"kernel_size": 2, "stride": 3, "padding": 1},
]


# ---- max pooling -------------------------------------------------------------------------------
@pytest.mark.parametrize("kw", MAX_CASES)
@pytest.mark.parametrize("ties", [False, True])
def test_max_pool2d_matches_torch(torch, rng, kw, ties):
    x = rng.standard_normal((2, 3, 9, 10)).astype(np.float32)
    if ties:  # few distinct values: many windows hold their maximum more than once
        x = np.round(x).astype(np.float32)
    _compare(
        torch, lambda x: F.max_pool2d(x, **kw), lambda x: torch.nn.functional.max_pool2d(x, **kw), x
    )


def test_max_pool2d_after_relu_ties_at_zero(torch, rng):
    """All-zero windows (ReLU output): the gradient goes to the first tap only, as in PyTorch."""
    x = np.maximum(rng.standard_normal((2, 4, 8, 8)), 0).astype(np.float32)
    x[:, :, :4, :4] = 0
    _compare(torch, lambda x: F.max_pool2d(x, 2), lambda x: torch.nn.functional.max_pool2d(x, 2), x)


@pytest.mark.parametrize("kw", [{"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1},
                                {"kernel_size": 3, "stride": 1, "ceil_mode": True}])  # fmt: skip
def test_max_pool2d_gradcheck(rng, kw):
    x = _t(rng, 2, 2, 5, 6)
    dg.gradcheck(lambda x: F.max_pool2d(x, **kw), x)


def test_max_pool2d_double_backward(rng):
    x = _t(rng, 2, 2, 5, 6)

    def first(x):
        y = F.max_pool2d(x, 3, 2, 1)
        (g,) = dg.grad((y**3).sum(), [x], create_graph=True)
        return (g * g).sum()

    dg.gradcheck(first, x)


def test_max_pool2d_shapes():
    x = dg.zeros(2, 3, 28, 28)
    assert F.max_pool2d(x, 2).shape == (2, 3, 14, 14)
    assert F.max_pool2d(dg.zeros(2, 3, 7, 7), 2).shape == (2, 3, 3, 3)
    assert F.max_pool2d(dg.zeros(2, 3, 7, 7), 2, ceil_mode=True).shape == (2, 3, 4, 4)
    assert F.max_pool2d(x, 3, 2, 1).shape == (2, 3, 14, 14)
    assert F.max_pool2d(x, (2, 4)).shape == (2, 3, 14, 7)


# ---- average pooling ---------------------------------------------------------------------------
AVG_CASES = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2},
    {"kernel_size": 3, "stride": 1, "padding": 1},
    {"kernel_size": 3, "stride": 1, "padding": 1, "count_include_pad": False},
    {"kernel_size": 3, "stride": 2, "ceil_mode": True},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False},
    {"kernel_size": (2, 4), "stride": (1, 3), "padding": (1, 2), "ceil_mode": True},
    {"kernel_size": 2, "divisor_override": 3},
]


@pytest.mark.parametrize("kw", AVG_CASES)
def test_avg_pool2d_matches_torch(torch, rng, kw):
    x = rng.standard_normal((2, 3, 9, 10)).astype(np.float32)
    _compare(
        torch, lambda x: F.avg_pool2d(x, **kw), lambda x: torch.nn.functional.avg_pool2d(x, **kw), x
    )


@pytest.mark.parametrize("kw", AVG_CASES[::2])
def test_avg_pool2d_gradcheck_and_double_backward(rng, kw):
    x = _t(rng, 2, 2, 5, 6)
    dg.gradcheck(lambda x: F.avg_pool2d(x, **kw), x)

    def first(x):
        (g,) = dg.grad((F.avg_pool2d(x, **kw) ** 3).sum(), [x], create_graph=True)
        return (g * g * x).sum()

    dg.gradcheck(first, x)


# ---- adaptive and global pooling ---------------------------------------------------------------
@pytest.mark.parametrize("out", [1, (3, 5), (4, 5), (None, 3), (9, 10), (2, 7), (6, 4)])
def test_adaptive_avg_pool2d_matches_torch(torch, rng, out):
    x = rng.standard_normal((2, 3, 9, 10)).astype(np.float32)
    _compare(
        torch,
        lambda x: F.adaptive_avg_pool2d(x, out),
        lambda x: torch.nn.functional.adaptive_avg_pool2d(x, out),
        x,
    )


def test_adaptive_avg_pool2d_gradcheck(rng):
    x = _t(rng, 2, 2, 5, 7)
    for out in (1, (2, 3), (5, 1)):
        dg.gradcheck(lambda x, out=out: F.adaptive_avg_pool2d(x, out), x)


# ---- 1-D ---------------------------------------------------------------------------------------
def test_pool1d_matches_torch(torch, rng):
    x = rng.standard_normal((2, 3, 11)).astype(np.float32)
    _compare(
        torch,
        lambda x: F.max_pool1d(x, 3, 2, 1),
        lambda x: torch.nn.functional.max_pool1d(x, 3, 2, 1),
        x,
    )
    _compare(
        torch,
        lambda x: F.avg_pool1d(x, 3, 2, 1),
        lambda x: torch.nn.functional.avg_pool1d(x, 3, 2, 1),
        x,
    )
    _compare(torch, lambda x: nn.MaxPool1d(2)(x), lambda x: torch.nn.MaxPool1d(2)(x), x)
    _compare(torch, lambda x: nn.AvgPool1d(4, 2)(x), lambda x: torch.nn.AvgPool1d(4, 2)(x), x)


# ---- interpolate / Upsample --------------------------------------------------------------------
@pytest.mark.parametrize(
    "kw",
    [
        {"scale_factor": 2},
        {"scale_factor": (2, 3)},
        {"size": (7, 9)},
        {"size": (3, 4)},
        {"scale_factor": 1.5},
        {"scale_factor": 2, "mode": "bilinear"},
        {"scale_factor": 2, "mode": "bilinear", "align_corners": True},
        {"size": (7, 3), "mode": "bilinear"},
        {"size": (7, 3), "mode": "bilinear", "align_corners": True},
        {"scale_factor": 0.5, "mode": "bilinear"},
        {"size": 1, "mode": "bilinear", "align_corners": True},
    ],
)
def test_interpolate_matches_torch(torch, rng, kw):
    x = rng.standard_normal((2, 3, 5, 6)).astype(np.float32)
    _compare(torch, lambda x: F.interpolate(x, **kw), lambda x: torch.nn.functional.interpolate(x, **kw),
             x, rtol=2e-6)  # fmt: skip


def test_interpolate_1d_and_upsample_layer(torch, rng):
    x = rng.standard_normal((2, 3, 5)).astype(np.float32)
    for kw in (
        {"scale_factor": 2},
        {"size": 7, "mode": "linear"},
        {"scale_factor": 3, "mode": "linear", "align_corners": True},
    ):
        _compare(torch, lambda x, kw=kw: F.interpolate(x, **kw),
                 lambda x, kw=kw: torch.nn.functional.interpolate(x, **kw), x, rtol=2e-6)  # fmt: skip
    x4 = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)
    for kw in (
        {"scale_factor": 2},
        {"scale_factor": 2, "mode": "bilinear", "align_corners": False},
    ):
        _compare(torch, lambda x, kw=kw: nn.Upsample(**kw)(x), lambda x, kw=kw: torch.nn.Upsample(**kw)(x),
                 x4, rtol=2e-6)  # fmt: skip


def test_interpolate_gradcheck(rng):
    x = _t(rng, 2, 2, 3, 4)
    assert dg.gradcheck(lambda x: F.interpolate(x, scale_factor=2), x)
    assert dg.gradcheck(lambda x: F.interpolate(x, size=(5, 3), mode="bilinear"), x)
    assert dg.gradcheck(
        lambda x: F.interpolate(x, size=(4, 7), mode="bilinear", align_corners=True), x
    )
    assert dg.gradcheck(lambda x: F.interpolate(x, size=(5, 7), mode="bicubic"), x)
    assert dg.gradcheck(lambda x: F.interpolate(x, size=(2, 3), mode="area"), x)
    x5 = _t(rng, 1, 2, 3, 2, 3)
    assert dg.gradcheck(lambda x: F.interpolate(x, scale_factor=1.5, mode="trilinear"), x5)


def _interpolate_cases():
    for shape in ((2, 3, 7), (2, 3, 6, 5), (1, 2, 4, 5, 3)):
        nd = len(shape) - 2
        linear = {1: "linear", 2: "bilinear", 3: "trilinear"}[nd]
        for mode in ("nearest", "nearest-exact", "area", linear, "bicubic"):
            if mode == "bicubic" and nd != 2:
                continue
            aligns = [None] if mode in ("nearest", "nearest-exact", "area") else [False, True]
            for align in aligns:
                for kw in ({"size": tuple(2 * s + 1 for s in shape[2:])}, {"scale_factor": 0.6},
                           {"scale_factor": 1.7}, {"size": (1,) * nd}):  # fmt: skip
                    yield shape, mode, align, kw


@pytest.mark.parametrize("shape, mode, align, kw", list(_interpolate_cases()))
def test_interpolate_every_mode_matches_torch(torch, shape, mode, align, kw):
    """nearest-exact, area, trilinear (5-D) and bicubic as well as the others: values and
    gradients in float64, up- and downsampling, a size of 1, both align_corners."""
    x = np.random.default_rng(len(shape)).standard_normal(shape)
    _compare(torch, lambda x: F.interpolate(x, mode=mode, align_corners=align, **kw),
             lambda x: torch.nn.functional.interpolate(x, mode=mode, align_corners=align, **kw),
             x, rtol=1e-10)  # fmt: skip


# ---- layers ------------------------------------------------------------------------------------
def test_pool_layers_match_torch(torch, rng):
    x = rng.standard_normal((2, 3, 9, 10)).astype(np.float32)
    pairs = [
        (nn.MaxPool2d(2), torch.nn.MaxPool2d(2)),
        (nn.MaxPool2d(3, 2, 1, ceil_mode=True), torch.nn.MaxPool2d(3, 2, 1, ceil_mode=True)),
        (
            nn.AvgPool2d(3, 2, 1, count_include_pad=False),
            torch.nn.AvgPool2d(3, 2, 1, count_include_pad=False),
        ),
        (nn.AdaptiveAvgPool2d(1), torch.nn.AdaptiveAvgPool2d(1)),
        (nn.AdaptiveAvgPool2d((3, 4)), torch.nn.AdaptiveAvgPool2d((3, 4))),
    ]
    for ours, theirs in pairs:
        _compare(torch, ours, theirs, x)
        assert list(ours.parameters()) == []


def test_pool_layer_gradcheck_and_repr(rng):
    x = _t(rng, 2, 2, 6, 6)
    for layer in (
        nn.MaxPool2d(2),
        nn.AvgPool2d(3, 1, 1),
        nn.AdaptiveAvgPool2d(2),
        nn.Upsample(scale_factor=2),
    ):
        dg.gradcheck(layer, x)
    assert "kernel_size=2" in repr(nn.MaxPool2d(2))
    assert nn.MaxPool2d(3).get_config() == {"kernel_size": 3}


def test_cnn_stack_shapes_and_dtype():
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 10),
    )  # fmt: skip
    y = model(dg.zeros(4, 1, 28, 28))
    assert y.shape == (4, 10) and y.dtype == np.float32


@pytest.mark.parametrize("f", [lambda x: F.max_pool2d(x, 2), lambda x: F.avg_pool2d(x, 3, 1, 1),
                               lambda x: F.adaptive_avg_pool2d(x, 3), lambda x: F.interpolate(x, scale_factor=2),
                               lambda x: F.interpolate(x, scale_factor=1.5, mode="bilinear")])  # fmt: skip
def test_float32_stays_float32(rng, f):
    x = _t(rng, 2, 3, 6, 6, dtype=np.float32)
    y = f(x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


# ---- errors ------------------------------------------------------------------------------------
def test_errors():
    with pytest.raises(
        ValueError, match=r"MaxPool2d\(kernel_size=5\).*kernel size 5.*larger than the padded input"
    ):
        nn.MaxPool2d(5)(dg.zeros(1, 1, 4, 4))
    with pytest.raises(ValueError, match="4-D input"):
        F.max_pool2d(dg.zeros(4, 4), 2)
    with pytest.raises(ValueError, match="at most half"):
        F.max_pool2d(dg.zeros(1, 1, 8, 8), 2, padding=2)
    with pytest.raises(ValueError, match=r"AvgPool2d\(kernel_size=3\).*larger"):
        nn.AvgPool2d(3)(dg.zeros(1, 1, 2, 2))
    with pytest.raises(ValueError, match="exactly one of size and scale_factor"):
        F.interpolate(dg.zeros(1, 1, 4, 4))
    with pytest.raises(ValueError, match="mode 'bilinear' is not supported for a 3-D input"):
        F.interpolate(dg.zeros(1, 1, 4), scale_factor=2, mode="bilinear")
    with pytest.raises(ValueError, match="align_corners"):
        F.interpolate(dg.zeros(1, 1, 4, 4), scale_factor=2, align_corners=True)
    with pytest.raises(ValueError, match="exactly one"):
        nn.Upsample()
    with pytest.raises(ValueError, match="output_size must be greater than or equal to 0"):
        F.adaptive_avg_pool2d(dg.zeros(1, 1, 4, 4), -1)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "expr",
    ["F.avg_pool2d(x, 3, 2, 1)", "F.avg_pool2d(x, 3, 2, 1, count_include_pad=False)",
     "F.avg_pool2d(x, 3, 2, 1, ceil_mode=True)", "F.avg_pool2d(x, 3, 1)",
     "F.avg_pool2d(x, 3, divisor_override=5)", "F.avg_pool2d(x, (3, 2), (1, 2), (1, 0))",
     "F.avg_pool1d(x[0], 3, 1)"],
)  # fmt: skip
def test_average_pooling_is_torchs_bit_for_bit(expr, dtype):
    """Window sums divided by the divisor (times its reciprocal differed in the last bit
    wherever it is not a power of two), and overlapping windows' gradients added in the
    windows' row-major order, as PyTorch's kernels."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 10, 12)).astype(dtype)
    out = []
    for lib in (torch, dg):
        xx = lib.tensor(x, requires_grad=True)
        y = eval(expr, {"x": xx, "F": lib.nn.functional})  # noqa: S307
        gy = np.linspace(0.5, 1.5, y.numel()).reshape(tuple(y.shape)).astype(dtype)
        (g,) = lib.autograd.grad(y, xx, lib.tensor(gy))
        out.append((y.detach().numpy(), g.numpy()))
    np.testing.assert_array_equal(out[1][0], out[0][0])
    np.testing.assert_array_equal(out[1][1], out[0][1])
