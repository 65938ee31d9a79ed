"""Developer micro-benchmark: optimizer step time on the tiny MLP's parameter shapes
(64-32-10: weights 32×64 and 10×32, biases 32 and 10), deepgrad vs ``torch.optim``.

Run: ``.venv/bin/python benchmarks/bench_optim_dev.py [--steps 2000] [--rounds 5]``.
Prints the best (minimum) µs per ``step()`` over alternating rounds of ``--steps`` steps each
in CPU time of this process (``time.process_time``: the minimum, and CPU rather than wall
time, filter out the noise of a shared machine; torch runs one thread, as tiny tensors are
not split between threads anyway) and the ratio torch / deepgrad.
``torch.optim`` runs with its defaults (on CPU tensors that is the for-loop implementation).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import deepgrad as dg
from deepgrad import optim

SHAPES = [(32, 64), (32,), (10, 32), (10,)]

# (deepgrad name, kwargs, torch name)
CASES = [
    ("Adam", {"lr": 1e-3}, "Adam"),
    ("AdamW", {"lr": 1e-3}, "AdamW"),
    ("SGD", {"lr": 0.01, "momentum": 0.9}, "SGD"),
    ("RMSprop", {"lr": 0.01}, "RMSprop"),
    ("NAdam", {"lr": 1e-3}, "NAdam"),
]


def _best(fn, steps: int, repeats: int = 5) -> float:
    for _ in range(20):
        fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.process_time()
        for _ in range(steps):
            fn()
        best = min(best, (time.process_time() - t0) / steps)
    return best * 1e6


def _time_dg(name: str, kwargs: dict, steps: int) -> float:
    rng = np.random.default_rng(0)
    params = [
        dg.Tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True) for s in SHAPES
    ]
    for p in params:
        p.grad = dg.Tensor(rng.standard_normal(p.shape).astype(np.float32) * 1e-2)
    opt = getattr(optim, name)(params, **kwargs)
    return _best(opt.step, steps)


def _time_torch(torch, name: str, kwargs: dict, steps: int) -> float:
    params = [torch.randn(s, requires_grad=True) for s in SHAPES]
    for p in params:
        p.grad = torch.randn(p.shape) * 1e-2
    opt = getattr(torch.optim, name)(params, **kwargs)
    return _best(opt.step, steps)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        torch = None
    print(f"{'optimizer':<10} {'deepgrad µs':>12} {'torch µs':>10} {'torch/deepgrad':>15}")
    for name, kwargs, tname in CASES:
        ours, theirs = [], []
        for _ in range(args.rounds):
            ours.append(_time_dg(name, kwargs, args.steps))
            if torch is not None:
                theirs.append(_time_torch(torch, tname, kwargs, args.steps))
        a = min(ours)
        b = min(theirs) if theirs else float("nan")
        print(f"{name:<10} {a:12.1f} {b:10.1f} {b / a:15.2f}")


if __name__ == "__main__":
    main()
