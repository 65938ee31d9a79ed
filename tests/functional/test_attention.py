"""scaled_dot_product_attention and MultiheadAttention: shapes, float64 gradient checks with
masks (first and second order), equality with PyTorch (outputs, averaged and per-head weights,
every gradient), masks, dropout, dtypes and errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.functional as F
from deepgrad import nn


def _t(rng, *shape, dtype=np.float64, grad=True):
    return dg.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=grad)


# ---- scaled dot-product attention -----------------------------------------------------------------
def test_sdpa_shapes_and_weights_sum_to_one(rng):
    q, k, v = _t(rng, 2, 3, 5, 4), _t(rng, 2, 3, 7, 4), _t(rng, 2, 3, 7, 6)
    y, w = F.attention_with_weights(q, k, v)
    assert y.shape == (2, 3, 5, 6) and w.shape == (2, 3, 5, 7)
    np.testing.assert_allclose(w.numpy().sum(-1), 1.0, rtol=1e-12)
    y1 = F.scaled_dot_product_attention(q, _t(rng, 1, 1, 7, 4), _t(rng, 7, 6))  # broadcast
    assert isinstance(y1, dg.Tensor)  # the output alone, as PyTorch's
    assert y1.shape == (2, 3, 5, 6)


def _sdpa_ref(q, k, v, mask_add, scale):
    s = q @ np.swapaxes(k, -1, -2) * scale + mask_add
    s = s - s.max(-1, keepdims=True)
    e = np.exp(s)
    a = e / e.sum(-1, keepdims=True)
    return a @ v, a


def test_sdpa_matches_a_reference_with_masks(rng):
    q, k, v = _t(rng, 2, 4, 3), _t(rng, 2, 5, 3), _t(rng, 2, 5, 2)
    bool_mask = rng.random((4, 5)) > 0.3  # True = takes part (PyTorch's convention)
    bool_mask[:, 0] = True
    float_mask = rng.standard_normal((2, 4, 5))
    for mask, add in ((bool_mask, np.where(bool_mask, 0.0, -np.inf)), (float_mask, float_mask)):
        y, w = F.attention_with_weights(q, k, v, attn_mask=mask)
        ry, rw = _sdpa_ref(q.numpy(), k.numpy(), v.numpy(), add, 1 / np.sqrt(3))
        np.testing.assert_allclose(y.numpy(), ry, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(w.numpy(), rw, rtol=1e-12, atol=1e-12)
    _, w = F.attention_with_weights(q, k, v, is_causal=True)
    assert np.all(w.numpy()[:, np.triu_indices(4, 1, 5)[0], np.triu_indices(4, 1, 5)[1]] == 0)


def test_sdpa_matches_torch(torch, rng):
    q, k, v = (rng.standard_normal(s).astype(np.float32) for s in ((2, 3, 4, 8), (2, 3, 6, 8), (2, 3, 6, 5)))  # fmt: skip
    mask = rng.random((4, 6)) < 0.3
    mask[:, 0] = False
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    dq, dk, dv = (dg.tensor(a, requires_grad=True) for a in (q, k, v))
    # a boolean mask means "takes part", in both
    ty = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, attn_mask=torch.tensor(~mask))
    y = F.scaled_dot_product_attention(dq, dk, dv, attn_mask=dg.tensor(~mask))
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = rng.standard_normal(y.shape).astype(np.float32)
    ty.backward(torch.tensor(g))
    y.backward(dg.tensor(g))
    for a, b in ((dq, tq), (dk, tk), (dv, tv)):
        assert a.grad.dtype == np.float32
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("mask_kind", [None, "bool", "float", "causal"])
def test_sdpa_gradcheck(rng, mask_kind):
    q, k, v = _t(rng, 2, 3, 4), _t(rng, 2, 4, 4), _t(rng, 2, 4, 3)
    mask = None
    if mask_kind == "bool":
        mask = rng.random((2, 3, 4)) > 0.4
        mask[..., 1] = True
    elif mask_kind == "float":
        mask = rng.standard_normal((3, 4))

    def f(q, k, v):
        return F.attention_with_weights(q, k, v, attn_mask=mask, is_causal=mask_kind == "causal")

    dg.gradcheck(f, q, k, v)  # both outputs (output and weights) take part


def test_sdpa_gradcheck_with_dropout_and_broadcast(rng):
    q, k, v = _t(rng, 2, 3, 4), _t(rng, 1, 4, 4), _t(rng, 4, 3)

    def f(q, k, v):
        dg.manual_seed(3)
        return F.attention_with_weights(q, k, v, dropout_p=0.4)

    dg.gradcheck(f, q, k, v)


def test_sdpa_double_backward(rng):
    q, k, v = _t(rng, 2, 3, 2), _t(rng, 2, 3, 2), _t(rng, 2, 3, 2)
    mask = ~np.array([[False, False, True], [False, True, False], [False, False, False]])
    gy, gw = dg.tensor(rng.standard_normal((2, 3, 2))), dg.tensor(rng.standard_normal((2, 3, 3)))

    def first(q, k, v):
        y, w = F.attention_with_weights(q, k, v, attn_mask=mask)
        return dg.grad((y * gy).sum() + (w * gw).sum(), [q, k, v], create_graph=True)

    dg.gradcheck(first, q, k, v)
    y, w = F.attention_with_weights(q, k, v, attn_mask=mask)
    fused = dg.grad((y * gy).sum() + (w * gw).sum(), [q, k, v])
    for a, b in zip(fused, first(q, k, v)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)


def test_fully_masked_rows_give_zeros_not_nan(rng):
    q, k, v = _t(rng, 3, 2), _t(rng, 4, 2), _t(rng, 4, 2)
    mask = np.ones((3, 4), bool)
    mask[1] = False  # no key takes part for query 1
    y, w = F.attention_with_weights(q, k, v, attn_mask=mask)
    assert np.isfinite(y.numpy()).all()
    np.testing.assert_array_equal(w.numpy()[1], 0)
    np.testing.assert_array_equal(y.numpy()[1], 0)
    y.sum().backward()
    assert np.isfinite(q.grad.numpy()).all() and np.isfinite(k.grad.numpy()).all()


def test_softmax_stays_exact_when_rows_have_very_different_scales(torch, rng):
    # one shift per score matrix would underflow the small rows: they are redone exactly
    q = rng.standard_normal((1, 4, 8)).astype(np.float32)
    q[0, 0] *= 60.0
    k = rng.standard_normal((1, 5, 8)).astype(np.float32) * 4
    v = rng.standard_normal((1, 5, 3)).astype(np.float32)
    _, w = F.attention_with_weights(dg.tensor(q), dg.tensor(k), dg.tensor(v))
    tw = torch.softmax(torch.tensor(q) @ torch.tensor(k).transpose(1, 2) / np.sqrt(8), -1)
    np.testing.assert_allclose(w.numpy(), tw.numpy(), rtol=1e-5, atol=1e-7)


def test_sdpa_errors():
    q = dg.zeros(2, 3, 4)
    with pytest.raises(ValueError, match=r"attn_mask of shape \(5, 5\).*\(2, 3, 3\)"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=np.zeros((5, 5), bool))
    with pytest.raises(ValueError, match=r"query \(2, 3, 4\) and key \(2, 3, 5\)"):
        F.scaled_dot_product_attention(q, dg.zeros(2, 3, 5), q)
    with pytest.raises(TypeError, match="boolean or floating"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=np.zeros((3, 3), np.int64))


# ---- MultiheadAttention vs PyTorch ------------------------------------------------------------------
def _pair(torch, e, h, *args, **kw):
    theirs = torch.nn.MultiheadAttention(e, h, *args, **kw)
    with torch.no_grad():
        for p in theirs.parameters():
            p.normal_(0, 0.3)
    ours = nn.MultiheadAttention(e, h, *args, **kw)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    return ours, theirs


def _compare_mha(torch, rng, ours, theirs, shapes, self_attn, call_kw, wrap=None):
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    if self_attn:
        arrays = arrays[:1] * 3
    tin = [torch.tensor(a, requires_grad=True) for a in arrays[: 1 if self_attn else 3]]
    din = [dg.tensor(a, requires_grad=True) for a in arrays[: 1 if self_attn else 3]]
    targs = tin * 3 if self_attn else tin
    dargs = din * 3 if self_attn else din
    tkw = {k: (torch.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in call_kw.items()}
    ty, tw = theirs(*targs, **tkw)
    y, w = ours(*dargs, **call_kw)
    assert y.dtype == np.float32 and y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-4, atol=1e-5)
    gy = rng.standard_normal(y.shape).astype(np.float32)
    lt = (ty * torch.tensor(gy)).sum()
    ld = (y * dg.tensor(gy)).sum()
    if tw is not None:
        assert w.shape == tuple(tw.shape)
        np.testing.assert_allclose(w.numpy(), tw.detach().numpy(), rtol=1e-4, atol=1e-6)
        gw = rng.standard_normal(w.shape).astype(np.float32)
        lt = lt + (tw * torch.tensor(gw)).sum()
        ld = ld + (w * dg.tensor(gw)).sum()
    else:
        assert w is None
    lt.backward()
    ld.backward()
    for a, b in zip(din, tin):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-4)
    tp = dict(theirs.named_parameters())
    for n, p in ours.named_parameters():
        assert p.grad.dtype == np.float32
        np.testing.assert_allclose(
            p.grad.numpy(), tp[n].grad.numpy(), rtol=1e-4, atol=1e-4, err_msg=n
        )


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("average", [True, False])
def test_mha_self_attention_with_padding_and_causal_masks(torch, rng, batch_first, average):
    n, l_len, e, h = 3, 5, 8, 2
    ours, theirs = _pair(torch, e, h, batch_first=batch_first)
    shape = (n, l_len, e) if batch_first else (l_len, n, e)
    kpm = np.zeros((n, l_len), bool)
    kpm[0, 3:] = True
    kpm[2, 4] = True
    causal = np.triu(np.ones((l_len, l_len), bool), 1)
    kw = dict(key_padding_mask=kpm, attn_mask=causal, average_attn_weights=average)
    _compare_mha(torch, rng, ours, theirs, [shape], True, kw)


def test_mha_float_masks_and_3d_attn_mask(torch, rng):
    n, l_len, s_len, e, h = 2, 3, 4, 8, 4
    ours, theirs = _pair(torch, e, h, batch_first=True)
    kpm = np.zeros((n, s_len), np.float32)
    kpm[1, 0] = -np.inf
    kpm[0, 2] = -1.5
    am = rng.standard_normal((n * h, l_len, s_len)).astype(np.float32)
    shapes = [(n, l_len, e), (n, s_len, e), (n, s_len, e)]
    kw = dict(key_padding_mask=kpm, attn_mask=am, average_attn_weights=False)
    _compare_mha(torch, rng, ours, theirs, shapes, False, kw)


def test_mha_cross_attention_kdim_vdim_and_no_bias(torch, rng):
    ours, theirs = _pair(torch, 8, 2, kdim=5, vdim=3)
    names = [k for k in ours.state_dict()]
    assert names[:3] == ["q_proj_weight", "k_proj_weight", "v_proj_weight"]
    _compare_mha(torch, rng, ours, theirs, [(4, 2, 8), (6, 2, 5), (6, 2, 3)], False, {})
    ours, theirs = _pair(torch, 8, 2, bias=False)
    assert "in_proj_bias" not in ours.state_dict()
    _compare_mha(torch, rng, ours, theirs, [(4, 2, 8), (6, 2, 8), (6, 2, 8)], False,
                 dict(need_weights=False))  # fmt: skip


@pytest.mark.parametrize("bias_kv,zero_attn", [(True, False), (False, True), (True, True)])
@pytest.mark.parametrize("batch_first", [False, True])
def test_mha_add_bias_kv_and_zero_attn_match_torch(torch, rng, bias_kv, zero_attn, batch_first):
    n, l_len, s_len, e, h = 3, 4, 5, 8, 2
    # positionally, in PyTorch's order: dropout, bias, add_bias_kv, add_zero_attn, kdim, vdim
    ours, theirs = _pair(torch, e, h, dropout=0.0, bias=True, add_bias_kv=bias_kv,
                         add_zero_attn=zero_attn, batch_first=batch_first)  # fmt: skip
    assert (ours.bias_k is not None) == bias_kv
    kpm = np.zeros((n, s_len), bool)
    kpm[0, 3:] = True
    am = np.triu(np.ones((l_len, s_len), bool), 2)
    kw = dict(key_padding_mask=kpm, attn_mask=am, average_attn_weights=False)
    bf = (lambda a, b: (b, a, e)) if batch_first else (lambda a, b: (a, b, e))
    _compare_mha(torch, rng, ours, theirs, [bf(l_len, n), bf(s_len, n), bf(s_len, n)], False, kw)
    ours, theirs = _pair(torch, e, h, 0.0, True, bias_kv, zero_attn, None, None, batch_first)
    _compare_mha(torch, rng, ours, theirs, [bf(l_len, n)], True, {})


def test_mha_unbatched_input(torch, rng):
    ours, theirs = _pair(torch, 6, 3)
    kw = dict(key_padding_mask=np.array([False, False, True, False]))
    _compare_mha(torch, rng, ours, theirs, [(4, 6)], True, kw)
    ours2, theirs2 = _pair(torch, 6, 3, batch_first=True)
    _compare_mha(torch, rng, ours2, theirs2, [(4, 6)], True, dict(average_attn_weights=False))


def test_mha_is_causal_is_a_hint_that_needs_the_mask(rng):
    """PyTorch's contract (found by the module fuzz): is_causal=True without attn_mask raises
    ("Need attn_mask if specifying the is_causal hint"); with the causal mask it is the mask."""
    mha = nn.MultiheadAttention(4, 2, batch_first=True)
    x = dg.tensor(rng.standard_normal((2, 5, 4)).astype(np.float32))
    with pytest.raises(RuntimeError, match="is_causal=True needs attn_mask"):
        mha(x, x, x, is_causal=True)
    causal = np.triu(np.ones((5, 5), bool), 1)
    y1, w1 = mha(x, x, x, attn_mask=causal, is_causal=True)
    y2, w2 = mha(x, x, x, attn_mask=causal)
    np.testing.assert_array_equal(y1.numpy(), y2.numpy())
    assert np.all(np.triu(w1.numpy()[0], 1) == 0)


def test_mha_gradcheck_inputs_and_parameters(rng):
    mha = nn.MultiheadAttention(4, 2, batch_first=True).double()
    x = _t(rng, 2, 3, 4)
    kpm = np.array([[False, False, True], [False, False, False]])
    causal = np.triu(np.ones((3, 3), bool), 1)
    params = list(mha.parameters())

    def f(x, *ps):
        return mha(x, x, x, key_padding_mask=kpm, attn_mask=causal)

    dg.gradcheck(f, x, *params)
    cross = nn.MultiheadAttention(4, 2, kdim=3, vdim=2).double()
    q, k, v = _t(rng, 3, 2, 4), _t(rng, 2, 2, 3), _t(rng, 2, 2, 2)
    dg.gradcheck(lambda q, k, v, *ps: cross(q, k, v, average_attn_weights=False), q, k, v,
                 *cross.parameters())  # fmt: skip


def test_mha_double_backward(rng):
    mha = nn.MultiheadAttention(4, 2, batch_first=True).double()
    x = _t(rng, 2, 3, 4)
    gy = dg.tensor(rng.standard_normal((2, 3, 4)))

    causal = np.triu(np.ones((3, 3), bool), 1)

    def first(x):
        y, w = mha(x, x, x, attn_mask=causal, is_causal=True)
        return dg.grad((y * gy).sum() + (w * w).sum(), x, create_graph=True)

    dg.gradcheck(first, x)
    y, w = mha(x, x, x, attn_mask=causal, is_causal=True)
    (fused,) = dg.grad((y * gy).sum() + (w * w).sum(), x)
    np.testing.assert_allclose(fused.numpy(), first(x)[0].numpy(), rtol=1e-10, atol=1e-12)


def test_mha_dropout_in_training_only(rng):
    mha = nn.MultiheadAttention(8, 2, dropout=0.5, batch_first=True)
    x = dg.tensor(rng.standard_normal((2, 6, 8)).astype(np.float32))
    _, w_train = mha(x, x, x, average_attn_weights=False)
    assert (w_train.numpy() == 0).any()
    mha.eval()
    y1, w1 = mha(x, x, x)
    y2, _ = mha(x, x, x)
    np.testing.assert_array_equal(y1.numpy(), y2.numpy())
    np.testing.assert_allclose(w1.numpy().sum(-1), 1.0, rtol=1e-5)


def test_mha_errors():
    with pytest.raises(ValueError, match=r"embed_dim must be divisible by num_heads .*10 .* 3"):
        nn.MultiheadAttention(10, 3)
    mha = nn.MultiheadAttention(8, 2, batch_first=True)
    x = dg.zeros(2, 5, 8)
    with pytest.raises(
        ValueError, match=r"attn_mask must have shape \(L, S\) = \(5, 5\).*got \(4, 4\)"
    ):
        mha(x, x, x, attn_mask=np.zeros((4, 4), bool))
    with pytest.raises(
        ValueError, match=r"key_padding_mask must have shape \(N, S\) = \(2, 5\), got \(2, 4\)"
    ):
        mha(x, x, x, key_padding_mask=np.zeros((2, 4), bool))
    with pytest.raises(ValueError, match=r"embed_dim 8.*\(2, 5, 6\)"):
        mha(dg.zeros(2, 5, 6), x, x)
    with pytest.raises(ValueError, match="batch size"):
        mha(x, dg.zeros(3, 5, 8), dg.zeros(3, 5, 8))


# ---- scaled_dot_product_attention: PyTorch's contract --------------------------------------
@pytest.mark.parametrize(
    "case",
    [
        {},
        {"mask": "bool"},
        {"mask": "bool_full_row"},
        {"mask": "float"},
        {"is_causal": True},
        {"scale": 0.3},
        {"mask": "bool", "scale": 2.0},
        {"gqa": True},
        {"L": 0},
    ],
)
def test_sdpa_contract_matches_torch(torch, rng, case):
    L = case.get("L", 4)
    hk = 1 if case.get("gqa") else 2
    q = rng.standard_normal((2, 2, L, 3))
    k, v = rng.standard_normal((2, hk, 5, 3)), rng.standard_normal((2, hk, 5, 2))
    kw = {k_: case[k_] for k_ in ("is_causal", "scale") if k_ in case}
    if case.get("gqa"):
        kw["enable_gqa"] = True
    tmask = dmask = None
    if case.get("mask", "").startswith("bool"):
        m = rng.random((L, 5)) > 0.4
        m[:, 0] = True
        if case["mask"] == "bool_full_row" and L:
            m[1] = False  # a query with no key: zeros, in both
        tmask, dmask = torch.tensor(m), dg.tensor(m)
    elif case.get("mask") == "float":
        m = rng.standard_normal((L, 5))
        tmask, dmask = torch.tensor(m), dg.tensor(m)
    ts = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    ds = [dg.tensor(a, requires_grad=True) for a in (q, k, v)]
    ty = torch.nn.functional.scaled_dot_product_attention(*ts, attn_mask=tmask, **kw)
    y = F.scaled_dot_product_attention(*ds, attn_mask=dmask, **kw)
    assert isinstance(y, dg.Tensor) and y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(y.shape)
    ty.backward(torch.tensor(g))
    y.backward(dg.tensor(g))
    for d, t in zip(ds, ts):
        np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-12)
    if L:
        fresh = [dg.tensor(a, requires_grad=True) for a in (q, k, v)]
        assert dg.gradcheck(
            lambda a, b, c: F.scaled_dot_product_attention(a, b, c, attn_mask=dmask, **kw), fresh
        )


def test_sdpa_positional_order_is_torchs(torch, rng):
    q = rng.standard_normal((1, 3, 2))
    m = np.tril(np.ones((3, 3), bool))
    y = F.scaled_dot_product_attention(
        dg.tensor(q), dg.tensor(q), dg.tensor(q), dg.tensor(m), 0.0, False, scale=0.5
    )
    t = torch.tensor(q)
    ty = torch.nn.functional.scaled_dot_product_attention(
        t, t, t, torch.tensor(m), 0.0, False, scale=0.5
    )
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-12)


def test_mha_keeps_its_own_mask_convention(torch, rng):
    # nn.MultiheadAttention: key_padding_mask / attn_mask True = masked out (PyTorch's own)
    ours, theirs = _pair(torch, 4, 2, batch_first=True)
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    pad = np.array([[False, False, True], [False, True, True]])
    causal = np.triu(np.ones((3, 3), bool), 1)
    y, w = ours(
        dg.tensor(x), dg.tensor(x), dg.tensor(x), key_padding_mask=dg.tensor(pad), attn_mask=causal
    )
    tx = torch.tensor(x)
    ty, tw = theirs(tx, tx, tx, key_padding_mask=torch.tensor(pad), attn_mask=torch.tensor(causal))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_sdpa_refuses_an_explicit_mask_with_is_causal_as_pytorch_does(torch):
    q = np.zeros((1, 2, 4), np.float32)
    mask = np.ones((2, 2), bool)
    with pytest.raises(RuntimeError):
        torch.nn.functional.scaled_dot_product_attention(
            torch.from_numpy(q), torch.from_numpy(q), torch.from_numpy(q),
            attn_mask=torch.from_numpy(mask), is_causal=True,
        )  # fmt: skip
    x = dg.tensor(q)
    with pytest.raises(ValueError, match="attn_mask cannot be given with is_causal=True"):
        F.scaled_dot_product_attention(x, x, x, attn_mask=mask, is_causal=True)
    y, w = F.attention_with_weights(x, x, x, attn_mask=mask, is_causal=True)  # deepgrad's own
    np.testing.assert_allclose(w.numpy()[0], [[1.0, 0.0], [0.5, 0.5]])
