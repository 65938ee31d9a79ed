"""deepgrad.autograd.functional against torch.autograd.functional: jacobian, hessian, vjp,
jvp, vhp, hvp on tensor and tuple inputs/outputs, create_graph, strict and the errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.autograd import functional as AF


def _fns(m):
    return {
        "one_one": lambda x: m.tanh(x) * x.sum() + m.exp(x[0]) * x,
        "two_one": lambda a, b: (a.unsqueeze(1) * b).sin() + a.unsqueeze(1) ** 2,
        "one_two": lambda x: (x**2, m.exp(x).sum()),
        "two_two": lambda a, b: (a * b.sum(), (a**3).sum() * b),
        "scalar": lambda x: (m.tanh(x) ** 2).sum() + (x[0] * x).prod(),
        "scalar_two": lambda a, b: (a.unsqueeze(1) * b.exp()).sum() ** 2 + (a**3).sum(),
    }


def _args(rng, name, lib):
    a, b = rng.standard_normal(3), rng.standard_normal(2)
    if name in ("two_one", "two_two", "scalar_two"):
        return (lib.tensor(a), lib.tensor(b))
    return lib.tensor(a)


def _np(x):
    if isinstance(x, tuple):
        return tuple(_np(i) for i in x)
    return x.detach().numpy()


def _close(got, want):
    assert type(got) is tuple if isinstance(want, tuple) else not isinstance(got, tuple)
    if isinstance(want, tuple):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            _close(g, w)
    else:
        assert tuple(got.shape) == tuple(want.shape)
        np.testing.assert_allclose(_np(got), _np(want), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["one_one", "two_one", "one_two", "two_two", "scalar"])
def test_jacobian_as_torch(torch, name):
    got = AF.jacobian(_fns(dg)[name], _args(np.random.default_rng(0), name, dg))
    want = torch.autograd.functional.jacobian(
        _fns(torch)[name], _args(np.random.default_rng(0), name, torch)
    )
    _close(got, want)
    assert not any(t.requires_grad for t in _flat(got))


def _flat(x):
    return [t for i in x for t in _flat(i)] if isinstance(x, tuple) else [x]


@pytest.mark.parametrize("name", ["scalar", "scalar_two"])
def test_hessian_as_torch(torch, name):
    got = AF.hessian(_fns(dg)[name], _args(np.random.default_rng(0), name, dg))
    want = torch.autograd.functional.hessian(
        _fns(torch)[name], _args(np.random.default_rng(0), name, torch)
    )
    _close(got, want)


def _v_like(x, lib, rng):
    if isinstance(x, tuple):
        return tuple(_v_like(i, lib, rng) for i in x)
    return lib.tensor(rng.standard_normal(tuple(x.shape)))


@pytest.mark.parametrize("name", ["one_one", "two_one", "one_two", "two_two"])
@pytest.mark.parametrize("which", ["vjp", "jvp"])
def test_vjp_jvp_as_torch(torch, name, which):
    results = []
    for lib in (dg, torch):
        rng = np.random.default_rng(0)
        args = _args(rng, name, lib)
        if which == "vjp":
            out = _fns(lib)[name](*(args if isinstance(args, tuple) else (args,)))
            v = _v_like(out, lib, rng)
        else:
            v = _v_like(args, lib, rng)
        mod = AF if lib is dg else torch.autograd.functional
        results.append(getattr(mod, which)(_fns(lib)[name], args, v))
    _close(*results)


@pytest.mark.parametrize("name", ["scalar", "scalar_two"])
@pytest.mark.parametrize("which", ["vhp", "hvp"])
def test_vhp_hvp_as_torch(torch, name, which):
    results = []
    for lib in (dg, torch):
        rng = np.random.default_rng(0)
        args = _args(rng, name, lib)
        mod = AF if lib is dg else torch.autograd.functional
        results.append(getattr(mod, which)(_fns(lib)[name], args, _v_like(args, lib, rng)))
    _close(*results)


def test_v_may_be_none_for_one_element(torch):
    for lib, mod in ((dg, AF), (torch, torch.autograd.functional)):
        x = lib.tensor([0.3])
        out = [mod.vjp(lambda t: (t**3).sum(), x), mod.jvp(lambda t: t**3, x)]
        out += [mod.vhp(lambda t: (t**3).sum(), x), mod.hvp(lambda t: (t**3).sum(), x)]
        np.testing.assert_allclose([o[1].item() for o in out], [0.27, 0.27, 1.8, 1.8])


def test_create_graph_reaches_the_inputs(torch):
    grads = []
    for lib, mod in ((dg, AF), (torch, torch.autograd.functional)):
        x = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        f = lambda t, lib=lib: lib.sin(t) * t.sum()  # noqa: E731
        jac = mod.jacobian(f, x, create_graph=True)
        _, vj = mod.vjp(lambda t: t**3, x, lib.ones(3, dtype=lib.float64), create_graph=True)
        _, hv = mod.hvp(
            lambda t: (t**4).sum(), x, lib.ones(3, dtype=lib.float64), create_graph=True
        )
        assert jac.requires_grad and vj.requires_grad and hv.requires_grad
        (jac.sum() + vj.sum() + hv.sum()).backward()
        grads.append(x.grad.numpy().copy())
        plain = mod.jacobian(f, x)
        assert not plain.requires_grad
    np.testing.assert_allclose(*grads, rtol=1e-12)


def test_unused_inputs_give_zeros_or_raise_in_strict(torch):
    for lib, mod in ((dg, AF), (torch, torch.autograd.functional)):
        a, b = lib.tensor([1.0, 2.0]), lib.tensor([3.0])
        f = lambda a, b: a * 2  # noqa: E731
        jac = mod.jacobian(f, (a, b))
        np.testing.assert_array_equal(jac[1].numpy(), np.zeros((2, 1)))
        _, vj = mod.vjp(f, (a, b), lib.ones(2))
        np.testing.assert_array_equal(vj[1].numpy(), [0.0])
        with pytest.raises(RuntimeError, match="independent of input 1"):
            mod.jacobian(f, (a, b), strict=True)
        with pytest.raises(RuntimeError, match="independent of input 1"):
            mod.vjp(f, (a, b), lib.ones(2), strict=True)


def test_errors_as_torch(torch):
    for lib, mod in ((dg, AF), (torch, torch.autograd.functional)):
        x = lib.tensor([1.0, 2.0])
        with pytest.raises(RuntimeError, match="v can only be None"):
            mod.vjp(lambda t: t * 2, x)
        with pytest.raises(RuntimeError, match="v can only be None"):
            mod.jvp(lambda t: t * 2, x)
        with pytest.raises(RuntimeError, match="v has invalid size"):
            mod.vjp(lambda t: t * 2, x, lib.ones(3))
        with pytest.raises(RuntimeError, match="v is a tuple of invalid length"):
            mod.jvp(lambda a, b: a * b, (x, x), (lib.ones(2),))
        with pytest.raises(TypeError, match="must be either a Tensor or a tuple of Tensors"):
            mod.jacobian(lambda t: t, [1.0, 2.0])
        with pytest.raises(TypeError, match="outputs of the user-provided function"):
            mod.jacobian(lambda t: 3.0, x)
        with pytest.raises(RuntimeError, match="should contain a single element"):
            mod.hessian(lambda t: t * 2, x)
        with pytest.raises(NotImplementedError, match="vectorize=True"):
            mod.jacobian(lambda t: t, x, strategy="forward-mode")


def test_vectorize_gives_the_same_numbers(torch):
    x = dg.tensor([0.1, 0.2, 0.3], dtype=dg.float64)
    f = _fns(dg)["one_one"]
    _close(AF.jacobian(f, x, vectorize=True), AF.jacobian(f, x))
    _close(AF.jacobian(f, x, vectorize=True, strategy="forward-mode"), AF.jacobian(f, x))


def test_importable_by_pytorchs_path():
    import deepgrad.autograd.functional as mod
    from deepgrad.autograd.functional import jacobian

    assert dg.autograd.functional is mod and jacobian is AF.jacobian
