"""Connectionist temporal classification (CTC) loss, PyTorch's ``F.ctc_loss``.

The loss of one sample is ``-log p(l | x)``, the probability of its target ``l`` summed over
every alignment: a path through the extended target ``l' = (blank, l1, blank, l2, ...,
blank)`` (length ``2S + 1``) that at each step stays on its symbol, moves to the next, or
skips a blank between two different labels (Graves et al., 2006). In log space:

    alpha_t(s) = logsumexp(alpha_{t-1}(s), alpha_{t-1}(s-1), [alpha_{t-1}(s-2)]) + lp_t(l'_s)
    beta_t(s)  = logsumexp(beta_{t+1}(s), beta_{t+1}(s+1), [beta_{t+1}(s+2)]) + lp_t(l'_s)
    loss       = -logsumexp(alpha_{T-1}(2S), alpha_{T-1}(2S-1))
    ∂loss/∂lp_t(c) = -Σ_{s: l'_s = c} exp(alpha_t(s) + beta_t(s) - lp_t(c) + loss)

(the bracketed term only where ``l'_s != l'_{s-2}``). The recursions run over time in a Python
loop and over the batch and the extended target as arrays; the gradient is the posterior
occupancy of each class at each step, gathered with one ``bincount``.

The gradient given to ``log_probs`` is PyTorch's: ``exp(lp_t(c))`` minus that occupancy (at
the steps within each input), which is the gradient with respect to the logits ``z`` of
``lp = log_softmax(z)``, not the derivative with respect to ``lp`` itself (pytorch#52241). Through
a ``log_softmax`` (the documented use) both give the same gradient to ``z``, since the occupancy
sums to 1 over the classes at every step; on a leaf ``log_probs`` deepgrad gives PyTorch's
numbers, so a numerical gradient check holds only through the ``log_softmax`` (README: the table
of deliberate differences).
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy

from .. import backend
from .._errors import DtypeError, ValueRangeError, _type_words
from ..autograd import Function
from ..tensor import Tensor
from .reduce import mean, sum
from .shape import reshape, squeeze

_REDUCTIONS = ("mean", "sum", "none")


class CTCLoss(Function):
    """The per-sample losses ``(N,)`` of log-probabilities ``(T, N, C)``; ``labels (N, S)``
    (padded), ``input_lengths`` and ``target_lengths`` ``(N,)`` are integer arrays."""

    # the backward reads memory of the output (the loss): a write into the
    # output afterwards is refused at backward, as PyTorch refuses one
    keep_output = True

    def __init__(
        self, labels: Any, input_lengths: Any, target_lengths: Any, blank: int, zero_inf: bool
    ) -> None:
        self.labels, self.il, self.tl = labels, input_lengths, target_lengths
        self.blank, self.zero_inf = blank, zero_inf

    def forward(self, lp: Any) -> Any:
        xp = backend.xp
        T, N, _ = lp.shape
        n_ext = 2 * self.labels.shape[1] + 1
        ext = xp.full((N, n_ext), self.blank, dtype=numpy.int64)
        ext[:, 1::2] = self.labels
        self.ext = ext
        self.e = xp.take_along_axis(lp, ext[None], axis=2)  # lp_t(l'_s): (T, N, 2S + 1)
        s = xp.arange(n_ext)
        self.valid = s[None, :] < (2 * self.tl + 1)[:, None]
        self.skip = xp.zeros((N, n_ext), dtype=bool)
        self.skip[:, 2:] = ext[:, 2:] != ext[:, :-2]
        self.alpha = self._alpha(T)
        last = self.alpha[xp.maximum(self.il - 1, 0), xp.arange(N)]  # (N, 2S + 1)
        rows = xp.arange(N)
        end = last[rows, 2 * self.tl]
        before = xp.where(self.tl > 0, last[rows, xp.maximum(2 * self.tl - 1, 0)], -xp.inf)
        ll = xp.logaddexp(end, before)
        ll = xp.where(self.il == 0, xp.where(self.tl == 0, 0.0, -xp.inf), ll)
        self.nll = (-ll).astype(lp.dtype)
        if self.zero_inf:
            return xp.where(xp.isinf(self.nll), 0, self.nll).astype(lp.dtype)
        return self.nll

    def _alpha(self, T: int) -> Any:
        """``log alpha (T, N, 2S + 1)``, ``-inf`` where no path of a sample's length reaches."""
        xp = backend.xp
        e, valid, skip = self.e, self.valid, self.skip
        N, n_ext = valid.shape
        alpha = xp.full((T, N, n_ext), -xp.inf, dtype=e.dtype)
        alpha[0, :, 0] = e[0, :, 0]
        if n_ext > 1:
            alpha[0, :, 1] = xp.where(self.tl > 0, e[0, :, 1], -xp.inf)
        ninf = xp.full((N, 2), -xp.inf, dtype=e.dtype)
        for t in range(1, T):
            a = alpha[t - 1]
            step = xp.concatenate([ninf[:, :1], a[:, :-1]], axis=1)
            # [:, :n_ext]: with empty targets (2S + 1 = 1) a[:, :-2] is empty, not 1 shorter
            jump = xp.where(skip, xp.concatenate([ninf, a[:, :-2]], axis=1)[:, :n_ext], -xp.inf)
            alpha[t] = xp.where(valid, xp.logaddexp(xp.logaddexp(a, step), jump) + e[t], -xp.inf)
        return alpha

    def _beta(self) -> Any:
        """``log beta (T, N, 2S + 1)``: each sample starts from its own last step."""
        xp = backend.xp
        e, valid = self.e, self.valid
        T, N, n_ext = e.shape
        rows = xp.arange(N)
        final = xp.zeros((N, n_ext), dtype=bool)
        final[rows, 2 * self.tl] = True
        final[rows, xp.maximum(2 * self.tl - 1, 0)] |= self.tl > 0
        skip_next = xp.zeros((N, n_ext), dtype=bool)
        skip_next[:, :-2] = self.skip[:, 2:]
        beta = xp.full((T, N, n_ext), -xp.inf, dtype=e.dtype)
        ninf = xp.full((N, 2), -xp.inf, dtype=e.dtype)
        for t in range(T - 1, -1, -1):
            start = xp.where(final, e[t], -xp.inf)
            if t == T - 1:
                beta[t] = xp.where((self.il - 1 == t)[:, None], start, -xp.inf)
                continue
            b = beta[t + 1]
            step = xp.concatenate([b[:, 1:], ninf[:, :1]], axis=1)
            jump = xp.where(skip_next, xp.concatenate([b[:, 2:], ninf], axis=1)[:, :n_ext], -xp.inf)
            rec = xp.where(valid, xp.logaddexp(xp.logaddexp(b, step), jump) + e[t], -xp.inf)
            beta[t] = xp.where(
                (self.il - 1 == t)[:, None],
                start,
                xp.where((t < self.il - 1)[:, None], rec, -xp.inf),
            )
        return beta

    def _grad(self, gy: Any) -> Any:
        """PyTorch's gradient ``(T, N, C)`` scaled by ``gy (N,)``: ``exp(lp)`` minus the
        occupancy of each class, zero past each input length; NaN (PyTorch's) for an
        impossible target, 0 with ``zero_infinity``; ``exp(-inf) - 0 = 0`` where ``log_probs``
        is ``-inf`` (PyTorch: NaN there for the target's classes)."""
        xp = backend.xp
        T, N, n_ext = self.e.shape
        C = self.inputs[0].shape[2]
        inf = xp.isinf(self.nll)
        nll = xp.where(inf, 0, self.nll)
        e = xp.where(xp.isneginf(self.e), 0, self.e)  # there alpha = beta = -inf: no path
        occ = xp.exp(self._beta() + self.alpha - e + nll[None, :, None])
        cell = (xp.arange(T)[:, None, None] * N + xp.arange(N)[None, :, None]) * C
        flat = xp.bincount((cell + self.ext[None]).ravel(), occ.ravel(), T * N * C)
        g = -flat.reshape(T, N, C).astype(self.e.dtype)
        # PyTorch's gradient: exp(lp) - occupancy at the steps within each input (the gradient
        # with respect to log_softmax's logits; see the module's docstring); a sample whose
        # loss zero_infinity zeroes gets none
        live = xp.arange(T)[:, None] < self.il[None, :]
        keep = live & ~inf[None, :] if self.zero_inf else live
        lp = self.inputs[0]._data
        g += xp.where(keep[:, :, None], xp.exp(lp), 0).astype(g.dtype)
        if not self.zero_inf and bool(inf.any()):
            g = xp.where((live & inf[None, :])[:, :, None], xp.nan, g).astype(g.dtype)
        return g * gy.astype(g.dtype)[None, :, None]

    def backward(self, gy: Tensor) -> Tensor:
        return _CTCGrad(self._grad)(self.inputs[0], gy)


class _CTCGrad(Function):
    """Carries ``ctc_loss``'s gradient into the graph (so that ``create_graph=True`` records
    a node); differentiating it again raises, as PyTorch's does."""

    def __init__(self, compute: Any) -> None:
        self.compute = compute

    def forward(self, lp: Any, gy: Any) -> Any:
        return self.compute(gy)

    def backward(self, *gys: Tensor) -> Any:
        raise RuntimeError("ctc_loss: double backward is not implemented (nor is it in PyTorch)")


def _log_probs(log_probs: Any, fn: str) -> Tensor:
    """``log_probs`` as a ``(T, N, C)`` tensor (an unbatched ``(T, C)`` gets ``N = 1``)."""
    if not isinstance(log_probs, Tensor):
        raise TypeError(f"{fn}: log_probs must be a Tensor, got {type(log_probs).__name__}")
    if log_probs.dtype not in (numpy.float32, numpy.float64):
        raise TypeError(f"{fn}: log_probs must be float32 or float64, got {log_probs.dtype}")
    if log_probs.ndim not in (2, 3):
        raise ValueError(
            f"{fn}: log_probs must be (T, N, C) or unbatched (T, C), got shape {log_probs.shape}"
        )
    if log_probs.numel() == 0:
        raise ValueError(f"{fn}: log_probs must not be empty, got shape {log_probs.shape}")
    if log_probs.ndim == 2:
        return reshape(log_probs, (log_probs.shape[0], 1, log_probs.shape[1]))
    return log_probs


def _refuse_array(v: Any, name: str, position: int, fn: str) -> None:
    """PyTorch's ``ctc_loss`` takes tensors (and, for the lengths, tuples of ints), never a
    NumPy (or CuPy) array: its ``TypeError``, naming the two forms it takes."""
    if isinstance(v, (numpy.ndarray, type(backend.xp.zeros(0)))):
        raise TypeError(
            f"{fn}(): argument '{name}' (position {position}) must be a Tensor"
            f"{' or a tuple of ints' if name.endswith('lengths') else ''}, not "
            f"{type(v).__module__.split('.')[0]}.ndarray, as PyTorch's ctc_loss refuses it; "
            f"pass deepgrad.tensor(...) of it{' or its .tolist()' if name.endswith('lengths') else ''}"
        )


def _lengths(v: Any, name: str, n: int, fn: str) -> Any:
    """Lengths as an int64 array of ``n`` (a tensor of any shape with ``n`` integer elements,
    as PyTorch flattens it, or a tuple/list of ints; a NumPy array is PyTorch's
    ``TypeError``)."""
    _refuse_array(v, name, 3 if name == "input_lengths" else 4, fn)
    if isinstance(v, Tensor):
        arr = v._data
    elif isinstance(v, (tuple, list)):
        arr = numpy.asarray(v)
        if arr.ndim != 1:
            raise TypeError(f"{fn}: {name} must be a tuple of ints or a tensor, got {v!r}")
    else:
        raise TypeError(
            f"{fn}: {name} must be a tensor or a tuple/list of ints (one per sample), "
            f"got {type(v).__name__}"
        )
    arr = backend.xp.asarray(arr)
    if arr.size and arr.dtype.kind not in "iu":  # PyTorch's RuntimeError; a TypeError too
        raise DtypeError(f"{fn}: {name} must be integral, got dtype {arr.dtype}")
    arr = arr.reshape(-1).astype(numpy.int64)
    if arr.shape[0] != n:
        raise ValueError(f"{fn}: {name} must have one length per sample ({n}), got {arr.shape[0]}")
    if bool((arr < 0).any()):
        raise ValueError(f"{fn}: {name} must be non-negative, got {int(arr.min())}")
    return arr


def _labels(targets: Any, tl: Any, n: int, c: int, blank: int, fn: str) -> Any:
    """The targets as a padded ``(N, max target length)`` int64 array, each sample's first
    ``target_lengths[i]`` labels checked to be classes in ``[0, C)`` other than ``blank``."""
    xp = backend.xp
    _refuse_array(targets, "targets", 2, fn)
    t = targets._data if isinstance(targets, Tensor) else xp.asarray(targets)
    if t.dtype.kind == "f":
        if t.size and not bool(xp.all(t == xp.round(t))):
            raise ValueError(f"{fn}: targets must be integer class indices, got fractional values")
    elif t.dtype.kind not in "biu":
        raise TypeError(f"{fn}: targets must be integer class indices, got dtype {t.dtype}")
    t = t.astype(numpy.int64)
    s = int(tl.max()) if n else 0
    if t.ndim == 1:  # concatenated: sample i's labels follow sample i - 1's
        if t.shape[0] != int(tl.sum()):
            raise ValueError(
                f"{fn}: concatenated targets must hold sum(target_lengths) = {int(tl.sum())} "
                f"labels, got {t.shape[0]}"
            )
        start = xp.cumsum(tl) - tl
        idx = start[:, None] + xp.arange(s)[None, :]
        inside = xp.arange(s)[None, :] < tl[:, None]
        labels = xp.where(inside, t[xp.where(inside, idx, 0)], blank)
    elif t.ndim == 2:
        if t.shape[0] != n or t.shape[1] < s:
            raise ValueError(
                f"{fn}: padded targets must be (N, S) with N = {n} and S >= max(target_lengths)"
                f" = {s}, got shape {t.shape}"
            )
        inside = xp.arange(s)[None, :] < tl[:, None]
        labels = xp.where(inside, t[:, :s], blank)
    else:
        raise ValueError(
            f"{fn}: targets must be padded (N, S) or concatenated 1-D, got shape {t.shape}"
        )
    bad = inside & ((labels < 0) | (labels >= c))
    if bool(bad.any()):
        v = int(labels[bad][0])
        raise ValueError(f"{fn}: target label {v} is out of range for {c} classes [0, {c - 1}]")
    if bool((inside & (labels == blank)).any()):
        raise ValueError(f"{fn}: a target label equals blank ({blank}); targets cannot be blank")
    return labels


def _blank(blank: Any, fn: str) -> int:
    """``blank`` as PyTorch's int argument takes it: a Python or NumPy integer, or a 0-d
    integer tensor; a bool, a float (``1.0`` too), a tensor of another dtype or shape, a
    NumPy array or None is PyTorch's ``TypeError``."""
    if isinstance(blank, Tensor):
        if blank.ndim == 0 and blank._data.dtype.kind in "iu":
            return int(blank.item())
        got = f"a {blank.ndim}-d {blank.dtype} tensor"
    elif isinstance(blank, (int, numpy.integer)) and not isinstance(blank, builtins.bool):
        return int(blank)
    else:
        got = _type_words(blank)
    raise TypeError(
        f"{fn}: blank must be an int (a Python or NumPy integer, or a 0-d integer tensor), "
        f"got {got}; the nearest valid choice: blank=0 (or int(...) of it)"
    )


def ctc_loss(
    log_probs: Tensor,
    targets: Any,
    input_lengths: Any,
    target_lengths: Any,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> Tensor:
    """The CTC loss of log-probabilities (``log_softmax`` output) against unaligned targets.

    Parameters
    ----------
    log_probs : ``(T, N, C)`` or unbatched ``(T, C)``, float32 or float64.
    targets : padded ``(N, S)`` (only the first ``target_lengths[i]`` of row ``i`` are read)
        or concatenated 1-D ``(sum(target_lengths),)``; classes in ``[0, C)``, never ``blank``.
    input_lengths, target_lengths : ``(N,)`` integer tensors or tuples/lists of ints;
        ``input_lengths[i] <= T``. A NumPy array here (or as ``targets``) is PyTorch's
        ``TypeError``: wrap it with ``deepgrad.tensor``.
    blank : the blank class: an int, a NumPy integer or a 0-d integer tensor (as PyTorch's).
    reduction : ``"none"`` (the ``(N,)`` losses), ``"sum"``, or ``"mean"``: each loss divided
        by its target length (at least 1), then averaged over the batch.
    zero_infinity : a bool (as PyTorch's, which refuses ``1`` or a tensor): an impossible
        target (too long for its input) gives 0 and a zero gradient instead of ``inf`` (and
        NaN gradients).

    >>> import math
    >>> import deepgrad as dg
    >>> lp = dg.full((2, 1, 2), 0.5).log()  # T = 2 steps, blank and class 1 equally likely
    >>> loss = ctc_loss(lp, dg.tensor([[1]]), [2], [1])  # paths 01, 11, 10: p = 3/4
    >>> round(loss.item(), 4), round(-math.log(0.75), 4)
    (0.2877, 0.2877)
    """
    fn = "ctc_loss"
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{fn}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    blank = _blank(blank, fn)
    if not isinstance(zero_infinity, builtins.bool):  # PyTorch's parser: a bool only
        raise TypeError(
            f"{fn}: zero_infinity must be a bool, got {_type_words(zero_infinity)} "
            f"({zero_infinity!r}); pass True or False (bool(...) of it)"
        )
    lp = _log_probs(log_probs, fn)
    T, n, c = lp.shape
    if not 0 <= blank < c:  # PyTorch's RuntimeError; a ValueError too
        raise ValueRangeError(f"{fn}: blank must be in the label range [0, {c - 1}], got {blank}")
    il = _lengths(input_lengths, "input_lengths", n, fn)
    tl = _lengths(target_lengths, "target_lengths", n, fn)
    if bool((il > T).any()):
        raise ValueError(f"{fn}: input_lengths must be at most T = {T}, got {int(il.max())}")
    labels = _labels(targets, tl, n, c, blank, fn)
    per = CTCLoss(labels, il, tl, blank, zero_infinity)(lp)
    if reduction == "mean":
        div = backend.xp.maximum(tl, 1).astype(lp.dtype)
        return mean(per / Tensor._from_op(div, None, 0))
    if reduction == "sum":
        return sum(per)
    return per if log_probs.ndim == 3 else squeeze(per, 0)


__all__ = ["ctc_loss"]
