"""Experiment ``lstm-autoencoder``: an LSTM autoencoder on sine-wave sequences, with a
different data set drawn for every epoch.

``deepgrad.models.LSTMAutoencoder`` encodes a sequence ``(T, 1)`` into the final hidden state of
an LSTM and decodes it back with a second LSTM. It is trained with ``model.fit`` twice: once
on one fixed set of waves, once on a :class:`deepgrad.data.EpochDataset` whose factory draws
fresh random waves (``make_sine_waves(seed=epoch)``) every epoch — the guide's "a different
data set for each iteration" — and both are judged on waves neither has seen, by the means
over three seeds (one seed's final losses move by about as much as fresh data changes them).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend, optim
from ..viz.plots import COLORS, new_figure, plot_curves
from .experiment import Claim, Context, Outcome, experiment, fmt


@experiment("lstm-autoencoder", "LSTM autoencoder with a fresh data set every epoch")
def lstm_autoencoder(ctx: Context) -> Outcome:
    n, t = (64, 16) if ctx.quick else (128, 24)
    hidden = 24 if ctx.quick else 32
    epochs = 25 if ctx.quick else 50
    # one seed's final losses move by about as much as fresh data changes them: the verdict
    # compares means over three seeds, each a whole replicate (its own waves, weights and
    # batches); the curves and reconstructions drawn are the first seed's
    seeds = [ctx.seed + k for k in range(3)]
    runs = [_pair(seed, n, t, hidden, epochs) for seed in seeds]
    h_fixed, h_fresh, fresh, fresh_waves, x_val = runs[0]
    rec = fresh.predict(x_val[:4], verbose=0)
    seen = len({fresh_waves(e)[0].tobytes() for e in range(min(epochs, 3))})
    baseline = float(np.mean((x_val - x_val.mean()) ** 2))

    _figure(ctx, h_fixed, h_fresh, hidden, rec, t, x_val)

    def mean_last(which: int, key: str) -> float:
        return float(np.mean([r[which][key][-1] for r in runs]))

    val_fixed, val_fresh = mean_last(0, "val_loss"), mean_last(1, "val_loss")
    gap_fixed = val_fixed - mean_last(0, "loss")
    gap_fresh = val_fresh - mean_last(1, "loss")
    alone = sum(r[1]["val_loss"][-1] < r[0]["val_loss"][-1] for r in runs)
    claims = [
        Claim(
            "An LSTM autoencoder can be trained on a different data set in each iteration.",
            "guide A",
            "the epochs really see different waves, and the reconstruction error of unseen waves "
            "ends below half that of predicting the mean",
            seen == min(epochs, 3) and h_fresh["val_loss"][-1] < 0.5 * baseline,
            f"unseen-wave MSE {fmt(h_fresh['val_loss'][-1])} vs {fmt(baseline)} for the mean",
        ),
        Claim(
            "A fresh data set each iteration uses more data and enhances generalization.",
            "guide A",
            "on unseen waves, the models trained on fresh waves have a lower mean error than "
            "those trained on one fixed set, and a smaller mean train–unseen gap (over the seeds)",
            val_fresh < val_fixed and gap_fresh < gap_fixed,
            f"unseen-wave MSE {fmt(val_fresh)} (fresh) vs {fmt(val_fixed)} (fixed); gaps "
            f"{fmt(gap_fresh)} vs {fmt(gap_fixed)} (means over {len(seeds)} seeds; lower in "
            f"{alone} of them alone)",
        ),
    ]
    summary = (
        f"Drawing {n} new waves every epoch (EpochDataset) gives an unseen-wave reconstruction "
        f"error of {fmt(val_fresh)} against {fmt(val_fixed)} for one fixed set of {n} waves, "
        f"after {epochs} epochs (means over {len(seeds)} seeds; predicting the mean: "
        f"{fmt(baseline)})."
    )
    numbers = {
        "n_per_epoch": n,
        "seq_len": t,
        "hidden": hidden,
        "epochs": epochs,
        "mean_baseline_mse": baseline,
        "seeds": seeds,
        "mean_final_val_loss": {"fixed": val_fixed, "fresh": val_fresh},
        "fixed": {"loss": h_fixed["loss"], "val_loss": h_fixed["val_loss"]},
        "fresh": {"loss": h_fresh["loss"], "val_loss": h_fresh["val_loss"]},
    }
    return Outcome(numbers, claims, summary)


def _pair(seed: int, n: int, t: int, hidden: int, epochs: int) -> tuple:
    """One seed's two runs: ``model.fit`` on one fixed set of ``n`` waves, and on ``n`` fresh
    waves every epoch (an ``EpochDataset``), from the same initial weights; returns both
    histories, the fresh model, its wave factory and the unseen waves both are judged on."""
    from ..data import EpochDataset, make_sine_waves
    from ..models import LSTMAutoencoder

    base = 1000 * (seed + 1)
    x_fixed, _ = make_sine_waves(n, t, seed=base)
    x_val, _ = make_sine_waves(128, t, seed=base + 999_999)

    def build():
        backend.manual_seed(seed)
        m = LSTMAutoencoder(1, hidden_size=hidden)
        m.compile(optimizer=optim.Adam(lr=1e-2), loss="mse")
        return m

    fit = {"epochs": epochs, "batch_size": 8, "validation_data": (x_val, x_val), "verbose": 0,
           "seed": seed}  # fmt: skip
    h_fixed = build().fit(x_fixed, x_fixed, **fit).history

    def fresh_waves(epoch: int):
        x, _ = make_sine_waves(n, t, seed=base + 1 + epoch)
        return x, x

    fresh = build()
    h_fresh = fresh.fit(EpochDataset(fresh_waves), **fit).history
    return h_fixed, h_fresh, fresh, fresh_waves, x_val


def _figure(
    ctx: Context, h_fixed: Any, h_fresh: Any, hidden: Any, rec: Any, t: Any, x_val: Any
) -> None:
    """Reconstruction error over training and example sequences with their reconstructions."""
    fig, axes = new_figure(
        1,
        3,
        panel_size=(4.8, 3.8),
        title=f"LSTM autoencoder (hidden {hidden}) on sine waves of {t} steps",
    )
    plot_curves(
        {
            "fixed set: training": h_fixed["loss"],
            "fixed set: unseen waves": h_fixed["val_loss"],
            "fresh set each epoch: training": h_fresh["loss"],
            "fresh set each epoch: unseen waves": h_fresh["val_loss"],
        },
        ax=axes[0, 0],
        xlabel="epoch",
        ylabel="reconstruction MSE",
        title="Loss per epoch",
        logy=True,
        styles={
            "fixed set: training": {"linestyle": "--", "color": COLORS[0]},
            "fixed set: unseen waves": {"color": COLORS[0]},
            "fresh set each epoch: training": {"linestyle": "--", "color": COLORS[1]},
            "fresh set each epoch: unseen waves": {"color": COLORS[1]},
        },
    )
    for k, ax in enumerate(axes[0, 1:]):
        for j in range(2):
            i = 2 * k + j
            ax.plot(x_val[i, :, 0], color=COLORS[j], linewidth=2, label=f"wave {i + 1}")
            ax.plot(
                rec[i, :, 0],
                color=COLORS[j],
                linestyle="--",
                linewidth=2,
                label=f"wave {i + 1} reconstructed",
            )
        ax.set_xlabel("time step")
        ax.set_ylabel("value")
        ax.set_title("Unseen waves and reconstructions")
        ax.legend(loc="best", fontsize=7)
    ctx.savefig(fig)
