"""deepgrad.jit: script and trace return what they are given (the results PyTorch's give for
the same inputs); save/load raise, naming deepgrad's model file."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn


def test_script_and_trace_give_torchs_results(torch, rng):
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    tnet = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    tnet.load_state_dict({k: torch.tensor(v.numpy()) for k, v in net.state_dict().items()})
    a = rng.standard_normal((5, 3)).astype("float32")
    assert dg.jit.script(net) is net and dg.jit.trace(net, dg.tensor(a)) is net
    want = [
        torch.jit.script(tnet)(torch.tensor(a)),
        torch.jit.trace(tnet, torch.tensor(a))(torch.tensor(a)),
    ]
    for w in want:
        np.testing.assert_allclose(
            net(dg.tensor(a)).detach().numpy(), w.detach().numpy(), rtol=1e-5, atol=1e-6
        )

    with pytest.warns(DeprecationWarning, match="torch.jit.script` is deprecated"):

        @dg.jit.script
        def f(x):
            return x * 2

    assert f(3) == 6
    assert dg.jit.ignore(f) is f and dg.jit.ignore(drop=True)(f) is f and dg.jit.unused(f) is f
    assert dg.jit.export(f) is f and not dg.jit.is_scripting() and not dg.jit.is_tracing()


def test_save_and_load_name_the_model_file(tmp_path):
    for call in (
        lambda: dg.jit.save(nn.Linear(2, 2), tmp_path / "m.pt"),
        lambda: dg.jit.load("m.pt"),
    ):
        with pytest.raises(NotImplementedError, match="model.save"):
            call()
    with pytest.raises(TypeError, match="Module or a function"):
        dg.jit.script(3)


def test_deprecation_warnings_as_torch(torch):
    msgs = []
    for lib in (dg, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lib.jit.script(lib.nn.Linear(2, 2))
            lib.jit.trace(lambda x: x * 2, lib.ones(1))
        msgs.append({(x.category, str(x.message)) for x in w})
    assert msgs[0] <= msgs[1] and len(msgs[0]) == 2
