"""The dtype dg.tensor / dg.as_tensor infer from their data is torch.tensor's: Python numbers
take the defaults (float32, int64, bool, complex64), NumPy scalars, arrays and tensors keep
their dtypes, and a (nested) sequence promotes its elements' dtypes by torch.promote_types;
under a float64 default the defaults follow. dg.from_numpy keeps the array's dtype."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

# each case builds its data from a module (deepgrad or torch): ``m.tensor`` makes 0-d tensors
CASES = {
    "list of np.float64 and float": lambda m: [np.float64(2.5), 1.0],
    "bare np.float64": lambda m: np.float64(2.5),
    "bare np.float32": lambda m: np.float32(2.5),
    "bare np.float16": lambda m: np.float16(2.5),
    "bare np.int32": lambda m: np.int32(3),
    "bare np.uint8": lambda m: np.uint8(3),
    "bare np.bool_": lambda m: np.bool_(True),
    "bare np.complex64": lambda m: np.complex64(1j),
    "bare np.complex128": lambda m: np.complex128(1j),
    "np.float32 and np.float64": lambda m: [np.float32(1), np.float64(1)],
    "two np.float64": lambda m: [np.float64(1), np.float64(2)],
    "np.float32 and float": lambda m: [np.float32(1), 1.0],
    "np.float16 and float": lambda m: [np.float16(1), 1.0],
    "two np.float16": lambda m: [np.float16(1), np.float16(1)],
    "np.float16 and int": lambda m: [np.float16(1), 1],
    "np.int32 and int": lambda m: [np.int32(1), 2],
    "two np.int32": lambda m: [np.int32(1), np.int32(2)],
    "np.int8 and bool": lambda m: [np.int8(1), True],
    "np.uint8 and np.int8": lambda m: [np.uint8(1), np.int8(1)],
    "two np.uint8": lambda m: [np.uint8(1), np.uint8(2)],
    "np.uint8 and int": lambda m: [np.uint8(1), 2],
    "np.int32 and float": lambda m: [np.int32(1), 2.0],
    "two np.bool_": lambda m: [np.bool_(True), np.bool_(False)],
    "bool and int": lambda m: [True, 1],
    "bool and float": lambda m: [True, 1.5],
    "bools": lambda m: [True, False],
    "int and float": lambda m: [1, 2.0],
    "nested int and float": lambda m: [[1, 2], [3.0, 4]],
    "bare complex": lambda m: 1j,
    "int and complex": lambda m: [1, 1j],
    "float and complex": lambda m: [1.0, 2j],
    "np.float64 and complex": lambda m: [np.float64(1), 1j],
    "np.complex64 and float": lambda m: [np.complex64(1j), 1.0],
    "np.complex128 and float": lambda m: [np.complex128(1j), 1.0],
    "int32 array": lambda m: np.array([1, 2], np.int32),
    "float64 array": lambda m: np.array([1.0, 2.0]),
    "float16 array": lambda m: np.array([1.0, 2.0], np.float16),
    "int8 array": lambda m: np.array([1, 2], np.int8),
    "complex array": lambda m: np.array([1j]),
    "0-d float64 array": lambda m: np.array(2.5),
    "list of float64 arrays": lambda m: [np.array([1.0, 2.0]), np.array([3.0, 4.0])],
    "int32 array and list": lambda m: [np.array([1, 2], np.int32), [3, 4]],
    "0-d tensors float64 and float32": lambda m: [m.tensor(1.5, dtype=m.float64), m.tensor(2.0)],
    "0-d tensor float64 and float": lambda m: [m.tensor(1.0, dtype=m.float64), 2.0],
    "0-d int32 tensors": lambda m: [m.tensor(1, dtype=m.int32), m.tensor(2, dtype=m.int32)],
    "0-d int tensor and float": lambda m: [m.tensor(1), 2.0],
    "nested 0-d tensors": lambda m: [
        [m.tensor(1.0), m.tensor(2.0)],
        [m.tensor(3.0), m.tensor(4.0)],
    ],
    "0-d bool tensors": lambda m: [m.tensor(True), m.tensor(False)],
    "empty list": lambda m: [],
    "empty nested list": lambda m: [[]],
    "large int": lambda m: [2**40, 1],
}


@pytest.mark.parametrize("default", ["float32", "float64"])
@pytest.mark.parametrize("fn", ["tensor", "as_tensor"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_inferred_dtype_is_torchs(torch, case, fn, default):
    torch.set_default_dtype(getattr(torch, default))
    dg.set_default_dtype(getattr(dg, default))
    try:
        want = getattr(torch, fn)(CASES[case](torch))
        got = getattr(dg, fn)(CASES[case](dg))
    finally:
        torch.set_default_dtype(torch.float32)
    assert str(got.dtype) == str(want.dtype).removeprefix("torch."), case
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_a_sequence_keeps_float64_values_exactly():
    t = dg.tensor([np.float64(0.1), 1.0])
    assert t.dtype == dg.float64 and t[0].item() == 0.1


def test_complex_numbers_follow_the_default_dtype():
    assert dg.tensor(1j).dtype == np.complex64 and dg.tensor([1.0, 2j]).dtype == np.complex64
    dg.set_default_dtype(dg.float64)
    assert dg.tensor(1j).dtype == np.complex128 and dg.tensor([1, 1j]).dtype == np.complex128
    assert dg.tensor(1j, dtype=dg.complex64).dtype == np.complex64


@pytest.mark.parametrize(
    "dtype", [np.float16, np.float32, np.float64, np.int8, np.uint8, np.int32, np.int64, bool,
              np.complex64, np.complex128],
)  # fmt: skip
def test_from_numpy_keeps_the_dtype_and_the_memory(torch, dtype):
    a = np.ones(3, dtype)
    t, d = torch.from_numpy(a), dg.from_numpy(a)
    assert str(d.dtype) == str(t.dtype).removeprefix("torch.")
    assert np.shares_memory(d.numpy(), a)


def test_from_numpy_refuses_a_foreign_byte_order_as_torch(torch):
    a = np.array([1.0, 2.0], ">f8")
    with pytest.raises(ValueError, match="byte order"):
        torch.from_numpy(a)
    with pytest.raises(ValueError, match="byte order"):
        dg.from_numpy(a)
