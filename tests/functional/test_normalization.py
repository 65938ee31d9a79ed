"""batch_norm / layer_norm and BatchNorm1d, BatchNorm2d, LayerNorm: float64 gradient checks
(first and second order), equality with PyTorch (outputs, every gradient, running statistics),
state dicts, dtypes and errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.functional as F
from deepgrad import nn


def _t64(rng, *shape, grad=True):
    return dg.tensor(rng.standard_normal(shape), requires_grad=grad)


# ---- layer norm -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "shape, ns", [((3, 4), (4,)), ((2, 3, 4), (3, 4)), ((2, 2, 5), (5,)), ((6,), (6,))]
)
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_gradcheck(rng, shape, ns, affine):
    x = _t64(rng, *shape)
    if affine:
        w, b = _t64(rng, *ns), _t64(rng, *ns)
        dg.gradcheck(lambda x, w, b: F.layer_norm(x, ns, w, b, 1e-5), x, w, b)
    else:
        dg.gradcheck(lambda x: F.layer_norm(x, ns, eps=1e-3), x)


def test_layer_norm_weight_only_and_double_backward(rng):
    x, w, b = _t64(rng, 3, 4), _t64(rng, 4), _t64(rng, 4)
    dg.gradcheck(lambda x, w: F.layer_norm(x, (4,), w), x, w)
    v = dg.tensor(rng.standard_normal((3, 4)))

    def first(x, w, b):
        y = F.layer_norm(x, (4,), w, b)
        return dg.grad((y * v).sum(), [x, w, b], create_graph=True)

    dg.gradcheck(first, x, w, b)
    # the recorded (graph) backward equals the fused one
    fused = [g.numpy() for g in dg.grad((F.layer_norm(x, (4,), w, b) * v).sum(), [x, w, b])]
    for a, g in zip(fused, first(x, w, b)):
        np.testing.assert_allclose(a, g.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("ns", [(8,), (3, 8)])
def test_layer_norm_matches_torch(torch, rng, ns):
    ln = nn.LayerNorm(list(ns) if len(ns) > 1 else ns[0], eps=1e-5)
    tln = torch.nn.LayerNorm(ns)
    with torch.no_grad():
        tln.weight.normal_()
        tln.bias.normal_()
    ln.load_state_dict({k: v.detach().numpy() for k, v in tln.state_dict().items()})
    x = rng.standard_normal((4, 3, 8)).astype(np.float32) * 3 + 1
    g = rng.standard_normal((4, 3, 8)).astype(np.float32)
    xt = torch.tensor(x, requires_grad=True)
    xd = dg.tensor(x, requires_grad=True)
    yt, yd = tln(xt), ln(xd)
    assert yd.dtype == np.float32 and yd.shape == (4, 3, 8)
    np.testing.assert_allclose(yd.numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    yt.backward(torch.tensor(g))
    yd.backward(dg.tensor(g))
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(
        ln.weight.grad.numpy(), tln.weight.grad.numpy(), rtol=1e-4, atol=1e-5
    )
    np.testing.assert_allclose(ln.bias.grad.numpy(), tln.bias.grad.numpy(), rtol=1e-4, atol=1e-5)
    assert ln.weight.grad.dtype == np.float32 and xd.grad.dtype == np.float32


def test_layer_norm_module_options_and_errors(rng):
    ln = nn.LayerNorm(4, elementwise_affine=False)
    assert list(ln.parameters()) == [] and ln.state_dict() == {}
    y = ln(dg.tensor(rng.standard_normal((2, 4)))).numpy()
    np.testing.assert_allclose(y.mean(-1), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(-1), 1, rtol=1e-3)
    assert list(nn.LayerNorm(4, bias=False).state_dict()) == ["weight"]
    ln = nn.LayerNorm([3, 4]).double()
    x = dg.tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
    dg.gradcheck(lambda x, w, b: F.layer_norm(x, (3, 4), w, b), x, ln.weight, ln.bias)
    with pytest.raises(ValueError, match=r"LayerNorm\(\[3, 4\]\).*\(3, 4\).*\(2, 4, 3\)"):
        ln(dg.zeros(2, 4, 3))
    with pytest.raises(ValueError, match=r"layer_norm: weight must have shape \(4,\)"):
        F.layer_norm(dg.zeros(2, 4), (4,), dg.ones(3))
    with pytest.raises(ValueError, match="normalized_shape"):
        nn.LayerNorm(-1)  # 0 builds an empty layer, as PyTorch's


# ---- batch norm: functional -------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(4, 3), (3, 2, 5), (2, 3, 2, 2)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradcheck(rng, shape, training):
    c = shape[1]
    x, w, b = _t64(rng, *shape), _t64(rng, c), _t64(rng, c)
    rm = dg.tensor(rng.standard_normal(c))
    rv = dg.tensor(rng.uniform(0.5, 2.0, c))

    def f(x, w, b):
        return F.batch_norm(x, rm, rv, w, b, training=training, momentum=0.0)

    dg.gradcheck(f, x, w, b)
    dg.gradcheck(lambda x: F.batch_norm(x, rm, rv, training=training, momentum=0.0), x)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_double_backward(rng, training):
    x, w, b = _t64(rng, 4, 2, 3), _t64(rng, 2), _t64(rng, 2)
    rm, rv = dg.zeros(2, dtype="float64"), dg.ones(2, dtype="float64") * 1.5
    v = dg.tensor(rng.standard_normal((4, 2, 3)))

    def first(x, w, b):
        y = F.batch_norm(x, rm, rv, w, b, training=training, momentum=0.0)
        return dg.grad((y * v).sum(), [x, w, b], create_graph=True)

    dg.gradcheck(first, x, w, b)
    y = F.batch_norm(x, rm, rv, w, b, training=training, momentum=0.0)
    fused = dg.grad((y * v).sum(), [x, w, b])
    for a, g in zip(fused, first(x, w, b)):
        np.testing.assert_allclose(a.numpy(), g.numpy(), rtol=1e-10, atol=1e-12)


def test_batch_norm_functional_updates_running_stats_like_torch(torch, rng):
    x = rng.standard_normal((6, 3, 4)).astype(np.float32)
    rm, rv = dg.zeros(3), dg.ones(3)
    trm, trv = torch.zeros(3), torch.ones(3)
    y = F.batch_norm(dg.tensor(x), rm, rv, training=True, momentum=0.2)
    yt = torch.nn.functional.batch_norm(torch.tensor(x), trm, trv, training=True, momentum=0.2)
    np.testing.assert_allclose(y.numpy(), yt.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(rm.numpy(), trm.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(rv.numpy(), trv.numpy(), rtol=1e-5, atol=1e-6)
    assert rm.dtype == np.float32 and rv.dtype == np.float32


# ---- batch norm: layers vs PyTorch ---------------------------------------------------------------
def _copy_bn(torch, ours, theirs):
    with torch.no_grad():
        if theirs.weight is not None:
            theirs.weight.uniform_(0.5, 1.5)
            theirs.bias.normal_()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


@pytest.mark.parametrize(
    "cls, shape",
    [("BatchNorm1d", (8, 3)), ("BatchNorm1d", (4, 3, 5)), ("BatchNorm2d", (4, 3, 3, 2))],
)
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batch_norm_layers_match_torch_over_steps(torch, rng, cls, shape, momentum):
    ours = getattr(nn, cls)(3, momentum=momentum)
    theirs = getattr(torch.nn, cls)(3, momentum=momentum)
    _copy_bn(torch, ours, theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for step in range(4):
        x = (rng.standard_normal(shape) * (step + 1) + step).astype(np.float32)
        g = rng.standard_normal(shape).astype(np.float32)
        xt = torch.tensor(x, requires_grad=True)
        xd = dg.tensor(x, requires_grad=True)
        yt, yd = theirs(xt), ours(xd)
        np.testing.assert_allclose(yd.numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
        theirs.zero_grad()
        ours.zero_grad()
        yt.backward(torch.tensor(g))
        yd.backward(dg.tensor(g))
        np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-4, atol=1e-4)  # fmt: skip
        np.testing.assert_allclose(ours.bias.grad.numpy(), theirs.bias.grad.numpy(), rtol=1e-4, atol=1e-4)  # fmt: skip
    sd, tsd = ours.state_dict(), theirs.state_dict()
    for k in tsd:
        np.testing.assert_allclose(sd[k], tsd[k].numpy(), rtol=1e-5, atol=1e-6)
    assert sd["num_batches_tracked"].dtype == np.int64 and int(sd["num_batches_tracked"]) == 4
    # eval uses the running statistics
    ours.eval()
    theirs.eval()
    x = rng.standard_normal(shape).astype(np.float32)
    xt = torch.tensor(x, requires_grad=True)
    xd = dg.tensor(x, requires_grad=True)
    yt, yd = theirs(xt), ours(xd)
    np.testing.assert_allclose(yd.numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    yt.sum().backward()
    yd.sum().backward()
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    assert int(ours.num_batches_tracked.item()) == 4  # not advanced in eval


@pytest.mark.parametrize("affine, track", [(False, True), (True, False), (False, False)])
def test_batch_norm_options_match_torch(torch, rng, affine, track):
    ours = nn.BatchNorm2d(2, affine=affine, track_running_stats=track)
    theirs = torch.nn.BatchNorm2d(2, affine=affine, track_running_stats=track)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for mode in ("train", "eval"):
        getattr(ours, mode)()
        getattr(theirs, mode)()
        x = rng.standard_normal((3, 2, 2, 2)).astype(np.float32)
        np.testing.assert_allclose(
            ours(dg.tensor(x)).numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5
        )  # fmt: skip


def test_batch_norm_layer_gradcheck_inputs_and_parameters(rng):
    bn = nn.BatchNorm1d(3).double()
    with dg.no_grad():
        bn.weight.data[...] = rng.uniform(0.5, 1.5, 3)
        bn.bias.data[...] = rng.standard_normal(3)
    x = _t64(rng, 4, 3, 2)
    bn.momentum = 0.0  # keep the running statistics fixed during the check
    dg.gradcheck(lambda x, w, b: bn(x), x, bn.weight, bn.bias)
    bn.eval()
    dg.gradcheck(lambda x, w, b: bn(x), x, bn.weight, bn.bias)
    assert bn(x).dtype == np.float64


def test_batch_norm_errors():
    with pytest.raises(ValueError, match=r"BatchNorm1d\(3\): expected 3 channels.*\(4, 5\)"):
        nn.BatchNorm1d(3)(dg.zeros(4, 5))
    with pytest.raises(ValueError, match=r"BatchNorm2d\(3\).*\(N, C, H, W\).*3-D"):
        nn.BatchNorm2d(3)(dg.zeros(4, 3, 5))
    with pytest.raises(ValueError, match=r"BatchNorm1d\(3\).*\(N, C\) or \(N, C, L\).*4-D"):
        nn.BatchNorm1d(3)(dg.zeros(1, 3, 2, 2))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(dg.zeros(1, 3))
    nn.BatchNorm1d(3).eval()(dg.zeros(1, 3))  # fine in eval
    with pytest.raises(ValueError, match=r"running_mean must have shape \(3,\)"):
        F.batch_norm(dg.zeros(2, 3), dg.zeros(4), dg.ones(3), training=True)
    with pytest.raises(ValueError, match="num_features"):
        nn.BatchNorm2d(-1)  # 0 builds an empty layer, as PyTorch's


def test_batch_norm_float32_stays_float32(rng):
    bn = nn.BatchNorm2d(3)
    x = dg.tensor(rng.standard_normal((2, 3, 4, 4)).astype(np.float32), requires_grad=True)
    y = bn(x)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32
    assert bn.weight.grad.dtype == np.float32 and bn.running_var.dtype == np.float32


@pytest.mark.parametrize("fn", ["layer_norm", "rms_norm"])
@pytest.mark.parametrize(
    "ns", [5, np.int64(5), True, None, "5", (5.0,), "tensor", "array", ()], ids=repr
)
def test_normalized_shape_is_a_tuple_of_ints_as_torch(torch, fn, ns):
    """``F.layer_norm(x, 5)`` / ``F.rms_norm(x, 5)``: PyTorch's parser wants a tuple of ints
    there (``TypeError``; an empty tuple its ``RuntimeError``), while the layers take an int."""
    x = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)

    def call(lib, f):
        arg = ns
        if isinstance(ns, str) and ns != "5":
            arg = lib.tensor([5]) if ns == "tensor" else np.array([5])
        return getattr(f, fn)(lib.tensor(x), arg)

    cls = RuntimeError if isinstance(ns, tuple) and not ns else TypeError
    with pytest.raises(cls) as want:
        call(torch, torch.nn.functional)
    with pytest.raises(cls) as got:
        call(dg, F)
    assert str(want.value)[:60] in str(got.value)
    # the accepted forms, and the layers with an int
    for good in ([5], (5,), dg.Size([5])):
        np.testing.assert_allclose(
            getattr(F, fn)(dg.tensor(x), good).numpy(),
            getattr(torch.nn.functional, fn)(torch.tensor(x), tuple(good)).numpy(),
            rtol=1e-5,
            atol=1e-6,
        )
    layer = {"layer_norm": "LayerNorm", "rms_norm": "RMSNorm"}[fn]
    np.testing.assert_allclose(
        getattr(nn, layer)(5)(dg.tensor(x)).detach().numpy(),
        getattr(torch.nn, layer)(5)(torch.tensor(x)).detach().numpy(),
        rtol=1e-5,
        atol=1e-6,
    )


def test_clamped_norms_stay_infinite_as_torch():
    # the straight-through clamp adds max(n, eps) - n: at n = inf that was inf - inf = NaN
    torch = pytest.importorskip("torch")
    for m in (dg, torch):
        a = m.tensor([[1e300, 2.0], [1.0, 3.0]], dtype=m.float64)
        b = m.tensor([[1.0, 1.0], [1e300, 0.5]], dtype=m.float64)
        got = m.nn.functional.cosine_similarity(a, b, dim=0)
        var = m.tensor([float("inf"), 0.5], dtype=m.float64)
        nll = m.nn.functional.gaussian_nll_loss(
            m.zeros(2, dtype=m.float64), m.ones(2, dtype=m.float64), var, reduction="none"
        )
        if m is dg:
            ours = (got.numpy(), nll.numpy())
        else:
            np.testing.assert_allclose(ours[0], got.numpy(), rtol=1e-12)
            np.testing.assert_allclose(ours[1], nll.numpy(), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [7, 11, 49, 64, 768])
def test_layer_norm_gradient_of_a_constant_row_is_zero(dtype, n):
    """A row of equal values (a padding position) with an equal gradient along it: the input's
    gradient is 0, as PyTorch's. Its mean ⟨g⟩ is now the row's sum divided by n; summing terms
    each scaled by 1/n left it ~n ulp off, which the row's 1/σ = 1/√eps amplified (-3e-5)."""
    x = np.zeros((3, n), dtype)
    x[1] = 2.5
    x[2] = -1.0
    t = dg.tensor(x, requires_grad=True)
    dg.nn.functional.layer_norm(t, (n,)).sum().backward()
    assert not t.grad.numpy().any()
    t = dg.tensor(x, requires_grad=True)
    w = dg.tensor(np.full(n, 1.5, dtype), requires_grad=True)
    dg.nn.functional.layer_norm(t, (n,), w).sum().backward()
    assert not t.grad.numpy().any()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_eval_input_gradient_is_torchs_bit_for_bit(dtype, affine):
    """Outside training the input's gradient is PyTorch's ``(gy · invstd) · w`` with
    ``invstd = 1/√(running_var + eps)`` computed in float64 and rounded (``gy · (invstd·w)``
    in the input's dtype differed in the last bit)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    X, G = (rng.standard_normal((4, 3, 5, 6)).astype(dtype) for _ in range(2))
    rm, w, b = (rng.standard_normal(3).astype(dtype) for _ in range(3))
    rv = (rng.random(3) + 0.5).astype(dtype)
    grads = []
    for lib in (torch, dg):
        x = lib.tensor(X, requires_grad=True)
        wb = (lib.tensor(w), lib.tensor(b)) if affine else (None, None)
        y = lib.nn.functional.batch_norm(x, lib.tensor(rm), lib.tensor(rv), *wb, training=False)
        grads.append(lib.autograd.grad(y, x, lib.tensor(G))[0].numpy())
    np.testing.assert_array_equal(grads[1], grads[0])
