"""``nn.MultiheadAttention`` used directly, as attention blocks in the wild use it: sequence-first
and ``batch_first=True``; ``attn_mask`` as a float ``(L, S)`` mask, a bool ``(L, S)`` mask and a
per-head ``(N * num_heads, L, S)`` mask; ``key_padding_mask`` bool and float; ``need_weights``
``False`` (``None`` weights) and ``True`` with ``average_attn_weights`` both ways;
``kdim``/``vdim`` different from ``embed_dim`` (separate projections), ``bias=False``,
``add_bias_kv``/``add_zero_attn``; an attention-pooling classifier (``self.attn(q, x, x,
key_padding_mask=mask)[0]``) trained with Adam, the weights returned by the module compared."""

from __future__ import annotations

import numpy as np


def mha_program(torch, nn, F, optim, data, init, path, x_np, lengths):
    log = []
    N, L, E = x_np.shape
    x = torch.tensor(x_np)
    pad = torch.arange(L)[None, :] >= torch.tensor(lengths)[:, None]  # (N, L) True = padded

    mha = init(nn.MultiheadAttention(E, 2))
    xs = x.transpose(0, 1)  # (L, N, E)
    out, w = mha(xs, xs, xs)
    log.append([out.sum().item(), list(w.shape), w.sum().item()])
    causal = torch.triu(torch.full((L, L), float("-inf")), diagonal=1)
    out, w = mha(xs, xs, xs, attn_mask=causal, key_padding_mask=pad)
    log.append([out.pow(2).sum().item(), w[:, -1].tolist()])
    out, w = mha(xs, xs, xs, attn_mask=causal.isinf(), key_padding_mask=pad, average_attn_weights=False)  # fmt: skip
    log.append([out.pow(2).sum().item(), list(w.shape), w[1, 0].tolist()])
    out, w = mha(xs, xs, xs, key_padding_mask=pad.float().masked_fill(pad, float("-inf")),
                 attn_mask=torch.zeros(L, L))  # fmt: skip
    log.append([out.pow(2).sum().item(), w.sum().item()])
    per_head = torch.tensor(np.linspace(-1.0, 1.0, N * 2 * L * L).reshape(N * 2, L, L))
    out, w = mha(xs, xs, xs, attn_mask=per_head, need_weights=False)
    log.append([out.pow(2).sum().item(), w is None])

    bf = init(nn.MultiheadAttention(E, 4, batch_first=True, kdim=3, vdim=5, bias=False))
    k = x[..., :3] * 2.0
    v = torch.cat([x[..., :4], x[..., :1]], dim=-1)
    out, w = bf(x, k, v, key_padding_mask=pad)
    log.append([list(out.shape), out.pow(2).sum().item(), w[0].tolist()])
    log.append(sorted(n for n, _ in bf.named_parameters()))

    kv = init(nn.MultiheadAttention(E, 2, add_bias_kv=True, add_zero_attn=True, batch_first=True))
    out, w = kv(x, x, x, key_padding_mask=pad)
    log.append([list(w.shape), out.pow(2).sum().item(), w[:, :, -2:].sum().item()])
    (out.pow(2).sum()).backward()
    log.append([kv.bias_k.grad.tolist(), kv.bias_v.grad.tolist(), kv.in_proj_weight.grad.sum().item()])  # fmt: skip

    class AttnPool(nn.Module):
        def __init__(self, d, n_cls):
            super().__init__()
            self.query = nn.Parameter(torch.zeros(1, 1, d))
            self.attn = nn.MultiheadAttention(d, 2, batch_first=True)
            self.norm = nn.LayerNorm(d)
            self.head = nn.Linear(d, n_cls)

        def forward(self, x, mask):
            q = self.query.expand(x.size(0), -1, -1)
            pooled, weights = self.attn(q, x, x, key_padding_mask=mask)
            return self.head(self.norm(pooled.squeeze(1))), weights

    model = init(AttnPool(E, 3))
    y = torch.tensor([i % 3 for i in range(N)])
    opt = optim.Adam(model.parameters(), lr=1e-2)
    for step in range(8):
        opt.zero_grad()
        logits, weights = model(x, pad)
        loss = F.cross_entropy(logits, y)
        loss.backward()
        opt.step()
        log.append([loss.item(), weights.sum(dim=-1).mean().item()])
    log.append(model.query.tolist())
    return log


def test_multihead_attention(portability):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 5, 8))
    portability.assert_same(mha_program, rtol=1e-8, x_np=x, lengths=[5, 3, 4])
