"""Experiment ``gradients``: numerical differentiation vs backpropagation.

A two-layer network ``softmax_CE(sigmoid(x W1ᵀ + b1) W2ᵀ + b2, t)`` in float64. Its gradient
with respect to every parameter is computed twice: by central differences
``(L(w + ε) − L(w − ε)) / 2ε`` (:func:`deepgrad.numerical_grad`, two forward passes per
parameter) and by one backward pass. They agree to ~1e-9; the time of the numerical gradient
grows with the number of parameters P (≈ 2P forward passes), backprop's like one forward pass,
so backprop's advantage grows with the network.
"""

from __future__ import annotations

import time

import numpy as np

from .. import backend, nn
from ..functional import cross_entropy
from ..gradcheck import numerical_grad
from ..tensor import Tensor
from ..viz.plots import new_figure, plot_curves
from .experiment import Claim, Context, Outcome, experiment, fmt


def _network(n_in: int, hidden: int, n_out: int) -> nn.Module:
    return nn.Sequential(nn.Linear(n_in, hidden), nn.Sigmoid(), nn.Linear(hidden, n_out)).double()


def _best_time(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


@experiment("gradients", "Numerical vs backpropagated gradients")
def gradients(ctx: Context) -> Outcome:
    hidden_sizes = [4, 8, 16, 32] if ctx.quick else [4, 8, 16, 32, 64, 128]
    n_in, n_out, batch = (10, 3, 8) if ctx.quick else (20, 5, 16)
    rng = ctx.rng()
    x = rng.standard_normal((batch, n_in))
    t = rng.integers(0, n_out, batch)
    rows = []
    for h in hidden_sizes:
        backend.manual_seed(ctx.seed + h)
        net = _network(n_in, h, n_out)
        params = list(net.parameters())
        xt = Tensor._wrap(backend.xp.asarray(x))

        def loss_fn(*_ps: Tensor, net=net, xt=xt) -> Tensor:
            return cross_entropy(net(xt), t)

        def backprop(net=net, params=params, loss_fn=loss_fn) -> list:
            net.zero_grad()
            loss_fn().backward()
            return [backend.to_numpy(p.grad._data) for p in params]

        if not rows:  # once, untimed: the first call's one-time costs (lazy imports, caches)
            numerical_grad(loss_fn, *params, eps=1e-6)
        t_num0 = time.perf_counter()
        num = numerical_grad(loss_fn, *params, eps=1e-6)
        t_num = time.perf_counter() - t_num0
        bp = backprop()
        t_bp = _best_time(backprop, 5)
        diff = max(float(np.max(np.abs(a - b))) for a, b in zip(num, bp, strict=True))
        scale = max(float(np.max(np.abs(b))) for b in bp)
        n_params = sum(p.numel() for p in params)
        rows.append(
            {
                "hidden": h,
                "parameters": n_params,
                "max_abs_diff": diff,
                "max_abs_grad": scale,
                "numerical_seconds": t_num,
                "backprop_seconds": t_bp,
                "speedup": t_num / t_bp,
            }
        )

    params_ = [r["parameters"] for r in rows]
    fig, axes = new_figure(
        1, 2, panel_size=(5.2, 3.8), title="Numerical differentiation vs backpropagation (float64)"
    )
    plot_curves(
        {
            "numerical (central differences)": [r["numerical_seconds"] * 1e3 for r in rows],
            "backpropagation": [r["backprop_seconds"] * 1e3 for r in rows],
        },
        x=params_,
        ax=axes[0, 0],
        xlabel="number of parameters",
        ylabel="time per gradient (ms)",
        title="Time to compute all gradients",
        logx=True,
        logy=True,
        styles={
            "numerical (central differences)": {"marker": "o"},
            "backpropagation": {"marker": "s"},
        },
    )
    ax = axes[0, 1]
    ax.plot(
        params_,
        [r["max_abs_diff"] for r in rows],
        "o-",
        color="#2ca02c",
        label="max |numerical − backprop|",
    )
    ax.axhline(1e-6, color="#d62728", linestyle="--", label="tolerance 1e-6")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("number of parameters")
    ax.set_ylabel("largest absolute difference")
    ax.set_title("The two gradients agree")
    ax.legend(loc="best")
    ctx.savefig(fig)

    worst = max(r["max_abs_diff"] for r in rows)
    speedups = [r["speedup"] for r in rows]
    growing = speedups[-1] > 2 * speedups[0]
    claims = [
        Claim(
            "Backpropagation computes the same gradients as numerical differentiation.",
            "guide C",
            "max |numerical − backprop| < 1e-6 over every parameter, float64, every size",
            worst < 1e-6,
            f"largest difference {fmt(worst)}",
        ),
        Claim(
            "Error backpropagation is faster than numerical differentiation.",
            "guide C",
            "backprop faster at every size, and its advantage grows with the network "
            "(speedup at the largest > 2 × speedup at the smallest)",
            all(s > 1 for s in speedups) and growing,
            "speedups " + ", ".join(f"{s:.0f}×" for s in speedups),
        ),
    ]
    summary = (
        f"Backpropagation and central differences agree to {fmt(worst)} (float64), while "
        f"backprop is {speedups[0]:.0f}× faster with {params_[0]} parameters and "
        f"{speedups[-1]:.0f}× faster with {params_[-1]}: numerical differentiation needs two "
        "forward passes per parameter."
    )
    return Outcome({"sizes": rows, "max_abs_diff": worst, "speedups": speedups}, claims, summary)
