"""dg.cuda without CUDA (the CuPy backend off) answers as a PyTorch build without CUDA does:
questions about memory and counts answer 0/False, while what would act on a GPU raises
PyTorch's error instead of doing nothing (a program timing GPU work with synchronize(), or
seeding a CUDA generator, would otherwise silently run something else)."""

from __future__ import annotations

import pytest

import deepgrad as dg

pytestmark = pytest.mark.numpy_only("without CUDA: the CuPy backend is off")


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.cuda.synchronize(),
        lambda m: m.cuda.current_device(),
        lambda m: m.cuda.get_rng_state(),
        lambda m: m.cuda.get_device_name(),
    ],
)
def test_what_needs_a_gpu_raises_torchs_assertion(torch, call):
    with pytest.raises(AssertionError, match="not compiled with CUDA"):
        call(torch)
    with pytest.raises(AssertionError, match="not compiled with CUDA") as e:
        call(dg)
    assert isinstance(e.value, RuntimeError)  # what deepgrad raised for some before


def test_cuda_generators_streams_and_events_are_refused_as_torch(torch):
    for m in (torch, dg):
        with pytest.raises(RuntimeError, match="CUDA"):
            m.Generator(device="cuda")
        with pytest.raises(RuntimeError, match="CUDA"):
            m.cuda.Stream()
    with pytest.raises(RuntimeError, match="CUDA"):
        dg.cuda.Event()
    with pytest.raises(AssertionError):  # torch 2.13: an AttributeError of its C module
        dg.cuda.set_device(0)
    with pytest.raises(AssertionError):
        dg.cuda.set_rng_state(dg.get_rng_state())


def test_questions_answer_as_torch_without_cuda(torch):
    for m in (torch, dg):
        assert m.cuda.is_available() is False and m.cuda.device_count() == 0
        assert m.cuda.memory_allocated() == 0 and m.cuda.max_memory_allocated() == 0
        m.cuda.empty_cache()  # nothing to release: runs as is
        m.cuda.manual_seed(0)  # leaves the CPU's draws alone
    assert dg.Generator("cpu").device.type == "cpu"
