"""``dtype=`` of the norms (``Tensor.norm``, ``dg.norm``, ``linalg.vector_norm`` /
``matrix_norm`` / ``norm``) under PyTorch's rules, and complex norms and their gradients,
against PyTorch (functional/reduce.py, matrix_norms.py, elementwise.py's Abs)."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

X = [[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]]


@pytest.mark.parametrize(
    "call",
    [
        lambda L, x: x.norm(dtype=L.float64),
        lambda L, x: x.norm(1, 1, True, dtype=L.float64),
        lambda L, x: x.norm(p="nuc", dtype=L.float64),
        lambda L, x: x.norm(p=float("inf"), dtype=L.float64),
        lambda L, x: L.norm(x, "fro", 1, dtype=L.float64),
        lambda L, x: L.linalg.vector_norm(x, 3, dtype=L.float64),
        lambda L, x: L.linalg.matrix_norm(x, "nuc", dtype=L.float64),
        lambda L, x: L.linalg.norm(x, dtype=L.float64),
    ],
)
def test_norm_dtype_computes_in_that_dtype(torch, call):
    got = call(dg, dg.tensor(X, dtype=dg.float32, requires_grad=True))
    want = call(torch, torch.tensor(X, dtype=torch.float32, requires_grad=True))
    assert got.dtype == dg.float64
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-12)


def test_norm_dtype_gradient_is_in_the_input_dtype(torch):
    x = dg.tensor(X, dtype=dg.float32, requires_grad=True)
    t = torch.tensor(X, dtype=torch.float32, requires_grad=True)
    x.norm(dtype=dg.float64).backward()
    t.norm(dtype=torch.float64).backward()
    assert x.grad.dtype == dg.float32
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda x: x.norm(dtype=dg.float16), "narrower than the tensor's dtype float32"),
        (lambda x: dg.linalg.matrix_norm(x, dtype=dg.float16), "narrower"),
        (lambda x: dg.linalg.norm(x, dtype=dg.int64), "real floating dtype .* got dtype=int64"),
        (lambda x: dg.linalg.vector_norm(x, dtype=dg.complex64), "real floating dtype"),
        (lambda x: dg.linalg.vector_norm(x.long(), dtype=dg.float64), "floating point or com"),
        (
            lambda x: dg.linalg.vector_norm(x.to(dg.complex64), dtype=dg.float64),
            "complex dtype for a tensor of dtype complex64",
        ),
    ],
)
def test_norm_dtype_refusals(call, match):
    with pytest.raises(TypeError, match=match):
        call(dg.tensor(X, dtype=dg.float32))


@pytest.mark.parametrize("p", [2, 3, 1, float("inf")])
def test_complex_vector_norm_and_gradient_match_torch(torch, p):
    z = [1 + 1j, 2 - 1j, 0j, -3 + 0.5j]
    x = dg.tensor(z, dtype=dg.complex128, requires_grad=True)
    t = torch.tensor(z, dtype=torch.complex128, requires_grad=True)
    y, w = dg.linalg.vector_norm(x, p), torch.linalg.vector_norm(t, p)
    assert y.dtype == dg.float64
    np.testing.assert_allclose(y.item(), w.item(), rtol=1e-12)
    y.backward()
    w.backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    c = dg.linalg.vector_norm(dg.tensor(z, dtype=dg.complex64), dtype=dg.complex128)
    assert c.dtype == dg.float64
