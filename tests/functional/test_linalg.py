"""``matmul`` (1-D operands, batched broadcasting) and fused ``linear``: gradcheck, PyTorch
agreement in float64/float32, ``ndarray @ Tensor``, errors naming both shapes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deepgrad as dg
import deepgrad.functional as F

FAST = settings(max_examples=15, deadline=None)

MATMUL_SHAPES = [
    ((3,), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3,)),
    ((2, 3), (3, 4)),
    ((1, 3), (3, 1)),
    ((5, 2, 3), (3, 4)),
    ((2, 3), (5, 3, 4)),
    ((5, 2, 3), (5, 3, 4)),
    ((5, 1, 2, 3), (4, 3, 2)),
    ((1, 2, 3), (4, 3, 2)),
    ((3,), (2, 3, 4)),
    ((2, 2, 3), (3,)),
]


def leaf(rng, shape, dtype=np.float64):
    return dg.tensor(np.asarray(rng.standard_normal(shape)).astype(dtype), requires_grad=True)


@pytest.mark.parametrize("shapes", MATMUL_SHAPES)
def test_matmul_gradcheck(rng, shapes):
    a, b = leaf(rng, shapes[0]), leaf(rng, shapes[1])
    y = a @ b
    assert y.shape == np.matmul(np.zeros(shapes[0]), np.zeros(shapes[1])).shape
    assert dg.gradcheck(F.matmul, a, b)


@FAST
@given(
    batch=st.lists(st.integers(1, 2), max_size=2),
    bcast=st.lists(st.booleans(), max_size=2),
    n=st.integers(1, 3),
    k=st.integers(1, 3),
    m=st.integers(1, 3),
    seed=st.integers(0, 2**16),
)
def test_matmul_batched_broadcasting_gradcheck(batch, bcast, n, k, m, seed):
    rng = np.random.default_rng(seed)
    b_batch = [1 if f else s for s, f in zip(batch, bcast)] + batch[len(bcast) :]
    a = leaf(rng, (*batch, n, k))
    b = leaf(rng, (*b_batch[1:], k, m))  # fewer leading axes on b, some of size 1
    assert dg.gradcheck(F.matmul, a, b)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shapes", MATMUL_SHAPES)
def test_matmul_matches_torch(torch, rng, shapes, dtype):
    tol = {"rtol": 1e-10} if dtype == np.float64 else {"rtol": 1e-5, "atol": 1e-5}
    a0 = rng.standard_normal(shapes[0]).astype(dtype)
    b0 = rng.standard_normal(shapes[1]).astype(dtype)
    a, b = dg.tensor(a0, requires_grad=True), dg.tensor(b0, requires_grad=True)
    ta, tb = torch.tensor(a0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    y, ty = a @ b, ta @ tb
    assert y.dtype == dtype and y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), **tol)
    g = np.asarray(rng.standard_normal(y.shape)).astype(dtype)
    y.backward(dg.tensor(g))
    ty.backward(torch.tensor(g))
    for x, t in ((a, ta), (b, tb)):
        assert x.grad.dtype == dtype and x.grad.shape == x.shape
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), **tol)


LINEAR_CASES = [((4,), True), ((5, 4), True), ((5, 4), False), ((2, 5, 4), True), ((1, 4), True)]


@pytest.mark.parametrize("case", LINEAR_CASES)
def test_linear_gradcheck(rng, case):
    shape, bias = case
    x, w = leaf(rng, shape), leaf(rng, (3, 4))
    if bias:
        b = leaf(rng, (3,))
        assert dg.gradcheck(F.linear, x, w, b)
    else:
        assert dg.gradcheck(F.linear, x, w)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", LINEAR_CASES)
def test_linear_matches_torch(torch, rng, case, dtype):
    shape, bias = case
    tol = {"rtol": 1e-10} if dtype == np.float64 else {"rtol": 1e-5, "atol": 1e-5}
    arrays = [
        rng.standard_normal(s).astype(dtype) for s in (shape, (3, 4), (3,))[: 3 if bias else 2]
    ]
    xs = [dg.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = F.linear(*xs), torch.nn.functional.linear(*ts)
    assert y.dtype == dtype and y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), **tol)
    g = rng.standard_normal(y.shape).astype(dtype)
    y.backward(dg.tensor(g))
    ty.backward(torch.tensor(g))
    for x, t in zip(xs, ts):
        assert x.grad.dtype == dtype
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), **tol)


@pytest.mark.parametrize("case", [*LINEAR_CASES, ((0, 4), True)])
def test_linear_first_order_backward_equals_the_recorded_one(rng, case):
    """The first-order backward (plain arrays, no nodes) gives the recorded backward's
    gradients (``create_graph=True``, through differentiable ops) bit for bit."""
    shape, bias = case
    arrays = [rng.standard_normal(s).astype(np.float32) for s in (shape, (3, 4), (3,))]
    gy = rng.standard_normal(shape[:-1] + (3,)).astype(np.float32)
    grads = []
    for create_graph in (False, True):
        xs = [dg.tensor(a, requires_grad=True) for a in arrays[: 3 if bias else 2]]
        y = F.linear(*xs)
        y.backward(dg.tensor(gy), create_graph=create_graph)
        grads.append([x.grad.numpy() for x in xs])
    for a, b in zip(*grads):
        np.testing.assert_array_equal(a, b)


def test_linear_only_some_inputs_need_grad(rng):
    x = dg.tensor(rng.standard_normal((5, 4)))
    w = leaf(rng, (3, 4))
    b = dg.tensor(rng.standard_normal(3))
    F.linear(x, w, b).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), np.ones((5, 3)).T @ x.numpy())
    assert b.grad is None and x.grad is None


def test_matmul_double_backward_matches_torch(torch, rng):
    a0, b0 = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    a, b = dg.tensor(a0, requires_grad=True), dg.tensor(b0, requires_grad=True)
    ta, tb = torch.tensor(a0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    (ga,) = dg.grad(((a @ b).tanh()).sum(), a, create_graph=True)
    (tga,) = torch.autograd.grad(((ta @ tb).tanh()).sum(), ta, create_graph=True)
    (ga * ga).sum().backward()
    (tga * tga).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-10)


def test_ndarray_matmul_tensor_returns_a_tensor(rng):
    arr = rng.standard_normal((2, 3))
    t = leaf(rng, (3, 4))
    y = arr @ t
    assert isinstance(y, dg.Tensor)
    np.testing.assert_allclose(y.numpy(), arr @ t.numpy())
    y.sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), arr.T @ np.ones((2, 4)))
    z = t.T @ arr.T
    assert isinstance(z, dg.Tensor) and z.shape == (4, 2)


def test_matmul_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4, 5\)"):
        dg.ones(2, 3) @ dg.ones(4, 5)
    with pytest.raises(ValueError, match=r"\(7, 2, 3\) and \(5, 4\)"):
        F.matmul(dg.ones(7, 2, 3), dg.ones(5, 4))
    with pytest.raises(ValueError, match=r"\(3,\) and \(4,\)"):
        F.matmul(dg.ones(3), dg.ones(4))
    with pytest.raises(ValueError, match=r"matmul: .*\(2, 3\).*\(\)"):
        F.matmul(dg.ones(2, 3), dg.tensor(2.0))


def test_matmul_batch_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 2, 3\) and \(3, 3, 4\)"):
        F.matmul(dg.ones(2, 2, 3), dg.ones(3, 3, 4))


def test_linear_shape_mismatch_is_clear():
    with pytest.raises(ValueError, match=r"linear: input of shape \(5, 3\).*weight of shape"):
        F.linear(dg.ones(5, 3), dg.ones(2, 4))


def test_matmul_int_tensors():
    a = dg.tensor([[1, 2], [3, 4]])
    y = a @ a
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y.numpy(), [[7, 10], [15, 22]])


def test_multi_dot_matches_pytorch_values_gradients_and_errors(torch):
    rng = np.random.default_rng(7)
    chains = [
        [rng.standard_normal(s) for s in [(3,), (3, 10), (10, 2), (2, 6), (6,)]],
        [rng.standard_normal(s) for s in [(4, 3), (3, 5), (5, 2)]],
        [rng.standard_normal(s) for s in [(2, 3), (3,)]],
        [rng.standard_normal(s) + 1j * rng.standard_normal(s) for s in [(2, 3), (3, 4), (4, 2)]],
    ]
    for arrays in chains:
        xs = [dg.tensor(a, requires_grad=True) for a in arrays]
        ts = [torch.tensor(a, requires_grad=True) for a in arrays]
        y, ty = dg.linalg.multi_dot(xs), torch.linalg.multi_dot(ts)
        assert y.shape == tuple(ty.shape)
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
        w = rng.standard_normal(y.shape)
        dg.real(y * dg.tensor(w)).sum().backward()
        torch.real(ty * torch.tensor(w)).sum().backward()
        for x, t in zip(xs, ts, strict=True):
            np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    assert dg.gradcheck(
        lambda *m: dg.linalg.multi_dot(m), *[dg.tensor(a, requires_grad=True) for a in chains[0]]
    )
    with pytest.raises(RuntimeError, match="at least 2 tensors"):
        dg.linalg.multi_dot([dg.ones(3)])
    with pytest.raises(RuntimeError, match="first tensor must be 1D or 2D but got 3D"):
        dg.linalg.multi_dot([dg.ones(2, 2, 2), dg.ones(2, 2)])
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        dg.linalg.multi_dot([dg.ones(2, 3), dg.ones(2, 2)])


def test_vecdot_matches_pytorch(torch):
    rng = np.random.default_rng(8)
    cases = [
        ((2, 3), (3,), {}),
        ((2, 3), (2, 1), {"dim": 0}),
        ((4,), (4,), {}),
    ]
    for sa, sb, kw in cases:
        for cplx in (False, True):
            a, b = rng.standard_normal(sa), rng.standard_normal(sb)
            if cplx:
                a, b = a + 1j * rng.standard_normal(sa), b + 1j * rng.standard_normal(sb)
            x, y = dg.tensor(a, requires_grad=True), dg.tensor(b, requires_grad=True)
            t, u = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
            z, tz = dg.linalg.vecdot(x, y, **kw), torch.linalg.vecdot(t, u, **kw)
            np.testing.assert_allclose(z.detach().numpy(), tz.detach().numpy(), rtol=1e-12)
            w = rng.standard_normal(z.shape)
            dg.real(z * dg.tensor(w)).sum().backward()
            torch.real(tz * torch.tensor(w)).sum().backward()
            np.testing.assert_allclose(x.grad.numpy(), t.grad.resolve_conj().numpy(), rtol=1e-12)
            np.testing.assert_allclose(y.grad.numpy(), u.grad.resolve_conj().numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError, match="floating point or complex"):
        dg.linalg.vecdot(dg.tensor([1, 2]), dg.tensor([1.0, 2.0]))


def _tensordot_dims_cases(torch):
    """(torch's dims, deepgrad's dims) for tensordot of a (2, 3, 4) and b (3, 4, 5): the valid
    forms and each form torch 2.13 refuses."""
    pairs = [
        2, 0, 1, 3, -1, 4, True, False, 1.5, "x", None, 2.0,
        ([1, 2], [0, 1]), ([1], [0]), ([-2], [0]), ([-1], [1]), ((1,), (0,)), [[1], [0]],
        ([], []), ([5], [0]), ([3], [0]), ([-4], [0]), ([1], [3]), ([1], [-4]), ([1, 1], [0, 0]),
        ([1], [0, 1]), ([1], [1]), (1, 0), (1, [0]), ([[1]], [[0]]), ([True], [False]),
        ([1.0], [0]), ([1],), ([1], [0], [2]), (range(1, 3), range(0, 2)), ({1}, {0}),
        ([np.int64(1)], [0]),
    ]  # fmt: skip
    out = [(d, d) for d in pairs]
    for t in [
        torch.tensor(2), torch.tensor([2]), torch.tensor(2.7), torch.tensor(4), torch.tensor(-1),
        torch.tensor([[1, 2], [0, 1]]), torch.tensor([1, 0]), torch.tensor([1, 2, 3]),
        torch.tensor([[1.0], [0.0]]), torch.tensor([]), torch.tensor([[1, 1], [0, 0]]),
        torch.tensor([True]), torch.tensor([[True], [False]]), torch.tensor([[3], [0]]),
    ]:  # fmt: skip
        out.append((t, dg.tensor(t.numpy())))
    for ta, tb in [(torch.tensor([1]), torch.tensor([0])), (torch.tensor(1), torch.tensor(0))]:
        out.append(((ta, tb), (dg.tensor(ta.numpy()), dg.tensor(tb.numpy()))))
    for e in [torch.tensor([1]), torch.tensor(True), torch.tensor(1.0)]:
        out.append((([e], [0]), ([dg.tensor(e.numpy())], [0])))
    return out


def test_tensordot_dims_match_torch(torch):
    """Every form of dims torch 2.13 takes gives its result; every form it refuses raises its
    class: a dim out of range is an IndexError (deepgrad wrapped 5 % ndim silently), a bare int
    for one side or a nested list a TypeError ((1, 0) was read as ([1], [0])), dims=-1, 4,
    1.5, "x" or None a RuntimeError."""
    rng = np.random.default_rng(0)
    a0, b0 = rng.standard_normal((2, 3, 4)), rng.standard_normal((3, 4, 5))
    a, b, ta, tb = dg.tensor(a0), dg.tensor(b0), torch.tensor(a0), torch.tensor(b0)
    for td, dd in _tensordot_dims_cases(torch):
        try:
            want = torch.tensordot(ta, tb, dims=td)
        except Exception as e:  # noqa: BLE001 - the class torch raises is the contract
            with pytest.raises(type(e)):
                dg.tensordot(a, b, dims=dd)
            continue
        got = dg.tensordot(a, b, dims=dd)
        assert got.shape == tuple(want.shape), td
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, err_msg=repr(td))


@pytest.mark.parametrize(
    ("sa", "sb", "dims"),
    [((), (), 0), ((), (), ([0], [0])), ((), (), ([], [])), ((), (3, 4), 0), ((), (), 1),
     ((3,), (3,), 1), ((3,), (3,), ([0], [-1])), ((3,), (3,), ([0], [1]))],
)  # fmt: skip
def test_tensordot_small_dims_match_torch(torch, sa, sb, dims):
    """0-d and 1-d operands: a 0-d tensor has no dim to contract (torch: IndexError "Dimension
    specified as 0 but tensor has no dimensions", not the wrap a 0-d dim takes elsewhere)."""
    rng = np.random.default_rng(1)
    a0, b0 = rng.standard_normal(sa), rng.standard_normal(sb)
    try:
        want = torch.tensordot(torch.tensor(a0), torch.tensor(b0), dims=dims)
    except Exception as e:  # noqa: BLE001
        with pytest.raises(type(e)):
            dg.tensordot(dg.tensor(a0), dg.tensor(b0), dims=dims)
        return
    got = dg.tensordot(dg.tensor(a0), dg.tensor(b0), dims=dims)
    assert got.shape == tuple(want.shape)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


def test_tensordot_dims_errors_name_the_valid_forms():
    a, b = dg.ones(2, 3, 4), dg.ones(3, 4, 5)
    with pytest.raises(IndexError, match=r"range of \[-3, 2\], but got 5"):
        dg.tensordot(a, b, dims=([5], [0]))
    with pytest.raises(
        TypeError, match=r"'dims_self' \(position 3\) must be tuple of ints, not int"
    ):
        dg.tensordot(a, b, dims=(1, 0))
    with pytest.raises(TypeError, match="found element of type list at pos 0"):
        dg.tensordot(a, b, dims=([[1]], [[0]]))
    with pytest.raises(
        RuntimeError, match=r"to be int or .*\(\[1, 2\], \[0, 1\]\), but got dims=1.5"
    ):
        dg.tensordot(a, b, dims=1.5)
    with pytest.raises(TypeError):  # deepgrad's earlier class for a dims of no form
        dg.tensordot(a, b, dims=None)
    with pytest.raises(RuntimeError, match="dims >= 0, but got dims=-1"):
        dg.tensordot(a, b, dims=-1)
    with pytest.raises(ValueError, match=r"at most 3 for tensors of 3 and 3 dims"):
        dg.tensordot(a, b, dims=4)
    assert dg.tensordot(a, b, dims=np.int64(2)).shape == (2, 5)  # a NumPy int is an int here


def test_addmm_addmv_addr_refuse_non_tensors_and_bad_ranks_as_torch():
    torch = pytest.importorskip("torch")
    m, v = np.ones((2, 2)), np.ones(2)
    calls = [
        ("addmm", (m, [[1.0, 0.0], [0.0, 1.0]], m), TypeError),
        ("addmm", (m, m, 3.0), TypeError),
        ("addmm", (m, v, m), RuntimeError),
        ("addmv", (v, m.tolist(), v), TypeError),
        ("addmv", (v, m, m), RuntimeError),
        ("addr", (m, v, v.tolist()), TypeError),
        ("addr", (m, m, v), RuntimeError),
    ]

    def conv(lib, a):
        if isinstance(a, np.ndarray):
            return torch.tensor(a) if lib is torch else dg.tensor(a)
        return a

    for name, args, err in calls:
        with pytest.raises(err):
            getattr(torch, name)(*[conv(torch, a) for a in args])
        with pytest.raises(err):
            getattr(dg, name)(*[conv(dg, a) for a in args])
