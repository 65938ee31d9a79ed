"""The benchmark suite: deepgrad side by side with PyTorch (and DeZero if installed), one
process per framework and workload, rounds alternating between them; ratios, peak memory, the
machine's GEMM ceiling; results written to ``benchmarks/RESULTS.md``.

Run from the repository root: ``python -m benchmarks`` (``--quick`` for a run under two
minutes, ``--only cnn,lstm`` for a subset, ``--no-write`` to leave RESULTS.md alone). A
``--quick`` run never writes RESULTS.md (its numbers are not the published ones): it prints
the table, or writes it where ``--out`` says; ``--out`` also redirects a full run.

For the developer at work on a layer: ``python -m benchmarks --profile cnn [--steps 50]``
profiles deepgrad's training step of one workload (cProfile, in this process; the functions
that cost the most, by their own time and with what they call) instead of running the suite.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib.util
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from .workloads import BATCH, WORKLOADS, mlp_flops_per_step

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
TARGETS = {  # issue 15: (must reach, aim for), as deepgrad ÷ PyTorch throughput, on every CPU
    "mlp": (1.0, 1.3),
    "tiny_mlp": (3.0, 4.0),
    "cnn": (1.0, 1.3),
    "cnn_predict": (1.0, 1.3),
    "lstm": (1.0, 1.3),
    "transformer": (1.0, 1.3),
}
GEMM_FRACTION_TARGET = 0.70  # the MLP step's GEMMs at >= 70 % of NumPy's sgemm rate


#: glibc's malloc thresholds every benchmark process starts with: the values ``import
#: deepgrad`` sets with ``mallopt`` (deepgrad.backend._tune_malloc), so that PyTorch's processes
#: allocate under the same policy. With glibc's defaults a PyTorch process returns its freed
#: activations to the system at a rate that differs from process to process (its OpenMP
#: threads allocate from other arenas): measured on an Intel Xeon, 2 threads, the CNN step took
#: 10.0-13.3 ms over six processes with 390-1,970 page faults a step, and 8.6-9.2 ms with
#: ~0 faults under these settings (PERF-LOG.md, "Sixth session on Intel").
MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": str(32 << 20), "MALLOC_TRIM_THRESHOLD_": str(256 << 20)}


def thread_env(threads: int) -> dict[str, str]:
    """The environment every benchmark process starts with: the thread count fixed before any
    library loads (OpenMP, MKL, OpenBLAS read these at import), glibc's malloc thresholds
    (:data:`MALLOC_ENV`), the suite's paths importable."""
    n = str(threads)
    return dict(
        os.environ,
        PYTHONPATH=str(ROOT / "src") + os.pathsep + str(ROOT),
        OMP_NUM_THREADS=n,
        MKL_NUM_THREADS=n,
        OPENBLAS_NUM_THREADS=n,
        **MALLOC_ENV,
    )


def _signal(proc: subprocess.Popen, sig: int, what: str, wait: bool = False) -> None:
    """Send ``sig`` to a benchmark process (and, with ``wait``, wait until it has stopped);
    a process that is gone raises an error that names it and how it ended, not ESRCH."""
    try:
        os.kill(proc.pid, sig)
        if not wait:
            return
        _, status = os.waitpid(proc.pid, os.WUNTRACED)  # returns once it has stopped
    except (ProcessLookupError, ChildProcessError):
        status = None
    if status is not None and os.WIFSTOPPED(status):
        return
    if status is not None:  # it ended: waitpid reaped it, tell Popen
        proc.returncode = os.waitstatus_to_exitcode(status)
    code = proc.poll() if proc.returncode is None else proc.returncode
    raise RuntimeError(f"the {what} process ended (exit status {code})")


class Worker:
    """One framework's worker process. Between its own rounds it is stopped (SIGSTOP), so that
    no two frameworks' processes ever run at the same time: an idle OpenBLAS or OpenMP pool
    spin-waits for a while after each call, and a live idle worker would steal a core from the
    one being measured (measured: the PyTorch figure came out 15-27 % low that way)."""

    def __init__(self, framework: str, workload: str, threads: int) -> None:
        self.framework = framework
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.worker", framework, workload, str(threads)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=thread_env(threads),
        )
        line = self.proc.stdout.readline().split()
        if not line or line[0] != "ready":
            raise RuntimeError(f"{framework} worker for {workload} failed to start")
        self.base_kib = int(line[1])
        self._pause()

    def _pause(self) -> None:
        if hasattr(signal, "SIGSTOP"):
            time.sleep(0.05)  # let the pool's threads finish their own bookkeeping first
            _signal(self.proc, signal.SIGSTOP, f"{self.framework} worker", wait=True)

    def _resume(self) -> None:
        if hasattr(signal, "SIGCONT"):
            _signal(self.proc, signal.SIGCONT, f"{self.framework} worker")

    def _ask(self, line: str) -> str:
        self._resume()
        try:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
            return self.proc.stdout.readline()
        finally:
            self._pause()

    def run(self, n: int) -> float:
        return float(self._ask(str(n)))

    def peak_kib(self) -> int:
        return int(self._ask("mem"))

    def gemm(self, m: int, k: int, n: int, seconds: float) -> float:
        """GFLOP/s of NumPy's GEMM at ``(m×k)·(k×n)`` inside this worker, now."""
        return float(self._ask(f"gemm {m} {k} {n} {seconds}"))

    def close(self) -> None:
        self._resume()
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


class PlainLoop:
    """The plain PyTorch loop (benchmarks/reference.py ``--stamps``): one process for the
    workload's rounds, stopped except during its turn; each turn's rate is read from the
    end-of-step times the loop itself writes, over the steps that ran wholly in the turn."""

    def __init__(self, workload: str, threads: int, tmpdir: str) -> None:
        from .reference import stamps_file

        path = os.path.join(tmpdir, f"plain-{workload}.stamps")
        self.ring = stamps_file(path, create=True)
        self.batch = BATCH[workload]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.reference", workload, str(threads),
             "--stamps", path],
            cwd=ROOT, env=thread_env(threads), stdin=subprocess.DEVNULL,
        )  # fmt: skip
        self.done = 0
        self._wait_for(1, 600.0)  # built, warmed up, one step stamped
        self._stop()
        self.done = self._count()

    def _count(self) -> int:
        return int(self.ring[0])

    def _wait_for(self, n: int, timeout: float) -> None:
        end = time.perf_counter() + timeout
        while self._count() < n:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the plain PyTorch loop exited ({self.proc.returncode})")
            if time.perf_counter() > end:
                raise RuntimeError("the plain PyTorch loop made no progress")
            time.sleep(0.002)

    def _stop(self) -> None:
        _signal(self.proc, signal.SIGSTOP, "plain PyTorch loop", wait=True)

    def measure(self, seconds: float) -> float:
        """samples/s over a turn of about ``seconds`` (at least two whole steps)."""
        from .reference import RING

        first = self.done
        _signal(self.proc, signal.SIGCONT, "plain PyTorch loop")
        time.sleep(seconds)
        self._wait_for(first + 3, 600.0)  # step first+1 began before the turn: not counted
        self._stop()
        last = self.done = min(self._count(), first + RING)  # stamp first+1 kept
        t0, t1 = self.ring[1 + (first + 1) % RING], self.ring[1 + last % RING]
        return (last - first - 1) * self.batch / (t1 - t0)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()  # SIGKILL ends a stopped process too
        self.proc.wait(timeout=30)
        del self.ring


def frameworks() -> list[str]:
    out = ["deepgrad"]
    if importlib.util.find_spec("torch") is not None:
        out.append("pytorch")
    return out


def run_workload(name: str, rounds: int, round_s: float, threads: int) -> dict[str, Any]:
    """Median samples/s per framework over alternating rounds, the paired ratio per round
    (deepgrad ÷ PyTorch, the two measured back to back), peak memory, and the plain PyTorch
    loop's median over the same rounds (it runs once per round, right after the two workers,
    while both are stopped). Only one process runs at any moment."""
    workers = {fw: Worker(fw, name, threads) for fw in frameworks()}
    tmp, loop = tempfile.TemporaryDirectory(), None
    try:
        if "pytorch" in workers:
            loop = PlainLoop(name, threads, tmp.name)
        steps = {}
        for fw, w in workers.items():  # calibrate: steps for about round_s seconds
            t = w.run(2) / 2
            steps[fw] = max(2, int(round_s / max(t, 1e-6)))
        rates: dict[str, list[float]] = {fw: [] for fw in workers}
        plain: list[float] = []
        ceiling: list[float] = []  # the MLP's: sgemm at its first layer, right after each round
        for r in range(rounds):
            order = list(workers) if r % 2 == 0 else list(reversed(workers))
            for fw in order:
                secs = workers[fw].run(steps[fw])
                rates[fw].append(steps[fw] * BATCH[name] / secs)
                if name == "mlp" and fw == "deepgrad":
                    ceiling.append(workers[fw].gemm(128, 784, 256, max(0.2, round_s / 2)))
            if loop is not None:  # the plain loop takes its turn in every round, alone
                plain.append(loop.measure(round_s))
        out: dict[str, Any] = {}
        if ceiling:  # the step's GEMM rate ÷ the sgemm rate of the same round, per round
            step_gflops = [v / BATCH[name] * mlp_flops_per_step() / 1e9 for v in rates["deepgrad"]]
            shares = sorted(a / c for a, c in zip(step_gflops, ceiling, strict=True))
            out["gemm_share"] = {"median": statistics.median(shares), "min": shares[0],
                                 "max": shares[-1], "ceiling": statistics.median(ceiling)}  # fmt: skip
        for fw, w in workers.items():
            peak = w.peak_kib()
            out[fw] = {
                "samples_per_s": statistics.median(rates[fw]),
                "min": min(rates[fw]),
                "max": max(rates[fw]),
                "rates": rates[fw],
                "peak_mib": peak / 1024,
                "model_mib": (peak - w.base_kib) / 1024,
            }
    finally:
        for w in workers.values():
            w.close()
        if loop is not None:
            loop.close()
        tmp.cleanup()
    if "pytorch" in rates:
        paired = [d / t for d, t in zip(rates["deepgrad"], rates["pytorch"])]
        out["ratio"] = {
            "median": statistics.median(paired),
            "min": min(paired),
            "max": max(paired),
        }
        if plain:
            out["reference_pytorch"] = statistics.median(plain)
            out["reference_rates"] = plain
    return out


def gemm_gflops(m: int, k: int, n: int, seconds: float = 0.2, repeats: int = 5) -> float:
    """float32 GEMM throughput of NumPy's BLAS for an (m×k)·(k×n) product: the best of
    ``repeats`` timed windows (a ceiling is what the BLAS *can* reach: one window alone
    swung 99–172 GFLOP/s on a shared VM)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    a @ b
    best = 0.0
    for _ in range(repeats):
        reps, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            a @ b
            reps += 1
        best = max(best, 2.0 * m * k * n * reps / (time.perf_counter() - t0) / 1e9)
    return best


def machine() -> dict[str, str]:
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    blas = "unknown"
    try:
        from threadpoolctl import threadpool_info

        infos = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if infos:
            i = infos[0]
            blas = f"{i.get('internal_api')} {i.get('version')} ({i.get('num_threads')} threads)"
    except Exception:  # noqa: BLE001 - informative only
        pass
    versions = f"Python {platform.python_version()}, NumPy {np.__version__}"
    if importlib.util.find_spec("torch") is not None:
        import torch

        versions += f", PyTorch {torch.__version__}"
    import deepgrad

    versions += f", deepgrad {deepgrad.__version__}"
    from deepgrad import kernels

    if importlib.util.find_spec("numba") is None or not kernels.enabled():
        versions += " (compiled kernels off: NumPy forms only)"
    else:
        import numba

        versions += f" (compiled kernels on: numba {numba.__version__})"
    return {"cpu": cpu, "cores": str(os.cpu_count()), "blas": blas, "versions": versions}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    # "deepgrad bench" when run by that command, so its errors read like the others'
    prog = os.environ.get("DEEPGRAD_BENCH_PROG", "python -m benchmarks")
    p = argparse.ArgumentParser(prog=prog, description=__doc__)
    p.add_argument("--quick", action="store_true", help="fewer, shorter rounds (< 2 minutes)")
    p.add_argument("--only", default="", help="comma-separated workloads (default: all)")
    p.add_argument("--rounds", type=int, default=None)
    p.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    p.add_argument("--no-write", action="store_true", help="do not rewrite RESULTS.md")
    p.add_argument(
        "--out",
        metavar="FILE",
        help="write the results table here (a --quick run otherwise only prints it; a full "
        "run otherwise rewrites benchmarks/RESULTS.md)",
    )
    p.add_argument("--profile", metavar="WORKLOAD", help="profile deepgrad's step of WORKLOAD")
    p.add_argument("--steps", type=int, default=50, help="steps profiled (with --profile)")
    p.add_argument(
        "--profile-json", action="store_true", help="with --profile: one JSON line, the top rows"
    )
    args = p.parse_args(argv)
    if args.profile:
        if args.profile not in WORKLOADS:
            p.error(f"unknown workload {args.profile!r}; choose from {list(WORKLOADS)}")
        if args.profile_json:
            import json

            res = profile_rows(args.profile, args.steps, args.threads)
            res.pop("prof")
            print(json.dumps(res))
            return res
        return profile(args.profile, args.steps, args.threads)
    names = [n for n in args.only.split(",") if n] or list(WORKLOADS)
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        p.error(f"unknown workloads {unknown}; choose from {list(WORKLOADS)}")
    rounds = args.rounds or (3 if args.quick else 7)
    args.rounds_used = rounds
    round_s = 0.4 if args.quick else 1.5
    from threadpoolctl import threadpool_limits

    threadpool_limits(args.threads)
    results: dict[str, Any] = {"workloads": {}, "machine": machine()}
    for name in names:
        print(f"== {name}: {WORKLOADS[name]}", flush=True)
        try:
            res = run_workload(name, rounds, round_s, args.threads)
        except Exception as exc:  # noqa: BLE001 - a missing layer must not sink the suite
            print(f"   skipped: {exc}", flush=True)
            continue
        results["workloads"][name] = res
        for fw in frameworks():
            r = res[fw]
            print(
                f"   {fw:9s} {r['samples_per_s']:10.0f} samples/s  peak {r['peak_mib']:.0f} MiB",
                flush=True,
            )
        if "ratio" in res:
            q = res["ratio"]
            ref = res.get("reference_pytorch")
            agree = f"; plain PyTorch loop alone {ref:,.0f} samples/s" if ref else ""
            print(f"   ratio {q['median']:.2f}x (rounds {q['min']:.2f}-{q['max']:.2f}){agree}")
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=args.threads, user_api="blas"):  # the workloads' threads
        gemm = {
            "1024x1024x1024": gemm_gflops(1024, 1024, 1024),
            "128x784x256 (MLP layer 1)": gemm_gflops(128, 784, 256),
            "128x256x256 (MLP layer 2)": gemm_gflops(128, 256, 256),
        }
    results["gemm"] = gemm
    results["profiles"] = profile_unmet(results, args.threads, args.quick)
    extra = _extras(args.quick)
    results.update(extra)
    table = report(results, args)
    print(table)
    target = results_path(args)
    if target == RESULTS:  # RESULTS.md keeps one section per machine kind
        text = RESULTS.read_text() if RESULTS.is_file() else ""
        RESULTS.write_text(merge_results(text, results["machine"]["cpu"], table))
        print(f"wrote {RESULTS.relative_to(ROOT)}")
    elif target is not None:
        target.write_text(table)
        print(f"wrote {target}")
    return results


def results_path(args: argparse.Namespace) -> Path | None:
    """Where the table goes: ``--out`` when given; else RESULTS.md for a full run (unless
    ``--no-write``); never RESULTS.md for a ``--quick`` run, whose numbers it would replace."""
    if args.out:
        return Path(args.out)
    if args.quick or args.no_write:
        return None
    return RESULTS


def fashion_mnist_section() -> list[str]:
    """RESULTS.md's Fashion-MNIST section, from ``benchmarks/fashion_mnist_results.json``
    (written by ``python benchmarks/fashion_mnist.py``, which takes an hour: not rerun here)."""
    import json

    from .fashion_mnist import summary_lines

    head = ["## Fashion-MNIST: accuracy and time to accuracy", ""]
    path = ROOT / "benchmarks" / "fashion_mnist_results.json"
    if not path.is_file():
        return head + ["Run `python benchmarks/fashion_mnist.py` (writes FASHION_MNIST.md)."]
    return head + summary_lines(json.loads(path.read_text()))


def _qualnames(filename: str) -> dict[int, str]:
    """``{first line: qualified name}`` of every function in a source file (a decorated
    function under its ``def`` line and its first decorator's), ``{}`` if it cannot be read."""
    import ast

    try:
        tree = ast.parse(Path(filename).read_text())
    except (OSError, SyntaxError, ValueError):
        return {}
    names: dict[int, str] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                q = prefix + child.name
                if not isinstance(child, ast.ClassDef):
                    for line in [child.lineno, *(d.lineno for d in child.decorator_list)]:
                        names[line] = q
                visit(child, q + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return names


def _where(filename: str, line: int, func: str, cache: dict[str, dict[int, str]]) -> str:
    """A profile entry as ``file.py:Qualified.name`` (built-ins as cProfile names them)."""
    if line == 0 or not filename.endswith(".py"):
        return func
    if filename not in cache:
        cache[filename] = _qualnames(filename)
    return f"{Path(filename).name}:{cache[filename].get(line, func)}"


def profile_rows(name: str, steps: int, threads: int, top: int = 8) -> dict[str, Any]:
    """cProfile of ``steps`` deepgrad training steps of workload ``name`` (after 3 warm-up
    steps): the step time under the profiler and the ``top`` functions by own time, each as
    milliseconds per step (NumPy's ufuncs and copies count in the function that calls them;
    the profiler's overhead inflates the many small calls, so read shares, not absolutes)."""
    import cProfile
    import pstats

    from threadpoolctl import threadpool_limits

    from .workloads import build_deepgrad

    threadpool_limits(threads)
    step, batch = build_deepgrad(name)
    for _ in range(3):
        step()
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    for _ in range(steps):
        step()
    prof.disable()
    seconds = time.perf_counter() - t0
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    cache: dict[str, dict[int, str]] = {}
    own = sorted(((v[2], k) for k, v in stats.items()), reverse=True)[:top]
    rows = [(_where(*k, cache), t / steps * 1e3) for t, k in own]
    return {"workload": name, "steps": steps, "batch": batch, "threads": threads,
            "ms_per_step": seconds / steps * 1e3, "rows": rows, "prof": prof}  # fmt: skip


def profile(name: str, steps: int, threads: int, top: int = 25) -> dict[str, Any]:
    """cProfile of ``steps`` deepgrad steps of workload ``name`` (after 3 warm-up steps):
    prints the ``top`` functions by own time and by cumulative time; returns the seconds."""
    import io
    import pstats

    res = profile_rows(name, steps, threads)
    prof = res.pop("prof")
    seconds = res["ms_per_step"] * steps / 1e3
    print(f"{name}: {WORKLOADS[name]} — {steps} steps, {res['ms_per_step']:.2f} ms/step "
          f"under the profiler, {threads} thread(s)")  # fmt: skip
    for key in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(prof, stream=out).strip_dirs().sort_stats(key).print_stats(top)
        print(out.getvalue())
    return {"workload": name, "steps": steps, "seconds": seconds, "batch": res["batch"]}


def profile_unmet(results: dict[str, Any], threads: int, quick: bool) -> dict[str, Any]:
    """For every workload below its must-reach ratio: deepgrad's step profiled in a fresh
    process with the suite's thread settings (``profile_rows``, ~2 s of steps), for the
    report's "where the step's time goes" tables."""
    import json

    out: dict[str, Any] = {}
    for name, res in results["workloads"].items():
        q, d = res.get("ratio"), res.get("deepgrad")
        if not q or not d or q["median"] >= TARGETS.get(name, (0.0, 0.0))[0]:
            continue
        step_s = BATCH[name] / d["samples_per_s"]
        steps = max(10, int((0.5 if quick else 2.0) / step_s))
        cmd = [sys.executable, "-m", "benchmarks", "--profile", name, "--steps", str(steps),
               "--threads", str(threads), "--profile-json"]  # fmt: skip
        try:
            run = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT,
                                 env=thread_env(threads), timeout=300, check=True)  # fmt: skip
            out[name] = json.loads(run.stdout.strip().splitlines()[-1])
        except (subprocess.SubprocessError, ValueError, IndexError) as exc:
            print(f"   profile of {name} failed: {exc}", flush=True)
    return out


def profile_lines(profiles: dict[str, Any]) -> list[str]:
    """RESULTS.md's tables of where deepgrad's step goes, one per workload below target."""
    if not profiles:
        return []
    lines = [
        "",
        "### Where deepgrad's step goes, for the workloads below target",
        "",
        "cProfile of deepgrad's training step in a fresh process, same threads (`python -m "
        "benchmarks --profile WORKLOAD` prints more): own time per step of the costliest "
        "functions; NumPy's ufuncs, copies and BLAS calls count in the function that calls "
        "them. The profiler slows the many small calls, so read the shares. What was tried, "
        "kept or not: [PERF-LOG.md](PERF-LOG.md).",
    ]
    for name, p in profiles.items():
        total = p["ms_per_step"]
        lines += ["", f"{WORKLOADS[name]} — {total:.2f} ms per step under the profiler:", "",
                  "| function | ms per step | share |", "|---|---|---|"]  # fmt: skip
        shown = 0.0
        for where, ms in p["rows"]:
            shown += ms
            lines.append(f"| `{where}` | {ms:.2f} | {ms / total:.0%} |")
        lines.append(f"| everything else | {total - shown:.2f} | {(total - shown) / total:.0%} |")
    return lines


def _extras(quick: bool) -> dict[str, Any]:
    """Engine overhead (benchmarks/bench_engine.py) and DataLoader throughput with
    augmentation (benchmarks/bench_data.py)."""
    out: dict[str, Any] = {}
    try:
        from . import bench_engine

        out["engine"] = bench_engine.run(repeats=3 if quick else 7)
    except Exception as exc:  # noqa: BLE001 - informative only
        out["engine_error"] = str(exc)
    try:
        from . import bench_data

        out["data"] = bench_data.run(
            n_images=2_000 if quick else 10_000, min_seconds=0.1 if quick else 0.5
        )
    except Exception as exc:  # noqa: BLE001
        out["data_error"] = str(exc)
    return out


HEADER = """# Benchmark results

`python -m benchmarks` runs deepgrad and PyTorch side by side on the same machine, one process
per framework and workload, alternating rounds; only one process runs at any moment (the idle
worker is stopped with SIGSTOP, so no BLAS or OpenMP pool spins beside the one measured). Each
framework's threads are fixed before its libraries load (`OMP_NUM_THREADS`, `MKL_NUM_THREADS`,
`OPENBLAS_NUM_THREADS`, then `torch.set_num_threads` / threadpoolctl), and every process
allocates under the same glibc malloc policy: `MALLOC_MMAP_THRESHOLD_` 32 MiB and
`MALLOC_TRIM_THRESHOLD_` 256 MiB, the values `import deepgrad` sets for itself (with glibc's
defaults PyTorch's CNN step ran 10–13 ms from one process to the next, page faults deciding,
against 8.6–9.2 ms under these: PERF-LOG.md). The ratio column is the
median of the per-round paired ratios, with their spread; the "plain loop" column is PyTorch's
figure from an ordinary training loop (benchmarks/reference.py: no threadpoolctl, its own
process, alive through the workload's rounds and stopped except in its turn of every round,
its rate read from the end-of-step times it writes): its median (and the suite's PyTorch
median's distance from it), which must agree within ~10 % for the row to be trusted.

A speed claim holds only with the CPU it was measured on: each machine kind seen has its own
section below, rewritten only by a run on that kind.
"""


def machine_kind(cpu: str) -> str:
    """The machine kind a CPU model string names, the key of its RESULTS.md section: the
    vendor's marks, "Processor"/"CPU", the clock ("@ 2.20GHz") and any parenthesised remark
    dropped.

    >>> machine_kind("Intel(R) Xeon(R) Processor")
    'Intel Xeon'
    >>> machine_kind("Intel Xeon (2 cores; OpenBLAS SkylakeX kernels)")
    'Intel Xeon'
    >>> machine_kind("AMD EPYC")
    'AMD EPYC'
    """
    import re

    name = re.sub(r"\((?:R|TM)\)", "", cpu, flags=re.IGNORECASE)
    name = re.sub(r"\s*[(@].*", "", name)
    name = re.sub(r"\b(?:Processor|CPU)\b", "", name)
    return " ".join(name.split()) or cpu.strip()


def _top_sections(text: str) -> list[str]:
    """``text``'s ``## `` sections, each from its heading to the next (what comes before the
    first heading, the header, is left out: the merge writes its own)."""
    sections: list[list[str]] = []
    for line in text.split("\n"):
        if line.startswith("## "):
            sections.append([line])
        elif sections:
            sections[-1].append(line)
    return ["\n".join(s).rstrip("\n") + "\n" for s in sections]


def _split_generated(fm: str) -> tuple[str, str]:
    """The Fashion-MNIST section cut after its generated table: (generated part, the notes
    written under it by hand, which a rerun keeps)."""
    lines = fm.rstrip("\n").split("\n")
    i = next((k for k, line in enumerate(lines) if line.startswith("|")), len(lines))
    while i < len(lines) and lines[i].startswith("|"):
        i += 1
    return "\n".join(lines[:i]) + "\n", "\n".join(lines[i:]).strip("\n")


def merge_results(text: str, cpu: str, section: str) -> str:
    """RESULTS.md with this machine kind's section replaced (or added), every other section
    kept: other machines' (sorted by kind), the GPU ones, and the Fashion-MNIST section, whose
    table a new run regenerates while the notes written under it stay.

    >>> t = merge_results("", "CPU A", "## Machine: CPU A\\n\\nx\\n")
    >>> t = merge_results(t, "CPU B", "## Machine: CPU B\\n\\ny\\n")
    >>> merge_results(t, "CPU A", "## Machine: CPU A\\n\\nz\\n").count("## Machine:")
    2
    """
    key = machine_kind(cpu)
    machines: dict[str, str] = {}
    others: list[str] = []
    fm = ""
    old, new = _top_sections(text), _top_sections(section)
    for n, part in enumerate(old + new):
        title = part.split("\n", 1)[0][3:]
        if title.startswith("Machine: "):
            kind = machine_kind(title[len("Machine: ") :])
            if n >= len(old) or kind != key:
                machines[kind] = part
        elif title.startswith("Fashion-MNIST"):
            if fm:  # the run's regenerated table, the old notes under it
                notes = _split_generated(fm)[1]
                fm = _split_generated(part)[0] + ("\n" + notes + "\n" if notes else "")
            else:
                fm = part
        elif part not in others:
            others.append(part)
    out = [HEADER] + [machines[k] for k in sorted(machines)] + others + [fm]
    return "\n".join(x.rstrip("\n") + "\n" for x in out if x).rstrip("\n") + "\n"


def report(results: dict[str, Any], args: argparse.Namespace) -> str:
    """This machine's section of RESULTS.md (and the Fashion-MNIST section after it)."""
    m = results["machine"]
    cmd = "python -m benchmarks" + (" --quick" if args.quick else "")
    if args.only:
        cmd += f" --only {args.only}"
    if args.threads != min(2, os.cpu_count() or 1):
        cmd += f" --threads {args.threads}"
    lines = [
        f"## Machine: {machine_kind(m['cpu'])}",
        "",
        f"Produced by `{cmd}` on {_dt.date.today().isoformat()}.",
        "",
        f"- Machine: {m['cpu']}, {m['cores']} cores; BLAS: {m['blas']}",
        f"- Versions: {m['versions']}",
        f"- Threads: {args.threads} for every framework; float32; {args.rounds_used} alternating "
        "rounds after a warm-up, one process at a time.",
        "",
        "### Training throughput (samples per second)",
        "",
        "| workload | deepgrad | PyTorch | plain loop | deepgrad ÷ PyTorch (spread) | "
        "target (must / aim) | peak MiB deepgrad / PyTorch |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, res in results["workloads"].items():
        d = res.get("deepgrad", {})
        t = res.get("pytorch")
        q = res.get("ratio")
        ratio = q["median"] if q else float("nan")
        spread = f" ({q['min']:.2f}–{q['max']:.2f})" if q else ""
        must, aim = TARGETS.get(name, (float("nan"), float("nan")))
        verdict = "met" if ratio >= must else f"NOT met: {ratio / must - 1:+.0%}"
        tp = f"{t['samples_per_s']:,.0f}" if t else "—"
        ref = res.get("reference_pytorch")
        refs = f"{ref:,.0f} ({t['samples_per_s'] / ref - 1:+.0%})" if ref and t else "—"
        mem = f"{d['peak_mib']:.0f} / {t['peak_mib']:.0f}" if t else f"{d['peak_mib']:.0f} / —"
        lines.append(
            f"| {WORKLOADS[name]} | {d['samples_per_s']:,.0f} | {tp} | {refs} | "
            f"**{ratio:.2f}×**{spread} | {must}× / {aim}× ({verdict}) | {mem} |"
        )
    lines += profile_lines(results.get("profiles", {}))
    lines += ["", "### The machine's ceiling: NumPy float32 GEMM", ""]
    lines += ["| shape | GFLOP/s |", "|---|---|"]
    for shape, g in results["gemm"].items():
        lines.append(f"| {shape} | {g:.0f} |")
    mlp = results["workloads"].get("mlp", {}).get("deepgrad")
    if mlp:
        achieved = mlp["samples_per_s"] / BATCH["mlp"] * mlp_flops_per_step() / 1e9
        share = results["workloads"]["mlp"].get("gemm_share")
        if share:  # measured in the deepgrad worker right after each round: paired, robust
            frac = share["median"]
            how = (f"the median over the rounds of the step's rate ÷ NumPy's GEMM rate at the "
                   f"first layer's shape measured in the same process right after it (median "
                   f"{share['ceiling']:.0f} GFLOP/s; per round {share['min']:.0%}–"
                   f"{share['max']:.0%})")  # fmt: skip
        else:
            frac = achieved / results["gemm"]["128x784x256 (MLP layer 1)"]
            how = "of NumPy's GEMM rate at the first layer's shape"
        verdict = "met" if frac >= GEMM_FRACTION_TARGET else "NOT met"
        lines += [
            "",
            f"The deepgrad MLP step runs its GEMMs at {achieved:.0f} GFLOP/s overall (median "
            f"round): {frac:.0%}, {how} (target ≥ {GEMM_FRACTION_TARGET:.0%}: {verdict}).",
        ]
    if "engine" in results:
        from . import bench_engine

        lines += [
            "",
            "### Engine overhead (benchmarks/bench_engine.py)",
            "",
            bench_engine.format_table(results["engine"], markdown=True),
        ]
    if "data" in results:
        cnn = results["workloads"].get("cnn", {}).get("deepgrad", {}).get("samples_per_s")
        lines += [
            "",
            "### Data loading (benchmarks/bench_data.py)",
            "",
            "DataLoader over 28×28 float32 images, batch 128, shuffled; images per second"
            + (f", against the CNN training step's {cnn:,.0f} samples/s" if cnn else "")
            + ":",
            "",
            "| augmentation | images/s | × CNN training rate |",
            "|---|---|---|",
        ]
        for name, rate in results["data"].items():
            times = f"{rate / cnn:.0f}×" if cnn else "—"
            lines.append(f"| {name} | {rate:,.0f} | {times} |")
    lines += ["", *fashion_mnist_section()]
    return "\n".join(lines) + "\n"
