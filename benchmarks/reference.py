"""The plain PyTorch loop that checks the suite's PyTorch figure.

``python -m benchmarks.reference WORKLOAD THREADS SECONDS`` builds the workload's PyTorch model
exactly as the suite does (benchmarks/workloads.py), runs the ordinary loop
``zero_grad(); loss = loss_fn(model(x), y); loss.backward(); step()`` for about SECONDS after a
warm-up, in this one process with nothing else of the suite alive, and prints samples per
second. The suite runs it once per workload after its alternating rounds and reports how far
its own PyTorch median lies from this figure: the harness is trusted only where the two agree
within ~10 %.

Threads are set the way a PyTorch user sets them: ``OMP_NUM_THREADS``/``MKL_NUM_THREADS`` in
the environment before ``import torch`` (the suite passes them), then
``torch.set_num_threads(THREADS)``; no threadpoolctl, no NumPy BLAS in the loop.
"""

from __future__ import annotations

import sys
import time


def main() -> None:
    workload, threads, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    import torch

    torch.set_num_threads(threads)
    sys.path.insert(0, ".")
    from benchmarks.workloads import build_torch

    step, batch = build_torch(workload)
    for _ in range(5):
        step()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        step()
        n += 1
    print(f"{n * batch / (time.perf_counter() - t0):.3f}", flush=True)


if __name__ == "__main__":
    main()
