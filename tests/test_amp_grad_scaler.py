"""dg.amp.GradScaler on the CPU: PyTorch's loss scaling with its numbers — the scaled loss,
the unscaled gradients, a skipped step after an infinite gradient, the scale's backoff and
growth, state_dict — compared with torch.amp.GradScaler("cpu") step by step; and its
PyTorch errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg


def _loop(L, steps, poison, growth_interval=3):
    L.manual_seed(0)
    m = L.nn.Linear(3, 2)
    with L.no_grad():
        m.weight.copy_(L.tensor(np.arange(6.0).reshape(2, 3) / 10, dtype=L.float32))
        m.bias.copy_(L.tensor([0.1, -0.2], dtype=L.float32))
    opt = L.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    scaler = L.amp.GradScaler("cpu", init_scale=1024.0, growth_interval=growth_interval)
    x = L.tensor(np.linspace(-1, 1, 12).reshape(4, 3), dtype=L.float32)
    log = []
    for step in range(steps):
        opt.zero_grad()
        loss = m(x).pow(2).mean()
        if step in poison:
            loss = loss * float("inf")
        scaled = scaler.scale(loss)
        scaled.backward()
        out = scaler.step(opt)
        scaler.update()
        log.append(
            (float(scaled.item()), out is None, scaler.get_scale(), dict(scaler.state_dict()))
        )
    return log, m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy()


def test_a_training_loop_with_the_scaler_as_torchs(torch):
    want = _loop(torch, 9, poison={2, 6})
    got = _loop(dg, 9, poison={2, 6})
    for (ts, tskip, tscale, tsd), (ds, dskip, dscale, dsd) in zip(want[0], got[0], strict=True):
        assert (dskip, dscale, dsd) == (tskip, tscale, tsd)
        assert ds == pytest.approx(ts, rel=1e-6) or (np.isinf(ds) and np.isinf(ts))
    # float32 weights after nine momentum steps: sums in another order differ in the last bits
    np.testing.assert_allclose(got[1], want[1], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(got[2], want[2], rtol=1e-6, atol=1e-7)


def test_unscale_gives_the_true_gradients_and_the_errors_are_torchs(torch):
    for L in (torch, dg):
        m = L.nn.Linear(2, 1)
        opt = L.optim.SGD(m.parameters(), lr=0.1)
        s = L.amp.GradScaler("cpu")
        assert s.is_enabled() and s.get_scale() == 65536.0
        s.scale(m(L.ones(1, 2)).sum()).backward()
        s.unscale_(opt)
        np.testing.assert_array_equal(m.weight.grad.numpy(), [[1.0, 1.0]])
        with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
            s.unscale_(opt)
        s.step(opt)
        with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
            s.step(opt)
        s.update()
        with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
            s.step(opt, closure=lambda: 0.0)
        with pytest.raises(ValueError, match="must be a Tensor or an iterable of Tensors"):
            s.scale(3.0)
        with pytest.raises(AssertionError, match="growth factor must be > 1.0"):
            L.amp.GradScaler("cpu", growth_factor=0.5)
        nested = s.scale([L.ones(1), (L.ones(2),)])
        assert isinstance(nested, list) and isinstance(nested[1], tuple)
        assert nested[1][0].tolist() == [65536.0, 65536.0]
        s.update(123.0)
        assert s.get_scale() == 123.0
        s2 = L.amp.GradScaler("cpu")
        s2.load_state_dict({"scale": 8.0, "growth_factor": 3.0, "backoff_factor": 0.25,
                            "growth_interval": 5, "_growth_tracker": 2})  # fmt: skip
        assert s2.state_dict() == {"scale": 8.0, "growth_factor": 3.0, "backoff_factor": 0.25,
                                   "growth_interval": 5, "_growth_tracker": 2}  # fmt: skip
        off = L.amp.GradScaler("cpu", enabled=False)
        assert off.state_dict() == {} and off.get_scale() == 1.0


def test_the_scale_is_made_by_the_first_scale_call_as_torchs(torch):
    for L in (torch, dg):
        s = L.amp.GradScaler("cpu", init_scale=0.1)
        assert s.get_scale() == 0.1 and s.state_dict()["scale"] == 0.1  # not yet float32
        m = L.nn.Linear(2, 1)
        opt = L.optim.SGD(m.parameters(), lr=0.1)
        m(L.ones(1, 2)).sum().backward()
        with pytest.raises(AssertionError, match="Attempted unscale_ but _scale is None"):
            s.unscale_(opt)
        with pytest.raises(AssertionError, match="Attempted update but _scale is None"):
            s.update()
        s.scale(L.ones(1))
        assert s.get_scale() == float(np.float32(0.1))
        with pytest.raises(AssertionError, match="No inf checks were recorded prior to update"):
            s.update()
        half = L.nn.Linear(2, 1).to(L.float16)
        h_opt = L.optim.SGD(half.parameters(), lr=0.1)
        s.scale(half(L.ones(1, 2, dtype=L.float16)).sum()).backward()
        with pytest.raises(ValueError, match="Attempting to unscale FP16 gradients"):
            s.unscale_(h_opt)


def test_cuda_without_cuda_disables_itself_with_torchs_warning(torch):
    for L in (torch, dg):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            s = L.amp.GradScaler("cuda")
        assert not s.is_enabled() and s.get_scale() == 1.0
        assert any("CUDA is not available" in str(x.message) for x in w)
        loss = L.ones(())
        assert s.scale(loss) is loss
