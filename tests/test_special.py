"""deepgrad.special against torch.special: values (float32 and float64, edges), gradients
(float64, against torch and by numerical differentiation) and errors, name by name."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg

# name -> (domain of the test inputs, whether torch differentiates it)
UNARY = {
    "expit": ((-5, 5), True), "logit": ((0.05, 0.95), True), "erf": ((-2, 2), True),
    "erfc": ((-2, 2), True), "erfinv": ((-0.9, 0.9), True), "erfcx": ((-2, 5), True),
    "log1p": ((-0.5, 3), True), "expm1": ((-2, 2), True), "exp2": ((-2, 2), True),
    "gammaln": ((0.2, 5), True), "digamma": ((0.2, 5), True), "psi": ((0.2, 5), True),
    "i0": ((-4, 4), True), "i0e": ((-4, 4), True), "i1": ((-4, 4), True),
    "i1e": ((-4, 4), True), "ndtr": ((-3, 3), True), "ndtri": ((0.05, 0.95), True),
    "log_ndtr": ((-6, 3), True), "sinc": ((-2, 2), True), "entr": ((0.1, 3), True),
    "bessel_j0": ((-6, 6), False), "bessel_j1": ((-6, 6), False),
}  # fmt: skip


def _inputs(domain, dtype, rng, n=7):
    return rng.uniform(*domain, size=(2, n)).astype(dtype)


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_unary_values_as_torch(torch, rng, name, dtype):
    a = _inputs(UNARY[name][0], dtype, rng)
    got = getattr(dg.special, name)(dg.tensor(a))
    want = getattr(torch.special, name)(torch.tensor(a))
    assert got.dtype == np.dtype(dtype)
    tol = 1e-5 if dtype == "float32" else 1e-12
    if name.startswith("bessel_j") and dtype == "float64":
        tol = 1e-6  # PyTorch's float64 J0/J1 are within ~2e-7 of the true value, scipy's exact
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("name", sorted(n for n, (_, d) in UNARY.items() if d))
def test_unary_gradients_as_torch(torch, rng, name):
    a = _inputs(UNARY[name][0], "float64", rng)
    x = dg.tensor(a, requires_grad=True)
    getattr(dg.special, name)(x).sum().backward()
    t = torch.tensor(a, requires_grad=True)
    getattr(torch.special, name)(t).sum().backward()
    # PyTorch's float64 trigamma (digamma's derivative) is within ~1e-9 of the true value
    tol = 1e-8 if name in ("digamma", "psi") else 1e-10
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=tol, atol=1e-12)
    assert dg.gradcheck(getattr(dg.special, name), dg.tensor(a, requires_grad=True))


@pytest.mark.parametrize("name", ["i0", "i0e", "i1", "i1e", "erfcx", "ndtr", "log_ndtr"])
def test_second_derivatives_as_torch(torch, rng, name):
    a = _inputs(UNARY[name][0], "float64", rng)
    a[0, 0] = 0.0 if name.startswith("i") else a[0, 0]
    x = dg.tensor(a, requires_grad=True)
    (g,) = dg.grad(getattr(dg.special, name)(x).sum(), x, create_graph=True)
    g.sum().backward()
    t = torch.tensor(a, requires_grad=True)
    (tg,) = torch.autograd.grad(getattr(torch.special, name)(t).sum(), t, create_graph=True)
    tg.sum().backward()
    np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-12)


EDGES = {
    "ndtri": [0.0, 1.0, -0.5, 1.5, 0.5], "entr": [0.0, -1.0, 1.0, np.inf, np.nan],
    "log_ndtr": [-40.0, -10.0, 0.0, 10.0, np.inf], "erfcx": [-30.0, 30.0, 1e5, 0.0, -np.inf],
    "i1": [0.0, -0.0, 1e-8, -50.0, 50.0], "i1e": [0.0, 1e-8, -1e3, 1e3, np.inf],
    "i0e": [0.0, -1e3, 1e3, np.inf, -np.inf], "logit": [0.0, 1.0, -0.1, 0.5, 1.1],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(EDGES))
def test_edges_and_gradients_there_as_torch(torch, name):
    a = np.array(EDGES[name])
    x = dg.tensor(a, requires_grad=True)
    y = getattr(dg.special, name)(x)
    with warnings.catch_warnings():  # deepgrad warns where a value is NaN or infinite
        warnings.simplefilter("ignore", RuntimeWarning)
        y.sum().backward()
    t = torch.tensor(a, requires_grad=True)
    ty = getattr(torch.special, name)(t)
    ty.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)


def test_integer_input_gives_the_default_float(torch):
    for name in ("i0", "ndtr", "entr", "erfcx", "expit"):
        got = getattr(dg.special, name)(dg.tensor([1, 2]))
        want = getattr(torch.special, name)(torch.tensor([1, 2]))
        assert got.dtype.name == str(want.dtype).removeprefix("torch.")
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


@pytest.mark.parametrize("name", ["xlogy", "xlog1py"])
def test_xlogy_family(torch, name):
    a = np.array([[0.0, 0.0, 2.0, 1.5, 0.0], [3.0, 0.0, -1.0, 0.5, 0.0]])
    b = np.array([[0.5, -3.0, 0.3, np.nan, np.nan], [2.0, -2.0, 4.0, 1.0, 0.7]])
    xs = [dg.tensor(a, requires_grad=True), dg.tensor(b, requires_grad=True)]
    ts = [torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)]
    y, ty = getattr(dg.special, name)(*xs), getattr(torch.special, name)(*ts)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    # numbers on either side, broadcasting
    for args in ((2.0, b[:1]), (a, 0.5), (a[:, :1], b)):
        dargs = [dg.tensor(v) if isinstance(v, np.ndarray) else v for v in args]
        targs = [torch.tensor(v) if isinstance(v, np.ndarray) else v for v in args]
        np.testing.assert_allclose(
            getattr(dg.special, name)(*dargs).numpy(),
            getattr(torch.special, name)(*targs).numpy(),
            rtol=1e-12,
        )
    pos = np.abs(a) + 0.5, np.abs(b[:, :4]).repeat(1, 0)
    assert dg.gradcheck(
        getattr(dg.special, name),
        dg.tensor(pos[0][:, :4], requires_grad=True),
        dg.tensor(np.nan_to_num(pos[1], nan=1.0) + 0.5, requires_grad=True),
    )


def test_zeta_and_incomplete_gamma(torch, rng):
    x = rng.uniform(1.5, 4, (3,))
    q = rng.uniform(0.5, 3, (2, 1))
    for name in ("zeta", "gammainc", "gammaincc"):
        dq = dg.tensor(q, requires_grad=True)
        tq = torch.tensor(q, requires_grad=True)
        y = getattr(dg.special, name)(dg.tensor(x), dq)
        ty = getattr(torch.special, name)(torch.tensor(x), tq)
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
        y.sum().backward()
        ty.sum().backward()
        np.testing.assert_allclose(dq.grad.numpy(), tq.grad.numpy(), rtol=1e-10)
        fn = getattr(dg.special, name)
        assert dg.gradcheck(lambda v, f=fn: f(dg.tensor(x), v), dg.tensor(q, requires_grad=True))
        # the first argument's derivative is not implemented, in both
        for mod, tensor in ((dg, dg.tensor), (torch, torch.tensor)):
            first = tensor(x, requires_grad=True)
            with pytest.raises(NotImplementedError, match="derivative for"):
                getattr(mod.special, name)(first, tensor(q)).sum().backward()
    np.testing.assert_allclose(
        dg.special.zeta(dg.tensor(x), 1.0).numpy(), torch.special.zeta(torch.tensor(x), 1.0)
    )


def test_multigammaln(torch, rng):
    a = rng.uniform(2.0, 5.0, (2, 3))
    for p in (1, 2, 3):
        x = dg.tensor(a, requires_grad=True)
        t = torch.tensor(a, requires_grad=True)
        y, ty = dg.special.multigammaln(x, p), torch.special.multigammaln(t, p)
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
        y.sum().backward()
        ty.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    below = [0.5, 1.0, 3.0]  # no domain check in PyTorch 2.13: the same sum (inf at 1)
    np.testing.assert_allclose(
        dg.special.multigammaln(dg.tensor(below), 3).numpy(),
        torch.special.multigammaln(torch.tensor(below), 3).numpy(),
        rtol=1e-6,
    )
    for mod, tensor in ((dg, dg.tensor), (torch, torch.tensor)):
        with pytest.raises(RuntimeError, match="p has to be greater than or equal to 1"):
            mod.special.multigammaln(tensor([2.0]), 0)


def test_bessel_j_records_no_graph_as_torch(torch):
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    for name in ("bessel_j0", "bessel_j1"):
        y, ty = getattr(dg.special, name)(x), getattr(torch.special, name)(t)
        assert y.requires_grad is ty.requires_grad is False


def test_aliases_and_signatures(torch, rng):
    assert dg.special.expit is dg.sigmoid and dg.special.gammaln is dg.lgamma
    assert dg.special.psi is dg.digamma and dg.special.xlogy is dg.xlogy
    a = rng.standard_normal((3, 4))
    for name in ("softmax", "log_softmax"):
        np.testing.assert_allclose(
            getattr(dg.special, name)(dg.tensor(a), 1, dtype=dg.float32).numpy(),
            getattr(torch.special, name)(torch.tensor(a), 1, dtype=torch.float32).numpy(),
            rtol=1e-6,
        )
        with pytest.raises(TypeError):
            getattr(dg.special, name)(dg.tensor(a))  # dim is required, as in torch.special
    np.testing.assert_allclose(
        dg.special.logsumexp(dg.tensor(a), 1, keepdim=True).numpy(),
        torch.special.logsumexp(torch.tensor(a), 1, keepdim=True).numpy(),
    )
    np.testing.assert_array_equal(
        dg.special.round(dg.tensor(a), decimals=2).numpy(),
        torch.special.round(torch.tensor(a), decimals=2).numpy(),
    )
    np.testing.assert_allclose(
        dg.special.polygamma(2, dg.tensor(np.abs(a) + 0.5)).numpy(),
        torch.special.polygamma(2, torch.tensor(np.abs(a) + 0.5)).numpy(),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        dg.special.logit(dg.tensor([0.0, 0.5]), eps=1e-3).numpy(),
        torch.special.logit(torch.tensor([0.0, 0.5]), eps=1e-3).numpy(),
    )
    dg_names = set(dg.special.__all__)
    assert dg_names <= set(dir(torch.special))


@pytest.mark.parametrize(("name", "y0"), [("xlogy", 0.0), ("xlog1py", -1.0)])
def test_xlogy_family_gradient_at_zero_over_zero(torch, name, y0):
    """x = 0 where ln y (or ln(1 + y)) is -inf: value 0, x's gradient 0, y's gradient NaN."""
    x, y = dg.tensor([0.0], requires_grad=True), dg.tensor([y0], requires_grad=True)
    tx, ty = torch.tensor([0.0], requires_grad=True), torch.tensor([y0], requires_grad=True)
    out, tout = getattr(dg.special, name)(x, y), getattr(torch.special, name)(tx, ty)
    assert out.item() == tout.item() == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out.backward()
    tout.backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_array_equal(y.grad.numpy(), ty.grad.numpy())
