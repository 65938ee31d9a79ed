"""CIFAR-10 (Krizhevsky, 2009), from the binary version of the data set (no pickle).

Each ``.bin`` file is a sequence of 3073-byte records: one label byte (0..9), then the
32x32 image as 1024 red, 1024 green and 1024 blue bytes, each plane row-major. The
archive ``cifar-10-binary.tar.gz`` unpacks to ``cifar-10-batches-bin/`` with
``data_batch_1.bin`` .. ``data_batch_5.bin`` (10,000 images each) and ``test_batch.bin``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from deepgrad.data.download import DownloadError, download_url, extract_tar, get_cache_dir

__all__ = [
    "load_cifar10",
    "read_cifar10_batch",
    "CIFAR10_CLASSES",
    "CIFAR10_URL",
    "CIFAR10_MD5",
]

CIFAR10_ENV = "DEEPGRAD_CIFAR10"
CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
CIFAR10_MD5 = "c32a1d4ab5d03f1284b67883e8d87530"
CIFAR10_FOLDER = "cifar-10-batches-bin"
CIFAR10_TRAIN_FILES = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
CIFAR10_TEST_FILES = ("test_batch.bin",)

#: Class names, indexed by label 0..9.
CIFAR10_CLASSES: tuple[str, ...] = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)

_RECORD = 1 + 3 * 32 * 32


def read_cifar10_batch(path: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray]:
    """Read one CIFAR-10 binary batch file.

    Parameters
    ----------
    path : path-like
        E.g. ``cifar-10-batches-bin/data_batch_1.bin``.

    Returns
    -------
    images : numpy.ndarray
        ``(N, 3, 32, 32)`` uint8, channels R, G, B.
    labels : numpy.ndarray
        ``(N,)`` int64 in 0..9.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If its size is not a whole number of 3073-byte records, or a label is not in 0..9.
    """
    path = Path(path)
    try:
        raw = np.fromfile(path, dtype=np.uint8)
    except FileNotFoundError:
        raise FileNotFoundError(f"CIFAR-10 batch file not found: {path}") from None
    if raw.size == 0 or raw.size % _RECORD:
        whole = raw.size // _RECORD
        raise ValueError(
            f"{path}: not a CIFAR-10 binary batch: expected a multiple of {_RECORD} bytes "
            f"(1 label byte + 3x32x32 pixels per image), got {raw.size} bytes "
            f"({whole} whole records and {raw.size - whole * _RECORD} bytes left over)"
        )
    records = raw.reshape(-1, _RECORD)
    labels = records[:, 0].astype(np.int64)
    if labels.max() > 9:
        bad = int(np.argmax(labels > 9))
        raise ValueError(
            f"{path}: record {bad} has label {labels[bad]}; CIFAR-10 labels are 0..9 "
            "(is this the CIFAR-100 format?)"
        )
    images = records[:, 1:].reshape(-1, 3, 32, 32).copy()
    return images, labels


def _find_folder(path: Path) -> Path | None:
    for folder in (path, path / CIFAR10_FOLDER):
        if all((folder / f).is_file() for f in CIFAR10_TRAIN_FILES + CIFAR10_TEST_FILES):
            return folder
    return None


def load_cifar10(
    path: str | os.PathLike[str] | None = None,
    *,
    download: bool = False,
    normalize: bool = True,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load CIFAR-10 (50,000 training and 10,000 test colour images, 32x32, 10 classes).

    Parameters
    ----------
    path : path-like, optional
        The ``cifar-10-batches-bin`` folder or its parent. When omitted:
        ``$DEEPGRAD_CIFAR10``, then the cache folder ``get_cache_dir("cifar-10")``.
    download : bool
        If the files are missing, fetch ``cifar-10-binary.tar.gz`` (MD5-verified) into the
        cache folder and extract the six batch files.
    normalize : bool
        Pixels as float32 in [0, 1]; otherwise uint8.

    Returns
    -------
    ((x_train, y_train), (x_test, y_test))
        Images ``(N, 3, 32, 32)`` and labels ``(N,)`` int64, named by
        :data:`CIFAR10_CLASSES`.
    """
    candidates = (
        [Path(path).expanduser()]
        if path is not None
        else [Path(p).expanduser() for p in (os.environ.get(CIFAR10_ENV),) if p]
        + [get_cache_dir("cifar-10")]
    )
    folder = next((f for c in candidates if (f := _find_folder(c)) is not None), None)
    if folder is None:
        target = candidates[0] if path is not None else get_cache_dir("cifar-10")
        if not download:
            raise FileNotFoundError(
                f"CIFAR-10: {CIFAR10_FOLDER}/ with data_batch_1..5.bin and test_batch.bin not "
                f"found in {', '.join(map(str, candidates))}. Download {CIFAR10_URL} (binary "
                f"version), extract it into {target}, or pass download=True"
            )
        archive = target / "cifar-10-binary.tar.gz"
        try:
            download_url(CIFAR10_URL, archive, md5=CIFAR10_MD5)
        except DownloadError as err:
            raise DownloadError(f"CIFAR-10: {err}; then extract it in {target}") from err
        wanted = {f"{CIFAR10_FOLDER}/{f}" for f in CIFAR10_TRAIN_FILES + CIFAR10_TEST_FILES}
        extract_tar(archive, target, keep=lambda name: name in wanted)
        folder = target / CIFAR10_FOLDER
    parts = []
    for files in (CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILES):
        batches = [read_cifar10_batch(folder / f) for f in files]
        x = np.concatenate([b[0] for b in batches])
        y = np.concatenate([b[1] for b in batches])
        if normalize:
            x = x.astype(np.float32) / np.float32(255.0)
        parts.append((x, y))
    return parts[0], parts[1]
