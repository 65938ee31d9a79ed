"""dg.serialization: PyTorch's allowlist of globals a torch.save checkpoint may name
(add_safe_globals, safe_globals, get_safe_globals, clear_safe_globals,
get_unsafe_globals_in_checkpoint), checked against torch.load(weights_only=True) on the same
files; what is not allowlisted stays refused, running nothing."""

from __future__ import annotations

import argparse
import io
import pickle

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.io import ModelFileError


class Config:
    def __init__(self, lr, w):
        self.lr, self.w = lr, w


class Slotted:
    __slots__ = ("x", "y")

    def __init__(self):
        self.x, self.y = 1, [2, 3]


class WithState:
    def __init__(self):
        self.v = 5

    def __getstate__(self):
        return {"v": self.v}

    def __setstate__(self, state):
        self.v = state["v"] * 10


ALLOW = [np.dtype, np._core.multiarray.scalar, np.dtypes.Float64DType, np.dtypes.Int64DType,
         argparse.Namespace, Config, Slotted, WithState]  # fmt: skip


@pytest.fixture(autouse=True)
def _empty_allowlist():
    dg.serialization.clear_safe_globals()
    yield
    dg.serialization.clear_safe_globals()


def checkpoint(torch) -> bytes:
    obj = {
        "epoch": 3,
        "best": np.float64(0.91),
        "steps": np.int64(7),
        "args": argparse.Namespace(lr=0.1, layers=[1, 2]),
        "cfg": Config(0.5, torch.ones(2)),
        "slots": Slotted(),
        "state": WithState(),
        "w": torch.arange(3.0),
    }
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def test_allowlisted_globals_load_as_torch_loads_them(torch):
    data = checkpoint(torch)
    with torch.serialization.safe_globals(ALLOW):
        want = torch.load(io.BytesIO(data), weights_only=True)
    with dg.serialization.safe_globals(ALLOW):
        got = dg.load(io.BytesIO(data))
    assert list(got) == list(want)
    for k in ("epoch", "best", "steps", "args"):
        assert got[k] == want[k] and type(got[k]) is type(want[k])
    assert got["cfg"].lr == 0.5 and isinstance(got["cfg"].w, dg.Tensor)
    np.testing.assert_array_equal(got["cfg"].w.numpy(), want["cfg"].w.numpy())
    assert (got["slots"].x, got["slots"].y) == (want["slots"].x, want["slots"].y) == (1, [2, 3])
    assert got["state"].v == want["state"].v == 50  # __setstate__ ran
    np.testing.assert_array_equal(got["w"].numpy(), [0.0, 1.0, 2.0])


def test_without_the_allowlist_the_same_file_is_refused_naming_the_fix(torch):
    data = checkpoint(torch)
    with pytest.raises(torch.serialization.pickle.UnpicklingError):
        torch.load(io.BytesIO(data), weights_only=True)
    with pytest.raises(ModelFileError, match=r"add_safe_globals\(\[numpy"):
        dg.load(io.BytesIO(data))
    # one class short: still refused, naming the one missing
    with dg.serialization.safe_globals([c for c in ALLOW if c is not Slotted]):
        with pytest.raises(ModelFileError, match="Slotted"):
            dg.load(io.BytesIO(data))


def test_unsafe_globals_in_checkpoint_as_torch_lists_them(torch, tmp_path):
    data = checkpoint(torch)
    path = tmp_path / "ckpt.pt"
    path.write_bytes(data)
    want = sorted(torch.serialization.get_unsafe_globals_in_checkpoint(str(path)))
    assert dg.serialization.get_unsafe_globals_in_checkpoint(path) == want
    assert len(want) == 6
    dg.serialization.add_safe_globals([Config, (np.dtype, "numpy.dtype")])
    torch.serialization.add_safe_globals([Config, (np.dtype, "numpy.dtype")])
    try:
        want = sorted(torch.serialization.get_unsafe_globals_in_checkpoint(str(path)))
    finally:
        torch.serialization.clear_safe_globals()
    assert dg.serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(data)) == want
    assert len(want) == 4
    plain = io.BytesIO()
    torch.save({"w": torch.ones(2)}, plain)
    assert dg.serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(plain.getvalue())) == []
    with pytest.raises(ValueError, match="checkpoint returned by torch.save"):
        dg.serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(b"not a zip"))


def test_the_allowlist_functions(torch):
    S = dg.serialization
    assert S.get_safe_globals() == []
    S.add_safe_globals([Config])
    S.add_safe_globals([Config, (Slotted, "old.module.Slotted")])  # a set: no duplicate
    assert S.get_safe_globals() == [Config, (Slotted, "old.module.Slotted")]
    with S.safe_globals([WithState]):
        assert WithState in S.get_safe_globals()
    assert WithState not in S.get_safe_globals()
    with pytest.raises(RuntimeError), S.safe_globals([WithState]):
        raise RuntimeError("inside")
    assert WithState not in S.get_safe_globals()  # removed after an error too
    S.clear_safe_globals()
    assert S.get_safe_globals() == []
    # PyTorch's errors for malformed entries; a bare class (not a list) is a TypeError
    with pytest.raises(ValueError, match="tuple of length 2"):
        S.add_safe_globals([(Config, "a.Config", 1)])
    with pytest.raises(TypeError, match="str of callable full path"):
        S.add_safe_globals([(Config, 3)])
    with pytest.raises(TypeError, match=r"wrap it in a list, add_safe_globals\(\[Config\]\)"):
        S.add_safe_globals(Config)
    assert S.get_safe_globals() == []
    assert S.DEFAULT_PROTOCOL == torch.serialization.DEFAULT_PROTOCOL
    assert S.load is dg.load and S.save is dg.save


def test_a_name_given_with_the_object_is_the_one_the_file_must_use(torch):
    data = checkpoint(torch)
    renamed = [c for c in ALLOW if c is not Config] + [(Config, "elsewhere.Config")]
    with dg.serialization.safe_globals(renamed), pytest.raises(ModelFileError, match="Config"):
        dg.load(io.BytesIO(data))
    here = f"{Config.__module__}.{Config.__qualname__}"
    with dg.serialization.safe_globals([c for c in ALLOW if c is not Config] + [(Config, here)]):
        assert dg.load(io.BytesIO(data))["cfg"].lr == 0.5


class _Evil:
    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def test_allowlisting_one_class_lets_nothing_else_run(torch, tmp_path):
    import os

    marker = tmp_path / "pwned"
    obj = {"cfg": Config(1, 2), "x": _Evil(os.system, f"touch {marker}")}
    pkl = pickle.dumps(obj, protocol=2)
    buf = io.BytesIO()
    torch.save({"w": torch.ones(1)}, buf)
    # swap the archive's pickle for ours (same archive layout)
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = pkl if info.filename.endswith("data.pkl") else src.read(info)
            dst.writestr(info.filename, body)
    with dg.serialization.safe_globals([Config]):
        with pytest.raises(ModelFileError, match="system"):
            dg.load(io.BytesIO(out.getvalue()))
    assert not marker.exists()
    # NEWOBJ of a class that is not allowlisted: refused at its name; of an allowed
    # constructor that is not a class: refused
    newobj = b"\x80\x02c" + f"{Config.__module__}\nConfig\n".encode() + b")\x81."
    with pytest.raises(ModelFileError, match="not allowed"):
        dg.io.torch_zip.TorchZipUnpickler(newobj, lambda k: b"", "<").load()
    with pytest.raises(ModelFileError, match="NEWOBJ"):
        dg.io.torch_zip.TorchZipUnpickler(
            b"\x80\x02ccollections\nOrderedDict\n)\x81.", lambda k: b"", "<"
        ).load()
    with dg.serialization.safe_globals([Config]):
        made = dg.io.torch_zip.TorchZipUnpickler(newobj, lambda k: b"", "<").load()
    assert type(made) is Config
