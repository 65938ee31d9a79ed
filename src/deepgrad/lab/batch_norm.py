"""Experiment ``batch-norm``: training with and without batch normalization across a range of
initial weight scales (*Deep Learning from Scratch* §6.3).

An MLP with five hidden ReLU layers of 100 units, weights drawn from ``N(0, σ²)`` for σ from
1 down to 1e-4, trained by SGD (lr 0.01) with and without ``BatchNorm1d`` before each
activation. Batch normalization re-centres and re-scales each layer's pre-activations per
mini-batch, so the scale of the initial weights stops mattering much.
"""

from __future__ import annotations

import numpy as np

from .. import backend, optim
from ..viz.plots import COLORS, new_figure
from .experiment import Claim, Context, Outcome, experiment
from .training import load_images, mlp, normal_init, train


@experiment("batch-norm", "Batch normalization across initial weight scales", uses_dataset=True)
def batch_norm(ctx: Context) -> Outcome:
    scales = [1.0, 0.1, 0.01, 0.001] if ctx.quick else list(np.logspace(0, -4, 9))
    n_train = 600 if ctx.quick else 1000
    epochs = 10 if ctx.quick else 20
    lr = 0.05
    data = load_images(ctx.dataset, n_train=n_train, seed=ctx.seed)
    results: dict[str, list[float]] = {"with batch norm": [], "without": []}
    curves: dict[str, list[list[float]]] = {"with batch norm": [], "without": []}
    for std in scales:
        for name, bn in (("with batch norm", True), ("without", False)):
            backend.manual_seed(ctx.seed)
            model = mlp(
                data.n_features, [100] * 5, 10, weight_init=normal_init(float(std)), batch_norm=bn
            )
            log = train(
                model,
                data.x_train,
                data.y_train,
                optim.SGD(lr=lr),
                epochs=epochs,
                batch_size=100,
                eval_sets={"train": (data.x_train, data.y_train)},
                rng=ctx.rng(1),
            )
            acc = log.series("train_accuracy")
            acc += [acc[-1] if acc else 0.0] * (epochs - len(acc))  # diverged: flat from there
            curves[name].append(acc)
            results[name].append(acc[-1])

    show = [0, len(scales) // 3, 2 * len(scales) // 3, len(scales) - 1]
    fig, axes = new_figure(
        1,
        len(show) + 1,
        panel_size=(3.6, 3.4),
        title=f"Batch normalization on {n_train} {data.name} images: MLP 5 × 100 ReLU, SGD lr {lr}",
    )
    for ax, i in zip(axes[0][: len(show)], show, strict=True):
        for j, name in enumerate(curves):
            ax.plot(range(1, epochs + 1), curves[name][i], color=COLORS[j], linewidth=2, label=name)
        ax.set_title(f"initial weights: σ = {scales[i]:.3g}")
        ax.set_xlabel("epoch")
        ax.set_ylabel("training accuracy")
        ax.set_ylim(0, 1.02)
        ax.legend(loc="lower right", fontsize=8)
    ax = axes[0, -1]
    for j, name in enumerate(results):
        ax.plot(scales, results[name], "-o", color=COLORS[j], label=name)
    ax.set_xscale("log")
    ax.set_xlabel("σ of the initial weights")
    ax.set_ylabel(f"training accuracy after {epochs} epochs")
    ax.set_title("All scales")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="best", fontsize=8)
    ctx.savefig(fig)

    bn, plain = np.array(results["with batch norm"]), np.array(results["without"])
    wins = int(np.sum(bn > plain))
    claims = [
        Claim(
            "Batch normalization improves training stability and convergence.",
            "guide B",
            "after the same epochs, training accuracy with batch norm > without at ≥ 3/4 of the "
            "initial weight scales, and higher on average",
            wins >= 0.75 * len(scales) and bn.mean() > plain.mean(),
            f"batch norm ahead at {wins} of {len(scales)} scales; mean accuracy {bn.mean():.3f} "
            f"vs {plain.mean():.3f}; spread over scales {bn.max() - bn.min():.3f} vs "
            f"{plain.max() - plain.min():.3f}",
        ),
    ]
    summary = (
        f"Over initial weight scales from 1 to {scales[-1]:.0e}, the training accuracy after "
        f"{epochs} epochs is {bn.min():.2f}–{bn.max():.2f} (mean {bn.mean():.2f}) with batch "
        f"normalization and {plain.min():.2f}–{plain.max():.2f} (mean {plain.mean():.2f}) "
        f"without; batch norm is ahead at {wins} of {len(scales)} scales."
    )
    numbers = {
        "dataset": data.name,
        "n_train": n_train,
        "epochs": epochs,
        "lr": lr,
        "scales": [float(s) for s in scales],
        "final_train_accuracy": results,
        "batch_norm_wins": wins,
    }
    return Outcome(numbers, claims, summary)
