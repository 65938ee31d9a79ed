"""Object detection: box IoU, non-maximum suppression, and mean average precision at an IoU
threshold as PASCAL VOC (all-point interpolation) and COCO (101 recall points) define it.

Boxes are ``(x1, y1, x2, y2)`` in pixels, ``x2 > x1``; a box's area is ``(x2-x1)(y2-y1)``
(COCO's convention, no ``+1``). Predictions per image are ``{"boxes": (K, 4), "scores": (K,),
"labels": (K,)}``; targets ``{"boxes": (M, 4), "labels": (M,)}``.

>>> import numpy as np
>>> box_iou(np.array([[0, 0, 2, 2]]), np.array([[1, 0, 3, 2], [0, 0, 2, 2]])).tolist()
[[0.3333333333333333, 1.0]]
>>> nms(np.array([[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30]]), np.array([0.9, 0.8, 0.7]))
array([0, 2])
>>> pred = [{"boxes": np.array([[0, 0, 10, 10]]), "scores": np.array([0.9]), "labels": np.array([1])}]
>>> mean_average_precision(pred, [{"boxes": np.array([[0, 0, 10, 10]]), "labels": np.array([1])}])
1.0
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deepgrad.metrics._inputs import as_array

METHODS = ("voc", "coco")


def _boxes(b: Any, what: str, where: str) -> np.ndarray:
    a = as_array(b, what, where).astype(np.float64)
    if a.size == 0:
        return a.reshape(0, 4)
    if a.ndim != 2 or a.shape[1] != 4:
        raise ValueError(f"{where}: {what} must be (K, 4) boxes (x1, y1, x2, y2), got {a.shape}")
    return a


def box_iou(a: Any, b: Any) -> np.ndarray:
    """``(K, M)`` intersection over union of every box in ``a (K, 4)`` with every box in
    ``b (M, 4)``: ``|A ∩ B| / (|A| + |B| - |A ∩ B|)`` (0 where both are empty)."""
    a, b = _boxes(a, "a", "box_iou"), _boxes(b, "b", "box_iou")
    area_a = np.clip(a[:, 2] - a[:, 0], 0, None) * np.clip(a[:, 3] - a[:, 1], 0, None)
    area_b = np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)
    w = np.clip(
        np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None
    )
    h = np.clip(
        np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None
    )
    inter = w * h
    union = area_a[:, None] + area_b[None, :] - inter
    out = np.zeros_like(inter)
    np.divide(inter, union, out=out, where=union > 0)
    return out


def nms(boxes: Any, scores: Any, iou_threshold: float = 0.5) -> np.ndarray:
    """Greedy non-maximum suppression: repeatedly keep the highest-scoring box and drop the
    boxes whose IoU with it exceeds ``iou_threshold``. Returns the kept indices, by score
    descending (as ``torchvision.ops.nms``)."""
    b = _boxes(boxes, "boxes", "nms")
    s = as_array(scores, "scores", "nms").astype(np.float64).reshape(-1)
    if s.shape[0] != b.shape[0]:
        raise ValueError(f"nms: {b.shape[0]} boxes but {s.shape[0]} scores")
    order = np.argsort(-s, kind="stable")
    keep = []
    iou = box_iou(b, b)
    suppressed = np.zeros(len(b), dtype=bool)
    for i in order:
        if suppressed[i]:
            continue
        keep.append(i)
        suppressed |= iou[i] > iou_threshold
    return np.asarray(keep, dtype=np.int64)


def batched_nms(boxes: Any, scores: Any, labels: Any, iou_threshold: float = 0.5) -> np.ndarray:
    """:func:`nms` within each class separately (boxes of different classes never suppress
    each other). Returns the kept indices by score descending."""
    lab = as_array(labels, "labels", "batched_nms").reshape(-1)
    s = as_array(scores, "scores", "batched_nms").astype(np.float64).reshape(-1)
    b = _boxes(boxes, "boxes", "batched_nms")
    keep = [
        np.flatnonzero(lab == c)[nms(b[lab == c], s[lab == c], iou_threshold)]
        for c in np.unique(lab)
    ]
    kept = np.concatenate(keep) if keep else np.zeros(0, dtype=np.int64)
    return kept[np.argsort(-s[kept], kind="stable")]


def average_precision(recall: Any, precision: Any, method: str = "voc") -> float:
    """Area under a precision–recall curve given at increasing ``recall``. The precision is
    first made monotone (``p(r) = max_{r' ≥ r} p(r')``); then ``"voc"`` (VOC 2010+) sums
    ``(r_n - r_{n-1}) p(r_n)`` over all points, ``"coco"`` averages ``p`` at the 101 recalls
    0, 0.01, ..., 1 (0 beyond the last recall reached)."""
    if method not in METHODS:
        raise ValueError(f"average_precision: method must be one of {METHODS}, got {method!r}")
    r = np.asarray(recall, dtype=np.float64)
    p = np.asarray(precision, dtype=np.float64)
    if r.size == 0:
        return 0.0
    p = np.maximum.accumulate(p[::-1])[::-1]
    if method == "voc":
        r0 = np.concatenate([[0.0], r])
        return float(np.sum((r0[1:] - r0[:-1]) * p))
    thresholds = np.linspace(0.0, 1.0, 101)
    idx = np.searchsorted(r, thresholds, side="left")
    sampled = np.where(idx < len(p), p[np.minimum(idx, len(p) - 1)], 0.0)
    return float(sampled.mean())


def _match(
    predictions: list[dict[str, Any]],
    targets: list[dict[str, Any]],
    cls: int,
    iou_threshold: float,
    max_detections: int | None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Scores and true-positive flags of class ``cls``'s detections over all images, and the
    number of true boxes. Per image, detections (best score first) take the unmatched true
    box of highest IoU ≥ the threshold; the others are false positives."""
    scores, hits, n_true = [], [], 0
    for pred, tgt in zip(predictions, targets):
        tb = _boxes(tgt["boxes"], "target boxes", "mean_average_precision")
        tb = tb[as_array(tgt["labels"], "labels", "mean_average_precision").reshape(-1) == cls]
        n_true += len(tb)
        pl = as_array(pred["labels"], "labels", "mean_average_precision").reshape(-1)
        sel = pl == cls
        pb = _boxes(pred["boxes"], "boxes", "mean_average_precision")[sel]
        ps = as_array(pred["scores"], "scores", "mean_average_precision").reshape(-1)[sel]
        order = np.argsort(-ps, kind="stable")
        if max_detections is not None:
            order = order[:max_detections]
        iou = box_iou(pb[order], tb)
        taken = np.zeros(len(tb), dtype=bool)
        for k in range(len(order)):
            best, best_iou = -1, iou_threshold
            for j in range(len(tb)):
                if not taken[j] and iou[k, j] >= best_iou:
                    best, best_iou = j, iou[k, j]
            if best >= 0:
                taken[best] = True
            hits.append(best >= 0)
            scores.append(ps[order[k]])
    return np.asarray(scores, dtype=np.float64), np.asarray(hits, dtype=bool), n_true


def mean_average_precision(
    predictions: list[dict[str, Any]],
    targets: list[dict[str, Any]],
    *,
    iou_threshold: float = 0.5,
    method: str = "voc",
    per_class: bool = False,
    max_detections: int | None = 100,
) -> float | tuple[float, dict[int, float]]:
    """Mean over classes of the average precision at ``iou_threshold`` (mAP@0.5 by default).

    For each class, every image's detections are matched to its true boxes (best score first,
    each true box at most once, IoU ≥ ``iou_threshold``), all detections are ranked by
    score, and precision ``TP/(TP+FP)`` and recall ``TP/#true`` along the ranking give
    :func:`average_precision` (``method="voc"``: all-point interpolation; ``"coco"``: 101
    points, as ``pycocotools``' AP at IoU 0.5 with ``maxDets=max_detections`` per image and
    class). Classes without true boxes are left out of the mean. With ``per_class``, also
    returns ``{class: AP}``.
    """
    if method not in METHODS:
        raise ValueError(f"mean_average_precision: method must be one of {METHODS}, got {method!r}")
    if len(predictions) != len(targets):
        raise ValueError(
            f"mean_average_precision: {len(predictions)} predictions but {len(targets)} targets "
            "(one dict per image each)"
        )
    classes = sorted({int(c) for t in targets for c in np.asarray(t["labels"]).reshape(-1)})
    aps: dict[int, float] = {}
    for c in classes:
        scores, hits, n_true = _match(predictions, targets, c, iou_threshold, max_detections)
        order = np.argsort(-scores, kind="stable")
        tp = np.cumsum(hits[order])
        fp = np.cumsum(~hits[order])
        recall = tp / n_true
        precision = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
        aps[c] = average_precision(recall, precision, method)
    m = float(np.mean(list(aps.values()))) if aps else float("nan")
    return (m, aps) if per_class else m
