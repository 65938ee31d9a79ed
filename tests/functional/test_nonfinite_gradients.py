"""Gradients that a place does not receive are 0, as PyTorch's, even when the gradient
arriving is inf or NaN: a clamped value, the loser of a ``maximum``, a tap a max-pool window
did not pick. PyTorch builds these with ``where`` / ``masked_fill`` / a scatter, so
``sqrt(clamp(d, min=0))`` gives 0, not ``inf · 0 = NaN``, where ``d`` was clamped."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

XS = np.array([-4.0, -3.0, -2.0, -1.0, 0.5, 1.0, 3.0, 4.0, 7.0], np.float32)
OTHER = np.array([0.0, 0.0, 0.0, -1.0, 1.0, 1.0, 4.0, 3.0, 7.0], np.float32)
GRAD = np.array([np.inf, np.nan, -np.inf, np.nan, np.inf, np.nan, np.inf, np.nan, np.nan],
                np.float32)  # fmt: skip


def _F(m):  # noqa: N802 - torch.nn.functional / deepgrad.nn.functional
    return m.nn.functional


CASES = {
    "clamp": lambda m, x: x.clamp(-1, 1),
    "clamp_min": lambda m, x: x.clamp(min=-1),
    "clip_max": lambda m, x: x.clip(max=0.7),
    "clamp_tensor_bounds": lambda m, x: x.clamp(m.zeros(9), m.ones(9)),
    "hardtanh": lambda m, x: _F(m).hardtanh(x),
    "relu6": lambda m, x: _F(m).relu6(x),
    "threshold": lambda m, x: _F(m).threshold(x, 0.7, 2.0),
    "hardswish": lambda m, x: _F(m).hardswish(x),
    "hardsigmoid": lambda m, x: _F(m).hardsigmoid(x),
    "relu": lambda m, x: m.relu(x),
    "maximum": lambda m, x: m.maximum(x, m.tensor(OTHER)),
    "minimum": lambda m, x: m.minimum(x, m.tensor(OTHER)),
    "fmax": lambda m, x: m.fmax(x, m.tensor(OTHER)),
    "fmin": lambda m, x: m.fmin(x, m.tensor(OTHER)),
    "max_all": lambda m, x: x.max().expand(9) * 1,
    "min_all": lambda m, x: x.min().expand(9) * 1,
    "median_all": lambda m, x: x.median().expand(9) * 1,
    "amax": lambda m, x: x.amax(0).expand(9) * 1,  # amax multiplies: NaN spreads in both
    "max_dim": lambda m, x: x.reshape(3, 3).max(1)[0].repeat(3),
    "max_pool1d_overlapping": lambda m, x: _F(m).max_pool1d(x.reshape(1, 1, 9), 3, 1).reshape(7),
    "max_pool2d_overlapping": lambda m, x: _F(m).max_pool2d(x.reshape(1, 1, 3, 3), 2, 1).reshape(4),
    "max_pool2d_2x2": lambda m, x: _F(m).max_pool2d(x[:8].reshape(1, 2, 2, 2), 2).reshape(2),
    "abs": lambda m, x: x.abs(),
    "leaky_relu": lambda m, x: _F(m).leaky_relu(x, 0.1),
}


def _grad(m, name):
    x = m.tensor(XS, requires_grad=True)
    y = CASES[name](m, x)
    y.backward(m.tensor(np.resize(GRAD, y.shape).astype(np.float32)))
    return np.asarray(x.grad.detach().numpy() if m is torch else x.grad.numpy())


@pytest.mark.parametrize("name", sorted(CASES))
def test_inf_and_nan_gradients_match_pytorch(name: str) -> None:
    np.testing.assert_array_equal(_grad(dg, name), _grad(torch, name))


def test_sqrt_of_clamped_distance_has_finite_gradient() -> None:
    # the classic guard: sqrt(clamp(d, min=0)); sqrt's derivative at 0 is inf
    d = dg.tensor([-0.5, 0.0, 4.0], requires_grad=True)
    d.clamp(min=0).sqrt().sum().backward()
    np.testing.assert_array_equal(d.grad.numpy(), [0.0, np.inf, 0.25])


@pytest.mark.parametrize("name", ["clamp", "maximum", "hardtanh", "max_all"])
def test_double_backward_through_the_kept_gradient(name: str) -> None:
    # create_graph: the 0-filled gradient is a differentiable function of the incoming one
    x = dg.tensor(XS.astype(np.float64), requires_grad=True)
    fn = CASES[name]

    def grad_of(g: dg.Tensor) -> dg.Tensor:
        return dg.autograd.grad(fn(dg, x), x, g, create_graph=True)[0]

    g = dg.tensor(np.linspace(-1, 1, 9), requires_grad=True)
    assert grad_of(g).requires_grad
    assert dg.autograd.gradcheck(grad_of, (g,))


_SPECIAL = [-0.0, 0.0, np.inf, -np.inf, np.nan, 0.3, -2.0, 5.0, 1.0, -1.0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "name, kw",
    [("smooth_l1_loss", {}), ("smooth_l1_loss", {"beta": 0.5}), ("huber_loss", {}),
     ("huber_loss", {"delta": 2.0})],
)  # fmt: skip
def test_robust_losses_at_infinite_and_nan_differences_as_torch(dtype, name, kw):
    """An infinite difference has the gradient ``sign(d)`` (``±delta``), as PyTorch's, not
    ``0 · ∞ = NaN`` from the quadratic branch it does not take; a NaN one a NaN gradient."""
    a = np.array([p for p in _SPECIAL for _ in _SPECIAL], dtype)
    b = np.array([q for _ in _SPECIAL for q in _SPECIAL], dtype)
    got = []
    for m in (torch, dg):
        x, t = m.tensor(a, requires_grad=True), m.tensor(b, requires_grad=True)
        y = getattr(_F(m), name)(x, t, reduction="none", **kw)
        y.sum().backward()
        got.append([y.detach().numpy(), x.grad.numpy(), t.grad.numpy()])
    for want, have in zip(*got):
        np.testing.assert_array_equal(have, want)


def test_clamp_with_tensor_bounds_gives_no_gradient_where_the_result_is_nan():
    """PyTorch: ``clamp(x, lo, hi)`` is NaN where ``x`` or a bound is, and no gradient flows
    there to any of the three (deepgrad sent it to ``x``, or to a NaN bound)."""
    v = np.array([np.nan, 0.5, 3.0, 0.5, np.nan], np.float32)
    lo = np.array([0.0, 1.0, 0.0, np.nan, np.nan], np.float32)
    hi = np.array([2.0, 2.0, 2.0, 2.0, 2.0], np.float32)
    got = []
    for m in (torch, dg):
        ts = [m.tensor(u, requires_grad=True) for u in (v, lo, hi)]
        y = m.clamp(*ts)
        y.sum().backward()
        got.append([y.detach().numpy()] + [t.grad.numpy() for t in ts])
    for want, have in zip(*got):
        np.testing.assert_array_equal(have, want)


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize(
    "kw", [{}, {"label_smoothing": 0.1}, {"weight": [1.0, 2.0, 3.0, 4.0]}, {"spatial": True}]
)
def test_ignored_rows_with_nan_or_inf_logits_count_zero_as_torch(reduction, kw):
    """``ignore_index`` leaves a row out: its loss is 0 whatever its logits, as PyTorch's (a
    NaN or inf row times a zero scale made the loss NaN); the kept rows' gradients are
    PyTorch's."""
    kw = dict(kw)
    spatial = kw.pop("spatial", False)
    x = np.random.default_rng(3).standard_normal((4, 4)).astype(np.float32)
    x[1] = np.nan
    x[3, 2] = np.inf
    labels = np.array([0, -100, 2, -100])
    if spatial:  # (N, C, d): the rows are positions
        x, labels = x.T[None].copy(), labels[None]
    got = []
    for m in (torch, dg):
        t = m.tensor(x, requires_grad=True)
        extra = {k: m.tensor(v) if k == "weight" else v for k, v in kw.items()}
        y = _F(m).cross_entropy(t, m.tensor(labels), reduction=reduction, **extra)
        y.sum().backward()
        got.append((y.detach().numpy(), t.grad.numpy()))
    np.testing.assert_allclose(got[1][0], got[0][0], rtol=1e-6)
    kept = [0, 2] if not spatial else (slice(None), slice(None), [0, 2])
    (_, g_t), (_, g_dg) = got
    np.testing.assert_allclose(g_dg[kept], g_t[kept], rtol=1e-5, atol=1e-7)


def test_nll_loss_ignored_positions_are_plus_zero():
    y = dg.nn.functional.nll_loss(dg.ones(3, 4), dg.tensor([0, -100, 2]), reduction="none")
    assert not np.signbit(y.numpy()[1])
