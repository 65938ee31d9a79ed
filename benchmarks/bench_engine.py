"""Engine benchmarks: deepgrad vs PyTorch (CPU) side by side, in one run.

Two workloads, both forward + backward in float32:

(a) ``chain``: a 20-operation elementwise chain on a 32×32 tensor — almost no arithmetic, so
    the time is the framework's own per-operation overhead (reported in µs per operation);
(b) ``dense``: ``relu(x @ W + b)`` with x 128×784, W 784×256 — the time is mostly BLAS.

PyTorch runs with ``torch.set_num_threads`` equal to the number of BLAS threads NumPy uses
(read with threadpoolctl). Each measurement is the median of several repeats taken after a
warm-up, alternating the frameworks round by round so that drift on a shared machine hits
both alike. ``speed`` is PyTorch's time divided by deepgrad's (above 1: deepgrad is faster).

Run: ``python benchmarks/bench_engine.py`` (``--repeats N``, ``--markdown``).
:func:`run` returns the results as a dict for the full benchmark suite.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import deepgrad as dg

CHAIN_OPS = 20


def blas_threads() -> int:
    """Number of threads NumPy's BLAS uses (1 when threadpoolctl cannot tell)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover
        return 1
    counts = [i["num_threads"] for i in threadpool_info() if i.get("user_api") == "blas"]
    return max(counts) if counts else 1


def chain(x: Any, w: Any) -> Any:
    """The 20-operation chain (19 elementwise ops and a sum); works on both frameworks."""
    y = x * w
    y = y + 1.0
    y = y.tanh()
    y = y * 0.5
    y = y - w
    y = y.sigmoid()
    y = y * y
    y = y + x
    y = y.relu()
    y = y / 2.0
    y = y * w
    y = y.exp()
    y = y - 1.0
    y = y.tanh()
    y = y**2
    y = y + w
    y = y.abs()
    y = y * 0.1
    y = y.sigmoid()
    return y.sum()


def _chain_step(lib: Any, x: Any, w: Any) -> Callable[[], None]:
    def step() -> None:
        x.grad = None
        w.grad = None
        chain(x, w).backward()

    return step


def _dense_step(lib: Any, x: Any, W: Any, b: Any) -> Callable[[], None]:
    def step() -> None:
        W.grad = None
        b.grad = None
        lib.relu(x @ W + b).sum().backward()

    return step


def _time(step: Callable[[], None], number: int) -> float:
    t0 = time.perf_counter()
    for _ in range(number):
        step()
    return (time.perf_counter() - t0) / number


def _workloads(torch: Any) -> dict[str, tuple[Callable, Callable, int, int]]:
    """name -> (deepgrad step, torch step, calls per repeat, ops per call)."""
    rng = np.random.default_rng(0)
    f32 = np.float32
    xa, wa = rng.standard_normal((32, 32)).astype(f32), rng.standard_normal((32, 32)).astype(f32)
    xd = rng.standard_normal((128, 784)).astype(f32)
    Wd = (rng.standard_normal((784, 256)) * 0.03).astype(f32)
    bd = rng.standard_normal(256).astype(f32)

    def dgt(a: np.ndarray, grad: bool = True) -> Any:
        return dg.tensor(a, requires_grad=grad)

    def tt(a: np.ndarray, grad: bool = True) -> Any:
        return torch.tensor(a, requires_grad=grad)

    return {
        "chain": (
            _chain_step(dg, dgt(xa), dgt(wa)),
            _chain_step(torch, tt(xa), tt(wa)),
            200,
            CHAIN_OPS,
        ),
        "dense": (
            _dense_step(dg, dgt(xd, False), dgt(Wd), dgt(bd)),
            _dense_step(torch, tt(xd, False), tt(Wd), tt(bd)),
            20,
            4,
        ),
    }


def run(repeats: int = 7, warmup: int = 2, threads: int | None = None) -> dict[str, Any]:
    """Time every workload on deepgrad and PyTorch; return a JSON-able dict.

    ``threads`` sets PyTorch's thread count (default: the number of BLAS threads NumPy uses).

    ``results[name]`` holds ``deepgrad_ms`` and ``torch_ms`` (median per call),
    ``deepgrad_us_per_op`` / ``torch_us_per_op`` and ``speed`` (torch time / deepgrad time).
    """
    import torch

    threads = blas_threads() if threads is None else threads
    torch.set_num_threads(threads)
    out: dict[str, Any] = {
        "machine": f"{platform.processor() or platform.machine()}, {platform.system()}",
        "numpy": np.__version__,
        "torch": torch.__version__,
        "deepgrad": dg.__version__,
        "threads": threads,
        "blas_threads": blas_threads(),
        "repeats": repeats,
        "results": {},
    }
    for name, (dg_step, torch_step, number, ops) in _workloads(torch).items():
        for _ in range(warmup):
            _time(dg_step, max(1, number // 4))
            _time(torch_step, max(1, number // 4))
        times: dict[str, list[float]] = {"deepgrad": [], "torch": []}
        for r in range(repeats):
            order = [("deepgrad", dg_step), ("torch", torch_step)]
            for fw, step in order if r % 2 == 0 else order[::-1]:
                times[fw].append(_time(step, number))
        d, t = statistics.median(times["deepgrad"]), statistics.median(times["torch"])
        out["results"][name] = {
            "deepgrad_ms": d * 1e3,
            "torch_ms": t * 1e3,
            "deepgrad_us_per_op": d * 1e6 / ops,
            "torch_us_per_op": t * 1e6 / ops,
            "speed": t / d,
        }
    return out


DESCRIPTIONS = {
    "chain": f"elementwise chain, 32×32, {CHAIN_OPS} ops, fwd+bwd",
    "dense": "relu(x @ W + b), 128×784×256, fwd+bwd",
}


def format_table(res: dict[str, Any], markdown: bool = False) -> str:
    """The results as a table (plain text, or Markdown for RESULTS.md)."""
    head = ["workload", "deepgrad", "PyTorch", "µs/op deepgrad", "µs/op PyTorch", "speed"]
    rows = []
    for name, r in res["results"].items():
        rows.append(
            [
                DESCRIPTIONS.get(name, name),
                f"{r['deepgrad_ms']:.3f} ms",
                f"{r['torch_ms']:.3f} ms",
                f"{r['deepgrad_us_per_op']:.1f}",
                f"{r['torch_us_per_op']:.1f}",
                f"{r['speed']:.2f}×",
            ]
        )
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
    else:
        widths = [max(len(str(c)) for c in col) for col in zip(head, *rows)]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        lines = [fmt.format(*head), fmt.format(*("-" * w for w in widths))]
        lines += [fmt.format(*r) for r in rows]
    note = (
        f"(speed = PyTorch time / deepgrad time; median of {res['repeats']} alternating "
        f"repeats; PyTorch on {res['threads']} thread(s), NumPy BLAS on {res['blas_threads']}; torch {res['torch']}, numpy {res['numpy']})"
    )
    return "\n".join(lines) + "\n" + note


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Command-line entry: run the benchmarks and print the table."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--threads", type=int, default=None, help="PyTorch threads (default: BLAS's)")
    p.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = p.parse_args(argv)
    res = run(repeats=args.repeats, threads=args.threads)
    print(format_table(res, markdown=args.markdown))
    return res


if __name__ == "__main__":
    main()
