"""The benchmark workloads, each built for deepgrad and for PyTorch from one description.

A builder returns ``(step, batch_size)``: ``step()`` runs one training step (forward, loss,
backward, optimizer update) or, for inference workloads, one batched prediction. Inputs are
random but fixed (a pool of batches drawn once), so every framework sees the same shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Step = Callable[[], None]

WORKLOADS: dict[str, str] = {
    "mlp": "MLP 784-256-256-10, batch 128, Adam",
    "tiny_mlp": "tiny MLP 64-32-10, batch 32, Adam (per-op overhead)",
    "cnn": "CNN conv16-pool-conv32-pool-dense on 28×28, batch 64, Adam",
    "cnn_predict": "CNN inference (predict), batch 256",
    "lstm": "LSTM 28 steps × 28, hidden 128, last state → dense 10, batch 64, Adam",
    "transformer": "Transformer encoder 2 layers, d64, 4 heads, ff 256, seq 32, batch 32, Adam",
}

BATCH = {"mlp": 128, "tiny_mlp": 32, "cnn": 64, "cnn_predict": 256, "lstm": 64, "transformer": 32}


def _pool(name: str, n_batches: int = 8) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(0)
    b = BATCH[name]
    shape = {
        "mlp": (784,),
        "tiny_mlp": (64,),
        "cnn": (1, 28, 28),
        "cnn_predict": (1, 28, 28),
        "lstm": (28, 28),
        "transformer": (32, 64),
    }[name]
    return [
        (
            rng.standard_normal((b, *shape)).astype(np.float32),
            rng.integers(0, 10, b).astype(np.int64),
        )
        for _ in range(n_batches)
    ]


# ---- deepgrad ---------------------------------------------------------------------------------
def deepgrad_model(name: str) -> Any:
    from deepgrad import nn

    if name == "mlp":
        return nn.Sequential(
            nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)
        )
    if name == "tiny_mlp":
        return nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    if name in ("cnn", "cnn_predict"):
        return nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * 7 * 7, 10),
        )  # fmt: skip
    if name == "lstm":

        class LSTMClassifier(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.lstm = nn.LSTM(28, 128, batch_first=True)
                self.fc = nn.Linear(128, 10)

            def forward(self, x: Any) -> Any:
                _, (h, _) = self.lstm(x)
                return self.fc(h[-1])

        return LSTMClassifier()
    if name == "transformer":

        class Encoder(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                layer = nn.TransformerEncoderLayer(64, 4, 256, dropout=0.0, batch_first=True)
                self.encoder = nn.TransformerEncoder(layer, 2)
                self.fc = nn.Linear(64, 10)

            def forward(self, x: Any) -> Any:
                return self.fc(self.encoder(x).mean(axis=1))

        return Encoder()
    raise KeyError(name)


def deepgrad_step(model: Any, pool: list, predict: bool, to_input: Callable = lambda x: x) -> Step:
    """One step of deepgrad's ``model`` on the next ``(x, y)`` of ``pool`` (cycled): a batched
    prediction, or a training step (cross-entropy, Adam with lr 1e-3). ``to_input(x)`` runs in
    the step; the suites give both frameworks pools of tensors made before the clock starts
    (``from_numpy``: no copy), so neither step times a conversion."""
    import deepgrad as dg
    from deepgrad import nn, optim

    it = [0]
    if predict:
        model.eval()

        def infer() -> None:
            x, _ = pool[it[0] % len(pool)]
            it[0] += 1
            with dg.no_grad():
                model(to_input(x))

        return infer
    model(to_input(pool[0][0]))  # build lazy layers
    opt = optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def step() -> None:
        x, y = pool[it[0] % len(pool)]
        it[0] += 1
        opt.zero_grad()
        loss = loss_fn(model(to_input(x)), y)
        loss.backward()
        opt.step()

    return step


def build_deepgrad(name: str) -> tuple[Step, int]:
    import deepgrad as dg

    dg.manual_seed(0)
    # tensors made before timing, as build_torch's pool (torch.from_numpy): the same work
    pool = [(dg.from_numpy(x), dg.from_numpy(y)) for x, y in _pool(name)]
    return deepgrad_step(deepgrad_model(name), pool, name == "cnn_predict"), BATCH[name]


# ---- PyTorch ----------------------------------------------------------------------------------
def torch_model(name: str) -> Any:
    import torch
    from torch import nn

    if name == "mlp":
        return nn.Sequential(
            nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)
        )
    if name == "tiny_mlp":
        return nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    if name in ("cnn", "cnn_predict"):
        return nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * 7 * 7, 10),
        )  # fmt: skip
    if name == "lstm":

        class LSTMClassifier(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.lstm = nn.LSTM(28, 128, batch_first=True)
                self.fc = nn.Linear(128, 10)

            def forward(self, x: Any) -> Any:
                _, (h, _) = self.lstm(x)
                return self.fc(h[-1])

        return LSTMClassifier()
    if name == "transformer":

        class Encoder(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                layer = nn.TransformerEncoderLayer(64, 4, 256, dropout=0.0, batch_first=True)
                self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
                self.fc = nn.Linear(64, 10)

            def forward(self, x: Any) -> Any:
                return self.fc(self.encoder(x).mean(dim=1))

        return Encoder()
    del torch
    raise KeyError(name)


def torch_step(model: Any, pool: list, predict: bool) -> Step:
    """:func:`deepgrad_step` for a PyTorch ``model`` and a pool of tensors."""
    import torch

    it = [0]
    if predict:
        model.eval()

        def infer() -> None:
            x, _ = pool[it[0] % len(pool)]
            it[0] += 1
            with torch.no_grad():
                model(x)

        return infer
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step() -> None:
        x, y = pool[it[0] % len(pool)]
        it[0] += 1
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    return step


def build_torch(name: str) -> tuple[Step, int]:
    import torch

    torch.manual_seed(0)
    pool = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in _pool(name)]
    return torch_step(torch_model(name), pool, name == "cnn_predict"), BATCH[name]


BUILDERS = {"deepgrad": build_deepgrad, "pytorch": build_torch}


def mlp_flops_per_step(batch: int = 128) -> float:
    """FLOPs of one MLP training step's GEMMs, 2 flops per multiply-add: forward, dX and dW
    of each layer, except the first layer's dX (the input needs no gradient: neither
    framework computes it). Until 2026-12-06 the suite counted that product too, 1.33x the
    work done, which overstated every GEMM share it reported by that factor."""
    macs = 784 * 256 + 256 * 256 + 256 * 10
    return 2 * (3 * macs - 784 * 256) * batch
