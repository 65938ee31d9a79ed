"""Activations (relu leaky_relu elu gelu sigmoid tanh softmax log_softmax softplus erf):
gradcheck, PyTorch agreement in float64/float32, stability at ±1000, double backward."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import deepgrad as dg
import deepgrad.functional as F

FAST = settings(max_examples=15, deadline=None)

# name -> (deepgrad function, torch function given the torch module)
ACTIVATIONS = {
    "relu": (F.relu, lambda t: t.relu),
    "leaky_relu": (F.leaky_relu, lambda t: t.nn.functional.leaky_relu),
    "leaky_relu_0.2": (
        lambda x: F.leaky_relu(x, 0.2),
        lambda t: lambda x: t.nn.functional.leaky_relu(x, 0.2),
    ),
    "elu": (F.elu, lambda t: t.nn.functional.elu),
    "elu_0.5": (lambda x: F.elu(x, 0.5), lambda t: lambda x: t.nn.functional.elu(x, 0.5)),
    "gelu": (F.gelu, lambda t: t.nn.functional.gelu),
    "gelu_tanh": (
        lambda x: F.gelu(x, approximate="tanh"),
        lambda t: lambda x: t.nn.functional.gelu(x, approximate="tanh"),
    ),
    "sigmoid": (F.sigmoid, lambda t: t.sigmoid),
    "tanh": (F.tanh, lambda t: t.tanh),
    "softplus": (F.softplus, lambda t: t.nn.functional.softplus),
    "erf": (F.erf, lambda t: t.erf),
    "softmax": (lambda x: F.softmax(x, -1), lambda t: lambda x: t.softmax(x, -1)),
    "softmax_0": (lambda x: F.softmax(x, 0), lambda t: lambda x: t.softmax(x, 0)),
    "log_softmax": (lambda x: F.log_softmax(x, -1), lambda t: lambda x: t.log_softmax(x, -1)),
    "log_softmax_0": (lambda x: F.log_softmax(x, 0), lambda t: lambda x: t.log_softmax(x, 0)),
    "softmax_method": (lambda x: x.softmax(-1), lambda t: lambda x: x.softmax(-1)),
    "log_softmax_method": (lambda x: x.log_softmax(-1), lambda t: lambda x: x.log_softmax(-1)),
}


def _away_from_kinks(a):
    """Move values off 0, where relu/leaky_relu/elu are not differentiable."""
    return np.where(np.abs(a) < 1e-3, 0.1, a)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@FAST
@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=3), seed=st.integers(0, 2**16))
def test_activation_gradcheck(name, shape, seed):
    fn = ACTIVATIONS[name][0]
    a = _away_from_kinks(np.asarray(np.random.default_rng(seed).standard_normal(shape) * 2))
    x = dg.tensor(a, requires_grad=True)
    assert dg.gradcheck(fn, x)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(), (5,), (3, 4), (2, 3, 4)])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_matches_torch(torch, rng, name, shape, dtype):
    fn, tfn = ACTIVATIONS[name]
    tol = {"rtol": 1e-10, "atol": 1e-12} if dtype == np.float64 else {"rtol": 1e-5, "atol": 1e-6}
    a = _away_from_kinks(np.asarray(rng.standard_normal(shape) * 3)).astype(dtype)
    x = dg.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    y, ty = fn(x), tfn(torch)(t)
    assert y.dtype == dtype and y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), **tol)
    g = np.asarray(rng.standard_normal(y.shape)).astype(dtype)
    y.backward(dg.tensor(g))
    ty.backward(torch.tensor(g))
    assert x.grad.dtype == dtype
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), **tol)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_double_backward_matches_torch(torch, rng, name):
    fn, tfn = ACTIVATIONS[name]
    a = _away_from_kinks(rng.standard_normal((3, 4)) * 2)
    x = dg.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    v = rng.standard_normal((3, 4))
    (g,) = dg.grad((fn(x) * dg.tensor(v)).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad((tfn(torch)(t) * torch.tensor(v)).sum(), t, create_graph=True)
    (tg * tg).sum().backward()
    expected = np.zeros_like(a) if t.grad is None else t.grad.numpy()
    if not g.requires_grad:  # piecewise-linear: the first derivative is a constant of x
        np.testing.assert_array_equal(expected, 0.0)
        return
    (g * g).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-9, atol=1e-12)


# ---- numerical stability ------------------------------------------------------------------
EXTREMES = np.array([-1000.0, -50.0, -1.0, 0.0, 1.0, 50.0, 1000.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "name", ["sigmoid", "softplus", "softmax", "log_softmax", "tanh", "elu", "gelu", "gelu_tanh"]
)
def test_stable_at_plus_minus_1000(torch, name, dtype):
    fn, tfn = ACTIVATIONS[name]
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        x = dg.tensor(EXTREMES.astype(dtype), requires_grad=True)
        y = fn(x)
        y.backward(dg.ones_like(y))
    t = torch.tensor(EXTREMES.astype(dtype), requires_grad=True)
    ty = tfn(torch)(t)
    ty.backward(torch.ones_like(ty))
    assert np.all(np.isfinite(y.numpy())) and np.all(np.isfinite(x.grad.numpy()))
    assert y.dtype == dtype and x.grad.dtype == dtype
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_sigmoid_softplus_exact_values_at_extremes():
    x = dg.tensor(np.array([-1000.0, 1000.0]))
    np.testing.assert_array_equal(F.sigmoid(x).numpy(), [0.0, 1.0])
    np.testing.assert_array_equal(F.softplus(x).numpy(), [0.0, 1000.0])


def test_softmax_rows_with_huge_logits():
    x = dg.tensor(np.array([[1000.0, 0.0, -1000.0], [1000.0, 1000.0, 1000.0]]), requires_grad=True)
    p = F.softmax(x, axis=1).numpy()
    np.testing.assert_allclose(p, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]], atol=1e-12)
    ls = F.log_softmax(x, axis=1)
    np.testing.assert_allclose(ls.numpy()[0], [0.0, -1000.0, -2000.0])
    ls[:, 0].sum().backward()
    assert np.all(np.isfinite(x.grad.numpy()))
    np.testing.assert_allclose(x.grad.numpy().sum(axis=1), [0.0, 0.0], atol=1e-12)


def test_tanh_second_derivative():
    a = np.linspace(-2, 2, 9)
    x = dg.tensor(a, requires_grad=True)
    (d1,) = dg.grad(F.tanh(x).sum(), x, create_graph=True)
    (d2,) = dg.grad(d1.sum(), x)
    th = np.tanh(a)
    np.testing.assert_allclose(d1.numpy(), 1 - th**2, rtol=1e-12)
    np.testing.assert_allclose(d2.numpy(), -2 * th * (1 - th**2), rtol=1e-10, atol=1e-14)


def test_relu_gradient_at_zero_is_zero():
    x = dg.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    F.relu(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 1.0])


def test_errors():
    with pytest.raises(ValueError, match="softmax: dim 2 is out of range"):
        F.softmax(dg.ones(2, 3), axis=2)
    with pytest.raises(ValueError, match="log_softmax: dim -3"):
        F.log_softmax(dg.ones(2, 3), axis=-3)
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        F.gelu(dg.ones(2), approximate="fast")


@pytest.mark.numpy_only("bit patterns of NumPy's kernels (NaN payloads, -0.0)")
@pytest.mark.parametrize("kernels_on", [True, False])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "strided", "0-d", "empty"])
def test_relu_fast_paths_bit_identical_to_reference(dtype, layout, kernels_on):
    """ReLU (compiled kernels or NumPy forms) gives bit for bit ``maximum(x, 0)`` and
    PyTorch's ``threshold_backward``, ``0 if y ≤ 0 else g`` (an inf or NaN gradient at an off
    unit gives 0), specials included (±0, ±nan, ±inf, subnormals), in every layout; the
    same as PyTorch but for ``relu(-0.0)`` (``+0.0``; README's table)."""
    from deepgrad import kernels

    specials = [0.0, -0.0, np.nan, -np.nan, np.inf, -np.inf, 1e-45, -1e-45, 3.0, -3.0, 0.5, -2.0]
    base = np.array(specials * 4, dtype).reshape(6, 8)
    grad = np.roll(base, 3).copy()  # gradients with specials too
    pick = {
        "contiguous": lambda a: a,
        "transposed": lambda a: a.T,
        "strided": lambda a: a[:, ::2],
        "0-d": lambda a: a[0, 3].copy().reshape(()),
        "empty": lambda a: a[:0],
    }[layout]
    xa, ga = pick(base), pick(grad)
    uint = {2: np.uint16, 4: np.uint32, 8: np.uint64}[np.dtype(dtype).itemsize]

    def bits(a):
        return np.asarray(a, dtype).view(uint)

    before = kernels.set_enabled(kernels_on)
    try:
        x = dg.tensor(xa, requires_grad=True)
        y = F.relu(x)
        y.backward(dg.tensor(ga))
    finally:
        kernels.set_enabled(before)
    ref_y = np.maximum(xa, 0)
    ref_g = np.where(ref_y <= 0, np.zeros((), dtype), ga)
    np.testing.assert_array_equal(bits(y.numpy()), bits(ref_y))
    np.testing.assert_array_equal(bits(x.grad.numpy()), bits(ref_g))
    torch = pytest.importorskip("torch")
    if layout == "contiguous" and dtype != np.float16:
        tx = torch.tensor(xa, requires_grad=True)
        ty = torch.relu(tx)
        ty.backward(torch.tensor(ga))
        np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())  # -0.0 == +0.0
        np.testing.assert_array_equal(bits(x.grad.numpy()), bits(tx.grad.numpy()))


@pytest.mark.numpy_only("bit patterns of NumPy's kernels (NaN payloads, -0.0)")
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_sigmoid_forward_is_the_two_branch_form_bit_for_bit(dtype):
    """``sigmoid`` picks its numerator before one division; the values (signs of zero, ±inf,
    nan, subnormals included) are those of ``where(x ≥ 0, 1/(1+e), e/(1+e))``, e = e^-|x|."""
    from deepgrad.functional.activation import _sigmoid

    r = np.random.default_rng(0)
    edges = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 88.7, -88.7, 1e4, -1e4]
    x = np.concatenate([r.standard_normal(5000) * 10, edges]).astype(dtype)
    e = np.exp(-np.abs(x))
    want = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    got = _sigmoid(x)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
    assert isinstance(_sigmoid(np.asarray(dtype(0.5))), np.ndarray)  # 0-d stays an array


@pytest.mark.parametrize("source", [np.float16, np.float32])
@pytest.mark.parametrize("shape", [(48, 33), (4, 48, 32)])
def test_float16_softmax_is_computed_in_float32_as_torch(torch, source, shape):
    """PyTorch computes a float16 softmax over the last dim in float32 and rounds the result:
    the same bits (from a float16 input, or from ``dtype=float16``); log_softmax is computed
    the same way. (Over other dims PyTorch's kernel depends on the CPU's vector width.)"""
    dim = -1
    a = (np.random.default_rng(0).normal(size=shape) * 4).astype(source)
    kw = {"dtype": torch.float16} if source is np.float32 else {}
    want = torch.nn.functional.softmax(torch.tensor(a), dim, **kw).numpy()
    got = F.softmax(dg.tensor(a), dim, dtype=dg.float16 if kw else None)
    assert got.dtype == np.float16
    np.testing.assert_array_equal(got.numpy(), want)


@pytest.mark.parametrize("shape", [(64, 33), (48, 33), (4, 48, 32), (5, 7, 9), (300,)])
def test_float16_log_softmax_is_torchs_bit_for_bit_over_every_dim(torch, shape):
    """PyTorch's last-dim kernel keeps the sum of exponentials and its log in float16 (then
    ``x - max - log`` in float32, rounded); over other dims all is float32, rounded once."""
    a = (np.random.default_rng(0).normal(size=shape) * 4).astype(np.float16)
    for dim in range(len(shape)):
        want = torch.log_softmax(torch.tensor(a), dim).numpy()
        np.testing.assert_array_equal(F.log_softmax(dg.tensor(a), dim).numpy(), want)


@pytest.mark.parametrize("shape", [(64, 33), (5, 7, 9), (3, 64, 2)])
def test_float16_softmax_over_another_dim_is_within_one_ulp_of_torch(torch, shape):
    """Over a dim other than the last, PyTorch's float16 kernel rounds some columns'
    exponentials to float16 first (which ones depends on the CPU and the thread count; README
    row): every value is within 1 ulp of its, and sums to 1 as closely."""
    a = (np.random.default_rng(0).normal(size=shape) * 4).astype(np.float16)
    for dim in range(len(shape) - 1):
        got = F.softmax(dg.tensor(a), dim).numpy()
        want = torch.softmax(torch.tensor(a), dim).numpy()
        ulps = np.abs(got.view(np.int16).astype(int) - want.view(np.int16).astype(int))
        assert got.dtype == np.float16 and ulps.max() <= 1


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_])
def test_softmax_family_refuses_integer_input_without_dtype_as_torch(name, dtype):
    """PyTorch has no integer kernel ('softmax_lastdim_kernel_impl' not implemented for
    'Long'): deepgrad refuses too (it returned float64), and ``dtype=`` casts first."""
    torch = pytest.importorskip("torch")
    x = np.array([1, 0, 1]).astype(dtype)
    if name == "softmin" and dtype == np.bool_:  # softmin negates first: -bool is refused
        for lib in (torch, dg):
            for kw in ({}, {"dtype": lib.float64}):
                with pytest.raises(RuntimeError, match="Negation, the `-` operator, on a bool"):
                    lib.nn.functional.softmin(lib.tensor(x), 0, **kw)
        return
    with pytest.raises(NotImplementedError):
        getattr(torch.nn.functional, name)(torch.tensor(x), 0)
    with pytest.raises(NotImplementedError, match=f"{name}: not implemented for a"):
        getattr(dg.nn.functional, name)(dg.tensor(x), 0)
    # with dtype=: softmax/log_softmax cast first; softmin negates in x's dtype first (a
    # uint8 input wraps around), then casts, as PyTorch
    got = getattr(dg.nn.functional, name)(dg.tensor(x), 0, dtype=dg.float64)
    want = getattr(torch.nn.functional, name)(torch.tensor(x), 0, dtype=torch.float64)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-14)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_softmax_family_refuses_a_non_tensor_as_torch(name):
    """``torch.softmax([1.0, 2.0], 0)`` raises TypeError; deepgrad failed with an
    AttributeError deep inside."""
    torch = pytest.importorskip("torch")
    forms = [getattr(torch, name, None), getattr(dg, name, None), getattr(dg.nn.functional, name)]
    for fn in filter(None, forms):  # torch.nn.functional's forms fail with AttributeError
        for bad in ([1.0, 2.0], np.array([1.0, 2.0])):
            with pytest.raises(TypeError, match="must be Tensor"):
                fn(bad, 0)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4), (2, 3, 4, 5)])
def test_functional_softmax_without_dim_is_pytorchs_implicit_dim(torch, rng, fn, shape):
    """``F.softmax(x)`` without ``dim`` is PyTorch's (deprecated) implicit dim, with its
    warning: dim 0 for a 1- or 3-d input, 1 otherwise -- not the last dim, which gave other
    numbers silently for 3- and 4-d inputs."""
    a = rng.standard_normal(shape)
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        got = getattr(F, fn)(dg.tensor(a)).numpy()
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        want = getattr(torch.nn.functional, fn)(torch.tensor(a)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_prelu_shape_errors_are_torchs_runtime_errors():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    cases = [(x, np.ones(2)), (x, np.ones((3, 1))), (np.array(1.0), np.ones(2))]
    for xv, wv in cases:
        with pytest.raises(RuntimeError):
            torch.nn.functional.prelu(torch.tensor(xv), torch.tensor(wv))
        with pytest.raises(RuntimeError) as got:
            F.prelu(dg.tensor(xv), dg.tensor(wv))
        assert isinstance(got.value, ValueError)  # the class deepgrad raised before


@pytest.mark.parametrize(
    "call",
    [
        lambda T: T.nn.functional.gelu(T.zeros(2), approximate="x"),
        lambda T: T.nn.functional.glu(T.zeros(3, 3), 0),
        lambda T: T.nn.functional.glu(T.tensor(1.0)),
        lambda T: T.nn.functional.max_pool2d(T.zeros(1, 1, 4, 4), 2, padding=2),
        lambda T: T.nn.functional.interpolate(T.zeros(1, 1, 4, 4), size=3, mode="linear"),
        lambda T: T.nn.functional.interpolate(T.zeros(1, 1, 4), size=3, mode="bicubic"),
    ],
)
def test_refusals_raise_pytorchs_class(call):
    """RuntimeError / NotImplementedError as PyTorch's (each also a ValueError, as before)."""
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as want:
        call(torch)
    with pytest.raises(type(want.value)) as got:
        call(dg)
    assert isinstance(got.value, ValueError)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("form", ["function", "layer", "in_place"])
def test_threshold_passes_nan_as_torch(torch, dtype, form):
    """PyTorch's threshold replaces ``x <= threshold``: a NaN is not replaced, and its
    gradient passes (deepgrad replaced it, with ``x > threshold``, and dropped the gradient)."""
    v = np.array([np.nan, 0.5, 1.0, -0.0, np.inf, -np.inf, 0.50001], dtype=dtype)
    make = {
        "function": lambda lib, x: lib.nn.functional.threshold(x, 0.5, -1.0),
        "layer": lambda lib, x: lib.nn.Threshold(0.5, -1.0)(x),
        "in_place": lambda lib, x: lib.nn.functional.threshold_(x * 1, 0.5, -1.0),
    }[form]
    x, xt = dg.tensor(v, requires_grad=True), torch.tensor(v, requires_grad=True)
    y, yt = make(dg, x), make(torch, xt)
    np.testing.assert_array_equal(y.detach().numpy(), yt.detach().numpy())
    y.sum().backward()
    yt.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())
