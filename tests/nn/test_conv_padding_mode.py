"""``pad(mode=...)`` and the convolution layers' ``padding_mode``: the pad modes against
PyTorch's ``F.pad`` and by float64 gradient checks (first and second order), ``Conv1d``/
``Conv2d`` with every mode against ``torch.nn.ConvNd(padding_mode=...)`` (outputs and all
gradients, ``padding="same"`` included), gradient checks of a convolution with each mode,
the config/save round trip and the errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.functional as F
from deepgrad import nn

MODES = ["reflect", "replicate", "circular"]


def _t(rng, *shape, grad=True):
    return dg.tensor(rng.standard_normal(shape), requires_grad=grad)


def _torch_pad(pw):
    """NumPy-style ``((b0, a0), (b1, a1), ...)`` → PyTorch's flat, last-axis-first tuple."""
    return tuple(v for b, a in reversed(pw) for v in (b, a))


# ---- pad modes ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "mode, expected",
    [
        ("reflect", [3, 2, 1, 2, 3, 2, 1]),
        ("replicate", [1, 1, 1, 2, 3, 3, 3]),
        ("circular", [2, 3, 1, 2, 3, 1, 2]),
        ("constant", [0, 0, 1, 2, 3, 0, 0]),
    ],
)
def test_pad_modes_values(mode, expected):
    y = F.pad(dg.tensor([1.0, 2.0, 3.0]), 2, mode=mode)
    np.testing.assert_array_equal(y.numpy(), expected)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "shape, pw",
    [
        ((2, 3, 5, 6), ((0, 0), (0, 0), (2, 4), (3, 1))),
        ((2, 3, 5, 6), ((0, 0), (0, 0), (0, 3), (5, 0))),
        ((2, 3, 7), ((0, 0), (0, 0), (3, 6))),
    ],
)
def test_pad_modes_match_torch(torch, rng, mode, shape, pw):
    if mode == "reflect":  # reflect needs each padding smaller than its axis
        pw = tuple((min(b, n - 1), min(a, n - 1)) for (b, a), n in zip(pw, shape))
    x = rng.standard_normal(shape)
    xd = dg.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    yd = F.pad(xd, pw, mode=mode)
    yt = torch.nn.functional.pad(xt, _torch_pad(pw[2:]), mode=mode)
    assert yd.shape == tuple(yt.shape)
    np.testing.assert_array_equal(yd.numpy(), yt.detach().numpy())
    g = rng.standard_normal(yd.shape)
    yd.backward(dg.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_pad_modes_gradcheck(rng, mode):
    x = _t(rng, 3, 2, 4)
    assert dg.gradcheck(lambda t: F.pad(t, ((1, 2), (0, 1), (2, 3)), mode=mode), x)
    assert dg.gradcheck(lambda t: F.pad(t, 1, mode=mode), x)


@pytest.mark.parametrize("mode", MODES)
def test_pad_modes_double_backward(rng, mode):
    x = _t(rng, 2, 4, 3)

    def first(t):
        y = F.pad(t, ((0, 0), (2, 1), (1, 2)), mode=mode)
        (g,) = dg.grad((y**3).sum(), [t], create_graph=True)
        return (g * g).sum()

    assert dg.gradcheck(first, x)


def test_pad_modes_float32_and_no_padding(rng):
    x = dg.tensor(rng.standard_normal((2, 3)).astype(np.float32))
    assert F.pad(x, ((0, 0), (1, 1)), mode="reflect").dtype == np.float32
    assert F.pad(x, 0, mode="circular").shape == (2, 3)


def test_pad_mode_errors(rng):
    x = _t(rng, 2, 3)
    with pytest.raises(ValueError, match=r"pad: mode must be one of .*'reflect'.*got 'mirror'"):
        F.pad(x, 1, mode="mirror")
    with pytest.raises(ValueError, match=r"'reflect' needs each padding smaller than.*\(0, 3\).*"
                                         r"axis 1 of size 3"):  # fmt: skip
        F.pad(x, ((0, 0), (0, 3)), mode="reflect")
    with pytest.raises(ValueError, match=r"'circular' needs each padding at most.*\(4, 0\)"):
        F.pad(x, ((0, 0), (4, 0)), mode="circular")
    with pytest.raises(ValueError, match=r"cannot pad axis 0 of size 0"):
        F.pad(dg.zeros(0, 3), 1, mode="replicate")
    # the limits are PyTorch's: reflect up to n - 1, circular up to n
    assert F.pad(x, ((0, 0), (2, 2)), mode="reflect").shape == (2, 7)
    assert F.pad(x, ((0, 0), (3, 3)), mode="circular").shape == (2, 9)


# ---- convolution layers ------------------------------------------------------------------------
def _copy_weights(layer, tlayer):
    layer.load_state_dict({k: v.detach().numpy() for k, v in tlayer.state_dict().items()})


def _compare_layer(torch, layer, tlayer, x):
    _copy_weights(layer, tlayer)
    xd = dg.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    yd, yt = layer(xd), tlayer(xt)
    assert yd.shape == tuple(yt.shape)
    np.testing.assert_allclose(yd.numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-10)
    g = np.random.default_rng(1).standard_normal(yd.shape)
    yd.backward(dg.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-10)
    for name, p in tlayer.named_parameters():
        got = getattr(layer, name).grad.numpy()
        np.testing.assert_allclose(got, p.grad.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("mode", ["zeros", *MODES])
@pytest.mark.parametrize(
    "kw",
    [
        {"kernel_size": 3, "padding": 1},
        {"kernel_size": (3, 2), "padding": (2, 1), "stride": (2, 1)},
        {"kernel_size": (3, 4), "padding": "same", "dilation": (1, 2)},
        {"kernel_size": 3, "padding": "valid"},
        {"kernel_size": 3, "padding": 1, "groups": 2, "bias": False},
    ],
)
def test_conv2d_padding_mode_matches_torch(torch, rng, mode, kw):
    dg.set_default_dtype(np.float64)
    tlayer = torch.nn.Conv2d(4, 6, padding_mode=mode, **kw).double()
    layer = nn.Conv2d(4, 6, padding_mode=mode, **kw)
    _compare_layer(torch, layer, tlayer, rng.standard_normal((2, 4, 7, 6)))


@pytest.mark.parametrize("mode", ["zeros", *MODES])
@pytest.mark.parametrize(
    "kw",
    [
        {"kernel_size": 3, "padding": 2},
        {"kernel_size": 4, "padding": "same", "dilation": 2},
        {"kernel_size": 5, "padding": 1, "stride": 2},
    ],
)
def test_conv1d_padding_mode_matches_torch(torch, rng, mode, kw):
    dg.set_default_dtype(np.float64)
    tlayer = torch.nn.Conv1d(3, 5, padding_mode=mode, **kw).double()
    layer = nn.Conv1d(3, 5, padding_mode=mode, **kw)
    _compare_layer(torch, layer, tlayer, rng.standard_normal((2, 3, 9)))


@pytest.mark.parametrize("mode", MODES)
def test_conv2d_padding_mode_gradcheck(rng, mode):
    dg.set_default_dtype(np.float64)
    layer = nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode=mode)
    x = _t(rng, 2, 2, 4, 4)
    assert dg.gradcheck(lambda x, w, b: layer(x), x, layer.weight, layer.bias)


@pytest.mark.parametrize("mode", MODES)
def test_conv1d_padding_mode_same_gradcheck(rng, mode):
    dg.set_default_dtype(np.float64)
    layer = nn.Conv1d(2, 3, 4, padding="same", padding_mode=mode)
    x = _t(rng, 2, 2, 6)
    assert dg.gradcheck(lambda x, w, b: layer(x), x, layer.weight, layer.bias)


def test_padding_mode_shapes():
    for mode in MODES:
        assert nn.Conv2d(1, 4, 3, padding=1, padding_mode=mode)(dg.zeros(2, 1, 8, 8)).shape == (
            2, 4, 8, 8,
        )  # fmt: skip
        assert nn.Conv1d(1, 4, 4, padding="same", padding_mode=mode)(dg.zeros(2, 1, 9)).shape == (
            2, 4, 9,
        )  # fmt: skip


def test_padding_mode_lazy_in_channels(rng):
    layer = nn.Conv2d(None, 4, 3, padding=1, padding_mode="circular")
    x = dg.tensor(rng.standard_normal((1, 3, 5, 5)).astype(np.float32))
    assert layer(x).shape == (1, 4, 5, 5) and layer.weight.shape == (4, 3, 3, 3)


def test_padding_mode_repr_and_config_round_trip(tmp_path, rng):
    layer = nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect")
    assert "padding_mode=reflect" in repr(layer)
    assert "padding_mode" not in repr(nn.Conv2d(2, 3, 3, padding=1))
    assert layer.get_config()["padding_mode"] == "reflect"
    assert nn.Conv2d(**layer.get_config()).padding_mode == "reflect"
    again = dg.io.module_from_config(dg.io.module_to_config(layer))
    assert isinstance(again, nn.Conv2d) and again.padding_mode == "reflect"
    # a whole saved model keeps the mode, and gives the same output
    model = nn.Sequential(nn.Conv1d(2, 3, 3, padding=1, padding_mode="circular"))
    model.save(tmp_path / "m.dg")
    loaded = dg.load_model(tmp_path / "m.dg")
    assert loaded[0].padding_mode == "circular"
    x = dg.tensor(rng.standard_normal((1, 2, 6)).astype(np.float32))
    np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())


def test_bad_padding_mode():
    with pytest.raises(
        ValueError,
        match=r"Conv2d: padding_mode must be one of 'zeros', 'reflect', 'replicate', 'circular', "
        r"got 'mirror'",
    ):
        nn.Conv2d(1, 1, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match=r"Conv1d: padding_mode must be one of .*got 'constant'"):
        nn.Conv1d(1, 1, 3, padding_mode="constant")


@pytest.mark.parametrize("cls", [nn.ConvTranspose1d, nn.ConvTranspose2d])
def test_transposed_conv_only_zeros(cls):
    with pytest.raises(ValueError, match=rf"{cls.__name__}: only padding_mode='zeros'.*'reflect'"):
        cls(1, 1, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match=r"padding_mode must be one of"):
        cls(1, 1, 3, padding_mode="bogus")
    assert cls(1, 1, 3, padding_mode="zeros").padding_mode == "zeros"


def test_padding_too_large_for_reflect_names_layer(rng):
    layer = nn.Conv2d(1, 1, 3, padding=4, padding_mode="reflect")
    with pytest.raises(ValueError, match=r"Conv2d\(1, 1, kernel_size=3\): pad: mode 'reflect'"):
        layer(dg.zeros(1, 1, 4, 4))
