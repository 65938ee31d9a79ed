"""Losses: values and gradients against PyTorch, gradient checks, stability, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import functional as F
from deepgrad import nn
from deepgrad.functional import loss as L

torch = pytest.importorskip("torch")
TF = torch.nn.functional
rng = np.random.default_rng(0)


def _both(fn_dg, fn_t, x, *args, **kw):
    a = dg.tensor(x, requires_grad=True)
    # weights are tensors (PyTorch refuses lists and arrays there, and so does deepgrad)
    dkw = {k: dg.tensor(v) if "weight" in k else v for k, v in kw.items()}
    out = fn_dg(a, *args, **dkw)
    out.sum().backward()
    ta = torch.tensor(x, requires_grad=True)
    targs = [torch.tensor(v) if isinstance(v, np.ndarray) else v for v in args]
    tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    tout = fn_t(ta, *targs, **tkw)
    tout.sum().backward()
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(
    "kw",
    [{}, {"label_smoothing": 0.1}, {"weight": "w"}, {"weight": "w", "label_smoothing": 0.3}],
)
@pytest.mark.parametrize("ignored", [-100, None, 2])  # a label ignored, none, one in range
def test_cross_entropy_labels_matches_torch(reduction, kw, ignored):
    x = rng.standard_normal((7, 5))
    t = rng.integers(0, 5, 7)
    kw = dict(kw)
    if ignored is not None:
        t[3] = ignored
        kw["ignore_index"] = ignored
    if kw.get("weight") == "w":
        kw["weight"] = rng.random(5) + 0.1
    _both(L.cross_entropy, TF.cross_entropy, x, t, reduction=reduction, **kw)


def test_cross_entropy_probabilities_and_spatial_match_torch():
    x = rng.standard_normal((4, 3))
    q = rng.random((4, 3))
    q /= q.sum(1, keepdims=True)
    _both(L.cross_entropy, TF.cross_entropy, x, q, label_smoothing=0.2)
    x4 = rng.standard_normal((2, 3, 4, 5))
    t4 = rng.integers(0, 3, (2, 4, 5))
    _both(L.cross_entropy, TF.cross_entropy, x4, t4)
    _both(L.cross_entropy, TF.cross_entropy, x4, t4, reduction="none")


def test_cross_entropy_gradcheck_and_double_backward():
    x = dg.tensor(rng.standard_normal((5, 4)), requires_grad=True)
    t = rng.integers(0, 4, 5)
    w = dg.tensor(rng.random(4) + 0.5)
    assert dg.gradcheck(lambda z: L.cross_entropy(z, t, weight=w, label_smoothing=0.1), x)
    assert dg.gradcheck(lambda z: L.cross_entropy(z, t, reduction="none"), x)
    # the fused backward is itself differentiable (Hessian-vector products work)
    assert dg.gradcheck(lambda z: dg.grad(L.cross_entropy(z, t), z, create_graph=True)[0], x)


def test_cross_entropy_float32_stays_float32_and_stable():
    x = dg.tensor(np.array([[1000.0, -1000.0, 0.0]], dtype=np.float32), requires_grad=True)
    loss = L.cross_entropy(x, [0])
    loss.backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32
    assert np.isfinite(loss.item()) and loss.item() == pytest.approx(0.0)
    loss = L.cross_entropy(x, [1])
    assert loss.item() == pytest.approx(2000.0)


def test_cross_entropy_bad_labels_are_refused():
    x = dg.zeros(4, 3)
    with pytest.raises(ValueError, match="out of range for 3 classes"):
        L.cross_entropy(x, [0, 1, 3, 0])
    with pytest.raises(ValueError, match="out of range"):
        L.cross_entropy(x, [0, -1, 2, 0])
    for dtype in (np.int8, np.int16, np.int32, np.int64, np.uint8):  # one reduction checks
        with pytest.raises(ValueError, match="label (3|-1) is out of range"):
            L.cross_entropy(x, np.array([0, 3 if dtype == np.uint8 else -1, 2, 0], dtype))
        with pytest.raises(ValueError, match="label (3|-1) is out of range"):
            L.nll_loss(x, np.array([0, 3 if dtype == np.uint8 else -1, 2, 0], dtype))
    # ignore_index among the labels (a class, or outside [0, C)) is left out of the mean
    logits = dg.tensor(rng.standard_normal((4, 3)))
    for ignore, labels in ((1, [0, 1, 2, 1]), (-100, [0, -100, 2, -100]), (7, [0, 7, 2, 7])):
        got = L.cross_entropy(logits, labels, ignore_index=ignore)
        want = L.cross_entropy(logits[np.array([0, 2])], [0, 2])
        assert got.item() == pytest.approx(want.item(), rel=1e-12)
    with pytest.raises(ValueError, match="fractional.*regression loss"):
        L.cross_entropy(x, np.array([0.5, 1.2, 250000.0, 3.3]))
    with pytest.raises(ValueError, match="must have shape"):
        L.cross_entropy(x, [0, 1])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_pointwise_losses_match_torch(reduction):
    x = rng.standard_normal((6, 3))
    y = rng.standard_normal((6, 3))
    _both(L.mse_loss, TF.mse_loss, x, y, reduction=reduction)
    _both(L.l1_loss, TF.l1_loss, x, y, reduction=reduction)
    _both(L.huber_loss, TF.huber_loss, x, y, reduction=reduction, delta=0.7)
    p = rng.uniform(0.05, 0.95, (6, 3))
    b = rng.integers(0, 2, (6, 3)).astype(float)
    _both(L.binary_cross_entropy, TF.binary_cross_entropy, p, b, reduction=reduction)
    _both(
        L.binary_cross_entropy_with_logits,
        TF.binary_cross_entropy_with_logits,
        x,
        b,
        reduction=reduction,
        pos_weight=rng.random(3) + 0.5,
    )
    lp = np.log(rng.dirichlet(np.ones(3), 6))
    q = rng.dirichlet(np.ones(3), 6)
    _both(L.kl_div, TF.kl_div, lp, q, reduction=reduction)
    t = rng.integers(0, 3, 6)
    _both(L.nll_loss, TF.nll_loss, lp, t, reduction=reduction, weight=rng.random(3) + 0.5)


def test_kl_batchmean_matches_torch():
    lp = np.log(rng.dirichlet(np.ones(4), 5))
    q = rng.dirichlet(np.ones(4), 5)
    q[0, 0] = 0.0
    _both(L.kl_div, TF.kl_div, lp, q, reduction="batchmean")


@pytest.mark.parametrize(
    "fn",
    [
        L.mse_loss,
        L.l1_loss,
        lambda a, b: L.huber_loss(a, b, delta=0.5),
        lambda a, b: L.binary_cross_entropy_with_logits(a, (b > 0).astype(float)),
        lambda a, b: L.binary_cross_entropy(a.sigmoid(), (b > 0).astype(float)),
    ],
)
def test_pointwise_losses_gradcheck(fn):
    x = dg.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    y = rng.standard_normal((4, 3))
    assert dg.gradcheck(lambda z: fn(z, y), x)


def test_bce_with_logits_is_stable_at_extremes():
    x = dg.tensor([1000.0, -1000.0, 0.0], requires_grad=True)
    loss = L.binary_cross_entropy_with_logits(x, [0.0, 1.0, 1.0], reduction="none")
    np.testing.assert_allclose(loss.numpy(), [1000.0, 1000.0, np.log(2)], rtol=1e-6)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, -1.0, -0.5], rtol=1e-6)


_F32, _F64 = "float32", "float64"


@pytest.mark.parametrize("reduction", ["mean", "none"])
@pytest.mark.parametrize(
    ("xdt", "ydt", "wdt", "pdt"),
    [
        (_F64, _F32, None, None),
        (_F32, _F64, None, None),
        (_F32, "float16", None, None),
        (_F64, _F32, _F64, _F64),
        (_F32, _F64, _F32, _F32),
        (_F32, _F32, _F64, _F64),
        (_F64, _F64, _F32, None),
    ],
)
def test_bce_with_logits_has_the_targets_dtype_as_torch(xdt, ydt, wdt, pdt, reduction):
    r = np.random.default_rng(3)
    x, y = r.standard_normal((4, 3)), r.random((4, 3))
    w, pw = r.random((4, 3)) + 0.5, r.random(3) + 0.5

    def run(lib, fn):
        dt = {n: getattr(lib, n) for n in (_F32, _F64, "float16")}
        xt = lib.tensor(x, dtype=dt[xdt], requires_grad=True)
        kw = {"reduction": reduction}
        if wdt:
            kw["weight"] = lib.tensor(w, dtype=dt[wdt])
        if pdt:
            kw["pos_weight"] = lib.tensor(pw, dtype=dt[pdt])
        out = fn(xt, lib.tensor(y, dtype=dt[ydt]), **kw)
        out.sum().backward()
        return out, xt.grad

    for fn, tfn in (
        (F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits),
        (
            lambda a, b, **kw: nn.BCEWithLogitsLoss(**kw)(a, b),
            lambda a, b, **kw: torch.nn.BCEWithLogitsLoss(**kw)(a, b),
        ),
    ):
        out, g = run(dg, fn)
        tout, tg = run(torch, tfn)
        assert str(out.dtype) == str(tout.dtype).replace("torch.", "") == ydt
        assert str(g.dtype) == str(tg.dtype).replace("torch.", "") == xdt
        tol = 2e-3 if "float16" in (ydt,) else 1e-6
        np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=tol, atol=tol)
        np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=tol, atol=tol)


def test_bce_weight_dtype_keeps_the_inputs_dtype_as_torch():
    p, y = rng.random((3, 2)) * 0.8 + 0.1, rng.random((3, 2))
    for dt, wdt in (("float32", "float64"), ("float64", "float32")):
        out = F.binary_cross_entropy(
            dg.tensor(p, dtype=getattr(dg, dt)),
            dg.tensor(y, dtype=getattr(dg, dt)),
            weight=dg.tensor(y, dtype=getattr(dg, wdt)),
        )
        tout = TF.binary_cross_entropy(
            torch.tensor(p, dtype=getattr(torch, dt)),
            torch.tensor(y, dtype=getattr(torch, dt)),
            weight=torch.tensor(y, dtype=getattr(torch, wdt)),
        )
        assert str(out.dtype) == str(tout.dtype).replace("torch.", "") == dt
        np.testing.assert_allclose(out.item(), tout.item(), rtol=1e-6)


def test_shape_mismatch_n1_vs_n_is_an_error_naming_both_shapes():
    with pytest.raises(ValueError, match=r"\(5, 1\).*\(5,\).*N×N"):
        L.mse_loss(dg.zeros(5, 1), np.zeros(5))
    with pytest.raises(ValueError, match=r"\(5,\).*\(5, 1\)"):
        nn.L1Loss()(dg.zeros(5), np.zeros((5, 1)))


@pytest.mark.parametrize(
    ("p", "y", "what"),
    [
        ([0.5, 2.0], [0.0, 1.0], "input"),
        ([0.5, np.nan], [0.0, 1.0], "input"),
        ([0.5, 0.5], [0.0, 2.0], "target"),
        ([0.5, 0.5], [-0.5, 1.0], "target"),
        ([0.5, 0.5], [np.nan, 1.0], "target"),
    ],
)
def test_bce_refuses_values_outside_0_1_as_torch(p, y, what):
    """PyTorch checks both the input and the target (NaN fails the check), RuntimeError."""
    with pytest.raises(RuntimeError, match=rf"all elements of {what} should be between 0 and 1"):
        torch.nn.functional.binary_cross_entropy(torch.tensor(p), torch.tensor(y))
    for error in (RuntimeError, ValueError):  # PyTorch's class, and deepgrad's earlier one
        with pytest.raises(error, match=rf"all elements of {what} should be between 0 and 1"):
            L.binary_cross_entropy(dg.tensor(p), dg.tensor(y))


def test_keras_binary_crossentropy_keeps_keras_formula_for_any_target():
    """Keras checks no target: labels outside [0, 1] give the formula's value there."""
    loss = nn.keras_loss.BinaryCrossentropy()(dg.tensor([[0.25, 0.75]]), dg.tensor([[2.0, -1.0]]))
    want = -np.mean([2 * np.log(0.25) - np.log(0.75), -np.log(0.75) + 2 * np.log(0.25)])
    assert loss.item() == pytest.approx(want, rel=1e-6)


def test_loss_modules_and_registry():
    x = dg.tensor(rng.standard_normal((4, 3)))
    t = np.array([0, 2, 1, 1])
    assert nn.CrossEntropyLoss()(x, t).item() == pytest.approx(L.cross_entropy(x, t).item())
    assert isinstance(nn.loss.get("cross_entropy"), nn.CrossEntropyLoss)
    assert isinstance(nn.loss.get("mae"), nn.L1Loss)
    with pytest.raises(ValueError, match="unknown loss .hinje.; did you mean .hinge."):
        nn.loss.get("hinje")
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")


@pytest.mark.parametrize("shape", [(5,), (4, 5), (4, 5, 3), (2, 5, 3, 2)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_any_dims_with_weights_and_ignore_index(shape, reduction, torch):
    """nll_loss takes one sample (C,), (N, C) and (N, C, d1, ...) as PyTorch does."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape)
    tshape = () if len(shape) == 1 else shape[:1] + shape[2:]
    t = rng.integers(0, 5, tshape)
    if t.ndim:
        t.flat[0] = 2  # an ignored position
    w = np.arange(1.0, 6.0)
    a = dg.tensor(x, requires_grad=True)
    loss = F.nll_loss(F.log_softmax(a, axis=0 if len(shape) == 1 else 1), t, weight=dg.tensor(w),
                      ignore_index=2, reduction=reduction)  # fmt: skip
    ta = torch.tensor(x, requires_grad=True)
    tl = torch.nn.functional.nll_loss(
        torch.log_softmax(ta, 0 if len(shape) == 1 else 1), torch.from_numpy(t),
        weight=torch.from_numpy(w), ignore_index=2, reduction=reduction,
    )  # fmt: skip
    if len(shape) == 1 and t == 2 and reduction == "mean":
        return  # 0/0 in both
    np.testing.assert_allclose(loss.numpy(), tl.detach().numpy(), rtol=1e-10, atol=1e-12)
    loss.sum().backward()
    tl.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="target for input of shape"):
        F.nll_loss(a, np.zeros((7,), dtype=np.int64))


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.uint64])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("form", ["array", "tensor", "strided logits"])
def test_cross_entropy_plain_label_path_equals_the_general_one(monkeypatch, dtype, reduction, form):
    """Integer labels, no weights or smoothing take a shortcut (``_plain_labels``; int64 label
    tensors straight from the top of ``cross_entropy``); its loss and gradient are bit for bit
    those of the general path, also for logits that are a transposed view."""
    r = np.random.default_rng(5)
    x0 = r.standard_normal((7, 4)).astype(np.float32)
    if form == "strided logits":
        x0 = np.asfortranarray(x0)
    y = r.integers(0, 4, 7).astype(dtype)
    if form != "array" and dtype == np.int64:
        y = dg.tensor(y)
    out = []
    for shortcut in (True, False):
        if not shortcut:
            monkeypatch.setattr(L, "_plain_labels", lambda *a: None)
        x = dg.tensor(x0, requires_grad=True) if form != "strided logits" else None
        if x is None:
            x = dg.from_numpy(x0).requires_grad_()
            assert not x._data.flags.c_contiguous
        loss = L.cross_entropy(x, y, reduction=reduction)
        loss.backward()
        out.append((loss.numpy(), x.grad.numpy()))
    np.testing.assert_array_equal(out[0][0], out[1][0])
    np.testing.assert_array_equal(out[0][1], out[1][1])
    p = np.exp(x0 - x0.max(1, keepdims=True))  # the gradient itself: softmax − one-hot
    p /= p.sum(1, keepdims=True)
    p[np.arange(7), np.asarray(y._data if isinstance(y, dg.Tensor) else y, np.int64)] -= 1
    np.testing.assert_allclose(out[0][1], p / (7 if reduction == "mean" else 1), atol=1e-6)


def test_bce_with_logits_target_gradient_is_pytorchs(torch):
    """A floating target that requires grad gets PyTorch's gradient (-x per element, scaled by
    the reduction), in its own dtype too."""
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((2, 3)), rng.random((2, 3))
    for tdt in (np.float64, np.float32):
        xd, yd = dg.tensor(x, requires_grad=True), dg.tensor(y.astype(tdt), requires_grad=True)
        xt, yt = (
            torch.tensor(x, requires_grad=True),
            torch.tensor(y.astype(tdt), requires_grad=True),
        )
        dg.nn.functional.binary_cross_entropy_with_logits(xd, yd).backward()
        torch.nn.functional.binary_cross_entropy_with_logits(xt, yt).backward()
        assert yd.grad.dtype == tdt
        np.testing.assert_allclose(yd.grad.numpy(), yt.grad.numpy(), rtol=1e-6)
        np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-6)


_NO_WEIGHT = [
    ({"ignore_index": 2}, [2, 2, 2, 2]),  # every label ignored: NaN, zero gradients
    ({"weight": [1, 1, 0, 1, 1]}, [2, 2, 2, 2]),  # counted with weight 0: NaN where counted
    ({"weight": [1, 1, 0, 1, 1], "ignore_index": 1}, [2, 2, 1, 1]),
]


@pytest.mark.parametrize(
    "fn, kw, target",
    [("nll_loss", *case) for case in _NO_WEIGHT]
    + [("cross_entropy", *case) for case in _NO_WEIGHT]
    + [("cross_entropy", {"ignore_index": 2, "label_smoothing": 0.1}, [2, 2, 2, 2])],
)
def test_a_mean_over_no_weight_is_nan_with_torchs_gradients(torch, fn, kw, target):
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    grads = []
    for lib in (torch, dg):
        args = {
            k: lib.tensor(np.array(v, np.float32)) if k == "weight" else v for k, v in kw.items()
        }
        xt = lib.tensor(x, requires_grad=True)
        loss = getattr(lib.nn.functional, fn)(xt, lib.tensor(np.array(target)), **args)
        loss.backward()
        assert np.isnan(float(loss.detach()))
        grads.append(xt.grad.numpy())
    np.testing.assert_array_equal(grads[1], grads[0])  # zeros, or NaN everywhere, as torch


_ML_TARGETS = np.array([[3, 0, -1, 1, 2], [1, -1, 0, 0, 0], [-1, 2, 2, 2, 2], [0, 1, 2, 3, 4],
                        [3, 3, -1, 1, 2]])  # fmt: skip


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_multilabel_margin_loss_matches_torch(torch, reduction):
    """Labels before the first -1 (a repeated label counts twice, as PyTorch), every sample
    form: (N, C), one sample (C,), an all-classes row, an empty list; module and function."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 5)).astype(np.float32)
    x[4, 2] = x[4, 3] - 1.0  # a pair exactly at the margin: no gradient
    for xs, ts in ((x, _ML_TARGETS), (x[0], _ML_TARGETS[0])):
        xt = torch.tensor(xs, requires_grad=True)
        xd = dg.tensor(xs, requires_grad=True)
        yt = torch.nn.functional.multilabel_margin_loss(xt, torch.tensor(ts), reduction=reduction)
        yd = nn.MultiLabelMarginLoss(reduction=reduction)(xd, dg.tensor(ts))
        assert yd.shape == tuple(yt.shape)
        np.testing.assert_allclose(yd.detach().numpy(), yt.detach().numpy(), rtol=1e-6)
        yt.sum().backward()
        yd.sum().backward()
        np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_multilabel_margin_loss_gradcheck_and_errors():
    x = dg.tensor(np.random.default_rng(1).standard_normal((5, 5)), requires_grad=True)
    assert dg.gradcheck(lambda z: F.multilabel_margin_loss(z, _ML_TARGETS), x)
    with pytest.raises(ValueError, match="out of range for 5 classes"):
        F.multilabel_margin_loss(x, np.array([[5, -1, 0, 0, 0]] * 5))
    with pytest.raises(ValueError, match="the input's shape"):
        F.multilabel_margin_loss(x, np.array([0, 1, -1, 0, 0]))
    with pytest.raises(TypeError, match="integer class labels"):
        F.multilabel_margin_loss(x, _ML_TARGETS.astype(np.float32))
    # entries after the first -1 are not read (here out of range: no error)
    F.multilabel_margin_loss(x, np.array([[1, -1, 99, -7, 5]] * 5))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_margin_with_distance_loss_matches_torch(torch, reduction, swap):
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal((6, 4)).astype(np.float32) for _ in range(3)]
    for dist in ("default", "cosine", "module"):
        outs = []
        for lib in (torch, dg):
            ts = [lib.tensor(a, requires_grad=True) for a in arrays]
            fn = {
                "default": None,
                "cosine": lambda u, v, lib=lib: 1 - lib.nn.functional.cosine_similarity(u, v),
                "module": lib.nn.PairwiseDistance(p=1.0),
            }[dist]
            loss = lib.nn.TripletMarginWithDistanceLoss(
                distance_function=fn, margin=0.7, swap=swap, reduction=reduction
            )(*ts)
            loss.sum().backward()
            outs.append([loss.detach().numpy(), *(t.grad.numpy() for t in ts)])
        for a, b in zip(outs[1], outs[0], strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_triplet_margin_with_distance_loss_gradcheck_and_errors():
    rng = np.random.default_rng(3)
    a, p, n = (dg.tensor(rng.standard_normal((4, 3)), requires_grad=True) for _ in range(3))
    assert dg.gradcheck(
        lambda a, p, n: F.triplet_margin_with_distance_loss(a, p, n, swap=True), (a, p, n)
    )
    with pytest.raises(ValueError, match="greater than 0"):
        nn.TripletMarginWithDistanceLoss(margin=0)
    with pytest.raises(TypeError, match="callable"):
        F.triplet_margin_with_distance_loss(a, p, n, distance_function="euclidean")
    with pytest.raises(TypeError):  # keyword-only, as in PyTorch
        F.triplet_margin_with_distance_loss(a, p, n, None)


_LOSS_DTYPES = ["bool", "uint8", "int64", "float16", "float32", "float64"]


def _dtype_outcome(m, fn, x, y):
    """The loss's dtype and value, or "raise" where it refuses the pair of dtypes."""
    try:
        r = fn(x, y)
    except (RuntimeError, TypeError, ValueError):
        return "raise", None
    return str(r.dtype).replace("torch.", ""), float(r)


@pytest.mark.parametrize(
    "name",
    [
        "binary_cross_entropy",
        "binary_cross_entropy_with_logits",
        "mse_loss",
        "l1_loss",
        "smooth_l1_loss",
        "huber_loss",
        "kl_div",
        "poisson_nll_loss",
        "soft_margin_loss",
    ],
)
def test_loss_target_dtypes_raise_or_promote_as_torch(name):
    # bce refuses any other target dtype; bce_with_logits integer/bool targets; l1 a bool
    # target, kl_div any integer one; the others promote (mse(float32, float64) is float64)
    x0 = np.array([0.2, 0.7, 0.4, 0.9])
    y0 = np.array([1, 0, 0, 1])
    for xd in ["float16", "float32", "float64"]:
        for yd in _LOSS_DTYPES:
            want = _dtype_outcome(
                torch,
                getattr(TF, name),
                torch.tensor(x0.astype(xd)),
                torch.tensor(y0.astype(yd)),
            )
            got = _dtype_outcome(
                dg, getattr(F, name), dg.tensor(x0.astype(xd)), dg.tensor(y0.astype(yd))
            )
            assert got[0] == want[0], (name, xd, yd, got, want)
            if want[1] is not None:
                np.testing.assert_allclose(got[1], want[1], rtol=2e-3, err_msg=f"{xd} {yd}")


def test_gaussian_nll_and_weights_promote_as_torch():
    x = np.array([0.2, 0.7, 0.4])
    y64, w64 = torch.tensor(x + 0.5), torch.ones(3, dtype=torch.float64)
    tx = torch.tensor(x.astype("float32"))
    dx = dg.tensor(x.astype("float32"))
    assert F.gaussian_nll_loss(dx, dg.tensor(x + 0.5), dg.ones(3)).dtype == dg.float64
    assert TF.gaussian_nll_loss(tx, y64, torch.ones(3)).dtype == torch.float64
    assert F.mse_loss(dx, dx, weight=dg.ones(3, dtype=dg.float64)).dtype == dg.float64
    assert TF.mse_loss(tx, tx, weight=w64).dtype == torch.float64
    with pytest.raises(RuntimeError, match="bool"):
        F.gaussian_nll_loss(dx, dg.tensor([True, False, True]), dg.ones(3))
    with pytest.raises(RuntimeError, match="bool"):
        F.binary_cross_entropy_with_logits(
            dx, dg.ones(3), pos_weight=dg.tensor([True, False, True])
        )


def test_bce_of_two_dtypes_raises_naming_the_cast():
    with pytest.raises(RuntimeError, match=r"target\.to\(input\.dtype\)"):
        nn.BCELoss()(dg.full((3,), 0.5), dg.ones(3, dtype=dg.float64))
    with pytest.raises(RuntimeError, match="int64"):
        nn.BCEWithLogitsLoss()(dg.zeros(3), dg.tensor([1, 0, 1]))
    # arrays (PyTorch takes tensors only) are still taken in the input's dtype
    assert F.binary_cross_entropy(dg.full((3,), 0.5), np.ones(3)).dtype == dg.float32


@pytest.mark.parametrize("xd,pd", [("float32", "float64"), ("float64", "float32")])
def test_cross_entropy_probabilities_promote_as_torch(xd, pd):
    x0, p0 = rng.standard_normal((3, 4)), rng.dirichlet(np.ones(4), 3)
    tx = torch.tensor(x0.astype(xd), requires_grad=True)
    want = TF.cross_entropy(tx, torch.tensor(p0.astype(pd)))
    want.backward()
    dx = dg.tensor(x0.astype(xd), requires_grad=True)
    got = F.cross_entropy(dx, dg.tensor(p0.astype(pd)))
    got.backward()
    assert str(got.dtype) == str(want.dtype).replace("torch.", "")
    assert dx.grad.dtype == dx.dtype
    np.testing.assert_allclose(got.item(), want.item(), rtol=1e-6)
    np.testing.assert_allclose(dx.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(
    ("x_shape", "y_shape", "hint"),
    [
        ((4, 1), (4,), "reshape the targets"),  # the N×N trap
        ((4,), (4, 1), "reshape the targets"),
        ((2, 3), (3,), "expand_as"),  # PyTorch broadcasts with a warning
        ((2, 3), (1, 3), "expand_as"),
        ((2, 3), (4, 3), "differ$"),  # not broadcastable: PyTorch raises too
    ],
)
@pytest.mark.parametrize(
    "name", ["mse_loss", "l1_loss", "smooth_l1_loss", "kl_div", "poisson_nll_loss"]
)
def test_losses_refuse_targets_of_another_shape_and_say_what_to_do(name, x_shape, y_shape, hint):
    fn = getattr(dg.nn.functional, name)
    with pytest.raises(ValueError, match=hint):
        fn(dg.ones(*x_shape), dg.ones(*y_shape) / 2)
    if hint == "expand_as":  # the spelled-out broadcast gives PyTorch's number
        x = dg.tensor(np.arange(6.0).reshape(2, 3))
        y = dg.tensor(np.linspace(0.1, 0.3, 3)).reshape(y_shape)
        got = fn(x, y.expand_as(x))
        want = fn(x, dg.tensor(np.broadcast_to(y.numpy(), (2, 3)).copy()))
        np.testing.assert_allclose(got.item(), want.item())


@pytest.mark.parametrize(
    "name",
    [
        "mse_loss",
        "l1_loss",
        "smooth_l1_loss",
        "huber_loss",
        "soft_margin_loss",
        "hinge_embedding_loss",
    ],
)
@pytest.mark.parametrize("kinds", [("i", "f"), ("f", "i"), ("i", "i")])
def test_integer_inputs_to_losses_raise_where_torch_raises(name, kinds):
    """An integer input against integer targets has no kernel in PyTorch (and huber, soft
    margin and hinge embedding refuse any integer input); where PyTorch promotes, deepgrad
    gives its number (it computed every case before, casting a float target to int for
    huber)."""
    make = {"i": lambda lib: lib.tensor([1, -1, 2]), "f": lambda lib: lib.tensor([1.5, -1.0, 3.0])}
    args_t = [make[k](torch) for k in kinds]
    args_d = [make[k](dg) for k in kinds]
    try:
        want = getattr(TF, name)(*args_t)
    except (RuntimeError, NotImplementedError):
        # l1_loss of integers: PyTorch's mean has no integer result (its sum has)
        match = "not implemented for an input tensor|mean\\(\\): could not infer output dtype"
        with pytest.raises(RuntimeError, match=match):
            getattr(F, name)(*args_d)
        return
    got = getattr(F, name)(*args_d)
    assert str(got.dtype) == str(want.dtype).replace("torch.", "")
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


def test_margin_ranking_and_multilabel_soft_margin_targets_as_torchs():
    """A floating target tensor stays in the graph (its gradient) and promotes the loss's
    dtype, as PyTorch's composite losses."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((3, 4)), rng.uniform(0, 1, (3, 4))
    a, b, t = (rng.standard_normal(5) for _ in range(3))
    cases = [
        (F.multilabel_soft_margin_loss, torch.nn.functional.multilabel_soft_margin_loss, [x, y]),
        (F.margin_ranking_loss, torch.nn.functional.margin_ranking_loss, [a, b, t]),
    ]
    for ours, theirs, args in cases:
        d = [dg.tensor(v, requires_grad=True) for v in args]
        th = [torch.tensor(v, requires_grad=True) for v in args]
        ours(*d).backward()
        theirs(*th).backward()
        for u, v in zip(d, th):
            np.testing.assert_allclose(u.grad.numpy(), v.grad.numpy(), atol=1e-12)
        mixed = [args[0].astype(np.float32), *args[1:-1], args[-1]]  # float64 target
        r = ours(*(dg.tensor(v) for v in mixed))
        s = theirs(*(torch.tensor(v) for v in mixed))
        assert r.dtype == np.float64 and str(s.dtype) == "torch.float64"
        assert r.item() == pytest.approx(s.item(), rel=1e-6)  # float32 steps differ


def test_gaussian_nll_integer_var_and_soft_margin_target_grad_raise_as_torch():
    torch = pytest.importorskip("torch")
    x, y = dg.randn(3, 4), dg.randn(3, 4)
    with pytest.raises(RuntimeError, match="can't be cast"):
        torch.nn.functional.gaussian_nll_loss(torch.randn(3, 4), torch.randn(3, 4),
                                              torch.ones(3, 4, dtype=torch.int64))  # fmt: skip
    with pytest.raises(RuntimeError, match="can't be cast"):
        F.gaussian_nll_loss(x, y, dg.ones(3, 4, dtype=dg.int64))
    t = dg.ones(3, 4, requires_grad=True)
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'target'"):
        torch.nn.functional.soft_margin_loss(
            torch.randn(3, 4), torch.ones(3, 4, requires_grad=True)
        )
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'target'"):
        F.soft_margin_loss(x, t)
    with dg.no_grad():
        F.soft_margin_loss(x, t)  # no graph recorded: accepted, as PyTorch's


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_mse_mean_gradient_is_torchs_bit_for_bit(dtype):
    """``mse_loss``'s mean is one node whose backward is PyTorch's ``((x - y)·(2/n))·gy``
    (the two-node ``2(x - y)·(gy/n)`` differed in the last bit in about half the elements),
    for the target too; gradcheck and gradgradcheck hold; an empty input is NaN, silently."""
    rng = np.random.default_rng(0)
    X, T = (rng.standard_normal((40, 30)).astype(dtype) for _ in range(2))
    gy = np.asarray(rng.standard_normal(), dtype)
    grads = []
    for lib in (torch, dg):
        x, t = lib.tensor(X, requires_grad=True), lib.tensor(T, requires_grad=True)
        y = lib.nn.functional.mse_loss(x, t)
        grads.append([g.numpy() for g in lib.autograd.grad(y, (x, t), lib.tensor(gy))])
    for a, b in zip(grads[1], grads[0]):
        np.testing.assert_array_equal(a, b)  # the loss itself: the sums' orders differ
    a, b = (dg.tensor(rng.standard_normal(4), requires_grad=True) for _ in range(2))
    assert dg.autograd.gradcheck(F.mse_loss, (a, b)) and dg.autograd.gradgradcheck(
        F.mse_loss, (a, b)
    )
    assert np.isnan(F.mse_loss(dg.zeros(0), dg.zeros(0)).item())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "expr",
    ["F.smooth_l1_loss(x, t)", "F.smooth_l1_loss(x, t, beta=0.5)",
     "F.smooth_l1_loss(x, t, reduction='sum')", "F.smooth_l1_loss(x, t, reduction='none')",
     "F.huber_loss(x, t)", "F.huber_loss(x, t, delta=0.5)",
     "F.huber_loss(x, t, reduction='sum', delta=2.0)", "F.huber_loss(x, t, reduction='none')"],
)  # fmt: skip
def test_smooth_l1_and_huber_gradients_are_torchs_bit_for_bit(expr, dtype):
    """One node each, whose backward is PyTorch's kernel's formula (the graph of where,
    powers and a mean gave other last bits in a fifth to a half of the elements), for the
    target too; the values as before."""
    rng = np.random.default_rng(0)
    X, T = (rng.standard_normal((40, 30)).astype(dtype) for _ in range(2))
    grads = []
    for lib in (torch, dg):
        x, t = lib.tensor(X, requires_grad=True), lib.tensor(T, requires_grad=True)
        y = eval(expr, {"x": x, "t": t, "F": lib.nn.functional})  # noqa: S307
        gy = np.linspace(0.5, 1.5, y.numel()).reshape(tuple(y.shape)).astype(dtype)
        grads.append([g.numpy() for g in lib.autograd.grad(y, (x, t), lib.tensor(gy))])
    for a, b in zip(grads[1], grads[0]):
        np.testing.assert_array_equal(a, b)


def test_smooth_l1_and_huber_nodes_differentiate_twice_and_keep_the_edges():
    rng = np.random.default_rng(1)
    a, b = (dg.tensor(rng.standard_normal(6) * 2, requires_grad=True) for _ in range(2))
    for f in (
        lambda a, b: F.smooth_l1_loss(a, b, beta=0.7),
        lambda a, b: F.huber_loss(a, b, delta=0.7),
        lambda a, b: F.huber_loss(a, b, reduction="none", delta=0.7).sum(),
    ):
        assert dg.autograd.gradcheck(f, (a, b)) and dg.autograd.gradgradcheck(f, (a, b))
    for fn in (F.smooth_l1_loss, F.huber_loss):  # ±inf: the linear branch's ±1/n; NaN: NaN
        x = dg.tensor([float("inf"), float("-inf"), float("nan"), 0.5], requires_grad=True)
        (g,) = dg.autograd.grad(fn(x, dg.zeros(4)), x)
        np.testing.assert_array_equal(g.numpy(), [0.25, -0.25, np.nan, 0.125])
    assert np.isnan(F.smooth_l1_loss(dg.zeros(0), dg.zeros(0)).item())
    assert F.huber_loss(dg.zeros(0), dg.zeros(0), reduction="sum").item() == 0.0
