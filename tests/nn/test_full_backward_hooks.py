"""``Module.register_full_backward_hook`` / ``register_full_backward_pre_hook``, against
PyTorch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn


def _copy_weights(tm, m, torch):
    tm.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in m.state_dict().items()})


def _cnn(lib):
    return lib.nn.Sequential(
        lib.nn.Conv2d(2, 4, 3, padding=1),
        lib.nn.ReLU(),
        lib.nn.Conv2d(4, 5, 3),
        lib.nn.ReLU(),
        lib.nn.AdaptiveAvgPool2d(1),
        lib.nn.Flatten(),
        lib.nn.Linear(5, 3),
    )


def _grad_cam(lib, model, x, layer):
    store = {}
    h1 = layer.register_forward_hook(lambda m, a, out: store.__setitem__("act", out.detach()))
    h2 = layer.register_full_backward_hook(
        lambda m, gi, go: store.__setitem__("grad", go[0].detach())
    )
    logits = model(x)
    model.zero_grad()
    logits[:, int(logits[0].argmax())].sum().backward()
    h1.remove()
    h2.remove()
    weights = store["grad"].mean(dim=(2, 3), keepdim=True)
    cam = lib.relu((weights * store["act"]).sum(dim=1))
    return cam, store["grad"]


def test_grad_cam_on_a_small_cnn_matches_torch(torch):
    dg.manual_seed(0)
    m = _cnn(dg)
    tm = _cnn(torch)
    _copy_weights(tm, m, torch)
    x = np.random.default_rng(0).standard_normal((2, 2, 7, 7)).astype(np.float32)
    cam, grad = _grad_cam(dg, m, dg.tensor(x), m[2])
    tcam, tgrad = _grad_cam(torch, tm, torch.from_numpy(x), tm[2])
    assert grad.shape == (2, 5, 5, 5)
    np.testing.assert_allclose(grad.numpy(), tgrad.numpy(), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(cam.numpy(), tcam.numpy(), rtol=1e-5, atol=1e-7)
    # the hooks are gone: another pass calls nothing and leaves no wrapper node
    assert type(m[2](m[0](dg.tensor(x))).grad_fn).__name__ != "BackwardHookFunctionBackward"


def _run_modified(lib, m, x):
    calls = []

    def scale_input_grad(mod, grad_input, grad_output):
        calls.append(("hook", len(grad_input), len(grad_output)))
        return (grad_input[0] * 3,)

    def pre(mod, grad_output):
        calls.append(("pre", len(grad_output)))
        return (grad_output[0] * 2,)

    m[2].register_full_backward_hook(scale_input_grad)
    m[2].register_full_backward_pre_hook(pre)
    seen = []
    m[0].register_full_backward_hook(lambda mod, gi, go: seen.append(gi[0].clone()))
    xt = lib.tensor(x, requires_grad=True)
    (m(xt) ** 2).sum().backward()
    return calls, xt.grad, {n: p.grad for n, p in m.named_parameters()}, seen[0]


def test_hooks_that_replace_gradients_give_torchs_parameter_and_input_grads(torch):
    dg.manual_seed(1)
    m = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    _copy_weights(tm, m, torch)
    x = np.random.default_rng(1).standard_normal((5, 3))
    calls, gx, grads, gi = _run_modified(dg, m.double(), x)
    tcalls, tgx, tgrads, tgi = _run_modified(torch, tm.double(), x)
    assert calls == tcalls == [("pre", 1), ("hook", 1, 1)]
    np.testing.assert_allclose(gx.numpy(), tgx.numpy(), rtol=1e-12)
    np.testing.assert_allclose(gi.numpy(), tgi.numpy(), rtol=1e-12)
    for name, g in grads.items():
        np.testing.assert_allclose(g.numpy(), tgrads[name].numpy(), rtol=1e-12)


def _multi(lib, base, a_grad, b_grad):
    class Split(base):
        def forward(self, a, k, b, c=None):
            return a * k, b * 3, "tag"

    m = Split()
    seen = []

    def describe(g):
        return None if g is None else (tuple(g.shape), g.detach().numpy().tolist())

    m.register_full_backward_hook(
        lambda mod, gi, go: seen.append(([describe(g) for g in gi], [describe(g) for g in go]))
    )
    a = lib.ones(2, requires_grad=a_grad)
    b = lib.ones(3, requires_grad=b_grad)
    out = m(a, 5, b, c=lib.ones(1, requires_grad=True))
    assert out[2] == "tag"
    flags = (out[0].requires_grad, out[1].requires_grad)
    out[0].sum().backward() if a_grad else out[1].sum().backward()
    return seen, flags, a.grad, b.grad


@pytest.mark.parametrize(("a_grad", "b_grad"), [(True, False), (True, True), (False, True)])
def test_multiple_inputs_and_outputs_and_inputs_not_requiring_grad(torch, a_grad, b_grad):
    seen, flags, ga, gb = _multi(dg, dg.nn.Module, a_grad, b_grad)
    tseen, tflags, tga, tgb = _multi(torch, torch.nn.Module, a_grad, b_grad)
    # grad_input: None for the non-tensor argument, zeros where no gradient flowed;
    # grad_output: None for the non-tensor output and the output that was not used
    assert seen == tseen
    assert flags == tflags
    for g, tg in ((ga, tga), (gb, tgb)):
        assert (g is None) == (tg is None)
        if g is not None:
            np.testing.assert_array_equal(g.numpy(), tg.numpy())


def _no_input_grad(lib):
    lin = lib.nn.Linear(2, 2)
    seen = []
    lin.register_full_backward_hook(lambda m, gi, go: seen.append((gi, tuple(go[0].shape))))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        lin(lib.ones(1, 2)).sum().backward()
    assert any("no inputs require gradients" in str(x.message) for x in w)
    lin.register_full_backward_hook(lambda m, gi, go: (lib.ones(1, 2),))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match="should always return None"):
            lin(lib.ones(1, 2)).sum().backward()
    return seen


def test_hooks_fire_on_the_outputs_when_no_input_requires_grad(torch):
    # the first hook fired in both passes (the second pass then raised in the second hook)
    assert _no_input_grad(dg) == _no_input_grad(torch) == [((None,), (1, 2))] * 2


def _handles(lib):
    lin = lib.nn.Linear(2, 2)
    order = []
    h1 = lin.register_full_backward_hook(lambda *a: order.append(1))
    lin.register_full_backward_hook(lambda *a: order.append(2))
    lin.register_full_backward_hook(lambda *a: order.append(0), prepend=True)
    hp = lin.register_full_backward_pre_hook(lambda *a: order.append("pre"))
    x = lib.ones(3, 2, requires_grad=True)
    (lin(x) + lin(x)).sum().backward()  # once per forward call
    h1.remove()
    hp.remove()
    lin(x).sum().backward()
    with lin.register_full_backward_pre_hook(lambda *a: order.append("with")):
        lin(x).sum().backward()
    lin(x).sum().backward()
    with lib.no_grad():
        assert not lin(x).requires_grad
    return order


def test_removal_order_prepend_and_one_call_per_forward(torch):
    assert _handles(dg) == _handles(torch)
    assert _handles(dg)[:8] == ["pre", 0, 1, 2, "pre", 0, 1, 2]


def _errors(lib):
    lin = lib.nn.Linear(2, 2)
    lin.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
    with pytest.raises(RuntimeError, match="invalid number of grad_input, got 2, but expected 1"):
        lin(lib.ones(1, 2, requires_grad=True)).sum().backward()
    lin = lib.nn.Linear(2, 2)
    lin.register_full_backward_pre_hook(lambda m, go: (go[0], go[0]))
    with pytest.raises(RuntimeError, match="invalid number of grad_output, got 2, but expected 1"):
        lin(lib.ones(1, 2, requires_grad=True)).sum().backward()
    lin = lib.nn.Linear(2, 2)
    lin.register_full_backward_hook(lambda *a: None)
    y = lin(lib.ones(1, 2, requires_grad=True))
    with pytest.raises(RuntimeError, match="Output 0 of BackwardHookFunction is a view"):
        y += 1
    with pytest.raises(RuntimeError, match="is a view and is being modified inplace"):
        y[0] = 0
    with pytest.raises(RuntimeError, match="Output 0 of BackwardHookFunction is a view"):
        y.mul_(2)

    class Dict(lib.nn.Module):
        def forward(self, x):
            return {"a": x * 2}

    d = Dict()
    d.register_full_backward_hook(lambda *a: pytest.fail("not called"))
    with pytest.warns(UserWarning, match="module output should be a Tensor or a tuple"):
        out = d(lib.ones(2, requires_grad=True))
    out["a"].sum().backward()


def test_errors_and_warnings_as_torch(torch):
    _errors(dg)
    _errors(torch)


def test_register_backward_hook_is_refused_clearly():
    with pytest.raises(NotImplementedError, match="register_full_backward_hook"):
        nn.Linear(2, 2).register_backward_hook(lambda *a: None)


def test_gradients_through_hooked_module_gradcheck():
    dg.manual_seed(0)
    m = nn.Sequential(nn.Linear(3, 2), nn.Tanh()).double()
    m[0].register_full_backward_hook(lambda mod, gi, go: None)
    m[1].register_full_backward_pre_hook(lambda mod, go: None)
    x = dg.randn(4, 3, dtype=dg.float64, requires_grad=True)
    assert dg.gradcheck(lambda t: m(t), (x,))


def _passes(lib):
    calls = []
    lin = lib.nn.Linear(2, 2)
    with lib.no_grad():
        lin.weight.copy_(lib.tensor([[1.0, 2.0], [3.0, -1.0]]))
        lin.bias.copy_(lib.tensor([0.5, -0.5]))
    lin.register_full_backward_hook(lambda m, gi, go: calls.append(float(gi[0].detach().sum())))
    x = lib.tensor([[1.0, -2.0]], requires_grad=True)
    y = (lin(x) ** 2).sum()
    y.backward(retain_graph=True)  # the hooks fire in each pass over the retained graph
    y.backward()
    grads = [x.grad.tolist()]
    x.grad = None
    (g,) = lib.autograd.grad((lin(x) ** 3).sum(), x, create_graph=True)
    g.sum().backward()  # the second-order pass: the same calls as PyTorch
    grads += [g.tolist(), x.grad.tolist()]
    return calls, grads


def test_retained_graph_and_double_backward_as_torch(torch):
    assert _passes(dg) == _passes(torch)
