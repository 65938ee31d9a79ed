"""The per-class classification report: precision, recall, F1 and support of each class, with
the accuracy and the macro and support-weighted averages — scikit-learn's
``classification_report`` (the same text and dict), computed in NumPy.

Predictions may be labels ``(N,)`` or class scores ``(N, C)`` (their row argmax), as for the
other classification metrics; every class ``0..C-1`` gets a row even when it never occurs.

>>> print(classification_report([0, 1, 1, 2], [0, 1, 2, 2], class_names=["a", "b", "c"]))
              precision    recall  f1-score   support
<BLANKLINE>
           a       1.00      1.00      1.00         1
           b       1.00      0.50      0.67         2
           c       0.50      1.00      0.67         1
<BLANKLINE>
    accuracy                           0.75         4
   macro avg       0.83      0.83      0.78         4
weighted avg       0.88      0.75      0.75         4
<BLANKLINE>
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deepgrad.metrics._inputs import class_labels
from deepgrad.metrics.classification import _divide, confusion_counts

_HEADERS = ("precision", "recall", "f1-score", "support")


def classification_report(
    y_true: Any,
    y_pred: Any,
    *,
    num_classes: int | None = None,
    class_names: Any = None,
    digits: int = 2,
    output_dict: bool = False,
    zero_division: float = 0.0,
) -> str | dict[str, Any]:
    """Precision ``TP/(TP+FP)``, recall ``TP/(TP+FN)``, F1 ``2TP/(2TP+FP+FN)`` and support
    (number of true samples) per class, then the accuracy, the macro average (plain mean over
    the C classes) and the support-weighted average.

    Parameters
    ----------
    y_true : array (N,) of labels 0..C-1, or (N, C) one-hot
    y_pred : array (N,) of integer labels, or (N, C) class scores (argmax per row)
    num_classes : int, optional
        ``C``; by default the width of ``(N, C)`` scores, else ``max label + 1``.
    class_names : sequence of C str, optional
        Row names (default ``"0"``, ``"1"``, ...).
    digits : int
        Decimals in the text report.
    output_dict : bool
        Return the dict ``{"a": {"precision": ..., "support": ...}, "accuracy": ...,
        "macro avg": {...}, "weighted avg": {...}}`` instead of the text.
    zero_division : float
        Value of a ratio whose denominator is zero (a class never predicted).

    Returns
    -------
    str or dict, equal to ``sklearn.metrics.classification_report(y_true, y_pred,
    labels=range(C), target_names=class_names, digits=digits, output_dict=output_dict,
    zero_division=zero_division)`` on the labels.
    """
    where = "classification_report"
    true, pred, classes = class_labels(y_true, y_pred, where, num_classes=num_classes)
    if true.shape[0] == 0:
        raise ValueError(f"{where}: got 0 samples")
    if classes is None:
        classes = int(max(true.max(), pred.max())) + 1
    if class_names is not None and len(class_names) != classes:
        raise ValueError(
            f"{where}: {classes} classes but {len(class_names)} class_names were given"
        )
    names = [str(c) for c in (class_names if class_names is not None else range(classes))]
    cm, _ = confusion_counts(true, pred, classes, None)
    tp, pred_sum, support = np.diag(cm), cm.sum(axis=0), cm.sum(axis=1)
    p = _divide(tp, pred_sum, zero_division)
    r = _divide(tp, support, zero_division)
    f = _divide(2 * tp, support + pred_sum, zero_division)
    total = float(support.sum())
    accuracy = float(tp.sum() / total)
    macro = [float(np.mean(v)) for v in (p, r, f)] + [total]
    weighted = [float(np.dot(support, v) / total) for v in (p, r, f)] + [total]
    if output_dict:
        out: dict[str, Any] = {
            name: dict(zip(_HEADERS, map(float, row)))
            for name, *row in zip(names, p, r, f, support)
        }
        out["accuracy"] = accuracy
        out["macro avg"] = dict(zip(_HEADERS, macro))
        out["weighted avg"] = dict(zip(_HEADERS, weighted))
        return out
    width = max(max(len(n) for n in names), len("weighted avg"), digits)
    row_fmt = "{:>{width}s} " + " {:>9.{digits}f}" * 3 + " {:>9}\n"
    text = ("{:>{width}s} " + " {:>9}" * 4).format("", *_HEADERS, width=width) + "\n\n"
    for name, *row in zip(names, p, r, f, support):
        text += row_fmt.format(name, *row[:3], int(row[3]), width=width, digits=digits)
    text += "\n"
    text += ("{:>{width}s} " + " {:>9}" * 2 + " {:>9.{digits}f} {:>9}\n").format(
        "accuracy", "", "", accuracy, int(total), width=width, digits=digits
    )
    text += row_fmt.format("macro avg", *macro[:3], int(total), width=width, digits=digits)
    text += row_fmt.format("weighted avg", *weighted[:3], int(total), width=width, digits=digits)
    return text
