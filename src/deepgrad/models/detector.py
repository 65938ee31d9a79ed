"""A tiny one-stage object detector in the style of CenterNet (Zhou et al., 2019, "Objects as
Points"): a small CNN with output stride 4 predicts, on its grid, a heatmap of object centres
per class, the box size and the sub-cell offset of the centre.

* :class:`CenterNet` — the network: ``(N, C_in, H, W)`` → ``(N, K + 4, H/4, W/4)``, the ``K``
  class heatmap logits, then width and height (in grid cells) and the centre offset
  ``(dx, dy)`` in ``[0, 1)``;
* :func:`encode_targets` — true boxes as that dense map (Gaussian peaks at the centres,
  size and offset at the centre cell, and a mask), so that ``fit`` trains it with
  :class:`CenterNetLoss`;
* :class:`CenterNetLoss` — the penalty-reduced focal loss on the heatmap plus L1 on size and
  offset at the centres;
* :func:`decode` — the output back to boxes: local maxima of the heatmap (3×3), top-k,
  score threshold, then per-class non-maximum suppression.

>>> import numpy as np, deepgrad as dg
>>> net = CenterNet(1, 3, width=8)
>>> out = net(dg.zeros(2, 1, 32, 32)); out.shape
(2, 7, 8, 8)
>>> boxes = decode(out.numpy(), k=5)
>>> len(boxes), sorted(boxes[0])
(2, ['boxes', 'labels', 'scores'])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import functional as F
from .. import nn
from ..metrics.detection import batched_nms
from ..tensor import Tensor, as_tensor

#: the output stride of :class:`CenterNet`
STRIDE = 4


def _conv(cin: int, cout: int, stride: int = 1) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout),
            nn.ReLU()]  # fmt: skip


class CenterNet(nn.Module):
    """A CenterNet-style detector for small images: backbone ``3×3 conv (stride 2) → conv →
    max-pool 2 → conv → conv → conv`` (``width``, ``2·width`` channels; output stride 4), and
    1×1 heads after a shared 3×3 conv. Returns ``(N, num_classes + 4, H/4, W/4)``: class
    heatmap logits (their bias starts at ``log(0.01/0.99)``, CenterNet's prior), box width and
    height in grid cells, centre offset. ``H`` and ``W`` must be multiples of 4."""

    def __init__(self, in_channels: int = 1, num_classes: int = 3, *, width: int = 16) -> None:
        super().__init__()
        self.num_classes = num_classes
        w = width
        self.backbone = nn.Sequential(
            *_conv(in_channels, w, stride=2), *_conv(w, w), nn.MaxPool2d(2),
            *_conv(w, 2 * w), *_conv(2 * w, 2 * w), *_conv(2 * w, 2 * w),
        )  # fmt: skip
        self.heatmap = nn.Sequential(*_conv(2 * w, 2 * w), nn.Conv2d(2 * w, num_classes, 1))
        self.box = nn.Sequential(*_conv(2 * w, 2 * w), nn.Conv2d(2 * w, 4, 1))
        prior = float(np.log(0.01 / 0.99))
        self.heatmap[-1].bias.data = self.heatmap[-1].bias.data * 0 + prior

    def forward(self, x: Tensor) -> Tensor:
        h, w = x.shape[-2:]
        if h % STRIDE or w % STRIDE:
            raise ValueError(
                f"CenterNet: input height and width must be multiples of 4, got {h}×{w}"
            )
        f = self.backbone(x)
        return F.cat([self.heatmap(f), self.box(f)], 1)


def encode_targets(
    targets: list[dict[str, Any]], num_classes: int, image_size: int | tuple[int, int]
) -> np.ndarray:
    """Dense training targets ``(N, num_classes + 5, H/4, W/4)`` float32 from per-image boxes
    (``{"boxes": (M, 4) x1 y1 x2 y2 pixels, "labels": (M,) in 1..num_classes}``): per class a
    heatmap with a Gaussian peak of 1 at each centre cell (σ = a sixth of the box's smaller
    side, in cells, at least 0.5; overlapping peaks keep the maximum), then width, height,
    offset x, offset y at the centre cell, and a 0/1 mask of the centre cells."""
    hh, ww = (image_size, image_size) if isinstance(image_size, int) else image_size
    gh, gw = hh // STRIDE, ww // STRIDE
    out = np.zeros((len(targets), num_classes + 5, gh, gw), dtype=np.float32)
    yy, xx = np.mgrid[0:gh, 0:gw]
    for i, t in enumerate(targets):
        for (x1, y1, x2, y2), c in zip(np.asarray(t["boxes"]).reshape(-1, 4), t["labels"]):
            cx, cy = (x1 + x2) / 2 / STRIDE, (y1 + y2) / 2 / STRIDE
            ix, iy = min(int(cx), gw - 1), min(int(cy), gh - 1)
            bw, bh = (x2 - x1) / STRIDE, (y2 - y1) / STRIDE
            sigma = max(0.5, min(bw, bh) / 6)
            g = np.exp(-((xx - ix) ** 2 + (yy - iy) ** 2) / (2 * sigma**2))
            k = int(c) - 1
            out[i, k] = np.maximum(out[i, k], g)
            out[i, num_classes:, iy, ix] = (bw, bh, cx - ix, cy - iy, 1.0)
    return out


class CenterNetLoss(nn.Module):
    """CenterNet's loss on :func:`encode_targets` maps: ``L = L_heat + size_weight · L_size +
    L_offset``, with the penalty-reduced focal loss ``L_heat = -1/P Σ [(1-p)^α log p]`` at
    the peaks (``y = 1``) ``+ (1-y)^β p^α log(1-p)`` elsewhere (``α = 2``, ``β = 4``, ``P``
    peaks), and L1 losses on size and offset averaged over the peaks."""

    def __init__(self, num_classes: int = 3, size_weight: float = 0.1) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.size_weight = size_weight

    def forward(self, output: Tensor, target: Any) -> Tensor:
        k = self.num_classes
        t = target if isinstance(target, Tensor) else as_tensor(target)
        z, y = output[:, :k], t[:, :k]
        pos = (y.numpy() >= 1.0).astype(np.float32)
        n = max(float(pos.sum()), 1.0)
        p = F.sigmoid(z)
        log_p, log_q = F.logsigmoid(z), F.logsigmoid(-z)
        pos_t, neg_w = (
            Tensor._wrap(pos),
            Tensor._wrap(((1 - y.numpy()) ** 4 * (1 - pos)).astype(np.float32)),
        )
        heat = -(F.sum((1 - p) ** 2 * log_p * pos_t) + F.sum(p**2 * log_q * neg_w)) / n
        mask = t[:, k + 4 : k + 5]
        size = F.sum(F.abs(output[:, k : k + 2] - t[:, k : k + 2]) * mask) / n
        offset = F.sum(F.abs(F.sigmoid(output[:, k + 2 : k + 4]) - t[:, k + 2 : k + 4]) * mask) / n
        return heat + self.size_weight * size + offset


def _peaks(heat: np.ndarray) -> np.ndarray:
    """``heat`` where it is the maximum of its 3×3 neighbourhood, 0 elsewhere (CenterNet's
    max-pool NMS)."""
    padded = np.pad(heat, [(0, 0)] * (heat.ndim - 2) + [(1, 1), (1, 1)], constant_values=-np.inf)
    h, w = heat.shape[-2:]
    local = np.max(
        [padded[..., dy : dy + h, dx : dx + w] for dy in range(3) for dx in range(3)], axis=0
    )
    return np.where(heat >= local, heat, 0.0)


def decode(
    output: Any,
    num_classes: int | None = None,
    *,
    k: int = 20,
    score_threshold: float = 0.05,
    iou_threshold: float = 0.5,
) -> list[dict[str, np.ndarray]]:
    """Boxes from :class:`CenterNet` outputs ``(N, K + 4, h, w)``: the ``k`` highest local
    maxima of the class heatmaps (``sigmoid`` scores above ``score_threshold``), each a box
    of the predicted size around ``(cell + offset) · 4``, then per-class NMS at
    ``iou_threshold``. Returns per image ``{"boxes": (D, 4) x1 y1 x2 y2, "scores": (D,),
    "labels": (D,) in 1..K}``."""
    out = np.asarray(output.numpy() if hasattr(output, "numpy") else output, dtype=np.float64)
    c = out.shape[1] - 4 if num_classes is None else num_classes
    heat = _peaks(1.0 / (1.0 + np.exp(-out[:, :c])))
    n, _, h, w = heat.shape
    results = []
    for i in range(n):
        flat = heat[i].reshape(-1)
        top = np.argsort(-flat, kind="stable")[:k]
        top = top[flat[top] > score_threshold]
        cls, rem = np.divmod(top, h * w)
        iy, ix = np.divmod(rem, w)
        bw, bh = out[i, c, iy, ix], out[i, c + 1, iy, ix]
        off = 1.0 / (1.0 + np.exp(-out[i, c + 2 : c + 4][:, iy, ix]))  # (2, D)
        cx, cy = (ix + off[0]) * STRIDE, (iy + off[1]) * STRIDE
        half_w, half_h = np.maximum(bw, 0) * STRIDE / 2, np.maximum(bh, 0) * STRIDE / 2
        boxes = np.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], 1).reshape(-1, 4)
        scores, labels = flat[top], cls + 1
        keep = batched_nms(boxes, scores, labels, iou_threshold)
        results.append({"boxes": boxes[keep], "scores": scores[keep], "labels": labels[keep]})
    return results
