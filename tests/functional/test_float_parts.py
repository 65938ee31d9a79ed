"""copysign, ldexp, frexp, nextafter (deepgrad.functional.float_parts), against torch."""

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

R = np.random.default_rng(0)
SHAPES = [((), ()), ((0,), (0,)), ((3,), (2, 3)), ((2, 1), (1, 4))]


def _grads(fn_d, fn_t, a, b):
    xa, xb = dg.tensor(a, requires_grad=True), dg.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    y, ty = fn_d(xa, xb), fn_t(ta, tb)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12)
    w = R.normal(size=ty.shape)
    (y * dg.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    for g, tg in ((xa.grad, ta.grad), (xb.grad, tb.grad)):
        want = np.zeros(tg.shape) if tg is None else tg.numpy()
        got = np.zeros(want.shape) if g is None else g.numpy()
        np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("sa, sb", SHAPES)
def test_copysign_values_and_torch_gradient(sa, sb):
    a = R.normal(size=sa)
    b = R.normal(size=sb)
    if a.size:
        a.flat[0] = 0.0
    _grads(dg.copysign, torch.copysign, a, b)
    _grads(lambda x, y: x.copysign(y), lambda x, y: x.copysign(y), a, b)


def test_copysign_sign_bit_ints_and_in_place():
    x = dg.tensor([1.0, 2.0, -3.0])
    assert dg.copysign(x, dg.tensor([-0.0, 0.0, 1.0])).tolist() == [-1.0, 2.0, 3.0]
    assert dg.copysign(dg.tensor([1, 2]), -1).dtype == np.float32  # as torch
    x.copysign_(-1.0)
    assert x.tolist() == [-1.0, -2.0, -3.0]


def test_copysign_gradcheck():
    a = dg.tensor(R.normal(size=(3, 2)), requires_grad=True)
    b = dg.tensor(R.normal(size=(2,)))
    assert dg.gradcheck(lambda t: dg.copysign(t, b), a)


@pytest.mark.parametrize("sa, sb", SHAPES)
def test_ldexp_matches_torch(sa, sb):
    _grads(dg.ldexp, torch.ldexp, R.normal(size=sa), R.integers(-3, 4, size=sb).astype(float))
    a = R.integers(-5, 5, size=sa)
    e = R.integers(-3, 4, size=sb)
    got, want = dg.ldexp(dg.tensor(a), dg.tensor(e)), torch.ldexp(torch.tensor(a), torch.tensor(e))
    assert got.dtype == np.float32 and want.dtype == torch.float32
    np.testing.assert_allclose(got.numpy(), want.numpy())


def test_ldexp_gradcheck_and_in_place():
    a = dg.tensor(R.normal(size=(3,)), requires_grad=True)
    e = dg.tensor(R.normal(size=(3,)), requires_grad=True)
    assert dg.gradcheck(dg.ldexp, a, e)
    x = dg.tensor([1.0, 3.0])
    x.ldexp_(dg.tensor([2.0, 1.0]))
    assert x.tolist() == [4.0, 6.0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_frexp_matches_torch(dtype):
    x = np.array([0.0, -3.0, 8.0, 1e-30, np.inf, 0.1], dtype=dtype)
    m, e = dg.frexp(dg.tensor(x))
    tm, te = torch.frexp(torch.tensor(x))
    np.testing.assert_array_equal(m.numpy(), tm.numpy())
    np.testing.assert_array_equal(e.numpy(), te.numpy())
    assert e.dtype == np.int32 and m.dtype == dtype
    assert dg.tensor(x).frexp().mantissa.shape == (6,)
    with pytest.raises(RuntimeError, match="floating"):
        dg.frexp(dg.tensor([1, 2]))


def test_nextafter_matches_torch_and_promotes():
    a, b = np.array([1.0, 0.0, -2.0]), np.array([2.0, -1.0, -2.0])
    for dt in (np.float32, np.float64):
        got = dg.nextafter(dg.tensor(a.astype(dt)), dg.tensor(b.astype(dt)))
        want = torch.nextafter(torch.tensor(a.astype(dt)), torch.tensor(b.astype(dt)))
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    mixed = dg.nextafter(dg.tensor([1.0]), dg.tensor(np.array([2.0])))
    assert (
        mixed.dtype
        == torch.nextafter(torch.tensor([1.0]), torch.tensor([2.0], dtype=torch.float64))
        .numpy()
        .dtype
    )
    with pytest.raises(NotImplementedError, match="floating"):  # torch's error type
        dg.nextafter(dg.tensor([1]), dg.tensor([2]))
    x = dg.tensor([1.0])
    x.nextafter_(dg.tensor([2.0]))
    assert x.item() > 1.0
