"""Integer (and bool) matrices: PyTorch's linear-algebra functions refuse them (RuntimeError,
NotImplementedError where it has no kernel) rather than converting them; deepgrad refuses them
with the same error types and a message naming the dtypes it takes. The functions PyTorch
computes on integers (matmul, multi_dot, cross, vander, matrix_power with n >= 0) keep the
integer dtype."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

A = np.array([[2, 1], [1, 3]])
F64 = A.astype(np.float64)


def _calls(lib, a, f):
    la = lib.linalg
    return {
        "inv": lambda: la.inv(a),
        "inverse": lambda: lib.inverse(a),
        "det": lambda: la.det(a),
        "det_top": lambda: lib.det(a),
        "logdet": lambda: lib.logdet(a),
        "slogdet": lambda: la.slogdet(a),
        "solve": lambda: la.solve(a, a),
        "solve_int_B": lambda: la.solve(f, a),
        "cholesky": lambda: la.cholesky(a),
        "eigh": lambda: la.eigh(a),
        "eigvalsh": lambda: la.eigvalsh(a),
        "eig": lambda: la.eig(a),
        "eigvals": lambda: la.eigvals(a),
        "svd": lambda: la.svd(a),
        "svdvals": lambda: la.svdvals(a),
        "qr": lambda: la.qr(a),
        "pinv": lambda: la.pinv(a),
        "lstsq": lambda: la.lstsq(a, a),
        "lstsq_int_B": lambda: la.lstsq(f, a),
        "matrix_power_neg": lambda: la.matrix_power(a, -1),
        "matrix_rank": lambda: la.matrix_rank(a),
        "cond": lambda: la.cond(a),
        "matrix_norm": lambda: la.matrix_norm(a),
        "norm": lambda: la.norm(a),
        "vector_norm": lambda: la.vector_norm(a),
        "matrix_exp": lambda: la.matrix_exp(a),
        "vecdot": lambda: la.vecdot(a, a),
        "solve_triangular": lambda: la.solve_triangular(a, a, upper=True),
        "cholesky_solve": lambda: lib.cholesky_solve(a, a),
        "cholesky_solve_int_B": lambda: lib.cholesky_solve(a, f),
        "triangular_solve": lambda: lib.triangular_solve(a, a),
        "triangular_solve_int_b": lambda: lib.triangular_solve(a, f),
        "bool_inv": lambda: la.inv(a > 1),
    }


NAMES = sorted(_calls(dg, None, None))


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name", NAMES)
def test_integer_inputs_are_refused_like_torch(name):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError) as want:
        _calls(torch, torch.tensor(A), torch.tensor(F64))[name]()
    with pytest.raises(RuntimeError) as got:
        _calls(dg, dg.tensor(A), dg.tensor(F64))[name]()
    assert isinstance(got.value, NotImplementedError) == isinstance(
        want.value, NotImplementedError
    ), (want.value, got.value)
    assert "floating point" in str(got.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, a: lib.linalg.matmul(a, a),
        lambda lib, a: lib.linalg.multi_dot([a, a, a]),
        lambda lib, a: lib.linalg.matrix_power(a, 3),
        lambda lib, a: lib.linalg.matrix_power(a, 0),
        lambda lib, a: lib.linalg.cross(a[:, :1].repeat(1, 3), a[:, 1:].repeat(1, 3)),
        lambda lib, a: lib.linalg.vander(a[0]),
    ],
)
def test_integer_results_where_torch_computes_them(call):
    torch = pytest.importorskip("torch")
    want = call(torch, torch.tensor(A))
    got = call(dg, dg.tensor(A))
    assert got.dtype == np.int64 and str(want.dtype) == "torch.int64"
    assert got.tolist() == want.tolist()


def test_refusal_names_the_expected_dtypes():
    with pytest.raises(RuntimeError, match=r"linalg.inv|inv: expected a floating point.*float64"):
        dg.linalg.inv(dg.tensor(A))
