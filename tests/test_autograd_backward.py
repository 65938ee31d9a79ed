"""``Tensor.backward(inputs=...)`` and ``dg.autograd.backward``, against PyTorch: gradients
accumulate only into the given tensors (a non-leaf keeps its ``.grad`` as by
``retain_grad()``), only the graph leading to them runs; ``retain_grad`` accumulates."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg


def _pair(lib):
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    b = lib.tensor([3.0, 4.0], requires_grad=True)
    return w, b


def _grads(*ts):
    return [None if t.grad is None else t.grad.detach().numpy().copy() for t in ts]


def _run_inputs(lib):
    w, b = _pair(lib)
    h = w * b
    h.retain_grad()
    m = w * 3.0
    loss = (h * h).sum() + (m * b).sum()
    out = []
    loss.backward(inputs=[w], retain_graph=True)
    out.append(_grads(w, b, h))
    w.grad = None
    loss.backward(inputs=[h], retain_graph=True)  # a retained non-leaf accumulates
    out.append(_grads(w, b, h))
    loss.backward(inputs=m, retain_graph=True)  # a non-leaf: kept from now on
    out.append(_grads(w, b, m) + [m.retains_grad])
    loss.backward(inputs=(b, w))
    out.append(_grads(w, b))
    return out


def test_backward_inputs_matches_torch(torch):
    got, want = _run_inputs(dg), _run_inputs(torch)
    for g_step, w_step in zip(got, want):
        for g, w in zip(g_step, w_step):
            if w is None or isinstance(w, bool):
                assert g is w or g == w
            else:
                np.testing.assert_allclose(g, w)


def test_backward_inputs_skips_the_rest_of_the_graph(torch):
    for lib in (dg, torch):
        w, b = _pair(lib)
        q = b * 3.0
        q.retain_grad()
        fired = []
        q.register_hook(lambda g, fired=fired: fired.append("q"))
        b.register_hook(lambda g, fired=fired: fired.append("b"))
        loss = (w * 2.0 * q).sum()
        loss.backward(inputs=[w], retain_graph=True)
        assert fired == [] and q.grad is None and b.grad is None
        np.testing.assert_allclose(w.grad.numpy(), [18.0, 24.0])
        # autograd.grad neither runs hooks nor fills .grad off the path either
        (gw,) = lib.autograd.grad(loss, [w])
        assert fired == [] and q.grad is None
        np.testing.assert_allclose(gw.numpy(), [18.0, 24.0])


def test_backward_inputs_refusals():
    w, _ = _pair(dg)
    loss = (w * w).sum()
    with pytest.raises(RuntimeError, match="cannot be empty"):
        loss.backward(inputs=[], retain_graph=True)
    with pytest.raises(RuntimeError, match=r"inputs\[0\] does not require grad"):
        loss.backward(inputs=[dg.tensor(1.0)], retain_graph=True)
    with pytest.raises(RuntimeError, match="have to be Tensors, but got float"):
        loss.backward(inputs=[1.0], retain_graph=True)
    unused = dg.tensor([1.0], requires_grad=True)
    loss.backward(inputs=[unused])  # an input off the graph keeps no gradient (PyTorch)
    assert unused.grad is None and w.grad is None


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph")
def test_autograd_backward_matches_torch(torch):
    def run(lib):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        lib.autograd.backward([a * 2.0, a * a], grad_tensors=[lib.ones(2), lib.ones(2)])
        first = a.grad.numpy().copy()
        lib.autograd.backward([(a * a).sum(), a * 3.0], [None, lib.ones(2)])  # None: implicit
        second = a.grad.numpy().copy()
        a.grad = None
        lib.autograd.backward((a * a).sum(), inputs=[a], create_graph=True)
        return first, second, a.grad.grad_fn is not None

    got, want = run(dg), run(torch)
    np.testing.assert_allclose(got[0], want[0])
    np.testing.assert_allclose(got[1], want[1])
    assert got[2] == want[2] is True
    a = dg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="implicitly created only for scalar"):
        dg.autograd.backward([a * 2.0])
    dg.autograd.backward([])  # nothing to do, as PyTorch


def test_retain_grad_accumulates_and_is_idempotent(torch):
    def run(lib):
        w, b = _pair(lib)
        h = w * b
        h.retain_grad()
        h.retain_grad()
        h.backward(lib.ones(2), retain_graph=True)
        h.backward(lib.ones(2))
        return h.grad.numpy(), h.retains_grad, w.retains_grad

    got, want = run(dg), run(torch)
    np.testing.assert_allclose(got[0], want[0])
    assert got[1:] == want[1:] == (True, False)
    with pytest.raises(RuntimeError, match="requires_grad=False"):
        dg.tensor(1.0).retain_grad()


# ---- autograd.grad's options ---------------------------------------------------------------
def test_grad_materialize_grads_and_batched_match_torch(torch):
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        u = lib.tensor([3.0], requires_grad=True)
        gx, gu = lib.autograd.grad((x * x).sum(), [x, u], materialize_grads=True)
        y = x * x
        (jac,) = lib.autograd.grad(y, x, lib.eye(2), is_grads_batched=True)
        x2 = lib.tensor([1.0, 2.0], requires_grad=True)
        (h,) = lib.autograd.grad(x2**3, x2, lib.eye(2), is_grads_batched=True, create_graph=True)
        (hh,) = lib.autograd.grad(h.sum(), x2)
        return [a.detach().numpy() for a in (gx, gu, jac, h, hh)]

    for a, b in zip(run(dg), run(torch)):
        np.testing.assert_allclose(a, b)
    x = dg.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="allow_unused to be True or not passed"):
        dg.autograd.grad(x.sum(), x, allow_unused=False, materialize_grads=True)
    with pytest.raises(RuntimeError, match="cannot be empty"):
        dg.autograd.grad(x.sum(), [])
    with pytest.raises(RuntimeError, match="same leading batch"):
        dg.autograd.grad(x * 2, x, dg.ones(()), is_grads_batched=True)
