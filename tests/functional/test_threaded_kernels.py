"""The conv, pooling and ReLU kernels split across deepgrad's worker threads
(:func:`deepgrad.threads.parallel_chunks`) give the serial results bit for bit: outputs and
every gradient, in both column layouts, flat-row and general im2col, overlapping and padded
pooling windows and tied maxima."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.functional as F
import deepgrad.functional.conv as conv_mod
from deepgrad import nn, threads


def _run_with_workers(monkeypatch, n_workers, fn):
    monkeypatch.setattr(threads, "MIN_CHUNK", 1)
    monkeypatch.setattr(threads, "WORKERS", n_workers)
    out = fn()
    assert len(threads._pool.inboxes) >= n_workers - 1  # the pool did run chunks
    return out


def _assert_same_for_worker_counts(monkeypatch, fn, counts=(1, 2, 3)):
    results = [_run_with_workers(monkeypatch, n, fn) for n in counts]
    for other in results[1:]:
        assert len(other) == len(results[0])
        for a, b in zip(results[0], other):
            assert a.dtype == b.dtype and a.shape == b.shape
            np.testing.assert_array_equal(a, b)


def _grads(f, *arrays, seed=1):
    """``f``'s output and the gradients of every input for a fixed random ``gy``."""
    ts = [dg.tensor(a, requires_grad=True) for a in arrays]
    y = f(*ts)
    gy = np.random.default_rng(seed).standard_normal(y.shape).astype(y.dtype)
    y.backward(dg.tensor(gy))
    return [y.numpy()] + [t.grad.numpy() for t in ts]


@pytest.mark.parametrize("layout", ["batch_major", "one_gemm"])
@pytest.mark.parametrize("flat", [True, False])
@pytest.mark.parametrize(
    "kw",
    [
        {"padding": 1},
        {"padding": "same", "dilation": (1, 2)},
        {"stride": 2, "padding": 1},
        {"padding": 0},
    ],
)
def test_conv2d_threaded_equals_serial(monkeypatch, layout, flat, kw):
    monkeypatch.setattr(conv_mod, "BATCH_MAJOR_BELOW_K", 10**9 if layout == "batch_major" else 0)
    monkeypatch.setattr(conv_mod, "BATCH_MAJOR_MAX_K", 10**9 if layout == "batch_major" else 0)
    monkeypatch.setattr(conv_mod, "FLAT_ROWS", flat)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 3, 8, 9)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    _assert_same_for_worker_counts(
        monkeypatch, lambda: _grads(lambda *t: F.conv2d(*t, **kw), x, w, b)
    )


def test_conv_transpose2d_threaded_equals_serial(monkeypatch):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 4, 6, 7)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    _assert_same_for_worker_counts(
        monkeypatch, lambda: _grads(lambda *t: F.conv_transpose2d(*t, padding=1), x, w, b)
    )


@pytest.mark.parametrize(
    "kw",
    [
        {"kernel_size": 2},
        {"kernel_size": 3, "stride": 2},  # overlapping windows
        {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
        {"kernel_size": 2, "dilation": 2},
    ],
)
@pytest.mark.parametrize("block", [None, 100])
def test_max_pool2d_threaded_equals_serial(monkeypatch, kw, block):
    import deepgrad.functional.pooling as pool_mod

    monkeypatch.setattr(pool_mod, "CACHE_BLOCK", block)  # 100: one or two samples a call
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 3, 9, 10)).astype(np.float32)
    x[x < 0.3] = 0.0  # many tied maxima, as after a ReLU
    _assert_same_for_worker_counts(monkeypatch, lambda: _grads(lambda t: F.max_pool2d(t, **kw), x))


def test_relu_threaded_equals_serial(monkeypatch):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((7, 3, 5, 5)).astype(np.float32)
    x.flat[:6] = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45]
    _assert_same_for_worker_counts(monkeypatch, lambda: _grads(F.relu, x))


def test_cnn_training_step_threaded_equals_serial(monkeypatch):
    """A whole conv-relu-pool training step: loss, gradients and updated weights."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 1, 12, 12)).astype(np.float32)
    y = rng.integers(0, 10, 8)

    def step():
        dg.manual_seed(0)
        model = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(8 * 3 * 3, 10),
        )  # fmt: skip
        opt = dg.optim.Adam(model.parameters(), lr=1e-2)
        out = []
        for _ in range(2):
            opt.zero_grad()
            loss = nn.CrossEntropyLoss()(model(dg.tensor(x)), y)
            loss.backward()
            opt.step()
            out.append(loss.numpy())
        return out + [p.numpy() for p in model.parameters()]

    _assert_same_for_worker_counts(monkeypatch, step)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("shape", [(6, 3, 4, 5), (7, 4)])
def test_batch_norm_threaded_and_blocked_equals_serial(monkeypatch, training, affine, shape):
    import deepgrad.functional.normalization as norm_mod

    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * 3 + 2).astype(np.float32)
    c = shape[1]
    w = rng.standard_normal(c).astype(np.float32)
    b = rng.standard_normal(c).astype(np.float32)
    rm = rng.standard_normal(c).astype(np.float32)
    rv = rng.random(c).astype(np.float32) + 0.5

    def run():
        ts = [dg.tensor(x, requires_grad=True)]
        if affine:
            ts += [dg.tensor(w, requires_grad=True), dg.tensor(b, requires_grad=True)]
        y = F.batch_norm(ts[0], dg.tensor(rm.copy()), dg.tensor(rv.copy()),
                         *ts[1:], training=training)  # fmt: skip
        gy = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
        y.backward(dg.tensor(gy))
        return [y.numpy()] + [t.grad.numpy() for t in ts]

    results = []
    for block in (None, 20):  # 20 elements: a sample or two per call
        monkeypatch.setattr(norm_mod, "CACHE_BLOCK", block)
        results += [_run_with_workers(monkeypatch, n, run) for n in (1, 2, 3)]
    for other in results[1:]:
        for a, b_ in zip(results[0], other):
            np.testing.assert_array_equal(a, b_)
