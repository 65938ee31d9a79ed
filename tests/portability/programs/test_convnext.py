"""A ConvNeXt from scratch, as facebookresearch/ConvNeXt's ``models/convnext.py`` writes it: the
``Block`` (depthwise ``Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim)``, ``x.permute(0,
2, 3, 1)`` to channels-last, ``nn.LayerNorm`` over the channels, pointwise ``nn.Linear`` layers
with ``nn.GELU``, layer scale ``self.gamma * x`` from ``nn.Parameter(layer_scale_init_value *
torch.ones(dim))``, back with ``permute(0, 3, 1, 2)``, ``DropPath`` or ``nn.Identity()``), the
custom ``LayerNorm`` with ``data_format="channels_first"`` (``u = x.mean(1, keepdim=True)``,
``s = (x - u).pow(2).mean(1, keepdim=True)``, ``x / torch.sqrt(s + eps)``,
``self.weight[:, None, None] * x``) and the ``channels_last`` path through ``F.layer_norm``,
a stem ``Conv2d(kernel_size=4, stride=4)``, downsampling layers in an ``nn.ModuleList``,
``_init_weights`` with ``trunc_normal_`` through ``self.apply``, ``x.mean([-2, -1])`` global
pooling, ``head.weight.data.mul_(head_init_scale)``; AdamW, ``CosineAnnealingLR`` stepped per
iteration and ``clip_grad_norm_`` returning the total norm."""

from __future__ import annotations

import numpy as np


def convnext_program(torch, nn, F, optim, data, init, path, images, labels, drop_path_rate):
    log = []

    def drop_path(x, drop_prob: float = 0.0, training: bool = False):
        if drop_prob == 0.0 or not training:
            return x
        keep_prob = 1 - drop_prob
        shape = (x.shape[0],) + (1,) * (x.ndim - 1)
        random_tensor = keep_prob + torch.rand(shape, dtype=x.dtype, device=x.device)
        random_tensor.floor_()  # binarize
        output = x.div(keep_prob) * random_tensor
        return output

    class DropPath(nn.Module):
        def __init__(self, drop_prob=None):
            super().__init__()
            self.drop_prob = drop_prob

        def forward(self, x):
            return drop_path(x, self.drop_prob, self.training)

    class LayerNorm(nn.Module):
        def __init__(self, normalized_shape, eps=1e-6, data_format="channels_last"):
            super().__init__()
            self.weight = nn.Parameter(torch.ones(normalized_shape))
            self.bias = nn.Parameter(torch.zeros(normalized_shape))
            self.eps = eps
            self.data_format = data_format
            if self.data_format not in ["channels_last", "channels_first"]:
                raise NotImplementedError
            self.normalized_shape = (normalized_shape,)

        def forward(self, x):
            if self.data_format == "channels_last":
                return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
            elif self.data_format == "channels_first":
                u = x.mean(1, keepdim=True)
                s = (x - u).pow(2).mean(1, keepdim=True)
                x = (x - u) / torch.sqrt(s + self.eps)
                x = self.weight[:, None, None] * x + self.bias[:, None, None]
                return x

    class Block(nn.Module):
        def __init__(self, dim, drop_path=0.0, layer_scale_init_value=1e-6):
            super().__init__()
            self.dwconv = nn.Conv2d(
                dim, dim, kernel_size=7, padding=3, groups=dim
            )  # depthwise conv
            self.norm = LayerNorm(dim, eps=1e-6)
            self.pwconv1 = nn.Linear(
                dim, 4 * dim
            )  # pointwise/1x1 convs, implemented with linear layers
            self.act = nn.GELU()
            self.pwconv2 = nn.Linear(4 * dim, dim)
            self.gamma = (
                nn.Parameter(layer_scale_init_value * torch.ones(dim), requires_grad=True)
                if layer_scale_init_value > 0
                else None
            )
            self.drop_path = DropPath(drop_path) if drop_path > 0.0 else nn.Identity()

        def forward(self, x):
            input = x
            x = self.dwconv(x)
            x = x.permute(0, 2, 3, 1)  # (N, C, H, W) -> (N, H, W, C)
            x = self.norm(x)
            x = self.pwconv1(x)
            x = self.act(x)
            x = self.pwconv2(x)
            if self.gamma is not None:
                x = self.gamma * x
            x = x.permute(0, 3, 1, 2)  # (N, H, W, C) -> (N, C, H, W)

            x = input + self.drop_path(x)
            return x

    class ConvNeXt(nn.Module):
        def __init__(self, in_chans=3, num_classes=4, depths=(1, 1), dims=(8, 16),
                     drop_path_rate=0.0, layer_scale_init_value=0.5, head_init_scale=1.0):  # fmt: skip
            super().__init__()

            self.downsample_layers = (
                nn.ModuleList()
            )  # stem and intermediate downsampling conv layers
            stem = nn.Sequential(
                nn.Conv2d(in_chans, dims[0], kernel_size=4, stride=4),
                LayerNorm(dims[0], eps=1e-6, data_format="channels_first"),
            )
            self.downsample_layers.append(stem)
            for i in range(len(dims) - 1):
                downsample_layer = nn.Sequential(
                    LayerNorm(dims[i], eps=1e-6, data_format="channels_first"),
                    nn.Conv2d(dims[i], dims[i + 1], kernel_size=2, stride=2),
                )
                self.downsample_layers.append(downsample_layer)

            self.stages = (
                nn.ModuleList()
            )  # feature resolution stages, each consisting of multiple residual blocks
            dp_rates = [x.item() for x in torch.linspace(0, drop_path_rate, sum(depths))]
            cur = 0
            for i in range(len(dims)):
                stage = nn.Sequential(
                    *[
                        Block(
                            dim=dims[i],
                            drop_path=dp_rates[cur + j],
                            layer_scale_init_value=layer_scale_init_value,
                        )
                        for j in range(depths[i])
                    ]  # fmt: skip
                )
                self.stages.append(stage)
                cur += depths[i]

            self.norm = nn.LayerNorm(dims[-1], eps=1e-6)  # final norm layer
            self.head = nn.Linear(dims[-1], num_classes)

            self.apply(self._init_weights)
            self.head.weight.data.mul_(head_init_scale)
            self.head.bias.data.mul_(head_init_scale)

        def _init_weights(self, m):
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.trunc_normal_(m.weight, std=0.02)
                nn.init.constant_(m.bias, 0)

        def forward_features(self, x):
            for i in range(len(self.stages)):
                x = self.downsample_layers[i](x)
                x = self.stages[i](x)
            return self.norm(x.mean([-2, -1]))  # global average pooling, (N, C, H, W) -> (N, C)

        def forward(self, x):
            x = self.forward_features(x)
            x = self.head(x)
            return x

    model = init(ConvNeXt(drop_path_rate=drop_path_rate, head_init_scale=0.5))
    log.append([type(s[0].drop_path).__name__ for s in model.stages])
    log.append(sum(p.numel() for p in model.parameters() if p.requires_grad))

    optimizer = optim.AdamW(model.parameters(), lr=4e-3, weight_decay=0.05)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=6)
    criterion = nn.CrossEntropyLoss()
    x, y = torch.tensor(images), torch.tensor(labels)
    loader = data.DataLoader(data.TensorDataset(x, y), batch_size=4)
    for epoch in range(2):
        model.train()
        for xb, yb in loader:
            out = model(xb)
            loss = criterion(out, yb)
            optimizer.zero_grad()
            loss.backward()
            total_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            optimizer.step()
            scheduler.step()
            log.append([loss.item(), total_norm.item(), model.stages[0][0].gamma.grad.norm().item()])  # fmt: skip
    model.eval()
    with torch.no_grad():
        out = model(x)
        log.append([(out.argmax(1) == y).sum().item(), out.std().item()])
    return log


def _data():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, 12)
    images = rng.standard_normal((12, 3, 16, 16)) + labels[:, None, None, None] * 0.2
    return images, labels


def test_convnext(portability):
    images, labels = _data()
    portability.assert_same(convnext_program, rtol=1e-8, images=images, labels=labels,
                            drop_path_rate=0.0)  # fmt: skip


def test_convnext_stochastic_depth(portability):
    """A positive drop_path_rate builds DropPath modules; in train() they draw through torch.rand
    (the harness's shared stream), so both runs drop the same samples."""
    images, labels = _data()
    portability.assert_same(convnext_program, rtol=1e-8, images=images, labels=labels,
                            drop_path_rate=0.2)  # fmt: skip
