"""DataLoader throughput on 28x28 images, with and without on-the-fly augmentation.

Loading and augmenting must never be the bottleneck of ``fit``: compare the images per
second printed here with the CNN training step's rate (images per step / seconds per step).

Run from the repository root: ``python -m benchmarks.bench_data`` (``--quick`` for a short
run). ``main()`` returns the rates as a dict, for the suite to import.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from deepgrad.data import (
    ArrayDataset,
    Compose,
    DataLoader,
    RandomCrop,
    RandomHorizontalFlip,
    RandomRotation,
    RandomShift,
)


def _augmentations(seed: int) -> dict[str, Callable[[np.ndarray], np.ndarray] | None]:
    return {
        "none": None,
        "flip+shift": Compose([RandomHorizontalFlip(), RandomShift(2)], seed=seed),
        "crop(pad 2)": RandomCrop(padding=2, seed=seed),
        "flip+shift+rotate": Compose(
            [RandomHorizontalFlip(), RandomShift(2), RandomRotation(10)], seed=seed
        ),
    }


def images_per_second(
    loader: DataLoader, n_images: int, min_seconds: float = 0.5, max_epochs: int = 50
) -> float:
    """Iterate ``loader`` for whole epochs until ``min_seconds`` passed; images per second."""
    for _ in loader:  # warm-up epoch
        pass
    seen, start, epochs = 0, time.perf_counter(), 0
    while True:
        for xb, _ in loader:
            seen += len(xb)
        epochs += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds or epochs >= max_epochs:
            break
    assert seen == epochs * n_images
    return seen / elapsed


def run(
    n_images: int = 10_000,
    batch_size: int = 128,
    min_seconds: float = 0.5,
    prefetch: int = 0,
    seed: int = 0,
) -> dict[str, float]:
    """Images per second of a shuffled DataLoader over ``(n_images, 1, 28, 28)`` float32."""
    rng = np.random.default_rng(seed)
    x = rng.random((n_images, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, n_images)
    rates = {}
    for name, augment in _augmentations(seed).items():
        loader = DataLoader(
            ArrayDataset(x, y),
            batch_size=batch_size,
            shuffle=True,
            seed=seed,
            batch_transform=augment,
            prefetch=prefetch,
        )
        rates[name] = images_per_second(loader, n_images, min_seconds)
    return rates


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Measure and print one line of results; return them as a dict."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seconds", type=float, default=0.5, help="minimum time per case")
    parser.add_argument("--prefetch", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="2,000 images, 0.1 s per case")
    args = parser.parse_args(argv)
    if args.quick:
        args.images, args.seconds = 2_000, 0.1
    rates = run(args.images, args.batch_size, args.seconds, args.prefetch)
    shown = ", ".join(f"{name} {rate:,.0f}" for name, rate in rates.items())
    print(
        f"data loader, 28x28 images, batch {args.batch_size}, prefetch {args.prefetch}: "
        f"images/s: {shown}"
    )
    return {
        "workload": "data_loader",
        "batch_size": args.batch_size,
        "prefetch": args.prefetch,
        "images_per_second": rates,
    }


if __name__ == "__main__":
    main()
