"""A small GPT in minGPT/nanoGPT's shape: causal self-attention with a ``tril`` mask buffer,
pre-norm blocks, AdamW with parameter groups (no weight decay on biases, norms and
embeddings), a warm-up + cosine schedule through ``LambdaLR``, a checkpoint dict saved and
loaded to resume, and greedy generation."""

from __future__ import annotations

import math

import numpy as np


def small_gpt(torch, nn, F, optim, data, init, path, tokens):
    class CausalSelfAttention(nn.Module):
        def __init__(self, n_embd, n_head, block_size):
            super().__init__()
            self.c_attn = nn.Linear(n_embd, 3 * n_embd)
            self.c_proj = nn.Linear(n_embd, n_embd)
            self.n_head, self.n_embd = n_head, n_embd
            self.register_buffer(
                "bias", torch.tril(torch.ones(block_size, block_size)).view(1, 1, block_size, block_size)
            )  # fmt: skip

        def forward(self, x):
            B, T, C = x.size()
            q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
            k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
            att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
            att = F.softmax(att, dim=-1)
            y = att @ v
            y = y.transpose(1, 2).contiguous().view(B, T, C)
            return self.c_proj(y)

    class Block(nn.Module):
        def __init__(self, n_embd, n_head, block_size):
            super().__init__()
            self.ln_1 = nn.LayerNorm(n_embd)
            self.attn = CausalSelfAttention(n_embd, n_head, block_size)
            self.ln_2 = nn.LayerNorm(n_embd)
            self.mlp = nn.Sequential(
                nn.Linear(n_embd, 4 * n_embd), nn.GELU(), nn.Linear(4 * n_embd, n_embd)
            )

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            x = x + self.mlp(self.ln_2(x))
            return x

    class GPT(nn.Module):
        def __init__(self, vocab_size, block_size, n_layer=2, n_head=2, n_embd=8):
            super().__init__()
            self.block_size = block_size
            self.transformer = nn.ModuleDict(dict(
                wte=nn.Embedding(vocab_size, n_embd),
                wpe=nn.Embedding(block_size, n_embd),
                h=nn.ModuleList([Block(n_embd, n_head, block_size) for _ in range(n_layer)]),
                ln_f=nn.LayerNorm(n_embd),
            ))  # fmt: skip
            self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)

        def forward(self, idx, targets=None):
            b, t = idx.size()
            assert t <= self.block_size, f"Cannot forward sequence of length {t}"
            pos = torch.arange(0, t, dtype=torch.long).unsqueeze(0)
            x = self.transformer.wte(idx) + self.transformer.wpe(pos)
            for block in self.transformer.h:
                x = block(x)
            x = self.transformer.ln_f(x)
            logits = self.lm_head(x)
            loss = None
            if targets is not None:
                loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
            return logits, loss

        def configure_optimizers(self, weight_decay, learning_rate, betas):
            decay, no_decay = set(), set()
            whitelist, blacklist = (nn.Linear,), (nn.LayerNorm, nn.Embedding)
            for mn, m in self.named_modules():
                for pn, p in m.named_parameters():
                    fpn = "%s.%s" % (mn, pn) if mn else pn
                    if pn.endswith("bias"):
                        no_decay.add(fpn)
                    elif pn.endswith("weight") and isinstance(m, whitelist):
                        decay.add(fpn)
                    elif pn.endswith("weight") and isinstance(m, blacklist):
                        no_decay.add(fpn)
            param_dict = {pn: p for pn, p in self.named_parameters()}
            assert len(decay & no_decay) == 0
            assert len(param_dict.keys() - (decay | no_decay)) == 0
            optim_groups = [
                {"params": [param_dict[pn] for pn in sorted(decay)], "weight_decay": weight_decay},
                {"params": [param_dict[pn] for pn in sorted(no_decay)], "weight_decay": 0.0},
            ]
            return optim.AdamW(optim_groups, lr=learning_rate, betas=betas)

        @torch.no_grad()
        def generate(self, idx, max_new_tokens):
            for _ in range(max_new_tokens):
                idx_cond = idx if idx.size(1) <= self.block_size else idx[:, -self.block_size :]
                logits, _ = self(idx_cond)
                logits = logits[:, -1, :]
                probs = F.softmax(logits, dim=-1)
                _, idx_next = torch.topk(probs, k=1, dim=-1)
                idx = torch.cat((idx, idx_next), dim=1)
            return idx

    block_size, batch_size, warmup, max_iters = 8, 4, 3, 12
    train_data = torch.tensor(tokens, dtype=torch.long)

    def get_batch(it):
        ix = [(it * 7 + j * 5) % (len(train_data) - block_size) for j in range(batch_size)]
        x = torch.stack([train_data[i : i + block_size] for i in ix])
        y = torch.stack([train_data[i + 1 : i + 1 + block_size] for i in ix])
        return x, y

    def lr_lambda(it):
        if it < warmup:
            return (it + 1) / warmup
        return 0.5 * (1.0 + math.cos(math.pi * (it - warmup) / (max_iters - warmup)))

    def build():
        model = GPT(vocab_size=11, block_size=block_size)
        optimizer = model.configure_optimizers(0.1, 3e-3, (0.9, 0.95))
        scheduler = optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)
        return model, optimizer, scheduler

    model, optimizer, scheduler = build()
    model = init(model)
    log = []

    def train_steps(model, optimizer, scheduler, start, stop, out):
        model.train()
        for it in range(start, stop):
            xb, yb = get_batch(it)
            logits, loss = model(xb, yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            out.append(loss.item())
            out.append(scheduler.get_last_lr()[0])

    train_steps(model, optimizer, scheduler, 0, 6, log)
    checkpoint = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "iter_num": 6,
        "best_val_loss": log[-2],
        "config": {"block_size": block_size, "n_layer": 2, "dropout": 0.0, "bias": True},
    }
    torch.save(checkpoint, path / "ckpt.pt")
    train_steps(model, optimizer, scheduler, 6, max_iters, log)

    checkpoint = torch.load(path / "ckpt.pt", map_location="cpu")
    resumed, optimizer2, scheduler2 = build()
    resumed.load_state_dict(checkpoint["model"])
    optimizer2.load_state_dict(checkpoint["optimizer"])
    scheduler2.load_state_dict(checkpoint["scheduler"])
    again = []
    train_steps(resumed, optimizer2, scheduler2, checkpoint["iter_num"], max_iters, again)
    log.append(again == log[12:])  # resuming from the checkpoint repeats the same steps
    resumed.eval()
    out = resumed.generate(torch.tensor([[1, 2, 3]], dtype=torch.long), max_new_tokens=6)
    log.extend(out[0].tolist())
    return log


def test_small_gpt(portability):
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, 11, size=200)
    portability.assert_same(small_gpt, tokens=tokens, rtol=1e-8)
