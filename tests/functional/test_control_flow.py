"""PyTorch's top-level extras as torch's: cond/while_loop run eagerly, the sym_* helpers,
nonzero_static, binomial, frobenius_norm/nuclear_norm, dtype checks, to_dlpack, GradScaler."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")


def test_cond_and_while_loop_as_torch(monkeypatch):
    # torch.cond compiles through dynamo, which turns torch.distributions' argument
    # validation off for the whole process: restored after the test, else the distributions
    # tests that a worker runs later compare against an unvalidating torch
    D = torch.distributions.Distribution
    monkeypatch.setattr(D, "_validate_args", D._validate_args)
    for m in (dg, torch):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = m.cond(x.sum() > 2, lambda t: t * 3, lambda t: t - 1, (x,))
        y.sum().backward()
        assert y.tolist() == [3.0, 6.0] and x.grad.tolist() == [3.0, 3.0]
        i, s = m.while_loop(
            lambda i, s: i < 4, lambda i, s: (i + 1, s + i), (m.tensor(0), m.tensor(0))
        )
        assert (i.item(), s.item()) == (4, 6)
    with pytest.raises(RuntimeError, match="one element"):
        dg.cond(dg.tensor([True, False]), lambda: 1, lambda: 0, ())
    with pytest.raises(RuntimeError, match="tuple or a list"):
        dg.cond(True, lambda t: t, lambda t: t, dg.ones(1))
    with pytest.raises(RuntimeError, match="returned 1 values for 2"):
        dg.while_loop(lambda a, b: a < 1, lambda a, b: a + 1, (dg.tensor(0), dg.tensor(0)))


@pytest.mark.parametrize(
    "call",
    ["sym_int(3.7)", "sym_int(-3.7)", "sym_float(2)", "sym_max(2, 5.5)", "sym_min(2, 5.5)",
     "sym_not(True)", "sym_sqrt(9)", "sym_sum([1, 2, 3])", "sym_ite(False, 1, 2)"],
)  # fmt: skip
def test_sym_helpers_as_torch(call):
    assert eval(f"m.{call}", {"m": dg}) == eval(f"m.{call}", {"m": torch})


@pytest.mark.parametrize("size", [0, 1, 3, 6])
def test_nonzero_static_as_torch(size):
    a = np.array([[0, 1, 2], [3, 0, 0]])
    got = dg.nonzero_static(dg.tensor(a), size=size, fill_value=-7)
    want = torch.nonzero_static(torch.tensor(a), size=size, fill_value=-7)
    assert got.dtype == dg.int64 and got.tolist() == want.tolist()


def test_binomial():
    dg.manual_seed(0)
    draws = dg.binomial(dg.full((20000,), 10.0), dg.full((20000,), 0.3))
    assert draws.dtype == dg.float32 and float(draws.mean()) == pytest.approx(3.0, abs=0.05)
    assert dg.binomial(dg.tensor([5.0]), dg.tensor([1.0])).tolist() == [5.0]
    with pytest.raises(RuntimeError, match="prob"):
        dg.binomial(dg.tensor([5.0]), dg.tensor([1.5]))


def test_deprecated_norms_as_torch():
    a = np.random.default_rng(0).standard_normal((2, 3, 4))
    for name, kw in (("frobenius_norm", {"dim": (1, 2)}), ("nuclear_norm", {}),
                     ("nuclear_norm", {"keepdim": True})):  # fmt: skip
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            got = getattr(dg, name)(dg.tensor(a), **kw)
        assert any("deprecated" in str(x.message) for x in w)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = getattr(torch, name)(torch.tensor(a), **kw)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


def test_dtype_isinstance_as_torch():
    for m in (dg, torch):
        assert isinstance(m.float32, m.dtype) and isinstance(m.ones(1).dtype, m.dtype)
        assert isinstance(m.int64, m.dtype) and isinstance(m.bool, m.dtype)
        assert not isinstance(float, m.dtype) and not isinstance("float32", m.dtype)
        with pytest.raises(TypeError):
            m.dtype()


def test_to_dlpack_and_grad_scaler():
    x = dg.arange(4.0)
    assert torch.from_dlpack(dg.to_dlpack(x)).tolist() == [0.0, 1.0, 2.0, 3.0]
    assert dg.GradScaler is dg.amp.GradScaler
