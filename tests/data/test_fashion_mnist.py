"""Fashion-MNIST: where the files are found, checksums, and the real files when installed.

The integration tests run on the real files when they are installed (CI installs Debian's
``dataset-fashion-mnist``, which puts them in /usr/share/datasets/fashion-mnist) and are
skipped otherwise.
"""

import gzip
import hashlib
import shutil

import numpy as np
import pytest

import deepgrad.data.datasets.fashion_mnist as fm
from deepgrad.data import (
    FASHION_MNIST_CLASSES,
    ChecksumError,
    DownloadError,
    find_fashion_mnist,
    load_fashion_mnist,
    read_idx,
    write_idx,
)

STEMS = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


def fake_set(folder, n=20, seed=0):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for prefix in ("train", "t10k"):
        write_idx(
            folder / f"{prefix}-images-idx3-ubyte.gz",
            rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
        )
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", (np.arange(n) % 10).astype(np.uint8))
    return folder


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No environment variable, an empty cache, and no system folders."""
    monkeypatch.delenv("DEEPGRAD_FASHION_MNIST", raising=False)
    monkeypatch.setenv("DEEPGRAD_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(fm, "SYSTEM_DIRS", [str(tmp_path / "usr-share-datasets-fashion-mnist")])
    monkeypatch.setattr(fm, "SYSTEM_GLOBS", [str(tmp_path / "share" / "*" / "*fashion*mnist*")])
    return tmp_path


def test_classes():
    assert FASHION_MNIST_CLASSES[0] == "T-shirt/top" and FASHION_MNIST_CLASSES[9] == "Ankle boot"
    assert len(FASHION_MNIST_CLASSES) == 10


def test_search_order(isolated, monkeypatch):
    tmp = isolated
    assert find_fashion_mnist() is None
    glob_dir = fake_set(tmp / "share" / "pkg" / "fashion-mnist")
    assert find_fashion_mnist() == glob_dir
    system = fake_set(tmp / "usr-share-datasets-fashion-mnist")
    assert find_fashion_mnist() == system
    cache = fake_set(tmp / "cache" / "fashion-mnist")
    assert find_fashion_mnist() == cache
    env = fake_set(tmp / "env")
    monkeypatch.setenv("DEEPGRAD_FASHION_MNIST", str(env))
    assert find_fashion_mnist() == env
    explicit = fake_set(tmp / "explicit")
    assert find_fashion_mnist(explicit) == explicit
    # an explicit path is the only place looked at
    assert find_fashion_mnist(tmp / "empty") is None
    (x, y), (xt, yt) = load_fashion_mnist(explicit, verify=False)
    assert x.shape == (20, 1, 28, 28) and x.dtype == np.float32 and y.dtype == np.int64
    assert 0.0 <= x.min() and x.max() <= 1.0


def test_incomplete_folder_is_skipped(isolated):
    partial = fake_set(isolated / "usr-share-datasets-fashion-mnist")
    (partial / "t10k-labels-idx1-ubyte.gz").unlink()
    assert find_fashion_mnist() is None


def test_missing_files_error_says_how_to_get_them(isolated):
    with pytest.raises(FileNotFoundError) as info:
        load_fashion_mnist()
    message = str(info.value)
    assert "apt-get install dataset-fashion-mnist" in message
    assert "usr-share-datasets-fashion-mnist" in message  # lists the folders searched
    assert str(isolated / "cache" / "fashion-mnist") in message
    assert "download=True" in message and "https://" in message
    with pytest.raises(FileNotFoundError, match="Searched: .*nowhere"):
        load_fashion_mnist(isolated / "nowhere")


def test_checksum_accepts_the_published_gz_or_its_content(isolated, monkeypatch):
    folder = fake_set(isolated / "set")
    with pytest.raises(ChecksumError, match="train-labels-idx1-ubyte.gz: MD5 checksum mismatch"):
        load_fashion_mnist(folder)
    # A repackager re-compressed the files: the gzip bytes differ, the content matches.
    contents = {
        s: hashlib.md5(gzip.decompress((folder / f"{s}.gz").read_bytes())).hexdigest()
        for s in STEMS
    }
    sums = {f"{s}.gz": "0" * 32 for s in STEMS} | contents
    monkeypatch.setattr(fm, "FASHION_MNIST_MD5", sums)
    (x, _), _ = load_fashion_mnist(folder)
    assert len(x) == 20
    # Uncompressed files are checked against the content MD5 too.
    plain = isolated / "plain"
    plain.mkdir()
    for s in STEMS:
        (plain / s).write_bytes(gzip.decompress((folder / f"{s}.gz").read_bytes()))
    (x2, _), _ = load_fashion_mnist(plain)
    np.testing.assert_array_equal(x, x2)


def test_download_into_the_cache(isolated, monkeypatch):
    mirror = fake_set(isolated / "mirror")
    sums = {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in mirror.iterdir()}
    monkeypatch.setattr(fm, "FASHION_MNIST_MD5", sums)
    monkeypatch.setattr(fm, "FASHION_MNIST_MIRRORS", [mirror.as_uri()])
    (x, _), _ = load_fashion_mnist(download=True)
    assert len(x) == 20
    assert find_fashion_mnist() == isolated / "cache" / "fashion-mnist"


# ------------------------------------------------------------------ real files
REAL = find_fashion_mnist()
needs_real = pytest.mark.skipif(
    REAL is None,
    reason="Fashion-MNIST files not installed (apt-get install dataset-fashion-mnist, "
    "or set DEEPGRAD_FASHION_MNIST)",
)


@pytest.fixture(scope="module")
def real():
    return load_fashion_mnist()


@needs_real
def test_real_files_shapes_dtypes_and_balance(real):
    (x, y), (xt, yt) = real
    assert x.shape == (60000, 1, 28, 28) and xt.shape == (10000, 1, 28, 28)
    assert x.dtype == np.float32 and y.dtype == np.int64
    assert float(x.min()) == 0.0 and float(x.max()) == 1.0
    assert np.bincount(y, minlength=10).tolist() == [6000] * 10
    assert np.bincount(yt, minlength=10).tolist() == [1000] * 10
    (flat, raw_y), _ = load_fashion_mnist(flat=True, normalize=False, verify=False)
    assert flat.shape == (60000, 784) and flat.dtype == np.uint8
    np.testing.assert_array_equal(raw_y, y)


@needs_real
def test_real_files_corrupted_copy_fails_the_checksum(tmp_path):
    for s in STEMS:
        src = next(p for p in (REAL / f"{s}.gz", REAL / s) if p.exists())
        shutil.copy(src, tmp_path / src.name)
    labels = next(tmp_path.glob("train-labels-idx1-ubyte*"))
    data = bytearray(
        gzip.decompress(labels.read_bytes()) if labels.suffix == ".gz" else labels.read_bytes()
    )
    data[100] = (data[100] + 1) % 10  # one label changed, still a valid IDX file
    labels.write_bytes(gzip.compress(bytes(data)) if labels.suffix == ".gz" else bytes(data))
    with pytest.raises(ChecksumError, match="train-labels-idx1-ubyte.*MD5 checksum mismatch"):
        load_fashion_mnist(tmp_path)
    assert np.bincount(read_idx(labels)).tolist() != [6000] * 10


def test_download_without_network_says_how_to_get_the_files(isolated, monkeypatch):
    monkeypatch.setattr(fm, "FASHION_MNIST_MIRRORS", [(isolated / "no-such-mirror").as_uri()])
    with pytest.raises(
        DownloadError, match=r"Put the four IDX .gz files in .*cache.*apt-get install"
    ):
        load_fashion_mnist(download=True)
    assert not list((isolated / "cache" / "fashion-mnist").glob("*.gz"))
