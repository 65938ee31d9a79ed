"""Semantic segmentation of generated shapes with a small U-Net.

Run: ``python examples/shapes_segmentation.py [--epochs 12] [--out runs/segmentation]``.
Generates circles, squares and triangles on noise (``deepgrad.data.datasets.
make_shapes_segmentation``, 32×32), trains ``deepgrad.models.UNet`` with per-pixel cross
entropy, and reports pixel accuracy and mean IoU (background included, PASCAL VOC's
definition) on a held-out generated set (another seed); writes ``results.json`` and
``segmentation.png`` (inputs, true masks, predicted masks) into ``--out``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import deepgrad as dg
from deepgrad import metrics, models, optim
from deepgrad.data.datasets import SHAPE_CLASSES, make_shapes_segmentation
from deepgrad.viz.vision import plot_segmentation


def main(
    n_train: int = 2000,
    n_test: int = 300,
    size: int = 32,
    epochs: int = 12,
    batch_size: int = 16,
    base: int = 8,
    depth: int = 3,
    lr: float = 3e-3,
    seed: int = 0,
    out: str | Path | None = "runs/segmentation",
    verbose: int = 1,
) -> dict:
    dg.manual_seed(seed)
    x, masks = make_shapes_segmentation(n_train, size=size, seed=seed)
    x_test, masks_test = make_shapes_segmentation(n_test, size=size, seed=seed + 1000)
    model = models.UNet(1, len(SHAPE_CLASSES), base=base, depth=depth)
    opt = optim.Adam(lr=lr)
    model.compile(optimizer=opt, loss="cross_entropy", metrics=[])
    steps = epochs * -(-n_train // batch_size)
    cbs = [dg.callbacks.LearningRateScheduler(optim.OneCycleLR(opt, max_lr=lr, total_steps=steps),
                                              interval="step")]  # fmt: skip
    t0 = time.perf_counter()

    def report(epoch: int, logs: dict) -> None:
        pred = model.predict(x_test, batch_size=100)
        print(f"epoch {epoch + 1}/{epochs}: loss {logs['loss']:.4f}, held-out mIoU "
              f"{metrics.mean_iou(masks_test, pred):.4f} ({time.perf_counter() - t0:.0f} s)",
              flush=True)  # fmt: skip

    if verbose:
        cbs.append(dg.callbacks.LambdaCallback(on_epoch_end=report))
    model.fit(x, masks, epochs=epochs, batch_size=batch_size, verbose=0, seed=seed, callbacks=cbs)
    pred = model.predict(x_test, batch_size=100)
    results = {
        "pixel_accuracy": metrics.pixel_accuracy(masks_test, pred),
        "mean_iou": metrics.mean_iou(masks_test, pred),
        "iou_per_class": dict(zip(SHAPE_CLASSES, metrics.iou_per_class(masks_test, pred).tolist())),
        "n_train": n_train, "n_test": n_test, "size": size, "epochs": epochs,
        "parameters": sum(p.numpy().size for p in model.parameters()),
        "seconds": round(time.perf_counter() - t0, 1),
    }  # fmt: skip
    if out is not None:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "results.json").write_text(json.dumps(results, indent=2))
        plot_segmentation(x_test, masks_test, pred, out / "segmentation.png",
                          class_names=SHAPE_CLASSES)  # fmt: skip
    return results


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--n-train", type=int, default=2000)
    ap.add_argument("--out", default="runs/segmentation")
    args = ap.parse_args()
    res = main(n_train=args.n_train, epochs=args.epochs, out=args.out)
    print(json.dumps(res, indent=2))
