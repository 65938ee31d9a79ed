"""summary(), the progress display, and the computational graph as DOT."""

from __future__ import annotations

import re

import numpy as np

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
    assert rows["5"].params == 128 * 10 + 10  # the lazy layer was built by the summary's pass
    assert info.total == 80 + 16 + 1290 and info.trainable == 16 + 1290
    assert info.buffers == 16 + 1  # running mean/var and the batch counter
    assert "Frozen params: 80" in text and "(None, 8, 4, 4)" in text
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


def test_progress_bar_in_a_terminal(capsys, monkeypatch):
    monkeypatch.setattr(progress, "is_terminal", lambda stream: True)
    monkeypatch.setattr(progress, "REFRESH_S", 0.0)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 3)), rng.integers(0, 2, 40)
    model = nn.Sequential(nn.Linear(3, 2)).compile("adam", "cross_entropy", ["accuracy"])
    model.fit(x, y, epochs=2, batch_size=16, validation_data=(x, y))
    out = capsys.readouterr().out
    assert "Epoch 1/2: " in out and "Epoch 2/2: " in out
    assert "3/3 [" in out and "step/s" in out
    assert "loss=" in out and "val_accuracy=" in out


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
    assert ops == sorted(["Linear", "ReLU", "Linear", "SoftmaxCrossEntropy"])
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
