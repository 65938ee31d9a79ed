"""adaptive_max_pool1d/2d, adaptive_avg_pool1d and the layers AdaptiveMaxPool1d/2d,
AdaptiveAvgPool1d: equality with PyTorch (values, indices, input gradients; non-divisible
sizes, outputs larger than the input, ``None`` axes, ties), float64 gradient checks (first and
second order), shapes, save/config round trips and errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.functional as F
from deepgrad import nn

# (input spatial size, output_size): divisible, non-divisible (overlapping windows), output
# larger than the input, global, None keeping an axis
CASES_2D = [
    ((6, 8), (3, 4)),
    ((7, 9), (3, 4)),
    ((5, 5), (7, 8)),
    ((10, 3), 1),
    ((4, 6), (None, 4)),
    ((5, 7), (2, None)),
    ((1, 1), (3, 2)),
    ((9, 4), 4),
]
CASES_1D = [(8, 4), (9, 4), (5, 7), (10, 1), (7, 7), (1, 3), (11, (3,))]


def _compare(torch, fn_dg, fn_t, x, indices=False, tol=1e-12):
    """Outputs (and indices) and input gradients of ``fn_dg`` and ``fn_t`` on ``x`` agree."""
    xd = dg.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    yd, yt = fn_dg(xd), fn_t(xt)
    if indices:
        (yd, id_), (yt, it) = yd, yt
        assert id_.dtype == np.int64 and id_.shape == tuple(it.shape)
        np.testing.assert_array_equal(id_.numpy(), it.numpy())
    assert yd.shape == tuple(yt.shape)
    assert yd.dtype == x.dtype
    np.testing.assert_allclose(yd.numpy(), yt.detach().numpy(), rtol=tol, atol=tol)
    g = np.random.default_rng(1).standard_normal(yd.shape).astype(x.dtype)
    yd.backward(dg.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=tol, atol=tol)


# ---- adaptive max pooling, 2-D -------------------------------------------------------------
@pytest.mark.parametrize("size, out", CASES_2D)
def test_adaptive_max_pool2d_matches_torch(torch, rng, size, out):
    x = rng.standard_normal((2, 3, *size))
    tf = torch.nn.functional
    _compare(torch, lambda t: F.adaptive_max_pool2d(t, out),
             lambda t: tf.adaptive_max_pool2d(t, out), x)  # fmt: skip
    _compare(torch, lambda t: F.adaptive_max_pool2d(t, out, return_indices=True),
             lambda t: tf.adaptive_max_pool2d(t, out, return_indices=True), x,
             indices=True)  # fmt: skip


def test_adaptive_max_pool2d_ties_match_torch(torch, rng):
    """Few distinct values: the first maximum in row-major window order wins, as in PyTorch
    (values, indices and gradients)."""
    x = np.round(rng.standard_normal((2, 3, 9, 7))).astype(np.float32)
    for out in [(4, 3), (2, 2), (12, 9)]:
        _compare(torch, lambda t, o=out: F.adaptive_max_pool2d(t, o, True),
                 lambda t, o=out: torch.nn.functional.adaptive_max_pool2d(t, o, True), x,
                 indices=True, tol=1e-6)  # fmt: skip


def test_adaptive_max_pool2d_float32(torch, rng):
    x = rng.standard_normal((2, 4, 7, 5)).astype(np.float32)
    _compare(torch, lambda t: F.adaptive_max_pool2d(t, (3, 2)),
             lambda t: torch.nn.functional.adaptive_max_pool2d(t, (3, 2)), x,
             tol=1e-6)  # fmt: skip


@pytest.mark.parametrize("out", [(3, 4), (6, 7), (2, None), 1])
def test_adaptive_max_pool2d_gradcheck(rng, out):
    # continuous random values: no ties inside a window
    x = dg.tensor(rng.standard_normal((2, 2, 5, 5)), requires_grad=True)
    assert dg.gradcheck(lambda t: F.adaptive_max_pool2d(t, out), x)


def test_adaptive_max_pool2d_double_backward(rng):
    x = dg.tensor(rng.standard_normal((2, 2, 5, 6)), requires_grad=True)

    def first(t):
        y = F.adaptive_max_pool2d(t, (3, 4))
        (g,) = dg.grad((y**3).sum(), [t], create_graph=True)
        return (g * g).sum()

    assert dg.gradcheck(first, x)


def test_adaptive_max_pool2d_overlapping_windows_add_gradients():
    # L = 3 → 2 outputs: windows [0, 2) and [1, 3) share position 1, the maximum of both
    x = dg.tensor([[[[0.0, 5.0, 1.0]]]], requires_grad=True)
    y = F.adaptive_max_pool2d(x, (1, 2))
    np.testing.assert_array_equal(y.numpy(), [[[[5.0, 5.0]]]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[[[0.0, 2.0, 0.0]]]])


# ---- 1-D functions -----------------------------------------------------------------------------
@pytest.mark.parametrize("length, out", CASES_1D)
def test_adaptive_max_pool1d_matches_torch(torch, rng, length, out):
    x = rng.standard_normal((2, 3, length))
    tf = torch.nn.functional
    _compare(torch, lambda t: F.adaptive_max_pool1d(t, out),
             lambda t: tf.adaptive_max_pool1d(t, out), x)  # fmt: skip
    _compare(torch, lambda t: F.adaptive_max_pool1d(t, out, True),
             lambda t: tf.adaptive_max_pool1d(t, out, True), x, indices=True)  # fmt: skip


@pytest.mark.parametrize("length, out", CASES_1D)
def test_adaptive_avg_pool1d_matches_torch(torch, rng, length, out):
    x = rng.standard_normal((2, 3, length))
    _compare(torch, lambda t: F.adaptive_avg_pool1d(t, out),
             lambda t: torch.nn.functional.adaptive_avg_pool1d(t, out), x)  # fmt: skip


@pytest.mark.parametrize("out", [3, 4, 9, 1])
def test_adaptive_pool1d_gradcheck(rng, out):
    x = dg.tensor(rng.standard_normal((2, 2, 7)), requires_grad=True)
    assert dg.gradcheck(lambda t: F.adaptive_max_pool1d(t, out), x)
    assert dg.gradcheck(lambda t: F.adaptive_avg_pool1d(t, out), x)


# ---- layers ------------------------------------------------------------------------------------
def test_layer_shapes():
    assert nn.AdaptiveMaxPool2d(1)(dg.zeros(2, 4, 9, 7)).shape == (2, 4, 1, 1)
    assert nn.AdaptiveMaxPool2d((3, None))(dg.zeros(2, 4, 10, 7)).shape == (2, 4, 3, 7)
    assert nn.AdaptiveMaxPool2d((12, 2))(dg.zeros(1, 2, 5, 5)).shape == (1, 2, 12, 2)
    assert nn.AdaptiveMaxPool1d(4)(dg.zeros(2, 8, 30)).shape == (2, 8, 4)
    assert nn.AdaptiveAvgPool1d(5)(dg.zeros(2, 8, 3)).shape == (2, 8, 5)
    y, idx = nn.AdaptiveMaxPool1d(3, return_indices=True)(dg.zeros(2, 8, 10))
    assert y.shape == idx.shape == (2, 8, 3) and idx.dtype == np.int64


@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda m: m.AdaptiveMaxPool2d((3, 4)), (2, 3, 7, 9)),
        (lambda m: m.AdaptiveMaxPool2d((None, 2), return_indices=True), (2, 3, 5, 5)),
        (lambda m: m.AdaptiveMaxPool1d(4), (2, 3, 9)),
        (lambda m: m.AdaptiveMaxPool1d(6, return_indices=True), (2, 3, 4)),
        (lambda m: m.AdaptiveAvgPool1d(4), (2, 3, 9)),
        (lambda m: m.AdaptiveAvgPool1d(1), (2, 3, 9)),
    ],
)
def test_layers_match_torch(torch, rng, make, shape):
    layer, tlayer = make(nn), make(torch.nn)
    indices = getattr(layer, "return_indices", False)
    _compare(torch, layer, tlayer, rng.standard_normal(shape), indices=indices)


@pytest.mark.parametrize(
    "layer",
    [nn.AdaptiveMaxPool2d((2, 3)), nn.AdaptiveMaxPool1d(3), nn.AdaptiveAvgPool1d(3)],
    ids=["max2d", "max1d", "avg1d"],
)
def test_layers_gradcheck(rng, layer):
    shape = (2, 2, 5, 4) if isinstance(layer, nn.AdaptiveMaxPool2d) else (2, 2, 7)
    x = dg.tensor(rng.standard_normal(shape), requires_grad=True)
    assert dg.gradcheck(layer, x)


def test_layers_repr_and_config_round_trip(tmp_path, rng):
    layer = nn.AdaptiveMaxPool2d((3, None), return_indices=True)
    assert repr(layer) == "AdaptiveMaxPool2d(output_size=(3, None))"  # PyTorch's repr
    assert repr(nn.AdaptiveAvgPool1d(4)) == "AdaptiveAvgPool1d(output_size=4)"
    assert layer.get_config() == {"output_size": (3, None), "return_indices": True}
    for m in [layer, nn.AdaptiveMaxPool1d(5), nn.AdaptiveAvgPool1d(2)]:
        again = dg.io.module_from_config(dg.io.module_to_config(m))
        assert type(again) is type(m) and again.get_config() == m.get_config()
    # a saved model with the new layers loads and computes the same
    model = nn.Sequential(
        nn.Conv1d(2, 4, 3), nn.AdaptiveMaxPool1d(5), nn.AdaptiveAvgPool1d(2), nn.Flatten()
    )
    model.save(tmp_path / "m.dg")
    loaded = dg.load_model(tmp_path / "m.dg")
    x = dg.tensor(rng.standard_normal((3, 2, 11)).astype(np.float32))
    np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())


# ---- errors ------------------------------------------------------------------------------------
def test_wrong_ndim():
    with pytest.raises(ValueError, match=r"adaptive_max_pool2d: expected a 4-D input.*\(3, 4\)"):
        F.adaptive_max_pool2d(dg.zeros(3, 4), 2)
    with pytest.raises(ValueError, match=r"adaptive_max_pool1d: expected a 3-D input.*\(3,\)"):
        F.adaptive_max_pool1d(dg.zeros(3), 2)
    with pytest.raises(ValueError, match=r"adaptive_avg_pool1d: expected a 3-D input"):
        F.adaptive_avg_pool1d(dg.zeros(1, 2, 3, 4), 2)
    with pytest.raises(ValueError, match=r"AdaptiveMaxPool2d\(output_size=2\): .*4-D input"):
        nn.AdaptiveMaxPool2d(2)(dg.zeros(3, 4))


@pytest.mark.parametrize("out", [-1, (0, -2), (2, -3)])
def test_output_size_must_not_be_negative(out):
    with pytest.raises(ValueError, match=r"adaptive_max_pool2d: elements of output_size must "):
        F.adaptive_max_pool2d(dg.zeros(1, 1, 4, 4), out)
    with pytest.raises(RuntimeError, match=r"adaptive_avg_pool2d: .*greater than or equal to 0"):
        F.adaptive_avg_pool2d(dg.zeros(1, 1, 4, 4), out)


ZERO_CASES = [  # (function name, input shape, output_size)
    ("adaptive_avg_pool1d", (2, 3, 5), 0),
    ("adaptive_max_pool1d", (2, 3, 5), 0),
    ("adaptive_avg_pool2d", (2, 3, 5, 6), 0),
    ("adaptive_avg_pool2d", (2, 3, 5, 6), (0, 2)),
    ("adaptive_avg_pool2d", (3, 5, 6), (None, 0)),
    ("adaptive_max_pool2d", (2, 3, 5, 6), (2, 0)),
    ("adaptive_max_pool2d", (3, 5, 6), 0),
    ("adaptive_avg_pool3d", (2, 3, 4, 5, 6), (0, 2, 2)),
    ("adaptive_avg_pool3d", (3, 4, 5, 6), 0),
    ("adaptive_max_pool3d", (2, 3, 4, 5, 6), (2, 2, 0)),
]


@pytest.mark.parametrize("name, shape, out", ZERO_CASES)
def test_zero_output_size_as_torch(torch, name, shape, out):
    """PyTorch's contract for a 0 in output_size: an empty output of the right shape (and
    empty int64 indices); differentiating it raises PyTorch's RuntimeError."""
    x = dg.randn(*shape, requires_grad=True)
    xt = torch.randn(*shape, requires_grad=True)
    y, yt = getattr(F, name)(x, out), getattr(torch.nn.functional, name)(xt, out)
    assert y.shape == tuple(yt.shape) and y.dtype == dg.float32 and y.numel() == 0
    with pytest.raises(RuntimeError) as theirs:
        yt.sum().backward()
    with pytest.raises(
        RuntimeError, match=r"_backward\(\): Expected grad_output to have non-zero"
    ) as ours:
        y.sum().backward()
    assert str(ours.value).split("(")[0] == str(theirs.value).split("(")[0]  # the same name
    if "max" in name:
        _, i = getattr(F, name)(x.detach(), out, return_indices=True)
        _, it = getattr(torch.nn.functional, name)(xt.detach(), out, return_indices=True)
        assert i.shape == tuple(it.shape) and i.dtype == dg.int64
    layer = {"avg": nn.AdaptiveAvgPool2d, "max": nn.AdaptiveMaxPool2d}[name[9:12]]
    if name.endswith("2d"):
        assert layer(out)(x).shape == y.shape


@pytest.mark.parametrize("fn", [F.adaptive_max_pool1d, F.adaptive_avg_pool1d])
def test_1d_output_size_errors(fn):
    name = fn.__name__
    with pytest.raises(ValueError, match=rf"{name}: elements of output_size .* got -1"):
        fn(dg.zeros(1, 1, 4), -1)
    with pytest.raises(ValueError, match=rf"{name}: output_size must be an int.*\(2, 2\)"):
        fn(dg.zeros(1, 1, 4), (2, 2))
    with pytest.raises(TypeError, match=rf"{name}: output_size must be an int.*None"):
        fn(dg.zeros(1, 1, 4), None)
    with pytest.raises(ValueError, match=r"AdaptiveMaxPool1d\(output_size=-2\): .*or equal to 0"):
        nn.AdaptiveMaxPool1d(-2)(dg.zeros(1, 1, 4))


def test_other_bad_input():
    with pytest.raises(
        ValueError, match=r"output_size must be an int or a tuple of 2.*\(1, 2, 3\)"
    ):
        F.adaptive_max_pool2d(dg.zeros(1, 1, 4, 4), (1, 2, 3))
    with pytest.raises(TypeError, match=r"output_size must be an int or a tuple of 2.*2\.5"):
        F.adaptive_max_pool2d(dg.zeros(1, 1, 4, 4), (2.5, 2))
    with pytest.raises(TypeError, match=r"adaptive_max_pool2d: expected a floating input"):
        F.adaptive_max_pool2d(dg.tensor(np.zeros((1, 1, 4, 4), dtype=np.int64)), 2)
    with pytest.raises(TypeError, match=r"adaptive_max_pool1d: expected a floating input"):
        F.adaptive_max_pool1d(dg.tensor(np.zeros((1, 1, 4), dtype=np.int64)), 2)
    with pytest.raises(ValueError, match=r"expected non-empty pooled axes, got sizes \(0, 4\)"):
        F.adaptive_max_pool2d(dg.zeros(1, 1, 0, 4), 2)


@pytest.mark.parametrize("shape", [(2, 3, 5, 7, 6), (3, 4, 5, 6), (1, 1, 1, 1, 1)])
@pytest.mark.parametrize("out", [1, (2, 3, 4), (None, 2, None), (3, 1, 5)])
def test_adaptive_avg_pool3d_matches_torch(shape, out):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(sum(shape)).standard_normal(shape)
    res = []
    for lib in (torch, dg):
        xt = lib.tensor(x, requires_grad=True)
        y = lib.nn.AdaptiveAvgPool3d(out)(xt)
        y.backward(lib.tensor(np.arange(y.numel(), dtype=np.float64).reshape(y.shape)))
        res.append((y.detach().numpy(), xt.grad.numpy()))
    assert res[1][0].shape == res[0][0].shape
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-12, atol=1e-12)


def test_adaptive_avg_pool3d_gradcheck_and_errors():
    x = dg.tensor(np.random.default_rng(0).standard_normal((1, 2, 3, 4, 5)), requires_grad=True)
    assert dg.gradcheck(lambda x: dg.nn.functional.adaptive_avg_pool3d(x, (2, 3, 2)), x)
    with pytest.raises(ValueError, match="5-D"):
        dg.nn.functional.adaptive_avg_pool3d(dg.zeros(2, 3, 4), 1)
    with pytest.raises(TypeError, match="floating"):
        dg.nn.functional.adaptive_avg_pool3d(dg.zeros(1, 1, 2, 2, 2, dtype=dg.int64), 1)


# ---- adaptive max pooling, 3-D; NaN windows --------------------------------------------------
@pytest.mark.parametrize(
    "shape, out",
    [
        ((2, 3, 5, 7, 6), (2, 3, 4)),  # overlapping windows on every axis
        ((2, 3, 4, 4, 4), 2),  # divisible
        ((3, 5, 7, 6), (None, 2, 7)),  # unbatched, None keeps an axis
        ((1, 1, 2, 3, 1), (5, 4, 3)),  # output larger than the input
        ((2, 1, 1, 1, 1), 1),  # size-1 dims
        ((0, 2, 4, 4, 4), 2),  # empty batch
    ],
)
def test_adaptive_max_pool3d_matches_torch(torch, rng, shape, out):
    tf = torch.nn.functional
    x = rng.standard_normal(shape)
    _compare(torch, lambda t: F.adaptive_max_pool3d(t, out, return_indices=True),
             lambda t: tf.adaptive_max_pool3d(t, out, return_indices=True), x,
             indices=True)  # fmt: skip
    _compare(torch, nn.AdaptiveMaxPool3d(out), torch.nn.AdaptiveMaxPool3d(out), x)
    x32 = x.astype(np.float32)
    _compare(torch, lambda t: F.adaptive_max_pool3d(t, out),
             lambda t: tf.adaptive_max_pool3d(t, out), x32, tol=1e-6)  # fmt: skip


def test_adaptive_max_pool3d_gradcheck_ties_and_errors(torch):
    x = dg.tensor(np.random.default_rng(0).standard_normal((2, 2, 3, 4, 5)), requires_grad=True)
    assert dg.gradcheck(lambda t: F.adaptive_max_pool3d(t, (2, 3, 2)), x)

    def first(t):  # second order: the gradient of a function of the first gradient
        (g,) = dg.grad((F.adaptive_max_pool3d(t, (2, 3, 2)) ** 3).sum(), [t], create_graph=True)
        return (g * g).sum()

    assert dg.gradcheck(first, x)
    tied = np.round(np.random.default_rng(1).standard_normal((1, 2, 4, 5, 3)))  # many ties
    _compare(torch, lambda t: F.adaptive_max_pool3d(t, (3, 2, 2), True),
             lambda t: torch.nn.functional.adaptive_max_pool3d(t, (3, 2, 2), True), tied,
             indices=True)  # fmt: skip
    with pytest.raises(ValueError, match=r"adaptive_max_pool3d: expected a 5-D .*\(2, 3, 4\)"):
        F.adaptive_max_pool3d(dg.zeros(2, 3, 4), 1)
    with pytest.raises(TypeError, match="adaptive_max_pool3d: expected a floating input"):
        F.adaptive_max_pool3d(dg.zeros(1, 1, 2, 2, 2, dtype=dg.int64), 1)
    with pytest.raises(ValueError, match=r"adaptive_max_pool3d: output_size must be an int or a"):
        F.adaptive_max_pool3d(dg.zeros(1, 1, 2, 2, 2), (1, 2))
    with pytest.raises(ValueError, match=r"AdaptiveMaxPool3d\(output_size=-1\): .*equal to 0"):
        nn.AdaptiveMaxPool3d(-1)(dg.zeros(1, 1, 2, 2, 2))
    assert nn.AdaptiveMaxPool3d(0)(dg.zeros(1, 1, 2, 2, 2)).shape == (1, 1, 0, 0, 0)
    assert repr(nn.AdaptiveMaxPool3d((2, None, 1))) == "AdaptiveMaxPool3d(output_size=(2, None, 1))"
    again = dg.io.module_from_config(dg.io.module_to_config(nn.AdaptiveMaxPool3d(2, True)))
    assert again.get_config() == {"output_size": 2, "return_indices": True}


@pytest.mark.parametrize(
    "name, arg, shape",
    [
        ("adaptive_max_pool1d", 3, (2, 3, 8)),
        ("adaptive_max_pool2d", (2, 3), (2, 3, 5, 7)),
        ("adaptive_max_pool3d", (2, 1, 3), (2, 2, 3, 4, 5)),
    ],
)
def test_adaptive_max_pool_nan_goes_to_the_last_nan_as_torch(torch, rng, name, arg, shape):
    """PyTorch's kernels keep ``val > max || isnan(val)``: a window holding NaN outputs NaN,
    and its index (and the gradient) point at the window's last NaN."""
    x = rng.standard_normal(shape)
    x.reshape(-1)[rng.choice(x.size, x.size // 4, replace=False)] = np.nan
    xd, xt = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (yd, id_), (yt, it) = (
        getattr(F, name)(xd, arg, True),
        getattr(torch.nn.functional, name)(xt, arg, True),
    )
    np.testing.assert_array_equal(id_.numpy(), it.numpy())
    np.testing.assert_array_equal(yd.numpy(), yt.detach().numpy())
    yd.sum().backward()
    yt.sum().backward()
    np.testing.assert_array_equal(xd.grad.numpy(), xt.grad.numpy())


@pytest.mark.parametrize(
    "name, shape, out",
    [("adaptive_avg_pool1d", (2, 3, 7), 3), ("adaptive_avg_pool2d", (2, 3, 6, 7), (4, 3)),
     ("adaptive_avg_pool3d", (1, 2, 5, 6, 7), (2, 4, 3))],
)  # fmt: skip
def test_avg_pool_of_non_finite_values_stays_in_its_windows(torch, name, shape, out):
    """NaN and ±inf reach only the windows that hold them (averaging matrices multiplied
    them by zeros elsewhere: whole rows NaN); the gradients are the windows' 1/size."""
    x = np.random.default_rng(1).standard_normal(shape)
    flat = x.reshape(-1)
    flat[[1, flat.size // 3, flat.size - 2]] = [np.nan, np.inf, -np.inf]
    t, tt = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = getattr(F, name)(t, out), getattr(torch.nn.functional, name)(tt, out)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
    w = np.random.default_rng(2).standard_normal(y.shape)
    (y * dg.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-12)
