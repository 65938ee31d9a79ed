"""The two dense vision tasks of a recipe, run on the generated shapes data set
(:mod:`deepgrad.data.datasets.shapes`): **segmentation** (``zoo = "UNet"``, a class per pixel,
per-pixel cross entropy, pixel accuracy and mean IoU) and **detection** (``zoo = "CenterNet"``,
a box and class per shape, CenterNet's loss, mAP@0.5) — what :func:`deepgrad.app.recipe.run`
calls for ``[data] name = "shapes"`` (the rules of what fits which task:
:mod:`deepgrad.app.recipe_tasks`).

* :func:`load_shapes` — the training images and the held-out ones (another seed), with the
  targets ``fit`` trains on: label maps ``(N, H, W)``, or CenterNet's encoded maps
  (:func:`~deepgrad.models.detector.encode_targets`) with the true boxes kept beside them;
* :func:`evaluate` — the task's metrics on the held-out set (detections decoded with
  :func:`~deepgrad.models.detector.decode`);
* :func:`write_figures` — inputs, true and predicted masks (``segmentation.png``, with the
  pixel confusion matrix), or predicted and true boxes (``detections.png``).

>>> ds = load_shapes({"name": "shapes", "task": "segmentation", "n_samples": 4,
...                   "test_samples": 2, "size": 16})
>>> ds["x_train"].shape, ds["y_train"].shape, ds["x_test"].shape, ds["class_names"][1]
((4, 1, 16, 16), (4, 16, 16), (2, 1, 16, 16), 'circle')
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .recipe_tasks import TASK_METRICS, shapes_value

__all__ = ["Evaluation", "evaluate", "load_shapes", "write_figures"]

#: the held-out images come from this seed offset (as the example scripts had them)
TEST_SEED_OFFSET = 1000


def load_shapes(spec: dict[str, Any]) -> dict[str, Any]:
    """The shapes data a ``[data]`` section (``name = "shapes"``, ``task``) describes: ``n_samples``
    training images from ``seed`` and ``test_samples`` held-out ones from ``seed + 1000``
    (``subset`` / ``test_subset`` keep the first N: only those are generated).

    Returns the dict of :func:`deepgrad.app.recipe.load_data`: ``x_train, y_train, x_test,
    y_test`` (images ``(N, 1, S, S)`` float32; label maps ``(N, S, S)`` int64, or CenterNet's
    maps ``(N, 8, S/4, S/4)``), ``task``, ``class_names`` (``SHAPE_CLASSES``),
    ``preprocessing`` (no steps: the record of the data), and for detection ``targets_test``,
    the held-out images' true boxes.
    """
    from ..data import Preprocessing
    from ..data.datasets import SHAPE_CLASSES, make_shapes_detection, make_shapes_segmentation

    task = spec["task"]
    seed = shapes_value(spec, "seed")
    n_train = shapes_value(spec, "n_samples")
    n_test = shapes_value(spec, "test_samples")
    n_train = min(n_train, spec.get("subset", n_train))
    n_test = min(n_test, spec.get("test_subset", n_test))
    kw = {"size": shapes_value(spec, "size"), "noise": shapes_value(spec, "noise")}
    if task == "segmentation":
        make = make_shapes_segmentation
        kw["max_shapes"] = shapes_value(spec, "max_shapes")
    else:
        make = make_shapes_detection
        kw["max_objects"] = shapes_value(spec, "max_shapes")
    x_train, y_train = make(n_train, seed=seed, **kw)
    x_test, y_test = make(n_test, seed=seed + TEST_SEED_OFFSET, **kw)
    ds: dict[str, Any] = {"task": task, "class_names": list(SHAPE_CLASSES)}
    if task == "detection":
        from ..models.detector import encode_targets

        n_cls = len(SHAPE_CLASSES) - 1
        ds["targets_test"] = y_test
        y_train = encode_targets(y_train, n_cls, kw["size"])
        y_test = encode_targets(y_test, n_cls, kw["size"])
    ds.update(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    ds["preprocessing"] = Preprocessing(
        classes=list(SHAPE_CLASSES), task=task, data=copy.deepcopy(spec)
    )
    return ds


@dataclass
class Evaluation:
    """A dense task's result on the held-out set: ``metrics`` (name → value), ``per_class``
    (class name → IoU or AP@0.5) and the ``predictions`` the figures draw (label maps, or per
    image ``{"boxes", "scores", "labels"}``)."""

    metrics: dict[str, float]
    per_class: dict[str, float] = field(default_factory=dict)
    predictions: Any = None


def evaluate(model: Any, ds: dict[str, Any], names: list[str] | str | None = None) -> Evaluation:
    """The task's metrics ``names`` (default: all of :data:`TASK_METRICS`) of ``model`` on
    ``ds``'s held-out set.

    Segmentation: ``pixel_accuracy`` = Σ [pred = true] / #pixels, ``mean_iou`` = mean over
    the classes present of ``TP / (TP + FP + FN)`` over all pixels
    (:mod:`deepgrad.metrics.segmentation`). Detection: ``map50`` = mean over classes of the
    average precision at IoU 0.5, VOC's all-point form; ``map50_coco`` COCO's 101-point form
    (:func:`deepgrad.metrics.mean_average_precision`), on boxes from
    :func:`~deepgrad.models.detector.decode`. ``per_class`` holds IoU (segmentation) or
    COCO's AP@0.5 (detection) per class.
    """
    from .. import metrics as M

    task = ds["task"]
    names = (
        list(TASK_METRICS[task]) if names is None else [names] if isinstance(names, str) else names
    )
    classes = ds["class_names"]
    out = model.predict(ds["x_test"], batch_size=100)
    if task == "segmentation":
        pred = out.argmax(axis=1)
        y = ds["y_test"]
        values = {"pixel_accuracy": lambda: M.pixel_accuracy(y, pred),
                  "mean_iou": lambda: M.mean_iou(y, pred, num_classes=len(classes))}  # fmt: skip
        ious = M.iou_per_class(y, pred, num_classes=len(classes))
        per_class = {c: float(v) for c, v in zip(classes, ious) if np.isfinite(v)}
    else:
        from ..models.detector import decode

        pred = decode(out, len(classes) - 1)
        t = ds["targets_test"]
        coco, aps = M.mean_average_precision(pred, t, method="coco", per_class=True)
        values = {"map50": lambda: M.mean_average_precision(pred, t), "map50_coco": lambda: coco}
        per_class = {classes[c]: float(ap) for c, ap in aps.items()}
    return Evaluation({m: float(values[m]()) for m in names}, per_class, pred)


def write_figures(ds: dict[str, Any], ev: Evaluation, out: str | Path) -> list[str]:
    """Draw the held-out set's first images with their true and predicted masks
    (``segmentation.png``, and the pixel ``confusion_matrix.png``) or boxes
    (``detections.png``) into ``out``; returns the files' names."""
    from ..viz import vision as V

    out = Path(out)
    classes = ds["class_names"]
    if ds["task"] == "segmentation":
        from ..metrics import segmentation_confusion
        from ..viz.training import plot_confusion_matrix

        V.plot_segmentation(ds["x_test"], ds["y_test"], ev.predictions,
                            out / "segmentation.png", class_names=classes)  # fmt: skip
        cm = segmentation_confusion(ds["y_test"], ev.predictions, num_classes=len(classes))
        plot_confusion_matrix(cm, out / "confusion_matrix.png", class_names=classes)
        return ["segmentation.png", "confusion_matrix.png"]
    shown = next((f"mAP@0.5 {v:.2f}" for k, v in ev.metrics.items() if k.startswith("map")), "")
    V.plot_detections(ds["x_test"], ev.predictions, out / "detections.png",
                      targets=ds["targets_test"], class_names=classes,
                      title=f"Detections (held-out {shown})" if shown else "Detections")  # fmt: skip
    return ["detections.png"]
