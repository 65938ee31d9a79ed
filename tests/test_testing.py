"""deepgrad.testing: assert_close gives torch.testing.assert_close's verdicts, exception types
and messages (the dtype, shape and class names spelled deepgrad's way); make_tensor's ranges."""

from __future__ import annotations

import re

import numpy as np
import pytest

import deepgrad as dg


def _outcome(module, case):
    try:
        case(module)
    except Exception as error:  # noqa: BLE001 - the outcome is compared
        return type(error).__name__, str(error)
    return "ok", ""


def _normalised(text):
    text = text.replace("torch.Size([", "(").replace("])", ",)").replace("torch.", "")
    return re.sub(r"<class '[\w.]*\.(\w+)'>", r"<class '\1'>", text)


CASES = {
    "close floats": lambda m: m.testing.assert_close(m.tensor([1.0, 2.0]), m.tensor([1.0, 2.0 + 1e-6])),
    "not close": lambda m: m.testing.assert_close(m.tensor([1.0, 2.0, 3.0]), m.tensor([1.0, 4.0, 5.0])),
    "2-d index": lambda m: m.testing.assert_close(m.tensor([[1.0, 2], [3, 4]]), m.tensor([[1.0, 2], [3, 4.5]])),
    "ints equal": lambda m: m.testing.assert_close(m.tensor([1, 2, 3]), m.tensor([1, 4, 5])),
    "uint8": lambda m: m.testing.assert_close(m.tensor([3, 254], dtype=m.uint8), m.tensor([1, 5], dtype=m.uint8)),
    "bools": lambda m: m.testing.assert_close(m.tensor([True, False]), m.tensor([True, True])),
    "dtype": lambda m: m.testing.assert_close(m.tensor([1, 2]), m.tensor([1.0, 2.0])),
    "promoted": lambda m: m.testing.assert_close(m.tensor([[1, 2], [3, 4]]), m.tensor([[1, 2], [3, 5.0]]), check_dtype=False),
    "float32 vs 64 loosest": lambda m: m.testing.assert_close(m.tensor([1.0, 2.0]), m.tensor([1.0, 2.00001], dtype=m.float64), check_dtype=False),
    "float64 ok": lambda m: m.testing.assert_close(m.tensor([1.0, 2.0], dtype=m.float64), m.tensor([1.0, 2.0000001], dtype=m.float64)),
    "float64 not": lambda m: m.testing.assert_close(m.tensor([1.0, 2.0], dtype=m.float64), m.tensor([1.0, 2.0000003], dtype=m.float64)),
    "float16": lambda m: m.testing.assert_close(m.tensor([1.0, 2.0], dtype=m.float16), m.tensor([1.0, 2.01], dtype=m.float16)),
    "nan scalar": lambda m: m.testing.assert_close(m.tensor(float("nan")), m.tensor(float("nan"))),
    "nan equal_nan": lambda m: m.testing.assert_close(m.tensor([float("nan"), 1.0]), m.tensor([float("nan"), 1.0]), equal_nan=True),
    "nan expected": lambda m: m.testing.assert_close(m.tensor([1.0, 0.0]), m.tensor([1.0, float("nan")])),
    "inf equal": lambda m: m.testing.assert_close(m.tensor([float("inf"), 1.0]), m.tensor([float("inf"), 1.0])),
    "inf sign": lambda m: m.testing.assert_close(m.tensor([float("inf"), 1.0]), m.tensor([-float("inf"), 1.0])),
    "zero expected": lambda m: m.testing.assert_close(m.tensor([0.1, 0.0]), m.tensor([0.0, 0.1]), rtol=1e-3, atol=0.0),
    "only rtol": lambda m: m.testing.assert_close(m.tensor([0.1]), m.tensor([0.1]), rtol=1e-3),
    "only atol": lambda m: m.testing.assert_close(m.tensor([0.1]), m.tensor([0.1]), atol=1e-3),
    "explicit tolerances": lambda m: m.testing.assert_close(m.tensor([1.0]), m.tensor([1.05]), rtol=0.0, atol=0.1),
    "sequence item": lambda m: m.testing.assert_close([m.tensor([0.1, 0.0]), 1.0], [m.tensor([0.1, 0.0]), 1.5]),
    "nested item": lambda m: m.testing.assert_close({"a": [m.tensor(1.0), m.tensor([2.0, 3.0])]}, {"a": [m.tensor(1.0), m.tensor([2.0, 3.5])]}),
    "keys": lambda m: m.testing.assert_close({"a": m.tensor([0.1])}, {"b": m.tensor([0.1])}),
    "msg string": lambda m: m.testing.assert_close({"a": m.tensor([0.1])}, {"a": m.tensor([0.2])}, msg="boom"),
    "msg callable": lambda m: m.testing.assert_close(m.tensor([1.0, 2.0]), m.tensor([1.0, 2.1]), msg=lambda s: f"H\n{s}\nF"),
    "msg not for lengths": lambda m: m.testing.assert_close([1, 2], [1], msg="boom"),
    "tensor vs number": lambda m: m.testing.assert_close(m.tensor([0.1, 0.0]), 1.0),
    "shape": lambda m: m.testing.assert_close(m.tensor([0.1, 0.0]), m.tensor([0.1])),
    "int vs float": lambda m: m.testing.assert_close(1, 1.0),
    "int vs float unchecked": lambda m: m.testing.assert_close(1, 1.0, check_dtype=False),
    "numbers": lambda m: m.testing.assert_close(1.0, 1.1),
    "numpy numbers": lambda m: m.testing.assert_close(np.float32(1.0), np.float32(1.0000001)),
    "bool": lambda m: m.testing.assert_close(True, False),
    "none": lambda m: m.testing.assert_close(None, 1),
    "lengths": lambda m: m.testing.assert_close([1, 2], [1]),
    "numpy arrays": lambda m: m.testing.assert_close(np.array([1.0, 2]), np.array([1.0, 2.1])),
    "array vs tensor": lambda m: m.testing.assert_close(np.array([1.0, 2]), m.tensor([1.0, 2.0])),
    "requires grad": lambda m: m.testing.assert_close(m.tensor([1.0, 2.0], requires_grad=True), m.tensor([1.0, 2.0])),
    "subclass": lambda m: m.testing.assert_close(m.nn.Parameter(m.tensor([1.0, 2.0])), m.tensor([1.0, 2.0])),
    "subclass refused": lambda m: m.testing.assert_close(m.nn.Parameter(m.tensor([1.0, 2.0])), m.tensor([1.0, 2.0]), allow_subclasses=False),
    "empty": lambda m: m.testing.assert_close(m.zeros(0, 3), m.zeros(0, 3)),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CASES))
def test_assert_close_as_torch(torch, name):
    got = _outcome(dg, CASES[name])
    want = _outcome(torch, CASES[name])
    assert got[0] == want[0], (got, want)
    assert _normalised(got[1]) == _normalised(want[1])


def test_default_tolerances_are_torchs(torch):
    """Just inside and just outside each dtype's (rtol, atol)."""
    for dt, (rtol, atol) in {"float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7)}.items():
        base = np.array([0.0, 1.0, 100.0], dt)
        inside = base + np.array([0.9 * atol, 0.9 * (atol + rtol), 0.9 * (atol + 100 * rtol)])
        outside = base + np.array([0.0, 0.0, 1.2 * (atol + 100 * rtol)])
        dg.testing.assert_close(dg.tensor(inside.astype(dt)), dg.tensor(base))
        torch.testing.assert_close(torch.tensor(inside.astype(dt)), torch.tensor(base))
        for m in (dg, torch):
            with pytest.raises(AssertionError, match="1 / 3"):
                m.testing.assert_close(m.tensor(outside.astype(dt)), m.tensor(base))


def test_check_device_off_compares_values():
    dg.testing.assert_close(dg.ones(2), dg.ones(2), check_device=False)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "uint8", "bool", "complex64"])
def test_make_tensor_ranges(dtype):
    t = dg.testing.make_tensor(50, 4, dtype=np.dtype(dtype))
    assert t.shape == (50, 4) and t.dtype == np.dtype(dtype) and not t.requires_grad
    a = t.numpy()
    if dtype in ("float32", "float64"):
        assert a.min() >= -9 and a.max() < 9
    elif dtype == "int64":
        assert a.min() >= -9 and a.max() <= 9
    elif dtype == "uint8":
        assert a.min() >= 0 and a.max() <= 9


def test_make_tensor_options():
    t = dg.testing.make_tensor((3,), dtype=dg.float64, low=2, high=3, requires_grad=True)
    assert t.requires_grad and t.is_leaf and ((t >= 2) & (t < 3)).all()
    z = dg.testing.make_tensor(200, dtype=dg.int64, low=-1, high=2, exclude_zero=True)
    assert not (z == 0).any()
    with pytest.raises(ValueError, match="low"):
        dg.testing.make_tensor(3, dtype=dg.int64, low=5, high=2)
    with pytest.raises(ValueError, match="requires_grad"):
        dg.testing.make_tensor(3, dtype=dg.int64, requires_grad=True)
    dg.manual_seed(1)
    a = dg.testing.make_tensor(4, dtype=dg.float32)
    dg.manual_seed(1)
    assert (a == dg.testing.make_tensor(4, dtype=dg.float32)).all()
