"""File loaders on small files written in the real formats; downloads without a network."""

import gzip
import hashlib
import io
import struct
import tarfile
import tracemalloc
import urllib.error
import zlib

import numpy as np
import pytest

import deepgrad.data.download as download_mod
from deepgrad.data import (
    CIFAR10_CLASSES,
    ChecksumError,
    DownloadError,
    download_url,
    file_hash,
    get_cache_dir,
    load_cifar10,
    load_csv,
    load_imdb,
    load_mnist,
    read_cifar10_batch,
    read_idx,
    verify_checksum,
    write_idx,
)
from deepgrad.data.download import extract_tar

# ------------------------------------------------------------------------- IDX


def idx_bytes(arr: np.ndarray, code: int) -> bytes:
    """Independent IDX writer, byte by byte, as the format specifies."""
    header = bytes([0, 0, code, arr.ndim]) + b"".join(d.to_bytes(4, "big") for d in arr.shape)
    return header + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_images_and_labels(tmp_path, gz):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 5).astype(np.uint8)
    for name, arr in (("images-idx3-ubyte", images), ("labels-idx1-ubyte", labels)):
        data = idx_bytes(arr, 0x08)
        path = tmp_path / (name + (".gz" if gz else ""))
        path.write_bytes(gzip.compress(data) if gz else data)
        out = read_idx(path)
        assert out.dtype == np.uint8 and out.shape == arr.shape
        np.testing.assert_array_equal(out, arr)


@pytest.mark.parametrize(
    "dtype,code",
    [(np.int8, 0x09), (np.int16, 0x0B), (np.int32, 0x0C), (np.float32, 0x0D), (np.float64, 0x0E)],
)
def test_idx_types_round_trip(tmp_path, dtype, code):
    arr = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    path = write_idx(tmp_path / "a.idx", arr)
    assert path.read_bytes() == idx_bytes(arr, code)  # byte-exact with the spec
    out = read_idx(path)
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    np.testing.assert_array_equal(out, arr)
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "a.idx.gz", arr)), arr)


def test_idx_errors_name_the_file_and_the_sizes(tmp_path):
    arr = np.zeros((10, 4, 4), np.uint8)
    good = idx_bytes(arr, 0x08)
    truncated = tmp_path / "train-images-idx3-ubyte"
    truncated.write_bytes(good[:-7])
    with pytest.raises(
        ValueError,
        match=rf"{truncated.name}: IDX file truncated: expected "
        rf"{len(good)} bytes .* got {len(good) - 7} bytes",
    ):
        read_idx(truncated)
    extra = tmp_path / "extra-idx3-ubyte"
    extra.write_bytes(good + b"\0")
    with pytest.raises(ValueError, match="trailing bytes"):
        read_idx(extra)
    magic = tmp_path / "magic"
    magic.write_bytes(b"\x12\x34" + good[2:])
    with pytest.raises(ValueError, match="bad IDX magic number 0x12340803"):
        read_idx(magic)
    code = tmp_path / "code"
    code.write_bytes(b"\0\0\x07\x03" + good[4:])
    with pytest.raises(ValueError, match="bad IDX magic"):
        read_idx(code)
    header = tmp_path / "header"
    header.write_bytes(good[:9])
    with pytest.raises(ValueError, match="truncated IDX header: expected 16 bytes"):
        read_idx(header)
    gz = tmp_path / "cut.gz"
    gz.write_bytes(gzip.compress(good)[:-20])
    with pytest.raises(ValueError, match=r"cut.gz: the gzip stream is truncated"):
        read_idx(gz)
    with pytest.raises(FileNotFoundError, match="IDX file not found: .*missing"):
        read_idx(tmp_path / "missing")
    with pytest.raises(ValueError, match="cannot store dtype int64"):
        write_idx(tmp_path / "x", np.zeros(3, np.int64))


@pytest.mark.parametrize("ndim", [65, 255])
def test_idx_headers_with_more_dimensions_than_numpy_makes(tmp_path, ndim):
    """255 zero sizes (1 KiB) passed every check, then NumPy's reshape refused them without
    naming the file."""
    path = tmp_path / "dims.idx"
    path.write_bytes(bytes([0, 0, 8, ndim]) + b"\0" * 4 * ndim)
    with pytest.raises(ValueError, match=rf"dims.idx: bad IDX header: the number of dimensions "
                       rf"is {ndim}; expected 1 to 64"):  # fmt: skip
        read_idx(path)


def test_idx_path_that_is_a_folder(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder; expected an IDX file"):
        read_idx(tmp_path)


def test_idx_dimensions_whose_product_overflows_int64(tmp_path):
    # 65536**4 = 2**64 wrapped to 0 in int64, so the header alone passed the size check and
    # NumPy failed to reshape; 2**31 items over an 8-byte file is refused the same way
    path = tmp_path / "wrap-idx4-ubyte"
    path.write_bytes(bytes([0, 0, 8, 4]) + struct.pack(">4I", *[2**16] * 4))
    with pytest.raises(
        ValueError, match=r"IDX file truncated: expected 18446744073709551636 bytes"
    ):
        read_idx(path)
    path.write_bytes(bytes([0, 0, 8, 1]) + struct.pack(">I", 2**31))
    with pytest.raises(ValueError, match=r"truncated: expected 2147483656 bytes .* got 8 bytes"):
        read_idx(path)


def test_gzip_bomb_idx_is_refused_before_inflating_it(tmp_path):
    n = 64 * 2**20  # a valid IDX file of 64 MiB of zeros, in about 64 KiB of gzip
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
    stream = [packer.compress(bytes([0, 0, 8, 1]) + struct.pack(">I", n))]
    chunk = bytes(2**20)
    stream += [packer.compress(chunk) for _ in range(n // len(chunk))]
    path = tmp_path / "bomb-idx1-ubyte.gz"
    path.write_bytes(b"".join(stream) + packer.flush())
    assert path.stat().st_size < n // 500
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="refusing a suspected gzip bomb"):
            read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 * 2**20


def write_mnist_folder(folder, n_train=12, n_test=5, gz=True, seed=0):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    parts = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        x = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        y = (np.arange(n) % 10).astype(np.uint8)
        suffix = ".gz" if gz else ""
        write_idx(folder / f"{prefix}-images-idx3-ubyte{suffix}", x)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte{suffix}", y)
        parts[prefix] = (x, y)
    return parts


@pytest.mark.parametrize("gz", [True, False])
def test_load_mnist_from_a_folder(tmp_path, gz):
    parts = write_mnist_folder(tmp_path / "mnist", gz=gz)
    (x_tr, y_tr), (x_te, y_te) = load_mnist(tmp_path / "mnist", verify=False)
    assert x_tr.shape == (12, 1, 28, 28) and x_tr.dtype == np.float32
    assert y_tr.dtype == np.int64 and x_te.shape == (5, 1, 28, 28)
    np.testing.assert_allclose(x_tr[:, 0], parts["train"][0] / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(y_te, parts["t10k"][1])
    (flat, _), _ = load_mnist(tmp_path / "mnist", verify=False, flat=True, normalize=False)
    assert flat.shape == (12, 784) and flat.dtype == np.uint8
    # our small files are not the published ones
    with pytest.raises(ChecksumError, match="MD5 checksum mismatch for MNIST"):
        load_mnist(tmp_path / "mnist")


def test_load_mnist_missing_files_says_where_to_put_them(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPGRAD_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("DEEPGRAD_MNIST", raising=False)
    with pytest.raises(FileNotFoundError, match=r"not found in .*cache.*mnist.*download=True"):
        load_mnist()
    # labels of the wrong length are refused
    folder = tmp_path / "bad"
    write_mnist_folder(folder)
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.zeros(11, np.uint8))
    with pytest.raises(ValueError, match="has 12 images but train-labels-idx1-ubyte.gz has 11"):
        load_mnist(folder, verify=False)


# -------------------------------------------------------------------- download


def test_cache_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPGRAD_CACHE", str(tmp_path))
    assert get_cache_dir() == tmp_path
    assert get_cache_dir("x") == tmp_path / "x"
    monkeypatch.delenv("DEEPGRAD_CACHE")
    assert str(get_cache_dir()).endswith(".cache/deepgrad")


def test_download_from_file_url_verifies_and_is_atomic(tmp_path):
    source = tmp_path / "src.bin"
    source.write_bytes(b"hello deepgrad" * 1000)
    md5 = hashlib.md5(source.read_bytes()).hexdigest()
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    dest = tmp_path / "cache" / "sub" / "file.bin"
    assert download_url(source.as_uri(), dest, md5=md5, sha256=sha) == dest
    assert dest.read_bytes() == source.read_bytes()
    assert file_hash(dest) == md5 and file_hash(dest, "sha256") == sha
    verify_checksum(dest, md5=md5.upper())
    # a wrong checksum leaves nothing behind, not even a temporary file
    other = tmp_path / "cache" / "other.bin"
    with pytest.raises(ChecksumError, match="MD5 checksum mismatch.*discarded"):
        download_url(source.as_uri(), other, md5="0" * 32)
    assert not other.exists()
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["sub"]
    assert [p.name for p in (tmp_path / "cache" / "sub").iterdir()] == ["file.bin"]
    # an existing file is verified, not fetched again
    dest.write_bytes(b"corrupt")
    with pytest.raises(ChecksumError, match="file.bin: MD5 checksum mismatch"):
        download_url(source.as_uri(), dest, md5=md5)


def test_download_failure_says_where_to_put_the_file(tmp_path, monkeypatch):
    def offline(url, timeout):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(download_mod, "urlopen", offline)
    dest = tmp_path / "x.gz"
    with pytest.raises(
        DownloadError,
        match=rf"could not download http://example.invalid/x.gz.*"
        rf"put it at {dest}",
    ):
        download_url("http://example.invalid/x.gz", dest)
    assert list(tmp_path.iterdir()) == []


def test_interrupted_download_leaves_no_partial_file(tmp_path, monkeypatch):
    class Broken(io.BytesIO):
        def read(self, size=-1):
            if self.tell() > 10:
                raise ConnectionResetError("connection reset")
            return super().read(11)

    monkeypatch.setattr(download_mod, "urlopen", lambda url, timeout: Broken(b"x" * 100))
    with pytest.raises(ConnectionResetError):
        download_url("http://example.invalid/big", tmp_path / "big")
    assert list(tmp_path.iterdir()) == []


def test_mnist_download_with_a_mirror(tmp_path, monkeypatch):
    import deepgrad.data.datasets.mnist as mnist_mod

    mirror = tmp_path / "mirror"
    write_mnist_folder(mirror)
    sums = {p.name: file_hash(p) for p in mirror.iterdir()}
    monkeypatch.setattr(mnist_mod, "MNIST_MIRRORS", ["file:///nonexistent/", mirror.as_uri()])
    monkeypatch.setattr(mnist_mod, "MNIST_MD5", sums)
    monkeypatch.setenv("DEEPGRAD_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("DEEPGRAD_MNIST", raising=False)
    (x, y), _ = load_mnist(download=True)
    assert x.shape == (12, 1, 28, 28)
    assert sorted(p.name for p in (tmp_path / "cache" / "mnist").iterdir()) == sorted(sums)


def test_extract_tar_skips_unsafe_members(tmp_path):
    archive = tmp_path / "a.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in (
            ("ok/a.txt", b"a"),
            ("../evil.txt", b"e"),
            ("/abs.txt", b"x"),
            ("ok/skip.bin", b"s"),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("ok/link")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tar.addfile(link)
    out = extract_tar(archive, tmp_path / "out", keep=lambda n: n.endswith(".txt") or "link" in n)
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == ["ok", "ok/a.txt"]
    assert not (tmp_path / "evil.txt").exists()


def test_interrupted_extraction_leaves_no_partial_set(tmp_path, monkeypatch):
    """Each file was renamed into place as it was extracted: an extraction stopped part-way left
    a smaller set that load_imdb (which checks for the folders) read silently on the next run."""
    archive = tmp_path / "a.tar"
    with tarfile.open(archive, "w") as tar:
        for name in ("set/pos/1.txt", "set/pos/2.txt", "set/neg/3.txt"):
            info = tarfile.TarInfo(name)
            info.size = 1
            tar.addfile(info, io.BytesIO(b"x"))
    copies = []

    def copy_then_fail(src, dst):
        if len(copies) == 2:
            raise KeyboardInterrupt
        copies.append(dst.write(src.read()))

    out = tmp_path / "out"
    (out / "set" / "old").mkdir(parents=True)  # a folder there already is kept, merged into
    monkeypatch.setattr(download_mod.shutil, "copyfileobj", copy_then_fail)
    with pytest.raises(KeyboardInterrupt):
        extract_tar(archive, out, keep=lambda n: True)
    assert [str(p.relative_to(out)) for p in out.rglob("*")] == ["set", "set/old"]
    monkeypatch.undo()
    extract_tar(archive, out, keep=lambda n: True)
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*.txt")) == [
        "set/neg/3.txt", "set/pos/1.txt", "set/pos/2.txt"
    ]  # fmt: skip
    assert sorted(p.name for p in out.iterdir()) == ["set"]  # no staging folder left
    assert (out / "set" / "old").is_dir()


# ---------------------------------------------------------------------- CIFAR


def write_cifar_batch(path, n, seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    images = rng.integers(0, 256, (n, 3, 32, 32), dtype=np.uint8)
    records = np.concatenate([labels[:, None], images.reshape(n, -1)], axis=1)
    path.write_bytes(records.tobytes())
    return images, labels


def test_cifar10_binary_batches(tmp_path):
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    written = [write_cifar_batch(folder / f"data_batch_{i}.bin", 4, i) for i in range(1, 6)]
    test_x, test_y = write_cifar_batch(folder / "test_batch.bin", 3, 99)
    x, y = read_cifar10_batch(folder / "data_batch_2.bin")
    np.testing.assert_array_equal(x, written[1][0])
    np.testing.assert_array_equal(y, written[1][1])
    assert x.dtype == np.uint8 and y.dtype == np.int64
    # red plane first: byte 1 of a record is the top-left red pixel
    raw = (folder / "data_batch_2.bin").read_bytes()
    assert raw[1] == x[0, 0, 0, 0] and raw[1 + 1024] == x[0, 1, 0, 0]
    for root in (tmp_path, folder):
        (x_tr, y_tr), (x_te, y_te) = load_cifar10(root)
        assert x_tr.shape == (20, 3, 32, 32) and x_tr.dtype == np.float32
        np.testing.assert_array_equal(y_te, test_y)
        np.testing.assert_allclose(x_te * 255, test_x, atol=1e-4)
    assert len(CIFAR10_CLASSES) == 10


def test_cifar10_errors(tmp_path, monkeypatch):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"\0" * (3073 * 2 + 5))
    with pytest.raises(ValueError, match=r"multiple of 3073 bytes.*got 6151 bytes"):
        read_cifar10_batch(bad)
    label = tmp_path / "label.bin"
    label.write_bytes(b"\x0c" + b"\0" * 3072)
    with pytest.raises(ValueError, match="label 12"):
        read_cifar10_batch(label)
    monkeypatch.setenv("DEEPGRAD_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("DEEPGRAD_CIFAR10", raising=False)
    with pytest.raises(FileNotFoundError, match=r"cifar-10-binary.tar.gz.*download=True"):
        load_cifar10()


def test_cifar10_download_and_extract(tmp_path, monkeypatch):
    import deepgrad.data.datasets.cifar as cifar_mod

    staging = tmp_path / "staging" / "cifar-10-batches-bin"
    staging.mkdir(parents=True)
    for name in [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]:
        write_cifar_batch(staging / name, 2, 0)
    (staging / "readme.html").write_text("not extracted")
    archive = tmp_path / "cifar-10-binary.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(staging, arcname="cifar-10-batches-bin")
    monkeypatch.setattr(cifar_mod, "CIFAR10_URL", archive.as_uri())
    monkeypatch.setattr(cifar_mod, "CIFAR10_MD5", file_hash(archive))
    monkeypatch.setenv("DEEPGRAD_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("DEEPGRAD_CIFAR10", raising=False)
    (x, _), (xt, _) = load_cifar10(download=True, normalize=False)
    assert x.shape == (10, 3, 32, 32) and xt.shape == (2, 3, 32, 32) and x.dtype == np.uint8
    extracted = tmp_path / "cache" / "cifar-10" / "cifar-10-batches-bin"
    assert not (extracted / "readme.html").exists()


# ----------------------------------------------------------------------- IMDB


def write_imdb(root):
    reviews = {}
    for split in ("train", "test"):
        for label, polarity in enumerate(("neg", "pos")):
            folder = root / "aclImdb" / split / polarity
            folder.mkdir(parents=True)
            for i in range(3):
                rating = 8 if label else 2
                text = f"{split} {polarity} review {i}<br />great" if label else f"{split} bad {i}"
                (folder / f"{i}_{rating}.txt").write_text(text, encoding="utf-8")
                reviews[text] = label
    (root / "aclImdb" / "train" / "unsup").mkdir()
    return reviews


def test_imdb_folder_layout(tmp_path):
    reviews = write_imdb(tmp_path)
    (tr_x, tr_y), (te_x, te_y) = load_imdb(tmp_path, shuffle=False)
    assert len(tr_x) == 6 and tr_y.dtype == np.int64
    assert tr_y.tolist() == [0, 0, 0, 1, 1, 1]
    assert tr_x[3] == "train pos review 0<br />great"
    for texts, labels in ((tr_x, tr_y), (te_x, te_y)):
        assert all(reviews[t] == label for t, label in zip(texts, labels))
    (sx, sy), _ = load_imdb(tmp_path / "aclImdb", seed=1)
    assert sorted(sx) == sorted(tr_x) and all(reviews[t] == label for t, label in zip(sx, sy))
    with pytest.raises(FileNotFoundError, match=r"aclImdb/\{train,test\}/\{pos,neg\}"):
        load_imdb(tmp_path / "nothing")


def test_imdb_download(tmp_path, monkeypatch):
    import deepgrad.data.datasets.imdb as imdb_mod

    write_imdb(tmp_path / "staging")
    archive = tmp_path / "aclImdb_v1.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tmp_path / "staging" / "aclImdb", arcname="aclImdb")
    monkeypatch.setattr(imdb_mod, "IMDB_URL", archive.as_uri())
    monkeypatch.setattr(imdb_mod, "IMDB_MD5", file_hash(archive))
    monkeypatch.setenv("DEEPGRAD_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("DEEPGRAD_IMDB", raising=False)
    (x, y), _ = load_imdb(download=True)
    assert len(x) == 6 and sorted(y.tolist()) == [0, 0, 0, 1, 1, 1]


# ------------------------------------------------------------------------ CSV

CSV = """area,rooms,city,price
50.5,2,Paris,300
70,,Lyon,250.5
NA,4,Paris,410
"""


@pytest.mark.parametrize("engine", ["numpy", "pandas"])
def test_load_csv(tmp_path, engine):
    if engine == "pandas":
        pytest.importorskip("pandas")
    path = tmp_path / "houses.csv"
    path.write_text(CSV)
    x, y, names = load_csv(path, target="price", columns=["area", "rooms"], engine=engine)
    assert names == ["area", "rooms"] and x.dtype == np.float32
    np.testing.assert_array_equal(np.isnan(x), [[0, 0], [0, 1], [1, 0]])
    assert x[0].tolist() == [50.5, 2.0]
    assert y.dtype == np.float32 and y.tolist() == [300, 250.5, 410]
    table = load_csv(path, target="city", columns=[0, 1], engine=engine)
    assert table.y.tolist() == ["Paris", "Lyon", "Paris"]
    ints = load_csv(path, target=1, columns=["price"], engine=engine)
    assert ints.y is not None and ints.y.dtype == np.float32  # a missing value: not all ints
    with pytest.raises(
        ValueError, match=r"column 'city' is not numeric \(row 1 of the data holds 'Paris'\)"
    ):
        load_csv(path, target="price", engine=engine)
    with pytest.raises(ValueError, match=r"target column 'cost' not found; the columns are"):
        load_csv(path, target="cost", engine=engine)


@pytest.mark.parametrize("engine", ["numpy", "pandas"])
def test_load_csv_categorical_columns_one_hot_in_place(tmp_path, engine):
    if engine == "pandas":
        pytest.importorskip("pandas")
    path = tmp_path / "houses.csv"
    path.write_text(CSV + "60,3,,200\n")  # a missing city: no category
    table = load_csv(path, target="price", categorical=["city"], engine=engine)
    x, y, names = table  # still three fields to unpack
    assert names == ["area", "rooms", "city"] and table.categories == {"city": ["Lyon", "Paris"]}
    assert table.x_names() == ["area", "rooms", "city=Lyon", "city=Paris"]
    assert x.dtype == np.float32 and x.shape == (4, 4)
    assert x[:, 2:].tolist() == [[0, 1], [1, 0], [0, 1], [0, 0]]
    np.testing.assert_array_equal(x[:, :2], load_csv(path, target="price", columns=[0, 1]).x)
    # the categories a model recorded, in its order; one it never saw is refused
    given = load_csv(path, target="price", categorical={"city": ["Paris", "Lyon", "Nice"]})
    assert given.x[:, 2:].tolist() == [[1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 0, 0]]
    with pytest.raises(ValueError, match=r"holds 'Lyon' \(row 2 of the data\), which is not one"):
        load_csv(path, target="price", categorical={"city": ["Paris"]})
    with pytest.raises(TypeError, match=r"wrap one name in a list, \['city'\]"):
        load_csv(path, target="price", categorical="city")
    with pytest.raises(ValueError, match="categorical column 'price' is the target"):
        load_csv(path, target="price", categorical=["price"])
    with pytest.raises(ValueError, match="not among the feature columns read"):
        load_csv(path, target="price", columns=["area"], categorical=["city"])
    with pytest.raises(ValueError, match="distinct and non-empty"):
        load_csv(path, target="price", categorical={"city": ["Paris", "Paris"]})
    with pytest.raises(ValueError, match=r"categorical=\['city'\]"):  # the hint names the way
        load_csv(path, target="price")


def test_load_csv_refuses_a_categorical_column_of_too_many_categories(tmp_path, monkeypatch):
    """Every category is a column of x: an identifier column (a category per row) would make x
    rows × rows; refused before x is made, naming the count."""
    from deepgrad.data.datasets import csv as csv_module

    monkeypatch.setattr(csv_module, "MAX_CATEGORIES", 50)
    path = tmp_path / "ids.csv"
    path.write_text("id,v\n" + "".join(f"user{i},{i}\n" for i in range(51)))
    with pytest.raises(ValueError, match="'id' has 51 categories, more than 50"):
        load_csv(path, target="v", categorical=["id"])
    path.write_text("id,v\n" + "".join(f"user{i},{i}\n" for i in range(50)))
    assert load_csv(path, target="v", categorical=["id"]).x.shape == (50, 50)
    monkeypatch.setattr(csv_module, "MAX_ONE_HOT_ELEMENTS", 2499)
    with pytest.raises(ValueError, match=r"50 rows × 50 categories = 2500 values"):
        load_csv(path, target="v", categorical=["id"])


def test_load_csv_without_header_and_errors(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("1;2;0\n3;4;1\n")
    x, y, names = load_csv(path, target=-1, delimiter=";", header=False, engine="numpy")
    assert x.tolist() == [[1, 2], [3, 4]] and y.dtype == np.int64 and names == ["0", "1"]
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b\n1,2\n3\n")
    with pytest.raises(ValueError, match="line 3 has 1 fields, expected 2"):
        load_csv(ragged, engine="numpy")
    with pytest.raises(FileNotFoundError, match="file not found"):
        load_csv(tmp_path / "nope.csv")


@pytest.mark.parametrize("engine", ["numpy", "pandas"])
def test_load_csv_hostile_files(tmp_path, engine):
    if engine == "pandas":
        pytest.importorskip("pandas")
    path = tmp_path / "h.csv"
    # a whole target too large for int64 came back as -2**63, silently
    path.write_text("a,y\n1,1e30\n2,3\n")
    y = load_csv(path, target="y", engine=engine).y
    assert y.dtype == np.float32 and y.tolist() == [np.float32(1e30), 3.0]
    path.write_text("a,y\n1,9007199254740993\n2,3\n")  # past 2**53: not exact as a float
    assert load_csv(path, target="y", engine=engine).y.dtype == np.float32
    path.write_bytes(b"a,b\n1,caf\xe9\n")  # Latin-1: a bare UnicodeDecodeError before
    with pytest.raises(ValueError, match=r"load_csv: .*h.csv is not UTF-8 text"):
        load_csv(path, engine=engine)


@pytest.mark.parametrize("engine", ["numpy", "pandas"])
def test_load_csv_field_over_the_csv_modules_limit(tmp_path, engine):
    if engine == "pandas":
        pytest.importorskip("pandas")
    path = tmp_path / "long.csv"
    path.write_text("a,b\n1,2\n3," + "4" * 200_000 + "\n")  # was _csv.Error, naming no file
    with pytest.raises(ValueError, match=r"load_csv: .*long.csv: line 3: field larger than"):
        load_csv(path, engine=engine)


@pytest.mark.parametrize("engine", ["numpy", "pandas"])
@pytest.mark.parametrize(
    ("header", "shown"),
    [
        ("a,b,a", r"'a' at columns \[0, 2\]"),  # numpy: target='a' was the first silently
        ("a,a.1,a", r"'a' at columns \[0, 2\]"),  # pandas renamed the third 'a.2'
        (" a,a ,b", r"'a' at columns \[0, 1\]"),  # alike once stripped
    ],
)
def test_load_csv_refuses_a_name_given_to_several_columns(tmp_path, engine, header, shown):
    if engine == "pandas":
        pytest.importorskip("pandas")
    path = tmp_path / "dup.csv"
    path.write_text(header + "\n1,2,3\n4,5,6\n")
    with pytest.raises(ValueError, match=rf"dup.csv: the header names several columns alike "
                       rf"\({shown}\); rename them .* header=False"):  # fmt: skip
        load_csv(path, target="a", engine=engine)


@pytest.mark.parametrize("engine", ["numpy", "pandas"])
def test_load_csv_rows_of_the_wrong_width_with_both_engines(tmp_path, engine):
    """pandas took a first column without a header as the index (every value shifted one
    column, silently) and filled a short row with missing values."""
    if engine == "pandas":
        pytest.importorskip("pandas")
    path = tmp_path / "w.csv"
    path.write_text("a,b\n1,2,3\n4,5,6\n")
    with pytest.raises(ValueError, match=r"w.csv: .*line 2.* 3"):
        load_csv(path, target="a", engine=engine)
    path.write_text("a,b,c\n1,2,3\n\n4,5\n")
    with pytest.raises(ValueError, match=r"w.csv: line 4 has 2 fields, expected 3 \(like the h"):
        load_csv(path, target="a", engine=engine)


@pytest.mark.parametrize("engine", ["numpy", "pandas"])
def test_load_csv_byte_order_mark_and_windows_line_endings(tmp_path, engine):
    """A UTF-8 BOM (Excel's "CSV UTF-8") stuck to the first name with the numpy engine:
    target="a" was not found, or the feature was named '\\ufeffa'."""
    if engine == "pandas":
        pytest.importorskip("pandas")
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffa,b,label\r\n1,2,yes\r\n3,4,no\r\n".encode())
    x, y, names = load_csv(path, target="label", engine=engine)
    assert names == ["a", "b"] and x.tolist() == [[1, 2], [3, 4]] and y.tolist() == ["yes", "no"]
    assert load_csv(path, target="a", columns=["b"], engine=engine).y.tolist() == [1, 3]


@pytest.mark.parametrize("engine", ["numpy", "pandas"])
def test_load_csv_whitespace_delimiter_and_the_separator_hint(tmp_path, engine):
    if engine == "pandas":
        pytest.importorskip("pandas")
    path = tmp_path / "ws.txt"
    path.write_text("a  b\tlabel\n1.5   2 0\n 3 4\t1\n")
    x, y, names = load_csv(path, target="label", delimiter=None, engine=engine)
    assert names == ["a", "b"] and x.tolist() == [[1.5, 2], [3, 4]] and y.tolist() == [0, 1]
    # read with the default ',' every line was one column: "target 'label' not found"
    with pytest.raises(ValueError, match=r"splits into 3 columns at runs of whitespace: pass "
                       r"delimiter=None"):  # fmt: skip
        load_csv(path, target="label", engine=engine)
    path.write_text("a;b;label\n1;2;0\n")
    with pytest.raises(ValueError, match=r"splits into 3 columns at ';': pass delimiter=';'"):
        load_csv(path, target="label", engine=engine)
    path.write_text("house price\n1\n2\n")  # one column with a space in its name: read
    assert load_csv(path, target="house price", engine=engine).y.tolist() == [1, 2]
    with pytest.raises(ValueError, match="delimiter must be one character"):
        load_csv(path, delimiter=";;", engine=engine)


@pytest.mark.parametrize("engine", ["numpy", "pandas"])
def test_load_csv_missing_text_labels_and_a_header_of_numbers(tmp_path, engine):
    """A missing text label ('NA', '') came back as the class 'NA'; a file without a header
    read with header=True lost its first row silently."""
    if engine == "pandas":
        pytest.importorskip("pandas")
    path = tmp_path / "m.csv"
    path.write_text("a,label\n1,yes\n2,NA\n3,\n4,no\n")
    assert load_csv(path, target="label", engine=engine).y.tolist() == ["yes", "", "", "no"]
    path.write_text("1,2,0\n3,4,1\n")
    with pytest.warns(UserWarning, match=r"header row .* is all numbers.* header=False"):
        load_csv(path, engine=engine)


def test_load_csv_refuses_the_target_among_the_feature_columns(tmp_path):
    """columns=[..., target] put the answers among the features (perfect accuracy, silently)."""
    path = tmp_path / "t.csv"
    path.write_text("a,b,label\n1,2,0\n3,4,1\n")
    with pytest.raises(ValueError, match="target column 'label' is among the feature columns"):
        load_csv(path, target="label", columns=["a", "label"])
    with pytest.raises(ValueError, match="target column 'label' is among the feature columns"):
        load_csv(path, target=-1, columns=[0, 2])
    with pytest.raises(ValueError, match=r"columns= names \['a'\] more than once"):
        load_csv(path, target="label", columns=["a", 0])
    assert load_csv(path, columns=["a", "label"]).x.tolist() == [[1, 0], [3, 1]]


@pytest.mark.parametrize("engine", ["numpy", "pandas"])
def test_load_csv_lines_of_spaces_are_blank_lines(tmp_path, engine):
    """A line of spaces (an editor's last line) was "line 4 has 1 fields" with both engines."""
    if engine == "pandas":
        pytest.importorskip("pandas")
    path = tmp_path / "s.csv"
    path.write_text("a,b,y\n1,2,0\n   \n3,4,1\n  \t\n")
    x, y, _ = load_csv(path, target="y", engine=engine)
    assert x.tolist() == [[1, 2], [3, 4]] and y.tolist() == [0, 1]
    path.write_text("a,b,y\n1,2,0\n,,\n")  # a row of missing cells stays a row
    assert np.isnan(load_csv(path, target="b", engine=engine).x[1]).all()
