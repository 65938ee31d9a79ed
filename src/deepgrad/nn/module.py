"""``Module``: the base class of layers and models.

Assigning a :class:`Parameter` or a ``Module`` to an attribute registers it; nothing else is
needed. Registration order is assignment order, so ``parameters()`` and ``state_dict()`` are
deterministic and match PyTorch's names (``"0.weight"``, ``"encoder.layers.1.bias"``).

Every module can also be trained Keras-style (``compile`` / ``fit`` / ``evaluate`` /
``predict`` / ``summary`` / ``save``): those methods forward to :mod:`deepgrad.train`, the
layer above, which is imported only when they are called.
"""

from __future__ import annotations

import functools
import inspect
import types
import warnings
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy

from .. import autograd, backend, devices
from .._absent import AbsentDtype, bfloat16
from .._choices import keyword_names, refuse_unknown
from .._errors import bool_arg
from ..autograd import BackwardHookFunctionBackward, RemovableHandle
from ..tensor import Tensor, _converted, _to_arguments, foreign_to_numpy
from . import factory
from .buffer import Buffer
from .keras import KerasMethods
from .parameter import _UNINITIALIZED, Parameter, is_lazy, is_placeholder


def _items(a: Any) -> Any:
    """A generator's items as a list; anything else as it is."""
    return list(a) if isinstance(a, types.GeneratorType) else a


class StateDictError(KeyError, ValueError, RuntimeError):
    """A state dict that does not fit the module (``load_state_dict``): missing or unexpected
    keys (with ``strict=True``) and shape mismatches, all in one error; a ``RuntimeError`` as
    PyTorch raises there (and the ``KeyError`` / ``ValueError`` deepgrad raised before)."""

    def __str__(self) -> str:  # the message itself, not KeyError's quoted repr
        return str(self.args[0]) if self.args else ""


class _IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` returns (PyTorch's ``_IncompatibleKeys``, and its repr)."""

    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (
            f"_IncompatibleKeys(missing_keys={self.missing_keys}, "
            f"unexpected_keys={self.unexpected_keys})"
        )

    __str__ = __repr__


IncompatibleKeys = _IncompatibleKeys


def _check_name(kind: str, module: Module, name: Any, registry: dict) -> None:
    """PyTorch's checks on a name given to ``register_buffer`` / ``register_parameter`` /
    ``add_module``: a string, not empty, no ``"."``, not another attribute of the module."""
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
    if "." in name:
        raise KeyError(f'{kind} name can\'t contain ".", got: {name}')
    if name == "":
        raise KeyError(f'{kind} name can\'t be empty string ""')
    if name not in registry and hasattr(module, name):
        raise KeyError(f"attribute '{name}' already exists")


class _BackwardHook:
    """One forward call's full backward hooks (PyTorch's ``torch.utils.hooks.BackwardHook``):
    identity nodes around the module's tensor inputs and outputs; the output node records
    (and lets the pre-hooks replace) ``grad_output``, the input node calls the hooks with
    ``grad_input`` and that ``grad_output``."""

    def __init__(self, module: Module, hooks: list, pre_hooks: list) -> None:
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.grad_outputs: tuple | None = None
        self.n_inputs = self.n_outputs = -1
        self.input_index: list[int] | None = None
        self.output_index: list[int] | None = None

    @staticmethod
    def _pack(index: list[int], values: Any, size: int) -> tuple:
        res: list[Any] = [None] * size
        for i, v in zip(index, values):
            res[i] = v
        return tuple(res)

    @staticmethod
    def _wrap(args: tuple, on_backward: Callable[[tuple], Any]) -> tuple[tuple, list[int] | None]:
        """``args`` with its tensors replaced by the outputs of one identity node (those that
        need no gradient by constants sharing their memory), and the tensors' positions;
        ``args`` itself and ``None`` when nothing would be recorded."""
        index = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        tensors = [args[i] for i in index]
        if not (autograd.is_grad_enabled() and any(t.requires_grad for t in tensors)):
            return args, None
        node = BackwardHookFunctionBackward()
        node.inputs = tuple(tensors)
        node.needs_input_grad = tuple(t.requires_grad for t in tensors)
        node.n_outputs = len(tensors)
        node.grad_outputs = None
        node.on_backward = on_backward
        make = autograd._make_tensor
        new = [make(t._data, node if t.requires_grad else None, k) for k, t in enumerate(tensors)]
        out = list(args)
        for i, t in zip(index, new):
            out[i] = t
        return (tuple(out) if type(args) is tuple else type(args)(*out)), index

    def setup_input_hook(self, args: tuple) -> tuple:
        def on_backward(gys: tuple) -> tuple:
            from ..tensor import zeros_like

            # PyTorch materializes the gradients of unused outputs of this node as zeros
            like = [args[i] for i in index]
            grads = tuple(zeros_like(t) if g is None else g for g, t in zip(gys, like))
            if self.grad_outputs is None:  # the gradient did not come through the outputs
                return grads
            res = self._pack(index, grads, self.n_inputs)
            for hook in self.hooks:
                new = hook(self.module, res, self.grad_outputs)
                if new is None:
                    continue
                if len(new) != len(res):
                    raise RuntimeError(
                        "Backward hook returned an invalid number of grad_input, "
                        f"got {len(new)}, but expected {len(res)}"
                    )
                res = new
            self.grad_outputs = None
            return tuple(res[i] for i in index)

        res, index = self._wrap(args, on_backward)
        self.n_inputs = len(args)
        self.input_index = index
        return res

    def setup_output_hook(self, result: Any) -> Any:
        def on_backward(gys: tuple) -> tuple:
            self.grad_outputs = self._pack(index, gys, self.n_outputs)
            expected = len(self.grad_outputs)
            for hook in self.pre_hooks:
                new = hook(self.module, self.grad_outputs)
                if new is None:
                    continue
                if len(new) != expected:
                    raise RuntimeError(
                        "Backward pre hook returned an invalid number of grad_output, "
                        f"got {len(new)}, but expected {expected}"
                    )
                self.grad_outputs = new
            local = self.grad_outputs
            if self.input_index is None:  # no input requires grad: the hooks fire here
                warnings.warn(
                    "Full backward hook is firing when gradients are computed with respect to "
                    "module outputs since no inputs require gradients. See "
                    "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                    "#torch.nn.Module.register_full_backward_hook for more details.",
                    UserWarning,
                    stacklevel=5,
                )
                grad_inputs = self._pack([], [], self.n_inputs)
                for hook in self.hooks:
                    r = hook(self.module, grad_inputs, self.grad_outputs)
                    if r is not None and not (isinstance(r, tuple) and all(el is None for el in r)):
                        raise RuntimeError(
                            "Backward hook for Modules where no input requires gradient should "
                            "always return None or None for all gradients."
                        )
                self.grad_outputs = None
            return tuple(local[i] for i in index)

        single = not isinstance(result, tuple)
        args = (result,) if single else result
        res, index = self._wrap(args, on_backward)
        self.n_outputs = len(args)
        self.output_index = index
        return res[0] if single else res


#: the kinds of module hooks, in the order of a module's hook dicts (PyTorch's
#: ``_forward_pre_hooks``, ``_forward_hooks``, ``_backward_hooks``, ``_backward_pre_hooks``)
_HOOK_KINDS = ("pre", "post", "bw", "bwpre")

#: hooks common to all modules (PyTorch's ``register_module_forward_hook`` ...): handle id ->
#: ``(kind, hook)``, run before each module's own; the flags by handle id
_global_hooks: OrderedDict[int, tuple[str, Callable[..., Any]]] = OrderedDict()
_global_hooks_kwargs: dict[int, bool] = {}
_global_hooks_always: dict[int, bool] = {}


def _add_global_hook(
    kind: str, hook: Callable[..., Any], with_kwargs: bool = False, always_call: bool = False
) -> RemovableHandle:
    if not callable(hook):
        raise TypeError(f"a hook must be callable, got {type(hook).__name__}")
    handle = RemovableHandle(_global_hooks, extra_dict=[_global_hooks_kwargs, _global_hooks_always])
    _global_hooks[handle.id] = (kind, hook)
    if with_kwargs:
        _global_hooks_kwargs[handle.id] = True
    if always_call:
        _global_hooks_always[handle.id] = True
    return handle


def register_module_forward_pre_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """PyTorch's global forward pre-hook: ``hook(module, args)`` before every module's
    ``forward``, before the module's own pre-hooks (for debugging and profiling)."""
    return _add_global_hook("pre", hook)


def register_module_forward_hook(
    hook: Callable[..., Any], *, with_kwargs: bool = False, always_call: bool = False
) -> RemovableHandle:
    """PyTorch's global forward hook: ``hook(module, args, output)`` (``with_kwargs``:
    ``hook(module, args, kwargs, output)``) after every module's ``forward``, before the
    module's own forward hooks."""
    return _add_global_hook("post", hook, with_kwargs, always_call)


def register_module_full_backward_pre_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """PyTorch's global :meth:`Module.register_full_backward_pre_hook`, run before each
    module's own."""
    return _add_global_hook("bwpre", hook)


def register_module_full_backward_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """PyTorch's global :meth:`Module.register_full_backward_hook`, run before each
    module's own."""
    return _add_global_hook("bw", hook)


#: PyTorch's global registration hooks, handle id -> ``hook(module, name, value)``, which may
#: return the value to register instead: buffers, parameters, sub-modules
_registration_hooks: tuple[OrderedDict, OrderedDict, OrderedDict] = (
    OrderedDict(),
    OrderedDict(),
    OrderedDict(),
)


def _add_registration_hook(i: int, hook: Callable[..., Any]) -> RemovableHandle:
    if not callable(hook):
        raise TypeError(f"a hook must be callable, got {type(hook).__name__}")
    handle = RemovableHandle(_registration_hooks[i])
    _registration_hooks[i][handle.id] = hook
    return handle


def register_module_buffer_registration_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """PyTorch's global hook ``hook(module, name, buffer)`` run each time a module registers a
    buffer (``register_buffer``, or assigning to a buffer's name); a non-None result is
    registered instead."""
    return _add_registration_hook(0, hook)


def register_module_parameter_registration_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """PyTorch's global hook ``hook(module, name, param)`` run each time a module registers a
    parameter (``register_parameter`` or assigning a ``Parameter``); a non-None result is
    registered instead."""
    return _add_registration_hook(1, hook)


def register_module_module_registration_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """PyTorch's global hook ``hook(module, name, submodule)`` run each time a module
    registers a sub-module (``add_module`` or assigning a ``Module``); a non-None result is
    registered instead."""
    return _add_registration_hook(2, hook)


def _registered(i: int, module: Module, name: str, value: Any) -> Any:
    """``value`` after the global registration hooks of kind ``i`` (none: as it is)."""
    for hook in list(_registration_hooks[i].values()):
        out = hook(module, name, value)
        if out is not None:
            value = out
    return value


def register_module_backward_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """PyTorch's deprecated global non-full backward hook: not supported (see
    :meth:`Module.register_backward_hook`)."""
    raise NotImplementedError(
        "register_module_backward_hook (deprecated in PyTorch) is not supported: its "
        "grad_input depends on PyTorch's internal autograd nodes; use "
        "register_module_full_backward_hook"
    )


class _Registry(OrderedDict):
    """A module's parameters, buffers or sub-modules by name (``_parameters``, ``_buffers``,
    ``_modules``), kept in step with the module's attributes: writing or deleting an entry
    sets or removes the attribute, so ``m._parameters["weight"] = p`` is what ``m.weight``
    reads, as in PyTorch. (PyTorch reads the attribute from the registry in ``__getattr__``;
    that lookup doubled the cost of calling a small layer, so deepgrad keeps the values in the
    instance too.) Copied or pickled, it is a plain ``OrderedDict``, which the module's
    ``__setstate__`` binds again."""

    __slots__ = ("_attrs",)

    def __init__(self, attrs: dict[str, Any], items: Any = ()) -> None:
        super().__init__()
        self._attrs = attrs
        for k, v in dict(items).items():
            self[k] = v

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self._attrs[key] = value

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._attrs.pop(key, None)

    _MISSING = object()

    def pop(self, key: str, default: Any = _MISSING) -> Any:  # type: ignore[override]
        if key in self:
            self._attrs.pop(key, None)
            return super().pop(key)
        if default is _Registry._MISSING:
            raise KeyError(key)
        return default

    def popitem(self, last: bool = True) -> tuple[str, Any]:
        key, value = super().popitem(last)
        self._attrs.pop(key, None)
        return key, value

    def clear(self) -> None:
        for key in self:
            self._attrs.pop(key, None)
        super().clear()

    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (OrderedDict, (list(self.items()),))


_REGISTRIES = ("_parameters", "_buffers", "_modules")


class Module(KerasMethods):
    """Base class: subclass it, create parameters and sub-modules in ``__init__``, write
    ``forward``; call the module (``model(x)``) to run it."""

    training: bool
    #: the version recorded in ``state_dict()._metadata`` (PyTorch's: 2 for batch norms)
    _version: int = 1
    #: PyTorch's class flags: print the source diff of a loaded module (no effect here);
    #: ``Module.__init__`` refusing arguments unless a subclass sets ``call_super_init``
    dump_patches: bool = False
    call_super_init: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Record each module's constructor arguments (``self._init_args``), which is what
        ``get_config`` returns and how a saved architecture is rebuilt without pickle; and
        handle PyTorch's ``device=``/``dtype=`` for every constructor that declares them
        (:mod:`deepgrad.nn.factory`)."""
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is None:
            return

        sig = inspect.signature(init)
        takes_factory = all(k in sig.parameters for k in factory.FACTORY_KWARGS)
        # a misspelt keyword (``Linear(3, 4, bais=False)``) is refused naming the class and
        # the nearest valid keyword (Python's message names neither where the call is bound)
        valid = keyword_names(init)

        @functools.wraps(init)
        def recording_init(self: Module, *args: Any, **kw: Any) -> None:
            # named as built, unless a subclass passed the keyword on
            built = cls if "_init_args" in self.__dict__ else type(self)
            refuse_unknown(f"{built.__name__}()", kw, valid)
            if any(isinstance(a, types.GeneratorType) for a in (*args, *kw.values())):
                # ``ModuleList(Block() for _ in range(n))``: a generator is consumed once and
                # cannot be copied, so record (and pass) its items (``copy.deepcopy(model)``)
                args = tuple(_items(a) for a in args)
                kw = {k: _items(v) for k, v in kw.items()}
            if "_init_args" not in self.__dict__:  # the most derived class records
                self.__dict__["_init_args"] = (args, kw)
            if not takes_factory:
                init(self, *args, **kw)
                return
            bound = sig.bind_partial(self, *args, **kw).arguments
            dev, dtype = factory.read(bound.get("device"), bound.get("dtype"), type(self).__name__)
            if dtype is not None:
                self.__dict__["_factory_dtype"] = dtype  # for a layer built at its first call
            if dev is not None:
                self.__dict__["_factory_device"] = dev
            with factory.creating_in(dtype):
                init(self, *args, **kw)
            if dev is not None:
                self.to(dev)

        cls.__init__ = recording_init  # type: ignore[method-assign]

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments this module was built with, by name."""
        args, kw = self.__dict__.get("_init_args", ((), {}))
        sig = inspect.signature(type(self).__init__)
        bound = sig.bind(self, *args, **kw)
        out = dict(bound.arguments)
        out.pop("self", None)
        out.pop("device", None)  # where a model runs is the loader's choice, not its architecture
        return out

    def _param_dtype(self) -> numpy.dtype:
        """The dtype new parameters get: the constructor's ``dtype=``, else the default
        (for layers that create their parameters at the first call)."""
        return self.__dict__.get("_factory_dtype") or backend.get_default_dtype()

    def _place_new_parameters(self) -> None:
        """Move parameters made after the constructor (a layer built at its first call) to
        the constructor's ``device=``, if one was given."""
        dev = self.__dict__.get("_factory_device")
        if dev is not None:
            self.to(dev)

    def __init__(self) -> None:
        d = self.__dict__
        d["_parameters"] = _Registry(d)
        d["_buffers"] = _Registry(d)
        d["_non_persistent"] = set()
        d["_modules"] = _Registry(d)
        d["training"] = True

    def __setstate__(self, state: dict[str, Any]) -> None:
        """A copy's (or an unpickled module's) state: its registries bound to it again."""
        self.__dict__.update(state)
        self._bind_registries()

    def _bind_registries(self) -> None:
        d = self.__dict__
        for reg in _REGISTRIES:
            r = d.get(reg)
            if r is not None and (type(r) is not _Registry or r._attrs is not d):
                d[reg] = _Registry(d, r)

    # ---- registration ---------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        if "_parameters" not in d:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() is called "
                f"(call super().__init__() first in {type(self).__name__}.__init__)"
            )
        params, modules, buffers = d["_parameters"], d["_modules"], d["_buffers"]
        if isinstance(value, Buffer) and name not in params and name not in modules:
            # PyTorch 2's nn.Buffer registers itself (on a parameter's or sub-module's name
            # it is refused below, as a plain tensor is)
            if name not in buffers and hasattr(self, name):
                raise KeyError(f"attribute '{name}' already exists")
            self.register_buffer(name, value, value.persistent)
            return
        if isinstance(value, Parameter):
            if isinstance(getattr(type(self), name, None), property):
                # a parametrized tensor (nn.utils.parametrize): PyTorch refuses a Parameter
                raise KeyError(f"attribute '{name}' already exists")
            modules.pop(name, None)
            buffers.pop(name, None)
            if _registration_hooks[1] and params.get(name) is not value:
                value = _registered(1, self, name, value)
            params[name] = value
        elif name in params:  # PyTorch's order: a parameter's name takes a Parameter or None
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} to parameter {name!r} "
                    "(expected a Parameter or None)"
                )
            params[name] = None
        elif isinstance(value, Module):
            buffers.pop(name, None)
            if _registration_hooks[2] and modules.get(name) is not value:
                value = _registered(2, self, name, value)
            modules[name] = value
        elif name in buffers:
            if value is not None and not isinstance(value, (Tensor, numpy.ndarray)):
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                    "(a Tensor, a NumPy array or None expected)"
                )
            if value is not None and not isinstance(value, Tensor):
                value = Tensor._wrap(value)
            if _registration_hooks[0] and value is not None and buffers.get(name) is not value:
                value = _registered(0, self, name, value)
            buffers[name] = value
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} to sub-module {name!r}")
            modules[name] = None
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        d = self.__dict__
        registered = False
        for reg in _REGISTRIES:
            if name in d[reg]:
                d[reg].pop(name)  # the attribute goes with the entry
                registered = True
        if not registered:
            object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (or a ``None`` placeholder, e.g. ``bias=False``) as ``name``."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        _check_name("parameter", self, name, self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                "(nn.Parameter or None required; wrap a tensor as nn.Parameter(t))"
            )
        if param is None:  # no registration hook sees a placeholder (PyTorch's)
            self._parameters[name] = None
            object.__setattr__(self, name, None)
        else:
            setattr(self, name, param)

    def register_buffer(self, name: str, tensor: Any, persistent: bool = True) -> None:
        """Register state that is not learned (``running_mean``); persistent buffers are part
        of ``state_dict``."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        _check_name("buffer", self, name, self._buffers)
        if tensor is not None and not isinstance(tensor, (Tensor, numpy.ndarray)):
            raise TypeError(
                f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                "(a Tensor, a NumPy array or None required)"
            )
        if tensor is not None and not isinstance(tensor, Tensor):
            tensor = Tensor._wrap(tensor)
        if _registration_hooks[0] and tensor is not None and self._buffers.get(name) is not tensor:
            # (a None placeholder, which layers register before their buffers, is not shown)
            tensor = _registered(0, self, name, tensor)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)
        object.__setattr__(self, name, tensor)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` as the sub-module ``name``."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {type(module).__name__} is not a Module")
        _check_name("module", self, name, self._modules)
        if _registration_hooks[2]:
            module = _registered(2, self, name, module)
        self._modules[name] = module
        object.__setattr__(self, name, module)

    def register_module(self, name: str, module: Module | None) -> None:
        """Alias for :meth:`add_module`."""
        self.add_module(name, module)

    # ---- running ------------------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if args and type(args[0]) is numpy.ndarray:  # model(array) works, as in Keras
            args = (Tensor._wrap(args[0]), *args[1:])
        hooks = self.__dict__.get("_dg_hooks")
        if hooks is None and not _global_hooks:
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs, hooks)

    def _call_with_hooks(self, args: tuple, kwargs: dict, hooks: Any) -> Any:
        """PyTorch's ``_call_impl``: the global hooks before this module's; forward hooks
        registered with ``always_call=True`` also run when forward (or a hook) raises."""
        if _global_hooks:
            entries = list(_global_hooks.items())
        elif not any(hooks):  # every hook was removed
            return self.forward(*args, **kwargs)
        else:
            entries = []
        if hooks is not None:
            for kind, per_kind in zip(_HOOK_KINDS, hooks):
                entries += [(hid, (kind, hook)) for hid, hook in per_kind.items()]
        d = self.__dict__
        kw = d.get("_dg_hooks_kwargs", {})
        always = d.get("_dg_hooks_always", {})
        result = None
        called: set[int] = set()

        def post(hid: int, hook: Callable[..., Any]) -> Any:
            if hid in kw or hid in _global_hooks_kwargs:
                return hook(self, args, kwargs, result)
            return hook(self, args, result)

        try:
            for hid, (kind, hook) in entries:
                if kind != "pre":
                    continue
                if hid in kw:
                    new = hook(self, args, kwargs)
                    if new is not None:
                        if not (isinstance(new, tuple) and len(new) == 2):
                            raise RuntimeError(
                                "forward pre-hook must return None or a tuple "
                                f"of (new_args, new_kwargs), but got {new}."
                            )
                        args, kwargs = new
                else:
                    new = hook(self, args)
                    if new is not None:
                        args = new if isinstance(new, tuple) else (new,)
            bw_hooks = [h for _, (kind, h) in entries if kind == "bw"]
            bw_pre_hooks = [h for _, (kind, h) in entries if kind == "bwpre"]
            bw = _BackwardHook(self, bw_hooks, bw_pre_hooks) if bw_hooks or bw_pre_hooks else None
            if bw is not None:
                args = bw.setup_input_hook(args)
            result = self.forward(*args, **kwargs)
            for hid, (kind, hook) in entries:
                if kind == "post":
                    if hid in always or hid in _global_hooks_always:
                        called.add(hid)
                    new = post(hid, hook)
                    if new is not None:
                        result = new
            if bw is not None:
                if not isinstance(result, (Tensor, tuple)):
                    warnings.warn(
                        "For backward hooks to be called, module output should be a Tensor or "
                        f"a tuple of Tensors but received {type(result)}",
                        UserWarning,
                        stacklevel=3,
                    )
                result = bw.setup_output_hook(result)
            return result
        except Exception:
            for hid, (kind, hook) in entries:
                if kind != "post" or hid in called:
                    continue
                if hid not in always and hid not in _global_hooks_always:
                    continue
                try:
                    new = post(hid, hook)
                    if new is not None:
                        result = new
                except Exception as e:
                    glob = "global " if hid in _global_hooks else ""
                    warnings.warn(
                        f"{glob}module forward hook with ``always_call=True`` raised an "
                        f"exception that was silenced as another error was raised in forward: "
                        f"{e}",
                        stacklevel=3,
                    )
            raise

    # ---- hooks (PyTorch's) --------------------------------------------------------------------
    def _add_hook(
        self,
        kind: str,
        hook: Callable[..., Any],
        prepend: bool = False,
        with_kwargs: bool = False,
        always_call: bool = False,
    ) -> RemovableHandle:
        if not callable(hook):
            raise TypeError(f"a hook must be callable, got {type(hook).__name__}")
        d = self.__dict__
        hooks = self._hook_dicts()[_HOOK_KINDS.index(kind)]
        kw = d.setdefault("_dg_hooks_kwargs", {})
        always = d.setdefault("_dg_hooks_always", {})
        handle = RemovableHandle(hooks, extra_dict=[kw, always])
        hooks[handle.id] = hook
        if with_kwargs:
            kw[handle.id] = True
        if always_call:
            always[handle.id] = True
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    def _hook_dicts(self) -> list[OrderedDict]:
        """This module's hooks, ``handle id -> hook``, one dict per kind (``_HOOK_KINDS``),
        made on first use: a module that never had one is called without looking further."""
        hooks = self.__dict__.get("_dg_hooks")
        if hooks is None:
            hooks = self.__dict__["_dg_hooks"] = [OrderedDict() for _ in _HOOK_KINDS]
        return hooks

    def _set_hook_dict(self, kind: str, value: Any) -> None:
        if not isinstance(value, dict):
            raise TypeError(
                f"a module's hooks are a dict (an OrderedDict of handle id -> hook), "
                f"got {type(value).__name__}"
            )
        self._hook_dicts()[_HOOK_KINDS.index(kind)] = value

    # PyTorch's attributes (scripts read them: ``len(model._forward_hooks)``)
    _forward_pre_hooks = property(
        lambda self: self._hook_dicts()[0], lambda self, v: self._set_hook_dict("pre", v)
    )
    _forward_hooks = property(
        lambda self: self._hook_dicts()[1], lambda self, v: self._set_hook_dict("post", v)
    )
    _backward_hooks = property(
        lambda self: self._hook_dicts()[2], lambda self, v: self._set_hook_dict("bw", v)
    )
    _backward_pre_hooks = property(
        lambda self: self._hook_dicts()[3], lambda self, v: self._set_hook_dict("bwpre", v)
    )

    def register_forward_pre_hook(
        self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, args)`` before every ``forward``; a non-None result (a tuple,
        or one value) replaces the positional inputs. With ``with_kwargs=True`` it is
        ``hook(module, args, kwargs)`` and may return ``(new_args, new_kwargs)``;
        ``prepend=True`` runs it before the hooks already registered. Returns a handle whose
        ``remove()`` unregisters the hook (also usable as a ``with`` block)."""
        return self._add_hook("pre", hook, prepend, with_kwargs)

    def register_forward_hook(
        self,
        hook: Callable[..., Any],
        *,
        prepend: bool = False,
        with_kwargs: bool = False,
        always_call: bool = False,
    ) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after every ``forward`` (e.g. to record a
        layer's activations); a non-None result replaces the output. With
        ``with_kwargs=True`` it is ``hook(module, args, kwargs, output)``; ``prepend=True``
        runs it before the hooks already registered; ``always_call=True`` runs it even when
        forward raises (the error is raised after it). Returns a handle whose ``remove()``
        unregisters it."""
        return self._add_hook("post", hook, prepend, with_kwargs, always_call)

    def register_full_backward_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` once per forward call, during
        backward, when the gradients with respect to the module's positional inputs have been
        computed (e.g. Grad-CAM's gradients of a layer). Both are tuples with one entry per
        positional input / output (``None`` for non-tensors and for outputs that received no
        gradient); a non-None result, a tuple of the same length, replaces ``grad_input``.
        When no input requires grad it fires with the output gradients and ``grad_input``
        all ``None`` (warned, as PyTorch). As in PyTorch, ``forward`` then receives, and the
        caller gets, new tensors sharing the inputs' / outputs' memory, which may not be
        modified in place. Returns a handle whose ``remove()`` unregisters it."""
        return self._add_hook("bw", hook, prepend)

    def register_full_backward_pre_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, grad_output)`` during backward as soon as the gradients with
        respect to the module's outputs are known (one entry per output, ``None`` for
        non-tensors and outputs without a gradient); a non-None result of the same length
        replaces ``grad_output`` for the rest of the pass. Returns a handle whose
        ``remove()`` unregisters it."""
        return self._add_hook("bwpre", hook, prepend)

    def register_backward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """PyTorch's deprecated module backward hook: not supported (its ``grad_input`` is
        the gradients of whichever autograd node made the output, which depends on
        PyTorch's internal graph); use :meth:`register_full_backward_hook`."""
        raise NotImplementedError(
            "register_backward_hook (deprecated in PyTorch) is not supported: its grad_input "
            "depends on PyTorch's internal autograd nodes; use register_full_backward_hook, "
            "whose grad_input is the gradient with respect to the module's inputs"
        )

    # ---- traversal ------------------------------------------------------------------------
    def named_modules(
        self, memo: set | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """``(name, module)`` for this module and every descendant, depth first; a module
        registered twice is listed once unless ``remove_duplicate=False`` (PyTorch's)."""
        if memo is None:
            memo = set()
        if self in memo:
            return
        if remove_duplicate:
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            sub = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, sub, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """``(name, child)``; a child registered under two names is listed once."""
        memo: set = set()
        for n, c in self._modules.items():
            if c is not None and c not in memo:
                memo.add(c)
                yield n, c

    def children(self) -> Iterator[Module]:
        for _, c in self.named_children():
            yield c

    def _named_members(
        self, registry: str, prefix: str, recurse: bool, remove_duplicate: bool
    ) -> Iterator[tuple[str, Any]]:
        memo: set[int] = set()
        mods = (
            self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
            if recurse
            else [(prefix, self)]
        )
        for mname, m in mods:
            for n, v in m.__dict__[registry].items():
                if v is None or id(v) in memo:
                    continue
                if remove_duplicate:
                    memo.add(id(v))
                yield (f"{mname}.{n}" if mname else n), v

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """``(name, parameter)`` in registration order; shared parameters appear once unless
        ``remove_duplicate=False``."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target: str) -> Module:
        """The sub-module at the dotted path ``target`` (``"encoder.layers.0"``; ``""`` is
        this module)."""
        m: Module = self
        if not target:
            return m
        walked = []
        for part in target.split("."):
            child = m._modules.get(part)
            if child is None:
                where = ".".join(walked) or type(self).__name__
                raise AttributeError(
                    f"{where} has no sub-module {part!r}; its sub-modules are "
                    f"{sorted(k for k, v in m._modules.items() if v is not None)}"
                )
            walked.append(part)
            m = child
        return m

    def set_submodule(self, target: str, module: Module, strict: bool = False) -> None:
        """Put ``module`` at the dotted path ``target`` (``"encoder.layers.0"``), replacing
        the sub-module there or adding it (``strict=True``: only replacing), PyTorch's."""
        if target == "":
            raise ValueError("Cannot set the submodule without a target name!")
        if not isinstance(module, Module):
            raise ValueError(f"`module` is not an nn.Module, found {type(module)}")
        *path, name = target.split(".")
        parent = self.get_submodule(".".join(path))
        if strict and not hasattr(parent, name):
            raise AttributeError(f"{parent._get_name()} has no attribute `{name}`")
        if hasattr(parent, name) and not isinstance(getattr(parent, name), Module):
            raise AttributeError(f"`{name}` is not an nn.Module")
        setattr(parent, name, module)

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at the dotted path ``target`` (``"fc.weight"``)."""
        mod_path, _, name = target.rpartition(".")
        m = self.get_submodule(mod_path)
        if name not in m._parameters or m._parameters[name] is None:
            raise AttributeError(
                f"{mod_path or type(self).__name__} has no parameter {name!r}; its parameters "
                f"are {sorted(m._parameters)}"
            )
        return m._parameters[name]

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at the dotted path ``target`` (``"bn.running_mean"``)."""
        mod_path, _, name = target.rpartition(".")
        m = self.get_submodule(mod_path)
        if name not in m._buffers or m._buffers[name] is None:
            raise AttributeError(
                f"{mod_path or type(self).__name__} has no buffer {name!r}; its buffers "
                f"are {sorted(k for k, v in m._buffers.items() if v is not None)}"
            )
        return m._buffers[name]

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call ``fn`` on every sub-module (children first) and on ``self``."""
        for c in self.children():
            c.apply(fn)
        fn(self)
        return self

    # ---- modes and gradients ----------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Training mode (dropout active, batch norm uses batch statistics), set on this
        module and, through each child's own ``train``, on every descendant."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.__dict__["training"] = mode
        for m in self.children():
            m.train(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode (dropout off, batch norm uses running statistics)."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Freeze (``False``) or unfreeze every parameter, e.g. for transfer learning
        (a Python bool, as PyTorch's ``requires_grad_`` takes it)."""
        if requires_grad is not True and requires_grad is not False:
            bool_arg(requires_grad, "requires_grad_", "requires_grad", 1)
        for p in self.parameters():
            if is_lazy(p):  # PyTorch's ValueError: a placeholder has no requires_grad_ yet
                p.requires_grad_(requires_grad)
            p.requires_grad = requires_grad
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Set every parameter's ``.grad`` to None (PyTorch's default), or to zeros with
        ``set_to_none=False``."""
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:  # the same gradient tensor, zeroed (PyTorch's in-place zero_)
                p.grad._data = backend.xp.zeros_like(p.grad._data)

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """PyTorch's ``Module.to``, in place, with ``Tensor.to``'s three forms less ``copy``:
        ``to(dtype)`` casts the floating and complex parameters and buffers (integer ones
        keep their dtype; ``model.to(dg.float64)`` before a gradient check), ``to(device)``
        moves them all (``"cpu"``; ``"cuda"`` through CuPy), ``to(device, dtype)`` both,
        ``to(tensor)`` to its device and dtype; ``non_blocking`` is accepted;
        ``memory_format=`` lays out the 4-d (``channels_last``) or 5-d parameters. Gradients
        go with their parameters. As PyTorch: ``copy`` (even ``False``) is a
        ``RuntimeError``, a dtype that is neither floating nor complex a ``TypeError``, a
        complex dtype warns (complex modules are new there)."""
        dev, dtype, _, fmt = _to_arguments(args, kwargs)
        if "copy" in kwargs or _copy_given(args):
            raise RuntimeError(
                ".to() does not accept copy argument (Module.to converts the parameters and "
                "buffers in place; copy.deepcopy(module).to(...) for a converted copy)"
            )
        if dtype is not None:
            dtype = numpy.dtype(dtype)
            if dtype.kind not in "fc":
                raise TypeError(
                    "nn.Module.to only accepts floating point or complex dtypes, but got "
                    f"desired dtype={dtype} (integer parameters and buffers keep their dtype "
                    "under to(float64))"
                )
            if dtype.kind == "c":
                warnings.warn(
                    "Complex modules are a new feature under active development whose design "
                    "may change, and some modules might not work as expected when using "
                    "complex tensors as parameters or buffers (PyTorch's warning)",
                    UserWarning,
                    stacklevel=2,
                )
        tensors = [
            t for m in self.modules() for r in (m._parameters, m._buffers) for t in r.values()
        ]
        tensors = [t for t in tensors if t is not None]
        if dtype is not None and dtype.kind == "f" and any(t.dtype.kind == "c" for t in tensors):
            warnings.warn(
                "Casting complex values to real discards the imaginary part",
                UserWarning,
                stacklevel=2,
            )
        with warnings.catch_warnings():  # NumPy's ComplexWarning: the one above says it
            warnings.simplefilter("ignore", numpy.exceptions.ComplexWarning)
            return self._apply(lambda t: Tensor._wrap(_converted_array(t, dev, dtype, fmt)))

    def _apply(self, fn: Callable[[Tensor], Tensor], recurse: bool = True) -> Module:
        """``fn(t)`` (a tensor for a tensor) applied to every parameter, its gradient and
        every buffer, children first (through their own ``_apply``), in place: a parameter or
        buffer stays the same object and takes the new values. PyTorch's hook for ``to``,
        ``float``, ``double``, ``half``, ``type``, ``cpu`` and ``cuda``, which go through it,
        so a subclass that overrides it (moving a cached tensor too) sees each of them."""
        if recurse:
            for child in self.children():
                child._apply(fn)
        with autograd.no_grad():
            for reg in (self._parameters, self._buffers):
                for t in reg.values():
                    if t is None:
                        continue
                    t._data = fn(t)._data
                    if t.grad is not None:  # PyTorch converts the gradient with it
                        t.grad._data = fn(t.grad)._data
        return self

    def cpu(self) -> Module:
        return self.to("cpu")

    def type(self, dst_type: Any) -> Module:
        """Every parameter and buffer (integer ones too) and gradient cast to ``dst_type``
        (a dtype or a type name, ``Tensor.type``'s), in place; PyTorch's ``Module.type``. A
        parameter that requires grad must stay floating or complex (its RuntimeError)."""

        def cast(t: Tensor) -> Tensor:
            new = Tensor._wrap(t._data).type(dst_type)
            if isinstance(t, Parameter) and t.requires_grad and new.dtype.kind not in "fc":
                raise RuntimeError(
                    "data set to a tensor that requires gradients must be floating point or "
                    f"complex dtype (Module.type({dst_type!r}) of a parameter)"
                )
            return new

        return self._apply(cast)

    def cuda(self, device: Any = None) -> Module:
        return self.to("cuda" if device is None else devices.device("cuda", device))

    def double(self) -> Module:
        """The floating parameters and buffers (and gradients) as float64; complex and
        integer ones keep their dtype (PyTorch's, unlike ``to(float64)`` for complex ones)."""
        return self._cast_floating(numpy.dtype(numpy.float64))

    def half(self) -> Module:
        """The floating parameters and buffers as float16 (complex ones stay complex)."""
        return self._cast_floating(numpy.dtype(numpy.float16))

    def bfloat16(self) -> Module:
        """PyTorch's cast to bfloat16, which NumPy (hence deepgrad) does not have: the
        ``TypeError`` of ``to(dg.bfloat16)``, naming the dtype to use instead."""
        return self.to(bfloat16)

    def float(self) -> Module:
        """The floating parameters and buffers as float32 (complex ones stay complex)."""
        return self._cast_floating(numpy.dtype(numpy.float32))

    def _cast_floating(self, dtype: numpy.dtype) -> Module:
        return self._apply(
            lambda t: (
                Tensor._wrap(_converted_array(t, None, dtype, None)) if t.dtype.kind == "f" else t
            )
        )

    # ---- state ------------------------------------------------------------------------------
    def _state_entries(self, prefix: str = "") -> Iterator[tuple[str, Module, str, Tensor]]:
        """``(key, owner, name, tensor)`` for every parameter and persistent buffer, in
        PyTorch's ``state_dict`` order: a module's parameters, its buffers, then its children
        (a module or tensor registered under two names appears under both, as in PyTorch)."""
        for n, p in self._parameters.items():
            if p is not None:
                yield prefix + n, self, n, p
        for n, b in self._buffers.items():
            if b is not None and n not in self._non_persistent:
                yield prefix + n, self, n, b
        for n, c in self._modules.items():
            if c is not None:
                yield from c._state_entries(prefix + n + ".")

    def state_dict(
        self, *args: Any, destination: Any = None, prefix: str = "", keep_vars: bool = False
    ) -> Any:
        """Parameters and persistent buffers by name, PyTorch's contract: an ``OrderedDict``
        whose values are detached tensors *sharing memory* with them (an in-place change of a
        value, ``v.copy_(...)`` or ``v *= d`` as EMA code does, changes the module, and later
        training shows in the values; take ``copy.deepcopy(sd)`` or ``{k: v.clone() ...}``
        for a snapshot). ``keep_vars=True`` gives the parameters and buffers themselves.
        ``prefix`` starts every key; ``destination`` (a mapping) is filled and returned. The
        dict's ``_metadata`` maps each module's prefix to ``{"version": module._version}``."""
        if args:  # PyTorch's deprecated positional (destination, prefix, keep_vars)
            if len(args) > 3:
                raise TypeError(f"state_dict takes at most 3 positional arguments, got {len(args)}")
            warnings.warn(
                "Positional args are being deprecated, use kwargs instead. Refer to "
                "https://pytorch.org/docs/main/generated/torch.nn.Module.html"
                "#torch.nn.Module.state_dict for details.",
                FutureWarning,
                stacklevel=2,
            )
            if destination is None:
                destination = args[0]
            if len(args) > 1 and prefix == "":
                prefix = args[1]
            if len(args) > 2 and keep_vars is False:
                keep_vars = args[2]
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()  # type: ignore[attr-defined]
        local_metadata = {"version": self._version}
        if hasattr(destination, "_metadata"):
            destination._metadata[prefix[:-1]] = local_metadata
        hooks = self.__dict__.get("_dg_state_hooks")
        for hook in list(hooks[0].values()) if hooks else ():
            hook(self, prefix, keep_vars)
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, child in self._modules.items():
            if child is not None:
                child.state_dict(
                    destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars
                )
        public = self.__dict__.get("_dg_public_state_hooks", {})
        for hid, hook in list(hooks[1].items()) if hooks else ():
            result = hook(self, destination, prefix, local_metadata)
            if hid in public and result is not None:
                raise RuntimeError("state_dict post-hook must return None")
            if result is not None:  # the private _register_state_dict_hook's replacement
                destination = result
        return destination

    def _save_to_state_dict(self, destination: Any, prefix: str, keep_vars: bool) -> None:
        """This module's own parameters, then its persistent buffers, into ``destination``
        (PyTorch's hook point: not its children's)."""
        for n, p in self._parameters.items():
            if p is not None:  # a lazy layer's placeholder is listed itself, as PyTorch's
                destination[prefix + n] = p if keep_vars or is_lazy(p) else p.detach()
        for n, b in self._buffers.items():
            if b is not None and n not in self._non_persistent:
                destination[prefix + n] = b if keep_vars or is_lazy(b) else b.detach()
        if type(self).get_extra_state is not Module.get_extra_state:
            destination[prefix + _EXTRA_STATE] = self.get_extra_state()

    def get_extra_state(self) -> Any:
        """Extra state for ``state_dict`` (its key ``"_extra_state"``): a module that
        overrides this (and :meth:`set_extra_state`) saves what it returns; PyTorch's
        protocol. Not overridden, it is never called (PyTorch's RuntimeError if it is)."""
        raise RuntimeError(
            "Reached a code path in Module.get_extra_state() that should never be called "
            "(override get_extra_state and set_extra_state together)"
        )

    def set_extra_state(self, state: Any) -> None:
        """Take back what :meth:`get_extra_state` returned, from ``load_state_dict``."""
        raise RuntimeError(
            "Reached a code path in Module.set_extra_state() that should never be called "
            "(override get_extra_state and set_extra_state together)"
        )

    def _extra_state_entries(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """``(key, module)`` for every module whose class overrides ``set_extra_state``, in
        ``state_dict`` order (a module under two names under both)."""
        if type(self).set_extra_state is not Module.set_extra_state:
            yield prefix + _EXTRA_STATE, self
        for n, c in self._modules.items():
            if c is not None:
                yield from c._extra_state_entries(prefix + n + ".")

    # ---- state-dict hooks (PyTorch's) ---------------------------------------------------------
    def _state_hooks(self, i: int) -> OrderedDict:
        """The state-dict hooks of kind ``i`` (``state_dict`` pre, post; ``load_state_dict``
        pre, post), ``handle id -> hook``, made on first use."""
        hooks = self.__dict__.get("_dg_state_hooks")
        if hooks is None:
            hooks = self.__dict__["_dg_state_hooks"] = [OrderedDict() for _ in range(4)]
        return hooks[i]

    _state_dict_pre_hooks = property(lambda self: self._state_hooks(0))
    _state_dict_hooks = property(lambda self: self._state_hooks(1))
    _load_state_dict_pre_hooks = property(lambda self: self._state_hooks(2))
    _load_state_dict_post_hooks = property(lambda self: self._state_hooks(3))

    def _add_state_hook(self, i: int, hook: Callable[..., Any], stored: Any = None) -> Any:
        if not callable(hook):
            raise TypeError(f"a hook must be callable, got {type(hook).__name__}")
        hooks = self._state_hooks(i)
        public = self.__dict__.setdefault("_dg_public_state_hooks", {})
        handle = RemovableHandle(hooks, extra_dict=public)
        hooks[handle.id] = hook if stored is None else stored
        return handle

    def register_state_dict_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(module, prefix, keep_vars)`` before ``state_dict`` saves this module."""
        return self._add_state_hook(0, hook)

    def register_state_dict_post_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(module, state_dict, prefix, local_metadata)`` after ``state_dict`` saved
        this module and its children; it edits ``state_dict`` in place and returns None
        (PyTorch's RuntimeError otherwise)."""
        handle = self._add_state_hook(1, hook)
        self.__dict__["_dg_public_state_hooks"][handle.id] = True
        return handle

    def _register_state_dict_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """PyTorch's private post-hook: as :meth:`register_state_dict_post_hook`, but a
        returned mapping replaces the state dict."""
        public = self.__dict__.get("_dg_public_state_hooks", {})
        if any(self._state_hooks(1)[i] is hook for i in public if i in self._state_hooks(1)):
            raise RuntimeError(
                "Cannot register the same function as the state dict post hook that was "
                "previously registered via register_state_dict_post_hook"
            )
        return self._add_state_hook(1, hook)

    def register_load_state_dict_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)`` before ``load_state_dict`` loads this module: it may
        rename or convert the entries of ``state_dict`` (those under ``prefix``) in place."""
        return self._add_state_hook(2, hook, _ModuleHook(hook, self))

    def _register_load_state_dict_pre_hook(
        self, hook: Callable[..., Any], with_module: bool = False
    ) -> RemovableHandle:
        """PyTorch's private form: the module is passed first only ``with_module``."""
        return self._add_state_hook(2, hook, _ModuleHook(hook, self if with_module else None))

    def register_load_state_dict_post_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(module, incompatible_keys)`` after ``load_state_dict`` loaded this
        module and its children (children first); the hook may edit
        ``incompatible_keys.missing_keys`` / ``.unexpected_keys`` in place before ``strict``
        reads them, and returns None."""
        return self._add_state_hook(3, hook)

    def _state_tensors(self) -> OrderedDict[str, Tensor]:
        return OrderedDict((k, t) for k, _, _, t in self._state_entries())

    def load_state_dict(
        self, state_dict: Any, strict: bool = True, assign: bool = False
    ) -> _IncompatibleKeys:
        """Copy values into parameters and buffers by name; returns PyTorch's named tuple
        ``_IncompatibleKeys(missing_keys, unexpected_keys)`` (so ``missing, unexpected =
        model.load_state_dict(sd, strict=False)`` works as in PyTorch).

        Values may be NumPy arrays, deepgrad tensors, or anything with ``.numpy()`` /
        ``__array__`` (a PyTorch tensor). Every problem is collected into one
        :class:`StateDictError` (PyTorch's ``RuntimeError``): missing and unexpected keys
        with ``strict``, and shape mismatches always, naming the key and both shapes; the
        module is left unchanged then. ``assign=True`` makes each parameter (or buffer) the
        given tensor, with its dtype (a parameter keeps its ``requires_grad``), instead of
        copying into it.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        metadata = getattr(state_dict, "_metadata", None) or {}
        if any(
            type(m)._load_from_state_dict is not Module._load_from_state_dict
            for m in self.modules()
        ):
            return _load_by_modules(self, state_dict, metadata, strict, assign)
        missing: list[str] = []
        unexpected: list[str] = []
        errors: list[str] = []
        if _any_state_hooks(self, 2):  # they may rename or convert entries first
            state_dict = _run_load_pre_hooks(
                self, state_dict, metadata, missing, unexpected, errors
            )
        # lazy layers not built yet take their input size from the state dict, as PyTorch's
        # lazy modules do when loaded before their first call
        for prefix, mod in self.named_modules():
            size_from_state = getattr(mod, "_size_from_state", None)
            if size_from_state is not None:
                size_from_state(prefix + "." if prefix else "", state_dict)
        entries = list(self._state_entries())
        extras = list(self._extra_state_entries())
        own = {k for k, *_ in entries} | {k for k, _ in extras}
        missing += [
            k
            for k, owner, name, _ in entries
            if k not in state_dict and not owner._may_be_missing(name, k, metadata)
        ]
        missing += [k for k, _ in extras if k not in state_dict]
        unexpected += [k for k in state_dict if k not in own]
        post_hooks = _any_state_hooks(self, 3)  # they see the keys before strict does
        if strict and (missing or unexpected) and not post_hooks:
            errors.append(f"missing keys {missing}, unexpected keys {unexpected}")
        values = {}
        for k, _, _, t in entries:
            if k not in state_dict:
                continue
            v = state_dict[k]
            if _uninitialized(v, t):  # both placeholders: nothing to load, as PyTorch
                continue
            v = foreign_to_numpy(v)  # a torch tensor
            arr = v._data if isinstance(v, Tensor) else numpy.asarray(v)
            if tuple(arr.shape) != tuple(t.shape):
                errors.append(
                    f"{k!r} has shape {tuple(arr.shape)} in the state dict but "
                    f"{tuple(t.shape)} in the model"
                )
            values[k] = arr
        if errors:
            raise StateDictError(f"load_state_dict for {type(self).__name__}: " + "; ".join(errors))
        for k, owner, name, t in entries:
            if k in values:
                _load_one(owner, name, t, values[k], assign)
        for k, owner in extras:
            if k in state_dict:
                owner.set_extra_state(state_dict[k])
        result = _IncompatibleKeys(missing, unexpected)
        if post_hooks:
            _run_load_post_hooks(self, result)
            if strict and (missing or unexpected):
                raise StateDictError(
                    f"load_state_dict for {type(self).__name__}: missing keys {missing}, "
                    f"unexpected keys {unexpected}"
                )
        return result

    def _load_from_state_dict(
        self, state_dict: Mapping, prefix: str, local_metadata: dict, strict: bool,
        missing_keys: list, unexpected_keys: list, error_msgs: list,
    ) -> None:  # fmt: skip
        """PyTorch's per-module load, which a subclass overrides (to rename or convert its old
        entries, then ``super()._load_from_state_dict(...)``): this module's
        ``load_state_dict`` pre-hooks, then its own parameters, persistent buffers and extra
        state from ``state_dict[prefix + name]``, each missing key, unexpected key (under
        ``prefix``, of no entry or child) and problem appended to the lists given. When a
        class overrides it, ``load_state_dict`` walks the modules as PyTorch does (a value
        that fits is loaded even where another key fails)."""
        hooks = self.__dict__.get("_dg_state_hooks")
        for hook in list(hooks[2].values()) if hooks else ():
            hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                 error_msgs)  # fmt: skip
        assign = local_metadata.get("assign_to_params_buffers", False)
        own = [(n, p) for n, p in self._parameters.items() if p is not None]
        own += [(n, b) for n, b in self._buffers.items()
                if b is not None and n not in self._non_persistent]  # fmt: skip
        for name, t in own:
            key = prefix + name
            if key not in state_dict:
                if strict and not self._may_be_missing(name, key, {prefix[:-1]: local_metadata}):
                    missing_keys.append(key)
                continue
            v = state_dict[key]
            if _uninitialized(v, t):
                continue
            v = foreign_to_numpy(v)
            if not isinstance(v, (Tensor, numpy.ndarray)) and not hasattr(v, "__array__"):
                error_msgs.append(
                    f'While copying the parameter named "{key}", expected torch.Tensor or '
                    f"Tensor-like object from checkpoint but received {type(v)}"
                )
                continue
            arr = v._data if isinstance(v, Tensor) else numpy.asarray(v)
            if tuple(arr.shape) != tuple(t.shape):
                error_msgs.append(
                    f"size mismatch for {key}: copying a param with shape {tuple(arr.shape)} "
                    f"from checkpoint, the shape in current model is {tuple(t.shape)}."
                )
                continue
            _load_one(self, name, t, arr, assign)
        extra = prefix + _EXTRA_STATE
        if type(self).set_extra_state is not Module.set_extra_state:
            if extra in state_dict:
                self.set_extra_state(state_dict[extra])
            elif strict:
                missing_keys.append(extra)
        elif strict and extra in state_dict:
            unexpected_keys.append(extra)
        if strict:
            names = {n for n, _ in own} | set(self._modules)
            for key in state_dict:
                if key.startswith(prefix) and key != extra:
                    if key[len(prefix) :].split(".", 1)[0] not in names:
                        unexpected_keys.append(key)

    def _may_be_missing(self, name: str, key: str, metadata: Mapping) -> bool:
        """Whether this module's entry ``name`` (``key`` in a state dict with ``metadata``)
        may be absent from a loaded state dict, keeping its value (PyTorch's
        ``_load_from_state_dict`` hook; batch norms: an old checkpoint's
        ``num_batches_tracked``)."""
        return False

    def share_memory(self) -> Module:
        """PyTorch's ``share_memory``: each parameter's and buffer's ``share_memory_()``
        (:mod:`deepgrad.shared_memory`: child processes then update this module's values,
        Hogwild); returns the module."""
        for t in (*self.parameters(), *self.buffers()):
            t.share_memory_()
        return self

    def to_empty(self, *, device: Any, recurse: bool = True) -> Module:
        """PyTorch's ``to_empty``: every parameter and buffer replaced by a new array of its
        shape and dtype on ``device``, its values not copied (zeros here, where PyTorch's are
        uninitialized: README); parameters keep ``requires_grad``. Returns the module."""
        dev = devices.device(device) if device is not None else None
        mods = self.modules() if recurse else (self,)
        for mod in mods:
            for store in (mod._parameters, mod._buffers):
                for name, t in list(store.items()):
                    if t is None:
                        continue
                    fresh = backend.xp.zeros(t.shape, t._data.dtype)
                    new = (
                        Parameter(fresh, requires_grad=t.requires_grad)
                        if isinstance(t, Parameter)
                        else Tensor._wrap(fresh)
                    )
                    if dev is not None:
                        new._data = new.to(dev)._data
                    store[name] = new
                    object.__setattr__(mod, name, new)
        return self

    # ---- display --------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def _get_name(self) -> str:
        """The name ``repr`` prints (PyTorch's hook: the class name)."""
        return type(self).__name__

    def __repr__(self) -> str:
        # PyTorch's layout: a one-line extra_repr stays on the head line; otherwise each
        # extra line and each child on a line of its own
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({k}): {_addindent(repr(c), 2)}" for k, c in self._modules.items()]
        lines = extra_lines + child_lines
        main = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main += extra_lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()))

    def _reset_modules(self, items: list[tuple[str, Module | None]]) -> None:
        """Replace the sub-modules by ``items`` (the containers' insert/delete renumbering)."""
        for k in self._modules:
            self.__dict__.pop(k, None)
        self._modules.clear()
        for k, m in items:
            self._modules[k] = m
            object.__setattr__(self, k, m)


def _copy_given(args: tuple) -> bool:
    """Whether ``Module.to``'s positional arguments reach ``copy``: the fourth after a device,
    the third after a dtype or a tensor (``Tensor.to``'s forms, which PyTorch parses)."""
    if len(args) != 3:
        return len(args) == 4
    first = args[0]
    return isinstance(first, (Tensor, bool, float, complex, AbsentDtype)) or devices.is_dtype(first)


def _converted_array(t: Tensor, dev: Any, dtype: Any, fmt: Any) -> Any:
    """``t``'s array as ``Module.to`` converts it (PyTorch's ``convert``): moved to ``dev``,
    cast to ``dtype`` where ``t`` is floating or complex, laid out in ``fmt`` where ``t`` is
    4-d or 5-d."""
    if dtype is not None and t.dtype.kind not in "fc":
        dtype = None
    if fmt is not None and t.ndim not in (4, 5):
        fmt = None
    return _converted(Tensor._wrap(t._data), dev, dtype, False, fmt)._data


#: the key of a module's extra state in a state dict (PyTorch's ``_EXTRA_STATE_KEY_SUFFIX``)
_EXTRA_STATE = "_extra_state"


class _ModuleHook:
    """A ``load_state_dict`` pre-hook as stored (PyTorch's ``_WrappedHook``): called with
    the module first when registered with it (held weakly)."""

    def __init__(self, hook: Callable[..., Any], module: Module | None) -> None:
        self.hook = hook
        self.module = None if module is None else weakref.ref(module)
        functools.update_wrapper(self, hook, updated=())

    def __call__(self, *args: Any) -> Any:
        if self.module is None:
            return self.hook(*args)
        module = self.module()
        if module is None:
            raise RuntimeError("a load_state_dict pre-hook outlived its module")
        return self.hook(module, *args)


def _any_state_hooks(root: Module, i: int) -> bool:
    """Whether ``root`` or a module below it has state-dict hooks of kind ``i``."""
    for m in root.modules():
        hooks = m.__dict__.get("_dg_state_hooks")
        if hooks and hooks[i]:
            return True
    return False


def _visit(m: Module, prefix: str, post_order: bool = False) -> Iterator[tuple[Module, str]]:
    """``(module, prefix)`` as ``load_state_dict`` walks them (PyTorch's ``load``: a module
    under two names twice)."""
    if not post_order:
        yield m, prefix
    for n, c in m._modules.items():
        if c is not None:
            yield from _visit(c, prefix + n + ".", post_order)
    if post_order:
        yield m, prefix


def _run_load_pre_hooks(
    root: Module, state_dict: Mapping, metadata: Mapping, missing: list, unexpected: list,
    errors: list,
) -> OrderedDict:  # fmt: skip
    """A copy of ``state_dict`` after each module's ``load_state_dict`` pre-hooks (parents
    first) edited its part, the entries under the module's prefix (PyTorch passes a child
    those; what its hooks rename, add or drop there counts for the load)."""
    sd: OrderedDict = OrderedDict(state_dict)
    for m, prefix in _visit(root, ""):
        hooks = m.__dict__.get("_dg_state_hooks")
        if not hooks or not hooks[2]:
            continue
        local = sd if not prefix else OrderedDict(
            (k, v) for k, v in sd.items() if k.startswith(prefix)
        )  # fmt: skip
        before = set(local)
        for hook in list(hooks[2].values()):  # PyTorch's strict argument there is True
            hook(local, prefix, metadata.get(prefix[:-1], {}), True, missing, unexpected, errors)
        if local is not sd:
            for k in before - set(local):
                del sd[k]
            sd.update(local)
    return sd


def _run_load_post_hooks(root: Module, keys: _IncompatibleKeys) -> None:
    """Each module's ``load_state_dict`` post-hooks, children first (PyTorch's order)."""
    for m, _ in _visit(root, "", post_order=True):
        _run_load_post_hooks_of(m, keys)


def _run_load_post_hooks_of(m: Module, keys: _IncompatibleKeys) -> None:
    hooks = m.__dict__.get("_dg_state_hooks")
    for hook in list(hooks[3].values()) if hooks else ():
        if hook(m, keys) is not None:
            raise AssertionError(
                "Hooks registered with ``register_load_state_dict_post_hook`` are not "
                "expected to return new values, if incompatible_keys need to be modified, "
                "it should be done inplace."
            )


def _load_one(owner: Module, name: str, t: Tensor, arr: Any, assign: bool) -> None:
    """A loaded value into the parameter or buffer ``t`` (``owner``'s ``name``): copied into
    it, or (``assign``) made the entry itself, with its dtype (a parameter keeps
    ``requires_grad``)."""
    if not assign:
        _copy_into(t, arr)
        return
    if isinstance(t, Parameter):
        new = Parameter(backend.xp.asarray(arr), requires_grad=t.requires_grad)
        owner.__dict__["_parameters"][name] = new
    else:
        new = Tensor._wrap(backend.xp.asarray(arr))
        owner.__dict__["_buffers"][name] = new
    object.__setattr__(owner, name, new)


def _load_by_modules(
    root: Module, state_dict: Mapping, metadata: Mapping, strict: bool, assign: bool
) -> _IncompatibleKeys:
    """``load_state_dict`` as PyTorch's ``load`` walks it, for a tree where a class overrides
    ``_load_from_state_dict``: each module's ``_load_from_state_dict`` on the entries under its
    prefix (parents first), its post-hooks after its children's; then ``strict``'s errors."""
    missing: list[str] = []
    unexpected: list[str] = []
    errors: list[str] = []

    def load(module: Module, local: Mapping, prefix: str) -> None:
        meta = dict(metadata.get(prefix[:-1], {}))
        if assign:
            meta["assign_to_params_buffers"] = True
        module._load_from_state_dict(local, prefix, meta, True, missing, unexpected, errors)
        for name, child in module._modules.items():
            if child is not None:
                cp = prefix + name + "."
                load(child, OrderedDict((k, v) for k, v in local.items() if k.startswith(cp)), cp)
        hooks = module.__dict__.get("_dg_state_hooks")
        if hooks and hooks[3]:
            _run_load_post_hooks_of(module, _IncompatibleKeys(missing, unexpected))

    for prefix, mod in root.named_modules():  # lazy layers take their sizes first
        size_from_state = getattr(mod, "_size_from_state", None)
        if size_from_state is not None:
            size_from_state(prefix + "." if prefix else "", state_dict)
    load(root, OrderedDict(state_dict), "")
    if strict and (missing or unexpected):
        errors.insert(0, f"missing keys {missing}, unexpected keys {unexpected}")
    if errors:
        raise StateDictError(f"load_state_dict for {type(root).__name__}: " + "; ".join(errors))
    return _IncompatibleKeys(missing, unexpected)


def _copy_into(t: Tensor, arr: Any) -> None:
    """``load_state_dict``'s write: ``arr``'s values into ``t``'s own memory, cast to its
    dtype (PyTorch's ``param.copy_(value)`` under ``no_grad``: a state dict taken before sees
    the new values, and a graph that saved the old ones refuses its backward pass). Memory
    that cannot be written (a read-only array) is replaced by a copy instead."""
    data = t._data
    if isinstance(data, numpy.ndarray):
        if not data.flags.writeable:
            t._data = backend.xp.asarray(arr, dtype=t.dtype).copy()
            return
        numpy.copyto(data, backend.to_numpy(arr), casting="unsafe")
    else:  # a CuPy array
        backend.xp.copyto(data, backend.xp.asarray(arr), casting="unsafe")
    autograd.note_write(data)


def _uninitialized(value: Any, target: Tensor) -> bool:
    """Whether a state dict's ``value`` for ``target`` is an uninitialized placeholder (a
    lazy layer's, deepgrad's or PyTorch's): True when ``target`` is one too (nothing to
    load); PyTorch's ``RuntimeError`` when ``target`` has its shape."""
    if not is_placeholder(value):
        return False
    if is_lazy(target):
        return True
    raise RuntimeError(_UNINITIALIZED.format(what="shape"))


def state_arrays(module: Any) -> OrderedDict[str, numpy.ndarray]:
    """``module.state_dict()`` as NumPy copies: a snapshot that later training does not change
    (what the saving code, ``EarlyStopping`` and the backups keep; ``state_dict()``'s own
    values share the parameters' memory, as PyTorch's do). A lazy layer's placeholders (not
    built yet) are left out."""
    out: OrderedDict[str, numpy.ndarray] = OrderedDict()
    for k, v in module.state_dict().items():
        if is_lazy(v):  # a lazy layer not built yet: no values to keep
            continue
        a = v._data if isinstance(v, Tensor) else v
        out[k] = numpy.array(backend.to_numpy(a), copy=True)
    return out


def _addindent(s: str, n: int) -> str:
    """Indent every line but the first by ``n`` spaces (blank lines stay empty)."""
    first, *rest = s.split("\n")
    if not rest:
        return s
    return "\n".join([first, *((" " * n + ln) if ln.strip() else "" for ln in rest)])
