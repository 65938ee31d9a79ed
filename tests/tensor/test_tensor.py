"""The Tensor: creation functions, attributes, conversion, repr, operators, a dtype sweep
through every function, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.functional as F


# ---- creation -------------------------------------------------------------------------------
def test_tensor_from_python_data():
    assert dg.tensor(1.5).dtype == np.float32 and dg.tensor(1.5).shape == ()
    assert dg.tensor(3).dtype == np.int64
    assert dg.tensor(True).dtype == np.bool_
    assert dg.tensor([[1.0, 2.0], [3.0, 4.0]]).shape == (2, 2)
    assert dg.tensor([1, 2]).dtype == np.int64
    assert dg.tensor([1.0, 2], dtype=np.float64).dtype == np.float64
    assert dg.tensor([1, 2], dtype="float32").dtype == np.float32


def test_tensor_from_arrays_keeps_dtype_and_copies():
    a = np.arange(3, dtype=np.float64)
    t = dg.tensor(a)
    assert t.dtype == np.float64
    a[0] = 99
    assert t.numpy()[0] == 0  # a copy
    u = dg.tensor(t)
    u.data[1] = 7
    assert t.numpy()[1] == 1
    assert dg.tensor(np.uint8(3)).dtype == np.uint8
    assert dg.tensor(np.array([1, 2], np.int32)).dtype == np.int32


def test_as_tensor_does_not_copy():
    t = dg.tensor([1.0, 2.0])
    assert dg.as_tensor(t) is t
    assert dg.as_tensor(t, dtype=np.float64).dtype == np.float64


def test_bad_data():
    with pytest.raises(ValueError, match="ragged"):
        dg.tensor([[1.0, 2.0], [3.0]])
    with pytest.raises(TypeError, match="cannot make a tensor"):
        dg.tensor({"a": 1})


@pytest.mark.parametrize(
    "make, shape, dtype, value",
    [
        (lambda: dg.zeros(2, 3), (2, 3), np.float32, 0.0),
        (lambda: dg.zeros((2, 3)), (2, 3), np.float32, 0.0),
        (lambda: dg.ones(4, dtype=np.float64), (4,), np.float64, 1.0),
        (lambda: dg.ones([2, 2]), (2, 2), np.float32, 1.0),
        (lambda: dg.full((2, 2), 7.0), (2, 2), np.float32, 7.0),
        (lambda: dg.full(3, 2, dtype=np.int64), (3,), np.int64, 2),
        (lambda: dg.zeros(()), (), np.float32, 0.0),
    ],
)
def test_constant_creation(make, shape, dtype, value):
    t = make()
    assert t.shape == shape and t.dtype == dtype
    assert np.all(t.numpy() == value)
    assert not t.requires_grad and t.grad is None and t.is_leaf


def test_arange_and_eye():
    assert dg.arange(5).dtype == np.int64
    np.testing.assert_array_equal(dg.arange(5).numpy(), np.arange(5))
    np.testing.assert_array_equal(dg.arange(1, 7, 2).numpy(), [1, 3, 5])
    a = dg.arange(0, 1, 0.25)
    assert a.dtype == np.float32
    np.testing.assert_allclose(a.numpy(), [0, 0.25, 0.5, 0.75])
    assert dg.arange(3, dtype=np.float64).dtype == np.float64
    np.testing.assert_array_equal(dg.eye(3).numpy(), np.eye(3))
    assert dg.eye(2, 3).shape == (2, 3) and dg.eye(2).dtype == np.float32


def test_random_creation():
    r = dg.rand(1000)
    assert r.dtype == np.float32 and r.shape == (1000,)
    assert 0 <= r.numpy().min() and r.numpy().max() < 1
    n = dg.randn(2000, dtype=np.float64)
    assert n.dtype == np.float64
    assert abs(n.numpy().mean()) < 0.1 and abs(n.numpy().std() - 1) < 0.1
    i = dg.randint(3, 6, (100,))
    assert i.dtype == np.int64 and set(i.numpy().tolist()) == {3, 4, 5}
    assert dg.randint(0, 2, 4).shape == (4,)
    w = dg.randn(2, 3, requires_grad=True)
    assert w.requires_grad


def test_like_functions():
    x = dg.tensor(np.zeros((2, 3), np.float64))
    for fn in (dg.zeros_like, dg.ones_like, dg.rand_like, dg.randn_like):
        y = fn(x)
        assert y.shape == (2, 3) and y.dtype == np.float64
        assert fn(x, dtype=np.float32).dtype == np.float32
    np.testing.assert_array_equal(dg.ones_like(x).numpy(), 1.0)
    np.testing.assert_array_equal(dg.full_like(x, 3.0).numpy(), 3.0)
    assert dg.zeros_like(x, requires_grad=True).requires_grad


def test_manual_seed_gives_the_same_randn_and_linear_init():
    dg.manual_seed(7)
    a, la = dg.randn(3, 4).numpy(), dg.nn.Linear(5, 2)
    dg.manual_seed(7)
    b, lb = dg.randn(3, 4).numpy(), dg.nn.Linear(5, 2)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(la.weight.numpy(), lb.weight.numpy())
    np.testing.assert_array_equal(la.bias.numpy(), lb.bias.numpy())


# ---- attributes and conversion ------------------------------------------------------------
def test_attributes():
    t = dg.tensor(np.zeros((2, 3, 4), np.float32), requires_grad=True)
    assert (
        t.shape == (2, 3, 4)
        and t.ndim == 3
        and t.size() == (2, 3, 4)
        and t.size(-1) == 4
        and t.numel() == 24
    )
    assert t.dtype == np.float32 and t.requires_grad and t.grad is None
    assert t.is_leaf and t.grad_fn is None
    y = t * 2
    assert not y.is_leaf and y.grad_fn is not None and y.requires_grad
    assert "Mul" in repr(y.grad_fn)


@pytest.mark.numpy_only("CPU tensors' printing and memory shared with .numpy()")
def test_numpy_item_tolist():
    t = dg.tensor([[1.0, 2.0]])
    a = t.numpy()
    assert isinstance(a, np.ndarray)
    a[0, 0] = 5.0
    assert t.numpy()[0, 0] == 5.0  # shares memory
    assert dg.tensor(2.5).item() == 2.5 and isinstance(dg.tensor(2.5).item(), float)
    assert dg.tensor([3]).item() == 3 and isinstance(dg.tensor([3]).item(), int)
    with pytest.raises(ValueError, match=r"one element.*\(1, 2\)"):
        t.item()
    assert t.tolist() == [[5.0, 2.0]]
    assert float(dg.tensor(1.5)) == 1.5 and int(dg.tensor(2)) == 2
    assert [10, 20, 30][dg.tensor(1)] == 20
    with pytest.raises(TypeError):
        [1, 2][dg.tensor(1.0)]


def test_bool_of_tensors():
    assert bool(dg.tensor(1.0)) and not bool(dg.tensor([0.0]))
    with pytest.raises(ValueError, match="ambiguous"):
        bool(dg.ones(2))


def test_detach_shares_data_and_cuts_the_graph():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert d._data is y._data
    (d * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 6.0])


def test_astype_and_casts():
    x = dg.tensor([1.5, 2.5], requires_grad=True)
    y = x.astype(np.float64)
    assert y.dtype == np.float64 and y.requires_grad
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 5.0])
    assert x.astype(np.float32) is x
    i = x.astype(np.int64)
    assert i.dtype == np.int64 and not i.requires_grad
    assert x.double().dtype == np.float64 and x.long().dtype == np.int64
    assert dg.tensor([1, 2]).float().dtype == np.float32
    z = dg.tensor([1.5, 2.5], dtype=np.float64, requires_grad=True)
    (g,) = dg.grad((z.astype(np.float32) ** 2).sum(), z)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g.numpy(), [3.0, 5.0])


@pytest.mark.numpy_only("CPU tensors' printing and memory shared with .numpy()")
def test_repr():
    assert repr(dg.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(dg.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(dg.tensor([1.0], dtype=np.float64)) == "tensor([1.], dtype=float64)"
    assert repr(dg.tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    x = dg.tensor([1.0], requires_grad=True)
    assert repr(x * 2) == "tensor([2.], grad_fn=<Mul>)"
    assert repr(dg.zeros(2, 2)) == "tensor([[0., 0.],\n        [0., 0.]])"  # rows, as PyTorch


def test_requires_grad_on_int_tensor_is_refused():
    with pytest.raises(TypeError, match="floating point.*int64"):
        dg.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="floating point"):
        dg.tensor([1, 2]).requires_grad_()
    with pytest.raises(TypeError, match="floating point"):
        dg.zeros(2, dtype=np.int64, requires_grad=True)


def test_requires_grad_():
    x = dg.tensor([1.0, 2.0])
    assert x.requires_grad_() is x and x.requires_grad
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])
    x.requires_grad_(False)
    assert not (x * x).requires_grad
    y = dg.tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)
    x.zero_grad()
    assert x.grad is None


def test_hash_and_identity():
    a, b = dg.tensor([1.0]), dg.tensor([1.0])
    assert len({a, b}) == 2
    assert {a: 1}[a] == 1


# ---- operators --------------------------------------------------------------------------------
def test_operators_call_functions():
    a = dg.tensor(np.array([[1.0, 2.0], [3.0, 4.0]]))
    b = dg.tensor(np.array([0.5, 2.0]))
    pairs = [
        (a + b, F.add(a, b)),
        (a - b, F.sub(a, b)),
        (a * b, F.mul(a, b)),
        (a / b, F.div(a, b)),
        (a**b, F.pow(a, b)),
        (a @ b, F.matmul(a, b)),
        (-a, F.neg(a)),
        (+a, a),
        (abs(-a), a),
        (a.T, F.permute(a, (1, 0))),
    ]
    for got, expected in pairs:
        np.testing.assert_array_equal(got.numpy(), expected.numpy())


def test_methods_call_functions(rng):
    a = dg.tensor(rng.uniform(0.5, 2.0, (2, 3)))
    for name in ("exp", "log", "sqrt", "abs", "relu", "sigmoid", "tanh"):
        np.testing.assert_array_equal(getattr(a, name)().numpy(), getattr(F, name)(a).numpy())
    np.testing.assert_array_equal(a.clip(0.7, 1.2).numpy(), F.clip(a, 0.7, 1.2).numpy())
    np.testing.assert_array_equal(a.matmul(a.T).numpy(), (a @ a.T).numpy())
    assert a.swapaxes(0, 1).shape == (3, 2) and a.broadcast_to((4, 2, 3)).shape == (4, 2, 3)


# ---- dtype sweep: float32 stays float32 through every function ---------------------------------
SWEEP = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / (y * y + 1.0),
    "neg": lambda x, y: -x,
    "pow": lambda x, y: (x * x + 1.0) ** y,
    "pow_scalar": lambda x, y: x**3 + x**2 + (x * x + 1.0) ** 0.5,
    "rpow": lambda x, y: 2.0**x,
    "exp": lambda x, y: F.exp(x),
    "log": lambda x, y: F.log(x * x + 1.0),
    "sqrt": lambda x, y: F.sqrt(x * x + 1.0),
    "abs": lambda x, y: F.abs(x),
    "maximum": lambda x, y: F.maximum(x, y),
    "minimum": lambda x, y: F.minimum(x, 0.0),
    "clip": lambda x, y: F.clip(x, -0.5, 0.5),
    "where": lambda x, y: F.where(x.data > 0, x, y),
    "sum": lambda x, y: F.sum(x, 1),
    "mean": lambda x, y: F.mean(x, (0, 1)),
    "max": lambda x, y: F.max(x, -1).values,
    "min": lambda x, y: F.min(x),
    "var": lambda x, y: F.var(x, 0),
    "std": lambda x, y: F.std(x, 1, keepdims=True),
    "logsumexp": lambda x, y: F.logsumexp(x, -1),
    "reshape": lambda x, y: F.reshape(x, (-1,)),
    "transpose": lambda x, y: F.transpose(x, 0, 1),
    "permute": lambda x, y: F.permute(x, (1, 0)),
    "swapaxes": lambda x, y: F.swapaxes(x, 0, 1),
    "broadcast_to": lambda x, y: F.broadcast_to(x, (2, 3, 4)),
    "expand": lambda x, y: F.broadcast_to(x[:, :1], (3, 4)),
    "squeeze": lambda x, y: F.squeeze(x[:1]),
    "unsqueeze": lambda x, y: F.unsqueeze(x, 1),
    "concat": lambda x, y: F.concat([x, y], 0),
    "stack": lambda x, y: F.stack([x, y], -1),
    "split": lambda x, y: F.split(x, 2, 1)[1],
    "getitem": lambda x, y: x[[0, 0, 2], 1:],
    "getitem_mask": lambda x, y: x[x.data > 0],
    "pad": lambda x, y: F.pad(x, 1),
    "flatten": lambda x, y: F.flatten(x),
    "matmul": lambda x, y: x @ y.T,
    "matmul_1d": lambda x, y: x[0] @ y[0],
    "linear": lambda x, y: F.linear(x, y, y[0, :3]),
    "relu": lambda x, y: F.relu(x),
    "leaky_relu": lambda x, y: F.leaky_relu(x, 0.1),
    "elu": lambda x, y: F.elu(x),
    "gelu": lambda x, y: F.gelu(x),
    "gelu_tanh": lambda x, y: F.gelu(x, approximate="tanh"),
    "sigmoid": lambda x, y: F.sigmoid(x),
    "tanh": lambda x, y: F.tanh(x),
    "softmax": lambda x, y: F.softmax(x, -1),
    "log_softmax": lambda x, y: F.log_softmax(x, 0),
    "softplus": lambda x, y: F.softplus(x),
    "erf": lambda x, y: F.erf(x),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(SWEEP))
def test_dtype_is_preserved_through_every_function(rng, name, dtype):
    x = dg.tensor(rng.standard_normal((3, 4)).astype(dtype), requires_grad=True)
    y = dg.tensor(rng.standard_normal((3, 4)).astype(dtype), requires_grad=True)
    out = SWEEP[name](x, y)
    assert out.dtype == dtype, f"{name}: output {out.dtype}"
    # first and second order: gradients (and gradients of gradients) keep the dtype
    gx = dg.grad((out * out).sum(), [x, y], create_graph=True, allow_unused=True)
    for g in gx:
        assert g is None or g.dtype == dtype, f"{name}: gradient {g.dtype}"
    total = sum((g * g).sum() for g in gx if g is not None and g.requires_grad)
    if isinstance(total, dg.Tensor):
        total.backward()
        for t in (x, y):
            assert t.grad is None or t.grad.dtype == dtype, f"{name}: 2nd order {t.grad.dtype}"


# ---- clear errors -------------------------------------------------------------------------------
def test_backward_on_non_scalar_without_grad_says_so():
    x = dg.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"scalar outputs.*shape \(2, 3\).*backward\(gradient="):
        (x * 2).backward()


def test_backward_with_a_grad_of_the_wrong_shape():
    x = dg.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"gradient of shape \(3,\).*shape \(2, 3\)"):
        (x * 2).backward(dg.ones(3))


def test_backward_on_a_tensor_that_does_not_require_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        dg.ones(1).backward()


def test_backward_with_an_array_grad():
    x = dg.ones(2, requires_grad=True)
    (x * 3).backward(np.array([1.0, 2.0], np.float32))
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 6.0])
    assert x.grad.dtype == np.float32


def test_reshape_error_and_bad_axis():
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(5,\)"):
        dg.ones(2, 3).reshape(5)
    with pytest.raises(ValueError, match="dim 3 is out of range for a tensor with 2 dims"):
        dg.ones(2, 3).sum(axis=3)
    with pytest.raises(ValueError, match="dim -3"):
        dg.ones(2, 3).mean(axis=-3)


def test_legacy_tensor_sizes_constructor():
    """``torch.Tensor(6, 4)`` (``nn.Parameter(torch.Tensor(out, in))`` before an init) is a
    tensor of that shape in the default dtype; deepgrad fills it with zeros."""
    t = dg.Tensor(6, 4)
    assert t.shape == (6, 4) and t.dtype == dg.get_default_dtype() and not t.requires_grad
    assert dg.Tensor(2, 3, 4, 5).shape == (2, 3, 4, 5)
    assert float(dg.Tensor(2, 3).abs().sum()) == 0.0
    p = dg.nn.Parameter(dg.Tensor(3, 2))
    assert p.requires_grad and p.shape == (3, 2)
    previous = dg.get_default_dtype()
    try:
        dg.set_default_dtype(dg.float64)
        assert dg.Tensor(2, 2).dtype == dg.float64
    finally:
        dg.set_default_dtype(previous)
    with pytest.raises(TypeError, match="non-negative ints"):
        dg.Tensor(2, -1)
    # data keeps its meaning
    assert dg.Tensor([1.0, 2.0], True).requires_grad


@pytest.mark.parametrize("default", ["float32", "float64"])
def test_legacy_tensor_data_constructor_default_dtype(default):
    """``torch.Tensor(data)`` gives the default float dtype whatever the data's dtype (a bool
    mask, ints, a float array of the other width), as PyTorch's legacy constructor: CleanRL's
    ``next_done = torch.Tensor(np.logical_or(term, trunc))`` then ``1.0 - next_done``. A
    tensor is taken as it is; an explicit ``dtype=`` (deepgrad's) is kept."""
    torch = pytest.importorskip("torch")
    datas = [
        np.array([True, False]),
        np.array([1, 2]),
        np.array([3, 4], dtype=np.uint8),
        np.array([1.5, 2.5], dtype=np.float32),
        np.array([1.5, 2.5], dtype=np.float64),
        [1, 2],
        [True, False],
        [[0.5, 1.0]],
    ]
    before_t, before_d = torch.get_default_dtype(), dg.get_default_dtype()
    try:
        torch.set_default_dtype(getattr(torch, default))
        dg.set_default_dtype(getattr(dg, default))
        for data in datas:
            ours, theirs = dg.Tensor(data), torch.Tensor(data)
            assert ours.dtype == np.dtype(default) == np.dtype(str(theirs.dtype)[6:]), data
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert (1.0 - dg.Tensor(np.array([True, False]))).tolist() == [0.0, 1.0]
        for t in (dg.tensor([1, 2]), dg.tensor([True]), dg.tensor([1.0], dtype=dg.float16)):
            assert dg.Tensor(t).dtype == t.dtype  # torch.Tensor(t) is t
        assert dg.Tensor(np.array([1, 2]), dtype=dg.int64).dtype == dg.int64
        assert dg.nn.Parameter(dg.tensor([1.0], dtype=dg.float16)).dtype == dg.float16
    finally:
        torch.set_default_dtype(before_t)
        dg.set_default_dtype(before_d)


# ---- std/var methods: PyTorch's overloads, the arguments passed on as they came ------------
_STD_VAR_CALLS = [
    ((), {}),
    ((True,), {}),  # the unbiased-only overload, positional
    ((False,), {}),
    ((0, True), {}),  # (dim, unbiased)
    ((0, False, True), {}),
    ((1,), {"keepdim": True}),
    ((), {"dim": 0, "unbiased": False}),
    ((), {"unbiased": False}),
    ((None,), {"unbiased": True, "keepdim": True}),
    ((), {"dim": None, "unbiased": False, "keepdim": True}),
    ((), {"keepdim": True, "correction": 0}),
    ((), {"axis": 0}),
    ((), {"dim": True}),  # a bool dim by keyword: TypeError (it was x.std(True))
    ((), {"dim": False}),
    ((), {"axis": True}),
    ((0, True), {}),
    ((True,), {"keepdim": True}),
    ((True, True), {}),
    ((True,), {"unbiased": False}),
    ((True,), {"correction": 0}),
    ((), {"dim": True, "unbiased": False}),
    ((), {"unbiased": True, "keepdim": True}),  # no overload has unbiased, keepdim, no dim
    ((), {"unbiased": False, "keepdim": False}),
    ((0,), {"unbiased": True, "correction": None}),  # two names for one argument
    ((0, True), {"correction": 1}),
]


@pytest.mark.parametrize("name", ["std", "var"])
@pytest.mark.parametrize(("args", "kw"), _STD_VAR_CALLS, ids=str)
def test_std_var_methods_match_torch_overloads(torch, name, args, kw):
    """``x.std(dim=True)`` is torch 2.13's TypeError, ``x.std(True)`` its unbiased-only
    overload: Tensor.std/var pass their arguments to the functions as they came (they passed
    dim positionally, so ``dim=True`` was read as ``x.std(True)``)."""
    x = np.arange(6.0).reshape(2, 3) ** 1.3
    try:
        want = getattr(torch.tensor(x), name)(*args, **kw)
    except TypeError:
        with pytest.raises(TypeError):
            getattr(dg.tensor(x), name)(*args, **kw)
        return
    got = getattr(dg.tensor(x), name)(*args, **kw)
    assert got.shape == tuple(want.shape)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


def test_std_var_methods_keep_torch_signature_and_name_the_fix():
    import inspect

    for name in ("std", "var"):
        params = list(inspect.signature(getattr(dg.Tensor, name)).parameters)
        assert params == ["self", "dim", "unbiased", "keepdim", "correction"]
    with pytest.raises(TypeError, match=r"std\(x, True\)"):
        dg.ones(2, 3).std(dim=True)
    with pytest.raises(TypeError, match="needs a dim"):
        dg.ones(2, 3).var(unbiased=True, keepdim=True)


def test_bool_of_a_tensor_without_exactly_one_value_is_torchs_runtime_error():
    torch = pytest.importorskip("torch")
    for shape in [(2,), (0,), (2, 3)]:
        with pytest.raises(RuntimeError) as want:
            bool(torch.ones(shape))
        with pytest.raises(RuntimeError, match="ambiguous") as got:
            bool(dg.ones(shape))
        assert isinstance(got.value, ValueError)  # NumPy's class, as before
        assert str(want.value).split(" is ")[0] in str(got.value)
    assert bool(dg.tensor([2.0])) and not bool(dg.tensor(0.0))


def test_copy_takes_non_blocking_as_torch():
    torch = pytest.importorskip("torch")
    x = dg.zeros(3)
    assert x.copy_(dg.ones(3), non_blocking=True) is x
    x.copy_(dg.full((3,), 2.0), True)
    assert x.tolist() == [2.0, 2.0, 2.0]
    for bad in (1, None, "x"):
        with pytest.raises(TypeError):
            torch.zeros(3).copy_(torch.ones(3), bad)
        with pytest.raises(TypeError, match="non_blocking"):
            x.copy_(dg.ones(3), bad)
    assert x.tolist() == [2.0, 2.0, 2.0]


def test_eq_none_and_objects_as_torch():
    """``tensor == None`` is False and ``!= None`` True, as PyTorch's (its ``eq`` takes
    tensors and numbers only, the rest falls back to identity): ``if attn_mask == None:`` on
    a (B, T) mask raised deepgrad's ambiguous-truth error."""
    torch = pytest.importorskip("torch")
    for lib in (dg, torch):
        t = lib.tensor([[1.0, 2.0], [3.0, 4.0]])
        for other in (None, "mask", {"a": 1}, lib.nn.Linear(1, 1)):
            assert (t == other) is False and (t != other) is True
        assert (t == 2.0).tolist() == [[False, True], [False, False]]


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_integer_to_negative_scalar_power_raises_as_torch(dtype):
    """``int_tensor ** -1``: PyTorch's RuntimeError (NumPy's plain ValueError came through);
    an integer tensor exponent follows PyTorch's integer rule instead."""
    torch = pytest.importorskip("torch")
    for lib in (dg, torch):
        with pytest.raises(RuntimeError, match="Integers to negative integer powers"):
            lib.tensor([1, 2], dtype=getattr(lib, dtype)) ** -1
    a = [0, 1, -1, 2, -2]
    assert (dg.tensor(a) ** dg.tensor([-1] * 5)).tolist() == (
        torch.tensor(a) ** torch.tensor([-1] * 5)
    ).tolist()
