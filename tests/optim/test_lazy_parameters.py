"""Every optimizer against PyTorch 2.13 on a lazy layer's uninitialized parameters: built
before the layer's first call, stepped before it (nothing to do) and after it (the
placeholders became the built parameters, in place).

PyTorch's ``Adagrad`` fills its state at construction and so refuses them (``ValueError``);
the others build their state at the first step and take them. ``LBFGS`` refuses a step
whose closure did not call the layer (its placeholders have no size for a zero gradient).
``SparseAdam`` refuses the dense gradients a ``Linear`` gives, in both.
"""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn, optim

NAMES = ["SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "Adagrad", "Adadelta", "RMSprop",
         "Rprop", "ASGD", "SparseAdam", "LBFGS"]  # fmt: skip

W = np.linspace(-1.0, 1.0, 12).reshape(3, 4)
B = np.array([0.1, -0.2, 0.3])
X = np.arange(8.0).reshape(2, 4) / 8


def _outcome(fn):
    """``("ok", value)`` or the error's class."""
    try:
        return "ok", fn()
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return type(e), None


def _run(lib, layer, opt_cls, x, set_weights, name):
    """Construct on the placeholders, step before the first call, call, set known weights,
    step with their gradients: the outcome of each stage (and the final weight)."""
    made, opt = _outcome(lambda: opt_cls(layer.parameters(), lr=0.1))
    if made != "ok":
        return [made]

    def loss():
        opt.zero_grad()
        out = (layer(x) ** 2).sum()
        out.backward()
        return out

    # LBFGS's closure, before the first call, cannot call the layer (that would build it)
    first = _outcome(lambda: opt.step(lambda: lib.zeros(())) if name == "LBFGS" else opt.step())
    layer(x)
    set_weights(layer)
    loss()
    second = _outcome(lambda: opt.step(loss) if name == "LBFGS" else opt.step())
    return [made, first[0], second[0], np.asarray(layer.weight.detach().cpu().numpy())]


def _set_torch(torch, layer):
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(W))
        layer.bias.copy_(torch.tensor(B))


def _set_dg(layer):
    layer.weight._data[...] = W
    layer.bias._data[...] = B


@pytest.fixture(autouse=True)
def _torch_scalars_in_float64(torch):
    """torch keeps some scalar state (NAdam's mu_product, ASGD's eta and mu) in its default
    dtype; float64 makes its float64 runs comparable to 1e-9."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


@pytest.mark.parametrize("name", NAMES)
def test_optimizer_on_lazy_parameters_matches_torch(torch, name):
    dg.set_default_dtype(dg.float64)
    t = _run(torch, torch.nn.LazyLinear(3), getattr(torch.optim, name),
             torch.tensor(X), lambda m: _set_torch(torch, m), name)  # fmt: skip
    d = _run(dg, nn.LazyLinear(3), getattr(optim, name), dg.tensor(X), _set_dg, name)
    kinds = [k if isinstance(k, str) else k.__mro__ for k in d[:3]]
    for want, got in zip(t[:3], kinds, strict=True):
        assert want == got if isinstance(want, str) else not isinstance(got, str) and want in got
    if len(t) == 4 and t[2] == "ok":
        np.testing.assert_allclose(d[3], t[3], rtol=1e-9, atol=1e-12)


def test_adagrad_refuses_placeholders_at_construction_only():
    """The message says to run the layer first; the same layer after its first call, and an
    unbound Adagrad bound later (deepgrad's Keras-style late binding), are taken."""
    layer = nn.LazyLinear(3)
    with pytest.raises(ValueError, match="uninitialized parameter.*forward"):
        optim.Adagrad(layer.parameters())
    late = optim.Adagrad(lr=0.1).bind(layer.parameters())
    layer(dg.ones(2, 4))
    layer(dg.ones(2, 4)).sum().backward()
    late.step()
    assert late.state[layer.weight]["sum"].shape == (3, 4)
    optim.Adagrad(layer.parameters())
