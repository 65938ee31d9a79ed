"""deepgrad.autograd.graph as torch.autograd.graph: Node, gradient edges, increment_version,
the multi-gradient hook's "any" mode, save_on_cpu on the CPU, and the refusals."""

from __future__ import annotations

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
    with pytest.raises(NotImplementedError, match="register a hook on each tensor"):
        dg.autograd.graph.register_multi_grad_hook((a,), calls.append)
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
