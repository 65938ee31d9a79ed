"""``MultiheadAttention``: a thin module over
:func:`deepgrad.functional.attention.multi_head_attention_forward`, with PyTorch's parameter
names and layouts so that a ``torch.nn.MultiheadAttention`` state dict loads one-to-one."""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Iterator
from typing import Any

from .. import backend
from .._errors import AssertedValueError
from ..functional.attention import SDP_ENABLED, multi_head_attention_forward
from ..tensor import Tensor
from . import init
from .linear import NonDynamicallyQuantizableLinear
from .module import Module
from .parameter import Parameter


class MultiheadAttention(Module):
    """Multi-head attention ``softmax(Q Kᵀ / √D + M) V`` over ``num_heads`` heads of size
    ``D = embed_dim / num_heads``, with input and output projections.

    Parameters (PyTorch's): ``in_proj_weight (3E, E)`` packing ``[W_q; W_k; W_v]`` and
    ``in_proj_bias (3E,)``; when ``kdim`` or ``vdim`` differ from ``embed_dim``,
    ``q_proj_weight (E, E)``, ``k_proj_weight (E, kdim)``, ``v_proj_weight (E, vdim)`` instead
    of ``in_proj_weight``; ``out_proj`` a ``Linear(E, E)``. Initialization as in PyTorch:
    Xavier-uniform projections, zero biases, ``out_proj.weight`` as a ``Linear``'s.

    ``forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False) -> (output, weights)``.
    Shapes (``batch_first=False``): ``query (L, N, E)``, ``key (S, N, kdim)``,
    ``value (S, N, vdim)`` (``(N, L, E)``… with ``batch_first=True``; 2-D for one unbatched
    sequence); ``key_padding_mask (N, S)``; ``attn_mask (L, S)`` or ``(N·num_heads, L, S)``.
    Boolean masks: **True = masked out**; float masks are added to the scores. ``is_causal``
    is PyTorch's hint that ``attn_mask`` is the causal mask: without ``attn_mask`` it raises,
    as in PyTorch. Returns the output (shaped like ``query``) and
    the attention weights ``(N, L, S)`` averaged over heads (``(N, H, L, S)`` with
    ``average_attn_weights=False``; None when ``need_weights=False``). Dropout (probability
    ``dropout``) acts on the attention weights in training.

    The constructor takes PyTorch's arguments in PyTorch's order: ``add_bias_kv`` adds the
    parameters ``bias_k``, ``bias_v`` ``(1, 1, E)`` (Xavier-normal), a learned key/value
    position appended to every sequence; ``add_zero_attn`` appends a zero one (as PyTorch's;
    the weights then have one column more each); ``device``/``dtype`` are the factory keywords
    (:mod:`deepgrad.nn.factory`).
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(
                f"MultiheadAttention: embed_dim and num_heads must be positive, got "
                f"embed_dim={embed_dim}, num_heads={num_heads}"
            )
        if embed_dim % num_heads:  # PyTorch asserts it (AssertionError): both classes
            raise AssertedValueError(
                f"embed_dim must be divisible by num_heads (MultiheadAttention: embed_dim "
                f"{embed_dim} is not a multiple of num_heads {num_heads})"
            )
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"MultiheadAttention: dropout must be in [0, 1], got {dropout}")
        self.embed_dim = embed_dim
        self.kdim = embed_dim if kdim is None else kdim
        self.vdim = embed_dim if vdim is None else vdim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        xp, dt = backend.xp, backend.get_default_dtype()
        e = embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(xp.empty((3 * e, e), dt))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.q_proj_weight = Parameter(xp.empty((e, e), dt))
            self.k_proj_weight = Parameter(xp.empty((e, self.kdim), dt))
            self.v_proj_weight = Parameter(xp.empty((e, self.vdim), dt))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(xp.zeros((3 * e,), dt))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(e, e, bias=bias)
        self.bias_k: Parameter | None
        self.bias_v: Parameter | None
        if add_bias_kv:
            self.bias_k = Parameter(xp.empty((1, 1, e), dt))
            self.bias_v = Parameter(xp.empty((1, 1, e), dt))
        else:
            self.register_parameter("bias_k", None)
            self.register_parameter("bias_v", None)
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def merge_masks(self, attn_mask: Tensor | None, key_padding_mask: Tensor | None,
                    query: Tensor) -> tuple[Tensor | None, int | None]:  # fmt: skip
        """PyTorch's mask merge: ``(key_padding_mask, 1)`` alone, ``(attn_mask, 2)`` expanded
        to ``(N, num_heads, L, L)``, or both summed at that shape (type 2); ``(None, None)``
        without masks. ``query`` is batch-first ``(N, L, E)``."""
        merged, kind = (key_padding_mask, 1) if key_padding_mask is not None else (None, None)
        if attn_mask is not None:
            n, length = query.shape[0], query.shape[1]
            if attn_mask.ndim == 3:
                merged = attn_mask.view(n, -1, length, length)
            else:
                merged = attn_mask.view(1, 1, length, length).expand(n, self.num_heads, -1, -1)
            kind = 2
            if key_padding_mask is not None:
                pad = key_padding_mask.view(n, 1, 1, length).expand(-1, self.num_heads, -1, -1)
                merged = merged + pad
        return merged, kind

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Any = None,
        need_weights: bool = True,
        attn_mask: Any = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        return multi_head_attention_forward(
            query,
            key,
            value,
            self.num_heads,
            self.in_proj_weight,
            self.in_proj_bias,
            self.out_proj.weight,
            self.out_proj.bias,
            q_proj_weight=self.q_proj_weight,
            k_proj_weight=self.k_proj_weight,
            v_proj_weight=self.v_proj_weight,
            key_padding_mask=key_padding_mask,
            need_weights=need_weights,
            attn_mask=attn_mask,
            average_attn_weights=average_attn_weights,
            is_causal=is_causal,
            dropout_p=self.dropout,
            training=self.training,
            batch_first=self.batch_first,
            bias_k=self.bias_k,
            bias_v=self.bias_v,
            add_zero_attn=self.add_zero_attn,
        )


# ---- torch.nn.attention's kernel choice ------------------------------------------------------
class SDPBackend(enum.IntEnum):
    """PyTorch's ``torch.nn.attention.SDPBackend``: the kernels
    ``scaled_dot_product_attention`` may choose among (deepgrad computes one form for all)."""

    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4


_SDP_FLAG = {
    SDPBackend.MATH: "math",
    SDPBackend.FLASH_ATTENTION: "flash",
    SDPBackend.EFFICIENT_ATTENTION: "mem_efficient",
    SDPBackend.CUDNN_ATTENTION: "cudnn",
}


@contextlib.contextmanager
def sdpa_kernel(backends: Any, set_priority: bool = False) -> Iterator[None]:
    """PyTorch's ``torch.nn.attention.sdpa_kernel``: inside the block only ``backends`` (one
    :class:`SDPBackend` or a list) may run ``scaled_dot_product_attention``; the flags come
    back at its end. deepgrad computes the same numbers for every kernel, so the choice
    matters only where it rules out both of PyTorch's CPU kernels (math and flash): then the
    call raises PyTorch's ``RuntimeError``.

    >>> import deepgrad as dg
    >>> from deepgrad.nn.attention import SDPBackend, sdpa_kernel
    >>> q = dg.ones(1, 2, 3, 4)
    >>> with sdpa_kernel(SDPBackend.MATH):
    ...     dg.nn.functional.scaled_dot_product_attention(q, q, q).shape
    (1, 2, 3, 4)
    """
    chosen = list(backends) if isinstance(backends, (list, tuple, set)) else [backends]
    for b in chosen:
        if not isinstance(b, SDPBackend):
            raise TypeError(
                f"sdpa_kernel: backends must be SDPBackend values (or a list of them), got "
                f"{type(b).__name__}"
            )
    saved = dict(SDP_ENABLED)
    for flag in _SDP_FLAG.values():
        SDP_ENABLED[flag] = False
    for b in chosen:
        if b in _SDP_FLAG:
            SDP_ENABLED[_SDP_FLAG[b]] = True
    try:
        yield
    finally:
        SDP_ENABLED.update(saved)
