"""torch.random's names over deepgrad's global generator: the state as a byte tensor that
round-trips exactly, seed() and initial_seed()."""

from __future__ import annotations

import json

import numpy as np
import pytest

import deepgrad as dg


@pytest.mark.numpy_only("the byte state is the CPU generator's")
def test_rng_state_round_trips_every_kind_of_draw():
    dg.manual_seed(11)
    dg.rand(5)  # advance somewhere
    s = dg.get_rng_state()
    assert s.dtype == np.uint8 and s.shape == (dg.random.STATE_BYTES,)
    first = (dg.rand(4), dg.randn(3), dg.randint(0, 100, (6,)), dg.ones(3, 5).multinomial(2))
    dg.rand(7)
    dg.set_rng_state(s)
    again = (dg.rand(4), dg.randn(3), dg.randint(0, 100, (6,)), dg.ones(3, 5).multinomial(2))
    for a, b in zip(first, again, strict=True):
        assert a.tolist() == b.tolist()
    assert dg.random.get_rng_state is dg.get_rng_state


@pytest.mark.numpy_only("the byte state is the CPU generator's")
def test_rng_state_keeps_the_cached_normal_and_the_twisters_position():
    for n in (1, 3, 624, 625, 1000):  # a cached normal; around the words' regeneration
        dg.manual_seed(2)
        dg.randn(1)  # leaves the second value of a Box–Muller pair in the generator
        dg.rand(n)
        s = dg.get_rng_state()
        a = (dg.randn(3, dtype=dg.float64), dg.rand(700))
        dg.set_rng_state(s)
        b = (dg.randn(3, dtype=dg.float64), dg.rand(700))
        assert all(x.tolist() == y.tolist() for x, y in zip(a, b, strict=True))


@pytest.mark.numpy_only("the byte state is the CPU generator's")
def test_set_rng_state_refuses_other_states_clearly():
    with pytest.raises(RuntimeError, match="5056 bytes"):
        dg.set_rng_state(dg.zeros(3, dtype=dg.uint8))
    bad = dg.get_rng_state().numpy().copy()
    bad[24 + 4] = 1  # the first twister word (after 24 header bytes) past 32 bits
    with pytest.raises(RuntimeError, match="corrupt"):
        dg.set_rng_state(dg.tensor(bad))
    bad = dg.get_rng_state().numpy().copy()
    bad[8:12] = np.frombuffer(np.int32(900).tobytes(), np.uint8)  # 'left' past 625
    with pytest.raises(RuntimeError, match="corrupt"):
        dg.set_rng_state(dg.tensor(bad))
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="uint8"):
        dg.set_rng_state(dg.get_rng_state().float())
    with pytest.raises(TypeError):  # torch's class for a state of another dtype
        torch.set_rng_state(torch.get_rng_state().float())


def test_seed_and_initial_seed():
    dg.manual_seed(1234)
    assert dg.initial_seed() == 1234
    s = dg.seed()
    assert isinstance(s, int) and dg.initial_seed() == s
    a = dg.rand(3)
    dg.manual_seed(s)
    assert dg.rand(3).tolist() == a.tolist()
    assert dg.seed() != dg.seed()  # drawn from the OS's entropy


def test_initial_seed_is_kept_across_set_rng_state():
    dg.manual_seed(77)
    s = dg.get_rng_state()
    dg.manual_seed(5)
    dg.set_rng_state(s)
    assert dg.initial_seed() == 77


def test_manual_seed_returns_the_default_generator_as_torch(torch):
    """torch.manual_seed returns torch.default_generator, the global stream as a Generator:
    passing it as generator= draws from the global stream."""
    for lib in (torch, dg):
        g = lib.manual_seed(5)
        assert g is lib.default_generator and g.initial_seed() == 5
        assert lib.random.default_generator is lib.default_generator
        a = lib.rand(4, generator=lib.default_generator)
        lib.manual_seed(5)
        assert bool((lib.rand(4) == a).all())
        assert g.manual_seed(6) is g and lib.initial_seed() == 6
    state = dg.default_generator.get_state()
    x = dg.rand(3)
    dg.default_generator.set_state(state)
    assert bool((dg.rand(3) == x).all())
    with pytest.raises(TypeError, match="uint8 tensor"):
        dg.default_generator.set_state({"bad": 1})
    now = dg.default_generator.get_state()  # the global stream's, as torch's
    assert bytes(now.numpy()) == bytes(dg.get_rng_state().numpy())


@pytest.mark.numpy_only("the CPU generator's checkpoint state")
def test_a_checkpoint_state_of_the_old_generator_is_refused_by_name():
    """fit's backups keep backend.get_rng_state()'s dict; one written before deepgrad drew
    PyTorch's numbers (NumPy's PCG64) cannot continue this stream: a clear error, not a
    silently different run."""
    state = dg.backend.get_rng_state()
    assert state["bit_generator"] == "MT19937" and "normal_cache" in state
    json_safe = json.loads(json.dumps(state))
    dg.randn(1, dtype=dg.float64)  # leaves a cached normal behind the saved state
    x = dg.randn(3, dtype=dg.float64)
    dg.backend.set_rng_state(json_safe)  # round-trips through JSON
    dg.randn(1, dtype=dg.float64)
    assert dg.randn(3, dtype=dg.float64).tolist() == x.tolist()
    old = {"bit_generator": "PCG64", "state": {"state": 1, "inc": 3}, "has_uint32": 0}
    with pytest.raises(ValueError, match="PCG64.*start the run again"):
        dg.backend.set_rng_state(old)
