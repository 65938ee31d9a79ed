"""deepgrad.autograd.profiler: PyTorch's older profiler interface on the same recorder."""

from __future__ import annotations

import json

import pytest

import deepgrad as dg


def _work():
    x = dg.ones(3, requires_grad=True)
    (x * 2).sum().backward()


def test_import_paths_as_torch():
    import deepgrad.autograd.profiler as ap

    assert ap is dg.autograd.profiler
    from deepgrad.autograd.profiler import profile, record_function  # noqa: F401


def test_records_and_prints():
    with dg.autograd.profiler.profile(record_shapes=True) as prof:
        with dg.autograd.profiler.record_function("work"):
            _work()
    names = [e.name for e in prof.function_events]
    assert names == ["work", "Mul", "Sum", "SumBackward", "MulBackward"]
    table = prof.table(sort_by="self_cpu_time_total")
    assert "Self CPU time total" in table and "MulBackward" in table
    assert str(prof) == prof.table()
    assert prof.total_average().count == 5
    assert prof.self_cpu_time_total == pytest.approx(prof.function_events[0].cpu_time_total)


def test_disabled_records_nothing():
    with dg.autograd.profiler.profile(enabled=False) as prof:
        _work()
    assert list(prof.function_events) == []
    assert dg.autograd.Function.__call__.__name__ == "__call__"
    assert dg.autograd.Function.__call__.__qualname__ == "Function.__call__"


def test_not_reentrant_and_trace(tmp_path):
    prof = dg.autograd.profiler.profile()
    with prof:
        _work()
    with pytest.raises(RuntimeError, match="not reentrant"):
        with prof:
            pass
    prof.export_chrome_trace(tmp_path / "t.json")
    assert len(json.loads((tmp_path / "t.json").read_text())["traceEvents"]) == 4


def test_use_cuda_warns():
    with pytest.warns(UserWarning, match="CUDA"):
        dg.autograd.profiler.profile(use_cuda=True)
