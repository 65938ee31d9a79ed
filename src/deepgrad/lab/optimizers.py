"""Experiment ``optimizers``: one network trained with SGD, Momentum, AdaGrad, RMSProp and
Adam on the same data, from the same initial weights, in the same mini-batch order.

The network and learning rates are those of *Deep Learning from Scratch* (§6.1.8): an MLP with
four hidden ReLU layers of 100 units, He initialization; SGD 0.01, Momentum 0.01 (β 0.9),
AdaGrad 0.01, RMSProp 0.01 (α 0.99), Adam 0.001. Loss per iteration (smoothed), and the test
accuracy at the end.
"""

from __future__ import annotations

import numpy as np

from .. import backend, optim
from ..viz.plots import new_figure, plot_bars, plot_curves, smooth
from .experiment import Claim, Context, Outcome, experiment, fmt
from .training import evaluate, load_images, mlp, train

#: name → (optimizer registry key, keyword arguments): the book's defaults.
SETUPS: dict[str, tuple[str, dict]] = {
    "SGD": ("sgd", {"lr": 0.01}),
    "Momentum": ("momentum", {"lr": 0.01, "momentum": 0.9}),
    "AdaGrad": ("adagrad", {"lr": 0.01}),
    "RMSProp": ("rmsprop", {"lr": 0.01, "alpha": 0.99}),
    "Adam": ("adam", {"lr": 0.001}),
}


@experiment("optimizers", "Optimizers on a real data set", uses_dataset=True)
def optimizers(ctx: Context) -> Outcome:
    data = load_images(ctx.dataset, seed=ctx.seed)
    if ctx.quick:
        steps, batch = 200, 64
    else:
        steps, batch = (2000, 128) if ctx.dataset == "fashion-mnist" else (1500, 64)
    backend.manual_seed(ctx.seed)
    init_state = mlp(data.n_features, [100] * 4, 10, weight_init="kaiming_normal").state_dict()
    curves, final, acc = {}, {}, {}
    for name, (key, kw) in SETUPS.items():
        model = mlp(data.n_features, [100] * 4, 10, weight_init="kaiming_normal")
        model.load_state_dict(init_state)
        log = train(
            model,
            data.x_train,
            data.y_train,
            optim.get(key, **kw),
            steps=steps,
            batch_size=batch,
            rng=ctx.rng(1),
        )
        curves[name] = log.step_loss
        final[name] = float(np.mean(log.step_loss[-max(steps // 10, 1) :]))
        acc[name] = evaluate(model, data.x_test, data.y_test)["accuracy"]

    window = max(steps // 40, 1)
    fig, axes = new_figure(
        1,
        2,
        panel_size=(5.6, 4.0),
        title=f"Optimizers on {data.name}: MLP 4 × 100 ReLU, same start, same batches",
    )
    plot_curves(
        {f"{n} (lr {SETUPS[n][1]['lr']:g})": c for n, c in curves.items()},
        ax=axes[0, 0],
        xlabel="iteration",
        ylabel="training loss (cross-entropy)",
        title=f"Loss per iteration (moving average of {window})",
        smooth_window=window,
        logy=True,
    )
    plot_bars(
        axes[0, 1],
        {n: {"test accuracy": a} for n, a in acc.items()},
        ylabel="test accuracy",
        title=f"Test accuracy after {steps} iterations",
        ylim=(0, 1.05),
    )
    ctx.savefig(fig)

    ranking = sorted(final, key=final.get)
    acc_rank = sorted(acc, key=acc.get, reverse=True)
    claims = [
        Claim(
            "Adam: the overall performance is the best.",
            "guide C",
            "Adam has the lowest final training loss of the five",
            ranking[0] == "Adam",
            "final loss: "
            + ", ".join(f"{n} {fmt(final[n])}" for n in ranking)
            + "; test accuracy: "
            + ", ".join(f"{n} {acc[n]:.3f}" for n in acc_rank),
        ),
        Claim(
            "Adam leads to faster convergence and better performance than SGD.",
            "guide D",
            "Adam's final training loss < SGD's and its test accuracy ≥ SGD's",
            final["Adam"] < final["SGD"] and acc["Adam"] >= acc["SGD"],
            f"loss Adam {fmt(final['Adam'])} vs SGD {fmt(final['SGD'])}; accuracy "
            f"{acc['Adam']:.3f} vs {acc['SGD']:.3f}",
        ),
    ]
    summary = (
        f"On {data.name} after {steps} iterations the training losses rank "
        f"{', '.join(ranking)} (Adam {fmt(final['Adam'])}, SGD {fmt(final['SGD'])}): Adam "
        f"{'is' if ranking[0] == 'Adam' else 'is not'} the best, "
        f"{len([n for n in final if final[n] < final['SGD']])} of 4 methods beat plain SGD at "
        f"the book's rates, and the test accuracies are "
        f"{', '.join(f'{n} {acc[n]:.2f}' for n in acc_rank)}."
    )
    numbers = {
        "dataset": data.name,
        "steps": steps,
        "batch_size": batch,
        "settings": {n: kw for n, (_, kw) in SETUPS.items()},
        "final_train_loss": final,
        "test_accuracy": acc,
        "ranking": ranking,
        "curves_smoothed": {
            n: smooth(c, window)[:: max(steps // 100, 1)].tolist() for n, c in curves.items()
        },
    }
    return Outcome(numbers, claims, summary)
