"""Custom functions with PyTorch's protocol: ``class F(dg.autograd.Function)`` with static
``forward(ctx, ...)``/``backward(ctx, ...)``, run through ``F.apply``; checked by float64
gradcheck and against the same class written for torch."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg


def _make(lib):
    """The same custom functions, written once for either library."""

    class ScaledExp(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale, shift=0.0):
            y = (x * scale).exp() + shift
            ctx.save_for_backward(y)
            ctx.scale, ctx.shift = scale, shift
            return y

        @staticmethod
        def backward(ctx, gy):
            (y,) = ctx.saved_tensors
            return gy * (y - ctx.shift) * ctx.scale, None, None

    class MulAdd(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, c):
            ctx.save_for_backward(a, b)
            return a * b + c

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            ga = g * b if ctx.needs_input_grad[0] else None
            gb = g * a if ctx.needs_input_grad[1] else None
            return ga, gb, g if ctx.needs_input_grad[2] else None

    class SortWithIndex(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            idx = x.argsort(dim=-1) if lib is not dg else x.argsort(-1)
            values = x.gather(-1, idx)
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(idx)
            return values, idx

        @staticmethod
        def backward(ctx, gv, gi):
            (idx,) = ctx.saved_tensors
            out = gv * 0
            return out.scatter(-1, idx, gv) if lib is not dg else _scatter(out, idx, gv)

    class TwoOut(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2, x * x

        @staticmethod
        def backward(ctx, g1, g2):
            (x,) = ctx.saved_tensors
            return g1 * 2 + g2 * 2 * x

    return ScaledExp, MulAdd, SortWithIndex, TwoOut


def _scatter(out, idx, values):
    arr = np.zeros(out.shape, dtype=values.dtype)
    np.put_along_axis(arr, idx.numpy(), values.numpy(), axis=-1)
    return dg.tensor(arr)


def test_gradcheck_and_torch_agree(torch):
    ScaledExp, MulAdd, _, TwoOut = _make(dg)
    TScaledExp, TMulAdd, _, TTwoOut = _make(torch)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4))
    w = rng.normal(size=(4,))
    for make_d, make_t in [
        (lambda a: ScaledExp.apply(a, 0.5, shift=1.0), lambda a: TScaledExp.apply(a, 0.5, 1.0)),
        (lambda a: sum(TwoOut.apply(a)), lambda a: sum(TTwoOut.apply(a))),
    ]:
        xd = dg.tensor(x, requires_grad=True)
        xt = torch.tensor(x, requires_grad=True)
        yd, yt = make_d(xd), make_t(xt)
        np.testing.assert_allclose(yd.numpy(), yt.detach().numpy(), rtol=1e-12)
        g = rng.normal(size=x.shape)
        yd.backward(dg.tensor(g))
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-12)
        assert dg.gradcheck(make_d, dg.tensor(x, requires_grad=True))
    # broadcasting inputs, one without grad, a 0-d one
    a = dg.tensor(x, requires_grad=True)
    b = dg.tensor(w)
    c = dg.tensor(0.3, dtype=dg.float64, requires_grad=True)
    assert dg.gradcheck(lambda a, c: MulAdd.apply(a, b, c).sum(), (a, c))


def test_needs_input_grad_and_non_tensor_arguments():
    seen = {}

    class Probe(dg.autograd.Function):
        @staticmethod
        def forward(ctx, x, k, y):
            seen["needs"] = ctx.needs_input_grad
            return x * k + y

        @staticmethod
        def backward(ctx, g):
            return g * 3, None, None

    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = dg.tensor([1.0, 1.0])
    out = Probe.apply(x, 3, y)
    assert seen["needs"] == (True, False, False)
    assert out.requires_grad and type(out.grad_fn).__name__ == "ProbeBackward"
    out.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0] and y.grad is None
    with dg.no_grad():
        assert not Probe.apply(x, 3, y).requires_grad
    assert not Probe.apply(y, 3, y).requires_grad  # nothing needs a gradient: no graph


def test_non_differentiable_outputs_and_unused_outputs_get_zeros():
    _, _, SortWithIndex, TwoOut = _make(dg)
    x = dg.tensor([[3.0, 1.0, 2.0]], dtype=dg.float64, requires_grad=True)
    values, idx = SortWithIndex.apply(x)
    assert values.requires_grad and not idx.requires_grad
    assert values.tolist() == [[1.0, 2.0, 3.0]] and idx.tolist() == [[1, 2, 0]]
    (values * dg.tensor([[1.0, 10.0, 100.0]], dtype=dg.float64)).sum().backward()
    assert x.grad.tolist() == [[100.0, 1.0, 10.0]]
    x2 = dg.tensor([1.0, 2.0], dtype=dg.float64, requires_grad=True)
    first, _ = TwoOut.apply(x2)  # the second output is unused: backward sees zeros
    first.sum().backward()
    assert x2.grad.tolist() == [2.0, 2.0]


def test_double_backward_through_a_custom_function():
    class Cube(dg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x**2

    x = dg.tensor(2.0, dtype=dg.float64, requires_grad=True)
    (d1,) = dg.grad(Cube.apply(x), x, create_graph=True)
    (d2,) = dg.grad(d1, x)
    assert (d1.item(), d2.item()) == (12.0, 12.0)


def test_setup_context_style():
    class Square(dg.autograd.Function):
        @staticmethod
        def forward(x):
            return x * x

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = dg.tensor([3.0], requires_grad=True)
    Square.apply(x).sum().backward()
    assert x.grad.tolist() == [6.0]


def test_errors_name_the_fix():
    class Bad(dg.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, g):
            return g  # one gradient for two inputs

    x = dg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Bad.apply(x, x).sum().backward()
    with pytest.raises(RuntimeError, match=r"Bad.apply\(\.\.\.\)"):
        Bad()(x, x)

    class Saves(dg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(3)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(TypeError, match="ctx attributes"):
        Saves.apply(x)


def test_deepgrad_style_functions_still_work_and_have_apply():
    from deepgrad.functional.elementwise import Exp

    x = dg.tensor([0.0, 1.0], requires_grad=True)
    y = Exp.apply(x)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([0.0, 1.0]), rtol=1e-6)
    assert Exp()(dg.tensor([0.0])).item() == 1.0


def test_gradcheck_under_torchs_path(torch):
    x = dg.tensor([0.5, -1.0], dtype=dg.float64, requires_grad=True)
    # PyTorch's gradcheck returns the bool True (dg.gradcheck returns its report)
    assert dg.autograd.gradcheck(lambda t: (t.tanh() * t).sum(), (x,)) is True
    tx = torch.tensor([0.5, -1.0], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: (t.tanh() * t).sum(), (tx,)) is True
    assert isinstance(dg.gradcheck(lambda t: (t.tanh() * t).sum(), (x,)), dg.GradcheckResult)
    bad = dg.autograd.gradcheck(lambda t: _BadGrad.apply(t).sum(), (x,), raise_exception=False)
    assert bad is False


class _BadGrad(dg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, gy):
        return gy * 3


def _inplace_relu(lib):
    class InplaceReLU(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.clamp_(min=0)
            ctx.mark_dirty(x)
            ctx.save_for_backward(x)
            return x

        @staticmethod
        def backward(ctx, gy):
            (y,) = ctx.saved_tensors
            return gy * (y > 0).to(gy.dtype) * 2  # x2: tells this backward ran

    return InplaceReLU


def test_mark_dirty_returns_the_input_rebased_onto_the_function(torch):
    w0 = np.array([[1.0, -2.0], [0.5, 1.5]])
    results = {}
    for lib in (dg, torch):
        w = lib.tensor(w0, requires_grad=True)
        h = w * 3
        y = _inplace_relu(lib).apply(h)
        assert y is h
        assert type(h.grad_fn).__name__ == "InplaceReLUBackward"
        (h * lib.tensor([1.0, 2.0])).sum().backward()  # reads h after: through the function
        results[lib.__name__] = w.grad.numpy(), h.detach().numpy()
    for a, b in zip(results["deepgrad"], results["torch"]):
        np.testing.assert_array_equal(a, b)


def test_mark_dirty_of_a_leaf_that_requires_grad_raises(torch):
    for lib in (dg, torch):
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            _inplace_relu(lib).apply(lib.tensor([1.0, -1.0], requires_grad=True))
