"""Type promotion of the binary operators against PyTorch: every pair of dtypes, with the
second operand a tensor, a 0-d tensor or a Python number, gives torch's result dtype and
values, or raises where torch raises (bool ``%``/``**`` of two bools, an ordering of complex
numbers)."""

from __future__ import annotations

import operator

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64",
          "complex64"]  # fmt: skip
NUMBERS = {"bool": True, "int64": 2, "float32": 2.5, "complex64": 1 + 1j}
OPS = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "truediv": operator.truediv,
    "floordiv": operator.floordiv, "mod": operator.mod, "pow": operator.pow,
    "and": operator.and_, "or": operator.or_, "xor": operator.xor, "lshift": operator.lshift,
    "rshift": operator.rshift, "eq": operator.eq, "lt": operator.lt, "ge": operator.ge,
    "maximum": lambda m, a, b: m.maximum(a, b), "minimum": lambda m, a, b: m.minimum(a, b),
    "atan2": lambda m, a, b: m.atan2(a, b), "fmod": lambda m, a, b: m.fmod(a, b),
    "remainder": lambda m, a, b: m.remainder(a, b),
    "where": lambda m, a, b: m.where(m.tensor([True, False, True]), a, b),
    "clamp": lambda m, a, b: m.clamp(a, min=b), "clamp_max": lambda m, a, b: m.clamp(a, max=b),
}  # fmt: skip
TAKES_TENSORS_ONLY = ("maximum", "minimum", "atan2")  # torch refuses a Python number there


def _operand(m, dtype, kind):
    if kind == "number":
        return NUMBERS[dtype]
    base = np.array([3, -2, 5]) if dtype != "bool" else np.array([True, False, True])
    a = base.astype(dtype) if kind == "tensor" else np.array(base[0]).astype(dtype)
    return m.tensor(a)


def _outcome(m, name, da, db, kind):
    a, b = _operand(m, da, "tensor"), _operand(m, db, kind)
    fn = OPS[name]
    try:
        with np.errstate(all="ignore"):
            r = fn(a, b) if fn.__module__ == "_operator" else fn(m, a, b)
    except (RuntimeError, TypeError, ValueError, ZeroDivisionError):
        return "raise", None
    return str(r.dtype).removeprefix("torch."), r.numpy()


CASES = [(d, "tensor") for d in DTYPES] + [(d, "0-d") for d in DTYPES]
CASES += [(d, "number") for d in NUMBERS]


@pytest.mark.parametrize("name", OPS)
def test_binary_ops_promote_and_refuse_as_torch(name):
    for da in DTYPES:
        for db, kind in CASES:
            if "float16" in (da, db) and "complex64" in (da, db):
                continue  # torch's complex32 (ComplexHalf): NumPy has none (see README)
            if kind == "number" and name in TAKES_TENSORS_ONLY:
                continue  # deepgrad also takes a Python number there
            want = _outcome(torch, name, da, db, kind)
            got = _outcome(dg, name, da, db, kind)
            assert got[0] == want[0], (name, da, db, kind, got, want)
            if want[1] is not None:
                np.testing.assert_allclose(
                    got[1].astype(complex), want[1].astype(complex), rtol=1e-3,
                    err_msg=f"{name} {da} {db} {kind}",
                )  # fmt: skip


def test_integer_pow_of_a_negative_exponent_tensor_is_torchs():
    # torch: 1 for base 1, ±1 for base -1, else 0 (NumPy raises); bool ** int is int64
    base, exp = [1, -1, -1, 2, 0, 3], [-3, -3, -2, -1, -2, 2]
    want = torch.tensor(base) ** torch.tensor(exp)
    got = dg.tensor(base) ** dg.tensor(exp)
    assert got.tolist() == want.tolist() and got.dtype == dg.int64
    for e in (2, True, False):
        w, g = torch.tensor([True, False]) ** e, dg.tensor([True, False]) ** e
        assert str(g.dtype) == str(w.dtype).removeprefix("torch.") and g.tolist() == w.tolist()


IN_PLACE = ["add_", "sub_", "mul_", "div_", "true_divide_", "floor_divide_", "pow_",
            "remainder_", "fmod_", "bitwise_and_", "bitwise_or_", "bitwise_xor_",
            "bitwise_left_shift_", "bitwise_right_shift_", "atan2_", "hypot_", "logical_and_",
            "__iadd__", "__isub__", "__imul__", "__itruediv__", "__ifloordiv__", "__imod__",
            "__ipow__", "__iand__", "__ior__", "__ixor__", "__ilshift__", "__irshift__",
            "clamp_", "clamp_max_"]  # fmt: skip
IN_PLACE_TENSORS_ONLY = ("atan2_", "hypot_", "logical_and_")  # deepgrad also takes a number


def _in_place_outcome(m, name, da, db, kind):
    a = m.tensor(np.array([3, 254, 5] if da == "uint8" else [3, -2, 5]).astype(da))
    b = _operand(m, db, kind)
    try:
        with np.errstate(all="ignore"):
            if name == "clamp_":
                r = a.clamp_(min=b)
            elif name == "clamp_max_":
                r = a.clamp_(max=b)
            else:
                r = getattr(a, name)(b)
    except (RuntimeError, TypeError, ValueError, ZeroDivisionError):
        return "raise", None
    assert r is a, name  # the same tensor, written in place
    return str(a.dtype).removeprefix("torch."), a.numpy()


@pytest.mark.parametrize("name", IN_PLACE)
def test_in_place_ops_cast_into_self_or_refuse_as_torch(name):
    # torch's rule: the out-of-place result type must cast to self's dtype by torch.can_cast
    # (same or lower category; uint8.add_(int32) wraps into uint8), else RuntimeError
    for da in DTYPES[:-1]:
        for db, kind in CASES:
            if db == "complex64" or (kind == "number" and name in IN_PLACE_TENSORS_ONLY):
                continue
            want = _in_place_outcome(torch, name, da, db, kind)
            got = _in_place_outcome(dg, name, da, db, kind)
            assert got[0] == want[0], (name, da, db, kind, got, want)
            if want[1] is not None:
                np.testing.assert_allclose(
                    got[1].astype(float), want[1].astype(float), rtol=1e-3,
                    err_msg=f"{name} {da} {db} {kind}",
                )  # fmt: skip


def test_in_place_cast_error_is_torchs_runtime_error_and_names_the_dtypes():
    i = dg.tensor([1, 2])
    with pytest.raises(
        RuntimeError, match="result type Float can't be cast to the desired output type Long"
    ):
        i.mul_(0.5)
    with pytest.raises(TypeError):  # deepgrad's earlier class, kept
        i.div_(dg.tensor([2, 2]))
    x = dg.tensor([3, 254, 5], dtype=dg.uint8)
    assert x.add_(dg.tensor([2, 1, 3], dtype=dg.int32)).tolist() == [5, 255, 8]
    f = dg.tensor([0.5, 3.0, 9.0])
    assert f.clamp_(min=dg.tensor(1.0), max=dg.tensor([2.0, 2.0, 8.0])).tolist() == [1, 2, 8]


REDUCTIONS = {
    "sum": lambda m, x: x.sum(), "sum0": lambda m, x: x.sum(0), "prod": lambda m, x: x.prod(0),
    "std": lambda m, x: x.std(), "var": lambda m, x: x.var(0), "norm": lambda m, x: x.norm(),
    "logsumexp": lambda m, x: x.logsumexp(0), "logsumexp_all": lambda m, x: x.logsumexp((0, 1)),
    "max": lambda m, x: x.max(), "max0": lambda m, x: x.max(0).values,
    "amax": lambda m, x: x.amax(0), "amin": lambda m, x: x.amin(), "argmax": lambda m, x: x.argmax(),
    "argmin0": lambda m, x: m.argmin(x, 0), "cumsum": lambda m, x: x.cumsum(0),
    "cumprod": lambda m, x: x.cumprod(0), "any": lambda m, x: x.any(), "all0": lambda m, x: x.all(0),
    "median": lambda m, x: x.median(), "median0": lambda m, x: x.median(0).values,
    "nanmedian": lambda m, x: x.nanmedian(), "kthvalue": lambda m, x: x.kthvalue(1, 0).values,
    "mode": lambda m, x: x.mode(0).values, "quantile": lambda m, x: x.quantile(0.5),
    "mean_float64": lambda m, x: x.mean(dtype=m.float64),
    "mean": lambda m, x: x.mean(), "mean0": lambda m, x: m.mean(x, 0),
    "mean0_float32": lambda m, x: m.mean(x, 0, dtype=m.float32),
    "mean_int64": lambda m, x: x.mean(dtype=m.int64), "nanmean": lambda m, x: m.nanmean(x),
    "nanmean_float64": lambda m, x: m.nanmean(x, dtype=m.float64),
    "nansum": lambda m, x: m.nansum(x), "var_mean": lambda m, x: m.var_mean(x)[1],
    "std_mean": lambda m, x: m.std_mean(x, 0)[0], "trace": lambda m, x: m.trace(x),
    "logcumsumexp": lambda m, x: m.logcumsumexp(x, 0), "nanquantile": lambda m, x: x.nanquantile(0.5),
    "count_nonzero": lambda m, x: m.count_nonzero(x, 0), "aminmax": lambda m, x: m.aminmax(x).max,
}  # fmt: skip
RED_DTYPES = ["bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64"]


def _reduction_outcome(m, name, dtype):
    base = {"uint8": [[3, 254, 5], [1, 250, 7]], "bool": [[1, 0, 1], [1, 1, 0]]}
    x = m.tensor(np.array(base.get(dtype, [[3, -2, 5], [1, 4, 7]])).astype(dtype))
    try:
        r = REDUCTIONS[name](m, x)
    except (RuntimeError, TypeError, ValueError, NotImplementedError):
        return "raise", None
    return str(r.dtype).removeprefix("torch."), r.numpy().astype(float)


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reductions_result_dtype_or_refusal_is_torchs(name):
    for dtype in RED_DTYPES:
        want, got = _reduction_outcome(torch, name, dtype), _reduction_outcome(dg, name, dtype)
        assert got[0] == want[0], (name, dtype, got, want)
        if want[1] is not None:
            np.testing.assert_allclose(got[1], want[1], rtol=2e-3, err_msg=f"{name} {dtype}")


def test_reduction_refusals_are_torchs_class():
    """Where PyTorch refuses an integer or bool reduction (``mean`` without a floating
    ``dtype``, ``std``/``var``, ``quantile``, ``logcumsumexp``, ``trace`` of bools...),
    deepgrad raises an instance of its class (``RuntimeError``, ``NotImplementedError``)."""
    for name in REDUCTIONS:
        for dtype in RED_DTYPES:
            x = np.array([[3, -2, 5], [1, 4, 7]]).astype(dtype)
            try:
                REDUCTIONS[name](torch, torch.tensor(x))
            except Exception as e:  # noqa: BLE001 - its class is what is compared
                with pytest.raises(type(e)):
                    REDUCTIONS[name](dg, dg.tensor(x))


LABEL_DTYPES = ["int64", "int32", "int16", "int8", "uint8", "bool", "float32", "float64"]


def _class_loss_outcome(m, fn, input_ndim, target_dtype=None, weight_dtype=None, probs=False):
    F = torch.nn.functional if m is torch else dg.nn.functional
    rng = np.random.default_rng(0)
    shape = (3, 4) if input_ndim == 2 else (2, 4, 2)
    x = m.tensor(rng.standard_normal(shape).astype("float32"))
    if probs:
        t = m.tensor(rng.dirichlet(np.ones(4), 3).astype(target_dtype))
    else:
        t = m.tensor(np.array([0, 3, 1] if input_ndim == 2 else [[0, 3], [1, 2]]))
        t = t.to(getattr(m, target_dtype or "int64"))
    kw = {} if weight_dtype is None else {"weight": m.tensor([1.0, 2.0, 0.5, 1.0])}
    if weight_dtype is not None:
        kw["weight"] = kw["weight"].to(getattr(m, weight_dtype))
    try:
        r = (F.cross_entropy if fn == "ce" else F.nll_loss)(x.log_softmax(1), t, **kw)
    except RuntimeError:
        return "raise", None
    return str(r.dtype).removeprefix("torch."), float(r)


@pytest.mark.parametrize("fn", ["ce", "nll"])
def test_class_label_and_weight_dtypes_are_torchs(fn):
    # class labels: int64, or uint8 for an (N, C) input; others raise, naming target.long()
    for ndim in (2, 3):
        for ld in LABEL_DTYPES:
            want = _class_loss_outcome(torch, fn, ndim, ld)
            got = _class_loss_outcome(dg, fn, ndim, ld)
            assert got[0] == want[0], (fn, ndim, ld, got, want)
            assert want[1] is None or got[1] == pytest.approx(want[1], rel=1e-5)
        for wd in ("float32", "float64", "float16"):  # with labels: the input's dtype only
            want = _class_loss_outcome(torch, fn, ndim, None, wd)
            assert _class_loss_outcome(dg, fn, ndim, None, wd)[0] == want[0], (fn, ndim, wd)
    with pytest.raises(RuntimeError, match=r"int64 \(Long\).*but got int32.*target\.long\(\)"):
        dg.nn.functional.nll_loss(dg.zeros(2, 3), dg.tensor([0, 1], dtype=dg.int32))


def test_probability_targets_promote_a_weight_of_another_dtype_as_torch():
    for td, wd in (("float32", "float64"), ("float64", "float32"), ("float32", "float16")):
        want = _class_loss_outcome(torch, "ce", 2, td, wd, probs=True)
        got = _class_loss_outcome(dg, "ce", 2, td, wd, probs=True)
        assert got[0] == want[0] and got[1] == pytest.approx(want[1], rel=1e-5), (td, wd)


@pytest.mark.parametrize(
    "data",
    [None, [1, None], object(), {1: 2}, {1, 2}, "abc", [2**64], [-(2**63) - 1]],
    ids=["None", "list-None", "object", "dict", "set", "str", "2**64", "-2**63-1"],
)
def test_tensor_refuses_data_with_torchs_error_class(data):
    from decimal import Decimal
    from fractions import Fraction

    for d in (data, Fraction(1, 2), Decimal("1.5")):  # torch takes no other number types
        try:
            torch.tensor(d)
        except Exception as e:
            want = type(e)
        with pytest.raises(want):
            dg.tensor(d)


def test_tensor_of_a_list_of_one_element_tensors_reads_them_as_numbers(torch):
    """``torch.tensor([t1, t2])`` reads each one-element tensor as a number (shape (2,), not
    (2, 1)), keeps their dtype, and refuses tensors of other sizes."""
    for make in (
        lambda T: [T.ones(1), T.ones(1)],
        lambda T: [T.tensor(1.5, dtype=T.float64), 2],
        lambda T: [T.tensor(1, dtype=T.int32), T.tensor(2, dtype=T.int32)],
        lambda T: [[T.ones(1, 1)], [T.ones(1)]],
        lambda T: (T.zeros(1), 3.0, [T.ones(1)][0]),
    ):
        ours, theirs = dg.tensor(make(dg)), torch.tensor(make(torch))
        assert ours.shape == tuple(theirs.shape)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    for bad in (lambda T: [T.ones(2), T.ones(2)], lambda T: [T.ones(0)], lambda T: [[T.ones(3)]]):
        with pytest.raises(ValueError, match="only one element tensors"):
            torch.tensor(bad(torch))
        with pytest.raises(ValueError, match="only one element tensors"):
            dg.tensor(bad(dg))
