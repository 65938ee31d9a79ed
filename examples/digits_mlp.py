"""Train a small MLP on scikit-learn's bundled digits with a hand-written loop.

Run: ``python examples/digits_mlp.py``. This is the PyTorch way of writing a training loop,
with deepgrad: ``opt.zero_grad(); loss = loss_fn(model(xb), yb); loss.backward(); opt.step()``.
"""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import deepgrad as dg
from deepgrad import nn


def main(epochs: int = 30, batch_size: int = 32, lr: float = 0.1, seed: int = 0) -> float:
    dg.manual_seed(seed)
    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype(np.float32)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.25, stratify=y, random_state=seed
    )
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    loss_fn = nn.CrossEntropyLoss()
    params = list(model.parameters())
    rng = np.random.default_rng(seed)
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(x_train))  # each epoch: every sample once, no replacement
        total = 0.0
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            for p in params:
                p.grad = None
            loss = loss_fn(model(dg.tensor(x_train[idx])), y_train[idx])
            loss.backward()
            with dg.no_grad():
                for p in params:  # plain SGD: w <- w - lr * dL/dw
                    p._data -= lr * p.grad._data
            total += loss.item() * len(idx)
        if epoch % 10 == 0 or epoch == 1:
            print(f"epoch {epoch:3d}  loss {total / len(x_train):.4f}")
    with dg.no_grad():
        pred = model(dg.tensor(x_test)).numpy().argmax(axis=1)
    acc = float((pred == y_test).mean())
    print(f"test accuracy {acc:.4f}")
    return acc


if __name__ == "__main__":
    main()
