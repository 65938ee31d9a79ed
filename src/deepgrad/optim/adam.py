"""Adam and its relatives: :class:`Adam` (L2 decay), :class:`AdamW` (decoupled), :class:`NAdam`
(Nesterov momentum)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy

from .. import backend, cuda_kernels, kernels
from .optimizer import Optimizer, _array, _count, _floats, _new_step


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), PyTorch's rule. At step ``t`` (from 1)::

        g ← −g                                        (if maximize)
        g ← g + weight_decay · w                      (coupled L2, if weight_decay; or
                                                       w ← w · (1 − lr · weight_decay) if
                                                       decoupled_weight_decay)
        m ← β1 · m + (1 − β1) · g
        v ← β2 · v + (1 − β2) · g²
        v̂ = max(v̂, v) if amsgrad, else v
        w ← w − lr / (1 − β1ᵗ) · m / (√v̂ / √(1 − β2ᵗ) + eps)

    Parameters
    ----------
    params : iterable of Tensor or of group dicts, optional
    lr : float
        Learning rate (default 1e-3).
    betas : (float, float)
        Decay rates ``(β1, β2)`` of the moment estimates, each in [0, 1) (default (0.9, 0.999)).
    eps : float
        Added to the denominator (default 1e-8).
    weight_decay : float
        L2 penalty added to the gradient (default 0). For decoupled decay use :class:`AdamW`.
    amsgrad : bool
        Use the running maximum of ``v`` (AMSGrad).
    maximize : bool
        Ascend: the rule sees ``−g`` (keyword only, as the next one).
    decoupled_weight_decay : bool
        Decay the weights directly (``Adam(..., decoupled_weight_decay=True)`` is AdamW).

    State per parameter: ``step``, ``exp_avg`` (m), ``exp_avg_sq`` (v), ``max_exp_avg_sq``.
    """

    _sparse_refusal = "Adam does not support sparse gradients, please consider SparseAdam instead"

    name = "adam"
    _decoupled_decay = False
    _elementwise = True

    def __init__(
        self,
        params: Iterable[Any] | None = None,
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-08,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr=lr,
            betas=tuple(betas),
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=decoupled_weight_decay,
        )

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        _check_betas(type(self).__name__, group)

    def _state_keys(self, group: dict[str, Any]) -> tuple[str, ...]:
        if group["amsgrad"]:
            return ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
        return ("exp_avg", "exp_avg_sq")

    def _decoupled(self, group: dict[str, Any]) -> bool:
        # the group's flag, as PyTorch's (AdamW's groups start with True: a group given
        # decoupled_weight_decay=False decays as Adam's L2 there too)
        return bool(group.get("decoupled_weight_decay", self._decoupled_decay))

    def _fused_in_place(self, fused: Any, group: dict, t: int) -> bool:
        """Adam's update of every parameter of the group in one compiled pass each
        (:func:`deepgrad.kernels.adam_update_flat`), where numba is installed and amsgrad is off."""
        if group["amsgrad"] or not kernels.enabled():
            return False
        flat = _flat_quads(fused)
        if flat is None:
            return False
        beta1, beta2 = (float(b) for b in group["betas"])
        lr, eps = float(group["lr"]), float(group["eps"])
        return kernels.adam_update_flat(flat, beta1, beta2, lr, eps, t)

    def _direction(self, g: Any, state: dict[str, Any], tmp: Any, group: dict, t: int) -> None:
        """Update ``m``, ``v`` (and ``v̂``) with ``g``; ``tmp ← lr / (1 − β1ᵗ) · m / (√v̂ /
        √(1 − β2ᵗ) + eps)``."""
        xp = backend.xp
        betas = group["betas"]
        beta1, beta2 = float(betas[0]), float(betas[1])
        lr, eps = float(group["lr"]), float(group["eps"])
        m, v = state["exp_avg"], state["exp_avg_sq"]
        if not group["amsgrad"] and kernels.adam_direction(g, m, v, tmp, beta1, beta2, lr, eps, t):
            return  # the same floats as the lines below, in one compiled pass (deepgrad.kernels)
        if not group["amsgrad"] and cuda_kernels.adam_direction(
            g, m, v, tmp, beta1, beta2, lr, eps, t
        ):
            return  # the same formula in one launch on a GPU (deepgrad.cuda_kernels)
        _moments(g, m, v, tmp, beta1, beta2)
        if group["amsgrad"]:
            v = xp.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        xp.sqrt(v, out=tmp)
        tmp /= math.sqrt(1.0 - beta2**t)
        tmp += eps
        xp.divide(m, tmp, out=tmp)
        tmp *= lr / (1.0 - beta1**t)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019), PyTorch's ``AdamW``::

        w ← w · (1 − lr · weight_decay)          then the Adam step on the raw gradient

    The decay shrinks the weights directly instead of entering the gradient, so it is not
    rescaled by Adam's per-coordinate step sizes. Same parameters as :class:`Adam` (but
    ``decoupled_weight_decay``, always on), with ``weight_decay`` defaulting to 0.01.
    """

    name = "adamw"
    _decoupled_decay = True

    def __init__(
        self,
        params: Iterable[Any] | None = None,
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-08,
        weight_decay: float = 0.01,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        Optimizer.__init__(
            self,
            params,
            lr=lr,
            betas=tuple(betas),
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )


class NAdam(Optimizer):
    """Adam with Nesterov momentum (Dozat, 2016), PyTorch's ``NAdam`` (its arguments and
    defaults; Keras's ``Nadam`` is the same rule with other defaults). At step ``t``::

        g ← −g                                     (if maximize)
        g ← g + weight_decay · w                   (or w ← w · (1 − lr · weight_decay)
                                                    if decoupled_weight_decay)
        μ_t = β1 · (1 − ½ · 0.96^(t · momentum_decay)),   Π_t = μ_1 ⋯ μ_t
        m ← β1 · m + (1 − β1) · g
        v ← β2 · v + (1 − β2) · g²
        d = √(v / (1 − β2ᵗ)) + eps
        w ← w − lr · (1 − μ_t) / (1 − Π_t) · g / d − lr · μ_{t+1} / (1 − Π_t μ_{t+1}) · m / d

    Parameters
    ----------
    params : iterable of Tensor or of group dicts, optional
    lr : float
        Learning rate (default 2e-3).
    betas : (float, float)
        ``(β1, β2)``, each in [0, 1) (default (0.9, 0.999)).
    eps : float
        Added to the denominator (default 1e-8).
    weight_decay : float
        Weight decay (default 0), coupled L2 unless ``decoupled_weight_decay``.
    momentum_decay : float
        The momentum schedule's ψ (default 4e-3).
    decoupled_weight_decay : bool
        Decay the weights directly, as AdamW does (NAdamW).
    maximize : bool
        Ascend: the rule sees ``−g`` (keyword only).

    State per parameter, as PyTorch's: ``step`` and ``mu_product`` (Π_t, a running product
    kept apart from the step: a step count reset in place goes on with the product as it
    was), 0-d tensors of the scalar dtype (float32 under the float32 default), and
    ``exp_avg``, ``exp_avg_sq``. The update goes through the optimizer template
    (:meth:`Optimizer.step` → :meth:`_advance_scalars`, :meth:`_direction`) like Adam's, with
    Adam's moments.
    """

    _sparse_refusal = "NAdam does not support sparse gradients"

    name = "nadam"
    _scalar_state = ("mu_product",)

    def __init__(
        self,
        params: Iterable[Any] | None = None,
        lr: float = 0.002,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-08,
        weight_decay: float = 0,
        momentum_decay: float = 0.004,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr=lr,
            betas=tuple(betas),
            eps=eps,
            weight_decay=weight_decay,
            momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
        )

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        _check_betas("NAdam", group)
        if group.get("momentum_decay", 0) < 0:
            raise ValueError(
                f"NAdam: invalid momentum_decay={group['momentum_decay']!r}; expected >= 0"
            )

    def _state_keys(self, group: dict[str, Any]) -> tuple[str, ...]:
        return ("exp_avg", "exp_avg_sq")

    def _decoupled(self, group: dict[str, Any]) -> bool:
        return bool(group.get("decoupled_weight_decay", False))

    def _initial_value(self, key: str, group: dict[str, Any]) -> float:
        return 1.0 if key == "mu_product" else 0.0

    def _advance_scalars(self, scalars: dict[str, Any], group: dict[str, Any], t: int) -> None:
        """``Π_t = Π_{t−1} · μ_t``, in place in the 0-d ``mu_product`` (in its dtype, float32
        under the float32 default: PyTorch's ``mu_product *= mu``)."""
        beta1 = float(group["betas"][0])
        scalars["mu_product"] *= _mu(beta1, float(group["momentum_decay"]), t)

    def _direction(self, g: Any, state: dict[str, Any], tmp: Any, group: dict, t: int) -> None:
        """Adam's moments (:func:`_moments`), then ``tmp ← (c_m · m + c_g · g) / d`` with the
        momentum schedule's coefficients ``c_m = lr · μ_{t+1} / (1 − Π_t μ_{t+1})`` and
        ``c_g = lr · (1 − μ_t) / (1 − Π_t)`` (``Π_t``: the state's ``mu_product``, already
        advanced by :meth:`_advance_scalars`)."""
        xp = backend.xp
        beta1, beta2 = (float(b) for b in group["betas"])
        lr, eps, psi = _floats(group, "lr", "eps", "momentum_decay")
        mu, mu_next = _mu(beta1, psi, t), _mu(beta1, psi, t + 1)
        mu_product = float(state["mu_product"])
        m, v = state["exp_avg"], state["exp_avg_sq"]
        _moments(g, m, v, tmp, beta1, beta2)
        update = xp.multiply(m, lr * mu_next / (1.0 - mu_product * mu_next))
        xp.multiply(g, lr * (1.0 - mu) / (1.0 - mu_product), out=tmp)
        update += tmp
        xp.divide(v, 1.0 - beta2**t, out=tmp)
        xp.sqrt(tmp, out=tmp)
        tmp += eps
        xp.divide(update, tmp, out=tmp)

    def _saved_param_state(
        self, st: dict[str, Any], p: Any, group: dict[str, Any], idx: int
    ) -> dict[str, Any]:
        """The template's check and load; a state saved before NAdam kept ``mu_product``
        (an earlier deepgrad's) gets the product its steps made, ``μ_1 ⋯ μ_t``, multiplied
        in the 0-d tensor's dtype as the steps would have."""
        entry = super()._saved_param_state(st, p, group, idx)
        if "step" in entry and "mu_product" not in entry:
            product = _new_step(1.0)
            beta1, psi = float(group["betas"][0]), float(group["momentum_decay"])
            for i in range(1, _count(entry["step"]) + 1):
                product._data *= _mu(beta1, psi, i)
            entry["mu_product"] = product
        return entry


def _mu(beta1: float, psi: float, t: int) -> float:
    """NAdam's momentum coefficient at step ``t``: ``μ_t = β1 · (1 − ½ · 0.96^(t · ψ))``
    (a Python float, as PyTorch computes it).

    >>> round(_mu(0.9, 4e-3, 1), 6)
    0.450073
    """
    return beta1 * (1.0 - 0.5 * (0.96 ** (t * psi)))


def _flat_quads(fused: Any) -> list[list[Any]] | None:
    """Each parameter of a fused group as ``[w, g, m, v]``, the 1-D views
    :func:`deepgrad.kernels.adam_update_flat` takes, or ``None`` where an array is not a
    C-contiguous float array of the group's one dtype and shape (the NumPy form runs then).

    The views of ``w``, ``m`` and ``v`` are made once and kept on the group while its
    parameters' arrays stay the same (``fused.datas``, a new list whenever one is replaced;
    a replaced state array makes a new group: :meth:`Optimizer._fused_group` checks both
    before this runs), so a step checks the new gradients only (their shapes, checked by
    :meth:`_FusedGroup.still_valid`, are the parameters')."""
    cache = fused.__dict__.get("_adam_views")
    if cache is None or cache[0] is not fused.datas:
        rows: list[tuple[Any, ...]] | None = []
        for p, st in zip(fused.params, fused.states, strict=True):
            views = kernels.flat_views((p._data, _array(st["exp_avg"]), _array(st["exp_avg_sq"])))
            if views is None or views[0].dtype != fused.dtype:
                rows = None
                break
            rows.append(views)
        cache = fused._adam_views = (fused.datas, rows)
    rows = cache[1]
    if rows is None:
        return None
    flat = []
    for p, (wf, mf, vf) in zip(fused.params, rows, strict=True):
        g = p._grad._data
        if type(g) is not numpy.ndarray or g.dtype != wf.dtype or not g.flags.c_contiguous:
            return None
        flat.append([wf, g.reshape(-1), mf, vf])
    return flat


def _moments(g: Any, m: Any, v: Any, tmp: Any, beta1: float, beta2: float) -> None:
    """Adam's moment estimates, in place: ``m ← β1 · m + (1 − β1) · g``,
    ``v ← β2 · v + (1 − β2) · g²`` (``tmp`` is scratch). Shared by :class:`Adam` and
    :class:`NAdam`."""
    xp = backend.xp
    m *= beta1
    xp.multiply(g, 1.0 - beta1, out=tmp)
    m += tmp
    v *= beta2
    xp.multiply(g, g, out=tmp)
    tmp *= 1.0 - beta2
    v += tmp


def _check_betas(name: str, group: dict[str, Any]) -> None:
    betas = group.get("betas")
    if betas is None:
        return
    if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
        raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
    for i, b in enumerate(betas):
        if not (isinstance(b, numbers.Real) and 0.0 <= b < 1.0):
            raise ValueError(
                f"{name}: invalid beta{i + 1}={b!r} in betas; expected a value in [0, 1)"
            )
