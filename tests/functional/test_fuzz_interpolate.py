"""Seeded differential fuzz of ``interpolate`` against torch 2.13: every mode × align_corners ×
size vs scale_factor × recompute_scale_factor (antialias False), 1-D/2-D/3-D, batch 0/1/2,
float32 and float64, non-contiguous inputs, invalid combinations (both must raise)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

MODES = {1: ["nearest", "nearest-exact", "linear", "area"],
         2: ["nearest", "nearest-exact", "bilinear", "bicubic", "area"],
         3: ["nearest", "nearest-exact", "trilinear", "area"]}  # fmt: skip
WRONG = {1: "bilinear", 2: "trilinear", 3: "bicubic"}


def _torch_nearest_grad_bug(x, d, kw):
    """torch 2.13's 1-D/3-D ``nearest`` forward reads ``⌊i / scale_factor⌋``, but its backward
    takes the 2-D kernel's shortcuts (rows as they are when out == in, ``i // 2`` when
    out == 2·in): there its gradient is not its forward's (README row; deepgrad's is)."""
    if kw["mode"] != "nearest" or d == 2 or "scale_factor" not in kw:
        return False
    if kw.get("recompute_scale_factor"):
        return False
    sf = kw["scale_factor"]
    sf = (sf,) * d if isinstance(sf, float) else sf
    for n, f in zip(x.shape[2:], sf, strict=True):
        o = int(n * f)
        if (o == n and f != 1.0) or (o == 2 * n and f != 2.0):
            return True
    return False


def test_nearest_3d_gradient_is_the_forward_adjoint():
    """Regression (fuzz): out == in along an axis with scale_factor 1.3333 reads row
    ⌊i·0.75⌋ (as torch's forward); the gradient goes back to those rows (torch's backward
    sends it to row i instead)."""
    import deepgrad as dg

    x = dg.tensor(np.arange(8.0).reshape(1, 1, 2, 2, 2), requires_grad=True)
    y = dg.nn.functional.interpolate(x, scale_factor=(1.0, 1.3333, 1.0), mode="nearest")
    tx = torch.arange(8.0, dtype=torch.float64).reshape(1, 1, 2, 2, 2)
    ty = torch.nn.functional.interpolate(tx, scale_factor=(1.0, 1.3333, 1.0), mode="nearest")
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    y.backward(dg.tensor(np.arange(8.0).reshape(1, 1, 2, 2, 2)))
    np.testing.assert_array_equal(x.grad.numpy().ravel(), [2, 4, 0, 0, 10, 12, 0, 0])


def test_nearest_2d_keeps_torchs_shortcuts():
    """Regression (fuzz): torch's 2-D nearest copies rows as they are when out == in and
    reads i // 2 when out == 2·in, whatever the scale factor."""
    import deepgrad as dg

    x = np.arange(9.0).reshape(1, 1, 3, 3)
    for sf in [(1.0, 1.3333), (2.1, 2.1), (1.3333, 1.0)]:
        y = dg.nn.functional.interpolate(dg.tensor(x), scale_factor=sf, mode="nearest")
        ty = torch.nn.functional.interpolate(torch.tensor(x), scale_factor=sf, mode="nearest")
        np.testing.assert_array_equal(y.numpy(), ty.numpy())


def test_fuzz_interpolate(fuzz):
    fz = fuzz(2024)
    for _case in range(260):
        d = fz.int(1, 3)
        mode = fz.pick(MODES[d]) if fz.chance(0.95) else WRONG[d]
        shape = [fz.pick([0, 1, 2]), fz.int(1, 2)] + [fz.int(1, 6) for _ in range(d)]
        x = fz.array(shape, fz.pick([np.float32, np.float64]))
        kw = {"mode": mode}
        if fz.chance(0.5):
            kw["size"] = fz.int(1, 9) if fz.chance(0.3) else tuple(fz.int(1, 9) for _ in range(d))
            if fz.chance(0.05):
                kw["scale_factor"] = 2.0  # both given: must raise
        else:

            def sf():
                return fz.pick([0.5, 0.7, 1.0, 1.5, 2.0, 2.5, 3.0, 1.3333, 0.34])

            kw["scale_factor"] = sf() if fz.chance(0.4) else tuple(sf() for _ in range(d))
            if fz.chance(0.5):
                kw["recompute_scale_factor"] = fz.chance(0.5)
        if mode in ("linear", "bilinear", "bicubic", "trilinear") or fz.chance(0.1):
            kw["align_corners"] = fz.pick([None, True, False])
        what = f"interpolate x{x.shape} {x.dtype} {kw}"
        fz.check(
            what,
            lambda lib, t, kw=kw: lib.nn.functional.interpolate(t, **kw),
            [fz.maybe_nc(x)],
            grad=not _torch_nearest_grad_bug(x, d, kw),
        )
    fz.report()


def test_fuzz_upsample_layers(fuzz):
    fz = fuzz(77)
    import deepgrad as dg

    for _case in range(40):
        d = fz.int(1, 3)
        x = fz.array([fz.int(1, 2), 2] + [fz.int(1, 5) for _ in range(d)], np.float64)
        name = fz.pick(["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"])
        if name != "Upsample":
            x = fz.array([1, 2, fz.int(1, 5), fz.int(1, 5)], np.float64)
            d = 2
        kw = {"scale_factor": fz.pick([2, 1.5, 3])} if fz.chance(0.5) else {"size": fz.int(1, 7)}
        if name == "Upsample":
            kw["mode"] = fz.pick(MODES[d][:-1] if d != 1 else ["nearest", "linear"])
            if kw["mode"] in ("linear", "bilinear", "bicubic", "trilinear"):
                kw["align_corners"] = fz.chance(0.5)
        mods = {torch: getattr(torch.nn, name)(**kw), dg: getattr(dg.nn, name)(**kw)}
        fz.check(f"{name}({kw}) x{x.shape}", lambda lib, t, mods=mods: mods[lib](t), [x])
    fz.report()


def test_linear_modes_keep_an_axis_whose_size_is_kept():
    """Regression (fuzz): torch's linear/bilinear/trilinear copy an axis with out == in even
    when scale_factor (1.3333) is not 1; bicubic does not."""
    import deepgrad as dg

    x = np.arange(18.0).reshape(1, 1, 6, 3)
    for mode in ("bilinear", "bicubic"):
        y = dg.nn.functional.interpolate(dg.tensor(x), scale_factor=1.3333, mode=mode)
        ty = torch.nn.functional.interpolate(torch.tensor(x), scale_factor=1.3333, mode=mode)
        np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-10)
    y = dg.nn.functional.interpolate(dg.tensor(x[0]), scale_factor=1.3333, mode="linear")
    ty = torch.nn.functional.interpolate(torch.tensor(x[0]), scale_factor=1.3333, mode="linear")
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-10)
