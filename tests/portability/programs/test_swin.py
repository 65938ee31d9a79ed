"""Swin Transformer blocks as microsoft/Swin-Transformer's ``models/swin_transformer.py`` writes
them: ``window_partition`` / ``window_reverse`` through ``view``/``permute``/``contiguous``,
``WindowAttention`` with a ``relative_position_bias_table`` parameter (``trunc_normal_(std=.02)``)
indexed by a ``relative_position_index`` buffer built from ``torch.meshgrid([coords_h, coords_w],
indexing="ij")``, ``torch.flatten(coords, 1)``, ``coords_flatten[:, :, None] - coords_flatten[:,
None, :]``, in-place ``relative_coords[:, :, 0] += self.window_size[0] - 1`` and ``*= 2 *
self.window_size[1] - 1``, ``.sum(-1)``, ``register_buffer``, ``table[index.view(-1)].view(...)``,
``unsqueeze(0)`` bias and the shifted-window mask (``img_mask[:, h, w, :] = cnt`` over ``slice``s,
``mask_windows.unsqueeze(1) - mask_windows.unsqueeze(2)``, ``masked_fill(attn_mask != 0,
float(-100.0)).masked_fill(attn_mask == 0, float(0.0))``, ``attn.view(B_ // nW, nW, ...) +
mask.unsqueeze(1).unsqueeze(0)``), ``torch.roll(x, shifts=(-s, -s), dims=(1, 2))`` and back,
``PatchMerging`` (``x[:, 0::2, 1::2, :]`` strided slices, ``torch.cat([...], -1)``, a
``Linear(4 * dim, 2 * dim, bias=False)``), ``x.transpose(1, 2)`` + ``nn.AdaptiveAvgPool1d(1)``
pooling; AdamW whose ``no_weight_decay_keywords`` skip the bias table, and ``state_dict``
filtered of ``relative_position_index``/``attn_mask`` buffers reloaded with ``strict=False``."""

from __future__ import annotations

import numpy as np


def swin_program(torch, nn, F, optim, data, init, path, images, labels):
    log = []

    def window_partition(x, window_size):
        B, H, W, C = x.shape
        x = x.view(B, H // window_size, window_size, W // window_size, window_size, C)
        windows = x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, window_size, window_size, C)
        return windows

    def window_reverse(windows, window_size, H, W):
        B = int(windows.shape[0] / (H * W / window_size / window_size))
        x = windows.view(B, H // window_size, W // window_size, window_size, window_size, -1)
        x = x.permute(0, 1, 3, 2, 4, 5).contiguous().view(B, H, W, -1)
        return x

    class Mlp(nn.Module):
        def __init__(self, in_features, hidden_features):
            super().__init__()
            self.fc1 = nn.Linear(in_features, hidden_features)
            self.act = nn.GELU()
            self.fc2 = nn.Linear(hidden_features, in_features)

        def forward(self, x):
            return self.fc2(self.act(self.fc1(x)))

    class WindowAttention(nn.Module):
        def __init__(self, dim, window_size, num_heads, qkv_bias=True, qk_scale=None):
            super().__init__()
            self.dim = dim
            self.window_size = window_size  # Wh, Ww
            self.num_heads = num_heads
            head_dim = dim // num_heads
            self.scale = qk_scale or head_dim**-0.5
            self.relative_position_bias_table = nn.Parameter(
                torch.zeros((2 * window_size[0] - 1) * (2 * window_size[1] - 1), num_heads)
            )  # 2*Wh-1 * 2*Ww-1, nH
            coords_h = torch.arange(self.window_size[0])
            coords_w = torch.arange(self.window_size[1])
            coords = torch.stack(torch.meshgrid([coords_h, coords_w], indexing="ij"))  # 2, Wh, Ww
            coords_flatten = torch.flatten(coords, 1)  # 2, Wh*Ww
            relative_coords = coords_flatten[:, :, None] - coords_flatten[:, None, :]
            relative_coords = relative_coords.permute(1, 2, 0).contiguous()  # Wh*Ww, Wh*Ww, 2
            relative_coords[:, :, 0] += self.window_size[0] - 1  # shift to start from 0
            relative_coords[:, :, 1] += self.window_size[1] - 1
            relative_coords[:, :, 0] *= 2 * self.window_size[1] - 1
            relative_position_index = relative_coords.sum(-1)  # Wh*Ww, Wh*Ww
            self.register_buffer("relative_position_index", relative_position_index)
            self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
            self.proj = nn.Linear(dim, dim)
            nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)
            self.softmax = nn.Softmax(dim=-1)

        def forward(self, x, mask=None):
            B_, N, C = x.shape
            qkv = self.qkv(x).reshape(B_, N, 3, self.num_heads, C // self.num_heads).permute(2, 0, 3, 1, 4)  # fmt: skip
            q, k, v = qkv[0], qkv[1], qkv[2]
            q = q * self.scale
            attn = q @ k.transpose(-2, -1)
            relative_position_bias = self.relative_position_bias_table[
                self.relative_position_index.view(-1)
            ].view(self.window_size[0] * self.window_size[1], self.window_size[0] * self.window_size[1], -1)  # fmt: skip
            relative_position_bias = relative_position_bias.permute(2, 0, 1).contiguous()
            attn = attn + relative_position_bias.unsqueeze(0)
            if mask is not None:
                nW = mask.shape[0]
                attn = attn.view(B_ // nW, nW, self.num_heads, N, N) + mask.unsqueeze(1).unsqueeze(0)  # fmt: skip
                attn = attn.view(-1, self.num_heads, N, N)
                attn = self.softmax(attn)
            else:
                attn = self.softmax(attn)
            x = (attn @ v).transpose(1, 2).reshape(B_, N, C)
            return self.proj(x)

    class SwinTransformerBlock(nn.Module):
        def __init__(self, dim, input_resolution, num_heads, window_size=2, shift_size=0,
                     mlp_ratio=2.0):  # fmt: skip
            super().__init__()
            self.dim = dim
            self.input_resolution = input_resolution
            self.window_size = window_size
            self.shift_size = shift_size
            if min(self.input_resolution) <= self.window_size:
                self.shift_size = 0
                self.window_size = min(self.input_resolution)
            self.norm1 = nn.LayerNorm(dim)
            self.attn = WindowAttention(dim, window_size=(self.window_size, self.window_size),
                                        num_heads=num_heads)  # fmt: skip
            self.drop_path = nn.Identity()
            self.norm2 = nn.LayerNorm(dim)
            self.mlp = Mlp(in_features=dim, hidden_features=int(dim * mlp_ratio))
            if self.shift_size > 0:
                H, W = self.input_resolution
                img_mask = torch.zeros((1, H, W, 1))  # 1 H W 1
                h_slices = (slice(0, -self.window_size), slice(-self.window_size, -self.shift_size),
                            slice(-self.shift_size, None))  # fmt: skip
                w_slices = (slice(0, -self.window_size), slice(-self.window_size, -self.shift_size),
                            slice(-self.shift_size, None))  # fmt: skip
                cnt = 0
                for h in h_slices:
                    for w in w_slices:
                        img_mask[:, h, w, :] = cnt
                        cnt += 1
                mask_windows = window_partition(img_mask, self.window_size)  # nW, ws, ws, 1
                mask_windows = mask_windows.view(-1, self.window_size * self.window_size)
                attn_mask = mask_windows.unsqueeze(1) - mask_windows.unsqueeze(2)
                attn_mask = attn_mask.masked_fill(attn_mask != 0, float(-100.0)).masked_fill(attn_mask == 0, float(0.0))  # fmt: skip
            else:
                attn_mask = None
            self.register_buffer("attn_mask", attn_mask)

        def forward(self, x):
            H, W = self.input_resolution
            B, L, C = x.shape
            assert L == H * W, "input feature has wrong size"
            shortcut = x
            x = self.norm1(x)
            x = x.view(B, H, W, C)
            if self.shift_size > 0:
                shifted_x = torch.roll(x, shifts=(-self.shift_size, -self.shift_size), dims=(1, 2))
            else:
                shifted_x = x
            x_windows = window_partition(shifted_x, self.window_size)  # nW*B, ws, ws, C
            x_windows = x_windows.view(-1, self.window_size * self.window_size, C)
            attn_windows = self.attn(x_windows, mask=self.attn_mask)
            attn_windows = attn_windows.view(-1, self.window_size, self.window_size, C)
            shifted_x = window_reverse(attn_windows, self.window_size, H, W)  # B H' W' C
            if self.shift_size > 0:
                x = torch.roll(shifted_x, shifts=(self.shift_size, self.shift_size), dims=(1, 2))
            else:
                x = shifted_x
            x = x.view(B, H * W, C)
            x = shortcut + self.drop_path(x)
            x = x + self.drop_path(self.mlp(self.norm2(x)))
            return x

    class PatchMerging(nn.Module):
        def __init__(self, input_resolution, dim):
            super().__init__()
            self.input_resolution = input_resolution
            self.dim = dim
            self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)
            self.norm = nn.LayerNorm(4 * dim)

        def forward(self, x):
            H, W = self.input_resolution
            B, L, C = x.shape
            x = x.view(B, H, W, C)
            x0 = x[:, 0::2, 0::2, :]  # B H/2 W/2 C
            x1 = x[:, 1::2, 0::2, :]
            x2 = x[:, 0::2, 1::2, :]
            x3 = x[:, 1::2, 1::2, :]
            x = torch.cat([x0, x1, x2, x3], -1)  # B H/2 W/2 4*C
            x = x.view(B, -1, 4 * C)
            x = self.norm(x)
            return self.reduction(x)

    class TinySwin(nn.Module):
        def __init__(self, in_chans=3, embed_dim=8, num_classes=3, window_size=2):
            super().__init__()
            self.patch_embed = nn.Conv2d(in_chans, embed_dim, kernel_size=2, stride=2)
            res = (4, 4)
            self.blocks = nn.ModuleList([
                SwinTransformerBlock(embed_dim, res, num_heads=2, window_size=window_size, shift_size=0),
                SwinTransformerBlock(embed_dim, res, num_heads=2, window_size=window_size,
                                     shift_size=window_size // 2),
            ])  # fmt: skip
            self.downsample = PatchMerging(res, embed_dim)
            self.norm = nn.LayerNorm(2 * embed_dim)
            self.avgpool = nn.AdaptiveAvgPool1d(1)
            self.head = nn.Linear(2 * embed_dim, num_classes)

        def no_weight_decay_keywords(self):
            return {"relative_position_bias_table"}

        def forward(self, x):
            x = self.patch_embed(x).flatten(2).transpose(1, 2)  # B Ph*Pw C
            for blk in self.blocks:
                x = blk(x)
            x = self.downsample(x)
            x = self.norm(x)  # B L C
            x = self.avgpool(x.transpose(1, 2))  # B C 1
            x = torch.flatten(x, 1)
            return self.head(x)

    model = init(TinySwin())
    log.append(sorted(k for k in model.state_dict() if "index" in k or "mask" in k))
    log.append(model.blocks[1].attn_mask.sum().item())
    skip = model.no_weight_decay_keywords()
    has_decay, no_decay = [], []
    for name, param in model.named_parameters():
        if len(param.shape) == 1 or name.endswith(".bias") or any(kw in name for kw in skip):
            no_decay.append(param)
        else:
            has_decay.append(param)
    log.append([len(has_decay), len(no_decay)])
    optimizer = optim.AdamW([{"params": has_decay}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=2e-3, weight_decay=0.05, betas=(0.9, 0.999), eps=1e-8)  # fmt: skip
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    x, y = torch.tensor(images), torch.tensor(labels)
    loader = data.DataLoader(data.TensorDataset(x, y), batch_size=4)
    for epoch in range(2):
        for xb, yb in loader:
            loss = criterion(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            log.append([loss.item(), model.blocks[1].attn.relative_position_bias_table.grad.abs().sum().item()])  # fmt: skip

    # a checkpoint without the buffers that are rebuilt in __init__, reloaded non-strictly
    state_dict = {k: v for k, v in model.state_dict().items()
                  if "relative_position_index" not in k and "attn_mask" not in k}  # fmt: skip
    torch.save({"model": state_dict}, path / "ckpt.pth")
    fresh = TinySwin()
    checkpoint = torch.load(path / "ckpt.pth", map_location="cpu")
    msg = fresh.load_state_dict(checkpoint["model"], strict=False)
    log.append([sorted(msg.missing_keys), sorted(msg.unexpected_keys)])
    fresh.eval()
    with torch.no_grad():
        log.append((fresh(x) - model(x)).abs().max().item())
    return log


def _data():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 12)
    images = rng.standard_normal((12, 3, 8, 8)) + labels[:, None, None, None] * 0.3
    return images, labels


def test_swin(portability):
    images, labels = _data()
    portability.assert_same(swin_program, rtol=1e-8, images=images, labels=labels)
