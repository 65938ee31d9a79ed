"""Result dtypes, creation functions and index forms against PyTorch 2.13 where NumPy's
rules differ: an integer tensor meeting a Python float (``**``, ``clamp``, ``where``) takes
the default float dtype, not float64; ``masked_fill``/``copy_``/``fill_`` keep the tensor's
dtype and cast as PyTorch does; ``arange`` takes 0-d tensors and computes ``start + i·step``
without drift; a list holding sequences, slices, tensors, ``None`` or ``...`` indexes as a
tuple, and a uint8 index tensor is a mask. Gradients at kinks and repeated indices too."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")


def _same(call, rtol=1e-6):
    """``call(torch)`` and ``call(dg)`` give the same shapes, dtypes and values (or the same
    Python objects)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's deprecation of uint8 masks
        t, d = call(torch), call(dg)
    ts, ds = (t, d) if isinstance(t, tuple) else ((t,), (d,))
    assert len(ds) == len(ts)
    for u, v in zip(ds, ts, strict=True):
        if not isinstance(v, torch.Tensor):
            assert type(u) is type(v) and u == v
            continue
        assert u.shape == tuple(v.shape)
        assert str(u.dtype) == str(v.dtype).removeprefix("torch.")
        np.testing.assert_allclose(u.numpy(), v.numpy(), rtol=rtol, atol=0)


def _masked_fill_(L):
    x = L.tensor([1, 2, 3])
    x.masked_fill_(L.tensor([True, False, True]), 2.7)
    return x


def _copy_float_into_int(L):
    x = L.zeros(3, dtype=L.int64)
    x.copy_(L.tensor([1.7, -1.7, 2.0]))
    return x


def _fill_float_into_int(L):
    x = L.zeros(2, dtype=L.int64)
    return x.fill_(-2.7)


def _setitem_float_into_int(L):
    x = L.zeros(3, dtype=L.int64)
    x[0], x[1] = 2.7, -2.7
    return x


DTYPES = {
    # Python numbers and integer tensors
    "int_div": lambda L: L.tensor([3, -7, 4]) / L.tensor([2, 2, 4]),
    "int_div_number": lambda L: L.tensor([3, -7, 4]) / 2,
    "int_floordiv": lambda L: L.tensor([3, -7, 4]) // L.tensor([2, 2, -3]),
    "int_floordiv_float": lambda L: L.tensor([3, -7, 4]) // 2.5,
    "int_rfloordiv": lambda L: 7 // L.tensor([3, -2, 4]),
    "float_floordiv": lambda L: L.tensor([3.0, -7.0, 4.0]) // L.tensor([2.0, 2.0, -3.0]),
    "int_mod_negative": lambda L: L.tensor([3, -7, 4]) % L.tensor([2, 2, -3]),
    "int_rmod": lambda L: 7 % L.tensor([3, -2, 4]),
    "float_mod_negative": lambda L: L.tensor([5.5, -5.5, -0.0]) % -2,
    "int_plus_float": lambda L: L.tensor([1, 2]) + 1.5,
    "int_pow_float": lambda L: L.tensor([2, 3]) ** 0.5,
    "int_pow_integral_float": lambda L: L.tensor([2, 3]) ** 2.0,
    "int_pow_int": lambda L: L.tensor([2, 3]) ** 2,
    "rpow_float": lambda L: 2.5 ** L.tensor([2, 3]),
    "int_clamp_float": lambda L: L.clamp(L.tensor([-3, 0, 2]), min=0.5),
    "int_clamp_float_max": lambda L: L.tensor([-3, 0, 2]).clamp(0, 1.5),
    "int_clamp_int": lambda L: L.clamp(L.tensor([-3, 0, 2]), min=0, max=1),
    "where_numbers_float": lambda L: L.where(L.tensor([True, False]), 1, 0.5),
    "where_numbers_int": lambda L: L.where(L.tensor([True, False]), 1, 0),
    "where_int_tensor_float": lambda L: L.where(L.tensor([True, False]), L.tensor([1, 2]), 0.5),
    "where_float_int": lambda L: L.where(L.tensor([True, False]), L.tensor([1.0, 2.0]), 0),
    "where_mixed_tensors": lambda L: L.where(L.tensor([True, False]), L.tensor([1, 2]), L.ones(2)),
    "masked_fill_int_float": lambda L: L.tensor([1, 2, 3]).masked_fill(
        L.tensor([True, False, True]), 2.5
    ),
    "masked_fill_big_int": lambda L: L.tensor([2**40 + 1, 0]).masked_fill(
        L.tensor([False, True]), 1.5
    ),
    "masked_fill_bool": lambda L: L.tensor([True, False]).masked_fill(L.tensor([False, True]), 1),
    "masked_fill_": _masked_fill_,
    "copy_float_into_int": _copy_float_into_int,
    "fill_float_into_int": _fill_float_into_int,
    "setitem_float_into_int": _setitem_float_into_int,
    "bool_arithmetic": lambda L: L.tensor([True, False]) + L.tensor([True, True]),
    "bool_times_int": lambda L: L.tensor([True, False]) * 3,
    "bool_plus_float": lambda L: L.tensor([True, False]) + 0.5,
    "int8_plus_int64": lambda L: L.tensor([1], dtype=L.int8) + L.tensor([1]),
    "int32_plus_0d_int64": lambda L: L.tensor([1, 2], dtype=L.int32) + L.tensor(5),
    "int_plus_0d_float64": lambda L: L.tensor([1, 2]) + L.tensor(5.0, dtype=L.float64),
    "f16_plus_0d_float64": lambda L: L.tensor([1.0], dtype=L.float16) + L.tensor(5.0).double(),
    "int_lt_float": lambda L: L.tensor([1, 2]) < 1.5,
    "int_eq_float_tensor": lambda L: L.tensor([1, 2]) == L.tensor([1.0, 2.5]),
    "maximum_mixed": lambda L: L.maximum(L.tensor([1, 5]), L.tensor([1.5, 2.5])),
    "int_sqrt": lambda L: L.sqrt(L.tensor([4, 9])),
    "int_sign": lambda L: L.sign(L.tensor([-3, 0, 2])),
    "round_half_even": lambda L: L.round(L.tensor([0.5, 1.5, 2.5, -0.5])),
    "div_trunc_int": lambda L: L.div(L.tensor([-7, 7]), 2, rounding_mode="trunc"),
    "div_floor_int": lambda L: L.div(L.tensor([-7, 7]), 2, rounding_mode="floor"),
    "item_int": lambda L: L.tensor([3]).item(),
    "item_float": lambda L: L.tensor(3.5).item(),
    "item_float32": lambda L: L.tensor(0.1).item(),
    "item_bool": lambda L: L.tensor(True).item(),
    "int_of_tensor": lambda L: int(L.tensor(-2.7)),
    # creation
    "arange_0d_tensor": lambda L: L.arange(L.tensor(3)),
    "arange_0d_tensor_end": lambda L: L.arange(0, L.tensor(3)),
    "arange_0d_float_tensor": lambda L: L.arange(L.tensor(1.0), 3),
    "arange_int_dtype_float_step": lambda L: L.arange(0, 5, 1.5, dtype=L.int64),
    "arange_int_dtype_float_start": lambda L: L.arange(0.5, 5, 1, dtype=L.int64),
    "arange_float_step_f64": lambda L: L.arange(0, 1, 0.1, dtype=L.float64),
    "arange_length": lambda L: L.arange(1, 1.3, 0.1),
    "arange_negative_step": lambda L: L.arange(5, 0, -1.5),
    "linspace_one": lambda L: L.linspace(0, 1, 1),
    "linspace_int": lambda L: L.linspace(0, 10, 5, dtype=L.int64),
    "full_int": lambda L: L.full((2,), 7),
    "full_bool": lambda L: L.full((2,), False),
    "full_like_int_float": lambda L: L.full_like(L.tensor([1, 2]), 2.7),
    "zeros_like_int8": lambda L: L.zeros_like(L.tensor([1], dtype=L.int8)),
    "ones_like_bool": lambda L: L.ones_like(L.tensor([True])),
    "eye_rect": lambda L: L.eye(3, 2),
    "eye_bool": lambda L: L.eye(2, dtype=L.bool),
    "tril_diag": lambda L: L.ones(3, 4).tril(1),
    "triu_negative": lambda L: L.ones(3, 4).triu(-1),
    "tensor_bool_int": lambda L: L.tensor([True, 2]),
    "tensor_int_float": lambda L: L.tensor([1, 2.5]),
    "tensor_empty": lambda L: L.tensor([]),
    "tensor_float_to_int": lambda L: L.tensor([1.7, -1.7], dtype=L.int64),
    "tensor_of_0d_tensors": lambda L: L.tensor([L.tensor(1.0), L.tensor(2.0)]),
    "new_full_float_on_int": lambda L: L.tensor([1, 2]).new_full((2,), 2.5),
}


@pytest.mark.parametrize("name", sorted(DTYPES))
def test_dtypes_and_creation_match_torch(name):
    _same(DTYPES[name])


def test_arange_values_do_not_drift():
    # float32 values within one float32 rounding of PyTorch's, which computes start + i*step
    # in double (NumPy's float32 arange drifted by ~1e-6 over 26 steps)
    for args in [(-1.3, 1.3, 0.1), (0, 10, 0.7), (0, 1e-3, 1e-5), (2.5,)]:
        t, d = torch.arange(*args), dg.arange(*args)
        assert d.shape == tuple(t.shape)
        np.testing.assert_allclose(d.numpy(), t.numpy(), rtol=0, atol=1.2e-7 * max(args))
    with pytest.raises(ValueError, match="step must be nonzero"):
        dg.arange(0, 1, 0.3, dtype=dg.int64)


X = np.arange(24).reshape(2, 3, 4)
INDEX = {
    "list_of_lists": [[0, 1], [1, 2]],
    "list_of_0d_tensors": ["t0", "t1"],
    "list_with_slice": [0, slice(None), 1],
    "list_with_none": [None, 0],
    "list_with_ellipsis": [Ellipsis, 1],
    "list_with_array": [np.array([0, 1]), 1],
    "list_of_tuples": [(0, 1), (1, 0)],
    "list_of_ints": [0, 1, 1],
    "list_of_bools": [True, False],
    "long_list_of_lists": [[0]] * 33,  # 32 or more: one index array
    "uint8_mask": "u8",
    "uint8_mask_2d": "u8_2d",
    "int32_index": "i32",
    "negative_index_tensor": "neg",
}


def _item(L, v):
    if isinstance(v, str):
        return L.tensor(int(v[1]))
    return v


def _index(L, v):
    if not isinstance(v, str):
        return [_item(L, e) for e in v]
    if v == "u8":
        return L.tensor([1, 0], dtype=L.uint8)
    if v == "u8_2d":
        return L.tensor([[1, 0, 1], [0, 0, 1]], dtype=L.uint8)
    if v == "i32":
        return L.tensor([1, 0, 1], dtype=L.int32)
    return L.tensor([-1, -2])  # "neg"


@pytest.mark.parametrize("name", sorted(INDEX))
def test_index_forms_match_torch(name):
    _same(lambda L: L.tensor(X)[_index(L, INDEX[name])])

    def assign(L):
        x = L.zeros(2, 3, 4)
        x[_index(L, INDEX[name])] = 1.0
        return x

    if not name.startswith("uint8"):  # PyTorch refuses to assign through a byte mask
        _same(assign)


def _grad(L, a, f):
    x = L.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)
    y = f(L, x)
    w = L.tensor(np.arange(1.0, 1.0 + y.numel()).reshape(tuple(y.shape)))
    (y * w).sum().backward()
    return x.grad.numpy()


GRADS = {
    "repeated_index_tensor": ([1.0, 2.0, 3.0], lambda L, x: x[L.tensor([0, 0, 2, 0])]),
    "repeated_index_list": ([1.0, 2.0, 3.0], lambda L, x: x[[0, 0, 1]]),
    "repeated_index_2d": ([[1.0, 2.0], [3.0, 4.0]], lambda L, x: x[[0, 0], [1, 1]]),
    "separated_indices": (X * 1.0, lambda L, x: x[[0, 1, 1], :, [3, 3, 0]]),
    "int_and_index_array": (X * 1.0, lambda L, x: x[0, :, [0, 0, 1]]),
    "mask": ([1.0, 2.0, 3.0], lambda L, x: x[x > 1.5]),
    "uint8_mask": ([1.0, 2.0, 3.0], lambda L, x: x[L.tensor([1, 0, 1], dtype=L.uint8)]),
    "gather_repeated": (
        [[1.0, 2.0], [3.0, 4.0]],
        lambda L, x: x.gather(1, L.tensor([[0, 0, 0]] * 2)),
    ),
    "index_select_repeated": ([1.0, 2.0, 3.0], lambda L, x: x.index_select(0, L.tensor([2, 2]))),
    "take_negative": ([1.0, 2.0, 3.0], lambda L, x: x.take(L.tensor([0, 0, -1]))),
    "clamp_at_bounds": ([-1.0, 0.0, 0.5, 1.0, 2.0], lambda L, x: x.clamp(0, 1)),
    "clamp_min_above_max": ([-1.0, 0.0, 2.0], lambda L, x: x.clamp(1, 0)),
    "clamp_tensor_bound": ([-1.0, 0.0, 2.0], lambda L, x: x.clamp(min=L.zeros(3, dtype=L.float64))),
    "relu_at_0": ([-1.0, 0.0, 2.0], lambda L, x: L.relu(x)),
    "abs_at_0": ([-1.0, 0.0, -0.0, 2.0], lambda L, x: x.abs()),
    "sqrt_at_0": ([0.0, 4.0], lambda L, x: x.sqrt()),
    "pow_half_at_0": ([0.0, 2.0], lambda L, x: x**0.5),
    "pow_0_at_0": ([0.0, 2.0], lambda L, x: x**0),
    "norm_at_0": ([0.0, 0.0], lambda L, x: x.norm()),
    "norm_dim_at_0": ([[0.0, 0.0], [3.0, 4.0]], lambda L, x: x.norm(dim=1)),
    "norm_p3_at_0": ([0.0, 0.0], lambda L, x: x.norm(p=3)),
    "norm_p1_at_0": ([0.0, -2.0], lambda L, x: x.norm(p=1)),
    "maximum_tie": ([1.0, 2.0], lambda L, x: L.maximum(x, L.tensor([1.0, 0.0], dtype=L.float64))),
    "minimum_tie": ([1.0, 2.0], lambda L, x: L.minimum(x, L.tensor([1.0, 3.0], dtype=L.float64))),
    "prod_with_zero": ([[2.0, 0.0, 3.0], [2.0, 0.0, 0.0]], lambda L, x: x.prod(1)),
    "cumprod_with_zero": ([1.0, 0.0, 3.0], lambda L, x: x.cumprod(0)),
    "expand": ([1.0, 2.0], lambda L, x: x.expand(3, 2)),
    "repeat": ([1.0, 2.0], lambda L, x: x.repeat(3)),
    "repeat_interleave": ([1.0, 2.0], lambda L, x: x.repeat_interleave(L.tensor([2, 1]))),
    "masked_fill": ([1.0, 2.0], lambda L, x: x.masked_fill(L.tensor([True, False]), 0.0)),
    "where_log": ([0.0, 1.0], lambda L, x: L.where(x > 0, x.log(), L.zeros(2, dtype=L.float64))),
    "int_pow_float": ([1.0, 2.0], lambda L, x: x * (L.tensor([2, 3]) ** 0.5)),
}


@pytest.mark.filterwarnings("ignore:indexing with dtype torch.uint8")
@pytest.mark.parametrize("name", sorted(GRADS))
def test_gradients_match_torch(name):
    a, f = GRADS[name]
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(_grad(dg, a, f), _grad(torch, a, f), rtol=1e-12, atol=0)


# ---- PyTorch 2.13's uint16 / uint32 / uint64: they meet only themselves and floats --------
_SHELL_UINTS = ("uint16", "uint32", "uint64")


def _outcome(make, L):
    try:
        r = make(L)
    except RuntimeError as e:
        return "RuntimeError", str(e).split(",")[0]
    return str(getattr(r, "dtype", r)).split(".")[-1]


@pytest.mark.parametrize("other", ["bool", "uint8", "int8", "int32", "int64", "float32", "uint16"])
@pytest.mark.parametrize("u", _SHELL_UINTS)
def test_wide_unsigned_promotion_refused_as_torch(u, other):
    for make in (
        lambda L: L.promote_types(getattr(L, u), getattr(L, other)),
        lambda L: L.promote_types(getattr(L, other), getattr(L, u)),
        lambda L: L.cat(
            [L.tensor([1], dtype=getattr(L, u)), L.tensor([1], dtype=getattr(L, other))]
        ),
        lambda L: L.tensor([1], dtype=getattr(L, u)) == L.tensor([1], dtype=getattr(L, other)),
        lambda L: L.result_type(L.tensor([1], dtype=getattr(L, u)), 1),
    ):
        assert _outcome(make, dg) == _outcome(make, torch)


@pytest.mark.parametrize("u", _SHELL_UINTS)
def test_wide_unsigned_mixed_sources_refused_as_torch(u):
    for make in (
        lambda L: L.tensor([1], dtype=getattr(L, u)) + L.tensor([1]),
        lambda L: L.tensor([getattr(np, u)(1), True]),
        lambda L: L.tensor([getattr(np, u)(1), 2]),
        lambda L: L.tensor([1], dtype=getattr(L, u)) < L.tensor([2]),
    ):
        assert _outcome(make, dg) == _outcome(make, torch)
        assert _outcome(make, dg)[0] == "RuntimeError"


def test_uint64_sums_are_int64_as_torch():
    a = np.array([2**63, 2**63 + 5, 3], dtype=np.uint64)
    for f in (lambda x: x.sum(), lambda x: x.cumsum(0), lambda x: x.prod(), lambda x: x.sum(0)):
        _same(lambda L, f=f: f(L.tensor(a)))


def test_comparisons_in_torchs_common_dtype():
    """A float32 tensor and a 0-d float64 one compare in float32 (``result_type``), an int64
    tensor and a float32 one in float32: NumPy would compare both in float64."""
    _same(lambda L: L.tensor([0.1]) == L.tensor(0.1, dtype=L.float64))
    _same(lambda L: L.tensor([0.1]).eq(L.tensor(0.1, dtype=L.float64)))
    _same(lambda L: L.tensor([0.1]) != L.tensor(0.1, dtype=L.float64))
    _same(lambda L: L.tensor([16777217]) == L.tensor([16777216.0]))
    _same(lambda L: L.tensor([16777217]) >= 16777216.5)
    _same(lambda L: L.tensor([0.1]) < L.tensor([0.1], dtype=L.float64))
    _same(lambda L: L.tensor([True, False]) == 1.0)
