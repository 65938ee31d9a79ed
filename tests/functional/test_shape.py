"""Shape functions: reshape, transpose/permute, swapaxes, broadcast_to/expand, squeeze,
unsqueeze, concat, stack, split, getitem, pad, flatten — gradcheck, PyTorch agreement in
float64/float32, indexing forms, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import deepgrad as dg
import deepgrad.functional as F

FAST = settings(max_examples=15, deadline=None)
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)


def leaf(rng, shape, dtype=np.float64):
    return dg.tensor(np.asarray(rng.standard_normal(shape)).astype(dtype), requires_grad=True)


# ---- gradient checks (hypothesis) -----------------------------------------------------------
@FAST
@given(shape=SHAPES, seed=st.integers(0, 2**16), data=st.data())
def test_reshape_and_flatten_gradcheck(shape, seed, data):
    x = leaf(np.random.default_rng(seed), shape)
    target = data.draw(st.permutations(shape)).copy() if shape else []
    assert dg.gradcheck(lambda t: F.reshape(t, tuple(target[::-1])), x)
    assert dg.gradcheck(lambda t: F.reshape(t, -1), x)
    assert dg.gradcheck(lambda t: F.flatten(t), x)
    if len(shape) >= 2:
        assert dg.gradcheck(lambda t: F.flatten(t, 1), x)
        assert dg.gradcheck(lambda t: F.flatten(t, -2, -1), x)


@FAST
@given(shape=SHAPES, seed=st.integers(0, 2**16), data=st.data())
def test_transpose_gradcheck(shape, seed, data):
    x = leaf(np.random.default_rng(seed), shape)
    nd = len(shape)
    perm = data.draw(st.permutations(range(nd)))
    perm = [p - nd if i % 2 else p for i, p in enumerate(perm)]  # some negative axes
    y = F.permute(x, perm)
    assert y.shape == np.transpose(np.zeros(shape), perm).shape
    assert dg.gradcheck(lambda t: F.permute(t, perm), x)
    assert dg.gradcheck(lambda t: t.T, x)
    if nd >= 2:
        assert dg.gradcheck(lambda t: F.swapaxes(t, 0, -1), x)
        assert dg.gradcheck(lambda t: t.permute(*perm), x)


@st.composite
def broadcast_pair(draw):
    """(source shape, target shape) with the source broadcastable to the target."""
    target = draw(SHAPES)
    lead = draw(st.integers(0, len(target)))
    src = tuple(1 if draw(st.booleans()) else s for s in target[lead:])
    return src, target


@FAST
@given(pair=broadcast_pair(), seed=st.integers(0, 2**16))
def test_broadcast_to_gradcheck(pair, seed):
    src, target = pair
    x = leaf(np.random.default_rng(seed), src)
    assert F.broadcast_to(x, target).shape == target
    assert dg.gradcheck(lambda t: F.broadcast_to(t, target), x)
    assert dg.gradcheck(lambda t: F.sum_to(F.broadcast_to(t, target) * 2.0, src), x)


@FAST
@given(shape=SHAPES, seed=st.integers(0, 2**16), data=st.data())
def test_squeeze_unsqueeze_gradcheck(shape, seed, data):
    x = leaf(np.random.default_rng(seed), shape)
    nd = len(shape)
    a = data.draw(st.integers(-nd - 1, nd))
    y = F.unsqueeze(x, a)
    assert y.shape == np.expand_dims(np.zeros(shape), a).shape
    assert dg.gradcheck(lambda t: F.unsqueeze(t, a), x)
    assert dg.gradcheck(lambda t: F.squeeze(F.unsqueeze(t, a), a), x)
    assert dg.gradcheck(lambda t: F.squeeze(t), x)


@FAST
@given(
    shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3),
    n=st.integers(1, 3),
    seed=st.integers(0, 2**16),
    data=st.data(),
)
def test_concat_stack_split_gradcheck(shape, n, seed, data):
    rng = np.random.default_rng(seed)
    nd = len(shape)
    axis = data.draw(st.integers(-nd, nd - 1))
    sizes = [data.draw(st.integers(1, 3)) for _ in range(n)]
    parts = []
    for s in sizes:
        sh = list(shape)
        sh[axis] = s
        parts.append(leaf(rng, tuple(sh)))
    y = F.concat(parts, axis)
    assert y.shape[axis] == sum(sizes)
    assert dg.gradcheck(lambda *ts: F.concat(ts, axis), *parts)
    same = [leaf(rng, shape) for _ in range(n)]
    new_axis = data.draw(st.integers(-nd - 1, nd))
    assert dg.gradcheck(lambda *ts: F.stack(ts, new_axis), *same)
    x = leaf(rng, y.shape)
    assert dg.gradcheck(lambda t: F.split(t, sizes, axis), x)
    assert dg.gradcheck(lambda t: F.split(t, 2, axis), x)


@FAST
@given(
    shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4),
    seed=st.integers(0, 2**16),
    data=st.data(),
)
def test_getitem_basic_indices_gradcheck(shape, seed, data):
    x = leaf(np.random.default_rng(seed), shape)
    index = data.draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    y = x[index]
    np.testing.assert_array_equal(y.numpy(), x.numpy()[index])
    if y.numel():
        assert dg.gradcheck(lambda t: t[index], x)


@FAST
@given(
    shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4),
    seed=st.integers(0, 2**16),
    data=st.data(),
)
def test_getitem_integer_arrays_gradcheck(shape, seed, data):
    x = leaf(np.random.default_rng(seed), shape)
    index = data.draw(hnp.integer_array_indices(shape, result_shape=SHAPES))
    np.testing.assert_array_equal(x[index].numpy(), x.numpy()[index])
    assert dg.gradcheck(lambda t: t[index], x)


@FAST
@given(
    shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3),
    seed=st.integers(0, 2**16),
    data=st.data(),
)
def test_pad_gradcheck(shape, seed, data):
    x = leaf(np.random.default_rng(seed), shape)
    pw = [(data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2))) for _ in shape]
    y = F.pad(x, pw, value=0.5)
    np.testing.assert_array_equal(y.numpy(), np.pad(x.numpy(), pw, constant_values=0.5))
    assert dg.gradcheck(lambda t: F.pad(t, pw), x)
    assert dg.gradcheck(lambda t: F.pad(t, 1), x)


# ---- against PyTorch ------------------------------------------------------------------------
CASES = {
    "reshape": ((2, 3, 4), lambda x: F.reshape(x, (4, -1)), lambda t: t.reshape(4, -1)),
    "reshape_method": ((2, 3, 4), lambda x: x.reshape(6, 4), lambda t: t.reshape(6, 4)),
    "view": ((2, 3, 4), lambda x: x.view(-1), lambda t: t.view(-1)),
    "reshape_0d": ((1, 1), lambda x: F.reshape(x, ()), lambda t: t.reshape(())),
    "transpose": ((2, 3, 4), lambda x: F.permute(x, (2, 0, 1)), lambda t: t.permute(2, 0, 1)),
    "permute_neg": ((2, 3, 4), lambda x: x.permute(-1, 0, -2), lambda t: t.permute(-1, 0, -2)),
    "T": ((3, 4), lambda x: x.T, lambda t: t.T),
    "transpose_pair": ((2, 3, 4), lambda x: x.transpose(0, 2), lambda t: t.transpose(0, 2)),
    "swapaxes": ((2, 3, 4), lambda x: F.swapaxes(x, -1, 0), lambda t: t.swapaxes(-1, 0)),
    "broadcast_to": (
        (3, 1),
        lambda x: F.broadcast_to(x, (2, 3, 4)),
        lambda t: t.broadcast_to(2, 3, 4),
    ),
    "expand": ((3, 1), lambda x: x.expand(2, -1, 4), lambda t: t.expand(2, -1, 4)),
    "squeeze": ((1, 3, 1), lambda x: F.squeeze(x), lambda t: t.squeeze()),
    "squeeze_neg": ((1, 3, 1), lambda x: x.squeeze(-1), lambda t: t.squeeze(-1)),
    "squeeze_tuple": ((1, 3, 1), lambda x: x.squeeze((0, 2)), lambda t: t.squeeze((0, 2))),
    "unsqueeze": ((2, 3), lambda x: F.unsqueeze(x, -1), lambda t: t.unsqueeze(-1)),
    "unsqueeze_0": ((2, 3), lambda x: x.unsqueeze(0), lambda t: t.unsqueeze(0)),
    "flatten": ((2, 3, 4), lambda x: F.flatten(x, 1), lambda t: t.flatten(1)),
    "flatten_mid": ((2, 3, 4, 5), lambda x: x.flatten(1, -2), lambda t: t.flatten(1, -2)),
    "getitem_int": ((4, 5), lambda x: x[1], lambda t: t[1]),
    "getitem_neg_int": ((4, 5), lambda x: x[-1, -2], lambda t: t[-1, -2]),
    "getitem_slice": ((4, 5), lambda x: x[1:3, ::2], lambda t: t[1:3, ::2]),
    "getitem_none": ((4, 5), lambda x: x[None, :, None, 1], lambda t: t[None, :, None, 1]),
    "getitem_ellipsis": ((2, 3, 4), lambda x: x[..., 1:], lambda t: t[..., 1:]),
    "getitem_ellipsis_int": ((2, 3, 4), lambda x: x[0, ...], lambda t: t[0, ...]),
    "getitem_list": ((4, 5), lambda x: x[[0, 2, 2, 0]], lambda t: t[[0, 2, 2, 0]]),
    "getitem_array_pair": (
        (4, 5),
        lambda x: x[np.array([0, 1, 1]), np.array([4, 4, 4])],
        lambda t: t[[0, 1, 1], [4, 4, 4]],
    ),
    "getitem_array_slice": (
        (4, 5),
        lambda x: x[:, np.array([[1, 1], [3, 0]])],
        lambda t: t[:, [[1, 1], [3, 0]]],
    ),
    "getitem_tensor_index": (
        (4, 5),
        lambda x: x[dg.tensor([3, 3, 1])],
        lambda t: t[[3, 3, 1]],
    ),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(CASES))
def test_shape_function_matches_torch(torch, rng, name, dtype):
    shape, fn, tfn = CASES[name]
    a = rng.standard_normal(shape).astype(dtype)
    x = dg.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    y, ty = fn(x), tfn(t)
    assert y.shape == tuple(ty.shape) and y.dtype == dtype
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    g = np.asarray(rng.standard_normal(y.shape)).astype(dtype)
    y.backward(dg.tensor(g))
    ty.backward(torch.tensor(g))
    assert x.grad.dtype == dtype
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concat_stack_split_match_torch(torch, rng, axis, dtype):
    arrays = [rng.standard_normal((2, 3)).astype(dtype) for _ in range(3)]
    for fn, tfn in (
        (lambda xs: F.concat(xs, axis), lambda ts: torch.cat(ts, axis)),
        (lambda xs: F.stack(xs, axis), lambda ts: torch.stack(ts, axis)),
    ):
        xs = [dg.tensor(a, requires_grad=True) for a in arrays]
        ts = [torch.tensor(a, requires_grad=True) for a in arrays]
        y, ty = fn(xs), tfn(ts)
        np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
        g = rng.standard_normal(y.shape).astype(dtype)
        y.backward(dg.tensor(g))
        ty.backward(torch.tensor(g))
        for x, t in zip(xs, ts):
            assert x.grad.dtype == dtype
            np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
    a = rng.standard_normal((4, 5)).astype(dtype)
    x = dg.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    parts, tparts = F.split(x, 2, axis), torch.split(t, 2, axis)
    assert len(parts) == len(tparts)
    for p, tp in zip(parts, tparts):
        np.testing.assert_array_equal(p.numpy(), tp.detach().numpy())
    # only the first and last piece are used: the middle one gets zeros
    (parts[0].sum() * 2 + (parts[-1] ** 2).sum()).backward()
    (tparts[0].sum() * 2 + (tparts[-1] ** 2).sum()).backward()
    assert x.grad.dtype == dtype
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())


def test_split_sections_match_torch(torch, rng):
    a = rng.standard_normal((6, 2))
    x, t = dg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    parts, tparts = F.split(x, [1, 3, 2]), torch.split(t, [1, 3, 2])
    assert [p.shape for p in parts] == [tuple(p.shape) for p in tparts]
    (parts[1] * parts[1]).sum().backward()
    (tparts[1] * tparts[1]).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())


def test_pad_matches_torch(torch, rng):
    a = rng.standard_normal((2, 3, 4))
    x, t = dg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y = F.pad(x, ((0, 0), (1, 2), (3, 0)), value=-1.0)
    ty = torch.nn.functional.pad(t, (3, 0, 1, 2), value=-1.0)  # last axis first
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    g = rng.standard_normal(y.shape)
    y.backward(dg.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


# ---- indexing -------------------------------------------------------------------------------
def test_repeated_integer_indices_accumulate():
    x = dg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 0.0, 1.0])
    y = dg.tensor(np.zeros((3, 2)), requires_grad=True)
    (y[np.array([1, 1]), np.array([0, 0])] * dg.tensor([2.0, 5.0])).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [[0, 0], [7, 0], [0, 0]])


def test_boolean_masks(rng):
    a = rng.standard_normal((3, 4))
    x = dg.tensor(a, requires_grad=True)
    mask = a > 0
    for m in (mask, dg.tensor(mask), x > 0):
        x.grad = None
        y = x[m]
        np.testing.assert_array_equal(y.numpy(), a[mask])
        y.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), mask.astype(float))
    rows = np.array([True, False, True])
    np.testing.assert_array_equal(x[rows].numpy(), a[rows])
    assert dg.gradcheck(lambda t: t[rows, 1:] * 3.0, x)
    assert dg.gradcheck(lambda t: t[mask], x)


def test_boolean_mask_matches_torch(torch, rng):
    a = rng.standard_normal((3, 4))
    mask = a > 0
    x, t = dg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    (x[mask] ** 2).sum().backward()
    (t[torch.tensor(mask)] ** 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())


def test_getitem_double_backward():
    x = dg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (g,) = dg.grad((x[[0, 0, 1]] ** 3).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.numpy(), [6.0, 12.0, 0.0])  # 2·3x², 3x², 0
    (h,) = dg.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), [12.0, 12.0, 0.0])


def test_iterating_and_len():
    x = dg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert len(x) == 2
    rows = list(x)
    assert len(rows) == 2 and rows[1].shape == (2,)
    (rows[0] * rows[1]).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[3.0, 4.0], [1.0, 2.0]])
    with pytest.raises(TypeError, match="0-d"):
        len(dg.tensor(1.0))


def test_setitem_under_no_grad_and_refused_on_grad_tensor():
    x = dg.zeros(3)
    x[1] = 5.0
    x[dg.tensor([0])] = dg.tensor([2.0])
    np.testing.assert_array_equal(x.numpy(), [2.0, 5.0, 0.0])
    w = dg.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place"):
        w[0] = 1.0
    with dg.no_grad():
        w[0] = 1.0
    assert w.numpy()[0] == 1.0


# ---- errors -------------------------------------------------------------------------------
def test_reshape_incompatible_names_both_shapes():
    with pytest.raises(ValueError, match=r"shape \(2, 3\) \(6 elements\) into shape \(4, 2\)"):
        F.reshape(dg.ones(2, 3), (4, 2))


@pytest.mark.parametrize("shape", [(-2, 3), (2, -3), (-5,)])
def test_reshape_refuses_negative_sizes_other_than_minus_one(torch, shape):
    """NumPy took any negative size as -1: (-5,) reshaped (2, 3) to (6,) silently."""
    with pytest.raises(RuntimeError, match="invalid shape dimension"):
        torch.ones(2, 3).reshape(shape)
    with pytest.raises(ValueError, match=rf"invalid shape dimension {min(shape)} at index"):
        dg.ones(2, 3).reshape(shape)


def test_shape_errors():
    x = dg.ones(2, 3)
    with pytest.raises(ValueError, match="not a permutation"):
        F.permute(x, (0, 0))
    with pytest.raises(ValueError, match="swapaxes: dim 2"):
        F.swapaxes(x, 0, 2)
    with pytest.raises(ValueError, match=r"cannot broadcast shape \(2, 3\) to \(4, 3\)"):
        F.broadcast_to(x, (4, 3))
    with pytest.raises(ValueError, match="unsqueeze: dim 3"):
        F.unsqueeze(x, 3)
    with pytest.raises(ValueError, match=r"concat: shapes \(2, 3\) and \(2, 4\) differ"):
        F.concat([x, dg.ones(2, 4)], 0)
    with pytest.raises(ValueError, match=r"stack expects each tensor to be equal size"):
        F.stack([x, dg.ones(3, 2)])
    with pytest.raises(ValueError, match="at least one"):
        F.concat([])
    with pytest.raises(ValueError, match=r"do not add up to 3"):
        F.split(x, [1, 1], axis=1)
    with pytest.raises(ValueError, match="split_size must be positive"):
        F.split(x, 0)
    with pytest.raises(IndexError, match=r"tensor of shape \(2, 3\)"):
        x[5]
    with pytest.raises(ValueError, match="pad: expected PyTorch.s flat pad tuple or 2"):
        F.pad(x, ((1, 1),))
    with pytest.raises(ValueError, match="flatten: dim 2"):
        F.flatten(x, 2)


def test_module_level_names_carry_torchs_contract():
    """transpose swaps two dims (torch.transpose); NumPy's permutation form is refused with a
    pointer to permute; expand is not a torch function (deprecated, says broadcast_to)."""
    torch = pytest.importorskip("torch")
    a = np.arange(24.0).reshape(2, 3, 4)
    for d0, d1 in [(0, 2), (-1, 1), (1, 1)]:
        np.testing.assert_array_equal(
            dg.transpose(dg.tensor(a), d0, d1).numpy(),
            torch.transpose(torch.tensor(a), d0, d1).numpy(),
        )
    np.testing.assert_array_equal(
        dg.permute(dg.tensor(a), (2, 0, 1)).numpy(), torch.permute(torch.tensor(a), (2, 0, 1))
    )
    np.testing.assert_array_equal(
        dg.broadcast_to(dg.tensor(a[:, :1]), (-1, 3, 4)).numpy(),
        torch.broadcast_to(torch.tensor(a[:, :1]), (-1, 3, 4)).numpy(),
    )
    x = dg.tensor(a)
    for bad in [
        lambda: F.transpose(x),
        lambda: F.transpose(x, (2, 0, 1)),
        lambda: dg.transpose(x, 1),
    ]:
        with pytest.raises(TypeError, match=r"swaps two dims.*use permute\(x, dims\)"):
            bad()
    with pytest.warns(DeprecationWarning, match="broadcast_to"):
        assert F.expand(dg.tensor(a[:, :1]), (2, 3, 4)).shape == (2, 3, 4)
    assert not hasattr(torch, "expand")  # why deepgrad's module-level expand goes


@pytest.mark.parametrize("pad", [(1, 2), (1, 2, 0, 1), (0, 0, 2, 1), (3, 0, 1, 1, 2, 0)])
@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_reads_pytorchs_flat_tuple_from_the_last_axis(pad, mode, torch):
    x = np.random.default_rng(0).normal(size=(2, 3, 4)).astype(np.float64)
    if mode != "constant" and len(pad) > 4:  # 3 axes need a 4-d or 5-d input, both refuse
        for f, arr in ((torch.nn.functional.pad, torch.tensor(x)), (F.pad, dg.tensor(x))):
            with pytest.raises(NotImplementedError, match="Padding size 6 is not supported"):
                f(arr, pad, mode)
        return
    xt = torch.tensor(x, requires_grad=True)
    yt = torch.nn.functional.pad(
        xt, pad, mode=mode, **({"value": 0.5} if mode == "constant" else {})
    )
    xd = dg.tensor(x, requires_grad=True)
    yd = F.pad(xd, pad, mode, **({"value": 0.5} if mode == "constant" else {}))
    np.testing.assert_allclose(yd.numpy(), yt.detach().numpy())
    g = np.random.default_rng(1).normal(size=yt.shape)
    yt.backward(torch.tensor(g))
    (yd * dg.tensor(g)).sum().backward()
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy())


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize(
    "shape,pad,value",
    [((4,), (1, 1), None), ((2, 4), (1, 1, 1, 1), None), ((1, 1, 4, 4), (1, 1), None),
     ((1, 1, 2, 4, 4), (1, 0, 0, 1), None), ((1, 1, 1, 1, 2, 3), (1,) * 6, None),
     ((1, 4), (1, 1), 1.5), ((1, 1, 4), (1, 1), -2.0)],
)  # fmt: skip
def test_pad_non_constant_modes_follow_torchs_rank_and_value_rules(mode, shape, pad, value, torch):
    """PyTorch pads 1, 2 or 3 trailing axes of an input with one or two more (2, 4 or 6
    numbers), and a fill value other than 0 is refused (it is only for mode="constant")."""
    errors = []
    for f, lib in ((torch.nn.functional.pad, torch), (F.pad, dg)):
        with pytest.raises((NotImplementedError, RuntimeError)) as e:
            f(lib.ones(shape), pad, mode=mode, value=value)
        errors.append((type(e.value), str(e.value)))
    assert errors[0] == errors[1]
    x = dg.ones(1, 4)
    assert F.pad(x, (1, 1), mode=mode, value=0).shape == (1, 6)  # 0 is accepted, as by torch
    assert F.pad(dg.ones(3, 4), ((1, 1), (1, 1)), mode=mode).shape == (5, 6)  # NumPy pairs


def test_pad_refuses_a_value_in_the_mode_position_and_odd_tuples():
    x = dg.zeros(2, 3)
    with pytest.raises(TypeError, match="third argument is the mode"):
        F.pad(x, (1, 1), 0.5)
    with pytest.raises(ValueError, match="divisible by 2"):  # also PyTorch's RuntimeError
        F.pad(x, (1, 1, 1))
    with pytest.raises(ValueError, match="two times the input dimension"):
        F.pad(x, (1, 1, 1, 1, 1, 1))


_PAD_ARGUMENTS = [  # (pad, keyword arguments) on a (2, 3) input; M is torch or deepgrad
    lambda M: ((True, 1), {}),  # a bool is not an int: no silent True == 1
    lambda M: ((True, True), {}),  # (2 numbers on a 2-d input once read as NumPy's pairs)
    lambda M: ((False, 0), {"mode": "reflect"}),
    lambda M: ((1.0, 1), {}),
    lambda M: ((1, 1.5), {}),
    lambda M: ((np.bool_(True), 1), {}),
    lambda M: ((M.tensor(1.0), 1), {}),
    lambda M: (((1, 1), (True, 0)), {}),
    lambda M: (True, {}),
    lambda M: (1.0, {}),
    lambda M: (M.tensor([1, 1]), {}),
    lambda M: ((1, 1), {"mode": True}),
    lambda M: ((1, 1), {"mode": None}),
    lambda M: ((1, 1), {"value": 1j}),
    lambda M: ((1, 1), {"value": "a"}),
    lambda M: ((1, 1), {"value": M.tensor([2.0])}),
]


@pytest.mark.parametrize("case", range(len(_PAD_ARGUMENTS)))
def test_pad_refuses_what_torchs_parser_refuses_with_a_type_error(torch, case):
    """torch 2.13's F.pad takes a tuple of ints (Python or NumPy ints, integer tensors of one
    element), a str mode and a real fill; anything else is its TypeError, and deepgrad's."""
    x = np.arange(6.0).reshape(2, 3)
    pad, kw = _PAD_ARGUMENTS[case](torch)
    with pytest.raises(TypeError):
        torch.nn.functional.pad(torch.tensor(x), pad, **kw)
    pad, kw = _PAD_ARGUMENTS[case](dg)
    with pytest.raises(TypeError, match=r"pad\(\): argument '(pad|mode|value)'"):
        F.pad(dg.tensor(x), pad, **kw)


@pytest.mark.parametrize(
    "make",
    [
        lambda M: ((np.int64(1), np.int32(2)), {}),
        lambda M: ((M.tensor(1), M.tensor([2])), {}),  # integer tensors of one element
        lambda M: ((M.tensor(1), 1), {"mode": "reflect"}),
        lambda M: ((1, 1), {"value": True}),
        lambda M: ((1, 1), {"value": np.float32(2.5)}),
        lambda M: ((1, 1), {"value": M.tensor(3.0)}),
    ],
)
def test_pad_takes_what_torchs_parser_takes(torch, make):
    x = np.arange(6.0).reshape(1, 2, 3)
    (tpad, tkw), (dpad, dkw) = make(torch), make(dg)
    want = torch.nn.functional.pad(torch.tensor(x), tpad, **tkw)
    got = F.pad(dg.tensor(x), dpad, **dkw)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_element_index_is_a_view_as_in_torch(torch):
    """``confusion[i][j] += 1`` (the char-RNN tutorial's confusion matrix) and ``y = x[2];
    y += 1`` write into the indexed tensor, as PyTorch's views do; ``x[i]`` of a 1-d tensor
    was a NumPy scalar, which ``+=`` refused."""

    def run(lib):
        c = lib.zeros(3, 3)
        for i, j in [(0, 1), (0, 1), (2, 0)]:
            c[i][j] += 1
        c[1][2] *= 5.0  # 0 stays 0
        x = lib.arange(4)
        y = x[2]
        y += 10
        return c.numpy().copy(), x.numpy().copy(), tuple(y.shape), c[1][2].dtype == c.dtype

    for got, expected in zip(run(dg), run(torch)):
        np.testing.assert_array_equal(got, expected)
    w = dg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (w[1][...] * 3).backward()
    np.testing.assert_array_equal(w.grad.numpy(), [0.0, 3.0, 0.0])


PAD_CASES = [
    ((2, 3), (), "constant"),
    ((2, 3), [], "constant"),
    ((), (), "constant"),
    ((1, 2, 3), (0, 0), "reflect"),
    ((2, 3), (), "reflect"),
    ((1, 2, 3), (), "circular"),
    ((), (), "replicate"),
    ((), (1, 1), "constant"),
    ((1, 2, 3), (3, 0), "reflect"),
    ((1, 2, 3), (4, 0), "circular"),
    ((2, 3), (-2, -2), "constant"),
    ((2, 3), (-4, 0), "constant"),
    ((1, 2, 3), (-4, 0), "circular"),
    ((1, 2, 3), (-2, -2), "reflect"),
    ((1, 2, 3), (-2, -2), "replicate"),
    ((1, 2, 3), (-3, -3, 0, 0), "replicate"),
    ((1, 0, 3), (1, 1), "reflect"),
    ((1, 2, 0), (1, 1), "circular"),
    ((2, 0), (1, 1), "replicate"),
    ((2, 3), (1, 1, 1, 1, 1, 1), "constant"),
    ((2, 3), (1,), "constant"),
    ((2, 3), (1, 1), "foo"),
    ((2, 3), (), "foo"),
    ((), (1,), "foo"),
]


@pytest.mark.parametrize(("shape", "widths", "mode"), PAD_CASES)
def test_pad_empty_tuples_and_sizes_it_does_not_fit_as_torch(torch, shape, widths, mode):
    """``F.pad(x, ())`` is a copy of the input (not the input), as PyTorch's; widths that
    crop more than an axis holds, exceed what reflect/circular take, pad an empty axis, or
    have an odd length or more pairs than axes raise PyTorch's class (``RuntimeError``;
    deepgrad's ``ValueRangeError`` is also the ``ValueError`` it raised before); an unknown
    mode is refused first, PyTorch's ``NotImplementedError`` (also a ``ValueError``)."""
    xt = torch.arange(float(np.prod(shape))).reshape(shape).requires_grad_()
    xd = dg.arange(float(np.prod(shape))).reshape(shape).requires_grad_()
    try:
        want = torch.nn.functional.pad(xt, widths, mode)
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        with pytest.raises(type(e)) as got:
            F.pad(xd, widths, mode)
        assert isinstance(got.value, ValueError) or "Padding size" in str(e)
        return
    got = F.pad(xd, widths, mode)
    assert got is not xd and got._data is not xd._data
    np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy())
    got.sum().backward()
    np.testing.assert_array_equal(xd.grad.numpy(), np.ones(shape, np.float32))


def test_stack_and_cat_refuse_unequal_shapes_as_torch(torch):
    """PyTorch raises RuntimeError (deepgrad's is also the ValueError it raised before), with
    PyTorch's words first."""
    for lib in (torch, dg):
        with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, "
                           r"but got \[2\] at entry 0 and \[3\] at entry 1"):  # fmt: skip
            lib.stack([lib.ones(2), lib.ones(3)])
        with pytest.raises(RuntimeError, match="stack expects a non-empty TensorList"):
            lib.stack([])
        with pytest.raises(RuntimeError, match="Sizes of tensors must match except in dimension 0"):
            lib.cat([lib.ones(2, 2), lib.ones(3, 3)])
        with pytest.raises(ValueError, match="expected a non-empty list of Tensors|at least one"):
            lib.cat([])
