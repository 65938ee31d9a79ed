"""Experiment ``hyperparameter-search``: grid search and random (log-uniform) search over the
learning rate and the weight decay, scored on a validation split; then k-fold cross-validation
of the winner.

Both searches get the same budget of trainings. The grid tries every combination of a few
values; random search draws each hyperparameter log-uniformly (``10^U(a, b)``), so with the same
budget it tries as many *distinct* learning rates as trials (Bergstra & Bengio, 2012) — which
matters when one hyperparameter matters much more than the other. The winner's accuracy on one
validation split is then compared with its k-fold cross-validated accuracy (mean ± std over
folds): a single split is one draw from that spread.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from .. import backend, optim
from ..viz.plots import COLORS, new_figure
from .experiment import Claim, Context, Outcome, experiment
from .training import Classifier, evaluate, load_images, mlp, train

LR_RANGE = (1e-4, 3e-1)
WD_RANGE = (1e-6, 1e-1)


@experiment("hyperparameter-search", "Grid search, random search and cross-validation")
def hyperparameter_search(ctx: Context) -> Outcome:
    from ..data import cross_validate, train_test_split

    data = load_images("digits", seed=ctx.seed)
    per_axis = 3 if ctx.quick else 4
    epochs = 4 if ctx.quick else 15
    folds = 3 if ctx.quick else 5
    x_tr, x_val, y_tr, y_val = train_test_split(
        data.x_train, data.y_train, test_size=0.25, stratify=data.y_train, seed=ctx.seed
    )

    def build():
        backend.manual_seed(ctx.seed)
        return mlp(data.n_features, [64], 10)

    def score(lr: float, wd: float) -> float:
        model = build()
        train(
            model,
            x_tr,
            y_tr,
            optim.Adam(lr=lr, weight_decay=wd),
            epochs=epochs,
            batch_size=32,
            rng=ctx.rng(1),
        )
        return evaluate(model, x_val, y_val)["accuracy"]

    grid_lr = np.logspace(math.log10(LR_RANGE[0]), math.log10(LR_RANGE[1]), per_axis)
    grid_wd = np.logspace(math.log10(WD_RANGE[0]), math.log10(WD_RANGE[1]), per_axis)
    grid = [
        {"lr": float(a), "weight_decay": float(b), "val_accuracy": score(a, b)}
        for a, b in itertools.product(grid_lr, grid_wd)
    ]
    rng = ctx.rng(3)
    budget = len(grid)
    rand_lr = 10 ** rng.uniform(*np.log10(LR_RANGE), budget)
    rand_wd = 10 ** rng.uniform(*np.log10(WD_RANGE), budget)
    rand = [
        {"lr": float(a), "weight_decay": float(b), "val_accuracy": score(a, b)}
        for a, b in zip(rand_lr, rand_wd, strict=True)
    ]
    best_grid = max(grid, key=lambda t: t["val_accuracy"])
    best_rand = max(rand, key=lambda t: t["val_accuracy"])
    winner = max((best_grid, best_rand), key=lambda t: t["val_accuracy"])
    cv = cross_validate(
        lambda: Classifier(
            build,
            lambda: optim.Adam(lr=winner["lr"], weight_decay=winner["weight_decay"]),
            epochs=epochs,
            batch_size=32,
            seed=ctx.seed,
        ),
        data.x_train,
        data.y_train,
        folds=folds,
        seed=ctx.seed,
    )
    fold_acc = [f["accuracy"] for f in cv.folds]

    _figure(ctx, budget, fold_acc, folds, grid, rand, winner)

    n_lr_grid, n_lr_rand = len({t["lr"] for t in grid}), len({t["lr"] for t in rand})
    claims = [
        Claim(
            "Random search samples the hyperparameter space instead of trying every combination.",
            "guide D",
            "with the same budget, random search tries more distinct learning rates than the grid",
            n_lr_rand > n_lr_grid,
            f"{n_lr_rand} vs {n_lr_grid} distinct learning rates; best validation accuracy: random "
            f"{best_rand['val_accuracy']:.3f}, grid {best_grid['val_accuracy']:.3f}",
        ),
        Claim(
            "Cross-validation assesses a model by training and validating on several splits.",
            "guide D",
            f"{folds} folds give {folds} different accuracies (std > 0); the single validation "
            "split lies within the folds' range ± 0.05",
            len(fold_acc) == folds
            and np.std(fold_acc) > 0
            and min(fold_acc) - 0.05 <= winner["val_accuracy"] <= max(fold_acc) + 0.05,
            f"folds {', '.join(f'{a:.3f}' for a in fold_acc)}; single split {winner['val_accuracy']:.3f}",
        ),
    ]
    summary = (
        f"With {budget} trainings each, the grid's best validation accuracy is "
        f"{best_grid['val_accuracy']:.3f} and random search's {best_rand['val_accuracy']:.3f} "
        f"({n_lr_rand} distinct learning rates instead of {n_lr_grid}); {folds}-fold "
        f"cross-validation puts the winner at {np.mean(fold_acc):.3f} ± {np.std(fold_acc):.3f}."
    )
    numbers = {
        "epochs": epochs,
        "budget": budget,
        "grid": grid,
        "random": rand,
        "best_grid": best_grid,
        "best_random": best_rand,
        "winner": winner,
        "cv_fold_accuracy": fold_acc,
        "cv_mean": float(np.mean(fold_acc)),
        "cv_std": float(np.std(fold_acc)),
    }
    return Outcome(numbers, claims, summary)


def _figure(
    ctx: Context, budget: Any, fold_acc: Any, folds: Any, grid: Any, rand: Any, winner: Any
) -> None:
    """The search results: scores per trial and the searched space."""
    fig, axes = new_figure(
        1,
        3,
        panel_size=(4.6, 4.0),
        title=f"Hyperparameter search on digits ({budget} trainings each), then {folds}-fold cross-validation",
    )
    for ax, trials, name in (
        (axes[0, 0], grid, "Grid search"),
        (axes[0, 1], rand, "Random search (log-uniform)"),
    ):
        sc = ax.scatter(
            [t["lr"] for t in trials],
            [t["weight_decay"] for t in trials],
            c=[t["val_accuracy"] for t in trials],
            cmap="viridis",
            vmin=0,
            vmax=1,
            s=90,
            edgecolor="black",
        )
        b = max(trials, key=lambda t: t["val_accuracy"])
        ax.scatter(
            [b["lr"]],
            [b["weight_decay"]],
            marker="*",
            s=320,
            color="#d62728",
            label=f"best: {b['val_accuracy']:.3f}",
        )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("weight decay")
        ax.set_title(f"{name}: {len({t['lr'] for t in trials})} distinct learning rates")
        ax.legend(loc="lower left", fontsize=8)
        fig.colorbar(sc, ax=ax, shrink=0.85, label="validation accuracy")
    ax = axes[0, 2]
    ax.bar(
        [f"fold {i + 1}" for i in range(folds)], fold_acc, color=COLORS[0], label="fold accuracy"
    )
    ax.axhline(
        np.mean(fold_acc),
        color="black",
        label=f"mean {np.mean(fold_acc):.3f} ± {np.std(fold_acc):.3f}",
    )
    ax.axhline(
        winner["val_accuracy"],
        color="#d62728",
        linestyle="--",
        label=f"single split {winner['val_accuracy']:.3f}",
    )
    ax.set_ylim(max(0.0, min(fold_acc + [winner["val_accuracy"]]) - 0.1), 1.0)
    ax.set_ylabel("accuracy on the held-out fold")
    ax.set_title(f"Winner (lr {winner['lr']:.2g}, wd {winner['weight_decay']:.2g}) by k-fold")
    ax.legend(loc="lower right", fontsize=8)
    ctx.savefig(fig)
