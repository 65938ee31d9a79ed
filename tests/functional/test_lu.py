"""LU with partial pivoting (``linalg.lu_factor(_ex)``, ``linalg.lu``, ``lu_unpack``,
``linalg.lu_solve``, ``torch.lu``/``torch.lu_solve``) against PyTorch: values, 1-based int32
pivots, info, shapes (batched, 0-size batches, wide and tall), errors; float64 gradchecks."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg

R = np.random.default_rng(0)
SHAPES = [(3, 3), (2, 4, 4), (4, 3), (3, 5), (0, 3, 3), (2, 0, 2, 2), (1, 1)]


@pytest.mark.parametrize("shape", SHAPES)
def test_lu_factor_ex_matches_torch(shape):
    torch = pytest.importorskip("torch")
    a = R.standard_normal(shape)
    want = torch.linalg.lu_factor_ex(torch.tensor(a))
    got = dg.linalg.lu_factor_ex(dg.tensor(a))
    assert got.LU.shape == tuple(want.LU.shape)
    np.testing.assert_allclose(got.LU.numpy(), want.LU.numpy(), rtol=1e-10, atol=1e-12)
    assert got.pivots.dtype == np.int32 and got.info.dtype == np.int32
    assert got.pivots.tolist() == want.pivots.tolist()
    assert got.info.tolist() == want.info.tolist()
    p, ell, u = dg.linalg.lu(dg.tensor(a))
    tp, tl, tu = torch.linalg.lu(torch.tensor(a))
    for g, w in ((p, tp), (ell, tl), (u, tu)):
        assert g.shape == tuple(w.shape)
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-10, atol=1e-12)


def test_singular_info_and_lu_factor_refusal():
    torch = pytest.importorskip("torch")
    a = np.array([[[1.0, 2.0], [2.0, 4.0]], [[4.0, 2.0], [2.0, 3.0]], [[0.0, 0.0], [0.0, 0.0]]])
    want = torch.linalg.lu_factor_ex(torch.tensor(a))
    got = dg.linalg.lu_factor_ex(dg.tensor(a))
    assert got.info.tolist() == want.info.tolist() == [2, 0, 1]
    assert got.pivots.tolist() == want.pivots.tolist()
    np.testing.assert_allclose(got.LU.numpy(), want.LU.numpy())
    with pytest.raises(RuntimeError, match="is zero"):
        dg.linalg.lu_factor(dg.tensor(a))
    with pytest.raises(RuntimeError, match="Batch element 0"):
        dg.linalg.lu_factor_ex(dg.tensor(a), check_errors=True)
    with pytest.raises(RuntimeError, match="pivoting"):
        dg.linalg.lu_factor(dg.tensor(a[1]), pivot=False)
    with pytest.raises(RuntimeError, match="2 or more"):
        dg.linalg.lu_factor(dg.tensor([1.0, 2.0]))


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [True, False])
def test_lu_solve_matches_torch(left, adjoint):
    torch = pytest.importorskip("torch")
    a = R.standard_normal((2, 3, 3))
    b = R.standard_normal((2, 3, 4) if left else (2, 4, 3))
    lu_, piv = torch.linalg.lu_factor(torch.tensor(a))
    want = torch.linalg.lu_solve(lu_, piv, torch.tensor(b), left=left, adjoint=adjoint)
    glu, gpiv = dg.linalg.lu_factor(dg.tensor(a))
    got = dg.linalg.lu_solve(glu, gpiv, dg.tensor(b), left=left, adjoint=adjoint)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-9, atol=1e-12)


def test_legacy_forms_warn_and_match_torch():
    torch = pytest.importorskip("torch")
    a = R.standard_normal((2, 3, 3))
    b = R.standard_normal((2, 3, 1))
    with pytest.warns(UserWarning, match="deprecated"):
        lu_, piv, info = dg.lu(dg.tensor(a), get_infos=True)
    with warnings.catch_warnings():  # PyTorch warns once per process
        warnings.simplefilter("ignore")
        tlu, tpiv = torch.lu(torch.tensor(a))
    np.testing.assert_allclose(lu_.numpy(), tlu.numpy(), rtol=1e-10)
    assert piv.tolist() == tpiv.tolist() and info.tolist() == [0, 0]
    with pytest.warns(UserWarning, match="deprecated"):
        x = dg.lu_solve(dg.tensor(b), lu_, piv)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tx = torch.lu_solve(torch.tensor(b), tlu, tpiv)
    np.testing.assert_allclose(x.numpy(), tx.numpy(), rtol=1e-9)
    p, ell, u = dg.lu_unpack(lu_, piv)
    tp, tl, tu = torch.lu_unpack(tlu, tpiv)
    np.testing.assert_allclose(p.numpy(), tp.numpy())
    np.testing.assert_allclose((p @ ell @ u).numpy(), a, atol=1e-12)
    assert dg.lu_unpack(lu_, piv, unpack_data=False).L.shape == (0,)
    assert dg.lu_unpack(lu_, piv, unpack_pivots=False).P.shape == (0,)
    with pytest.raises(RuntimeError, match="int32"):
        dg.lu_unpack(lu_, piv.long())


def test_lu_gradients_match_torch_and_gradcheck():
    torch = pytest.importorskip("torch")
    a = R.standard_normal((2, 3, 3))
    x = dg.tensor(a, requires_grad=True)
    assert dg.gradcheck(lambda t: dg.linalg.lu_factor(t).LU, x)
    assert dg.gradcheck(lambda t: dg.linalg.lu(t).L.sum(-1) + dg.linalg.lu(t).U.sum(-2), x)
    b = dg.tensor(R.standard_normal((2, 3, 2)), requires_grad=True)
    assert dg.gradcheck(lambda t, bb: dg.linalg.lu_solve(*dg.linalg.lu_factor(t), bb), (x, b))
    w = R.standard_normal((2, 3, 3))
    tx = torch.tensor(a, requires_grad=True)
    (torch.linalg.lu_factor(tx).LU * torch.tensor(w)).sum().backward()
    (dg.linalg.lu_factor(x).LU * dg.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-8, atol=1e-10)
    with pytest.raises(RuntimeError, match="square"):
        dg.linalg.lu_factor(
            dg.tensor(R.standard_normal((3, 2)), requires_grad=True)
        ).LU.sum().backward()


def test_integer_input_refused():
    with pytest.raises(RuntimeError, match="floating point"):
        dg.linalg.lu_factor(dg.tensor([[1, 2], [3, 4]]))
