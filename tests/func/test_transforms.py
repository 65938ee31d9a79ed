"""deepgrad.func's jacrev / jacfwd / hessian against torch.func (the "Jacobians, Hessians, hvp,
vhp" tutorial: functions of several inputs, argnums), their composition and graphs, errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.func import grad, hessian, jacfwd, jacrev


def _predict(lib):
    return lambda w, b, x: lib.nn.functional.linear(x, w, b).tanh()


def _flat(tree):
    if isinstance(tree, (tuple, list)):
        return [t for x in tree for t in _flat(x)]
    if isinstance(tree, dict):
        return [t for k in sorted(tree) for t in _flat(tree[k])]
    return [tree]


def _same(got, want):
    got, want = _flat(got), _flat(want)
    assert len(got) == len(want)
    for a, b in zip(got, want):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("argnums", [2, (0, 1), (0, 1, 2)])
@pytest.mark.parametrize("name", ["jacrev", "jacfwd", "hessian"])
def test_jacobians_of_several_inputs_as_torch(torch, rng, argnums, name):
    w, b, x = rng.standard_normal((3, 4)), rng.standard_normal(3), rng.standard_normal(4)
    ours = {"jacrev": jacrev, "jacfwd": jacfwd, "hessian": hessian}[name]
    got = ours(_predict(dg), argnums=argnums)(dg.tensor(w), dg.tensor(b), dg.tensor(x))
    want = getattr(torch.func, name)(_predict(torch), argnums=argnums)(
        torch.tensor(w), torch.tensor(b), torch.tensor(x)
    )
    _same(got, want)
    assert not any(t.requires_grad for t in _flat(got))


def test_structures_aux_and_composition_as_torch(torch, rng):
    a = rng.standard_normal((2, 3))

    def f(lib):
        return lambda p, s: ({"x": (p["u"] * s).sum(), "y": [p["v"].sin() * s]}, p["u"].exp())

    for lib, jr in ((dg, jacrev), (torch, torch.func.jacrev)):
        p = {"u": lib.tensor(a), "v": lib.tensor(a[0])}
        res = jr(f(lib), argnums=(0, 1), has_aux=True)(p, lib.tensor(2.0))
        if lib is dg:
            got = res
        else:
            want = res
    _same(got, want)
    x = rng.standard_normal(3)
    g = lambda lib: lambda t: (t.sin() * t**2).sum()  # noqa: E731
    _same(
        grad(grad(lambda t: g(dg)(t).sum() * 0 + (t**3).sum()))(dg.tensor(2.0)), [dg.tensor(12.0)]
    )
    _same(
        jacrev(jacrev(g(dg)))(dg.tensor(x)),
        torch.func.jacrev(torch.func.jacrev(g(torch)))(torch.tensor(x)),
    )
    _same(
        jacfwd(grad(g(dg)))(dg.tensor(x)),
        torch.func.jacfwd(torch.func.grad(g(torch)))(torch.tensor(x)),
    )


def test_results_keep_the_outer_graph_as_torch(torch, rng):
    x, w = rng.standard_normal(3), rng.standard_normal(3)
    grads = []
    for lib, gr, jr in ((dg, grad, jacrev), (torch, torch.func.grad, torch.func.jacrev)):
        tx, tw = lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True)
        g = gr(lambda t: (t**3 * tw).sum())(tx)  # noqa: B023 - tw closed over, tx requires grad
        j = jr(lambda t: t.sin() * tw)(lib.tensor(x))  # noqa: B023 - only the closure requires it
        assert g.requires_grad and j.requires_grad
        (g.sum() + j.sum()).backward()
        grads.append((tx.grad, tw.grad))
        assert not gr(lambda t: (t**3).sum())(lib.tensor(x)).requires_grad
    _same(grads[0], grads[1])


def test_errors_as_torch(torch):
    cases = [
        (ValueError, "chunk_size` should be greater than 0", lambda lib: lib.func.jacrev(lambda a: a, chunk_size=0)),
        (RuntimeError, "return only tensors", lambda lib: lib.func.jacrev(lambda a: 3.0)(lib.ones(2))),
        (RuntimeError, "floating point", lambda lib: lib.func.jacrev(lambda a: a)(lib.ones(2, dtype=lib.int64))),
        (RuntimeError, "only 1 positional", lambda lib: lib.func.jacfwd(lambda a: a, argnums=2)(lib.ones(2))),
        (RuntimeError, "argnums must be non-empty", lambda lib: lib.func.jacrev(lambda a: a, argnums=())(lib.ones(2))),
        (RuntimeError, r"\(output, aux\) if has_aux", lambda lib: lib.func.jacrev(lambda a: a, has_aux=True)(lib.ones(2))),
        (RuntimeError, "Expected all inputs to be real", lambda lib: lib.func.jacrev(lambda a: a.abs())(lib.ones(2, dtype=lib.complex64))),
        (RuntimeError, "Only allowed values for randomness", lambda lib: lib.func.jacfwd(lambda a: a, randomness="x")(lib.ones(2))),
        (RuntimeError, "randomness error mode", lambda lib: lib.func.jacfwd(lambda a: a * lib.rand(2))(lib.ones(2))),
    ]  # fmt: skip
    for err, match, call in cases:
        for lib in (dg, torch):
            with pytest.raises(err, match=match):
                call(lib)
    assert jacfwd(lambda a: a * dg.rand(2), randomness="different")(dg.ones(2)).shape == (2, 2)
    assert jacrev(lambda a: a * dg.rand(2), chunk_size=1)(dg.ones(2)).shape == (2, 2)
