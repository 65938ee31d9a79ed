"""PyTorch's in-place forms of elementwise methods (``x.exp_()``), the in-place shape
changers, ``unfold``, ``stride``, ``sum_to_size`` and the integer-to-float rule of the float
functions — each against torch."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

UNARY = ["exp", "log", "sqrt", "abs", "neg", "sigmoid", "tanh", "relu", "sin", "cos", "tan",
         "floor", "ceil", "round", "trunc", "frac", "reciprocal", "rsqrt", "square", "sign",
         "log1p", "expm1", "log2", "log10", "erf", "erfinv", "asin", "acos", "atan", "sinh",
         "cosh", "fix", "negative", "absolute", "logit"]  # fmt: skip


@pytest.mark.parametrize("name", UNARY)
def test_unary_in_place_matches_torch(torch, name):
    a = np.array([[0.25, 0.5], [0.75, 0.125]])
    x, t = dg.tensor(a), torch.tensor(a)
    out = getattr(x, name + "_")()
    getattr(t, name + "_")()
    assert out is x
    np.testing.assert_allclose(x.numpy(), t.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name, other", [("pow", 2.0), ("atan2", 0.5), ("fmod", 0.3),
                                          ("remainder", 0.3), ("hypot", 2.0)])  # fmt: skip
def test_binary_in_place_matches_torch(torch, name, other):
    a = np.array([[0.25, -0.5], [0.75, 1.5]])
    x, t = dg.tensor(a), torch.tensor(a)
    getattr(x, name + "_")(dg.tensor(np.full(2, other)))
    getattr(t, name + "_")(torch.tensor(np.full(2, other)))
    np.testing.assert_allclose(x.numpy(), t.numpy(), rtol=1e-12)


def test_in_place_refuses_what_it_cannot_honour():
    with pytest.raises(RuntimeError, match="exp_: a leaf tensor that requires grad"):
        dg.ones(2, requires_grad=True).exp_()
    with pytest.raises(TypeError, match="cast"):
        dg.tensor([1, 4]).sqrt_()  # a float result into an integer tensor, as torch refuses
    with pytest.raises(RuntimeError, match="cannot broadcast"):
        dg.ones(2).pow_(dg.ones(3, 2))
    with dg.no_grad():
        p = dg.ones(2, requires_grad=True)
        p.mul_(3.0).exp_()  # a hand-written update under no_grad is fine
    np.testing.assert_allclose(p.numpy(), np.exp([3.0, 3.0]), rtol=1e-6)


def test_shape_changers_in_place(torch):
    for fn in (lambda v: v.t_(), lambda v: v.transpose_(0, 1), lambda v: v.swapdims_(0, 1),
               lambda v: v.unsqueeze_(1), lambda v: v[:1].squeeze_(0)):  # fmt: skip
        a = np.arange(6.0).reshape(2, 3)
        x, t = dg.tensor(a), torch.tensor(a)
        dx, dt = fn(x), fn(t)
        assert dx.shape == tuple(dt.shape)
        np.testing.assert_array_equal(dx.numpy(), dt.numpy())
    assert dg.ones(2, 3).swapdims(0, 1).shape == (3, 2)


@pytest.mark.parametrize("args", [(2, 2, 1), (1, 2, 1), (0, 1, 1), (2, 3, 2), (-1, 4, 1),
                                  (1, 3, 3), (2, 0, 1)])  # fmt: skip
def test_unfold_matches_torch_values_and_gradients(torch, args):
    a = np.random.default_rng(0).standard_normal((2, 3, 4))
    x, t = dg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = x.unfold(*args), t.unfold(*args)
    assert y.shape == tuple(ty.shape)
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    g = np.random.default_rng(1).standard_normal(y.shape)
    y.backward(dg.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError, match="unfold: size"):
        x.unfold(0, 3, 1)
    for size in (0, 1):  # a 0-d tensor: its 1-element vector's windows, one dim fewer
        assert dg.tensor(2.0).unfold(0, size, 1).shape == tuple(
            torch.tensor(2.0).unfold(0, size, 1).shape
        )


def test_stride_nbytes_sum_to_size_and_casts(torch):
    a = np.arange(24.0).reshape(2, 3, 4)
    x, t = dg.tensor(a), torch.tensor(a)
    assert x.stride() == t.stride() and x.stride(1) == t.stride(1)
    assert x.transpose(0, 2).stride() == t.transpose(0, 2).stride()
    assert (x.nbytes, x.itemsize) == (t.nbytes, t.itemsize)
    np.testing.assert_array_equal(x.sum_to_size(1, 3, 1).numpy(), t.sum_to_size(1, 3, 1).numpy())
    for cast in ("byte", "char", "short"):
        assert str(getattr(t, cast)().dtype) == f"torch.{getattr(x, cast)().dtype}"


@pytest.mark.parametrize("name", ["sqrt", "exp", "log", "tanh", "sigmoid", "erf", "sin"])
def test_float_functions_of_integers_give_the_default_float(torch, name):
    """``erf`` of an int64 tensor was int64 (values truncated to 0), ``exp``/``sqrt``/...
    float64: PyTorch gives the default float dtype."""
    x, t = dg.tensor([1, 2, 3]), torch.tensor([1, 2, 3])
    got, want = getattr(x, name)(), getattr(t, name)()
    assert f"torch.{got.dtype}" == str(want.dtype)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
