"""optim.Muon against torch.optim.Muon (PyTorch 2.13): its signature and checks, the bfloat16
rounding it emulates, the Newton–Schulz orthogonalization and the steps (to the tolerance
the float32 accumulation order of the bfloat16 matrix products leaves), its state."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import optim
from deepgrad.optim.muon import bfloat16_round, zeropower_via_newtonschulz

torch = pytest.importorskip("torch")
if not hasattr(torch.optim, "Muon"):
    pytest.skip("torch.optim.Muon needs PyTorch >= 2.9", allow_module_level=True)
from torch.optim._muon import _zeropower_via_newtonschulz  # noqa: E402

#: bfloat16 keeps 8 significant bits: one unit in the last place is 2⁻⁷ relative
BF16_ULP = 2.0**-7


def test_signature_is_torchs():
    ours = inspect.signature(optim.Muon.__init__).parameters
    theirs = inspect.signature(torch.optim.Muon.__init__).parameters
    assert list(ours) == list(theirs)
    for name, p in theirs.items():
        if name != "params":
            assert ours[name].default == p.default and ours[name].kind == p.kind, name


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bfloat16_round_is_torchs(dtype):
    rng = np.random.default_rng(0)
    x = np.concatenate(
        [
            rng.standard_normal(20000) * 10.0 ** rng.integers(-40, 38, 20000),
            # ties (exactly half a bfloat16 unit) both ways, and their neighbours
            np.array([1.00390625, 1.01171875, -1.00390625, 1.0039063, 1.0039062]),
            np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 3.4e38, 1e-45, -1e-40]),
        ]
    ).astype(dtype)
    with np.errstate(over="ignore"):
        theirs = torch.from_numpy(x).bfloat16().float().numpy()
    ours = bfloat16_round(x)
    assert ours.dtype == np.float32
    np.testing.assert_array_equal(ours, theirs)


SHAPES = [(8, 8), (6, 10), (12, 5), (32, 48), (128, 64)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_newton_schulz_matches_torch_in_bfloat16(shape, dtype):
    rng = np.random.default_rng(1)
    g = rng.standard_normal(shape).astype(dtype)
    coefficients = (3.4445, -4.7750, 2.0315)
    theirs = _zeropower_via_newtonschulz(torch.from_numpy(g), coefficients, 5, 1e-7)
    ours = zeropower_via_newtonschulz(g, coefficients, 5, 1e-7)
    theirs = theirs.float().numpy()
    assert ours.shape == theirs.shape == shape
    np.testing.assert_array_equal(bfloat16_round(ours), ours)  # bfloat16 values
    # most entries agree exactly; the others by a few bfloat16 units of the largest entry.
    # How many agree depends on the machine's bfloat16 GEMM in PyTorch: every entry on AMD
    # EPYC; at (128, 64) on an Intel Xeon with AMX (oneDNN accumulates in other blocks)
    # 63 %, the rest within 0.4 units
    assert np.mean(ours == theirs) > 0.5
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=4 * BF16_ULP * np.abs(theirs).max())


def test_newton_schulz_checks_as_torch():
    g = np.ones((3, 3), np.float32)
    for args, match in [
        (((1.0, 2.0, 3.0), 100, 1e-7), "less than 100"),
        (((1.0, 2.0), 5, 1e-7), "exactly 3 values"),
    ]:
        with pytest.raises(ValueError, match=match):
            _zeropower_via_newtonschulz(torch.from_numpy(g), *args)
        with pytest.raises(ValueError, match=match):
            zeropower_via_newtonschulz(g, *args)


KWARGS = [
    {"lr": 0.02},
    {"lr": 0.02, "nesterov": False, "weight_decay": 0.0},
    {"lr": 0.05, "momentum": 0.9, "adjust_lr_fn": "match_rms_adamw"},
    {"lr": 0.02, "ns_steps": 3, "ns_coefficients": (2.0, -1.5, 0.5), "adjust_lr_fn": "original"},
]
KW_IDS = ["-".join(f"{k}={v}" for k, v in kw.items()) for kw in KWARGS]


def _pair(kwargs, dtype=np.float32):
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal(s).astype(dtype) * 0.5 for s in [(6, 10), (12, 5), (8, 8)]]
    ours = [dg.tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    return ours, theirs, optim.Muon(ours, **kwargs), torch.optim.Muon(theirs, **kwargs)


def _loss(ps):
    return sum(((p * p) * 0.5 + (p * 3).sin() * 0.3).sum() for p in ps)


def _step(ps, opt, n=1):
    for _ in range(n):
        opt.zero_grad()
        _loss(ps).backward()
        opt.step()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kwargs", KWARGS, ids=KW_IDS)
def test_steps_match_torch(kwargs, dtype):
    ours, theirs, opt, topt = _pair(kwargs, dtype)
    lr = kwargs["lr"] * 0.2 * 12**0.5 if kwargs.get("adjust_lr_fn") == "match_rms_adamw" else 0.1
    for step in range(1, 6):
        _step(ours, opt)
        _step(theirs, topt)
        for p, q in zip(ours, theirs, strict=True):
            # each step moves an entry by at most lr' (orthogonalized: entries below 1); the
            # bfloat16 rounding differences leave a few units of 2⁻⁷ of that per step
            np.testing.assert_allclose(
                p.detach().numpy(), q.detach().numpy(), rtol=0, atol=4 * step * BF16_ULP * lr
            )
    for p, q in zip(ours, theirs, strict=True):
        st, tst = opt.state[p], topt.state[q]
        assert set(st) == set(tst) == {"momentum_buffer"}
        assert st["momentum_buffer"].dtype == np.dtype(dtype)
        np.testing.assert_allclose(
            st["momentum_buffer"].numpy(), tst["momentum_buffer"].numpy(), rtol=1e-3, atol=1e-3
        )


@pytest.mark.parametrize("nesterov", [True, False])
@pytest.mark.parametrize("weight_decay", [0.1, 0.0])
def test_float32_steps_from_the_same_gradients_are_torchs_to_the_bit(nesterov, weight_decay):
    """On small matrices (where the Newton–Schulz products agree to the bit) the whole step is
    PyTorch's: lerp's and add's fused multiply-adds, the decay, the rate adjustment."""
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal(s).astype(np.float32) * 0.5 for s in [(16, 8), (8, 16)]]
    ours = [dg.tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    kw = {"lr": 0.02, "nesterov": nesterov, "weight_decay": weight_decay}
    opt, topt = optim.Muon(ours, **kw), torch.optim.Muon(theirs, **kw)
    for _ in range(3):
        for p, q in zip(ours, theirs, strict=True):
            g = rng.standard_normal(p.shape).astype(np.float32)
            p.grad, q.grad = dg.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
        for p, q in zip(ours, theirs, strict=True):
            np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
            np.testing.assert_array_equal(
                opt.state[p]["momentum_buffer"].numpy(), topt.state[q]["momentum_buffer"].numpy()
            )


def test_state_dict_moves_between_the_libraries():
    ours, theirs, opt, topt = _pair({"lr": 0.02})
    _step(theirs, topt, 2)
    with dg.no_grad():
        for p, q in zip(ours, theirs, strict=True):
            p.copy_(dg.tensor(q.detach().numpy()))
    sd = topt.state_dict()
    assert sd["param_groups"][0].keys() == opt.state_dict()["param_groups"][0].keys()
    opt.load_state_dict(sd)
    for p, q in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(
            opt.state[p]["momentum_buffer"].numpy(), topt.state[q]["momentum_buffer"].numpy()
        )
    _step(ours, opt)
    _step(theirs, topt)
    for p, q in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=0, atol=0.01)


def test_only_2d_parameters_as_torch():
    msg = "Muon only supports 2D parameters whereas we found a parameter with size"
    with pytest.raises(ValueError, match=msg):
        torch.optim.Muon([torch.zeros(3, requires_grad=True)])
    with pytest.raises(ValueError, match=msg + r": deepgrad.Size\(\[3\]\)"):
        optim.Muon([dg.zeros(3, requires_grad=True)])
    opt = optim.Muon([dg.zeros(2, 3, requires_grad=True)])
    with pytest.raises(ValueError, match=msg):
        opt.add_param_group({"params": [dg.zeros(2, 3, 4, requires_grad=True)]})
    assert len(opt.param_groups) == 1
    late = optim.Muon(lr=0.01)  # unbound: the placeholder group stays when binding fails
    with pytest.raises(ValueError, match=msg):
        late.bind([dg.zeros(4, requires_grad=True)])
    assert not late.is_bound and late.param_groups[0]["lr"] == 0.01


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lr": -1.0}, "Learning rate should be >= 0 but is: -1.0"),
        ({"momentum": -0.5}, "momentum should be >= 0 but is: -0.5"),
        ({"weight_decay": -0.1}, "weight decay should be >= 0 but is: -0.1"),
        ({"adjust_lr_fn": "rms"}, "Adjust learning rate function rms is not supported"),
    ],
)
def test_hyperparameters_are_checked_as_torch(kwargs, match):
    with pytest.raises(ValueError, match=match):
        torch.optim.Muon([torch.zeros(2, 2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError, match=match):
        optim.Muon([dg.zeros(2, 2, requires_grad=True)], **kwargs)


def test_muon_by_name():
    opt = optim.get("muon", lr=0.01)
    assert isinstance(opt, optim.Muon) and opt.param_groups[0]["lr"] == 0.01
