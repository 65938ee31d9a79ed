"""Experiment ``augmentation``: accuracy on shifted and rotated test digits, with and without
data augmentation during training.

The same MLP is trained twice on the 8×8 digits: on the images as they are, and on images
randomly rotated (±15°) and shifted (±1 pixel) afresh in every batch
(``deepgrad.data.RandomAffine``). Both are tested on the clean test set and on copies of it that
are shifted by one pixel or rotated — variations a deployed model meets and the training set
barely contains.
"""

from __future__ import annotations

import numpy as np

from .. import backend, optim
from ..viz.plots import new_figure, plot_bars, plot_image_grid
from .experiment import Claim, Context, Outcome, experiment
from .training import evaluate, load_images, mlp, train


@experiment("augmentation", "Data augmentation against shifted and rotated digits")
def augmentation(ctx: Context) -> Outcome:
    from ..data import RandomAffine, rotate, translate

    data = load_images("digits", flat=False, seed=ctx.seed)
    epochs = 15 if ctx.quick else 60
    rng = ctx.rng(2)
    n_te = len(data.x_test)
    tests = {
        "clean": data.x_test,
        "shifted 1 px": translate(
            data.x_test, rng.choice([-1, 1], n_te), rng.choice([-1, 1], n_te)
        ),
        "rotated ±20°": rotate(data.x_test, rng.choice([-20.0, 20.0], n_te)),
    }
    aug = RandomAffine(degrees=15, translate=(0.125, 0.125), seed=ctx.seed)
    acc: dict[str, dict[str, float]] = {}
    for name, fn in (("without augmentation", None), ("with augmentation", aug)):
        backend.manual_seed(ctx.seed)
        model = mlp(data.n_features, [128, 128], 10)
        train(
            model,
            data.x_train,
            data.y_train,
            optim.Adam(lr=2e-3),
            epochs=epochs,
            batch_size=64,
            augment=fn,
            rng=ctx.rng(1),
        )
        acc[name] = {t: evaluate(model, x, data.y_test)["accuracy"] for t, x in tests.items()}

    fig, axes = new_figure(
        1,
        2,
        panel_size=(5.4, 4.0),
        title="Augmentation: training on randomly rotated and shifted digits",
    )
    examples = np.concatenate([data.x_train[:8], aug(data.x_train[:8]), aug(data.x_train[:8])])
    plot_image_grid(
        axes[0, 0],
        examples,
        ncols=8,
        title="Training images: originals, then two random augmentations",
        row_labels=["original", "augmented", "augmented"],
    )
    plot_bars(
        axes[0, 1],
        {t: {m: acc[m][t] for m in acc} for t in tests},
        ylabel="test accuracy",
        title="Accuracy by test set",
        ylim=(0, 1.1),
    )
    ctx.savefig(fig)

    w, wo = acc["with augmentation"], acc["without augmentation"]
    claims = [
        Claim(
            "Augmentation improves generalization: the model learns features that hold on new, "
            "varied data.",
            "guides B, D",
            "accuracy on the shifted and on the rotated test digits is higher with augmentation",
            w["shifted 1 px"] > wo["shifted 1 px"] and w["rotated ±20°"] > wo["rotated ±20°"],
            "shifted: {:.3f} vs {:.3f}; rotated: {:.3f} vs {:.3f}; clean: {:.3f} vs {:.3f}".format(
                w["shifted 1 px"],
                wo["shifted 1 px"],
                w["rotated ±20°"],
                wo["rotated ±20°"],
                w["clean"],
                wo["clean"],
            ),
        ),
        Claim(
            "Augmentation leads to a more reliable model with better performance.",
            "guide D",
            "accuracy on the clean test set is at least as high with augmentation",
            w["clean"] >= wo["clean"],
            f"clean test accuracy {w['clean']:.3f} with vs {wo['clean']:.3f} without — "
            f"after {epochs} epochs the harder, augmented task "
            + ("costs" if w["clean"] < wo["clean"] else "does not cost")
            + " accuracy on unaltered digits",
        ),
    ]
    summary = (
        f"Shifting the test digits by one pixel drops the plain model from {wo['clean']:.0%} to "
        f"{wo['shifted 1 px']:.0%}; trained with random shifts and rotations it keeps "
        f"{w['shifted 1 px']:.0%} (rotated: {w['rotated ±20°']:.0%} vs {wo['rotated ±20°']:.0%}), "
        f"at {w['clean']:.0%} on the clean test set."
    )
    return Outcome({"epochs": epochs, "accuracy": acc}, claims, summary)
