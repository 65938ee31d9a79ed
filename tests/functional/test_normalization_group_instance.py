"""Group norm, instance norm (with and without running statistics), normalize,
cosine_similarity and pairwise_distance: values and gradients against PyTorch in float64 and
float32, float64 gradient checks of the functions and of the layers' parameters, PyTorch's
defaults and state-dict keys, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deepgrad as dg
import deepgrad.functional as F
from deepgrad import nn

FAST = settings(max_examples=10, deadline=None)


def _tol(dtype):
    return {"rtol": 1e-10, "atol": 1e-12} if dtype == np.float64 else {"rtol": 2e-4, "atol": 2e-5}


def _compare(torch, rng, fn, tfn, arrays, dtype, grads=True):
    """Run ``fn`` on deepgrad tensors and ``tfn`` on torch tensors made from ``arrays`` (None
    entries passed through), compare the outputs and the gradients of a random projection."""
    ds = [None if a is None else dg.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    ts = [None if a is None else torch.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    y, ty = fn(*ds), tfn(*ts)
    assert y.shape == tuple(ty.shape) and y.dtype == dtype
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), **_tol(dtype))
    if not grads:
        return
    g = rng.standard_normal(y.shape).astype(dtype)
    y.backward(dg.tensor(g))
    ty.backward(torch.tensor(g))
    for d, t in zip(ds, ts):
        if d is not None:
            np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy(), **_tol(dtype))


# ---- group norm ---------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "shape,groups",
    [
        ((2, 6), 3),
        ((2, 6, 5), 1),
        ((2, 6, 5), 2),
        ((3, 4, 3, 2), 4),
        ((1, 4, 3), 2),
        ((2, 3, 1), 1),
    ],
)
@pytest.mark.parametrize("affine", [False, True])
def test_group_norm_matches_torch(torch, rng, shape, groups, affine, dtype):
    c = shape[1]
    x = rng.standard_normal(shape) * 3 + 1
    w = rng.standard_normal(c) if affine else None
    b = rng.standard_normal(c) if affine else None
    _compare(
        torch,
        rng,
        lambda x, w, b: F.group_norm(x, groups, w, b, eps=1e-4),
        lambda x, w, b: torch.nn.functional.group_norm(x, groups, w, b, eps=1e-4),
        [x, w, b],
        dtype,
    )


@FAST
@given(seed=st.integers(0, 2**16), groups=st.sampled_from([1, 2, 4]), rest=st.integers(0, 2))
def test_group_norm_gradcheck(seed, groups, rest):
    rng = np.random.default_rng(seed)
    shape = (2, 4) + (3,) * rest
    x = dg.tensor(rng.standard_normal(shape), requires_grad=True)
    w = dg.tensor(rng.standard_normal(4), requires_grad=True)
    b = dg.tensor(rng.standard_normal(4), requires_grad=True)
    assert dg.gradcheck(lambda x, w, b: F.group_norm(x, groups, w, b), x, w, b)


def test_group_norm_double_backward_matches_torch(torch, rng):
    a = rng.standard_normal((2, 4, 3))
    x, t = dg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    v = rng.standard_normal((2, 4, 3))
    (g,) = dg.grad((F.group_norm(x, 2) * dg.tensor(v)).sum(), x, create_graph=True)
    tf = torch.nn.functional.group_norm(t, 2)
    (tg,) = torch.autograd.grad((tf * torch.tensor(v)).sum(), t, create_graph=True)
    (g * g).sum().backward()
    (tg * tg).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-8, atol=1e-10)


def test_group_norm_module_matches_torch_and_gradchecks_parameters(torch, rng):
    dg.set_default_dtype("float64")
    m = nn.GroupNorm(2, 6)
    tm = torch.nn.GroupNorm(2, 6).double()
    assert list(m.state_dict()) == list(tm.state_dict())
    sd = {"weight": rng.standard_normal(6), "bias": rng.standard_normal(6)}
    m.load_state_dict(sd)
    tm.load_state_dict({k: torch.tensor(v) for k, v in sd.items()})
    a = rng.standard_normal((3, 6, 4))
    x, t = dg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = m(x), tm(t)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    for name, p in m.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), getattr(tm, name).grad.numpy(), rtol=1e-9)
    assert dg.gradcheck(lambda w, b: F.group_norm(dg.tensor(a), 2, w, b), m.weight, m.bias)
    assert repr(m) == repr(tm)
    m.eval()  # the same statistics in eval mode
    np.testing.assert_allclose(m(x).numpy(), y.numpy())


def test_group_norm_module_options(torch):
    assert nn.GroupNorm(3, 6, affine=False).weight is None
    m = nn.GroupNorm(3, 6, bias=False)
    assert m.bias is None and list(m.state_dict()) == ["weight"]
    assert list(m.state_dict()) == list(torch.nn.GroupNorm(3, 6, bias=False).state_dict())
    assert repr(m) == "GroupNorm(3, 6, eps=1e-05, affine=True, bias=False)"
    assert m(dg.randn(2, 6, 2)).shape == (2, 6, 2)
    assert dg.io.get_class("GroupNorm") is nn.GroupNorm


def test_group_norm_errors():
    x = dg.randn(2, 6, 3)
    with pytest.raises(
        ValueError, match=r"divisible by num_groups, got input of shape \(2, 6, 3\)"
    ):
        F.group_norm(x, 4)
    with pytest.raises(
        ValueError, match=r"num_channels \(6\) must be divisible by num_groups \(4\)"
    ):
        nn.GroupNorm(4, 6)
    with pytest.raises(ValueError, match=r"at least 2 dims, got shape \(6,\)"):
        F.group_norm(dg.randn(6), 3)
    with pytest.raises(ValueError, match=r"weight must have shape \(6,\) .* got \(5,\)"):
        F.group_norm(x, 3, weight=dg.ones(5))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.group_norm(dg.randn(1, 3), 3)
    with pytest.raises(ValueError, match="num_groups must be a positive int, got 0"):
        F.group_norm(x, 0)
    with pytest.raises(ValueError, match="num_groups must be a positive int, got 0"):
        nn.GroupNorm(0, 6)
    with pytest.raises(ValueError, match=r"GroupNorm\(3, 6\): expected input \(N, 6, \*\)"):
        nn.GroupNorm(3, 6)(dg.randn(2, 9, 3))
    with pytest.raises(TypeError, match="floating tensor"):
        F.group_norm(dg.tensor(np.ones((2, 2, 2), dtype=np.int64)), 1)


# ---- instance norm ------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(2, 3, 5), (3, 2, 4, 3), (1, 1, 2)])
@pytest.mark.parametrize("affine", [False, True])
def test_instance_norm_matches_torch(torch, rng, shape, affine, dtype):
    c = shape[1]
    x = rng.standard_normal(shape) * 2 - 1
    w = rng.standard_normal(c) if affine else None
    b = rng.standard_normal(c) if affine else None
    _compare(
        torch,
        rng,
        lambda x, w, b: F.instance_norm(x, weight=w, bias=b, eps=1e-3),
        lambda x, w, b: torch.nn.functional.instance_norm(x, weight=w, bias=b, eps=1e-3),
        [x, w, b],
        dtype,
    )


@pytest.mark.parametrize("use_input_stats", [True, False])
def test_instance_norm_running_stats_match_torch(torch, rng, use_input_stats):
    a = rng.standard_normal((4, 3, 6)) * 2 + 0.5
    rm, rv = rng.standard_normal(3), rng.random(3) + 0.5
    drm, drv = dg.tensor(rm.copy()), dg.tensor(rv.copy())
    trm, trv = torch.tensor(rm.copy()), torch.tensor(rv.copy())
    w, b = rng.standard_normal(3), rng.standard_normal(3)
    x, t = dg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y = F.instance_norm(x, drm, drv, dg.tensor(w), dg.tensor(b), use_input_stats, 0.3, 1e-5)
    ty = torch.nn.functional.instance_norm(
        t, trm, trv, torch.tensor(w), torch.tensor(b), use_input_stats, 0.3, 1e-5
    )
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(drm.numpy(), trm.numpy(), rtol=1e-12)
    np.testing.assert_allclose(drv.numpy(), trv.numpy(), rtol=1e-12)
    g = rng.standard_normal(a.shape)
    y.backward(dg.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_instance_norm_gradcheck(rng):
    x = dg.tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
    w = dg.tensor(rng.standard_normal(3), requires_grad=True)
    b = dg.tensor(rng.standard_normal(3), requires_grad=True)
    assert dg.gradcheck(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), x, w, b)
    rm, rv = dg.tensor(rng.standard_normal(3)), dg.tensor(rng.random(3) + 0.5)
    assert dg.gradcheck(
        lambda x, w, b: F.instance_norm(x, rm, rv, w, b, use_input_stats=False), x, w, b
    )


@pytest.mark.parametrize(
    "cls,shape", [("InstanceNorm1d", (3, 4, 5)), ("InstanceNorm2d", (2, 4, 3, 3))]
)
@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"affine": True},
        {"track_running_stats": True},
        {"affine": True, "track_running_stats": True, "momentum": 0.2},
        {"track_running_stats": True, "momentum": None},
        {"affine": True, "bias": False},
    ],
)
def test_instance_norm_modules_match_torch(torch, rng, cls, shape, kw):
    """Train steps then eval steps, batched and unbatched: outputs, parameter gradients,
    running statistics and state-dict keys as PyTorch's."""
    dg.set_default_dtype("float64")
    m = getattr(nn, cls)(4, **kw)
    tm = getattr(torch.nn, cls)(4, **kw).double()
    assert list(m.state_dict()) == list(tm.state_dict())
    if m.weight is not None:
        w = rng.standard_normal(4)
        m.weight.data[...] = w
        with torch.no_grad():
            tm.weight.copy_(torch.tensor(w))
    for training in (True, True, False):
        m.train(training)
        tm.train(training)
        for unbatched in (False, True):
            a = rng.standard_normal(shape[1:] if unbatched else shape) * 2 + 1
            x, t = dg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
            y, ty = m(x), tm(t)
            np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-9, atol=1e-11)
            v = rng.standard_normal(a.shape)
            (y * y * dg.tensor(v)).sum().backward()
            (ty * ty * torch.tensor(v)).sum().backward()
            np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-8, atol=1e-10)
    for name, p in m.named_parameters():
        np.testing.assert_allclose(
            p.grad.numpy(), getattr(tm, name).grad.numpy(), rtol=1e-8, atol=1e-10
        )
    for name, buf in tm.named_buffers():
        np.testing.assert_allclose(m.state_dict()[name], buf.numpy(), rtol=1e-10)


def test_instance_norm_module_defaults_and_parameter_gradcheck(torch, rng):
    m = nn.InstanceNorm2d(3)
    assert m.weight is None and m.running_mean is None and list(m.state_dict()) == []
    assert repr(m) == (
        "InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, "
        "track_running_stats=False)"
    )
    dg.set_default_dtype("float64")
    m = nn.InstanceNorm1d(3, affine=True)
    m.weight.data[...] = rng.standard_normal(3)
    a = dg.tensor(rng.standard_normal((2, 3, 4)))
    assert dg.gradcheck(lambda w, b: F.instance_norm(a, weight=w, bias=b), m.weight, m.bias)
    assert dg.gradcheck(lambda x: m(x), dg.tensor(a.numpy(), requires_grad=True))
    for name in ("InstanceNorm1d", "InstanceNorm2d"):
        assert dg.io.get_class(name) is getattr(nn, name)


def test_instance_norm_errors():
    with pytest.raises(
        ValueError, match=r"expected input of shape \(N, C, L\) or \(C, L\), got 4-D"
    ):
        nn.InstanceNorm1d(3)(dg.randn(2, 3, 4, 5))
    with pytest.raises(
        ValueError, match=r"InstanceNorm2d\(3\): expected input of shape .* got 2-D"
    ):
        nn.InstanceNorm2d(3)(dg.randn(3, 4))
    with pytest.raises(ValueError, match=r"more than 1 spatial element .* shape \(2, 3, 1\)"):
        nn.InstanceNorm1d(3)(dg.randn(2, 3, 1))
    with pytest.raises(ValueError, match=r"expected 3 channels \(axis 1\), got input of shape"):
        nn.InstanceNorm1d(3, affine=True)(dg.randn(2, 4, 5))
    with pytest.raises(ValueError, match=r"expected 3 channels \(axis 0\)"):
        nn.InstanceNorm1d(3, track_running_stats=True)(dg.randn(4, 5))
    with pytest.warns(UserWarning, match="num_features is not used"):
        assert nn.InstanceNorm1d(3)(dg.randn(2, 4, 5)).shape == (2, 4, 5)
    with pytest.raises(ValueError, match=r"running_mean must have shape \(3,\)"):
        F.instance_norm(dg.randn(2, 3, 4), dg.zeros(4), dg.ones(4))
    with pytest.raises(ValueError, match="needed when use_input_stats=False"):
        F.instance_norm(dg.randn(2, 3, 4), use_input_stats=False)
    with pytest.raises(ValueError, match="num_features must be an int >= 0"):
        nn.InstanceNorm1d(-1)


def test_batch_norm_bias_false_matches_torch(torch, rng):
    m = nn.BatchNorm1d(3, bias=False)
    tm = torch.nn.BatchNorm1d(3, bias=False)
    assert m.bias is None and list(m.state_dict()) == list(tm.state_dict())
    a = rng.standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(
        m(dg.tensor(a)).numpy(), tm(torch.tensor(a)).detach().numpy(), atol=1e-5
    )


# ---- normalize, cosine similarity, pairwise distance --------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "shape,p,dim",
    [((4, 3), 2.0, 1), ((4, 3), 1.0, 0), ((2, 3, 4), 3.0, -1), ((5,), 2.0, 0), ((3, 4), np.inf, 1)],
)
def test_normalize_matches_torch(torch, rng, shape, p, dim, dtype):
    a = rng.standard_normal(shape)
    a.reshape(-1)[:2] = [0.0, 1e-14]  # zeros and tiny values take the eps branch
    _compare(
        torch,
        rng,
        lambda x: F.normalize(x, p, dim),
        lambda x: torch.nn.functional.normalize(x, p, dim),
        [a],
        dtype,
    )


def test_normalize_zero_row_and_gradcheck(torch, rng):
    a = np.zeros((2, 3))
    a[1] = rng.standard_normal(3)
    _compare(torch, rng, F.normalize, torch.nn.functional.normalize, [a], np.float64)
    x = dg.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    assert dg.gradcheck(lambda x: F.normalize(x, 2.0, 1), x)
    assert dg.gradcheck(lambda x: F.normalize(x, 3.0, 0, eps=1e-6), x)
    with pytest.raises(ValueError, match="normalize: dim 1 is out of range for a tensor with 1"):
        F.normalize(dg.randn(3))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "s1,s2,dim",
    [((4, 3), (4, 3), 1), ((4, 3), (3,), -1), ((2, 1), (2, 3), 1), ((2, 3, 4), (2, 3, 4), 0)],
)
def test_cosine_similarity_matches_torch(torch, rng, s1, s2, dim, dtype):
    a, b = rng.standard_normal(s1), rng.standard_normal(s2)
    _compare(
        torch,
        rng,
        lambda x, y: F.cosine_similarity(x, y, dim),
        lambda x, y: torch.nn.functional.cosine_similarity(x, y, dim),
        [a, b],
        dtype,
    )


def test_cosine_similarity_eps_clamp_gradient_matches_torch(torch, rng):
    a = rng.standard_normal((3, 4)) * 1e-10  # norms below eps: clamped, gradient passes
    a[0] = 0.0
    b = rng.standard_normal((3, 4))
    _compare(
        torch,
        rng,
        lambda x, y: F.cosine_similarity(x, y, 1, 1e-8),
        lambda x, y: torch.nn.functional.cosine_similarity(x, y, 1, 1e-8),
        [a, b],
        np.float64,
    )
    x = dg.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    y = dg.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    assert dg.gradcheck(F.cosine_similarity, x, y)
    with pytest.raises(ValueError, match=r"shapes \(2, 3\) and \(4,\) do not broadcast"):
        F.cosine_similarity(dg.randn(2, 3), dg.randn(4), dim=-1)
    with pytest.raises(
        ValueError, match=r"dim 2 is out of range for inputs of shape \(2, 3\) with 2 dims"
    ):
        F.cosine_similarity(dg.randn(2, 3), dg.randn(2, 3), dim=2)


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("s1,s2", [((4, 3), (4, 3)), ((4, 3), (3,)), ((5,), (5,))])
def test_pairwise_distance_matches_torch(torch, rng, p, keepdim, s1, s2):
    a, b = rng.standard_normal(s1), rng.standard_normal(s2)
    _compare(
        torch,
        rng,
        lambda x, y: F.pairwise_distance(x, y, p, keepdim=keepdim),
        lambda x, y: torch.nn.functional.pairwise_distance(x, y, p, keepdim=keepdim),
        [a, b],
        np.float64,
    )
    x = dg.tensor(a, requires_grad=True)
    y = dg.tensor(b, requires_grad=True)
    assert dg.gradcheck(lambda x, y: F.pairwise_distance(x, y, p), x, y)
