"""RNN / LSTM / GRU layers and cells: shapes, gradient checks, equality with PyTorch,
variable-length batches (against PyTorch's packed sequences), errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn

MODES = ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"]


def make(mode: str, *args, lib=nn, **kw):
    if mode.startswith("RNN"):
        return lib.RNN(*args, nonlinearity=mode[4:].lower(), **kw)
    return getattr(lib, mode)(*args, **kw)


def copy_from_torch(dg_mod, t_mod):
    dg_mod.load_state_dict({k: v.detach().numpy() for k, v in t_mod.state_dict().items()})


def states(mode, L, B, H, rng, dtype=np.float64):
    h0 = rng.standard_normal((L, B, H)).astype(dtype)
    if mode == "LSTM":
        return h0, rng.standard_normal((L, B, H)).astype(dtype)
    return (h0,)


# ---------------------------------------------------------------------------------------
# shapes
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("with_hx", [False, True])
@pytest.mark.parametrize("with_lengths", [False, True])
def test_shapes(mode, num_layers, bidirectional, batch_first, with_hx, with_lengths, rng):
    T, B, I, H = 4, 3, 5, 6
    D = 2 if bidirectional else 1
    m = make(
        mode, I, H, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first
    )
    x = dg.randn(*((B, T, I) if batch_first else (T, B, I)))
    hx = None
    if with_hx:
        s = [dg.tensor(a, dtype="float32") for a in states(mode, num_layers * D, B, H, rng)]
        hx = tuple(s) if mode == "LSTM" else s[0]
    lengths = [4, 2, 3] if with_lengths else None
    out, state = m(x, hx, lengths=lengths)
    assert out.shape == ((B, T, D * H) if batch_first else (T, B, D * H))
    hs = state if mode == "LSTM" else (state,)
    for s in hs:
        assert s.shape == (num_layers * D, B, H)
        assert s.dtype == np.float32
    assert out.dtype == np.float32
    if with_lengths:
        o = out.numpy() if not batch_first else out.numpy().transpose(1, 0, 2)
        assert np.all(o[2:, 1] == 0) and np.all(o[3:, 2] == 0) and np.any(o[3, 0] != 0)


def test_unbatched_input_matches_batched():
    m = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    x = dg.randn(5, 3)
    out, (h, c) = m(x)
    assert out.shape == (5, 8) and h.shape == (4, 4) and c.shape == (4, 4)
    out_b, (h_b, _) = m(x.unsqueeze(1))
    np.testing.assert_allclose(out.numpy(), out_b.numpy()[:, 0], rtol=1e-6)
    np.testing.assert_allclose(h.numpy(), h_b.numpy()[:, 0], rtol=1e-6)
    g = nn.GRU(3, 4)
    out, h = g(x, dg.zeros(1, 4))
    assert out.shape == (5, 4) and h.shape == (1, 4)


def test_parameter_names_and_shapes_match_pytorch(torch):
    for mode in MODES:
        for bias in (True, False):
            kw = dict(num_layers=2, bidirectional=True, bias=bias)
            a = make(mode, 3, 5, **kw)
            b = make(mode, 3, 5, lib=torch.nn, **kw)
            assert [(k, tuple(v.shape)) for k, v in a.state_dict().items()] == [
                (k, tuple(v.shape)) for k, v in b.state_dict().items()
            ]


def test_default_init_is_uniform_in_inverse_sqrt_hidden():
    m = nn.LSTM(10, 16, num_layers=2)
    for _, p in m.named_parameters():
        a = p.numpy()
        assert np.abs(a).max() <= 0.25 and a.std() > 0.1


# ---------------------------------------------------------------------------------------
# gradient checks (float64, tiny sizes)
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "config",
    [
        dict(num_layers=1, bidirectional=False, lengths=None, hx=True, bias=True),
        dict(num_layers=2, bidirectional=True, lengths=None, hx=True, bias=True),
        dict(num_layers=2, bidirectional=True, lengths=[2, 3, 1], hx=True, bias=True),
        dict(num_layers=1, bidirectional=True, lengths=[3, 3, 2], hx=False, bias=False),
    ],
)
def test_gradcheck_inputs_states_and_parameters(mode, config, rng):
    dg.set_default_dtype("float64")
    T, B, I, H = 3, 3, 2, 2
    L, D = config["num_layers"], 2 if config["bidirectional"] else 1
    m = make(mode, I, H, num_layers=L, bidirectional=config["bidirectional"], bias=config["bias"])
    x = dg.tensor(rng.standard_normal((T, B, I)), requires_grad=True)
    hs = [dg.tensor(a, requires_grad=True) for a in states(mode, L * D, B, H, rng)]
    if mode == "RNN_RELU":  # keep pre-activations away from the kink
        x = dg.tensor(np.abs(x.numpy()) + 0.5, requires_grad=True)
        hs = [dg.tensor(np.abs(h.numpy()) + 0.5, requires_grad=True) for h in hs]
    params = list(m.parameters())

    def f(x, *args):
        hx = None
        if config["hx"]:
            hx = (args[0], args[1]) if mode == "LSTM" else args[0]
        out, state = m(x, hx, lengths=config["lengths"])
        return (out, *(state if mode == "LSTM" else (state,)))

    inputs = [x, *(hs if config["hx"] else []), *params]
    dg.gradcheck(f, *inputs, atol=1e-6, rtol=1e-4)


@pytest.mark.parametrize("mode", ["RNN_TANH", "LSTM", "GRU"])
def test_gradcheck_cells(mode, rng):
    dg.set_default_dtype("float64")
    cls = {"RNN_TANH": nn.RNNCell, "LSTM": nn.LSTMCell, "GRU": nn.GRUCell}[mode]
    cell = cls(3, 2)
    x = dg.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    h = dg.tensor(rng.standard_normal((4, 2)), requires_grad=True)
    c = dg.tensor(rng.standard_normal((4, 2)), requires_grad=True)

    def f(x, h, c, *ps):
        return cell(x, (h, c)) if mode == "LSTM" else cell(x, h)

    ins = [x, h, c] if mode == "LSTM" else [x, h, dg.tensor(0.0)]
    dg.gradcheck(f, *ins, *cell.parameters())


def test_fused_sequence_matches_cell_loop(rng):
    """The fused LSTM/GRU/RNN equal a Python loop of the primitive cells (values and grads)."""
    dg.set_default_dtype("float64")
    F = dg.functional
    T, B, I, H = 5, 3, 4, 3
    x = dg.tensor(rng.standard_normal((T, B, I)), requires_grad=True)
    for mode, G in (("LSTM", 4), ("GRU", 3), ("RNN", 1)):
        ws = [dg.tensor(rng.standard_normal(s) * 0.5, requires_grad=True)
              for s in [(G * H, I), (G * H, H), (G * H,), (G * H,)]]  # fmt: skip
        h0 = dg.tensor(rng.standard_normal((B, H)), requires_grad=True)
        c0 = dg.tensor(rng.standard_normal((B, H)), requires_grad=True)
        if mode == "LSTM":
            out, (hn, cn) = F.lstm(x, (h0.unsqueeze(0), c0.unsqueeze(0)), [ws])
            h, c, outs = h0, c0, []
            for t in range(T):
                h, c = F.lstm_cell(x[t], h, c, *ws)
                outs.append(h)
        else:
            fn = F.gru if mode == "GRU" else F.rnn
            out, hn = fn(x, h0.unsqueeze(0), [ws])
            h, outs = h0, []
            for t in range(T):
                h = F.gru_cell(x[t], h, *ws) if mode == "GRU" else F.rnn_cell(x[t], h, *ws)
                outs.append(h)
        ref = dg.stack(outs, 0)
        np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(hn.numpy()[0], h.numpy(), rtol=1e-10, atol=1e-12)
        v = dg.tensor(rng.standard_normal(out.shape))
        g1 = dg.grad((out * v).sum(), [x, h0, *ws])
        g2 = dg.grad((ref * v).sum(), [x, h0, *ws])
        for a, b in zip(g1, g2):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-9, atol=1e-11)


# ---------------------------------------------------------------------------------------
# equality with PyTorch
# ---------------------------------------------------------------------------------------


def _compare(
    torch, mode, kw, T=5, B=3, I=4, H=3, with_hx=True, lengths=None, seed=0, zero_hx=False
):
    rng = np.random.default_rng(seed)
    L = kw.get("num_layers", 1)
    D = 2 if kw.get("bidirectional") else 1
    bf = kw.get("batch_first", False)
    t_mod = make(mode, I, H, lib=torch.nn, **kw).double()
    d_mod = make(mode, I, H, **kw).double()
    copy_from_torch(d_mod, t_mod)
    xs = rng.standard_normal((B, T, I) if bf else (T, B, I))
    hs = states(mode, L * D, B, H, rng) if with_hx else ()
    if zero_hx:  # zero initial states that still want their gradient
        hs = tuple(np.zeros_like(h) for h in hs)

    tx = torch.tensor(xs, requires_grad=True)
    ths = [torch.tensor(h, requires_grad=True) for h in hs]
    thx = (tuple(ths) if mode == "LSTM" else ths[0]) if with_hx else None
    if lengths is None:
        t_out, t_state = t_mod(tx, thx)
    else:
        packed = torch.nn.utils.rnn.pack_padded_sequence(
            tx, torch.tensor(lengths), batch_first=bf, enforce_sorted=False
        )
        t_out, t_state = t_mod(packed, thx)
        t_out, _ = torch.nn.utils.rnn.pad_packed_sequence(t_out, batch_first=bf, total_length=T)
    t_states = list(t_state) if mode == "LSTM" else [t_state]

    dx = dg.tensor(xs, requires_grad=True)
    dhs = [dg.tensor(h, requires_grad=True) for h in hs]
    dhx = (tuple(dhs) if mode == "LSTM" else dhs[0]) if with_hx else None
    d_out, d_state = d_mod(dx, dhx, lengths=lengths)
    d_states = list(d_state) if mode == "LSTM" else [d_state]

    np.testing.assert_allclose(d_out.numpy(), t_out.detach().numpy(), rtol=1e-9, atol=1e-11)
    for a, b in zip(d_states, t_states):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-9, atol=1e-11)

    vs = [rng.standard_normal(t_out.shape)] + [rng.standard_normal(s.shape) for s in t_states]
    t_loss = sum((o * torch.tensor(v)).sum() for o, v in zip([t_out, *t_states], vs))
    t_loss.backward()
    d_loss = sum((o * dg.tensor(v)).sum() for o, v in zip([d_out, *d_states], vs))
    d_loss.backward()
    np.testing.assert_allclose(dx.grad.numpy(), tx.grad.numpy(), rtol=1e-8, atol=1e-10)
    for a, b in zip(dhs, ths):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-8, atol=1e-10)
    t_params = dict(t_mod.named_parameters())
    for name, p in d_mod.named_parameters():
        np.testing.assert_allclose(
            p.grad.numpy(), t_params[name].grad.numpy(), rtol=1e-8, atol=1e-10, err_msg=name
        )


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "kw",
    [
        dict(),
        dict(num_layers=2, bidirectional=True),
        dict(num_layers=3, batch_first=True),
        dict(num_layers=2, bidirectional=True, batch_first=True, bias=False),
    ],
)
def test_matches_pytorch(torch, mode, kw):
    _compare(torch, mode, kw)
    _compare(torch, mode, kw, with_hx=False, seed=1)
    _compare(torch, mode, kw, zero_hx=True, seed=2, T=1)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kw", [dict(), dict(num_layers=2, bidirectional=True)])
def test_float32_matches_pytorch_float32(torch, mode, kw):
    """float32 layers (their gates' tanh is :func:`gate_tanh`'s rational form, within a few
    units in the last place) against PyTorch's float32 layers: outputs, states, gradients."""
    rng = np.random.default_rng(7)
    T, B, I, H = 12, 5, 6, 16
    t_mod = make(mode, I, H, lib=torch.nn, **kw)
    d_mod = make(mode, I, H, **kw)
    copy_from_torch(d_mod, t_mod)
    x = (rng.standard_normal((T, B, I)) * 2).astype(np.float32)
    tx, dx = torch.tensor(x, requires_grad=True), dg.tensor(x, requires_grad=True)
    (t_out, t_state), (d_out, d_state) = t_mod(tx), d_mod(dx)
    t_states = list(t_state) if mode == "LSTM" else [t_state]
    d_states = list(d_state) if mode == "LSTM" else [d_state]
    for a, b in zip([d_out, *d_states], [t_out, *t_states]):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-5, atol=2e-6)
    v = rng.standard_normal(t_out.shape).astype(np.float32)
    (t_out * torch.tensor(v)).sum().backward()
    (d_out * dg.tensor(v)).sum().backward()
    np.testing.assert_allclose(dx.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    t_params = dict(t_mod.named_parameters())
    for name, p in d_mod.named_parameters():
        np.testing.assert_allclose(
            p.grad.numpy(), t_params[name].grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=name
        )


def test_gate_tanh_is_tanh_to_a_few_units_in_the_last_place(monkeypatch):
    """``gate_tanh``'s rational float32 form (taken on CPUs without AVX-512; forced here) over
    every 61st float32 in [0, 10] (every one was checked once: within 6.04 units in the last
    place, 97.4 % within one): odd bit for bit, never past ±1, NaN, ±inf and signed zeros as
    tanh's; float64 is NumPy's tanh itself."""
    from deepgrad.functional import recurrent
    from deepgrad.functional.recurrent import gate_tanh

    monkeypatch.setattr(recurrent, "RATIONAL_TANH32", True)

    top = np.float32(10).view(np.int32)
    x = np.arange(0, top, 61, dtype=np.int32).view(np.float32)
    y = gate_tanh(x)
    exact = np.tanh(x.astype(np.float64))
    ulp = np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
    err = np.abs(y - exact) / np.maximum(ulp, np.finfo(np.float32).smallest_subnormal)
    assert err.max() <= 6.1
    assert (err < 1).mean() > 0.97
    assert np.abs(y).max() == 1.0
    np.testing.assert_array_equal(gate_tanh(-x).view(np.int32), (-y).view(np.int32))
    special = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e30, -1e30], np.float32)
    got = gate_tanh(special)
    np.testing.assert_array_equal(got, [np.nan, 1, -1, 0, 0, 1, -1])
    assert list(np.signbit(got[3:5])) == [False, True]
    d = np.linspace(-30, 30, 1001)
    np.testing.assert_array_equal(gate_tanh(d), np.tanh(d))
    out = np.empty(4, np.float32)
    assert gate_tanh(np.float32([0.5, -1, 2, 9]), out=out) is out
    assert not np.array_equal(gate_tanh(x), np.tanh(x))  # it is the rational form


def test_gate_tanh_is_numpys_tanh_where_that_is_vectorized(monkeypatch):
    """Where NumPy's float32 ``tanh`` runs its AVX-512 loop, ``gate_tanh`` is that ``tanh``,
    bit for bit (in place too); the choice follows NumPy's dispatch for this CPU."""
    from deepgrad.functional import recurrent

    try:  # NumPy >= 2.0 says which loop its float32 tanh runs on this CPU
        from numpy.lib.introspect import opt_func_info
    except ImportError:
        simd = None
    else:
        info = opt_func_info(func_name="^tanh$", signature="^float32")["tanh"]
        current = next(iter(info.values()))["current"]
        simd = current == "X86_V4" or current.startswith("AVX512")
    if simd is not None:
        assert recurrent._numpy_tanh32_is_simd() is simd
    assert recurrent.RATIONAL_TANH32 is not recurrent._numpy_tanh32_is_simd()
    monkeypatch.setattr(recurrent, "RATIONAL_TANH32", False)
    x = np.random.default_rng(3).standard_normal((64, 33)).astype(np.float32) * 4
    np.testing.assert_array_equal(recurrent.gate_tanh(x), np.tanh(x), strict=True)
    a = x.copy()
    assert recurrent.gate_tanh(a, out=a) is a
    np.testing.assert_array_equal(a, np.tanh(x), strict=True)
    # the layers follow the switch: NumPy's tanh and the rational form differ in last bits
    dg.manual_seed(0)
    net = dg.nn.LSTM(3, 16)
    seq = dg.tensor(x[:, :30].reshape(10, 64, 3))
    out_numpy = net(seq)[0].numpy().copy()
    monkeypatch.setattr(recurrent, "RATIONAL_TANH32", True)
    out_rational = net(seq)[0].numpy()
    assert out_numpy.dtype == np.float32 and not np.array_equal(out_numpy, out_rational)
    np.testing.assert_allclose(out_numpy, out_rational, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_lengths_match_pytorch_packed_sequences(torch, mode, bidirectional, batch_first):
    kw = dict(num_layers=2, bidirectional=bidirectional, batch_first=batch_first)
    _compare(torch, mode, kw, T=6, B=4, lengths=[3, 6, 1, 4])  # unsorted, with a 1
    _compare(torch, mode, kw, T=6, B=4, lengths=[5, 4, 4, 2], with_hx=False, seed=2)  # sorted


@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
def test_packed_sequence_input_matches_pytorch(torch, mode, rng):
    T, B, I, H = 5, 3, 2, 3
    t_mod = make(mode, I, H, lib=torch.nn, bidirectional=True).double()
    d_mod = make(mode, I, H, bidirectional=True).double()
    copy_from_torch(d_mod, t_mod)
    xs = rng.standard_normal((T, B, I))
    lengths = [2, 5, 3]
    tx = torch.tensor(xs, requires_grad=True)
    tp = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, enforce_sorted=False)
    t_out, t_state = t_mod(tp)
    dx = dg.tensor(xs, requires_grad=True)
    dp = nn.pack_padded_sequence(dx, lengths, enforce_sorted=False)
    np.testing.assert_array_equal(dp.batch_sizes, tp.batch_sizes.numpy())
    np.testing.assert_allclose(dp.data.numpy(), tp.data.detach().numpy())
    d_out, d_state = d_mod(dp)
    assert isinstance(d_out, nn.PackedSequence)
    np.testing.assert_allclose(d_out.data.numpy(), t_out.data.detach().numpy(), rtol=1e-9)
    th = t_state[0] if mode == "LSTM" else t_state
    dh = d_state[0] if mode == "LSTM" else d_state
    np.testing.assert_allclose(dh.numpy(), th.detach().numpy(), rtol=1e-9)
    v = rng.standard_normal(tuple(t_out.data.shape))
    (t_out.data * torch.tensor(v)).sum().backward()
    (d_out.data * dg.tensor(v)).sum().backward()
    np.testing.assert_allclose(dx.grad.numpy(), tx.grad.numpy(), rtol=1e-8, atol=1e-12)
    padded, lens = nn.pad_packed_sequence(d_out, batch_first=True)
    t_padded, t_lens = torch.nn.utils.rnn.pad_packed_sequence(t_out, batch_first=True)
    np.testing.assert_allclose(padded.numpy(), t_padded.detach().numpy(), rtol=1e-9)
    assert lens.tolist() == t_lens.tolist() == lengths


def test_pack_pad_round_trip_and_gradcheck(rng):
    dg.set_default_dtype("float64")
    x = dg.tensor(rng.standard_normal((4, 3, 2)), requires_grad=True)

    def f(x):
        p = nn.pack_padded_sequence(x, [2, 4, 1], enforce_sorted=False)
        return nn.pad_packed_sequence(p, padding_value=-1.0)[0]

    y = f(x).numpy()
    assert y[2:, 0].tolist() == [[-1.0, -1.0]] * 2 and np.all(y[1:, 2] == -1)
    np.testing.assert_allclose(y[:, 1], x.numpy()[:, 1])
    dg.gradcheck(f, x)
    with pytest.raises(ValueError, match="not sorted"):
        nn.pack_padded_sequence(x, [2, 4, 1])


@pytest.mark.parametrize("mode", ["RNN_TANH", "LSTM", "GRU"])
def test_cells_match_pytorch(torch, mode, rng):
    name = {"RNN_TANH": "RNNCell", "LSTM": "LSTMCell", "GRU": "GRUCell"}[mode]
    t_cell = getattr(torch.nn, name)(4, 3).double()
    d_cell = getattr(nn, name)(4, 3).double()
    copy_from_torch(d_cell, t_cell)
    xs, hs, cs = (
        rng.standard_normal((5, 4)),
        rng.standard_normal((5, 3)),
        rng.standard_normal((5, 3)),
    )
    tx, th, tc = (torch.tensor(a, requires_grad=True) for a in (xs, hs, cs))
    dx, dh, dc = (dg.tensor(a, requires_grad=True) for a in (xs, hs, cs))
    if mode == "LSTM":
        t_out, d_out = t_cell(tx, (th, tc)), d_cell(dx, (dh, dc))
    else:
        t_out, d_out = (t_cell(tx, th),), (d_cell(dx, dh),)
    vs = [rng.standard_normal((5, 3)) for _ in t_out]
    sum((o * torch.tensor(v)).sum() for o, v in zip(t_out, vs)).backward()
    sum((o * dg.tensor(v)).sum() for o, v in zip(d_out, vs)).backward()
    for a, b in zip(d_out, t_out):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(dx.grad.numpy(), tx.grad.numpy(), rtol=1e-9)
    np.testing.assert_allclose(dh.grad.numpy(), th.grad.numpy(), rtol=1e-9)
    tp = dict(t_cell.named_parameters())
    for n, p in d_cell.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[n].grad.numpy(), rtol=1e-9, err_msg=n)
    # no state: zeros; unbatched input
    h1 = d_cell(dg.tensor(xs[0]))
    h1 = h1[0] if mode == "LSTM" else h1
    t1 = t_cell(torch.tensor(xs[0]))
    t1 = t1[0] if mode == "LSTM" else t1
    np.testing.assert_allclose(h1.numpy(), t1.detach().numpy(), rtol=1e-10)


# ---------------------------------------------------------------------------------------
# dtype, dropout, double backward, errors
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("zero_h0", [True, False])
def test_full_batch_path_matches_ragged_path(mode, zero_h0, rng):
    """Full batches take the fast backward (dA stored as (G, T, B), one fused weight GEMM);
    lengths all equal to T take the general ragged path (transposing copies, one GEMM per
    weight). float32: the outputs and the bias gradients are bit-identical, the weight
    gradients equal up to float32 rounding (the fused GEMM groups the sums differently)."""
    T, B, I, H = 7, 5, 4, 6
    m = make(mode, I, H, num_layers=2, bidirectional=True)
    x = rng.standard_normal((T, B, I)).astype(np.float32)
    hx = None
    if not zero_h0:
        hx = tuple(dg.tensor(s) for s in states(mode, 4, B, H, rng, np.float32))
        hx = hx if mode == "LSTM" else hx[0]
    res = []
    for lengths in (None, [T] * B):
        m.zero_grad()
        out, state = m(dg.tensor(x), hx, lengths=lengths)
        hs = state if mode == "LSTM" else (state,)
        (out.sum() * 0.5 + sum((h * h).sum() for h in hs)).backward()
        res.append((out.numpy(), {k: p.grad.numpy() for k, p in m.named_parameters()}))
    np.testing.assert_array_equal(res[0][0], res[1][0])
    for k, g in res[0][1].items():
        if k.startswith("bias"):
            np.testing.assert_array_equal(g, res[1][1][k], err_msg=k)
        else:
            np.testing.assert_allclose(g, res[1][1][k], rtol=1e-5, atol=1e-6, err_msg=k)


@pytest.mark.parametrize("mode", MODES)
def test_float32_stays_float32(mode):
    m = make(mode, 3, 4, num_layers=2, bidirectional=True)
    x = dg.randn(5, 2, 3, requires_grad=True)
    out, state = m(x, lengths=[5, 3])
    hs = state if mode == "LSTM" else (state,)
    (out.sum() + sum(h.sum() for h in hs)).backward()
    assert out.dtype == np.float32 and all(h.dtype == np.float32 for h in hs)
    assert x.grad.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in m.parameters())


def test_dropout_between_layers_only_in_training():
    m = nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = dg.randn(5, 2, 3)
    m.eval()
    a, b = m(x)[0].numpy(), m(x)[0].numpy()
    np.testing.assert_array_equal(a, b)
    m.train()
    c, d = m(x)[0].numpy(), m(x)[0].numpy()
    assert not np.allclose(c, d) and not np.allclose(a, c)
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        single = nn.GRU(3, 4, dropout=0.5)  # one layer: dropout has nothing to act on
    np.testing.assert_array_equal(single(x)[0].numpy(), single(x)[0].numpy())


def test_double_backward_raises_clearly():
    dg.set_default_dtype("float64")
    m = nn.LSTM(2, 3)
    x = dg.randn(4, 2, 2, requires_grad=True)
    out, _ = m(x)
    (gx,) = dg.grad(out.sum(), x, create_graph=True)
    with pytest.raises(NotImplementedError, match="double backward of LSTMSequence"):
        gx.sum().backward()


def test_second_derivatives_through_cells():
    dg.set_default_dtype("float64")
    cell = nn.LSTMCell(2, 3)
    x = dg.randn(4, 2, requires_grad=True)

    def f(x):
        h, c = cell(x)
        (g,) = dg.grad((h * h).sum(), x, create_graph=True)
        return g

    dg.gradcheck(f, x)


def test_wrong_input_size_names_layer_expected_and_actual():
    m = nn.LSTM(28, 128)
    with pytest.raises(ValueError, match=r"LSTM\(28, 128\).*28.*\(5, 2, 27\)"):
        m(dg.randn(5, 2, 27))
    with pytest.raises(ValueError, match=r"GRUCell\(4, 3\).*4.*\(2, 5\)"):
        nn.GRUCell(4, 3)(dg.randn(2, 5))
    with pytest.raises(ValueError, match=r"RNN\(4, 3\).*shape \(5,\)"):
        nn.RNN(4, 3)(dg.randn(5))


def test_wrong_hx_shape_and_lengths_are_reported():
    m = nn.GRU(3, 4, num_layers=2)
    x = dg.randn(5, 2, 3)
    with pytest.raises(ValueError, match=r"GRU\(3, 4\).*\(2, 2, 4\).*\(1, 2, 4\)"):
        m(x, dg.zeros(1, 2, 4))
    lstm = nn.LSTM(3, 4)
    with pytest.raises(TypeError, match="tuple"):
        lstm(x, dg.zeros(1, 2, 4))
    with pytest.raises(ValueError, match=r"c0 .*\(1, 2, 4\).*\(1, 3, 4\)"):
        lstm(x, (dg.zeros(1, 2, 4), dg.zeros(1, 3, 4)))
    with pytest.raises(ValueError, match="lengths must lie in"):
        lstm(x, lengths=[6, 2])
    with pytest.raises(ValueError, match="lengths must be 2 integers"):
        lstm(x, lengths=[3])
    with pytest.raises(TypeError, match="dtype float64 does not match"):
        lstm(dg.randn(5, 2, 3, dtype="float64"))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")


def test_config_round_trip():
    m = nn.LSTM(3, 4, num_layers=2, batch_first=True, bidirectional=True)
    cfg = m.get_config()
    assert cfg["num_layers"] == 2 and cfg["bidirectional"] is True
    m2 = nn.LSTM(**cfg)
    m2.load_state_dict(m.state_dict())
    x = dg.randn(2, 5, 3)
    np.testing.assert_array_equal(m(x)[0].numpy(), m2(x)[0].numpy())
    assert "bidirectional=True" in repr(m)


@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
def test_embedding_recurrent_classifier_learns_variable_length_task(mode):
    """Embedding → LSTM/GRU (lengths=) → last valid state → Linear learns whether the
    token 1 occurs in a padded variable-length sequence (it can sit anywhere)."""
    from deepgrad import optim

    rng = np.random.default_rng(0)
    N, T = 128, 6
    lengths = rng.integers(1, T + 1, N)
    tokens = rng.integers(2, 6, (N, T))
    has_one = rng.random(N) < 0.5
    pos = (rng.random(N) * lengths).astype(int)
    tokens[has_one, pos[has_one]] = 1
    tokens[np.arange(T)[None, :] >= lengths[:, None]] = 0  # padding id 0 (may hide a 1)
    labels = (tokens == 1).any(axis=1).astype(np.int64)

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = nn.Embedding(6, 8, padding_idx=0)
            self.rnn = getattr(nn, mode)(8, 16, batch_first=True)
            self.fc = nn.Linear(16, 2)

        def forward(self, x, lengths):
            _, h = self.rnn(self.emb(x), lengths=lengths)
            return self.fc((h[0] if mode == "LSTM" else h)[-1])

    net = Net()
    opt = optim.Adam(net.parameters(), lr=0.02)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(60):
        opt.zero_grad()
        loss = loss_fn(net(tokens, lengths), labels)
        loss.backward()
        opt.step()
    acc = (net(tokens, lengths).numpy().argmax(axis=1) == labels).mean()
    assert acc > 0.95, acc
