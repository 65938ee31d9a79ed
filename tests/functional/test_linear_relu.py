"""``functional.linalg.LinearReLU``: ``relu(x @ wᵀ + b)`` as one node, and where the layers
use it (``nn.Sequential``'s ``Linear → ReLU``, the Transformer layers' feed-forward block).
It must give the numbers of ``Linear`` then ``ReLU`` bit for bit, forward and backward
(first and second order), kernels on or off, split across threads or not; and step aside
wherever the two modules' calls could be seen (hooks, subclasses, no bias)."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import kernels, nn, threads
from deepgrad.functional.linalg import Linear, LinearReLU

SPECIAL = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-30, -1e-30]


def _inputs(shape, n_in, n_out, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((*shape, n_in)).astype(dtype)
    w = rng.standard_normal((n_out, n_in)).astype(dtype)
    b = rng.standard_normal(n_out).astype(dtype)
    b[: min(n_out, 3)] = [-0.0, 0.0, np.nan][: min(n_out, 3)]  # y + b hits ±0 and NaN
    return x, w, b


def _both(x, w, b, g, create_graph=False):
    """(fused, unfused) results: output, then the gradients of x, w and b."""
    out = []
    for fused in (True, False):
        xt, wt, bt = (dg.tensor(a, requires_grad=True) for a in (x, w, b))
        y = LinearReLU()(xt, wt, bt) if fused else dg.relu(Linear()(xt, wt, bt))
        grads = dg.autograd.grad(y, (xt, wt, bt), dg.tensor(g), create_graph=create_graph)
        out.append([y.numpy(), *(t.numpy() for t in grads)])
    return out


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(), (7,), (3, 5), (0,), (2, 0, 4)])
def test_fused_is_linear_then_relu_bit_for_bit(dtype, shape):
    x, w, b = _inputs(shape, 6, 9, dtype)
    if x.size:
        x.reshape(-1)[: len(SPECIAL)] = SPECIAL[: x.size]
    g = np.random.default_rng(1).standard_normal((*shape, 9)).astype(dtype)
    if g.size:
        g.reshape(-1)[:3] = [np.inf, np.nan, -np.inf][: g.size]  # pass only where the unit is on
    fused, plain = _both(x, w, b, g)
    for a, c in zip(fused, plain, strict=True):
        np.testing.assert_array_equal(a, c, strict=True)
        assert np.signbit(a).tolist() == np.signbit(c).tolist()


def test_second_order_and_gradcheck():
    x, w, b = _inputs((4,), 3, 5, np.float64, seed=2)
    b += 0.3  # away from the kink for the numerical check
    fused, plain = _both(x, w, b, np.ones((4, 5)), create_graph=True)
    for a, c in zip(fused, plain, strict=True):
        np.testing.assert_array_equal(a, c)
    xt, wt, bt = (dg.tensor(a, requires_grad=True) for a in (x, w, b))
    assert dg.autograd.gradcheck(lambda *t: LinearReLU()(*t), (xt, wt, bt))
    assert dg.autograd.gradgradcheck(lambda *t: LinearReLU()(*t) ** 2, (xt, wt, bt))


def test_kernels_and_threads_change_nothing(monkeypatch):
    x, w, b = _inputs((64,), 16, 40, np.float32, seed=3)
    g = np.random.default_rng(4).standard_normal((64, 40)).astype(np.float32)
    ran = set()
    for name in ("add_cols_relu", "relu_backward"):
        fn = getattr(kernels, name)
        monkeypatch.setattr(
            kernels, name, lambda *a, fn=fn, name=name: fn(*a) and (ran.add(name) or True)
        )
    results = []
    for use, chunk in ((True, None), (False, None), (True, 1), (False, 1)):
        before = kernels.set_enabled(use)
        if chunk:
            monkeypatch.setattr(threads, "MIN_CHUNK", chunk)  # split across the pool
        try:
            results.append(_both(x, w, b, g)[0])
        finally:
            kernels.set_enabled(before)
    if kernels.available():
        assert ran == {"add_cols_relu", "relu_backward"}
    for other in results[1:]:
        for a, c in zip(results[0], other, strict=True):
            np.testing.assert_array_equal(a, c, strict=True)


def test_against_torch(torch):
    x, w, b = _inputs((5, 3), 8, 6, np.float64, seed=5)
    g = np.random.default_rng(6).standard_normal((5, 3, 6))
    fused = _both(x, w, b, g)[0]
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    y = torch.relu(torch.nn.functional.linear(xt, wt, bt))
    grads = torch.autograd.grad(y, (xt, wt, bt), torch.tensor(g))
    for a, c in zip(fused, [y.detach().numpy(), *(t.numpy() for t in grads)], strict=True):
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12, equal_nan=True)


# ---- where the layers use it ------------------------------------------------------------------
def _net():
    dg.manual_seed(0)
    return nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 4), nn.ReLU(), nn.Linear(4, 2))


def _run(net, x):
    xt = dg.tensor(x, requires_grad=True)
    y = net(xt)
    y.sum().backward()
    return y, [y.numpy(), xt.grad.numpy(), *(p.grad.numpy() for p in net.parameters())]


def _unfused(net, x):
    xt = dg.tensor(x, requires_grad=True)
    h = xt
    for m in net:  # each module called on its own: no fusion
        h = m(h)
    net.zero_grad()
    h.sum().backward()
    return [h.numpy(), xt.grad.numpy(), *(p.grad.numpy() for p in net.parameters())]


def test_sequential_fuses_linear_relu_with_the_same_numbers(monkeypatch):
    x = np.random.default_rng(7).standard_normal((6, 5)).astype(np.float32)
    net = _net()
    calls = []
    real = nn.Linear._forward_relu
    monkeypatch.setattr(nn.Linear, "_forward_relu", lambda m, i: calls.append(m) or real(m, i))
    y, fused = _run(net, x)
    assert calls == [net[0], net[2]]  # both pairs took the fused path
    assert y.grad_fn.name() == "LinearBackward"
    h = net[:2](dg.tensor(x, requires_grad=True))
    assert type(h.grad_fn).__name__ == "LinearReLU" and h.grad_fn.name() == "LinearReLUBackward"
    plain = _unfused(net, x)
    for a, c in zip(fused, plain, strict=True):
        np.testing.assert_array_equal(a, c, strict=True)


def test_sequential_runs_both_modules_where_they_could_be_seen():
    x = dg.tensor(np.random.default_rng(8).standard_normal((3, 5)).astype(np.float32))
    seen = []
    for which in (0, 1):
        net = _net()
        handle = net[which].register_forward_hook(lambda m, i, o: seen.append(type(m).__name__))
        h = net[:2](x)
        assert type(h.grad_fn).__name__ == "ReLU"  # the modules were called one by one
        handle.remove()
        h = net[:2](x)
        assert type(h.grad_fn).__name__ == "LinearReLU"  # hooks gone: fused again
    assert seen == ["Linear", "ReLU"]

    class MyLinear(nn.Linear):
        pass

    dg.manual_seed(0)
    for first in (MyLinear(5, 3), nn.Linear(5, 3, bias=False)):
        h = nn.Sequential(first, nn.ReLU())(x)
        assert type(h.grad_fn).__name__ == "ReLU"
    # what the modules refuse one by one, the pair refuses with the same error
    lin = nn.Linear(5, 3)
    cases = [
        (lin, x.to(dg.float64)),  # mixed dtypes: Linear's error
        (nn.Linear(4, 3), x),  # a wrong input size: Linear's error
    ]
    for first, inp in cases:
        with pytest.raises(Exception) as unfused_err:
            nn.ReLU()(first(inp))
        with pytest.raises(type(unfused_err.value)) as fused_err:
            nn.Sequential(first, nn.ReLU())(inp)
        assert str(fused_err.value) == str(unfused_err.value)


@pytest.mark.parametrize("activation", ["relu", "module", "gelu"])
def test_transformer_feed_forward_block(activation):
    act = nn.ReLU() if activation == "module" else activation
    dg.manual_seed(1)
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation=act, batch_first=True)
    x = np.random.default_rng(9).standard_normal((3, 4, 8)).astype(np.float32)
    results = []
    for fused in (True, False):
        if not fused:  # the two modules called one by one
            layer.linear1.register_forward_hook(lambda m, i, o: None)
        xt = dg.tensor(x, requires_grad=True)
        layer.zero_grad()
        y = layer(xt)
        (y * y).sum().backward()
        results.append([y.numpy(), xt.grad.numpy(), *(p.grad.numpy() for p in layer.parameters())])
    for a, c in zip(*results, strict=True):
        np.testing.assert_array_equal(a, c, strict=True)


def test_lazy_linear_fuses_from_its_first_call_and_exports(tmp_path):
    """A lazy ``Linear`` is built on the first call and fused there too, so that every call
    records the same graph (ONNX export traces twice and pairs the nodes)."""
    x = np.random.default_rng(10).standard_normal((3, 6)).astype(np.float32)
    dg.manual_seed(2)
    net = nn.Sequential(nn.Linear(None, 4), nn.ReLU(), nn.Linear(4, 2))  # lazy
    first = net[:2](dg.tensor(x, requires_grad=True))
    assert type(first.grad_fn).__name__ == "LinearReLU"
    assert net[0].in_features == 6
    pytest.importorskip("onnx")
    from deepgrad.io import export_onnx, load_onnx

    back = load_onnx(export_onnx(net, tmp_path / "m.onnx", dg.tensor(x)))
    np.testing.assert_allclose(back(dg.tensor(x)).numpy(), net(dg.tensor(x)).numpy(), rtol=1e-6)


def test_profiler_counts_the_fused_products():
    from deepgrad import profiler

    dg.manual_seed(3)
    net = nn.Sequential(nn.Linear(8, 4), nn.ReLU())
    x = dg.randn(16, 8, requires_grad=True)
    with profiler.profile(with_flops=True) as prof:
        net(x).sum().backward()
    ev = {e.name: e for e in prof.events()}
    assert ev["LinearReLU"].flops == 2 * 16 * 8 * 4
    assert ev["LinearReLUBackward"].flops == 2 * ev["LinearReLU"].flops
