"""Which results are views of their input, against PyTorch 2.13: a shape operation that
changes nothing (``x.view_as(x)``, ``x.reshape(x.shape)``, ``x.squeeze()`` without size-1
dims, ``x.expand_as(x)``) is a new tensor sharing ``x``'s memory and recorded in the graph,
never ``x`` itself; ``mH`` / ``adjoint()`` / ``H`` conjugate; ``asarray`` shares a NumPy
array's memory; ``as_tensor`` of another dtype stays in the graph."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

SAME_SHAPE = {
    "view_as": lambda L, x: x.view_as(x),
    "view_shape": lambda L, x: x.view(x.shape),
    "view_sizes": lambda L, x: x.view(2, 3),
    "view_minus_one": lambda L, x: x.view(-1, 3),
    "view_dtype": lambda L, x: x.view(L.float32),
    "reshape": lambda L, x: x.reshape(x.shape),
    "reshape_as": lambda L, x: x.reshape_as(x),
    "squeeze": lambda L, x: x.squeeze(),
    "squeeze_dim": lambda L, x: x.squeeze(0),
    "squeeze_dims": lambda L, x: x.squeeze((0,)),
    "expand_as": lambda L, x: x.expand_as(x),
    "expand_minus_one": lambda L, x: x.expand(-1, -1),
    "broadcast_to": lambda L, x: x.broadcast_to(x.shape),
    "torch_reshape": lambda L, x: L.reshape(x, (2, 3)),
    "torch_squeeze": lambda L, x: L.squeeze(x),
    "torch_broadcast_to": lambda L, x: L.broadcast_to(x, (2, 3)),
    "unflatten": lambda L, x: x.unflatten(1, (3,)),
    "t_of_vector": lambda L, x: x[0].t(),
    "t_of_scalar": lambda L, x: x[0, 0].t(),
    "transpose_scalar": lambda L, x: x[0, 0].transpose(0, -1),
    "squeeze_scalar": lambda L, x: x[0, 0].squeeze(),
    "squeeze_scalar_dim": lambda L, x: x[0, 0].squeeze(0),
    # PyTorch gives these back as they are
    "flatten_nothing": lambda L, x: x.flatten(1),
    "flatten_one_dim": lambda L, x: x.flatten(0, 0),
    "contiguous": lambda L, x: x.contiguous(),
    "positive": lambda L, x: x.positive(),
    "torch_positive": lambda L, x: L.positive(x),
}


def _view_facts(L, name, requires_grad):
    x = L.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=requires_grad)
    y = SAME_SHAPE[name](L, x)
    facts = (y is x, y.requires_grad, y.is_leaf, y.grad_fn is None, tuple(y.shape))
    with L.no_grad():
        y.fill_(7.0)  # a write through the view reaches x
    return facts, x.detach().numpy().tolist()


@pytest.mark.parametrize("requires_grad", [False, True])
@pytest.mark.parametrize("name", sorted(SAME_SHAPE))
def test_same_shape_views_are_new_tensors_as_torch(name, requires_grad):
    assert _view_facts(dg, name, requires_grad) == _view_facts(torch, name, requires_grad)


def test_same_shape_view_carries_the_gradient():
    x = dg.tensor([[1.0, 2.0]], requires_grad=True)
    y = x.view_as(x)
    (y * dg.tensor([[3.0, 4.0]])).sum().backward()
    assert x.grad.tolist() == [[3.0, 4.0]]
    assert dg.gradcheck(
        lambda u: u.expand_as(u).reshape(u.shape),
        dg.randn(2, 3, dtype=dg.float64, requires_grad=True),
    )


def test_mH_adjoint_H_conjugate_complex_tensors():
    a = np.array([[1 + 2j, 3j], [1, 2 - 1j]], dtype=np.complex64)
    for get in (lambda x: x.mH, lambda x: x.adjoint(), lambda x: x.H, lambda x: x.mH.mH):
        want = get(torch.tensor(a)).resolve_conj().numpy()
        np.testing.assert_array_equal(get(dg.tensor(a)).numpy(), want)
    np.testing.assert_array_equal(dg.adjoint(dg.tensor(a)).numpy(), a.conj().T)
    b = np.arange(12.0).reshape(2, 2, 3)
    np.testing.assert_array_equal(dg.tensor(b).mH.numpy(), torch.tensor(b).mH.numpy())


@pytest.mark.parametrize("get", ["mT", "mH", "adjoint", "H", "T", "t", "transpose", "permute"])
def test_transposes_of_real_tensors_are_views(get):
    def write(L):
        x = L.zeros(2, 3)
        y = {
            "mT": lambda: x.mT,
            "mH": lambda: x.mH,
            "adjoint": lambda: x.adjoint(),
            "H": lambda: x.H,
            "T": lambda: x.T,
            "t": lambda: x.t(),
            "transpose": lambda: x.transpose(0, 1),
            "permute": lambda: x.permute(1, 0),
        }[get]()
        y[2, 1] = 5.0
        return x.numpy().tolist()

    assert write(dg) == write(torch)


@pytest.mark.parametrize(
    "call", [lambda x: x.mH, lambda x: x.adjoint(), lambda x: x.H], ids=["mH", "adjoint", "H"]
)
@pytest.mark.parametrize("shape", [(3,), (2, 2, 2)])
def test_conjugate_transposes_refuse_what_torch_refuses(call, shape):
    t_err = d_err = None
    try:
        call(torch.ones(shape))
    except RuntimeError as e:
        t_err = str(e)
    try:
        call(dg.ones(shape))
    except RuntimeError as e:
        d_err = str(e)
    assert d_err == t_err


def test_positive_refuses_bool_as_torch():
    with pytest.raises(RuntimeError, match="bool tensor is not supported"):
        torch.positive(torch.tensor([True]))
    with pytest.raises(RuntimeError, match="bool tensor is not supported"):
        dg.positive(dg.tensor([True]))
    with pytest.raises(RuntimeError, match="bool tensor is not supported"):
        +dg.tensor([True])


def test_expand_and_broadcast_to_take_sizes_as_torch():
    for L in (torch, dg):
        x = L.ones(2, 3)
        assert tuple(x.broadcast_to(2, 2, 3).shape) == (2, 2, 3)
        assert tuple(x.broadcast_to([4, 2, 3]).shape) == (4, 2, 3)
        assert tuple(x.expand(size=(5, 2, 3)).shape) == (5, 2, 3)
        assert tuple(x.broadcast_to(size=(5, -1, 3)).shape) == (5, 2, 3)


# ---- asarray / as_tensor ------------------------------------------------------------------
def _asarray_facts(L, src_kind, kw):
    kw = {k: (getattr(L, v) if k == "dtype" else v) for k, v in kw.items()}
    leaf = L.ones(2, requires_grad=src_kind != "plain")
    src = leaf * 1 if src_kind == "nonleaf" else leaf
    try:
        z = L.asarray(src, **kw)
    except (ValueError, RuntimeError) as e:
        return type(e).__name__
    shares = np.shares_memory(z.detach().numpy(), src.detach().numpy())
    dtype = str(z.dtype).split(".")[-1]
    return (z is src, z.requires_grad, z.is_leaf, src.requires_grad, shares, dtype)


ASARRAY_KWARGS = [
    {},
    {"requires_grad": False},
    {"requires_grad": True},
    {"copy": True},
    {"copy": True, "requires_grad": False},
    {"copy": False},
    {"dtype": "float64"},
    {"dtype": "float64", "requires_grad": False},
    {"dtype": "float64", "copy": False},
    {"dtype": "float32"},
    {"device": "cpu"},
]


@pytest.mark.filterwarnings("ignore:torch.asarray")
@pytest.mark.parametrize("kw", ASARRAY_KWARGS, ids=str)
@pytest.mark.parametrize("src_kind", ["leaf", "nonleaf", "plain"])
def test_asarray_of_a_tensor_as_torch(src_kind, kw):
    assert _asarray_facts(dg, src_kind, kw) == _asarray_facts(torch, src_kind, kw)


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"copy": True},
        {"copy": False},
        {"dtype": "float32"},
        {"dtype": "float32", "copy": False},
    ],
    ids=str,
)
@pytest.mark.parametrize("make", ["f64", "i32", "0d", "transposed"])
def test_asarray_of_a_numpy_array_as_torch(make, kw):
    def facts(L):
        a = {
            "f64": lambda: np.arange(4.0),
            "i32": lambda: np.arange(4, dtype=np.int32),
            "0d": lambda: np.array(2.5),
            "transposed": lambda: np.arange(6.0).reshape(2, 3).T,
        }[make]()
        k = {n: (getattr(L, v) if n == "dtype" else v) for n, v in kw.items()}
        try:
            z = L.asarray(a, **k)
        except ValueError as e:
            return type(e).__name__
        z.fill_(9)  # reaches ``a`` where the memory is shared
        return (str(z.dtype).split(".")[-1], a.tolist(), z.tolist())

    assert facts(dg) == facts(torch)


@pytest.mark.parametrize(
    "obj", [2.5, 2, True, [1, 2], [1.5, 2], np.float64(1.0), [[1, 2], [3, 4]], 1j]
)
@pytest.mark.parametrize("kw", [{}, {"dtype": "float64"}, {"copy": False}], ids=str)
def test_asarray_of_numbers_and_sequences_as_torch(obj, kw):
    def facts(L):
        k = {n: (getattr(L, v) if n == "dtype" else v) for n, v in kw.items()}
        try:
            z = L.asarray(obj, **k)
        except (ValueError, RuntimeError, TypeError) as e:
            return type(e).__name__
        return (str(z.dtype).split(".")[-1], z.tolist())

    assert facts(dg) == facts(torch)


def test_asarray_requires_grad_of_an_array():
    a = np.ones(3)
    z = dg.asarray(a, requires_grad=True)
    assert z.requires_grad and z.is_leaf and np.shares_memory(z.detach().numpy(), a)


def test_as_tensor_of_another_dtype_or_device_stays_in_the_graph():
    for L in (torch, dg):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        assert L.as_tensor(x, device="cpu") is x
        (L.as_tensor(x, dtype=L.float64) * 3).sum().backward()
        assert x.grad.tolist() == [3.0, 3.0]


def test_unfold_is_a_view_as_torch(torch):
    """Writes through ``unfold``'s windows reach the tensor (a strided view, as PyTorch's),
    and the gradient is still the gather's."""
    for m in (torch, dg):
        x = m.zeros(3, 4)
        x.unfold(1, 2, 1)[0, 0, 1] = 9
        assert x.tolist() == [[0.0, 9.0, 0.0, 0.0], [0.0] * 4, [0.0] * 4]
    got = []
    for m in (torch, dg):
        w = m.arange(6.0, requires_grad=True)
        (w.unfold(0, 3, 1) * m.arange(12.0).reshape(4, 3)).sum().backward()
        got.append(w.grad.tolist())
    assert got[0] == got[1]
