"""deepgrad.kernels: every compiled kernel gives its NumPy form's numbers bit for bit, and
falls back to that form (returning False, writing nothing) for what it does not take."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import kernels, nn, optim
from deepgrad.nn import functional as F

pytestmark = pytest.mark.numpy_only("numba kernels run on NumPy arrays")

pytest.importorskip("numba")


def _numpy_adam(g, m, v, tmp, beta1, beta2, lr, eps, t):
    """Adam._direction's NumPy form (amsgrad off): the optimizer's own code, kernels off."""
    group = {"betas": (beta1, beta2), "lr": lr, "eps": eps, "amsgrad": False}
    before = kernels.set_enabled(False)
    try:
        optim.Adam._direction(None, g, {"exp_avg": m, "exp_avg_sq": v}, tmp, group, t)
    finally:
        kernels.set_enabled(before)


def _assert_kernels_change_nothing(run, monkeypatch=None, uses=()):
    """``run()`` (a list of arrays) with the kernels on, then off: equal bit for bit. With
    ``uses`` (names in :mod:`deepgrad.kernels`), each of those kernels must have run in the
    first pass, so the comparison is not NumPy against NumPy."""
    ran: set[str] = set()

    def spy(name):
        fn = getattr(kernels, name)

        def call(*args):
            done = fn(*args)
            if done is not False and done is not None:  # True, or a kernel's result
                ran.add(name)
            return done

        return call

    for name in uses:
        monkeypatch.setattr(kernels, name, spy(name))

    def once(use: bool) -> list:
        before = kernels.set_enabled(use)
        try:
            return [np.array(a, copy=True) for a in run()]
        finally:
            kernels.set_enabled(before)

    on = once(True)
    assert ran == set(uses), f"kernels that did not run: {sorted(set(uses) - ran)}"
    for a, b in zip(on, once(False), strict=True):
        np.testing.assert_array_equal(a, b, strict=True)


def _state(rng, n, dtype):
    g = rng.standard_normal(n).astype(dtype)
    g[: n // 7] *= 1e-20  # tiny, huge and zero gradients and moments too
    g[n // 7 : n // 5] *= 1e15
    g[n // 5 : n // 4] = 0
    m = (rng.standard_normal(n) * 0.1).astype(dtype)
    v = np.abs(rng.standard_normal(n) * 0.01).astype(dtype)
    v[: n // 9] = 0
    return g, m, v


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [0, 1, 7, 1000, 65_537])
@pytest.mark.parametrize("t", [1, 2, 10, 10_000])
def test_adam_kernel_is_bit_identical_to_numpy(dtype, n, t):
    rng = np.random.default_rng(n + t)
    g, m, v = _state(rng, n, dtype)
    args = (0.9, 0.999, 1e-3, 1e-8, t)
    m1, v1, o1 = m.copy(), v.copy(), np.empty_like(g)
    _numpy_adam(g, m1, v1, o1, *args)
    m2, v2, o2 = m.copy(), v.copy(), np.empty_like(g)
    assert kernels.adam_direction(g, m2, v2, o2, *args) is True
    for a, b in ((m1, m2), (v1, v2), (o1, o2)):
        assert a.dtype == b.dtype == dtype
        np.testing.assert_array_equal(a, b, strict=True)


def test_adam_kernel_matches_with_unusual_hyperparameters():
    rng = np.random.default_rng(1)
    g, m, v = _state(rng, 5000, np.float32)
    for args in [
        (0.0, 0.0, 1.0, 0.0, 3),
        (0.5, 0.25, 0.1, 1e-3, 1),
        (0.99, 0.9999, 3e-4, 1e-6, 50),
    ]:
        m1, v1, o1 = m.copy(), v.copy(), np.empty_like(g)
        m2, v2, o2 = m.copy(), v.copy(), np.empty_like(g)
        with np.errstate(divide="ignore", invalid="ignore"):
            _numpy_adam(g, m1, v1, o1, *args)
            assert kernels.adam_direction(g, m2, v2, o2, *args)
        np.testing.assert_array_equal(o1, o2)  # nan where eps = 0 and v = 0 on both sides
        np.testing.assert_array_equal(m1, m2)
        np.testing.assert_array_equal(v1, v2)


def test_adam_kernel_declines_what_it_does_not_take():
    args = (0.9, 0.999, 1e-3, 1e-8, 1)
    g = np.ones((4, 6), np.float32)
    m, v, o = np.zeros_like(g), np.zeros_like(g), np.zeros_like(g)
    # not contiguous, mixed dtypes, float16, integers, mismatched shapes: nothing written
    cases = [
        (g[:, ::2], m[:, ::2], v[:, ::2], o[:, ::2]),
        (g, m.astype(np.float64), v, o),
        (g.astype(np.float16), m.astype(np.float16), v.astype(np.float16), o.astype(np.float16)),
        (g.astype(np.int32), m.astype(np.int32), v.astype(np.int32), o.astype(np.int32)),
        (g, m[:2], v, o),
    ]
    for case in cases:
        before = [a.copy() for a in case]
        assert kernels.adam_direction(*case, *args) is False
        for a, b in zip(case, before, strict=True):
            np.testing.assert_array_equal(a, b)
    # 2-D contiguous arrays are taken (as flat views)
    assert kernels.adam_direction(g, m, v, o, *args) is True
    np.testing.assert_allclose(m, 0.1, rtol=1e-6)


def test_set_enabled_switches_to_the_numpy_form():
    g = np.ones(3, np.float32)
    m, v, o = np.zeros(3, np.float32), np.zeros(3, np.float32), np.zeros(3, np.float32)
    before = kernels.set_enabled(False)
    try:
        assert kernels.enabled() is False and kernels.available() is False
        assert kernels.adam_direction(g, m, v, o, 0.9, 0.999, 1e-3, 1e-8, 1) is False
        np.testing.assert_array_equal(m, 0)
    finally:
        kernels.set_enabled(before)
    with pytest.raises(TypeError, match="True or False"):
        kernels.set_enabled("numpy")


def test_the_environment_variable_is_checked():
    code = "import deepgrad.kernels as k; print(k.enabled())"
    env = dict(os.environ, DEEPGRAD_KERNELS="numpy")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr
    env["DEEPGRAD_KERNELS"] = "numbaa"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode != 0
    assert "DEEPGRAD_KERNELS='numbaa'" in out.stderr and "'numba'" in out.stderr


def test_a_failing_kernel_warns_once_and_falls_back(monkeypatch):
    def broken(*args):
        raise TypeError("no matching definition")

    monkeypatch.setattr(kernels, "_compiled", {"adam": broken})
    g = np.ones(3, np.float32)
    m, v, o = np.zeros(3, np.float32), np.zeros(3, np.float32), np.zeros(3, np.float32)
    with pytest.warns(RuntimeWarning, match="compiled adam kernel failed"):
        assert kernels.adam_direction(g, m, v, o, 0.9, 0.999, 1e-3, 1e-8, 1) is False
    assert "adam" not in kernels._compiled
    assert kernels.adam_direction(g, m, v, o, 0.9, 0.999, 1e-3, 1e-8, 1) is False  # silent now


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: optim.Adam(ps, lr=1e-2),
        lambda ps: optim.Adam(ps, lr=1e-2, weight_decay=0.1, maximize=True),
        lambda ps: optim.AdamW(ps, lr=1e-2, betas=(0.8, 0.99)),
        lambda ps: optim.Adam(ps, lr=1e-2, amsgrad=True),
    ],
)
@pytest.mark.parametrize("dtype", [dg.float32, dg.float64])
def test_training_with_and_without_kernels_gives_the_same_weights(make, dtype):
    def run():
        dg.manual_seed(0)
        model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3)).to(dtype)
        opt = make(model.parameters())
        x = dg.randn(16, 5, dtype=dtype)
        y = dg.randint(0, 3, (16,))
        for _ in range(5):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
        return [p.detach().numpy().copy() for p in model.parameters()]

    _assert_kernels_change_nothing(run)


@pytest.mark.parametrize("dtype", [dg.float32, dg.float64])
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"bias": False, "num_layers": 2},
        {"bidirectional": True},
        {"proj_size": 3},
    ],
)
def test_lstm_with_and_without_kernels_gives_the_same_numbers(dtype, kwargs):
    """The LSTM's gate kernels (forward and backward) against its NumPy form, bit for bit:
    outputs, final states, and every gradient, from non-zero initial states."""

    def run():
        dg.manual_seed(3)
        lstm = nn.LSTM(4, 6, **kwargs).to(dtype)
        x = dg.randn(5, 3, 4, dtype=dtype, requires_grad=True)
        d = 2 if kwargs.get("bidirectional") else 1
        layers = kwargs.get("num_layers", 1) * d
        h0 = dg.randn(layers, 3, kwargs.get("proj_size", 6), dtype=dtype)
        c0 = dg.randn(layers, 3, 6, dtype=dtype)
        out, (h, c) = lstm(x, (h0, c0))
        ((out * out).sum() + h.sum() * 2 + (c * c).sum()).backward()
        grads = [p.grad.numpy().copy() for p in lstm.parameters()]
        return [out.detach().numpy(), h.detach().numpy(), c.detach().numpy(),
                x.grad.numpy(), *grads]  # fmt: skip

    _assert_kernels_change_nothing(run)


@pytest.mark.parametrize("dtype", [dg.float32, dg.float64])
@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_recurrent_backward_layouts_give_the_same_numbers(kind, dtype, monkeypatch):
    """The recurrent backward stacks each step's gate gradient straight into the weight
    GEMMs' ``(G, T, B)`` operand with one BLAS thread, into contiguous ``(T, G, B)`` blocks
    (transposed once after the loop) with more: the same numbers either way (the LSTM's
    with its kernels, which must run, and without)."""
    from deepgrad import threads
    from deepgrad.functional import recurrent

    def run():
        dg.manual_seed(5)
        net = getattr(nn, kind)(4, 6, num_layers=2)
        net.to(dtype)
        x = dg.randn(7, 3, 4, dtype=dtype, requires_grad=True)
        h0 = dg.randn(2, 3, 6, dtype=dtype)
        out, h = net(x, (h0, dg.randn(2, 3, 6, dtype=dtype)) if kind == "LSTM" else h0)
        hn = h[0] * h[1] if kind == "LSTM" else h
        ((out * out).sum() + (hn * 2).sum()).backward()
        return [out.detach().numpy(), x.grad.numpy(), *(p.grad.numpy() for p in net.parameters())]

    uses = ("lstm_gates", "lstm_backward") if kind == "LSTM" else ()
    if dtype == dg.float32:  # the float32 gates' and cells' tanh (its rational form: forced)
        monkeypatch.setattr(recurrent, "RATIONAL_TANH32", True)
        uses += ("rational_tanh",)
    results = []
    for n in (1, 2):
        monkeypatch.setattr(threads, "blas_threads", lambda n=n: n)
        _assert_kernels_change_nothing(run, monkeypatch, uses=uses)
        results.append([np.array(a, copy=True) for a in run()])
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a, b, strict=True)


@pytest.mark.parametrize("in_place", [False, True])
def test_rational_tanh_is_its_numpy_form(in_place, monkeypatch):
    """The recurrent layers' float32 tanh (``gate_tanh``): kernel and NumPy form bit for bit,
    in place and into another array, over ordinary values, the clamp's edges, signed zeros,
    subnormals, ±inf and NaN."""
    from deepgrad.functional import recurrent
    from deepgrad.functional.recurrent import gate_tanh

    monkeypatch.setattr(recurrent, "RATIONAL_TANH32", True)
    rng = np.random.default_rng(11)
    special = [0.0, -0.0, 1e-40, -1e-40, 1e-20, 8.999999, 9.0, 9.000001, -9.0, 1e30,
               np.inf, -np.inf, np.nan, -np.nan]  # fmt: skip
    x = np.concatenate([rng.standard_normal(4000) * 5, rng.standard_normal(1000) * 0.01, special])
    x = x.astype(np.float32).reshape(2, -1)

    def run():
        a = x.copy()
        return [gate_tanh(a, out=a)] if in_place else [gate_tanh(a, out=np.empty_like(a)), a]

    _assert_kernels_change_nothing(run, monkeypatch, uses=("rational_tanh",))


def test_rational_tanh_declines_what_it_does_not_take():
    from deepgrad.functional.recurrent import _TANH32

    x = np.linspace(-3, 3, 24, dtype=np.float32).reshape(4, 6)
    out = np.zeros_like(x)
    assert kernels.rational_tanh(x.astype(np.float64), out.astype(np.float64), _TANH32) is False
    assert kernels.rational_tanh(x[:, ::2], out[:, ::2], _TANH32) is False  # not contiguous
    assert kernels.rational_tanh(x, out[:2], _TANH32) is False  # shapes disagree
    flat = x.reshape(-1)
    assert kernels.rational_tanh(flat[:12], flat[12:].copy(), _TANH32) is True  # apart
    # overlapping, not the same array: the NumPy form (which reads all before it writes)
    assert kernels.rational_tanh(flat[:12], flat[6:18], _TANH32) is False
    np.testing.assert_array_equal(out, 0)
    assert kernels.rational_tanh(x, out, _TANH32) is True  # and it takes the right ones
    assert np.abs(out - np.tanh(x)).max() < 1e-6


def test_lstm_kernels_decline_what_they_do_not_take():
    G = np.zeros((8, 3), np.float32)
    c = np.zeros((2, 3), np.float32)
    assert kernels.lstm_gates(G, c, c[:, :2]) is False  # shapes disagree
    assert kernels.lstm_gates(G.astype(np.float16), c.astype(np.float16), c) is False
    assert kernels.lstm_gates(G[:, ::2], c[:, ::2], c[:, ::2]) is False  # not contiguous
    assert kernels.lstm_backward(G, c, c, c, c, G[:4]) is False
    assert kernels.lstm_backward(G, c, c, c, c.astype(np.float64), G) is False
    np.testing.assert_array_equal(G, 0)
    assert kernels.lstm_gates(G, c, c.copy()) is True  # and they do take the right ones
    assert kernels.lstm_backward(G, c, c, c, c.copy(), G.copy()) is True


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adam_update_is_the_direction_then_the_subtraction(dtype, monkeypatch):
    """adam_update (w updated in place, per parameter) = adam_direction + w -= out, bit for
    bit; and when its kernel fails on a later parameter, the rest finish in NumPy, the same."""
    rng = np.random.default_rng(5)
    shapes = [(7, 3), (11,), (2, 2, 5)]
    params = [rng.standard_normal(s).astype(dtype) for s in shapes]
    states = [_state(rng, int(np.prod(s)), dtype) for s in shapes]
    args = (0.9, 0.999, 1e-3, 1e-8, 3)
    expected = []
    for w, (g, m, v) in zip(params, states, strict=True):
        m1, v1, out = m.copy(), v.copy(), np.empty_like(g)
        _numpy_adam(g, m1, v1, out, *args)
        expected.append((w - out.reshape(w.shape), m1, v1))

    def quads():
        return [(w.copy(), g.reshape(w.shape), m.copy().reshape(w.shape), v.copy().reshape(w.shape))
                for w, (g, m, v) in zip(params, states, strict=True)]  # fmt: skip

    got = quads()
    assert kernels.adam_update(got, *args) is True
    for (w, _, m, v), (ew, em, ev) in zip(got, expected, strict=True):
        np.testing.assert_array_equal(w, ew)
        np.testing.assert_array_equal(m.ravel(), em)
        np.testing.assert_array_equal(v.ravel(), ev)
    compiled = dict(kernels._kernels())
    calls = []

    def fails_second(*a):
        calls.append(1)
        if len(calls) > 1:
            raise TypeError("no matching definition")
        compiled["adam_update"](*a)

    monkeypatch.setattr(kernels, "_compiled", {**compiled, "adam_update": fails_second})
    got = quads()
    with pytest.warns(RuntimeWarning, match="adam_update kernel failed"):
        assert kernels.adam_update(got, *args) is True
    for (w, _, m, v), (ew, em, ev) in zip(got, expected, strict=True):
        np.testing.assert_array_equal(w, ew)
        np.testing.assert_array_equal(m.ravel(), em)
        np.testing.assert_array_equal(v.ravel(), ev)
    # a quad it does not take: nothing written
    bad = quads()
    bad[1] = (bad[1][0][:, None], *bad[1][1:])
    before = [q[0].copy() for q in bad]
    assert kernels.adam_update(bad, *args) is False
    for q, b in zip(bad, before, strict=True):
        np.testing.assert_array_equal(q[0], b)


def test_kernels_that_cannot_be_built_fall_back_with_a_warning(monkeypatch):
    """numba installed but unusable (no writable cache directory, say): one warning, then the
    NumPy forms."""

    def broken():
        raise RuntimeError("cannot cache function: no locator available")

    monkeypatch.setattr(kernels, "_compiled", None)
    monkeypatch.setattr(kernels, "_build", broken)
    g = np.ones(3, np.float32)
    m, v, o = np.zeros(3, np.float32), np.zeros(3, np.float32), np.zeros(3, np.float32)
    with pytest.warns(RuntimeWarning, match="compiled kernels are unavailable"):
        assert kernels.adam_direction(g, m, v, o, 0.9, 0.999, 1e-3, 1e-8, 1) is False
    assert kernels.available() is False


# ---- max pooling (2×2, stride 2) and col2im ---------------------------------------------------
def _pool_run(x, use, gy=None, **kw):
    import deepgrad.functional as F

    before = kernels.set_enabled(use)
    try:
        xt = dg.tensor(x, requires_grad=True)
        y = F.max_pool2d(xt, 2, **kw)
        if gy is None:
            gy = np.random.default_rng(1).standard_normal(y.shape).astype(x.dtype)
        y.backward(dg.tensor(gy))
        return y.numpy().copy(), xt.grad.numpy().copy(), gy
    finally:
        kernels.set_enabled(before)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "shape, kw",
    [
        ((4, 3, 8, 8), {}),
        ((2, 3, 7, 9), {}),  # odd sizes: the last row and column belong to no window
        ((2, 3, 7, 9), {"ceil_mode": True}),  # windows past the border read -inf padding
        ((0, 3, 4, 4), {}),
        ((2, 3, 1, 5), {"ceil_mode": True}),
    ],
)
def test_max_pool_kernel_is_bit_identical_to_numpy_and_torch(dtype, shape, kw):
    """Values and gradients through the compiled 2×2 kernels equal the NumPy form's and
    PyTorch's, ties (the first maximum in window order wins, ±0 and repeated values) and
    infinities included."""
    rng = np.random.default_rng(0)
    x = rng.integers(-3, 4, shape).astype(dtype)  # many ties
    x.reshape(-1)[::7] = -0.0
    x.reshape(-1)[::11] = np.inf
    x.reshape(-1)[::13] = -np.inf
    y1, g1, gy = _pool_run(x, True, **kw)
    y2, g2, _ = _pool_run(x, False, gy, **kw)
    np.testing.assert_array_equal(y1, y2, strict=True)
    np.testing.assert_array_equal(g1, g2, strict=True)
    torch = pytest.importorskip("torch")
    tx = torch.tensor(x, requires_grad=True)
    ty = torch.nn.functional.max_pool2d(tx, 2, **kw)
    ty.backward(torch.tensor(gy))
    np.testing.assert_array_equal(y1, ty.detach().numpy())
    np.testing.assert_array_equal(g1, tx.grad.numpy())
    # a window of ±0 gives its first zero, as PyTorch's (NumPy's maximum may give the other)
    assert (np.signbit(y1) == np.signbit(ty.detach().numpy())).all()


def test_max_pool_kernel_leaves_nan_windows_to_the_numpy_form():
    """A NaN anywhere: the kernel declines (its comparisons would skip the NaN) and the NumPy
    form gives PyTorch's rule (the window's maximum is NaN; its gradient goes to the last
    NaN)."""
    x = np.arange(32, dtype=np.float32).reshape(1, 2, 4, 4)
    x[0, 0, 1, 1] = x[0, 1, 2, 3] = x[0, 1, 3, 3] = np.nan
    y = np.empty((1, 2, 2, 2), np.float32)
    assert kernels.max_pool2x2(x, y, np.empty(y.shape, np.uint8)) is False
    y1, g1, gy = _pool_run(x, True)
    torch = pytest.importorskip("torch")
    tx = torch.tensor(x, requires_grad=True)
    ty = torch.nn.functional.max_pool2d(tx, 2)
    ty.backward(torch.tensor(gy))
    np.testing.assert_array_equal(y1, ty.detach().numpy())
    np.testing.assert_array_equal(g1, tx.grad.numpy())


def test_max_pool_kernels_decline_what_they_do_not_take():
    x = np.zeros((1, 1, 4, 4), np.float32)
    y = np.empty((1, 1, 2, 2), np.float32)
    idx = np.empty(y.shape, np.uint8)
    assert kernels.max_pool2x2(x.astype(np.float16), y, idx) is False
    assert kernels.max_pool2x2(x[..., ::2], y, idx) is False  # not contiguous / too narrow
    assert kernels.max_pool2x2(x, y, idx.astype(np.int64)) is False
    assert kernels.max_pool2x2(x[:, :, :3], y, idx) is False  # H < 2·Ho
    assert kernels.max_pool2x2(x, y.astype(np.float64), idx) is False
    assert kernels.max_pool2x2_backward(y.astype(np.float64), idx, x) is False
    assert kernels.max_pool2x2_backward(y, idx[:, :, :1], x) is False
    assert kernels.max_pool2x2_backward(y, idx.astype(np.int64), x) is False
    assert kernels.max_pool2x2_backward(y, idx, x[:, :, :3]) is False  # too small for y
    assert kernels.max_pool2x2(x, y, idx) is True
    assert kernels.max_pool2x2_backward(y, idx, x) is True
    one = np.empty((1, 1, 1, 1), np.float32)  # one window a plane: NumPy's form is faster
    assert kernels.max_pool2x2(x[:, :, :2, :2], one, idx[:, :, :1, :1]) is False


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch_major", [True, False])
@pytest.mark.parametrize(
    "k, kw",
    [
        (3, {"padding": 1}),
        ((3, 5), {"padding": "same", "dilation": (1, 2)}),
        ((2, 4), {"padding": "same"}),  # uneven: one more column of padding on the right
        ((3, 1), {"padding": (2, 0)}),
        (5, {"padding": 2}),  # on a 2-wide image: a kernel wider than the image
        ((1, 3), {"padding": (0, 1)}),
    ],
)
def test_col2im_kernel_is_bit_identical_to_numpy(dtype, batch_major, k, kw, monkeypatch):
    """conv2d's input gradient and conv_transpose2d's output (with its bias) through the
    compiled col2im equal the NumPy form's bit for bit; an infinite column gradient in a
    position that wraps past a row's end adds nothing (no inf·0 = NaN)."""
    import deepgrad.functional as F
    import deepgrad.functional.conv as conv_mod

    monkeypatch.setattr(conv_mod, "BATCH_MAJOR_BELOW_K", 10**9 if batch_major else 0)
    monkeypatch.setattr(conv_mod, "BATCH_MAJOR_MAX_K", 10**9 if batch_major else 0)
    rng = np.random.default_rng(2)
    kh, kk = (k, k) if isinstance(k, int) else k
    width = 2 if k == 5 else 7
    x = rng.standard_normal((3, 4, 6, width)).astype(dtype)
    w = rng.standard_normal((5, 4, kh, kk)).astype(dtype)
    gy = rng.standard_normal(F.conv2d(dg.tensor(x), dg.tensor(w), **kw).shape).astype(dtype)
    gy[0, 0, 0, 0] = np.inf  # its column entries reach past the left border
    gy[1, 2, 3, -1] = -np.inf
    b = rng.standard_normal(4).astype(dtype)

    def run(use):
        before = kernels.set_enabled(use)
        try:
            xt = dg.tensor(x, requires_grad=True)
            y = F.conv2d(xt, dg.tensor(w), **kw)
            assert y.shape[-1] == width  # the flat-rows geometry the kernel takes
            y.backward(dg.tensor(gy))
            pad = kw["padding"] if kw["padding"] != "same" else ((kh - 1) // 2, (kk - 1) // 2)
            if (kh - 1) % 2 == 0 and (kk - 1) % 2 == 0 or kw["padding"] != "same":
                t = F.conv_transpose2d(
                    dg.tensor(gy), dg.tensor(w), dg.tensor(b), padding=pad,
                    dilation=kw.get("dilation", 1),
                )  # fmt: skip
                return xt.grad.numpy().copy(), t.numpy().copy()
            return xt.grad.numpy().copy(), None
        finally:
            kernels.set_enabled(before)

    (g1, t1), (g2, t2) = run(True), run(False)
    np.testing.assert_array_equal(g1, g2, strict=True)
    if t1 is not None:
        np.testing.assert_array_equal(t1, t2, strict=True)


def test_col2im_kernel_declines_what_it_does_not_take():
    cols = np.zeros((2, 3, 3, 1, 4), np.float32)
    out = np.empty((1, 2, 4), np.float32)
    geom = (1, 1, 1, 1, 2)
    assert kernels.col2im_flat(cols.astype(np.float16), False, out, None, geom, 0, 1) is False
    assert kernels.col2im_flat(cols, False, out.astype(np.float64), None, geom, 0, 1) is False
    assert kernels.col2im_flat(cols, False, out, np.zeros(3, np.float32), geom, 0, 1) is False
    assert kernels.col2im_flat(cols[..., ::2], False, out, None, geom, 0, 1) is False
    assert kernels.col2im_flat(cols, False, out, np.zeros(2, np.float32), geom, 0, 1) is True


#: geometries the flat-rows im2col takes (stride 1, output as wide as the input)
_FLAT_GEOMETRIES = [
    (3, {"padding": 1}),
    ((3, 5), {"padding": "same", "dilation": (1, 2)}),
    ((2, 4), {"padding": "same"}),  # uneven: one more column of padding on the right
    ((3, 1), {"padding": (2, 0)}),  # taller output than input (Ho = H + 2)
    (5, {"padding": 2}),  # on a 2-wide image: a kernel wider than the image
    ((1, 3), {"padding": (0, 1)}),
    ((3, 3), {"padding": (0, 1)}),  # no padding in height: a shorter output
]


def _flat_case(rng, k, kw, dtype, n=3, c=4, o=5):
    import deepgrad.functional as F

    kh, kk = (k, k) if isinstance(k, int) else k
    width = 2 if k == 5 else 7
    x = rng.standard_normal((n, c, 6, width)).astype(dtype)
    x[0, 0, 0, 0], x[1, 1, 2, -1], x[-1, -1, -1, 0] = np.inf, np.nan, -0.0  # copied as they are
    w = rng.standard_normal((o, c, kh, kk)).astype(dtype)
    b = rng.standard_normal(o).astype(dtype)
    y = F.conv2d(dg.tensor(x), dg.tensor(w), **kw)
    assert y.shape[-1] == width  # the flat-rows geometry
    return x, w, b, rng.standard_normal(y.shape).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k, kw", _FLAT_GEOMETRIES)
@pytest.mark.parametrize("ones", [False, True])
def test_im2col_kernel_is_bit_identical_to_numpy(dtype, k, kw, ones, monkeypatch):
    """Batch-major columns through the compiled im2col equal the NumPy form's bit for bit
    (an inf, a NaN and a -0.0 copied as they are, zeros +0), a folded bias's row of ones
    included."""
    import deepgrad.functional.conv as conv_mod

    monkeypatch.setattr(conv_mod, "BATCH_MAJOR_BELOW_K", 10**9)
    x, w, _, _ = _flat_case(np.random.default_rng(3), k, kw, dtype)
    pad = conv_mod._padding4(kw["padding"], w.shape[2:], kw.get("dilation", (1, 1)), (1, 1), "t")
    g = conv_mod._Geom(x.shape, w.shape, (1, 1), pad, kw.get("dilation", (1, 1)), 1)
    assert g.bm and conv_mod._flat_rows(g)

    def run():
        return [conv_mod._im2col(x, g, ones=ones)]

    _assert_kernels_change_nothing(run, monkeypatch, uses=("im2col_flat",))
    on = run()[0]
    assert np.array_equal(np.signbit(on), np.signbit(_numpy_im2col(x, g, ones)), equal_nan=True)


def _numpy_im2col(x, g, ones):
    import deepgrad.functional.conv as conv_mod

    before = kernels.set_enabled(False)
    try:
        return conv_mod._im2col(x, g, ones=ones)
    finally:
        kernels.set_enabled(before)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k, kw", _FLAT_GEOMETRIES)
@pytest.mark.parametrize("block_bytes", [1, 3000, 1 << 20])
def test_fused_column_blocks_give_the_whole_matrix_numbers(dtype, k, kw, block_bytes, monkeypatch):
    """A convolution without a column matrix kept (inference; a frozen weight), its bias
    folded or added, and the transposed convolution (conv2d's input gradient,
    conv_transpose2d with a bias) made block by block in cache (conv._fused_blocks: blocks of
    one sample, of a few with a shorter last one, of the whole batch) equal the whole-matrix
    path's numbers bit for bit; so does a block whose compiled im2col declines (the NumPy
    im2col of those samples)."""
    import deepgrad.functional as F
    import deepgrad.functional.conv as conv_mod

    monkeypatch.setattr(conv_mod, "BATCH_MAJOR_BELOW_K", 10**9)
    monkeypatch.setattr(conv_mod, "BLOCK_BYTES", block_bytes)
    x, w, b, gy = _flat_case(np.random.default_rng(4), k, kw, dtype, n=5)
    kh, kk = w.shape[2:]
    ran = []
    fused = conv_mod._fused_blocks

    def spy(*args):
        ran.append(args[0].N)
        return fused(*args)

    monkeypatch.setattr(conv_mod, "_fused_blocks", spy)

    def run(fuse, fold=True):
        monkeypatch.setattr(conv_mod, "FUSE_COLUMNS", fuse)
        monkeypatch.setattr(conv_mod, "FOLD_BIAS", fold)
        with dg.no_grad():
            y = F.conv2d(dg.tensor(x), dg.tensor(w), dg.tensor(b), **kw).numpy()
            y0 = F.conv2d(dg.tensor(x), dg.tensor(w), **kw).numpy()
        xt = dg.tensor(x, requires_grad=True)
        F.conv2d(xt, dg.tensor(w), **kw).backward(dg.tensor(gy))  # frozen weight: no columns kept
        out = [y, y0, xt.grad.numpy()]
        if (kh - 1) % 2 == 0 and (kk - 1) % 2 == 0 or kw["padding"] != "same":
            pad = kw["padding"] if kw["padding"] != "same" else ((kh - 1) // 2, (kk - 1) // 2)
            t = F.conv_transpose2d(
                dg.tensor(gy), dg.tensor(w), dg.tensor(b[: w.shape[1]]), padding=pad,
                dilation=kw.get("dilation", 1),
            )  # fmt: skip
            out.append(t.numpy())
        return [np.array(a, copy=True) for a in out]

    for fold in (True, False):
        whole = run(False, fold)
        assert not ran
        got = run(True, fold)
        assert ran, "the fused path did not run"
        ran.clear()
        for i, (a, e) in enumerate(zip(got, whole, strict=True)):
            np.testing.assert_array_equal(a, e, strict=True, err_msg=f"output {i}, fold {fold}")
            assert np.array_equal(np.signbit(a), np.signbit(e))
    monkeypatch.setattr(kernels, "im2col_flat", lambda *args: False)
    for a, e in zip(run(True, fold=False), whole, strict=True):  # whole: fold=False
        np.testing.assert_array_equal(a, e, strict=True)


@pytest.mark.parametrize("keep_max", [0, 1 << 40])
@pytest.mark.parametrize("fold", [True, False])
def test_training_with_fused_columns_gives_the_same_weights(keep_max, fold, monkeypatch):
    """A CNN trained a few steps (the first layer's input needs no gradient, the second's
    does) with the compiled columns and blocks and with the kernels off: the same weights,
    whether the forward keeps its columns for the weight gradient or the weight gradient
    makes them again block by block (``keep_max = 0``), with the bias folded into the
    products (its gradient the ones row's) or not."""
    import deepgrad.functional.conv as conv_mod

    monkeypatch.setattr(conv_mod, "BLOCK_BYTES", 20_000)  # several blocks per thread
    monkeypatch.setattr(conv_mod, "KEEP_COLUMNS_MAX", keep_max)
    monkeypatch.setattr(conv_mod, "FOLD_BIAS", fold)
    made = []
    wgrad = conv_mod._wgrad_blocks
    monkeypatch.setattr(conv_mod, "_wgrad_blocks", lambda *a: made.append(1) or wgrad(*a))
    rng = np.random.default_rng(5)
    xs = [rng.standard_normal((16, 1, 12, 12)).astype(np.float32) for _ in range(3)]
    ys = [rng.integers(0, 10, 16) for _ in range(3)]

    def run():
        dg.manual_seed(0)
        model = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(16 * 36, 10),
        )  # fmt: skip
        opt = optim.Adam(model.parameters(), lr=1e-2)
        for x, y in zip(xs, ys, strict=True):
            opt.zero_grad()
            F.cross_entropy(model(dg.tensor(x)), dg.tensor(y)).backward()
            opt.step()
        with dg.no_grad():
            pred = model(dg.tensor(xs[0]))
        return [p.numpy() for p in model.parameters()] + [pred.numpy()]

    _assert_kernels_change_nothing(run, monkeypatch, uses=("im2col_flat",))
    assert bool(made) == (keep_max == 0)  # the weight gradients made their columns again


def test_im2col_kernel_declines_what_it_does_not_take():
    x = np.zeros((2, 3, 12), np.float32)
    cols = np.zeros((2, 27, 12), np.float32)
    geom = (1, 1, 1, 1, 4, 3, 3)
    assert kernels.im2col_flat(x.astype(np.float16), cols, geom, 0, 2) is False
    assert kernels.im2col_flat(x, cols.astype(np.float64), geom, 0, 2) is False
    assert kernels.im2col_flat(x[..., ::2], cols[..., :6], geom, 0, 2) is False
    assert kernels.im2col_flat(x, cols[:, :26], geom, 0, 2) is False  # too few rows
    assert kernels.im2col_flat(x, cols[:1], geom, 0, 2) is False  # too few samples
    assert kernels.im2col_flat(x, cols, geom, 1, 3) is False  # past the batch
    assert kernels.im2col_flat(x, cols[:, :, :10], geom, 0, 2) is False  # not whole rows
    assert kernels.im2col_flat(x, cols, geom, 0, 2) is True


def test_relu_kernels_decline_what_they_do_not_take():
    """(Their numbers: tests/functional/test_activation.py, against the NumPy forms and
    PyTorch.)"""
    x = np.array([-1.0, 0.0, 2.0], np.float32)
    y = np.empty_like(x)
    assert kernels.relu(x.astype(np.float16), y.astype(np.float16)) is False
    assert kernels.relu(x.reshape(3, 1), y.reshape(3, 1)) is False  # 1-D only
    assert kernels.relu(x, y.astype(np.float64)) is False
    assert kernels.relu_backward(x, x, y[::2]) is False
    assert kernels.relu(x, y) is True
    np.testing.assert_array_equal(y, [0.0, 0.0, 2.0])
    assert kernels.relu_backward(y, np.array([np.inf, np.nan, 3.0], np.float32), x) is True
    np.testing.assert_array_equal(x, [0.0, 0.0, 3.0])


@pytest.mark.parametrize("dtype", [dg.float32, dg.float64])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize(
    "shape", [(8, 3, 5, 4), (6, 4), (5, 3, 7), (0, 3, 2, 2), (4, 2, 1, 1), (3, 2, 7, 5), (2, 3, 50)]
)
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_kernels_are_bit_identical_to_numpy(dtype, affine, shape, training):
    """Batch norm's fused passes (centre and square, scale and shift, the input gradient)
    against its NumPy form, bit for bit: output, running statistics and every gradient."""

    def run():
        dg.manual_seed(0)
        bn = (nn.BatchNorm2d if len(shape) == 4 else nn.BatchNorm1d)(shape[1], affine=affine)
        bn = bn.to(dtype).train(training)
        with dg.no_grad():
            if affine:
                bn.weight.copy_(dg.randn(shape[1], dtype=dtype))
                bn.bias.copy_(dg.randn(shape[1], dtype=dtype))
            bn.running_mean.copy_(dg.randn(shape[1], dtype=dtype))
            bn.running_var.copy_(dg.rand(shape[1], dtype=dtype) + 0.5)
        x = (dg.randn(*shape, dtype=dtype) * 3 + 1).requires_grad_()
        y = bn(x)
        y.backward(dg.randn(*shape, dtype=dtype))
        out = [y.detach().numpy(), x.grad.numpy(), bn.running_mean.numpy(),
               bn.running_var.numpy()]  # fmt: skip
        if affine:
            out += [bn.weight.grad.numpy(), bn.bias.grad.numpy()]
        return [a.copy() for a in out]

    _assert_kernels_change_nothing(run)


@pytest.mark.parametrize("dtype", [dg.float32, dg.float64])
@pytest.mark.parametrize("affine", ["both", "weight", "bias", "none"])
@pytest.mark.parametrize(
    "shape", [(8, 3, 5, 4), (6, 4), (3, 2, 7, 5), (2, 3, 50), (4, 3, 17, 3), (0, 3, 2, 2)]
)
def test_batch_norm_without_a_stored_xhat_gives_the_same_bits(dtype, affine, shape, monkeypatch):
    """In training, batch norm makes x̂ again from its input instead of storing it
    (``normalization.RECOMPUTE_XHAT``), with or without an affine output: the output, the
    running statistics and every gradient are bit for bit those of the stored x̂, with the
    kernels on and off; where the rows are long enough for the sum kernels, the four
    x̂-from-x kernels ran."""
    from deepgrad.functional import normalization as nz

    c = shape[1]

    def run():
        dg.manual_seed(0)
        x = (dg.randn(*shape, dtype=dtype) * 3 + 1).requires_grad_()
        w = dg.randn(c, dtype=dtype).requires_grad_() if affine in ("both", "weight") else None
        b = dg.randn(c, dtype=dtype).requires_grad_() if affine in ("both", "bias") else None
        rm, rv = dg.zeros(c, dtype=dtype), dg.ones(c, dtype=dtype)
        y = F.batch_norm(x, rm, rv, w, b, training=True)
        y.backward(dg.randn(*shape, dtype=dtype))
        out = [y.detach().numpy(), x.grad.numpy(), rm.numpy(), rv.numpy()]
        out += [p.grad.numpy() for p in (w, b) if p is not None]
        return [a.copy() for a in out]

    long_rows = shape[0] and math.prod(shape[2:]) >= kernels.BN_SUMS_MIN_ROW
    uses = ("batch_norm_dev_sums", "batch_norm_normalize", "batch_norm_grad_sums_x",
            "batch_norm_grad_x") if long_rows else ()  # fmt: skip
    _assert_kernels_change_nothing(run, monkeypatch, uses)
    again = run()
    monkeypatch.setattr(nz, "RECOMPUTE_XHAT", False)
    for a, b in zip(again, run(), strict=True):
        np.testing.assert_array_equal(a, b, strict=True)
        np.testing.assert_array_equal(np.signbit(a), np.signbit(b))


@pytest.mark.parametrize("dtype", [dg.float32, dg.float64])
@pytest.mark.parametrize("affine", ["both", "weight", "bias", "none"])
@pytest.mark.parametrize("shape", [(4, 5, 8), (3, 7), (0, 6), (2, 1), (6,)])
def test_layer_norm_kernels_are_bit_identical_to_numpy(dtype, affine, shape, monkeypatch):
    """Layer norm's fused passes (centre and square, scale and shift, the input gradient)
    against its NumPy form, bit for bit: output and every gradient."""
    n = shape[-1]

    def run():
        dg.manual_seed(0)
        x = (dg.randn(*shape, dtype=dtype) * 3 + 1).requires_grad_()
        w = dg.randn(n, dtype=dtype).requires_grad_() if affine in ("both", "weight") else None
        b = dg.randn(n, dtype=dtype).requires_grad_() if affine in ("both", "bias") else None
        y = F.layer_norm(x, (n,), w, b)
        y.backward(dg.randn(*shape, dtype=dtype))
        out = [y.detach().numpy(), x.grad.numpy()]
        out += [p.grad.numpy() for p in (w, b) if p is not None]
        return [a.copy() for a in out]

    _assert_kernels_change_nothing(
        run,
        monkeypatch,
        ("sub_rows", "batch_norm_center", "layer_norm_scale", "layer_norm_grad"),
    )


def test_layer_norm_kernels_decline_what_they_do_not_take():
    x = np.zeros((3, 4), np.float32)
    r, v = np.ones(3, np.float32), np.ones(4, np.float32)
    assert kernels.layer_norm_scale(x, r[:2], None, None, x.copy()) is False  # one per row
    assert kernels.layer_norm_scale(x, r, v[:3], None, x.copy()) is False  # one per column
    assert kernels.layer_norm_scale(x, r, None, v.astype(np.float64), x.copy()) is False
    assert kernels.layer_norm_scale(x[:, ::2], r, None, None, x[:, ::2]) is False
    assert kernels.layer_norm_scale(x.reshape(1, 3, 4), r, None, None, x.reshape(1, 3, 4)) is False
    assert kernels.layer_norm_grad(x, x, v, r, r, r, x[:, :2]) is False
    assert kernels.layer_norm_grad(x, x, r, r, r, r, x.copy()) is False  # w per column
    assert kernels.layer_norm_grad(x, x, None, v, v, v, x.copy()) is False  # c, a per row
    assert kernels.layer_norm_scale(x, r, v, v, x.copy()) is True
    assert kernels.layer_norm_grad(x, x, None, r, r, r, x.copy()) is True
    assert kernels.layer_norm_grad(x, x, v, r, r, r, x.copy()) is True


@pytest.mark.parametrize("dtype", [dg.float32, dg.float64])
@pytest.mark.parametrize("kw", [{}, {"mask": True}, {"self": True}, {"kdim": 3}])
def test_attention_softmax_kernel_is_bit_identical_to_numpy(dtype, kw, monkeypatch):
    """The attention's softmax backward (one pass over the score rows) against its NumPy
    form, bit for bit: output, weights and every gradient."""

    def run():
        dg.manual_seed(0)
        mha = nn.MultiheadAttention(8, 2, batch_first=True, kdim=kw.get("kdim"),
                                    vdim=kw.get("kdim")).to(dtype)  # fmt: skip
        q = dg.randn(3, 5, 8, dtype=dtype, requires_grad=True)
        kv = dg.randn(3, 4, kw.get("kdim", 8), dtype=dtype, requires_grad=True)
        mask = (dg.rand(5, 4) > 0.7) if kw.get("mask") else None
        k = q if kw.get("self") else kv  # self-attention: one packed projection
        y, w = mha(q, k, k, attn_mask=mask, need_weights=True)
        ((y * y).sum() + (w * w).sum()).backward()
        grads = [p.grad.numpy() for p in mha.parameters() if p.grad is not None]
        ins = [q] if kw.get("self") else [q, kv]
        return [y.detach().numpy(), w.detach().numpy(), *(x.grad.numpy() for x in ins), *grads]

    _assert_kernels_change_nothing(
        run, monkeypatch, ("sub_rows", "batch_norm_scale", "softmax_grad")
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sub_rows_is_numpys_broadcast_subtraction(dtype):
    s = np.random.default_rng(1).standard_normal((4, 6)).astype(dtype)
    s[1, 2], s[2, 0] = np.inf, np.nan
    m = np.array([0.5, np.inf, -np.inf, -0.0], dtype)
    out = np.empty_like(s)
    assert kernels.sub_rows(s, m, out) is True
    np.testing.assert_array_equal(out, s - m[:, None], strict=True)
    assert kernels.sub_rows(s, s[:, 0].copy(), out) is True  # layer norm's shift (inf − inf)
    np.testing.assert_array_equal(out, s - s[:, :1], strict=True)
    assert kernels.sub_rows(s, s[:, 0], out) is False  # a strided m: NumPy's form
    assert kernels.sub_rows(s, m[:3], out) is False  # one value per row
    assert kernels.sub_rows(s, m.astype(np.float16), out) is False
    assert kernels.sub_rows(s[:, ::2], m, out[:, ::2]) is False  # not contiguous
    assert kernels.sub_rows(s.reshape(2, 2, 6), m[:2], out.reshape(2, 2, 6)) is False


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 1), (3, 10), (32, 10), (5, 128), (0, 7)])
def test_sub_row_max_is_numpys_shift_by_the_row_maximum(dtype, shape):
    x = (np.random.default_rng(2).standard_normal(shape) * 5).astype(dtype)
    z = np.full(shape, 7, dtype)
    assert kernels.sub_row_max(x, z) is True
    np.testing.assert_array_equal(z, x - x.max(axis=1, keepdims=True), strict=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sub_row_max_keeps_numpys_nan_and_inf_and_ties(dtype):
    """A NaN anywhere makes its row NaN, as NumPy's maximum; ``±inf`` as they come
    (``inf − inf`` is NaN); ties keep NumPy's choice, so only the sign of a zero
    difference could differ where a row's maximum is a zero of both signs."""
    inf, nan = np.inf, np.nan
    x = np.array(
        [
            [1.0, nan, 3.0, 2.0],
            [nan, 1.0, 2.0, 3.0],
            [1.0, 2.0, 3.0, nan],
            [-inf, -inf, -inf, -inf],
            [1.0, inf, -inf, 2.0],
            [-inf, 0.5, -2.0, 0.5],
            [-0.0, 0.0, -1.0, -0.0],
            [0.0, -0.0, -1.0, 0.0],
            [2.0, 2.0, 2.0, 2.0],
        ],
        dtype,
    )
    z = np.empty_like(x)
    with np.errstate(invalid="ignore"):
        want = x - x.max(axis=1, keepdims=True)
    assert kernels.sub_row_max(x, z) is True
    np.testing.assert_array_equal(z, want)  # NaN where NumPy has NaN, ±0 equal
    assert np.array_equal(z[:6].view(np.uint8), want[:6].view(np.uint8))  # bit for bit


def test_sub_row_max_declines_what_it_does_not_take():
    x = np.zeros((3, 4), np.float32)
    assert kernels.sub_row_max(x, np.empty((3, 5), np.float32)) is False  # shapes differ
    assert kernels.sub_row_max(x, np.empty((3, 4), np.float64)) is False  # dtypes differ
    assert kernels.sub_row_max(x.astype(np.float16), np.empty((3, 4), np.float16)) is False
    assert kernels.sub_row_max(x[:, ::2], np.empty((3, 2), np.float32)) is False  # strided
    assert kernels.sub_row_max(x.reshape(3, 2, 2), np.empty((3, 2, 2), np.float32)) is False
    assert kernels.sub_row_max(np.zeros((3, 0), np.float32), np.zeros((3, 0), np.float32)) is False
    long = np.zeros((2, kernels.SUB_ROW_MAX_UP_TO + 1), np.float32)
    assert kernels.sub_row_max(long, np.empty_like(long)) is False  # NumPy's is faster there
    assert kernels.sub_row_max(x, x.copy()) is True
    before = kernels.set_enabled(False)
    try:
        assert kernels.sub_row_max(x, x.copy()) is False
    finally:
        kernels.set_enabled(before)


@pytest.mark.parametrize("dtype", [dg.float32, dg.float64])
@pytest.mark.parametrize("shape", [(6, 10), (2, 3, 5), (4, 1)])
def test_softmax_and_cross_entropy_shift_is_bit_identical_to_numpy(dtype, shape, monkeypatch):
    """Softmax, log-softmax and the fused softmax cross-entropy shift their rows by the row
    maximum in one compiled pass (``sub_row_max``): outputs and gradients bit for bit the
    NumPy form's."""

    def run():
        dg.manual_seed(0)
        x = (dg.randn(*shape, dtype=dtype) * 4).requires_grad_()
        g = dg.randn(*shape, dtype=dtype)
        y1, y2 = F.softmax(x, -1), F.log_softmax(x, -1)
        rows = x.reshape(-1, shape[-1])
        labels = dg.randint(0, shape[-1], (rows.shape[0],))
        loss = F.cross_entropy(rows, labels) + F.cross_entropy(rows, labels, reduction="sum")
        ((y1 * g).sum() + (y2 * g).sum() + loss).backward()
        return [y1.detach().numpy(), y2.detach().numpy(), loss.detach().numpy(), x.grad.numpy()]

    _assert_kernels_change_nothing(run, monkeypatch, ("sub_row_max",))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pairwise_sum_is_numpys_sum_bit_for_bit(dtype):
    """The loss kernels' sums follow NumPy's add.reduce order (its pairwise_sum: one by one
    below 8 values, eight accumulators up to 128, halves above), so their sums are NumPy's."""
    kernels._kernels()
    rng = np.random.default_rng(3)
    lengths = [*range(1, 140), 255, 256, 257, 1000, 1025, 4099, 70001]
    for n in lengths:
        for scale in (1.0, 1e4, 1e-4):
            v = ((rng.random(n) - 0.3) * scale).astype(dtype)
            got = kernels._pairwise_sum_jit(v)
            assert np.asarray(got, dtype).tobytes() == v.sum().tobytes(), n
    for v in (
        np.full(5, -0.0, dtype),
        np.full(300, -0.0, dtype),
        np.array([np.inf, -np.inf] * 9, dtype),
    ):
        np.testing.assert_array_equal(
            np.asarray(kernels._pairwise_sum_jit(v), dtype), v.sum(), strict=True
        )


def _ce_numpy(x, labels, scale, reduce_sum):
    """SoftmaxCrossEntropy's NumPy form (the kernels off): loss, then the gradient for 1.0."""
    before = kernels.set_enabled(False)
    try:
        return _ce_run(x, labels, scale, reduce_sum)
    finally:
        kernels.set_enabled(before)


def _ce_run(x, labels, scale, reduce_sum):
    from deepgrad.functional.loss import SoftmaxCrossEntropy

    xt = dg.tensor(x, requires_grad=True)
    out = SoftmaxCrossEntropy(labels, None, scale, reduce_sum)(xt)
    out.backward(dg.ones_like(out) if out.ndim else None)
    return out.numpy(), xt.grad.numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 1), (3, 10), (32, 10), (200, 7), (300, 128), (9, 2)])
@pytest.mark.parametrize("reduce_sum", [True, False])
def test_softmax_cross_entropy_kernels_are_its_numpy_form(dtype, shape, reduce_sum, monkeypatch):
    """The softmax cross-entropy in five calls (the shift, exp, ce_rows, log, ce_losses) and
    its gradient in one pass: loss and gradient bit for bit the NumPy form's, with NaN, ±inf
    and an all -inf row among the logits."""
    rng = np.random.default_rng(4)
    x = (rng.standard_normal(shape) * 6).astype(dtype)
    if shape[0] > 3 and shape[1] > 2:
        x[0, 1], x[1, :], x[2, 0], x[3, 2] = np.nan, -np.inf, np.inf, -np.inf
    labels = rng.integers(0, shape[1], shape[0])
    scale = np.asarray(1 / shape[0], dtype)
    calls: list = []
    for name in ("softmax_cross_entropy", "softmax_cross_entropy_grad"):
        fn = getattr(kernels, name)
        monkeypatch.setattr(
            kernels, name, lambda *a, fn=fn, name=name: calls.append(name) or fn(*a)
        )
    with np.errstate(all="ignore"):
        got = _ce_run(x, labels, scale, reduce_sum)
        want = _ce_numpy(x, labels, scale, reduce_sum)
    assert "softmax_cross_entropy" in calls
    assert ("softmax_cross_entropy_grad" in calls) == reduce_sum  # per-sample: NumPy's form
    for a, b in zip(got, want, strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.tobytes() == b.tobytes()


def test_softmax_cross_entropy_kernels_decline_what_they_do_not_take():
    x, lab = np.zeros((4, 3), np.float32), np.zeros(4, np.int64)
    sc = np.asarray(0.25, np.float32)
    assert kernels.softmax_cross_entropy(x, lab, sc, True) is not None
    assert kernels.softmax_cross_entropy(x, lab.astype(np.int32), sc, True) is None
    assert kernels.softmax_cross_entropy(x, lab[:3], sc, True) is None
    assert kernels.softmax_cross_entropy(x, lab, sc.astype(np.float64), True) is None
    assert kernels.softmax_cross_entropy(x, lab, np.full(4, 0.25, np.float32), True) is None
    assert kernels.softmax_cross_entropy(np.asfortranarray(x.T), lab[:3], sc, True) is None
    assert kernels.softmax_cross_entropy(x[:0], lab[:0], sc, True) is None  # no rows
    long = np.zeros((2, kernels.SUB_ROW_MAX_UP_TO + 1), np.float32)
    assert kernels.softmax_cross_entropy(long, lab[:2], sc, True) is None
    assert kernels.softmax_cross_entropy(x, np.array([0, 1, 3, 0]), sc, True) is None  # 3 ≥ C
    assert kernels.softmax_cross_entropy(x, np.array([0, -1, 2, 0]), sc, True) is None
    e, s = np.ones((4, 3), np.float32), np.full((4, 1), 3.0, np.float32)
    assert kernels.softmax_cross_entropy_grad(e, s, lab, sc) is not None
    assert kernels.softmax_cross_entropy_grad(e, s, lab, sc.astype(np.float64)) is None
    assert kernels.softmax_cross_entropy_grad(np.asfortranarray(e), s, lab, sc) is None
    assert kernels.softmax_cross_entropy_grad(e, s, lab.astype(np.int32), sc) is None
    assert kernels.softmax_cross_entropy_grad(e, s[:3], lab, sc) is None
    before = kernels.set_enabled(False)
    try:
        assert kernels.softmax_cross_entropy(x, lab, sc, True) is None
        assert kernels.softmax_cross_entropy_grad(e, s, lab, sc) is None
    finally:
        kernels.set_enabled(before)


@pytest.mark.parametrize("dtype", [dg.float32, dg.float64])
def test_cross_entropy_training_step_is_bit_identical_to_numpy(dtype, monkeypatch):
    """A classifier's steps through nn.CrossEntropyLoss (both reductions that sum) with the
    kernels on and off: the losses and every parameter after three Adam steps, bit for bit."""

    def run():
        dg.manual_seed(0)
        net = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 5)).to(dtype)
        opt = optim.Adam(net.parameters(), lr=1e-2)
        x, y = dg.randn(40, 6, dtype=dtype), dg.randint(0, 5, (40,))
        out = []
        for reduction in ("mean", "sum", "mean"):
            opt.zero_grad()
            loss = nn.CrossEntropyLoss(reduction=reduction)(net(x), y)
            loss.backward()
            opt.step()
            out.append(loss.detach().numpy())
        return out + [p.detach().numpy() for p in net.parameters()]

    _assert_kernels_change_nothing(
        run, monkeypatch, ("softmax_cross_entropy", "softmax_cross_entropy_grad")
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_add_cols_is_numpys_broadcast_addition(dtype):
    """The bias added to every row (``Linear``'s forward): NumPy's ``y += b``, bit for bit,
    inf and NaN included; what it does not take is left to NumPy."""
    rng = np.random.default_rng(3)
    y = rng.standard_normal((5, 7)).astype(dtype)
    y[1, 2], y[3, 3] = np.inf, np.nan
    b = rng.standard_normal(7).astype(dtype)
    b[2] = -np.inf
    want = y + b
    assert kernels.add_cols(y, b) is True
    np.testing.assert_array_equal(y, want, strict=True)
    assert kernels.add_cols(y, b[:6]) is False  # one value per column
    assert kernels.add_cols(y, b.astype(np.float16)) is False
    assert kernels.add_cols(y[:, ::2], b[:4]) is False  # not contiguous
    assert kernels.add_cols(y.reshape(35), b) is False
    assert kernels.add_cols(y, np.tile(b, 2)[::2]) is False  # a strided bias


def test_linear_with_and_without_the_bias_kernel_agree(monkeypatch):
    import deepgrad.functional as F

    rng = np.random.default_rng(4)
    # 12,600 outputs: enough for Linear to take the kernel
    x = dg.tensor(rng.standard_normal((6, 700, 5)).astype(np.float32))
    w = dg.tensor(rng.standard_normal((3, 5)).astype(np.float32))
    b = dg.tensor(rng.standard_normal(3).astype(np.float32))

    def run() -> list:
        return [F.linear(x, w, b).numpy()]

    _assert_kernels_change_nothing(run, monkeypatch, ("add_cols",))


def test_attention_softmax_kernel_declines_what_it_does_not_take():
    ds = np.zeros((3, 4), np.float32)
    t = np.ones(3, np.float32)
    one = np.ones(1, np.float32)
    assert kernels.softmax_grad(ds, t[:2], ds.copy(), one) is False  # one t per row
    assert kernels.softmax_grad(ds, t, ds[:, :2], one) is False  # a like ds
    assert kernels.softmax_grad(ds, t, ds.copy(), one.astype(np.float64)) is False
    assert kernels.softmax_grad(ds, t, ds.copy(), np.ones(2, np.float32)) is False
    assert kernels.softmax_grad(ds.reshape(1, 3, 4), t, ds.reshape(1, 3, 4), None) is False
    ds[:] = 2
    assert kernels.softmax_grad(ds, t, np.full((3, 4), 3, np.float32), one * 0.5) is True
    np.testing.assert_array_equal(ds, np.full((3, 4), 1.5, np.float32))  # ((2 - 1) * 3) * 0.5
    assert kernels.softmax_grad(ds, t, np.full((3, 4), 2, np.float32), None) is True
    np.testing.assert_array_equal(ds, np.ones((3, 4), np.float32))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("length", [0, 1, 5, 15, 16, 17, 31, 32, 35, 784])
def test_batch_norm_sum_kernels_sum_in_the_lane_order(dtype, length, monkeypatch):
    """The batch-norm kernels' row sums (shifted sums, centred squares and their centring,
    the gradient's two sums) equal :func:`normalization._lane_sums`' NumPy form bit for bit,
    inf, NaN and signed zeros included, at lengths around the lane count (rows shorter than
    ``BN_SUMS_MIN_ROW`` included: the kernels decline them, but sum them right)."""
    from deepgrad.functional import normalization as nz

    monkeypatch.setattr(kernels, "BN_SUMS_MIN_ROW", 0)

    rng = np.random.default_rng(length)
    x = rng.standard_normal((3, 4, length)) * 10.0 ** rng.integers(-3, 4, (3, 4, length))
    x = x.astype(dtype)
    if length > 3:
        x[0, 1, 2], x[1, 2, 3], x[2, 3, 1] = np.inf, np.nan, -0.0
    x[2, 0] = -0.0  # a row of negative zeros: its sum is -0.0 either way
    piv, mu = (
        x[0, :, 0].copy() if length else np.zeros(4, dtype),
        rng.standard_normal(4).astype(dtype),
    )
    s = np.empty((3, 4), dtype)
    assert kernels.batch_norm_shifted_sums(x, piv, s) is True
    want = nz._lane_sums(x - piv[None, :, None])
    np.testing.assert_array_equal(s, want, strict=True)
    np.testing.assert_array_equal(np.signbit(s), np.signbit(want))  # signed zeros too
    xc, s2 = np.empty_like(x), np.empty((3, 4), dtype)
    assert kernels.batch_norm_center_sums(x, piv, mu, xc, s2) is True
    want = (x - piv[None, :, None]) - mu[None, :, None]
    np.testing.assert_array_equal(xc, want, strict=True)
    np.testing.assert_array_equal(s2, nz._lane_sums(want * want), strict=True)
    s3 = np.empty((3, 4), dtype)
    assert kernels.batch_norm_dev_sums(x, piv, mu, s3) is True  # the same, no copy written
    np.testing.assert_array_equal(s3, s2, strict=True)
    g = rng.standard_normal(x.shape).astype(dtype)
    sg, sgx = np.empty((3, 4), dtype), np.empty((3, 4), dtype)
    assert kernels.batch_norm_grad_sums(g, x, sg, sgx) is True
    np.testing.assert_array_equal(sg, nz._lane_sums(g), strict=True)
    rstd = (rng.random(4) + 0.5).astype(dtype)
    sg2, sgx2 = np.empty((3, 4), dtype), np.empty((3, 4), dtype)
    assert kernels.batch_norm_grad_sums_x(g, x, piv, mu, rstd, sg2, sgx2) is True
    np.testing.assert_array_equal(sg2, sg, strict=True)
    xhat = nz._xhat_rows(x, piv, mu, rstd, 0, 3)
    np.testing.assert_array_equal(sgx2, nz._lane_sums(g * xhat), strict=True)
    z = np.full((2, 3, length), -0.0, dtype)  # all negative zeros: the same zero either way
    sz = np.empty((2, 3), dtype)
    assert kernels.batch_norm_shifted_sums(z, np.zeros(3, dtype), sz) is True
    np.testing.assert_array_equal(np.signbit(sz), np.signbit(nz._lane_sums(z - 0)))
    np.testing.assert_array_equal(sgx, nz._lane_sums(g * x), strict=True)
    if length:  # the lane order is a sum: close to NumPy's own (float64 to rounding)
        finite = np.isfinite(x).all(axis=-1)
        ref = x.astype(np.float64).sum(axis=-1)
        np.testing.assert_allclose(
            nz._lane_sums(x)[finite],
            ref[finite],
            rtol=1e-5 if dtype == np.float32 else 1e-12,
            atol=1e-3 * np.abs(x[np.isfinite(x)]).max(),
        )


@pytest.mark.parametrize("shape", [(1, 1, 50003), (2, 1, 4096), (1, 3, 33)])
def test_lane_sums_numpy_form_adds_block_by_block(shape):
    """The NumPy form's ``sum`` over the blocks axis adds the blocks in turn (as the kernel):
    the same numbers as an explicit loop and as the kernel, for long rows and unit axes."""
    from deepgrad.functional import normalization as nz

    x = np.random.default_rng(7).standard_normal(shape).astype(np.float32) * 100
    m = shape[-1] // nz.LANES
    v = x[..., : nz.LANES * m].reshape(*shape[:-1], m, nz.LANES)
    in_turn = v[..., 0, :].copy()
    for i in range(1, m):
        in_turn += v[..., i, :]
    np.testing.assert_array_equal(v.sum(axis=-2), in_turn, strict=True)
    s = np.empty(shape[:2], np.float32)
    assert kernels.batch_norm_shifted_sums(x, np.zeros(shape[1], np.float32), s) is True
    np.testing.assert_array_equal(s, nz._lane_sums(x), strict=True)


def test_batch_norm_sum_kernels_decline_what_they_do_not_take():
    x = np.zeros((2, 3, 20), np.float32)
    v, s = np.ones(3, np.float32), np.empty((2, 3), np.float32)
    assert kernels.batch_norm_shifted_sums(x, v[:2], s) is False  # one value per channel
    assert kernels.batch_norm_shifted_sums(x, v, s[:, :2]) is False  # one sum per row
    assert kernels.batch_norm_shifted_sums(x, v, s.astype(np.float64)) is False
    assert kernels.batch_norm_shifted_sums(x[:, :, ::2], v, s) is False  # not contiguous
    assert kernels.batch_norm_center_sums(x, v, v, x[:, :, :10], s) is False
    assert kernels.batch_norm_grad_sums(x, x[:1], s, s.copy()) is False
    assert kernels.batch_norm_grad_sums(x.reshape(6, 20), x, s, s.copy()) is False
    assert kernels.batch_norm_shifted_sums(x, v, s) is True
    short = np.zeros((2, 3, kernels.BN_SUMS_MIN_ROW - 1), np.float32)  # NumPy's is faster
    assert kernels.batch_norm_shifted_sums(short, v, s) is False
    assert kernels.batch_norm_grad_sums(short, short, s, s.copy()) is False
    assert kernels.batch_norm_dev_sums(short, v, v, s) is False
    assert kernels.batch_norm_grad_sums_x(short, short, v, v, v, s, s.copy()) is False
    assert kernels.batch_norm_grad_sums_x(x, x[:1], v, v, v, s, s.copy()) is False
    assert kernels.batch_norm_grad_x(x, v, v, v, x, v[:2], v[:2], v[:2], x.copy()) is False
    assert kernels.batch_norm_normalize(x, v, v, v[:2], None, None, x.copy()) is False


def test_the_kernels_load_from_numbas_cache_in_a_new_process():
    """A second process loads the kernels a training step uses from numba's on-disk cache
    and compiles none again: a kernel whose closure held another dispatcher (batch norm's
    sums calling the lane sum) could never be matched in the cache, and cost every process
    ~1.2 s at its first batch norm."""
    code = (
        "import numpy as np, deepgrad as dg\n"
        "from deepgrad import nn\n"
        "m = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),\n"
        "                  nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 16 * 16, 3))\n"
        "x = dg.tensor(np.random.default_rng(0).random((4, 1, 32, 32), dtype=np.float32))\n"
        "m(x).sum().backward()\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)  # warm it
    env = {**os.environ, "NUMBA_DEBUG_CACHE": "1"}
    r = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    )
    log = r.stdout + r.stderr
    assert "data loaded from" in log and "_bn_sum_kernels" in log  # the cache was read
    assert "data saved to" not in log, log


def test_batch_norm_kernels_decline_what_they_do_not_take():
    x = np.zeros((2, 3, 4), np.float32)
    v = np.ones(3, np.float32)
    assert kernels.batch_norm_center(x, v[:2], x.copy()) is False  # one value per channel
    assert kernels.batch_norm_center(x, v.astype(np.float64), x.copy()) is False
    assert kernels.batch_norm_scale(x, v, v.astype(np.float64), None, x.copy()) is False
    assert kernels.batch_norm_scale(x[:, :, ::2], v, None, None, x[:, :, ::2]) is False
    assert kernels.batch_norm_grad(x, x, v, v, v, x[..., :2]) is False
    assert kernels.batch_norm_grad(x.reshape(2, 12), x, v, v, v, x) is False
    assert kernels.batch_norm_center(x, v, x.copy()) is True
    assert kernels.batch_norm_scale(x, v, None, v, x.copy()) is True
    assert kernels.batch_norm_grad(x, x, v, v, v, x.copy()) is True


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lstm_backward_into_one_step_of_a_stacked_gradient(dtype):
    """With ``t`` the backward kernel writes the step's pre-activation gradient into
    ``D[:, t]`` of a ``(4H, T, B)`` array (the weight GEMMs' operand) and nothing else there:
    the same numbers, bit for bit, as into a ``(4H, B)`` block."""
    if not kernels.available():
        pytest.skip("numba is not installed")
    rng = np.random.default_rng(0)
    H, B, T = 3, 5, 4
    G = rng.uniform(0.05, 0.95, (4 * H, B)).astype(dtype)
    tc, cp, dm, dc = (rng.standard_normal((H, B)).astype(dtype) for _ in range(4))
    dc2 = dc.copy()
    D = np.empty((4 * H, B), dtype)
    assert kernels.lstm_backward(G, tc, cp, dm, dc, D) is True
    stacked = np.full((4 * H, T, B), 7.0, dtype)
    assert kernels.lstm_backward(G, tc, cp, dm, dc2, stacked, 2) is True
    np.testing.assert_array_equal(stacked[:, 2], D, strict=True)
    np.testing.assert_array_equal(dc2, dc, strict=True)
    assert (np.delete(stacked, 2, axis=1) == 7.0).all()  # the other steps untouched
    # declined: a step out of range, a stacked array that is not contiguous or of another shape
    assert kernels.lstm_backward(G, tc, cp, dm, dc2, stacked, T) is False
    assert kernels.lstm_backward(G, tc, cp, dm, dc2, stacked, -1) is False
    assert kernels.lstm_backward(G, tc, cp, dm, dc2, stacked[:, :, ::2], 0) is False
    assert kernels.lstm_backward(G, tc, cp, dm, dc2, stacked[:8], 0) is False
