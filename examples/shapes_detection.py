"""Object detection of generated shapes with a tiny CenterNet-style detector — the recipe
``examples/shapes_detection.toml`` run from Python.

Run: ``python examples/shapes_detection.py [--epochs 15] [--out runs/shapes-detection]``, the
same as ``deepgrad train examples/shapes_detection.toml``: generates 48×48 images with one to
three shapes each, trains ``deepgrad.models.CenterNet`` with ``CenterNetLoss`` on the encoded
targets, decodes boxes (heatmap peaks, top-k, per-class NMS) and reports mAP@0.5 (VOC's
all-point AP and COCO's 101-point AP) on a held-out generated set (another seed); writes the
model, ``metrics.json`` and ``detections.png`` into ``--out``. ``main(data={...},
model={...})`` changes the recipe's ``[data]`` / ``[model] args``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from deepgrad.app import recipe as R

RECIPE = Path(__file__).with_suffix(".toml")


def main(
    epochs: int | None = None,
    out: str | Path = "runs/shapes-detection",
    verbose: Any = None,
    data: dict[str, Any] | None = None,
    model: dict[str, Any] | None = None,
) -> dict[str, Any]:
    recipe = R.load_recipe(RECIPE)
    recipe["data"].update(data or {})
    recipe["model"]["args"].update(model or {})
    return R.run(recipe, out, epochs=epochs, verbose=verbose)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=None, help="default: the recipe's (15)")
    ap.add_argument("--out", default="runs/shapes-detection")
    args = ap.parse_args()
    main(epochs=args.epochs, out=args.out)
