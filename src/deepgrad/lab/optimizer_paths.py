"""Experiment ``optimizer-paths``: SGD, Momentum, AdaGrad, RMSProp and Adam on
``f(x, y) = x²/20 + y²`` from ``(−7, 2)`` — the figure of *Deep Learning from Scratch*.

The function is a long, narrow valley: 20× steeper along ``y`` than along ``x``. Plain SGD
zig-zags across the valley; Momentum overshoots and swings; AdaGrad and RMSProp divide each
coordinate's step by its own gradient scale and go almost straight; Adam combines momentum
with that per-coordinate scaling. Each optimizer is deepgrad's own (``deepgrad.optim``)
stepping a 2-vector tensor, with the book's learning rates (RMSProp's: 0.3), for 30 steps;
a sweep over learning rates shows how much the ranking depends on the step size.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import backend, optim
from ..tensor import tensor
from ..viz.plots import COLORS, new_figure, plot_contour_paths, plot_curves
from .experiment import Claim, Context, Outcome, experiment, fmt

START = (-7.0, 2.0)
#: The learning rates of the book's figure (RMSProp is not in it; 0.3 like Adam).
BOOK_LR = {"SGD": 0.95, "Momentum": 0.1, "AdaGrad": 1.5, "RMSProp": 0.3, "Adam": 0.3}
NAMES = {
    "SGD": "sgd",
    "Momentum": "momentum",
    "AdaGrad": "adagrad",
    "RMSProp": "rmsprop",
    "Adam": "adam",
}


def f(x, y):
    """``x²/20 + y²`` (works on floats and NumPy arrays)."""
    return x**2 / 20.0 + y**2


def descend(name: str, lr: float, steps: int) -> np.ndarray:
    """The points ``(steps + 1, 2)`` visited by optimizer ``name`` from :data:`START`; the path
    stops early (and is padded with NaN) if it diverges past ``|p| > 1e6``."""
    p = tensor(np.array(START), requires_grad=True)
    opt = optim.get(NAMES[name], lr=lr)
    opt.bind([p])
    path = np.full((steps + 1, 2), np.nan)
    path[0] = START
    for t in range(steps):
        loss = p[0] ** 2 / 20.0 + p[1] ** 2
        opt.zero_grad()
        loss.backward()
        opt.step()
        path[t + 1] = backend.to_numpy(p._data)
        if not np.all(np.abs(path[t + 1]) < 1e6):
            break
    return path


def _loss(path: np.ndarray) -> np.ndarray:
    return f(path[:, 0], path[:, 1])


@experiment("optimizer-paths", "Optimizer paths on f(x, y) = x²/20 + y²")
def optimizer_paths(ctx: Context) -> Outcome:
    steps = 30
    long_steps = 100
    n_lr = 13 if ctx.quick else 41
    lrs = np.unique(
        np.concatenate([np.logspace(-2, math.log10(3.0), n_lr), list(BOOK_LR.values())])
    )

    paths = {n: descend(n, lr, steps) for n, lr in BOOK_LR.items()}
    curves = {n: _loss(descend(n, lr, long_steps)) for n, lr in BOOK_LR.items()}
    final = {n: float(_loss(p)[-1]) for n, p in paths.items()}
    first_below = {}
    for n, c in curves.items():
        hit = np.flatnonzero(c < 1e-2)
        first_below[n] = int(hit[0]) if hit.size else None

    sweep: dict[str, list[float | None]] = {}
    for n in BOOK_LR:
        vals = []
        for lr in lrs:
            v = float(_loss(descend(n, float(lr), steps))[-1])
            vals.append(v if math.isfinite(v) and v < 1e6 else None)
        sweep[n] = vals
    best = {}
    for n, vals in sweep.items():
        i = int(np.nanargmin([np.nan if v is None else v for v in vals]))
        best[n] = {"lr": float(lrs[i]), "loss": vals[i]}
    adam_beats_sgd = [
        a is not None and (s is None or a < s)
        for a, s in zip(sweep["Adam"], sweep["SGD"], strict=True)
    ]

    fig = plot_contour_paths(
        f,
        paths,
        xlim=(-10, 10),
        ylim=(-5, 5),
        title=f"Paths of {steps} steps on f(x, y) = x²/20 + y² from (−7, 2)",
        subtitles={
            n: f"lr = {BOOK_LR[n]:g}, f after {steps} steps = {fmt(final[n])}" for n in paths
        },
    )
    ctx.savefig(fig)

    _sweep_figure(ctx, curves, long_steps, lrs, steps, sweep)

    ranking = sorted(final, key=final.get)
    tuned_ranking = sorted(best, key=lambda n: best[n]["loss"])
    share = float(np.mean(adam_beats_sgd))
    beats_lrs = [float(lr) for lr, b in zip(lrs, adam_beats_sgd, strict=True) if b]
    claims = [
        Claim(
            "Adam: the overall performance is the best (of SGD, Momentum, AdaGrad, Adam).",
            "guide C",
            f"Adam has the lowest f after {steps} steps at the book's learning rates",
            ranking[0] == "Adam",
            "ranking at the book's rates: "
            + ", ".join(f"{n} {fmt(final[n])}" for n in ranking)
            + "; with each optimizer's best rate: "
            + ", ".join(
                f"{n} {fmt(best[n]['loss'])} (lr {best[n]['lr']:.2g})" for n in tuned_ranking
            ),
        ),
        Claim(
            "Adam converges faster than SGD.",
            "guide D",
            f"Adam's f after {steps} steps < SGD's, at the book's rates",
            final["Adam"] < final["SGD"],
            f"Adam {fmt(final['Adam'])} vs SGD {fmt(final['SGD'])}; at an equal learning rate "
            f"Adam wins for {share:.0%} of the swept rates "
            + (f"({min(beats_lrs):.2g} to {max(beats_lrs):.2g})" if beats_lrs else "(none)")
            + " — SGD diverges above lr 1 here, Adam's step is bounded by lr",
        ),
        Claim(
            "AdaGrad adjusts the learning rate per parameter and speeds up convergence.",
            "guide A",
            f"AdaGrad's f after {steps} steps < SGD's and < Momentum's at the book's rates",
            final["AdaGrad"] < min(final["SGD"], final["Momentum"]),
            f"AdaGrad {fmt(final['AdaGrad'])}, SGD {fmt(final['SGD'])}, Momentum {fmt(final['Momentum'])}",
        ),
    ]
    summary = (
        f"On this narrow valley the per-coordinate methods win: after {steps} steps at the "
        f"book's rates the ranking is {', '.join(ranking)}; Adam's momentum makes it overshoot "
        f"(f = {fmt(final['Adam'])} vs SGD's {fmt(final['SGD'])}), though at an equal learning "
        f"rate Adam beats SGD for {share:.0%} of the rates swept, so 'best' depends on the step size."
    )
    numbers = {
        "steps": steps,
        "book_lr": BOOK_LR,
        "final_loss": final,
        "first_step_below_0.01": first_below,
        "ranking": ranking,
        "paths": {n: p.tolist() for n, p in paths.items()},
        "sweep_lrs": lrs.tolist(),
        "sweep_final_loss": sweep,
        "best_lr": best,
        "tuned_ranking": tuned_ranking,
        "adam_beats_sgd_share": share,
        "adam_beats_sgd_lrs": beats_lrs,
    }
    return Outcome(numbers, claims, summary)


def _sweep_figure(
    ctx: Context, curves: Any, long_steps: Any, lrs: Any, steps: Any, sweep: Any
) -> None:
    """Loss per step at the book's rates, and the final loss over a sweep of learning rates."""
    fig2, axes = new_figure(
        1, 2, panel_size=(5.4, 3.9), title="How fast, and how sensitive to the learning rate"
    )
    plot_curves(
        {f"{n} (lr {BOOK_LR[n]:g})": c for n, c in curves.items()},
        x=np.arange(long_steps + 1),
        ax=axes[0, 0],
        xlabel="step",
        ylabel="f(x, y)  (log scale)",
        title="Loss per step at the book's learning rates",
        logy=True,
    )
    axes[0, 0].set_ylim(bottom=1e-16)
    ax = axes[0, 1]
    for i, (n, vals) in enumerate(sweep.items()):
        ys = [np.nan if v is None else max(v, 1e-30) for v in vals]
        ax.plot(lrs, ys, "-o", markersize=3, color=COLORS[i], label=n)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(bottom=1e-16)
    ax.set_xlabel("learning rate")
    ax.set_ylabel(f"f after {steps} steps (log; gaps: diverged)")
    ax.set_title("Final loss against the learning rate")
    ax.legend(loc="best")
    ctx.savefig(fig2, "sweep")
