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
    # a Python int past int64 is read as a number where the list is float or complex
    "int past int64 and float": lambda m: [2**70, 1.0],
    "nested int past int64 and float": lambda m: [[2**64], [1.5]],
    "int past int64 and np.float64": lambda m: [2**70, np.float64(1)],
    "int past int64 and np.float16": lambda m: [np.float16(1), 2**70],
    "int past int64 and complex": lambda m: [2**70, 1j],
    "np.bool_ and float": lambda m: [np.bool_(True), 1.5],
    "np.bool_ and bool": lambda m: [np.bool_(True), True],
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


@pytest.mark.parametrize(
    "data,dtype",
    [([3, -2], "uint8"), (-255, "uint8"), ([-1, 7], "uint16"), ([-(2**32) + 1], "uint32"),
     ([127, -128], "int8"), (np.array([300, -2]), "uint8"), ([1.7, -1.7], "int32")],
)  # fmt: skip
@pytest.mark.parametrize("fn", ["tensor", "as_tensor"])
def test_ints_for_a_narrow_dtype_wrap_as_torch(torch, data, dtype, fn):
    # PyTorch wraps a negative Python int into an unsigned dtype (-2 -> 254) within [-max, max]
    want = getattr(torch, fn)(data, dtype=getattr(torch, dtype))
    got = getattr(dg, fn)(data, dtype=getattr(dg, dtype))
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize(
    "data,dtype",
    [([300], "uint8"), ([-256], "uint8"), ([200], "int8"), ([-1.5], "uint8"), ([-1], "uint64"),
     ([2**63], None), ([1, 2**63], None), (2**63, None), (-(2**63) - 1, None)],
)  # fmt: skip
def test_ints_that_do_not_fit_raise_as_torch(torch, data, dtype):
    # [2**63] used to wrap silently to -2**63
    with pytest.raises((RuntimeError, ValueError, OverflowError)):
        torch.tensor(data, dtype=dtype and getattr(torch, dtype))
    for err in (RuntimeError, ValueError, OverflowError):  # PyTorch's classes and NumPy's
        with pytest.raises(err, match="overflow|Overflow"):
            dg.tensor(data, dtype=dtype and getattr(dg, dtype))


@pytest.mark.parametrize(
    "arr",
    [np.array([1.0, 2.0], np.longdouble), np.array(["a", "b"]), np.array([1, "a"], object),
     np.array([1, 2], object), np.array(["2020-01-01"], "datetime64[D]")],
    ids=["longdouble", "str", "object", "object ints", "datetime"],
)  # fmt: skip
@pytest.mark.parametrize("fn", ["tensor", "as_tensor", "from_numpy"])
def test_arrays_torch_has_no_dtype_for_raise(torch, arr, fn):
    with pytest.raises(TypeError, match="can't convert np.ndarray"):
        getattr(torch, fn)(arr)
    with pytest.raises(TypeError, match="can't convert np.ndarray of type numpy"):
        getattr(dg, fn)(arr)


@pytest.mark.parametrize("fn", ["rand", "randn"])
@pytest.mark.parametrize("dtype", ["float16", "float64", "complex64", "complex128"])
def test_rand_and_randn_draw_every_floating_dtype_as_torch(torch, fn, dtype):
    t = getattr(torch, fn)(4000, dtype=getattr(torch, dtype))
    d = getattr(dg, fn)(4000, dtype=getattr(dg, dtype))
    assert str(d.dtype) == str(t.dtype).removeprefix("torch.")
    a = d.numpy()
    if fn == "rand":  # real and imaginary parts each uniform in [0, 1)
        for part in (a.real, a.imag) if a.dtype.kind == "c" else (a,):
            assert part.min() >= 0 and part.max() < 1 and abs(part.mean() - 0.5) < 0.05
    else:  # variance 1 (a complex one split ½ and ½ between the parts, as torch's)
        assert abs(np.var(a) - 1) < 0.1
        if a.dtype.kind == "c":
            assert abs(np.var(a.real) - 0.5) < 0.05
    assert dg.rand_like(d).dtype == d.dtype


@pytest.mark.parametrize("fn", ["rand", "randn"])
def test_rand_of_an_integer_dtype_raises_as_torch(torch, fn):
    with pytest.raises(NotImplementedError):
        getattr(torch, fn)(2, dtype=torch.int64)
    with pytest.raises(NotImplementedError, match="randint"):
        getattr(dg, fn)(2, dtype=dg.int64)


@pytest.mark.parametrize(
    "data",
    [[np.bool_(True), 1], [np.bool_(True), np.int8(1)], [[np.bool_(True)], [1]],
     [2**70, 1], [2**70, True], [np.int64(1), 2**70]],
)  # fmt: skip
def test_lists_torch_refuses_are_refused(torch, data):
    """An np.bool_ read into an integer tensor (PyTorch reads each element as an int, which
    NumPy's bool is not) and an int past int64 in an integer list raise, as in PyTorch."""
    with pytest.raises((TypeError, ValueError)) as want:
        torch.tensor(data)
    with pytest.raises(type(want.value), match=str(want.value).split(":")[0][:30]):
        dg.tensor(data)


@pytest.mark.parametrize(
    "data",
    [
        lambda: [np.array(1.5)],
        lambda: [np.array(1, dtype=np.int32), 2],
        lambda: [[np.array(True)]],
        lambda: [np.array([1.0]), np.array(2.0)],
    ],
    ids=["float", "int32_and_int", "nested_bool", "with_1d"],
)
def test_zero_dim_numpy_array_inside_a_list_is_refused_as_torch(torch, data):
    with pytest.raises(TypeError):
        torch.tensor(data())
    with pytest.raises(TypeError, match="len\\(\\) of unsized object"):
        dg.tensor(data())
    with pytest.raises(TypeError, match="len\\(\\) of unsized object"):
        dg.as_tensor(data())
    # a 0-d tensor inside a list, and a 1-d array, are taken as there
    assert (
        dg.tensor([dg.tensor(1.5), 2.0]).tolist() == torch.tensor([torch.tensor(1.5), 2.0]).tolist()
    )
    assert dg.tensor([np.array([1.5])]).shape == tuple(torch.tensor([np.array([1.5])]).shape)
