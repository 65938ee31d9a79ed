"""Karpathy's nanoGPT ``model.py`` and ``train.py`` on a tiny character corpus: ``LayerNorm``
with an optional bias (``F.layer_norm(input, self.weight.shape, self.weight, self.bias,
1e-5)``), ``CausalSelfAttention`` with one ``c_attn`` split by ``.split(self.n_embd, dim=2)``,
``view(B, T, nh, hs).transpose(1, 2)``, both paths: ``F.scaled_dot_product_attention(q, k, v,
attn_mask=None, dropout_p=0, is_causal=True)`` and the slow one through a
``register_buffer("bias", torch.tril(torch.ones(bs, bs)).view(1, 1, bs, bs))`` with
``att.masked_fill(self.bias[:, :, :T, :T] == 0, float('-inf'))``; ``x = x + self.attn(self.ln_1(
x))``; ``nn.ModuleDict(dict(wte=..., h=nn.ModuleList(...), ln_f=...))``; weight tying
``self.transformer.wte.weight = self.lm_head.weight``; ``apply(self._init_weights)`` and the
scaled init of every ``pn.endswith('c_proj.weight')`` by ``torch.nn.init.normal_(p, mean=0.0,
std=0.02 / math.sqrt(2 * n_layer))`` (then the weights come from torch's run); ``get_num_params
(non_embedding=True)``; ``configure_optimizers`` (``{pn: p for pn, p in self.named_parameters()}``,
``decay_params = [p for n, p in param_dict.items() if p.dim() >= 2]``, ``'fused' in
inspect.signature(torch.optim.AdamW).parameters``); ``crop_block_size`` (``nn.Parameter(wpe.
weight[:block_size])`` and the buffer sliced); ``train.py``'s loop: ``get_lr`` warm-up + cosine
written into every ``param_group['lr']``, gradient accumulation (``loss / gradient_accumulation_
steps``), a disabled ``torch.amp.GradScaler`` (``scale``, ``unscale_``, ``step``, ``update``),
``clip_grad_norm_``, ``zero_grad(set_to_none=True)``, ``estimate_loss`` under
``@torch.no_grad()`` with ``model.eval()``/``model.train()``; and ``generate`` with
``logits[:, -1, :] / temperature``, ``v, _ = torch.topk(logits, min(top_k, logits.size(-1)))``,
``logits[logits < v[:, [-1]]] = -float('Inf')``, ``torch.multinomial(probs, num_samples=1)``
(top_k=1 makes the draw certain, so both libraries pick the same tokens) and ``torch.cat((idx,
idx_next), dim=1)``. Batches are picked by NumPy indices (the script's ``torch.randint``)."""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass

import numpy as np

TEXT = (
    "first citizen: before we proceed any further, hear me speak. all: speak, speak. "
    "first citizen: you are all resolved rather to die than to famish? all: resolved. "
)


def nanogpt(torch, nn, F, optim, data, init, path, starts, eval_starts):
    log = []

    @dataclass
    class GPTConfig:
        block_size: int = 16
        vocab_size: int = 32
        n_layer: int = 2
        n_head: int = 2
        n_embd: int = 16
        dropout: float = 0.0
        bias: bool = True
        flash: bool = True

    class LayerNorm(nn.Module):
        def __init__(self, ndim, bias):
            super().__init__()
            self.weight = nn.Parameter(torch.ones(ndim))
            self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None

        def forward(self, input):
            return F.layer_norm(input, self.weight.shape, self.weight, self.bias, 1e-5)

    class CausalSelfAttention(nn.Module):
        def __init__(self, config):
            super().__init__()
            assert config.n_embd % config.n_head == 0
            self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
            self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
            self.attn_dropout = nn.Dropout(config.dropout)
            self.resid_dropout = nn.Dropout(config.dropout)
            self.n_head = config.n_head
            self.n_embd = config.n_embd
            self.dropout = config.dropout
            self.flash = config.flash and hasattr(
                torch.nn.functional, "scaled_dot_product_attention"
            )
            if not self.flash:
                bs = config.block_size
                self.register_buffer("bias", torch.tril(torch.ones(bs, bs)).view(1, 1, bs, bs))

        def forward(self, x):
            B, T, C = x.size()
            q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
            k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            if self.flash:
                y = torch.nn.functional.scaled_dot_product_attention(
                    q, k, v, attn_mask=None, dropout_p=self.dropout if self.training else 0,
                    is_causal=True,
                )  # fmt: skip
            else:
                att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
                att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
                att = F.softmax(att, dim=-1)
                att = self.attn_dropout(att)
                y = att @ v
            y = y.transpose(1, 2).contiguous().view(B, T, C)
            return self.resid_dropout(self.c_proj(y))

    class MLP(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
            self.gelu = nn.GELU()
            self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
            self.dropout = nn.Dropout(config.dropout)

        def forward(self, x):
            return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))

    class Block(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.ln_1 = LayerNorm(config.n_embd, bias=config.bias)
            self.attn = CausalSelfAttention(config)
            self.ln_2 = LayerNorm(config.n_embd, bias=config.bias)
            self.mlp = MLP(config)

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            x = x + self.mlp(self.ln_2(x))
            return x

    class GPT(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.config = config
            self.transformer = nn.ModuleDict(dict(
                wte=nn.Embedding(config.vocab_size, config.n_embd),
                wpe=nn.Embedding(config.block_size, config.n_embd),
                drop=nn.Dropout(config.dropout),
                h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
                ln_f=LayerNorm(config.n_embd, bias=config.bias),
            ))  # fmt: skip
            self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
            self.transformer.wte.weight = self.lm_head.weight
            self.apply(self._init_weights)
            for pn, p in self.named_parameters():
                if pn.endswith("c_proj.weight"):
                    torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

        def get_num_params(self, non_embedding=True):
            n_params = sum(p.numel() for p in self.parameters())
            if non_embedding:
                n_params -= self.transformer.wpe.weight.numel()
            return n_params

        def _init_weights(self, module):
            if isinstance(module, nn.Linear):
                torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
                if module.bias is not None:
                    torch.nn.init.zeros_(module.bias)
            elif isinstance(module, nn.Embedding):
                torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

        def forward(self, idx, targets=None):
            b, t = idx.size()
            assert t <= self.config.block_size
            pos = torch.arange(0, t, dtype=torch.long, device=idx.device)
            tok_emb = self.transformer.wte(idx)
            pos_emb = self.transformer.wpe(pos)
            x = self.transformer.drop(tok_emb + pos_emb)
            for block in self.transformer.h:
                x = block(x)
            x = self.transformer.ln_f(x)
            if targets is not None:
                logits = self.lm_head(x)
                loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1),
                                       ignore_index=-1)  # fmt: skip
            else:
                logits = self.lm_head(x[:, [-1], :])
                loss = None
            return logits, loss

        def crop_block_size(self, block_size):
            assert block_size <= self.config.block_size
            self.config.block_size = block_size
            self.transformer.wpe.weight = nn.Parameter(self.transformer.wpe.weight[:block_size])
            for block in self.transformer.h:
                if hasattr(block.attn, "bias"):
                    block.attn.bias = block.attn.bias[:, :, :block_size, :block_size]

        def configure_optimizers(self, weight_decay, learning_rate, betas, device_type):
            param_dict = {pn: p for pn, p in self.named_parameters()}
            param_dict = {pn: p for pn, p in param_dict.items() if p.requires_grad}
            decay_params = [p for n, p in param_dict.items() if p.dim() >= 2]
            nodecay_params = [p for n, p in param_dict.items() if p.dim() < 2]
            optim_groups = [
                {"params": decay_params, "weight_decay": weight_decay},
                {"params": nodecay_params, "weight_decay": 0.0},
            ]
            log.append([len(decay_params), len(nodecay_params),
                        sum(p.numel() for p in decay_params),
                        sum(p.numel() for p in nodecay_params)])  # fmt: skip
            fused_available = "fused" in inspect.signature(torch.optim.AdamW).parameters
            use_fused = fused_available and device_type == "cuda"
            extra_args = dict(fused=True) if use_fused else dict()
            return torch.optim.AdamW(optim_groups, lr=learning_rate, betas=betas, **extra_args)

        @torch.no_grad()
        def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None):
            for _ in range(max_new_tokens):
                bs = self.config.block_size
                idx_cond = idx if idx.size(1) <= bs else idx[:, -bs:]
                logits, _ = self(idx_cond)
                logits = logits[:, -1, :] / temperature
                if top_k is not None:
                    v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                    logits[logits < v[:, [-1]]] = -float("Inf")
                probs = F.softmax(logits, dim=-1)
                idx_next = torch.multinomial(probs, num_samples=1)
                idx = torch.cat((idx, idx_next), dim=1)
            return idx

    chars = sorted(set(TEXT))
    stoi = {ch: i for i, ch in enumerate(chars)}
    itos = {i: ch for i, ch in enumerate(chars)}
    encoded = torch.tensor([stoi[c] for c in TEXT], dtype=torch.long)
    n = int(0.9 * len(encoded))
    train_data, val_data = encoded[:n], encoded[n:]

    def get_batch(split, ix, block_size):
        d = train_data if split == "train" else val_data
        x = torch.stack([d[i : i + block_size] for i in ix])
        y = torch.stack([d[i + 1 : i + 1 + block_size] for i in ix])
        return x, y

    def train_and_sample(flash):
        config = GPTConfig(vocab_size=len(chars), flash=flash)
        model = init(GPT(config))
        log.append(model.get_num_params())
        log.append(model.get_num_params(non_embedding=False))
        log.append(model.lm_head.weight is model.transformer.wte.weight)
        log.append(len(list(model.parameters())))
        log.append(sorted(model.state_dict().keys()))
        optimizer = model.configure_optimizers(0.1, 1e-2, (0.9, 0.95), "cpu")
        scaler = torch.amp.GradScaler("cpu", enabled=False)
        warmup_iters, lr_decay_iters, learning_rate, min_lr = 2, 8, 1e-2, 1e-3

        def get_lr(it):
            if it < warmup_iters:
                return learning_rate * (it + 1) / (warmup_iters + 1)
            if it > lr_decay_iters:
                return min_lr
            decay_ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)
            coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
            return min_lr + coeff * (learning_rate - min_lr)

        @torch.no_grad()
        def estimate_loss():
            out = {}
            model.eval()
            for split in ["train", "val"]:
                losses = torch.zeros(len(eval_starts[split]))
                for k, ix in enumerate(eval_starts[split]):
                    X, Y = get_batch(split, ix, config.block_size)
                    logits, loss = model(X, Y)
                    losses[k] = loss.item()
                out[split] = losses.mean()
            model.train()
            return out

        gradient_accumulation_steps = 2
        micro = iter(starts)
        for iter_num in range(10):
            lr = get_lr(iter_num)
            for param_group in optimizer.param_groups:
                param_group["lr"] = lr
            if iter_num % 5 == 0:
                losses = estimate_loss()
                log.append([losses["train"].item(), losses["val"].item()])
            for micro_step in range(gradient_accumulation_steps):
                X, Y = get_batch("train", next(micro), config.block_size)
                logits, loss = model(X, Y)
                loss = loss / gradient_accumulation_steps
                scaler.scale(loss).backward()
            scaler.unscale_(optimizer)
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            scaler.step(optimizer)
            scaler.update()
            optimizer.zero_grad(set_to_none=True)
            lossf = loss.item() * gradient_accumulation_steps
            log.append([lossf, norm.item(), lr])
        log.append(model.lm_head.weight.grad is None)
        log.append(model.transformer.wte.weight.sum().item())
        model.eval()
        context = torch.tensor([[stoi["f"], stoi["i"]]], dtype=torch.long)
        out = model.generate(context, max_new_tokens=20, temperature=0.8, top_k=1)
        log.append("".join(itos[i] for i in out[0].tolist()))
        # beyond block_size the context is cropped
        log.append(out.shape[1])
        model.crop_block_size(8)
        log.append(list(model.transformer.wpe.weight.shape))
        log.append(isinstance(model.transformer.wpe.weight, nn.Parameter))
        if not flash:
            log.append(list(model.transformer.h[0].attn.bias.shape))
        X, Y = get_batch("val", eval_starts["val"][0], 8)
        with torch.no_grad():
            logits, loss = model(X, Y)
        log.append(loss.item())
        logits, loss = model(X[:, :5])
        log.append(list(logits.shape))
        log.append(model.generate(context, max_new_tokens=10, top_k=1)[0].tolist())

    train_and_sample(flash=True)
    train_and_sample(flash=False)
    return log


def test_nanogpt(portability):
    rng = np.random.default_rng(12)
    n = int(0.9 * len(TEXT))
    starts = [rng.integers(0, n - 16, size=4).tolist() for _ in range(20)]
    eval_starts = {
        "train": [rng.integers(0, n - 16, size=4).tolist() for _ in range(2)],
        "val": [rng.integers(0, len(TEXT) - n - 16, size=2).tolist() for _ in range(2)],
    }
    portability.assert_same(nanogpt, rtol=1e-8, starts=starts, eval_starts=eval_starts)
