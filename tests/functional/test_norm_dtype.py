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


@pytest.mark.parametrize("name", ["layer_norm", "layer_norm_affine", "group_norm", "sdpa"])
def test_float16_norms_and_attention_compute_in_float32_as_torch(torch, name):
    """PyTorch computes these for half precision in float32: in float16 the layer norm's
    statistics lost ~10 % and attention scores overflowed to NaN."""
    v = (np.random.default_rng(0).standard_normal((64, 512)) * 3).astype(np.float16)

    def f(m, t):
        F_ = m.nn.functional
        if name == "layer_norm":
            return F_.layer_norm(t, (512,))
        if name == "layer_norm_affine":
            w = m.full((512,), 1.5, dtype=m.float16)
            return F_.layer_norm(t, (512,), w, m.ones(512, dtype=m.float16))
        if name == "group_norm":
            return F_.group_norm(t.reshape(64, 8, 64), 4)
        return F_.scaled_dot_product_attention(t[None, :8], t[None, :8], t[None, :8])

    t, tt = dg.tensor(v, requires_grad=True), torch.tensor(v, requires_grad=True)
    y, yt = f(dg, t), f(torch, tt)
    assert y.dtype == dg.float16
    np.testing.assert_allclose(y.detach().numpy().astype(np.float32),
                               yt.detach().float().numpy(), rtol=2e-3, atol=2e-3)  # fmt: skip
    y.float().sum().backward()
    yt.float().sum().backward()
    assert t.grad.dtype == dg.float16
    np.testing.assert_allclose(t.grad.numpy().astype(np.float32), tt.grad.float().numpy(),
                               rtol=2e-2, atol=2e-2)  # fmt: skip


@pytest.mark.parametrize("args", [(4,), (3, 2, 1), ((2, 5), (1, 3), (1, 2), True, False)])
def test_float16_avg_pool2d_computes_in_float32_as_torch(torch, args):
    v = (np.random.default_rng(0).standard_normal((2, 3, 16, 40)) * 3).astype(np.float16)
    t, tt = dg.tensor(v, requires_grad=True), torch.tensor(v, requires_grad=True)
    y = dg.nn.functional.avg_pool2d(t, *args)
    yt = torch.nn.functional.avg_pool2d(tt, *args)
    assert y.dtype == dg.float16
    np.testing.assert_array_equal(y.detach().numpy(), yt.detach().numpy())
    y.float().sum().backward()
    yt.float().sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-3)


@pytest.mark.parametrize("training", [True, False])
def test_float16_batch_norm_computes_in_float32_as_torch(torch, training):
    """Statistics in float32 (they were float16: up to ~65 % off), the running statistics
    float16 buffers updated in place, gradients float16."""
    v = (np.random.default_rng(0).standard_normal((64, 512)) * 3 + 5).astype(np.float16)
    mods = [m.nn.BatchNorm1d(512).half() for m in (dg, torch)]
    if not training:
        for b in mods:
            b.eval()
            b.running_mean.data.fill_(4.0)
    t, tt = dg.tensor(v, requires_grad=True), torch.tensor(v, requires_grad=True)
    y, yt = mods[0](t), mods[1](tt)
    assert y.dtype == dg.float16 and mods[0].running_var.dtype == dg.float16
    np.testing.assert_allclose(y.detach().numpy().astype(np.float32),
                               yt.detach().float().numpy(), atol=4e-3)  # fmt: skip
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(getattr(mods[0], name).numpy().astype(np.float32),
                                   getattr(mods[1], name).float().numpy(), atol=4e-3)  # fmt: skip
    y.float().sum().backward()
    yt.float().sum().backward()
    np.testing.assert_allclose(t.grad.numpy().astype(np.float32), tt.grad.float().numpy(),
                               atol=4e-3)  # fmt: skip
