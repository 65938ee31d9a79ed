"""Two architectures written without einops, as their popular re-implementations do.

MLP-Mixer (lucidrains/mlp-mixer-pytorch's structure, the timm ``MixerBlock`` written out):
patches by ``nn.Conv2d(stride=patch)`` then ``.flatten(2).transpose(1, 2)``, token mixing as
``x + self.token_mix(self.norm1(x).transpose(1, 2)).transpose(1, 2)`` (an ``nn.Sequential``
of ``nn.Linear``/``nn.GELU``), channel mixing, ``torch.mean(x, dim=1)`` head, and the same with
token mixing as ``nn.Conv1d(num_patches, num_patches, 1)``; label smoothing
(``nn.CrossEntropyLoss(label_smoothing=0.1)``), ``optim.lr_scheduler.LambdaLR`` warmup.

Set Transformer (juho-lee/set_transformer's ``MAB``/``SAB``/``ISAB``/``PMA`` written with
``nn.MultiheadAttention(batch_first=True)``): inducing points ``nn.Parameter(torch.Tensor(1,
num_inds, dim_out))`` initialised by ``nn.init.xavier_uniform_``, ``self.I.repeat(X.size(0), 1,
1)``, seeds for pooling, ``key_padding_mask`` for sets of different sizes padded with
``nn.utils.rnn.pad_sequence(batch_first=True)``; Deep Sets' masked sum pooling ``(h *
mask.unsqueeze(-1)).sum(1)``; permutation invariance checked with ``x[:, torch.randperm``-free
fixed permutations."""

from __future__ import annotations

import numpy as np


def mixer(torch, nn, F, optim, data, init, path, images, labels, conv_tokens):
    log = []

    class FeedForward(nn.Sequential):
        def __init__(self, dim, expansion_factor, dense):
            inner = int(dim * expansion_factor)
            super().__init__(dense(dim, inner), nn.GELU(), nn.Dropout(0.0), dense(inner, dim), nn.Dropout(0.0))  # fmt: skip

    class MixerBlock(nn.Module):
        def __init__(self, dim, num_patches):
            super().__init__()
            self.norm1 = nn.LayerNorm(dim)
            if conv_tokens:
                self.token_mix = FeedForward(num_patches, 2, lambda i, o: nn.Conv1d(i, o, kernel_size=1))  # fmt: skip
            else:
                self.token_mix = FeedForward(num_patches, 2, nn.Linear)
            self.norm2 = nn.LayerNorm(dim)
            self.channel_mix = FeedForward(dim, 2, nn.Linear)

        def forward(self, x):
            if conv_tokens:
                x = x + self.token_mix(self.norm1(x))
            else:
                x = x + self.token_mix(self.norm1(x).transpose(1, 2)).transpose(1, 2)
            return x + self.channel_mix(self.norm2(x))

    class MLPMixer(nn.Module):
        def __init__(self, image_size=8, channels=1, patch_size=2, dim=6, depth=2, num_classes=3):  # fmt: skip
            super().__init__()
            num_patches = (image_size // patch_size) ** 2
            self.stem = nn.Conv2d(channels, dim, kernel_size=patch_size, stride=patch_size)
            self.blocks = nn.Sequential(*[MixerBlock(dim, num_patches) for _ in range(depth)])
            self.norm = nn.LayerNorm(dim)
            self.head = nn.Linear(dim, num_classes)

        def forward(self, x):
            x = self.stem(x).flatten(2).transpose(1, 2)
            x = self.blocks(x)
            x = self.norm(x)
            return self.head(torch.mean(x, dim=1))

    model = init(MLPMixer())
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    optimizer = optim.AdamW(model.parameters(), lr=5e-3, weight_decay=0.05)
    scheduler = optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / 3))
    X, Y = torch.tensor(images), torch.tensor(labels)
    for step in range(6):
        out = model(X)
        loss = criterion(out, Y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        log.append([loss.item(), scheduler.get_last_lr()[0]])
    with torch.no_grad():
        log.append((model(X).argmax(-1) == Y).float().mean().item())
    return log


def set_transformer(torch, nn, F, optim, data, init, path, sets, targets):
    log = []

    class MAB(nn.Module):
        def __init__(self, dim_Q, dim_K, dim_V, num_heads, ln=False):
            super().__init__()
            self.fc_q = nn.Linear(dim_Q, dim_V)
            self.fc_k = nn.Linear(dim_K, dim_V)
            self.attn = nn.MultiheadAttention(dim_V, num_heads, batch_first=True)
            if ln:
                self.ln0 = nn.LayerNorm(dim_V)
                self.ln1 = nn.LayerNorm(dim_V)
            self.fc_o = nn.Linear(dim_V, dim_V)

        def forward(self, Q, K, key_padding_mask=None):
            Q, K = self.fc_q(Q), self.fc_k(K)
            A, _ = self.attn(Q, K, K, key_padding_mask=key_padding_mask)
            O = Q + A  # noqa: E741
            O = O if getattr(self, "ln0", None) is None else self.ln0(O)  # noqa: E741
            O = O + F.relu(self.fc_o(O))  # noqa: E741
            return O if getattr(self, "ln1", None) is None else self.ln1(O)

    class SAB(nn.Module):
        def __init__(self, dim_in, dim_out, num_heads, ln=False):
            super().__init__()
            self.mab = MAB(dim_in, dim_in, dim_out, num_heads, ln=ln)

        def forward(self, X, mask=None):
            return self.mab(X, X, key_padding_mask=mask)

    class ISAB(nn.Module):
        def __init__(self, dim_in, dim_out, num_heads, num_inds, ln=False):
            super().__init__()
            self.I = nn.Parameter(torch.Tensor(1, num_inds, dim_out))
            nn.init.xavier_uniform_(self.I)
            self.mab0 = MAB(dim_out, dim_in, dim_out, num_heads, ln=ln)
            self.mab1 = MAB(dim_in, dim_out, dim_out, num_heads, ln=ln)

        def forward(self, X, mask=None):
            H = self.mab0(self.I.repeat(X.size(0), 1, 1), X, key_padding_mask=mask)
            return self.mab1(X, H)

    class PMA(nn.Module):
        def __init__(self, dim, num_heads, num_seeds, ln=False):
            super().__init__()
            self.S = nn.Parameter(torch.Tensor(1, num_seeds, dim))
            nn.init.xavier_uniform_(self.S)
            self.mab = MAB(dim, dim, dim, num_heads, ln=ln)

        def forward(self, X, mask=None):
            return self.mab(self.S.repeat(X.size(0), 1, 1), X, key_padding_mask=mask)

    class SetTransformer(nn.Module):
        def __init__(self, dim_input=2, num_outputs=1, dim_output=1, num_inds=4, dim_hidden=8, num_heads=2, ln=True):  # fmt: skip
            super().__init__()
            self.isab = ISAB(dim_input, dim_hidden, num_heads, num_inds, ln=ln)
            self.sab = SAB(dim_hidden, dim_hidden, num_heads, ln=ln)
            self.pma = PMA(dim_hidden, num_heads, num_outputs, ln=ln)
            self.dec = nn.Linear(dim_hidden, dim_output)

        def forward(self, X, mask=None):
            H = self.isab(X, mask)
            H = self.sab(H, mask)
            return self.dec(self.pma(H, mask)).squeeze(-1).squeeze(-1)

    class DeepSets(nn.Module):
        def __init__(self, dim_input=2, dim_hidden=8):
            super().__init__()
            self.enc = nn.Sequential(nn.Linear(dim_input, dim_hidden), nn.ReLU(), nn.Linear(dim_hidden, dim_hidden))  # fmt: skip
            self.dec = nn.Sequential(nn.Linear(dim_hidden, dim_hidden), nn.ReLU(), nn.Linear(dim_hidden, 1))  # fmt: skip

        def forward(self, X, mask):
            h = self.enc(X)
            keep = (~mask).to(h.dtype)
            h = (h * keep.unsqueeze(-1)).sum(1) / keep.sum(1, keepdim=True)
            return self.dec(h).squeeze(-1)

    xs = [torch.tensor(s) for s in sets]
    lengths = torch.tensor([len(s) for s in sets])
    X = nn.utils.rnn.pad_sequence(xs, batch_first=True)
    mask = torch.arange(X.size(1))[None, :] >= lengths[:, None]
    T = torch.tensor(targets)
    for net in (SetTransformer(), DeepSets()):
        model = init(net)
        optimizer = optim.Adam(model.parameters(), lr=3e-3)
        for step in range(5):
            pred = model(X, mask)
            loss = F.mse_loss(pred, T)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            log.append(loss.item())
        model.eval()
        with torch.no_grad():
            # permutation invariance within the valid elements of set 0 (its own length)
            n0 = int(lengths[0])
            perm = torch.tensor(list(range(n0))[::-1] + list(range(n0, X.size(1))))
            a = model(X[:1], mask[:1])
            b = model(X[:1, perm], mask[:1])
            log.append([a.item(), b.item(), torch.allclose(a, b)])
    return log


def test_mlp_mixer_linear_token_mixing(portability):
    rng = np.random.default_rng(8)
    portability.assert_same(mixer, rtol=1e-8, images=rng.random((9, 1, 8, 8)),
                            labels=rng.integers(0, 3, 9), conv_tokens=False)  # fmt: skip


def test_mlp_mixer_conv1d_token_mixing(portability):
    rng = np.random.default_rng(8)
    portability.assert_same(mixer, rtol=1e-8, images=rng.random((9, 1, 8, 8)),
                            labels=rng.integers(0, 3, 9), conv_tokens=True)  # fmt: skip


def test_set_transformer_and_deep_sets(portability):
    rng = np.random.default_rng(12)
    sets = [rng.standard_normal((n, 2)) for n in (5, 3, 6, 4)]
    targets = np.array([np.max(np.linalg.norm(s, axis=1)) for s in sets])
    portability.assert_same(set_transformer, rtol=1e-8, sets=sets, targets=targets)
