"""One framework, one workload, in a process of its own: the suite sends it round requests.

Protocol (lines on stdin/stdout): the worker prints ``ready <rss_kib>`` after building the model
and a warm-up; for each line ``<n>`` it runs ``n`` steps and prints the seconds they took; for
``mem`` it prints its peak resident memory in KiB; for ``gemm <m> <k> <n> <seconds>`` the
GFLOP/s of NumPy's float32 GEMM at that shape in this process (same threads, same moment as
its steps); it exits at end of input.
"""

from __future__ import annotations

import resource
import sys
import time


def _status_kib(key: str = "VmRSS:") -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1])
    return 0


def _rss_kib() -> int:
    return _status_kib("VmRSS:")


def _peak_kib() -> int:
    """This process's peak resident memory: Linux's ``VmHWM``, which starts afresh at exec.
    (``ru_maxrss`` does not: a child keeps the peak of the process it was forked from, so every
    deepgrad worker reported the orchestrator's 232-282 MiB, whatever the workload used.)"""
    try:
        return _status_kib("VmHWM:") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    framework, workload, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if framework == "pytorch":
        import torch

        torch.set_num_threads(threads)
    elif framework == "deepgrad":
        # as a user's `import deepgrad` does: before NumPy loads OpenBLAS, so that OpenBLAS's
        # idle threads sleep soon and deepgrad's own pool may use the cores (deepgrad.threads)
        import deepgrad  # noqa: F401
    import numpy  # noqa: F401 - load BLAS first: threadpool_limits only limits loaded libraries
    from threadpoolctl import threadpool_limits

    threadpool_limits(threads)
    sys.path.insert(0, ".")
    from benchmarks.workloads import BUILDERS

    base = _rss_kib()
    step, _ = BUILDERS[framework](workload)
    for _ in range(3):
        step()
    print(f"ready {base}", flush=True)
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "mem":
            print(_peak_kib(), flush=True)
            continue
        if cmd.startswith("gemm "):
            from benchmarks.suite import gemm_gflops

            m, k, n, seconds = cmd.split()[1:]
            print(gemm_gflops(int(m), int(k), int(n), float(seconds), 1), flush=True)
            continue
        n = int(cmd)
        t0 = time.perf_counter()
        for _ in range(n):
            step()
        print(f"{time.perf_counter() - t0:.9f}", flush=True)


if __name__ == "__main__":
    main()
