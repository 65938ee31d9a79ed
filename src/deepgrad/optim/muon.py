"""Muon: momentum SGD whose update is orthogonalized by a Newton–Schulz iteration (PyTorch's
``torch.optim.Muon``, for the 2-D parameters of hidden layers)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy

from .. import backend
from ..tensor import Tensor
from .optimizer import Optimizer, _array, _state_tensor

#: Keller Jordan's coefficients and defaults, PyTorch's (``torch.optim._muon``)
EPS = 1e-7
DEFAULT_A = 3.4445
DEFAULT_B = -4.7750
DEFAULT_C = 2.0315
DEFAULT_NS_STEPS = 5

_ADJUST_LR_FNS = ("original", "match_rms_adamw")


def bfloat16_round(a: Any) -> Any:
    """The values of ``a`` rounded to bfloat16 (round to nearest, ties to even, to 8
    significant bits; NaN kept), as float32: what PyTorch's ``.bfloat16()`` stores. A
    float64 array goes through float32 first, as PyTorch's conversion does.

    >>> bfloat16_round(numpy.array([1.0, 1.00390625, 1.01171875, 3.0e-3], numpy.float32))
    array([1.        , 1.        , 1.015625  , 0.00300598], dtype=float32)
    """
    xp = backend.xp
    a = xp.asarray(a, dtype=numpy.float32)
    u = a.view(numpy.uint32)
    rounded = ((u + (((u >> 16) & 1) + 0x7FFF)) & 0xFFFF0000).astype(numpy.uint32)
    out = rounded.view(numpy.float32)
    return xp.where(xp.isnan(a), a, out)


def _matmul(a: Any, b: Any) -> Any:
    """``a @ b`` of bfloat16 values (float32 arrays), in float64: the products are exact and
    the sums closer to PyTorch's bfloat16 kernels' than a float32 product's (on a 128 × 64
    gradient 99.6% of the Newton–Schulz result's entries are PyTorch's, against 87%)."""
    xp = backend.xp
    return xp.matmul(a.astype(numpy.float64), b.astype(numpy.float64))


def zeropower_via_newtonschulz(
    grad: Any, ns_coefficients: tuple[float, float, float], ns_steps: int, eps: float
) -> Any:
    """PyTorch's Newton–Schulz orthogonalization of the 2-D array ``grad``: ``X = G / ‖G‖``
    (the norm clamped to ``eps``), then ``ns_steps`` times ``A = X Xᵀ``,
    ``X ← a·X + (b·A + c·A²) X`` (on ``Gᵀ`` when ``G`` has more rows than columns), giving
    about ``U Vᵀ`` of ``G = U S Vᵀ``. PyTorch runs it in bfloat16; here every value it stores
    in bfloat16 is rounded to bfloat16 (:func:`bfloat16_round`) after the float32 arithmetic
    PyTorch's CPU kernels do (each matrix product and ``β·C + α·A B`` rounded once). Returns
    float32 (bfloat16 values): PyTorch's to the last bit on small matrices; on larger ones
    the accumulation order of the products moves some entries by a bfloat16 unit, which the
    iteration can grow to a few units (at 256 × 256, 1.2% of the largest entry at most)."""
    if ns_steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if grad.ndim != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(ns_coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    xp = backend.xp
    a, b, c = (numpy.float64(numpy.float32(v)) for v in ns_coefficients)  # PyTorch's floats
    x = bfloat16_round(grad)
    tall = grad.shape[0] > grad.shape[1]
    if tall:
        x = x.T
    norm = bfloat16_round(xp.sqrt(xp.sum(x.astype(numpy.float64) ** 2)))
    norm = xp.maximum(norm, bfloat16_round(numpy.float32(eps)))
    x = bfloat16_round(x / norm)
    for _ in range(ns_steps):
        gram = bfloat16_round(_matmul(x, x.T))
        update = bfloat16_round(b * gram + c * _matmul(gram, gram))
        x = bfloat16_round(a * x + _matmul(update, x))
    return x.T if tall else x


def _adjust_lr(lr: float, adjust_lr_fn: str | None, shape: tuple[int, ...]) -> float:
    """The rate of a parameter of ``shape`` (A, B): ``lr · √max(1, A/B)`` (``"original"``,
    the default), ``lr · 0.2 · √max(A, B)`` (``"match_rms_adamw"``)."""
    rows, cols = shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        ratio = math.sqrt(max(1, rows / cols))
    elif adjust_lr_fn == "match_rms_adamw":
        ratio = 0.2 * math.sqrt(max(rows, cols))
    else:
        ratio = 1.0
    return lr * ratio


def _lerp(start: Any, end: Any, weight: float) -> Any:
    """PyTorch's ``start.lerp(end, weight)`` in the arrays' dtype: ``start + w·(end − start)``
    for ``|w| < 0.5``, else ``end + (w − 1)·(end − start)``, each a fused multiply-add in
    PyTorch's CPU kernel (for float32 here one rounding from float64, where the product is
    exact)."""
    xp = backend.xp
    dtype = start.dtype
    w = dtype.type(weight)
    diff = xp.subtract(end, start)
    if dtype == numpy.float32:
        diff = diff.astype(numpy.float64)
        w = numpy.float64(w)
    out = start + w * diff if abs(w) < 0.5 else end + (w - 1) * diff
    return out.astype(dtype, copy=False)


def _add_scaled(w: Any, update: Any, alpha: float) -> None:
    """``w ← w + alpha · update`` in place in ``w``'s dtype (PyTorch's
    ``param.add_(update, alpha=alpha)``, a fused multiply-add: for float32 one rounding from
    float64)."""
    alpha = w.dtype.type(alpha)
    if w.dtype == numpy.float32:
        w[...] = (w.astype(numpy.float64) + numpy.float64(alpha) * update).astype(numpy.float32)
    else:
        w += alpha * update.astype(w.dtype)


class Muon(Optimizer):
    """Muon (Keller Jordan, 2024), PyTorch's ``torch.optim.Muon``: momentum SGD whose update
    is orthogonalized, for 2-D parameters (hidden layers' weight matrices; biases and
    embeddings belong to another optimizer, such as :class:`AdamW`). Per parameter ``W``
    (``A × B``), with gradient ``g``::

        b ← momentum · b + (1 − momentum) · g                 (PyTorch's b.lerp_(g, 1 − μ))
        u ← g + momentum · (b − g)  if nesterov, else  b      (g.lerp(b, μ))
        O = NS(u)                                             (Newton–Schulz, ns_steps times)
        W ← W · (1 − lr · weight_decay)                        (decoupled decay)
        W ← W − lr' · O,  lr' = lr · √max(1, A/B)             ("original")
                           or lr · 0.2 · √max(A, B)            ("match_rms_adamw")

    PyTorch runs the Newton–Schulz iteration in bfloat16; deepgrad has no bfloat16
    arithmetic, so it rounds every value PyTorch stores in bfloat16 to bfloat16
    (:func:`zeropower_via_newtonschulz`): the update is PyTorch's up to the float32
    accumulation order of the matrix products.

    Parameters
    ----------
    params : iterable of 2-D Tensor or of group dicts, optional (see :class:`Optimizer`)
    lr : float
        Learning rate (default 1e-3).
    weight_decay : float
        Decoupled weight decay (default 0.1).
    momentum : float
        Momentum factor (default 0.95).
    nesterov : bool
        Nesterov momentum (default True).
    ns_coefficients : (float, float, float)
        ``(a, b, c)`` of the quintic iteration (default (3.4445, −4.775, 2.0315)).
    eps : float
        Lower bound of the norm ``G`` is divided by (default 1e-7).
    ns_steps : int
        Newton–Schulz iterations (default 5; fewer than 100).
    adjust_lr_fn : str, optional
        ``"original"`` (the default, ``None``) or ``"match_rms_adamw"``.

    State per parameter: ``momentum_buffer`` (no step count, as PyTorch's).
    """

    name = "muon"
    _sparse_refusal = "Muon does not support sparse gradients"
    _array_state = ("momentum_buffer",)
    _step_tensor = False

    def __init__(
        self,
        params: Iterable[Any] | None = None,
        lr: float = 1e-3,
        weight_decay: float = 0.1,
        momentum: float = 0.95,
        nesterov: bool = True,
        ns_coefficients: tuple[float, float, float] = (DEFAULT_A, DEFAULT_B, DEFAULT_C),
        eps: float = EPS,
        ns_steps: int = DEFAULT_NS_STEPS,
        adjust_lr_fn: str | None = None,
    ) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        super().__init__(
            params,
            lr=lr,
            weight_decay=weight_decay,
            momentum=momentum,
            nesterov=nesterov,
            ns_coefficients=ns_coefficients,
            eps=eps,
            ns_steps=ns_steps,
            adjust_lr_fn=adjust_lr_fn,
        )

    def _check_group(self, group: dict[str, Any]) -> None:
        """PyTorch's checks, in its words: ``lr``, ``momentum`` and ``weight_decay`` >= 0,
        ``adjust_lr_fn`` one of ``"original"``, ``"match_rms_adamw"`` (or ``None``)."""
        lr = group.get("lr")
        if isinstance(lr, Tensor) and lr.numel() == 1 and lr.dtype.kind == "f":
            lr = group["lr"] = float(lr.item())
        for key, what in (("lr", "Learning rate"), ("momentum", "momentum"),
                          ("weight_decay", "weight decay")):  # fmt: skip
            v = group.get(key)
            if v is not None and not (isinstance(v, numbers.Real) and v >= 0):
                raise ValueError(f"{what} should be >= 0 but is: {v}")
        fn = group.get("adjust_lr_fn")
        if fn is not None and fn not in _ADJUST_LR_FNS:
            raise ValueError(
                f"Adjust learning rate function {fn} is not supported (expected None or one "
                f"of {list(_ADJUST_LR_FNS)})"
            )

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group; its parameters must be 2-D (PyTorch's ``ValueError`` otherwise, and
        the optimizer is left as it was)."""
        groups = self.param_groups
        before = list(groups)
        super().add_param_group(param_group)
        bad = next((p for p in self.param_groups[-1]["params"] if p.ndim != 2), None)
        if bad is not None:
            if self.param_groups is groups:
                groups.pop()
            else:
                self.param_groups = before
            raise ValueError(
                "Muon only supports 2D parameters whereas we found a parameter with size: "
                f"{bad.size()} (optimize it with another optimizer, such as AdamW)"
            )

    def step(self) -> None:
        """One update of every parameter that has a gradient."""
        self._require_bound()
        self._refuse_sparse_grads()
        xp = backend.xp
        for group in self.param_groups:
            lr, wd, mom = (float(group[k]) for k in ("lr", "weight_decay", "momentum"))
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad._data
                if g.ndim != 2:
                    raise ValueError("Param gradient must be a 2D matrix")
                state = self.state[p]
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = _state_tensor(xp.zeros_like(g))
                buf = _array(state["momentum_buffer"])
                buf[...] = _lerp(buf, g, 1.0 - mom)
                update = _lerp(g, buf, mom) if group["nesterov"] else buf
                ortho = zeropower_via_newtonschulz(
                    update, tuple(group["ns_coefficients"]), int(group["ns_steps"]),
                    float(group["eps"]),
                )  # fmt: skip
                p._data *= 1.0 - lr * wd
                _add_scaled(p._data, ortho, -_adjust_lr(lr, group["adjust_lr_fn"], g.shape))
