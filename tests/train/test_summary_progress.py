"""summary(), the progress display, and the computational graph as DOT."""

from __future__ import annotations

import io
import os
import re
import sys

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn
from deepgrad.train import progress
from deepgrad.train.summary import summarize
from deepgrad.viz.graph import to_dot, write_dot


def test_summary_sequential_shapes_and_counts():
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(None, 10),
    )
    model[0].requires_grad_(False)  # frozen
    text = model.summary((1, 8, 8), print_fn=None)
    info = summarize(model, (1, 8, 8))
    shapes = {r.name: r.output_shape for r in info.rows}
    assert shapes["0"] == ("None", 8, 8, 8)
    assert shapes["3"] == ("None", 8, 4, 4)
    assert shapes["5"] == ("None", 10)
    rows = {r.name: r for r in info.rows}
    assert rows["0"].params == 8 * 9 + 8 and rows["0"].trainable == 0 and rows["0"].frozen == 80
    assert rows["1"].params == 16 + 16 and rows["1"].trainable == 16  # + running mean/var
    assert rows["5"].params == 128 * 10 + 10  # the lazy layer was built by the summary's pass
    assert info.total == 80 + 32 + 1290 and info.trainable == 16 + 1290
    assert info.non_trainable == 80 + 16 and info.frozen == 80 and info.statistics == 16
    assert info.uncounted == 1  # the batch counter
    assert "Non-trainable params: 96" in text and "(None, 8, 4, 4)" in text
    assert "80 frozen parameters, 16 running-statistic values" in text
    assert "5 (Linear)" in text
    assert model.training  # the mode is restored


def test_summary_subclassed_model_with_shared_layer(capsys):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(nn.Linear(6, 4), nn.Tanh())
            self.shared = nn.Linear(4, 4)
            self.head = nn.Linear(4, 2)

        def forward(self, x):
            h = self.encoder(x)
            h = self.shared(self.shared(h))
            return self.head(h)

    model = Net()
    model.summary((6,))
    out = capsys.readouterr().out
    assert 'Model: "Net"' in out
    names = re.findall(r"^(\S+) \((\w+)\)", out, flags=re.M)[1:]  # after the header
    assert names == [
        ("encoder.0", "Linear"),
        ("encoder.1", "Tanh"),
        ("shared", "Linear"),
        ("head", "Linear"),
    ]
    assert "×2" in out  # the shared layer was called twice
    assert "Total params: 58" in out


def test_summary_without_input_shape():
    model = nn.Sequential(nn.Linear(3, 2))
    text = model.summary(print_fn=None)
    assert "?" in text and "Total params: 8" in text


def test_plain_line_per_epoch_when_not_a_terminal(capsys):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 3)), rng.integers(0, 2, 40)
    model = nn.Sequential(nn.Linear(3, 2)).compile("adam", "cross_entropy", ["accuracy"])
    model.fit(x, y, epochs=2, batch_size=16, validation_data=(x, y))
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert re.match(
        r"Epoch 1/2 - 3/3 steps - [\d.]+s \([\d.]+ms/step\) - loss: [\d.]+ - accuracy: [\d.]+ - "
        r"val_loss: [\d.]+ - val_accuracy: [\d.]+ - lr: 0.001$",
        lines[0],
    )
    model.fit(x, y, epochs=2, verbose=0)
    assert capsys.readouterr().out == ""


class _Terminal(io.StringIO):
    """A stream that says it is a terminal, as a console does."""

    def isatty(self) -> bool:
        return True


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _screen(raw: str) -> list[str]:
    """What a terminal shows: each carriage return redraws the line in place."""
    return [ANSI.sub("", ln.split("\r")[-1]).rstrip() for ln in raw.split("\n") if ln]


def test_progress_bar_in_a_terminal_has_keras_layout(monkeypatch):
    monkeypatch.setattr(progress, "REFRESH_S", 0.0)
    monkeypatch.setattr(sys, "stdout", term := _Terminal())
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 3)), rng.integers(0, 2, 40)
    model = nn.Sequential(nn.Linear(3, 2)).compile("adam", "cross_entropy", ["accuracy"])
    model.fit(x, y, epochs=2, batch_size=16, validation_data=(x, y))
    raw = term.getvalue()
    assert "\x1b[32m━" in raw  # the done part is green, as Keras's
    screen = _screen(raw)
    assert screen[0] == "Epoch 1/2" and screen[2] == "Epoch 2/2" and len(screen) == 4
    final = (
        r"3/3 ━{20} \d+s \d+(us|ms|s)/step - loss: \d\.\d{4} - accuracy: \d\.\d{4} - "
        r"val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4} - lr: 0\.001"
    )
    assert re.fullmatch(final, screen[1]), screen[1]
    assert re.fullmatch(final, screen[3]), screen[3]
    # while the epoch runs: the steps so far, a part-filled bar, the time left
    states = [ANSI.sub("", part) for part in raw.split("\n")[1].split("\r") if part]
    assert re.match(r"1/3 ━{6}━{14} \d+s \d+(us|ms|s)/step - loss: ", states[1]), states
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr(sys, "stdout", term := _Terminal())
    model.fit(x, y, epochs=1, batch_size=16)
    assert "\x1b" not in term.getvalue()
    assert _screen(term.getvalue())[1].startswith("3/3 ━━━━━━━━━━━━━━━━━━━━ ")


def test_keras_time_formats():
    assert progress.format_time_per_step(0.016) == "16ms/step"
    assert progress.format_time_per_step(2.4) == "2s/step"
    assert progress.format_time_per_step(0.00042) == "420us/step"
    assert progress.format_duration(5.2) == "5s"
    assert progress.format_duration(125) == "2:05"
    assert progress.format_duration(3725) == "1:02:05"
    assert progress.bar_line(19, 38, 1.0, 0.016, {"loss": 0.0709}, color=False) == (
        "19/38 ━━━━━━━━━━────────── 1s 16ms/step - loss: 0.0709"
    )


def test_to_dot_structure(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    x = dg.randn(5, 3)
    loss = nn.CrossEntropyLoss()(model(x), [0, 1, 0, 1, 1])
    text = to_dot(loss, params=dict(model.named_parameters()))
    assert text.startswith("digraph deepgrad {") and text.rstrip().endswith("}")
    nodes = dict(re.findall(r"^\s+(\w+) \[shape=\w+.*?label=\"([^\"]*)\"\];$", text, flags=re.M))
    edges = re.findall(r"^\s+(\w+) -> (\w+) \[label=\"([^\"]*)\"\];$", text, flags=re.M)
    body = [
        ln
        for ln in text.splitlines()[1:-1]
        if not ln.strip().startswith(("rankdir", "node", "edge"))
    ]
    assert len(body) == len(nodes) + len(edges)  # every line is a node or an edge
    for a, b, _ in edges:
        assert a in nodes and b in nodes
    ops = sorted(v for v in nodes.values() if "\\n" not in v)
    # Sequential records Linear → ReLU as one node (functional.linalg.LinearReLU)
    assert ops == sorted(["LinearReLU", "Linear", "SoftmaxCrossEntropy"])
    labels = " ".join(nodes.values())
    for name in ("0.weight", "0.bias", "2.weight", "2.bias", "input", "output"):
        assert name in labels
    assert ("(5, 3)" in [e[2] for e in edges]) and ("(4, 3)" in [e[2] for e in edges])
    # acyclic: a topological order exists
    remaining = {n for n in nodes}
    es = {(a, b) for a, b, _ in edges}
    while remaining:
        sources = {n for n in remaining if not any(b == n and a in remaining for a, b in es)}
        assert sources, "cycle"
        remaining -= sources
    write_dot(loss, tmp_path / "g.dot")
    assert (tmp_path / "g.dot").read_text().startswith("digraph")
    loss.backward()
    assert "freed by backward" in to_dot(loss)


class _Recurrent(nn.Module):
    """Tuples inside tuples, sequence-first and batch-first layers, a bidirectional stack."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(6, 5, num_layers=2, batch_first=True, bidirectional=True)
        self.gru = nn.GRU(10, 4)  # sequence-first: (T, N, F)
        self.attn = nn.MultiheadAttention(4, 2, batch_first=False)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        out, (h, c) = self.lstm(x)
        seq, _ = self.gru(out.transpose(0, 1))
        a, _ = self.attn(seq, seq, seq)
        return self.fc(a[-1])


def _fill(shape, n):
    if isinstance(shape, tuple):
        return tuple(n if d == "None" else d for d in shape)
    if isinstance(shape, list):
        return [_fill(s, n) for s in shape]
    return shape


def test_summary_shapes_are_the_shapes_layers_really_return():
    """Every row of the summary, its None replaced by a batch size, is the shape that layer
    returns in a real forward pass with that batch (tuples of states included)."""
    from deepgrad import models
    from deepgrad.train.hooks import forward_hooks
    from deepgrad.train.summary import _shape_of

    cases = [
        (nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)), (4,)),
        (models.LeNet5(), (1, 28, 28)),
        (models.RNNClassifier(num_classes=3, input_size=6, hidden_size=5, cell="lstm"), (7, 6)),
        (models.RNNClassifier(num_classes=3, input_size=6, hidden_size=5, cell="gru"), (7, 6)),
        (_Recurrent(), (7, 6)),
    ]
    for model, shape in cases:
        rows = {r.name: r.output_shape for r in summarize(model, input_shape=shape).rows}
        seen = {}

        def grab(name, m, inputs, out, seen=seen):
            seen.setdefault(name, _shape_of(out))

        model.eval()
        with forward_hooks(model, grab):
            model(dg.zeros((3, *shape)))
        for name, shown in rows.items():
            if shown == "-":  # not called (MultiheadAttention uses out_proj's weights itself)
                assert name not in seen
                continue
            assert _fill(shown, 3) == seen[name], (type(model).__name__, name, shown)
    rows = {r.name: r.output_shape for r in summarize(_Recurrent(), input_shape=(7, 6)).rows}
    assert rows["lstm"] == [("None", 7, 10), [(4, "None", 5), (4, "None", 5)]]
    assert rows["gru"] == [(7, "None", 4), (1, "None", 4)]
    text = _Recurrent().summary(input_shape=(7, 6), print_fn=None)
    assert "[(None, 7, 10), [(4, None, 5), (4, None, 5)]]" in text


# Keras 3.15 (torch backend): keras.Sequential([Input((4,)), Dense(8), ReLU(),
#   BatchNormalization(), Dense(2)]).summary() prints Param # 40, 0, 32, 18 and
#   "Total params: 90", "Trainable params: 74", "Non-trainable params: 16" (the moving mean and
#   variance); with layers[0].trainable = False: 90, 34, 56.
KERAS_SUMMARY_TOTALS = {"trainable": (90, 74, 16), "frozen": (90, 34, 56)}
KERAS_SUMMARY_LAYER_PARAMS = [40, 0, 32, 18]


def _bn_mlp():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.BatchNorm1d(8), nn.Linear(8, 2))


def _totals_in(text):
    return tuple(
        int(re.search(rf"^{label} params: ([\d,]+)$", text, re.M).group(1).replace(",", ""))
        for label in ("Total", "Trainable", "Non-trainable")
    )


def test_summary_totals_count_running_statistics_as_keras():
    model = _bn_mlp()
    text = model.summary(input_shape=(4,), print_fn=None)
    assert _totals_in(text) == KERAS_SUMMARY_TOTALS["trainable"]
    assert [r.params for r in summarize(model, (4,)).rows] == KERAS_SUMMARY_LAYER_PARAMS
    assert "0 frozen parameters, 16 running-statistic values" in text
    # the batch counter is no Keras weight: on its own, labelled line
    assert "Other buffer values, not params (counters, non-persistent): 1" in text
    model[0].requires_grad_(False)
    text = model.summary(input_shape=(4,), print_fn=None)
    assert _totals_in(text) == KERAS_SUMMARY_TOTALS["frozen"]
    assert "40 frozen parameters, 16 running-statistic values" in text


def test_summary_totals_against_keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("this comparison needs Keras on its torch backend")
    km = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8), keras.layers.ReLU(),
                           keras.layers.BatchNormalization(), keras.layers.Dense(2)])  # fmt: skip
    lines: list[str] = []
    km.summary(print_fn=lambda s, **_: lines.append(s))
    ktext = re.sub(r"^ +| \(.*B\)$", "", "\n".join(lines), flags=re.M)
    assert _totals_in(ktext) == KERAS_SUMMARY_TOTALS["trainable"]
    assert [layer.count_params() for layer in km.layers] == KERAS_SUMMARY_LAYER_PARAMS
    km.layers[0].trainable = False
    lines.clear()
    km.summary(print_fn=lambda s, **_: lines.append(s))
    ktext = re.sub(r"^ +| \(.*B\)$", "", "\n".join(lines), flags=re.M)
    assert _totals_in(ktext) == KERAS_SUMMARY_TOTALS["frozen"]
