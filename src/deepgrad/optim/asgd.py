"""ASGD: SGD with a decaying step size and a running (Polyak-Ruppert) average of the weights."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import backend
from .optimizer import (
    Optimizer,
    _array,
    _bump_step,
    _floats,
    _new_step,
    _refuse_capturable,
    _scalar,
    _set_scalar,
    _signed_grad,
    _state_tensor,
)


class ASGD(Optimizer):
    """Averaged stochastic gradient descent (Polyak & Juditsky, 1992), PyTorch's ``ASGD``
    rule. Per parameter, at step ``t`` (from 1), with ``η`` (starting at ``lr``) and ``μ``
    (starting at 1) kept in the state::

        g ← −g                                        (if maximize)
        g ← g + weight_decay · w                      (if weight_decay)
        w ← w · (1 − lambd · η) − η · g
        ax ← ax + μ · (w − ax)                        (ax ← w while μ = 1)
        η ← lr / (1 + lambd · lr · t)^alpha
        μ ← 1 / max(1, t − t0)

    The optimized weights are ``w``; the average ``ax`` (averaging starts after ``t0``
    steps) is in ``opt.state[p]["ax"]``, as in PyTorch.

    Parameters
    ----------
    params : iterable of Tensor or of group dicts, optional (see :class:`Optimizer`)
    lr : float
        Learning rate (default 0.01).
    lambd : float
        Decay term ``λ`` (default 1e-4), >= 0.
    alpha : float
        Power of the step-size decay (default 0.75), >= 0.
    t0 : float
        The step at which averaging starts (default 1e6).
    weight_decay : float
        L2 penalty added to the gradient (default 0).
    maximize : bool
        Ascend: the rule sees ``−g`` (keyword only).

    State per parameter: ``step``, ``eta`` (η), ``mu`` (μ), ``ax``.
    """

    _sparse_refusal = "ASGD does not support sparse gradients"

    name = "asgd"
    _array_state = ("ax",)
    _scalar_state = ("eta", "mu")
    _step_tensor = True

    def __init__(
        self,
        params: Iterable[Any] | None = None,
        lr: float = 0.01,
        lambd: float = 0.0001,
        alpha: float = 0.75,
        t0: float = 1000000.0,
        weight_decay: float = 0,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr=lr,
            lambd=lambd,
            alpha=alpha,
            t0=t0,
            weight_decay=weight_decay,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            capturable=capturable,
        )

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        for key in ("lambd", "alpha"):
            v = group.get(key)
            if v is not None and not v >= 0:
                raise ValueError(f"ASGD: invalid {key}={v!r}; expected >= 0")

    def step(self) -> None:
        """One update of every parameter that has a gradient."""
        self._require_bound()
        self._refuse_sparse_grads()
        _refuse_capturable(self)
        xp = backend.xp
        for group in self.param_groups:
            lr, lambd, alpha, t0, wd = _floats(group, "lr", "lambd", "alpha", "t0", "weight_decay")
            maximize = bool(group.get("maximize", False))
            for p in group["params"]:
                if p.grad is None:
                    continue
                w = p._data
                state = self.state.get(p)
                if not state:
                    state = self.state[p] = {
                        "step": _new_step(),
                        "eta": _new_step(lr),
                        "mu": _new_step(1.0),
                        "ax": _state_tensor(xp.zeros_like(w)),
                    }
                t = _bump_step(state)
                g = _signed_grad(p.grad._data, maximize, wd, w, False, lr)
                eta, mu = _scalar(state, "eta"), _scalar(state, "mu")
                tmp = self._tmp(p)
                w *= 1.0 - lambd * eta
                xp.multiply(g, eta, out=tmp)
                w -= tmp
                ax = _array(state["ax"])
                if mu != 1.0:
                    xp.subtract(w, ax, out=tmp)
                    tmp *= mu
                    ax += tmp
                else:
                    ax[...] = w
                # written into the 0-d tensors (float32, as PyTorch's ``eta.copy_(...)``)
                _set_scalar(state, "eta", lr / ((1.0 + lambd * lr * t) ** alpha))
                _set_scalar(state, "mu", 1.0 / max(1.0, t - t0))
