"""A Mamba block with the reference selective scan written in plain PyTorch (``mamba-minimal``
and ``mamba.py``'s ``selective_scan`` "slow path"): ``in_proj`` split by ``chunk``/``split``,
a depthwise causal ``nn.Conv1d`` (``groups=d_inner``, ``padding=d_conv - 1``, sliced
``[:, :, :L]``) with ``einops``-free ``rearrange`` by ``transpose``, ``x_proj`` split into
``delta, B, C`` with ``torch.split(..., [dt_rank, n, n], dim=-1)``, ``F.softplus(dt_proj)``,
``A = -torch.exp(self.A_log.to(x.dtype))`` (the ``A_log`` of ``torch.log`` of a ``repeat``-ed integer
``arange``), discretisation ``deltaA = torch.exp(einsum('bld,dn->bldn'))``, the recurrence in
a Python loop with ``torch.stack(ys, dim=1)``, the parallel form through ``cumsum`` of
``log``-space decays (a Heinsen-style scan with ``logcumsumexp``) checked against it,
``RMSNorm`` by hand (``x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight``),
residual blocks, and an S4D-Real kernel (``torch.exp`` of ``A * dt`` times ``arange(L)``, an
``einsum`` over the state) applied as a causal depthwise ``F.conv1d``. (The complex S4D kernel
with ``torch.fft`` is not in this program: deepgrad has no complex views nor ``torch.fft``.)"""

from __future__ import annotations

import math

import numpy as np


def selective_scan_program(torch, nn, F, optim, data, init, path, tokens, seqs):
    log = []

    class RMSNorm(nn.Module):
        def __init__(self, d_model, eps=1e-5):
            super().__init__()
            self.eps = eps
            self.weight = nn.Parameter(torch.ones(d_model))

        def forward(self, x):
            return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight

    class MambaBlock(nn.Module):
        def __init__(self, d_model, d_state=4, d_conv=3, expand=2):
            super().__init__()
            self.d_inner = expand * d_model
            self.dt_rank = math.ceil(d_model / 4)
            self.d_state = d_state
            self.in_proj = nn.Linear(d_model, self.d_inner * 2, bias=False)
            self.conv1d = nn.Conv1d(self.d_inner, self.d_inner, kernel_size=d_conv, bias=True,
                                    groups=self.d_inner, padding=d_conv - 1)  # fmt: skip
            self.x_proj = nn.Linear(self.d_inner, self.dt_rank + d_state * 2, bias=False)
            self.dt_proj = nn.Linear(self.dt_rank, self.d_inner, bias=True)
            A = torch.arange(1, d_state + 1).repeat(
                self.d_inner, 1
            )  # int64: log gives the default float
            self.A_log = nn.Parameter(torch.log(A))
            self.D = nn.Parameter(torch.ones(self.d_inner))
            self.out_proj = nn.Linear(self.d_inner, d_model, bias=False)

        def forward(self, x, parallel=False):
            (b, l, d) = x.shape
            x_and_res = self.in_proj(x)
            (x, res) = x_and_res.split(split_size=[self.d_inner, self.d_inner], dim=-1)
            x = x.transpose(1, 2)
            x = self.conv1d(x)[:, :, :l]
            x = x.transpose(1, 2)
            x = F.silu(x)
            y = self.ssm(x, parallel)
            y = y * F.silu(res)
            return self.out_proj(y)

        def ssm(self, x, parallel):
            (d_in, n) = self.A_log.shape
            A = -torch.exp(self.A_log.to(x.dtype))
            D = self.D.to(x.dtype)
            x_dbl = self.x_proj(x)
            (delta, B, C) = x_dbl.split(split_size=[self.dt_rank, n, n], dim=-1)
            delta = F.softplus(self.dt_proj(delta))
            if parallel:
                return self.selective_scan_parallel(x, delta, A, B, C, D)
            return self.selective_scan(x, delta, A, B, C, D)

        def selective_scan(self, u, delta, A, B, C, D):
            (b, l, d_in) = u.shape
            n = A.shape[1]
            deltaA = torch.exp(torch.einsum("bld,dn->bldn", delta, A))
            deltaB_u = torch.einsum("bld,bln,bld->bldn", delta, B, u)
            x = torch.zeros((b, d_in, n), device=deltaA.device)
            ys = []
            for i in range(l):
                x = deltaA[:, i] * x + deltaB_u[:, i]
                y = torch.einsum("bdn,bn->bd", x, C[:, i, :])
                ys.append(y)
            y = torch.stack(ys, dim=1)
            return y + u * D

        def selective_scan_parallel(self, u, delta, A, B, C, D):
            # h_t = sum_{s<=t} exp(sum_{s<r<=t} delta_r A) deltaB_u_s, via cumulative sums
            deltaA_log = torch.einsum("bld,dn->bldn", delta, A)
            cum = torch.cumsum(deltaA_log, dim=1)
            deltaB_u = torch.einsum("bld,bln,bld->bldn", delta, B, u)
            weights = torch.exp(cum.unsqueeze(2) - cum.unsqueeze(1))  # (b, t, s, d, n)
            l = u.shape[1]
            causal = torch.tril(torch.ones(l, l, dtype=torch.bool)).view(1, l, l, 1, 1)
            weights = weights.masked_fill(~causal, 0.0)
            h = (weights * deltaB_u.unsqueeze(1)).sum(dim=2)
            y = (h * C.unsqueeze(2)).sum(-1)
            return y + u * D

    class ResidualBlock(nn.Module):
        def __init__(self, d_model):
            super().__init__()
            self.mixer = MambaBlock(d_model)
            self.norm = RMSNorm(d_model)

        def forward(self, x, parallel=False):
            return self.mixer(self.norm(x), parallel) + x

    class Mamba(nn.Module):
        def __init__(self, vocab, d_model=8, n_layer=2):
            super().__init__()
            self.embedding = nn.Embedding(vocab, d_model)
            self.layers = nn.ModuleList([ResidualBlock(d_model) for _ in range(n_layer)])
            self.norm_f = RMSNorm(d_model)
            self.lm_head = nn.Linear(d_model, vocab, bias=False)
            self.lm_head.weight = self.embedding.weight  # tied

        def forward(self, input_ids, parallel=False):
            x = self.embedding(input_ids)
            for layer in self.layers:
                x = layer(x, parallel)
            return self.lm_head(self.norm_f(x))

    V = 11
    model = init(Mamba(V))
    log.append(sorted(model.state_dict().keys()))
    ids = torch.tensor(tokens)
    with torch.no_grad():
        a, b = model(ids), model(ids, parallel=True)
        log.append([(a - b).abs().max().item() < 1e-9, a.sum().item()])
    opt = optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.1)
    for step in range(5):
        logits = model(ids[:, :-1], parallel=step % 2 == 1)
        loss = F.cross_entropy(logits.reshape(-1, V), ids[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        log.append([loss.item(), gn.item(), model.layers[0].mixer.A_log.grad.abs().sum().item()])

    # a Heinsen-style log-space scan: h_t = a_t h_{t-1} + b_t with positive a, b
    def heinsen_scan(log_a, log_b):
        a_star = torch.cumsum(log_a, dim=-1)
        log_h0_plus_b_star = torch.logcumsumexp(log_b - a_star, dim=-1)
        return torch.exp(a_star + log_h0_plus_b_star)

    s = torch.tensor(seqs)
    coef = torch.sigmoid(s[:, 0]).requires_grad_()
    val = torch.exp(s[:, 1] * 0.5).requires_grad_()
    h = heinsen_scan(torch.log(coef), torch.log(val))
    hs, ht = [], torch.zeros(s.shape[0])
    for t in range(s.shape[-1]):
        ht = coef[:, t] * ht + val[:, t]
        hs.append(ht)
    loop = torch.stack(hs, dim=-1)
    (h * torch.linspace(0, 1, s.shape[-1])).sum().backward()
    log.append([(h - loop).abs().max().item() < 1e-9, h.sum().item(),
                coef.grad.sum().item(), val.grad.sum().item()])  # fmt: skip

    # S4D-Real: a real diagonal A (dt-discretised, zero-order hold), the kernel applied as a
    # causal convolution (F.conv1d of the left-padded input with the flipped kernel per channel)
    class S4DKernel(nn.Module):
        def __init__(self, d_model, N=8, dt_min=0.01, dt_max=0.1):
            super().__init__()
            H = d_model
            log_dt = torch.linspace(math.log(dt_min), math.log(dt_max), H)
            self.C = nn.Parameter(torch.linspace(-1, 1, H * N).view(H, N))
            self.log_dt = nn.Parameter(log_dt)
            self.log_A_real = nn.Parameter(
                torch.log(0.5 + torch.arange(N).repeat(H, 1).to(log_dt.dtype))
            )

        def forward(self, L):
            dt = torch.exp(self.log_dt)
            A = -torch.exp(self.log_A_real)
            dtA = A * dt.unsqueeze(-1)
            K = dtA.unsqueeze(-1) * torch.arange(L, device=A.device)
            C = self.C * (torch.exp(dtA) - 1.0) / A
            return torch.einsum("hn, hnl -> hl", C, torch.exp(K))

    class S4D(nn.Module):
        def __init__(self, d_model):
            super().__init__()
            self.D = nn.Parameter(torch.ones(d_model) * 0.5)
            self.kernel = S4DKernel(d_model)
            self.out = nn.Linear(d_model, 1)

        def forward(self, u):  # (B, H, L)
            H, L = u.size(1), u.size(-1)
            k = self.kernel(L=L)
            y = F.conv1d(F.pad(u, (L - 1, 0)), k.flip(-1).unsqueeze(1), groups=H)
            y = y + u * self.D.unsqueeze(-1)
            return self.out(F.gelu(y).transpose(-1, -2)).squeeze(-1)

    s4 = init(S4D(2))
    opt = optim.Adam(s4.parameters(), lr=1e-2)
    target = torch.roll(s[:, 0], shifts=2, dims=-1)
    for step in range(5):
        pred = s4(s)
        loss = F.mse_loss(pred, target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        log.append([loss.item(), s4.kernel.C.grad.norm().item()])
    return log


def test_selective_scan(portability):
    rng = np.random.default_rng(13)
    tokens = rng.integers(0, 11, (3, 9))
    seqs = rng.standard_normal((4, 2, 12))
    portability.assert_same(selective_scan_program, rtol=1e-8, tokens=tokens.tolist(), seqs=seqs)
