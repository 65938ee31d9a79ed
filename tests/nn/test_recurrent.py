"""nn.RNNBase and nn.RNNCellBase, the public base classes of the recurrent layers and cells,
against PyTorch's: constructor signatures, isinstance, parameters, modes and errors."""

from __future__ import annotations

import pytest

import deepgrad as dg
from deepgrad import nn


def _shapes(m):
    return {k: tuple(v.shape) for k, v in m.state_dict().items()}


def test_layers_and_cells_are_instances_of_the_bases(torch):
    for lib in (dg, torch):
        for cls in (lib.nn.RNN, lib.nn.LSTM, lib.nn.GRU):
            assert isinstance(cls(2, 3), lib.nn.RNNBase)
            assert not isinstance(cls(2, 3), lib.nn.RNNCellBase)
        for cls in (lib.nn.RNNCell, lib.nn.LSTMCell, lib.nn.GRUCell):
            assert isinstance(cls(2, 3), lib.nn.RNNCellBase)
            assert not isinstance(cls(2, 3), lib.nn.RNNBase)


@pytest.mark.parametrize(
    "args, kwargs",
    [
        (("LSTM", 3, 4), {}),
        (("GRU", 3, 4, 2), {"bidirectional": True, "bias": False}),
        (("RNN_RELU", 3, 4), {"batch_first": True}),
        (("LSTM", 3, 4, 2), {"proj_size": 2, "bidirectional": True}),
    ],
)
def test_rnn_base_builds_torchs_parameters(torch, args, kwargs):
    m, t = nn.RNNBase(*args, **kwargs), torch.nn.RNNBase(*args, **kwargs)
    assert _shapes(m) == _shapes(t)
    assert m.mode == t.mode and repr(m) == repr(t)
    for name in ("input_size", "hidden_size", "num_layers", "bias", "batch_first",
                 "bidirectional", "proj_size"):  # fmt: skip
        assert getattr(m, name) == getattr(t, name)
    for obj in (m, t):
        with pytest.raises(NotImplementedError, match="RNNBase"):
            obj(dg.randn(2, 1, 3) if obj is m else torch.randn(2, 1, 3))


def test_rnn_modes_as_torch(torch):
    for kw, mode in (({}, "RNN_TANH"), ({"nonlinearity": "relu"}, "RNN_RELU")):
        assert nn.RNN(2, 3, **kw).mode == torch.nn.RNN(2, 3, **kw).mode == mode
    assert nn.LSTM(2, 3).mode == "LSTM" and nn.GRU(2, 3).mode == "GRU"
    for lib in (dg, torch):
        with pytest.raises(ValueError, match="Unrecognized RNN mode: FOO"):
            lib.nn.RNNBase("FOO", 3, 4)


def test_a_relu_rnn_from_the_base_runs_relu(torch, rng):
    """RNN's weights loaded into torch's: mode RNN_RELU means the relu recurrence."""
    import numpy as np

    m = nn.RNN(3, 4, nonlinearity="relu")
    t = torch.nn.RNN(3, 4, nonlinearity="relu")
    t.load_state_dict({k: torch.tensor(v.numpy()) for k, v in m.state_dict().items()})
    x = rng.standard_normal((5, 2, 3)).astype("float32")
    np.testing.assert_allclose(
        m(dg.tensor(x))[0].detach().numpy(), t(torch.tensor(x))[0].detach().numpy(), rtol=1e-5,
        atol=1e-6,
    )  # fmt: skip


@pytest.mark.parametrize("bias", [True, False])
def test_rnn_cell_base_as_torch(torch, bias):
    m, t = nn.RNNCellBase(3, 4, bias, 3), torch.nn.RNNCellBase(3, 4, bias, 3)
    assert _shapes(m) == _shapes(t) and repr(m) == repr(t)
    assert (m.input_size, m.hidden_size, m.bias) == (t.input_size, t.hidden_size, t.bias)
    for p in m.parameters():
        assert float(p.abs().max()) <= 0.5  # U(-1/sqrt(4), 1/sqrt(4))
    with pytest.raises(NotImplementedError, match="RNNCellBase"):
        m(dg.randn(2, 3))


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_dropout_range_and_warning_as_torch(torch, cls):
    """torch accepts dropout in [0, 1] and warns when it cannot apply (one layer)."""
    import warnings

    msgs = {}
    for lib in (dg, torch):
        with pytest.warns(UserWarning, match=r"dropout=0\.5 and num_layers=1") as rec:
            getattr(lib.nn, cls)(2, 3, dropout=0.5)
        msgs[lib] = [str(w.message) for w in rec]
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            getattr(lib.nn, cls)(2, 3, num_layers=2, dropout=1.0)
            getattr(lib.nn, cls)(2, 3, dropout=0.0)
        for bad in (-0.1, 1.5, True, "0.5"):
            with pytest.raises(ValueError, match=r"dropout should be a number in range \[0, 1\]"):
                getattr(lib.nn, cls)(2, 3, num_layers=2, dropout=bad)
    assert msgs[dg] == msgs[torch]
    # p = 1 zeroes the first layer's output: the second layer sees zeros, as torch's
    m = getattr(nn, cls)(2, 3, num_layers=2, dropout=1.0)
    t = getattr(torch.nn, cls)(2, 3, num_layers=2, dropout=1.0)
    t.load_state_dict({k: torch.tensor(v.numpy()) for k, v in m.state_dict().items()})
    x = dg.randn(4, 1, 2)
    out = m(x)[0].detach().numpy()
    ref = t(torch.tensor(x.numpy()))[0].detach().numpy()
    import numpy as np

    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("bias", [True, False])
def test_rnn_cell_repr_names_its_nonlinearity_as_torchs(nonlinearity, bias):
    torch = pytest.importorskip("torch")
    ours = nn.RNNCell(3, 4, bias, nonlinearity=nonlinearity)
    assert repr(ours) == repr(torch.nn.RNNCell(3, 4, bias, nonlinearity=nonlinearity))


@pytest.mark.parametrize("cls", ["LSTM", "GRU", "RNN"])
def test_recurrent_bool_flags_as_torch(cls):
    """PyTorch's constructor refuses a ``bias`` or ``batch_first`` that is not a bool
    ("bias should be of type bool, got: int"), and its kernel call a ``bidirectional`` of 1
    at forward (the module is made); deepgrad took any truthy value."""
    torch = pytest.importorskip("torch")
    for lib in (torch, dg):
        C = getattr(lib.nn, cls)
        for kw in ({"bias": 1}, {"batch_first": 1}, {"batch_first": None}):
            with pytest.raises(TypeError, match=f"{next(iter(kw))} should be of type bool"):
                C(4, 5, **kw)
        m = C(4, 5, bidirectional=1)
        with pytest.raises(TypeError):
            m(lib.randn(2, 3, 4))
        ok = C(4, 5, bias=False, batch_first=True, bidirectional=True)
        assert tuple(ok(lib.randn(2, 3, 4))[0].shape) == (2, 3, 10)
