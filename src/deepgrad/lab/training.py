"""The lab's data sets and its small, explicit training loop.

The loop is the one a learner writes (``zero_grad → loss → backward → step`` over shuffled
mini-batches drawn without replacement), recording the loss of every step, so that curves can
be drawn per iteration as the guides do; evaluation runs in eval mode without a graph.

Data for the MNIST-scale experiments: ``digits`` (scikit-learn's 1,797 8×8 digits, bundled,
the quick default) or ``fashion-mnist`` (60,000 + 10,000 28×28 images; found on disk by
:func:`deepgrad.data.load_fashion_mnist`, e.g. from Debian's ``dataset-fashion-mnist``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import backend, nn
from ..autograd import no_grad
from ..functional import cross_entropy
from ..tensor import Tensor


@dataclass
class ImageData:
    """A classification set split into train and test (images flattened or not)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    name: str
    image_shape: tuple[int, int, int]
    n_classes: int = 10

    @property
    def n_features(self) -> int:
        return int(np.prod(self.image_shape))


def load_images(
    dataset: str = "digits",
    *,
    n_train: int | None = None,
    n_test: int | None = None,
    flat: bool = True,
    seed: int = 0,
) -> ImageData:
    """Digits (bundled) or Fashion-MNIST (from disk), as train and test arrays.

    ``digits`` is split 70/30 (stratified, seeded); Fashion-MNIST keeps its published split.
    ``n_train``/``n_test`` keep a random (seeded) subset. Pixels are float32 in [0, 1];
    ``flat`` gives rows ``(N, H·W)`` instead of images ``(N, 1, H, W)``.
    """
    from ..data import load_digits, load_fashion_mnist, train_test_split

    rng = np.random.default_rng(seed)
    if dataset == "digits":
        x, y = load_digits()
        x_train, x_test, y_train, y_test = train_test_split(
            x, y, test_size=0.3, stratify=y, seed=seed
        )
        shape = (1, 8, 8)
    elif dataset == "fashion-mnist":
        (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
        shape = (1, 28, 28)
    else:
        raise ValueError(f"unknown dataset {dataset!r}; expected 'digits' or 'fashion-mnist'")
    if n_train is not None and n_train < len(x_train):
        idx = rng.permutation(len(x_train))[:n_train]
        x_train, y_train = x_train[idx], y_train[idx]
    if n_test is not None and n_test < len(x_test):
        idx = rng.permutation(len(x_test))[:n_test]
        x_test, y_test = x_test[idx], y_test[idx]
    if flat:
        x_train = x_train.reshape(len(x_train), -1)
        x_test = x_test.reshape(len(x_test), -1)
    return ImageData(
        np.ascontiguousarray(x_train, dtype=np.float32),
        np.asarray(y_train, dtype=np.int64),
        np.ascontiguousarray(x_test, dtype=np.float32),
        np.asarray(y_test, dtype=np.int64),
        dataset,
        shape,
    )


def mlp(
    in_features: int,
    hidden: Sequence[int],
    out_features: int,
    *,
    activation: str = "relu",
    weight_init: Any = None,
    dropout: float = 0.0,
    batch_norm: bool = False,
) -> nn.Module:
    """``Linear → [BatchNorm1d] → activation → [Dropout]`` per hidden layer, then a linear
    output: :class:`deepgrad.models.MLP`."""
    from ..models import MLP

    return MLP(
        in_features,
        list(hidden),
        out_features,
        activation=activation,
        dropout=dropout,
        batch_norm=batch_norm,
        weight_init=weight_init,
    )


def normal_init(std: float) -> Callable[[Tensor], Tensor]:
    """An initializer ``w ~ N(0, std²)`` (the guides' "Gaussian with standard deviation σ")."""

    def init(w: Tensor) -> Tensor:
        return nn.init.normal_(w, 0.0, std)

    init.__name__ = f"normal_std_{std:g}"
    return init


#: The lab's initializers by label: the guides' three and std 1.
INITS: dict[str, Any] = {
    "std 1": normal_init(1.0),
    "std 0.01": normal_init(0.01),
    "Xavier": "xavier_normal",
    "He": "kaiming_normal",
}


def _as_tensor(a: np.ndarray) -> Tensor:
    return Tensor._from_op(backend.xp.asarray(a), None, 0)


@np.errstate(over="ignore", invalid="ignore", divide="ignore")  # a diverged model: NaN
@no_grad()
def evaluate(
    model: nn.Module,
    x: np.ndarray,
    y: np.ndarray,
    *,
    loss_fn: Callable[[Tensor, Any], Tensor] = cross_entropy,
    batch_size: int = 1024,
    accuracy: bool = True,
) -> dict[str, float]:
    """Mean loss (and accuracy for class labels) of ``model`` on ``(x, y)``, in eval mode."""
    was_training = getattr(model, "training", True)
    model.eval()
    total, correct, n = 0.0, 0, len(x)
    try:
        for i in range(0, n, batch_size):
            out = model(_as_tensor(x[i : i + batch_size]))
            yb = y[i : i + batch_size]
            total += float(loss_fn(out, yb).item()) * len(yb)
            if accuracy:
                pred = backend.to_numpy(out._data).argmax(axis=1)
                correct += int((pred == yb).sum())
    finally:
        model.train(was_training)
    res = {"loss": total / n}
    if accuracy:
        res["accuracy"] = correct / n
    return res


@no_grad()
def predict(model: nn.Module, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """The model's outputs on ``x`` as a NumPy array, in eval mode, batched."""
    was_training = getattr(model, "training", True)
    model.eval()
    try:
        outs = [
            backend.to_numpy(model(_as_tensor(x[i : i + batch_size]))._data)
            for i in range(0, len(x), batch_size)
        ]
    finally:
        model.train(was_training)
    return np.concatenate(outs)


@dataclass
class TrainLog:
    """What :func:`train` records: the loss of every step, and per-epoch evaluations."""

    step_loss: list[float] = field(default_factory=list)
    epochs: list[dict[str, float]] = field(default_factory=list)
    #: True if the loss became NaN/inf (training stopped there; the lab shows divergence)
    diverged: bool = False

    def series(self, key: str) -> list[float]:
        """One per-epoch value (``"train_loss"``, ``"val_accuracy"``...) as a list."""
        return [e[key] for e in self.epochs]


def train(
    model: nn.Module,
    x: np.ndarray,
    y: np.ndarray,
    optimizer: Any,
    *,
    epochs: int | None = None,
    steps: int | None = None,
    batch_size: int = 64,
    loss_fn: Callable[[Tensor, Any], Tensor] = cross_entropy,
    eval_sets: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
    accuracy: bool = True,
    augment: Callable[[np.ndarray], np.ndarray] | None = None,
    rng: np.random.Generator | None = None,
    on_epoch_end: Callable[[int, dict[str, float]], bool] | None = None,
) -> TrainLog:
    """Mini-batch training: each epoch visits every sample once in a fresh random order.

    Runs ``epochs`` epochs, or exactly ``steps`` updates (then an "epoch" is one pass over the
    data, the last one possibly cut short). After each epoch the model is evaluated on every
    ``eval_sets`` entry (``{"train": (x, y), "val": (x, y)}`` → ``train_loss``,
    ``train_accuracy``, ``val_loss``…). ``augment`` transforms each input batch (NumPy).
    ``on_epoch_end(epoch, logs)`` may return True to stop. A loss that becomes NaN or
    infinite stops training quietly and sets ``log.diverged`` (some experiments show exactly
    that: a too-large initial scale or learning rate).
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _train(
            model,
            x,
            y,
            optimizer,
            epochs,
            steps,
            batch_size,
            loss_fn,
            eval_sets,
            accuracy,
            augment,
            rng,
            on_epoch_end,
        )


def _train(
    model,
    x,
    y,
    optimizer,
    epochs,
    steps,
    batch_size,
    loss_fn,
    eval_sets,
    accuracy,
    augment,
    rng,
    on_epoch_end,
) -> TrainLog:
    if (epochs is None) == (steps is None):
        raise ValueError("train: give exactly one of epochs and steps")
    rng = rng if rng is not None else np.random.default_rng(0)
    optimizer.bind(p for p in model.parameters() if p.requires_grad)
    log = TrainLog()
    n = len(x)
    done, epoch = 0, 0
    model.train()
    while (epochs is not None and epoch < epochs) or (steps is not None and done < steps):
        order = rng.permutation(n)
        for i in range(0, n, batch_size):
            if steps is not None and done >= steps:
                break
            idx = order[i : i + batch_size]
            xb = x[idx] if augment is None else augment(x[idx])
            loss = loss_fn(model(_as_tensor(xb)), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            value = float(loss.item())
            log.step_loss.append(value)
            done += 1
            if not np.isfinite(value):
                log.diverged = True
                break
        logs: dict[str, float] = {"epoch": epoch + 1, "steps": done}
        for name, (xe, ye) in (eval_sets or {}).items():
            for k, v in evaluate(model, xe, ye, loss_fn=loss_fn, accuracy=accuracy).items():
                logs[f"{name}_{k}"] = v
        log.epochs.append(logs)
        epoch += 1
        if log.diverged or (on_epoch_end is not None and on_epoch_end(epoch - 1, logs)):
            break
    return log


class Classifier:
    """A fit/evaluate wrapper around a model factory and an optimizer factory, for
    :func:`deepgrad.data.cross_validate` and hyperparameter searches."""

    def __init__(
        self,
        build: Callable[[], nn.Module],
        make_optimizer: Callable[[], Any],
        *,
        epochs: int = 10,
        batch_size: int = 64,
        seed: int = 0,
    ) -> None:
        self.build, self.make_optimizer = build, make_optimizer
        self.epochs, self.batch_size, self.seed = epochs, batch_size, seed
        self.model: nn.Module | None = None

    def fit(self, x: np.ndarray, y: np.ndarray, **_: Any) -> Classifier:
        self.model = self.build()
        train(
            self.model,
            x,
            y,
            self.make_optimizer(),
            epochs=self.epochs,
            batch_size=self.batch_size,
            rng=np.random.default_rng(self.seed),
        )
        return self

    def evaluate(self, x: np.ndarray, y: np.ndarray, **_: Any) -> dict[str, float]:
        if self.model is None:
            raise RuntimeError("Classifier.evaluate called before fit")
        return evaluate(self.model, x, y)
