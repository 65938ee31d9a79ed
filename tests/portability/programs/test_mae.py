"""MAE (He et al.) as facebookresearch/mae's ``models_mae.py`` writes it, shrunk: patchify with
``imgs.reshape(N, C, h, p, w, p)`` and ``torch.einsum('nchpwq->nhwpqc', x)``, a ``Conv2d``
patch embedding ``.flatten(2).transpose(1, 2)``, fixed sin-cos position embeddings in
``nn.Parameter(..., requires_grad=False)`` filled with ``.data.copy_(torch.from_numpy(...)
.float().unsqueeze(0))``, ``cls_token = nn.Parameter(torch.zeros(1, 1, D))`` initialised with
``torch.nn.init.normal_(std=.02)``-free zeros and ``.expand(x.shape[0], -1, -1)``, per-sample
random masking (``noise = torch.rand(N, L)``, ``ids_shuffle = torch.argsort(noise, dim=1)``,
``ids_restore = torch.argsort(ids_shuffle, dim=1)``, ``torch.gather(x, dim=1,
index=ids_keep.unsqueeze(-1).repeat(1, 1, D))``, the binary mask unshuffled by ``gather``),
``mask_token.repeat(...)`` appended and unshuffled with ``index=ids_restore.unsqueeze(-1)
.repeat(1, 1, x.shape[2])``, pre-norm transformer blocks (``nn.MultiheadAttention(
batch_first=True)``), ``norm_pix_loss`` (``var(dim=-1, keepdim=True)``, ``(var + 1.e-6)**.5``)
and the loss on removed patches only ``(loss * mask).sum() / mask.sum()``; ``AdamW`` with
``betas=(0.9, 0.95)`` and no weight decay on norms/biases (``param_groups_weight_decay``)."""

from __future__ import annotations

import numpy as np


def get_2d_sincos_pos_embed(embed_dim, grid_size, cls_token=False):
    grid_h = np.arange(grid_size, dtype=np.float32)
    grid_w = np.arange(grid_size, dtype=np.float32)
    grid = np.meshgrid(grid_w, grid_h)
    grid = np.stack(grid, axis=0).reshape([2, 1, grid_size, grid_size])

    def one_d(d, pos):
        omega = np.arange(d // 2, dtype=np.float64) / (d / 2.0)
        omega = 1.0 / 10000**omega
        out = np.einsum("m,d->md", pos.reshape(-1), omega)
        return np.concatenate([np.sin(out), np.cos(out)], axis=1)

    emb = np.concatenate([one_d(embed_dim // 2, grid[0]), one_d(embed_dim // 2, grid[1])], axis=1)
    if cls_token:
        emb = np.concatenate([np.zeros([1, embed_dim]), emb], axis=0)
    return emb


def mae(torch, nn, F, optim, data, init, path, images, norm_pix_loss):
    log = []

    class Block(nn.Module):
        def __init__(self, dim, num_heads, mlp_ratio=2.0):
            super().__init__()
            self.norm1 = nn.LayerNorm(dim, eps=1e-6)
            self.attn = nn.MultiheadAttention(dim, num_heads, batch_first=True)
            self.norm2 = nn.LayerNorm(dim, eps=1e-6)
            hidden = int(dim * mlp_ratio)
            self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))

        def forward(self, x):
            h = self.norm1(x)
            x = x + self.attn(h, h, h, need_weights=False)[0]
            return x + self.mlp(self.norm2(x))

    class MaskedAutoencoderViT(nn.Module):
        def __init__(self, img_size=8, patch_size=2, in_chans=1, embed_dim=8, depth=1,
                     num_heads=2, decoder_embed_dim=8, decoder_depth=1, decoder_num_heads=2):  # fmt: skip
            super().__init__()
            self.patch_size = patch_size
            self.patch_embed = nn.Conv2d(in_chans, embed_dim, patch_size, stride=patch_size)
            num_patches = (img_size // patch_size) ** 2
            self.num_patches = num_patches
            self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
            self.pos_embed = nn.Parameter(torch.zeros(1, num_patches + 1, embed_dim), requires_grad=False)  # fmt: skip
            self.blocks = nn.ModuleList([Block(embed_dim, num_heads) for i in range(depth)])
            self.norm = nn.LayerNorm(embed_dim)
            self.decoder_embed = nn.Linear(embed_dim, decoder_embed_dim, bias=True)
            self.mask_token = nn.Parameter(torch.zeros(1, 1, decoder_embed_dim))
            self.decoder_pos_embed = nn.Parameter(torch.zeros(1, num_patches + 1, decoder_embed_dim), requires_grad=False)  # fmt: skip
            self.decoder_blocks = nn.ModuleList([Block(decoder_embed_dim, decoder_num_heads) for i in range(decoder_depth)])  # fmt: skip
            self.decoder_norm = nn.LayerNorm(decoder_embed_dim)
            self.decoder_pred = nn.Linear(decoder_embed_dim, patch_size**2 * in_chans, bias=True)  # fmt: skip
            self.initialize_weights()

        def initialize_weights(self):
            g = int(self.num_patches**0.5)
            pos_embed = get_2d_sincos_pos_embed(self.pos_embed.shape[-1], g, cls_token=True)
            self.pos_embed.data.copy_(torch.from_numpy(pos_embed).float().unsqueeze(0))
            dec = get_2d_sincos_pos_embed(self.decoder_pos_embed.shape[-1], g, cls_token=True)
            self.decoder_pos_embed.data.copy_(torch.from_numpy(dec).float().unsqueeze(0))
            w = self.patch_embed.weight.data
            torch.nn.init.xavier_uniform_(w.view([w.shape[0], -1]))
            torch.nn.init.normal_(self.cls_token, std=0.02)
            torch.nn.init.normal_(self.mask_token, std=0.02)

        def patchify(self, imgs):
            p = self.patch_size
            assert imgs.shape[2] == imgs.shape[3] and imgs.shape[2] % p == 0
            h = w = imgs.shape[2] // p
            x = imgs.reshape(shape=(imgs.shape[0], 1, h, p, w, p))
            x = torch.einsum("nchpwq->nhwpqc", x)
            return x.reshape(shape=(imgs.shape[0], h * w, p**2 * 1))

        def unpatchify(self, x):
            p = self.patch_size
            h = w = int(x.shape[1] ** 0.5)
            assert h * w == x.shape[1]
            x = x.reshape(shape=(x.shape[0], h, w, p, p, 1))
            x = torch.einsum("nhwpqc->nchpwq", x)
            return x.reshape(shape=(x.shape[0], 1, h * p, h * p))

        def random_masking(self, x, mask_ratio):
            N, L, D = x.shape
            len_keep = int(L * (1 - mask_ratio))
            noise = torch.rand(N, L, device=x.device)
            ids_shuffle = torch.argsort(noise, dim=1)
            ids_restore = torch.argsort(ids_shuffle, dim=1)
            ids_keep = ids_shuffle[:, :len_keep]
            x_masked = torch.gather(x, dim=1, index=ids_keep.unsqueeze(-1).repeat(1, 1, D))
            mask = torch.ones([N, L], device=x.device)
            mask[:, :len_keep] = 0
            mask = torch.gather(mask, dim=1, index=ids_restore)
            return x_masked, mask, ids_restore

        def forward_encoder(self, x, mask_ratio):
            x = self.patch_embed(x).flatten(2).transpose(1, 2)
            x = x + self.pos_embed[:, 1:, :]
            x, mask, ids_restore = self.random_masking(x, mask_ratio)
            cls_token = self.cls_token + self.pos_embed[:, :1, :]
            cls_tokens = cls_token.expand(x.shape[0], -1, -1)
            x = torch.cat((cls_tokens, x), dim=1)
            for blk in self.blocks:
                x = blk(x)
            return self.norm(x), mask, ids_restore

        def forward_decoder(self, x, ids_restore):
            x = self.decoder_embed(x)
            mask_tokens = self.mask_token.repeat(x.shape[0], ids_restore.shape[1] + 1 - x.shape[1], 1)  # fmt: skip
            x_ = torch.cat([x[:, 1:, :], mask_tokens], dim=1)
            x_ = torch.gather(x_, dim=1, index=ids_restore.unsqueeze(-1).repeat(1, 1, x.shape[2]))  # fmt: skip
            x = torch.cat([x[:, :1, :], x_], dim=1)
            x = x + self.decoder_pos_embed
            for blk in self.decoder_blocks:
                x = blk(x)
            x = self.decoder_norm(x)
            x = self.decoder_pred(x)
            return x[:, 1:, :]

        def forward_loss(self, imgs, pred, mask):
            target = self.patchify(imgs)
            if norm_pix_loss:
                mean = target.mean(dim=-1, keepdim=True)
                var = target.var(dim=-1, keepdim=True)
                target = (target - mean) / (var + 1.0e-6) ** 0.5
            loss = (pred - target) ** 2
            loss = loss.mean(dim=-1)
            return (loss * mask).sum() / mask.sum()

        def forward(self, imgs, mask_ratio=0.75):
            latent, mask, ids_restore = self.forward_encoder(imgs, mask_ratio)
            pred = self.forward_decoder(latent, ids_restore)
            loss = self.forward_loss(imgs, pred, mask)
            return loss, pred, mask

    def param_groups_weight_decay(model, weight_decay=1e-5, no_weight_decay_list=()):
        decay, no_decay = [], []
        for name, param in model.named_parameters():
            if not param.requires_grad:
                continue
            if param.ndim <= 1 or name.endswith(".bias") or name in no_weight_decay_list:
                no_decay.append(param)
            else:
                decay.append(param)
        return [{"params": no_decay, "weight_decay": 0.0}, {"params": decay, "weight_decay": weight_decay}]  # fmt: skip

    model = init(MaskedAutoencoderViT())
    groups = param_groups_weight_decay(model, 0.05, {"cls_token", "mask_token"})
    optimizer = optim.AdamW(groups, lr=1e-3, betas=(0.9, 0.95))
    log.append([len(g["params"]) for g in optimizer.param_groups])
    x = torch.tensor(images)
    for step in range(5):
        loss, pred, mask = model(x, mask_ratio=0.75)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        log.append([loss.item(), mask.sum().item(), pred.shape[1]])
    model.eval()
    with torch.no_grad():
        loss, pred, mask = model(x[:2], mask_ratio=0.5)
        y = model.unpatchify(pred)
        mask = mask.unsqueeze(-1).repeat(1, 1, model.patch_size**2)
        mask = model.unpatchify(mask)
        im_paste = x[:2] * (1 - mask) + y * mask
    log.append([loss.item(), im_paste.sum().item(), mask.sum().item(), list(y.shape)])
    return log


def _images():
    return np.random.default_rng(7).random((4, 1, 8, 8))


def test_mae_pixel_loss(portability):
    portability.assert_same(mae, rtol=1e-7, images=_images(), norm_pix_loss=False)


def test_mae_norm_pix_loss(portability):
    portability.assert_same(mae, rtol=1e-7, images=_images(), norm_pix_loss=True)
