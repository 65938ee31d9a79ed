"""Experiment ``overfitting``: a deep MLP on a few hundred samples, without regularization,
with weight decay, and with dropout (*Deep Learning from Scratch* §6.4).

Six hidden ReLU layers of 100 units (He initialization) trained by SGD on 300 training images
for many epochs: it learns the training set perfectly while the test accuracy stalls — the gap
is overfitting. Weight decay (an L2 penalty ``λ/2 ‖W‖²``, i.e. ``λ W`` added to the gradient)
and (inverted) dropout shrink the gap; whether they also raise the test accuracy is measured,
not assumed.

The settings are the guide's, fixed before any run: SGD at learning rate 0.01 for 300 epochs,
batches of 100, ``λ = 0.1``, dropout ``p = 0.2``. A quick run takes 60 epochs at five times
the learning rate (the same ``lr · steps``, so the same total pull of the decay,
``λ · lr · steps``). One seed's gaps move by about as much as a cure changes them (the split,
the initial weights and the batch order all differ), so every claim is judged on the means
over five seeds — each a whole replicate: its own split, weights and batches — and the
evidence says in how many of them it held alone. The curves drawn are the first seed's.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from .. import backend, optim
from ..viz.plots import new_figure, plot_curves
from .experiment import Claim, Context, Outcome, experiment
from .training import load_images, mlp, train


@experiment("overfitting", "Overfitting, weight decay and dropout", uses_dataset=True)
def overfitting(ctx: Context) -> Outcome:
    n_train, n_seeds = 300, 5
    epochs, lr = (60, 0.05) if ctx.quick else (300, 0.01)
    wd, p = 0.1, 0.2
    variants = {
        "no regularization": ({}, 0.0),
        f"weight decay λ={wd:g}": ({}, wd),
        f"dropout p={p:g}": ({"dropout": p}, 0.0),
    }
    seeds = [ctx.seed + k for k in range(n_seeds)]
    runs = [_replicate(ctx, seed, variants, n_train, epochs, lr) for seed in seeds]
    data, logs = runs[0]

    _figure(ctx, data, logs, lr, n_train)

    ends = {  # the last epoch of each variant, per seed: (train accuracy, test accuracy)
        name: np.array(
            [
                (r[1][name].epochs[-1]["train_accuracy"], r[1][name].epochs[-1]["test_accuracy"])
                for r in runs
            ]
        )  # fmt: skip
        for name in variants
    }
    final = {
        name: {
            "train_accuracy": float(e[:, 0].mean()),
            "test_accuracy": float(e[:, 1].mean()),
            "gap": float((e[:, 0] - e[:, 1]).mean()),
            "gaps": (e[:, 0] - e[:, 1]).round(6).tolist(),
        }
        for name, e in ends.items()
    }

    def seeds_held(name: str) -> str:
        below = sum(g < g0 for g, g0 in zip(final[name]["gaps"], final[none_name]["gaps"]))
        return f"{below} of {n_seeds} seeds alone"

    none_name, wd_name, dp_name = variants
    none, wdn, dpn = (final[n] for n in variants)
    mean_of = f"means over {n_seeds} seeds"
    claims = [
        Claim(
            "Overfitting: a model fits its training data far better than unseen data.",
            "guide C",
            "without regularization, train accuracy ≥ 0.98 and test accuracy lower by > 0.03 "
            "(means over the seeds)",
            none["train_accuracy"] >= 0.98 and none["gap"] > 0.03,
            f"train {none['train_accuracy']:.3f}, test {none['test_accuracy']:.3f} ({mean_of})",
        ),
        Claim(
            "Weight decay suppresses overfitting.",
            "guide C",
            "the mean train–test gap with weight decay < without",
            wdn["gap"] < none["gap"],
            f"gap {wdn['gap']:.3f} vs {none['gap']:.3f}; test accuracy {wdn['test_accuracy']:.3f} "
            f"vs {none['test_accuracy']:.3f} ({mean_of}; smaller in {seeds_held(wd_name)})",
        ),
        Claim(
            "Dropout suppresses overfitting.",
            "guide C",
            "the mean train–test gap with dropout < without",
            dpn["gap"] < none["gap"],
            f"gap {dpn['gap']:.3f} vs {none['gap']:.3f}; test accuracy {dpn['test_accuracy']:.3f} "
            f"vs {none['test_accuracy']:.3f} ({mean_of}; smaller in {seeds_held(dp_name)})",
        ),
        Claim(
            "Regularization improves the accuracy on unseen data.",
            "guide B",
            "mean test accuracy with weight decay or with dropout > without",
            max(wdn["test_accuracy"], dpn["test_accuracy"]) > none["test_accuracy"],
            f"test accuracy: none {none['test_accuracy']:.3f}, weight decay "
            f"{wdn['test_accuracy']:.3f}, dropout {dpn['test_accuracy']:.3f} — a smaller gap "
            "can also come from fitting the training set less",
        ),
    ]
    summary = (
        f"Trained on {n_train} images (means over {n_seeds} seeds), the plain network reaches {none['train_accuracy']:.0%} "
        f"training accuracy but {none['test_accuracy']:.0%} on the test set (gap "
        f"{none['gap']:.3f}); with weight decay the gap is {wdn['gap']:.3f}"
        f" ({'smaller' if wdn['gap'] < none['gap'] else 'not smaller'}), with dropout "
        f"{dpn['gap']:.3f} ({'smaller' if dpn['gap'] < none['gap'] else 'not smaller'}), at "
        f"test accuracies {wdn['test_accuracy']:.0%} and {dpn['test_accuracy']:.0%}."
    )
    numbers = {
        "dataset": data.name,
        "n_train": n_train,
        "epochs": epochs,
        "lr": lr,
        "seeds": seeds,
        "weight_decay": wd,
        "dropout": p,
        "final": final,  # means over the seeds (and each seed's gap)
        "curves": {
            name: {
                "train_accuracy": log.series("train_accuracy"),
                "test_accuracy": log.series("test_accuracy"),
            }
            for name, log in logs.items()
        },
    }
    return Outcome(numbers, claims, summary)


def _replicate(
    ctx: Context, seed: int, variants: dict, n_train: int, epochs: int, lr: float
) -> tuple[Any, dict]:
    """One seed's run of every variant: its own split of the data, the same initial weights
    and batch order for each variant; returns the data and the training logs."""
    data = load_images(ctx.dataset, n_train=n_train, n_test=2000 if ctx.quick else None, seed=seed)
    logs = {}
    for name, (kw, decay) in variants.items():
        backend.manual_seed(seed)
        model = mlp(data.n_features, [100] * 6, 10, weight_init="kaiming_normal", **kw)
        logs[name] = train(
            model,
            data.x_train,
            data.y_train,
            optim.SGD(lr=lr, weight_decay=decay),
            epochs=epochs,
            batch_size=100,
            eval_sets={"train": (data.x_train, data.y_train), "test": (data.x_test, data.y_test)},
            rng=replace(ctx, seed=seed).rng(1),
        )
    return data, logs


def _figure(ctx: Context, data: Any, logs: Any, lr: Any, n_train: Any) -> None:
    """Training and validation curves per cure for overfitting."""
    fig, axes = new_figure(
        1,
        len(logs),
        panel_size=(4.6, 3.8),
        sharey=True,
        title=f"{n_train} training images of {data.name}, MLP 6 × 100 ReLU, SGD lr {lr:g}",
    )
    for ax, (name, log) in zip(axes[0], logs.items(), strict=True):
        plot_curves(
            {"train": log.series("train_accuracy"), "test": log.series("test_accuracy")},
            ax=ax,
            xlabel="epoch",
            ylabel="accuracy",
            title=name,
        )
        last = log.epochs[-1]
        ax.annotate(
            f"gap {last['train_accuracy'] - last['test_accuracy']:.3f}",
            xy=(0.97, 0.05),
            xycoords="axes fraction",
            ha="right",
            fontsize=11,
            bbox={"boxstyle": "round", "fc": "white", "ec": "#999"},
        )
    ctx.savefig(fig)
