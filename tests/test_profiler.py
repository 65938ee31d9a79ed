"""deepgrad.profiler against torch.profiler: what is recorded (events per operation, their
nesting, shapes, memory, FLOPs, stacks), the schedule's windows and on_trace_ready calls, the
table's layout, traces written, and the hooks gone once recording stops."""

from __future__ import annotations

import gzip
import json
import threading

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import profiler

torch = pytest.importorskip("torch")


def _linear_step(lib, model, x):
    model(x).sum().backward()


def _profiled(**kwargs):
    model = dg.nn.Linear(8, 4)
    x = dg.ones(16, 8)
    with profiler.profile(**kwargs) as prof:
        for _ in range(3):
            with profiler.record_function("step"):
                _linear_step(dg, model, x)
    return prof


def test_each_operation_is_an_event_nested_in_its_range():
    prof = _profiled()
    avg = {e.key: e for e in prof.key_averages()}
    assert set(avg) == {"step", "Linear", "Sum", "SumBackward", "LinearBackward"}
    assert all(e.count == 3 for e in avg.values())
    events = prof.events()
    steps = [e for e in events if e.name == "step"]
    assert len(steps) == 3 and all(e.is_user_annotation for e in steps)
    for s in steps:  # every operation ran inside one step range
        assert [c.name for c in s.cpu_children] == [
            "Linear",
            "Sum",
            "SumBackward",
            "LinearBackward",
        ]
        assert all(c.cpu_parent is s for c in s.cpu_children)
        inner = sum(c.cpu_time_total for c in s.cpu_children)
        assert s.self_cpu_time_total == pytest.approx(s.cpu_time_total - inner)
        assert s.self_cpu_time_total >= 0
    # self times count the recorded time once: the ranges' totals
    total = sum(s.cpu_time_total for s in steps)
    assert events.self_cpu_time_total == pytest.approx(total)
    assert prof.key_averages().self_cpu_time_total == pytest.approx(total)


def test_shapes_memory_and_flops():
    prof = _profiled(record_shapes=True, profile_memory=True, with_flops=True)
    ev = {e.name: e for e in prof.events()}
    lin = ev["Linear"]
    assert lin.input_shapes == [[16, 8], [4, 8], [4]]
    assert lin.self_cpu_memory_usage == 16 * 4 * 4  # the float32 output
    assert lin.flops == 2 * 16 * 8 * 4
    assert ev["LinearBackward"].flops == 2 * lin.flops
    assert ev["Sum"].flops == 0
    step = ev["step"]
    assert step.cpu_memory_usage == sum(c.cpu_memory_usage for c in step.cpu_children)
    by_shape = prof.key_averages(group_by_input_shape=True)
    assert [[16, 8], [4, 8], [4]] in [e.input_shapes for e in by_shape]


def test_conv_flops():
    conv = dg.nn.Conv2d(3, 5, 3, groups=1)
    with profiler.profile(with_flops=True) as prof:
        conv(dg.ones(2, 3, 8, 8))
    (ev,) = prof.events()
    assert ev.flops == 2 * (2 * 5 * 6 * 6) * (3 * 3 * 3)


def test_grouping_needs_what_it_groups_by():
    prof = _profiled()
    with pytest.raises(RuntimeError, match="record_shapes=True"):
        prof.key_averages(group_by_input_shape=True)
    with pytest.raises(RuntimeError, match="with_stack=True"):
        prof.key_averages(group_by_stack_n=2)


def test_stacks_name_the_callers_frames(tmp_path):
    prof = _profiled(with_stack=True)
    lin = next(e for e in prof.events() if e.name == "Linear")
    assert any("test_profiler.py" in f and "_linear_step" in f for f in lin.stack)
    assert not any("/deepgrad/" in f.split("(")[0] for f in lin.stack)
    table = prof.key_averages(group_by_stack_n=1).table(sort_by="self_cpu_time_total")
    assert "Source Location" in table
    path = tmp_path / "stacks.txt"
    prof.export_stacks(path)
    lines = path.read_text().splitlines()
    assert lines and all(line.rsplit(" ", 1)[1].isdigit() for line in lines)
    with pytest.raises(RuntimeError, match="with_stack"):
        _profiled().export_stacks(path)


def _torch_table(**kwargs):
    m = torch.nn.Linear(8, 4)
    with torch.profiler.profile(**kwargs) as prof:
        m(torch.ones(16, 8)).sum().backward()
    return prof.key_averages().table(sort_by="cpu_time_total", row_limit=3)


def _header(table: str) -> list[str]:
    return [h for h in table.splitlines()[1].split("  ") if h.strip()]


@pytest.mark.parametrize("flags", [{}, {"profile_memory": True}])
def test_table_columns_as_torch(flags):
    ours = _profiled(**flags).key_averages().table(sort_by="cpu_time_total", row_limit=3)
    theirs = _torch_table(**flags)
    assert [h.strip() for h in _header(ours)] == [h.strip() for h in _header(theirs)]
    assert ours.splitlines()[-1].startswith("Self CPU time total: ")
    assert len(ours.splitlines()) == 3 + 3 + 1 + 1  # head, 3 rows, rule, total line


def test_table_sorts_limits_and_refuses_unknown_keys():
    prof = _profiled()
    avg = prof.key_averages()
    rows = avg.table(sort_by="self_cpu_time_total", row_limit=-1).splitlines()[3:-2]
    names = [r.split()[0] for r in rows]
    want = sorted(avg, key=lambda e: e.self_cpu_time_total, reverse=True)
    assert names == [e.key for e in want]
    assert len(avg.table(row_limit=2).splitlines()) == 3 + 2 + 2
    avg.table(sort_by="cuda_time_total")  # device keys sort (all 0 here), as PyTorch's run
    with pytest.raises(AttributeError, match="did you mean 'cpu_time_total'"):
        avg.table(sort_by="cpu_time_totl")


@pytest.mark.parametrize(
    "kw",
    [
        dict(wait=1, warmup=1, active=2),
        dict(wait=0, warmup=2, active=1, repeat=2),
        dict(wait=2, warmup=1, active=3, repeat=1, skip_first=3),
        dict(wait=2, warmup=1, active=1, skip_first_wait=1),
        dict(wait=1, warmup=1, active=1, repeat=3, skip_first=1, skip_first_wait=1),
    ],
)
def test_schedule_actions_as_torch(kw):
    ours, theirs = profiler.schedule(**kw), torch.profiler.schedule(**kw)
    assert [ours(i).name for i in range(20)] == [theirs(i).name for i in range(20)]


def test_schedule_refuses_bad_arguments():
    for bad in (dict(wait=-1, warmup=1, active=1), dict(wait=0, warmup=1, active=0)):
        with pytest.raises(AssertionError):
            profiler.schedule(**bad)
        with pytest.raises(AssertionError):
            torch.profiler.schedule(**bad)
    with pytest.warns(UserWarning, match="warmup"):
        profiler.schedule(wait=0, warmup=0, active=1)


def _run_schedule(lib, prof_mod, steps, **kw):
    calls = []

    def ready(p):
        keys = [e.key for e in p.key_averages()]
        steps = sorted(e.name for e in p.events() if e.name.startswith("ProfilerStep"))
        calls.append((p.step_num, steps, sorted(k for k in keys if k.startswith("ProfilerStep"))))

    x = lib.ones(2, requires_grad=True)
    with prof_mod.profile(schedule=prof_mod.schedule(**kw), on_trace_ready=ready) as p:
        for _ in range(steps):
            (x * 2).sum().backward()
            p.step()
    return calls


@pytest.mark.parametrize(
    "kw,steps",
    [
        (dict(wait=1, warmup=1, active=2), 9),
        (dict(wait=1, warmup=1, active=2, repeat=1), 9),
        (dict(wait=0, warmup=1, active=1, repeat=2, skip_first=2), 10),
        (dict(wait=1, warmup=1, active=3), 5),  # stopped inside an active window
    ],
)
def test_on_trace_ready_windows_as_torch(kw, steps):
    ours = _run_schedule(dg, profiler, steps, **kw)
    theirs = _run_schedule(torch, torch.profiler, steps, **kw)
    assert ours == theirs


def test_scheduled_steps_in_the_trace(tmp_path):
    path = tmp_path / "t.json"
    x = dg.ones(2, requires_grad=True)
    sched = profiler.schedule(wait=1, warmup=1, active=2, repeat=1)
    with profiler.profile(
        schedule=sched, on_trace_ready=lambda p: p.export_chrome_trace(path)
    ) as p:
        for _ in range(5):
            (x * 2).sum().backward()
            p.step()
    names = [t["name"] for t in json.loads(path.read_text())["traceEvents"]]
    assert [n for n in names if n.startswith("ProfilerStep")] == [
        "ProfilerStep#2",
        "ProfilerStep#3",
    ]
    assert names.count("Mul") == 2


def test_chrome_trace_and_tensorboard_handler(tmp_path):
    prof = _profiled(record_shapes=True)
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(path)
    trace = json.loads(path.read_text())["traceEvents"]
    assert len(trace) == len(prof.events())
    lin = next(t for t in trace if t["name"] == "Linear")
    assert (
        lin["ph"] == "X" and lin["dur"] >= 0 and lin["args"]["Input Dims"] == [[16, 8], [4, 8], [4]]
    )
    assert {t["cat"] for t in trace} == {"cpu_op", "user_annotation"}
    handler = profiler.tensorboard_trace_handler(tmp_path / "tb", worker_name="w0", use_gzip=True)
    handler(prof)
    (written,) = list((tmp_path / "tb").iterdir())
    assert written.name.startswith("w0.") and written.name.endswith(".pt.trace.json.gz")
    assert json.loads(gzip.decompress(written.read_bytes()))["traceEvents"]


def test_hooks_only_while_recording():
    call, node = dg.autograd.Function.__call__, dg.autograd._node_grads
    with pytest.raises(ValueError, match="boom"):
        with profiler.profile():
            assert dg.autograd.Function.__call__ is not call
            raise ValueError("boom")
    assert dg.autograd.Function.__call__ is call and dg.autograd._node_grads is node
    with profiler.profile():
        with pytest.raises(RuntimeError, match="already enabled"):
            profiler.profile().start()
    assert dg.autograd.Function.__call__ is call


def test_record_function_outside_a_profiler_and_as_decorator():
    @profiler.record_function("helper")
    def helper(x):
        return x * 3

    assert helper(dg.ones(1)).item() == 3.0  # no profiler: nothing recorded, no error
    with profiler.profile() as prof:
        helper(dg.ones(1))
    (outer,) = [e for e in prof.events() if e.name == "helper"]
    assert [c.name for c in outer.cpu_children] == ["Mul"]
    with pytest.raises(TypeError):
        profiler.record_function(3)


def test_threads_keep_their_own_nesting():
    with profiler.profile() as prof:
        t = threading.Thread(target=lambda: dg.ones(3) * 2)
        with profiler.record_function("main"):
            t.start()
            t.join()
            dg.ones(2) + 1
    events = prof.events()
    mul = next(e for e in events if e.name == "Mul")
    add = next(e for e in events if e.name == "Add")
    assert mul.thread != add.thread
    assert mul.cpu_parent is None and add.cpu_parent.name == "main"


def test_device_activity_warns_and_cpu_still_records():
    with pytest.warns(UserWarning, match="CUDA"):
        prof = profiler.profile(
            activities=[profiler.ProfilerActivity.CPU, profiler.ProfilerActivity.CUDA]
        )
    with prof:
        dg.ones(2) * 2
    assert [e.name for e in prof.events()] == ["Mul"]
    assert profiler.supported_activities() == {profiler.ProfilerActivity.CPU}
    with pytest.raises(TypeError, match="ProfilerActivity"):
        profiler.profile(activities=["cpu"])


def test_results_match_an_unprofiled_run():
    # recording changes nothing computed
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 8)).astype(np.float32)
    model = dg.nn.Sequential(dg.nn.Linear(8, 8), dg.nn.ReLU(), dg.nn.Linear(8, 2))

    def grads():
        model.zero_grad()
        model(dg.tensor(x)).square().mean().backward()
        return [p.grad.numpy().copy() for p in model.parameters()]

    plain = grads()
    with profiler.profile(
        record_shapes=True, profile_memory=True, with_flops=True, with_stack=True
    ):
        recorded = grads()
    for a, b in zip(plain, recorded):
        np.testing.assert_array_equal(a, b)
