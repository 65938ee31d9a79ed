"""``linalg.cholesky_ex`` / ``inv_ex`` / ``solve_ex`` against PyTorch: the results, ``info``
(int32, batch shape, PyTorch's failure indices), ``check_errors``; NaN for a failed batch
element (PyTorch's are unspecified); float64 gradchecks."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

R = np.random.default_rng(1)


def _spd(*batch, n=3):
    m = R.standard_normal(batch + (n, n))
    return m @ np.swapaxes(m, -1, -2) + n * np.eye(n)


MIXED = np.array(
    [[[1.0, 2.0], [2.0, 1.0]], [[4.0, 2.0], [2.0, 3.0]], [[0.0, 0.0], [0.0, 1.0]]]
)  # not PD (minor 2), PD, not PD (minor 1)
SINGULAR = np.array([[[1.0, 2.0], [2.0, 4.0]], [[4.0, 2.0], [2.0, 3.0]]])


@pytest.mark.parametrize("batch", [(), (2,), (0,), (2, 0)])
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_ex_matches_torch(batch, upper):
    torch = pytest.importorskip("torch")
    a = _spd(*batch)
    want = torch.linalg.cholesky_ex(torch.tensor(a), upper=upper)
    got = dg.linalg.cholesky_ex(dg.tensor(a), upper=upper)
    assert got.L.shape == tuple(want.L.shape) and got.info.shape == tuple(want.info.shape)
    assert got.info.dtype == np.int32
    np.testing.assert_allclose(got.L.numpy(), want.L.numpy(), rtol=1e-12)
    assert got.info.tolist() == want.info.tolist()


def test_failures_give_torch_info_nan_and_errors():
    torch = pytest.importorskip("torch")
    want = torch.linalg.cholesky_ex(torch.tensor(MIXED))
    got = dg.linalg.cholesky_ex(dg.tensor(MIXED))
    assert got.info.tolist() == want.info.tolist() == [2, 0, 1]
    np.testing.assert_allclose(got.L.numpy()[1], want.L.numpy()[1])
    assert np.isnan(got.L.numpy()[[0, 2]]).all()
    with pytest.raises(RuntimeError, match="Batch element 0.*order 2"):
        dg.linalg.cholesky_ex(dg.tensor(MIXED), check_errors=True)
    want = torch.linalg.inv_ex(torch.tensor(SINGULAR))
    got = dg.linalg.inv_ex(dg.tensor(SINGULAR))
    assert got.info.tolist() == want.info.tolist() == [2, 0]
    np.testing.assert_allclose(got.inverse.numpy()[1], want.inverse.numpy()[1])
    assert np.isnan(got.inverse.numpy()[0]).all()
    with pytest.raises(RuntimeError, match="Batch element 0"):
        dg.linalg.inv_ex(dg.tensor(SINGULAR), check_errors=True)
    b = np.ones(2)
    want = torch.linalg.solve_ex(torch.tensor(SINGULAR), torch.tensor(b))
    got = dg.linalg.solve_ex(dg.tensor(SINGULAR), dg.tensor(b))
    assert got.info.tolist() == want.info.tolist() and got.result.shape == (2, 2)
    np.testing.assert_allclose(got.result.numpy()[1], want.result.numpy()[1])
    with pytest.raises(RuntimeError, match="singular"):
        dg.linalg.solve_ex(dg.tensor(SINGULAR), dg.tensor(b), check_errors=True)


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("bshape", [(2, 3, 4), (3,), (5, 2, 3, 3)])
def test_inv_ex_solve_ex_match_torch(left, bshape):
    torch = pytest.importorskip("torch")
    a = R.standard_normal((2, 3, 3))
    if not left:
        bshape = {(2, 3, 4): (2, 4, 3), (3,): (2, 5, 3)}.get(bshape, bshape)
    b = R.standard_normal(bshape)
    want = torch.linalg.solve_ex(torch.tensor(a), torch.tensor(b), left=left)
    got = dg.linalg.solve_ex(dg.tensor(a), dg.tensor(b), left=left)
    assert got.result.shape == tuple(want.result.shape)
    np.testing.assert_allclose(got.result.numpy(), want.result.numpy(), rtol=1e-9, atol=1e-12)
    assert got.info.tolist() == want.info.tolist()
    want = torch.linalg.inv_ex(torch.tensor(a))
    got = dg.linalg.inv_ex(dg.tensor(a))
    np.testing.assert_allclose(got.inverse.numpy(), want.inverse.numpy(), rtol=1e-10)
    assert got.info.dtype == np.int32 and got.info.tolist() == want.info.tolist()


def test_ex_gradients():
    a = dg.tensor(_spd(2), requires_grad=True)
    assert dg.gradcheck(lambda t: dg.linalg.cholesky_ex((t + t.mT) / 2).L, a)
    g = dg.tensor(R.standard_normal((2, 3, 3)), requires_grad=True)
    assert dg.gradcheck(lambda t: dg.linalg.inv_ex(t).inverse, g)
    b = dg.tensor(R.standard_normal((2, 3)), requires_grad=True)
    assert dg.gradcheck(lambda t, bb: dg.linalg.solve_ex(t, bb).result, (g, b))
    # a failed element passes no gradient (its values are NaN, the others' are finite)
    m = dg.tensor(MIXED, requires_grad=True)
    ell = dg.linalg.cholesky_ex(m).L
    dg.where(dg.isnan(ell), 0.0, ell).sum().backward()
    assert np.isfinite(m.grad.numpy()).all() and (m.grad.numpy()[[0, 2]] == 0).all()


def test_zero_size_batches_match_torch():
    torch = pytest.importorskip("torch")
    for lib_call in (
        lambda lib: lib.linalg.inv_ex(lib.zeros(0, 3, 3, dtype=lib.float64)),
        lambda lib: lib.linalg.solve_ex(
            lib.zeros(0, 3, 3, dtype=lib.float64), lib.zeros(0, 3, 2, dtype=lib.float64)
        ),
        lambda lib: lib.linalg.cholesky_ex(lib.zeros(0, 3, 3, dtype=lib.float64)),
    ):
        want, got = lib_call(torch), lib_call(dg)
        assert [tuple(t.shape) for t in want] == [t.shape for t in got]
        assert got[1].dtype == np.int32
