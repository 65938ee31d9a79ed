"""Three small modern models as blog posts write them: a mixture-of-experts layer with top-k
routing (``torch.topk`` of the router logits, ``softmax`` over the kept ones, ``F.one_hot``
expert masks, ``torch.where(expert_mask[i])``, ``index_add`` of the weighted expert outputs
and a load-balancing loss from ``mean`` of the one-hot and of the router probabilities);
a CLIP-style contrastive loss (``F.normalize``, a learnable ``logit_scale`` used through
``.exp()`` and clamped with ``.data.clamp_``, symmetric ``cross_entropy`` against
``torch.arange``); and a DDPM training step (``torch.linspace`` betas, ``cumprod``, the
schedule gathered at random timesteps with ``.gather(-1, t).reshape(b, 1, 1)``, a sinusoidal
time embedding, ``q_sample`` with noise from the shared stream, ``MSELoss`` on the predicted
noise) with an EMA copy of the weights updated by ``lerp_`` under ``no_grad``."""

from __future__ import annotations

import math

import numpy as np


def moe_clip_ddpm(torch, nn, F, optim, data, init, path, x, y, img, txt, seqs, ts):
    log = []

    class Expert(nn.Module):
        def __init__(self, d, h):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(d, h), nn.SiLU(), nn.Linear(h, d))

        def forward(self, x):
            return self.net(x)

    class MoE(nn.Module):
        def __init__(self, d, h, n_experts=4, top_k=2):
            super().__init__()
            self.router = nn.Linear(d, n_experts, bias=False)
            self.experts = nn.ModuleList([Expert(d, h) for _ in range(n_experts)])
            self.top_k, self.n_experts = top_k, n_experts

        def forward(self, x):
            logits = self.router(x)
            weights, selected = torch.topk(logits, self.top_k, dim=-1)
            weights = F.softmax(weights, dim=-1, dtype=torch.float).to(x.dtype)
            out = torch.zeros_like(x)
            expert_mask = F.one_hot(selected, num_classes=self.n_experts).permute(2, 1, 0)
            for i, expert in enumerate(self.experts):
                idx, tok = torch.where(expert_mask[i])
                if tok.numel() == 0:
                    continue
                y = expert(x[tok]) * weights[tok, idx, None]
                out = out.index_add(0, tok, y.to(x.dtype))
            probs = F.softmax(logits, dim=-1)
            frac = F.one_hot(selected[:, 0], self.n_experts).float().mean(0)
            aux = self.n_experts * (frac * probs.mean(0)).sum()
            return out, aux

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.inp = nn.Linear(6, 8)
            self.moe = MoE(8, 12)
            self.norm = nn.LayerNorm(8)
            self.out = nn.Linear(8, 3)

        def forward(self, x):
            h = self.inp(x)
            m, aux = self.moe(self.norm(h))
            return self.out(h + m), aux

    model = init(Classifier())
    opt = optim.AdamW(model.parameters(), lr=3e-3)
    X, Y = torch.tensor(x), torch.tensor(y)
    for step in range(12):
        logits, aux = model(X)
        loss = F.cross_entropy(logits, Y) + 0.01 * aux
        opt.zero_grad()
        loss.backward()
        opt.step()
        log.append([loss.item(), aux.item()])

    # CLIP
    class CLIP(nn.Module):
        def __init__(self):
            super().__init__()
            self.image_proj = nn.Sequential(nn.Linear(10, 16), nn.GELU(), nn.Linear(16, 8))
            self.text_embed = nn.EmbeddingBag(30, 16, mode="mean")
            self.text_proj = nn.Linear(16, 8, bias=False)
            self.logit_scale = nn.Parameter(torch.ones([]) * np.log(1 / 0.07))

        def forward(self, images, texts):
            image_features = F.normalize(self.image_proj(images), dim=-1)
            text_features = self.text_proj(self.text_embed(texts))
            text_features = text_features / text_features.norm(dim=1, keepdim=True)
            logit_scale = self.logit_scale.exp()
            logits_per_image = logit_scale * image_features @ text_features.t()
            return logits_per_image, logits_per_image.t()

    clip = init(CLIP())
    opt = optim.Adam(clip.parameters(), lr=5e-3, betas=(0.9, 0.98), eps=1e-6)
    images, texts = torch.tensor(img), torch.tensor(txt)
    for step in range(10):
        lpi, lpt = clip(images, texts)
        labels = torch.arange(len(images), dtype=torch.long)
        loss = (F.cross_entropy(lpi, labels) + F.cross_entropy(lpt, labels)) / 2
        opt.zero_grad()
        loss.backward()
        opt.step()
        clip.logit_scale.data.clamp_(0, math.log(100))
        log.append([loss.item(), clip.logit_scale.item(),
                    (lpi.argmax(-1) == labels).float().mean().item()])  # fmt: skip

    # DDPM
    T = 50
    betas = torch.linspace(1e-4, 0.02, T)
    alphas = 1.0 - betas
    alphas_cumprod = torch.cumprod(alphas, dim=0)
    sqrt_ac = torch.sqrt(alphas_cumprod)
    sqrt_om = torch.sqrt(1.0 - alphas_cumprod)

    def extract(a, t, x_shape):
        b = t.shape[0]
        out = a.gather(-1, t)
        return out.reshape(b, *((1,) * (len(x_shape) - 1)))

    def timestep_embedding(t, dim):
        half = dim // 2
        freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / half)
        args = t[:, None].float() * freqs[None]
        return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)

    class Denoiser(nn.Module):
        def __init__(self, c=2, d=16):
            super().__init__()
            self.time_mlp = nn.Sequential(nn.Linear(d, d), nn.SiLU(), nn.Linear(d, d))
            self.conv1 = nn.Conv1d(c, d, 3, padding=1)
            self.norm = nn.GroupNorm(4, d)
            self.conv2 = nn.Conv1d(d, c, 3, padding=1)

        def forward(self, x, t):
            temb = self.time_mlp(timestep_embedding(t, 16).to(x.dtype))
            h = F.silu(self.norm(self.conv1(x) + temb[:, :, None]))
            return self.conv2(h)

    den = init(Denoiser())
    ema = init(Denoiser())
    ema.load_state_dict(den.state_dict())
    opt = optim.Adam(den.parameters(), lr=2e-3)
    x0_all = torch.tensor(seqs)
    for step in range(8):
        x0 = x0_all[step * 4 : step * 4 + 4]
        t = torch.tensor(ts[step], dtype=torch.long)
        noise = torch.randn_like(x0)
        x_t = extract(sqrt_ac, t, x0.shape) * x0 + extract(sqrt_om, t, x0.shape) * noise
        loss = F.mse_loss(den(x_t, t), noise)
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            for pe, p in zip(ema.parameters(), den.parameters()):
                pe.lerp_(p, 0.1)
        log.append(loss.item())
    with torch.no_grad():
        t = torch.full((4,), T - 1, dtype=torch.long)
        xt = torch.randn(4, 2, 8)
        eps = ema(xt, t)
        mean = (xt - extract(betas, t, xt.shape) / extract(sqrt_om, t, xt.shape) * eps) / \
            extract(alphas, t, xt.shape).sqrt()  # fmt: skip
        log.append(mean.sum().item())
    log.append([p.detach().sum().item() for p in ema.parameters()])
    return log


def test_moe_clip_ddpm(portability):
    rng = np.random.default_rng(21)
    x = rng.standard_normal((20, 6))
    y = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5).astype(int)
    img = rng.standard_normal((6, 10))
    txt = rng.integers(0, 30, (6, 4))
    seqs = np.sin(np.linspace(0, 6, 8)[None, None] * rng.random((32, 2, 1)) * 3)
    ts = rng.integers(0, 50, (8, 4))
    portability.assert_same(moe_clip_ddpm, rtol=1e-8, x=x, y=y.tolist(), img=img,
                            txt=txt.tolist(), seqs=seqs, ts=ts.tolist())  # fmt: skip
