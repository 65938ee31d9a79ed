"""PyTorch's module hooks and dotted-path lookups."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn


def model():
    dg.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))


def test_forward_hook_records_activations_and_is_removable(tmp_path):
    m = model()
    seen = []
    handle = m[1].register_forward_hook(lambda mod, args, out: seen.append((mod, out.shape)))
    x = dg.randn(5, 3)
    m(x)
    assert seen == [(m[1], (5, 4))]
    handle.remove()
    m(x)
    assert len(seen) == 1
    with m[0].register_forward_hook(lambda mod, args, out: seen.append("in block")):
        m(x)
    m(x)
    assert seen[1:] == ["in block"]
    m.save(tmp_path / "m.dg")  # hooks are not part of the model file
    h = m[1].register_forward_hook(lambda *a: None)
    m.save(tmp_path / "m2.dg")
    h.remove()


def test_hooks_can_replace_inputs_and_outputs_and_keep_gradients(torch):
    m = model()
    m[0].register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
    m[2].register_forward_hook(lambda mod, args, out: out + 1)
    x = dg.tensor(np.ones((2, 3), np.float32), requires_grad=True)
    out = m(x)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    tm.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in m.state_dict().items()})
    tm[0].register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
    tm[2].register_forward_hook(lambda mod, args, out: out + 1)
    tx = torch.ones((2, 3), requires_grad=True)
    tout = tm(tx)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-6)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_hooks_fire_in_registration_order_and_reject_non_callables():
    m = nn.ReLU()
    order = []
    m.register_forward_hook(lambda *a: order.append(1))
    m.register_forward_hook(lambda *a: order.append(2))
    m.register_forward_pre_hook(lambda *a: order.append(0))
    m(dg.randn(2))
    assert order == [0, 1, 2]
    with pytest.raises(TypeError, match="hook must be callable"):
        m.register_forward_hook("not a function")


def test_get_submodule_and_get_parameter():
    m = nn.Sequential(nn.Sequential(nn.Linear(2, 2)), nn.ReLU())
    assert m.get_submodule("") is m
    assert m.get_submodule("0.0") is m[0][0]
    assert m.get_parameter("0.0.weight") is m[0][0].weight
    with pytest.raises(AttributeError, match="has no sub-module '7'"):
        m.get_submodule("0.7")
    with pytest.raises(AttributeError, match="has no parameter 'gamma'"):
        m.get_parameter("0.0.gamma")
