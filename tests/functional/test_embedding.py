"""Embedding: lookup, scatter-add gradient, padding_idx, PyTorch equality, errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4)])
def test_shape_and_dtype(shape, rng):
    emb = nn.Embedding(10, 6)
    idx = rng.integers(0, 10, shape)
    y = emb(idx)
    assert y.shape == (*shape, 6) and y.dtype == np.float32
    np.testing.assert_array_equal(y.numpy(), emb.weight.numpy()[idx])
    y.sum().backward()
    assert emb.weight.grad.dtype == np.float32


@pytest.mark.parametrize("padding_idx", [None, 0, 3, -1])
def test_matches_pytorch(torch, padding_idx, rng):
    t_emb = torch.nn.Embedding(7, 4, padding_idx=padding_idx)
    d_emb = nn.Embedding(7, 4, padding_idx=padding_idx)
    if padding_idx is not None:
        assert np.all(d_emb.weight.numpy()[padding_idx] == 0)
    d_emb.load_state_dict({"weight": t_emb.weight.detach().numpy()})
    idx = rng.integers(0, 7, (5, 6))
    idx[0, :3] = 3  # repeated ids and the padding id
    idx[1, 0] = 6
    v = rng.standard_normal((5, 6, 4)).astype(np.float32)
    t_y = t_emb(torch.tensor(idx))
    (t_y * torch.tensor(v)).sum().backward()
    d_y = d_emb(dg.tensor(idx))
    (d_y * dg.tensor(v)).sum().backward()
    np.testing.assert_allclose(d_y.numpy(), t_y.detach().numpy())
    np.testing.assert_allclose(
        d_emb.weight.grad.numpy(), t_emb.weight.grad.numpy(), rtol=1e-5, atol=1e-6
    )
    if padding_idx is not None:
        assert np.all(d_emb.weight.grad.numpy()[padding_idx] == 0)


@pytest.mark.parametrize("padding_idx", [None, 1])
def test_gradcheck_and_double_backward(padding_idx, rng):
    dg.set_default_dtype("float64")
    w = dg.tensor(rng.standard_normal((5, 3)), requires_grad=True)
    idx = np.array([[0, 1, 1], [4, 2, 1]])
    # the padding row's gradient is zero by definition, so check the others numerically
    plain = np.where(idx == padding_idx, 0 if padding_idx else 3, idx)
    dg.gradcheck(lambda w: dg.functional.embedding(plain, w, padding_idx), w)

    def grad_of_square(w):  # the backward (scatter) is differentiable again
        y = dg.functional.embedding(idx, w, padding_idx)
        (g,) = dg.grad((y * y * y).sum(), w, create_graph=True)
        return g

    dg.gradcheck(grad_of_square, w)


@pytest.mark.numpy_only("calls an internal helper with NumPy arrays")
def test_empty_indices_and_add_at_fallback_agree(rng):
    from deepgrad.functional.embedding import _scatter_rows

    idx = rng.integers(0, 50, 1000)
    rows = rng.standard_normal((1000, 8)).astype(np.float32)
    ref = np.zeros((50, 8), np.float32)
    np.add.at(ref, idx, rows)
    np.testing.assert_allclose(_scatter_rows(idx, rows, 50), ref, rtol=1e-5, atol=1e-5)
    emb = nn.Embedding(4, 2)
    y = emb(np.zeros((0,), np.int64))
    assert y.shape == (0, 2)
    y.sum().backward()
    assert np.all(emb.weight.grad.numpy() == 0)


def test_from_pretrained():
    table = np.arange(12, dtype=np.float32).reshape(4, 3)
    emb = nn.Embedding.from_pretrained(table)
    assert not emb.weight.requires_grad
    np.testing.assert_array_equal(emb(dg.tensor([2])).numpy(), table[[2]])
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad


def test_errors_name_layer_expected_and_actual():
    emb = nn.Embedding(10, 3)
    with pytest.raises(IndexError, match=r"Embedding\(10, 3\).*10.*0 <= index < 10"):
        emb(dg.tensor([1, 10]))
    with pytest.raises(IndexError, match="index -1"):
        emb(np.array([-1]))
    with pytest.raises(TypeError, match=r"Embedding\(10, 3\).*integers.*float32"):
        emb(dg.tensor([1.0]))
    with pytest.raises(ValueError, match="padding_idx"):
        nn.Embedding(10, 3, padding_idx=10)
    assert "padding_idx=9" in repr(nn.Embedding(10, 3, padding_idx=-1))


def test_from_pretrained_takes_torchs_arguments(torch):
    table = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32) * 3
    idx = np.array([[1, 0, 3], [5, 5, 2]])
    kw = dict(freeze=False, padding_idx=0, max_norm=1.5, norm_type=1.0, scale_grad_by_freq=True)
    emb = nn.Embedding.from_pretrained(table, **kw)
    ref = torch.nn.Embedding.from_pretrained(torch.tensor(table), **kw)
    y, yr = emb(dg.tensor(idx)), ref(torch.tensor(idx))
    np.testing.assert_allclose(y.numpy(), yr.detach().numpy(), rtol=1e-6)
    (y * y).sum().backward()
    (yr * yr).sum().backward()
    np.testing.assert_allclose(emb.weight.grad.numpy(), ref.weight.grad.numpy(), rtol=1e-5)
    np.testing.assert_allclose(emb.weight.numpy(), ref.weight.detach().numpy(), rtol=1e-6)
    assert emb.padding_idx == 0 and emb.weight.requires_grad


def test_embedding_bag_from_pretrained_as_torchs(torch):
    table = np.random.default_rng(1).standard_normal((7, 3)).astype(np.float32)
    inp, offsets = np.array([1, 2, 4, 5, 4, 3, 2, 6]), np.array([0, 3, 5])
    for kw in (dict(mode="sum"), dict(mode="max", freeze=False), dict(padding_idx=2)):
        bag = nn.EmbeddingBag.from_pretrained(table, **kw)
        ref = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(table), **kw)
        y = bag(dg.tensor(inp), dg.tensor(offsets))
        yr = ref(torch.tensor(inp), torch.tensor(offsets))
        np.testing.assert_allclose(y.numpy(), yr.detach().numpy(), rtol=1e-6)
        assert bag.weight.requires_grad == ref.weight.requires_grad
    with pytest.raises(ValueError, match="2-d table"):
        nn.EmbeddingBag.from_pretrained(np.zeros(3, np.float32))


def test_functional_sparse_gives_the_modules_kind_of_gradient(torch):
    """F.embedding(sparse=True), torch.embedding(..., sparse=True) and nn.Embedding(sparse=True)
    all give the table an is_sparse gradient, as torch's (deepgrad's, one class for all three,
    holds torch's numbers densely); sparse=False a dense one."""
    import deepgrad.nn.functional as F

    idx = [[0, 2], [2, 1]]
    w0 = np.arange(12.0).reshape(4, 3)
    grads, kinds = {}, {}
    for lib, fn in ((torch, torch.nn.functional), (dg, F)):
        for sparse in (True, False):
            w = lib.tensor(w0, requires_grad=True)
            fn.embedding(lib.tensor(idx), w, sparse=sparse).sum().backward()
            assert w.grad.is_sparse is sparse
            grads[lib.__name__, sparse] = w.grad.to_dense() if sparse else w.grad
            kinds[lib.__name__, "F", sparse] = type(w.grad)
        e = lib.nn.Embedding(4, 3, sparse=True)
        e(lib.tensor(idx)).sum().backward()
        assert e.weight.grad.is_sparse
        kinds[lib.__name__, "nn"] = type(e.weight.grad)
        w = lib.tensor(w0, requires_grad=True)
        lib.embedding(w, lib.tensor(idx), -1, False, True).sum().backward()
        assert w.grad.is_sparse
    assert kinds["deepgrad", "F", True] is kinds["deepgrad", "nn"]
    assert kinds["deepgrad", "F", False] is dg.Tensor
    for sparse in (True, False):
        np.testing.assert_array_equal(
            grads["deepgrad", sparse].numpy(), grads["torch", sparse].numpy()
        )


@pytest.mark.parametrize("name", ["sparse", "scale_grad_by_freq"])
@pytest.mark.parametrize("value", [1, 0, None, np.bool_(True), "yes"], ids=repr)
def test_flags_must_be_bools_as_torchs(torch, name, value):
    import deepgrad.nn.functional as F

    with pytest.raises(TypeError):
        torch.nn.functional.embedding(torch.tensor([0]), torch.ones(4, 3), **{name: value})
    with pytest.raises(TypeError, match=f"argument '{name}' .*must be bool"):
        F.embedding(dg.tensor([0]), dg.ones(4, 3), **{name: value})
    with pytest.raises(TypeError):
        torch.nn.functional.embedding_bag(
            torch.tensor([0]), torch.ones(4, 3), torch.tensor([0]), **{name: value}
        )
    with pytest.raises(TypeError, match=f"argument '{name}' .*must be bool"):
        F.embedding_bag(dg.tensor([0]), dg.ones(4, 3), dg.tensor([0]), **{name: value})


@pytest.mark.parametrize("dtype", ["float32", "float64", "bool"])
def test_non_integer_indices_are_torchs_runtime_error(torch, dtype):
    """Float or bool indices: torch 2.13 raises RuntimeError ("Expected tensor for argument #1
    'indices' to have one of the following scalar types: Long, Int"); deepgrad raised
    TypeError (still one)."""
    W, idx = np.random.default_rng(0).normal(size=(5, 3)), np.array([0, 1, 4, 1]).astype(dtype)
    tW, tidx = torch.tensor(W), torch.tensor(idx)
    for fn, args in [("embedding", ()), ("embedding_bag", (np.array([0, 2]),))]:
        if fn == "embedding_bag" and dtype == "bool":
            continue  # torch 2.13's embedding_bag reads bool indices as 0/1; deepgrad refuses
        with pytest.raises(RuntimeError):
            getattr(torch.nn.functional, fn)(tidx, tW, *map(torch.tensor, args))
        with pytest.raises(RuntimeError, match="'indices' .* Long, Int.*integers") as info:
            getattr(dg.nn.functional, fn)(dg.tensor(idx), dg.tensor(W), *map(dg.tensor, args))
        assert isinstance(info.value, TypeError)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_bag_values_are_torchs_bit_for_bit(torch, dtype, mode):
    """A bag's mean divides by its count, as PyTorch's (times 1/count differed in the last bit
    of half the values); float16 bags are summed in float32 and rounded once."""
    rng = np.random.default_rng(0)
    idx, W = rng.integers(0, 50, (300, 7)), rng.standard_normal((50, 16)).astype(dtype)
    want = torch.nn.functional.embedding_bag(torch.tensor(idx), torch.tensor(W), mode=mode)
    got = dg.nn.functional.embedding_bag(dg.tensor(idx), dg.tensor(W), mode=mode)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("sparse", [False, True])
def test_float16_table_gradient_is_torchs(torch, sparse):
    """float16 lookups' gradients are added row after row in float16, as PyTorch's index_add_
    (SciPy's sparse product, used otherwise, has no float16: it raised ValueError)."""
    rng = np.random.default_rng(1)
    idx, G = rng.integers(0, 5, (40, 50)), rng.standard_normal((40, 50, 4)).astype(np.float16)
    grads = []
    for lib in (torch, dg):
        w = lib.tensor(np.zeros((5, 4), np.float16), requires_grad=True)
        lib.nn.functional.embedding(lib.tensor(idx), w, padding_idx=2, sparse=sparse).backward(
            lib.tensor(G)
        )
        grads.append(w.grad.to_dense() if lib is torch and sparse else w.grad)
    assert grads[1].dtype == dg.float16
    np.testing.assert_array_equal(grads[1].numpy(), grads[0].numpy())
