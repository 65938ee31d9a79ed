"""Data-parallel scaling on MPI: 2 ranks × 1 thread against 1 rank × 1 thread, for the
suite's MLP and CNN training workloads (``benchmarks/workloads.py``), and the numbers the
cost model of ``benchmarks/DISTRIBUTED.md`` needs.

Weak scaling, as data parallelism is used: each rank steps on the workload's batch (128 for
the MLP, 64 for the CNN), so 2 ranks process a global batch twice as large per step. The
scaling efficiency is ``throughput(2 ranks) / (2 × throughput(1 rank))``; 100 % means the
gradient allreduce costs nothing. Also measured: one step's gradient allreduce alone (bytes,
buckets, milliseconds) on this machine's shared-memory transport.

Run from the repository root (needs ``pip install -e '.[mpi]'``)::

    python -m benchmarks.bench_distributed            # writes distributed_results.json
    python -m benchmarks.bench_distributed --steps 10 # quicker

Not a test: numbers depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORKLOADS = ("mlp", "cnn")


def worker(name: str, steps: int, out: str) -> None:
    """One rank's loop (run under mpirun): the workload's model with DistributedOptimizer."""
    import numpy as np

    sys.path.insert(0, str(HERE.parent))
    import deepgrad as dg
    import deepgrad.distributed as dist
    from benchmarks import workloads
    from deepgrad import nn, optim

    comm = dist.init(timeout=600)
    dg.manual_seed(0)
    model = workloads.deepgrad_model(name)
    pool = workloads._pool(name)
    model(dg.tensor(pool[0][0]))
    dist.broadcast_parameters(model)
    opt = dist.DistributedOptimizer(optim.Adam(model.parameters(), lr=1e-3))
    loss_fn = nn.CrossEntropyLoss()

    def step(i: int) -> None:
        x, y = pool[(i * comm.size + comm.rank) % len(pool)]
        opt.zero_grad()
        loss_fn(model(dg.tensor(x)), y).backward()
        opt.step()

    for i in range(3):
        step(i)
    comm.barrier()
    t0 = time.perf_counter()
    for i in range(steps):
        step(i)
    comm.barrier()
    per_step = (time.perf_counter() - t0) / steps
    # the allreduce alone: the same buckets, with the gradients in place
    reducer = opt.__dict__["_dg_reducer"]
    reps = max(steps, 20)
    comm.barrier()
    t0 = time.perf_counter()
    for _ in range(reps):
        reducer.reduce()
    allreduce = (time.perf_counter() - t0) / reps
    if comm.is_main:
        params = sum(int(np.prod(p.shape)) for p in model.parameters())
        Path(out).write_text(
            json.dumps(
                {
                    "ranks": comm.size,
                    "batch_per_rank": workloads.BATCH[name],
                    "ms_per_step": per_step * 1e3,
                    "allreduce_ms": allreduce * 1e3 if comm.size > 1 else 0.0,
                    "samples_per_s": comm.size * workloads.BATCH[name] / per_step,
                    "parameters": params,
                    "allreduce_bytes": reducer.bytes_per_step,
                    "buckets": reducer.num_buckets,
                }
            )
        )


def allreduce_seconds(
    params: int, n: int, gbit_per_s: float, latency_us: float = 30.0, buckets: int = 1
) -> float:
    """Ring allreduce of ``4 × params`` bytes (float32 gradients) over ``n`` machines:
    each sends and receives ``2 (n - 1) / n`` of the bytes, in ``2 (n - 1)`` messages per
    bucket, each paying the link's latency."""
    if n == 1:
        return 0.0
    nbytes = 4.0 * params
    bandwidth = gbit_per_s * 1e9 / 8
    return 2 * (n - 1) / n * nbytes / bandwidth + 2 * (n - 1) * buckets * latency_us * 1e-6


def speedup(
    params: int, step_s: float, n: int, gbit_per_s: float, latency_us: float = 30.0
) -> float:
    """Throughput of ``n`` machines over one's: ``n T_c / (T_c + T_allreduce)`` (deepgrad
    does not overlap the allreduce with the backward pass)."""
    return n * step_s / (step_s + allreduce_seconds(params, n, gbit_per_s, latency_us))


def cost_table(params: int, step_ms: float, label: str) -> str:
    """The markdown table of predicted speed-ups (efficiency) for ``n`` machines and link
    speeds, for a model of ``params`` parameters whose step takes ``step_ms`` on one."""
    links = (1, 10, 25, 100)
    rows = [
        f"| {label}: N machines | " + " | ".join(f"{g} Gbit/s" for g in links) + " |",
        "| --- | " + " | ".join("---" for _ in links) + " |",
    ]
    for n in (2, 4, 8, 16):
        cells = []
        for g in links:
            s = speedup(params, step_ms / 1e3, n, g)
            cells.append(f"{s:.1f}× ({s / n:.0%})")
        rows.append(f"| {n} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _run(ranks: int, name: str, steps: int, out: Path) -> dict:
    env = dict(
        os.environ,
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        OMPI_ALLOW_RUN_AS_ROOT="1",
        OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
    )
    mpirun = Path(sys.executable).parent / "mpirun"
    mpirun_cmd = str(mpirun) if mpirun.exists() else shutil.which("mpirun")
    if mpirun_cmd is None:
        raise SystemExit("mpirun not found: pip install -e '.[mpi]'")
    cmd = [mpirun_cmd, "-n", str(ranks), "--oversubscribe", sys.executable,
           "-m", "benchmarks.bench_distributed", "--worker", name, "--steps", str(steps),
           "--out", str(out)]  # fmt: skip
    subprocess.run(cmd, env=env, check=True, cwd=HERE.parent)
    return json.loads(out.read_text())


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each; the fastest counts")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--json", default=str(HERE / "distributed_results.json"))
    ap.add_argument(
        "--model",
        nargs=2,
        metavar=("PARAMS", "STEP_MS"),
        type=float,
        help="print the cost model's table for a model of PARAMS parameters whose step "
        "takes STEP_MS milliseconds on one machine, and exit",
    )
    args = ap.parse_args(argv)
    if args.model:
        print(cost_table(int(args.model[0]), args.model[1], "model"))
        return {}
    if args.worker:
        worker(args.worker, args.steps, args.out)
        return {}
    results: dict = {
        "cpu": _cpu(),
        "cores": os.cpu_count(),
        "load": os.getloadavg()[0],
        "steps": args.steps,
        "repeat": args.repeat,
    }
    tmp = Path(args.json).with_suffix(".tmp.json")
    for name in WORKLOADS:
        one = min(
            (_run(1, name, args.steps, tmp) for _ in range(args.repeat)),
            key=lambda r: r["ms_per_step"],
        )
        two = min(
            (_run(2, name, args.steps, tmp) for _ in range(args.repeat)),
            key=lambda r: r["ms_per_step"],
        )
        eff = two["samples_per_s"] / (2 * one["samples_per_s"])
        results[name] = {"1_rank": one, "2_ranks": two, "scaling_efficiency": eff}
        print(
            f"{name:4s}: 1 rank {one['ms_per_step']:7.2f} ms/step {one['samples_per_s']:8.0f} "
            f"samples/s | 2 ranks {two['ms_per_step']:7.2f} ms/step "
            f"{two['samples_per_s']:8.0f} samples/s (allreduce {two['allreduce_ms']:.3f} ms, "
            f"{two['allreduce_bytes'] / 1e6:.2f} MB in {two['buckets']} bucket(s)) | "
            f"efficiency {eff:.0%}"
        )
    tmp.unlink(missing_ok=True)
    results["load_after"] = os.getloadavg()[0]
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    print(f"CPU: {results['cpu']}, {results['cores']} cores; load {results['load']:.1f}")
    return results


if __name__ == "__main__":
    main()
