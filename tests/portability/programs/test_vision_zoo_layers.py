"""Layers from classic vision papers as their popular PyTorch implementations write them, each
a small model trained a few steps:

* SegNet (``MaxPool2d(2, 2, return_indices=True)`` in the encoder, the indices and
  ``x.size()`` kept for ``nn.MaxUnpool2d(2, 2)(x, indices, output_size=size)`` in the decoder),
  trained with a per-pixel ``CrossEntropyLoss(weight=class_weights)``;
* ShuffleNet V2's unit (``x.chunk(2, dim=1)``, the hand-written ``channel_shuffle``:
  ``x.view(batchsize, groups, channels_per_group, height, width)``, ``torch.transpose(x, 1, 2)
  .contiguous()``, ``x.view(batchsize, -1, height, width)``; a depthwise ``Conv2d(groups=c)``)
  next to ``nn.ChannelShuffle``;
* AlexNet-era ``nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2)``, ``nn.PReLU()``
  (one weight) and ``nn.PReLU(num_parameters=c)``, ``nn.AdaptiveMaxPool2d((1, 1))``,
  ``nn.LPPool2d(2, 2)``, ``nn.InstanceNorm2d(affine=True)`` as pix2pix uses it;
* C3D (``nn.Conv3d(kernel_size=(3, 3, 3), padding=(1, 1, 1))``, ``nn.MaxPool3d(kernel_size=(1,
  2, 2), stride=(1, 2, 2))``, ``nn.BatchNorm3d``) on tiny clips;
* a 1-D conv autoencoder (``nn.ConvTranspose1d(stride=2, output_padding=1)``, ``nn.Unflatten(1,
  (c, t))``) and the patch round trip ``nn.Unfold(kernel_size=2, stride=2)`` →
  ``nn.Fold(output_size, kernel_size=2, stride=2)``, with ``Tensor.unfold`` sliding windows.
"""

from __future__ import annotations

import numpy as np


def vision_zoo(torch, nn, F, optim, data, init, path, images, masks, clips, signals):
    log = []

    # ---- SegNet ----------------------------------------------------------------------------
    class SegNet(nn.Module):
        def __init__(self, in_chn=3, out_chn=4, BN_momentum=0.5):
            super(SegNet, self).__init__()
            self.MaxEn = nn.MaxPool2d(2, stride=2, return_indices=True)
            self.ConvEn11 = nn.Conv2d(in_chn, 8, kernel_size=3, padding=1)
            self.BNEn11 = nn.BatchNorm2d(8, momentum=BN_momentum)
            self.ConvEn21 = nn.Conv2d(8, 16, kernel_size=3, padding=1)
            self.BNEn21 = nn.BatchNorm2d(16, momentum=BN_momentum)
            self.MaxDe = nn.MaxUnpool2d(2, stride=2)
            self.ConvDe21 = nn.Conv2d(16, 8, kernel_size=3, padding=1)
            self.BNDe21 = nn.BatchNorm2d(8, momentum=BN_momentum)
            self.ConvDe11 = nn.Conv2d(8, out_chn, kernel_size=3, padding=1)

        def forward(self, x):
            x = F.relu(self.BNEn11(self.ConvEn11(x)))
            x, ind1 = self.MaxEn(x)
            size1 = x.size()
            x = F.relu(self.BNEn21(self.ConvEn21(x)))
            x, ind2 = self.MaxEn(x)
            x = self.MaxDe(x, ind2, output_size=size1)
            x = F.relu(self.BNDe21(self.ConvDe21(x)))
            x = self.MaxDe(x, ind1)
            x = self.ConvDe11(x)
            return x

    model = init(SegNet())
    class_weights = torch.tensor([0.5, 1.0, 2.0, 1.5])
    criterion = nn.CrossEntropyLoss(weight=class_weights)
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    for step in range(4):
        optimizer.zero_grad()
        out = model(images)
        loss = criterion(out, masks)
        loss.backward()
        optimizer.step()
        pred = out.argmax(dim=1)
        log.append([loss.item(), (pred == masks).float().mean().item()])
    log.append(model.BNDe21.running_var.tolist())

    # ---- ShuffleNet V2 unit, AlexNet-era layers ----------------------------------------------
    def channel_shuffle(x, groups):
        batchsize, num_channels, height, width = x.data.size()
        channels_per_group = num_channels // groups
        x = x.view(batchsize, groups, channels_per_group, height, width)
        x = torch.transpose(x, 1, 2).contiguous()
        x = x.view(batchsize, -1, height, width)
        return x

    class InvertedResidual(nn.Module):
        def __init__(self, c):
            super().__init__()
            branch = c // 2
            self.branch2 = nn.Sequential(
                nn.Conv2d(branch, branch, kernel_size=1, stride=1, padding=0, bias=False),
                nn.BatchNorm2d(branch),
                nn.ReLU(inplace=True),
                nn.Conv2d(branch, branch, 3, 1, 1, bias=False, groups=branch),
                nn.BatchNorm2d(branch),
                nn.Conv2d(branch, branch, kernel_size=1, stride=1, padding=0, bias=False),
                nn.BatchNorm2d(branch),
                nn.ReLU(inplace=True),
            )

        def forward(self, x):
            x1, x2 = x.chunk(2, dim=1)
            out = torch.cat((x1, self.branch2(x2)), dim=1)
            return channel_shuffle(out, 2)

    class ZooNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 8, 3, padding=1)
            self.prelu = nn.PReLU()
            self.lrn = nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2)
            self.unit1 = InvertedResidual(8)
            self.shuffle = nn.ChannelShuffle(4)
            self.unit2 = InvertedResidual(8)
            self.inorm = nn.InstanceNorm2d(8, affine=True)
            self.prelu_c = nn.PReLU(num_parameters=8, init=0.1)
            self.lppool = nn.LPPool2d(2, 2)
            self.pool = nn.AdaptiveMaxPool2d((1, 1))
            self.fc = nn.Linear(8, 4)

        def forward(self, x):
            x = self.lrn(self.prelu(self.stem(x)))
            x = self.unit2(self.shuffle(self.unit1(x)))
            x = self.prelu_c(self.inorm(x))
            x = self.lppool(x)
            x = self.pool(x)
            return self.fc(torch.flatten(x, 1))

    zoo = init(ZooNet())
    labels = masks[:, 0, 0]
    optimizer = optim.Adam(zoo.parameters(), lr=0.01)
    for step in range(4):
        optimizer.zero_grad()
        loss = F.cross_entropy(zoo(images), labels)
        loss.backward()
        optimizer.step()
        log.append([loss.item(), zoo.prelu.weight.item()])

    # ---- C3D ---------------------------------------------------------------------------------
    class C3D(nn.Module):
        def __init__(self, num_classes=3):
            super(C3D, self).__init__()
            self.conv1 = nn.Conv3d(3, 4, kernel_size=(3, 3, 3), padding=(1, 1, 1))
            self.pool1 = nn.MaxPool3d(kernel_size=(1, 2, 2), stride=(1, 2, 2))
            self.bn1 = nn.BatchNorm3d(4)
            self.conv2 = nn.Conv3d(4, 8, kernel_size=(3, 3, 3), padding=(1, 1, 1))
            self.pool2 = nn.MaxPool3d(kernel_size=(2, 2, 2), stride=(2, 2, 2))
            self.fc6 = nn.Linear(8 * 2 * 2 * 2, 16)
            self.fc8 = nn.Linear(16, num_classes)
            self.relu = nn.ReLU()

        def forward(self, x):
            x = self.relu(self.bn1(self.conv1(x)))
            x = self.pool1(x)
            x = self.relu(self.conv2(x))
            x = self.pool2(x)
            x = x.view(-1, 8 * 2 * 2 * 2)
            x = self.relu(self.fc6(x))
            return self.fc8(x)

    c3d = init(C3D())
    optimizer = optim.SGD(c3d.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    clip_labels = torch.tensor([0, 1, 2, 1])
    for step in range(3):
        optimizer.zero_grad()
        loss = nn.CrossEntropyLoss()(c3d(clips), clip_labels)
        loss.backward()
        optimizer.step()
        log.append(loss.item())

    # ---- 1-D conv autoencoder, Unfold/Fold patches, Tensor.unfold windows ---------------------
    class AE1d(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(
                nn.Conv1d(1, 4, 3, stride=2, padding=1), nn.ReLU(),
                nn.Conv1d(4, 8, 3, stride=2, padding=1), nn.ReLU(),
                nn.Flatten(), nn.Linear(8 * 4, 6),
            )  # fmt: skip
            self.decoder = nn.Sequential(
                nn.Linear(6, 8 * 4), nn.Unflatten(1, (8, 4)),
                nn.ConvTranspose1d(8, 4, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
                nn.ConvTranspose1d(4, 1, 3, stride=2, padding=1, output_padding=1),
            )  # fmt: skip

        def forward(self, x):
            return self.decoder(self.encoder(x))

    ae = init(AE1d())
    optimizer = optim.RMSprop(ae.parameters(), lr=0.005)
    for step in range(4):
        optimizer.zero_grad()
        recon = ae(signals)
        loss = F.mse_loss(recon, signals)
        loss.backward()
        optimizer.step()
        log.append(loss.item())

    unfold = nn.Unfold(kernel_size=2, stride=2)
    fold = nn.Fold(output_size=images.shape[-2:], kernel_size=2, stride=2)
    x = images.clone().requires_grad_(True)
    patches = unfold(x)  # (N, C*2*2, L)
    patch_mix = torch.randn(patches.size(1), patches.size(1)) * 0.1
    mixed = torch.einsum("ij,njl->nil", patch_mix, patches) + patches
    back = fold(mixed)
    windows = signals.squeeze(1).unfold(-1, 4, 2)  # (N, n_windows, 4)
    (back.pow(2).mean() + windows.std(dim=-1).mean()).backward()
    log.append([back.sum().item(), x.grad.abs().sum().item(), list(windows.shape)])
    return log


def _inputs(seed=0):
    rng = np.random.default_rng(seed)
    images = rng.standard_normal((4, 3, 8, 8))
    masks = (np.abs(images).sum(1) * 1.3).astype(np.int64) % 4
    clips = rng.standard_normal((4, 3, 4, 8, 8))
    signals = np.sin(np.linspace(0, 6, 16))[None, None, :] * rng.uniform(0.5, 1.5, (4, 1, 1))
    return images, masks, clips, signals


def test_vision_zoo_layers(portability):
    images, masks, clips, signals = _inputs()

    def program(torch, **kw):
        t = torch.from_numpy
        return vision_zoo(torch, images=t(images), masks=t(masks), clips=t(clips),
                          signals=t(signals), **kw)  # fmt: skip

    portability.assert_same(program, rtol=1e-7)
