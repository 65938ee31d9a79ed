"""Experiment ``cluster-then-label``: labelling images that come without labels.

One guide says a detector (YOLOv8) "can cluster images, and then humans label each cluster".
The general technique, which needs no particular product: learn an embedding without labels
(here a convolutional autoencoder, ``deepgrad.models.ConvAutoencoder``, trained with
``fit(x, x)`` to reconstruct the digits), cluster the embeddings with k-means, and let a person
label each cluster by looking at a few of its images — simulated here by the majority label of
five random members (the true labels are used for nothing else but scoring). The accuracy of
the resulting labels is measured against the true ones, for k-means on the embeddings and on
the raw pixels, with 10 and 30 clusters (10 or 30 × 5 images looked at instead of all).
"""

from __future__ import annotations

import numpy as np

from .. import backend, optim
from ..autograd import no_grad
from ..tensor import tensor
from ..viz.plots import new_figure, plot_bars, plot_image_grid
from .experiment import Claim, Context, Outcome, experiment

LOOKS = 5  # images a person looks at per cluster


def label_by_looking(
    clusters: np.ndarray, y_true: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Each cluster gets the majority label of ``LOOKS`` random members (a person's glance)."""
    labels = np.empty_like(y_true)
    for c in np.unique(clusters):
        members = np.flatnonzero(clusters == c)
        seen = rng.choice(members, size=min(LOOKS, len(members)), replace=False)
        labels[members] = np.bincount(y_true[seen]).argmax()
    return labels


@experiment(
    "cluster-then-label", "Labelling without labels: autoencoder, k-means, a glance per cluster"
)
def cluster_then_label(ctx: Context) -> Outcome:
    from sklearn.cluster import KMeans

    from ..data import load_digits
    from ..models import ConvAutoencoder

    x, y = load_digits()
    epochs = 8 if ctx.quick else 60
    backend.manual_seed(ctx.seed)
    ae = ConvAutoencoder(1, width=16, code_channels=8)
    ae.compile(optimizer=optim.Adam(lr=3e-3), loss="mse")
    hist = ae.fit(x, x, epochs=epochs, batch_size=32, verbose=0, seed=ctx.seed).history
    ae.eval()
    with no_grad():
        codes = backend.to_numpy(ae.encode(tensor(x))._data)
        recon = backend.to_numpy(ae(tensor(x[:10]))._data)
    features = {
        "autoencoder code (32 numbers)": codes,
        "raw pixels (64 numbers)": x.reshape(len(x), -1),
    }
    acc: dict[str, dict[str, float]] = {}
    assignments = {}
    for fname, feats in features.items():
        acc[fname] = {}
        for k in (10, 30):
            km = KMeans(n_clusters=k, n_init=1 if ctx.quick else 5, random_state=ctx.seed).fit(
                feats
            )
            labels = label_by_looking(km.labels_, y, ctx.rng(k))
            acc[fname][f"{k} clusters"] = float(np.mean(labels == y))
            assignments[(fname, k)] = km.labels_

    fig, axes = new_figure(
        1,
        3,
        panel_size=(4.8, 4.0),
        title="Labelling 1,797 digits by clustering and a glance at 5 images per cluster",
    )
    plot_image_grid(
        axes[0, 0],
        np.concatenate([x[:10], recon]),
        ncols=10,
        title=f"Autoencoder: inputs and reconstructions ({epochs} epochs)",
        row_labels=["input", "output"],
    )
    cl = assignments[("autoencoder code (32 numbers)", 10)]
    rows = [x[np.flatnonzero(cl == c)[:10]] for c in range(10)]
    grid = np.concatenate([np.pad(r, ((0, 10 - len(r)), (0, 0), (0, 0), (0, 0))) for r in rows])
    plot_image_grid(
        axes[0, 1],
        grid,
        ncols=10,
        title="10 clusters of codes: what a person sees",
        row_labels=[f"cluster {c}" for c in range(10)],
    )
    plot_bars(
        axes[0, 2],
        {k.split(" (")[0]: v for k, v in acc.items()},
        ylabel="accuracy of the labels given",
        title="Labels from clusters vs true labels",
        ylim=(0, 1.1),
    )
    axes[0, 2].axhline(0.1, color="black", linestyle=":", label="chance (0.1)")
    axes[0, 2].legend(loc="upper left", fontsize=9)
    ctx.savefig(fig)

    a_code = acc["autoencoder code (32 numbers)"]
    a_raw = acc["raw pixels (64 numbers)"]
    claims = [
        Claim(
            "Images without labels can be clustered, and a person labels each cluster instead "
            "of each image.",
            "guide A (there with YOLOv8; here with an autoencoder and k-means)",
            "with 30 clusters × 5 images looked at, > 70% of all images get the right label",
            a_code["30 clusters"] > 0.7,
            f"accuracy: code {a_code['10 clusters']:.3f} (10 clusters), {a_code['30 clusters']:.3f} "
            f"(30); raw pixels {a_raw['10 clusters']:.3f}, {a_raw['30 clusters']:.3f}",
        ),
        Claim(
            "A learned embedding clusters better than the raw pixels.",
            "lab",
            "accuracy with 30 clusters of autoencoder codes ≥ with 30 clusters of raw pixels",
            a_code["30 clusters"] >= a_raw["30 clusters"],
            f"{a_code['30 clusters']:.3f} vs {a_raw['30 clusters']:.3f}"
            + (
                " — a small margin: on 8×8 digits raw pixels are already a good space"
                if abs(a_code["30 clusters"] - a_raw["30 clusters"]) < 0.03
                else ""
            ),
        ),
    ]
    summary = (
        f"Clustering the autoencoder's codes and labelling each cluster from 5 images gives the "
        f"right label to {a_code['10 clusters']:.0%} of the digits with 10 clusters and "
        f"{a_code['30 clusters']:.0%} with 30 (raw pixels: {a_raw['10 clusters']:.0%} and "
        f"{a_raw['30 clusters']:.0%}), from 50 or 150 glances instead of 1,797 labels."
    )
    numbers = {
        "epochs": epochs,
        "reconstruction_loss": hist["loss"],
        "accuracy": acc,
        "looks_per_cluster": LOOKS,
    }
    return Outcome(numbers, claims, summary)
