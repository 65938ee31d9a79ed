"""Semantic segmentation of generated shapes with a small U-Net — the recipe
``examples/shapes_segmentation.toml`` run from Python.

Run: ``python examples/shapes_segmentation.py [--epochs 12] [--out runs/shapes-segmentation]``,
the same as ``deepgrad train examples/shapes_segmentation.toml``: generates circles, squares
and triangles on noise (32×32), trains ``deepgrad.models.UNet`` with per-pixel cross entropy,
and reports pixel accuracy and mean IoU on a held-out generated set (another seed); writes the
model, ``metrics.json`` and ``segmentation.png`` (inputs, true masks, predicted masks) into
``--out``. ``main(data={...}, model={...})`` changes the recipe's ``[data]`` / ``[model] args``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from deepgrad.app import recipe as R

RECIPE = Path(__file__).with_suffix(".toml")


def main(
    epochs: int | None = None,
    out: str | Path = "runs/shapes-segmentation",
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
    ap.add_argument("--epochs", type=int, default=None, help="default: the recipe's (12)")
    ap.add_argument("--out", default="runs/shapes-segmentation")
    args = ap.parse_args()
    main(epochs=args.epochs, out=args.out)
