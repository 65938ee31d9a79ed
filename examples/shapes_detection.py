"""Object detection of generated shapes with a tiny CenterNet-style detector.

Run: ``python examples/shapes_detection.py [--epochs 15] [--out runs/detection]``.
Generates 48×48 images with one to three shapes each (``deepgrad.data.datasets.
make_shapes_detection``), trains ``deepgrad.models.CenterNet`` with ``CenterNetLoss`` on the
encoded targets, decodes boxes (heatmap peaks, top-k, per-class NMS) and reports mAP@0.5
(PASCAL VOC's all-point AP, and COCO's 101-point AP) on a held-out generated set (another
seed); writes ``results.json`` and ``detections.png`` into ``--out``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import deepgrad as dg
from deepgrad import metrics, models, optim
from deepgrad.data.datasets import SHAPE_CLASSES, make_shapes_detection
from deepgrad.models.detector import decode, encode_targets
from deepgrad.viz.vision import plot_detections


def main(
    n_train: int = 2000,
    n_test: int = 300,
    size: int = 48,
    epochs: int = 15,
    batch_size: int = 16,
    width: int = 16,
    lr: float = 3e-3,
    seed: int = 0,
    out: str | Path | None = "runs/detection",
    verbose: int = 1,
) -> dict:
    dg.manual_seed(seed)
    n_cls = len(SHAPE_CLASSES) - 1
    x, targets = make_shapes_detection(n_train, size=size, seed=seed)
    x_test, targets_test = make_shapes_detection(n_test, size=size, seed=seed + 1000)
    y = encode_targets(targets, n_cls, size)
    model = models.CenterNet(1, n_cls, width=width)
    opt = optim.Adam(lr=lr)
    model.compile(optimizer=opt, loss=models.CenterNetLoss(n_cls), metrics=[])
    steps = epochs * -(-n_train // batch_size)
    cbs = [dg.callbacks.LearningRateScheduler(optim.OneCycleLR(opt, max_lr=lr, total_steps=steps),
                                              interval="step")]  # fmt: skip
    t0 = time.perf_counter()

    def evaluate() -> tuple[list, float]:
        pred = decode(model.predict(x_test, batch_size=100), n_cls)
        return pred, metrics.mean_average_precision(pred, targets_test)

    def report(epoch: int, logs: dict) -> None:
        print(f"epoch {epoch + 1}/{epochs}: loss {logs['loss']:.4f}, held-out mAP@0.5 "
              f"{evaluate()[1]:.4f} ({time.perf_counter() - t0:.0f} s)", flush=True)  # fmt: skip

    if verbose:
        cbs.append(dg.callbacks.LambdaCallback(on_epoch_end=report))
    model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0, seed=seed, callbacks=cbs)
    pred, voc = evaluate()
    coco, per_class = metrics.mean_average_precision(pred, targets_test, method="coco",
                                                     per_class=True)  # fmt: skip
    results = {
        "map50_voc": voc,
        "map50_coco": coco,
        "ap50_coco_per_class": {SHAPE_CLASSES[c]: ap for c, ap in per_class.items()},
        "n_train": n_train, "n_test": n_test, "size": size, "epochs": epochs,
        "parameters": sum(p.numpy().size for p in model.parameters()),
        "seconds": round(time.perf_counter() - t0, 1),
    }  # fmt: skip
    if out is not None:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "results.json").write_text(json.dumps(results, indent=2))
        plot_detections(x_test, pred, out / "detections.png", targets=targets_test,
                        class_names=SHAPE_CLASSES, title=f"Detections (held-out mAP@0.5 {voc:.2f})")  # fmt: skip
    return results


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--n-train", type=int, default=2000)
    ap.add_argument("--out", default="runs/detection")
    args = ap.parse_args()
    res = main(n_train=args.n_train, epochs=args.epochs, out=args.out)
    print(json.dumps(res, indent=2))
