"""Seeded differential fuzz of convolution over its argument space against torch 2.13:
stride, padding ('same'/'valid', tuples), dilation, groups, output_padding, padding modes
(through the layers); batch 1, 0-size and unbatched inputs,
float32 and float64, non-contiguous inputs."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")


def _fn(lib):
    return lib.nn.functional


def _input(fz, d, channels):
    spatial = [
        fz.pick([0, 1, 1, 2, 3, 4, 5, 7]) if fz.chance(0.1) else fz.int(1, 7) for _ in range(d)
    ]
    dtype = fz.pick([np.float32, np.float64])
    lead = fz.pick([[], [1], [2], [3], [0]])
    return fz.array(lead + [channels] + spatial, dtype), dtype


def _tup(fz, d, lo, hi):
    if fz.chance(0.5):
        return fz.int(lo, hi)
    return tuple(fz.int(lo, hi) for _ in range(d))


def test_fuzz_conv(fuzz):
    fz = fuzz(1234)
    for _case in range(110):
        d = fz.int(1, 3)
        groups = fz.pick([1, 1, 2, 3])
        cin, cout = groups * fz.int(1, 2), groups * fz.int(1, 2)
        x, dtype = _input(fz, d, cin if fz.chance(0.95) else cin + 1)
        k = [fz.int(1, 3) for _ in range(d)]
        w = fz.array([cout, cin // groups] + k, dtype)
        b = fz.array([cout], dtype) if fz.chance(0.6) else None
        stride = _tup(fz, d, 1, 3)
        padding = fz.pick(["same", "valid", 0, 1, 2, tuple(fz.int(0, 2) for _ in range(d))])
        dilation = _tup(fz, d, 1, 2)
        if padding == "same" and fz.chance(0.7):
            stride = 1
        kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
        what = f"conv{d}d x{x.shape} {x.dtype} w{w.shape} bias={b is not None} {kw}"
        args = [fz.maybe_nc(x), w] + ([b] if b is not None else [])
        fz.check(what, lambda lib, *t, d=d, kw=kw: getattr(_fn(lib), f"conv{d}d")(*t, **kw), args)
    fz.report()


def test_fuzz_conv_transpose(fuzz):
    fz = fuzz(4321)
    for _case in range(100):
        d = fz.int(1, 3)
        groups = fz.pick([1, 1, 2, 3])
        cin, cout = groups * fz.int(1, 2), groups * fz.int(1, 2)
        x, dtype = _input(fz, d, cin)
        k = [fz.int(1, 3) for _ in range(d)]
        w = fz.array([cin, cout // groups] + k, dtype)
        b = fz.array([cout], dtype) if fz.chance(0.6) else None
        stride = _tup(fz, d, 1, 3)
        dilation = _tup(fz, d, 1, 2)
        padding = _tup(fz, d, 0, 2)
        output_padding = _tup(fz, d, 0, 2) if fz.chance(0.5) else 0
        kw = dict(
            stride=stride,
            padding=padding,
            output_padding=output_padding,
            groups=groups,
            dilation=dilation,
        )
        op_t = (output_padding,) * d if isinstance(output_padding, int) else output_padding
        st_t = (stride,) * d if isinstance(stride, int) else stride
        dl_t = (dilation,) * d if isinstance(dilation, int) else dilation
        if (
            x.shape[0] == 0
            and x.ndim == d + 2
            and any(o >= s and o >= dl for o, s, dl in zip(op_t, st_t, dl_t, strict=True))
        ):
            continue  # torch skips the output_padding check on an empty batch (README row)
        ks = w.shape[2:]
        pd_t = (padding,) * d if isinstance(padding, int) else padding
        outs = [
            (n - 1) * s - 2 * p + dl * (kk - 1) + o + 1
            for n, s, p, dl, kk, o in zip(x.shape[-d:], st_t, pd_t, dl_t, ks, op_t, strict=True)
        ]
        if min(outs) == 0:
            continue  # torch's grouped and 3-D paths return an empty output, 2-D groups=1 raises
        what = f"conv_transpose{d}d x{x.shape} {x.dtype} w{w.shape} bias={b is not None} {kw}"
        args = [fz.maybe_nc(x), w, b] if b is not None else [fz.maybe_nc(x), w]
        fz.check(
            what,
            lambda lib, *t, d=d, kw=kw: getattr(_fn(lib), f"conv_transpose{d}d")(*t, **kw),
            args,
        )
    fz.report()


def test_fuzz_conv_layers_padding_modes(fuzz, copy_weights):
    fz = fuzz(99)
    for _case in range(40):
        d = fz.int(1, 3)
        mode = fz.pick(["zeros", "reflect", "replicate", "circular"])
        groups = fz.pick([1, 2])
        cin, cout = groups * fz.int(1, 2), groups * fz.int(1, 2)
        x, dtype = _input(fz, d, cin)
        k = fz.int(1, 3)
        padding = fz.pick(["same", "valid", 0, 1, 2, tuple(fz.int(0, 2) for _ in range(d))])
        stride = 1 if padding == "same" else fz.int(1, 2)
        dilation = fz.int(1, 2)
        kw = dict(
            stride=stride,
            padding=padding,
            dilation=dilation,
            groups=groups,
            padding_mode=mode,
            bias=fz.chance(0.5),
        )
        what = f"Conv{d}d({cin},{cout},{k},{kw}) x{x.shape} {x.dtype}"
        tdtype = torch.float64 if dtype == np.float64 else torch.float32
        try:
            tmod = getattr(torch.nn, f"Conv{d}d")(cin, cout, k, **kw).to(tdtype)
        except Exception:  # noqa: BLE001
            with pytest.raises(Exception):  # noqa: B017
                getattr(dg.nn, f"Conv{d}d")(cin, cout, k, **kw)
            continue
        dmod = getattr(dg.nn, f"Conv{d}d")(cin, cout, k, **kw).to(
            dg.float64 if dtype == np.float64 else dg.float32
        )
        params = copy_weights(tmod, dmod)
        mods = {torch: tmod, dg: dmod}
        fz.check(what, lambda lib, t, mods=mods: mods[lib](t), [fz.maybe_nc(x)], params=params)
    fz.report()


# ---- regressions the fuzz found ------------------------------------------------------------
F = dg.nn.functional
TF = torch.nn.functional


@pytest.mark.parametrize("d", [1, 2, 3])
def test_conv_transpose_output_padding_past_the_stride(d):
    """output_padding >= stride is allowed below the dilation: the extra rows hold what the
    padding crops (and zeros past it), not a geometry assertion."""
    rng = np.random.default_rng(d)
    x = rng.standard_normal((2, 2) + (3,) * d)
    w = rng.standard_normal((2, 2) + (2,) * d)
    b = rng.standard_normal(2)
    for pad in (0, 1, 2):
        kw = dict(stride=1, padding=pad, output_padding=1, dilation=2)
        xs, ws, bs = (dg.tensor(a, requires_grad=True) for a in (x, w, b))
        txs, tws, tbs = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
        y = getattr(F, f"conv_transpose{d}d")(xs, ws, bs, **kw)
        ty = getattr(TF, f"conv_transpose{d}d")(txs, tws, tbs, **kw)
        np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
        g = rng.standard_normal(ty.shape)
        (y * dg.tensor(g)).sum().backward()
        (ty * torch.tensor(g)).sum().backward()
        for a, ta in ((xs, txs), (ws, tws), (bs, tbs)):
            np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_conv_refuses_an_empty_spatial_axis_with_samples_and_channels():
    with pytest.raises(ValueError, match="zero batch or zero channel"):
        F.conv2d(dg.tensor(np.zeros((3, 1, 1, 0))), dg.tensor(np.zeros((2, 1, 3, 2))), padding=1)
    y = F.conv1d(dg.tensor(np.zeros((0, 1, 0))), dg.tensor(np.zeros((1, 1, 1))), padding=1)
    assert y.shape == (0, 1, 2)


def test_conv_transpose_checks_output_padding_on_an_empty_batch_too():
    """torch skips the output_padding check when the batch is empty (README row)."""
    with pytest.raises(ValueError, match="output_padding"):
        F.conv_transpose1d(dg.tensor(np.zeros((0, 1, 4))), dg.tensor(np.zeros((1, 1, 1))),
                           output_padding=1)  # fmt: skip


def test_grouped_conv_transpose_refuses_an_empty_output():
    """torch's grouped path returns an empty output where groups=1 raises (README row)."""
    with pytest.raises(ValueError, match="not positive"):
        F.conv_transpose2d(dg.tensor(np.zeros((1, 6, 2, 4))), dg.tensor(np.zeros((6, 1, 3, 3))),
                           padding=(2, 0), groups=3)  # fmt: skip
