"""nn.utils.stateless.functional_call: PyTorch's deprecated name of func.functional_call."""

from __future__ import annotations

import warnings

import numpy as np

import deepgrad as dg
from deepgrad import nn


def test_stateless_functional_call_as_torch(torch):
    m = nn.Linear(3, 2)
    t = torch.nn.Linear(3, 2)
    t.load_state_dict({k: torch.tensor(v.numpy()) for k, v in m.state_dict().items()})
    x = np.linspace(-1, 1, 6).reshape(2, 3).astype("float32")
    w = np.arange(6.0).reshape(2, 3).astype("float32")
    got = []
    for lib, mod in ((dg, m), (torch, t)):
        weight = lib.tensor(w, requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            y = lib.nn.utils.stateless.functional_call(mod, {"weight": weight}, (lib.tensor(x),))
        (y**2).sum().backward()
        got.append(([(c.category, str(c.message), c.filename) for c in caught],
                    y.detach().numpy(), weight.grad.numpy()))  # fmt: skip
        assert mod.weight.grad is None
    assert got[0][0] == got[1][0] and got[0][0][0][2] == __file__
    for a, b in zip(got[0][1:], got[1][1:]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
