"""Experiment ``weight-init``: activation histograms per layer, and training with ReLU, for
weights drawn with standard deviation 1, 0.01, Xavier (``√(2/(fan_in+fan_out))``) and He
(``√(2/fan_in)``).

Part 1 (Deep Learning from Scratch, §6.2): 1,000 random inputs through five layers of 100
units (no bias) with sigmoid, tanh or ReLU; a histogram of each layer's activations. Std 1
saturates sigmoid/tanh (values pile up at the ends: vanishing gradients); std 0.01 squeezes
everything to one value (no diversity: the units are redundant); Xavier keeps sigmoid/tanh
spread; with ReLU only He keeps the spread constant from layer to layer.

Part 2: an MLP with four hidden ReLU layers of 100 trained on the data set with each init,
with SGD (the book's setting) and with Adam (the setting one guide states).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend, optim
from ..functional import matmul, relu, sigmoid, tanh
from ..tensor import zeros
from ..viz.plots import new_figure, plot_curves, plot_histograms, smooth
from .experiment import Claim, Context, Outcome, experiment, fmt
from .training import INITS, load_images, mlp, train

ACTS = {"sigmoid": sigmoid, "tanh": tanh, "ReLU": relu}
RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "ReLU": (0.0, 3.0)}


def activations(init, act, n: int = 1000, width: int = 100, layers: int = 5, seed: int = 0):
    """The activations of each of ``layers`` layers (NumPy arrays ``(n, width)``)."""
    rng = np.random.default_rng(seed)
    a = backend.xp.asarray(rng.standard_normal((n, width)).astype(np.float32))
    from ..nn import init as nninit

    out = []
    for _ in range(layers):
        w = zeros(width, width)
        (init if callable(init) else nninit.get(init))(w)
        a = ACTS[act](matmul(type(w)._from_op(a, None, 0), w))._data
        out.append(backend.to_numpy(a))
    return out


def _stats(acts: list[np.ndarray], act: str) -> dict[str, list[float]]:
    if act == "sigmoid":
        sat = [float(np.mean((a < 0.02) | (a > 0.98))) for a in acts]
    elif act == "tanh":
        sat = [float(np.mean(np.abs(a) > 0.98)) for a in acts]
    else:
        sat = [float(np.mean(a <= 0)) for a in acts]
    return {"std": [float(a.std()) for a in acts], "saturated_or_zero": sat}


@experiment("weight-init", "Weight initialization: activations and training", uses_dataset=True)
def weight_init(ctx: Context) -> Outcome:
    # ---- part 1: histograms
    stats = _histograms(ctx)

    # ---- part 2: training with ReLU
    data = load_images(ctx.dataset, seed=ctx.seed, n_train=None)
    if ctx.quick:
        steps, batch = 150, 64
    else:
        steps, batch = (2000, 128) if ctx.dataset == "fashion-mnist" else (1500, 64)
    curves: dict[str, dict[str, list[float]]] = {}
    final: dict[str, dict[str, float]] = {}
    test_acc: dict[str, dict[str, float]] = {}
    setups = {
        "SGD lr 0.01": lambda: optim.SGD(lr=0.01),
        "Adam lr 0.001": lambda: optim.Adam(lr=1e-3),
    }
    from .training import evaluate

    for opt_name, make in setups.items():
        curves[opt_name], final[opt_name], test_acc[opt_name] = {}, {}, {}
        for init_name in ("std 0.01", "Xavier", "He"):
            backend.manual_seed(ctx.seed)
            model = mlp(
                data.n_features, [100] * 4, 10, activation="relu", weight_init=INITS[init_name]
            )
            log = train(
                model,
                data.x_train,
                data.y_train,
                make(),
                steps=steps,
                batch_size=batch,
                rng=ctx.rng(1),
            )
            curves[opt_name][init_name] = log.step_loss
            tail = max(steps // 10, 1)
            final[opt_name][init_name] = float(np.mean(log.step_loss[-tail:]))
            test_acc[opt_name][init_name] = evaluate(model, data.x_test, data.y_test)["accuracy"]

    _training_figure(ctx, curves, data, setups, steps)

    s = stats
    he_relu, xa_relu, small_relu = (
        s["He"]["ReLU"]["std"],
        s["Xavier"]["ReLU"]["std"],
        s["std 0.01"]["ReLU"]["std"],
    )
    he_ratio = he_relu[-1] / he_relu[0]
    xa_ratio = xa_relu[-1] / xa_relu[0]
    sig_x, sig_1, sig_s = s["Xavier"]["sigmoid"], s["std 1"]["sigmoid"], s["std 0.01"]["sigmoid"]
    sgd, adam = final["SGD lr 0.01"], final["Adam lr 0.001"]
    claims = [
        Claim(
            "The Xavier initial value is suitable when the activation is the sigmoid.",
            "guide C",
            "sigmoid, layer 5: Xavier saturates fewer units than std 1, and its activations "
            "spread > 5× more than std 0.01's",
            sig_x["saturated_or_zero"][-1] < sig_1["saturated_or_zero"][-1]
            and sig_x["std"][-1] > 5 * sig_s["std"][-1],
            f"saturated: Xavier {sig_x['saturated_or_zero'][-1]:.0%}, std 1 {sig_1['saturated_or_zero'][-1]:.0%}; "
            f"std of layer 5: Xavier {fmt(sig_x['std'][-1])}, std 0.01 {fmt(sig_s['std'][-1])}",
        ),
        Claim(
            "The He initial value is suitable when the activation is ReLU.",
            "guide C",
            "ReLU: He keeps the activations' spread from layer 1 to 5 (ratio of stds in [0.5, 2]) "
            "while Xavier's shrinks more and std 0.01's collapses",
            0.5 <= he_ratio <= 2 and xa_ratio < he_ratio and small_relu[-1] < 1e-3,
            f"std layer 5 / layer 1: He {he_ratio:.2f}, Xavier {xa_ratio:.2f}, std 0.01 "
            f"{small_relu[-1] / small_relu[0]:.1e}",
        ),
        Claim(
            "With ReLU, He gives the best training (std 0.01 does not learn).",
            "guide C",
            "SGD lr 0.01: He's final training loss < std 0.01's by more than 0.5 nats, and ≤ Xavier's",
            sgd["He"] < sgd["std 0.01"] - 0.5 and sgd["He"] <= sgd["Xavier"],
            "final loss (SGD) " + ", ".join(f"{k} {fmt(v)}" for k, v in sgd.items()),
        ),
        Claim(
            "Under Adam, the He initial value has the best overall performance.",
            "guide C",
            "Adam lr 0.001: He's final training loss is the lowest of the three",
            adam["He"] <= min(adam.values()),
            "final loss (Adam) "
            + ", ".join(f"{k} {fmt(v)}" for k, v in adam.items())
            + " — Adam rescales each weight's step, so even std 0.01 learns",
        ),
    ]
    summary = (
        f"With ReLU only He keeps the activations' spread through five layers (std ratio "
        f"{he_ratio:.2f} vs Xavier's {xa_ratio:.2f}); with SGD the std-0.01 network does not "
        f"learn (loss {fmt(sgd['std 0.01'])} vs He's {fmt(sgd['He'])}), while with Adam "
        f"all three train (He {fmt(adam['He'])}, Xavier {fmt(adam['Xavier'])}, std 0.01 "
        f"{fmt(adam['std 0.01'])})."
    )
    numbers = {
        "activation_stats": stats,
        "dataset": data.name,
        "steps": steps,
        "batch_size": batch,
        "final_train_loss": final,
        "test_accuracy": test_acc,
        "relu_std_ratio": {"He": he_ratio, "Xavier": xa_ratio},
        "curves": {
            k: {
                n: smooth(c, max(steps // 50, 1))[:: max(steps // 100, 1)].tolist()
                for n, c in v.items()
            }
            for k, v in curves.items()
        },
    }
    return Outcome(numbers, claims, summary)


def _training_figure(ctx: Context, curves: Any, data: Any, setups: Any, steps: Any) -> None:
    """Training curves for each initialization."""
    fig2, axes = new_figure(
        1,
        2,
        panel_size=(5.4, 3.9),
        title=f"Training an MLP (4 × 100 ReLU) on {data.name} with each initialization",
    )
    for i, opt_name in enumerate(setups):
        plot_curves(
            curves[opt_name],
            ax=axes[0, i],
            xlabel="iteration",
            ylabel="training loss (cross-entropy)",
            title=opt_name,
            smooth_window=max(steps // 50, 1),
        )
    ctx.savefig(fig2, "training")


def _histograms(ctx: Context) -> dict[str, dict[str, dict]]:
    """Part 1: histograms of the activations of five layers for each initialization and
    activation function; returns their statistics per layer."""
    stats: dict[str, dict[str, dict]] = {}
    panels, ranges, xlabels = {}, {}, {}
    n_samples = 500 if ctx.quick else 1000
    for init_name, init in INITS.items():
        stats[init_name] = {}
        for act in ACTS:
            acts = activations(init, act, n=n_samples, seed=ctx.seed)
            stats[init_name][act] = _stats(acts, act)
            key = f"{init_name} · {act}"
            shown = [a[a > 0] if act == "ReLU" else a for a in acts]
            panels[key] = {f"layer {i + 1}": v for i, v in enumerate(shown)}
            ranges[key] = RANGES[act]
            xlabels[key] = "activation (non-zero only)" if act == "ReLU" else "activation"
    fig = plot_histograms(
        panels,
        ncols=3,
        bins=30,
        range_=ranges,
        xlabel=xlabels,
        title="Activations of five layers of 100 units for each weight initialization",
    )
    ctx.savefig(fig, "histograms")
    return stats
