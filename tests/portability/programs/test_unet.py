"""A U-Net from scratch, as milesial/Pytorch-UNet writes it: ``DoubleConv`` (conv-BN-ReLU
twice, ``bias=False``, ``inplace=True``), ``Down`` (``MaxPool2d(2)`` then ``DoubleConv``), ``Up``
either ``nn.Upsample(scale_factor=2, mode='bilinear', align_corners=True)`` or
``ConvTranspose2d(in, in // 2, kernel_size=2, stride=2)``, ``F.pad`` of the odd-sized input
``[diffX // 2, diffX - diffX // 2, diffY // 2, diffY - diffY // 2]`` and the skip
``torch.cat([x2, x1], dim=1)``; the training step's ``BCEWithLogitsLoss`` plus the repository's
``dice_loss`` (``dice_coeff`` with ``sum_dim``, ``epsilon``, ``torch.where(sets_sum == 0,
inter, sets_sum)``) on ``F.sigmoid(masks_pred.squeeze(1))``, RMSprop with ``weight_decay``,
``momentum=0.999, foreach=True``, ``ReduceLROnPlateau(optimizer, 'max', patience=…)`` on the
validation Dice score, ``clip_grad_norm_`` and ``(F.sigmoid(mask_pred) > 0.5).float()``. The repository's ``true_masks.float()`` targets make
2.13's ``binary_cross_entropy_with_logits`` of a float64 input return a float32 loss (deepgrad:
float64), hence ``rtol=1e-6`` on the losses; a float32 run is no test here (RMSprop with
``momentum=0.999`` turns float32 rounding into sign flips of near-zero gradients)."""

from __future__ import annotations

import numpy as np


def unet_program(torch, nn, F, optim, data, init, path, images, masks, bilinear):
    log = []

    class DoubleConv(nn.Module):
        """(convolution => [BN] => ReLU) * 2"""

        def __init__(self, in_channels, out_channels, mid_channels=None):
            super().__init__()
            if not mid_channels:
                mid_channels = out_channels
            self.double_conv = nn.Sequential(
                nn.Conv2d(in_channels, mid_channels, kernel_size=3, padding=1, bias=False),
                nn.BatchNorm2d(mid_channels),
                nn.ReLU(inplace=True),
                nn.Conv2d(mid_channels, out_channels, kernel_size=3, padding=1, bias=False),
                nn.BatchNorm2d(out_channels),
                nn.ReLU(inplace=True),
            )

        def forward(self, x):
            return self.double_conv(x)

    class Down(nn.Module):
        """Downscaling with maxpool then double conv"""

        def __init__(self, in_channels, out_channels):
            super().__init__()
            self.maxpool_conv = nn.Sequential(nn.MaxPool2d(2), DoubleConv(in_channels, out_channels))  # fmt: skip

        def forward(self, x):
            return self.maxpool_conv(x)

    class Up(nn.Module):
        """Upscaling then double conv"""

        def __init__(self, in_channels, out_channels, bilinear=True):
            super().__init__()
            if bilinear:
                self.up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)
                self.conv = DoubleConv(in_channels, out_channels, in_channels // 2)
            else:
                self.up = nn.ConvTranspose2d(in_channels, in_channels // 2, kernel_size=2, stride=2)  # fmt: skip
                self.conv = DoubleConv(in_channels, out_channels)

        def forward(self, x1, x2):
            x1 = self.up(x1)
            # input is CHW
            diffY = x2.size()[2] - x1.size()[2]
            diffX = x2.size()[3] - x1.size()[3]

            x1 = F.pad(x1, [diffX // 2, diffX - diffX // 2, diffY // 2, diffY - diffY // 2])
            x = torch.cat([x2, x1], dim=1)
            return self.conv(x)

    class OutConv(nn.Module):
        def __init__(self, in_channels, out_channels):
            super(OutConv, self).__init__()
            self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=1)

        def forward(self, x):
            return self.conv(x)

    class UNet(nn.Module):
        def __init__(self, n_channels, n_classes, bilinear=False, w=4):
            super(UNet, self).__init__()
            self.n_channels = n_channels
            self.n_classes = n_classes
            self.bilinear = bilinear

            self.inc = DoubleConv(n_channels, w)
            self.down1 = Down(w, 2 * w)
            self.down2 = Down(2 * w, 4 * w)
            factor = 2 if bilinear else 1
            self.down3 = Down(4 * w, 8 * w // factor)
            self.up1 = Up(8 * w, 4 * w // factor, bilinear)
            self.up2 = Up(4 * w, 2 * w // factor, bilinear)
            self.up3 = Up(2 * w, w, bilinear)
            self.outc = OutConv(w, n_classes)

        def forward(self, x):
            x1 = self.inc(x)
            x2 = self.down1(x1)
            x3 = self.down2(x2)
            x4 = self.down3(x3)
            x = self.up1(x4, x3)
            x = self.up2(x, x2)
            x = self.up3(x, x1)
            logits = self.outc(x)
            return logits

    def dice_coeff(input, target, reduce_batch_first=False, epsilon=1e-6):
        # Average of Dice coefficient for all batches, or for a single mask
        assert input.size() == target.size()
        assert input.dim() == 3 or not reduce_batch_first

        sum_dim = (-1, -2) if input.dim() == 2 or not reduce_batch_first else (-1, -2, -3)

        inter = 2 * (input * target).sum(dim=sum_dim)
        sets_sum = input.sum(dim=sum_dim) + target.sum(dim=sum_dim)
        sets_sum = torch.where(sets_sum == 0, inter, sets_sum)

        dice = (inter + epsilon) / (sets_sum + epsilon)
        return dice.mean()

    def dice_loss(input, target, multiclass=False):
        return 1 - dice_coeff(input, target, reduce_batch_first=True)

    model = init(UNet(n_channels=3, n_classes=1, bilinear=bilinear))
    x = torch.tensor(images)
    y = torch.tensor(masks)
    train_set = data.TensorDataset(x[:6], y[:6])
    train_loader = data.DataLoader(train_set, shuffle=False, batch_size=3, drop_last=True)

    optimizer = optim.RMSprop(model.parameters(), lr=1e-3, weight_decay=1e-8, momentum=0.999, foreach=True)  # fmt: skip
    scheduler = optim.lr_scheduler.ReduceLROnPlateau(optimizer, "max", patience=1)
    criterion = nn.BCEWithLogitsLoss()

    def evaluate(net):
        net.eval()
        dice_score = 0
        with torch.no_grad():
            for i in range(6, 8):
                image, mask_true = x[i : i + 1], y[i : i + 1]
                mask_pred = net(image)
                mask_pred = (F.sigmoid(mask_pred) > 0.5).float()
                dice_score += dice_coeff(mask_pred.squeeze(1), mask_true.float(), reduce_batch_first=False)  # fmt: skip
        net.train()
        return dice_score / 2

    for epoch in range(1, 4):
        model.train()
        epoch_loss = 0
        for images_b, true_masks in train_loader:
            masks_pred = model(images_b)
            loss = criterion(masks_pred.squeeze(1), true_masks.float())
            loss += dice_loss(F.sigmoid(masks_pred.squeeze(1)), true_masks.float(), multiclass=False)  # fmt: skip

            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            epoch_loss += loss.item()
            log.append([loss.item(), float(grad_norm)])
        val_score = evaluate(model)
        scheduler.step(val_score)
        log.append([epoch_loss, float(val_score), optimizer.param_groups[0]["lr"]])
    return log


def _data():
    rng = np.random.default_rng(0)
    images = rng.standard_normal((8, 3, 13, 11))
    masks = (images[:, 0] + 0.5 * images[:, 1] > 0.2).astype(np.int64)
    return images, masks


def test_unet_transposed_conv(portability):
    images, masks = _data()
    portability.assert_same(
        unet_program,
        rtol=1e-6,
        images=images,
        masks=masks,
        bilinear=False,
    )


def test_unet_bilinear(portability):
    images, masks = _data()
    portability.assert_same(
        unet_program,
        rtol=1e-6,
        images=images,
        masks=masks,
        bilinear=True,
    )
