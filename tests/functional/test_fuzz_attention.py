"""Seeded differential fuzz against torch 2.13 of ``scaled_dot_product_attention`` (bool and
float masks, is_causal, dropout_p=0, scale, enable_gqa) and of ``nn.MultiheadAttention``
(kdim/vdim, batch_first, key_padding_mask, attn_mask, need_weights, average_attn_weights,
bias, add_bias_kv, add_zero_attn), weights copied from torch; float32 and float64."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")


def test_fuzz_sdpa(fuzz):
    fz = fuzz(61)
    for _case in range(160):
        dtype = fz.pick([np.float32, np.float64])
        lead = fz.pick([[], [2], [1, 2], [2, 3], [0, 2]])
        hq = fz.pick([1, 2, 4])
        gqa = fz.chance(0.25) and len(lead) >= 1
        hk = fz.pick([1, 2]) if gqa else hq
        if gqa:
            lead = lead[:-1] if len(lead) > 1 else lead
        L, S, E, Ev = fz.int(1, 4), fz.int(1, 4), fz.int(1, 4), fz.int(1, 4)
        qs = lead + ([hq] if gqa else []) + [L, E]
        ks = lead + ([hk] if gqa else []) + [S, E]
        vs = lead + ([hk] if gqa else []) + [S, Ev]
        q, k, v = (fz.array(s, dtype) for s in (qs, ks, vs))
        kw = {}
        if gqa:
            kw["enable_gqa"] = True
        mask = None
        if fz.chance(0.4):
            mshape = fz.pick([[L, S], [1, S], [L, 1]] + ([qs[:-2] + [L, S]] if qs[:-2] else []))
            if fz.chance(0.5):
                mask = fz.rng.random(mshape) < 0.7
                if fz.chance(0.3):
                    mask[..., 0] = True  # no fully masked rows (those give NaN in both)
            else:
                mask = fz.array(mshape, dtype)
        if fz.chance(0.3) and mask is None:
            # with attn_mask too, torch's documented refusal holds except in its fused CPU
            # kernel (4-D, equal head dims), which applies both: deepgrad refuses (README row)
            kw["is_causal"] = True
        if fz.chance(0.3):
            kw["scale"] = fz.pick([0.5, 1.0, 2.0])
        if fz.chance(0.1):
            kw["dropout_p"] = 0.0
        if gqa and q.shape[0] == 0 and hq % hk:
            continue  # torch skips enable_gqa's head-count check on an empty batch (README row)
        args = [q, k, v] + ([fz.const(mask)] if mask is not None else [])
        what = (f"sdpa q{q.shape} k{k.shape} v{v.shape} {q.dtype} "
                f"mask={None if mask is None else (mask.dtype, mask.shape)} {kw}")  # fmt: skip

        def fn(lib, a, b, c, *m, kw=kw):
            return lib.nn.functional.scaled_dot_product_attention(
                a, b, c, attn_mask=m[0] if m else None, **kw
            )

        fz.check(what, fn, args)
    fz.report()


def test_fuzz_multihead_attention(fuzz, copy_weights):
    fz = fuzz(62)
    for _case in range(60):
        dtype = fz.pick([np.float32, np.float64])
        heads = fz.pick([1, 2])
        e = heads * fz.int(1, 3)
        kdim = fz.pick([None, fz.int(1, 4)])
        vdim = fz.pick([None, fz.int(1, 4)])
        bf = fz.chance(0.5)
        ckw = dict(bias=fz.chance(0.8), add_bias_kv=fz.chance(0.2), add_zero_attn=fz.chance(0.2),
                   kdim=kdim, vdim=vdim, batch_first=bf)  # fmt: skip
        torch.manual_seed(_case)
        tm = torch.nn.MultiheadAttention(e, heads, **ckw)
        dm = dg.nn.MultiheadAttention(e, heads, **ckw)
        if dtype == np.float64:
            tm, dm = tm.double(), dm.double()
        params = copy_weights(tm, dm)
        mods = {torch: tm, dg: dm}
        n, L, S = fz.pick([1, 2]), fz.int(1, 4), fz.int(1, 4)
        batched = fz.chance(0.85)

        def shape(t, d, batched=batched, n=n, bf=bf):
            if not batched:
                return [t, d]
            return [n, t, d] if bf else [t, n, d]

        q = fz.array(shape(L, e), dtype)
        k = fz.array(shape(S, kdim or e), dtype)
        v = fz.array(shape(S, vdim or e), dtype)
        fkw = dict(need_weights=fz.chance(0.6), average_attn_weights=fz.chance(0.5))
        extra = []
        s_eff = S + ckw["add_bias_kv"] + ckw["add_zero_attn"]
        if fz.chance(0.4):
            kpm = fz.rng.random([n, S] if batched else [S]) < 0.3
            kpm[..., 0] = False
            if fz.chance(0.5):
                kpm = np.where(kpm, -1e9, 0.0).astype(dtype)
            fkw["key_padding_mask"] = len(extra)
            extra.append(fz.const(kpm))
        if fz.chance(0.3):
            am = fz.rng.random([L, S]) < 0.3
            am[:, 0] = False
            if fz.chance(0.5):
                am = np.where(am, -1e9, 0.0).astype(dtype)
            fkw["attn_mask"] = len(extra)
            extra.append(fz.const(am))
        if "key_padding_mask" in fkw and "attn_mask" in fkw:
            if extra[fkw["key_padding_mask"]].a.dtype != extra[fkw["attn_mask"]].a.dtype:
                extra[fkw["attn_mask"]] = fz.const(extra[fkw["attn_mask"]].a != 0)
                extra[fkw["key_padding_mask"]] = fz.const(extra[fkw["key_padding_mask"]].a != 0)
        what = (f"MultiheadAttention({e}, {heads}, {ckw}) q{q.shape} k{k.shape} v{v.shape} "
                f"{q.dtype} {({a: b for a, b in fkw.items()})} s_eff={s_eff}")  # fmt: skip

        def fn(lib, a, b, c, *ms, fkw=fkw, mods=mods):
            kw = {key: (ms[val] if key in ("key_padding_mask", "attn_mask") else val)
                  for key, val in fkw.items()}  # fmt: skip
            out, w = mods[lib](a, b, c, **kw)
            return out, w

        fz.check(what, fn, [q, k, v] + extra, params=params)
        for p in list(tm.parameters()) + list(dm.parameters()):
            p.grad = None
    fz.report()
