"""Generated images of shapes on noise, for the two dense vision tasks: semantic segmentation
(a class per pixel) and object detection (a box and a class per shape).

Classes: 0 background, 1 circle, 2 square, 3 triangle (:data:`SHAPE_CLASSES`). Each image is
Gaussian noise around a random grey background; each shape is filled with its own grey
level, contrasting with the background, so the classes differ by outline, not by colour.
Images are ``(N, 1, S, S)`` float32 in ``[0, 1]``; every generator is seeded.

>>> x, masks = make_shapes_segmentation(4, size=32, seed=0)
>>> x.shape, x.dtype, masks.shape, masks.dtype, int(masks.max()) <= 3
((4, 1, 32, 32), dtype('float32'), (4, 32, 32), dtype('int64'), True)
>>> x, targets = make_shapes_detection(2, size=48, max_objects=3, seed=0)
>>> sorted(targets[0]), targets[0]["boxes"].shape[1]
(['boxes', 'labels'], 4)
"""

from __future__ import annotations

import numpy as np

__all__ = ["SHAPE_CLASSES", "make_shapes_detection", "make_shapes_segmentation"]

#: the class of each index (0 is the background)
SHAPE_CLASSES: tuple[str, ...] = ("background", "circle", "square", "triangle")


def _check(n: int, size: int, where: str) -> None:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"{where}: n_samples must be an int >= 1; got {n!r}")
    if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 16:
        raise ValueError(f"{where}: size must be an int >= 16 (pixels); got {size!r}")


def _shape_mask(kind: int, cy: float, cx: float, r: float, angle: float, size: int) -> np.ndarray:
    """Boolean ``(size, size)`` mask of one shape: a disc of radius ``r`` (circle), a square of
    half-side ``r`` rotated by ``angle`` (square), or an equilateral triangle with
    circumradius ``r`` rotated by ``angle`` (triangle), centred at ``(cy, cx)``."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) + 0.5
    dy, dx = yy - cy, xx - cx
    if kind == 1:
        return dy**2 + dx**2 <= r**2
    c, s = np.cos(angle), np.sin(angle)
    u, v = c * dx + s * dy, -s * dx + c * dy  # coordinates in the shape's frame
    if kind == 2:
        return (np.abs(u) <= r) & (np.abs(v) <= r)
    inside = np.ones_like(u, dtype=bool)
    for k in range(3):  # three half-planes, normals at angle + 90° + 120°·k
        t = np.pi / 2 + 2 * np.pi * k / 3
        inside &= np.cos(t) * u + np.sin(t) * v <= r / 2
    return inside


def _place_shapes(
    rng: np.random.Generator, size: int, most: int, radius: tuple[float, float]
) -> list[tuple[int, np.ndarray]]:
    """1 to ``most`` random shapes ``[(class, mask)]`` that neither overlap nor touch (a shape
    that finds no free place in 20 tries is left out); radii are ``radius`` × ``size``."""
    taken = np.zeros((size, size), dtype=bool)
    out = []
    for _ in range(int(rng.integers(1, most + 1))):
        for _attempt in range(20):
            kind = int(rng.integers(1, 4))
            r = rng.uniform(*radius) * size
            cy, cx = rng.uniform(r + 1, size - r - 1, size=2)
            m = _shape_mask(kind, cy, cx, r, rng.uniform(0, np.pi), size)
            grown = m.copy()
            grown[1:] |= m[:-1]
            grown[:-1] |= m[1:]
            grown[:, 1:] |= m[:, :-1]
            grown[:, :-1] |= m[:, 1:]
            if m.sum() >= 9 and not (grown & taken).any():
                taken |= m
                out.append((kind, m))
                break
    return out


def _image(rng: np.random.Generator, size: int, noise: float) -> tuple[np.ndarray, float]:
    bg = rng.uniform(0.1, 0.4)
    return bg + noise * rng.standard_normal((size, size)), bg


def _fill(rng: np.random.Generator, bg: float) -> float:
    return float(np.clip(bg + rng.uniform(0.35, 0.6), 0.0, 1.0))


def make_shapes_segmentation(
    n_samples: int = 512,
    *,
    size: int = 32,
    max_shapes: int = 2,
    noise: float = 0.08,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Images with 1 to ``max_shapes`` shapes each and their per-pixel class masks.

    Returns ``(x, masks)``: ``x`` float32 ``(N, 1, size, size)`` in [0, 1]; ``masks`` int64
    ``(N, size, size)`` with 0 background, 1 circle, 2 square, 3 triangle (shapes do not
    overlap).
    """
    _check(n_samples, size, "make_shapes_segmentation")
    rng = np.random.default_rng(seed)
    x = np.empty((n_samples, 1, size, size), dtype=np.float32)
    masks = np.zeros((n_samples, size, size), dtype=np.int64)
    for i in range(n_samples):
        img, bg = _image(rng, size, noise)
        for kind, m in _place_shapes(rng, size, max_shapes, (0.15, 0.25)):
            img[m] = _fill(rng, bg) + noise * rng.standard_normal(int(m.sum()))
            masks[i][m] = kind
        x[i, 0] = np.clip(img, 0.0, 1.0)
    return x, masks


def make_shapes_detection(
    n_samples: int = 512,
    *,
    size: int = 48,
    max_objects: int = 3,
    noise: float = 0.08,
    seed: int = 0,
) -> tuple[np.ndarray, list[dict[str, np.ndarray]]]:
    """Images with 1 to ``max_objects`` shapes that do not overlap, and their boxes.

    Returns ``(x, targets)``: ``x`` float32 ``(N, 1, size, size)``; ``targets[i]`` is
    ``{"boxes": float32 (K, 4) as (x1, y1, x2, y2) in pixels, "labels": int64 (K,)}`` with
    labels 1 circle, 2 square, 3 triangle (``SHAPE_CLASSES``); a box is the tight box of the
    shape's pixels.
    """
    _check(n_samples, size, "make_shapes_detection")
    rng = np.random.default_rng(seed)
    x = np.empty((n_samples, 1, size, size), dtype=np.float32)
    targets: list[dict[str, np.ndarray]] = []
    for i in range(n_samples):
        img, bg = _image(rng, size, noise)
        boxes, labels = [], []
        for kind, m in _place_shapes(rng, size, max_objects, (0.10, 0.18)):
            img[m] = _fill(rng, bg) + noise * rng.standard_normal(int(m.sum()))
            ys, xs = np.nonzero(m)
            boxes.append([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])
            labels.append(kind)
        x[i, 0] = np.clip(img, 0.0, 1.0)
        targets.append(
            {
                "boxes": np.asarray(boxes, dtype=np.float32).reshape(-1, 4),
                "labels": np.asarray(labels, dtype=np.int64),
            }
        )
    return x, targets
