"""``MLP``: the multi-layer perceptron of the guides."""

from __future__ import annotations

from collections.abc import Sequence

from .. import nn
from .._choices import did_you_mean
from ..tensor import Tensor

_ACTIVATIONS = {
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "gelu": nn.GELU,
    "elu": nn.ELU,
    "leaky_relu": nn.LeakyReLU,
}


def make_activation(name: str) -> nn.Module:
    """An activation module by name (``"relu"``, ``"sigmoid"``, ``"tanh"``, ``"gelu"``,
    ``"elu"``, ``"leaky_relu"``)."""
    try:
        return _ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(
            f"unknown activation {name!r}{did_you_mean(name, _ACTIVATIONS) or '.'} Expected one "
            f"of {sorted(_ACTIVATIONS)}"
        ) from None


class MLP(nn.Module):
    """Fully connected network ``in → hidden[0] → … → out`` with an activation between layers
    (none after the last: it outputs logits or regression values).

    Parameters
    ----------
    in_features : int or None
        Input size (None: inferred at the first call). Inputs with more axes (images) are
        flattened from axis 1.
    hidden : sequence of int
        Widths of the hidden layers.
    out_features : int
        Output size (classes for classification, 1 for scalar regression).
    activation : str
        Name of the hidden activation.
    dropout : float
        Dropout probability after each hidden activation (0: none).
    batch_norm : bool
        Batch normalization before each hidden activation.
    weight_init : str or None
        Initializer name for the weights (e.g. ``"kaiming_normal"`` with ReLU,
        ``"xavier_normal"`` with sigmoid/tanh, ``"normal"`` for the guides' N(0, 0.01²)).
    """

    def __init__(
        self,
        in_features: int | None,
        hidden: Sequence[int],
        out_features: int,
        activation: str = "relu",
        dropout: float = 0.0,
        batch_norm: bool = False,
        weight_init: str | None = None,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Flatten()]
        width = in_features
        for h in hidden:
            layers.append(nn.Linear(width, h, weight_init=weight_init))
            if batch_norm:
                layers.append(nn.BatchNorm1d(h))
            layers.append(make_activation(activation))
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = h
        layers.append(nn.Linear(width, out_features, weight_init=weight_init))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.layers(x)
