"""Experiment ``transfer``: a CNN trained on digits 0–4; its convolutional part frozen and a new
head trained on digits 5–9 from a few samples, against the same network trained from scratch
on those few samples.

The convolutional layers learned on 0–4 detect strokes and corners that digits 5–9 are made of
too; with the features frozen (``requires_grad_(False)``) only the small head is learned from
the few new examples. Both models see exactly the same few images and train with ``fit`` for
the same number of epochs; the test set of 5–9 judges them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend, nn, optim
from ..viz.plots import new_figure, plot_bars, plot_curves
from .experiment import Claim, Context, Outcome, experiment


def features() -> nn.Module:
    """Two 3×3 convolutions with ReLU and 2×2 max pooling: ``(N, 1, 8, 8) → (N, 128)``."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
    )


@experiment("transfer", "Transfer learning: frozen features, a new head, few samples")
def transfer(ctx: Context) -> Outcome:
    from ..data import load_digits, train_test_split

    x, y = load_digits()
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.3, stratify=y, seed=ctx.seed)
    old_tr = y_tr < 5
    new_te = y_te >= 5
    per_class = 2
    rng = ctx.rng(4)
    few = np.concatenate(
        [rng.choice(np.flatnonzero(y_tr == c), per_class, replace=False) for c in range(5, 10)]
    )
    x_few, y_few = x_tr[few], y_tr[few] - 5
    x_new_te, y_new_te = x_te[new_te], y_te[new_te] - 5
    pre_epochs = 8 if ctx.quick else 30
    epochs = 40 if ctx.quick else 100

    backend.manual_seed(ctx.seed)
    body = features()
    pre = nn.Sequential(body, nn.Linear(128, 5))
    pre.compile(optimizer=optim.Adam(lr=2e-3), loss="cross_entropy", metrics=["accuracy"])
    pre.fit(x_tr[old_tr], y_tr[old_tr], epochs=pre_epochs, batch_size=32, verbose=0, seed=ctx.seed)
    pre_acc = pre.evaluate(x_te[~new_te], y_te[~new_te], verbose=0, return_dict=True)["accuracy"]

    body_state = body.state_dict()
    backend.manual_seed(ctx.seed + 1)
    tuned_body = features()
    tuned_body.load_state_dict(body_state)
    tuned = nn.Sequential(tuned_body, nn.Linear(128, 5))
    tuned.compile(optimizer=optim.Adam(lr=1e-3), loss="cross_entropy", metrics=["accuracy"])
    h_ft = tuned.fit(
        x_few,
        y_few,
        epochs=epochs,
        batch_size=10,
        validation_data=(x_new_te, y_new_te),
        verbose=0,
        seed=ctx.seed,
    ).history

    body.requires_grad_(False)
    backend.manual_seed(ctx.seed + 1)
    transferred = nn.Sequential(body, nn.Linear(128, 5))
    transferred.compile(optimizer=optim.Adam(lr=1e-2), loss="cross_entropy", metrics=["accuracy"])
    h_tr = transferred.fit(
        x_few,
        y_few,
        epochs=epochs,
        batch_size=10,
        validation_data=(x_new_te, y_new_te),
        verbose=0,
        seed=ctx.seed,
    ).history

    backend.manual_seed(ctx.seed + 1)
    scratch = nn.Sequential(features(), nn.Linear(128, 5))
    scratch.compile(optimizer=optim.Adam(lr=1e-2), loss="cross_entropy", metrics=["accuracy"])
    h_sc = scratch.fit(
        x_few,
        y_few,
        epochs=epochs,
        batch_size=10,
        validation_data=(x_new_te, y_new_te),
        verbose=0,
        seed=ctx.seed,
    ).history
    acc = {
        "transfer (frozen features)": h_tr["val_accuracy"][-1],
        "transfer (fine-tuned)": h_ft["val_accuracy"][-1],
        "from scratch": h_sc["val_accuracy"][-1],
    }
    frozen_unchanged = all(not p.requires_grad for p in body.parameters())

    _figure(ctx, acc, epochs, h_ft, h_sc, h_tr, per_class)

    t, s, ft = acc["transfer (frozen features)"], acc["from scratch"], acc["transfer (fine-tuned)"]
    claims = [
        Claim(
            "Transfer learning leverages pre-trained models to solve new tasks with limited data.",
            "guide B",
            f"with {per_class} images per new class, the frozen pre-trained features + new head "
            "beat the same network trained from scratch by > 0.05 test accuracy",
            t > s + 0.05 and frozen_unchanged,
            f"test accuracy on 5–9: transfer {t:.3f}, scratch {s:.3f} (pre-training on 0–4 reached {pre_acc:.3f})",
        ),
        Claim(
            "Starting from pre-trained weights helps with limited data.",
            "guide B",
            "fine-tuning all layers from the weights learned on 0–4 beats training from scratch",
            ft > s,
            f"fine-tuned {ft:.3f} vs scratch {s:.3f}",
        ),
    ]
    summary = (
        f"Trained on only {per_class * 5} images of digits 5–9, a new head on the frozen "
        f"convolutions learned from digits 0–4 reaches {t:.0%} test accuracy, fine-tuning every "
        f"layer from those weights {ft:.0%}, and the same CNN trained from scratch {s:.0%}"
        + (
            ": the features learned on 0–4 carry over."
            if max(t, ft) > s
            else ": on 8×8 digits a small CNN learns 5–9 from scratch better than from features "
            "specialised on 0–4."
        )
    )
    numbers = {
        "per_class": per_class,
        "pretrain_epochs": pre_epochs,
        "epochs": epochs,
        "pretrain_test_accuracy_0_4": pre_acc,
        "test_accuracy_5_9": acc,
        "curves": {
            "transfer": h_tr["val_accuracy"],
            "fine_tuned": h_ft["val_accuracy"],
            "scratch": h_sc["val_accuracy"],
        },
    }
    return Outcome(numbers, claims, summary)


def _figure(
    ctx: Context, acc: Any, epochs: Any, h_ft: Any, h_sc: Any, h_tr: Any, per_class: Any
) -> None:
    """Accuracy of transfer against training from scratch, by number of labelled images."""
    fig, axes = new_figure(
        1,
        2,
        panel_size=(5.4, 4.0),
        title=f"Digits 5–9 from {per_class} examples each: transfer from a CNN trained on 0–4",
    )
    plot_curves(
        {
            "transfer (frozen features, new head)": h_tr["val_accuracy"],
            "transfer (all layers fine-tuned)": h_ft["val_accuracy"],
            "same CNN from scratch": h_sc["val_accuracy"],
        },
        ax=axes[0, 0],
        xlabel="epoch",
        ylabel="test accuracy on digits 5–9",
        title=f"{per_class * 5} training images",
    )
    plot_bars(
        axes[0, 1],
        {k: {"test accuracy": v} for k, v in acc.items()},
        ylabel="test accuracy on digits 5–9",
        title=f"After {epochs} epochs",
        ylim=(0, 1.1),
    )
    ctx.savefig(fig)
