"""Reading untrusted files with bounded work: JSON, zip entries and safetensors, checked first.

A model file comes from anywhere, so nothing in it is believed before it is checked against
what the file really holds. Every reader here does work proportional to the bytes it was
given, never to what those bytes *declare*, and raises :class:`ModelFileError` (a
``ValueError``) naming the problem:

* :func:`read_json` decodes strict UTF-8 and refuses duplicate keys, nesting deeper than
  :data:`MAX_JSON_DEPTH` and documents over a size limit;
* :func:`zip_entries` / :func:`read_zip_entry` refuse duplicate, unexpected or encrypted
  entries and, *before inflating one*, sizes over a limit or compression ratios of a zip bomb;
* :func:`safetensors_header` validates a safetensors header (names, dtypes, shapes, and that
  the byte ranges exactly tile the data that follows it: none past the end, none overlapping,
  none too short for its dtype and shape) and :func:`load_safetensors` then makes the arrays.

These are the building blocks of :func:`deepgrad.io.read_archive`; any other loader of
untrusted files can use them the same way.

>>> from safetensors.numpy import save
>>> import numpy
>>> data = save({"w": numpy.ones((2, 3), numpy.float32)})
>>> info = safetensors_header(data, "demo")["w"]
>>> info.dtype.name, info.shape, info.nbytes
('float32', (2, 3), 24)
>>> load_safetensors(data, "demo")["w"].sum()
np.float32(6.0)
"""

from __future__ import annotations

import json
import math
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

import numpy

#: deepest nesting of lists/objects accepted in a JSON document
MAX_JSON_DEPTH = 100
#: most dimensions accepted for one array of a safetensors file
MAX_NDIM = 32
#: largest safetensors header accepted (bytes); the format's own limit is 100 MB
MAX_SAFETENSORS_HEADER = 100 * 2**20
#: largest inflated/compressed ratio accepted for entries over 1 MiB (deflate's limit is ~1032;
#: real JSON compresses ~10×, float weights ~1.1×; zip bombs need far more)
MAX_COMPRESSION_RATIO = 100.0

#: safetensors dtype names and the (little-endian) NumPy dtypes they are read as
SAFETENSORS_DTYPES: dict[str, str] = {
    "F64": "<f8",
    "F32": "<f4",
    "F16": "<f2",
    "I64": "<i8",
    "I32": "<i4",
    "I16": "<i2",
    "I8": "i1",
    "U64": "<u8",
    "U32": "<u4",
    "U16": "<u2",
    "U8": "u1",
    "BOOL": "?",
}


class ModelFileError(ValueError):
    """A model file that cannot be read: not a deepgrad file, truncated, corrupted, refused."""


# ---- JSON ----------------------------------------------------------------------------------------
def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ModelFileError(f"the key {k!r} appears twice in one JSON object")
        out[k] = v
    return out


def json_depth(value: Any, stop: int | None = None) -> int:
    """The nesting depth of a parsed JSON value (a scalar is 0, ``[]`` is 1, ``[[1]]`` is 2),
    computed level by level without recursion (stopping once past ``stop``)."""
    depth = 0
    level = [value]
    while True:
        nxt: list[Any] = []
        found = False
        for v in level:
            if type(v) is dict:
                nxt.extend(v.values())
                found = True
            elif type(v) is list:
                nxt.extend(v)
                found = True
        if not found:
            return depth
        depth += 1
        if stop is not None and depth > stop:
            return depth
        level = nxt


def read_json(
    raw: bytes, what: str, *, max_bytes: int | None = None, max_depth: int = MAX_JSON_DEPTH
) -> Any:
    """Parse ``raw`` as strict UTF-8 JSON, refusing (with :class:`ModelFileError` naming
    ``what``) invalid text, duplicate keys, nesting deeper than ``max_depth`` and more than
    ``max_bytes`` bytes. ``NaN``/``Infinity`` are accepted (deepgrad writes them for such
    hyperparameters)."""
    if max_bytes is not None and len(raw) > max_bytes:
        raise ModelFileError(f"{what} is {len(raw)} bytes, over the limit of {max_bytes}")
    try:
        text = bytes(raw).decode("utf-8")
    except UnicodeDecodeError as e:
        raise ModelFileError(f"{what} is not UTF-8 text ({e})") from None
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as e:
        raise ModelFileError(f"{what} is not valid JSON ({e})") from None
    except RecursionError:
        raise ModelFileError(f"{what} nests deeper than {max_depth} levels") from None
    except ModelFileError as e:
        raise ModelFileError(f"{what}: {e}") from None
    except ValueError as e:  # e.g. an integer of more digits than Python converts (4300)
        raise ModelFileError(f"{what} is not valid JSON ({e})") from None
    if json_depth(value, stop=max_depth) > max_depth:
        raise ModelFileError(f"{what} nests deeper than {max_depth} levels")
    return value


# ---- zip ---------------------------------------------------------------------------------------
def zip_entries(
    zf: zipfile.ZipFile, where: Any, allowed: tuple[str, ...] | None = None
) -> dict[str, zipfile.ZipInfo]:
    """The entries of ``zf`` by name, refusing duplicate names and — with ``allowed`` — any
    name not in it."""
    infos: dict[str, zipfile.ZipInfo] = {}
    for info in zf.infolist():
        if info.filename in infos:
            raise ModelFileError(f"{where}: the entry {info.filename!r} appears twice")
        infos[info.filename] = info
    if allowed is not None:
        extra = sorted(set(infos) - set(allowed))
        if extra:
            raise ModelFileError(
                f"{where}: unexpected entries {extra[:8]} (a deepgrad model file holds only "
                f"{list(allowed)})"
            )
    return infos


def read_zip_entry(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, where: Any, file_size: int
) -> bytes:
    """The inflated bytes of one zip entry, refused *before inflating* when it is encrypted,
    declares more than ``limit`` bytes, claims more compressed bytes than the archive
    (``file_size`` bytes) holds, or would inflate like a zip bomb; refused after when its size
    is not what it declared."""
    name = info.filename
    if info.flag_bits & 0x1:
        raise ModelFileError(f"{where}: entry {name!r} is encrypted")
    if info.compress_size > file_size:
        raise ModelFileError(
            f"{where}: entry {name!r} claims {info.compress_size} compressed bytes, but the "
            f"file has only {file_size}: it is truncated or corrupted"
        )
    if info.file_size > limit:
        raise ModelFileError(
            f"{where}: entry {name!r} declares {info.file_size} bytes, over the limit of "
            f"{limit} (refused before inflating it)"
        )
    if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
        raise ModelFileError(f"{where}: entry {name!r} is stored but its sizes disagree")
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > 2**20 and ratio > MAX_COMPRESSION_RATIO:
        raise ModelFileError(
            f"{where}: entry {name!r} would inflate {ratio:.0f}× ({info.compress_size} → "
            f"{info.file_size} bytes); refusing a suspected zip bomb"
        )
    try:
        with zf.open(info) as f:
            data = f.read(info.file_size + 1)
    except zipfile.BadZipFile as e:  # a local header that disagrees with the directory, a CRC
        raise ModelFileError(f"{where}: entry {name!r} is corrupted ({e})") from None
    except (EOFError, OSError, ValueError, OverflowError, zlib.error) as e:  # e.g. a bad offset
        raise ModelFileError(
            f"{where}: entry {name!r} is truncated or corrupted ({type(e).__name__}: {e})"
        ) from None
    except NotImplementedError as e:  # a compression method zipfile does not read
        raise ModelFileError(f"{where}: entry {name!r} cannot be read ({e})") from None
    if len(data) != info.file_size:
        raise ModelFileError(
            f"{where}: entry {name!r} holds {len(data)} bytes, not the {info.file_size} it declares"
        )
    return data


# ---- safetensors -------------------------------------------------------------------------------
@dataclass(frozen=True)
class TensorInfo:
    """One array of a safetensors file as its header declares it (already checked): its
    dtype, shape and byte range ``[start, end)`` in the data after the header."""

    dtype: numpy.dtype
    shape: tuple[int, ...]
    start: int
    end: int

    @property
    def nbytes(self) -> int:
        return self.end - self.start

    @property
    def numel(self) -> int:
        return math.prod(self.shape)


def looks_like_pickle(data: bytes | memoryview) -> bool:
    """Whether a file starting with ``data`` is a Python pickle or a zip of pickles (what
    ``torch.save`` and ``pickle.dump`` write): a pickle opcode prefix (protocol 2+ ``\\x80``,
    protocol 0/1 ``(d``, ``(l``, ``}q``, ``]q``) or a zip's ``PK\\x03\\x04``, unless the bytes
    are a plausible safetensors start (an 8-byte little-endian header length that fits, then
    ``{``): a safetensors header's length is arbitrary, so its first byte is ``0x80`` for one
    header length in 256, and such a file is no pickle.

    >>> looks_like_pickle(b"\\x80\\x04\\x95\\x10\\x00\\x00\\x00\\x00\\x00")
    True
    >>> looks_like_pickle(b"\\x80\\x00\\x00\\x00\\x00\\x00\\x00\\x00{" + b" " * 127)
    False
    """
    head = bytes(data[:9])
    if not (head[:1] == b"\x80" or head[:2] in (b"(d", b"(l", b"}q", b"]q")
            or head[:4] == b"PK\x03\x04"):  # fmt: skip
        return False
    if len(head) == 9 and head[8:9] == b"{":
        (n,) = struct.unpack("<Q", head[:8])
        if 2 <= n <= len(data) - 8:
            return False
    return True


def safetensors_header(data: bytes | memoryview, what: str) -> dict[str, TensorInfo]:
    """Read and check the header of the safetensors bytes ``data`` without making any array.

    The format: 8 bytes (little-endian ``u64``) giving the header's length ``n``, ``n`` bytes
    of JSON ``{name: {"dtype": "F32", "shape": [...], "data_offsets": [start, end]}, ...,
    "__metadata__": {str: str}}``, then the data. Checked: the header fits in the file; it is
    UTF-8 JSON with no duplicate names; every dtype is known; every shape is a list of at most
    :data:`MAX_NDIM` non-negative ints; ``end - start`` is exactly ``numel × itemsize``; and the
    ranges tile the data exactly (none past its end, none overlapping, no gaps).
    """
    size = len(data)
    if size < 8:
        raise ModelFileError(f"{what} is corrupted: {size} bytes, too short for a safetensors file")
    (n,) = struct.unpack("<Q", bytes(data[:8]))
    if n > size - 8 or n > MAX_SAFETENSORS_HEADER:
        raise ModelFileError(
            f"{what} is corrupted: its header declares {n} bytes but the file holds {size - 8} "
            "after the length"
        )
    header = read_json(bytes(data[8 : 8 + n]), f"{what} (safetensors header)", max_depth=4)
    if not isinstance(header, dict):
        raise ModelFileError(f"{what}: the safetensors header is not a JSON object")
    body = size - 8 - n
    meta = header.pop("__metadata__", None)
    if meta is not None and not (
        isinstance(meta, dict) and all(isinstance(v, str) for v in meta.values())
    ):
        raise ModelFileError(f"{what}: the safetensors __metadata__ must map strings to strings")
    out: dict[str, TensorInfo] = {}
    for name, entry in header.items():
        where = f"{what}: tensor {name!r}"
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            raise ModelFileError(f"{where} must have exactly dtype, shape and data_offsets")
        dt = entry["dtype"]
        if not isinstance(dt, str) or dt not in SAFETENSORS_DTYPES:
            raise ModelFileError(
                f"{where} has dtype {dt!r}; deepgrad reads {sorted(SAFETENSORS_DTYPES)}"
            )
        shape = entry["shape"]
        if (
            not isinstance(shape, list)
            or len(shape) > MAX_NDIM
            or not all(type(s) is int and s >= 0 for s in shape)
        ):
            raise ModelFileError(
                f"{where} has shape {shape!r:.80}; expected a list of at most {MAX_NDIM} "
                "non-negative integers"
            )
        offs = entry["data_offsets"]
        if not (isinstance(offs, list) and len(offs) == 2 and all(type(o) is int for o in offs)):
            raise ModelFileError(f"{where} has data_offsets {offs!r:.80}; expected [start, end]")
        start, end = offs
        if not 0 <= start <= end <= body:
            raise ModelFileError(
                f"{where} claims bytes [{start}, {end}) of a data section of {body} bytes"
            )
        dtype = numpy.dtype(SAFETENSORS_DTYPES[dt])
        need = math.prod(shape) * dtype.itemsize
        if end - start != need:
            raise ModelFileError(
                f"{where}: shape {tuple(shape)} of {dt} needs {need} bytes, but its data_offsets "
                f"give {end - start}"
            )
        out[name] = TensorInfo(dtype, tuple(shape), start, end)
    pos = 0
    for name, info in sorted(out.items(), key=lambda kv: (kv[1].start, kv[1].end)):
        if info.start != pos:
            problem = "overlaps the one before it" if info.start < pos else "leaves a gap"
            raise ModelFileError(
                f"{what}: tensor {name!r} (bytes [{info.start}, {info.end})) {problem}; "
                "safetensors data must tile the file exactly"
            )
        pos = info.end
    if pos != body:
        raise ModelFileError(
            f"{what}: the tensors cover {pos} bytes but the data section holds {body}"
        )
    return out


def safetensors_metadata(data: bytes | memoryview, what: str) -> dict[str, str]:
    """The ``__metadata__`` strings of safetensors bytes (after the header's checks)."""
    safetensors_header(data, what)
    (n,) = struct.unpack("<Q", bytes(data[:8]))
    header = read_json(bytes(data[8 : 8 + n]), what, max_depth=4)
    return dict(header.get("__metadata__") or {})


def load_safetensors(
    data: bytes | memoryview, what: str, header: dict[str, TensorInfo] | None = None
) -> dict[str, numpy.ndarray]:
    """The arrays of safetensors bytes (each an owned, writable, native-endian copy), after
    :func:`safetensors_header`'s checks (pass ``header`` if it was already read)."""
    if header is None:
        header = safetensors_header(data, what)
    (n,) = struct.unpack("<Q", bytes(data[:8]))
    base = 8 + n
    out: dict[str, numpy.ndarray] = {}
    for name, info in header.items():
        native = info.dtype.newbyteorder("=")
        if info.numel == 0:
            out[name] = numpy.empty(info.shape, native)
            continue
        arr = numpy.frombuffer(data, dtype=info.dtype, count=info.numel, offset=base + info.start)
        out[name] = arr.reshape(info.shape).astype(native, copy=True)
    return out


# ---- NumPy's .npy / .npz -------------------------------------------------------------------------
#: the most header bytes accepted in a .npy file (NumPy's own default limit)
MAX_NPY_HEADER = 10_000


def read_npy(data: bytes | memoryview, what: Any) -> numpy.ndarray:
    """The array in the ``.npy`` bytes ``data``, checked before any array is made: the magic
    string and version, a header of at most :data:`MAX_NPY_HEADER` bytes (parsed by NumPy's
    literal parser, never unpickled), a numeric or boolean dtype (object arrays, which NumPy
    stores as pickles, are refused), and exactly ``prod(shape) × itemsize`` data bytes — so
    a header declaring a huge shape over a few bytes of data is refused instead of allocating
    what it declares.

    >>> import io, numpy as np
    >>> buf = io.BytesIO(); np.save(buf, np.arange(6).reshape(2, 3))
    >>> read_npy(buf.getvalue(), "x.npy").tolist()
    [[0, 1, 2], [3, 4, 5]]
    """
    import io
    import tokenize

    from numpy.lib import format as npformat

    data = bytes(data)
    fp = io.BytesIO(data)
    try:
        version = npformat.read_magic(fp)
        if version not in ((1, 0), (2, 0), (3, 0)):  # what np.load reads
            raise ValueError(f"format version {version}; expected (1, 0), (2, 0) or (3, 0)")
        # (3.0 differs from 2.0 only in a UTF-8 header: names of structured dtypes, refused)
        read_header = (
            npformat.read_array_header_1_0 if version == (1, 0) else npformat.read_array_header_2_0
        )
        shape, fortran, dtype = read_header(fp, max_header_size=MAX_NPY_HEADER)
    except (ValueError, OSError, SyntaxError, TypeError, tokenize.TokenError) as exc:
        # NumPy parses the header with Python's tokenizer and literal parser, whose errors
        # for a broken header include tokenize.TokenError (not a ValueError)
        raise ModelFileError(f"{what} is not a readable .npy array: {exc}") from None
    except (RecursionError, MemoryError):
        raise ModelFileError(
            f"{what} is not a readable .npy array: its header nests too deeply"
        ) from None
    if any(d < 0 for d in shape):
        raise ModelFileError(
            f"{what} declares an array of shape {tuple(shape)}; expected non-negative sizes"
        )
    if dtype.hasobject or dtype.kind not in "biuf":
        raise ModelFileError(
            f"{what} holds an array of dtype {dtype} (object arrays are stored as pickles and "
            "never loaded); expected numbers or booleans"
        )
    want = math.prod(shape) * dtype.itemsize
    held = len(data) - fp.tell()
    if held != want:
        raise ModelFileError(
            f"{what} declares an array of shape {tuple(shape)} and dtype {dtype} ({want} bytes) "
            f"but holds {held} bytes of data: it is truncated or corrupted"
        )
    arr = numpy.frombuffer(data, dtype=dtype, count=math.prod(shape), offset=fp.tell())
    return arr.reshape(shape, order="F" if fortran else "C").copy()


def read_npz_first(path: Any, limit: int, prefer: tuple[str, ...] = ()) -> numpy.ndarray:
    """The first array of the ``.npz`` archive at ``path`` (NumPy's ``savez`` order) — or the
    first whose name is in ``prefer`` (``("x", "inputs")``: ``savez(f, y=..., x=...)`` is not
    read as its labels) — its entry inflated only after :func:`read_zip_entry`'s checks
    (declared size within ``limit`` and the file, no zip bomb) and read by :func:`read_npy`."""
    import os

    size = os.path.getsize(path)
    try:
        zf = zipfile.ZipFile(path)
    # (NotImplementedError: a directory entry claiming a zip version zipfile does not read;
    # ValueError/OverflowError/EOFError: offsets and sizes that do not fit the file)
    except (zipfile.BadZipFile, OSError, NotImplementedError, ValueError, OverflowError, EOFError) as exc:  # fmt: skip
        raise ModelFileError(f"{path} is not a readable .npz archive: {exc}") from None
    with zf:
        infos = zip_entries(zf, path)
        names = [n for n in infos if n.endswith(".npy")]
        if not names:
            raise ModelFileError(f"{path} holds no .npy array (entries: {sorted(infos)[:8]})")
        named = [n for n in names if n[: -len(".npy")] in prefer]
        if named:
            names = sorted(named, key=lambda n: prefer.index(n[: -len(".npy")]))
        return read_npy(
            read_zip_entry(zf, infos[names[0]], limit, path, size), f"{path}:{names[0]}"
        )
