"""Side-by-side timing of the Transformer-encoder training step, deepgrad vs PyTorch.

The workload of issue 6: ``TransformerEncoder`` of 2 layers (d_model 64, 4 heads, feed-forward
256, dropout 0, batch_first), mean over the sequence, ``Linear(64, 10)``, cross-entropy, Adam;
batch 32 × sequence 32. Both frameworks run in this one process, alternating rounds, PyTorch on
2 threads; the ratio of medians is what to read (the machine is shared and noisy).

    python benchmarks/bench_transformer_dev.py [--rounds 7] [--steps 30] [--threads 2] [--profile]

``--threads`` sets PyTorch's threads and NumPy's BLAS threads (through threadpoolctl) alike;
on a busy shared machine ``--threads 1`` gives steadier ratios. ``--profile`` prints a
cProfile of deepgrad's steps instead.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

B, S, E, H, FF, LAYERS = 32, 32, 64, 4, 256, 2


def _data() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(0)
    return [
        (rng.standard_normal((B, S, E)).astype(np.float32), rng.integers(0, 10, B))
        for _ in range(8)
    ]


def deepgrad_step() -> Callable[[], None]:
    import deepgrad as dg
    from deepgrad import nn

    dg.manual_seed(0)

    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            layer = nn.TransformerEncoderLayer(E, H, FF, dropout=0.0, batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, LAYERS)
            self.fc = nn.Linear(E, 10)

        def forward(self, x: dg.Tensor) -> dg.Tensor:
            return self.fc(self.encoder(x).mean(axis=1))

    model = Encoder()
    opt = dg.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    pool = [(dg.tensor(x), dg.tensor(y)) for x, y in _data()]
    it = [0]

    def step() -> None:
        x, y = pool[it[0] % len(pool)]
        it[0] += 1
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    return step


def torch_step(threads: int) -> Callable[[], None]:
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            layer = torch.nn.TransformerEncoderLayer(E, H, FF, dropout=0.0, batch_first=True)
            self.encoder = torch.nn.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False)
            self.fc = torch.nn.Linear(E, 10)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.fc(self.encoder(x).mean(dim=1))

    model = Encoder()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    pool = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in _data()]
    it = [0]

    def step() -> None:
        x, y = pool[it[0] % len(pool)]
        it[0] += 1
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    return step


def _time(step: Callable[[], None], n: int) -> float:
    t = time.perf_counter()
    for _ in range(n):
        step()
    return (time.perf_counter() - t) / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    from threadpoolctl import threadpool_limits

    threadpool_limits(args.threads)
    dg_step = deepgrad_step()
    if args.profile:
        import cProfile
        import pstats

        for _ in range(5):
            dg_step()
        pr = cProfile.Profile()
        pr.enable()
        for _ in range(args.steps):
            dg_step()
        pr.disable()
        pstats.Stats(pr).sort_stats("tottime").print_stats(30)
        return
    th_step = torch_step(args.threads)
    for _ in range(5):
        dg_step()
        th_step()
    t_dg, t_th = [], []
    for _ in range(args.rounds):
        t_dg.append(_time(dg_step, args.steps))
        t_th.append(_time(th_step, args.steps))
    md, mt = statistics.median(t_dg), statistics.median(t_th)
    ratios = [b / a for a, b in zip(t_dg, t_th)]
    print(f"threads: {args.threads}, rounds: {args.rounds} x {args.steps} steps")
    print(f"deepgrad: {md * 1e3:7.2f} ms/step  {B / md:8.0f} samples/s")
    print(f"PyTorch : {mt * 1e3:7.2f} ms/step  {B / mt:8.0f} samples/s")
    print(
        f"ratio (deepgrad speed / PyTorch speed): {mt / md:.2f}x "
        f"(per-round range {min(ratios):.2f}-{max(ratios):.2f})"
    )


if __name__ == "__main__":
    main()
