"""PyTorch's top-level function forms of Tensor methods, the legacy typed constructors,
finfo/iinfo, and ``deepgrad.Generator`` — each against PyTorch."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.functional.torch_namespace import METHOD_FUNCTIONS

X = np.array([[1.0, -5.0, 3.0], [7.0, 2.0, np.nan]], dtype=np.float32)
CALLS = {
    "add": ((2.0,), {"alpha": 3}),
    "adjoint": ((), {}),
    "argmax": ((1,), {}),
    "argmin": ((), {"dim": 0, "keepdim": True}),
    "clip": ((-1.0, 2.0), {}),
    "clone": ((), {}),
    "div": ((2.0,), {}),
    "eq": ((3.0,), {}),
    "equal": (("same",), {}),
    "ge": ((2.0,), {}),
    "get_device": ((), {}),
    "gt": ((2.0,), {}),
    "is_conj": ((), {}),
    "is_distributed": ((), {}),
    "is_floating_point": ((), {}),
    "is_inference": ((), {}),
    "is_neg": ((), {}),
    "is_nonzero": ((), {}),
    "is_same_size": (("t",), {}),
    "is_signed": ((), {}),
    "le": ((2.0,), {}),
    "lt": ((2.0,), {}),
    "mm": (("t",), {}),
    "mul": ((-2.0,), {}),
    "ne": ((3.0,), {}),
    "neg": ((), {}),
    "numel": ((), {}),
    "positive": ((), {}),
    "pow": ((2,), {}),
    "resolve_conj": ((), {}),
    "resolve_neg": ((), {}),
    "resize_as_": (("t",), {}),
    "squeeze": ((), {}),
    "std": ((), {"dim": 1}),
    "sub": ((1.0,), {"alpha": 2}),
    "t": ((), {}),
    "unsqueeze": ((1,), {}),
    "var": ((0,), {"keepdim": True}),
}


def test_every_listed_method_has_a_case():
    assert sorted(CALLS) == sorted(METHOD_FUNCTIONS)


@pytest.mark.parametrize("name", METHOD_FUNCTIONS)
def test_function_form_equals_pytorchs(torch, name):
    """``deepgrad.name(x, ...)`` gives what ``torch.name(x, ...)`` gives (values, dtype)."""
    args, kw = CALLS[name]
    x = X if name not in ("argmax", "argmin") else np.nan_to_num(X)
    x = x[:1, :1] if name == "is_nonzero" else x  # one element: its truth
    dx, tx = dg.tensor(x), torch.tensor(x)
    dargs = [dx.t() if a == "t" else dx if a == "same" else a for a in args]
    targs = [tx.t() if a == "t" else tx if a == "same" else a for a in args]
    got = getattr(dg, name)(dx, *dargs, **kw)
    want = getattr(torch, name)(tx, *targs, **kw)
    if isinstance(want, torch.Tensor):
        assert str(want.dtype) == f"torch.{got.dtype}"
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, equal_nan=True)
    else:
        assert got == want
    sig = inspect.signature(getattr(dg, name))
    assert next(iter(sig.parameters)) == "input"
    assert f"input.{name}(" in getattr(dg, name).__doc__


def test_function_form_refuses_a_non_tensor_like_pytorch():
    with pytest.raises(TypeError, match="argument 'input' .* must be a Tensor, not list"):
        dg.argmax([1, 2])
    np.testing.assert_allclose(dg.pow(2, dg.tensor([1.0, 3.0])).numpy(), [2.0, 8.0])


def test_typed_constructors_match_pytorch(torch):
    for name in ("FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "ByteTensor",
                 "BoolTensor", "HalfTensor", "ShortTensor", "CharTensor"):  # fmt: skip
        d, t = getattr(dg, name), getattr(torch, name)
        assert d(2, 3).shape == tuple(t(2, 3).shape) and not d(2, 3).numpy().any()
        assert str(t([1, 0, 2]).dtype) == f"torch.{d([1, 0, 2]).dtype}"
        np.testing.assert_array_equal(d([[1, 0, 2]]).numpy(), t([[1, 0, 2]]).numpy())
        assert d().shape == (0,)
        assert isinstance(d([1]), d) and isinstance(t([1]), t)
    assert not isinstance(dg.ones(2, dtype=dg.float64), dg.FloatTensor)
    assert not isinstance(np.ones(2, np.float32), dg.FloatTensor)
    with pytest.raises(TypeError, match="expected ints"):
        dg.FloatTensor(2.5)
    with pytest.raises(ValueError, match="negative size"):
        dg.LongTensor(-1)


@pytest.mark.parametrize(
    "arg", ["torch.DoubleTensor", "torch.FloatTensor", "torch.HalfTensor", "DoubleTensor"]
)
def test_set_default_tensor_type_as_torch(torch, arg):
    """PyTorch's deprecated ``torch.set_default_tensor_type`` (older PINN code calls
    ``torch.set_default_tensor_type(torch.DoubleTensor)`` first): the same warning, then the
    default dtype; non-floating types and CUDA names (without CUDA) raise ``TypeError``."""
    import warnings

    d_before, t_before = dg.get_default_dtype(), torch.get_default_dtype()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            dg.set_default_tensor_type(getattr(dg, arg) if "." not in arg else arg)
            torch.set_default_tensor_type(getattr(torch, arg) if "." not in arg else arg)
        assert str(dg.zeros(1).dtype) == str(torch.zeros(1).dtype).replace("torch.", "")
        # PyTorch warns once a process (TORCH_WARN_ONCE): its text, checked on deepgrad's
        assert caught[0].category is UserWarning and str(caught[0].message).startswith(
            "torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
            "torch.set_default_dtype() and torch.set_default_device() as alternatives."
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for bad in ("torch.LongTensor", "LongTensor", "float64", "torch.cuda.FloatTensor",
                        "torch.Nonsense"):  # fmt: skip
                err = AttributeError if bad == "torch.Nonsense" else TypeError
                for lib in (dg, torch):
                    with pytest.raises(err):
                        lib.set_default_tensor_type(getattr(lib, bad) if "." not in bad else bad)
    finally:
        dg.set_default_dtype(d_before)
        torch.set_default_dtype(t_before)


@pytest.mark.parametrize(
    "name", ["float16", "float32", "float64", "bfloat16", "complex64", "complex128"]
)
def test_finfo_is_pytorchs(torch, name):
    """Every attribute PyTorch's finfo has, as Python numbers (a float16 limit times 2 does
    not overflow), its repr and equality; bfloat16's limits although it makes no arrays."""
    a, b = dg.finfo(getattr(dg, name)), torch.finfo(getattr(torch, name))
    names = [n for n in dir(b) if not n.startswith("_")]
    assert {n: getattr(a, n) for n in names} == {n: getattr(b, n) for n in names}
    assert all(type(getattr(a, n)) is type(getattr(b, n)) for n in names)
    assert repr(a) == repr(b) and str(a) == str(b)
    assert a == dg.finfo(getattr(dg, name))
    assert (a == dg.finfo(dg.float64)) == (b == torch.finfo(torch.float64))
    assert -a.max * 2 == -b.max * 2


def test_finfo_default_and_iinfo_are_pytorchs(torch):
    assert dg.finfo() == dg.finfo(dg.float32) and repr(dg.finfo()) == repr(torch.finfo())
    for name in ("int8", "uint8", "int16", "int32", "int64", "uint16", "uint32", "uint64"):
        a, b = dg.iinfo(getattr(dg, name)), torch.iinfo(getattr(torch, name))
        assert (a.bits, a.min, a.max, a.dtype, repr(a)) == (b.bits, b.min, b.max, b.dtype, repr(b))
        assert type(a.max) is int and a == dg.iinfo(getattr(dg, name))


@pytest.mark.parametrize(
    ("fn", "dtype"),
    [("finfo", "int8"), ("finfo", "bool"), ("iinfo", "float32"), ("iinfo", "bool"),
     ("iinfo", "complex64")],
)  # fmt: skip
def test_finfo_iinfo_refuse_the_other_kind_as_pytorch(torch, fn, dtype):
    with pytest.raises(TypeError):
        getattr(torch, fn)(getattr(torch, dtype))
    with pytest.raises(TypeError, match=f"{fn}\\(\\) requires .* got {dtype}"):
        getattr(dg, fn)(getattr(dg, dtype))


def test_generator_streams_are_their_own_and_reproducible(torch):
    g = dg.Generator()
    assert g.initial_seed() == torch.Generator().initial_seed()
    a = dg.rand(4, generator=g)
    b = dg.rand(4, generator=g)
    assert not np.array_equal(a.numpy(), b.numpy())  # drawing advances it
    state = g.get_state()
    c = dg.randn(3, generator=g)
    g.set_state(state)
    np.testing.assert_array_equal(dg.randn(3, generator=g).numpy(), c.numpy())
    dg.manual_seed(0)
    before = dg.backend.get_rng_state()
    dg.randperm(10, generator=dg.Generator().manual_seed(3))
    assert dg.backend.get_rng_state() == before  # the global stream is untouched
    p1 = dg.randperm(10, generator=dg.Generator().manual_seed(3)).tolist()
    p2 = dg.randperm(10, generator=dg.Generator().manual_seed(3)).tolist()
    assert p1 == p2 and sorted(p1) == list(range(10))
    s = g.seed()  # the state records the seed, in PyTorch's layout: the same bytes as torch's
    assert isinstance(s, int) and g.initial_seed() == int.from_bytes(
        bytes(g.get_state().numpy()[:8]), "little"
    )
    t = torch.Generator()
    assert bytes(dg.Generator().get_state().numpy()) == bytes(t.get_state().numpy())
    assert bytes(g.manual_seed(123).get_state().numpy()) == bytes(
        t.manual_seed(123).get_state().numpy()
    )
    assert g.manual_seed(-1).initial_seed() == 2**64 - 1  # PyTorch wraps negative seeds
    with pytest.raises(RuntimeError, match="expected a long"):
        g.manual_seed(1.5)
    with pytest.raises(ValueError, match="'cpu' or 'cuda'"):
        dg.Generator("mps")
    with pytest.raises(TypeError, match="uint8 tensor"):
        g.set_state({"x": 1})


def test_generator_drives_random_split_and_dataloader():
    from deepgrad.utils.data import DataLoader, TensorDataset, random_split

    ds = TensorDataset(dg.arange(20.0))
    a1, _ = random_split(ds, [0.5, 0.5], generator=dg.Generator().manual_seed(42))
    a2, _ = random_split(ds, [0.5, 0.5], generator=dg.Generator().manual_seed(42))
    assert list(a1.indices) == list(a2.indices)

    def order(seed):
        loader = DataLoader(
            ds, batch_size=20, shuffle=True, generator=dg.Generator().manual_seed(seed)
        )
        return next(iter(loader))[0].tolist()

    assert order(1) == order(1) != order(2)


@pytest.mark.parametrize(
    "call", ["dg.softmax(x)", "dg.log_softmax(x)", "x.softmax()", "x.log_softmax()"]
)
def test_softmax_without_dim_is_refused_where_pytorch_requires_it(call):
    """``torch.softmax(x)`` and ``x.softmax()`` need a ``dim`` (only ``F.softmax`` keeps the
    deprecated implicit one): a TypeError, not a softmax over a dim chosen silently."""
    torch = pytest.importorskip("torch")
    x = dg.ones(2, 3)
    with pytest.raises(TypeError, match="dim"):
        eval(call, {"dg": dg, "x": x})
    with pytest.raises(TypeError, match="dim"):
        eval(call.replace("dg.", "torch."), {"torch": torch, "x": torch.ones(2, 3)})


def test_top_level_softmax_with_dim_and_dtype_is_pytorchs():
    """``dim`` also under NumPy's name ``axis``, which PyTorch's parser takes too."""
    torch = pytest.importorskip("torch")
    a = np.arange(6.0).reshape(2, 3)
    for name in ("softmax", "log_softmax"):
        got = getattr(dg, name)(dg.tensor(a, dtype=dg.float32), axis=0, dtype=dg.float64)
        want = getattr(torch, name)(torch.tensor(a, dtype=torch.float32), 0, dtype=torch.float64)
        assert got.dtype == dg.float64
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
