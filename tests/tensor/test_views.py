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


@pytest.mark.numpy_only("memory shared with NumPy arrays")
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
@pytest.mark.numpy_only("memory shared with NumPy arrays")
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


DETACH_CASES = {
    "slice": lambda L, x: x[1:],
    "element": lambda L, x: x[1],
    "advanced": lambda L, x: x[[0, 1]],
    "mask": lambda L, x: x[x > 0],
    "view": lambda L, x: x.view(4, 3),
    "reshape_view": lambda L, x: x.reshape(12),
    "reshape_copy": lambda L, x: x.t().reshape(12),
    "t": lambda L, x: x.t(),
    "T": lambda L, x: x.T,
    "mT": lambda L, x: x.mT,
    "transpose": lambda L, x: x.transpose(0, 1),
    "permute": lambda L, x: x.permute(1, 0),
    "expand": lambda L, x: x[:1].expand(3, 4),
    "squeeze": lambda L, x: x[:1].squeeze(0),
    "unsqueeze": lambda L, x: x.unsqueeze(0),
    "narrow": lambda L, x: x.narrow(0, 1, 2),
    "select": lambda L, x: x.select(1, 2),
    "unbind": lambda L, x: x.unbind(1)[0],
    "split": lambda L, x: x.split(2)[1],
    "chunk": lambda L, x: x.chunk(2, 1)[0],
    "diagonal": lambda L, x: x.diagonal(),
    "unfold": lambda L, x: x.unfold(1, 2, 1),
    "as_strided": lambda L, x: x.as_strided((2,), (1,)),
    "flatten": lambda L, x: x.flatten(),
    "movedim": lambda L, x: x.movedim(0, 1),
    "max_dim": lambda L, x: x.max(1)[0],
    "min_dim": lambda L, x: x.min(0)[0],
    "topk": lambda L, x: x.topk(2)[0],
    "kthvalue": lambda L, x: x.kthvalue(2, 1)[0],
    "median_dim": lambda L, x: x.median(1)[0],
    "median": lambda L, x: x.median(),
    "mode": lambda L, x: x.round().mode(1)[0],
    "quantile_dim": lambda L, x: x.quantile(0.3, dim=1),
    "kron": lambda L, x: L.kron(x, x),
    "sort": lambda L, x: x.sort(1)[0],
    "sum": lambda L, x: x.sum(1),
    "detach": lambda L, x: x.detach(),
}


@pytest.mark.parametrize("grad", [True, False])
@pytest.mark.parametrize("name", DETACH_CASES)
def test_detach__refuses_views_as_torch(name, grad):
    """``detach_`` of a view raises PyTorch's error, with or without a graph; results of
    operations that end in a view of an intermediate (``max(dim)``, ``topk``, ...) are not
    views of the caller's tensor and detach in place."""
    a = np.random.default_rng(0).standard_normal((3, 4))
    outcome = []
    for lib in (dg, torch):
        x = lib.tensor(a, requires_grad=grad) * 2
        y = DETACH_CASES[name](lib, x)
        try:
            y.detach_()
            outcome.append("ok")
        except RuntimeError as err:
            outcome.append(str(err))
    assert outcome[0] == outcome[1]


def test_detach__of_recurrent_states_and_gradients_as_torch():
    for lib in (dg, torch):
        lib.manual_seed(0)
        m = lib.nn.LSTM(4, 5, num_layers=2)
        out, (h, c) = m(lib.randn(3, 2, 4))
        for t in (out, h, c):
            t.detach_()
        with pytest.raises(RuntimeError, match="Can't detach views in-place"):
            h[0].detach_()
        w = lib.randn(3, 4, requires_grad=True)
        (w[1:].t() @ lib.randn(2, 2)).sum().backward()
        w.grad.detach_()  # a gradient is never a view
