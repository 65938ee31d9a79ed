"""Semantic segmentation metrics: pixel accuracy and (mean) intersection over union, over all
the pixels of a set of images.

Predictions may be label maps ``(N, H, W)`` or class scores ``(N, C, H, W)`` (argmax over
``C``, as a segmentation network outputs); targets are label maps ``(N, H, W)``.

>>> import numpy as np
>>> t = np.array([[[0, 0], [1, 1]]]); p = np.array([[[0, 1], [1, 1]]])
>>> pixel_accuracy(t, p)
0.75
>>> iou_per_class(t, p, num_classes=2).tolist()     # 1/2 and 2/3
[0.5, 0.6666666666666666]
>>> round(mean_iou(t, p, num_classes=2), 4)
0.5833
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deepgrad.metrics._inputs import as_array, int_labels


def _label_maps(y_true: Any, y_pred: Any, where: str, num_classes: int | None) -> tuple:
    t = as_array(y_true, "y_true", where)
    p = as_array(y_pred, "y_pred", where)
    if p.ndim == t.ndim + 1:  # class scores (N, C, H, W): argmax over C
        if num_classes is not None and p.shape[1] != num_classes:
            raise ValueError(f"{where}: num_classes={num_classes} but y_pred has shape {p.shape}")
        num_classes = p.shape[1]
        p = p.argmax(axis=1)
    if t.shape != p.shape:
        raise ValueError(
            f"{where}: y_true has shape {t.shape} but y_pred has shape {p.shape}; give label maps "
            "of the same shape, or y_pred as (N, C, H, W) scores for (N, H, W) labels"
        )
    t = int_labels(t.reshape(-1), "y_true", where, num_classes)
    p = int_labels(p.reshape(-1), "y_pred", where, num_classes)
    if num_classes is None:
        num_classes = int(max(t.max(initial=0), p.max(initial=0))) + 1
    return t, p, num_classes


def segmentation_confusion(y_true: Any, y_pred: Any, num_classes: int | None = None) -> np.ndarray:
    """The ``(C, C)`` pixel confusion matrix (rows: true class, columns: predicted)."""
    t, p, c = _label_maps(y_true, y_pred, "segmentation_confusion", num_classes)
    return np.bincount(t * c + p, minlength=c * c).reshape(c, c)


def pixel_accuracy(y_true: Any, y_pred: Any) -> float:
    """Fraction of pixels whose predicted class is right: ``Σ [pred = true] / #pixels``."""
    t, p, _ = _label_maps(y_true, y_pred, "pixel_accuracy", None)
    if t.size == 0:
        raise ValueError("pixel_accuracy: got 0 pixels")
    return float(np.mean(t == p))


def iou_per_class(y_true: Any, y_pred: Any, num_classes: int | None = None) -> np.ndarray:
    """``IoU_c = TP_c / (TP_c + FP_c + FN_c)`` for each class ``c`` over all pixels (the
    Jaccard index); NaN for a class in neither the targets nor the predictions. Shape
    ``(C,)``."""
    cm = segmentation_confusion(y_true, y_pred, num_classes).astype(np.float64)
    tp = np.diag(cm)
    union = cm.sum(axis=0) + cm.sum(axis=1) - tp
    out = np.full(tp.shape, np.nan)
    np.divide(tp, union, out=out, where=union > 0)
    return out


def mean_iou(
    y_true: Any, y_pred: Any, num_classes: int | None = None, *, include_background: bool = True
) -> float:
    """Mean of :func:`iou_per_class` over the classes present in the targets or the
    predictions (PASCAL VOC's mIoU; class 0 is the background, left out with
    ``include_background=False``). Equal to ``sklearn.metrics.jaccard_score(average="macro")``
    on the flattened label maps."""
    iou = iou_per_class(y_true, y_pred, num_classes)
    if not include_background:
        iou = iou[1:]
    present = iou[~np.isnan(iou)]
    if present.size == 0:
        raise ValueError("mean_iou: no class occurs in y_true or y_pred")
    return float(present.mean())
