"""nn.utils.fusion against torch.nn.utils.fusion: fused conv/linear + BatchNorm weights,
the fused layers' outputs, requires_grad and dtypes, and the errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn


def _load(t, m, torch):
    t.load_state_dict({k: torch.tensor(v.numpy()) for k, v in m.state_dict().items()})


def _trained_bn(bn, tbn, torch, shape, affine=True):
    """Running statistics away from 0/1 and affine parameters away from 1/0."""
    c = bn.num_features
    bn.running_mean.data = dg.tensor(np.linspace(-1, 1, c).astype("float32"))
    bn.running_var.data = dg.tensor(np.linspace(0.5, 2, c).astype("float32"))
    if affine:
        bn.weight.data = dg.tensor(np.linspace(0.3, 1.7, c).astype("float32"))
        bn.bias.data = dg.tensor(np.linspace(-0.2, 0.4, c).astype("float32"))
    _load(tbn, bn, torch)
    bn.eval(), tbn.eval()


@pytest.mark.parametrize(
    "kind, transpose, bias, affine",
    [("Conv2d", False, True, True), ("Conv1d", False, False, True),
     ("ConvTranspose2d", True, True, True), ("Conv3d", False, True, False)],
)  # fmt: skip
def test_fuse_conv_bn_eval_as_torch(torch, kind, transpose, bias, affine):
    nd = int(kind[-2])
    conv = getattr(nn, kind)(2, 3, 2, bias=bias)
    tconv = getattr(torch.nn, kind)(2, 3, 2, bias=bias)
    _load(tconv, conv, torch)
    bn, tbn = (
        getattr(nn, f"BatchNorm{nd}d")(3, affine=affine),
        getattr(torch.nn, f"BatchNorm{nd}d")(3, affine=affine),
    )
    _trained_bn(bn, tbn, torch, None, affine)
    conv.eval(), tconv.eval()
    fused = nn.utils.fuse_conv_bn_eval(conv, bn, transpose=transpose)
    tfused = torch.nn.utils.fuse_conv_bn_eval(tconv, tbn, transpose=transpose)
    assert fused is not conv and fused.weight is not conv.weight
    for name in ("weight", "bias"):
        p, q = getattr(fused, name), getattr(tfused, name)
        assert isinstance(p, nn.Parameter) and p.requires_grad == q.requires_grad
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-6, atol=1e-7)
    x = np.linspace(-1, 1, 2 * 2 * 4**nd).reshape((2, 2) + (4,) * nd).astype("float32")
    np.testing.assert_allclose(
        fused(dg.tensor(x)).detach().numpy(), bn(conv(dg.tensor(x))).detach().numpy(),
        rtol=1e-5, atol=1e-5,
    )  # fmt: skip


def test_fuse_linear_bn_eval_as_torch(torch):
    for bias in (True, False):
        lin, tlin = nn.Linear(4, 3, bias=bias), torch.nn.Linear(4, 3, bias=bias)
        _load(tlin, lin, torch)
        bn, tbn = nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3)
        _trained_bn(bn, tbn, torch, None)
        lin.eval(), tlin.eval()
        fused, tfused = nn.utils.fuse_linear_bn_eval(lin, bn), torch.nn.utils.fuse_linear_bn_eval(tlin, tbn)  # fmt: skip
        for name in ("weight", "bias"):
            p, q = getattr(fused, name), getattr(tfused, name)
            assert p.requires_grad == q.requires_grad and p.dtype == dg.float32
            np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-6)
        x = dg.tensor(np.linspace(-2, 2, 8).reshape(2, 4).astype("float32"))
        np.testing.assert_allclose(fused(x).numpy(), bn(lin(x)).numpy(), rtol=1e-5, atol=1e-6)


def test_fuse_weights_functions_as_torch(torch):
    rng = np.random.default_rng(0)
    a = {k: rng.standard_normal(s).astype("float64") for k, s in
         (("w", (3, 2, 2)), ("b", (3,)), ("rm", (3,)), ("rv", (3,)), ("g", (3,)), ("beta", (3,)))}  # fmt: skip
    a["rv"] = np.abs(a["rv"]) + 0.1
    out = {}
    for lib in (dg, torch):
        t = {k: lib.tensor(v) for k, v in a.items()}
        res = lib.nn.utils.fuse_conv_bn_weights(
            t["w"], None, t["rm"], t["rv"], 1e-3, None, t["beta"], transpose=False
        )
        res2 = lib.nn.utils.fuse_linear_bn_weights(
            t["w"][:, :, 0], t["b"], t["rm"], t["rv"], 1e-3, t["g"], t["beta"]
        )
        out[lib.__name__] = [r.detach().numpy() for r in (*res, *res2)]
        out[lib.__name__ + "rg"] = [r.requires_grad for r in (*res, *res2)]
    for x, y in zip(out["deepgrad"], out["torch"]):
        np.testing.assert_allclose(x, y, rtol=1e-12)
    assert out["deepgradrg"] == out["torchrg"]


def test_fusion_errors_as_torch(torch):
    for lib in (dg, torch):
        conv, bn = lib.nn.Conv2d(1, 2, 1), lib.nn.BatchNorm2d(2)
        with pytest.raises(AssertionError, match="Fusion only for eval!"):
            lib.nn.utils.fuse_conv_bn_eval(conv, bn)
        conv.eval()
        nostats = lib.nn.BatchNorm2d(2, track_running_stats=False).eval()
        with pytest.raises(AssertionError, match="running_mean and bn.running_var must not be"):
            lib.nn.utils.fuse_conv_bn_eval(conv, nostats)
        lin, bn = lib.nn.Linear(2, 3).eval(), lib.nn.BatchNorm1d(2).eval()
        with pytest.raises(
            AssertionError, match=r"got linear.out_features=3 and bn.num_features=2"
        ):
            lib.nn.utils.fuse_linear_bn_eval(lin, bn)
