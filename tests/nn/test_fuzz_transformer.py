"""Seeded differential fuzz against torch 2.13 of ``nn.TransformerEncoderLayer``,
``TransformerDecoderLayer``, ``TransformerEncoder`` (with a norm, enable_nested_tensor=False),
``TransformerDecoder`` and ``nn.Transformer`` — d_model, nhead, dim_feedforward, dropout=0,
activation 'relu'/'gelu'/F.gelu, layer_norm_eps, batch_first, norm_first, bias=False; float
(with -inf) and bool masks, is_causal with a causal mask, key padding masks (bool and float),
unbatched input; train mode with gradients, and eval mode under no_grad (torch's fast path) —
weights copied from torch; and ``generate_square_subsequent_mask``."""

from __future__ import annotations

import importlib.util
import os
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

SEED = int(os.environ.get("SEED", 81))


def _attn_mask(fz, finite, L, S, dtype, causal=False):
    if causal:
        m = np.triu(np.ones((L, S), bool), 1)
    else:
        m = fz.rng.random((L, S)) < 0.3
        m[:, 0] = False  # no fully masked rows (NaN in both)
    if fz.chance(0.5):
        return m
    # finite nonzero values only in train mode: torch's eval fast path turns them into NaN
    # (README row; test_eval_float_mask_with_finite_values below); a causal mask is exact
    # (is_causal=True is torch's hint that the mask is the causal one)
    f = fz.array((L, S), dtype, -1, 1) * (finite and not causal and fz.chance(0.5))
    return np.where(m, -np.inf, f).astype(dtype)


def _kpm(fz, n, S, batched, dtype):
    m = fz.rng.random((n, S) if batched else (S,)) < 0.3
    m[..., 0] = False
    if fz.chance(0.3):
        return np.where(m, -np.inf, 0.0).astype(dtype)
    return m


def _build(fz, kind, lib, ckw, act, d, h, layers):
    kw = dict(ckw)
    kw["activation"] = lib.nn.functional.gelu if act == "callable" else act
    nn = lib.nn
    if kind == "EncoderLayer":
        return nn.TransformerEncoderLayer(d, h, **kw)
    if kind == "DecoderLayer":
        return nn.TransformerDecoderLayer(d, h, **kw)
    if kind == "Encoder":
        norm = nn.LayerNorm(d, eps=kw["layer_norm_eps"]) if ckw["norm"] else None
        kw.pop("norm")
        return nn.TransformerEncoder(
            nn.TransformerEncoderLayer(d, h, **kw), layers, norm=norm, enable_nested_tensor=False
        )
    if kind == "Decoder":
        norm = nn.LayerNorm(d, eps=kw["layer_norm_eps"]) if ckw["norm"] else None
        kw.pop("norm")
        return nn.TransformerDecoder(nn.TransformerDecoderLayer(d, h, **kw), layers, norm=norm)
    return nn.Transformer(d, h, num_encoder_layers=layers, num_decoder_layers=layers, **kw)


def _case(fz, case, train):
    kind = fz.pick(["EncoderLayer", "DecoderLayer", "Encoder", "Decoder", "Transformer"])
    dtype = fz.pick([np.float32, np.float64])
    h = fz.pick([1, 2])
    d = h * fz.int(1, 3)
    ckw = dict(dim_feedforward=fz.int(1, 5), dropout=0.0, layer_norm_eps=fz.pick([1e-5, 1e-3]),
               batch_first=fz.chance(0.5), norm_first=fz.chance(0.4), bias=fz.chance(0.8))  # fmt: skip
    if kind in ("Encoder", "Decoder"):
        ckw["norm"] = fz.chance(0.6)
    act = fz.pick(["relu", "gelu", "callable"])
    layers = fz.int(1, 2)
    torch.manual_seed(case)
    tm = _build(fz, kind, torch, ckw, act, d, h, layers)
    dm = _build(fz, kind, dg, ckw, act, d, h, layers)
    if dtype == np.float64:
        tm, dm = tm.double(), dm.double()
    if not train:
        tm.eval(), dm.eval()
    params = copy_module(tm, dm)
    mods = {torch: tm, dg: dm}
    batched = fz.chance(0.85)
    n, S, T = fz.pick([1, 2, 3]), fz.int(1, 4), fz.int(1, 4)
    bf = ckw["batch_first"]

    def shape(t):
        if not batched:
            return [t, d]
        return [n, t, d] if bf else [t, n, d]

    enc = kind in ("EncoderLayer", "Encoder")
    args = [fz.array(shape(S), dtype)]
    if not enc:
        args.append(fz.array(shape(T), dtype))  # memory / tgt
    names: dict[str, int] = {}
    kw: dict = {}

    def add(name, arr):
        names[name] = len(args)
        args.append(fz.const(arr))

    L_self = S if enc else (T if kind != "Transformer" else None)
    if kind == "Transformer":
        # args: src (S), tgt (T)
        if fz.chance(0.3):
            causal = fz.chance(0.4)
            add("src_mask", _attn_mask(fz, train, S, S, dtype, causal=causal))
            if causal and fz.chance(0.6):
                kw["src_is_causal"] = True
        if fz.chance(0.4):
            causal = fz.chance(0.5)
            add("tgt_mask", _attn_mask(fz, train, T, T, dtype, causal=True) if causal else
                _attn_mask(fz, train, T, T, dtype))  # fmt: skip
            if causal and fz.chance(0.5):
                kw["tgt_is_causal"] = True
        if fz.chance(0.2):
            add("memory_mask", _attn_mask(fz, train, T, S, dtype))
        for nm, ln in (("src_key_padding_mask", S), ("tgt_key_padding_mask", T),
                       ("memory_key_padding_mask", S)):  # fmt: skip
            if fz.chance(0.25):
                add(nm, _kpm(fz, n, ln, batched, dtype))
    else:
        # decoder: args tgt (S rows here), memory (T rows)
        mname = "src_mask" if kind == "EncoderLayer" else ("mask" if enc else "tgt_mask")
        kpname = "src_key_padding_mask" if enc else "tgt_key_padding_mask"
        cname = "is_causal" if enc else "tgt_is_causal"
        if fz.chance(0.5):
            causal = fz.chance(0.4)
            add(mname, _attn_mask(fz, train, S, S, dtype, causal=causal))
            if causal and fz.chance(0.6):
                kw[cname] = True
        elif fz.chance(0.1) and (train or not bf):
            # the hint without a mask: raises in torch but in its eval fast path (batch_first
            # self-attention under no_grad), which ignores it (README row; test below)
            kw[cname] = True
        if fz.chance(0.35):
            add(kpname, _kpm(fz, n, S, batched, dtype))
        if not enc:
            if fz.chance(0.25):
                add("memory_mask", _attn_mask(fz, train, S, T, dtype))
            if fz.chance(0.25):
                add("memory_key_padding_mask", _kpm(fz, n, T, batched, dtype))
    del L_self
    what = (f"{kind}(d={d}, h={h}, {ckw}, act={act}, layers={layers}, train={train}) "
            f"{[np.shape(a.a if hasattr(a, 'a') else a) for a in args]} {np.dtype(dtype)} "
            f"masks={ {k: (args[i].a.dtype, args[i].a.shape) for k, i in names.items()} } {kw}")  # fmt: skip

    def fn(lib, *xs, mods=mods, names=names, kw=kw, enc=enc, train=train):
        masks = {k: xs[i] for k, i in names.items()}
        pos = xs[: 1 if enc else 2]
        if train:
            return mods[lib](*pos, **masks, **kw)
        with lib.no_grad():
            return mods[lib](*pos, **masks, **kw)

    return what, fn, args, params, (tm, dm), dtype


@pytest.mark.parametrize("train", [True, False])
def test_fuzz_transformer_modules(train):
    fz = Fuzz(SEED + train)
    for case in range(32):
        what, fn, args, params, mods, dtype = _case(fz, case, train)
        # float32 through stacks of layer norms of d_model 2-3: torch's own float32 outputs
        # stray 4e-5 from the float64 ones (deepgrad's 3e-6), its gradients 3e-4 (2e-5)
        f32 = dtype == np.float32
        fz.check(what, fn, args, params=params if train else None, grad=train,
                 tol=1e-4 if f32 else None, grad_tol=1e-3 if f32 else None)  # fmt: skip
        for m in mods:
            for p in m.parameters():
                p.grad = None
    fz.report(min_cases=32)


def test_generate_square_subsequent_mask_matches_torch():
    for sz in (0, 1, 2, 5):
        for dt in (None, torch.float64):
            t = torch.nn.Transformer.generate_square_subsequent_mask(sz, dtype=dt)
            dd = None if dt is None else np.float64
            m = dg.nn.Transformer.generate_square_subsequent_mask(sz, dtype=dd)
            assert m.dtype == t.numpy().dtype
            np.testing.assert_array_equal(m.numpy(), t.numpy())


def test_eval_float_mask_with_finite_values():
    """torch 2.13's eval fast path (no_grad) gives NaN for a float src_mask with finite
    nonzero values, where its train path (and deepgrad, in both modes) adds the mask to the
    scores (README row)."""
    torch.manual_seed(0)
    kw = dict(dim_feedforward=3, dropout=0.0, batch_first=True)
    tl = torch.nn.TransformerEncoderLayer(4, 2, **kw)
    dl = dg.nn.TransformerEncoderLayer(4, 2, **kw)
    copy_module(tl, dl)
    x = np.random.default_rng(0).uniform(-2, 2, (2, 3, 4)).astype(np.float32)
    m = np.random.default_rng(1).uniform(-1, 1, (3, 3)).astype(np.float32)
    with torch.no_grad():
        slow = tl(torch.tensor(x), src_mask=torch.tensor(m)).numpy()
        tl.eval()
        fast = tl(torch.tensor(x), src_mask=torch.tensor(m)).numpy()
    dl.eval()
    out = dl(dg.tensor(x), src_mask=dg.tensor(m)).numpy()
    assert np.isnan(fast).all() or np.allclose(fast, slow, atol=1e-5)  # torch's bug, or fixed
    np.testing.assert_allclose(out, slow, rtol=1e-5, atol=1e-5)


def test_is_causal_without_mask_raises_also_in_eval():
    """torch 2.13 refuses is_causal=True without a mask ("Need attn_mask if specifying the
    is_causal hint") but in its eval fast path, which attends to every position; deepgrad
    refuses in every mode (README row)."""
    kw = dict(dim_feedforward=3, dropout=0.0, batch_first=True)
    tl = torch.nn.TransformerEncoderLayer(4, 2, **kw)
    dl = dg.nn.TransformerEncoderLayer(4, 2, **kw)
    x = np.random.default_rng(0).uniform(-2, 2, (2, 3, 4)).astype(np.float32)
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        tl(torch.tensor(x), is_causal=True)
    for mode in (dl.train, dl.eval):
        mode()
        with pytest.raises(RuntimeError, match="is_causal=True needs attn_mask"):
            dl(dg.tensor(x), is_causal=True)
