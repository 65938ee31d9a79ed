"""grad_fn's node API as PyTorch's: register_prehook / register_hook (seeing and replacing
the gradients), their handles, metadata, name()."""

from __future__ import annotations

import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")


def _run(m, with_pre, with_post, remove=False):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    w = m.tensor([0.5, -1.0])
    y = (x * w).sum()
    mul = y.grad_fn.next_functions[0][0]
    seen = []
    handles = []
    if with_pre:
        handles.append(mul.register_prehook(lambda go: (go[0] * 10,)))
        handles.append(mul.register_prehook(lambda go: seen.append(("pre", go[0].tolist()))))
    if with_post:

        def post(gi, go):
            seen.append(("post", [g.tolist() if g is not None else None for g in gi]))
            return (gi[0] + 1, gi[1])

        handles.append(mul.register_hook(post))
    if remove:
        for h in handles:
            h.remove()
    y.backward()
    return x.grad.tolist(), seen


@pytest.mark.parametrize("pre,post,remove", [(True, False, False), (False, True, False),
                                             (True, True, False), (True, True, True)])  # fmt: skip
def test_node_hooks_as_torch(pre, post, remove):
    assert _run(dg, pre, post, remove) == _run(torch, pre, post, remove)


def test_wrong_number_of_values_raises_as_torch():
    for m in (dg, torch):
        x = m.tensor([1.0], requires_grad=True)
        y = (x * 2).sum()
        y.grad_fn.register_prehook(lambda go: (go[0], go[0]))
        with pytest.raises(RuntimeError, match="incorrect number of values"):
            y.backward()


def test_metadata_and_name():
    for m in (dg, torch):
        x = m.tensor([1.0], requires_grad=True)
        y = (x * 2).sum()
        y.grad_fn.metadata["step"] = 3
        y.backward()
        assert y.grad_fn.metadata == {"step": 3}  # outlives the pass
        assert y.grad_fn.name().startswith("Sum")
        assert "Backward" in y.grad_fn.name()
    with pytest.raises(TypeError, match="callable"):
        (dg.ones(1, requires_grad=True) * 2).grad_fn.register_hook(3)


def test_hooks_under_create_graph():
    x = dg.tensor([1.0, 2.0], dtype=dg.float64, requires_grad=True)
    y = (x**3).sum()
    pow_node = y.grad_fn.next_functions[0][0]
    pow_node.register_hook(lambda gi, go: (gi[0] * 2,))
    (g,) = dg.autograd.grad(y, x, create_graph=True)
    assert g.tolist() == [6.0, 24.0]  # 2 · 3x²
    (h,) = dg.autograd.grad(g.sum(), x)
    assert h.tolist() == [12.0, 24.0]  # the doubled gradient differentiates on
