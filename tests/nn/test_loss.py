"""The PyTorch losses added after the first set (smooth L1, multi-margin, hinge embedding,
margin ranking, cosine embedding, soft margin, multi-label soft margin, Poisson NLL, Gaussian
NLL, triplet margin): values and gradients equal to PyTorch's in float64/float32 for every
reduction, at the hinges too; float64 gradient checks; the modules and the name registry;
clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deepgrad as dg
from deepgrad import nn
from deepgrad.functional import loss as L

FAST = settings(max_examples=8, deadline=None)
REDUCTIONS = ["mean", "sum", "none"]


def _tol(dtype):
    return {"rtol": 1e-10, "atol": 1e-12} if dtype == np.float64 else {"rtol": 1e-5, "atol": 1e-6}


def _as(torch, v, dtype, grad):
    """``v`` as a (deepgrad, torch) pair: float arrays in ``dtype`` (differentiable when
    ``grad``), integer arrays as they are, other values unchanged."""
    if isinstance(v, np.ndarray):
        if v.dtype.kind == "f":
            v = v.astype(dtype)
        return dg.tensor(v, requires_grad=grad and v.dtype.kind == "f"), torch.tensor(
            v, requires_grad=grad and v.dtype.kind == "f"
        )
    return v, v


def _both(torch, fn, tfn, inputs, consts=(), dtype=np.float64, *, tol=None, **kw):
    """Compare ``fn(*inputs, *consts, **kw)`` with PyTorch's, and the gradients of a random
    projection with respect to the ``inputs``."""
    tol = tol or _tol(dtype)
    pairs = [_as(torch, v, dtype, True) for v in inputs]
    cpairs = [_as(torch, v, dtype, False) for v in consts]
    kpairs = {k: _as(torch, v, dtype, False) for k, v in kw.items()}
    d_args = [p[0] for p in pairs + cpairs]
    t_args = [p[1] for p in pairs + cpairs]
    out = fn(*d_args, **{k: p[0] for k, p in kpairs.items()})
    tout = tfn(*t_args, **{k: p[1] for k, p in kpairs.items()})
    assert out.shape == tuple(tout.shape)
    assert out.dtype == dtype
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), **tol)
    g = np.random.default_rng(1).standard_normal(out.shape).astype(dtype)
    out.backward(dg.tensor(g))
    tout.backward(torch.tensor(g))
    for (d, t), v in zip(pairs, inputs):
        if isinstance(v, np.ndarray) and v.dtype.kind == "f":
            np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy(), **tol)


@pytest.fixture
def TF(torch):
    return torch.nn.functional


# ---- smooth L1 ----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("beta", [1.0, 0.5, 2.0, 0.0])
def test_smooth_l1_matches_torch(torch, TF, rng, beta, reduction, dtype):
    x = rng.standard_normal((4, 5)) * 2
    y = rng.standard_normal((4, 5))
    y.reshape(-1)[:4] = x.reshape(-1)[:4] + np.array([beta, -beta, 0.0, beta / 2])  # the kinks
    _both(
        torch, L.smooth_l1_loss, TF.smooth_l1_loss, [x], [y], dtype, reduction=reduction, beta=beta
    )


@FAST
@given(seed=st.integers(0, 2**16), beta=st.sampled_from([0.5, 1.0, 3.0]))
def test_smooth_l1_gradcheck(seed, beta):
    rng = np.random.default_rng(seed)
    x = dg.tensor(rng.standard_normal((3, 4)) * 2, requires_grad=True)
    y = x.numpy() + rng.choice([-1, 1], (3, 4)) * (beta + rng.choice([-0.3, 0.3], (3, 4)))
    assert dg.gradcheck(lambda x: L.smooth_l1_loss(x, y, beta=beta), x)


# ---- multi-margin -------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("weighted", [False, True])
def test_multi_margin_matches_torch(torch, TF, rng, p, weighted, reduction, dtype):
    x = rng.standard_normal((6, 4))
    t = rng.integers(0, 4, 6)
    x[0] = [1.0, 0.0, 2.0, 0.0]  # label 0: class 1 and 3 sit exactly at the margin
    t[0] = 0
    w = rng.random(4) + 0.5 if weighted else None
    _both(
        torch,
        L.multi_margin_loss,
        TF.multi_margin_loss,
        [x],
        [t],
        dtype,
        p=p,
        margin=1.0,
        weight=w,
        reduction=reduction,
    )


@pytest.mark.parametrize("target", [np.array(2), np.array([2])])
@pytest.mark.parametrize("margin", [0.5, 0.0, -1.0])
def test_multi_margin_one_sample_and_margins_match_torch(torch, TF, rng, target, margin):
    x = rng.standard_normal(5)
    for reduction in REDUCTIONS:
        _both(
            torch,
            L.multi_margin_loss,
            TF.multi_margin_loss,
            [x],
            [target],
            margin=margin,
            reduction=reduction,
        )


def test_multi_margin_all_at_the_hinge_has_zero_gradient(torch, TF):
    _both(
        torch,
        L.multi_margin_loss,
        TF.multi_margin_loss,
        [np.zeros((3, 4))],
        [np.array([0, 1, 2])],
        margin=0.0,
    )


@FAST
@given(seed=st.integers(0, 2**16), p=st.sampled_from([1, 2]), weighted=st.booleans())
def test_multi_margin_gradcheck(seed, p, weighted):
    rng = np.random.default_rng(seed)
    x = dg.tensor(rng.standard_normal((5, 4)), requires_grad=True)
    t = rng.integers(0, 4, 5)
    w = dg.tensor(rng.random(4) + 0.5) if weighted else None
    assert dg.gradcheck(lambda x: L.multi_margin_loss(x, t, p=p, margin=0.7, weight=w), x)


# ---- hinge embedding, margin ranking, soft margin -----------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 0.5])
def test_hinge_embedding_matches_torch(torch, TF, rng, margin, reduction, dtype):
    x = rng.random((3, 4)) * 2
    x.reshape(-1)[:2] = margin  # at the hinge
    y = rng.choice([-1.0, 1.0], (3, 4))
    y.reshape(-1)[:2] = -1.0
    y.reshape(-1)[2] = 0.0  # neither label: both terms, as PyTorch
    _both(
        torch,
        L.hinge_embedding_loss,
        TF.hinge_embedding_loss,
        [x],
        [y],
        dtype,
        margin=margin,
        reduction=reduction,
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.3])
def test_margin_ranking_matches_torch(torch, TF, rng, margin, reduction, dtype):
    x1, x2 = rng.standard_normal(7), rng.standard_normal(7)
    y = rng.choice([-1.0, 1.0], 7)
    x2[0], y[0] = x1[0] + margin, -1.0  # at the hinge
    _both(
        torch,
        L.margin_ranking_loss,
        TF.margin_ranking_loss,
        [x1, x2],
        [y],
        dtype,
        margin=margin,
        reduction=reduction,
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_soft_margin_matches_torch(torch, TF, rng, reduction, dtype):
    x = rng.standard_normal((3, 5)) * 3
    y = rng.choice([-1.0, 1.0], (3, 5))
    _both(torch, L.soft_margin_loss, TF.soft_margin_loss, [x], [y], dtype, reduction=reduction)


def test_soft_margin_is_stable_at_extremes():
    x = dg.tensor([-1000.0, 1000.0, -1000.0, 1000.0], requires_grad=True)
    y = np.array([1.0, 1.0, -1.0, -1.0])
    with np.errstate(over="raise", invalid="raise"):
        out = L.soft_margin_loss(x, y, reduction="none")
        out.sum().backward()
    np.testing.assert_allclose(out.numpy(), [1000.0, 0.0, 0.0, 1000.0])
    np.testing.assert_allclose(x.grad.numpy(), [-1.0, 0.0, 0.0, 1.0])


@pytest.mark.parametrize("name", ["hinge", "ranking", "soft"])
@FAST
@given(seed=st.integers(0, 2**16))
def test_margin_losses_gradcheck(name, seed):
    rng = np.random.default_rng(seed)
    a = dg.tensor(rng.standard_normal((2, 3)) * 2, requires_grad=True)
    b = dg.tensor(rng.standard_normal((2, 3)) * 2, requires_grad=True)
    y = rng.choice([-1.0, 1.0], (2, 3))
    if name == "hinge":
        a = dg.tensor(np.where(np.abs(1 - a.numpy()) < 1e-3, 0.5, a.numpy()), requires_grad=True)
        assert dg.gradcheck(lambda x: L.hinge_embedding_loss(x, y), a)
    elif name == "ranking":
        assert dg.gradcheck(lambda p, q: L.margin_ranking_loss(p, q, y, margin=0.1), a, b)
    else:
        assert dg.gradcheck(lambda x: L.soft_margin_loss(x, y), a)


# ---- cosine embedding ---------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.4, -0.2])
def test_cosine_embedding_matches_torch(torch, TF, rng, margin, reduction, dtype):
    x1, x2 = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    y = rng.choice([-1.0, 1.0], 5)
    y[1] = 0.0  # neither: no loss
    x1[2] = 0.0  # a zero vector: the 1e-12 keeps it finite (gradients ~1e5, ill-conditioned)
    loose = {"rtol": 1e-7, "atol": 1e-9} if dtype == np.float64 else {"rtol": 1e-4, "atol": 1e-4}
    _both(
        torch,
        L.cosine_embedding_loss,
        TF.cosine_embedding_loss,
        [x1, x2],
        [y],
        dtype,
        tol=loose,
        margin=margin,
        reduction=reduction,
    )


def test_cosine_embedding_one_pair_and_gradcheck(torch, TF, rng):
    a, b = rng.standard_normal(4), rng.standard_normal(4)
    for y in (np.array(1.0), np.array(-1.0)):
        _both(
            torch,
            L.cosine_embedding_loss,
            TF.cosine_embedding_loss,
            [a, b],
            [y],
            margin=-0.5,
            reduction="none",
        )
    x1 = dg.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    x2 = dg.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    y = np.array([1.0, -1.0, 1.0, -1.0])
    assert dg.gradcheck(lambda p, q: L.cosine_embedding_loss(p, q, y, margin=-0.9), x1, x2)


# ---- multi-label soft margin --------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(4, 3), (3,), (2, 3, 4)])
@pytest.mark.parametrize("weighted", [False, True])
def test_multilabel_soft_margin_matches_torch(torch, TF, rng, shape, weighted, reduction, dtype):
    x = rng.standard_normal(shape) * 3
    y = rng.integers(0, 2, shape).astype(np.float64)
    w = rng.random(shape[-1]) + 0.5 if weighted else None
    _both(
        torch,
        L.multilabel_soft_margin_loss,
        TF.multilabel_soft_margin_loss,
        [x],
        [y],
        dtype,
        weight=w,
        reduction=reduction,
    )


def test_multilabel_soft_margin_gradcheck_and_extremes(rng):
    x = dg.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    y = rng.integers(0, 2, (3, 4))
    w = rng.random(4)
    assert dg.gradcheck(lambda x: L.multilabel_soft_margin_loss(x, y, weight=w), x)
    big = dg.tensor([[1000.0, -1000.0]], requires_grad=True)
    out = L.multilabel_soft_margin_loss(big, np.array([[0.0, 1.0]]))
    out.backward()
    np.testing.assert_allclose(out.numpy(), 1000.0)
    np.testing.assert_allclose(big.grad.numpy(), [[0.5, -0.5]])


# ---- Poisson and Gaussian NLL -------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
def test_poisson_nll_matches_torch(torch, TF, rng, log_input, full, reduction, dtype):
    x = rng.standard_normal((3, 4)) if log_input else rng.random((3, 4)) * 3 + 0.1
    y = rng.poisson(2.0, (3, 4)).astype(np.float64)
    y[0, :3] = [0.0, 1.0, 2.0]  # the Stirling term starts above 1
    _both(
        torch,
        L.poisson_nll_loss,
        TF.poisson_nll_loss,
        [x],
        [y],
        dtype,
        log_input=log_input,
        full=full,
        eps=1e-6,
        reduction=reduction,
    )


@pytest.mark.parametrize("var_shape", [(4, 3), (4,), (4, 1), (1, 3), "float"], ids=str)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
def test_gaussian_nll_matches_torch(torch, TF, rng, var_shape, full, reduction, dtype):
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    if var_shape == "float":
        _both(
            torch,
            L.gaussian_nll_loss,
            TF.gaussian_nll_loss,
            [x],
            [y, 0.7],
            dtype,
            full=full,
            reduction=reduction,
        )
        return
    v = rng.random(var_shape) + 0.1
    v.reshape(-1)[0] = 1e-9  # below eps: clamped, the gradient still reaches var
    _both(  # var is the third argument: input, var differentiable; target constant
        torch,
        lambda x, v, y, **kw: L.gaussian_nll_loss(x, y, v, **kw),
        lambda x, v, y, **kw: TF.gaussian_nll_loss(x, y, v, **kw),
        [x, v],
        [y],
        dtype,
        full=full,
        reduction=reduction,
    )


def test_gaussian_nll_argument_order_and_gradcheck(torch, TF, rng):
    x = dg.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    v = dg.tensor(rng.random((3, 2)) + 0.5, requires_grad=True)
    y = rng.standard_normal((3, 2))
    assert dg.gradcheck(lambda x, v: L.gaussian_nll_loss(x, y, v, full=True), x, v)
    vr = dg.tensor(rng.random(3) + 0.5, requires_grad=True)
    assert dg.gradcheck(lambda x, v: L.gaussian_nll_loss(x, y, v), x, vr)


@FAST
@given(seed=st.integers(0, 2**16), log_input=st.booleans(), full=st.booleans())
def test_poisson_nll_gradcheck(seed, log_input, full):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((3, 3)) if log_input else rng.random((3, 3)) + 0.5
    y = rng.poisson(3.0, (3, 3))
    x = dg.tensor(a, requires_grad=True)
    assert dg.gradcheck(lambda x: L.poisson_nll_loss(x, y, log_input, full), x)


# ---- triplet margin -----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_margin_matches_torch(torch, TF, rng, p, swap, reduction, dtype):
    a, pos, neg = (rng.standard_normal((5, 4)) for _ in range(3))
    pos[0] = a[0]  # coinciding points: eps keeps the distance (and gradient) defined
    _both(
        torch,
        L.triplet_margin_loss,
        TF.triplet_margin_loss,
        [a, pos, neg],
        [],
        dtype,
        margin=2.0,
        p=p,
        swap=swap,
        reduction=reduction,
    )


def test_triplet_margin_one_triplet_and_gradcheck(torch, TF, rng):
    a, pos, neg = (rng.standard_normal(4) for _ in range(3))
    _both(
        torch,
        L.triplet_margin_loss,
        TF.triplet_margin_loss,
        [a, pos, neg],
        [],
        margin=5.0,
        reduction="none",
    )
    ts = [dg.tensor(rng.standard_normal((3, 4)), requires_grad=True) for _ in range(3)]
    assert dg.gradcheck(lambda a, p, n: L.triplet_margin_loss(a, p, n, margin=5.0), *ts)
    assert dg.gradcheck(
        lambda a, p, n: L.triplet_margin_loss(a, p, n, margin=5.0, p=1, swap=True), *ts
    )


# ---- modules and the registry -------------------------------------------------------------
def _module_cases(rng):
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    pm = rng.choice([-1.0, 1.0], (4, 3))
    labels = rng.integers(0, 3, 4)
    return [
        ("SmoothL1Loss", {"beta": 0.5}, [x, y]),
        ("MultiMarginLoss", {"p": 2, "margin": 0.5, "weight": rng.random(3)}, [x, labels]),
        ("HingeEmbeddingLoss", {"margin": 0.5, "reduction": "sum"}, [x, pm]),
        ("MarginRankingLoss", {"margin": 0.1}, [x[:, 0], y[:, 0], pm[:, 0]]),
        ("CosineEmbeddingLoss", {"margin": 0.2, "reduction": "none"}, [x, y, pm[:, 0]]),
        ("SoftMarginLoss", {}, [x, pm]),
        ("MultiLabelSoftMarginLoss", {"weight": rng.random(3)}, [x, (pm > 0) * 1.0]),
        ("PoissonNLLLoss", {"log_input": False, "full": True}, [x * x + 0.1, np.abs(y) * 3]),
        ("GaussianNLLLoss", {"full": True, "eps": 1e-3}, [x, y, x * x]),
        ("TripletMarginLoss", {"margin": 0.5, "p": 1.0, "swap": True}, [x, y, -x]),
    ]


def test_modules_match_torch(torch, rng):
    for name, kw, args in _module_cases(rng):
        dkw = {k: dg.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        m = getattr(nn, name)(**dkw)
        tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        tm = getattr(torch.nn, name)(**tkw)
        out = m(*[dg.tensor(a) for a in args])
        tout = tm(*[torch.tensor(a) for a in args])
        np.testing.assert_allclose(out.numpy(), tout.numpy(), rtol=1e-10, err_msg=name)
        assert dg.io.get_class(name) is type(m)
        assert m.reduction == kw.get("reduction", "mean")


def test_registry_names_kinds_and_options():
    expected = {
        "smooth_l1": (nn.SmoothL1Loss, "regression"),
        "multi_margin": (nn.MultiMarginLoss, "multiclass"),
        "hinge_embedding": (nn.HingeEmbeddingLoss, "regression"),
        "soft_margin": (nn.SoftMarginLoss, "regression"),
        "multilabel_soft_margin": (nn.MultiLabelSoftMarginLoss, "binary"),
        "poisson_nll": (nn.PoissonNLLLoss, "regression"),
    }
    for name, (cls, kind) in expected.items():
        loss = nn.loss.get(name)
        assert type(loss) is cls and nn.loss.name_of(loss) == name
        assert nn.loss.KIND[name] == kind
    assert nn.loss.get("smooth_l1", beta=0.25).beta == 0.25
    assert nn.loss.get("multi_margin", p=2, margin=0.5).p == 2
    with pytest.raises(ValueError, match=r"loss 'poisson_nll': unknown option\(s\) \['beta'\]"):
        nn.loss.get("poisson_nll", beta=1.0)
    # three-tensor losses cannot be compile()'s loss(pred, target): not registered by name
    assert "triplet_margin" not in nn.loss_names.TABLE and "gaussian_nll" not in nn.loss.KIND


def test_compile_fit_with_multi_margin(rng):
    x = rng.standard_normal((32, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0)
    model = nn.Sequential(nn.Linear(4, 3))
    model.compile(optimizer="sgd", loss="multi_margin", metrics=["accuracy"])
    hist = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    assert np.isfinite(hist.history["loss"]).all() and "accuracy" in hist.history


def test_modules_save_and_load_their_options(tmp_path):
    from deepgrad.io import serialization as S

    m = nn.TripletMarginLoss(margin=0.5, p=1.0, swap=True)
    back = S.module_from_config(S.module_to_config(m))
    assert (back.margin, back.p, back.swap, back.reduction) == (0.5, 1.0, True, "mean")
    g = S.module_from_config(S.module_to_config(nn.GaussianNLLLoss(full=True, reduction="sum")))
    assert (g.full, g.reduction) == (True, "sum")


# ---- errors -------------------------------------------------------------------------------
def test_errors():
    x, y = dg.randn(4, 3), dg.randn(4, 3)
    with pytest.raises(ValueError, match="smooth_l1_loss: beta must be non-negative, got -1"):
        L.smooth_l1_loss(x, y, beta=-1.0)
    with pytest.raises(
        ValueError, match=r"smooth_l1_loss: input shape \(4, 3\) and target shape \(4,\) differ"
    ):
        L.smooth_l1_loss(x, np.zeros(4))
    for fn in (L.smooth_l1_loss, L.soft_margin_loss, L.hinge_embedding_loss, L.poisson_nll_loss):
        with pytest.raises(ValueError, match=r"reduction must be one of .* got 'avg'"):
            fn(x, y, reduction="avg")
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        nn.SoftMarginLoss(reduction="avg")

    t = np.array([0, 1, 2, 1])
    with pytest.raises(ValueError, match="multi_margin_loss: p must be 1 or 2, got 3"):
        L.multi_margin_loss(x, t, p=3)
    with pytest.raises(ValueError, match="MultiMarginLoss: p must be 1 or 2, got 3"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match=r"class label 3 is out of range for 3 classes"):
        L.multi_margin_loss(x, np.array([0, 1, 3, 1]))
    with pytest.raises(
        ValueError, match=r"target must have shape \(4,\), one label per row .* got \(3,\)"
    ):
        L.multi_margin_loss(x, np.array([0, 1, 2]))
    with pytest.raises(TypeError, match="integer class labels, got dtype float64"):
        L.multi_margin_loss(x, np.array([0.0, 1.0, 2.0, 1.0]))
    with pytest.raises(
        ValueError, match=r"weight must have shape \(3,\) \(one per class\), got \(4,\)"
    ):
        L.multi_margin_loss(x, t, weight=dg.ones(4))
    with pytest.raises(
        ValueError, match=r"expected input of shape \(N, C\) or \(C,\) .* \(2, 3, 4\)"
    ):
        L.multi_margin_loss(dg.randn(2, 3, 4), np.array([0, 1]))

    with pytest.raises(ValueError, match=r"same shape, got \(4,\), \(4, 1\) and \(4,\)"):
        L.margin_ranking_loss(dg.randn(4), dg.randn(4, 1), np.ones(4))
    with pytest.raises(ValueError, match=r"0-d or 1-d target .* got shape \(4, 1\)"):
        L.cosine_embedding_loss(x, y, np.ones((4, 1)))
    with pytest.raises(ValueError, match=r"a 1-d target expects 2-d inputs, got .* \(2, 3, 1\)"):
        L.cosine_embedding_loss(dg.randn(2, 3, 1), dg.randn(2, 3, 1), np.ones(2))
    with pytest.raises(
        ValueError, match=r"target of shape \(4,\), got \(4, 3\), \(4, 3\) and \(5,\)"
    ):
        L.cosine_embedding_loss(x, y, np.ones(5))
    with pytest.raises(ValueError, match=r"multilabel_soft_margin_loss: weight of shape \(4,\)"):
        L.multilabel_soft_margin_loss(x, np.ones((4, 3)), weight=np.ones(4))

    with pytest.raises(ValueError, match="var has negative entries"):
        L.gaussian_nll_loss(x, y, -dg.ones(4, 3))
    with pytest.raises(ValueError, match="var must be non-negative, got -1"):
        L.gaussian_nll_loss(x, y, -1.0)
    with pytest.raises(
        ValueError, match=r"var of shape \(3,\) does not fit input of shape \(4, 3\)"
    ):
        L.gaussian_nll_loss(x, y, dg.ones(3))
    with pytest.raises(ValueError, match=r"var of shape \(1, 1\) does not fit"):
        L.gaussian_nll_loss(x, y, dg.ones(1, 1))
    with pytest.raises(ValueError, match=r"reduction must be one of .* got 'x'"):
        L.gaussian_nll_loss(x, y, 1.0, reduction="x")

    with pytest.raises(
        ValueError, match="triplet_margin_loss: margin must be greater than 0, got 0"
    ):
        L.triplet_margin_loss(x, y, x, margin=0)
    with pytest.raises(
        ValueError, match="TripletMarginLoss: margin must be greater than 0, got -1"
    ):
        nn.TripletMarginLoss(margin=-1)
    with pytest.raises(ValueError, match=r"same number of dims, got 2-d, 1-d and 2-d"):
        L.triplet_margin_loss(x, dg.randn(3), y)
    with pytest.raises(
        ValueError, match=r"shapes \(4, 3\) and \(4, 4\) and \(4, 3\) do not broadcast"
    ):
        L.triplet_margin_loss(x, dg.randn(4, 4), y)


def test_nll_loss_2d_is_torchs_deprecated_nll_loss(torch, rng):
    import warnings

    logp = rng.standard_normal((2, 3, 4, 5)).astype("float32")
    target = rng.integers(0, 3, (2, 4, 5))
    w = np.array([0.2, 1.0, 3.0], dtype="float32")
    got = []
    for lib in (dg, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            loss = lib.nn.NLLLoss2d(lib.tensor(w), ignore_index=1, reduction="sum")
        assert [(c.category, c.filename) for c in caught] == [(FutureWarning, __file__)]
        got.append((str(caught[0].message), repr(loss)))
        x = lib.tensor(logp, requires_grad=True)
        out = loss(x, lib.tensor(target))
        out.backward()
        got.append((float(out), x.grad.numpy().round(6).tolist()))
        assert isinstance(loss, lib.nn.NLLLoss)
    assert got[0] == got[2]
    np.testing.assert_allclose(got[1][0], got[3][0], rtol=1e-5)
    np.testing.assert_allclose(got[1][1], got[3][1], atol=1e-6)


def test_triplet_margin_with_distance_loss_default_distance_is_torchs():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.TripletMarginWithDistanceLoss(), torch.nn.TripletMarginWithDistanceLoss()
    assert isinstance(ours.distance_function, nn.PairwiseDistance)
    assert repr(ours) == repr(theirs)
    assert repr(nn.TripletMarginWithDistanceLoss(**ours.get_config())) == repr(theirs)
    rng = np.random.default_rng(0)
    a, p, n = (rng.standard_normal((5, 3)) for _ in range(3))
    got = ours(dg.tensor(a), dg.tensor(p), dg.tensor(n)).item()
    assert got == pytest.approx(theirs(*(torch.tensor(v) for v in (a, p, n))).item(), abs=1e-12)
