"""Developer benchmark: CNN training step and inference, deepgrad vs PyTorch side by side
(issue 6).

Workload: conv16(3×3, pad 1) → ReLU → maxpool 2 → conv32(3×3, pad 1) → ReLU → maxpool 2 →
Linear(32·7·7, 10) on 28×28 single-channel images, batch 64, cross-entropy, Adam, float32;
both frameworks in one process on the same thread count, alternating rounds. Prints the
median step times, the ratio (PyTorch time ÷ deepgrad time, i.e. deepgrad's throughput
relative to PyTorch's) for training and inference, and a split of one deepgrad step.

Run: ``.venv/bin/python benchmarks/bench_cnn_dev.py [--steps 30] [--rounds 5] [--threads 2]
[--profile] [--cpu-time]``. The machine is shared and noisy: read the ratios of one run, not
absolute times; on a busy machine ``--threads 1 --cpu-time`` compares the work done.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

BATCH, CLASSES = 64, 10


def _set_threads(n: int) -> None:
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)


def _data(n: int = 8) -> list:
    import numpy as np

    rng = np.random.default_rng(0)
    return [
        (
            rng.standard_normal((BATCH, 1, 28, 28)).astype(np.float32),
            rng.integers(0, CLASSES, BATCH).astype(np.int64),
        )
        for _ in range(n)
    ]


def build_deepgrad():
    import deepgrad as dg
    from deepgrad import nn, optim

    dg.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, CLASSES),
    )  # fmt: skip
    opt = optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    pool = _data()
    it = [0]

    def step(parts: dict | None = None) -> None:
        x, y = pool[it[0] % len(pool)]
        it[0] += 1
        t0 = time.perf_counter()
        opt.zero_grad()
        loss = loss_fn(model(dg.tensor(x)), dg.tensor(y))
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        opt.step()
        t3 = time.perf_counter()
        if parts is not None:
            for k, v in (("forward", t1 - t0), ("backward", t2 - t1), ("optimizer", t3 - t2)):
                parts.setdefault(k, []).append(v)

    def infer() -> None:
        x, _ = pool[it[0] % len(pool)]
        it[0] += 1
        with dg.no_grad():
            model(dg.tensor(x))

    return step, infer


def build_torch():
    import torch

    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(32 * 7 * 7, CLASSES),
    )  # fmt: skip
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    pool = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in _data()]
    it = [0]

    def step(parts: dict | None = None) -> None:
        x, y = pool[it[0] % len(pool)]
        it[0] += 1
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    def infer() -> None:
        x, _ = pool[it[0] % len(pool)]
        it[0] += 1
        with torch.no_grad():
            model(x)

    return step, infer


_clock = time.perf_counter


def _time(fn, steps: int) -> float:
    """Median seconds per call over ``steps`` calls."""
    ts = []
    for _ in range(steps):
        t0 = _clock()
        fn()
        ts.append(_clock() - t0)
    return statistics.median(ts)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--profile", action="store_true", help="cProfile 20 deepgrad steps")
    ap.add_argument(
        "--cpu-time",
        action="store_true",
        help="time with process CPU time (steadier on a busy machine; use with --threads 1)",
    )
    args = ap.parse_args(argv)
    if args.cpu_time:
        global _clock
        _clock = time.process_time
    _set_threads(args.threads)
    import torch

    torch.set_num_threads(args.threads)
    dg_step, dg_infer = build_deepgrad()
    th_step, th_infer = build_torch()

    if args.profile:
        import cProfile
        import pstats

        for _ in range(5):
            dg_step()
        pr = cProfile.Profile(_clock)
        pr.enable()
        for _ in range(20):
            dg_step()
        pr.disable()
        pstats.Stats(pr, stream=sys.stdout).sort_stats("tottime").print_stats(25)
        return

    for _ in range(5):  # warm-up
        dg_step(), th_step(), dg_infer(), th_infer()
    train_ratios, infer_ratios = [], []
    for r in range(args.rounds):
        tt = _time(th_step, args.steps)
        td = _time(dg_step, args.steps)
        it_ = _time(th_infer, args.steps)
        id_ = _time(dg_infer, args.steps)
        train_ratios.append(tt / td)
        infer_ratios.append(it_ / id_)
        print(
            f"round {r}: train torch {tt * 1e3:6.2f} ms  deepgrad {td * 1e3:6.2f} ms  "
            f"ratio {tt / td:.2f}x | infer torch {it_ * 1e3:5.2f} ms  deepgrad "
            f"{id_ * 1e3:5.2f} ms  ratio {it_ / id_:.2f}x"
        )
    parts: dict = {}
    for _ in range(args.steps):
        dg_step(parts)
    split = ", ".join(f"{k} {statistics.median(v) * 1e3:.2f} ms" for k, v in parts.items())
    print(f"deepgrad step split: {split}")
    print(
        f"median ratio deepgrad/PyTorch (throughput): train {statistics.median(train_ratios):.2f}x,"
        f" inference {statistics.median(infer_ratios):.2f}x  ({args.threads} threads)"
    )


if __name__ == "__main__":
    main()
