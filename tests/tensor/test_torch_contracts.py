"""PyTorch's contracts where deepgrad uses PyTorch's names: ``p.data``, ``size()``,
``max(dim)``, creation signatures, dtype names, the device API... Each test runs the same
code on torch 2.13 and on deepgrad and compares."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import deepgrad as dg


# ---- p.data ------------------------------------------------------------------------------------
def test_data_is_a_detached_tensor_sharing_memory():
    p = dg.nn.Parameter(dg.tensor([1.0, 2.0]))
    d = p.data
    assert isinstance(d, dg.Tensor) and not d.requires_grad and d.grad_fn is None
    d[0] = 5.0  # the memory is shared
    assert p.tolist() == [5.0, 2.0]


@pytest.mark.parametrize("lib", [torch, dg])
def test_manual_sgd_through_data_updates_the_parameter(lib):
    w = lib.tensor([1.0, -2.0, 3.0], dtype=lib.float64, requires_grad=True)
    for _ in range(3):
        loss = (w * w).sum()
        loss.backward()
        w.data.add_(w.grad, alpha=-0.1)
        w.grad.data.zero_()
    np.testing.assert_allclose(np.asarray(w.detach()), np.array([1.0, -2.0, 3.0]) * 0.8**3)


@pytest.mark.parametrize("lib", [torch, dg])
def test_data_copy_and_assignment_update_the_parameter(lib):
    p = lib.nn.Parameter(lib.zeros(2, 3))
    p.data.copy_(lib.ones(2, 3))
    assert p.sum().item() == 6.0
    p.data = lib.full((2, 3), 2.0)
    assert p.sum().item() == 12.0 and p.requires_grad
    p.data.mul_(0.5).sub_(lib.ones(2, 3), alpha=2)
    np.testing.assert_allclose(np.asarray(p.detach()), -np.ones((2, 3)))
    p.data.fill_(0.25)
    assert p.sum().item() == 1.5


# ---- size() / numel() --------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(), (0,), (2, 3), (2, 0, 4)])
def test_size_is_torchs(shape):
    t, d = torch.zeros(shape), dg.zeros(shape)
    assert d.size() == t.size() and isinstance(d.size(), tuple)
    assert d.numel() == t.numel() and d.size().numel() == t.size().numel()
    assert repr(d.size()) == repr(t.size()).replace("torch", "deepgrad")
    for dim in range(-len(shape), len(shape)):
        assert d.size(dim) == t.size(dim) and isinstance(d.size(dim), int)
    for dim in (len(shape), -len(shape) - 1):
        with pytest.raises(IndexError):
            t.size(dim)
        with pytest.raises(IndexError, match="out of range"):
            d.size(dim)
    assert d.size()[1:] == t.size()[1:] and type(d.size()[1:]) is dg.Size


# ---- max / min ---------------------------------------------------------------------------------
MAX_CASES = [
    ((3, 4), 1, False),
    ((3, 4), 0, True),
    ((2, 3, 4), -1, False),
    ((2, 3, 4), 1, True),
    ((), 0, False),
    ((), -1, True),
    ((0, 3), 1, False),
    ((2, 2), 1, False),  # two rows: `_, pred = out.max(1)` must unpack (values, indices)
]


@pytest.mark.parametrize("op", ["max", "min"])
@pytest.mark.parametrize("case", MAX_CASES)
def test_max_min_along_a_dim_match_torch(op, case):
    shape, dim, keepdim = case
    rng = np.random.default_rng(0)
    a = rng.integers(0, 3, shape).astype(np.float64)  # ties: the first index wins
    x = dg.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    dv, di = getattr(x, op)(dim, keepdim=keepdim)
    tv, ti = getattr(t, op)(dim, keepdim=keepdim)
    assert dv.shape == tuple(tv.shape) and di.dtype == np.int64
    np.testing.assert_array_equal(dv.numpy(), tv.detach().numpy())
    np.testing.assert_array_equal(di.numpy(), ti.numpy())
    r = getattr(dg, op)(x, dim=dim, keepdim=keepdim)
    assert r.values.shape == dv.shape and r.indices.tolist() == di.tolist()
    g = rng.standard_normal(dv.shape)
    dv.backward(dg.tensor(g))
    tv.backward(torch.tensor(g))
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())  # to the chosen index only
    if dv.numel():
        assert dg.gradcheck(
            lambda u: getattr(u, op)(dim, keepdim).values,
            dg.tensor(a + rng.standard_normal(shape), requires_grad=True),
        )


def test_max_accuracy_idiom_with_two_rows():
    out = dg.tensor([[0.1, 0.9, 0.0], [0.8, 0.1, 0.1]])
    _, pred = out.max(1)
    assert pred.tolist() == [1, 0]
    assert (pred == dg.tensor([1, 0])).sum().item() == 2


@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_other_forms_match_torch(op):
    a = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, -1.0]])
    b = np.array([[2.0, 3.0, 0.0], [1.0, 5.0, -1.0]])
    x, y = dg.tensor(a, requires_grad=True), dg.tensor(b, requires_grad=True)
    t, u = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    # the whole tensor: a 0-d value, the gradient split among ties
    dm, tm = getattr(x, op)(), getattr(t, op)()
    assert dm.shape == () and dm.item() == tm.item()
    # elementwise against another tensor (torch.max(input, other))
    de, te = getattr(dg, op)(x, y), getattr(torch, op)(t, u)
    np.testing.assert_array_equal(de.numpy(), te.detach().numpy())
    (dm + getattr(x, op)(y).sum()).backward()
    (tm + getattr(t, op)(u).sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())
    np.testing.assert_allclose(y.grad.numpy(), u.grad.numpy())


def test_max_refuses_what_torch_refuses():
    with pytest.raises(TypeError, match="amax"):
        dg.zeros(2, 3).max((0, 1))
    with pytest.raises(IndexError, match="dim 0 to have non-zero size"):
        dg.zeros(0, 3).max(0)
    with pytest.raises(ValueError, match="out of range"):
        dg.zeros(2, 3).max(2)


@pytest.mark.parametrize("op", ["argmax", "argmin"])
@pytest.mark.parametrize("dim,keepdim", [(None, False), (0, False), (1, True), (-1, False)])
def test_argmax_argmin_match_torch(op, dim, keepdim):
    a = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, -1.0]])
    d = getattr(dg.tensor(a), op)(dim=dim, keepdim=keepdim)
    t = getattr(torch.tensor(a), op)(dim=dim, keepdim=keepdim)
    assert d.tolist() == t.tolist() and d.shape == tuple(t.shape)


# ---- creation functions: PyTorch's signatures -----------------------------------------------
@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.zeros(2, 3),
        lambda L: L.zeros((2, 3)),
        lambda L: L.zeros([2, 3], dtype=L.float64),
        lambda L: L.zeros(size=(2, 3)),
        lambda L: L.zeros(()),
        lambda L: L.zeros(0, 2),
        lambda L: L.ones(4, dtype=L.long),
        lambda L: L.ones(2, 2, device="cpu", requires_grad=True),
        lambda L: L.empty(2, 3).shape,
        lambda L: L.full((2, 3), 1.5),
        lambda L: L.full((2,), 7),
        lambda L: L.full((2,), True),
        lambda L: L.full([2], 7, dtype=L.float64),
        lambda L: L.arange(5),
        lambda L: L.arange(1, 4),
        lambda L: L.arange(0, 1, 0.25),
        lambda L: L.arange(0.0, 3),
        lambda L: L.arange(5, dtype=L.float32),
        lambda L: L.eye(3),
        lambda L: L.eye(2, 3, dtype=L.int64),
        lambda L: L.linspace(0, 1, 5),
        lambda L: L.linspace(-2, 2, 4, dtype=L.float64),
        lambda L: L.logspace(0, 3, 4),
        lambda L: L.logspace(0, 3, 4, base=2.0),
        lambda L: L.tensor([[1, 2], [3, 4]]),
        lambda L: L.tensor([1.0, 2.0], dtype=L.float64, device="cpu"),
        lambda L: L.tensor(3.5),
        lambda L: L.tensor([True, False]),
        lambda L: L.zeros_like(L.ones(2, 3, dtype=L.int64)),
        lambda L: L.ones_like(L.ones(2, 3), dtype=L.float64),
        lambda L: L.full_like(L.ones(2, 3), 4.0),
        lambda L: L.empty_like(L.ones(2, 3)).shape,
        lambda L: L.ones(2, 3).new_zeros(4),
        lambda L: L.ones(2, 3).new_zeros((4, 1)),
        lambda L: L.ones(2, 3, dtype=L.float64).new_ones(2),
        lambda L: L.ones(2, 3, dtype=L.float64).new_full((2,), 3),
        lambda L: L.ones(2, dtype=L.float64).new_tensor([1, 2]),
        lambda L: L.ones(2).new_empty(3).shape,
    ],
)
def test_creation_matches_torch(call):
    t, d = call(torch), call(dg)
    if isinstance(t, torch.Size):
        assert tuple(d) == tuple(t)
        return
    assert d.shape == tuple(t.shape)
    assert str(d.dtype) == str(t.dtype).replace("torch.", "")
    assert d.requires_grad == t.requires_grad
    np.testing.assert_allclose(np.asarray(d.detach()), t.detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize("fn", ["rand", "randn"])
def test_random_creation_signatures(fn):
    f = getattr(dg, fn)
    dg.manual_seed(3)
    a = f(2, 3)
    dg.manual_seed(3)
    b = f((2, 3), dtype=dg.float32, device="cpu")
    assert a.shape == (2, 3) and np.array_equal(a.numpy(), b.numpy())
    assert f(size=(4,)).shape == (4,) and f(2, dtype=dg.float64).dtype == np.float64
    assert f(2, requires_grad=True).requires_grad
    g = np.random.default_rng(0)
    c = f(3, generator=g)
    assert np.array_equal(
        c.numpy(),
        getattr(np.random.default_rng(0), "random" if fn == "rand" else "standard_normal")(
            3, dtype=np.float32
        ),
    )
    assert getattr(dg, fn + "_like")(dg.ones(2, dtype=dg.float64)).dtype == np.float64


@pytest.mark.parametrize(
    "args,kwargs,shape,lo,hi",
    [
        ((10, (3, 4)), {}, (3, 4), 0, 10),
        ((3, 5, (100,)), {}, (100,), 3, 5),
        ((10,), {"size": (2,)}, (2,), 0, 10),
        ((2, 4), {"size": (50,)}, (50,), 2, 4),
        ((), {"low": 1, "high": 3, "size": (20,)}, (20,), 1, 3),
    ],
)
def test_randint_takes_torchs_forms(args, kwargs, shape, lo, hi):
    t = torch.randint(*args, **kwargs)
    d = dg.randint(*args, **kwargs)
    assert d.shape == tuple(t.shape) == shape and d.dtype == np.int64
    assert d.numpy().min() >= lo and d.numpy().max() < hi
    assert dg.randint(*args, **kwargs, dtype=dg.float32).dtype == np.float32


def test_randint_and_randperm_are_seeded():
    dg.manual_seed(0)
    a = dg.randint(0, 100, (5,)), dg.randperm(6)
    dg.manual_seed(0)
    b = dg.randint(100, (5,)), dg.randperm(6)
    assert a[0].tolist() == b[0].tolist() and a[1].tolist() == b[1].tolist()
    assert sorted(a[1].tolist()) == list(range(6))
    with pytest.raises(TypeError, match="randint"):
        dg.randint(5)
    with pytest.raises(ValueError, match="empty"):
        dg.randint(5, 5, (2,))


def test_creation_refuses_unknown_keywords_with_a_suggestion():
    with pytest.raises(TypeError, match="did you mean 'dtype'"):
        dg.zeros(2, dtyp=dg.float32)
    with pytest.raises(TypeError, match="non-negative ints"):
        dg.ones(2, 1.5)


def test_from_numpy_shares_memory():
    a = np.arange(4.0)
    t, d = torch.from_numpy(a), dg.from_numpy(a)
    assert d.dtype == np.float64 and str(t.dtype) == "torch.float64"
    d[0] = 9.0
    assert a[0] == 9.0 and t[0].item() == 9.0
    a[1] = 7.0
    assert d[1].item() == 7.0
    with pytest.raises(TypeError, match="numpy.ndarray"):
        dg.from_numpy([1, 2])


# ---- multinomial -------------------------------------------------------------------------------
def test_multinomial_draws_from_the_weights():
    dg.manual_seed(0)
    w = dg.tensor([1.0, 0.0, 3.0])
    s = dg.multinomial(w, 4000, replacement=True)
    assert s.shape == (4000,) and s.dtype == np.int64
    counts = np.bincount(s.numpy(), minlength=3)
    assert counts[1] == 0 and abs(counts[2] / 4000 - 0.75) < 0.03
    rows = dg.multinomial(dg.tensor([[1.0, 1.0, 1.0, 1.0], [0.0, 5.0, 1.0, 0.0]]), 2)
    assert rows.shape == (2, 2)
    for r in rows.tolist():
        assert len(set(r)) == 2  # without replacement: distinct
    assert set(rows.tolist()[1]) == {1, 2}
    perm = dg.multinomial(dg.ones(5), 5)
    assert sorted(perm.tolist()) == [0, 1, 2, 3, 4]


def test_multinomial_is_seeded_and_checks_its_input():
    dg.manual_seed(5)
    a = dg.multinomial(dg.tensor([0.2, 0.3, 0.5]), 3)
    dg.manual_seed(5)
    assert dg.multinomial(dg.tensor([0.2, 0.3, 0.5]), 3).tolist() == a.tolist()
    # PyTorch's rule: more samples than categories is refused without replacement; more than
    # the nonzero weights gives the zero-weight categories last (torch: [0, 1])
    with pytest.raises(ValueError, match="without replacement"):
        dg.multinomial(dg.tensor([1.0, 0.0]), 3)
    assert dg.multinomial(dg.tensor([1.0, 0.0]), 2).tolist() == [0, 1]
    with pytest.raises(ValueError, match="element < 0"):
        dg.multinomial(dg.tensor([1.0, -1.0]), 1)
    with pytest.raises(ValueError, match="sum of probabilities <= 0"):
        dg.multinomial(dg.zeros(3), 1)


# ---- dtype names -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "float",
        "float32",
        "float64",
        "double",
        "half",
        "float16",
        "long",
        "int64",
        "int",
        "int32",
        "bool",
        "uint8",
        "int16",
        "short",
        "int8",
    ],
)
def test_dtype_names_mean_torchs(name):
    t = torch.zeros(2, dtype=getattr(torch, name))
    d = dg.zeros(2, dtype=getattr(dg, name))
    assert str(d.dtype) == str(t.dtype).replace("torch.", "")
    assert d.to(getattr(dg, name)).dtype == d.dtype


def test_dtype_names_do_not_shadow_builtins_on_star_import():
    ns: dict = {}
    exec("from deepgrad import *", ns)
    assert "float" not in ns and "int" not in ns and "bool" not in ns


# ---- Tensor methods ------------------------------------------------------------------------------
@pytest.mark.numpy_only("compares CPU tensors' device and type names")
def test_comparison_methods_and_conversions_match_torch():
    a = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])
    t, d = torch.tensor(a), dg.tensor(a)
    for name in ("eq", "ne", "lt", "le", "gt", "ge"):
        assert getattr(d, name)(2.0).tolist() == getattr(t, name)(2.0).tolist()
        assert getattr(d, name)(d.flip(1)).tolist() == getattr(t, name)(t.flip(1)).tolist()
    assert d.equal(dg.tensor(a)) and not d.equal(d + 1) and not d.equal(d[0])
    for name in ("float", "double", "long", "int", "bool", "half"):
        assert str(getattr(d, name)().dtype) == str(getattr(t, name)().dtype).replace("torch.", "")
    assert d.type() == t.type().replace("torch", "deepgrad") == "deepgrad.DoubleTensor"
    assert d.long().type() == "deepgrad.LongTensor" and d.float().type() == "deepgrad.FloatTensor"
    assert d.type(dg.float32).dtype == np.float32 and d.type("torch.LongTensor").dtype == np.int64
    assert d.type_as(dg.zeros(1, dtype=dg.int32)).dtype == np.int32
    assert d.element_size() == t.element_size() and d.float().element_size() == 4
    assert d.dim() == d.ndimension() == 2 and d.nelement() == 6
    assert d.is_floating_point() and not d.long().is_floating_point()
    assert d.tolist() == t.tolist() and d[0, 1].item() == t[0, 1].item()
    assert isinstance(d[0, 1].item(), float) and isinstance(d.long()[0, 0].item(), int)


def test_format_of_a_0d_tensor_is_its_number():
    loss = dg.tensor(0.123456)
    assert f"{loss:.3f}" == f"{torch.tensor(0.123456):.3f}" == "0.123"
    assert f"{dg.tensor(3):4d}" == "   3" and f"{dg.tensor(1.5)}" == f"{torch.tensor(1.5)}" == "1.5"
    with pytest.raises(TypeError):
        f"{dg.ones(2):.3f}"


def test_array_protocol():
    d = dg.tensor([[1.0, 2.0]])
    assert np.asarray(d).dtype == np.float32 and np.asarray(d, dtype=np.float64).dtype == np.float64
    assert np.array(dg.tensor([1, 2])).tolist() == [1, 2]


@pytest.mark.parametrize(
    "op",
    [
        lambda x, y: x.t(),
        lambda x, y: x.T,
        lambda x, y: x.view_as(y.reshape(6)),
        lambda x, y: x.reshape_as(y.reshape(3, 2)),
        lambda x, y: x[:1].expand_as(y),
        lambda x, y: x.tril(),
        lambda x, y: x.triu(1),
        lambda x, y: x.tril(-1),
        lambda x, y: x.add(y, alpha=2),
        lambda x, y: x.sub(y, alpha=0.5),
        lambda x, y: x.mul(y).div(y + 3),
        lambda x, y: x.mm(y.t()),
        lambda x, y: x.maximum(y) + x.minimum(y),
        lambda x, y: x.t().contiguous(),
    ],
)
def test_methods_match_torch_with_gradients(op):
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    x, y = dg.tensor(a, requires_grad=True), dg.tensor(b, requires_grad=True)
    t, u = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    dz, tz = op(x, y), op(t, u)
    np.testing.assert_allclose(dz.detach().numpy(), tz.detach().numpy(), rtol=1e-12)
    g = rng.standard_normal(dz.shape)
    dz.backward(dg.tensor(g))
    tz.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    if u.grad is not None:
        np.testing.assert_allclose(y.grad.numpy(), u.grad.numpy(), rtol=1e-12)
    assert dg.gradcheck(
        lambda p, q: op(p, q), (x.detach().requires_grad_(), y.detach().requires_grad_())
    )


@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 4), (0, 2), (4, 2)])
@pytest.mark.parametrize("diagonal", [-2, 0, 1, 5])
def test_tril_triu_match_torch(shape, diagonal):
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) + 1
    for name in ("tril", "triu"):
        d = getattr(dg, name)(dg.tensor(a), diagonal)
        t = getattr(torch, name)(torch.tensor(a), diagonal)
        assert d.tolist() == t.tolist()
    with pytest.raises(ValueError, match="at least 2 dims"):
        dg.tril(dg.ones(3))


def test_contiguity_follows_torch():
    d, t = dg.zeros(2, 3), torch.zeros(2, 3)
    assert d.is_contiguous() == t.is_contiguous() is True
    assert d.t().is_contiguous() == t.t().is_contiguous() is False
    assert d.t().contiguous().is_contiguous() and d.contiguous() is d
    with pytest.raises(ValueError, match="<= 2 dims"):
        dg.zeros(2, 2, 2).t()


def test_in_place_helpers_match_torch():
    def run(L):
        with L.no_grad():
            p = L.ones(3, dtype=L.float64)
            p.lerp_(L.tensor([3.0, 5.0, 1.0], dtype=L.float64), 0.25)
            p.addcmul_(
                L.tensor([1.0, 2.0, 3.0], dtype=L.float64),
                L.tensor([2.0, 2.0, 2.0], dtype=L.float64),
                value=0.5,
            )
            p.addcdiv_(
                L.tensor([1.0, 2.0, 3.0], dtype=L.float64),
                L.tensor([2.0, 4.0, 8.0], dtype=L.float64),
                value=-1,
            )
            p.masked_fill_(L.tensor([True, False, False]), -7.0)
            p.add_(L.ones(3, dtype=L.float64), alpha=3).sub_(L.ones(3, dtype=L.float64), alpha=0.5)
        return np.asarray(p)

    np.testing.assert_allclose(run(dg), run(torch), rtol=1e-12)


# ---- devices -----------------------------------------------------------------------------
@pytest.mark.numpy_only("compares CPU tensors' device and type names")
def test_device_objects_read_as_torchs():
    for spec in ("cpu", "cuda", "cuda:1"):
        assert str(dg.device(spec)) == str(torch.device(spec))
        assert repr(dg.device(spec)) == repr(torch.device(spec))
        assert dg.device(spec).type == torch.device(spec).type
        assert dg.device(spec).index == torch.device(spec).index
    assert dg.device("cuda", 0) == dg.device("cuda:0") and dg.device("cpu") == "cpu"
    assert dg.zeros(2).device == dg.device("cpu") and not dg.zeros(2).is_cuda
    with pytest.raises(ValueError, match="did you mean 'cuda'"):
        dg.device("cdua")


@pytest.mark.numpy_only("compares CPU tensors' device and type names")
def test_to_and_cpu_on_the_cpu():
    x = dg.ones(2, 3, requires_grad=True)
    assert x.to("cpu") is x and x.cpu() is x and x.to(dg.device("cpu")) is x
    assert x.to(dg.float32) is x and x.to("cpu", dg.float32) is x
    y = x.to(dg.float64)
    assert y.dtype == np.float64 and y.requires_grad
    assert x.to(dg.zeros(1, dtype=dg.float64)).dtype == np.float64
    assert x.to(device="cpu", dtype=dg.float64, non_blocking=True).dtype == np.float64
    y.sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [[1.0] * 3] * 2
    with pytest.raises(TypeError, match="expected a device, a dtype or a tensor"):
        x.to([1])


@pytest.mark.numpy_only("compares CPU tensors' device and type names")
def test_cuda_questions_without_a_gpu():
    assert dg.cuda.is_available() is False and dg.cuda.device_count() == 0
    dg.manual_seed(0)
    a = dg.rand(2)
    dg.manual_seed(0)
    dg.cuda.manual_seed(123)  # harmless: the CPU stream is unchanged, as in torch
    dg.cuda.manual_seed_all(123)
    assert dg.rand(2).tolist() == a.tolist()
    device = "cuda" if dg.cuda.is_available() else "cpu"
    model = dg.nn.Linear(2, 1).to(device)
    assert model.weight.device == dg.device("cpu")


@pytest.mark.skipif(dg.cuda.is_available(), reason="a GPU is available here")
def test_cuda_is_refused_clearly_without_cupy_or_a_gpu():
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        dg.ones(2).cuda()
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        dg.ones(2).to("cuda")
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        dg.nn.Linear(2, 2).cuda()
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        dg.zeros(2, device="cuda")


def test_module_to_cpu_and_dtype():
    m = dg.nn.Sequential(dg.nn.Linear(3, 2), dg.nn.BatchNorm1d(2))
    assert m.to("cpu") is m and m.cpu() is m
    m.to(dg.float64)
    assert all(p.dtype == np.float64 for p in m.parameters())
    assert m[1].running_mean.dtype == np.float64 and m[1].num_batches_tracked.dtype == np.int64
    m.to(device="cpu", dtype=dg.float32)
    assert all(p.dtype == np.float32 for p in m.parameters())


# ---- detach_ of a view; .grad of a non-leaf ------------------------------------------------
@pytest.mark.parametrize("lib", [torch, dg])
def test_detach_in_place_refuses_a_view_of_a_leaf(lib):
    a = lib.ones(2, 3, requires_grad=True)
    for view in (a[1:], a.t(), a.reshape(6), a[0], a.unsqueeze(0)):
        with pytest.raises(RuntimeError, match="Can't detach views in-place"):
            view.detach_()
    for fresh in (a * 2, a.flip(0), a.max(0)[0], a.sum(), a.repeat(1, 1), a.tile((1,))):
        assert fresh.detach_() is fresh and not fresh.requires_grad and fresh.grad_fn is None


@pytest.mark.parametrize("lib", [torch, dg])
def test_flip_diag_repeat_roll_are_new_tensors(lib):
    """Writing into their result leaves the input as it was (NumPy's flip and diagonal are
    views; PyTorch's `flip`, `diag` of a matrix, `repeat`, `tile`, `roll` copy)."""
    for f in (
        lambda x: x.flip(0),
        lambda x: x.fliplr(),
        lambda x: x.rot90(),
        lambda x: x.diag(),
        lambda x: x.repeat(1, 1),
        lambda x: x.tile((1,)),
        lambda x: x.roll(0, 0),
        lambda x: x.flip(()),
    ):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]])
        y = f(x)
        y[(0,) * y.dim()] = 100.0
        assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]] and y is not x


@pytest.mark.parametrize("lib", [torch, dg])
def test_reading_grad_of_a_non_leaf_warns(lib):
    a = lib.ones(2, requires_grad=True)
    b = a * 2
    with pytest.warns(UserWarning, match="not a leaf Tensor.*retain_grad"):
        assert b.grad is None
    c = a * 3
    c.retain_grad()
    (b + c).sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert a.grad.tolist() == [5.0, 5.0] and c.grad.tolist() == [1.0, 1.0]
        assert lib.ones(2).grad is None and (lib.ones(2) * 2).grad is None


def test_negating_a_bool_tensor_is_refused_as_torch():
    torch = pytest.importorskip("torch")
    for lib in (torch, dg):
        t = lib.tensor([True, False])
        for neg in (
            lambda t: -t,
            lambda t: t.neg(),
            lambda t, lib=lib: lib.neg(t),
            lambda t: t.neg_(),
        ):
            with pytest.raises(RuntimeError, match="Negation, the `-` operator, on a bool"):
                neg(t)
    with pytest.raises(TypeError):  # NumPy's class, deepgrad's earlier one, still caught
        -dg.tensor([True])
