"""Containers: ``Sequential``, ``ModuleList``, ``ModuleDict`` (and PyTorch's deprecated
``Container``)."""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..tensor import Tensor
from . import module as _module
from .activation import ReLU
from .linear import Linear
from .module import Module, _addindent
from .pooling import MaxPool1d, MaxPool2d, MaxPool3d


def _abs_index(idx: Any, n: int) -> int:
    """``idx`` as a position in ``[0, n)`` (negative from the end), PyTorch's IndexError
    otherwise."""
    idx = operator.index(idx)
    if not -n <= idx < n:
        raise IndexError(f"index {idx} is out of range")
    return idx + n if idx < 0 else idx


_MAX_POOLS = (MaxPool1d, MaxPool2d, MaxPool3d)


def _plain(m: Module) -> bool:
    """Whether calling ``m`` runs only its class's ``forward``: no hook of its own, no global
    module hook, no ``forward`` set on the instance."""
    d = m.__dict__
    hooks = d.get("_dg_hooks")
    return (hooks is None or not any(hooks)) and not _module._global_hooks and "forward" not in d


def _pool_first(relu: Module, pool: Module, x: Any) -> bool:
    """Whether :class:`Sequential` runs ``ReLU → MaxPool`` (``pool`` one of :data:`_MAX_POOLS`,
    checked by the caller) as ``MaxPool → ReLU``: the same numbers, forward and backward, on
    a quarter of the values (for 2×2 windows).

    ``relu(max(a, b, …)) = max(relu(a), relu(b), …)`` for every float (ReLU is monotone,
    sends every value ≤ 0, -0.0 included, to +0.0 and NaN to NaN; max pooling takes the
    first maximum in window order, which ReLU does not reorder). The gradient reaches the same
    input in both orders: the window's first maximum where it is positive or NaN (ReLU passes
    a NaN output's gradient), and 0 to every input of a window whose maximum is ≤ 0 (ReLU
    passes nothing there, in both orders). Measured (Intel Xeon, two threads): the
    Fashion-MNIST 3-convolution recipe's training step 1.075x (its three ReLUs ran on the
    full convolution outputs, 12.8 MB for the first at batch 128, at memory speed).

    Only for the exact classes, a ReLU without ``inplace`` (which writes into ``x``, a tensor
    the caller may hold), a pool without ``return_indices``, a floating input ``x`` (others
    raise ReLU's error, as written), and when neither module has hooks or an instance
    ``forward`` (whatever they would see or change runs in the written order)."""
    dtype = getattr(x, "dtype", None)
    return (
        dtype is not None
        and getattr(dtype, "kind", None) == "f"
        and not pool.return_indices
        and not relu.inplace
        and _plain(relu)
        and _plain(pool)
    )


def _linear_relu(linear: Module, relu: Module | None, x: Any) -> Any:
    """``relu(linear(x))`` as one node (``nn.Linear._forward_relu``: the same numbers), or
    ``None`` where the two calls must run as written: ``linear`` not exactly a ``Linear``,
    ``relu`` (a ``ReLU`` module; ``None``: the function ``relu``) not exactly a ``ReLU``,
    or either with hooks or an instance ``forward``."""
    if type(linear) is not Linear or not _plain(linear):
        return None
    if relu is not None and (type(relu) is not ReLU or not _plain(relu)):
        return None
    return linear._forward_relu(x)


class Container(Module):
    """PyTorch's deprecated ``nn.Container(**modules)``: a Module holding the given named
    modules (warns as PyTorch does; subclass ``Module`` instead)."""

    def __init__(self, **kwargs: Module) -> None:
        import warnings

        warnings.warn(
            "`nn.Container` is deprecated. All of its functionality is now implemented in "
            "`nn.Module`. Subclass that instead.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__()
        for key, value in kwargs.items():
            self.add_module(key, value)


class Sequential(Module):
    """Modules applied in order: ``Sequential(Linear(4, 8), ReLU(), Linear(8, 2))``.

    Accepts modules as arguments (named ``"0"``, ``"1"``...) or one ``OrderedDict`` of named
    modules. Indexing gives a module (or a ``Sequential`` of the same names for a slice).
    A ``ReLU`` followed by a max pooling layer runs as the pooling then the ReLU, on the
    pooled values (:func:`_pool_first`: the same numbers bit for bit).

    >>> import deepgrad as dg
    >>> net = Sequential(dg.nn.Conv2d(1, 4, 3, padding=1), dg.nn.ReLU(), dg.nn.MaxPool2d(2))
    >>> net(dg.zeros(2, 1, 8, 8)).shape
    (2, 4, 4, 4)
    """

    def __init__(self, *modules: Module | OrderedDict) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, m in modules[0].items():
                self.add_module(name, _check(m, name))
        else:
            for i, m in enumerate(modules):
                self.add_module(str(i), _check(m, str(i)))

    def forward(self, input: Any) -> Any:
        held = None  # a ReLU whose call waits for the next module (see _pool_first)
        linear = None  # a Linear whose call waits for the next module (a ReLU: one node)
        for m in self._modules.values():
            if linear is not None:
                y = _linear_relu(linear, m, input) if type(m) is ReLU else None
                if y is not None:
                    input, linear = y, None
                    continue
                input, linear = linear(input), None
            if held is not None:
                if type(m) in _MAX_POOLS and _pool_first(held, m, input):
                    input, held = held(m(input)), None
                    continue
                input, held = held(input), None
            if type(m) is ReLU:
                held = m
                continue
            if type(m) is Linear:
                linear = m
                continue
            input = m(input)
        if linear is not None:
            input = linear(input)
        return input if held is None else held(input)

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):  # keeps the names, as PyTorch's (model[:i] of named layers)
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[_abs_index(idx, len(self))]

    def __setitem__(self, idx: int, module: Module) -> None:
        """Replace the ``idx``-th module (keeping its name), e.g. to swap a layer."""
        names = list(self._modules)
        name = names[_abs_index(idx, len(names))]
        self.add_module(name, _check(module, name))

    def __delitem__(self, idx: int | slice) -> None:
        """Remove the module(s) at ``idx``; the rest are renamed ``"0"``, ``"1"``... (as
        PyTorch does, named layers included)."""
        items = list(self._modules.items())
        drop = (
            set(range(len(items))[idx]) if isinstance(idx, slice) else {_abs_index(idx, len(items))}
        )
        kept = [m for i, (_, m) in enumerate(items) if i not in drop]
        self._reset_modules([(str(i), m) for i, m in enumerate(kept)])

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __dir__(self) -> list[str]:
        return [k for k in super().__dir__() if not k.isdigit()]

    def __add__(self, other: Any) -> Sequential:
        if not isinstance(other, Sequential):
            raise ValueError(
                "add operator supports only objects of Sequential class, "
                f"but {type(other)} is given."
            )
        ret = Sequential()
        for layer in (*self, *other):
            ret.append(layer)
        return ret

    def __iadd__(self, other: Any) -> Sequential:
        if not isinstance(other, Sequential):
            raise ValueError(
                "add operator supports only objects of Sequential class, "
                f"but {type(other)} is given."
            )
        offset = len(self)
        for i, module in enumerate(list(other)):
            self.add_module(str(i + offset), module)
        return self

    def _times(self, other: Any) -> int:
        if not isinstance(other, int) or isinstance(other, bool):
            raise TypeError(f"unsupported operand type(s) for *: {type(self)} and {type(other)}")
        if other <= 0:
            raise ValueError(f"Non-positive multiplication factor {other} for {type(self)}")
        return other

    def __mul__(self, other: int) -> Sequential:
        """The same modules (not copies) ``other`` times over, as PyTorch's."""
        combined = Sequential()
        for _ in range(self._times(other)):
            for module in self:
                combined.append(module)
        return combined

    __rmul__ = __mul__

    def __imul__(self, other: int) -> Sequential:
        mods = list(self)
        for _ in range(self._times(other) - 1):
            for module in mods:
                self.append(module)
        return self

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self._modules)), _check(module, str(len(self._modules))))
        return self

    def insert(self, index: int, module: Module) -> Sequential:
        """Insert ``module`` before position ``index`` (``-len <= index <= len``)."""
        _check(module, str(index))
        n = len(self._modules)
        if not -n <= operator.index(index) <= n:
            raise IndexError(f"Index out of range: {index}")
        index = index + n if index < 0 else index
        if list(self._modules) != [str(i) for i in range(n)]:
            raise KeyError(
                f"Sequential.insert: the layers must be named '0' to '{n - 1}' (PyTorch's insert "
                f"fails with a KeyError on other names), got {list(self._modules)}; rebuild "
                "it with Sequential(OrderedDict(...)) instead"
            )
        mods = list(self._modules.values())
        mods.insert(index, module)
        self._reset_modules([(str(i), m) for i, m in enumerate(mods)])
        return self

    def extend(self, sequential: Iterable[Module]) -> Sequential:
        for layer in sequential:
            self.append(layer)
        return self

    def pop(self, key: int | slice) -> Module:
        v = self[key]
        del self[key]
        return v


class ModuleList(Module):
    """A list of modules whose parameters are registered (``"0"``, ``"1"``...)."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self += modules

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self._modules)), _check(module, str(len(self._modules))))
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        if not isinstance(modules, Iterable):
            raise TypeError(
                "ModuleList.extend should be called with an iterable, "
                f"but got {type(modules).__name__}"
            )
        for m in list(modules):
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index`` (``0 <= index <= len``)."""
        n = len(self._modules)
        if not 0 <= operator.index(index) <= n:
            raise IndexError(
                f"ModuleList.insert: index {index} is out of range for {n} modules "
                f"(0 to {n}; PyTorch's insert takes no negative index either)"
            )
        mods = list(self._modules.values())
        mods.insert(index, _check(module, str(index)))
        self._reset_modules([(str(i), m) for i, m in enumerate(mods)])

    def pop(self, key: int | slice) -> Any:
        v = self[key]
        del self[key]
        return v

    def __getitem__(self, idx: int | slice) -> Any:
        mods = list(self._modules.values())
        if isinstance(idx, slice):
            return type(self)(mods[idx])
        return mods[_abs_index(idx, len(mods))]

    def __setitem__(self, idx: int, module: Module) -> None:
        name = str(_abs_index(idx, len(self)))
        self.add_module(name, _check(module, name))

    def __delitem__(self, idx: int | slice) -> None:
        """Remove the module(s) at ``idx``; the rest are renumbered, as PyTorch's."""
        mods = list(self._modules.values())
        drop = (
            set(range(len(mods))[idx]) if isinstance(idx, slice) else {_abs_index(idx, len(mods))}
        )
        kept = [m for i, m in enumerate(mods) if i not in drop]
        self._reset_modules([(str(i), m) for i, m in enumerate(kept)])

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        combined = ModuleList()
        for i, module in enumerate([*self, *other]):
            combined.add_module(str(i), module)
        return combined

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __dir__(self) -> list[str]:
        return [k for k in super().__dir__() if not k.isdigit()]

    def __repr__(self) -> str:
        """PyTorch's: runs of modules with the same repr are one line, ``(0-2): 3 x ...``."""
        reprs = [repr(m) for m in self]
        if not reprs:
            return type(self).__name__ + "()"
        runs: list[list[Any]] = []
        for i, r in enumerate(reprs):
            if runs and runs[-1][2] == r:
                runs[-1][1] = i
            else:
                runs.append([i, i, r])
        lines = []
        for a, b, r in runs:
            line = f"({a}): {r}" if a == b else f"({a}-{b}): {b - a + 1} x {r}"
            lines.append(_addindent(line, 2))
        return type(self).__name__ + "(\n  " + "\n  ".join(lines) + "\n)"


def _pairs(kind: str, items: Any, sort_plain_dicts: bool = False) -> list[tuple[Any, Any]]:
    """PyTorch's ``update`` argument: a mapping, or an iterable of key/value pairs."""
    if not isinstance(items, Iterable):
        raise TypeError(
            f"{kind}.update should be called with an iterable of key/value pairs, "
            f"but got {type(items).__name__}"
        )
    if isinstance(items, (OrderedDict, ModuleDict, ParameterDict)):
        return list(items.items())
    if isinstance(items, Mapping):
        # PyTorch's ParameterDict sorts a plain dict's keys (ModuleDict keeps its order)
        return sorted(items.items()) if sort_plain_dicts else list(items.items())
    out = []
    for j, p in enumerate(items):
        if not isinstance(p, Iterable):
            raise TypeError(
                f"{kind} update sequence element #{j} should be Iterable; is {type(p).__name__}"
            )
        p = tuple(p)
        if len(p) != 2:
            raise ValueError(
                f"{kind} update sequence element #{j} has length {len(p)}; 2 is required"
            )
        out.append(p)
    return out


class ModuleDict(Module):
    """A dict of modules whose parameters are registered under their keys (from a mapping or
    an iterable of ``(key, module)`` pairs, in their order)."""

    def __init__(self, modules: Any = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, _check(module, key))

    def __delitem__(self, key: str) -> None:
        del self._modules[key]
        self.__dict__.pop(key, None)

    def __contains__(self, key: str) -> bool:
        return key in self._modules

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def keys(self) -> Any:
        return self._modules.keys()

    def values(self) -> Any:
        return self._modules.values()

    def items(self) -> Any:
        return self._modules.items()

    def update(self, modules: Any) -> None:
        for k, m in _pairs("ModuleDict", modules):
            self[k] = m

    def pop(self, key: str) -> Module:
        v = self[key]
        del self[key]
        return v

    def clear(self) -> None:
        self._reset_modules([])


class ParameterList(Module):
    """A list of parameters, registered as ``"0"``, ``"1"``... (PyTorch's ``nn.ParameterList``:
    a tensor that is not a :class:`~deepgrad.nn.Parameter` is wrapped in one; any other value,
    ``None`` or a number, is kept as it is, as a plain attribute, and is no parameter).

    >>> import deepgrad as dg
    >>> ps = dg.nn.ParameterList([dg.nn.Parameter(dg.zeros(2)), dg.ones(3)])
    >>> [n for n, _ in ps.named_parameters()], len(ps)
    (['0', '1'], 2)
    """

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        self.__dict__["_size"] = 0
        if values is not None:
            self += values

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self.__dict__.setdefault("_size", len(self._parameters))  # pickled before _size

    def append(self, value: Any) -> ParameterList:
        n = len(self)
        self.__dict__["_size"] = n + 1
        self[n] = value
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        if not isinstance(values, Iterable) or isinstance(values, Tensor):
            raise TypeError(
                "ParameterList.extend should be called with an iterable, "
                f"but got {type(values).__name__}"
            )
        for v in list(values):
            self.append(v)
        return self

    def __iadd__(self, values: Iterable[Any]) -> ParameterList:
        return self.extend(values)

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return type(self)([self[i] for i in range(len(self))[idx]])
        return getattr(self, str(_abs_index(idx, len(self))))

    def __setitem__(self, idx: int, value: Any) -> None:
        name = str(_abs_index(idx, len(self)))
        _set_entry(self, name, value)

    def __len__(self) -> int:
        return self.__dict__.get("_size", 0)

    def __iter__(self) -> Iterator[Any]:
        return iter([self[i] for i in range(len(self))])

    def __dir__(self) -> list[str]:
        return [k for k in super().__dir__() if not k.isdigit()]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("ParameterList should not be called. (It holds parameters only.)")

    def extra_repr(self) -> str:
        return "\n".join(f"  ({k}): {_entry_repr(p, p.dtype if isinstance(p, Tensor) else None)}"
                         for k, p in enumerate(self))  # fmt: skip


class _MissingKeyError(KeyError, AttributeError):
    """A key a ``ParameterDict`` does not hold: PyTorch's ``AttributeError`` (it reads the
    entry as an attribute), and the ``KeyError`` of a mapping."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ParameterDict(Module):
    """A dict of parameters registered under their keys (PyTorch's ``nn.ParameterDict``; as
    there, a plain ``dict`` is taken in sorted key order, an ``OrderedDict`` or a list of
    pairs in its own; a tensor is wrapped in a :class:`~deepgrad.nn.Parameter`, any other
    value, ``None`` or a number, is kept as it is and is no parameter)."""

    def __init__(self, parameters: Any = None) -> None:
        super().__init__()
        self.__dict__["_keys"] = {}
        if parameters is not None:
            self.update(parameters)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self.__dict__.setdefault("_keys", dict.fromkeys(self._parameters))  # pickled before

    def _key(self, key: Any) -> str:
        if not isinstance(key, str):
            raise TypeError(
                "Index given to ParameterDict cannot be used as a key as it is not a string "
                f"(type is '{type(key).__name__}')"
            )
        return key

    def __getitem__(self, key: str) -> Any:
        if self._key(key) not in self._keys:
            raise _MissingKeyError(
                f"'ParameterDict' object has no attribute '{key}' (no key {key!r}; its keys "
                f"are {list(self._keys)})"
            )
        return getattr(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        if not self._key(key) or "." in key:
            raise KeyError(
                f"ParameterDict: a key must be a non-empty string without '.', got {key!r}"
            )
        _set_entry(self, key, value)
        self._keys[key] = None

    def __delitem__(self, key: str) -> None:
        self[key]  # noqa: B018 - PyTorch's error for a missing key
        del self._keys[key]
        delattr(self, key)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._keys))

    def __reversed__(self) -> Iterator[str]:
        return reversed(list(self._keys))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("ParameterDict should not be called. (It holds parameters only.)")

    def keys(self) -> Any:
        return self._keys.keys()

    def values(self) -> Any:
        return [self[k] for k in self._keys]

    def items(self) -> Any:
        return [(k, self[k]) for k in self._keys]

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self else default

    def update(self, parameters: Any) -> None:
        for k, v in _pairs("ParametersDict", parameters, sort_plain_dicts=True):
            self[k] = v

    def pop(self, key: str) -> Any:
        v = self[key]
        del self[key]
        return v

    def popitem(self) -> tuple[str, Any]:
        """The last ``(key, value)``, removed."""
        if not self._keys:
            raise KeyError("popitem(): dictionary is empty")
        key = next(reversed(self._keys))
        return key, self.pop(key)

    def clear(self) -> None:
        for k in list(self._keys):
            del self[k]

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def copy(self) -> ParameterDict:
        """A new ``ParameterDict`` holding the same parameters (not copies of them)."""
        return ParameterDict(OrderedDict((k, self[k]) for k in self._keys))

    def fromkeys(self, keys: Iterable[str], default: Any = None) -> ParameterDict:
        """A new ``ParameterDict`` with ``keys``, each holding ``default``."""
        return ParameterDict([(k, default) for k in keys])

    def __or__(self, other: Any) -> ParameterDict:
        out = self.copy()
        out.update(other)
        return out

    def __ror__(self, other: Any) -> ParameterDict:
        out = other.copy() if isinstance(other, ParameterDict) else ParameterDict(other)
        out.update(self)
        return out

    def __ior__(self, other: Any) -> ParameterDict:
        self.update(other)
        return self

    def extra_repr(self) -> str:
        return "\n".join(f"  ({k}): {_entry_repr(p, p.type() if isinstance(p, Tensor) else None)}"
                         for k, p in self.items())  # fmt: skip


def _entry_repr(p: Any, kind: Any) -> str:
    """A parameter container's line for one entry (PyTorch's words)."""
    if not isinstance(p, Tensor):
        return f"Object of type: {type(p).__name__}"
    from .parameter import Parameter

    what = "Parameter" if isinstance(p, Parameter) else "Tensor"
    size = "x".join(str(d) for d in p.shape)
    return f"{what} containing: [{kind} of size {size}{_device_note(p)}]"


def _device_note(p: Any) -> str:
    dev = getattr(p, "device", None)
    return f" ({dev})" if dev is not None and getattr(dev, "type", "cpu") != "cpu" else ""


def _set_entry(owner: Module, name: str, value: Any) -> None:
    """A parameter container's entry ``name``: a tensor as a parameter (PyTorch wraps one that
    is not), any other value as a plain attribute; an entry that is a parameter takes only a
    parameter or ``None`` (PyTorch's ``TypeError`` otherwise)."""
    from .parameter import Parameter

    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        value = Parameter(value._data)
    if isinstance(value, Parameter) or name in owner._parameters:
        setattr(owner, name, value)  # a parameter's entry takes a Parameter or None (Module's)
    else:
        object.__setattr__(owner, name, value)


def _check(m: Any, name: str) -> Module | None:
    """A container's module entry: a Module, or ``None`` (a placeholder, as PyTorch's
    ``add_module`` takes it)."""
    if m is not None and not isinstance(m, Module):
        raise TypeError(f"container entry {name!r} is a {type(m).__name__}, not a Module")
    return m
