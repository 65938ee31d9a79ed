"""deepgrad's own worker pool (:func:`deepgrad.threads.parallel_chunks`) on and off, in one
process: the CNN's elementwise kernels one by one and the whole CNN training step.

Each pair runs the kernel (or step) once with the pool off (``WORKERS = 1``: the serial code)
and once with 2 workers, alternating which goes first; reported: the medians, the minimums,
and the median of the paired ratios (above 1: the pool is faster). Outputs are not compared
here: ``tests/functional/test_threaded_kernels.py`` checks that they are bit for bit equal.

Before each row the second core's availability is measured (``core``: two threads hashing
with the GIL released vs one thread, ideally 2.0): on a shared machine whose other core is
busy the pool cannot gain, and the row says so instead of misleading.

Run on an idle machine with 2 BLAS threads::

    OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 .venv/bin/python benchmarks/bench_threads.py
    ... --pairs 300 --only kernels      # or --only step
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import deepgrad as dg  # noqa: E402
import deepgrad.functional.activation as A  # noqa: E402
import deepgrad.functional.conv as C  # noqa: E402
import deepgrad.functional.pooling as P  # noqa: E402
from deepgrad import threads  # noqa: E402

_DATA = os.urandom(8 << 20)


def core_scaling() -> float:
    """How much a second thread speeds up GIL-free work right now (2.0: a free core)."""

    def work() -> None:
        hashlib.sha256(_DATA).digest()

    t = time.perf_counter()
    work()
    work()
    serial = time.perf_counter() - t
    t = time.perf_counter()
    th = threading.Thread(target=work)
    th.start()
    work()
    th.join()
    return serial / (time.perf_counter() - t)


def kernels() -> list[tuple[str, Callable[[], Any]]]:
    """The CNN workload's elementwise kernels at its shapes (batch 64)."""
    rng = np.random.default_rng(0)
    f32 = np.float32

    def geom(cin: int, h: int, o: int) -> Any:
        return C._Geom((64, cin, h, h), (o, cin, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1)

    g1, g2 = geom(1, 28, 16), geom(16, 14, 32)
    x1 = rng.standard_normal((64, 1, 28, 28)).astype(f32)
    x2 = rng.standard_normal((64, 16, 14, 14)).astype(f32)

    def im2col(x: Any, g: Any) -> Callable[[], None]:
        return lambda: C.SCRATCH.give(C._im2col(x, g, pooled=True))

    def col2im(g: Any) -> Callable[[], None]:
        shape = (g.N, g.C * 9, g.L) if g.bm else (g.C * 9, g.N * g.L)
        cols = rng.standard_normal(shape).astype(f32)
        return lambda: C._col2im(cols.copy(), g, np.zeros(g.C, f32))

    def from_cols(g: Any) -> Callable[[], None]:
        shape = (g.N, g.O, g.L) if g.bm else (g.O, g.N * g.L)
        yt, b = rng.standard_normal(shape).astype(f32), rng.standard_normal(g.O).astype(f32)
        return lambda: C._from_cols_layout(yt, g, b)

    def to_cols(g: Any) -> Callable[[], None]:
        y = rng.standard_normal((g.N, g.O, g.Ho, g.Wo)).astype(f32)
        return lambda: C.SCRATCH.give(C._to_cols_layout(y, g)[0])

    def pool(shape: tuple[int, ...]) -> tuple[Callable[[], Any], Callable[[], Any]]:
        x = np.maximum(rng.standard_normal(shape).astype(f32), 0)  # ties at 0, as after ReLU
        pg = P._PoolGeom(shape, (2, 2), (2, 2), (0, 0), (1, 1), False, "bench")
        fn = P.MaxPool2dFunction(pg)
        fn.train = True
        y = fn.forward(x)
        gy = rng.standard_normal(y.shape).astype(f32)
        return (lambda: fn.forward(x)), (lambda: P._MaxPoolScatter(pg, x, y).forward(gy))

    def relu(shape: tuple[int, ...]) -> tuple[Callable[[], Any], Callable[[], Any]]:
        x = rng.standard_normal(shape).astype(f32)
        r = A.ReLU()
        y = dg.tensor(r.forward(x))
        r.output = lambda: y
        gy = dg.tensor(rng.standard_normal(shape).astype(f32))

        def backward() -> None:
            with dg.no_grad():
                r.backward(gy)

        return (lambda: r.forward(x)), backward

    (p1f, p1b), (p2f, p2b) = pool((64, 16, 28, 28)), pool((64, 32, 14, 14))
    (r1f, r1b), (r2f, r2b) = relu((64, 16, 28, 28)), relu((64, 32, 14, 14))
    return [
        ("im2col conv1 (batch-major)", im2col(x1, g1)), ("im2col conv2", im2col(x2, g2)),
        ("col2im conv2 (+ copy of cols)", col2im(g2)), ("output + bias conv1", from_cols(g1)),
        ("output + bias conv2", from_cols(g2)), ("gy to columns conv2", to_cols(g2)),
        ("max-pool fwd 16×28×28", p1f), ("max-pool fwd 32×14×14", p2f),
        ("max-pool bwd 16×28×28", p1b), ("max-pool bwd 32×14×14", p2b),
        ("ReLU fwd 16×28×28", r1f), ("ReLU fwd 32×14×14", r2f),
        ("ReLU bwd 16×28×28", r1b), ("ReLU bwd 32×14×14", r2b),
    ]  # fmt: skip


def ab(fn: Callable[[], Any], pairs: int, workers: int = 2) -> dict[str, float]:
    """Paired A/B of ``fn`` with the pool off and with ``workers`` workers."""
    for _ in range(5):
        fn()
    off, on, ratios = [], [], []
    before = threads.WORKERS
    for i in range(pairs):
        res = {}
        for w in (1, workers) if i % 2 else (workers, 1):
            threads.WORKERS = w
            t = time.perf_counter()
            fn()
            res[w] = time.perf_counter() - t
        off.append(res[1])
        on.append(res[workers])
        ratios.append(res[1] / res[workers])
    threads.WORKERS = before
    q = np.percentile(ratios, [25, 50, 75])
    return {"off_ms": float(np.median(off)) * 1e3, "on_ms": float(np.median(on)) * 1e3,
            "off_min_ms": min(off) * 1e3, "on_min_ms": min(on) * 1e3,
            "factor": float(q[1]), "q25": float(q[0]), "q75": float(q[2])}  # fmt: skip


def cnn_step() -> Callable[[], None]:
    """The suite's CNN training step (``benchmarks/workloads.py``), 3 steps per call."""
    from benchmarks.workloads import build_deepgrad

    step, _ = build_deepgrad("cnn")

    def three() -> None:
        for _ in range(3):
            step()

    return three


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pairs", type=int, default=200)
    p.add_argument("--only", choices=["kernels", "step"], default=None)
    args = p.parse_args(argv)
    print(f"BLAS threads {threads.worker_count()}; load {os.getloadavg()[0]:.2f}")
    rows = [] if args.only == "step" else kernels()
    if args.only != "kernels":
        rows.append(("CNN training step ×3", cnn_step()))
    print("| kernel | pool off (median, min) | 2 workers (median, min) | paired factor (IQR) "
          "| core |\n|---|---|---|---|---|")  # fmt: skip
    for name, fn in rows:
        core = core_scaling()
        r = ab(fn, args.pairs if "step" not in name else max(20, args.pairs // 4))
        print(f"| {name} | {r['off_ms']:.3f}, {r['off_min_ms']:.3f} ms | {r['on_ms']:.3f}, "
              f"{r['on_min_ms']:.3f} ms | **{r['factor']:.2f}×** ({r['q25']:.2f}–{r['q75']:.2f})"
              f" | {core:.2f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
