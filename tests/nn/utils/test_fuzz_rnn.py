"""Seeded differential fuzz against torch 2.13 of ``nn.utils.rnn``: pad_sequence
(batch_first, padding_value, padding_side), pack_padded_sequence (enforce_sorted, lengths as
a list or a tensor, unsorted/invalid lengths), pad_packed_sequence (total_length),
pack_sequence, unpack_sequence, unpad_sequence; and nn.LSTM / nn.GRU run on a PackedSequence
with torch's weights (outputs, final states, gradients of the inputs and weights). The
harness is tests/functional/conftest.py's ``Fuzz``."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

_spec = importlib.util.spec_from_file_location(
    "_functional_fuzz_harness", Path(__file__).parents[2] / "functional" / "conftest.py"
)
_harness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_harness)
Fuzz, copy_module = _harness.Fuzz, _harness.copy_module


def _rnn(lib):
    return lib.nn.utils.rnn


def _flat(lib, out):
    """A PackedSequence (or a tuple holding one) as a flat tuple of tensors: deepgrad keeps
    batch_sizes and the indices as NumPy arrays, torch as int64 tensors."""
    items = []
    packed = type(out).__name__ == "PackedSequence"  # a NamedTuple: not iterated as a tuple
    for o in out if isinstance(out, tuple | list) and not packed else (out,):
        if type(o).__name__ == "PackedSequence":
            items += [o.data] + [
                None if a is None else (a if lib is torch else lib.tensor(np.asarray(a)))
                for a in (o.batch_sizes, o.sorted_indices, o.unsorted_indices)
            ]
        elif isinstance(o, tuple | list):
            items += list(_flat(lib, o))
        else:
            items.append(o)
    return tuple(items)


def _seqs(fz, dtype, b=None):
    b = b if b is not None else fz.int(1, 4)
    trailing = [fz.int(1, 3) for _ in range(fz.int(0, 2))]
    lens = [fz.int(1, 5) for _ in range(b)]
    return lens, [fz.array([n] + trailing, dtype) for n in lens]


def test_fuzz_pad_pack():
    pytest.importorskip("torch")
    fz = Fuzz(111)
    for _ in range(300):
        dtype = fz.pick([np.float32, np.float64])
        op = fz.pick(["pad_sequence", "pack_padded_sequence", "pad_packed_sequence",
                      "pack_sequence", "unpack_sequence", "unpad_sequence"])  # fmt: skip
        lens, seqs = _seqs(fz, dtype)
        b = len(lens)
        kw = {}
        if op == "pad_sequence":
            kw = {"batch_first": fz.chance(0.5), "padding_value": fz.pick([0.0, -1.5]),
                  "padding_side": fz.pick(["right", "left", "left", "middle"])}  # fmt: skip

            def fn(lib, *s, kw=kw):
                return _rnn(lib).pad_sequence(list(s), **kw)

            args = seqs
        elif op in ("pack_padded_sequence", "pad_packed_sequence", "unpad_sequence"):
            bf = fz.chance(0.5)
            enforce = fz.chance(0.5)
            if enforce and fz.chance(0.7):
                order = np.argsort(-np.array(lens), kind="stable")
                lens, seqs = [lens[i] for i in order], [seqs[i] for i in order]
            t_max = max(lens)
            x = fz.array([t_max + fz.pick([0, 0, 1]), b] + list(seqs[0].shape[1:]), dtype)
            if bf:
                x = np.ascontiguousarray(np.swapaxes(x, 0, 1))
            ln = list(lens)
            if fz.chance(0.05):
                # 0: pack raises in both, unpad gives an empty sequence. (A length beyond the
                # padded one: 2.13 packs inconsistent batch_sizes, deepgrad refuses; README.)
                ln[0] = fz.pick([0, x.shape[1 if bf else 0] + 1] if op == "unpad_sequence" else [0])
            as_tensor = fz.chance(0.5)
            total = None
            if op == "pad_packed_sequence" and fz.chance(0.5):
                total = max(ln) + fz.pick([0, 2, -1])
            kw = {"batch_first": bf, "enforce_sorted": enforce, "lengths": ln,
                  "as_tensor": as_tensor, "total_length": total,
                  "pad_bf": fz.chance(0.5), "value": fz.pick([0.0, 9.0])}  # fmt: skip

            def fn(lib, a, op=op, kw=kw):
                ln = (
                    lib.tensor(np.array(kw["lengths"], np.int64))
                    if kw["as_tensor"]
                    else kw["lengths"]
                )
                if op == "unpad_sequence":
                    # 2.13 wants tensor lengths and transposes its input in place (refused on
                    # a leaf that requires grad): tensor lengths, a non-leaf input
                    ln = lib.tensor(np.array(kw["lengths"], np.int64))
                    return tuple(_rnn(lib).unpad_sequence(a * 1, ln, batch_first=kw["batch_first"]))
                p = _rnn(lib).pack_padded_sequence(a, ln, batch_first=kw["batch_first"],
                                                   enforce_sorted=kw["enforce_sorted"])  # fmt: skip
                if op == "pack_padded_sequence":
                    return _flat(lib, p)
                return _rnn(lib).pad_packed_sequence(
                    p, batch_first=kw["pad_bf"], padding_value=kw["value"],
                    total_length=kw["total_length"],
                )  # fmt: skip

            args = [x]
        else:
            enforce = fz.chance(0.5)
            kw = {"enforce_sorted": enforce}

            def fn(lib, *s, op=op, kw=kw):
                p = _rnn(lib).pack_sequence(list(s), **kw)
                return (
                    _flat(lib, p) if op == "pack_sequence" else tuple(_rnn(lib).unpack_sequence(p))
                )

            args = seqs
        what = f"{op} lens={lens} {dtype.__name__} {kw}"
        fz.check(what, fn, args)
    fz.report(min_cases=300)


def test_fuzz_recurrent_on_packed():
    import deepgrad as dg

    fz = Fuzz(112)
    for _ in range(40):
        kind = fz.pick(["LSTM", "GRU"])
        dtype = fz.pick([np.float32, np.float64])
        inp, hid = fz.int(1, 3), fz.int(1, 3)
        kw = {"num_layers": fz.pick([1, 2]), "bidirectional": fz.chance(0.5),
              "batch_first": fz.chance(0.5), "bias": fz.chance(0.8)}  # fmt: skip
        if kind == "LSTM" and fz.chance(0.2):
            kw["proj_size"] = 1 if hid > 1 else 0
        torch.manual_seed(int(fz.int(0, 10**6)))
        tmod = getattr(torch.nn, kind)(inp, hid, **kw).to(getattr(torch, np.dtype(dtype).name))
        dmod = getattr(dg.nn, kind)(inp, hid, **kw).to(getattr(dg, np.dtype(dtype).name))
        params = copy_module(tmod, dmod)
        lens, seqs = _seqs(fz, dtype, b=fz.int(1, 4))
        seqs = [fz.array([n, inp], dtype) for n in lens]
        enforce = fz.chance(0.4)
        if enforce:
            lens = sorted(lens, reverse=True)
            seqs = sorted(seqs, key=lambda s: -s.shape[0])
        with_h0 = fz.chance(0.4)
        mods = {torch: tmod, dg: dmod}

        def fn(lib, *s, enforce=enforce, with_h0=with_h0, kw=kw, kind=kind, hid=hid, mods=mods):
            b = len(s)
            p = _rnn(lib).pack_sequence(list(s), enforce_sorted=enforce)
            mod = mods[lib]
            if with_h0:
                d = (2 if kw["bidirectional"] else 1) * kw["num_layers"]
                g = np.random.default_rng(7)
                hsz = kw.get("proj_size") or hid
                h0 = lib.tensor(g.standard_normal((d, b, hsz)).astype(s[0].numpy().dtype
                                if lib is dg else s[0].detach().numpy().dtype))  # fmt: skip
                if kind == "LSTM":
                    c0 = lib.tensor(g.standard_normal((d, b, hid)).astype(h0.numpy().dtype))
                    out, st = mod(p, (h0, c0))
                else:
                    out, st = mod(p, h0)
            else:
                out, st = mod(p)
            padded, lengths = _rnn(lib).pad_packed_sequence(out, batch_first=kw["batch_first"])
            return (padded, lengths) + (tuple(st) if isinstance(st, tuple) else (st,))

        what = f"{kind} packed lens={lens} {dtype.__name__} enforce={enforce} h0={with_h0} {kw}"
        fz.check(what, fn, seqs, params=params,
                 tol=1e-4 if dtype == np.float32 else 1e-9)  # fmt: skip
    fz.report(min_cases=40)


def test_recurrent_hidden_size_one_with_lengths():
    """hidden_size 1 and variable lengths: the (T, H=1, B) state history's transpose is
    already contiguous, so the output was a view of it and zeroing the output past each
    length erased the carried states: h_n (and c_n) of the shorter samples came out 0."""
    import deepgrad as dg

    rng = np.random.default_rng(0)
    for kind in ("RNN", "GRU", "LSTM"):
        torch.manual_seed(0)
        tm = getattr(torch.nn, kind)(2, 1).double()
        dm = getattr(dg.nn, kind)(2, 1).to(dg.float64)
        tp, dp = copy_module(tm, dm)
        x = rng.standard_normal((5, 2, 2))
        xt, xd = torch.tensor(x, requires_grad=True), dg.tensor(x, requires_grad=True)
        to, ts = tm(torch.nn.utils.rnn.pack_padded_sequence(xt, [5, 3]))
        do, ds = dm(dg.nn.utils.rnn.pack_padded_sequence(xd, [5, 3]))
        ts, ds = (ts if kind == "LSTM" else (ts,)), (ds if kind == "LSTM" else (ds,))
        for a, t in zip(ds, ts, strict=True):
            np.testing.assert_allclose(a.numpy(), t.detach().numpy(), rtol=1e-12, atol=1e-15)
        (sum(s.sum() for s in ts) + to.data.sum()).backward()
        (sum(s.sum() for s in ds) + do.data.sum()).backward()
        np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-14)
        for a, t in zip(dp, tp, strict=True):
            np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_unpad_sequence_lengths_like_pytorch_and_input_untouched():
    """torch's mask ``arange(T) < length``: 0 gives an empty sequence and a length beyond T the
    whole row (deepgrad refused both); 2.13 transposes the input in place, deepgrad does not."""
    import deepgrad as dg

    x = dg.arange(12.0).reshape(3, 2, 2)
    a, b = dg.nn.utils.rnn.unpad_sequence(x, dg.tensor([0, 5]))
    assert a.shape == (0, 2) and b.shape == (3, 2)
    assert x.shape == (3, 2, 2)
