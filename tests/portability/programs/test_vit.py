"""A Vision Transformer from scratch, as timm's ``vision_transformer.py`` and the many blog posts
copied from it write it: ``PatchEmbed`` (``Conv2d(kernel_size=patch, stride=patch)`` then
``flatten(2).transpose(1, 2)``), ``cls_token = nn.Parameter(torch.zeros(1, 1, d))`` expanded and
``torch.cat``-ed, ``pos_embed`` initialised by ``nn.init.trunc_normal_(std=.02)``,
``Attention`` with one ``qkv`` Linear, ``reshape(B, N, 3, heads, C // heads).permute(2, 0, 3,
1, 4)``, ``unbind(0)``, ``(q @ k.transpose(-2, -1)) * scale`` and ``softmax(dim=-1)`` (and the
``F.scaled_dot_product_attention`` path), ``Mlp`` with ``nn.GELU``, pre-norm ``Block`` with a
``DropPath`` (``drop_prob == 0. or not self.training`` shortcut), ``_init_weights`` through
``self.apply`` (``trunc_normal_``, ``constant_`` for LayerNorm), ``x[:, 0]`` pooling; AdamW
with no weight decay for biases, norms and the tokens (``p.ndim <= 1`` or ``name in
no_weight_decay()``), ``SequentialLR`` of ``LinearLR`` warm-up and ``CosineAnnealingLR``,
``clip_grad_value_`` and top-1 accuracy through ``topk``."""

from __future__ import annotations

import numpy as np


def vit_program(torch, nn, F, optim, data, init, path, images, labels, fused_attn):
    log = []

    def drop_path(x, drop_prob: float = 0.0, training: bool = False, scale_by_keep: bool = True):
        if drop_prob == 0.0 or not training:
            return x
        keep_prob = 1 - drop_prob
        shape = (x.shape[0],) + (1,) * (x.ndim - 1)
        random_tensor = x.new_empty(shape).bernoulli_(keep_prob)
        if keep_prob > 0.0 and scale_by_keep:
            random_tensor.div_(keep_prob)
        return x * random_tensor

    class DropPath(nn.Module):
        def __init__(self, drop_prob: float = 0.0, scale_by_keep: bool = True):
            super().__init__()
            self.drop_prob = drop_prob
            self.scale_by_keep = scale_by_keep

        def forward(self, x):
            return drop_path(x, self.drop_prob, self.training, self.scale_by_keep)

    class PatchEmbed(nn.Module):
        def __init__(self, img_size=8, patch_size=4, in_chans=3, embed_dim=16):
            super().__init__()
            self.img_size = (img_size, img_size)
            self.patch_size = (patch_size, patch_size)
            self.grid_size = tuple([s // p for s, p in zip(self.img_size, self.patch_size)])
            self.num_patches = self.grid_size[0] * self.grid_size[1]
            self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)
            self.norm = nn.Identity()

        def forward(self, x):
            B, C, H, W = x.shape
            x = self.proj(x)
            x = x.flatten(2).transpose(1, 2)  # BCHW -> BNC
            x = self.norm(x)
            return x

    class Attention(nn.Module):
        def __init__(self, dim, num_heads=8, qkv_bias=False, attn_drop=0.0, proj_drop=0.0):
            super().__init__()
            assert dim % num_heads == 0, "dim should be divisible by num_heads"
            self.num_heads = num_heads
            self.head_dim = dim // num_heads
            self.scale = self.head_dim**-0.5
            self.fused_attn = fused_attn

            self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
            self.attn_drop = nn.Dropout(attn_drop)
            self.proj = nn.Linear(dim, dim)
            self.proj_drop = nn.Dropout(proj_drop)

        def forward(self, x):
            B, N, C = x.shape
            qkv = self.qkv(x).reshape(B, N, 3, self.num_heads, self.head_dim).permute(2, 0, 3, 1, 4)  # fmt: skip
            q, k, v = qkv.unbind(0)

            if self.fused_attn:
                x = F.scaled_dot_product_attention(
                    q, k, v, dropout_p=self.attn_drop.p if self.training else 0.0
                )
            else:
                q = q * self.scale
                attn = q @ k.transpose(-2, -1)
                attn = attn.softmax(dim=-1)
                attn = self.attn_drop(attn)
                x = attn @ v

            x = x.transpose(1, 2).reshape(B, N, C)
            x = self.proj(x)
            x = self.proj_drop(x)
            return x

    class Mlp(nn.Module):
        def __init__(self, in_features, hidden_features=None, out_features=None,
                     act_layer=nn.GELU, drop=0.0):  # fmt: skip
            super().__init__()
            out_features = out_features or in_features
            hidden_features = hidden_features or in_features
            self.fc1 = nn.Linear(in_features, hidden_features)
            self.act = act_layer()
            self.drop1 = nn.Dropout(drop)
            self.fc2 = nn.Linear(hidden_features, out_features)
            self.drop2 = nn.Dropout(drop)

        def forward(self, x):
            x = self.fc1(x)
            x = self.act(x)
            x = self.drop1(x)
            x = self.fc2(x)
            x = self.drop2(x)
            return x

    class Block(nn.Module):
        def __init__(self, dim, num_heads, mlp_ratio=4.0, qkv_bias=False, drop_path=0.0,
                     norm_layer=nn.LayerNorm):  # fmt: skip
            super().__init__()
            self.norm1 = norm_layer(dim)
            self.attn = Attention(dim, num_heads=num_heads, qkv_bias=qkv_bias)
            self.drop_path1 = DropPath(drop_path) if drop_path > 0.0 else nn.Identity()
            self.norm2 = norm_layer(dim)
            self.mlp = Mlp(in_features=dim, hidden_features=int(dim * mlp_ratio))
            self.drop_path2 = DropPath(drop_path) if drop_path > 0.0 else nn.Identity()

        def forward(self, x):
            x = x + self.drop_path1(self.attn(self.norm1(x)))
            x = x + self.drop_path2(self.mlp(self.norm2(x)))
            return x

    class VisionTransformer(nn.Module):
        def __init__(self, img_size=8, patch_size=4, in_chans=3, num_classes=5, embed_dim=16,
                     depth=2, num_heads=2, mlp_ratio=2.0, qkv_bias=True, drop_path_rate=0.0):  # fmt: skip
            super().__init__()
            self.num_classes = num_classes
            self.num_features = self.embed_dim = embed_dim
            self.patch_embed = PatchEmbed(img_size, patch_size, in_chans, embed_dim)
            num_patches = self.patch_embed.num_patches
            self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
            self.pos_embed = nn.Parameter(torch.zeros(1, num_patches + 1, embed_dim))
            self.pos_drop = nn.Dropout(p=0.0)
            dpr = [x.item() for x in torch.linspace(0, drop_path_rate, depth)]
            self.blocks = nn.Sequential(*[
                Block(embed_dim, num_heads, mlp_ratio, qkv_bias, drop_path=dpr[i])
                for i in range(depth)
            ])  # fmt: skip
            self.norm = nn.LayerNorm(embed_dim, eps=1e-6)
            self.head = nn.Linear(self.embed_dim, num_classes) if num_classes > 0 else nn.Identity()  # fmt: skip

            nn.init.trunc_normal_(self.pos_embed, std=0.02)
            nn.init.normal_(self.cls_token, std=1e-6)
            self.apply(self._init_weights)

        def _init_weights(self, m):
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=0.02)
                if isinstance(m, nn.Linear) and m.bias is not None:
                    nn.init.constant_(m.bias, 0)
            elif isinstance(m, nn.LayerNorm):
                nn.init.constant_(m.bias, 0)
                nn.init.constant_(m.weight, 1.0)

        def no_weight_decay(self):
            return {"pos_embed", "cls_token"}

        def forward_features(self, x):
            x = self.patch_embed(x)
            cls_token = self.cls_token.expand(x.shape[0], -1, -1)
            x = torch.cat((cls_token, x), dim=1)
            x = self.pos_drop(x + self.pos_embed)
            x = self.blocks(x)
            x = self.norm(x)
            return x

        def forward_head(self, x):
            x = x[:, 0]
            return self.head(x)

        def forward(self, x):
            x = self.forward_features(x)
            x = self.forward_head(x)
            return x

    model = VisionTransformer(drop_path_rate=0.0)  # DropPath draws: none here
    model = init(model)
    log.append([type(b.drop_path1).__name__ for b in model.blocks])

    decay, no_decay = [], []
    skip = model.no_weight_decay()
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        if param.ndim <= 1 or name.endswith(".bias") or name in skip:
            no_decay.append(param)
        else:
            decay.append(param)
    log.append([len(decay), len(no_decay)])
    optimizer = optim.AdamW(
        [{"params": no_decay, "weight_decay": 0.0}, {"params": decay, "weight_decay": 0.05}],
        lr=3e-3,
    )
    warmup = optim.lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters=2)
    cosine = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=6, eta_min=1e-5)
    scheduler = optim.lr_scheduler.SequentialLR(optimizer, [warmup, cosine], milestones=[2])
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)

    x = torch.tensor(images)
    y = torch.tensor(labels)
    loader = data.DataLoader(data.TensorDataset(x[:12], y[:12]), batch_size=4)
    for epoch in range(3):
        model.train()
        for xb, yb in loader:
            out = model(xb)
            loss = criterion(out, yb)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_value_(model.parameters(), clip_value=0.05)
            optimizer.step()
            scheduler.step()
            log.append([loss.item(), scheduler.get_last_lr()[0], model.cls_token.grad.abs().max().item()])  # fmt: skip
        model.eval()
        with torch.no_grad():
            out = model(x[12:])
            _, pred = out.topk(1, 1, True, True)
            pred = pred.t()
            correct = pred.eq(y[12:].reshape(1, -1).expand_as(pred))
            acc1 = correct[:1].reshape(-1).float().sum(0, keepdim=True).mul_(100.0 / y[12:].size(0))  # fmt: skip
            log.append([acc1.item(), out.softmax(-1).max(-1).values.mean().item()])
    return log


def _data():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 5, 16)
    images = rng.standard_normal((16, 3, 8, 8)) + labels[:, None, None, None] * 0.3
    return images, labels


def test_vit_explicit_attention(portability):
    images, labels = _data()
    portability.assert_same(vit_program, rtol=1e-8, images=images, labels=labels, fused_attn=False)


def test_vit_scaled_dot_product_attention(portability):
    images, labels = _data()
    portability.assert_same(vit_program, rtol=1e-8, images=images, labels=labels, fused_attn=True)
