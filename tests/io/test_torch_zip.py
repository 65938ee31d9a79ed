"""dg.load of what torch.save writes (its default zip format), with PyTorch's weights_only=True
contract: round trips against torch, and hostile archives refused with ModelFileError, running
no code and allocating no more than the file holds."""

from __future__ import annotations

import io
import pickle
import time
import zipfile

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn
from deepgrad.io import ModelFileError
from deepgrad.io.checkpoint import MAX_DEPTH


def saved(torch, obj, **kw) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf, **kw)
    return buf.getvalue()


def load_bytes(tmp_path, data: bytes, **kw):
    path = tmp_path / "t.pt"
    path.write_bytes(data)
    return dg.load(path, **kw)


def same(torch, t, d) -> None:
    """deepgrad's ``d`` equals torch's ``t`` in value, dtype, shape, requires_grad, structure."""
    if isinstance(t, torch.Tensor):
        want = nn.Parameter if isinstance(t, torch.nn.Parameter) else dg.Tensor
        assert type(d) is want, (type(d), type(t))
        assert d.shape == tuple(t.shape) and d.requires_grad == t.requires_grad
        ref = t.detach().resolve_conj().numpy()
        assert d.dtype == ref.dtype
        np.testing.assert_array_equal(d.numpy(), ref)
    elif isinstance(t, dict):
        assert type(d) is type(t) and list(d) == list(t)
        for k in t:
            same(torch, t[k], d[k])
    elif isinstance(t, (list, tuple)):
        assert type(d) is (tuple if isinstance(t, tuple) else list) and len(d) == len(t)
        for a, b in zip(t, d):
            same(torch, a, b)
    else:
        assert d == t and type(d) is type(t)


def round_trip(torch, tmp_path, obj):
    out = load_bytes(tmp_path, saved(torch, obj))
    same(torch, obj, out)
    return out


# ---- round trips --------------------------------------------------------------------------------
def test_state_dicts_of_layers(torch, tmp_path):
    torch.manual_seed(0)
    for layer in (torch.nn.Linear(3, 2), torch.nn.Conv2d(2, 3, 3), torch.nn.LSTM(2, 3, 2)):
        out = round_trip(torch, tmp_path, layer.state_dict())
        assert out._metadata == layer.state_dict()._metadata
    bn = torch.nn.BatchNorm1d(3)
    bn(torch.randn(4, 3))
    out = round_trip(torch, tmp_path, bn.state_dict())
    assert out["num_batches_tracked"].dtype == np.int64


def test_parameter_and_requires_grad(torch, tmp_path):
    round_trip(torch, tmp_path, torch.nn.Parameter(torch.ones(2, 3)))
    round_trip(torch, tmp_path, torch.nn.Parameter(torch.ones(2), requires_grad=False))
    round_trip(torch, tmp_path, {"w": torch.ones(2, requires_grad=True)})


def test_views_of_one_storage(torch, tmp_path):
    t = torch.arange(10.0)
    obj = {"a": t[2:5], "b": t[::2], "c": t.reshape(2, 5).T, "d": t, "e": torch.ones(1).expand(4)}
    out = round_trip(torch, tmp_path, obj)
    out["d"].numpy()[2] = 100.0  # views share their storage, as in PyTorch
    assert out["a"].numpy()[0] == 100.0


@pytest.mark.parametrize(
    "dtype", ["float16", "float32", "float64", "int8", "uint8", "int16", "int32", "int64",
              "bool", "complex64", "complex128", "uint16"],
)  # fmt: skip
def test_dtypes_and_shapes(torch, tmp_path, dtype):
    dt = getattr(torch, dtype)
    base = torch.arange(6).reshape(2, 3) % 2 if dtype == "bool" else torch.arange(6).reshape(2, 3)
    round_trip(torch, tmp_path, {"x": base.to(dt), "s": torch.tensor(3).to(dt),
                                 "e": torch.empty(0, 3, dtype=dt)})  # fmt: skip


def test_conjugated_tensor(torch, tmp_path):
    round_trip(torch, tmp_path, {"c": torch.tensor([1 + 2j, 3 - 1j]).conj()})


def test_optimizer_state_and_checkpoint_dict(torch, tmp_path):
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    for opt in (torch.optim.Adam(model.parameters()), torch.optim.SGD(model.parameters(), 0.1, 0.9)):  # fmt: skip
        model(torch.randn(4, 3)).sum().backward()
        opt.step()
        round_trip(torch, tmp_path, opt.state_dict())
    ckpt = {"epoch": 3, "model": model.state_dict(), "optimizer": opt.state_dict(), "loss": 0.5,
            "name": "x", "hist": [1.0, (2, None)]}  # fmt: skip
    round_trip(torch, tmp_path, ckpt)


def test_other_plain_values(torch, tmp_path):
    obj = {"size": torch.Size([2, 3]), "set": {1, 2}, "bytes": b"ab", "complex": 1 + 2j,
           7: None, "dtype": torch.float32, "dev": torch.device("cpu")}  # fmt: skip
    out = load_bytes(tmp_path, saved(torch, obj))
    assert out["size"] == (2, 3) and type(out["size"]) is tuple
    assert out["set"] == {1, 2} and out["bytes"] == b"ab" and out["complex"] == 1 + 2j
    assert out[7] is None and out["dtype"] is dg.float32 and str(out["dev"]) == "cpu"


def test_load_state_dict_into_deepgrad_modules(torch, tmp_path):
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    dm = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    dm.load_state_dict(load_bytes(tmp_path, saved(torch, tm.state_dict())))
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    want = tm(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(dm(dg.tensor(x)).numpy(), want, rtol=1e-5, atol=1e-6)


def test_weights_only_false_uses_the_same_reader(torch, tmp_path):
    out = load_bytes(tmp_path, saved(torch, {"w": torch.ones(2)}), weights_only=False)
    assert out["w"].numpy().tolist() == [1.0, 1.0]


# ---- hostile archives -----------------------------------------------------------------------------
def entries_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def rezip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, d in entries.items():
            zf.writestr(n, d)
    return buf.getvalue()


def with_pickle(torch, pkl: bytes) -> bytes:
    entries = entries_of(saved(torch, {"w": torch.arange(4.0)}))
    (name,) = [n for n in entries if n.endswith("/data.pkl")]
    entries[name] = pkl
    return rezip(entries)


def refused(tmp_path, data: bytes, match: str | None = None) -> ModelFileError:
    t0 = time.perf_counter()
    with pytest.raises(ModelFileError, match=match) as info:
        load_bytes(tmp_path, data)
    assert time.perf_counter() - t0 < 1.0
    return info.value


class _Evil:
    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


@pytest.mark.parametrize("which", ["os.system", "builtins.eval", "subprocess.Popen"])
def test_code_is_never_run(torch, tmp_path, which):
    import builtins
    import os
    import subprocess

    marker = tmp_path / "pwned"
    cmd = f"touch {marker}"
    fn, args = {
        "os.system": (os.system, (cmd,)),
        "builtins.eval": (builtins.eval, (f"open({str(marker)!r}, 'w')",)),
        "subprocess.Popen": (subprocess.Popen, (["touch", str(marker)],)),
    }[which]
    pkl = pickle.dumps({"w": _Evil(fn, *args)}, protocol=2)
    err = refused(tmp_path, with_pickle(torch, pkl), "not allowed")
    assert "tensors, numbers, strings and containers" in str(err)
    assert not marker.exists()


def test_disallowed_opcodes_and_calls(torch, tmp_path):
    # GLOBAL collections.OrderedDict, then BUILD setting an attribute other than _metadata
    refused(tmp_path, with_pickle(torch, b"\x80\x02ccollections\nOrderedDict\n)R}X\x01\x00\x00\x00aK\x01sb."), "state")  # fmt: skip
    # NEWOBJ on an allowed name
    refused(tmp_path, with_pickle(torch, b"\x80\x02ccollections\nOrderedDict\n)\x81."), "NEWOBJ")
    # a dict key that is a list-holding tuple
    refused(tmp_path, with_pickle(torch, b"\x80\x02}](K\x01t\x85K\x01s."), "dict key")


def test_storage_and_view_bounds(torch, tmp_path):
    good = entries_of(saved(torch, {"w": torch.arange(4.0)}))
    (pkl_name,) = [n for n in good if n.endswith("/data.pkl")]
    pkl = good[pkl_name]
    assert b"K\x04t" in pkl  # the storage's numel (4), then the size (4,) and stride (1,)

    def patched(old: bytes, new: bytes) -> bytes:
        assert pkl.count(old) == 1, old
        return rezip(dict(good, **{pkl_name: pkl.replace(old, new)}))

    refused(tmp_path, patched(b"K\x04t", b"K\x05t"), "declares 5 elements")
    refused(tmp_path, patched(b"K\x00K\x04\x85", b"K\x01K\x04\x85"), "outside its storage")
    refused(tmp_path, patched(b"K\x04\x85q\x08K\x01\x85", b"K\x04\x85q\x08K\x02\x85"), "outside")
    refused(tmp_path, patched(b"K\x04\x85q\x08K\x01\x85", b"K\x04\x85q\x08J\xff\xff\xff\xff\x85"), "negative")  # fmt: skip
    refused(tmp_path, patched(b"K\x00K\x04\x85", b"K\x00J\xfe\xff\xff\xff\x85"), "negative")
    no_data = {n: d for n, d in good.items() if "/data/" not in n}
    refused(tmp_path, rezip(no_data), "missing")


def test_bfloat16_is_refused_naming_float32(torch, tmp_path):
    refused(tmp_path, saved(torch, {"w": torch.ones(2, dtype=torch.bfloat16)}), "float32")


def test_legacy_and_plain_pickles_stay_refused(torch, tmp_path):
    legacy = saved(torch, {"w": torch.ones(2)}, _use_new_zipfile_serialization=False)
    refused(tmp_path, legacy, "never unpickles")
    refused(tmp_path, pickle.dumps({"w": [1.0]}), "never unpickles")


def test_truncated_pickle(torch, tmp_path):
    pkl = entries_of(saved(torch, {"w": torch.arange(4.0)}))
    (name,) = [n for n in pkl if n.endswith("/data.pkl")]
    for cut in (1, 10, len(pkl[name]) // 2, len(pkl[name]) - 1):
        refused(tmp_path, with_pickle(torch, pkl[name][:cut]), "truncated or malformed|not allowed")


def test_deep_nesting_and_cycles(torch, tmp_path):
    deep = b"\x80\x02" + b"]" * (MAX_DEPTH + 5) + b"a" * (MAX_DEPTH + 4) + b"."
    refused(tmp_path, with_pickle(torch, deep), "deeper")
    ok = b"\x80\x02" + b"]" * 10 + b"a" * 9 + b"."
    assert load_bytes(tmp_path, with_pickle(torch, ok)) == [[[[[[[[[[]]]]]]]]]]
    cycle = b"\x80\x02]q\x00h\x00a."  # a list holding itself
    refused(tmp_path, with_pickle(torch, cycle), "deeper")


def test_dag_bomb_is_quick(torch, tmp_path):
    """20 levels, each a list of 30 references to the level below (via memo GET): 30**20
    paths, 20 distinct lists."""
    ops = bytearray(b"\x80\x02]q\x00")
    for level in range(1, 21):
        ops += b"(" + (b"h" + bytes([level - 1])) * 30 + b"lq" + bytes([level])
    ops += b"."
    t0 = time.perf_counter()
    out = load_bytes(tmp_path, with_pickle(torch, bytes(ops)))
    assert time.perf_counter() - t0 < 1.0
    assert len(out) == 30 and out[0] is out[1]


def _tuple_dag(levels: int) -> bytes:
    """Opcodes leaving on the stack a tuple of 2**levels leaves that shares its halves (memo
    GETs): hashing it or printing it whole would take 2**levels steps."""
    ops = bytearray(b"K\x01q\x00")
    for level in range(1, levels + 1):
        ops += b"h" + bytes([level - 1]) + b"h" + bytes([level - 1]) + b"\x86q" + bytes([level])
    return bytes(ops)


@pytest.mark.parametrize(
    "shape",
    [
        b"(" + _tuple_dag(60) + b"K\x02d.",  # MARK key value DICT
        b"}" + _tuple_dag(60) + b"K\x02s.",  # EMPTY_DICT key value SETITEM
        b"}(" + _tuple_dag(60) + b"K\x02u.",  # SETITEMS
        b"\x8f(" + _tuple_dag(60) + b"\x90.",  # EMPTY_SET MARK item ADDITEMS
        b"(" + _tuple_dag(60) + b"\x91.",  # MARK item FROZENSET
    ],
    ids=["DICT", "SETITEM", "SETITEMS", "ADDITEMS", "FROZENSET"],
)
def test_a_shared_tuple_as_a_key_is_refused_quickly(torch, tmp_path, shape):
    """A dict key or set element that shares its parts (2**60 leaves) is refused before it
    is hashed, and the error names it without printing it whole."""
    err = refused(tmp_path, with_pickle(torch, b"\x80\x04" + shape), "dict key or set element")
    assert len(str(err)) < 1000


def test_an_integer_tensor_that_requires_grad_is_refused(torch, tmp_path):
    """No PyTorch tensor is like that, so only a forged file holds one."""
    good = entries_of(saved(torch, {"w": torch.arange(4)}))
    (pkl_name,) = [n for n in good if n.endswith("/data.pkl")]
    pkl = good[pkl_name]
    assert pkl.count(b"\x89") == 1  # requires_grad=False (protocol 2's NEWFALSE)
    forged = rezip(dict(good, **{pkl_name: pkl.replace(b"\x89", b"\x88")}))
    refused(tmp_path, forged, "requires grad")
    assert load_bytes(tmp_path, rezip(good))["w"].tolist() == [0, 1, 2, 3]


# ---- tensors with Python attributes (torch._tensor._rebuild_from_type_v2) ---------------------
def test_tensor_and_parameter_attributes_are_loaded_as_torch_loads_them(torch, tmp_path):
    """``t.foo = ...`` before ``torch.save``: PyTorch's weights_only loader gives the
    attributes back (``_rebuild_from_type_v2``, ``_rebuild_parameter_with_state``)."""
    t = torch.randn(2, 3)
    t.foo, t.n = "bar", 3
    p = torch.nn.Parameter(torch.randn(2))
    p.extra = {"a": [1, 2.5]}
    g = torch.ones(2, requires_grad=True)
    g.note = None
    obj = {"t": t, "p": p, "g": g}
    theirs = torch.load(io.BytesIO(saved(torch, obj)), weights_only=True)
    ours = round_trip(torch, tmp_path, obj)
    assert (ours["t"].foo, ours["t"].n) == (theirs["t"].foo, theirs["t"].n) == ("bar", 3)
    assert ours["p"].extra == theirs["p"].extra == {"a": [1, 2.5]}
    assert ours["g"].note is None and ours["g"].requires_grad
    assert ours["t"].__dict__ == {"foo": "bar", "n": 3}


def _forged_state(torch, attr: str) -> bytes:
    """A file whose tensor has the attribute ``attr``: saved with a placeholder name of the
    same length, renamed in the pickle (its length prefix stays right)."""
    t = torch.arange(3.0)
    setattr(t, "z" * len(attr), 1)
    entries = entries_of(saved(torch, {"w": t}))
    (name,) = [n for n in entries if n.endswith("/data.pkl")]
    assert entries[name].count(b"z" * len(attr)) == 1
    entries[name] = entries[name].replace(b"z" * len(attr), attr.encode())
    return rezip(entries)


@pytest.mark.parametrize("attr", ["data", "grad", "_data", "__class__", "requires_grad", "9a"])
def test_a_saved_attribute_that_would_replace_the_tensors_own_is_refused(torch, tmp_path, attr):
    """A real ``__dict__`` never holds these; a forged file naming one would replace the
    tensor's values (``data``, ``_data``) or its class: refused, naming the attribute."""
    refused(tmp_path, _forged_state(torch, attr), "saved attribute")
    assert load_bytes(tmp_path, _forged_state(torch, "ok_"))["w"].ok_ == 1


def test_rebuild_from_type_takes_tensor_rebuilds_and_types_only(torch, tmp_path):
    head = b"\x80\x02ctorch._tensor\n_rebuild_from_type_v2\n"
    # a type other than Tensor/Parameter (the allowed OrderedDict) as new_type
    pkl = head + b"(ctorch._utils\n_rebuild_parameter\nccollections\nOrderedDict\n)Ntq\x00R."
    refused(tmp_path, with_pickle(torch, pkl), "only Tensor and Parameter")
    # a func that is not a tensor rebuild (OrderedDict) with the Tensor type
    pkl = head + b"(ccollections\nOrderedDict\nctorch\nTensor\n)Ntq\x00R."
    refused(tmp_path, with_pickle(torch, pkl), "not allowed")
    # torch.Tensor itself is never called, nor given a state
    refused(tmp_path, with_pickle(torch, b"\x80\x02ctorch\nTensor\n)R."), "not allowed")
    refused(tmp_path, with_pickle(torch, b"\x80\x02ctorch\nTensor\n}b."), "state")
