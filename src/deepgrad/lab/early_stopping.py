"""Experiment ``early-stopping``: validation loss with and without early stopping.

A wide MLP trained with Adam on a few hundred digits overfits quickly: the training loss keeps
falling while the validation loss turns and rises. ``EarlyStopping(monitor="val_loss",
patience=P, restore_best_weights=True)`` stops ``P`` epochs after the best validation loss and
puts back the weights of that best epoch. Both runs use ``model.fit`` from the same start, the
same batches; a held-out test set (used by neither) judges the result, by the mean test loss
over three seeds (one seed's run can stop on a noisy dip of the validation loss).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend, optim
from ..train.callbacks import EarlyStopping
from ..viz.plots import new_figure, plot_curves
from .experiment import Claim, Context, Outcome, experiment, fmt
from .training import load_images, mlp


@experiment("early-stopping", "Early stopping and the restored epoch")
def early_stopping(ctx: Context) -> Outcome:
    from ..data import train_test_split

    epochs = 60 if ctx.quick else 200
    patience = 10  # a quick run only shortens the budget: a patience of 5 stops on noise
    data = load_images("digits", seed=ctx.seed)
    x_tr, x_val, y_tr, y_val = train_test_split(
        data.x_train, data.y_train, test_size=0.3, stratify=data.y_train, seed=ctx.seed
    )
    n_fit = 200 if ctx.quick else 300
    x_tr, y_tr = x_tr[:n_fit], y_tr[:n_fit]

    def run(seed: int) -> tuple:
        def build():
            backend.manual_seed(seed)
            m = mlp(data.n_features, [256, 256], 10)
            m.compile(optimizer=optim.Adam(lr=3e-3), loss="cross_entropy", metrics=["accuracy"])
            return m

        fit = {"epochs": epochs, "batch_size": 32, "validation_data": (x_val, y_val),
               "verbose": 0, "seed": seed}  # fmt: skip
        full = build()
        h_full = full.fit(x_tr, y_tr, **fit).history
        es_model = build()
        stopper = EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
        h_es = es_model.fit(x_tr, y_tr, callbacks=[stopper], **fit).history
        test_full = full.evaluate(data.x_test, data.y_test, verbose=0, return_dict=True)
        test_es = es_model.evaluate(data.x_test, data.y_test, verbose=0, return_dict=True)
        val_es_restored = es_model.evaluate(x_val, y_val, verbose=0, return_dict=True)
        return h_full, h_es, stopper, test_full, test_es, val_es_restored

    # the first seed's run is the one described and drawn; the test losses are compared as
    # means over three seeds (the same split, other initial weights and batches)
    seeds = [ctx.seed + k for k in range(3)]
    runs = [run(seed) for seed in seeds]
    h_full, h_es, stopper, _, _, val_es_restored = runs[0]
    test_full, test_es = (
        {k: float(np.mean([r[i][k] for r in runs])) for k in runs[0][i]} for i in (3, 4)
    )
    val_full = np.asarray(h_full["val_loss"])
    best_epoch_full = int(np.argmin(val_full)) + 1  # 1-based, as printed by fit
    ran = len(h_es["val_loss"])
    restored = stopper.best_epoch + 1

    _figure(ctx, best_epoch_full, epochs, h_es, h_full, n_fit, patience, ran, restored, val_full)

    claims = [
        Claim(
            "Early stopping halts training when the validation performance starts to degrade.",
            "guides B, D",
            "training stops before the epoch budget, exactly `patience` epochs after the best "
            "validation loss, and the restored model has that epoch's validation loss",
            ran < epochs
            and ran == restored + patience
            and abs(val_es_restored["loss"] - h_es["val_loss"][restored - 1]) < 1e-5,
            f"best epoch {restored}, stopped after epoch {ran} of {epochs}; restored model's "
            f"validation loss {fmt(val_es_restored['loss'])} (epoch {restored} logged "
            f"{fmt(h_es['val_loss'][restored - 1])})",
        ),
        Claim(
            "Early stopping (with the best weights restored) helps the model generalize.",
            "guide D",
            "the restored models' mean test loss < the fully trained models' (over the seeds)",
            test_es["loss"] < test_full["loss"],
            f"test loss {fmt(test_es['loss'])} vs {fmt(test_full['loss'])}; test accuracy "
            f"{test_es['accuracy']:.3f} vs {test_full['accuracy']:.3f} (means over "
            f"{len(seeds)} seeds)",
        ),
    ]
    summary = (
        f"Validation loss is lowest at epoch {best_epoch_full} and then rises to "
        f"{fmt(val_full[-1])} by epoch {epochs}; early stopping ends the run at epoch {ran} and "
        f"restores epoch {restored}; over {len(seeds)} seeds the mean test loss is "
        f"{fmt(test_es['loss'])} instead of {fmt(test_full['loss'])} (accuracy {test_es['accuracy']:.3f} vs {test_full['accuracy']:.3f})."
    )
    numbers = {
        "epochs": epochs,
        "patience": patience,
        "n_train": n_fit,
        "best_epoch_without": best_epoch_full,
        "stopped_after_epoch": ran,
        "restored_epoch": restored,
        "restored_val_loss": val_es_restored["loss"],
        "best_val_loss_seen": float(min(h_es["val_loss"])),
        "seeds": seeds,
        "test_without": test_full,  # means over the seeds
        "test_with": test_es,
        "history_without": {k: h_full[k] for k in ("loss", "val_loss")},
        "history_with": {k: h_es[k] for k in ("loss", "val_loss")},
    }
    return Outcome(numbers, claims, summary)


def _figure(
    ctx: Context,
    best_epoch_full: Any,
    epochs: Any,
    h_es: Any,
    h_full: Any,
    n_fit: Any,
    patience: Any,
    ran: Any,
    restored: Any,
    val_full: Any,
) -> None:
    """Training and validation curves with the epoch early stopping chose."""
    fig, axes = new_figure(
        1,
        2,
        panel_size=(5.6, 4.0),
        title=f"Early stopping (patience {patience}, restore best weights): {n_fit} digits, MLP 2 × 256, Adam",
    )
    plot_curves(
        {"training loss": h_full["loss"], "validation loss": h_full["val_loss"]},
        ax=axes[0, 0],
        xlabel="epoch",
        ylabel="cross-entropy",
        title=f"Without early stopping: {epochs} epochs",
        marks={
            f"lowest validation loss (epoch {best_epoch_full})": (
                best_epoch_full,
                float(val_full.min()),
                "#2ca02c",
            )
        },
        logy=True,
    )
    ax = axes[0, 1]
    plot_curves(
        {"training loss": h_es["loss"], "validation loss": h_es["val_loss"]},
        ax=ax,
        xlabel="epoch",
        ylabel="cross-entropy",
        title=f"With early stopping: stopped after epoch {ran}",
        marks={
            f"restored weights (epoch {restored})": (
                restored,
                float(h_es["val_loss"][restored - 1]),
                "#2ca02c",
            )
        },
        logy=True,
    )
    ax.axvline(ran, color="#d62728", linestyle=":", label="stopped")
    ax.legend(loc="best", fontsize=8)
    ctx.savefig(fig)
