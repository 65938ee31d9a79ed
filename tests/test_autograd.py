"""The autograd engine: accumulation, ordering, long chains, memory release, retain_graph,
no_grad/enable_grad, detach, higher-order derivatives, ``dg.grad``, ``retain_grad`` and the
``Function`` API."""

from __future__ import annotations

import gc
import subprocess
import sys
import tracemalloc
import weakref

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.functional as F
from deepgrad import Function


# ---- accumulation and ordering --------------------------------------------------------------
def test_a_tensor_used_several_times_accumulates():
    a = dg.tensor(3.0, requires_grad=True)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad.item() == 4.0
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    (x * x * x).sum().backward()  # x used three times in one expression
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 12.0])


def test_grads_accumulate_across_backward_calls():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [5.0, 5.0])


class Counted(Function):
    """Identity that counts how often its backward runs and what gradient it saw."""

    calls: list = []

    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        Counted.calls.append(gy.numpy().copy())
        return gy


def test_each_node_runs_once_after_all_its_consumers():
    Counted.calls = []
    a = dg.tensor([1.0, 2.0], requires_grad=True)
    b = Counted()(a)  # the diamond's top
    c = b * 2.0
    d = F.exp(b)
    e = Counted()(c + d)
    (e * b).sum().backward()  # b also feeds the final product directly
    assert len(Counted.calls) == 2
    av = a.numpy()
    # d/db of (2b + e^b) * b = 2b + e^b + (2 + e^b) b
    expected = 2 * av + np.exp(av) + (2 + np.exp(av)) * av
    np.testing.assert_allclose(Counted.calls[1], expected)  # b's backward got the full sum
    np.testing.assert_allclose(a.grad.numpy(), expected)


def test_wide_fan_out():
    x = dg.tensor(1.0, requires_grad=True)
    total = sum((x * float(i) for i in range(200)), dg.tensor(0.0))
    total.backward()
    assert x.grad.item() == sum(range(200))


def test_long_chain_backpropagates_without_recursion_error():
    x = dg.tensor(1.0, dtype=np.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_long_chain_with_grad():
    x = dg.tensor(0.5, dtype=np.float64, requires_grad=True)
    y = x
    for _ in range(5_000):
        y = y * 1.0001
    (g,) = dg.grad(y, x)
    assert g.item() == pytest.approx(1.0001**5_000, rel=1e-9)


def test_dropping_a_long_chain_without_backward_does_not_crash():
    code = (
        "import deepgrad as dg\n"
        "x = dg.tensor(1.0, requires_grad=True)\n"
        "y = x\n"
        "for _ in range(100_000):\n"
        "    y = y * 1.0\n"
        "del y\n"
        "y = x\n"
        "for _ in range(50_000):\n"
        "    y = y[None][0]\n"
        "y = None\n"
        "print('ok')\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == "ok"


# ---- memory release ----------------------------------------------------------------------
def test_intermediates_are_freed_after_backward():
    gc.disable()
    try:
        x = dg.randn(10, 10, requires_grad=True)
        h1 = F.tanh(x @ x)
        h2 = F.exp(h1) * h1  # Exp keeps its output: a weak reference, no cycle
        h3 = F.softmax(h2, -1)
        refs = [weakref.ref(t) for t in (h1, h2, h3)]
        loss = (h3 * h3).sum()
        del h1, h2, h3
        assert all(r() is not None for r in refs)  # the graph holds them before backward
        loss.backward()
        assert all(r() is None for r in refs), "the graph kept intermediates after backward"
        assert loss.grad_fn is not None and loss.grad_fn.inputs is None
    finally:
        gc.enable()


def test_a_graph_that_is_never_differentiated_is_freed_without_gc():
    gc.disable()
    try:
        x = dg.randn(5, requires_grad=True)
        h = F.sigmoid(F.exp(x))
        ref = weakref.ref(h)
        y = F.tanh(h).sum()
        del h
        assert ref() is not None
        del y
        assert ref() is None, "a reference cycle keeps an undifferentiated graph alive"
    finally:
        gc.enable()


def test_retained_graph_is_kept_then_freed():
    x = dg.randn(4, requires_grad=True)
    h = F.exp(x)
    ref = weakref.ref(h)
    loss = (h * h).sum()
    del h
    loss.backward(retain_graph=True)
    assert ref() is not None
    loss.backward()
    assert ref() is None


def test_memory_does_not_grow_across_training_steps():
    model = dg.nn.Sequential(dg.nn.Linear(20, 32), dg.nn.ReLU(), dg.nn.Linear(32, 3))
    params = list(model.parameters())
    x = dg.randn(16, 20)
    target = dg.randn(16, 3)

    def step():
        loss = ((model(x) - target) ** 2).mean()
        loss.backward()
        with dg.no_grad():
            for p in params:
                p.data -= 0.01 * p.grad.data
                p.grad = None
        return loss.item()

    losses = [step() for _ in range(10)]  # warm up caches
    tracemalloc.start()
    try:
        for _ in range(10):
            losses.append(step())
        after_10, _ = tracemalloc.get_traced_memory()
        for _ in range(40):
            losses.append(step())
        after_50, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert losses[-1] < losses[0]
    assert after_50 - after_10 < 20_000, f"memory grew by {after_50 - after_10} bytes"


# ---- retain_graph --------------------------------------------------------------------------
def test_second_backward_needs_retain_graph():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = (F.exp(x) * x).sum()
    y.backward(retain_graph=True)
    g1 = x.grad.numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * g1)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_second_backward_without_retain_graph_raises():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    y = (h * h).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        (h * 2).sum().backward()  # h's own node was freed too


# ---- no_grad / enable_grad / detach ----------------------------------------------------------
def test_no_grad_as_context_manager():
    x = dg.tensor([1.0], requires_grad=True)
    assert dg.is_grad_enabled()
    with dg.no_grad():
        assert not dg.is_grad_enabled()
        y = x * 2 + F.exp(x)
        assert not y.requires_grad and y.grad_fn is None
        with dg.enable_grad():
            assert dg.is_grad_enabled()
            z = x * 2
            assert z.requires_grad
        assert not dg.is_grad_enabled()
    assert dg.is_grad_enabled()


def test_no_grad_restores_mode_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with dg.no_grad():
            raise ZeroDivisionError
    assert dg.is_grad_enabled()


def test_no_grad_and_enable_grad_as_decorators():
    x = dg.tensor([1.0], requires_grad=True)

    @dg.no_grad()
    def infer(t):
        """Docstring kept."""
        return t * 2

    @dg.enable_grad()
    def train(t):
        return t * 2

    assert not infer(x).requires_grad
    assert infer.__doc__ == "Docstring kept."
    with dg.no_grad():
        assert train(x).requires_grad
        assert not dg.is_grad_enabled()
    assert dg.is_grad_enabled()


def test_no_graph_under_no_grad_builds_nothing():
    gc.disable()
    try:
        x = dg.randn(3, requires_grad=True)
        with dg.no_grad():
            h = F.exp(x)
        assert h.grad_fn is None and h.is_leaf
    finally:
        gc.enable()


def test_inputs_that_do_not_require_grad_build_no_graph():
    x = dg.randn(3)
    y = F.exp(x) * 2 + x
    assert y.grad_fn is None and not y.requires_grad


def test_detach_stops_the_gradient():
    x = dg.tensor([2.0], requires_grad=True)
    y = x * x
    z = y.detach() * x + y
    z.backward()
    assert x.grad.item() == 4.0 + 4.0  # d/dx (c·x + x²) at c = 4


# ---- higher order --------------------------------------------------------------------------
def test_second_derivative_of_tanh():
    a = np.linspace(-3, 3, 13)
    x = dg.tensor(a, requires_grad=True)
    (d1,) = dg.grad(F.tanh(x).sum(), x, create_graph=True)
    (d2,) = dg.grad(d1.sum(), x)
    t = np.tanh(a)
    np.testing.assert_allclose(d1.numpy(), 1 - t**2, rtol=1e-12)
    # d²/dx² tanh = d/dx (1 - tanh²) = -2 tanh (1 - tanh²)
    np.testing.assert_allclose(d2.numpy(), -2 * t * (1 - t**2), atol=1e-14)


def test_third_derivative_via_backward_create_graph():
    x = dg.tensor(2.0, dtype=np.float64, requires_grad=True)
    y = x**4
    y.backward(create_graph=True)
    g1 = x.grad  # 4x³ = 32
    assert g1.requires_grad and g1.item() == 32.0
    x.grad = None
    g1.backward(create_graph=True)
    g2 = x.grad  # 12x² = 48
    assert g2.item() == 48.0
    x.grad = None
    g2.backward()
    assert x.grad.item() == 48.0  # 24x


def test_newton_minimization_1d():
    # f(x) = x⁴ - 3x² + x has a local minimum near x ≈ 1.13
    x = dg.tensor(1.5, dtype=np.float64, requires_grad=True)
    for _ in range(6):
        y = x**4 - 3 * x**2 + x
        (g,) = dg.grad(y, x, create_graph=True)
        (h,) = dg.grad(g, x)
        x = dg.tensor(x.item() - g.item() / h.item(), dtype=np.float64, requires_grad=True)
    v = x.item()
    assert abs(4 * v**3 - 6 * v + 1) < 1e-12 and 12 * v**2 - 6 > 0


def test_newton_minimization_multi_d():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((5, 3))
    b = rng.standard_normal(5)
    A, B = dg.tensor(a), dg.tensor(b)

    def f(x):
        r = A @ x - B
        return (r * r).sum() * 0.5 + (x**4).sum() * 0.1

    x = dg.tensor(np.zeros(3), requires_grad=True)
    for _ in range(8):
        (g,) = dg.grad(f(x), x, create_graph=True)
        hess = np.stack([dg.grad(g[i], x, retain_graph=True)[0].numpy() for i in range(3)])
        x = dg.tensor(x.numpy() - np.linalg.solve(hess, g.numpy()), requires_grad=True)
    (g,) = dg.grad(f(x), x)
    assert np.abs(g.numpy()).max() < 1e-10


def test_hessian_vector_product_matches_torch(torch, rng):
    w0, x0, v0 = rng.standard_normal((4, 3)), rng.standard_normal(3), rng.standard_normal(3)

    def f(lib, w, x):
        h = lib.tanh(w @ x)
        return (h * h).sum() + (x**4).sum() + (lib.exp(x[0] * x[1]))

    w, x, v = dg.tensor(w0), dg.tensor(x0, requires_grad=True), dg.tensor(v0)
    (g,) = dg.grad(f(dg.functional, w, x), x, create_graph=True)
    (hv,) = dg.grad((g * v).sum(), x)
    tx = torch.tensor(x0, requires_grad=True)
    (tg,) = torch.autograd.grad(f(torch, torch.tensor(w0), tx), tx, create_graph=True)
    (thv,) = torch.autograd.grad((tg * torch.tensor(v0)).sum(), tx)
    np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(hv.numpy(), thv.numpy(), rtol=1e-10)


def test_gradcheck_of_a_gradient():
    x = dg.tensor(np.array([0.3, -0.8, 1.2]), requires_grad=True)

    def grad_of(t):
        (g,) = dg.grad((F.sigmoid(t) * F.log_softmax(t, 0)).sum(), t, create_graph=True)
        return g

    assert dg.gradcheck(grad_of, x)


# ---- dg.grad -------------------------------------------------------------------------------
def test_grad_returns_without_touching_dot_grad():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    (g,) = dg.grad((x * x).sum(), x)
    np.testing.assert_array_equal(g.numpy(), [2.0, 4.0])
    assert x.grad is None and not g.requires_grad


def test_grad_with_respect_to_non_leaf_inputs():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    z = (y * y).sum()
    gy, gx = dg.grad(z, [y, x])
    np.testing.assert_array_equal(gy.numpy(), 2 * y.numpy())
    np.testing.assert_array_equal(gx.numpy(), 18 * x.numpy())


def test_grad_allow_unused():
    x = dg.tensor([1.0], requires_grad=True)
    w = dg.tensor([1.0], requires_grad=True)
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        dg.grad(y, [x, w], retain_graph=True)
    gx, gw = dg.grad(y, [x, w], allow_unused=True)
    assert gx.item() == 2.0 and gw is None


def test_grad_needs_inputs_that_require_grad():
    x = dg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="does not require grad"):
        dg.grad((x * 2).sum(), dg.tensor([1.0]))


def test_grad_of_several_outputs_with_grad_outputs():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y1, y2 = x * 2, x * x
    (g,) = dg.grad([y1, y2], x, grad_outputs=[dg.ones(2), dg.tensor([1.0, 10.0])])
    np.testing.assert_array_equal(g.numpy(), [2 + 2, 2 + 40])
    with pytest.raises(ValueError, match="2 grad_outputs for 1 outputs"):
        dg.grad(x * 2, x, grad_outputs=[dg.ones(2), dg.ones(2)])


def test_grad_of_a_leaf_output_is_the_seed():
    x = dg.tensor(3.0, requires_grad=True)
    (g,) = dg.grad(x, x)
    assert g.item() == 1.0


def test_retain_grad():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    z = (y * y).sum()
    z.backward()
    np.testing.assert_array_equal(y.grad.numpy(), 2 * y.numpy())
    np.testing.assert_array_equal(x.grad.numpy(), 18 * x.numpy())
    x.retain_grad()  # a no-op on leaves


# ---- the Function API ----------------------------------------------------------------------
def test_needs_input_grad_lets_backward_skip_work():
    seen = []

    class Product(Function):
        def forward(self, a, b):
            return a * b

        def backward(self, gy):
            seen.append(self.needs_input_grad)
            a, b = self.inputs
            return (gy * b if self.needs_input_grad[0] else None,
                    gy * a if self.needs_input_grad[1] else None)  # fmt: skip

    a = dg.tensor([2.0], requires_grad=True)
    b = dg.tensor([5.0])
    Product()(a, b).sum().backward()
    assert seen == [(True, False)] and a.grad.item() == 5.0


def test_multiple_outputs_with_one_unused():
    x = dg.tensor(np.arange(6.0), requires_grad=True)
    first, second, third = F.split(x, 2)
    (second * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 0, 3, 3, 0, 0])


def test_keep_output_function():
    class Exp2(Function):
        keep_output = True

        def forward(self, x):
            return np.exp2(x)

        def backward(self, gy):
            return gy * self.output() * float(np.log(2.0))

    x = dg.tensor(np.array([0.0, 1.0, 3.0]), requires_grad=True)
    assert dg.gradcheck(lambda t: Exp2()(t), x)
    (g,) = dg.grad(Exp2()(x).sum(), x, create_graph=True)
    (h,) = dg.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), np.exp2(x.numpy()) * np.log(2.0) ** 2)


def test_backward_returning_a_wrong_shape_is_reported():
    class Bad(Function):
        def forward(self, x):
            return x.sum()

        def backward(self, gy):
            return gy

    x = dg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Bad.backward returned a gradient of shape \(\)"):
        Bad()(x).backward()
    assert dg.is_grad_enabled()


def test_function_without_backward():
    class NoBackward(Function):
        def forward(self, x):
            return x * 2

    x = dg.ones(2, requires_grad=True)
    with pytest.raises(NotImplementedError, match="NoBackward is not differentiable"):
        NoBackward()(x).sum().backward()


def test_backward_with_create_graph_records_the_gradient_graph():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    (x**3).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    g = x.grad
    x.grad = None
    g.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 12.0])


def test_backward_takes_pytorchs_keyword_names():
    torch = pytest.importorskip("torch")
    got, want = [], []
    for lib, out in ((dg, got), (torch, want)):
        a = lib.tensor([2.0, 3.0], dtype=lib.float64, requires_grad=True)
        q = 3 * a**3
        q.backward(gradient=lib.tensor([1.0, 0.5], dtype=lib.float64), retain_graph=None)
        out.append(a.grad.tolist())
    assert got == want


def _graph_shape(fn):
    """The graph below ``fn`` as nested tuples: 'leaf' (with the leaf's value) or None."""
    shape = []
    for node, index in fn.next_functions:
        if node is None:
            shape.append(None)
        elif hasattr(node, "variable"):
            shape.append(("leaf", node.variable.tolist()))
        else:
            shape.append((index, _graph_shape(node)))
    return tuple(shape)


def test_next_functions_follow_pytorchs_graph_structure():
    torch = pytest.importorskip("torch")
    shapes = []
    for lib in (dg, torch):
        w = lib.tensor([[1.0, 2.0]], dtype=lib.float64, requires_grad=True)
        x = lib.tensor([[3.0], [4.0]], dtype=lib.float64)
        loss = lib.relu(w @ x).sum()
        shapes.append(_graph_shape(loss.grad_fn))
        assert loss.grad_fn.next_functions[0][0].next_functions[0][0] is not None
    assert shapes[0] == shapes[1]


def test_next_functions_name_the_output_of_a_multi_output_node():
    torch = pytest.importorskip("torch")
    for lib in (dg, torch):
        x = lib.tensor([1.0, 2.0, 3.0, 4.0], dtype=lib.float64, requires_grad=True)
        a, b = x.split(2)
        y = b * 2
        node, index = y.grad_fn.next_functions[0]
        assert index == 1 and node is b.grad_fn


def test_variable_is_pytorchs_detached_tensor_sharing_data():
    torch = pytest.importorskip("torch")
    for lib in (dg, torch):
        Variable = lib.autograd.Variable
        t = lib.ones(2, dtype=lib.float64)
        v = Variable(t)
        assert v is not t and not v.requires_grad and v.is_leaf
        assert isinstance(t, Variable) and isinstance(v, lib.Tensor)
        v[0] = 5.0  # shares t's data
        assert t.tolist() == [5.0, 1.0]
        w = Variable(t, requires_grad=True)
        assert w.requires_grad and not t.requires_grad
        a = lib.ones(2, dtype=lib.float64, requires_grad=True) * 2
        d = Variable(a)
        assert d.grad_fn is None and d.is_leaf and not d.requires_grad
        with pytest.warns(UserWarning, match="volatile"):
            Variable(t, volatile=True)
        with pytest.raises(TypeError, match="has to be a tensor"):
            Variable(np.ones(2))


def test_grad_takes_pytorchs_only_inputs_in_its_place():
    torch = pytest.importorskip("torch")
    got = []
    for lib in (dg, torch):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        y = (x**3).sum()
        # positional: outputs, inputs, grad_outputs, retain_graph, create_graph, only_inputs
        (g,) = lib.autograd.grad(y, x, None, True, True, True)
        (gg,) = lib.autograd.grad(g.sum(), x, only_inputs=True)
        with pytest.warns(FutureWarning, match="only_inputs argument is deprecated"):
            lib.autograd.grad(y, x, only_inputs=False)
        got.append((g.tolist(), gg.tolist()))
    assert got[0] == got[1]


def test_assigning_grad_checks_type_shape_and_dtype_as_pytorch(torch):
    for lib in (torch, dg):
        m = lib.tensor([1.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="same size"):
            m.grad = lib.tensor([1.0, 2.0])
        with pytest.raises(RuntimeError, match="dtype"):
            m.grad = lib.tensor([1], dtype=lib.int64)
        with pytest.raises(TypeError, match="Tensor or None"):
            m.grad = 3
        m.grad = lib.tensor([5.0])
        (m * 2).sum().backward()  # accumulates into the assigned gradient
        assert m.grad.tolist() == [7.0]
        m.grad = None
        assert m.grad is None


def test_an_integer_tensor_cannot_require_grad_runtime_error_as_pytorch(torch):
    for lib in (torch, dg):
        with pytest.raises(RuntimeError, match="floating point"):
            lib.tensor([1, 2], requires_grad=True)
        with pytest.raises(RuntimeError, match="floating point"):
            lib.tensor([1, 2]).requires_grad_()
    with pytest.raises(TypeError):  # still a TypeError, as before
        dg.tensor([1, 2], requires_grad=True)
