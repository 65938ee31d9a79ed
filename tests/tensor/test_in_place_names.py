"""PyTorch's in-place forms of operations deepgrad has out of place (``x.acosh_()``,
``x.lt_(0)``, ``x.addmm_(a, b)``, ``torch.exp_(x)``...), their function forms and the
aliases beside them — each against torch: values, dtype, the returned object, writes through
views, the refusals, and the gradient through the write where it is recorded in a graph."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.functional.torch_namespace import IN_PLACE_FUNCTIONS

_RNG = np.random.default_rng(0)
_ANY = _RNG.uniform(-0.9, 0.9, size=(2, 3))  # no ties, no zeros
_UNIT = _RNG.uniform(0.1, 0.9, size=(2, 3))
_BIG = _RNG.uniform(1.2, 2.5, size=(2, 3))
_VEC = _RNG.uniform(-0.9, 0.9, size=(2,))
_BATCHED = _RNG.uniform(-0.9, 0.9, size=(2, 2, 3))
_M1, _M2 = _RNG.normal(size=(2, 4)), _RNG.normal(size=(4, 3))
_B1, _B2 = _RNG.normal(size=(2, 2, 4)), _RNG.normal(size=(2, 4, 3))
_MAT, _V = _RNG.normal(size=(2, 4)), _RNG.normal(size=(4,))
_OTHER = _RNG.uniform(0.2, 0.9, size=(3,))


def _t(m, a):
    return m.tensor(a, dtype=m.float64, requires_grad=True)


#: name -> (self's values, the arguments (built with module m), whether torch differentiates it)
CASES = {
    "acosh_": (_BIG, lambda m: (), True),
    "asinh_": (_ANY, lambda m: (), True),
    "atanh_": (_UNIT, lambda m: (), True),
    "arccos_": (_UNIT, lambda m: (), True),
    "arcsin_": (_UNIT, lambda m: (), True),
    "arctan_": (_ANY, lambda m: (), True),
    "arccosh_": (_BIG, lambda m: (), True),
    "arcsinh_": (_ANY, lambda m: (), True),
    "arctanh_": (_UNIT, lambda m: (), True),
    "arctan2_": (_ANY, lambda m: (_t(m, _OTHER),), True),
    "erfc_": (_ANY, lambda m: (), True),
    "exp2_": (_ANY, lambda m: (), True),
    "sinc_": (_ANY, lambda m: (), True),
    "xlogy_": (_UNIT, lambda m: (_t(m, _OTHER),), True),
    "deg2rad_": (_ANY, lambda m: (), True),
    "rad2deg_": (_ANY, lambda m: (), True),
    "digamma_": (_BIG, lambda m: (), True),
    "lgamma_": (_BIG, lambda m: (), True),
    "polygamma_": (_BIG, lambda m: (1,), True),
    "heaviside_": (_ANY, lambda m: (m.tensor([0.5, 0.25, 0.75], dtype=m.float64),), False),
    "clamp_min_": (_ANY, lambda m: (0.1,), True),
    "clamp_max_": (_ANY, lambda m: (0.2,), True),
    "cumsum_": (_ANY, lambda m: (1,), True),
    "cumprod_": (_ANY, lambda m: (0,), True),
    "tril_": (_ANY, lambda m: (), True),
    "triu_": (_ANY, lambda m: (1,), True),
    "addmm_": (_ANY, lambda m: (_t(m, _M1), _t(m, _M2)), True),
    "addmm_ beta alpha": (
        _ANY,
        lambda m: (_t(m, _M1), _t(m, _M2), {"beta": 0.5, "alpha": 2}),
        True,
    ),
    "addbmm_": (_ANY, lambda m: (_t(m, _B1), _t(m, _B2), {"alpha": 0.5}), True),
    "baddbmm_": (_BATCHED, lambda m: (_t(m, _B1), _t(m, _B2), {"beta": 2}), True),
    "addmv_": (_VEC, lambda m: (_t(m, _MAT), _t(m, _V)), True),
    "conj_physical_": (_ANY, lambda m: (), True),
    "float_power_": (_UNIT, lambda m: (2.5,), True),
    "sigmoid_": (_ANY, lambda m: (), True),
    "exp_": (_ANY, lambda m: (), True),
    "clamp_": (_ANY, lambda m: (-0.2, 0.3), True),
    "nan_to_num_": (_ANY, lambda m: (), True),
    "lt_": (_ANY, lambda m: (0.0,), True),
    "le_": (_ANY, lambda m: (_t(m, _OTHER - 0.5),), True),
    "gt_": (_ANY, lambda m: (0.1,), True),
    "ge_": (_ANY, lambda m: (0.1,), True),
    "eq_": (_ANY, lambda m: (m.tensor(_ANY[0], dtype=m.float64),), True),
    "ne_": (_ANY, lambda m: (m.tensor(_ANY[1], dtype=m.float64),), True),
    "less_": (_ANY, lambda m: (0.0,), True),
    "less_equal_": (_ANY, lambda m: (0.0,), True),
    "greater_": (_ANY, lambda m: (0.0,), True),
    "greater_equal_": (_ANY, lambda m: (0.0,), True),
    "not_equal_": (_ANY, lambda m: (m.tensor(_ANY[1], dtype=m.float64),), True),
}


def _split(args):
    if args and isinstance(args[-1], dict):
        return args[:-1], args[-1]
    return args, {}


def _method(name):
    return name.split()[0]


def _grads(m, args):
    return [a for a in args if isinstance(a, m.Tensor) and a.requires_grad]


@pytest.mark.parametrize("name", sorted(CASES))
def test_in_place_method_matches_torch_values_dtype_and_identity(torch, name):
    data, make, _ = CASES[name]
    got, want = [], []
    for m, out in ((dg, got), (torch, want)):
        x = m.tensor(data, dtype=m.float64)
        args, kwargs = _split(make(m))
        with m.no_grad():
            r = getattr(x, _method(name))(*args, **kwargs)
        assert r is x
        out.append((x.detach().numpy().copy(), str(x.dtype).split(".")[-1], tuple(x.shape)))
    rtol = 1e-8 if name == "polygamma_" else 1e-12  # (deepgrad's polygamma: to ~5e-10)
    np.testing.assert_allclose(got[0][0], want[0][0], rtol=rtol, atol=1e-15)
    assert got[0][1:] == want[0][1:]


#: torch 2.13 raises "the derivative for 'inplace version of acosh' is not implemented" for
#: these; deepgrad differentiates them (checked numerically below)
TORCH_UNDIFFERENTIATED = {"acosh_", "arccosh_", "asinh_", "arcsinh_", "atanh_", "arctanh_"}


@pytest.mark.parametrize(
    "name", sorted(n for n in CASES if CASES[n][2] and n not in TORCH_UNDIFFERENTIATED)
)
def test_gradient_flows_through_the_recorded_write_as_in_torch(torch, name):
    data, make, _ = CASES[name]

    def run(m):
        a = _t(m, data)
        args, kwargs = _split(make(m))
        y = a * 1.0  # a graph node: the write is recorded
        r = getattr(y, _method(name))(*args, **kwargs)
        assert r is y and y.requires_grad
        w = m.tensor(np.arange(1.0, 1.0 + y.numel()).reshape(tuple(y.shape)), dtype=m.float64)
        (y * w).sum().backward()
        return [y, a.grad, *(s.grad for s in _grads(m, args))]

    for g, w in zip(run(dg), run(torch), strict=True):
        assert g is not None and w is not None
        np.testing.assert_allclose(g.detach().numpy(), w.detach().numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    "name", sorted(TORCH_UNDIFFERENTIATED | {"erfc_", "xlogy_", "addmm_", "cumsum_", "sinc_"})
)
def test_recorded_write_differentiates_numerically(name):
    data, make, _ = CASES[name]

    def f(a):
        args, kwargs = _split(make(dg))
        y = a * 1.0
        getattr(y, _method(name))(*[x.detach() if isinstance(x, dg.Tensor) else x for x in args],
                                  **kwargs)  # fmt: skip
        return (y * y).sum()

    assert dg.gradcheck(f, (_t(dg, data),))


@pytest.mark.parametrize("name", ["acosh_", "lt_", "addmm_", "cumsum_", "fill_diagonal_"])
def test_a_leaf_that_requires_grad_refuses_as_torch(torch, name):
    args = {"fill_diagonal_": lambda m: (1.0,)}.get(name, CASES.get(name, (0, lambda m: ()))[1])
    for m in (dg, torch):
        x = _t(m, _BIG)
        a, kw = _split(args(m))
        with pytest.raises(RuntimeError, match="leaf"):
            getattr(x, name)(*a, **kw)
    x = _t(dg, _BIG)
    with dg.no_grad():  # a hand-written update is fine
        assert x.acosh_() is x


def test_a_comparison_writes_zero_and_one_in_the_tensors_dtype(torch):
    for m in (dg, torch):
        f = m.tensor([1.0, -2.0, 3.0])
        assert f.lt_(2).tolist() == [1.0, 1.0, 0.0] and f.dtype == m.float32
        i = m.tensor([1, 5, 3])
        assert i.greater_equal_(3).tolist() == [0, 1, 1] and i.dtype == m.int64
        b = m.tensor([True, False])
        assert b.not_equal_(m.tensor([True, True])).tolist() == [False, True]


def test_an_integer_tensor_refuses_a_float_result_as_torch(torch):
    for m in (dg, torch):
        for fn in (lambda x: x.exp2_(), lambda x: x.acosh_(), lambda x: x.xlogy_(2.0),
                   lambda x, m=m: x.cumsum_(0, dtype=m.float64)):  # fmt: skip
            x = m.tensor([1, 2, 3])
            with pytest.raises(RuntimeError, match="can't be cast|Bad in-place call"):
                fn(x)
            assert x.tolist() == [1, 2, 3]
        x = m.tensor([[1, 2], [3, 4]])
        assert x.tril_() is x and x.tolist() == [[1, 0], [3, 4]]  # integers stay integers


def test_cumulative_in_place_takes_only_the_tensors_own_dtype(torch):
    for m in (dg, torch):
        with pytest.raises(RuntimeError, match="Bad in-place call"):
            m.ones(3).cumsum_(0, dtype=m.float64)
        x = m.ones(3)
        assert x.cumprod_(0, dtype=m.float32) is x and x.cumsum_(0).tolist() == [1.0, 2.0, 3.0]


def test_float_power_writes_only_into_float64_as_torch(torch):
    for m in (dg, torch):
        with pytest.raises(RuntimeError, match="float_power_"):
            m.tensor([1.0, 2.0]).float_power_(2)
        with pytest.raises(RuntimeError, match="float_power_"):
            m.tensor([1, 2]).float_power_(2)
        x = m.tensor([1.0, 2.0], dtype=m.float64)
        assert x.float_power_(m.tensor([2, 3])) is x and x.tolist() == [1.0, 8.0]


def test_a_write_through_a_view_reaches_the_base(torch):
    for m in (dg, torch):
        base = m.tensor([[0.5, 0.25], [2.0, 4.0]])
        base[1].log2_()
        base[:, 0].clamp_max_(1.0)
        base.t().tril_()  # (the transpose's upper triangle is base's lower)
        assert base.tolist() == [[0.5, 0.25], [0.0, 2.0]]


@pytest.mark.parametrize("name", sorted(n for n in IN_PLACE_FUNCTIONS if n.endswith("_")))
def test_every_top_level_in_place_form_is_the_method(torch, name):
    args = {
        "clamp_": (0.1, 0.5), "clip_": (None, 0.5), "clamp_min_": (0.3,), "clamp_max_": (0.3,),
        "fill_": (2.0,), "xlogy_": (3.0,), "as_strided_": ((2, 2), (1, 2), 1),
        "addmv_": "mv", "index_put_": "put", "resize_as_": "template",
    }.get(name, ())  # fmt: skip
    data = _BIG if name.startswith(("acosh", "arccosh")) else _UNIT
    got = []
    for m in (dg, torch):
        x = m.tensor(data[0] if name == "addmv_" else data, dtype=m.float64)
        if args == "mv":
            a = (m.tensor(_M2.T.copy(), dtype=m.float64), m.tensor(_V, dtype=m.float64))
        elif args == "put":
            a = ((m.tensor([0, 1]), m.tensor([2, 0])), m.tensor([7.0, 8.0], dtype=m.float64))
        elif args == "template":
            a = (m.ones(3, 1),)
        else:
            a = args
        r = getattr(m, name)(x, *a)
        assert r is x
        got.append(x.detach().numpy().copy())
    np.testing.assert_allclose(got[0], got[1], rtol=1e-12)


@pytest.mark.parametrize("name", ["greater", "greater_equal", "less", "less_equal", "not_equal"])
def test_comparison_aliases_match_torch(torch, name):
    for fn in (lambda m, x, y: getattr(m, name)(x, y), lambda m, x, y: getattr(x, name)(y)):
        got, want = (
            fn(m, m.tensor(_ANY), m.tensor(_ANY[::-1].copy())).numpy() for m in (dg, torch)
        )
        np.testing.assert_array_equal(got, want)
        assert got.dtype == want.dtype == np.bool_


def test_top_level_out_of_place_forms_match_torch(torch):
    for m in (dg, torch):
        x = m.arange(6.0).reshape(2, 3)
        assert m.swapdims(x, 0, 1).shape == (3, 2)
        assert m.detach(x * 2).requires_grad is False
        assert m.conj_physical(x).tolist() == x.tolist()
        for fn in (m.split_with_sizes, m.unsafe_split_with_sizes):
            assert [p.tolist() for p in fn(x, [1, 2], 1)] == [[[0.0], [3.0]], [[1, 2], [4, 5]]]
        assert [p.shape[1] for p in m.unsafe_split(x, 2, 1)] == [2, 1]
        assert [p.shape[1] for p in x.unsafe_chunk(2, dim=1)] == [2, 1]
        assert [p.shape[1] for p in m.unsafe_chunk(x, 3, 1)] == [1, 1, 1]
        assert [p.shape[1] for p in x.split_with_sizes([2, 1], dim=1)] == [2, 1]
    with pytest.raises(TypeError, match="split_sizes"):
        dg.ones(3).split_with_sizes(1)


def test_fill_is_a_new_tensor_with_torchs_gradients(torch):
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        v = m.tensor(3.0, requires_grad=True)
        y = m.fill(x * 2, v)
        (y * m.tensor([1.0, 4.0])).sum().backward()
        return y.tolist(), x.grad.tolist(), v.grad.item(), m.fill(m.tensor([1, 2]), 2.7).tolist()

    assert run(dg) == run(torch)
    for m in (dg, torch):
        with pytest.raises(RuntimeError, match="0-dimension"):
            m.ones(2).fill_(m.ones(2))


@pytest.mark.parametrize(
    "shape, wrap", [((3, 3), False), ((7, 3), True), ((7, 3), False), ((2, 4), True),
                    ((3, 3, 3), False), ((5, 2), True)],
)  # fmt: skip
def test_fill_diagonal_matches_torch(torch, shape, wrap):
    got, want = (m.zeros(*shape).fill_diagonal_(5, wrap=wrap).numpy() for m in (dg, torch))
    np.testing.assert_array_equal(got, want)
    i = dg.zeros(3, 3, dtype=dg.int64)
    assert (
        i.fill_diagonal_(2.7).tolist()
        == torch.zeros(3, 3, dtype=torch.int64).fill_diagonal_(2.7).tolist()
    )


def test_fill_diagonal_refuses_as_torch(torch):
    for m in (dg, torch):
        with pytest.raises(RuntimeError, match="dimensions must larger than 1"):
            m.ones(3).fill_diagonal_(1)
        with pytest.raises(RuntimeError, match="equal length"):
            m.ones(3, 3, 2).fill_diagonal_(1)


def test_fill_diagonal_of_a_graph_tensor_is_recorded(torch):
    def run(m):
        a = m.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = a * 3
        y.fill_diagonal_(0.5)
        (y * y).sum().backward()
        return y.tolist(), a.grad.tolist()

    assert run(dg) == run(torch)


def test_resize_and_as_strided_in_place_match_torch(torch):
    def run(m):
        x = m.arange(6.0)
        out = [x.resize_(2).tolist(), x.resize_(2, 3).tolist()]
        y = m.arange(6.0)[2:]
        out += [y.resize_(2).tolist(), y.resize_(4).tolist()]
        z = m.arange(6.0).reshape(2, 3)
        assert z.resize_as_(m.ones(3, 2)) is z
        out.append(z.tolist())
        w = m.arange(6.0)
        assert w.as_strided_((2, 2), (1, 2), 1) is w
        out.append((w.tolist(), tuple(w.shape), w.stride()))
        return out

    assert run(dg) == run(torch)
    grown = dg.arange(3.0).resize_(2, 3)
    assert grown.shape == (2, 3) and grown[0].tolist() == [0.0, 1.0, 2.0]  # torch: garbage
    for m in (dg, torch):
        with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
            m.ones(2, requires_grad=True).resize_(3)


def test_dropout_in_place_forms(torch):
    for name in ("dropout_", "alpha_dropout_", "feature_dropout_", "feature_alpha_dropout_"):
        for m in (dg, torch):
            x = m.ones(4, 3, 2)
            assert getattr(m, name)(x, 0.5, False) is x and bool((x == 1).all())
            assert getattr(m, name)(x, 0.0, True) is x and bool((x == 1).all())
    for name in ("dropout_", "feature_dropout_"):
        for m in (dg, torch):
            x = m.ones(6, 5, 4)
            assert getattr(m, name)(x, 1.0, True) is x and x.abs().sum().item() == 0
    x = dg.ones(8, 6, 5)
    assert dg.dropout_(x, 0.5, True) is x and set(np.unique(x.numpy())) <= {0.0, 2.0}
    x = dg.ones(8, 6, 5)
    dg.feature_dropout_(x, 0.5, True)  # whole channels x[n, c]
    assert (x.numpy() == x.numpy()[:, :, :1]).all() and set(np.unique(x.numpy())) == {0.0, 2.0}
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        dg.feature_dropout_(dg.ones(3), 0.5, True)
    a = dg.ones(4, 3, requires_grad=True)
    y = a * 1.0
    dg.dropout_(y, 0.5, True)  # recorded: the gradient is the mask / (1 - p)
    y.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), y.detach().numpy())
    with pytest.raises(RuntimeError, match="leaf"):
        dg.dropout_(dg.ones(2, requires_grad=True), 0.5, True)


def test_embedding_renorm_matches_torch(torch):
    w = _RNG.normal(size=(5, 3)) * 2
    got, want = w.copy(), w.copy()
    dw, tw = dg.tensor(got), torch.tensor(want)
    for m, t in ((dg, dw), (torch, tw)):
        assert m.embedding_renorm_(t, m.tensor([0, 2, 2, 4]), 1.5, 1.0) is t
    np.testing.assert_allclose(dw.numpy(), tw.numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError, match="2-D"):
        dg.embedding_renorm_(dg.ones(3), dg.tensor([0]), 1.0, 2.0)
