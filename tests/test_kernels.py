"""deepgrad.kernels: every compiled kernel gives its NumPy form's numbers bit for bit, and
falls back to that form (returning False, writing nothing) for what it does not take."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import kernels, nn, optim

pytest.importorskip("numba")


def _numpy_adam(g, m, v, tmp, beta1, beta2, lr, eps, t):
    """Adam._direction's NumPy form (amsgrad off): the optimizer's own code, kernels off."""
    group = {"betas": (beta1, beta2), "lr": lr, "eps": eps, "amsgrad": False}
    before = kernels.set_enabled(False)
    try:
        optim.Adam._direction(None, g, {"exp_avg": m, "exp_avg_sq": v}, tmp, group, t)
    finally:
        kernels.set_enabled(before)


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
    def run(use: bool):
        before = kernels.set_enabled(use)
        try:
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
        finally:
            kernels.set_enabled(before)

    for a, b in zip(run(True), run(False), strict=True):
        np.testing.assert_array_equal(a, b, strict=True)


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

    def run(use: bool):
        before = kernels.set_enabled(use)
        try:
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
        finally:
            kernels.set_enabled(before)

    for a, b in zip(run(True), run(False), strict=True):
        np.testing.assert_array_equal(a, b, strict=True)


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
