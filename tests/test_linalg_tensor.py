"""dg.linalg.tensorinv / tensorsolve against torch.linalg's: values, shapes (dims=, 0-d and
empty), float64 gradients (gradcheck and torch's), errors for shapes that make no square
matrix, singular maps, dtypes; and matrix_norm's unknown order raising torch's class."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.gradcheck import gradcheck


def _both(torch, rng, shape, dtype="float64"):
    a = rng.standard_normal(shape).astype(dtype)
    return a, dg.tensor(a), torch.tensor(a)


@pytest.mark.parametrize(
    "shape, ind",
    [((4, 6, 8, 3), 2), ((6, 2, 3), 1), ((2, 3, 6), 2), ((2, 2, 2, 2), 2), ((3, 3), 1),
     ((1, 1), 2), ((0, 0), 1), ((2, 0, 0, 2), 2), ((1,), 1), ((4, 1, 2, 2, 1), 2)],
)  # fmt: skip
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_tensorinv_as_torch(torch, rng, shape, ind, dtype):
    a, x, t = _both(torch, rng, shape, dtype)
    got, want = dg.linalg.tensorinv(x, ind=ind), torch.linalg.tensorinv(t, ind=ind)
    assert tuple(got.shape) == tuple(want.shape) and got.numpy().dtype == a.dtype
    tol = 1e-9 if dtype == "float64" else 2e-3
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=tol, atol=tol)
    if got.numel():  # tensordot(X, A, ind) is the identity on A.shape[ind:]
        eye = np.tensordot(got.numpy(), a, ind)
        m = int(np.prod(shape[ind:]))
        np.testing.assert_allclose(eye.reshape(m, m), np.eye(m), atol=100 * tol)


def test_tensorinv_gradients(torch, rng):
    a, x, t = _both(torch, rng, (2, 3, 6))
    x.requires_grad_(True)
    t.requires_grad_(True)
    w = rng.standard_normal((6, 2, 3))
    (dg.linalg.tensorinv(x, ind=2) * dg.tensor(w)).sum().backward()
    (torch.linalg.tensorinv(t, ind=2) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-8, atol=1e-10)
    assert gradcheck(
        lambda v: dg.linalg.tensorinv(v, ind=1),
        (dg.tensor(a.reshape(6, 2, 3), requires_grad=True),),
    )
    c = dg.tensor(rng.standard_normal((2, 2, 2, 2)), dtype=dg.complex128, requires_grad=True)
    got = dg.linalg.tensorinv(c, ind=2)
    np.testing.assert_allclose(
        got.numpy(), torch.linalg.tensorinv(torch.tensor(c.numpy()), ind=2).numpy(), rtol=1e-9
    )


@pytest.mark.parametrize(
    "a_shape, b_shape, dims",
    [((2, 3, 6), (2, 3), None), ((2, 3, 6), (3, 2), None), ((6, 4, 2, 3, 4), (6, 4), None),
     ((2, 6, 3, 4, 4), (6, 4), (0, 2)), ((2, 6, 3, 4, 4), (6, 4), [0, -3]),
     ((6, 2, 4, 3, 4), (6, 4), (-4, 3)), ((6, 6), (6,), None), ((6, 6), (6,), ()),
     ((1,), (), None), ((), (), None), ((0, 0), (0,), None), ((4, 2, 2), (4,), None)],
)  # fmt: skip
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_tensorsolve_as_torch(torch, rng, a_shape, b_shape, dims, dtype):
    a, x, t = _both(torch, rng, a_shape, dtype)
    b, y, u = _both(torch, rng, b_shape, dtype)
    got, want = dg.linalg.tensorsolve(x, y, dims=dims), torch.linalg.tensorsolve(t, u, dims=dims)
    assert tuple(got.shape) == tuple(want.shape) and got.numpy().dtype == a.dtype
    tol = 1e-8 if dtype == "float64" else 2e-3
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=tol, atol=tol)


def test_tensorsolve_gradients(torch, rng):
    a, x, t = _both(torch, rng, (2, 6, 3, 4, 4))
    b, y, u = _both(torch, rng, (6, 4))
    for v in (x, t, y, u):
        v.requires_grad_(True)
    w = rng.standard_normal((4, 2, 3))
    (dg.linalg.tensorsolve(x, y, dims=(0, 2)) * dg.tensor(w)).sum().backward()
    (torch.linalg.tensorsolve(t, u, dims=(0, 2)) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(y.grad.numpy(), u.grad.numpy(), rtol=1e-8, atol=1e-10)
    a2 = dg.tensor(rng.standard_normal((2, 3, 6)), requires_grad=True)
    b2 = dg.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    assert gradcheck(lambda p, q: dg.linalg.tensorsolve(p, q), (a2, b2))
    c = rng.standard_normal((2, 3, 6)) + 1j * rng.standard_normal((2, 3, 6))
    d = rng.standard_normal((2, 3)) + 0j
    np.testing.assert_allclose(
        dg.linalg.tensorsolve(dg.tensor(c), dg.tensor(d)).numpy(),
        torch.linalg.tensorsolve(torch.tensor(c), torch.tensor(d)).numpy(),
        rtol=1e-9,
    )


def _raises_as_torch(torch, classes, match, dg_call, torch_call):
    for call in (dg_call, torch_call):
        with pytest.raises(classes, match=match):
            call()


def test_tensorinv_errors_as_torch(torch):
    cases = [
        ((4, 6, 8, 3), 0, RuntimeError, "strictly positive integer for 'ind', but got 0"),
        ((4, 6, 8, 3), -1, RuntimeError, "strictly positive integer for 'ind', but got -1"),
        ((4, 6, 8, 3), 5, RuntimeError, "invalid slice, N = 5; size = 4"),
        ((), 1, RuntimeError, "invalid slice, N = 1; size = 0"),
        ((4, 6, 8, 3), 4, RuntimeError, r"prod\(self.shape\[ind:\]\) == prod\(self.shape\[:ind\]\), but got 1 != 576"),
        ((4, 6, 8, 3), 1, RuntimeError, "but got 144 != 4"),
        ((3,), 1, RuntimeError, "but got 1 != 3"),
    ]  # fmt: skip
    for shape, ind, cls, match in cases:
        _raises_as_torch(
            torch, cls, match,
            lambda shape=shape, ind=ind: dg.linalg.tensorinv(dg.ones(shape), ind=ind),
            lambda shape=shape, ind=ind: torch.linalg.tensorinv(torch.ones(shape), ind=ind),
        )  # fmt: skip
    with pytest.raises(ValueError):  # deepgrad's shape errors stay ValueErrors too
        dg.linalg.tensorinv(dg.ones(4, 6, 8, 3), ind=1)
    for ind in (1.0, True):
        _raises_as_torch(
                torch, TypeError, "argument 'ind'.* must be int",
            lambda ind=ind: dg.linalg.tensorinv(dg.ones(6, 2, 3), ind=ind),
            lambda ind=ind: torch.linalg.tensorinv(torch.ones(6, 2, 3), ind=ind),
        )  # fmt: skip
    _raises_as_torch(
        torch, torch.linalg.LinAlgError.__mro__[1], "singular",
        lambda: dg.linalg.tensorinv(dg.zeros(2, 2, 2, 2)),
        lambda: torch.linalg.tensorinv(torch.zeros(2, 2, 2, 2)),
    )  # fmt: skip
    with pytest.raises(dg.linalg.LinAlgError):
        dg.linalg.tensorinv(dg.zeros(2, 2, 2, 2))
    _raises_as_torch(
        torch, RuntimeError, "floating point or complex",
        lambda: dg.linalg.tensorinv(dg.ones(2, 2, dtype=dg.int64), ind=1),
        lambda: torch.linalg.tensorinv(torch.ones(2, 2, dtype=torch.int64), ind=1),
    )  # fmt: skip


def test_tensorsolve_errors_as_torch(torch):
    req = r"prod\(self.shape\[other.ndim:\]\) == prod\(self.shape\[:other.ndim\]\), but got"
    cases = [
        ((2, 3, 6), (6,), None, RuntimeError, f"{req} 18 != 6"),
        ((2, 3, 6), (5,), None, RuntimeError, f"{req} 18 != 5"),
        ((6, 4, 2, 3), (6, 4), (0, 2), RuntimeError, f"{req} 12 != 24"),
        ((6, 4, 2, 3), (6, 4), None, RuntimeError, f"{req} 6 != 24"),
        ((2, 6, 3, 4), (6, 4), (), RuntimeError, f"{req} 12 != 24"),
        ((6,), (), None, RuntimeError, f"{req} 6 != 1"),
        ((2, 6, 3, 4), (6, 4), (0, 0), RuntimeError, "repeated dim|multiple times"),
        ((2, 6, 3, 4), (6, 4), (0, 7), IndexError, "Dimension out of range"),
        ((2, 2), (2, 2, 2), None, RuntimeError, "."),  # torch: "cannot create std::vector..."
    ]
    for a_shape, b_shape, dims, cls, match in cases:
        a, b = np.ones(a_shape), np.ones(b_shape)
        _raises_as_torch(
            torch, cls, match,
            lambda a=a, b=b, d=dims: dg.linalg.tensorsolve(dg.tensor(a), dg.tensor(b), dims=d),
            lambda a=a, b=b, d=dims: torch.linalg.tensorsolve(torch.tensor(a), torch.tensor(b), dims=d),
        )  # fmt: skip
    _raises_as_torch(
        torch, TypeError, "argument 'dims' must be tuple of ints, not int",
        lambda: dg.linalg.tensorsolve(dg.ones(2, 6, 3, 4), dg.ones(6, 4), dims=2),
        lambda: torch.linalg.tensorsolve(torch.ones(2, 6, 3, 4), torch.ones(6, 4), dims=2),
    )  # fmt: skip
    _raises_as_torch(
        torch, TypeError, "argument 'other' \\(position 2\\) must be Tensor, not float",
        lambda: dg.linalg.tensorsolve(dg.ones(6, 6), 3.0),
        lambda: torch.linalg.tensorsolve(torch.ones(6, 6), 3.0),
    )  # fmt: skip
    _raises_as_torch(
        torch, RuntimeError, "Expected A and B to have the same dtype, but found A of type Float "
        "and B of type Double",
        lambda: dg.linalg.tensorsolve(dg.ones(6, 6), dg.ones(6, dtype=dg.float64)),
        lambda: torch.linalg.tensorsolve(torch.ones(6, 6), torch.ones(6, dtype=torch.float64)),
    )  # fmt: skip
    _raises_as_torch(
        torch, RuntimeError, "singular",
        lambda: dg.linalg.tensorsolve(dg.zeros(2, 2), dg.ones(2)),
        lambda: torch.linalg.tensorsolve(torch.zeros(2, 2), torch.ones(2)),
    )  # fmt: skip


def test_keywords_as_torch(torch):
    for mod in (dg, torch):
        a = mod.eye(4).reshape(4, 2, 2)
        assert tuple(mod.linalg.tensorinv(input=a, ind=1).shape) == (2, 2, 4)
        assert tuple(mod.linalg.tensorsolve(input=mod.eye(2), other=mod.ones(2)).shape) == (2,)
        with pytest.raises(TypeError):
            mod.linalg.tensorinv(A=a, ind=1)
        with pytest.raises(TypeError, match="argument 'input' \\(position 1\\) must be Tensor"):
            mod.linalg.tensorsolve(np.eye(2), mod.ones(2))
        with pytest.raises(TypeError, match="argument 'dims' must be tuple of ints"):
            mod.linalg.tensorsolve(mod.eye(2), mod.ones(2), dims=(1.0,))


def test_matrix_norm_unknown_order_as_torch(torch):
    a = np.arange(9.0).reshape(3, 3)
    for ord_ in (3, 0.5, "abc"):
        for mod in (dg, torch):
            t = mod.tensor(a)
            for call in (lambda: mod.linalg.matrix_norm(t, ord=ord_),  # noqa: B023
                         lambda: mod.linalg.norm(t, ord=ord_, dim=(0, 1))):  # noqa: B023  # fmt: skip
                with pytest.raises(
                    RuntimeError, match=f"linalg.matrix_norm: Order {ord_} not supported"
                ):
                    call()
                if mod is dg:
                    with pytest.raises(ValueError):  # deepgrad's ValueError before: both
                        call()
