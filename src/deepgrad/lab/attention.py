"""Experiment ``attention``: what swapping Q and K does in scaled dot-product attention.

``Attention(Q, K, V) = softmax(Q Kᵀ / √d) V``, the softmax taken over each *row* (each query's
weights over the keys sum to 1). Swapping the roles gives scores ``K Qᵀ = (Q Kᵀ)ᵀ``: the same
numbers, transposed, so the row softmax now normalizes what were the *columns* — each key's
weights over the queries — and the outputs differ (for cross-attention with a different number
of queries and keys, the swapped product does not even fit ``V``). The claim "the score depends
only on the dot product, so Q and K can be interchanged" is false for a fixed Q and K.

What *is* true: in self-attention with learned projections ``Q = X W_q``, ``K = X W_k``, the
swapped layer ``softmax(X W_k (X W_q)ᵀ) X W_v`` is the same family of functions with the two
weight matrices renamed, so it learns the same things: started from swapped weights it follows
the identical trajectory, and from the same start it learns just as well.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import backend, optim
from ..functional import matmul, mse_loss, softmax, swapaxes
from ..tensor import Tensor, tensor
from ..viz.plots import new_figure, plot_curves, plot_heatmap
from .experiment import Claim, Context, Outcome, experiment, fmt


def attention(q: Tensor, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
    """``(softmax(q kᵀ / √d) v, weights)`` for ``q (…, L, d)``, ``k (…, S, d)``, ``v (…, S, e)``."""
    d = q.shape[-1]
    w = softmax(matmul(q, swapaxes(k, -1, -2)) * (1.0 / math.sqrt(d)), axis=-1)
    return matmul(w, v), w


def _self_attention(x: Tensor, wq: Tensor, wk: Tensor, wv: Tensor, swapped: bool) -> Tensor:
    q, k = matmul(x, wq), matmul(x, wk)
    if swapped:
        q, k = k, q
    return attention(q, k, matmul(x, wv))[0]


def _train(x, target, init, swapped: bool, steps: int, lr: float) -> list[float]:
    params = [tensor(a.copy(), requires_grad=True) for a in init]
    opt = optim.Adam(params, lr=lr)
    losses = []
    for _ in range(steps):
        loss = mse_loss(_self_attention(x, *params, swapped=swapped), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.item()))
    return losses


@experiment("attention", "Swapping Q and K in attention")
def attention_swap(ctx: Context) -> Outcome:
    rng = ctx.rng()
    n_tok, d = 6, 4
    q = tensor(1.5 * rng.standard_normal((n_tok, d)))  # × 1.5: peakier weights, clearer plots
    k = tensor(1.5 * rng.standard_normal((n_tok, d)))
    v = tensor(rng.standard_normal((n_tok, 3)))
    y, a = attention(q, k, v)
    y_sw, a_sw = attention(k, q, v)
    s = backend.to_numpy((q @ k.T)._data)
    s_sw = backend.to_numpy((k @ q.T)._data)
    a_np, a_sw_np = backend.to_numpy(a._data), backend.to_numpy(a_sw._data)
    scores_transposed = float(np.max(np.abs(s_sw - s.T)))
    out_diff = float(np.max(np.abs(backend.to_numpy(y._data) - backend.to_numpy(y_sw._data))))
    weights_diff = float(np.max(np.abs(a_sw_np - a_np.T)))
    # the swapped weights are the column-softmax of the original scores, transposed
    col_softmax = np.exp(s / math.sqrt(d) - (s / math.sqrt(d)).max(axis=0))
    col_softmax /= col_softmax.sum(axis=0)
    swapped_is_column_softmax = float(np.max(np.abs(a_sw_np - col_softmax.T)))

    # cross-attention: 3 queries, 5 keys/values — the swapped product does not fit V
    qc = tensor(rng.standard_normal((3, d)))
    kc = tensor(rng.standard_normal((5, d)))
    vc = tensor(rng.standard_normal((5, 2)))
    try:
        attention(kc, qc, vc)
        cross_error = None
    except ValueError as exc:
        cross_error = str(exc)

    # learning: a teacher attention layer, students with the normal and the swapped formula
    n, t, dm = (64, 5, 6) if ctx.quick else (256, 8, 8)
    steps = 150 if ctx.quick else 800
    x = tensor(rng.standard_normal((n, t, dm)))
    teacher = [rng.standard_normal((dm, dm)) for _ in range(3)]
    target = _self_attention(x, *(tensor(w) for w in teacher), swapped=False).detach()
    init = [rng.standard_normal((dm, dm)) * 0.3 for _ in range(3)]
    normal = _train(x, target, init, False, steps, 0.02)
    swapped_renamed = _train(x, target, [init[1], init[0], init[2]], True, steps, 0.02)
    swapped_same = _train(x, target, init, True, steps, 0.02)
    renamed_gap = float(np.max(np.abs(np.array(normal) - np.array(swapped_renamed))))

    _figure(ctx, a_np, a_sw_np, normal, swapped_renamed, swapped_same)

    learn_ok = normal[-1] < 0.2 * normal[0] and swapped_same[-1] < 0.2 * swapped_same[0]
    claims = [
        Claim(
            "In attention, Q and K can be interchanged: the score depends only on their dot "
            "product, not on their order.",
            "guide A",
            "outputs of softmax(QKᵀ)V and softmax(KQᵀ)V equal (max difference < 1e-6)",
            out_diff < 1e-6,
            f"the scores are exactly transposed (max |KQᵀ − (QKᵀ)ᵀ| = {fmt(scores_transposed)}), "
            f"but the outputs differ by up to {fmt(out_diff)}: the row softmax of the "
            f"transposed scores is the column softmax of the original "
            f"(max difference {fmt(swapped_is_column_softmax)})",
        ),
        Claim(
            "Self-attention with learned projections can learn either way round.",
            "lab",
            "the swapped layer started from renamed weights follows the same losses (< 1e-9), "
            "and from the same start both reach < 20% of their initial loss",
            renamed_gap < 1e-9 and learn_ok,
            f"renamed: max loss difference {fmt(renamed_gap)}; final loss normal "
            f"{fmt(normal[-1])}, swapped {fmt(swapped_same[-1])} (from {fmt(normal[0])})",
        ),
    ]
    summary = (
        f"Swapping Q and K transposes the scores, so the softmax normalizes over queries instead "
        f"of keys and the outputs change (by up to {fmt(out_diff)}); only a self-attention layer "
        f"with learned W_q, W_k is indifferent, because the swap just renames its weights "
        f"(identical training, loss difference {fmt(renamed_gap)})."
    )
    numbers = {
        "max_scores_minus_transpose": scores_transposed,
        "max_output_difference": out_diff,
        "max_weights_swapped_minus_transpose": weights_diff,
        "max_swapped_minus_column_softmax": swapped_is_column_softmax,
        "row_sums_original": a_np.sum(axis=1).tolist(),
        "row_sums_swapped_transposed": a_sw_np.T.sum(axis=1).tolist(),
        "cross_attention_swap_error": cross_error,
        "learning": {
            "steps": steps,
            "normal_final": normal[-1],
            "swapped_renamed_final": swapped_renamed[-1],
            "swapped_same_start_final": swapped_same[-1],
            "initial": normal[0],
            "renamed_max_difference": renamed_gap,
        },
        "curves": {
            "normal": normal,
            "swapped_renamed": swapped_renamed,
            "swapped_same": swapped_same,
        },
    }
    return Outcome(numbers, claims, summary)


def _figure(
    ctx: Context, a_np: Any, a_sw_np: Any, normal: Any, swapped_renamed: Any, swapped_same: Any
) -> None:
    """Attention weights and outputs before and after swapping the roles of Q and K."""
    fig, axes = new_figure(
        1,
        4,
        panel_size=(3.9, 3.5),
        title="Q and K swapped: the scores transpose, the softmax normalizes the other axis",
    )
    top = float(max(a_np.max(), a_sw_np.max()))
    dmax = float(np.abs(a_sw_np.T - a_np).max())
    plot_heatmap(
        axes[0, 0],
        a_np,
        title="softmax(Q Kᵀ/√d): rows sum to 1",
        xlabel="key",
        ylabel="query",
        vmin=0,
        vmax=top,
        annotate=True,
        colorbar=False,
    )
    plot_heatmap(
        axes[0, 1],
        a_sw_np,
        title="softmax(K Qᵀ/√d): swapped",
        xlabel="query (now in the 'key' role)",
        ylabel="key (now 'query')",
        vmin=0,
        vmax=top,
        annotate=True,
        colorbar=False,
    )
    plot_heatmap(
        axes[0, 2],
        a_sw_np.T - a_np,
        title="(swapped)ᵀ − original weights",
        xlabel="key",
        ylabel="query",
        cmap="RdBu_r",
        vmin=-dmax,
        vmax=dmax,
        annotate=True,
        colorbar=False,
    )
    plot_curves(
        {
            "Q = X W_q, K = X W_k": normal,
            "swapped, weights renamed": swapped_renamed,
            "swapped, same start": swapped_same,
        },
        ax=axes[0, 3],
        xlabel="Adam step",
        ylabel="MSE to the teacher",
        title="Learned projections learn either way",
        logy=True,
        styles={"swapped, weights renamed": {"linestyle": "--", "linewidth": 2.5}},
    )
    ctx.savefig(fig)
