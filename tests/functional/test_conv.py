"""conv1d / conv2d / conv_transpose1d / conv_transpose2d and Conv1d, Conv2d, ConvTranspose1d,
ConvTranspose2d: output shapes over the options, float64 gradient checks (first and second
order), equality with PyTorch (outputs and every gradient) in both column layouts, dtypes,
initialization and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.functional as F
import deepgrad.functional.conv as conv_mod
from deepgrad import nn

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")


@pytest.fixture(params=["batch_major", "one_gemm"])
def layout(request, monkeypatch):
    """Run a test with batch-major columns (one GEMM per sample) and with one GEMM over the
    batch: both paths must give the same numbers."""
    monkeypatch.setattr(
        conv_mod, "BATCH_MAJOR_BELOW_K", 10**9 if request.param == "batch_major" else 0
    )
    if request.param != "batch_major":
        monkeypatch.setattr(conv_mod, "BATCH_MAJOR_MAX_K", 0)
    return request.param


def _t(rng, *shape, grad=True, dtype=np.float64):
    return dg.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=grad)


def _out(n, k, s=1, p=0, d=1):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


# ---- shapes ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "hw, k, kw",
    [
        ((9, 10), 3, {}),
        ((9, 10), 3, {"padding": 1}),
        ((9, 10), 3, {"stride": 2}),
        ((9, 10), 3, {"stride": 2, "padding": 1}),
        ((9, 10), (3, 2), {"stride": (2, 1), "padding": (1, 0)}),
        ((9, 10), 3, {"dilation": 2}),
        ((9, 10), 3, {"dilation": (2, 1), "padding": 2}),
        ((7, 7), 1, {}),
        ((7, 7), 1, {"stride": 2}),
        ((11, 13), 5, {"stride": 3, "padding": 2}),
        ((9, 10), 3, {"padding": "same"}),
        ((9, 10), 4, {"padding": "same", "dilation": 3}),
        ((9, 10), (2, 5), {"padding": "same"}),
        ((9, 10), 3, {"padding": "valid"}),
    ],
)
def test_conv2d_output_shape(rng, layout, hw, k, kw):
    x = _t(rng, 2, 4, *hw, grad=False, dtype=np.float32)
    kh, kk = (k, k) if isinstance(k, int) else k
    w = _t(rng, 6, 4, kh, kk, grad=False, dtype=np.float32)
    y = F.conv2d(x, w, **kw)
    if kw.get("padding") == "same":
        assert y.shape == (2, 6, *hw)
    else:
        s = kw.get("stride", 1)
        p = 0 if kw.get("padding") == "valid" else kw.get("padding", 0)
        d = kw.get("dilation", 1)
        pair = lambda v: v if isinstance(v, tuple) else (v, v)  # noqa: E731
        (sh, sw), (ph, pw), (dh, dw) = pair(s), pair(p), pair(d)
        assert y.shape == (2, 6, _out(hw[0], kh, sh, ph, dh), _out(hw[1], kk, sw, pw, dw))
    assert y.dtype == np.float32


def test_conv1d_and_transposed_shapes(rng):
    x = _t(rng, 2, 3, 11, grad=False)
    assert F.conv1d(x, _t(rng, 5, 3, 3, grad=False)).shape == (2, 5, 9)
    assert F.conv1d(x, _t(rng, 5, 3, 3, grad=False), stride=2, padding=1).shape == (2, 5, 6)
    assert F.conv1d(x, _t(rng, 6, 1, 4, grad=False), padding="same", groups=3).shape == (2, 6, 11)
    assert F.conv_transpose1d(x, _t(rng, 3, 4, 3, grad=False), stride=2).shape == (2, 4, 23)
    x2 = _t(rng, 2, 4, 5, 6, grad=False)
    y = F.conv_transpose2d(
        x2, _t(rng, 4, 3, 3, 3, grad=False), stride=2, padding=1, output_padding=1
    )
    assert y.shape == (2, 3, 10, 12)


# ---- gradient checks ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "cin, cout, k, kw",
    [
        (2, 3, 3, {}),
        (2, 3, 3, {"padding": 1}),
        (2, 2, 3, {"stride": 2, "padding": 1}),
        (4, 4, (2, 3), {"stride": (1, 2), "dilation": (2, 1), "groups": 2}),
        (2, 3, 1, {}),
        (3, 3, 2, {"padding": "same", "groups": 3}),
    ],
)
def test_conv2d_gradcheck(rng, layout, cin, cout, k, kw):
    kh, kk = (k, k) if isinstance(k, int) else k
    x = _t(rng, 2, cin, 5, 6)
    w = _t(rng, cout, cin // kw.get("groups", 1), kh, kk)
    b = _t(rng, cout)
    dg.gradcheck(lambda x, w, b: F.conv2d(x, w, b, **kw), x, w, b)


@pytest.mark.parametrize(
    "kw", [{}, {"stride": 2, "padding": 1, "output_padding": 1}, {"groups": 2, "dilation": 2}]
)
def test_conv_transpose2d_gradcheck(rng, layout, kw):
    x = _t(rng, 2, 4, 3, 4)
    w = _t(rng, 4, 2, 3, 2)
    b = _t(rng, 2 * kw.get("groups", 1))
    dg.gradcheck(lambda x, w, b: F.conv_transpose2d(x, w, b, **kw), x, w, b)


def test_conv1d_gradcheck(rng):
    x, w, b = _t(rng, 2, 2, 7), _t(rng, 3, 2, 3), _t(rng, 3)
    dg.gradcheck(lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1), x, w, b)
    dg.gradcheck(lambda x, w, b: F.conv_transpose1d(x, w.transpose(1, 0, 2), None, 2), x, w, b)


@pytest.mark.parametrize("transposed", [False, True])
def test_conv_double_backward(rng, layout, transposed):
    """Second derivatives through the three bilinear operations (conv, its input and weight
    gradients) against central differences."""
    x = _t(rng, 2, 2, 4, 4)
    w = _t(rng, 2, 2, 3, 3)
    b = _t(rng, 2)
    f = F.conv_transpose2d if transposed else F.conv2d
    kw = {"stride": 2, "padding": 1, "output_padding": 1} if transposed else {"padding": 1}

    def first(x, w, b):
        y = f(x, w, b, **kw)
        gx, gw, gb = dg.grad((y * y * y).sum(), [x, w, b], create_graph=True)
        return (gx * gx).sum() + (gw * gw * gw).sum() + (gb * gb).sum()

    dg.gradcheck(first, x, w, b, rtol=1e-3, atol=1e-4)


# ---- against PyTorch ---------------------------------------------------------------------------
def _close(actual, desired, rtol=1e-5):
    """float32 comparison relative to the array's scale (sums of many products)."""
    scale = max(1.0, float(np.abs(desired).max()))
    np.testing.assert_allclose(actual, desired, rtol=rtol, atol=rtol * scale)


def _compare(torch, fn_dg, fn_t, arrays, rtol=1e-5):
    rng = np.random.default_rng(1)
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    ds = [dg.tensor(a, requires_grad=True) for a in arrays]
    yt = fn_t(*ts)
    yd = fn_dg(*ds)
    assert yd.shape == tuple(yt.shape)
    assert yd.dtype == arrays[0].dtype
    _close(yd.numpy(), yt.detach().numpy(), rtol)
    g = rng.standard_normal(yd.shape).astype(arrays[0].dtype)
    yt.backward(torch.tensor(g))
    yd.backward(dg.tensor(g))
    for d, t in zip(ds, ts):
        _close(d.grad.numpy(), t.grad.numpy(), rtol)


@pytest.mark.parametrize(
    "n, cin, cout, hw, k, kw",
    [
        (2, 3, 4, (7, 8), 3, {}),
        (2, 3, 4, (8, 8), 3, {"padding": 1}),
        (2, 4, 6, (9, 8), (3, 2), {"stride": 2, "padding": 1}),
        (
            2,
            4,
            6,
            (9, 10),
            3,
            {"stride": (2, 1), "padding": (1, 2), "dilation": (2, 1), "groups": 2},
        ),
        (2, 4, 4, (9, 8), 3, {"padding": "same", "dilation": 2, "groups": 4}),
        (2, 4, 4, (9, 8), (2, 4), {"padding": "same"}),
        (2, 4, 8, (5, 5), 1, {}),
        (3, 16, 8, (14, 14), 3, {"padding": 1}),
        (1, 5, 3, (6, 7), 5, {"padding": 2, "stride": 3}),
        # kernels wider than the image (a ConvNeXt 7x7 depthwise conv on a 2x2 map): taps shift
        # by more than a row in the flat-rows path and must all be zeroed
        (2, 8, 8, (2, 2), 7, {"padding": 3, "groups": 8}),
        (2, 3, 4, (4, 3), 5, {"padding": "same", "dilation": 2}),
        (1, 2, 2, (1, 1), 3, {"padding": 1}),
    ],
)
def test_conv2d_matches_torch(torch, rng, layout, n, cin, cout, hw, k, kw):
    kh, kk = (k, k) if isinstance(k, int) else k
    x = rng.standard_normal((n, cin, *hw)).astype(np.float32)
    w = rng.standard_normal((cout, cin // kw.get("groups", 1), kh, kk)).astype(np.float32)
    b = rng.standard_normal(cout).astype(np.float32)
    _compare(
        torch,
        lambda x, w, b: F.conv2d(x, w, b, **kw),
        lambda x, w, b: torch.nn.functional.conv2d(x, w, b, **kw),
        [x, w, b],
    )


@pytest.mark.parametrize(
    "k, kw",
    [
        (3, {"padding": 1}),
        ((3, 5), {"padding": "same", "dilation": (1, 2), "groups": 2}),
        ((2, 4), {"padding": "same"}),  # uneven: one more column of padding on the right
        ((3, 1), {"padding": (2, 0)}),  # a 1-wide kernel: nothing wraps
    ],
)
def test_conv2d_flat_rows_equal_general_path(rng, layout, monkeypatch, k, kw):
    """im2col/col2im through flat image rows (stride 1, Wo = W) give the general path's
    output and gradients bit for bit, NaN-free where out-of-image taps wrap."""
    kh, kk = (k, k) if isinstance(k, int) else k
    x = rng.standard_normal((3, 4, 6, 7)).astype(np.float32)
    w = rng.standard_normal((6, 4 // kw.get("groups", 1), kh, kk)).astype(np.float32)
    gy = None
    results = []
    for flat in (True, False):
        monkeypatch.setattr(conv_mod, "FLAT_ROWS", flat)
        xt, wt = dg.tensor(x, requires_grad=True), dg.tensor(w, requires_grad=True)
        y = F.conv2d(xt, wt, **kw)
        assert y.shape[-1] == x.shape[-1]  # the flat path applies
        if gy is None:
            gy = rng.standard_normal(y.shape).astype(np.float32)
        y.backward(dg.tensor(gy))
        results.append((y.numpy(), xt.grad.numpy(), wt.grad.numpy()))
    for a, b in zip(*results):
        assert np.isfinite(a).all()
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2},
        {"stride": (2, 3), "padding": (1, 0), "output_padding": (0, 2), "dilation": (1, 2)},
        {"stride": 1, "padding": 1},
    ],
)
def test_conv_transpose2d_matches_torch(torch, rng, layout, kw):
    x = rng.standard_normal((2, 4, 5, 6)).astype(np.float32)
    w = rng.standard_normal((4, 3, 4, 3)).astype(np.float32)
    b = rng.standard_normal(3 * kw.get("groups", 1)).astype(np.float32)
    _compare(
        torch,
        lambda x, w, b: F.conv_transpose2d(x, w, b, **kw),
        lambda x, w, b: torch.nn.functional.conv_transpose2d(x, w, b, **kw),
        [x, w, b],
    )


def test_conv1d_matches_torch(torch, rng):
    x = rng.standard_normal((2, 4, 13)).astype(np.float32)
    w = rng.standard_normal((6, 2, 3)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)
    for kw in (
        {"stride": 2, "padding": 1, "groups": 2},
        {"padding": "same", "dilation": 2, "groups": 2},
    ):
        _compare(
            torch,
            lambda x, w, b, kw=kw: F.conv1d(x, w, b, **kw),
            lambda x, w, b, kw=kw: torch.nn.functional.conv1d(x, w, b, **kw),
            [x, w, b],
        )
    wt = rng.standard_normal((4, 3, 3)).astype(np.float32)
    _compare(
        torch,
        lambda x, w, b: F.conv_transpose1d(x, w, b[:3], stride=2, padding=1, output_padding=1),
        lambda x, w, b: torch.nn.functional.conv_transpose1d(
            x, w, b[:3], stride=2, padding=1, output_padding=1
        ),  # fmt: skip
        [x, wt, b],
    )


def test_non_contiguous_input_and_repeated_steps(torch, rng, layout):
    """A transposed (strided) input, and several forward/backward rounds through the reused
    scratch buffers (including retain_graph and two forwards before one backward), give
    PyTorch's numbers every time."""
    base = rng.standard_normal((2, 3, 7, 6)).astype(np.float32)
    x = base.transpose(0, 1, 3, 2)  # (2, 3, 6, 7), not contiguous
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    for padding in (0, 1):
        _compare(
            torch,
            lambda x, w, padding=padding: F.conv2d(x, w, padding=padding),
            lambda x, w, padding=padding: torch.nn.functional.conv2d(x, w, padding=padding),
            [x, w],
        )
    conv = nn.Conv2d(3, 4, 3, padding=1)
    tconv = torch.nn.Conv2d(3, 4, 3, padding=1)
    conv.load_state_dict({k: v.detach().numpy() for k, v in tconv.state_dict().items()})
    x1 = rng.standard_normal((2, 3, 6, 7)).astype(np.float32)
    x2 = rng.standard_normal((2, 3, 6, 7)).astype(np.float32)
    for _ in range(3):
        conv.zero_grad()
        tconv.zero_grad()
        loss = (conv(dg.tensor(x1)) ** 2).sum() + (conv(dg.tensor(x2)) * 3).sum()
        loss.backward(retain_graph=True)
        loss.backward()
        tl = (tconv(torch.tensor(x1)) ** 2).sum() + (tconv(torch.tensor(x2)) * 3).sum()
        tl.backward(retain_graph=True)
        tl.backward()
        _close(conv.weight.grad.numpy(), tconv.weight.grad.numpy())
        _close(conv.bias.grad.numpy(), tconv.bias.grad.numpy())
    up = nn.ConvTranspose2d(3, 2, 2, stride=2)
    tup = torch.nn.ConvTranspose2d(3, 2, 2, stride=2)
    up.load_state_dict({k: v.detach().numpy() for k, v in tup.state_dict().items()})
    for _ in range(2):
        up.zero_grad()
        tup.zero_grad()
        (up(dg.tensor(x1)) ** 2).sum().backward()
        (tup(torch.tensor(x1)) ** 2).sum().backward()
        _close(up.weight.grad.numpy(), tup.weight.grad.numpy())


def test_input_only_and_weight_only_gradients(rng):
    x = _t(rng, 2, 3, 6, 6)
    w = _t(rng, 4, 3, 3, 3, grad=False)
    F.conv2d(x, w, padding=1).sum().backward()
    assert x.grad.shape == x.shape
    x2 = _t(rng, 2, 3, 6, 6, grad=False)
    w2 = _t(rng, 4, 3, 3, 3)
    F.conv2d(x2, w2).sum().backward()
    assert w2.grad.shape == w2.shape
    with dg.no_grad():
        y = F.conv2d(x, w2)
    assert not y.requires_grad


# ---- layers ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kw",
    [
        {"kernel_size": 3},
        {"kernel_size": 3, "padding": 1, "bias": False},
        {"kernel_size": (3, 2), "stride": 2, "padding": (1, 0)},
        {"kernel_size": 3, "dilation": 2, "groups": 2},
        {"kernel_size": 3, "padding": "same"},
    ],
)
def test_conv2d_layer_matches_torch(torch, rng, layout, kw):
    layer = nn.Conv2d(4, 6, **kw)
    tl = torch.nn.Conv2d(4, 6, **kw)
    layer.load_state_dict({k: v.detach().numpy() for k, v in tl.state_dict().items()})
    x = rng.standard_normal((3, 4, 9, 10)).astype(np.float32)
    xt = torch.tensor(x, requires_grad=True)
    xd = dg.tensor(x, requires_grad=True)
    yt, yd = tl(xt), layer(xd)
    assert yd.dtype == np.float32
    _close(yd.numpy(), yt.detach().numpy())
    g = rng.standard_normal(yd.shape).astype(np.float32)
    yt.backward(torch.tensor(g))
    yd.backward(dg.tensor(g))
    _close(xd.grad.numpy(), xt.grad.numpy())
    tparams = dict(tl.named_parameters())
    for name, p in layer.named_parameters():
        _close(p.grad.numpy(), tparams[name].grad.numpy())


@pytest.mark.parametrize("cls_name, shape", [("Conv1d", (2, 4, 12)), ("ConvTranspose2d", (2, 4, 5, 6)),
                                             ("ConvTranspose1d", (2, 4, 7))])  # fmt: skip
def test_other_conv_layers_match_torch(torch, rng, cls_name, shape):
    kw = {"stride": 2, "padding": 1, "groups": 2}
    if cls_name.startswith("ConvTranspose"):
        kw["output_padding"] = 1
    layer = getattr(nn, cls_name)(4, 6, 3, **kw)
    tl = getattr(torch.nn, cls_name)(4, 6, 3, **kw)
    assert layer.weight.shape == tuple(tl.weight.shape)
    layer.load_state_dict({k: v.detach().numpy() for k, v in tl.state_dict().items()})
    x = rng.standard_normal(shape).astype(np.float32)
    xt = torch.tensor(x, requires_grad=True)
    xd = dg.tensor(x, requires_grad=True)
    yt, yd = tl(xt), layer(xd)
    _close(yd.numpy(), yt.detach().numpy())
    g = rng.standard_normal(yd.shape).astype(np.float32)
    yt.backward(torch.tensor(g))
    yd.backward(dg.tensor(g))
    _close(xd.grad.numpy(), xt.grad.numpy())
    _close(layer.weight.grad.numpy(), tl.weight.grad.numpy())
    _close(layer.bias.grad.numpy(), tl.bias.grad.numpy())


def test_conv_layer_gradcheck(rng):
    layer = nn.Conv2d(2, 3, 3, stride=2, padding=1).double()
    x = _t(rng, 2, 2, 5, 5)
    dg.gradcheck(lambda x, w, b: layer(x), x, layer.weight, layer.bias)
    tl = nn.ConvTranspose2d(2, 2, 3, stride=2).double()
    dg.gradcheck(lambda x, w, b: tl(x), x, tl.weight, tl.bias)
    l1 = nn.Conv1d(2, 3, 3, padding="same").double()
    x1 = _t(rng, 2, 2, 6)
    dg.gradcheck(lambda x, w, b: l1(x), x1, l1.weight, l1.bias)


def test_conv_layer_init_and_parameters():
    conv = nn.Conv2d(3, 16, 5, groups=1)
    assert conv.weight.shape == (16, 3, 5, 5) and conv.bias.shape == (16,)
    bound = 1 / math.sqrt(3 * 25)
    assert np.abs(conv.weight.numpy()).max() <= bound
    assert np.abs(conv.weight.numpy()).max() > 0.8 * bound  # U(-b, b) fills its range
    assert np.abs(conv.bias.numpy()).max() <= bound
    assert conv.weight.dtype == np.float32
    t = nn.ConvTranspose2d(8, 4, 3, groups=2)
    assert t.weight.shape == (8, 2, 3, 3)
    assert np.abs(t.weight.numpy()).max() <= 1 / math.sqrt(2 * 9)
    assert nn.Conv2d(3, 4, 3, bias=False).bias is None
    assert list(dict(nn.Conv2d(3, 4, 3).named_parameters())) == ["weight", "bias"]
    c = nn.Conv2d(3, 4, 3, weight_init="zeros", bias_init="ones")
    assert (c.weight.numpy() == 0).all() and (c.bias.numpy() == 1).all()
    assert "stride=(2, 2)" in repr(nn.Conv2d(3, 4, 3, stride=2))


def test_conv_layer_lazy_in_channels(rng):
    conv = nn.Conv2d(None, 8, 3, padding=1)
    assert nn.parameter.is_lazy(conv.weight)
    y = conv(_t(rng, 2, 5, 6, 6, grad=False, dtype=np.float32))
    assert y.shape == (2, 8, 6, 6) and conv.weight.shape == (8, 5, 3, 3)
    assert conv.in_channels == 5


def test_conv_layer_config_round_trip():
    conv = nn.Conv2d(3, 8, 3, stride=2, padding="same" if False else 1, groups=1)
    cfg = conv.get_config()
    again = nn.Conv2d(**cfg)
    assert again.weight.shape == conv.weight.shape and again.stride == conv.stride


# ---- dtypes and errors -------------------------------------------------------------------------
def test_float32_stays_float32(rng):
    x = _t(rng, 2, 3, 6, 6, dtype=np.float32)
    w = _t(rng, 4, 3, 3, 3, dtype=np.float32)
    b = _t(rng, 4, dtype=np.float32)
    y = F.conv2d(x, w, b, padding=1)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32
    assert F.conv_transpose2d(x, w.transpose(1, 0, 2, 3), None, 2).dtype == np.float32


def test_layer_channel_error_names_layer_and_shapes():
    conv = nn.Conv2d(3, 16, 3)
    with pytest.raises(
        ValueError, match=r"Conv2d\(3, 16, kernel_size=3\).*\(N, 3, H, W\).*\(2, 1, 8, 8\)"
    ):
        conv(dg.zeros(2, 1, 8, 8))
    assert conv(dg.zeros(3, 8, 8)).shape == (16, 6, 6)  # one unbatched image, as PyTorch
    with pytest.raises(ValueError, match=r"Conv2d.*expected input of shape.* or \(3, H, W\)"):
        conv(dg.zeros(8, 8))
    with pytest.raises(ValueError, match=r"Conv1d\(2, 4, kernel_size=3\).*\(N, 2, L\)"):
        nn.Conv1d(2, 4, 3)(dg.zeros(2, 3, 10))


def test_kernel_larger_than_padded_input():
    with pytest.raises(
        ValueError, match=r"Conv2d.*kernel size 5x5.*larger than the padded input 4x4"
    ):
        nn.Conv2d(1, 2, 5)(dg.zeros(1, 1, 4, 4))
    with pytest.raises(ValueError, match="larger than the padded input"):
        F.conv2d(dg.zeros(1, 1, 4, 4), dg.zeros(1, 1, 3, 3), dilation=2)
    # padding makes it fit
    assert F.conv2d(dg.zeros(1, 1, 4, 4), dg.zeros(1, 1, 5, 5), padding=1).shape == (1, 1, 2, 2)


def test_functional_errors():
    x = dg.zeros(2, 4, 6, 6)
    with pytest.raises(
        ValueError, match=r"conv2d: weight of shape \(3, 2, 3, 3\) with groups=1 expects 2"
    ):
        F.conv2d(x, dg.zeros(3, 2, 3, 3))
    with pytest.raises(ValueError, match="not divisible by groups"):
        F.conv2d(x, dg.zeros(3, 2, 3, 3), groups=2)
    with pytest.raises(ValueError, match="4-D input"):
        F.conv2d(dg.zeros(6, 6), dg.zeros(3, 4, 3, 3))
    with pytest.raises(ValueError, match=r"bias of shape \(3,\)"):
        F.conv2d(x, dg.zeros(3, 4, 3, 3), dg.zeros(4))
    with pytest.raises(ValueError, match="'same' needs stride 1"):
        F.conv2d(x, dg.zeros(3, 4, 3, 3), stride=2, padding="same")
    with pytest.raises(ValueError, match="stride must be positive"):
        F.conv2d(x, dg.zeros(3, 4, 3, 3), stride=0)
    with pytest.raises(TypeError, match="dtype"):
        F.conv2d(x, dg.zeros(3, 4, 3, 3, dtype="float64"))
    with pytest.raises(ValueError, match="output_padding"):
        F.conv_transpose2d(x, dg.zeros(4, 2, 3, 3), stride=2, output_padding=2)
    with pytest.raises(ValueError, match="padding must be"):
        nn.Conv2d(3, 4, 3, padding="full")
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)


@pytest.mark.parametrize("flat", [True, False])
@pytest.mark.parametrize(
    "kw", [{}, {"padding": 1}, {"padding": "same"}, {"stride": 2, "padding": (1, 2), "dilation": 2}]
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_bias_folded_into_the_gemm(flat, kw, dtype, monkeypatch):
    """Batch-major columns with a last row of ones and the bias as a last weight column
    (``FOLD_BIAS``): the output and every gradient as the GEMM followed by a pass adding the
    bias, to rounding (BLAS may sum K + 1 terms in another order), NaN and inf where that
    gives them; the folded GEMM runs where asked, and only there, as does the bias gradient
    taken in the weight gradient's products (the ones row's); and both agree with torch."""
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(conv_mod, "BATCH_MAJOR_BELOW_K", 10**9)
    monkeypatch.setattr(conv_mod, "FLAT_ROWS", flat)
    monkeypatch.setattr(conv_mod, "KEEP_COLUMNS_MAX", 1 << 40)  # kept: _gemm_bias runs
    folded = []
    real, real_grads = conv_mod._gemm_bias, conv_mod._wgrad_bias

    def spy(*args):
        folded.append(True)
        return real(*args)

    def spy_grads(*args):
        both = real_grads(*args)
        if both is not None:
            folded.append(True)
        return both

    monkeypatch.setattr(conv_mod, "_gemm_bias", spy)
    monkeypatch.setattr(conv_mod, "_wgrad_bias", spy_grads)
    rng = np.random.default_rng(4)
    x = (rng.standard_normal((5, 3, 9, 8)) * 10).astype(dtype)
    w, b = rng.standard_normal((4, 3, 3, 3)).astype(dtype), rng.standard_normal(4).astype(dtype)
    results = []
    for fold in (True, False):
        monkeypatch.setattr(conv_mod, "FOLD_BIAS", fold)
        xt, wt, bt = (dg.tensor(a, requires_grad=True) for a in (x, w, b))
        y = F.conv2d(xt, wt, bt, **kw)
        gy = np.cos(np.arange(y.numel())).reshape(y.shape).astype(dtype)
        y.backward(dg.tensor(gy))
        results.append([y.numpy(), xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()])
        assert len(folded) == 2 * fold  # the forward's GEMM and the gradients' products
        folded.clear()
    tol = {"rtol": 1e-5, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-12}
    for a, c in zip(*results, strict=True):
        np.testing.assert_allclose(a, c, **tol)
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    yt = torch.nn.functional.conv2d(xt, wt, bt, **kw)
    yt.backward(torch.tensor(gy))
    ref = [yt.detach().numpy(), xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()]
    tol = {"rtol": 2e-4, "atol": 2e-4} if dtype == np.float32 else tol
    for a, r in zip(results[0], ref, strict=True):
        np.testing.assert_allclose(a, r, **tol)

    x[0, 0, 0, 0], x[1, 2, 3, 4] = np.inf, np.nan  # where the GEMM makes NaN, so does the fold
    outs = []
    for fold in (True, False):
        monkeypatch.setattr(conv_mod, "FOLD_BIAS", fold)
        outs.append(F.conv2d(dg.tensor(x), dg.tensor(w), dg.tensor(b), **kw).numpy())
    np.testing.assert_array_equal(np.isnan(outs[0]), np.isnan(outs[1]))
    np.testing.assert_array_equal(np.isinf(outs[0]), np.isinf(outs[1]))
