"""PyTorch's utility methods of Tensor: sampling, legacy constructors, memory queries, hooks
after accumulation, resize_, apply_/map_, compared with torch where it has them."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg


def _torch():
    return pytest.importorskip("torch")


# ---- multinomial -----------------------------------------------------------------------------
def test_multinomial_method_and_function_draw_the_same_seeded_stream():
    w = dg.tensor([[0.1, 0.5, 0.4], [0.3, 0.3, 0.4]])
    dg.manual_seed(3)
    a = w.multinomial(2)
    dg.manual_seed(3)
    b = dg.multinomial(w, 2)
    assert a.tolist() == b.tolist() and a.dtype == np.int64 and a.shape == (2, 2)
    g = dg.Generator().manual_seed(5)
    c = w.multinomial(4, replacement=True, generator=g)
    d = w.multinomial(4, replacement=True, generator=dg.Generator().manual_seed(5))
    assert c.tolist() == d.tolist()


def test_multinomial_without_replacement_draws_distinct_categories():
    dg.manual_seed(0)
    out = dg.ones(50, 6).multinomial(6)
    assert all(sorted(r) == list(range(6)) for r in out.tolist())


def test_multinomial_frequencies_follow_the_weights():
    dg.manual_seed(1)
    draws = dg.tensor([1.0, 3.0]).multinomial(20000, replacement=True).numpy()
    assert abs(draws.mean() - 0.75) < 0.02


@pytest.mark.parametrize(
    ("weights", "k", "replacement"),
    [
        ([1.0, -1.0], 1, False),
        ([0.0, 0.0], 1, False),
        ([1.0, 1.0], 3, False),
        ([1.0, float("nan")], 1, False),
        ([1.0, float("inf")], 1, True),
        ([1.0, 1.0], 0, True),
        ([[1.0, 1.0], [0.0, 0.0]], 1, True),
        ([[[1.0]]], 1, True),
    ],
)
def test_multinomial_errors_are_torchs(weights, k, replacement):
    torch = _torch()
    with pytest.raises(RuntimeError) as expected:
        torch.multinomial(torch.tensor(weights), k, replacement)
    with pytest.raises(RuntimeError) as got:
        dg.multinomial(dg.tensor(weights), k, replacement)
    assert str(expected.value).split(" (")[0] in str(got.value)
    with pytest.raises(ValueError):  # deepgrad's earlier class too
        dg.tensor(weights).multinomial(k, replacement)


def test_multinomial_integer_weights_refused_and_empty_batch_allowed():
    torch = _torch()
    with pytest.raises(RuntimeError, match="floating-point"):
        dg.multinomial(dg.tensor([1, 1]), 1)
    with pytest.raises(RuntimeError):
        torch.multinomial(torch.tensor([1, 1]), 1)
    assert dg.multinomial(dg.ones(0, 3), 2).shape == tuple(
        torch.multinomial(torch.ones(0, 3), 2).shape
    )


def test_multinomial_fewer_nonzero_than_samples_gives_zero_weight_categories_last():
    out = dg.tensor([1.0, 0.0, 0.0]).multinomial(2).tolist()
    assert out[0] == 0 and out[1] in (1, 2)


# ---- new, new_empty_strided, empty_strided -------------------------------------------------
def test_new_follows_torchs_legacy_forms():
    torch = _torch()
    x, tx = dg.ones(2, 3), torch.ones(2, 3)
    assert x.new().shape == tuple(tx.new().shape) == (0,)
    assert x.new(2, 3).shape == (2, 3) and x.new(2, 3).dtype == np.float32
    assert x.new(dg.Size([4])).shape == (4,)
    assert x.new((2, 3)).tolist() == tx.new((2, 3)).tolist() == [2.0, 3.0]
    li = dg.ones(2, dtype=dg.int64)
    assert li.new([1.5, 2]).tolist() == torch.ones(2, dtype=torch.int64).new([1.5, 2]).tolist()
    shared = x.new(x)
    assert shared.data_ptr() == x.data_ptr() and shared is not x
    with pytest.raises(TypeError):
        tx.new(torch.tensor([1, 2]))
    with pytest.raises(TypeError, match="dtype"):
        x.new(dg.tensor([1, 2]))


def test_empty_strided_and_new_empty_strided_have_the_asked_strides():
    torch = _torch()
    for size, stride in [((2, 3), (1, 2)), ((2, 3), (0, 1)), ((3,), (2,)), ((0, 2), (2, 1))]:
        a = dg.empty_strided(size, stride)
        t = torch.empty_strided(size, stride)
        assert a.shape == tuple(t.shape) and a.stride() == t.stride()
    y = dg.ones(2, dtype=dg.float64).new_empty_strided((2, 2), (1, 2))
    assert y.dtype == np.float64 and y.stride() == (1, 2)
    with pytest.raises(RuntimeError, match="dimensionality"):
        dg.empty_strided((2,), (1, 1))
    with pytest.raises(RuntimeError, match="overflowed"):
        dg.empty_strided((2, 3), (-1, 1))


# ---- memory and device queries -----------------------------------------------------------------
def test_data_ptr_of_views_differs_by_offset_times_itemsize():
    torch = _torch()
    x, tx = dg.ones(2, 3), torch.ones(2, 3)
    assert x.data_ptr() - x[1].data_ptr() == tx.data_ptr() - tx[1].data_ptr() == -12
    assert x.view(3, 2).data_ptr() == x.data_ptr() == x.const_data_ptr()
    assert x.t()[1].data_ptr() - x.data_ptr() == tx.t()[1].data_ptr() - tx.data_ptr() == 4
    assert x.clone().data_ptr() != x.data_ptr()


@pytest.mark.numpy_only("asserts that no GPU is in use")
def test_device_and_kind_queries_match_torch():
    torch = _torch()
    for dt, tdt in [(dg.float32, torch.float32), (dg.int64, torch.int64), (dg.uint8, torch.uint8),
                    (dg.bool_, torch.bool), (dg.complex64, torch.complex64)]:  # fmt: skip
        x, tx = dg.ones(2, dtype=dt), torch.ones(2, dtype=tdt)
        assert x.is_signed() == tx.is_signed() == dg.is_signed(x)
    x, tx = dg.ones(2, 3), torch.ones(2, 3)
    assert x.is_cpu is tx.is_cpu is True
    assert x.get_device() == tx.get_device() == dg.get_device(x) == -1
    assert x.is_inference() is tx.is_inference() is False
    assert x.output_nr == tx.output_nr == 0
    assert x.is_shared() is tx.is_shared() is False and x.share_memory_() is x
    assert x.is_pinned() is tx.is_pinned() is False
    assert x.is_same_size(dg.zeros(2, 3)) and not dg.is_same_size(x, x.t())
    assert x.grad_dtype == np.float32 and dg.ones(2, dtype=dg.int64).grad_dtype == np.int64
    assert dg.is_distributed(x) is False


def test_output_nr_names_the_output_of_a_multi_output_op():
    torch = _torch()
    a, b = dg.ones(4, requires_grad=True).split(2)
    ta, tb = torch.ones(4, requires_grad=True).split(2)
    assert (a.output_nr, b.output_nr) == (ta.output_nr, tb.output_nr)


@pytest.mark.numpy_only("asserts that no GPU is in use")
def test_pin_memory_raises_as_torch_without_an_accelerator():
    torch = _torch()
    with pytest.raises(RuntimeError) as expected:
        torch.ones(2).pin_memory()
    with pytest.raises(RuntimeError) as got:
        dg.ones(2).pin_memory()
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("values", [[1.0], [0.0], [[2]], [1.0, 2.0], []])
def test_is_nonzero_matches_torch(values):
    torch = _torch()
    try:
        expected = torch.is_nonzero(torch.tensor(values))
    except RuntimeError as e:
        with pytest.raises(RuntimeError, match=str(e)):
            dg.tensor(values).is_nonzero()
        return
    assert dg.tensor(values).is_nonzero() is expected is dg.is_nonzero(dg.tensor(values))


def test_dim_order_matches_torch():
    torch = _torch()
    x, tx = dg.ones(2, 3, 5, 7), torch.ones(2, 3, 5, 7)
    assert x.dim_order() == tx.dim_order()
    assert x.transpose(1, 2).dim_order() == tx.transpose(1, 2).dim_order()
    cl = x.contiguous(memory_format=dg.channels_last)
    assert cl.dim_order() == tx.contiguous(memory_format=torch.channels_last).dim_order()
    with pytest.raises(RuntimeError, match="unique dim order"):
        dg.ones(1, 2, 3, 4).dim_order(ambiguity_check=True)
    cases = [((2, 1, 3), None), ((2, 3), "t"), ((4, 1), "t"), ((2, 2, 2), (2, 0, 1)),
             ((2, 3, 1, 1), "cl"), ((1, 2, 3, 4), None)]  # fmt: skip
    for shape, how in cases:
        d, t = dg.zeros(shape), torch.zeros(shape)
        if how == "t":
            d, t = d.t(), t.t()
        elif how == "cl":
            d = d.contiguous(memory_format=dg.channels_last)
            t = t.contiguous(memory_format=torch.channels_last)
        elif how is not None:
            d, t = d.permute(*how), t.permute(*how)
        checks = [(False, False), (True, True),
                  ([dg.contiguous_format, dg.channels_last],
                   [torch.contiguous_format, torch.channels_last])]  # fmt: skip
        for dcheck, tcheck in checks:
            try:
                expected = t.dim_order(ambiguity_check=tcheck)
            except RuntimeError:
                with pytest.raises(RuntimeError):
                    d.dim_order(ambiguity_check=dcheck)
                continue
            assert d.dim_order(ambiguity_check=dcheck) == expected, (shape, how, tcheck)
    with pytest.raises(TypeError):
        x.dim_order(ambiguity_check="ILLEGAL")


def test_is_set_to():
    x = dg.ones(2, 3)
    assert x.is_set_to(x) and x.is_set_to(x.view(2, 3))
    assert not x.is_set_to(x.view(3, 2)) and not x.is_set_to(x.clone())


def test_refused_dtypes_and_streams_name_what_exists():
    with pytest.raises(TypeError, match="float16, float32 and float64"):
        dg.ones(2).bfloat16()
    with pytest.raises(TypeError, match="complex32"):
        dg.ones(2).chalf()
    assert dg.ones(2).cfloat().dtype == np.complex64 and dg.ones(2).cdouble().dtype == np.complex128
    with pytest.raises(RuntimeError, match="stream"):
        dg.ones(2).record_stream(None)


def test_module_load_is_torchs_default():
    x = dg.ones(2)
    out = x.module_load(dg.zeros(2))
    assert out is not x and x.tolist() == [0.0, 0.0] and out.tolist() == [0.0, 0.0]
    src = dg.full((2,), 3.0, requires_grad=True)
    out = dg.ones(2).module_load(src, assign=True)
    assert out.tolist() == [3.0, 3.0] and not out.requires_grad


def test_triangular_solve_method_returns_solution_and_coefficient_copy():
    torch = _torch()
    b = np.arange(6.0).reshape(3, 2)
    a = np.triu(np.arange(1.0, 10.0).reshape(3, 3))
    with pytest.warns(UserWarning):
        x, c = dg.tensor(b).triangular_solve(dg.tensor(a))
    tx, tc = torch.tensor(b).triangular_solve(torch.tensor(a))
    np.testing.assert_allclose(x.numpy(), tx.numpy(), rtol=1e-12)
    np.testing.assert_array_equal(c.numpy(), tc.numpy())


# ---- post-accumulate-grad hooks -------------------------------------------------------------
def test_post_accumulate_grad_hook_sees_the_accumulated_grad():
    torch = _torch()
    seen, tseen = [], []
    v = dg.tensor([0.0, 0.0, 0.0], requires_grad=True)
    tv = torch.tensor([0.0, 0.0, 0.0], requires_grad=True)
    h = v.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.tolist()))
    th = tv.register_post_accumulate_grad_hook(lambda p: tseen.append(p.grad.tolist()))
    for _ in range(2):
        ((v * 2).sum() + (v * 3).sum()).backward()
        ((tv * 2).sum() + (tv * 3).sum()).backward()
    assert seen == tseen == [[5.0] * 3, [10.0] * 3]
    h.remove()
    th.remove()
    (v * 2).sum().backward()
    assert len(seen) == 2


def test_post_accumulate_grad_hook_steps_an_optimizer_in_backward():
    v = dg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    lr = 0.01

    def step(p):
        with dg.no_grad():
            p.add_(p.grad, alpha=-lr)
        p.grad = None

    v.register_post_accumulate_grad_hook(step)
    v.backward(dg.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(v.detach().numpy(), [0.99, 1.98, 2.97], rtol=1e-6)
    assert v.grad is None


def test_post_accumulate_grad_hook_runs_for_backward_with_inputs():
    torch = _torch()
    got = []
    for m in (dg, torch):
        v, w = m.ones(2, requires_grad=True), m.ones(2, requires_grad=True)
        calls = []
        v.register_post_accumulate_grad_hook(lambda p, calls=calls: calls.append(p.grad.tolist()))
        (v * w * 3).sum().backward(inputs=[v])
        (v * 2).sum().backward()
        got.append(calls)
    assert got[0] == got[1] == [[3.0, 3.0], [5.0, 5.0]]


def test_post_accumulate_grad_hook_refusals_and_grad_does_not_call_it():
    with pytest.raises(RuntimeError, match="non-leaf"):
        (dg.ones(2, requires_grad=True) * 2).register_post_accumulate_grad_hook(print)
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        dg.ones(2).register_post_accumulate_grad_hook(print)
    calls = []
    v = dg.ones(2, requires_grad=True)
    v.register_post_accumulate_grad_hook(calls.append)
    dg.grad((v * 2).sum(), v)
    assert calls == [] and v.grad is None


# ---- resize_, apply_, map_, map2_ ------------------------------------------------------------
@pytest.mark.parametrize("sizes", [(6,), (2, 3), (4,), (3, 4), (1,)])
def test_resize_keeps_the_memory_order_prefix(sizes):
    torch = _torch()
    for make in (lambda m: m.arange(6.0).reshape(2, 3), lambda m: m.arange(6.0).reshape(2, 3).t()):
        x, tx = make(dg), make(torch)
        x.resize_(*sizes)
        tx.resize_(*sizes)
        n = min(6, int(np.prod(sizes)))
        assert x.shape == tuple(tx.shape)
        assert x.reshape(-1)[:n].tolist() == tx.reshape(-1)[:n].tolist()
        assert (x.reshape(-1)[n:] == 0).all()


def test_resize_refusals_and_resize_as():
    with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
        dg.ones(2, requires_grad=True).resize_(3)
    # a view with gaps takes its storage's values from its offset, as PyTorch's
    assert dg.arange(12.0).reshape(3, 4)[:, ::2].resize_(6).tolist() == [0, 1, 2, 3, 4, 5]
    x = dg.ones(2).resize_as_(dg.ones(3, 1))
    assert x.shape == (3, 1) and x.reshape(-1).tolist() == [1.0, 1.0, 0.0]
    y = dg.arange(6.0)
    v = y.view(2, 3)
    y.resize_(2, 2)  # shrinking keeps the memory: the view sees writes
    y.fill_(7.0)
    assert v.reshape(-1)[:4].tolist() == [7.0] * 4


def test_apply_map_map2_match_torch():
    torch = _torch()
    x, tx = dg.arange(4.0), torch.arange(4.0)
    assert x.apply_(lambda v: v * v + 1).tolist() == tx.apply_(lambda v: v * v + 1).tolist()
    assert (
        x.map_(dg.tensor([2.0]), lambda a, b: a - b).tolist()
        == tx.map_(torch.tensor([2.0]), lambda a, b: a - b).tolist()
    )
    out = x.map2_(dg.ones(4), dg.full((4,), 3.0), lambda a, b, c: a * b + c).tolist()
    tout = tx.map2_(torch.ones(4), torch.full((4,), 3.0), lambda a, b, c: a * b + c).tolist()
    assert out == tout
    i = dg.tensor([1, 2]).apply_(lambda v: v * 3.7)
    assert (
        i.dtype == np.int64
        and i.tolist() == torch.tensor([1, 2]).apply_(lambda v: v * 3.7).tolist()
    )
    with pytest.raises(RuntimeError, match="requires grad"):
        dg.ones(2, requires_grad=True).apply_(lambda v: v)


def test_as_subclass_shares_memory_and_graph():
    class Mine(dg.Tensor):
        pass

    x = dg.ones(3, requires_grad=True)
    y = x * 2
    m = y.as_subclass(Mine)
    assert type(m) is Mine and m.data_ptr() == y.data_ptr()
    m.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]
    with pytest.raises(TypeError, match="inherit from Tensor"):
        x.as_subclass(int)


def test_deprecated_resize_and_resize_as_match_torch():
    torch = _torch()
    x = dg.arange(6.0, requires_grad=True)
    tx = torch.arange(6.0, requires_grad=True)
    with pytest.warns(UserWarning, match="non-inplace resize is deprecated"):
        y = x.resize(2, 3)
    with pytest.warns(UserWarning):
        ty = tx.resize(2, 3)
    assert y.tolist() == ty.tolist()
    (y * dg.arange(6.0).reshape(2, 3)).sum().backward()
    (ty * torch.arange(6.0).reshape(2, 3)).sum().backward()
    assert x.grad.tolist() == tx.grad.tolist()
    with pytest.warns(UserWarning, match="resize_as is deprecated"):
        assert x.resize_as(dg.ones(3, 2)).shape == (3, 2)
    with pytest.warns(UserWarning), pytest.raises(RuntimeError) as expected:
        tx.resize(4)
    with pytest.warns(UserWarning), pytest.raises(RuntimeError) as got:
        x.resize(4)
    assert str(got.value) == str(expected.value)
