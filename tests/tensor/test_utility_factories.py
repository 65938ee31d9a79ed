"""PyTorch's empty_strided, scalar_tensor, frombuffer (its checks, so it never reads past
the buffer) and linspace (its kernel's values), compared with torch."""

from __future__ import annotations

import array

import numpy as np
import pytest

import deepgrad as dg


def test_scalar_tensor_matches_torch():
    torch = pytest.importorskip("torch")
    for v, kw, tkw in [(3, {}, {}), (True, {}, {}), (2.5, {}, {}),
                       (3, {"dtype": dg.int64}, {"dtype": torch.int64})]:  # fmt: skip
        a, t = dg.scalar_tensor(v, **kw), torch.scalar_tensor(v, **tkw)
        assert a.shape == () and a.item() == t.item()
        assert str(a.dtype) == str(t.dtype).removeprefix("torch.")
    assert dg.scalar_tensor(dg.tensor(2.0)).item() == 2.0
    with pytest.raises(RuntimeError, match="cannot be converted"):
        dg.scalar_tensor(1 + 2j)


@pytest.mark.parametrize(
    ("data", "dtype", "count", "offset"),
    [
        (b"abcd", "int16", -1, 0),
        (b"abcde", "int16", -1, 0),
        (b"abcd", "int16", 3, 0),
        (b"abcd", "int16", -1, 1),
        (b"abcd", "int16", 1, 1),
        (b"", "int16", -1, 0),
        (b"abcd", "int16", -1, 4),
        (b"abcd", "int16", -1, 2),
        (b"abcd", "uint8", -1, -1),
        (b"abcdefgh", "float32", 2, 0),
        (b"abcd", "uint8", 0, 0),
    ],
)
def test_frombuffer_matches_torch(data, dtype, count, offset):
    torch = pytest.importorskip("torch")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's warning for a read-only buffer
        try:
            expected = torch.frombuffer(
                bytearray(data), dtype=getattr(torch, dtype), count=count, offset=offset
            )
        except ValueError as e:
            with pytest.raises(ValueError) as got:
                dg.frombuffer(data, dtype=getattr(dg, dtype), count=count, offset=offset)
            assert str(got.value) == str(e)
            return
    got = dg.frombuffer(data, dtype=getattr(dg, dtype), count=count, offset=offset)
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


def test_frombuffer_shares_a_writable_buffer():
    buf = bytearray(8)
    t = dg.frombuffer(buf, dtype=dg.int32)
    t[1] = 7
    assert int.from_bytes(buf[4:], "little") == 7
    a = array.array("f", [1.0, 2.0, 3.0])
    assert dg.frombuffer(a, dtype=dg.float32, offset=4).tolist() == [2.0, 3.0]
    ro = dg.frombuffer(b"\x01\x00", dtype=dg.int16)  # read-only bytes: copied
    ro[0] = 5
    assert ro.tolist() == [5]


def test_linspace_is_torchs_bit_for_bit(torch):
    """``linspace`` computes PyTorch's CPU kernel's values: ``start + step·i`` (the second
    half from ``end``) as one fused multiply-add in the dtype, integers truncated."""
    rng = np.random.default_rng(0)
    cases = [(-2.0, 2.0, 101), (0, 1, 5), (0.0, 10.0, 1000), (5, -5, 64), (3, 3, 10), (0, 1, 1),
             (0, 1, 0), (-1, 1, 40000), (1e-3, 7.5, 33)]  # fmt: skip
    cases += [(float(rng.normal() * 10), float(rng.normal() * 10), int(rng.integers(2, 500)))
              for _ in range(60)]  # fmt: skip
    for start, end, steps in cases:
        for name in ("float32", "float64", "int64", "int32", "int16"):
            got = dg.linspace(start, end, steps, dtype=getattr(dg, name))
            want = torch.linspace(start, end, steps, dtype=getattr(torch, name))
            np.testing.assert_array_equal(got.numpy(), want.numpy(), err_msg=f"{start, end, steps}")


def test_arange_is_torchs_bit_for_bit(torch):
    """Float ``arange`` is PyTorch's kernel value for value: ``start + step·i`` fused in
    float64 (float32 for float16), computed a pair of 32-byte vectors at a time (a vector's
    first value rounded to the dtype, then ``+ step·k``), chunks of 32,768 split by thread."""
    rng = np.random.default_rng(0)
    for _ in range(40):
        s, st = float(rng.normal() * 5), float(abs(rng.normal()) + 0.01)
        e = s + st * int(rng.integers(1, 300)) + float(rng.random()) * st
        for name in ("float32", "float64", "float16"):
            got = dg.arange(s, e, st, dtype=getattr(dg, name))
            want = torch.arange(s, e, st, dtype=getattr(torch, name))
            np.testing.assert_array_equal(got.numpy(), want.numpy())
        np.testing.assert_array_equal(dg.arange(e, s, -st).numpy(), torch.arange(e, s, -st).numpy())
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(dg.get_num_threads())
        big = dg.arange(0.0, 50000 * 0.37, 0.37).numpy()
        np.testing.assert_array_equal(big, torch.arange(0.0, 50000 * 0.37, 0.37).numpy())
    finally:
        torch.set_num_threads(threads)


def test_like_factories_keep_a_transposed_layout_as_torch(torch):
    """``zeros_like``/``ones_like``/``full_like``/``empty_like`` keep a transposed or permuted
    input's strides (PyTorch's ``preserve_format``), so an in-place draw into the result
    fills PyTorch's memory order; ``memory_format=contiguous_format`` and expanded inputs are
    row-major."""
    for lib_make in (lambda lib: lib.zeros(3, 5).t(), lambda lib: lib.zeros(2, 3, 4).permute(2, 0, 1),
                     lambda lib: lib.zeros(4, 1, 6).expand(4, 3, 6)):  # fmt: skip
        got = []
        for lib in (dg, torch):
            x = lib_make(lib)
            outs = [lib.zeros_like(x), lib.ones_like(x), lib.full_like(x, 2.0), lib.empty_like(x),
                    lib.zeros_like(x, memory_format=lib.contiguous_format)]  # fmt: skip
            lib.manual_seed(0)
            got.append([tuple(o.stride()) for o in outs] + [outs[0].uniform_().numpy()])
        assert got[0][:-1] == got[1][:-1]
        np.testing.assert_array_equal(got[0][-1], got[1][-1])
