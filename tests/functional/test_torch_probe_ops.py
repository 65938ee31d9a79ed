"""Functions a probe against PyTorch found missing or partial: einsum's sublist form, F.linear
with a 1-D weight, block_diag, cov/corrcoef, renorm, matrix_power, index_reduce and F.pad with
negative pads. Each against torch: values and gradients in float64, values in float32, and a
gradient check."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.functional as F


def _compare(torch, dg_fn, torch_fn, arrays, grad=True, gradcheck=True):
    """``dg_fn(*tensors)`` equals ``torch_fn(*tensors)`` in float64 values and gradients (of a
    random projection of the output), and in float32 values; then a gradient check."""
    rng = np.random.default_rng(1)
    xs = [dg.tensor(a, requires_grad=grad) for a in arrays]
    ts = [torch.tensor(a, requires_grad=grad) for a in arrays]
    y, t = dg_fn(*xs), torch_fn(*ts)
    assert y.shape == tuple(t.shape) and y.dtype == np.dtype(str(t.dtype).split(".")[1])
    np.testing.assert_allclose(y.numpy(), t.detach().numpy(), rtol=1e-12, atol=1e-12)
    if grad and y.numel():
        w = rng.standard_normal(y.shape)
        (y * dg.tensor(w)).sum().backward()
        (t * torch.tensor(w)).sum().backward()
        for x, tx in zip(xs, ts):
            gt = tx.grad.numpy() if tx.grad is not None else np.zeros(tx.shape)
            gx = x.grad.numpy() if x.grad is not None else np.zeros(x.shape)
            np.testing.assert_allclose(gx, gt, rtol=1e-10, atol=1e-12)
        if gradcheck:
            assert dg.gradcheck(dg_fn, *[dg.tensor(a, requires_grad=True) for a in arrays])
    y32 = dg_fn(*[dg.tensor(a.astype(np.float32)) for a in arrays])
    t32 = torch_fn(*[torch.tensor(a.astype(np.float32)) for a in arrays])
    assert y32.dtype == np.float32 and t32.dtype == torch.float32
    np.testing.assert_allclose(y32.numpy(), t32.numpy(), rtol=1e-5, atol=1e-5)


def _r(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# ---- einsum's sublist form ------------------------------------------------------------------
@pytest.mark.parametrize(
    "shapes, subs",
    [
        ([(2, 3), (3, 4)], [[0, 1], [1, 2], [0, 2]]),
        ([(2, 3), (3, 4)], [[0, 1], [1, 2]]),  # implicit output
        ([(2, 3), (3, 4)], [[30, 1], [1, 27]]),  # lower and upper case: torch's order
        ([(5, 2, 3), (5, 3, 4)], [[..., 0, 1], [..., 1, 2], [..., 0, 2]]),
        ([(3, 3)], [[0, 0], []]),  # trace, 0-d output
        ([(3,)], [[51]]),
        ([(0, 3), (3, 2)], [[0, 1], [1, 2], [0, 2]]),  # empty
        ([(1, 1), (1,)], [[0, 1], [1], [0]]),
    ],
)
def test_einsum_sublist_form_matches_torch(torch, shapes, subs):
    arrays = [_r(*s, seed=i) for i, s in enumerate(shapes)]

    def interleave(ops):
        args = [v for pair in zip(ops, subs) for v in pair]
        return args + list(subs[len(ops) :])

    _compare(
        torch,
        lambda *xs: dg.einsum(*interleave(xs)),
        lambda *ts: torch.einsum(*interleave(ts)),
        arrays,
    )


def test_einsum_sublist_out_of_range_is_refused():
    with pytest.raises(ValueError, match=r"\[0, 52\)"):
        dg.einsum(dg.ones(2), [52])
    with pytest.raises(TypeError, match="list of ints"):
        dg.einsum(dg.ones(2), 0)


# ---- F.linear with a 1-D weight --------------------------------------------------------------
@pytest.mark.parametrize(
    "x_shape, bias",
    [
        ((3, 4), False),
        ((4,), False),
        ((4,), True),
        ((2, 5, 4), True),
        ((2, 5, 4), False),
        ((0, 5, 4), True),
        ((1,) * 1 + (4,), False),
    ],
)
def test_linear_with_a_1d_weight_matches_torch(torch, x_shape, bias):
    arrays = [_r(*x_shape), _r(4, seed=1)] + ([_r(seed=2)] if bias else [])
    _compare(torch, F.linear, torch.nn.functional.linear, arrays)


def test_linear_1d_weight_refuses_a_misfit():
    with pytest.raises(ValueError, match="1-D weight"):
        F.linear(dg.ones(3, 5), dg.ones(4))
    with pytest.raises(ValueError, match="0-d"):
        F.linear(dg.ones(2, 3, 4), dg.ones(4), dg.ones(3))


# ---- block_diag ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "shapes",
    [[(2, 3), (1, 2)], [(), (3,), (2, 2)], [(4,)], [(0, 0)], [(1, 1), ()], [(1, 0), (2, 2)]],
)
def test_block_diag_matches_torch(torch, shapes):
    arrays = [_r(*s, seed=i) for i, s in enumerate(shapes)]
    _compare(torch, dg.block_diag, torch.block_diag, arrays)


def test_block_diag_zero_width_blocks_shift_the_rows(torch):
    """Blocks of no columns still take their rows: the (1,) block sits in row 3. (PyTorch 2.13's
    values agree; its gradient reads the wrong row, so only the values are compared to it.)"""
    arrays = [_r(0), _r(2, 0), _r(1, seed=2)]
    _compare(torch, dg.block_diag, torch.block_diag, arrays, grad=False)
    xs = [dg.tensor(a, requires_grad=True) for a in arrays]
    (dg.block_diag(*xs) * dg.tensor([[1.0], [2.0], [3.0], [4.0]])).sum().backward()
    np.testing.assert_array_equal(xs[2].grad.numpy(), [4.0])
    assert dg.gradcheck(dg.block_diag, *xs)


def test_block_diag_promotes_dtypes_as_torch(torch):
    cases = [
        [np.array(True), np.array(3, np.uint8)],
        [np.array(2), np.array([1.0, 2.0], np.float32), np.ones((2, 2))],
        [np.zeros(0, np.float32), np.ones(1, np.int32)],
        [np.array([1, 2], np.int32), np.array([[3]], np.int64)],
    ]
    for arrays in cases:
        got = dg.block_diag(*[dg.tensor(a) for a in arrays])
        want = torch.block_diag(*[torch.tensor(a) for a in arrays])
        assert got.dtype == np.dtype(str(want.dtype).split(".")[1])
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    empty = dg.block_diag()
    assert empty.shape == tuple(torch.block_diag().shape) and empty.dtype == np.float32
    with pytest.raises(ValueError, match="2 or fewer"):
        dg.block_diag(dg.ones(2, 2, 2))


# ---- cov / corrcoef --------------------------------------------------------------------------
FW = np.array([1, 2, 0, 3, 1])
AW = np.array([0.5, 1.0, 2.0, 0.25, 1.5])


@pytest.mark.parametrize("shape", [(3, 5), (5,), (1, 5), (4, 5)])
@pytest.mark.parametrize("correction", [1, 0, 2])
@pytest.mark.parametrize("weights", ["none", "f", "a", "fa"])
def test_cov_matches_torch(torch, shape, correction, weights):
    kw = {"correction": correction}

    def fn(lib, x, *aw):
        k = dict(kw)
        if "f" in weights:
            k["fweights"] = lib.tensor(FW)
        if aw:
            k["aweights"] = aw[0]
        return lib.cov(x, **k)

    arrays = [_r(*shape)] + ([AW] if "a" in weights else [])
    _compare(torch, lambda *a: fn(dg, *a), lambda *a: fn(torch, *a), arrays)
    x = dg.tensor(arrays[0])
    k = {"fweights": dg.tensor(FW)} if "f" in weights else {}
    np.testing.assert_array_equal(
        x.cov(correction=correction, **k).numpy(), dg.cov(x, correction=correction, **k).numpy()
    )


@pytest.mark.parametrize("shape", [(3, 5), (5,), (1, 5), (2, 2), (4, 3)])
def test_corrcoef_matches_torch(torch, shape):
    _compare(torch, dg.corrcoef, torch.corrcoef, [_r(*shape)])
    x = dg.tensor(_r(*shape))
    np.testing.assert_array_equal(x.corrcoef().numpy(), dg.corrcoef(x).numpy())


def test_corrcoef_is_clipped_to_one(torch):
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [3.0, 2.0, 1.0]])
    _compare(torch, dg.corrcoef, torch.corrcoef, [a], gradcheck=False)
    assert np.abs(dg.corrcoef(dg.tensor(a)).numpy()).max() <= 1


@pytest.mark.filterwarnings("ignore:cov.*degrees of freedom:UserWarning")
@pytest.mark.parametrize("shape", [(2, 1), (1, 1), (), (0, 3), (2, 0)])
def test_cov_degenerate_shapes_match_torch(torch, shape):
    a = _r(*shape)
    degenerate = shape in [(2, 1), (1, 1), (), (2, 0)]
    with pytest.warns(UserWarning, match="degrees of freedom") if degenerate else _nothing():
        got = dg.cov(dg.tensor(a))
    want = torch.cov(torch.tensor(a))
    assert got.shape == tuple(want.shape)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    c, t = dg.corrcoef(dg.tensor(a)), torch.corrcoef(torch.tensor(a))
    np.testing.assert_array_equal(c.numpy(), t.numpy())


def _nothing():
    import contextlib

    return contextlib.nullcontext()


def test_cov_integer_input_and_weights_dtypes_as_torch(torch):
    x = np.array([[1, 2, 4], [3, 1, 0]])
    for kw in [
        {},
        {"fweights": np.array([1, 2, 1])},
        {"aweights": np.array([1.0, 2, 1], np.float32)},
    ]:
        got = dg.cov(dg.tensor(x), **{k: dg.tensor(v) for k, v in kw.items()})
        want = torch.cov(torch.tensor(x), **{k: torch.tensor(v) for k, v in kw.items()})
        assert got.dtype == np.dtype(str(want.dtype).split(".")[1])
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
    got = dg.cov(dg.tensor(x, dtype=dg.float32), aweights=dg.tensor([1.0, 2, 1], dtype=dg.float64))
    assert got.dtype == np.float64


@pytest.mark.parametrize(
    "kw, error",
    [
        ({"fweights": np.array([1.0, 2, 1])}, TypeError),
        ({"fweights": np.array([-1, 2, 1])}, ValueError),
        ({"fweights": np.array([1, 2])}, ValueError),
        ({"aweights": np.array([1, 2, 1])}, TypeError),
        ({"aweights": np.zeros(3)}, ValueError),
        ({"correction": 1.5}, TypeError),
    ],
)
def test_cov_refuses_what_torch_refuses(torch, kw, error):
    x = np.ones((2, 3))
    kw = {k: (dg.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    with pytest.raises(error):
        dg.cov(dg.tensor(x), **kw)
    with pytest.raises(ValueError, match="two or fewer"):
        dg.cov(dg.ones(2, 2, 2))
    with pytest.raises(TypeError, match="bool"):
        dg.cov(dg.tensor([True, False]))


def test_cov_names_are_torch(torch):
    x = dg.ones(2, 3)
    for call in [lambda: dg.cov(x, 1), lambda: dg.cov(x, unbiased=False), lambda: x.cov(1)]:
        with pytest.raises(TypeError):
            call()
    with pytest.raises(TypeError, match="'ddof'.*'correction'"):
        dg.cov(x, ddof=0)
    with pytest.raises(TypeError):
        torch.cov(torch.ones(2, 3), unbiased=False)


# ---- renorm ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "shape, p, dim, maxnorm",
    [
        ((4, 3), 2, 0, 1.5),
        ((4, 3), 1, 1, 2.0),
        ((2, 3, 4), 3.5, -1, 1.0),
        ((2, 3, 4), float("inf"), 1, 0.8),
        ((3, 2), 2, 0, 100.0),  # nothing over: unchanged
        ((3, 2), 2, 1, 0.0),
        ((0, 3), 2, 1, 0.5),
        ((1, 1), 2, 0, 0.5),
    ],
)
def test_renorm_matches_torch(torch, shape, p, dim, maxnorm):
    a = _r(*shape) * 2
    _compare(
        torch,
        lambda x: dg.renorm(x, p, dim, maxnorm),
        lambda t: torch.renorm(t, p, dim, maxnorm),
        [a],
    )
    _compare(
        torch,
        lambda x: x.renorm(p, dim, maxnorm),
        lambda t: t.renorm(p, dim, maxnorm),
        [a],
        gradcheck=False,
    )
    x, t = dg.tensor(a), torch.tensor(a)
    assert x.renorm_(p, dim, maxnorm) is x
    np.testing.assert_allclose(
        x.numpy(), t.renorm_(p, dim, maxnorm).numpy(), rtol=1e-12, atol=1e-12
    )


def test_renorm_in_place_is_recorded(torch):
    a = _r(3, 4)
    x = dg.tensor(a, requires_grad=True)
    y = x * 2
    y.renorm_(2, 0, 1.0)
    y.sum().backward()
    t = torch.tensor(a, requires_grad=True)
    u = t * 2
    u.renorm_(2, 0, 1.0)
    u.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: dg.renorm(dg.ones(3), 2, 0, 1.0), ValueError),
        (lambda: dg.renorm(dg.ones(2, 3), 0, 0, 1.0), ValueError),
        (lambda: dg.renorm(dg.ones(2, 3), 2, 0, -1.0), ValueError),
        (lambda: dg.renorm(dg.ones(2, 3, dtype=dg.int64), 2, 0, 1.0), TypeError),
    ],
)
def test_renorm_refuses_what_torch_refuses(call, error):
    with pytest.raises(error):
        call()


def test_renorm_takes_axis_as_torch(torch):
    a = _r(3, 4)
    want = torch.renorm(torch.tensor(a), 2, axis=0, maxnorm=1.0).numpy()
    np.testing.assert_array_equal(dg.renorm(dg.tensor(a), 2, axis=0, maxnorm=1.0).numpy(), want)
    np.testing.assert_array_equal(dg.tensor(a).renorm(2, axis=0, maxnorm=1.0).numpy(), want)


# ---- matrix_power ----------------------------------------------------------------------------
@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 5, 7, 10, -1, -2, -5])
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (1, 1), (2, 1, 3, 3)])
def test_matrix_power_matches_torch(torch, n, shape):
    a = _r(*shape) / np.sqrt(shape[-1]) + 2 * np.eye(shape[-1])  # well conditioned
    _compare(
        torch,
        lambda x: dg.linalg.matrix_power(x, n),
        lambda t: torch.linalg.matrix_power(t, n),
        [a],
        gradcheck=abs(n) <= 5,
    )
    x = dg.tensor(a)
    np.testing.assert_array_equal(x.matrix_power(n).numpy(), dg.matrix_power(x, n).numpy())
    np.testing.assert_allclose(
        dg.matrix_power(x, n).numpy(), torch.matrix_power(torch.tensor(a), n).numpy(), rtol=1e-12
    )


def test_matrix_power_edges_as_torch(torch):
    i = np.array([[1, 2], [3, 4]])
    got, want = dg.matrix_power(dg.tensor(i), 3), torch.matrix_power(torch.tensor(i), 3)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    for shape, n in [((0, 2, 2), 2), ((2, 0, 0), -2), ((3, 0, 0), 0)]:
        assert dg.matrix_power(dg.ones(*shape), n).shape == tuple(
            torch.matrix_power(torch.ones(shape), n).shape
        )
    a = dg.tensor(_r(2, 2), requires_grad=True)
    y = dg.matrix_power(a, 0)
    assert y.requires_grad
    y.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), np.zeros((2, 2)))
    with pytest.raises(TypeError, match="floating"):
        dg.matrix_power(dg.tensor(i), -1)
    with pytest.raises(ValueError, match="square"):
        dg.matrix_power(dg.ones(2, 3), 2)
    with pytest.raises(ValueError, match="square"):
        dg.matrix_power(dg.ones(3), 2)


# ---- F.pad with negative pads ----------------------------------------------------------------
PADS = [
    (-1, 2),
    (-1, -1),
    (1, -2, -1, 0),
    (-2, 2),
    (0, -3),
    (-4, 0),
    (-4, 2),
    (-2, -2),
    (2, -1, 1, -2),
    (-3, 3),
    (-5, 2),
    (-3, -2),
    (-1, 0, 0, 0, -1, 1),
]


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad", PADS, ids=str)
def test_pad_negative_crops_as_torch(torch, mode, pad):
    a = _r(2, 3, 4)
    if mode != "constant" and len(pad) == 6:  # torch pads 3 dims of a 4-D/5-D input only
        a = a[None]
    kw = {"value": 1.5} if mode == "constant" else {}
    try:
        torch.nn.functional.pad(torch.tensor(a), pad, mode=mode, **kw)
    except (RuntimeError, NotImplementedError, ValueError):
        with pytest.raises((ValueError, RuntimeError)):
            F.pad(dg.tensor(a), pad, mode=mode, **kw)
        return
    if mode == "circular" and any(
        b < 0 and a > 4 + b or a < 0 and b > 4 + a for b, a in [pad[:2]]
    ):  # torch wraps from memory it never wrote (its values vary): deepgrad refuses
        with pytest.raises(ValueError, match="circular|crops more"):
            F.pad(dg.tensor(a), pad, mode=mode)
        return
    _compare(
        torch,
        lambda x: F.pad(x, pad, mode=mode, **kw),
        lambda t: torch.nn.functional.pad(t, pad, mode=mode, **kw),
        [a],
    )


def test_pad_negative_on_empty_axes_as_torch(torch):
    for shape, pad in [((2, 0), (0, 0, -1, 2)), ((3, 4), (-4, 0)), ((3, 4), (-2, -2))]:
        got = F.pad(dg.zeros(*shape), pad)
        assert got.shape == tuple(torch.nn.functional.pad(torch.zeros(shape), pad).shape)
    with pytest.raises(ValueError, match="crops more"):
        F.pad(dg.zeros(2, 0), (-1, 2))
    with pytest.raises(ValueError, match="non-negative"):  # NumPy's pairs stay non-negative
        F.pad(dg.zeros(2, 3), ((0, 0), (-1, 0)))


@pytest.mark.parametrize("n", [-1, -2, -5])
def test_matrix_power_of_a_complex_matrix_to_a_negative_power_as_torch(torch, n):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2, 3, 3)) + 1j * rng.standard_normal((2, 3, 3)) + 3 * np.eye(3)
    for dt in (np.complex128, np.complex64):
        got = dg.linalg.matrix_power(dg.tensor(a.astype(dt)), n)
        want = torch.linalg.matrix_power(torch.tensor(a.astype(dt)), n).numpy()
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-4 if dt == np.complex64 else 1e-10)
