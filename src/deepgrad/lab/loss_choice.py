"""Experiment ``loss-choice``: a house-prices regression trained with MSE, MAE and (wrongly)
binary cross-entropy.

Binary cross-entropy ``−[y log p + (1 − y) log(1 − p)]`` is a loss for probabilities: it needs
targets in [0, 1]. Given prices (y ≈ 150..1000 thousand), it is unbounded below — as ``p → 1``
the term ``(1 − y) log(1 − p)`` goes to −∞ — so "training" drives the loss to −∞ while the
predictions, squashed into (0, 1), say nothing about the price. deepgrad's ``fit`` refuses it
before training, with advice; the bare loss function (which cannot know the targets' meaning)
lets it happen, as shown. With targets rescaled to [0, 1], cross-entropy *is* minimized at
``p = y`` and fits tolerably: the loss is not wrong for every regression, only for raw values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend, optim
from ..functional import binary_cross_entropy_with_logits
from ..viz.plots import COLORS, new_figure, plot_bars
from .experiment import Claim, Context, Outcome, experiment
from .training import train


def _r2(y: np.ndarray, p: np.ndarray) -> float:
    return float(1.0 - np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2))


@experiment("loss-choice", "Choosing the loss: MSE, MAE, or cross-entropy for house prices")
def loss_choice(ctx: Context) -> Outcome:
    from ..data import StandardScaler, make_house_prices, train_test_split
    from ..models import MLP

    n = 600 if ctx.quick else 2000
    epochs = 40 if ctx.quick else 150
    x, y = make_house_prices(n, seed=ctx.seed)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.25, seed=ctx.seed)
    sx = StandardScaler().fit(x_tr)
    x_tr, x_te = sx.transform(x_tr).astype(np.float32), sx.transform(x_te).astype(np.float32)
    mu, sd = float(y_tr.mean()), float(y_tr.std())
    lo, hi = float(y_tr.min()), float(y_tr.max())

    def model() -> MLP:
        backend.manual_seed(ctx.seed)
        return MLP(6, [64, 64], 1)

    preds, metrics = {}, {}
    # MSE and MAE on standardized targets (then mapped back to thousands)
    for name, loss in (("MSE", "mse"), ("MAE", "mae")):
        m = model()
        m.compile(optimizer=optim.Adam(lr=3e-3), loss=loss)
        m.fit(
            x_tr,
            ((y_tr - mu) / sd).reshape(-1, 1),
            epochs=epochs,
            batch_size=32,
            verbose=0,
            seed=ctx.seed,
        )
        preds[name] = m.predict(x_te, verbose=0).ravel() * sd + mu
    # binary cross-entropy, asked for through the training API on the raw prices
    m = model()
    m.compile(optimizer=optim.Adam(lr=3e-3), loss="bce_with_logits")
    try:
        m.fit(x_tr, y_tr.reshape(-1, 1), epochs=1, batch_size=32, verbose=0)
        api_error = None
    except ValueError as exc:
        api_error = str(exc)
    # ... and forced through the bare loss function, which has no way to refuse
    m = model()
    log = train(
        m,
        x_tr,
        y_tr.reshape(-1, 1).astype(np.float32),
        optim.Adam(lr=3e-3),
        epochs=max(epochs // 4, 5),
        batch_size=32,
        loss_fn=binary_cross_entropy_with_logits,
        accuracy=False,
        rng=ctx.rng(1),
    )
    from .training import predict

    with np.errstate(over="ignore", invalid="ignore"):
        raw_p = 1.0 / (1.0 + np.exp(-predict(m, x_te).ravel().astype(np.float64)))
    bce_raw_losses = log.step_loss
    # cross-entropy on targets rescaled to [0, 1] (a valid use: minimized at p = y)
    m = model()
    m.compile(optimizer=optim.Adam(lr=3e-3), loss="bce_with_logits")
    m.fit(
        x_tr,
        ((y_tr - lo) / (hi - lo)).reshape(-1, 1),
        epochs=epochs,
        batch_size=32,
        verbose=0,
        seed=ctx.seed,
    )
    logits = m.predict(x_te, verbose=0).ravel().astype(np.float64)
    preds["BCE on [0, 1]-scaled prices"] = lo + (hi - lo) / (1.0 + np.exp(-logits))
    for name, p in preds.items():
        metrics[name] = {"mae": float(np.mean(np.abs(p - y_te))), "r2": _r2(y_te, p)}
    metrics["BCE on raw prices"] = {
        "mae": float(np.mean(np.abs(raw_p - y_te))),
        "r2": _r2(y_te, raw_p),
    }

    finite = _figure(ctx, bce_raw_losses, metrics, preds, raw_p, y_te)

    bce01, bcer, claims, mae, mse = _claims(api_error, finite, metrics)
    summary = (
        f"MSE and MAE fit the prices (test R² {mse['r2']:.2f} and {mae['r2']:.2f}); binary "
        f"cross-entropy on raw prices is refused by fit with advice to use 'mse' or 'mae', and "
        f"forced through the bare loss it falls below zero towards −∞ while predicting values "
        f"under 1 (R² {bcer['r2']:.1f}); on prices rescaled to [0, 1] it works (R² {bce01['r2']:.2f})."
    )
    numbers = {
        "n_samples": n,
        "epochs": epochs,
        "test_metrics": metrics,
        "fit_error_for_bce_on_prices": api_error,
        "bce_raw_loss_first_last": [bce_raw_losses[0], bce_raw_losses[-1]],
        "bce_raw_diverged": log.diverged,
        "bce_raw_max_prediction": float(np.nanmax(raw_p)),
    }
    return Outcome(numbers, claims, summary)


def _figure(
    ctx: Context, bce_raw_losses: Any, metrics: Any, preds: Any, raw_p: Any, y_te: Any
) -> Any:
    """Predicted against true prices per loss, BCE's loss on raw prices, test MAE by loss."""
    fig, axes = new_figure(
        1, 3, panel_size=(4.9, 4.0), title="House prices: the loss must fit the target"
    )
    ax = axes[0, 0]
    for i, (name, p) in enumerate(preds.items()):
        ax.scatter(
            y_te,
            p,
            s=10,
            alpha=0.6,
            color=COLORS[i],
            label=f"{name} (R² {metrics[name]['r2']:.2f})",
        )
    ax.scatter(
        y_te,
        raw_p,
        s=10,
        alpha=0.6,
        color=COLORS[3],
        label=f"BCE on raw prices (R² {metrics['BCE on raw prices']['r2']:.1f})",
    )
    lim = [min(y_te.min(), 0), y_te.max()]
    ax.plot(lim, lim, "k--", linewidth=1, label="perfect prediction")
    ax.set_xlabel("true price (thousands)")
    ax.set_ylabel("predicted price (thousands)")
    ax.set_title("Test set: predicted vs true")
    ax.legend(loc="upper left", fontsize=7.5)
    ax = axes[0, 1]
    finite = [v if np.isfinite(v) else np.nan for v in bce_raw_losses]
    ax.plot(np.arange(1, len(finite) + 1), finite, color=COLORS[3])
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xlabel("step")
    ax.set_ylabel("binary cross-entropy (raw prices)")
    ax.set_title("BCE on prices is unbounded below")
    ax.annotate(
        "fit(loss='bce_with_logits') refuses this\nwith advice: use 'mse' or 'mae'",
        xy=(0.04, 0.06),
        xycoords="axes fraction",
        fontsize=9,
        bbox={"boxstyle": "round", "fc": "white", "ec": "#999"},
    )
    plot_bars(
        axes[0, 2],
        {
            k.replace(" prices", "").replace("BCE on ", "BCE\n"): {"test MAE": v["mae"]}
            for k, v in metrics.items()
        },
        ylabel="mean absolute error (thousands)",
        title="Test error by loss",
    )
    ctx.savefig(fig)
    return finite


def _claims(api_error: Any, finite: Any, metrics: Any) -> tuple[Any, ...]:
    """The guides' claims about the loss for regression, checked on the test metrics."""
    mse, mae, bce01, bcer = (
        metrics[k] for k in ("MSE", "MAE", "BCE on [0, 1]-scaled prices", "BCE on raw prices")
    )
    claims = [
        Claim(
            "Binary cross-entropy is very inappropriate for house price prediction; it is for "
            "classification.",
            "guide A",
            "fit(loss='bce_with_logits') on prices raises an error advising 'mse'/'mae', and BCE "
            "forced on raw prices gives a loss below 0 and an R² < 0",
            api_error is not None
            and "mse" in api_error
            and min(finite[-5:] or [0]) < 0
            and bcer["r2"] < 0,
            f"fit says: {api_error}",
        ),
        Claim(
            "Mean squared error (or mean absolute error) is the loss for regression.",
            "guides A, B, C, D",
            "MSE and MAE both reach test R² > 0.9",
            mse["r2"] > 0.9 and mae["r2"] > 0.9,
            f"R²: MSE {mse['r2']:.3f}, MAE {mae['r2']:.3f}; MAE (thousands): {mse['mae']:.1f}, {mae['mae']:.1f}",
        ),
        Claim(
            "Cross-entropy cannot be used for a regression target at all.",
            "lab (what the guides leave out)",
            "BCE on prices rescaled to [0, 1] reaches test R² < 0.8",
            bce01["r2"] < 0.8,
            f"R² {bce01['r2']:.3f}, MAE {bce01['mae']:.1f}: with targets in [0, 1] BCE is minimized "
            "at p = y, so it works, though MSE/MAE are the natural choices",
        ),
    ]
    return bce01, bcer, claims, mae, mse
