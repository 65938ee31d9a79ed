"""``linear_cross_entropy`` and ``nn.LinearCrossEntropyLoss`` (PyTorch 2.13's fused head and
loss): the reference path and the chunked one (``options``), against torch 2.13 — values and
gradients in float64, the module's weights, repr and state dict, the checks and refusals."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.functional.linear_cross_entropy import LinearCrossEntropyChunked

OPTIONS = [
    None,
    {},  # auto: aspect_ratio:2
    {"batch_chunk_size": 4, "chunking_method": None},
    {"chunking_method": "aspect_ratio"},
    {"batch_chunk_size": 3},  # an explicit size turns "auto" off
]
EXTRAS = [
    {},
    {"bias": True},
    {"class_weight": True},
    {"bias": True, "class_weight": True, "ignore_index": 2},
    {"unbatched": True},
    {"label_smoothing": 0.1},  # with options: PyTorch's warning, the reference path
]


def _run(m, reduction, options, extra):
    m.manual_seed(0)
    n, n_in, c = 13, 5, 7
    x = m.randn(n, n_in, dtype=m.float64, requires_grad=True)
    w = m.randn(c, n_in, dtype=m.float64, requires_grad=True)
    b = m.randn(c, dtype=m.float64, requires_grad=True)
    t = m.randint(0, c, (n,))
    t[3] = extra.get("ignore_index", -100)  # an ignored label
    kw = {"reduction": reduction}
    if options is not None:
        kw["options"] = m.nn.LinearCrossEntropyOptions(**options)
    if extra.get("bias"):
        kw["linear_bias"] = b
    if extra.get("class_weight"):
        kw["weight"] = m.rand(c, dtype=m.float64)
    for k in ("ignore_index", "label_smoothing"):
        if k in extra:
            kw[k] = extra[k]
    xs, ts = (x[0], t[0]) if extra.get("unbatched") else (x, t)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        out = m.nn.functional.linear_cross_entropy(xs, w, ts, **kw)
    out.sum().backward()
    warned = any("options`` ignored" in str(s.message) for s in seen)
    grads = [g.numpy() for g in (x.grad, w.grad) + ((b.grad,) if extra.get("bias") else ())]
    return out.detach().numpy(), grads, warned


@pytest.mark.parametrize("extra", EXTRAS, ids=lambda e: ",".join(e) or "plain")
@pytest.mark.parametrize("options", OPTIONS, ids=str)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_values_and_gradients_are_torchs(torch, reduction, options, extra):
    out, grads, warned = _run(dg, reduction, options, extra)
    t_out, t_grads, t_warned = _run(torch, reduction, options, extra)
    np.testing.assert_allclose(out, t_out, rtol=1e-11, atol=1e-13)
    for g, tg in zip(grads, t_grads, strict=True):
        np.testing.assert_allclose(g, tg, rtol=1e-10, atol=1e-12)
    assert warned == t_warned


def test_the_chunked_path_is_one_node_and_its_gradient_checks():
    x = dg.randn(9, 4, dtype=dg.float64, requires_grad=True)
    w = dg.randn(6, 4, dtype=dg.float64, requires_grad=True)
    b = dg.randn(6, dtype=dg.float64, requires_grad=True)
    t = dg.tensor([0, 5, 2, 2, -100, 1, 3, 4, 0])
    opts = dg.nn.LinearCrossEntropyOptions(batch_chunk_size=2, chunking_method=None)

    def f(x, w, b):
        return dg.nn.functional.linear_cross_entropy(x, w, t, linear_bias=b, options=opts)

    assert isinstance(f(x, w, b).grad_fn, LinearCrossEntropyChunked)
    opts = dg.nn.LinearCrossEntropyOptions(
        batch_chunk_size=2, chunking_method=None, allow_retain_graph=True
    )  # gradcheck differentiates the same graph several times
    assert dg.autograd.gradcheck(f, (x, w, b))


def test_float32_chunked_matches_torch(torch):
    def run(m):
        m.manual_seed(2)
        x = m.randn(64, 16, requires_grad=True)
        w = m.randn(100, 16, requires_grad=True)
        t = m.randint(0, 100, (64,))
        out = m.nn.functional.linear_cross_entropy(
            x, w, t, options=m.nn.LinearCrossEntropyOptions()
        )
        out.backward()
        return out.item(), x.grad.numpy(), w.grad.numpy()

    (a, ax, aw), (b, bx, bw) = run(dg), run(torch)
    assert a == pytest.approx(b, rel=1e-6)
    np.testing.assert_allclose(ax, bx, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(aw, bw, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(
    "kw",
    [{}, {"bias": True}, {"out_features": (4, 3)},
     {"out_features": (2,), "bias": True, "reduction": "none"}, {"label_smoothing": 0.2}],
    ids=str,
)  # fmt: skip
def test_the_module_is_torchs(torch, kw):
    """Its Linear (PyTorch's weights for the seed, flat as PyTorch stores them), repr, state
    dict, K-dimensional targets, values and gradients."""

    def run(m):
        m.manual_seed(1)
        loss = m.nn.LinearCrossEntropyLoss(5, 10, **kw)
        x = m.randn(2, 5, requires_grad=True)
        t = m.randint(0, 10, (2, *kw.get("out_features", ())))
        out = loss(x, t)
        out.sum().backward()
        grads = (out.detach().numpy(), x.grad.numpy(), loss.linear.weight.grad.numpy())
        return repr(loss), list(loss.state_dict()), grads

    (r, keys, got), (tr, tkeys, want) = run(dg), run(torch)
    assert (r, keys) == (tr, tkeys)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def test_class_probabilities_and_refusals_as_torch(torch):
    for m in (dg, torch):
        m.manual_seed(1)
    x, w, p = dg.randn(3, 4), dg.randn(6, 4), dg.randn(3, 6).softmax(1)
    tx, tw, tp = (torch.from_numpy(a.numpy()) for a in (x, w, p))
    F, TF = dg.nn.functional, torch.nn.functional
    assert F.linear_cross_entropy(x, w, p).item() == pytest.approx(
        TF.linear_cross_entropy(tx, tw, tp).item(), rel=1e-6
    )
    bad = [
        ((x, w, p), {"ignore_index": 1}, "ignore_index cannot be specified"),
        ((x, w[:, :3], dg.tensor([0, 1, 2])), {}, "last dimensions"),
        ((x[0, 0], w, dg.tensor(0)), {}, "dimensionality 1 or 2"),
        ((x, w[0], dg.tensor([0, 1, 2])), {}, "at least 2"),
        ((x, w, dg.tensor([0, 1, 2])), {"linear_bias": dg.ones(5)}, "linear_bias shape"),
        ((x[0], w.reshape(6, 1, 4), dg.tensor([0])), {}, "requires batched input"),
    ]
    for args, kw, words in bad:
        targs = tuple(torch.from_numpy(a.numpy()) for a in args)
        tkw = {k: torch.from_numpy(v.numpy()) if isinstance(v, dg.Tensor) else v
               for k, v in kw.items()}  # fmt: skip
        with pytest.raises(RuntimeError, match=words):
            TF.linear_cross_entropy(*targs, **tkw)
        with pytest.raises(RuntimeError, match=words):
            F.linear_cross_entropy(*args, **kw)
    labels = dg.tensor([0, 1, 9])
    with pytest.raises(IndexError, match="Target 9 is out of bounds"):
        F.linear_cross_entropy(x, w, labels, options=dg.nn.LinearCrossEntropyOptions())


@pytest.mark.parametrize(
    "kw",
    [{"chunking_method": "foo"}, {"chunking_method": "aspect_ratio:0"}, {"acc_policy": "fast"},
     {"batch_chunk_size": 0}, {"batch_chunk_size": 2.5}, {"acc_dtype": "int8"}],
    ids=str,
)  # fmt: skip
def test_options_refuse_what_torch_refuses(torch, kw):
    tkw = {k: getattr(torch, v) if k == "acc_dtype" else v for k, v in kw.items()}
    dkw = {k: getattr(dg, v) if k == "acc_dtype" else v for k, v in kw.items()}
    with pytest.raises(ValueError):
        torch.nn.LinearCrossEntropyOptions(**tkw)
    with pytest.raises(ValueError):
        dg.nn.LinearCrossEntropyOptions(**dkw)


def test_a_second_backward_needs_allow_retain_graph(torch):
    for m in (dg, torch):
        w = m.randn(6, 4)
        for allow in (False, True):
            x = m.randn(8, 4, requires_grad=True)
            opts = m.nn.LinearCrossEntropyOptions(
                batch_chunk_size=4, chunking_method=None, allow_retain_graph=allow
            )
            out = m.nn.functional.linear_cross_entropy(
                x, w, m.tensor([0, 1, 2, 3, 4, 5, 0, 1]), options=opts
            )
            out.backward(retain_graph=True)
            if allow:
                out.backward()
            else:
                with pytest.raises(RuntimeError):
                    out.backward()
