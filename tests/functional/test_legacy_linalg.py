"""PyTorch's older top-level linear-algebra names (``torch.cholesky``, ``torch.svd`` with
``V``, ``torch.qr``, ``torch.pinverse``, ``torch.cholesky_inverse``) and
``torch.linalg.diagonal`` against PyTorch: values, shapes (batched, 0-size), warnings,
errors; float64 gradchecks."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg

R = np.random.default_rng(2)


def _spd(*batch, n=3):
    m = R.standard_normal(batch + (n, n))
    return m @ np.swapaxes(m, -1, -2) + n * np.eye(n)


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("batch", [(), (2,), (0,)])
def test_cholesky_and_cholesky_inverse_match_torch(upper, batch):
    torch = pytest.importorskip("torch")
    a = _spd(*batch)
    with pytest.warns(UserWarning, match="deprecated"):
        got = dg.cholesky(dg.tensor(a), upper=upper)
    with warnings.catch_warnings():  # PyTorch warns once per process
        warnings.simplefilter("ignore")
        want = torch.cholesky(torch.tensor(a), upper=upper)
    assert got.shape == tuple(want.shape)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
    f = R.standard_normal(batch + (3, 3)) + 3 * np.eye(3)  # only one triangle is read
    got = dg.cholesky_inverse(dg.tensor(f), upper=upper)
    want = torch.cholesky_inverse(torch.tensor(f), upper=upper)
    assert got.shape == tuple(want.shape)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (2, 3, 3), (0, 3, 2)])
@pytest.mark.parametrize("some", [True, False])
def test_svd_returns_v_like_torch(shape, some):
    torch = pytest.importorskip("torch")
    a = R.standard_normal(shape)
    u, s, v = dg.svd(dg.tensor(a), some=some)
    tu, ts, tv = torch.svd(torch.tensor(a), some=some)
    for g, w in ((u, tu), (s, ts), (v, tv)):
        assert g.shape == tuple(w.shape)
    np.testing.assert_allclose(s.numpy(), ts.numpy(), rtol=1e-10)
    k = min(shape[-2:])
    recon = (u[..., :k] * s[..., None, :]) @ v[..., :k].mT
    np.testing.assert_allclose(recon.numpy(), a, atol=1e-12)
    u, s, v = dg.svd(dg.tensor(a), some=some, compute_uv=False)
    tu, ts, tv = torch.svd(torch.tensor(a), some=some, compute_uv=False)
    assert (u.shape, v.shape) == (tuple(tu.shape), tuple(tv.shape))
    assert not u.numpy().any() and not v.numpy().any()


@pytest.mark.parametrize("some", [True, False])
def test_qr_and_pinverse_match_torch(some):
    torch = pytest.importorskip("torch")
    a = R.standard_normal((2, 4, 3))
    q, r = dg.qr(dg.tensor(a), some=some)
    tq, tr = torch.qr(torch.tensor(a), some=some)
    assert q.shape == tuple(tq.shape) and r.shape == tuple(tr.shape)
    np.testing.assert_allclose((q @ r).numpy(), a, atol=1e-12)
    np.testing.assert_allclose(np.abs(r.numpy()), np.abs(tr.numpy()), rtol=1e-10, atol=1e-12)
    for rcond in (1e-15, 0.3):
        got = dg.pinverse(dg.tensor(a), rcond=rcond)
        want = torch.pinverse(torch.tensor(a), rcond=rcond)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-9, atol=1e-12)


def test_legacy_gradients():
    a = dg.tensor(_spd(2), requires_grad=True)
    sym = lambda t: (t + t.mT) / 2  # noqa: E731 - cholesky reads one triangle
    with pytest.warns(UserWarning):
        assert dg.gradcheck(lambda t: dg.cholesky(sym(t), upper=True), a)
    f = dg.tensor(R.standard_normal((2, 3, 3)) + 3 * np.eye(3), requires_grad=True)
    assert dg.gradcheck(lambda t: dg.cholesky_inverse(dg.tril(t)), f)
    x = dg.tensor(R.standard_normal((4, 3)), requires_grad=True)
    assert dg.gradcheck(lambda t: dg.svd(t).S, x)
    assert dg.gradcheck(lambda t: dg.pinverse(t), x)
    assert dg.gradcheck(lambda t: dg.qr(t).R.abs(), x)
    (dg.svd(x).V.abs().sum() + dg.svd(x).U.abs().sum()).backward()  # V's gradient flows


def test_cholesky_inverse_gradient_matches_torch():
    torch = pytest.importorskip("torch")
    f = np.tril(R.standard_normal((3, 3))) + 3 * np.eye(3)
    w = R.standard_normal((3, 3))
    x, tx = dg.tensor(f, requires_grad=True), torch.tensor(f, requires_grad=True)
    (dg.cholesky_inverse(x) * dg.tensor(w)).sum().backward()
    (torch.cholesky_inverse(tx) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(np.tril(x.grad.numpy()), np.tril(tx.grad.numpy()), rtol=1e-9)


def test_linalg_diagonal_is_torchs_view():
    torch = pytest.importorskip("torch")
    a = R.standard_normal((2, 3, 4))
    for kw in ({}, {"offset": 1}, {"dim1": 0, "dim2": 2}):
        got = dg.linalg.diagonal(dg.tensor(a), **kw)
        np.testing.assert_array_equal(got.numpy(), torch.linalg.diagonal(torch.tensor(a), **kw))
    y = dg.tensor(a, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="Can't detach views"):
        dg.linalg.diagonal(y).detach_()
    with pytest.raises(TypeError):
        dg.linalg.diagonal(dg.tensor(a), 1)  # keyword-only, as PyTorch


def test_integer_inputs_refused():
    m = dg.tensor([[2, 0], [1, 3]])
    for call in (dg.svd, dg.qr, dg.pinverse, dg.cholesky_inverse):
        with pytest.raises(RuntimeError, match="floating point"):
            call(m)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_method_forms_match_torch():
    torch = pytest.importorskip("torch")
    a = _spd(2)
    x, t = dg.tensor(a), torch.tensor(a)
    b, tb = dg.tensor(np.ones((2, 3, 1))), torch.ones(2, 3, 1, dtype=torch.float64)
    pairs = [
        (x.cholesky(), t.cholesky()),
        (x.cholesky(upper=True), t.cholesky(upper=True)),
        (x.cholesky_inverse(), t.cholesky_inverse()),
        (x.svd().S, t.svd().S),
        (x.qr().R.abs(), t.qr().R.abs()),
        (x.pinverse(), t.pinverse()),
        (x.lu()[0], t.lu()[0]),
        (b.lu_solve(*x.lu()), tb.lu_solve(*t.lu())),
        (b.cholesky_solve(x.cholesky()), tb.cholesky_solve(t.cholesky())),
        (
            b.triangular_solve(x.cholesky(), upper=False)[0],
            tb.triangular_solve(t.cholesky(), upper=False)[0],
        ),
    ]
    for got, want in pairs:
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10, atol=1e-12)
    q, tau = torch.geqrf(t)
    np.testing.assert_allclose(
        dg.tensor(q.numpy()).orgqr(dg.tensor(tau.numpy())).numpy(), q.orgqr(tau).numpy(), atol=1e-13
    )
