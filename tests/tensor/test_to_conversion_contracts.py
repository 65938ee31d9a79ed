"""``Tensor.to`` and the conversion methods against torch 2.13, case by case: every form of
``to`` (``(dtype, non_blocking, copy)``, ``(device, dtype, non_blocking, copy)``,
``(other, non_blocking, copy)``, the keyword ``memory_format``) with its results, whether it
returns the tensor itself (only when nothing changes and ``copy`` is False), its layout and
its errors for wrong types; ``type``, ``type_as``, ``float``/``double``/``half``/``long``/
``int``/``bool``/``short``/``byte``/``char``/``cfloat``/``cdouble`` with ``memory_format``,
``cpu``, ``numpy(force=...)``, ``tolist`` and ``item``.

Left out on purpose (README's table of differences): dtypes are NumPy's (``x.to(np.float64)``,
``x.to("float64")`` and ``x.type("float64")`` cast), ``x.type()`` says ``'deepgrad.…'``,
``bfloat16`` is refused, ``x.numpy()`` of a tensor that requires grad returns its values.
"""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")


def _x(L):
    return L.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3))


def _x4(L):
    return L.tensor(np.arange(24.0, dtype=np.float32).reshape(1, 2, 3, 4))


CASES = {
    "to(float64)": lambda L, x: x.to(L.float64),
    "to(float32)": lambda L, x: x.to(L.float32),
    "to(float32, False, True)": lambda L, x: x.to(L.float32, False, True),
    "to(float64, False, True)": lambda L, x: x.to(L.float64, False, True),
    "to(float32, True)": lambda L, x: x.to(L.float32, True),
    "to(float32, 0)": lambda L, x: x.to(L.float32, 0),
    "to(float32, False, 1)": lambda L, x: x.to(L.float32, False, 1),
    "to(float32, copy=True)": lambda L, x: x.to(L.float32, copy=True),
    "to(float32, copy=1)": lambda L, x: x.to(L.float32, copy=1),
    "to(float32, non_blocking=None)": lambda L, x: x.to(L.float32, non_blocking=None),
    "to(float32, False, False, False)": lambda L, x: x.to(L.float32, False, False, False),
    "to(float32, False, True, memory_format=contiguous_format)": lambda L, x: x.to(
        L.float32, False, True, memory_format=L.contiguous_format
    ),
    "to(float32, memory_format=preserve_format)": lambda L, x: x.to(
        L.float32, memory_format=L.preserve_format
    ),
    "to(float32, memory_format=contiguous_format)": lambda L, x: x.to(
        L.float32, memory_format=L.contiguous_format
    ),
    "to(float32, memory_format=None)": lambda L, x: x.to(L.float32, memory_format=None),
    "to(float32, memory_format='x')": lambda L, x: x.to(L.float32, memory_format="x"),
    "to(float32, memory_format=channels_last) 2-d": lambda L, x: x.to(
        L.float32, memory_format=L.channels_last
    ),
    "to('cpu')": lambda L, x: x.to("cpu"),
    "to('cpu', copy=True)": lambda L, x: x.to("cpu", copy=True),
    "to('cpu', float64)": lambda L, x: x.to("cpu", L.float64),
    "to('cpu', float32, False, True)": lambda L, x: x.to("cpu", L.float32, False, True),
    "to('cpu', float32, True)": lambda L, x: x.to("cpu", L.float32, True),
    "to('cpu', None, False, True)": lambda L, x: x.to("cpu", None, False, True),
    "to('cpu', float32, 1)": lambda L, x: x.to("cpu", L.float32, 1),
    "to(None, float64)": lambda L, x: x.to(None, L.float64),
    "to(None)": lambda L, x: x.to(None),
    "to()": lambda L, x: x.to(),
    "to(device('cpu'))": lambda L, x: x.to(L.device("cpu")),
    "to('cpu', False, True)": lambda L, x: x.to("cpu", False, True),
    "to(device='cpu', dtype=float64)": lambda L, x: x.to(device="cpu", dtype=L.float64),
    "to(dtype=float64)": lambda L, x: x.to(dtype=L.float64),
    "to(dtype=float32, copy=True)": lambda L, x: x.to(dtype=L.float32, copy=True),
    "to(float64, dtype=float64)": lambda L, x: x.to(L.float64, dtype=L.float64),
    "to(float64, device='cpu')": lambda L, x: x.to(L.float64, device="cpu"),
    "to('cpu', device='cpu')": lambda L, x: x.to("cpu", device="cpu"),
    "to('cpu', 'cpu')": lambda L, x: x.to("cpu", "cpu"),
    "to(float64, float32)": lambda L, x: x.to(L.float64, L.float32),
    "to(float32, False, True, True)": lambda L, x: x.to(L.float32, False, True, True),
    "to(float32, foo=1)": lambda L, x: x.to(L.float32, foo=1),
    "to([1])": lambda L, x: x.to([1]),
    "to(int64)": lambda L, x: x.to(L.int64),
    "to(bool)": lambda L, x: x.to(L.bool),
    "to(complex64)": lambda L, x: x.to(L.complex64),
    "to(other float64)": lambda L, x: x.to(L.zeros(1, dtype=L.float64)),
    "to(other float32)": lambda L, x: x.to(L.zeros(1)),
    "to(other, False, True)": lambda L, x: x.to(L.zeros(1), False, True),
    "to(other, copy=True)": lambda L, x: x.to(L.zeros(1), copy=True),
    "to(other, True)": lambda L, x: x.to(L.zeros(1), True),
    "to(other, 1)": lambda L, x: x.to(L.zeros(1), 1),
    "to(other, dtype=float64)": lambda L, x: x.to(L.zeros(1), dtype=L.float64),
    "to(other, device='cpu')": lambda L, x: x.to(L.zeros(1), device="cpu"),
    "to(other=t)": lambda L, x: x.to(other=L.zeros(1, dtype=L.float64)),
    "to(tensor=t)": lambda L, x: x.to(tensor=L.zeros(1, dtype=L.float64)),
    "to(tensor=t, copy=True)": lambda L, x: x.to(tensor=L.zeros(1), copy=True),
    "to(tensor=1.0)": lambda L, x: x.to(tensor=1.0),
    "to(1.5)": lambda L, x: x.to(1.5),
    "to(True)": lambda L, x: x.to(True),
    "to(1j)": lambda L, x: x.to(1j),
    "to(tensor=True)": lambda L, x: x.to(tensor=True),
    "to(1.5, False, True)": lambda L, x: x.to(1.5, False, True),
    "type(float64)": lambda L, x: x.type(L.float64),
    "type(float32)": lambda L, x: x.type(L.float32),
    "type('torch.DoubleTensor')": lambda L, x: x.type("torch.DoubleTensor"),
    "type('torch.FloatTensor')": lambda L, x: x.type("torch.FloatTensor"),
    "type(float64, True)": lambda L, x: x.type(L.float64, True),
    "type(float64, non_blocking=True)": lambda L, x: x.type(L.float64, non_blocking=True),
    "type(float64, 1)": lambda L, x: x.type(L.float64, 1),
    "type(dtype=float64)": lambda L, x: x.type(dtype=L.float64),
    "type(1)": lambda L, x: x.type(1),
    "type('Foo')": lambda L, x: x.type("Foo"),
    "type('torch.Foo')": lambda L, x: x.type("torch.Foo"),
    "type('FloatTensor')": lambda L, x: x.type("FloatTensor"),  # a bare name: invalid
    "type('numpy.FloatTensor')": lambda L, x: x.type("numpy.FloatTensor"),
    "type('torch.cuda.DoubleTensor')": lambda L, x: x.type("torch.cuda.DoubleTensor"),  # no CUDA
    "type(x.type())": lambda L, x: x.long().type(x.type()),
    "type(FloatTensor)": lambda L, x: x.type(L.FloatTensor),
    "type(DoubleTensor)": lambda L, x: x.type(L.DoubleTensor),
    "type_as(float64 tensor)": lambda L, x: x.type_as(L.zeros(1, dtype=L.float64)),
    "type_as(float32 tensor)": lambda L, x: x.type_as(L.zeros(1)),
    "type_as(1.0)": lambda L, x: x.type_as(1.0),
    "type_as(ndarray)": lambda L, x: x.type_as(np.zeros(1)),
    "type_as(None)": lambda L, x: x.type_as(None),
    "type_as(float64)": lambda L, x: x.type_as(L.float64),
    "cpu()": lambda L, x: x.cpu(),
    "cpu(memory_format=preserve_format)": lambda L, x: x.cpu(memory_format=L.preserve_format),
    "cpu(memory_format=contiguous_format)": lambda L, x: x.cpu(memory_format=L.contiguous_format),
    "cpu(memory_format=None)": lambda L, x: x.cpu(memory_format=None),
    "cpu(1)": lambda L, x: x.cpu(1),
    "numpy()": lambda L, x: x.numpy(),
    "numpy(force=True)": lambda L, x: x.numpy(force=True),
    "numpy(force=False)": lambda L, x: x.numpy(force=False),
    "numpy(True)": lambda L, x: x.numpy(True),
    "numpy(force=1)": lambda L, x: x.numpy(force=1),
    "numpy(force=None)": lambda L, x: x.numpy(force=None),
    "numpy(force=True), requires grad": lambda L, x: x.requires_grad_().numpy(force=True),
    "tolist()": lambda L, x: x.tolist(),
    "tolist(1)": lambda L, x: x.tolist(1),
    "tolist() 0-d": lambda L, x: x[0, 0].tolist(),
    "tolist() empty": lambda L, x: x[:0].tolist(),
    "tolist() bool": lambda L, x: (x > 2).tolist(),
    "tolist() long": lambda L, x: x.long().tolist(),
    "item() (2, 3)": lambda L, x: x.item(),
    "item() empty": lambda L, x: x[:0].item(),
    "item() (1, 1)": lambda L, x: x[:1, :1].item(),
    "item() 0-d": lambda L, x: x[1, 1].item(),
    "item(1)": lambda L, x: x[1, 1].item(1),
    "item() long": lambda L, x: x.long()[1, 1].item(),
    "item() bool": lambda L, x: (x > 2)[1, 1].item(),
    "item() requires grad": lambda L, x: x.requires_grad_()[1, 1].item(),
}
for _m in (
    "double", "float", "half", "long", "int", "bool", "short", "byte", "char", "cfloat",
    "cdouble",
):  # fmt: skip
    CASES[f"{_m}()"] = (lambda m: lambda L, x: getattr(x, m)())(_m)
    for _f in ("preserve_format", "contiguous_format"):
        CASES[f"{_m}(memory_format={_f})"] = (
            lambda m, f: lambda L, x: getattr(x, m)(memory_format=getattr(L, f))
        )(_m, _f)
    CASES[f"{_m}(memory_format=None)"] = (lambda m: lambda L, x: getattr(x, m)(memory_format=None))(
        _m
    )
    CASES[f"{_m}(memory_format='x')"] = (lambda m: lambda L, x: getattr(x, m)(memory_format="x"))(
        _m
    )
    CASES[f"{_m}(preserve_format) by position"] = (
        lambda m: lambda L, x: getattr(x, m)(L.preserve_format)
    )(_m)
    CASES[f"{_m}(foo=1)"] = (lambda m: lambda L, x: getattr(x, m)(foo=1))(_m)

#: 4-d cases: the layout of the result (channels last or not) counts too
LAYOUT = {
    "to(float32, memory_format=channels_last)": lambda L, x: x.to(
        L.float32, memory_format=L.channels_last
    ),
    "to(float64, memory_format=channels_last)": lambda L, x: x.to(
        L.float64, memory_format=L.channels_last
    ),
    "to(float32, memory_format=contiguous_format)": lambda L, x: x.to(
        L.float32, memory_format=L.contiguous_format
    ),
    "transposed.to(float32, memory_format=contiguous_format)": lambda L, x: x.transpose(1, 3).to(
        L.float32, memory_format=L.contiguous_format
    ),
    "transposed.to(float64, memory_format=contiguous_format)": lambda L, x: x.transpose(1, 3).to(
        L.float64, memory_format=L.contiguous_format
    ),
    "transposed.float(memory_format=contiguous_format)": lambda L, x: x.transpose(1, 3).float(
        memory_format=L.contiguous_format
    ),
    "transposed.float()": lambda L, x: x.transpose(1, 3).float(),
    "channels_last.double()": lambda L, x: x.contiguous(memory_format=L.channels_last).double(),
    "channels_last.to(float32, copy=True)": lambda L, x: x.contiguous(
        memory_format=L.channels_last
    ).to(L.float32, copy=True),
    "channels_last.to(float32, memory_format=contiguous_format)": lambda L, x: x.contiguous(
        memory_format=L.channels_last
    ).to(L.float32, memory_format=L.contiguous_format),
    "channels_last.to(float32, memory_format=channels_last)": lambda L, x: x.contiguous(
        memory_format=L.channels_last
    ).to(L.float32, memory_format=L.channels_last),
    "cpu(memory_format=channels_last)": lambda L, x: x.cpu(memory_format=L.channels_last),
    "long(memory_format=channels_last)": lambda L, x: x.long(memory_format=L.channels_last),
    "to(float32, memory_format=channels_last_3d)": lambda L, x: x.to(
        L.float32, memory_format=L.channels_last_3d
    ),
    "to(other, memory_format=channels_last)": lambda L, x: x.to(
        L.zeros(1), memory_format=L.channels_last
    ),
    "to('cpu', None, False, True, memory_format=channels_last)": lambda L, x: x.to(
        "cpu", None, False, True, memory_format=L.channels_last
    ),
}


def _outcome(L, f, x):
    try:
        r = f(L, x)
    except Exception as e:  # noqa: BLE001 - the class is compared
        return e
    if isinstance(r, L.Tensor):
        return {
            "is self": r is x,
            "dtype": np.dtype(str(r.dtype).replace("torch.", "")),
            "shape": tuple(r.shape),
            "values": r.detach().numpy().tolist(),
            "contiguous": r.is_contiguous(),
            "channels last": r.is_contiguous(memory_format=L.channels_last),
            "requires grad": r.requires_grad,
        }
    if isinstance(r, np.ndarray):
        return ("ndarray", r.dtype, r.tolist())
    return r


def _compare(case, f, make):
    want, got = _outcome(torch, f, make(torch)), _outcome(dg, f, make(dg))
    if isinstance(want, Exception):
        assert isinstance(got, type(want)), f"{case}: torch {want!r}, deepgrad {got!r}"
    else:
        assert got == want, f"{case}: torch {want}, deepgrad {got}"


@pytest.mark.parametrize("case", list(CASES))
def test_conversions_as_torch(case):
    _compare(case, CASES[case], _x)


@pytest.mark.parametrize("case", list(LAYOUT))
def test_memory_format_as_torch(case):
    _compare(case, LAYOUT[case], _x4)


def test_flags_in_torchs_words():
    x = dg.ones(2)
    with pytest.raises(TypeError, match="argument 'copy' must be bool, not int"):
        x.to(dg.float32, False, 1)
    with pytest.raises(TypeError, match="argument 'non_blocking' must be bool, not NoneType"):
        x.to("cpu", dg.float64, None)
    with pytest.raises(TypeError, match=r"type\(\): argument 'non_blocking' \(position 2\)"):
        x.type(dg.float64, 1)
    with pytest.raises(TypeError, match="argument 'force' must be bool, not int"):
        x.numpy(force=1)
    with pytest.raises(TypeError, match="argument 'memory_format' must be"):
        x.double(memory_format="channels_last")
    with pytest.raises(TypeError, match="argument 'other' must be Tensor, not float"):
        x.type_as(1.0)
    with pytest.raises(TypeError, match="invalid combination of arguments"):
        x.to(dg.float64, dtype=dg.float64)


def test_item_of_several_elements_in_torchs_words():
    with pytest.raises(
        RuntimeError, match="a Tensor with 6 elements cannot be converted to Scalar"
    ):
        dg.ones(2, 3).item()
    with pytest.raises(ValueError, match="a Tensor with 0 elements"):  # deepgrad's earlier class
        dg.ones(0).item()
    with pytest.raises(ValueError, match="invalid type: 'torch.Foo'"):
        dg.ones(2).type("torch.Foo")


def test_copy_gives_a_new_tensor_with_the_gradient():
    """``to(..., copy=True)`` is a new tensor with its own memory, differentiable as
    ``clone``; without ``copy`` the tensor itself comes back when nothing changes."""
    for L in (dg, torch):
        x = L.tensor([1.0, 2.0], dtype=L.float64, requires_grad=True)
        y = x.to(L.float64, False, True)
        assert y is not x and y.requires_grad
        with L.no_grad():
            y[0] = 5.0
        assert x.tolist() == [1.0, 2.0]
        (y * L.tensor([3.0, 4.0], dtype=L.float64)).sum().backward()
        assert x.grad.tolist() == [3.0, 4.0]
        assert x.to("cpu", L.float64) is x and x.double() is x and x.cpu() is x
    x = dg.tensor([[1.0, -2.0], [0.5, 3.0]], dtype=dg.float64, requires_grad=True)
    assert dg.gradcheck(lambda z: z.to(dg.float64, copy=True) * z, x)
    assert dg.gradcheck(lambda z: z.to("cpu", None, False, True).sum(0), x)
    assert dg.gradcheck(
        lambda z: z.t().to(dg.float64, copy=True, memory_format=dg.contiguous_format) * 2, x
    )


def test_casts_of_0d_and_empty_tensors_as_torch():
    """(The layout of an empty result is not compared: deepgrad's ``is_contiguous`` of a
    tensor with no elements says False where PyTorch says True.)"""
    for make in (lambda L: L.tensor(2.5), lambda L: L.zeros(0, 3)):
        for f in (
            lambda L, x: x.to(L.int64),
            lambda L, x: x.to(L.float32, False, True),
            lambda L, x: x.long(memory_format=L.contiguous_format).tolist(),
            lambda L, x: x.bool(),
            lambda L, x: x.type_as(L.zeros(1, dtype=L.float64)),
            lambda L, x: x.tolist(),
        ):
            _compare("0-d/empty", lambda L, x, f=f: _values(f(L, x)), make)


def _values(r):
    return (str(r.dtype).replace("torch.", ""), r.tolist()) if hasattr(r, "dtype") else r
