"""The :class:`Optimizer` base: parameter groups, late binding, ``zero_grad``, ``state_dict``.

An optimizer holds *parameter groups*: a list of dicts, each with ``"params"`` (a list of
tensors) and that group's hyperparameters (``"lr"``, ``"momentum"``...), as in PyTorch::

    opt = optim.SGD([{"params": model.body.parameters()},
                     {"params": model.head.parameters(), "lr": 1e-2}], lr=1e-3, momentum=0.9)
    opt.param_groups[1]["lr"]      # 0.01; schedules set it the same way

**Late binding.** The Keras-style API builds an optimizer before the model has parameters
(``model.compile(optimizer=optim.Adam(lr=1e-3))``). Without ``params`` the optimizer holds one
empty placeholder group with its hyperparameters; :meth:`Optimizer.bind` (or
:meth:`~Optimizer.add_param_group`) attaches the parameters later, and the placeholder's
hyperparameters (including what a schedule already wrote there) carry over to the new groups.

**State** (moment estimates, step counts) is kept per parameter in ``opt.state[p]``, as
PyTorch's: tensors (``exp_avg``...) that share the memory the update writes (no copy per step:
on the fused path each is a slice of the group's flat buffer), and ``step`` a 0-d float32
tensor (float64 under a float64 default dtype). A write into them (``zero_``, ``mul_``,
``copy_``) or a tensor put in their place steers the next step as in PyTorch. State tensors
the user made (A3C's ``SharedAdam``: ``state["step"] = torch.zeros(1)`` and moments set before
the first step, then ``share_memory_()``-ed), and any state or parameter in shared memory, are
updated in place in their own memory, one parameter at a time, as PyTorch's (a ``step`` of
shape ``(1,)`` stays one, in its dtype): fork-ed workers then train one optimizer. The saved form
(:meth:`~Optimizer.state_dict`) keys it by the parameter's position in the groups (0, 1, 2...
in group order), never by ``id()``, and holds the live state tensors, as PyTorch's (a
checkpoint, :func:`deepgrad.save`, writes their values then; ``copy.deepcopy`` keeps a
snapshot in memory); :meth:`~Optimizer.load_state_dict` takes that, PyTorch's (torch
tensors) and the NumPy arrays and int steps earlier versions saved, and casts the state
tensors but ``step`` to the parameter's dtype, as PyTorch's. A PyTorch-style subclass
(``super().__init__(params, defaults)``, its own ``step`` keeping tensors in ``self.state[p]``,
a ``defaultdict(dict)`` as PyTorch's) gets its tensors back.

Updates run in place on ``p._data`` and the state arrays, in the parameter's dtype, with NumPy
ufuncs writing into preallocated buffers (``out=``). ``p.grad`` is never modified (it may be
shared between tensors); weight decay goes into a temporary.
"""

from __future__ import annotations

import array
import copy
import functools
import inspect
import numbers
import weakref
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, ClassVar

import numpy

from .. import backend, shared_memory
from ..autograd import enable_grad, note_writes
from ..tensor import Tensor, foreign_to_numpy
from ..threads import parallel_chunks
from . import hooks, keras_names
from .hooks import (  # noqa: F401 - torch.optim.optimizer's names
    register_optimizer_step_post_hook,
    register_optimizer_step_pre_hook,
)
from .lr import set_lr

_registry: dict[str, type[Optimizer]] = {}


def _check_implementation(name: str, defaults: dict[str, Any]) -> None:
    """Check PyTorch's implementation choices ``foreach`` and ``fused`` and the
    ``capturable`` / ``differentiable`` flags; they stay in the defaults (and so in every
    group), as in PyTorch's ``param_groups``.

    PyTorch picks between a per-tensor loop, one ``foreach`` kernel over all tensors and one
    ``fused`` kernel; the rule and its numbers are the same. Here one NumPy implementation
    serves every choice, so a valid choice (``None``, ``True`` or ``False``) changes nothing.
    ``capturable=True`` is taken, as PyTorch takes it, and refused by :meth:`Optimizer.step`
    as PyTorch's CPU step refuses it (:func:`_refuse_capturable`); ``differentiable=True`` is
    refused here (not supported).
    """
    for key in ("foreach", "fused"):
        value = defaults.get(key)
        if value is not None and not isinstance(value, bool):
            raise TypeError(f"{name}: {key} must be None, True or False, got {value!r}")
    if defaults.get("foreach") and defaults.get("fused"):
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
    if defaults.get("fused") and defaults.get("differentiable"):
        raise RuntimeError("`fused` does not support `differentiable`")
    if defaults.get("differentiable", False):
        raise NotImplementedError(
            f"{name}: differentiable=True (a step that autograd can differentiate, for "
            "meta-learning the hyperparameters) is not supported; write the update with "
            "tensor operations (p - lr * g) to differentiate through it"
        )


class CapturableError(AssertionError, ValueError):
    """PyTorch's refusal of ``capturable=True`` on the CPU (an ``AssertionError`` there),
    still a ``ValueError`` as deepgrad raised it before."""


def _refuse_capturable(opt: Optimizer) -> None:
    """Raise PyTorch's error where a group has ``capturable=True`` (a step recorded into a
    CUDA graph, which needs its parameters and step counts on an accelerator): PyTorch takes
    the flag at construction and refuses the CPU step, before anything moves."""
    for group in opt.param_groups:
        if group.get("capturable"):
            raise CapturableError(
                "If capturable=True, params and state_steps must be on supported devices: "
                "['cuda', 'xpu', 'hpu', 'privateuseone', 'xla']. (deepgrad's optimizers "
                f"step on the CPU: build {type(opt).__name__} with capturable=False, or set "
                "param_groups[i]['capturable'] = False)"
            )


class _LeadRate:
    """Keras's ``optimizer.learning_rate`` (and Keras 2's ``lr``): the first parameter group's
    rate, read as a float (with Keras's ``.numpy()`` and ``.assign(r)``); assigning one sets it (the other groups in proportion, as
    :func:`deepgrad.optim.lr.set_lr`), so the next ``step`` uses it — a warmup callback's
    ``self.model.optimizer.learning_rate = r`` works as in Keras. A subclass that keeps an
    attribute of that name itself (``self.lr = lr`` before ``super().__init__``, or groups
    without ``"lr"``) keeps a plain attribute."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        d = obj.__dict__
        if self.name in d:
            return d[self.name]
        groups = d.get("param_groups")
        if not groups or "lr" not in groups[0]:
            raise AttributeError(
                f"{type(obj).__name__} has no {self.name!r}: its first parameter group has no "
                "'lr' (optimizer.param_groups[0])"
            )
        return keras_names.Rate(float(groups[0]["lr"]), obj, self.name)

    def __set__(self, obj: Any, value: Any) -> None:
        d = obj.__dict__
        groups = d.get("param_groups")
        if self.name in d or not groups or "lr" not in groups[0]:
            d[self.name] = value
            return
        if isinstance(value, Tensor) and value.numel() == 1:
            value = float(value.item())
        elif hasattr(value, "__float__") and not isinstance(value, (bool, str)):
            value = float(value)
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0:
            raise ValueError(
                f"{type(obj).__name__}.{self.name}: expected a learning rate >= 0 (a number), "
                f"got {value!r}; for a rate that changes with the step or epoch use a schedule "
                "(deepgrad.optim.lr_scheduler, or the LearningRateScheduler callback)"
            )
        set_lr(obj, value)


class Optimizer:
    """Base class of the optimizers.

    Parameters
    ----------
    params : iterable of Tensor, or of dicts, optional
        The tensors to optimize, or parameter groups (dicts with ``"params"`` and per-group
        hyperparameters). ``None`` builds an unbound optimizer; see :meth:`bind`.
    **defaults
        The hyperparameters, used by every group that does not set its own.

    Subclasses set ``name`` (the key of :func:`get`), validate hyperparameters in
    :meth:`_check_group`, and write their rule in :meth:`_direction` (with :meth:`_state_keys`
    naming its state arrays); :meth:`step` runs it (a rule that does not fit, such as SGD's
    buffer started from the first gradient, overrides :meth:`step`).
    """

    #: The registry key of the optimizer (``optim.get("adam")``).
    name: ClassVar[str | None] = None
    #: whether ``step`` has been called (PyTorch's flag: a schedule stepped before warns)
    _opt_called: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("name"):
            _registry[cls.name] = cls
        init = cls.__dict__.get("__init__")
        if init is not None:
            cls.__init__ = _checking_keywords(init, cls)  # type: ignore[method-assign]
        step = cls.__dict__.get("step")
        # a rule's plain step() gets PyTorch's step(closure=None); a step with arguments of its
        # own (LBFGS's closure, a wrapper's share=) keeps its protocol; both run the step hooks
        if step is not None and len(inspect.signature(step).parameters) == 1:
            cls.step = hooks.stepping(_with_closure(step))  # type: ignore[method-assign]
        elif step is not None and not getattr(step, "_hooked", False):
            cls.step = hooks.stepping(_noting_step(step))  # type: ignore[method-assign]
        for name, wrap in (("state_dict", hooks.state_dict_hooked),
                           ("load_state_dict", hooks.load_state_dict_hooked)):  # fmt: skip
            fn = cls.__dict__.get(name)
            if fn is not None and not getattr(fn, "_hooked", False):
                setattr(cls, name, wrap(fn))

    def __init__(
        self, params: Iterable[Any] | None = None, defaults: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:  # fmt: skip
        # PyTorch's subclasses call ``super().__init__(params, defaults)`` with a dict; the
        # library's own pass the hyperparameters as keywords
        if defaults is not None and not isinstance(defaults, dict):
            raise TypeError(
                f"{type(self).__name__}: defaults must be a dict of hyperparameters, got "
                f"{type(defaults).__name__}"
            )
        defaults = {**(defaults or {}), **kwargs}
        _check_implementation(type(self).__name__, defaults)
        self._check_group(defaults)
        self.defaults = defaults
        # keyed by parameter; ``self.state[p]`` of a new one is an empty dict, as in PyTorch
        self.state: dict[Tensor, dict[str, Any]] = defaultdict(dict)
        self._scratch: dict[Tensor, Any] = {}
        self._fused: dict[int, _FusedGroup] = {}
        self._pending_state: dict[str, Any] | None = None
        # the placeholder group of an unbound optimizer: hyperparameters, no parameters yet
        self.param_groups: list[dict[str, Any]] = [{"params": [], **defaults}]
        if params is not None:
            self.bind(params)

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore a copied or unpickled optimizer (``copy.deepcopy``, ``pickle``): its state
        tensors are new ones in new memory, the optimizer's own as the originals were, and the
        flat buffers are built again over them at the next step (copied, they would no longer
        back the copied state tensors)."""
        self.__dict__.update(state)
        self._fused = {}
        for st in self.__dict__.get("state", {}).values():
            for v in st.values() if isinstance(st, dict) else ():
                if isinstance(v, Tensor):
                    _mark_made(v)

    # ---- hyperparameter checks -------------------------------------------------------------
    def _check_group(self, group: dict[str, Any]) -> None:
        """Raise ``ValueError`` for an invalid hyperparameter of ``group`` (subclasses extend)."""
        lr = group.get("lr")
        if isinstance(lr, Tensor) and lr.numel() == 1 and lr.dtype.kind == "f":
            # PyTorch takes a one-element tensor (for capturable/compiled steps); its value is
            # what counts here, kept as a Python float
            lr = group["lr"] = float(lr.item())
        if lr is not None and not (isinstance(lr, numbers.Real) and lr >= 0):
            raise ValueError(
                f"{type(self).__name__}: invalid learning rate lr={lr!r}; expected >= 0"
            )
        eps = group.get("eps")
        if eps is not None and not eps >= 0:
            raise ValueError(f"{type(self).__name__}: invalid eps={eps!r}; expected >= 0")
        wd = group.get("weight_decay")
        if wd is not None and not wd >= 0:
            raise ValueError(f"{type(self).__name__}: invalid weight_decay={wd!r}; expected >= 0")

    def _check_range(
        self, group: dict[str, Any], key: str, lo: float, hi: float, closed: bool = False
    ) -> None:
        """Check ``lo <= group[key] < hi`` (``<= hi`` if ``closed``), e.g. a momentum factor."""
        v = group.get(key)
        if v is None:
            return
        ok = isinstance(v, numbers.Real) and lo <= v and (v <= hi if closed else v < hi)
        if not ok:
            interval = f"[{lo}, {hi}{']' if closed else ')'}"
            raise ValueError(
                f"{type(self).__name__}: invalid {key}={v!r}; expected a value in {interval}"
            )

    # ---- Keras's names ------------------------------------------------------------------------
    learning_rate = _LeadRate()
    lr = _LeadRate()

    @property
    def iterations(self) -> int:
        """Keras's step count: the ``step()`` calls made so far (not kept by ``state_dict``);
        an int with Keras's ``.numpy()``."""
        return keras_names.Count(self.__dict__.get("_dg_iterations", 0))

    @property
    def variables(self) -> list[Any]:
        """Keras's list of the optimizer's Variables: not provided (refused, naming what does
        the same here)."""
        raise AttributeError(
            f"{type(self).__name__}.variables: Keras's list of optimizer Variables is not "
            "provided: the state is optimizer.state (per parameter: "
            "state[p]['exp_avg']...), saved and restored with state_dict() / "
            "load_state_dict(); the rate is optimizer.learning_rate, the step count "
            "optimizer.iterations"
        )

    def get_config(self) -> dict[str, Any]:
        """Keras's ``get_config()``: ``{"name", "learning_rate", <the other constructor
        arguments>}`` (see :mod:`deepgrad.optim.keras_names`); :meth:`from_config` rebuilds the
        optimizer (unbound, without its state) from it."""
        return keras_names.get_config(self)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Optimizer:
        """Keras's ``Optimizer.from_config``: an unbound optimizer from :meth:`get_config`'s
        dict (or from a Keras config, where its options mean the same here)."""
        return keras_names.from_config(cls, config)

    # ---- parameters --------------------------------------------------------------------------
    @property
    def is_bound(self) -> bool:
        """True once the optimizer has parameters."""
        return any(g["params"] for g in self.param_groups)

    def _all_params(self) -> list[Tensor]:
        return [p for g in self.param_groups for p in g["params"]]

    def bind(self, params: Iterable[Any]) -> Optimizer:
        """Attach the parameters to an optimizer built without them; returns ``self``.

        ``params`` is an iterable of tensors or of parameter-group dicts. The placeholder
        group's hyperparameters become the defaults of the new groups (so a learning rate that
        a schedule wrote before binding is kept). Binding the same parameters again is a no-op
        (``fit`` may bind on every call); other parameters raise ``RuntimeError``. A state
        loaded with :meth:`load_state_dict` before binding is applied now.
        """
        groups = _as_groups(params, type(self).__name__)
        if self.is_bound:
            new = [p for g in groups for p in g["params"]]
            old = self._all_params()
            if len(new) == len(old) and all(a is b for a, b in zip(new, old, strict=True)):
                return self
            raise RuntimeError(
                f"{type(self).__name__} is already bound to {len(old)} parameters; use "
                "add_param_group() to add more, or build a new optimizer"
            )
        for g in groups:
            self.add_param_group(g)
        if self._pending_state is not None:
            pending, self._pending_state = self._pending_state, None
            self.load_state_dict(pending)
        return self

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group (a dict with ``"params"`` and optional hyperparameters).

        Missing hyperparameters come from the defaults (for an unbound optimizer, from its
        placeholder group, which the first group replaces).
        """
        if not isinstance(param_group, dict) or "params" not in param_group:
            raise TypeError(
                f"{type(self).__name__}.add_param_group expects a dict with a 'params' key, "
                f"got {type(param_group).__name__}"
            )
        name = type(self).__name__
        params = _as_param_list(param_group["params"], name)
        if not params:
            raise ValueError(f"{name} got an empty parameter list")
        defaults: dict[str, Any] = self.defaults
        if not self.is_bound:
            # the placeholder's hyperparameters (lr possibly set by a schedule) are the defaults
            defaults = {k: v for k, v in self.param_groups[0].items() if k != "params"}
            if "lr" in param_group:
                defaults.pop("initial_lr", None)
            self.param_groups = []
        group = {k: v for k, v in param_group.items() if k != "params"}
        for k, v in defaults.items():
            group.setdefault(k, v)
        self._check_group(group)
        seen = {id(p) for p in self._all_params()}
        if len({id(p) for p in params}) != len(params) or any(id(p) in seen for p in params):
            raise ValueError(f"{name}: some parameters appear in more than one group")
        self.param_groups.append({"params": params, **group})  # "params" first, as PyTorch's

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Set ``.grad`` of every parameter to ``None`` (PyTorch's default), or to zeros with
        ``set_to_none=False`` (a new zero tensor: a gradient array may be shared; a sparse
        embedding's gradient stays marked sparse, as PyTorch's)."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    zeros = Tensor._from_op(backend.xp.zeros_like(p.grad._data), None, 0)
                    zeros.__class__ = type(p.grad)  # a sparse gradient stays one, as PyTorch's
                    p.grad = zeros

    def _require_bound(self) -> None:
        if not self.is_bound:
            name = type(self).__name__
            raise RuntimeError(
                f"{name}.step() was called before the optimizer was given parameters: pass "
                f"them at construction ({name}(model.parameters(), ...)) or call "
                f"opt.bind(model.parameters()) first (model.compile/fit does this)"
            )

    def _tmp(self, p: Tensor) -> Any:
        """A scratch array shaped like ``p`` (kept between steps; not part of the state)."""
        buf = self._scratch.get(p)
        if buf is None or buf.shape != p._data.shape or buf.dtype != p._data.dtype:
            buf = backend.xp.empty_like(p._data)
            self._scratch[p] = buf
        return buf

    def _fused_group(self, index: int, group: dict[str, Any], keys: tuple[str, ...]) -> Any:
        """The state of the group's parameters that have a gradient, as flat buffers, for an
        update of them all at once.

        Small models spend their optimizer time in per-call overhead (a dozen NumPy calls per
        parameter); the same elementwise math on one concatenation of the group costs a dozen
        calls in all. Returns a :class:`_FusedGroup` whose flat arrays back the tensors of
        ``self.state[p]`` (each state tensor's memory is its slice of a flat buffer, and each
        ``step`` a 0-d float32 tensor over one entry of a flat ``steps`` array), or ``None``
        when the fused path does not apply: no gradient at all, mixed dtypes, or different
        step counts (the per-parameter loop then runs). Parameters without a gradient (frozen
        ones) are left out; when that set changes the buffers are rebuilt, and a state tensor
        the optimizer made but found replaced or given other memory is copied in and backed by
        them. Parameters :func:`_kept_apart` (in shared memory, or with state tensors the user
        made: PyTorch updates those in place) are left to the per-parameter loop
        (``fused.apart``); that is decided when the buffers are built, not at every step.
        """
        fused = self._fused.get(index)
        if fused is not None and fused.still_valid(group["params"], keys, self.state):
            return fused
        params = [p for p in group["params"] if p.grad is not None]
        if not params or not keys:
            return None
        dtype = params[0]._data.dtype
        if any(p._data.dtype != dtype or p.grad._data.shape != p._data.shape for p in params):
            return None
        if fused is not None and fused.reusable(params, dtype, keys, self.state):
            return fused
        kept, apart, step = [], [], None
        for p in params:
            st = self.state.get(p)
            if _kept_apart(p, st, keys):
                apart.append(p)
                continue
            s = _count(st.get("step", 0)) if st else 0
            if step is not None and s != step:
                return None
            step = s
            kept.append(p)
        fused = _FusedGroup(kept, keys, [self._initial_value(k, group) for k in keys], dtype)
        fused.members, fused.apart = params, apart
        for i, (p, sl) in enumerate(zip(kept, fused.slices, strict=True)):
            st = self.state.get(p)
            if not st:
                st = self.state[p] = {}
            views = []
            for k in keys:
                view = fused.state[k][sl].reshape(p._data.shape)
                if k in st:
                    view[...] = _array(st[k])
                views.append(_back(st, k, view))
            fused.steps[i] = _count(st.get("step", 0))
            views.append(_back(st, "step", fused._steps[i : i + 1].reshape(())))
            fused.views.append(tuple(views))
            fused.states.append(st)
        fused.datas = [p._data for p in kept]
        self._fused[index] = fused
        return fused

    # ---- the update ------------------------------------------------------------------------
    def _state_keys(self, group: dict[str, Any]) -> tuple[str, ...]:
        """Names of the per-parameter state arrays the rule needs under ``group``'s options."""
        return ()

    def _initial_value(self, key: str, group: dict[str, Any]) -> float:
        """Starting value of the state array ``key`` (0 unless the rule says otherwise)."""
        return 0.0

    def _decoupled(self, group: dict[str, Any]) -> bool:
        """Whether ``weight_decay`` shrinks the weights directly (AdamW) instead of entering
        the gradient as an L2 term."""
        return False

    #: whether :meth:`_direction` is elementwise (each entry of ``tmp`` and of the state
    #: depends on the same entry of ``g`` and the state alone, no norms or sums), so that the
    #: fused update may be split across deepgrad's worker threads with the same result
    _elementwise: ClassVar[bool] = False

    #: PyTorch's refusal of a sparse gradient (a ``sparse=True`` embedding's) by this rule, or
    #: None where the rule takes one (SGD, Adagrad, SparseAdam and LBFGS, as PyTorch's)
    _sparse_refusal: ClassVar[str | None] = None

    def _refuse_sparse_grads(self) -> None:
        """Raise :attr:`_sparse_refusal` (PyTorch's ``RuntimeError``) where a parameter holds
        a sparse gradient, before anything moves."""
        if self._sparse_refusal is None:
            return
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is not None and g.__class__ is not Tensor and g.is_sparse:
                    raise RuntimeError(self._sparse_refusal)

    def _fused_direction(
        self, g: Any, fused: Any, group: dict, t: int, scalars: dict[str, Any] | None = None
    ) -> None:
        """:meth:`_direction` on a group's flat buffers (with the 0-d ``scalars`` of
        :attr:`_scalar_state`, the same for every parameter); an elementwise rule runs in
        chunks across :func:`~deepgrad.threads.parallel_chunks` (the same numbers bit for bit)."""
        flat = {**fused.state, **scalars} if scalars else fused.state
        if not self._elementwise:
            self._direction(g, flat, fused.tmp, group, t)
            return

        def chunk(a: int, b: int) -> None:
            state = {k: v[a:b] if v.ndim else v for k, v in flat.items()}
            self._direction(g[a:b], state, fused.tmp[a:b], group, t)

        parallel_chunks(chunk, g.size, 4 * g.size)

    def _fused_in_place(self, fused: _FusedGroup, group: dict, t: int) -> bool:
        """The whole update of a fused group, ``w ← w − direction``, straight from each
        parameter's own gradient and state views, where the rule has a compiled kernel for it
        (no flat copy of the gradients, no flat step): the same numbers as the flat path, or
        ``False`` (nothing written) to run that path. Called without maximize or weight decay."""
        return False

    def _advance_scalars(self, scalars: dict[str, Any], group: dict[str, Any], t: int) -> None:
        """Update one parameter's 0-d state arrays named by :attr:`_scalar_state` (NAdam's
        ``mu_product``) in place for step ``t``, before :meth:`_direction` reads them (in
        its ``state``). Rules without such state keep this no-op."""

    def _direction(self, g: Any, state: dict[str, Any], tmp: Any, group: dict, t: int) -> None:
        """The rule: update the state arrays in place from the gradient ``g`` (weight decay
        already added) at step ``t`` (from 1) and write the step into ``tmp``: the caller then
        does ``w ← w − tmp``. Arrays are a parameter's, or the flat concatenation of a group's.
        """
        raise NotImplementedError

    def step(self) -> None:
        """Update every parameter that has a gradient: ``w ← w − direction``.

        With ``maximize`` the gradient is negated first (``g ← −g``, PyTorch's rule: the step
        ascends). Weight decay is applied next (``g ← g + weight_decay · w`` into a temporary,
        or ``w ← w · (1 − lr · weight_decay)`` when decoupled), then :meth:`_direction` runs. When
        the group's parameters that have a gradient share their step count (the usual case)
        they are updated at once on flat buffers (:meth:`_fused_group`), else one by one (as
        are those it keeps apart: in shared memory, or with state tensors the user made).
        """
        groups = self.param_groups
        if not (groups and groups[0]["params"]):
            self._require_bound()
        self._refuse_sparse_grads()
        _refuse_capturable(self)
        for gi, group in enumerate(groups):
            keys = self._state_keys(group)
            fused = self._fused_group(gi, group, keys)
            rest = group["params"]
            if fused is not None:
                rest = fused.apart
                if not fused.params:
                    fused = None  # every parameter apart
            scalars = None
            if fused is not None and self._scalar_state:
                scalars = self._shared_scalars(fused.states, group)
                if scalars is None:
                    fused, rest = None, group["params"]  # 0-d states differ: one at a time
            if fused is not None:
                self._step_fused(fused, group, scalars)
            if rest:
                self._step_each(rest, group, keys)

    def _step_fused(
        self, fused: _FusedGroup, group: dict[str, Any], scalars: list[dict[str, Any]] | None
    ) -> None:
        """The update of the parameters on a group's flat buffers, all at once."""
        xp = backend.xp
        lr, wd = float(group["lr"]), float(group.get("weight_decay", 0.0))
        maximize = bool(group.get("maximize", False))
        t = fused.advance()  # each parameter's state["step"], in place
        if scalars:
            for sc in scalars:  # the same values in, the same out
                self._advance_scalars(sc, group, t)
        if not (maximize or wd) and self._fused_in_place(fused, group, t):
            return
        g = fused.gather_grads()
        if maximize:
            xp.negative(g, out=g)
        if wd:
            decoupled = self._decoupled(group)
            for p, gv, tv in zip(fused.params, fused.g_views, fused.tmp_views, strict=True):
                if decoupled:
                    p._data *= 1.0 - lr * wd
                else:
                    xp.multiply(p._data, wd, out=tv)
                    gv += tv
        self._fused_direction(g, fused, group, t, scalars[0] if scalars else None)
        fused.subtract_tmp()

    def _step_each(self, params: list[Tensor], group: dict[str, Any], keys: tuple) -> None:
        """The update of ``params`` one at a time, on their own state tensors, in place in
        their memory (a user's, shared or not, as PyTorch's)."""
        xp = backend.xp
        lr, wd = float(group["lr"]), float(group.get("weight_decay", 0.0))
        decoupled = wd and self._decoupled(group)
        maximize = bool(group.get("maximize", False))
        for p in params:
            if p.grad is None:
                continue
            w, g = p._data, p.grad._data
            state = self.state.get(p)
            if not state:
                state = self.state[p] = {}
            arrays = {}
            for k in keys:
                if k not in state:
                    state[k] = _state_tensor(xp.full_like(w, self._initial_value(k, group)))
                arrays[k] = _array(state[k])
            t = _bump_step(state)
            if self._scalar_state:
                for k in self._scalar_state:
                    arrays[k] = _scalar_array(state, k, self._initial_value(k, group))
                self._advance_scalars(arrays, group, t)
            g = _signed_grad(g, maximize, wd, w, decoupled, lr)
            tmp = self._tmp(p)
            self._direction(g, arrays, tmp, group, t)
            w -= tmp

    def _shared_scalars(
        self, states: list[dict[str, Any]], group: dict[str, Any]
    ) -> list[dict[str, Any]] | None:
        """Each state's 0-d arrays of :attr:`_scalar_state` (made where missing), or
        ``None`` where they differ between the states (in value or dtype): a fused update
        needs them equal, as it needs equal steps."""
        out = []
        for st in states:
            sc = {
                k: _scalar_array(st, k, self._initial_value(k, group)) for k in self._scalar_state
            }
            if out and any(
                a.dtype != b.dtype or a != b for a, b in zip(sc.values(), out[0].values())
            ):
                return None
            out.append(sc)
        return out

    # ---- state -----------------------------------------------------------------------------
    def register_step_pre_hook(self, hook: Any) -> Any:
        """``hook(optimizer, args, kwargs)`` before each ``step``; it may return new
        ``(args, kwargs)`` (PyTorch's; :mod:`deepgrad.optim.hooks`). Returns a handle."""
        return hooks.add(self, hooks.STEP_PRE, hook)

    def register_step_post_hook(self, hook: Any) -> Any:
        """``hook(optimizer, args, kwargs)`` after each ``step``. Returns a handle."""
        return hooks.add(self, hooks.STEP_POST, hook)

    def register_state_dict_pre_hook(self, hook: Any, prepend: bool = False) -> Any:
        """``hook(optimizer)`` before :meth:`state_dict` builds the dict."""
        return hooks.add(self, hooks.SD_PRE, hook, prepend)

    def register_state_dict_post_hook(self, hook: Any, prepend: bool = False) -> Any:
        """``hook(optimizer, state_dict)`` after :meth:`state_dict`; a dict it returns is
        returned instead."""
        return hooks.add(self, hooks.SD_POST, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook: Any, prepend: bool = False) -> Any:
        """``hook(optimizer, state_dict)`` before :meth:`load_state_dict`; a dict it returns
        is loaded instead."""
        return hooks.add(self, hooks.LOAD_PRE, hook, prepend)

    def register_load_state_dict_post_hook(self, hook: Any, prepend: bool = False) -> Any:
        """``hook(optimizer)`` after :meth:`load_state_dict`."""
        return hooks.add(self, hooks.LOAD_POST, hook, prepend)

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state, as PyTorch's: ``{"state": {index: {...}}, "param_groups":
        [...]}``.

        ``index`` is the parameter's position over all groups in order; each group is a copy
        of the optimizer's (its hyperparameters deep-copied: changing it changes nothing
        here) listing the indices of its parameters under ``"params"``. Each parameter's
        state is a new dict holding the optimizer's own state values: its tensors are the
        live ``opt.state[p]`` tensors, as PyTorch's (``state_dict()["state"][0]["exp_avg"] is
        opt.state[p]["exp_avg"]``), which the next step changes; :func:`deepgrad.save` writes
        their values at the time, ``copy.deepcopy`` keeps a snapshot in memory, and
        :meth:`load_state_dict` copies them.
        """
        index: dict[int, int] = {}
        groups = []
        for g in self.param_groups:
            packed = copy.deepcopy({k: v for k, v in g.items() if k != "params"})
            packed["params"] = [index.setdefault(id(p), len(index)) for p in g["params"]]
            groups.append(packed)
        state: dict[int, dict[str, Any]] = {}
        for g in self.param_groups:
            for p in g["params"]:
                st = self.state.get(p)
                if st:
                    state[index[id(p)]] = dict(st)
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state saved by :meth:`state_dict` (ints may come back as string keys and
        tuples as lists, as after JSON). Before binding it is kept and applied by :meth:`bind`.
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            raise ValueError(
                f"{name}.load_state_dict expects a dict with 'state' and 'param_groups'"
            )
        if not self.is_bound:
            self._pending_state = copy.deepcopy(state_dict)
            return
        saved_groups = state_dict["param_groups"]
        if not isinstance(saved_groups, list) or not isinstance(state_dict["state"], dict):
            raise ValueError(
                f"{name}.load_state_dict: expected 'param_groups' a list and 'state' a dict, got "
                f"{type(saved_groups).__name__} and {type(state_dict['state']).__name__}"
            )
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the state has {len(saved_groups)} parameter groups, "
                f"the optimizer {len(self.param_groups)}"
            )
        # saved index -> (parameter, its group), by position as in PyTorch
        owner: dict[int, tuple[Tensor, dict[str, Any]]] = {}
        new_groups = []
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups, strict=True)):
            ids = saved.get("params") if isinstance(saved, dict) else None
            if not isinstance(ids, list) or not all(_is_int(j) for j in ids):
                raise ValueError(
                    f"{name}.load_state_dict: group {i} must be a dict whose 'params' lists "
                    "parameter indices"
                )
            if len(ids) != len(group["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: group {i} has {len(ids)} parameters "
                    f"in the state, {len(group['params'])} in the optimizer"
                )
            merged = dict(group)
            for k, v in saved.items():
                if k == "params":
                    continue
                v = _saved_hyperparameter(name, i, k, v, group.get(k, self.defaults.get(k)))
                if isinstance(v, list) and isinstance(self.defaults.get(k), tuple):
                    v = tuple(v)
                merged[k] = v
            lr = merged.get("lr")
            if _is_rounding_residue(lr, merged.get("initial_lr", group.get("lr"))):
                # PyTorch's recursive schedules leave such a rate where they decay to 0 (LinearLR
                # with end_factor=0: -6.6e-17); its checkpoints load, as in PyTorch
                self._check_group({**merged, "lr": 0.0})
            else:
                self._check_group(merged)
            new_groups.append(merged)
            for j, p in zip(ids, group["params"], strict=True):
                if int(j) in owner:
                    raise ValueError(f"{name}.load_state_dict: parameter index {j} appears twice")
                owner[int(j)] = (p, merged)
        new_state: dict[Tensor, dict[str, Any]] = defaultdict(dict)
        for key, st in state_dict["state"].items():
            try:
                idx = int(key)
            except (TypeError, ValueError):
                idx = None
            if idx is None or isinstance(key, (bool, float)) or idx not in owner:
                raise ValueError(
                    f"{name}.load_state_dict: state for parameter {key!r} out of range (the "
                    f"groups list {len(owner)} parameters)"
                )
            p, group = owner[idx]
            if p in new_state:
                raise ValueError(f"{name}.load_state_dict: two states for parameter {idx}")
            if not isinstance(st, dict):
                raise ValueError(
                    f"{name}.load_state_dict: the state of parameter {idx} is a "
                    f"{type(st).__name__}, not a dict"
                )
            new_state[p] = self._saved_param_state(st, p, group, idx)
        for group, merged in zip(self.param_groups, new_groups, strict=True):
            group.update(merged)
        self.state = new_state
        self._fused = {}

    #: per-parameter state arrays a rule keeps beyond :meth:`_state_keys` (each of the
    #: parameter's shape; a loaded state's values for them are checked)
    _array_state: ClassVar[tuple[str, ...]] = ()

    def _saved_param_state(
        self, st: dict[str, Any], p: Tensor, group: dict[str, Any], idx: int
    ) -> dict[str, Any]:
        """One parameter's loaded state, checked: its state arrays have the parameter's shape
        (a number in their place was broadcast, or kept as a number, silently), the rule's
        arrays and ``step`` are all there once any state is, ``step`` is a count."""
        name = type(self).__name__
        xp = backend.xp
        keys = self._state_keys(group)
        arrays = set(keys) | set(self._array_state)
        missing = [k for k in (("step", *keys) if keys else ()) if k not in st]
        if st and missing:
            raise ValueError(
                f"{name}.load_state_dict: the state of parameter {idx} lacks {missing} "
                f"(it has {sorted(map(str, st))}); was it saved by another optimizer or with "
                "other options?"
            )
        entry: dict[str, Any] = {}
        tensor_step = self._tensor_step()
        for k, v in st.items():
            foreign = foreign_to_numpy(v)  # a torch tensor from torch.load, as a NumPy array
            is_tensor = isinstance(v, Tensor) or foreign is not v
            v = v._data if isinstance(v, Tensor) else foreign
            if k == "step":
                n = _step_count(v, f"{name}.load_state_dict: step of parameter {idx}")
                if tensor_step:  # PyTorch's rules keep it as a 0-d float32 tensor
                    entry[k] = _new_step(n)
                elif is_tensor:  # a PyTorch-style subclass's, kept as it came (PyTorch's rule)
                    entry[k] = _state_tensor(xp.array(v, copy=True))
                else:
                    entry[k] = n
            elif k in arrays or (hasattr(v, "shape") and getattr(v, "ndim", 0) > 0):
                shape = tuple(getattr(v, "shape", ()))
                kind = getattr(v, "dtype", numpy.dtype("f")).kind
                if is_tensor and k not in arrays:
                    # a rule written with tensors (a PyTorch-style subclass) gets tensors
                    # back: a copy in the parameter's dtype, as PyTorch casts them
                    entry[k] = _state_tensor(xp.array(v, dtype=p._data.dtype, copy=True))
                    continue
                if shape != p._data.shape or kind not in "biuf":
                    what = f"shape {shape}" if hasattr(v, "shape") else f"a {type(v).__name__}"
                    raise ValueError(
                        f"{name}.load_state_dict: state {k!r} of parameter {idx} has {what}, "
                        f"the parameter {p._data.shape}"
                    )
                copied = xp.array(v, dtype=p._data.dtype, copy=True)
                # the rule's state is tensors over their arrays (as PyTorch's); arrays a
                # subclass kept itself stay arrays
                entry[k] = _state_tensor(copied) if k in arrays or is_tensor else copied
            elif is_tensor or k in self._scalar_state:
                # a 0-d tensor (ASGD's eta and mu, NAdam's mu_product): in the parameter's
                # dtype, as PyTorch's load_state_dict casts every state tensor but step (a
                # float32 one of a float64 parameter goes on in float64, there as here); a
                # number saved by an earlier version: a tensor of the scalar dtype
                dtype = p._data.dtype if hasattr(v, "dtype") else _scalar_dtype()
                entry[k] = _state_tensor(xp.array(v, dtype=dtype, copy=True))
            elif isinstance(v, (numpy.integer, int)) and not isinstance(v, bool):
                entry[k] = int(v)
            elif isinstance(v, (numpy.floating, float)) or hasattr(v, "shape"):
                entry[k] = float(v)
            else:
                entry[k] = v
        return entry

    #: 0-d state tensors a rule keeps beside ``step`` (ASGD's ``eta`` and ``mu``, NAdam's
    #: ``mu_product``; float32 as PyTorch's): a number saved by an earlier version loads as
    #: one. On the template's :meth:`step` they start at :meth:`_initial_value`, are updated
    #: by :meth:`_advance_scalars` and read by :meth:`_direction` from its ``state``
    _scalar_state: ClassVar[tuple[str, ...]] = ()

    #: whether ``state["step"]`` is PyTorch's 0-d float32 tensor; ``None``: where the rule runs
    #: on the template's :meth:`step` (a subclass with its own ``step`` keeps what it stores)
    _step_tensor: ClassVar[bool | None] = None

    def _tensor_step(self) -> bool:
        if self._step_tensor is not None:
            return self._step_tensor
        return type(self).step is Optimizer.step

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(k for k in g if k != "params"):
                lines.append(f"    {k}: {g[k]}")
        return "\n".join(lines) + "\n)"


def _step_count(v: Any, what: str) -> int:
    """``v`` as a step count (an int, or a whole float or 0-d array as PyTorch saves it)."""
    try:
        f = None if isinstance(v, (bool, numpy.bool_, str, bytes)) else float(v)
    except (TypeError, ValueError):
        f = None
    if f is None or not (f >= 0 and f.is_integer()):
        raise ValueError(f"{what} is {v!r}; expected a count >= 0")
    return int(f)


def _is_rounding_residue(lr: Any, base: Any) -> bool:
    """Whether ``lr`` is a negative rate within float64 rounding of 0 (relative to ``base``)."""
    return (
        isinstance(lr, float)
        and isinstance(base, numbers.Real)
        and -1e-12 * max(abs(float(base)), 1.0) <= lr < 0.0
    )


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, numpy.integer)) and not isinstance(v, bool)


def _saved_hyperparameter(name: str, i: int, key: str, v: Any, current: Any) -> Any:
    """A loaded group's hyperparameter ``key``, of the kind the optimizer has (a bool, a
    number, a tuple of numbers of the same length); other kinds are taken as they are."""
    real = lambda a: isinstance(a, numbers.Real) and not isinstance(a, (bool, numpy.bool_))  # noqa: E731
    if isinstance(current, bool):
        ok, want = isinstance(v, (bool, numpy.bool_)), "true or false"
    elif real(current):
        ok, want = real(v), "a number"
    elif isinstance(current, tuple) and all(real(a) for a in current):
        ok = isinstance(v, (list, tuple)) and len(v) == len(current) and all(real(a) for a in v)
        want = f"{len(current)} numbers"
    else:
        return v
    if not ok:
        raise ValueError(
            f"{name}.load_state_dict: group {i}'s {key} is {v!r}; expected {want} (like "
            f"{current!r})"
        )
    return bool(v) if isinstance(current, bool) else v


class _FusedGroup:
    """Flat buffers of one parameter group: its state arrays (``state[key]``), the step counts
    (``steps``, float32 or float64 as :func:`_scalar_dtype`, one per parameter), the gathered gradient ``g``, a scratch ``tmp``,
    and each parameter's slice of them. Each parameter's state tensors share the memory of
    their slices (``views``: per parameter, a ``(tensor, array)`` pair for each of ``keyed``,
    the rule's keys and ``"step"``)."""

    def __init__(
        self, params: list[Tensor], keys: tuple[str, ...], initial: list[float], dtype: Any
    ) -> None:
        xp = backend.xp
        self.params = list(params)  # the parameters on these buffers
        # the group's parameters with a gradient when built: ``params`` and those ``apart``,
        # which the per-parameter loop updates (their state stays in its own memory)
        self.members: list[Tensor] = self.params
        self.apart: list[Tensor] = []
        self.keys = keys
        self.keyed = (*keys, "step")
        self.dtype = dtype
        self.views: list[tuple[Any, ...]] = []  # each parameter's (tensor, array) pairs
        self.states: list[dict[str, Any]] = []  # each parameter's state dict
        self.datas: list[Any] = []  # each parameter's array when the buffers were built
        # the step counts: a float32 array.array (read and written from Python without a
        # NumPy call) whose memory the step tensors' 0-d arrays view
        scalar = numpy.dtype(_scalar_dtype())
        self.steps = array.array(scalar.char, bytes(scalar.itemsize * len(params)))
        self._steps = numpy.frombuffer(self.steps, dtype=scalar)
        self.slices = []
        start = 0
        for p in params:
            self.slices.append(slice(start, start + p._data.size))
            start += p._data.size
        self.state = {k: xp.full(start, v, dtype=dtype) for k, v in zip(keys, initial, strict=True)}
        self.g = xp.empty(start, dtype=dtype)
        self.tmp = xp.empty(start, dtype=dtype)
        self.tmp_views = [
            self.tmp[sl].reshape(p._data.shape) for p, sl in zip(params, self.slices, strict=True)
        ]
        self.g_views = [
            self.g[sl].reshape(p._data.shape) for p, sl in zip(params, self.slices, strict=True)
        ]

    def still_valid(self, group_params: list[Tensor], keys: tuple[str, ...], state: dict) -> bool:
        """The fast re-check of a step after one that used these buffers: the same group
        parameters all have a gradient of their shape, the same arrays (so the same dtype),
        the same state dicts holding the same tensors over these buffers, at one step count
        (a step tensor written in place, ``state[p]["step"].zero_()``, is seen here). When it
        says no, the full check of :meth:`Optimizer._fused_group` decides."""
        params = self.params
        if keys is not self.keys and keys != self.keys:
            return False
        if self.apart:  # the same members, those on the buffers checked below
            members = self.members
            if len(group_params) != len(members) or any(
                a is not b for a, b in zip(group_params, members, strict=True)
            ):
                return False
            group_params = params
        elif len(group_params) != len(params):
            return False
        keyed = self.keyed
        for p, q, d, st, views in zip(group_params, params, self.datas, self.states, self.views):
            g = p._grad  # a parameter is a leaf: its .grad without the property
            if (
                p is not q
                or g is None
                or p._data is not d
                or g._data.shape != d.shape
                or state.get(p) is not st
            ):
                return False
            for k, (tensor, view) in zip(keyed, views):  # _holds, inlined: once a step
                v = st.get(k)
                if v is not tensor or v._data is not view:
                    return False
        steps = self.steps
        return not steps or steps.count(steps[0]) == len(steps)

    def advance(self) -> int | float:
        """Add 1 to every parameter's step (equal: checked before) and return the new count."""
        steps = self.steps
        t = _count(steps[0] + 1)
        for i in range(len(steps)):
            steps[i] = t
        return t

    def reusable(
        self, params: list[Tensor], dtype: Any, keys: tuple[str, ...], state: dict
    ) -> bool:
        """The full re-check, where :meth:`still_valid` said no: whether these buffers still
        serve ``params`` (the group's parameters with a gradient, of the one ``dtype``): the
        same members, the state dicts of those on the buffers holding their tensors over
        them (a dict replaced by one holding the same tensors is taken), at one step count;
        a parameter's array replaced in place of the old (``.data = ...``) is taken unless
        it is now in shared memory (``model.share_memory()`` after steps: then the buffers
        are rebuilt, that parameter apart). Where yes, ``datas`` and ``states`` are renewed."""
        members = self.members
        if (
            dtype != self.dtype
            or keys != self.keys
            or len(params) != len(members)
            or any(a is not b for a, b in zip(params, members, strict=True))
        ):
            return False
        states = []
        for p, d, views in zip(self.params, self.datas, self.views, strict=True):
            st = state.get(p)
            if not st or not _holds(st, self.keyed, views):
                return False
            if p._data is not d and shared_memory.is_shared(p._data):
                return False
            states.append(st)
        steps = self.steps
        if steps and steps.count(steps[0]) != len(steps):
            return False
        self.datas = [p._data for p in self.params]
        self.states = states
        return True

    def gather_grads(self) -> Any:
        """Copy every parameter's gradient into the flat ``g`` (one call) and return it."""
        backend.xp.concatenate([p.grad._data.reshape(-1) for p in self.params], out=self.g)
        return self.g

    def subtract_tmp(self) -> None:
        """``w ← w − tmp`` for every parameter (its slice of the flat update)."""
        for p, u in zip(self.params, self.tmp_views):  # built together: same length
            p._data -= u


def _with_closure(step: Any) -> Any:
    """Give an optimizer's ``step()`` PyTorch's ``step(closure=None)``: the closure (which
    re-evaluates the model and returns the loss, calling ``backward``) runs first, with
    gradients enabled, and its loss is returned."""

    @functools.wraps(step)
    def wrapper(self: Optimizer, closure: Any = None) -> Any:
        loss = None
        if closure is not None:
            if not callable(closure):
                raise TypeError(
                    f"{type(self).__name__}.step: closure must be callable (a function that "
                    f"recomputes the loss and calls backward), got {type(closure).__name__}"
                )
            with enable_grad():
                loss = closure()
        self._opt_called = True
        step(self)
        self.__dict__["_dg_iterations"] = self.__dict__.get("_dg_iterations", 0) + 1
        _note_updates(self)
        return loss

    return wrapper


def _checking_keywords(init: Any, owner: type) -> Any:
    """An optimizer's ``__init__`` that refuses an unknown keyword naming deepgrad's spelling
    of Keras's (``learning_rate=`` → ``lr``) or the nearest valid one (Python's own message
    names only the word that came)."""

    @functools.wraps(init)
    def wrapper(self: Optimizer, *args: Any, **kwargs: Any) -> None:
        if kwargs:
            keras_names.check_keywords(owner, kwargs)
        init(self, *args, **kwargs)

    return wrapper


def _noting_step(step: Any) -> Any:
    """A ``step`` with arguments of its own (LBFGS's closure, a wrapper's ``share=``), marking
    the optimizer as stepped (``_opt_called``, as PyTorch's schedules' wrapper marks it: a
    schedule stepped first warns)."""

    @functools.wraps(step)
    def wrapper(self: Optimizer, *args: Any, **kwargs: Any) -> Any:
        self._opt_called = True
        return step(self, *args, **kwargs)

    return wrapper


def _holds(st: dict[str, Any], keys: tuple[str, ...], views: tuple[Any, ...]) -> bool:
    """Whether the state dict ``st`` still holds, under each of ``keys``, the fused group's
    tensor over its buffer (a state tensor replaced alone, ``state[p]["exp_avg_sq"] = ...``,
    or given other memory, ``.data = ...``, says no)."""
    for k, (tensor, view) in zip(keys, views, strict=True):
        v = st.get(k)
        if v is not tensor or v._data is not view:
            return False
    return True


#: the state tensors deepgrad's optimizers made themselves (``id`` -> weak reference): the
#: fused path may move their memory into its flat buffers; a tensor the user put in
#: ``opt.state[p]`` is not here, and is updated in its own memory, as PyTorch's
_MADE: dict[int, weakref.ref] = {}


def _forget_made(key: int, ref: weakref.ref) -> None:
    if _MADE.get(key) is ref:
        del _MADE[key]


def _mark_made(t: Tensor) -> Tensor:
    """Note ``t`` as a state tensor an optimizer made (see :data:`_MADE`); returns it."""
    key = id(t)
    _MADE[key] = weakref.ref(t, functools.partial(_forget_made, key))
    return t


def _made_here(t: Tensor) -> bool:
    """Whether the tensor ``t`` was made by an optimizer (:func:`_state_tensor`)."""
    ref = _MADE.get(id(t))
    return ref is not None and ref() is t


def _state_tensor(a: Any) -> Tensor:
    """A state tensor over the array ``a`` (its memory, no copy): what ``opt.state[p][key]``
    holds, as PyTorch's optimizers keep tensors there."""
    return _mark_made(Tensor._from_op(a, None, 0))


def _kept_apart(p: Tensor, st: dict[str, Any] | None, keys: tuple[str, ...]) -> bool:
    """Whether the parameter ``p`` is updated on its own, never on a group's flat buffers:
    where ``p`` or a state array under ``keys`` or ``"step"`` lives in shared memory
    (``share_memory_()``: A3C's shared optimizer state), or such a state tensor is one the
    user made (a step of shape ``(1,)``, a moment put there before the first step): the
    fused path would move it into its own memory, PyTorch updates it in place."""
    if shared_memory.is_shared(p._data):
        return True
    if not st:
        return False
    for k in (*keys, "step"):
        v = st.get(k)
        if isinstance(v, Tensor):
            if not _made_here(v) or shared_memory.is_shared(v._data):
                return True
        elif isinstance(v, numpy.ndarray) and shared_memory.is_shared(v):
            return True
    return False


def _array(v: Any) -> Any:
    """A state value's array: a tensor's memory, or the value itself (an array or number)."""
    return v._data if isinstance(v, Tensor) else v


def _back(st: dict[str, Any], key: str, view: Any) -> tuple[Tensor, Any]:
    """Make ``st[key]`` a tensor over ``view`` (its values already copied there): the tensor
    already in the dict keeps its identity and gets this memory; returns ``(tensor, view)``."""
    t = st.get(key)
    if isinstance(t, Tensor):
        t._data = view
    else:
        t = st[key] = _state_tensor(view)
    return t, view


def _count(v: Any) -> int | float:
    """A step count as a Python number: an int when whole (a float32 step tensor, a 0-d
    array, an int; a one-element tensor of shape ``(1,)`` as PyTorch reads it), else the
    float (PyTorch's ``step_t.item()``)."""
    if isinstance(v, Tensor):
        v = v._data
    if getattr(v, "ndim", 0):  # a one-element step tensor, torch.zeros(1): its .item()
        if v.size != 1:
            raise RuntimeError(
                f"a Tensor with {v.size} elements cannot be converted to Scalar (an "
                "optimizer's step count is a tensor of one element: torch.tensor(0.0) or "
                "torch.zeros(1))"
            )
        v = v.reshape(())
    f = float(v)
    return int(f) if f.is_integer() else f


def _scalar_dtype() -> Any:
    """The dtype of the 0-d state tensors (``step``, ASGD's ``eta``): float64 while the
    default dtype is float64, else float32 (PyTorch's ``_get_scalar_dtype``)."""
    return numpy.float64 if backend.get_default_dtype() == numpy.float64 else numpy.float32


def _new_step(value: float = 0.0) -> Tensor:
    """A step count as PyTorch keeps it: a 0-d float32 tensor (float64 under a float64
    default dtype), on the host."""
    return _state_tensor(numpy.array(value, dtype=_scalar_dtype()))


def _scalar_array(state: dict[str, Any], key: str, initial: float) -> Any:
    """The 0-d array of the state tensor ``state[key]`` (NAdam's ``mu_product``; a 0-d view of
    a one-element one), which the rule updates in place; made (a 0-d tensor of :func:`_scalar_dtype`, holding the number
    that was there or ``initial``) where missing or not such a tensor."""
    t = state.get(key)
    if isinstance(t, Tensor) and isinstance(t._data, numpy.ndarray) and t._data.size == 1:
        return t._data.reshape(())  # a view: a (1,) tensor is written in place too
    value = initial if t is None else _count(t)
    t = state[key] = _new_step(value)
    return t._data


def _scalar(state: dict[str, Any], key: str) -> float:
    """A 0-d or one-element state value (a tensor, an array or a number) as a Python float."""
    return float(_count(state[key]))


def _set_scalar(state: dict[str, Any], key: str, value: float) -> None:
    """Write ``value`` into the 0-d (or one-element) state tensor ``state[key]`` in place, in
    its dtype and shape (as PyTorch's ``t.copy_(value)``); a plain number there becomes a
    float32 tensor."""
    t = state.get(key)
    if isinstance(t, Tensor) and t._data.size == 1:
        t._data[...] = value
    else:
        state[key] = _new_step(value)


def _bump_step(state: dict[str, Any]) -> int | float:
    """``state["step"] += 1`` in place (a step tensor, 0-d or of one element, keeps its
    identity, memory, shape and dtype, as PyTorch's ``step_t += 1``); a missing or plain-number step becomes a float32 tensor.
    Returns the new count."""
    s = state.get("step")
    if isinstance(s, Tensor) and isinstance(s._data, numpy.ndarray) and s._data.size == 1:
        s._data += 1  # its dtype and shape kept: a (1,) step stays one, as PyTorch's
        return _count(s._data)
    t = (_count(s) if s is not None else 0) + 1
    state["step"] = _new_step(t)
    return t


def _note_updates(opt: Optimizer) -> None:
    """Tell the graph that the parameters with a gradient were overwritten: a backward pass
    through a graph built before this step, needing their earlier values, then raises as
    PyTorch's does (a GAN's generator loss differentiated after the discriminator's step)."""
    note_writes([p._data for g in opt.param_groups for p in g["params"] if p._grad is not None])


def _is_model(params: Any) -> bool:
    """A model passed where its parameters belong; a ``ParameterList`` iterates its parameters,
    so PyTorch takes it (MAML's hand-written learners return one from ``parameters()``)."""
    from ..nn.container import ParameterList

    return (
        hasattr(params, "parameters")
        and callable(params.parameters)
        and not isinstance(params, ParameterList)
    )


def _as_param_list(params: Any, name: str) -> list[Tensor]:
    if isinstance(params, Tensor):
        return [params]
    if isinstance(params, (set, frozenset)):
        raise TypeError(f"{name}: parameters must be an ordered sequence, not a set")
    if _is_model(params):
        raise TypeError(f"{name}: pass model.parameters(), not the model itself")
    try:
        out = list(params)
    except TypeError:
        raise TypeError(
            f"{name}: params must be an iterable of Tensors, got {type(params).__name__}"
        ) from None
    for p in out:
        if not isinstance(p, Tensor):
            raise TypeError(f"{name} can only optimize Tensors, got {type(p).__name__}")
        if not p.is_leaf:
            raise ValueError(f"{name} can't optimize a non-leaf Tensor")
        if p._data.dtype.kind != "f":
            raise TypeError(f"{name} can only optimize floating tensors, got dtype {p.dtype}")
    return out


def _as_groups(params: Any, name: str) -> list[dict[str, Any]]:
    if isinstance(params, Tensor):
        return [{"params": [params]}]
    if _is_model(params):
        raise TypeError(f"{name}: pass model.parameters(), not the model itself")
    if isinstance(params, (set, frozenset)):
        raise TypeError(f"{name}: parameters must be an ordered sequence, not a set")
    items = list(params)
    if not items:
        raise ValueError(f"{name} got an empty parameter list")
    if all(isinstance(g, dict) for g in items):
        return [dict(g) for g in items]
    return [{"params": items}]


#: hyperparameters a name gives where they differ from its class's defaults: ``"sgd"`` is
#: Keras's name, and Keras's SGD steps at 0.01 (``optim.SGD``'s own default is PyTorch 2's 1e-3)
_NAME_DEFAULTS: dict[str, dict[str, Any]] = {"sgd": {"lr": 0.01}}


def get(name_or_optimizer: str | Optimizer | type[Optimizer], **kwargs: Any) -> Optimizer:
    """Resolve an optimizer: an instance is returned as is; a name (``"sgd"``, ``"momentum"``,
    ``"adagrad"``, ``"rmsprop"``, ``"adam"``, ``"adamw"``, ``"adadelta"``, ``"nadam"``,
    ``"adamax"``, ``"radam"``, ``"rprop"``, ``"asgd"``, ``"adafactor"``, ``"muon"``; any case)
    or a class is built, unbound, with ``kwargs`` (``get("adam", lr=1e-3)``). A name takes its
    class's defaults, except ``"sgd"``: ``lr=0.01``, Keras's (``optim.SGD()``'s is PyTorch's
    1e-3)."""
    if isinstance(name_or_optimizer, Optimizer):
        if kwargs:
            raise ValueError("optim.get: keyword arguments given with an optimizer instance")
        return name_or_optimizer
    if isinstance(name_or_optimizer, type) and issubclass(name_or_optimizer, Optimizer):
        return name_or_optimizer(**kwargs)
    if isinstance(name_or_optimizer, str):
        cls = _registry.get(name_or_optimizer.lower())
        if cls is None:
            from .._choices import did_you_mean

            hint = did_you_mean(name_or_optimizer, _registry) or "."
            raise ValueError(
                f"unknown optimizer {name_or_optimizer!r}{hint} Expected one of {sorted(_registry)}"
            )
        return cls(**{**_NAME_DEFAULTS.get(name_or_optimizer.lower(), {}), **kwargs})
    raise TypeError(
        f"optim.get expects a name, an Optimizer class or instance, got "
        f"{type(name_or_optimizer).__name__}"
    )


def _as_array(a: Any) -> Any:
    """``a`` as an array of the active module (a 0-d array for a scalar).

    A 0-d parameter's gradient arrives as a NumPy *scalar*, and NumPy's ufuncs return scalars
    for 0-d operands; an update such as ``buf *= momentum`` on a scalar rebinds a local name
    instead of writing the optimizer's state. So the rules get arrays, and every array they
    keep or write is made with ``out=`` or ``empty_like`` (never by a bare ufunc call).
    """
    xp = backend.xp
    return a if isinstance(a, xp.ndarray) else xp.asarray(a)


def _signed_grad(g: Any, maximize: bool, wd: float, w: Any, decoupled: bool, lr: float) -> Any:
    """The gradient a rule sees, as an array of the parameter's shape: ``−g`` with
    ``maximize``, plus ``weight_decay · w`` (coupled L2), in a new array when either applies
    (``p.grad`` is never written). Decoupled decay shrinks ``w`` in place instead:
    ``w ← w · (1 − lr · weight_decay)``."""
    xp = backend.xp
    g = _as_array(g)
    if maximize:
        g = xp.negative(g, out=xp.empty_like(g))
    if wd:
        if decoupled:
            w *= 1.0 - lr * wd
        else:
            decayed = xp.multiply(w, wd, out=xp.empty_like(w))
            decayed += g
            g = decayed
    return g


def _floats(group: dict[str, Any], *keys: str) -> list[float]:
    """The group's hyperparameters as Python floats: a NumPy float64 scalar would turn a
    float32 update into a float64 computation (NumPy 2 promotion); a Python float does not."""
    return [float(group[k]) for k in keys]


Optimizer.step = hooks.stepping(_with_closure(Optimizer.step))  # type: ignore[method-assign]
Optimizer.state_dict = hooks.state_dict_hooked(Optimizer.state_dict)  # type: ignore[method-assign]
Optimizer.load_state_dict = hooks.load_state_dict_hooked(  # type: ignore[method-assign]
    Optimizer.load_state_dict
)
