"""PyTorch's ``out=`` on the top-level functions: values, identity, dtype rules, resizing with
its warning, and the refusal under autograd — each against torch."""

import warnings

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

A = np.arange(1, 7, dtype=np.float32).reshape(2, 3) / 4
B = np.arange(6, 0, -1, dtype=np.float32).reshape(2, 3) / 3
SQ = np.arange(1, 5, dtype=np.float32).reshape(2, 2) / 2

# name → (args as numpy arrays / numbers / lists of arrays, kwargs)
CASES = {
    "add": ((A, B), {"alpha": 2}),
    "sub": ((A, B), {}),
    "mul": ((A, B), {}),
    "div": ((A, B), {}),
    "matmul": ((A, B.T), {}),
    "mm": ((A, B.T), {}),
    "bmm": ((A[None], B.T[None]), {}),
    "cat": (([A, B],), {"dim": 1}),
    "concat": (([A, B],), {}),
    "concatenate": (([A, B],), {}),
    "stack": (([A, B],), {}),
    "sum": ((A, 1), {}),
    "mean": ((A,), {"dim": 0}),
    "exp": ((A,), {}),
    "log": ((A,), {}),
    "sqrt": ((A,), {}),
    "abs": ((A - 1,), {}),
    "clamp": ((A, 0.5, 1.0), {}),
    "where": ((A > 0.7, A, B), {}),
    "pow": ((A, 2), {}),
    "maximum": ((A, B), {}),
    "minimum": ((A, B), {}),
}


def _lib(lib, v):
    if isinstance(v, np.ndarray):
        return dg.tensor(v) if lib is dg else torch.from_numpy(v.copy())
    if isinstance(v, list):
        return [_lib(lib, u) for u in v]
    return v


def _call(lib, name, out, grad=False):
    args, kwargs = CASES[name]
    args = [_lib(lib, a) for a in args]
    if grad:
        args[0] = (args[0][0] if isinstance(args[0], list) else args[0]).requires_grad_(True)
        if isinstance(CASES[name][0][0], list):
            args[0] = [args[0], _lib(lib, CASES[name][0][0][1])]
    return getattr(lib, name)(*args, out=out, **kwargs)


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_identity_and_views(name):
    expected = _call(torch, name, None).numpy()
    out = dg.zeros(*expected.shape)
    view = out.reshape(-1)
    r = _call(dg, name, out)
    assert r is out
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(view.numpy(), expected.reshape(-1), rtol=1e-6)  # same memory


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype", ["float64", "float16", "int64", "bool"])
def test_dtype_rule_is_torchs(name, dtype):
    try:
        expected = _call(torch, name, torch.empty(0, dtype=getattr(torch, dtype)))
    except (RuntimeError, TypeError) as e:
        with pytest.raises(type(e)):
            _call(dg, name, dg.empty(0, dtype=dtype))
        return
    r = _call(dg, name, dg.empty(0, dtype=dtype))
    assert r.dtype == np.dtype(dtype)
    np.testing.assert_allclose(r.numpy().astype(float), expected.double().numpy(), rtol=1e-3)


def test_integer_inputs_and_sum_computes_in_outs_dtype():
    i = np.array([[3, -4], [5, 6]], dtype=np.int64)
    f = np.array([1.5, 1.5], dtype=np.float32)
    pairs = [
        (lambda L, o: L.mul(_lib(L, i), _lib(L, i), out=o), "float32"),
        (lambda L, o: L.div(_lib(L, i), 2, out=o), "float64"),
        (lambda L, o: L.sum(_lib(L, f), 0, out=o), "int64"),
        (lambda L, o: L.sum(_lib(L, i), (0, 1), out=o), "float32"),
    ]
    for fn, dtype in pairs:
        want = fn(torch, torch.empty(0, dtype=getattr(torch, dtype)))
        got = fn(dg, dg.empty(0, dtype=dtype))
        assert got.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    with pytest.raises(RuntimeError):
        torch.sum(torch.ones(2), 0, dtype=torch.float64, out=torch.empty(0))
    with pytest.raises(RuntimeError, match="dtype"):
        dg.sum(dg.ones(2), 0, dtype=dg.float64, out=dg.empty(0))
    with pytest.raises(TypeError):  # PyTorch's sum takes out= only with a dim
        torch.sum(torch.ones(2), out=torch.empty(0))
    with pytest.raises(TypeError, match="dim"):
        dg.sum(dg.ones(2), out=dg.empty(0))


def test_resize_warns_when_out_had_elements():
    a = dg.tensor(SQ)
    out = dg.zeros(3)
    with pytest.warns(UserWarning, match="resized"):
        r = dg.add(a, a, out=out)
    assert r is out and out.shape == (2, 2)
    np.testing.assert_allclose(out.numpy(), 2 * SQ)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        empty = dg.empty(0)
        assert dg.matmul(a, a, out=empty) is empty  # no warning for an empty out
    np.testing.assert_allclose(empty.numpy(), SQ @ SQ, rtol=1e-6)
    with pytest.warns(UserWarning, match="resized"):
        torch.add(torch.ones(2, 2), 1, out=torch.zeros(3))


def test_out_aliasing_an_input():
    for lib in (dg, torch):
        o = _lib(lib, SQ)
        assert lib.add(o, _lib(lib, SQ), out=o) is o
        np.testing.assert_allclose(o.numpy(), 2 * SQ)
    o = dg.ones(2, 2)  # deepgrad computes first, then writes (PyTorch's result is undefined)
    assert dg.matmul(dg.tensor(SQ), o, out=o) is o
    np.testing.assert_allclose(o.numpy(), SQ @ np.ones((2, 2)), rtol=1e-6)


@pytest.mark.parametrize("name", ["add", "matmul", "cat", "sum", "clamp"])
def test_refused_when_an_argument_requires_grad(name):
    msg = "don't support automatic differentiation"
    with pytest.raises(RuntimeError, match=msg):
        _call(torch, name, torch.empty(0), grad=True)
    with pytest.raises(RuntimeError, match=msg):
        _call(dg, name, dg.empty(0), grad=True)
    with pytest.raises(RuntimeError, match=msg):  # out itself requiring grad counts too
        dg.add(dg.ones(2), 1, out=dg.zeros(2, requires_grad=True))
    with dg.no_grad():
        out = dg.empty(0)
        assert _call(dg, name, out, grad=True) is out
        assert not out.requires_grad


def test_out_must_be_a_tensor_and_none_is_the_function():
    with pytest.raises(TypeError, match="'out' must be Tensor"):
        dg.add(dg.ones(2), 1, out=np.zeros(2))
    r = dg.add(dg.ones(2), 1, out=None)
    np.testing.assert_allclose(r.numpy(), [2.0, 2.0])


def test_pytorch_tutorial_snippet():
    t = dg.rand(4, 4)
    y1 = t @ t.T
    y3 = dg.rand_like(y1)
    assert dg.matmul(t, t.T, out=y3) is y3
    np.testing.assert_allclose(y3.numpy(), y1.numpy(), rtol=1e-6)
    z3 = dg.rand_like(t)
    dg.mul(t, t, out=z3)
    np.testing.assert_allclose(z3.numpy(), (t * t).numpy(), rtol=1e-6)
