"""Attention: ``scaled_dot_product_attention`` and the multi-head attention of the Transformer.

For queries ``Q (…, L, E)``, keys ``K (…, S, E)`` and values ``V (…, S, Ev)``:

    A = softmax(Q Kᵀ · scale + M)        (…, L, S)   scale = 1/√E unless given
    Y = (A ⊙ D) V                        (…, L, Ev)  D: the scaled dropout mask (or 1)

``M`` is the additive mask. A boolean mask is read as PyTorch reads it in each place:
in :func:`scaled_dot_product_attention` (and :func:`attention_with_weights`) **True = takes part** (False
→ ``-inf``); in :func:`multi_head_attention_forward` (``nn.MultiheadAttention``, the
Transformer layers) ``attn_mask``/``key_padding_mask`` **True = masked out**. A float mask is
added as it is. A row whose keys are all masked out gets weights 0 (and output 0), as
PyTorch's ``scaled_dot_product_attention`` gives.

Backward, with ``P = A ⊙ D`` and ``G = dL/dY`` (plus ``dL/dP`` when the weights are used):

    dL/dV = Pᵀ G,   dL/dP = G Vᵀ,   dL/dA = dL/dP ⊙ D,
    dL/dS = A ⊙ (dL/dA - Σ_row dL/dA ⊙ A) · scale,
    dL/dQ = dL/dS K,   dL/dK = dL/dSᵀ Q.

Both directions are one fused node: the softmax is computed in place (shifted by the maximum
of each score matrix, with an exact per-row fallback for rows that would underflow), row sums
are matrix-vector products, and multi-head attention splits and merges heads as strided views
of the projections (no copies). When the backward is recorded (``create_graph=True``) the
same formulas run as tensor operations, so double backward works.
"""

from __future__ import annotations

import math
from typing import Any

import numpy

from .. import backend, kernels
from .._errors import ShapeMismatchError, bool_arg, refuse_kernel_dtype
from ..autograd import Function, is_grad_enabled
from ..tensor import Tensor
from .activation import softmax
from .dropout import _check_p, dropout_mask
from .elementwise import astype, computed_in
from .linalg import linear, matmul
from .reduce import mean
from .reduce import sum as tsum
from .shape import (
    broadcast_to,
    concat,
    getitem,
    permute,
    reshape,
    sum_to,
    sum_to_array,
    swapaxes,
    unsqueeze,
)


def _const(a: Any) -> Tensor:
    return Tensor._from_op(a, None, 0)


# ---- masks ----------------------------------------------------------------------------------
def additive_mask(mask: Any, dtype: Any, where: str) -> Any:
    """An attention mask as an additive array of ``dtype``: a boolean mask gives ``-inf`` where
    it is True (masked out) and 0 elsewhere; a float mask is cast."""
    xp = backend.xp
    m = mask._data if isinstance(mask, Tensor) else xp.asarray(mask)
    dt = numpy.dtype(dtype)
    if m.dtype == numpy.bool_:
        out = xp.zeros(m.shape, dt)
        out[m] = -numpy.inf
        return out
    if m.dtype.kind != "f":
        raise TypeError(f"{where}: a mask must be boolean or floating, got dtype {m.dtype}")
    return m.astype(dt, copy=False)


def causal_mask(l_len: int, s_len: int, dtype: Any) -> Any:
    """Additive causal mask ``(L, S)``: ``-inf`` above the diagonal (key ``j > i`` is hidden
    from query ``i``), 0 elsewhere."""
    xp = backend.xp
    dt = numpy.dtype(dtype)
    out = xp.zeros((l_len, s_len), dt)
    out[xp.triu(xp.ones((l_len, s_len), dtype=bool), 1)] = -numpy.inf
    return out


def _has_neg_inf(mask: Any) -> bool:
    return mask is not None and bool(backend.xp.isneginf(mask).any())


# ---- array kernels ----------------------------------------------------------------------------
def _softmax_rows(s: Any, masked: bool) -> Any:
    """Row softmax of scores ``s (…, L, S)``; may reuse ``s``'s memory. Rows whose keys are all
    ``-inf`` give 0."""
    xp = backend.xp
    dt = s.dtype
    if s.size == 0:  # no queries or no keys: nothing to normalize
        return s
    # One shift per score matrix (a long contiguous reduction, ~10x faster than a max over
    # short rows); rows whose sum then falls below e^-40 are redone with their own maximum.
    m = s.max(axis=(-2, -1), keepdims=True) if s.ndim >= 2 else s.max(keepdims=True)
    if masked:
        m[~xp.isfinite(m)] = 0
    e = xp.empty(s.shape, dt)
    blocks = (m.size, -1)  # each score matrix a row: the subtraction in one compiled pass
    if not (
        s.flags.c_contiguous
        and kernels.sub_rows(s.reshape(blocks), m.reshape(-1), e.reshape(blocks))
    ):
        xp.subtract(s, m, out=e)
    xp.exp(e, out=e)
    ones = xp.ones((s.shape[-1],), dt)
    tot = e @ ones
    bad = tot < dt.type(4e-18)
    if bad.any():
        idx = xp.nonzero(bad)
        rows = s[idx]
        rm = rows.max(axis=-1, keepdims=True)
        rm[~xp.isfinite(rm)] = 0
        er = xp.exp(rows - rm)
        e[idx] = er
        t = er.sum(axis=-1)
        t[t == 0] = 1  # every key masked out: weights 0
        tot[idx] = t
    xp.divide(1, tot, out=tot)
    # each row times its 1/sum: batch norm's scaling pass, the rows as one sample's channels
    rows = (1, -1, s.shape[-1])
    e3 = e.reshape(rows) if e.flags.c_contiguous else None
    if e3 is None or not kernels.batch_norm_scale(e3, tot.reshape(-1), None, None, e3):
        e *= tot[..., None]
    return e


def _attn_forward(qh: Any, kh: Any, vh: Any, scale: float, mask: Any, drop: Any) -> tuple:
    """``(Y, A, P)`` for head-split arrays (see the module docstring)."""
    s = qh @ kh.swapaxes(-1, -2)
    if scale != 1.0:
        s *= scale
    if mask is not None:
        if numpy.broadcast_shapes(s.shape, mask.shape) == s.shape:
            s += mask
        else:
            s = s + mask
    a = _softmax_rows(s, mask is not None)
    p = a * drop if drop is not None else a
    return p @ vh, a, p


def _attn_backward(
    gy: Any, gp: Any, qh: Any, kh: Any, vh: Any, a: Any, p: Any, drop: Any, scale: float,
    need: tuple[bool, bool, bool], outs: tuple = (None, None, None),
) -> tuple:  # fmt: skip
    """``(dQ, dK, dV)`` for head-split arrays; each is written into ``outs[i]`` when given."""
    xp = backend.xp
    gq = gk = gv = None
    if need[2] and gy is not None:
        gv = _mm_into(p.swapaxes(-1, -2), gy, outs[2])
    if need[0] or need[1]:
        if gy is not None:
            ds = gy @ vh.swapaxes(-1, -2)
            if gp is not None:
                ds += gp
        else:
            ds = gp.copy()
        if drop is not None:
            ds *= drop
        t = (ds * a) @ xp.ones((a.shape[-1],), a.dtype)
        sc = None if scale == 1.0 else xp.asarray([scale], a.dtype)
        # one compiled pass over the (R, S) rows, written through ds's view: only where
        # reshaping gives a view (C-contiguous, not empty)
        rows = (-1, a.shape[-1])
        fused = ds.size and ds.flags.c_contiguous and a.flags.c_contiguous
        if not fused or not kernels.softmax_grad(
            ds.reshape(rows), t.reshape(-1), a.reshape(rows), sc
        ):
            ds -= t[..., None]
            ds *= a
            if sc is not None:
                ds *= sc
        if need[0]:
            gq = _mm_into(ds, kh, outs[0])
        if need[1]:
            gk = _mm_into(ds.swapaxes(-1, -2), qh, outs[1])
    return gq, gk, gv


def _mm_into(a: Any, b: Any, out: Any) -> Any:
    if out is None:
        return a @ b
    if a.shape[:-2] == out.shape[:-2] and b.shape[:-2] == out.shape[:-2]:
        return backend.xp.matmul(a, b, out=out)
    out[...] = sum_to_array(a @ b, out.shape)
    return out


# ---- the graph form of the same formulas (used when create_graph=True) -----------------------
def _attn_backward_graph(
    gy: Tensor | None, gp: Tensor | None, q: Tensor, k: Tensor, v: Tensor, scale: float,
    mask: Any, drop: Any, need: tuple[bool, bool, bool],
) -> tuple:  # fmt: skip
    xp = backend.xp
    s = matmul(q, swapaxes(k, -1, -2))
    if scale != 1.0:
        s = s * scale
    valid = None
    if mask is not None:
        fin = mask
        if _has_neg_inf(mask):
            fin = xp.where(xp.isneginf(mask), xp.finfo(mask.dtype).min, mask)
            valid = (~xp.isneginf(mask).all(axis=-1, keepdims=True)).astype(mask.dtype)
        s = s + _const(fin.astype(s.dtype, copy=False))
    a = softmax(s, -1)
    if valid is not None:
        a = a * _const(valid.astype(s.dtype, copy=False))
    p = a * _const(drop) if drop is not None else a
    gq = gk = gv = None
    if need[2] and gy is not None:
        gv = sum_to(matmul(swapaxes(p, -1, -2), gy), v.shape)
    if need[0] or need[1]:
        dp = None
        if gy is not None:
            dp = matmul(gy, swapaxes(v, -1, -2))
        if gp is not None:
            dp = gp if dp is None else dp + gp
        if drop is not None:
            dp = dp * _const(drop)
        ds = a * (dp - tsum(dp * a, -1, keepdims=True))
        if scale != 1.0:
            ds = ds * scale
        if need[0]:
            gq = sum_to(matmul(ds, k), q.shape)
        if need[1]:
            gk = sum_to(matmul(swapaxes(ds, -1, -2), q), k.shape)
    return gq, gk, gv


# ---- scaled dot-product attention ---------------------------------------------------------------
class Attention(Function):
    """Fused attention on ``(…, L, E)`` arrays; outputs ``(Y, P)``."""

    # the backward reads memory of the output (the weights and the output): a write into the
    # output afterwards is refused at backward, as PyTorch refuses one
    keep_output = True

    def __init__(self, scale: float, mask: Any, drop: Any) -> None:
        self.scale, self.mask, self.drop = scale, mask, drop

    def forward(self, q: Any, k: Any, v: Any) -> tuple:
        y, self.a, self.p = _attn_forward(q, k, v, self.scale, self.mask, self.drop)
        return y, self.p

    def backward(self, gy: Tensor | None, gp: Tensor | None) -> tuple:
        q, k, v = self.inputs
        need = self.needs_input_grad
        if is_grad_enabled():
            return _attn_backward_graph(gy, gp, q, k, v, self.scale, self.mask, self.drop, need)
        grads = _attn_backward(
            None if gy is None else gy._data,
            None if gp is None else gp._data,
            q._data, k._data, v._data, self.a, self.p, self.drop, self.scale, need,
        )  # fmt: skip
        return tuple(
            None if g is None else _const(sum_to_array(g, x.shape))
            for g, x in zip(grads, (q, k, v))
        )


#: which of PyTorch's attention kernels may run (``torch.backends.cuda.enable_*_sdp``,
#: ``torch.nn.attention.sdpa_kernel``): deepgrad computes one function for all of them, so
#: the flags change nothing unless they rule out both kernels PyTorch has on the CPU (the math
#: form and flash attention), where :func:`scaled_dot_product_attention` raises as PyTorch's
SDP_ENABLED = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Any = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    *,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """PyTorch's ``scaled_dot_product_attention``: ``softmax(Q Kᵀ · scale + M) V``.

    Shapes: ``query (…, L, E)``, ``key (…, S, E)``, ``value (…, S, Ev)`` (leading axes
    broadcast) → ``(…, L, Ev)``. ``attn_mask``: boolean (**True = takes part**, as in
    PyTorch) or float (added to the scores), broadcastable to ``(…, L, S)``. ``is_causal``
    hides key ``j > i`` from query ``i``.
    ``dropout_p`` drops attention weights whenever it is > 0 (pass 0 in evaluation);
    ``scale`` defaults to ``1/√E``. ``enable_gqa``: ``key``/``value`` may have fewer heads
    (axis -3) than ``query``, each shared by a group of query heads. As PyTorch, an explicit
    ``attn_mask`` together with ``is_causal=True`` is refused (combine them yourself, or use
    :func:`attention_with_weights`, which adds the two and returns the weights too).

    >>> import deepgrad as dg
    >>> q = dg.ones(1, 2, 4)
    >>> dg.functional.scaled_dot_product_attention(q, q, q, is_causal=True).shape
    (1, 2, 4)
    """
    is_causal = bool_arg(is_causal, "scaled_dot_product_attention", "is_causal", 6)
    enable_gqa = bool_arg(enable_gqa, "scaled_dot_product_attention", "enable_gqa")
    if not (SDP_ENABLED["math"] or SDP_ENABLED["flash"]):
        raise RuntimeError(
            "No viable backend for scaled_dot_product_attention was found. This is likely due "
            "to turning off both the math kernel and the fused kernels. (deepgrad computes "
            "one form for every kernel: enable the math or the flash kernel again, e.g. "
            "sdpa_kernel(SDPBackend.MATH))"
        )
    if attn_mask is not None and is_causal:
        raise ValueError(
            "scaled_dot_product_attention: an explicit attn_mask cannot be given with "
            "is_causal=True (PyTorch refuses it too); fold the causal mask into attn_mask"
        )
    half = all(isinstance(t, Tensor) and t.dtype == numpy.float16 for t in (query, key, value))
    if half:  # in float32, rounded once, as PyTorch's half precision (scores overflow float16)
        query, key, value = (astype(t, computed_in(t.dtype)) for t in (query, key, value))
        if isinstance(attn_mask, Tensor):
            attn_mask = astype(attn_mask, computed_in(attn_mask.dtype))
    out = attention_with_weights(
        query, key, value, attn_mask, dropout_p, is_causal, scale=scale, enable_gqa=enable_gqa
    )[0]
    return astype(out, numpy.float16) if half else out


def attention_with_weights(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Any = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    *,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> tuple[Tensor, Tensor]:
    """:func:`scaled_dot_product_attention` that also returns the attention weights:
    ``(output (…, L, Ev), weights (…, L, S))`` (after dropout, as ``nn.MultiheadAttention``
    returns them). Same arguments and mask convention (boolean True = takes part).

    >>> import deepgrad as dg
    >>> q = dg.ones(1, 2, 4)
    >>> y, w = dg.functional.attention_with_weights(q, q, q, is_causal=True)
    >>> w.numpy()[0].tolist()
    [[1.0, 0.0], [0.5, 0.5]]
    """
    fn = "scaled_dot_product_attention"
    for name, t in (("query", query), ("key", key), ("value", value)):
        if t.ndim < 2:
            raise ValueError(f"{fn}: {name} must have at least 2 dims (…, seq, features), got {t.shape}")  # fmt: skip
        if t.dtype.kind != "f":
            raise TypeError(f"{fn}: {name} must be floating, got dtype {t.dtype}")
    if enable_gqa:
        key, value = _share_heads(query, key, fn), _share_heads(query, value, fn)
    if query.shape[-1] != key.shape[-1]:
        raise ShapeMismatchError(
            f"{fn}: query and key need the same feature size, got query {query.shape} and "
            f"key {key.shape}"
        )
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(
            f"{fn}: key and value need the same sequence length, got key {key.shape} and "
            f"value {value.shape}"
        )
    _check_p(dropout_p, fn)
    try:
        lead = numpy.broadcast_shapes(query.shape[:-2], key.shape[:-2], value.shape[:-2])
    except ValueError:
        raise ValueError(
            f"{fn}: leading axes of query {query.shape}, key {key.shape} and value "
            f"{value.shape} do not broadcast"
        ) from None
    l_len, s_len = query.shape[-2], key.shape[-2]
    scores_shape = (*lead, l_len, s_len)
    dt = query.dtype
    mask = None
    if attn_mask is not None:
        m = attn_mask._data if isinstance(attn_mask, Tensor) else backend.xp.asarray(attn_mask)
        mask = additive_mask(~m if m.dtype == numpy.bool_ else m, dt, fn)  # True = takes part
        if _broadcast_to_or_none(mask.shape, scores_shape) is None:
            raise ValueError(
                f"{fn}: attn_mask of shape {tuple(mask.shape)} does not broadcast to the "
                f"attention scores of shape {scores_shape} (…, L, S)"
            )
    if is_causal:
        cm = causal_mask(l_len, s_len, dt)
        mask = cm if mask is None else mask + cm
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    drop = dropout_mask(scores_shape, dropout_p, dt) if dropout_p > 0 else None
    return Attention(scale, mask, drop)(query, key, value)


def _share_heads(query: Tensor, kv: Tensor, fn: str) -> Tensor:
    """``kv (…, Hk, S, E)`` repeated to the query's ``Hq`` heads (each kv head serves
    ``Hq / Hk`` consecutive query heads), as PyTorch's ``enable_gqa``."""
    if query.ndim < 3 or kv.ndim < 3:
        raise ValueError(f"{fn}: enable_gqa needs a heads axis (…, H, L, E), got {kv.shape}")
    hq, hk = query.shape[-3], kv.shape[-3]
    if hq == hk:
        return kv
    if hq % hk:
        raise ValueError(f"{fn}: enable_gqa needs the query's {hq} heads to be a multiple of {hk}")
    g = hq // hk
    expanded = broadcast_to(unsqueeze(kv, -3), (*kv.shape[:-2], g, *kv.shape[-2:]))
    return reshape(expanded, (*kv.shape[:-3], hq, *kv.shape[-2:]))


def _broadcast_to_or_none(shape: tuple, target: tuple) -> tuple | None:
    try:
        out = numpy.broadcast_shapes(tuple(shape), tuple(target))
    except ValueError:
        return None
    return out if out == tuple(target) else None


# ---- multi-head attention ---------------------------------------------------------------------
def _heads(x: Any, h: int, batch_first: bool) -> Any:
    """``(N, L, E)`` (or ``(L, N, E)``) → a strided view ``(N, H, L, E/H)``."""
    if batch_first:
        n, l_len, e = x.shape
        return x.reshape(n, l_len, h, e // h).transpose(0, 2, 1, 3)
    l_len, n, e = x.shape
    return x.reshape(l_len, n, h, e // h).transpose(1, 2, 0, 3)


def _packed_heads(x: Any, h: int, batch_first: bool) -> tuple:
    """``(N, L, 3E)`` packed ``[q | k | v]`` → three strided ``(N, H, L, E/H)`` views."""
    a, b, e3 = x.shape
    x5 = x.reshape(a, b, 3, h, e3 // (3 * h))
    perm = (0, 2, 1, 3) if batch_first else (1, 2, 0, 3)
    return tuple(x5[:, :, i].transpose(perm) for i in range(3))


def _merge(yh: Any, batch_first: bool, seq_major: bool = False) -> Any:
    """``(N, H, L, D)`` → ``(N, L, H·D)`` (or ``(L, N, H·D)``), contiguous; with
    ``seq_major`` the batch-first result is a transposed view of a contiguous ``(L, N, H·D)``
    (PyTorch's layout, see :func:`multi_head_attention_forward`)."""
    n, h, l_len, d = yh.shape
    if batch_first and not seq_major:
        return yh.transpose(0, 2, 1, 3).reshape(n, l_len, h * d)
    y = yh.transpose(2, 0, 1, 3).reshape(l_len, n, h * d)
    return y.transpose(1, 0, 2) if batch_first else y


def _merge_t(y: Tensor, batch_first: bool) -> Tensor:
    n, h, l_len, d = y.shape
    perm = (0, 2, 1, 3) if batch_first else (2, 0, 1, 3)
    return reshape(permute(y, perm), (n, l_len, h * d) if batch_first else (l_len, n, h * d))


def _heads_t(x: Tensor, h: int, batch_first: bool) -> Tensor:
    a, b, e = x.shape
    x4 = reshape(x, (a, b, h, e // h))
    return permute(x4, (0, 2, 1, 3) if batch_first else (1, 2, 0, 3))


class MultiHeadAttentionCore(Function):
    """Attention over projected, not yet head-split inputs: either one packed ``qkv``
    ``(N, L, 3E)`` (self-attention) or ``q (N, L, E)``, ``k (N, S, E)``, ``v (N, S, E)``
    (``(L, N, ·)`` when not ``batch_first``). Outputs ``(Y (N, L, E), P (N, H, L, S))``."""

    # the backward reads memory of the output (the weights and the output): a write into the
    # output afterwards is refused at backward, as PyTorch refuses one
    keep_output = True

    def __init__(
        self, num_heads: int, batch_first: bool, scale: float, mask: Any, drop: Any
    ) -> None:
        self.h, self.bf, self.scale, self.mask, self.drop = (
            num_heads, batch_first, scale, mask, drop,
        )  # fmt: skip

    def _split(self, xs: tuple) -> tuple:
        if len(xs) == 1:
            return _packed_heads(xs[0], self.h, self.bf)
        return tuple(_heads(x, self.h, self.bf) for x in xs)

    def forward(self, *xs: Any) -> tuple:
        qh, kh, vh = self._split(xs)
        yh, self.a, self.p = _attn_forward(qh, kh, vh, self.scale, self.mask, self.drop)
        return _merge(yh, self.bf, self.drop is not None), self.p

    def backward(self, gy: Tensor | None, gp: Tensor | None) -> tuple:
        if is_grad_enabled():
            return self._backward_graph(gy, gp)
        xp = backend.xp
        xs = [x._data for x in self.inputs]
        qh, kh, vh = self._split(tuple(xs))
        gyh = None if gy is None else _heads(gy._data, self.h, self.bf)
        if len(xs) == 1:
            g = xp.empty(xs[0].shape, xs[0].dtype)
            outs = _packed_heads(g, self.h, self.bf)
            need = (True, True, True)
            if gyh is None:
                _packed_heads(g, self.h, self.bf)[2][...] = 0
        else:
            g = None
            need = self.needs_input_grad
            grads = [xp.empty(x.shape, x.dtype) if n else None for x, n in zip(xs, need)]
            if gyh is None and grads[2] is not None:
                grads[2][...] = 0
            outs = tuple(
                None if gr is None else _heads(gr, self.h, self.bf) for gr in grads
            )  # fmt: skip
        _attn_backward(
            gyh, None if gp is None else gp._data, qh, kh, vh, self.a, self.p, self.drop,
            self.scale, need, outs,
        )  # fmt: skip
        if g is not None:
            return _const(g)
        return tuple(None if gr is None else _const(gr) for gr in grads)

    def _backward_graph(self, gy: Tensor | None, gp: Tensor | None) -> tuple:
        h, bf = self.h, self.bf
        ins = self.inputs
        e = ins[0].shape[-1] // (3 if len(ins) == 1 else 1)
        if len(ins) == 1:
            x = ins[0]
            sl = (slice(None), slice(None))
            q, k, v = (_heads_t(getitem(x, (*sl, slice(i * e, (i + 1) * e))), h, bf) for i in range(3))  # fmt: skip
            need = (True, True, True)
        else:
            q, k, v = (_heads_t(x, h, bf) for x in ins)
            need = self.needs_input_grad
        gyh = None if gy is None else _heads_t(gy, h, bf)
        gq, gk, gv = _attn_backward_graph(gyh, gp, q, k, v, self.scale, self.mask, self.drop, need)  # fmt: skip
        merged = [None if g is None else _merge_t(g, bf) for g in (gq, gk, gv)]
        if len(ins) == 1:
            if merged[2] is None:
                merged[2] = _const(backend.xp.zeros(merged[0].shape, merged[0].dtype))
            return concat(merged, -1)
        return tuple(merged)


def multi_head_attention_forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    num_heads: int,
    in_proj_weight: Tensor | None,
    in_proj_bias: Tensor | None,
    out_proj_weight: Tensor,
    out_proj_bias: Tensor | None,
    *,
    q_proj_weight: Tensor | None = None,
    k_proj_weight: Tensor | None = None,
    v_proj_weight: Tensor | None = None,
    key_padding_mask: Any = None,
    need_weights: bool = True,
    attn_mask: Any = None,
    average_attn_weights: bool = True,
    is_causal: bool = False,
    dropout_p: float = 0.0,
    training: bool = True,
    batch_first: bool = False,
    bias_k: Tensor | None = None,
    bias_v: Tensor | None = None,
    add_zero_attn: bool = False,
) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention as in ``torch.nn.MultiheadAttention``:

    ``Q = query W_qᵀ + b_q`` (likewise ``K``, ``V``), split into ``num_heads`` heads of size
    ``D = E / num_heads``, attention per head (``scale = 1/√D``), heads concatenated, then
    ``Y = concat W_oᵀ + b_o``. ``in_proj_weight (3E, E)`` packs ``[W_q; W_k; W_v]``; with
    ``kdim``/``vdim`` different from ``E`` the separate ``q/k/v_proj_weight`` are used.

    Shapes (``batch_first=False``): ``query (L, N, E)``, ``key (S, N, kdim)``,
    ``value (S, N, vdim)`` (``(N, L, E)``… when ``batch_first``; without the batch axis for
    unbatched input); ``key_padding_mask (N, S)``; ``attn_mask (L, S)`` or ``(N·H, L, S)``.
    Boolean masks: True = masked out; float masks are added to the scores.
    Returns ``(output like query, weights)``: weights ``(N, L, S)`` averaged over heads, or
    ``(N, H, L, S)`` with ``average_attn_weights=False``, or None when not ``need_weights``.
    ``bias_k``/``bias_v`` ``(1, 1, E)`` append one learned key/value position and
    ``add_zero_attn`` one zero position after the projections, as PyTorch's (the masks get an
    unmasked column each; the weights then have ``S + 1`` or ``S + 2`` columns).
    """
    fn = "MultiheadAttention"
    e = out_proj_weight.shape[0]
    h = num_heads
    batched = query.ndim == 3
    if query.ndim not in (2, 3):
        raise ValueError(f"{fn}: query must be 2-D (unbatched) or 3-D, got shape {query.shape}")
    for t in (query, key, value):  # PyTorch's softmax has no complex kernel: its error
        refuse_kernel_dtype(t, fn, "c", "softmax_lastdim_kernel_impl")
    if key.ndim != query.ndim or value.ndim != query.ndim:
        raise ValueError(
            f"{fn}: query, key and value must all be batched (3-D) or all unbatched (2-D), got "
            f"query {query.shape}, key {key.shape}, value {value.shape}"
        )
    if not batched:  # add a batch axis of 1
        ax = 0 if batch_first else 1
        query, key, value = (unsqueeze(t, ax) for t in (query, key, value))
        if key_padding_mask is not None:
            key_padding_mask = _arr(key_padding_mask).reshape(1, -1)
    if query.shape[-1] != e:
        raise ValueError(f"{fn}: expected query with embed_dim {e} features, got shape {query.shape}")  # fmt: skip
    if batch_first:
        n, l_len = query.shape[0], query.shape[1]
        nk, s_len = key.shape[0], key.shape[1]
    else:
        l_len, n = query.shape[0], query.shape[1]
        s_len, nk = key.shape[0], key.shape[1]
    if nk != n or value.shape[:2] != key.shape[:2]:
        raise ValueError(
            f"{fn}: query {query.shape}, key {key.shape} and value {value.shape} do not agree on "
            f"batch size and key/value sequence length (batch_first={batch_first})"
        )
    dt = query.dtype
    # ---- projections
    extra = (bias_k is not None) or add_zero_attn
    self_attn = query is key and key is value and in_proj_weight is not None and not extra
    if self_attn:
        qkv = linear(query, in_proj_weight, in_proj_bias)
        inputs: tuple = (qkv,)
    else:
        bq = bk = bv = None
        if in_proj_bias is not None:
            bq, bk, bv = (getitem(in_proj_bias, slice(i * e, (i + 1) * e)) for i in range(3))
        if in_proj_weight is not None:
            wq, wk, wv = (getitem(in_proj_weight, slice(i * e, (i + 1) * e)) for i in range(3))
        else:
            wq, wk, wv = q_proj_weight, k_proj_weight, v_proj_weight
        for name, t, w in (("key", key, wk), ("value", value, wv)):
            if t.shape[-1] != w.shape[1]:
                raise ValueError(
                    f"{fn}: expected {name} with {w.shape[1]} features, got shape {t.shape}"
                )
        inputs = (linear(query, wq, bq), linear(key, wk, bk), linear(value, wv, bv))
    # ---- masks → one additive array broadcastable to (N, H, L, S)
    mask = None
    if attn_mask is not None:
        am = additive_mask(attn_mask, dt, fn)
        if am.shape == (l_len, s_len):
            am = am.reshape(1, 1, l_len, s_len)
        elif am.shape == (n * h, l_len, s_len):
            am = am.reshape(n, h, l_len, s_len)
        else:
            raise ValueError(
                f"{fn}: attn_mask must have shape (L, S) = {(l_len, s_len)} or "
                f"(N·num_heads, L, S) = {(n * h, l_len, s_len)}, got {tuple(am.shape)}"
            )
        mask = am
    elif is_causal:
        # PyTorch's contract: is_causal is a hint that attn_mask is the causal mask
        raise RuntimeError(
            f"{fn}: is_causal=True needs attn_mask (the hint says attn_mask is the causal "
            f"mask; PyTorch refuses it too): pass attn_mask="
            f"nn.Transformer.generate_square_subsequent_mask({l_len}) with is_causal=True, "
            f"or the mask alone"
        )
    if key_padding_mask is not None:
        kp = additive_mask(key_padding_mask, dt, fn)
        if kp.shape != (n, s_len):
            raise ValueError(
                f"{fn}: key_padding_mask must have shape (N, S) = {(n, s_len)}, got "
                f"{tuple(kp.shape)}"
            )
        kp = kp.reshape(n, 1, 1, s_len)
        mask = kp if mask is None else mask + kp
    if extra:
        inputs, mask, s_len = _extra_positions(
            inputs, mask, bias_k, bias_v, add_zero_attn, batch_first, n, s_len
        )
    _check_p(dropout_p, fn)
    drop = None
    if training and dropout_p > 0:
        drop = dropout_mask((n, h, l_len, s_len), dropout_p, dt)
    scale = 1.0 / math.sqrt(e // h)
    y, w = MultiHeadAttentionCore(h, batch_first, scale, mask, drop)(*inputs)
    if batch_first and drop is not None:
        # PyTorch's layout: out_proj over seq-major rows, the result a transposed view, so
        # the dropout that follows in training (a Transformer layer's dropout1, its p the
        # attention's) fills its mask in PyTorch's order (functional.dropout.dropout_mask).
        # Only then: the copies it costs in the backward are ~1-4 % of a Transformer step
        y = swapaxes(linear(swapaxes(y, 0, 1), out_proj_weight, out_proj_bias), 0, 1)
    else:
        y = linear(y, out_proj_weight, out_proj_bias)
    if not batched:
        y = reshape(y, (l_len, e))
    if not need_weights:
        return y, None
    if average_attn_weights:
        w = mean(w, 1)
        if not batched:
            w = reshape(w, (l_len, s_len))
    elif not batched:
        w = reshape(w, (h, l_len, s_len))
    return y, w


def _extra_positions(
    inputs: tuple, mask: Any, bias_k: Tensor | None, bias_v: Tensor | None,
    add_zero_attn: bool, batch_first: bool, n: int, s_len: int,
) -> tuple[tuple, Any, int]:  # fmt: skip
    """PyTorch's ``add_bias_kv`` and ``add_zero_attn``: the projected ``(q, k, v)`` with
    ``bias_k``/``bias_v`` and then a zero position appended to the keys and values along the
    sequence axis, the additive ``mask`` with an unmasked (zero) column for each, and the new
    key length."""
    q, k, v = inputs
    ax = 1 if batch_first else 0
    e_k, e_v = k.shape[-1], v.shape[-1]
    shape_k = (n, 1, e_k) if batch_first else (1, n, e_k)
    shape_v = (n, 1, e_v) if batch_first else (1, n, e_v)
    added = 0
    if bias_k is not None:
        if bias_v is None:
            raise ValueError("MultiheadAttention: bias_k and bias_v must be given together")
        k = concat([k, broadcast_to(reshape(bias_k, (1, 1, e_k)), shape_k)], ax)
        v = concat([v, broadcast_to(reshape(bias_v, (1, 1, e_v)), shape_v)], ax)
        added += 1
    if add_zero_attn:
        xp = backend.xp
        # (1, 1, E) zeros broadcast in the graph: no constant of the batch's size
        k = concat([k, broadcast_to(_const(xp.zeros((1, 1, e_k), k.dtype)), shape_k)], ax)
        v = concat([v, broadcast_to(_const(xp.zeros((1, 1, e_v), v.dtype)), shape_v)], ax)
        added += 1
    if mask is not None:
        pad = backend.xp.zeros((*mask.shape[:-1], added), mask.dtype)
        mask = backend.xp.concatenate([mask, pad], axis=-1)
    return (q, k, v), mask, s_len + added


def _arr(m: Any) -> Any:
    return m._data if isinstance(m, Tensor) else backend.xp.asarray(m)
