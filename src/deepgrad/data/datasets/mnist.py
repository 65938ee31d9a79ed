"""MNIST handwritten digits (LeCun, Cortes and Burges), from its original IDX files."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from deepgrad.data.datasets.idx import download_idx_set, has_idx_set, load_idx_set
from deepgrad.data.download import get_cache_dir

__all__ = ["load_mnist", "MNIST_MD5", "MNIST_MIRRORS"]

MNIST_ENV = "DEEPGRAD_MNIST"

#: Published MD5s of the ``.gz`` files and of their decompressed content.
MNIST_MD5: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}

MNIST_MIRRORS: list[str] = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
]


def load_mnist(
    path: str | os.PathLike[str] | None = None,
    *,
    download: bool = False,
    flat: bool = False,
    normalize: bool = True,
    verify: bool = True,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load MNIST (60,000 training and 10,000 test digits, 28x28) from its IDX files.

    The four files (``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
    ``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz``, gzipped or not) are
    looked for in ``path``, then ``$DEEPGRAD_MNIST``, then the cache folder
    (``get_cache_dir("mnist")``).

    Parameters
    ----------
    path : path-like, optional
        Folder holding the four files.
    download : bool
        Fetch missing files into the cache folder (checksum-verified).
    flat : bool
        Return images as ``(N, 784)`` rows instead of ``(N, 1, 28, 28)``.
    normalize : bool
        Scale pixels to float32 in [0, 1]; otherwise keep uint8 0..255.
    verify : bool
        Check the published MD5 checksums.

    Returns
    -------
    ((x_train, y_train), (x_test, y_test))
        Images ``(N, 1, 28, 28)`` float32 and labels ``(N,)`` int64 in 0..9.
    """
    folder = _locate(path)
    if folder is None:
        target = Path(path) if path is not None else get_cache_dir("mnist")
        if not download:
            raise FileNotFoundError(
                f"MNIST: the four IDX files were not found in {target}. Put "
                "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
                "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz there (from "
                f"{MNIST_MIRRORS[0]}), set ${MNIST_ENV}, or pass download=True"
            )
        download_idx_set(target, MNIST_MIRRORS, MNIST_MD5, "MNIST")
        folder = target
    return load_idx_set(
        folder,
        checksums=MNIST_MD5 if verify else None,
        dataset="MNIST",
        flat=flat,
        normalize=normalize,
    )


def _locate(path: str | os.PathLike[str] | None) -> Path | None:
    if path is not None:
        folder = Path(path).expanduser()
        return folder if has_idx_set(folder) else None
    for candidate in (os.environ.get(MNIST_ENV), get_cache_dir("mnist")):
        if candidate and has_idx_set(Path(candidate).expanduser()):
            return Path(candidate).expanduser()
    return None
