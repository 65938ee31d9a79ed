"""``dg.numerical_grad`` and ``dg.gradcheck``: central differences, the report of the worst
input and element, and ``GradcheckError`` on a deliberately wrong backward."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import Function


def test_numerical_grad_of_known_functions():
    x = dg.tensor(np.array([0.5, -1.0, 2.0]))
    y = dg.tensor(np.array([[1.0, 2.0], [3.0, 4.0]]))
    (gx,) = dg.numerical_grad(lambda t: (t**3).sum(), x)
    np.testing.assert_allclose(gx, 3 * x.numpy() ** 2, rtol=1e-7)
    gx, gy = dg.numerical_grad(lambda a, b: (a[:2] @ b).sum(), x, y)
    np.testing.assert_allclose(gx, [3.0, 7.0, 0.0], rtol=1e-7)
    np.testing.assert_allclose(gy, [[0.5, 0.5], [-1.0, -1.0]], rtol=1e-7)
    assert gx.shape == x.shape and gy.shape == y.shape


def test_numerical_grad_of_a_non_scalar_output_is_that_of_its_sum():
    x = dg.tensor(np.array([1.0, 2.0]))
    (g,) = dg.numerical_grad(lambda t: t * t, x)
    np.testing.assert_allclose(g, [2.0, 4.0], rtol=1e-7)


def test_numerical_grad_leaves_inputs_unchanged():
    a = np.array([[0.1, 0.2], [0.3, 0.4]])
    x = dg.tensor(a)
    dg.numerical_grad(lambda t: t.exp().sum(), x)
    np.testing.assert_array_equal(x.numpy(), a)
    z = dg.tensor(np.float64(0.3))
    (g,) = dg.numerical_grad(lambda t: t * t, z)
    assert z.shape == () and g.shape == ()


def test_numerical_grad_of_a_non_contiguous_input():
    x = dg.tensor(np.arange(6.0).reshape(2, 3))
    xt = dg.Tensor(x.data.T)  # a transposed view
    (g,) = dg.numerical_grad(lambda t: (t * t).sum(), xt)
    np.testing.assert_allclose(g, 2 * xt.numpy(), rtol=1e-7)


def test_gradcheck_passes_and_reports():
    x = dg.randn(3, 4, dtype="float64", requires_grad=True)
    w = dg.randn(4, 2, dtype="float64", requires_grad=True)
    r = dg.gradcheck(lambda a, b: (a @ b).tanh(), x, w)
    assert r and r.ok
    assert r.max_abs_error < 1e-7
    assert "passed" in str(r)


class WrongSquare(Function):
    """x², with a backward that is off by a factor of 3 for the element at index 2."""

    def forward(self, x):
        return x * x

    def backward(self, gy):
        x = self.inputs[0]
        scale = np.ones(x.shape)
        scale[2] = 3.0
        return gy * x * 2.0 * dg.tensor(scale)


def test_gradcheck_raises_on_a_wrong_backward_naming_input_and_element():
    a = dg.randn(2, dtype="float64", requires_grad=True)
    x = dg.tensor(np.array([0.5, 1.0, 1.5, 2.0]), requires_grad=True)
    with pytest.raises(dg.GradcheckError, match=r"input 1, element \(2,\)") as info:
        dg.gradcheck(lambda a, x: a.sum() + WrongSquare()(x), a, x)
    msg = str(info.value)
    assert "FAILED" in msg and "backprop" in msg and "numerical" in msg
    assert "rel error 2" in msg  # backprop is 3 times the numerical value


def test_gradcheck_result_without_raising():
    x = dg.tensor(np.array([[0.5, 1.0], [1.5, 2.0]]).reshape(4), requires_grad=True)
    r = dg.gradcheck(lambda t: WrongSquare()(t), x, raise_exception=False)
    assert isinstance(r, dg.GradcheckResult)
    assert not r
    assert r.input_index == 0 and r.element_index == (2,)
    proj = np.random.default_rng(0).standard_normal(4)[2]  # gradcheck's fixed projection
    assert r.numerical == pytest.approx(3.0 * proj, rel=1e-6)
    assert r.analytic == pytest.approx(9.0 * proj, rel=1e-6)
    assert r.max_abs_error == pytest.approx(abs(6.0 * proj), rel=1e-6)
    assert r.max_rel_error == pytest.approx(2.0, rel=1e-6)


def test_gradcheck_element_index_is_multi_dimensional():
    class WrongAt(Function):
        def forward(self, x):
            return x * 1.0

        def backward(self, gy):
            m = np.ones(self.inputs[0].shape)
            m[1, 2] = 0.0
            return gy * dg.tensor(m)

    x = dg.randn(2, 3, dtype="float64", requires_grad=True)
    r = dg.gradcheck(lambda t: WrongAt()(t), x, raise_exception=False)
    assert not r.ok and r.element_index == (1, 2)


def test_gradcheck_tolerances():
    x = dg.tensor(np.array([1.0, 2.0]), requires_grad=True)

    class Slightly(Function):
        def forward(self, x):
            return x * 2.0

        def backward(self, gy):
            return gy * 2.01

    assert not dg.gradcheck(lambda t: Slightly()(t).sum(), x, raise_exception=False)
    assert dg.gradcheck(lambda t: Slightly()(t).sum(), x, rtol=2e-2)
    assert dg.gradcheck(lambda t: Slightly()(t).sum(), x, atol=0.1, rtol=0)


def test_gradcheck_of_unused_input_expects_zero():
    a = dg.randn(3, dtype="float64", requires_grad=True)
    b = dg.randn(3, dtype="float64", requires_grad=True)
    assert dg.gradcheck(lambda a, b: a * 2.0, a, b)


def test_gradcheck_with_several_outputs():
    x = dg.randn(6, dtype="float64", requires_grad=True)
    assert dg.gradcheck(lambda t: dg.split(t.exp(), [2, 4]), x)


def test_gradcheck_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="no input requires grad"):
        dg.gradcheck(lambda t: t * 2, dg.ones(2))


def test_gradcheck_of_a_function_that_differentiates_inside():
    x = dg.tensor(np.array([0.3, -0.7]), requires_grad=True)

    def first_derivative(t):
        (g,) = dg.grad((t**3).sum(), t, create_graph=True)
        return g  # 3t²

    assert dg.gradcheck(first_derivative, x)


def test_inputs_as_one_tuple_like_pytorch():
    x = dg.tensor(np.linspace(-1, 1, 5), dtype=dg.float64, requires_grad=True)
    w = dg.tensor(np.linspace(0.5, 2, 5), dtype=dg.float64, requires_grad=True)
    assert dg.gradcheck(lambda a, b: (a * b).sum(), (x, w))
    assert dg.gradcheck(lambda a, b: (a * b).sum(), [x, w])
    (gx, gw) = dg.numerical_grad(lambda a, b: (a * b).sum(), (x, w))
    np.testing.assert_allclose(gx, w.numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match=r"no input requires grad \(got ndarray\)"):
        dg.gradcheck(lambda a: a.sum(), np.ones(3))


def test_gradcheck_error_is_a_runtime_error_as_torch(torch):
    """``except RuntimeError`` around a failing ``autograd.gradcheck`` catches both."""
    for lib in (torch, dg):

        class Twice(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 3  # wrong on purpose

        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        with pytest.raises(RuntimeError):
            lib.autograd.gradcheck(Twice.apply, (x,))
    assert issubclass(dg.GradcheckError, AssertionError)


def test_an_output_without_a_graph_fails_unless_its_numerical_gradient_is_zero(torch):
    """PyTorch's contract: an output that does not require grad has backprop Jacobian 0, so
    gradcheck fails ("Numerical gradient for function expected to be zero") where the
    numbers move with the input and passes where they do not; deepgrad's backward raised
    "does not require grad" instead. Beside outputs that require grad, such an output is not
    checked at all (deepgrad's check counted it and failed)."""
    for lib in (torch, dg):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        moving = lambda a: a.detach() * 2  # noqa: E731
        still = lambda a: a.detach() * 0 + 1  # noqa: E731
        assert not lib.autograd.gradcheck(moving, (x,), raise_exception=False)
        with pytest.raises(RuntimeError, match="Numerical gradient for function expected to be"):
            lib.autograd.gradcheck(moving, (x,))
        assert lib.autograd.gradcheck(still, (x,))
        # beside an output that requires grad, one that does not is left out of the check
        assert lib.autograd.gradcheck(lambda a: (a * 3, a.detach() * 2), (x,))
        assert lib.autograd.gradcheck(lambda a: (a.detach() * 2, a.sin()), (x,))
