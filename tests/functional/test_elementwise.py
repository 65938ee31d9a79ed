"""Elementwise functions: gradcheck over broadcast shapes, agreement with PyTorch in float64
and float32 (values, gradients, dtypes), scalar promotion rules, ``ndarray ⊕ Tensor``."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import deepgrad as dg
import deepgrad.functional as F

FAST = settings(max_examples=15, deadline=None)
TWO_SHAPES = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)
THREE_SHAPES = hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3)


def normal(rng, shape, dtype=np.float64):
    return np.asarray(rng.standard_normal(shape)).astype(dtype)


def positive(rng, shape, dtype=np.float64):
    return np.asarray(rng.uniform(0.5, 2.0, shape)).astype(dtype)


def off_kinks(*kinks):
    """``normal`` draws moved off the points where the function has no derivative: a value
    within 1e-3 of one is pushed 2e-3 away (seed 444's draws put one a micro-unit from
    clip's -0.5, where the numerical derivative straddles the kink)."""

    def make(rng, shape, dtype=np.float64):
        x = normal(rng, shape, dtype)
        for k in kinks:
            x = np.where(np.abs(x - k) < 1e-3, k + 2e-3, x).astype(dtype)
        return x

    return make


def leaves(*arrays):
    return [dg.tensor(a, requires_grad=True) for a in arrays]


# name -> (deepgrad function, torch function (given the torch module), input makers)
BINARY = {
    "add": (F.add, lambda t: t.add, (normal, normal)),
    "sub": (F.sub, lambda t: t.sub, (normal, normal)),
    "mul": (F.mul, lambda t: t.mul, (normal, normal)),
    "div": (F.div, lambda t: t.div, (normal, positive)),
    "pow": (F.pow, lambda t: t.pow, (positive, normal)),
    "maximum": (F.maximum, lambda t: t.maximum, (normal, normal)),
    "minimum": (F.minimum, lambda t: t.minimum, (normal, normal)),
    "op+": (lambda a, b: a + b, lambda t: lambda a, b: a + b, (normal, normal)),
    "op-": (lambda a, b: a - b, lambda t: lambda a, b: a - b, (normal, normal)),
    "op*": (lambda a, b: a * b, lambda t: lambda a, b: a * b, (normal, normal)),
    "op/": (lambda a, b: a / b, lambda t: lambda a, b: a / b, (normal, positive)),
    "op**": (lambda a, b: a**b, lambda t: lambda a, b: a**b, (positive, normal)),
}

UNARY = {
    "neg": (F.neg, lambda t: t.neg, normal),
    "op-unary": (lambda x: -x, lambda t: lambda x: -x, normal),
    "exp": (F.exp, lambda t: t.exp, normal),
    "log": (F.log, lambda t: t.log, positive),
    "sqrt": (F.sqrt, lambda t: t.sqrt, positive),
    "abs": (F.abs, lambda t: t.abs, off_kinks(0.0)),
    "clip": (
        lambda x: F.clip(x, -0.5, 0.7),
        lambda t: lambda x: x.clip(-0.5, 0.7),
        off_kinks(-0.5, 0.7),
    ),
    "clip_min": (lambda x: F.clip(x, min=0.1), lambda t: lambda x: x.clip(min=0.1), off_kinks(0.1)),
    "clip_max": (lambda x: F.clip(x, max=0.1), lambda t: lambda x: x.clip(max=0.1), off_kinks(0.1)),
    "pow2": (lambda x: x**2, lambda t: lambda x: x**2, normal),
    "pow3": (lambda x: x**3, lambda t: lambda x: x**3, normal),
    "pow1": (lambda x: x**1, lambda t: lambda x: x**1, normal),
    "pow0": (lambda x: x**0, lambda t: lambda x: x**0, normal),
    "pow-1": (lambda x: x**-1, lambda t: lambda x: x**-1, positive),
    "pow0.5": (lambda x: x**0.5, lambda t: lambda x: x**0.5, positive),
    "rpow": (lambda x: 2.0**x, lambda t: lambda x: 2.0**x, normal),
    "radd": (lambda x: 1.5 + x, lambda t: lambda x: 1.5 + x, normal),
    "rsub": (lambda x: 1.5 - x, lambda t: lambda x: 1.5 - x, normal),
    "rmul": (lambda x: 1.5 * x, lambda t: lambda x: 1.5 * x, normal),
    "rdiv": (lambda x: 1.5 / x, lambda t: lambda x: 1.5 / x, positive),
    "square_chain": (
        lambda x: (x * x - x / 3.0 + 1) * F.exp(-x),
        lambda t: lambda x: (x * x - x / 3.0 + 1) * t.exp(-x),
        normal,
    ),
}


# ---- gradient checks (float64, hypothesis over broadcasting, 0-d and size-1 shapes) --------
@pytest.mark.parametrize("name", sorted(BINARY))
@FAST
@given(shapes=TWO_SHAPES, seed=st.integers(0, 2**16))
def test_binary_gradcheck(name, shapes, seed):
    fn, _, makers = BINARY[name]
    rng = np.random.default_rng(seed)
    a, b = leaves(*(m(rng, s) for m, s in zip(makers, shapes.input_shapes)))
    assert dg.gradcheck(fn, a, b)


@pytest.mark.parametrize("name", sorted(UNARY))
@FAST
@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=3), seed=st.integers(0, 2**16))
def test_unary_gradcheck(name, shape, seed):
    fn, _, maker = UNARY[name]
    rng = np.random.default_rng(seed)
    (x,) = leaves(maker(rng, shape))
    assert dg.gradcheck(fn, x)


@FAST
@given(shapes=THREE_SHAPES, seed=st.integers(0, 2**16))
def test_where_gradcheck(shapes, seed):
    rng = np.random.default_rng(seed)
    cs, as_, bs = shapes.input_shapes
    cond = np.asarray(rng.random(cs) > 0.5)
    a, b = leaves(normal(rng, as_), normal(rng, bs))
    assert dg.gradcheck(lambda a, b: F.where(cond, a, b), a, b)
    assert dg.gradcheck(lambda a, b: F.where(dg.tensor(cond), a, b), a, b)


def test_gradcheck_only_one_input_requires_grad(rng):
    a = dg.tensor(normal(rng, (2, 3)), requires_grad=True)
    b = dg.tensor(normal(rng, (3,)))
    assert dg.gradcheck(lambda a: a * b + b / (a * a + 1), a)
    b.requires_grad_()
    a.requires_grad_(False)
    assert dg.gradcheck(lambda b: a * b + b / (a * a + 1), b)


# ---- against PyTorch ------------------------------------------------------------------------
def check_against_torch(torch, fn, tfn, arrays, dtype, rng):
    tol = {"rtol": 1e-10, "atol": 1e-12} if dtype == np.float64 else {"rtol": 2e-5, "atol": 1e-6}
    arrays = [a.astype(dtype) for a in arrays]
    xs = leaves(*arrays)
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = fn(*xs), tfn(*ts)
    assert y.dtype == dtype, f"output dtype {y.dtype} for inputs of dtype {dtype}"
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), **tol)
    g = normal(rng, y.shape, dtype)
    y.backward(dg.tensor(g))
    ty.backward(torch.tensor(g))
    for x, t in zip(xs, ts):
        assert x.grad is not None and x.grad.dtype == dtype
        assert x.grad.shape == x.shape
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), **tol)


BROADCAST_CASES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((1,), ())]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shapes", BROADCAST_CASES)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_matches_torch(torch, rng, name, shapes, dtype):
    fn, tfn, makers = BINARY[name]
    arrays = [m(rng, s) for m, s in zip(makers, shapes)]
    check_against_torch(torch, fn, tfn(torch), arrays, dtype, rng)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(), (1,), (3, 4), (2, 1, 3)])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_matches_torch(torch, rng, name, shape, dtype):
    fn, tfn, maker = UNARY[name]
    check_against_torch(torch, fn, tfn(torch), [maker(rng, shape)], dtype, rng)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_where_matches_torch(torch, rng, dtype):
    cond = rng.random((3, 1)) > 0.5
    check_against_torch(
        torch,
        lambda a, b: F.where(cond, a, b),
        lambda a, b: torch.where(torch.tensor(cond), a, b),
        [normal(rng, (3, 4)), normal(rng, (4,))],
        dtype,
        rng,
    )


def test_maximum_ties_split_the_gradient():
    a = dg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = dg.tensor([1.0, 5.0, 0.0], requires_grad=True)
    F.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(b.grad.numpy(), [0.5, 1.0, 0.0])
    a.grad = b.grad = None
    F.minimum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.5, 1.0, 0.0])
    np.testing.assert_array_equal(b.grad.numpy(), [0.5, 0.0, 1.0])


def test_abs_gradient_is_zero_at_zero():
    x = dg.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    F.abs(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [-1.0, 0.0, 1.0])


def test_clip_needs_a_bound():
    with pytest.raises(ValueError, match="clip"):
        F.clip(dg.ones(2))


# ---- dtypes ---------------------------------------------------------------------------------
PY_SCALAR_OPS = [
    lambda x: x + 2.5,
    lambda x: 2.5 + x,
    lambda x: x - 2,
    lambda x: 2 - x,
    lambda x: x * 0.1,
    lambda x: 0.1 * x,
    lambda x: x / 3,
    lambda x: 3.0 / (x * x + 1),
    lambda x: (x * x + 1) ** 2.5,
    lambda x: 1.5**x,
    lambda x: F.maximum(x, 0.3),
    lambda x: F.minimum(0.3, x),
    lambda x: F.where(x.data > 0, x, 0.0),
    lambda x: F.clip(x, -0.5, 0.5),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op", range(len(PY_SCALAR_OPS)))
def test_python_scalars_never_promote(rng, op, dtype):
    x = dg.tensor(normal(rng, (3, 4), dtype), requires_grad=True)
    y = PY_SCALAR_OPS[op](x)
    assert y.dtype == dtype
    y.sum().backward()
    assert x.grad.dtype == dtype


def test_numpy_scalars_of_the_same_dtype_keep_float32():
    x = dg.tensor(np.ones(3, np.float32), requires_grad=True)
    y = x * np.float32(2.0) + np.float32(1.0)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_int_tensors_stay_int():
    i = dg.tensor([1, 2, 3])
    assert i.dtype == np.int64
    for y in (i + 1, i - 1, i * 2, 2 * i, -i, i**2, F.maximum(i, 2), F.abs(-i), F.clip(i, 1, 2)):
        assert y.dtype == np.int64, y
    assert (i + i).dtype == np.int64
    np.testing.assert_array_equal((i * 2).numpy(), [2, 4, 6])


def test_int_tensor_with_python_float_becomes_default_float():
    i = dg.tensor([1, 2, 3])
    assert (i * 0.5).dtype == dg.get_default_dtype()
    assert (i + 0.5).dtype == dg.get_default_dtype()


def test_int_true_division_gives_default_float():
    i = dg.tensor([1, 2, 3])
    assert (i / 2).dtype == dg.get_default_dtype()
    assert (i / i).dtype == dg.get_default_dtype()
    np.testing.assert_allclose((i / 2).numpy(), [0.5, 1.0, 1.5])


def test_float32_and_float64_tensors_mix_like_numpy():
    a = dg.tensor(np.ones(2, np.float32), requires_grad=True)
    b = dg.tensor(np.ones(2, np.float64), requires_grad=True)
    y = a * b
    assert y.dtype == np.float64
    y.sum().backward()
    assert a.grad.dtype == np.float32  # gradients come back in each input's dtype
    assert b.grad.dtype == np.float64


_MIXED = ["bool", "int64", "int32", "uint8", "float16", "float32", "float64"]
_OPS = {
    "add": lambda m, a, b: a + b,
    "sub": lambda m, a, b: a - b,
    "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / b,
    "maximum": lambda m, a, b: m.maximum(a, b),
    "where": lambda m, a, b: m.where(m.tensor([True, False, True]), a, b),
}


@pytest.mark.parametrize("op", list(_OPS))
@pytest.mark.parametrize("shapes", [((3,), ()), ((), (3,)), ((3,), (3,))], ids=str)
def test_mixed_dtypes_promote_as_in_pytorch(torch, op, shapes):
    """Two tensors of different dtypes meet in PyTorch's dtype, not NumPy's: ``float32 +
    int64`` stays float32 and a 0-d float64 tensor does not widen a float32 one."""
    f = _OPS[op]
    for da in _MIXED:
        for db in _MIXED:
            if op == "sub" and "bool" in (da, db):
                continue  # PyTorch refuses bool subtraction
            if op == "maximum" and da != db and "bool" in (da, db):
                continue
            va = (np.array([1, 2, 1]) if shapes[0] else np.array(2)).astype(da)
            vb = (np.array([2, 3, 4]) if shapes[1] else np.array(3)).astype(db)
            want = f(torch, torch.from_numpy(va), torch.from_numpy(vb))
            got = f(dg, dg.tensor(va), dg.tensor(vb))
            assert f"torch.{got.dtype}" == str(want.dtype), (op, da, shapes[0], db, shapes[1])
            np.testing.assert_allclose(got.numpy().astype(float), want.numpy().astype(float))


def test_a_cast_for_promotion_passes_the_gradient_back_in_each_dtype():
    x = dg.tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
    s = dg.tensor(np.float64(3.0), requires_grad=True)  # 0-d: does not widen x
    y = x * s + x * dg.tensor([1, 1])
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32 and s.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 4.0])
    assert float(s.grad.numpy()) == 3.0


# ---- ndarray ⊕ Tensor ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "op",
    [
        lambda a, t: a + t,
        lambda a, t: a - t,
        lambda a, t: a * t,
        lambda a, t: a / t,
        lambda a, t: a**t,
    ],
)
def test_ndarray_on_the_left_returns_a_tensor(rng, op):
    arr = positive(rng, (3, 4))
    t = dg.tensor(positive(rng, (4,)), requires_grad=True)
    y = op(arr, t)
    assert isinstance(y, dg.Tensor)
    np.testing.assert_allclose(y.numpy(), op(arr, t.numpy()))
    y.sum().backward()
    assert t.grad.shape == (4,)


def test_ndarray_scalar_on_the_left_returns_a_tensor():
    t = dg.tensor([1.0, 2.0])
    y = np.float32(2.0) * t
    assert isinstance(y, dg.Tensor)
    np.testing.assert_allclose(y.numpy(), [2.0, 4.0])


@pytest.mark.parametrize(
    "op",
    [
        lambda a, t: a < t,
        lambda a, t: a <= t,
        lambda a, t: a > t,
        lambda a, t: a >= t,
        lambda a, t: a == t,
        lambda a, t: a != t,
    ],
)
def test_comparisons_with_ndarray_on_the_left(op):
    arr = np.array([1.0, 2.0, 3.0])
    t = dg.tensor([2.0, 2.0, 2.0], requires_grad=True)
    y = op(arr, t)
    assert isinstance(y, dg.Tensor)
    assert y.dtype == np.bool_ and not y.requires_grad
    np.testing.assert_array_equal(y.numpy(), op(arr, t.numpy()))


def test_comparisons_are_not_differentiable():
    x = dg.tensor([1.0, -1.0], requires_grad=True)
    for y in (x > 0, x < 0, x == 1, x != 1, x >= 0, x <= 0, (x > 0) & (x < 2), (x > 0) | (x < 0)):
        assert y.dtype == np.bool_ and not y.requires_grad and y.grad_fn is None
    np.testing.assert_array_equal((~(x > 0)).numpy(), [False, True])


def test_bool_tensors_meet_ints_and_floats_like_torch():
    x = dg.tensor([1.0, -1.0])
    m = x > 0
    assert (m * 2).dtype == np.int64
    np.testing.assert_array_equal((m * 2).numpy(), [2, 0])
    assert (m * 0.5).dtype == dg.get_default_dtype()
    assert (m & True).dtype == np.bool_


def test_two_python_numbers():
    assert F.add(1, 2).item() == 3
    assert F.mul(1.5, 2.0).dtype == dg.get_default_dtype()


@pytest.mark.parametrize(
    "op",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a * b,
        lambda a, b: a / b,
        lambda a, b: -a * b,
        lambda a, b: (a * b).exp(),
        lambda a, b: (a - b).abs(),
        lambda a, b: (a * b) ** 2,
        lambda a, b: (a * 0.5 - 1) / 3.0 + b,
        lambda a, b: (a * b).sum(dim=0, keepdim=True) * b,
        lambda a, b: (a * b).sum(dim=1) - b.sum(),
    ],
)
def test_first_order_backward_on_arrays_equals_the_recorded_one(op):
    """The first-order backward of the elementwise ops and ``sum`` runs on arrays (no graph);
    its gradients are bit for bit those of the recorded (``create_graph``) form, broadcasting
    included."""
    r = np.random.default_rng(3)
    a0 = r.standard_normal((3, 4)).astype(np.float32)
    b0 = r.standard_normal((4,)).astype(np.float32) + 2.0
    grads = []
    for create_graph in (False, True):
        a = dg.tensor(a0, requires_grad=True)
        b = dg.tensor(b0, requires_grad=True)
        y = op(a, b)
        y.backward(dg.ones_like(y), create_graph=create_graph)
        grads.append((a.grad.numpy().copy(), b.grad.numpy().copy()))
    for fast, recorded in zip(grads[0], grads[1]):
        np.testing.assert_array_equal(fast, recorded)


def test_complex_numbers_and_bool_subtraction_as_pytorch(torch):
    """A Python complex meeting a real tensor gives complex64 (complex128 beside float64), as
    in PyTorch (it raised a TypeError); subtracting with a bool tensor is refused as PyTorch
    refuses it."""
    for name in ("float32", "float64", "int64", "bool"):
        d = dg.ones(3, dtype=getattr(dg, name))
        t = torch.ones(3, dtype=getattr(torch, name))
        for f in (lambda a: a * 1j, lambda a: a + (2 - 3j), lambda a: (0.5 + 1j) * a):
            y, w = f(d), f(t)
            assert str(y.dtype) == str(w.dtype).replace("torch.", ""), name
            np.testing.assert_allclose(y.numpy(), w.numpy())
    m, mt = dg.tensor([True, False]), torch.tensor([True, False])
    for f in (lambda a: a - 1, lambda a: 1 - a, lambda a: a - a, lambda a: a.sub(1.5)):
        with pytest.raises(RuntimeError):
            f(mt)
        with pytest.raises(RuntimeError, match="bool tensor"):
            f(m)
    with pytest.raises(RuntimeError, match="logical_not"):
        dg.ones(2) - True


def test_division_gradient_rounds_as_pytorchs(torch):
    """d(a / b)/db is computed as -g · (a / b) / b, PyTorch's order: x / |x| has gradient 0
    exactly (with a / b² it was 1.9e-6 at x = 0.06 in float32)."""
    for v in (0.06, -0.3, 7.1, 1e-3):
        x = dg.tensor(v, requires_grad=True)
        t = torch.tensor(v, requires_grad=True)
        (x / x.abs()).backward()
        (t / t.abs()).backward()
        assert x.grad.item() == t.grad.item() == 0.0
    a, b = np.random.default_rng(0).standard_normal((2, 50)).astype(np.float32)
    xa, xb = dg.tensor(a, requires_grad=True), dg.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    (xa / xb).sum().backward()
    (ta / tb).sum().backward()
    np.testing.assert_array_equal(xb.grad.numpy(), tb.grad.numpy())
    np.testing.assert_array_equal(xa.grad.numpy(), ta.grad.numpy())


def test_division_by_zero_gives_inf_and_nan_silently_as_pytorch(torch):
    """``x / 0`` is ±inf and ``0 / 0`` NaN, forward and backward, with no NumPy warning (the
    test configuration turns deepgrad's RuntimeWarnings into errors): NeRF's ``depth_map /
    torch.sum(weights, -1)`` divides 0 by 0 on rays that hit nothing."""
    a = np.array([0.0, 1.0, -2.0, 0.0, 3.0])
    b = np.array([0.0, 0.0, 0.0, 2.0, 4.0])
    xa, xb = dg.tensor(a, requires_grad=True), dg.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    y, t = xa / xb, ta / tb
    np.testing.assert_array_equal(y.numpy(), t.detach().numpy())
    y.sum().backward()
    t.sum().backward()
    np.testing.assert_array_equal(xa.grad.numpy(), ta.grad.numpy())
    np.testing.assert_array_equal(xb.grad.numpy(), tb.grad.numpy())
    # second order (the backward through tensor ops) stays silent too
    xb2 = dg.tensor(b, requires_grad=True)
    (g,) = dg.autograd.grad((dg.tensor(a) / xb2).sum(), xb2, create_graph=True)
    tb2 = torch.tensor(b, requires_grad=True)
    (tg,) = torch.autograd.grad((torch.tensor(a) / tb2).sum(), tb2, create_graph=True)
    np.testing.assert_array_equal(g.numpy(), tg.detach().numpy())
    np.testing.assert_array_equal((dg.tensor(1.0) / dg.tensor(0.0)).numpy(), np.inf)


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.lerp(L.tensor([1, 2]), L.tensor([1, 2]), 0.5),
        lambda L: L.tensor([1, 2]).lerp_(L.tensor([1, 2]), L.tensor([0, 1])),
        lambda L: L.lerp(L.tensor([True]), L.tensor([True]), 0.5),
    ],
)
def test_lerp_of_integers_or_bools_raises_torchs_not_implemented_error(torch, call):
    """PyTorch has no integer or bool lerp kernel ("\"lerp_kernel_scalar\" not implemented
    for 'Long'", a NotImplementedError); deepgrad's TypeError is kept as well."""
    with pytest.raises(NotImplementedError) as want:
        call(torch)
    with pytest.raises(NotImplementedError) as got:
        call(dg)
    assert str(want.value) in str(got.value) and isinstance(got.value, TypeError)


@pytest.mark.parametrize("name", ["clamp", "clip"])
def test_clamp_without_bounds_is_torchs_runtime_error(torch, name):
    """torch: RuntimeError "torch.clamp: At least one of 'min' or 'max' must not be None";
    deepgrad raised ValueError (still one)."""
    x = np.linspace(-1.0, 1.0, 5)
    for call in (lambda m, t: getattr(m, name)(t), lambda m, t: getattr(t, name)(None, None)):
        with pytest.raises(RuntimeError):
            call(torch, torch.tensor(x))
        with pytest.raises(RuntimeError, match="At least one of 'min' or 'max'") as info:
            call(dg, dg.tensor(x))
        assert isinstance(info.value, ValueError)
