"""LSTM with ``proj_size`` (PyTorch's projected LSTM, ``h_t = W_hr (σ(o) ⊙ tanh(c_t))``):
parameter names/shapes/order, outputs and gradients against ``torch.nn.LSTM``, gradient
checks, variable-length batches, bad values."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn

I, H, P = 4, 5, 3


def _pair(torch, **kw):
    """A float64 torch LSTM and a deepgrad LSTM holding the same weights."""
    t_mod = torch.nn.LSTM(I, H, proj_size=P, **kw).double()
    d_mod = nn.LSTM(I, H, proj_size=P, **kw).double()
    d_mod.load_state_dict({k: v.detach().numpy() for k, v in t_mod.state_dict().items()})
    return t_mod, d_mod


def _compare(torch, kw, with_hx=True, lengths=None, T=5, B=4, seed=0):
    """Outputs, h_n, c_n and every gradient (input, h0, c0, parameters) equal torch's."""
    rng = np.random.default_rng(seed)
    t_mod, d_mod = _pair(torch, **kw)
    L = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
    bf = kw.get("batch_first", False)
    xs = rng.standard_normal((B, T, I) if bf else (T, B, I))
    hs = [rng.standard_normal((L, B, P)), rng.standard_normal((L, B, H))] if with_hx else []

    tx = torch.tensor(xs, requires_grad=True)
    ths = [torch.tensor(h, requires_grad=True) for h in hs]
    thx = tuple(ths) if with_hx else None
    if lengths is None:
        t_out, (t_h, t_c) = t_mod(tx, thx)
    else:
        packed = torch.nn.utils.rnn.pack_padded_sequence(
            tx, torch.tensor(lengths), batch_first=bf, enforce_sorted=False
        )
        t_out, (t_h, t_c) = t_mod(packed, thx)
        t_out, _ = torch.nn.utils.rnn.pad_packed_sequence(t_out, batch_first=bf, total_length=T)

    dx = dg.tensor(xs, requires_grad=True)
    dhs = [dg.tensor(h, requires_grad=True) for h in hs]
    dhx = tuple(dhs) if with_hx else None
    d_out, (d_h, d_c) = d_mod(dx, dhx, lengths=lengths)

    D = 2 if kw.get("bidirectional") else 1
    assert d_out.shape == ((B, T, D * P) if bf else (T, B, D * P))
    assert d_h.shape == (L, B, P) and d_c.shape == (L, B, H)
    for a, b in ((d_out, t_out), (d_h, t_h), (d_c, t_c)):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-9, atol=1e-11)

    # the brief's loss (sum of outputs) plus weighted states, so every path is exercised
    t_loss = t_out.sum() + (t_h * 0.7).sum() - (t_c * 0.3).sum()
    d_loss = d_out.sum() + (d_h * 0.7).sum() - (d_c * 0.3).sum()
    t_loss.backward()
    d_loss.backward()
    np.testing.assert_allclose(dx.grad.numpy(), tx.grad.numpy(), rtol=1e-8, atol=1e-10)
    for a, b in zip(dhs, ths):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-8, atol=1e-10)
    t_params = dict(t_mod.named_parameters())
    assert [n for n, _ in d_mod.named_parameters()] == list(t_params)
    for name, p in d_mod.named_parameters():
        np.testing.assert_allclose(
            p.grad.numpy(), t_params[name].grad.numpy(), rtol=1e-8, atol=1e-10, err_msg=name
        )


CONFIGS = [
    dict(),
    dict(num_layers=2),
    dict(bidirectional=True),
    dict(batch_first=True),
    dict(num_layers=2, bidirectional=True, batch_first=True),
    dict(num_layers=2, bidirectional=True, bias=False),
]


@pytest.mark.parametrize("kw", CONFIGS)
def test_matches_pytorch_with_initial_state(torch, kw):
    _compare(torch, kw, with_hx=True)


@pytest.mark.parametrize("kw", CONFIGS)
def test_matches_pytorch_without_initial_state(torch, kw):
    _compare(torch, kw, with_hx=False, seed=1)


@pytest.mark.parametrize("kw", [dict(), dict(num_layers=2, bidirectional=True, batch_first=True)])
def test_lengths_match_pytorch_packed_sequences(torch, kw):
    _compare(torch, kw, lengths=[3, 5, 1, 4])  # unsorted, with a length-1 sample
    _compare(torch, kw, lengths=[5, 4, 4, 2], with_hx=False, seed=2)  # sorted


def test_packed_sequence_input_matches_pytorch(torch, rng):
    t_mod, d_mod = _pair(torch, bidirectional=True)
    x = rng.standard_normal((5, 3, I))
    lengths = [2, 5, 3]
    t_out, (t_h, t_c) = t_mod(
        torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), lengths, enforce_sorted=False)
    )
    d_out, (d_h, d_c) = d_mod(nn.pack_padded_sequence(dg.tensor(x), lengths, enforce_sorted=False))
    t_pad, _ = torch.nn.utils.rnn.pad_packed_sequence(t_out)
    d_pad, _ = nn.pad_packed_sequence(d_out)
    assert d_pad.shape == (5, 3, 2 * P)
    np.testing.assert_allclose(d_pad.numpy(), t_pad.detach().numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(d_h.numpy(), t_h.detach().numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(d_c.numpy(), t_c.detach().numpy(), rtol=1e-9, atol=1e-11)


def test_unbatched_input_matches_pytorch(torch, rng):
    t_mod, d_mod = _pair(torch, num_layers=2)
    x, h0, c0 = (
        rng.standard_normal((5, I)),
        rng.standard_normal((2, P)),
        rng.standard_normal((2, H)),
    )
    t_out, (t_h, t_c) = t_mod(torch.tensor(x), (torch.tensor(h0), torch.tensor(c0)))
    d_out, (d_h, d_c) = d_mod(dg.tensor(x), (dg.tensor(h0), dg.tensor(c0)))
    assert d_out.shape == (5, P) and d_h.shape == (2, P) and d_c.shape == (2, H)
    for a, b in ((d_out, t_out), (d_h, t_h), (d_c, t_c)):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize(
    "kw",
    [
        dict(num_layers=1, bidirectional=False, lengths=None, hx=True, bias=True),
        dict(num_layers=2, bidirectional=True, lengths=None, hx=True, bias=True),
        dict(num_layers=2, bidirectional=True, lengths=[2, 3, 1], hx=True, bias=True),
        dict(num_layers=1, bidirectional=True, lengths=[3, 3, 2], hx=False, bias=False),
    ],
)
def test_gradcheck_inputs_states_and_parameters(kw, rng):
    """float64 finite differences through output, h_n and c_n (projection weights included)."""
    dg.set_default_dtype("float64")
    T, B, i, h, p = 3, 3, 2, 3, 2
    L = kw["num_layers"] * (2 if kw["bidirectional"] else 1)
    m = nn.LSTM(
        i, h, num_layers=kw["num_layers"], bidirectional=kw["bidirectional"], bias=kw["bias"],
        proj_size=p,
    )  # fmt: skip
    x = dg.tensor(rng.standard_normal((T, B, i)), requires_grad=True)
    h0 = dg.tensor(rng.standard_normal((L, B, p)), requires_grad=True)
    c0 = dg.tensor(rng.standard_normal((L, B, h)), requires_grad=True)
    params = list(m.parameters())
    assert any(q.shape == (p, h) for q in params)  # the projections are checked too

    def f(x, *args):
        hx = (args[0], args[1]) if kw["hx"] else None
        out, (hn, cn) = m(x, hx, lengths=kw["lengths"])
        return out, hn, cn

    inputs = [x, *([h0, c0] if kw["hx"] else []), *params]
    dg.gradcheck(f, *inputs, atol=1e-6, rtol=1e-4)


def test_functional_lstm_with_projection_matches_cell_loop(rng):
    """``F.lstm`` with ``(w_ih, w_hh, b_ih, b_hh, w_hr)`` equals a loop of ``lstm_cell``
    followed by the projection, values and gradients."""
    dg.set_default_dtype("float64")
    F = dg.functional
    T, B = 4, 3
    x = dg.tensor(rng.standard_normal((T, B, I)), requires_grad=True)
    shapes = [(4 * H, I), (4 * H, P), (4 * H,), (4 * H,), (P, H)]
    ws = [dg.tensor(rng.standard_normal(s) * 0.5, requires_grad=True) for s in shapes]
    h0 = dg.tensor(rng.standard_normal((B, P)), requires_grad=True)
    c0 = dg.tensor(rng.standard_normal((B, H)), requires_grad=True)
    out, (hn, cn) = F.lstm(x, (h0.unsqueeze(0), c0.unsqueeze(0)), [ws])
    h, c, outs = h0, c0, []
    for t in range(T):
        # lstm_cell's h' = σ(o) ⊙ tanh(c'); the projected state is W_hr h'
        gates = F.linear(x[t], ws[0], ws[2]) + F.linear(h, ws[1], ws[3])
        i_, f_, g_, o_ = F.split(gates, H, axis=-1)
        c = F.sigmoid(f_) * c + F.sigmoid(i_) * F.tanh(g_)
        h = F.linear(F.sigmoid(o_) * F.tanh(c), ws[4])
        outs.append(h)
    ref = dg.stack(outs, 0)
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(hn.numpy()[0], h.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(cn.numpy()[0], c.numpy(), rtol=1e-10, atol=1e-12)
    v = dg.tensor(rng.standard_normal(out.shape))
    g1 = dg.grad((out * v).sum() + cn.sum(), [x, h0, c0, *ws])
    g2 = dg.grad((ref * v).sum() + c.sum(), [x, h0, c0, *ws])
    for a, b in zip(g1, g2):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("bias", [True, False])
def test_state_dict_keys_shapes_and_order_match_pytorch(torch, bias):
    t_mod = torch.nn.LSTM(I, H, num_layers=2, bidirectional=True, proj_size=P, bias=bias)
    d_mod = nn.LSTM(I, H, num_layers=2, bidirectional=True, proj_size=P, bias=bias)
    t_sd, d_sd = t_mod.state_dict(), d_mod.state_dict()
    assert list(d_sd) == list(t_sd)  # same names, same registration order
    for k in t_sd:
        assert tuple(d_sd[k].shape) == tuple(t_sd[k].shape), k
    assert d_sd["weight_hr_l1_reverse"].shape == (P, H)
    assert d_sd["weight_hh_l0"].shape == (4 * H, P)
    assert d_sd["weight_ih_l1"].shape == (4 * H, 2 * P)
    # and back: deepgrad's state_dict loads into torch
    t_mod.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in d_sd.items()})


def test_default_init_and_repr_and_config():
    m = nn.LSTM(I, 16, proj_size=4, num_layers=2)
    w = m.weight_hr_l1.numpy()
    assert w.shape == (4, 16) and np.abs(w).max() <= 1 / 4 and np.abs(w).std() > 0
    assert "proj_size=4" in repr(m)
    m2 = nn.LSTM(**m.get_config())
    m2.load_state_dict(m.state_dict())
    x = dg.randn(3, 2, I)
    np.testing.assert_array_equal(m(x)[0].numpy(), m2(x)[0].numpy())
    assert "proj_size" not in repr(nn.LSTM(I, H))


@pytest.mark.parametrize("bad", [-1, H, H + 3])
def test_bad_proj_size_raises_naming_value(bad):
    with pytest.raises(ValueError, match=f"proj_size.*{bad}"):
        nn.LSTM(I, H, proj_size=bad)


def test_bad_proj_size_type_raises():
    with pytest.raises(TypeError, match="proj_size must be an int, got float"):
        nn.LSTM(I, H, proj_size=1.5)


def test_wrong_state_shapes_name_proj_size():
    m = nn.LSTM(I, H, proj_size=P)
    x = dg.randn(5, 2, I)
    with pytest.raises(ValueError, match=r"h0 of shape .*proj_size\) = \(1, 2, 3\)"):
        m(x, (dg.zeros(1, 2, H), dg.zeros(1, 2, H)))
    with pytest.raises(ValueError, match=r"c0 of shape .*hidden_size\) = \(1, 2, 5\)"):
        m(x, (dg.zeros(1, 2, P), dg.zeros(1, 2, P)))
