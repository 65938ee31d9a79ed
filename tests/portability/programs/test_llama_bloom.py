"""Two decoder-only LMs as their reference code writes them.

Meta's ``llama/model.py``: ``RMSNorm`` (``x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) +
eps)`` on ``x.float()`` then ``.type_as(x)``), ``precompute_freqs_cis`` (``theta ** (torch.arange(0,
dim, 2)[: (dim // 2)].float() / dim)``, ``torch.outer``, ``torch.polar(torch.ones_like(freqs),
freqs)``), ``apply_rotary_emb`` (``torch.view_as_complex(xq.float().reshape(*xq.shape[:-1], -1,
2))``, ``reshape_for_broadcast``, ``torch.view_as_real(xq_ * freqs_cis).flatten(3)``),
grouped-query attention's ``repeat_kv`` (``x[:, :, :, None, :].expand(...).reshape(...)``), the
KV cache written by slice assignment (``self.cache_k[:bsz, start_pos : start_pos + seqlen] = xk``
after ``self.cache_k.to(xq)``), the mask ``torch.triu(torch.full((seqlen, seqlen),
float("-inf")), diagonal=1)`` and ``torch.hstack([torch.zeros((seqlen, start_pos)), mask])``,
SwiGLU ``self.w2(F.silu(self.w1(x)) * self.w3(x))`` with the ``multiple_of`` rounding, trained
without the cache (as the training forks do) and then decoding greedily with it under
``torch.inference_mode()``, checked against a full forward.

Hugging Face's Bloom: ``build_alibi_tensor`` (``torch.pow(base, powers)`` with int32 powers, the
extra slopes for a head count that is not a power of two, ``(attention_mask.cumsum(dim=-1) - 1)
* attention_mask``), the fused QKV ``view(batch, seq, heads, 3, head_dim)`` split with
``fused_qkv[..., 0, :]``, ``alibi.baddbmm(batch1=query_layer, batch2=key_layer, beta=1.0,
alpha=inv_norm_factor)``, ``torch.masked_fill(scores, mask, torch.finfo(scores.dtype).min)``,
``F.softmax(..., dtype=torch.float32).to(input_dtype)``, ``torch.bmm``, the causal ``|``
expanded padding bool masks (``~(mask[:, None, None, :].to(torch.bool))``), the tanh
``BloomGelu``, ``dropout_add``, and the shifted LM loss with ``-100`` labels on padding."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def llama(torch, nn, F, optim, data, init, path, tokens):
    @dataclass
    class ModelArgs:
        dim: int = 16
        n_layers: int = 2
        n_heads: int = 4
        n_kv_heads: int = 2
        vocab_size: int = 20
        multiple_of: int = 8
        ffn_dim_multiplier: float = None
        norm_eps: float = 1e-5
        rope_theta: float = 500000
        max_batch_size: int = 4
        max_seq_len: int = 16

    class RMSNorm(torch.nn.Module):
        def __init__(self, dim: int, eps: float = 1e-6):
            super().__init__()
            self.eps = eps
            self.weight = nn.Parameter(torch.ones(dim))

        def _norm(self, x):
            return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)

        def forward(self, x):
            output = self._norm(x.float()).type_as(x)
            return output * self.weight

    def precompute_freqs_cis(dim: int, end: int, theta: float = 10000.0):
        freqs = 1.0 / (theta ** (torch.arange(0, dim, 2)[: (dim // 2)].float() / dim))
        t = torch.arange(end, device=freqs.device, dtype=torch.float32)
        freqs = torch.outer(t, freqs)
        freqs_cis = torch.polar(torch.ones_like(freqs), freqs)  # complex64
        return freqs_cis

    def reshape_for_broadcast(freqs_cis, x):
        ndim = x.ndim
        assert 0 <= 1 < ndim
        assert freqs_cis.shape == (x.shape[1], x.shape[-1])
        shape = [d if i == 1 or i == ndim - 1 else 1 for i, d in enumerate(x.shape)]
        return freqs_cis.view(*shape)

    def apply_rotary_emb(xq, xk, freqs_cis):
        xq_ = torch.view_as_complex(xq.float().reshape(*xq.shape[:-1], -1, 2))
        xk_ = torch.view_as_complex(xk.float().reshape(*xk.shape[:-1], -1, 2))
        freqs_cis = reshape_for_broadcast(freqs_cis, xq_)
        xq_out = torch.view_as_real(xq_ * freqs_cis).flatten(3)
        xk_out = torch.view_as_real(xk_ * freqs_cis).flatten(3)
        return xq_out.type_as(xq), xk_out.type_as(xk)

    def repeat_kv(x, n_rep: int):
        """torch.repeat_interleave(x, dim=2, repeats=n_rep)"""
        bs, slen, n_kv_heads, head_dim = x.shape
        if n_rep == 1:
            return x
        return (
            x[:, :, :, None, :]
            .expand(bs, slen, n_kv_heads, n_rep, head_dim)
            .reshape(bs, slen, n_kv_heads * n_rep, head_dim)
        )

    class Attention(nn.Module):
        def __init__(self, args: ModelArgs):
            super().__init__()
            self.n_kv_heads = args.n_heads if args.n_kv_heads is None else args.n_kv_heads
            model_parallel_size = 1
            self.n_local_heads = args.n_heads // model_parallel_size
            self.n_local_kv_heads = self.n_kv_heads // model_parallel_size
            self.n_rep = self.n_local_heads // self.n_local_kv_heads
            self.head_dim = args.dim // args.n_heads
            self.wq = nn.Linear(args.dim, args.n_heads * self.head_dim, bias=False)
            self.wk = nn.Linear(args.dim, self.n_kv_heads * self.head_dim, bias=False)
            self.wv = nn.Linear(args.dim, self.n_kv_heads * self.head_dim, bias=False)
            self.wo = nn.Linear(args.n_heads * self.head_dim, args.dim, bias=False)
            self.use_cache = False
            self.cache_k = torch.zeros((args.max_batch_size, args.max_seq_len,
                                        self.n_local_kv_heads, self.head_dim))  # fmt: skip
            self.cache_v = torch.zeros((args.max_batch_size, args.max_seq_len,
                                        self.n_local_kv_heads, self.head_dim))  # fmt: skip

        def forward(self, x, start_pos: int, freqs_cis, mask):
            bsz, seqlen, _ = x.shape
            xq, xk, xv = self.wq(x), self.wk(x), self.wv(x)
            xq = xq.view(bsz, seqlen, self.n_local_heads, self.head_dim)
            xk = xk.view(bsz, seqlen, self.n_local_kv_heads, self.head_dim)
            xv = xv.view(bsz, seqlen, self.n_local_kv_heads, self.head_dim)
            xq, xk = apply_rotary_emb(xq, xk, freqs_cis=freqs_cis)
            if self.use_cache:
                self.cache_k = self.cache_k.to(xq)
                self.cache_v = self.cache_v.to(xq)
                self.cache_k[:bsz, start_pos : start_pos + seqlen] = xk
                self.cache_v[:bsz, start_pos : start_pos + seqlen] = xv
                keys = self.cache_k[:bsz, : start_pos + seqlen]
                values = self.cache_v[:bsz, : start_pos + seqlen]
            else:
                keys, values = xk, xv
            keys = repeat_kv(keys, self.n_rep)  # (bs, cache_len + seqlen, n_local_heads, head_dim)
            values = repeat_kv(values, self.n_rep)
            xq = xq.transpose(1, 2)  # (bs, n_local_heads, seqlen, head_dim)
            keys = keys.transpose(1, 2)
            values = values.transpose(1, 2)
            scores = torch.matmul(xq, keys.transpose(2, 3)) / math.sqrt(self.head_dim)
            if mask is not None:
                scores = scores + mask  # (bs, n_local_heads, seqlen, cache_len + seqlen)
            scores = F.softmax(scores.float(), dim=-1).type_as(xq)
            output = torch.matmul(scores, values)  # (bs, n_local_heads, seqlen, head_dim)
            output = output.transpose(1, 2).contiguous().view(bsz, seqlen, -1)
            return self.wo(output)

    class FeedForward(nn.Module):
        def __init__(self, dim, hidden_dim, multiple_of, ffn_dim_multiplier):
            super().__init__()
            hidden_dim = int(2 * hidden_dim / 3)
            if ffn_dim_multiplier is not None:
                hidden_dim = int(ffn_dim_multiplier * hidden_dim)
            hidden_dim = multiple_of * ((hidden_dim + multiple_of - 1) // multiple_of)
            self.w1 = nn.Linear(dim, hidden_dim, bias=False)
            self.w2 = nn.Linear(hidden_dim, dim, bias=False)
            self.w3 = nn.Linear(dim, hidden_dim, bias=False)

        def forward(self, x):
            return self.w2(F.silu(self.w1(x)) * self.w3(x))

    class TransformerBlock(nn.Module):
        def __init__(self, layer_id: int, args: ModelArgs):
            super().__init__()
            self.n_heads = args.n_heads
            self.dim = args.dim
            self.head_dim = args.dim // args.n_heads
            self.attention = Attention(args)
            self.feed_forward = FeedForward(dim=args.dim, hidden_dim=4 * args.dim,
                                            multiple_of=args.multiple_of,
                                            ffn_dim_multiplier=args.ffn_dim_multiplier)  # fmt: skip
            self.layer_id = layer_id
            self.attention_norm = RMSNorm(args.dim, eps=args.norm_eps)
            self.ffn_norm = RMSNorm(args.dim, eps=args.norm_eps)

        def forward(self, x, start_pos: int, freqs_cis, mask):
            h = x + self.attention(self.attention_norm(x), start_pos, freqs_cis, mask)
            out = h + self.feed_forward(self.ffn_norm(h))
            return out

    class Transformer(nn.Module):
        def __init__(self, params: ModelArgs):
            super().__init__()
            self.params = params
            self.vocab_size = params.vocab_size
            self.n_layers = params.n_layers
            self.tok_embeddings = nn.Embedding(params.vocab_size, params.dim)
            self.layers = torch.nn.ModuleList()
            for layer_id in range(params.n_layers):
                self.layers.append(TransformerBlock(layer_id, params))
            self.norm = RMSNorm(params.dim, eps=params.norm_eps)
            self.output = nn.Linear(params.dim, params.vocab_size, bias=False)
            self.freqs_cis = precompute_freqs_cis(params.dim // params.n_heads,
                                                  params.max_seq_len * 2, params.rope_theta)  # fmt: skip

        def forward(self, tokens, start_pos: int):
            _bsz, seqlen = tokens.shape
            h = self.tok_embeddings(tokens)
            self.freqs_cis = self.freqs_cis.to(h.device)
            freqs_cis = self.freqs_cis[start_pos : start_pos + seqlen]
            mask = None
            if seqlen > 1:
                mask = torch.full((seqlen, seqlen), float("-inf"), device=tokens.device)
                mask = torch.triu(mask, diagonal=1)
                mask = torch.hstack(
                    [torch.zeros((seqlen, start_pos), device=tokens.device), mask]
                ).type_as(h)
            for layer in self.layers:
                h = layer(h, start_pos, freqs_cis, mask)
            h = self.norm(h)
            output = self.output(h).float()
            return output

    model = init(Transformer(ModelArgs()))
    optimizer = optim.AdamW(model.parameters(), lr=3e-3, betas=(0.9, 0.95), weight_decay=0.1)
    log = []
    for step in range(6):
        logits = model(tokens[:, :-1], 0)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), tokens[:, 1:].reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        log.append(loss.item())

    model.eval()
    with torch.inference_mode():
        full = model(tokens[:, :8], 0)
        for layer in model.layers:
            layer.attention.use_cache = True
        prompt = tokens[:, :4]
        out = model(prompt, 0)
        generated = prompt
        prev_pos = 4
        stepwise = [out[:, -1]]
        for cur_pos in range(4, 8):
            next_token = torch.argmax(out[:, -1], dim=-1)
            generated = torch.cat([generated, next_token.unsqueeze(1)], dim=1)
            out = model(tokens[:, prev_pos : cur_pos + 1], prev_pos)
            stepwise.append(out[:, -1])
            prev_pos = cur_pos + 1
        log.append(generated.tolist())
        log.append((torch.stack(stepwise[1:], 1) - full[:, 4:8]).abs().max().item() < 1e-4)
        log.append(full.sum().item())
    return log


def bloom(torch, nn, F, optim, data, init, path, input_ids, attention_mask):
    hidden_size, n_head, n_layer, vocab = 24, 3, 2, 20

    def build_alibi_tensor(attention_mask, num_heads, dtype):
        batch_size, seq_length = attention_mask.shape
        closest_power_of_2 = 2 ** math.floor(math.log2(num_heads))
        base = torch.tensor(2 ** (-(2 ** -(math.log2(closest_power_of_2) - 3))),
                            device=attention_mask.device, dtype=torch.float32)  # fmt: skip
        powers = torch.arange(1, 1 + closest_power_of_2, device=attention_mask.device,
                              dtype=torch.int32)  # fmt: skip
        slopes = torch.pow(base, powers)
        if closest_power_of_2 != num_heads:
            extra_base = torch.tensor(2 ** (-(2 ** -(math.log2(2 * closest_power_of_2) - 3))),
                                      device=attention_mask.device, dtype=torch.float32)  # fmt: skip
            num_remaining_heads = min(closest_power_of_2, num_heads - closest_power_of_2)
            extra_powers = torch.arange(1, 1 + 2 * num_remaining_heads, 2,
                                        device=attention_mask.device, dtype=torch.int32)  # fmt: skip
            slopes = torch.cat([slopes, torch.pow(extra_base, extra_powers)], dim=0)
        arange_tensor = ((attention_mask.cumsum(dim=-1) - 1) * attention_mask)[:, None, :]
        alibi = slopes[..., None] * arange_tensor
        return alibi.reshape(batch_size * num_heads, 1, seq_length).to(dtype)

    def dropout_add(x, residual, prob, training):
        out = F.dropout(x, p=prob, training=training)
        out = residual + out
        return out

    def bloom_gelu_forward(x):
        return x * 0.5 * (1.0 + torch.tanh(0.79788456 * x * (1 + 0.044715 * x * x)))

    class BloomGelu(nn.Module):
        def forward(self, x):
            return bloom_gelu_forward(x)

    class BloomAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden_size = hidden_size
            self.num_heads = n_head
            self.head_dim = self.hidden_size // self.num_heads
            self.split_size = self.hidden_size
            self.hidden_dropout = 0.0
            self.inv_norm_factor = 1.0 / math.sqrt(self.head_dim)
            self.beta = 1.0
            self.query_key_value = nn.Linear(self.hidden_size, 3 * self.hidden_size, bias=True)
            self.dense = nn.Linear(self.hidden_size, self.hidden_size)
            self.attention_dropout = nn.Dropout(0.0)

        def _split_heads(self, fused_qkv):
            batch_size, seq_length, three_times_hidden_size = fused_qkv.shape
            fused_qkv = fused_qkv.view(batch_size, seq_length, self.num_heads, 3, self.head_dim)
            return fused_qkv[..., 0, :], fused_qkv[..., 1, :], fused_qkv[..., 2, :]

        def _merge_heads(self, x):
            batch_size_and_num_heads, seq_length, _ = x.shape
            batch_size = batch_size_and_num_heads // self.num_heads
            x = x.view(batch_size, self.num_heads, seq_length, self.head_dim)
            x = x.permute(0, 2, 1, 3)
            return x.reshape(batch_size, seq_length, self.num_heads * self.head_dim)

        def forward(self, hidden_states, residual, alibi, attention_mask):
            fused_qkv = self.query_key_value(hidden_states)
            (query_layer, key_layer, value_layer) = self._split_heads(fused_qkv)
            batch_size, q_length, _, _ = query_layer.shape
            query_layer = query_layer.transpose(1, 2).reshape(
                batch_size * self.num_heads, q_length, self.head_dim
            )
            key_layer = key_layer.permute(0, 2, 3, 1).reshape(
                batch_size * self.num_heads, self.head_dim, q_length
            )
            value_layer = value_layer.transpose(1, 2).reshape(
                batch_size * self.num_heads, q_length, self.head_dim
            )
            kv_length = key_layer.shape[-1]
            matmul_result = alibi.baddbmm(batch1=query_layer, batch2=key_layer, beta=self.beta,
                                          alpha=self.inv_norm_factor)  # fmt: skip
            attention_scores = matmul_result.view(batch_size, self.num_heads, q_length, kv_length)
            input_dtype = attention_scores.dtype
            if input_dtype == torch.float16:
                attention_scores = attention_scores.to(torch.float)
            attn_weights = torch.masked_fill(attention_scores, attention_mask,
                                             torch.finfo(attention_scores.dtype).min)  # fmt: skip
            attention_probs = F.softmax(attn_weights, dim=-1, dtype=torch.float32).to(input_dtype)
            attention_probs = self.attention_dropout(attention_probs)
            attention_probs_reshaped = attention_probs.view(
                batch_size * self.num_heads, q_length, kv_length
            )
            context_layer = torch.bmm(attention_probs_reshaped, value_layer)
            context_layer = self._merge_heads(context_layer)
            output_tensor = self.dense(context_layer)
            output_tensor = dropout_add(output_tensor, residual, self.hidden_dropout, self.training)
            return output_tensor, attention_probs

    class BloomMLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.dense_h_to_4h = nn.Linear(hidden_size, 4 * hidden_size)
            self.gelu_impl = BloomGelu()
            self.dense_4h_to_h = nn.Linear(4 * hidden_size, hidden_size)

        def forward(self, hidden_states, residual):
            hidden_states = self.gelu_impl(self.dense_h_to_4h(hidden_states))
            intermediate_output = self.dense_4h_to_h(hidden_states)
            return dropout_add(intermediate_output, residual, 0.0, self.training)

    class BloomBlock(nn.Module):
        def __init__(self):
            super().__init__()
            self.input_layernorm = nn.LayerNorm(hidden_size, eps=1e-5)
            self.self_attention = BloomAttention()
            self.post_attention_layernorm = nn.LayerNorm(hidden_size, eps=1e-5)
            self.mlp = BloomMLP()

        def forward(self, hidden_states, alibi, attention_mask):
            layernorm_output = self.input_layernorm(hidden_states)
            residual = hidden_states
            attention_output, probs = self.self_attention(layernorm_output, residual, alibi,
                                                          attention_mask)  # fmt: skip
            layernorm_output = self.post_attention_layernorm(attention_output)
            residual = attention_output
            return self.mlp(layernorm_output, residual), probs

    def _make_causal_mask(input_ids_shape, past_key_values_length):
        batch_size, target_length = input_ids_shape
        mask = torch.empty((target_length, target_length + past_key_values_length),
                           dtype=torch.bool)  # fmt: skip
        seq_ids = torch.arange(target_length)
        mask[:, past_key_values_length:] = seq_ids[:, None] < seq_ids[None, :]
        if past_key_values_length > 0:
            mask[:, :past_key_values_length] = False
        expanded_mask = mask[None, None, :, :].expand(
            batch_size, 1, target_length, target_length + past_key_values_length
        )
        return expanded_mask

    def _expand_mask(mask, tgt_length):
        batch_size, src_length = mask.shape
        tgt_length = tgt_length if tgt_length is not None else src_length
        expanded_mask = ~(mask[:, None, None, :].to(torch.bool))
        return expanded_mask.expand(batch_size, 1, tgt_length, src_length)

    class BloomForCausalLM(nn.Module):
        def __init__(self):
            super().__init__()
            self.word_embeddings = nn.Embedding(vocab, hidden_size)
            self.word_embeddings_layernorm = nn.LayerNorm(hidden_size, eps=1e-5)
            self.h = nn.ModuleList([BloomBlock() for _ in range(n_layer)])
            self.ln_f = nn.LayerNorm(hidden_size, eps=1e-5)
            self.lm_head = nn.Linear(hidden_size, vocab, bias=False)
            self.lm_head.weight = self.word_embeddings.weight

        def forward(self, input_ids, attention_mask, labels=None):
            batch_size, seq_length = input_ids.shape
            hidden_states = self.word_embeddings_layernorm(self.word_embeddings(input_ids))
            alibi = build_alibi_tensor(attention_mask, n_head, dtype=hidden_states.dtype)
            causal_mask = _make_causal_mask((batch_size, seq_length), 0)
            causal_mask = causal_mask | _expand_mask(attention_mask, tgt_length=seq_length)
            for block in self.h:
                hidden_states, probs = block(hidden_states, alibi, causal_mask)
            lm_logits = self.lm_head(self.ln_f(hidden_states))
            loss = None
            if labels is not None:
                shift_logits = lm_logits[..., :-1, :].contiguous()
                shift_labels = labels[..., 1:].contiguous()
                loss_fct = nn.CrossEntropyLoss()
                loss = loss_fct(shift_logits.view(batch_size * (seq_length - 1), vocab),
                                shift_labels.view(batch_size * (seq_length - 1)))  # fmt: skip
            return loss, lm_logits, probs

    model = init(BloomForCausalLM())
    no_decay = ["bias", "layernorm.weight", "ln_f.weight", "_layernorm.weight"]
    groups = [
        {
            "params": [
                p for n, p in model.named_parameters() if not any(nd in n for nd in no_decay)
            ],
            "weight_decay": 0.01,
        },  # fmt: skip
        {
            "params": [p for n, p in model.named_parameters() if any(nd in n for nd in no_decay)],
            "weight_decay": 0.0,
        },  # fmt: skip
    ]
    optimizer = optim.AdamW(groups, lr=2e-3)
    labels = input_ids.masked_fill(attention_mask == 0, -100)
    log = [build_alibi_tensor(attention_mask, n_head, torch.float32).sum().item()]
    for step in range(6):
        loss, logits, probs = model(input_ids, attention_mask, labels=labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        log.append([loss.item(), probs[1, :, -1].sum().item()])
    return log


def _tokens(seed=0):
    rng = np.random.default_rng(seed)
    return (np.cumsum(rng.integers(1, 4, (4, 10)), axis=1) % 20).astype(np.int64)


def test_llama(portability):
    tokens = _tokens()

    def program(torch, **kw):
        return llama(torch, tokens=torch.from_numpy(tokens), **kw)

    portability.assert_same(program, dtype="float32", rtol=1e-4)


def test_bloom_alibi_baddbmm(portability):
    tokens = _tokens(1)
    mask = np.ones_like(tokens)
    mask[1, 7:] = 0
    mask[3, 5:] = 0

    def program(torch, **kw):
        return bloom(torch, input_ids=torch.from_numpy(tokens),
                     attention_mask=torch.from_numpy(mask), **kw)  # fmt: skip

    portability.assert_same(program, dtype="float32", rtol=1e-4)
