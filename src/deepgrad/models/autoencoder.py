"""Autoencoders: dense, convolutional, and an LSTM sequence-to-sequence autoencoder."""

from __future__ import annotations

from collections.abc import Sequence

from .. import functional as F
from .. import nn
from ..tensor import Tensor
from .mlp import make_activation


class DenseAutoencoder(nn.Module):
    """``x (N, D)`` → encoder MLP → code ``(N, code_size)`` → decoder MLP → ``(N, D)``.
    ``output="sigmoid"`` for data in [0, 1] (train with BCE or MSE), ``"linear"`` otherwise."""

    def __init__(
        self,
        in_features: int,
        hidden: Sequence[int] = (128,),
        code_size: int = 16,
        activation: str = "relu",
        output: str = "sigmoid",
    ) -> None:
        super().__init__()
        enc: list[nn.Module] = [nn.Flatten()]
        w = in_features
        for h in hidden:
            enc += [nn.Linear(w, h), make_activation(activation)]
            w = h
        enc.append(nn.Linear(w, code_size))
        dec: list[nn.Module] = []
        w = code_size
        for h in reversed(hidden):
            dec += [nn.Linear(w, h), make_activation(activation)]
            w = h
        dec.append(nn.Linear(w, in_features))
        if output == "sigmoid":
            dec.append(nn.Sigmoid())
        elif output != "linear":
            raise ValueError(
                f"DenseAutoencoder: output must be 'sigmoid' or 'linear', got {output!r}"
            )
        self.encoder = nn.Sequential(*enc)
        self.decoder = nn.Sequential(*dec)

    def encode(self, x: Tensor) -> Tensor:
        return self.encoder(x)

    def forward(self, x: Tensor) -> Tensor:
        return self.decoder(self.encoder(x))


class ConvAutoencoder(nn.Module):
    """Images ``(N, C, H, W)`` (H, W divisible by 4) → two strided convolutions → code →
    two transposed convolutions → sigmoid image of the same shape. ``encode`` returns the
    flattened code, e.g. for clustering."""

    def __init__(self, in_channels: int = 1, width: int = 16, code_channels: int = 8) -> None:
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(in_channels, width, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(width, code_channels, 3, stride=2, padding=1),
            nn.ReLU(),
        )
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(code_channels, width, 3, stride=2, padding=1, output_padding=1),
            nn.ReLU(),
            nn.ConvTranspose2d(width, in_channels, 3, stride=2, padding=1, output_padding=1),
            nn.Sigmoid(),
        )

    def encode(self, x: Tensor) -> Tensor:
        return F.flatten(self.encoder(x), 1)

    def forward(self, x: Tensor) -> Tensor:
        return self.decoder(self.encoder(x))


class LSTMAutoencoder(nn.Module):
    """Sequence-to-sequence autoencoder: an LSTM encodes ``x (N, T, F)`` into its final state;
    the code is repeated over ``T`` steps and a decoder LSTM + linear layer reconstruct
    ``(N, T, F)``."""

    def __init__(self, n_features: int, hidden_size: int = 32, num_layers: int = 1) -> None:
        super().__init__()
        self.encoder = nn.LSTM(n_features, hidden_size, num_layers, batch_first=True)
        self.decoder = nn.LSTM(hidden_size, hidden_size, num_layers, batch_first=True)
        self.out = nn.Linear(hidden_size, n_features)

    def encode(self, x: Tensor) -> Tensor:
        _, (h, _) = self.encoder(x)
        return h[-1]

    def forward(self, x: Tensor) -> Tensor:
        code = self.encode(x)  # (N, H)
        n, t = x.shape[0], x.shape[1]
        repeated = F.broadcast_to(F.unsqueeze(code, 1), (n, t, code.shape[-1]))
        y, _ = self.decoder(repeated)
        return self.out(y)
