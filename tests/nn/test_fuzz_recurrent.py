"""Seeded differential fuzz against torch 2.13 of ``nn.RNN`` (tanh/relu), ``nn.LSTM`` (with
proj_size) and ``nn.GRU`` — sizes, num_layers 1-3, bias, batch_first, bidirectional,
dropout=0, unbatched input, h0/c0 given or not (and of wrong shapes), an empty batch,
length-1 sequences, float32/float64, PackedSequence input (enforce_sorted False) — and of
``RNNCell``/``LSTMCell``/``GRUCell`` (batched and unbatched, hx None), weights copied from
torch; outputs, final states, input and parameter gradients compared."""

from __future__ import annotations

import importlib.util
import pathlib

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

_spec = importlib.util.spec_from_file_location(
    "_functional_fuzz_harness",
    pathlib.Path(__file__).resolve().parents[1] / "functional" / "conftest.py",
)
_harness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_harness)
Fuzz, copy_module = _harness.Fuzz, _harness.copy_module


def _zero_grads(*mods):
    for m in mods:
        for p in m.parameters():
            p.grad = None


def _flat(out):
    """(output, h) or (output, (h, c)), output maybe a PackedSequence -> a flat tuple."""
    y, st = out
    if hasattr(y, "batch_sizes"):
        y = y.data
    return (y, *st) if isinstance(st, tuple) else (y, st)


def test_fuzz_rnn_modules():
    fz = Fuzz(int(__import__("os").environ.get("SEED", 71)))
    for case in range(150):
        kind = fz.pick(["RNN", "RNN", "LSTM", "GRU"])
        dtype = fz.pick([np.float32, np.float64])
        I, H = fz.int(1, 4), fz.int(1, 4)
        ckw = dict(num_layers=fz.int(1, 3), bias=fz.chance(0.7), batch_first=fz.chance(0.5),
                   bidirectional=fz.chance(0.4))  # fmt: skip
        if ckw["num_layers"] > 1 and fz.chance(0.3):
            ckw["dropout"] = 0.0
        if kind == "RNN" and fz.chance(0.5):
            ckw["nonlinearity"] = "relu"
        if kind == "LSTM" and fz.chance(0.4) and H > 1:
            ckw["proj_size"] = fz.int(1, H - 1)
        torch.manual_seed(case)
        tm = getattr(torch.nn, kind)(I, H, **ckw)
        dm = getattr(dg.nn, kind)(I, H, **ckw)
        if dtype == np.float64:
            tm, dm = tm.double(), dm.double()
        params = copy_module(tm, dm)
        mods = {torch: tm, dg: dm}
        D = 2 if ckw["bidirectional"] else 1
        L = ckw["num_layers"]
        Hout = ckw.get("proj_size") or H
        mode = fz.pick(["batched", "batched", "unbatched", "packed"])
        N = fz.pick([0, 1, 2, 3]) if mode == "batched" else fz.int(1, 3)
        T = fz.pick([1, fz.int(1, 4)])
        if mode == "batched" and fz.chance(0.05):
            T = 0  # an empty sequence
        bf = ckw["batch_first"]
        if mode == "unbatched":
            x = fz.array([T, I], dtype)
        else:
            x = fz.array([N, T, I] if bf else [T, N, I], dtype)
        lengths = None
        if mode == "packed":
            lengths = [fz.int(1, T) for _ in range(N)]
            lengths[fz.int(0, N - 1)] = T
        extra = []
        give_h = fz.chance(0.5)
        # torch 2.13 does not check the states of a PackedSequence input: extra h0 batch rows
        # or c0 rows are dropped, extra h0 layers crash the process (README row)
        wrong = give_h and fz.chance(0.15) and mode != "packed"
        if give_h:
            hs = [L * D, Hout] if mode == "unbatched" else [L * D, N, Hout]
            cs = [L * D, H] if mode == "unbatched" else [L * D, N, H]
            if wrong:
                how = fz.pick(["h", "c", "ndim"]) if kind == "LSTM" else fz.pick(["h", "ndim"])
                which = fz.int(0, len(hs) - 1)
                if how == "ndim":  # a 2-D state for a batched input, a 3-D one for unbatched
                    hs = hs[1:] if len(hs) == 3 else [hs[0], 1, hs[1]]
                    cs = cs[1:] if len(cs) == 3 else [cs[0], 1, cs[1]]
                elif how == "c":
                    cs = list(cs)
                    cs[which] += 1
                else:
                    hs = list(hs)
                    hs[which] += 1
            extra.append(fz.array(hs, dtype))
            if kind == "LSTM":
                extra.append(fz.array(cs, dtype))
        what = (f"{kind}({I}, {H}, {ckw}) {mode} x{x.shape} {x.dtype} lengths={lengths} "
                f"h={[e.shape for e in extra]}")  # fmt: skip

        def fn(lib, xx, *hh, mods=mods, lengths=lengths, kind=kind, bf=bf):
            inp = xx
            if lengths is not None:
                inp = lib.nn.utils.rnn.pack_padded_sequence(
                    xx, lib.tensor(lengths), batch_first=bf, enforce_sorted=False
                )
            h = None
            if hh:
                h = (hh[0], hh[1]) if kind == "LSTM" else hh[0]
            return _flat(mods[lib](inp, h))

        fz.check(what, fn, [x] + extra, params=params)
        _zero_grads(tm, dm)
    fz.report(min_cases=150)


def test_fuzz_rnn_cells():
    fz = Fuzz(int(__import__("os").environ.get("SEED", 72)))
    for case in range(120):
        kind = fz.pick(["RNNCell", "LSTMCell", "GRUCell"])
        dtype = fz.pick([np.float32, np.float64])
        I, H = fz.int(1, 4), fz.int(1, 4)
        ckw = dict(bias=fz.chance(0.7))
        if kind == "RNNCell" and fz.chance(0.5):
            ckw["nonlinearity"] = "relu"
        torch.manual_seed(case)
        tm = getattr(torch.nn, kind)(I, H, **ckw)
        dm = getattr(dg.nn, kind)(I, H, **ckw)
        if dtype == np.float64:
            tm, dm = tm.double(), dm.double()
        params = copy_module(tm, dm)
        mods = {torch: tm, dg: dm}
        batched = fz.chance(0.7)
        N = fz.pick([0, 1, 2, 3])
        x = fz.array([N, I] if batched else [I], dtype)
        extra = []
        if fz.chance(0.6):
            hs = [N, H] if batched else [H]
            if fz.chance(0.15):
                hs = fz.pick([[N + 1, H], [H + 1], [1, N, H]]) if batched else [H + 1]
            extra.append(fz.array(hs, dtype))
            if kind == "LSTMCell":
                extra.append(fz.array(hs, dtype))
        what = f"{kind}({I}, {H}, {ckw}) x{x.shape} {x.dtype} h={[e.shape for e in extra]}"

        def fn(lib, xx, *hh, mods=mods, kind=kind):
            h = None
            if hh:
                h = (hh[0], hh[1]) if kind == "LSTMCell" else hh[0]
            return mods[lib](xx, h)

        fz.check(what, fn, [x] + extra, params=params)
        _zero_grads(tm, dm)
    fz.report(min_cases=120)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_packed_hidden_size_one_keeps_final_states(kind):
    """Regression (fuzz): with hidden_size 1 the padded output was a view of the state
    history, and zeroing it past each length zeroed the shorter samples' h_n (and the states
    the backward reads)."""
    torch.manual_seed(0)
    tm = getattr(torch.nn, kind)(1, 1, num_layers=2, batch_first=True).double()
    dm = getattr(dg.nn, kind)(1, 1, num_layers=2, batch_first=True).double()
    copy_module(tm, dm)
    x = np.random.default_rng(0).uniform(-2, 2, (3, 4, 1))
    lengths = [2, 4, 3]
    tx, dx = torch.tensor(x, requires_grad=True), dg.tensor(x, requires_grad=True)
    tp = torch.nn.utils.rnn.pack_padded_sequence(
        tx, lengths, batch_first=True, enforce_sorted=False
    )
    dp = dg.nn.utils.rnn.pack_padded_sequence(dx, lengths, batch_first=True, enforce_sorted=False)
    (to, th), (do, dh) = tm(tp), dm(dp)
    th, dh = (th[0], dh[0]) if kind == "LSTM" else (th, dh)
    np.testing.assert_allclose(dh.numpy(), th.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(do.data.numpy(), to.data.detach().numpy(), rtol=1e-10)
    (to.data.sum() + th.sum()).backward()
    (do.data.sum() + dh.sum()).backward()
    np.testing.assert_allclose(dx.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_packed_unsorted_refuses_h0_with_extra_batch_rows():
    """torch 2.13 drops the extra rows silently (it reorders h0 before its shape check);
    deepgrad refuses, as torch does for the same h0 with enforce_sorted=True (README row)."""
    m = dg.nn.GRU(3, 2, num_layers=2)
    x = dg.tensor(np.zeros((1, 1, 3), np.float32))
    p = dg.nn.utils.rnn.pack_padded_sequence(x, [1], enforce_sorted=False)
    with pytest.raises(ValueError, match=r"expected h0 of shape .* \(2, 1, 2\)"):
        m(p, dg.tensor(np.zeros((2, 2, 2), np.float32)))


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_empty_sequence_refused_as_torch(kind, batch_first):
    """Regression (fuzz): a sequence of length 0 is refused, as torch's "Expected sequence
    length to be larger than 0 in RNN"; an empty batch runs."""
    m = getattr(dg.nn, kind)(2, 3, batch_first=batch_first)
    with pytest.raises(ValueError, match="sequence length larger than 0"):
        m(dg.tensor(np.zeros((2, 0, 2) if batch_first else (0, 2, 2), np.float32)))
    with pytest.raises(ValueError, match="sequence length larger than 0"):
        m(dg.tensor(np.zeros((0, 2), np.float32)))  # unbatched
    out = m(dg.tensor(np.zeros((0, 4, 2) if batch_first else (4, 0, 2), np.float32)))[0]
    assert out.shape == ((0, 4, 3) if batch_first else (4, 0, 3))


def test_packed_lstm_refuses_c0_with_extra_layers():
    """torch 2.13 does not check c0 for a packed input (extra layers dropped silently);
    deepgrad refuses it as for a padded input (README row)."""
    m = dg.nn.LSTM(1, 3, num_layers=2)
    p = dg.nn.utils.rnn.pack_padded_sequence(
        dg.tensor(np.zeros((1, 3, 1), np.float32)), [1, 1, 1], enforce_sorted=False
    )
    h0 = dg.tensor(np.zeros((2, 3, 3), np.float32))
    with pytest.raises(ValueError, match=r"expected c0 of shape .* \(2, 3, 3\)"):
        m(p, (h0, dg.tensor(np.zeros((3, 3, 3), np.float32))))
