"""Reductions (sum mean max min var std logsumexp) with axis/keepdims, negative axes and
tuples: gradcheck, PyTorch agreement in float64/float32, ties, stability, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import deepgrad as dg
import deepgrad.functional as F

FAST = settings(max_examples=15, deadline=None)

REDUCTIONS = {
    "sum": F.sum,
    "mean": F.mean,
    "max": F.amax,
    "min": F.amin,
    "var": lambda x, axis=None, keepdims=False: F.var(x, axis, keepdim=keepdims),
    "std": lambda x, axis=None, keepdims=False: F.std(x, axis, keepdim=keepdims),
    "var0": lambda x, axis=None, keepdims=False: F.var(x, axis, keepdim=keepdims, correction=0),
    # PyTorch's logsumexp requires dim: "every dim" is spelled out
    "logsumexp": lambda x, axis=None, keepdims=False: F.logsumexp(
        x, tuple(range(x.ndim)) if axis is None else axis, keepdim=keepdims
    ),
}


def _size(shape, axis):
    if axis is None:
        return int(np.prod(shape))
    axes = (axis,) if isinstance(axis, int) else axis
    return int(np.prod([shape[a] for a in axes]))


@st.composite
def shape_and_axis(draw, min_dims=0):
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=1, max_side=3))
    nd = len(shape)
    choices = [st.none()]
    if nd:
        choices.append(st.integers(-nd, nd - 1))
        choices.append(
            st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True).map(
                lambda axes: tuple(a - nd if i % 2 else a for i, a in enumerate(axes))
            )
        )
    axis = draw(st.one_of(*choices))
    return shape, axis


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@FAST
@given(sa=shape_and_axis(), keepdims=st.booleans(), seed=st.integers(0, 2**16))
def test_reduction_gradcheck(name, sa, keepdims, seed):
    shape, axis = sa
    fn = REDUCTIONS[name]
    if name in ("var", "std") and _size(shape, axis) < 2:
        return  # NaN (n - 1 = 0): nothing to differentiate numerically; see the torch test
    rng = np.random.default_rng(seed)
    x = dg.tensor(np.asarray(rng.standard_normal(shape)), requires_grad=True)
    y = fn(x, axis, keepdims)
    expected = np.asarray(np.sum(np.zeros(shape), axis=axis, keepdims=keepdims)).shape
    assert y.shape == expected
    assert dg.gradcheck(lambda t: fn(t, axis, keepdims), x)


TORCH = {
    "sum": lambda t, x, d, k: x.sum(dim=d, keepdim=k),
    "mean": lambda t, x, d, k: x.mean(dim=d, keepdim=k),
    "max": lambda t, x, d, k: t.amax(x, dim=d if d is not None else (), keepdim=k),
    "min": lambda t, x, d, k: t.amin(x, dim=d if d is not None else (), keepdim=k),
    "var": lambda t, x, d, k: t.var(x, dim=d, keepdim=k, correction=1),
    "std": lambda t, x, d, k: t.std(x, dim=d, keepdim=k, correction=1),
    "var0": lambda t, x, d, k: t.var(x, dim=d, keepdim=k, correction=0),
    "logsumexp": lambda t, x, d, k: t.logsumexp(
        x, dim=d if d is not None else tuple(range(x.ndim)), keepdim=k
    ),
}

CASES = [
    ((3, 4, 5), None, False),
    ((3, 4, 5), None, True),
    ((3, 4, 5), 0, False),
    ((3, 4, 5), -1, True),
    ((3, 4, 5), (0, 2), False),
    ((3, 4, 5), (-1, 0), True),
    ((3, 4, 5), (0, 1, 2), False),
    ((6,), 0, False),
    ((2, 1, 3), 1, False),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("name", sorted(TORCH))
def test_reduction_matches_torch(torch, rng, name, case, dtype):
    shape, axis, keepdims = case
    # var/std of one element (n - 1 = 0) is NaN with a NaN gradient, as torch's
    tol = {"rtol": 1e-10, "atol": 1e-12} if dtype == np.float64 else {"rtol": 1e-5, "atol": 1e-6}
    a = rng.standard_normal(shape).astype(dtype)
    x = dg.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    y = REDUCTIONS[name](x, axis, keepdims)
    ty = TORCH[name](torch, t, axis, keepdims)
    assert y.dtype == dtype and y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), **tol)
    g = np.asarray(rng.standard_normal(y.shape)).astype(dtype)
    y.backward(dg.tensor(g))
    ty.backward(torch.tensor(g))
    assert x.grad.dtype == dtype
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), **tol)


def test_zero_dim_input():
    x = dg.tensor(np.float64(1.5), requires_grad=True)
    for name in ("sum", "mean", "max", "min", "logsumexp"):
        fn = REDUCTIONS[name]
        for axis in (None, 0, -1, (0,)):
            y = fn(x, axis)
            assert y.shape == ()
            assert y.item() == pytest.approx(1.5)
        assert dg.gradcheck(lambda t, fn=fn: fn(t, 0, True), x)


@pytest.mark.parametrize("fn", [F.amax, F.amin])
def test_ties_share_the_gradient_like_torch_amax(torch, fn):
    a = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    x = dg.tensor(a, requires_grad=True)
    fn(x, axis=1).sum().backward()
    t = torch.tensor(a, requires_grad=True)
    (t.amax(dim=1) if fn is F.amax else t.amin(dim=1)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())
    if fn is F.amax:
        np.testing.assert_allclose(x.grad.numpy(), [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])


def test_tensor_methods_match_functions(rng):
    x = dg.tensor(rng.standard_normal((3, 4)))
    for name in ("sum", "mean", "max", "min", "var", "std", "logsumexp"):
        m = getattr(x, name if name not in ("max", "min") else "a" + name)(axis=-1, keepdims=True)
        f = REDUCTIONS[name](x, -1, True)
        np.testing.assert_array_equal(m.numpy(), f.numpy())
    np.testing.assert_array_equal(x.argmax(axis=1).numpy(), x.numpy().argmax(axis=1))
    np.testing.assert_array_equal(x.argmin().numpy(), x.numpy().argmin())


@pytest.mark.parametrize("v", [1000.0, -1000.0])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logsumexp_is_stable(v, dtype):
    x = dg.tensor(np.array([[v, v - 1.0, v - 2.0], [v, v, v]], dtype), requires_grad=True)
    y = F.logsumexp(x, axis=1)
    expected = v + np.log(np.array([1 + np.exp(-1) + np.exp(-2), 3.0]))
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-6)
    y.sum().backward()
    g = x.grad.numpy()
    assert np.all(np.isfinite(g)) and g.dtype == dtype
    # float32 keeps ~5 digits of x - logsumexp(x) at |x| = 1000
    np.testing.assert_allclose(
        g.sum(axis=1), [1.0, 1.0], rtol=1e-6 if dtype == np.float64 else 1e-4
    )


def test_logsumexp_of_minus_infinity_rows():
    x = dg.tensor(np.array([[-np.inf, -np.inf], [0.0, -np.inf]]))
    y = F.logsumexp(x, axis=1).numpy()
    assert y[0] == -np.inf and y[1] == 0.0


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_bad_axis_is_named(name):
    x = dg.ones(2, 3)
    with pytest.raises(ValueError, match=r"dim 2 is out of range for a tensor with 2 dims"):
        REDUCTIONS[name](x, 2)
    with pytest.raises(ValueError, match=r"dim -3"):
        REDUCTIONS[name](x, (0, -3))


def test_max_of_empty_tensor_raises():
    with pytest.raises(ValueError, match="empty"):
        F.max(dg.zeros(0))


def test_int_sum_stays_int():
    i = dg.tensor([[1, 2], [3, 4]])
    assert F.sum(i).dtype == np.int64 and F.sum(i).item() == 10
    assert F.max(i, 1).values.dtype == np.int64


@pytest.mark.parametrize("name", ["var", "std", "var_mean", "std_mean"])
@pytest.mark.parametrize(
    "args, kw",
    [
        ((1, True), {}),  # PyTorch's second positional is unbiased, not keepdim
        ((1, False), {}),
        ((1, False, True), {}),
        ((True,), {}),  # the unbiased-only overload: a bool is not a dim
        ((False,), {}),
        (((0, 1), True, True), {}),
        ((), {"dim": 1, "unbiased": False}),
        ((1,), {"keepdim": True, "correction": 0}),
        ((), {}),
        ((0,), {"correction": 2}),
    ],
    ids=str,
)
def test_var_std_positional_overloads_match_torch(torch, name, args, kw):
    x = np.arange(12.0).reshape(3, 4) ** 1.5
    calls = [lambda m, t: getattr(m, name)(t, *args, **kw)]
    if not name.endswith("_mean"):  # the pairs are functions only, in both libraries
        calls.append(lambda m, t: getattr(t, name)(*args, **kw))
    for call in calls:
        want = call(torch, torch.tensor(x))
        got = call(dg, dg.tensor(x))
        for g, w in zip(*((got, want) if isinstance(want, tuple) else ((got,), (want,)))):
            assert g.shape == tuple(w.shape)
            np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["var", "std", "var_mean", "std_mean"])
@pytest.mark.parametrize(
    "args, kw",
    [
        ((), {"dim": True}),  # the unbiased-only overload is positional only
        ((), {"dim": False}),
        ((), {"axis": True}),
        ((True, True), {}),  # ... and takes nothing else
        ((True,), {"keepdim": True}),
        ((True,), {"unbiased": False}),
        ((True,), {"correction": 0}),
        ((), {"dim": True, "unbiased": False}),
        ((), {"dim": True, "correction": 0}),
    ],
    ids=str,
)
def test_var_std_bool_dim_refused_as_torch(torch, name, args, kw):
    """A bool is PyTorch's ``unbiased`` only as the lone positional after the tensor
    (``torch.std(x, True)``); by keyword, or with more arguments, it is a ``TypeError`` in
    torch 2.13 and in deepgrad (the function forms; ``x.std(dim=True)`` goes through
    ``Tensor.std``)."""
    x = np.arange(6.0).reshape(2, 3)
    with pytest.raises(TypeError):
        getattr(torch, name)(torch.tensor(x), *args, **kw)
    with pytest.raises(TypeError, match="bool"):
        getattr(dg, name)(dg.tensor(x), *args, **kw)
    with pytest.raises(TypeError, match="bool"):
        getattr(F, name)(dg.tensor(x), *args, **kw)


def test_var_refuses_what_pytorch_refuses():
    x = dg.ones(2, 3)
    with pytest.raises(TypeError, match="unbiased must be a bool, got 1"):
        x.var(1, 1)
    with pytest.raises(TypeError, match="both 'correction' and 'unbiased'"):
        x.std(1, True, correction=0)


def test_a_dim_out_of_range_is_pytorchs_index_error_and_names_the_range(torch):
    """PyTorch raises IndexError ("Dimension out of range"); deepgrad's error is one (and
    still a ValueError, its class before) and names the valid range."""
    import deepgrad.nn.functional as F

    x, t = dg.ones(2, 3), torch.ones(2, 3)
    calls = [
        (lambda m, a: m.sum(a, dim=2)),
        (lambda m, a: m.softmax(a, dim=-3)),
        (lambda m, a: m.cumsum(a, dim=2)),
        (lambda m, a: m.flip(a, (2,))),
        (lambda m, a: m.unsqueeze(a, 3)),
        (lambda m, a: m.cat([a, a], 2)),
        (lambda m, a: m.count_nonzero(a, dim=2)),
    ]
    for call in calls:
        with pytest.raises(IndexError):
            call(torch, t)
        with pytest.raises(IndexError, match=r"out of range .* \(expected a dim in \[-\d, \d\]\)"):
            call(dg, x)
        with pytest.raises(ValueError):
            call(dg, x)
    with pytest.raises(IndexError, match=r"expected a dim in \[-2, 1\]"):
        F.normalize(x, dim=2)


def test_logsumexp_requires_dim_as_torch(torch):
    for L in (torch, dg):
        x = L.ones(3)
        with pytest.raises(TypeError):
            L.logsumexp(x)
        with pytest.raises(TypeError):
            x.logsumexp()
        with pytest.raises(TypeError):
            L.logsumexp(x, dim=None)
    assert dg.logsumexp(dg.ones(3), 0).item() == pytest.approx(
        torch.logsumexp(torch.ones(3), 0).item()
    )


@pytest.mark.parametrize("name", ["nansum", "nanmean"])
def test_nan_reductions_refuse_complex_as_torch(torch, name):
    for L in (torch, dg):
        x = L.tensor([1 + 1j, 2.0, float("nan")])
        with pytest.raises(RuntimeError, match="nansum on CPU does not support complex"):
            getattr(L, name)(x)
        with pytest.raises(RuntimeError, match="nansum on CPU does not support complex"):
            getattr(x, name)(0)


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4), (0,), (2, 0)])
@pytest.mark.parametrize("dim", [(), []])
@pytest.mark.parametrize("keepdim", [False, True])
def test_logsumexp_empty_dim_matches_torch(shape, dim, keepdim):
    """``dim=()``/``[]`` reduces every dim, as PyTorch's; PyTorch fails with keepdim=False
    on a non-empty input of 1 or more dims, and deepgrad raises the same error type there."""
    torch = pytest.importorskip("torch")
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    try:
        want = torch.logsumexp(torch.tensor(a), dim, keepdim=keepdim)
    except RuntimeError:
        with pytest.raises(RuntimeError, match="keepdim=True"):
            dg.logsumexp(dg.tensor(a), dim, keepdim=keepdim)
        return
    got = dg.logsumexp(dg.tensor(a), dim, keepdim=keepdim)
    assert got.shape == tuple(want.shape)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["var", "std", "var_mean", "std_mean"])
@pytest.mark.parametrize(
    "args, kw",
    [
        ((), {"unbiased": True, "keepdim": True}),  # unbiased and keepdim need a dim
        ((), {"unbiased": False, "keepdim": False}),
        ((0,), {"unbiased": True, "correction": None}),  # both names, even correction=None
        ((0, True), {"correction": None}),
        ((None,), {"unbiased": True, "keepdim": True}),  # these two are fine
        ((), {"dim": None, "unbiased": False, "keepdim": True}),
    ],
    ids=str,
)
def test_var_std_overload_mixes_match_torch(torch, name, args, kw):
    """torch 2.13's overloads: ``(dim, unbiased, keepdim)`` needs ``dim``, and ``unbiased``
    never comes with ``correction``; deepgrad reduced over all dims or took the pair."""
    x = np.arange(6.0).reshape(2, 3) ** 1.3
    for call in [lambda m, t: getattr(m, name)(t, *args, **kw)] + (
        [] if name.endswith("_mean") else [lambda m, t: getattr(t, name)(*args, **kw)]
    ):
        try:
            want = call(torch, torch.tensor(x))
        except TypeError:
            for m in (dg, F):
                with pytest.raises(TypeError, match="needs a dim|'correction' and 'unbiased'"):
                    call(m, dg.tensor(x))
            continue
        for m in (dg, F):
            got = call(m, dg.tensor(x))
            for g, w in zip(*((got, want) if isinstance(want, tuple) else ((got,), (want,)))):
                np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["var", "std", "var_mean", "std_mean"])
@pytest.mark.parametrize(
    "args, kw",
    [
        ((np.True_,), {}),  # the unbiased-only overload
        ((np.False_,), {}),
        ((0, np.True_), {}),  # (dim, unbiased)
        ((0,), {"unbiased": np.False_}),
        ((), {"unbiased": np.True_}),
        ((None, np.True_, True), {}),
    ],
    ids=str,
)
def test_var_std_refuse_a_numpy_bool_unbiased_as_torch(torch, name, args, kw):
    """torch 2.13 matches no overload for a NumPy bool as ``unbiased`` (``TypeError``);
    deepgrad took it as the Python bool. A Python bool still works."""
    x = np.arange(6.0).reshape(2, 3) ** 1.3
    calls = [lambda m, t, a, k: getattr(m, name)(t, *a, **k)]
    if not name.endswith("_mean"):
        calls.append(lambda m, t, a, k: getattr(t, name)(*a, **k))
    for call in calls:
        with pytest.raises(TypeError):
            call(torch, torch.tensor(x), args, kw)
        for m in (dg, F):
            with pytest.raises(TypeError, match="Python bool, not numpy.bool.*pass bool"):
                call(m, dg.tensor(x), args, kw)
        py_args = tuple(bool(a) if isinstance(a, np.bool_) else a for a in args)
        py_kw = {k: bool(v) for k, v in kw.items()}
        want = call(torch, torch.tensor(x), py_args, py_kw)
        got = call(dg, dg.tensor(x), py_args, py_kw)
        for g, w in zip(*((got, want) if isinstance(want, tuple) else ((got,), (want,)))):
            np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-12)


def test_diff_negative_order_is_torchs_runtime_error(torch):
    """torch: RuntimeError "order must be non-negative but got -1"; deepgrad raised
    ValueError (still one)."""
    x = np.arange(5.0)
    with pytest.raises(RuntimeError):
        torch.diff(torch.tensor(x), -1)
    with pytest.raises(RuntimeError, match="order must be non-negative but got -1") as info:
        dg.diff(dg.tensor(x), -1)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "call",
    [
        lambda m, t: t.sum(0, 1),  # meant: dims (0, 1); deepgrad summed dim 0, keeping it
        lambda m, t: m.sum(t, 0, 1),
        lambda m, t: t.mean(0, keepdim=1),
        lambda m, t: t.amax(0, 1),
        lambda m, t: t.max(0, 1),
        lambda m, t: t.logsumexp(0, 1),
        lambda m, t: t.nansum(0, np.True_),
        lambda m, t: t.prod(0, 1),
        lambda m, t: m.median(t, 0, 1),
        lambda m, t: t.var(0, False, 0),
        lambda m, t: t.sum(0, keepdim=None),
    ],
)
def test_keepdim_must_be_a_bool_as_torch(torch, call):
    """PyTorch's parser takes a Python bool as ``keepdim`` only (``TypeError``); deepgrad took
    any truthy value, so ``x.sum(0, 1)`` silently kept dim 0 instead of refusing."""
    a = np.arange(24.0).reshape(2, 3, 4)
    with pytest.raises(TypeError):
        call(torch, torch.tensor(a))
    with pytest.raises(TypeError, match="'keepdim'.*must be bool"):
        call(dg, dg.tensor(a))
    # True and False still work, positionally and by keyword (keepdims too)
    np.testing.assert_array_equal(dg.tensor(a).sum(0, True).numpy(), a.sum(0, keepdims=True))
    np.testing.assert_array_equal(dg.sum(dg.tensor(a), 0, keepdims=False).numpy(), a.sum(0))


@pytest.mark.parametrize(
    "name",
    ["cumsum", "var", "std", "var_dim", "cumprod"],
)
def test_float16_scans_and_spreads_accumulate_in_float32_as_torch(torch, name):
    """PyTorch computes these for half precision in float32 and rounds once: a float16
    running sum of 0.05s stopped at 256 (PyTorch: ~5000), a float16 variance came out 0."""
    v = (np.random.default_rng(0).random(100_000) * 0.1).astype(np.float16)
    f = {
        "cumsum": lambda m, t: t.cumsum(0)[-1],
        "var": lambda m, t: t.var(),
        "std": lambda m, t: t.std(),
        "var_dim": lambda m, t: t.reshape(100, 1000).var(1),
        "cumprod": lambda m, t: (t[:300] + 1).cumprod(0),
    }[name]
    got, want = f(dg, dg.tensor(v)), f(torch, torch.tensor(v))
    assert got.dtype == dg.float16
    np.testing.assert_allclose(got.numpy().astype(np.float64), want.numpy().astype(np.float64),
                               rtol=2e-3)  # fmt: skip


_SCAN_CASES = [
    (fn, dt)
    for fn in ("cumsum", "cumprod", "logcumsumexp")
    for dt in ("float16", "float32", "float64", "complex64")
    if (fn, dt) != ("logcumsumexp", "complex64")  # log(cumsum(exp)) there: its own rounding
]


@pytest.mark.parametrize("fn, dtype", _SCAN_CASES)
def test_scans_accumulate_as_torchs_bit_for_bit(fn, dtype):
    """PyTorch's CPU scans accumulate float32 in float64 (half in float32) and round each
    running value once: a float32 running sum of 300 values differed in its last bits at
    most places when summed in float32. Gradients (reverse scans) too."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 300)) * (0.01 if fn == "cumprod" else 1)
    x = (x + 1 if fn == "cumprod" else x).astype(dtype)
    if dtype == "complex64":
        x = x + 1j * x[::-1].astype(np.float32)
    got, want = getattr(dg.tensor(x), fn)(1), getattr(torch.tensor(x), fn)(1)
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    if fn != "logcumsumexp" and dtype in ("float32", "float64"):
        g = rng.standard_normal(x.shape).astype(dtype)
        xd, xt = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        (gd,) = dg.autograd.grad(getattr(xd, fn)(1), xd, dg.tensor(g))
        (gt,) = torch.autograd.grad(getattr(xt, fn)(1), xt, torch.tensor(g))
        np.testing.assert_array_equal(gd.numpy(), gt.numpy())


@pytest.mark.parametrize("dtype", ["float16", "float32"])
@pytest.mark.parametrize(
    "expr", ["x.var(1)", "x.var(0)", "x.var()", "x.std(1)", "x.std(0, correction=0)",
             "t.std_mean(x, 0)[0]", "t.var_mean(x, 1)[0]", "x.std(1, keepdim=True)"]
)  # fmt: skip
def test_variance_and_std_are_torchs_bit_for_bit(expr, dtype):
    """PyTorch's CPU variance accumulates float32 in float64 (half in float32) and rounds
    once, its standard deviation the root of that: the same numbers here (the float32 two-pass
    variance differed in the last bit of ~60 % of rows, the root of the rounded variance in
    ~15 %); gradients to rounding, 0 for a constant row."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x = rng.standard_normal((40, 30)).astype(dtype)
    x[3] = 1.5  # a constant row: std 0, gradient 0
    out = []
    for lib in (torch, dg):
        xx = lib.tensor(x, requires_grad=True)
        y = eval(expr, {"x": xx, "t": lib})  # noqa: S307
        (g,) = lib.autograd.grad(y.sum(), xx)
        out.append((y.detach().numpy(), g.numpy().astype(np.float64)))
    (yt, gt), (yd, gdg) = out
    assert yd.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(yd, yt)
    np.testing.assert_allclose(gdg, gt, rtol=2e-2 if dtype == "float16" else 1e-5, atol=1e-3)
