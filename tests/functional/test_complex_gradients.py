"""Complex inputs through the functions whose gradients were real-only (the inverse and
hyperbolic trigonometric functions, log2/log10/exp2, prod/cumprod, logsumexp, linear and the
convolutions), complex var/std/cov/corrcoef/renorm/logcumsumexp, and the functions PyTorch
refuses for complex input (softmax, mse_loss, ...): values and gradients against torch 2.13.

The loss weighs the real and imaginary parts of the output differently, so a gradient that
is conjugated where it should not be (or not where it should) differs."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
A = RNG.standard_normal((3, 3)) + 1j * RNG.standard_normal((3, 3))
V = RNG.standard_normal(6) + 1j * RNG.standard_normal(6)


def _run(lib, expr, dtype):
    z = lib.tensor(A.astype(dtype), requires_grad=True)
    v = lib.tensor(V.astype(dtype), requires_grad=True)
    env = {"t": lib, "F": lib.nn.functional, "z": z, "v": v}
    y = eval(expr, env)  # noqa: S307 - the expressions below
    if y.is_complex():
        loss = (y.real * 1.3 + y.imag * 0.7).sum()
    else:
        loss = (y * lib.linspace(0.5, 1.5, y.numel(), dtype=y.dtype).reshape(y.shape)).sum()
    grads = lib.autograd.grad(loss, [z, v], allow_unused=True)
    out = y.detach()
    if lib is torch:
        out = out.resolve_conj()
        grads = [None if g is None else g.resolve_conj() for g in grads]
    return out.numpy(), [None if g is None else g.numpy() for g in grads]


EXPRS = [
    "z.asin()", "z.acos()", "z.atan()", "z.asinh()", "z.acosh()", "z.atanh()",
    "z.sinh()", "z.cosh()", "z.tan()", "z.log2()", "z.log10()", "z.exp2()",
    "z.prod()", "z.prod(0)", "z.prod(1, keepdim=True)", "t.cumprod(v, 0)", "z.cumprod(1)",
    "t.linalg.vander(v[:3])", "z.logsumexp(0)", "t.logcumsumexp(z, 1)",
    "z.var()", "z.var(0)", "z.std(1, keepdim=True, correction=0)", "t.var_mean(z, 0)[0]",
    "t.std_mean(z)[0]", "t.cov(z)", "t.cov(z, correction=0)", "t.corrcoef(z)",
    "t.renorm(z, 2, 0, 1.0)",
    "F.linear(z, z)", "F.linear(z, z, v[:3])", "F.linear(v[:3], z)",
    "F.linear(z.unsqueeze(0).expand(2, 3, 3), z)",
    "F.conv1d(z.unsqueeze(0), z.unsqueeze(-1), bias=v[:3])",
    "F.conv2d(z.reshape(1, 1, 3, 3), z[:2, :2].reshape(1, 1, 2, 2), bias=v[:1])",
    "F.conv_transpose1d(z.unsqueeze(0), z.unsqueeze(-1))",
    "F.conv_transpose2d(z.reshape(1, 1, 3, 3), z[:2, :2].reshape(1, 1, 2, 2))",
    "F.conv3d(z.reshape(1, 1, 1, 3, 3), z[:2, :2].reshape(1, 1, 1, 2, 2))",
]  # fmt: skip


@pytest.mark.parametrize("dtype", [np.complex128, np.complex64], ids=["c128", "c64"])
@pytest.mark.parametrize("expr", EXPRS)
def test_value_and_gradient_match_torch(expr, dtype):
    yd, gd = _run(dg, expr, dtype)
    yt, gt = _run(torch, expr, dtype)
    tol = {"rtol": 1e-9, "atol": 1e-11} if dtype == np.complex128 else {"rtol": 2e-4, "atol": 1e-5}
    assert yd.dtype == yt.dtype and yd.shape == yt.shape, (yd.dtype, yt.dtype)
    np.testing.assert_allclose(yd, yt, **tol)
    for a, b in zip(gd, gt):
        assert (a is None or not a.any()) == (b is None or not b.any())
        if a is not None and b is not None:
            assert a.dtype == b.dtype
            np.testing.assert_allclose(a, b, **tol)


def test_variance_of_complex_is_real_and_the_parts_variances_sum():
    z = dg.tensor(A)
    v = z.var(1)
    assert v.dtype == dg.float64
    np.testing.assert_allclose(v.numpy(), A.real.var(1, ddof=1) + A.imag.var(1, ddof=1))


def test_second_order_through_a_complex_linear_map():
    """The conjugated backward is itself recorded: a gradient of the gradient matches."""
    res = []
    for lib in (torch, dg):
        x = lib.tensor(A, requires_grad=True)
        w = lib.tensor(A.T.copy(), requires_grad=True)
        y = lib.nn.functional.linear(x, w)
        (gx,) = lib.autograd.grad(y.abs().sum(), x, create_graph=True)
        (gw,) = lib.autograd.grad((gx.real * 2 + gx.imag).sum(), w)
        res.append(gw.resolve_conj().numpy() if lib is torch else gw.numpy())
    np.testing.assert_allclose(res[1], res[0], rtol=1e-9)


REFUSED = [
    "F.softmax(z, 1)", "F.softmax(z, 0)", "F.log_softmax(z, 1)", "F.softmin(z, -1)",
    "F.mse_loss(z, z.flip(0))", "F.smooth_l1_loss(z, z.flip(0))", "F.huber_loss(z, z.flip(0))",
    "F.binary_cross_entropy_with_logits(z, z.flip(0))", "F.cross_entropy(z, t.tensor([0, 1, 2]))",
    "F.nll_loss(z, t.tensor([0, 1, 2]))", "F.multi_margin_loss(z, t.tensor([0, 1, 2]))",
    "F.threshold(z, 0.1, 0.0)", "F.prelu(z, t.ones(1, dtype=t.complex128))", "F.glu(z[:, :2])",
    "F.local_response_norm(z.unsqueeze(0), 2)", "F.cosine_similarity(z, z.flip(0))",
]  # fmt: skip


@pytest.mark.parametrize("expr", REFUSED)
def test_what_torch_refuses_for_complex_input_is_refused(expr):
    errors = []
    for lib in (torch, dg):
        env = {"t": lib, "F": lib.nn.functional, "z": lib.tensor(A)}
        with pytest.raises((NotImplementedError, RuntimeError)) as info:
            eval(expr, env)  # noqa: S307
        errors.append(info.value)
    assert isinstance(errors[1], type(errors[0]))
    assert str(errors[0]) in str(errors[1])  # PyTorch's words, then deepgrad's hint


@pytest.mark.parametrize(
    "make, shape",
    [(lambda nn: nn.Linear(6, 3), (4, 6)), (lambda nn: nn.Conv2d(2, 3, 3, padding=1), (2, 2, 5, 5)),
     (lambda nn: nn.ConvTranspose2d(2, 3, 3, stride=2), (2, 2, 5, 5)),
     (lambda nn: nn.Sequential(nn.Linear(6, 3), nn.Tanh(), nn.Linear(3, 2)), (4, 6))],
)  # fmt: skip
def test_complex_layers_match_torch(make, shape):
    """A layer cast to complex (``.to(dg.complex128)``, as in PyTorch) computes PyTorch's
    outputs and gradients, its parameters' too; made with ``dtype=complex64`` it is refused
    with the cast named (PyTorch draws complex initial weights there)."""
    rng = np.random.default_rng(0)
    x0 = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex128)
    out, state = [], None
    for lib in (torch, dg):
        with pytest.warns(UserWarning, match="Complex modules"):
            m = make(lib.nn).to(lib.complex128)
        if state is None:
            state = {k: v.detach().numpy() * (1 + 0.5j) for k, v in m.state_dict().items()}
        m.load_state_dict({k: lib.tensor(v) for k, v in state.items()})
        x = lib.tensor(x0, requires_grad=True)
        y = m(x)
        (y.real * 1.3 + y.imag * 0.7).sum().backward()
        got = [y.detach(), x.grad, *(p.grad for p in m.parameters())]
        out.append([g.resolve_conj().numpy() if lib is torch else g.numpy() for g in got])
    for a, b in zip(out[1], out[0]):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)
    with pytest.raises(TypeError, match=r"\.to\(dg\.complex64\)"):
        dg.nn.Linear(6, 3, dtype=dg.complex64)


@pytest.mark.parametrize("name, kw", [("LSTM", {}), ("GRU", {"batch_first": True}),
                                      ("RNN", {}), ("LSTM", {"num_layers": 2, "bidirectional": True})])  # fmt: skip
def test_complex_recurrent_layers_match_torch(name, kw):
    """The fused recurrent sequences' backward for complex input: the cells are holomorphic,
    so PyTorch's Jᴴ·gy is the real formulas run on conj(gy), conjugated (the input and weight
    gradients were Jᵀ·gy, silently)."""
    rng = np.random.default_rng(0)
    x0 = (rng.standard_normal((5, 2, 6)) + 1j * rng.standard_normal((5, 2, 6))).astype(
        np.complex128
    )
    out, state = [], None
    for lib in (torch, dg):
        with pytest.warns(UserWarning, match="Complex modules"):
            m = getattr(lib.nn, name)(6, 3, **kw).to(lib.complex128)
        if state is None:
            state = {k: v.detach().numpy() * (1 + 0.3j) for k, v in m.state_dict().items()}
        m.load_state_dict({k: lib.tensor(v) for k, v in state.items()})
        x = lib.tensor(x0, requires_grad=True)
        y, _ = m(x)
        (y.real * 1.3 + y.imag * 0.7).sum().backward()
        got = [y.detach(), x.grad, *(p.grad for p in m.parameters())]
        out.append([g.resolve_conj().numpy() if lib is torch else g.numpy() for g in got])
    for a, b in zip(out[1], out[0]):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)  # complex128: no float32 noise


def test_complex_multihead_attention_is_refused_as_torch():
    errors = []
    for lib in (torch, dg):
        with pytest.warns(UserWarning, match="Complex modules"):
            m = lib.nn.MultiheadAttention(6, 2).to(lib.complex64)
        x = lib.tensor(np.ones((5, 2, 6), np.complex64))
        with pytest.raises(NotImplementedError) as info:
            m(x, x, x)
        errors.append(str(info.value))
    assert errors[0] in errors[1]
