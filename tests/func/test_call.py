"""deepgrad.func against torch.func: functional_call (values, gradients to the given tensors,
the module unchanged, tied weights, strict, several dicts) and grad / grad_and_value."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn
from deepgrad.func import functional_call, grad, grad_and_value


def _nets(torch):
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Tanh(), nn.Linear(4, 2))
    tnet = torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Tanh(), torch.nn.Linear(4, 2)
    )
    tnet.load_state_dict({k: torch.tensor(v.numpy()) for k, v in net.state_dict().items()})
    return net, tnet


def test_functional_call_as_torch(torch, rng):
    net, tnet = _nets(torch)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    new = {
        n: rng.standard_normal(tuple(p.shape)).astype("float32") for n, p in tnet.named_parameters()
    }
    new["1.running_mean"] = rng.standard_normal(4).astype("float32")
    a = rng.standard_normal((5, 3)).astype("float32")
    for train in (True, False):
        net.train(train)
        tnet.train(train)
        d = {k: dg.tensor(v, requires_grad="running" not in k) for k, v in new.items()}
        t = {k: torch.tensor(v, requires_grad="running" not in k) for k, v in new.items()}
        y = functional_call(net, d, dg.tensor(a))
        ty = torch.func.functional_call(tnet, t, torch.tensor(a))
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
        (y**2).sum().backward()
        (ty**2).sum().backward()
        for k in d:
            if d[k].requires_grad:
                np.testing.assert_allclose(
                    d[k].grad.numpy(), t[k].grad.numpy(), rtol=1e-4, atol=1e-6
                )
    after = net.state_dict()
    for k in before:
        if k not in ("1.running_mean", "1.running_var", "1.num_batches_tracked"):
            np.testing.assert_array_equal(after[k], before[k])
    assert all(p.grad is None for p in net.parameters())
    assert isinstance(net[0].weight, nn.Parameter) and net[0].weight is net[0]._parameters["weight"]


def test_functional_call_options_as_torch(torch):
    outcomes = []
    for lib, fc in ((dg, functional_call), (torch, torch.func.functional_call)):
        m = lib.nn.Linear(2, 2)
        x = lib.ones(1, 2)
        res = []
        for d, kw in [
            ([{"weight": lib.zeros(2, 2)}, {"weight": lib.zeros(2, 2)}], {}),
            ({"weight": lib.zeros(2, 2)}, {"strict": True}),
            (
                {"weight": lib.zeros(2, 2), "bias": lib.zeros(2), "foo": lib.ones(1)},
                {"strict": True},
            ),
        ]:
            try:
                fc(m, d, x, **kw)
                res.append("ok")
            except (ValueError, RuntimeError) as e:
                res.append(f"{type(e).__name__}: {e}")
        # a sequence of dicts, args as one tensor, kwargs
        y = fc(m, ({"weight": lib.eye(2)}, {"bias": lib.ones(2)}), x)
        res.append(y.tolist())
        s = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.Linear(2, 2))
        s[1].weight = s[0].weight
        res.append(fc(s, {"0.weight": lib.zeros(2, 2), "0.bias": lib.zeros(2),
                          "1.bias": lib.ones(2)}, (x,)).tolist())  # fmt: skip
        try:
            fc(s, {"0.weight": lib.zeros(2, 2), "1.weight": lib.ones(2, 2)}, x)
        except ValueError as e:
            res.append(str(e))
        res.append(fc(s, {"0.weight": lib.zeros(2, 2), "1.weight": lib.ones(2, 2),
                          "0.bias": lib.zeros(2), "1.bias": lib.zeros(2)}, x,
                      tie_weights=False).tolist())  # fmt: skip
        outcomes.append(res)
    assert outcomes[0] == outcomes[1]


def test_grad_and_value_as_torch(torch, rng):
    a, b = rng.standard_normal(3), rng.standard_normal(3)

    def f(lib):
        return lambda x, y, k=2.0: (lib.sin(x) * y**k).sum()

    for argnums in (0, 1, (0, 1), (1,), -1):
        got = grad_and_value(f(dg), argnums=argnums)(dg.tensor(a), dg.tensor(b))
        want = torch.func.grad_and_value(f(torch), argnums=argnums)(
            torch.tensor(a), torch.tensor(b)
        )
        g, tg = (got[0], want[0]) if isinstance(argnums, tuple) else ((got[0],), (want[0],))
        assert len(g) == len(tg)
        for x, t in zip(g, tg):
            np.testing.assert_allclose(x.numpy(), t.numpy(), rtol=1e-12)
        np.testing.assert_allclose(got[1].item(), want[1].item(), rtol=1e-12)
    # a dict argument, has_aux, keyword arguments, grad of grad-free inputs
    h = lambda p, lib: ((p["w"] * p["v"]).sum() ** 2, {"n": p["w"].sum()})  # noqa: E731
    d = {"w": dg.tensor(a), "v": dg.tensor(b)}
    t = {"w": torch.tensor(a), "v": torch.tensor(b)}
    (gd, aux) = grad(h, has_aux=True)(d, dg)
    (tgd, taux) = torch.func.grad(h, has_aux=True)(t, torch)
    for k in gd:
        np.testing.assert_allclose(gd[k].numpy(), tgd[k].numpy(), rtol=1e-12)
    assert aux["n"].item() == pytest.approx(taux["n"].item()) and not aux["n"].requires_grad
    np.testing.assert_array_equal(grad(lambda x: dg.tensor(1.0))(dg.tensor(a)).numpy(), 0 * a)


def test_grad_errors_as_torch(torch):
    for lib, g in ((dg, grad), (torch, torch.func.grad)):
        with pytest.raises(RuntimeError, match="Expected f\\(\\*args\\) to return a scalar Tensor"):
            g(lambda a: a * 2)(lib.ones(2))
        with pytest.raises(RuntimeError, match="only 1 positional inputs"):
            g(lambda a: a.sum(), argnums=1)(lib.ones(2))
        with pytest.raises(RuntimeError, match="floating point"):
            g(lambda a: a.sum())(lib.ones(2, dtype=lib.int64))


def test_stack_module_state_matches_torch():
    """``stack_module_state``: parameters and buffers stacked by name, parameters as new
    leaves (trainable, unrelated to the models'), buffers as they are; its errors."""
    torch = pytest.importorskip("torch")
    from torch.func import stack_module_state as t_stack

    from deepgrad.func import functional_call, stack_module_state, vmap

    t_models = [torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4)) for _ in range(3)]  # fmt: skip
    models = [dg.nn.Sequential(dg.nn.Linear(3, 4), dg.nn.BatchNorm1d(4)) for _ in range(3)]
    for m, tm in zip(models, t_models):
        m.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    params, buffers = stack_module_state(models)
    t_params, t_buffers = t_stack(t_models)
    assert list(params) == list(t_params) and list(buffers) == list(t_buffers)
    for k in t_params:
        np.testing.assert_array_equal(params[k].detach().numpy(), t_params[k].detach().numpy())
        assert params[k].is_leaf and params[k].requires_grad
    for k in t_buffers:
        np.testing.assert_array_equal(buffers[k].numpy(), t_buffers[k].numpy())
        assert not buffers[k].requires_grad
    params["0.weight"].sum().backward()
    assert models[0][0].weight.grad is None  # new leaves
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    for m in models + t_models:
        m.eval()
    params, buffers = stack_module_state(models)
    base = models[0]
    out = vmap(lambda p, b, x: functional_call(base, (p, b), (x,)), in_dims=(0, 0, None))(params, buffers, dg.tensor(x))  # fmt: skip
    want = torch.stack([m(torch.tensor(x)) for m in t_models])
    np.testing.assert_allclose(out.detach().numpy(), want.detach().numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(RuntimeError, match="at least one model"):
        stack_module_state([])
    with pytest.raises(RuntimeError, match="same class"):
        stack_module_state([dg.nn.Linear(1, 1), dg.nn.Sequential(dg.nn.Linear(1, 1))])
    models[1].train()
    with pytest.raises(RuntimeError, match="training/eval mode"):
        stack_module_state(models)
    models[1].eval()
    models[1][0].weight.requires_grad_(False)
    with pytest.raises(RuntimeError, match="same .requires_grad"):
        stack_module_state(models)
