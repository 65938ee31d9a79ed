"""Adafactor: Adam's second moment kept as the row and column factors of a matrix."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy

from .. import backend
from ..tensor import Tensor, foreign_to_numpy
from .optimizer import (
    Optimizer,
    _array,
    _as_array,
    _bump_step,
    _floats,
    _new_step,
    _state_tensor,
    _step_count,
)


class Adafactor(Optimizer):
    """Adafactor (Shazeer & Stern, 2018), PyTorch 2.13's ``torch.optim.Adafactor`` rule. Per
    parameter ``w`` at step ``t`` (from 1), with ``ε1`` the dtype's machine epsilon when
    ``eps[0]`` is None::

        g ← −g                                        (if maximize)
        β̂ = t^beta2_decay,   ρ = min(lr, 1/√t),   α = max(ε2, RMS(w)) · ρ
        w ← w · (1 − lr · weight_decay)               (if weight_decay: decoupled)
        w of 2 or more dims (factored over the last two):
            R ← R + β̂ · (mean(g², dim=-1) − R)        (R: [..., n, 1])
            C ← C + β̂ · (mean(g², dim=-2) − C)        (C: [..., 1, m])
            v = R @ C / max(mean(R, dim=-2), ε1)
        w of 0 or 1 dim:
            v ← v + β̂ · (g² − v)
        u = g / √max(v, ε1²)
        w ← w − α / max(1, RMS(u) / d) · u

    Parameters
    ----------
    params : iterable of Tensor or of group dicts, optional (see :class:`Optimizer`)
    lr : float
        Learning rate, which also caps the relative step size ρ (default 1e-2).
    beta2_decay : float
        ``β̂ = t^beta2_decay``, the weight of the new squared gradient, ``<= 0`` (default -0.8).
    eps : (float or None, float)
        ``(ε1, ε2)``: ε1 floors the second-moment estimate (None: the dtype's machine
        epsilon), ε2 the parameter's RMS in the step size (default (None, 1e-3)).
    d : float
        The clipping threshold on the update's RMS, ``>= 1`` (default 1).
    weight_decay : float
        Decoupled weight decay (default 0).
    foreach : bool or None
        PyTorch's implementation choice: the same numbers.
    maximize : bool
        Ascend: the rule sees ``−g`` (keyword only).

    State per parameter: ``step`` (a 0-d float32 tensor), and ``row_var`` (``[..., n, 1]``) and
    ``col_var`` (``[..., 1, m]``) for a parameter of 2 or more dims, ``variance`` (its shape)
    for one of 0 or 1: memory that grows with ``n + m``, not ``n · m``.

    >>> import deepgrad as dg
    >>> from deepgrad import optim
    >>> w = dg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> opt = optim.Adafactor([w], lr=0.01)
    >>> (w ** 2).sum().backward()
    >>> opt.step()
    >>> opt.state[w]["row_var"].shape, opt.state[w]["col_var"].shape
    ((2, 1), (1, 2))
    """

    _sparse_refusal = "Adafactor does not support sparse gradients"
    _step_tensor = True

    name = "adafactor"

    def __init__(
        self,
        params: Iterable[Any] | None = None,
        lr: float = 0.01,
        beta2_decay: float = -0.8,
        eps: tuple[float | None, float] = (None, 0.001),
        d: float = 1.0,
        weight_decay: float = 0.0,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr=lr,
            beta2_decay=beta2_decay,
            eps=tuple(eps) if isinstance(eps, (list, tuple)) else eps,
            d=d,
            weight_decay=weight_decay,
            foreach=foreach,
            maximize=maximize,
        )

    def _check_group(self, group: dict[str, Any]) -> None:
        """PyTorch's checks (its ``ValueError`` and words): ``lr >= 0``, ``beta2_decay <= 0``,
        ``eps`` a pair ``(ε1 >= 0 or None, ε2 >= 0)``, ``d >= 1``, ``weight_decay >= 0``."""
        rest = {k: v for k, v in group.items() if k != "eps"}
        super()._check_group(rest)  # lr (a one-element tensor becomes its float), weight_decay
        if "lr" in rest:
            group["lr"] = rest["lr"]
        b = group.get("beta2_decay")
        if b is not None and not (_real(b) and b <= 0.0):
            raise ValueError(f"beta2_decay should be <= 0 but is: {b}")
        eps = group.get("eps")
        if eps is not None:
            if not (isinstance(eps, (tuple, list)) and len(eps) == 2):
                raise ValueError(f"Adafactor: eps must be a pair (eps1 or None, eps2), got {eps!r}")
            if eps[0] is not None and not (_real(eps[0]) and eps[0] >= 0.0):
                raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
            if not (_real(eps[1]) and eps[1] >= 0.0):
                raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        d = group.get("d")
        if d is not None and not (_real(d) and d >= 1.0):
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")

    def step(self) -> None:
        """One update of every parameter that has a gradient (the rule in the class doc)."""
        self._require_bound()
        self._refuse_sparse_grads()
        for group in self.param_groups:
            lr, beta2_decay, d, wd = _floats(group, "lr", "beta2_decay", "d", "weight_decay")
            eps1, eps2 = group["eps"]
            maximize = bool(group.get("maximize", False))
            for p in group["params"]:
                if p.grad is None:
                    continue
                w = p._data
                g = _as_array(p.grad._data)
                if maximize:
                    g = _as_array(backend.xp.negative(g))
                state = self.state.get(p)
                if not state:
                    state = self.state[p] = _new_state(g)
                t = _bump_step(state)
                e1 = float(numpy.finfo(w.dtype).eps) if eps1 is None else float(eps1)
                _update(w, g, state, t, lr, beta2_decay, d, wd, e1, float(eps2))

    def _saved_param_state(
        self, st: dict[str, Any], p: Tensor, group: dict[str, Any], idx: int
    ) -> dict[str, Any]:
        """One parameter's loaded state: ``step`` and the factors of the shapes this
        parameter's rule keeps (``row_var``/``col_var``, or ``variance``), as tensors."""
        name = type(self).__name__
        if not st:
            return {}
        want = _shapes(p._data.shape)
        missing = [k for k in ("step", *want) if k not in st]
        if missing:
            raise ValueError(
                f"{name}.load_state_dict: the state of parameter {idx} lacks {missing} "
                f"(it has {sorted(map(str, st))}); was it saved by another optimizer?"
            )
        entry: dict[str, Any] = {}
        for k, v in st.items():
            v = foreign_to_numpy(v)
            v = v._data if isinstance(v, Tensor) else v
            if k == "step":
                n = _step_count(v, f"{name}.load_state_dict: step of parameter {idx}")
                entry[k] = _new_step(n)
            elif k in want:
                shape = tuple(getattr(v, "shape", ()))
                if shape != want[k]:
                    raise ValueError(
                        f"{name}.load_state_dict: state {k!r} of parameter {idx} has shape "
                        f"{shape}, expected {want[k]} for a parameter of shape {p._data.shape}"
                    )
                entry[k] = _state_tensor(backend.xp.array(v, dtype=p._data.dtype, copy=True))
            else:
                entry[k] = v
        return entry


def _real(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _shapes(shape: tuple[int, ...]) -> dict[str, tuple[int, ...]]:
    """The state factors a parameter of ``shape`` keeps, with their shapes."""
    if len(shape) > 1:
        return {"row_var": (*shape[:-1], 1), "col_var": (*shape[:-2], 1, shape[-1])}
    return {"variance": shape}


def _new_state(g: Any) -> dict[str, Any]:
    """A parameter's first state: ``step`` 0 and zero factors (PyTorch's ``new_zeros``)."""
    xp = backend.xp
    state: dict[str, Any] = {"step": _new_step()}
    for k, shape in _shapes(g.shape).items():
        state[k] = _state_tensor(xp.zeros(shape, dtype=g.dtype))
    return state


def _lerp_(a: Any, end: Any, weight: float) -> None:
    """``a ← a + weight · (end − a)`` in place, by PyTorch's formula (``end − (end − a) ·
    (1 − weight)`` for ``weight >= 0.5``: exact at ``weight = 1``)."""
    diff = end - a
    if weight < 0.5:
        diff *= weight
        a += diff
    else:
        diff *= 1.0 - weight
        backend.xp.subtract(end, diff, out=a)


def _rms(a: Any) -> float:
    """``‖a‖₂ / √numel`` (PyTorch's ``a.norm(2).item() / a.numel() ** 0.5``)."""
    return float(backend.xp.sqrt(backend.xp.vdot(a.reshape(-1), a.reshape(-1)))) / (a.size**0.5)


def _update(
    w: Any, g: Any, state: dict[str, Any], t: int | float, lr: float, beta2_decay: float,
    d: float, wd: float, eps1: float, eps2: float,
) -> None:  # fmt: skip
    """One parameter's Adafactor step, in place on ``w`` and its state (the class doc)."""
    xp = backend.xp
    beta = t**beta2_decay
    rho = min(lr, 1.0 / math.sqrt(t) if t > 0 else math.inf)
    alpha = max(eps2, _rms(w)) * rho
    if wd:
        w *= 1.0 - lr * wd
    if g.ndim > 1:
        row, col = _array(state["row_var"]), _array(state["col_var"])
        g2 = g * g
        _lerp_(row, g2.mean(axis=-1, keepdims=True), beta)
        _lerp_(col, g2.mean(axis=-2, keepdims=True), beta)
        v = xp.matmul(row, col)
        v /= xp.maximum(row.mean(axis=-2, keepdims=True), eps1)
    else:
        var = _array(state["variance"])
        _lerp_(var, g * g, beta)
        v = xp.array(var, copy=True)
    xp.maximum(v, eps1 * eps1, out=v)
    u = xp.sqrt(v, out=v)
    xp.divide(1.0, u, out=u)  # PyTorch's rsqrt, then times g (its rounding)
    u *= g
    norm = float(xp.sqrt(xp.vdot(u.reshape(-1), u.reshape(-1))))
    denom = max(1.0, norm / ((u.size**0.5) * d))
    u *= alpha / denom
    w -= u
