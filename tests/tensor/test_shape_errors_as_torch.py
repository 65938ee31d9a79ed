"""Shape, linear-algebra and value-range errors against PyTorch 2.13: where torch raises, deepgrad raises
an instance of torch's exception class (its own classes derive from both, so code written
for deepgrad's earlier ``ValueError`` still catches them); where torch succeeds, deepgrad
succeeds with the same shape. Each case is ``call(L)`` with ``L`` the ``torch`` or the
``deepgrad`` module."""

from __future__ import annotations

import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")


def _f(L):
    """``torch.nn.functional`` or ``deepgrad.nn.functional``."""
    return L.nn.functional


CASES = {
    # reshape / view
    "reshape_bad": lambda L: L.zeros(2, 3).reshape(4, 2),
    "reshape_two_minus1": lambda L: L.zeros(2, 3).reshape(-1, -1),
    "reshape_minus1_bad": lambda L: L.zeros(2, 3).reshape(-1, 4),
    "reshape_ok": lambda L: L.zeros(2, 3).reshape(3, -1),
    "view_bad": lambda L: L.zeros(2, 3).view(5),
    "view_noncontig": lambda L: L.zeros(2, 3).t().view(6),
    "view_noncontig_ok": lambda L: L.zeros(2, 3).t().view(3, 2),
    "view_ok": lambda L: L.zeros(2, 3).view(-1),
    "view_expanded": lambda L: L.zeros(1, 3).expand(2, 3).view(6),
    "view_column_slice": lambda L: L.zeros(4, 4)[:, :2].view(-1),
    "view_step_slice": lambda L: L.zeros(8)[::2].view(2, 2),
    "view_permuted": lambda L: L.zeros(2, 3, 4).permute(0, 2, 1).view(2, 12),
    "view_permuted_ok": lambda L: L.zeros(2, 3, 4).permute(0, 2, 1).view(2, 4, 3, 1),
    "view_row_slice_ok": lambda L: L.zeros(4, 4)[:2].view(-1),
    "view_size1_t_ok": lambda L: L.zeros(3, 1).t().view(3),
    "view_softmax_of_t_ok": lambda L: L.zeros(2, 3).t().softmax(0).view(6),
    "view_select_ok": lambda L: L.zeros(2, 3, 4)[:, 1].view(8),
    # expand
    "expand_bad": lambda L: L.zeros(2, 3).expand(4, 3),
    "expand_fewer": lambda L: L.zeros(2, 3).expand(3),
    "expand_ok": lambda L: L.zeros(1, 3).expand(4, 3),
    "expand_new_dim": lambda L: L.zeros(1, 3).expand(2, -1, 3),
    # permute
    "permute_dup": lambda L: L.zeros(2, 3, 4).permute(0, 0, 1),
    "permute_short": lambda L: L.zeros(2, 3, 4).permute(0, 1),
    "permute_range": lambda L: L.zeros(2, 3).permute(0, 2),
    "permute_ok": lambda L: L.zeros(2, 3, 4).permute(2, 0, 1),
    # transpose / swapaxes / movedim
    "transpose_range": lambda L: L.zeros(2, 3).transpose(0, 2),
    "swapaxes_range": lambda L: L.zeros(2, 3).swapaxes(-3, 0),
    "movedim_range": lambda L: L.zeros(2, 3).movedim(0, 2),
    "movedim_dup": lambda L: L.zeros(2, 3, 4).movedim((0, 0), (1, 2)),
    "movedim_ok": lambda L: L.zeros(2, 3, 4).movedim(0, -1),
    # squeeze / unsqueeze
    "squeeze_range": lambda L: L.zeros(2, 1).squeeze(2),
    "unsqueeze_range": lambda L: L.zeros(2, 3).unsqueeze(3),
    "unsqueeze_neg_range": lambda L: L.zeros(2, 3).unsqueeze(-4),
    "unsqueeze_edge": lambda L: L.zeros(2, 3).unsqueeze(-3),
    # narrow / select
    "narrow_len": lambda L: L.zeros(4, 3).narrow(0, 2, 3),
    "narrow_dim": lambda L: L.zeros(4, 3).narrow(2, 0, 1),
    "narrow_ok": lambda L: L.zeros(4, 3).narrow(0, 1, 3),
    "select_index": lambda L: L.zeros(4, 3).select(1, 3),
    "select_dim": lambda L: L.zeros(4, 3).select(2, 0),
    "select_neg_ok": lambda L: L.zeros(4, 3).select(1, -3),
    # split / chunk
    "split_sum_bad": lambda L: L.zeros(5).split([2, 2]),
    "split_zero_size": lambda L: L.zeros(5).split(0),
    "split_dim": lambda L: L.zeros(5).split(2, dim=1),
    "chunk_zero": lambda L: L.zeros(5).chunk(0),
    "chunk_dim": lambda L: L.zeros(5).chunk(2, dim=2),
    "tensor_split_zero": lambda L: L.zeros(4).tensor_split(0),
    "repeat_interleave_bad": lambda L: L.zeros(3).repeat_interleave(L.tensor([1, 2])),
    # cat / stack
    "cat_mismatch": lambda L: L.cat([L.zeros(2, 3), L.zeros(2, 4)]),
    "cat_ndim": lambda L: L.cat([L.zeros(2, 3), L.zeros(3)]),
    "cat_empty": lambda L: L.cat([]),
    "cat_dim": lambda L: L.cat([L.zeros(2, 3), L.zeros(2, 3)], dim=2),
    "cat_ok": lambda L: L.cat([L.zeros(2, 3), L.zeros(2, 4)], dim=1),
    "stack_mismatch": lambda L: L.stack([L.zeros(2), L.zeros(3)]),
    # index_select / gather / scatter
    "index_select_2d_index": lambda L: L.zeros(3, 4).index_select(0, L.zeros(2, 2).long()),
    "index_select_dim": lambda L: L.zeros(3, 4).index_select(2, L.tensor([0])),
    "gather_ndim": lambda L: L.zeros(3, 4).gather(1, L.zeros(3).long()),
    "gather_dim": lambda L: L.zeros(3, 4).gather(2, L.zeros(3, 4).long()),
    "gather_big_index": lambda L: L.zeros(3, 4).gather(1, L.zeros(4, 4).long()),
    "gather_ok": lambda L: L.zeros(3, 4).gather(1, L.zeros(2, 2).long()),
    "scatter_ndim": lambda L: L.zeros(3, 4).scatter(1, L.zeros(3).long(), L.ones(3, 4)),
    "scatter_src_small": lambda L: L.zeros(3, 4).scatter(1, L.zeros(3, 4).long(), L.ones(2, 4)),
    "scatter_dim": lambda L: L.zeros(3, 4).scatter(2, L.zeros(3, 4).long(), 1.0),
    # matmul family
    "matmul_bad": lambda L: L.zeros(2, 3) @ L.zeros(4, 5),
    "matmul_0d": lambda L: L.matmul(L.tensor(1.0), L.zeros(3)),
    "matmul_batch_bad": lambda L: L.zeros(2, 2, 3) @ L.zeros(3, 3, 4),
    "matmul_vec_bad": lambda L: L.zeros(3) @ L.zeros(4),
    "matmul_ok": lambda L: L.zeros(5, 2, 3) @ L.zeros(3, 4),
    "mm_bad": lambda L: L.mm(L.zeros(2, 3), L.zeros(4, 5)),
    "mm_1d": lambda L: L.mm(L.zeros(3), L.zeros(3, 5)),
    "bmm_bad": lambda L: L.bmm(L.zeros(2, 2, 3), L.zeros(2, 4, 5)),
    "bmm_batch": lambda L: L.bmm(L.zeros(2, 2, 3), L.zeros(3, 3, 5)),
    "bmm_2d": lambda L: L.bmm(L.zeros(2, 3), L.zeros(3, 5)),
    "mv_bad": lambda L: L.mv(L.zeros(2, 3), L.zeros(4)),
    "mv_2d": lambda L: L.mv(L.zeros(2, 3), L.zeros(3, 1)),
    "dot_bad": lambda L: L.dot(L.zeros(3), L.zeros(4)),
    "dot_2d": lambda L: L.dot(L.zeros(3, 1), L.zeros(3, 1)),
    "outer_2d": lambda L: L.outer(L.zeros(2, 2), L.zeros(3)),
    "inner_bad": lambda L: L.inner(L.zeros(2, 3), L.zeros(4)),
    "einsum_bad": lambda L: L.einsum("ij,jk->ik", L.zeros(2, 3), L.zeros(4, 5)),
    "tensordot_bad": lambda L: L.tensordot(L.zeros(2, 3), L.zeros(4, 5), dims=1),
    "trace_3d": lambda L: (L.zeros(2, 2, 2).trace(),),
    "tril_1d": lambda L: L.zeros(3).tril(),
    "triu_1d": lambda L: L.zeros(3).triu(),
    "cross_bad": lambda L: L.linalg.cross(L.zeros(2, 4), L.zeros(2, 4)),
    "cross_dim_range": lambda L: L.linalg.cross(L.zeros(2, 3), L.zeros(2, 3), dim=2),
    "cdist_bad": lambda L: L.cdist(L.zeros(2, 3), L.zeros(2, 4)),
    # linear
    "linear_bad": lambda L: _f(L).linear(L.zeros(2, 3), L.zeros(5, 4)),
    "linear_bias_bad": lambda L: _f(L).linear(L.zeros(2, 3), L.zeros(5, 3), L.zeros(4)),
    "linear_ok": lambda L: _f(L).linear(L.zeros(2, 3), L.zeros(5, 3), L.zeros(5)),
    "nn_linear_bad": lambda L: L.nn.Linear(4, 5)(L.zeros(2, 3)),
    "bilinear_bad": lambda L: _f(L).bilinear(L.zeros(2, 3), L.zeros(2, 4), L.zeros(5, 3, 5)),
    # normalization and losses
    "layer_norm_bad": lambda L: _f(L).layer_norm(L.zeros(2, 3), (4,)),
    "batch_norm_bad": lambda L: _f(L).batch_norm(L.zeros(2, 3), L.zeros(4), L.ones(4)),
    "cosine_similarity_bad": lambda L: _f(L).cosine_similarity(L.zeros(2, 3), L.zeros(2, 4)),
    "mse_loss_bad": lambda L: _f(L).mse_loss(L.zeros(2, 3), L.zeros(2, 4)),
    "nn_layer_norm_bad": lambda L: L.nn.LayerNorm(3)(L.zeros(2, 4)),
    "nn_batch_norm_bad": lambda L: L.nn.BatchNorm1d(3)(L.zeros(2, 4)),
    "nn_gru_bad": lambda L: L.nn.GRU(4, 5)(L.zeros(2, 3, 3)),
    "nn_lstm_bad": lambda L: L.nn.LSTM(4, 5)(L.zeros(2, 3, 3)),
    "sdpa_bad": lambda L: _f(L).scaled_dot_product_attention(
        L.zeros(1, 2, 3), L.zeros(1, 4, 5), L.zeros(1, 4, 5)
    ),
    # pooling
    "max_pool2d_small": lambda L: _f(L).max_pool2d(L.zeros(1, 1, 2, 2), 3),
    "avg_pool2d_small": lambda L: _f(L).avg_pool2d(L.zeros(1, 1, 2, 2), 3),
    "max_pool2d_1d": lambda L: _f(L).max_pool2d(L.zeros(4), 2),
    "max_pool1d_4d": lambda L: _f(L).max_pool1d(L.zeros(1, 1, 1, 4), 2),
    # conv2d
    "conv2d_channels": lambda L: _f(L).conv2d(L.zeros(1, 3, 8, 8), L.zeros(4, 2, 3, 3)),
    "conv2d_small": lambda L: _f(L).conv2d(L.zeros(1, 3, 2, 2), L.zeros(4, 3, 3, 3)),
    "conv2d_ndim": lambda L: _f(L).conv2d(L.zeros(8, 8), L.zeros(4, 3, 3, 3)),
    "conv2d_unbatched_ok": lambda L: _f(L).conv2d(L.zeros(3, 8, 8), L.zeros(4, 3, 3, 3)),
    "nn_conv2d_channels": lambda L: L.nn.Conv2d(3, 4, 3)(L.zeros(1, 2, 8, 8)),
    # broadcasting
    "add_broadcast": lambda L: L.zeros(2, 3) + L.zeros(4),
    "mul_broadcast": lambda L: L.zeros(2, 3) * L.zeros(2),
    "sub_broadcast": lambda L: L.sub(L.zeros(2, 3), L.zeros(3, 3)),
    "maximum_broadcast": lambda L: L.maximum(L.zeros(2, 3), L.zeros(4)),
    "add_inplace_grow": lambda L: L.zeros(3).add_(L.zeros(2, 3)),
    "add_broadcast_ok": lambda L: L.zeros(2, 1) + L.zeros(3),
    "clamp_broadcast": lambda L: L.clamp(L.zeros(2, 3), L.zeros(4)),
    "eq_broadcast": lambda L: L.zeros(2, 3) == L.zeros(4),
    "copy_broadcast": lambda L: L.zeros(3).copy_(L.zeros(4)),
    "broadcast_tensors_bad": lambda L: L.broadcast_tensors(L.zeros(2, 3), L.zeros(4)),
    "broadcast_to_bad": lambda L: L.broadcast_to(L.zeros(2, 3), (4, 3)),
    "where_bad": lambda L: L.where(L.zeros(2, 3) > 0, L.zeros(4), L.zeros(2, 3)),
    "where_ok": lambda L: L.where(L.zeros(2, 1) > 0, L.zeros(3), L.zeros(1)),
    # flatten / unflatten
    "flatten_range": lambda L: L.zeros(2, 3).flatten(0, 2),
    "flatten_order": lambda L: L.zeros(2, 3, 4).flatten(2, 1),
    "unflatten_bad": lambda L: L.zeros(2, 6).unflatten(1, (4, 2)),
    "unflatten_two_minus1": lambda L: L.zeros(2, 6).unflatten(1, (-1, -1)),
    "unflatten_dim": lambda L: L.zeros(2, 6).unflatten(2, (2, 3)),
    "unflatten_ok": lambda L: L.zeros(2, 6).unflatten(1, (-1, 3)),
    # more shape functions
    "block_diag_3d": lambda L: L.block_diag(L.zeros(2, 2, 2)),
    "cartesian_prod_2d": lambda L: L.cartesian_prod(L.zeros(2, 2), L.zeros(2)),
    "diag_3d": lambda L: L.diag(L.zeros(2, 2, 2)),
    "diagonal_same_dims": lambda L: L.zeros(2, 3).diagonal(0, 0, 0),
    "meshgrid_2d": lambda L: L.meshgrid(L.zeros(2, 2), L.zeros(3), indexing="ij"),
    "movedim_lengths": lambda L: L.zeros(2, 3).movedim((0, 1), (1,)),
    "mT_1d": lambda L: L.zeros(3).mT,
    "reshape_minus2": lambda L: L.zeros(6).reshape(-2, 3),
    "rot90_1d": lambda L: L.zeros(3).rot90(),
    "t_3d": lambda L: L.zeros(2, 3, 4).t(),
    "tensordot_dim_lists": lambda L: L.tensordot(L.zeros(2, 3), L.zeros(3, 4), ([1], [0, 1])),
    "pixel_shuffle_bad": lambda L: _f(L).pixel_shuffle(L.zeros(1, 3, 2, 2), 2),
    "embedding_1d_weight": lambda L: _f(L).embedding(L.tensor([0]), L.zeros(3)),
    "group_norm_bad": lambda L: _f(L).group_norm(L.zeros(2, 4, 3), 3),
    # repeat / tile / roll / flip
    "repeat_few": lambda L: L.zeros(2, 3).repeat(2),
    "repeat_ok": lambda L: L.zeros(2, 3).repeat(2, 1, 1),
    "repeat_negative": lambda L: L.zeros(2, 3).repeat(2, -1),
    "tile_few_ok": lambda L: L.zeros(2, 3).tile((2,)),
    "tile_negative": lambda L: L.zeros(2, 3).tile((2, -1)),
    "roll_dim": lambda L: L.zeros(2, 3).roll(1, 2),
    "roll_mismatch": lambda L: L.zeros(2, 3).roll((1, 2), (0,)),
    "roll_ok": lambda L: L.zeros(2, 3).roll(1),
    "flip_range": lambda L: L.zeros(2, 3).flip(2),
    "flip_dup": lambda L: L.zeros(2, 3).flip(0, 0),
    "flip_ok": lambda L: L.zeros(2, 3).flip(-1),
    # values out of range (PyTorch's RuntimeError or IndexError; deepgrad's were ValueError)
    "linspace_negative_steps": lambda L: L.linspace(0, 1, -1),
    "logspace_negative_steps": lambda L: L.logspace(0, 1, -1),
    "bincount_2d": lambda L: L.tensor([[1, 2]]).bincount(),
    "bincount_negative": lambda L: L.tensor([1, -2]).bincount(),
    "bincount_minlength": lambda L: L.tensor([1, 2]).bincount(minlength=-1),
    "bincount_weights": lambda L: L.tensor([1, 2]).bincount(weights=L.tensor([1.0])),
    "cross_entropy_label": lambda L: _f(L).cross_entropy(L.ones(2, 3), L.tensor([0, 3])),
    "cross_entropy_negative_label": lambda L: _f(L).cross_entropy(L.ones(2, 3), L.tensor([0, -2])),
    "cross_entropy_smoothed_label": lambda L: _f(L).cross_entropy(
        L.ones(2, 3), L.tensor([0, 3]), label_smoothing=0.1
    ),
    "cross_entropy_spatial_label": lambda L: _f(L).cross_entropy(
        L.ones(2, 3, 4), L.zeros(2, 4, dtype=L.int64) + 5
    ),
    "nll_loss_label": lambda L: _f(L).nll_loss(L.ones(2, 3), L.tensor([0, 3])),
    "nll_loss_one_sample_label": lambda L: _f(L).nll_loss(L.ones(3), L.tensor(4)),
    "multi_margin_label": lambda L: _f(L).multi_margin_loss(L.ones(2, 3), L.tensor([0, 3])),
    "multilabel_margin_label": lambda L: _f(L).multilabel_margin_loss(
        L.ones(2, 3), L.tensor([[0, 3, -1], [0, 1, 2]])
    ),
    "avg_pool1d_zero_kernel": lambda L: _f(L).avg_pool1d(L.ones(1, 1, 4), 0),
    "avg_pool2d_zero_kernel": lambda L: _f(L).avg_pool2d(L.ones(1, 1, 4, 4), 0),
    "avg_pool3d_zero_kernel": lambda L: _f(L).avg_pool3d(L.ones(1, 1, 4, 4, 4), 0),
    "max_pool1d_zero_kernel": lambda L: _f(L).max_pool1d(L.ones(1, 1, 4), 0),
    "max_pool2d_zero_kernel": lambda L: _f(L).max_pool2d(L.ones(1, 1, 4, 4), 0),
    "max_pool3d_zero_kernel": lambda L: _f(L).max_pool3d(L.ones(1, 1, 4, 4, 4), 0),
    "lp_pool2d_zero_stride": lambda L: _f(L).lp_pool2d(L.ones(1, 1, 4, 4), 2, 0),
    "avg_pool2d_zero_divisor": lambda L: _f(L).avg_pool2d(
        L.ones(1, 1, 4, 4), 2, divisor_override=0
    ),
    "avg_pool3d_zero_divisor": lambda L: _f(L).avg_pool3d(
        L.ones(1, 1, 4, 4, 4), 2, divisor_override=0
    ),
    "adaptive_avg_pool2d_negative": lambda L: _f(L).adaptive_avg_pool2d(L.ones(1, 1, 4, 4), -1),
    "interpolate_zero_scale": lambda L: _f(L).interpolate(L.ones(1, 1, 4), scale_factor=0.0),
    "interpolate_negative_scale": lambda L: _f(L).interpolate(L.ones(1, 1, 4), scale_factor=-1.0),
    "interpolate_zero_size": lambda L: _f(L).interpolate(L.ones(1, 1, 4), size=0),
    "grid_sample_grid_size": lambda L: _f(L).grid_sample(
        L.ones(1, 1, 2, 2), L.ones(1, 2, 2, 3), align_corners=False
    ),
    "mha_heads_not_dividing": lambda L: L.nn.MultiheadAttention(10, 3),
    "transformer_layer_heads_not_dividing": lambda L: L.nn.TransformerEncoderLayer(10, 3),
    "grid_sample_grid_dims": lambda L: _f(L).grid_sample(
        L.ones(1, 1, 2, 2), L.ones(1, 2, 2), align_corners=False
    ),
}


#: cases whose message does not begin with PyTorch's words yet (the class is PyTorch's)
WORDS_DIFFER = {
    "expand_fewer", "meshgrid_2d", "movedim_dup", "permute_short",
    "pixel_shuffle_bad", "unflatten_two_minus1", "sdpa_bad", "max_pool2d_small",
    "avg_pool2d_small", "multi_margin_label", "multilabel_margin_label",
    "avg_pool1d_zero_kernel", "avg_pool2d_zero_kernel", "avg_pool3d_zero_kernel",
    "max_pool1d_zero_kernel", "max_pool2d_zero_kernel", "max_pool3d_zero_kernel",
    "lp_pool2d_zero_stride", "avg_pool3d_zero_divisor", "adaptive_avg_pool2d_negative",
    "interpolate_zero_scale", "interpolate_negative_scale", "interpolate_zero_size",
    "grid_sample_grid_size", "grid_sample_grid_dims",
}  # fmt: skip


def _outcome(call, lib):
    """What ``call(lib)`` gives: ``("ok", shapes)`` or ``("raise", exception)``."""
    try:
        out = call(lib)
    except Exception as e:  # noqa: BLE001 - the class is what the test compares
        return "raise", e
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return "ok", [tuple(o.shape) for o in outs]


@pytest.mark.filterwarnings("ignore:Using a target size")  # torch, before it raises
@pytest.mark.parametrize("name", sorted(CASES))
def test_shape_error_class_as_torch(name):
    """torch raises => deepgrad raises an instance of torch's class; torch succeeds =>
    deepgrad succeeds with the same shapes."""
    call = CASES[name]
    t_kind, t_val = _outcome(call, torch)
    d_kind, d_val = _outcome(call, dg)
    if t_kind == "raise":
        assert d_kind == "raise", f"torch raised {t_val!r}; deepgrad returned {d_val}"
        assert isinstance(d_val, type(t_val)), (
            f"torch raised {type(t_val).__name__}({t_val}); "
            f"deepgrad raised {type(d_val).__name__}({d_val})"
        )
        if name not in WORDS_DIFFER:  # PyTorch's words first, deepgrad's hint after
            assert str(d_val).startswith(str(t_val).strip()[:30]), (str(t_val), str(d_val))
    else:
        assert d_kind == "ok", f"torch returned {t_val}; deepgrad raised {d_val!r}"
        assert d_val == t_val
