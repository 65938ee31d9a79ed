"""Operations PyTorch programs use that deepgrad lacked or answered differently, against
PyTorch 2.13: ``where(cond)`` alone, ``bincount``, ``unique_consecutive``, indexed writes
(``index_put``, ``index_copy``, ``masked_scatter``, ``put_``), ``view(dtype)``, ``norm('fro')``,
shifts, Python ints out of an integer dtype's range, and gradients at NaN inputs."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")


def _same(call, rtol=1e-6):
    """``call(torch)`` and ``call(dg)`` give the same shapes, dtypes and values (tuples
    element by element)."""
    t, d = call(torch), call(dg)
    ts, ds = (t, d) if isinstance(t, tuple) else ((t,), (d,))
    assert len(ds) == len(ts)
    for u, v in zip(ds, ts, strict=True):
        assert u.shape == tuple(v.shape)
        assert str(u.dtype) == str(v.dtype).removeprefix("torch.")
        np.testing.assert_allclose(u.numpy(), v.detach().numpy(), rtol=rtol, equal_nan=True)


def _grads(f, *arrays):
    """The gradients of ``f(*leaves).sum()`` in torch and in deepgrad, as NumPy pairs."""
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    ds = [dg.tensor(a, requires_grad=True) for a in arrays]
    f(torch, *ts).sum().backward()
    f(dg, *ds).sum().backward()
    return [(d.grad.numpy(), t.grad.numpy()) for d, t in zip(ds, ts, strict=True)]


# ---- where(cond) alone --------------------------------------------------------------------
@pytest.mark.parametrize(
    "cond", [[[0, 1], [2, 0]], [True, False, True], 1, 0.0, [[0.5, 0.0, -1.0]], np.zeros((2, 0))]
)
def test_where_with_one_argument_is_nonzero_as_tuple(cond):
    _same(lambda L: L.where(L.tensor(cond)))


def test_where_with_two_arguments_raises():
    with pytest.raises(TypeError):
        torch.where(torch.tensor([True]), torch.tensor([1.0]))
    with pytest.raises(TypeError, match="both"):
        dg.where(dg.tensor([True]), dg.tensor([1.0]))


# ---- bincount and unique_consecutive ------------------------------------------------------
X = [1, 1, 3, 0, 3]
W = [0.5, 0.25, 1.0, 2.0, 3.0]
BINCOUNT = {
    "plain": lambda L: L.bincount(L.tensor(X)),
    "minlength": lambda L: L.bincount(L.tensor(X), minlength=7),
    "method": lambda L: L.tensor(X).bincount(None, 2),
    "f32_weights": lambda L: L.bincount(L.tensor(X), weights=L.tensor(W)),
    "f64_weights": lambda L: L.bincount(L.tensor(X), L.tensor(W, dtype=L.float64)),
    "f16_weights": lambda L: L.bincount(L.tensor(X), L.tensor(W, dtype=L.float16)),
    "int_weights": lambda L: L.bincount(L.tensor(X), L.tensor([1, 2, 3, 4, 5], dtype=L.int8)),
    "bool_weights": lambda L: L.bincount(L.tensor(X), L.tensor([True, False, True, True, True])),
    "uint8_input": lambda L: L.bincount(L.tensor([1, 2, 2], dtype=L.uint8)),
    "int8_input": lambda L: L.bincount(L.tensor([1, 2, 2], dtype=L.int8), minlength=5),
    "empty": lambda L: L.bincount(L.tensor([], dtype=L.int64)),
    "empty_minlength": lambda L: L.bincount(L.tensor([], dtype=L.int64), minlength=3),
}


@pytest.mark.parametrize("name", sorted(BINCOUNT))
def test_bincount_matches_torch(name):
    _same(BINCOUNT[name])


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.bincount(L.tensor([-1, 2])),
        lambda L: L.bincount(L.tensor([1.0, 2.0])),
        lambda L: L.bincount(L.tensor([[1, 2]])),
        lambda L: L.bincount(L.tensor([True, False])),
        lambda L: L.bincount(L.tensor(X), minlength=-1),
        lambda L: L.bincount(L.tensor(X), L.tensor([1.0, 2.0])),
    ],
)
def test_bincount_refuses_what_torch_refuses(call):
    """PyTorch's exception class (``except RuntimeError`` catches both), and deepgrad's words
    on top (a ``ValueError``/``TypeError`` as well)."""
    with pytest.raises((RuntimeError, NotImplementedError)) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value), match="bincount"):
        call(dg)
    with pytest.raises((ValueError, TypeError)):
        call(dg)


def test_the_weights_of_bincount_get_a_gradient():
    # (PyTorch's backward raises "not implemented"; deepgrad's is dw_i = dy[x_i])
    w = dg.tensor(np.linspace(0.5, 2.0, 5), requires_grad=True)
    index = dg.tensor(X)
    assert dg.gradcheck(lambda v: dg.bincount(index, v, minlength=6), w)
    w32 = dg.tensor(W, dtype=dg.float16, requires_grad=True)
    (dg.bincount(index, w32) * dg.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    assert w32.grad.dtype == np.float16 and w32.grad.tolist() == [2.0, 2.0, 4.0, 1.0, 4.0]


Y = [1, 1, 2, 2, 3, 1, 1, 2]
Z = [[1, 1], [1, 1], [2, 3], [1, 1]]
NAN = float("nan")
UNIQUE_CONSECUTIVE = {
    "plain": lambda L: L.unique_consecutive(L.tensor(Y)),
    "all": lambda L: L.unique_consecutive(L.tensor(Y), return_inverse=True, return_counts=True),
    "counts": lambda L: L.unique_consecutive(L.tensor(Y), return_counts=True),
    "method": lambda L: L.tensor(Y).unique_consecutive(True, True, None),
    "2d_flat": lambda L: L.unique_consecutive(L.tensor(Z), True, True),
    "dim0": lambda L: L.unique_consecutive(L.tensor(Z), True, True, dim=0),
    "dim1": lambda L: L.unique_consecutive(L.tensor(Z), True, True, dim=1),
    "dim_neg": lambda L: L.tensor(Z).unique_consecutive(return_counts=True, dim=-2),
    "nan": lambda L: L.unique_consecutive(L.tensor([NAN, NAN, 1.0, 1.0]), True, True),
    "empty": lambda L: L.unique_consecutive(L.tensor([], dtype=L.int64), True, True),
    "0d": lambda L: L.unique_consecutive(L.tensor(5), True, True),
    "empty_dim0": lambda L: L.unique_consecutive(L.zeros(0, 3), True, True, dim=0),
    "empty_dim1": lambda L: L.unique_consecutive(L.zeros(2, 0), True, True, dim=1),
    "floats": lambda L: L.unique_consecutive(L.tensor([0.5, 0.5, -1.0, 0.5])),
}


@pytest.mark.parametrize("name", sorted(UNIQUE_CONSECUTIVE))
def test_unique_consecutive_matches_torch(name):
    _same(UNIQUE_CONSECUTIVE[name])


def test_unique_consecutive_refuses_what_torch_refuses():
    for L in (torch, dg):
        with pytest.raises((RuntimeError, ValueError)):
            L.unique_consecutive(L.zeros(2, 0), dim=0)
        with pytest.raises(IndexError):
            L.unique_consecutive(L.zeros(2, 3), dim=2)


# ---- indexed writes: index_put, index_copy, masked_scatter, put ---------------------------
R = np.arange(12, dtype=np.float32).reshape(3, 4) / 4 - 1
ROW_MASK = [[True, False, True, False]]
WRITES = {
    "index_put_rows": lambda L, x: x.index_put((L.tensor([0, 2]),), L.tensor([1.0, 2, 3, 4])),
    "index_put_pairs": lambda L, x: x.index_put(
        (L.tensor([0, 2, -1]), L.tensor([1, 3, 0])), L.tensor([5.0, 6, 7])
    ),
    "index_put_broadcast_value": lambda L, x: L.index_put(x, (L.tensor([1]),), L.tensor(9.0)),
    "index_put_accumulate": lambda L, x: x.index_put(
        (L.tensor([0, 0, 2]), L.tensor([1, 1, 1])), L.tensor([1.0, 2, 3]), accumulate=True
    ),
    "index_put_accumulate_rows": lambda L, x: x.index_put(
        [L.tensor([0, 0])], L.tensor(5.0), accumulate=True
    ),
    "index_put_mask": lambda L, x: x.index_put((L.tensor(ROW_MASK * 3),), L.tensor(5.0)),
    "index_put_row_mask": lambda L, x: x.index_put((L.tensor([True, False, True]),), x[0]),
    "index_copy_dim1": lambda L, x: x.index_copy(1, L.tensor([3, 0]), L.ones(3, 2)),
    "index_copy_dim0": lambda L, x: L.index_copy(x, 0, L.tensor([1]), L.ones(1, 4)),
    "index_copy_neg_dim": lambda L, x: x.index_copy(-1, L.tensor([2]), L.zeros(3, 1)),
    "masked_scatter": lambda L, x: x.masked_scatter(L.tensor(ROW_MASK), L.arange(10.0)),
    "masked_scatter_broadcasts": lambda L, x: L.zeros(4).masked_scatter(
        L.tensor([[True, False, True, False], [False, False, False, True]]), L.arange(10.0)
    ),
    "put": lambda L, x: x.put(L.tensor([[0, 5], [7, -1]]), L.tensor([1.0, 2, 3, 4])),
    "put_accumulate": lambda L, x: L.put(x, L.tensor([0, 5, 5, -1]), L.ones(4), True),
}


@pytest.mark.parametrize("name", sorted(WRITES))
def test_indexed_writes_match_torch(name):
    _same(lambda L: WRITES[name](L, L.tensor(R)))


def test_indexed_writes_of_integers_and_0d():
    _same(lambda L: L.tensor([1, 2, 3]).index_put((L.tensor([1]),), L.tensor(-7)))
    _same(lambda L: L.zeros(()).index_copy(0, L.tensor([0]), L.tensor(3.0)))
    _same(lambda L: L.zeros(()).index_copy(0, L.tensor([0]), L.tensor([3.0])))
    _same(lambda L: L.tensor([[1, 2], [3, 4]]).put(L.tensor([3]), L.tensor([9]), True))


SOURCE = np.linspace(-1, 1, 10)
GRADS = {
    "index_put": lambda L, x, v: x.index_put((L.tensor([0, 2]),), v[:4]),
    "index_put_pairs": lambda L, x, v: x.index_put((L.tensor([0, 2]), L.tensor([1, 3])), v[:2]),
    "index_put_broadcast": lambda L, x, v: x.index_put((L.tensor([1]), L.tensor([0, 3])), v[0]),
    "index_put_accumulate": lambda L, x, v: x.index_put(
        (L.tensor([0, 0, 2]), L.tensor([1, 1, 1])), v[:3], accumulate=True
    ),
    "index_put_mask": lambda L, x, v: x.index_put((L.tensor(ROW_MASK * 3),), v[:6]),
    "index_copy": lambda L, x, v: x.index_copy(1, L.tensor([3, 0]), v[:6].reshape(3, 2)),
    "masked_scatter": lambda L, x, v: x.masked_scatter(L.tensor(ROW_MASK), v),
    "put": lambda L, x, v: x.put(L.tensor([0, 5, 11]), v[:3]),
    "put_accumulate": lambda L, x, v: x.put(L.tensor([0, 5, 5]), v[:3], accumulate=True),
}


@pytest.mark.parametrize("name", sorted(GRADS))
def test_indexed_writes_gradients_match_torch(name):
    weights = np.arange(12.0).reshape(3, 4)  # so that every output element counts differently
    f = GRADS[name]
    for d, t in _grads(
        lambda L, x, v: f(L, x, v) * L.tensor(weights), R.astype(np.float64), SOURCE
    ):
        np.testing.assert_allclose(d, t, rtol=1e-12)
    x = dg.tensor(R.astype(np.float64), requires_grad=True)
    v = dg.tensor(SOURCE, requires_grad=True)
    assert dg.gradcheck(lambda a, b: f(dg, a, b), x, v)


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.zeros(3).index_put((L.tensor([0]),), L.tensor(1.0, dtype=L.float64)),
        lambda L: L.zeros(3, 4).index_copy(1, L.tensor([3, 0]), L.ones(3, 3)),
        lambda L: L.zeros(3, 4).index_copy(1, L.tensor([0]), L.ones(3, 1, dtype=L.float64)),
        lambda L: L.zeros(4).masked_scatter(L.tensor([True, True]).repeat(2), L.ones(3)),
        lambda L: L.zeros(4).masked_scatter(L.tensor([1, 0, 1, 0]), L.ones(4)),
        lambda L: L.zeros(2, 3).put(L.tensor([0, 5]), L.ones(3)),
        lambda L: L.zeros(2, 3).put(L.tensor([0, 6]), L.ones(2)),
        lambda L: L.zeros(2, 3).put(L.tensor([0, 5]), L.ones(2, dtype=L.float64)),
    ],
)
def test_indexed_writes_refuse_what_torch_refuses(call):
    with pytest.raises((RuntimeError, IndexError)):
        call(torch)
    with pytest.raises((ValueError, TypeError, IndexError)):
        call(dg)


IN_PLACE = {
    "index_put_": lambda L, x: x.index_put_((L.tensor([0, 2]),), L.tensor([1.0, 2, 3, 4])),
    "index_put_accumulate": lambda L, x: x.index_put_(
        (L.tensor([0, 0]),), L.tensor(1.0), accumulate=True
    ),
    "index_copy_": lambda L, x: x.index_copy_(1, L.tensor([3, 0]), L.ones(3, 2)),
    "masked_scatter_": lambda L, x: x.masked_scatter_(L.tensor(ROW_MASK), L.arange(10.0)),
    "put_": lambda L, x: x.put_(L.tensor([0, -1]), L.tensor([7.0, 8.0]), accumulate=True),
}


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_in_place_indexed_writes_write_into_the_tensor_and_return_it(name):
    for L in (torch, dg):
        x = L.tensor(R)
        assert IN_PLACE[name](L, x) is x
    t, d = torch.tensor(R), dg.tensor(R)
    IN_PLACE[name](torch, t), IN_PLACE[name](dg, d)
    np.testing.assert_array_equal(d.numpy(), t.numpy())
    x = dg.tensor(R)
    view = x[1:]
    IN_PLACE[name](dg, x)
    np.testing.assert_array_equal(view.numpy(), x.numpy()[1:])  # the same memory


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_in_place_indexed_writes_refuse_a_leaf_and_record_into_a_graph_tensor(name):
    # a leaf that requires grad refuses, as PyTorch's; under no_grad they write; into a
    # tensor in the graph they are recorded (tests/tensor/test_inplace_recorded.py)
    x = dg.tensor(R, requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place"):
        IN_PLACE[name](dg, x)
    grads = []
    for L in (dg, torch):
        leaf = L.tensor(R, requires_grad=True)
        y = leaf * 2
        assert IN_PLACE[name](L, y) is y
        (y * y).sum().backward()
        grads.append(leaf.grad.numpy())
    np.testing.assert_array_equal(*grads)
    with dg.no_grad():
        IN_PLACE[name](dg, x)
    assert not np.array_equal(x.numpy(), R)


def test_masked_scatter_in_place_cannot_broadcast_the_tensor():
    with pytest.raises(RuntimeError):
        torch.zeros(4).masked_scatter_(torch.tensor([[True] * 4] * 2), torch.ones(8))
    with pytest.raises(RuntimeError, match="shape"):
        dg.zeros(4).masked_scatter_(dg.tensor([[True] * 4] * 2), dg.ones(8))


# ---- a Python int out of an integer tensor's range wraps, as PyTorch casts it -------------
@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "int32", "int64"])
@pytest.mark.parametrize(
    "call",
    [
        lambda t: t + 300,
        lambda t: 300 + t,
        lambda t: t - 300,
        lambda t: t * 200,
        lambda t: t + (-1),
        lambda t: t - 256,
        lambda t: t + 2**63,
        lambda t: t + 2**63 + 5,
        lambda t: t + 2**40,
        lambda t: t.add(300),
        lambda t: t // 300,
        lambda t: t == 300,
        lambda t: t < 300,
        lambda t: t > -1,
        lambda t: t == 261,
        lambda t: t.eq(300),
        lambda t: t < 2**63,
    ],
)
def test_a_python_int_out_of_range_wraps_as_torch(dtype, call):
    _same(lambda L: call(L.tensor([5, 44, 100], dtype=getattr(L, dtype))))


def test_a_python_int_beyond_64_bits_is_refused_as_torch():
    with pytest.raises(OverflowError):
        torch.tensor([1], dtype=torch.int8) + 2**64
    with pytest.raises(OverflowError):
        dg.tensor([1], dtype=dg.int8) + 2**64


# ---- view(dtype): the same bytes read as another dtype ------------------------------------
F2 = [[1.0, 2.0], [3.0, -4.5]]


@pytest.mark.parametrize("dtype", ["int32", "float32", "float16", "float64", "int16", "uint8"])
def test_view_as_a_dtype_matches_torch(dtype):
    _same(lambda L: L.tensor(F2).view(getattr(L, dtype)))


def test_view_as_a_dtype_shares_memory_and_records_nothing():
    _same(lambda L: L.tensor(F2).t().view(L.int32))
    _same(lambda L: L.tensor(1.0).view(L.int32))
    _same(lambda L: L.tensor([True, False]).view(L.uint8))
    y = dg.tensor([1.0, 2.0])
    y.view(dg.int32)[0] = 0
    assert y.tolist() == [0.0, 2.0]
    assert not dg.tensor(F2, requires_grad=True).view(dg.int32).requires_grad


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.tensor(F2).t().view(L.float64),
        lambda L: L.tensor([1.0, 2.0, 3.0]).view(L.float64),
        lambda L: L.tensor(1.0).view(L.float64),
        lambda L: L.tensor(1.0).view(L.int16),
    ],
)
def test_view_as_a_dtype_refuses_what_torch_refuses(call):
    for L in (torch, dg):
        with pytest.raises(RuntimeError):
            call(L)


# ---- shifts --------------------------------------------------------------------------------
SHIFTS = {
    "lshift": lambda L: L.tensor([[1, 2]]) << 2,
    "rlshift": lambda L: 3 << L.tensor([1, 2]),
    "rshift_int8_negative": lambda L: L.tensor([-8, 8, -1], dtype=L.int8) >> 1,
    "lshift_int8_wraps": lambda L: L.tensor([1, 2], dtype=L.int8) << 7,
    "lshift_by_width": lambda L: L.tensor([1, 2]) << 64,
    "lshift_negative": lambda L: L.tensor([1, 2]) << -1,
    "rshift_by_more": lambda L: L.tensor([-1, 2]) >> 70,
    "rshift_tensor_shifts": lambda L: L.tensor([-4, 4, -4]) >> L.tensor([-1, -1, 64]),
    "lshift_tensor_shifts": lambda L: L.tensor([-4, 4, 3]) << L.tensor([-1, 63, 2]),
    "uint8_by_int64": lambda L: L.tensor([1, 2], dtype=L.uint8) << L.tensor([1, 2]),
    "uint8_rshift_out": lambda L: L.tensor([200, 3], dtype=L.uint8) >> 9,
    "bool_by_int": lambda L: L.tensor([True]) << 1,
    "function_left": lambda L: L.bitwise_left_shift(L.tensor([1, 2]), 3),
    "function_right": lambda L: L.bitwise_right_shift(5, L.tensor([1, 2])),
    "method": lambda L: L.tensor([1, 2], dtype=L.int16).bitwise_left_shift(L.tensor(3)),
    "rrshift": lambda L: 64 >> L.tensor([1, 2, 3]),
}


@pytest.mark.parametrize("name", sorted(SHIFTS))
def test_shifts_match_torch(name):
    _same(SHIFTS[name])


def test_shifts_of_floats_are_refused():
    with pytest.raises(NotImplementedError):
        torch.tensor([1.0]) << 1
    with pytest.raises(TypeError, match="integer"):
        dg.tensor([1.0]) << 1


# ---- gradients at NaN, and norm's string forms, as PyTorch's ------------------------------------
_NAN = float("nan")


@pytest.mark.parametrize(
    "name, f, vals",
    [
        ("max", lambda L, x: x.max(), [[1.0, _NAN, 3.0]]),
        ("max two NaNs", lambda L, x: x.max(), [[_NAN, 1.0, _NAN]]),
        ("min", lambda L, x: x.min(), [[1.0, _NAN, 3.0]]),
        ("max dim", lambda L, x: x.max(1)[0], [[[1.0, _NAN, 3.0], [4.0, 5.0, 6.0]]]),
        ("amax", lambda L, x: x.amax(1), [[[1.0, _NAN, 3.0], [4.0, 6.0, 6.0]]]),
        (
            "maximum",
            lambda L, x, y: L.maximum(x, y),
            [[1.0, _NAN, 2.0, 3.0], [2.0, 2.0, 2.0, _NAN]],
        ),
        (
            "minimum",
            lambda L, x, y: L.minimum(x, y),
            [[1.0, _NAN, 2.0, 3.0], [2.0, 2.0, 2.0, _NAN]],
        ),
        ("abs", lambda L, x: x.abs(), [[_NAN, -2.0, 0.0, 3.0]]),
        ("relu", lambda L, x: L.relu(x), [[_NAN, 2.0, -1.0, 0.0]]),
        ("relu 2-d", lambda L, x: L.relu(x), [[[_NAN, 2.0], [-1.0, -0.0]]]),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_gradients_at_nan_inputs_are_torchs(name, f, vals, torch):
    grads = []
    for lib in (dg, torch):
        ts = [lib.tensor(v, dtype=lib.float64, requires_grad=True) for v in vals]
        f(lib, *ts).sum().backward()
        grads.append([t.grad.numpy() for t in ts])
    for got, want in zip(*grads, strict=True):
        np.testing.assert_array_equal(got, want)


def test_norm_fro_and_nuc_as_torchs(torch):
    a = np.random.default_rng(3).normal(size=(3, 4, 5))
    for p, dim in (("fro", None), ("fro", (0, 1)), ("fro", 2), ("nuc", (1, 2))):
        x, xt = dg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        y, yt = x.norm(p=p, dim=dim), torch.norm(xt, p=p, dim=dim)
        np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-10)
        y.sum().backward()
        yt.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-8, atol=1e-12)
    m = dg.tensor(a[0])
    assert m.norm("nuc").item() == pytest.approx(torch.tensor(a[0]).norm("nuc").item())
    with pytest.raises(ValueError, match="'nuc' needs a 2-d tensor or two dims"):
        dg.tensor(a).norm("nuc")
    with pytest.raises(TypeError, match="p must be a number, 'fro' or 'nuc'"):
        m.norm("max")
