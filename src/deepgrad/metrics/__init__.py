"""Metrics: plain functions on NumPy arrays and streaming classes for training loops.

Plain functions take ``(y_true, y_pred)`` like scikit-learn and return the same values;
streaming metrics take ``update(y_pred, y_true)`` batch by batch and give, in
``result()``, the plain function's value on all batches together. Inputs may be NumPy
arrays, lists, or anything with ``.numpy()`` / ``__array__`` (deepgrad tensors).

>>> from deepgrad import metrics
>>> metrics.f1_score([0, 1, 2, 2], [0, 1, 1, 2], average="macro")
0.7777777777777777
>>> m = metrics.get("f1")
>>> m.update([1, 0, 1], [1, 1, 1]); m.result()
0.8
"""

from deepgrad.metrics.classification import (
    accuracy,
    confusion_matrix,
    f1_score,
    precision,
    recall,
    roc_auc,
    top_k_accuracy,
)
from deepgrad.metrics.detection import (
    average_precision,
    batched_nms,
    box_iou,
    mean_average_precision,
    nms,
)
from deepgrad.metrics.regression import (
    mean_absolute_error,
    mean_squared_error,
    r2_score,
    root_mean_squared_error,
)
from deepgrad.metrics.report import classification_report
from deepgrad.metrics.segmentation import (
    iou_per_class,
    mean_iou,
    pixel_accuracy,
    segmentation_confusion,
)
from deepgrad.metrics.streaming import (
    AUC,
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    ConfusionMatrix,
    F1Score,
    Mean,
    MeanAbsoluteError,
    MeanSquaredError,
    Metric,
    Precision,
    R2Score,
    Recall,
    RootMeanSquaredError,
    SparseCategoricalAccuracy,
    TopKAccuracy,
    get,
)

__all__ = [
    "AUC",
    "Accuracy",
    "BinaryAccuracy",
    "CategoricalAccuracy",
    "ConfusionMatrix",
    "F1Score",
    "Mean",
    "MeanAbsoluteError",
    "MeanSquaredError",
    "Metric",
    "Precision",
    "R2Score",
    "Recall",
    "RootMeanSquaredError",
    "SparseCategoricalAccuracy",
    "TopKAccuracy",
    "accuracy",
    "average_precision",
    "batched_nms",
    "box_iou",
    "classification_report",
    "confusion_matrix",
    "f1_score",
    "get",
    "iou_per_class",
    "mean_iou",
    "mean_absolute_error",
    "mean_average_precision",
    "mean_squared_error",
    "pixel_accuracy",
    "nms",
    "precision",
    "r2_score",
    "recall",
    "roc_auc",
    "segmentation_confusion",
    "root_mean_squared_error",
    "top_k_accuracy",
]
