"""L-BFGS: a quasi-Newton method that re-evaluates the loss through a closure (PyTorch's
``LBFGS``, with its optional strong-Wolfe line search)."""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy

from .. import backend
from ..autograd import enable_grad
from ..nn.parameter import refuse_placeholder
from ..tensor import Tensor, foreign_to_numpy
from .optimizer import Optimizer, _is_int, _saved_hyperparameter, _state_tensor, _step_count


def _cubic_interpolate(
    x1: float, f1: float, g1: float, x2: float, f2: float, g2: float, bounds: Any = None
) -> float:
    """The minimizer of the cubic through ``(x1, f1, g1)`` and ``(x2, f2, g2)``, clamped to
    ``bounds`` (default ``[min(x1, x2), max(x1, x2)]``); their midpoint when it has none.

    The slopes ``g1``, ``g2`` are NumPy scalars of the parameters' dtype in a step (PyTorch's
    0-d tensors): the arithmetic keeps their dtype, and the result is one where PyTorch's is
    a tensor (a division by zero gives inf or NaN, as there)."""
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    with numpy.errstate(divide="ignore", invalid="ignore"):
        d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
        d2_square = d1**2 - g1 * g2
        if d2_square >= 0:
            d2 = d2_square**0.5
            if x1 <= x2:
                min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
            else:
                min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
            return min(max(min_pos, lo), hi)
        return (lo + hi) / 2.0


def _strong_wolfe(
    obj_func: Callable[[float], tuple[float, Any]],
    t: float,
    d: Any,
    f: float,
    g: Any,
    gtd: float,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_ls: int = 25,
) -> tuple[float, Any, float, int]:
    """A step ``t`` along ``d`` meeting the strong Wolfe conditions
    ``f(t) <= f + c1·t·gtd`` and ``|g(t)·d| <= −c2·gtd`` (bracketing, then zooming with cubic
    interpolation; Nocedal & Wright, Algorithm 3.5-3.6, as PyTorch does it). Returns
    ``(f_new, g_new, t, evaluations)``."""
    xp = backend.xp
    d_norm = xp.abs(d).max()
    g = g.copy()
    f_new, g_new = obj_func(t)
    ls_func_evals = 1
    gtd_new = g_new.dot(d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        min_step, max_step = t + 0.01 * (t - t_prev), t * 10
        tmp = t
        t = _cubic_interpolate(
            t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step)
        )
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new.copy(), gtd_new
        f_new, g_new = obj_func(t)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]

    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(
            bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]
        )
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(t)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new.copy(), gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new.copy(), gtd_new
    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


def _value(v: Any) -> Any:
    """A state value's array (a tensor's memory), or the value itself (a number, ``None``)."""
    return v._data if isinstance(v, Tensor) else v


def _kept(v: Any) -> Any:
    """A value as the state keeps it: an array or NumPy scalar (PyTorch's tensor there) as a
    tensor, a Python number or ``None`` as it is."""
    if v is None or isinstance(v, Tensor) or type(v) in (int, float):
        return v
    return _state_tensor(backend.xp.asarray(v))


def _two_loop(
    state: dict[str, Any],
    flat_grad: Any,
    prev_flat_grad: Any,
    d: Any,
    t: Any,
    memory: tuple[list[Any], list[Any], list[Any]],
    h_diag: Any,
    history_size: int,
) -> tuple[Any, Any]:
    """L-BFGS's direction ``d = −H·g`` (PyTorch's two-loop recursion): the pair
    ``(s, y) = (d·t, g − g_prev)`` enters the history ``memory = (old_dirs, old_stps, ro)``
    (lists of tensors, changed in place; the oldest pair leaves past ``history_size``) when
    ``yᵀs > 1e-10``, and then ``H_diag = yᵀs / yᵀy``; the coefficients go to
    ``state["al"]``. Returns ``(d, H_diag)``."""
    old_dirs, old_stps, ro = memory
    y = flat_grad - prev_flat_grad
    s = d * t
    ys = y.dot(s)
    if ys > 1e-10:
        if len(old_dirs) == history_size:
            old_dirs.pop(0)
            old_stps.pop(0)
            ro.pop(0)
        old_dirs.append(_state_tensor(y))
        old_stps.append(_state_tensor(s))
        ro.append(_kept(1.0 / ys))
        h_diag = _kept(ys / y.dot(y))
    num_old = len(old_dirs)
    if "al" not in state:
        state["al"] = [None] * history_size
    al = state["al"]
    q = -flat_grad
    for i in range(num_old - 1, -1, -1):
        a = old_stps[i]._data.dot(q) * _value(ro[i])
        al[i] = _kept(a)
        q -= a * old_dirs[i]._data
    d = r = q * _value(h_diag)
    for i in range(num_old):
        be_i = old_dirs[i]._data.dot(r) * _value(ro[i])
        r += (_value(al[i]) - be_i) * old_stps[i]._data
    return d, h_diag


class LBFGS(Optimizer):
    """Limited-memory BFGS (PyTorch's ``LBFGS``): ``step(closure)`` runs up to ``max_iter``
    iterations, each moving along ``d = −H·g`` where ``H`` approximates the inverse Hessian from
    the last ``history_size`` pairs ``(s, y) = (Δw, Δg)`` (the two-loop recursion, scaled by
    ``H₀ = sᵀy / yᵀy``). The step is ``lr`` (the first one ``min(1, 1/‖g‖₁)·lr``), or found by a
    strong-Wolfe line search with ``line_search_fn="strong_wolfe"``.

    ``closure()`` must clear the gradients, compute the loss, call ``backward()`` and return the
    loss; it is called several times per step. All parameters form one group and must be
    floating tensors. Stops early when ``max|g| <= tolerance_grad``, or a step or the change of
    the loss falls under ``tolerance_change``, or after ``max_eval`` evaluations (default
    ``1.25·max_iter``). Returns the first evaluation's loss.

    >>> import deepgrad as dg
    >>> w = dg.tensor([1.5, -0.5], dtype=dg.float64, requires_grad=True)
    >>> opt = LBFGS([w], line_search_fn="strong_wolfe")
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = ((w - dg.tensor([3.0, 2.0], dtype=dg.float64)) ** 2).sum()
    ...     loss.backward()
    ...     return loss
    >>> _ = opt.step(closure)
    >>> [round(v, 6) for v in w.tolist()]
    [3.0, 2.0]
    """

    name = "lbfgs"

    def __init__(
        self,
        params: Iterable[Any] | None = None,
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(
                f"LBFGS: line_search_fn must be None or 'strong_wolfe', got {line_search_fn!r}"
            )
        super().__init__(
            params, lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
            tolerance_change=tolerance_change, history_size=history_size,
            line_search_fn=line_search_fn,
        )  # fmt: skip

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        if self.is_bound:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    def _params(self) -> list[Tensor]:
        self._require_bound()
        return self.param_groups[0]["params"]

    def _gather_flat_grad(self) -> Any:
        """The gradients as one vector (zeros for a parameter without one); a lazy layer's
        uninitialized parameter without one raises PyTorch's ``ValueError`` (its size is not
        known: the closure did not call the layer)."""
        xp = backend.xp
        for p in self._params():
            if p.grad is None:
                refuse_placeholder(p, "LBFGS.step (the closure did not call the lazy layer)")
        parts = [
            xp.zeros(p._data.size, p._data.dtype) if p.grad is None else p.grad._data.reshape(-1)
            for p in self._params()
        ]
        return xp.concatenate(parts)

    def _add_grad(self, step_size: float, update: Any) -> None:
        offset = 0
        for p in self._params():
            n = p._data.size
            p._data += (
                (step_size * update[offset : offset + n])
                .reshape(p._data.shape)
                .astype(p._data.dtype, copy=False)
            )
            offset += n

    def _set_params(self, values: list[Any]) -> None:
        for p, v in zip(self._params(), values, strict=True):
            p._data[...] = v

    def _evaluate(self, closure: Callable[[], Any]) -> float:
        with enable_grad():
            return float(closure())

    def step(self, closure: Callable[[], Any] | None = None) -> Any:  # type: ignore[override]
        """Run up to ``max_iter`` L-BFGS iterations; returns the loss ``closure()`` gave first.

        The state (on the first parameter, as PyTorch's) holds what PyTorch's holds: ``d``
        and ``prev_flat_grad`` flat tensors, the history ``old_dirs`` / ``old_stps`` lists of
        them, ``ro`` (and the scratch ``al``) lists of 0-d tensors, ``H_diag`` a 0-d tensor
        (the int 1 before the first update), ``t`` a 0-d tensor where PyTorch's arithmetic
        makes one (else a float), ``prev_loss`` a float, ``n_iter`` / ``func_evals`` ints.
        Their scalars are computed in the parameters' dtype (NumPy scalars where PyTorch has
        0-d tensors), as PyTorch computes them."""
        if closure is None:
            raise RuntimeError(
                "LBFGS.step needs a closure that re-evaluates the model and returns the loss: "
                "opt.step(closure) with def closure(): opt.zero_grad(); loss = ...; "
                "loss.backward(); return loss"
            )
        xp = backend.xp
        group = self.param_groups[0]
        lr = group["lr"]  # as it is (PyTorch's t is the int 1 at the default lr=1)
        max_iter, max_eval = int(group["max_iter"]), int(group["max_eval"])
        tolerance_grad = float(group["tolerance_grad"])
        tolerance_change = float(group["tolerance_change"])
        history_size, line_search_fn = int(group["history_size"]), group["line_search_fn"]
        params = self._params()
        state = self.state.setdefault(params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if (xp.abs(flat_grad).max() if flat_grad.size else 0.0) <= tolerance_grad:
            return orig_loss

        d, t = _value(state.get("d")), _value(state.get("t"))
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag = state.get("H_diag")
        prev_flat_grad, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1
            else:
                memory = (old_dirs, old_stps, ro)
                d, h_diag = _two_loop(state, flat_grad, _value(prev_flat_grad), d, t, memory,
                                      h_diag, history_size)  # fmt: skip
            if prev_flat_grad is None:
                prev_flat_grad = _state_tensor(flat_grad.copy())
            else:
                prev_flat_grad._data[...] = flat_grad  # in place, as PyTorch's copy_
            prev_loss = loss
            if state["n_iter"] == 1:
                # a 0-d array (PyTorch's 0-d tensor) where 1/|g|₁ < 1, else a float
                t = min(1.0, 1.0 / xp.abs(flat_grad).sum()) * lr
            else:
                t = lr
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:
                break

            ls_func_evals = 0
            if line_search_fn is not None:
                x_init = [p._data.copy() for p in params]

                def obj_func(step: float, x_init: list[Any] = x_init, d: Any = d) -> tuple:
                    self._add_grad(step, d)
                    value = self._evaluate(closure)
                    grad = self._gather_flat_grad()
                    self._set_params(x_init)
                    return value, grad

                loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                    obj_func, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals
                )
                self._add_grad(t, d)
                opt_cond = xp.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    loss = self._evaluate(closure)
                    flat_grad = self._gather_flat_grad()
                    opt_cond = xp.abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if xp.abs(d * t).max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state.update(
            d=_kept(d), t=_kept(t), old_dirs=old_dirs, old_stps=old_stps, ro=ro,
            H_diag=h_diag, prev_flat_grad=prev_flat_grad, prev_loss=prev_loss,
        )  # fmt: skip
        return orig_loss

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state saved by :meth:`state_dict` (its direction and history are flat
        vectors over all parameters). Everything is checked before anything is set: one
        group of as many parameters, hyperparameters of their kind, each state entry's kind
        and length (a vector of another length failed inside NumPy at the next step; a
        number given for ``d`` was spread over every parameter silently)."""
        name = "LBFGS.load_state_dict"
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            raise ValueError(f"{name} expects a dict with 'state' and 'param_groups'")
        if not self.is_bound:
            self._pending_state = copy.deepcopy(state_dict)
            return
        groups, state = state_dict["param_groups"], state_dict["state"]
        if not (isinstance(groups, list) and len(groups) == 1 and isinstance(groups[0], dict)):
            raise ValueError(
                f"{name}: 'param_groups' must be a list of one group (LBFGS has one), got "
                f"{groups if not isinstance(groups, list) else f'{len(groups)} groups'!r}"
            )
        if not isinstance(state, dict):
            raise ValueError(f"{name}: 'state' must be a dict, got {type(state).__name__}")
        params = self._params()
        ids = groups[0].get("params")
        if not isinstance(ids, list) or not all(_is_int(j) for j in ids):
            raise ValueError(f"{name}: the group's 'params' must list parameter indices")
        if len(ids) != len(params):
            raise ValueError(
                f"{name}: the group has {len(ids)} parameters in the state, {len(params)} in "
                "the optimizer"
            )
        merged = dict(self.param_groups[0])
        for k, v in groups[0].items():
            if k != "params":
                merged[k] = _saved_hyperparameter("LBFGS", 0, k, v, merged.get(k))
        for k in ("max_iter", "max_eval", "history_size"):
            if not _is_int(merged[k]) or merged[k] < 1:
                raise ValueError(f"{name}: {k} is {merged[k]!r}; expected an int >= 1")
        if merged["line_search_fn"] not in (None, "strong_wolfe"):
            raise ValueError(
                f"{name}: line_search_fn is {merged['line_search_fn']!r}; expected None or "
                "'strong_wolfe'"
            )
        self._check_group(merged)
        new_state: dict[Tensor, dict[str, Any]] = defaultdict(dict)
        for key, st in state.items():
            try:
                idx = None if isinstance(key, (bool, float)) else int(key)
            except (TypeError, ValueError):
                idx = None
            if idx != int(ids[0]):
                raise ValueError(
                    f"{name}: state for parameter {key!r}; LBFGS keeps its state on its first "
                    f"parameter only (index {ids[0]})"
                )
            if not isinstance(st, dict):
                raise ValueError(f"{name}: the state is a {type(st).__name__}, not a dict")
            new_state[params[0]] = self._saved_state(st, params)
        self.param_groups[0].update(merged)
        self.state = new_state

    def _saved_state(self, st: dict[str, Any], params: list[Tensor]) -> dict[str, Any]:
        """The loaded state, checked: counts, numbers, flat vectors of the parameters' total
        length (alone or in the history lists, of equal lengths). Tensors (deepgrad's,
        PyTorch's, NumPy arrays) come back as copies cast to the first parameter's dtype, as
        PyTorch's ``load_state_dict`` casts them; numbers stay numbers."""
        name = "LBFGS.load_state_dict"
        xp = backend.xp
        n = sum(p._data.size for p in params)
        dtype = params[0]._data.dtype

        def unwrap(v: Any) -> Any:
            return v._data if isinstance(v, Tensor) else foreign_to_numpy(v)

        def vector(k: str, v: Any) -> Any:
            v = unwrap(v)
            shape = tuple(getattr(v, "shape", ()))
            kind = getattr(v, "dtype", numpy.dtype("O")).kind
            if not hasattr(v, "shape") or shape != (n,) or kind not in "iuf":
                what = f"shape {shape}" if hasattr(v, "shape") else f"a {type(v).__name__}"
                raise ValueError(
                    f"{name}: state {k!r} has {what}{'' if kind in 'iufO' else f' of {kind!r}'}"
                    f"; expected a flat vector over all parameters, shape ({n},)"
                )
            return _state_tensor(xp.array(v, dtype=dtype, copy=True))

        def number(k: str, v: Any) -> Any:
            v = unwrap(v)
            if isinstance(v, (bool, numpy.bool_)) or getattr(v, "shape", ()) != ():
                raise ValueError(f"{name}: state {k!r} is {v!r}; expected a number")
            try:
                f = float(v)
            except (TypeError, ValueError):
                raise ValueError(f"{name}: state {k!r} is {v!r}; expected a number") from None
            if hasattr(v, "dtype"):  # a 0-d tensor or array: a 0-d tensor, as PyTorch's
                return _state_tensor(xp.array(v, dtype=dtype, copy=True))
            return v if isinstance(v, int) else f

        def scratch(k: str, v: Any) -> Any:
            return None if v is None else number(k, v)

        def listed(k: str, v: Any, each: Callable[[str, Any], Any]) -> list[Any]:
            if not isinstance(v, (list, tuple)):
                raise ValueError(f"{name}: state {k!r} is a {type(v).__name__}; expected a list")
            return [each(f"{k}[{i}]", a) for i, a in enumerate(v)]

        entry: dict[str, Any] = {}
        for k, v in st.items():
            if k in ("func_evals", "n_iter"):
                entry[k] = _step_count(v, f"{name}: state {k!r}")
            elif k in ("d", "prev_flat_grad"):
                entry[k] = vector(k, v)
            elif k in ("t", "H_diag"):
                entry[k] = number(k, v)
            elif k == "prev_loss":
                entry[k] = float(_value(number(k, v)))
            elif k in ("old_dirs", "old_stps"):
                entry[k] = listed(k, v, vector)
            elif k == "ro":
                entry[k] = listed(k, v, number)
            elif k == "al":  # the two-loop recursion's scratch list (None until filled)
                entry[k] = listed(k, v, scratch)
            else:
                raise ValueError(
                    f"{name}: unknown state entry {k!r} (LBFGS keeps func_evals, n_iter, d, t, "
                    "old_dirs, old_stps, ro, H_diag, prev_flat_grad, prev_loss)"
                )
        if entry.get("n_iter", 0) >= 1:
            need = ("d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad")
            missing = [k for k in (*need, "prev_loss") if k not in entry]
            if missing:
                raise ValueError(
                    f"{name}: the state after {entry['n_iter']} iterations lacks {missing}"
                )
            sizes = {k: len(entry[k]) for k in ("old_dirs", "old_stps", "ro")}
            if len(set(sizes.values())) != 1:
                raise ValueError(f"{name}: the history lists differ in length: {sizes}")
        return entry
