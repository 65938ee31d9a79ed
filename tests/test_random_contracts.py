"""Seeding and the random fills under PyTorch 2.13's contracts: what ``manual_seed`` takes
and keeps, ``fork_rng``, ``Generator.device``, and the refusals of impossible draws."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("seed", [0, 2.5, "3", True, -1, -(2**63), 2**63, 2**64 - 1])
def test_manual_seed_keeps_the_seed_pytorch_keeps(seed):
    torch.manual_seed(seed)
    dg.manual_seed(seed)
    assert dg.initial_seed() == torch.initial_seed()
    assert dg.manual_seed(seed).initial_seed() == torch.manual_seed(seed).initial_seed()


@pytest.mark.parametrize("seed", [2**64, -(2**63) - 1])
def test_a_seed_outside_64_bits_is_refused_as_pytorch(seed):
    with pytest.raises(ValueError, match="Overflow"):
        torch.manual_seed(seed)
    with pytest.raises(ValueError, match="Overflow"):
        dg.manual_seed(seed)


@pytest.mark.parametrize("seed", [2.5, "3", None, True])
def test_generator_manual_seed_takes_ints_only(seed):
    with pytest.raises(RuntimeError):
        torch.Generator().manual_seed(seed)
    with pytest.raises(RuntimeError):
        dg.Generator().manual_seed(seed)
    assert dg.Generator().manual_seed(-1).initial_seed() == 2**64 - 1


def test_fork_rng_puts_the_global_stream_back():
    dg.manual_seed(0)
    a = dg.rand(3)
    dg.manual_seed(0)
    with dg.random.fork_rng():
        dg.manual_seed(9)
        dg.randn(50)
    assert dg.rand(3).tolist() == a.tolist() and dg.initial_seed() == 0
    with dg.random.fork_rng(enabled=False):
        dg.rand(1)
    assert dg.rand(3).tolist() != a.tolist()


def test_generator_device_is_a_device():
    assert dg.Generator().device == dg.device("cpu")
    assert str(dg.Generator("cpu").device) == str(torch.Generator("cpu").device)


@pytest.mark.parametrize(
    "code",
    [
        "T.zeros(3).uniform_(2, 1)",
        "T.zeros(3).normal_(std=-1)",
        "T.normal(T.zeros(2), T.ones(3))",
        "T.normal(T.zeros(2), -T.ones(2))",
    ],
)
def test_impossible_draws_raise_pytorchs_class(code):
    with pytest.raises(Exception) as want:
        eval(code, {"T": torch})
    with pytest.raises(type(want.value)):
        eval(code, {"T": dg})


def test_the_fills_take_a_generator():
    a = dg.zeros(4).uniform_(0, 1, generator=dg.Generator().manual_seed(1))
    b = dg.zeros(4).uniform_(0, 1, generator=dg.Generator().manual_seed(1))
    assert a.tolist() == b.tolist()
    c = dg.zeros(4).normal_(generator=dg.Generator().manual_seed(2))
    d = dg.zeros(4).normal_(generator=dg.Generator().manual_seed(2))
    assert c.tolist() == d.tolist()


@pytest.mark.parametrize(
    "code",
    [
        "T.zeros(3).cauchy_(0, 0)",
        "T.zeros(3, dtype=T.int64).cauchy_()",
        "T.zeros(3).geometric_(0)",
        "T.zeros(3).geometric_(1)",
        "T.zeros(3).log_normal_(1, 0)",
        "T.zeros(3, dtype=T.int64).log_normal_()",
    ],
)
def test_the_other_fills_refuse_as_pytorch(code):
    with pytest.raises(Exception) as want:
        eval(code, {"T": torch})
    with pytest.raises(type(want.value)):
        eval(code, {"T": dg})


def test_the_other_fills_draw_their_distributions():
    g = dg.Generator().manual_seed(0)
    n = 200_000
    c = dg.zeros(n).cauchy_(1.0, 2.0, generator=g).numpy()
    assert abs(np.median(c) - 1.0) < 0.05  # median 1, quartiles at 1 ± sigma
    assert abs(np.percentile(c, 75) - 3.0) < 0.1
    k = dg.zeros(n, dtype=dg.int64).geometric_(0.25, generator=g)
    assert k.dtype == dg.int64 and k.min().item() == 1
    assert abs(k.float().mean().item() - 4.0) < 0.05  # mean 1/p
    z = dg.zeros(n, dtype=dg.float64).log_normal_(0.5, 0.3, generator=g).numpy()
    assert abs(np.log(z).mean() - 0.5) < 0.01 and abs(np.log(z).std() - 0.3) < 0.01
    a = dg.zeros(4).cauchy_(generator=dg.Generator().manual_seed(3))
    assert a.tolist() == dg.zeros(4).cauchy_(generator=dg.Generator().manual_seed(3)).tolist()


def test_layout_and_device_flags_and_to_dense_are_pytorchs():
    x, t = dg.zeros(2), torch.zeros(2)
    for name in ("is_sparse", "is_sparse_csr", "is_meta", "is_mps", "is_xpu", "is_quantized",
                 "is_nested", "is_mkldnn", "is_vulkan", "is_ipu", "is_mtia", "is_maia"):  # fmt: skip
        assert getattr(x, name) is getattr(t, name) is False
    assert x.to_dense() is x and x.to_dense(dg.float64).dtype == dg.float64


@pytest.mark.parametrize(
    "code",
    [
        "T.zeros(2, dtype=T.int64).uniform_()",
        "T.zeros(2, dtype=T.bool).uniform_()",
        "T.zeros(2, dtype=T.int32).normal_()",
    ],
)
def test_uniform_and_normal_fills_of_integers_are_refused_as_pytorch(code):
    with pytest.raises(NotImplementedError):
        eval(code, {"T": torch})
    with pytest.raises(NotImplementedError, match="not implemented for"):
        eval(code, {"T": dg})
