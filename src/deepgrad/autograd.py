"""The autograd core: differentiable :class:`Function` nodes, grad mode, and the reverse pass.

A graph is recorded while code runs (define-by-run). Every operation on tensors is a
:class:`Function`: its ``forward`` works on raw arrays, its ``backward`` works on
:class:`~deepgrad.tensor.Tensor` objects, so that the backward pass is itself made of
differentiable operations and can be differentiated again (``create_graph=True``).

How a gradient flows (the chain rule, one node at a time):

1. ``y = f(x)`` records ``y._creator = f`` and ``f.inputs = (x,)``.
2. ``y.backward()`` sorts the nodes so that each node's ``backward`` runs once, after all of
   its consumers have added their contribution to its output gradient (reverse topological
   order; iterative, so a chain of 100,000 operations is fine).
3. ``f.backward(gy)`` returns ``dL/dx = gy * df/dx`` for each input; contributions of an
   input used several times are summed.
4. Unless ``retain_graph=True``, each node drops its inputs and saved arrays as soon as it has
   run, so the graph's memory is released during the pass.
5. In-place writes (``y.mul_(3)``, ``x[i] = v``, ``p -= lr * g`` under ``no_grad``, an
   optimizer's step) advance a write clock that every node records when it is built. A node
   older than a write into its input's memory differentiates the value it read (the copy a
   recorded write keeps) or, where that value is gone and needed, the pass raises PyTorch's
   "modified by an inplace operation" (:func:`note_write`, :func:`_resolve_writes`).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import traceback
import warnings
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy

from . import backend
from ._errors import refuse_unbroadcastable

if TYPE_CHECKING:  # pragma: no cover
    from .tensor import Tensor


#: set by deepgrad.tensor: builds a Tensor from an array, its creator and output index
_make_tensor: Callable[[Any, Any, int], Any] = None  # type: ignore[assignment]


class _GradMode:
    enabled: bool = True


def is_grad_enabled() -> bool:
    """Whether operations are currently recorded for differentiation."""
    return _GradMode.enabled


#: called when a no_grad / inference_mode block starts (forward AD warns there that what
#: it computes from a dual tensor has no tangent: deepgrad.autograd_forward_ad)
_ON_GRAD_OFF: list[Callable[[], None]] = []


class _SetGradMode:
    """Context manager / decorator that sets grad mode and restores it afterwards
    (``@dg.no_grad()`` and ``@dg.no_grad`` both decorate)."""

    mode = True

    def __new__(cls, orig_func: Callable | None = None) -> Any:
        if orig_func is None:
            return super().__new__(cls)
        if not callable(orig_func):
            raise TypeError(f"{cls.__name__}() takes no arguments, got {orig_func!r}")
        return cls()(orig_func)

    def __enter__(self) -> None:
        self._prev = _GradMode.enabled
        _GradMode.enabled = self.mode
        if _ON_GRAD_OFF and not self.mode:
            for f in _ON_GRAD_OFF:
                f()

    def __exit__(self, *exc: object) -> None:
        _GradMode.enabled = self._prev

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_SetGradMode):  # noqa: N801 - PyTorch's name
    """Disable graph recording: ``with dg.no_grad(): y = model(x)`` (also a decorator)."""

    mode = False


class enable_grad(_SetGradMode):  # noqa: N801 - PyTorch's name
    """Re-enable graph recording inside a ``no_grad`` block (also a decorator)."""

    mode = True


class inference_mode(_SetGradMode):  # noqa: N801 - PyTorch's name
    """``no_grad`` under PyTorch's other name (``mode=False`` records as usual); a context
    manager or a decorator. deepgrad has no separate inference tensors."""

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):
            return cls()(mode)
        self = object.__new__(cls)
        self.mode = not bool(mode)
        return self

    def __init__(self, mode: Any = True) -> None:
        pass

    def __enter__(self) -> None:
        super().__enter__()
        _INFERENCE.append(not self.mode)

    def __exit__(self, *exc: object) -> None:
        _INFERENCE.pop()
        super().__exit__(*exc)

    def __call__(self, fn: Callable) -> Callable:
        enabled = not self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with inference_mode(enabled):
                return fn(*args, **kwargs)

        return wrapper


#: the modes of the ``inference_mode`` blocks being run, innermost last
_INFERENCE: list[bool] = []


def is_inference_mode_enabled() -> bool:
    """Whether code runs inside an enabled ``inference_mode`` block (PyTorch's
    ``torch.is_inference_mode_enabled``)."""
    return bool(_INFERENCE and _INFERENCE[-1])


#: anomaly detection (PyTorch's ``set_detect_anomaly``): ``[enabled, check_nan]``; while it
#: is on, each recorded node keeps the traceback of the call that built it, and a backward
#: that fails or returns NaN names the node and prints that traceback
_ANOMALY = [False, True]

_ANOMALY_WARNING = (
    "Anomaly Detection has been enabled. This mode will increase the runtime and should only "
    "be enabled for debugging."
)


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on (PyTorch's ``torch.is_anomaly_enabled``)."""
    return _ANOMALY[0]


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly detection checks each backward's gradients for NaN (default True)."""
    return _ANOMALY[1]


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Turn anomaly detection on or off (PyTorch's ``torch.set_anomaly_enabled``). While it
    is on, every node recorded keeps the traceback of the forward call that made it; a
    backward that raises prints that traceback as a warning, and (with ``check_nan``) one
    that returns a NaN gradient raises ``RuntimeError("Function 'Sqrt' returned nan values
    in its 0th output.")`` after printing it. It costs time: turn it on to debug.

    >>> import deepgrad as dg, warnings
    >>> x = dg.tensor([0.0, 1.0], requires_grad=True)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     with dg.autograd.detect_anomaly():
    ...         (x.sqrt() * 0).sum().backward()
    Traceback (most recent call last):
    ...
    RuntimeError: Function 'Sqrt' returned nan values in its 0th output.
    """
    _ANOMALY[0], _ANOMALY[1] = bool(enabled), bool(check_nan)


class set_detect_anomaly:  # noqa: N801 - PyTorch's name
    """PyTorch's ``torch.autograd.set_detect_anomaly(mode, check_nan=True)``: sets the mode
    when called (:func:`set_anomaly_enabled`), and as a ``with`` block puts the previous
    mode back at its end."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = (_ANOMALY[0], _ANOMALY[1])
        _ANOMALY[0], _ANOMALY[1] = bool(mode), bool(check_nan)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        _ANOMALY[0], _ANOMALY[1] = self.prev


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """``with torch.autograd.detect_anomaly(check_nan=True):``: anomaly detection on inside
    the block (:func:`set_anomaly_enabled`), the previous mode back after it."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        self.prev = (_ANOMALY[0], _ANOMALY[1])
        warnings.warn(_ANOMALY_WARNING, UserWarning, stacklevel=2)

    def __enter__(self) -> None:
        self.prev = (_ANOMALY[0], _ANOMALY[1])
        _ANOMALY[0], _ANOMALY[1] = True, bool(self.check_nan)

    def __exit__(self, *exc: object) -> None:
        _ANOMALY[0], _ANOMALY[1] = self.prev


def _node_name(fn: Function) -> str:
    """A node's name as ``grad_fn`` prints it (a custom Function's ``<Name>Backward``)."""
    if isinstance(fn, _CtxNode):
        return f"{fn.fn_cls.__name__}Backward"
    return type(fn).__name__


def _warn_forward_trace(fn: Function) -> None:
    """PyTorch's anomaly-mode warning: where the failing node was built."""
    here = os.path.dirname(os.path.abspath(__file__)) + os.sep  # deepgrad's own frames
    trace = [f for f in fn.__dict__.get("_forward_trace") or () if not f.filename.startswith(here)]
    where = "".join(traceback.format_list(trace)) if trace else "  (not recorded)\n"
    warnings.warn(
        f"Error detected in {_node_name(fn)}. Traceback of forward call that caused the "
        f"error:\n{where}",
        UserWarning,
        stacklevel=3,
    )


def _check_anomaly(fn: Function, gxs: tuple) -> None:
    """With anomaly detection's NaN check: a NaN in the gradients a node's backward just
    returned raises PyTorch's ``RuntimeError``, after the warning naming where it was built."""
    if not _ANOMALY[1]:
        return
    xp = backend.xp
    for i, gx in enumerate(gxs):
        if gx is not None and gx._data.dtype.kind in "fc" and bool(xp.isnan(gx._data).any()):
            _warn_forward_trace(fn)
            raise RuntimeError(
                f"Function '{_node_name(fn)}' returned nan values in its {i}th output."
            )


class set_grad_enabled:  # noqa: N801 - PyTorch's name
    """Turn graph recording on or off: at once when called (``dg.set_grad_enabled(False)``), and
    back to the previous mode when used as a context manager leaves its block
    (``with dg.set_grad_enabled(is_train):``), as PyTorch's does.

    >>> import deepgrad as dg
    >>> with dg.set_grad_enabled(False):
    ...     dg.is_grad_enabled()
    False
    >>> dg.is_grad_enabled()
    True
    """

    def __init__(self, mode: bool) -> None:
        self._prev = _GradMode.enabled
        self.mode = bool(mode)
        _GradMode.enabled = self.mode

    def __enter__(self) -> None:
        _GradMode.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _GradMode.enabled = self._prev

    def __call__(self, fn: Callable) -> Callable:
        _GradMode.enabled = self._prev  # as a decorator it applies only during calls
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev = _GradMode.enabled
            _GradMode.enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                _GradMode.enabled = prev

        return wrapper


#: The in-place write clock. Every in-place write into a tensor's memory (recorded or not)
#: advances it; a node built while it reads ``e`` keeps ``_epoch = e``. A backward pass that
#: meets a node older than the clock looks up its inputs' memory in ``_WRITES``: a value the
#: node read and that was overwritten since is taken from the copy the recorded write kept
#: (so the node differentiates what it read, and its gradient flows to the value's own
#: producer, not through the write), or, with no such copy, the pass raises as PyTorch does.
_EPOCH = 0


class _Writes:
    """The in-place writes into one array's memory: the clock at the last one, and what
    recorded writes kept as ``(clock, valid_from, id of the tensor written, weak reference to
    the tensor that took its earlier place)``: a node built at clock ``e`` with
    ``valid_from <= e < clock`` read the values that tensor holds (``valid_from`` is the
    write before; see :func:`note_write`)."""

    __slots__ = ("last", "copies")

    def __init__(self) -> None:
        self.last = 0
        self.copies: list[tuple[int, int, int, Any]] = []


_WRITES: dict[int, _Writes] = {}
#: the clock of the last recorded write (0: none yet): a view made before it and used after
#: it may need replaying (:func:`_replay_stale_views`); the tensor module sets ``_REPLAY``
_LAST_RECORDED = [0]
_REPLAY: list = [None]
#: set by the tensor module: remakes one input that is a view made without a graph of a
#: tensor a recorded write has since brought into the graph; True if it remade it
_REPLAY_UNRECORDED: list = [None]


def _memory_owner(a: Any) -> Any:
    """The object that owns an array's memory (the end of its ``base`` chain: NumPy's and
    CuPy's views both name their base)."""
    while getattr(a, "base", None) is not None:
        a = a.base
    return a


#: callables told the memory owner of every in-place write (``func.vmap`` watches for writes
#: into tensors from outside the function)
WRITE_WATCHERS: list = []


def _writes_of(data: Any) -> _Writes:
    """The record of ``data``'s memory (made on its first write; it goes with the memory, as
    an id may be reused afterwards), the watchers told of the write."""
    owner = _memory_owner(data)
    for watch in WRITE_WATCHERS:
        watch(owner)
    key = id(owner)
    rec = _WRITES.get(key)
    if rec is None:
        rec = _WRITES[key] = _Writes()
        try:
            weakref.finalize(owner, _WRITES.pop, key, None)
        except TypeError:  # memory owned by an object without weak references: kept
            pass
    return rec


def note_write(
    data: Any, tensor: Any = None, earlier: Any = None, values_kept: bool = True
) -> None:
    """Record an in-place write into ``data``'s memory (``tensor``'s array). ``earlier`` is
    the tensor that took over ``tensor``'s place in the graph (its creator) when the write was
    recorded; it holds the values from before the write unless ``values_kept`` is False (a
    custom Function's ``mark_dirty``: ``forward`` wrote them already), in which case nodes
    that read the tensor before find their producer there but never its values."""
    global _EPOCH
    rec = _writes_of(data)
    before = rec.last
    _EPOCH += 1
    rec.last = _EPOCH
    if earlier is not None:
        rec.copies = [c for c in rec.copies if c[3]() is not None]
        valid_from = before if values_kept else _EPOCH  # no reader's clock is >= _EPOCH
        rec.copies.append((_EPOCH, valid_from, id(tensor), weakref.ref(earlier)))
        _LAST_RECORDED[0] = _EPOCH


def note_replay(tensor: Any, earlier: Any) -> None:
    """``tensor``, a view whose memory a recorded write changed after it was made, has been
    given a new creator (:func:`_replay_stale_views`); ``earlier`` carries its old creator
    for the nodes that read it before the write (they differentiate through it, as
    PyTorch's keep the view's old ``grad_fn``; its values are not kept, so a node that needs
    them is refused). The clock does not move: the tensor's other views stay as they are."""
    rec = _writes_of(tensor._data)
    rec.copies = [c for c in rec.copies if c[3]() is not None]
    rec.copies.append((_EPOCH, _EPOCH + 1, id(tensor), weakref.ref(earlier)))
    # held by the tensor's new creator: alive while the tensor is (an earlier reader holds it)
    tensor._creator.__dict__.setdefault("_replaced", []).append(earlier)


def _replay_stale_views(inputs: Sequence[Any]) -> bool:
    """PyTorch's view replay: an input that is a view made before a recorded in-place write
    into its memory (``w = y[:2]; y.mul_(3); w * w``) is remade from the tensor it views
    before this node reads it, so its gradient reaches the write — a view made without a
    graph too (``v = buf[:2]; buf.copy_(x * 2)``: it then takes part). Only views built
    before the last recorded write are looked at: nothing to do in a program without such
    writes. True if an input that took no part in the graph now does."""
    last = _LAST_RECORDED[0]
    joined = False
    for x in inputs:
        c = x._creator
        if c is None:
            if not x._requires_grad and getattr(x, "_vbase", None) is not None:
                joined = _REPLAY_UNRECORDED[0](x) or joined
        elif c._epoch < last and not c.reads_inputs:
            _REPLAY[0](x)
    return joined


def note_writes(datas: Sequence[Any]) -> None:
    """:func:`note_write` for several arrays written by one operation (an optimizer's step),
    with one tick of the clock for all of them."""
    global _EPOCH
    _EPOCH += 1
    epoch, get = _EPOCH, _WRITES.get
    for owner in datas:  # _writes_of, its common case inlined (once per parameter a step)
        while getattr(owner, "base", None) is not None:
            owner = owner.base
        rec = get(id(owner))
        if rec is None or WRITE_WATCHERS:
            rec = _writes_of(owner)
        rec.last = epoch


def _written_since(x: Any, epoch: int) -> _Writes | None:
    rec = _WRITES.get(id(_memory_owner(x._data)))
    return rec if rec is not None and rec.last > epoch else None


def _resolve_writes(fn: Function) -> None:
    """``fn`` was built before some in-place write: point each input whose memory was
    written since at the copy of the value ``fn`` read (kept by the write when it was
    recorded on that tensor); refuse where the value is needed and no copy was kept. A node
    whose backward reads no input values (``reads_inputs = False``) only needs its input's
    producer: any copy of that tensor taken after it was read names it."""
    epoch = fn._epoch
    inputs = list(fn.inputs)
    ctx = isinstance(fn, _CtxNode)  # its backward reads ctx.saved_tensors, not fn.inputs
    for k, x in enumerate(inputs):
        rec = _written_since(x, epoch)
        if rec is None:
            continue
        reads = _reads_input(fn, k)
        mine = [c for c in rec.copies if c[2] == id(x) and c[0] > epoch]
        copy = mine[0][3]() if mine else None
        if copy is not None and not ctx and (mine[0][1] <= epoch or not reads):
            inputs[k] = copy  # the values fn read (or, if it reads none, their producer)
        elif mine or reads:
            _refuse_stale(fn, k, x)
    fn.inputs = tuple(inputs)
    if fn.keep_output:
        outs = fn._outputs if isinstance(fn._outputs, list) else [fn._outputs]
        for o in outs:
            o = o() if isinstance(o, weakref.ref) else o
            if o is not None and _written_since(o, epoch) is not None:
                _refuse_stale(fn, None, o)


def _reads_input(fn: Function, k: int) -> bool:
    """Whether ``fn``'s backward reads input ``k``'s values (see ``Function.reads_when``)."""
    when = fn.reads_when
    if when is None:
        return fn.reads_inputs
    need = fn.needs_input_grad
    return any(need[j] for j in when[k] if j < len(need))


def _refuse_stale(fn: Function, k: int | None, x: Any) -> None:
    what = f"input {k}" if k is not None else "output"
    raise RuntimeError(
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: the {what} of {type(fn).__name__} (a tensor of shape "
        f"{tuple(x.shape)}, dtype {x.dtype}) was written in place after the operation read "
        "it, and its earlier value was not kept (a write under no_grad, into a view, or "
        "into an output the backward reuses). Write into a clone (x = x.clone()) or do the "
        "in-place operation before the operations that read the tensor"
    )


def _numpy_fp_message(error: Exception) -> bool:
    """Whether ``error`` is NumPy's floating-point message made an error (by
    ``numpy.seterr(all="raise")`` or a warnings filter), not another warning."""
    return isinstance(error, FloatingPointError) or " encountered in " in str(error)


def _pinned(ref: Any) -> Any:
    """A kept output held strongly: the tensor, or the dead weak reference itself where the
    caller dropped that output (so that releasing it again needs no referent)."""
    if type(ref) is not weakref.ref:
        return ref  # already pinned by a pass in progress
    t = ref()
    return ref if t is None else t


def _unpinned(t: Any) -> Any:
    """A kept output held weakly again (a dead weak reference stays as it is)."""
    return t if type(t) is weakref.ref else weakref.ref(t)


class Function:
    """A differentiable operation: ``forward`` on arrays, ``backward`` on tensors.

    Subclasses implement ``forward(*arrays) -> array | tuple[array, ...]`` and
    ``backward(*grad_outputs: Tensor) -> Tensor | None | tuple[Tensor | None, ...]`` (one
    gradient per input, ``None`` where an input needs none). In ``backward``,
    ``self.inputs`` holds the input tensors, ``self.needs_input_grad[i]`` says whether input
    ``i`` wants a gradient (skip the work when it does not), and ``self.output()`` returns the
    output tensor when ``keep_output = True`` is set on the class.
    Call an instance on tensors: ``Exp()(x)``.
    """

    #: set to True in subclasses whose backward uses their own output (``exp``, ``tanh``...)
    keep_output = False
    #: True for subclasses written with PyTorch's protocol (static ``forward(ctx, ...)``)
    _ctx_protocol = False
    #: the in-place write clock when the node was built (see :data:`_EPOCH`)
    _epoch = 0
    #: whether ``backward`` reads the input tensors' values (False where it reads only their
    #: shapes: ``add``, ``sum``, ``reshape``...); an input written in place after the node
    #: read it is refused at backward only where its value is needed (PyTorch's rule)
    reads_inputs = True
    #: finer than ``reads_inputs`` where an input's value is read only for the gradients of
    #: others (a product ``a·b`` reads ``b`` for ``∂a`` alone): ``reads_when[k]`` lists the
    #: inputs whose needing a gradient makes the backward read input ``k`` (PyTorch saves
    #: ``b`` for ``mul`` only when ``a`` requires grad); None: ``reads_inputs`` for all
    reads_when: tuple[tuple[int, ...], ...] | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        forward = inspect.getattr_static(cls, "forward", None)
        if isinstance(forward, staticmethod):
            cls._ctx_protocol = True
            cls.__call__ = _refuse_instance_call  # type: ignore[method-assign]

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run the function, recording it for differentiation (PyTorch's ``Function.apply``).

        For a subclass with PyTorch's protocol (static ``forward(ctx, *args)`` and
        ``backward(ctx, *grad_outputs)``) this is the way to call it; for one of deepgrad's
        own (``forward`` on arrays) it is the same as ``cls()(*tensors)``.
        """
        if not cls._ctx_protocol:
            if kwargs:
                raise TypeError(f"{cls.__name__}.apply takes tensors, not keyword arguments")
            return cls()(*args)
        return _apply_ctx_function(cls, args, kwargs)

    #: the input tensors while the node is part of a graph (``None`` once released)
    inputs: tuple[Tensor, ...] | None = None
    needs_input_grad: tuple[bool, ...]
    #: the gradients flowing in during a backward pass, one slot per output
    grad_outputs: list | None = None
    n_outputs: int = 1
    _outputs: Any

    def __call__(self, *inputs: Tensor) -> Any:
        # the hot path of the engine: one- and two-input calls avoid building lists
        make = _make_tensor
        n = len(inputs)
        if n == 1:
            x = inputs[0]
            try:
                ys = self.forward(x._data)
            except backend.FP_ERRORS as e:  # inf - inf, 0 · inf, overflow: see _quietly
                ys = self._quietly(e, self.forward, [x._data for x in inputs])
            except (TypeError, ValueError) as e:  # CuPy refusing a NumPy array: see _devices
                self._devices(inputs, e)
                raise
            needs: tuple[bool, ...] = (x.requires_grad,)
            record = needs[0] and _GradMode.enabled
        elif n == 2:
            a, b = inputs
            try:
                ys = self.forward(a._data, b._data)
            except backend.FP_ERRORS as e:  # inf - inf, 0 · inf, overflow: see _quietly
                ys = self._quietly(e, self.forward, [x._data for x in inputs])
            except (TypeError, ValueError) as e:  # CuPy refusing a NumPy array: see _devices
                self._devices(inputs, e)
                raise
            needs = (a.requires_grad, b.requires_grad)
            record = (needs[0] or needs[1]) and _GradMode.enabled
        elif n == 3:
            a, b, c = inputs
            try:
                ys = self.forward(a._data, b._data, c._data)
            except backend.FP_ERRORS as e:  # inf - inf, 0 · inf, overflow: see _quietly
                ys = self._quietly(e, self.forward, [x._data for x in inputs])
            except (TypeError, ValueError) as e:  # CuPy refusing a NumPy array: see _devices
                self._devices(inputs, e)
                raise
            needs = (a.requires_grad, b.requires_grad, c.requires_grad)
            record = (needs[0] or needs[1] or needs[2]) and _GradMode.enabled
        else:
            try:
                ys = self.forward(*[x._data for x in inputs])
            except backend.FP_ERRORS as e:  # inf - inf, 0 · inf, overflow: see _quietly
                ys = self._quietly(e, self.forward, [x._data for x in inputs])
            except (TypeError, ValueError) as e:  # CuPy refusing a NumPy array: see _devices
                self._devices(inputs, e)
                raise
            needs = tuple([x.requires_grad for x in inputs])
            record = _GradMode.enabled and True in needs
        if _LAST_RECORDED[0] and _GradMode.enabled and _replay_stale_views(inputs):
            needs, record = tuple([x.requires_grad for x in inputs]), True
        if not record:  # nothing to differentiate: plain constant outputs, no graph
            if type(ys) is tuple:
                return tuple([make(y, None, 0) for y in ys])
            return make(ys, None, 0)
        self.inputs = inputs
        self.needs_input_grad = needs
        if _EPOCH:
            self._epoch = _EPOCH
        if _ANOMALY[0]:  # where this node was built, for a failing backward's warning
            self._forward_trace = traceback.extract_stack()[:-1]
        if type(ys) is tuple:
            outs = tuple([make(y, self, i) for i, y in enumerate(ys)])
            self.n_outputs = len(ys)
            if self.keep_output:
                self._outputs = [weakref.ref(o) for o in outs]
            return outs
        out = make(ys, self, 0)
        if self.keep_output:
            self._outputs = weakref.ref(out)
        return out

    def _devices(self, inputs: Sequence[Any], error: BaseException) -> None:
        """After a forward raised ``TypeError`` or ``ValueError``: on the CuPy backend, where
        an input is a CPU tensor (a NumPy array, which CuPy refuses), raise a
        ``RuntimeError`` that says so — PyTorch's "Expected all tensors to be on the same
        device" beside a GPU tensor; else return (the forward's error stands). Costs nothing
        until a forward fails. Unlike PyTorch, a 0-d CPU tensor does not join a GPU tensor as
        a number, and CPU tensors alone are not computed on the CPU while the backend is CuPy
        (deepgrad computes with one array module at a time): move them, ``t.to("cuda")``.
        Shapes that do not broadcast raise PyTorch's class and words:
        :func:`~deepgrad._errors.refuse_unbroadcastable`."""
        refuse_unbroadcastable(error)
        if not backend.gpu:
            return
        places = {str(x.device) for x in inputs}
        if "cpu" not in places:
            return
        name = type(self).__name__
        if len(places) > 1:
            a, b = sorted(places)
            raise RuntimeError(
                f"Expected all tensors to be on the same device, but found at least two "
                f"devices, {a} and {b}! ({name}: move them to one device first, e.g. "
                "t.to(x.device))"
            ) from None
        raise RuntimeError(
            f"{name}: its inputs are CPU tensors (NumPy arrays) while the backend is CuPy: "
            "deepgrad computes with one array module at a time; move them with "
            "t.to('cuda') (dg.from_numpy, dg.frombuffer and dg.from_dlpack of host memory "
            "give CPU tensors)"
        ) from None

    def _quietly(self, error: Exception, method: Callable, args: Sequence[Any]) -> Any:
        """``method(*args)`` again under :func:`backend.quiet`, after NumPy's floating-point
        message (``invalid value encountered in subtract``: ``inf - inf``, ``0 · inf``, an
        overflow) was turned into ``error`` by the user's warning filters or ``numpy.seterr``:
        deepgrad's operations return PyTorch's IEEE results (NaN, ±inf) silently. The normal
        path pays nothing (a ``try`` around the one call); forwards and backwards compute on
        arrays they make, so running one again gives the same result. A Function written
        outside deepgrad is the user's own NumPy code: its warning is raised as asked."""
        if not type(self).__module__.startswith("deepgrad.") or not _numpy_fp_message(error):
            raise error
        with backend.quiet():
            return method(*args)

    def output(self, i: int = 0) -> Tensor:
        """The ``i``-th output tensor (requires ``keep_output = True`` on the class)."""
        out = self._outputs
        if type(out) is list:
            out = out[i]
        if type(out) is weakref.ref:  # pinned (a Tensor) while a backward pass runs
            out = out()
        if out is None:  # only reachable for an unused output of a multi-output op
            raise RuntimeError(f"{type(self).__name__}: output {i} was freed before backward")
        return out

    def _pin_outputs(self, pin: bool) -> None:
        """Hold the outputs strongly while a backward pass runs (weakly otherwise, so that a
        graph that is never differentiated holds no reference cycle). An output the caller
        dropped (``logdet`` keeps ``slogdet``'s logabsdet, not its sign) stays a dead weak
        reference: pinning and releasing again (a ``create_graph`` pass retains the graph)
        must not make a weak reference to ``None``."""
        o = self._outputs
        if pin:
            self._outputs = [_pinned(r) for r in o] if isinstance(o, list) else _pinned(o)
        else:
            self._outputs = [_unpinned(t) for t in o] if isinstance(o, list) else _unpinned(o)

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """PyTorch's view of the graph below this node: one ``(node, output_index)`` pair per
        input, the node being the input's creator, an :class:`AccumulateGrad` for a leaf that
        requires grad, or ``None`` for an input that needs no gradient. A node released by a
        backward pass (without ``retain_graph``) no longer knows its inputs: ``()``."""
        if self.inputs is None:
            return ()
        return tuple(
            (x._creator, x._index)
            if x._creator is not None
            else ((AccumulateGrad(x), 0) if x.requires_grad else (None, 0))
            for x in self.inputs
        )

    #: hooks registered on this node (PyTorch's ``Node.register_prehook`` / ``register_hook``)
    _node_prehooks: dict | None = None
    _node_hooks: dict | None = None

    def name(self) -> str:
        """The node's name, as ``grad_fn.name()`` gives PyTorch's (``MulBackward0`` there):
        deepgrad's operation with ``Backward`` (``MulBackward``; a custom Function's node is
        already ``<Name>Backward``)."""
        n = type(self).__name__
        return n if n.endswith("Backward") else f"{n}Backward"

    @property
    def metadata(self) -> dict:
        """A dict kept with the node for the user's own notes (PyTorch's ``Node.metadata``)."""
        return self.__dict__.setdefault("_metadata", {})

    def register_prehook(self, hook: Callable[[tuple], Any]) -> RemovableHandle:
        """``hook(grad_outputs)`` runs before this node's backward; a tuple it returns replaces
        the gradients flowing in (PyTorch's ``Node.register_prehook``)."""
        return self._add_node_hook("_node_prehooks", hook)

    def register_hook(self, hook: Callable[[tuple, tuple], Any]) -> RemovableHandle:
        """``hook(grad_inputs, grad_outputs)`` runs after this node's backward; a tuple it
        returns replaces the gradients it computed for its inputs (PyTorch's
        ``Node.register_hook``)."""
        return self._add_node_hook("_node_hooks", hook)

    def _add_node_hook(self, kind: str, hook: Callable[..., Any]) -> RemovableHandle:
        if not callable(hook):
            raise TypeError(f"{kind[6:-1]}: expected a callable, got {type(hook).__name__}")
        hooks = self.__dict__.get(kind)
        if hooks is None:
            hooks = self.__dict__[kind] = {}
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def forward(self, *xs: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, *gys: Tensor) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} is not differentiable")

    def _release(self) -> None:
        """Drop inputs and saved arrays (called after this node's backward has run): the
        class's ``inputs = None`` then shows that the node was released. Which outputs
        retain their grad is kept (``retains_grad`` reads it)."""
        attrs = self.__dict__
        retain, notes = attrs.get("_retain_grad"), attrs.get("_metadata")
        attrs.clear()
        if retain:
            attrs["_retain_grad"] = retain
        if notes is not None:  # the user's metadata outlives the pass, as PyTorch's
            attrs["_metadata"] = notes

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class BackwardHookFunctionBackward(Function):
    """The identity node that a module with full backward hooks puts around its tensor
    inputs and outputs (PyTorch's ``BackwardHookFunction``): its outputs share their inputs'
    memory, and its backward passes the gradients through ``on_backward(grads)``, set by
    :mod:`deepgrad.nn.module`, which calls the module's hooks. Its outputs may not be
    modified in place (PyTorch's rule: that would bypass the hooks)."""

    def backward(self, *gys: Any) -> Any:
        return self.on_backward(gys)


class AccumulateGrad:
    """PyTorch's name for the end of a graph path: the leaf ``variable`` whose ``.grad`` a
    backward pass accumulates into (what ``next_functions`` shows for a leaf)."""

    next_functions: tuple = ()

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


def _refuse_instance_call(self: Function, *args: Any, **kwargs: Any) -> Any:
    name = type(self).__name__
    raise RuntimeError(
        f"{name} has a static forward(ctx, ...) (PyTorch's protocol): call it as "
        f"{name}.apply(...), not by making an instance"
    )


class FunctionCtx:
    """The ``ctx`` that PyTorch-protocol functions receive in ``forward`` and ``backward``.

    ``ctx.save_for_backward(*tensors)`` keeps tensors for ``backward`` (read them back as
    ``ctx.saved_tensors``); ``ctx.needs_input_grad[i]`` says whether the ``i``-th argument of
    ``forward`` wants a gradient; ``ctx.mark_non_differentiable(*outputs)`` marks outputs that
    never get one (indices, masks); ``ctx.set_materialize_grads(False)`` lets ``backward``
    receive ``None`` instead of zeros for an output that was not used. Other attributes
    (``ctx.scale = 2``) can hold anything else ``backward`` needs.
    """

    def __init__(self, needs_input_grad: tuple[bool, ...]) -> None:
        self.needs_input_grad = needs_input_grad
        self._saved: tuple[Any, ...] = ()
        self._non_differentiable: set[int] = set()
        self._dirty: set[int] = set()
        self.materialize_grads = True

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep ``tensors`` (or ``None``) for ``backward``."""
        from .tensor import Tensor

        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    "save_for_backward can only save tensors or None, got "
                    f"{type(t).__name__}; store other values as ctx attributes (ctx.k = ...)"
                )
        self._saved = tensors

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """What ``save_for_backward`` kept, in order."""
        return self._saved

    def mark_non_differentiable(self, *outputs: Any) -> None:
        """Declare outputs that need no gradient (their ``requires_grad`` is False)."""
        self._non_differentiable.update(id(o) for o in outputs)

    def mark_dirty(self, *tensors: Any) -> None:
        """Declare inputs that ``forward`` modified in place and returns: the output is that
        same tensor, which becomes the function's output in the graph (its reads afterwards
        go through this function's ``backward``), as in PyTorch."""
        self._dirty.update(id(t) for t in tensors)

    def set_materialize_grads(self, value: bool) -> None:
        """Whether ``backward`` gets zeros (default) or ``None`` for unused outputs."""
        self.materialize_grads = bool(value)


class _CtxNode(Function):
    """The graph node of one call of a PyTorch-protocol function: runs its ``backward``."""

    def backward(self, *gys: Any) -> Any:
        from .tensor import Tensor

        ctx, fn_cls, positions, n_args = self.ctx, self.fn_cls, self.positions, self.n_args
        if ctx.materialize_grads:
            gys = tuple(
                Tensor._wrap(backend.xp.zeros(*self.out_like[i]))
                if g is None and self.out_like[i]
                else g
                for i, g in enumerate(gys)
            )
        grads = fn_cls.backward(ctx, *gys)
        if not isinstance(grads, tuple):
            grads = (grads,)
        if len(grads) < n_args or any(g is not None for g in grads[n_args:]):
            raise RuntimeError(
                f"function {fn_cls.__name__}.backward returned an incorrect number of gradients "
                f"(expected {n_args}, got {len(grads)}): one per argument of forward, None for "
                "those that need none"
            )
        out = []
        for k, pos in enumerate(positions):
            g = grads[pos]
            if g is not None and not isinstance(g, Tensor):
                g = Tensor._wrap(g, dtype=self.inputs[k].dtype)
            shape = self.inputs[k].shape
            if g is not None and g.shape != shape:  # a broadcast gradient: summed, as torch
                reduced = _sum_to_shape(g, shape)
                if reduced is None:
                    raise RuntimeError(
                        f"function {fn_cls.__name__}.backward returned a gradient of shape "
                        f"{g.shape} for argument {pos}, which has shape {shape}"
                    )
                g = reduced
            out.append(g)
        for pos, g in enumerate(grads[:n_args]):
            if g is not None and pos not in positions:
                raise RuntimeError(
                    f"function {fn_cls.__name__}.backward returned a gradient for argument {pos}, "
                    "which is not a tensor; return None there"
                )
        return tuple(out)


def _sum_to_shape(g: Any, shape: tuple[int, ...]) -> Any:
    """``g`` summed over the axes that broadcasting added to ``shape`` (differentiable, through
    the tensor's own ``sum``), or ``None`` when ``shape`` does not broadcast to ``g.shape``."""
    extra = g.ndim - len(shape)
    if extra < 0 or any(b not in (1, a) for a, b in zip(g.shape[extra:], shape)):
        return None
    if extra:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, (a, b) in enumerate(zip(g.shape, shape)) if b == 1 and a != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g


#: one node class per PyTorch-protocol function, named ``<Name>Backward`` (what ``grad_fn`` shows)
_NODE_CLASSES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _rebase_dirty(o: Any, node: Function, i: int, args: tuple, positions: list) -> tuple:
    """An input that ``forward`` wrote in place and marked dirty, returned as output ``i``:
    the input the node reads becomes a stand-in holding ``o``'s old place in the graph, and
    ``o`` itself (same object, same memory) becomes the node's output, as PyTorch rebases it."""
    if o._creator is None and o.requires_grad:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation "
            "(a custom Function's forward marked it dirty); pass a clone, or a non-leaf"
        )
    stand_in = _make_tensor(o._data, o._creator, o._index)
    for k in positions:
        if args[k] is o:
            args = (*args[:k], stand_in, *args[k + 1 :])
    # the write clock: nodes that read ``o`` before are pointed at its old producer where they
    # need no values, and refused at backward where they do (its old values are gone)
    note_write(o._data, o, stand_in, values_kept=False)
    # the slot itself: the public setter refuses a non-leaf, as PyTorch's does for users
    o._creator, o._index, o._requires_grad = node, i, True
    return o, args


def _apply_ctx_function(cls: type[Function], args: tuple[Any, ...], kwargs: dict) -> Any:
    """Run a PyTorch-protocol function: ``forward`` without recording, then one graph node
    whose ``backward`` calls the class's ``backward(ctx, *grad_outputs)``."""
    from .tensor import Tensor

    positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
    ctx = FunctionCtx(needs)
    custom_setup = inspect.getattr_static(cls, "setup_context", None) is not None
    prev = _GradMode.enabled
    _GradMode.enabled = False
    try:
        if custom_setup:  # PyTorch 2's style: forward(*args) and setup_context(ctx, inputs, out)
            result = cls.forward(*args, **kwargs)
            cls.setup_context(ctx, args, result)  # type: ignore[attr-defined]
        else:
            result = cls.forward(ctx, *args, **kwargs)
    finally:
        _GradMode.enabled = prev
    single = not isinstance(result, tuple)
    outs = (result,) if single else result
    record = prev and any(needs)
    node = _CtxNode() if record else None
    made = []
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            made.append(o)  # a non-tensor output passes through
            continue
        differentiable = record and id(o) not in ctx._non_differentiable and o.dtype.kind in "fc"
        if differentiable and id(o) in ctx._dirty:
            o, args = _rebase_dirty(o, node, i, args, positions)
            made.append(o)
            continue
        made.append(_make_tensor(o._data, node, i) if differentiable else o.detach())
    if node is not None:
        if _EPOCH:
            node._epoch = _EPOCH
        node.inputs = tuple(args[i] for i in positions)
        if _ANOMALY[0]:  # where this node was built, for a failing backward's warning
            node._forward_trace = traceback.extract_stack()[:-1]
        node.needs_input_grad = tuple(needs[i] for i in positions)
        node.grad_outputs = None
        node.n_outputs = len(outs)
        node.ctx, node.fn_cls, node.positions, node.n_args = ctx, cls, positions, len(args)
        node.out_like = [(o.shape, o.dtype) if isinstance(o, Tensor) else None for o in outs]
        node_cls = _NODE_CLASSES.get(cls)
        if node_cls is None:
            node_cls = _NODE_CLASSES[cls] = type(cls.__name__ + "Backward", (_CtxNode,), {})
        node.__class__ = node_cls
    return made[0] if single else tuple(made)


_SECOND_BACKWARD = (
    "trying to backward through the graph a second time (its buffers were freed by the first "
    "backward, or by a backward pass run inside this one: a reentrant checkpoint's); call "
    "backward(retain_graph=True) the first time"
)


def _toposort(root: Function) -> list[Function]:
    """Functions reachable from ``root``, consumers before producers (iterative DFS).

    Nodes that keep their outputs get them pinned (held strongly) for the pass."""
    post: list[Function] = []
    visited: set[Function] = set()
    # a node to expand, or ``None`` over a node whose inputs have all been expanded
    stack: list[Any] = [root]
    pop, push, seen, finish = stack.pop, stack.append, visited.add, post.append
    while stack:
        fn = pop()
        if fn is None:
            finish(pop())
            continue
        if fn in visited:
            continue
        seen(fn)
        push(fn)
        push(None)
        inputs = fn.inputs
        if inputs is None:
            raise RuntimeError(_SECOND_BACKWARD)
        if fn._epoch < _EPOCH:  # written in place since the node was built
            _resolve_writes(fn)
            inputs = fn.inputs
        if fn.keep_output:
            fn._pin_outputs(True)
        for x in inputs:
            c = x._creator
            if c is not None and c not in visited:
                push(c)
    post.reverse()
    return post


@contextlib.contextmanager
def record_nodes(log: list) -> Iterator[None]:
    """Append to ``log`` ``(node, shape, dtype)`` for every output a graph node builds inside
    the block, in order (activation checkpointing tells with it the part of a graph that one
    call recorded from the part it was given, and compares a second run with the first)."""
    global _make_tensor
    make = _make_tensor

    def watched(data: Any, creator: Any, index: int) -> Any:
        if creator is not None:
            log.append((creator, data.shape, data.dtype))
        return make(data, creator, index)

    _make_tensor = watched
    try:
        yield
    finally:
        _make_tensor = make


#: one flag per backward pass in progress, innermost last: whether it only computes the
#: gradients of chosen tensors (``grad``, ``backward(inputs=...)``), touching no other ``.grad``
_PASSES: list[bool] = []


class _FinalCallbacks(list):
    """What :func:`queue_callback` asked to run at the end of one backward pass, and
    ``state``: what hooks keep for that pass alone (made on first use; dropped with the
    pass, also when it fails)."""

    __slots__ = ("state",)

    def __init__(self) -> None:
        super().__init__()
        self.state: dict[Any, Any] | None = None


#: one :class:`_FinalCallbacks` per backward pass in progress, innermost last
_PASS_CALLBACKS: list[_FinalCallbacks] = []


def _current_pass() -> _FinalCallbacks:
    if not _PASS_CALLBACKS:
        raise RuntimeError("Final callbacks can only be installed during backward pass.")
    return _PASS_CALLBACKS[-1]


def pass_state() -> dict[Any, Any]:
    """A dict private to the innermost backward pass in progress (what a hook keeps for
    that pass: whether it fired, the gradients it collects); outside a pass: PyTorch's
    ``RuntimeError`` for a callback."""
    frame = _current_pass()
    if frame.state is None:
        frame.state = {}
    return frame.state


def queue_callback(callback: Callable[[], Any]) -> None:
    """Run ``callback()`` when the backward pass in progress ends: after every gradient of
    the pass is computed and the leaves' ``.grad`` accumulated (PyTorch's
    ``Variable._execution_engine.queue_callback``); callbacks run in the order queued, and
    one queued by a callback runs too. Outside a backward pass: PyTorch's ``RuntimeError``."""
    _current_pass().append(callback)


def _run_final_callbacks(callbacks: list[Callable[[], Any]]) -> None:
    i = 0
    while i < len(callbacks):  # a callback may queue another
        callbacks[i]()
        i += 1


def _leaves_only_pass(pending: dict[int, list[Any]], capture: dict[int, Any] | None) -> None:
    """A backward pass whose outputs are all leaves: their hooks and ``.grad``, then the
    pass's final callbacks."""
    callbacks = _FinalCallbacks()
    _PASS_CALLBACKS.append(callbacks)
    try:
        _flush_hooked_leaves(pending, capture)
        _run_final_callbacks(callbacks)
    finally:
        _PASS_CALLBACKS.pop()


def _is_checkpoint_valid() -> bool:
    """False inside a pass that computes chosen gradients only (PyTorch's name): the reentrant
    checkpoint's backward, which accumulates into ``.grad``, refuses to run there."""
    return not (_PASSES and _PASSES[-1])


def _node_grads(fn: Function, gys: list) -> tuple:
    """``fn.backward(*gys)`` as a tuple. NumPy's floating-point message turned into an error
    by the user's filters (``inf - inf``, ``0 · inf``, an overflow) runs it again quietly
    (:meth:`Function._quietly`); in anomaly mode a backward that raises warns with the node's
    forward traceback, and one returning NaN raises (:func:`set_anomaly_enabled`)."""
    if fn._node_prehooks:
        gys = _run_prehooks(fn, gys)
    try:
        gxs = fn.backward(*gys)
    except backend.FP_ERRORS as e:
        gxs = fn._quietly(e, fn.backward, gys)
    except Exception:
        if _ANOMALY[0]:
            _warn_forward_trace(fn)
        raise
    if type(gxs) is not tuple:
        gxs = (gxs,)
    if fn._node_hooks:
        gxs = _run_node_hooks(fn, gxs, gys)
    if _ANOMALY[0]:
        _check_anomaly(fn, gxs)
    return gxs


def _run_prehooks(fn: Function, gys: list) -> list:
    """A node's pre-hooks, in order: each sees the gradients flowing in (a tuple) and may
    return new ones (as many, PyTorch's rule)."""
    return list(_through_hooks(fn._node_prehooks, tuple(gys), lambda h, g: h(g)))


def _run_node_hooks(fn: Function, gxs: tuple, gys: list) -> tuple:
    """A node's hooks, in order: each sees ``(grad_inputs, grad_outputs)`` and may return
    new gradients for the inputs (as many, PyTorch's rule)."""
    outs = tuple(gys)
    return _through_hooks(fn._node_hooks, gxs, lambda h, g: h(g, outs))


def _through_hooks(hooks: dict, grads: tuple, call: Callable[[Any, tuple], Any]) -> tuple:
    """``grads`` passed through each hook in turn (``call(hook, grads)``); a hook's non-None
    result replaces them and must hold as many values (PyTorch's error otherwise)."""
    for hook in list(hooks.values()):
        new = call(hook, grads)
        if new is None:
            continue
        if not isinstance(new, (tuple, list)) or len(new) != len(grads):
            got = len(new) if isinstance(new, (tuple, list)) else 1
            raise RuntimeError(
                f"hook '{getattr(hook, '__name__', hook)}' has returned an incorrect number "
                f"of values (got {got}, but expected {len(grads)})"
            )
        grads = tuple(new)
    return grads


def run_backward(
    outputs: Sequence[Tensor],
    grad_outputs: Sequence[Tensor],
    retain_graph: bool,
    create_graph: bool,
    capture: dict[int, Any] | None = None,
    target_nodes: set[Function] | None = None,
) -> None:
    """Propagate ``grad_outputs`` from ``outputs`` back through the graph.

    With ``capture=None`` the gradients of leaves that require grad are accumulated into
    their ``.grad``. Otherwise ``capture`` maps ``id(tensor) -> None`` for the tensors whose
    gradients are wanted (leaves or not); their gradients are stored there and no ``.grad``
    is touched (this is :func:`grad`). Then only the nodes on a path to a wanted tensor run
    (as PyTorch: hooks and ``retain_grad`` elsewhere see nothing); ``target_nodes`` are the
    creators of wanted non-leaf tensors.
    """
    roots: list[Function] = []
    pending: dict[int, list[Any]] = {}
    for y, g in zip(outputs, grad_outputs):
        if not y.requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn"
            )
        fn = y._creator
        if fn is None:  # a leaf: its gradient is the seed itself
            _accumulate_leaf(y, g, capture, pending)
            continue
        if fn.inputs is None:
            _toposort(fn)  # raises the "second backward" error
        if fn.grad_outputs is None:
            fn.grad_outputs = [None] * fn.n_outputs
        slot = fn.grad_outputs
        slot[y._index] = g if slot[y._index] is None else slot[y._index] + g
        roots.append(fn)
    if not roots:
        _leaves_only_pass(pending, capture)
        return
    if len(roots) == 1:
        order = _toposort(roots[0])
    else:  # join the roots under a virtual node
        sentinel = Function()
        sentinel.inputs = tuple(y for y in outputs if y._creator is not None)
        order = _toposort(sentinel)[1:]
    needed = None if capture is None else _needed_nodes(order, capture, target_nodes)

    prev = _GradMode.enabled
    _GradMode.enabled = create_graph
    _PASSES.append(capture is not None)
    callbacks = _FinalCallbacks()
    _PASS_CALLBACKS.append(callbacks)
    try:
        for fn in order:
            gys = fn.grad_outputs
            fn.grad_outputs = None
            if gys is None or (needed is not None and fn not in needed):
                if not retain_graph:
                    fn._release()
                elif fn.keep_output:
                    fn._pin_outputs(False)
                continue
            attrs = fn.__dict__
            hooks = attrs.get("_grad_hooks")
            if hooks:
                for i, hs in hooks.items():
                    if hs and gys[i] is not None:
                        gys[i] = _hooked(hs, gys[i])
            if capture is not None:
                retained = attrs.get("_capture_slots")
                if retained:
                    for i, key in retained:
                        if gys[i] is not None:
                            capture[key] = gys[i]
            if fn.inputs is None:  # released by a pass that ran inside this one
                raise RuntimeError(_SECOND_BACKWARD)
            retain = attrs.get("_retain_grad")
            if retain:
                for i, ref in retain:
                    t = ref()
                    if t is not None and gys[i] is not None:
                        # accumulates over backward calls, as a leaf's (PyTorch's)
                        g = gys[i] if create_graph else gys[i].detach()
                        t._grad = g if t._grad is None else t._grad + g
            gxs = _node_grads(fn, gys)
            for x, gx, need in zip(fn.inputs, gxs, fn.needs_input_grad):
                if gx is None or not need:
                    continue
                gd, xd = gx._data, x._data
                if gd.shape != xd.shape:
                    raise RuntimeError(
                        f"{type(fn).__name__}.backward returned a gradient of shape "
                        f"{gx.shape} for an input of shape {x.shape}"
                    )
                if gd.dtype is not xd.dtype and gd.dtype != xd.dtype:
                    if gd.dtype.kind == "c" and xd.dtype.kind != "c":
                        gx = gx.real  # a real input of a complex op: the real part (PyTorch's)
                    gx = gx.astype(xd.dtype)  # mixed-dtype ops: grad in the input's dtype
                c = x._creator
                if c is None:
                    if capture is None and not _LEAF_HOOKS and gx._creator is None:
                        # the common case of _accumulate_leaf, inlined
                        old = x._grad
                        if old is None:
                            x._grad = gx
                        elif create_graph or old._creator is not None:
                            x._grad = old + gx
                        else:  # no graph to record: the sum on arrays (a new array)
                            x._grad = _sum_grads(old, gx)
                    else:
                        _accumulate_leaf(x, gx, capture, pending)
                else:
                    slot = c.grad_outputs
                    if slot is None:
                        slot = c.grad_outputs = [None] * c.n_outputs
                    i = x._index
                    old = slot[i]
                    if old is None:
                        slot[i] = gx
                    elif create_graph:
                        slot[i] = old + gx
                    else:  # no graph to record: the sum on arrays (a new array)
                        slot[i] = _sum_grads(old, gx)
            if not retain_graph:
                fn._release()
            elif fn.keep_output:
                fn._pin_outputs(False)
        if pending:
            _flush_hooked_leaves(pending, capture)
        if callbacks:
            _run_final_callbacks(callbacks)
    finally:
        _PASSES.pop()
        _PASS_CALLBACKS.pop()
        _GradMode.enabled = prev


def _needed_nodes(
    order: list[Function], capture: dict[int, Any], target_nodes: set[Function] | None
) -> set[Function]:
    """The nodes of ``order`` (consumers first) from which a wanted tensor is reached."""
    needed: set[Function] = set(target_nodes or ())
    for fn in reversed(order):  # producers first
        if fn in needed:
            continue
        for x in fn.inputs:
            c = x._creator
            if (c is None and id(x) in capture) or c in needed:
                needed.add(fn)
                break
    return needed


def _flush_hooked_leaves(pending: dict[int, list[Any]], capture: dict[int, Any] | None) -> None:
    """Run the hooks of leaves on their total gradient of this pass, then accumulate it."""
    for x, g in pending.values():
        hooks = _leaf_hooks(x)
        _accumulate_leaf(x, _hooked(hooks, g) if hooks else g, capture)
        if capture is None:
            _run_post_hooks(x)


class RemovableHandle:
    """What ``register_hook`` / ``register_forward_hook`` return: ``remove()`` takes the hook
    away (also on leaving a ``with`` block)."""

    _next_id = 0

    def __init__(self, hooks: dict, *, extra_dict: dict | list[dict] | None = None) -> None:
        self._hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1
        # PyTorch's extra_dict: the per-hook flags (with_kwargs, always_call) go with it
        self._extra = (
            []
            if extra_dict is None
            else [extra_dict]
            if isinstance(extra_dict, dict)
            else list(extra_dict)
        )

    def remove(self) -> None:
        self._hooks.pop(self.id, None)
        for d in self._extra:
            d.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


#: gradient hooks of leaf tensors: ``id(tensor) -> (weakref, {handle id: hook})``
#: (a Tensor has no ``__dict__``; a non-leaf's hooks live on its creator)
_LEAF_HOOKS: dict[int, tuple[Any, dict[int, Callable[[Any], Any]]]] = {}


def register_hook(t: Tensor, hook: Callable[[Any], Any]) -> RemovableHandle:
    """Call ``hook(grad)`` each time the gradient with respect to ``t`` is computed; a
    non-None result replaces that gradient (what reaches ``t.grad`` and flows further
    back). PyTorch's ``Tensor.register_hook``."""
    if not callable(hook):
        raise TypeError(f"register_hook: a hook must be callable, got {type(hook).__name__}")
    if not t.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if t._creator is None:
        key = id(t)
        entry = _LEAF_HOOKS.get(key)
        if entry is None or entry[0]() is not t:
            ref = weakref.ref(t, lambda _r, key=key, d=_LEAF_HOOKS: d.pop(key, None))
            entry = _LEAF_HOOKS[key] = (ref, {})
        hooks = entry[1]
    else:
        per_output = t._creator.__dict__.setdefault("_grad_hooks", {})
        hooks = per_output.setdefault(t._index, {})
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    return handle


#: post-accumulate-grad hooks of leaf tensors: ``id(tensor) -> (weakref, {handle id: hook})``
_POST_HOOKS: dict[int, tuple[Any, dict[int, Callable[[Any], Any]]]] = {}


def _no_change(g: Tensor) -> None:
    """The gradient hook that puts a leaf with post-accumulate hooks among the hooked
    leaves, whose accumulation :func:`_flush_hooked_leaves` does (and then runs them)."""
    return None


def register_post_accumulate_grad_hook(t: Tensor, hook: Callable[[Any], Any]) -> RemovableHandle:
    """Call ``hook(t)`` after a ``backward`` has accumulated leaf ``t``'s ``.grad``
    (PyTorch's ``Tensor.register_post_accumulate_grad_hook``; not for ``dg.grad``, which
    accumulates nothing)."""
    if not callable(hook):
        raise TypeError(f"a hook must be callable, got {type(hook).__name__}")
    key = id(t)
    entry = _POST_HOOKS.get(key)
    if entry is None or entry[0]() is not t:
        ref = weakref.ref(t, lambda _r, key=key, d=_POST_HOOKS: d.pop(key, None))
        entry = _POST_HOOKS[key] = (ref, {})
    handle = register_hook(t, _no_change)
    handle._extra.append(entry[1])
    entry[1][handle.id] = hook
    return handle


def _run_post_hooks(x: Tensor) -> None:
    """Call leaf ``x``'s post-accumulate-grad hooks, its ``.grad`` now accumulated."""
    post = _POST_HOOKS.get(id(x))
    if post is not None and post[0]() is x:
        for hook in list(post[1].values()):
            hook(x)


def _hooked(hooks: dict[int, Callable[[Any], Any]], g: Tensor) -> Tensor:
    for hook in list(hooks.values()):
        new = hook(g)
        if new is not None:
            if tuple(new.shape) != tuple(g.shape):
                raise RuntimeError(
                    f"a gradient hook returned shape {tuple(new.shape)} for a gradient of "
                    f"shape {tuple(g.shape)}"
                )
            g = new
    return g


def _leaf_hooks(x: Tensor) -> dict[int, Callable[[Any], Any]] | None:
    entry = _LEAF_HOOKS.get(id(x))
    if entry is not None and entry[0]() is x and entry[1]:
        return entry[1]
    return None


def _add_arrays(a: Any, b: Any) -> Any:
    return a + b


def _sum_grads(old: Tensor, g: Tensor) -> Tensor:
    """Two gradients of one tensor summed on arrays (a new array, no graph): one NumPy call;
    ``inf + -inf`` (``x / x`` at 0) is NaN silently, as PyTorch's, also where the user's
    filters or ``numpy.seterr`` turned NumPy's message into an error."""
    try:
        s = old._data + g._data
    except backend.FP_ERRORS:
        s = backend.silently(_add_arrays, old._data, g._data)
    out = _make_tensor(s, None, 0)
    if g.__class__ is old.__class__ is not out.__class__:
        out.__class__ = g.__class__  # two sparse gradients (sparse=True embeddings): sparse
    return out


def _accumulate_leaf(
    x: Tensor,
    g: Tensor,
    capture: dict[int, Any] | None,
    pending: dict[int, list[Any]] | None = None,
) -> None:
    """Add ``g`` to the leaf's ``.grad`` (or to ``capture``). A leaf with gradient hooks
    collects its contributions in ``pending`` first: its hooks see the total, once. A leaf
    that ``capture`` does not want gets nothing and its hooks do not run (PyTorch runs no
    leaf's accumulation outside ``backward(inputs=...)``/``grad``'s inputs)."""
    if capture is not None and id(x) not in capture:
        return
    if pending is not None and _LEAF_HOOKS and _leaf_hooks(x) is not None:
        slot = pending.get(id(x))
        if slot is None:
            pending[id(x)] = [x, g]
        else:
            slot[1] = slot[1] + g
        return
    if capture is not None:
        key = id(x)
        if key in capture:
            capture[key] = g if capture[key] is None else capture[key] + g
        return
    if not _GradMode.enabled:
        g = g.detach() if g._creator is not None else g
    x._grad = g if x._grad is None else x._grad + g


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Tensor | Sequence[Tensor] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...]:
    """Gradients of ``outputs`` with respect to ``inputs``, returned (not stored in ``.grad``).

    ``dg.grad(y, x)`` is ``dy/dx`` for a scalar ``y``; with ``create_graph=True`` the result
    can be differentiated again (``dg.grad(dg.grad(y, x, create_graph=True)[0], x)`` gives
    the second derivative). ``retain_graph`` defaults to ``create_graph``. ``only_inputs``
    is PyTorch's deprecated argument, in its place and ignored (warned when False, as PyTorch).
    ``materialize_grads=True`` gives zeros for the unused inputs (implies ``allow_unused``);
    ``is_grads_batched=True`` takes ``grad_outputs`` with a leading batch dimension and returns
    gradients with it (one backward pass per row here, where PyTorch vectorizes).

    >>> import deepgrad as dg
    >>> x = dg.tensor(3.0, requires_grad=True)
    >>> (dydx,) = dg.grad(x ** 3, x, create_graph=True)
    >>> dydx.item(), dg.grad(dydx, x)[0].item()
    (27.0, 18.0)
    """
    from .tensor import Tensor

    if not only_inputs:
        warnings.warn(
            "only_inputs argument is deprecated and is ignored now (defaults to True). To "
            "accumulate gradient for other parts of the graph, please use "
            "torch.autograd.backward.",
            FutureWarning,
            stacklevel=2,
        )
    if materialize_grads:
        if allow_unused is False:
            raise ValueError(
                "Expected allow_unused to be True or not passed when materialize_grads=True, "
                "but got: allow_unused=False."
            )
        allow_unused = True
    outs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if not ins:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    if is_grads_batched:
        return _batched_grad(
            outs, ins, grad_outputs, retain_graph, create_graph, allow_unused, materialize_grads
        )
    seeds = _seed_grads(outs, grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    capture: dict[int, Any] = {id(x): None for x in ins}
    marked: list[Function] = []
    for x in ins:
        if not x.requires_grad:
            raise RuntimeError("dg.grad: one of the inputs does not require grad")
        c = x._creator
        if c is not None:  # a non-leaf input: read its gradient when its creator runs
            c.__dict__.setdefault("_capture_slots", []).append((x._index, id(x)))
            marked.append(c)
    try:
        run_backward(outs, seeds, retain_graph, create_graph, capture, set(marked))
    finally:
        for c in marked:
            c.__dict__.pop("_capture_slots", None)
    result = []
    for x in ins:
        g = capture[id(x)]
        if g is None and not allow_unused:
            raise RuntimeError(
                "dg.grad: one of the inputs was not used to compute the outputs; "
                "pass allow_unused=True to get None for it"
            )
        if g is None and materialize_grads:
            g = _make_tensor(backend.xp.zeros_like(x._data), None, 0)
        result.append(g)
    return tuple(result)


#: ``[stack]``: the differentiable ``stack`` that :func:`_batched_grad` joins rows with; the
#: functional layer (above this one) puts it here when it is imported
_STACK: list[Any] = [None]


def _batched_grad(
    outs: list[Tensor],
    ins: list[Tensor],
    grad_outputs: Any,
    retain_graph: bool | None,
    create_graph: bool,
    allow_unused: bool | None,
    materialize_grads: bool,
) -> tuple[Tensor | None, ...]:
    """``grad(..., is_grads_batched=True)``: one pass per row of the batched grad_outputs,
    the results stacked (None where an input is unused in every row)."""
    from .tensor import Tensor

    stack = _STACK[0]  # deepgrad.functional.stack, registered by deepgrad.functional (above)
    if grad_outputs is None:
        raise RuntimeError("grad: is_grads_batched=True needs grad_outputs (with a batch dim)")
    gs = list(grad_outputs) if isinstance(grad_outputs, (list, tuple)) else [grad_outputs]
    gs = [g if isinstance(g, Tensor) or g is None else Tensor(g) for g in gs]
    sizes = {g.shape[0] for g in gs if g is not None and g.ndim > 0}
    if len(sizes) != 1 or any(g is not None and g.ndim == 0 for g in gs):
        raise RuntimeError(
            "grad: with is_grads_batched=True every grad_output needs the same leading batch "
            f"dimension, got shapes {[None if g is None else g.shape for g in gs]}"
        )
    (n,) = sizes
    keep = create_graph if retain_graph is None else retain_graph
    rows = [
        grad(
            outs,
            ins,
            [None if g is None else g[i] for g in gs],
            retain_graph=True if i < n - 1 else keep,
            create_graph=create_graph,
            allow_unused=allow_unused,
            materialize_grads=materialize_grads,
        )  # fmt: skip
        for i in range(n)
    ]
    return tuple(
        None if all(r[j] is None for r in rows) else stack(
            [r[j] if r[j] is not None else _make_tensor(
                backend.xp.zeros_like(x._data), None, 0) for r in rows]
        )
        for j, x in enumerate(ins)
    )  # fmt: skip


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    grad_variables: Tensor | Sequence[Tensor | None] | None = None,
    inputs: Tensor | Sequence[Tensor] | None = None,
) -> None:
    """PyTorch's ``torch.autograd.backward``: accumulate the gradients of ``tensors`` (seeded
    with ``grad_tensors``, one per tensor; ``None`` for a one-element tensor) into ``.grad``.

    ``inputs`` limits the accumulation to those tensors (leaves, or non-leaves, whose
    ``.grad`` is then kept as by ``retain_grad()``); only the part of the graph leading to
    them runs. ``grad_variables`` is PyTorch's deprecated name of ``grad_tensors``.
    """
    from .tensor import Tensor

    if grad_variables is not None:
        warnings.warn(
            "'grad_variables' is deprecated. Use 'grad_tensors' instead.",
            FutureWarning,
            stacklevel=2,
        )
        if grad_tensors is not None:
            raise RuntimeError(
                "'grad_tensors' and 'grad_variables' (deprecated) arguments both passed to "
                "backward(). Please only use 'grad_tensors'."
            )
        grad_tensors = grad_variables
    outs = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    for i, y in enumerate(outs):
        if not isinstance(y, Tensor):
            raise TypeError(f"backward: tensors[{i}] must be a Tensor, got {type(y).__name__}")
    if not outs:
        return
    seeds = _seed_grads(outs, grad_tensors)
    retain = bool(retain_graph or create_graph)
    if inputs is None:
        run_backward(outs, seeds, retain, create_graph)
        return
    ins = _backward_inputs(inputs)
    leaves = {id(x): x for x in ins if x._creator is None}
    nodes = set()
    for x in ins:
        if x._creator is not None:
            x.retain_grad()  # PyTorch keeps the .grad of a non-leaf input from now on
            nodes.add(x._creator)
    capture: dict[int, Any] = dict.fromkeys(leaves)
    run_backward(outs, seeds, retain, create_graph, capture, nodes)
    prev = _GradMode.enabled
    _GradMode.enabled = create_graph
    try:
        for key, x in leaves.items():
            if capture[key] is not None:
                _accumulate_leaf(x, capture[key], None)
                if _POST_HOOKS and x._creator is None:
                    _run_post_hooks(x)
    finally:
        _GradMode.enabled = prev


def _backward_inputs(inputs: Any) -> list[Tensor]:
    """``backward(inputs=...)``: a tensor, a sequence of tensors or a dict of them (PyTorch)."""
    from .tensor import Tensor

    if isinstance(inputs, Tensor):
        ins = [inputs]
    elif isinstance(inputs, dict):
        ins = list(inputs.values())
    elif isinstance(inputs, (list, tuple)):
        ins = list(inputs)
    else:
        raise TypeError(
            f"backward: inputs must be a Tensor or a sequence of Tensors, got "
            f"{type(inputs).__name__}"
        )
    if not ins:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    for i, x in enumerate(ins):
        if not isinstance(x, Tensor):
            raise RuntimeError(
                f"all inputs have to be Tensors, but got {type(x).__name__} (inputs[{i}])"
            )
        if not x.requires_grad:
            raise RuntimeError(
                f"backward: inputs[{i}] does not require grad (requires_grad=False); its "
                f"gradient cannot be accumulated: call requires_grad_() on it before the "
                f"forward pass, or leave it out of inputs"
            )
    return ins


def _seed_grads(outs: list[Tensor], grad_outputs: Any) -> list[Tensor]:
    if grad_outputs is None:
        seeds = []
        xp = backend.xp
        for y in outs:
            d = y._data
            if d.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs; the output has "
                    f"shape {y.shape}: pass a gradient of that shape (backward(gradient=...))"
                )
            if isinstance(d, xp.ndarray) or (xp is numpy and isinstance(d, numpy.generic)):
                # ones_like(y) without its option parsing (a sum gives a NumPy scalar)
                one = xp.empty(d.shape, d.dtype)
                one.fill(1)  # xp.ones(...) costs four times as much for one value
                seeds.append(_make_tensor(one, None, 0))
            else:  # an array of another device than the active backend's
                from .tensor import ones_like

                seeds.append(ones_like(y))
        return seeds
    from .tensor import Tensor

    gs = list(grad_outputs) if isinstance(grad_outputs, (list, tuple)) else [grad_outputs]
    if len(gs) != len(outs):
        raise ValueError(f"got {len(gs)} grad_outputs for {len(outs)} outputs")
    if any(g is None for g in gs):  # None: implicit, for a one-element output
        implicit = iter(_seed_grads([y for y, g in zip(outs, gs) if g is None], None))
        gs = [next(implicit) if g is None else g for g in gs]
    seeds = []
    for y, g in zip(outs, gs):
        g = g if isinstance(g, Tensor) else Tensor(g, dtype=y.dtype)
        if g.shape != y.shape:
            raise RuntimeError(
                f"gradient of shape {g.shape} given for an output of shape {y.shape}"
            )
        seeds.append(g)
    return seeds


class _VariableMeta(type):
    def __instancecheck__(cls, obj: Any) -> bool:
        from .tensor import Tensor

        return isinstance(obj, Tensor)


class Variable(metaclass=_VariableMeta):
    """PyTorch's deprecated ``Variable``, which PyTorch keeps for old programs (``from
    torch.autograd import Variable``): ``Variable(t)`` is a new tensor sharing ``t``'s data,
    detached from any graph, that requires grad only with ``requires_grad=True``; every
    tensor is an instance. ``volatile`` has no effect (warned, as PyTorch does)."""

    def __new__(cls, data: Any, requires_grad: bool = False, volatile: bool = False) -> Any:
        from .tensor import Tensor

        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        if volatile:
            warnings.warn(
                "volatile was removed and now has no effect. Use `with torch.no_grad():` instead.",
                UserWarning,
                stacklevel=2,
            )
        out = data.detach()
        if requires_grad:
            out.requires_grad_(True)
        return out


class _ExecutionEngine:
    """PyTorch's ``Variable._execution_engine``, for the two of its methods that programs
    (gradient bucketing, reentrant checkpoints) call: ``queue_callback`` and
    ``is_checkpoint_valid``."""

    queue_callback = staticmethod(queue_callback)
    is_checkpoint_valid = staticmethod(_is_checkpoint_valid)


Variable._execution_engine = _ExecutionEngine()  # type: ignore[attr-defined]


#: PyTorch's gradcheck options that ask for checks deepgrad does not make (forward-mode AD,
#: vmap over the backward): refused when switched on rather than passed unchecked
_UNCHECKED = ("check_batched_grad", "check_batched_forward_grad", "check_forward_ad")
#: PyTorch's gradcheck options that do not change what is verified here (how the Jacobian
#: is sampled, dtype and undefined-gradient checks that deepgrad's gradcheck makes anyway)
_NEUTRAL = ("check_undefined_grad", "check_grad_dtypes", "fast_mode", "masked",
            "gen_non_contig_grad_outputs", "check_rev_over_rev")  # fmt: skip


def _gradcheck_options(fn: str, kw: dict[str, Any]) -> dict[str, Any]:
    """``eps``/``atol``/``rtol``/``raise_exception`` for :func:`deepgrad.gradcheck` from
    PyTorch's keywords (``nondet_tol`` widens ``atol``); an unknown keyword raises
    ``TypeError`` naming the nearest, a check deepgrad does not make ``NotImplementedError``."""
    import difflib

    out = {k: kw.pop(k) for k in ("eps", "atol", "rtol", "raise_exception") if k in kw}
    out["atol"] = out.get("atol", 1e-5) + float(kw.pop("nondet_tol", 0.0))
    for k in _UNCHECKED + ("check_fwd_over_rev",):
        if kw.pop(k, False):
            raise NotImplementedError(
                f"{fn}: {k}=True is not supported (deepgrad checks the backward pass: "
                "reverse-mode gradients against central differences)"
            )
    if kw.pop("check_backward_ad", True) is False:
        raise NotImplementedError(f"{fn}: check_backward_ad=False leaves nothing to check here")
    for k in _NEUTRAL:
        kw.pop(k, None)
    if kw:
        k = sorted(kw)[0]
        names = ("eps", "atol", "rtol", "raise_exception", "nondet_tol", *_NEUTRAL, *_UNCHECKED)
        near = difflib.get_close_matches(k, names, 1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise TypeError(f"{fn}() got an unexpected keyword argument {k!r}{hint}")
    return out


def _pytorch_gradcheck(func: Callable[..., Any], inputs: Any, **kwargs: Any) -> bool:
    """PyTorch's ``torch.autograd.gradcheck(func, inputs, *, eps, atol, rtol,
    raise_exception, nondet_tol, ...)``: :func:`deepgrad.gradcheck` returning ``True`` when it
    passes (``False`` with ``raise_exception=False`` when it fails), as PyTorch's does;
    ``dg.gradcheck`` keeps its report object."""
    from .gradcheck import gradcheck

    opts = _gradcheck_options("gradcheck", kwargs)
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    return bool(gradcheck(func, inputs, **opts))


def _pytorch_gradgradcheck(
    func: Callable[..., Any], inputs: Any, grad_outputs: Any = None, **kwargs: Any
) -> bool:
    """PyTorch's ``torch.autograd.gradgradcheck``: checks the second derivatives of
    ``func`` by :func:`deepgrad.gradcheck` of its first-order backward,
    ``(x, v) ↦ Σ_k v_k ∂f_k/∂x`` with ``create_graph=True``, against central differences —
    with respect to the inputs and to the ``grad_outputs`` ``v`` (random, requiring grad,
    where none are given, as PyTorch draws them).

    >>> import deepgrad as dg
    >>> x = dg.tensor([1.0, 2.0], dtype=dg.float64, requires_grad=True)
    >>> dg.autograd.gradgradcheck(lambda a: (a ** 3).sin(), (x,))
    True
    """
    import numpy

    from .gradcheck import gradcheck
    from .tensor import Tensor

    opts = _gradcheck_options("gradgradcheck", kwargs)
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    outs = func(*inputs)
    outs = tuple(outs) if isinstance(outs, (tuple, list)) else (outs,)
    if grad_outputs is None:
        rng = numpy.random.default_rng(0)
        grad_outputs = tuple(
            Tensor._wrap(
                backend.xp.asarray(rng.standard_normal(o.shape)), dtype=o.dtype
            ).requires_grad_(True)
            for o in outs
            if isinstance(o, Tensor) and o.requires_grad
        )
    else:
        grad_outputs = (
            tuple(grad_outputs) if isinstance(grad_outputs, (tuple, list)) else (grad_outputs,)
        )
    n = len(inputs)

    def first_order(*args: Any) -> tuple:
        ins, gos = args[:n], args[n:]
        ys = func(*ins)
        ys = tuple(ys) if isinstance(ys, (tuple, list)) else (ys,)
        ys = tuple(y for y in ys if isinstance(y, Tensor) and y.requires_grad)
        wrt = [x for x in ins if isinstance(x, Tensor) and x.requires_grad]
        gs = grad(ys, wrt, list(gos), create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return bool(gradcheck(first_order, inputs + tuple(grad_outputs), **opts))


def __getattr__(name: str) -> Any:
    """``dg.autograd.gradcheck`` (PyTorch's path) is :func:`deepgrad.gradcheck` with PyTorch's
    ``bool`` result, loaded on use (it imports the tensor module, which imports this one)."""
    if name == "gradcheck":
        return _pytorch_gradcheck
    if name == "gradgradcheck":
        return _pytorch_gradgradcheck
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
