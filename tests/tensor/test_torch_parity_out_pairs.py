"""PyTorch's ``out=(values, indices)`` on the functions that return a pair (``max``/``min``
along a dim, ``sort``, ``topk``, ``kthvalue``, ``median``, ``nanmedian``, ``mode``, ``cummax``,
``cummin``, ``aminmax``): values, identity, exact dtypes, resizing with its warning, and the
refusals — each against torch."""

import warnings

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

X = np.array([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]], dtype=np.float32)

# name → (args after the input, kwargs, the second output's dtype)
CASES = {
    "max": ((1,), {}, "int64"),
    "max keepdim": ((1, True), {}, "int64"),
    "min": ((0,), {}, "int64"),
    "sort": ((1, True), {}, "int64"),
    "sort stable": ((), {"dim": 0, "stable": True}, "int64"),
    "topk": ((2,), {}, "int64"),
    "topk smallest": ((2, 0, False, True), {}, "int64"),
    "kthvalue": ((2, 1), {}, "int64"),
    "median": ((1,), {}, "int64"),
    "nanmedian": ((0,), {}, "int64"),
    "mode": ((1,), {}, "int64"),
    "cummax": ((1,), {}, "int64"),
    "cummin": ((0,), {}, "int64"),
    "aminmax": ((), {"dim": 1}, "float32"),
}


def _outs(lib, second, n=0):
    """Empty ``(values, second)`` out tensors of ``lib`` with ``n`` elements."""
    return lib.empty(n, dtype=lib.float32), lib.empty(n, dtype=getattr(lib, second))


def _call(lib, case, out):
    args, kwargs, _ = CASES[case]
    x = dg.tensor(X) if lib is dg else torch.tensor(X)
    return getattr(lib, case.split()[0])(x, *args, out=out, **kwargs)


@pytest.mark.parametrize("case", CASES)
def test_pair_is_written_into_out_as_torch(case):
    second = CASES[case][2]
    d_out, t_out = _outs(dg, second), _outs(torch, second)
    got, want = _call(dg, case, d_out), _call(torch, case, t_out)
    assert (
        got[0] is d_out[0]
        and got[1] is d_out[1]
        and type(got)
        is type(getattr(dg, case.split()[0])(dg.tensor(X), *CASES[case][0], **CASES[case][1]))
    )
    for g, w in zip(got, want):
        assert str(g.dtype) == str(w.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(g.numpy(), w.numpy())
    names = ("min", "max") if case == "aminmax" else ("values", "indices")
    assert getattr(got, names[0]) is d_out[0] and getattr(got, names[1]) is d_out[1]


@pytest.mark.parametrize("case", CASES)
def test_out_of_another_shape_is_resized_with_torchs_warning(case):
    second = CASES[case][2]
    for lib in (dg, torch):
        out = _outs(lib, second, n=7)
        with pytest.warns(UserWarning, match="resized"):
            _call(lib, case, out)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            _call(lib, case, _outs(lib, second, n=0))  # zero elements: silently resized


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("wrong", [("float64", None), (None, "int32")])
def test_dtypes_must_be_exact_as_in_torch(case, wrong):
    second = CASES[case][2]
    dtypes = (wrong[0] or "float32", wrong[1] or second)
    for lib in (dg, torch):
        out = tuple(lib.empty(0, dtype=getattr(lib, d)) for d in dtypes)
        with pytest.raises(RuntimeError):
            _call(lib, case, out)
    out = tuple(dg.full((2,), 9, dtype=getattr(dg, d)) for d in dtypes)
    with pytest.raises(RuntimeError, match="no cast"):
        _call(dg, case, out)
    assert out[0].tolist() == [9, 9]  # nothing written before the refusal


@pytest.mark.parametrize("case", ["max", "sort", "topk"])
def test_out_must_be_a_pair_of_tensors(case):
    for lib in (dg, torch):
        one = lib.empty(0)
        three = (*_outs(lib, "int64"), lib.empty(0))
        for bad in (one, three):
            with pytest.raises(TypeError):
                _call(lib, case, bad)
    got = _call(dg, case, list(_outs(dg, "int64")))  # a list works, as in torch
    assert got.indices.dtype == np.int64


def test_the_one_tensor_forms_of_max_and_min_take_one_out():
    for name in ("max", "min"):
        for lib in (dg, torch):
            x = lib.tensor(X)
            y = lib.empty((), dtype=lib.float64)
            assert getattr(lib, name)(x, out=y) is y  # the cast rule: float32 into float64
            z = lib.empty(0)
            assert getattr(lib, name)(x, x, out=z) is z
            with pytest.raises(RuntimeError):
                getattr(lib, name)(x, out=lib.empty((), dtype=lib.int64))
            with pytest.raises(TypeError):
                getattr(lib, name)(x, out=(lib.empty(()), lib.empty((), dtype=lib.int64)))
        assert dg.max(dg.tensor(X), out=dg.empty(())).item() == X.max()
    for lib in (dg, torch):
        with pytest.raises(TypeError):
            lib.median(lib.tensor(X), out=lib.empty(()))


def test_refused_under_autograd_and_allowed_under_no_grad():
    for lib in (dg, torch):
        x = lib.tensor(X, requires_grad=True)
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            lib.max(x, 1, out=_outs(lib, "int64"))
        with lib.no_grad():
            values, _ = lib.max(x, 1, out=_outs(lib, "int64"))
        assert values.tolist() == [5.0, 6.0]
