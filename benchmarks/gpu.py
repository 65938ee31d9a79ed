"""deepgrad on an NVIDIA GPU (CuPy backend) side by side with PyTorch CUDA eager, in one run.

    python -m benchmarks.gpu [--rounds 3] [--steps 30] [--only mlp,cnn] [--json PATH]

The CPU suite's training workloads (benchmarks/workloads.py: the same models, batches and
Adam) plus two sized for a GPU (``cnn_large``, ``transformer_large``). Each framework's batches
are put on the GPU once, before timing (a DataLoader's batch is moved once per step; here the
pool is moved once, for both frameworks alike). One process: the two frameworks take turns,
never at the same time; each round times ``--steps`` steps of one, then of the other, after
warm-up steps (CuPy compiles its kernels on first use), with the device synchronized before
the clock starts and before it stops. Reported: samples per second, median over the rounds, and
the median and spread of the paired ratios deepgrad ÷ PyTorch.

``--backend numpy`` runs deepgrad's side on the CPU against PyTorch on the CPU: it checks the
script itself where no GPU is present (tests/benchmarks use it); the figures it prints are not
the GPU's.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np

from .workloads import BATCH, WORKLOADS, deepgrad_model, deepgrad_step, torch_model, torch_step

GPU_WORKLOADS: dict[str, str] = {
    **{k: v for k, v in WORKLOADS.items() if k != "tiny_mlp"},
    "cnn_large": "CNN conv64-conv64-pool-conv128-conv128-pool-dense on 3×32×32, batch 128, Adam",
    "transformer_large": "Transformer encoder 4 layers, d256, 8 heads, ff 1024, seq 128, "
    "batch 32, Adam",
}
GPU_BATCH = {**BATCH, "cnn_large": 128, "transformer_large": 32}
_SHAPES = {
    "mlp": (784,),
    "cnn": (1, 28, 28),
    "cnn_predict": (1, 28, 28),
    "lstm": (28, 28),
    "transformer": (32, 64),
    "cnn_large": (3, 32, 32),
    "transformer_large": (128, 256),
}


def _large_model(nn: Any, name: str, torch_side: bool) -> Any:
    """The two GPU-sized models, written once for both frameworks (same layer names)."""
    if name == "cnn_large":
        return nn.Sequential(
            nn.Conv2d(3, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(), nn.Conv2d(128, 128, 3, padding=1),
            nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(128 * 8 * 8, 10),
        )  # fmt: skip
    extra = {"enable_nested_tensor": False} if torch_side else {}

    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            layer = nn.TransformerEncoderLayer(256, 8, 1024, dropout=0.0, batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, 4, **extra)
            self.fc = nn.Linear(256, 10)

        def forward(self, x: Any) -> Any:
            return self.fc(self.encoder(x).mean(1))

    return Encoder()


def _pool(name: str, n_batches: int = 4) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(0)
    b = GPU_BATCH[name]
    return [
        (
            rng.standard_normal((b, *_SHAPES[name])).astype(np.float32),
            rng.integers(0, 10, b).astype(np.int64),
        )
        for _ in range(n_batches)
    ]


def build_deepgrad(name: str, backend: str) -> tuple[Callable[[], None], Callable[[], None]]:
    """``(step, sync)`` for deepgrad on ``backend`` (``"cupy"`` or ``"numpy"``)."""
    import deepgrad as dg
    from deepgrad import nn

    dg.set_backend(backend)
    dg.manual_seed(0)
    large = name in ("cnn_large", "transformer_large")
    model = _large_model(nn, name, False) if large else deepgrad_model(name)
    device = "cuda" if backend == "cupy" else "cpu"
    model.to(device)
    pool = [(dg.tensor(x, device=device), dg.tensor(y, device=device)) for x, y in _pool(name)]
    sync = dg.backend.xp.cuda.Device().synchronize if backend == "cupy" else (lambda: None)
    return deepgrad_step(model, pool, name == "cnn_predict"), sync


def build_torch(name: str, device: str) -> tuple[Callable[[], None], Callable[[], None]]:
    """``(step, sync)`` for PyTorch eager on ``device``."""
    import torch

    torch.manual_seed(0)
    large = name in ("cnn_large", "transformer_large")
    model = (_large_model(torch.nn, name, True) if large else torch_model(name)).to(device)
    pool = [
        (torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)) for x, y in _pool(name)
    ]
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    return torch_step(model, pool, name == "cnn_predict"), sync


def _rate(step: Callable[[], None], sync: Callable[[], None], steps: int, batch: int) -> float:
    sync()
    t = time.perf_counter()
    for _ in range(steps):
        step()
    sync()
    return steps * batch / (time.perf_counter() - t)


def run(names: list[str], rounds: int, steps: int, backend: str) -> dict[str, Any]:
    """Samples per second for each workload and framework, and the paired ratios."""
    device = "cuda" if backend == "cupy" else "cpu"
    out: dict[str, Any] = {}
    for name in names:
        batch = GPU_BATCH[name]
        try:
            dg_step, dg_sync = build_deepgrad(name, backend)
            pt_step, pt_sync = build_torch(name, device)
            for _ in range(3):  # warm-up: CuPy's kernels compile, cuDNN picks its algorithms
                dg_step()
                pt_step()
            dg_sync()
            pt_sync()
            dg_rates, pt_rates = [], []
            for _ in range(rounds):
                dg_rates.append(_rate(dg_step, dg_sync, steps, batch))
                pt_rates.append(_rate(pt_step, pt_sync, steps, batch))
        except Exception:  # one workload's failure is reported; the others still run
            print(f"{name}: failed\n{traceback.format_exc(limit=-6)}", flush=True)
            continue
        ratios = [d / p for d, p in zip(dg_rates, pt_rates, strict=True)]
        out[name] = {
            "workload": GPU_WORKLOADS[name],
            "deepgrad": statistics.median(dg_rates),
            "pytorch": statistics.median(pt_rates),
            "ratio": statistics.median(ratios),
            "ratio_min": min(ratios),
            "ratio_max": max(ratios),
        }
        r = out[name]
        print(
            f"{name:18s} deepgrad {r['deepgrad']:10.0f}/s  pytorch {r['pytorch']:10.0f}/s  "
            f"ratio {r['ratio']:.2f} ({r['ratio_min']:.2f}-{r['ratio_max']:.2f})",
            flush=True,
        )
    return out


def profile(name: str, backend: str, steps: int, top: int = 35) -> None:
    """Where the host's time goes in ``steps`` deepgrad steps of ``name`` (after warm-up):
    cProfile's table by own time. On a GPU, time inside ``synchronize``, ``get``, ``item`` or
    ``__bool__`` is a wait for the device (a host round trip in the step)."""
    import cProfile
    import pstats

    step, sync = build_deepgrad(name, backend)
    for _ in range(3):
        step()
    sync()
    prof = cProfile.Profile()
    t = time.perf_counter()
    prof.enable()
    for _ in range(steps):
        step()
    sync()
    prof.disable()
    ms = (time.perf_counter() - t) / steps * 1e3
    print(f"{name}: {ms:.2f} ms per step under the profiler ({steps} steps)")
    pstats.Stats(prof).sort_stats("tottime").print_stats(top)


def markdown(results: dict[str, Any], gpu: str) -> str:
    """The results as RESULTS.md's table, naming the GPU."""
    lines = [
        f"GPU: {gpu}",
        "",
        "| workload | deepgrad (samples/s) | PyTorch eager (samples/s) | ratio (spread) |",
        "|---|---:|---:|---:|",
    ]
    for r in results.values():
        lines.append(
            f"| {r['workload']} | {r['deepgrad']:,.0f} | {r['pytorch']:,.0f} | "
            f"{r['ratio']:.2f}× ({r['ratio_min']:.2f}–{r['ratio_max']:.2f}) |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(prog="python -m benchmarks.gpu", description=__doc__)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--only", default=",".join(GPU_WORKLOADS))
    p.add_argument("--backend", choices=("cupy", "numpy"), default="cupy")
    p.add_argument("--json", default=None, help="also write the results to this JSON file")
    p.add_argument(
        "--profile", default=None, metavar="WORKLOAD",
        help="profile deepgrad's steps of one workload (cProfile, host time) instead",
    )  # fmt: skip
    args = p.parse_args(argv)
    if args.profile:
        profile(args.profile, args.backend, args.steps)
        return {}
    names = [n for n in args.only.split(",") if n]
    unknown = [n for n in names if n not in GPU_WORKLOADS]
    if unknown:
        p.error(f"unknown workload {unknown[0]!r}; choose from {', '.join(GPU_WORKLOADS)}")
    gpu = "CPU (--backend numpy)"
    if args.backend == "cupy":
        import torch

        gpu = torch.cuda.get_device_name(0)
    print(gpu, flush=True)
    results = run(names, args.rounds, args.steps, args.backend)
    print(markdown(results, gpu))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"gpu": gpu, "results": results}, f, indent=1)
    return results


if __name__ == "__main__":
    main()
