"""The benchmark suite's pieces (never timed here): each workload builds and steps in both
frameworks with the same parameter count, and ``--profile`` profiles a workload."""

from __future__ import annotations

import time

import pytest
from benchmarks import suite, workloads


@pytest.mark.parametrize("name", list(workloads.WORKLOADS))
def test_workload_builds_and_steps_in_both_frameworks(name, torch):
    dg_model, t_model = workloads.deepgrad_model(name), workloads.torch_model(name)
    step, batch = workloads.build_deepgrad(name)
    step()
    assert batch == workloads.BATCH[name]
    tstep, _ = workloads.build_torch(name)
    tstep()
    import deepgrad as dg

    x = dg.tensor(workloads._pool(name, 1)[0][0])
    with dg.no_grad():
        dg_model(x)  # builds lazy layers, if any
    n_dg = sum(p.numel() for p in dg_model.parameters())
    assert n_dg == sum(p.numel() for p in t_model.parameters())


def test_profile_one_workload(capsys):
    out = suite.main(["--profile", "tiny_mlp", "--steps", "2", "--threads", "1"])
    assert out["workload"] == "tiny_mlp" and out["steps"] == 2 and out["seconds"] > 0
    assert "ms/step" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        suite.main(["--profile", "no_such_workload"])


def test_profile_rows_name_functions_by_their_qualified_names(capsys):
    out = suite.main(["--profile", "cnn", "--steps", "2", "--threads", "1", "--profile-json"])
    assert out["ms_per_step"] > 0 and len(out["rows"]) == 8
    assert all(ms >= 0 for _, ms in out["rows"])
    assert '"rows"' in capsys.readouterr().out  # the JSON line the suite reads
    every = suite.profile_rows("cnn", 2, 1, top=10_000)
    names = [where for where, _ in every["rows"]]
    # a closure inside a method is named through its enclosing function and class
    assert "activation.py:ReLU.forward.chunk" in names, names


def test_the_report_shows_where_the_step_goes_for_a_workload_below_target():
    profiles = {"cnn": {"ms_per_step": 10.0, "rows": [["conv.py:_gemm", 4.0], ["x", 1.0]]}}
    lines = suite.profile_lines(profiles)
    text = "\n".join(lines)
    assert "### Where deepgrad's step goes" in text
    assert "| `conv.py:_gemm` | 4.00 | 40% |" in text
    assert "| everything else | 5.00 | 50% |" in text
    assert suite.profile_lines({}) == []


def test_only_workloads_below_target_are_profiled(monkeypatch):
    calls = []

    def fake_run(cmd, **kw):
        calls.append(cmd[cmd.index("--profile") + 1])

        class R:
            stdout = '{"ms_per_step": 1.0, "rows": []}\n'

        return R()

    monkeypatch.setattr(suite.subprocess, "run", fake_run)
    res = {"workloads": {
        "mlp": {"ratio": {"median": 1.5}, "deepgrad": {"samples_per_s": 50_000}},
        "lstm": {"ratio": {"median": 0.7}, "deepgrad": {"samples_per_s": 5_000}},
    }}  # fmt: skip
    out = suite.profile_unmet(res, threads=1, quick=True)
    assert calls == ["lstm"] and out == {"lstm": {"ms_per_step": 1.0, "rows": []}}


def test_results_md_fashion_mnist_section_comes_from_the_committed_results():
    """RESULTS.md's Fashion-MNIST table is rendered from benchmarks/fashion_mnist_results.json:
    every example recipe, its published row, and the time-to-accuracy ratio."""
    import json
    from pathlib import Path

    root = Path(suite.__file__).resolve().parent
    results = json.loads((root / "fashion_mnist_results.json").read_text())
    section = "\n".join(suite.fashion_mnist_section())
    for run in results["runs"]:
        assert Path(run["recipe"]).name in section
        assert f"{run['deepgrad']['final_accuracy']:.4f}" in section
    for example in sorted((root.parent / "examples").glob("fashion_mnist_*.toml")):
        assert example.name in section
    assert "time-to-acc. ratio" in section
    assert section in (root / "RESULTS.md").read_text()


def test_idle_worker_is_stopped_between_its_rounds():
    """No two frameworks' processes run at once: a worker is stopped (state T) except while it
    answers a request, so an idle thread pool cannot spin beside the measured one."""
    import signal

    if not hasattr(signal, "SIGSTOP"):
        pytest.skip("no SIGSTOP on this platform")

    def state(pid):
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]

    w = suite.Worker("deepgrad", "tiny_mlp", 1)
    try:
        assert state(w.proc.pid) == "T"
        with open(f"/proc/{w.proc.pid}/environ", "rb") as f:  # the malloc policy it started with
            env = dict(kv.split(b"=", 1) for kv in f.read().split(b"\0") if b"=" in kv)
        for k, v in suite.MALLOC_ENV.items():
            assert env[k.encode()] == v.encode()
        assert w.run(2) > 0
        assert state(w.proc.pid) == "T"
        assert w.peak_kib() > 0
    finally:
        w.close()
    assert w.proc.returncode == 0


def test_results_md_keeps_one_section_per_machine_kind():
    text = suite.merge_results("", "CPU A", "## Machine: CPU A\n\nold A\n")
    text = suite.merge_results(
        text, "CPU B", "## Machine: CPU B\n\nB\n\n## Fashion-MNIST: x\n\nfm\n"
    )
    text = suite.merge_results(text, "CPU A", "## Machine: CPU A\n\nnew A\n")
    assert "new A" in text and "old A" not in text and "\nB\n" in text
    assert text.count("## Machine:") == 2 and text.count("## Fashion-MNIST") == 1
    assert text.index("## Fashion-MNIST") > text.index("## Machine: CPU B")
    committed = (suite.ROOT / "benchmarks" / "RESULTS.md").read_text()
    assert suite.merge_results(committed, "AMD EPYC", "## Machine: AMD EPYC\n\nz\n").count(
        "## Machine:"
    ) == committed.count("## Machine:")


def test_results_md_merge_keys_by_machine_kind_and_keeps_gpu_sections_and_notes():
    """A run on "Intel(R) Xeon(R) Processor" replaces the "Intel Xeon (...)" section instead
    of adding a second one; a GPU section stays where it was; the Fashion-MNIST table is
    regenerated while the notes written under it survive."""
    old = (
        "# R\n\n## Machine: AMD EPYC\n\namd\n\n"
        "## Machine: Intel Xeon (2 cores; placeholder)\n\nold intel\n\n"
        "## GPU: H200\n\ngpu\n\n"
        "## Fashion-MNIST: acc\n\nintro\n\n| a |\n|---|\n| old row |\n\nhand notes\n"
    )
    new = "## Machine: Intel Xeon\n\nnew intel\n\n## Fashion-MNIST: acc\n\nintro\n\n| a |\n|---|\n| new row |\n"
    text = suite.merge_results(old, "Intel(R) Xeon(R) Processor", new)
    assert "old intel" not in text and "new intel" in text and "amd" in text
    assert text.count("## Machine:") == 2 and "## GPU: H200\n\ngpu" in text
    assert "new row" in text and "old row" not in text and text.rstrip().endswith("hand notes")
    assert text.index("## Machine: Intel") < text.index("## GPU") < text.index("## Fashion")
    assert suite.machine_kind("Intel(R) Xeon(R) CPU @ 2.10GHz") == "Intel Xeon"


def test_a_quick_run_never_rewrites_results_md(tmp_path):
    """``deepgrad bench --quick`` prints its table, or writes it where --out says: the
    published RESULTS.md is rewritten only by a full run."""
    import argparse

    def args(**kw):
        return argparse.Namespace(**{"quick": False, "no_write": False, "out": None, **kw})

    assert suite.results_path(args(quick=True)) is None
    assert suite.results_path(args(quick=True, out=str(tmp_path / "q.md"))) == tmp_path / "q.md"
    assert suite.results_path(args()) == suite.RESULTS
    assert suite.results_path(args(no_write=True)) is None
    assert suite.results_path(args(out=str(tmp_path / "f.md"))) == tmp_path / "f.md"


def test_plain_loop_takes_its_turn_in_every_round_while_the_workers_are_stopped(monkeypatch):
    """The plain PyTorch loop is measured once per round, never beside a running worker, and
    the row reports its median over the rounds (one run after all rounds scattered ±30 %)."""
    events: list[str] = []

    class FakeWorker:
        base_kib = 0

        def __init__(self, framework, workload, threads):
            self.framework = framework

        def run(self, n):
            events.append(self.framework)
            return 1.0

        def peak_kib(self):
            return 1024

        def close(self):
            pass

    plain = iter([100.0, 300.0, 200.0])

    class FakePlain:
        def __init__(self, workload, threads, tmpdir):
            events.append("plain started")

        def measure(self, seconds):
            events.append("plain")
            return next(plain)

        def close(self):
            events.append("plain closed")

    monkeypatch.setattr(suite, "Worker", FakeWorker)
    monkeypatch.setattr(suite, "PlainLoop", FakePlain)
    monkeypatch.setattr(suite, "frameworks", lambda: ["deepgrad", "pytorch"])
    out = suite.run_workload("tiny_mlp", 3, 0.1, 1)
    assert events[:3] == ["plain started", "deepgrad", "pytorch"]  # then one calibration each
    assert events[3:] == [  # dg, torch, plain; reversed; ...
        *("deepgrad", "pytorch", "plain"),
        *("pytorch", "deepgrad", "plain"),
        *("deepgrad", "pytorch", "plain"),
        "plain closed",
    ]
    assert out["reference_pytorch"] == 200.0 and out["reference_rates"] == [100.0, 300.0, 200.0]


def test_plain_loop_counts_only_the_steps_run_within_its_turn():
    """The plain loop lives through the rounds, stopped (state T) except in its turn; a turn's
    rate covers only the steps that began and ended in it, so time spent stopped never counts."""
    import signal
    import tempfile

    pytest.importorskip("torch")
    if not hasattr(signal, "SIGSTOP"):
        pytest.skip("no SIGSTOP on this platform")

    def state(pid):
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]

    with tempfile.TemporaryDirectory() as tmp:
        loop = suite.PlainLoop("tiny_mlp", 1, tmp)
        try:
            assert state(loop.proc.pid) == "T"
            time.sleep(0.5)  # stopped: must not dilute the next turn's rate
            before, t0 = loop.done, time.perf_counter()
            rate = loop.measure(0.2)
            wall = time.perf_counter() - t0
            assert state(loop.proc.pid) == "T"
            steps = loop.done - before
            assert steps >= 3
            assert rate >= 0.9 * (steps - 1) * suite.BATCH["tiny_mlp"] / wall
        finally:
            loop.close()
        assert loop.proc.returncode is not None


def test_gpu_script_runs_side_by_side_on_the_cpu_backend(torch, tmp_path, capsys):
    """benchmarks/gpu.py with ``--backend numpy``: the same code path as on a GPU (the models,
    the pool put on the device once, the paired ratios, the table, the JSON), on the CPU."""
    import json

    from benchmarks import gpu

    out = tmp_path / "gpu.json"
    res = gpu.main(["--backend", "numpy", "--rounds", "2", "--steps", "1", "--only",
                    "mlp,cnn_predict", "--json", str(out)])  # fmt: skip
    assert set(res) == {"mlp", "cnn_predict"}
    for r in res.values():
        assert r["deepgrad"] > 0 and r["pytorch"] > 0 and r["ratio_min"] <= r["ratio_max"]
    assert json.loads(out.read_text())["gpu"] == "CPU (--backend numpy)"
    assert "| MLP 784-256-256-10, batch 128, Adam |" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        gpu.main(["--backend", "numpy", "--only", "resnet"])


def test_gpu_profile_prints_where_the_host_time_goes(capsys):
    from benchmarks import gpu

    gpu.main(["--backend", "numpy", "--profile", "mlp", "--steps", "2"])
    text = capsys.readouterr().out
    assert "ms per step under the profiler" in text and "tottime" in text


def test_a_benchmark_process_that_ended_is_named_not_esrch():
    """Stopping or resuming a worker that has died raises an error naming it and its exit
    status (the suite prints it as the workload's reason), not a bare ESRCH."""
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    proc.wait()
    with pytest.raises(RuntimeError, match=r"deepgrad worker process ended \(exit status 3\)"):
        suite._signal(proc, signal.SIGCONT, "deepgrad worker")
    proc = subprocess.Popen([sys.executable, "-c", "raise SystemExit(4)"])
    time.sleep(0.5)  # exited but not reaped: the stop's waitpid reaps it
    with pytest.raises(RuntimeError, match=r"exit status 4"):
        suite._signal(proc, signal.SIGSTOP, "plain PyTorch loop", wait=True)
    assert proc.returncode == 4


def test_every_benchmark_process_allocates_under_deepgrads_malloc_policy():
    """PyTorch's processes start with the glibc thresholds ``import deepgrad`` sets for itself:
    with glibc's defaults PyTorch's CNN step speed was a per-process lottery of page faults."""
    from deepgrad import backend

    env = suite.thread_env(2)
    assert env["MALLOC_MMAP_THRESHOLD_"] == str(backend.MALLOC_MMAP_THRESHOLD)
    assert env["MALLOC_TRIM_THRESHOLD_"] == str(backend.MALLOC_TRIM_THRESHOLD)
    assert env["OMP_NUM_THREADS"] == env["OPENBLAS_NUM_THREADS"] == "2"


def test_both_frameworks_step_on_pools_of_tensors_made_before_the_clock(monkeypatch):
    """Equal work per step: PyTorch's pool is converted with from_numpy before timing, so
    deepgrad's is too (no array-to-tensor conversion inside either timed step)."""
    import deepgrad as dg

    seen = []
    real = workloads.deepgrad_step

    def spy(model, pool, predict, to_input=lambda x: x):
        seen.extend(pool)
        assert to_input(pool[0][0]) is pool[0][0]  # nothing converted inside the step
        return real(model, pool, predict, to_input)

    monkeypatch.setattr(workloads, "deepgrad_step", spy)
    workloads.build_deepgrad("tiny_mlp")
    assert seen and all(isinstance(x, dg.Tensor) and isinstance(y, dg.Tensor) for x, y in seen)


def test_mlp_flops_count_the_gemms_the_step_runs():
    """Forward, dX and dW of each layer, but no dX for the first layer, whose input needs
    no gradient: the products the step runs, counted from the layers' shapes."""
    import deepgrad as dg

    model = workloads.deepgrad_model("mlp")
    x = dg.randn(128, 784)
    macs = 0
    layers = [m for m in model if isinstance(m, dg.nn.Linear)]
    for i, lin in enumerate(layers):
        n_out, n_in = lin.weight.shape
        per = 128 * n_in * n_out
        macs += per * (2 if i == 0 else 3)  # the first layer's dX is not computed
    assert workloads.mlp_flops_per_step() == 2 * macs
    model(x).sum().backward()
    assert x.grad is None  # the input asks for no gradient: its dX product never runs
