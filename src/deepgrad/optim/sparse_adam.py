"""SparseAdam: Adam that steps only the rows a gradient touches (an embedding's looked-up rows)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from .. import backend
from .adam import _check_betas
from .optimizer import Optimizer, _array, _count, _state_tensor


class SparseAdam(Optimizer):
    """PyTorch's ``SparseAdam``: Adam's moments and step applied to the rows (indices along
    dim 0) that the gradient touches, every other row left as it is — its moments do not
    decay and it does not move. At step ``t`` (from 1), for each touched row ``r``::

        g ← −g                                        (if maximize)
        m[r] ← m[r] + (1 − β1) · (g[r] − m[r])
        v[r] ← v[r] + (1 − β2) · (g[r]² − v[r])
        w[r] ← w[r] − lr · √(1 − β2ᵗ) / (1 − β1ᵗ) · m[r] / (√v[r] + eps)

    As PyTorch's it takes only the sparse gradients of ``nn.Embedding(sparse=True)`` /
    ``nn.EmbeddingBag(sparse=True)`` (``grad.is_sparse``); a dense gradient raises PyTorch's
    ``RuntimeError`` before any parameter moves (use ``Adam``). deepgrad's sparse gradients
    hold their numbers densely (README, table of differences), so a row counts as touched
    when its gradient has a nonzero entry — PyTorch's rows (the indices looked up) except a
    looked-up row whose gradient is exactly 0, which PyTorch steps (its moments decay) and
    deepgrad leaves alone. A parameter whose gradient is all zero is not stepped and its step
    count still advances, as PyTorch's for an empty sparse gradient.

    Parameters
    ----------
    params : iterable of Tensor or of group dicts, optional (see :class:`Optimizer`)
    lr : float
        Learning rate (default 1e-3).
    betas : (float, float)
        Decay rates of the first and second moments, each in [0, 1) (default (0.9, 0.999)).
    eps : float
        Added to ``√v`` (default 1e-8).
    maximize : bool
        Ascend: the rule sees ``−g``.

    State per parameter: ``step``, ``exp_avg`` (m), ``exp_avg_sq`` (v). No ``weight_decay``,
    as PyTorch's.
    """

    name = "sparse_adam"

    def __init__(
        self,
        params: Iterable[Any] | None = None,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr=lr, betas=tuple(betas), eps=eps, maximize=maximize)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        _check_betas("SparseAdam", group)

    def step(self) -> None:
        """One update of the touched rows of every parameter that has a gradient."""
        self._require_bound()
        xp = backend.xp
        for p in self._all_params():
            if p.grad is not None and not p.grad.is_sparse:
                raise RuntimeError(
                    "SparseAdam does not support dense gradients, please consider Adam instead "
                    "(it takes the gradients of nn.Embedding(sparse=True) / "
                    "nn.EmbeddingBag(sparse=True) tables, got a dense one of shape "
                    f"{tuple(p.grad.shape)})"
                )
        for group in self.param_groups:
            beta1, beta2 = (float(b) for b in group["betas"])
            lr, eps = float(group["lr"]), float(group["eps"])
            maximize = bool(group.get("maximize", False))
            for p in group["params"]:
                if p.grad is None:
                    continue
                w, g = p._data, p.grad._data
                state = self.state[p]
                if not state:  # PyTorch's: an int step, tensors for the moments
                    zeros = xp.zeros_like
                    state.update(
                        step=0, exp_avg=_state_tensor(zeros(w)), exp_avg_sq=_state_tensor(zeros(w))
                    )
                state["step"] += 1  # in place where the user put a step tensor, as PyTorch's
                t = _count(state["step"])
                if maximize:
                    g = -g
                m, v = _array(state["exp_avg"]), _array(state["exp_avg_sq"])
                if w.ndim == 0:  # one row: 1-D views, written through
                    w, g, m, v = (a.reshape(1) for a in (w, g, m, v))
                rows = xp.flatnonzero(g.reshape(len(g), -1).any(axis=1))
                if not len(rows):
                    continue
                gv, m_old, v_old = g[rows], m[rows], v[rows]
                m_up = (gv - m_old) * (1 - beta1)
                v_up = (gv**2 - v_old) * (1 - beta2)
                m[rows] = m_old + m_up
                v[rows] = v_old + v_up
                numer = m_up + m_old
                denom = xp.sqrt(v_up + v_old) + eps
                step_size = lr * math.sqrt(1 - beta2**t) / (1 - beta1**t)
                w[rows] = w[rows] + (-step_size) * (numer / denom)
