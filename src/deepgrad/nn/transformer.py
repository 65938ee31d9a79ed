"""The Transformer's encoder and decoder stacks, with PyTorch's signatures, sub-module names and
computation order, so that a ``torch.nn.TransformerEncoder``/``TransformerDecoder`` state dict
loads one-to-one.

Encoder layer (``norm_first=False``, the original "post-norm" Transformer):

    x = norm1(x + dropout1(self_attn(x, x, x)))
    x = norm2(x + dropout2(linear2(dropout(activation(linear1(x))))))

with ``norm_first=True`` ("pre-norm"): ``x = x + dropout1(self_attn(norm1(x)))``,
``x = x + dropout2(ff(norm2(x)))``. The decoder layer adds cross-attention over ``memory``
(``multihead_attn``, ``norm2``, ``dropout2``) between the two, its feed-forward block using
``norm3``/``dropout3``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy

from .. import backend
from .. import functional as F
from .._errors import ChoiceError
from ..tensor import Tensor
from .attention import MultiheadAttention
from .container import ModuleList, _linear_relu
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .normalization import LayerNorm


def generate_square_subsequent_mask(sz: int, dtype: Any = None) -> Tensor:
    """The causal mask ``(sz, sz)`` of ``torch.nn.Transformer.generate_square_subsequent_mask``:
    ``-inf`` above the diagonal (position ``i`` cannot attend to ``j > i``), 0 elsewhere, as a
    float mask to pass as ``attn_mask``/``tgt_mask``.

    >>> generate_square_subsequent_mask(3).numpy().tolist()
    [[0.0, -inf, -inf], [0.0, 0.0, -inf], [0.0, 0.0, 0.0]]
    """
    dt = numpy.dtype(backend.get_default_dtype() if dtype is None else dtype)
    xp = backend.xp
    out = xp.zeros((sz, sz), dt)
    out[xp.triu(xp.ones((sz, sz), dtype=bool), 1)] = -numpy.inf
    return Tensor._wrap(out)


def _activation(activation: str | Callable) -> Callable:
    if callable(activation):
        return activation
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise ChoiceError(  # PyTorch's RuntimeError, in its words (and the ValueError of before)
        f"activation should be relu/gelu, not {activation} (Transformer layer: activation must "
        "be 'relu', 'gelu' or a callable)"
    )


def _relu_or_gelu(activation: Callable) -> int:
    """PyTorch's ``TransformerEncoderLayer.activation_relu_or_gelu`` of an activation."""
    from .activation import GELU, ReLU

    if activation is F.relu or isinstance(activation, ReLU):
        return 1
    if activation is F.gelu or isinstance(activation, GELU):
        return 2
    return 0


def _linear_act(linear: Module, activation: Callable, x: Tensor) -> Tensor:
    """``activation(linear(x))``; one node (``nn.Linear._forward_relu``, the same numbers)
    where the activation is ReLU (the default ``"relu"``, ``nn.functional.relu`` or a
    ``ReLU`` module) after a ``Linear``, neither with hooks."""
    from . import functional as nnF

    y = None
    if activation is F.relu or activation is nnF.relu:
        y = _linear_relu(linear, None, x)
    elif isinstance(activation, Module):
        y = _linear_relu(linear, activation, x)
    return activation(linear(x)) if y is None else y


def _check_input(x: Tensor, d_model: int, layer: str, name: str) -> None:
    if x.ndim not in (2, 3) or x.shape[-1] != d_model:
        raise ValueError(
            f"{layer}(d_model={d_model}): expected {name} of shape (S, N, {d_model}), "
            f"(N, S, {d_model}) with batch_first or (S, {d_model}), got {x.shape}"
        )


class TransformerEncoderLayer(Module):
    """Self-attention followed by a position-wise feed-forward network, each wrapped in a
    residual connection, dropout and layer normalization (see the module docstring).

    Shapes: ``src (S, N, d_model)`` (``(N, S, d_model)`` with ``batch_first``) → the same.
    ``forward(src, src_mask=None, src_key_padding_mask=None, is_causal=False)``; masks as in
    :class:`MultiheadAttention` (boolean True = masked out, or float added).
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.d_model = d_model
        self.batch_first = batch_first
        self.activation = _activation(activation)
        # PyTorch's flag (1 relu, 2 gelu, 0 another activation)
        self.activation_relu_or_gelu = _relu_or_gelu(self.activation)

    def forward(
        self,
        src: Tensor,
        src_mask: Any = None,
        src_key_padding_mask: Any = None,
        is_causal: bool = False,
    ) -> Tensor:
        _check_input(src, self.d_model, "TransformerEncoderLayer", "src")
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x: Tensor, attn_mask: Any, key_padding_mask: Any, is_causal: bool) -> Tensor:  # fmt: skip
        x = self.self_attn(
            x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
            need_weights=False, is_causal=is_causal,
        )[0]  # fmt: skip
        return self.dropout1(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        x = self.linear2(self.dropout(_linear_act(self.linear1, self.activation, x)))
        return self.dropout2(x)


class TransformerDecoderLayer(Module):
    """Masked self-attention, cross-attention over the encoder's ``memory``, and a
    feed-forward network, each with a residual connection, dropout and layer normalization.

    Shapes: ``tgt (T, N, d_model)``, ``memory (S, N, d_model)`` (batch first with
    ``batch_first``) → like ``tgt``. ``forward(tgt, memory, tgt_mask=None, memory_mask=None,
    tgt_key_padding_mask=None, memory_key_padding_mask=None, tgt_is_causal=False,
    memory_is_causal=False)``.
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first
        )
        self.multihead_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.d_model = d_model
        self.batch_first = batch_first
        self.activation = _activation(activation)

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Any = None,
        memory_mask: Any = None,
        tgt_key_padding_mask: Any = None,
        memory_key_padding_mask: Any = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor:
        _check_input(tgt, self.d_model, "TransformerDecoderLayer", "tgt")
        _check_input(memory, self.d_model, "TransformerDecoderLayer", "memory")
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(
                self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal
            )
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(
                x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            )  # fmt: skip
            x = self.norm3(x + self._ff_block(x))
        return x

    def _sa_block(self, x: Tensor, attn_mask: Any, key_padding_mask: Any, is_causal: bool) -> Tensor:  # fmt: skip
        x = self.self_attn(
            x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
            need_weights=False, is_causal=is_causal,
        )[0]  # fmt: skip
        return self.dropout1(x)

    def _mha_block(
        self, x: Tensor, mem: Tensor, attn_mask: Any, key_padding_mask: Any, is_causal: bool
    ) -> Tensor:
        x = self.multihead_attn(
            x, mem, mem, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
            need_weights=False, is_causal=is_causal,
        )[0]  # fmt: skip
        return self.dropout2(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        x = self.linear2(self.dropout(_linear_act(self.linear1, self.activation, x)))
        return self.dropout3(x)


def _why_not_nested(layer: Module) -> str:
    """Why torch 2.13's ``TransformerEncoder`` sets ``use_nested_tensor`` False for this
    ``encoder_layer`` even with ``enable_nested_tensor=True`` (its checks, in its order);
    ``""`` when it would use nested tensors."""
    if not isinstance(layer, TransformerEncoderLayer):
        return "encoder_layer was not TransformerEncoderLayer"
    attn = layer.self_attn
    if layer.norm_first:
        return "encoder_layer.norm_first was True"
    if not attn.batch_first:
        return "encoder_layer.self_attn.batch_first was not True"
    if not getattr(attn, "_qkv_same_embed_dim", True):
        return "encoder_layer.self_attn._qkv_same_embed_dim was not True"
    if attn.in_proj_bias is None:
        return "encoder_layer.self_attn was passed bias=False"
    if not layer.activation_relu_or_gelu:
        return "encoder_layer.activation_relu_or_gelu was not True"
    if layer.norm1.eps != layer.norm2.eps:
        return "encoder_layer.norm1.eps was not equal to encoder_layer.norm2.eps"
    if attn.num_heads % 2 == 1:
        return "encoder_layer.self_attn.num_heads is odd"
    return ""


class TransformerEncoder(Module):
    """A stack of ``num_layers`` copies of ``encoder_layer`` (``layers.0``, ``layers.1``…,
    each with its own parameters), followed by ``norm`` when given.

    ``forward(src, mask=None, src_key_padding_mask=None, is_causal=None)``: shapes as the layer.
    ``enable_nested_tensor`` and ``mask_check`` are accepted for PyTorch compatibility (no
    effect); ``use_nested_tensor`` answers as PyTorch's for the same arguments (True only
    for a batch-first, post-norm layer with biases, a relu/gelu activation, equal norm
    epsilons and an even head count).
    """

    def __init__(
        self,
        encoder_layer: TransformerEncoderLayer,
        num_layers: int,
        norm: Module | None = None,
        enable_nested_tensor: bool = True,
        mask_check: bool = True,
    ) -> None:
        super().__init__()
        if not isinstance(encoder_layer, Module):
            raise TypeError(
                f"TransformerEncoder: encoder_layer must be a Module, got {type(encoder_layer).__name__}"
            )
        if num_layers < 1:
            raise ValueError(f"TransformerEncoder: num_layers must be >= 1, got {num_layers}")
        self.layers = ModuleList(copy.deepcopy(encoder_layer) for _ in range(num_layers))
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor  # stored as PyTorch stores them
        # PyTorch's answer for these arguments (deepgrad never builds nested tensors)
        self.use_nested_tensor = enable_nested_tensor and not _why_not_nested(encoder_layer)
        self.mask_check = mask_check

    def forward(
        self,
        src: Tensor,
        mask: Any = None,
        src_key_padding_mask: Any = None,
        is_causal: bool | None = None,
    ) -> Tensor:
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=bool(is_causal))  # fmt: skip
        if self.norm is not None:
            x = self.norm(x)
        return x


class TransformerDecoder(Module):
    """A stack of ``num_layers`` copies of ``decoder_layer``, followed by ``norm`` when given.

    ``forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False)``.
    """

    def __init__(
        self,
        decoder_layer: TransformerDecoderLayer,
        num_layers: int,
        norm: Module | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(decoder_layer, Module):
            raise TypeError(
                f"TransformerDecoder: decoder_layer must be a Module, got {type(decoder_layer).__name__}"
            )
        if num_layers < 1:
            raise ValueError(f"TransformerDecoder: num_layers must be >= 1, got {num_layers}")
        self.layers = ModuleList(copy.deepcopy(decoder_layer) for _ in range(num_layers))
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Any = None,
        memory_mask: Any = None,
        tgt_key_padding_mask: Any = None,
        memory_key_padding_mask: Any = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        x = tgt
        for layer in self.layers:
            x = layer(
                x, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                tgt_key_padding_mask=tgt_key_padding_mask,
                memory_key_padding_mask=memory_key_padding_mask,
                tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal,
            )  # fmt: skip
        if self.norm is not None:
            x = self.norm(x)
        return x


class Transformer(Module):
    """The full encoder-decoder Transformer (Vaswani et al., 2017) with PyTorch's signature,
    sub-module names (``encoder.layers.0.self_attn...``, ``encoder.norm``, ``decoder.norm``) and
    initialization (Xavier-uniform for every parameter with more than one axis), so that a
    ``torch.nn.Transformer`` state dict loads one-to-one.

    ``forward(src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
    src_key_padding_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None,
    src_is_causal=None, tgt_is_causal=None, memory_is_causal=False)``:
    ``memory = encoder(src)``, ``out = decoder(tgt, memory)``. Shapes: ``src (S, N, E)``,
    ``tgt (T, N, E)`` → ``(T, N, E)`` (batch first with ``batch_first``; unbatched ``(S, E)``
    also works). ``device``/``dtype`` are the factory keywords (:mod:`deepgrad.nn.factory`).

    >>> import deepgrad as dg
    >>> model = Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
    ...                     dim_feedforward=16, dropout=0.0)
    >>> model(dg.randn(5, 3, 8), dg.randn(4, 3, 8)).shape
    (4, 3, 8)
    """

    def __init__(
        self,
        d_model: int = 512,
        nhead: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable = "relu",
        custom_encoder: Module | None = None,
        custom_decoder: Module | None = None,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            layer = TransformerEncoderLayer(
                d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                batch_first, norm_first, bias,
            )  # fmt: skip
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
            self.encoder = TransformerEncoder(layer, num_encoder_layers, norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            layer = TransformerDecoderLayer(
                d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                batch_first, norm_first, bias,
            )  # fmt: skip
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
            self.decoder = TransformerDecoder(layer, num_decoder_layers, norm)
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        from .init import xavier_uniform_

        for p in self.parameters():
            if p.ndim > 1:
                xavier_uniform_(p)

    generate_square_subsequent_mask = staticmethod(generate_square_subsequent_mask)

    def forward(
        self,
        src: Tensor,
        tgt: Tensor,
        src_mask: Any = None,
        tgt_mask: Any = None,
        memory_mask: Any = None,
        src_key_padding_mask: Any = None,
        tgt_key_padding_mask: Any = None,
        memory_key_padding_mask: Any = None,
        src_is_causal: bool | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        batched = src.ndim == 3
        if batched and tgt.ndim == 3:
            axis = 0 if self.batch_first else 1
            if src.shape[axis] != tgt.shape[axis]:
                raise RuntimeError(
                    f"Transformer: the batch number of src and tgt must be equal; got src "
                    f"{src.shape} and tgt {tgt.shape} (batch axis {axis})"
                )
        elif src.ndim != tgt.ndim:
            raise RuntimeError(
                f"Transformer: src and tgt must both be batched (3-d) or unbatched (2-d); got "
                f"src {src.shape} and tgt {tgt.shape}"
            )
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(
                f"Transformer: the feature number of src and tgt must be equal to d_model="
                f"{self.d_model}; got src {src.shape} and tgt {tgt.shape}"
            )
        memory = self.encoder(
            src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
            is_causal=src_is_causal,
        )  # fmt: skip
        return self.decoder(
            tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask,
            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal,
        )  # fmt: skip
