"""Every input form that PyTorch's layer (or function) accepts, deepgrad's accepts too, with the
same output shape, the same values and the same gradients (input and parameters; weights copied
from deepgrad into torch, float64): batched and unbatched samples, any leading axes, 0-d
indices... The forms PyTorch rejects raise a ValueError that names the shape that came."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import functional as F
from deepgrad import nn

TOL = {"rtol": 1e-7, "atol": 1e-9}


# ---- helpers -----------------------------------------------------------------------------------
def _leaves(out):
    """The tensors of a (nested) tuple of results, None left out."""
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _leaves(o)]
    return [] if out is None else [out]


def _pair(torch, shape, seed=0, grad=True):
    x = np.random.default_rng(seed).normal(size=shape)
    return (
        dg.tensor(x, dtype=dg.float64, requires_grad=grad),
        torch.tensor(x, dtype=torch.float64, requires_grad=grad),
    )


def _copy(layer, tlayer, torch):
    """float64 both, torch's parameters and buffers set to deepgrad's."""
    layer.double()
    tlayer.double()
    sd = {k: torch.from_numpy(np.array(v)) for k, v in layer.state_dict().items()}
    tlayer.load_state_dict(sd)


def _compare(torch, out, tout, inputs=(), tinputs=(), layer=None, tlayer=None):
    """Equal results (shapes, values, int64 indices), then equal gradients of
    ``Σ_k Σ out_k ⊙ v_k`` (fixed random ``v_k``) for the inputs and the layer's parameters."""
    outs, touts = _leaves(out), _leaves(tout)
    assert len(outs) == len(touts)
    loss = tloss = None
    for k, (o, t) in enumerate(zip(outs, touts)):
        assert o.shape == tuple(t.shape)
        if o.dtype.kind != "f":
            np.testing.assert_array_equal(o.numpy(), t.numpy())
            continue
        np.testing.assert_allclose(o.numpy(), t.detach().numpy(), **TOL)
        v = np.random.default_rng(100 + k).normal(size=o.shape)
        term, tterm = (o * dg.tensor(v)).sum(), (t * torch.tensor(v)).sum()
        loss = term if loss is None else loss + term
        tloss = tterm if tloss is None else tloss + tterm
    if loss is None or not loss.requires_grad:
        return
    loss.backward()
    tloss.backward()
    for a, ta in zip(inputs, tinputs):
        np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), **TOL)
    if layer is not None:
        tparams = dict(tlayer.named_parameters())
        for name, p in layer.named_parameters():
            if p.grad is None:
                assert tparams[name].grad is None or not tparams[name].grad.any(), name
            else:
                np.testing.assert_allclose(p.grad.numpy(), tparams[name].grad.numpy(), **TOL)
        tbufs = dict(tlayer.named_buffers())
        for name, b in layer.named_buffers():  # running statistics moved the same way
            if name in tbufs and tbufs[name] is not None:
                np.testing.assert_allclose(b.numpy(), tbufs[name].numpy(), **TOL)


# ---- one-input layers: accepted forms ----------------------------------------------------------
def _case(name, args, kwargs, shape, train=True, tkwargs=None):
    ident = f"{name}{list(args) if args else ''}{kwargs or ''}-{'x'.join(map(str, shape)) or '0d'}"
    return pytest.param(
        name, args, kwargs, shape, train, tkwargs, id=ident + ("" if train else "-eval")
    )


ACCEPTED = [
    # Linear: any leading axes, a single vector, an empty batch
    *(_case("Linear", (4, 3), {}, s) for s in [(4,), (2, 4), (2, 5, 4), (2, 3, 2, 4), (0, 4)]),
    # convolutions: batched (N, C, *spatial) and one unbatched sample (C, *spatial)
    *(_case("Conv1d", (3, 4, 3), kw, s) for s in [(2, 3, 9), (3, 9)]
      for kw in [{}, {"padding": 1, "padding_mode": "reflect"}, {"stride": 2, "dilation": 2}]),
    *(_case("Conv2d", (3, 4, 3), kw, s) for s in [(2, 3, 6, 6), (3, 6, 6)]
      for kw in [{}, {"padding": "same", "padding_mode": "circular"}, {"stride": 2, "dilation": (1, 2)}]),
    *(_case("Conv2d", (3, 6, 3), {"groups": 3}, s) for s in [(2, 3, 6, 6), (3, 6, 6)]),
    *(_case("ConvTranspose1d", (3, 2, 3), {"stride": 2}, s) for s in [(2, 3, 5), (3, 5)]),
    *(_case("ConvTranspose2d", (3, 2, 3), {"stride": 2, "output_padding": 1}, s)
      for s in [(2, 3, 4, 4), (3, 4, 4)]),
    # pooling, batched and unbatched
    *(_case("MaxPool1d", (3,), {"stride": 2, "padding": 1}, s) for s in [(2, 3, 8), (3, 8)]),
    *(_case("MaxPool2d", (2,), {"ceil_mode": True}, s) for s in [(2, 3, 5, 5), (3, 5, 5)]),
    *(_case("AvgPool1d", (3,), {"stride": 2, "padding": 1}, s) for s in [(2, 3, 8), (3, 8)]),
    *(_case("AvgPool2d", (2,), {"count_include_pad": False, "padding": 1}, s)
      for s in [(2, 3, 5, 5), (3, 5, 5)]),
    *(_case("AdaptiveAvgPool1d", (3,), {}, s) for s in [(2, 3, 8), (3, 8)]),
    *(_case("AdaptiveAvgPool2d", ((2, 3),), {}, s) for s in [(2, 3, 5, 7), (3, 5, 7)]),
    *(_case("AdaptiveMaxPool1d", (3,), {"return_indices": True}, s) for s in [(2, 3, 8), (3, 8)]),
    *(_case("AdaptiveMaxPool2d", (3,), {"return_indices": ri}, s) for s in [(2, 3, 5, 7), (3, 5, 7)]
      for ri in (False, True)),
    # normalization
    *(_case("BatchNorm1d", (3,), {}, s, train) for s in [(4, 3), (4, 3, 5)] for train in (True, False)),
    *(_case("BatchNorm2d", (3,), {}, (2, 3, 4, 4), train) for train in (True, False)),
    *(_case("LayerNorm", (4,), {}, s) for s in [(4,), (2, 4), (2, 3, 4), (2, 3, 2, 4)]),
    *(_case("LayerNorm", ((3, 4),), {}, s) for s in [(3, 4), (2, 3, 4), (2, 2, 3, 4)]),
    *(_case("GroupNorm", (2, 4), {}, s) for s in [(2, 4), (2, 4, 5), (2, 4, 3, 3)]),
    *(_case("InstanceNorm1d", (3,), {"affine": True}, s) for s in [(2, 3, 5), (3, 5)]),
    *(_case("InstanceNorm2d", (3,), {"affine": True, "track_running_stats": True}, s, train)
      for s in [(2, 3, 4, 4), (3, 4, 4)] for train in (True, False)),
    # shape and activation layers
    *(_case("Flatten", a, {}, s) for a, s in [((), (2, 3, 4)), ((), (2, 3)), ((0, -1), ()),
                                               ((0, -1), (4,)), ((1, 2), (2, 3, 4, 5)),
                                               ((-2, -1), (2, 3)), ((1, 1), (2, 3)), ((0, 0), ())]),
    *(_case(n, (), {"dim": d}, s) for n in ("Softmax", "LogSoftmax", "Softmin")
      for d, s in [(0, ()), (0, (4,)), (-1, (4,)), (1, (2, 4)), (0, (2, 3, 4)), (1, (2, 3, 4, 5))]),
    # without dim, PyTorch's legacy implicit axis (0 for 1-d and 3-d input, else 1), with its
    # deprecation warning
    *(_case(n, (), {}, s) for n in ("Softmax", "LogSoftmax", "Softmin")
      for s in [(4,), (2, 4), (2, 3, 4), (2, 3, 4, 5)]),
    *(_case("PReLU", a, {}, s) for a, s in [((), ()), ((), (3,)), ((3,), (2, 3)), ((3,), (2, 3, 4))]),
    *(_case(n, (), {}, s) for n in ("ReLU", "GELU", "Tanh", "SiLU") for s in [(), (3,), (2, 3, 4)]),
    *(_case("Dropout", (), {}, s, train=False) for s in [(), (3,), (2, 3, 4)]),
    *(_case("Dropout2d", (), {}, s, train=False) for s in [(2, 3, 4, 4), (3, 4, 4)]),
    *(_case("Upsample", (), {"scale_factor": 2}, s) for s in [(2, 3, 4), (2, 3, 4, 4)]),
    _case("Upsample", (), {"size": 5, "mode": "linear"}, (2, 3, 4)),
    _case("Upsample", (), {"size": (5, 3), "mode": "bilinear", "align_corners": True}, (2, 3, 4, 4)),
    _case("Identity", (), {}, ()),
    # PyTorch's newer layers (issue 13)
    *(_case("Conv3d", (3, 4, 3), kw, s) for s in [(2, 3, 5, 5, 5), (3, 5, 5, 5), (0, 3, 5, 5, 5)]
      for kw in [{}, {"padding": "same", "padding_mode": "reflect"}, {"stride": 2, "dilation": (1, 2, 1)}]),
    *(_case("ConvTranspose3d", (3, 2, 3), {"stride": 2, "output_padding": 1}, s)
      for s in [(2, 3, 3, 3, 3), (3, 3, 3, 3)]),
    *(_case("MaxPool3d", (2,), {"ceil_mode": True}, s) for s in [(2, 3, 5, 5, 5), (3, 5, 5, 5)]),
    *(_case("AvgPool3d", (2,), {"count_include_pad": False, "padding": 1}, s)
      for s in [(2, 3, 5, 5, 5), (3, 5, 5, 5)]),
    *(_case("LocalResponseNorm", (3,), {}, s) for s in [(2, 5, 4), (2, 5, 3, 3), (2, 5, 2, 2, 2)]),
    *(_case("PixelShuffle", (2,), {}, s) for s in [(2, 8, 3, 3), (8, 3, 3), (2, 1, 4, 2, 3)]),
    *(_case("PixelUnshuffle", (2,), {}, s) for s in [(2, 2, 4, 6), (2, 4, 6)]),
    *(_case("ChannelShuffle", (2,), {}, s) for s in [(2, 4, 3), (2, 4, 3, 3)]),
    *(_case("Unfold", (2,), {"padding": 1}, s) for s in [(2, 3, 4, 4), (3, 4, 4)]),
    *(_case("Fold", ((4, 5), 2), {}, s) for s in [(2, 8, 12), (8, 12)]),
    *(_case("Softmax2d", (), {}, s) for s in [(2, 3, 4, 4), (3, 4, 4)]),
    *(_case("GLU", (), kw, s) for kw, s in [({}, (4,)), ({}, (2, 3, 6)), ({"dim": 1}, (2, 4, 3))]),
    *(_case(n, (), {}, s) for n in ("Softshrink", "Hardshrink") for s in [(), (3,), (2, 3, 4)]),
    *(_case("RReLU", (), {}, s, train=False) for s in [(), (2, 3)]),
    *(_case(n, (), {}, s, train=False) for n in ("AlphaDropout", "FeatureAlphaDropout")
      for s in [(3,), (2, 3, 4)]),
    *(_case("Dropout1d", (), {}, s, train=False) for s in [(2, 3, 4), (3, 4)]),
    *(_case("Dropout3d", (), {}, s, train=False) for s in [(2, 3, 2, 2, 2), (3, 2, 2, 2)]),
    *(_case("Unflatten", (1, (2, -1)), {}, s) for s in [(2, 6), (2, 4, 3)]),
    _case("Identity", (54,), {"unused": "x"}, (2, 3)),
]  # fmt: skip


@pytest.mark.filterwarnings("ignore:dropout2d. Received a 3D input:UserWarning")  # torch's
@pytest.mark.parametrize("name, args, kwargs, shape, train, tkwargs", ACCEPTED)
def test_accepted_input_matches_torch(name, args, kwargs, shape, train, tkwargs, torch):
    layer = getattr(nn, name)(*args, **kwargs)
    tlayer = getattr(torch.nn, name)(*args, **(kwargs if tkwargs is None else tkwargs))
    _copy(layer, tlayer, torch)
    layer.train(train)
    tlayer.train(train)
    a, ta = _pair(torch, shape)
    _compare(torch, layer(a), tlayer(ta), [a], [ta], layer, tlayer)


def test_unbatched_is_the_batch_of_one():
    """An unbatched sample gives the batched result of the batch holding it, without the axis."""
    for layer, shape in [
        (nn.Conv2d(2, 3, 3, padding=1), (2, 5, 5)),
        (nn.ConvTranspose1d(2, 3, 3, stride=2), (2, 4)),
        (nn.MaxPool2d(2), (2, 4, 4)),
        (nn.AdaptiveAvgPool1d(2), (2, 5)),
        (nn.InstanceNorm1d(2), (2, 5)),
    ]:
        x = np.random.default_rng(0).normal(size=shape)
        one = layer(dg.tensor(x, dtype=dg.float32)).numpy()
        batch = layer(dg.tensor(x[None], dtype=dg.float32)).numpy()
        np.testing.assert_allclose(batch[0], one, rtol=1e-6, atol=1e-7)


# ---- one-input layers: rejected forms -----------------------------------------------------------
REJECTED = [
    ("Linear", (4, 3), {}, ()),
    ("Linear", (4, 3), {}, (3,)),
    ("Linear", (4, 3), {}, (2, 3)),
    ("Conv1d", (3, 4, 3), {}, (9,)),
    ("Conv1d", (3, 4, 3), {}, (1, 2, 3, 9)),
    ("Conv1d", (3, 4, 3), {}, (2, 4, 9)),
    ("Conv1d", (3, 4, 3), {}, (4, 9)),
    ("Conv2d", (3, 4, 3), {}, (7, 7)),
    ("Conv2d", (3, 4, 3), {}, (1, 2, 3, 7, 7)),
    ("Conv2d", (3, 4, 3), {}, (2, 7, 7)),
    ("ConvTranspose1d", (3, 4, 3), {}, (9,)),
    ("ConvTranspose2d", (3, 4, 3), {}, (7, 7)),
    ("ConvTranspose2d", (3, 4, 3), {}, (1, 2, 3, 7, 7)),
    ("MaxPool1d", (2,), {}, (8,)),
    ("MaxPool1d", (2,), {}, (1, 2, 3, 8)),
    ("MaxPool2d", (2,), {}, (6, 6)),
    ("MaxPool2d", (2,), {}, (1, 2, 3, 6, 6)),
    ("AvgPool1d", (2,), {}, (8,)),
    ("AvgPool2d", (2,), {}, (6, 6)),
    ("AdaptiveAvgPool1d", (3,), {}, (8,)),
    ("AdaptiveAvgPool2d", (3,), {}, (1, 2, 3, 6, 6)),
    ("AdaptiveMaxPool1d", (3,), {}, (1, 2, 3, 8)),
    ("AdaptiveMaxPool2d", (3,), {}, (6, 6)),
    ("BatchNorm1d", (3,), {}, (3,)),
    ("BatchNorm1d", (3,), {}, (3, 5)),
    ("BatchNorm1d", (3,), {}, (2, 3, 4, 5)),
    ("BatchNorm2d", (3,), {}, (3, 4, 4)),
    ("BatchNorm2d", (3,), {}, (1, 2, 3, 4, 4)),
    ("LayerNorm", (4,), {}, ()),
    ("LayerNorm", (4,), {}, (4, 3)),
    ("LayerNorm", ((3, 4),), {}, (4,)),
    ("GroupNorm", (2, 4), {}, (4,)),
    ("GroupNorm", (2, 4), {}, (4, 5)),
    ("InstanceNorm1d", (3,), {"affine": True}, (5,)),
    ("InstanceNorm1d", (3,), {"affine": True}, (2, 3, 5, 5)),
    ("InstanceNorm2d", (3,), {"affine": True}, (4, 4)),
    ("Upsample", (), {"scale_factor": 2}, (3, 4)),
    ("Upsample", (), {"size": 5, "mode": "bilinear"}, (3, 4, 4)),
    ("PReLU", (3,), {}, (4, 2)),
    ("Conv3d", (3, 4, 3), {}, (3, 5, 5)),
    ("Conv3d", (3, 4, 3), {}, (2, 2, 5, 5, 5)),
    ("ConvTranspose3d", (3, 4, 3), {}, (3, 5, 5)),
    ("MaxPool3d", (2,), {}, (6, 6)),
    ("AvgPool3d", (2,), {}, (1, 2, 3, 4, 6, 6)),
    ("LocalResponseNorm", (2,), {}, (3, 4)),
    ("PixelShuffle", (2,), {}, (4, 3)),
    ("PixelShuffle", (2,), {}, (1, 6, 3, 3)),
    ("PixelUnshuffle", (2,), {}, (1, 2, 3, 4)),
    ("ChannelShuffle", (2,), {}, (2, 3, 4)),
    ("Unfold", (2,), {}, (3, 4)),
    ("Fold", ((4, 4), 2), {}, (1, 8, 8)),
    ("Softmax2d", (), {}, (3, 4)),
    ("GLU", (), {}, (2, 3)),
    ("Dropout1d", (), {}, (2, 3, 4, 5)),
]


@pytest.mark.parametrize(
    "name, args, kwargs, shape", REJECTED, ids=[f"{c[0]}-{c[3]}" for c in REJECTED]
)
def test_rejected_input_raises_like_torch(name, args, kwargs, shape, torch):
    with pytest.raises(Exception):  # noqa: B017 - torch's types vary (RuntimeError, ValueError...)
        getattr(torch.nn, name)(*args, **kwargs)(torch.zeros(shape))
    with pytest.raises(ValueError) as info:
        getattr(nn, name)(*args, **kwargs)(dg.zeros(*shape))
    assert str(shape) in str(info.value)  # names the shape that came


def test_rejected_messages_name_both_forms():
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\) or \(3, H, W\), got \(7, 7\)"):
        nn.Conv2d(3, 4, 3)(dg.zeros(7, 7))
    with pytest.raises(ValueError, match=r"4-D input \(N, C, H, W\) or an unbatched 3-D input"):
        nn.MaxPool2d(2)(dg.zeros(6, 6))
    with pytest.raises(ValueError, match=r"AvgPool1d.*3-D input \(N, C, L\) or an unbatched 2-D"):
        nn.AvgPool1d(2)(dg.zeros(8))
    with pytest.raises(ValueError, match=r"conv1d: expected a 3-D input .* got shape \(9,\)"):
        F.conv1d(dg.zeros(9), dg.zeros(4, 3, 3))
    with pytest.raises(ValueError, match=r"conv2d: weight .* got input of shape \(2, 6, 6\)"):
        F.conv2d(dg.zeros(2, 6, 6), dg.zeros(4, 3, 3, 3))  # the unbatched shape, as given


def test_flatten_out_of_range_axes_raise_like_torch(torch):
    for args, shape in [((), (2,)), ((), ()), ((1, 2), (2, 3)), ((2, 1), (2, 3, 4))]:
        with pytest.raises(Exception):  # noqa: B017
            torch.nn.Flatten(*args)(torch.zeros(shape))
        with pytest.raises(ValueError, match="flatten"):
            nn.Flatten(*args)(dg.zeros(*shape))


# ---- functional forms that PyTorch's functions accept unbatched --------------------------------
FUNCTIONAL = [
    ("conv1d", (3, 7), (4, 3, 3), {"padding": 1, "stride": 2}),
    ("conv1d", (4, 7), (4, 2, 3), {"groups": 2, "padding": "same"}),
    ("conv2d", (3, 5, 5), (4, 3, 3, 3), {"padding": 1, "dilation": 2}),
    ("conv_transpose1d", (3, 5), (3, 2, 3), {"stride": 2, "output_padding": 1}),
    ("conv_transpose2d", (4, 3, 3), (4, 1, 3, 3), {"stride": 2, "groups": 2}),
    ("max_pool1d", (3, 8), None, {"kernel_size": 3, "stride": 2, "padding": 1}),
    ("max_pool2d", (3, 5, 5), None, {"kernel_size": 2, "ceil_mode": True}),
    ("avg_pool1d", (3, 8), None, {"kernel_size": 3, "count_include_pad": False, "padding": 1}),
    ("avg_pool2d", (3, 5, 5), None, {"kernel_size": 2, "stride": 1, "divisor_override": 3}),
    ("adaptive_avg_pool1d", (3, 7), None, {"output_size": 3}),
    ("adaptive_avg_pool2d", (3, 5, 7), None, {"output_size": (2, 4)}),
    ("adaptive_max_pool1d", (3, 7), None, {"output_size": 3, "return_indices": True}),
    ("adaptive_max_pool2d", (3, 5, 7), None, {"output_size": (2, 4), "return_indices": True}),
]


@pytest.mark.parametrize("fn, shape, wshape, kwargs", FUNCTIONAL, ids=[c[0] for c in FUNCTIONAL])
def test_functional_unbatched_matches_torch(fn, shape, wshape, kwargs, torch):
    tF = torch.nn.functional
    a, ta = _pair(torch, shape)
    ins, tins = [a], [ta]
    if wshape is not None:
        w, tw = _pair(torch, wshape, seed=1)
        b, tb = _pair(torch, (wshape[1] * kwargs.get("groups", 1),) if "transpose" in fn
                      else (wshape[0],), seed=2)  # fmt: skip
        ins, tins = [a, w, b], [ta, tw, tb]
    out, tout = getattr(F, fn)(*ins, **kwargs), getattr(tF, fn)(*tins, **kwargs)
    assert _leaves(out)[0].ndim == len(shape)
    _compare(torch, out, tout, ins, tins)


@pytest.mark.parametrize(
    "fn, shape, wshape, kwargs", FUNCTIONAL[:7], ids=[c[0] for c in FUNCTIONAL[:7]]
)
def test_functional_unbatched_gradcheck(fn, shape, wshape, kwargs):
    rng = np.random.default_rng(3)
    x = dg.tensor(rng.normal(size=shape), requires_grad=True)
    if wshape is None:
        dg.gradcheck(lambda x: getattr(F, fn)(x, **kwargs), x)
        return
    w = dg.tensor(rng.normal(size=wshape), requires_grad=True)
    dg.gradcheck(lambda x, w: getattr(F, fn)(x, w, **kwargs), x, w)


# ---- Dropout2d --------------------------------------------------------------------------------
@pytest.mark.parametrize("layer", ["Dropout2d", "Dropout3d"])
@pytest.mark.parametrize("shape", [(2, 3, 4, 4), (3, 4, 4), (4,), (4, 4), (1, 2, 3, 4, 4)])
def test_dropout2d_reads_shapes_as_torch(torch, shape, layer):
    """PyTorch 2.13's reading, mask and warnings: Dropout2d drops x[n, c] of the first two
    dims whole — a 3-D input is (N, C, L) (dropout1d's channels, warned), other ranks than 3
    and 4 are warned about as deprecated, fewer than 2 dims refused; Dropout3d reads a rank
    other than 5 unbatched (other than 4 and 5 warned about)."""

    def run(m):
        m.manual_seed(0)
        x = m.ones(*shape, dtype=m.float64, requires_grad=True)
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            y = getattr(m.nn, layer)(0.5)(x)
        y.sum().backward()
        return y.detach().numpy(), x.grad.numpy(), sorted(str(w.message)[:40] for w in seen)

    if len(shape) < 2 and layer == "Dropout2d":
        for m in (torch, dg):
            with pytest.raises(RuntimeError, match="at least 2 dimensions"):
                run(m)
        return
    (y, g, warned), (ty, tg, twarned) = run(dg), run(torch)
    np.testing.assert_array_equal(y, ty)
    np.testing.assert_array_equal(g, tg)
    assert warned == twarned


# ---- Embedding: indices of any shape ----------------------------------------------------------
@pytest.mark.parametrize("shape", [(), (4,), (2, 4), (2, 3, 4), (0,), (2, 0)])
def test_embedding_indices_of_any_shape(shape, torch):
    layer, tlayer = nn.Embedding(5, 3), torch.nn.Embedding(5, 3)
    _copy(layer, tlayer, torch)
    idx = np.random.default_rng(0).integers(0, 5, size=shape)
    out, tout = layer(dg.tensor(idx)), tlayer(torch.tensor(idx))
    assert out.shape == shape + (3,)
    _compare(torch, out, tout, layer=layer, tlayer=tlayer)


# ---- recurrent layers -------------------------------------------------------------------------
RNN_CASES = [
    (cls, kw, x, h)
    for cls in ("RNN", "LSTM", "GRU")
    for kw, x, h in [
        ({}, (5, 2, 3), None),
        ({}, (5, 3), None),
        ({}, (5, 2, 3), (1, 2, 4)),
        ({}, (5, 3), (1, 4)),
        ({"num_layers": 2, "bidirectional": True}, (5, 3), (4, 4)),
        ({"batch_first": True}, (2, 5, 3), (1, 2, 4)),
        ({"batch_first": True}, (5, 3), (1, 4)),
    ]
]


@pytest.mark.parametrize("cls, kw, xshape, hshape", RNN_CASES,
                         ids=[f"{c[0]}{c[1] or ''}-{c[2]}-{c[3]}" for c in RNN_CASES])  # fmt: skip
def test_recurrent_batched_and_unbatched_match_torch(cls, kw, xshape, hshape, torch):
    layer, tlayer = getattr(nn, cls)(3, 4, **kw), getattr(torch.nn, cls)(3, 4, **kw)
    _copy(layer, tlayer, torch)
    x, tx = _pair(torch, xshape)
    ins, tins, args, targs = [x], [tx], [], []
    if hshape is not None:
        h, th = _pair(torch, hshape, seed=1)
        ins, tins = [x, h], [tx, th]
        args, targs = [h], [th]
        if cls == "LSTM":
            c, tc = _pair(torch, hshape, seed=2)
            ins, tins = [x, h, c], [tx, th, tc]
            args, targs = [(h, c)], [(th, tc)]
    _compare(torch, layer(x, *args), tlayer(tx, *targs), ins, tins, layer, tlayer)


def test_lstm_proj_unbatched_states_match_torch(torch):
    layer, tlayer = nn.LSTM(3, 4, proj_size=2), torch.nn.LSTM(3, 4, proj_size=2)
    _copy(layer, tlayer, torch)
    x, tx = _pair(torch, (5, 3))
    h, th = _pair(torch, (1, 2), seed=1)
    c, tc = _pair(torch, (1, 4), seed=2)
    _compare(torch, layer(x, (h, c)), tlayer(tx, (th, tc)), [x, h, c], [tx, th, tc])


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("xshape, hshape", [((5, 3), (1, 1, 4)), ((5, 3), (4,)),
                                            ((5, 2, 3), (1, 4)), ((3,), None),
                                            ((1, 5, 2, 3), None)])  # fmt: skip
def test_recurrent_rejected_shapes(cls, xshape, hshape, torch):
    def call(mod, zeros):
        x = zeros(*xshape)
        if hshape is None:
            return mod(x)
        h = zeros(*hshape)
        return mod(x, (h, zeros(*hshape)) if cls == "LSTM" else h)

    with pytest.raises(Exception):  # noqa: B017
        call(getattr(torch.nn, cls)(3, 4), lambda *s: torch.zeros(s))
    with pytest.raises(ValueError, match=rf"{cls}\(3, 4\): expected .*got (shape )?\(") as info:
        call(getattr(nn, cls)(3, 4), dg.zeros)
    assert str(hshape if hshape is not None else xshape) in str(info.value)


CELL_CASES = [(cls, x, h) for cls in ("RNNCell", "LSTMCell", "GRUCell")
              for x, h in [((2, 3), None), ((3,), None), ((2, 3), (2, 4)), ((3,), (4,))]]  # fmt: skip


@pytest.mark.parametrize("cls, xshape, hshape", CELL_CASES, ids=[str(c) for c in CELL_CASES])
def test_cells_batched_and_unbatched_match_torch(cls, xshape, hshape, torch):
    layer, tlayer = getattr(nn, cls)(3, 4), getattr(torch.nn, cls)(3, 4)
    _copy(layer, tlayer, torch)
    x, tx = _pair(torch, xshape)
    if hshape is None:
        _compare(torch, layer(x), tlayer(tx), [x], [tx], layer, tlayer)
        return
    h, th = _pair(torch, hshape, seed=1)
    if cls == "LSTMCell":
        c, tc = _pair(torch, hshape, seed=2)
        _compare(torch, layer(x, (h, c)), tlayer(tx, (th, tc)), [x, h, c], [tx, th, tc])
    else:
        _compare(torch, layer(x, h), tlayer(tx, th), [x, h], [tx, th], layer, tlayer)


@pytest.mark.parametrize(
    "xshape, hshape", [((3,), (1, 4)), ((2, 3), (4,)), ((1, 2, 3), None), ((), None)]
)
def test_cells_rejected_shapes(xshape, hshape, torch):
    for cls in ("RNNCell", "GRUCell"):
        args = () if hshape is None else (torch.zeros(hshape),)
        with pytest.raises(Exception):  # noqa: B017
            getattr(torch.nn, cls)(3, 4)(torch.zeros(xshape), *args)
        dargs = () if hshape is None else (dg.zeros(*hshape),)
        with pytest.raises(ValueError, match=r"expected .*shape"):
            getattr(nn, cls)(3, 4)(dg.zeros(*xshape), *dargs)


# ---- attention and transformer layers ---------------------------------------------------------
MHA_CASES = [(kw, batched, mask) for kw in ({}, {"batch_first": True}, {"kdim": 5, "vdim": 6})
             for batched in (True, False) for mask in (None, "key_padding", "attn2d", "attn3d")]  # fmt: skip


@pytest.mark.parametrize("kw, batched, mask", MHA_CASES, ids=[str(c) for c in MHA_CASES])
def test_multihead_attention_batched_and_unbatched_match_torch(kw, batched, mask, torch):
    layer, tlayer = nn.MultiheadAttention(4, 2, **kw), torch.nn.MultiheadAttention(4, 2, **kw)
    _copy(layer, tlayer, torch)
    L, S, N = 3, 5, 2

    def shape(n, e):
        if not batched:
            return (n, e)
        return (N, n, e) if kw.get("batch_first") else (n, N, e)

    q, tq = _pair(torch, shape(L, 4))
    k, tk = _pair(torch, shape(S, kw.get("kdim", 4)), seed=1)
    v, tv = _pair(torch, shape(S, kw.get("vdim", 4)), seed=2)
    opts, topts = {}, {}
    if mask == "key_padding":
        m = np.zeros((N, S) if batched else (S,), bool)
        m[..., -1] = True
        opts, topts = {"key_padding_mask": dg.tensor(m)}, {"key_padding_mask": torch.tensor(m)}
    elif mask is not None:
        m = np.triu(np.ones((L, S), bool), 1)
        if mask == "attn3d":
            m = np.broadcast_to(m, ((N if batched else 1) * 2, L, S)).copy()
        opts, topts = {"attn_mask": dg.tensor(m)}, {"attn_mask": torch.tensor(m)}
    out = layer(q, k, v, average_attn_weights=False, **opts)
    tout = tlayer(tq, tk, tv, average_attn_weights=False, **topts)
    assert out[0].shape == q.shape
    _compare(torch, out, tout, [q, k, v], [tq, tk, tv], layer, tlayer)


def test_multihead_attention_rejected_shapes(torch):
    for qs, ks in [
        ((4,), (4,)),
        ((3, 4), (5, 2, 4)),
        ((3, 2, 4), (5, 4)),
        ((1, 3, 2, 4), (1, 5, 2, 4)),
    ]:
        tq, tk = torch.zeros(qs), torch.zeros(ks)
        with pytest.raises(Exception):  # noqa: B017
            torch.nn.MultiheadAttention(4, 2)(tq, tk, tk)
        q, k = dg.zeros(*qs), dg.zeros(*ks)
        with pytest.raises(ValueError, match=r"MultiheadAttention: .*2-D.*got") as info:
            nn.MultiheadAttention(4, 2)(q, k, k)
        assert str(qs) in str(info.value)


TRANSFORMER_CASES = [(kw, batched) for kw in ({}, {"batch_first": True}, {"norm_first": True})
                     for batched in (True, False)]  # fmt: skip


def _tf_layers(cls, kw, torch):
    layer = getattr(nn, cls)(4, 2, 8, dropout=0.0, **kw)
    tlayer = getattr(torch.nn, cls)(4, 2, 8, dropout=0.0, **kw)
    _copy(layer, tlayer, torch)
    return layer, tlayer


@pytest.mark.parametrize("kw, batched", TRANSFORMER_CASES, ids=[str(c) for c in TRANSFORMER_CASES])
def test_transformer_layers_batched_and_unbatched_match_torch(kw, batched, torch):
    def shape(n):
        if not batched:
            return (n, 4)
        return (2, n, 4) if kw.get("batch_first") else (n, 2, 4)

    enc, tenc = _tf_layers("TransformerEncoderLayer", kw, torch)
    src, tsrc = _pair(torch, shape(5))
    mask = np.triu(np.ones((5, 5), bool), 1)
    kpm = np.zeros((2, 5) if batched else (5,), bool)
    kpm[..., -1] = True
    out = enc(src, src_mask=dg.tensor(mask), src_key_padding_mask=dg.tensor(kpm))
    tout = tenc(tsrc, src_mask=torch.tensor(mask), src_key_padding_mask=torch.tensor(kpm))
    assert out.shape == src.shape
    _compare(torch, out, tout, [src], [tsrc], enc, tenc)

    dec, tdec = _tf_layers("TransformerDecoderLayer", kw, torch)
    tgt, ttgt = _pair(torch, shape(3), seed=1)
    mem, tmem = _pair(torch, shape(5), seed=2)
    tmask = np.triu(np.ones((3, 3), bool), 1)
    out = dec(tgt, mem, tgt_mask=dg.tensor(tmask), memory_key_padding_mask=dg.tensor(kpm))
    tout = tdec(ttgt, tmem, tgt_mask=torch.tensor(tmask), memory_key_padding_mask=torch.tensor(kpm))
    assert out.shape == tgt.shape
    _compare(torch, out, tout, [tgt, mem], [ttgt, tmem], dec, tdec)


def test_transformer_stacks_unbatched_match_torch(torch):
    layer = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0)
    tlayer = torch.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0)
    enc = nn.TransformerEncoder(layer, 2)
    tenc = torch.nn.TransformerEncoder(tlayer, 2, enable_nested_tensor=False)
    _copy(enc, tenc, torch)
    src, tsrc = _pair(torch, (5, 4))
    _compare(torch, enc(src), tenc(tsrc), [src], [tsrc], enc, tenc)
    dlayer = nn.TransformerDecoderLayer(4, 2, 8, dropout=0.0)
    tdlayer = torch.nn.TransformerDecoderLayer(4, 2, 8, dropout=0.0)
    dec, tdec = nn.TransformerDecoder(dlayer, 2), torch.nn.TransformerDecoder(tdlayer, 2)
    _copy(dec, tdec, torch)
    tgt, ttgt = _pair(torch, (3, 4), seed=1)
    mem, tmem = _pair(torch, (5, 4), seed=2)
    _compare(torch, dec(tgt, mem), tdec(ttgt, tmem), [tgt, mem], [ttgt, tmem], dec, tdec)


def test_transformer_layers_rejected_shapes(torch):
    for s in [(4,), (1, 5, 2, 4)]:
        with pytest.raises(Exception):  # noqa: B017
            torch.nn.TransformerEncoderLayer(4, 2, 8)(torch.zeros(s))
        msg = r"TransformerEncoderLayer\(d_model=4\): expected src .*\(S, 4\), got "
        with pytest.raises(ValueError, match=msg + re.escape(str(s))):
            nn.TransformerEncoderLayer(4, 2, 8)(dg.zeros(*s))
    for ts, ms in [((3, 4), (5, 2, 4)), ((3, 2, 4), (5, 4))]:
        with pytest.raises(Exception):  # noqa: B017
            torch.nn.TransformerDecoderLayer(4, 2, 8)(torch.zeros(ts), torch.zeros(ms))
        with pytest.raises(ValueError, match="all be batched"):
            nn.TransformerDecoderLayer(4, 2, 8)(dg.zeros(*ts), dg.zeros(*ms))
