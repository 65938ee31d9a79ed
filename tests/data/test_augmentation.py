"""Augmentations: shapes/dtypes kept, seeded, labels untouched, do what their names say."""

import numpy as np
import pytest

from deepgrad.data import (
    Compose,
    Cutout,
    DataLoader,
    GaussianNoise,
    RandomAffine,
    RandomBrightness,
    RandomContrast,
    RandomCrop,
    RandomHorizontalFlip,
    RandomRotation,
    RandomShift,
    RandomVerticalFlip,
    RandomZoom,
    affine_transform,
    rotate,
    translate,
    zoom,
)


def images(n=16, c=1, h=28, w=28, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, c, h, w))
    if np.issubdtype(dtype, np.integer):
        return (x * 255).astype(dtype)
    return x.astype(dtype)


ALL = [
    lambda s: RandomHorizontalFlip(seed=s),
    lambda s: RandomVerticalFlip(seed=s),
    lambda s: RandomShift(3, seed=s),
    lambda s: RandomRotation(20, seed=s),
    lambda s: RandomRotation(20, interpolation="nearest", seed=s),
    lambda s: RandomZoom((0.8, 1.2), seed=s),
    lambda s: RandomAffine(10, translate=(0.1, 0.1), scale=(0.9, 1.1), seed=s),
    lambda s: RandomCrop(24, padding=2, seed=s),
    lambda s: RandomCrop(padding=4, seed=s),
    lambda s: RandomBrightness(0.2, seed=s),
    lambda s: RandomContrast((0.5, 1.5), seed=s),
    lambda s: GaussianNoise(0.1, seed=s),
    lambda s: Cutout(8, seed=s),
    lambda s: Compose([RandomShift(2), RandomRotation(10), GaussianNoise(0.05)], seed=s),
]


@pytest.mark.parametrize("make", ALL)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8])
def test_shape_dtype_and_seed_reproducibility(make, dtype):
    x = images(dtype=dtype, c=3)
    before = x.copy()
    a, b = make(5), make(5)
    out_a, out_b = a(x), b(x)
    assert out_a.dtype == x.dtype
    expected_hw = (24, 24) if isinstance(a, RandomCrop) and a.size else (28, 28)
    assert out_a.shape == (16, 3, *expected_hw)
    np.testing.assert_array_equal(out_a, out_b)  # same seed -> same batch
    np.testing.assert_array_equal(x, before)  # input not modified in place
    # a second call draws new parameters (sub-pixel offsets vanish in uint8 images)
    if not (dtype == np.uint8 and isinstance(a, RandomBrightness | GaussianNoise)):
        assert not np.array_equal(a(x), out_a)
    # a single image (C, H, W) works too
    assert make(0)(x[0]).shape == (3, *expected_hw)


def test_different_seeds_differ():
    x = images()
    assert not np.array_equal(RandomRotation(20, seed=0)(x), RandomRotation(20, seed=1)(x))


def test_flips_equal_reversed_arrays():
    x = images(8)
    flipped = RandomHorizontalFlip(p=1.0, seed=0)(x)
    np.testing.assert_array_equal(flipped, x[..., ::-1])
    np.testing.assert_array_equal(RandomVerticalFlip(p=1.0, seed=0)(x), x[:, :, ::-1, :])
    np.testing.assert_array_equal(RandomHorizontalFlip(p=0.0, seed=0)(x), x)
    half = RandomHorizontalFlip(p=0.5, seed=3)(x)
    for orig, out in zip(x, half):  # each image is either kept or exactly mirrored
        assert np.array_equal(out, orig) or np.array_equal(out, orig[..., ::-1])


def test_translate_moves_pixels_by_k():
    x = images(2, h=10, w=12)
    k = 3
    down = translate(x, k, 0)
    np.testing.assert_array_equal(down[:, :, k:, :], x[:, :, :-k, :])
    np.testing.assert_array_equal(down[:, :, :k, :], 0)
    left = translate(x, 0, -k, fill=-1)
    np.testing.assert_array_equal(left[:, :, :, :-k], x[:, :, :, k:])
    np.testing.assert_array_equal(left[:, :, :, -k:], -1)
    per_image = translate(x, np.array([1, 2]), np.array([0, 1]))
    np.testing.assert_array_equal(per_image[0], translate(x[0], 1, 0))
    np.testing.assert_array_equal(per_image[1], translate(x[1], 2, 1))


def test_random_shift_is_a_whole_pixel_shift_within_range():
    x = np.zeros((64, 1, 9, 9), np.float32)
    x[:, 0, 4, 4] = 1.0
    out = RandomShift(2, seed=0)(x)
    positions = np.argwhere(out[:, 0] == 1.0)
    assert len(positions) == 64  # every dot survives, moved as a whole pixel
    dy, dx = positions[:, 1] - 4, positions[:, 2] - 4
    assert set(dy.tolist()) == set(range(-2, 3)) and set(dx.tolist()) == set(range(-2, 3))


def test_rotation_geometry():
    x = np.zeros((1, 1, 5, 5))
    x[0, 0, 2, 4] = 1  # right of the centre
    np.testing.assert_array_equal(
        np.argwhere(rotate(x, 90, interpolation="nearest")[0, 0]), [[0, 2]]
    )
    np.testing.assert_array_equal(
        np.argwhere(rotate(x, -90, interpolation="nearest")[0, 0]), [[4, 2]]
    )
    img = images(3, h=9, w=9).astype(np.float64)
    np.testing.assert_allclose(rotate(img, 0), img)
    np.testing.assert_allclose(rotate(img, 180), img[..., ::-1, ::-1], atol=1e-12)
    np.testing.assert_allclose(
        rotate(img, 90, interpolation="nearest"), np.rot90(img, 1, axes=(2, 3))
    )
    # per-image angles are applied to their own images in one call
    both = rotate(img[:2], np.array([90.0, 180.0]))
    np.testing.assert_allclose(both[1], img[1, :, ::-1, ::-1], atol=1e-12)


def test_zoom_and_affine():
    img = images(2, h=8, w=8).astype(np.float64)
    np.testing.assert_allclose(zoom(img, 1.0), img)
    x = np.zeros((1, 1, 9, 9))
    x[0, 0, 4, 6] = 1  # two pixels right of the centre
    assert np.argwhere(zoom(x, 0.5, interpolation="nearest")[0, 0]).tolist() == [[4, 5]]
    # the identity map and a pure translation through affine_transform
    eye = np.array([[1.0, 0, 0], [0, 1.0, 0]])
    np.testing.assert_allclose(affine_transform(img, eye), img)
    shift = np.array([[1.0, 0, -2.0], [0, 1.0, 0]])  # read 2 columns to the left
    np.testing.assert_allclose(affine_transform(img, shift), translate(img, 0, 2))
    with pytest.raises(ValueError, match=r"matrices of shape \(2, 2, 3\)"):
        affine_transform(img, np.zeros((3, 2, 3)))


def test_random_crop_windows_come_from_the_padded_image():
    x = np.arange(36, dtype=np.float32).reshape(1, 1, 6, 6).repeat(20, axis=0)
    out = RandomCrop(4, seed=0)(x)
    for window in out[:, 0]:
        r, c = divmod(int(window[0, 0]), 6)
        np.testing.assert_array_equal(window, x[0, 0, r : r + 4, c : c + 4])
    padded = RandomCrop(padding=2, seed=1)(x)
    assert padded.shape == x.shape and (padded == 0).any()
    with pytest.raises(ValueError, match="larger than the padded image"):
        RandomCrop(10)(x)


def test_photometric_changes():
    x = np.full((8, 1, 4, 4), 0.5, np.float32)
    bright = RandomBrightness(0.3, seed=0)(x)
    deltas = bright[:, 0, 0, 0] - 0.5
    assert np.all(np.abs(deltas) <= 0.3) and len(np.unique(deltas)) == 8
    np.testing.assert_allclose(bright, bright[:, :, :1, :1] * np.ones_like(x))
    assert RandomBrightness(1.0, clip=(0, 1), seed=0)(x).max() <= 1.0
    y = images(8)
    contrast = RandomContrast((2.0, 2.0), seed=0)(y)
    np.testing.assert_allclose(contrast.mean(axis=(2, 3)), y.mean(axis=(2, 3)), atol=1e-5)
    np.testing.assert_allclose(contrast.std(axis=(2, 3)), 2 * y.std(axis=(2, 3)), rtol=1e-4)
    noisy = GaussianNoise(0.1, seed=0)(np.zeros((64, 1, 28, 28), np.float32))
    assert abs(noisy.std() - 0.1) < 0.005
    u8 = (np.ones((2, 1, 3, 3)) * 250).astype(np.uint8)
    assert RandomBrightness(50, seed=0)(u8).max() <= 255


def test_cutout_blanks_a_square():
    x = np.ones((32, 1, 20, 20), np.float32)
    out = Cutout(6, seed=0)(x)
    zeros = (out == 0).sum(axis=(1, 2, 3))
    assert zeros.max() == 36 and zeros.min() > 0
    for img in out[zeros == 36]:
        rows, cols = np.nonzero(img[0] == 0)
        assert rows.max() - rows.min() == 5 and cols.max() - cols.min() == 5


def test_augmenting_in_a_loader_leaves_labels_untouched():
    x = images(50)
    y = np.arange(50)
    augment = Compose([RandomShift(2), RandomRotation(10), RandomHorizontalFlip()], seed=0)
    loader = DataLoader((x, y), batch_size=16, shuffle=True, seed=0, batch_transform=augment)
    for xb, yb in loader:
        assert xb.shape[1:] == (1, 28, 28) and xb.dtype == np.float32
        assert yb.dtype == y.dtype
    labels = np.concatenate([yb for _, yb in loader])
    assert sorted(labels.tolist()) == list(range(50))
    # two pipelines with the same seed produce the same augmented epoch
    again = DataLoader(
        (x, y),
        batch_size=16,
        shuffle=True,
        seed=0,
        batch_transform=Compose(
            [RandomShift(2), RandomRotation(10), RandomHorizontalFlip()], seed=0
        ),
    )
    ref = DataLoader(
        (x, y),
        batch_size=16,
        shuffle=True,
        seed=0,
        batch_transform=Compose(
            [RandomShift(2), RandomRotation(10), RandomHorizontalFlip()], seed=0
        ),
    )
    for (a, la), (b, lb) in zip(again, ref):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(la, lb)


def test_bad_image_shapes():
    with pytest.raises(ValueError, match=r"\(N, C, H, W\) or \(C, H, W\); got \(28, 28\)"):
        RandomShift(1)(np.zeros((28, 28)))
    with pytest.raises(ValueError, match="one per image"):
        translate(np.zeros((3, 1, 4, 4)), np.array([1, 2]), 0)


def test_a_batch_of_one_channel_images_without_their_axis_gets_one_draw_per_image():
    """A DataLoader batch (B, H, W) reached the augmentation as one image of B channels: every
    image of the batch was shifted alike (one draw per batch)."""
    from deepgrad.data import ArrayDataset, DataLoader, RandomShift

    x = np.zeros((64, 9, 9), np.float32)
    x[:, 4, 4] = 1.0  # a dot in the middle of every image
    loader = DataLoader(
        ArrayDataset(x, np.arange(64)), batch_size=64, batch_transform=RandomShift(3, seed=0)
    )
    xb, _ = next(iter(loader))
    assert xb.shape == (64, 9, 9)
    where = {tuple(np.argwhere(img)[0]) for img in xb}
    assert len(where) > 10  # each image shifted by its own draw


def test_channels_last_images_are_refused_not_augmented_along_the_wrong_axes():
    from deepgrad.data import RandomHorizontalFlip

    with pytest.raises(
        ValueError, match=r"look channels-last \(N, H, W, C\).*transpose\(0, 3, 1, 2\)"
    ):
        RandomHorizontalFlip(seed=0)(np.zeros((2, 32, 32, 3), np.float32))
    assert RandomHorizontalFlip(seed=0)(np.zeros((2, 3, 32, 32))).shape == (2, 3, 32, 32)
