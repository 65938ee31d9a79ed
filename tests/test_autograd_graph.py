"""deepgrad.autograd.graph as torch.autograd.graph: Node, gradient edges, increment_version,
the multi-gradient hook's "all" and "any" modes, the engine's final callbacks, save_on_cpu on the
CPU, and the refusals."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")


def test_nodes_and_edges_as_torch():
    for m in (dg, torch):
        g = m.autograd.graph
        x = m.ones(2, requires_grad=True)
        b = (x * 2).sum()
        assert isinstance(b.grad_fn, g.Node)
        assert g.get_gradient_edge(b).node is b.grad_fn
        assert g.get_gradient_edge(b).output_nr == 0
        assert g.get_gradient_edge(x).node.variable is x
        with pytest.raises(RuntimeError, match="does not require gradients"):
            g.get_gradient_edge(m.ones(2))


def test_increment_version_refuses_a_stale_backward():
    for m in (dg, torch):
        x = m.ones(3, requires_grad=True)
        y = x.exp()
        m.autograd.graph.increment_version(y)
        with pytest.raises(RuntimeError):
            y.sum().backward()


def test_multi_grad_hook_any_fires_once_a_pass():
    a, b = dg.ones(2, requires_grad=True), dg.ones(2, requires_grad=True)
    calls = []
    h = dg.autograd.graph.register_multi_grad_hook((a, b), calls.append, mode="any")
    for _ in range(2):
        ((a * 2).sum() + (b * 3).sum()).backward()
    assert len(calls) == 2
    h.remove()
    (a * 2).sum().backward()
    assert len(calls) == 2
    with pytest.raises(ValueError, match="one of"):
        dg.autograd.graph.register_multi_grad_hook((a,), calls.append, mode="some")


def test_saved_tensor_hooks():
    x = dg.ones(2, requires_grad=True)
    with dg.autograd.graph.save_on_cpu(pin_memory=False):
        (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    with pytest.raises(NotImplementedError, match="pack/unpack hooks"):
        with dg.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
            pass
    with dg.autograd.graph.disable_saved_tensors_hooks("no hooks here"):
        (x * 2).sum().backward()


def test_import_path():
    import deepgrad.autograd.graph as again

    assert again is dg.autograd.graph


def _multi_grad_cases(m):
    """PyTorch's docstring example of ``register_multi_grad_hook`` and more, in library
    ``m``: which of ``(a, b, c, d)`` each pass gave ``fn`` a gradient for, and its type."""
    a, b = m.ones(2, requires_grad=True), m.ones(2, requires_grad=True)
    c, d = a * b, a * b
    seen = []

    def fn(grads):
        seen.append((type(grads).__name__, [g is not None for g in grads]))

    h = m.autograd.graph.register_multi_grad_hook((a, b, c, d), fn)
    c.sum().backward(retain_graph=True)
    c.sum().backward(inputs=(a,), retain_graph=True)
    (c.sum() + d.sum()).backward(retain_graph=True)
    (a * 3).sum().backward()
    (m.ones(2, requires_grad=True) * 2).sum().backward()  # none of them: not called
    h.remove()
    c.sum().backward()
    return seen


def test_multi_grad_hook_all_is_pytorchs():
    want = [("list", [True, True, True, False]), ("list", [True, False, True, False]),
            ("list", [True, True, True, True]), ("list", [True, False, False, False])]  # fmt: skip
    assert _multi_grad_cases(dg) == _multi_grad_cases(torch) == want


def test_multi_grad_hook_all_gets_the_gradients_and_runs_once_a_pass():
    a = dg.tensor([1.0, 2.0], requires_grad=True)
    b = dg.tensor([3.0, 4.0], requires_grad=True)
    c = a * b
    got = []
    dg.autograd.graph.register_multi_grad_hook((c, a, b), lambda gs: got.append(gs))
    (c * c).sum().backward()
    assert len(got) == 1
    gc, ga, gb = got[0]
    np.testing.assert_array_equal(gc.numpy(), 2 * (a * b).detach().numpy())
    np.testing.assert_array_equal(ga.numpy(), a.grad.numpy())  # the leaves' total gradients
    np.testing.assert_array_equal(gb.numpy(), b.grad.numpy())
    with pytest.raises(RuntimeError, match="does not require|doesn't require"):
        dg.autograd.graph.register_multi_grad_hook((a, dg.ones(2)), print)


def test_multi_grad_hook_all_in_a_backward_inside_a_hook():
    """A pass run inside another pass's hook has its own gradients and its own call."""
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    z = dg.tensor([5.0], requires_grad=True)
    outer, inner = [], []
    dg.autograd.graph.register_multi_grad_hook((x,), lambda gs: outer.append(gs[0].numpy()))
    dg.autograd.graph.register_multi_grad_hook((z,), lambda gs: inner.append(gs[0].numpy()))

    def nested(g):
        with dg.enable_grad():  # a pass records no graph, as PyTorch's
            (z * 7).sum().backward()
        return g

    y = x * 3
    y.register_hook(nested)
    y.sum().backward()
    assert [o.tolist() for o in outer] == [[3.0, 3.0]]
    assert [i.tolist() for i in inner] == [[7.0]]


@pytest.mark.parametrize("lib", ["deepgrad", "torch"])
def test_queue_callback_runs_when_the_pass_ends(lib):
    m = dg if lib == "deepgrad" else torch
    engine = m.autograd.Variable._execution_engine
    with pytest.raises(RuntimeError, match="during backward pass"):
        engine.queue_callback(lambda: None)
    a = m.ones(2, requires_grad=True)
    order = []

    def later(tag):
        order.append((tag, a.grad is not None))
        if tag == "first":  # a callback may queue another: it runs in the same pass
            engine.queue_callback(lambda: later("queued by a callback"))

    def hook(g):
        engine.queue_callback(lambda: later("first"))
        order.append(("hook", a.grad is not None))

    (a * 2).register_hook(hook)  # on a tensor not used: no call
    y = a * 3
    y.register_hook(hook)
    y.sum().backward()
    assert order == [("hook", False), ("first", True), ("queued by a callback", True)]
    assert engine.is_checkpoint_valid()


@pytest.mark.parametrize("lib", ["deepgrad", "torch"])
def test_a_leaf_hook_does_not_run_outside_backwards_inputs(lib):
    m = dg if lib == "deepgrad" else torch
    a, b = m.ones(2, requires_grad=True), m.ones(2, requires_grad=True)
    calls = []
    b.register_hook(lambda g: calls.append("b"))
    a.register_hook(lambda g: calls.append("a"))
    (a * b).sum().backward(inputs=(a,))
    assert calls == ["a"] and b.grad is None
    m.autograd.grad((a * b).sum(), [a])
    assert calls == ["a", "a"]


def test_multi_grad_hook_all_after_a_failed_pass():
    """A pass that raises after some of the gradients came in calls nothing and leaves
    nothing behind: the next pass calls ``fn`` once, with its own gradients."""
    a = dg.tensor([1.0, 2.0], requires_grad=True)
    c = a * 2
    got = []
    dg.autograd.graph.register_multi_grad_hook((c,), lambda gs: got.append(gs[0].numpy()))

    def fail(g):
        raise ValueError("boom")

    h = a.register_hook(fail)  # runs after c's gradient, at the end of the pass
    with pytest.raises(ValueError, match="boom"):
        (c * 3).sum().backward(retain_graph=True)
    assert got == [] and not dg.autograd._PASS_CALLBACKS
    h.remove()
    (c * 5).sum().backward()
    assert [g.tolist() for g in got] == [[5.0, 5.0]]


def test_multi_grad_hook_any_once_a_pass_with_a_pass_inside_it():
    """A backward run inside a hook is a pass of its own: the outer pass's "any" hook still
    fires once (it is kept per pass, not by counting passes)."""
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    z = dg.tensor([5.0], requires_grad=True)
    y = x * 3
    calls = []

    def nested(g):
        with dg.enable_grad():
            (z * 7).sum().backward()

    dg.autograd.graph.register_multi_grad_hook((y, x), calls.append, mode="any")
    y.register_hook(nested)  # after the "any" hook fired on y, before it would on x
    y.sum().backward()
    assert len(calls) == 1
