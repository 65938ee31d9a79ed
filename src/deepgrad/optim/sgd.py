"""Stochastic gradient descent: :class:`SGD` (PyTorch's rule) and :class:`Momentum` (the guides')."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import backend
from .optimizer import Optimizer, _array, _floats, _signed_grad, _state_tensor


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum, Nesterov momentum and L2 decay.

    PyTorch's update, per parameter ``w`` with gradient ``g``::

        g ← −g                                            (if maximize)
        g ← g + weight_decay · w                          (if weight_decay)
        b ← g                     at the first step       (if momentum)
        b ← momentum · b + (1 − dampening) · g   after
        g ← g + momentum · b  if nesterov, else  g ← b
        w ← w − lr · g

    Parameters
    ----------
    params : iterable of Tensor or of group dicts, optional (see :class:`Optimizer`)
    lr : float
        Learning rate ``η`` (default 1e-3, PyTorch 2's; the name ``"sgd"`` in
        :func:`deepgrad.optim.get` and ``compile`` takes Keras's 0.01).
    momentum, dampening : float
        Momentum factor and its dampening (default 0).
    weight_decay : float
        L2 penalty coefficient, added to the gradient (default 0).
    nesterov : bool
        Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
    maximize : bool
        Ascend instead of descend: the update uses ``−g`` (keyword only).

    State per parameter: ``momentum_buffer``.
    """

    name = "sgd"
    _array_state = ("momentum_buffer",)

    def __init__(
        self,
        params: Iterable[Any] | None = None,
        lr: float = 0.001,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
            foreach=foreach,
            differentiable=differentiable,
            fused=fused,
        )

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        if group.get("momentum", 0) < 0:
            raise ValueError(f"SGD: invalid momentum={group['momentum']!r}; expected >= 0")
        if group.get("nesterov") and (group.get("momentum", 0) <= 0 or group.get("dampening", 0)):
            raise ValueError("SGD: nesterov=True requires momentum > 0 and dampening = 0")

    def step(self) -> None:
        """One update of every parameter that has a gradient."""
        self._require_bound()
        xp = backend.xp
        for group in self.param_groups:
            lr, mom, damp, wd = _floats(group, "lr", "momentum", "dampening", "weight_decay")
            nesterov, maximize = group["nesterov"], bool(group.get("maximize", False))
            for p in group["params"]:
                if p.grad is None:
                    continue
                w = p._data
                g = _signed_grad(p.grad._data, maximize, wd, w, False, lr)
                tmp = self._tmp(p)
                if mom:
                    state = self.state.setdefault(p, {})
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = g.copy()
                        state["momentum_buffer"] = _state_tensor(buf)  # PyTorch keeps a tensor
                    else:
                        buf = _array(buf)  # the tensor's memory, written in place
                        buf *= mom
                        if damp:
                            xp.multiply(g, 1.0 - damp, out=tmp)
                            buf += tmp
                        else:
                            buf += g
                    if nesterov:
                        xp.multiply(buf, mom, out=tmp)
                        tmp += g
                        tmp *= lr
                    else:
                        xp.multiply(buf, lr, out=tmp)
                else:
                    xp.multiply(g, lr, out=tmp)
                w -= tmp


class Momentum(Optimizer):
    """Momentum SGD as the guides write it ("Deep Learning from Scratch")::

        v ← momentum · v − lr · g          (v starts at 0)
        w ← w + v

    Relation to :class:`SGD` with momentum: PyTorch keeps ``b ← momentum · b + g`` and steps
    ``w ← w − lr · b``, i.e. ``v = −lr · b``. The two give the same parameters while ``lr`` is
    constant; when a schedule changes ``lr``, ``Momentum`` applies the new rate to new gradients
    only, while ``SGD`` rescales the whole accumulated buffer.

    Parameters
    ----------
    params : iterable of Tensor or of group dicts, optional
    lr : float
        Learning rate (default 0.01).
    momentum : float
        The decay ``α`` of the velocity, in [0, 1) (default 0.9).

    State per parameter: ``step``, ``velocity``.
    """

    name = "momentum"

    def __init__(
        self, params: Iterable[Any] | None = None, lr: float = 0.01, momentum: float = 0.9
    ) -> None:
        super().__init__(params, lr=lr, momentum=momentum)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        self._check_range(group, "momentum", 0.0, 1.0)

    def _state_keys(self, group: dict[str, Any]) -> tuple[str, ...]:
        return ("velocity",)

    def _direction(self, g: Any, state: dict[str, Any], tmp: Any, group: dict, t: int) -> None:
        """``v ← momentum · v − lr · g``; ``tmp ← −v`` (so that ``w ← w − tmp = w + v``)."""
        xp = backend.xp
        lr, mom = _floats(group, "lr", "momentum")
        v = state["velocity"]
        v *= mom
        xp.multiply(g, lr, out=tmp)
        v -= tmp
        xp.negative(v, out=tmp)
