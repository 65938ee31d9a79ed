"""Recurrent networks: Elman RNN, LSTM and GRU cells, and fused whole-sequence functions.

The cells (one time step; ``x (B, in)``, ``h, c (B, H)``), in PyTorch's gate layout:

=====  ==========================================================================
RNN    h' = act(W_ih x + b_ih + W_hh h + b_hh)                act = tanh or relu
LSTM   [i, f, g, o] = W_ih x + b_ih + W_hh h + b_hh            (weights (4H, in), (4H, H))
       i, f, o = σ(·);  g = tanh(·);  c' = f ⊙ c + i ⊙ g;  h' = o ⊙ tanh(c')
       with projection (proj_size P < H):  h' = W_hr (o ⊙ tanh(c'))  (W_hr (P, H))
GRU    [r, z] = σ(W_i[rz] x + b_i[rz] + W_h[rz] h + b_h[rz])  (weights (3H, in), (3H, H))
       n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn));  h' = (1 - z) ⊙ n + z ⊙ h
=====  ==========================================================================

:func:`rnn_cell`, :func:`lstm_cell` and :func:`gru_cell` are written out from primitive
operations: the readable reference, differentiable to any order.

:func:`rnn`, :func:`lstm` and :func:`gru` run whole sequences through stacked,
optionally bidirectional layers. Each layer and direction is **one fused graph node**
(:class:`LSTMSequence`, :class:`GRUSequence`, :class:`RNNSequence`) that fuses:

* the input projection of all time steps as one (batched) matrix product before the loop,
  the bias folded in as a last column against a row of ones (GRU, RNN);
* per step, one product ``W_hh @ h`` for all gates, with gates stored as contiguous blocks
  (the state is kept transposed, ``(H, B)``, so every gate is a contiguous slab); the LSTM
  folds its input projection into that product instead, ``[W_hh | W_ih | b] @ [h; x_t; 1]``
  (the state history and the inputs share one buffer, so no per-step copy or add; measured
  in benchmarks/PERF-LOG.md);
* backpropagation through time as one pass with one product per step for ``dh``; the
  pre-activation gradients of all steps are stacked as ``(G, T, B)`` (each step's block
  stored from a scratch block) and the weight gradients come from one matrix product at the
  end (``[dW_ih | dW_hh] = Σ_t dA_t [x_t; h_{t-1}]ᵀ``; GRU: one each, its recurrent side differs).

Internally the sigmoid gates are evaluated as ``σ(a) = (tanh(a/2) + 1) / 2`` with the halving
folded into a scaled copy of the weights, so one ``tanh`` call activates all gates. In
float32 that ``tanh`` (and the cell's) is :func:`gate_tanh`: on CPUs without AVX-512, a
rational approximation within a few units in the last place, one compiled pass (NumPy's
float32 ``tanh`` is a 5x slower scalar loop there); with AVX-512, and in float64, NumPy's
``tanh``. The cells below use
:func:`deepgrad.functional.tanh` itself.

Double backward through the fused sequence functions is not supported (it raises
``NotImplementedError``); use the cells in a Python loop where second derivatives are needed.

Variable-length batches: pass ``lengths`` (one length per sample). Outputs past a sample's
length are zero, its final state is the state at its last valid step, and the reverse
direction starts at its last valid step, exactly as PyTorch's packed sequences.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy

from .. import backend, kernels, threads
from .._errors import ShapeMismatchError
from ..autograd import Function
from ..tensor import Tensor
from .activation import relu, sigmoid, tanh
from .dropout import Dropout, dropout_mask
from .linalg import linear
from .shape import concat, getitem, split, stack, swapaxes, unsqueeze

# ---------------------------------------------------------------------------------------
# cells, from primitives
# ---------------------------------------------------------------------------------------


def rnn_cell(
    x: Tensor,
    h: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
    nonlinearity: str = "tanh",
) -> Tensor:
    """One Elman RNN step ``h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)``.

    Shapes: ``x (B, in)``, ``h (B, H)``, ``w_ih (H, in)``, ``w_hh (H, H)``, biases ``(H,)``
    → ``h' (B, H)``. ``nonlinearity`` is ``"tanh"`` or ``"relu"``.
    """
    a = linear(x, w_ih, b_ih) + linear(h, w_hh, b_hh)
    if nonlinearity == "tanh":
        return tanh(a)
    if nonlinearity == "relu":
        return relu(a)
    raise ValueError(f"rnn_cell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")


def lstm_cell(
    x: Tensor,
    h: Tensor,
    c: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """One LSTM step; returns ``(h', c')``.

    ``[i, f, g, o] = x W_ihᵀ + b_ih + h W_hhᵀ + b_hh`` (gate blocks of ``H`` columns),
    ``c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g)``, ``h' = σ(o) ⊙ tanh(c')``.
    Shapes: ``x (B, in)``, ``h, c (B, H)``, ``w_ih (4H, in)``, ``w_hh (4H, H)``,
    biases ``(4H,)``.
    """
    gates = linear(x, w_ih, b_ih) + linear(h, w_hh, b_hh)
    i, f, g, o = split(gates, h.shape[-1], axis=-1)  # chunks of H columns
    c2 = sigmoid(f) * c + sigmoid(i) * tanh(g)
    return sigmoid(o) * tanh(c2), c2


def gru_cell(
    x: Tensor,
    h: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> Tensor:
    """One GRU step (PyTorch's form, the reset gate applied after ``W_hn``).

    ``r = σ(x_r + h_r)``, ``z = σ(x_z + h_z)``, ``n = tanh(x_n + r ⊙ h_n)``,
    ``h' = (1 - z) ⊙ n + z ⊙ h``, where ``[x_r, x_z, x_n] = x W_ihᵀ + b_ih`` and
    ``[h_r, h_z, h_n] = h W_hhᵀ + b_hh``. Shapes: ``w_ih (3H, in)``, ``w_hh (3H, H)``.
    """
    H = h.shape[-1]
    xr, xz, xn = split(linear(x, w_ih, b_ih), H, axis=-1)
    hr, hz, hn = split(linear(h, w_hh, b_hh), H, axis=-1)
    r = sigmoid(xr + hr)
    z = sigmoid(xz + hz)
    n = tanh(xn + r * hn)
    return n + z * (h - n)


# ---------------------------------------------------------------------------------------
# the fused layers' float32 tanh
# ---------------------------------------------------------------------------------------

#: ``tanh(x) ≈ v · P(v²) / Q(v²)``, ``v = clip(x, −9, 9)``: a rational minimax fit of
#: ``tanh(x) / x`` in ``s = x²`` (degrees 5 and 4; relative error 1.3e-9 in exact
#: arithmetic, rounded to float32 coefficients), as ``[X, 1, p0…p5, q0…q4]``
_TANH32 = numpy.array(
    [9.0, 1.0,
     1.0, 0.13680855929851532, 0.00386950746178627, 2.8031301553710364e-05,
     3.064250719830852e-08, -1.2246233541124418e-11,
     1.0, 0.4701418876647949, 0.027250153943896294, 0.00039407124859280884,
     1.2890344578408985e-06],
    numpy.float32,
)  # fmt: skip


def _numpy_tanh32_is_simd() -> bool:
    """Whether NumPy's float32 ``tanh`` runs its AVX-512 loop on this CPU (NumPy's dispatch
    target for it is ``X86_V4`` or an ``AVX512_*`` one): there it is as fast as the rational
    kernel (Intel Xeon, Sapphire Rapids: 9.6 against 13.5 µs at ``(512, 64)``, LLVM's loop
    runs on 256-bit vectors); below it, a scalar loop (AMD EPYC Zen 3: 86 µs)."""
    try:
        from numpy.lib.introspect import opt_func_info  # NumPy >= 2.0

        info = opt_func_info(func_name="^tanh$", signature="^float32")
        current = next(iter(info["tanh"].values()))["current"]
    except Exception:  # noqa: BLE001 - NumPy 1.x: its only float32 tanh loop is AVX512_SKX
        try:
            from numpy.core._multiarray_umath import __cpu_features__ as features
        except ImportError:  # pragma: no cover - NumPy 2 without introspect
            return False
        return bool(features.get("AVX512_SKX"))
    return current == "X86_V4" or current.startswith("AVX512")


#: whether :func:`gate_tanh` takes the rational form in float32 (``False``: NumPy's ``tanh``,
#: where that is vectorized for this CPU); read at each call, so tests may set it
RATIONAL_TANH32: bool = not _numpy_tanh32_is_simd()


def gate_tanh(a: Any, out: Any = None) -> Any:
    """``tanh(a)`` as the fused recurrent layers activate their gates and cells (into
    ``out``, which may be ``a``; returned).

    float32 NumPy arrays on CPUs where NumPy's float32 ``tanh`` is a scalar loop (without
    AVX-512; :data:`RATIONAL_TANH32`): ``clip(v · P(v²) / Q(v²), −1, 1)`` with
    ``v = clip(a, −9, 9)``
    and the degree-5 and degree-4 polynomials of :data:`_TANH32` (Horner's rule, float32
    arithmetic; from ±9.01 on, float32's tanh is ±1). Checked over every float32 in
    ``[0, 10]``: within 6.04 units in the last place of the true tanh, 97.4 % of them
    within one (NumPy's own float32 ``tanh``: 1.4), odd bit for bit, never past ±1,
    monotone up to one-unit wobbles; NaN, ±inf and signed zeros as tanh's (tests/functional/
    test_recurrent.py sweeps every 61st). It runs as one compiled pass
    (``kernels.rational_tanh``: these operations in this order, so the same bits): on an
    AMD EPYC (Zen 3) 18 µs for an LSTM step's ``(512, 64)`` gates against NumPy's 86 µs
    (the LSTM training step of ``benchmarks/`` 1.28× faster at two threads). Where NumPy's
    float32 ``tanh`` runs its AVX-512 loop, and for float64 and other array modules: their
    own ``tanh``, unchanged.

    >>> import numpy as np
    >>> x = np.array([-20.0, -0.5, 0.0, 0.5, 20.0], np.float32)
    >>> bool(np.allclose(gate_tanh(x), np.tanh(x), rtol=1e-6, atol=0))
    True
    """
    if type(a) is not numpy.ndarray or a.dtype != numpy.float32 or not RATIONAL_TANH32:
        return backend.xp.tanh(a, out=out)
    if out is None:
        out = numpy.empty_like(a)
    if kernels.rational_tanh(a, out, _TANH32):
        return out
    k = _TANH32
    v = numpy.minimum(a, k[0])
    numpy.maximum(v, -k[0], out=v)
    s = v * v
    p = s * k[7]  # ((((p5 s + p4) s + p3) s + p2) s + p1) s + p0
    for c in k[6:2:-1]:
        p += c
        p *= s
    p += k[2]
    q = s * k[12]  # (((q4 s + q3) s + q2) s + q1) s + q0
    for c in k[11:8:-1]:
        q += c
        q *= s
    q += k[8]
    p *= v
    p /= q
    numpy.minimum(p, k[1], out=p)
    return numpy.maximum(p, -k[1], out=out)


# ---------------------------------------------------------------------------------------
# fused whole-sequence functions (one layer, one direction)
# ---------------------------------------------------------------------------------------


class _FusedGrad(Function):
    """Carries the gradients computed by a fused sequence's backward into the graph, so
    that ``create_graph=True`` records a node; differentiating that node again raises."""

    def __init__(self, compute: Any, name: str) -> None:
        self.compute, self.name = compute, name

    def forward(self, *xs: Any) -> Any:
        return self.compute()

    def backward(self, *gys: Tensor) -> Any:
        raise NotImplementedError(
            f"double backward of {self.name} is not supported; for second derivatives run "
            "the cell functions (lstm_cell, gru_cell, rnn_cell) in a loop"
        )


class _SequenceFunction(Function):
    """Shared machinery of the fused sequence functions.

    Inputs: ``x (T, B, in)``, the initial state(s) ``(B, H)``, ``w_ih``, ``w_hh`` and
    optionally ``b_ih``, ``b_hh`` (PyTorch's layouts). ``batch_sizes[t]`` is the number of samples still
    running at step ``t`` (samples sorted by decreasing length; ``None``: all of them).
    """

    n_states = 1
    name = "sequence"

    def __init__(self, reverse: bool = False, batch_sizes: Sequence[int] | None = None) -> None:
        self.reverse = reverse
        self.batch_sizes = None if batch_sizes is None else [int(b) for b in batch_sizes]

    def _steps(self, T: int) -> list[tuple[int, int, int, int]]:
        """``(t, prev_slot, new_slot, active)`` in processing order; state slot ``s`` of the
        ``(T + 1, H, B)`` history holds the state before (forward) / after (reverse) step
        ``s``, so the output at step ``t`` is slot ``t + 1`` (forward) or ``t`` (reverse)."""
        bs = self.batch_sizes
        out = []
        for t in range(T - 1, -1, -1) if self.reverse else range(T):
            p, n = (t + 1, t) if self.reverse else (t, t + 1)
            out.append((t, p, n, bs[t] if bs is not None else self.B))
        return out

    def _outputs(self, Hs: Any) -> Any:
        """The ``(T, B, H)`` output: the new state of each step, zero past each length."""
        xp = backend.xp
        hist = Hs[:-1] if self.reverse else Hs[1:]
        out = xp.ascontiguousarray(hist.transpose(0, 2, 1))
        if self.batch_sizes is not None:
            if xp.may_share_memory(out, Hs):
                # H = 1: the transpose is already contiguous, so a view of the states; the
                # zeros below would erase the states carried past each length (h_n, backward)
                out = out.copy()
            for t, b in enumerate(self.batch_sizes):
                if b < self.B:
                    out[t, b:] = 0
        return out

    def _prev_states(self, Hs: Any) -> Any:
        """``(T, H, B)``: the state each step started from."""
        return Hs[1:] if self.reverse else Hs[:-1]

    def _grad_stack(self, G: int, T: int, dt: Any) -> tuple[bool, Any]:
        """``(gtb, stack)``: where the backward stores each step's ``(G, B)`` gradient, a
        fresh block per step (never a reused scratch block, whose cache lines the previous
        step's GEMM threads on the other core still hold). Full batches with one BLAS thread:
        ``(G, T, B)`` (``gtb``), each step straight into ``stack[:, t]``, the weight GEMMs'
        operand as it is. With more threads: contiguous blocks of ``(T, G, B)``, transposed
        once for the weight GEMMs after the loop (:meth:`_weight_grads`): the next step's
        ``W_hhᵀ dA_t``, run on both cores, reads a strided ``(G, B)`` slab that the other
        core just wrote far slower than a contiguous block. Ragged batches: ``(T, G, B)``,
        zero past each length."""
        xp, B, full = backend.xp, self.B, self.batch_sizes is None
        if full and threads.blas_threads() == 1:
            return True, xp.empty((G, T, B), dt)
        return False, (xp.empty if full else xp.zeros)((T, G, B), dt)

    def backward(self, *gys: Tensor | None) -> tuple:
        arrays = [None if g is None else g._data for g in gys]
        needed = [i for i, n in enumerate(self.needs_input_grad) if n]
        if self.inputs[0]._data.dtype.kind == "c":
            # complex: the cells are holomorphic (tanh, σ, products), so PyTorch's gradient
            # Jᴴ·gy is conj(Jᵀ·conj(gy)): the real formulas on conjugated gradients, conjugated
            arrays = [None if a is None else a.conj() for a in arrays]

            def compute() -> tuple:
                return tuple(g.conj() for g in self._grads(arrays, needed))

        else:

            def compute() -> tuple:
                return self._grads(arrays, needed)

        res = _FusedGrad(compute, self.name)(*self.inputs)
        grads: list[Any] = [None] * len(self.inputs)
        for i, g in zip(needed, res):
            grads[i] = g
        return tuple(grads)

    def _input_projection(self, w: Any, b: Any, x: Any) -> Any:
        """``A[t] = w x_tᵀ + b`` for all steps, ``(T, G, B)``: one batched product with the
        bias folded in as a column of ``w`` against a row of ones (the bias is the last term
        of each dot product, so ``A`` equals the product plus ``b`` added after it)."""
        xp = backend.xp
        xt = x.transpose(0, 2, 1)
        if b is None:
            return xp.matmul(w, xt)
        T, B, n_in = x.shape
        xe = xp.empty((T, n_in + 1, B), x.dtype)
        xe[:, :n_in] = xt
        xe[:, n_in] = 1
        return xp.matmul(xp.concatenate([w, b[:, None]], axis=1), xe)

    def _weight_grads(
        self, dA: Any, x: Any, Hprev: Any, needed: list[int], dB_hh: Any = None, gtb: bool = False
    ):
        """Input, weight and bias gradients from the stacked pre-activation gradients
        ``dA (T, G, B)`` (``(G, T, B)`` with ``gtb``); ``dB_hh`` (same layout) replaces ``dA``
        for the recurrent side when it differs (GRU). When the recurrent side shares ``dA``,
        ``dW_ih = Σ_t dA_t x_t`` and ``dW_hh = Σ_t dA_t h_{t-1}ᵀ`` are one matrix product
        over all steps, ``dA (G, T·B) @ [x | h_prev]ᵀ`` (``(in + P, T·B)``); otherwise one
        product each. Bias gradients are NumPy sums (pairwise), not folded into a GEMM."""
        xp = backend.xp
        if gtb:  # already stacked as (G, T, B)
            G, T, B = dA.shape
            d2 = dA.reshape(G, T * B)
        else:
            T, G, B = dA.shape
            d2 = xp.ascontiguousarray(dA.transpose(1, 0, 2)).reshape(G, T * B)
        k = self.n_states
        out: dict[int, Any] = {}
        w_ih = self.inputs[k + 1]._data
        if 0 in needed:
            gx = d2.T @ self._internal_rows(w_ih)  # explicit sizes: B may be 0
            out[0] = gx.reshape(T, B, gx.shape[-1])
        n_in, P = x.shape[-1], Hprev.shape[1]
        dh2 = d2
        if dB_hh is not None and (k + 2 in needed or k + 4 in needed):
            dh2 = (
                dB_hh.reshape(G, T * B)
                if gtb
                else xp.ascontiguousarray(dB_hh.transpose(1, 0, 2)).reshape(G, T * B)
            )
        if dB_hh is None and k + 1 in needed and k + 2 in needed:
            Z = xp.empty((n_in + P, T, B), d2.dtype)  # [x_t; h_{t-1}] for every step
            Z[:n_in] = x.transpose(2, 0, 1)
            Z[n_in:] = Hprev.transpose(1, 0, 2)
            dW = d2 @ Z.reshape(n_in + P, T * B).T
            out[k + 1] = xp.ascontiguousarray(dW[:, :n_in])
            out[k + 2] = xp.ascontiguousarray(dW[:, n_in:])
        else:
            if k + 1 in needed:
                out[k + 1] = d2 @ x.reshape(T * B, n_in)
            if k + 2 in needed:
                hp = xp.ascontiguousarray(Hprev.transpose(1, 0, 2)).reshape(P, T * B)
                if self.h0_zero:  # the first step's h_prev is 0: leave its columns out
                    cols = slice(B, None) if not self.reverse else slice(0, (T - 1) * B)
                    out[k + 2] = dh2[:, cols] @ hp[:, cols].T
                else:
                    out[k + 2] = dh2 @ hp.T
        if k + 3 in needed:
            out[k + 3] = d2.sum(axis=1)
        if k + 4 in needed:
            same = dh2 is d2 and k + 3 in out
            out[k + 4] = out[k + 3].copy() if same else dh2.sum(axis=1)
        for i in (k + 1, k + 2, k + 3, k + 4):
            if i in out:
                out[i] = self._perm_rows_back(out[i])
        return out

    # gate-row permutation between PyTorch's layout and the internal one (LSTM overrides)
    def _internal_rows(self, w: Any) -> Any:
        """The rows of ``w`` (PyTorch's gate order) in the internal gate order."""
        return w

    def _perm_rows_back(self, g: Any) -> Any:
        """A gradient in the internal gate order, back in PyTorch's row order."""
        return g


class LSTMSequence(_SequenceFunction):
    """One LSTM layer over a whole sequence, in one graph node.

    ``forward(x, h0, c0, w_ih, w_hh[, b_ih, b_hh][, w_hr])`` with ``x (T, B, in)``,
    ``h0 (B, P)``, ``c0 (B, H)`` returns ``(output (T, B, P), h_n (B, P), c_n (B, H))``.
    Without ``w_hr``, ``P = H``. With the projection ``w_hr (P, H)`` (PyTorch's
    ``proj_size = P < H``) the state is ``h_t = W_hr (σ(o) ⊙ tanh(c_t))`` and ``w_hh`` is
    ``(4H, P)``; an odd number of weights (3 or 5) means the last one is ``w_hr``.
    """

    # the backward reads memory of the output (the states): a write into the
    # output afterwards is refused at backward, as PyTorch refuses one
    keep_output = True

    n_states = 2
    name = "LSTMSequence"

    def forward(self, x: Any, h0: Any, c0: Any, w_ih: Any, w_hh: Any, *rest: Any) -> Any:
        xp = backend.xp
        T, B, _ = x.shape
        proj = len(rest) % 2 == 1
        self.proj = proj
        whr = rest[-1] if proj else None
        bias = rest[:-1] if proj else rest
        H = w_hh.shape[0] // 4
        P = w_hh.shape[1]  # the state size: proj_size, or H without projection
        self.B, self.H, self.P = B, H, P
        dt = x.dtype
        # internal gate order i, f, o, g: the three sigmoid gates form one block
        perm = xp.concatenate(
            [xp.arange(0, 2 * H), xp.arange(3 * H, 4 * H), xp.arange(2 * H, 3 * H)]
        )
        self.perm = perm
        wih = w_ih[perm]
        wih[: 3 * H] *= 0.5
        whh = w_hh[perm]
        self.whh_p = whh.copy()  # unscaled, for dh = W_hhᵀ dA in backward
        whh[: 3 * H] *= 0.5
        b = None
        if bias:
            b = (bias[0] + bias[1])[perm]
            b[: 3 * H] *= 0.5
        # each step's gates in one product over [h_{t-1}; x_t; 1]: W = [W_hh | W_ih | b]
        # (K = P + in + 1 columns) against slot p of Z, whose first P rows are the state
        # history Hs and whose next rows hold the input of the step that starts from it (no
        # separate input projection, no add of it into each step's product)
        n_in = x.shape[2]
        Z = xp.empty((T + 1, P + n_in + (b is not None), B), dt)
        off = 1 if self.reverse else 0  # step t starts from slot t (t + 1 in reverse)
        Z[off : off + T, P : P + n_in] = x.transpose(0, 2, 1)
        parts = [whh, wih]
        if b is not None:
            Z[:, P + n_in] = 1
            parts.append(b[:, None])
        wcat = xp.concatenate(parts, axis=1)
        Hs = Z[:, :P]
        A = xp.empty((T, 4 * H, B), dt)  # each step's gates, activated (kept for backward)
        Cs = xp.empty((T + 1, H, B), dt)
        TC = xp.empty((T, H, B), dt)
        # with projection: M[t] = σ(o) ⊙ tanh(c_t) (H, B), kept for dW_hr = Σ_t dh_t M_tᵀ;
        # zeros past each length so that the padded columns add nothing there
        full = self.batch_sizes is None
        M = (xp.empty if full else xp.zeros)((T, H, B), dt) if proj else None
        first = T if self.reverse else 0
        Hs[first] = h0.T
        Cs[first] = c0.T
        tmp2 = xp.empty((H, B), dt)
        tanh_, mul, matmul = gate_tanh, xp.multiply, xp.matmul
        H3 = 3 * H
        self.h0_zero = not h0.any()  # W_hh @ 0 = 0: the weight gradient skips that step
        for t, p, n, b in self._steps(T):
            if b == B:
                G = A[t]
                matmul(wcat, Z[p], out=G)
                tanh_(G, out=G)
                c = Cs[n]
                if not kernels.lstm_gates(G, Cs[p], c):  # else the same floats, compiled
                    S = G[:H3]
                    S *= 0.5
                    S += 0.5
                    mul(G[H : 2 * H], Cs[p], out=c)
                    mul(G[:H], G[H3:], out=tmp2)
                    c += tmp2
                tc = TC[t]
                tanh_(c, out=tc)
                if proj:
                    mul(G[2 * H : H3], tc, out=M[t])
                    matmul(whr, M[t], out=Hs[n])
                else:
                    mul(G[2 * H : H3], tc, out=Hs[n])
            else:
                G = A[t][:, :b]
                G[...] = matmul(wcat, Z[p][:, :b])
                tanh_(G, out=G)
                S = G[:H3]
                S *= 0.5
                S += 0.5
                c = Cs[n][:, :b]
                mul(G[H : 2 * H], Cs[p][:, :b], out=c)
                c += G[:H] * G[H3:]
                tc = TC[t][:, :b]
                tanh_(c, out=tc)
                if proj:
                    m = M[t][:, :b]
                    mul(G[2 * H : H3], tc, out=m)
                    Hs[n][:, :b] = whr @ m
                else:
                    mul(G[2 * H : H3], tc, out=Hs[n][:, :b])
                Hs[n][:, b:] = Hs[p][:, b:]
                Cs[n][:, b:] = Cs[p][:, b:]
        self.A, self.Hs, self.Cs, self.TC, self.M = A, Hs, Cs, TC, M
        last = 0 if self.reverse else T
        return self._outputs(Hs), xp.ascontiguousarray(Hs[last].T), xp.ascontiguousarray(Cs[last].T)

    def _internal_rows(self, w: Any) -> Any:
        return w[self.perm]

    def _perm_rows_back(self, g: Any) -> Any:
        out = backend.xp.empty_like(g)
        out[self.perm] = g
        return out

    def _grads(self, gys: list, needed: list[int]) -> tuple:
        xp = backend.xp
        gout, ghn, gcn = gys
        x = self.inputs[0]._data
        A, Hs, Cs, TC, M = self.A, self.Hs, self.Cs, self.TC, self.M
        T, B, H, P = x.shape[0], self.B, self.H, self.P
        dt = x.dtype
        H2, H3 = 2 * H, 3 * H
        proj = self.proj
        ir = len(self.inputs) - 1  # index of w_hr among the inputs (with projection)
        dh = xp.zeros((P, B), dt) if ghn is None else xp.ascontiguousarray(ghn.T)
        dc = xp.zeros((H, B), dt) if gcn is None else xp.ascontiguousarray(gcn.T)
        goutT = None if gout is None else gout.transpose(0, 2, 1)
        full = self.batch_sizes is None
        gtb, dA = self._grad_stack(4 * H, T, dt)
        t1 = xp.empty((H, B), dt)
        t3 = xp.empty((H3, B), dt)
        whhT = self.whh_p.T
        if proj:  # dm = W_hrᵀ dh: the gradient of σ(o) ⊙ tanh(c) (H, B)
            whrT = self.inputs[ir]._data.T
            dm = xp.empty((H, B), dt)
            want_hr = ir in needed
            DR = (xp.empty if full else xp.zeros)((T, P, B), dt) if want_hr else None
        else:
            dm = dh  # no projection: the state is σ(o) ⊙ tanh(c) itself
        mul, matmul = xp.multiply, xp.matmul
        for j, (t, p, _n, b) in enumerate(reversed(self._steps(T))):
            if b == B:
                if goutT is not None:
                    dh += goutT[t]
                if proj:
                    if want_hr:
                        DR[t] = dh
                    matmul(whrT, dh, out=dm)
                G, tc = A[t], TC[t]
                D = dA[:, t] if gtb else dA[t]
                # compiled (one BLAS thread: straight into dA[:, t]), else the NumPy form
                if not kernels.lstm_backward(G, tc, Cs[p], dm, dc, *((dA, t) if gtb else (D,))):
                    i, f, o, g = G[:H], G[H:H2], G[H2:H3], G[H3:]
                    mul(dm, tc, out=D[H2:H3])  # d o
                    mul(tc, tc, out=t1)  # dc += dm ⊙ o ⊙ (1 - tc²)
                    xp.subtract(1, t1, out=t1)
                    t1 *= o
                    t1 *= dm
                    dc += t1
                    mul(dc, g, out=D[:H])  # d i
                    mul(dc, Cs[p], out=D[H:H2])  # d f
                    mul(dc, i, out=D[H3:])  # d g
                    dc *= f
                    xp.subtract(1, G[:H3], out=t3)  # σ' = σ (1 - σ)
                    t3 *= G[:H3]
                    mul(g, g, out=t1)  # tanh' = 1 - g²
                    xp.subtract(1, t1, out=t1)
                    D[:H3] *= t3
                    D[H3:] *= t1
                if j < T - 1 or 1 in needed:
                    matmul(whhT, D, out=dh)
            else:
                dhb, dcb = dh[:, :b], dc[:, :b]
                if goutT is not None:
                    dhb += goutT[t][:, :b]
                dmb = dhb
                if proj:
                    if want_hr:
                        DR[t][:, :b] = dhb
                    dmb = whrT @ dhb
                G, D, tc = A[t][:, :b], dA[t][:, :b], TC[t][:, :b]
                i, f, o, g = G[:H], G[H:H2], G[H2:H3], G[H3:]
                D[H2:H3] = dmb * tc
                dcb += dmb * o * (1 - tc * tc)
                D[:H] = dcb * g
                D[H:H2] = dcb * Cs[p][:, :b]
                D[H3:] = dcb * i * (1 - g * g)
                dcb *= f
                D[:H3] *= G[:H3] * (1 - G[:H3])
                dh[:, :b] = whhT @ D
        needed_w = [i for i in needed if not (proj and i == ir)]
        out = self._weight_grads(dA, x, self._prev_states(Hs), needed_w, gtb=gtb)
        if proj and want_hr:  # dW_hr = Σ_t dh_t M_tᵀ, one GEMM over all steps
            out[ir] = xp.tensordot(DR, M, axes=([0, 2], [0, 2]))
        if 1 in needed:
            out[1] = xp.ascontiguousarray(dh.T)
        if 2 in needed:
            out[2] = xp.ascontiguousarray(dc.T)
        return tuple(out[i] for i in needed)


class GRUSequence(_SequenceFunction):
    """One GRU layer over a whole sequence, in one graph node.

    ``forward(x, h0, w_ih, w_hh[, b_ih, b_hh])`` with ``x (T, B, in)``, ``h0 (B, H)`` returns
    ``(output (T, B, H), h_n (B, H))``.
    """

    # the backward reads memory of the output (the states): a write into the
    # output afterwards is refused at backward, as PyTorch refuses one
    keep_output = True

    name = "GRUSequence"

    def forward(self, x: Any, h0: Any, w_ih: Any, w_hh: Any, *bias: Any) -> Any:
        xp = backend.xp
        T, B, _ = x.shape
        H = w_hh.shape[1]
        self.B, self.H = B, H
        dt = x.dtype
        H2 = 2 * H
        wih = w_ih.copy()
        wih[:H2] *= 0.5
        whh = w_hh.copy()
        whh[:H2] *= 0.5
        bi = bhn = None
        if bias:
            bi = bias[0].copy()
            bi[:H2] += bias[1][:H2]  # r, z: both biases add up; b_hn stays inside r ⊙ (·)
            bi[:H2] *= 0.5
            bhn = bias[1][H2:, None]
        A = self._input_projection(wih, bi, x)  # (T, 3H, B)
        Hs = xp.empty((T + 1, H, B), dt)
        HN = xp.empty((T, H, B), dt)  # W_hn h + b_hn, needed for dr
        Hs[T if self.reverse else 0] = h0.T
        tmp = xp.empty((3 * H, B), dt)
        tmp2 = xp.empty((H, B), dt)
        tanh_, mul, matmul = gate_tanh, xp.multiply, xp.matmul
        skip = self.h0_zero = not h0.any()  # W_hh @ 0 = 0: skip the first product
        for j, (t, p, n, b) in enumerate(self._steps(T)):
            if b == B:
                G = A[t]
                if j or not skip:
                    matmul(whh, Hs[p], out=tmp)
                else:
                    tmp.fill(0)
                RZ = G[:H2]
                RZ += tmp[:H2]
                tanh_(RZ, out=RZ)
                RZ *= 0.5
                RZ += 0.5
                hn = HN[t]
                if bhn is None:
                    hn[...] = tmp[H2:]
                else:
                    xp.add(tmp[H2:], bhn, out=hn)
                N = G[H2:]
                mul(G[:H], hn, out=tmp2)
                N += tmp2
                tanh_(N, out=N)
                hp, hnew = Hs[p], Hs[n]
                xp.subtract(hp, N, out=hnew)  # h' = n + z ⊙ (h - n)
                hnew *= G[H:H2]
                hnew += N
            else:
                G = A[t][:, :b]
                g_ = matmul(whh, Hs[p][:, :b])
                RZ = G[:H2]
                RZ += g_[:H2]
                tanh_(RZ, out=RZ)
                RZ *= 0.5
                RZ += 0.5
                hn = HN[t][:, :b]
                hn[...] = g_[H2:] if bhn is None else g_[H2:] + bhn
                N = G[H2:]
                N += G[:H] * hn
                tanh_(N, out=N)
                hp = Hs[p][:, :b]
                Hs[n][:, :b] = N + G[H:H2] * (hp - N)
                Hs[n][:, b:] = Hs[p][:, b:]
        self.A, self.Hs, self.HN = A, Hs, HN
        last = 0 if self.reverse else T
        return self._outputs(Hs), xp.ascontiguousarray(Hs[last].T)

    def _grads(self, gys: list, needed: list[int]) -> tuple:
        xp = backend.xp
        gout, ghn = gys
        x = self.inputs[0]._data
        A, Hs, HN = self.A, self.Hs, self.HN
        T, B, H = x.shape[0], self.B, self.H
        dt = x.dtype
        H2 = 2 * H
        dh = xp.zeros((H, B), dt) if ghn is None else xp.ascontiguousarray(ghn.T)
        goutT = None if gout is None else gout.transpose(0, 2, 1)
        gtb, dA = self._grad_stack(3 * H, T, dt)
        dAh = xp.empty_like(dA) if self.batch_sizes is None else xp.zeros_like(dA)
        t1 = xp.empty((H, B), dt)
        t2 = xp.empty((H2, B), dt)
        whhT = self.inputs[3]._data.T
        mul, matmul = xp.multiply, xp.matmul
        for j, (t, p, _n, b) in enumerate(reversed(self._steps(T))):
            if b == B:
                if goutT is not None:
                    dh += goutT[t]
                G = A[t]
                D, Dh = (dA[:, t], dAh[:, t]) if gtb else (dA[t], dAh[t])
                r, z, n = G[:H], G[H:H2], G[H2:]
                hp = Hs[p]
                xp.subtract(hp, n, out=t1)  # dz = dh ⊙ (h - n)
                mul(dh, t1, out=D[H:H2])
                xp.subtract(1, z, out=t1)  # dn = dh ⊙ (1 - z) ⊙ (1 - n²)
                mul(dh, t1, out=D[H2:])
                mul(n, n, out=t1)
                xp.subtract(1, t1, out=t1)
                D[H2:] *= t1
                mul(D[H2:], r, out=Dh[H2:])  # d(W_hn h + b_hn) = dn ⊙ r
                mul(D[H2:], HN[t], out=D[:H])  # dr = dn ⊙ hn
                xp.subtract(1, G[:H2], out=t2)
                t2 *= G[:H2]
                D[:H2] *= t2
                Dh[:H2] = D[:H2]
                dh *= z
                if j < T - 1 or 1 in needed:
                    matmul(whhT, Dh, out=t1)
                    dh += t1
            else:
                dhb = dh[:, :b]
                if goutT is not None:
                    dhb += goutT[t][:, :b]
                G, D, Dh = A[t][:, :b], dA[t][:, :b], dAh[t][:, :b]
                r, z, n = G[:H], G[H:H2], G[H2:]
                D[H:H2] = dhb * (Hs[p][:, :b] - n)
                D[H2:] = dhb * (1 - z) * (1 - n * n)
                Dh[H2:] = D[H2:] * r
                D[:H] = D[H2:] * HN[t][:, :b]
                D[:H2] *= G[:H2] * (1 - G[:H2])
                Dh[:H2] = D[:H2]
                dh[:, :b] = dhb * z + whhT @ Dh
        out = self._weight_grads(dA, x, self._prev_states(Hs), needed, dB_hh=dAh, gtb=gtb)
        if 1 in needed:
            out[1] = xp.ascontiguousarray(dh.T)
        return tuple(out[i] for i in needed)


class RNNSequence(_SequenceFunction):
    """One Elman RNN layer (tanh or relu) over a whole sequence, in one graph node.

    ``forward(x, h0, w_ih, w_hh[, b_ih, b_hh])`` returns ``(output (T, B, H), h_n (B, H))``.
    """

    # the backward reads memory of the output (the states): a write into the
    # output afterwards is refused at backward, as PyTorch refuses one
    keep_output = True

    name = "RNNSequence"

    def __init__(
        self,
        nonlinearity: str = "tanh",
        reverse: bool = False,
        batch_sizes: Sequence[int] | None = None,
    ) -> None:
        super().__init__(reverse, batch_sizes)
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.relu = nonlinearity == "relu"

    def forward(self, x: Any, h0: Any, w_ih: Any, w_hh: Any, *bias: Any) -> Any:
        xp = backend.xp
        T, B, _ = x.shape
        H = w_hh.shape[1]
        self.B, self.H = B, H
        A = self._input_projection(w_ih, (bias[0] + bias[1]) if bias else None, x)  # (T, H, B)
        Hs = xp.empty((T + 1, H, B), x.dtype)
        Hs[T if self.reverse else 0] = h0.T
        tmp = xp.empty((H, B), x.dtype)
        skip = self.h0_zero = not h0.any()  # W_hh @ 0 = 0: skip the first product
        for j, (t, p, n, b) in enumerate(self._steps(T)):
            if b == B:
                if j or not skip:
                    xp.matmul(w_hh, Hs[p], out=tmp)
                else:
                    tmp.fill(0)
                h = Hs[n]
                xp.add(A[t], tmp, out=h)
                if self.relu:
                    xp.maximum(h, 0, out=h)
                else:
                    gate_tanh(h, out=h)
            else:
                a = A[t][:, :b] + w_hh @ Hs[p][:, :b]
                Hs[n][:, :b] = xp.maximum(a, 0) if self.relu else gate_tanh(a)
                Hs[n][:, b:] = Hs[p][:, b:]
        self.Hs = Hs
        last = 0 if self.reverse else T
        return self._outputs(Hs), xp.ascontiguousarray(Hs[last].T)

    def _grads(self, gys: list, needed: list[int]) -> tuple:
        xp = backend.xp
        gout, ghn = gys
        x = self.inputs[0]._data
        Hs = self.Hs
        T, B, H = x.shape[0], self.B, self.H
        dt = x.dtype
        dh = xp.zeros((H, B), dt) if ghn is None else xp.ascontiguousarray(ghn.T)
        goutT = None if gout is None else gout.transpose(0, 2, 1)
        gtb, dA = self._grad_stack(H, T, dt)
        whhT = self.inputs[3]._data.T
        for j, (t, _p, n, b) in enumerate(reversed(self._steps(T))):
            if b == B:
                if goutT is not None:
                    dh += goutT[t]
                D, hn = (dA[:, t] if gtb else dA[t]), Hs[n]
                if self.relu:
                    xp.multiply(dh, hn > 0, out=D)
                else:
                    xp.multiply(hn, hn, out=D)
                    xp.subtract(1, D, out=D)
                    D *= dh
                if j < T - 1 or 1 in needed:
                    xp.matmul(whhT, D, out=dh)
            else:
                dhb = dh[:, :b]
                if goutT is not None:
                    dhb += goutT[t][:, :b]
                hn = Hs[n][:, :b]
                D = dhb * (hn > 0) if self.relu else dhb * (1 - hn * hn)
                dA[t][:, :b] = D
                dh[:, :b] = whhT @ D
        out = self._weight_grads(dA, x, self._prev_states(Hs), needed, gtb=gtb)
        if 1 in needed:
            out[1] = xp.ascontiguousarray(dh.T)
        return tuple(out[i] for i in needed)


# ---------------------------------------------------------------------------------------
# stacked, bidirectional, variable-length drivers
# ---------------------------------------------------------------------------------------


class _TakeAlong(Function):
    """``x`` reordered along ``axis`` by a permutation; the backward applies the inverse."""

    def __init__(self, order: Any, axis: int) -> None:
        self.order, self.axis = backend.xp.asarray(order), axis

    def forward(self, x: Any) -> Any:
        return backend.xp.take(x, self.order, axis=self.axis)

    def backward(self, gy: Tensor) -> Tensor:
        return _TakeAlong(backend.xp.argsort(self.order), self.axis)(gy)


def _batch_sizes(lengths: Any, T: int, B: int, fn: str) -> tuple[Any, list[int] | None]:
    """Validate ``lengths``; return ``(order, batch_sizes)`` where ``order`` sorts the batch
    by decreasing length (``None`` when it already is sorted)."""
    lens = numpy.asarray(
        backend.to_numpy(lengths._data if isinstance(lengths, Tensor) else lengths)
    )
    if lens.ndim != 1 or lens.shape[0] != B or lens.dtype.kind not in "iu":
        raise ValueError(
            f"{fn}: lengths must be {B} integers (one per sample), got "
            f"{'dtype ' + str(lens.dtype) if lens.dtype.kind not in 'iu' else 'shape ' + str(lens.shape)}"
        )
    if B and (lens.min() < 1 or lens.max() > T):
        raise ValueError(
            f"{fn}: lengths must lie in [1, {T}] (the padded sequence length), got "
            f"min {lens.min()}, max {lens.max()}"
        )
    order = numpy.argsort(-lens, kind="stable")
    sorted_lens = lens[order]
    bs = (sorted_lens[None, :] > numpy.arange(T)[:, None]).sum(axis=1)
    if numpy.array_equal(order, numpy.arange(B)):
        order = None
    return order, [int(b) for b in bs]


def _layer_dropout(inp: Tensor, p: float, batch_sizes: list[int] | None) -> Tensor:
    """Dropout between stacked layers as PyTorch's kernel draws it: one mask over the layer's
    output ``(T, B, D·H)`` in that time-major order, or for packed sequences over the valid
    steps only, in packed order (step ``t``'s first ``batch_sizes[t]`` sequences), the
    padding masked out (:func:`~deepgrad.functional.dropout.dropout_mask`: PyTorch's masks
    for the same seed)."""
    if batch_sizes is None:
        return Dropout(dropout_mask(inp.shape, p, inp.dtype))(inp)
    T, B, F = inp.shape
    valid = numpy.arange(B)[None, :] < numpy.asarray(batch_sizes)[:, None]
    mask = numpy.zeros(inp.shape, inp.dtype)
    mask[valid] = backend.to_numpy(dropout_mask((int(valid.sum()), F), p, inp.dtype))
    return Dropout(backend.xp.asarray(mask))(inp)


def _run(
    mode: str,
    x: Tensor,
    hx: Any,
    weights: Sequence[Sequence[Tensor]],
    num_layers: int,
    bidirectional: bool,
    dropout: float,
    training: bool,
    batch_first: bool,
    lengths: Any,
    nonlinearity: str,
) -> tuple[Tensor, Any]:
    xp = backend.xp
    fn = mode
    D = 2 if bidirectional else 1
    if len(weights) != num_layers * D:
        raise ValueError(f"{fn}: expected {num_layers * D} weight groups, got {len(weights)}")
    if x.ndim != 3:
        raise ValueError(f"{fn}: expected a 3-d input (T, B, features), got shape {x.shape}")
    in_size = weights[0][0].shape[1]
    if x.shape[-1] != in_size:
        raise ShapeMismatchError(
            f"input.size(-1) must be equal to input_size. Expected {in_size}, got "
            f"{x.shape[-1]}; {fn}: expected input with last axis (input_size) {in_size}, got "
            f"shape {x.shape}"
        )
    if x.dtype != weights[0][0].dtype:
        raise TypeError(
            f"{fn}: input dtype {x.dtype} does not match the parameters' dtype "
            f"{weights[0][0].dtype}; cast one of them (x.float() / module.double())"
        )
    if x.shape[1 if batch_first else 0] == 0:
        # PyTorch's contract: "Expected sequence length to be larger than 0 in RNN"
        raise ValueError(
            f"{fn}: expected a sequence length larger than 0, got input of shape "
            f"{tuple(x.shape)} (batch_first={batch_first}); an empty batch is fine"
        )
    if batch_first:
        x = swapaxes(x, 0, 1)
    T, B = x.shape[0], x.shape[1]
    lstm_mode = mode == "LSTM"
    P = weights[0][1].shape[1]  # size of h: hidden_size, or proj_size (LSTM projection)
    H = weights[0][1].shape[0] // 4 if lstm_mode else P  # size of c
    if hx is not None:
        states = hx if lstm_mode else (hx,)
        if lstm_mode and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"{fn}: hx must be a tuple (h0, c0), got {type(hx).__name__}")
        for name, s, size in zip(("h0", "c0"), states, (P, H)):
            want = (num_layers * D, B, size)
            if not isinstance(s, Tensor) or s.shape != want:
                got = s.shape if isinstance(s, Tensor) else type(s).__name__
                what = "proj_size" if name == "h0" and P != H else "hidden_size"
                raise ValueError(
                    f"{fn}: expected {name} of shape (num_layers * num_directions, batch, "
                    f"{what}) = {want}, got {got}"
                )
    if hx is None:
        zero = Tensor._from_op(xp.zeros((B, P), x.dtype), None, 0)
        h0s = [zero] * (num_layers * D)
        c0s = None
        if lstm_mode:
            czero = zero if P == H else Tensor._from_op(xp.zeros((B, H), x.dtype), None, 0)
            c0s = [czero] * (num_layers * D)
        h_all = c_all = None
    else:
        h_all, c_all = hx if lstm_mode else (hx, None)
    order = batch_sizes = None
    if lengths is not None:
        order, batch_sizes = _batch_sizes(lengths, T, B, fn)
        if order is not None:
            x = _TakeAlong(order, 1)(x)
            if h_all is not None:
                h_all = _TakeAlong(order, 1)(h_all)
            if c_all is not None:
                c_all = _TakeAlong(order, 1)(c_all)
    if h_all is not None:
        h0s = [getitem(h_all, k) for k in range(num_layers * D)]
        c0s = [getitem(c_all, k) for k in range(num_layers * D)] if lstm_mode else None

    hns, cns = [], []
    inp = x
    for layer in range(num_layers):
        outs = []
        for d in range(D):
            k = layer * D + d
            ws = list(weights[k])
            rev = d == 1
            if lstm_mode:
                f = LSTMSequence(rev, batch_sizes)
                out, hn, cn = f(inp, h0s[k], c0s[k], *ws)
                cns.append(cn)
            elif mode == "GRU":
                out, hn = GRUSequence(rev, batch_sizes)(inp, h0s[k], *ws)
            else:
                out, hn = RNNSequence(nonlinearity, rev, batch_sizes)(inp, h0s[k], *ws)
            outs.append(out)
            hns.append(hn)
        inp = outs[0] if D == 1 else concat(outs, axis=2)
        if dropout > 0 and training and layer < num_layers - 1:
            inp = _layer_dropout(inp, dropout, batch_sizes)
    output = inp
    h_n = unsqueeze(hns[0], 0) if len(hns) == 1 else stack(hns, 0)
    c_n = None
    if lstm_mode:
        c_n = unsqueeze(cns[0], 0) if len(cns) == 1 else stack(cns, 0)
    if order is not None:
        inv = numpy.argsort(order)
        output = _TakeAlong(inv, 1)(output)
        h_n = _TakeAlong(inv, 1)(h_n)
        if c_n is not None:
            c_n = _TakeAlong(inv, 1)(c_n)
    if batch_first:
        output = swapaxes(output, 0, 1)
    return output, ((h_n, c_n) if lstm_mode else h_n)


def lstm(
    x: Tensor,
    hx: tuple[Tensor, Tensor] | None,
    weights: Sequence[Sequence[Tensor]],
    num_layers: int = 1,
    bidirectional: bool = False,
    dropout: float = 0.0,
    training: bool = False,
    batch_first: bool = False,
    lengths: Any = None,
) -> tuple[Tensor, tuple[Tensor, Tensor]]:
    """A stacked (optionally bidirectional) LSTM over a whole sequence.

    ``x (T, B, in)`` (``(B, T, in)`` with ``batch_first``); ``hx = (h0, c0)``, each
    ``(num_layers · D, B, H)`` with ``D = 2`` if bidirectional, or ``None`` for zeros;
    ``weights[layer · D + direction] = (w_ih, w_hh[, b_ih, b_hh][, w_hr])`` in PyTorch's
    layout. With the projection ``w_hr (P, H)`` (PyTorch's ``proj_size``),
    ``h_t = W_hr (σ(o) ⊙ tanh(c_t))``: ``w_hh`` is ``(4H, P)``, ``h0``/``h_n`` are
    ``(num_layers · D, B, P)`` (``c0``/``c_n`` keep ``H``), layers above the first take
    ``D·P`` inputs and the output is ``(T, B, D·P)``.
    Returns ``(output (T, B, D·H), (h_n, c_n))`` (``D·P`` with projection). ``dropout``
    applies (inverted, in
    training) to the outputs of every layer but the last. ``lengths`` (``B`` ints) marks
    padded variable-length sequences (see the module docstring).
    """
    out, (h, c) = _run(
        "LSTM", x, hx, weights, num_layers, bidirectional, dropout, training, batch_first,
        lengths, "tanh",
    )  # fmt: skip
    return out, (h, c)


def gru(
    x: Tensor,
    hx: Tensor | None,
    weights: Sequence[Sequence[Tensor]],
    num_layers: int = 1,
    bidirectional: bool = False,
    dropout: float = 0.0,
    training: bool = False,
    batch_first: bool = False,
    lengths: Any = None,
) -> tuple[Tensor, Tensor]:
    """A stacked (optionally bidirectional) GRU; arguments as :func:`lstm` with
    ``hx = h0 (num_layers · D, B, H)`` and weights ``(3H, in)``, ``(3H, H)``.
    Returns ``(output (T, B, D·H), h_n)``."""
    return _run(
        "GRU", x, hx, weights, num_layers, bidirectional, dropout, training, batch_first,
        lengths, "tanh",
    )  # fmt: skip


def rnn(
    x: Tensor,
    hx: Tensor | None,
    weights: Sequence[Sequence[Tensor]],
    num_layers: int = 1,
    bidirectional: bool = False,
    dropout: float = 0.0,
    training: bool = False,
    batch_first: bool = False,
    lengths: Any = None,
    nonlinearity: str = "tanh",
) -> tuple[Tensor, Tensor]:
    """A stacked (optionally bidirectional) Elman RNN (``tanh`` or ``relu``); arguments as
    :func:`lstm` with ``hx = h0`` and weights ``(H, in)``, ``(H, H)``.
    Returns ``(output (T, B, D·H), h_n)``."""
    return _run(
        "RNN", x, hx, weights, num_layers, bidirectional, dropout, training, batch_first,
        lengths, nonlinearity,
    )  # fmt: skip


__all__ = [
    "GRUSequence", "LSTMSequence", "RNNSequence", "gru", "gru_cell", "lstm", "lstm_cell",
    "rnn", "rnn_cell",
]  # fmt: skip
