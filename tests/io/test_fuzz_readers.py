"""A seeded mutation fuzzer for every reader of user files.

Each test starts from a VALID file that it writes itself (a checkpoint, a weights file, a model
file, an IDX file, an .npy array, an ONNX export, a recipe, a CSV table), then loads a few
hundred mutations of it: bit flips, truncations at every interesting offset, inserted and
deleted bytes, integer fields overwritten with huge or negative values, and hand-made lies
(safetensors header lengths of 2**63, dims of 10**12, data_offsets past the end or overlapping,
unknown dtypes, JSON nested 100k deep, duplicate keys, zip bombs, ``../`` entry names, IDX
headers claiming 10**9 items, ONNX tensors claiming 10**12 elements or external data, recipe
values of the wrong types).

For each mutation the reader either loads it (and then gives what a correct reader gives) or
raises the format's documented error with a message; never another exception type, never in
more than 2 s, never allocating more than 50 MB at its peak (tracemalloc).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import struct
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save as st_save

import deepgrad as dg
from deepgrad import nn
from deepgrad.app.recipe import load_recipe
from deepgrad.app.recipe_schema import RecipeError
from deepgrad.data.datasets.csv import load_csv
from deepgrad.data.datasets.idx import parse_idx, read_idx
from deepgrad.io import ModelFileError
from deepgrad.io.safe_read import read_npy

#: most seconds one load may take, and most bytes it may allocate at its peak
TIME_LIMIT = 2.0
PEAK_LIMIT = 50 * 2**20
#: random mutations per format (plus the structured ones)
N_RANDOM = 150

#: integers written over a field: zero, small, sign bits, the widest values
_EVIL_INTS = [0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 2**31 - 1, 2**31, 2**32 - 1, 2**63, 2**64 - 1]


def _evil_field(rng: np.random.Generator) -> bytes:
    v = _EVIL_INTS[rng.integers(len(_EVIL_INTS))]
    width = (1, 2, 4, 8)[rng.integers(4)]
    order = "<>"[rng.integers(2)]
    fmt = {1: "B", 2: "H", 4: "I", 8: "Q"}[width]
    return struct.pack(order + fmt, v & (2 ** (8 * width) - 1))


def mutations(data: bytes, seed: int, n: int = N_RANDOM) -> Iterator[tuple[str, bytes]]:
    """``n`` seeded random mutations of ``data``, after truncations at the interesting offsets
    (the first 32 bytes one by one, then a spread over the whole file, and the last 16)."""
    rng = np.random.default_rng(seed)
    size = len(data)
    cuts = set(range(min(size, 32))) | set(np.linspace(0, size, 24, dtype=int).tolist())
    cuts |= set(range(max(size - 16, 0), size))
    for cut in sorted(cuts):
        yield f"truncated at {cut}", data[:cut]
    for i in range(n):
        buf = bytearray(data)
        kind = i % 6
        if kind == 0:  # bit flips
            for _ in range(int(rng.integers(1, 9))):
                p = int(rng.integers(size))
                buf[p] ^= 1 << int(rng.integers(8))
            what = "bit flips"
        elif kind == 1:  # random bytes
            for _ in range(int(rng.integers(1, 5))):
                buf[int(rng.integers(size))] = int(rng.integers(256))
            what = "random bytes"
        elif kind == 2:  # insertion
            p = int(rng.integers(size + 1))
            buf[p:p] = rng.bytes(int(rng.integers(1, 17)))
            what = f"bytes inserted at {p}"
        elif kind == 3:  # deletion
            p = int(rng.integers(size))
            del buf[p : p + int(rng.integers(1, 17))]
            what = f"bytes deleted at {p}"
        elif kind == 4:  # an integer field overwritten (early bytes favoured: headers)
            p = int(rng.integers(min(size, 64))) if rng.random() < 0.5 else int(rng.integers(size))
            f = _evil_field(rng)
            buf[p : p + len(f)] = f
            what = f"field {f.hex()} at {p}"
        else:  # a chunk duplicated
            p = int(rng.integers(size))
            q = min(size, p + int(rng.integers(1, 64)))
            buf[q:q] = buf[p:q]
            what = f"bytes [{p}, {q}) duplicated"
        yield what, bytes(buf)


#: random mutations measured with tracemalloc (which slows Python ~8x): one in TRACE_EVERY;
#: hand-made lies are all measured, and every case is timed
TRACE_EVERY = 3


def _load_once(load, data, errors, what) -> tuple[str, object]:
    try:
        result = load(data)
    except errors as e:
        assert str(e).strip(), f"{what}: {type(e).__name__} without a message"
        return "refused", e
    except Exception as e:  # noqa: BLE001 - the point of the test
        raise AssertionError(f"{what}: raised {type(e).__name__}: {e}"[:2000]) from e
    return "loaded", result


def check(
    load: Callable[[bytes], object],
    data: bytes,
    errors: type[BaseException] | tuple[type[BaseException], ...],
    what: str,
    *,
    expect: Callable[[bytes, object], None] | None = None,
    trace: bool = True,
) -> str:
    """Load ``data``: it loads (and ``expect(data, result)`` holds) or raises ``errors`` with a
    message, within TIME_LIMIT; with ``trace``, once more under tracemalloc, within
    PEAK_LIMIT bytes at the peak. Returns "loaded" or "refused"."""
    t0 = time.perf_counter()
    outcome, result = _load_once(load, data, errors, what)
    elapsed = time.perf_counter() - t0
    assert elapsed < TIME_LIMIT, f"{what}: took {elapsed:.2f} s ({outcome})"
    if outcome == "loaded" and expect is not None:
        expect(data, result)
    del result
    if trace:
        tracemalloc.start()
        try:
            again, _ = _load_once(load, data, errors, what)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert again == outcome, f"{what}: {outcome} once, {again} the next time"
        assert peak < PEAK_LIMIT, f"{what}: allocated {peak:,} bytes ({outcome})"
    return outcome


@pytest.fixture
def traced() -> Iterator[None]:
    """Leaves tracemalloc as it found it (check() starts and stops it per case)."""
    was = tracemalloc.is_tracing()
    yield
    if tracemalloc.is_tracing() and not was:
        tracemalloc.stop()


#: a longer run on other seeds: DEEPGRAD_FUZZ_SEED=1 DEEPGRAD_FUZZ_SCALE=20 pytest tests/io/...
#: (each case keeps its own limits; the whole test then takes about SCALE times longer)
SEED_SHIFT = int(os.environ.get("DEEPGRAD_FUZZ_SEED", "0"))
SCALE = float(os.environ.get("DEEPGRAD_FUZZ_SCALE", "1"))


def run_fuzz(load, seed_data, errors, *, seed, extra=(), expect=None, n=N_RANDOM) -> dict:
    counts = {"loaded": 0, "refused": 0}
    seed = seed + 1000 * SEED_SHIFT
    for i, (what, data) in enumerate(mutations(seed_data, seed, int(n * SCALE))):
        trace = i % TRACE_EVERY == 0
        counts[check(load, data, errors, what, expect=expect, trace=trace)] += 1
    for what, data in extra:
        counts[check(load, data, errors, what, expect=expect)] += 1
    assert counts["refused"] > 0
    return counts


# ---- safetensors: dg.load (checkpoints) and load_weights --------------------------------------
def safetensors(header: dict, body: bytes, length: int | None = None) -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw) if length is None else length) + raw + body


def safetensors_lies(good_arrays: dict[str, np.ndarray]) -> list[tuple[str, bytes]]:
    """Hand-made lies about a safetensors file of float32 arrays."""
    body = b"".join(a.tobytes() for a in good_arrays.values())
    header, pos = {}, 0
    for k, a in good_arrays.items():
        header[k] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [pos, pos + a.nbytes]}
        pos += a.nbytes
    first = next(iter(header))

    def lie(**change) -> bytes:
        h = json.loads(json.dumps(header))
        h[first].update(change)
        return safetensors(h, body)

    out = [
        ("length 2**63", safetensors(header, body, 2**63)),
        ("length 2**64-1", safetensors(header, body, 2**64 - 1)),
        ("length 0", safetensors(header, body, 0)),
        ("length past the end", safetensors(header, body, len(json.dumps(header)) + len(body) + 1)),
        ("dims 10**12", lie(shape=[10**12, 10**12])),
        ("dims 2**64", lie(shape=[2**64])),
        ("negative dim", lie(shape=[-1])),
        ("float dim", lie(shape=[1.5])),
        ("bool dim", lie(shape=[True])),
        ("1000 dims", lie(shape=[1] * 1000)),
        ("offsets past the end", lie(data_offsets=[0, 10**12])),
        ("negative offsets", lie(data_offsets=[-8, 0])),
        ("reversed offsets", lie(data_offsets=[8, 0])),
        ("offsets of 2**64", lie(data_offsets=[2**64, 2**64 + 4])),
        ("unknown dtype", lie(dtype="F128")),
        ("object dtype", lie(dtype="O")),
        ("dtype not a string", lie(dtype=["F32"])),
        ("bf16 dtype", lie(dtype="BF16")),
        ("shape not a list", lie(shape="2,3")),
        ("an extra field", lie(extra=1)),
        ("a missing field", safetensors({first: {"dtype": "F32", "shape": [1]}}, body)),
        ("entry not a dict", safetensors({first: [1, 2]}, body)),
        ("header a list", safetensors([1, 2], body)),  # type: ignore[arg-type]
        ("metadata not strings", safetensors(dict(header, __metadata__={"a": 1}), body)),
        ("metadata a list", safetensors(dict(header, __metadata__=["a"]), body)),
    ]
    if len(header) > 1:  # overlap: the second tensor starts where the first does
        h = json.loads(json.dumps(header))
        second = list(h)[1]
        n = h[second]["data_offsets"][1] - h[second]["data_offsets"][0]
        h[second]["data_offsets"] = [0, n]
        out.append(("overlapping offsets", safetensors(h, body)))
    raw = json.dumps(header).encode()
    dup = raw[:-1] + b", " + raw[1:]  # every name twice
    out.append(("duplicate names", struct.pack("<Q", len(dup)) + dup + body))
    deep = b"[" * 100_000 + b"]" * 100_000
    out.append(("JSON 100k deep", struct.pack("<Q", len(deep)) + deep + body))
    deep_in = b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    out.append(("JSON 100k deep in an entry", struct.pack("<Q", len(deep_in)) + deep_in + body))
    bad_utf8 = b'{"\xff\xfe": 1}'
    out.append(("not UTF-8", struct.pack("<Q", len(bad_utf8)) + bad_utf8 + body))
    huge_int = b'{"a": ' + b"9" * 5000 + b"}"
    out.append(("5000-digit integer", struct.pack("<Q", len(huge_int)) + huge_int + body))
    return out


def _same_as_safetensors_library(data: bytes, result: object) -> None:
    """A file deepgrad loads must be one the safetensors library loads, with the same arrays."""
    from safetensors.numpy import load as st_load

    try:
        ref = st_load(data)
    except Exception as e:  # noqa: BLE001
        raise AssertionError(f"deepgrad loaded a file safetensors refuses ({e})") from None
    got = {k: np.asarray(v.numpy() if hasattr(v, "numpy") else v) for k, v in result.items()}
    assert set(got) == set(ref)
    for k in ref:
        np.testing.assert_array_equal(got[k], ref[k])


def test_fuzz_dg_load_plain_safetensors(traced):
    rng = np.random.default_rng(1)
    arrays = {"a": rng.normal(size=(3, 4)).astype(np.float32), "b": np.arange(5, dtype=np.float32)}
    good = st_save(arrays)
    assert check(lambda d: dg.load(io.BytesIO(d)), good, ModelFileError, "good") == "loaded"
    counts = run_fuzz(
        lambda d: dg.load(io.BytesIO(d)),
        good,
        ModelFileError,
        seed=1,
        extra=safetensors_lies(arrays),
        expect=_same_as_safetensors_library,
    )
    assert counts["loaded"] > 0  # flips inside the float data still load (the same as safetensors)


def test_fuzz_dg_load_checkpoint(traced, tmp_path):
    dg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    opt = dg.optim.Adam(model.parameters(), lr=1e-3)
    model(dg.randn(2, 3)).sum().backward()
    opt.step()
    path = tmp_path / "ckpt.pt"
    dg.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": 3, "tag": "x"}, path)
    good = path.read_bytes()

    def load(d: bytes) -> object:
        return dg.load(io.BytesIO(d))

    assert load(good)["epoch"] == 3
    meta = {"format": "deepgrad.checkpoint", "format_version": "1"}
    w = {"w": np.zeros(2, np.float32)}
    structure_lies = [
        ("structure 100k deep", "[" * 100_000 + "]" * 100_000),
        ("structure not JSON", "{"),
        ("structure names a missing array", '{"__array__": "nope"}'),
        ("structure a 5000-digit int", "1" * 5000),
        ("structure with a duplicate key", '{"a": 1, "a": 2}'),
        ("structure an unknown tag", '{"__class__": "os.system"}'),
        ("structure dict entries malformed", '{"__dict__": [[1]]}'),
        ("structure dict of ints", '{"__dict__": 5}'),
        ("structure tuple of an int", '{"__tuple__": 5}'),
        ("structure odict malformed", '{"__odict__": [[1, 2, 3]]}'),
        ("structure metadata malformed", '{"__dict__": [], "_metadata": 5}'),
        ("structure array of a list", '{"__array__": ["w"]}'),
        ("structure tensor tag of a dict", '{"__tensor__": {"a": 1}}'),
    ]
    extra = [
        (w_, st_save(w, metadata=dict(meta, **{"deepgrad.structure": s})))
        for w_, s in structure_lies
    ]
    for v in ("²", "١", "-1", "", "99", "1.0", "0x1"):
        extra.append(
            (
                f"format_version {v!r}",
                st_save(w, metadata={"format_version": v, "deepgrad.structure": "1"}),
            )
        )
    run_fuzz(load, good, ModelFileError, seed=2, extra=extra)


def test_fuzz_load_weights(traced, tmp_path):
    dg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    path = tmp_path / "w.safetensors"
    model.save_weights(path)
    good = path.read_bytes()
    target = tmp_path / "m.safetensors"

    def load(d: bytes) -> object:
        target.write_bytes(d)
        m = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
        m.load_weights(target)
        return m

    load(good)
    arrays = {k: v.numpy() for k, v in model.state_dict().items()}
    run_fuzz(load, good, ModelFileError, seed=3, extra=safetensors_lies(arrays))


# ---- the model file: a zip of JSON + safetensors -------------------------------------------------
def zip_bytes(entries: dict[str, bytes], compress: int = zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compress) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.fixture(scope="module")
def model_file(tmp_path_factory) -> bytes:
    dg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    model.compile("adam", "cross_entropy", metrics=["accuracy"])
    x = np.random.default_rng(0).normal(size=(8, 4)).astype(np.float32)
    model.fit(x, np.arange(8) % 2, epochs=1, verbose=0)
    path = tmp_path_factory.mktemp("good") / "good.dg"
    model.save(path)
    return path.read_bytes()


def _model_file_lies(good: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(good)) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    config = json.loads(entries["config.json"])
    out = []
    for name in ("../config.json", "/etc/passwd", "..\\evil", "config.json/../../x"):
        out.append((f"entry {name!r}", zip_bytes(dict(entries, **{name: b"{}"}))))
    out.append(("traversal only", zip_bytes({"../config.json": entries["config.json"], **entries})))
    out.append(
        (
            "a weights zip bomb",
            zip_bytes(
                dict(entries, **{"weights.safetensors": bytes(16 * 2**20)}), zipfile.ZIP_DEFLATED
            ),
        )
    )
    out.append(
        (
            "a config zip bomb",
            zip_bytes(
                dict(entries, **{"config.json": b" " * (20 * 2**20) + entries["config.json"]}),
                zipfile.ZIP_DEFLATED,
            ),
        )
    )
    out.append(
        (
            "a state zip bomb",
            zip_bytes(
                dict(entries, **{"state.safetensors": bytes(16 * 2**20)}), zipfile.ZIP_DEFLATED
            ),
        )
    )
    for k, v in safetensors_lies({"0.weight": np.zeros((3, 4), np.float32)}):
        out.append((f"weights: {k}", zip_bytes(dict(entries, **{"weights.safetensors": v}))))
    deep = "[" * 100_000 + "]" * 100_000
    out.append(("config 100k deep", zip_bytes(dict(entries, **{"config.json": deep.encode()}))))
    for path, value in [
        (("model", "config", "modules"), 5),
        (("model", "config", "modules"), [[[[[]]]]]),
        (("model", "class"), ["Linear"]),
        (("model", "config"), "x"),
        (("format_version",), "1"),
        (("format_version",), 2**70),
        (("format",), None),
        (("model",), {"class": "Linear", "config": {"in_features": 10**6, "out_features": 10**6}}),
        (("model",), {"class": "Linear", "config": {"in_features": -1, "out_features": 2}}),
        (("model",), {"class": "Linear", "config": {"in_features": 1.5, "out_features": 2}}),
        (("model",), {"class": "Linear", "config": {"in_features": "4", "out_features": 2}}),
    ]:
        c = json.loads(json.dumps(config))
        node = c
        for p in path[:-1]:
            node = node.setdefault(p, {}) if isinstance(node, dict) else node
        if isinstance(node, dict):
            node[path[-1]] = value
        out.append((f"config {path} = {value!r:.40}", zip_bytes(dict(entries, **{"config.json": json.dumps(c).encode()}))))  # fmt: skip
    for key in list(config):
        for value in (None, 5, "x", [], {}, 2**70, -1, [[[[]]]]):
            c = dict(config, **{key: value})
            out.append(
                (
                    f"config[{key!r}] = {value!r}",
                    zip_bytes(dict(entries, **{"config.json": json.dumps(c).encode()})),
                )
            )
    return out


def test_fuzz_model_file(traced, tmp_path, model_file):
    target = tmp_path / "m.dg"

    def load(d: bytes) -> object:
        target.write_bytes(d)
        return dg.load_model(target)

    load(model_file)
    run_fuzz(load, model_file, ModelFileError, seed=4, extra=_model_file_lies(model_file), n=150)


# ---- IDX (MNIST / Fashion-MNIST) -----------------------------------------------------------------
def _reference_idx(data: bytes) -> np.ndarray | None:
    """What a correct IDX reader gives, or None for a file it must refuse."""
    if len(data) < 4 or data[0] or data[1]:
        return None
    types = {8: ">u1", 9: ">i1", 11: ">i2", 12: ">i4", 13: ">f4", 14: ">f8"}
    if data[2] not in types or not 1 <= data[3] <= 32:
        return None
    nd = data[3]
    if len(data) < 4 + 4 * nd:
        return None
    dims = struct.unpack(f">{nd}I", data[4 : 4 + 4 * nd])
    dt = np.dtype(types[data[2]])
    if len(data) != 4 + 4 * nd + int(np.prod(dims, dtype=object)) * dt.itemsize:
        return None
    return np.frombuffer(data, dt, offset=4 + 4 * nd).reshape(dims)


def _same_as_reference_idx(data: bytes, result: object) -> None:
    ref = _reference_idx(data)
    assert ref is not None, "parse_idx loaded a file a correct reader refuses"
    np.testing.assert_array_equal(result, ref)
    assert result.dtype == ref.dtype.newbyteorder("=")


def _idx_lies(good: np.ndarray) -> list[tuple[str, bytes]]:
    def idx(code: int, dims: tuple[int, ...], body: bytes) -> bytes:
        return bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims) + body

    body = good.tobytes()
    return [
        ("10**9 items", idx(8, (10**9,), body)),
        ("4e9 x 4e9", idx(8, (2**32 - 1, 2**32 - 1), body)),
        ("255 dims", bytes([0, 0, 8, 255]) + b"\xff" * 1020 + body),
        ("0 dims", bytes([0, 0, 8, 0]) + body),
        ("a zero dim with data", idx(8, (0, 5), body)),
        ("float64 claiming 10**9", idx(14, (10**9,), body)),
        ("unknown type", idx(7, good.shape, body)),
        ("a header only", idx(8, good.shape, b"")),
    ]


def test_fuzz_idx(traced):
    good_arr = np.random.default_rng(5).integers(0, 256, size=(6, 4, 3), dtype=np.uint8)
    buf = io.BytesIO()
    buf.write(bytes([0, 0, 8, 3]) + struct.pack(">3I", *good_arr.shape) + good_arr.tobytes())
    good = buf.getvalue()
    np.testing.assert_array_equal(parse_idx(good), good_arr)
    counts = run_fuzz(
        parse_idx,
        good,
        ValueError,
        seed=5,
        extra=_idx_lies(good_arr),
        expect=_same_as_reference_idx,
    )
    assert counts["loaded"] > 0
    f32 = np.arange(12, dtype=">f4").reshape(3, 4)
    good32 = bytes([0, 0, 13, 2]) + struct.pack(">2I", 3, 4) + f32.tobytes()
    run_fuzz(parse_idx, good32, ValueError, seed=6, expect=_same_as_reference_idx, n=100)


def test_fuzz_gzipped_idx(traced, tmp_path):
    arr = np.random.default_rng(7).integers(0, 256, size=(20, 5), dtype=np.uint8)
    raw = bytes([0, 0, 8, 2]) + struct.pack(">2I", *arr.shape) + arr.tobytes()
    good = gzip.compress(raw)
    target = tmp_path / "x-idx2-ubyte.gz"

    def load(d: bytes) -> object:
        target.write_bytes(d)
        return read_idx(target)

    np.testing.assert_array_equal(load(good), arr)
    bomb_body = bytes([0, 0, 8, 1]) + struct.pack(">I", 32 * 2**20) + bytes(32 * 2**20)
    extra = [("a gzip bomb", gzip.compress(bomb_body, 9))]
    run_fuzz(load, good, ValueError, seed=7, extra=extra, n=150)


# ---- NumPy .npy (checked reader) -----------------------------------------------------------------
def test_fuzz_npy(traced):
    buf = io.BytesIO()
    np.save(buf, np.arange(12, dtype=np.float32).reshape(3, 4))
    good = buf.getvalue()

    def header(text: str) -> bytes:
        h = text.encode()
        h += b" " * (63 - (10 + len(h)) % 64) + b"\n"
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h

    extra = [
        ("10**12 dims", header("{'descr': '<f4', 'fortran_order': False, 'shape': (10**12,), }")),
        (
            "big shape",
            header("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000,), }")
            + bytes(16),
        ),  # fmt: skip
        (
            "object dtype",
            header("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }") + b"\x80\x04N.",
        ),  # fmt: skip
        (
            "a call in the header",
            header("{'descr': __import__('os').getcwd(), 'fortran_order': False, 'shape': (1,), }"),
        ),  # fmt: skip
        (
            "deep header",
            header(
                "{'descr': '<f4', 'fortran_order': False, 'shape': "
                + "(" * 3000
                + ")" * 3000
                + ", }"
            ),
        ),  # fmt: skip
        ("a 2**16 header length", b"\x93NUMPY\x01\x00\xff\xff" + b" " * 64),
        ("version 3", b"\x93NUMPY\x03\x00" + good[8:]),
        ("version 1.255", b"\x93NUMPY\x01\xff" + good[8:]),
        ("version 7", b"\x93NUMPY\x07\x00" + good[8:]),
        ("version 2 huge length", b"\x93NUMPY\x02\x00" + struct.pack("<I", 2**32 - 1) + b"{"),
    ]

    def expect(data: bytes, result: object) -> None:
        ref = np.load(io.BytesIO(data), allow_pickle=False)
        np.testing.assert_array_equal(result, ref)

    run_fuzz(lambda d: read_npy(d, "x.npy"), good, ModelFileError, seed=8, extra=extra, expect=expect)  # fmt: skip


# ---- ONNX ------------------------------------------------------------------------------------------
def test_fuzz_onnx(traced, tmp_path):
    onnx = pytest.importorskip("onnx")
    from deepgrad.io import export_onnx, load_onnx
    from deepgrad.io.onnx_import import OnnxImportError

    dg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    path = tmp_path / "m.onnx"
    export_onnx(model, path, dg.randn(1, 3))
    good = path.read_bytes()
    load_onnx(good)

    proto = onnx.load_from_string(good)
    extra = []

    def variant(name: str, edit: Callable[[object], None]) -> None:
        m = onnx.ModelProto()
        m.CopyFrom(proto)
        edit(m)
        extra.append((name, m.SerializeToString()))

    def huge_dims(m):
        t = m.graph.initializer[0]
        del t.dims[:]
        t.dims.extend([10**6, 10**6])

    def external(m):
        t = m.graph.initializer[0]
        t.data_location = onnx.TensorProto.EXTERNAL
        e = t.external_data.add()
        e.key, e.value = "location", "../../../../etc/passwd"

    def negative_dims(m):
        t = m.graph.initializer[0]
        del t.dims[:]
        t.dims.extend([-1, 4])

    def wrong_dtype(m):
        m.graph.initializer[0].data_type = 8  # STRING

    def unknown_dtype(m):
        m.graph.initializer[0].data_type = 999

    def unknown_op(m):
        m.graph.node[0].op_type = "NoSuchOp"

    def dangling_input(m):
        m.graph.node[0].input[0] = "nowhere"

    def no_nodes(m):
        del m.graph.node[:]

    def huge_opset(m):
        m.opset_import[0].version = 2**62

    def cycle(m):
        m.graph.node[0].input[0] = m.graph.node[-1].output[0]

    for f in (huge_dims, external, negative_dims, wrong_dtype, unknown_dtype, unknown_op,
              dangling_input, no_nodes, huge_opset, cycle):  # fmt: skip
        variant(f.__name__, f)

    def load(d: bytes) -> object:
        return load_onnx(d)

    run_fuzz(load, good, (OnnxImportError, ModelFileError), seed=9, extra=extra, n=150)


# ---- recipes (TOML / JSON) -----------------------------------------------------------------------
RECIPE = b"""name = "fuzz"
[data]
name = "diabetes"
test_size = 0.25
scale = "standard"
seed = 0
[model]
zoo = "MLP"
args = { in_features = 10, hidden = [32, 16], out_features = 1 }
[optimizer]
name = "adam"
lr = 0.01
[training]
epochs = 3
batch_size = 32
loss = "mse"
metrics = ["mae"]
seed = 0
"""

#: values of the wrong type (or out of range) for recipe fields
_BAD_VALUES = [b'"1"', b"-1", b"1.5", b"10000000000000000000000", b"[1]", b"true", b"0", b"nan",
               b"inf", b"{a = 1}", b"1979-05-27", b'"x"', b"[]", b'"../../etc/passwd"']  # fmt: skip


def _recipe_lies(good: bytes) -> list[tuple[str, bytes]]:
    out = [
        ("100k nested arrays", b"a = " + b"[" * 100_000 + b"]" * 100_000),
        ("20k nested tables", b"a = " + b"{b = " * 20_000 + b"1" + b"}" * 20_000),
        ("5000-digit int", good.replace(b"epochs = 3", b"epochs = " + b"9" * 5000)),
        ("duplicate keys", good + b"[training]\nepochs = 2\n"),
        ("not UTF-8", b'name = "\xff"\n'),
        ("a huge MLP", good.replace(b"hidden = [32, 16]", b"hidden = [1000000000, 1000000000]")),
        ("a deep MLP", good.replace(b"hidden = [32, 16]", b"hidden = [" + b"2, " * 20_000 + b"2]")),
        ("a 1 MB recipe", good + b"# " + b"x" * 2**20 + b"\n"),
        ("a 1 MB array", good + b"a = [" + b"1, " * 2**18 + b"]\n"),
    ]
    lines = good.decode().splitlines()
    for i, line in enumerate(lines):
        if " = " not in line:
            continue
        key = line.split(" = ")[0]
        for v in _BAD_VALUES:
            edited = lines[:i] + [f"{key} = {v.decode()}"] + lines[i + 1 :]
            out.append((f"line {i} {key} = {v.decode()}", "\n".join(edited).encode()))
    return out


def test_fuzz_recipe(traced, tmp_path):
    target = tmp_path / "r.toml"

    def load(d: bytes) -> object:
        target.write_bytes(d)
        return load_recipe(target)

    assert load(RECIPE)["training"]["epochs"] == 3
    run_fuzz(load, RECIPE, RecipeError, seed=10, extra=_recipe_lies(RECIPE), n=150)


def test_fuzz_recipe_json(traced, tmp_path):
    import tomllib

    good = json.dumps(tomllib.loads(RECIPE.decode())).encode()
    target = tmp_path / "r.json"

    def load(d: bytes) -> object:
        target.write_bytes(d)
        return load_recipe(target)

    load(good)
    extra = [
        ("100k deep", b"[" * 100_000 + b"]" * 100_000),
        ("duplicate keys", good[:-1] + b', "name": "again"}'),
        ("a list", b"[1, 2]"),
        ("5000-digit int", good.replace(b'"epochs": 3', b'"epochs": ' + b"9" * 5000)),
        ("NaN epochs", good.replace(b'"epochs": 3', b'"epochs": NaN')),
    ]
    run_fuzz(load, good, RecipeError, seed=12, extra=extra, n=150)


# ---- CSV -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("engine", ["numpy", "pandas"])
def test_fuzz_csv(traced, tmp_path, engine):
    if engine == "pandas":
        pytest.importorskip("pandas")
    good = b"a,b,label\n1.5,2,0\n3,4.25,1\n-1,NA,0\n5,6,1\n"
    target = tmp_path / "t.csv"

    def load(d: bytes) -> object:
        target.write_bytes(d)
        return load_csv(target, target="label", engine=engine)

    load(good)
    extra = [
        ("a huge field", b"a,label\n" + b"1" * (2 * 2**20) + b",0\n"),
        ("an unclosed quote", b'a,label\n"1,0\n'),
        ("NUL bytes", b"a,label\n1\x00,0\n"),
        ("not UTF-8", b"a,label\n\xff,0\n"),
        ("ragged rows", b"a,b,label\n1,2\n1,2,3,4\n"),
        ("duplicate names", b"a,a,label\n1,2,0\n"),
        ("no target column", b"a,b\n1,2\n"),
        ("empty", b""),
        ("header only", b"a,b,label\n"),
    ]
    run_fuzz(load, good, ValueError, seed=11, extra=extra, n=150)


def test_mutations_are_seeded():
    data = bytes(range(200))
    assert list(mutations(data, 3, 20)) == list(mutations(data, 3, 20))
    assert Path(__file__).name.startswith("test_fuzz")


# ---- CIFAR-10 binary batches, .npz archives, pretrained safetensors -----------------------------
def test_fuzz_cifar_batch(traced, tmp_path):
    from deepgrad.data.datasets.cifar import read_cifar10_batch

    rng = np.random.default_rng(13)
    records = rng.integers(0, 256, size=(2, 3073), dtype=np.uint8)
    records[:, 0] = [3, 9]
    good = records.tobytes()
    target = tmp_path / "data_batch_1.bin"

    def load(d: bytes) -> object:
        target.write_bytes(d)
        return read_cifar10_batch(target)

    def expect(data: bytes, result: object) -> None:
        raw = np.frombuffer(data, np.uint8).reshape(-1, 3073)
        assert raw[:, 0].max() <= 9
        np.testing.assert_array_equal(result[0], raw[:, 1:].reshape(-1, 3, 32, 32))
        np.testing.assert_array_equal(result[1], raw[:, 0])

    run_fuzz(load, good, ValueError, seed=13, expect=expect, n=100)


def test_fuzz_npz(traced, tmp_path):
    from deepgrad.io.safe_read import read_npz_first

    buf = io.BytesIO()
    np.savez(buf, x=np.arange(10, dtype=np.float32), y=np.ones(3))
    good = buf.getvalue()
    target = tmp_path / "a.npz"

    def load(d: bytes) -> object:
        target.write_bytes(d)
        return read_npz_first(target, 2**20)

    np.testing.assert_array_equal(load(good), np.arange(10))
    extra = [
        ("an npz bomb", zip_bytes({"x.npy": bytes(16 * 2**20)}, zipfile.ZIP_DEFLATED)),
        ("no arrays", zip_bytes({"x.txt": b"1"})),
        ("a traversal name", zip_bytes({"../x.npy": good[:0]})),
        (
            "a pickled array",
            zip_bytes(
                {
                    "x.npy": b"\x93NUMPY\x01\x00v\x00{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
                    + b" " * 50
                    + b"\n\x80\x04N."
                }
            ),
        ),  # fmt: skip
    ]
    bad_version = bytearray(zip_bytes({"x.npy": good[:0] + b"\x93NUMPY"}))
    p = bad_version.find(b"PK\x01\x02")
    bad_version[p + 6] = 109  # the directory says: made for zip version 10.9
    extra.append(("zip version 10.9", bytes(bad_version)))
    run_fuzz(load, good, ModelFileError, seed=14, extra=extra, n=120)


def test_fuzz_load_pretrained(traced, tmp_path):
    from deepgrad.models.imagenet import load_pretrained

    dg.manual_seed(0)
    arrays = {k: v.numpy() for k, v in nn.Linear(3, 2).state_dict().items()}
    good = st_save(arrays)
    target = tmp_path / "w.safetensors"

    def load(d: bytes) -> object:
        target.write_bytes(d)
        return load_pretrained(nn.Linear(3, 2), target, strict=False)

    load(good)
    run_fuzz(load, good, ValueError, seed=15, extra=safetensors_lies(arrays), n=120)


# ---- regressions the fuzzer found ----------------------------------------------------------------
@pytest.mark.parametrize("version", ["²", "¹⁰", "١"])
def test_checkpoint_format_version_of_unicode_digits(version):
    data = st_save(
        {"w": np.zeros(2, np.float32)},
        metadata={"format_version": version, "deepgrad.structure": "1"},
    )
    with pytest.raises(ModelFileError, match="checkpoint format version"):
        dg.load(io.BytesIO(data))


def test_npy_header_that_python_cannot_tokenize():
    buf = io.BytesIO()
    np.save(buf, np.arange(12, dtype=np.float32).reshape(3, 4))
    data = bytearray(buf.getvalue())
    p = data.index(b"'shape'")
    data[p + 5 : p + 7] = b"E%"  # an unterminated string in the header dict
    with pytest.raises(ModelFileError, match="not a readable .npy array"):
        read_npy(bytes(data), "x.npy")


def test_onnx_names_that_are_not_utf8():
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    from deepgrad.io import load_onnx
    from deepgrad.io.onnx_import import OnnxImportError

    w = helper.make_tensor("wq", TensorProto.FLOAT, [1], [1.0])
    node = helper.make_node("Relu", ["wq"], ["y"])
    out = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
    model = helper.make_model(helper.make_graph([node], "g", [], [out], [w]))
    good = model.SerializeToString()
    assert load_onnx(good)().numpy().tolist() == [1.0]
    bad = good.replace(b"wq", b"w\xff")
    assert isinstance(onnx.load_from_string(bad).graph.initializer[0].name, bytes)  # protobuf's way
    with pytest.raises(OnnxImportError, match=r"initializer\[0\]\.name is b'w\\xff', not UTF-8"):
        load_onnx(bad)


def test_recipe_over_the_size_limit(tmp_path):
    from deepgrad.app.recipe import MAX_RECIPE_BYTES

    path = tmp_path / "big.toml"
    path.write_bytes(RECIPE + b"#" * MAX_RECIPE_BYTES)
    with pytest.raises(RecipeError, match="over the limit of 262,144"):
        load_recipe(path)
    path.write_bytes(RECIPE + b"# a comment\n")
    assert load_recipe(path)["training"]["epochs"] == 3


def test_pretrained_safetensors_with_a_header_length_starting_0x80(tmp_path):
    """One safetensors header length in 256 has 0x80 as its first byte: not a pickle."""
    from deepgrad.models.imagenet import load_pretrained

    model = nn.Linear(3, 2)
    arrays = {k: v.numpy() for k, v in model.state_dict().items()}
    data = st_save(arrays)
    n = struct.unpack("<Q", data[:8])[0]
    header = data[8 : 8 + n].rstrip()
    header += b" " * ((0x80 - len(header)) % 256)  # safetensors pads headers with spaces
    data = struct.pack("<Q", len(header)) + header + data[8 + n :]
    assert data[:1] == b"\x80"
    path = tmp_path / "w.safetensors"
    path.write_bytes(data)
    load_pretrained(model, path)
    for pickle_like in (b"\x80\x04\x95" + bytes(20), b"PK\x03\x04" + bytes(40)):
        path.write_bytes(pickle_like)
        with pytest.raises(ValueError, match="pickle"):
            load_pretrained(model, path)


# ---- the model file's config, value by value ---------------------------------------------------------
#: what a hostile config puts where a value was
_EVIL_JSON = [None, True, -1, 0, 1.5, 2**70, -(2**70), 1e308, "x", "", "../../etc/passwd", [],
              {}, [[[[[]]]]], {"__array__": "nope"}, {"class": "Linear"}, [1] * 1000,
              {"__tuple__": 5}, {"__dtype__": "object"}, {"__ndarray__": [[1], [2, 3]], "dtype": "float32"}]  # fmt: skip


def _json_paths(value, path=(), out=None, limit=5000):
    out = [] if out is None else out
    if len(out) < limit:
        out.append(path)
        if isinstance(value, dict):
            for k, v in value.items():
                _json_paths(v, (*path, k), out, limit)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                _json_paths(v, (*path, i), out, limit)
    return out


def _set_path(value, path, new):
    if not path:
        return new
    node = value
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = new
    return value


def config_mutations(entries: dict[str, bytes], seed: int, n: int) -> list[tuple[str, bytes]]:
    """``n`` model files whose config.json has one value (anywhere in it) replaced by an evil
    one, or one key dropped."""
    config = json.loads(entries["config.json"])
    paths = _json_paths(config)
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        c = json.loads(entries["config.json"])
        path = paths[int(rng.integers(1, len(paths)))]
        if rng.random() < 0.2 and isinstance(path[-1], str):
            parent = c
            for p in path[:-1]:
                parent = parent[p]
            del parent[path[-1]]
            what = f"config {list(path)} removed"
        else:
            new = _EVIL_JSON[int(rng.integers(len(_EVIL_JSON)))]
            c = _set_path(c, path, json.loads(json.dumps(new)))
            what = f"config {list(path)} = {new!r:.40}"
        out.append((what, zip_bytes(dict(entries, **{"config.json": json.dumps(c).encode()}))))
    return out


@pytest.mark.filterwarnings("ignore:.*custom loss:UserWarning")
def test_fuzz_model_file_config_values(traced, tmp_path):
    from deepgrad.data import MinMaxScaler, Preprocessing, StandardScaler

    rng = np.random.default_rng(16)
    x = rng.normal(size=(10, 3)).astype(np.float32)
    dg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    model.compile("adam", "cross_entropy", metrics=["accuracy"])
    model.fit(x, np.arange(10) % 2, epochs=1, verbose=0)
    model.preprocessing = Preprocessing(
        [("standard", StandardScaler().fit(x)), ("minmax", MinMaxScaler().fit(x))],
        features=["a", "b", "c"],
        classes=["x", "y"],
        task="classification",
    )
    path = tmp_path / "good.dg"
    model.save(path)
    good = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(good)) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    target = tmp_path / "m.dg"

    def load(d: bytes) -> object:
        target.write_bytes(d)
        return dg.load_model(target)

    assert load(good).preprocessing.features == ["a", "b", "c"]
    cases = config_mutations(entries, 16 + 1000 * SEED_SHIFT, int(150 * SCALE))
    counts = {"loaded": 0, "refused": 0}
    for i, (what, data) in enumerate(cases):
        counts[check(load, data, ModelFileError, what, trace=i % TRACE_EVERY == 0)] += 1
    assert counts["refused"] > 0


# ---- tar archives (the IMDB / CIFAR-10 downloads) ----------------------------------------------------
def test_fuzz_extract_tar(traced, tmp_path):
    import tarfile

    from deepgrad.data.download import extract_tar

    def tar_bytes(members: list[tuple[str, bytes]], mode: str = "w:gz") -> bytes:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode=mode) as tar:
            for name, data in members:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        return buf.getvalue()

    good = tar_bytes([("d/a.txt", b"hello " * 50), ("d/b.txt", b"world " * 50)])
    archive = tmp_path / "a.tar.gz"
    count = iter(range(10**9))

    def load(d: bytes) -> object:
        archive.write_bytes(d)
        dest = tmp_path / f"out{next(count)}"
        extract_tar(archive, dest, keep=lambda name: True)
        return dest

    def expect(data: bytes, dest: object) -> None:  # never outside dest
        assert not (tmp_path / "evil.txt").exists()

    assert (load(good) / "d" / "a.txt").read_bytes() == b"hello " * 50
    link = tarfile.TarInfo("d/link")
    link.type, link.linkname = tarfile.SYMTYPE, "../../evil.txt"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.addfile(link)
    extra = [
        ("a ../ member", tar_bytes([("../evil.txt", b"x")])),
        ("an absolute member", tar_bytes([(str(tmp_path / "evil.txt"), b"x")])),
        ("a symlink out", buf.getvalue()),
        ("not gzip", b"\x1f\x8b" + bytes(100)),
        ("plain tar truncated", tar_bytes([("d/a.txt", b"x" * 5000)], "w")[:3000]),
    ]
    run_fuzz(load, good, ValueError, seed=17, extra=extra, expect=expect, n=90)
    assert not (tmp_path / "evil.txt").exists()


@pytest.mark.parametrize("version", [(1, 0), (2, 0), (3, 0)])
def test_npy_versions_numpy_writes_are_read(version):
    from numpy.lib import format as npformat

    buf = io.BytesIO()
    arr = np.arange(6, dtype=np.int16).reshape(2, 3)
    npformat.write_array(buf, arr, version=version)
    np.testing.assert_array_equal(read_npy(buf.getvalue(), "x.npy"), arr)
    data = bytearray(buf.getvalue())
    data[7] = 255  # a minor version np.load refuses (found by the fuzzer on seed 5)
    with pytest.raises(ModelFileError, match=r"format version \(\d, 255\)"):
        read_npy(bytes(data), "x.npy")
