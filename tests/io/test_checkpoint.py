"""dg.save / dg.load: what PyTorch programs save, in one safetensors file, never pickle;
hostile files refused before anything is allocated."""

from __future__ import annotations

import io
import json
import math
import pickle
import struct
from collections import OrderedDict

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn, optim
from deepgrad.io import ModelFileError, safe_read
from deepgrad.io import checkpoint as ckpt


def _same(a, b):
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, dg.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape and a.requires_grad == b.requires_grad
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    elif isinstance(a, np.ndarray | np.generic):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, list | tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    else:
        assert a == b


def test_checkpoint_dict_round_trips(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    opt = optim.Adam(model.parameters(), lr=1e-3)
    model(dg.randn(5, 3)).sum().backward()
    opt.step()
    obj = {
        "epoch": 3,
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "loss": 0.125,
        "best": float("nan"),
        "inf": float("inf"),
        "history": [1.0, (2, None), {"deep": [True, False, "x"]}],
        "w": dg.tensor([1.0, 2.0], dtype=dg.float64, requires_grad=True),
        "i": dg.tensor([1, 2]),
        "scalar": np.float32(2.5),
        "big": 2**70,
        7: "int key",
        None: OrderedDict(b=1, a=2),
    }
    path = tmp_path / "ck.pt"
    dg.save(obj, path)
    back = dg.load(path, map_location="cpu", weights_only=True)
    _same(obj, back)
    # the model and optimizer resume from it
    model2 = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    model2.load_state_dict(back["model"])
    opt2 = optim.Adam(model2.parameters(), lr=1e-3)
    opt2.load_state_dict(back["optimizer"])
    for a, b in zip(model.parameters(), model2.parameters()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_file_is_plain_safetensors_with_state_dict_names(tmp_path, torch):
    from safetensors.torch import load_file

    model = nn.Linear(3, 2)
    dg.save(model.state_dict(), tmp_path / "m.safetensors")
    loaded = load_file(str(tmp_path / "m.safetensors"))
    assert sorted(loaded) == ["bias", "weight"]
    np.testing.assert_array_equal(loaded["weight"].numpy(), model.weight.numpy())
    # and a safetensors file written by torch loads as a dict of tensors
    from safetensors.torch import save_file

    save_file({"a": torch.ones(2)}, str(tmp_path / "t.safetensors"))
    back = dg.load(tmp_path / "t.safetensors")
    assert list(back) == ["a"] and isinstance(back["a"], dg.Tensor)


def test_file_objects():
    buf = io.BytesIO()
    dg.save([dg.zeros(2), "x"], buf)
    buf.seek(0)
    _same(dg.load(buf), [dg.zeros(2), "x"])


def test_refuses_what_it_cannot_save(tmp_path):
    with pytest.raises(TypeError, match="save a module's state_dict"):
        dg.save(nn.Linear(2, 2), tmp_path / "m.pt")
    with pytest.raises(TypeError, match="dict key"):
        dg.save({(1, 2): 3}, tmp_path / "m.pt")
    with pytest.raises(TypeError, match="pickle"):
        dg.load(tmp_path / "x", pickle_module=object())
    with pytest.raises(FileNotFoundError):
        dg.load(tmp_path / "missing.pt")


def test_refuses_a_pickle(tmp_path, torch):
    """A legacy (non-zip) torch.save file and a plain pickle stay refused; the default zip
    format is read by a restricted reader (tests/io/test_torch_zip.py)."""
    torch.save({"w": torch.ones(2)}, tmp_path / "t.pt", _use_new_zipfile_serialization=False)
    with pytest.raises(ModelFileError, match="never unpickles"):
        dg.load(tmp_path / "t.pt")
    (tmp_path / "p.pkl").write_bytes(pickle.dumps({"w": [1.0]}))
    with pytest.raises(ModelFileError, match="never unpickles"):
        dg.load(tmp_path / "p.pkl")


def _file(header: dict, body: bytes = b"", declared: int | None = None) -> bytes:
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h) if declared is None else declared) + h + body


@pytest.mark.parametrize(
    "data, match",
    [
        (b"abc", "too short"),
        (_file({}, declared=10**12), "declares"),
        (_file({}, declared=safe_read.MAX_SAFETENSORS_HEADER + 1) + b" " * 10, "declares"),
        (struct.pack("<Q", 3) + b"[[[", "not valid JSON"),
        (_file({"a": {"dtype": "F32", "shape": [10**9, 10**9], "data_offsets": [0, 4]}}, b"\0" * 4), "needs 4000000000000000000 bytes"),
        (_file({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 4), "claims bytes"),
        (_file({"a": {"dtype": "O", "shape": [1], "data_offsets": [0, 8]}}, b"\0" * 8), "dtype 'O'"),
        (_file({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4), "non-negative"),
        (_file({"__metadata__": {"x": 1}}), "__metadata__"),
    ],
)  # fmt: skip
def test_hostile_headers_are_refused_before_allocating(tmp_path, data, match):
    p = tmp_path / "bad.pt"
    p.write_bytes(data)
    with pytest.raises(ModelFileError, match=match):
        dg.load(p)


def _with_structure(structure: str, version: str = "1") -> bytes:
    meta = {"format": ckpt.FORMAT, "format_version": version, ckpt.STRUCTURE_KEY: structure}
    return _file({"__metadata__": meta})


@pytest.mark.parametrize(
    "structure, match",
    [
        ("[" * 100000 + "]" * 100000, "deeper|valid JSON"),
        ("[" * 100 + "]" * 100, "deeper"),
        ('{"__tensor__": "nope"}', "lacks"),
        ('{"__dict__": [[[1], 2]]}', "key of type"),
        ('{"__weird__": 1}', "unexpected"),
        ('{"__odict__": [], "metadata": [1]}', "_metadata"),
        ('{"__odict__": [], "metadata": {"": {"version": [1]}}}', "_metadata"),
        ("{not json", "valid JSON"),
    ],
)
def test_hostile_structures_are_refused(tmp_path, structure, match):
    p = tmp_path / "bad.pt"
    p.write_bytes(_with_structure(structure))
    with pytest.raises(ModelFileError, match=match):
        dg.load(p)


def test_a_state_dicts_metadata_round_trips_as_torch_pickles_it(tmp_path):
    m = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    dg.save({"model": m.state_dict(), "epoch": 1}, tmp_path / "c.pt")
    sd = dg.load(tmp_path / "c.pt")["model"]
    assert sd._metadata == m.state_dict()._metadata
    assert sd._metadata == {"": {"version": 1}, "0": {"version": 1}, "1": {"version": 2}}
    m.load_state_dict(sd)
    bad = OrderedDict(a=dg.ones(1))
    bad._metadata = {"": {"version": object()}}
    with pytest.raises(TypeError, match="_metadata"):
        dg.save(bad, tmp_path / "bad.pt")


def test_newer_format_is_refused(tmp_path):
    p = tmp_path / "new.pt"
    p.write_bytes(_with_structure("1", version="99"))
    with pytest.raises(ModelFileError, match="upgrade"):
        dg.load(p)


def test_save_is_atomic(tmp_path):
    p = tmp_path / "ck.pt"
    dg.save({"a": 1}, p)
    with pytest.raises(TypeError):
        dg.save({"a": object()}, p)
    assert dg.load(p) == {"a": 1}
    assert [f.name for f in tmp_path.iterdir()] == ["ck.pt"]


@pytest.mark.parametrize("first", [b"\x80", b"(d", b"(l"])  # ("}q", "]q": odd, and
# safetensors pads its header to a multiple of 8 bytes)
def test_a_safetensors_file_whose_header_length_starts_like_a_pickle_loads(tmp_path, first):
    """A safetensors file starts with its header's length (8 bytes, little-endian): for one
    length in 256 its first byte is 0x80, pickle's protocol opcode (and likewise for the
    two-byte protocol-0 prefixes). Such files are no pickles and must load."""
    from safetensors.numpy import save as st_save

    import deepgrad.nn as nn
    from deepgrad.io import serialization

    want = int.from_bytes(first + b"\x00" * (8 - len(first)), "little")
    model = nn.Linear(3, 2)
    arrays = {k: np.asarray(v) for k, v in model.state_dict().items()}
    for pad in range(70_000):
        data = st_save(arrays, metadata={"pad": "x" * pad})
        n = int.from_bytes(data[:8], "little")
        if n % (256 ** len(first)) == want:
            break
    assert data[: len(first)] == first
    path = tmp_path / "w.safetensors"
    path.write_bytes(data)
    loaded = dg.load(path)  # a safetensors file from elsewhere: its tensors by name
    np.testing.assert_array_equal(loaded["weight"].numpy(), arrays["weight"])
    fresh = nn.Linear(3, 2)
    serialization.load_weights(fresh, path)
    np.testing.assert_array_equal(fresh.weight.numpy(), arrays["weight"])


def test_dg_save_round_trips_whatever_its_header_length(tmp_path):
    path = tmp_path / "ckpt.pt"
    seen = set()
    for k in range(300):  # the header length walks through every value of its first byte
        obj = {"epoch": 3, "name": "x" * k, "w": dg.tensor(np.arange(4.0, dtype=np.float32))}
        dg.save(obj, path)
        seen.add(path.read_bytes()[0])
        back = dg.load(path)
        assert back["name"] == obj["name"] and back["w"].numpy().tolist() == [0.0, 1.0, 2.0, 3.0]
    assert 0x80 in seen


def test_a_real_pickle_is_still_refused(tmp_path):
    import pickle

    path = tmp_path / "p.pt"
    for proto in (0, 2, 4, 5):
        path.write_bytes(pickle.dumps({"w": [1.0, 2.0]}, protocol=proto))
        with pytest.raises(ModelFileError, match="pickle"):
            dg.load(path)


@pytest.mark.parametrize("where", ["cuda", "cuda:1"])
def test_map_location_on_a_cuda_device_without_it_raises_pytorchs_error(tmp_path, where):
    torch = pytest.importorskip("torch")
    torch.save({"a": torch.ones(1)}, tmp_path / "t.pt")
    with pytest.raises(RuntimeError, match="deserialize object on a CUDA device"):
        torch.load(tmp_path / "t.pt", map_location=where)
    dg.save({"a": dg.ones(1)}, tmp_path / "d.pt")
    with pytest.raises(RuntimeError, match="deserialize object on a CUDA device"):
        dg.load(tmp_path / "d.pt", map_location=where)
    for ok in ("cpu", dg.device("cpu"), {"cuda:0": "cpu"}, lambda s, loc: s):
        assert dg.load(tmp_path / "d.pt", map_location=ok)["a"].tolist() == [1.0]
    with pytest.raises(ValueError):
        dg.load(tmp_path / "d.pt", map_location="mps")
