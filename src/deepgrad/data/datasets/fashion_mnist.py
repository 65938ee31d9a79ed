"""Fashion-MNIST (Zalando Research): 70,000 28x28 grayscale images of clothes, 10 classes.

The drop-in successor of MNIST, in the same IDX format. It installs offline on Debian and
Ubuntu (``apt-get install dataset-fashion-mnist`` puts the four original ``.gz`` files in
``/usr/share/datasets/fashion-mnist``). :func:`find_fashion_mnist` looks for the files, in
order: an explicit path, ``$DEEPGRAD_FASHION_MNIST``, the cache folder
(``get_cache_dir("fashion-mnist")``), the folders Debian's package uses.

Debian's package re-compresses the ``.gz`` files, so their bytes differ from the published
ones while the data inside is identical; the checksum check accepts either the published
MD5 of the ``.gz`` file or the published MD5 of its decompressed content.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

import numpy as np

from deepgrad.data.datasets.idx import download_idx_set, has_idx_set, load_idx_set
from deepgrad.data.download import DownloadError, get_cache_dir

__all__ = [
    "load_fashion_mnist",
    "find_fashion_mnist",
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_MD5",
    "FASHION_MNIST_MIRRORS",
]

FASHION_MNIST_ENV = "DEEPGRAD_FASHION_MNIST"

#: Class names, indexed by label 0..9.
FASHION_MNIST_CLASSES: tuple[str, ...] = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

#: Published MD5s of the ``.gz`` files (Zalando's README) and of their content.
FASHION_MNIST_MD5: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
    "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
    "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
    "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
}

FASHION_MNIST_MIRRORS: list[str] = [
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
]

#: Where system packages put the files (Debian's ``dataset-fashion-mnist`` uses the first).
SYSTEM_DIRS: list[str] = [
    "/usr/share/datasets/fashion-mnist",
    "/usr/share/dataset-fashion-mnist",
    "/usr/share/fashion-mnist",
    "/usr/local/share/datasets/fashion-mnist",
]
#: Patterns tried last, for packages that use another folder under /usr/share.
SYSTEM_GLOBS: list[str] = [
    "/usr/share/*/*fashion*mnist*",
    "/usr/share/*/*/*fashion*mnist*",
]


def _candidates() -> list[tuple[str, Path]]:
    """(where it came from, folder) pairs, in search order, after an explicit path."""
    found: list[tuple[str, Path]] = []
    env = os.environ.get(FASHION_MNIST_ENV)
    if env:
        found.append((f"${FASHION_MNIST_ENV}", Path(env).expanduser()))
    found.append(("cache folder", get_cache_dir("fashion-mnist")))
    for folder in SYSTEM_DIRS:
        found.append(("system folder", Path(folder)))
    for pattern in SYSTEM_GLOBS:
        for match in sorted(glob.glob(pattern)):
            found.append(("system folder", Path(match)))
    return found


def find_fashion_mnist(path: str | os.PathLike[str] | None = None) -> Path | None:
    """Return the folder holding the four Fashion-MNIST IDX files, or None.

    Parameters
    ----------
    path : path-like, optional
        Explicit folder; when given, only it is considered.

    Returns
    -------
    pathlib.Path or None
        The first folder, in search order, that has all four files (``.gz`` or not).
    """
    if path is not None:
        folder = Path(path).expanduser()
        return folder if has_idx_set(folder) else None
    for _, folder in _candidates():
        if has_idx_set(folder):
            return folder
    return None


def load_fashion_mnist(
    path: str | os.PathLike[str] | None = None,
    *,
    download: bool = False,
    flat: bool = False,
    normalize: bool = True,
    verify: bool = True,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load Fashion-MNIST (60,000 training and 10,000 test images, 28x28, 10 classes).

    Parameters
    ----------
    path : path-like, optional
        Folder with ``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
        ``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz`` (gzipped or not).
        When omitted, :func:`find_fashion_mnist` searches ``$DEEPGRAD_FASHION_MNIST``, the
        cache folder and Debian's ``/usr/share/datasets/fashion-mnist``.
    download : bool
        If the files are nowhere, fetch them into the cache folder (checksum-verified).
    flat : bool
        Images as ``(N, 784)`` rows instead of ``(N, 1, 28, 28)``.
    normalize : bool
        Pixels as float32 in [0, 1]; otherwise uint8 0..255.
    verify : bool
        Check the published MD5 checksums (about a second for the whole set).

    Returns
    -------
    ((x_train, y_train), (x_test, y_test))
        Images ``(60000, 1, 28, 28)`` and ``(10000, 1, 28, 28)`` float32; labels int64 in
        0..9, named by :data:`FASHION_MNIST_CLASSES`.

    Raises
    ------
    FileNotFoundError
        If the files are not found (and ``download`` is False); the message lists the
        folders searched and how to get the files.
    ChecksumError
        If a file does not match the published checksum.
    """
    folder = find_fashion_mnist(path)
    if folder is None:
        target = Path(path).expanduser() if path is not None else get_cache_dir("fashion-mnist")
        if not download:
            searched = (
                [str(target)]
                if path is not None
                else [f"{where}: {p}" for where, p in _candidates()]
            )
            raise FileNotFoundError(
                "Fashion-MNIST: the four IDX files (train-images-idx3-ubyte.gz, "
                "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, "
                "t10k-labels-idx1-ubyte.gz) were not found. Searched: "
                + "; ".join(searched)
                + ". Get them with `apt-get install dataset-fashion-mnist` (Debian/Ubuntu), "
                f"or download them from {FASHION_MNIST_MIRRORS[1]} into "
                f"{get_cache_dir('fashion-mnist')} (or set ${FASHION_MNIST_ENV}), or pass "
                "download=True on a machine with a network"
            )
        try:
            download_idx_set(target, FASHION_MNIST_MIRRORS, FASHION_MNIST_MD5, "Fashion-MNIST")
        except DownloadError as err:
            raise DownloadError(
                f"{err}. Offline, `apt-get install dataset-fashion-mnist` (Debian/Ubuntu) "
                "installs them where deepgrad finds them"
            ) from err
        folder = target
    return load_idx_set(
        folder,
        checksums=FASHION_MNIST_MD5 if verify else None,
        dataset="Fashion-MNIST",
        flat=flat,
        normalize=normalize,
    )
