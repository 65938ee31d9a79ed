"""Convolutional networks of the guides: ``LeNet5``, a small ``VGG``, ``ResNet`` (basic blocks)."""

from __future__ import annotations

from collections.abc import Sequence

from .. import functional as F
from .. import nn
from ..tensor import Tensor


class LeNet5(nn.Module):
    """LeCun et al.'s LeNet-5 with ReLU and max-pooling (the modern reading):
    conv(6, 5×5) → pool → conv(16, 5×5) → pool → 120 → 84 → classes.

    Inputs ``(N, in_channels, H, W)``; 28×28 (MNIST) and 32×32 work as given; smaller
    images (digits' 8×8) get ``padding=2`` on both convolutions and no second pooling is
    needed — the flattened size is inferred at the first call.
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 10, padding: int = 2) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5, padding=padding),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5, padding=padding),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(None, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.ReLU(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))


class VGG(nn.Module):
    """A small VGG: stages of 3×3 convolutions (+ batch norm) and ReLU, each stage ending in
    2×2 max-pooling, then a dropout-regularized classifier.

    ``stages=[[32, 32], [64, 64]]`` gives conv32-conv32-pool-conv64-conv64-pool.
    """

    def __init__(
        self,
        in_channels: int = 1,
        num_classes: int = 10,
        stages: Sequence[Sequence[int]] = ((32, 32), (64, 64)),
        batch_norm: bool = True,
        dropout: float = 0.5,
        hidden: int = 128,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c = in_channels
        for stage in stages:
            for width in stage:
                layers.append(nn.Conv2d(c, width, 3, padding=1))
                if batch_norm:
                    layers.append(nn.BatchNorm2d(width))
                layers.append(nn.ReLU())
                c = width
            layers.append(nn.MaxPool2d(2))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(None, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))


class BasicBlock(nn.Module):
    """ResNet's basic block: ``relu(bn(conv(relu(bn(conv(x))))) + shortcut(x))``; the shortcut
    is a 1×1 convolution + batch norm when the shape changes."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )
        else:
            self.shortcut = nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet(nn.Module):
    """A ResNet of basic blocks: a 3×3 stem, stages with ``blocks[i]`` blocks of
    ``widths[i]`` channels (stride 2 at the start of every stage but the first), global
    average pooling and a linear classifier. ``blocks=(2, 2, 2, 2)`` with widths
    ``(64, 128, 256, 512)`` is ResNet-18's layout; the defaults are a small one for 28×28."""

    def __init__(
        self,
        in_channels: int = 1,
        num_classes: int = 10,
        blocks: Sequence[int] = (1, 1, 1),
        widths: Sequence[int] = (16, 32, 64),
    ) -> None:
        super().__init__()
        if len(blocks) != len(widths):
            raise ValueError(
                f"ResNet: blocks {list(blocks)} and widths {list(widths)} differ in length"
            )
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, widths[0], 3, padding=1, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(),
        )
        stages: list[nn.Module] = []
        c = widths[0]
        for i, (n, w) in enumerate(zip(blocks, widths)):
            for j in range(n):
                stages.append(BasicBlock(c, w, stride=2 if (i > 0 and j == 0) else 1))
                c = w
        self.stages = nn.Sequential(*stages)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(c, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        x = self.pool(self.stages(self.stem(x)))
        return self.fc(F.flatten(x, 1))
