"""``reset_parameters()`` of the layers that have it in PyTorch 2.13 (it was missing, so the
common re-initialisation idiom ``if hasattr(m, "reset_parameters"): m.reset_parameters()``
silently did nothing): which parameters and buffers it resets, in place, and that the drawn
values lie in PyTorch's bounds."""

from __future__ import annotations

import warnings

import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

LAYERS = [
    "Linear(3, 4)", "Linear(3, 4, bias=False)", "Bilinear(2, 3, 4)", "Conv2d(2, 4, 3)",
    "Conv1d(2, 4, 3, bias=False)", "ConvTranspose2d(2, 3, 3)", "BatchNorm1d(3)",
    "BatchNorm2d(3, affine=False)", "BatchNorm1d(3, track_running_stats=False)",
    "InstanceNorm2d(3, affine=True)", "LayerNorm(4)", "LayerNorm(4, bias=False)",
    "LayerNorm(4, elementwise_affine=False)", "GroupNorm(2, 4)", "RMSNorm(4)",
    "RMSNorm(4, elementwise_affine=False)", "Embedding(10, 3, padding_idx=1)", "LSTM(3, 4, 2)",
    "GRU(3, 4, bias=False)", "RNN(3, 4)", "LSTMCell(3, 4)", "GRUCell(3, 4)", "RNNCell(3, 4)",
    "PReLU(3, 0.1)", "LazyLinear(3)", "LazyConv2d(3, 3)", "LazyBatchNorm1d()",
    "LSTM(3, 4, proj_size=2)", "EmbeddingBag(10, 3)",
]  # fmt: skip


def _state(lib, expr):
    """Which entries ``reset_parameters`` changed: each filled with 7 (floating buffers 5)
    first; lazy placeholders reported as such."""
    m = eval(f"lib.nn.{expr}")  # noqa: S307 - the expressions above

    def lazy(t):
        return type(t).__name__.startswith("Uninitialized")

    with lib.no_grad():
        for t in m.parameters():
            if not lazy(t):
                t.fill_(7.0)
        for t in m.buffers():
            if not lazy(t) and t.is_floating_point():
                t.fill_(5.0)
    kept = [id(t) for t in m.parameters()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = m.reset_parameters()

    def changed(t, filled):
        if lazy(t):
            return "lazy"
        return bool((t != filled).all()) if t.numel() else None

    return (
        out,
        [id(t) for t in m.parameters()] == kept,
        [(n, changed(t, 7.0)) for n, t in m.named_parameters()],
        [(n, changed(t, 5.0)) for n, t in m.named_buffers() if lazy(t) or t.is_floating_point()],
    )


@pytest.mark.parametrize("expr", LAYERS)
def test_reset_parameters_resets_what_torchs_does(expr):
    assert _state(dg, expr) == _state(torch, expr)


@pytest.mark.parametrize(
    ("expr", "bound"),
    [("Linear(9, 4)", 1 / 3), ("Conv2d(1, 2, 3)", 1 / 3), ("LSTM(3, 16)", 0.25),
     ("GRUCell(3, 4)", 0.5), ("Bilinear(4, 3, 2)", 0.5)],
)  # fmt: skip
def test_reset_values_lie_in_torchs_bounds(expr, bound):
    m = eval(f"dg.nn.{expr}")  # noqa: S307 - the expressions above
    with dg.no_grad():
        for p in m.parameters():
            p.fill_(9.0)
    m.reset_parameters()
    for p in m.parameters():
        a = float(p.abs().max())
        assert 0 < a <= bound + 1e-6


def test_the_padding_row_and_prelu_slopes():
    e = dg.nn.Embedding(5, 2, padding_idx=3)
    e.reset_parameters()
    assert e.weight[3].tolist() == [0.0, 0.0]
    p = dg.nn.PReLU(2, 0.1)
    with dg.no_grad():
        p.weight.fill_(3.0)
    p.reset_parameters()
    assert p.weight.tolist() == pytest.approx([0.1, 0.1])


@pytest.mark.parametrize("cls", ["Embedding", "EmbeddingBag"])
def test_fill_padding_idx_with_zero_as_torch(cls):
    """PyTorch's helper that subclasses drawing their own weights call."""
    rows = []
    for lib in (torch, dg):
        e = getattr(lib.nn, cls)(4, 2, padding_idx=2)
        with lib.no_grad():
            e.weight.fill_(3.0)
        e._fill_padding_idx_with_zero()
        rows.append(e.weight.detach().numpy().tolist())
    assert rows[0] == rows[1]
