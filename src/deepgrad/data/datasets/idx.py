"""The IDX file format of MNIST and Fashion-MNIST: reading, writing, verified image sets.

An IDX file is a header and a block of big-endian numbers::

    byte 0-1   0x00 0x00          (magic, part 1)
    byte 2     type code          0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                                  0x0D float32, 0x0E float64
    byte 3     number of dims D   (magic, part 2)
    4*D bytes  the D sizes, big-endian uint32
    then       prod(sizes) numbers of the type, big-endian, row-major

The files are often gzipped (``.gz``); the readers detect this from the content.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import math
import os
import struct
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from deepgrad.data.atomic import atomic_write
from deepgrad.data.download import ChecksumError, DownloadError, download_url

__all__ = ["read_idx", "write_idx", "parse_idx", "IDX_TYPES"]

#: most bytes a gzipped IDX file may inflate to, per byte on disk, once past 1 MiB (MNIST's
#: files inflate about 5x; deflate allows about 1032x, which is what gzip bombs use)
MAX_GZIP_RATIO = 100

IDX_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {np.dtype(t).newbyteorder(">").str: code for code, t in IDX_TYPES.items()}
_CODES.update({np.dtype(np.uint8).str: 0x08, np.dtype(np.int8).str: 0x09})


#: most dimensions an IDX header may declare (NumPy's own limit)
_MAX_NDIM = 64


def _read_file_bytes(path: Path) -> tuple[bytes, bytes]:
    """Return (bytes on disk, decompressed bytes) of an IDX file, gzipped or not."""
    try:
        stored = path.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(f"IDX file not found: {path}") from None
    except IsADirectoryError:
        raise IsADirectoryError(f"{path} is a folder; expected an IDX file (.idx or .gz)") from None
    return stored, _decompress(stored, path)


def _decompress(stored: bytes, path: Path | str) -> bytes:
    if stored[:2] != b"\x1f\x8b":
        return stored
    limit = max(2**20, MAX_GZIP_RATIO * len(stored))
    try:
        chunks, total = [], 0
        with gzip.GzipFile(fileobj=io.BytesIO(stored)) as f:
            while total <= limit:  # inflated in pieces, never past the limit
                chunk = f.read(min(2**20, limit + 1 - total))
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
        data = b"".join(chunks)
    except (EOFError, OSError, zlib.error) as err:
        raise ValueError(
            f"{path}: the gzip stream is truncated or corrupt ({err}); "
            f"the file has {len(stored)} bytes. Delete it and fetch it again"
        ) from err
    if len(data) > limit:
        raise ValueError(
            f"{path}: the gzip stream inflates past {limit} bytes ({MAX_GZIP_RATIO}x the "
            f"{len(stored)} bytes of the file); refusing a suspected gzip bomb"
        )
    return data


def parse_idx(data: bytes, source: str = "<bytes>") -> np.ndarray:
    """Decode the bytes of an (uncompressed) IDX file into an array.

    Parameters
    ----------
    data : bytes
        The whole file content.
    source : str
        Name used in error messages (the file name).

    Returns
    -------
    numpy.ndarray
        Array of the stored shape, in native byte order (uint8 for image/label files).

    Raises
    ------
    ValueError
        If the magic number is wrong, the type code unknown, or the size of the data does
        not match the dimensions (the message gives the expected and actual byte counts).

    Examples
    --------
    >>> parse_idx(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9])).tolist()
    [7, 8, 9]
    """
    if len(data) < 4:
        raise ValueError(
            f"{source}: not an IDX file: expected at least a 4-byte header, got {len(data)} bytes"
        )
    zero0, zero1, code, ndim = data[0], data[1], data[2], data[3]
    if zero0 != 0 or zero1 != 0 or code not in IDX_TYPES:
        raise ValueError(
            f"{source}: bad IDX magic number 0x{data[:4].hex()}: expected 0x0000TTDD with type "
            f"code TT in {{{', '.join(f'{c:02x}' for c in IDX_TYPES)}}}"
        )
    if not 1 <= ndim <= _MAX_NDIM:  # NumPy makes at most 64 dims
        raise ValueError(
            f"{source}: bad IDX header: the number of dimensions is {ndim}; expected 1 to "
            f"{_MAX_NDIM}"
        )
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(
            f"{source}: truncated IDX header: expected {header} bytes for {ndim} dimensions, "
            f"got {len(data)} bytes"
        )
    dims = struct.unpack(f">{ndim}I", data[4:header])
    dtype = IDX_TYPES[code]
    expected = header + math.prod(dims) * dtype.itemsize  # Python ints: no overflow
    if len(data) != expected:
        shape = "x".join(str(d) for d in dims)
        problem = "truncated" if len(data) < expected else "has trailing bytes"
        raise ValueError(
            f"{source}: IDX file {problem}: expected {expected} bytes ({header}-byte header + "
            f"{shape} values of {dtype.itemsize} byte(s)), got {len(data)} bytes"
        )
    arr = np.frombuffer(data, dtype=dtype, offset=header).reshape(dims)
    return arr.astype(dtype.newbyteorder("="))


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file (gzipped or not) into an array.

    Parameters
    ----------
    path : path-like
        E.g. ``train-images-idx3-ubyte.gz``.

    Returns
    -------
    numpy.ndarray
        For MNIST images ``(N, 28, 28)`` uint8, for labels ``(N,)`` uint8.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If it is not a valid IDX file or is truncated (see :func:`parse_idx`).
    """
    path = Path(path)
    _, data = _read_file_bytes(path)
    return parse_idx(data, str(path))


def write_idx(path: str | os.PathLike[str], array: np.ndarray, *, gzip_level: int = 6) -> Path:
    """Write an array as an IDX file; gzipped when ``path`` ends in ``.gz``.

    Parameters
    ----------
    path : path-like
        Destination file.
    array : numpy.ndarray
        uint8, int8, int16, int32, float32 or float64 data with at least one dimension.
    gzip_level : int
        Compression level for ``.gz`` files.

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import tempfile
    >>> p = write_idx(Path(tempfile.mkdtemp()) / "x-idx1-ubyte.gz", np.array([1, 2], np.uint8))
    >>> read_idx(p).tolist()
    [1, 2]
    """
    arr = np.asarray(array)
    if arr.ndim == 0 or arr.ndim > 255:
        raise ValueError(f"write_idx: need an array with 1 to 255 dimensions; got {arr.ndim}")
    big = arr.dtype.newbyteorder(">") if arr.dtype.itemsize > 1 else arr.dtype
    code = _CODES.get(big.str)
    if code is None:
        raise ValueError(
            f"write_idx: IDX cannot store dtype {arr.dtype}; use uint8, int8, int16, int32, "
            "float32 or float64"
        )
    header = bytes([0, 0, code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    payload = header + np.ascontiguousarray(arr, dtype=big).tobytes()
    path = Path(path)
    if path.suffix == ".gz":
        payload = gzip.compress(payload, compresslevel=gzip_level, mtime=0)
    atomic_write(path, lambda f: f.write(payload))  # a failure leaves the old file intact
    return path


# ---------------------------------------------------------------------------------------
# Verified four-file image sets (MNIST, Fashion-MNIST)

IDX_SET_FILES: dict[str, tuple[str, str]] = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def find_idx_file(folder: Path, stem: str) -> Path | None:
    """The file ``stem.gz`` or ``stem`` in ``folder``, whichever exists (``.gz`` first)."""
    for name in (f"{stem}.gz", stem):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def has_idx_set(folder: Path) -> bool:
    """True if ``folder`` holds the four IDX files of an MNIST-style set."""
    stems = [s for pair in IDX_SET_FILES.values() for s in pair]
    return folder.is_dir() and all(find_idx_file(folder, s) is not None for s in stems)


def read_verified_idx(path: Path, checksums: Mapping[str, str] | None, dataset: str) -> np.ndarray:
    """Read an IDX file, checking it against the published MD5s.

    ``checksums`` maps a file name (``train-images-idx3-ubyte.gz`` for the published gzip
    file, ``train-images-idx3-ubyte`` for its content) to an MD5. The file passes if the
    bytes on disk match the gzip's MD5 or the decompressed bytes match the content's MD5:
    repackagers (Debian, for one) re-compress the ``.gz`` files, which changes the gzip
    bytes but not the data.
    """
    stored, data = _read_file_bytes(path)
    if checksums:
        stem = path.name[:-3] if path.name.endswith(".gz") else path.name
        gz_md5, raw_md5 = checksums.get(f"{stem}.gz"), checksums.get(stem)
        ok = (gz_md5 is not None and hashlib.md5(stored).hexdigest() == gz_md5) or (
            raw_md5 is not None and hashlib.md5(data).hexdigest() == raw_md5
        )
        if not ok:
            expected = " or ".join(
                f"{name}: {md5}"
                for name, md5 in ((f"{stem}.gz", gz_md5), (stem, raw_md5))
                if md5 is not None
            )
            raise ChecksumError(
                f"{path}: MD5 checksum mismatch for {dataset}: expected {expected}; got "
                f"{hashlib.md5(stored).hexdigest()} (file) / {hashlib.md5(data).hexdigest()} "
                "(content). The file is corrupt or not the published one; delete it and get "
                "it again (or pass verify=False to skip the check)"
            )
    return parse_idx(data, str(path))


def load_idx_set(
    folder: Path,
    *,
    checksums: Mapping[str, str] | None,
    dataset: str,
    flat: bool = False,
    normalize: bool = True,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load the train and test parts of an MNIST-style IDX set from ``folder``.

    Returns ``((x_train, y_train), (x_test, y_test))``: images ``(N, 1, H, W)`` (or
    ``(N, H*W)`` if ``flat``), float32 in [0, 1] if ``normalize`` else uint8; labels int64.
    """
    parts = []
    for split, (image_stem, label_stem) in IDX_SET_FILES.items():
        paths = []
        for stem in (image_stem, label_stem):
            found = find_idx_file(folder, stem)
            if found is None:
                raise FileNotFoundError(f"{dataset}: {stem}.gz (or {stem}) not found in {folder}")
            paths.append(found)
        labels = read_verified_idx(paths[1], checksums, dataset)  # small: fail fast
        images = read_verified_idx(paths[0], checksums, dataset)
        if images.ndim != 3 or labels.ndim != 1:
            raise ValueError(
                f"{dataset}: expected images of shape (N, H, W) and labels of shape (N,) in "
                f"the {split} files; got {images.shape} and {labels.shape}"
            )
        if len(images) != len(labels):
            raise ValueError(
                f"{dataset}: {paths[0].name} has {len(images)} images but {paths[1].name} has "
                f"{len(labels)} labels"
            )
        x = images.reshape(len(images), -1) if flat else images[:, None, :, :]
        if normalize:
            x = x.astype(np.float32) / np.float32(255.0)
        parts.append((x, labels.astype(np.int64)))
    return parts[0], parts[1]


def download_idx_set(
    folder: Path, mirrors: Sequence[str], checksums: Mapping[str, str], dataset: str
) -> None:
    """Fetch the four ``.gz`` files of an IDX set into ``folder``, trying each mirror."""
    stems = [s for pair in IDX_SET_FILES.values() for s in pair]
    for stem in stems:
        if find_idx_file(folder, stem) is not None:
            continue
        name = f"{stem}.gz"
        errors = []
        for mirror in mirrors:
            try:
                download_url(mirror.rstrip("/") + "/" + name, folder / name, md5=checksums[name])
                break
            except DownloadError as err:
                errors.append(str(err))
        else:
            raise DownloadError(
                f"{dataset}: could not download {name} from any mirror "
                f"({'; '.join(errors)}). Put the four IDX .gz files in {folder}"
            )
