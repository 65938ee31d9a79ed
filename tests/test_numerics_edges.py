"""Numerics at the edges, as PyTorch 2.13: empty batches (conv, amax/max over a dim, softmax,
log_softmax, logsumexp, cross-entropy), var/std with too few elements and of a constant input,
pow's gradient at 0⁰, normalization of a constant input, softmax of a 0-d tensor, and
cross-entropy's unbatched probability targets and ignore_index refusal; IEEE results (inf/NaN)
without NumPy warnings, also through +, -, · (inf - inf, inf · 0, overflow), the engine's
gradient sums and in-place updates; special values (±0, subnormals, ±inf, NaN) through the
elementwise functions, as PyTorch's."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _pair(a, dtype=np.float64):
    a = np.asarray(a, dtype=dtype)
    return dg.tensor(a.copy(), requires_grad=True), torch.tensor(a.copy(), requires_grad=True)


def _same(y, ty, xs=(), txs=(), grad=True):
    """Values, shapes, dtypes and (after ``sum().backward()``) input gradients agree."""
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-6, atol=1e-7)
    if not grad:
        return
    y.sum().backward()
    ty.sum().backward()
    for x, tx in zip(xs, txs, strict=True):
        assert x.grad is not None and x.grad.shape == tuple(tx.grad.shape)
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6, atol=1e-7)


# ---- empty batches ----------------------------------------------------------------------------
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize(
    ("fn", "tfn", "xshape", "wshape", "kw"),
    [
        ("conv2d", TF.conv2d, (0, 3, 5, 5), (4, 3, 3, 3), {"padding": 1}),
        ("conv2d", TF.conv2d, (0, 4, 5, 5), (4, 2, 3, 3), {"groups": 2, "stride": 2}),
        ("conv1d", TF.conv1d, (0, 3, 6), (4, 3, 3), {}),
        ("conv_transpose2d", TF.conv_transpose2d, (0, 3, 4, 4), (3, 4, 3, 3), {"stride": 2}),
        ("conv_transpose1d", TF.conv_transpose1d, (0, 3, 4), (3, 4, 3), {}),
    ],
)
def test_convolution_of_an_empty_batch(fn, tfn, xshape, wshape, kw, bias):
    rng = np.random.default_rng(0)
    x, tx = _pair(rng.standard_normal(xshape))
    w, tw = _pair(rng.standard_normal(wshape))
    out_c = wshape[1] * kw.get("groups", 1) if "transpose" in fn else wshape[0]
    b, tb = _pair(rng.standard_normal(out_c)) if bias else (None, None)
    y, ty = getattr(F, fn)(x, w, b, **kw), tfn(tx, tw, tb, **kw)
    _same(y, ty, [x, w] + ([b] if bias else []), [tx, tw] + ([tb] if bias else []))


def test_the_conv_layers_take_an_empty_batch():
    conv = dg.nn.Conv2d(3, 4, 3)
    assert conv(dg.zeros(0, 3, 8, 8)).shape == (0, 4, 6, 6)


@pytest.mark.parametrize("name", ["amax", "amin"])
def test_amax_over_a_nonempty_dim_of_an_empty_tensor(name):
    x, tx = _pair(np.zeros((0, 3)))
    _same(getattr(dg, name)(x, 1), getattr(torch, name)(tx, 1), [x], [tx])
    x, tx = _pair(np.zeros((2, 0, 3)))
    _same(getattr(dg, name)(x, 2, keepdim=True), getattr(torch, name)(tx, 2, keepdim=True))


def test_max_over_an_empty_dim_is_refused_clearly():
    x = dg.zeros(0, 3)
    # PyTorch's classes (IndexError, RuntimeError), also ValueErrors; the shape is named
    with pytest.raises(IndexError, match=r"dim 0 to have non-zero size.*shape \(0, 3\)"):
        dg.amax(x, 0)
    with pytest.raises(RuntimeError, match=r"numel\(\) == 0.*shape \(0, 3\) is empty"):
        dg.amax(x)
    with pytest.raises(ValueError, match="dim 0 to have non-zero size"):
        dg.max(x, 0)
    assert dg.max(x, 1).values.shape == (0,)  # over the non-empty dim: fine, as torch's


@pytest.mark.parametrize("dim", [0, 1])
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_softmax_of_an_empty_input(name, dim):
    x, tx = _pair(np.zeros((0, 3)))
    _same(getattr(F, name)(x, dim), getattr(TF, name)(tx, dim), [x], [tx])


@pytest.mark.parametrize("dim", [0, 1, (0, 1)])
def test_logsumexp_of_an_empty_input(dim):
    x, tx = _pair(np.zeros((0, 3)))
    y, ty = dg.logsumexp(x, dim), torch.logsumexp(tx, dim)
    _same(y, ty, [x], [tx])
    if dim == 0:
        assert np.all(y.numpy() == -np.inf)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("kind", ["labels", "weighted", "probs", "spatial"])
def test_cross_entropy_of_an_empty_batch(kind, reduction):
    shape = (0, 5, 3) if kind == "spatial" else (0, 5)
    x, tx = _pair(np.zeros(shape), np.float32)
    kw = {"reduction": reduction}
    if kind == "probs":
        t = np.zeros(shape, np.float32)
    else:
        t = np.zeros((0, 3) if kind == "spatial" else (0,), np.int64)
    if kind == "weighted":
        kw["weight"] = dg.tensor(np.arange(1.0, 6.0, dtype=np.float32))
    tkw = {**kw, "weight": torch.tensor(kw["weight"].numpy())} if "weight" in kw else kw
    y = F.cross_entropy(x, dg.tensor(t), **kw)
    ty = TF.cross_entropy(tx, torch.tensor(t), **tkw)
    assert y.shape == tuple(ty.shape)
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())  # NaN for the mean
    y.sum().backward()
    ty.sum().backward()
    assert x.grad.shape == shape


# ---- var / std ---------------------------------------------------------------------------------
@pytest.mark.parametrize("correction", [0, 1, 2])
@pytest.mark.parametrize(
    ("shape", "dim"), [((), None), ((1,), None), ((0,), None), ((3, 1), 1), ((2, 0), 0), ((2,), 0)]
)
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_and_std_with_few_elements_match_torch(name, shape, dim, correction):
    a = np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape) * 1.5
    x, tx = _pair(a)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # both warn: degrees of freedom <= 0
        y = getattr(F, name)(x, dim, correction=correction)
        ty = getattr(torch, name)(tx, dim, correction=correction)
    assert y.shape == tuple(ty.shape)
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_var_with_too_few_elements_warns_as_torch():
    with pytest.warns(UserWarning, match=r"degrees of freedom 0 <= 0 .*1 elements"):
        assert np.isnan(dg.tensor([2.0]).var().item())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("shape", "dim"), [((5,), None), ((3, 4), 0), ((3, 4), 1), ((1, 6), 1)])
def test_std_of_a_constant_input_has_gradient_zero(shape, dim, dtype):
    """The standard deviation is exactly 0 and so is its gradient (PyTorch's rule masks the
    gradient where the std is 0; its own std of 0.7s is sometimes 1e-17, not 0, and then its
    gradient is ±1/√(n(n-1)): deepgrad's shifted mean makes the std exactly 0)."""
    x, tx = _pair(np.full(shape, 0.7), dtype)
    y, ty = F.std(x, dim), torch.std(tx, dim)
    assert np.all(y.numpy() == 0)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), atol=1e-6)
    y.sum().backward()
    assert np.all(x.grad.numpy() == 0)
    z = dg.tensor(np.zeros(shape, dtype), requires_grad=True)  # where torch's std is 0 too
    tz = torch.zeros(shape, dtype=getattr(torch, np.dtype(dtype).name), requires_grad=True)
    _same(F.std(z, dim), torch.std(tz, dim), [z], [tz])


# ---- pow at 0⁰ ---------------------------------------------------------------------------------
@pytest.mark.parametrize("exponent", [0.0, 0, 1.0, 2.0, 3.0, 0.5, -1.0])
def test_pow_gradient_at_zero_with_a_number_exponent(exponent):
    x, tx = _pair([0.0, 1.5, -2.0] if float(exponent).is_integer() else [0.0, 1.5, 2.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        _same(x**exponent, tx**exponent, [x], [tx])


def test_pow_gradient_at_zero_with_a_tensor_exponent():
    base = [0.0, 0.0, 0.0, 2.0, 0.0]
    expo = [0.0, 2.0, 1.0, 0.0, 3.0]
    a, ta = _pair(base)
    b, tb = _pair(expo)
    _same(a**b, ta**tb, [a, b], [ta, tb])
    assert a.grad.numpy()[0] == 0 and b.grad.numpy()[0] == 0  # 0⁰: gradient 0 in both


# ---- normalization of a constant input ---------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("value", [0.1, 1 / 3, -2.7, 1000.1, 3e-5])
def test_normalization_of_a_constant_input_is_exactly_zero(value, dtype):
    x = dg.tensor(np.full((4, 3, 37, 2), value, dtype))
    assert np.all(F.layer_norm(x, (37, 2)).numpy() == 0)
    assert np.all(F.batch_norm(x, None, None, training=True).numpy() == 0)
    assert np.all(F.group_norm(x, 3).numpy() == 0)
    assert np.all(F.instance_norm(x).numpy() == 0)
    assert np.all(dg.nn.LayerNorm(2, dtype=dtype)(x).numpy() == 0)
    bn = dg.nn.BatchNorm2d(3, dtype=dtype)
    assert np.all(bn(x).numpy() == 0)
    np.testing.assert_allclose(bn.running_mean.numpy(), np.full(3, 0.1 * value), rtol=1e-6)


def test_statistics_stay_accurate_far_from_zero():
    """The shifted mean keeps float32 statistics of values far from 0 accurate: batch norm of
    1000 + 0.01·z is within 1e-5 of the float64 result (PyTorch's float32 is off by ~3e-3)."""
    a = (np.random.default_rng(0).standard_normal((8, 3, 5)) * 0.01 + 1000.0).astype(np.float32)
    exact = F.batch_norm(dg.tensor(a.astype(np.float64)), None, None, training=True).numpy()
    y = F.batch_norm(dg.tensor(a), None, None, training=True).numpy()
    np.testing.assert_allclose(y, exact, atol=1e-5)
    z = F.layer_norm(dg.tensor(a), (5,)).numpy()
    np.testing.assert_allclose(z, F.layer_norm(dg.tensor(a.astype(np.float64)), (5,)).numpy(),
                               atol=1e-5)  # fmt: skip
    v = F.var(dg.tensor(a), 2).numpy()
    np.testing.assert_allclose(v, np.var(a.astype(np.float64), 2, ddof=1), rtol=1e-4)


# ---- softmax of a 0-d tensor -------------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, -1])
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_softmax_of_a_0d_tensor(name, dim):
    x, tx = _pair(1.5)
    _same(getattr(F, name)(x, dim), getattr(TF, name)(tx, dim), [x], [tx])
    with pytest.raises(ValueError, match=r"dim 1 is out of range .*expected a dim in \[-1, 0\]"):
        getattr(F, name)(x, 1)


# ---- cross-entropy's unbatched probability targets and ignore_index ----------------------------
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("weight", [None, [1.0, 2.0, 0.5, 1.0, 3.0]])
def test_unbatched_cross_entropy_with_probability_targets(weight, label_smoothing):
    rng = np.random.default_rng(1)
    x, tx = _pair(rng.standard_normal(5))
    p = rng.random(5)
    p /= p.sum()
    kw = {"label_smoothing": label_smoothing}
    y = F.cross_entropy(x, dg.tensor(p), weight=None if weight is None else dg.tensor(weight), **kw)
    ty = TF.cross_entropy(
        tx, torch.tensor(p), weight=None if weight is None else torch.tensor(weight), **kw
    )
    _same(y, ty, [x], [tx])
    loss = dg.nn.CrossEntropyLoss()
    assert loss(x, dg.tensor(p)).shape == ()


@pytest.mark.parametrize("shape", [(5,), (2, 5), (2, 5, 3)])
def test_probability_targets_refuse_ignore_index(shape):
    x = dg.zeros(*shape)
    p = dg.ones(*shape) / 5
    with pytest.raises(ValueError, match="ignore_index=1 is not supported with class-prob"):
        F.cross_entropy(x, p, ignore_index=1)
    with pytest.raises(RuntimeError, match="ignore_index is not supported"):
        TF.cross_entropy(torch.zeros(shape), torch.ones(shape) / 5, ignore_index=1)
    # a negative ignore_index (PyTorch's default -100 among them) is accepted, as torch does
    assert np.isfinite(F.cross_entropy(x, p, ignore_index=-1).item())


def test_batch_norm_of_an_empty_batch_leaves_the_statistics():
    bn, tbn = dg.nn.BatchNorm2d(2), torch.nn.BatchNorm2d(2)
    x, tx = _pair(np.zeros((0, 2, 3, 3)), np.float32)
    _same(bn(x), tbn(tx), [x], [tx])
    np.testing.assert_array_equal(bn.weight.grad.numpy(), tbn.weight.grad.numpy())
    np.testing.assert_array_equal(bn.running_mean.numpy(), tbn.running_mean.numpy())
    np.testing.assert_array_equal(bn.running_var.numpy(), tbn.running_var.numpy())
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(dg.zeros(1, 2, 1, 1))  # one value per channel is still refused, as torch does


@pytest.mark.parametrize("cls", ["LSTM", "GRU", "RNN"])
def test_recurrent_layers_take_an_empty_batch(cls):
    layer = getattr(dg.nn, cls)(3, 2, batch_first=True, bidirectional=True)
    tlayer = getattr(torch.nn, cls)(3, 2, batch_first=True, bidirectional=True)
    x, tx = _pair(np.zeros((0, 4, 3)), np.float32)
    _same(layer(x)[0], tlayer(tx)[0], [x], [tx])
    assert np.all(layer.weight_hh_l0.grad.numpy() == 0)


# ---- IEEE results without NumPy's warnings ----------------------------------------------------
# PyTorch returns inf/NaN silently (x/0, log 0, √-1, exp overflow, ...): deepgrad's results and
# gradients are PyTorch's, with no RuntimeWarning even where the user turns warnings into
# errors after importing deepgrad (the import-time filter then no longer applies).
_EDGES = {
    "float64": [0.0, -0.0, -1.0, 1.0, 0.5, -0.5, 2.0, -2.0, 800.0, -800.0, 1e-310],
    "float32": [0.0, -0.0, -1.0, 1.0, 0.5, -0.5, 2.0, -2.0, 100.0, -100.0, 1e-40],
}
_GRID = [0.0, -0.0, -1.0, 1.0, 0.5, -2.5, 3.0, 800.0]  # no subnormal divisor (torch's fmod)


def _lib(m, name):
    """``name`` in deepgrad's functional namespace or torch's (``TF``, then ``torch``)."""
    if m is dg:
        return getattr(F, name)
    return getattr(TF, name, None) or getattr(torch, name)


def _unary_case(name):
    return lambda m, x: _lib(m, name)(x)


def _binary_case(fn):
    def case(m, x):
        n = x.shape[0]
        return fn(m, x[: n // 2], x[n // 2 :])

    return case


def _grid_input(dtype):
    a = np.repeat(_GRID, len(_GRID))
    b = np.tile(_GRID, len(_GRID))
    return np.concatenate([a, b]).astype(dtype)


_UNARY = [
    "exp", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "reciprocal", "asin",
    "acos", "acosh", "atanh", "logit", "square", "sigmoid", "tanh", "softplus", "silu",
]  # fmt: skip
_POWERS = [0.5, -0.5, -1, -2, 1.5, 2, 3, -1.5, 0.25]
_BINARY = {
    "div": lambda m, a, b: a / b,
    "rdiv": lambda m, a, b: 1 / b,
    "div0": lambda m, a, b: a / 0,
    "pow": lambda m, a, b: a**b,
    "rpow": lambda m, a, b: (-2.0) ** b + 2.0**b,
    "atan2": lambda m, a, b: _lib(m, "atan2")(a, b),
    "hypot": lambda m, a, b: _lib(m, "hypot")(a, b),
    "xlogy": lambda m, a, b: _lib(m, "xlogy")(a, b),
    "logaddexp": lambda m, a, b: _lib(m, "logaddexp")(a, b),
    "fmod": lambda m, a, b: _lib(m, "fmod")(a, b),
    "remainder": lambda m, a, b: _lib(m, "remainder")(a, b),
    "float_power": lambda m, a, b: _lib(m, "float_power")(a, b),
    "addcdiv": lambda m, a, b: a.addcdiv(a, b, value=0.5),
}
_ROWS = [[-np.inf, -np.inf, -np.inf], [-np.inf, 0.0, 1.0], [0.0, 0.0, 0.0]]
_ROWWISE = {
    "softmax": lambda m, x: _lib(m, "softmax")(x, 1),
    "log_softmax": lambda m, x: _lib(m, "log_softmax")(x, 1),
    "softmin": lambda m, x: _lib(m, "softmin")(-x, 1),
    "logsumexp": lambda m, x: _lib(m, "logsumexp")(x, 1),
    "cross_entropy": lambda m, x: _lib(m, "cross_entropy")(
        x, _ints(m, [0, 1, 2]), reduction="none"
    ),
    "cross_entropy_smoothed": lambda m, x: _lib(m, "cross_entropy")(
        x, _ints(m, [1, 1, 1]), label_smoothing=0.1, reduction="none"
    ),
    "cross_entropy_probs": lambda m, x: _lib(m, "cross_entropy")(
        x, _const(m, np.full((3, 3), 1 / 3, x.detach().numpy().dtype)), reduction="none"
    ),
}


def _ints(m, values):
    return dg.tensor(values) if m is dg else torch.tensor(values)


def _const(m, a):
    return dg.tensor(a) if m is dg else torch.tensor(a)


def _like(m, x, value):
    return _const(m, np.full(tuple(x.shape), value, x.detach().numpy().dtype))


def _cases():
    for name in _UNARY:
        yield name, _unary_case(name), None
    for c in _POWERS:
        yield f"x**{c}", (lambda m, x, c=c: x**c), None
    for name, fn in _BINARY.items():
        yield name, _binary_case(fn), _grid_input
    for name, fn in _ROWWISE.items():
        yield f"{name}(-inf rows)", fn, lambda dt: np.array(_ROWS, dt)
    yield "div 1/0 one element", lambda m, x: x / _like(m, x, 0), lambda dt: np.ones(1, dt)
    yield "div 0/0 0-d", lambda m, x: x / _like(m, x, 0), lambda dt: np.array(0.0, dt)
    yield "div by 0-d 0", lambda m, x: _like(m, x, 1) / x, lambda dt: np.array(0.0, dt)
    yield "norm at 0", lambda m, x: x.norm(dim=1), lambda dt: np.array([[0.0, 0], [3, 4]], dt)
    yield (
        "vector_norm 0.5 at 0",
        lambda m, x: (F.vector_norm if m is dg else torch.linalg.vector_norm)(x, 0.5, 1),
        lambda dt: np.array([[0.0, 0], [3, 4]], dt),
    )
    yield "normalize at 0", lambda m, x: _lib(m, "normalize")(x), lambda dt: np.zeros((2, 3), dt)
    yield (
        "binary_cross_entropy at 0 and 1",
        lambda m, x: _lib(m, "binary_cross_entropy")(x, _like(m, x, 0.5), reduction="none"),
        lambda dt: np.array([0.0, 1.0, 0.5], dt),
    )
    yield (
        "binary_cross_entropy_with_logits at ±inf",
        lambda m, x: _lib(m, "binary_cross_entropy_with_logits")(
            x, _const(m, np.array([1.0, 0.0, 0.0, 1.0], x.detach().numpy().dtype)), reduction="none"
        ),
        lambda dt: np.array([np.inf, -np.inf, np.inf, 0.0], dt),
    )
    yield (
        "kl_div of log(0) targets",
        lambda m, x: _lib(m, "kl_div")(x, _like(m, x, -np.inf), reduction="none", log_target=True),
        lambda dt: np.array([-np.inf, 0.0, -1.0], dt),
    )
    yield (
        "kl_div at -inf input",
        lambda m, x: _lib(m, "kl_div")(x, _like(m, x, 0.0), reduction="none"),
        lambda dt: np.array([-np.inf, 0.0], dt),
    )
    yield (
        "poisson_nll_loss overflow",
        lambda m, x: _lib(m, "poisson_nll_loss")(x, _like(m, x, 1.0), reduction="none"),
        lambda dt: np.array([800.0 if dt == np.float64 else 100.0, 0.0], dt),
    )
    yield (
        "attention with a fully masked row",
        lambda m, x: _lib(m, "scaled_dot_product_attention")(x, x, x, attn_mask=_ints(m, _MASK)),
        lambda dt: np.ones((1, 2, 3, 4), dt),
    )


_MASK = [[True, False, True], [False, False, False], [True, True, True]]
_CASES = list(_cases())


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(
    ("name", "fn", "make"), _CASES, ids=[c[0] for c in _CASES]
)  # fmt: skip
def test_inf_and_nan_results_are_silent_and_match_torch(name, fn, make, dtype):
    a = np.array(_EDGES[dtype], dtype) if make is None else make(np.dtype(dtype))
    x, tx = _pair(a, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = fn(dg, x)
        y.backward(dg.ones_like(y))
    ty = fn(torch, tx)
    ty.backward(torch.ones_like(ty))
    # equal_nan: NaN exactly where torch has NaN, and infinities of the same sign; atol: one
    # rounding of 1 (torch's log_softmax gradient at a zero row is 1 - 3·⅓, not 0) and a
    # subnormal where torch's float32 sigmoid(-100) underflows to 0
    tol = {"rtol": 2e-6, "atol": np.finfo(dtype).eps, "equal_nan": True}
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), **tol)
    want = tx.grad.numpy()
    if name == "logit":
        # logit's gradient at -0.0: torch's scalar loop gives +inf (its rule: g · inf at 0
        # and 1), its vectorized loop g / (x (1 - x)) = -inf, so its sign depends on the
        # tensor's length and the CPU's vector width (float64 on an AVX2 AMD EPYC: +inf for
        # fewer than 8 values, -inf from 8). deepgrad gives the rule's +inf everywhere.
        minus_zero = (a == 0) & np.signbit(a)
        assert (x.grad.numpy()[minus_zero] == np.inf).all()
        want = np.where(minus_zero, np.inf, want)
    np.testing.assert_allclose(x.grad.numpy(), want, **tol)


def test_a_float_overflowing_the_narrower_dtype_is_silently_inf():
    x, tx = _pair([1e300, -1e300, 1.0], np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = x.float()
        y.backward(dg.ones_like(y))
    ty = tx.float()
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    assert y.numpy().tolist() == [np.inf, -np.inf, 1.0]


def test_numpy_raising_state_gives_ieee_results_and_is_left_as_it_was():
    """``numpy.seterr(all="raise")`` is the user's NumPy state: deepgrad's ops still return
    PyTorch's inf/NaN, and the state is the same afterwards."""
    old = np.seterr(all="raise")
    try:
        x = dg.tensor([1.0, 0.0, -1.0], requires_grad=True)
        y = x / dg.zeros(3) + x.log() + F.softmax(dg.full((1, 2), -np.inf), 1).sum()
        y.backward(dg.ones_like(y))
        assert np.isnan(y.numpy()).all()
        assert np.geterr() == {
            "divide": "raise",
            "over": "raise",
            "under": "raise",
            "invalid": "raise",
        }
        with pytest.raises(FloatingPointError):
            np.array([1.0]) / 0  # the user's own NumPy code raises as they asked
    finally:
        np.seterr(**old)


def test_in_place_addcdiv_by_zero_is_silent():
    x, tx = dg.tensor([1.0, 0.0, -1.0]), torch.tensor([1.0, 0.0, -1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x.addcdiv_(dg.tensor([1.0, 0.0, -1.0]), dg.zeros(3))
    tx.addcdiv_(torch.tensor([1.0, 0.0, -1.0]), torch.zeros(3))
    np.testing.assert_array_equal(x.numpy(), tx.numpy())  # inf, nan, -inf


# ---- infinities through +, -, · and everything built on them ---------------------------------
# inf - inf, inf · 0 and overflow (1e308 · 10) are NaN/inf silently, as PyTorch's: every
# deepgrad operation (a Function's forward and backward) is recomputed under numpy.errstate
# only where the user's filters or numpy.seterr turned NumPy's message into an error.
_INF_ROWS = [[np.inf, 1.0, -np.inf, 2.0], [1.0, 0.5, 0.0, -1.0], [np.nan, 0.0, 3.0, 4.0]]


def _linalg(m, name):
    return getattr(F, name) if m is dg else getattr(torch.linalg, name)


_INF_CASES = {
    "add": lambda m, x: x + x.flip(1),
    "sub": lambda m, x: x - x,
    "mul by 0": lambda m, x: x * x.flip(1) * 0,
    "mul overflow": lambda m, x: x * 1e300 * 1e300,
    "x / x": lambda m, x: x / x,
    "diff": lambda m, x: _lib(m, "diff")(x, dim=1),
    "cov": lambda m, x: _lib(m, "cov")(x),
    "corrcoef": lambda m, x: _lib(m, "corrcoef")(x),
    "layer_norm": lambda m, x: _lib(m, "layer_norm")(x, (4,)),
    "group_norm": lambda m, x: _lib(m, "group_norm")(x.reshape(1, 3, 4), 3),
    "batch_norm": lambda m, x: _lib(m, "batch_norm")(x, None, None, training=True),
    "cdist": lambda m, x: _lib(m, "cdist")(x, x),
    "cosine_similarity": lambda m, x: _lib(m, "cosine_similarity")(x, x.flip(0)),
    "glu": lambda m, x: _lib(m, "glu")(x, 1),
    "renorm": lambda m, x: x.renorm(2, 0, 1.0),  # a NaN row: factor 1, gradient 1
    "trapezoid": lambda m, x: _lib(m, "trapezoid")(x),
    "quantile": lambda m, x: _lib(m, "quantile")(x, 0.3, dim=1),
    "nll_loss": lambda m, x: _lib(m, "nll_loss")(x[:, :3], _ints(m, [0, 1, 2])),
    "sum": lambda m, x: x.sum(1),
    "var": lambda m, x: x.var(1),
    "cumsum": lambda m, x: x.cumsum(1),
    "matmul": lambda m, x: x @ x.T,
    "det": lambda m, x: _linalg(m, "det")(x[:, :3]),
    "slogdet": lambda m, x: _linalg(m, "slogdet")(x[:, :3])[1],
    "normal log_prob at scale 0": lambda m, x: (
        dg.distributions.Normal if m is dg else torch.distributions.Normal
    )(x * 0, x * 0, validate_args=False).log_prob(x),
}


@pytest.mark.parametrize("mode", ["warnings", "seterr"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("fn", list(_INF_CASES.values()), ids=list(_INF_CASES))
def test_infinities_through_add_sub_mul_are_silent_and_match_torch(fn, dtype, mode):
    x, tx = _pair(_INF_ROWS, dtype)
    old = np.seterr(all="raise") if mode == "seterr" else None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            y = fn(dg, x)
            y.backward(dg.ones_like(y))
    finally:
        if old is not None:
            np.seterr(**old)
    ty = fn(torch, tx)
    ty.backward(torch.ones_like(ty))
    tol = {"rtol": 1e-5, "atol": 1e-6, "equal_nan": True}
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), **tol)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), **tol)


def test_x_over_x_accumulates_inf_and_minus_inf_gradients_silently():
    """``x / x`` sends ``1/x`` and ``-x/x²`` to the same leaf: at 0 the engine adds +inf and
    -inf (NaN), as PyTorch's, with no warning (also with numpy.seterr(all="raise"))."""
    x, tx = _pair([0.0, -0.0, 2.0])
    old = np.seterr(all="raise")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            (x / x).sum().backward()
    finally:
        np.seterr(**old)
    (tx / tx).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())  # nan, nan, 0


def test_a_python_number_past_float32_is_inf_silently():
    x, tx = _pair([1.0, -2.0, 0.0], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = x * 1e300
        y.backward(dg.ones_like(y))
    ty = tx * 1e300
    ty.backward(torch.ones_like(ty))
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())  # inf, -inf, nan
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_running_statistics_of_an_infinite_batch_are_silent():
    bn = dg.nn.BatchNorm1d(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bn(dg.tensor([[np.inf, 1.0], [-np.inf, 2.0], [0.0, 3.0]]))
    assert np.isnan(bn.running_mean.numpy()[0]) and np.isfinite(bn.running_mean.numpy()[1])


def test_a_function_written_outside_deepgrad_warns_as_its_author_asked():
    """Only deepgrad's own operations are recomputed silently: the user's Function is the
    user's NumPy code, and their warning filter applies to it."""

    class Mine(dg.autograd.Function):
        def forward(self, x):
            return x - x

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeWarning, match="invalid value"):
            Mine()(dg.tensor([np.inf]))


# ---- special values through the elementwise functions, as PyTorch 2.13 ----------------------
_SPECIAL = {
    "float64": [0.0, -0.0, 1e-310, -1e-310, 1.0, -1.0, np.inf, -np.inf, np.nan, -2.0, -800.0,
                0.5, -0.5, 2.5, 800.0, 1e-20],
    "float32": [0.0, -0.0, 1e-40, -1e-40, 1.0, -1.0, np.inf, -np.inf, np.nan, -2.0, -100.0,
                0.5, -0.5, 2.5, 100.0, 1e-20],
}  # fmt: skip
_SPECIAL_FNS = [
    "elu", "celu", "selu", "hardshrink", "softshrink", "logsigmoid", "sign", "sgn",
    "erfinv", "angle", "lgamma",
]  # fmt: skip


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", _SPECIAL_FNS)
def test_special_values_through_unary_functions_match_torch(name, dtype):
    """Signed zeros (elu/celu/selu/erfinv of -0.0 is -0.0; logsigmoid(inf) is +0.0),
    NaN (sign(nan) = 0, PyTorch's (0 < x) - (x < 0); hardshrink/softshrink keep it, with
    gradient 0), angle(-0.0) = 0 (PyTorch's rule for real x: π only for x < 0), lgamma of a
    float64 subnormal (-ln|x|, 713.8 at 1e-310; SciPy's gammaln says inf); elu's gradient
    α·eˣ keeps float32's subnormal e^-100."""
    x, tx = _pair(_SPECIAL[dtype], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = _lib(dg, name)(x)
        y.backward(dg.ones_like(y))
    ty = _lib(torch, name)(tx)
    ty.backward(torch.ones_like(ty))
    d, t = y.detach().numpy(), ty.detach().numpy()
    ulp = 2 * np.finfo(dtype).smallest_subnormal  # logsigmoid(100)'s float32 subnormal rounding
    np.testing.assert_allclose(d, t, rtol=1e-6, atol=ulp, equal_nan=True)
    zero = (d == 0) & (t == 0)
    np.testing.assert_array_equal(np.signbit(d[zero]), np.signbit(t[zero]))
    g, tg = x.grad.numpy(), tx.grad.numpy(force=True)
    keep = ~np.isnan(_SPECIAL[dtype])  # PyTorch's float32 and float64 elu kernels disagree at NaN
    np.testing.assert_allclose(g[keep], tg[keep], rtol=1e-5, atol=ulp, equal_nan=True)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", ["remainder", "fmod"])
def test_remainder_and_fmod_of_special_values_match_torch(name, dtype):
    """PyTorch's floating remainder is fmod moved by b where the signs differ: a zero keeps
    a's sign (remainder(-1.0, 1.0) = -0.0, remainder(1.0, -1.0) = 0.0; NumPy's takes b's)."""
    g = [0.0, -0.0, -1.0, 1.0, 2.5, -2.5, 800.0, np.inf, -np.inf, np.nan]
    a, b = np.repeat(g, len(g)).astype(dtype), np.tile(g, len(g)).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = getattr(dg, name)(dg.tensor(a), dg.tensor(b)).numpy()
    t = getattr(torch, name)(torch.tensor(a), torch.tensor(b)).numpy()
    np.testing.assert_array_equal(y, t)
    zero = (y == 0) & (t == 0)
    np.testing.assert_array_equal(np.signbit(y[zero]), np.signbit(t[zero]))


def test_fmod_by_a_subnormal_is_c_fmod():
    """fmod(1, 1e-310) is C's (and IEEE's) exact remainder, as PyTorch's scalar path gives it;
    PyTorch's vectorized path (longer tensors) gives NaN there: a README row."""
    y = dg.fmod(dg.tensor([1.0, -3.0], dtype=dg.float64), 1e-310).numpy()
    np.testing.assert_array_equal(y, np.fmod([1.0, -3.0], 1e-310))
    assert np.isfinite(y).all()


def test_exact_values_where_torch_rounds_away():
    """README rows: soft_margin_loss is the exact margin past e^x's range (PyTorch: inf,
    gradient NaN), float32 sigmoid keeps e^x's subnormal (PyTorch: 0 below -88.7). Trigamma
    (digamma's gradient) at the negative integers is PyTorch's own: its reflection formula
    π²/sin²(πx) with sin's rounding, a large finite number (no longer SciPy's +inf)."""
    x = dg.tensor([-800.0], dtype=dg.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = F.soft_margin_loss(x, dg.ones(1, dtype=dg.float64))
        y.backward()
    assert y.item() == 800.0 and x.grad.item() == -1.0
    assert F.sigmoid(dg.tensor([-100.0])).item() == np.float32(np.exp(np.float32(-100.0)))
    torch = pytest.importorskip("torch")
    for dt, tdt in ((dg.float64, torch.float64), (dg.float32, torch.float32)):
        x = dg.tensor([-1.0, -2.0, -800.0, 0.0], dtype=dt, requires_grad=True)
        dg.digamma(x).sum().backward()
        tx = torch.tensor([-1.0, -2.0, -800.0, 0.0], dtype=tdt, requires_grad=True)
        torch.digamma(tx).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
        assert np.isfinite(x.grad.numpy()[:3]).all() and x.grad.numpy()[3] == np.inf


@pytest.mark.parametrize("mode", ["warnings", "seterr"])
def test_in_place_updates_at_infinities_are_silent_and_applied_once(mode):
    """x.sub_(y) at inf - inf and x.mul_(1e300) in float32 give PyTorch's NaN/inf silently,
    and the finite elements are updated exactly once."""
    a, b = [np.inf, 1.0, 1e38, 2.0], [np.inf, 2.0, -1e38, 0.5]
    x, tx = dg.tensor(a), torch.tensor(a)
    old = np.seterr(all="raise") if mode == "seterr" else None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            x.sub_(dg.tensor(b)).add_(x)  # 2e38 + 2e38 overflows float32
            once = x.numpy().copy()
            x.mul_(1e300)
    finally:
        if old is not None:
            np.seterr(**old)
    tx.sub_(torch.tensor(b)).add_(tx)
    np.testing.assert_array_equal(once, tx.numpy())  # nan, -2, inf, 3: each applied once
    tx.mul_(1e300)
    np.testing.assert_array_equal(x.numpy(), tx.numpy())  # nan, -inf, inf, inf
