"""ImageNet classifiers with torchvision's architecture, parameter names and layouts — ResNet-18
and -34, VGG-11/13/16/19 (with or without batch norm) — and :func:`load_pretrained`, which
loads their weights from a safetensors file (never a pickle).

A torchvision ``state_dict`` has the same keys and shapes as these models' (``conv1.weight``,
``layer1.0.bn1.running_mean``, ``layer2.0.downsample.0.weight``, ``fc.weight``;
``features.0.weight``, ``classifier.6.bias``), so weights trained with PyTorch load one-to-one
and give the same outputs. Converting a ``.pt`` file once, with torch (see
``docs/pretrained.md``)::

    import torch, safetensors.torch
    sd = torch.load("resnet18.pt", map_location="cpu", weights_only=True)
    safetensors.torch.save_file({k: v.contiguous() for k, v in sd.items()}, "resnet18.safetensors")

and in deepgrad::

    model = dg.models.resnet18()
    dg.models.load_pretrained(model, "resnet18.safetensors")

>>> m = resnet18(num_classes=10)
>>> [k for k in m.state_dict()][:3]
['conv1.weight', 'bn1.weight', 'bn1.bias']
>>> sum(p.numpy().size for p in resnet18().parameters())
11689512
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence
from typing import Any

from .. import functional as F
from .. import nn
from ..tensor import Tensor


class ImageNetBasicBlock(nn.Module):
    """torchvision's ``BasicBlock``: ``relu(bn2(conv2(relu(bn1(conv1(x))))) + identity)``, where
    ``identity`` is ``downsample(x)`` (1×1 convolution + batch norm) when the shape changes.
    Attribute names as torchvision's (``conv1``, ``bn1``, ``conv2``, ``bn2``,
    ``downsample``)."""

    expansion = 1

    def __init__(self, in_channels: int, channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.downsample: nn.Module | None = None
        if stride != 1 or in_channels != channels:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(channels),
            )

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class ImageNetResNet(nn.Module):
    """torchvision's ResNet of basic blocks for ``(N, 3, H, W)`` images: a 7×7 stride-2 stem
    (``conv1``, ``bn1``), 3×3 stride-2 max pooling, four stages ``layer1..layer4`` of
    ``layers[i]`` blocks with 64, 128, 256, 512 channels (stride 2 at the start of stages
    2-4), global average pooling and ``fc``. ``layers=(2, 2, 2, 2)`` is ResNet-18,
    ``(3, 4, 6, 3)`` ResNet-34. Output: ``(N, num_classes)`` logits."""

    def __init__(
        self,
        layers: Sequence[int] = (2, 2, 2, 2),
        num_classes: int = 1000,
        in_channels: int = 3,
        widths: Sequence[int] = (64, 128, 256, 512),
    ) -> None:
        super().__init__()
        if len(layers) != 4 or len(widths) != 4:
            raise ValueError(
                f"ImageNetResNet: layers and widths need 4 entries (one per stage), got "
                f"{list(layers)} and {list(widths)}"
            )
        self.conv1 = nn.Conv2d(in_channels, widths[0], 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        c = widths[0]
        for i, (n, w) in enumerate(zip(layers, widths)):
            blocks = []
            for j in range(n):
                blocks.append(ImageNetBasicBlock(c, w, stride=2 if (i > 0 and j == 0) else 1))
                c = w
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(c, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(F.flatten(self.avgpool(x), 1))


#: torchvision's VGG configurations: channels of each 3×3 convolution, "M" for 2×2 max pooling
VGG_CONFIGS: dict[str, list[int | str]] = {
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg13": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512,
              512, "M"],
    "vgg19": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
              512, 512, 512, 512, "M"],
}  # fmt: skip


class ImageNetVGG(nn.Module):
    """torchvision's VGG: ``features`` (3×3 convolutions with padding 1, each followed by
    ``BatchNorm2d`` if ``batch_norm`` and ReLU; "M" is 2×2 max pooling), adaptive average
    pooling to 7×7, and ``classifier`` = Linear(512·7·7, hidden) → ReLU → Dropout → Linear
    (hidden, hidden) → ReLU → Dropout → Linear(hidden, num_classes). The indices inside the
    ``Sequential`` s are torchvision's, so are the keys (``features.0.weight``,
    ``classifier.6.bias``). ``hidden`` (torchvision: 4096) may be made small for tests."""

    def __init__(
        self,
        config: str | Sequence[int | str] = "vgg16",
        num_classes: int = 1000,
        batch_norm: bool = False,
        in_channels: int = 3,
        hidden: int = 4096,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        if isinstance(config, str):
            if config not in VGG_CONFIGS:
                near = difflib.get_close_matches(config, VGG_CONFIGS, n=1)
                raise ValueError(
                    f"ImageNetVGG: unknown config {config!r}; choose one of "
                    f"{sorted(VGG_CONFIGS)}" + (f" (did you mean {near[0]!r}?)" if near else "")
                )
            config = VGG_CONFIGS[config]
        layers: list[nn.Module] = []
        c = in_channels
        for v in config:
            if v == "M":
                layers.append(nn.MaxPool2d(2, stride=2))
                continue
            layers.append(nn.Conv2d(c, int(v), 3, padding=1))
            if batch_norm:
                layers.append(nn.BatchNorm2d(int(v)))
            layers.append(nn.ReLU())
            c = int(v)
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(c * 7 * 7, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.features(x))
        return self.classifier(F.flatten(x, 1))


def resnet18(num_classes: int = 1000) -> ImageNetResNet:
    """torchvision's ``resnet18`` architecture (11.7 M parameters for 1000 classes)."""
    return ImageNetResNet((2, 2, 2, 2), num_classes)


def resnet34(num_classes: int = 1000) -> ImageNetResNet:
    """torchvision's ``resnet34`` architecture."""
    return ImageNetResNet((3, 4, 6, 3), num_classes)


def vgg11(num_classes: int = 1000, batch_norm: bool = False) -> ImageNetVGG:
    """torchvision's ``vgg11`` (``vgg11_bn`` with ``batch_norm=True``)."""
    return ImageNetVGG("vgg11", num_classes, batch_norm)


def vgg16(num_classes: int = 1000, batch_norm: bool = False) -> ImageNetVGG:
    """torchvision's ``vgg16`` (``vgg16_bn`` with ``batch_norm=True``)."""
    return ImageNetVGG("vgg16", num_classes, batch_norm)


def load_pretrained(model: nn.Module, path: str | os.PathLike, strict: bool = True) -> nn.Module:
    """Load a state dict from the safetensors file at ``path`` into ``model`` (a torchvision
    ``state_dict`` saved with ``safetensors.torch.save_file``) and return the model.

    Keys and shapes must match (with ``strict``, every key both ways); a mismatch raises,
    naming the keys and, for a missing key, the nearest key in the file. The file is read by
    :func:`deepgrad.io.safe_read.load_safetensors` (its header checked against the bytes; a
    malformed file raises ``ModelFileError``); a pickle (``.pt``/``.pth``) is refused, never
    unpickled — convert it once with torch (``docs/pretrained.md``).
    """
    from ..io.safe_read import load_safetensors, looks_like_pickle

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"load_pretrained: no such file: {path!r}")
    with open(path, "rb") as f:
        data = f.read()
    # (not just a first byte of 0x80 or "PK": a safetensors header length starts so once in
    # 256 or 65536; looks_like_pickle tells them apart)
    if looks_like_pickle(data):
        raise ValueError(
            f"load_pretrained: {path!r} is a PyTorch pickle/zip file, not safetensors; deepgrad "
            "never unpickles (it can run code). Convert it once with torch: "
            "safetensors.torch.save_file(torch.load(p, weights_only=True), 'model.safetensors')"
        )
    # the checked reader: the header is validated against the bytes before any array is made
    state: dict[str, Any] = load_safetensors(data, path)
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    if strict and (missing or unexpected):
        hints = []
        for k in missing[:5]:
            near = difflib.get_close_matches(k, unexpected or list(state), n=1)
            hints.append(f"{k!r}" + (f" (nearest in the file: {near[0]!r})" if near else ""))
        raise KeyError(
            f"load_pretrained: {type(model).__name__} and {path!r} disagree: "
            f"{len(missing)} key(s) missing from the file [{', '.join(hints)}"
            f"{', ...' if len(missing) > 5 else ''}], {len(unexpected)} unexpected "
            f"{unexpected[:5]}{' ...' if len(unexpected) > 5 else ''}"
        )
    model.load_state_dict({k: v for k, v in state.items() if k in own}, strict=False)
    return model
