"""Developer benchmark: LSTM training step, deepgrad vs PyTorch side by side (issue 6).

Workload: LSTM 28 steps × 28 features, hidden 128, batch 64, last hidden state →
Linear(128, 10), cross-entropy, Adam; float32; both frameworks on 2 threads, in one process,
alternating rounds. Prints samples/s per round, the median ratio deepgrad / PyTorch, the ratio
of median step times with single steps interleaved (robust on a busy machine), and a
breakdown of one deepgrad step (forward, backward, optimizer).

Run: ``.venv/bin/python benchmarks/bench_lstm_dev.py [--steps 30] [--rounds 5] [--profile]
[--cell gru]`` (``--cell`` swaps the LSTM for a GRU or tanh RNN of the same size).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

T, FEATURES, HIDDEN, BATCH, CLASSES = 28, 28, 128, 64, 10
CELL = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}


def _data(n: int = 8) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(0)
    return [
        (
            rng.standard_normal((BATCH, T, FEATURES)).astype(np.float32),
            rng.integers(0, CLASSES, BATCH).astype(np.int64),
        )
        for _ in range(n)
    ]


def build_deepgrad(cell: str = "lstm"):
    import deepgrad as dg
    from deepgrad import nn, optim

    dg.manual_seed(0)

    class Model(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = getattr(nn, CELL[cell])(FEATURES, HIDDEN, batch_first=True)
            self.fc = nn.Linear(HIDDEN, CLASSES)

        def forward(self, x):
            _, h = self.lstm(x)
            return self.fc((h[0] if cell == "lstm" else h)[-1])

    model = Model()
    opt = optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    pool = _data()
    it = [0]

    def step(parts: dict | None = None) -> None:
        x, y = pool[it[0] % len(pool)]
        it[0] += 1
        t0 = time.perf_counter()
        opt.zero_grad()
        loss = loss_fn(model(dg.tensor(x)), y)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        opt.step()
        t3 = time.perf_counter()
        if parts is not None:
            for k, v in (("forward", t1 - t0), ("backward", t2 - t1), ("optimizer", t3 - t2)):
                parts.setdefault(k, []).append(v)

    return step


def build_torch(cell: str = "lstm"):
    import torch

    torch.manual_seed(0)

    class Model(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = getattr(torch.nn, CELL[cell])(FEATURES, HIDDEN, batch_first=True)
            self.fc = torch.nn.Linear(HIDDEN, CLASSES)

        def forward(self, x):
            _, h = self.lstm(x)
            return self.fc((h[0] if cell == "lstm" else h)[-1])

    model = Model()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    pool = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in _data()]
    it = [0]

    def step(parts: dict | None = None) -> None:
        x, y = pool[it[0] % len(pool)]
        it[0] += 1
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    return step


def _rate(step, steps: int) -> float:
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return steps * BATCH / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--steps", type=int, default=30, help="training steps per round")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cell", choices=sorted(CELL), default="lstm")
    ap.add_argument("--profile", action="store_true", help="cProfile 20 deepgrad steps")
    args = ap.parse_args()

    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(args.threads)
    threadpool_limits(args.threads)
    dg_step, t_step = build_deepgrad(args.cell), build_torch(args.cell)
    for _ in range(5):  # warm-up
        dg_step()
        t_step()
    ratios = []
    for r in range(args.rounds):
        a = _rate(dg_step, args.steps)
        b = _rate(t_step, args.steps)
        ratios.append(a / b)
        print(
            f"round {r}: deepgrad {a:8.0f} samples/s   torch {b:8.0f} samples/s   ratio {a / b:.2f}"
        )
    print(
        f"median ratio deepgrad / torch: {statistics.median(ratios):.2f}  (min {min(ratios):.2f}, max {max(ratios):.2f})"
    )

    # per-step interleaving: the median step time filters out the stalls of a busy machine
    dg_t, t_t = [], []
    for _ in range(args.rounds * args.steps):
        t0 = time.perf_counter()
        dg_step()
        t1 = time.perf_counter()
        t_step()
        t2 = time.perf_counter()
        dg_t.append(t1 - t0)
        t_t.append(t2 - t1)
    a, b = statistics.median(dg_t), statistics.median(t_t)
    print(
        f"interleaved steps: deepgrad {a * 1e3:.2f} ms ({BATCH / a:.0f} samples/s), torch "
        f"{b * 1e3:.2f} ms ({BATCH / b:.0f} samples/s): ratio of medians {b / a:.2f}"
    )

    parts: dict = {}
    for _ in range(args.steps):
        dg_step(parts)
    print(
        "deepgrad step (median ms): "
        + ", ".join(f"{k} {statistics.median(v) * 1e3:.2f}" for k, v in parts.items())
    )
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        for _ in range(20):
            dg_step()
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
