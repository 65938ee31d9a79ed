"""Random image augmentation for batches ``(N, C, H, W)``, vectorised over the batch.

Every augmentation draws its random parameters per image from its own seeded
``numpy.random.Generator``: the same seed gives the same sequence of batches, and every
call (every epoch) gives new variations. No Python loop runs over the images: geometric
transforms build one sampling grid per image and gather the pixels of the whole batch at
once by fancy indexing (nearest or bilinear interpolation).

Use them as a DataLoader's ``batch_transform`` (labels are passed through untouched; a batch
``(B, H, W)`` of one-channel images gets the channel axis for them, and loses it after)::

    augment = Compose([RandomShift(2), RandomRotation(10), RandomHorizontalFlip()], seed=0)
    loader = DataLoader((x, y), batch_size=64, shuffle=True, batch_transform=augment)

Geometric conventions: rows are ``y`` (pointing down), columns ``x``; transforms act
around the image centre; pixels that come from outside the image take the ``fill`` value.
The output has the input's shape and dtype (integer images are rounded and clipped).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from deepgrad.data.loader import make_rng

__all__ = [
    "Augmentation",
    "Compose",
    "RandomHorizontalFlip",
    "RandomVerticalFlip",
    "RandomShift",
    "RandomAffine",
    "RandomRotation",
    "RandomZoom",
    "RandomCrop",
    "RandomBrightness",
    "RandomContrast",
    "GaussianNoise",
    "Cutout",
    "translate",
    "affine_transform",
    "rotate",
    "zoom",
]


# ------------------------------------------------------------------------- helpers
def _as_images(x: Any, where: str) -> tuple[np.ndarray, bool]:
    """Return ``(batch (N, C, H, W), was_single_image)``."""
    arr = np.asarray(x)
    if arr.ndim == 3:
        return arr[None], True
    if arr.ndim != 4:
        raise ValueError(
            f"{where}: expected images of shape (N, C, H, W) or (C, H, W); got {arr.shape}"
        )
    if arr.shape[-1] in (1, 3, 4) and arr.shape[1] not in (1, 3, 4) and arr.shape[2] > 4:
        # (N, 28, 28, 1) or (N, 32, 32, 3) read as (N, C, H, W): 28 "channels" of 3-pixel-wide
        # images, flipped and shifted along the wrong axes
        raise ValueError(
            f"{where}: images of shape {arr.shape} look channels-last (N, H, W, C); "
            "augmentations take (N, C, H, W): x.transpose(0, 3, 1, 2)"
        )
    return arr, False


def _cast_like(values: np.ndarray, like: np.ndarray) -> np.ndarray:
    """Cast float results back to the input dtype (round and clip integer images)."""
    if np.issubdtype(like.dtype, np.integer):
        info = np.iinfo(like.dtype)
        return np.clip(np.rint(values), info.min, info.max).astype(like.dtype)
    if like.dtype == bool:
        return values > 0.5
    return values.astype(like.dtype, copy=False)


def _work_dtype(x: np.ndarray) -> np.dtype:
    return x.dtype if x.dtype in (np.float32, np.float64) else np.dtype(np.float32)


def _per_image(value: Any, n: int, dtype: Any, name: str) -> np.ndarray:
    arr = np.asarray(value, dtype=dtype).reshape(-1)
    if arr.size == 1:
        return np.broadcast_to(arr, (n,))
    if arr.size != n:
        raise ValueError(f"{name}: expected a scalar or {n} values (one per image); got {arr.size}")
    return arr


_BORDER = 2  # pixels of fill around a padded batch: room for a bilinear neighbour


def _pad_flat(x: np.ndarray, fill: float) -> np.ndarray:
    """``x`` with a border of ``fill`` on every side, flattened (a copy)."""
    n, c, h, w = x.shape
    b = _BORDER
    padded = np.full((n, c, h + 2 * b, w + 2 * b), fill, dtype=x.dtype)
    padded[:, :, b:-b, b:-b] = x
    return padded.reshape(-1)


def _flat_index(shape: tuple[int, ...], rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Indices into a flattened padded batch of pixel (rows, cols) in every channel.

    ``rows``/``cols`` are integer image coordinates broadcastable to ``(N, Ho, Wo)``. They
    are clipped to ``[-2, h]`` x ``[-2, w]``: any point outside the image lands on the
    fill border, and so does its right/lower neighbour (index + 1, index + row stride).
    """
    n, c, h, w = shape
    b = _BORDER
    hp, wp = h + 2 * b, w + 2 * b
    r = np.clip(rows, -b, h) + b
    q = np.clip(cols, -b, w) + b
    index = r * wp + q + (np.arange(n) * (c * hp * wp)).reshape(n, 1, 1)
    index = index[:, None]
    if c > 1:
        index = index + (np.arange(c) * (hp * wp)).reshape(1, c, 1, 1)
    return index


def _gather(x: np.ndarray, rows: np.ndarray, cols: np.ndarray, fill: float) -> np.ndarray:
    """``out[n, c, i, j] = x[n, c, rows[n, i, j], cols[n, i, j]]``, ``fill`` outside.

    ``rows``/``cols`` are integer arrays broadcastable to ``(N, H_out, W_out)``. The batch
    is padded with a border of ``fill`` and read with one flat ``take``.
    """
    return _pad_flat(x, fill).take(_flat_index(x.shape, rows, cols))


# ---------------------------------------------------------------------- functional
def translate(x: np.ndarray, dy: Any, dx: Any, *, fill: float = 0) -> np.ndarray:
    """Shift images by whole pixels: ``out[..., i, j] = x[..., i - dy, j - dx]``.

    Parameters
    ----------
    x : numpy.ndarray
        ``(N, C, H, W)`` or ``(C, H, W)`` images.
    dy, dx : int or array of N ints
        Shift down and to the right (negative: up, left), per image or for all.
    fill : float
        Value of the pixels shifted in from outside.

    Returns
    -------
    numpy.ndarray
        Shifted images, same shape and dtype.

    Examples
    --------
    >>> img = np.zeros((1, 1, 4, 4)); img[0, 0, 1, 1] = 1
    >>> np.argwhere(translate(img, 2, 1)[0, 0]).tolist()
    [[3, 2]]
    """
    arr, single = _as_images(x, "translate")
    n, _, h, w = arr.shape
    dy = _per_image(dy, n, np.int64, "translate dy")
    dx = _per_image(dx, n, np.int64, "translate dx")
    rows = np.arange(h)[None, :, None] - dy[:, None, None]
    cols = np.arange(w)[None, None, :] - dx[:, None, None]
    out = _gather(arr, rows, cols, fill)
    return out[0] if single else out


def affine_transform(
    x: np.ndarray,
    matrices: np.ndarray,
    *,
    interpolation: str = "bilinear",
    fill: float = 0,
) -> np.ndarray:
    """Resample each image through its own affine map (output pixel -> input position).

    For output pixel ``p = (x, y)`` (column, row) with ``c`` the image centre, the value
    is read at ``A_n (p - c) + t_n + c`` in input image ``n``, where ``matrices[n] =
    [A_n | t_n]`` is ``2 x 3`` in ``(x, y)`` order. The sampling grids of the whole batch
    are built at once and read from the fill-padded batch with flat ``take``s: one for
    nearest interpolation, one per neighbour for bilinear.

    Parameters
    ----------
    x : numpy.ndarray
        ``(N, C, H, W)`` (or ``(C, H, W)``) images.
    matrices : numpy.ndarray
        ``(N, 2, 3)`` (or ``(2, 3)`` for all images) inverse maps.
    interpolation : {"bilinear", "nearest"}
        How values between pixels are read.
    fill : float
        Value of pixels that map outside the input.

    Returns
    -------
    numpy.ndarray
        Same shape and dtype as ``x``.
    """
    arr, single = _as_images(x, "affine_transform")
    if interpolation not in ("bilinear", "nearest"):
        raise ValueError(
            f"affine_transform: interpolation must be 'bilinear' or 'nearest'; got {interpolation!r}"
        )
    n, _, h, w = arr.shape
    m = np.asarray(matrices, dtype=np.float64)
    if m.shape == (2, 3):
        m = np.broadcast_to(m, (n, 2, 3))
    if m.shape != (n, 2, 3):
        raise ValueError(f"affine_transform: expected matrices of shape ({n}, 2, 3); got {m.shape}")
    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
    work_dtype = np.float64 if arr.dtype == np.float64 else np.float32
    yo = (np.arange(h, dtype=work_dtype) - cy)[None, :, None]
    xo = (np.arange(w, dtype=work_dtype) - cx)[None, None, :]
    a = m.astype(work_dtype)[:, :, :, None, None]
    src_x = a[:, 0, 0] * xo + (a[:, 0, 1] * yo + (a[:, 0, 2] + cx))
    src_y = a[:, 1, 0] * xo + (a[:, 1, 1] * yo + (a[:, 1, 2] + cy))
    if interpolation == "nearest":
        rows = np.rint(np.clip(src_y, -2, h)).astype(np.intp)
        cols = np.rint(np.clip(src_x, -2, w)).astype(np.intp)
        out = _gather(arr, rows, cols, fill)
    else:
        work = arr.astype(work_dtype, copy=False)
        x0 = np.floor(np.clip(src_x, -2, w))
        y0 = np.floor(np.clip(src_y, -2, h))
        wx = (src_x - x0)[:, None]
        wy = (src_y - y0)[:, None]
        flat = _pad_flat(work, fill)
        i00 = _flat_index(arr.shape, y0.astype(np.intp), x0.astype(np.intp))
        row = w + 2 * _BORDER
        v00, v01 = flat.take(i00), flat.take(i00 + 1)
        v10, v11 = flat.take(i00 + row), flat.take(i00 + (row + 1))
        top = v00 + (v01 - v00) * wx
        bottom = v10 + (v11 - v10) * wx
        out = _cast_like(top + (bottom - top) * wy, arr)
    return out[0] if single else out


def _affine_matrices(
    angle_deg: np.ndarray, scale: np.ndarray, shift_y: np.ndarray, shift_x: np.ndarray
) -> np.ndarray:
    """Inverse maps of: zoom by ``scale``, rotate counter-clockwise, then shift."""
    theta = np.deg2rad(angle_deg)
    cos, sin = np.cos(theta) / scale, np.sin(theta) / scale
    m = np.empty((len(theta), 2, 3))
    m[:, 0, 0], m[:, 0, 1] = cos, -sin
    m[:, 1, 0], m[:, 1, 1] = sin, cos
    # input = A (p - c - shift) + c
    m[:, 0, 2] = -(cos * shift_x - sin * shift_y)
    m[:, 1, 2] = -(sin * shift_x + cos * shift_y)
    return m


def rotate(
    x: np.ndarray, angle: Any, *, interpolation: str = "bilinear", fill: float = 0
) -> np.ndarray:
    """Rotate images counter-clockwise (as displayed) by ``angle`` degrees about the centre.

    ``angle`` is a scalar or one value per image. Returns the same shape and dtype.

    Examples
    --------
    >>> img = np.zeros((1, 3, 3)); img[0, 1, 2] = 1      # right of the centre
    >>> np.argwhere(rotate(img, 90, interpolation="nearest")[0]).tolist()   # now above it
    [[0, 1]]
    """
    arr, single = _as_images(x, "rotate")
    n = arr.shape[0]
    angles = _per_image(angle, n, np.float64, "rotate angle")
    zeros, ones = np.zeros(n), np.ones(n)
    out = affine_transform(
        arr, _affine_matrices(angles, ones, zeros, zeros), interpolation=interpolation, fill=fill
    )
    return out[0] if single else out


def zoom(
    x: np.ndarray, scale: Any, *, interpolation: str = "bilinear", fill: float = 0
) -> np.ndarray:
    """Magnify images by ``scale`` about the centre (> 1 zooms in, < 1 zooms out).

    ``scale`` is a scalar or one value per image. Returns the same shape and dtype.
    """
    arr, single = _as_images(x, "zoom")
    n = arr.shape[0]
    scales = _per_image(scale, n, np.float64, "zoom scale")
    if np.any(scales <= 0):
        raise ValueError(f"zoom: scale must be > 0; got {scales.min()}")
    zeros = np.zeros(n)
    out = affine_transform(
        arr, _affine_matrices(zeros, scales, zeros, zeros), interpolation=interpolation, fill=fill
    )
    return out[0] if single else out


# --------------------------------------------------------------------- random ones
class Augmentation:
    """Base class: ``aug(images)`` returns a randomly transformed copy of the batch.

    Parameters
    ----------
    seed : int, numpy.random.Generator or None
        Source of the random parameters; ``None`` seeds the augmentation's own generator
        with an int drawn from deepgrad's global generator when it is made (so
        ``dg.manual_seed`` decides it; :mod:`deepgrad.data.seeding`).

    Subclasses implement ``apply(x, rng)`` for a batch ``(N, C, H, W)``; ``__call__``
    also accepts a single image ``(C, H, W)``.
    """

    def __init__(self, seed: int | np.random.Generator | None = None) -> None:
        self.rng = make_rng(seed)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        arr, single = _as_images(x, type(self).__name__)
        out = self.apply(arr, self.rng)
        return out[0] if single else out

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        fields = {k: v for k, v in vars(self).items() if k != "rng"}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in fields.items())})"


class Compose(Augmentation):
    """Apply augmentations one after the other.

    Parameters
    ----------
    transforms : sequence of callables
        Each maps a batch to a batch.
    seed : int, optional
        If given, re-seed every member augmentation from it (independent streams), so
        the whole pipeline is reproducible from one number.

    Examples
    --------
    >>> aug = Compose([RandomHorizontalFlip(), GaussianNoise(0.1)], seed=0)
    >>> x = np.zeros((2, 1, 4, 4), np.float32)
    >>> np.array_equal(aug(x), Compose([RandomHorizontalFlip(), GaussianNoise(0.1)], seed=0)(x))
    True
    """

    def __init__(self, transforms: Sequence[Any], seed: int | None = None) -> None:
        super().__init__(seed)
        self.transforms = list(transforms)
        if seed is not None:
            children = np.random.SeedSequence(seed).spawn(len(self.transforms))
            for t, child in zip(self.transforms, children):
                if isinstance(t, Augmentation):
                    t.rng = np.random.default_rng(child)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        for t in self.transforms:
            x = t(x)
        return x

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return self(x)

    def __repr__(self) -> str:
        return f"Compose({self.transforms!r})"


class RandomHorizontalFlip(Augmentation):
    """Mirror each image left-right with probability ``p``."""

    def __init__(self, p: float = 0.5, *, seed: int | np.random.Generator | None = None):
        super().__init__(seed)
        self.p = p

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        flip = rng.random(len(x)) < self.p
        return np.where(flip[:, None, None, None], x[..., ::-1], x)


class RandomVerticalFlip(Augmentation):
    """Mirror each image upside-down with probability ``p``."""

    def __init__(self, p: float = 0.5, *, seed: int | np.random.Generator | None = None):
        super().__init__(seed)
        self.p = p

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        flip = rng.random(len(x)) < self.p
        return np.where(flip[:, None, None, None], x[..., ::-1, :], x)


def _pair(value: Any, name: str) -> tuple[Any, Any]:
    if isinstance(value, tuple | list):
        if len(value) != 2:
            raise ValueError(f"{name}: expected one value or a pair; got {value!r}")
        return value[0], value[1]
    return value, value


class RandomShift(Augmentation):
    """Shift each image by a random whole number of pixels in each direction.

    Parameters
    ----------
    max_shift : int or (int, int)
        Largest shift ``k`` (or ``(k_rows, k_cols)``); shifts are uniform in ``-k..k``.
    fill : float
        Value of the pixels shifted in.
    """

    def __init__(
        self,
        max_shift: int | tuple[int, int] = 2,
        *,
        fill: float = 0,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(seed)
        self.max_shift = _pair(max_shift, "RandomShift max_shift")
        self.fill = fill

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        ky, kx = self.max_shift
        dy = rng.integers(-ky, ky + 1, len(x))
        dx = rng.integers(-kx, kx + 1, len(x))
        return translate(x, dy, dx, fill=self.fill)


class RandomAffine(Augmentation):
    """Random rotation, zoom and translation in one resampling of each image.

    Parameters
    ----------
    degrees : float or (float, float)
        Rotation range: ``d`` means ``(-d, d)``.
    translate : (float, float)
        Largest shift as a fraction of the height and width.
    scale : (float, float)
        Zoom range (> 1 zooms in).
    interpolation : {"bilinear", "nearest"}
    fill : float
        Value of pixels that come from outside the image.
    """

    def __init__(
        self,
        degrees: float | tuple[float, float] = 0.0,
        *,
        translate: tuple[float, float] = (0.0, 0.0),
        scale: tuple[float, float] = (1.0, 1.0),
        interpolation: str = "bilinear",
        fill: float = 0,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(seed)
        lo, hi = _pair(degrees, "degrees")
        self.degrees = (-abs(lo), abs(lo)) if not isinstance(degrees, tuple | list) else (lo, hi)
        self.translate = tuple(translate)
        self.scale = tuple(scale)
        if self.scale[0] <= 0 or self.scale[0] > self.scale[1]:
            raise ValueError(f"{type(self).__name__}: scale must be (lo, hi) with 0 < lo <= hi")
        self.interpolation = interpolation
        self.fill = fill

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n, _, h, w = x.shape
        angle = rng.uniform(self.degrees[0], self.degrees[1], n)
        scale = rng.uniform(self.scale[0], self.scale[1], n)
        ty = rng.uniform(-1, 1, n) * self.translate[0] * h
        tx = rng.uniform(-1, 1, n) * self.translate[1] * w
        m = _affine_matrices(angle, scale, ty, tx)
        return affine_transform(x, m, interpolation=self.interpolation, fill=self.fill)


class RandomRotation(RandomAffine):
    """Rotate each image by a random angle in ``(-degrees, degrees)`` (or a given range)."""

    def __init__(
        self,
        degrees: float | tuple[float, float] = 15.0,
        *,
        interpolation: str = "bilinear",
        fill: float = 0,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(degrees, interpolation=interpolation, fill=fill, seed=seed)


class RandomZoom(RandomAffine):
    """Zoom each image by a random factor in ``scale`` (> 1 in, < 1 out)."""

    def __init__(
        self,
        scale: tuple[float, float] = (0.9, 1.1),
        *,
        interpolation: str = "bilinear",
        fill: float = 0,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(0.0, scale=scale, interpolation=interpolation, fill=fill, seed=seed)


class RandomCrop(Augmentation):
    """Pad each image by ``padding`` pixels, then cut a random ``size`` window out of it.

    Parameters
    ----------
    size : int or (int, int)
        Output height and width (default: the input's, i.e. a random shift).
    padding : int
        Pixels of ``fill`` added on every side first.
    """

    def __init__(
        self,
        size: int | tuple[int, int] | None = None,
        *,
        padding: int = 0,
        fill: float = 0,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(seed)
        self.size = None if size is None else _pair(size, "RandomCrop size")
        self.padding = int(padding)
        self.fill = fill

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n, _, h, w = x.shape
        out_h, out_w = self.size if self.size is not None else (h, w)
        p = self.padding
        if out_h > h + 2 * p or out_w > w + 2 * p:
            raise ValueError(
                f"RandomCrop: crop {out_h}x{out_w} is larger than the padded image "
                f"{h + 2 * p}x{w + 2 * p}"
            )
        # Crop window offsets in padded coordinates, read from the unpadded image.
        oy = rng.integers(0, h + 2 * p - out_h + 1, n) - p
        ox = rng.integers(0, w + 2 * p - out_w + 1, n) - p
        rows = oy[:, None, None] + np.arange(out_h)[None, :, None]
        cols = ox[:, None, None] + np.arange(out_w)[None, None, :]
        return _gather(x, rows, cols, self.fill)


class RandomBrightness(Augmentation):
    """Add a random offset ``delta ~ U(-max_delta, max_delta)`` to each image.

    Parameters
    ----------
    max_delta : float
        Largest offset, in pixel units (e.g. 0.2 for images in [0, 1]).
    clip : (float, float), optional
        Clip the result to this range (integer images are always clipped to their dtype).
    """

    def __init__(
        self,
        max_delta: float = 0.2,
        *,
        clip: tuple[float, float] | None = None,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(seed)
        self.max_delta = max_delta
        self.clip = clip

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        work = x.astype(_work_dtype(x), copy=False)
        delta = rng.uniform(-self.max_delta, self.max_delta, len(x)).astype(work.dtype)
        out = work + delta[:, None, None, None]
        if self.clip is not None:
            out = np.clip(out, *self.clip)
        return _cast_like(out, x)


class RandomContrast(Augmentation):
    """Scale each image's deviation from its mean: ``(x - mean) * f + mean``.

    The mean is per image and channel; ``f ~ U(lower, upper)``.

    Parameters
    ----------
    factor : (float, float)
        Range of the contrast factor (1 keeps the image).
    clip : (float, float), optional
        Clip the result to this range.
    """

    def __init__(
        self,
        factor: tuple[float, float] = (0.8, 1.2),
        *,
        clip: tuple[float, float] | None = None,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(seed)
        self.factor = tuple(factor)
        self.clip = clip

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        work = x.astype(_work_dtype(x), copy=False)
        f = rng.uniform(self.factor[0], self.factor[1], len(x)).astype(work.dtype)
        mean = work.mean(axis=(2, 3), keepdims=True)
        out = (work - mean) * f[:, None, None, None] + mean
        if self.clip is not None:
            out = np.clip(out, *self.clip)
        return _cast_like(out, x)


class GaussianNoise(Augmentation):
    """Add independent Gaussian noise of standard deviation ``std`` to every pixel."""

    def __init__(
        self,
        std: float = 0.05,
        *,
        clip: tuple[float, float] | None = None,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(seed)
        self.std = std
        self.clip = clip

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        work = x.astype(_work_dtype(x), copy=False)
        noise = rng.standard_normal(x.shape, dtype=work.dtype) * work.dtype.type(self.std)
        out = work + noise
        if self.clip is not None:
            out = np.clip(out, *self.clip)
        return _cast_like(out, x)


class Cutout(Augmentation):
    """Blank out a random ``size x size`` square of each image (DeVries and Taylor, 2017).

    The square's centre is uniform over the image, so it may be partly outside.

    Parameters
    ----------
    size : int
        Side of the square in pixels.
    p : float
        Probability of cutting each image.
    fill : float
        Value written into the square.
    """

    def __init__(
        self,
        size: int = 8,
        *,
        p: float = 1.0,
        fill: float = 0,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(seed)
        self.size = int(size)
        self.p = p
        self.fill = fill

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n, _, h, w = x.shape
        cy = rng.integers(0, h, n)
        cx = rng.integers(0, w, n)
        apply = rng.random(n) < self.p
        top, left = cy - self.size // 2, cx - self.size // 2
        rows = np.arange(h)[None, :, None]
        cols = np.arange(w)[None, None, :]
        inside = (
            (rows >= top[:, None, None])
            & (rows < top[:, None, None] + self.size)
            & (cols >= left[:, None, None])
            & (cols < left[:, None, None] + self.size)
            & apply[:, None, None]
        )
        return np.where(inside[:, None], np.asarray(self.fill, dtype=x.dtype), x)
