"""float16 activations computed as PyTorch's CPU kernels compute them: in float32, rounded
once (``functional.half_math``), against torch 2.13 bit for bit; and what that changes in
precision (NumPy's float16 arithmetic rounds after every step)."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.functional.half_math import float32_kernel

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(3)
X = (RNG.standard_normal((4, 300)) * 3).astype(np.float16)
G = RNG.standard_normal((4, 300)).astype(np.float16)

EXACT = [
    "x.sigmoid()", "x.tanh()", "F.silu(x)", "F.mish(x)", "F.softplus(x)", "F.softplus(x, 2, 5)",
    "F.hardsigmoid(x)", "F.elu(x)", "F.celu(x, 0.7)", "F.leaky_relu(x, 0.1)", "F.selu(x)",
    "F.rrelu(x)", "F.hardswish(x)", "F.logsigmoid(x)", "F.gelu(x)", "t.sinc(x)",
    "F.gelu(x, approximate='tanh')", "x.sum(0)", "x.sum(1)",
]  # fmt: skip
#: within one float16 ulp of PyTorch's (the formulas' float32 roundings differ)
WITHIN_ULP = {"F.hardswish(x)", "F.logsigmoid(x)", "t.sinc(x)"}
#: float32 exp/log/tanh/erf inside: PyTorch's vectorized ones (SLEEF) and NumPy's differ in
#: float32's last bits by the CPU's vector width, which the float16 rounding hides but for a
#: rare value on the rounding edge (mish's gradient: 1 of 1200 with AVX2 loops, none with
#: AVX-512 ones): bit for bit but for at most 1 % of the values, those within an ulp
TRANSCENDENTAL = {
    "x.sigmoid()", "x.tanh()", "F.silu(x)", "F.mish(x)", "F.softplus(x)", "F.softplus(x, 2, 5)",
    "F.elu(x)", "F.celu(x, 0.7)", "F.selu(x)",
}  # fmt: skip
WITHIN_ULPS = {"F.gelu(x, approximate='tanh')"}


def _run(lib, expr):
    x = lib.tensor(X.copy(), requires_grad=True)
    y = eval(expr, {"t": lib, "F": lib.nn.functional, "x": x})  # noqa: S307
    gy = G.reshape(-1)[: y.numel()].reshape(tuple(y.shape)).copy()  # a sum's shape too
    (g,) = lib.autograd.grad(y, x, lib.tensor(gy))
    return y.detach().numpy(), g.numpy()


def _ulps(a, b):
    ia, ib = (v.view(np.int16).astype(np.int32) for v in (a, b))
    ia = np.where(ia < 0, -32768 - ia, ia)  # ordered integers across the sign
    ib = np.where(ib < 0, -32768 - ib, ib)
    return np.abs(ia - ib)


def _as_close_as_torch(d, t, exact):
    """deepgrad's float16 result ``d`` is within one float16 ulp of the float64 result
    ``exact`` and on average at least as close to it as PyTorch's ``t``. Not bit for bit
    with PyTorch: PyTorch's CPU float16 GEMMs and convolutions take per-CPU paths (oneDNN's
    float32 accumulation where the CPU has it, as on the Intel Xeons seen here; elsewhere,
    as on the AMD EPYCs, col2im and some GEMMs accumulate in float16, up to thousands of ulps
    from the exact result), and float32 sums in another order round differently now and then."""
    assert d.dtype == np.float16
    e = exact.astype(np.float64)
    err = np.abs(d.astype(np.float64) - e)
    assert (err <= np.spacing(np.abs(e).astype(np.float16)).astype(np.float64) + 1e-6).all()
    assert err.mean() <= np.abs(t.astype(np.float64) - e).mean() * 1.05 + 1e-9


@pytest.mark.parametrize("expr", EXACT)
def test_float16_activation_matches_torch(expr):
    (yd, gd), (yt, gt) = _run(dg, expr), _run(torch, expr)
    assert yd.dtype == gd.dtype == np.float16
    if expr == "F.gelu(x)":  # 1 + erf(x/√2) cancels for x < -3: float32's two erfs differ
        from scipy.special import erfc

        x = X.astype(np.float64)
        exact = (x * 0.5 * erfc(-x / np.sqrt(2))).astype(np.float16)
        assert (yd != exact).sum() <= (yt != exact).sum()  # as often right as PyTorch's
        assert _ulps(gd, gt).max() <= 1
    elif expr in WITHIN_ULP:
        assert _ulps(yd, yt).max() <= 1 and _ulps(gd, gt).max() <= 1
    elif expr in WITHIN_ULPS:  # the float32 tanh of x³ terms: a few ulps where t ≈ ±1
        assert _ulps(yd, yt).max() <= 4 and _ulps(gd, gt).max() <= 32
    elif expr in TRANSCENDENTAL:
        for d, t in ((yd, yt), (gd, gt)):
            assert _ulps(d, t).max() <= 1 and (d != t).mean() <= 0.01
    else:
        np.testing.assert_array_equal(yd, yt)
        np.testing.assert_array_equal(gd, gt)


def test_float16_gradients_are_not_lost_to_rounding():
    """σ'(7.65)·1 is 4.9e-4 in PyTorch's float16; rounding 1 - σ(x) first gave 0; silu's
    gradient at large x is not rounded to 1."""
    x = dg.tensor(np.array([7.65, 4.637], dtype=np.float16), requires_grad=True)
    (g,) = dg.autograd.grad(x.sigmoid().sum(), x)
    assert g.numpy()[0] > 4e-4
    (g,) = dg.autograd.grad(dg.nn.functional.silu(x).sum(), x)
    assert g.numpy()[1] > 1.0


def test_create_graph_keeps_the_float16_graph():
    """A recorded backward stays differentiable (it runs in float16 tensor operations)."""
    x = dg.tensor(np.array([0.5, -1.0], dtype=np.float16), requires_grad=True)
    (g,) = dg.autograd.grad(dg.tanh(x).sum(), x, create_graph=True)
    assert g.dtype == dg.float16 and g.requires_grad
    (h,) = dg.autograd.grad(g.sum(), x)
    ref = -2 * np.tanh(np.float32([0.5, -1.0])) * (1 - np.tanh(np.float32([0.5, -1.0])) ** 2)
    np.testing.assert_allclose(h.numpy().astype(np.float32), ref, rtol=5e-3)


def test_other_dtypes_pass_through_untouched():
    class Twice(dg.autograd.Function):
        def forward(self, x):
            self.seen = x.dtype
            return x * 2

        def backward(self, gy):
            return gy * 2

    Wrapped = float32_kernel(Twice)
    for dt, seen in ((np.float64, np.float64), (np.float32, np.float32), (np.float16, np.float32)):
        f = Wrapped()
        y = f(dg.tensor(np.ones(3, dt), requires_grad=True))
        assert f.seen == seen and y.dtype == dt


def test_gelu_tanh_is_one_node_with_its_gradients():
    x = dg.tensor(RNG.standard_normal(6), requires_grad=True)
    f = lambda x: dg.nn.functional.gelu(x, approximate="tanh")  # noqa: E731
    assert dg.autograd.gradcheck(f, (x,)) and dg.autograd.gradgradcheck(f, (x,))
    assert type(f(x).grad_fn).__name__ == "GELUTanh"
    ref = torch.nn.functional.gelu(torch.tensor(x.detach().numpy()), approximate="tanh")
    np.testing.assert_allclose(f(x).detach().numpy(), ref.numpy(), rtol=1e-13)


@pytest.mark.parametrize(
    "fn, wshape, kw",
    [("conv1d", (5, 4, 3), {}), ("conv2d", (5, 4, 3, 3), {"padding": 1}),
     ("conv3d", (5, 4, 3, 3, 3), {"stride": 2}), ("conv_transpose1d", (4, 5, 3), {}),
     ("conv_transpose2d", (4, 5, 3, 3), {"stride": 2, "padding": 1}),
     ("conv_transpose3d", (4, 5, 3, 3, 3), {"stride": 2})],
)  # fmt: skip
def test_float16_convolutions_compute_in_float32(fn, wshape, kw):
    """float16 convolutions run in float32 and round once, as PyTorch's oneDNN path (col2im's
    slice-adds and conv3d's depth taps rounded at every step: 2.5× PyTorch's error): values
    and gradients within one float16 ulp of the float64 result, as close as PyTorch's."""
    nd = len(wshape) - 2
    x = RNG.standard_normal((2, 4) + (7,) * nd).astype(np.float16)
    w = RNG.standard_normal(wshape).astype(np.float16)
    out = []
    for lib, dtype in ((torch, np.float16), (dg, np.float16), (torch, np.float64)):
        xx = lib.tensor(x.astype(dtype), requires_grad=True)
        ww = lib.tensor(w.astype(dtype), requires_grad=True)
        y = getattr(lib.nn.functional, fn)(xx, ww, **kw)
        gy = np.linspace(-1, 1, y.numel()).reshape(tuple(y.shape)).astype(np.float16)
        grads = lib.autograd.grad(y, (xx, ww), lib.tensor(gy.astype(dtype)))
        out.append([y.detach().numpy(), *(g.numpy() for g in grads)])
    for t, d, exact in zip(*out, strict=True):
        _as_close_as_torch(d, t, exact)


@pytest.mark.parametrize(
    "kw",
    [{"scale_factor": 2, "mode": "bilinear"}, {"scale_factor": 2, "mode": "nearest"},
     {"size": (31, 45), "mode": "nearest-exact"}, {"size": (7, 9), "mode": "bicubic"}],
)  # fmt: skip
def test_float16_interpolation_computes_in_float32(kw):
    """float16 resampling weighs in float32 and rounds once (per axis it rounded after each
    axis: twice PyTorch's error for bilinear); its backward adds each pixel's shares in
    float32 (nearest's too). Bilinear and nearest bit for bit; bicubic at least as close to
    the float64 result as PyTorch's."""
    x = (RNG.standard_normal((1, 4, 15, 20)) * 3).astype(np.float16)
    out = []
    for lib in (torch, dg):
        xx = lib.tensor(x, requires_grad=True)
        y = lib.nn.functional.interpolate(xx, **kw)
        gy = np.linspace(-1, 1, y.numel()).reshape(tuple(y.shape)).astype(np.float16)
        out.append((y.detach().numpy(), lib.autograd.grad(y, xx, lib.tensor(gy))[0].numpy()))
    if kw["mode"] == "bicubic":
        exact = torch.nn.functional.interpolate(torch.tensor(x, dtype=torch.float64), **kw).numpy()
        err = lambda v: np.abs(v.astype(np.float64) - exact).max()  # noqa: E731
        assert err(out[1][0]) <= err(out[0][0])
        return
    np.testing.assert_array_equal(out[1][0], out[0][0])
    np.testing.assert_array_equal(out[1][1], out[0][1])


@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("relu", [False, True])
def test_float16_linear_adds_its_bias_before_rounding(bias, relu):
    """float16 ``linear`` is ``x @ wᵀ + b`` in float32 rounded once, as PyTorch's addmm (the
    product rounded, then the bias added in float16: 1.5× PyTorch's error); also the fused
    Linear→ReLU node that Sequential runs. Values and gradients within an ulp of the float64
    result and as close as PyTorch's (bit for bit on the Intel Xeons seen here)."""
    x = RNG.standard_normal((64, 48)).astype(np.float16)
    w, b = (
        RNG.standard_normal((32, 48)).astype(np.float16),
        RNG.standard_normal(32).astype(np.float16),
    )
    gy = RNG.standard_normal((64, 32)).astype(np.float16)
    out = []
    for lib, dtype in ((torch, np.float16), (dg, np.float16), (torch, np.float64)):
        xx, ww, bb = (lib.tensor(a.astype(dtype), requires_grad=True) for a in (x, w, b))
        if relu and bias:
            m = lib.nn.Sequential(lib.nn.Linear(48, 32), lib.nn.ReLU()).to(xx.dtype)
            with lib.no_grad():
                m[0].weight.copy_(ww), m[0].bias.copy_(bb)
            y, params = m(xx), (xx, m[0].weight, m[0].bias)
        else:
            y = lib.nn.functional.linear(xx, ww, bb if bias else None)
            y, params = (lib.relu(y) if relu else y), ((xx, ww, bb) if bias else (xx, ww))
        grads = lib.autograd.grad(y, params, lib.tensor(gy.astype(dtype)))
        out.append([y.detach().numpy(), *(g.numpy() for g in grads)])
    for t, d, exact in zip(*out, strict=True):
        _as_close_as_torch(d, t, exact)
    if relu and bias:  # the fused node ran
        m = dg.nn.Sequential(dg.nn.Linear(48, 32), dg.nn.ReLU()).half()
        assert type(m(dg.tensor(x, requires_grad=True)).grad_fn).__name__ == "LinearReLU"
