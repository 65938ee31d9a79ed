"""Shape operations and views against PyTorch 2.13 where NumPy's semantics differ:
``squeeze(dim)`` of a dim whose size is not 1 (PyTorch leaves it), ``cat``/``stack`` of
mixed dtypes (PyTorch's promotion: int64 with float32 is float32) and of the legacy empty
``tensor([])``, uneven ``chunk``/``split``/``tensor_split``, ``expand``/``repeat``/
``repeat_interleave``, ``flatten``/``unflatten``, ``movedim``; and which results are views
(``x[0].fill_(1)`` and ``x.diagonal().fill_(1)`` write into ``x``; ``contiguous()``
of a transpose and advanced indexing copy) and what in-place methods return."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

A = np.arange(24, dtype=np.float32).reshape(2, 3, 4)


def _same(call):
    """``call(torch)`` and ``call(dg)`` give the same shapes, dtypes and values."""
    t, d = call(torch), call(dg)
    ts, ds = (t, d) if isinstance(t, (tuple, list)) else ((t,), (d,))
    assert len(ds) == len(ts)
    for u, v in zip(ds, ts, strict=True):
        if not isinstance(v, torch.Tensor):
            assert u == v
            continue
        assert u.shape == tuple(v.shape)
        assert str(u.dtype) == str(v.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(u.numpy(), v.numpy())


CASES = {
    # squeeze of a dim that is not 1 leaves it
    "squeeze_non1": lambda L: L.tensor(A).squeeze(1),
    "squeeze_tuple_mixed": lambda L: L.zeros(2, 1, 3).squeeze((0, 1)),
    "squeeze_neg_non1": lambda L: L.zeros(4, 2).squeeze(-1),
    "squeeze_neg": lambda L: L.zeros(1, 2, 1).squeeze(-1),
    # cat / stack promote as PyTorch does
    "cat_int_float": lambda L: L.cat([L.tensor([1, 2]), L.tensor([1.5, 2.5])]),
    "cat_int32_int64": lambda L: L.cat([L.tensor([1], dtype=L.int32), L.tensor([2])]),
    "cat_bool_int8": lambda L: L.cat([L.tensor([True]), L.tensor([1], dtype=L.int8)]),
    "cat_f16_f32": lambda L: L.cat([L.tensor([1.0], dtype=L.float16), L.tensor([2.0])]),
    "stack_int_float": lambda L: L.stack([L.tensor([1, 2]), L.tensor([1.5, 2.5])]),
    "stack_0d": lambda L: L.stack([L.tensor(1), L.tensor(2.5)]),
    "hstack_mixed": lambda L: L.hstack([L.ones(2, dtype=L.int64), L.zeros(3)]),
    # the legacy empty tensor joins anything
    "cat_legacy_empty": lambda L: L.cat([L.tensor([]), L.ones(2, 3)]),
    "cat_legacy_empty_dim1": lambda L: L.cat([L.ones(2, 3), L.tensor([])], dim=1),
    "cat_legacy_empty_int": lambda L: L.cat([L.tensor([]), L.tensor([[1, 2]])]),
    "cat_two_legacy_empty": lambda L: L.cat([L.zeros(0), L.zeros(0)]),
    # uneven splits
    "chunk_5_3": lambda L: L.arange(5).chunk(3),
    "chunk_6_4": lambda L: L.arange(6).chunk(4),
    "chunk_13_6": lambda L: L.arange(13).chunk(6),
    "chunk_more_than_size": lambda L: L.arange(2).chunk(4),
    "split_int": lambda L: L.arange(5).split(2),
    "split_sizes": lambda L: L.tensor(A).split([1, 3], dim=2),
    "tensor_split_sections": lambda L: L.arange(7).tensor_split(3),
    "tensor_split_indices": lambda L: L.arange(7).tensor_split([5, 1, 9]),
    "tensor_split_tensor": lambda L: L.arange(7).tensor_split(L.tensor([1, 5])),
    "unbind": lambda L: L.tensor(A).unbind(1),
    # expand, repeat, repeat_interleave
    "expand_neg1": lambda L: L.tensor([[1], [2]]).expand(-1, 3),
    "expand_new_dims": lambda L: L.tensor([[1], [2]]).expand(4, 2, 3),
    "repeat_more_dims": lambda L: L.tensor([1, 2]).repeat(2, 1, 2),
    "repeat_zero": lambda L: L.tensor([[1, 2]]).repeat(0, 1),
    "repeat_interleave_flat": lambda L: L.tensor([[1, 2], [3, 4]]).repeat_interleave(2),
    "repeat_interleave_tensor": lambda L: L.tensor([[1, 2], [3, 4]]).repeat_interleave(
        L.tensor([1, 2]), dim=1
    ),
    "repeat_interleave_counts": lambda L: L.repeat_interleave(L.tensor([2, 0, 1])),
    # flatten, unflatten, transposes
    "flatten_0d": lambda L: L.tensor(5.0).flatten(),
    "flatten_range": lambda L: L.tensor(A).flatten(-2, -1),
    "unflatten_neg": lambda L: L.tensor(A).unflatten(-1, (2, -1)),
    "reshape_transposed": lambda L: L.tensor(A).transpose(0, 1).reshape(-1),
    "movedim_multi": lambda L: L.tensor(A).movedim((0, 1), (2, 0)),
    "permute_neg": lambda L: L.tensor(A).permute((2, 0, -2)),
    "t_1d": lambda L: L.tensor([1, 2]).t(),
    "mT": lambda L: L.tensor(A).mT,
    "unsqueeze_neg": lambda L: L.tensor(A).unsqueeze(-4),
    "narrow_neg_start": lambda L: L.tensor(A).narrow(-1, -2, 2),
    "diagonal_dims": lambda L: L.tensor(A).diagonal(1, -1, 0),
    "stride_transposed": lambda L: L.tensor(A).transpose(0, 2).stride(),
    "contiguous_flag": lambda L: [
        L.tensor(A).transpose(0, 1).is_contiguous(),
        L.tensor(A).transpose(0, 1).contiguous().is_contiguous(),
    ],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_shape_ops_match_torch(name):
    _same(CASES[name])


def test_cat_with_the_legacy_empty_tensor_passes_gradients():
    x = dg.ones(2, 3, requires_grad=True)
    (dg.cat([dg.tensor([]), x]) * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 2.0, np.float32))
    y = dg.tensor([1, 2])  # promoted to float32: the float input gets its gradient
    z = dg.tensor([0.5], requires_grad=True)
    dg.cat([y, z]).sum().backward()
    assert dg.cat([y, z]).dtype == dg.float32 and z.grad.tolist() == [1.0]


def _writes(L, write):
    x = L.zeros(3, 4)
    r = write(x)
    return x, r if isinstance(r, bool) else None  # ``is self`` answers are compared


ALIASING = {
    "row_fill": lambda x: x[0].fill_(1),
    "slice_add": lambda x: x[:, 1:3].add_(1),
    "step_slice": lambda x: x[:, ::2].mul_(0).add_(3),
    "t_setitem": lambda x: x.t().__setitem__((2, 1), 5.0),
    "view_setitem": lambda x: x.view(6, 2).__setitem__((0, 1), 5.0),
    "reshape_setitem": lambda x: x.reshape(12).__setitem__(3, 5.0),
    "flatten_setitem": lambda x: x.flatten().__setitem__(4, 5.0),
    "select_fill": lambda x: x.select(1, 2).fill_(4),
    "narrow_fill": lambda x: x.narrow(1, 1, 2).fill_(4),
    "unbind_fill": lambda x: x.unbind(0)[1].fill_(1),
    "split_fill": lambda x: x.split(1)[2].fill_(1),
    "chunk_fill": lambda x: x.chunk(2, 1)[1].fill_(1),
    "squeeze_setitem": lambda x: x[None].squeeze(0).__setitem__((1, 1), 2.0),
    "permute_setitem": lambda x: x.permute(1, 0).__setitem__((2, 1), 1.0),
    "diagonal_fill": lambda x: x.diagonal().fill_(1),
    "diagonal_offset_add": lambda x: x.diagonal(1).add_(2),
    "diagonal_negative_offset": lambda x: x.diagonal(-1).fill_(7),
    "detach_setitem": lambda x: x.detach().__setitem__(0, 1.0),
    # copies: x keeps its zeros
    "contiguous_of_t": lambda x: x.t().contiguous().__setitem__((0, 1), 5.0),
    "clone_setitem": lambda x: x.clone().__setitem__(0, 1.0),
    "advanced_index_add": lambda x: x[[1, 2]].add_(1),
    "mask_add": lambda x: x[x == 0].add_(1),
    # what in-place methods return
    "add_returns_self": lambda x: x.add_(1) is x,
    "chain_returns_self": lambda x: x.add_(1).mul_(2).sub_(1).div_(2) is x,
    "zero_returns_self": lambda x: x.zero_() is x,
    "clamp_returns_self": lambda x: x.add_(2).clamp_(0, 1) is x,
    "copy_returns_self": lambda x: x.copy_(torch_or_dg(x).arange(4.0)) is x,
    "contiguous_is_self": lambda x: x.contiguous() is x,
}


def torch_or_dg(x):
    return torch if isinstance(x, torch.Tensor) else dg


@pytest.mark.parametrize("name", sorted(ALIASING))
def test_views_and_in_place_returns_match_torch(name):
    (t, rt), (d, rd) = _writes(torch, ALIASING[name]), _writes(dg, ALIASING[name])
    np.testing.assert_array_equal(d.numpy(), t.numpy())
    assert rd == rt


def test_diagonal_view_keeps_its_gradient():
    x = dg.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    t = torch.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    w = np.array([2.0, 3.0])
    (x.diagonal(1)[:2] * dg.tensor(w)).sum().backward()
    (t.diagonal(1)[:2] * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
    assert dg.gradcheck(lambda u: u.diagonal(-1, 0, 1), x)
