"""Sequence classifiers: embedding + LSTM/GRU, and a Transformer encoder."""

from __future__ import annotations

from typing import Any

from .. import functional as F
from .. import nn
from ..tensor import Tensor


class RNNClassifier(nn.Module):
    """Embedding (for token ids) or raw features → LSTM/GRU → last hidden state → classes.

    Inputs: token ids ``(N, T)`` when ``vocab_size`` is given, else features ``(N, T, F)``
    with ``input_size=F`` (e.g. an image read row by row). ``lengths`` (optional, ``(N,)``)
    handles padded variable-length batches: the state at each sequence's last real step is
    used.
    """

    def __init__(
        self,
        num_classes: int,
        hidden_size: int = 64,
        vocab_size: int | None = None,
        embedding_dim: int = 32,
        input_size: int | None = None,
        cell: str = "lstm",
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        padding_idx: int | None = 0,
    ) -> None:
        super().__init__()
        if (vocab_size is None) == (input_size is None):
            raise ValueError("RNNClassifier: give exactly one of vocab_size and input_size")
        if cell not in ("lstm", "gru", "rnn"):
            raise ValueError(f"RNNClassifier: cell must be 'lstm', 'gru' or 'rnn', got {cell!r}")
        self.embedding = (
            nn.Embedding(vocab_size, embedding_dim, padding_idx=padding_idx)
            if vocab_size is not None
            else None
        )
        rnn_cls = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[cell]
        self.rnn = rnn_cls(
            embedding_dim if vocab_size is not None else input_size,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            bidirectional=bidirectional,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.fc = nn.Linear(hidden_size * (2 if bidirectional else 1), num_classes)
        self.bidirectional = bidirectional

    def forward(self, x: Tensor, lengths: Any = None) -> Tensor:
        if self.embedding is not None:
            x = self.embedding(x)
        if lengths is None:
            _, state = self.rnn(x)
        else:
            _, state = self.rnn(x, lengths=lengths)
        h = state[0] if isinstance(state, tuple) else state  # (layers·dirs, N, H)
        if self.bidirectional:
            last = F.concat([h[-2], h[-1]], axis=1)
        else:
            last = h[-1]
        return self.fc(last)


class TransformerClassifier(nn.Module):
    """Token ids ``(N, T)`` (or features ``(N, T, F)`` with ``input_size``) → embedding +
    sinusoidal positions → Transformer encoder → mean over (unpadded) positions → classes."""

    def __init__(
        self,
        num_classes: int,
        vocab_size: int | None = None,
        input_size: int | None = None,
        d_model: int = 64,
        nhead: int = 4,
        num_layers: int = 2,
        dim_feedforward: int = 128,
        dropout: float = 0.1,
        max_len: int = 512,
        padding_idx: int | None = 0,
    ) -> None:
        super().__init__()
        if (vocab_size is None) == (input_size is None):
            raise ValueError("TransformerClassifier: give exactly one of vocab_size and input_size")
        self.padding_idx = padding_idx if vocab_size is not None else None
        if vocab_size is not None:
            self.embed = nn.Embedding(vocab_size, d_model, padding_idx=padding_idx)
        else:
            self.embed = nn.Linear(input_size, d_model)
        self.pos = nn.SinusoidalPositionalEncoding(d_model, max_len, batch_first=True)
        layer = nn.TransformerEncoderLayer(
            d_model, nhead, dim_feedforward, dropout=dropout, batch_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, num_layers)
        self.fc = nn.Linear(d_model, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        mask = None
        if self.padding_idx is not None:
            mask = x._data == self.padding_idx  # True: padding, ignored by attention
        h = self.encoder(self.pos(self.embed(x)), src_key_padding_mask=mask)
        if mask is None:
            pooled = h.mean(axis=1)
        else:
            keep = Tensor._from_op((~mask).astype(h.dtype)[:, :, None], None, 0)
            count = keep.sum(axis=1).clip(1.0, None)
            pooled = (h * keep).sum(axis=1) / count
        return self.fc(pooled)
