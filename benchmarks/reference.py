"""The plain PyTorch loop that checks the suite's PyTorch figure.

``python -m benchmarks.reference WORKLOAD THREADS SECONDS`` builds the workload's PyTorch model
exactly as the suite does (benchmarks/workloads.py), runs the ordinary loop
``zero_grad(); loss = loss_fn(model(x), y); loss.backward(); step()`` for about SECONDS after a
warm-up, in this one process, and prints samples per second.

``python -m benchmarks.reference WORKLOAD THREADS --stamps FILE`` runs the same loop without
end and, after each step, writes the step's end time into FILE (a float64 ring of
:data:`RING` stamps after the step count, memory-mapped). The suite keeps this one process
for a workload, stopped (SIGSTOP) except during its turn in every round, and reads the
stamps while it is stopped: the rate is that of the steps that began and ended within the
turn, so the process's time stopped never counts. Why a process that lives through the
rounds, and not a fresh one per round: this VM's speed drifts by ±30 % over seconds, and
the turns of the suite's workers and the plain loop must sample the same stretch of it; a
fresh process's first second (allocator warm-up) ran slower as well.

Threads are set the way a PyTorch user sets them: ``OMP_NUM_THREADS``/``MKL_NUM_THREADS`` in
the environment before ``import torch`` (the suite passes them), then
``torch.set_num_threads(THREADS)``; no threadpoolctl, no NumPy BLAS in the loop. The suite
also starts it with glibc's malloc thresholds fixed (``benchmarks.suite.MALLOC_ENV``, the
values ``import deepgrad`` sets for itself); run alone, set them the same way
(``MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=268435456``) or its rate is one draw
of a per-process lottery: with glibc's defaults the CNN step's page faults, and with them its
speed, differ from one process to the next by up to 30 % (Intel Xeon, two threads).
"""

from __future__ import annotations

import sys
import time

RING = 1 << 16  # stamps kept: more steps than any turn runs (a tiny-MLP step takes ≥ 50 µs)


def stamps_file(path: str, create: bool = False):  # noqa: ANN201 - numpy memmap
    """The ring: element 0 the number of steps done, element ``1 + k % RING`` step k's end."""
    import numpy as np

    return np.memmap(path, dtype=np.float64, mode="w+" if create else "r+", shape=(RING + 1,))


def main() -> None:
    workload, threads = sys.argv[1], int(sys.argv[2])
    import torch

    torch.set_num_threads(threads)
    sys.path.insert(0, ".")
    from benchmarks.workloads import build_torch

    step, batch = build_torch(workload)
    for _ in range(5):
        step()
    if sys.argv[3] == "--stamps":
        ring = stamps_file(sys.argv[4])
        n = 0
        while True:  # the plain loop; the suite stops and resumes this process
            step()
            n += 1
            ring[1 + n % RING] = time.perf_counter()
            ring[0] = n
    seconds = float(sys.argv[3])
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        step()
        n += 1
    print(f"{n * batch / (time.perf_counter() - t0):.3f}", flush=True)


if __name__ == "__main__":
    main()
