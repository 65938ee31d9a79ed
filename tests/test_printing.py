"""``repr(tensor)`` is PyTorch's text for the same values, character for character, under the
same print options; the dtype suffix names NumPy's dtype (``dtype=float64``, README)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import deepgrad as dg

FLOATS = ["float16", "float32", "float64"]
INTS = ["int8", "int16", "int32", "int64", "uint8"]
COMPLEX = ["complex64", "complex128"]
_SUFFIX = re.compile(r",\n *((?:dtype|size|requires_grad|grad_fn|device)=)")


@pytest.fixture(autouse=True)
def _default_printoptions():
    yield
    dg.set_printoptions(profile="default")
    try:
        import torch
    except ImportError:
        return
    torch.set_printoptions(profile="default")


def _torch_text(torch, a: np.ndarray, requires_grad: bool = False) -> str:
    t = torch.from_numpy(a.copy())
    if dg.backend.name() == "cupy":  # deepgrad's tensor is on the GPU: so is torch's
        t = t.cuda()
    return repr(t.requires_grad_() if requires_grad else t)


def _same(torch, a: np.ndarray, requires_grad: bool = False) -> None:
    """deepgrad prints ``a`` as PyTorch does. Where a ``dtype=`` suffix shows (NumPy's name,
    shorter than ``torch.<name>``), each prints its suffixes by the same rule, which may
    put them on a new line at different lengths: compared with them on one line."""
    ours = repr(dg.tensor(a, requires_grad=requires_grad))
    theirs = _torch_text(torch, a, requires_grad)
    if "dtype=" in theirs:
        theirs = theirs.replace("dtype=torch.", "dtype=")
        ours, theirs = _SUFFIX.sub(r", \1", ours), _SUFFIX.sub(r", \1", theirs)
    assert ours == theirs, f"\ndeepgrad:\n{ours}\ntorch:\n{theirs}"


def _values(rng: np.random.Generator, kind: str, n: int) -> np.ndarray:
    if kind == "normal":
        return rng.standard_normal(n)
    if kind == "mixed":  # magnitudes from 1e-6 to 1e6: scientific notation
        return rng.standard_normal(n) * 10.0 ** rng.integers(-6, 7, n)
    if kind == "whole":
        return rng.integers(-1000, 1000, n).astype(float)
    if kind == "huge":
        return rng.standard_normal(n) * 1e30
    if kind == "tiny":
        return rng.standard_normal(n) * 1e-30
    if kind == "special":  # nan, inf, -inf, -0.0, 0.0 among ordinary values
        v = rng.standard_normal(n) * 10
        pick = rng.integers(0, 6, n)
        for k, s in enumerate([np.nan, np.inf, -np.inf, -0.0, 0.0]):
            v[pick == k] = s
        return v
    if kind == "special_whole":
        v = rng.integers(-50, 50, n).astype(float)
        v[rng.integers(0, 4, n) == 0] = rng.choice([np.nan, np.inf, -np.inf, -0.0])
        return v
    if kind == "zeros":
        return np.zeros(n)
    if kind == "allnan":
        return np.full(n, np.nan)
    raise ValueError(kind)


KINDS = ["normal", "mixed", "whole", "huge", "tiny", "special", "special_whole", "zeros", "allnan"]
SHAPES = [(), (1,), (5,), (7, 3), (3, 40), (2, 3, 4), (2, 2, 2, 3), (1001,), (40, 30),
          (11, 11, 11), (3, 4, 5, 6), (1, 1), (2, 1, 3)]  # fmt: skip


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", FLOATS)
def test_float_tensors_print_as_pytorch(torch, shape, kind, dtype):
    rng = np.random.default_rng(abs(hash((shape, kind, dtype))) % 2**32)
    n = int(np.prod(shape))
    a = _values(rng, kind, n).reshape(shape)
    with np.errstate(over="ignore"):
        _same(torch, a.astype(dtype))


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", [*INTS, "bool"])
def test_integer_and_bool_tensors_print_as_pytorch(torch, shape, dtype):
    rng = np.random.default_rng(len(shape))
    n = int(np.prod(shape))
    if dtype == "bool":
        a = rng.integers(0, 2, n).astype(bool)
    else:
        info = np.iinfo(dtype)
        a = rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)
    _same(torch, a.reshape(shape))


@pytest.mark.parametrize("shape", [(), (4,), (3, 5), (1200,), (2, 3, 2)], ids=str)
@pytest.mark.parametrize("kind", ["normal", "mixed", "whole", "special"])
@pytest.mark.parametrize("dtype", COMPLEX)
def test_complex_tensors_print_as_pytorch(torch, shape, kind, dtype):
    rng = np.random.default_rng(7)
    n = int(np.prod(shape))
    a = np.empty(n, dtype)
    a.real, a.imag = _values(rng, kind, n), _values(rng, kind, n)[::-1]
    _same(torch, a.reshape(shape))


@pytest.mark.parametrize("shape", [(0,), (0, 3), (3, 0), (2, 0, 4)], ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool", "complex64"])
def test_empty_tensors_print_as_pytorch(torch, shape, dtype):
    _same(torch, np.zeros(shape, dtype))


def test_the_examples_of_the_brief(torch):
    assert repr(dg.tensor([1.23456789, 2.0, -3.5])) == "tensor([ 1.2346,  2.0000, -3.5000])"
    assert repr(dg.tensor(3.14159)) == "tensor(3.1416)"
    assert repr(dg.tensor([1e-5, 1e5])) == "tensor([1.0000e-05, 1.0000e+05])"
    assert repr(dg.zeros(0, 3)) == "tensor([], size=(0, 3))"
    assert str(dg.tensor([-0.0, 1.0])) == "tensor([-0., 1.])"
    assert str(dg.tensor([1, 2], dtype=dg.float64)) == "tensor([1., 2.], dtype=float64)"


@pytest.mark.parametrize("shape", [(3,), (2, 50), (30,), (1500,)], ids=str)
def test_requires_grad_suffix_and_its_line_wrap(torch, shape):
    rng = np.random.default_rng(1)
    a = rng.standard_normal(shape).astype(np.float32)
    _same(torch, a, requires_grad=True)  # float32: no dtype suffix, compared as printed
    wide = np.full(9, 1.5, np.float32)  # the suffix passes column 80: a line of its own
    assert repr(dg.tensor(wide, requires_grad=True)) == _torch_text(torch, wide, True)
    assert repr(dg.tensor(wide, requires_grad=True)).endswith(",\n       requires_grad=True)")


OPTIONS = [
    {"precision": 2},
    {"precision": 0},
    {"precision": 7},
    {"threshold": 5},
    {"threshold": 5, "edgeitems": 1},
    {"threshold": 5, "edgeitems": 0},
    {"edgeitems": 1, "threshold": 20},
    {"linewidth": 40},
    {"linewidth": 120},
    {"linewidth": 10},
    {"sci_mode": True},
    {"sci_mode": False},
    {"profile": "short"},
    {"profile": "full"},
    {"profile": "short", "precision": 5},
]


@pytest.mark.parametrize("options", OPTIONS, ids=str)
@pytest.mark.parametrize("kind", ["normal", "mixed", "whole", "special", "zeros"])
def test_printoptions_change_the_text_as_pytorch(torch, options, kind):
    dg.set_printoptions(**options)
    torch.set_printoptions(**options)
    rng = np.random.default_rng(3)
    for shape in [(), (6,), (4, 9), (2, 3, 7), (1200,), (12, 13)]:
        a = _values(rng, kind, int(np.prod(shape))).reshape(shape)
        _same(torch, a.astype(np.float32))
        _same(torch, a.astype(np.float64))
    _same(torch, np.arange(-30, 30).reshape(3, 20))
    _same(torch, (np.arange(20) + 1j * np.arange(20)[::-1]).astype(np.complex64))


def test_every_call_of_set_printoptions_resets_sci_mode_as_pytorch(torch):
    dg.set_printoptions(sci_mode=False)
    torch.set_printoptions(sci_mode=False)
    assert repr(dg.tensor([1e-5, 1e5])) == repr(torch.tensor([1e-5, 1e5]))
    assert repr(dg.tensor([1e-5, 1e5])) == "tensor([     0.0000, 100000.0000])"
    dg.set_printoptions(precision=4)  # sci_mode omitted: None again, as in PyTorch
    assert repr(dg.tensor([1e-5, 1e5])) == "tensor([1.0000e-05, 1.0000e+05])"
    with pytest.raises(ValueError, match="profile"):
        dg.set_printoptions(profile="long")


def test_numpy_arrays_keep_numpy_printing():
    before = np.get_printoptions()
    dg.set_printoptions(precision=2, threshold=5, linewidth=40, sci_mode=False)
    assert np.get_printoptions() == before
    assert repr(np.array([1 / 3])) == "array([0.33333333])"


def test_default_dtype_float64_prints_float32_with_its_suffix(torch):
    dg.set_default_dtype(dg.float64)
    torch.set_default_dtype(torch.float64)
    try:
        assert repr(dg.tensor([1.5, 2.0])) == "tensor([1.5000, 2.0000])"
        assert repr(dg.tensor([1.5], dtype=dg.float32)) == "tensor([1.5000], dtype=float32)"
        a = np.array([1 + 2j])
        assert repr(dg.tensor(a)) == repr(torch.from_numpy(a)) == "tensor([1.+2.j])"
        _same(torch, np.zeros((0, 2), np.float32))
    finally:
        torch.set_default_dtype(torch.float32)


def test_grad_fn_prints_in_pytorchs_brackets_with_deepgrads_node_names(torch):
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<Mul>)"
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"

    class Double(dg.autograd.Function):  # a custom Function: PyTorch's name for its node
        @staticmethod
        def forward(ctx, t):
            return t * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class TDouble(torch.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    assert repr(Double.apply(x)).replace("Double", "TDouble") == repr(TDouble.apply(tx))
    with dg.no_grad():
        assert repr(x * 2) == "tensor([2., 4.])"


def test_parameters_print_as_pytorch(torch):
    w = np.arange(6, dtype=np.float32).reshape(2, 3) / 7
    p = dg.nn.Parameter(dg.tensor(w))
    assert repr(p) == repr(torch.nn.Parameter(torch.from_numpy(w)))
    assert str(p).startswith("Parameter containing:\ntensor([[0.0000, 0.1429, 0.2857],")


_DTYPES = st.sampled_from([*FLOATS, *INTS, "bool", *COMPLEX])


@settings(max_examples=200, deadline=None)
@given(
    a=_DTYPES.flatmap(
        lambda dt: hnp.arrays(
            dt,
            hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=6),
        )
    )
)
def test_any_array_prints_as_pytorch(a):
    _same(pytest.importorskip("torch"), a)
