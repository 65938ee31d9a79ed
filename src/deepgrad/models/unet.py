"""U-Net (Ronneberger et al., 2015) for semantic segmentation: an encoder of convolution
blocks and 2×2 max pooling, a decoder that upsamples (``ConvTranspose2d``, or bilinear
interpolation + convolution) and concatenates the encoder's feature map of the same size
(the skip connection), and a 1×1 convolution to one score per class and pixel.

>>> import deepgrad as dg
>>> net = UNet(1, 4, base=4, depth=2)
>>> net(dg.zeros(2, 1, 16, 16)).shape
(2, 4, 16, 16)
"""

from __future__ import annotations

from .. import functional as F
from .. import nn
from ..tensor import Tensor


class ConvBlock(nn.Module):
    """Two ``3×3 convolution → BatchNorm → ReLU`` layers (U-Net's "double conv")."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(),
            nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.body(x)


class UNet(nn.Module):
    """U-Net with ``depth`` poolings: ``(N, in_channels, H, W)`` → ``(N, num_classes, H, W)``
    class scores (logits) per pixel; ``H`` and ``W`` must be multiples of ``2**depth``.

    Level ``i`` has ``base · 2**i`` channels. ``upsample="transpose"`` upsamples with a 2×2
    stride-2 ``ConvTranspose2d``; ``"bilinear"`` with ``interpolate`` and a 1×1 convolution.
    Train with ``cross_entropy`` on ``(N, H, W)`` label maps.
    """

    def __init__(
        self,
        in_channels: int = 1,
        num_classes: int = 2,
        *,
        base: int = 16,
        depth: int = 3,
        upsample: str = "transpose",
    ) -> None:
        super().__init__()
        if upsample not in ("transpose", "bilinear"):
            raise ValueError(f"UNet: upsample must be 'transpose' or 'bilinear', got {upsample!r}")
        if depth < 1:
            raise ValueError(f"UNet: depth must be >= 1, got {depth}")
        self.depth = depth
        widths = [base * 2**i for i in range(depth + 1)]
        self.down = nn.ModuleList(
            [ConvBlock(in_channels if i == 0 else widths[i - 1], widths[i]) for i in range(depth)]
        )
        self.bottleneck = ConvBlock(widths[depth - 1], widths[depth])
        self.pool = nn.MaxPool2d(2)
        ups, blocks = [], []
        for i in range(depth, 0, -1):
            if upsample == "transpose":
                ups.append(nn.ConvTranspose2d(widths[i], widths[i - 1], 2, stride=2))
            else:
                ups.append(nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear"),
                                         nn.Conv2d(widths[i], widths[i - 1], 1)))  # fmt: skip
            blocks.append(ConvBlock(2 * widths[i - 1], widths[i - 1]))
        self.up = nn.ModuleList(ups)
        self.up_blocks = nn.ModuleList(blocks)
        self.head = nn.Conv2d(widths[0], num_classes, 1)

    def forward(self, x: Tensor) -> Tensor:
        h, w = x.shape[-2:]
        if h % 2**self.depth or w % 2**self.depth:
            raise ValueError(
                f"UNet: input height and width must be multiples of {2**self.depth} "
                f"(depth {self.depth}), got {h}×{w}"
            )
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bottleneck(x)
        for up, block, skip in zip(self.up, self.up_blocks, reversed(skips)):
            x = block(F.cat([skip, up(x)], 1))
        return self.head(x)
